# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where the recorder meets the exchanges: a ``requests`` transport adapter around the session's own.

`RecordingAdapter` is mounted in place of each adapter of the client's session and sends through it; it hands the
client the transport's answer with the body's stream seen through `TeeBody`, which keeps a copy of what the client
reads, as far as it reads it (at most ``keep + 1`` bytes), and tells the recorder when the client closes the answer.
The body is read once, by the client, within the client's own bounds and time limit.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator, Optional

try:
    from requests.adapters import BaseAdapter
except ImportError:  # _transport.py reports the missing library; without it no adapter is mounted
    BaseAdapter = object  # type: ignore[misc, assignment]


class TeeBody:
    """Stands in for an answer's raw stream (``response.raw``): what the client reads passes through, a copy stays.

    Anything else (headers, ``shutdown`` for the body watchdog, the cookies' ``_original_response``) is the raw
    stream's own. ``on_close`` runs once, when the client closes the answer (``requests`` then closes the stream or
    releases its connection).
    """

    def __init__(self, raw: Any, keep: int, on_close: Callable[[], None]) -> None:
        self.raw = raw
        self.keep = keep
        self.data = bytearray()
        self.size = 0
        self.ended = False
        self.error: Optional[BaseException] = None
        self._on_close: Optional[Callable[[], None]] = on_close

    def __getattr__(self, name: str) -> Any:
        # only for names this class does not define; 'raw' itself only before __init__ set it (a copy)
        if name == 'raw':
            raise AttributeError(name)
        return getattr(self.raw, name)

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        """What ``requests``' ``iter_content`` reads from."""
        if hasattr(self.raw, 'stream'):
            return self._passed(self.raw.stream(*args, **kwargs))
        return self._passed(iter(lambda: self.raw.read(*args), b''))

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        chunk = self.raw.read(*args, **kwargs)
        self._copy(chunk)
        return chunk

    def _passed(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        try:
            for chunk in chunks:
                self._copy(chunk)
                yield chunk
        except Exception as exc:
            self.error = exc
            raise
        # not reached when the client stops reading: its generator is closed at the yield
        self.ended = True

    def _copy(self, chunk: Any) -> None:
        if isinstance(chunk, bytes):
            self.size += len(chunk)
            if len(self.data) <= self.keep:
                self.data += chunk[: self.keep + 1 - len(self.data)]

    def close(self) -> None:
        try:
            self._closed()
        finally:
            self.raw.close()

    def release_conn(self) -> None:
        try:
            self._closed()
        finally:
            release = getattr(self.raw, 'release_conn', None)
            if release is not None:
                release()

    def _closed(self) -> None:
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()


class Exchange:
    """One answer as the client reads it: its response, the tee on its body, and when its request left."""

    def __init__(
        self, response: Any, sent: float, sent_monotonic: float, keep: int, on_close: Callable[[Exchange], None]
    ) -> None:
        self.response = response
        self.sent = sent  # wall clock, for the date shown
        self.sent_monotonic = sent_monotonic  # for the order: a wall clock step cannot reorder a run's files
        self.tee = TeeBody(response.raw, keep, lambda: on_close(self))


class RecordingAdapter(BaseAdapter):
    """The session's transport with the recorder around it.

    ``recorder.following()`` says whether to follow the next answer; the body is copied up to ``recorder.keep``
    bytes, and ``recorder.record(exchange)`` runs when the client closes the answer. Nothing here may fail the
    exchange: a problem goes to ``recorder.cannot_follow(exc)`` and the answer to the client as the transport gave it.
    """

    def __init__(self, transport: Any, recorder: Any) -> None:
        super().__init__()
        self.transport = transport
        self.recorder = recorder

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        sent, sent_monotonic = time.time(), time.monotonic()
        response = self.transport.send(request, *args, **kwargs)
        if self.recorder.following():
            try:
                exchange = Exchange(response, sent, sent_monotonic, self.recorder.keep, self.recorder.record)
                response.raw = exchange.tee
            except Exception as exc:  # pylint: disable=broad-exception-caught  # recording must never fail the run
                self.recorder.cannot_follow(exc)
        return response

    def close(self) -> None:
        self.transport.close()


def mount_around(session: Any, recorder: Any) -> None:
    """Put a `RecordingAdapter` around every adapter mounted on ``session`` (one per adapter, whatever its prefixes)."""
    wrapped = {}
    for prefix, transport in list(session.adapters.items()):
        if id(transport) not in wrapped:
            wrapped[id(transport)] = RecordingAdapter(transport, recorder)
        session.mount(prefix, wrapped[id(transport)])

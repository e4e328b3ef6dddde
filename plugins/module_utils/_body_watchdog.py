# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading the body of a streamed ``requests`` answer within one time limit for the whole body.

``requests`` bounds each socket read by its timeout, not the body: a server (or a broken proxy) that
sends one byte at a time, or drips chunk trailers or a gzip header, holds the request, and with it a
wait's deadline, as long as it likes. Here a watchdog shuts the answer's socket down when the time is
up (urllib3's ``HTTPResponse.shutdown``, urllib3 2.3 and later), which ends any read blocked on it.
Older urllib3 has no such call: there only each read is bounded.
"""

from __future__ import annotations

import threading
from typing import Any, Iterator

try:
    from requests.exceptions import ReadTimeout, RequestException
except ImportError:  # _transport.py reports the missing library; without it nothing here is called
    ReadTimeout = RequestException = OSError  # type: ignore[misc, assignment]


class SlowBodyError(ReadTimeout):
    """The answer started, but its whole body did not arrive within the time limit."""


CHUNK_BYTES = 256 * 1024


def iter_body(response: Any, timeout: float) -> Iterator[bytes]:
    """The body's chunks, all within ``timeout`` seconds from now; ``requests`` exceptions on faults.

    Raises ``SlowBodyError`` (a ``requests.exceptions.ReadTimeout``) when the time was up before the body
    had arrived; what arrived by then may be cut short, so it is never returned.
    """
    if not callable(getattr(response.raw, 'shutdown', None)):
        yield from response.iter_content(chunk_size=CHUNK_BYTES)
        return
    watchdog = _Watchdog(response.raw, timeout)
    try:
        yield from response.iter_content(chunk_size=CHUNK_BYTES)
    except RequestException as exc:
        if watchdog.fired:
            raise _too_slow(timeout) from exc
        raise
    finally:
        watchdog.stop()
    # A body without a length ends when the connection does: a shutdown looks like the end of it.
    if watchdog.fired:
        raise _too_slow(timeout)


def _too_slow(timeout: float) -> Exception:
    return SlowBodyError('the whole answer did not arrive within %s seconds' % timeout)


class _Watchdog:
    """Shuts the answer's socket down after ``seconds``, unless stopped first."""

    def __init__(self, raw: Any, seconds: float) -> None:
        self._raw = raw
        self._lock = threading.Lock()
        self._running = True
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        with self._lock:
            self._running = False
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            if not self._running:
                return
            # set first: the read that the shutdown ends may look at it before shutdown() returns here
            self.fired = True
            try:
                self._raw.shutdown()
            except (ValueError, RuntimeError, OSError):
                self.fired = False  # the body was complete (the connection went back to the pool) or the socket is gone

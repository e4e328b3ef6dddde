# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading the body of a streamed ``requests`` answer within one time limit for the whole body.

``requests`` bounds each socket read by its timeout, not the body: a server (or a broken proxy) that
sends one byte at a time holds the request, and with it a wait's deadline, as long as it likes. Here
each read returns whatever has arrived (urllib3 2's ``read1``), the time left is checked between reads,
and the socket waits at most that long. urllib3 1 has no ``read1``: there only each read is bounded.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator

try:
    import requests
    import urllib3
except ImportError:
    SlowBodyError = None  # _client.py reports the missing library
else:
    class SlowBodyError(requests.exceptions.ReadTimeout):  # type: ignore[no-redef]
        """The answer started, but its whole body did not arrive within the time limit."""

CHUNK_BYTES = 256 * 1024


def iter_body(response: Any, timeout: float, monotonic: Callable[[], float] = time.monotonic) -> Iterator[bytes]:
    """The body's chunks, all within ``timeout`` seconds from now; ``requests`` exceptions on faults.

    Raises ``SlowBodyError`` (a ``requests.exceptions.ReadTimeout``) when the whole body has not arrived in time.
    """
    raw = response.raw
    if not hasattr(raw, 'read1'):
        yield from response.iter_content(chunk_size=CHUNK_BYTES)
        return
    deadline = monotonic() + timeout
    sock = getattr(getattr(raw, 'connection', None), 'sock', None)
    restore = sock.gettimeout() if sock is not None else None
    try:
        while True:
            left = deadline - monotonic()
            if left <= 0:
                raise SlowBodyError('the whole answer did not arrive within %s seconds' % timeout)
            if sock is not None:
                sock.settimeout(left)
            chunk = _read1(raw)
            if not chunk:
                return
            yield chunk
    finally:
        if sock is not None:
            _set_timeout_quietly(sock, restore)


def _read1(raw: Any) -> bytes:
    """One read of what has arrived, with urllib3's errors turned into those of ``requests`` (as iter_content does)."""
    try:
        return raw.read1(CHUNK_BYTES, decode_content=True)
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc)
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc)
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc)
    except urllib3.exceptions.ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc)


def _set_timeout_quietly(sock: Any, timeout: Any) -> None:
    """Give a pooled connection back with the timeout it had; a socket closed meanwhile needs none."""
    try:
        sock.settimeout(timeout)
    except OSError:
        pass

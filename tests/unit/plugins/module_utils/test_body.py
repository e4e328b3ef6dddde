# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body reader with one time limit for the whole body. Real slow servers are in test_hostile_xml.py;
these fakes stand in for what a real server cannot show: urllib3 1 (no read1), each urllib3 error, the
socket's own timeout before and after."""

from __future__ import annotations

import pytest
import requests
import urllib3

from ansible_collections.ocsdm.route_manager.plugins.module_utils._body import CHUNK_BYTES, SlowBodyError, iter_body


class FakeSocket:
    def __init__(self, timeout=30.0):
        self.timeout = timeout
        self.timeouts_set = []

    def gettimeout(self):
        return self.timeout

    def settimeout(self, value):
        self.timeouts_set.append(value)
        self.timeout = value


class FakeRaw:
    """urllib3 2's HTTPResponse as iter_body uses it: read1 of queued chunks, then an error or the end, and its
    connection's socket."""

    def __init__(self, chunks, sock=None, error=None):
        self.chunks = list(chunks)
        self.error = error
        self.connection = type('Connection', (), {'sock': sock})()
        self.calls = []

    def read1(self, amt=None, decode_content=None):
        self.calls.append((amt, decode_content))
        if self.chunks:
            return self.chunks.pop(0)
        if self.error is not None:
            raise self.error
        return b''


class FakeResponse:
    def __init__(self, raw):
        self.raw = raw

    def iter_content(self, chunk_size):
        self.chunk_size = chunk_size
        return iter([b'old', b'style'])


class SteppingClock:
    """Each call of the clock is ``step`` seconds after the previous one."""

    def __init__(self, step):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def test_every_chunk_arrives_and_the_socket_gets_its_timeout_back():
    sock = FakeSocket(timeout=30.0)
    raw = FakeRaw([b'<a>', b'</a>'], sock)
    assert list(iter_body(FakeResponse(raw), 5.0, SteppingClock(0.5))) == [b'<a>', b'</a>']
    assert raw.calls == [(CHUNK_BYTES, True)] * 3  # decoded, as iter_content does; the third read is the end
    assert sock.timeouts_set[:3] == [4.5, 4.0, 3.5]  # the socket waits at most the time left
    assert sock.timeout == 30.0


def test_a_body_still_arriving_at_the_limit_is_refused_and_the_socket_restored():
    sock = FakeSocket(timeout=7.0)
    raw = FakeRaw([b'x'] * 100, sock)
    with pytest.raises(SlowBodyError, match='did not arrive within 1.0 seconds'):
        list(iter_body(FakeResponse(raw), 1.0, SteppingClock(0.3)))
    assert len(raw.calls) == 3
    assert sock.timeout == 7.0
    assert issubclass(SlowBodyError, requests.exceptions.ReadTimeout)  # so the client retries it like a timeout


@pytest.mark.parametrize('error, expected', [
    (urllib3.exceptions.ReadTimeoutError(None, None, 'Read timed out.'), requests.exceptions.ReadTimeout),
    (urllib3.exceptions.ProtocolError('Connection broken: IncompleteRead'), requests.exceptions.ChunkedEncodingError),
    (urllib3.exceptions.DecodeError('bad gzip'), requests.exceptions.ContentDecodingError),
    (urllib3.exceptions.SSLError('bad record mac'), requests.exceptions.SSLError),
])
def test_urllib3_errors_become_those_of_requests(error, expected):
    raw = FakeRaw([b'<a>'], FakeSocket(), error)
    with pytest.raises(expected):
        list(iter_body(FakeResponse(raw), 5.0))


def test_without_read1_urllib3_1_reads_as_requests_does():
    class OldRaw:
        pass

    response = FakeResponse(OldRaw())
    assert list(iter_body(response, 5.0)) == [b'old', b'style']
    assert response.chunk_size == CHUNK_BYTES


def test_a_connection_without_a_socket_is_read_all_the_same():
    assert list(iter_body(FakeResponse(FakeRaw([b'ok'], sock=None)), 5.0)) == [b'ok']

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body reader with one time limit for the whole body, against a local server that sends slowly in every
way a body can be slow: byte by byte with a length, chunked with dripped trailers, a dripped gzip header, and
without a length until the connection closes. Through the client: test_hostile_xml.py."""

from __future__ import annotations

import gzip
import json
import socketserver
import threading
import time

import pytest
import requests

from ansible_collections.ocsdm.route_manager.plugins.module_utils._body_watchdog import (
    CHUNK_BYTES,
    SlowBodyError,
    iter_body,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._connection_config import ConnectionConfig
from ansible_collections.ocsdm.route_manager.plugins.module_utils._recording import attach_recorder

BODY = b'<routeUpdateTaskDetails><updateStatus>Completed</updateStatus></routeUpdateTaskDetails>'
DRIP_SECONDS = 0.03
LIMIT = 0.5


def _head(extra):
    return b'HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n' + extra + b'\r\n'


def _drip(sock, data):
    for position in range(len(data)):
        sock.sendall(data[position : position + 1])
        time.sleep(DRIP_SECONDS)


def _gzipped():
    # a long file name in the gzip header: bytes that decode to nothing, sent slowly
    header = b'\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xff' + b'n' * 60 + b'\x00'
    return header + gzip.compress(BODY)[10:]


def _answer(sock, kind):
    """One answer of ``kind``; every slow kind takes about 2 s or more, four times the limit."""
    if kind == 'fast':
        sock.sendall(_head(b'Content-Length: %d\r\n' % len(BODY)) + BODY)
    elif kind == 'drip-length':
        sock.sendall(_head(b'Content-Length: %d\r\n' % len(BODY)))
        _drip(sock, BODY)
    elif kind == 'drip-trailer':
        sock.sendall(_head(b'Transfer-Encoding: chunked\r\n') + b'%x\r\n%s\r\n0\r\n' % (len(BODY), BODY))
        _drip(sock, b''.join(b'X-Trailer-%d: yes\r\n' % number for number in range(4)) + b'\r\n')
    elif kind == 'drip-gzip':
        data = _gzipped()
        sock.sendall(_head(b'Content-Encoding: gzip\r\nContent-Length: %d\r\n' % len(data)))
        _drip(sock, data)
    elif kind == 'drip-until-close':
        sock.sendall(b'HTTP/1.0 200 OK\r\nContent-Type: application/xml\r\n\r\n')
        _drip(sock, BODY)


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            while True:
                request = b''
                while b'\r\n\r\n' not in request:
                    data = self.request.recv(4096)
                    if not data:
                        return
                    request += data
                kind = request.split(b' ', 2)[1].decode().strip('/')
                _answer(self.request, kind)
                if kind == 'drip-until-close':
                    return
        except OSError:
            pass  # the client shut the connection down: what the slow cases want


@pytest.fixture(scope='module')
def server():
    httpd = socketserver.ThreadingTCPServer(('127.0.0.1', 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d' % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def read(session, url, timeout=LIMIT):
    with session.get(url, stream=True, timeout=5) as response:
        return b''.join(iter_body(response, timeout))


@pytest.mark.parametrize('kind', ['drip-length', 'drip-trailer', 'drip-gzip', 'drip-until-close'])
def test_a_slow_body_ends_at_the_limit_whatever_makes_it_slow(server, kind):
    started = time.monotonic()
    with requests.Session() as session:
        with pytest.raises(SlowBodyError, match='did not arrive within 0.5 seconds'):
            read(session, '%s/%s' % (server, kind))
    assert time.monotonic() - started < LIMIT + 0.4


def test_a_quick_body_arrives_and_its_connection_serves_the_next_request(server):
    with requests.Session() as session:
        assert read(session, server + '/fast') == BODY
        time.sleep(LIMIT + 0.2)  # the first read's watchdog would have fired by now, had it not been stopped
        assert read(session, server + '/fast') == BODY
        assert read(session, server + '/drip-gzip', timeout=10) == BODY  # gzip decoded as iter_content does


def test_without_urllib3_shutdown_each_read_is_bounded_as_requests_does():
    class OldRaw:  # urllib3 before 2.3
        pass

    class Response:
        raw = OldRaw()

        def iter_content(self, chunk_size):
            self.chunk_size = chunk_size
            return iter([b'old', b'style'])

    response = Response()
    assert list(iter_body(response, 5.0)) == [b'old', b'style']
    assert response.chunk_size == CHUNK_BYTES


def test_a_slow_body_is_a_read_timeout_so_the_client_retries_it():
    assert issubclass(SlowBodyError, requests.exceptions.ReadTimeout)


def test_through_the_recorder_the_watchdog_still_ends_a_slow_body_which_is_recorded_as_far_as_read(server, tmp_path):
    """The recorder's adapter hands the client the raw stream through a tee: the watchdog reaches its shutdown."""
    warnings = []
    config = ConnectionConfig(url=server, username='u', password='a-long-password', record_dir=str(tmp_path))
    started = time.monotonic()
    with requests.Session() as session:
        recorder = attach_recorder(session, config, str, warnings.append)
        with pytest.raises(SlowBodyError, match='did not arrive within 0.5 seconds'):
            read(session, server + '/drip-length')
        assert read(session, server + '/fast') == BODY
    assert time.monotonic() - started < LIMIT + 0.4
    slow, fast = [json.loads(path.read_text(encoding='utf-8')) for path in sorted(tmp_path.glob('0*.json'))]
    assert slow['answer']['body_note'].startswith(
        'cut short after %d bytes: the answer broke off' % slow['answer']['body_bytes']
    )
    assert slow['answer']['body_bytes'] < len(BODY)  # what reached the client: urllib3 keeps a partial read
    assert fast['answer']['body'] == BODY.decode() and fast['answer']['body_note'] is None
    assert recorder is not None and recorder.written == 2 and warnings == []

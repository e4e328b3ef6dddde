# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Hostile XML answers: refused quickly, in bounded memory, and nothing fetched.

test_decode.py checks that declarations are refused; this file measures the refusals. Every hostile
document points at a local HTTP server that records each request it gets: it must get none. The
bodies come in UTF-8 and in UTF-16 (which the declaration pre-check does not read, so lxml's own
hardening is what refuses them). Time is the CPU time of this process, not the wall clock: the work a
refusal takes, which a busy machine running other jobs does not inflate (an expanded entity or a parsed
20 MB node would take far more). Memory is the peak of Python allocations (tracemalloc) and, on Linux, the
growth of the peak resident size, which also counts libxml2's own allocations. The figures are kept in the
JUnit report (``record_testsuite_property``).
"""

from __future__ import annotations

import gc
import http.server
import threading
import time
import tracemalloc
import urllib.request
from contextlib import contextmanager

import pytest
import urllib3
from lxml import etree

from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import SdmClient
from ansible_collections.ocsdm.route_manager.plugins.module_utils._connection_config import ConnectionConfig
from ansible_collections.ocsdm.route_manager.plugins.module_utils._decode import DEFAULT_MAX_BODY_BYTES, decode_body
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmBadAnswerError, SdmTransportError
from ansible_collections.ocsdm.route_manager.plugins.module_utils._retry import RetryPolicy
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher

MB = 1024 * 1024
MAX_SECONDS = 1.0
MAX_MEGABYTES = 50
ROOT = 'routeUpdateTaskDetails'
MARKER = 'LEAKED-FROM-A-LOCAL-FILE'
SESSION_ID = 'HOSTILE0123456789.tomcat1'


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Records every request; answers an entity or DTD text, then (for the client tests) SDM's login and task paths."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.hits.append(self.path)
        if self.path.endswith('/routeSets/routeUpdates/ID1'):
            self._answer_task()
        else:
            self._send(200, b'<!ENTITY stolen "' + MARKER.encode() + b'">', 'application/xml-dtd')

    def do_POST(self):  # noqa: N802
        self.server.hits.append(self.path)
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        self._send(
            200 if self.path.endswith('/login') else 204,
            b'',
            'application/xml',
            [('Set-Cookie', 'JSESSIONID=%s; Path=/rest' % SESSION_ID)] if self.path.endswith('/login') else [],
        )

    def _answer_task(self):
        """200 with ``server.task_size`` bytes of XML, announced or chunked (``server.announce``), made as they are sent;
        or, with ``server.drip`` seconds, a small valid answer sent one byte at a time."""
        size, announce, drip = self.server.task_size, self.server.announce, self.server.drip
        body = b'<routeUpdateTaskDetails><updateStatus>Completed</updateStatus></routeUpdateTaskDetails>'
        self.send_response(200)
        self.send_header('Content-Type', 'application/xml')
        if announce or drip:
            self.send_header('Content-Length', str(len(body) if drip else size))
        else:
            self.send_header('Transfer-Encoding', 'chunked')
        self.end_headers()
        chunk = b'<a/>' * (64 * 1024)
        try:
            if drip:
                for position in range(len(body)):
                    self.wfile.write(body[position : position + 1])
                    self.wfile.flush()
                    time.sleep(drip)
                return
            self._write(b'<routeUpdateTaskDetails>', announce)
            for _sent in range(0, size, len(chunk)):
                self._write(chunk, announce)
        except OSError:
            pass  # the client refused the body and closed the connection: what the test wants
        finally:
            self.close_connection = True

    def _write(self, data, announce):
        self.wfile.write(data if announce else b'%x\r\n%s\r\n' % (len(data), data))

    def _send(self, status, body, content_type, headers=()):
        self.send_response(status)
        for name, value in list(headers) + [('Content-Type', content_type), ('Content-Length', str(len(body)))]:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope='module')
def recorder():
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Recorder)
    server.hits, server.task_size, server.announce, server.drip = [], 0, True, 0
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    server.url = 'http://127.0.0.1:%d' % server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def hits(recorder):
    recorder.hits.clear()
    return recorder.hits


def _rss_kib(field):
    try:
        with open('/proc/self/status') as status:
            return next(int(line.split()[1]) for line in status if line.startswith(field + ':'))
    except (OSError, StopIteration):
        return None


def _reset_peak_rss():
    """Linux: start the peak resident size (VmHWM) again from the present size; False where that is not possible."""
    try:
        with open('/proc/self/clear_refs', 'w') as clear_refs:
            clear_refs.write('5')
        return True
    except OSError:
        return False


@contextmanager
def measured(record_testsuite_property, case):
    """CPU time, Python peak allocation and (Linux) peak RSS growth of the block, in ``figures`` and the JUnit report."""
    figures = {}
    gc.collect()
    rss_known = _reset_peak_rss()
    rss_before = _rss_kib('VmRSS')
    tracemalloc.start()
    started = time.process_time()
    try:
        yield figures
    finally:
        figures['seconds'] = time.process_time() - started
        figures['python_peak_mb'] = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
        peak = _rss_kib('VmHWM')
        figures['rss_growth_mb'] = (peak - rss_before) / 1024.0 if rss_known and peak and rss_before else 0.0
        for name, value in figures.items():
            record_testsuite_property('hostile_xml.%s.%s' % (case, name), round(value, 4))


def bounded(figures):
    assert figures['seconds'] < MAX_SECONDS, figures
    assert figures['python_peak_mb'] < MAX_MEGABYTES and figures['rss_growth_mb'] < MAX_MEGABYTES, figures


def _utf16(text):
    return ('<?xml version="1.0" encoding="UTF-16"?>' + text).encode('utf-16')


def _laughs(levels=10, fan_out=10):
    entities = ''.join('<!ENTITY l%d "%s">' % (level, ('&l%d;' % (level - 1)) * fan_out) for level in range(1, levels))
    return '<!DOCTYPE r [<!ENTITY l0 "lol">%s]><routeUpdateTaskDetails><u>&l%d;</u></routeUpdateTaskDetails>' % (
        entities,
        levels - 1,
    )


def _deep(levels):
    return '<routeUpdateTaskDetails>%sx%s</routeUpdateTaskDetails>' % ('<a>' * levels, '</a>' * levels)


# (name, document text with {url} for the recording server and {file} for a local file)
HOSTILE = [
    (
        'external-entity-file',
        '<!DOCTYPE r [<!ENTITY x SYSTEM "file://{file}">]><routeUpdateTaskDetails><u>&x;</u></routeUpdateTaskDetails>',
    ),
    (
        'external-entity-http',
        '<!DOCTYPE r [<!ENTITY x SYSTEM "{url}/entity">]><routeUpdateTaskDetails><u>&x;</u></routeUpdateTaskDetails>',
    ),
    (
        'external-dtd',
        '<!DOCTYPE routeUpdateTaskDetails SYSTEM "{url}/dtd"><routeUpdateTaskDetails><u>&stolen;</u></routeUpdateTaskDetails>',
    ),
    (
        'parameter-entity',
        '<!DOCTYPE r [<!ENTITY % p SYSTEM "{url}/parameter"> %p;]><routeUpdateTaskDetails><u>&stolen;</u></routeUpdateTaskDetails>',
    ),
    (
        'xinclude',
        '<routeUpdateTaskDetails xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="{url}/xinclude" parse="text"/>'
        '</routeUpdateTaskDetails>',
    ),
    (
        'schema-location',
        '<routeUpdateTaskDetails xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x {url}/xsd">'
        '<updateStatus>Completed</updateStatus></routeUpdateTaskDetails>',
    ),
    ('billion-laughs', _laughs()),
    (
        'quadratic-blowup',
        '<!DOCTYPE r [<!ENTITY a "%s">]><routeUpdateTaskDetails><u>%s</u></routeUpdateTaskDetails>'
        % ('a' * 100000, '&a;' * 20000),
    ),
    ('deep-nesting-200', _deep(200)),
    ('deep-nesting-100000', _deep(100000)),
    ('text-node-20MB', '<routeUpdateTaskDetails><u>%s</u></routeUpdateTaskDetails>' % ('x' * (20 * MB))),
    # within the size limit, but some 550 MB once parsed: refused by its element count
    ('tiny-elements-16MB', '<routeUpdateTaskDetails>%s</routeUpdateTaskDetails>' % ('<a/>' * (4 * MB))),
]
# Read without refusal, as long as nothing is fetched: the client ignores XInclude and schema locations.
HARMLESS = ('xinclude', 'schema-location')


@pytest.fixture(scope='module')
def secret_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('hostile') / 'secret.txt'
    path.write_text(MARKER)
    return path


@pytest.mark.parametrize('encoding', ['utf-8', 'utf-16'])
@pytest.mark.parametrize('name, template', HOSTILE, ids=[name for name, _template in HOSTILE])
def test_a_hostile_document_is_refused_quickly_in_bounded_memory_and_fetches_nothing(
    name, template, encoding, recorder, hits, secret_file, record_testsuite_property
):
    text = template.replace('{url}', recorder.url).replace('{file}', str(secret_file))
    body = text.encode('utf-8') if encoding == 'utf-8' else _utf16(text)
    outcome = None
    with measured(record_testsuite_property, '%s.%s' % (name, encoding)) as figures:
        try:
            outcome = decode_body(body, 'application/xml', ROOT, 'route update task details')
        except SdmBadAnswerError as error:
            outcome = error.message
    bounded(figures)
    assert hits == []
    assert MARKER not in str(outcome)
    if name in HARMLESS:
        assert isinstance(outcome, dict)
    else:
        assert isinstance(outcome, str) and outcome, outcome


class _Fetcher(etree.Resolver):
    """Resolves external references by fetching them over HTTP (this lxml may lack libxml2's own HTTP client)."""

    def resolve(self, system_url, public_id, context):
        with urllib.request.urlopen(system_url, timeout=5) as answer:  # nosec: the local recorder only
            return self.resolve_string(answer.read(), context)


def test_the_recorder_sees_the_fetch_of_a_parser_that_resolves_references(recorder, hits):
    """The control case: the same external entity, parsed by a parser that resolves references, reaches the recorder."""
    body = (
        '<!DOCTYPE r [<!ENTITY x SYSTEM "%s/entity">]><routeUpdateTaskDetails><u>&x;</u></routeUpdateTaskDetails>'
        % recorder.url
    )
    parser = etree.XMLParser(resolve_entities=True, no_network=False, load_dtd=True)  # what the client must never use
    parser.resolvers.add(_Fetcher())
    try:
        etree.fromstring(body.encode(), parser)
    except etree.XMLSyntaxError:
        pass  # the fetched text is a declaration, not content: only the fetch matters here
    assert hits == ['/entity']


def test_json_of_tiny_objects_is_refused_by_their_count_in_bounded_memory(record_testsuite_property):
    body = b'{"deviceStatusList": [' + b'{},' * (3 * MB) + b'{}]}'
    with measured(record_testsuite_property, 'tiny-objects-json') as figures:
        with pytest.raises(
            SdmBadAnswerError,
            match='up to %d objects and arrays, more than the limit of %d' % (3 * MB + 3, DEFAULT_MAX_BODY_BYTES // 32),
        ):
            decode_body(body, 'application/json', ROOT, 'route update task details')
    bounded(figures)


def test_a_body_over_the_size_limit_is_refused_before_parsing(record_testsuite_property):
    body = b'<routeUpdateTaskDetails>' + b'<a/>' * (DEFAULT_MAX_BODY_BYTES // 4) + b'</routeUpdateTaskDetails>'
    with measured(record_testsuite_property, 'over-the-size-limit') as figures:
        with pytest.raises(SdmBadAnswerError, match='more than the limit of %d' % DEFAULT_MAX_BODY_BYTES):
            decode_body(body, 'application/xml', ROOT, 'route update task details')
    bounded(figures)


@pytest.mark.parametrize('announce', [True, False], ids=['content-length', 'chunked'])
def test_the_client_stops_reading_a_body_over_its_limit(announce, recorder, hits, record_testsuite_property):
    """A 1 GiB answer (announced, or chunked without a length): the client reads at most its limit and refuses."""
    recorder.task_size, recorder.announce, recorder.drip = 1024 * MB, announce, 0
    config = ConnectionConfig(
        url=recorder.url, username='u', password='Hostile-Pass-77', request_timeout=5, max_body_bytes=8 * MB
    )
    with measured(record_testsuite_property, 'client-1GiB-%s' % ('announced' if announce else 'chunked')) as figures:
        with pytest.raises(SdmBadAnswerError, match='body of more than %d bytes' % (8 * MB)) as caught:
            with SdmClient(config) as client:
                client.get_task('ID1', StateMatcher())
    bounded(figures)
    assert hits == ['/rest/v1.3/admin/login', '/rest/v1.3/routeSets/routeUpdates/ID1', '/rest/v1.3/admin/logout']
    assert SESSION_ID not in caught.value.message


@pytest.mark.skipif(
    not hasattr(urllib3.response.HTTPResponse, 'read1'), reason='urllib3 1 has no read1: only each read is bounded'
)
def test_an_answer_sent_one_byte_at_a_time_is_bounded_by_request_timeout(recorder, hits):
    """A slow-drip server (about 3 s for a small answer, each byte well within request_timeout) must not hold a
    request, and with it a wait's deadline, for longer than request_timeout (plus slack)."""
    recorder.drip = 0.035
    config = ConnectionConfig(
        url=recorder.url,
        username='u',
        password='Hostile-Pass-77',
        request_timeout=0.5,
        retry=RetryPolicy(max_attempts=1),
    )
    started = time.monotonic()
    try:
        with pytest.raises(SdmTransportError) as caught:
            with SdmClient(config) as client:
                client.get_task('ID1', StateMatcher())
    finally:
        recorder.drip = 0
    assert time.monotonic() - started < 1.5
    assert 'started but did not arrive in full within 0.5 seconds' in caught.value.message

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The client against a scripted transport: exact calls, retries, re-login, errors, secrets."""

from __future__ import annotations

import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, quote_plus, unquote
from xml.sax.saxutils import escape as xml_escape

import pytest
import requests
import urllib3
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import SdmClient
from ansible_collections.ocsdm.route_manager.plugins.module_utils._connection_config import ConnectionConfig
from ansible_collections.ocsdm.route_manager.plugins.module_utils._sdm_api import task_path
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import (
    SdmAuthError,
    SdmBadAnswerError,
    SdmHttpError,
    SdmInputError,
    SdmNotFoundError,
    SdmPermissionError,
    SdmTransportError,
    SdmWaitTimeout,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._retry import RetryPolicy
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.plugins.module_utils._poll_wait import PollWait
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import (
    PASSWORD,
    SESSION_ID,
    FakeClock,
    FakeTransport,
    QueueHandler,
    Reply,
    faults_before_processing,
    fixture_bytes,
    login_reply,
    task_reply,
)
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.in_process_sdm import (
    InProcessSdm,
    tasks_scenario,
)

MATCHER = StateMatcher()
TASK_PATH = '/rest/v1.3/routeSets/routeUpdates/ID33'
LOGIN = 'POST /rest/v1.3/admin/login'
LOGOUT = 'POST /rest/v1.3/admin/logout'
GET_TASK = 'GET ' + TASK_PATH
LOGOUT_OK = Reply(204, content_type=None)


def config(**kwargs):
    settings = dict(
        url='https://sdm.example.com:8443',
        username='admin',
        password=PASSWORD,
        retry=RetryPolicy(max_attempts=4, backoff_initial=0.5, backoff_max=4, jitter=0),
    )
    settings.update(kwargs)
    return ConnectionConfig(**settings)


def client_for(replies, clock=None, **kwargs):
    transport = FakeTransport(replies if callable(replies) else QueueHandler(replies))
    return SdmClient(config(**kwargs), clock=clock or FakeClock(), adapter=transport), transport


def assert_no_secret(text):
    assert PASSWORD not in text
    assert SESSION_ID not in text


# The exact conversation ------------------------------------------------------------------------


def test_one_run_is_login_get_logout_with_the_cookie_in_between():
    client, transport = client_for([login_reply(), Reply(200, fixture_bytes('task_ID33.xml')), LOGOUT_OK])
    with client:
        task = client.get_task('ID33', MATCHER)
    assert transport.lines == [LOGIN, GET_TASK, LOGOUT]
    login, get, logout = transport.calls
    assert login.cookie is None
    assert login.headers['Content-Type'] == 'application/xml' and login.headers['Accept'] == 'application/xml'
    assert login.body == (
        b'<?xml version="1.0" encoding="UTF-8"?><session><userName>admin</userName><password>'
        + PASSWORD.encode()
        + b'</password></session>'
    )
    assert get.cookie == 'JSESSIONID=' + SESSION_ID and logout.cookie == 'JSESSIONID=' + SESSION_ID
    assert get.body is None and logout.body is None
    assert get.timeout == 30.0
    assert task['task_id'] == 'ID33' and task['succeeded'] is True and task['total_device_count'] == 1
    assert not client.logged_in and client.warnings == []
    assert len(client.transport.session.cookies) == 0  # pylint: disable=protected-access


def test_json_format_logs_in_with_json_and_decodes_json():
    client, transport = client_for(
        [login_reply(), Reply(200, fixture_bytes('task_ID33.json'), 'application/json'), LOGOUT_OK], body_format='json'
    )
    with client:
        task = client.get_task('ID33', MATCHER)
    login = transport.calls[0]
    assert login.headers['Content-Type'] == 'application/json' and login.headers['Accept'] == 'application/json'
    assert json.loads(login.body) == {'userName': 'admin', 'password': PASSWORD}
    assert task['devices'][0]['object_id'] == 'ID34'


def test_xml_special_characters_in_credentials_are_escaped():
    client, transport = client_for([login_reply(), LOGOUT_OK], username='a<b>&c', password='p&<"\'>')
    with client:
        pass
    assert b'<userName>a&lt;b&gt;&amp;c</userName><password>p&amp;&lt;"\'&gt;</password>' in transport.calls[0].body


@pytest.mark.parametrize(
    'url, prefix',
    [
        ('https://sdm.example.com:8443/', ''),
        ('https://gateway.example.com/sdm', '/sdm'),
        ('http://localhost:8080', ''),
    ],
)
def test_the_cookie_with_path_rest_is_sent_for_every_url_shape(url, prefix):
    client, transport = client_for([login_reply(), task_reply(), LOGOUT_OK], url=url)
    with client:
        client.get_task('ID33', MATCHER)
    assert transport.lines == [
        'POST %s/rest/v1.3/admin/login' % prefix,
        'GET %s%s' % (prefix, TASK_PATH),
        'POST %s/rest/v1.3/admin/logout' % prefix,
    ]
    assert transport.calls[1].cookie == 'JSESSIONID=' + SESSION_ID
    assert transport.calls[2].cookie == 'JSESSIONID=' + SESSION_ID


def test_the_session_id_from_the_login_body_is_used_when_no_cookie_came():
    no_cookie = Reply(200, b'<session><sessionId>BODYSESSION</sessionId></session>')
    client, transport = client_for([no_cookie, task_reply(), LOGOUT_OK])
    with client:
        client.get_task('ID33', MATCHER)
    assert transport.calls[1].cookie == 'JSESSIONID=BODYSESSION'


def test_a_login_without_any_session_is_an_auth_error():
    client, transport = client_for([Reply(200, b'<session/>')])
    with pytest.raises(SdmAuthError, match='set no JSESSIONID session cookie'):
        with client:
            pass
    assert transport.lines == [LOGIN]


def test_a_rotated_session_cookie_replaces_the_old_one():
    rotated = task_reply()
    rotated.headers.append(('Set-Cookie', 'JSESSIONID=ROTATED.tomcat1; Path=/rest; HttpOnly'))
    client, transport = client_for([login_reply(), rotated, task_reply(), LOGOUT_OK])
    with client:
        client.get_task('ID33', MATCHER)
        client.get_task('ID33', MATCHER)
    assert transport.calls[2].cookie == 'JSESSIONID=ROTATED.tomcat1'
    assert transport.calls[3].cookie == 'JSESSIONID=ROTATED.tomcat1'


# Logout on every path --------------------------------------------------------------------------


def test_logout_happens_when_the_body_raises_and_the_error_is_kept():
    client, transport = client_for([login_reply(), LOGOUT_OK])
    with pytest.raises(RuntimeError, match='boom'):
        with client:
            raise RuntimeError('boom')
    assert transport.lines == [LOGIN, LOGOUT]


def test_a_failing_logout_never_hides_the_original_error():
    refused = requests.exceptions.ConnectionError('connection refused')
    client, transport = client_for([login_reply(), Reply(404, b'', None), refused, refused, refused, refused])
    with pytest.raises(SdmNotFoundError, match='route update task ID33 not found'):
        with client:
            client.get_task('ID33', MATCHER)
    assert transport.lines == [LOGIN, GET_TASK] + [LOGOUT] * 4
    assert client.warnings and client.warnings[0].startswith(
        'logout failed, the session stays open on the server until it expires'
    )


def test_a_failing_logout_after_success_is_a_warning():
    client, _transport = client_for([login_reply(), task_reply(), Reply(500, b'oops', 'text/plain')])
    with client:
        task = client.get_task('ID33', MATCHER)
    assert task['succeeded'] is True
    assert client.warnings == [
        'logout failed, the session stays open on the server until it expires: '
        'POST /rest/v1.3/admin/logout answered 500 Internal Server Error: oops'
    ]


@pytest.mark.parametrize('status', [200, 204, 401])
def test_logout_accepts_200_204_and_an_already_expired_session(status):
    client, _transport = client_for([login_reply(), Reply(status, b'', None)])
    with client:
        pass
    assert client.warnings == []


def test_logout_twice_sends_one_logout():
    client, transport = client_for([login_reply(), LOGOUT_OK])
    with client:
        client.logout()
    assert transport.lines == [LOGIN, LOGOUT]


# Re-login --------------------------------------------------------------------------------------


def test_a_401_logs_in_again_once_and_repeats_the_request():
    client, transport = client_for(
        [
            login_reply('FIRST'),
            Reply(401, b'The session ID is invalid', 'text/plain'),
            login_reply('SECOND'),
            task_reply(),
            LOGOUT_OK,
        ]
    )
    with client:
        assert client.get_task('ID33', MATCHER)['succeeded'] is True
    assert transport.lines == [LOGIN, GET_TASK, LOGIN, GET_TASK, LOGOUT]
    assert [call.cookie for call in transport.calls] == [
        None,
        'JSESSIONID=FIRST',
        None,
        'JSESSIONID=SECOND',
        'JSESSIONID=SECOND',
    ]


def test_a_second_401_after_a_fresh_login_is_an_auth_error():
    invalid = Reply(401, b'The session ID is invalid', 'text/plain')
    client, transport = client_for([login_reply('FIRST'), invalid, login_reply('SECOND'), invalid, LOGOUT_OK])
    with pytest.raises(SdmAuthError) as caught:
        with client:
            client.get_task('ID33', MATCHER)
    assert caught.value.message == (
        'GET %s answered 401 Unauthorized: The session ID is invalid; it still did after a fresh login' % TASK_PATH
    )
    assert caught.value.status == 401 and caught.value.path == TASK_PATH
    assert transport.lines == [LOGIN, GET_TASK, LOGIN, GET_TASK, LOGOUT]


def test_concurrent_pollers_share_one_re_login():
    task_ids = ['ID%d' % number for number in range(12)]
    clock = FakeClock()
    sdm = InProcessSdm(tasks_scenario(task_ids, finish_at=35), clock)  # running during the first wait (30 s)
    client, _transport = client_for(sdm, clock=clock)
    with client:
        waiter = PollWait(client, MATCHER, timeout=30, sleep=5, sleep_max=5, clock=clock, max_workers=6)
        with pytest.raises(SdmWaitTimeout):
            waiter.wait(['ID0'])  # establishes the session only
        sdm.drop_sessions()
        clock.advance(10)  # every task has completed by now
        result = waiter.wait(task_ids)
    assert all(task['succeeded'] for task in result.tasks)
    assert sdm.logins == 2 and sdm.logouts == 1


# Retries ---------------------------------------------------------------------------------------


def test_503_is_retried_after_the_backoff():
    clock = FakeClock()
    client, transport = client_for(
        [login_reply(), Reply(503, b'busy', 'text/plain'), Reply(503, b'busy', 'text/plain'), task_reply(), LOGOUT_OK],
        clock=clock,
    )
    with client:
        assert client.get_task('ID33', MATCHER)['succeeded'] is True
    assert transport.lines == [LOGIN, GET_TASK, GET_TASK, GET_TASK, LOGOUT]
    assert clock.sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    'retry_after, expected_sleep', [('7', 7.0), ('Tue, 14 Nov 2023 22:13:30 GMT', 10.0), ('junk', 0.5)]
)
def test_429_honours_retry_after(retry_after, expected_sleep):
    clock = FakeClock(wall=1700000000.0)  # 2023-11-14T22:13:20Z
    busy = Reply(429, b'slow down', 'text/plain', headers=[('Retry-After', retry_after)])
    client, _transport = client_for([login_reply(), busy, task_reply(), LOGOUT_OK], clock=clock)
    with client:
        client.get_task('ID33', MATCHER)
    assert clock.sleeps == [expected_sleep]


@pytest.mark.parametrize(
    'fault',
    [
        requests.exceptions.ConnectionError('connection reset'),
        requests.exceptions.ReadTimeout('read timed out'),
        requests.exceptions.ConnectTimeout('connect timed out'),
        requests.exceptions.ChunkedEncodingError('incomplete read'),
        Reply(502, b'<html><body>Bad gateway</body></html>', 'text/html'),
        Reply(504, b'', None),
    ],
)
def test_each_transient_fault_is_survived(fault):
    client, transport = client_for([login_reply(), fault, task_reply(), LOGOUT_OK])
    with client:
        assert client.get_task('ID33', MATCHER)['succeeded'] is True
    assert transport.lines == [LOGIN, GET_TASK, GET_TASK, LOGOUT]


def test_transient_faults_give_up_after_the_attempts_allowed():
    timeout = requests.exceptions.ReadTimeout('read timed out')
    client, transport = client_for([login_reply(), timeout, timeout, timeout, timeout, LOGOUT_OK])
    with pytest.raises(SdmTransportError) as caught:
        with client:
            client.get_task('ID33', MATCHER)
    assert caught.value.message == (
        'GET %s failed: no answer from sdm.example.com:8443 within 30.0 seconds (gave up after 4 attempts)' % TASK_PATH
    )
    assert caught.value.transient is True
    assert transport.lines == [LOGIN] + [GET_TASK] * 4 + [LOGOUT]


def test_a_transient_status_that_persists_is_an_http_error_with_the_server_text():
    busy = Reply(503, b'<html><h1>Service Unavailable</h1></html>', 'text/html')
    client, _transport = client_for([login_reply()] + [busy] * 4 + [LOGOUT_OK])
    with pytest.raises(SdmHttpError) as caught:
        with client:
            client.get_task('ID33', MATCHER)
    assert caught.value.message == (
        'GET %s answered 503 Service Unavailable: Service Unavailable (gave up after 4 attempts)' % TASK_PATH
    )
    assert caught.value.status == 503 and caught.value.transient is True


@pytest.mark.parametrize('fault', faults_before_processing())
def test_login_is_retried_after_faults_that_show_it_never_arrived(fault):
    client, transport = client_for([fault, login_reply(), LOGOUT_OK])
    with client:
        pass
    assert transport.lines == [LOGIN, LOGIN, LOGOUT]


@pytest.mark.parametrize(
    'fault, error, cause',
    [
        (
            requests.exceptions.ReadTimeout('read timed out'),
            SdmTransportError,
            'POST /rest/v1.3/admin/login failed: no answer from sdm.example.com:8443 within 30.0 seconds',
        ),
        (
            requests.exceptions.ConnectionError(
                urllib3.exceptions.ProtocolError(
                    'Connection aborted.', ConnectionResetError(104, 'Connection reset by peer')
                )
            ),
            SdmTransportError,
            'POST /rest/v1.3/admin/login failed: the connection to sdm.example.com:8443 broke before the answer arrived: '
            'Connection reset by peer',
        ),
        (
            Reply(502, b'<html><body>Bad gateway</body></html>', 'text/html'),
            SdmHttpError,
            'POST /rest/v1.3/admin/login answered 502 Bad Gateway: Bad gateway',
        ),
        (Reply(504, b'', None), SdmHttpError, 'POST /rest/v1.3/admin/login answered 504 Gateway Timeout'),
    ],
    ids=['read-timeout', 'reset', '502', '504'],
)
def test_a_login_whose_answer_was_lost_is_not_repeated(fault, error, cause):
    """A retry could open a second session while the first stays open on SDM, which limits concurrent sessions."""
    client, transport = client_for([fault])
    with pytest.raises(error) as caught:
        with client:
            pass
    assert caught.value.message == (
        cause + '; the login was not repeated: it may have opened a session on SDM, and every new try '
        'could leave one more session open until SDM expires it (SDM limits concurrent sessions)'
    )
    assert caught.value.path == '/rest/v1.3/admin/login' and caught.value.transient is False
    assert transport.lines == [LOGIN]  # one try, and no logout of a session the client does not know


def test_a_busy_login_then_a_lost_one_is_not_repeated_either():
    client, transport = client_for(
        [Reply(503, b'busy', 'text/plain'), requests.exceptions.ReadTimeout('read timed out')]
    )
    with pytest.raises(SdmTransportError, match=r'\(gave up after 2 attempts\); the login was not repeated'):
        with client:
            pass
    assert transport.lines == [LOGIN, LOGIN]


def test_a_login_whose_body_breaks_off_after_the_cookie_holds_its_session():
    client, transport = client_for(
        [Reply(200, b'<session><idle', headers=login_reply().headers, broken=True), task_reply(), LOGOUT_OK]
    )
    with client:
        client.get_task('ID33', MATCHER)
    assert transport.lines == [LOGIN, GET_TASK, LOGOUT]
    assert transport.calls[1].cookie == 'JSESSIONID=' + SESSION_ID


def test_a_relogin_whose_answer_was_lost_ends_a_wait_at_once():
    """Not transient: a waiter that polled on would log in again at every poll, each try a possible orphan session."""
    clock = FakeClock()
    invalid = Reply(401, b'The session ID is invalid', 'text/plain')
    client, transport = client_for(
        [login_reply('FIRST'), invalid, requests.exceptions.ReadTimeout('read timed out'), LOGOUT_OK], clock=clock
    )
    with pytest.raises(SdmTransportError, match='the login was not repeated'):
        with client:
            PollWait(client, MATCHER, timeout=60, sleep=5, sleep_max=5).wait(['ID33'])
    assert transport.lines == [LOGIN, GET_TASK, LOGIN, LOGOUT]
    assert clock.sleeps == []


def test_a_tls_failure_is_not_retried():
    failure = requests.exceptions.SSLError(
        '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate'
    )
    client, transport = client_for([failure])
    with pytest.raises(SdmTransportError) as caught:
        with client:
            pass
    assert caught.value.message == (
        'POST /rest/v1.3/admin/login failed: TLS error with sdm.example.com:8443: [SSL: CERTIFICATE_VERIFY_FAILED] '
        'certificate verify failed: self-signed certificate; check validate_certs and ca_path'
    )
    assert transport.lines == [LOGIN]


# Permanent errors ------------------------------------------------------------------------------


def test_wrong_credentials_name_the_user_and_never_the_password():
    client, transport = client_for([Reply(401, b'Invalid user name or password', 'text/plain')])
    with pytest.raises(SdmAuthError) as caught:
        with client:
            pass
    assert caught.value.message == (
        "login refused for user 'admin': wrong user name or password "
        "(POST /rest/v1.3/admin/login answered 401 Unauthorized: Invalid user name or password)"
    )
    assert caught.value.to_fail_kwargs() == {
        'msg': caught.value.message,
        'status': 401,
        'url_path': '/rest/v1.3/admin/login',
    }
    assert transport.lines == [LOGIN]
    assert_no_secret(repr(caught.value))


def test_an_unknown_api_version_is_named():
    client, _transport = client_for([Reply(404, b'', None)], api_version='v9.9')
    with pytest.raises(
        SdmNotFoundError,
        match=r"check url and api_version 'v9.9' \(POST /rest/v9.9/admin/login answered 404 Not Found\)",
    ):
        with client:
            pass


@pytest.mark.parametrize(
    'reply, error, message',
    [
        (
            Reply(403, b'Forbidden', 'text/plain'),
            SdmPermissionError,
            "GET %s answered 403 Forbidden: Forbidden: the user 'admin' lacks the rights for this call (route management)"
            % TASK_PATH,
        ),
        (
            Reply(404, b'<html><body>Not found</body></html>', 'text/html'),
            SdmNotFoundError,
            'route update task ID33 not found (GET %s answered 404 Not Found: Not found)' % TASK_PATH,
        ),
        (
            Reply(
                500,
                b'<html><head><title>Error</title></head><body><h1>NullPointerException</h1></body></html>',
                'text/html',
            ),
            SdmHttpError,
            'GET %s answered 500 Internal Server Error: Error NullPointerException' % TASK_PATH,
        ),
        (
            Reply(400, b'input invalid', 'text/plain'),
            SdmHttpError,
            'GET %s answered 400 Bad Request: input invalid' % TASK_PATH,
        ),
        (
            Reply(302, b'', None, headers=[('Location', 'https://sso.example.com/login?next=x')]),
            SdmHttpError,
            'GET %s answered 302 Found: redirected to /login; check url' % TASK_PATH,
        ),
        (
            Reply(200, b'<html><body>Welcome</body></html>', 'text/html'),
            SdmBadAnswerError,
            'GET %s answered 200 with an unusable body: expected route update task details (XML <routeUpdateTaskDetails> or a JSON object), '
            'got an HTML page: Welcome' % TASK_PATH,
        ),
        (
            Reply(200, b'{"error": "nope"}', 'application/json'),
            SdmBadAnswerError,
            'GET %s answered 200 without any field of a route update task (such as updateStatus)' % TASK_PATH,
        ),
        (Reply(200, b'', None), SdmBadAnswerError, 'got an empty body'),
    ],
)
def test_each_permanent_fault_is_named_at_once(reply, error, message):
    client, transport = client_for([login_reply(), reply, LOGOUT_OK])
    with pytest.raises(error) as caught:
        with client:
            client.get_task('ID33', MATCHER)
    assert type(caught.value) is error  # pylint: disable=unidiomatic-typecheck
    assert message in caught.value.message
    assert caught.value.status == reply.status and caught.value.path == TASK_PATH
    assert transport.lines == [LOGIN, GET_TASK, LOGOUT]
    assert '\n' not in caught.value.message


def test_an_oversized_answer_is_refused_before_reading_it():
    client, _transport = client_for([login_reply(), task_reply(), LOGOUT_OK], max_body_bytes=1024)
    client_big, _transport = client_for(
        [
            login_reply(),
            Reply(200, b'<routeUpdateTaskDetails>' + b' ' * 5000 + b'</routeUpdateTaskDetails>'),
            LOGOUT_OK,
        ],
        max_body_bytes=1024,
    )
    with client:
        client.get_task('ID33', MATCHER)
    with pytest.raises(SdmBadAnswerError, match='with a body of more than 1024 bytes'):
        with client_big:
            client_big.get_task('ID33', MATCHER)


def test_secrets_echoed_by_the_server_are_scrubbed():
    echo = Reply(500, ('password %s for session %s rejected' % (PASSWORD, SESSION_ID)).encode(), 'text/plain')
    client, _transport = client_for([login_reply(), echo, LOGOUT_OK])
    with pytest.raises(SdmHttpError) as caught:
        with client:
            client.get_task('ID33', MATCHER)
    assert caught.value.message.endswith(
        'answered 500 Internal Server Error: password ******** for session ******** rejected'
    )


# A password with every character that JSON, XML and URLs escape; the session id as SDM makes them.
ODD_PASSWORD = 'P"a\\ss&<w\u00f6rd>\'/ \U0001f600'
ODD_ECHOES = {
    'json': lambda value: json.dumps(value)[1:-1],
    'json-unicode': lambda value: json.dumps(value, ensure_ascii=False)[1:-1],
    'json-upper-hex': lambda value: json.dumps(value)[1:-1].replace('\\u00f6', '\\u00F6').replace('\\ud83d', '\\uD83D'),
    'json-slash': lambda value: json.dumps(value)[1:-1].replace('/', '\\/'),
    'xml': lambda value: xml_escape(value, {'"': '&quot;', "'": '&apos;'}),
    'html': html.escape,
    'decimal-references': lambda value: ''.join('&#%d;' % ord(char) for char in value),
    'hex-references': lambda value: ''.join('&#x%X;' % ord(char) for char in value),
    'percent': lambda value: quote(value, safe=''),
    'form': quote_plus,
}


@pytest.mark.parametrize('echo', list(ODD_ECHOES.values()), ids=list(ODD_ECHOES))
@pytest.mark.parametrize(
    'status, content_type', [(500, 'text/plain'), (400, 'text/html')], ids=['plain-500', 'html-400']
)
def test_secrets_echoed_escaped_are_scrubbed(echo, status, content_type):
    body = 'login of %s with %s failed; session %s / %s' % (
        'admin',
        echo(ODD_PASSWORD),
        echo(SESSION_ID),
        echo(SESSION_ID.partition('.')[0]),
    )
    client, _transport = client_for(
        [login_reply(), Reply(status, body.encode('utf-8'), content_type), LOGOUT_OK], password=ODD_PASSWORD
    )
    with pytest.raises(SdmHttpError) as caught:
        with client:
            client.get_task('ID33', MATCHER)
    message = caught.value.message
    assert message.endswith(': login of admin with ******** failed; session ******** / ********'), message
    for secret in (ODD_PASSWORD, SESSION_ID, SESSION_ID.partition('.')[0]):
        for form in ODD_ECHOES.values():
            assert form(secret) not in message


def test_a_secret_cut_off_by_the_excerpt_does_not_leak_its_first_part():
    body = ('x' * 190 + PASSWORD).encode()
    client, _transport = client_for([login_reply(), Reply(500, body, 'text/plain'), LOGOUT_OK])
    with pytest.raises(SdmHttpError) as caught:
        with client:
            client.get_task('ID33', MATCHER)
    assert PASSWORD[:8] not in caught.value.message and caught.value.message.endswith('x********')


def test_the_session_ids_stay_known_for_scrubbing_after_logout():
    client, _transport = client_for(
        [login_reply('FIRST.tomcat1'), Reply(401, b'', None), login_reply('SECOND.tomcat1'), task_reply(), LOGOUT_OK]
    )
    with client:
        client.get_task('ID33', MATCHER)
    assert client.secrets() == [PASSWORD, 'FIRST.tomcat1', 'FIRST', 'SECOND.tomcat1', 'SECOND']


def test_a_long_lived_client_keeps_only_the_live_session_and_the_one_before():
    """The event source logs in again and again for days: its secret filter must not grow with every login."""
    logins = iter(range(100000))
    client, _transport = client_for(lambda call: login_reply('S%06d.tomcat1' % next(logins)))
    for _login in range(200):
        client.login()
        client._scrub('warm the filter')  # pylint: disable=protected-access
    assert client.secrets() == [PASSWORD, 'S000198.tomcat1', 'S000198', 'S000199.tomcat1', 'S000199']
    echoed = 'old S000001.tomcat1, previous S000198, live S000199.tomcat1, password %s' % PASSWORD
    assert client._scrub(echoed) == 'old S000001.tomcat1, previous ********, live ********, password ********'


def test_reprs_hide_the_password():
    client, _transport = client_for([])
    assert 'password' not in repr(client.config) and PASSWORD not in repr(client.config)
    assert PASSWORD not in repr(client) and "username='admin'" in repr(client)


# Pending list ----------------------------------------------------------------------------------


def test_pending_task_ids():
    listing = Reply(
        200,
        b'<?xml version="1.0"?><routeUpdateTasks><routeUpdateTaskList><taskId>ID5</taskId><name>a</name>'
        b'</routeUpdateTaskList><routeUpdateTaskList><taskId>ID7</taskId></routeUpdateTaskList></routeUpdateTasks>',
    )
    client, transport = client_for(
        [login_reply(), listing, Reply(200, b'<routeUpdateTasks/>'), Reply(204, b'', None), LOGOUT_OK]
    )
    with client:
        assert client.list_pending_task_ids() == ['ID5', 'ID7']
        assert client.list_pending_task_ids() == []
        assert client.list_pending_task_ids() == []
    assert transport.lines[1] == 'GET /rest/v1.3/routeSets/routeUpdates'


# Task ids --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'task_id, path',
    [
        ('ID33', '/routeSets/routeUpdates/ID33'),
        ('../admin/logout', '/routeSets/routeUpdates/..%2Fadmin%2Flogout'),
        ('../../../etc/passwd', '/routeSets/routeUpdates/..%2F..%2F..%2Fetc%2Fpasswd'),
        ('ID5?type=Commit', '/routeSets/routeUpdates/ID5%3Ftype%3DCommit'),
        ('ID5#frag', '/routeSets/routeUpdates/ID5%23frag'),
        ('%2e%2e/', '/routeSets/routeUpdates/%252e%252e%2F'),
        ('ID5/action', '/routeSets/routeUpdates/ID5%2Faction'),
        ('ID 5', '/routeSets/routeUpdates/ID%205'),
        ('...', '/routeSets/routeUpdates/...'),
        ('t\u00e2che', '/routeSets/routeUpdates/t%C3%A2che'),
    ],
)
def test_task_ids_stay_one_encoded_path_segment(task_id, path):
    assert task_path(task_id) == path
    client, transport = client_for([login_reply(), task_reply(), LOGOUT_OK])
    with client:
        client.get_task(task_id, MATCHER)
    assert transport.calls[1].path == '/rest/v1.3' + path


@pytest.mark.parametrize(
    'task_id, message',
    [
        ('', 'empty'),
        ('   ', 'empty'),
        ('.', 'not a task id'),
        ('..', 'not a task id'),
        ('ID5\n', 'control characters'),
        ('ID\x005', 'control characters'),
        ('ID\x7f', 'control characters'),
        ('x' * 257, 'longer than 256'),
        ('ID33 ', r"the task id 'ID33 ' has leading or trailing whitespace"),
        (' ID33', r"the task id ' ID33' has leading or trailing whitespace"),
        ('\u00a0ID33', r"the task id '\\xa0ID33' has leading or trailing whitespace"),
        ('ID33\u3000', r"the task id 'ID33\\u3000' has leading or trailing whitespace"),
        (5, 'must be a string'),
        (None, 'must be a string'),
    ],
)
def test_invalid_task_ids_are_refused_before_any_request(task_id, message):
    client, transport = client_for([login_reply(), LOGOUT_OK])
    with pytest.raises(SdmInputError, match=message):
        with client:
            client.get_task(task_id, MATCHER)
    assert transport.lines == [LOGIN, LOGOUT]


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_task_id_is_refused_or_stays_one_segment(task_id):
    try:
        path = task_path(task_id)
    except SdmInputError:
        return
    prefix, _slash, segment = path.rpartition('/')
    assert prefix == '/routeSets/routeUpdates'
    assert segment not in ('', '.', '..')
    assert not set(segment) & set('?#/')
    assert unquote(segment) == task_id


class _PathRecorder(BaseHTTPRequestHandler):
    """Records the raw request target exactly as it arrived on the wire."""

    seen: list = []

    def do_GET(self):  # pylint: disable=invalid-name
        self.seen.append(self.path)
        body = b'<routeUpdateTaskDetails><updateStatus>Completed</updateStatus></routeUpdateTaskDetails>'
        self.send_response(200)
        self.send_header('Content-Type', 'application/xml')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # pylint: disable=invalid-name
        self.seen.append(self.path)
        self.send_response(200)
        if self.path.endswith('/login'):
            self.send_header('Set-Cookie', 'JSESSIONID=RAW; Path=/rest; HttpOnly')
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


def test_hostile_task_ids_arrive_on_the_wire_as_one_segment():
    server = ThreadingHTTPServer(('127.0.0.1', 0), _PathRecorder)
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.02}, daemon=True)
    thread.start()
    _PathRecorder.seen = []
    try:
        hostile = ['../admin/logout', '%2e%2e/admin/logout', 'ID5?x=1#y', 'ID5/action']
        with SdmClient(config(url='http://127.0.0.1:%d' % server.server_address[1])) as client:
            for task_id in hostile:
                client.get_task(task_id, MATCHER)
    finally:
        server.shutdown()
        server.server_close()
    assert _PathRecorder.seen == [
        '/rest/v1.3/admin/login',
        '/rest/v1.3/routeSets/routeUpdates/..%2Fadmin%2Flogout',
        '/rest/v1.3/routeSets/routeUpdates/%252e%252e%2Fadmin%2Flogout',
        '/rest/v1.3/routeSets/routeUpdates/ID5%3Fx%3D1%23y',
        '/rest/v1.3/routeSets/routeUpdates/ID5%2Faction',
        '/rest/v1.3/admin/logout',
    ]


# Configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'kwargs, expected',
    [
        ({}, True),
        ({'validate_certs': False}, False),
        ({'ca_path': '/etc/ssl/private-ca.pem'}, '/etc/ssl/private-ca.pem'),
        ({'validate_certs': False, 'ca_path': '/etc/ssl/private-ca.pem'}, False),
    ],
)
def test_verify_follows_validate_certs_and_ca_path_even_with_ca_bundle_variables(monkeypatch, kwargs, expected):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/nonexistent/bundle.pem')
    monkeypatch.setenv('CURL_CA_BUNDLE', '/nonexistent/bundle.pem')
    client, transport = client_for([login_reply(), LOGOUT_OK], **kwargs)
    with client:
        pass
    if expected is True:
        # The system store, which the standard variables may point elsewhere: that is their purpose.
        assert transport.calls[0].verify in (True, '/nonexistent/bundle.pem')
    else:
        assert transport.calls[0].verify == expected


@pytest.mark.parametrize(
    'kwargs, message',
    [
        ({'url': 'sdm.example.com:8443'}, 'must start with https://'),
        ({'url': 'ftp://sdm.example.com'}, 'must start with https://'),
        ({'url': 'https://'}, 'must start with https://'),
        ({'url': 'https://admin:%s@sdm.example.com' % PASSWORD}, 'must not contain a user name or password'),
        ({'url': 'https://sdm.example.com:99999'}, 'not a valid URL'),
        ({'url': 'https://sdm.example.com/?a=b'}, 'query'),
        ({'username': ''}, 'username is empty'),
        ({'password': ''}, 'password is empty'),
        ({'api_version': '1.3'}, 'api_version must look like v1.3'),
        ({'api_version': 'v1.3/../admin'}, 'api_version must look like v1.3'),
        ({'body_format': 'yaml'}, 'body_format must be xml or json'),
        ({'request_timeout': 0}, 'request_timeout must be a positive number'),
    ],
)
def test_invalid_configuration_is_refused(kwargs, message):
    with pytest.raises(SdmInputError, match=message) as caught:
        config(**kwargs)
    assert PASSWORD not in caught.value.message


def test_control_characters_in_xml_credentials_are_refused_without_showing_them():
    client, transport = client_for([])
    client.config.password = 'bad\x01password'
    with pytest.raises(SdmInputError) as caught:
        client.login()
    assert (
        caught.value.message
        == 'password contains control characters, which cannot be sent as XML; use body_format=json'
    )
    assert transport.calls == []

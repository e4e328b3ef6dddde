# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""SdmClient.send_action against a scripted transport: the exact request, refusals, and which faults are retried."""

from __future__ import annotations

import json

import pytest
import requests

from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import SdmClient
from ansible_collections.ocsdm.route_manager.plugins.module_utils._connection_config import ConnectionConfig
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import (
    SdmActionRefusedError,
    SdmAuthError,
    SdmHttpError,
    SdmInputError,
    SdmNotFoundError,
    SdmPermissionError,
    SdmTransportError,
    SdmUnconfirmedError,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._retry import RetryPolicy
from ansible_collections.ocsdm.route_manager.plugins.module_utils._sdm_api import action_body, action_path
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import (
    PASSWORD,
    SESSION_ID,
    FakeClock,
    FakeTransport,
    QueueHandler,
    Reply,
    connection_refused,
    faults_before_processing,
    login_reply,
    task_reply,
)

ACTION_PATH = '/rest/v1.3/routeSets/routeUpdates/ID33/action'
LOGIN = 'POST /rest/v1.3/admin/login'
LOGOUT = 'POST /rest/v1.3/admin/logout'
POST_ACTION = 'POST ' + ACTION_PATH
LOGOUT_OK = Reply(204, content_type=None)
OK = Reply(200, b'', None)


def client_for(replies, clock=None, **kwargs):
    settings = dict(
        url='https://sdm.example.com:8443',
        username='admin',
        password=PASSWORD,
        retry=RetryPolicy(max_attempts=4, backoff_initial=0.5, backoff_max=4, jitter=0),
    )
    settings.update(kwargs)
    transport = FakeTransport(QueueHandler(replies))
    return SdmClient(ConnectionConfig(**settings), clock=clock or FakeClock(), adapter=transport), transport


def send(replies, action='Commit', task_id='ID33', **kwargs):
    client, transport = client_for([login_reply()] + list(replies) + [LOGOUT_OK], **kwargs)
    with client:
        client.send_action(task_id, action)
    return transport


# The request -----------------------------------------------------------------------------------


@pytest.mark.parametrize('action', ['Commit', 'Rollback', 'Cancel'])
def test_an_action_posts_the_documented_xml_document_with_the_session(action):
    transport = send([OK], action)
    assert transport.lines == [LOGIN, POST_ACTION, LOGOUT]
    post = transport.calls[1]
    assert (
        post.body
        == (
            '<?xml version="1.0" encoding="UTF-8"?><routeUpdateAction><type>%s</type></routeUpdateAction>' % action
        ).encode()
    )
    assert post.headers['Content-Type'] == 'application/xml'
    assert post.cookie == 'JSESSIONID=' + SESSION_ID


def test_json_format_posts_the_type_without_a_root():
    transport = send([OK], 'Rollback', body_format='json')
    post = transport.calls[1]
    assert json.loads(post.body) == {'type': 'Rollback'}
    assert post.headers['Content-Type'] == 'application/json' and post.headers['Accept'] == 'application/json'


@pytest.mark.parametrize('reply', [OK, Reply(204, b'', None), Reply(200, b'<ignored/>', 'application/xml')])
def test_any_2xx_answer_is_success_and_its_body_is_ignored(reply):
    assert send([reply]).lines == [LOGIN, POST_ACTION, LOGOUT]


@pytest.mark.parametrize(
    'reply',
    [Reply(200, b'', None, broken=True), Reply(200, b'<partial', 'application/xml', broken=True)],
    ids=['no-body', 'part-of-a-body'],
)
def test_a_2xx_whose_body_breaks_off_is_accepted_not_lost(reply):
    """The status proves SDM processed the action: it must not count as unconfirmed (and be looked for, or sent again)."""
    assert send([reply]).lines == [LOGIN, POST_ACTION, LOGOUT]


def test_a_read_whose_body_breaks_off_is_still_retried():
    """Only a 2xx to a login or an action is its own answer: a GET's broken body is a transient fault, as before."""
    task = task_reply().body
    client, transport = client_for([login_reply(), Reply(200, task[:20], broken=True), Reply(200, task), LOGOUT_OK])
    with client:
        assert client.get_task('ID33', StateMatcher())['succeeded'] is True
    assert transport.lines == [
        LOGIN,
        'GET /rest/v1.3/routeSets/routeUpdates/ID33',
        'GET /rest/v1.3/routeSets/routeUpdates/ID33',
        LOGOUT,
    ]


def test_the_task_id_stays_one_encoded_path_segment():
    transport = send([Reply(200, b'', None)], task_id='../../admin/logout')
    assert transport.lines[1] == 'POST /rest/v1.3/routeSets/routeUpdates/..%2F..%2Fadmin%2Flogout/action'
    assert action_path('ID 7') == '/routeSets/routeUpdates/ID%207/action'


@pytest.mark.parametrize('action', ['commit', 'COMMIT', 'Delete', '', None])
def test_only_the_api_words_are_sent(action):
    client, transport = client_for([login_reply(), LOGOUT_OK])
    with pytest.raises(SdmInputError, match='the action must be one of Commit, Rollback, Cancel'):
        with client:
            client.send_action('ID33', action)
    assert transport.lines == [LOGIN, LOGOUT]


@pytest.mark.parametrize('body_format', ['xml', 'json'])
def test_action_body_refuses_anything_but_the_three_words(body_format):
    with pytest.raises(SdmInputError):
        action_body('Commit</type><type>Rollback', body_format)


# Refusals and other answers --------------------------------------------------------------------


@pytest.mark.parametrize('status, phrase', [(400, 'Bad Request'), (409, 'Conflict')])
def test_a_refused_action_quotes_the_server_reason(status, phrase):
    reason = b'Task ID33: cannot be rolled back while its update is InProgress'
    client, transport = client_for([login_reply(), Reply(status, reason, 'text/plain'), LOGOUT_OK])
    with pytest.raises(SdmActionRefusedError) as caught:
        with client:
            client.send_action('ID33', 'Rollback')
    error = caught.value
    assert error.message == (
        'SDM refused the Rollback of route update task ID33: Task ID33: cannot be rolled back while its update '
        'is InProgress (POST %s answered %d %s)' % (ACTION_PATH, status, phrase)
    )
    assert (error.status, error.path) == (status, ACTION_PATH)
    assert isinstance(error, SdmHttpError)
    assert transport.lines == [LOGIN, POST_ACTION, LOGOUT]  # a refusal is not retried


@pytest.mark.parametrize(
    'body, content_type, reason',
    [
        (b'', None, 'no reason given'),
        (
            b'<html><body><h1>HTTP Status 400</h1><p>Commit not allowed</p></body></html>',
            'text/html',
            'HTTP Status 400 Commit not allowed',
        ),
    ],
)
def test_a_refusal_without_plain_text_is_still_readable(body, content_type, reason):
    client, _transport = client_for([login_reply(), Reply(400, body, content_type), LOGOUT_OK])
    with pytest.raises(SdmActionRefusedError, match='route update task ID33: %s \\(POST' % reason):
        with client:
            client.send_action('ID33', 'Commit')


def test_a_refusal_never_shows_the_password_or_the_session_id():
    echo = ('rejected for password %s in session %s' % (PASSWORD, SESSION_ID)).encode()
    client, _transport = client_for([login_reply(), Reply(400, echo, 'text/plain'), LOGOUT_OK])
    with pytest.raises(SdmActionRefusedError) as caught:
        with client:
            client.send_action('ID33', 'Commit')
    assert PASSWORD not in caught.value.message and SESSION_ID not in caught.value.message
    assert 'rejected for password ******** in session ********' in caught.value.message


@pytest.mark.parametrize(
    'reply, error, message',
    [
        (
            Reply(404, b'Route update task ID33 not found', 'text/plain'),
            SdmNotFoundError,
            'route update task ID33 not found (POST %s answered 404 Not Found: Route update task ID33 not found)'
            % ACTION_PATH,
        ),
        (
            Reply(403, b'', None),
            SdmPermissionError,
            "POST %s answered 403 Forbidden: the user 'admin' lacks the rights" % ACTION_PATH,
        ),
        (
            Reply(500, b'oops', 'text/plain'),
            SdmHttpError,
            'POST %s answered 500 Internal Server Error: oops' % ACTION_PATH,
        ),
    ],
)
def test_other_failures_are_typed_and_not_retried(reply, error, message):
    client, transport = client_for([login_reply(), reply, LOGOUT_OK])
    with pytest.raises(error) as caught:
        with client:
            client.send_action('ID33', 'Commit')
    assert caught.value.message.startswith(message)
    assert not isinstance(caught.value, SdmActionRefusedError)
    assert transport.lines == [LOGIN, POST_ACTION, LOGOUT]


def test_a_401_logs_in_again_and_sends_the_action_once_more():
    invalid = Reply(401, b'The session ID is invalid', 'text/plain')
    client, transport = client_for([login_reply('FIRST'), invalid, login_reply('SECOND'), OK, LOGOUT_OK])
    with client:
        client.send_action('ID33', 'Commit')
    assert transport.lines == [LOGIN, POST_ACTION, LOGIN, POST_ACTION, LOGOUT]
    assert transport.calls[3].cookie == 'JSESSIONID=SECOND'


def test_a_401_after_a_fresh_login_is_an_auth_error():
    invalid = Reply(401, b'The session ID is invalid', 'text/plain')
    client, _transport = client_for([login_reply('FIRST'), invalid, login_reply('SECOND'), invalid, LOGOUT_OK])
    with pytest.raises(SdmAuthError, match='still did after a fresh login'):
        with client:
            client.send_action('ID33', 'Commit')


# Which faults are retried ----------------------------------------------------------------------


@pytest.mark.parametrize('fault', faults_before_processing())
def test_a_fault_before_processing_is_retried(fault):
    clock = FakeClock()
    transport = send([fault, OK], clock=clock)
    assert transport.lines == [LOGIN, POST_ACTION, POST_ACTION, LOGOUT]
    assert clock.sleeps == [0.5]


def test_a_fault_before_processing_gives_up_after_the_attempts():
    client, transport = client_for([login_reply()] + [connection_refused()] * 4 + [LOGOUT_OK])
    with pytest.raises(SdmTransportError, match='gave up after 4 attempts') as caught:
        with client:
            client.send_action('ID33', 'Commit')
    assert not isinstance(caught.value, SdmUnconfirmedError)
    assert transport.lines == [LOGIN] + [POST_ACTION] * 4 + [LOGOUT]


@pytest.mark.parametrize(
    'fault, cause',
    [
        (requests.exceptions.ReadTimeout('read timed out'), SdmTransportError),
        (requests.exceptions.ConnectionError('Connection aborted: RemoteDisconnected'), SdmTransportError),
        (requests.exceptions.ChunkedEncodingError('incomplete read'), SdmTransportError),
        (Reply(502, b'<html><body>Bad gateway</body></html>', 'text/html'), SdmHttpError),
        (Reply(504, b'', None), SdmHttpError),
    ],
    ids=['read-timeout', 'reset', 'chunked', '502', '504'],
)
def test_a_fault_after_sending_is_not_repeated(fault, cause):
    client, transport = client_for([login_reply(), fault, LOGOUT_OK])
    with pytest.raises(SdmUnconfirmedError) as caught:
        with client:
            client.send_action('ID33', 'Commit')
    error = caught.value
    assert transport.lines == [LOGIN, POST_ACTION, LOGOUT]
    assert isinstance(error.cause, cause)
    assert error.message.startswith(error.cause.message)
    assert error.message.endswith('; the request may have reached SDM, so it was not repeated')
    assert error.transient and error.path == ACTION_PATH


def test_a_busy_answer_then_a_lost_one_says_how_many_attempts():
    client, transport = client_for(
        [login_reply(), Reply(503, b'busy', 'text/plain'), requests.exceptions.ReadTimeout('read timed out'), LOGOUT_OK]
    )
    with pytest.raises(SdmUnconfirmedError, match=r'\(gave up after 2 attempts\); the request may have reached SDM'):
        with client:
            client.send_action('ID33', 'Commit')
    assert transport.lines == [LOGIN, POST_ACTION, POST_ACTION, LOGOUT]


def test_reads_are_still_retried_after_a_read_timeout():
    """Only the action is unrepeatable: a GET after a lost answer is repeated as before."""
    task = task_reply()
    client, transport = client_for([login_reply(), requests.exceptions.ReadTimeout('read timed out'), task, LOGOUT_OK])
    with client:
        assert client.get_task('ID33', StateMatcher())['succeeded'] is True
    assert transport.lines == [
        LOGIN,
        'GET /rest/v1.3/routeSets/routeUpdates/ID33',
        'GET /rest/v1.3/routeSets/routeUpdates/ID33',
        LOGOUT,
    ]

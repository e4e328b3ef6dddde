# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The client against the SDM simulator over real HTTP: sessions, faults, re-login, waiting.

One simulator runs per test module; every test loads its own scenario through the control API,
which also resets the counters, sessions and faults.
"""

from __future__ import annotations

import socket
import time

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import SdmClient
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import (
    SdmAuthError,
    SdmBadAnswerError,
    SdmHttpError,
    SdmNotFoundError,
    SdmPermissionError,
    SdmTransportError,
    SdmWaitTimeout,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.plugins.module_utils._poll_wait import PollWait
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import (
    EXPECTED_ID33,
    PASSWORD,
    FakeClock,
)
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.simulator_setup import (
    SimulatorHandle,
    client_config,
    sdm_simulator,
    start_simulator,
)

MATCHER = StateMatcher()
BASE = '/rest/v1.3'
TASKS = BASE + '/routeSets/routeUpdates'
LOGIN = 'POST %s/admin/login' % BASE
LOGOUT = 'POST %s/admin/logout' % BASE
ID33 = {
    'id': 'ID33',
    'route_set_id': '2',
    'error_handling': 'rollback',
    'devices': [
        {'object_id': 'ID34', 'device_group_id': 'ID11', 'pre_update_version': '0', 'update_version': '1', 'at': 0}
    ],
}
NEVER_ENDS = {'id': 'ID40', 'devices': [{'object_id': 'ID41', 'outcome': 'never'}]}


def scenario(tasks=None, **options):
    data = {
        'name': 'client-tests',
        'clock_origin': '2022-10-04T04:03:56',
        'users': [
            {'username': 'admin', 'password': PASSWORD},
            {'username': 'viewer', 'password': 'viewer-password', 'route_management': False},
        ],
        'tasks': [ID33, NEVER_ENDS] if tasks is None else tasks,
    }
    data.update(options)
    return data


class Sim(SimulatorHandle):
    """The running simulator and its control API (fixture ``sim``)."""

    def assert_one_session(self, logins=1):
        counters = self.counters()
        assert (counters['logins'], counters['logouts'], counters['sessions_open']) == (logins, 1, 0), counters


# Reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize('body_format', ['xml', 'json'])
def test_the_documented_task_reads_identically_in_xml_and_json(sim, body_format):
    with SdmClient(sim.config(body_format=body_format)) as client:
        task = client.get_task('ID33', MATCHER)
    assert task == EXPECTED_ID33
    assert client.warnings == []
    counters = sim.counters()
    assert counters['requests'] == {LOGIN: 1, 'GET %s/ID33' % TASKS: 1, LOGOUT: 1}
    # One kept-alive connection for the whole run, plus the one that read the counters.
    assert counters['connections'] == 2
    sim.assert_one_session()


@pytest.mark.parametrize('body_format', ['xml', 'json'])
@pytest.mark.parametrize('id_field', ['objectId', 'taskId'])
def test_pending_task_ids(sim, body_format, id_field):
    sim.load(scenario(server={'pending_id_field': id_field}))
    with SdmClient(sim.config(body_format=body_format)) as client:
        assert client.list_pending_task_ids() == ['ID33', 'ID40']
    sim.assert_one_session()


def test_unknown_status_words_become_warnings(sim):
    sim.load(scenario(status_words={'update.in_progress': 'Churning'}))
    with SdmClient(sim.config()) as client:
        task = client.get_task('ID40', MATCHER)
    assert task['update_status'] == 'Churning' and task['finished'] is False
    assert client.warnings == [
        "task ID40: unknown update status 'Churning', treated as not finished; "
        "add it to success_states or failure_states if it is final"
    ]


def test_a_hostile_task_id_cannot_reach_another_endpoint(sim):
    with SdmClient(sim.config()) as client:
        for task_id in ('../../admin/logout', '..%2F..%2Fadmin%2Flogout', 'ID33/action', 'ID33?x#y'):
            with pytest.raises(SdmNotFoundError, match='not found'):
                client.get_task(task_id, MATCHER)
        assert client.get_task('ID33', MATCHER)['succeeded'] is True  # the session survived
    sim.assert_one_session()
    assert sim.counters()['actions'] == {'accepted': {}, 'refused': {}}


# One login and one logout, whatever happens ----------------------------------------------------


def _raise_in_body(client, sim):
    raise RuntimeError('the playbook author made a mistake')


def _unknown_task(client, sim):
    client.get_task('NOPE', MATCHER)


def _server_error(client, sim):
    sim.faults({'kind': 'status', 'status': 500, 'method': 'GET', 'path': TASKS + '/*'})
    client.get_task('ID33', MATCHER)


def _busy_all_the_time(client, sim):
    sim.faults({'kind': 'status', 'status': 503, 'count': 'always', 'method': 'GET'})
    client.get_task('ID33', MATCHER)


def _garbage_body(client, sim):
    sim.faults({'kind': 'body', 'body': 'garbage', 'method': 'GET'})
    client.get_task('ID33', MATCHER)


def _wait_timeout(client, sim):
    PollWait(client, MATCHER, timeout=0.2, sleep=0.05, sleep_max=0.1).wait(['ID33', 'ID40'])


@pytest.mark.parametrize(
    'outcome, error',
    [
        (lambda client, sim: client.get_task('ID33', MATCHER), None),
        (_raise_in_body, RuntimeError),
        (_unknown_task, SdmNotFoundError),
        (_server_error, SdmHttpError),
        (_busy_all_the_time, SdmHttpError),
        (_garbage_body, SdmBadAnswerError),
        (_wait_timeout, SdmWaitTimeout),
    ],
    ids=[
        'success',
        'exception-in-body',
        'unknown-task',
        'server-error',
        'transient-exhausted',
        'garbage-body',
        'wait-timeout',
    ],
)
def test_one_login_and_one_logout_in_every_outcome(sim, outcome, error):
    client = SdmClient(sim.config())
    if error is None:
        with client:
            outcome(client, sim)
    else:
        with pytest.raises(error):
            with client:
                outcome(client, sim)
    sim.assert_one_session()
    assert client.warnings == []


def test_a_user_without_rights_logs_in_and_out_once_and_is_named(sim):
    with pytest.raises(SdmPermissionError) as caught:
        with SdmClient(sim.config(username='viewer', password='viewer-password')) as client:
            client.get_task('ID33', MATCHER)
    assert caught.value.message == (
        "GET %s/ID33 answered 403 Forbidden: The user's group has no permission to manage route sets: "
        "the user 'viewer' lacks the rights for this call (route management)" % TASKS
    )
    sim.assert_one_session()


def test_a_wrong_password_opens_no_session(sim):
    with pytest.raises(SdmAuthError) as caught:
        with SdmClient(sim.config(password='wrong-password')):
            pass
    assert caught.value.message == (
        "login refused for user 'admin': wrong user name or password "
        "(POST %s/admin/login answered 401 Unauthorized: Invalid user name or password)" % BASE
    )
    assert 'wrong-password' not in repr(caught.value)
    counters = sim.counters()
    assert (counters['logins'], counters['login_failures'], counters['logouts'], counters['sessions_open']) == (
        0,
        1,
        0,
        0,
    )


def test_an_unknown_api_version_is_named(sim):
    with pytest.raises(
        SdmNotFoundError,
        match=r"check url and api_version 'v9.9' \(POST /rest/v9.9/admin/login answered 404 Not Found: "
        r"API version v9.9 is not supported\)",
    ):
        with SdmClient(sim.config(api_version='v9.9')):
            pass


# Re-login --------------------------------------------------------------------------------------


def test_a_session_expired_by_requests_is_renewed_once(sim):
    sim.load(scenario(sessions={'expire_after_requests': 2}))
    with SdmClient(sim.config()) as client:
        for _poll in range(3):
            assert client.get_task('ID33', MATCHER)['succeeded'] is True
    counters = sim.counters()
    assert counters['requests']['GET %s/ID33' % TASKS] == 4  # the third read was refused once, then repeated
    assert counters['sessions_expired'] == 1
    sim.assert_one_session(logins=2)


def test_a_session_expired_by_time_is_renewed(sim):
    sim.load(scenario(sessions={'expire_after_seconds': 600}))
    with SdmClient(sim.config(body_format='json')) as client:
        client.get_task('ID33', MATCHER)
        sim.control('POST', '/clock/advance', {'seconds': 601})
        assert client.get_task('ID33', MATCHER)['succeeded'] is True
    sim.assert_one_session(logins=2)


def test_concurrent_pollers_renew_a_dropped_session_once(sim):
    tasks = [{'id': 'T%02d' % number, 'devices': [{'object_id': 'D%02d' % number, 'at': 0}]} for number in range(24)]
    sim.load(scenario(tasks))
    sim.faults({'kind': 'drop_sessions', 'method': 'GET', 'path': TASKS + '/*', 'skip': 10})
    with SdmClient(sim.config()) as client:
        result = PollWait(client, MATCHER, timeout=10, sleep=0.05, sleep_max=0.1, max_workers=8).wait(
            [task['id'] for task in tasks]
        )
    assert all(task['succeeded'] for task in result.tasks)
    assert sim.counters()['sessions_dropped'] == 1
    sim.assert_one_session(logins=2)


# Transient faults are survived -----------------------------------------------------------------

TRANSIENT_FAULTS = [
    {'kind': 'status', 'status': 502, 'body': 'html'},
    {'kind': 'status', 'status': 503},
    {'kind': 'status', 'status': 504, 'body': 'empty'},
    {'kind': 'status', 'status': 429, 'retry_after': '0'},
    {'kind': 'reset'},
    {'kind': 'short_read'},
    {'kind': 'delay', 'seconds': 1.0},
]
TRANSIENT_IDS = ['502', '503', '504', '429', 'connection-reset', 'short-read', 'read-timeout']


# A login that may have arrived is not repeated (test_a_login_whose_answer_may_be_lost_is_not_repeated).
LOGIN_MAY_HAVE_ARRIVED = ('502', '504', 'connection-reset', 'read-timeout')


def _transient_cases():
    for target, target_id in (('GET %s/ID33' % TASKS, 'get'), (LOGIN, 'login'), (LOGOUT, 'logout')):
        for fault, fault_id in zip(TRANSIENT_FAULTS, TRANSIENT_IDS):
            if target == LOGIN and fault_id in LOGIN_MAY_HAVE_ARRIVED:
                continue
            # A login or logout cut short after its headers already did its work: no second attempt.
            attempts = 1 if fault['kind'] == 'short_read' and target != 'GET %s/ID33' % TASKS else 2
            yield pytest.param(target, fault, attempts, id='%s-%s' % (target_id, fault_id))


@pytest.mark.parametrize('target, fault, attempts', list(_transient_cases()))
def test_each_transient_fault_is_survived(sim, target, fault, attempts):
    method, path = target.split(' ')
    sim.faults(dict(fault, method=method, path=path))
    with SdmClient(sim.config(request_timeout=0.4)) as client:
        assert client.get_task('ID33', MATCHER) == EXPECTED_ID33
    assert client.warnings == []
    assert sim.requests_to(target) == attempts
    sim.assert_one_session()


@pytest.mark.parametrize(
    'fault',
    [dict(TRANSIENT_FAULTS[TRANSIENT_IDS.index(fault_id)]) for fault_id in LOGIN_MAY_HAVE_ARRIVED[:3]],
    ids=list(LOGIN_MAY_HAVE_ARRIVED[:3]),
)
def test_a_login_whose_answer_may_be_lost_is_not_repeated(sim, fault):
    sim.faults(dict(fault, method='POST', path=BASE + '/admin/login'))
    with pytest.raises(
        (SdmHttpError, SdmTransportError), match='; the login was not repeated: it may have opened a session on SDM'
    ):
        with SdmClient(sim.config()):
            pass
    counters = sim.counters()
    assert counters['requests'] == {LOGIN: 1}
    assert (counters['logins'], counters['logouts'], counters['sessions_open']) == (0, 0, 0)


def test_a_login_answered_too_late_leaves_a_session_nobody_knows(sim):
    """The known limit: a login the server completes after the client gave up cannot be logged out; it is not repeated."""
    sim.faults({'kind': 'delay', 'seconds': 0.5, 'method': 'POST', 'path': BASE + '/admin/login'})
    with pytest.raises(SdmTransportError, match='within 0.2 seconds; the login was not repeated'):
        with SdmClient(sim.config(request_timeout=0.2)):
            pass
    counters = _counters_once(sim, lambda counters: counters['logins'] == 1)  # the late login finishes on the server
    assert counters['requests'] == {LOGIN: 1}
    assert (counters['logins'], counters['logouts'], counters['sessions_open']) == (1, 0, 1)


def _counters_once(sim, done, limit=10.0):
    """The simulator's counters as soon as ``done(counters)`` holds (polled; ``limit`` seconds only guard a broken test)."""
    end = time.monotonic() + limit
    while True:
        counters = sim.counters()
        if done(counters) or time.monotonic() > end:
            return counters
        time.sleep(0.05)


def test_retry_after_is_honoured(sim):
    sim.faults({'kind': 'status', 'status': 429, 'retry_after': '1', 'method': 'GET'})
    clock = FakeClock()
    with SdmClient(sim.config(), clock=clock) as client:
        client.get_task('ID33', MATCHER)
    assert clock.sleeps == [1.0]


# Permanent faults are named at once ------------------------------------------------------------


@pytest.mark.parametrize(
    'fault, error, message',
    [
        (
            {'kind': 'status', 'status': 500, 'text': 'java.lang.NullPointerException'},
            SdmHttpError,
            'GET %s/ID33 answered 500 Internal Server Error: java.lang.NullPointerException' % TASKS,
        ),
        (
            {'kind': 'status', 'status': 400, 'body': 'html'},
            SdmHttpError,
            'GET %s/ID33 answered 400 Bad Request: 400 Bad Request Bad Request' % TASKS,
        ),
        (
            {'kind': 'status', 'status': 405},
            SdmHttpError,
            'GET %s/ID33 answered 405 Method Not Allowed: 405 Method Not Allowed' % TASKS,
        ),
        (
            {'kind': 'body', 'body': 'html'},
            SdmBadAnswerError,
            'got an HTML page: 200 OK OK The proxy server received an invalid response',
        ),
        ({'kind': 'body', 'body': 'empty'}, SdmBadAnswerError, 'got an empty body'),
        ({'kind': 'body', 'body': 'garbage'}, SdmBadAnswerError, 'got invalid XML'),
        ({'kind': 'body', 'body': 'truncated'}, SdmBadAnswerError, 'got invalid XML'),
        ({'kind': 'body', 'body': 'text', 'text': 'maintenance tonight'}, SdmBadAnswerError, 'got invalid XML'),
    ],
    ids=['500', '400', '405', 'html', 'empty', 'garbage', 'truncated', 'text'],
)
def test_each_permanent_fault_is_named_without_retry(sim, fault, error, message):
    sim.faults(dict(fault, method='GET'))
    with pytest.raises(error) as caught:
        with SdmClient(sim.config()) as client:
            client.get_task('ID33', MATCHER)
    assert type(caught.value) is error  # pylint: disable=unidiomatic-typecheck
    assert message in caught.value.message
    assert caught.value.path == '%s/ID33' % TASKS
    assert sim.requests_to('GET %s/ID33' % TASKS) == 1
    sim.assert_one_session()


@pytest.mark.parametrize('body_format, expected', [('json', 'got invalid JSON'), ('xml', 'got invalid XML')])
def test_a_truncated_answer_is_named_in_both_formats(sim, body_format, expected):
    sim.faults({'kind': 'body', 'body': 'truncated', 'method': 'GET'})
    with pytest.raises(SdmBadAnswerError, match=expected):
        with SdmClient(sim.config(body_format=body_format)) as client:
            client.get_task('ID33', MATCHER)


def test_an_unreachable_sdm_is_a_transport_error():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    config = client_config('http://127.0.0.1:%d' % port)
    with pytest.raises(SdmTransportError) as caught:
        with SdmClient(config):
            pass
    assert caught.value.message.startswith(
        'POST /rest/v1.3/admin/login failed: cannot connect to 127.0.0.1:%d: ' % port
    )
    assert caught.value.message.endswith('(gave up after 3 attempts)')
    assert 'Connection refused' in caught.value.message
    assert 'object at 0x' not in caught.value.message and 'host=' not in caught.value.message


# TLS -------------------------------------------------------------------------------------------


@pytest.fixture(scope='module')
def tls_simulator(tmp_path_factory):
    pytest.importorskip('trustme')
    files = sdm_simulator.make_tls_files(tmp_path_factory.mktemp('tls'))
    server = start_simulator(scenario(), files)
    yield server, files
    server.stop()


def test_https_with_the_private_ca(tls_simulator):
    server, files = tls_simulator
    config = client_config(server.url, ca_path=str(files.ca_certificate))
    with SdmClient(config) as client:
        assert client.get_task('ID33', MATCHER)['succeeded'] is True


def test_https_without_verification(tls_simulator):
    server, _files = tls_simulator
    config = client_config(server.url, validate_certs=False)
    with SdmClient(config) as client:
        assert client.get_task('ID33', MATCHER)['succeeded'] is True


def test_an_untrusted_certificate_is_named_and_not_retried(tls_simulator):
    server, _files = tls_simulator
    config = client_config(server.url)
    before = server.state.counters_document()['connections']
    with pytest.raises(SdmTransportError) as caught:
        with SdmClient(config):
            pass
    port = server.url.rpartition(':')[2]
    assert caught.value.message.startswith('POST /rest/v1.3/admin/login failed: TLS error with 127.0.0.1:%s: ' % port)
    assert (
        'certificate verify failed' in caught.value.message
        and 'check validate_certs and ca_path' in caught.value.message
    )
    assert server.state.counters_document()['connections'] - before == 1


def test_a_missing_ca_file_is_named(tls_simulator, tmp_path):
    server, _files = tls_simulator
    missing = tmp_path / 'no-such-ca.pem'
    config = client_config(server.url, ca_path=str(missing))
    with pytest.raises(SdmTransportError, match='invalid path: %s' % missing):
        with SdmClient(config):
            pass


# Waiting ---------------------------------------------------------------------------------------


def test_a_hundred_tasks_are_waited_for_in_one_call(sim):
    tasks = []
    for number in range(100):
        outcome = 'failure' if number % 10 == 3 else 'success'
        # timed from its first read: every task is still running at the first round, however slow the machine
        tasks.append(
            {
                'id': 'ID%03d' % number,
                'timed_from': 'first_request',
                'devices': [{'object_id': 'D%03d' % number, 'at': 1 + (number % 5), 'outcome': outcome}],
            }
        )
    sim.load(scenario(tasks, speed=20))
    task_ids = [task['id'] for task in tasks]
    with SdmClient(sim.config()) as client:
        result = PollWait(client, MATCHER, timeout=30, sleep=0.05, sleep_max=0.1, max_workers=8).wait(task_ids)
    assert [task['task_id'] for task in result.tasks] == task_ids
    assert all(task['finished'] for task in result.tasks)
    assert [task['task_id'] for task in result.tasks if not task['succeeded']] == [
        task_id for task_id in task_ids if task_id[-1] == '3'
    ]
    assert all(
        task['failed_devices'][0]['update_failure_msg'] == 'Route set push failed'
        for task in result.tasks
        if not task['succeeded']
    )
    assert result.polls >= 2 and result.warnings == []
    counters = sim.counters()
    assert sum(count for line, count in counters['requests'].items() if line.startswith('GET ' + TASKS + '/')) >= 100
    assert counters['connections'] <= 8 + 1  # the pool's connections, plus the one that read the counters
    sim.assert_one_session()


def test_a_single_read_survives_a_transient_fault(sim):
    sim.faults({'kind': 'status', 'status': 503, 'method': 'GET'})
    with SdmClient(sim.config()) as client:
        result = PollWait(client, MATCHER, timeout=0, sleep=1, sleep_max=1).wait(['ID33'])
    assert result.tasks == [EXPECTED_ID33] and result.polls == 1
    assert sim.requests_to('GET %s/ID33' % TASKS) == 2


def test_a_task_that_vanishes_while_waiting_is_named(sim):
    # Timed from the first read, which therefore always sees the task before it vanishes.
    sim.load(scenario([dict(NEVER_ENDS, vanish_at=2, timed_from='first_request')], speed=10))
    with pytest.raises(SdmNotFoundError, match='route update task ID40 vanished while waiting'):
        with SdmClient(sim.config()) as client:
            PollWait(client, MATCHER, timeout=10, sleep=0.05, sleep_max=0.1).wait(['ID40'])
    sim.assert_one_session()


def test_waiting_for_a_rollback(sim):
    task = {
        'id': 'ID50',
        'error_handling': 'rollback',
        'auto_rollback': True,
        'devices': [
            {'object_id': 'ok', 'at': 1, 'rollback_after': 1},
            {'object_id': 'bad', 'at': 2, 'outcome': 'failure'},
        ],
    }
    sim.load(scenario([task], speed=10))
    with SdmClient(sim.config(body_format='json')) as client:
        result = PollWait(client, MATCHER, timeout=10, sleep=0.05, sleep_max=0.1, target='rollback').wait(['ID50'])
    rolled_back = result.tasks[0]
    assert rolled_back['update_status'] == 'Failed' and rolled_back['rollback_status'] == 'Completed'
    assert rolled_back['rollback_succeeded'] is True and rolled_back['rollback_count'] == 1
    assert [device['object_id'] for device in rolled_back['failed_devices']] == ['bad']
    sim.assert_one_session()


def test_a_wait_timeout_carries_the_last_states(sim):
    with pytest.raises(SdmWaitTimeout) as caught:
        with SdmClient(sim.config()) as client:
            PollWait(client, MATCHER, timeout=0.3, sleep=0.1, sleep_max=0.1).wait(['ID33', 'ID40'])
    assert [(task['task_id'], task['update_status']) for task in caught.value.tasks] == [
        ('ID33', 'Completed'),
        ('ID40', 'InProgress'),
    ]
    assert caught.value.message.startswith(
        'timed out after 0.3 seconds waiting for the update of 1 of 2 route update tasks to finish: '
        'ID40 (status InProgress)'
    )
    sim.assert_one_session()

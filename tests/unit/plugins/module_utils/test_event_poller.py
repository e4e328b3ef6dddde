# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The event source's poller (`_event_poller.py`) against a scripted SDM: what each answer proves, round by round.

One test per point of the issue on the event source (issue 23): a round of 404s is an outage, not the end of every
task; ``emit_initial_state: false`` holds until a task's first read; a slow first login is an outage; the logged
messages stay bounded. The source's behaviour over real HTTP is in tests/unit/extensions/.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any, Dict, List, Optional

import pytest
import requests

from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import (
    SdmAuthError,
    SdmHttpError,
    SdmNotFoundError,
    SdmPermissionError,
    SdmTransportError,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._event_poller import (
    GONE_AFTER_ROUNDS,
    OnceLog,
    RoundFailed,
    EventPoller,
    ends_source_at_start,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._normalise import normalise_task
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import FakeClock

PASSWORD = 'poller-Secret-9'


class _Config:
    host = 'sdm.example.com:8443'
    password = PASSWORD


class ScriptedSdm:
    """Stands in for `SdmClient`: ``tasks`` (id -> task dict, or an `SdmError` to raise), the pending list, the login.

    Not the simulator: each round gets the error the client raises once its retries are spent, with no retry to wait
    for; the source over real HTTP against the simulator is tested in tests/unit/extensions/.
    """

    max_concurrency = 4

    def __init__(self) -> None:
        self.config = _Config()
        self.clock = FakeClock()
        self.logged_in = False
        self.login_error: Optional[Exception] = None
        self.list_error: Optional[Exception] = None
        self.tasks: Dict[str, Any] = {}
        self.pending: Optional[List[str]] = None  # None: every task of `tasks` that is not an error
        self.warnings: List[str] = []
        self.list_reads = 0

    def login(self, deadline: Any = None) -> None:
        if self.login_error is not None:
            raise self.login_error
        self.logged_in = True

    def list_pending_task_ids(self, deadline: Any = None) -> List[str]:
        self.list_reads += 1
        if self.list_error is not None:
            raise self.list_error
        if self.pending is not None:
            return list(self.pending)
        return [task_id for task_id, task in self.tasks.items() if isinstance(task, dict)]

    def read_task(self, task_id: str, matcher: Any, deadline: Any = None) -> Any:
        task = self.tasks.get(task_id, not_found(task_id))
        if isinstance(task, Exception):
            raise task
        return dict(task), []

    def secrets(self) -> List[str]:
        return [PASSWORD]

    def __exit__(self, *exc_info: Any) -> None:
        self.logged_in = False


def task(task_id: str, status: str = 'InProgress', rollback_status: str = 'Unknown', **fields: Any) -> Dict[str, Any]:
    """A task as the client gives it (normalised, with the state model's verdicts): one device in the task's state."""
    raw = {
        'updateStatus': status,
        'totalDeviceCount': '1',
        'updatedCount': '1' if status == 'Completed' else '0',
        'rollbackStatus': rollback_status,
        'rollbackCount': '0',
        'deviceStatusList': [{'objectId': 'D1', 'deviceGroupId': 'G1', 'status': status}],
    }
    data = normalise_task(raw, task_id, StateMatcher())[0]
    data.update(fields)
    return data


def not_found(task_id: str) -> SdmNotFoundError:
    return SdmNotFoundError.for_task(task_id)


def busy() -> SdmHttpError:
    return SdmHttpError('GET /rest/v1.3/routeSets/routeUpdates answered 503 Service Unavailable', 503, '/rest')


def poller(sdm: ScriptedSdm, **options: Any) -> EventPoller:
    return EventPoller(sdm, StateMatcher(), interval=10.0, **options)


def changes(events: List[Dict[str, Any]]) -> List[Any]:
    return [(event['sdm_route_update']['change'], event['sdm_route_update']['task_id']) for event in events]


@pytest.fixture
def sdm():
    return ScriptedSdm()


# A task is gone only on evidence -------------------------------------------------------------------


def test_a_round_of_404s_for_every_given_task_is_an_outage_not_their_end(sdm):
    sdm.tasks = {'T1': task('T1'), 'T2': task('T2')}
    watcher = poller(sdm, task_ids=['T1', 'T2'])
    assert changes(watcher.poll()) == [('appeared', 'T1'), ('appeared', 'T2')]
    # A proxy answers 404 for everything while SDM restarts: the pending list too.
    sdm.tasks = {'T1': not_found('T1'), 'T2': not_found('T2')}
    sdm.list_error = SdmNotFoundError('GET /rest/v1.3/routeSets/routeUpdates answered 404', 404, '/rest')
    for _round in range(5):
        with pytest.raises(RoundFailed):
            watcher.poll()
    sdm.list_error = None
    sdm.tasks = {'T1': task('T1', 'Completed'), 'T2': task('T2')}
    assert changes(watcher.poll()) == [('finished', 'T1')]


def test_a_given_task_is_gone_after_404_in_several_rounds_while_others_answer(sdm):
    sdm.tasks = {'T1': task('T1', 'Completed'), 'T2': task('T2')}
    watcher = poller(sdm, task_ids=['T1', 'T2'])
    watcher.poll()
    sdm.tasks['T1'] = not_found('T1')
    assert watcher.poll() == [] and watcher.poll() == []  # two rounds of 404: not yet evidence
    assert changes(watcher.poll()) == [('committed', 'T1')]
    assert watcher.poll() == []  # not read again
    assert sdm.list_reads == 0  # T2 answered every round: no need to ask the pending list


def test_a_404_blip_between_answers_starts_the_count_again(sdm):
    sdm.tasks = {'T1': task('T1'), 'T2': task('T2')}
    watcher = poller(sdm, task_ids=['T1', 'T2'])
    watcher.poll()
    for _cycle in range(4):
        sdm.tasks['T1'] = not_found('T1')
        assert watcher.poll() == [] and watcher.poll() == []
        sdm.tasks['T1'] = task('T1')
        assert watcher.poll() == []
    sdm.tasks['T1'] = busy()  # a failure that is not 404 breaks the series too
    sdm.tasks['T1'] = not_found('T1')
    assert watcher.poll() == [] and watcher.poll() == []


def test_a_single_given_task_is_gone_when_the_pending_list_answers_without_it(sdm):
    sdm.tasks = {'T1': task('T1', 'Failed')}
    watcher = poller(sdm, task_ids=['T1'])
    watcher.poll()
    sdm.tasks = {'T1': not_found('T1')}
    assert watcher.poll() == [] and watcher.poll() == []
    assert changes(watcher.poll()) == [('committed', 'T1')]
    assert sdm.list_reads == 3


def test_a_round_where_every_read_fails_is_an_outage_whatever_the_statuses(sdm):
    sdm.tasks = {'T1': task('T1'), 'T2': task('T2')}
    watcher = poller(sdm, task_ids=['T1', 'T2'])
    watcher.poll()
    sdm.tasks = {'T1': not_found('T1'), 'T2': busy()}
    for _round in range(5):
        with pytest.raises(RoundFailed) as failed:
            watcher.poll()
        assert failed.value.error.status == 503
    sdm.tasks = {'T1': task('T1'), 'T2': task('T2')}
    assert watcher.poll() == []


def test_in_pending_list_mode_only_leaving_the_list_ends_a_task(sdm):
    sdm.tasks = {'T1': task('T1'), 'T2': task('T2')}
    watcher = poller(sdm)
    watcher.poll()
    sdm.tasks['T1'] = not_found('T1')
    sdm.pending = ['T1', 'T2']  # still listed
    for _round in range(6):
        assert watcher.poll() == []
    sdm.tasks['T1'] = task('T1', 'Completed')
    assert changes(watcher.poll()) == [('finished', 'T1')]
    sdm.pending = ['T2']
    sdm.tasks['T1'] = not_found('T1')
    assert watcher.poll() == [] and watcher.poll() == []  # left the list, but its last change may be hidden
    assert changes(watcher.poll()) == [('committed', 'T1')]


def test_a_404_blip_on_the_last_read_of_a_task_that_left_the_list_hides_no_change(sdm):
    sdm.tasks = {'T1': task('T1', 'Failed', rollback_status='InProgress'), 'T2': task('T2')}
    watcher = poller(sdm)
    watcher.poll()
    sdm.pending = ['T2']  # the rollback finished, SDM released the task ...
    sdm.tasks['T1'] = not_found('T1')  # ... and a proxy answers 404 for its read
    assert watcher.poll() == []
    sdm.tasks['T1'] = task('T1', 'Failed', rollback_status='Completed')
    assert changes(watcher.poll()) == [('rollback_finished', 'T1'), ('released', 'T1')]


def test_every_listed_task_failing_is_an_outage_but_404s_alone_are_not(sdm):
    sdm.tasks = {'T1': task('T1'), 'T2': task('T2')}
    watcher = poller(sdm)
    watcher.poll()
    sdm.pending = ['T1', 'T2']
    sdm.tasks = {'T1': busy(), 'T2': not_found('T2')}
    with pytest.raises(RoundFailed):
        watcher.poll()
    sdm.tasks = {'T1': not_found('T1'), 'T2': not_found('T2')}
    assert watcher.poll() == []  # the list answered and still names them: no evidence either way


# emit_initial_state: false -------------------------------------------------------------------------


@pytest.mark.parametrize('task_ids', [None, ['T1', 'T2']], ids=['pending list', 'given ids'])
def test_without_the_initial_state_a_task_first_read_late_is_still_not_new(sdm, task_ids):
    sdm.tasks = {'T1': task('T1'), 'T2': task('T2')}
    sdm.pending = ['T1', 'T2']
    sdm.tasks['T2'] = busy()  # its first read fails
    watcher = poller(sdm, task_ids=task_ids, emit_initial_state=False)
    assert watcher.poll() == []
    sdm.tasks['T2'] = not_found('T2')  # then a 404 blip
    assert watcher.poll() == []
    sdm.tasks['T2'] = task('T2', 'Failed')  # it had failed before the source started: no event
    assert watcher.poll() == []
    sdm.tasks['T2'] = task('T2', 'Failed', rollback_status='InProgress')
    assert changes(watcher.poll()) == [('rollback_started', 'T2')]


def test_without_the_initial_state_a_start_in_an_outage_changes_nothing(sdm):
    sdm.tasks = {'T1': task('T1', 'Failed')}
    watcher = poller(sdm, emit_initial_state=False)
    sdm.list_error = busy()
    with pytest.raises(RoundFailed):
        watcher.poll()
    sdm.list_error = None
    assert watcher.poll() == []
    sdm.tasks['T3'] = task('T3')  # new after the start: its events come
    assert changes(watcher.poll()) == [('appeared', 'T3')]


def test_with_the_initial_state_a_task_first_read_late_is_marked_initial(sdm):
    sdm.tasks = {'T1': busy()}
    sdm.pending = ['T1']
    watcher = poller(sdm)
    with pytest.raises(RoundFailed):
        watcher.poll()
    sdm.tasks['T1'] = task('T1', 'Completed')
    events = watcher.poll()
    assert changes(events) == [('appeared', 'T1'), ('finished', 'T1')]
    assert all(event['sdm_route_update']['initial'] for event in events)


# The first login -------------------------------------------------------------------------------------


def _tls_error(cause: Optional[Exception] = None) -> SdmTransportError:
    error = SdmTransportError('cannot connect to sdm.example.com:8443: TLS handshake failed')
    error.__cause__ = requests.exceptions.SSLError(cause or ssl.SSLError('wrong version number'))
    return error


@pytest.mark.parametrize(
    'error',
    [
        SdmTransportError('no answer from sdm.example.com:8443 within 30 seconds'),
        SdmTransportError('the connection to sdm.example.com:8443 broke before the answer arrived: reset'),
        SdmHttpError('POST /rest/v1.3/admin/login answered 502 Bad Gateway', 502, '/rest/v1.3/admin/login'),
        SdmHttpError('POST /rest/v1.3/admin/login answered 500', 500, '/rest/v1.3/admin/login'),
        _tls_error(ssl.SSLEOFError('EOF occurred in violation of protocol')),
    ],
    ids=['timeout', 'reset', '502', '500', 'closed during the tls handshake'],
)
def test_a_first_login_that_times_out_resets_or_answers_5xx_is_an_outage(sdm, error):
    sdm.tasks = {'T1': task('T1')}
    sdm.login_error = error
    watcher = poller(sdm)
    for _round in range(3):
        with pytest.raises(RoundFailed):
            watcher.poll()
    sdm.login_error = None
    assert changes(watcher.poll()) == [('appeared', 'T1')]


@pytest.mark.parametrize(
    'error',
    [
        SdmAuthError("login refused for user 'admin'", 401, '/rest/v1.3/admin/login', login=True),
        SdmPermissionError('403 Forbidden', 403, '/rest/v1.3/admin/login'),
        SdmNotFoundError('the login URL does not exist', 404, '/rest/v9/admin/login', api=True),
        _tls_error(),
    ],
    ids=['401', '403', 'unknown api version', 'tls'],
)
def test_only_settings_problems_end_the_source_at_start(sdm, error):
    sdm.login_error = error
    assert ends_source_at_start(error)
    with pytest.raises(type(error)):
        poller(sdm).poll()


def test_a_404_on_the_pending_list_at_start_is_an_outage(sdm):
    sdm.list_error = SdmNotFoundError('GET /rest/v1.3/routeSets/routeUpdates answered 404', 404, '/rest')
    with pytest.raises(RoundFailed):
        poller(sdm).poll()


def test_after_the_start_a_refused_login_is_an_outage(sdm):
    sdm.tasks = {'T1': task('T1')}
    watcher = poller(sdm)
    watcher.poll()
    sdm.logged_in = False
    sdm.login_error = SdmAuthError("login refused for user 'admin'", 401, '/rest', login=True)
    with pytest.raises(RoundFailed):
        watcher.poll()


# Memory stays flat -----------------------------------------------------------------------------------


def test_the_set_of_logged_messages_is_bounded(caplog):
    caplog.set_level(logging.WARNING)
    log = OnceLog(logging.getLogger('test.once'), str, kept=50)
    log.warn('message %d' % number for number in range(500))
    log.warn(['message 499', 'message 450'])  # recent ones are still known: not logged again
    assert len(log) == 50
    assert len(caplog.records) == 500


def test_the_poller_forgets_the_tasks_that_are_gone(sdm):
    watcher = poller(sdm)
    for number in range(200):
        sdm.tasks = {'T%d' % number: task('T%d' % number, 'Completed')}
        watcher.poll()
    assert watcher.watched <= GONE_AFTER_ROUNDS  # each read until its 404 has lasted


def test_a_log_line_names_no_secret(sdm, caplog):
    caplog.set_level(logging.WARNING)
    sdm.tasks = {'T1': task('T1'), 'T2': task('T2')}
    watcher = poller(sdm)
    watcher.poll()
    sdm.tasks['T2'] = SdmHttpError('GET answered 500: password=%s JSESSIONID=ABCDEF123' % PASSWORD, 500, '/rest')
    watcher.poll()
    told = '\n'.join(record.getMessage() for record in caplog.records)
    assert 'T2 cannot be read' in told and PASSWORD not in told and 'ABCDEF123' not in told


# The estimate of the end (issue 26) ---------------------------------------------------------------------------


def progressing(done: int) -> Dict[str, Any]:
    """T1 with ``done`` of its 10 devices updated."""
    return task('T1', total_device_count=10, updated_count=done)


def test_devices_progressed_carries_the_estimate_once_the_reads_support_one(sdm):
    watcher = poller(sdm)
    sdm.tasks = {'T1': progressing(0)}
    assert changes(watcher.poll()) == [('appeared', 'T1')]
    seen = []
    for done in (1, 2, 3):
        sdm.clock.sleep(60)  # one device a minute
        sdm.tasks = {'T1': progressing(done)}
        events = watcher.poll()
        assert changes(events) == [('devices_progressed', 'T1')]
        seen.append(events[0]['sdm_route_update']['estimated_seconds_left'])
    # the first new count is one point, not yet an estimate; then 7 devices left at a minute each
    # the first new count is one progress point, not yet an estimate; then about a minute a device still to come
    assert seen == [None, 450, 390]


def test_no_estimate_when_the_counts_go_backwards(sdm):
    watcher = poller(sdm)
    for done in (0, 1, 2, 3, 1):
        sdm.tasks = {'T1': progressing(done)}
        events = watcher.poll()
        sdm.clock.sleep(60)
    assert changes(events) == [('devices_progressed', 'T1')]
    assert events[0]['sdm_route_update']['estimated_seconds_left'] is None

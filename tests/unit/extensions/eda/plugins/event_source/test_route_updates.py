# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The event source ocsdm.route_manager.route_updates: ``main()`` under asyncio against the simulator over real HTTP.

Each test loads its scenario, starts ``main()`` as ansible-rulebook does, moves the simulator's clock once the
source has reported the state before, and reads the events off the queue. Cancelling the task is how ansible-rulebook
stops a source; the simulator's counters then show whether the source logged out.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import subprocess
import sys

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmAuthError, SdmInputError
from ansible_collections.ocsdm.route_manager.plugins.module_utils._normalise import DERIVED_KEYS, TASK_KEYS
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.plugins.module_utils._verdict import rollback_verdict, update_verdict
from ansible_collections.ocsdm.route_manager.plugins.module_utils._task_changes import (
    changes_between as changes_between_reads,
    changes_on_appearance,
    departure_change,
)
from ansible_collections.ocsdm.route_manager.tests.unit.extensions.eda.plugins.event_source.source_helpers import (
    FAILS,
    PENDING_LIST,
    SOURCE,
    SOURCE_PATH,
    SUCCEEDS,
    SourceRun,
    changes,
    run,
    scenario,
)
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import PASSWORD

LOGGER_NAME = 'ocsdm.route_manager.route_updates'
TASK_READ = 'GET /rest/v1.3/routeSets/routeUpdates/%s'


def sessions(sim):
    counters = sim.counters()
    return counters['logins'], counters['logouts'], counters['sessions_open']


# A task that runs, finishes and is committed --------------------------------------------------------


@pytest.mark.parametrize('body_format', ['xml', 'json'])
def test_a_task_that_runs_finishes_and_is_committed(sim, body_format):
    sim.load(scenario(SUCCEEDS))

    async def scenario_run():
        async with SourceRun(sim, body_format=body_format) as source:
            (appeared,) = await source.expect(('appeared', 'T1'))
            await source.control(sim.advance, 100)
            (progressed,) = await source.expect(('devices_progressed', 'T1'))
            await source.control(sim.advance, 100)
            (finished,) = await source.expect(('finished', 'T1'))
            await source.control(sim.act, 'T1', 'Commit')
            (committed,) = await source.expect(('committed', 'T1'))
        return appeared, progressed, finished, committed

    appeared, progressed, finished, committed = run(scenario_run())
    assert appeared['initial'] and not progressed['initial']
    assert appeared['previous'] is None
    assert appeared['sdm_host'] == '127.0.0.1:%d' % int(sim.url.rsplit(':', 1)[1])
    assert set(TASK_KEYS + DERIVED_KEYS) <= set(appeared['task'])
    assert (appeared['task']['update_status'], appeared['task']['updated_count']) == ('InProgress', 0)
    assert progressed['task']['updated_count'] == 1 and progressed['previous']['updated_count'] == 0
    assert [device['status'] for device in progressed['task']['devices']] == ['Completed', 'InProgress']
    assert finished['task']['finished'] and finished['task']['succeeded'] and finished['task']['failed_devices'] == []
    assert finished['previous']['update_status'] == 'InProgress' and finished['task']['update_status'] == 'Completed'
    # SDM forgets a committed task: the event carries the last state seen.
    assert committed['task'] == finished['task']
    # One session for the source (the commit had its own), logged out when the rulebook stopped.
    assert sessions(sim) == (2, 2, 0)


def test_the_event_carries_the_task_exactly_as_route_update_info_returns_it(sim):
    sim.load(scenario(dict(SUCCEEDS, devices=[{'object_id': 'D1', 'at': 0}])))

    async def scenario_run():
        async with SourceRun(sim) as source:
            return await source.expect(('appeared', 'T1'), ('finished', 'T1'))

    appeared, finished = run(scenario_run())
    client = SOURCE['SdmClient'](sim.config())
    with client:
        task = client.get_task('T1', StateMatcher())
    assert appeared['task'] == finished['task'] == task


def test_an_unclear_task_with_rollback_status_na_gets_the_verdicts_of_the_modules(sim):
    """Issue 21: SDM says Completed with a device that never started and rollback status N/A. The event carries the
    state model's verdicts, as route_update_info and the role see them: unclear, and no rollback (no rollback event)."""
    task = dict(
        SUCCEEDS,
        answer_fields={'rollbackStatus': 'N/A', 'totalDeviceCount': None, 'updatedCount': None},
        devices=[
            {'object_id': 'D1', 'device_group_id': 'G1', 'at': 0},
            {'object_id': 'D2', 'device_group_id': 'G2', 'at': 0, 'answer_fields': {'status': 'NotStarted'}},
        ],
    )
    sim.load(scenario(task))

    async def scenario_run():
        async with SourceRun(sim) as source:
            events = await source.expect(('appeared', 'T1'), ('finished', 'T1'))
            await source.control(sim.advance, 100)
            return events

    appeared, finished = run(scenario_run())
    assert (finished['task']['verdict'], finished['task']['rollback_verdict']) == ('unclear', 'none')
    assert finished['task']['succeeded'] is False and finished['task']['rollback_status'] == 'N/A'
    assert [device['object_id'] for device in finished['task']['unclear_devices']] == ['D2']
    client = SOURCE['SdmClient'](sim.config())
    with client:
        read = client.get_task('T1', StateMatcher())
    assert (read['verdict'], read['rollback_verdict']) == (finished['task']['verdict'], 'none')


# A task that fails and is rolled back -----------------------------------------------------------------


def test_a_task_that_fails_and_is_rolled_back(sim):
    sim.load(scenario(FAILS))

    async def scenario_run():
        async with SourceRun(sim) as source:
            await source.expect(('appeared', 'T2'))
            await source.control(sim.advance, 100)
            await source.expect(('devices_progressed', 'T2'))
            await source.control(sim.advance, 100)
            (finished,) = await source.expect(('finished', 'T2'))
            await source.control(sim.act, 'T2', 'Rollback')
            (started,) = await source.expect(('rollback_started', 'T2'))
            await source.control(sim.advance, 100)
            ended = await source.expect(('rollback_finished', 'T2'), ('released', 'T2'))
        return finished, started, ended

    finished, started, (rolled_back, released) = run(scenario_run())
    assert finished['task']['finished'] and not finished['task']['succeeded']
    assert [device['object_id'] for device in finished['task']['failed_devices']] == ['D4']
    assert finished['task']['failed_devices'][0]['update_failure_msg'] == 'LRT rejected'
    assert started['task']['rollback_status'] == 'InProgress' and not started['task']['rollback_finished']
    assert rolled_back['task']['rollback_finished'] and rolled_back['task']['rollback_succeeded']
    assert rolled_back['previous']['rollback_status'] == 'InProgress'
    assert released['task']['rollback_status'] == 'Completed'
    assert sessions(sim) == (2, 2, 0)


def test_a_task_that_ended_before_the_source_started_is_reported_at_once(sim):
    """emit_initial_state (the default): a rulebook started late still acts on a finished task."""
    sim.load(scenario(dict(FAILS, devices=[{'object_id': 'D4', 'at': 0, 'outcome': 'failure'}])))

    async def scenario_run():
        async with SourceRun(sim) as source:
            return await source.expect(('appeared', 'T2'), ('finished', 'T2'))

    appeared, finished = run(scenario_run())
    assert appeared['initial'] and finished['initial']
    assert not finished['task']['succeeded']


def test_without_the_initial_state_only_later_changes_are_events(sim):
    sim.load(scenario(dict(SUCCEEDS, devices=[{'object_id': 'D1', 'at': 0}]), FAILS))

    async def scenario_run():
        async with SourceRun(sim, emit_initial_state='false') as source:
            await source.rounds_pass(3)
            assert source.queue.empty()
            await source.control(sim.act, 'T1', 'Commit')
            (committed,) = await source.expect(('committed', 'T1'))
            await source.control(sim.advance, 100)
            await source.expect(('devices_progressed', 'T2'))
        return committed

    assert not run(scenario_run())['initial']


# Never the same state twice --------------------------------------------------------------------------------


def test_a_state_that_does_not_change_gives_no_event(sim):
    sim.load(scenario(SUCCEEDS, FAILS))

    async def scenario_run():
        async with SourceRun(sim) as source:
            await source.expect(('appeared', 'T1'), ('appeared', 'T2'))
            await source.rounds_pass(5)
            assert source.queue.empty(), changes([(await source.next_event())])
            # Both tasks move at once: each task's change once (the clock may move between the two reads of a round).
            await source.control(sim.advance, 100)
            both = [await source.next_event(), await source.next_event()]
            assert sorted(changes(both)) == [('devices_progressed', 'T1'), ('devices_progressed', 'T2')]
            await source.rounds_pass(3)
            assert source.queue.empty()

    run(scenario_run())


def test_the_read_that_sees_the_end_gives_only_the_finished_event(sim):
    sim.load(scenario(SUCCEEDS))

    async def scenario_run():
        async with SourceRun(sim) as source:
            await source.expect(('appeared', 'T1'))
            # Both devices and the end within one interval: one event, not three.
            await source.control(sim.advance, 200)
            (finished,) = await source.expect(('finished', 'T1'))
            await source.rounds_pass(3)
            assert source.queue.empty()
            return finished

    assert run(scenario_run())['task']['updated_count'] == 2


# SDM unreachable for a while, then back ---------------------------------------------------------------


def test_sdm_unreachable_for_a_while_gives_one_event_then_the_wait_resumes(sim, caplog):
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    sim.load(scenario(SUCCEEDS))

    async def scenario_run():
        async with SourceRun(sim) as source:
            await source.expect(('appeared', 'T1'))
            await source.control(sim.faults, {'kind': 'status', 'status': 503, 'count': 'always'})
            (unreachable,) = await source.expect(('sdm_unreachable', None))
            # Several failed rounds, and the task finishes meanwhile: still one event.
            await source.until(lambda: sim.fault_counts()[1] >= 6, 'six requests failed')
            await source.control(sim.advance, 200)
            await source.until(lambda: sim.fault_counts()[1] >= 8, 'two more requests failed')
            assert source.queue.empty(), changes([(await source.next_event())])
            await source.control(sim.clear_faults)
            back, finished = await source.expect(('sdm_reachable', None), ('finished', 'T1'))
        return unreachable, back, finished

    unreachable, back, finished = run(scenario_run())
    assert '503' in unreachable['error'] and unreachable['task'] is None
    assert unreachable['retry_in'] == pytest.approx(0.1)
    assert back['failed_rounds'] >= 2 and back['unreachable_seconds'] >= 0
    assert finished['task']['succeeded']
    # The source polled less and less often: twice the delay after each failed round.
    delays = [
        float(record.args[2]) for record in caplog.records if record.msg.startswith('SDM %s still cannot be read')
    ]
    assert len(delays) >= 1
    assert delays == [0.05 * 2 ** (round_number + 2) for round_number in range(len(delays))]
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.msg.split(':')[0] for record in warnings] == [
        'SDM %s cannot be read',
        'SDM %s answers again after %.0f s (%d failed poll rounds)',
    ]
    assert sessions(sim) == (1, 1, 0)


def test_sdm_down_when_the_source_starts_is_reported_not_fatal(sim):
    with socket.socket() as closed:
        closed.bind(('127.0.0.1', 0))
        port = closed.getsockname()[1]

    async def scenario_run():
        async with SourceRun(sim, url='http://127.0.0.1:%d' % port) as source:
            return await source.next_event()

    event = run(scenario_run())
    assert event['change'] == 'sdm_unreachable'
    assert 'connection refused' in event['error'].lower() or 'cannot connect' in event['error']


def test_the_backoff_doubles_up_to_its_cap():
    reachability = SOURCE['Reachability'](2.0)
    delays = []
    for _round in range(8):
        reachability.failed(0.0)
        delays.append(reachability.next_delay())
    assert delays == [4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0, 60.0]
    assert reachability.answered(90.0) == (90.0, 8)
    assert reachability.next_delay() == 2.0
    slow = SOURCE['Reachability'](120.0)
    slow.failed(0.0)
    assert slow.next_delay() == 120.0


def test_a_task_that_cannot_be_read_is_logged_once_while_the_others_go_on(sim, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    sim.load(scenario(SUCCEEDS, FAILS))

    async def scenario_run():
        async with SourceRun(sim) as source:
            await source.expect(('appeared', 'T1'), ('appeared', 'T2'))
            await source.control(
                sim.faults, {'kind': 'status', 'status': 500, 'path': '*/routeUpdates/T2', 'count': 'always'}
            )
            await source.control(sim.advance, 100)
            await source.expect(('devices_progressed', 'T1'))
            await source.rounds_pass(3)
            assert source.queue.empty()
            await source.control(sim.clear_faults)
            # T2 kept its last state: its change during the failure comes now.
            await source.expect(('devices_progressed', 'T2'))

    run(scenario_run())
    about_t2 = [record.getMessage() for record in caplog.records if 'T2' in record.getMessage()]
    assert len(about_t2) == 2, about_t2
    assert (
        about_t2[0].startswith('route update task T2 cannot be read, trying again every round: ')
        and '500' in about_t2[0]
    )
    assert about_t2[1] == 'route update task T2 can be read again'


def test_every_task_failing_after_the_pending_list_is_an_outage(sim):
    sim.load(scenario(SUCCEEDS, FAILS))

    async def scenario_run():
        async with SourceRun(sim) as source:
            await source.expect(('appeared', 'T1'), ('appeared', 'T2'))
            await source.control(
                sim.faults, {'kind': 'status', 'status': 503, 'path': '*/routeUpdates/T*', 'count': 'always'}
            )
            (unreachable,) = await source.expect(('sdm_unreachable', None))
            await source.control(sim.clear_faults)
            await source.expect(('sdm_reachable', None))
            return unreachable

    assert 'routeUpdates/T' in run(scenario_run())['error']


def with_verdicts(task):
    """A hand-made normalised task with the state model's verdicts, as normalisation stores them."""
    matcher = StateMatcher()
    return dict(task, verdict=update_verdict(task, matcher), rollback_verdict=rollback_verdict(task, matcher))


def test_what_changed_between_two_reads():
    def judged(change):
        return lambda *tasks: change(*(with_verdicts(task) for task in tasks))

    changes_between, appearance, departure = (
        judged(changes_between_reads),
        judged(changes_on_appearance),
        judged(departure_change),
    )
    running = {
        'update_status': 'InProgress',
        'updated_count': 0,
        'finished': False,
        'rollback_status': 'Unknown',
        'rollback_count': 0,
        'rollback_finished': False,
        'devices': [{'object_id': 'D1', 'status': 'InProgress'}],
    }
    failed = dict(running, update_status='Failed', finished=True, devices=[{'object_id': 'D1', 'status': 'Failed'}])
    rolling_back = dict(failed, rollback_status='InProgress')
    rollback_failed = dict(failed, rollback_status='Failed', rollback_finished=True)
    assert changes_between(running, running) == []
    assert changes_between(running, dict(running, update_status='Running')) == ['status_changed']
    assert changes_between(running, failed) == ['finished']
    assert changes_between(failed, rolling_back) == ['rollback_started']
    assert changes_between(failed, rollback_failed) == ['rollback_finished']
    # SDM tries the rollback again: a new rollback, started and finished once more.
    assert changes_between(rollback_failed, rolling_back) == ['rollback_started']
    assert changes_between(rolling_back, dict(rollback_failed, rollback_status='Completed')) == ['rollback_finished']
    assert appearance(rolling_back) == ['appeared', 'finished', 'rollback_started']
    assert appearance(dict(failed, rollback_count=1, rollback_status='')) == [
        'appeared',
        'finished',
        'rollback_started',
    ]
    assert [departure(state) for state in (running, failed, rolling_back, rollback_failed)] == [
        'vanished',
        'committed',
        'released',
        'released',
    ]


# Session expiry and cancellation ----------------------------------------------------------------------


def test_an_expired_session_is_replaced_without_an_event(sim):
    sim.load(scenario(SUCCEEDS))

    async def scenario_run():
        async with SourceRun(sim) as source:
            await source.expect(('appeared', 'T1'))
            await source.control(sim.control, 'POST', '/sessions/drop')
            await source.control(sim.advance, 100)
            await source.expect(('devices_progressed', 'T1'))
            await source.control(sim.control, 'POST', '/sessions/policy', {'expire_after_requests': 2})
            await source.control(sim.advance, 100)
            await source.expect(('finished', 'T1'))
            await source.rounds_pass(2)
            assert source.queue.empty()

    run(scenario_run())
    counters = sim.counters()
    assert counters['sessions_dropped'] == 1 and counters['sessions_expired'] >= 1
    assert counters['logins'] >= 3 and counters['login_failures'] == 0
    assert counters['sessions_open'] == 0


@pytest.mark.parametrize('path', ['*/routeSets/routeUpdates', '*/routeUpdates/T1'], ids=['pending list', 'task'])
def test_cancelling_while_a_read_is_in_flight_logs_out_after_it(sim, path):
    sim.load(scenario(SUCCEEDS))

    async def scenario_run():
        async with SourceRun(sim) as source:
            await source.expect(('appeared', 'T1'))
            await source.control(sim.faults, {'kind': 'delay', 'seconds': 1.5, 'path': path, 'count': 'always'})
            # The read hangs in its worker thread; the event loop still runs this test meanwhile.
            await source.until(lambda: sim.fault_counts()[1] >= 1, 'a read is in flight')
            assert not source.task.done()
        return source

    source = run(scenario_run())
    assert source.task.cancelled()
    # The source ended only after its read in flight was answered: nothing can log in again after the logout.
    assert sim.answered_requests() == sum(sim.counters()['requests'].values())
    assert sessions(sim) == (1, 1, 0)


def test_cancelling_between_rounds_logs_out(sim):
    sim.load(scenario(SUCCEEDS, FAILS))

    async def scenario_run():
        async with SourceRun(sim) as source:
            await source.expect(('appeared', 'T1'), ('appeared', 'T2'))

    run(scenario_run())
    assert sessions(sim) == (1, 1, 0)


# Watching given task IDs ----------------------------------------------------------------------------


def test_given_task_ids_are_read_without_the_pending_list(sim, caplog):
    sim.load(scenario(dict(SUCCEEDS, devices=[{'object_id': 'D1', 'at': 0}]), FAILS))

    async def scenario_run():
        async with SourceRun(sim, task_ids=['T1', 'NOPE']) as source:
            await source.expect(('appeared', 'T1'), ('finished', 'T1'))
            await source.rounds_pass_reading(TASK_READ % 'T1', 2)
            # While T1 answers, the pending list is not read; once every task answers 404, it tells 404 from an outage.
            assert await source.control(sim.requests_to, PENDING_LIST) == 0
            await source.control(sim.act, 'T1', 'Commit')
            await source.expect(('committed', 'T1'))
            reads = await source.control(sim.requests_to, TASK_READ % 'T1')
            unknown_reads = await source.control(sim.requests_to, TASK_READ % 'NOPE')
            await source.until(lambda: sim.requests_to(TASK_READ % 'NOPE') >= unknown_reads + 3, 'the source reads on')
            # A committed task is not read again.
            assert await source.control(sim.requests_to, TASK_READ % 'T1') == reads
            assert source.queue.empty()

    run(scenario_run())
    assert sim.requests_to(TASK_READ % 'T2') == 0
    unknown = [record for record in caplog.records if 'NOPE' in record.getMessage()]
    assert len(unknown) == 1 and 'not known' in unknown[0].getMessage()


def test_a_task_that_vanishes_while_running(sim):
    sim.load(scenario(SUCCEEDS))

    async def scenario_run():
        async with SourceRun(sim) as source:
            await source.expect(('appeared', 'T1'))
            await source.control(sim.control, 'POST', '/tasks/T1/vanish')
            (vanished,) = await source.expect(('vanished', 'T1'))
            return vanished

    assert not run(scenario_run())['task']['finished']


# Options ---------------------------------------------------------------------------------------


def test_the_connection_comes_from_the_environment(sim, monkeypatch):
    sim.load(scenario(SUCCEEDS))
    monkeypatch.setenv('SDM_URL', sim.url)
    monkeypatch.setenv('SDM_USERNAME', 'admin')
    monkeypatch.setenv('SDM_PASSWORD', PASSWORD)
    monkeypatch.setenv('SDM_VALIDATE_CERTS', 'no')

    async def scenario_run():
        source = SourceRun(sim)
        source.args = {'interval': '0.05', 'task_ids': ['T1']}
        async with source:
            await source.expect(('appeared', 'T1'))

    run(scenario_run())
    assert sessions(sim) == (1, 1, 0)


@pytest.mark.parametrize(
    'args, problem',
    [
        ({'interval': 0.5}, 'option interval is below its floor of 1 s: got 0.5'),
        # ansible-core's words (before 2.19 the type reads <class 'str'>)
        ({'interval': 'often'}, "argument 'interval' is of type "),
        ({'interval': 'often'}, 'and we were unable to convert to float'),
        ({'validate_certs': 'maybe'}, "argument 'validate_certs' is of type "),
        ({'validate_certs': 'maybe'}, 'and we were unable to convert to bool'),
        ({'body_format': 'yaml'}, 'value of body_format must be one of: xml, json, got: yaml'),
        ({'request_timeout': 0}, 'option request_timeout must be greater than 0, got 0'),
        ({'task_ids': []}, 'option task_ids must name at least one task'),
        ({'task_ids': ['ID33 ']}, "option task_ids: the task id 'ID33 ' has leading or trailing whitespace"),
        ({'task_ids': 'T1, T2'}, "option task_ids: the task id ' T2' has leading or trailing whitespace"),
        ({'intervall': 5}, 'unknown option intervall; the options are'),
        ({'url': 'https://user:pw@sdm:8443'}, 'url must not contain a user name or password'),
        (
            {'success_states': ['Done'], 'failure_states': ['done']},
            'cannot be in both success_states and failure_states',
        ),
    ],
)
def test_a_bad_option_is_refused_before_any_login(sim, args, problem):
    sim.load(scenario(SUCCEEDS))
    with pytest.raises(SdmInputError) as refused:
        run(SOURCE['main'](asyncio.Queue(), sim.source_args(**dict({'interval': 1}, **args))))
    assert problem in str(refused.value)
    assert str(refused.value).startswith('ocsdm.route_manager.route_updates: ')
    assert sim.counters()['logins'] == 0


def test_a_missing_connection_option_names_its_environment_variable(monkeypatch):
    monkeypatch.delenv('SDM_URL', raising=False)
    with pytest.raises(
        SdmInputError,
        match='option url is required: set it in the rulebook or in the environment variable SDM_URL',
    ):
        run(SOURCE['main'](asyncio.Queue(), {'username': 'admin', 'password': PASSWORD}))


def test_a_wrong_password_ends_the_source_at_once_without_a_session(sim):
    sim.load(scenario(SUCCEEDS))
    with pytest.raises(SdmAuthError, match="login refused for user 'admin'"):
        run(SOURCE['main'](asyncio.Queue(), sim.source_args(password='not-the-password', interval=1)))
    assert sim.counters()['login_failures'] == 1 and sim.counters()['sessions_open'] == 0


# Secrets --------------------------------------------------------------------------------------------


def test_no_secret_in_any_event_or_log_line(sim, caplog):
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    sim.load(scenario(SUCCEEDS))
    echo = 'proxy says: JSESSIONID=0123456789ABCDEF.tomcat1; password=%s' % PASSWORD

    async def scenario_run():
        async with SourceRun(sim) as source:
            await source.expect(('appeared', 'T1'))
            await source.control(sim.control, 'POST', '/sessions/drop')
            await source.control(
                sim.faults, {'kind': 'status', 'status': 503, 'body': 'text', 'text': echo, 'count': 'always'}
            )
            await source.expect(('sdm_unreachable', None))
            await source.control(sim.clear_faults)
            await source.control(sim.advance, 200)
            await source.expect(('sdm_reachable', None), ('finished', 'T1'))
        return source.seen

    seen = run(scenario_run())
    told = repr(seen) + '\n'.join(record.getMessage() for record in caplog.records)
    assert PASSWORD not in told
    assert '0123456789ABCDEF' not in told
    assert 'JSESSIONID=********' in told  # the echoed cookie was there, and was hidden


def test_the_source_records_its_exchanges_without_a_secret(sim, tmp_path):
    sim.load(scenario(SUCCEEDS))
    folder = tmp_path / 'recording'

    async def scenario_run():
        async with SourceRun(sim, record_dir=str(folder)) as source:
            await source.expect(('appeared', 'T1'))
            await source.control(sim.advance, 200)
            await source.expect(('finished', 'T1'))

    run(scenario_run())
    files = sorted(path.name for path in folder.glob('*.json') if path.name != 'recording.json')
    assert any('-POST-admin_login.json' in name for name in files)
    assert any('-GET-routeSets_routeUpdates_T1.json' in name for name in files)
    assert any('-POST-admin_logout.json' in name for name in files)
    recorded = ''.join(path.read_text(encoding='utf-8') for path in folder.glob('*.json'))
    assert PASSWORD not in recorded and 'JSESSIONID=********' in recorded


# The file as ansible-rulebook loads it ------------------------------------------------------------------


def test_the_documentation_describes_every_option_with_its_default():
    yaml = pytest.importorskip('yaml')
    from ansible_collections.ocsdm.route_manager.plugins.doc_fragments.connection import ModuleDocFragment
    from ansible_collections.ocsdm.route_manager.plugins.module_utils._source_options import argument_spec

    documented = yaml.safe_load(SOURCE['DOCUMENTATION'])
    assert documented['extends_documentation_fragment'] == ['ocsdm.route_manager.connection.states']
    options = dict(documented['options'], **yaml.safe_load(ModuleDocFragment.STATES)['options'])
    spec = argument_spec()
    assert sorted(options) == sorted(spec)
    for name, option in spec.items():
        doc = options[name]
        assert doc['type'] == option['type'], name
        assert doc.get('default') == option.get('default'), name
        assert bool(doc.get('required')) == bool(option.get('required')), name
        assert doc.get('choices') == option.get('choices'), name
        assert doc.get('elements') == option.get('elements'), name
        for variable in option.get('fallback', (None, []))[1]:
            assert 'E(%s)' % variable in ' '.join(doc['description']), name
    for play in yaml.safe_load(SOURCE['EXAMPLES']):
        assert [source for source in play['sources'] if 'ocsdm.route_manager.route_updates' in source]


def test_the_plugin_file_is_thin_and_writes_no_default_or_environment_variable():
    """Arguments and the asyncio shell only (the rest is in module_utils); defaults and SDM_* come from _argspec."""
    text = SOURCE_PATH.read_text(encoding='utf-8')
    assert len(text.splitlines()) <= 350
    code = text.replace(SOURCE['DOCUMENTATION'], '').replace(SOURCE['EXAMPLES'], '')
    assert not re.search(r'[\'"]SDM_', code) and 'default' not in code.lower()
    assert 'IDLE_ROLLBACK_STATES' not in code and 'normalise_state' not in code


def test_the_source_imports_the_collection_from_where_it_is_installed(tmp_path):
    """Run as ansible-rulebook runs it, in a plain Python without Ansible's collection loader."""

    probe = 'import runpy, sys; source = runpy.run_path(sys.argv[1]); print(source["main"].__name__, source["SdmClient"].__module__)'
    env = {'PATH': '/usr/bin:/bin'}
    installed = subprocess.run(
        [sys.executable, '-c', probe, str(SOURCE_PATH)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout.split() == ['main', 'ansible_collections.ocsdm.route_manager.plugins.module_utils._client']

    loose = tmp_path / 'route_updates.py'
    loose.write_text(SOURCE_PATH.read_text(encoding='utf-8'), encoding='utf-8')
    outside = subprocess.run(
        [sys.executable, '-c', probe, str(loose)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert outside.returncode != 0
    assert (
        'imports the client of the collection ocsdm.route_manager from where the collection is installed'
        in outside.stderr
    )

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import (
    SdmAuthError,
    SdmInputError,
    SdmNotFoundError,
    SdmTransportError,
    SdmWaitTimeout,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.plugins.module_utils._poll_wait import PollWait
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import FakeClock, FakeTaskSource

MATCHER = StateMatcher()
RUNNING_FOREVER = [(0, 'InProgress')]


def make_waiter(timelines, timeout=60, sleep=5, sleep_max=20, **kwargs):
    clock = FakeClock()
    source = FakeTaskSource(clock, timelines, latency=kwargs.pop('latency', 0.0), rollback=kwargs.pop('rollback', None))
    waiter = PollWait(source, MATCHER, timeout=timeout, sleep=sleep, sleep_max=sleep_max, clock=clock, **kwargs)
    return waiter, source, clock


def test_sleeps_grow_to_the_cap_and_the_last_is_trimmed_to_the_deadline():
    waiter, source, clock = make_waiter({'ID5': RUNNING_FOREVER}, timeout=60, sleep=5, sleep_max=20)
    with pytest.raises(SdmWaitTimeout) as caught:
        waiter.wait(['ID5'])
    assert clock.sleeps == [5, 7.5, 11.25, 16.875, pytest.approx(19.375)]
    assert sum(clock.sleeps) == pytest.approx(60)
    # One poll per round plus the final poll exactly at the deadline.
    polled_at = [when - clock.start for when in source.reads_of('ID5')]
    assert polled_at == pytest.approx([0, 5, 12.5, 23.75, 40.625, 60])
    timeout = caught.value
    assert timeout.polls == 6 and timeout.elapsed == pytest.approx(60)
    assert [task['update_status'] for task in timeout.tasks] == ['InProgress']
    assert 'timed out after 60 seconds' in timeout.message and 'ID5 (status InProgress)' in timeout.message


def test_sleeps_stay_at_the_cap_on_a_long_wait():
    waiter, _source, clock = make_waiter({'ID5': RUNNING_FOREVER}, timeout=100, sleep=10, sleep_max=12)
    with pytest.raises(SdmWaitTimeout):
        waiter.wait(['ID5'])
    assert clock.sleeps[:3] == [10, 12, 12]
    assert max(clock.sleeps) == 12 and sum(clock.sleeps) == pytest.approx(100)


def test_the_wait_ends_at_the_first_poll_that_sees_every_task_finished():
    waiter, source, clock = make_waiter({'ID5': [(0, 'InProgress'), (10, 'Completed')]})
    result = waiter.wait(['ID5'])
    assert result.polls == 3 and result.elapsed == pytest.approx(12.5)
    assert clock.sleeps == [5, 7.5]
    assert result.tasks[0]['succeeded'] is True and result.warnings == []
    assert len(source.reads) == 3


def test_a_task_that_finished_in_failure_is_data_not_an_error():
    waiter, _source, _clock = make_waiter({'ID5': [(0, 'Failed')]})
    result = waiter.wait(['ID5'])
    assert result.polls == 1 and result.tasks[0]['finished'] is True and result.tasks[0]['succeeded'] is False


def test_finished_tasks_are_not_polled_again_and_results_keep_the_order_asked():
    waiter, source, _clock = make_waiter({'ID5': [(0, 'Completed')], 'ID7': [(0, 'Running'), (12, 'Failed')]})
    result = waiter.wait(['ID7', 'ID5', 'ID7'])
    assert [task['task_id'] for task in result.tasks] == ['ID7', 'ID5']
    assert len(source.reads_of('ID5')) == 1 and len(source.reads_of('ID7')) == 3


def test_a_zero_timeout_polls_once():
    waiter, source, clock = make_waiter({'ID5': RUNNING_FOREVER}, timeout=0)
    with pytest.raises(SdmWaitTimeout) as caught:
        waiter.wait(['ID5'])
    assert caught.value.polls == 1 and len(source.reads) == 1 and clock.sleeps == []


def test_a_timeout_reports_every_task_and_names_the_unfinished_ones():
    timelines = dict(('ID%d' % number, [(0, 'Completed')]) for number in range(3))
    timelines.update(dict(('SLOW%d' % number, RUNNING_FOREVER) for number in range(7)))
    waiter, _source, _clock = make_waiter(timelines, timeout=10, max_workers=4)
    with pytest.raises(SdmWaitTimeout) as caught:
        waiter.wait(sorted(timelines))
    assert [task['task_id'] for task in caught.value.tasks] == sorted(timelines)
    assert '7 of 10 route update tasks' in caught.value.message and 'and 2 more' in caught.value.message


def test_polls_run_concurrently_but_bounded():
    timelines = dict(('ID%d' % number, [(0, 'Completed')]) for number in range(20))
    waiter, source, _clock = make_waiter(timelines, max_workers=4, latency=0.02)
    result = waiter.wait(sorted(timelines))
    assert len(result.tasks) == 20 and result.polls == 1
    assert 2 <= source.max_active <= 4


def test_one_worker_polls_one_task_at_a_time():
    timelines = dict(('ID%d' % number, [(0, 'Completed')]) for number in range(5))
    waiter, source, _clock = make_waiter(timelines, max_workers=1, latency=0.005)
    waiter.wait(sorted(timelines))
    assert source.max_active == 1


def test_the_rollback_target_waits_for_the_rollback():
    waiter, _source, _clock = make_waiter(
        {'ID5': [(0, 'Failed')]},
        target='rollback',
        rollback={'ID5': [(0, 'Unknown'), (6, 'InProgress'), (11, 'RolledBack')]},
    )
    result = waiter.wait(['ID5'])
    assert result.polls == 3
    assert result.tasks[0]['rollback_finished'] is True and result.tasks[0]['rollback_succeeded'] is True


def test_a_rollback_timeout_names_the_rollback_status():
    waiter, _source, _clock = make_waiter(
        {'ID5': [(0, 'Failed')]}, target='rollback', timeout=5, rollback={'ID5': [(0, 'InProgress')]}
    )
    with pytest.raises(
        SdmWaitTimeout,
        match=r'waiting for the rollback of 1 of 1 route update task to finish: ID5 \(status InProgress\)',
    ):
        waiter.wait(['ID5'])


def test_a_task_that_vanishes_mid_wait_is_named():
    waiter, source, _clock = make_waiter({'ID5': RUNNING_FOREVER})
    source.failures[('ID5', 3)] = SdmNotFoundError(
        'route update task ID5 not found', 404, '/rest/v1.3/routeSets/routeUpdates/ID5'
    )
    with pytest.raises(SdmNotFoundError) as caught:
        waiter.wait(['ID5'])
    assert 'ID5 vanished while waiting' in caught.value.message and caught.value.status == 404


def test_an_unknown_task_fails_at_once():
    waiter, source, clock = make_waiter({'ID5': RUNNING_FOREVER})
    with pytest.raises(SdmNotFoundError, match='route update task NOPE not found'):
        waiter.wait(['ID5', 'NOPE'])
    assert clock.sleeps == [] and len(source.reads) == 2


def test_a_transient_poll_failure_keeps_the_wait_going():
    waiter, source, _clock = make_waiter({'ID5': [(0, 'InProgress'), (10, 'Completed')]})
    source.failures[('ID5', 2)] = SdmTransportError('GET /x failed: connection refused', transient=True)
    result = waiter.wait(['ID5'])
    assert result.tasks[0]['succeeded'] is True and result.polls == 3
    assert result.warnings == ['polling task ID5 failed, tried again later: GET /x failed: connection refused']


def test_a_permanent_poll_failure_ends_the_wait():
    waiter, source, _clock = make_waiter({'ID5': RUNNING_FOREVER})
    source.failures[('ID5', 2)] = SdmAuthError('login refused', 401)
    with pytest.raises(SdmAuthError, match='login refused'):
        waiter.wait(['ID5'])


def test_a_task_never_read_because_of_transient_failures_raises_the_failure_at_the_deadline():
    waiter, source, _clock = make_waiter({'ID5': RUNNING_FOREVER}, timeout=10)
    for poll_number in range(1, 10):
        source.failures[('ID5', poll_number)] = SdmTransportError('GET /x failed: no answer', transient=True)
    with pytest.raises(SdmTransportError, match='no answer'):
        waiter.wait(['ID5'])


def test_a_failed_final_poll_still_times_out_with_the_last_states():
    waiter, source, _clock = make_waiter({'ID5': RUNNING_FOREVER}, timeout=10, sleep=5, sleep_max=5)
    source.failures[('ID5', 3)] = SdmTransportError('GET /x failed: no answer', transient=True)
    with pytest.raises(SdmWaitTimeout) as caught:
        waiter.wait(['ID5'])
    assert 'the last poll failed: GET /x failed: no answer' in caught.value.message
    assert caught.value.tasks[0]['update_status'] == 'InProgress'


def test_retries_may_use_the_wait_deadline_or_at_least_the_grace():
    waiter, source, _clock = make_waiter({'ID5': RUNNING_FOREVER}, timeout=30, sleep=10, sleep_max=10, retry_grace=4)
    with pytest.raises(SdmWaitTimeout):
        waiter.wait(['ID5'])
    # Polls at 0, 10, 20 and 30 seconds: the wait's remaining time, then the grace at the deadline.
    assert source.retry_windows == [30, 20, 10, 4]


def test_a_single_read_still_gets_the_retry_grace():
    waiter, source, _clock = make_waiter({'ID5': [(0, 'Completed')]}, timeout=0)
    assert waiter.wait(['ID5']).polls == 1
    assert source.retry_windows == [10]


def test_warnings_about_unknown_words_are_reported_once():
    waiter, _source, _clock = make_waiter({'ID5': [(0, 'Mystery'), (11, 'Completed')]})
    result = waiter.wait(['ID5'])
    assert result.polls == 3
    assert len(result.warnings) == 1 and "unknown update status 'Mystery'" in result.warnings[0]


@pytest.mark.parametrize(
    'kwargs, message',
    [
        ({'target': 'commit'}, 'update or rollback'),
        ({'timeout': -1}, r'^timeout must not be negative, got -1$'),
        ({'sleep': 0}, r'^sleep must be greater than 0, got 0$'),
        ({'sleep': 10, 'sleep_max': 5}, r'^sleep_max \(5\) must not be smaller than sleep \(10\)$'),
        ({'max_workers': 0}, 'between 1 and 8'),
        ({'max_workers': 9}, 'between 1 and 8'),
        ({'retry_grace': -1}, 'retry_grace must not be negative'),
    ],
)
def test_invalid_settings_are_input_errors(kwargs, message):
    settings = dict(timeout=60, sleep=5, sleep_max=20)
    settings.update(kwargs)
    with pytest.raises(SdmInputError, match=message):
        PollWait(FakeTaskSource(FakeClock(), {}), MATCHER, **settings)


@pytest.mark.parametrize(
    'task_ids, message',
    [
        ([], 'non-empty list'),
        ('ID5', 'non-empty list'),
        (None, 'non-empty list'),
        (['ID5', {'id': 'ID7'}], 'must be a string, got dict'),
    ],
)
def test_task_ids_must_be_a_non_empty_list_of_strings(task_ids, message):
    waiter, source, _clock = make_waiter({'ID5': RUNNING_FOREVER})
    with pytest.raises(SdmInputError, match=message):
        waiter.wait(task_ids)
    assert source.reads == []

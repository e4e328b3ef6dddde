# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The loop of the action route_update_wait (`SlicedWait`) with a fake clock, a fake module runner and a list of
lines instead of the screen: the slices, the follow-up, what is shown, and a wait of 10,000 slices."""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Callable, Dict, List, Optional

import pytest

from ansible_collections.ocsdm.route_manager.plugins.plugin_utils._sliced_wait import ActionDone, SlicedWait, SliceRead
from ansible_collections.ocsdm.route_manager.plugins.module_utils._outcome import COMMIT_UNKNOWN, ERROR, TIMED_OUT
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import FAILED, SUCCEEDED
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_options import WaitOptions
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_record import (
    ACTION_PENDING,
    ACTION_UNKNOWN,
    PHASE_READ,
    PHASE_ROLLBACK,
    PHASE_UPDATE,
    SENT,
    WOULD_SEND,
    ActionRecord,
    committed_after,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import FakeClock
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.test_outcome import (
    FAILED_TASK,
    ROLLED_BACK,
    RUNNING,
    device,
    sdm_task,
)

DONE = sdm_task()
# Each module run starts this long after it is asked for: the slice schedule must not drift by it.
MODULE_START = 0.3


def stack_depth() -> int:
    frame, depth = sys._getframe(), 0  # pylint: disable=protected-access
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    return depth


class FakeModules:
    """Runs "route_update_info" and "route_update_action" on a fake clock: each slice waits its seconds (or less,
    when the task changes within them) and returns the task as the script says it is then."""

    def __init__(
        self,
        clock: FakeClock,
        script: Callable[[float], Dict[str, Any]],
        fail_at: Optional[int] = None,
        action_task: Optional[Dict[str, Any]] = None,
        action_result: str = SENT,
    ) -> None:
        self.clock = clock
        self.script = script  # seconds since the start -> the task then
        self.start = clock.monotonic()
        self.fail_at = fail_at
        self.action_task = action_task
        self.action_result = action_result
        self.slices: List[Any] = []
        self.actions: List[str] = []
        self.depths: List[int] = []

    def now(self) -> float:
        return self.clock.monotonic() - self.start

    def read(self, phase: str, seconds: float) -> SliceRead:
        self.depths.append(stack_depth())
        self.slices.append((phase, round(self.now(), 3), round(seconds, 3)))
        if self.fail_at is not None and len(self.slices) == self.fail_at:
            return SliceRead(error='Cannot reach SDM at sdm:8443: connection refused.', status=None)
        self.clock.advance(MODULE_START)
        key = 'rollback_finished' if phase == PHASE_ROLLBACK else 'finished'
        polls, end = 1, self.clock.monotonic() + max(0.0, seconds - MODULE_START)
        task = self.script(self.now())
        while phase != PHASE_READ and not task.get(key) and self.clock.monotonic() < end:
            self.clock.advance(min(1.0, end - self.clock.monotonic()))
            polls += 1
            task = self.script(self.now())
        return SliceRead(task=task, polls=polls)

    def act(self, action: str) -> ActionDone:
        self.actions.append(action)
        self.clock.advance(0.2)
        record = ActionRecord(
            action,
            self.action_result,
            self.action_result in (SENT, WOULD_SEND),
            action == 'commit' and self.action_result == SENT,
            'SDM accepted the %s of route update task ID33.' % action.capitalize(),
            0.2,
        )
        return ActionDone(record, self.action_task)


def finishing_at(seconds: float) -> Callable[[float], Dict[str, Any]]:
    """The script of a task that runs until ``seconds`` after the start, then is done."""
    return lambda now: DONE if now >= seconds else RUNNING


def run(modules: FakeModules, clock: FakeClock, **kwargs: Any):
    kwargs.setdefault('task_id', 'ID33')
    lines: List[str] = []
    wait = SlicedWait(
        WaitOptions(**kwargs), StateMatcher(), read=modules.read, act=modules.act, show=lines.append, clock=clock
    )
    outcome, timing = wait.run()
    return outcome, timing, wait.record, lines


def test_a_wait_of_ten_thousand_slices_runs_in_a_loop_at_a_constant_stack_depth():
    clock = FakeClock()
    modules = FakeModules(clock, finishing_at(9999.1))
    outcome, timing, record, lines = run(modules, clock, timeout=20000, progress_interval=1, poll_interval=1)
    assert outcome.result == SUCCEEDED
    assert record.slices == len(modules.slices) == 10000
    assert len(lines) == 9999  # a progress line after every slice but the one that saw the end
    assert lines[0] == 'ID33: InProgress, 1 of 2 devices updated, 1 s elapsed (limit 20000 s).'
    assert min(modules.depths) == max(modules.depths)
    assert timing.elapsed == 9999


def test_slices_end_on_the_progress_marks_and_each_one_is_followed_by_a_progress_line():
    clock = FakeClock()
    modules = FakeModules(clock, finishing_at(130))
    outcome, _timing, record, lines = run(modules, clock, progress_interval=60)
    assert [(phase, start) for phase, start, _seconds in modules.slices] == [
        (PHASE_UPDATE, 0.0),
        (PHASE_UPDATE, 60.0),
        (PHASE_UPDATE, 120.0),
    ]
    assert [seconds for _phase, _start, seconds in modules.slices] == [60.0, 60.0, 60.0]
    assert lines == [
        'ID33: InProgress, 1 of 2 devices updated, 60 s elapsed (limit 1800 s).',
        'ID33: InProgress, 1 of 2 devices updated, 120 s elapsed (limit 1800 s).',
    ]
    assert (
        outcome.message
        == 'Route update task ID33 succeeded: Completed, 2 of 2 devices updated in 130 s (3 SDM logins).'
    )
    assert record.polls == 61 + 61 + 11  # the polls of every slice add up (the fake reads once a second)


def test_the_limit_ends_the_last_slice_and_the_wait_times_out():
    clock = FakeClock()
    modules = FakeModules(clock, lambda now: RUNNING)
    outcome, timing, record, lines = run(modules, clock, timeout=150, progress_interval=60)
    assert [seconds for _phase, _start, seconds in modules.slices] == [60.0, 60.0, 30.0]
    assert outcome.result == TIMED_OUT and timing.elapsed == 150
    assert len(lines) == 3 and lines[-1].endswith('150 s elapsed (limit 150 s).')


def test_a_failed_read_ends_the_wait_with_the_last_status_seen():
    clock = FakeClock()
    modules = FakeModules(clock, lambda now: RUNNING, fail_at=2)
    outcome, _timing, record, _lines = run(modules, clock, progress_interval=60)
    assert outcome.result == ERROR
    assert outcome.message == (
        'Could not read route update task ID33 from SDM (call 2, 60 s after the start): Cannot reach SDM at '
        'sdm:8443: connection refused. Last status seen: InProgress, 1 of 2 devices updated.'
    )
    assert record.slices == 1 and modules.actions == []


def test_the_policy_read_comes_first_and_a_mismatch_stops_before_waiting():
    clock = FakeClock()
    modules = FakeModules(clock, lambda now: sdm_task('InProgress', [device('D1', 'G1', 'InProgress')], policy='abort'))
    outcome, _timing, record, lines = run(modules, clock, expect_error_handling='rollback')
    assert modules.slices == [(PHASE_READ, 0.0, 0.0)]
    assert lines == ['ID33: InProgress, 0 of 1 devices updated, error handling abort.']
    assert outcome.result == 'check_failed' and record.slices == 1


def test_a_task_finished_at_the_policy_read_takes_no_more_slices():
    clock = FakeClock()
    modules = FakeModules(clock, lambda now: DONE)
    outcome, _timing, record, _lines = run(modules, clock, expect_error_handling='rollback')
    assert [phase for phase, _start, _seconds in modules.slices] == [PHASE_READ]
    assert outcome.result == SUCCEEDED and record.slices == 1


def test_a_success_is_committed():
    clock = FakeClock()
    modules = FakeModules(clock, finishing_at(5))
    outcome, _timing, record, _lines = run(modules, clock, commit_on_success=True)
    assert modules.actions == ['commit']
    assert outcome.result == SUCCEEDED and record.committed


def test_a_success_whose_check_failed_is_not_committed():
    clock = FakeClock()
    rolled = sdm_task(rollback='Completed', rollback_count=2)
    modules = FakeModules(clock, lambda now: rolled)
    outcome, _timing, _record, _lines = run(modules, clock, commit_on_success=True, expect_no_rollback_on_success=True)
    assert modules.actions == []
    assert outcome.result == 'check_failed'


def test_a_failure_is_rolled_back_and_the_rollback_waited_for_in_its_own_phase():
    clock = FakeClock()
    modules = FakeModules(clock, lambda now: FAILED_TASK if now < 100 else ROLLED_BACK, action_task=FAILED_TASK)
    outcome, _timing, record, lines = run(
        modules,
        clock,
        rollback_on_failure=True,
        rollback_timeout=600,
        progress_interval=60,
        expect_rollback_status='Completed',
        expect_devices_rolled_back=True,
    )
    assert modules.actions == ['rollback']
    assert [phase for phase, _start, _seconds in modules.slices] == [PHASE_UPDATE, PHASE_ROLLBACK, PHASE_ROLLBACK]
    assert lines == [
        'ID33 rollback: Unknown, rollback count 0, 0 of 2 updated devices rolled back, 60 s elapsed (limit 600 s).'
    ]
    assert outcome.result == FAILED and outcome.problems == []
    assert outcome.message.endswith(
        'The role started the rollback. Rollback succeeded: rollback status Completed, rollback count 2, '
        '2 of 2 updated devices rolled back. Rollback checks passed.'
    )
    assert record.logins == 4


@pytest.mark.parametrize('result', [FAILED, WOULD_SEND])
def test_a_rollback_that_was_not_started_is_not_waited_for(result):
    clock = FakeClock()
    modules = FakeModules(clock, lambda now: FAILED_TASK, action_result=result)
    outcome, _timing, _record, _lines = run(modules, clock, rollback_on_failure=True, check_mode=result == WOULD_SEND)
    assert [phase for phase, _start, _seconds in modules.slices] == [PHASE_UPDATE]
    assert outcome.result == FAILED


def test_check_mode_says_so_first():
    clock = FakeClock()
    modules = FakeModules(clock, lambda now: DONE)
    _outcome, _timing, _record, lines = run(modules, clock, check_mode=True)
    assert lines[0].startswith('Check mode: route_update_wait only reads route update task ID33 from SDM')


def test_report_times_are_utc_whatever_the_local_time_zone(monkeypatch):
    monkeypatch.setenv('TZ', 'Asia/Kolkata')
    time.tzset()
    try:
        clock = FakeClock(wall=1700000000.4)  # 2023-11-14T22:13:20Z
        modules = FakeModules(clock, finishing_at(61))
        _outcome, timing, _record, _lines = run(modules, clock)
        assert timing.as_dict() == {
            'started': '2023-11-14T22:13:20Z',
            'ended': '2023-11-14T22:14:21Z',
            'elapsed_seconds': 61,
        }
    finally:
        monkeypatch.delenv('TZ')
        time.tzset()
    assert os.environ.get('TZ') is None


# Issue 22: a transient fault at a slice boundary, and an action SDM accepted that could not be read after ----------


class FlakyModules(FakeModules):
    """Slices ``flaky`` (1-based) fail as a busy SDM does (transient); actions end as ``fate`` says."""

    def __init__(self, clock: FakeClock, script: Any, flaky: List[int], fate: Optional[str] = None, **kwargs: Any):
        super().__init__(clock, script, **kwargs)
        self.flaky = flaky
        self.fate = fate

    def read(self, phase: str, seconds: float) -> SliceRead:
        if len(self.slices) + 1 in self.flaky:
            self.slices.append((phase, round(self.now(), 3), round(seconds, 3)))
            self.clock.advance(3)  # the module's own retries
            return SliceRead(error='SDM sdm:8443 is unavailable: it did not answer.', status=503, transient=True)
        return super().read(phase, seconds)

    def act(self, action: str) -> ActionDone:
        done = super().act(action)
        if self.fate is not None:
            done.record = ActionRecord(
                action, self.fate, True, committed_after(action, self.fate, False), 'SDM sdm:8443 is unavailable', 0.2
            )
        return done


def test_a_transient_fault_at_a_slice_boundary_is_tried_again_within_the_limit():
    clock = FakeClock()
    modules = FlakyModules(clock, finishing_at(200), flaky=[2, 3])
    outcome, _timing, record, lines = run(modules, clock, progress_interval=60, poll_interval=5)
    assert outcome.result == SUCCEEDED and record.error is None
    assert sum('trying again' in line for line in lines) == 2
    assert all(line.startswith('Route update task ID33: SDM could not be read for now') for line in lines[1:3])


def test_a_transient_fault_that_outlasts_the_limit_ends_the_wait_as_an_error():
    clock = FakeClock()
    modules = FlakyModules(clock, lambda now: RUNNING, flaky=list(range(2, 1000)))
    outcome, timing, _record, _lines = run(modules, clock, progress_interval=60, poll_interval=5, timeout=120)
    # no slice starts with less than SHORTEST_SLICE left; the last one may take its own retries (3 s here)
    assert outcome.result == ERROR and timing.elapsed <= 120 + 3


def test_an_accepted_commit_that_could_not_be_read_after_is_pending_never_failed():
    clock = FakeClock()
    modules = FlakyModules(clock, finishing_at(5), flaky=[], fate=ACTION_PENDING)
    outcome, _timing, record, _lines = run(modules, clock, commit_on_success=True)
    assert outcome.result == SUCCEEDED and record.committed is True
    assert 'Commit sent and accepted by SDM; confirmation pending' in outcome.message
    assert 'FAILED' not in outcome.message and 'locked' not in outcome.message


def test_a_commit_whose_outcome_is_unknown_says_so_and_claims_nothing():
    clock = FakeClock()
    modules = FlakyModules(clock, finishing_at(5), flaky=[], fate=ACTION_UNKNOWN)
    outcome, _timing, record, _lines = run(modules, clock, commit_on_success=True)
    assert outcome.result == COMMIT_UNKNOWN and record.committed is None
    assert 'its outcome is unknown' in outcome.message and 'Running the role again is safe' in outcome.message


@pytest.mark.parametrize('fate', [ACTION_PENDING, ACTION_UNKNOWN])
def test_a_rollback_sdm_may_have_taken_is_waited_for_and_checked(fate):
    clock = FakeClock()
    modules = FlakyModules(
        clock, lambda now: FAILED_TASK if now < 100 else ROLLED_BACK, flaky=[3], fate=fate, action_task=FAILED_TASK
    )
    outcome, _timing, _record, _lines = run(
        modules, clock, rollback_on_failure=True, rollback_timeout=600, expect_rollback_status='Completed'
    )
    assert [phase for phase, _start, _seconds in modules.slices][:2] == [PHASE_UPDATE, PHASE_ROLLBACK]
    assert outcome.result == FAILED and outcome.problems == []
    assert 'could not start the rollback' not in outcome.message
    assert 'Rollback succeeded' in outcome.message and 'Rollback checks passed.' in outcome.message

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The wait of the action ``ocsdm.route_manager.route_update_wait``, without Ansible: `SlicedWait` reads each phase
(update, rollback) in slices, one run of ``route_update_info`` each, then does the follow-up.

The action plugin gives it a slice reader (a run of ``route_update_info``), an actor (a run of
``route_update_action``) and a screen; the tests give it fakes and a fake clock. Every decision is asked of
``module_utils/_outcome.py``, every line worded by ``module_utils/_wording.py``. (Within a slice, the module polls
with `_poll_wait.PollWait`.)
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from ansible_collections.ocsdm.route_manager.plugins.module_utils._clock import Clock
from ansible_collections.ocsdm.route_manager.plugins.module_utils._estimate import (
    Estimator,
    aimed_read,
    growing_reads,
    sliced_reads,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._outcome import (
    Outcome,
    decide_outcome,
    failure_problems,
    follow_up,
    may_wait_for_rollback,
    next_slice,
    phase_done,
    policy_problem,
    success_problems,
    update_end,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._sdm_api import COMMIT, ROLLBACK
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import FAILED, SUCCEEDED, StateMatcher
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_options import WaitOptions
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_record import (
    PHASE_READ,
    PHASE_ROLLBACK,
    PHASE_UPDATE,
    ActionRecord,
    ReadError,
    Timing,
    WaitRecord,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wording import (
    check_mode_notice,
    progress_line,
    retry_line,
)

# A slice with less than this left of its phase is not worth a login.
SHORTEST_SLICE = 0.5


@dataclass
class SliceRead:
    """What one read slice brought: the task (``None`` after an error), its reads, or why it failed."""

    task: Optional[Dict[str, Any]] = None
    polls: int = 0
    error: Optional[str] = None
    status: Optional[int] = None
    transient: bool = False  # the error may pass (SDM busy, unavailable, unreachable): worth another slice


@dataclass
class ActionDone:
    """A commit or rollback the wait tried, and the task as the module read it afterwards (if it did)."""

    record: ActionRecord
    task: Optional[Dict[str, Any]] = None


@dataclass
class SlicedWait:
    """One wait from the first read to the outcome: the phases, their slices and the follow-up.

    ``read(phase, seconds)`` runs one slice, ``act(action)`` one commit or rollback, ``show(line)`` shows a line.
    A loop, not recursion: it runs for days at no more cost per slice than at the start.
    """

    options: WaitOptions
    matcher: StateMatcher
    read: Callable[[str, float], SliceRead]
    act: Callable[[str], ActionDone]
    show: Callable[[str], None]
    clock: Clock = field(default_factory=Clock)
    record: WaitRecord = field(default_factory=WaitRecord)
    # the end of the update predicted from the slices' reads: progress lines, slices aimed at it (issue 26)
    estimator: Estimator = field(default_factory=Estimator)
    aim: bool = True  # off: slices end on the progress marks only (benchmarks compare both)

    def run(self) -> Tuple[Outcome, Timing]:
        started_wall = datetime.datetime.fromtimestamp(self.clock.time(), datetime.timezone.utc)
        self._started = self.clock.monotonic()
        if self.options.check_mode:
            self.show(check_mode_notice(self.options))
        ended, problems = self._wait()
        elapsed = self.clock.monotonic() - self._started
        outcome = decide_outcome(self.options, self.record, ended, problems, self.matcher, int(elapsed))
        return outcome, Timing.of(started_wall, elapsed)

    def _wait(self) -> Tuple[str, List[str]]:
        """How the update ended, and the problems its follow-up found."""
        if self.options.checks_error_handling and not self._check_policy():
            return update_end(self.record), []
        self._phase(PHASE_UPDATE, self._started, self.options.timeout)
        ended = update_end(self.record)
        plan = follow_up(self.options, ended)
        if ended == SUCCEEDED:
            problems = success_problems(self.options, self.record.task, self.matcher) if plan.check_success else []
            if plan.commit and not problems:
                self._act(COMMIT)
            return ended, problems
        if ended != FAILED:
            return ended, []
        if plan.start_rollback:
            self._act(ROLLBACK)
        waits = may_wait_for_rollback(plan, self.record.action(ROLLBACK))
        if waits:
            self._phase(PHASE_ROLLBACK, self.clock.monotonic(), self.options.rollback_timeout)
        if self.record.error is not None or not plan.check_rollback:
            return ended, []
        return ended, failure_problems(self.options, self.record, waits, self.matcher)

    def _check_policy(self) -> bool:
        """One read before waiting; false when it failed or the error handling policy is not the one expected."""
        if not self._slice(PHASE_READ, 0, self._started, self.options.timeout):
            return False
        self.show(progress_line(PHASE_READ, self.options.task_id, self.record.task, 0, 0, self.matcher))
        self.record.policy_problem = policy_problem(self.options, self.record.task)
        return self.record.policy_problem is None

    def _phase(self, phase: str, started: float, limit: int) -> None:
        """Slices until the phase is done, a read fails, or its limit has passed; a progress line after each
        slice that ends with the phase still running."""
        self._phase_polls = self.record.polls
        while not phase_done(phase, self.record.task):
            elapsed = self.clock.monotonic() - started
            seconds = next_slice(elapsed, limit, self.options.progress_interval, self._aim(phase, started))
            if not self._slice(phase, seconds, started, limit):
                return
            if phase_done(phase, self.record.task):
                return
            now = self.clock.monotonic()
            shown_elapsed, shown_limit = (
                (now - self._started, self.options.timeout) if phase == PHASE_UPDATE else (now - started, limit)
            )
            self.show(
                progress_line(
                    phase,
                    self.options.task_id,
                    self.record.task,
                    shown_elapsed,
                    shown_limit,
                    self.matcher,
                    self._left(phase, now),
                )
            )
            if limit - (now - started) < SHORTEST_SLICE:
                return

    def _left(self, phase: str, now: float) -> Optional[str]:
        """``about 2 min left`` when the update's reads so far predict its end."""
        estimate = self.estimator.estimate(now) if phase == PHASE_UPDATE else None
        return None if estimate is None else estimate.text(now)

    def _aim(self, phase: str, started: float) -> Optional[float]:
        """When, counted from the phase's start, a slice should end to see the update's predicted end; None without
        an estimate, or when the extra slice would make more reads than slices on the progress marks alone."""
        now = self.clock.monotonic()
        estimate = self.estimator.estimate(now) if phase == PHASE_UPDATE and self.aim else None
        if estimate is None:
            return None
        aim = aimed_read(estimate, self.options.poll_interval) - started
        first, longest = self.options.poll_interval, self.options.sleep_max
        reads = self.record.polls - self._phase_polls + growing_reads(aim - (now - started), first, longest)
        return aim if reads <= sliced_reads(aim, self.options.progress_interval, first, longest) else None

    def _slice(self, phase: str, seconds: float, started: float, limit: float) -> bool:
        """One read slice; false (with the error recorded) when it failed.

        A slice that failed for a transient reason (SDM busy, unavailable, unreachable, also at a slice boundary) is
        tried again, with a line on the screen, as long as the phase's limit leaves time for it."""
        result = self.read(phase, seconds)
        while result.task is None and result.transient:
            left = limit - (self.clock.monotonic() - started)
            if left < SHORTEST_SLICE:
                break
            self.show(retry_line(self.options.task_id, result.error, left))
            self.clock.sleep(min(self.options.poll_interval, left))
            elapsed = self.clock.monotonic() - started
            result = self.read(
                phase, 0 if phase == PHASE_READ else next_slice(elapsed, limit, self.options.progress_interval)
            )
        if result.task is None:
            self.record.error = ReadError(
                result.error or 'the module returned no task and no message',
                result.status,
                phase,
                self.record.slices + 1,
                int(self.clock.monotonic() - self._started),
            )
            return False
        self.record.task = result.task
        if phase != PHASE_ROLLBACK:
            self.estimator.read_task(self.clock.monotonic(), result.task)
        self.record.slices += 1
        self.record.polls += result.polls
        return True

    def _act(self, action: str) -> None:
        done = self.act(action)
        self.record.actions.append(done.record)
        if done.task is not None and action == ROLLBACK:
            # the module read the task after the rollback: its rollback status is where the wait goes on
            self.record.task = done.task

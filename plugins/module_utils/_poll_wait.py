# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The wait of one module run: `PollWait` polls route update tasks in rounds until they have finished.

(The action ``route_update_wait`` runs such waits in slices: `plugin_utils/_sliced_wait.py`; the event source polls
in rounds that never end: `_event_poller.py`.) Each round polls every task that has not finished yet, concurrently (bounded) on the one client
session. Between rounds it sleeps, starting at ``sleep`` and growing by `_estimate.GROWTH` up to
``sleep_max``; when the reads so far predict the end of every task (`_estimate`), a sleep that would
pass the predicted end ends there instead (never below ``sleep``), and once a prediction has passed the
sleeps start over from ``sleep``. The last sleep is trimmed to the deadline and one final round polls at
the deadline. A poll that fails for a transient reason (after the client's own retries) does not end
the wait: the task keeps its last state and the next round tries again.

The client retries a transient fault within the wait's deadline, but never within less than
``retry_grace`` seconds: the final poll at the deadline, and a wait with ``timeout=0`` (a single
read), may still retry a lost connection or a busy answer.
"""

from __future__ import annotations

from concurrent.futures import CancelledError, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from ._clock import Clock, Deadline
from ._estimate import Estimate, Estimator, SleepSchedule, latest_end
from ._errors import SdmError, SdmInputError, SdmNotFoundError, SdmWaitTimeout
from ._warnings import Warnings
from ._states import StateMatcher
from ._text import plural, seconds_text

TARGETS = ('update', 'rollback')
# Concurrent reads of one round: what a round over 100 tasks with a slow SDM needs (benchmarks/many_tasks.py).
MAX_WORKERS = 8
DEFAULT_RETRY_GRACE = 10.0

_TaskState = Dict[str, Any]
_PollOutcome = Union[Tuple[_TaskState, List[str]], SdmError]


@dataclass
class WaitResult:
    """Final state of every task, in the order asked, and how the wait went."""

    tasks: List[_TaskState]
    polls: int
    elapsed: float
    warnings: List[str] = field(default_factory=list)


class PollWait:
    """Polls tasks through an `SdmClient`, in rounds, until all are finished or ``timeout`` seconds have passed."""

    def __init__(
        self,
        client: Any,
        matcher: StateMatcher,
        timeout: float,
        sleep: float,
        sleep_max: float,
        target: str = 'update',
        clock: Optional[Clock] = None,
        max_workers: int = 8,
        retry_grace: float = DEFAULT_RETRY_GRACE,
        aim: bool = True,
    ) -> None:
        if target not in TARGETS:
            raise SdmInputError('the wait target must be update or rollback, got %r' % (target,))
        check_wait_settings(timeout, sleep, sleep_max)
        if not 1 <= max_workers <= MAX_WORKERS:
            raise SdmInputError('max_workers must be between 1 and %d' % MAX_WORKERS)
        if retry_grace < 0:
            raise SdmInputError('retry_grace must not be negative')
        self.client = client
        self.matcher = matcher
        self.timeout = float(timeout)
        self.sleep = float(sleep)
        self.sleep_max = float(sleep_max)
        self.target = target
        self.clock = clock or getattr(client, 'clock', None) or Clock()
        self.max_workers = min(max_workers, getattr(client, 'max_concurrency', max_workers))
        self.retry_grace = float(retry_grace)
        self.finished_key = 'finished' if target == 'update' else 'rollback_finished'
        # aim the sleeps at the predicted end (issue 26); off: the growing schedule alone (benchmarks compare both)
        self.aim = aim and target == 'update'

    def wait(self, task_ids: Sequence[str]) -> WaitResult:
        """Wait for ``task_ids`` (repeats ignored); raises `SdmWaitTimeout` with the last states at the deadline."""
        ids = unique(task_ids)
        deadline = Deadline(self.clock, self.timeout)
        workers = min(self.max_workers, len(ids))
        executor = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None
        try:
            return _PollRounds(self, ids, deadline, executor).run()
        finally:
            if executor is not None:
                executor.shutdown(wait=True)


def check_wait_settings(
    timeout: Optional[float],
    sleep: Optional[float],
    sleep_max: Optional[float],
    names: Tuple[str, str, str] = ('timeout', 'sleep', 'sleep_max'),
) -> None:
    """Raise `SdmInputError` for settings a wait cannot run with; ``names`` are the options as the caller calls them."""
    if timeout is None or timeout < 0:
        raise SdmInputError('%s must not be negative, got %s' % (names[0], timeout))
    if sleep is None or not sleep > 0:
        raise SdmInputError('%s must be greater than 0, got %s' % (names[1], sleep))
    if sleep_max is None or sleep_max < sleep:
        raise SdmInputError('%s (%s) must not be smaller than %s (%s)' % (names[2], sleep_max, names[1], sleep))


def unique(task_ids: Sequence[str]) -> List[str]:
    """The task ids without repeats, in their first order."""
    if isinstance(task_ids, (str, bytes)) or not task_ids:
        raise SdmInputError('give the task ids to wait for as a non-empty list')
    ids: List[str] = []
    seen = set()
    for task_id in task_ids:
        if not isinstance(task_id, str):
            raise SdmInputError('a task id must be a string, got %s' % type(task_id).__name__)
        if task_id not in seen:
            seen.add(task_id)
            ids.append(task_id)
    return ids


class _PollRounds:
    """The rounds of one call to `PollWait.wait`, and what they saw."""

    def __init__(
        self, wait: PollWait, ids: List[str], deadline: Deadline, executor: Optional[ThreadPoolExecutor]
    ) -> None:
        self.wait = wait
        self.ids = ids
        self.deadline = deadline
        self.executor = executor
        self.latest: Dict[str, _TaskState] = {}
        self.warnings = Warnings()
        self.polls = 0
        self.last_failure: Optional[SdmError] = None
        self.estimators = dict((task_id, Estimator()) for task_id in ids)

    def run(self) -> WaitResult:
        schedule = SleepSchedule(self.wait.sleep, self.wait.sleep_max)
        while True:
            self._poll_round()
            unfinished = self._unfinished()
            if not unfinished:
                return WaitResult(
                    [self.latest[task_id] for task_id in self.ids], self.polls, self.deadline.elapsed(), self.warnings
                )
            remaining = self.deadline.remaining()
            if remaining <= 0:
                raise self._timeout()
            now = self.wait.clock.monotonic()
            self.wait.clock.sleep(min(schedule.next_sleep(now, self._estimate(unfinished, now)), remaining))

    def _estimate(self, unfinished: List[str], now: float) -> Optional[Estimate]:
        """The predicted end of the wait (every unfinished task's), from the reads so far; None without one."""
        if not self.wait.aim:
            return None
        return latest_end(
            [
                self.estimators[task_id].read_task(now, self.latest[task_id]) if task_id in self.latest else None
                for task_id in unfinished
            ]
        )

    def _unfinished(self) -> List[str]:
        key = self.wait.finished_key
        return [task_id for task_id in self.ids if not self.latest.get(task_id, {}).get(key)]

    def _poll_round(self) -> None:
        pending = self._unfinished()
        self.polls += 1
        self.last_failure = None
        for task_id, outcome in zip(pending, self._poll_all(pending, self._retry_deadline())):
            if isinstance(outcome, SdmError):
                self._on_failure(task_id, outcome)
            else:
                task, warnings = outcome
                self.latest[task_id] = task
                self.warnings.add(*warnings)

    def _retry_deadline(self) -> Deadline:
        if self.deadline.remaining() >= self.wait.retry_grace:
            return self.deadline
        return Deadline(self.wait.clock, self.wait.retry_grace)

    def _poll_all(self, pending: List[str], retry_deadline: Deadline) -> List[_PollOutcome]:
        outcomes = read_tasks(self.wait.client, self.wait.matcher, pending, retry_deadline, self.executor)
        return [outcome for outcome in outcomes if outcome is not None]

    def _on_failure(self, task_id: str, error: SdmError) -> None:
        if isinstance(error, SdmNotFoundError) and task_id in self.latest:
            raise error.vanished(task_id)
        if not error.transient:
            raise error
        # A busy or restarting SDM: keep the last state and try again next round.
        self.last_failure = error
        self.warnings.add('polling task %s failed, tried again later: %s' % (task_id, error.message))

    def _timeout(self) -> SdmError:
        unseen = [task_id for task_id in self.ids if task_id not in self.latest]
        if unseen and self.last_failure is not None:
            # Nothing to report for these tasks: the reason is the transport failure itself.
            return self.last_failure
        unfinished = self._unfinished()
        described = ', '.join('%s (%s)' % (task_id, self._status_of(task_id)) for task_id in unfinished[:5])
        more = ' and %d more' % (len(unfinished) - 5) if len(unfinished) > 5 else ''
        message = 'timed out after %s seconds waiting for the %s of %d of %d route update task%s to finish: %s%s' % (
            seconds_text(self.wait.timeout),
            self.wait.target,
            len(unfinished),
            len(self.ids),
            plural(len(self.ids)),
            described,
            more,
        )
        if self.last_failure is not None:
            message += '; the last poll failed: %s' % self.last_failure.message
        return SdmWaitTimeout(
            message, [self.latest[task_id] for task_id in self.ids], self.polls, self.deadline.elapsed(), self.warnings
        )

    def _status_of(self, task_id: str) -> str:
        key = 'update_status' if self.wait.target == 'update' else 'rollback_status'
        status = self.latest[task_id].get(key)
        return 'status %s' % status if status not in (None, '') else 'no status'


def read_tasks(
    client: Any,
    matcher: StateMatcher,
    task_ids: Sequence[str],
    deadline: Deadline,
    executor: Optional[ThreadPoolExecutor] = None,
    stopping: Optional[Callable[[], bool]] = None,
) -> List[Optional[_PollOutcome]]:
    """Each task's state with its warnings, or the `SdmError` its read ended with, in the order of ``task_ids``.

    Concurrent on ``executor`` (bounded by its workers) when there is more than one task. A read not started because
    ``stopping()`` became true is ``None`` (the event source stops between reads).
    """
    if executor is None or len(task_ids) < 2:
        return [_read_one(client, matcher, task_id, deadline, stopping) for task_id in task_ids]
    futures = [executor.submit(_read_one, client, matcher, task_id, deadline, stopping) for task_id in task_ids]
    outcomes: List[Optional[_PollOutcome]] = []
    for future in futures:
        try:
            outcomes.append(future.result())
        except CancelledError:
            outcomes.append(None)
    return outcomes


def _read_one(
    client: Any, matcher: StateMatcher, task_id: str, deadline: Deadline, stopping: Optional[Callable[[], bool]]
) -> Optional[_PollOutcome]:
    """A task's state, or the `SdmError` that the read ended with (kept so no worker result is lost)."""
    if stopping is not None and stopping():
        return None
    try:
        return client.read_task(task_id, matcher, deadline)
    except SdmError as exc:
        return exc

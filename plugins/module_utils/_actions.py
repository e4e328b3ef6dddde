# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Commit, Rollback and Cancel of a route update task, made idempotent.

SDM keeps the devices of a task locked until someone commits or rolls it back. SDM itself refuses an
action that is already done, so repeating a playbook would fail; here the task is read first and
`decide_action` tells whether the action is still needed, already done (``changed`` false), or impossible in
the task's state (an error before anything is sent, where SDM would refuse it too).

`ActionRunner` does the requests around the decision on one client session: the read, the POST, and
the optional wait for the action's result. An action is sent at most once per run: when its answer is
lost, the runner looks for the action's effect on the task until a deadline instead of sending it again.
A task SDM does not know is an error (a typo must not look like a commit), except right after this
run's own Commit: SDM forgets a committed task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._clock import Clock, Deadline
from ._errors import (
    SdmActionConflictError,
    SdmError,
    SdmInputError,
    SdmNotFoundError,
    SdmOutcomeUnknownError,
    SdmUnconfirmedError,
    SdmWaitTimeout,
)
from ._estimate import GROWTH
from ._poll_wait import PollWait
from ._sdm_api import ACTIONS, CANCEL, COMMIT, ROLLBACK
from ._warnings import Warnings
from ._states import FAILED, NONE, NOT_STARTED, RUNNING, SUCCEEDED, UNCLEAR, StateMatcher, normalise_state
from ._text import capitalised, seconds_text, sentences, word_text
from ._verdict import rollback_verdict

# Where a task's rollback stands: the rollback verdict of the state model (`NONE`, `RUNNING`, `UNCLEAR`), with
# succeeded and failed taken together as finished.
ROLLBACK_FINISHED = 'finished'
# Update words after which an update is no longer running.
_UPDATE_OVER = (SUCCEEDED, FAILED)

_Task = Dict[str, Any]


@dataclass(frozen=True)
class ActionDecision:
    """Whether to send the action; when not, ``reason`` says why it is already done."""

    send: bool
    reason: str = ''
    committed: bool = False  # the task is known to be committed (commit only)


@dataclass(frozen=True)
class WaitSettings:
    """How long to wait for an action's result, and how often to look (seconds)."""

    timeout: float
    sleep: float
    sleep_max: float


# How long and how often to look for the effect of an action whose answer was lost, when the caller says
# nothing (the modules' defaults of wait_timeout, wait_sleep and wait_sleep_max).
DEFAULT_CONFIRM = WaitSettings(600, 5, 30)


@dataclass
class ActionOutcome:
    """What a run did: ``task`` is the last state read (``None`` once a committed task is gone)."""

    changed: bool
    task: Optional[_Task]
    message: str
    committed: bool = False
    warnings: List[str] = field(default_factory=list)


def parse_action(value: Any) -> str:
    """``commit``, ``rollback`` or ``cancel`` from any letter case (SDM spells them ``Commit``...)."""
    action = value.strip().lower() if isinstance(value, str) else None
    if action not in ACTIONS:
        raise SdmInputError('action must be one of %s (in any letter case), got %r' % (', '.join(ACTIONS), value))
    return action


def rollback_phase(task: _Task, matcher: StateMatcher) -> str:
    """`NONE`, `RUNNING`, `ROLLBACK_FINISHED`, or `UNCLEAR` for a word nobody knows."""
    verdict = rollback_verdict(task, matcher)
    return ROLLBACK_FINISHED if verdict in (SUCCEEDED, FAILED) else verdict


def decide_action(
    action: str, task_id: str, task: Optional[_Task], matcher: StateMatcher, is_pending: Callable[[], bool]
) -> ActionDecision:
    """Whether ``action`` must be sent for ``task``; raises `SdmActionConflictError`, or `SdmNotFoundError` for
    ``None`` (SDM answered 404: for a commit too, since a typo must not pass for a task committed earlier).

    ``is_pending`` tells whether the task is still in the pending list; it is only called when that
    decides the answer (a committed task may stay readable, with its final status). A status word that
    nobody knows never blocks an action: SDM decides, and its refusal is reported.
    """
    if task is None:
        raise SdmNotFoundError.for_task(task_id)
    if action == COMMIT:
        return _decide_commit(task, matcher, is_pending)
    if action == ROLLBACK:
        return _decide_rollback(task, matcher, is_pending)
    if action == CANCEL:
        return _decide_cancel(task, matcher)
    raise SdmInputError('unknown action %r' % (action,))


def _decide_commit(task: _Task, matcher: StateMatcher, is_pending: Callable[[], bool]) -> ActionDecision:
    _refuse_while_updating(task, matcher, COMMIT, 'SDM commits a task only after its update has finished')
    phase = rollback_phase(task, matcher)
    if phase == ROLLBACK_FINISHED:
        raise _conflict(
            task,
            COMMIT,
            'it was rolled back (rollback status %s), and SDM does not commit a rolled-back task'
            % word_text(task['rollback_status']),
        )
    if phase == RUNNING:
        raise _conflict(task, COMMIT, 'its rollback is running', running=('rollback status', task['rollback_status']))
    if not is_pending():
        return ActionDecision(
            False,
            'route update task %s is already committed: it is no longer in the pending list' % task['task_id'],
            committed=True,
        )
    return ActionDecision(True)


def _decide_rollback(task: _Task, matcher: StateMatcher, is_pending: Callable[[], bool]) -> ActionDecision:
    phase = rollback_phase(task, matcher)
    if phase == ROLLBACK_FINISHED:
        return ActionDecision(
            False,
            'route update task %s is already rolled back (rollback status %s)'
            % (task['task_id'], word_text(task['rollback_status'])),
        )
    if phase == RUNNING:
        return ActionDecision(
            False,
            'the rollback of route update task %s is already running (rollback status %s)'
            % (task['task_id'], word_text(task['rollback_status'])),
        )
    _refuse_while_updating(
        task,
        matcher,
        ROLLBACK,
        'SDM rolls back only a finished update. Wait for it to finish, or stop it with action=cancel',
    )
    if phase == NONE and not is_pending():
        # Readable, never rolled back, yet no longer pending: it was committed.
        raise _conflict(task, ROLLBACK, 'it is no longer in the pending list, so it was committed')
    return ActionDecision(True)


def _decide_cancel(task: _Task, matcher: StateMatcher) -> ActionDecision:
    if matcher.update_word(task['update_status']) not in _UPDATE_OVER:
        return ActionDecision(True)
    if matcher.is_cancelled(task['update_status']):
        return ActionDecision(
            False,
            'route update task %s is already cancelled (update status %s)'
            % (task['task_id'], word_text(task['update_status'])),
        )
    # A finished update has nothing left to stop; SDM would refuse the Cancel.
    return ActionDecision(
        False,
        'route update task %s has already finished (update status %s): there is nothing to cancel'
        % (task['task_id'], word_text(task['update_status'])),
    )


def _refuse_while_updating(task: _Task, matcher: StateMatcher, action: str, why: str) -> None:
    if matcher.update_word(task['update_status']) in (RUNNING, NOT_STARTED):
        raise _conflict(
            task, action, 'its update is still running', running=('update status', task['update_status']), why=why
        )


def _conflict(
    task: _Task, action: str, state: str, running: Optional[Tuple[str, Any]] = None, why: Optional[str] = None
) -> SdmActionConflictError:
    """The error of an action that ``state`` does not allow; ``running`` is the running phase's label and word."""
    label, word = running if running is not None else (None, None)
    return SdmActionConflictError(
        task['task_id'], action, state, word_text(word) if running is not None else None, label, why
    )


class ActionRunner:
    """Reads a task, decides, sends the action unless it is done, and waits for its result.

    The action is sent at most once. After a failure, `sent` tells whether it may have reached SDM and
    `last_task` holds the last state read, so the caller can report both. `accepted` is true once SDM
    answered the action with 2xx, `confirmed` once the effect of an action whose answer was lost showed.
    """

    def __init__(self, client: Any, matcher: StateMatcher, clock: Optional[Clock] = None) -> None:
        self.client = client
        self.matcher = matcher
        self.clock = clock or getattr(client, 'clock', None) or Clock()
        self.sent = False
        self.accepted = False
        self.confirmed = False
        self.last_task: Optional[_Task] = None
        self.warnings = Warnings()
        self._effect_deadline: Optional[Deadline] = None
        self._confirm = DEFAULT_CONFIRM

    def run(
        self,
        task_id: str,
        action: str,
        check_mode: bool = False,
        wait: Optional[WaitSettings] = None,
        confirm: Optional[WaitSettings] = None,
    ) -> ActionOutcome:
        """One action on one task; ``wait`` (ignored in check mode) waits for its result.

        ``confirm`` says how long and how often to look for the action's effect when its answer is lost
        (default: ``wait``, else `DEFAULT_CONFIRM`); with ``wait`` the wait for the result shares that deadline.
        """
        self._confirm = confirm or wait or DEFAULT_CONFIRM
        decision = self._decide(task_id, action)
        if not decision.send:
            task = self._settle(task_id, action, None if check_mode else wait)
            return self._outcome(False, task, sentences(capitalised(decision.reason)), decision.committed)
        word = ACTIONS[action]
        if check_mode:
            return self._outcome(
                True,
                self.last_task,
                'Check mode: the %s of route update task %s would be sent.' % (word, task_id),
                False,
            )
        self._send(task_id, action, self._confirm)
        try:
            task = self._settle(task_id, action, wait)
        except SdmError as error:
            if self.accepted or self.confirmed:
                # What is known stays known: a read that fails after SDM took the action never makes it "failed".
                error.with_note(
                    'SDM %s the %s of route update task %s before that, so its confirmation is pending'
                    % ('accepted' if self.accepted else 'showed the effect of', word, task_id)
                )
            raise
        if self.accepted:
            message = 'SDM accepted the %s of route update task %s.' % (word, task_id)
        else:
            message = 'The %s of route update task %s took effect, although its answer was lost.' % (word, task_id)
        return self._outcome(True, task, message, action == COMMIT)

    def _outcome(self, changed: bool, task: Optional[_Task], message: str, committed: bool) -> ActionOutcome:
        return ActionOutcome(changed, task, message, committed, list(self.warnings))

    # Reading and deciding ------------------------------------------------------------------------

    def _decide(self, task_id: str, action: str) -> ActionDecision:
        try:
            self.last_task = self._read(task_id, action)
        except SdmNotFoundError as missing:
            # Named as what it is for the user: nothing happened. A commit ends here too (see decide_action).
            missing.with_note('the %s was not sent' % ACTIONS[action])
            raise
        return decide_action(
            action, task_id, self.last_task, self.matcher, lambda: task_id in self.client.list_pending_task_ids()
        )

    def _read(self, task_id: str, action: str) -> Optional[_Task]:
        """The task; ``None`` when SDM answers 404 right after this run's own Commit (SDM forgets committed tasks)."""
        try:
            return self.client.get_task(task_id, self.matcher)
        except SdmNotFoundError:
            if action == COMMIT and (self.accepted or self.confirmed):
                return None
            raise

    # Sending -------------------------------------------------------------------------------------

    def _send(self, task_id: str, action: str, confirm: WaitSettings) -> None:
        """POST the action, once. When its answer is lost, look for its effect instead of sending it again."""
        try:
            self.client.send_action(task_id, ACTIONS[action])
        except SdmUnconfirmedError as lost:
            self.sent = True
            self._look_for_effect(task_id, action, lost.cause, confirm)
            return
        self.sent = self.accepted = True

    def _look_for_effect(self, task_id: str, action: str, lost: SdmError, confirm: WaitSettings) -> None:
        """Read the task until the action's effect shows (a warning) or ``confirm.timeout`` passes (`SdmOutcomeUnknownError`)."""
        before = self.last_task or {}
        deadline = self._effect_deadline = Deadline(self.clock, confirm.timeout)
        interval = confirm.sleep
        while True:
            try:
                shown, seen = self._effect(task_id, action, before)
            except SdmError as error:
                shown, seen = False, 'the last read failed: %s' % error.message
                if not error.transient:
                    raise self._outcome_unknown(task_id, action, lost, seen, confirm.timeout) from error
            if shown:
                self.confirmed = True
                self.warnings.add(
                    'the answer to the %s of route update task %s was lost (%s), but the task shows that it took effect: %s. '
                    'The %s was not sent again' % (ACTIONS[action], task_id, lost.message, seen, ACTIONS[action])
                )
                return
            remaining = deadline.remaining()
            if remaining <= 0:
                raise self._outcome_unknown(task_id, action, lost, seen, confirm.timeout)
            self.clock.sleep(min(interval, remaining))
            interval = min(interval * GROWTH, confirm.sleep_max)

    def _effect(self, task_id: str, action: str, before: _Task) -> Tuple[bool, str]:
        """Whether the action shows on the task, and what was seen."""
        if action == COMMIT:
            if task_id in self.client.list_pending_task_ids():
                return False, 'it was still in the pending list'
            return True, 'it is no longer in the pending list'
        task = self.last_task = self.client.get_task(task_id, self.matcher)
        if action == ROLLBACK:
            word = task.get('rollback_status')
            phase = rollback_phase(task, self.matcher)
            moved = phase in (RUNNING, ROLLBACK_FINISHED) or (
                phase == UNCLEAR and normalise_state(word) != normalise_state(before.get('rollback_status'))
            )
            return moved, 'rollback status %s' % word_text(word)
        word = task.get('update_status')
        kind = self.matcher.update_word(word)
        stopped = kind in _UPDATE_OVER or (
            kind == UNCLEAR and normalise_state(word) != normalise_state(before.get('update_status'))
        )
        return stopped, 'update status %s' % word_text(word)

    def _outcome_unknown(
        self, task_id: str, action: str, lost: SdmError, seen: str, timeout: float
    ) -> SdmOutcomeUnknownError:
        word = ACTIONS[action]
        again = (
            'Running the module again is safe: it reads the task first and sends the %s only if it is still needed'
            % word
        )
        if action == COMMIT:
            again += ' (if SDM commits it meanwhile and forgets it, that run reports the task as not found)'
        return SdmOutcomeUnknownError(
            'the outcome of the %s of route update task %s is unknown: its answer was lost (%s), and within %s seconds the task did '
            'not show that it took effect (last seen: %s). The %s was not sent again. %s'
            % (word, task_id, lost.message, seconds_text(timeout), seen, word, again),
            lost,
            seen,
        )

    # Waiting -------------------------------------------------------------------------------------

    def _settle(self, task_id: str, action: str, wait: Optional[WaitSettings]) -> Optional[_Task]:
        """The task after the action (read again once it was sent) or, with ``wait``, once its result shows."""
        if wait is None:
            return self._read_after_sending(task_id, action, self._confirm) if self.sent else self.last_task
        if self._effect_deadline is not None:
            # The time spent looking for the effect of a lost answer counts against the same wait_timeout.
            wait = WaitSettings(self._effect_deadline.remaining(), wait.sleep, wait.sleep_max)
        if action == COMMIT:
            if not self.sent:
                return self.last_task  # already committed: nothing left to wait for
            self._wait_released(task_id, wait)
            return self._read_after_sending(task_id, action, wait)
        key, target = ('rollback_finished', 'rollback') if action == ROLLBACK else ('finished', 'update')
        if not self.sent and self.last_task is not None and self.last_task.get(key):
            return self.last_task
        poll_wait = PollWait(
            self.client,
            self.matcher,
            timeout=wait.timeout,
            sleep=wait.sleep,
            sleep_max=wait.sleep_max,
            target=target,
            clock=self.clock,
        )
        try:
            result = poll_wait.wait([task_id])
        except SdmWaitTimeout as timeout:
            self.last_task = timeout.tasks[0] if timeout.tasks else self.last_task
            raise
        for message in result.warnings:
            self.warnings.add(message)
        self.last_task = result.tasks[0]
        return self.last_task

    def _read_after_sending(self, task_id: str, action: str, settings: WaitSettings) -> Optional[_Task]:
        """The task read after the action was sent: a transient fault is retried until the deadline, as `PollWait` does."""
        deadline = self._effect_deadline or Deadline(self.clock, settings.timeout)
        interval = settings.sleep
        while True:
            try:
                return self._read(task_id, action)
            except SdmError as error:
                remaining = deadline.remaining()
                if not error.transient or remaining <= 0:
                    raise
            self.clock.sleep(min(interval, remaining))
            interval = min(interval * GROWTH, settings.sleep_max)

    def _wait_released(self, task_id: str, wait: WaitSettings) -> None:
        """Wait until a committed task has left the pending list: SDM has released its devices.

        A read that fails for a transient reason is looked past until the deadline, as `PollWait` does."""
        deadline = Deadline(self.clock, wait.timeout)
        interval = wait.sleep
        polls = 0
        failure = ''
        while True:
            polls += 1
            try:
                if task_id not in self.client.list_pending_task_ids():
                    return
                failure = ''
            except SdmError as error:
                if not error.transient:
                    raise
                failure = ' (the last read failed: %s)' % error.message
            remaining = deadline.remaining()
            if remaining <= 0:
                raise SdmWaitTimeout(
                    'timed out after %s seconds waiting for route update task %s to leave the pending list after its Commit%s'
                    % (seconds_text(wait.timeout), task_id, failure),
                    [self.last_task] if self.last_task else [],
                    polls,
                    deadline.elapsed(),
                    self.warnings,
                )
            self.clock.sleep(min(interval, remaining))
            interval = min(interval * GROWTH, wait.sleep_max)

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The decisions of a route update wait: what to do after the update, how it ended, and what to say.

Pure functions over plain data, no Ansible and no I/O, so each decision is tested table by table. The
action plugin ``ocsdm.route_manager.route_update_wait`` does the reading and acting (`WaitRecord` is its
log of what it saw and did) and asks this module at each step. State words come from the one
`StateMatcher` that the modules use. The change report built from the outcome is in `_change_report`.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ._sdm_api import task_path
from ._errors import SdmInputError, capitalised
from ._fate import ACTION_UNKNOWN, COMMIT_UNKNOWN, FATE_SENTENCES
from ._states import NONE, StateMatcher, normalise_state
from ._states import SUCCEEDED as SUCCESS_WORD
from ._states import UNCLEAR as UNKNOWN_WORD
from ._text import count_text, short_text, show
from ._verdict import (
    describe_words,
    devices_with_rollback,
    evidence_gaps,
    identity,
    not_rolled_back,
    position_in,
    unidentified_updates,
    updated_devices,
)

# The outcomes, one per way a wait can end.
SUCCEEDED = 'succeeded'
FAILED = 'failed'
TIMED_OUT = 'timed_out'
CHECK_FAILED = 'check_failed'
COMMIT_FAILED = 'commit_failed'
ERROR = 'error'
UNCLEAR = 'unclear'  # the update finished, but SDM's answer shows neither success nor failure
RESULTS = (SUCCEEDED, FAILED, UNCLEAR, TIMED_OUT, CHECK_FAILED, COMMIT_FAILED, COMMIT_UNKNOWN, ERROR)

# How the update itself ended, before any commit or rollback.
UPDATE_SUCCEEDED = 'succeeded'
UPDATE_FAILED = 'failed'
UPDATE_UNCLEAR = 'unclear'
UPDATE_RUNNING = 'running'  # the limit passed first
UPDATE_ERROR = 'error'  # SDM could not be read

# What came of a commit or rollback the wait tried (`ActionRecord.result`).
SENT = 'sent'
ALREADY_DONE = 'already_done'
WOULD_SEND = 'would_send'  # check mode
ACTION_FAILED = 'failed'

# The phases of a wait, each read in slices.
PHASE_READ = 'read'  # one read, before waiting, for the error handling check
PHASE_UPDATE = 'update'
PHASE_ROLLBACK = 'rollback'

NAME = 'ocsdm.route_manager.route_update_wait'
TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'

_Task = Dict[str, Any]


@dataclass(frozen=True)
class WaitOptions:
    """What the caller asked for. ``variable_prefix`` is how messages name the options (the role's variables)."""

    task_id: str
    timeout: int = 1800
    progress_interval: int = 60
    poll_interval: float = 5.0
    poll_interval_max: float = 30.0
    failed_devices_shown: int = 10
    expect_error_handling: Optional[str] = None
    rollback_wait: bool = False
    rollback_timeout: int = 600
    expect_rollback_status: Optional[str] = None
    expect_rollback_count: Optional[int] = None
    expect_devices_rolled_back: bool = False
    expect_no_rollback_on_success: bool = False
    commit_on_success: bool = False
    commit_timeout: int = 60
    rollback_on_failure: bool = False
    report_dir: Optional[str] = None
    report_name: Optional[str] = None
    check_mode: bool = False
    variable_prefix: str = ''

    def name(self, option: str) -> str:
        return self.variable_prefix + option

    @property
    def sleep_max(self) -> float:
        """The longest sleep between reads: never shorter than the first."""
        return max(self.poll_interval, self.poll_interval_max)

    @property
    def checks_error_handling(self) -> bool:
        return _is_set(self.expect_error_handling)

    @property
    def checks_rollback_status(self) -> bool:
        return _is_set(self.expect_rollback_status)

    @property
    def checks_rollback_count(self) -> bool:
        return self.expect_rollback_count is not None

    @property
    def rollback_checks_on(self) -> bool:
        """Some check of the rollback after a failed update is on (the message then says whether they passed)."""
        return (
            self.rollback_wait
            or self.rollback_on_failure
            or self.checks_rollback_status
            or self.checks_rollback_count
            or self.expect_devices_rolled_back
        )

    @property
    def writes_report(self) -> bool:
        return _is_set(self.report_dir)


def _is_set(value: Any) -> bool:
    return value not in (None, '')


def option_problems(options: WaitOptions) -> List[str]:
    """Values that types alone do not rule out, one sentence each; empty when every value can be used."""
    problems = []
    task_problem = _task_id_problem(options)
    if task_problem:
        problems.append(task_problem)
    for option in ('timeout', 'progress_interval', 'rollback_timeout', 'commit_timeout'):
        if getattr(options, option) < 1:
            problems.append('%s must be at least 1, got %s' % (options.name(option), getattr(options, option)))
    for option in ('poll_interval', 'poll_interval_max'):
        if not getattr(options, option) > 0:
            problems.append('%s must be greater than 0, got %s' % (options.name(option), getattr(options, option)))
    if options.failed_devices_shown < 0:
        problems.append(
            '%s must not be negative, got %s' % (options.name('failed_devices_shown'), options.failed_devices_shown)
        )
    if options.expect_rollback_count is not None and options.expect_rollback_count < 0:
        problems.append(
            '%s must not be negative, got %s' % (options.name('expect_rollback_count'), options.expect_rollback_count)
        )
    return problems


def _task_id_problem(options: WaitOptions) -> Optional[str]:
    if not options.task_id.strip():
        return '%s must not be empty' % options.name('task_id')
    try:
        task_path(options.task_id)
    except SdmInputError as err:
        return '%s is not usable: %s' % (options.name('task_id'), err.message)
    return None


def input_message(problems: List[str]) -> str:
    return 'Invalid input to %s: %s.' % (NAME, '; '.join(problems))


# --- what was seen and done --------------------------------------------------------------------------


@dataclass
class ActionRecord:
    """A commit or rollback the wait tried, and what came of it."""

    action: str
    result: str
    changed: bool
    committed: Optional[bool]  # None: a Commit whose outcome is unknown (see _fate)
    message: str
    elapsed: Optional[float] = None

    def as_dict(self) -> Dict[str, Any]:
        return dict(
            action=self.action,
            result=self.result,
            changed=self.changed,
            committed=self.committed,
            message=self.message,
            elapsed=self.elapsed,
        )


@dataclass(frozen=True)
class ReadError:
    """A read of the task that failed: the module's message and HTTP status, where and when it happened."""

    message: str
    status: Optional[int]
    phase: str
    call: int
    elapsed: int


@dataclass
class WaitRecord:
    """Everything the wait saw and did so far; `task` is the last state read (empty before the first read)."""

    task: _Task = field(default_factory=dict)
    slices: int = 0
    polls: int = 0
    actions: List[ActionRecord] = field(default_factory=list)
    error: Optional[ReadError] = None
    policy_problem: Optional[str] = None
    sessions: Optional[int] = None  # SDM sessions counted by a wait on one session (see plugin_utils/_session_runner)

    @property
    def logins(self) -> int:
        """SDM sessions of the run: as counted on one session, else one per slice that read the task and per action."""
        if self.sessions is not None:
            return self.sessions
        return self.slices + len(self.actions)

    def action(self, name: str) -> Optional[ActionRecord]:
        return next((record for record in self.actions if record.action == name), None)

    @property
    def committed(self) -> Optional[bool]:
        """Whether the task is committed as far as known; ``None`` after a Commit whose outcome is unknown."""
        commits = [record.committed for record in self.actions if record.action == 'commit']
        if any(commits):
            return True
        return None if None in commits else False


# --- the decisions on the way ------------------------------------------------------------------------


def policy_problem(options: WaitOptions, task: _Task) -> Optional[str]:
    """Why the task's error handling policy is not the one expected; ``None`` when it is (or is not checked)."""
    if not options.checks_error_handling:
        return None
    if normalise_state(task.get('error_handling')) == normalise_state(options.expect_error_handling):
        return None
    return 'error handling is %s, expected %s' % (show(task.get('error_handling')), options.expect_error_handling)


def phase_done(phase: str, task: _Task) -> bool:
    """Whether the phase has nothing left to wait for."""
    if phase == PHASE_ROLLBACK:
        return bool(task.get('rollback_finished'))
    return bool(task.get('finished'))


def next_slice(elapsed: float, limit: float, progress_interval: float, aim: Optional[float] = None) -> float:
    """Seconds the next slice may wait: up to the next progress mark counted from the start of the phase
    (a mark less than 1 s away is skipped), or up to the phase limit if that comes first.

    ``aim``: when the read should come that sees the predicted end (issue 26; on the scale of ``elapsed``): a
    slice ends there instead when it comes first and at least 1 s away; its last read is at that moment.
    """
    end = (math.floor(elapsed / progress_interval) + 1) * progress_interval
    if end - elapsed < 1:
        end += progress_interval
    if aim is not None and elapsed + 1 <= aim < end:
        end = aim
    return max(0.0, min(end, limit) - elapsed)


def update_end(record: WaitRecord) -> str:
    """How the update ended, noted before any commit or rollback changes the task."""
    if record.error is not None:
        return UPDATE_ERROR
    if not record.task.get('finished'):
        return UPDATE_RUNNING
    # the verdict of the state model (`_verdict`), as normalisation stored it
    return {SUCCEEDED: UPDATE_SUCCEEDED, UNCLEAR: UPDATE_UNCLEAR}.get(str(record.task.get('verdict')), UPDATE_FAILED)


@dataclass(frozen=True)
class FollowUp:
    """What to do once the update has ended."""

    check_success: bool = False
    commit: bool = False
    start_rollback: bool = False
    wait_for_rollback: bool = False
    check_rollback: bool = False


def follow_up(options: WaitOptions, ended: str) -> FollowUp:
    """The follow-up for how the update ended; the commit still depends on the success checks (`may_commit`)."""
    if ended == UPDATE_SUCCEEDED:
        return FollowUp(check_success=options.expect_no_rollback_on_success, commit=options.commit_on_success)
    if ended == UPDATE_FAILED:
        return FollowUp(
            start_rollback=options.rollback_on_failure,
            wait_for_rollback=options.rollback_wait or options.rollback_on_failure,
            check_rollback=options.rollback_checks_on,
        )
    return FollowUp()


def may_wait_for_rollback(plan: FollowUp, rollback: Optional[ActionRecord]) -> bool:
    """Wait for the rollback unless it could not be started, or was only announced (check mode)."""
    return plan.wait_for_rollback and (rollback is None or rollback.result not in (ACTION_FAILED, WOULD_SEND))


# --- where the rollback stands ----------------------------------------------------------------------


def rollback_state(task: _Task) -> str:
    """The rollback verdict of the state model: none, running, succeeded, failed or unclear (none before any read)."""
    return str(task.get('rollback_verdict') or (NONE if not task else UNKNOWN_WORD))


# --- the checks ----------------------------------------------------------------------------------------


def success_problems(options: WaitOptions, task: _Task, matcher: StateMatcher) -> List[str]:
    """The failed checks after a successful update: with expect_no_rollback_on_success, any sign of a rollback."""
    if not options.expect_no_rollback_on_success:
        return []
    problems = []
    if task.get('rollback_count'):
        problems.append('rollback count is %s, expected 0' % count_text(task.get('rollback_count')))
    if task.get('rollback_finished'):
        problems.append('the task reports a rollback (rollback status %s)' % show(task.get('rollback_status')))
    rolled = devices_with_rollback(task, matcher)
    if rolled:
        shown = [
            '%s (group %s, %s)'
            % (show(d.get('object_id')), show(d.get('device_group_id')), show(d.get('rollback_status')))
            for d in rolled[: options.failed_devices_shown]
        ]
        listing = ', '.join(shown + _more(len(rolled) - len(shown)))
        problems.append('%s report a rollback%s' % (_devices(len(rolled)), ': ' + listing if listing else ''))
    return problems


def failure_problems(
    options: WaitOptions, record: WaitRecord, waited_for_rollback: bool, matcher: StateMatcher
) -> List[str]:
    """The failed rollback checks after a failed update (none when the rollback was only announced in check mode)."""
    rollback = record.action('rollback')
    if rollback is not None and rollback.result == WOULD_SEND:
        return []
    task = record.task
    problems = []
    if rollback is not None and rollback.result == ACTION_FAILED:
        problems.append('the rollback could not be started')
    if waited_for_rollback and not task.get('rollback_finished'):
        problems.append(
            'the rollback did not finish within %s s (rollback status %s%s)'
            % (options.rollback_timeout, show(task.get('rollback_status')), _no_self_rollback(task))
        )
    if options.checks_rollback_status and normalise_state(task.get('rollback_status')) != normalise_state(
        options.expect_rollback_status
    ):
        problems.append(
            'rollback status is %s, expected %s' % (show(task.get('rollback_status')), options.expect_rollback_status)
        )
    if options.checks_rollback_count and task.get('rollback_count') != options.expect_rollback_count:
        problems.append(
            'rollback count is %s, expected %s'
            % (count_text(task.get('rollback_count')), options.expect_rollback_count)
        )
    if options.expect_devices_rolled_back:
        problems.extend(_devices_not_rolled_back(task, matcher))
    return problems


def _devices_not_rolled_back(task: _Task, matcher: StateMatcher) -> List[str]:
    """The check expect_devices_rolled_back: it never passes on no evidence (devices it cannot identify)."""
    problems = unidentified_updates(task, matcher)
    missing = not_rolled_back(task, matcher)
    if missing:
        updated = len(updated_devices(task, matcher))
        problems.append(
            '%d of %d updated device%s report%s no completed rollback'
            % (len(missing), updated, _plural(updated), 's' if len(missing) == 1 else '')
        )
    return problems


def _no_self_rollback(task: _Task) -> str:
    policy = normalise_state(task.get('error_handling'))
    if policy in ('rollback', ''):
        return ''
    return ', error handling %s: SDM does not roll back by itself' % task.get('error_handling')


@dataclass(frozen=True)
class Timing:
    """When the wait started (timezone-aware UTC, whole seconds) and how long it took (monotonic, whole seconds)."""

    started: datetime.datetime
    elapsed: int

    @classmethod
    def of(cls, started: datetime.datetime, elapsed: float) -> 'Timing':
        if started.tzinfo is None:
            raise ValueError('the start of a wait must be timezone-aware')
        # Both cut to whole seconds, never rounded up: the end then never lies after the real end.
        return cls(started.astimezone(datetime.timezone.utc).replace(microsecond=0), int(elapsed))

    @property
    def ended(self) -> datetime.datetime:
        # From the monotonic elapsed time: a clock change during the wait cannot make the end disagree with it.
        return self.started + datetime.timedelta(seconds=self.elapsed)

    def as_dict(self) -> Dict[str, Any]:
        return dict(
            started=self.started.strftime(TIME_FORMAT),
            ended=self.ended.strftime(TIME_FORMAT),
            elapsed_seconds=self.elapsed,
        )


# --- the outcome -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How the wait ended: `result` (one of `RESULTS`), the message for a human, the failed checks."""

    result: str
    message: str
    problems: List[str]
    rollback: str

    @property
    def fails_play(self) -> bool:
        return self.result != SUCCEEDED


def decide(
    options: WaitOptions, record: WaitRecord, ended: str, problems: List[str], matcher: StateMatcher, elapsed: int
) -> Outcome:
    """The outcome of a wait that ended with ``ended`` (`update_end`), after its follow-up found ``problems``.

    ``elapsed`` is the whole wait in seconds, for the messages.
    """
    rollback = rollback_state(record.task)
    if record.policy_problem is not None:
        return Outcome(CHECK_FAILED, policy_message(options, record.task), [record.policy_problem], rollback)
    result = _result(record, ended, problems)
    messages = Messages(options, record, matcher, elapsed)
    if result == ERROR:
        message = messages.error()
    elif result == TIMED_OUT:
        message = messages.timeout()
    elif result == FAILED:
        message = messages.failure(problems)
    elif result == UNCLEAR:
        message = messages.unclear()
    else:
        message = messages.success(problems)
    return Outcome(result, message, list(problems), rollback)


def _result(record: WaitRecord, ended: str, problems: List[str]) -> str:
    if record.error is not None or ended == UPDATE_ERROR:
        return ERROR
    if ended == UPDATE_RUNNING:
        return TIMED_OUT
    if ended == UPDATE_FAILED:
        return FAILED
    if ended == UPDATE_UNCLEAR:
        return UNCLEAR
    if problems:
        return CHECK_FAILED
    commit = record.action('commit')
    if commit is not None and commit.result == ACTION_FAILED:
        return COMMIT_FAILED
    if commit is not None and commit.result == ACTION_UNKNOWN:
        return COMMIT_UNKNOWN
    return SUCCEEDED


# --- messages --------------------------------------------------------------------------------------


def _plural(count: int) -> str:
    return '' if count == 1 else 's'


def _s(count: int) -> str:
    """The verb's s: '1 device reports', '2 devices report'."""
    return 's' if count == 1 else ''


def _devices(count: int) -> str:
    return '%d device%s' % (count, _plural(count))


def _more(count: int) -> List[str]:
    return ['... and %d more' % count] if count > 0 else []


def _clause(text: str) -> str:
    """A quoted message as a clause: trimmed, without its final full stop."""
    text = text.strip()
    return text[:-1] if text.endswith('.') else text


def _sentences(*parts: Optional[str]) -> str:
    """Sentences joined with one space; empty parts left out."""
    return ' '.join(part.strip() for part in parts if part and part.strip())


def counts(task: _Task) -> str:
    """``3 of 10 devices updated``."""
    return '%s of %s devices updated' % (
        count_text(task.get('updated_count')),
        count_text(task.get('total_device_count')),
    )


def device_list(devices: List[_Task], shown: int, describe: Any, task: _Task) -> str:
    """The first ``shown`` devices, ``; ``-separated, then ``... and N more``; one without an object id is named by
    its position in the task's list."""
    named = [describe(device, position_in(task, device)) for device in devices[:shown]]
    return '; '.join(named + _more(len(devices) - min(shown, len(devices))))


def failed_device(device: _Task, position: Optional[int] = None) -> str:
    """A failed device: its id (or its position in SDM's list), its group and why it failed."""
    head = '%s:' % identity(device, position)
    message = short_text(device.get('update_failure_msg'))
    if message:
        return '%s %s' % (head, message)
    status, push = device.get('status'), device.get('push_status')
    if push in (None, '', status):
        return '%s status %s, no failure message' % (head, show(status))
    return '%s status %s, push status %s, no failure message' % (head, show(status), show(push))


def not_rolled_back_device(device: _Task, position: Optional[int] = None) -> str:
    """An updated device without a completed rollback."""
    text = '%s: rollback status %s' % (identity(device, position), show(device.get('rollback_status')))
    reason = short_text(device.get('rollback_failure_msg'))
    return '%s, %s' % (text, reason) if reason else text


def progress_line(
    phase: str,
    task_id: str,
    task: _Task,
    elapsed: float,
    limit: float,
    matcher: StateMatcher,
    left: Optional[str] = None,
) -> str:
    """The line shown after a slice that ends with the phase still running (after the single read: always).

    ``left``: the estimate of the update's end (``about 2 min left``), shown after the counts when there is one.
    """
    if phase == PHASE_READ:
        return '%s: %s, %s, error handling %s.' % (
            task_id,
            show(task.get('update_status')),
            counts(task),
            show(task.get('error_handling')),
        )
    if phase == PHASE_ROLLBACK:
        updated = len(updated_devices(task, matcher))
        rolled_back = updated - len(not_rolled_back(task, matcher))
        return (
            '%s rollback: %s, rollback count %s, %d of %d updated device%s rolled back, %d s elapsed (limit %d s).'
            % (
                task_id,
                show(task.get('rollback_status')),
                count_text(task.get('rollback_count')),
                rolled_back,
                updated,
                _plural(updated),
                round(elapsed),
                limit,
            )
        )
    failed = task.get('failed_devices') or []
    return '%s: %s, %s%s%s, %d s elapsed (limit %d s).' % (
        task_id,
        show(task.get('update_status')),
        counts(task),
        ', %d failed' % len(failed) if failed else '',
        ', %s' % left if left else '',
        round(elapsed),
        limit,
    )


def policy_message(options: WaitOptions, task: _Task) -> str:
    return (
        'Route update task %s has error handling %s, expected %s (%s); stopped before waiting. Current status: %s, %s.'
        % (
            options.task_id,
            show(task.get('error_handling')),
            options.expect_error_handling,
            options.name('expect_error_handling'),
            show(task.get('update_status')),
            counts(task),
        )
    )


def check_mode_notice(options: WaitOptions) -> str:
    """What a run in check mode does and does not do."""
    acts = options.commit_on_success or options.rollback_on_failure
    sends = ': no commit or rollback is sent, the role says which one it would send' if acts else ''
    writes = ', and no report is written' if options.writes_report else ''
    return (
        'Check mode: route_update_wait only reads route update task %s from SDM, so it reads and waits as in a normal run; '
        'nothing is changed%s%s.' % (options.task_id, sends, writes)
    )


# What the message says of a commit or rollback the wait tried, by its result.
_ACTION_SENTENCES = {
    'commit': {
        SENT: 'Committed: SDM released the devices, and the task left the pending list.',
        ALREADY_DONE: 'No commit sent: {message}.',
        WOULD_SEND: 'Check mode: the role would commit the task now; the Commit was not sent.',
        ACTION_FAILED: 'But the commit FAILED: {message}. SDM keeps the devices locked until the task is committed or rolled back.',
    },
    'rollback': {
        SENT: 'The role started the rollback.',
        ALREADY_DONE: 'No rollback sent: {message}.',
        WOULD_SEND: (
            'Check mode: the role would start the rollback now; it was not sent, so it was not waited for and the rollback '
            'checks were not run.'
        ),
        ACTION_FAILED: 'The role could not start the rollback: {message}.',
    },
}


def _action_sentence(record: Optional[ActionRecord]) -> Optional[str]:
    if record is None:
        return None
    sentences = dict(_ACTION_SENTENCES[record.action], **FATE_SENTENCES[record.action])
    return sentences[record.result].format(message=_clause(record.message))


class Messages:
    """The message of each outcome, one sentence after the other."""

    def __init__(self, options: WaitOptions, record: WaitRecord, matcher: StateMatcher, elapsed: int) -> None:
        self.options = options
        self.record = record
        self.task = record.task
        self.matcher = matcher
        self.elapsed = elapsed

    def _failed_devices(self, verb: str) -> Optional[str]:
        failed = self.task.get('failed_devices') or []
        if not failed:
            return None
        shown = self.options.failed_devices_shown
        listing = ': ' + device_list(failed, shown, failed_device, self.task) if shown > 0 else ''
        return '%s %s%s.' % (_devices(len(failed)), verb, listing)

    def success(self, problems: List[str]) -> str:
        task, options = self.task, self.options
        logins = self.record.logins
        return _sentences(
            '%sRoute update task %s succeeded: %s, %s in %d s (%d SDM login%s).'
            % (
                '(check mode) ' if options.check_mode else '',
                options.task_id,
                show(task.get('update_status')),
                counts(task),
                self.elapsed,
                logins,
                _plural(logins),
            ),
            'Nothing was rolled back.' if options.expect_no_rollback_on_success and not problems else None,
            'But a check failed: %s.' % '; '.join(problems) if problems else None,
            _action_sentence(self.record.action('commit')),
        )

    def failure(self, problems: List[str]) -> str:
        task, options = self.task, self.options
        rollback = self.record.action('rollback')
        predicted = rollback is not None and rollback.result == WOULD_SEND
        return _sentences(
            'Route update task %s FAILED: status %s, %s, error handling %s.'
            % (options.task_id, show(task.get('update_status')), counts(task), show(task.get('error_handling'))),
            self._success_word_but_failed(),
            self._failed_devices('failed') or 'SDM names no failed device.',
            _action_sentence(rollback),
            self.rollback_summary(),
            (
                'Rollback checks FAILED: %s.' % '; '.join(problems)
                if problems
                else 'Rollback checks passed.'
                if options.rollback_checks_on and not predicted
                else None
            ),
            None
            if task.get('rollback_finished')
            else 'SDM keeps the devices locked until the task is rolled back or committed.',
        )

    def unclear(self) -> str:
        """A finished update that shows neither success nor failure: what is missing, and what would classify it."""
        task, options = self.task, self.options
        unclear = task.get('unclear_devices') or []
        gaps = evidence_gaps(task)
        shown = options.failed_devices_shown
        listing = ': ' + device_list(unclear, shown, describe_words, task) if unclear and shown > 0 else ''
        return _sentences(
            'Route update task %s is UNCLEAR: SDM reports %s, %s, but its answer does not show that every device took '
            'the update.' % (options.task_id, show(task.get('update_status')), counts(task)),
            '%s report%s neither success nor failure%s.' % (_devices(len(unclear)), _s(len(unclear)), listing)
            if unclear
            else None,
            capitalised('; '.join(gaps)) + '.' if gaps else None,
            'If these words are final, add them to %s or %s.'
            % (options.name('success_states'), options.name('failure_states'))
            if unclear
            else None,
            'Nothing was committed: %s needs every device to report success.' % options.name('commit_on_success')
            if options.commit_on_success
            else None,
            'No rollback was started: %s acts on a failed update only, and this one is unclear.'
            % options.name('rollback_on_failure')
            if options.rollback_on_failure
            else None,
            'Check the task in SDM; it keeps the devices locked until the task is committed or rolled back.',
        )

    def _success_word_but_failed(self) -> Optional[str]:
        """Why a task whose status is a success word is a failed update."""
        if self.matcher.update_word(self.task.get('update_status')) != SUCCESS_WORD:
            return None
        return 'SDM reports %s, but not every device took the update.' % show(self.task.get('update_status'))

    def rollback_summary(self) -> str:
        """What the rollback did: its state, counts, and the updated devices it did not roll back."""
        task = self.task
        updated = len(updated_devices(task, self.matcher))
        missing = not_rolled_back(task, self.matcher)
        detail = 'rollback status %s, rollback count %s, %d of %d updated device%s rolled back' % (
            show(task.get('rollback_status')),
            count_text(task.get('rollback_count')),
            updated - len(missing),
            updated,
            _plural(updated),
        )
        if task.get('rollback_finished'):
            head = 'Rollback succeeded' if task.get('rollback_succeeded') else 'Rollback FAILED'
        else:
            head = 'No rollback has finished'
        shown = self.options.failed_devices_shown
        listing = (
            ' Not rolled back: %s.' % device_list(missing, shown, not_rolled_back_device, task)
            if missing and shown > 0
            else ''
        )
        return '%s: %s.%s' % (head, detail, listing)

    def timeout(self) -> str:
        task, options = self.task, self.options
        unknown = self.matcher.update_word(task.get('update_status')) == UNKNOWN_WORD
        return _sentences(
            'Timed out after %s s waiting for route update task %s to finish: last status %s, %s.'
            % (options.timeout, options.task_id, show(task.get('update_status')), counts(task)),
            self._failed_devices('failed so far'),
            (
                'The status %s is not a known state word: if it is final, add it to %s or %s.'
                % (show(task.get('update_status')), options.name('success_states'), options.name('failure_states'))
                if unknown
                else 'The task may still be running in SDM; wait again or check it there.'
            ),
        )

    def error(self) -> str:
        error = self.record.error
        task, options = self.task, self.options
        if error is None:  # the update phase ended in an error noted elsewhere; never without one
            raise ValueError('no read error recorded')
        where = '%scall %d, %d s after the start' % (
            'rollback wait, ' if error.phase == PHASE_ROLLBACK else '',
            error.call,
            error.elapsed,
        )
        return _sentences(
            'Could not read route update task %s from SDM (%s): %s.' % (options.task_id, where, _clause(error.message)),
            'Last status seen: %s, %s.' % (show(task.get('update_status')), counts(task))
            if task
            else 'No status had been read yet.',
            (
                'SDM forgets a task once it is committed: if an earlier run committed this task, nothing is left to do; otherwise check '
                'the task id.'
                if options.commit_on_success and error.status == 404
                else None
            ),
        )


def outcome_fact(
    options: WaitOptions, record: WaitRecord, outcome: Outcome, timing: Timing, report: Dict[str, Any]
) -> Dict[str, Any]:
    """The role's fact ``route_update_wait_outcome``: the outcome, its timings and what the wait did."""
    timings = timing.as_dict()
    return dict(
        result=outcome.result,
        task_id=options.task_id,
        update_status=record.task.get('update_status'),
        message=outcome.message,
        problems=list(outcome.problems),
        started=timings['started'],
        ended=timings['ended'],
        elapsed=timing.elapsed,
        slices=record.slices,
        polls=record.polls,
        actions=[action.as_dict() for action in record.actions],
        committed=record.committed,
        rollback=outcome.rollback,
        report=report,
    )

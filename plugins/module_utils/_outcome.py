# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The decisions of a route update wait: what to do after the update, the checks, and how the wait ended.

Pure functions over plain data, no Ansible and no I/O, so each decision is tested table by table. The action's loop
(`plugin_utils/_sliced_wait.py`) does the reading and acting, keeps what it saw and did in a `WaitRecord`
(`_wait_record`), and asks this module at each step; the options and their checks are in `_wait_options`. State
words and verdicts come from the state model (`_states`, `_verdict`) that the modules use. A check words the problem
it finds, in one clause; the messages, progress lines and notices are worded in `_wording`, the change report built
from the outcome in `_change_report`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from ._sdm_api import COMMIT, ROLLBACK
from ._states import FAILED, NONE, RUNNING, SUCCEEDED, UNCLEAR, StateMatcher, normalise_state
from ._text import count_text, plural, show, verb_s
from ._verdict import devices_with_rollback, not_rolled_back, unidentified_updates, updated_devices
from ._wait_options import WaitOptions
from ._wait_record import ACTION_UNKNOWN, PHASE_ROLLBACK, WOULD_SEND, ActionRecord, Timing, WaitRecord
from ._wording import Messages, devices_text, more, policy_message

# The outcomes, one per way a wait can end; besides these, the verdicts `SUCCEEDED`, `FAILED` and `UNCLEAR` of the
# state model (`_states`: unclear means the update finished, but SDM's answer shows neither success nor failure).
TIMED_OUT = 'timed_out'
CHECK_FAILED = 'check_failed'
COMMIT_FAILED = 'commit_failed'
COMMIT_UNKNOWN = 'commit_unknown'  # the commit was sent, and its outcome is unknown (`ACTION_UNKNOWN`)
ERROR = 'error'  # also how the update ended when SDM could not be read (`update_end`)
RESULTS = (SUCCEEDED, FAILED, UNCLEAR, TIMED_OUT, CHECK_FAILED, COMMIT_FAILED, COMMIT_UNKNOWN, ERROR)

_Task = Dict[str, Any]


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
        return ERROR
    if not record.task.get('finished'):
        return RUNNING
    # the verdict of the state model (`_verdict`), as normalisation stored it
    verdict = str(record.task.get('verdict'))
    return verdict if verdict in (SUCCEEDED, UNCLEAR) else FAILED


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
    if ended == SUCCEEDED:
        return FollowUp(check_success=options.expect_no_rollback_on_success, commit=options.commit_on_success)
    if ended == FAILED:
        return FollowUp(
            start_rollback=options.rollback_on_failure,
            wait_for_rollback=options.rollback_wait or options.rollback_on_failure,
            check_rollback=options.rollback_checks_on,
        )
    return FollowUp()


def may_wait_for_rollback(plan: FollowUp, rollback: Optional[ActionRecord]) -> bool:
    """Wait for the rollback unless it could not be started, or was only announced (check mode)."""
    return plan.wait_for_rollback and (rollback is None or rollback.result not in (FAILED, WOULD_SEND))


# --- where the rollback stands ----------------------------------------------------------------------


def rollback_state(task: _Task) -> str:
    """The rollback verdict of the state model: none, running, succeeded, failed or unclear (none before any read)."""
    return str(task.get('rollback_verdict') or (NONE if not task else UNCLEAR))


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
        listing = ', '.join(shown + more(len(rolled) - len(shown)))
        problems.append('%s report a rollback%s' % (devices_text(len(rolled)), ': ' + listing if listing else ''))
    return problems


def failure_problems(
    options: WaitOptions, record: WaitRecord, waited_for_rollback: bool, matcher: StateMatcher
) -> List[str]:
    """The failed rollback checks after a failed update (none when the rollback was only announced in check mode)."""
    rollback = record.action(ROLLBACK)
    if rollback is not None and rollback.result == WOULD_SEND:
        return []
    task = record.task
    problems = []
    if rollback is not None and rollback.result == FAILED:
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
            % (len(missing), updated, plural(updated), verb_s(len(missing)))
        )
    return problems


def _no_self_rollback(task: _Task) -> str:
    policy = normalise_state(task.get('error_handling'))
    if policy in ('rollback', ''):
        return ''
    return ', error handling %s: SDM does not roll back by itself' % task.get('error_handling')


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


def decide_outcome(
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
    if record.error is not None or ended == ERROR:
        return ERROR
    if ended == RUNNING:
        return TIMED_OUT
    if ended in (FAILED, UNCLEAR):
        return ended
    if problems:
        return CHECK_FAILED
    commit = record.action(COMMIT)
    if commit is not None and commit.result == FAILED:
        return COMMIT_FAILED
    if commit is not None and commit.result == ACTION_UNKNOWN:
        return COMMIT_UNKNOWN
    return SUCCEEDED


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

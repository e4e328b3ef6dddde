# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The words of a route update wait, in one place: the message of each outcome, the progress lines, the notices and
warnings, the words of its change report; and the small grammar they share (`devices_text`, `device_list`, `counts`...).

Pure functions over plain data: the options (`_wait_options`), the record of what the wait saw and did
(`_wait_record`) and the task as normalised. What the words say is decided elsewhere (`_outcome`, the state model
in `_states` and `_verdict`; a check words the problem it finds). Values of SDM's answers are shown with
`_text.show`, so any type reads alike; the grammar the errors use too (`sentences`, `plural`...) is in `_text`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ._sdm_api import ACTIONS, COMMIT, ROLLBACK
from ._states import FAILED, SUCCEEDED, UNCLEAR, StateMatcher
from ._text import EMPTY, capitalised, clause, count_text, plural, sentences, short_text, show, verb_s
from ._verdict import describe_words, evidence_gaps, identity, not_rolled_back, position_in, updated_devices
from ._wait_options import WaitOptions
from ._wait_record import ACTION_PENDING, ACTION_UNKNOWN, ALREADY_DONE, SENT, WOULD_SEND, ActionRecord, WaitRecord
from ._wait_record import PHASE_READ, PHASE_ROLLBACK

_Task = Dict[str, Any]


# --- the grammar the messages share (what the errors use too is in `_text`) --------------------------------------


def devices_text(count: int) -> str:
    return '%d device%s' % (count, plural(count))


def more(count: int) -> List[str]:
    return ['... and %d more' % count] if count > 0 else []


def readable(value: Any) -> str:
    """One of the collection's own words (an outcome, a result) for people: ``timed_out`` -> ``timed out``."""
    return str(value).replace('_', ' ') if value not in (None, '') else EMPTY


def rolled_back_text(rolled_back: int, updated: int) -> str:
    """``1 of 2 updated devices rolled back``."""
    return '%d of %d updated device%s rolled back' % (rolled_back, updated, plural(updated))


def rollback_counts(status: str, count: Any, rolled_back: int, updated: int) -> str:
    """``rollback status Completed, rollback count 1, 2 of 2 updated devices rolled back`` (``status`` as shown)."""
    return 'rollback status %s, rollback count %s, %s' % (
        status,
        count_text(count),
        rolled_back_text(rolled_back, updated),
    )


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
    return '; '.join(named + more(len(devices) - min(shown, len(devices))))


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


# --- the wait's lines and messages ------------------------------------------------------------------------


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
        return '%s rollback: %s, rollback count %s, %s, %d s elapsed (limit %d s).' % (
            task_id,
            show(task.get('rollback_status')),
            count_text(task.get('rollback_count')),
            rolled_back_text(rolled_back, updated),
            round(elapsed),
            limit,
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


def retry_line(task_id: str, error: Optional[str], left: float) -> str:
    """The progress line of a read that failed for a transient reason and is tried again within the limit."""
    return 'Route update task %s: SDM could not be read for now (%s); trying again, %d s left.' % (
        task_id,
        (error or 'no message').rstrip('.'),
        int(left),
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


_SAFE_AGAIN = 'Running the role again is safe: it reads the task first and sends the %s only if it is still needed.'

# What the message says of a commit or rollback the wait tried, by its result.
_ACTION_SENTENCES = {
    COMMIT: {
        SENT: 'Committed: SDM released the devices, and the task left the pending list.',
        ALREADY_DONE: 'No commit sent: {message}.',
        WOULD_SEND: 'Check mode: the role would commit the task now; the Commit was not sent.',
        FAILED: 'But the commit FAILED: {message}. SDM keeps the devices locked until the task is committed or rolled back.',
        ACTION_PENDING: (
            'Commit sent and accepted by SDM; confirmation pending: {message}. Check in SDM that the task has left '
            'the pending list. ' + _SAFE_AGAIN % ACTIONS[COMMIT]
        ),
        ACTION_UNKNOWN: 'The Commit was sent, but its outcome is unknown: {message}. ' + _SAFE_AGAIN % ACTIONS[COMMIT],
    },
    ROLLBACK: {
        SENT: 'The role started the rollback.',
        ALREADY_DONE: 'No rollback sent: {message}.',
        WOULD_SEND: (
            'Check mode: the role would start the rollback now; it was not sent, so it was not waited for and the rollback '
            'checks were not run.'
        ),
        FAILED: 'The role could not start the rollback: {message}.',
        ACTION_PENDING: (
            'The role started the rollback: SDM accepted it; reading the task right after failed ({message}), '
            'so the wait went on.'
        ),
        ACTION_UNKNOWN: (
            'The role sent the rollback, but its answer was lost and its effect had not shown when the role looked '
            '({message}); the wait went on. ' + _SAFE_AGAIN % ACTIONS[ROLLBACK]
        ),
    },
}


def _action_sentence(record: Optional[ActionRecord]) -> Optional[str]:
    if record is None:
        return None
    return _ACTION_SENTENCES[record.action][record.result].format(message=clause(record.message))


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
        return '%s %s%s.' % (devices_text(len(failed)), verb, listing)

    def success(self, problems: List[str]) -> str:
        task, options = self.task, self.options
        logins = self.record.logins
        return sentences(
            '%sRoute update task %s succeeded: %s, %s in %d s (%d SDM login%s).'
            % (
                '(check mode) ' if options.check_mode else '',
                options.task_id,
                show(task.get('update_status')),
                counts(task),
                self.elapsed,
                logins,
                plural(logins),
            ),
            'Nothing was rolled back.' if options.expect_no_rollback_on_success and not problems else None,
            'But a check failed: %s.' % '; '.join(problems) if problems else None,
            _action_sentence(self.record.action(COMMIT)),
        )

    def failure(self, problems: List[str]) -> str:
        task, options = self.task, self.options
        rollback = self.record.action(ROLLBACK)
        predicted = rollback is not None and rollback.result == WOULD_SEND
        return sentences(
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
        return sentences(
            'Route update task %s is UNCLEAR: SDM reports %s, %s, but its answer does not show that every device took '
            'the update.' % (options.task_id, show(task.get('update_status')), counts(task)),
            '%s report%s neither success nor failure%s.' % (devices_text(len(unclear)), verb_s(len(unclear)), listing)
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
        if self.matcher.update_word(self.task.get('update_status')) != SUCCEEDED:
            return None
        return 'SDM reports %s, but not every device took the update.' % show(self.task.get('update_status'))

    def rollback_summary(self) -> str:
        """What the rollback did: its state, counts, and the updated devices it did not roll back."""
        task = self.task
        updated = len(updated_devices(task, self.matcher))
        missing = not_rolled_back(task, self.matcher)
        detail = rollback_counts(
            show(task.get('rollback_status')), task.get('rollback_count'), updated - len(missing), updated
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
        unknown = self.matcher.update_word(task.get('update_status')) == UNCLEAR
        return sentences(
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
        return sentences(
            'Could not read route update task %s from SDM (%s): %s.' % (options.task_id, where, clause(error.message)),
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


def report_line(markdown_path: str, json_path: str, written: bool) -> str:
    """The line that says where the change report is (or, in check mode, would be)."""
    if written:
        return 'Change report written: %s and %s' % (markdown_path, json_path)
    return 'Check mode: the change report would be written to %s and %s' % (markdown_path, json_path)


def report_failed(task_id: str, folder: str, error: str, outcome_message: str) -> str:
    """The message of a wait whose change report could not be written: that failure first, then the outcome."""
    return 'Could not write the change report of route update task %s to %s: %s. Outcome of the task: %s' % (
        task_id,
        folder,
        error,
        outcome_message,
    )


# --- what the wait knows of a commit or rollback it sent (`ACTION_PENDING`, `ACTION_UNKNOWN`) --------------------


def fate_warning(action: str, task_id: str, fate: str, message: str) -> str:
    """The warning shown when the wait cannot confirm an action it sent."""
    word = ACTIONS[action]
    if fate == ACTION_PENDING:
        return 'SDM accepted the %s of route update task %s, but it could not be confirmed: %s' % (
            word,
            task_id,
            message,
        )
    return 'the outcome of the %s of route update task %s is unknown (it was sent once and not again): %s' % (
        word,
        task_id,
        message,
    )


def committed_text(committed: Optional[bool], actions: List[Dict[str, Any]]) -> str:
    """The report's "Committed" cell: exactly what is known."""
    commit = next((action for action in actions if action.get('action') == COMMIT), None)
    if committed is None:
        return 'unknown: the Commit was sent, its answer was lost (running the role again is safe)'
    if committed and commit is not None and commit.get('result') == ACTION_PENDING:
        return 'yes: SDM accepted the Commit; confirmation pending'
    return 'yes' if committed else 'no'

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the wait knows of a commit or rollback it sent: accepted and confirmed, confirmation pending, or unknown.

``route_update_action`` tells whether it sent the action, whether SDM accepted it (2xx) and whether the effect of a
lost answer showed (``sent``, ``accepted``, ``confirmed``). A read that fails after SDM accepted an action never
turns it into "failed": the wait says "sent; confirmation pending". An action whose answer was lost and whose effect
did not show is "outcome unknown, safe to re-run". Pure words and functions; `_outcome.py` uses them.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

# Results of an action the wait sent (`ActionRecord.result`), besides those of `_outcome.py`.
ACTION_PENDING = 'pending'  # SDM accepted it (or its effect showed); a read after it failed: confirmation pending
ACTION_UNKNOWN = 'unknown'  # sent, its answer lost, its effect not seen: the outcome is unknown
# The outcome of a wait whose commit was sent with its outcome unknown.
COMMIT_UNKNOWN = 'commit_unknown'

_SAFE_AGAIN = 'Running the role again is safe: it reads the task first and sends the %s only if it is still needed.'

FATE_SENTENCES = {
    'commit': {
        ACTION_PENDING: (
            'Commit sent and accepted by SDM; confirmation pending: {message}. Check in SDM that the task has left '
            'the pending list. ' + _SAFE_AGAIN % 'Commit'
        ),
        ACTION_UNKNOWN: 'The Commit was sent, but its outcome is unknown: {message}. ' + _SAFE_AGAIN % 'Commit',
    },
    'rollback': {
        ACTION_PENDING: (
            'The role started the rollback: SDM accepted it; reading the task right after failed ({message}), '
            'so the wait went on.'
        ),
        ACTION_UNKNOWN: (
            'The role sent the rollback, but its answer was lost and its effect had not shown when the role looked '
            '({message}); the wait went on. ' + _SAFE_AGAIN % 'Rollback'
        ),
    },
}


def fate_of(answer: Dict[str, Any]) -> Optional[str]:
    """`ACTION_PENDING` or `ACTION_UNKNOWN` for a failed run of ``route_update_action`` that sent the action;
    ``None`` when it did not send it (then it failed for real)."""
    if answer.get('accepted') or answer.get('confirmed'):
        return ACTION_PENDING
    if answer.get('sent'):
        return ACTION_UNKNOWN
    return None


def committed_after(action: str, fate: Optional[str], committed: bool) -> Optional[bool]:
    """Whether the task is committed as far as known: ``None`` after a Commit whose outcome is unknown."""
    if action != 'commit':
        return committed
    if fate == ACTION_PENDING:
        return True  # SDM accepted the Commit (or the task left the pending list)
    if fate == ACTION_UNKNOWN:
        return None
    return committed


def fate_warning(action: str, task_id: str, fate: str, message: str) -> str:
    """The warning shown when the wait cannot confirm an action it sent."""
    word = action.capitalize()
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
    commit = next((action for action in actions if action.get('action') == 'commit'), None)
    if committed is None:
        return 'unknown: the Commit was sent, its answer was lost (running the role again is safe)'
    if committed and commit is not None and commit.get('result') == ACTION_PENDING:
        return 'yes: SDM accepted the Commit; confirmation pending'
    return 'yes' if committed else 'no'


def retry_line(task_id: str, error: Optional[str], left: float) -> str:
    """The progress line of a read that failed for a transient reason and is tried again within the limit."""
    return 'Route update task %s: SDM could not be read for now (%s); trying again, %d s left.' % (
        task_id,
        (error or 'no message').rstrip('.'),
        int(left),
    )

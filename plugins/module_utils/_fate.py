# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the wait knows of a commit or rollback it sent: accepted and confirmed, confirmation pending, or unknown.

``route_update_action`` tells whether it sent the action, whether SDM accepted it (2xx) and whether the effect of a
lost answer showed (``sent``, ``accepted``, ``confirmed``). A read that fails after SDM accepted an action never
turns it into "failed": the wait says "sent; confirmation pending". An action whose answer was lost and whose effect
did not show is "outcome unknown, safe to re-run". Pure functions; the sentences that say so are in `_wording`.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ._sdm_api import COMMIT

# Results of an action the wait sent (`ActionRecord.result`), besides those of `_wait_record.py`.
ACTION_PENDING = 'pending'  # SDM accepted it (or its effect showed); a read after it failed: confirmation pending
ACTION_UNKNOWN = 'unknown'  # sent, its answer lost, its effect not seen: the outcome is unknown
# The outcome of a wait whose commit was sent with its outcome unknown.
COMMIT_UNKNOWN = 'commit_unknown'


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
    if action != COMMIT:
        return committed
    if fate == ACTION_PENDING:
        return True  # SDM accepted the Commit (or the task left the pending list)
    if fate == ACTION_UNKNOWN:
        return None
    return committed

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a route update wait saw and did: the phases it reads in, the commits and rollbacks it tried and what is known
of them, the read that failed, and when it ran. The action's loop (`plugin_utils/_sliced_wait.py`) fills a
`WaitRecord`; the decisions (`_outcome`), the wording (`_wording`) and the change report (`_change_report`) read it.
Plain data, no I/O.

What is known of an action the wait sent: ``route_update_action`` tells whether it sent the action, whether SDM
accepted it (2xx) and whether the effect of a lost answer showed (``sent``, ``accepted``, ``confirmed``). A read that
fails after SDM accepted an action never turns it into "failed": it is "sent; confirmation pending"
(`ACTION_PENDING`). An action whose answer was lost and whose effect did not show is "outcome unknown, safe to re-run"
(`ACTION_UNKNOWN`).
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

from ._sdm_api import COMMIT

# The phases of a wait, each read in slices.
PHASE_READ = 'read'  # one read, before waiting, for the error handling check
PHASE_UPDATE = 'update'
PHASE_ROLLBACK = 'rollback'

# What came of a commit or rollback the wait tried (`ActionRecord.result`); besides these, `_states.FAILED` (it could
# not be sent, or SDM refused it).
SENT = 'sent'
ALREADY_DONE = 'already_done'
WOULD_SEND = 'would_send'  # check mode
ACTION_PENDING = 'pending'  # SDM accepted it (or its effect showed); a read after it failed: confirmation pending
ACTION_UNKNOWN = 'unknown'  # sent, its answer lost, its effect not seen: the outcome is unknown

TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'

_Task = Dict[str, Any]


@dataclass
class ActionRecord:
    """A commit or rollback the wait tried, and what came of it."""

    action: str
    result: str
    changed: bool
    committed: Optional[bool]  # None: a Commit whose outcome is unknown (`committed_after`)
    message: str
    elapsed: Optional[float] = None

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


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
        commits = [record.committed for record in self.actions if record.action == COMMIT]
        if any(commits):
            return True
        return None if None in commits else False


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

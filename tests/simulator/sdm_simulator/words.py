# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The status words the simulated server speaks.

SDM documents only a few of its status values, so the words are scriptable: a scenario can make the
server say ``IN_PROGRESS`` or a word no client knows. The timeline works with the internal state
names below; a word is looked up as ``<context>.<state>`` first, then as ``<state>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Mapping

from ._fields import ScenarioError

PENDING = "pending"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
FAILED = "failed"
PARTIALLY_COMPLETED = "partially_completed"
CANCELLED = "cancelled"
ABORTED = "aborted"
UNKNOWN = "unknown"

STATES = (PENDING, IN_PROGRESS, COMPLETED, FAILED, PARTIALLY_COMPLETED, CANCELLED, ABORTED, UNKNOWN)

# Where a word appears: the task's updateStatus and rollbackStatus, a device's status, pushStatus and rollBackStatus.
UPDATE = "update"
ROLLBACK = "rollback"
DEVICE = "device"
PUSH = "push"
DEVICE_ROLLBACK = "device_rollback"
CONTEXTS = (UPDATE, ROLLBACK, DEVICE, PUSH, DEVICE_ROLLBACK)

DEFAULT_WORDS: Dict[str, str] = {
    PENDING: "Pending",
    IN_PROGRESS: "InProgress",
    COMPLETED: "Completed",
    FAILED: "Failed",
    PARTIALLY_COMPLETED: "PartiallyCompleted",
    CANCELLED: "Cancelled",
    ABORTED: "Aborted",
    UNKNOWN: "Unknown",
}


@dataclass(frozen=True)
class StatusWords:
    overrides: Mapping[str, str] = field(default_factory=dict)

    def word(self, context: str, state: str) -> str:
        specific = self.overrides.get(f"{context}.{state}")
        if specific is not None:
            return specific
        return self.overrides.get(state, DEFAULT_WORDS[state])

    def merged(self, more: Mapping[str, str]) -> "StatusWords":
        return StatusWords({**self.overrides, **more})


def check_word_keys(words: Mapping[str, str], where: str) -> Dict[str, str]:
    """Refuse keys that name no state (a typo would otherwise be ignored silently)."""
    for key in words:
        context, state = key.rpartition(".")[::2]
        if state not in STATES or (context and context not in CONTEXTS):
            raise ScenarioError(
                f"{where}.{key}: not a status word key; use a state ({', '.join(STATES)}), "
                f"optionally prefixed by a context ({', '.join(CONTEXTS)}) and a dot"
            )
    return dict(words)

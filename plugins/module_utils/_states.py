# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Status words of route update tasks.

SDM does not document its status values, so the success and failure words are options with
defaults. Words are compared case-insensitively, ignoring spaces, ``_`` and ``-``
(``In Progress``, ``IN_PROGRESS`` and ``in-progress`` are one word).
"""

from __future__ import annotations

import functools
import re
from typing import FrozenSet, Iterable, Optional, Sequence

from ._errors import SdmInputError

SUCCESS = 'success'
FAILURE = 'failure'
RUNNING = 'running'
UNKNOWN = 'unknown'

DEFAULT_SUCCESS_STATES = ('Completed', 'Complete', 'Success', 'Succeeded')
DEFAULT_FAILURE_STATES = (
    'Failed',
    'Failure',
    'PartiallyCompleted',
    'PartiallyFailed',
    'Cancelled',
    'Canceled',
    'Aborted',
    'Error',
)
DEFAULT_ROLLBACK_SUCCESS_STATES = ('Completed', 'Complete', 'Success', 'Succeeded', 'RolledBack')
DEFAULT_ROLLBACK_FAILURE_STATES = ('Failed', 'Failure', 'PartiallyCompleted', 'PartiallyFailed', 'Error')

# Known words that mean "not finished yet": they keep the wait going without a warning.
RUNNING_STATES = ('InProgress', 'Pending', 'Running', 'Queued', 'Started', 'NotStarted', 'Scheduled')
# SDM shows rollbackStatus "Unknown" on a task that was never rolled back.
ROLLBACK_RUNNING_STATES = RUNNING_STATES + ('Unknown',)

_IGNORED = re.compile(r'[\s_-]+')


def normalise_state(word: Optional[str]) -> str:
    """The comparison form of a status word: lower case, without spaces, ``_`` and ``-``."""
    if word is None:
        return ''
    return _normalise_text(str(word))


# Status words repeat once per device: caching keeps 100,000 devices cheap.
@functools.lru_cache(maxsize=4096)
def _normalise_text(word: str) -> str:
    return _IGNORED.sub('', word).lower()


def _word_set(words: Iterable[str], option: str) -> FrozenSet[str]:
    if isinstance(words, (str, bytes)):
        raise SdmInputError('%s must be a list of status words, not a single string' % option)
    result = set()
    for word in words:
        if not isinstance(word, str):
            raise SdmInputError('%s must contain strings only, got %s' % (option, type(word).__name__))
        key = normalise_state(word)
        if not key:
            raise SdmInputError('%s contains an empty status word' % option)
        result.add(key)
    return frozenset(result)


def _check_disjoint(success: FrozenSet[str], failure: FrozenSet[str], success_option: str, failure_option: str) -> None:
    both = success & failure
    if both:
        raise SdmInputError(
            'status words cannot be in both %s and %s: %s' % (success_option, failure_option, ', '.join(sorted(both)))
        )


class StateMatcher:
    """Classifies update and rollback status words as success, failure, running or unknown."""

    def __init__(
        self,
        success_states: Optional[Sequence[str]] = None,
        failure_states: Optional[Sequence[str]] = None,
        rollback_success_states: Optional[Sequence[str]] = None,
        rollback_failure_states: Optional[Sequence[str]] = None,
    ) -> None:
        self.success = _word_set(DEFAULT_SUCCESS_STATES if success_states is None else success_states, 'success_states')
        self.failure = _word_set(DEFAULT_FAILURE_STATES if failure_states is None else failure_states, 'failure_states')
        self.rollback_success = _word_set(
            DEFAULT_ROLLBACK_SUCCESS_STATES if rollback_success_states is None else rollback_success_states,
            'rollback_success_states',
        )
        self.rollback_failure = _word_set(
            DEFAULT_ROLLBACK_FAILURE_STATES if rollback_failure_states is None else rollback_failure_states,
            'rollback_failure_states',
        )
        _check_disjoint(self.success, self.failure, 'success_states', 'failure_states')
        _check_disjoint(
            self.rollback_success, self.rollback_failure, 'rollback_success_states', 'rollback_failure_states'
        )
        self._running = frozenset(normalise_state(word) for word in RUNNING_STATES)
        self._rollback_running = frozenset(normalise_state(word) for word in ROLLBACK_RUNNING_STATES)

    def classify_update(self, word: Optional[str]) -> str:
        """``SUCCESS``, ``FAILURE``, ``RUNNING`` or ``UNKNOWN`` (also for a missing word)."""
        return self._classify(normalise_state(word), self.success, self.failure, self._running)

    def classify_rollback(self, word: Optional[str]) -> str:
        """Like `classify_update`; a missing rollback word means no rollback has started (``RUNNING``)."""
        key = normalise_state(word)
        if not key:
            return RUNNING
        return self._classify(key, self.rollback_success, self.rollback_failure, self._rollback_running)

    def is_update_failure(self, word: Optional[str]) -> bool:
        """Whether a (device) status word is an update failure word."""
        return normalise_state(word) in self.failure

    def is_update_success(self, word: Optional[str]) -> bool:
        """Whether a (device) status word is an update success word."""
        return normalise_state(word) in self.success

    def is_rollback_success(self, word: Optional[str]) -> bool:
        """Whether a (device) rollback status word is a rollback success word."""
        return normalise_state(word) in self.rollback_success

    def is_rollback_final(self, word: Optional[str]) -> bool:
        """Whether a (device) rollback status word says that a rollback ended, well or not."""
        key = normalise_state(word)
        return key in self.rollback_success or key in self.rollback_failure

    @staticmethod
    def _classify(key: str, success: FrozenSet[str], failure: FrozenSet[str], running: FrozenSet[str]) -> str:
        # The caller's lists come first: a user may declare a "running" word final.
        if key in success:
            return SUCCESS
        if key in failure:
            return FAILURE
        if key in running:
            return RUNNING
        return UNKNOWN

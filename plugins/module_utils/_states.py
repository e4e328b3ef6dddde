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
from typing import Any, FrozenSet, Iterable, Optional, Sequence

from ._errors import SdmInputError
from ._text import short_text

# The verdicts: what SDM's answer shows, in a small closed set. Every part of the collection (normalisation,
# the wait, the actions, the change report, the event source) asks this module, so one answer gets one verdict.
RUNNING = 'running'  # not finished yet (for a task: also a word nobody knows, which is reported)
SUCCEEDED = 'succeeded'
FAILED = 'failed'
NOT_STARTED = 'not_started'  # a device that never started, or that SDM skipped
UNCLEAR = 'unclear'  # finished, but the evidence shows neither success nor failure
NONE = 'none'  # no rollback was asked for
UPDATE_VERDICTS = (RUNNING, SUCCEEDED, FAILED, UNCLEAR)
DEVICE_VERDICTS = (RUNNING, SUCCEEDED, FAILED, NOT_STARTED, UNCLEAR)
ROLLBACK_VERDICTS = (NONE, RUNNING, SUCCEEDED, FAILED, UNCLEAR)

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
RUNNING_STATES = ('InProgress', 'Pending', 'Running', 'Queued', 'Started', 'Scheduled')
# Known words of a device that never took part: in a finished task it is neither a success nor a failure.
NOT_STARTED_STATES = ('NotStarted', 'Skipped')
# Rollback words meaning nobody asked for a rollback: SDM shows Unknown on a task that was never rolled back.
NO_ROLLBACK_STATES = ('Unknown', 'NotStarted', 'N/A', 'NA', 'None', 'NotApplicable')
CANCELLED_STATES = ('Cancelled', 'Canceled')

_IGNORED = re.compile(r'[\s_-]+')


def normalise_state(word: Any) -> str:
    """The comparison form of a status word: lower case, without spaces, ``_`` and ``-``."""
    if word is None:
        return ''
    if not isinstance(word, str):
        word = short_text(word)
    return _normalise_text(word)


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
    """Classifies single status words with the configurable lists; `_verdict` builds task verdicts from them."""

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
        self._running = _known(RUNNING_STATES)
        self._not_started = _known(NOT_STARTED_STATES)
        self._no_rollback = _known(NO_ROLLBACK_STATES)
        self._cancelled = _known(CANCELLED_STATES)

    def update_word(self, word: Any) -> str:
        """What a task's update status says: `SUCCEEDED`, `FAILED`, `RUNNING`, `NOT_STARTED`, or `UNCLEAR` for a
        word nobody knows or a missing one. The caller's lists come first: a user may declare a "running" word final.
        """
        key = normalise_state(word)
        if key in self.success:
            return SUCCEEDED
        if key in self.failure:
            return FAILED
        if key in self._running:
            return RUNNING
        if key in self._not_started:
            return NOT_STARTED
        return UNCLEAR

    def rollback_word(self, word: Any) -> str:
        """What a rollback status says: `NONE` (missing, or a word that means no rollback was asked for),
        `SUCCEEDED`, `FAILED`, `RUNNING`, or `UNCLEAR` for a word nobody knows."""
        key = normalise_state(word)
        if key in self.rollback_success:
            return SUCCEEDED
        if key in self.rollback_failure:
            return FAILED
        if not key or key in self._no_rollback:
            return NONE
        if key in self._running:
            return RUNNING
        return UNCLEAR

    def is_cancelled(self, word: Any) -> bool:
        """Whether an update status says the update was cancelled."""
        return normalise_state(word) in self._cancelled


def _known(words: Iterable[str]) -> FrozenSet[str]:
    return frozenset(normalise_state(word) for word in words)

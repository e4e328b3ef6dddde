# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmInputError
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import (
    DEFAULT_FAILURE_STATES,
    DEFAULT_ROLLBACK_FAILURE_STATES,
    DEFAULT_ROLLBACK_SUCCESS_STATES,
    DEFAULT_SUCCESS_STATES,
    FAILED,
    NONE,
    NOT_STARTED,
    RUNNING,
    SUCCEEDED,
    UNCLEAR,
    StateMatcher,
    normalise_state,
)


@pytest.mark.parametrize(
    'word, expected',
    [
        ('In Progress', 'inprogress'),
        ('IN_PROGRESS', 'inprogress'),
        ('in-progress', 'inprogress'),
        ('  Partially_Completed \t', 'partiallycompleted'),
        ('', ''),
        (None, ''),
    ],
)
def test_normalise_state(word, expected):
    assert normalise_state(word) == expected


@pytest.mark.parametrize(
    'word, expected',
    [
        ('Completed', SUCCEEDED),
        ('COMPLETE', SUCCEEDED),
        ('Failed', FAILED),
        ('Partially Completed', FAILED),
        ('canceled', FAILED),
        ('InProgress', RUNNING),
        ('not_started', NOT_STARTED),
        ('Skipped', NOT_STARTED),
        ('Unknown', UNCLEAR),  # a rollback-only "no rollback" word
        ('Exploded', UNCLEAR),
        (None, UNCLEAR),
        ('', UNCLEAR),
        ({'text': 'Completed'}, UNCLEAR),  # any JSON type, never a crash
        (['Completed', 'Failed'], UNCLEAR),
    ],
)
def test_update_words_with_defaults(word, expected):
    assert StateMatcher().update_word(word) == expected


@pytest.mark.parametrize(
    'word, expected',
    [
        ('RolledBack', SUCCEEDED),
        ('Completed', SUCCEEDED),
        ('Failed', FAILED),
        # no rollback was asked for: SDM's documented Unknown is no running rollback (it was before issue 21)
        ('Unknown', NONE),
        ('N/A', NONE),
        ('not started', NONE),
        (None, NONE),
        ('', NONE),
        ('In Progress', RUNNING),
        ('Sideways', UNCLEAR),
        (7, UNCLEAR),
    ],
)
def test_rollback_words_with_defaults(word, expected):
    assert StateMatcher().rollback_word(word) == expected


def test_default_lists_match_the_documented_defaults():
    assert DEFAULT_SUCCESS_STATES == ('Completed', 'Complete', 'Success', 'Succeeded')
    assert DEFAULT_FAILURE_STATES == (
        'Failed',
        'Failure',
        'PartiallyCompleted',
        'PartiallyFailed',
        'Cancelled',
        'Canceled',
        'Aborted',
        'Error',
    )
    assert DEFAULT_ROLLBACK_SUCCESS_STATES == ('Completed', 'Complete', 'Success', 'Succeeded', 'RolledBack')
    assert DEFAULT_ROLLBACK_FAILURE_STATES == ('Failed', 'Failure', 'PartiallyCompleted', 'PartiallyFailed', 'Error')


def test_user_lists_replace_the_defaults_and_may_claim_a_running_word():
    matcher = StateMatcher(success_states=['Pending'], failure_states=['Boom'])
    assert matcher.update_word('pending') == SUCCEEDED
    assert matcher.update_word('Completed') == UNCLEAR
    assert matcher.update_word('boom') == FAILED
    assert matcher.update_word('Failed') == UNCLEAR


def test_empty_user_lists_mean_no_word_is_final():
    matcher = StateMatcher(success_states=[], failure_states=[])
    assert matcher.update_word('Completed') == UNCLEAR


@pytest.mark.parametrize(
    'kwargs, message',
    [
        ({'success_states': ['Done'], 'failure_states': ['DONE']}, 'both success_states and failure_states: done'),
        (
            {'rollback_success_states': ['x'], 'rollback_failure_states': ['X']},
            'rollback_success_states and rollback_failure_states',
        ),
        ({'success_states': 'Completed'}, 'must be a list'),
        ({'failure_states': ['ok', 3]}, 'strings only'),
        ({'failure_states': [' _ ']}, 'empty status word'),
    ],
)
def test_invalid_state_lists_are_input_errors(kwargs, message):
    with pytest.raises(SdmInputError, match=message):
        StateMatcher(**kwargs)

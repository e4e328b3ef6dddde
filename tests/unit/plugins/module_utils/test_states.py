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
    FAILURE,
    RUNNING,
    SUCCESS,
    UNKNOWN,
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
        ('Completed', SUCCESS),
        ('COMPLETE', SUCCESS),
        ('Failed', FAILURE),
        ('Partially Completed', FAILURE),
        ('canceled', FAILURE),
        ('InProgress', RUNNING),
        ('not_started', RUNNING),
        ('Unknown', UNKNOWN),  # a rollback-only "not started" word
        ('Exploded', UNKNOWN),
        (None, UNKNOWN),
        ('', UNKNOWN),
    ],
)
def test_classify_update_with_defaults(word, expected):
    assert StateMatcher().classify_update(word) == expected


@pytest.mark.parametrize(
    'word, expected',
    [
        ('RolledBack', SUCCESS),
        ('Completed', SUCCESS),
        ('Failed', FAILURE),
        ('Unknown', RUNNING),
        ('In Progress', RUNNING),
        (None, RUNNING),
        ('', RUNNING),
        ('Sideways', UNKNOWN),
    ],
)
def test_classify_rollback_with_defaults(word, expected):
    assert StateMatcher().classify_rollback(word) == expected


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
    assert matcher.classify_update('pending') == SUCCESS
    assert matcher.classify_update('Completed') == UNKNOWN
    assert matcher.classify_update('boom') == FAILURE
    assert matcher.is_update_failure('BOOM') and not matcher.is_update_failure('Failed')


def test_empty_user_lists_mean_no_word_is_final():
    matcher = StateMatcher(success_states=[], failure_states=[])
    assert matcher.classify_update('Completed') == UNKNOWN


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

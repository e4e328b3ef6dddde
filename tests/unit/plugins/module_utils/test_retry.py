# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import random

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._clock import Deadline
from ansible_collections.ocsdm.route_manager.plugins.module_utils._retry import RetryPolicy, parse_retry_after
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import FakeClock

NOW = 1700000000.0  # 2023-11-14T22:13:20Z


def unbounded():
    return Deadline(FakeClock(), None)


def backoff_delays(policy, deadline):
    """The delays between the attempts of one request when no server asks for a specific one."""
    delays, attempts_made = [], 1
    while True:
        delay = policy.backoff_delay(attempts_made, deadline)
        if delay is None:
            return delays
        delays.append(delay)
        attempts_made += 1


def test_delays_grow_exponentially_up_to_the_cap():
    policy = RetryPolicy(max_attempts=8, backoff_initial=0.5, backoff_max=4.0, jitter=0)
    assert backoff_delays(policy, unbounded()) == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]


def test_max_attempts_counts_the_first_try():
    assert backoff_delays(RetryPolicy(max_attempts=1, jitter=0), unbounded()) == []
    assert len(backoff_delays(RetryPolicy(max_attempts=3, jitter=0), unbounded())) == 2


def test_jitter_spreads_within_its_bounds_and_never_exceeds_the_cap():
    policy = RetryPolicy(max_attempts=50, backoff_initial=1.0, backoff_max=2.0, jitter=0.25, rng=random.Random(7))
    delays = backoff_delays(policy, unbounded())
    assert 0.75 <= delays[0] <= 1.25
    assert all(1.5 <= delay <= 2.0 for delay in delays[2:])
    assert len(set(delays)) > 10


def test_huge_attempt_numbers_do_not_overflow():
    policy = RetryPolicy(max_attempts=10000, backoff_initial=1.0, backoff_max=3.0, jitter=0)
    assert policy.backoff_delay(5000, unbounded()) == 3.0


def test_delays_are_trimmed_to_the_deadline_and_stop_when_it_passed():
    clock = FakeClock()
    deadline = Deadline(clock, 2.5)
    policy = RetryPolicy(max_attempts=10, backoff_initial=1.0, backoff_max=8.0, jitter=0)
    assert policy.backoff_delay(1, deadline) == 1.0
    clock.advance(1.0)
    assert policy.backoff_delay(2, deadline) == 1.5  # 2.0 wanted, 1.5 left
    clock.advance(1.5)
    assert policy.backoff_delay(3, deadline) is None


def test_retry_after_replaces_the_backoff_and_is_capped_and_trimmed():
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=5, backoff_initial=0.5, jitter=0, retry_after_max=30)
    assert policy.backoff_delay(1, Deadline(clock, None), retry_after=7) == 7
    assert policy.backoff_delay(1, Deadline(clock, None), retry_after=3600) == 30
    assert policy.backoff_delay(1, Deadline(clock, 12), retry_after=20) == 12
    assert policy.backoff_delay(1, Deadline(clock, None), retry_after=-3) == 0
    assert policy.backoff_delay(5, Deadline(clock, None), retry_after=1) is None


@pytest.mark.parametrize(
    'status, transient',
    [
        (429, True),
        (502, True),
        (503, True),
        (504, True),
        (500, False),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (405, False),
        (200, False),
    ],
)
def test_transient_statuses(status, transient):
    assert RetryPolicy.is_transient_status(status) is transient


@pytest.mark.parametrize(
    'value, expected',
    [
        (None, None),
        ('120', 120.0),
        (' 0 ', 0.0),
        ('Tue, 14 Nov 2023 22:13:50 GMT', 30.0),
        ('Tue, 14 Nov 2023 22:13:00 GMT', 0.0),  # already past
        ('Tuesday, 14-Nov-23 22:14:20 GMT', 60.0),  # RFC 850 form
        ('-5', None),
        ('1.5', None),
        ('soon', None),
        ('', None),
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    'kwargs',
    [
        {'max_attempts': 0},
        {'backoff_initial': -1},
        {'backoff_initial': 5, 'backoff_max': 1},
        {'jitter': 1.5},
        {'retry_after_max': -1},
    ],
)
def test_invalid_policies_are_refused(kwargs):
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import time

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._clock import Clock, Deadline
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import FakeClock


def test_deadline_counts_down_and_never_goes_negative():
    clock = FakeClock()
    deadline = Deadline(clock, 10)
    assert deadline.remaining() == 10 and not deadline.expired()
    clock.advance(4)
    assert deadline.remaining() == 6 and deadline.elapsed() == 4
    clock.advance(7)
    assert deadline.remaining() == 0 and deadline.expired()


def test_an_unbounded_deadline_never_expires():
    clock = FakeClock()
    deadline = Deadline(clock, None)
    clock.advance(1e9)
    assert deadline.remaining() == float('inf') and not deadline.expired()


def test_a_negative_timeout_is_refused():
    with pytest.raises(ValueError):
        Deadline(FakeClock(), -1)


def test_the_real_clock_is_monotonic_and_sleeps():
    clock = Clock()
    before = clock.monotonic()
    clock.sleep(0.01)
    clock.sleep(0)
    clock.sleep(-5)  # a trimmed sleep may reach zero or below: it must not raise
    assert clock.monotonic() - before >= 0.009
    assert abs(clock.time() - time.time()) < 5

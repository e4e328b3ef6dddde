# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scenario time: monotonic seconds since the scenario was loaded, scaled by a speed factor.

The monotonic source is the machine's clock, or in tests the client's fake clock (tests/simulator/fake_clock.py,
``monotonic=clock.monotonic``): the fake clock drives scenario time, never the other way round. Over HTTP a test
moves scenario time with ``POST /_sim/clock/advance`` (`SimClock.advance`).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Callable, Optional

from .scenario import DATE_FORMAT


class SimClock:
    def __init__(
        self, speed: float = 1.0, origin: Optional[datetime] = None, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.speed = speed
        # The wall date of scenario second 0, used for the dates the server reports (no time zone, like SDM).
        self.origin = origin if origin is not None else datetime.now().replace(microsecond=0)
        self._monotonic = monotonic
        self._started = monotonic()
        self._started_wall = time.time()
        self._offset = 0.0

    def now(self) -> float:
        return (self._monotonic() - self._started) * self.speed + self._offset

    def advance(self, seconds: float) -> float:
        """Jump ahead without waiting, so tests need not sleep through a timeline."""
        self._offset += seconds
        return self.now()

    def wall_time(self, scenario_seconds: float) -> float:
        """The Unix time at which this clock reads ``scenario_seconds`` (as it runs now: speed and jumps so far).

        Scripts compare it with their own ``time.time()``, e.g. to measure how long a client took to notice an event.
        """
        return self._started_wall + (scenario_seconds - self._offset) / self.speed

    def date(self, scenario_seconds: float) -> str:
        return (self.origin + timedelta(seconds=scenario_seconds)).strftime(DATE_FORMAT)

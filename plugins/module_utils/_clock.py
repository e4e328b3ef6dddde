# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Time for the client: a monotonic clock that tests can replace, and deadlines measured on it."""

from __future__ import annotations

import time
from typing import Optional


class Clock:
    """Monotonic time and sleeping, in one object so tests can swap in a fake."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        """Wall-clock time (seconds since the epoch); only used to read HTTP dates."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class Deadline:
    """A point on a clock's monotonic scale; ``timeout=None`` never expires."""

    def __init__(self, clock: Clock, timeout: Optional[float]) -> None:
        if timeout is not None and timeout < 0:
            raise ValueError('timeout must not be negative')
        self.clock = clock
        self.timeout = timeout
        self.started = clock.monotonic()
        self._end = None if timeout is None else self.started + timeout

    def remaining(self) -> float:
        """Seconds left, never negative; infinite for an unbounded deadline."""
        if self._end is None:
            return float('inf')
        return max(0.0, self._end - self.clock.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0

    def elapsed(self) -> float:
        return self.clock.monotonic() - self.started

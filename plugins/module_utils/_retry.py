# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""When and how long to wait before repeating a request that failed for a transient reason.

Transient: connection errors, timeouts, and the statuses in `TRANSIENT_STATUSES` (429, 502, 503,
504). A 500 is permanent on purpose: SDM documents it as the answer of a failed call, and
repeating a call that failed inside the server only delays the error message. Other 4xx answers
fail at once.

Delays grow exponentially from ``backoff_initial`` to ``backoff_max``, spread by ``jitter`` (a
fraction, 0.2 means +-20 %) so that parallel pollers do not retry in step. A server's
``Retry-After`` (seconds or HTTP date) replaces the computed delay, capped at ``retry_after_max``.
Every delay is trimmed to the caller's `Deadline`; no retry starts once it has passed.
"""

from __future__ import annotations

import datetime
import email.utils
import random
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from ._clock import Deadline
from ._errors import BUSY_STATUSES, UNAVAILABLE_STATUSES

TRANSIENT_STATUSES = BUSY_STATUSES | UNAVAILABLE_STATUSES

_SECONDS = re.compile(r'^[0-9]+$')


def parse_retry_after(value: Optional[str], now: float) -> Optional[float]:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or HTTP date); ``None`` if absent or unreadable.

    ``now`` is the wall-clock time (seconds since the epoch) that an HTTP date is measured from.
    """
    if value is None:
        return None
    text = value.strip()
    if _SECONDS.match(text):
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True)
class RetryPolicy:
    """Retry limits; ``max_attempts`` counts the first try too (1 means never retry)."""

    max_attempts: int = 4
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    jitter: float = 0.2
    retry_after_max: float = 60.0
    rng: Any = field(default=None, repr=False, compare=False)  # a random.Random for repeatable tests

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError('max_attempts must be at least 1')
        if self.backoff_initial < 0 or self.backoff_max < self.backoff_initial:
            raise ValueError('backoff delays must satisfy 0 <= backoff_initial <= backoff_max')
        if not 0 <= self.jitter <= 1:
            raise ValueError('jitter must be between 0 and 1')
        if self.retry_after_max < 0:
            raise ValueError('retry_after_max must not be negative')

    @staticmethod
    def is_transient_status(status: int) -> bool:
        return status in TRANSIENT_STATUSES

    def backoff_delay(
        self, attempts_made: int, deadline: Deadline, retry_after: Optional[float] = None
    ) -> Optional[float]:
        """Seconds to sleep before the next attempt, or ``None`` when no attempt is left or the deadline has passed."""
        if attempts_made >= self.max_attempts:
            return None
        remaining = deadline.remaining()
        if remaining <= 0:
            return None
        if retry_after is not None:
            delay = min(max(0.0, retry_after), self.retry_after_max)
        else:
            delay = self._exponential(attempts_made)
        return min(delay, remaining)

    def _exponential(self, attempts_made: int) -> float:
        # The exponent is capped: with many attempts 2 ** n would overflow a float.
        exponent = min(attempts_made - 1, 62)
        base = min(self.backoff_max, self.backoff_initial * (2**exponent))
        if self.jitter:
            uniform = (self.rng or random).uniform
            base *= 1 + uniform(-self.jitter, self.jitter)
        return max(0.0, min(self.backoff_max, base))

# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one fake clock of the tests, the fault matrix and the benchmarks.

`FakeClock` is the product's `Clock` (plugins/module_utils/_clock.py) with time that stands still until something
sleeps or the test moves it. Wherever the product takes a clock (the client, the waiter, the wait's loop, the action
runner), tests give it one of these.

The simulator keeps its own *scenario* time (sdm_simulator/clock.py `SimClock`: seconds since the scenario was loaded),
read from a monotonic source. A fake clock drives it, never the other way round:

- in process: ``Simulator(scenario, monotonic=clock.monotonic)`` (or ``Replayer(..., monotonic=clock.monotonic)``):
  scenario time moves when the fake clock moves;
- over HTTP: ``FakeClock(on_advance=...)`` with a function that posts ``/_sim/clock/advance`` (the fault matrix): each
  move of the fake clock is sent to the running simulator.

Importable as ``ansible_collections.ocsdm.route_manager.tests.simulator.fake_clock`` (unit tests, the fault matrix,
the benchmarks) and as ``fake_clock`` from tests/simulator (the simulator's own tests, which run outside an
``ansible_collections`` tree: there the product's clock is loaded from its file).
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any, Callable, List, Optional

PRODUCT_CLOCK = "ansible_collections.ocsdm.route_manager.plugins.module_utils._clock"


def _product_clock() -> Any:
    try:
        return importlib.import_module(PRODUCT_CLOCK).Clock
    except ImportError:
        # tests/simulator/<this file> -> plugins/module_utils/_clock.py of the same checkout
        path = Path(__file__).resolve().parents[2] / "plugins" / "module_utils" / "_clock.py"
        spec = importlib.util.spec_from_file_location("_product_clock", path)
        if spec is None or spec.loader is None:
            raise
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.Clock


Clock = _product_clock()


class FakeClock(Clock):
    """Time stands still until something sleeps or the test advances it; every sleep is recorded.

    ``start`` is the monotonic reading at creation, ``wall`` the Unix time then (`time()` moves with `monotonic()`).
    ``on_advance(seconds)`` is called on every move (zero for a sleep of nothing), before the clock moves: a function
    that forwards the move to a simulator, or that raises to stop the code under test at some point of its wait.
    Safe to use from several threads (the waiter's workers sleep and read it at once).
    """

    def __init__(
        self,
        start: float = 1000.0,
        wall: float = 1700000000.0,
        on_advance: Optional[Callable[[float], None]] = None,
    ) -> None:
        self.start = start
        self.now = start
        self.wall = wall
        self.on_advance = on_advance
        self.sleeps: List[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def time(self) -> float:
        with self._lock:
            return self.wall + (self.now - self.start)

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
        self.advance(max(0.0, seconds))

    def advance(self, seconds: float) -> None:
        if self.on_advance is not None:
            self.on_advance(seconds)
        with self._lock:
            self.now += seconds

    def elapsed(self) -> float:
        """Seconds since the clock was made."""
        with self._lock:
            return self.now - self.start

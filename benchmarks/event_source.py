# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark 4: one poll round of the event source ocsdm.route_manager.route_updates over 1, 10 and 100 pending
tasks, with every SDM answer 50 ms late.

The source file of the collection copy, run as ansible-rulebook runs it (``runpy``; it finds the collection's client by
itself). A round is what ``main()`` does every interval: from the event loop, in the source's worker threads, the pending
list, then every task (8 at a time), then its events on the queue. The first round logs in and reports every task
(appeared, finished); the timed rounds after it find nothing new, which is the steady cost of watching a window.
"""

from __future__ import annotations

import asyncio
import runpy
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence

import scenarios
from sim import Simulator

SOURCE = Path(
    "ansible_collections", "ocsdm", "route_manager", "extensions", "eda", "plugins", "event_source", "route_updates.py"
)
# the rounds are called one after the other here; the interval only matters to main()'s own schedule
INTERVAL = 60


@dataclass
class SourceRoundFigures:
    tasks: int
    latency_ms: int
    round_seconds: float
    rounds_seconds: List[float]
    requests_per_round: float
    first_round_events: int
    later_events: int  # the tasks do not change: any event here would be a state emitted twice


def run(
    sim: Simulator, collections: Path, task_counts: Sequence[int], latency: float, rounds: int
) -> List[SourceRoundFigures]:
    source = runpy.run_path(str(collections / SOURCE))
    return [measure(sim, source, count, latency, rounds) for count in task_counts]


def measure(sim: Simulator, source: Dict[str, Any], count: int, latency: float, rounds: int) -> SourceRoundFigures:
    sim.load(scenarios.many_tasks(count, latency))
    args = {"url": sim.url, "username": scenarios.USERNAME, "password": scenarios.PASSWORD, "interval": INTERVAL}
    settings = source["SourceSettings"].from_args(args)
    return asyncio.run(_rounds(sim, source, settings, count, latency, rounds))


async def _rounds(
    sim: Simulator, source: Dict[str, Any], settings: Any, count: int, latency: float, rounds: int
) -> SourceRoundFigures:
    queue: asyncio.Queue = asyncio.Queue()
    watcher = source["RouteUpdateSource"](queue, settings)
    times: List[float] = []
    try:
        await watcher.poll_round()
        first_round_events = queue.qsize()
        await asyncio.to_thread(sim.control, "POST", "/counters/reset")  # count the timed rounds only
        for _round in range(rounds):
            started = time.perf_counter()
            await watcher.poll_round()
            times.append(time.perf_counter() - started)
        counters = await asyncio.to_thread(sim.counters)
    finally:
        await watcher.close()
    gets = sum(number for request, number in counters["requests"].items() if request.startswith("GET "))
    return SourceRoundFigures(
        tasks=count,
        latency_ms=round(latency * 1000),
        round_seconds=round(statistics.median(times), 3),
        rounds_seconds=[round(seconds, 3) for seconds in times],
        requests_per_round=round(gets / rounds, 1),
        first_round_events=first_round_events,
        later_events=queue.qsize() - first_round_events,
    )


def as_dicts(figures: List[SourceRoundFigures]) -> List[Dict[str, Any]]:
    return [asdict(item) for item in figures]

# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark 3: one poll round over 1, 10 and 100 tasks, with every SDM answer 50 ms late.

The collection's own client and PollWait (imported from the collection copy), configured as the
module configures them. The tasks have finished already, so one call of ``PollWait.wait`` is exactly
one poll round; it is timed from the call to its return, after the login and before the logout.
"""

from __future__ import annotations

import importlib
import statistics
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence

import scenarios
from sim import Simulator

MODULE_UTILS = "ansible_collections.ocsdm.route_manager.plugins.module_utils"
# ample for one round; a round that takes longer fails the benchmark instead of hanging it
WAIT_TIMEOUT = 60.0


@dataclass
class RoundFigures:
    tasks: int
    latency_ms: int
    round_seconds: float
    rounds_seconds: List[float]
    requests_per_round: float
    polls: int


def client_classes(collections: Path) -> Dict[str, Any]:
    """ConnectionConfig, SdmClient, StateMatcher and PollWait from the collection copy."""
    if str(collections) not in sys.path:
        sys.path.insert(0, str(collections))
    client = importlib.import_module(MODULE_UTILS + "._client")
    connection_config = importlib.import_module(MODULE_UTILS + "._connection_config")
    states = importlib.import_module(MODULE_UTILS + "._states")
    poll_wait = importlib.import_module(MODULE_UTILS + "._poll_wait")
    return {
        "ConnectionConfig": connection_config.ConnectionConfig,
        "SdmClient": client.SdmClient,
        "StateMatcher": states.StateMatcher,
        "PollWait": poll_wait.PollWait,
    }


def run(
    sim: Simulator, collections: Path, task_counts: Sequence[int], latency: float, rounds: int
) -> List[RoundFigures]:
    classes = client_classes(collections)
    return [measure(sim, classes, count, latency, rounds) for count in task_counts]


def measure(sim: Simulator, classes: Dict[str, Any], count: int, latency: float, rounds: int) -> RoundFigures:
    ids = scenarios.many_task_ids(count)
    sim.load(scenarios.many_tasks(count, latency))
    config = classes["ConnectionConfig"](url=sim.url, username=scenarios.USERNAME, password=scenarios.PASSWORD)
    times: List[float] = []
    polls = 0
    with classes["SdmClient"](config) as client:
        sim.control("POST", "/counters/reset")  # count the rounds only, not the login
        for _round in range(rounds):
            # as the module builds it (default workers); sleep values do not matter for a single round
            waiter = classes["PollWait"](client, classes["StateMatcher"](), timeout=WAIT_TIMEOUT, sleep=1, sleep_max=1)
            result = waiter.wait(ids)
            times.append(result.elapsed)
            polls += result.polls
        gets = sum(number for request, number in sim.counters()["requests"].items() if request.startswith("GET "))
    return RoundFigures(
        tasks=count,
        latency_ms=round(latency * 1000),
        round_seconds=round(statistics.median(times), 3),
        rounds_seconds=[round(seconds, 3) for seconds in times],
        requests_per_round=round(gets / polls, 1),
        polls=polls,
    )


def as_dicts(figures: List[RoundFigures]) -> List[Dict[str, Any]]:
    return [asdict(item) for item in figures]

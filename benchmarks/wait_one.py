# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark 1: wait for one task that finishes T seconds after the start, role versus uri + until.

Each way is a playbook in benchmarks/playbooks/, run with ansible-playbook right after the scenario
is loaded (so T counts from the start of the play). The simulator counts the requests, logins and
open sessions; it also tells the Unix time at which the task finished, and the playbook's last task
writes the Unix time at which the play moved on: the difference is the detection latency.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import scenarios
from sim import Simulator, request_total

PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
# bounds a run that hangs: far more than T plus the slowest ansible-playbook start seen here
PLAYBOOK_TIMEOUT_EXTRA = 120.0
# the role's default bound of its growing sleep (route_update_wait_poll_interval_max)
ROLE_DEFAULT_INTERVAL_MAX = 30


@dataclass(frozen=True)
class Way:
    """One way of waiting: a playbook and the extra variables that make it this way."""

    key: str
    label: str
    playbook: str
    extra_vars: Dict[str, str]


@dataclass
class WaitFigures:
    key: str
    label: str
    succeeded: bool
    wall_seconds: float
    requests: int
    polls: int
    logins: int
    logouts: int
    sessions_open: int
    detection_latency: Optional[float] = None
    # the detection latency in two parts: from the finish to the poll that saw it, and from that poll to the next task
    wait_for_poll: Optional[float] = None
    moving_on: Optional[float] = None


def ways(poll_interval: float, with_growth: bool) -> List[Way]:
    interval = f"{poll_interval:g}"
    chosen = [
        Way("role", f"role, fixed {interval} s interval", "wait_with_role.yml", {"bench_poll_interval": interval}),
        Way("uri", f"uri + until, {interval} s delay", "wait_with_uri.yml", {"bench_poll_interval": interval}),
    ]
    if with_growth:
        # the role's default schedule: the sleep grows by half each poll, up to its default bound
        chosen.insert(1, Way("role_growing", f"role, {interval} s growing to {ROLE_DEFAULT_INTERVAL_MAX} s", "wait_with_role.yml",
                             {"bench_poll_interval": interval, "bench_poll_interval_max": str(ROLE_DEFAULT_INTERVAL_MAX)}))
    return chosen


def run(sim: Simulator, collections: Path, logs: Path, finish_after: float, poll_interval: float, with_growth: bool) -> List[WaitFigures]:
    return [run_way(sim, way, collections, logs, finish_after) for way in ways(poll_interval, with_growth)]


def run_way(sim: Simulator, way: Way, collections: Path, logs: Path, finish_after: float) -> WaitFigures:
    with tempfile.TemporaryDirectory(prefix="sdm-bench-wait-") as folder:
        moved_on_file = Path(folder) / "moved_on.txt"
        started = sim.load(scenarios.one_task(finish_after))
        succeeded = _play(sim, way, collections, logs, moved_on_file, finish_after)
        wall = time.time() - started
        moved_on = float(moved_on_file.read_text(encoding="utf-8")) if moved_on_file.is_file() else None
    task = sim.task_state(scenarios.WAIT_TASK_ID)
    finished = task["update_ended_wall"]
    detecting_poll = _first_poll_after(sim.control("GET", "/requests")["requests"], task["update_ended_at"])
    figures = _figures(way, succeeded, wall, sim.counters())
    figures.detection_latency = _seconds_between(finished, moved_on)
    figures.wait_for_poll = _seconds_between(finished, detecting_poll)
    figures.moving_on = _seconds_between(detecting_poll, moved_on)
    return figures


def _play(sim: Simulator, way: Way, collections: Path, logs: Path, moved_on_file: Path, finish_after: float) -> bool:
    extra_vars = dict(way.extra_vars, bench_task_id=scenarios.WAIT_TASK_ID, bench_moved_on_file=str(moved_on_file))
    # the ansible-playbook next to this Python: the venv that has the collection's requirements
    command = [str(Path(sys.executable).with_name("ansible-playbook")), str(PLAYBOOKS / way.playbook)]
    for name, value in extra_vars.items():
        command += ["-e", f"{name}={value}"]
    log = logs / f"wait_one_{way.key}.log"
    with log.open("w", encoding="utf-8") as output:
        try:
            process = subprocess.run(command, env=_environment(sim, collections), stdout=output, stderr=subprocess.STDOUT,
                                     timeout=finish_after + PLAYBOOK_TIMEOUT_EXTRA, check=False)
        except subprocess.TimeoutExpired:
            output.write(f"\nstopped after {finish_after + PLAYBOOK_TIMEOUT_EXTRA:g} s\n")
            return False
    return process.returncode == 0


def _environment(sim: Simulator, collections: Path) -> Dict[str, str]:
    return dict(
        os.environ,
        SDM_URL=sim.url,
        SDM_USERNAME=scenarios.USERNAME,
        SDM_PASSWORD=scenarios.PASSWORD,
        ANSIBLE_COLLECTIONS_PATH=str(collections),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )


def _seconds_between(start: Optional[float], end: Optional[float]) -> Optional[float]:
    """``end - start`` in seconds, or None when one of the moments was not seen."""
    return round(end - start, 2) if start is not None and end is not None else None


def _first_poll_after(log: List[Dict[str, Any]], ended_at: Optional[float]) -> Optional[float]:
    """When the first read of the task after its finish arrived at the simulator."""
    if ended_at is None:
        return None
    return next((entry["wall"] for entry in log
                 if entry["method"] == "GET" and entry["path"].endswith("/" + scenarios.WAIT_TASK_ID) and entry["at"] >= ended_at), None)


def _figures(way: Way, succeeded: bool, wall: float, counters: Dict[str, Any]) -> WaitFigures:
    """The figures from the simulator's counters; the moments are filled in by the caller."""
    return WaitFigures(
        key=way.key,
        label=way.label,
        succeeded=succeeded,
        wall_seconds=round(wall, 2),
        requests=request_total(counters),
        polls=sum(count for request, count in counters["requests"].items() if request.startswith("GET ")),
        logins=counters["logins"],
        logouts=counters["logouts"],
        sessions_open=counters["sessions_open"],
    )


def as_dicts(figures: List[WaitFigures]) -> List[Dict[str, Any]]:
    return [asdict(item) for item in figures]

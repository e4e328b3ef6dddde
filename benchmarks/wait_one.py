# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark 1: wait for one task that finishes T seconds after the start, the role versus uri loops.

Each way is a playbook in benchmarks/playbooks/, run with ansible-playbook right after the scenario
is loaded (so T counts from the start of the play). The simulator counts the requests, logins and
open sessions; it also tells the Unix time at which the task finished, and the playbook's last task
writes the Unix time at which the play moved on: the difference is the detection latency.

Three series of runs:

- phases: the role (fixed interval) and both uri loops, N runs each with sessions that last until the
  logout, each run's T at a random moment of one poll interval (seeded), so the mean and the worst
  latency cover every phase of the poll instead of the one that the start of Ansible happened to give;
- lasting: the role with its growing interval, once, at the longer T;
- expiring: the role and both uri loops once, at the longer T, with sessions that expire some seconds
  after their login, during the wait (SDM's sessions are time-limited). A way that cannot log in again
  (uri + until with one session) is expected to fail there: its failure, with the reason the playbook
  gave, is a result, not a broken benchmark.
"""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import scenarios
from sim import Simulator, request_total

PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
# bounds a run that hangs: far more than T plus the slowest ansible-playbook start seen here
PLAYBOOK_TIMEOUT_EXTRA = 120.0
# the role's default bound of its growing sleep (route_update_wait_poll_interval_max)
ROLE_DEFAULT_INTERVAL_MAX = 30
# The role's wait is cut into this many progress slices (issue 22: one login per wait however many slices).
ROLE_SLICES = 10
# what ansible-playbook prints for a failed task: the result as JSON after the arrow
FATAL_MARK = "FAILED! => "
REASON_MAX = 300


@dataclass(frozen=True)
class Series:
    """One series of runs of the benchmark: which ways, how long the simulator keeps a session."""

    key: str
    label: str
    lifetime: Optional[float]  # seconds after the login; None: until the logout


PHASES = Series("phases", "sessions last until the logout, the finish at a random phase of the poll", None)
LASTING = Series("lasting", "sessions last until the logout", None)


@dataclass(frozen=True)
class Schedule:
    """What benchmark 1 runs, at the sizes of the run (benchmarks/run.py's plan)."""

    poll_interval: float
    phase_runs: int  # runs of each way in the phases series
    phase_base: float  # a phase run's task finishes between this and one poll interval later
    finish_after: float  # when the task finishes in the other series
    session_lifetime: float  # the expiring series
    with_growth: bool  # the role's growing interval, once (lasting series)


@dataclass(frozen=True)
class Way:
    """One way of waiting: a playbook and the extra variables that make it this way."""

    key: str
    label: str
    playbook: str
    extra_vars: Dict[str, str]
    survives_expiry: bool = True  # False: it keeps one session, so an expiry during the wait fails it


@dataclass
class WaitFigures:
    key: str
    label: str
    series: str  # the key of the Series of this run
    session_lifetime: Optional[float]
    run: int  # 1, 2, ... within the series
    finish_after: float  # T: seconds from the scenario load to the finish of the task
    expected_to_succeed: bool
    succeeded: bool
    wall_seconds: float
    requests: int
    polls: int
    logins: int
    logouts: int
    sessions_open: int
    sessions_expired: int
    refused: int  # answers 401: requests made with a session that had expired
    timed_out: bool = False
    reason: Optional[str] = None  # why the playbook failed, as it said it
    detection_latency: Optional[float] = None
    # the detection latency in two parts: from the finish to the poll that saw it, and from that poll to the next task
    wait_for_poll: Optional[float] = None
    moving_on: Optional[float] = None


def log_name(series: str, way: str, run_number: int = 1) -> str:
    """The log of one playbook run, in the logs folder."""
    return f"wait_one_{series}_{way}" + (f"_{run_number}" if run_number > 1 else "") + ".log"


def expiring(session_lifetime: float) -> Series:
    return Series("expiring", f"sessions expire {session_lifetime:g} s after the login", session_lifetime)


def phase_finishes(schedule: Schedule, rng: random.Random) -> List[float]:
    """The finish times of one way's phase runs: each at a random moment of its own 1/N of the poll interval, in
    random order. Every run's phase is random, and the N of them spread over the whole interval, so the mean is
    not at the mercy of a few draws that fell close together."""
    slots = list(range(schedule.phase_runs))
    rng.shuffle(slots)
    return [
        round(schedule.phase_base + schedule.poll_interval * (slot + rng.random()) / schedule.phase_runs, 3)
        for slot in slots
    ]


def ways(poll_interval: float, with_growth: bool) -> List[Way]:
    interval = f"{poll_interval:g}"
    chosen = [
        Way("role", f"role, fixed {interval} s interval", "wait_with_role.yml", {"bench_poll_interval": interval}),
        Way(
            "uri",
            f"uri + until, one session, {interval} s delay",
            "wait_with_uri.yml",
            {"bench_poll_interval": interval},
            survives_expiry=False,
        ),
        Way(
            "uri_relogin",
            f"uri, a session per poll, {interval} s pause",
            "wait_with_uri_relogin.yml",
            {"bench_poll_interval": interval},
        ),
    ]
    if with_growth:
        # the role's default schedule: the sleep grows by half each poll, up to its default bound
        chosen.insert(
            1,
            Way(
                "role_growing",
                f"role, {interval} s growing to {ROLE_DEFAULT_INTERVAL_MAX} s",
                "wait_with_role.yml",
                {"bench_poll_interval": interval, "bench_poll_interval_max": str(ROLE_DEFAULT_INTERVAL_MAX)},
            ),
        )
    return chosen


def run(sim: Simulator, collections: Path, logs: Path, schedule: Schedule, seed: int) -> List[WaitFigures]:
    """The phases series (the ways take turns, so that a change in the machine's load falls on all of them), the
    growing interval once, then the expiring series."""
    rng = random.Random(seed)
    chosen = ways(schedule.poll_interval, with_growth=False)
    finishes = {way.key: phase_finishes(schedule, rng) for way in chosen}
    figures = [
        run_way(sim, way, PHASES, collections, logs, finishes[way.key][index], index + 1)
        for index in range(schedule.phase_runs)
        for way in chosen
    ]
    if schedule.with_growth:
        growing = [way for way in ways(schedule.poll_interval, with_growth=True) if way.key == "role_growing"]
        figures += [run_way(sim, way, LASTING, collections, logs, schedule.finish_after) for way in growing]
    lifetime = expiring(schedule.session_lifetime)
    figures += [run_way(sim, way, lifetime, collections, logs, schedule.finish_after) for way in chosen]
    return figures


def run_way(
    sim: Simulator,
    way: Way,
    series: Series,
    collections: Path,
    logs: Path,
    finish_after: float,
    run_number: int = 1,
) -> WaitFigures:
    log = logs / log_name(series.key, way.key, run_number)
    with tempfile.TemporaryDirectory(prefix="sdm-bench-wait-") as folder:
        moved_on_file = Path(folder) / "moved_on.txt"
        started = sim.load(scenarios.one_task(finish_after, series.lifetime))
        succeeded, timed_out = _play(sim, way, collections, log, moved_on_file, finish_after)
        wall = time.time() - started
        moved_on = float(moved_on_file.read_text(encoding="utf-8")) if moved_on_file.is_file() else None
    task = sim.task_state(scenarios.WAIT_TASK_ID)
    finished = task["update_ended_wall"]
    detecting_poll = _first_read_after(sim.control("GET", "/requests")["requests"], task["update_ended_at"])
    figures = _figures(way, series, (run_number, finish_after), succeeded, wall, sim.counters())
    figures.timed_out = timed_out
    if not succeeded:
        figures.reason = failure_reason(log.read_text(encoding="utf-8", errors="replace"), timed_out)
    figures.detection_latency = _seconds_between(finished, moved_on)
    figures.wait_for_poll = _seconds_between(finished, detecting_poll)
    figures.moving_on = _seconds_between(detecting_poll, moved_on)
    return figures


def _play(
    sim: Simulator, way: Way, collections: Path, log: Path, moved_on_file: Path, finish_after: float
) -> Tuple[bool, bool]:
    """Run the way's playbook: (succeeded, stopped because it did not end in time)."""
    extra_vars = dict(way.extra_vars, bench_task_id=scenarios.WAIT_TASK_ID, bench_moved_on_file=str(moved_on_file))
    if way.playbook == "wait_with_role.yml":
        # the wait cut into ROLE_SLICES progress slices: still one login per wait (issue 22)
        extra_vars.setdefault("bench_progress_interval", str(max(1, math.ceil(finish_after / ROLE_SLICES))))
    # the ansible-playbook next to this Python: the venv that has the collection's requirements
    command = [str(Path(sys.executable).with_name("ansible-playbook")), str(PLAYBOOKS / way.playbook)]
    for name, value in extra_vars.items():
        command += ["-e", f"{name}={value}"]
    with log.open("w", encoding="utf-8") as output:
        try:
            process = subprocess.run(
                command,
                env=_environment(sim, collections),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=finish_after + PLAYBOOK_TIMEOUT_EXTRA,
                check=False,
            )
        except subprocess.TimeoutExpired:
            output.write(f"\nstopped after {finish_after + PLAYBOOK_TIMEOUT_EXTRA:g} s\n")
            return False, True
    return process.returncode == 0, False


def failure_reason(log: str, timed_out: bool) -> str:
    """Why a playbook failed: the message of its last failed task (ansible-playbook's output), shortened."""
    if timed_out:
        return "it did not end in time and was stopped"
    reason = "ansible-playbook failed without a task error (see its log)"
    for line in log.splitlines():
        if FATAL_MARK not in line:
            continue
        try:
            result = json.loads(line.split(FATAL_MARK, 1)[1])
        except ValueError:
            continue
        if isinstance(result, dict) and result.get("msg"):
            reason = str(result["msg"])
    return reason if len(reason) <= REASON_MAX else reason[: REASON_MAX - 3] + "..."


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
    return round(end - start, 3) if start is not None and end is not None else None


def _first_read_after(log: List[Dict[str, Any]], ended_at: Optional[float]) -> Optional[float]:
    """When the first read of the task after its finish that got the task (not a 401) arrived at the simulator."""
    if ended_at is None:
        return None
    return next(
        (
            entry["wall"]
            for entry in log
            if entry["method"] == "GET"
            and entry["path"].endswith("/" + scenarios.WAIT_TASK_ID)
            and entry["status"] == "200"
            and entry["at"] >= ended_at
        ),
        None,
    )


def _figures(
    way: Way, series: Series, run: Tuple[int, float], succeeded: bool, wall: float, counters: Dict[str, Any]
) -> WaitFigures:
    """The figures from the simulator's counters (``run``: its number and T); the moments and the reason are filled in
    by the caller."""
    return WaitFigures(
        key=way.key,
        label=way.label,
        series=series.key,
        session_lifetime=series.lifetime,
        run=run[0],
        finish_after=run[1],
        expected_to_succeed=series.lifetime is None or way.survives_expiry,
        succeeded=succeeded,
        wall_seconds=round(wall, 2),
        requests=request_total(counters),
        polls=sum(count for request, count in counters["requests"].items() if request.startswith("GET ")),
        logins=counters["logins"],
        logouts=counters["logouts"],
        sessions_open=counters["sessions_open"],
        sessions_expired=counters["sessions_expired"],
        refused=counters["statuses"].get("401", 0),
    )


def as_dicts(figures: List[WaitFigures]) -> List[Dict[str, Any]]:
    return [asdict(item) for item in figures]


@dataclass
class LatencySummary:
    """One way over its phase runs: the mean and the worst of each part of the detection latency."""

    key: str
    label: str
    runs: int
    seen: int  # runs that succeeded and whose finish and moving on were both seen
    latency_mean: Optional[float]
    latency_worst: Optional[float]
    wait_for_poll_mean: Optional[float]
    wait_for_poll_worst: Optional[float]
    moving_on_mean: Optional[float]
    moving_on_worst: Optional[float]
    requests_mean: float
    logins_most: int
    sessions_open_most: int


def summarise(figures: List[WaitFigures]) -> List[LatencySummary]:
    """The phases series, one summary per way, in the order the ways ran."""
    phase_runs = [item for item in figures if item.series == PHASES.key]
    keys = list(dict.fromkeys(item.key for item in phase_runs))
    return [_summary([item for item in phase_runs if item.key == key]) for key in keys]


def _summary(runs: List[WaitFigures]) -> LatencySummary:
    seen = [
        item for item in runs if item.succeeded and item.detection_latency is not None and item.moving_on is not None
    ]
    return LatencySummary(
        key=runs[0].key,
        label=runs[0].label,
        runs=len(runs),
        seen=len(seen),
        latency_mean=_mean([item.detection_latency for item in seen]),
        latency_worst=_worst([item.detection_latency for item in seen]),
        wait_for_poll_mean=_mean([item.wait_for_poll for item in seen]),
        wait_for_poll_worst=_worst([item.wait_for_poll for item in seen]),
        moving_on_mean=_mean([item.moving_on for item in seen]),
        moving_on_worst=_worst([item.moving_on for item in seen]),
        requests_mean=round(statistics.fmean(item.requests for item in runs), 1),
        logins_most=max(item.logins for item in runs),
        sessions_open_most=max(item.sessions_open for item in runs),
    )


def _mean(values: List[Optional[float]]) -> Optional[float]:
    known = [value for value in values if value is not None]
    return round(statistics.fmean(known), 3) if known else None


def _worst(values: List[Optional[float]]) -> Optional[float]:
    known = [value for value in values if value is not None]
    return max(known) if known else None


def summaries_as_dicts(summaries: List[LatencySummary]) -> List[Dict[str, Any]]:
    return [asdict(item) for item in summaries]

# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark 1: wait for one task that finishes T seconds after the start, the role versus uri loops.

Each way is a playbook in benchmarks/playbooks/, run with ansible-playbook right after the scenario
is loaded (so T counts from the start of the play). The simulator counts the requests, logins and
open sessions; it also tells the Unix time at which the task finished, and the playbook's last task
writes the Unix time at which the play moved on: the difference is the detection latency.

Every way runs twice: with sessions that last until the logout, and with sessions that expire some
seconds after their login, during the wait (SDM's sessions are time-limited). A way that cannot log
in again (uri + until with one session) is expected to fail in the second run: its failure, with the
reason the playbook gave, is a result, not a broken benchmark.
"""

from __future__ import annotations

import json
import os
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
# what ansible-playbook prints for a failed task: the result as JSON after the arrow
FATAL_MARK = "FAILED! => "
REASON_MAX = 300


@dataclass(frozen=True)
class Sessions:
    """How long the simulator keeps a session in one run of the benchmark."""

    key: str
    label: str
    lifetime: Optional[float]  # seconds after the login; None: until the logout


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
    sessions: str  # the key of the Sessions of this run
    session_lifetime: Optional[float]
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


def log_name(sessions: str, way: str) -> str:
    """The log of one playbook run, in the logs folder."""
    return f"wait_one_{sessions}_{way}.log"


def session_runs(session_lifetime: float) -> List[Sessions]:
    return [
        Sessions("lasting", "sessions last until the logout", None),
        Sessions("expiring", f"sessions expire {session_lifetime:g} s after the login", session_lifetime),
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


def run(
    sim: Simulator,
    collections: Path,
    logs: Path,
    finish_after: float,
    poll_interval: float,
    session_lifetime: float,
    *,
    with_growth: bool,
    every_way_lasting: bool,
) -> List[WaitFigures]:
    """With lasting sessions every way (or only the role); with expiring ones every way but the growing interval."""
    figures = []
    for sessions in session_runs(session_lifetime):
        chosen = ways(poll_interval, with_growth and sessions.lifetime is None)
        if sessions.lifetime is None and not every_way_lasting:
            chosen = [way for way in chosen if way.key == "role"]
        figures += [run_way(sim, way, sessions, collections, logs, finish_after) for way in chosen]
    return figures


def run_way(
    sim: Simulator, way: Way, sessions: Sessions, collections: Path, logs: Path, finish_after: float
) -> WaitFigures:
    log = logs / log_name(sessions.key, way.key)
    with tempfile.TemporaryDirectory(prefix="sdm-bench-wait-") as folder:
        moved_on_file = Path(folder) / "moved_on.txt"
        started = sim.load(scenarios.one_task(finish_after, sessions.lifetime))
        succeeded, timed_out = _play(sim, way, collections, log, moved_on_file, finish_after)
        wall = time.time() - started
        moved_on = float(moved_on_file.read_text(encoding="utf-8")) if moved_on_file.is_file() else None
    task = sim.task_state(scenarios.WAIT_TASK_ID)
    finished = task["update_ended_wall"]
    detecting_poll = _first_read_after(sim.control("GET", "/requests")["requests"], task["update_ended_at"])
    figures = _figures(way, sessions, succeeded, wall, sim.counters())
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
    return round(end - start, 2) if start is not None and end is not None else None


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


def _figures(way: Way, sessions: Sessions, succeeded: bool, wall: float, counters: Dict[str, Any]) -> WaitFigures:
    """The figures from the simulator's counters; the moments and the reason are filled in by the caller."""
    return WaitFigures(
        key=way.key,
        label=way.label,
        sessions=sessions.key,
        session_lifetime=sessions.lifetime,
        expected_to_succeed=sessions.lifetime is None or way.survives_expiry,
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

# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulator scenarios of the benchmarks (format: tests/simulator/README.md), built for each size asked."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

USERNAME = "bench"
# A local simulator's account, made up for the benchmarks: not a secret.
PASSWORD = "bench-password"
WAIT_TASK_ID = "WAIT1"
BIG_TASK_ID = "BIG1"
# a fixed date, so that bodies of one size are the same bytes in every run
CLOCK_ORIGIN = "2026-01-05T22:00:00"


def _scenario(name: str, tasks: List[Dict[str, Any]], faults: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {
        "name": name,
        "clock_origin": CLOCK_ORIGIN,
        "users": [{"username": USERNAME, "password": PASSWORD}],
        "tasks": tasks,
        "faults": faults,
    }


def one_task(finish_after: float, session_lifetime: Optional[float] = None) -> Dict[str, Any]:
    """Benchmark 1: one task whose only device completes ``finish_after`` seconds after the load.

    With ``session_lifetime``, every SDM session expires that many seconds after its login (SDM's
    sessions are time-limited); without it, sessions last until logout.
    """
    task = {"id": WAIT_TASK_ID, "error_handling": "rollback", "devices": [{"object_id": "SBC1", "at": finish_after}]}
    scenario = _scenario(
        "bench-wait-one" if session_lifetime is None else "bench-wait-one-expiring-sessions", [task], []
    )
    if session_lifetime is not None:
        scenario["sessions"] = {"expire_after_seconds": session_lifetime}
    return scenario


def big_task(devices: int) -> Dict[str, Any]:
    """Benchmark 2: one finished task with ``devices`` devices, 1 % of them failed (policy continue)."""
    failed = devices // 100
    entries = [{"count": devices - failed, "at": 0, "device_group_id": "DG1"}]
    if failed:
        entries.append(
            {"count": failed, "at": 0, "device_group_id": "DG2", "outcome": "failure", "failure_msg": "LRT rejected"}
        )
    task = {"id": BIG_TASK_ID, "error_handling": "continue", "devices": entries}
    return _scenario(f"bench-{devices}-devices", [task], [])


def many_task_ids(count: int) -> List[str]:
    return [f"MANY{number:04d}" for number in range(1, count + 1)]


def many_tasks(count: int, latency: float) -> Dict[str, Any]:
    """Benchmark 3: ``count`` finished one-device tasks; every SDM answer is ``latency`` seconds late."""
    tasks = [{"id": task_id, "devices": [{"at": 0}]} for task_id in many_task_ids(count)]
    delay = {"kind": "delay", "seconds": latency, "count": "always"}
    return _scenario(f"bench-{count}-tasks", tasks, [delay] if latency > 0 else [])

# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Everything the simulated server knows, behind one lock: scenario, clock, sessions, tasks, faults, counters."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional

from .clock import SimClock
from .faults import FaultBook
from .scenario import AFTER_COMMIT_NOT_FOUND, Scenario
from .sessions import SessionStats, SessionStore
from .timeline import TaskRun

# the newest requests kept for GET /_sim/requests: enough for a test or a benchmark, bounded for a long demo
REQUEST_LOG_SIZE = 1000


@dataclass
class Counters:
    logins: int = 0
    login_failures: int = 0
    logouts: int = 0
    connections: int = 0
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)  # "200", "503", ... and "reset"
    faults: Counter[str] = field(default_factory=Counter)
    actions_accepted: Counter[str] = field(default_factory=Counter)
    actions_refused: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class RequestRecord:
    """One SDM request, when it arrived: scenario seconds and Unix time (to compare with a client's own clock)."""

    at: float
    wall: float
    method: str
    path: str
    status: str  # "200", ... or "reset"


@dataclass(frozen=True)
class ActionRecord:
    at: float
    task_id: str
    action: str
    accepted: bool
    status: int
    message: str


class SimulatorState:
    def __init__(self, scenario: Scenario, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.lock = threading.RLock()
        self._monotonic = monotonic
        self.load(scenario)

    def load(self, scenario: Scenario) -> None:
        """Start the scenario from second 0: new clock, no sessions, fresh faults and counters."""
        with self.lock:
            self.scenario = scenario
            self.clock = SimClock(scenario.speed, scenario.clock_origin, self._monotonic)
            self.sessions = SessionStore(scenario.sessions)
            # rules count what they saw, so each load gets its own copies
            self.faults = FaultBook([dataclasses.replace(rule) for rule in scenario.faults])
            self.tasks: Dict[str, TaskRun] = {spec.task_id: TaskRun(spec) for spec in scenario.tasks}
            self.counters = Counters()
            self.actions: List[ActionRecord] = []
            self.requests: Deque[RequestRecord] = deque(maxlen=REQUEST_LOG_SIZE)

    def now(self) -> float:
        return self.clock.now()

    def note_task_request(self, task_id: str, now: float) -> None:
        run = self.tasks.get(task_id)
        if run is not None:
            run.note_request(now)

    def visible_task(self, task_id: str, now: float) -> Optional[TaskRun]:
        """The task as SDM's GET sees it: None when unknown, vanished, or committed and gone from the server."""
        run = self.tasks.get(task_id)
        if run is None:
            return None
        view = run.view(now)
        if view.vanished or (view.committed and self.scenario.server.after_commit == AFTER_COMMIT_NOT_FOUND):
            return None
        return run

    def record_action(self, task_id: str, action: str, status: int, message: str = "") -> None:
        accepted = status < 300
        (self.counters.actions_accepted if accepted else self.counters.actions_refused)[action] += 1
        self.actions.append(ActionRecord(self.now(), task_id, action, accepted, status, message))

    def reset_counters(self) -> None:
        with self.lock:
            self.counters = Counters()
            self.actions = []
            self.requests.clear()
            self.sessions.stats = SessionStats(max_open=self.sessions.open_count(self.now()))

    def counters_document(self) -> Dict[str, Any]:
        with self.lock:
            now = self.now()
            counters, stats = self.counters, self.sessions.stats
            return {
                "scenario": self.scenario.name,
                "elapsed": round(now, 3),
                "logins": counters.logins,
                "login_failures": counters.login_failures,
                "logouts": counters.logouts,
                "sessions_open": self.sessions.open_count(now),
                "sessions_max_open": stats.max_open,
                "sessions_expired": stats.expired,
                "sessions_dropped": stats.dropped,
                "connections": counters.connections,
                "requests": dict(counters.requests),
                "statuses": dict(counters.statuses),
                "faults": dict(counters.faults),
                "actions": {"accepted": dict(counters.actions_accepted), "refused": dict(counters.actions_refused)},
            }

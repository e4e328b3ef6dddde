# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The control API under ``/_sim/``: tests load scenarios, script faults and read counters here.

It needs no session and is never counted or faulted, so checking the simulator does not change
what a test asserts about the client.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple

from . import words as w
from ._fields import Fields, ScenarioError
from .clock import SimClock
from .faults import parse_faults
from .messages import Reply, Request, json_reply
from .scenario import parse_json, parse_scenario, parse_session_policy, parse_yaml
from .state import SimulatorState
from .timeline import TaskView

Handler = Callable[[Request, Tuple[str, ...]], Reply]


class ControlApi:
    def __init__(self, state: SimulatorState) -> None:
        self.state = state
        self._routes: Dict[Tuple[str, ...], Dict[str, Handler]] = {
            ("health",): {"GET": self._health},
            ("scenario",): {"POST": self._load_scenario},
            ("counters",): {"GET": self._counters},
            ("counters", "reset"): {"POST": self._reset_counters},
            ("faults",): {"GET": self._faults, "POST": self._add_faults, "DELETE": self._clear_faults},
            ("sessions", "drop"): {"POST": self._drop_sessions},
            ("sessions", "policy"): {"POST": self._session_policy},
            ("clock", "advance"): {"POST": self._advance_clock},
            ("tasks",): {"GET": self._tasks},
            ("tasks", "*", "vanish"): {"POST": self._vanish_task},
            ("actions",): {"GET": self._actions},
            ("requests",): {"GET": self._requests},
        }

    def handle(self, request: Request) -> Reply:
        route = request.segments[1:]
        key = ("tasks", "*", "vanish") if len(route) == 3 and route[0] == "tasks" and route[2] == "vanish" else route
        methods = self._routes.get(key)
        if methods is None:
            return json_reply(404, {"error": f"no control endpoint {request.path}", "endpoints": self._endpoints()})
        handler = methods.get(request.method)
        if handler is None:
            return json_reply(405, {"error": f"{request.path} accepts {', '.join(sorted(methods))}"})
        try:
            with self.state.lock:
                return handler(request, route)
        except ScenarioError as exc:
            return json_reply(400, {"error": str(exc)})

    def _endpoints(self) -> List[str]:
        return sorted(
            f"{method} /_sim/{'/'.join(route)}" for route, methods in self._routes.items() for method in methods
        )

    def _health(self, request: Request, route: Tuple[str, ...]) -> Reply:
        return json_reply(
            200, {"status": "ok", "scenario": self.state.scenario.name, "elapsed": round(self.state.now(), 3)}
        )

    def _load_scenario(self, request: Request, route: Tuple[str, ...]) -> Reply:
        scenario = parse_scenario(_body_data(request), default_name="posted")
        self.state.load(scenario)
        return json_reply(200, {"scenario": scenario.name, "tasks": [task.task_id for task in scenario.tasks]})

    def _counters(self, request: Request, route: Tuple[str, ...]) -> Reply:
        return json_reply(200, self.state.counters_document())

    def _reset_counters(self, request: Request, route: Tuple[str, ...]) -> Reply:
        self.state.reset_counters()
        return json_reply(200, self.state.counters_document())

    def _faults(self, request: Request, route: Tuple[str, ...]) -> Reply:
        return json_reply(200, {"faults": self.state.faults.describe()})

    def _add_faults(self, request: Request, route: Tuple[str, ...]) -> Reply:
        self.state.faults.add(parse_faults(_body_data(request), "faults"))
        return json_reply(200, {"faults": self.state.faults.describe()})

    def _clear_faults(self, request: Request, route: Tuple[str, ...]) -> Reply:
        self.state.faults.clear()
        return json_reply(200, {"faults": []})

    def _drop_sessions(self, request: Request, route: Tuple[str, ...]) -> Reply:
        return json_reply(200, {"dropped": self.state.sessions.drop_all()})

    def _session_policy(self, request: Request, route: Tuple[str, ...]) -> Reply:
        policy = parse_session_policy(_body_data(request))
        self.state.sessions.policy = policy
        return json_reply(200, {"sessions": vars(policy)})

    def _advance_clock(self, request: Request, route: Tuple[str, ...]) -> Reply:
        fields = Fields(_body_data(request), "clock")
        seconds = fields.number("seconds")
        fields.finish()
        return json_reply(200, {"elapsed": round(self.state.clock.advance(seconds), 3)})

    def _tasks(self, request: Request, route: Tuple[str, ...]) -> Reply:
        now = self.state.now()
        return json_reply(
            200, {task_id: _task_state(run.view(now), self.state.clock) for task_id, run in self.state.tasks.items()}
        )

    def _vanish_task(self, request: Request, route: Tuple[str, ...]) -> Reply:
        run = self.state.tasks.get(route[1])
        if run is None:
            return json_reply(404, {"error": f"no task {route[1]} in the scenario"})
        run.vanish(self.state.now())
        return json_reply(200, {"vanished": route[1]})

    def _actions(self, request: Request, route: Tuple[str, ...]) -> Reply:
        return json_reply(200, {"actions": [vars(record) for record in self.state.actions]})

    def _requests(self, request: Request, route: Tuple[str, ...]) -> Reply:
        return json_reply(200, {"requests": [vars(record) for record in self.state.requests]})


def _task_state(view: TaskView, clock: SimClock) -> Dict[str, Any]:
    """The simulator's own view of a task, with internal state names next to the words it speaks."""
    ended = view.update_ended_at
    return {
        "update": view.update,
        "update_word": view.word(w.UPDATE, view.update),
        "rollback": view.rollback,
        "rollback_word": view.word(w.ROLLBACK, view.rollback),
        "updated_count": view.updated_count,
        "rollback_count": view.rollback_count,
        "pending": view.pending,
        "committed": view.committed,
        "vanished": view.vanished,
        "update_ended_at": ended,
        "update_ended_wall": round(clock.wall_time(ended), 3) if ended is not None else None,
    }


def _body_data(request: Request) -> Any:
    text = request.body.decode("utf-8", errors="replace")
    if not text.strip():
        return {}
    if "yaml" in (request.header("Content-Type") or "").lower():
        return parse_yaml(text, "request body")
    return parse_json(text, "request body")

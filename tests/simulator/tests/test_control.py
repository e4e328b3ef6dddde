# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The control API under /_sim/."""

from __future__ import annotations

import time

import requests

from simulator_helpers import JSON, Control, SdmSession, minimal_scenario
from sdm_simulator import SimulatorServer

YAML_SCENARIO = """
---
name: from-yaml
users:
  - {username: ops, password: "s3cret"}
tasks:
  - id: ID7
    devices:
      - {object_id: ID8, at: 0}
"""


def test_health(control: Control) -> None:
    health = control.get("/health")
    assert health["status"] == "ok" and health["scenario"] == "minimal"


def test_load_a_json_scenario_resets_everything(sim: SimulatorServer, control: Control) -> None:
    client = SdmSession(sim.url, JSON)
    client.login()
    control.advance(100)
    loaded = control.post("/scenario", minimal_scenario(name="again", tasks=[{"id": "ID5"}]))
    assert loaded == {"scenario": "again", "tasks": ["ID5"]}
    counters = control.counters()
    assert (counters["logins"], counters["sessions_open"], counters["requests"]) == (0, 0, {})
    assert counters["elapsed"] < 5
    assert client.pending().status_code == 401  # sessions do not survive a load


def test_load_a_yaml_scenario(sim: SimulatorServer, control: Control) -> None:
    response = requests.post(
        f"{control.url}/scenario", data=YAML_SCENARIO, headers={"Content-Type": "application/yaml"}, timeout=10
    )
    assert response.json() == {"scenario": "from-yaml", "tasks": ["ID7"]}
    client = SdmSession(sim.url, JSON)
    assert client.login("ops", "s3cret").status_code == 200
    assert client.task("ID7").json()["updateStatus"] == "Completed"


def test_bad_scenario_is_refused_with_the_field_named(control: Control) -> None:
    bad = minimal_scenario(tasks=[{"id": "ID1", "devices": [{"outcome": "sucess"}]}])
    response = requests.post(f"{control.url}/scenario", json=bad, timeout=10)
    assert response.status_code == 400
    assert (
        response.json()["error"] == "tasks[0].devices[0].outcome: expected one of success, failure, never; got 'sucess'"
    )
    assert control.get("/health")["scenario"] == "minimal"  # the running scenario is kept


def test_malformed_control_bodies_are_400(control: Control) -> None:
    response = requests.post(f"{control.url}/faults", data="{not json", timeout=10)
    assert response.status_code == 400
    assert response.json()["error"].startswith("request body: not valid JSON")
    response = requests.post(f"{control.url}/faults", json={"kind": "explode"}, timeout=10)
    assert (
        response.json()["error"]
        == "faults[0].kind: expected one of status, reset, delay, body, short_read, drop_sessions, vanish; got 'explode'"
    )


def test_counters_reset(sim: SimulatorServer, control: Control) -> None:
    client = SdmSession(sim.url)
    client.login()
    client.task("ID1")
    counters = control.post("/counters/reset")
    assert (counters["logins"], counters["requests"]) == (0, {})
    assert (counters["sessions_open"], counters["sessions_max_open"]) == (1, 1)  # the session itself lives on


def test_tasks_view_and_clock(control: Control) -> None:
    assert control.get("/tasks")["ID1"]["update"] == "in_progress"
    assert control.advance(1) >= 1
    task = control.get("/tasks")["ID1"]
    assert (task["update"], task["update_word"], task["updated_count"], task["pending"]) == (
        "completed",
        "Completed",
        1,
        True,
    )


def test_tasks_tell_when_the_update_ended_in_wall_time(control: Control) -> None:
    """Benchmarks compare it with the moment a play moved on: the client's detection latency."""
    before = time.time()
    control.post("/scenario", minimal_scenario(tasks=[{"id": "T", "devices": [{"at": 0.3}]}]))
    after = time.time()
    task = control.get("/tasks")["T"]
    assert (task["update_ended_at"], task["update_ended_wall"]) == (None, None)
    for _attempt in range(50):  # the task ends 0.3 s after the load: give it at most 5 s
        task = control.get("/tasks")["T"]
        if task["update"] == "completed":
            break
        time.sleep(0.1)
    assert task["update_ended_at"] == 0.3
    assert before + 0.3 - 0.002 <= task["update_ended_wall"] <= after + 0.3 + 0.002


def test_request_log_tells_when_each_request_arrived(sim: SimulatorServer, control: Control) -> None:
    before = time.time()
    client = SdmSession(sim.url)
    client.login()
    client.task("ID1")
    client.task("ID404")
    log = control.get("/requests")["requests"]
    assert [(entry["method"], entry["path"], entry["status"]) for entry in log] == [
        ("POST", "/rest/v1.3/admin/login", "200"),
        ("GET", "/rest/v1.3/routeSets/routeUpdates/ID1", "200"),
        ("GET", "/rest/v1.3/routeSets/routeUpdates/ID404", "404"),
    ]
    walls = [entry["wall"] for entry in log]
    assert before - 0.001 <= walls[0] <= walls[1] <= walls[2] <= time.time() + 0.001
    assert log[0]["at"] <= log[2]["at"]
    control.post("/counters/reset")
    assert control.get("/requests") == {"requests": []}


def test_unknown_endpoint_and_method(control: Control) -> None:
    missing = requests.get(f"{control.url}/nothing", timeout=10)
    assert missing.status_code == 404
    assert "GET /_sim/counters" in missing.json()["endpoints"]
    wrong = requests.delete(f"{control.url}/counters", timeout=10)
    assert wrong.status_code == 405 and wrong.json()["error"] == "/_sim/counters accepts GET"


def test_clock_needs_seconds(control: Control) -> None:
    response = requests.post(f"{control.url}/clock/advance", json={"minutes": 1}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"] == "clock.seconds: is required"

# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A scenario made from a recording: what SDM did, as a scenario that loads, can be edited, and tells the same story."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest
import yaml

from sdm_simulator import SimulatorServer, parse_scenario
from sdm_simulator.from_recording import scenario_from_recording, scenario_text
from sdm_simulator.recording import load_recording
from simulator_helpers import XML, Control, RecordingWriter, SdmSession

# SDM speaking words nobody knows, with its own pending list, logout status and XML layout.
RECORDED: Dict[str, Any] = {
    "name": "recorded-sdm",
    "server": {"pending_id_field": "taskId", "logout_status": 200, "xml_indent": False, "after_commit": "history"},
    "status_words": {"update.in_progress": "Deploying", "update.completed": "Deployed"},
    "users": [{"username": "ops", "password": "ops-pass"}],
    "tasks": [
        {
            "id": "ID1",
            "error_handling": "rollback",
            "devices": [
                {"object_id": "ID11", "device_group_id": "G1", "at": 2},
                {"object_id": "ID12", "device_group_id": "G2", "at": 4},
            ],
        },
        {
            "id": "ID2",
            "error_handling": "rollback",
            "devices": [
                {"object_id": "ID21", "at": 1, "rollback_after": 2},
                {"object_id": "ID22", "at": 3, "outcome": "failure", "failure_msg": "LRT rejected"},
            ],
        },
        {
            "id": "ID3",
            "error_handling": "rollback",
            "auto_rollback": True,
            "devices": [{"object_id": "ID31", "at": 1}, {"object_id": "ID32", "at": 2, "outcome": "failure"}],
        },
        {
            "id": "ID4",
            "error_handling": "abort",
            "devices": [
                {"object_id": "ID41", "at": 1, "outcome": "failure"},
                {"object_id": "ID42", "at": 5, "extra_fields": {"zone": "north"}},
            ],
        },
    ],
}
TASKS = ("ID1", "ID2", "ID3", "ID4")


def final_words(client: SdmSession) -> Dict[str, Tuple[str, ...]]:
    """Each task's update and rollback status and its devices' statuses, as SDM shows them."""
    words = {}
    for task in TASKS:
        answer = client.task(task)
        assert answer.status_code == 200, answer.text
        text = answer.text
        words[task] = tuple(
            part.split("<", 1)[0]
            for part in text.split(">")
            if part and not part.startswith("<") and part.split("<", 1)[0].isalpha()
        )
    return words


@pytest.fixture
def recording(
    tmp_path: Path, start_simulator: Callable[..., SimulatorServer]
) -> Tuple[Path, Dict[str, Tuple[str, ...]]]:
    """A change window against RECORDED, recorded at the scenario seconds the test moves the clock to."""
    sim = start_simulator(RECORDED)
    control, writer = Control(sim.url), RecordingWriter(tmp_path / "window")
    client = SdmSession(sim.url, XML)
    clock = 0.0

    def at(seconds: float) -> float:
        nonlocal clock
        control.advance(seconds - clock)
        clock = seconds
        return seconds

    writer.response(at(0), client.login("ops", "ops-pass"))
    writer.response(at(0), client.pending())
    for moment in (0, 1.5, 2.5, 3.5):
        for task in TASKS:
            writer.response(at(moment), client.task(task))
    writer.response(at(3.6), client.action("ID2", "Rollback"))
    for task in TASKS:
        writer.response(at(4.5), client.task(task))
    writer.response(at(4.6), client.action("ID1", "Commit"))
    for task in TASKS:
        writer.response(at(6), client.task(task))
    words = final_words(client)
    writer.response(at(6.1), client.logout())
    client.close()
    return writer.folder, words


def test_the_scenario_holds_what_sdm_did(recording: Tuple[Path, Any]) -> None:
    data, notes = scenario_from_recording(load_recording(str(recording[0])))
    parse_scenario(data)
    assert data["status_words"] == {"update.completed": "Deployed", "update.in_progress": "Deploying"}
    assert data["server"] == {
        "api_versions": ["v1.3"],
        "logout_status": 200,
        "after_commit": "history",
        "pending_id_field": "taskId",
        "server_info": "Oracle Communications Session Delivery Manager (simulated)",
        "xml_indent": False,
    }
    assert data["users"] == [{"username": "ops", "password": "change-me"}]
    tasks = {task["id"]: task for task in data["tasks"]}
    assert [
        (device["object_id"], device["device_group_id"], device["outcome"], device["at"])
        for device in tasks["ID1"]["devices"]
    ] == [("ID11", "G1", "success", 2.5), ("ID12", "G2", "success", 4.5)]
    id21, id22 = tasks["ID2"]["devices"]
    assert (id21["outcome"], id21["rollback"], id21["rollback_after"]) == ("success", "success", 2.4)
    assert (id22["outcome"], id22["at"], id22["failure_msg"]) == ("failure", 3.5, "LRT rejected")
    assert tasks["ID3"]["auto_rollback"] is True and tasks["ID3"]["error_handling"] == "rollback"
    id41, id42 = tasks["ID4"]["devices"]
    assert (id41["outcome"], id42["outcome"], id42["at"], id42["extra_fields"]) == (
        "failure",
        "success",
        2.5,
        {"zone": "north"},
    )
    assert all(task["timed_from"] == "first_request" for task in data["tasks"])
    assert any("'Deploying' is taken for in_progress" in line for line in notes.lines)
    assert any("'Deployed' is taken for completed" in line for line in notes.lines)


def test_the_scenario_tells_the_same_story(
    recording: Tuple[Path, Dict[str, Tuple[str, ...]]], start_simulator: Callable[..., SimulatorServer]
) -> None:
    folder, recorded = recording
    data, _notes = scenario_from_recording(load_recording(str(folder)))
    sim = start_simulator(data)
    control, client = Control(sim.url), SdmSession(sim.url, XML)
    try:
        assert client.login("ops", "change-me").status_code == 200
        for task in TASKS:
            assert client.task(task).status_code == 200  # starts each task's clock
        control.advance(10)
        assert client.action("ID2", "Rollback").status_code == 200
        assert client.action("ID1", "Commit").status_code == 200
        control.advance(10)
        assert final_words(client) == recorded
    finally:
        client.close()


def test_yaml_with_the_guesses_on_top_and_json(recording: Tuple[Path, Any]) -> None:
    folder = load_recording(str(recording[0]))
    text = scenario_text(folder)
    assert text.startswith("---\n# Made by python -m sdm_simulator --scenario-from-recording from window (")
    assert "# Guessed from the recording (check these):" in text
    assert parse_scenario(yaml.safe_load(text)).name == "recorded-window"
    as_json = json.loads(scenario_text(folder, as_json=True))
    assert "is taken for completed" in as_json["description"]
    parse_scenario(as_json)


def test_a_task_never_seen_done_and_a_task_that_vanished(tmp_path: Path) -> None:
    writer = RecordingWriter(tmp_path / "open")
    running = '{"updateStatus": "Pushing", "deviceStatusList": [{"objectId": "ID51", "status": "Pushing"}]}'
    writer.add(0, "GET", "/rest/v1.3/routeSets/routeUpdates/ID5", 200, running, "application/json")
    writer.add(9, "GET", "/rest/v1.3/routeSets/routeUpdates/ID5", 200, running, "application/json")
    writer.add(
        1,
        "GET",
        "/rest/v1.3/routeSets/routeUpdates/ID6",
        200,
        '{"updateStatus": "Completed", "deviceStatusList": []}',
        "application/json",
    )
    writer.add(3, "GET", "/rest/v1.3/routeSets/routeUpdates/ID6", 404, "Route update task ID6 not found", "text/plain")
    writer.add(
        4, "GET", "/rest/v1.3/routeSets/routeUpdates/ID6", 503, "busy", "text/plain", headers={"Retry-After": "5"}
    )
    data, _notes = scenario_from_recording(load_recording(str(writer.folder)))
    parse_scenario(data)
    tasks: Dict[str, Any] = {task["id"]: task for task in data["tasks"]}
    assert tasks["ID5"]["devices"] == [{"object_id": "ID51", "outcome": "never"}]
    assert data["status_words"] == {"device.in_progress": "Pushing", "update.in_progress": "Pushing"}
    assert tasks["ID6"]["vanish_at"] == 2
    faults: List[Dict[str, Any]] = data["faults"]
    assert faults == [
        {
            "kind": "status",
            "status": 503,
            "method": "GET",
            "path": "*/routeSets/routeUpdates/ID6",
            "after_seconds": 4.0,
            "retry_after": "5",
            "body": "text",
            "text": "busy",
        }
    ]

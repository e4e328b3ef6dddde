# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading scenarios: bundled files, defaults, and errors that name the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import pytest

from simulator_helpers import minimal_scenario
from sdm_simulator import ScenarioError, load_scenario_file, parse_scenario
from sdm_simulator.scenario import SCENARIO_DIR


@pytest.mark.parametrize("name", sorted(path.stem for path in SCENARIO_DIR.glob("*.yml")))
def test_bundled_scenarios_load(name: str) -> None:
    scenario = load_scenario_file(name)
    assert scenario.name == name
    assert scenario.users and scenario.tasks


def test_defaults() -> None:
    scenario = parse_scenario(minimal_scenario(tasks=[{"id": 7, "devices": [{}, {"outcome": "failure"}]}]))
    task = scenario.tasks[0]
    assert (task.task_id, task.error_handling, task.auto_rollback, task.start) == ("7", "abort", False, 0.0)
    first, second = task.devices
    assert (first.object_id, first.at, first.pre_update_version, first.update_version) == ("7-D1", 1.0, "0", "1")
    assert (second.at, second.failure_msg) == (2.0, "Route set push failed")
    assert scenario.server.api_versions == ("v1.3",)
    assert scenario.speed == 1.0


def test_count_makes_many_alike_devices() -> None:
    """Scale tests need tasks with 100,000 devices without a 100,000-entry scenario."""
    devices = [
        {"object_id": "ONE"},
        {"count": 3, "device_group_id": "G7"},
        {"count": 2, "at": 19, "outcome": "failure"},
    ]
    task = parse_scenario(minimal_scenario(tasks=[{"id": "T", "start": 10, "devices": devices}])).tasks[0]
    assert [device.object_id for device in task.devices] == ["ONE", "T-D2", "T-D3", "T-D4", "T-D5", "T-D6"]
    assert [device.at for device in task.devices] == [11, 12, 13, 14, 19, 19]  # by position unless at is given
    assert {device.device_group_id for device in task.devices[1:4]} == {"G7"}
    assert [device.outcome for device in task.devices[4:]] == ["failure", "failure"]
    assert (
        len(parse_scenario(minimal_scenario(tasks=[{"id": "B", "devices": [{"count": 100_000}]}])).tasks[0].devices)
        == 100_000
    )


def test_values_templated_into_text_are_read_as_numbers_and_booleans() -> None:
    """Ansible templating may hand numbers and booleans over as text ("{{ speed }}" -> "10")."""
    scenario = parse_scenario(
        minimal_scenario(
            speed="10",
            sessions={"expire_after_requests": "3"},
            tasks=[{"id": "T", "auto_rollback": "True", "error_handling": "rollback", "devices": [{"at": " 2.5 "}]}],
        )
    )
    assert (scenario.speed, scenario.sessions.expire_after_requests) == (10.0, 3)
    assert scenario.tasks[0].auto_rollback is True
    assert scenario.tasks[0].devices[0].at == 2.5


def test_json_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(minimal_scenario(name=None)), encoding="utf-8")
    assert load_scenario_file(str(path)).name == "mine"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"users": []}, "users: at least one user is needed to log in"),
        ({"users": None}, "users: is required"),
        ({"speed": 0}, "speed: must be greater than 0"),
        ({"colour": "blue"}, "scenario: unknown key(s) colour; known keys: "),
        ({"clock_origin": "yesterday"}, "clock_origin: expected YYYY-MM-DDTHH:MM:SS, got 'yesterday'"),
        ({"status_words": {"running": "Busy"}}, "status_words.running: not a status word key"),
        ({"status_words": {"task.failed": "Bad"}}, "status_words.task.failed: not a status word key"),
        ({"server": {"after_commit": "gone"}}, "server.after_commit: expected one of not_found, history; got 'gone'"),
        (
            {"server": {"refused_action_status": 200}},
            "server.refused_action_status: must be between 400 and 599, got 200",
        ),
        ({"sessions": {"expire_after_requests": 0}}, "sessions.expire_after_requests: must be at least 1, got 0"),
        (
            {"sessions": {"expire_after_requests": "1.5"}},
            "sessions.expire_after_requests: expected an integer, got a string",
        ),
        ({"tasks": [{"id": "A"}, {"id": "A"}]}, "tasks: id 'A' appears more than once"),
        ({"tasks": [{"id": "A/B"}]}, "tasks[0].id: must be a non-empty id without '/'"),
        (
            {"tasks": [{"id": "A", "error_handling": "skip"}]},
            "tasks[0].error_handling: expected one of abort, rollback, continue",
        ),
        (
            {"tasks": [{"id": "A", "start": 5, "devices": [{"at": 1}]}]},
            "tasks[0].devices[0].at: 1.0 is before the task starts (5.0)",
        ),
        (
            {"tasks": [{"id": "A", "devices": [{"object_id": "X"}, {"object_id": "X"}]}]},
            "tasks[0].devices: object_id 'X' appears more than once",
        ),
        (
            {"tasks": [{"id": "A", "devices": [{"at": "soon"}]}]},
            "tasks[0].devices[0].at: expected a number, got a string",
        ),
        (
            {"tasks": [{"id": "A", "devices": [{"count": 0}]}]},
            "tasks[0].devices[0].count: must be between 1 and 1000000, got 0",
        ),
        (
            {"tasks": [{"id": "A", "devices": [{"count": 2, "object_id": "X"}]}]},
            "tasks[0].devices[0].object_id: names one device",
        ),
        (
            {"tasks": [{"id": "A", "devices": [{"count": 2}, {"object_id": "A-D2"}]}]},
            "tasks[0].devices: object_id 'A-D2' appears more than once",
        ),
        ({"tasks": [{"id": "A", "devices": [{"outcom": "failure"}]}]}, "tasks[0].devices[0]: unknown key(s) outcom"),
        (
            {"tasks": [{"id": "A", "auto_rollback": "yes"}]},
            "tasks[0].auto_rollback: expected true or false, got a string",
        ),
        ({"tasks": {"id": "A"}}, "tasks: expected a list, got a mapping"),
        ({"faults": [{"kind": "status", "status": 200}]}, "faults[0].status: must be between 400 and 599, got 200"),
        ({"faults": [{"kind": "delay"}]}, "faults[0].seconds: is required"),
        ({"faults": [{"kind": "body", "body": "text"}]}, "faults[0].text: is required when body is text"),
        (
            {"faults": [{"kind": "status", "body": "truncated"}]},
            "faults[0].body: expected one of html, empty, garbage, text",
        ),
        (
            {"faults": [{"kind": "status", "retry_after": "1\r\nX-Evil: 1"}]},
            "faults[0].retry_after: must be a non-empty single-line value",
        ),
        ({"faults": [{"kind": "reset", "count": 0}]}, "faults[0].count: must be at least 1, got 0"),
        ({"faults": [{"kind": "reset", "seconds": 3}]}, "faults[0]: unknown key(s) seconds"),
    ],
)
def test_errors_name_the_field(change: Dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_scenario(minimal_scenario(**change))
    assert str(error.value).startswith(message)


def test_not_a_mapping() -> None:
    with pytest.raises(ScenarioError, match="^scenario: expected a mapping, got a list$"):
        parse_scenario([])


def test_unknown_bundled_name_lists_the_bundled_ones() -> None:
    with pytest.raises(ScenarioError, match=r"no scenario file 'nosuch' .*bundled: .*demo"):
        load_scenario_file("nosuch")


@pytest.mark.parametrize(
    "text, suffix, message",
    [
        ("{oops", ".json", "not valid JSON"),
        ("a: [", ".yml", "not valid YAML"),
    ],
)
def test_unreadable_files(tmp_path: Path, text: str, suffix: str, message: str) -> None:
    path = tmp_path / f"bad{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=message):
        load_scenario_file(str(path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read scenario file .*missing.yml"):
        load_scenario_file(str(tmp_path / "missing.yml"))


def test_passwords_stay_out_of_reprs() -> None:
    scenario = parse_scenario(minimal_scenario(users=[{"username": "admin", "password": "TopSecret1"}]))
    assert "TopSecret1" not in repr(scenario)

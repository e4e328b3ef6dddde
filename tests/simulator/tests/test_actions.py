# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Commit, Rollback and Cancel over real HTTP, on the change_window scenario."""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, List

import pytest

from simulator_helpers import JSON, XML, Control, SdmSession, minimal_scenario
from sdm_simulator import SimulatorServer


class Window:
    def __init__(self, sim: SimulatorServer, fmt: str) -> None:
        self.client = SdmSession(sim.url, fmt)
        self.control = Control(sim.url)
        assert self.client.login().status_code == 200

    def details(self, task_id: str) -> Dict[str, Any]:
        response = self.client.get(f"/routeSets/routeUpdates/{task_id}", headers={"Accept": JSON})
        assert response.status_code == 200, response.text
        return response.json()

    def pending_ids(self) -> List[str]:
        response = self.client.get("/routeSets/routeUpdates", headers={"Accept": JSON})
        return [item["objectId"] for item in response.json()["routeUpdateTaskList"]]

    def accepted(self, task_id: str, action: str) -> None:
        response = self.client.action(task_id, action)
        assert (response.status_code, response.content) == (200, b""), response.text


@pytest.fixture
def window(start_simulator: Callable[..., SimulatorServer], fmt: str) -> Iterator[Window]:
    window = Window(start_simulator("change_window"), fmt)
    yield window
    window.client.close()


def test_commit_after_success_releases_the_task(window: Window) -> None:
    window.control.advance(2)
    assert window.details("ID50")["updateStatus"] == "Completed"
    window.accepted("ID50", "Commit")
    assert "ID50" not in window.pending_ids()
    assert window.client.task("ID50").status_code == 404  # gone from the server (default after_commit)
    assert window.client.action("ID50", "Commit").status_code == 404
    assert window.control.counters()["actions"] == {"accepted": {"Commit": 1}, "refused": {}}


def test_committed_tasks_can_stay_readable(start_simulator: Callable[..., SimulatorServer]) -> None:
    scenario = minimal_scenario(server={"after_commit": "history"})
    window = Window(start_simulator(scenario), XML)
    window.control.advance(1)
    window.accepted("ID1", "Commit")
    assert window.pending_ids() == []
    assert window.details("ID1")["updateStatus"] == "Completed"
    again = window.client.action("ID1", "Commit")
    assert (again.status_code, again.text.strip()) == (400, "Task ID1: the task is already committed")


def test_rollback_is_refused_while_the_update_runs(window: Window) -> None:
    response = window.client.action("ID51", "Rollback")
    assert response.status_code == 400
    assert response.text.strip() == "Task ID51: cannot be rolled back while its update is InProgress"
    assert window.details("ID51")["rollbackStatus"] == "Unknown"
    actions = window.control.get("/actions")["actions"]
    assert [(record["task_id"], record["action"], record["accepted"], record["status"]) for record in actions] == [
        ("ID51", "Rollback", False, 400)
    ]


def test_rollback_after_failure_runs_and_reports_its_result(window: Window) -> None:
    window.control.advance(2)
    assert window.details("ID51")["updateStatus"] == "Failed"
    window.accepted("ID51", "Rollback")
    running = window.details("ID51")
    assert running["rollbackStatus"] == "InProgress"
    assert [device["rollBackStatus"] for device in running["deviceStatusList"]] == [
        "InProgress",
        "InProgress",
        "Unknown",
    ]
    assert "ID51" in window.pending_ids()
    window.control.advance(1)
    done = window.details("ID51")
    assert (done["rollbackStatus"], done["rollbackCount"]) == ("Completed", "2")
    assert [device["rollBackStatus"] for device in done["deviceStatusList"]] == ["Completed", "Completed", "Unknown"]
    assert all("rollBackDate" in device for device in done["deviceStatusList"][:2])
    assert "ID51" not in window.pending_ids()
    repeated = window.client.action("ID51", "Rollback")
    assert (repeated.status_code, repeated.text.strip()) == (400, "Task ID51: the task is already rolled back")


def test_rollback_failing_on_one_device_group_goes_on_with_the_others(window: Window) -> None:
    window.control.advance(2)
    window.accepted("ID52", "Rollback")
    window.control.advance(1)
    done = window.details("ID52")
    assert (done["rollbackStatus"], done["rollbackCount"]) == ("PartiallyCompleted", "1")
    by_group = {device["deviceGroupId"]: device for device in done["deviceStatusList"]}
    assert by_group["ID21"]["rollBackStatus"] == "Completed"
    assert by_group["ID22"]["rollBackStatus"] == "Failed"
    assert by_group["ID22"]["rollBackFailureMsg"] == "Device ID522 unreachable"
    assert "rollBackFailureMsg" not in by_group["ID21"]
    assert by_group["ID23"]["rollBackStatus"] == "Unknown"  # never updated, nothing to undo


def test_automatic_rollback_needs_no_action(window: Window) -> None:
    window.control.advance(2)
    assert window.details("ID54")["rollbackStatus"] == "InProgress"
    window.control.advance(1)
    assert window.details("ID54")["rollbackStatus"] == "Completed"
    assert window.client.action("ID54", "Rollback").status_code == 400
    assert window.control.counters()["actions"]["accepted"] == {}


def test_a_task_that_never_ends_can_only_be_cancelled(window: Window) -> None:
    window.control.advance(100)
    for action in ("Commit", "Rollback"):
        response = window.client.action("ID53", action)
        assert response.status_code == 400
        assert "while its update is InProgress" in response.text
    window.accepted("ID53", "Cancel")
    cancelled = window.details("ID53")
    assert cancelled["updateStatus"] == "Cancelled"
    assert [device["status"] for device in cancelled["deviceStatusList"]] == ["Completed", "Cancelled"]
    assert "ID53" in window.pending_ids()
    cancel_again = window.client.action("ID53", "Cancel")
    assert cancel_again.text.strip() == "Task ID53: only a running task can be cancelled; its update is Cancelled"
    window.accepted("ID53", "Commit")
    assert "ID53" not in window.pending_ids()
    assert window.control.counters()["actions"] == {
        "accepted": {"Cancel": 1, "Commit": 1},
        "refused": {"Commit": 1, "Rollback": 1, "Cancel": 1},
    }


def test_continue_policy_ends_partly_completed(window: Window) -> None:
    window.control.advance(2)
    assert window.details("ID55")["updateStatus"] == "PartiallyCompleted"


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("<routeUpdateAction><type>commit</type></routeUpdateAction>", XML),
        ("<routeUpdateAction><type>Delete</type></routeUpdateAction>", XML),
        ("<routeUpdateAction></routeUpdateAction>", XML),
        ("<action><type>Commit</type></action>", XML),
        ('{"type": "Commit"', JSON),
        ('{"action": "Commit"}', JSON),
        ("", XML),
    ],
)
def test_invalid_action_bodies_are_400(window: Window, body: str, content_type: str) -> None:
    response = window.client.post(
        "/routeSets/routeUpdates/ID50/action", data=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 400
    assert response.text.startswith("Invalid action request: ")
    assert window.control.counters()["actions"] == {"accepted": {}, "refused": {}}


def test_action_on_unknown_task_is_404(window: Window) -> None:
    assert window.client.action("ID999", "Commit").status_code == 404


def test_refused_action_status_is_an_option(start_simulator: Callable[..., SimulatorServer]) -> None:
    window = Window(start_simulator(minimal_scenario(server={"refused_action_status": 409})), JSON)
    assert window.client.action("ID1", "Rollback").status_code == 409

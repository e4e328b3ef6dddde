# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scripted faults over real HTTP: error bursts, resets, slow and spoiled answers, lost sessions and tasks."""

from __future__ import annotations

import time
from typing import Callable

import pytest
import requests
from lxml import etree

from simulator_helpers import JSON, XML, Control, SdmSession, minimal_scenario
from sdm_simulator import SimulatorServer

TASK_PATH = "/rest/v1.3/routeSets/routeUpdates/ID1"


@pytest.fixture
def logged_in(sim: SimulatorServer) -> SdmSession:
    client = SdmSession(sim.url, XML)
    assert client.login().status_code == 200
    return client


@pytest.mark.parametrize("status", [500, 502, 503])
def test_error_burst_then_recovery(logged_in: SdmSession, control: Control, status: int) -> None:
    control.add_faults({"kind": "status", "status": status, "path": TASK_PATH, "count": 2})
    assert [logged_in.task("ID1").status_code for _attempt in range(3)] == [status, status, 200]
    assert control.counters()["faults"] == {"status": 2}
    assert control.counters()["statuses"] == {"200": 2, str(status): 2}


@pytest.mark.parametrize("retry_after", [2, "Wed, 21 Oct 2026 07:28:00 GMT"])
def test_retry_after_is_sent_as_written(logged_in: SdmSession, control: Control, retry_after: object) -> None:
    control.add_faults({"kind": "status", "status": 503, "retry_after": retry_after})
    response = logged_in.task("ID1")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(retry_after)
    assert logged_in.task("ID1").status_code == 200


def test_without_retry_after_there_is_no_header(logged_in: SdmSession, control: Control) -> None:
    control.add_faults({"kind": "status", "status": 502})
    response = logged_in.task("ID1")
    assert response.status_code == 502 and "Retry-After" not in response.headers
    assert response.text.strip() == "502 Bad Gateway"


def test_skip_method_and_path_pick_the_request(logged_in: SdmSession, control: Control) -> None:
    control.add_faults(
        {"kind": "status", "status": 500, "method": "get", "path": "*/routeUpdates/ID1", "skip": 1, "count": 1}
    )
    assert logged_in.pending().status_code == 200  # another path
    assert logged_in.task("ID1").status_code == 200  # skipped
    assert logged_in.task("ID1").status_code == 500
    assert logged_in.task("ID1").status_code == 200  # used up
    rules = control.get("/faults")["faults"]
    assert (rules[0]["seen"], rules[0]["fired"]) == (3, 1)


def test_count_always_and_clearing(logged_in: SdmSession, control: Control) -> None:
    control.add_faults({"kind": "status", "status": 503, "count": "always"})
    assert [logged_in.task("ID1").status_code for _attempt in range(4)] == [503] * 4
    requests.delete(f"{control.url}/faults", timeout=10).raise_for_status()
    assert logged_in.task("ID1").status_code == 200


def test_faults_wait_for_their_time(logged_in: SdmSession, control: Control) -> None:
    control.add_faults({"kind": "status", "status": 500, "after_seconds": 30})
    assert logged_in.task("ID1").status_code == 200
    control.advance(30)
    assert logged_in.task("ID1").status_code == 500


def test_login_can_fail_too(sim: SimulatorServer, control: Control) -> None:
    control.add_faults({"kind": "status", "status": 503, "path": "*/admin/login", "retry_after": 1})
    client = SdmSession(sim.url, JSON)
    assert client.login().status_code == 503
    assert client.login().status_code == 200
    assert control.counters()["logins"] == 1


def test_connection_reset(logged_in: SdmSession, control: Control) -> None:
    control.add_faults({"kind": "reset", "path": TASK_PATH})
    with pytest.raises(requests.exceptions.ConnectionError):
        logged_in.task("ID1")
    assert logged_in.task("ID1").status_code == 200  # a new connection works
    assert control.counters()["statuses"]["reset"] == 1


def test_answer_slower_than_the_client_timeout(logged_in: SdmSession, control: Control) -> None:
    control.add_faults({"kind": "delay", "seconds": 2})
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        logged_in.get("/routeSets/routeUpdates/ID1", timeout=0.3)
    assert time.monotonic() - started < 1.5
    assert logged_in.task("ID1").status_code == 200


def test_delay_then_normal_answer(logged_in: SdmSession, control: Control) -> None:
    control.add_faults({"kind": "delay", "seconds": 0.3})
    started = time.monotonic()
    assert logged_in.task("ID1").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_stopping_the_server_ends_a_delayed_answer(start_simulator: Callable[..., SimulatorServer]) -> None:
    sim = start_simulator(minimal_scenario(faults=[{"kind": "delay", "seconds": 60}]))
    client = SdmSession(sim.url)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.get("/routeSets/routeUpdates", timeout=0.2)
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 2  # not the 60 s delay, nor the 5 s bound on joining connections


@pytest.mark.parametrize(
    "body, check",
    [
        (
            "html",
            lambda response: response.headers["Content-Type"].startswith("text/html") and b"<html>" in response.content,
        ),
        ("empty", lambda response: response.content == b"" and response.headers["Content-Type"] == XML),
        ("garbage", lambda response: response.headers["Content-Type"] == XML and b"\x00" in response.content),
    ],
)
def test_spoiled_bodies(
    logged_in: SdmSession, control: Control, body: str, check: Callable[[requests.Response], bool]
) -> None:
    control.add_faults({"kind": "body", "body": body})
    response = logged_in.task("ID1")
    assert response.status_code == 200
    assert check(response)
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(response.content)


def test_truncated_body_is_half_a_document(logged_in: SdmSession, control: Control) -> None:
    whole = logged_in.task("ID1").content
    control.add_faults({"kind": "body", "body": "truncated"})
    response = logged_in.task("ID1")
    assert response.content == whole[: len(whole) // 2]
    assert int(response.headers["Content-Length"]) == len(response.content)


def test_html_error_page_with_an_error_status(logged_in: SdmSession, control: Control) -> None:
    control.add_faults({"kind": "status", "status": 502, "body": "html"})
    response = logged_in.task("ID1")
    assert response.status_code == 502
    assert b"<title>502 Bad Gateway</title>" in response.content


def test_text_body(logged_in: SdmSession, control: Control) -> None:
    control.add_faults({"kind": "body", "body": "text", "text": "Maintenance in progress", "status": 200})
    assert logged_in.task("ID1").text == "Maintenance in progress"


def test_short_read_breaks_the_answer(logged_in: SdmSession, control: Control) -> None:
    control.add_faults({"kind": "short_read"})
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        logged_in.task("ID1")
    assert logged_in.task("ID1").status_code == 200


def test_all_sessions_dropped_by_a_fault(sim: SimulatorServer, control: Control) -> None:
    first, second = SdmSession(sim.url), SdmSession(sim.url)
    first.login()
    second.login()
    control.add_faults({"kind": "drop_sessions", "path": TASK_PATH})
    assert first.task("ID1").status_code == 401
    assert second.pending().status_code == 401
    counters = control.counters()
    assert (counters["sessions_open"], counters["sessions_dropped"]) == (0, 2)


def test_all_sessions_dropped_by_the_control_api(logged_in: SdmSession, control: Control) -> None:
    assert control.post("/sessions/drop") == {"dropped": 1}
    assert logged_in.task("ID1").status_code == 401
    assert logged_in.login().status_code == 200
    assert logged_in.task("ID1").status_code == 200


def test_sessions_expire_after_n_requests(start_simulator: Callable[..., SimulatorServer]) -> None:
    sim = start_simulator(minimal_scenario(sessions={"expire_after_requests": 2}))
    client, control = SdmSession(sim.url), Control(sim.url)
    client.login()
    assert [client.task("ID1").status_code for _attempt in range(3)] == [200, 200, 401]
    counters = control.counters()
    assert (counters["sessions_open"], counters["sessions_expired"]) == (0, 1)
    assert client.logout().status_code == 401  # the expired session is gone for logout too


def test_sessions_expire_after_n_seconds(start_simulator: Callable[..., SimulatorServer]) -> None:
    sim = start_simulator(minimal_scenario(sessions={"expire_after_seconds": 60}))
    client, control = SdmSession(sim.url), Control(sim.url)
    client.login()
    assert client.task("ID1").status_code == 200
    control.advance(60)
    assert client.task("ID1").status_code == 401
    assert control.counters()["sessions_expired"] == 1


def test_session_policy_changes_at_run_time(logged_in: SdmSession, control: Control) -> None:
    assert control.post("/sessions/policy", {"expire_after_requests": 1})["sessions"]["expire_after_requests"] == 1
    assert logged_in.task("ID1").status_code == 200
    assert logged_in.task("ID1").status_code == 401


def test_a_task_vanishes_on_schedule(start_simulator: Callable[..., SimulatorServer]) -> None:
    sim = start_simulator(minimal_scenario(tasks=[{"id": "ID1", "vanish_at": 5, "devices": [{"at": 1}]}]))
    client, control = SdmSession(sim.url, JSON), Control(sim.url)
    client.login()
    assert client.task("ID1").status_code == 200
    control.advance(5)
    assert client.task("ID1").status_code == 404
    assert client.pending().json() == {"routeUpdateTaskList": []}


def test_a_task_vanishes_on_request(logged_in: SdmSession, control: Control) -> None:
    assert control.post("/tasks/ID1/vanish") == {"vanished": "ID1"}
    assert logged_in.task("ID1").status_code == 404
    assert control.get("/tasks")["ID1"]["vanished"] is True
    missing = requests.post(f"{control.url}/tasks/ID9/vanish", timeout=10)
    assert missing.status_code == 404 and "ID9" in missing.json()["error"]


def test_a_task_vanishes_after_some_reads_of_it(logged_in: SdmSession, control: Control) -> None:
    control.add_faults({"kind": "vanish", "path": TASK_PATH, "skip": 2})
    assert [logged_in.task("ID1").status_code for _attempt in range(4)] == [200, 200, 404, 404]
    assert control.get("/tasks")["ID1"]["vanished"] is True
    assert control.counters()["faults"] == {"vanish": 1}


def test_a_vanish_fault_on_another_path_removes_no_task(logged_in: SdmSession, control: Control) -> None:
    control.add_faults({"kind": "vanish", "path": "*/admin/*"})
    assert logged_in.logout().status_code == 204
    assert logged_in.login().status_code == 200
    assert logged_in.task("ID1").status_code == 200
    assert control.get("/tasks")["ID1"]["vanished"] is False


def test_scenario_faults_are_fresh_after_each_load(start_simulator: Callable[..., SimulatorServer]) -> None:
    scenario = minimal_scenario(faults=[{"kind": "status", "status": 500, "path": TASK_PATH}])
    sim = start_simulator(scenario)
    client, control = SdmSession(sim.url), Control(sim.url)
    client.login()
    assert client.task("ID1").status_code == 500
    control.post("/scenario", scenario)
    client.login()
    assert client.task("ID1").status_code == 500


def test_control_api_is_never_faulted_or_counted(logged_in: SdmSession, control: Control) -> None:
    control.add_faults({"kind": "status", "status": 503, "count": "always"})
    assert control.get("/health")["status"] == "ok"
    assert control.counters()["requests"] == {"POST /rest/v1.3/admin/login": 1}


def test_a_task_timed_from_its_first_read_runs_its_whole_story_for_a_late_client(
    start_simulator: Callable[..., SimulatorServer],
) -> None:
    sim = start_simulator(
        minimal_scenario(tasks=[{"id": "ID1", "timed_from": "first_request", "devices": [{"at": 5}]}])
    )
    client, control = SdmSession(sim.url, JSON), Control(sim.url)
    control.advance(60)  # the client comes late
    client.login()
    assert client.task("ID1").json()["updateStatus"] == "InProgress"
    control.advance(5)
    assert client.task("ID1").json()["updateStatus"] == "Completed"
    assert control.get("/tasks")["ID1"]["update_ended_at"] == pytest.approx(65, abs=1)  # scenario seconds

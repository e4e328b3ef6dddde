# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replaying a recording: sessions of its own, the recorded answers in their order and timing, actions as meeting points."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import pytest

from fake_clock import FakeClock
from sdm_simulator import SimulatorServer
from sdm_simulator.recording import RecordingError, load_recording
from sdm_simulator.replay import Replayer
from simulator_helpers import JSON, XML, Control, RecordingWriter, SdmSession

TASK = "/rest/v1.3/routeSets/routeUpdates/ID1"
PENDING = "/rest/v1.3/routeSets/routeUpdates"


def task_body(update: str, rollback: str = "Unknown") -> str:
    return json.dumps(
        {"updateStatus": update, "rollbackStatus": rollback, "errorHandling": "rollback", "deviceStatusList": []}
    )


def action_body(action: str) -> str:
    return json.dumps({"type": action})


@pytest.fixture
def clock() -> FakeClock:
    """The test's clock drives the replay's: the test moves it, nothing sleeps."""
    return FakeClock(start=100.0)


@pytest.fixture
def start_replay(clock: FakeClock) -> Iterator[Callable[..., SdmSession]]:
    """Replay a folder on a free port; returns a logged-in JSON client. Every server and client is closed at the end."""
    servers: List[SimulatorServer] = []
    clients: List[SdmSession] = []

    def start(folder: Path, speed: float = 1.0, login: bool = True, fmt: str = JSON) -> SdmSession:
        server = SimulatorServer(
            None, app=Replayer(load_recording(str(folder)), speed, monotonic=clock.monotonic)
        ).start()
        servers.append(server)
        client = SdmSession(server.url, fmt)
        clients.append(client)
        if login:
            assert client.login("anyone", "any-password").status_code == 200
        return client

    yield start
    for client in clients:
        client.close()
    for server in servers:
        server.stop()


@pytest.fixture
def window(tmp_path: Path) -> Path:
    """A task read at 0 and 5 (running) and 10 (finished), logins and logouts around it."""
    writer = RecordingWriter(tmp_path / "window")
    writer.add(0.0, "POST", "/rest/v1.3/admin/login", 200, '{"sessionId": "********"}', JSON)
    for at, word in ((0.1, "InProgress"), (5.0, "Running"), (10.0, "Completed")):
        writer.add(at, "GET", TASK, 200, task_body(word), JSON)
    writer.add(10.5, "POST", "/rest/v1.3/admin/logout", 200, "")
    return writer.folder


def status_of(client: SdmSession, path: str = "/routeSets/routeUpdates/ID1") -> str:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    return answer.json()["updateStatus"]


def test_answers_follow_the_recorded_timing_and_never_go_back(start_replay, window: Path, clock: FakeClock) -> None:
    client = start_replay(window)
    # a client polling faster than the recording sees each state as long as SDM showed it
    assert [status_of(client) for _poll in range(3)] == ["InProgress"] * 3
    clock.now += 4.9
    assert status_of(client) == "InProgress"
    clock.now += 0.2
    assert status_of(client) == "Running"
    # a client polling slower skips what it would not have seen either
    clock.now += 30
    assert status_of(client) == "Completed"
    assert status_of(client) == "Completed"


def test_replay_speed_runs_the_recording_faster(start_replay, window: Path, clock: FakeClock) -> None:
    client = start_replay(window, speed=10)
    assert status_of(client) == "InProgress"
    clock.now += 1.0
    assert status_of(client) == "Completed"


def test_control_api_moves_the_clock_and_shows_the_progress(start_replay, window: Path) -> None:
    client = start_replay(window)
    control = Control(client.url)
    assert status_of(client) == "InProgress"
    assert control.advance(10) == 10.0
    assert status_of(client) == "Completed"
    progress = control.get("/replay")
    assert progress["answers"][f"GET {TASK}"] == {"at": 2, "recorded": 3}
    assert control.get("/health")["replay"] == "window"
    counters = control.counters()
    assert (counters["logins"], counters["sessions_open"], counters["unrecorded"]) == (1, 1, {})
    assert counters["requests"][f"GET {TASK}"] == 2


def test_the_replay_answers_login_and_logout_itself(start_replay, window: Path, fmt: str) -> None:
    client = start_replay(window, login=False, fmt=fmt)
    assert client.task("ID1").status_code == 401  # a session is needed, as with SDM
    login = client.login("whoever", "whatever")
    assert login.status_code == 200
    assert "JSESSIONID" in login.headers["Set-Cookie"] and "Path=/rest" in login.headers["Set-Cookie"]
    assert ("sessionId" in login.text) and ("application/json" if fmt == JSON else "application/xml") in login.headers[
        "Content-Type"
    ]
    assert client.task("ID1").status_code == 200
    assert client.logout().status_code == 200  # the recorded logout status
    assert client.task("ID1").status_code == 401
    assert client.login("whoever", "").status_code == 400
    assert Control(client.url).counters()["sessions_open"] == 0


def test_an_action_is_a_meeting_point(start_replay, tmp_path: Path, clock: FakeClock) -> None:
    writer = RecordingWriter(tmp_path / "rollback")
    writer.add(0.0, "GET", TASK, 200, task_body("InProgress"), JSON)
    writer.add(2.0, "GET", TASK, 200, task_body("Failed"), JSON)
    writer.add(3.0, "POST", TASK + "/action", 200, "", request_body=action_body("Rollback"))
    writer.add(3.2, "GET", TASK, 200, task_body("Failed", "InProgress"), JSON)
    writer.add(5.0, "GET", TASK, 200, task_body("Failed", "Completed"), JSON)

    late = start_replay(writer.folder)
    clock.now += 60  # long after the recorded rollback: the task still waits for it
    assert late.get("/routeSets/routeUpdates/ID1").json()["rollbackStatus"] == "Unknown"
    assert late.action("ID1", "Rollback").status_code == 200
    # the next read gets what SDM answered right after the action, then the timeline goes on from there
    assert late.get("/routeSets/routeUpdates/ID1").json()["rollbackStatus"] == "InProgress"
    clock.now += 1.9
    assert late.get("/routeSets/routeUpdates/ID1").json()["rollbackStatus"] == "InProgress"
    clock.now += 0.2
    assert late.get("/routeSets/routeUpdates/ID1").json()["rollbackStatus"] == "Completed"


def test_an_early_action_moves_the_task_to_its_recorded_moment(start_replay, tmp_path: Path, clock: FakeClock) -> None:
    writer = RecordingWriter(tmp_path / "early")
    writer.add(0.0, "GET", TASK, 200, task_body("Failed"), JSON)
    writer.add(30.0, "POST", TASK + "/action", 200, "", request_body=action_body("Rollback"))
    writer.add(30.1, "GET", TASK, 200, task_body("Failed", "InProgress"), JSON)
    writer.add(31.0, "GET", TASK, 200, task_body("Failed", "Completed"), JSON)
    client = start_replay(writer.folder)
    assert status_of(client) == "Failed"
    assert client.action("ID1", "Rollback").status_code == 200
    assert client.get("/routeSets/routeUpdates/ID1").json()["rollbackStatus"] == "InProgress"
    clock.now += 1.0
    assert client.get("/routeSets/routeUpdates/ID1").json()["rollbackStatus"] == "Completed"


def test_the_pending_list_waits_for_the_actions_of_every_task(start_replay, tmp_path: Path, clock: FakeClock) -> None:
    writer = RecordingWriter(tmp_path / "commit")
    writer.add(0.0, "GET", PENDING, 200, json.dumps({"routeUpdateTaskList": [{"objectId": "ID1"}]}), JSON)
    writer.add(1.0, "POST", TASK + "/action", 200, "", request_body=action_body("Commit"))
    writer.add(1.1, "GET", PENDING, 200, json.dumps({"routeUpdateTaskList": []}), JSON)
    client = start_replay(writer.folder)
    clock.now += 60
    assert client.pending().json() == {"routeUpdateTaskList": [{"objectId": "ID1"}]}
    assert client.action("ID1", "Commit").status_code == 200
    assert client.pending().json() == {"routeUpdateTaskList": []}


def test_what_the_recording_does_not_hold_is_404_and_counted(start_replay, tmp_path: Path) -> None:
    writer = RecordingWriter(tmp_path / "partial")
    writer.add(0.0, "GET", TASK, 200, task_body("Failed"), JSON)
    writer.add(1.0, "POST", TASK + "/action", 200, "", request_body=action_body("Rollback"))
    client = start_replay(writer.folder)
    unknown = client.task("ID9")
    assert unknown.status_code == 404 and "Not in the recording" in unknown.text
    wrong = client.action("ID1", "Commit")
    assert wrong.status_code == 404 and "has a Rollback of task ID1 here, not a Commit" in wrong.text
    assert client.action("ID1", "Rollback").status_code == 200  # still there for the right action
    assert client.action("ID1", "Rollback").status_code == 404  # but only once
    unrecorded = Control(client.url).counters()["unrecorded"]
    assert unrecorded == {f"GET {PENDING}/ID9": 1, f"POST {TASK}/action": 2}


def test_recorded_session_answers_are_left_out_and_statuses_kept(
    start_replay, tmp_path: Path, clock: FakeClock
) -> None:
    writer = RecordingWriter(tmp_path / "statuses")
    writer.add(0.0, "GET", TASK, 503, "busy", "text/plain", headers={"Retry-After": "2"})
    writer.add(1.0, "GET", TASK, 401, "The session ID is invalid", "text/plain")
    writer.add(
        2.0, "GET", TASK, 200, None, JSON, note="not written: the body is larger than max_body_bytes (1024 bytes)"
    )
    client = start_replay(writer.folder)
    busy = client.task("ID1")
    assert (busy.status_code, busy.text, busy.headers["Retry-After"]) == (503, "busy", "2")
    clock.now += 1.5
    assert client.task("ID1").status_code == 503  # the 401 was the recorded session's, not the task's
    clock.now += 1.0
    empty = client.task("ID1")
    assert (empty.status_code, empty.content) == (200, b"")


def test_a_proxy_prefix_and_the_api_version(start_replay, tmp_path: Path) -> None:
    writer = RecordingWriter(tmp_path / "proxy")
    writer.add(
        0.0,
        "GET",
        "/sdm" + TASK,
        200,
        "<routeUpdateTaskDetails><updateStatus>Completed</updateStatus></routeUpdateTaskDetails>",
        XML,
    )
    client = start_replay(writer.folder, fmt=XML)
    answer = client.task("ID1")
    assert answer.status_code == 200 and "<updateStatus>Completed</updateStatus>" in answer.text
    other_version = SdmSession(client.url, XML, version="v9.9")
    try:
        refused = other_version.login("anyone", "any-password")
        assert refused.status_code == 404 and "API version v9.9 is not in the recording" in refused.text
    finally:
        other_version.close()


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no recorded exchange"),
        ("not json", "cannot read it as JSON"),
        ('{"format": "something/else"}', "not an exchange of a recording"),
        ('{"format": "ocsdm.route_manager.recording/1", "elapsed": 1}', "a field is missing"),
    ],
)
def test_a_folder_that_is_not_a_recording(tmp_path: Path, content: Optional[str], message: str) -> None:
    if content is not None:
        (tmp_path / "000000001-x-0001-GET-a.json").write_text(content, encoding="utf-8")
    (tmp_path / "recording.json").write_text("{}", encoding="utf-8")  # the folder's description is not an exchange
    with pytest.raises(RecordingError, match=message):
        load_recording(str(tmp_path))
    with pytest.raises(RecordingError, match="not a folder"):
        load_recording(str(tmp_path / "missing"))

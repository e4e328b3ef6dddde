# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``python -m sdm_simulator`` as a process, the way make demo and integration tests run it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, List

import pytest

from sdm_simulator import load_scenario_file
from simulator_helpers import JSON, Control, RecordingWriter, SdmSession

SIMULATOR_DIR = Path(__file__).resolve().parent.parent
START_SECONDS = 20.0


class Process:
    def __init__(self, args: List[str]) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "sdm_simulator", *args],
            cwd=SIMULATOR_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def first_line(self) -> str:
        assert self.popen.stdout is not None
        return self.popen.stdout.readline().strip()

    def stop(self) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return self.popen.wait(timeout=10)


@pytest.fixture
def run() -> Iterator[Callable[..., Process]]:
    processes: List[Process] = []

    def start(*args: str) -> Process:
        process = Process(["--lifetime", "120", *args])  # a safety net should the test die before its cleanup
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.stop()
        for stream in (process.popen.stdout, process.popen.stderr):
            if stream is not None:
                stream.close()


def wait_for_file(path: Path) -> str:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        time.sleep(0.05)
    raise AssertionError(f"{path} did not appear within {START_SECONDS} s")


def test_serves_a_bundled_scenario_until_terminated(run: Callable[..., Process], tmp_path: Path) -> None:
    url_file = tmp_path / "url"
    process = run("--scenario", "documented", "--url-file", str(url_file), "--speed", "4")
    url = wait_for_file(url_file)
    assert process.first_line() == f"SDM simulator listening on {url} (scenario documented, speed 4)"
    client = SdmSession(url, JSON)
    assert client.login().status_code == 200
    assert client.task("ID33").json()["updateStatus"] == "Completed"
    assert client.logout().status_code == 204
    assert Control(url).counters()["sessions_open"] == 0
    assert process.stop() == 0
    assert not url_file.exists()


def test_lifetime_ends_the_process(run: Callable[..., Process]) -> None:
    process = run("--lifetime", "0.5")
    assert process.popen.wait(timeout=START_SECONDS) == 0


def test_port_file_and_https_with_the_ca_copied_out(run: Callable[..., Process], tmp_path: Path) -> None:
    """The way tools/with-simulators starts the HTTPS simulator."""
    pytest.importorskip("trustme")
    port_file, ca_out = tmp_path / "port", tmp_path / "ca-copy.pem"
    process = run("--tls", "--tls-dir", str(tmp_path / "tls"), "--ca-out", str(ca_out), "--port-file", str(port_file))
    url = f"https://127.0.0.1:{wait_for_file(port_file)}"
    assert process.first_line() == f"SDM simulator listening on {url} (scenario demo, speed 1)"
    assert process.first_line() == f"CA certificate: {tmp_path / 'tls' / 'ca.pem'}"
    assert ca_out.read_bytes() == (tmp_path / "tls" / "ca.pem").read_bytes()
    assert Control(url, verify=str(ca_out)).get("/health")["scenario"] == "demo"
    assert process.stop() == 0
    assert not port_file.exists()


def test_ca_out_needs_tls(run: Callable[..., Process], tmp_path: Path) -> None:
    process = run("--ca-out", str(tmp_path / "ca.pem"))
    assert process.popen.wait(timeout=START_SECONDS) == 2
    assert process.popen.stderr is not None
    assert "--ca-out needs --tls" in process.popen.stderr.read()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scenario", "nosuch"], "sdm_simulator: no scenario file 'nosuch'"),
        (["--scenario", "missing.yml"], "sdm_simulator: cannot read scenario file missing.yml"),
    ],
)
def test_bad_scenario_exits_2_with_a_message(run: Callable[..., Process], args: List[str], message: str) -> None:
    process = run(*args)
    assert process.popen.wait(timeout=START_SECONDS) == 2
    assert process.popen.stderr is not None
    error = process.popen.stderr.read()
    assert error.startswith(message)
    assert "Traceback" not in error


@pytest.mark.parametrize(
    "args, message",
    [
        (["--speed", "-1"], "--speed: must be greater than 0, got -1"),
        (["--port", "70000"], "--port: must be between 0 and 65535, got 70000"),
        (["--lifetime", "soon"], "--lifetime: expected a number, got 'soon'"),
        (["--replay-speed", "2"], "--replay-speed needs --replay"),
        (["--output", "x.yml"], "--output needs --scenario-from-recording"),
        (["--replay", "no-such-folder"], "sdm_simulator: no-such-folder: not a folder"),
    ],
)
def test_bad_arguments_exit_2(run: Callable[..., Process], args: List[str], message: str) -> None:
    process = run(*args)
    assert process.popen.wait(timeout=START_SECONDS) == 2
    assert process.popen.stderr is not None
    assert message in process.popen.stderr.read()


def test_unwritable_port_file_exits_1(run: Callable[..., Process], tmp_path: Path) -> None:
    process = run("--port-file", str(tmp_path / "missing-folder" / "port"))
    assert process.popen.wait(timeout=START_SECONDS) == 1
    assert process.popen.stderr is not None
    error = process.popen.stderr.read()
    assert error.startswith(
        f"sdm_simulator: cannot write {tmp_path / 'missing-folder' / 'port'}: No such file or directory"
    )
    assert "Traceback" not in error


def test_busy_port_exits_1(run: Callable[..., Process], tmp_path: Path) -> None:
    url_file = tmp_path / "url"
    run("--url-file", str(url_file))
    port = wait_for_file(url_file).rsplit(":", 1)[1]
    second = run("--port", port)
    assert second.popen.wait(timeout=START_SECONDS) == 1
    assert second.popen.stderr is not None
    assert f"sdm_simulator: cannot serve on 127.0.0.1:{port}: " in second.popen.stderr.read()


def a_recording(folder: Path) -> Path:
    writer = RecordingWriter(folder)
    writer.add(
        0.0,
        "GET",
        "/rest/v1.3/routeSets/routeUpdates/ID33",
        200,
        '{"updateStatus": "Completed", "deviceStatusList": [{"objectId": "ID34", "status": "Completed"}]}',
        JSON,
    )
    return writer.folder


def test_replays_a_recording(run: Callable[..., Process], tmp_path: Path) -> None:
    url_file = tmp_path / "url"
    process = run(
        "--replay", str(a_recording(tmp_path / "window")), "--replay-speed", "20", "--url-file", str(url_file)
    )
    url = wait_for_file(url_file)
    assert process.first_line() == f"SDM simulator listening on {url} (replay of window: 1 exchanges, speed 20)"
    client = SdmSession(url, JSON)
    assert client.login("someone", "something").status_code == 200
    assert client.task("ID33").json()["updateStatus"] == "Completed"
    assert client.logout().status_code == 204
    assert Control(url).get("/health")["replay"] == "window"
    assert process.stop() == 0


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--scenario", "demo"], "--replay serves a recording instead of a scenario"),
        (["--speed", "2"], "--replay serves a recording instead of a scenario"),
        (["--scenario-from-recording", "x"], "--scenario-from-recording writes a file and serves nothing"),
    ],
)
def test_replay_options_that_do_not_go_together(
    run: Callable[..., Process], tmp_path: Path, extra: List[str], message: str
) -> None:
    process = run("--replay", str(a_recording(tmp_path / "window")), *extra)
    assert process.popen.wait(timeout=START_SECONDS) == 2
    assert process.popen.stderr is not None
    assert message in process.popen.stderr.read()


def test_turns_a_recording_into_a_scenario_file(run: Callable[..., Process], tmp_path: Path) -> None:
    folder, output = a_recording(tmp_path / "window"), tmp_path / "from-window.yml"
    process = run("--scenario-from-recording", str(folder), "--output", str(output))
    assert process.popen.wait(timeout=START_SECONDS) == 0
    assert process.first_line() == f"Scenario written to {output}: edit it, then serve it with --scenario {output}"
    assert load_scenario_file(str(output)).tasks[0].task_id == "ID33"
    printed = run("--scenario-from-recording", str(folder))
    assert printed.popen.wait(timeout=START_SECONDS) == 0
    assert printed.popen.stdout is not None
    assert printed.popen.stdout.read().startswith(
        "---\n# Made by python -m sdm_simulator --scenario-from-recording from window"
    )

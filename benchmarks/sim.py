# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SDM simulator (tests/simulator) in a child process, and its control API.

A child process, not a thread: the simulator must not share the interpreter lock with the client
being measured.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Dict, Optional, Type

import requests

TOP = Path(__file__).resolve().parent.parent
SIMULATOR_DIR = TOP / "tests" / "simulator"
START_SECONDS = 15.0
# a safety net: the simulator stops by itself even if this process dies without stopping it
LIFETIME_SECONDS = 900
CONTROL_TIMEOUT = 60.0


class SimulatorError(RuntimeError):
    """The simulator did not start or refused a control request."""


class Simulator:
    """``with Simulator() as sim:`` a simulator on a free port of 127.0.0.1, stopped at exit."""

    def __init__(self, python: str = sys.executable) -> None:
        self.python = python
        self.url = ""
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._folder = tempfile.TemporaryDirectory(prefix="sdm-bench-")
        self._http = requests.Session()

    def __enter__(self) -> "Simulator":
        port_file = Path(self._folder.name) / "port"
        log = (Path(self._folder.name) / "simulator.log").open("wb")
        command = [
            self.python,
            "-m",
            "sdm_simulator",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--scenario",
            "documented",
            "--port-file",
            str(port_file),
            "--lifetime",
            str(LIFETIME_SECONDS),
        ]
        self._process = subprocess.Popen(command, cwd=SIMULATOR_DIR, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.url = f"http://127.0.0.1:{self._wait_for_port(port_file)}"
        return self

    def __exit__(
        self, kind: Optional[Type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
    ) -> None:
        self._http.close()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)
        self._folder.cleanup()

    def _wait_for_port(self, port_file: Path) -> int:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if port_file.is_file() and port_file.read_text(encoding="utf-8").strip():
                return int(port_file.read_text(encoding="utf-8"))
            if self._process is not None and self._process.poll() is not None:
                break
            time.sleep(0.05)
        log = (Path(self._folder.name) / "simulator.log").read_text(encoding="utf-8", errors="replace")
        raise SimulatorError(f"the simulator did not start within {START_SECONDS:g} s:\n{log}")

    def control(self, method: str, path: str, data: Any = None) -> Any:
        response = self._http.request(method, f"{self.url}/_sim{path}", json=data, timeout=CONTROL_TIMEOUT)
        if response.status_code != 200:
            raise SimulatorError(f"{method} /_sim{path} answered {response.status_code}: {response.text[:300]}")
        return response.json()

    def load(self, scenario: Dict[str, Any]) -> float:
        """Load a scenario (its clock starts at 0 now); returns the Unix time right after the load."""
        self.control("POST", "/scenario", scenario)
        return time.time()

    def counters(self) -> Dict[str, Any]:
        return self.control("GET", "/counters")  # type: ignore[no-any-return]

    def task_state(self, task_id: str) -> Dict[str, Any]:
        return self.control("GET", "/tasks")[task_id]  # type: ignore[no-any-return]


def request_total(counters: Dict[str, Any]) -> int:
    """Every SDM request the simulator answered (the control API is not counted)."""
    return sum(counters["requests"].values())

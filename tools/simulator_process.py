"""The SDM simulator in a child process on a free port of 127.0.0.1, for the tools that check a whole product against
it (tools/eda_window.py, tools/awx_job.py): start it on a scenario, read its control API, stop it."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, Optional

import requests

SIMULATOR_DIR = Path(__file__).resolve().parent.parent / "tests" / "simulator"
START_SECONDS = 15.0


class SimulatorFailed(Exception):
    """The simulator did not start."""


class SimulatorProcess:
    """``python -m sdm_simulator`` on ``scenario``, its files in ``out``; with ``tls``, HTTPS with a CA it makes
    (``ca``). It ends by itself after ``lifetime`` seconds, should the tool that started it not stop it."""

    def __init__(self, python: str, out: Path, scenario: Dict[str, Any], lifetime: float, tls: bool = False) -> None:
        (out / "scenario.json").write_text(json.dumps(scenario, indent=2), encoding="utf-8")
        port_file = out / "simulator.port"
        port_file.unlink(missing_ok=True)
        self.ca: Optional[Path] = out / "simulator-ca.pem" if tls else None
        command = [python, "-m", "sdm_simulator", "--host", "127.0.0.1", "--port", "0"]
        command += ["--tls", "--ca-out", str(self.ca)] if self.ca is not None else []
        command += ["--scenario", str(out / "scenario.json"), "--port-file", str(port_file)]
        command += ["--lifetime", str(int(lifetime))]
        self.log = (out / "simulator.log").open("wb")
        self.process = subprocess.Popen(command, cwd=SIMULATOR_DIR, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_SECONDS
        while not (port_file.is_file() and port_file.read_text(encoding="utf-8").strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SimulatorFailed(f"the simulator did not start: see {out / 'simulator.log'}")
            time.sleep(0.05)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{port_file.read_text(encoding='utf-8').strip()}"

    def get(self, path: str) -> Any:
        """``GET /_sim<path>`` of the control API, decoded."""
        verify: Any = str(self.ca) if self.ca is not None else True
        return requests.get(f"{self.url}/_sim{path}", timeout=30, verify=verify).json()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

"""make eda / make demo-eda: the rulebook ocsdm.route_manager.route_update_window, run by the real ansible-rulebook
against the SDM simulator, closes a change window by itself.

Usage: PYTHON tools/eda_window.py COLLECTIONS OUT [--live]
  PYTHON       the Python of the EDA venv (.venv-eda): ansible-rulebook and ansible-playbook are next to it
  COLLECTIONS  a collections path where ocsdm.route_manager is installed (ansible-galaxy collection install)
  OUT          a folder for this run: scenario, inventory, variables, the rulebook's output, the change reports
  --live       show the rulebook's output as it comes (make demo-eda); otherwise it goes to OUT/rulebook.log

The demo scenario of the simulator (tests/simulator/scenarios/demo.yml), with its tasks timed from their first
read, so they run while the rulebook watches: ID33 succeeds, ID40 fails on one device. The source's first login
answers too late (an outage: the source tries again) and ID40 answers 404 twice while it runs (not gone). The rulebook
must commit ID33, roll ID40 back and write both change reports; then this script stops ansible-rulebook with SIGTERM, as a
container stop does, and checks that the source logged out. Every wait follows the simulator's state or the
rulebook's output and is bounded, so a broken rulebook fails the run instead of hanging it. Exit status 0 when
the window closed as expected, 1 otherwise.
"""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml
from simulator_process import SIMULATOR_DIR, SimulatorFailed, SimulatorProcess

TOP = Path(__file__).resolve().parent.parent
RULEBOOK = "ocsdm.route_manager.route_update_window"
SUCCEEDS, FAILS = "ID33", "ID40"
# Made up for this local run; a distinctive value, so that a leak into the output is found.
PASSWORD = "eda-Window-7rulebook"
REPORT_NAME = "route-update-window"
INTERVAL = 1
# The source's request timeout, and the first login's delay that makes it a lost answer.
REQUEST_TIMEOUT = 2
SLOW_LOGIN_SECONDS = 3.5
# That login opened a session the source never learnt of: SDM keeps it until it expires.
ORPHAN_SESSIONS = 1
# Generous bounds for a busy 2-core machine: Java and two playbook runs. A passing run takes well under a minute.
WINDOW_SECONDS = 240.0
STOP_SECONDS = 60.0
EVENT_BANNER = re.compile(r"^\*\* .* \[received event\] \*+$")
BANNER_END = re.compile(r"^\*{20,}$")


class WindowFailed(Exception):
    """The window did not close as expected."""


def scenario() -> Dict[str, Any]:
    """The demo scenario, timed from each task's first read, with this run's password."""
    data = yaml.safe_load((SIMULATOR_DIR / "scenarios" / "demo.yml").read_text(encoding="utf-8"))
    data["name"] = "eda-window"
    data["users"] = [{"username": "admin", "password": PASSWORD}]
    for task in data["tasks"]:
        task["timed_from"] = "first_request"
    data["faults"] = [
        # The first login answers too late (the source gives up after REQUEST_TIMEOUT): an outage, not the end.
        {"kind": "delay", "seconds": SLOW_LOGIN_SECONDS, "path": "*/login", "count": 1},
        # A proxy answers 404 for the failing task for two rounds while it runs and is still listed: it is not gone.
        {"kind": "status", "status": 404, "path": f"*/routeUpdates/{FAILS}", "skip": 1, "count": 2},
    ]
    return data


def simulator(python: str, out: Path) -> SimulatorProcess:
    """The simulator on the window's scenario."""
    try:
        return SimulatorProcess(python, out, scenario(), WINDOW_SECONDS + 2 * STOP_SECONDS)
    except SimulatorFailed as failure:
        raise WindowFailed(str(failure)) from None


class Rulebook:
    """ansible-rulebook in a child process; its output is kept (and shown with ``live``)."""

    def __init__(self, venv_bin: Path, collections: Path, out: Path, sim_url: str, live: bool) -> None:
        self.out = out
        self.live = live
        self.lines: List[str] = []
        self._lock = threading.Lock()
        (out / "inventory.yml").write_text(
            yaml.safe_dump(
                {
                    "all": {
                        "hosts": {
                            "localhost": {
                                "ansible_connection": "local",
                                "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                            }
                        }
                    }
                }
            ),
            encoding="utf-8",
        )
        (out / "vars.yml").write_text(
            yaml.safe_dump(
                {
                    "route_update_window_interval": INTERVAL,
                    "route_update_window_request_timeout": REQUEST_TIMEOUT,
                    "route_update_window_poll_interval": 1,
                    "route_update_window_report_dir": str(out / "reports"),
                    "route_update_window_report_name": REPORT_NAME,
                }
            ),
            encoding="utf-8",
        )
        env = dict(os.environ)
        env.update(
            {
                "PATH": f"{venv_bin}{os.pathsep}{env.get('PATH', '')}",
                "ANSIBLE_COLLECTIONS_PATH": str(collections),
                "SDM_URL": sim_url,
                "SDM_USERNAME": "admin",
                "SDM_PASSWORD": PASSWORD,
                # The JVM that ansible-rulebook embeds would otherwise take SIGTERM and end the process at once,
                # before the sources are cancelled: with -Xrs the stop is graceful and the source logs out.
                "JAVA_TOOL_OPTIONS": "-Xrs",
            }
        )
        self.log = (out / "rulebook.log").open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [
                str(venv_bin / "ansible-rulebook"),
                "-r",
                RULEBOOK,
                "-i",
                "inventory.yml",
                "--vars",
                "vars.yml",
                "--print-events",
                "-v",
            ],
            cwd=out,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))
            self.log.write(line)
            self.log.flush()
            if self.live:
                print(line, end="", flush=True)

    def output(self) -> str:
        with self._lock:
            return "\n".join(self.lines)

    def stop(self) -> int:
        """SIGTERM, as a container stop sends it; the exit status (killed after STOP_SECONDS: a failure)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            raise WindowFailed(f"ansible-rulebook did not stop within {STOP_SECONDS:g} s of SIGTERM") from None
        finally:
            self._reader.join(10)
            self.log.close()
        return status


def events(output: str) -> List[Tuple[str, Optional[str]]]:
    """(change, task id) of every event that ansible-rulebook printed (--print-events), in order."""
    found = []
    block: Optional[List[str]] = None
    for line in output.splitlines():
        if EVENT_BANNER.match(line):
            block = []
        elif block is not None and BANNER_END.match(line):
            found.append(_event_of(block))
            block = None
        elif block is not None:
            block.append(line)
    return [item for item in found if item is not None]


def _event_of(block: List[str]) -> Optional[Tuple[str, Optional[str]]]:
    text = "\n".join(block)
    try:
        body = ast.literal_eval(text[text.index("{") :])["sdm_route_update"]
        return body["change"], body["task_id"]
    except (ValueError, SyntaxError, KeyError):
        change = re.search(r"'change': '(\w+)'", text)
        task = re.findall(r"'task_id': (?:'([^']*)'|None)", text)
        return (change.group(1), task[-1] or None) if change and task else None


def wait_until_closed(sim: SimulatorProcess, rulebook: Rulebook, reports: Path) -> float:
    """Until the rulebook has committed ID33, rolled back ID40, written both reports and reported both closed."""
    started = time.monotonic()
    while True:
        if rulebook.process.poll() is not None:
            raise WindowFailed(f"ansible-rulebook ended early with exit status {rulebook.process.returncode}")
        tasks = sim.get("/tasks")
        output = rulebook.output()
        closed = (
            tasks[SUCCEEDS]["committed"]
            and tasks[FAILS]["rollback"] == "completed"
            and not tasks[FAILS]["pending"]
            and all((reports / f"{REPORT_NAME}-{task}.json").is_file() for task in (SUCCEEDS, FAILS))
            and f"Route update task {SUCCEEDS} is closed (committed)" in output
            and f"Route update task {FAILS} is closed (released)" in output
        )
        if closed:
            return time.monotonic() - started
        if time.monotonic() - started > WINDOW_SECONDS:
            raise WindowFailed(
                f"the window was not closed within {WINDOW_SECONDS:g} s; the simulator's tasks: "
                f"{json.dumps({name: tasks[name] for name in (SUCCEEDS, FAILS)})}"
            )
        time.sleep(0.2)


def check(sim: SimulatorProcess, rulebook: Rulebook, status: int, reports: Path) -> List[str]:
    """What went wrong, as sentences; empty when the window closed as expected."""
    problems = []
    counters = sim.get("/counters")
    output = rulebook.output()
    if status != 0:
        problems.append(f"ansible-rulebook exited with status {status} after SIGTERM (0 expected: a graceful stop)")
    if counters["sessions_open"] != ORPHAN_SESSIONS or counters["logins"] != counters["logouts"] + ORPHAN_SESSIONS:
        problems.append(
            f"SDM sessions left open: {counters['logins']} logins, {counters['logouts']} logouts, "
            f"{counters['sessions_open']} open (expected: the one of the login whose answer was lost)"
        )
    if counters["faults"].get("delay", 0) < 1 or counters["faults"].get("status", 0) < 2:
        problems.append(f"the slow login and the 404 blip did not both happen: faults fired {counters['faults']}")
    if not any(change == "sdm_unreachable" for change, _task in events(output)):
        problems.append("the slow first login gave no sdm_unreachable event")
    if counters["actions"] != {"accepted": {"Commit": 1, "Rollback": 1}, "refused": {}}:
        problems.append(f"SDM received other actions than one Commit and one Rollback: {counters['actions']}")
    success = json.loads((reports / f"{REPORT_NAME}-{SUCCEEDS}.json").read_text(encoding="utf-8"))
    failure = json.loads((reports / f"{REPORT_NAME}-{FAILS}.json").read_text(encoding="utf-8"))
    if (success["result"], success["committed"]) != ("succeeded", True):
        problems.append(f"the report of {SUCCEEDS} says {success['result']}, committed {success['committed']}")
    if (failure["result"], failure["rollback"]["outcome"]) != ("failed", "succeeded"):
        problems.append(f"the report of {FAILS} says {failure['result']}, rollback {failure['rollback']['outcome']}")
    problems += check_events(events(output))
    if "logged out of SDM" not in output:
        problems.append("the event source did not say that it logged out")
    told = [output] + [path.read_text(encoding="utf-8") for path in sorted(reports.glob("*"))]
    if any(PASSWORD in text for text in told):
        problems.append("the password appears in the rulebook's output or in a change report")
    return problems


def check_events(seen: List[Tuple[str, Optional[str]]]) -> List[str]:
    """Each task's events in their order, each one-time change once."""
    problems = []
    expected = {
        SUCCEEDS: ["appeared", "finished", "committed"],
        FAILS: ["appeared", "finished", "rollback_finished", "released"],
    }
    for task, story in expected.items():
        changes = [change for change, task_id in seen if task_id == task]
        in_story = [change for change in changes if change in story]
        if in_story != story:
            problems.append(
                f"the events of {task} were {changes}, expected {story} among them, in this order, once each"
            )
    return problems


def trail(seen: List[Tuple[str, Optional[str]]], task: str) -> str:
    return " > ".join(change for change, task_id in seen if task_id == task)


def main(argv: List[str]) -> int:
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != "--live"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    collections, out = Path(argv[0]).resolve(), Path(argv[1]).resolve()
    live = len(argv) == 3
    out.mkdir(parents=True, exist_ok=True)
    reports = out / "reports"
    for old in reports.glob("*"):
        old.unlink()
    venv_bin = Path(sys.executable).parent
    sim = simulator(sys.executable, out)
    rulebook = None
    try:
        print(f"==> SDM simulator on {sim.url}: {SUCCEEDS} will succeed, {FAILS} will fail on one device")
        print(
            f"==> ansible-rulebook -r {RULEBOOK} (output {'below' if live else 'in ' + str(out / 'rulebook.log')})",
            flush=True,
        )
        rulebook = Rulebook(venv_bin, collections, out, sim.url, live)
        took = wait_until_closed(sim, rulebook, reports)
        status = rulebook.stop()
        problems = check(sim, rulebook, status, reports)
    except WindowFailed as failure:
        problems = [str(failure)]
        if rulebook is not None:
            rulebook.process.kill()
            print("---- last lines of the rulebook's output ----\n" + "\n".join(rulebook.output().splitlines()[-60:]))
    finally:
        if rulebook is not None and rulebook.process.poll() is None:
            rulebook.process.kill()
        counters = sim.get("/counters")
        sim.stop()
    seen = events(rulebook.output()) if rulebook is not None else []
    print()
    print(f"Events from ocsdm.route_manager.route_updates: {SUCCEEDS}: {trail(seen, SUCCEEDS)}")
    print(f"{' ' * 46}{FAILS}: {trail(seen, FAILS)}")
    print(
        f"SDM: {counters['logins']} logins, {counters['logouts']} logouts, {counters['sessions_open']} sessions open; "
        f"actions accepted: {counters['actions']['accepted']}, refused: {counters['actions']['refused']}"
    )
    print(f"Change reports: {reports}")
    if problems:
        print("FAILED: the rulebook did not close the window as expected:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(
        f"The rulebook closed the change window by itself in {took:.0f} s: it committed {SUCCEEDS}, rolled back {FAILS} "
        "and wrote both change reports; ansible-rulebook stopped on SIGTERM and the source logged out of SDM."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault-injection matrix of issue 22, in ONE Python process, on the simulator's clock (not wall time).

For each step of a change window (login, first read, a read while waiting, the read at a slice boundary, the action
POST, the read after the action, the pending-list read, logout) and each fault (503 with Retry-After, connection reset,
no answer within request_timeout, 500, 401 session expired), the action ``route_update_wait`` runs its wait on one
SDM session in this process (as it does on the controller: ``ActionModule._wait_for_task``) against the simulator over
real HTTP, once with commit_on_success and once with rollback_on_failure. Every cell must hold:

- the outcome agrees with the simulator's ground truth (committed, rolled back, neither), or says that the outcome
  is unknown and that running again is safe: never a false claim;
- at most one action accepted by SDM; no session left open;
- the change report (JSON data and Markdown) says what the outcome says.

Then one wait of two hours of simulator time at the default progress interval: one login, one logout, a progress line
at least every minute. The client's and the waiter's sleeps on the one fake clock (tests/simulator/fake_clock.py)
advance the simulator's clock (POST /_sim/clock/advance) instead of waiting, so a cell costs a few requests; only the
request_timeout cells wait (a fraction of a second).

Usage: run_matrix.py COLLECTIONS_ROOT (a folder holding ansible_collections/ocsdm/route_manager, e.g. the copy that
tools/sync_worktree.py makes). Prints the cells, "fault matrix: N cells, M passed", and exits 1 unless all passed.
"""

from __future__ import annotations

import json
import sys
import time
import types
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "simulator"))

from sdm_simulator import SimulatorServer  # noqa: E402  (after the path above)
from sdm_simulator.scenario import parse_scenario  # noqa: E402

TASK = "ID90"
USER, PASSWORD = "admin", "matrix-secret-9"
FINISH = 150  # the update ends at this scenario second: three slices at the default 60 s progress interval
REQUEST_TIMEOUT = 0.25
STEPS = (
    "login",
    "first read",
    "read while waiting",
    "read at a slice boundary",
    "action POST",
    "read after the action",
    "pending-list read",
    "logout",
)
FAULTS: Dict[str, Dict[str, Any]] = {
    # counts outlast the client's 4 attempts, so the fault reaches the waiter, the runner or the action
    "503 Retry-After": {"kind": "status", "status": 503, "retry_after": "2", "count": 5},
    "connection reset": {"kind": "reset", "count": 5},
    "no answer in time": {"kind": "delay", "seconds": REQUEST_TIMEOUT + 0.15, "count": 2},
    "500": {"kind": "status", "status": 500, "count": 1},
    "401 expired": {"kind": "drop_sessions", "count": 1},
}
MODES = ("commit", "rollback")
SESSION_LEFT = "the session stays open on the server until it expires"
LOGIN_LOST = "the login was not repeated"


class Quiet:
    """Stands in for the action's Display: keeps what it would show."""

    def __init__(self) -> None:
        self.lines: List[str] = []

    def display(self, text: str, *args: Any, **kwargs: Any) -> None:
        self.lines.append(text)

    def warning(self, text: str, *args: Any, **kwargs: Any) -> None:
        self.lines.append("[WARNING] " + text)

    def vvv(self, text: str, *args: Any, **kwargs: Any) -> None:
        pass


def scenario(mode: str, finish: int = FINISH) -> Dict[str, Any]:
    outcome = "success" if mode == "commit" else "failure"
    return {
        "name": "fault_matrix_%s" % mode,
        "speed": 1,
        "users": [{"username": USER, "password": PASSWORD}],
        "tasks": [
            {
                "id": TASK,
                "error_handling": "abort",
                "devices": [
                    {"object_id": "ID901", "at": 10, "rollback_after": 10},
                    {"object_id": "ID902", "at": finish, "outcome": outcome},
                ],
            }
        ],
    }


class Matrix:
    def __init__(self, collections: Path, sim: Any) -> None:
        sys.path.insert(0, str(collections))
        from ansible_collections.ocsdm.route_manager.plugins.action import route_update_wait as action

        self.action = action
        self.sim = sim

    def control(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            "%s/_sim/%s" % (self.sim.url, path), data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read().decode("utf-8") or "null")

    # one run of the action's wait ---------------------------------------------------------------------

    def run(
        self, mode: str, extra: Optional[Dict[str, Any]] = None, interrupt_at: Optional[float] = None
    ) -> Dict[str, Any]:
        action = self.action
        quiet = Quiet()
        action.display = quiet  # the module's Display: progress lines and warnings kept here
        clock = self.clock(interrupt_at)
        module = action.ActionModule.__new__(action.ActionModule)  # no Ansible task: the wait's core only
        given = dict(task_id=TASK, url=self.sim.url, username=USER, password=PASSWORD, request_timeout=REQUEST_TIMEOUT)
        if mode == "commit":
            given.update(commit_on_success=True, commit_timeout=60)
        else:
            given.update(rollback_on_failure=True, expect_rollback_status="Completed", rollback_timeout=600)
        given.update(extra or {})
        module._task = types.SimpleNamespace(args=given, check_mode=False, environment=[], delegate_to=None)
        module._task_vars = {}
        module._warned = set()
        module._connection = types.SimpleNamespace(
            transport="local", become=None, _shell=types.SimpleNamespace(SHELL_FAMILY="sh")
        )
        args = module._arguments()
        options = action._options(args, False)
        matcher = action.StateMatcher(**dict((name, args[name]) for name in action.STATE_OPTIONS))
        module._options = options
        module._module_args = dict((name, args[name]) for name in action._CONNECTION_SPEC if args.get(name) is not None)
        wait, outcome, timing = module._wait_for_task(options, matcher, clock)
        record = wait.record
        report = action.report_data(options, record, outcome, timing, matcher)
        return dict(
            fact=action.outcome_fact(options, record, outcome, timing, {}),
            report=report,
            markdown=action.markdown(report, "%s.json" % TASK),
            lines=quiet.lines,
            seconds=clock.elapsed(),
        )

    def clock(self, interrupt_at: Optional[float]) -> Any:
        """The client's, the waiter's and the wait's fake clock; it drives the simulator's: each sleep moves the
        simulator's clock (POST /_sim/clock/advance) instead of waiting."""
        from ansible_collections.ocsdm.route_manager.tests.simulator.fake_clock import FakeClock

        def forward(seconds: float) -> None:
            if interrupt_at is not None and clock.elapsed() >= interrupt_at:
                raise KeyboardInterrupt  # Ctrl-C of ansible-playbook reaches the worker while it waits
            if seconds > 0:
                self.control("POST", "clock/advance", {"seconds": seconds})

        clock = FakeClock(wall=time.time(), on_advance=forward)
        return clock

    def load(self, mode: str, faults: List[Dict[str, Any]], finish: int = FINISH) -> None:
        self.control("POST", "scenario", dict(scenario(mode, finish), faults=faults))

    def truth(self) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        return self.control("GET", "tasks")[TASK], self.control("GET", "counters")

    # the faults at each step --------------------------------------------------------------------------

    def fault_rules(self, mode: str) -> Dict[str, Dict[str, Any]]:
        """Where each step is, from a run without faults: its method, path pattern and how many like it come first."""
        self.load(mode, [])
        self.run(mode)
        requests = self.control("GET", "requests")["requests"]
        task_path, list_path = "*/routeUpdates/%s" % TASK, "*/routeSets/routeUpdates"
        reads = [entry for entry in requests if entry["method"] == "GET" and entry["path"].endswith("/" + TASK)]
        lists = [entry for entry in requests if entry["method"] == "GET" and entry["path"].endswith("/routeUpdates")]
        post = next(entry for entry in requests if entry["path"].endswith("/action"))
        after = [entry for entry in reads if entry["at"] >= post["at"] and requests.index(entry) > requests.index(post)]
        lists_after = [entry for entry in lists if requests.index(entry) > requests.index(post)]
        boundary = next(index for index, entry in enumerate(reads) if entry["at"] >= 60)
        return {
            "login": dict(method="POST", path="*/admin/login", skip=0),
            "first read": dict(method="GET", path=task_path, skip=0),
            "read while waiting": dict(method="GET", path=task_path, skip=2),
            "read at a slice boundary": dict(method="GET", path=task_path, skip=boundary),
            "action POST": dict(method="POST", path="*/%s/action" % TASK, skip=0),
            "read after the action": dict(method="GET", path=task_path, skip=reads.index(after[0])),
            "pending-list read": dict(
                method="GET", path=list_path, skip=lists.index(lists_after[0]) if lists_after else 0
            ),
            "logout": dict(method="POST", path="*/admin/logout", skip=0),
        }

    # the checks of one cell ---------------------------------------------------------------------------

    @staticmethod
    def problems(mode: str, result: Dict[str, Any], task: Dict[str, Any], counters: Dict[str, Any]) -> List[str]:
        fact, report, text = result["fact"], result["report"], result["markdown"]
        found = []
        message = fact["message"]
        unknown = "unknown" in message and "safe" in message
        if mode == "commit":
            claim = fact["committed"]
            if claim is True and not task["committed"]:
                found.append("claims committed, SDM did not commit")
            if claim is False and task["committed"]:
                found.append("claims not committed, SDM committed")
            if claim is None and not unknown:
                found.append("committed unknown without saying so")
            if "FAILED" in message and task["committed"]:
                found.append("says the commit FAILED, SDM committed")
        else:
            rolled_back = task["rollback"] == "completed"
            if fact["rollback"] == "succeeded" and not rolled_back:
                found.append("claims the rollback succeeded, SDM did not roll back")
            if fact["result"] != "error" and rolled_back and fact["rollback"] != "succeeded" and not unknown:
                found.append("SDM rolled back, the outcome says rollback %s" % fact["rollback"])
            if "could not start the rollback" in message and task["rollback"] not in (None, "unknown", "pending"):
                found.append("says the rollback could not start, SDM ran it")
        accepted = sum((counters.get("actions") or {}).get("accepted", {}).values())
        if accepted > 1:
            found.append("%d actions accepted" % accepted)
        # A session may stay open only when the run says so: a logout that failed for good (a warning), or a login
        # whose answer was lost (not repeated: it may have opened a session) - SDM's idle timeout closes those.
        said = any(SESSION_LEFT in line for line in result["lines"]) or LOGIN_LOST in message
        if counters["sessions_open"] and not said:
            found.append("%d sessions left open, and the run does not say so" % counters["sessions_open"])
        if report["committed"] != fact["committed"] or report["result"] != fact["result"]:
            found.append("the report disagrees with the outcome")
        committed_row = "| Committed | %s |" % result["committed_cell"]
        if committed_row not in text:
            found.append("the report's Committed row is not %r" % committed_row)
        if PASSWORD in json.dumps(result["fact"]) + text + "\n".join(result["lines"]):
            found.append("the password shows")
        return found

    def cell(self, mode: str, step: str, fault: str, rule: Dict[str, Any]) -> List[str]:
        self.load(mode, [dict(FAULTS[fault], **rule)])
        try:
            result = self.run(mode)
        except Exception as exc:  # pylint: disable=broad-exception-caught  # a crash is a failed cell
            return ["raised %s: %s" % (type(exc).__name__, exc)]
        if FAULTS[fault]["kind"] == "delay":
            time.sleep(FAULTS[fault]["seconds"])  # the late answers land now, not in the next cell
        task, counters = self.truth()
        if not any(rule.get("fired") for rule in self.control("GET", "faults")["faults"]):
            return ["the fault never fired: the cell tested nothing"]
        fate = self.action.committed_text(result["report"]["committed"], result["report"]["actions"])
        result["committed_cell"] = self.action.cell_text(fate)
        return self.problems(mode, result, task, counters)

    def interrupted(self) -> List[str]:
        """Ctrl-C in the middle of the wait: the KeyboardInterrupt goes through, and the session is logged out first."""
        self.load("commit", [])
        try:
            self.run("commit", interrupt_at=70)
        except KeyboardInterrupt:
            counters = self.control("GET", "counters")
            if (counters["logins"], counters["logouts"], counters["sessions_open"]) != (1, 1, 0):
                return ["after Ctrl-C: logins %(logins)d, logouts %(logouts)d, open %(sessions_open)d" % counters]
            return []
        return ["the interrupt did not reach the caller"]

    def two_hours(self) -> List[str]:
        """Two hours of simulator time at the default progress interval: one login and logout, a line every minute."""
        seconds = 7200
        self.load("commit", [], finish=seconds)
        result = self.run("commit", dict(timeout=seconds + 600))
        counters = self.control("GET", "counters")
        progress = [line for line in result["lines"] if " elapsed (limit " in line]
        found = []
        if result["fact"]["result"] != "succeeded":
            found.append("result %s: %s" % (result["fact"]["result"], result["fact"]["message"]))
        if (counters["logins"], counters["logouts"], counters["sessions_open"]) != (1, 1, 0):
            found.append("logins %(logins)d, logouts %(logouts)d, open %(sessions_open)d" % counters)
        if len(progress) < seconds // 60 - 1:
            found.append("%d progress lines in %d s" % (len(progress), seconds))
        shown = [0] + [int(line.split(" s elapsed")[0].rsplit(" ", 1)[1]) for line in progress]
        gaps = [later - earlier for earlier, later in zip(shown, shown[1:])]
        if max(gaps or [seconds]) > 61:  # whole seconds shown: a minute and the rounding
            found.append("a gap of %d s between two progress lines" % max(gaps or [seconds]))
        return found


def show(found: List[str], line: str) -> None:
    """One cell's line: ok, or FAIL with what was found."""
    print("%-4s %s %s" % ("ok" if not found else "FAIL", line, "; ".join(found)))


def main(argv: List[str]) -> int:
    collections = Path(argv[1]).resolve()
    started = time.monotonic()
    with SimulatorServer(parse_scenario(scenario("commit")), port=0) as sim:
        matrix = Matrix(collections, sim)
        from ansible_collections.ocsdm.route_manager.plugins.module_utils import _change_report, _wording

        matrix.action.committed_text = _wording.committed_text
        matrix.action.cell_text = _change_report._cell  # pylint: disable=protected-access
        results = []  # one (problems found, line) per cell
        for mode in MODES:
            rules = matrix.fault_rules(mode)
            for step in STEPS:
                for fault in FAULTS:
                    found = matrix.cell(mode, step, fault, rules[step])
                    results.append((found, "%-8s | %-24s | %-17s" % (mode, step, fault)))
                    show(*results[-1])
        results.append((matrix.interrupted(), "Ctrl-C during the wait: logged out, KeyboardInterrupt passed on"))
        show(*results[-1])
        results.append((matrix.two_hours(), "two hours of simulator time at the default progress interval"))
        show(*results[-1])
    cells, passed = len(results), sum(not found for found, _line in results)
    print("fault matrix: %d cells, %d passed (%.1f s)" % (cells, passed, time.monotonic() - started))
    return 0 if passed == cells else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

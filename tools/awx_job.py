"""make awx: the collection playbook run as an AWX / Automation Platform job runs it, through ansible-runner (process
isolation off), with the credentials injected as the custom credential type of the AWX guide injects them, against
the SDM simulator over HTTPS with a private CA. What a controller user sees is the job's events
(artifacts/<ident>/job_events/*.json), so the checks read those.

Usage: PYTHON tools/awx_job.py COLLECTIONS OUT SIMULATOR_PYTHON
  PYTHON            the Python of a venv with ansible-runner and ansible-core (.venv-eda); its bin/ goes first on PATH
  COLLECTIONS       a collections path where ocsdm.route_manager is installed (as a project's collections/requirements.yml
                    installs it)
  OUT               a folder for this run: the simulator's files and one private data dir per job
  SIMULATOR_PYTHON  a Python with the simulator's needs for --tls (trustme): the dev venv's

Two jobs of the project playbook that imports ocsdm.route_manager.wait_route_update (as the AWX guide shows), on the
demo scenario: ID33 completes 2 s after its 5th read (so there is progress to show first), ID40 fails 2 s after its
first read. The first job must succeed with its progress lines arriving as events while the task runs (their timestamps spread over the wait) and the
outcome as one event; the second must fail with the role's message as the failed event's msg. Neither may show the
password, a session id or a cookie in an event or in stdout (the runner's own artifacts/<ident>/command holds the
whole environment: that file is not the collection's), and SDM must have no session left open. Exit status 0 when
both jobs behaved so, 1 otherwise.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import jinja2
import yaml
from simulator_process import SIMULATOR_DIR, SimulatorFailed, SimulatorProcess

TOP = Path(__file__).resolve().parent.parent
GUIDE = TOP / "docs" / "docsite" / "rst" / "guide_awx.rst"
SUCCEEDS, FAILS = "ID33", "ID40"
# Made up for this local run; a distinctive value, so that a leak into the output is found.
PASSWORD = "awx-Job-4credential"
# The simulator's session ids (the JSESSIONID cookie's value): 32 hex digits, then .tomcat1.
SESSION_ID = re.compile(r"[0-9A-Fa-f]{32}")
COOKIE = re.compile(r"JSESSIONID=(?!\*)")
PROGRESS = re.compile(r"\[localhost\] (ID\d+): .* s elapsed \(limit \d+ s\)\.")
RESULTS = ("runner_on_ok", "runner_on_failed", "runner_on_unreachable", "runner_on_skipped")
# Generous bounds for a busy 2-core machine; a job takes some 10 s.
JOB_SECONDS = 180


class JobFailed(Exception):
    """A job could not be run or checked at all."""


def credential_type() -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The input and injector configurations of the credential type, as the AWX guide documents them."""
    text = GUIDE.read_text(encoding="utf-8")
    found = []
    for heading in ("*Input configuration*:", "*Injector configuration*:"):
        after = text.split(heading, 1)[1]
        block = re.search(r"\.\. code-block:: yaml\n\n((?:    .*\n|\n)+)", after)
        if block is None:
            raise JobFailed(f"no YAML block after {heading} in {GUIDE}")
        found.append(yaml.safe_load(block.group(1)))
    return found[0], found[1]


def inject(inputs: Dict[str, Any], injectors: Dict[str, Any], private: Path) -> Dict[str, str]:
    """The environment AWX gives a job for a credential of this type: each file template written to a file of the
    job's private data dir, then the env templates rendered with the inputs and those files' paths."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    filenames = {}
    for key, template in (injectors.get("file") or {}).items():
        name = key.split(".", 1)[1]
        path = private / "env" / f"credential_{name}"
        path.write_text(env.from_string(template).render(inputs), encoding="utf-8")
        filenames[name] = str(path)
    context = dict(inputs, tower={"filename": filenames})
    return {name: env.from_string(template).render(context) for name, template in injectors["env"].items()}


def credential_inputs(fields: Dict[str, Any], url: str, ca: str) -> Dict[str, Any]:
    """One credential of the type: every field the type declares, filled for the simulator."""
    values = {
        "sdm_url": url,
        "sdm_username": "admin",
        "sdm_password": PASSWORD,
        "sdm_ca_certificate": ca,
        "sdm_validate_certs": True,
    }
    declared = [field["id"] for field in fields["fields"]]
    if sorted(declared) != sorted(values) or not set(fields["required"]) <= set(values):
        raise JobFailed(f"the guide's credential type has the fields {declared}; this check fills {sorted(values)}")
    return values


def simulator(python: str, out: Path) -> SimulatorProcess:
    """The simulator over HTTPS (a CA made at start) on the demo scenario, its tasks short and timed from their reads."""
    data = yaml.safe_load((SIMULATOR_DIR / "scenarios" / "demo.yml").read_text(encoding="utf-8"))
    data["name"] = "awx-job"
    data["users"] = [{"username": "admin", "password": PASSWORD}]
    for task in data["tasks"]:
        task["timed_from"] = "first_request"
        # Devices end 1 and 2 s into the task (not 2 to 5 s): a short job.
        for second, device in enumerate(task["devices"], start=1):
            device["at"] = second
        if task["id"] == SUCCEEDS:
            # The task's clock starts at its 5th read. A progress slice (1 s) reads it at most twice (when it starts
            # and when it ends) and shows a progress line after it: two lines come before the task can end,
            # however slow the machine.
            task["timed_from_request"] = 5
    try:
        return SimulatorProcess(python, out, data, 3 * JOB_SECONDS, tls=True)
    except SimulatorFailed as failure:
        raise JobFailed(str(failure)) from None


class Job:
    """One job: a private data dir as AWX prepares it, ansible-runner run on it, and what it left."""

    def __init__(self, out: Path, ident: str, task_id: str) -> None:
        self.ident = ident
        self.task_id = task_id
        self.private = out / ident
        for folder in ("project", "inventory", "env"):
            (self.private / folder).mkdir(parents=True, exist_ok=True)
        # The project's playbook, as the AWX guide has users add it to their project.
        (self.private / "project" / "wait_route_update.yml").write_text(
            "---\n- name: Wait for an SDM route update task\n"
            "  ansible.builtin.import_playbook: ocsdm.route_manager.wait_route_update\n",
            encoding="utf-8",
        )
        # The play runs on localhost, with the Python that runs Ansible (in AWX: the execution environment's).
        local = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
        (self.private / "inventory" / "hosts.json").write_text(
            json.dumps({"all": {"hosts": {"localhost": local}}}), encoding="utf-8"
        )
        # A survey's answers: the task, and a progress line every second (the default is every minute).
        extravars = {"route_update_wait_task_id": task_id, "route_update_wait_progress_interval": 1}
        (self.private / "env" / "extravars").write_text(json.dumps(extravars), encoding="utf-8")
        (self.private / "env" / "settings").write_text(json.dumps({"process_isolation": False}), encoding="utf-8")
        self.artifacts = self.private / "artifacts" / ident

    def set_environment(self, environment: Dict[str, str]) -> None:
        """env/envvars: what the job's credentials inject."""
        (self.private / "env" / "envvars").write_text(json.dumps(environment), encoding="utf-8")

    def run(self, venv_bin: Path) -> Tuple[int, str]:
        """ansible-runner's exit status and its output."""
        # Only the job's own settings (env/envvars) say where the collection is, as in AWX.
        env = {name: value for name, value in os.environ.items() if not name.startswith("ANSIBLE_COLLECTIONS_PATH")}
        env.update(PATH=f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}", ANSIBLE_NOCOLOR="1")
        try:
            done = subprocess.run(
                [str(venv_bin / "ansible-runner"), "run", str(self.private), "-p", "wait_route_update.yml"]
                + ["--ident", self.ident],
                env=env,
                capture_output=True,
                text=True,
                timeout=JOB_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise JobFailed(f"the job {self.ident} did not end within {JOB_SECONDS} s") from None
        (self.private / "runner.out").write_text(done.stdout + done.stderr, encoding="utf-8")
        return done.returncode, done.stdout + done.stderr

    def events(self) -> List[Dict[str, Any]]:
        files = sorted((self.artifacts / "job_events").glob("*.json"), key=lambda path: int(path.name.split("-")[0]))
        return [json.loads(path.read_text(encoding="utf-8")) for path in files]

    def status(self) -> str:
        path = self.artifacts / "status"
        return path.read_text(encoding="utf-8").strip() if path.is_file() else "missing"

    def told(self, runner_output: str) -> List[Tuple[str, str]]:
        """(where, text) of everything a controller user can see: each event, the job's stdout, the runner's output."""
        texts = [
            (f"job_events/{path.name}", path.read_text(encoding="utf-8"))
            for path in self.artifacts.glob("job_events/*.json")
        ]
        stdout = self.artifacts / "stdout"
        texts.append(("stdout", stdout.read_text(encoding="utf-8") if stdout.is_file() else ""))
        texts.append(("ansible-runner's output", runner_output))
        return texts


def created(event: Dict[str, Any]) -> float:
    """An event's time (ansible-runner writes UTC without a zone) as Unix time."""
    return datetime.datetime.fromisoformat(event["created"]).replace(tzinfo=datetime.timezone.utc).timestamp()


def secrets_shown(job: Job, runner_output: str) -> List[str]:
    problems = []
    for where, text in job.told(runner_output):
        if PASSWORD in text:
            problems.append(f"{job.ident}: the password appears in {where}")
        if SESSION_ID.search(text) or COOKIE.search(text):
            problems.append(f"{job.ident}: a session id or cookie appears in {where}")
    return problems


def wait_task_events(events: List[Dict[str, Any]], task_id: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The start and the result event of the role's waiting task."""
    name = f"Wait for route update task {task_id}"
    start = [e for e in events if e["event"] == "playbook_on_task_start" and e["event_data"].get("task") == name]
    end = [e for e in events if e["event"] in RESULTS and e["event_data"].get("task") == name]
    if len(start) != 1 or len(end) != 1:
        raise JobFailed(f"the job's events hold {len(start)} start(s) and {len(end)} result(s) of the task '{name}'")
    return start[0], end[0]


def check_success(job: Job, events: List[Dict[str, Any]], ended_wall: float) -> Tuple[List[str], str]:
    """The progress lines came while the task ran, spread over the wait; the outcome is one event."""
    problems = []
    start, end = wait_task_events(events, job.task_id)
    progress = [e for e in events if e["event"] == "verbose" and PROGRESS.search(e.get("stdout", ""))]
    before_end = [e for e in progress if created(e) < ended_wall]
    wait = created(end) - created(start)
    spread = created(before_end[-1]) - created(before_end[0]) if before_end else 0.0
    # Events created before SDM finished the task cannot have been flushed at the wait's end.
    if len(before_end) < 2:
        problems.append(
            f"{job.ident}: {len(before_end)} progress event(s) created before the task ended on SDM "
            f"({len(progress)} in all); expected at least 2 while the wait runs"
        )
    elif spread < 0.5:
        problems.append(
            f"{job.ident}: the progress events came within {spread:.1f} s of each other in a {wait:.1f} s wait: "
            "flushed together, not shown one by one as the wait ran"
        )
    outcome = [e for e in events if f"Route update task {job.task_id}" in e.get("stdout", "")]
    if len(outcome) != 1 or outcome[0]["event"] != "verbose":
        problems.append(
            f"{job.ident}: {len(outcome)} events tell the outcome of {job.task_id} "
            f"({[e['event'] for e in outcome]}); expected one line"
        )
    summary = (
        f"{len(progress)} progress events, {len(before_end)} of them before SDM finished the task, "
        f"{spread:.1f} s apart in a {wait:.1f} s wait"
    )
    if outcome:
        summary += f"; the outcome: {_short(outcome[0]['stdout'].strip())}"
    return problems, summary


def check_failure(job: Job, events: List[Dict[str, Any]]) -> Tuple[List[str], str]:
    """One failed event, the role's failing task, whose msg is the action's message."""
    problems = []
    end = wait_task_events(events, job.task_id)[1]
    message = end["event_data"]["res"].get("msg", "")
    failed = [e for e in events if e["event"] == "runner_on_failed"]
    if len(failed) != 1:
        return [f"{job.ident}: {len(failed)} runner_on_failed events, expected one"], ""
    shown = failed[0]["event_data"]["res"].get("msg")
    if not failed[0]["event_data"].get("task", "").startswith("Fail the play"):
        problems.append(f"{job.ident}: the failed task is '{failed[0]['event_data'].get('task')}', not the role's")
    if shown != message or not message.startswith(f"Route update task {job.task_id} "):
        problems.append(f"{job.ident}: the failed event's msg is {shown!r}; the role's message is {message!r}")
    return problems, f"the failed event's msg: {_short(shown)}"


def _short(text: str, limit: int = 110) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_job(job: Job, venv_bin: Path, sim: SimulatorProcess, expect_success: bool) -> Tuple[List[str], str]:
    status, output = job.run(venv_bin)
    events = job.events()
    problems = secrets_shown(job, output)
    expected = ("successful", 0) if expect_success else ("failed", 2)
    if (job.status(), status) != expected:
        problems.append(
            f"{job.ident}: the job ended {job.status()} (ansible-runner exit status {status}), expected {expected[0]}"
        )
    counters = sim.get("/counters")
    if counters["sessions_open"] != 0 or counters["logins"] != counters["logouts"]:
        problems.append(
            f"{job.ident}: SDM sessions left open: {counters['logins']} logins, {counters['logouts']} logouts, "
            f"{counters['sessions_open']} open"
        )
    sessions = (
        f"SDM so far: {counters['logins']} logins, {counters['logouts']} logouts, {counters['sessions_open']} open"
    )
    try:
        if expect_success:
            ended = sim.get("/tasks")[job.task_id]["update_ended_wall"]
            found, summary = check_success(job, events, float(ended) if ended is not None else float("inf"))
        else:
            found, summary = check_failure(job, events)
    except JobFailed as failure:
        found, summary = [f"{job.ident}: {failure}"], ""
    return problems + found, f"{job.ident}: {job.status()}, {len(events)} events; {sessions}\n  {summary}"


def main(argv: List[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    collections, out = Path(argv[0]).resolve(), Path(argv[1]).resolve()
    sim_python = str(Path(argv[2]).absolute())
    venv_bin = Path(sys.executable).parent
    if out.exists():
        subprocess.run(["rm", "-rf", str(out)], check=True)
    out.mkdir(parents=True)
    problems: List[str] = []
    lines: List[str] = []
    sim = None
    try:
        fields, injectors = credential_type()
        sim = simulator(sim_python, out)
        print(f"==> SDM simulator on {sim.url}: {SUCCEEDS} will succeed, {FAILS} will fail on one device", flush=True)
        for ident, task_id, expect_success in (("succeeds", SUCCEEDS, True), ("fails", FAILS, False)):
            inputs = credential_inputs(fields, sim.url, sim.ca.read_text(encoding="utf-8"))
            job = Job(out, ident, task_id)
            # AWX installs the project's collections/requirements.yml and puts them on the collections path.
            job.set_environment(dict(inject(inputs, injectors, job.private), ANSIBLE_COLLECTIONS_PATH=str(collections)))
            print(f"==> ansible-runner run {job.private} -p wait_route_update.yml --ident {ident}", flush=True)
            found, line = run_job(job, venv_bin, sim, expect_success)
            problems += found
            lines.append(line)
    except JobFailed as failure:
        problems.append(str(failure))
    finally:
        if sim is not None:
            sim.stop()
    print()
    for line in lines:
        print(line)
    if problems:
        print("FAILED: the jobs did not behave as AWX users need:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(
        f"Both jobs ran through ansible-runner with the guide's credential type: {SUCCEEDS} succeeded with its progress "
        f"shown as it came, {FAILS} failed with the role's message; no secret in any event or stdout, no session open."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

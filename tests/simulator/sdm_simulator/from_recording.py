# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A scenario made from a recording: a model of what the recorded SDM did, to edit and serve with ``--scenario``.

A replay serves the recorded answers as they were; a scenario can be changed (another outcome, a slower device,
a word SDM might say). What is read from the recording, task by task (each timed from its first request):

- the devices (ids, groups, route sets, versions, extra fields) and, for each, its outcome and the second it was
  first seen done; a device SDM aborted or cancelled gets an outcome after the end of the update;
- when the update started, the error handling, a rollback (the client's, or SDM's own: ``auto_rollback``) and
  when each device was seen rolled back, a task that disappeared without a commit (``vanish_at``);
- the status words: a known word is mapped to its state, an unknown one by where it appears (a word seen before
  another is a running word; a last word is a success when every device was updated, else a failure);
- the server's own ways: API versions, logout status, the status of a refused action, what a read after a commit
  answers, the pending list's id and status fields, XML indentation, the login's ``serverInfo``;
- the users who logged in (with the password ``change-me``: recordings hold none), and the answers 429 and 5xx as
  faults (timed from the scenario load).

Whatever could only be guessed is listed at the top of the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from . import codec
from . import words as w
from ._fields import ScenarioError
from .recording import Exchange, Recording
from .scenario import parse_scenario

PASSWORD = "change-me"
PASSWORD_MARK = "********"
# Words the collection knows besides the simulator's defaults, with the state they stand for.
KNOWN_WORDS = {
    **{word: state for state, word in w.DEFAULT_WORDS.items()},
    "Complete": w.COMPLETED,
    "Success": w.COMPLETED,
    "Succeeded": w.COMPLETED,
    "RolledBack": w.COMPLETED,
    "Failure": w.FAILED,
    "Error": w.FAILED,
    "PartiallyFailed": w.PARTIALLY_COMPLETED,
    "Canceled": w.CANCELLED,
    "Running": w.IN_PROGRESS,
    "Started": w.IN_PROGRESS,
    "Queued": w.PENDING,
    "NotStarted": w.PENDING,
    "Scheduled": w.PENDING,
}
DONE_STATES = (w.COMPLETED, w.FAILED, w.PARTIALLY_COMPLETED, w.CANCELLED, w.ABORTED)
TASK_FIELDS = (
    "deviceStatusList",
    "errorHandling",
    "rollbackCount",
    "rollbackStatus",
    "totalDeviceCount",
    "updateStatus",
    "updatedCount",
)
DEVICE_FIELDS = (
    "deviceGroupId",
    "objectId",
    "preUpdateVersion",
    "pushStatus",
    "rollBackStatus",
    "routeSetId",
    "routeUpdateTaskId",
    "status",
    "updateDate",
    "updateFailureMsg",
    "updateVersion",
    "rollBackDate",
    "rollBackFailureMsg",
)
POLICIES = ("abort", "rollback", "continue")


def normal(word: str) -> str:
    """Words compare as the collection compares them: case-insensitively, without spaces, _ and -."""
    return re.sub(r"[\s_-]", "", word).lower()


_KNOWN = {normal(word): state for word, state in KNOWN_WORDS.items()}


@dataclass
class Notes:
    """What the scenario could only guess, and the words SDM spoke."""

    lines: List[str] = field(default_factory=list)
    words: Dict[str, str] = field(default_factory=dict)

    def add(self, line: str) -> None:
        if line not in self.lines:
            self.lines.append(line)

    def word(self, context: str, word: str, state: str) -> None:
        """SDM says ``word`` for ``state`` in ``context``: an override unless it is the simulator's own word."""
        if not word or word == w.DEFAULT_WORDS[state]:
            return
        key = f"{context}.{state}"
        if self.words.setdefault(key, word) != word:
            self.add(
                f"status_words.{key}: SDM said both {self.words[key]!r} and {word!r}; the scenario speaks the first"
            )


@dataclass
class Read:
    """One recorded answer with the task's details: its second on the task's clock and its document."""

    at: float
    document: Dict[str, Any]

    def devices(self) -> List[Dict[str, Any]]:
        items = self.document.get("deviceStatusList") or []
        return [item for item in items if isinstance(item, dict)]


def scenario_text(recording: Recording, as_json: bool = False) -> str:
    """The scenario as YAML (the guesses as comments at the top), or as JSON (the guesses in ``description``)."""
    data, notes = scenario_from_recording(recording)
    parse_scenario(json.loads(json.dumps(data)))  # what is written must load
    if as_json:
        data["description"] = " ".join([data["description"], *notes.lines])
        return json.dumps(data, indent=2) + "\n"
    try:
        import yaml  # PyYAML: only here, the simulator runs without it
    except ImportError:
        raise ScenarioError(
            "writing the scenario as YAML needs PyYAML; install it or write JSON (--output FILE.json)"
        ) from None

    header = [f"# {line}" for line in _header(recording, notes)]
    body = yaml.safe_dump(data, sort_keys=False, default_flow_style=None, allow_unicode=True, width=140)
    return "\n".join(["---", *header, body])


def _header(recording: Recording, notes: Notes) -> List[str]:
    lines = [
        f"Made by python -m sdm_simulator --scenario-from-recording from {recording.name} ({len(recording.exchanges)} exchanges).",
        "A model of what the recorded SDM did: edit it, then serve it with --scenario FILE.",
        f"Users log in with the password {PASSWORD!r}: a recording holds no password.",
    ]
    if notes.lines:
        lines.append("Guessed from the recording (check these):")
        lines.extend(f"- {line}" for line in notes.lines)
    return lines


def scenario_from_recording(recording: Recording) -> Tuple[Dict[str, Any], Notes]:
    notes = Notes()
    pending = _pending_items(recording)
    tasks = [_task(recording, task_id, pending.get(task_id, {}), notes) for task_id in _task_ids(recording)]
    data: Dict[str, Any] = {
        "name": f"recorded-{recording.name}",
        "description": f"Made from the recording {recording.name}.",
        "speed": 1,
        "server": _server(recording, notes),
        "users": _users(recording),
        "tasks": [task for task in tasks if task is not None],
    }
    _session_notes(recording, notes)
    faults = _faults(recording)
    if faults:
        data["faults"] = faults
        notes.add("faults: the answers 429 and 5xx of the recording, each once at its second from the scenario load")
    if notes.words:
        data["status_words"] = dict(sorted(notes.words.items()))
    return data, notes


# tasks ---------------------------------------------------------------------------------------------------


def _task_ids(recording: Recording) -> List[str]:
    ids: List[str] = []
    for exchange in recording.exchanges:
        task = exchange.task_id
        if task is not None and "/" not in task and task not in ids:
            ids.append(task)
    return ids


def _task(recording: Recording, task_id: str, listed: Dict[str, Any], notes: Notes) -> Optional[Dict[str, Any]]:
    story = [exchange for exchange in recording.exchanges if exchange.task_id == task_id]
    origin = story[0].elapsed
    reads = _reads(story, origin)
    if not reads:
        notes.add(f"{task_id}: no readable answer with its details; left out")
        return None
    last = reads[-1].document
    policy = str(last.get("errorHandling") or listed.get("failureAction") or "abort")
    if policy not in POLICIES:
        notes.add(f"{task_id}: error handling {policy!r} is not one the simulator knows; it uses abort")
        policy = "abort"
    end = _update_end(task_id, reads, notes)
    rollback_start, auto = _rollback_start(story, reads, origin)
    devices = [_device(task_id, object_id, reads, end, rollback_start, notes) for object_id in _device_ids(reads)]
    task: Dict[str, Any] = {"id": task_id}
    for key, name in (("name", "name"), ("notes", "notes"), ("initiated_by", "initiatedBy")):
        if isinstance(listed.get(name), str):
            task[key] = listed[name]
    task.update(error_handling=policy, timed_from="first_request", start=_start(reads))
    if auto:
        task["auto_rollback"] = True
        if policy != "rollback":
            notes.add(
                f"{task_id}: SDM rolled back by itself under error handling {policy}; the simulator does so only under rollback"
            )
    vanished = _vanished_at(story, origin)
    if vanished is not None:
        task["vanish_at"] = vanished
    extra = _extra(last, TASK_FIELDS)
    if extra:
        task["extra_fields"] = extra
    task["devices"] = devices
    return task


def _reads(story: List[Exchange], origin: float) -> List[Read]:
    reads = []
    for exchange in story:
        if exchange.method != "GET" or exchange.status != 200 or exchange.body is None or exchange.body_note:
            continue
        try:
            document = codec.decode_document(exchange.body, exchange.content_type)
        except codec.BodyError:
            continue
        if any(name in document for name in TASK_FIELDS):
            reads.append(Read(round(exchange.elapsed - origin, 3), document))
    return reads


def _word_state(word: str, final: bool, good: bool) -> str:
    """The state a word stands for: known words as they are; unknown ones by where they appear."""
    known = _KNOWN.get(normal(word))
    if known is not None:
        return known
    if not final:
        return w.IN_PROGRESS
    return w.COMPLETED if good else w.FAILED


def _update_end(task_id: str, reads: List[Read], notes: Notes) -> Optional[float]:
    """When the update was first seen finished, None when it never was; the update words go to the notes."""
    last = reads[-1].document
    devices = reads[-1].devices()
    updated, total = _count(last.get("updatedCount")), _count(last.get("totalDeviceCount"))
    good = total is not None and updated == total and total > 0
    # every device done: the task's last word is a final one, even when nobody knows it
    settled = good or (
        bool(devices) and all(_KNOWN.get(normal(str(device.get("status", "")))) in DONE_STATES for device in devices)
    )
    end = None
    for index, read in enumerate(reads):
        word = str(read.document.get("updateStatus") or "")
        state = _word_state(word, settled and _later_same(reads, index, word), good)
        notes.word(w.UPDATE, word, state)
        if word and normal(word) not in _KNOWN:
            notes.add(f"{task_id}: the unknown update status {word!r} is taken for {state}")
        if end is None and state in DONE_STATES:
            end = read.at
    return end


def _later_same(reads: List[Read], index: int, word: str) -> bool:
    """Whether the task kept ``word`` to the last read from here on (a final word, not a passing one)."""
    return all(str(read.document.get("updateStatus") or "") == word for read in reads[index:])


def _start(reads: List[Read]) -> float:
    for read in reads:
        if _KNOWN.get(normal(str(read.document.get("updateStatus") or ""))) != w.PENDING:
            return read.at
    return 0.0


def _rollback_start(story: List[Exchange], reads: List[Read], origin: float) -> Tuple[Optional[float], bool]:
    """When a rollback started (the client's accepted Rollback, else the first read of a running rollback) and whether
    SDM started it by itself."""
    for exchange in story:
        if exchange.is_action and exchange.action_type == "Rollback" and 200 <= exchange.status < 300:
            return round(exchange.elapsed - origin, 3), False
    for read in reads:
        state = _KNOWN.get(normal(str(read.document.get("rollbackStatus") or "")))
        if state is not None and state not in (w.UNKNOWN, w.PENDING):
            return read.at, True
    return None, False


def _device_ids(reads: List[Read]) -> List[str]:
    ids: List[str] = []
    for read in reads:
        for device in read.devices():
            object_id = str(device.get("objectId") or "")
            if object_id and object_id not in ids:
                ids.append(object_id)
    return ids


def _device(
    task_id: str, object_id: str, reads: List[Read], end: Optional[float], rollback_start: Optional[float], notes: Notes
) -> Dict[str, Any]:
    seen = [(read.at, device) for read in reads for device in read.devices() if device.get("objectId") == object_id]
    last = seen[-1][1]
    device: Dict[str, Any] = {"object_id": object_id}
    for key, name in (
        ("device_group_id", "deviceGroupId"),
        ("route_set_id", "routeSetId"),
        ("pre_update_version", "preUpdateVersion"),
        ("update_version", "updateVersion"),
    ):
        if isinstance(last.get(name), str) and last[name]:
            device[key] = last[name]
    failed_msg = str(last.get("updateFailureMsg") or "")
    outcome, at = _device_outcome(seen, end, bool(failed_msg), notes)
    device["outcome"] = outcome
    if at is not None:
        device["at"] = at
    if outcome == "failure" and failed_msg:
        device["failure_msg"] = failed_msg
    if rollback_start is not None and outcome == "success":
        device.update(_device_rollback(seen, rollback_start, notes))
    extra = _extra(last, DEVICE_FIELDS)
    if extra:
        device["extra_fields"] = extra
    if outcome == "never" and end is not None:
        notes.add(f"{task_id}: device {object_id} was never seen done")
    return device


def _device_outcome(
    seen: List[Tuple[float, Dict[str, Any]]], end: Optional[float], failed: bool, notes: Notes
) -> Tuple[str, Optional[float]]:
    final_word = str(seen[-1][1].get("status") or "")
    for index, (at, device) in enumerate(seen):
        word = str(device.get("status") or "")
        # an unknown word is a device's final one only if it kept it to the end of an update that ended
        final = end is not None and all(str(later.get("status") or "") == word for _at, later in seen[index:])
        state = _word_state(word, final, not failed)
        notes.word(w.DEVICE, word, state)
        push = str(device.get("pushStatus") or "")
        if push:
            notes.word(w.PUSH, push, _word_state(push, final, not failed))
        if state == w.COMPLETED:
            return "success", at
        if state == w.FAILED:
            return "failure", at
    if end is not None and _KNOWN.get(normal(final_word)) in (w.ABORTED, w.CANCELLED):
        # stopped by the end of the update: it would have taken the update later
        return "success", round(end + 1, 3)
    return "never", None


def _device_rollback(seen: List[Tuple[float, Dict[str, Any]]], started: float, notes: Notes) -> Dict[str, Any]:
    for index, (at, device) in enumerate(seen):
        if at < started:
            continue
        word = str(device.get("rollBackStatus") or "")
        final = all(str(later.get("rollBackStatus") or "") == word for _at, later in seen[index:])
        message = str(device.get("rollBackFailureMsg") or "")
        state = _word_state(word, final, not message)
        notes.word(w.DEVICE_ROLLBACK, word, state)
        if state == w.COMPLETED:
            return {"rollback": "success", "rollback_after": round(max(0.0, at - started), 3)}
        if state == w.FAILED:
            result: Dict[str, Any] = {"rollback": "failure", "rollback_after": round(max(0.0, at - started), 3)}
            if message:
                result["rollback_failure_msg"] = message
            return result
    return {"rollback": "never"}


def _vanished_at(story: List[Exchange], origin: float) -> Optional[float]:
    """A read answered 404 after the task was readable, without a commit before it."""
    readable = committed = False
    for exchange in story:
        if exchange.is_action and exchange.action_type == "Commit" and 200 <= exchange.status < 300:
            committed = True
        elif exchange.method == "GET" and exchange.status == 200:
            readable = True
        elif exchange.method == "GET" and exchange.status == 404 and readable and not committed:
            return round(exchange.elapsed - origin, 3)
    return None


def _extra(document: Dict[str, Any], known: Tuple[str, ...]) -> Dict[str, str]:
    return {key: value for key, value in document.items() if key not in known and isinstance(value, str)}


def _count(value: Any) -> Optional[int]:
    try:
        return int(str(value))
    except ValueError:
        return None


# the server, users, sessions and faults ----------------------------------------------------------------------


def _pending_items(recording: Recording) -> Dict[str, Dict[str, Any]]:
    """The last pending-list entry of each task, by task id (whatever field holds the id)."""
    ids = set(_task_ids(recording))
    items: Dict[str, Dict[str, Any]] = {}
    for document in _documents(recording, ("routeSets", "routeUpdates")):
        for item in document.get("routeUpdateTaskList") or []:
            if isinstance(item, dict):
                for value in item.values():
                    if isinstance(value, str) and value in ids:
                        items[value] = item
    return items


def _documents(recording: Recording, route: Tuple[str, ...]) -> List[Dict[str, Any]]:
    documents = []
    for exchange in recording.exchanges:
        if exchange.route == route and exchange.status == 200 and exchange.body and not exchange.body_note:
            try:
                documents.append(codec.decode_document(exchange.body, exchange.content_type))
            except codec.BodyError:
                continue
    return documents


def _server(recording: Recording, notes: Notes) -> Dict[str, Any]:
    server: Dict[str, Any] = {"api_versions": list(recording.api_versions) or ["v1.3"]}
    logout = recording.first(("admin", "logout"))
    if logout is not None and logout.status != 204:
        server["logout_status"] = logout.status
    refusals = [
        exchange.status
        for exchange in recording.exchanges
        if exchange.is_action and 400 <= exchange.status < 600 and exchange.status not in (401, 404)
    ]
    if refusals and refusals[0] != 400:
        server["refused_action_status"] = refusals[0]
    after_commit = _after_commit(recording)
    if after_commit is not None:
        server["after_commit"] = after_commit
    server.update(_pending_fields(recording, notes))
    login = recording.first(("admin", "login"))
    if login is not None and login.body:
        try:
            info = codec.decode_document(login.body, login.content_type).get("serverInfo")
        except codec.BodyError:
            info = None
        if isinstance(info, str) and info and PASSWORD_MARK not in info:
            server["server_info"] = info
    indents = [
        b"\n" in exchange.body.split(b"?>", 1)[-1]
        for exchange in recording.exchanges
        if exchange.body and exchange.body.lstrip().startswith(b"<?xml") and exchange.status == 200
    ]
    if indents and not any(indents):
        server["xml_indent"] = False
    return server


def _after_commit(recording: Recording) -> Optional[str]:
    committed = set()
    for exchange in recording.exchanges:
        task = exchange.task_id
        if exchange.is_action and exchange.action_type == "Commit" and 200 <= exchange.status < 300:
            committed.add(task)
        elif task in committed and exchange.method == "GET" and exchange.route[3:] == ():
            return "history" if exchange.status == 200 else "not_found" if exchange.status == 404 else None
    return None


def _pending_fields(recording: Recording, notes: Notes) -> Dict[str, str]:
    """The pending list's id and status field names, where they differ from the simulator's defaults."""
    ids = set(_task_ids(recording))
    fields: Dict[str, str] = {}
    for document in _documents(recording, ("routeSets", "routeUpdates")):
        for item in document.get("routeUpdateTaskList") or []:
            if not isinstance(item, dict):
                continue
            for key, value in item.items():
                if isinstance(value, str) and value in ids and "pending_id_field" not in fields:
                    fields["pending_id_field"] = key
                elif (
                    isinstance(value, str)
                    and key != "failureAction"
                    and "status" in key.lower()
                    and "pending_status_field" not in fields
                ):
                    fields["pending_status_field"] = key
    if "pending_id_field" not in fields and any(_documents(recording, ("routeSets", "routeUpdates"))):
        notes.add("server.pending_id_field: no field of the pending list held a task id the recording read")
    return {
        key: value
        for key, value in fields.items()
        if value != {"pending_id_field": "objectId", "pending_status_field": "updateStatus"}[key]
    }


def _users(recording: Recording) -> List[Dict[str, str]]:
    names: List[str] = []
    for exchange in recording.exchanges:
        if exchange.route == ("admin", "login") and exchange.method == "POST" and exchange.request_body:
            try:
                name = codec.decode_flat(exchange.request_body.encode("utf-8"), None, "session").get("userName")
            except codec.BodyError:
                continue
            if name and name not in names:
                names.append(name)
    return [{"username": name, "password": PASSWORD} for name in names or ["admin"]]


def _session_notes(recording: Recording, notes: Notes) -> None:
    for exchange in recording.exchanges:
        if exchange.status == 401 and not exchange.is_session:
            notes.add(
                f"SDM ended a session during the recording (401 at second {exchange.elapsed:g}): "
                "sessions.expire_after_seconds or expire_after_requests reproduce that"
            )
            return


def _faults(recording: Recording) -> List[Dict[str, Any]]:
    faults = []
    for exchange in recording.exchanges:
        if exchange.is_session or not (exchange.status == 429 or exchange.status >= 500):
            continue
        rule: Dict[str, Any] = {
            "kind": "status",
            "status": exchange.status,
            "method": exchange.method,
            "path": "*/" + "/".join(exchange.api_path.split("/")[3:]),
            "after_seconds": exchange.elapsed,
        }
        retry_after = exchange.header("Retry-After")
        if retry_after:
            rule["retry_after"] = retry_after
        text = (exchange.body or b"").decode("utf-8", errors="replace").strip()
        if text:
            rule.update(body="text", text=text[:200])
        faults.append(rule)
    return faults

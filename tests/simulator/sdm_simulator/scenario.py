# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scenarios: users, tasks, devices and their timeline, server behaviour and faults.

The format is described in the simulator's README. Times are scenario seconds after the scenario
was loaded; the speed factor makes scenario time run faster than real time.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ._fields import Fields, ScenarioError
from .faults import FaultRule, parse_faults
from .words import StatusWords, check_word_keys

SUCCESS = "success"
FAILURE = "failure"
NEVER = "never"
OUTCOMES = (SUCCESS, FAILURE, NEVER)

ABORT = "abort"
ROLLBACK = "rollback"
CONTINUE = "continue"
POLICIES = (ABORT, ROLLBACK, CONTINUE)

TIMED_FROM_LOAD = "load"  # a task's seconds count from the scenario load
TIMED_FROM_FIRST_REQUEST = "first_request"  # ... or from the first read of, or action on, the task
TIMED_FROM = (TIMED_FROM_LOAD, TIMED_FROM_FIRST_REQUEST)

AFTER_COMMIT_NOT_FOUND = "not_found"
AFTER_COMMIT_HISTORY = "history"

DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
# a bound for one device entry's ``count``, so a typo cannot exhaust the memory
MAX_DEVICE_COUNT = 1_000_000
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


@dataclass(frozen=True)
class User:
    username: str
    password: str = field(repr=False)
    route_management: bool = True
    user_group: str = "administrators"


@dataclass(frozen=True)
class SessionPolicy:
    idle_timeout: int = 1800
    expire_after_seconds: Optional[float] = None
    expire_after_requests: Optional[int] = None


@dataclass(frozen=True)
class ServerOptions:
    api_versions: Tuple[str, ...] = ("v1.3",)
    server_info: str = "Oracle Communications Session Delivery Manager (simulated)"
    logout_status: int = 204
    refused_action_status: int = 400
    after_commit: str = AFTER_COMMIT_NOT_FOUND
    pending_id_field: str = "objectId"
    pending_status_field: str = "updateStatus"
    json_empty_lists: str = "keep"
    xml_indent: bool = True


@dataclass(frozen=True)
class DeviceSpec:
    object_id: str
    device_group_id: str
    route_set_id: str
    pre_update_version: str
    update_version: str
    outcome: str
    at: float
    failure_msg: str
    rollback: str
    rollback_after: float
    rollback_failure_msg: str
    extra_fields: Dict[str, str]
    answer_fields: Dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class TaskSpec:
    task_id: str
    name: str
    notes: str
    initiated_by: str
    error_handling: str
    auto_rollback: bool
    timed_from: str
    timed_from_request: int  # with timed_from first_request: the request (1 = the first) that starts the task's clock
    start: float
    vanish_at: Optional[float]
    words: StatusWords
    devices: Tuple[DeviceSpec, ...]
    extra_fields: Dict[str, str]
    answer_fields: Dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    speed: float
    clock_origin: Optional[datetime]
    server: ServerOptions
    sessions: SessionPolicy
    users: Tuple[User, ...]
    tasks: Tuple[TaskSpec, ...]
    faults: Tuple[FaultRule, ...]

    def user(self, username: str) -> Optional[User]:
        return next((user for user in self.users if user.username == username), None)


def load_scenario_file(name_or_path: str) -> Scenario:
    """A scenario file (``.yml``, ``.yaml`` or ``.json``), or the name of a bundled one such as ``demo``."""
    path = resolve_scenario_path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario file {path}: {exc.strerror}") from None
    data = parse_json(text, str(path)) if path.suffix == ".json" else parse_yaml(text, str(path))
    return parse_scenario(data, default_name=path.stem)


def resolve_scenario_path(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.exists() or path.suffix:
        return path
    bundled = SCENARIO_DIR / f"{name_or_path}.yml"
    if bundled.exists():
        return bundled
    names = ", ".join(sorted(item.stem for item in SCENARIO_DIR.glob("*.yml")))
    raise ScenarioError(f"no scenario file {name_or_path!r} and no bundled scenario of that name (bundled: {names})")


def parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ScenarioError(f"{source}: not valid JSON: {exc}") from None


def parse_yaml(text: str, source: str) -> Any:
    try:
        import yaml
    except ImportError:
        raise ScenarioError(f"{source}: reading YAML needs PyYAML; install it or write the scenario as JSON") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source}: not valid YAML: {exc}") from None


def parse_scenario(data: Any, default_name: str = "scenario") -> Scenario:
    fields = Fields(data, "")
    words = StatusWords(check_word_keys(fields.string_map("status_words"), "status_words"))
    scenario = Scenario(
        name=fields.text("name", default_name),
        description=fields.text("description", ""),
        speed=_speed(fields),
        clock_origin=_clock_origin(fields),
        server=_server_options(fields.section("server")),
        sessions=_session_policy(fields.section("sessions")),
        users=_users(fields),
        tasks=_tasks(fields, words),
        faults=tuple(parse_faults(fields.raw("faults") or [], "faults")),
    )
    fields.finish()
    return scenario


def _speed(fields: Fields) -> float:
    speed = fields.number("speed", 1.0)
    if speed <= 0:
        raise ScenarioError(f"{fields.path('speed')}: must be greater than 0")
    return speed


def _clock_origin(fields: Fields) -> Optional[datetime]:
    origin = fields.optional_text("clock_origin")
    if origin is None:
        return None
    try:
        return datetime.strptime(origin, DATE_FORMAT)
    except ValueError:
        raise ScenarioError(f"clock_origin: expected YYYY-MM-DDTHH:MM:SS, got {origin!r}") from None


def _server_options(fields: Fields) -> ServerOptions:
    defaults = ServerOptions()
    options = ServerOptions(
        api_versions=tuple(fields.text_list("api_versions", list(defaults.api_versions))),
        server_info=fields.text("server_info", defaults.server_info),
        logout_status=fields.integer("logout_status", defaults.logout_status, minimum=200, maximum=299),
        refused_action_status=fields.integer(
            "refused_action_status", defaults.refused_action_status, minimum=400, maximum=599
        ),
        after_commit=fields.choice(
            "after_commit", (AFTER_COMMIT_NOT_FOUND, AFTER_COMMIT_HISTORY), defaults.after_commit
        ),
        pending_id_field=fields.text("pending_id_field", defaults.pending_id_field),
        pending_status_field=fields.text("pending_status_field", defaults.pending_status_field),
        json_empty_lists=fields.choice("json_empty_lists", ("keep", "omit"), defaults.json_empty_lists),
        xml_indent=fields.boolean("xml_indent", defaults.xml_indent),
    )
    if not options.api_versions:
        raise ScenarioError(f"{fields.path('api_versions')}: must name at least one version")
    fields.finish()
    return options


def _session_policy(fields: Fields) -> SessionPolicy:
    policy = SessionPolicy(
        idle_timeout=fields.integer("idle_timeout", SessionPolicy.idle_timeout),
        expire_after_seconds=fields.optional_number("expire_after_seconds"),
        expire_after_requests=fields.optional_integer("expire_after_requests", minimum=1),
    )
    fields.finish()
    return policy


def parse_session_policy(data: Any) -> SessionPolicy:
    """A session policy sent to the control API at run time."""
    return _session_policy(Fields(data, "sessions"))


def _users(fields: Fields) -> Tuple[User, ...]:
    users = []
    for user_fields in fields.sections("users"):
        users.append(
            User(
                username=user_fields.text("username"),
                password=user_fields.text("password"),
                route_management=user_fields.boolean("route_management", True),
                user_group=user_fields.text("user_group", "administrators"),
            )
        )
        user_fields.finish()
    if not users:
        raise ScenarioError("users: at least one user is needed to log in")
    _refuse_duplicates([user.username for user in users], "users", "username")
    return tuple(users)


def _tasks(fields: Fields, words: StatusWords) -> Tuple[TaskSpec, ...]:
    tasks = tuple(_task(task_fields, words) for task_fields in fields.sections("tasks", []))
    _refuse_duplicates([task.task_id for task in tasks], "tasks", "id")
    return tasks


def _task(fields: Fields, words: StatusWords) -> TaskSpec:
    task_id = fields.text("id")
    if not task_id or "/" in task_id:
        raise ScenarioError(f"{fields.path('id')}: must be a non-empty id without '/', got {task_id!r}")
    start = fields.number("start", 0.0)
    route_set_id = fields.text("route_set_id", "1")
    timed_from = fields.choice("timed_from", TIMED_FROM, TIMED_FROM_LOAD)
    timed_from_request = fields.integer("timed_from_request", 1, minimum=1)
    if timed_from_request > 1 and timed_from != TIMED_FROM_FIRST_REQUEST:
        raise ScenarioError(f"{fields.path('timed_from_request')}: needs timed_from: {TIMED_FROM_FIRST_REQUEST}")
    devices: List[DeviceSpec] = []
    for device_fields in fields.sections("devices", []):
        devices.extend(_device_entry(device_fields, len(devices), task_id, start, route_set_id))
    task = TaskSpec(
        task_id=task_id,
        name=fields.text("name", f"Route update {task_id}"),
        notes=fields.text("notes", ""),
        initiated_by=fields.text("initiated_by", "admin"),
        error_handling=fields.choice("error_handling", POLICIES, ABORT),
        auto_rollback=fields.boolean("auto_rollback", False),
        timed_from=timed_from,
        timed_from_request=timed_from_request,
        start=start,
        vanish_at=fields.optional_number("vanish_at"),
        words=words.merged(check_word_keys(fields.string_map("status_words"), fields.path("status_words"))),
        devices=tuple(devices),
        extra_fields=fields.string_map("extra_fields"),
        answer_fields=fields.answer_map("answer_fields"),
    )
    _refuse_duplicates([device.object_id for device in devices], fields.path("devices"), "object_id")
    fields.finish()
    return task


def _device_entry(fields: Fields, index: int, task_id: str, start: float, route_set_id: str) -> List[DeviceSpec]:
    """One device, or ``count`` alike devices (for scale tests), numbered from position ``index``."""
    count = fields.integer("count", 1, minimum=1, maximum=MAX_DEVICE_COUNT)
    if count > 1 and fields.has("object_id"):
        raise ScenarioError(
            f"{fields.path('object_id')}: names one device; leave it out with count (ids are <task id>-D<n>)"
        )
    shared_at = fields.has("at")
    first = _device(fields, index, task_id, start, route_set_id)
    # one parse, then cheap copies: 100,000 devices load in under a second
    copies = (
        dataclasses.replace(first, object_id=f"{task_id}-D{position}", at=first.at if shared_at else start + position)
        for position in range(index + 2, index + count + 1)
    )
    return [first, *copies]


def _device(fields: Fields, index: int, task_id: str, start: float, route_set_id: str) -> DeviceSpec:
    pre_update_version = fields.text("pre_update_version", "0")
    outcome = fields.choice("outcome", OUTCOMES, SUCCESS)
    rollback = fields.choice("rollback", OUTCOMES, SUCCESS)
    at = fields.number("at", start + index + 1.0)
    if at < start:
        raise ScenarioError(f"{fields.path('at')}: {at} is before the task starts ({start})")
    device = DeviceSpec(
        object_id=fields.text("object_id", f"{task_id}-D{index + 1}"),
        device_group_id=fields.text("device_group_id", "ID1"),
        route_set_id=fields.text("route_set_id", route_set_id),
        pre_update_version=pre_update_version,
        update_version=fields.text("update_version", _next_version(pre_update_version)),
        outcome=outcome,
        at=at,
        failure_msg=fields.text("failure_msg", "Route set push failed" if outcome == FAILURE else ""),
        rollback=rollback,
        rollback_after=fields.number("rollback_after", 1.0),
        rollback_failure_msg=fields.text("rollback_failure_msg", "Rollback failed" if rollback == FAILURE else ""),
        extra_fields=fields.string_map("extra_fields"),
        answer_fields=fields.answer_map("answer_fields"),
    )
    fields.finish()
    return device


def _next_version(version: str) -> str:
    return str(int(version) + 1) if version.isdigit() else "1"


def _refuse_duplicates(values: List[str], where: str, key: str) -> None:
    seen = set()
    for value in values:
        if value in seen:
            raise ScenarioError(f"{where}: {key} {value!r} appears more than once")
        seen.add(value)

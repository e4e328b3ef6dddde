# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Event-Driven Ansible source ``ocsdm.route_manager.route_updates``: SDM route update tasks as events.

ansible-rulebook runs this file with ``runpy`` (outside any package) and calls ``main(queue, args)``.
Each poll round reads the pending tasks (or the given ``task_ids``) with the collection's own client,
in worker threads so that the event loop stays free, and puts one event on the queue per change that
matters. DOCUMENTATION below lists the options; the user guide (guide_eda) describes the events.
"""

from __future__ import annotations

DOCUMENTATION = r"""
---
short_description: Events from the route update tasks of Oracle Communications Session Delivery Manager (SDM)
description:
  - An ansible-rulebook event source that polls SDM every O(interval) seconds and emits one event for each
    change of a route update task that matters to a change window, so a rulebook can react instead of polling.
  - Each poll round reads the pending list of SDM (C(GET /routeSets/routeUpdates)), or only the tasks in
    O(task_ids), then each task. The tasks are read concurrently (at most 8 at a time) on one login session.
  - Events, each under the key C(sdm_route_update) with C(change) saying what happened -
    V(appeared) (a task is seen for the first time),
    V(status_changed) (its update status moved, the update still running),
    V(devices_progressed) (its updated count or a device's status moved, the update still running),
    V(finished) (the update finished; C(task.succeeded) and C(task.failed_devices) say how),
    V(rollback_started) and V(rollback_finished) (C(task.rollback_succeeded) says how),
    V(committed) (a finished task left the pending list, or is no longer found, without a rollback),
    V(released) (a task left the pending list after its rollback),
    V(vanished) (a task left the pending list, or is no longer found, before its update finished),
    V(sdm_unreachable) and V(sdm_reachable) (once each when SDM stops and starts answering).
  - A task event carries the normalised task (the same dictionary as a task of
    M(ocsdm.route_manager.route_update_info)), C(previous) (the update status, updated count, rollback status and
    whether the update and the rollback had finished, as the source saw them before), the SDM host and the time the
    change was seen. The same state is never emitted twice.
  - One login for the life of the source, a new login when SDM answers 401, and a logout when the rulebook stops.
    While SDM cannot be reached, the source emits one V(sdm_unreachable) event and polls less often
    (twice the interval after each failed round, up to 60 seconds or O(interval) if that is longer), then one
    V(sdm_reachable) event when it answers again, and the changes seen meanwhile.
  - The password, the session cookie and the session ID never appear in an event or a log line.
author:
  - ocsdm.route_manager developers (@ocsdm)
requirements:
  - ansible-rulebook
  - requests
  - lxml (for O(body_format=xml))
options:
  url:
    description:
      - Base URL of the Session Delivery Manager, scheme, host and port only, for example V(https://sdm.example.com:8443).
      - If not set, the value of the E(SDM_URL) environment variable is used.
    type: str
    required: true
  username:
    description:
      - SDM user that logs in. The user's group needs the rights to read route sets.
      - If not set, the value of the E(SDM_USERNAME) environment variable is used.
    type: str
    required: true
  password:
    description:
      - Password of O(username).
      - If not set, the value of the E(SDM_PASSWORD) environment variable is used.
    type: str
    required: true
  validate_certs:
    description:
      - Verify the server's TLS certificate. To trust a private certification authority, keep it on and set O(ca_path).
      - If not set, the value of the E(SDM_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the certification authority that signed the server's certificate.
      - If not set, the value of the E(SDM_CA_PATH) environment variable is used.
    type: path
  request_timeout:
    description:
      - Seconds to wait for a connection, for each answer to start, and for the whole body of each answer.
    type: float
    default: 30
  api_version:
    description:
      - Version segment of the REST path. Every route-set call of SDM 8.2 to 9.0.1 uses V(v1.3).
    type: str
    default: v1.3
  body_format:
    description:
      - Format of the bodies exchanged with SDM. Both give the same events.
    type: str
    choices: [xml, json]
    default: xml
  record_dir:
    description:
      - Folder where every HTTP exchange of the source with SDM is recorded, one JSON file per exchange, with the
        password, the session IDs and every cookie value removed in every form they can take, to attach to a bug
        report or to replay with the collection's SDM simulator (C(python -m sdm_simulator --replay FOLDER)).
      - Bounded like the modules' recordings. The source keeps one client for its whole life, so it records its first
        1000 exchanges and then stops recording, with one log line; record a change window, not a week.
      - Writing the recording never stops the source. Unset (the default) records nothing.
      - If not set, the value of the E(SDM_RECORD_DIR) environment variable is used.
    type: path
  record_placeholders:
    description:
      - With O(record_dir), replace host names and device and device group IDs in the recorded files by stable
        placeholders, as the modules' option does.
      - If not set, the value of the E(SDM_RECORD_PLACEHOLDERS) environment variable is used.
    type: bool
    default: false
  interval:
    description:
      - Seconds from the start of one poll round to the start of the next.
      - Each round costs one request for the pending list (none with O(task_ids)) and one per task.
    type: float
    default: 10
  task_ids:
    description:
      - IDs of the route update tasks to watch, as SDM shows them, for example V(ID33).
      - When not set, every task of the pending list of SDM is watched, and a task that leaves it ends with a
        V(committed), V(released) or V(vanished) event.
      - With O(task_ids) the pending list is not read; a task that SDM no longer finds after it was seen ends with
        a V(committed) or V(vanished) event. An ID that SDM does not know is logged once and read again every round.
    type: list
    elements: str
  emit_initial_state:
    description:
      - Emit the state of every task found by the first poll round as events (V(appeared), then V(finished),
        V(rollback_started) or V(rollback_finished) as its state shows), marked C(initial=true). A rulebook that starts
        in the middle of a change window then still acts on a task that finished before it started.
      - When V(false), the first round only records the tasks; events start with the first change after it.
    type: bool
    default: true
extends_documentation_fragment:
  - ocsdm.route_manager.connection.states
notes:
  - The source needs the collection installed (C(ansible-galaxy collection install)) where ansible-rulebook finds
    it, because it imports the collection's client from the installed copy. In Automation Platform, put the
    collection in the decision environment.
  - Whether an update I(succeeded) is the collection's decision (C(task.succeeded) of the normalised task), as for the
    modules and the role, so a rule and a playbook never disagree about the same task.
seealso:
  - ref: ansible_collections.ocsdm.route_manager.docsite.guide_eda
    description: The events, the rulebook C(ocsdm.route_manager.route_update_window), and running it in Automation Platform.
"""

EXAMPLES = r"""
- name: Close SDM route update windows by themselves
  hosts: localhost
  sources:
    - name: SDM route updates
      ocsdm.route_manager.route_updates:
        url: https://sdm.example.net:8443
        username: automation
        password: "{{ sdm_password }}"
        ca_path: /etc/pki/tls/certs/sdm-ca.pem
        interval: 10
  rules:
    - name: Roll back a failed route update
      condition: >-
        event.sdm_route_update.change == "finished"
        and event.sdm_route_update.task.succeeded == false
      action:
        run_playbook:
          name: ocsdm.route_manager.wait_route_update
          extra_vars:
            route_update_wait_task_id: "{{ event.sdm_route_update.task_id }}"
            route_update_wait_rollback_on_failure: true
            route_update_wait_report_dir: /var/lib/change-reports

- name: Watch two tasks only, with the connection from SDM_URL, SDM_USERNAME and SDM_PASSWORD
  hosts: localhost
  sources:
    - ocsdm.route_manager.route_updates:
        task_ids:
          - ID33
          - ID34
        body_format: json
  rules:
    - name: Say when SDM stops answering
      condition: event.sdm_route_update.change == "sdm_unreachable"
      action:
        debug:
          msg: "SDM {{ event.sdm_route_update.sdm_host }} does not answer: {{ event.sdm_route_update.error }}"
"""

# pylint: disable=wrong-import-position
import asyncio
import concurrent.futures
import copy
import datetime
import logging
import math
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple


def _collections_root() -> str:
    """The folder that holds ``ansible_collections/``, from where this file is installed.

    ``<root>/ansible_collections/ocsdm/route_manager/extensions/eda/plugins/event_source/route_updates.py``:
    seven levels up. ``abspath`` keeps a symlinked collection where it is linked.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, *[os.pardir] * 7))


# ansible-rulebook runs this file outside any package. Like the event sources of other collections, this one puts its
# installed collection on sys.path to import the collection's code; it imports it by its full name, as the modules
# do, so another collection that does the same cannot shadow it.
_ROOT = _collections_root()
if (
    os.path.isdir(os.path.join(_ROOT, 'ansible_collections', 'ocsdm', 'route_manager', 'plugins', 'module_utils'))
    and _ROOT not in sys.path
):
    sys.path.insert(0, _ROOT)
try:
    from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import (
        HAS_REQUESTS,
        ConnectionConfig,
        SdmClient,
    )
    from ansible_collections.ocsdm.route_manager.plugins.module_utils._clock import Deadline
    from ansible_collections.ocsdm.route_manager.plugins.module_utils._decode import HAS_LXML
    from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import (
        SdmError,
        SdmInputError,
        SdmNotFoundError,
    )
    from ansible_collections.ocsdm.route_manager.plugins.module_utils._secrets import hide_secrets, hide_session_cookies
    from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import (
        DEFAULT_FAILURE_STATES,
        DEFAULT_ROLLBACK_FAILURE_STATES,
        DEFAULT_ROLLBACK_SUCCESS_STATES,
        DEFAULT_SUCCESS_STATES,
        StateMatcher,
        normalise_state,
    )
except ImportError as _error:
    raise ImportError(
        'ocsdm.route_manager.route_updates imports the client of the collection ocsdm.route_manager from where the '
        'collection is installed (.../ansible_collections/ocsdm/route_manager/), found none from %s: %s. Install the '
        'collection with ansible-galaxy and name the source by its FQCN in the rulebook.' % (_ROOT, _error)
    ) from _error

EVENT_KEY = 'sdm_route_update'
LOGGER = logging.getLogger('ocsdm.route_manager.route_updates')

# Concurrent task reads in one round, as the Waiter of the modules reads them.
READ_WORKERS = 8
# While SDM does not answer: twice the interval after each failed round, up to this (or the interval if longer).
UNREACHABLE_BACKOFF_MAX = 60.0
# Rollback status words that mean "no rollback yet": SDM shows Unknown on a task that was never rolled back.
IDLE_ROLLBACK_STATES = frozenset(
    normalise_state(word) for word in ('', 'Unknown', 'None', 'NotStarted', 'N/A', 'NotApplicable')
)

# Change types, in the order one poll of a task emits them.
APPEARED = 'appeared'
STATUS_CHANGED = 'status_changed'
DEVICES_PROGRESSED = 'devices_progressed'
FINISHED = 'finished'
ROLLBACK_STARTED = 'rollback_started'
ROLLBACK_FINISHED = 'rollback_finished'
COMMITTED = 'committed'
RELEASED = 'released'
VANISHED = 'vanished'
SDM_UNREACHABLE = 'sdm_unreachable'
SDM_REACHABLE = 'sdm_reachable'


# Options -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One option of the source: its type, default and environment fallback (as documented above)."""

    kind: str
    default: Any = None
    env: Optional[str] = None
    choices: Tuple[str, ...] = ()


OPTIONS = {
    'url': Option('str', env='SDM_URL'),
    'username': Option('str', env='SDM_USERNAME'),
    'password': Option('str', env='SDM_PASSWORD'),
    'validate_certs': Option('bool', True, env='SDM_VALIDATE_CERTS'),
    'ca_path': Option('path', env='SDM_CA_PATH'),
    'request_timeout': Option('float', 30.0),
    'api_version': Option('str', 'v1.3'),
    'body_format': Option('str', 'xml', choices=('xml', 'json')),
    'record_dir': Option('path', env='SDM_RECORD_DIR'),
    'record_placeholders': Option('bool', False, env='SDM_RECORD_PLACEHOLDERS'),
    'interval': Option('float', 10.0),
    'task_ids': Option('list'),
    'emit_initial_state': Option('bool', True),
    'success_states': Option('list', list(DEFAULT_SUCCESS_STATES)),
    'failure_states': Option('list', list(DEFAULT_FAILURE_STATES)),
    'rollback_success_states': Option('list', list(DEFAULT_ROLLBACK_SUCCESS_STATES)),
    'rollback_failure_states': Option('list', list(DEFAULT_ROLLBACK_FAILURE_STATES)),
}
REQUIRED = ('url', 'username', 'password')
_TRUE = frozenset(('1', 'true', 'yes', 'on', 'y', 't'))
_FALSE = frozenset(('0', 'false', 'no', 'off', 'n', 'f'))


def _input_error(name: str, problem: str) -> SdmInputError:
    return SdmInputError('ocsdm.route_manager.route_updates: option %s %s' % (name, problem))


def _convert(name: str, option: Option, value: Any) -> Any:
    """A value of the rulebook (or the environment) as the option's type; rulebook templating may give strings,
    and turns a string of digits (a numeric password, say) into a number, which is taken back as text."""
    if option.kind in ('str', 'path'):
        value = _text(value)
        if not isinstance(value, str):
            raise _input_error(name, 'must be a string, got %s' % type(value).__name__)
        if option.choices and value not in option.choices:
            raise _input_error(name, 'must be one of %s, got %r' % (', '.join(option.choices), value))
        return os.path.expanduser(value) if option.kind == 'path' else value
    if option.kind == 'bool':
        text = str(value).strip().lower()
        if isinstance(value, bool) or text in _TRUE | _FALSE:
            return value if isinstance(value, bool) else text in _TRUE
        raise _input_error(name, 'must be true or false, got %r' % (value,))
    if option.kind == 'float':
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float('nan')
        if isinstance(value, bool) or not math.isfinite(number) or number <= 0:
            raise _input_error(name, 'must be a number of seconds greater than 0, got %r' % (value,))
        return number
    return _as_list(name, value)


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _as_list(name: str, value: Any) -> List[str]:
    """A list of strings; a comma-separated string is split, as Ansible does for its list options."""
    items = [part.strip() for part in value.split(',')] if isinstance(value, str) else value
    if isinstance(items, (list, tuple)):
        items = [_text(item) for item in items]
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise _input_error(name, 'must be a list of strings, got %r' % (value,))
    return items


def read_options(args: Mapping[str, Any], environ: Mapping[str, str]) -> Dict[str, Any]:
    """Every option from the rulebook's ``args``, then the ``SDM_*`` environment, then the default."""
    unknown = sorted(name for name in args if name not in OPTIONS and not name.startswith('eda_'))
    if unknown:
        raise SdmInputError(
            'ocsdm.route_manager.route_updates: unknown option%s %s; the options are %s'
            % ('s' if len(unknown) > 1 else '', ', '.join(unknown), ', '.join(sorted(OPTIONS)))
        )
    values: Dict[str, Any] = {}
    for name, option in OPTIONS.items():
        value = args.get(name)
        if value is None and option.env:
            value = environ.get(option.env) or None
        if value is None:
            if name in REQUIRED:
                raise _input_error(
                    name, 'is required: set it in the rulebook or in the environment variable %s' % option.env
                )
            values[name] = copy.deepcopy(option.default)
        else:
            values[name] = _convert(name, option, value)
    return values


@dataclass(frozen=True)
class SourceSettings:
    """What the source does, checked before it logs in."""

    connection: ConnectionConfig
    matcher: StateMatcher
    interval: float
    task_ids: Optional[Tuple[str, ...]]
    emit_initial_state: bool

    @classmethod
    def from_args(cls, args: Mapping[str, Any], environ: Mapping[str, str]) -> 'SourceSettings':
        """Raises `SdmInputError` naming the option for anything unusable."""
        values = read_options(args, environ)
        if not HAS_REQUESTS:
            raise SdmInputError('ocsdm.route_manager.route_updates needs the Python package requests')
        if values['body_format'] == 'xml' and not HAS_LXML:
            raise SdmInputError(
                'ocsdm.route_manager.route_updates needs the Python package lxml for body_format xml '
                '(or set body_format to json)'
            )
        try:
            connection = ConnectionConfig(
                url=values['url'],
                username=values['username'],
                password=values['password'],
                validate_certs=values['validate_certs'],
                ca_path=values['ca_path'],
                request_timeout=values['request_timeout'],
                api_version=values['api_version'],
                body_format=values['body_format'],
                record_dir=values['record_dir'],
                record_placeholders=values['record_placeholders'],
            )
            matcher = StateMatcher(
                success_states=values['success_states'],
                failure_states=values['failure_states'],
                rollback_success_states=values['rollback_success_states'],
                rollback_failure_states=values['rollback_failure_states'],
            )
        except SdmInputError as error:
            raise SdmInputError('ocsdm.route_manager.route_updates: %s' % error.message) from error
        task_ids = values['task_ids']
        if task_ids is not None:
            task_ids = tuple(dict.fromkeys(task_ids))
            if not task_ids or not all(task_id.strip() for task_id in task_ids):
                raise _input_error('task_ids', 'must name at least one task and no empty ID')
        return cls(connection, matcher, values['interval'], task_ids, values['emit_initial_state'])


# What changed: pure functions of two normalised tasks -------------------------------------------


def rollback_running(task: Mapping[str, Any]) -> bool:
    """Whether a rollback is under way: not finished, and the rollback status (or count) shows one started."""
    if task.get('rollback_finished'):
        return False
    count = task.get('rollback_count')
    started_count = isinstance(count, int) and count > 0
    return normalise_state(task.get('rollback_status')) not in IDLE_ROLLBACK_STATES or started_count


def _device_progress(task: Mapping[str, Any]) -> Tuple[Any, ...]:
    devices = task.get('devices') or []
    return (
        task.get('updated_count'),
        tuple((device.get('object_id'), device.get('status'), device.get('push_status')) for device in devices),
    )


def changes_on_appearance(task: Mapping[str, Any]) -> List[str]:
    """The events of a task seen for the first time: it appeared, and whatever its state already says."""
    changes = [APPEARED]
    if task.get('finished'):
        changes.append(FINISHED)
    if rollback_running(task):
        changes.append(ROLLBACK_STARTED)
    if task.get('rollback_finished'):
        changes.append(ROLLBACK_FINISHED)
    return changes


def changes_between(previous: Mapping[str, Any], current: Mapping[str, Any]) -> List[str]:
    """What changed from one read of a task to the next; empty when nothing that matters did.

    The read that sees the update finish gives ``finished`` alone: it names the final status and devices.
    A rollback seen only once it has finished gives ``rollback_finished`` alone.
    """
    changes = []
    finishing = current.get('finished') and not previous.get('finished')
    if not finishing and previous.get('update_status') != current.get('update_status'):
        changes.append(STATUS_CHANGED)
    if not finishing and _device_progress(previous) != _device_progress(current):
        changes.append(DEVICES_PROGRESSED)
    if finishing:
        changes.append(FINISHED)
    if rollback_running(current) and not rollback_running(previous):
        changes.append(ROLLBACK_STARTED)
    if current.get('rollback_finished') and not previous.get('rollback_finished'):
        changes.append(ROLLBACK_FINISHED)
    return changes


def departure_change(last: Mapping[str, Any]) -> str:
    """How a task that left the pending list (or is no longer found) ended, from the last state seen."""
    if last.get('rollback_finished') or rollback_running(last):
        return RELEASED
    if last.get('finished'):
        return COMMITTED
    return VANISHED


def previous_summary(task: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """The fields of the previous read that the changes are judged on (``None`` for a task seen first)."""
    if task is None:
        return None
    return {
        key: task.get(key)
        for key in ('update_status', 'updated_count', 'finished', 'rollback_status', 'rollback_finished')
    }


def _utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')


def task_event(
    change: str, task: Mapping[str, Any], previous: Optional[Mapping[str, Any]], sdm_host: str, initial: bool = False
) -> Dict[str, Any]:
    """One event about one task, under `EVENT_KEY`; the task is copied, the source keeps its own."""
    return {
        EVENT_KEY: {
            'change': change,
            'task_id': task.get('task_id'),
            'task': copy.deepcopy(dict(task)),
            'previous': previous_summary(previous),
            'initial': initial,
            'sdm_host': sdm_host,
            'seen_at': _utc_now(),
        }
    }


def sdm_event(change: str, sdm_host: str, **details: Any) -> Dict[str, Any]:
    """An event about SDM itself (``sdm_unreachable``, ``sdm_reachable``): no task."""
    body = {
        'change': change,
        'task_id': None,
        'task': None,
        'previous': None,
        'initial': False,
        'sdm_host': sdm_host,
        'seen_at': _utc_now(),
    }
    body.update(details)
    return {EVENT_KEY: body}


# One poll round, in worker threads -------------------------------------------------------------


class RoundFailed(Exception):
    """A poll round read nothing: SDM did not answer, or refused the session. ``error`` is the client's."""

    def __init__(self, error: SdmError) -> None:
        super().__init__(error.message)
        self.error = error


class _Skipped(Exception):
    """A read not made because the source is stopping."""


@dataclass
class _TaskWatch:
    """What the source knows of one task."""

    last: Optional[Dict[str, Any]] = None
    unreadable: Optional[str] = None  # the message of the failure that is logged for it now


@dataclass
class RoundResult:
    """The events of one round, in order."""

    events: List[Dict[str, Any]] = field(default_factory=list)


class RouteUpdatePoller:
    """Reads the tasks through one `SdmClient` session and turns what changed into events.

    Synchronous: `poll` and `close` run in the source's session thread, one after the other, never together,
    so a logout can never race a read that would log in again.
    """

    def __init__(self, settings: SourceSettings) -> None:
        self.settings = settings
        self.client = SdmClient(settings.connection)
        self.sdm_host = settings.connection.host
        self.stopping = threading.Event()
        self._watches: Dict[str, _TaskWatch] = {}
        self._gone: set = set()  # task_ids mode: seen, then no longer found
        self._logged: set = set()
        self._client_warnings_seen = 0
        self._started = False
        self._reads = concurrent.futures.ThreadPoolExecutor(
            max_workers=min(READ_WORKERS, getattr(self.client, 'max_concurrency', READ_WORKERS)),
            thread_name_prefix='sdm-read',
        )

    # The round -----------------------------------------------------------------------------------

    def poll(self) -> RoundResult:
        """One poll round. Raises `RoundFailed` when nothing could be read, `SdmError` when the very first
        login is refused for a reason that waiting will not cure (wrong password, no rights, wrong URL)."""
        deadline = Deadline(self.client.clock, self.settings.interval)
        try:
            self._log_in(deadline)
            listed = self._listed_ids(deadline)
        except SdmError as error:
            if not self._started and not _worth_retrying(error):
                raise
            raise RoundFailed(error) from error
        finally:
            self._log_client_warnings()
        ids = self._ids_to_read(listed)
        outcomes = self._read_all(ids, deadline)
        failures = [
            outcome
            for outcome in outcomes.values()
            if isinstance(outcome, SdmError) and not isinstance(outcome, SdmNotFoundError)
        ]
        if failures and len(failures) == len(ids):
            # SDM stopped answering after the pending list (or with task_ids): an outage, not a problem of each task.
            raise RoundFailed(failures[0])
        result = RoundResult()
        departed = set(ids) - set(listed) if listed is not None else set()
        for task_id in ids:
            self._take(task_id, outcomes[task_id], task_id in departed, not self._started, result)
        self._started = True
        return result

    def _log_in(self, deadline: Deadline) -> None:
        if not self.client.logged_in:
            self.client.login(deadline)
            LOGGER.debug('logged in to SDM %s', self.sdm_host)

    def _listed_ids(self, deadline: Deadline) -> Optional[List[str]]:
        """The pending list, or ``None`` when the source watches given task IDs."""
        if self.settings.task_ids is not None:
            return None
        return self.client.list_pending_task_ids(deadline)

    def _ids_to_read(self, listed: Optional[List[str]]) -> List[str]:
        if listed is None:
            return [task_id for task_id in self.settings.task_ids or () if task_id not in self._gone]
        # Tasks that left the pending list are read once more: their last change and how they ended.
        pending = set(listed)
        return list(listed) + [task_id for task_id in self._watches if task_id not in pending]

    def _read_all(self, ids: Sequence[str], deadline: Deadline) -> Dict[str, Any]:
        """Each task's normalised state with its warnings, or the `SdmError` its read ended with."""
        futures = {task_id: self._reads.submit(self._read, task_id, deadline) for task_id in ids}
        outcomes: Dict[str, Any] = {}
        for task_id, future in futures.items():
            try:
                outcomes[task_id] = future.result()
            except (_Skipped, concurrent.futures.CancelledError):
                outcomes[task_id] = _Skipped()
        return outcomes

    def _read(self, task_id: str, deadline: Deadline) -> Any:
        if self.stopping.is_set():
            raise _Skipped()
        try:
            return self.client.read_task(task_id, self.settings.matcher, deadline)
        except SdmError as error:
            return error

    # What a read means ----------------------------------------------------------------------------

    def _take(self, task_id: str, outcome: Any, left_list: bool, initial: bool, result: RoundResult) -> None:
        watch = self._watches.get(task_id)
        if isinstance(outcome, _Skipped):
            return
        if isinstance(outcome, SdmNotFoundError):
            self._not_found(task_id, watch, result)
            return
        if isinstance(outcome, SdmError):
            self._unreadable(task_id, watch, outcome)
            return
        task, warnings = outcome
        self._log_once(warnings)
        watch = self._readable(task_id, watch)
        result.events.extend(self._changes(watch, task, initial))
        watch.last = task
        if left_list:
            self._depart(task_id, result)

    def _readable(self, task_id: str, watch: Optional[_TaskWatch]) -> _TaskWatch:
        if watch is None:
            watch = self._watches[task_id] = _TaskWatch()
        elif watch.unreadable is not None:
            LOGGER.info('route update task %s can be read again', task_id)
            watch.unreadable = None
        return watch

    def _changes(self, watch: _TaskWatch, task: Dict[str, Any], initial: bool) -> List[Dict[str, Any]]:
        if watch.last is None:
            if initial and not self.settings.emit_initial_state:
                return []
            return [task_event(change, task, None, self.sdm_host, initial) for change in changes_on_appearance(task)]
        return [task_event(change, task, watch.last, self.sdm_host) for change in changes_between(watch.last, task)]

    def _not_found(self, task_id: str, watch: Optional[_TaskWatch], result: RoundResult) -> None:
        if watch is None or watch.last is None:
            # Never seen: listed as pending but gone by the time it was read (nothing to tell), or a given ID SDM does not know.
            self._watches.pop(task_id, None)
            if self.settings.task_ids is not None:
                self._log_once(
                    [
                        'route update task %s is not known to SDM %s; reading it again every round'
                        % (task_id, self.sdm_host)
                    ]
                )
            return
        if self.settings.task_ids is not None:
            self._gone.add(task_id)
        self._depart(task_id, result)

    def _depart(self, task_id: str, result: RoundResult) -> None:
        watch = self._watches.pop(task_id)
        if watch.last is not None:
            result.events.append(task_event(departure_change(watch.last), watch.last, watch.last, self.sdm_host))

    def _unreadable(self, task_id: str, watch: Optional[_TaskWatch], error: SdmError) -> None:
        """A read that failed (not 404): the task keeps its last state and is read again next round; logged once."""
        if watch is None:
            watch = self._watches[task_id] = _TaskWatch()
        message = scrub(error.message, self.settings.connection.password)
        if watch.unreadable != message:
            LOGGER.warning('route update task %s cannot be read, trying again every round: %s', task_id, message)
            watch.unreadable = message

    # Logging and the end ------------------------------------------------------------------------------

    def _log_once(self, messages: Sequence[str]) -> None:
        for message in messages:
            if message not in self._logged:
                self._logged.add(message)
                LOGGER.warning('%s', scrub(message, self.settings.connection.password))

    def _log_client_warnings(self) -> None:
        fresh = self.client.warnings[self._client_warnings_seen :]
        self._client_warnings_seen = len(self.client.warnings)
        self._log_once(fresh)

    def close(self) -> None:
        """Stop reading, log out (a failed logout is logged), close the connections."""
        self.stopping.set()
        self._reads.shutdown(wait=True, cancel_futures=True)
        was_logged_in = self.client.logged_in
        try:
            # The client's own exit: logout on every path, then the HTTP session is closed.
            self.client.__exit__(None, None, None)
        finally:
            self._log_client_warnings()
        if was_logged_in:
            LOGGER.info('logged out of SDM %s', self.sdm_host)


def _worth_retrying(error: SdmError) -> bool:
    """Whether a failed first round may pass by waiting (SDM down, busy or failing inside) rather than by fixing the
    settings (wrong password, no rights, wrong URL or API version, a certificate that is not trusted)."""
    return error.transient or (error.status is not None and error.status >= 500)


def scrub(text: str, password: str) -> str:
    """The text without the password (in every form a server may echo it) or a session cookie."""
    return hide_secrets(hide_session_cookies(text), [password])


# SDM's health: one event when it stops answering, one when it is back --------------------------


class Reachability:
    """Counts failed rounds and gives the delay before the next one (pure; the source emits the events)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.failed_rounds = 0
        self.since: Optional[float] = None

    def next_delay(self) -> float:
        if not self.failed_rounds:
            return self.interval
        longest = max(self.interval, UNREACHABLE_BACKOFF_MAX)
        return min(self.interval * 2 ** min(self.failed_rounds, 30), longest)

    def failed(self, now: float) -> bool:
        """Record a failed round; ``True`` for the first one of an outage (the one to report)."""
        self.failed_rounds += 1
        if self.since is None:
            self.since = now
            return True
        return False

    def answered(self, now: float) -> Optional[Tuple[float, int]]:
        """Record an answered round; the outage's length and failed rounds when it ends one, else ``None``."""
        if self.since is None:
            return None
        outage = (now - self.since, self.failed_rounds)
        self.since, self.failed_rounds = None, 0
        return outage


# The asyncio side ------------------------------------------------------------------------------


class RouteUpdateSource:
    """Runs poll rounds every interval and puts their events on ansible-rulebook's queue."""

    def __init__(self, queue: Any, settings: SourceSettings) -> None:
        self.queue = queue
        self.settings = settings
        self.poller = RouteUpdatePoller(settings)
        self.reachability = Reachability(settings.interval)
        # One thread for the session: rounds and the logout run in it one after the other.
        self._session = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix='sdm-session')

    async def run(self) -> None:
        """Poll until cancelled (the rulebook stops), then log out; a refused first login ends the source."""
        loop = asyncio.get_running_loop()
        what = (
            'tasks %s' % ', '.join(self.settings.task_ids)
            if self.settings.task_ids
            else 'the pending route update tasks'
        )
        LOGGER.info('watching %s on SDM %s every %g s', what, self.poller.sdm_host, self.settings.interval)
        try:
            while True:
                started = loop.time()
                delay = await self.poll_round()
                await asyncio.sleep(max(0.0, delay - (loop.time() - started)))
        finally:
            await self.close()

    async def poll_round(self) -> float:
        """One round: its events go on the queue; returns the seconds from its start to the next round's."""
        try:
            result = await asyncio.wrap_future(self._session.submit(self.poller.poll))
        except RoundFailed as failure:
            await self._on_failed_round(failure.error)
            return self.reachability.next_delay()
        outage = self.reachability.answered(time.monotonic())
        if outage is not None:
            seconds, rounds = outage
            LOGGER.warning(
                'SDM %s answers again after %.0f s (%d failed poll rounds)', self.poller.sdm_host, seconds, rounds
            )
            await self.queue.put(
                sdm_event(
                    SDM_REACHABLE, self.poller.sdm_host, unreachable_seconds=round(seconds, 1), failed_rounds=rounds
                )
            )
        for event in result.events:
            await self.queue.put(event)
        return self.reachability.next_delay()

    async def _on_failed_round(self, error: SdmError) -> None:
        message = scrub(error.message, self.settings.connection.password)
        if self.reachability.failed(time.monotonic()):
            retry_in = self.reachability.next_delay()
            LOGGER.warning(
                'SDM %s cannot be read: %s; polling less often until it answers (next in %g s, at most every %g s)',
                self.poller.sdm_host,
                message,
                retry_in,
                max(self.settings.interval, UNREACHABLE_BACKOFF_MAX),
            )
            await self.queue.put(sdm_event(SDM_UNREACHABLE, self.poller.sdm_host, error=message, retry_in=retry_in))
        else:
            LOGGER.debug(
                'SDM %s still cannot be read (round %d of this outage, next in %g s): %s',
                self.poller.sdm_host,
                self.reachability.failed_rounds,
                self.reachability.next_delay(),
                message,
            )

    async def close(self) -> None:
        """Log out after the round in progress, if any, has ended (it reads nothing more once stopping)."""
        self.poller.stopping.set()
        try:
            await asyncio.wrap_future(self._session.submit(self.poller.close))
        finally:
            self._session.shutdown(wait=False)


async def main(queue: Any, args: Dict[str, Any]) -> None:
    """The entry point ansible-rulebook calls: watch SDM's route update tasks until the rulebook stops."""
    settings = SourceSettings.from_args(args, os.environ)
    await RouteUpdateSource(queue, settings).run()

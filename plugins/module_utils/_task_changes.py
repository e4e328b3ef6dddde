# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What changed between two reads of a route update task, as the events of the source ``route_updates`` (pure).

Where a task stands (update finished and how, rollback under way or finished) comes from the verdicts of the state
model (`_verdict`) that normalisation stored in the task, as for the modules and the role; `verdict` reads them, and
the rest compares two verdicts and two device lists.
"""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ._states import FAILED, NONE, RUNNING, SUCCEEDED, UNCLEAR

EVENT_KEY = 'sdm_route_update'

# Change types, in the order one read of a task gives them.
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

# The fields of the previous read that an event carries under ``previous``.
PREVIOUS_KEYS = ('update_status', 'updated_count', 'finished', 'rollback_status', 'rollback_finished')


@dataclass(frozen=True)
class Verdict:
    """Where a task stands, as far as the events are concerned."""

    finished: bool
    succeeded: bool
    rollback_running: bool
    rollback_finished: bool
    rollback_seen: bool  # a rollback word other than "none": SDM did something about a rollback


def verdict(task: Mapping[str, Any]) -> Verdict:
    """The one place that reads a task's state for the events: the state model's verdicts, stored in the task."""
    update, rollback = task.get('verdict'), task.get('rollback_verdict')
    return Verdict(
        finished=update in (SUCCEEDED, FAILED, UNCLEAR),
        succeeded=update == SUCCEEDED,
        rollback_running=rollback == RUNNING,
        rollback_finished=rollback in (SUCCEEDED, FAILED),
        rollback_seen=rollback not in (None, NONE),
    )


def device_progress(task: Mapping[str, Any]) -> Tuple[Any, ...]:
    """The updated count and each device's status, whatever order SDM lists the devices in."""
    devices = task.get('devices')
    entries = []
    for device in devices if isinstance(devices, list) else []:
        if isinstance(device, Mapping):
            entries.append(
                tuple(
                    str(device.get(key))
                    for key in ('device_group_id', 'object_id', 'route_set_id', 'status', 'push_status')
                )
            )
    return (task.get('updated_count'), tuple(sorted(entries)))


def changes_on_appearance(task: Mapping[str, Any]) -> List[str]:
    """The events of a task seen for the first time: it appeared, and whatever its state already says."""
    now = verdict(task)
    changes = [APPEARED]
    if now.finished:
        changes.append(FINISHED)
    if now.rollback_running:
        changes.append(ROLLBACK_STARTED)
    if now.rollback_finished:
        changes.append(ROLLBACK_FINISHED)
    return changes


def changes_between(previous: Mapping[str, Any], current: Mapping[str, Any]) -> List[str]:
    """What changed from one read of a task to the next; empty when nothing that matters did.

    The read that sees the update finish gives ``finished`` alone: it names the final status and devices.
    A rollback seen only once it has finished gives ``rollback_finished`` alone.
    """
    before, now = verdict(previous), verdict(current)
    finishing = now.finished and not before.finished
    changes = []
    if not finishing and previous.get('update_status') != current.get('update_status'):
        changes.append(STATUS_CHANGED)
    if not finishing and device_progress(previous) != device_progress(current):
        changes.append(DEVICES_PROGRESSED)
    if finishing:
        changes.append(FINISHED)
    if now.rollback_running and not before.rollback_running:
        changes.append(ROLLBACK_STARTED)
    if now.rollback_finished and not before.rollback_finished:
        changes.append(ROLLBACK_FINISHED)
    return changes


def departure_change(last: Mapping[str, Any]) -> str:
    """How a task that is gone ended, from the last state seen."""
    seen = verdict(last)
    if seen.rollback_seen:
        return RELEASED
    if seen.finished:
        return COMMITTED
    return VANISHED


def previous_summary(task: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """The fields of the previous read that the changes are judged on (``None`` for a task seen first)."""
    if task is None:
        return None
    return {key: task.get(key) for key in PREVIOUS_KEYS}


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')


def task_event(
    change: str,
    task: Mapping[str, Any],
    previous: Optional[Mapping[str, Any]],
    sdm_host: str,
    initial: bool = False,
    progress: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """One event about one task, under `EVENT_KEY`; the task is copied, the source keeps its own.

    ``progress`` holds the fields a ``devices_progressed`` event carries besides (`_estimate.event_fields`).
    """
    body = {
        'change': change,
        'task_id': task.get('task_id'),
        'task': copy.deepcopy(dict(task)),
        'previous': previous_summary(previous),
        'initial': initial,
        'sdm_host': sdm_host,
        'seen_at': utc_now(),
    }
    if change == DEVICES_PROGRESSED and progress:
        body.update(progress)
    return {EVENT_KEY: body}


def sdm_event(change: str, sdm_host: str, **details: Any) -> Dict[str, Any]:
    """An event about SDM itself (``sdm_unreachable``, ``sdm_reachable``): no task."""
    body = {
        'change': change,
        'task_id': None,
        'task': None,
        'previous': None,
        'initial': False,
        'sdm_host': sdm_host,
        'seen_at': utc_now(),
    }
    body.update(details)
    return {EVENT_KEY: body}

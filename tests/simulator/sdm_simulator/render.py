# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The documents SDM answers with, as ordered string fields (field names exactly as documented).

Keys are sorted like SDM's JSON example. The spelling traps are real and kept on purpose: the task
says ``rollbackStatus``, its devices ``rollBackStatus``; the details say ``errorHandling``, the list
``failureAction``.
"""

from __future__ import annotations

from typing import Any, Callable, Dict

from . import words as w
from .scenario import ServerOptions, SessionPolicy
from .sessions import Session
from .timeline import DeviceView, TaskView

TASK_ROOT = "routeUpdateTaskDetails"
PENDING_ROOT = "routeUpdateTasks"
PENDING_ITEM = "routeUpdateTaskList"
DEVICE_ITEM = "deviceStatusList"
SESSION_ROOT = "session"

DateOf = Callable[[float], str]


def task_details(task: TaskView, date_of: DateOf) -> Dict[str, Any]:
    fields: Dict[str, Any] = {
        DEVICE_ITEM: [device_status(task, device, date_of) for device in task.devices],
        "errorHandling": task.spec.error_handling,
        "rollbackCount": str(task.rollback_count),
        "rollbackStatus": task.word(w.ROLLBACK, task.rollback),
        "totalDeviceCount": str(len(task.devices)),
        "updateStatus": task.word(w.UPDATE, task.update),
        "updatedCount": str(task.updated_count),
    }
    return _answer(_sorted(fields, task.spec.extra_fields), task.spec.answer_fields)


def device_status(task: TaskView, device: DeviceView, date_of: DateOf) -> Dict[str, Any]:
    spec = device.spec
    fields: Dict[str, Any] = {
        "deviceGroupId": spec.device_group_id,
        "objectId": spec.object_id,
        "preUpdateVersion": spec.pre_update_version,
        "pushStatus": task.word(w.PUSH, device.update),
        "rollBackStatus": task.word(w.DEVICE_ROLLBACK, device.rollback),
        "routeSetId": spec.route_set_id,
        "routeUpdateTaskId": task.spec.task_id,
        "status": task.word(w.DEVICE, device.update),
        "updateFailureMsg": spec.failure_msg if device.update == w.FAILED else "",
        "updateVersion": spec.update_version,
    }
    # Dates and the rollback message appear once there is something to report, as in the documented example.
    if device.updated_at is not None:
        fields["updateDate"] = date_of(device.updated_at)
    if device.rolled_back_at is not None:
        fields["rollBackDate"] = date_of(device.rolled_back_at)
    if device.rollback == w.FAILED:
        fields["rollBackFailureMsg"] = spec.rollback_failure_msg
    return _answer(_sorted(fields, spec.extra_fields), spec.answer_fields)


def pending_item(task: TaskView, options: ServerOptions, date_of: DateOf) -> Dict[str, Any]:
    """One entry of the pending list. Its id and status field names are not documented: both are options."""
    spec = task.spec
    fields: Dict[str, Any] = {
        "failureAction": spec.error_handling,
        "initiatedBy": spec.initiated_by,
        "initiatedDate": date_of(task.started_at),
        "name": spec.name,
        "notes": spec.notes,
        options.pending_id_field: spec.task_id,
        options.pending_status_field: task.word(w.UPDATE, task.update),
    }
    return _sorted(fields, {})


def session_document(session: Session, options: ServerOptions, policy: SessionPolicy) -> Dict[str, Any]:
    return {
        "idleTimeout": str(policy.idle_timeout),
        "serverInfo": options.server_info,
        "sessionId": session.session_id,
        "userGroup": session.user.user_group,
    }


def _sorted(fields: Dict[str, Any], extra: Dict[str, str]) -> Dict[str, Any]:
    # documented fields win over a scenario's extra field of the same name
    return dict(sorted({**extra, **fields}.items()))


def _answer(fields: Dict[str, Any], written: Dict[str, Any]) -> Dict[str, Any]:
    """A scenario's answer_fields replace the fields as written (None leaves one out): answers SDM may give."""
    if not written:
        return fields
    result = {**fields, **written}
    return dict(sorted((key, value) for key, value in result.items() if value is not None))

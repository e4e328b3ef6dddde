# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Decoded SDM task answers -> the normalised task of the collection.

snake_case keys, integers for counts, both rollback spellings merged, every documented field
present (``None`` when the server left it out), unknown fields kept under their snake_case name,
plus the derived fields of the state model (`_verdict`): ``verdict`` and ``rollback_verdict``, ``finished``,
``succeeded``, ``failed_devices``, ``unclear_devices``, ``rollback_finished`` and ``rollback_succeeded``. Decoded XML
and JSON of one task give the identical dict: JSON scalars that are not strings (SDM sends strings only) are turned
into the text XML would carry.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Dict, List, Optional, Tuple

from ._decode import shortened
from ._text import short_text, show
from ._errors import SdmBadAnswerError
from ._states import RUNNING, SUCCEEDED, UNCLEAR, StateMatcher
from ._verdict import is_final, judge_devices, rollback_verdict, update_verdict

TASK_FIELDS = {
    'updateStatus': 'update_status',
    'errorHandling': 'error_handling',
    'rollbackStatus': 'rollback_status',
    'rollBackStatus': 'rollback_status',
    'rollbackCount': 'rollback_count',
    'rollBackCount': 'rollback_count',
    'totalDeviceCount': 'total_device_count',
    'updatedCount': 'updated_count',
}
TASK_KEYS = (
    'task_id',
    'update_status',
    'error_handling',
    'rollback_status',
    'rollback_count',
    'total_device_count',
    'updated_count',
    'devices',
)
COUNT_KEYS = frozenset(('rollback_count', 'total_device_count', 'updated_count'))
DERIVED_KEYS = (
    'verdict',
    'rollback_verdict',
    'finished',
    'succeeded',
    'failed_devices',
    'unclear_devices',
    'rollback_finished',
    'rollback_succeeded',
)
DEVICE_LIST = 'deviceStatusList'

DEVICE_FIELDS = {
    'deviceGroupId': 'device_group_id',
    'objectId': 'object_id',
    'routeSetId': 'route_set_id',
    'routeUpdateTaskId': 'route_update_task_id',
    'status': 'status',
    'pushStatus': 'push_status',
    'rollBackStatus': 'rollback_status',
    'rollbackStatus': 'rollback_status',
    'rollBackDate': 'rollback_date',
    'rollbackDate': 'rollback_date',
    'rollBackFailureMsg': 'rollback_failure_msg',
    'rollbackFailureMsg': 'rollback_failure_msg',
    'updateDate': 'update_date',
    'updateFailureMsg': 'update_failure_msg',
    'preUpdateVersion': 'pre_update_version',
    'updateVersion': 'update_version',
}
DEVICE_KEYS = (
    'device_group_id',
    'object_id',
    'route_set_id',
    'route_update_task_id',
    'status',
    'push_status',
    'rollback_status',
    'rollback_date',
    'rollback_failure_msg',
    'update_date',
    'update_failure_msg',
    'pre_update_version',
    'update_version',
)

_TASK_RESERVED = frozenset(TASK_KEYS + DERIVED_KEYS)
_DEVICE_RESERVED = frozenset(DEVICE_KEYS)
# Where the pending-task list may carry the task id: the guides do not show it.
PENDING_ID_KEYS = ('taskId', 'routeUpdateTaskId', 'id', 'objectId')

_CAMEL_WORD = re.compile(r'(.)([A-Z][a-z]+)')
_CAMEL_END = re.compile(r'([a-z0-9])([A-Z])')


@functools.lru_cache(maxsize=1024)
def snake_case(name: str) -> str:
    """``updateFailureMsg`` -> ``update_failure_msg``, ``serverIP`` -> ``server_ip``."""
    name = _CAMEL_END.sub(r'\1_\2', _CAMEL_WORD.sub(r'\1_\2', name))
    return re.sub(r'[^0-9a-zA-Z]+', '_', name).strip('_').lower() or '_'


def _unknown_key(name: str, reserved: frozenset) -> str:
    """snake_case of a field we do not know; prefixed so it can never replace a documented or derived key."""
    key = snake_case(name)
    return 'sdm_' + key if key in reserved else key


def _plain(value: Any) -> Any:
    """Scalars as the text XML would carry; containers with snake_case keys."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return dict((snake_case(str(key)), _plain(item)) for key, item in value.items())
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return str(value)


def _merge(target: Dict[str, Any], key: str, value: Any) -> None:
    # Both rollback spellings may arrive: a blank one never hides a filled one.
    if value in (None, '') and target.get(key) not in (None, ''):
        return
    target[key] = value


def _count(value: Any, field: str, task_id: str, warnings: List[str]) -> Any:
    """An int, ``None`` when absent or blank; other text is kept as it is, with a warning."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    # an object or a list (a repeated XML element) as its text: {} is as empty as XML's empty element
    text = (value if isinstance(value, str) else short_text(value, None)).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        warnings.append('task %s: %s is not a whole number: %r (kept as text)' % (task_id, field, shortened(text)))
        return text


def _device(raw: Any, position: int, task_id: str) -> Dict[str, Any]:
    if not isinstance(raw, dict):
        raise SdmBadAnswerError('task %s: device entry %d of %s is not an object' % (task_id, position, DEVICE_LIST))
    device: Dict[str, Any] = dict.fromkeys(DEVICE_KEYS)
    for name, value in raw.items():
        key = DEVICE_FIELDS.get(name) or _unknown_key(name, _DEVICE_RESERVED)
        if value is not None and not isinstance(value, str):
            value = _plain(value)
        _merge(device, key, value)
    return device


def _device_list(raw: Any, task_id: str) -> List[Dict[str, Any]]:
    if raw is None or raw == '':
        return []
    # JSON writers that collapse one-item arrays send a lone object.
    items = raw if isinstance(raw, list) else [raw]
    if len(items) == 1 and items[0] in ('', {}):
        return []  # a writer's empty list: one empty element (XML) or object (JSON)
    # Among other devices, an empty entry is a device that shows nothing, in XML ('') as in JSON ({}).
    return [_device({} if item == '' else item, position, task_id) for position, item in enumerate(items, 1)]


def _status_warnings(task: Dict[str, Any], matcher: StateMatcher) -> List[str]:
    warnings = []
    task_id = task['task_id']
    if matcher.update_word(task['update_status']) == UNCLEAR:
        if task['update_status'] in (None, ''):
            warnings.append('task %s: the answer has no update status; treated as not finished' % task_id)
        else:
            warnings.append(
                'task %s: unknown update status %r, treated as not finished; add it to success_states or '
                'failure_states if it is final' % (task_id, shortened(show(task['update_status'])))
            )
    if task['rollback_verdict'] == UNCLEAR:
        warnings.append(
            'task %s: unknown rollback status %r, treated as not finished; add it to rollback_success_states or '
            'rollback_failure_states if it is final' % (task_id, shortened(show(task['rollback_status'])))
        )
    return warnings


def normalise_task(raw: Dict[str, Any], task_id: str, matcher: StateMatcher) -> Tuple[Dict[str, Any], List[str]]:
    """The normalised task and the warnings about it (unknown status words, counts that are not numbers)."""
    warnings: List[str] = []
    task: Dict[str, Any] = dict.fromkeys(TASK_KEYS)
    task['task_id'] = task_id
    extra: Dict[str, Any] = {}
    for name, value in raw.items():
        if name == DEVICE_LIST:
            continue
        key = TASK_FIELDS.get(name)
        if key is None:
            extra[_unknown_key(name, _TASK_RESERVED)] = _plain(value)
        else:
            _merge(task, key, _plain(value))
    for key in COUNT_KEYS:
        task[key] = _count(task[key], key, task_id, warnings)
    task['devices'] = _device_list(raw.get(DEVICE_LIST), task_id)
    task.update(extra)

    judged = judge_devices(task['devices'], matcher)
    task['verdict'] = update_verdict(task, matcher, judged)
    task['rollback_verdict'] = rollback_verdict(task, matcher)
    task['finished'] = task['verdict'] != RUNNING
    task['succeeded'] = task['verdict'] == SUCCEEDED
    task['failed_devices'], task['unclear_devices'] = judged
    task['rollback_finished'] = is_final(task['rollback_verdict'])
    task['rollback_succeeded'] = task['rollback_verdict'] == SUCCEEDED
    warnings.extend(_status_warnings(task, matcher))
    return task, warnings


def pending_task_ids(raw: Dict[str, Any]) -> List[str]:
    """Task ids from a decoded ``routeUpdateTasks`` answer, in the server's order, without repeats."""
    items = raw.get('routeUpdateTaskList')
    if items is None or items == '':
        return []
    if not isinstance(items, list):
        items = [items]
    ids: List[str] = []
    seen = set()
    for position, item in enumerate(items, 1):
        task_id = _pending_id(item)
        if task_id is None:
            raise SdmBadAnswerError(
                'pending task %d of routeUpdateTaskList has no task id (looked for %s)'
                % (position, ', '.join(PENDING_ID_KEYS))
            )
        if task_id not in seen:
            seen.add(task_id)
            ids.append(task_id)
    return ids


def _pending_id(item: Any) -> Optional[str]:
    if not isinstance(item, dict):
        return None
    for key in PENDING_ID_KEYS:
        value = item.get(key)
        if value is not None and not isinstance(value, (dict, list)) and str(value).strip():
            return str(value).strip()
    return None

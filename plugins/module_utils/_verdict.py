# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The verdicts on a route update task, strict about evidence: the one state model of the collection.

`_states.StateMatcher` says what a single word means; this module says what a whole task shows. Normalisation
stores the verdicts in the task (``verdict``, ``rollback_verdict``, ``failed_devices``, ``unclear_devices``); the
wait's outcome and rollback checks, the action decisions, the change report and the event source call the same
functions, so the same answer gets the same verdict everywhere.

Absence of failure is not success: an update succeeded only when its status is a success word, every listed
device has a success word, no device failed, and the counts, where SDM gives them, agree. A finished task that
shows neither (a device that never started, a word nobody knows, no device list) is unclear.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from ._states import FAILED, NONE, NOT_STARTED, RUNNING, SUCCEEDED, UNCLEAR, StateMatcher
from ._text import has_text, plural, show, verb_s, word_text

_Task = Dict[str, Any]
_Device = Dict[str, Any]
_FINAL = (SUCCEEDED, FAILED)


def device_verdict(device: _Device, matcher: StateMatcher) -> str:
    """What one device shows of the update: `FAILED` on any failure word or failure message, `SUCCEEDED` when
    every status word it gives is a success word, else `NOT_STARTED`, `RUNNING` or `UNCLEAR`."""
    if _has_message(device.get('update_failure_msg')):
        return FAILED
    return _words_verdict(device.get('status'), device.get('push_status'), matcher)


def _has_message(message: Any) -> bool:
    if message is None or message == '':
        return False
    return bool(message.strip()) if isinstance(message, str) else has_text(message)


def _words_verdict(status: Any, push_status: Any, matcher: StateMatcher) -> str:
    words = [matcher.update_word(word) for word in (status, push_status) if _given(word)]
    if FAILED in words:
        return FAILED
    if words and all(word == SUCCEEDED for word in words):
        return SUCCEEDED
    for verdict in (NOT_STARTED, RUNNING):
        if verdict in words:
            return verdict
    return UNCLEAR


def device_rollback_verdict(device: _Device, matcher: StateMatcher) -> str:
    """What one device shows of a rollback: `NONE`, `RUNNING`, `SUCCEEDED`, `FAILED` or `UNCLEAR`."""
    return matcher.rollback_word(device.get('rollback_status'))


def judge_devices(devices: Sequence[_Device], matcher: StateMatcher) -> Tuple[List[_Device], List[_Device]]:
    """The failed devices, and the devices that show neither success nor failure, in the order SDM lists them."""
    failed: List[_Device] = []
    unclear: List[_Device] = []
    # The same few words repeat on every device: 100,000 devices must stay cheap.
    known: Dict[Tuple[Any, Any], str] = {}
    for device in devices:
        words = (device.get('status'), device.get('push_status'))
        try:
            verdict = known[words]
        except KeyError:
            verdict = known[words] = _words_verdict(words[0], words[1], matcher)
        except TypeError:  # a word that arrived as an object or a list
            verdict = _words_verdict(words[0], words[1], matcher)
        if verdict == FAILED or _has_message(device.get('update_failure_msg')):
            failed.append(device)
        elif verdict != SUCCEEDED:
            unclear.append(device)
    return failed, unclear


def update_verdict(task: _Task, matcher: StateMatcher, judged: Optional[Tuple[list, list]] = None) -> str:
    """`RUNNING` (not finished: also a status word nobody knows), `SUCCEEDED`, `FAILED` or `UNCLEAR`.

    ``judged`` is `judge_devices` of the task's devices when the caller has it already.
    """
    word = matcher.update_word(task.get('update_status'))
    if word == FAILED:
        return FAILED
    if word != SUCCEEDED:
        return RUNNING
    failed, unclear = judged if judged is not None else judge_devices(_devices(task), matcher)
    if failed or _fewer_updated(task):
        return FAILED
    if unclear or evidence_gaps(task):
        return UNCLEAR
    return SUCCEEDED


def evidence_gaps(task: _Task) -> List[str]:
    """What the counts and the device list leave unproven, one phrase each (the devices' own words aside)."""
    devices = _devices(task)
    total = _whole(task.get('total_device_count'))
    gaps = ['%s is %s, not a whole number' % (name, show(value)) for name, value in _counts(task) if _unreadable(value)]
    if not devices:
        of = ' although totalDeviceCount is %d' % total if total else ''
        gaps.append('SDM lists no devices%s, so no device shows that it took the update' % of)
    elif total is not None and len(devices) != total:
        gaps.append('SDM lists %d device%s, but totalDeviceCount is %d' % (len(devices), plural(len(devices)), total))
    return gaps


def _fewer_updated(task: _Task) -> bool:
    """SDM's own counts say some device did not take the update (skip-and-continue): a failed update."""
    total, updated = _whole(task.get('total_device_count')), _whole(task.get('updated_count'))
    return total is not None and updated is not None and updated < total


def rollback_verdict(task: _Task, matcher: StateMatcher) -> str:
    """`NONE`, `RUNNING`, `SUCCEEDED`, `FAILED`, or `UNCLEAR` for a rollback word nobody knows.

    A rollback count above 0 beside a "no rollback" word means one was started: `RUNNING` until its word is final.
    """
    verdict = matcher.rollback_word(task.get('rollback_status'))
    count = _whole(task.get('rollback_count'))
    if verdict == NONE and count is not None and count > 0:
        return RUNNING
    return verdict


def is_final(verdict: str) -> bool:
    """Whether a rollback verdict says the rollback ended, well or not."""
    return verdict in _FINAL


# --- the devices the rollback checks and the report look at ------------------------------------------


def was_updated(device: _Device, matcher: StateMatcher) -> bool:
    """The device had taken the update: a success word, or a rollback was tried on it."""
    return device_verdict(device, matcher) == SUCCEEDED or is_final(device_rollback_verdict(device, matcher))


def updated_devices(task: _Task, matcher: StateMatcher) -> List[_Device]:
    return [device for device in _devices(task) if was_updated(device, matcher)]


def not_rolled_back(task: _Task, matcher: StateMatcher) -> List[_Device]:
    """Updated devices without a successful rollback."""
    return [
        device for device in updated_devices(task, matcher) if device_rollback_verdict(device, matcher) != SUCCEEDED
    ]


def devices_with_rollback(task: _Task, matcher: StateMatcher) -> List[_Device]:
    """Devices that report a finished rollback, successful or not."""
    return [device for device in _devices(task) if is_final(device_rollback_verdict(device, matcher))]


def unidentified_updates(task: _Task, matcher: StateMatcher) -> List[str]:
    """Why the updated devices cannot all be named (empty when they can): a rollback check needs them."""
    devices = _devices(task)
    updated = task.get('updated_count')
    if not devices:
        return ['SDM lists no devices (updatedCount %s), so the updated devices cannot be identified' % show(updated)]
    gaps = []
    unknown = [
        device
        for device in devices
        if device_verdict(device, matcher) in (RUNNING, UNCLEAR) and not was_updated(device, matcher)
    ]
    if unknown:
        gaps.append(
            '%d device%s show%s no word that tells whether %s took the update (%s)'
            % (
                len(unknown),
                plural(len(unknown)),
                verb_s(len(unknown)),
                'they' if len(unknown) != 1 else 'it',
                '; '.join(describe_words(device, position_in(task, device)) for device in unknown[:5])
                + ('; ...' if len(unknown) > 5 else ''),
            )
        )
    named = len(updated_devices(task, matcher))
    updated = _whole(updated)
    if updated is not None and updated > named:
        gaps.append('updatedCount is %d, but SDM names %d updated device%s' % (updated, named, plural(named)))
    return gaps


def device_outcome(device: _Device, matcher: StateMatcher) -> str:
    """One device in the change report: rolled_back, rollback_failed, failed, updated, not_started, not_finished
    or unclear."""
    rollback = device_rollback_verdict(device, matcher)
    if rollback == SUCCEEDED:
        return 'rolled_back'
    if rollback == FAILED:
        return 'rollback_failed'
    verdict = device_verdict(device, matcher)
    if verdict == SUCCEEDED:
        return 'updated'
    if verdict == RUNNING:
        return 'not_finished'
    return verdict


def describe_words(device: _Device, position: Optional[int] = None) -> str:
    """``D1 (group G1): status NotStarted, push status (empty)``: a device by its identity and its words."""
    words = 'status %s' % show(device.get('status'), 60)
    push = device.get('push_status')
    if _given(push) and push != device.get('status'):
        words += ', push status %s' % word_text(push)
    return '%s: %s' % (identity(device, position), words)


def identity(device: _Device, position: Optional[int] = None) -> str:
    """``D1 (group G1)``; a device without an object id is named by its position in SDM's list."""
    object_id = device.get('object_id')
    name = word_text(object_id) if _given(object_id) else 'device %s' % (position if position else '?')
    return '%s (group %s)' % (name, show(device.get('device_group_id'), 60))


def position_in(task: _Task, device: _Device) -> Optional[int]:
    """The device's position in SDM's list (from 1) when it has no object id to be named by; else ``None``."""
    if _given(device.get('object_id')):
        return None
    listed = _devices(task)
    # failed_devices and unclear_devices hold the listed devices, or equal copies once the task went through JSON
    same = next((position for position, other in enumerate(listed, 1) if other is device), None)
    return same or next((position for position, other in enumerate(listed, 1) if other == device), None)


def _devices(task: _Task) -> List[_Device]:
    devices = task.get('devices')
    return [device for device in devices if isinstance(device, dict)] if isinstance(devices, list) else []


def _counts(task: _Task) -> List[Tuple[str, Any]]:
    return [('totalDeviceCount', task.get('total_device_count')), ('updatedCount', task.get('updated_count'))]


def _given(value: Any) -> bool:
    # A value without text (None, '', ' ', {}, []) says nothing: XML cannot tell an empty object from an empty
    # string, so JSON's {} must weigh what XML's empty element weighs. Text first: it is checked per device.
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None and has_text(value)


def _whole(value: Any) -> Optional[int]:
    """The count, when SDM gave a whole number (normalisation made it an int); else ``None``."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _unreadable(value: Any) -> bool:
    return _given(value) and _whole(value) is None

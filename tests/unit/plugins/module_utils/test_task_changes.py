# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What changed between two reads of a task (`_task_changes.py`, pure)."""

from __future__ import annotations

from typing import Any, Dict

from ansible_collections.ocsdm.route_manager.plugins.module_utils._normalise import normalise_task
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.plugins.module_utils._task_changes import (
    DEVICES_PROGRESSED,
    EVENT_KEY,
    changes_between,
    departure_change,
    device_progress,
    task_event,
    verdict,
)

MATCHER = StateMatcher()


def normalised(status: str = 'InProgress', rollback: Any = 'Unknown', rollback_count: str = '0') -> Dict[str, Any]:
    """A task as the client gives it: normalised, with the verdicts of the state model."""
    raw = {
        'updateStatus': status,
        'updatedCount': '1',
        'rollbackStatus': rollback,
        'rollbackCount': rollback_count,
        'deviceStatusList': [
            {'deviceGroupId': 'G1', 'objectId': 'D1', 'status': 'Completed', 'pushStatus': 'Completed'},
            {'deviceGroupId': 'G2', 'objectId': 'D2', 'status': 'InProgress', 'pushStatus': 'InProgress'},
        ],
    }
    return normalise_task(raw, 'T1', MATCHER)[0]


RUNNING = normalised()


def test_the_order_sdm_lists_the_devices_in_changes_nothing():
    reordered = dict(RUNNING, devices=RUNNING['devices'][::-1])
    assert device_progress(reordered) == device_progress(RUNNING)
    assert changes_between(RUNNING, reordered) == []


def test_a_device_that_moves_is_progress():
    moved = dict(RUNNING, devices=[RUNNING['devices'][0], dict(RUNNING['devices'][1], push_status='Completed')])
    assert changes_between(RUNNING, moved) == [DEVICES_PROGRESSED]


def test_odd_device_lists_do_not_break_the_comparison():
    odd = dict(RUNNING, devices=[None, 'x', {'object_id': 3}, {'status': None}])
    assert changes_between(odd, dict(odd, devices=odd['devices'][::-1])) == []
    assert device_progress(dict(RUNNING, devices=None)) == (1, ())


def test_the_rollback_verdicts():
    assert not verdict(RUNNING).rollback_running
    assert not verdict(normalised(rollback='NotStarted')).rollback_running
    assert not verdict(normalised(rollback='N/A')).rollback_seen  # the state model's "none", as everywhere
    assert verdict(normalised(rollback='In Progress')).rollback_running
    assert verdict(normalised(rollback='', rollback_count='2')).rollback_running
    assert not verdict(normalised(rollback='Completed')).rollback_running
    assert verdict(normalised(rollback='Completed')).rollback_finished
    assert not verdict(normalised(rollback=['odd'])).rollback_running
    assert departure_change(normalised(rollback='Running')) == 'released'
    assert departure_change(normalised('Completed', rollback='N/A')) == 'committed'


def test_an_event_carries_a_copy_of_the_task():
    event = task_event('appeared', RUNNING, None, 'sdm:8443', initial=True)[EVENT_KEY]
    assert event['task'] == RUNNING and event['task'] is not RUNNING
    assert event['task']['devices'] is not RUNNING['devices']
    assert (event['change'], event['task_id'], event['previous'], event['initial']) == ('appeared', 'T1', None, True)

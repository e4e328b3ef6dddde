# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What changed between two reads of a task (`_task_changes.py`, pure)."""

from __future__ import annotations

from ansible_collections.ocsdm.route_manager.plugins.module_utils._task_changes import (
    DEVICES_PROGRESSED,
    EVENT_KEY,
    changes_between,
    departure_change,
    device_progress,
    task_event,
    verdict,
)

RUNNING = {
    'task_id': 'T1',
    'update_status': 'InProgress',
    'updated_count': 1,
    'finished': False,
    'rollback_status': 'Unknown',
    'rollback_count': 0,
    'rollback_finished': False,
    'devices': [
        {'device_group_id': 'G1', 'object_id': 'D1', 'status': 'Completed', 'push_status': 'Completed'},
        {'device_group_id': 'G2', 'object_id': 'D2', 'status': 'InProgress', 'push_status': 'InProgress'},
    ],
}


def test_the_order_sdm_lists_the_devices_in_changes_nothing():
    reordered = dict(RUNNING, devices=list(reversed(RUNNING['devices'])))
    assert device_progress(reordered) == device_progress(RUNNING)
    assert changes_between(RUNNING, reordered) == []


def test_a_device_that_moves_is_progress():
    moved = dict(RUNNING, devices=[RUNNING['devices'][0], dict(RUNNING['devices'][1], push_status='Completed')])
    assert changes_between(RUNNING, moved) == [DEVICES_PROGRESSED]


def test_odd_device_lists_do_not_break_the_comparison():
    odd = dict(RUNNING, devices=[None, 'x', {'object_id': 3}, {'status': None}])
    assert changes_between(odd, dict(odd, devices=list(reversed(odd['devices'])))) == []
    assert device_progress(dict(RUNNING, devices=None)) == (1, ())


def test_the_rollback_verdicts():
    assert not verdict(RUNNING).rollback_running
    assert not verdict(dict(RUNNING, rollback_status='NotStarted')).rollback_running
    assert verdict(dict(RUNNING, rollback_status='In Progress')).rollback_running
    assert verdict(dict(RUNNING, rollback_status=None, rollback_count=2)).rollback_running
    assert not verdict(dict(RUNNING, rollback_status='Completed', rollback_finished=True)).rollback_running
    assert not verdict(dict(RUNNING, rollback_status=['odd'])).rollback_running
    assert departure_change(dict(RUNNING, rollback_status='Running')) == 'released'


def test_an_event_carries_a_copy_of_the_task():
    event = task_event('appeared', RUNNING, None, 'sdm:8443', initial=True)[EVENT_KEY]
    assert event['task'] == RUNNING and event['task'] is not RUNNING
    assert event['task']['devices'] is not RUNNING['devices']
    assert (event['change'], event['task_id'], event['previous'], event['initial']) == ('appeared', 'T1', None, True)

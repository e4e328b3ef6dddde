# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import time

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._decode import decode_body
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmBadAnswerError
from ansible_collections.ocsdm.route_manager.plugins.module_utils._normalise import (
    DEVICE_KEYS,
    normalise_task,
    pending_task_ids,
    snake_case,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import (
    EXPECTED_ID33,
    fixture_bytes,
)

MATCHER = StateMatcher()
TWO_DONE = [{'objectId': 'a', 'status': 'Completed'}, {'objectId': 'b', 'status': 'Completed'}]


def normalise(raw, task_id='ID5', matcher=MATCHER):
    return normalise_task(raw, task_id, matcher)


def from_document(name, content_type):
    raw = decode_body(fixture_bytes(name), content_type, 'routeUpdateTaskDetails', 'route update task details')
    return normalise(raw, 'ID33')


def test_both_documented_examples_normalise_to_the_expected_identical_dict():
    from_xml, xml_warnings = from_document('task_ID33.xml', 'application/xml')
    from_json, json_warnings = from_document('task_ID33.json', 'application/json')
    assert from_xml == EXPECTED_ID33
    assert from_json == EXPECTED_ID33
    assert xml_warnings == json_warnings == []


def test_the_normalised_task_is_json_serialisable_and_has_every_documented_key():
    task, _warnings = normalise({})
    json.dumps(task)
    assert set(EXPECTED_ID33) == set(task)
    assert task['devices'] == [] and task['update_status'] is None


@pytest.mark.parametrize(
    'name, expected',
    [
        ('updateFailureMsg', 'update_failure_msg'),
        ('serverIP', 'server_ip'),
        ('HTTPStatusCode', 'http_status_code'),
        ('already_snake', 'already_snake'),
        ('with-dash and space', 'with_dash_and_space'),
        ('ID', 'id'),
    ],
)
def test_snake_case(name, expected):
    assert snake_case(name) == expected


def test_both_rollback_spellings_are_merged_at_task_and_device_level():
    raw = {
        'rollBackStatus': 'Completed',
        'rollBackCount': '2',
        'updateStatus': 'Failed',
        'deviceStatusList': [
            {'rollbackStatus': 'RolledBack', 'rollbackDate': '2022-10-04T05:00:00', 'rollbackFailureMsg': ''},
            {'rollBackStatus': 'Failed', 'rollBackDate': '', 'rollBackFailureMsg': 'device unreachable'},
        ],
    }
    task, _warnings = normalise(raw)
    assert task['rollback_status'] == 'Completed' and task['rollback_count'] == 2
    assert task['rollback_finished'] is True and task['rollback_succeeded'] is True
    assert [device['rollback_status'] for device in task['devices']] == ['RolledBack', 'Failed']
    assert task['devices'][1]['rollback_failure_msg'] == 'device unreachable'
    assert 'roll_back_status' not in task and 'roll_back_status' not in task['devices'][0]


def test_a_blank_spelling_does_not_hide_a_filled_one():
    task, _warnings = normalise({'rollbackStatus': 'Failed', 'rollBackStatus': ''})
    assert task['rollback_status'] == 'Failed'


def test_counts_become_ints_and_non_numbers_are_kept_with_a_warning():
    task, warnings = normalise(
        {'updateStatus': 'Completed', 'totalDeviceCount': ' 12 ', 'updatedCount': 'n/a', 'rollbackCount': ''}
    )
    assert task['total_device_count'] == 12
    assert task['updated_count'] == 'n/a'
    assert task['rollback_count'] is None
    assert warnings == ["task ID5: updated_count is not a whole number: 'n/a' (kept as text)"]


def test_json_numbers_and_booleans_match_the_xml_text():
    task, _warnings = normalise(
        {
            'updateStatus': 'Completed',
            'totalDeviceCount': 3,
            'flagged': True,
            'ratio': 0.5,
            'deviceStatusList': {'objectId': 7, 'pushStatus': 'Completed'},
        }
    )
    assert task['total_device_count'] == 3
    assert task['flagged'] == 'true' and task['ratio'] == '0.5'
    assert task['devices'][0]['object_id'] == '7'


def test_unknown_fields_are_kept_in_snake_case_without_replacing_known_ones():
    raw = {
        'updateStatus': 'Completed',
        'initiatedBy': 'admin',
        'finished': 'yes',
        'taskId': 'ID5',
        'nested': {'innerField': ['a', 'b']},
        'deviceStatusList': [{'objectId': 'ID1', 'deviceName': 'sbc-1', 'object_id': 'clash'}],
    }
    task, _warnings = normalise(raw)
    assert task['initiated_by'] == 'admin'
    assert task['nested'] == {'inner_field': ['a', 'b']}
    assert task['finished'] is True and task['sdm_finished'] == 'yes'
    assert task['task_id'] == 'ID5' and task['sdm_task_id'] == 'ID5'
    device = task['devices'][0]
    assert device['device_name'] == 'sbc-1'
    assert device['object_id'] == 'ID1' and device['sdm_object_id'] == 'clash'


def test_derived_fields_of_a_failed_task():
    raw = {
        'updateStatus': 'PartiallyCompleted',
        'deviceStatusList': [
            {'objectId': 'ok', 'status': 'Completed', 'pushStatus': 'Completed', 'updateFailureMsg': ''},
            {'objectId': 'status-failed', 'status': 'Failed', 'pushStatus': 'Completed'},
            {'objectId': 'push-failed', 'status': 'Completed', 'pushStatus': 'FAILED'},
            {
                'objectId': 'message',
                'status': 'Completed',
                'pushStatus': 'Completed',
                'updateFailureMsg': 'LRT rejected',
            },
            {'objectId': 'blank-message', 'status': 'Completed', 'pushStatus': 'Completed', 'updateFailureMsg': '   '},
        ],
    }
    task, warnings = normalise(raw)
    assert task['finished'] is True and task['succeeded'] is False
    assert [device['object_id'] for device in task['failed_devices']] == ['status-failed', 'push-failed', 'message']
    assert warnings == []


@pytest.mark.parametrize(
    'status, finished, succeeded',
    [
        ('Completed', True, True),
        ('in progress', False, False),
        ('IN_PROGRESS', False, False),
        ('Failed', True, False),
        ('partially-completed', True, False),
    ],
)
def test_finished_and_succeeded_follow_the_state_words(status, finished, succeeded):
    task, warnings = normalise({'updateStatus': status, 'deviceStatusList': [{'objectId': 'a', 'status': status}]})
    assert (task['finished'], task['succeeded']) == (finished, succeeded)
    assert warnings == []


@pytest.mark.parametrize(
    'raw, succeeded',
    [
        # a success word, and every device took the update
        (
            {'updateStatus': 'Completed', 'totalDeviceCount': '2', 'updatedCount': '2', 'deviceStatusList': TWO_DONE},
            True,
        ),
        # counts SDM left out cannot tell against it
        ({'updateStatus': 'Completed', 'totalDeviceCount': '2', 'deviceStatusList': TWO_DONE}, True),
        ({'updateStatus': 'Completed', 'deviceStatusList': TWO_DONE}, True),
        # no device list is no evidence: unclear (a success before the stricter verdicts)
        ({'updateStatus': 'Completed', 'totalDeviceCount': '2', 'updatedCount': '2'}, False),
        ({'updateStatus': 'Completed', 'updatedCount': 'n/a', 'totalDeviceCount': '2'}, False),
        # skip-and-continue: SDM says Completed although a device failed
        (
            {
                'updateStatus': 'Completed',
                'totalDeviceCount': '2',
                'updatedCount': '1',
                'deviceStatusList': [
                    {'objectId': 'a', 'status': 'Completed'},
                    {'objectId': 'b', 'status': 'Failed', 'updateFailureMsg': 'Refused'},
                ],
            },
            False,
        ),
        # no device named, but fewer updated than the task has
        ({'updateStatus': 'Completed', 'totalDeviceCount': '3', 'updatedCount': '2'}, False),
        # a failure message alone marks a failed device
        (
            {
                'updateStatus': 'Completed',
                'deviceStatusList': [{'objectId': 'a', 'status': 'Completed', 'updateFailureMsg': 'late'}],
            },
            False,
        ),
    ],
)
def test_succeeded_means_every_device_took_the_update(raw, succeeded):
    task, _warnings = normalise(raw)
    assert task['finished'] is True
    assert task['succeeded'] is succeeded


def test_unknown_and_missing_status_words_are_not_finished_and_warned():
    task, warnings = normalise({'updateStatus': 'Exploded', 'rollbackStatus': 'Sideways'})
    assert task['finished'] is False and task['rollback_finished'] is False
    assert "unknown update status 'Exploded'" in warnings[0] and 'success_states' in warnings[0]
    assert "unknown rollback status 'Sideways'" in warnings[1]
    task, warnings = normalise({'totalDeviceCount': '0'})
    assert task['finished'] is False
    assert warnings == ['task ID5: the answer has no update status; treated as not finished']


def test_custom_state_words_are_honoured():
    matcher = StateMatcher(success_states=['Done'], failure_states=['Broken'])
    done = {'updateStatus': 'done', 'deviceStatusList': [{'objectId': 'a', 'status': 'DONE'}]}
    assert normalise(done, matcher=matcher)[0]['succeeded'] is True
    task, warnings = normalise({'updateStatus': 'Completed'}, matcher=matcher)
    assert task['finished'] is False and warnings


@pytest.mark.parametrize(
    'device_list, expected',
    [
        (None, 0),
        ('', 0),
        ([''], 0),
        ({'objectId': 'one'}, 1),
        ([{'objectId': 'a'}, {'objectId': 'b'}], 2),
    ],
)
def test_device_list_shapes(device_list, expected):
    task, _warnings = normalise({'updateStatus': 'Completed', 'deviceStatusList': device_list})
    assert len(task['devices']) == expected
    for device in task['devices']:
        assert set(device) == set(DEVICE_KEYS)


def test_a_device_that_is_not_an_object_is_a_bad_answer():
    with pytest.raises(SdmBadAnswerError, match='device entry 2 of deviceStatusList is not an object'):
        normalise({'deviceStatusList': [{'objectId': 'a'}, 'junk']})


@pytest.mark.parametrize(
    'raw, expected',
    [
        ({}, []),
        ({'routeUpdateTaskList': ''}, []),
        (
            {
                'routeUpdateTaskList': [
                    {'taskId': 'ID5', 'name': 'a'},
                    {'routeUpdateTaskId': 'ID7'},
                    {'id': 'ID9'},
                    {'objectId': 'ID11'},
                ]
            },
            ['ID5', 'ID7', 'ID9', 'ID11'],
        ),
        ({'routeUpdateTaskList': {'taskId': 'ID5'}}, ['ID5']),
        ({'routeUpdateTaskList': [{'taskId': 'ID5'}, {'taskId': 'ID5'}, {'taskId': 7}]}, ['ID5', '7']),
    ],
)
def test_pending_task_ids(raw, expected):
    assert pending_task_ids(raw) == expected


def test_a_pending_task_without_id_is_a_bad_answer():
    with pytest.raises(SdmBadAnswerError, match='pending task 2 of routeUpdateTaskList has no task id'):
        pending_task_ids({'routeUpdateTaskList': [{'taskId': 'ID5'}, {'name': 'nameless', 'taskId': ' '}]})


def _big_task_xml(devices):
    device = (
        '<deviceStatusList><deviceGroupId>ID11</deviceGroupId><objectId>ID%d</objectId><preUpdateVersion>0</preUpdateVersion>'
        '<pushStatus>Completed</pushStatus><rollBackStatus>Unknown</rollBackStatus><routeSetId>2</routeSetId>'
        '<routeUpdateTaskId>ID33</routeUpdateTaskId><status>%s</status><updateDate>2022-10-04T04:03:56</updateDate>'
        '<updateFailureMsg></updateFailureMsg><updateVersion>1</updateVersion></deviceStatusList>'
    )
    body = ''.join(device % (number, 'Failed' if number % 100 == 0 else 'Completed') for number in range(devices))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><routeUpdateTaskDetails>%s<updateStatus>Completed</updateStatus>'
        '<totalDeviceCount>%d</totalDeviceCount></routeUpdateTaskDetails>' % (body, devices)
    ).encode()


def _decode_and_normalise_seconds(body):
    # CPU time of this process: other work on a shared machine does not count against the client.
    started = time.process_time()
    raw = decode_body(body, 'application/xml', 'routeUpdateTaskDetails', 'route update task details')
    task, _warnings = normalise_task(raw, 'ID33', MATCHER)
    return time.process_time() - started, task


def test_ten_thousand_devices_decode_and_normalise_fast():
    body = _big_task_xml(10000)
    seconds, task = min((_decode_and_normalise_seconds(body) for _run in range(3)), key=lambda item: item[0])
    assert len(task['devices']) == 10000 and len(task['failed_devices']) == 100
    assert seconds < 0.5


def test_decode_and_normalise_time_grows_linearly():
    small_body, large_body = _big_task_xml(3000), _big_task_xml(30000)
    small = min(_decode_and_normalise_seconds(small_body)[0] for _run in range(3))
    large = min(_decode_and_normalise_seconds(large_body)[0] for _run in range(2))
    # Ten times the devices: linear is about 10x; quadratic would be about 100x.
    assert large < small * 25

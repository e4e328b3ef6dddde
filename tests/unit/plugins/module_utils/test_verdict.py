# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The state model's verdicts (`_verdict`) and the short text of any value (`_text`), rule by rule.

Tasks are built as the client builds them: a decoded answer (camelCase, strings) through `normalise_task`. The
tests named ``test_counterexample_...`` are answers the differential property test (test_verdict_property.py)
found while it was built.
"""

from __future__ import annotations

import datetime
from typing import Any, Dict, List, Optional

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._change_report import (
    device_rows,
    markdown,
    report_data,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._normalise import normalise_task
from ansible_collections.ocsdm.route_manager.plugins.module_utils._outcome import (
    decide_outcome,
    failure_problems,
    follow_up,
    update_end,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import (
    DEFAULT_SUCCESS_STATES,
    FAILED,
    NONE,
    NOT_STARTED,
    RUNNING,
    SUCCEEDED,
    UNCLEAR,
    StateMatcher,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._text import (
    EMPTY,
    count_text,
    has_text,
    short_text,
    show,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_options import WaitOptions
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_record import Timing, WaitRecord
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wording import failed_device
from ansible_collections.ocsdm.route_manager.plugins.module_utils._verdict import (
    describe_words,
    device_outcome,
    device_verdict,
    evidence_gaps,
    identity,
    judge_devices,
    not_rolled_back,
    rollback_verdict,
    unidentified_updates,
    update_verdict,
    updated_devices,
)

MATCHER = StateMatcher()
LENIENT = StateMatcher(success_states=DEFAULT_SUCCESS_STATES + ('NotStarted', 'Skipped'))
STARTED = datetime.datetime(2026, 1, 5, 22, 0, tzinfo=datetime.timezone.utc)


def sdm_device(object_id: Optional[str] = 'D1', status: Any = 'Completed', **fields: Any) -> Dict[str, Any]:
    """A device as decoded from SDM's answer; ``None`` leaves a field out."""
    device = {'objectId': object_id, 'deviceGroupId': 'G1', 'status': status, 'pushStatus': status}
    device.update(fields)
    return {key: value for key, value in device.items() if value is not None}


def task_of(
    devices: Optional[List[Dict[str, Any]]], update: Any = 'Completed', matcher: StateMatcher = MATCHER, **fields: Any
) -> Dict[str, Any]:
    """A normalised task; ``devices=None`` leaves the device list out, a count given as ``None`` leaves it out."""
    raw: Dict[str, Any] = {'updateStatus': update, 'errorHandling': 'rollback', 'rollbackStatus': 'Unknown'}
    if devices is not None:
        raw['deviceStatusList'] = devices
        raw['totalDeviceCount'] = str(len(devices))
        raw['updatedCount'] = str(len(devices))
    raw.update(fields)
    raw = {key: value for key, value in raw.items() if value is not None}
    return normalise_task(raw, 'T1', matcher)[0]


def wait(task: Dict[str, Any], **options: Any):
    """The wait's follow-up plan and outcome for a task that stopped changing."""
    opts = WaitOptions(task_id='T1', **options)
    record = WaitRecord(task=task, slices=1, polls=1)
    ended = update_end(record)
    problems = failure_problems(opts, record, False, MATCHER) if ended == FAILED else []
    return follow_up(opts, ended), decide_outcome(opts, record, ended, problems, MATCHER, 10)


# --- the update verdict ---------------------------------------------------------------------------------


def test_every_device_with_a_success_word_succeeds():
    task = task_of([sdm_device('D1'), sdm_device('D2')])
    assert (task['verdict'], task['finished'], task['succeeded']) == (SUCCEEDED, True, True)
    assert update_verdict(task, MATCHER) == SUCCEEDED
    assert task['failed_devices'] == [] and task['unclear_devices'] == []


def test_completed_task_with_not_started_and_skipped_devices_is_unclear():
    task = task_of([sdm_device('D1'), sdm_device('D2', 'NotStarted'), sdm_device('D3', 'Skipped')])
    assert task['verdict'] == UNCLEAR
    assert (task['finished'], task['succeeded']) == (True, False)
    assert [device['object_id'] for device in task['unclear_devices']] == ['D2', 'D3']
    assert task['failed_devices'] == []


def test_completed_task_with_not_started_devices_and_no_counts_is_unclear():
    devices = [sdm_device('D1', 'NotStarted'), sdm_device('D2', 'Skipped')]
    assert task_of(devices, totalDeviceCount=None, updatedCount=None)['verdict'] == UNCLEAR


def test_not_started_words_declared_a_success_make_it_succeed():
    task = task_of([sdm_device('D1', 'NotStarted'), sdm_device('D2', 'Skipped')], matcher=LENIENT)
    assert task['verdict'] == SUCCEEDED


def test_unclear_update_never_commits_nor_rolls_back_and_says_so():
    task = task_of([sdm_device('D1'), sdm_device('D2', 'NotStarted', pushStatus='Skipped')])
    plan, outcome = wait(task, commit_on_success=True, rollback_on_failure=True)
    assert (plan.commit, plan.start_rollback, plan.wait_for_rollback) == (False, False, False)
    assert outcome.result == UNCLEAR and outcome.fails_play
    assert 'D2 (group G1): status NotStarted, push status Skipped' in outcome.message
    assert 'success_states or failure_states' in outcome.message
    assert 'Nothing was committed' in outcome.message
    assert 'No rollback was started' in outcome.message


def test_no_device_list_with_devices_counted_is_unclear():
    task = task_of(None, totalDeviceCount='2', updatedCount='2')
    assert task['verdict'] == UNCLEAR
    assert evidence_gaps(task) == [
        'SDM lists no devices although totalDeviceCount is 2, so no device shows that it took the update'
    ]
    _plan, outcome = wait(task, commit_on_success=True)
    # counterexample: the sentence was str.capitalize()d ('Sdm lists ... totaldevicecount')
    assert 'SDM lists no devices although totalDeviceCount is 2, so no device' in outcome.message


def test_no_device_list_and_no_counts_is_unclear():
    task = task_of(None)
    assert task['verdict'] == UNCLEAR
    assert evidence_gaps(task) == ['SDM lists no devices, so no device shows that it took the update']


def test_fewer_devices_listed_than_counted_is_unclear():
    task = task_of([sdm_device('D1'), sdm_device('D2')], totalDeviceCount='3', updatedCount='3')
    assert task['verdict'] == UNCLEAR
    assert evidence_gaps(task) == ['SDM lists 2 devices, but totalDeviceCount is 3']


def test_more_devices_listed_than_counted_is_unclear():
    task = task_of([sdm_device('D1'), sdm_device('D2')], totalDeviceCount='1', updatedCount='1')
    assert task['verdict'] == UNCLEAR


def test_updated_count_below_total_is_a_failed_update():
    task = task_of([sdm_device('D1'), sdm_device('D2')], updatedCount='1')
    assert task['verdict'] == FAILED


def test_count_that_is_not_a_number_is_unclear():
    task = task_of([sdm_device('D1')], updatedCount='one')
    assert task['verdict'] == UNCLEAR
    assert evidence_gaps(task) == ['updatedCount is one, not a whole number']


def test_counts_left_out_do_not_block_success():
    assert task_of([sdm_device('D1')], totalDeviceCount=None, updatedCount=None)['verdict'] == SUCCEEDED


def test_failed_update_word_fails_whatever_the_devices_say():
    assert task_of([sdm_device('D1')], update='Failed')['verdict'] == FAILED


@pytest.mark.parametrize('word', ['InProgress', 'Deploying', None, '', 'NotStarted'])
def test_update_word_that_is_not_final_keeps_the_task_running(word):
    task = task_of([sdm_device('D1')], update=word)
    assert task['verdict'] == RUNNING and task['finished'] is False


# --- devices ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'fields, verdict',
    [
        ({}, SUCCEEDED),
        ({'pushStatus': 'Failed'}, FAILED),
        ({'updateFailureMsg': 'LRT rejected'}, FAILED),
        ({'updateFailureMsg': '  '}, SUCCEEDED),
        ({'status': '', 'pushStatus': 'Completed'}, SUCCEEDED),  # the push status alone is a success word
        ({'status': None, 'pushStatus': None}, UNCLEAR),
        ({'pushStatus': 'InProgress'}, RUNNING),
        ({'pushStatus': 'Skipped'}, NOT_STARTED),
        ({'pushStatus': 'Deployed'}, UNCLEAR),
    ],
)
def test_device_verdict(fields, verdict):
    device = task_of([sdm_device('D1', **fields)])['devices'][0]
    assert device_verdict(device, MATCHER) == verdict


@pytest.mark.parametrize(
    'message, shown',
    [
        ({'code': 'E42', 'text': 'LRT rejected'}, 'code: E42, text: LRT rejected'),
        (['LRT rejected', 'retry later'], 'LRT rejected; retry later'),
        (42, '42'),
    ],
)
def test_failure_message_of_any_type_fails_the_device_and_shows_as_text(message, shown):
    task = task_of([sdm_device('D1'), sdm_device('D2', updateFailureMsg=message)])
    assert task['verdict'] == FAILED
    assert [device['object_id'] for device in task['failed_devices']] == ['D2']
    assert failed_device(task['failed_devices'][0]) == 'D2 (group G1): %s' % shown
    _plan, outcome = wait(task, rollback_on_failure=True)
    assert outcome.result == FAILED and shown in outcome.message


def test_judge_devices_keeps_sdms_order():
    devices = [sdm_device('D1', 'Deployed'), sdm_device('D2', 'Failed'), sdm_device('D3', 'NotStarted')]
    failed, unclear = judge_devices(task_of(devices)['devices'], MATCHER)
    assert [d['object_id'] for d in failed] == ['D2'] and [d['object_id'] for d in unclear] == ['D1', 'D3']


@pytest.mark.parametrize(
    'fields, outcome',
    [
        ({}, 'updated'),
        ({'status': 'Failed', 'pushStatus': 'Failed'}, 'failed'),
        ({'status': 'NotStarted', 'pushStatus': None}, 'not_started'),
        ({'status': 'InProgress', 'pushStatus': None}, 'not_finished'),
        ({'status': 'Deployed', 'pushStatus': None}, 'unclear'),
        ({'rollBackStatus': 'Completed'}, 'rolled_back'),
        ({'rollBackStatus': 'Failed'}, 'rollback_failed'),
    ],
)
def test_device_outcome(fields, outcome):
    device = task_of([sdm_device('D1', **fields)])['devices'][0]
    assert device_outcome(device, MATCHER) == outcome


def test_identity_and_words():
    device = task_of([sdm_device('D1', 'NotStarted', pushStatus='Skipped')])['devices'][0]
    assert identity(device) == 'D1 (group G1)'
    assert describe_words(device) == 'D1 (group G1): status NotStarted, push status Skipped'
    anonymous = task_of([sdm_device(None, deviceGroupId=None)])['devices'][0]
    assert identity(anonymous, 3) == 'device 3 (group %s)' % EMPTY
    assert identity(anonymous) == 'device ? (group %s)' % EMPTY


# --- rollbacks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'word, count, verdict',
    [
        ('N/A', None, NONE),
        ('NA', '0', NONE),
        ('Unknown', '0', NONE),
        (None, None, NONE),
        ('N/A', '2', RUNNING),  # a count above 0 says one was started
        ('InProgress', '1', RUNNING),
        ('Completed', '2', SUCCEEDED),
        ('RolledBack', '2', SUCCEEDED),
        ('PartiallyCompleted', '1', FAILED),
        ('Reverting', '0', UNCLEAR),
    ],
)
def test_rollback_verdict(word, count, verdict):
    task = task_of([sdm_device('D1')], update='Failed', rollbackStatus=word, rollbackCount=count)
    assert task['rollback_verdict'] == verdict == rollback_verdict(task, MATCHER)
    _plan, outcome = wait(task)
    assert outcome.rollback == verdict


def test_na_rollback_on_a_completed_task_is_none():
    task = task_of([sdm_device('D1', rollBackStatus='N/A')], rollbackStatus='N/A', rollbackCount='0')
    assert (task['verdict'], task['rollback_verdict']) == (SUCCEEDED, NONE)
    assert (task['rollback_finished'], task['rollback_succeeded']) == (False, False)


def test_rolled_back_devices_are_identified():
    devices = [sdm_device('D1', rollBackStatus='Completed'), sdm_device('D2', 'Failed', updateFailureMsg='x')]
    task = task_of(devices, update='Failed', rollbackStatus='Completed', rollbackCount='1', updatedCount='1')
    assert unidentified_updates(task, MATCHER) == []
    assert [d['object_id'] for d in updated_devices(task, MATCHER)] == ['D1']
    assert not_rolled_back(task, MATCHER) == []
    assert (
        failure_problems(
            WaitOptions(task_id='T1', expect_devices_rolled_back=True), WaitRecord(task=task), False, MATCHER
        )
        == []
    )


def test_expect_devices_rolled_back_fails_without_a_device_list():
    task = task_of(None, update='Failed', totalDeviceCount='2', updatedCount='2', rollbackStatus='Completed')
    problems = failure_problems(
        WaitOptions(task_id='T1', expect_devices_rolled_back=True), WaitRecord(task=task), False, MATCHER
    )
    assert problems == ['SDM lists no devices (updatedCount 2), so the updated devices cannot be identified']
    _plan, outcome = wait(task, expect_devices_rolled_back=True)
    assert 'Rollback checks FAILED' in outcome.message and 'cannot be identified' in outcome.message


def test_expect_devices_rolled_back_fails_on_words_nobody_knows():
    devices = [sdm_device('D1', 'Deployed', rollBackStatus='Unknown'), sdm_device('D2', 'Failed')]
    task = task_of(devices, update='Failed', updatedCount='1')
    gaps = unidentified_updates(task, MATCHER)
    assert gaps == [
        '1 device shows no word that tells whether it took the update (D1 (group G1): status Deployed)',
        'updatedCount is 1, but SDM names 0 updated devices',
    ]


# --- the change report ----------------------------------------------------------------------------------


def report_of(task: Dict[str, Any], **options: Any) -> Dict[str, Any]:
    opts = WaitOptions(task_id='T1', report_dir='reports', **options)
    record = WaitRecord(task=task, slices=1, polls=1)
    outcome = decide_outcome(opts, record, update_end(record), [], MATCHER, 10)
    return report_data(opts, record, outcome, Timing.of(STARTED, 10), MATCHER)


def test_report_names_devices_without_object_id_by_position():
    devices = [
        sdm_device(None, deviceGroupId='G1'),
        sdm_device(None, 'Failed', deviceGroupId='G2', updateFailureMsg='LRT rejected'),
        sdm_device(None, 'NotStarted', deviceGroupId='G3'),
    ]
    task = task_of(devices, update='Failed')
    rows = device_rows(task, MATCHER)
    assert [(row['position'], row['object_id'], row['outcome']) for row in rows] == [
        (1, None, 'updated'),
        (2, None, 'failed'),
        (3, None, 'not_started'),
    ]
    report = report_of(task)
    assert report['task']['verdict'] == FAILED and report['update']['failed_device_count'] == 1
    text = markdown(report, 'T1.json')
    assert "| G1 | (device 1 in SDM's list) | Completed |  |  |  | updated |" in text
    assert "| G2 | (device 2 in SDM's list) | Failed | LRT rejected |  |  | failed |" in text
    assert "| G3 | (device 3 in SDM's list) | NotStarted |  |  |  | not started |" in text


def test_report_of_an_unclear_update():
    task = task_of([sdm_device('D1'), sdm_device('D2', 'Skipped')])
    report = report_of(task, commit_on_success=True)
    assert (report['result'], report['task']['verdict'], report['committed']) == ('unclear', UNCLEAR, False)
    assert [row['outcome'] for row in report['devices']] == ['updated', 'not_started']
    assert '# Route update task T1: UNCLEAR' in markdown(report, 'T1.json')


def test_report_shows_failure_messages_of_any_type():
    message = {'code': 'E42', 'details': ['a|b', {'deep': '<x>'}]}
    task = task_of([sdm_device('D1', 'Failed', updateFailureMsg=message)], update='Failed')
    text = markdown(report_of(task), 'T1.json')
    assert '| code: E42, details: a\\|b; deep: &lt;x&gt; |' in text


# --- the counterexamples of the property test ---------------------------------------------------------


def test_counterexample_unclear_message_keeps_the_case_of_names():
    """The evidence gaps were str.capitalize()d: 'Sdm lists 1 device, but totaldevicecount is 2'."""
    task = task_of([sdm_device('D1')], totalDeviceCount='2', updatedCount='2')
    _plan, outcome = wait(task)
    assert 'SDM lists 1 device, but totalDeviceCount is 2.' in outcome.message


@pytest.mark.parametrize('empty', [{}, [], ' '])
def test_counterexample_status_without_text_is_missing_as_an_empty_xml_element_is(empty):
    """JSON ``"status": {}`` beside pushStatus Completed was unclear, ``<status/>`` in XML succeeded."""
    assert task_of([sdm_device('D1', status=empty, pushStatus='Completed')])['verdict'] == SUCCEEDED
    assert task_of([sdm_device('D1', status='Completed', pushStatus=empty)])['verdict'] == SUCCEEDED
    assert task_of([sdm_device('D1', status=empty, pushStatus=empty)])['verdict'] == UNCLEAR


@pytest.mark.parametrize('empty', [{}, [], ' ', {'detail': None}])
def test_counterexample_count_without_text_is_missing(empty):
    """JSON ``"totalDeviceCount": {}`` was kept as the text ``{}`` (unclear); XML's empty element is no count."""
    task = task_of([sdm_device('D1')], totalDeviceCount=empty)
    assert task['total_device_count'] is None and task['verdict'] == SUCCEEDED


def test_counterexample_count_as_one_item_list_is_its_item():
    task = task_of([sdm_device('D1'), sdm_device('D2')], totalDeviceCount=['2'], updatedCount=['1'])
    assert (task['total_device_count'], task['updated_count'], task['verdict']) == (2, 1, FAILED)


# --- short text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'value, text',
    [
        (None, ''),
        ('', ''),
        ('  two\n lines ', 'two lines'),
        (True, 'true'),
        (False, 'false'),
        (0, '0'),
        (2.5, '2.5'),
        ({}, ''),
        ([], ''),
        ({'code': 'E1', 'empty': None, 'text': 'bad'}, 'code: E1, text: bad'),
        (['a', None, '', 'b'], 'a; b'),
        ([{'code': 1}, {'code': 2}], 'code: 1; code: 2'),
        ({'a': {'b': {'c': {'d': {'e': 'deep'}}}}}, 'a: b: c: d: ...'),
    ],
)
def test_short_text(value, text):
    assert short_text(value) == text


def test_short_text_limit():
    assert short_text('x' * 300) == 'x' * 197 + '...'
    assert short_text('x' * 300, None) == 'x' * 300
    assert short_text(['abcdef'] * 3, 10) == 'abcdef;...'
    assert len(short_text({'k%d' % n: 'v' * 50 for n in range(20)})) == 200


def test_show_count_text_and_has_text():
    assert (show(None), show(''), show({}), show('N/A')) == (EMPTY, EMPTY, EMPTY, 'N/A')
    assert show('abcdef', 5) == 'ab...'
    assert (count_text(None), count_text(3), count_text('two')) == ('?', '3', 'two')
    assert [has_text(value) for value in (None, '', ' ', {}, [], {'a': None}, 'x', 0, False, ['', 'y'])] == [
        False,
        False,
        False,
        False,
        False,
        False,
        True,
        True,
        True,
        True,
    ]


@pytest.mark.parametrize('empty', ['', {}])
def test_counterexample_empty_device_entry_is_a_device_that_shows_nothing(empty):
    """``[D1, <deviceStatusList/>]`` succeeded in XML (the empty element was dropped), ``[D1, {}]`` was unclear in JSON."""
    task = task_of([sdm_device('D1'), empty], totalDeviceCount=None, updatedCount=None)
    assert (task['verdict'], len(task['devices']), len(task['unclear_devices'])) == (UNCLEAR, 2, 1)
    assert task_of([empty], totalDeviceCount=None, updatedCount=None)['devices'] == []


def test_counterexample_messages_name_devices_without_object_id_by_position():
    """The messages said ``device ? (group G1)`` for every device without an object id: which one was it?"""
    devices = [
        sdm_device(None, deviceGroupId='G1'),
        sdm_device(None, 'Failed', deviceGroupId='G1', updateFailureMsg='LRT rejected'),
        sdm_device(None, 'NotStarted', deviceGroupId='G1'),
    ]
    _plan, failed = wait(task_of(devices, update='Failed'), rollback_on_failure=True)
    assert '1 device failed: device 2 (group G1): LRT rejected.' in failed.message
    assert 'Not rolled back: device 1 (group G1): rollback status (empty).' in failed.message
    _plan, unclear = wait(task_of(devices[:1] + devices[2:]))
    assert 'neither success nor failure: device 2 (group G1): status NotStarted.' in unclear.message
    task = task_of([devices[0], sdm_device(None, 'Deployed', deviceGroupId='G1')], update='Failed', updatedCount='2')
    assert 'device 2 (group G1): status Deployed' in unidentified_updates(task, MATCHER)[0]
    assert 'device ?' not in failed.message + unclear.message

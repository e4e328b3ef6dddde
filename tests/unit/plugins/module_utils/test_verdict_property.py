# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One SDM answer, one verdict: a differential property test of the state model (issue 21).

Hypothesis generates SDM task answers (known and unknown status words, devices missing fields, counts missing or
contradicting, values of every JSON type, objects and lists included), writes each as a real XML body (lists as
repeated elements, objects as nested elements, null as xsi:nil) and as a real JSON body, decodes and normalises it
as the client does, and pushes the task through every part that judges it: normalisation, the wait's outcome and
rollback checks, the action decisions, the change report and the event source. All must reach the same verdict,
and ``succeeded`` must rest on evidence: a success word from every listed device.

Every counterexample found while building this test is a named unit test in test_verdict.py. Derandomised: CI
sees the same examples on every run.
"""

from __future__ import annotations

import datetime
import json
from typing import Any, Dict, List, Optional, Tuple
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from ansible_collections.ocsdm.route_manager.plugins.module_utils._actions import (
    CANCEL,
    COMMIT,
    ROLLBACK,
    ROLLBACK_FINISHED,
    decide_action,
    rollback_phase,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._change_report import markdown, report_data
from ansible_collections.ocsdm.route_manager.plugins.module_utils._decode import decode_body
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmActionConflictError
from ansible_collections.ocsdm.route_manager.plugins.module_utils._normalise import normalise_task
from ansible_collections.ocsdm.route_manager.plugins.module_utils._outcome import (
    TIMED_OUT,
    decide_outcome,
    failure_problems,
    follow_up,
    update_end,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import (
    DEFAULT_FAILURE_STATES,
    DEFAULT_ROLLBACK_FAILURE_STATES,
    DEFAULT_ROLLBACK_SUCCESS_STATES,
    DEFAULT_SUCCESS_STATES,
    FAILED,
    NO_ROLLBACK_STATES,
    NONE,
    NOT_STARTED,
    NOT_STARTED_STATES,
    RUNNING,
    RUNNING_STATES,
    SUCCEEDED,
    UNCLEAR,
    StateMatcher,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._text import has_text
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_options import WaitOptions
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_record import Timing, WaitRecord
from ansible_collections.ocsdm.route_manager.plugins.module_utils._verdict import (
    device_verdict,
    evidence_gaps,
    identity,
    position_in,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils import _task_changes as events
from ansible_collections.ocsdm.route_manager.plugins.module_utils._task_changes import (
    EVENT_KEY,
    changes_on_appearance,
    task_event,
)

EXAMPLES = 1000
TASK_ROOT, TASK_WHAT = 'routeUpdateTaskDetails', 'route update task details'
XSI = 'http://www.w3.org/2001/XMLSchema-instance'
MATCHERS = {
    'default': StateMatcher(),
    # a user who declares never-started devices and one unknown word final
    'lenient': StateMatcher(
        success_states=DEFAULT_SUCCESS_STATES + NOT_STARTED_STATES + ('Deployed',),
        rollback_success_states=DEFAULT_ROLLBACK_SUCCESS_STATES + ('Reverted',),
    ),
}
UNKNOWN_WORDS = ('Deployed', 'Reverted', 'Weird', 'completed ', 'IN_PROGRESS', 'in-progress', 'succeeded', 'NA ')
UPDATE_WORDS = DEFAULT_SUCCESS_STATES + DEFAULT_FAILURE_STATES + RUNNING_STATES + NOT_STARTED_STATES + UNKNOWN_WORDS
ROLLBACK_WORDS = (
    DEFAULT_ROLLBACK_SUCCESS_STATES
    + DEFAULT_ROLLBACK_FAILURE_STATES
    + NO_ROLLBACK_STATES
    + RUNNING_STATES
    + UNKNOWN_WORDS
)


def check(examples: int = EXAMPLES, shrink: bool = True) -> Any:
    """Deterministic, no deadline (a shared CI machine), no example database in the work tree."""
    phases = (Phase.explicit, Phase.generate, Phase.shrink) if shrink else (Phase.explicit, Phase.generate)
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=phases,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- generated answers -------------------------------------------------------------------------------
# An answer is a dict of fields; a value is a scalar, an object (dict) or a list of two or more items (in XML:
# repeated elements), or None (JSON null, XML xsi:nil). A missing key is a field SDM left out. The same answer is
# written as XML and as JSON, so both formats must reach the same verdict.

_text = st.one_of(
    st.sampled_from(('LRT rejected', 'Route set push failed', '0', '2', 'true', 'null', '<none>', 'a & b', 'Ünïcode')),
    st.text('abXY 09.:/-_é', max_size=8),
)
# values that carry no text: SDM's way of saying nothing, in every type
BLANKS = ('', ' ', {}, [], None, {'detail': None})
_scalars = st.one_of(
    _text,
    st.integers(-5, 2**40),
    st.sampled_from((0.5, 2.0, -1.25, 1e20)),
    st.booleans(),
    st.none(),
)
_names = st.sampled_from(('code', 'text', 'detail', 'reason', 'objectId', 'status'))


_flat_dict = st.dictionaries(_names, _scalars, max_size=3)
_flat_list = st.lists(st.one_of(_scalars, _flat_dict), min_size=2, max_size=3)
# every JSON type, nested two levels (cheaper to draw than st.recursive); lists never nest directly in lists
# (XML cannot say that)
any_value = st.one_of(
    st.sampled_from(BLANKS),
    _scalars,
    _flat_dict,
    _flat_list,
    st.dictionaries(_names, st.one_of(_scalars, _flat_dict, _flat_list), min_size=1, max_size=2),
)


# Strategies are built once: a strategy made inside a draw is validated again on every example, which costs
# more than the whole test of the example.


def count_value(devices: int) -> Any:
    return st.one_of(
        st.just(devices),
        st.just(str(devices)),
        st.integers(0, 6),
        st.just(' %d ' % devices),
        st.sampled_from(('', 'two', '2.0', '-1')),
        any_value,
    )


COUNTS = [count_value(devices) for devices in range(5)]
SUCCESS_WORD = st.sampled_from(DEFAULT_SUCCESS_STATES)
UPDATE_WORD = st.sampled_from(UPDATE_WORDS)
ROLLBACK_WORD = st.sampled_from(ROLLBACK_WORDS)
OBJECT_ID = st.sampled_from(('D1', 'D2', 'D3', 'D4', 'D5'))
GROUP = st.sampled_from(('G1', 'G2'))
POLICY = st.sampled_from(('rollback', 'abort', 'continue'))
BLANK = st.sampled_from(BLANKS)
ROLLBACK_KEY = st.sampled_from(('rollbackStatus', 'rollBackStatus'))
PERCENT = st.integers(0, 99)


def chance(draw: Any, percent: int) -> bool:
    return draw(PERCENT) < percent


def word(draw: Any, words: Any, hopeful: bool) -> Any:
    """A status word, now and then any value; a hopeful answer mostly says success, so the evidence rules for success
    get tried."""
    if hopeful and chance(draw, 70):
        return draw(SUCCESS_WORD)
    return draw(words) if chance(draw, 75) else draw(any_value)


def count(draw: Any, devices: int, hopeful: bool) -> Any:
    if hopeful and chance(draw, 60):
        return devices if chance(draw, 50) else str(devices)
    return draw(COUNTS[devices])


@st.composite
def device(draw: Any, hopeful: bool) -> Dict[str, Any]:
    fields: Dict[str, Any] = {}
    if chance(draw, 3):
        return fields  # an empty entry: <deviceStatusList/> in XML, {} in JSON
    status = word(draw, UPDATE_WORD, hopeful)
    if chance(draw, 80):
        fields['objectId'] = draw(OBJECT_ID) if chance(draw, 80) else draw(any_value)
    if chance(draw, 80):
        fields['deviceGroupId'] = draw(GROUP)
    if chance(draw, 90):
        fields['status'] = status
    if chance(draw, 70):
        fields['pushStatus'] = status if chance(draw, 50) else word(draw, UPDATE_WORD, hopeful)
    if chance(draw, 70):
        fields['updateFailureMsg'] = draw(BLANK) if chance(draw, 80 if hopeful else 30) else draw(any_value)
    if chance(draw, 70):
        fields[draw(ROLLBACK_KEY)] = word(draw, ROLLBACK_WORD, False)
    if chance(draw, 20):
        fields['rollBackFailureMsg'] = draw(any_value)
    if chance(draw, 30):
        fields['routeSetId'] = draw(any_value)
    return fields


DEVICE_LISTS = {hopeful: st.lists(device(hopeful), max_size=4) for hopeful in (False, True)}


@st.composite
def answers(draw: Any) -> Dict[str, Any]:
    hopeful = draw(st.booleans())
    listed = draw(DEVICE_LISTS[hopeful])
    answer: Dict[str, Any] = {}
    if listed or draw(st.booleans()):
        answer['deviceStatusList'] = listed
    if chance(draw, 95):
        answer['updateStatus'] = word(draw, UPDATE_WORD, hopeful)
    if chance(draw, 80):
        answer['errorHandling'] = draw(POLICY)
    if chance(draw, 85):
        answer[draw(ROLLBACK_KEY)] = word(draw, ROLLBACK_WORD, False)
    if chance(draw, 70):
        answer['rollbackCount'] = count(draw, 0, hopeful)
    for key in ('totalDeviceCount', 'updatedCount'):
        if chance(draw, 80):
            answer[key] = count(draw, len(listed), hopeful)
    return answer


# --- the two formats ---------------------------------------------------------------------------------


def xml_body(answer: Dict[str, Any]) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', '<%s xmlns:xsi="%s">' % (TASK_ROOT, XSI)]
    for name, value in answer.items():
        parts.append(_xml_field(name, value))
    parts.append('</%s>' % TASK_ROOT)
    return '\n'.join(parts).encode('utf-8')


def _xml_field(name: str, value: Any) -> str:
    if isinstance(value, list):  # repeated elements
        return ''.join(_xml_field(name, item) for item in value)
    if value is None:
        return '<%s xsi:nil="true"/>' % name
    if isinstance(value, dict):
        return '<%s>%s</%s>' % (name, ''.join(_xml_field(key, item) for key, item in value.items()), name)
    return '<%s>%s</%s>' % (name, escape(_xml_text(value)), name)


def _xml_text(value: Any) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return value if isinstance(value, str) else json.dumps(value)


def json_body(answer: Dict[str, Any], lone_device: bool, wrapped: bool) -> bytes:
    data = dict(answer)
    listed = data.get('deviceStatusList')
    if lone_device and isinstance(listed, list) and len(listed) == 1:
        data['deviceStatusList'] = listed[0]  # a writer that collapses one-item arrays
    return json.dumps({TASK_ROOT: data} if wrapped else data).encode('utf-8')


def body_of(answer: Dict[str, Any], body_format: str, variant: int) -> Tuple[bytes, str]:
    if body_format == 'xml':
        return xml_body(answer), 'application/xml'
    return json_body(answer, lone_device=bool(variant & 1), wrapped=bool(variant & 2)), 'application/json'


def normalised(body: bytes, content_type: str, matcher: StateMatcher) -> Dict[str, Any]:
    raw = decode_body(body, content_type, TASK_ROOT, TASK_WHAT)
    return normalise_task(raw, 'T1', matcher)[0]


# --- the parts, and the one adapter for the event source ------------------------------------------------

STARTED = datetime.datetime(2026, 1, 5, 22, 0, tzinfo=datetime.timezone.utc)


def event_source_verdict(task: Dict[str, Any]) -> Tuple[str, str]:
    """(verdict, rollback verdict) as the event source's events tell them: the changes of a task seen first
    (``finished``, ``rollback_started``, ``rollback_finished``) and the task the event carries."""
    changes = changes_on_appearance(task)
    carried = task_event(changes[-1], task, None, 'sdm.example')[EVENT_KEY]['task']
    verdict = str(carried.get('verdict')) if events.FINISHED in changes else RUNNING
    rollback = str(carried.get('rollback_verdict'))
    if events.ROLLBACK_FINISHED in changes:
        return verdict, rollback if rollback in (SUCCEEDED, FAILED) else 'finished event without a final verdict'
    if events.ROLLBACK_STARTED in changes:
        return verdict, RUNNING
    # no rollback event: the task carries none, or a word nobody knows
    return verdict, rollback if rollback in (NONE, UNCLEAR) else 'no rollback event'


def wait_outcome(task: Dict[str, Any], matcher: StateMatcher, **options: Any) -> Tuple[str, Any, Any]:
    """What the wait makes of the task once it stopped changing: how the update ended, its plan and outcome."""
    opts = WaitOptions(task_id='T1', **options)
    record = WaitRecord(task=task, slices=1, polls=1)
    ended = update_end(record)
    plan = follow_up(opts, ended)
    problems = failure_problems(opts, record, False, matcher) if ended == FAILED else []
    return ended, plan, decide_outcome(opts, record, ended, problems, matcher, 10)


def words_of(device: Dict[str, Any]) -> List[Any]:
    return [device.get(key) for key in ('status', 'push_status') if has_text(device.get(key))]


def shows_success(device: Dict[str, Any], matcher: StateMatcher) -> bool:
    """The evidence rule, written again here: a success word in every status it gives, and no failure message."""
    words = words_of(device)
    return (
        bool(words)
        and all(matcher.update_word(word) == SUCCEEDED for word in words)
        and not has_text(device.get('update_failure_msg'))
    )


def whole(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- the properties ----------------------------------------------------------------------------------


def check_evidence(task: Dict[str, Any], matcher: StateMatcher) -> None:
    verdict, listed = task['verdict'], task['devices']
    update_word = matcher.update_word(task['update_status'])
    assert verdict in (RUNNING, SUCCEEDED, FAILED, UNCLEAR)
    assert task['finished'] == (verdict != RUNNING)
    assert task['succeeded'] == (verdict == SUCCEEDED)
    assert (verdict == RUNNING) == (update_word not in (SUCCEEDED, FAILED))
    if verdict == SUCCEEDED:
        total, updated = whole(task['total_device_count']), whole(task['updated_count'])
        assert update_word == SUCCEEDED
        assert listed and all(shows_success(device, matcher) for device in listed)
        assert task['failed_devices'] == [] and task['unclear_devices'] == []
        assert total is None or total == len(listed)
        assert updated is None or total is None or updated >= total
        for key in ('total_device_count', 'updated_count'):
            assert task[key] is None or whole(task[key]) is not None, key
    if verdict == UNCLEAR:
        assert update_word == SUCCEEDED and not task['failed_devices']
    if verdict == FAILED and update_word == SUCCEEDED:
        total, updated = whole(task['total_device_count']), whole(task['updated_count'])
        assert task['failed_devices'] or (total is not None and updated is not None and updated < total)


def check_wait(task: Dict[str, Any], matcher: StateMatcher) -> None:
    verdict = task['verdict']
    ended, plan, outcome = wait_outcome(task, matcher, commit_on_success=True, rollback_on_failure=True)
    assert ended == (RUNNING if verdict == RUNNING else verdict)
    assert plan.commit == (verdict == SUCCEEDED), 'commits only a succeeded update'
    assert plan.start_rollback == (verdict == FAILED), 'a rollback only after a failed update'
    assert outcome.result == {RUNNING: TIMED_OUT}.get(verdict, verdict)
    assert outcome.rollback == task['rollback_verdict']
    assert isinstance(outcome.message, str) and outcome.message
    assert 'device ?' not in outcome.message, 'a device without an object id is named by its position'
    if verdict == UNCLEAR:
        assert 'Nothing was committed' in outcome.message and 'No rollback was started' in outcome.message
        for device in task['unclear_devices'][:10]:
            assert identity(device, position_in(task, device)) in outcome.message
        for gap in evidence_gaps(task):
            assert gap[1:] in outcome.message


def check_rollback_checks(task: Dict[str, Any], matcher: StateMatcher) -> None:
    """expect_devices_rolled_back passes only when every updated device is named and shows its rollback."""
    opts = WaitOptions(task_id='T1', expect_devices_rolled_back=True)
    problems = failure_problems(opts, WaitRecord(task=task, slices=1, polls=1), False, matcher)
    if problems:
        return
    listed = task['devices']
    assert listed, 'passed without a device list'
    for device in listed:
        rollback = matcher.rollback_word(device.get('rollback_status'))
        took_update = shows_success(device, matcher) or rollback in (SUCCEEDED, FAILED)
        assert device_verdict(device, matcher) in (SUCCEEDED, FAILED, NOT_STARTED) or took_update, device
        assert not took_update or rollback == SUCCEEDED, device
    updated = whole(task['updated_count'])
    named = sum(
        1
        for device in listed
        if shows_success(device, matcher) or matcher.rollback_word(device.get('rollback_status')) in (SUCCEEDED, FAILED)
    )
    assert updated is None or updated <= named


def check_actions(task: Dict[str, Any], matcher: StateMatcher) -> None:
    rollback = task['rollback_verdict']
    phase = rollback_phase(task, matcher)
    assert phase == (ROLLBACK_FINISHED if rollback in (SUCCEEDED, FAILED) else rollback)
    updating = matcher.update_word(task['update_status']) in (RUNNING, NOT_STARTED)
    for action in (COMMIT, ROLLBACK, CANCEL):
        try:
            decision = decide_action(action, 'T1', task, matcher, lambda: True)
        except SdmActionConflictError as conflict:
            assert conflict.message
            assert action != CANCEL
            assert updating or (action == COMMIT and rollback in (RUNNING, SUCCEEDED, FAILED)), conflict.message
            continue
        if action == COMMIT:
            assert rollback not in (RUNNING, SUCCEEDED, FAILED) and not updating
        if action == ROLLBACK:
            assert decision.send == (rollback not in (RUNNING, SUCCEEDED, FAILED))


def check_report(task: Dict[str, Any], matcher: StateMatcher) -> None:
    opts = WaitOptions(task_id='T1', report_dir='reports', commit_on_success=True)
    record = WaitRecord(task=task, slices=1, polls=1)
    ended = update_end(record)
    outcome = decide_outcome(opts, record, ended, [], matcher, 10)
    report = report_data(opts, record, outcome, Timing.of(STARTED, 10), matcher)
    text = markdown(report, 'T1.json')
    json.dumps(report)  # the JSON report can be written
    assert report['task']['verdict'] == task['verdict']
    assert report['result'] == outcome.result
    rows = report['devices']
    assert [row['position'] for row in rows] == list(range(1, len(task['devices']) + 1))
    device_lines = text.split('## Devices', 1)[1].splitlines()
    assert len([line for line in device_lines if line.startswith('| ') and not line.startswith('| Device group')]) == (
        len(rows)
    )
    for row, device in zip(rows, task['devices']):
        if not has_text(device.get('object_id')):
            assert text.count("(device %d in SDM's list)" % row['position']) == 1
        verdict = device_verdict(device, matcher)
        if row['outcome'] in ('failed', 'updated', 'not_started'):
            assert row['outcome'] == {SUCCEEDED: 'updated'}.get(verdict, verdict)
        if task['verdict'] == SUCCEEDED:
            assert row['outcome'] in ('updated', 'rolled_back', 'rollback_failed')
    assert report['update']['failed_device_count'] == len(task['failed_devices'])


def check_event_source_verdict(task: Dict[str, Any]) -> None:
    assert event_source_verdict(task)[0] == task['verdict']


def check_every_part(task: Dict[str, Any], matcher: StateMatcher) -> None:
    check_evidence(task, matcher)
    check_wait(task, matcher)
    check_rollback_checks(task, matcher)
    check_actions(task, matcher)
    check_report(task, matcher)
    check_event_source_verdict(task)


def _verdicts(task: Dict[str, Any]) -> Tuple[Any, ...]:
    return (task['verdict'], task['rollback_verdict'], len(task['failed_devices']), len(task['unclear_devices']))


@pytest.mark.parametrize('body_format', ['xml', 'json'])
@check()
@given(answer=answers(), matcher=st.sampled_from(sorted(MATCHERS)), variant=st.integers(0, 3), order=st.randoms())
def test_every_part_reaches_the_same_verdict(body_format, answer, matcher, variant, order):
    body, content_type = body_of(answer, body_format, variant)
    task = normalised(body, content_type, MATCHERS[matcher])
    event('verdict %s, rollback %s' % (task['verdict'], task['rollback_verdict']))
    check_every_part(task, MATCHERS[matcher])
    # SDM's order of the devices does not change any verdict
    listed = answer.get('deviceStatusList')
    if isinstance(listed, list) and len(listed) > 1:
        shuffled = dict(answer, deviceStatusList=order.sample(listed, len(listed)))
        again = normalised(*body_of(shuffled, body_format, variant), MATCHERS[matcher])
        assert _verdicts(again) == _verdicts(task)


@check(500)
@given(answer=answers(), matcher=st.sampled_from(sorted(MATCHERS)))
def test_xml_and_json_of_one_answer_get_one_verdict(answer, matcher):
    tasks = [normalised(*body_of(answer, body_format, 0), MATCHERS[matcher]) for body_format in ('xml', 'json')]
    assert _verdicts(tasks[0]) == _verdicts(tasks[1])


@pytest.mark.parametrize('body_format', ['xml', 'json'])
@check(EXAMPLES, shrink=False)
@given(answer=answers(), matcher=st.sampled_from(sorted(MATCHERS)))
def test_event_source_rollback_verdict_agrees(body_format, answer, matcher):
    task = normalised(*body_of(answer, body_format, 0), MATCHERS[matcher])
    assert event_source_verdict(task)[1] == task['rollback_verdict']


@pytest.mark.parametrize('word', list(NO_ROLLBACK_STATES) + ['Reverting'])
def test_event_source_rollback_words(word):
    """Each "no rollback" word, and a word nobody knows (unclear), as the event source tells them."""
    answer = {'updateStatus': 'Completed', 'rollbackStatus': word, 'deviceStatusList': [{'objectId': 'D1'}]}
    task = normalised(*body_of(answer, 'json', 0), MATCHERS['default'])
    assert event_source_verdict(task)[1] == task['rollback_verdict']

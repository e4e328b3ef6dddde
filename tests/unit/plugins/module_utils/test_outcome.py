# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The decisions of the route update wait (module_utils/_outcome.py), table by table: every outcome with its message,
every rollback check, the follow-up and the slice schedule. The progress lines are tested in test_wording.py, the
input checks in test_wait_options.py, with the tasks and options made here."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._normalise import normalise_task
from ansible_collections.ocsdm.route_manager.plugins.module_utils import _states
from ansible_collections.ocsdm.route_manager.plugins.module_utils._outcome import (
    CHECK_FAILED,
    COMMIT_FAILED,
    ERROR,
    TIMED_OUT,
    FollowUp,
    decide_outcome,
    failure_problems,
    follow_up,
    may_wait_for_rollback,
    next_slice,
    phase_done,
    policy_problem,
    rollback_state,
    success_problems,
    update_end,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import (
    FAILED,
    SUCCEEDED,
    UNCLEAR,
    StateMatcher,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_options import WaitOptions
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_record import (
    ALREADY_DONE,
    PHASE_ROLLBACK,
    PHASE_UPDATE,
    SENT,
    WOULD_SEND,
    ActionRecord,
    ReadError,
    WaitRecord,
)

MATCHER = StateMatcher()


def device(
    object_id: str,
    group: str,
    status: str = 'Completed',
    failure: str = '',
    rollback: str = 'Unknown',
    rollback_failure: Optional[str] = None,
    push: Optional[str] = None,
) -> Dict[str, Any]:
    raw = {
        'objectId': object_id,
        'deviceGroupId': group,
        'status': status,
        'pushStatus': push or status,
        'updateFailureMsg': failure,
        'rollBackStatus': rollback,
    }
    if rollback_failure is not None:
        raw['rollBackFailureMsg'] = rollback_failure
    return raw


def sdm_task(
    status: str = 'Completed',
    devices: Optional[List[Dict[str, Any]]] = None,
    updated: Optional[int] = None,
    total: Optional[int] = None,
    rollback: str = 'Unknown',
    rollback_count: int = 0,
    policy: str = 'rollback',
    task_id: str = 'ID33',
    matcher: StateMatcher = MATCHER,
) -> Dict[str, Any]:
    """A task as route_update_info returns it, from what SDM would answer."""
    devices = devices if devices is not None else [device('D1', 'G1'), device('D2', 'G2')]
    raw = {
        'updateStatus': status,
        'errorHandling': policy,
        'rollbackStatus': rollback,
        'rollbackCount': str(rollback_count),
        'totalDeviceCount': str(len(devices) if total is None else total),
        'updatedCount': str(sum(1 for d in devices if d['status'] == 'Completed') if updated is None else updated),
        'deviceStatusList': devices,
    }
    return normalise_task(raw, task_id, matcher)[0]


def changed(task: Dict[str, Any], **fields: Any) -> Dict[str, Any]:
    """A copy of the task with some fields changed."""
    copy = dict(task)
    copy.update(fields)
    return copy


FAILED_TASK = sdm_task(
    'Failed', [device('D1', 'G1'), device('D2', 'G2'), device('D3', 'G3', 'Failed', 'Push timed out')]
)
ROLLED_BACK = sdm_task(
    'Failed',
    [
        device('D1', 'G1', rollback='Completed'),
        device('D2', 'G2', rollback='Completed'),
        device('D3', 'G3', 'Failed', 'Push timed out'),
    ],
    rollback='Completed',
    rollback_count=2,
)
ROLLBACK_FAILED = sdm_task(
    'Failed',
    [
        device('D1', 'G1', rollback='Completed'),
        device('D2', 'G2', rollback='Failed', rollback_failure='Device D2 unreachable'),
        device('D3', 'G3', 'Failed'),
    ],
    rollback='PartiallyCompleted',
    rollback_count=1,
)
RUNNING = sdm_task('InProgress', [device('D1', 'G1'), device('D2', 'G2', 'InProgress')])


def options(**kwargs: Any) -> WaitOptions:
    kwargs.setdefault('task_id', 'ID33')
    return WaitOptions(**kwargs)


def record(
    task: Dict[str, Any], *actions: ActionRecord, slices: int = 1, error: Optional[ReadError] = None
) -> WaitRecord:
    return WaitRecord(task=task, slices=slices, polls=slices, actions=list(actions), error=error)


def action(name: str, result: str, message: str = '', committed: bool = False) -> ActionRecord:
    return ActionRecord(name, result, result in (SENT, WOULD_SEND), committed, message, 0.1)


def outcome_of(opts: WaitOptions, rec: WaitRecord, problems: Optional[List[str]] = None, elapsed: int = 95):
    ended = update_end(rec)
    if problems is None:
        waited = may_wait_for_rollback(follow_up(opts, ended), rec.action('rollback'))
        problems = (
            success_problems(opts, rec.task, MATCHER)
            if ended == SUCCEEDED
            else failure_problems(opts, rec, waited, MATCHER)
            if ended == FAILED
            else []
        )
    return decide_outcome(opts, rec, ended, problems, MATCHER, elapsed)


# --- every outcome, with its message ----------------------------------------------------------------

SUCCESS_CASES = [
    (
        'plain',
        options(),
        record(sdm_task()),
        SUCCEEDED,
        'Route update task ID33 succeeded: Completed, 2 of 2 devices updated in 95 s (1 SDM login).',
    ),
    (
        'check mode, no rollback checked',
        options(check_mode=True, expect_no_rollback_on_success=True),
        record(sdm_task(), slices=2),
        SUCCEEDED,
        '(check mode) Route update task ID33 succeeded: Completed, 2 of 2 devices updated in 95 s (2 SDM logins). '
        'Nothing was rolled back.',
    ),
    (
        'committed',
        options(commit_on_success=True),
        record(sdm_task(), action('commit', SENT, committed=True)),
        SUCCEEDED,
        'Route update task ID33 succeeded: Completed, 2 of 2 devices updated in 95 s (2 SDM logins). Committed: SDM released '
        'the devices, and the task left the pending list.',
    ),
    (
        'commit already done',
        options(commit_on_success=True),
        record(sdm_task(), action('commit', ALREADY_DONE, 'Route update task ID33 is already committed.', True)),
        SUCCEEDED,
        'Route update task ID33 succeeded: Completed, 2 of 2 devices updated in 95 s (2 SDM logins). No commit sent: Route '
        'update task ID33 is already committed.',
    ),
    (
        'commit in check mode',
        options(commit_on_success=True, check_mode=True),
        record(sdm_task(), action('commit', WOULD_SEND)),
        SUCCEEDED,
        '(check mode) Route update task ID33 succeeded: Completed, 2 of 2 devices updated in 95 s (2 SDM logins). '
        'Check mode: the role would commit the task now; the Commit was not sent.',
    ),
    (
        'commit failed',
        options(commit_on_success=True),
        record(sdm_task(), action('commit', FAILED, 'SDM refused the Commit of route update task ID33: locked.')),
        COMMIT_FAILED,
        'Route update task ID33 succeeded: Completed, 2 of 2 devices updated in 95 s (2 SDM logins). But the commit FAILED: SDM '
        'refused the Commit of route update task ID33: locked. SDM keeps the devices locked until the task is committed or '
        'rolled back.',
    ),
    (
        'success rolled back afterwards',
        options(expect_no_rollback_on_success=True),
        record(
            sdm_task(
                devices=[device('D1', 'G1', rollback='Completed'), device('D2', 'G2', rollback='Completed')],
                rollback='Completed',
                rollback_count=2,
            )
        ),
        CHECK_FAILED,
        'Route update task ID33 succeeded: Completed, 2 of 2 devices updated in 95 s (1 SDM login). But a check '
        'failed: rollback count is 2, expected 0; the task reports a rollback (rollback status Completed); 2 devices report a '
        'rollback: D1 (group G1, Completed), D2 (group G2, Completed).',
    ),
]


@pytest.mark.parametrize('name, opts, rec, result, message', SUCCESS_CASES, ids=[case[0] for case in SUCCESS_CASES])
def test_outcomes_after_a_success(name, opts, rec, result, message):
    outcome = outcome_of(opts, rec)
    assert (outcome.result, outcome.message) == (result, message)
    assert outcome.fails_play is (result != SUCCEEDED)


FAILURE_CASES = [
    (
        'failed devices listed',
        options(),
        record(
            sdm_task(
                'Failed',
                [device('D1', 'G1'), device('D2', 'G2', 'Failed', 'LRT file too large'), device('D3', 'G3', 'Aborted')],
                policy='abort',
            )
        ),
        'Route update task ID33 FAILED: status Failed, 1 of 3 devices updated, error handling abort. 2 devices failed: D2 (group '
        'G2): LRT file too large; D3 (group G3): status Aborted, no failure message. No rollback has finished: rollback status '
        'Unknown, rollback count 0, 0 of 1 updated device rolled back. Not rolled back: D1 (group G1): rollback status Unknown. '
        'SDM keeps the devices locked until the task is rolled back or committed.',
    ),
    (
        'list shortened',
        options(failed_devices_shown=1),
        record(
            changed(
                FAILED_TASK,
                failed_devices=[
                    {'object_id': 'D%d' % n, 'device_group_id': 'G', 'update_failure_msg': 'x'} for n in range(4)
                ],
            )
        ),
        'Route update task ID33 FAILED: status Failed, 2 of 3 devices updated, error handling rollback. 4 devices failed: D0 '
        '(group G): x; ... and 3 more. No rollback has finished: rollback status Unknown, rollback count 0, 0 of 2 updated devices '
        'rolled back. Not rolled back: D1 (group G1): rollback status Unknown; ... and 1 more. SDM keeps the devices locked until '
        'the task is rolled back or committed.',
    ),
    (
        'no device listed',
        options(failed_devices_shown=0),
        record(FAILED_TASK),
        'Route update task ID33 FAILED: status Failed, 2 of 3 devices updated, error handling rollback. 1 device failed. No rollback '
        'has finished: rollback status Unknown, rollback count 0, 0 of 2 updated devices rolled back. SDM keeps the devices locked '
        'until the task is rolled back or committed.',
    ),
    (
        'no failed device named',
        options(),
        record(sdm_task('Failed', [device('D1', 'G1')])),
        'Route update task ID33 FAILED: status Failed, 1 of 1 devices updated, error handling rollback. SDM names no failed device. '
        'No rollback has finished: rollback status Unknown, rollback count 0, 0 of 1 updated device rolled back. Not rolled back: '
        'D1 (group G1): rollback status Unknown. SDM keeps the devices locked until the task is rolled back or committed.',
    ),
    (
        'Completed with a failed device',
        options(),
        record(sdm_task('Completed', [device('D1', 'G1'), device('D2', 'G2', 'Failed', 'Refused')], policy='continue')),
        'Route update task ID33 FAILED: status Completed, 1 of 2 devices updated, error handling continue. SDM reports Completed, '
        'but not every device took the update. 1 device failed: D2 (group G2): Refused. No rollback has finished: rollback status '
        'Unknown, rollback count 0, 0 of 1 updated device rolled back. Not rolled back: D1 (group G1): rollback status Unknown. SDM '
        'keeps the devices locked until the task is rolled back or committed.',
    ),
    (
        'rolled back by SDM, checks passed',
        options(
            rollback_wait=True,
            expect_rollback_status='completed',
            expect_rollback_count=2,
            expect_devices_rolled_back=True,
        ),
        record(ROLLED_BACK),
        'Route update task ID33 FAILED: status Failed, 2 of 3 devices updated, error handling rollback. 1 device failed: D3 (group '
        'G3): Push timed out. Rollback succeeded: rollback status Completed, rollback count 2, 2 of 2 updated devices rolled back. '
        'Rollback checks passed.',
    ),
    (
        'rolled back by the role',
        options(rollback_on_failure=True),
        record(ROLLED_BACK, action('rollback', SENT, 'SDM accepted the Rollback of route update task ID33.')),
        'Route update task ID33 FAILED: status Failed, 2 of 3 devices updated, error handling rollback. 1 device failed: D3 (group '
        'G3): Push timed out. The role started the rollback. Rollback succeeded: rollback status Completed, rollback count 2, 2 of 2 '
        'updated devices rolled back. Rollback checks passed.',
    ),
    (
        'rollback already done',
        options(rollback_on_failure=True),
        record(
            ROLLED_BACK,
            action(
                'rollback', ALREADY_DONE, 'Route update task ID33 is already rolled back (rollback status Completed).'
            ),
        ),
        'Route update task ID33 FAILED: status Failed, 2 of 3 devices updated, error handling rollback. 1 device failed: D3 (group '
        'G3): Push timed out. No rollback sent: Route update task ID33 is already rolled back (rollback status Completed). Rollback '
        'succeeded: rollback status Completed, rollback count 2, 2 of 2 updated devices rolled back. Rollback checks passed.',
    ),
    (
        'rollback in check mode',
        options(rollback_on_failure=True, check_mode=True, expect_rollback_status='Completed'),
        record(FAILED_TASK, action('rollback', WOULD_SEND)),
        'Route update task ID33 FAILED: status Failed, 2 of 3 devices updated, error handling rollback. 1 device failed: D3 (group '
        'G3): Push timed out. Check mode: the role would start the rollback now; it was not sent, so it was not waited for and the '
        'rollback checks were not run. No rollback has finished: rollback status Unknown, rollback count 0, 0 of 2 updated devices '
        'rolled back. Not rolled back: D1 (group G1): rollback status Unknown; D2 (group G2): rollback status Unknown. SDM keeps the '
        'devices locked until the task is rolled back or committed.',
    ),
    (
        'rollback refused',
        options(rollback_on_failure=True, expect_rollback_status='Completed'),
        record(
            FAILED_TASK,
            action(
                'rollback',
                FAILED,
                'SDM refused the Rollback of route update task ID33: locked. SDM did not act on the task.',
            ),
        ),
        'Route update task ID33 FAILED: status Failed, 2 of 3 devices updated, error handling rollback. 1 device failed: D3 (group '
        'G3): Push timed out. The role could not start the rollback: SDM refused the Rollback of route update task ID33: locked. SDM '
        'did not act on the task. No rollback has finished: rollback status Unknown, rollback count 0, 0 of 2 updated devices rolled '
        'back. Not rolled back: D1 (group G1): rollback status Unknown; D2 (group G2): rollback status Unknown. Rollback checks '
        'FAILED: the rollback could not be started; rollback status is Unknown, expected Completed. SDM keeps the devices locked '
        'until the task is rolled back or committed.',
    ),
    (
        'rollback failed on a device',
        options(
            rollback_wait=True,
            expect_rollback_status='Completed',
            expect_rollback_count=2,
            expect_devices_rolled_back=True,
        ),
        record(ROLLBACK_FAILED),
        'Route update task ID33 FAILED: status Failed, 2 of 3 devices updated, error handling rollback. 1 device failed: D3 (group '
        'G3): status Failed, no failure message. Rollback FAILED: rollback status PartiallyCompleted, rollback count 1, 1 of 2 updated '
        'devices rolled back. Not rolled back: D2 (group G2): rollback status Failed, Device D2 unreachable. Rollback checks FAILED: '
        'rollback status is PartiallyCompleted, expected Completed; rollback count is 1, expected 2; 1 of 2 updated devices reports '
        'no completed rollback.',
    ),
]


@pytest.mark.parametrize('name, opts, rec, message', FAILURE_CASES, ids=[case[0] for case in FAILURE_CASES])
def test_outcomes_after_a_failure(name, opts, rec, message):
    outcome = outcome_of(opts, rec)
    assert (outcome.result, outcome.message) == (FAILED, message)
    assert outcome.fails_play


def test_a_timeout_names_the_last_status_and_the_devices_failed_so_far():
    task = sdm_task(
        'InProgress', [device('D1', 'G1'), device('D2', 'G2', 'Failed', 'Refused'), device('D3', 'G3', 'InProgress')]
    )
    outcome = outcome_of(options(timeout=2), record(task))
    assert outcome.result == TIMED_OUT
    assert outcome.message == (
        'Timed out after 2 s waiting for route update task ID33 to finish: last status InProgress, 1 of 3 '
        'devices updated. 1 device failed so far: D2 (group G2): Refused. The task may still be running in '
        'SDM; wait again or check it there.'
    )


def test_a_timeout_on_an_unknown_word_says_how_to_declare_it_final():
    task = sdm_task('Deploying', [device('D1', 'G1', 'InProgress')])
    outcome = outcome_of(options(timeout=1, variable_prefix='route_update_wait_'), record(task))
    assert outcome.message == (
        'Timed out after 1 s waiting for route update task ID33 to finish: last status Deploying, 0 of 1 '
        'devices updated. The status Deploying is not a known state word: if it is final, add it to '
        'route_update_wait_success_states or route_update_wait_failure_states.'
    )


ERROR_CASES = [
    (
        'before any read',
        options(),
        {},
        ReadError('Cannot reach SDM at sdm:8443: connection refused.', None, PHASE_UPDATE, 1, 0),
        'Could not read route update task ID33 from SDM (call 1, 0 s after the start): Cannot reach SDM at sdm:8443: connection '
        'refused. No status had been read yet.',
    ),
    (
        'mid-wait',
        options(),
        RUNNING,
        ReadError('User admin lacks rights', 403, PHASE_UPDATE, 2, 61),
        'Could not read route update task ID33 from SDM (call 2, 61 s after the start): User admin lacks rights. Last status seen: '
        'InProgress, 1 of 2 devices updated.',
    ),
    (
        'rollback wait',
        options(rollback_wait=True),
        FAILED_TASK,
        ReadError('Gone.', 404, PHASE_ROLLBACK, 3, 9),
        'Could not read route update task ID33 from SDM (rollback wait, call 3, 9 s after the start): Gone. Last status seen: Failed, '
        '2 of 3 devices updated.',
    ),
    (
        'a committed task is forgotten',
        options(commit_on_success=True),
        {},
        ReadError('Not found.', 404, PHASE_UPDATE, 1, 0),
        'Could not read route update task ID33 from SDM (call 1, 0 s after the start): Not found. No status had been read yet. SDM '
        'forgets a task once it is committed: if an earlier run committed this task, nothing is left to do; otherwise check the task id.',
    ),
]


@pytest.mark.parametrize('name, opts, task, error, message', ERROR_CASES, ids=[case[0] for case in ERROR_CASES])
def test_an_error_keeps_the_last_status_and_says_where_it_happened(name, opts, task, error, message):
    outcome = outcome_of(opts, record(task, error=error), problems=[])
    assert (outcome.result, outcome.message) == (ERROR, message)


def test_the_policy_check_stops_before_waiting():
    task = sdm_task('InProgress', [device('D1', 'G1', 'InProgress')], policy='abort')
    opts = options(expect_error_handling='rollback', variable_prefix='route_update_wait_')
    rec = record(task)
    rec.policy_problem = policy_problem(opts, task)
    outcome = decide_outcome(opts, rec, update_end(rec), [], MATCHER, 1)
    assert outcome.result == CHECK_FAILED
    assert outcome.problems == ['error handling is abort, expected rollback']
    assert outcome.message == (
        'Route update task ID33 has error handling abort, expected rollback '
        '(route_update_wait_expect_error_handling); stopped before waiting. Current status: InProgress, 0 of '
        '1 devices updated.'
    )


@pytest.mark.parametrize(
    'policy, expected, problem',
    [
        ('rollback', 'Roll-Back', None),
        ('abort', 'rollback', 'error handling is abort, expected rollback'),
        ('', 'rollback', 'error handling is (empty), expected rollback'),
        ('abort', None, None),
    ],
)
def test_the_policy_is_compared_like_state_words(policy, expected, problem):
    assert policy_problem(options(expect_error_handling=expected), sdm_task(policy=policy)) == problem


# --- every rollback check -------------------------------------------------------------------------------

ROLLBACK_CHECKS = [
    # (options, task, waited, rollback action, expected problems)
    (dict(), FAILED_TASK, False, None, []),
    (dict(rollback_wait=True), ROLLED_BACK, True, None, []),
    (
        dict(rollback_wait=True, rollback_timeout=20),
        FAILED_TASK,
        True,
        None,
        ['the rollback did not finish within 20 s (rollback status Unknown)'],
    ),
    (
        dict(rollback_wait=True, rollback_timeout=1),
        sdm_task('Failed', [device('D1', 'G1'), device('D2', 'G2', 'Failed')], policy='abort'),
        True,
        None,
        [
            'the rollback did not finish within 1 s (rollback status Unknown, error handling abort: SDM does not roll back by itself)'
        ],
    ),
    (dict(expect_rollback_status='Partially Completed'), ROLLBACK_FAILED, False, None, []),
    (
        dict(expect_rollback_status='Completed'),
        ROLLBACK_FAILED,
        False,
        None,
        ['rollback status is PartiallyCompleted, expected Completed'],
    ),
    (dict(expect_rollback_count=1), ROLLBACK_FAILED, False, None, []),
    (dict(expect_rollback_count=0), ROLLBACK_FAILED, False, None, ['rollback count is 1, expected 0']),
    (
        dict(expect_rollback_count=0),
        changed(sdm_task('Failed'), rollback_count=None),
        False,
        None,
        ['rollback count is ?, expected 0'],
    ),
    (dict(expect_devices_rolled_back=True), ROLLED_BACK, False, None, []),
    (
        dict(expect_devices_rolled_back=True),
        ROLLBACK_FAILED,
        False,
        None,
        ['1 of 2 updated devices reports no completed rollback'],
    ),
    (
        dict(expect_devices_rolled_back=True),
        FAILED_TASK,
        False,
        None,
        ['2 of 2 updated devices report no completed rollback'],
    ),
    (
        dict(rollback_on_failure=True, expect_rollback_status='Completed'),
        FAILED_TASK,
        False,
        action('rollback', FAILED, 'no'),
        ['the rollback could not be started', 'rollback status is Unknown, expected Completed'],
    ),
    (
        dict(rollback_on_failure=True, expect_rollback_status='Completed'),
        FAILED_TASK,
        False,
        action('rollback', WOULD_SEND),
        [],
    ),
]


@pytest.mark.parametrize('opts, task, waited, rollback, problems', ROLLBACK_CHECKS)
def test_every_rollback_check(opts, task, waited, rollback, problems):
    rec = record(task, *([rollback] if rollback else []))
    assert failure_problems(options(**opts), rec, waited, MATCHER) == problems


NO_ROLLBACK_CHECKS = [
    (False, sdm_task(rollback='Completed', rollback_count=2), []),
    (True, sdm_task(), []),
    (True, sdm_task(rollback_count=1), ['rollback count is 1, expected 0']),
    (True, sdm_task(rollback='Failed'), ['the task reports a rollback (rollback status Failed)']),
    (
        True,
        sdm_task(devices=[device('D1', 'G1', rollback='Failed'), device('D2', 'G2')]),
        ['1 device report a rollback: D1 (group G1, Failed)'],
    ),
]


@pytest.mark.parametrize('check, task, problems', NO_ROLLBACK_CHECKS)
def test_the_no_rollback_on_success_check(check, task, problems):
    assert success_problems(options(expect_no_rollback_on_success=check), task, MATCHER) == problems


def test_the_no_rollback_check_shortens_its_device_list():
    task = sdm_task(devices=[device('D%d' % n, 'G', rollback='Completed') for n in range(4)])
    assert success_problems(options(expect_no_rollback_on_success=True, failed_devices_shown=1), task, MATCHER) == [
        '4 devices report a rollback: D0 (group G, Completed), ... and 3 more'
    ]
    assert success_problems(options(expect_no_rollback_on_success=True, failed_devices_shown=0), task, MATCHER) == [
        '4 devices report a rollback: ... and 4 more'
    ]


def test_the_state_words_of_the_caller_decide_which_devices_were_updated_and_rolled_back():
    matcher = StateMatcher(success_states=['Done'], rollback_success_states=['Reverted'])
    task = sdm_task(
        'Failed',
        [device('D1', 'G1', 'Done', rollback='Reverted'), device('D2', 'G2', 'Done'), device('D3', 'G3', 'Completed')],
        matcher=matcher,
    )
    rec = record(task)
    # D3's Completed is a word this matcher does not know: whether D3 took the update cannot be told
    assert failure_problems(options(expect_devices_rolled_back=True), rec, False, matcher) == [
        '1 device shows no word that tells whether it took the update (D3 (group G3): status Completed)',
        '1 of 2 updated devices reports no completed rollback',
    ]


@pytest.mark.parametrize(
    'task, state',
    [
        (sdm_task(), 'none'),
        (sdm_task(rollback='NotStarted'), 'none'),
        (sdm_task(rollback='Unknown', rollback_count=1), 'running'),
        (sdm_task(rollback='InProgress'), 'running'),
        (ROLLED_BACK, 'succeeded'),
        (ROLLBACK_FAILED, 'failed'),
    ],
)
def test_rollback_state(task, state):
    assert rollback_state(task) == state


# --- the way through a wait --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'rec, ended',
    [
        (record({}, error=ReadError('x', None, PHASE_UPDATE, 1, 0)), ERROR),
        (record(RUNNING), _states.RUNNING),
        (record(sdm_task()), SUCCEEDED),
        (record(FAILED_TASK), FAILED),
        (record(sdm_task('Completed', updated=1, total=2)), FAILED),
    ],
)
def test_update_end(rec, ended):
    assert update_end(rec) == ended


@pytest.mark.parametrize(
    'opts, ended, plan',
    [
        (dict(), SUCCEEDED, FollowUp()),
        (
            dict(commit_on_success=True, expect_no_rollback_on_success=True),
            SUCCEEDED,
            FollowUp(check_success=True, commit=True),
        ),
        (dict(rollback_on_failure=True, commit_on_success=True), SUCCEEDED, FollowUp(commit=True)),
        (dict(), FAILED, FollowUp()),
        (
            dict(rollback_on_failure=True),
            FAILED,
            FollowUp(start_rollback=True, wait_for_rollback=True, check_rollback=True),
        ),
        (dict(rollback_wait=True), FAILED, FollowUp(wait_for_rollback=True, check_rollback=True)),
        (dict(expect_rollback_count=0), FAILED, FollowUp(check_rollback=True)),
        (dict(rollback_on_failure=True, commit_on_success=True), _states.RUNNING, FollowUp()),
        (dict(rollback_on_failure=True, commit_on_success=True), ERROR, FollowUp()),
    ],
)
def test_follow_up(opts, ended, plan):
    assert follow_up(options(**opts), ended) == plan


@pytest.mark.parametrize(
    'result, waits', [(None, True), (SENT, True), (ALREADY_DONE, True), (FAILED, False), (WOULD_SEND, False)]
)
def test_the_rollback_is_waited_for_unless_it_could_not_start_or_was_only_announced(result, waits):
    rollback = action('rollback', result) if result else None
    assert may_wait_for_rollback(FollowUp(wait_for_rollback=True), rollback) is waits
    assert may_wait_for_rollback(FollowUp(wait_for_rollback=False), rollback) is False


@pytest.mark.parametrize(
    'elapsed, limit, interval, seconds',
    [
        (0.0, 1800, 60, 60.0),  # up to the first mark
        (0.4, 1800, 60, 59.6),  # the module started late: the slice still ends on the mark
        (59.5, 1800, 60, 60.5),  # a mark less than 1 s away is skipped
        (1790.0, 1800, 60, 10.0),  # the limit comes first
        (1800.0, 1800, 60, 0.0),
        (2.5, 20, 1, 1.5),
    ],
)
def test_next_slice_ends_on_the_progress_marks(elapsed, limit, interval, seconds):
    assert next_slice(elapsed, limit, interval) == pytest.approx(seconds)


def test_phase_done():
    assert phase_done(PHASE_UPDATE, sdm_task()) and not phase_done(PHASE_UPDATE, RUNNING)
    assert phase_done(PHASE_ROLLBACK, ROLLED_BACK) and not phase_done(PHASE_ROLLBACK, FAILED_TASK)
    assert not phase_done(PHASE_UPDATE, {})


# --- unclear: finished, but no evidence of success (issue 21) ------------------------------------------------


def unclear_task(**kwargs: Any) -> Dict[str, Any]:
    """SDM says Completed and leaves out the counts; one device never started, one was skipped."""
    raw = {
        'updateStatus': 'Completed',
        'errorHandling': 'continue',
        'rollbackStatus': 'Unknown',
        'deviceStatusList': [
            device('D1', 'G1'),
            device('D2', 'G1', 'NotStarted'),
            {'deviceGroupId': 'G2', 'status': 'Skipped'},
        ],
    }
    raw.update(kwargs)
    return normalise_task(raw, 'ID33', MATCHER)[0]


def test_an_unclear_update_is_neither_committed_nor_rolled_back():
    rec = record(unclear_task())
    assert update_end(rec) == UNCLEAR
    assert follow_up(options(commit_on_success=True, rollback_on_failure=True), UNCLEAR) == FollowUp()


def test_an_unclear_update_fails_naming_its_devices_their_words_and_the_options():
    opts = options(commit_on_success=True, rollback_on_failure=True, variable_prefix='route_update_wait_')
    outcome = decide_outcome(opts, record(unclear_task()), UNCLEAR, [], MATCHER, 12)
    assert outcome.result == UNCLEAR and outcome.fails_play and outcome.rollback == 'none'
    assert outcome.message == (
        'Route update task ID33 is UNCLEAR: SDM reports Completed, ? of ? devices updated, but its answer does not show '
        'that every device took the update. 2 devices report neither success nor failure: D2 (group G1): status '
        "NotStarted; device 3 (group G2): status Skipped. If these words are final, add them to "
        'route_update_wait_success_states or route_update_wait_failure_states. Nothing was committed: '
        'route_update_wait_commit_on_success needs every device to report success. No rollback was started: '
        'route_update_wait_rollback_on_failure acts on a failed update only, and this one is unclear. Check the task '
        'in SDM; it keeps the devices locked until the task is committed or rolled back.'
    )


def test_an_unclear_update_without_a_device_list_says_what_is_missing():
    task = normalise_task({'updateStatus': 'Completed', 'totalDeviceCount': '2', 'updatedCount': '2'}, 'ID33', MATCHER)[
        0
    ]
    outcome = decide_outcome(options(), record(task), update_end(record(task)), [], MATCHER, 3)
    assert outcome.result == UNCLEAR
    assert 'SDM lists no devices although totalDeviceCount is 2, so no device shows that it took the update.' in (
        outcome.message
    )


def test_failure_messages_of_any_json_type_are_shown_as_short_text():
    task = normalise_task(
        {
            'updateStatus': 'Failed',
            'deviceStatusList': [
                {'objectId': 'D1', 'status': 'Failed', 'updateFailureMsg': {'code': '42', 'text': 'LRT rejected'}},
                {'objectId': 'D2', 'status': 'Failed', 'updateFailureMsg': ['push refused', 'retry later']},
                {'objectId': 'D3', 'status': 'Completed', 'rollBackStatus': 'Failed', 'rollBackFailureMsg': {'x': 1}},
            ],
        },
        'ID33',
        MATCHER,
    )[0]
    outcome = decide_outcome(options(expect_devices_rolled_back=True), record(task), FAILED, [], MATCHER, 3)
    assert 'D1 (group (empty)): code: 42, text: LRT rejected' in outcome.message
    assert 'D2 (group (empty)): push refused; retry later' in outcome.message
    assert 'D3 (group (empty)): rollback status Failed, x: 1' in outcome.message


def test_no_rollback_words_give_the_same_rollback_state_as_the_state_model():
    for word in ('Unknown', 'N/A', 'NotStarted', ''):
        assert rollback_state(sdm_task(rollback=word)) == 'none'
    assert rollback_state(sdm_task(rollback='Sideways')) == 'unclear'

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""ActionRunner and SdmClient.send_action against the SDM simulator over real HTTP.

The simulator implements SDM's action rules on its own (refusals, rollback per device group,
commit releasing the task); these tests check that the collection's decisions agree with them and
that what reached the server is exactly what should have: the simulator counts accepted and
refused actions.
"""

from __future__ import annotations

import re

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._actions import (
    CANCEL,
    COMMIT,
    ROLLBACK,
    ActionRunner,
    WaitSettings,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import SdmClient
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import (
    SdmActionConflictError,
    SdmActionRefusedError,
    SdmNotFoundError,
    SdmOutcomeUnknownError,
    SdmTransportError,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import PASSWORD
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.simulator_setup import SimulatorHandle

MATCHER = StateMatcher()
TASKS = '/rest/v1.3/routeSets/routeUpdates'
WAIT = WaitSettings(timeout=20, sleep=0.05, sleep_max=0.2)
NO_ACTIONS = {'accepted': {}, 'refused': {}}

# Speed 20: a scenario second lasts 50 ms, so rollbacks finish quickly; every update ends at second 0.
TASK_LIST = [
    {
        'id': 'ID50',
        'error_handling': 'rollback',
        'devices': [
            {'object_id': 'ID501', 'device_group_id': 'ID21', 'at': 0},
            {'object_id': 'ID502', 'device_group_id': 'ID22', 'at': 0},
        ],
    },
    {
        'id': 'ID52',
        'error_handling': 'rollback',
        'devices': [
            {'object_id': 'ID521', 'device_group_id': 'ID21', 'at': 0},
            {
                'object_id': 'ID522',
                'device_group_id': 'ID22',
                'at': 0,
                'rollback': 'failure',
                'rollback_failure_msg': 'Device ID522 unreachable',
            },
            {'object_id': 'ID523', 'device_group_id': 'ID23', 'at': 0, 'outcome': 'failure'},
        ],
    },
    {'id': 'ID53', 'devices': [{'object_id': 'ID531', 'at': 0}, {'object_id': 'ID532', 'outcome': 'never'}]},
    # Its running word is unknown to the collection, so only SDM can refuse a rollback.
    {
        'id': 'ID56',
        'status_words': {'update.in_progress': 'Deploying'},
        'devices': [{'object_id': 'ID561', 'outcome': 'never'}],
    },
]


def scenario(**options):
    data = {
        'name': 'action-tests',
        'speed': 20,
        'users': [{'username': 'admin', 'password': PASSWORD}],
        'tasks': TASK_LIST,
    }
    data.update(options)
    return data


class Sim(SimulatorHandle):
    """The running simulator, its control API, and runs of the action layer against it (fixture ``sim``)."""

    def task_state(self, task_id):
        return self.control('GET', '/tasks')[task_id]

    def run(self, task_id, action, check_mode=False, wait=None, confirm=None, **config):
        """One module-like run: one session, one action."""
        with SdmClient(self.config(**config)) as client:
            return ActionRunner(client, MATCHER).run(task_id, action, check_mode, wait, confirm)

    def action_posts(self, task_id):
        """How many action POSTs for the task reached the simulator, and the actions it processed."""
        return self.requests_to('POST %s/%s/action' % (TASKS, task_id)), self.control('GET', '/actions')['actions']

    def assert_sessions(self, runs, actions):
        counters = self.counters()
        assert (counters['logins'], counters['logouts'], counters['sessions_open']) == (runs, runs, 0), counters
        assert counters['actions'] == actions


@pytest.mark.parametrize('body_format', ['xml', 'json'])
def test_commit_releases_the_task_and_a_repeat_is_not_found(sim, body_format):
    first = sim.run('ID50', COMMIT, body_format=body_format)
    assert (first.changed, first.committed, first.task) == (True, True, None)
    state = sim.task_state('ID50')
    assert (state['committed'], state['pending']) == (True, False)
    # SDM forgets the committed task: a second run cannot tell it from a typo, and says so.
    with pytest.raises(SdmNotFoundError, match='^route update task ID50 not found .*; the Commit was not sent$'):
        sim.run('ID50', COMMIT, body_format=body_format)
    sim.assert_sessions(2, {'accepted': {'Commit': 1}, 'refused': {}})


@pytest.mark.parametrize('task_id', ['ID333', 'ID5'])
def test_a_commit_of_an_id_sdm_does_not_know_fails_and_sends_nothing(sim, task_id):
    with pytest.raises(SdmNotFoundError, match='^route update task %s not found' % task_id):
        sim.run(task_id, COMMIT)
    assert sim.action_posts(task_id) == (0, [])
    assert sim.task_state('ID50')['pending'] is True
    sim.assert_sessions(1, NO_ACTIONS)


def test_commit_with_wait_on_a_server_that_keeps_history(sim):
    sim.control('POST', '/scenario', scenario(server={'after_commit': 'history'}))
    first = sim.run('ID50', COMMIT, wait=WAIT)
    assert (first.changed, first.committed, first.task['update_status']) == (True, True, 'Completed')
    second = sim.run('ID50', COMMIT)
    assert (second.changed, second.committed) == (False, True)
    assert second.message == 'Route update task ID50 is already committed: it is no longer in the pending list.'
    with pytest.raises(
        SdmActionConflictError, match='cannot be rolled back: it is no longer in the pending list, so it was committed'
    ):
        sim.run('ID50', ROLLBACK)
    sim.assert_sessions(3, {'accepted': {'Commit': 1}, 'refused': {}})


@pytest.mark.parametrize('body_format', ['xml', 'json'])
def test_a_rollback_that_fails_on_one_device_group_is_waited_for(sim, body_format):
    outcome = sim.run('ID52', ROLLBACK, wait=WAIT, body_format=body_format)
    task = outcome.task
    assert outcome.changed is True
    assert (task['rollback_status'], task['rollback_finished'], task['rollback_succeeded']) == (
        'PartiallyCompleted',
        True,
        False,
    )
    assert task['rollback_count'] == 1
    by_device = dict((device['object_id'], device) for device in task['devices'])
    assert by_device['ID521']['rollback_status'] == 'Completed'
    assert (by_device['ID522']['rollback_status'], by_device['ID522']['rollback_failure_msg']) == (
        'Failed',
        'Device ID522 unreachable',
    )
    again = sim.run('ID52', ROLLBACK)
    assert (again.changed, again.message) == (
        False,
        'Route update task ID52 is already rolled back (rollback status PartiallyCompleted).',
    )
    # Commit after a rollback is refused before sending, as SDM would.
    with pytest.raises(SdmActionConflictError, match='it was rolled back'):
        sim.run('ID52', COMMIT)
    sim.assert_sessions(3, {'accepted': {'Rollback': 1}, 'refused': {}})


def test_a_rollback_while_the_update_runs_is_refused_before_sending(sim):
    with pytest.raises(SdmActionConflictError, match='its update is still running'):
        sim.run('ID53', ROLLBACK)
    counters = sim.counters()
    assert 'POST %s/ID53/action' % TASKS not in counters['requests']
    sim.assert_sessions(1, NO_ACTIONS)


def test_sdm_refusing_an_action_is_reported_with_its_reason(sim):
    with pytest.raises(SdmActionRefusedError) as caught:
        sim.run('ID56', ROLLBACK)
    assert caught.value.message == (
        'SDM refused the Rollback of route update task ID56: Task ID56: cannot be rolled back while its '
        'update is Deploying (POST %s/ID56/action answered 400 Bad Request)' % TASKS
    )
    sim.assert_sessions(1, {'accepted': {}, 'refused': {'Rollback': 1}})


def test_cancel_stops_a_running_update_and_a_repeat_changes_nothing(sim):
    outcome = sim.run('ID53', CANCEL, wait=WAIT)
    assert outcome.changed is True and outcome.task['update_status'] == 'Cancelled'
    again = sim.run('ID53', CANCEL)
    assert again.changed is False
    sim.assert_sessions(2, {'accepted': {'Cancel': 1}, 'refused': {}})


@pytest.mark.parametrize('task_id, action', [('ID50', COMMIT), ('ID52', ROLLBACK), ('ID53', CANCEL)])
def test_check_mode_changes_nothing_on_the_server(sim, task_id, action):
    outcome = sim.run(task_id, action, check_mode=True, wait=WAIT)
    assert outcome.changed is True
    sim.assert_sessions(1, NO_ACTIONS)
    assert not any(line.startswith('POST %s/' % TASKS) for line in sim.counters()['requests'])


def test_an_unknown_task_is_not_found_for_rollback_and_cancel(sim):
    for action in (ROLLBACK, CANCEL):
        with pytest.raises(SdmNotFoundError, match='route update task ID99 not found'):
            sim.run('ID99', action)
    sim.assert_sessions(2, NO_ACTIONS)


# Answers lost: SDM slower than request_timeout (the delay fault processes the request after the delay), and a
# request that may have arrived but never does anything (the reset fault). Exactly one POST either way.

LOOK = WaitSettings(timeout=20, sleep=0.05, sleep_max=0.2)


@pytest.mark.parametrize(
    'task_id, action, shown',
    [
        ('ID50', COMMIT, 'it is no longer in the pending list'),
        (
            'ID52',
            ROLLBACK,
            'rollback status (InProgress|PartiallyCompleted)',
        ),  # the rollback may have ended when the client looks
        ('ID53', CANCEL, 'update status Cancelled'),
    ],
)
def test_sdm_slower_than_request_timeout_is_one_post_and_a_change_with_a_warning(sim, task_id, action, shown):
    sim.faults({'kind': 'delay', 'seconds': 1.5, 'method': 'POST', 'path': '*/%s/action' % task_id})
    outcome = sim.run(task_id, action, confirm=LOOK, request_timeout=1.0)
    word = action.capitalize()
    assert outcome.changed is True
    assert outcome.message == 'The %s of route update task %s took effect, although its answer was lost.' % (
        word,
        task_id,
    )
    assert len(outcome.warnings) == 1
    assert re.match(
        r'the answer to the %s of route update task %s was lost \(POST %s/%s/action failed: no answer from %s within '
        r'1\.0 seconds\), but the task shows that it took effect: %s\. The %s was not sent again$'
        % (word, task_id, TASKS, task_id, re.escape(sim.url.split('//')[1]), shown, word),
        outcome.warnings[0],
    ), outcome.warnings
    posts, actions = sim.action_posts(task_id)
    assert posts == 1 and [(entry['action'], entry['accepted']) for entry in actions] == [(word, True)]
    sim.assert_sessions(1, {'accepted': {word: 1}, 'refused': {}})


def test_a_lost_commit_that_shows_is_then_waited_for_and_committed(sim):
    sim.faults({'kind': 'delay', 'seconds': 1.5, 'method': 'POST', 'path': '*/ID50/action'})
    outcome = sim.run('ID50', COMMIT, wait=LOOK, request_timeout=1.0)
    assert (outcome.changed, outcome.committed, outcome.task) == (
        True,
        True,
        None,
    )  # 404 after our own Commit: committed
    assert sim.action_posts('ID50')[0] == 1
    sim.assert_sessions(1, {'accepted': {'Commit': 1}, 'refused': {}})


@pytest.mark.parametrize(
    'task_id, action, seen',
    [
        ('ID50', COMMIT, 'it was still in the pending list'),
        ('ID52', ROLLBACK, 'rollback status Unknown'),
    ],
)
def test_an_action_whose_effect_never_shows_fails_as_unknown_after_one_post(sim, task_id, action, seen):
    sim.faults({'kind': 'reset', 'method': 'POST', 'path': '*/%s/action' % task_id})
    with pytest.raises(SdmOutcomeUnknownError) as caught:
        sim.run(task_id, action, confirm=WaitSettings(timeout=0.5, sleep=0.05, sleep_max=0.1))
    word = action.capitalize()
    assert caught.value.message.startswith(
        'the outcome of the %s of route update task %s is unknown: its answer was lost (POST %s/%s/action '
        'failed: ' % (word, task_id, TASKS, task_id)
    )
    assert (
        'within 0.5 seconds the task did not show that it took effect (last seen: %s). The %s was not sent again. Running the '
        'module again is safe' % (seen, word)
    ) in caught.value.message
    assert isinstance(caught.value.cause, SdmTransportError)
    assert sim.action_posts(task_id) == (1, [])  # it arrived, but SDM never acted on it
    sim.assert_sessions(1, NO_ACTIONS)
    # Running again is safe: the task shows the action is still needed, so it is sent, once.
    assert sim.run(task_id, action).changed is True
    assert sim.action_posts(task_id)[0] == 2


def test_a_gateway_timeout_without_effect_is_unknown_too(sim):
    sim.faults({'kind': 'status', 'status': 504, 'method': 'POST', 'path': '*/ID50/action'})
    with pytest.raises(SdmOutcomeUnknownError) as caught:
        sim.run('ID50', COMMIT, confirm=WaitSettings(timeout=0.3, sleep=0.05, sleep_max=0.1))
    assert (caught.value.status, caught.value.path) == (504, '%s/ID50/action' % TASKS)
    assert sim.action_posts('ID50') == (1, [])

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The action decisions (pure) and ActionRunner against a scripted client and a fake clock."""

from __future__ import annotations

from typing import Any, Dict, List, NoReturn, Optional

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._actions import (
    CANCEL,
    COMMIT,
    ROLLBACK,
    ROLLBACK_FINISHED,
    ActionRunner,
    WaitSettings,
    decide_action,
    parse_action,
    rollback_phase,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import (
    SdmActionConflictError,
    SdmActionRefusedError,
    SdmHttpError,
    SdmInputError,
    SdmNotFoundError,
    SdmOutcomeUnknownError,
    SdmPermissionError,
    SdmTransportError,
    SdmUnconfirmedError,
    SdmWaitTimeout,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._normalise import normalise_task
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import NONE, RUNNING, UNCLEAR, StateMatcher
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import FakeClock

MATCHER = StateMatcher()
GONE = object()  # a read answered 404


def task(update: str = 'Completed', rollback: str = 'Unknown', task_id: str = 'ID50') -> Dict[str, Any]:
    return normalise_task(
        {'updateStatus': update, 'rollbackStatus': rollback, 'totalDeviceCount': '1'}, task_id, MATCHER
    )[0]


class Pending:
    """An ``is_pending`` callback that counts its calls."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.answer


# parse_action and rollback_phase ---------------------------------------------------------------


@pytest.mark.parametrize(
    'value, expected', [('commit', COMMIT), ('Commit', COMMIT), ('ROLLBACK', ROLLBACK), (' cancel ', CANCEL)]
)
def test_actions_are_read_in_any_letter_case(value, expected):
    assert parse_action(value) == expected


@pytest.mark.parametrize('value', ['delete', '', None, 3, 'com mit'])
def test_an_unknown_action_names_the_choices(value):
    with pytest.raises(
        SdmInputError, match=r'action must be one of commit, rollback, cancel \(in any letter case\), got '
    ):
        parse_action(value)


@pytest.mark.parametrize(
    'word, phase',
    [
        ('Unknown', NONE),
        (None, NONE),
        ('', NONE),
        ('not_started', NONE),
        ('InProgress', RUNNING),
        ('Pending', RUNNING),
        ('RUNNING', RUNNING),
        ('Completed', ROLLBACK_FINISHED),
        ('Failed', ROLLBACK_FINISHED),
        ('Partially Completed', ROLLBACK_FINISHED),
        ('Reverting', UNCLEAR),
    ],
)
def test_rollback_phase(word, phase):
    assert rollback_phase(task(rollback=word), MATCHER) == phase


# decide: commit --------------------------------------------------------------------------------


def test_commit_of_a_finished_pending_task_is_sent():
    pending = Pending(True)
    for update in ('Completed', 'Failed', 'PartiallyCompleted', 'Cancelled'):
        assert decide_action(COMMIT, 'ID50', task(update), MATCHER, pending).send is True
    assert pending.calls == 4


def test_commit_of_a_task_sdm_does_not_know_is_not_found():
    """A typo (ID333) or a task committed earlier: SDM cannot tell them apart, so neither passes for a commit."""
    pending = Pending(True)
    with pytest.raises(SdmNotFoundError, match='^route update task ID333 not found$'):
        decide_action(COMMIT, 'ID333', None, MATCHER, pending)
    assert pending.calls == 0


def test_commit_of_a_readable_task_that_left_the_pending_list_is_done():
    decision = decide_action(COMMIT, 'ID50', task('Completed'), MATCHER, Pending(False))
    assert (decision.send, decision.committed) == (False, True)
    assert decision.reason == 'route update task ID50 is already committed: it is no longer in the pending list'


@pytest.mark.parametrize(
    'update, rollback, why',
    [
        (
            'InProgress',
            'Unknown',
            'its update is still running (update status InProgress); SDM commits a task only after its update has finished',
        ),
        ('Pending', 'Unknown', 'its update is still running (update status Pending)'),
        ('Failed', 'InProgress', 'its rollback is running (rollback status InProgress)'),
        (
            'Failed',
            'Completed',
            'it was rolled back (rollback status Completed), and SDM does not commit a rolled-back task',
        ),
        ('Failed', 'PartiallyCompleted', 'it was rolled back (rollback status PartiallyCompleted)'),
    ],
)
def test_commit_refused_before_sending(update, rollback, why):
    pending = Pending(True)
    with pytest.raises(SdmActionConflictError) as caught:
        decide_action(COMMIT, 'ID50', task(update, rollback), MATCHER, pending)
    assert caught.value.message.startswith('route update task ID50 cannot be committed: ' + why)
    assert caught.value.message.endswith('. Nothing was sent to SDM')
    assert caught.value.status is None and isinstance(caught.value, SdmInputError)
    assert pending.calls == 0


def test_commit_with_an_update_word_nobody_knows_is_left_to_sdm():
    assert decide_action(COMMIT, 'ID50', task('Deploying'), MATCHER, Pending(True)).send is True


# decide: rollback ------------------------------------------------------------------------------


@pytest.mark.parametrize('update', ['Failed', 'Completed', 'Cancelled', 'Deploying'])
def test_rollback_of_a_pending_task_without_rollback_is_sent(update):
    assert decide_action(ROLLBACK, 'ID51', task(update), MATCHER, Pending(True)).send is True


@pytest.mark.parametrize(
    'rollback, reason',
    [
        ('Completed', 'route update task ID51 is already rolled back (rollback status Completed)'),
        ('Failed', 'route update task ID51 is already rolled back (rollback status Failed)'),
        ('InProgress', 'the rollback of route update task ID51 is already running (rollback status InProgress)'),
    ],
)
def test_rollback_done_or_running_is_not_sent_again(rollback, reason):
    pending = Pending(False)
    decision = decide_action(ROLLBACK, 'ID51', task('Failed', rollback, 'ID51'), MATCHER, pending)
    assert (decision.send, decision.reason, decision.committed) == (False, reason, False)
    assert pending.calls == 0


@pytest.mark.parametrize('update', ['InProgress', 'Pending', 'in_progress'])
def test_rollback_while_the_update_runs_is_refused_before_sending(update):
    with pytest.raises(SdmActionConflictError) as caught:
        decide_action(ROLLBACK, 'ID53', task(update, task_id='ID53'), MATCHER, Pending(True))
    assert caught.value.message == (
        'route update task ID53 cannot be rolled back: its update is still running (update status %s); SDM rolls back only a '
        'finished update. Wait for it to finish, or stop it with action=cancel. Nothing was sent to SDM' % update
    )


def test_rollback_of_a_committed_task_is_refused_before_sending():
    with pytest.raises(
        SdmActionConflictError, match='cannot be rolled back: it is no longer in the pending list, so it was committed'
    ):
        decide_action(ROLLBACK, 'ID50', task('Completed'), MATCHER, Pending(False))


def test_rollback_with_a_rollback_word_nobody_knows_is_left_to_sdm():
    pending = Pending(False)
    assert decide_action(ROLLBACK, 'ID51', task('Failed', 'Reverting'), MATCHER, pending).send is True
    assert pending.calls == 0


def test_rollback_of_an_unknown_task_is_not_found():
    with pytest.raises(SdmNotFoundError, match='route update task ID99 not found'):
        decide_action(ROLLBACK, 'ID99', None, MATCHER, Pending(True))


# decide: cancel --------------------------------------------------------------------------------


@pytest.mark.parametrize('update', ['InProgress', 'Pending', 'Deploying'])
def test_cancel_of_a_running_task_is_sent(update):
    pending = Pending(True)
    assert decide_action(CANCEL, 'ID53', task(update), MATCHER, pending).send is True
    assert pending.calls == 0


@pytest.mark.parametrize(
    'update, reason',
    [
        ('Cancelled', 'route update task ID53 is already cancelled (update status Cancelled)'),
        ('canceled', 'route update task ID53 is already cancelled (update status canceled)'),
        (
            'Completed',
            'route update task ID53 has already finished (update status Completed): there is nothing to cancel',
        ),
        ('Failed', 'route update task ID53 has already finished (update status Failed): there is nothing to cancel'),
    ],
)
def test_cancel_of_a_finished_task_changes_nothing(update, reason):
    decision = decide_action(CANCEL, 'ID53', task(update, task_id='ID53'), MATCHER, Pending(True))
    assert (decision.send, decision.reason) == (False, reason)


def test_decisions_follow_the_configured_words():
    matcher = StateMatcher(success_states=['Done'], failure_states=['Broken'], rollback_success_states=['Reverted'])
    done = normalise_task({'updateStatus': 'Done', 'rollbackStatus': 'Reverted'}, 'ID1', matcher)[0]
    assert decide_action(ROLLBACK, 'ID1', done, matcher, Pending(True)).send is False
    assert decide_action(CANCEL, 'ID1', done, matcher, Pending(True)).send is False


# ActionRunner ----------------------------------------------------------------------------------


def fail_with(error: BaseException) -> NoReturn:
    """Raise a scripted error (a function, so that linters do not take the script's None for what is raised)."""
    raise error


class ScriptedClient:
    """Stands in for SdmClient: each read, pending list and send takes the next scripted answer.

    Reads are normalised dicts, `GONE` (404) or exceptions; the last answer repeats. Not the simulator: the action
    layer's decisions are tested on answers in a given order at a given call (a lost answer, a refusal after a 2xx),
    which a timeline cannot script; the action layer against the simulator's own rules is in test_actions_simulator.py.
    """

    def __init__(
        self, reads: List[Any], pending: Optional[List[List[str]]] = None, sends: Optional[List[Any]] = None
    ) -> None:
        self.clock = FakeClock()
        self.max_concurrency = 1
        self.warnings: List[str] = []
        self.reads = list(reads)
        self.pending = list(pending or [['ID50']])
        self.sends = list(sends or [None])
        self.calls: List[str] = []

    @staticmethod
    def _next(script: List[Any]) -> Any:
        return script.pop(0) if len(script) > 1 else script[0]

    def read_task(self, task_id: str, matcher: Any, deadline: Any = None) -> Any:
        self.calls.append('read %s' % task_id)
        answer = self._next(self.reads)
        if answer is GONE:
            raise SdmNotFoundError(
                'route update task %s not found' % task_id,
                404,
                '/rest/v1.3/routeSets/routeUpdates/' + task_id,
                task_id=task_id,
            )
        if isinstance(answer, BaseException):
            raise answer
        return answer, ['warning about %s' % task_id] if answer.get('update_status') == 'Deploying' else []

    def get_task(self, task_id: str, matcher: Any, deadline: Any = None) -> Dict[str, Any]:
        answer, warnings = self.read_task(task_id, matcher, deadline)
        self.warnings.extend(warnings)
        return answer

    def list_pending_task_ids(self, deadline: Any = None) -> List[str]:
        self.calls.append('pending')
        answer = self._next(self.pending)
        if isinstance(answer, BaseException):
            fail_with(answer)
        return list(answer)

    def send_action(self, task_id: str, action: str, deadline: Any = None) -> None:
        self.calls.append('send %s %s' % (action, task_id))
        error = self._next(self.sends)  # None: accepted
        if error is not None:
            fail_with(error)


WAIT = WaitSettings(timeout=60, sleep=2, sleep_max=5)


def lost(
    message: str = 'POST /rest/v1.3/routeSets/routeUpdates/ID50/action failed: no answer within 30 seconds',
) -> SdmUnconfirmedError:
    return SdmUnconfirmedError(
        SdmTransportError(message, path='/rest/v1.3/routeSets/routeUpdates/ID50/action', transient=True)
    )


def test_commit_reads_decides_sends_and_reads_again():
    client = ScriptedClient([task('Completed'), GONE])
    runner = ActionRunner(client, MATCHER)
    outcome = runner.run('ID50', COMMIT)
    assert client.calls == ['read ID50', 'pending', 'send Commit ID50', 'read ID50']
    assert (outcome.changed, outcome.task, outcome.committed) == (True, None, True)
    assert outcome.message == 'SDM accepted the Commit of route update task ID50.'
    assert runner.sent is True


def test_check_mode_reads_and_predicts_without_sending_or_waiting():
    before = task('Failed', task_id='ID51')
    client = ScriptedClient([before], pending=[['ID51']])
    outcome = ActionRunner(client, MATCHER).run('ID51', ROLLBACK, check_mode=True, wait=WAIT)
    assert client.calls == ['read ID51', 'pending']
    assert (outcome.changed, outcome.task, outcome.committed) == (True, before, False)
    assert outcome.message == 'Check mode: the Rollback of route update task ID51 would be sent.'
    assert client.clock.sleeps == []


def test_a_commit_of_a_task_sdm_does_not_know_fails_naming_it_and_sends_nothing():
    client = ScriptedClient([GONE])
    runner = ActionRunner(client, MATCHER)
    with pytest.raises(SdmNotFoundError) as caught:
        runner.run('ID333', COMMIT, wait=WAIT)
    assert client.calls == ['read ID333']
    assert caught.value.message == 'route update task ID333 not found; the Commit was not sent'
    assert (caught.value.status, runner.sent, runner.last_task) == (404, False, None)


def test_a_404_after_our_own_accepted_commit_means_committed():
    client = ScriptedClient([task('Completed'), GONE], pending=[['ID50'], []])
    outcome = ActionRunner(client, MATCHER).run('ID50', COMMIT, wait=WAIT)
    assert client.calls == ['read ID50', 'pending', 'send Commit ID50', 'pending', 'read ID50']
    assert (outcome.changed, outcome.task, outcome.committed) == (True, None, True)


def test_a_conflict_sends_nothing_and_keeps_the_task_read():
    running = task('InProgress', task_id='ID53')
    client = ScriptedClient([running])
    runner = ActionRunner(client, MATCHER)
    with pytest.raises(SdmActionConflictError):
        runner.run('ID53', ROLLBACK)
    assert client.calls == ['read ID53']
    assert (runner.sent, runner.last_task) == (False, running)


def test_a_refusal_by_sdm_is_raised_and_nothing_counts_as_sent():
    refusal = SdmActionRefusedError(
        'Rollback', 'ID51', 'no', 'POST /x/action answered 400 Bad Request', 400, '/x/action'
    )
    client = ScriptedClient([task('Deploying', task_id='ID51')], pending=[['ID51']], sends=[refusal])
    runner = ActionRunner(client, MATCHER)
    with pytest.raises(SdmActionRefusedError):
        runner.run('ID51', ROLLBACK)
    assert runner.sent is False and runner.last_task['update_status'] == 'Deploying'


def test_rollback_waits_until_the_rollback_has_finished():
    reads = [
        task('Failed', task_id='ID51'),
        task('Failed', 'InProgress', 'ID51'),
        task('Failed', 'InProgress', 'ID51'),
        task('Failed', 'PartiallyCompleted', 'ID51'),
    ]
    client = ScriptedClient(reads, pending=[['ID51']])
    outcome = ActionRunner(client, MATCHER).run('ID51', ROLLBACK, wait=WAIT)
    assert client.calls == ['read ID51', 'pending', 'send Rollback ID51', 'read ID51', 'read ID51', 'read ID51']
    assert client.clock.sleeps == [2, 3]
    assert outcome.changed is True and outcome.task['rollback_status'] == 'PartiallyCompleted'


def test_a_running_rollback_is_waited_for_without_sending():
    client = ScriptedClient([task('Failed', 'InProgress', 'ID51'), task('Failed', 'Completed', 'ID51')])
    outcome = ActionRunner(client, MATCHER).run('ID51', ROLLBACK, wait=WAIT)
    assert client.calls == ['read ID51', 'read ID51']
    assert outcome.changed is False and outcome.task['rollback_succeeded'] is True


def test_a_finished_rollback_is_not_read_again_when_waiting():
    client = ScriptedClient([task('Failed', 'Completed', 'ID51')])
    outcome = ActionRunner(client, MATCHER).run('ID51', ROLLBACK, wait=WAIT)
    assert client.calls == ['read ID51']
    assert outcome.changed is False


def test_cancel_waits_until_the_update_has_finished():
    client = ScriptedClient(
        [task('InProgress', task_id='ID53'), task('InProgress', task_id='ID53'), task('Cancelled', task_id='ID53')]
    )
    outcome = ActionRunner(client, MATCHER).run('ID53', CANCEL, wait=WAIT)
    assert client.calls == ['read ID53', 'send Cancel ID53', 'read ID53', 'read ID53']
    assert outcome.task['update_status'] == 'Cancelled'


def test_commit_waits_until_the_task_left_the_pending_list():
    client = ScriptedClient(
        [task('Completed'), task('Completed')], pending=[['ID50'], ['ID50', 'ID9'], ['ID50'], ['ID9']]
    )
    outcome = ActionRunner(client, MATCHER).run('ID50', COMMIT, wait=WAIT)
    assert client.calls == ['read ID50', 'pending', 'send Commit ID50', 'pending', 'pending', 'pending', 'read ID50']
    assert client.clock.sleeps == [2, 3]
    # A task that stays readable after its commit (SDM keeping history) is returned as read.
    assert (outcome.changed, outcome.committed, outcome.task['update_status']) == (True, True, 'Completed')


def test_a_commit_wait_that_times_out_carries_the_last_task():
    client = ScriptedClient([task('Completed')], pending=[['ID50']])
    with pytest.raises(SdmWaitTimeout) as caught:
        ActionRunner(client, MATCHER).run('ID50', COMMIT, wait=WaitSettings(timeout=10, sleep=4, sleep_max=4))
    assert client.clock.sleeps == [4, 4, 2]  # the last sleep is trimmed to the deadline
    assert (
        caught.value.message
        == 'timed out after 10 seconds waiting for route update task ID50 to leave the pending list after its Commit; '
        # issue 22: what is known of the accepted Commit is kept
        'SDM accepted the Commit of route update task ID50 before that, so its confirmation is pending'
    )
    assert caught.value.tasks == [task('Completed')] and caught.value.polls == 4


def test_a_rollback_wait_that_times_out_raises_with_the_last_state():
    client = ScriptedClient([task('Failed', task_id='ID51'), task('Failed', 'InProgress', 'ID51')], pending=[['ID51']])
    runner = ActionRunner(client, MATCHER)
    with pytest.raises(SdmWaitTimeout) as caught:
        runner.run('ID51', ROLLBACK, wait=WaitSettings(timeout=5, sleep=2, sleep_max=2))
    assert caught.value.tasks[0]['rollback_status'] == 'InProgress'
    assert runner.last_task['rollback_status'] == 'InProgress'
    assert runner.sent is True  # the failure still reports the change


# A lost answer: never sent again; the effect is looked for until the deadline ---------------------

LOST_CAUSE = 'POST /rest/v1.3/routeSets/routeUpdates/ID50/action failed: no answer within 30 seconds'
CONFIRM = WaitSettings(timeout=10, sleep=2, sleep_max=4)


def test_a_lost_commit_that_shows_later_is_a_change_with_a_warning():
    client = ScriptedClient(
        [task('Completed'), GONE], pending=[['ID50'], ['ID50'], ['ID50', 'ID9'], ['ID9']], sends=[lost()]
    )
    runner = ActionRunner(client, MATCHER)
    outcome = runner.run('ID50', COMMIT, confirm=CONFIRM)
    assert client.calls == ['read ID50', 'pending', 'send Commit ID50', 'pending', 'pending', 'pending', 'read ID50']
    assert client.clock.sleeps == [2, 3]
    assert (outcome.changed, outcome.committed, outcome.task) == (True, True, None)
    assert (runner.sent, runner.accepted, runner.confirmed) == (True, False, True)
    assert outcome.message == 'The Commit of route update task ID50 took effect, although its answer was lost.'
    assert outcome.warnings == [
        'the answer to the Commit of route update task ID50 was lost (%s), but the task shows that it took '
        'effect: it is no longer in the pending list. The Commit was not sent again' % LOST_CAUSE
    ]


def test_a_lost_answer_is_never_followed_by_a_second_post():
    """The issue's reproduction: the first POST's answer is lost, a second POST would be refused (400)."""
    refusal = SdmActionRefusedError(
        'Commit', 'ID50', 'already committed', 'POST /x/action answered 400 Bad Request', 400, '/x/action'
    )
    client = ScriptedClient([task('Completed')], sends=[lost(), refusal])
    runner = ActionRunner(client, MATCHER)
    with pytest.raises(SdmOutcomeUnknownError) as caught:
        runner.run('ID50', COMMIT, confirm=CONFIRM)
    assert client.calls.count('send Commit ID50') == 1
    assert client.clock.sleeps == [2, 3, 4, 1]  # growing looks, the last one trimmed to the deadline
    assert runner.sent is True and runner.accepted is False  # the module reports changed: true
    assert caught.value.message == (
        'the outcome of the Commit of route update task ID50 is unknown: its answer was lost (%s), and within 10 seconds the task '
        'did not show that it took effect (last seen: it was still in the pending list). The Commit was not sent again. Running the '
        'module again is safe: it reads the task first and sends the Commit only if it is still needed (if SDM commits it meanwhile '
        'and forgets it, that run reports the task as not found)' % LOST_CAUSE
    )
    assert caught.value.seen == 'it was still in the pending list'
    assert isinstance(caught.value.cause, SdmTransportError)


def test_a_lost_rollback_that_shows_is_waited_for_within_the_same_deadline():
    reads = [
        task('Failed', task_id='ID51'),
        task('Failed', task_id='ID51'),
        task('Failed', 'InProgress', 'ID51'),
        task('Failed', 'InProgress', 'ID51'),
        task('Failed', 'Completed', 'ID51'),
    ]
    client = ScriptedClient(reads, pending=[['ID51']], sends=[lost()])
    runner = ActionRunner(client, MATCHER)
    outcome = runner.run('ID51', ROLLBACK, wait=WaitSettings(timeout=10, sleep=2, sleep_max=2))
    assert client.calls == ['read ID51', 'pending', 'send Rollback ID51'] + ['read ID51'] * 4
    assert client.clock.sleeps == [2, 2]  # one look before the effect showed, one poll before the rollback finished
    assert outcome.changed is True and outcome.task['rollback_status'] == 'Completed'
    assert outcome.warnings[0].endswith(
        'but the task shows that it took effect: rollback status InProgress. The Rollback was not sent again'
    )


def test_a_lost_rollback_whose_effect_never_shows_says_what_was_seen():
    gateway = SdmUnconfirmedError(
        SdmHttpError('POST /x/action answered 504 Gateway Timeout', 504, '/x/action', transient=True)
    )
    client = ScriptedClient([task('Failed', task_id='ID51')], pending=[['ID51']], sends=[gateway])
    runner = ActionRunner(client, MATCHER)
    with pytest.raises(SdmOutcomeUnknownError) as caught:
        runner.run('ID51', ROLLBACK, confirm=WaitSettings(timeout=0, sleep=2, sleep_max=2))
    assert client.calls == ['read ID51', 'pending', 'send Rollback ID51', 'read ID51']  # timeout 0: one look
    assert (caught.value.status, caught.value.path, caught.value.seen) == (504, '/x/action', 'rollback status Unknown')
    assert 'The Rollback was not sent again. Running the module again is safe' in caught.value.message
    assert runner.sent is True and runner.last_task['rollback_status'] == 'Unknown'


@pytest.mark.parametrize(
    'before, after, shown',
    [
        ('InProgress', 'Cancelled', True),
        ('InProgress', 'Completed', True),
        ('InProgress', 'InProgress', False),
        ('Deploying', 'Deploying', False),
        ('Deploying', 'Halted', True),  # a word nobody knows that changed: it stopped
    ],
    ids=['cancelled', 'ended', 'still-running', 'unknown-word-unchanged', 'unknown-word-changed'],
)
def test_a_lost_cancel_shows_once_the_update_no_longer_runs(before, after, shown):
    client = ScriptedClient([task(before, task_id='ID53'), task(after, task_id='ID53')], sends=[lost()])
    runner = ActionRunner(client, MATCHER)
    if shown:
        assert runner.run('ID53', CANCEL, confirm=CONFIRM).changed is True
        assert runner.confirmed is True
    else:
        with pytest.raises(SdmOutcomeUnknownError, match=r'\(last seen: update status %s\)' % after):
            runner.run('ID53', CANCEL, confirm=CONFIRM)
    assert client.calls.count('send Cancel ID53') == 1


@pytest.mark.parametrize(
    'before, after, shown',
    [
        ('Unknown', 'Unknown', False),
        ('Unknown', 'Pending', True),
        ('', 'Failed', True),
        ('Reverting', 'Reverting', False),
        ('Reverting', 'Reverted2', True),
    ],
    ids=['not-started', 'running', 'finished', 'unknown-word-unchanged', 'unknown-word-changed'],
)
def test_a_lost_rollback_shows_once_the_rollback_status_moved(before, after, shown):
    client = ScriptedClient(
        [task('Failed', before, 'ID51'), task('Failed', after, 'ID51')], pending=[['ID51']], sends=[lost()]
    )
    runner = ActionRunner(client, MATCHER)
    if shown:
        assert runner.run('ID51', ROLLBACK, confirm=CONFIRM).changed is True
    else:
        with pytest.raises(SdmOutcomeUnknownError):
            runner.run('ID51', ROLLBACK, confirm=CONFIRM)
    assert client.calls.count('send Rollback ID51') == 1


def test_reads_that_fail_for_a_while_do_not_end_the_look():
    busy = SdmHttpError('GET /x answered 503 Service Unavailable (gave up after 3 attempts)', 503, '/x', transient=True)
    reads = [task('InProgress', task_id='ID53'), busy, busy, task('Cancelled', task_id='ID53')]
    client = ScriptedClient(reads, sends=[lost()])
    outcome = ActionRunner(client, MATCHER).run('ID53', CANCEL, confirm=CONFIRM)
    assert outcome.changed is True and outcome.task['update_status'] == 'Cancelled'
    assert client.calls.count('send Cancel ID53') == 1


def test_a_read_that_fails_for_good_ends_the_look_as_unknown():
    forbidden = SdmPermissionError('GET /x answered 403 Forbidden', 403, '/x')
    client = ScriptedClient([task('InProgress', task_id='ID53'), forbidden], sends=[lost()])
    with pytest.raises(SdmOutcomeUnknownError) as caught:
        ActionRunner(client, MATCHER).run('ID53', CANCEL, confirm=CONFIRM)
    assert caught.value.seen == 'the last read failed: GET /x answered 403 Forbidden'
    assert client.clock.sleeps == [] and client.calls.count('send Cancel ID53') == 1


def test_without_confirm_settings_the_wait_settings_bound_the_look():
    client = ScriptedClient([task('Completed')], sends=[lost()])
    with pytest.raises(SdmOutcomeUnknownError, match='within 5 seconds'):
        ActionRunner(client, MATCHER).run('ID50', COMMIT, wait=WaitSettings(timeout=5, sleep=5, sleep_max=5))
    assert client.clock.sleeps == [5]


def test_rollback_and_cancel_of_an_unknown_task_fail_with_not_found():
    for action in (ROLLBACK, CANCEL):
        client = ScriptedClient([GONE])
        with pytest.raises(SdmNotFoundError, match='; the %s was not sent$' % action.capitalize()):
            ActionRunner(client, MATCHER).run('ID99', action)
        assert client.calls == ['read ID99']


def test_read_warnings_reach_the_client():
    client = ScriptedClient([task('Deploying', task_id='ID53')])
    ActionRunner(client, MATCHER).run('ID53', CANCEL, check_mode=True)
    assert client.warnings == ['warning about ID53']


# After SDM accepted the action (issue 22): reads that fail for a while never make it "failed" --------------


def unavailable() -> SdmHttpError:
    return SdmHttpError('GET /x answered 503 Service Unavailable (gave up after 4 attempts)', 503, '/x', transient=True)


def test_an_accepted_rollback_rides_out_a_read_that_fails_for_a_while():
    reads = [task('Failed', task_id='ID51'), unavailable(), unavailable(), task('Failed', 'InProgress', 'ID51')]
    client = ScriptedClient(reads, pending=[['ID51']])
    runner = ActionRunner(client, MATCHER)
    outcome = runner.run('ID51', ROLLBACK, confirm=WAIT)
    assert outcome.changed is True and outcome.task['rollback_status'] == 'InProgress'
    assert client.calls.count('send Rollback ID51') == 1
    assert (runner.sent, runner.accepted) == (True, True)
    assert client.clock.sleeps == [2, 3.0]


def test_an_accepted_commit_rides_out_a_pending_list_that_fails_for_a_while():
    client = ScriptedClient([task('Completed'), GONE], pending=[['ID50'], unavailable(), unavailable(), []])
    runner = ActionRunner(client, MATCHER)
    outcome = runner.run('ID50', COMMIT, wait=WAIT)
    assert (outcome.changed, outcome.committed, outcome.task) == (True, True, None)
    assert client.calls.count('send Commit ID50') == 1


def test_an_accepted_commit_that_stays_unreadable_says_its_confirmation_is_pending():
    client = ScriptedClient([task('Completed')], pending=[['ID50'], unavailable()])
    runner = ActionRunner(client, MATCHER)
    with pytest.raises(SdmWaitTimeout) as caught:
        runner.run('ID50', COMMIT, wait=WaitSettings(timeout=10, sleep=2, sleep_max=5))
    assert (runner.sent, runner.accepted, runner.confirmed) == (True, True, False)
    assert caught.value.message.endswith(
        '(the last read failed: GET /x answered 503 Service Unavailable (gave up after 4 attempts)); SDM accepted the '
        'Commit of route update task ID50 before that, so its confirmation is pending'
    )
    assert client.calls.count('send Commit ID50') == 1


def test_an_accepted_rollback_whose_read_fails_for_good_keeps_what_is_known():
    forbidden = SdmPermissionError('GET /x answered 403 Forbidden', 403, '/x')
    client = ScriptedClient([task('Failed', task_id='ID51'), forbidden], pending=[['ID51']])
    runner = ActionRunner(client, MATCHER)
    with pytest.raises(SdmPermissionError, match='so its confirmation is pending$'):
        runner.run('ID51', ROLLBACK, confirm=WAIT)
    assert (runner.sent, runner.accepted) == (True, True) and client.clock.sleeps == []

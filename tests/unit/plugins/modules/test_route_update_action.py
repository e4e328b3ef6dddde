# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module route_update_action with a scripted client.

The module runs for real (argument parsing, no_log, exit_json/fail_json through the glue); only the
client is replaced, so every answer SDM can give is scripted where the real client would see it.
"""

from __future__ import annotations

from typing import Any, Dict, List, NoReturn, Optional

import pytest
import yaml

from ansible_collections.ocsdm.route_manager.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.ocsdm.route_manager.plugins.module_utils import _argspec
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import (
    SdmActionRefusedError,
    SdmAuthError,
    SdmHttpError,
    SdmTransportError,
    SdmUnconfirmedError,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._normalise import normalise_task
from ansible_collections.ocsdm.route_manager.plugins.modules import route_update_action
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.modules import module_helpers
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.modules.module_helpers import (
    CONNECTION,
    PASSWORD,
    TASKS_PATH,
    FakeClientBase,
    client,
    option_facts,
    warnings_of,
)

GONE = 'gone'  # a read answered 404


def raw(update: str = 'Completed', rollback: str = 'Unknown') -> Dict[str, Any]:
    """A decoded SDM answer with one device (JSON style: strings only)."""
    return {
        'updateStatus': update,
        'rollbackStatus': rollback,
        'errorHandling': 'rollback',
        'rollbackCount': '0',
        'totalDeviceCount': '1',
        'updatedCount': '1',
        'deviceStatusList': [
            {'objectId': 'D1', 'deviceGroupId': 'ID11', 'status': 'Completed', 'rollBackStatus': rollback}
        ],
    }


def fail_with(error: BaseException) -> NoReturn:
    """Raise a scripted error (a function, so that linters do not take the script's None for what is raised)."""
    raise error


class FakeClient(FakeClientBase):
    """Stands in for SdmClient: scripted reads, pending lists and action answers (the last one repeats)."""

    def __init__(
        self,
        config: Any,
        reads: Optional[List[Any]] = None,
        pending: Optional[List[List[str]]] = None,
        sends: Optional[List[Any]] = None,
        login_error: Optional[BaseException] = None,
    ) -> None:
        super().__init__(config, login_error=login_error)
        self.reads = list(reads or [raw()])
        self.pending = list(pending or [['ID50']])
        self.sends = list(sends or [None])
        self.sent: List[str] = []

    @staticmethod
    def _next(script: List[Any]) -> Any:
        return script.pop(0) if len(script) > 1 else script[0]

    def read_task(self, task_id: str, matcher: Any, deadline: Any = None) -> Any:
        answer = self._next(self.reads)
        if answer == GONE:
            raise self.not_found(task_id)
        return normalise_task(answer, task_id, matcher)

    def list_pending_task_ids(self, deadline: Any = None) -> List[str]:
        return list(self._next(self.pending))

    def send_action(self, task_id: str, action: str, deadline: Any = None) -> None:
        self.sent.append('%s %s' % (action, task_id))
        error = self._next(self.sends)  # None: accepted
        if error is not None:
            fail_with(error)


def run_module(capsys, args: Dict[str, Any]) -> Any:
    """Run route_update_action.main(); returns (exit code, parsed result, raw stdout)."""
    return module_helpers.run_module(route_update_action, capsys, args)


def args(**kwargs: Any) -> Dict[str, Any]:
    return dict(CONNECTION, **kwargs)


# --- argument spec and documentation ------------------------------------------------------------


def test_documentation_matches_the_argument_spec():
    documented = yaml.safe_load(route_update_action.DOCUMENTATION)['options']
    documented.update(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options'])
    documented.update(yaml.safe_load(ModuleDocFragment.STATES)['options'])
    documented.update(yaml.safe_load(ModuleDocFragment.POLLING)['options'])
    spec = _argspec.connection_spec()
    spec.update(route_update_action.argument_spec())
    assert option_facts(documented) == option_facts(spec)


def test_wait_and_state_options_come_from_the_glue():
    waits = dict(_argspec.wait_spec(), **_argspec.polling_spec())
    waits.update(_argspec.states_spec())
    spec = route_update_action.argument_spec()
    for name in (
        'wait',
        'wait_timeout',
        'wait_sleep',
        'wait_sleep_max',
        'success_states',
        'failure_states',
        'rollback_success_states',
        'rollback_failure_states',
    ):
        assert spec[name] == waits[name], name
    assert 'wait_for' not in spec and 'fail_on_timeout' not in spec


def test_the_examples_and_return_values_are_yaml():
    assert isinstance(yaml.safe_load(route_update_action.EXAMPLES), list)
    returned = yaml.safe_load(route_update_action.RETURN)
    assert {'action', 'task_id', 'msg', 'route_update', 'committed', 'elapsed'} <= set(returned)


# --- successful runs ----------------------------------------------------------------------------


def test_commit_sends_and_reports_the_task_gone(fake_client, capsys):
    fake_client(reads=[raw('Completed'), GONE])
    code, result, _out = run_module(capsys, args(task_id='ID50', action='commit'))
    assert code == 0
    assert client().sent == ['Commit ID50']
    assert result['changed'] is True
    assert (result['action'], result['task_id'], result['route_update'], result['committed']) == (
        'commit',
        'ID50',
        None,
        True,
    )
    assert result['msg'] == 'SDM accepted the Commit of route update task ID50.'
    assert isinstance(result['elapsed'], float)
    assert (client().logins, client().logouts) == (1, 1)
    assert 'warnings' not in result


@pytest.mark.parametrize('spelling', ['Rollback', 'ROLLBACK', 'rollback'])
def test_the_action_is_read_in_any_letter_case(fake_client, capsys, spelling):
    fake_client(reads=[raw('Failed'), raw('Failed', 'InProgress')])
    code, result, _out = run_module(capsys, args(task_id='ID50', action=spelling))
    assert code == 0
    assert result['action'] == 'rollback' and client().sent == ['Rollback ID50']
    assert result['route_update']['rollback_status'] == 'InProgress'
    assert 'committed' not in result


def test_rollback_waits_for_its_result(fake_client, capsys):
    fake_client(reads=[raw('Failed'), raw('Failed', 'InProgress'), raw('Failed', 'Completed')])
    code, result, _out = run_module(
        capsys, args(task_id='ID50', action='rollback', wait=True, wait_sleep=2, wait_sleep_max=2)
    )
    assert code == 0
    assert result['route_update']['rollback_succeeded'] is True
    assert client().clock.sleeps == [2.0]


def test_a_commit_already_done_is_not_a_change(fake_client, capsys):
    # SDM keeps committed tasks readable here: the task has left the pending list.
    fake_client(reads=[raw('Completed')], pending=[['ID9']])
    code, result, _out = run_module(capsys, args(task_id='ID50', action='commit', wait=True))
    assert code == 0
    assert (result['changed'], result['committed'], result['route_update']['update_status']) == (
        False,
        True,
        'Completed',
    )
    assert result['msg'] == 'Route update task ID50 is already committed: it is no longer in the pending list.'
    assert client().sent == []


def test_a_commit_of_a_task_sdm_does_not_know_fails_naming_it(fake_client, capsys):
    fake_client(reads=[GONE])
    code, result, _out = run_module(capsys, args(task_id='ID333', action='commit', wait=True))
    assert code == 1
    assert result['msg'] == (
        "Route update task 'ID333' was not found on SDM sdm.example.com:8443. Check the task id; a committed task "
        "leaves the pending list. Details: route update task ID333 not found (GET %s/ID333 answered 404 Not Found); "
        "the Commit was not sent." % TASKS_PATH
    )
    assert (result['changed'], result['status'], result['route_update']) == (False, 404, None)
    assert 'committed' not in result and client().sent == []


def test_check_mode_predicts_without_sending(fake_client, capsys):
    fake_client(reads=[raw('Completed')])
    code, result, _out = run_module(capsys, args(task_id='ID50', action='commit', wait=True, _ansible_check_mode=True))
    assert code == 0
    assert (result['changed'], result['committed']) == (True, False)
    assert result['route_update']['update_status'] == 'Completed'
    assert result['msg'] == 'Check mode: the Commit of route update task ID50 would be sent.'
    assert client().sent == [] and client().clock.sleeps == []


def test_custom_state_words_drive_the_decision(fake_client, capsys):
    fake_client(reads=[raw('Done')])
    code, result, _out = run_module(capsys, args(task_id='ID50', action='cancel', success_states=['done']))
    assert code == 0
    assert result['changed'] is False and client().sent == []
    assert (
        result['msg'] == 'Route update task ID50 has already finished (update status Done): there is nothing to cancel.'
    )


def test_a_lost_answer_with_the_action_visible_is_a_change_with_a_warning(fake_client, capsys):
    lost = SdmUnconfirmedError(
        SdmTransportError('POST %s/ID50/action failed: no answer within 30 seconds' % TASKS_PATH)
    )
    fake_client(reads=[raw('Completed'), GONE], pending=[['ID50'], ['ID50'], []], sends=[lost])
    code, result, _out = run_module(capsys, args(task_id='ID50', action='commit', wait_timeout=20, wait_sleep=4))
    assert code == 0
    assert result['changed'] is True and result['committed'] is True
    assert result['msg'] == 'The Commit of route update task ID50 took effect, although its answer was lost.'
    assert warnings_of(result) == [
        'the answer to the Commit of route update task ID50 was lost (POST %s/ID50/action failed: no answer '
        'within 30 seconds), but the task shows that it took effect: it is no longer in the pending list. '
        'The Commit was not sent again' % TASKS_PATH
    ]
    # wait=false: the look for the effect still follows wait_timeout and wait_sleep
    assert client().sent == ['Commit ID50'] and client().clock.sleeps == [4.0]


def test_a_lost_answer_whose_effect_never_shows_is_a_failed_change(fake_client, capsys):
    path = TASKS_PATH + '/ID51/action'
    lost = SdmUnconfirmedError(SdmHttpError('POST %s answered 504 Gateway Timeout' % path, 504, path, transient=True))
    fake_client(reads=[raw('Failed')], pending=[['ID51']], sends=[lost])
    code, result, _out = run_module(
        capsys, args(task_id='ID51', action='rollback', wait_timeout=6, wait_sleep=2, wait_sleep_max=2)
    )
    assert code == 1
    assert result['msg'] == (
        'The outcome of the Rollback of route update task ID51 is unknown: its answer was lost (POST %s answered 504 Gateway Timeout), '
        'and within 6 seconds the task did not show that it took effect (last seen: rollback status Unknown). The Rollback was not sent '
        'again. Running the module again is safe: it reads the task first and sends the Rollback only if it is still needed.'
        % path
    )
    assert (result['changed'], result['status'], result['url_path']) == (True, 504, path)
    assert result['route_update']['rollback_status'] == 'Unknown'
    assert client().sent == ['Rollback ID51'] and client().clock.sleeps == [2.0, 2.0, 2.0]
    assert (client().logins, client().logouts) == (1, 1)


# --- failures -----------------------------------------------------------------------------------


def test_an_action_the_state_does_not_allow_fails_before_sending(fake_client, capsys):
    fake_client(reads=[raw('InProgress')])
    code, result, _out = run_module(capsys, args(task_id='ID53', action='rollback'))
    assert code == 1 and result['failed'] is True
    assert result['msg'] == (
        'Cannot roll back route update task ID53 while its update is still running (InProgress); '
        'SDM rolls back only a finished update. Wait for it to finish, or stop it with action=cancel. '
        'Nothing was sent to SDM.'
    )
    assert result['changed'] is False
    assert (result['action'], result['task_id'], result['route_update']['update_status']) == (
        'rollback',
        'ID53',
        'InProgress',
    )
    assert 'status' not in result and 'exception' not in result
    assert client().sent == [] and (client().logins, client().logouts) == (1, 1)


def test_a_refusal_by_sdm_quotes_its_reason(fake_client, capsys):
    path = TASKS_PATH + '/ID56/action'
    refusal = SdmActionRefusedError(
        'Rollback',
        'ID56',
        'Task ID56: cannot be rolled back while its update is Deploying',
        'POST %s answered 400 Bad Request' % path,
        400,
        path,
    )
    fake_client(reads=[raw('Deploying')], pending=[['ID56']], sends=[refusal])
    code, result, _out = run_module(capsys, args(task_id='ID56', action='rollback'))
    assert code == 1
    assert result['msg'] == (
        'SDM refused the Rollback of route update task ID56: Task ID56: cannot be rolled back while its update '
        'is Deploying (POST %s answered 400 Bad Request). SDM did not act on the task.' % path
    )
    assert (result['status'], result['url_path'], result['changed']) == (400, path, False)
    assert result['route_update']['update_status'] == 'Deploying'
    assert any("unknown update status 'Deploying'" in warning for warning in warnings_of(result))


def test_a_wait_timeout_after_sending_is_a_failed_change(fake_client, capsys):
    fake_client(reads=[raw('Failed'), raw('Failed', 'InProgress')], pending=[['ID51']])
    code, result, _out = run_module(
        capsys, args(task_id='ID51', action='rollback', wait=True, wait_timeout=4, wait_sleep=2)
    )
    assert code == 1
    assert result['msg'].startswith(
        'Timed out after 4 seconds waiting for the rollback of 1 of 1 route update task to finish'
    )
    assert result['changed'] is True  # the rollback was accepted: the failure must not hide the change
    assert result['timed_out'] is True
    assert result['route_updates'][0]['rollback_status'] == 'InProgress'
    assert result['route_update']['rollback_status'] == 'InProgress'
    assert (client().logins, client().logouts) == (1, 1)


def test_an_unknown_task_is_named(fake_client, capsys):
    fake_client(reads=[GONE])
    code, result, _out = run_module(capsys, args(task_id='ID99', action='cancel'))
    assert code == 1
    assert result['msg'].startswith("Route update task 'ID99' was not found on SDM sdm.example.com:8443")
    assert (result['status'], result['route_update'], result['changed']) == (404, None, False)


def test_a_login_failure_goes_through_the_glue(fake_client, capsys):
    fake_client(login_error=SdmAuthError('login refused', 401, '/rest/v1.3/admin/login', login=True))
    code, result, out = run_module(capsys, args(task_id='ID50', action='commit'))
    assert code == 1
    assert result['msg'].startswith("Authentication failed for user 'automation' at SDM sdm.example.com:8443")
    assert PASSWORD not in out


def test_no_secret_and_no_traceback_in_a_failure(fake_client, capsys):
    refusal = SdmActionRefusedError(
        'Commit',
        'ID50',
        'password=%s' % PASSWORD,
        'POST %s/ID50/action answered 400 Bad Request' % TASKS_PATH,
        400,
        TASKS_PATH + '/ID50/action',
    )
    fake_client(reads=[raw('Completed')], sends=[refusal])
    code, result, out = run_module(capsys, args(task_id='ID50', action='commit'))
    assert code == 1
    assert PASSWORD not in out
    assert 'exception' not in result and 'Traceback' not in out


def test_a_password_echoed_escaped_is_hidden_in_the_message(fake_client, capsys):
    """no_log hides only the plain password; the glue hides the forms a server may echo too."""
    password = 'Odd "pass" & <wörd>/'
    escaped = [
        'Odd \\"pass\\" & <w\\u00f6rd>\\/',
        'Odd &quot;pass&quot; &amp; &lt;w&#246;rd&gt;/',
        'Odd%20%22pass%22%20%26%20%3Cw%C3%B6rd%3E%2F',
    ]
    refusal = SdmActionRefusedError(
        'Commit',
        'ID50',
        ' | '.join(escaped),
        'POST %s/ID50/action answered 400 Bad Request' % TASKS_PATH,
        400,
        TASKS_PATH + '/ID50/action',
    )
    fake_client(reads=[raw('Completed')], sends=[refusal])
    code, result, out = run_module(capsys, dict(args(task_id='ID50', action='commit'), password=password))
    assert code == 1
    assert result['msg'].startswith('SDM refused the Commit of route update task ID50: ******** | ******** | ********')
    for form in escaped + [password]:
        assert form not in out


@pytest.mark.parametrize(
    'extra, message',
    [
        # the module's choices (ansible-doc shows them), checked by Ansible before the module runs
        (
            dict(task_id='ID50', action='delete'),
            'value of action must be one of: commit, rollback, cancel, Commit, Rollback, Cancel, COMMIT, ROLLBACK, CANCEL, got: delete',
        ),
        (dict(task_id='  ', action='commit'), 'task_id must not be empty'),
        (dict(task_id='ID50', action='commit', wait_sleep=0), 'wait_sleep must be greater than 0, got 0.0'),
        (dict(task_id='ID50', action='commit', wait_timeout=-1), 'wait_timeout must not be negative, got -1'),
    ],
)
def test_bad_arguments_fail_before_connecting(fake_client, capsys, extra, message):
    fake_client()
    code, result, _out = run_module(capsys, args(**extra))
    assert code == 1
    assert result['msg'] == message
    assert FakeClient.instances == []


def test_required_options(fake_client, capsys):
    fake_client()
    code, result, _out = run_module(capsys, dict(CONNECTION))
    assert code == 1
    assert result['msg'] == 'missing required arguments: action, task_id'

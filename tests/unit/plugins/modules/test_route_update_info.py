# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module glue (plugins/module_utils/_sdm_module.py, with the specs of _argspec.py) and the module route_update_info, with a fake client.

The module runs for real (argument parsing, no_log masking, exit_json/fail_json); only the client is
replaced, so every SdmError subclass can be raised where the real client would raise it.
"""

from __future__ import annotations

import socket
import ssl
from typing import Any, Dict, List, Optional

import pytest
import yaml

from ansible.module_utils import basic

from ansible_collections.ocsdm.route_manager.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.ocsdm.route_manager.plugins.module_utils import _argspec, _sdm_module
from ansible_collections.ocsdm.route_manager.plugins.module_utils._sdm_api import host_port
from ansible_collections.ocsdm.route_manager.plugins.module_utils._secrets import hide_session_cookies
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import (
    SdmAuthError,
    SdmBadAnswerError,
    SdmError,
    SdmHttpError,
    SdmInputError,
    SdmNotFoundError,
    SdmPermissionError,
    SdmTransportError,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._normalise import normalise_task
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import (
    DEFAULT_FAILURE_STATES,
    DEFAULT_ROLLBACK_FAILURE_STATES,
    DEFAULT_ROLLBACK_SUCCESS_STATES,
    DEFAULT_SUCCESS_STATES,
)
from ansible_collections.ocsdm.route_manager.plugins.modules import route_update_info
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.modules import module_helpers
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.modules.module_helpers import (
    CONNECTION,
    PASSWORD,
    TASKS_PATH,
    URL,
    FakeClientBase,
    client,
    option_facts,
    warnings_of,
)

SESSION = 'F00DFACE1234567890.tomcat1'
LOGIN_PATH = '/rest/v1.3/admin/login'


def raw_task(status: str, devices: int = 1, failed: int = 0, rollback: str = 'Unknown') -> Dict[str, Any]:
    """A decoded SDM answer (JSON style: every scalar a string); the first ``failed`` devices failed, the others
    have the task's status (or Completed when some failed)."""
    good = 'Completed' if failed else status
    device_list = []
    for index in range(devices):
        bad = index < failed
        device_list.append(
            {
                'deviceGroupId': 'ID11',
                'objectId': 'D%d' % index,
                'routeSetId': '2',
                'status': 'Failed' if bad else good,
                'pushStatus': 'Failed' if bad else good,
                'rollBackStatus': rollback,
                'updateFailureMsg': 'push failed' if bad else '',
                'preUpdateVersion': '0',
                'updateVersion': '1',
            }
        )
    return {
        'updateStatus': status,
        'errorHandling': 'rollback',
        'rollbackCount': '0',
        'rollbackStatus': rollback,
        'totalDeviceCount': str(devices),
        'updatedCount': str(devices - failed),
        'deviceStatusList': device_list,
    }


class FakeClient(FakeClientBase):
    """Stands in for SdmClient: scripted task answers, pending list and errors; the session is FakeClientBase's."""

    def __init__(
        self,
        config: Any,
        answers: Optional[Dict[str, List[Any]]] = None,
        pending: Optional[List[str]] = None,
        login_error: Optional[BaseException] = None,
        warnings: Optional[List[str]] = None,
    ) -> None:
        super().__init__(config, login_error=login_error, warnings=warnings)
        self.answers = answers or {}
        self.pending = pending if pending is not None else sorted(self.answers)
        self.reads: List[str] = []

    def list_pending_task_ids(self, deadline: Any = None) -> List[str]:
        return list(self.pending)

    def read_task(self, task_id: str, matcher: Any, deadline: Any = None) -> Any:
        self.reads.append(task_id)
        script = self.answers.get(task_id)
        if script is None:
            raise self.not_found(task_id)
        answer = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(answer, BaseException):
            raise answer
        return normalise_task(answer, task_id, matcher)


def run_module(capsys, args: Dict[str, Any]) -> Any:
    """Run route_update_info.main(); returns (exit code, parsed result, raw stdout)."""
    return module_helpers.run_module(route_update_info, capsys, args)


# --- argument spec and documentation ------------------------------------------------------------


def test_connection_argument_spec_options_and_env_fallbacks():
    spec = _argspec.connection_spec()
    assert sorted(spec) == [
        'api_version',
        'body_format',
        'ca_path',
        'password',
        'record_dir',
        'record_placeholders',
        'request_timeout',
        'url',
        'username',
        'validate_certs',
    ]
    assert spec['password']['no_log'] is True
    assert not any(option.get('no_log') for name, option in spec.items() if name != 'password')
    assert spec['validate_certs'] == {
        'type': 'bool',
        'default': True,
        'fallback': (basic.env_fallback, ['SDM_VALIDATE_CERTS']),
    }
    assert spec['ca_path']['type'] == 'path'
    assert spec['request_timeout'] == {'type': 'float', 'default': 30.0}
    assert spec['api_version'] == {'type': 'str', 'default': 'v1.3'}
    assert spec['body_format'] == {'type': 'str', 'default': 'xml', 'choices': ['xml', 'json']}
    # recording (issue 15): off unless a folder is given
    assert spec['record_dir'] == {'type': 'path', 'fallback': (basic.env_fallback, ['SDM_RECORD_DIR'])}
    assert spec['record_placeholders'] == {
        'type': 'bool',
        'default': False,
        'fallback': (basic.env_fallback, ['SDM_RECORD_PLACEHOLDERS']),
    }
    fallbacks = dict((name, option['fallback'][1]) for name, option in spec.items() if 'fallback' in option)
    assert fallbacks == {
        'url': ['SDM_URL'],
        'username': ['SDM_USERNAME'],
        'password': ['SDM_PASSWORD'],
        'validate_certs': ['SDM_VALIDATE_CERTS'],
        'ca_path': ['SDM_CA_PATH'],
        'record_dir': ['SDM_RECORD_DIR'],
        'record_placeholders': ['SDM_RECORD_PLACEHOLDERS'],
    }


def test_argument_specs_are_copies():
    _argspec.connection_spec()['url']['required'] = False
    _argspec.states_spec()['success_states']['default'].append('Done')
    assert _argspec.connection_spec()['url']['required'] is True
    assert 'Done' not in _argspec.states_spec()['success_states']['default']


def test_wait_spec_defaults_are_the_client_defaults():
    spec = dict(_argspec.wait_spec(), **_argspec.states_spec())
    assert spec['success_states']['default'] == list(DEFAULT_SUCCESS_STATES)
    assert spec['failure_states']['default'] == list(DEFAULT_FAILURE_STATES)
    assert spec['rollback_success_states']['default'] == list(DEFAULT_ROLLBACK_SUCCESS_STATES)
    assert spec['rollback_failure_states']['default'] == list(DEFAULT_ROLLBACK_FAILURE_STATES)
    assert spec['wait_timeout'] == {'type': 'int', 'default': 600}
    assert spec['fail_on_timeout'] == {'type': 'bool', 'default': True}


@pytest.mark.parametrize('fragment, builder', sorted(_argspec.FRAGMENT_SPECS.items()))
def test_doc_fragments_document_the_argument_specs(fragment, builder):
    options = yaml.safe_load(getattr(ModuleDocFragment, fragment))['options']
    spec = builder()
    assert option_facts(options) == option_facts(spec)
    for name, option in spec.items():
        for variable in option.get('fallback', (None, []))[1]:
            assert 'E(%s)' % variable in ' '.join(options[name]['description']), name


def test_every_doc_fragment_has_its_argument_spec():
    fragments = [name for name in vars(ModuleDocFragment) if name.isupper()]
    assert sorted(fragments) == sorted(_argspec.FRAGMENT_SPECS)
    documented = [
        option for name in fragments for option in yaml.safe_load(getattr(ModuleDocFragment, name))['options']
    ]
    assert len(documented) == len(set(documented)), 'an option documented in two fragments'


# --- successful runs ----------------------------------------------------------------------------


def test_an_empty_task_id_list_reads_nothing(fake_client, capsys):
    fake_client(answers={})
    code, result, _out = run_module(capsys, dict(CONNECTION, task_id=[]))
    assert code == 0
    assert result['route_updates'] == [] and result['polls'] == 0
    assert result['ansible_facts'] == {'sdm_route_updates': {}}


def test_read_tasks_result_and_facts(fake_client, capsys):
    fake_client(answers={'ID33': [raw_task('Completed')], 'ID40': [raw_task('Failed', devices=2, failed=1)]})
    code, result, _out = run_module(capsys, dict(CONNECTION, task_id=['ID33', 'ID40', 'ID33']))
    assert code == 0
    assert result['changed'] is False
    assert 'failed' not in result or result['failed'] is False
    assert [task['task_id'] for task in result['route_updates']] == ['ID33', 'ID40']
    assert result['ansible_facts'] == {
        'sdm_route_updates': {'ID33': result['route_updates'][0], 'ID40': result['route_updates'][1]}
    }
    id33, id40 = result['route_updates']
    assert (id33['finished'], id33['succeeded'], id33['updated_count']) == (True, True, 1)
    assert (id40['finished'], id40['succeeded'], [d['object_id'] for d in id40['failed_devices']]) == (
        True,
        False,
        ['D0'],
    )
    assert result['polls'] == 1
    assert result['timed_out'] is False
    assert isinstance(result['elapsed'], float)
    assert 'warnings' not in result
    assert (client().logins, client().logouts) == (1, 1)
    assert client().config.password == PASSWORD
    assert client().config.url == URL


def test_without_task_id_reads_every_pending_task(fake_client, capsys):
    fake_client(answers={'ID5': [raw_task('InProgress')], 'ID7': [raw_task('Completed')]}, pending=['ID7', 'ID5'])
    code, result, _out = run_module(capsys, dict(CONNECTION))
    assert code == 0
    assert [task['task_id'] for task in result['route_updates']] == ['ID7', 'ID5']
    assert sorted(result['ansible_facts']['sdm_route_updates']) == ['ID5', 'ID7']
    assert result['timed_out'] is False


def test_no_pending_task_gives_an_empty_result(fake_client, capsys):
    fake_client(answers={}, pending=[])
    code, result, _out = run_module(capsys, dict(CONNECTION, wait=True))
    assert code == 0
    assert (result['route_updates'], result['polls'], result['timed_out']) == ([], 0, False)
    assert result['ansible_facts'] == {'sdm_route_updates': {}}
    assert (client().logins, client().logouts) == (1, 1)


def test_read_without_wait_returns_running_tasks_at_once(fake_client, capsys):
    fake_client(answers={'ID5': [raw_task('InProgress'), raw_task('Completed')]})
    code, result, _out = run_module(capsys, dict(CONNECTION, task_id=['ID5']))
    assert code == 0
    assert result['route_updates'][0]['update_status'] == 'InProgress'
    assert (result['polls'], result['timed_out']) == (1, False)
    assert client().clock.sleeps == []


def test_wait_polls_until_finished(fake_client, capsys):
    fake_client(answers={'ID5': [raw_task('Pending'), raw_task('InProgress'), raw_task('Completed')]})
    code, result, _out = run_module(
        capsys, dict(CONNECTION, task_id=['ID5'], wait=True, wait_sleep=2, wait_sleep_max=3)
    )
    assert code == 0
    assert result['route_updates'][0]['succeeded'] is True
    assert result['polls'] == 3
    assert client().clock.sleeps == [2.0, 3.0]
    assert (client().logins, client().logouts) == (1, 1)


def test_wait_for_rollback(fake_client, capsys):
    fake_client(
        answers={
            'ID9': [
                raw_task('Failed', failed=1, rollback='InProgress'),
                raw_task('Failed', failed=1, rollback='RolledBack'),
            ]
        }
    )
    code, result, _out = run_module(
        capsys, dict(CONNECTION, task_id=['ID9'], wait=True, wait_for='rollback', wait_sleep=1)
    )
    assert code == 0
    task = result['route_updates'][0]
    assert (task['succeeded'], task['rollback_finished'], task['rollback_succeeded']) == (False, True, True)
    assert result['polls'] == 2


def test_custom_state_words_and_unknown_word_warning(fake_client, capsys):
    fake_client(answers={'ID5': [raw_task('Frobnicating'), raw_task('Done')]})
    code, result, _out = run_module(
        capsys, dict(CONNECTION, task_id=['ID5'], wait=True, wait_sleep=1, success_states=['done'])
    )
    assert code == 0
    assert result['route_updates'][0]['succeeded'] is True
    assert len([warning for warning in warnings_of(result) if "unknown update status 'Frobnicating'" in warning]) == 1


def test_check_mode_reads_like_a_normal_run(fake_client, capsys):
    fake_client(answers={'ID33': [raw_task('Completed')]})
    code, result, _out = run_module(capsys, dict(CONNECTION, task_id=['ID33'], _ansible_check_mode=True))
    assert code == 0
    assert result['changed'] is False
    assert result['route_updates'][0]['task_id'] == 'ID33'


def test_connection_from_environment(fake_client, capsys, monkeypatch, tmp_path):
    ca = tmp_path / 'ca.pem'
    ca.write_text('not used by the fake client')
    monkeypatch.setenv('SDM_URL', 'https://env.example.com')
    monkeypatch.setenv('SDM_USERNAME', 'env-user')
    monkeypatch.setenv('SDM_PASSWORD', 'Env-Pa55word!')
    monkeypatch.setenv('SDM_CA_PATH', str(ca))
    monkeypatch.setenv('SDM_VALIDATE_CERTS', 'false')
    fake_client(answers={'ID33': [raw_task('Completed')]})
    code, result, _out = run_module(capsys, dict(task_id=['ID33'], username='explicit-user'))
    assert code == 0
    config = client().config
    assert (config.url, config.username, config.password, config.ca_path, config.validate_certs) == (
        'https://env.example.com',
        'explicit-user',
        'Env-Pa55word!',
        str(ca),
        False,
    )
    assert warnings_of(result) == [
        'validate_certs is false: the TLS certificate of SDM at env.example.com:443 is not verified. '
        'Use ca_path to trust a private certification authority instead.'
    ]


@pytest.mark.parametrize(
    'args, environment, expected',
    [
        ({}, {}, (None, False)),
        ({'record_dir': '/var/tmp/rec', 'record_placeholders': True}, {}, ('/var/tmp/rec', True)),
        ({}, {'SDM_RECORD_DIR': '/var/tmp/from-env', 'SDM_RECORD_PLACEHOLDERS': 'yes'}, ('/var/tmp/from-env', True)),
    ],
)
def test_recording_options_reach_the_client(fake_client, capsys, monkeypatch, args, environment, expected):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    fake_client(answers={'ID33': [raw_task('Completed')]})
    code, _result, _out = run_module(capsys, dict(CONNECTION, task_id=['ID33'], **args))
    assert code == 0
    assert (client().config.record_dir, client().config.record_placeholders) == expected


def test_client_warnings_reach_the_result_once(fake_client, capsys):
    logout = 'logout failed, the session stays open on the server until it expires: boom'
    fake_client(answers={'ID33': [raw_task('Completed')]}, warnings=[logout, logout])
    code, result, _out = run_module(capsys, dict(CONNECTION, task_id=['ID33'], validate_certs=False))
    assert code == 0
    assert warnings_of(result).count(logout) == 1
    assert len([warning for warning in warnings_of(result) if warning.startswith('validate_certs is false')]) == 1


# --- timeouts -----------------------------------------------------------------------------------


def test_wait_timeout_fails_with_the_last_state(fake_client, capsys):
    fake_client(answers={'ID5': [raw_task('InProgress')]})
    code, result, _out = run_module(
        capsys, dict(CONNECTION, task_id=['ID5'], wait=True, wait_timeout=10, wait_sleep=4, wait_sleep_max=4)
    )
    assert code == 1
    assert result['failed'] is True
    assert result['msg'].startswith(
        'Timed out after 10 seconds waiting for the update of 1 of 1 route update task to finish: ID5 (status InProgress)'
    )
    assert result['msg'].endswith('The last state of every task is in route_updates.')
    assert result['timed_out'] is True
    assert result['route_updates'][0]['update_status'] == 'InProgress'
    assert result['polls'] == 4
    assert client().clock.sleeps == [4.0, 4.0, 2.0]
    assert (client().logins, client().logouts) == (1, 1)


def test_wait_timeout_returns_when_fail_on_timeout_is_false(fake_client, capsys):
    fake_client(answers={'ID5': [raw_task('InProgress')], 'ID6': [raw_task('Completed')]})
    code, result, _out = run_module(
        capsys, dict(CONNECTION, task_id=['ID5', 'ID6'], wait=True, wait_timeout=3, wait_sleep=1, fail_on_timeout=False)
    )
    assert code == 0
    assert result['timed_out'] is True
    assert [task['update_status'] for task in result['route_updates']] == ['InProgress', 'Completed']
    assert result['ansible_facts']['sdm_route_updates']['ID5']['finished'] is False
    assert 'msg' not in result


# --- failures: one fail_json with a message naming the cause -------------------------------------


def _with_context(error: SdmError, cause: BaseException) -> SdmError:
    error.__context__ = cause
    return error


FAILURES = [
    pytest.param(
        SdmAuthError(
            "login refused for user 'automation': wrong user name or password (POST %s answered 401 Unauthorized)"
            % LOGIN_PATH,
            401,
            LOGIN_PATH,
            login=True,
        ),
        "Authentication failed for user 'automation' at SDM sdm.example.com:8443. Check username and password. Details: login refused",
        401,
        LOGIN_PATH,
        id='wrong-password',
    ),
    pytest.param(
        SdmAuthError('session refused', 401, TASKS_PATH + '/ID5'),
        # Not "check username and password" (found by the reliability suite): the login itself worked.
        "SDM sdm.example.com:8443 refused the session of user 'automation' right after a fresh login (HTTP 401 at %s/ID5). "
        "The login works, but SDM does not accept its session" % TASKS_PATH,
        401,
        TASKS_PATH + '/ID5',
        id='session-refused-after-relogin',
    ),
    pytest.param(
        SdmPermissionError('GET %s/ID5 answered 403 Forbidden' % TASKS_PATH, 403, TASKS_PATH + '/ID5'),
        "User 'automation' lacks route-management rights on SDM sdm.example.com:8443. Give the user a group",
        403,
        TASKS_PATH + '/ID5',
        id='forbidden',
    ),
    pytest.param(
        SdmNotFoundError('GET answered 404 Not Found', 404, TASKS_PATH + '/ID%2F99', task_id='ID/99'),
        "Route update task 'ID/99' was not found on SDM sdm.example.com:8443 (HTTP 404 at %s/ID%%2F99)" % TASKS_PATH,
        404,
        TASKS_PATH + '/ID%2F99',
        id='unknown-task',
    ),
    pytest.param(
        SdmNotFoundError('the login URL does not exist', 404, LOGIN_PATH, api=True),
        "SDM at sdm.example.com:8443 has no REST API version 'v1.3' (HTTP 404 at %s). Check api_version and url"
        % LOGIN_PATH,
        404,
        LOGIN_PATH,
        id='unknown-api-version',
    ),
    pytest.param(
        _with_context(
            SdmTransportError('POST %s failed: cannot connect' % LOGIN_PATH, path=LOGIN_PATH),
            ConnectionRefusedError(111, 'refused'),
        ),
        'Cannot reach SDM at sdm.example.com:8443: connection refused. Details: POST',
        None,
        LOGIN_PATH,
        id='connection-refused',
    ),
    pytest.param(
        _with_context(
            SdmTransportError('POST failed', path=LOGIN_PATH), socket.gaierror(-2, 'Name or service not known')
        ),
        'Cannot reach SDM at sdm.example.com:8443: host name not resolved.',
        None,
        LOGIN_PATH,
        id='unknown-host',
    ),
    pytest.param(
        SdmTransportError(
            'GET %s/ID5 failed: no answer from sdm.example.com:8443 within 30.0 seconds' % TASKS_PATH,
            path=TASKS_PATH + '/ID5',
        ),
        'Cannot reach SDM at sdm.example.com:8443. Details: GET',
        None,
        TASKS_PATH + '/ID5',
        id='read-timeout',
    ),
    pytest.param(
        _with_context(
            SdmTransportError('TLS connection failed', path=LOGIN_PATH),
            ssl.SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed'),
        ),
        'TLS certificate verification failed for SDM at sdm.example.com:8443. Set ca_path to the PEM file',
        None,
        LOGIN_PATH,
        id='untrusted-certificate',
    ),
    pytest.param(
        SdmBadAnswerError(
            'GET %s/ID5 answered 200 with an unusable body: not XML' % TASKS_PATH, 200, TASKS_PATH + '/ID5'
        ),
        'SDM at sdm.example.com:8443 sent an answer that cannot be read. Details: GET',
        200,
        TASKS_PATH + '/ID5',
        id='bad-answer',
    ),
    pytest.param(
        SdmHttpError('server error', 500, TASKS_PATH + '/ID5'),
        'SDM sdm.example.com:8443 failed to handle the request (server error) (HTTP 500 at %s/ID5). Details: server error.'
        % TASKS_PATH,
        500,
        TASKS_PATH + '/ID5',
        id='http-500',
    ),
    pytest.param(
        SdmInputError('a task id is longer than 256 characters'),
        'Invalid argument: a task id is longer than 256 characters.',
        None,
        None,
        id='input',
    ),
    pytest.param(
        SdmError('something else'),
        'SDM request to sdm.example.com:8443 failed. Details: something else.',
        None,
        None,
        id='base-error',
    ),
]


@pytest.mark.parametrize('error, message, status, path', FAILURES)
def test_read_errors_become_one_clean_failure(fake_client, capsys, error, message, status, path):
    fake_client(answers={'ID5': [error]})
    code, result, out = run_module(capsys, dict(CONNECTION, task_id=['ID5']))
    assert code == 1
    assert result['failed'] is True
    assert result['changed'] is False
    assert result['msg'].startswith(message), result['msg']
    assert result.get('status') == status
    assert result.get('url_path') == path
    assert 'route_updates' not in result
    assert 'Traceback' not in out
    assert (client().logins, client().logouts) == (1, 1)


@pytest.mark.parametrize('error, message, status, path', FAILURES[:1] + FAILURES[4:7] + FAILURES[8:9])
def test_login_errors_become_one_clean_failure(fake_client, capsys, error, message, status, path):
    fake_client(login_error=error)
    code, result, out = run_module(capsys, dict(CONNECTION, task_id=['ID5']))
    assert code == 1
    assert result['msg'].startswith(message), result['msg']
    assert result.get('status') == status
    assert result.get('url_path') == path
    assert 'Traceback' not in out
    assert client().logins == 0


def test_certificate_error_with_ca_path_says_it_does_not_trust(fake_client, capsys, tmp_path):
    error = _with_context(
        SdmTransportError('TLS connection failed', path=LOGIN_PATH), ssl.SSLError(1, 'CERTIFICATE_VERIFY_FAILED')
    )
    fake_client(login_error=error)
    ca = tmp_path / 'other-ca.pem'
    ca.write_text('x')
    code, result, _out = run_module(capsys, dict(CONNECTION, task_id=['ID5'], ca_path=str(ca)))
    assert code == 1
    assert '(the current ca_path does not trust it)' in result['msg']


def test_no_secret_in_a_failure(fake_client, capsys):
    error = SdmHttpError(
        'server echoed password=%s and Cookie: JSESSIONID=%s; Path=/rest' % (PASSWORD, SESSION),
        500,
        TASKS_PATH + '/ID5',
    )
    fake_client(answers={'ID5': [error]}, warnings=['set-cookie JSESSIONID=%s seen' % SESSION])
    code, result, out = run_module(capsys, dict(CONNECTION, task_id=['ID5']))
    assert code == 1
    assert PASSWORD not in out
    assert SESSION not in out
    assert 'JSESSIONID=********' in result['msg']
    assert warnings_of(result) == ['set-cookie JSESSIONID=******** seen']


def test_unexpected_exception_is_one_clean_failure(fake_client, capsys):
    fake_client(answers={'ID5': [KeyError('updateStatus')]})
    code, result, _out = run_module(capsys, dict(CONNECTION, task_id=['ID5']))
    assert code == 1
    assert result['msg'] == "Unexpected error talking to SDM at sdm.example.com:8443: KeyError: 'updateStatus'"
    assert (client().logins, client().logouts) == (1, 1)


@pytest.mark.parametrize(
    'args, message',
    [
        (dict(task_id=['ID5', '']), "task_id must not contain an empty ID, got ''"),
        # Found by the reliability suite: these logged in (and out) before the client refused the id.
        (dict(task_id=['ID5', 'A' * 10000]), 'Invalid task_id: a task id is longer than 256 characters'),
        (dict(task_id=['..']), "Invalid task_id: '..' is not a task id"),
        (dict(task_id=['ID5\n']), "Invalid task_id: the task id 'ID5\\n' contains control characters"),
        (dict(task_id=['ID5'], wait_sleep=0), 'wait_sleep must be greater than 0, got 0.0'),
        (
            dict(task_id=['ID5'], wait_sleep=10, wait_sleep_max=5),
            'wait_sleep_max (5.0) must not be smaller than wait_sleep (10.0)',
        ),
        (dict(task_id=['ID5'], wait_timeout=-1), 'wait_timeout must not be negative, got -1'),
        (
            dict(task_id=['ID5'], success_states=['Done'], failure_states=['d-o-n-e']),
            'Invalid argument: status words cannot be in both success_states and failure_states: done.',
        ),
        (dict(task_id=['ID5'], body_format='yaml'), 'value of body_format must be one of: xml, json, got: yaml'),
    ],
)
def test_bad_arguments_fail_before_connecting(fake_client, capsys, args, message):
    fake_client(answers={'ID5': [raw_task('Completed')]})
    code, result, _out = run_module(capsys, dict(CONNECTION, **args))
    assert code == 1
    assert result['msg'] == message
    assert FakeClient.instances == []


def test_missing_required_connection_options(fake_client, capsys):
    fake_client(answers={})
    code, result, _out = run_module(capsys, dict(task_id=['ID5']))
    assert code == 1
    assert result['msg'] == 'missing required arguments: password, url, username'


def test_bad_url_is_reported_by_the_client_config(capsys):
    code, result, _out = run_module(capsys, dict(CONNECTION, url='sdm.example.com:8443', task_id=['ID5']))
    assert code == 1
    assert result['msg'].startswith('Invalid argument: url must start with https:// or http://')


@pytest.mark.parametrize('library', ['requests', 'lxml'])
def test_missing_library(monkeypatch, capsys, library):
    flag = 'HAS_REQUESTS' if library == 'requests' else 'HAS_LXML'
    monkeypatch.setattr(_sdm_module, flag, False)
    code, result, _out = run_module(capsys, dict(CONNECTION, task_id=['ID5']))
    assert code == 1
    assert result['msg'].startswith('Failed to import the required Python library (%s)' % library)


# --- helpers of the glue ------------------------------------------------------------------------


@pytest.mark.parametrize(
    'url, expected',
    [
        ('https://sdm.example.com:8443', 'sdm.example.com:8443'),
        ('https://sdm.example.com', 'sdm.example.com:443'),
        ('http://127.0.0.1/prefix', '127.0.0.1:80'),
        ('https://[::1]:9443', '[::1]:9443'),
    ],
)
def test_host_port(url, expected):
    assert host_port(url) == expected


def test_scrub_hides_session_cookies():
    assert (
        hide_session_cookies('Cookie: JSESSIONID=abc.tomcat1; Path=/rest') == 'Cookie: JSESSIONID=********; Path=/rest'
    )
    assert hide_session_cookies('JSESSIONID: abc') == 'JSESSIONID: ********'
    assert hide_session_cookies('no cookie here') == 'no cookie here'


@pytest.mark.parametrize(
    'text, expected',
    [
        ('HTTPConnection: Failed to establish a new connection: [Errno 111] Connection refused', 'connection refused'),
        ('Temporary failure in name resolution', 'host name not resolved'),
        ('Read timed out. (read timeout=30)', 'timed out'),
        ('No route to host', 'no route to host'),
        ('something odd', None),
    ],
)
def test_connection_problem_from_text(text, expected):
    assert SdmTransportError(text).connection_problem == expected

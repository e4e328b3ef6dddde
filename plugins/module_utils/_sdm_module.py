# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Module glue: ``SdmModule``, the ``AnsibleModule`` of the modules of this collection: the connection options, a
client built from the module params, and the one place where client errors become ``fail_json``.

Modules of the action group ``ocsdm.route_manager.sdm`` use it like this::

    module = SdmModule(argument_spec=dict(task_id=dict(type='list', elements='str')), supports_check_mode=True)
    module.run(lambda client: {'route_updates': [client.get_task('ID33', module.state_matcher())]})

``run`` logs in, calls the work function with the client, logs out on every path, and ends the
module: ``exit_json`` with the returned dict, or ``fail_json`` with a short message naming the
cause, the HTTP status and the URL path. A client error never gives a traceback, and no message
or warning carries the password or a session id, plain or escaped as a server may echo them
(`SdmModule.scrubbed`; ``no_log`` hides only the plain password). Only an exception that is not an
``SdmError`` (a bug) adds its traceback, which Ansible shows with ``-vvv``.
"""

from __future__ import annotations

import time
import traceback
from typing import Any, Callable, Dict, Iterable, NoReturn, Optional, Set

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ._argspec import connection_spec
from ._connection_config import unverified_certificate_warning
from ._client import SdmClient
from ._connection_config import ConnectionConfig
from ._sdm_api import host_port, task_path
from ._transport import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ._decode import HAS_LXML, LXML_IMPORT_ERROR
from ._errors import SdmError, SdmInputError, SdmWaitTimeout, Target
from ._secrets import hide_secrets, hide_session_cookies
from ._states import StateMatcher
from ._poll_wait import check_wait_settings


class SdmModule(AnsibleModule):
    """``AnsibleModule`` with the connection options, their checks, and ``run``: the one place where
    client errors become ``fail_json``."""

    def __init__(self, argument_spec: Optional[Dict[str, Any]] = None, **kwargs: Any) -> None:
        spec = connection_spec()
        spec.update(argument_spec or {})
        super(SdmModule, self).__init__(argument_spec=spec, **kwargs)
        self._warned: Set[str] = set()
        self._client: Optional[SdmClient] = None
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        if not HAS_LXML and self.params['body_format'] == 'xml':
            # Only XML answers need lxml: the JSON path runs without it.
            self.fail_json(
                msg=missing_required_lib('lxml', reason='for body_format=xml (or use body_format=json)'),
                exception=LXML_IMPORT_ERROR,
            )
        if not self.params['validate_certs']:
            self.warn(unverified_certificate_warning(self.params['url']))

    def check_wait_params(self) -> None:
        """Fail before any login on wait options that cannot work (modules with the wait and polling options)."""
        try:
            check_wait_settings(
                self.params['wait_timeout'],
                self.params['wait_sleep'],
                self.params['wait_sleep_max'],
                names=('wait_timeout', 'wait_sleep', 'wait_sleep_max'),
            )
        except SdmInputError as err:
            self.fail_json(msg=err.message)

    def check_task_ids(self, task_ids: Iterable[str], option: str = 'task_id') -> None:
        """Fail before any login on a task id that cannot name a task (too long, control characters, a dot segment)."""
        for task_id in task_ids:
            try:
                task_path(task_id)
            except SdmInputError as err:
                self.fail_json(msg='Invalid %s: %s' % (option, err.message))

    def connection_config(self) -> ConnectionConfig:
        # The connection options are ConnectionConfig's fields of the same names.
        return ConnectionConfig(**{option: self.params[option] for option in connection_spec()})

    def state_matcher(self) -> StateMatcher:
        """The matcher for the state-word options (modules with the states options)."""
        try:
            return StateMatcher(
                success_states=self.params['success_states'],
                failure_states=self.params['failure_states'],
                rollback_success_states=self.params['rollback_success_states'],
                rollback_failure_states=self.params['rollback_failure_states'],
            )
        except SdmError as err:
            self.fail_from_error(err)

    def scrubbed(self, text: str) -> str:
        """``text`` without session cookies, and without the password or a session id of this run in any escaped form."""
        secrets = self._client.secrets() if self._client is not None else [self.params['password']]
        return hide_secrets(hide_session_cookies(text), secrets)

    def target(self) -> Target:
        """What a failure message names besides the error."""
        return Target(
            host=host_port(self.params['url'] or ''),
            user=self.params.get('username'),
            api_version=self.params.get('api_version'),
            has_ca_path=self.params.get('ca_path') is not None,
        )

    def warn_once(self, warnings: Iterable[str]) -> None:
        """Add warnings to the result, each text once, without secrets."""
        for warning in warnings:
            warning = self.scrubbed(warning)
            if warning not in self._warned:
                self._warned.add(warning)
                self.warn(warning)

    def run(self, work: Callable[[SdmClient], Dict[str, Any]]) -> NoReturn:
        """Log in, call ``work(client)``, log out, and end the module with its result or a clean failure.

        The client's own warnings (unknown status words, a failed logout) are added to the result.
        """
        started = time.monotonic()
        client: Optional[SdmClient] = None
        try:
            client = self._client = SdmClient(self.connection_config())
            with client:
                result = work(client)
        except SdmError as err:
            self.warn_once(client.warnings if client is not None else [])
            self.fail_from_error(err, elapsed=round(time.monotonic() - started, 3))
        except Exception as exc:  # pylint: disable=broad-exception-caught  # a bug must still end in one clean failure
            self.fail_json(
                msg=self.scrubbed(
                    'Unexpected error talking to SDM at %s: %s: %s'
                    % (host_port(self.params['url']), type(exc).__name__, exc)
                ),
                exception=self.scrubbed(traceback.format_exc()),
                changed=False,
            )
        self.warn_once(client.warnings)
        result.setdefault('changed', False)
        result['elapsed'] = round(time.monotonic() - started, 3)
        self.exit_json(**result)

    def fail_from_error(self, err: SdmError, **extra: Any) -> NoReturn:
        """``fail_json`` for a client error: short message, HTTP status and URL path when known, and for a
        wait timeout the last state of every task."""
        kwargs = err.to_fail_kwargs()
        kwargs['msg'] = self.scrubbed(err.describe(self.target()))
        kwargs['changed'] = False
        if err.transient:
            # SDM busy or unreachable for now: a caller with time left (the waiting action) may try again.
            kwargs['transient'] = True
        kwargs.update(extra)
        if isinstance(err, SdmWaitTimeout):
            self.warn_once(err.warnings)
            kwargs.update(route_updates=err.tasks, timed_out=True, polls=err.polls)
        self.fail_json(**kwargs)

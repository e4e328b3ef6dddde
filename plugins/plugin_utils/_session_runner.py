# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The work of ``route_update_info`` and ``route_update_action`` for the action ``route_update_wait``, done in the
controller's own process on ONE SDM session for the whole wait, commit or rollback included.

When the task runs on the controller (the role's default ``delegate_to: localhost``), running a module per slice
would cost one login and one logout per slice (some 120 for a two-hour window at the default progress interval).
Here one client logs in once (again only when SDM ends the session: a 401), every read and the action run on it,
and `SessionRunner.close` logs out: the action calls it in a ``finally``, so it runs after a success, a failure, a
timeout, an exception, and the ``KeyboardInterrupt`` of Ctrl-C as far as ansible-core lets the worker unwind. A
worker killed outright leaves the session to SDM's idle timeout. The session id lives only in the client's cookie
jar: it is never an argument, a result or a log line.

Each call takes the arguments the action would give the module and returns what the module would return (the same
keys, the same messages), so the action treats both ways alike. Every login and read has a deadline: the slice's
(a poll at its end still gets `PollWait`'s retry grace), or the action's ``wait_timeout``.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.ocsdm.route_manager.plugins.module_utils._actions import ActionRunner, WaitSettings
from ansible_collections.ocsdm.route_manager.plugins.module_utils._argspec import connection_spec
from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import SdmClient
from ansible_collections.ocsdm.route_manager.plugins.module_utils._connection_config import (
    ConnectionConfig,
    unverified_certificate_warning,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._sdm_api import COMMIT, JSON, host_port
from ansible_collections.ocsdm.route_manager.plugins.module_utils._transport import HAS_REQUESTS
from ansible_collections.ocsdm.route_manager.plugins.module_utils._clock import Clock, Deadline
from ansible_collections.ocsdm.route_manager.plugins.module_utils._decode import HAS_LXML
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmError, SdmWaitTimeout, Target
from ansible_collections.ocsdm.route_manager.plugins.module_utils._secrets import hide_secrets, hide_session_cookies
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.plugins.module_utils._estimate import GROWTH
from ansible_collections.ocsdm.route_manager.plugins.module_utils._poll_wait import DEFAULT_RETRY_GRACE, PollWait

_Result = Dict[str, Any]


def can_run_here(module_args: Dict[str, Any]) -> bool:
    """Whether this Python has what the client needs for these arguments (else the modules run, as before)."""
    return HAS_REQUESTS and (HAS_LXML or module_args.get('body_format') == JSON)


class _Bounded:
    """The client, with ``deadline`` on every call that brings none (the reads of `ActionRunner`)."""

    def __init__(self, client: SdmClient, deadline: Deadline) -> None:
        self._client = client
        self._deadline = deadline

    def get_task(self, task_id: str, matcher: StateMatcher, deadline: Optional[Deadline] = None) -> _Result:
        return self._client.get_task(task_id, matcher, deadline or self._deadline)

    def read_task(self, task_id: str, matcher: StateMatcher, deadline: Optional[Deadline] = None) -> Any:
        return self._client.read_task(task_id, matcher, deadline or self._deadline)

    def list_pending_task_ids(self, deadline: Optional[Deadline] = None) -> Any:
        return self._client.list_pending_task_ids(deadline or self._deadline)

    def send_action(self, task_id: str, action: str, deadline: Optional[Deadline] = None) -> None:
        self._client.send_action(task_id, action, deadline or self._deadline)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class SessionRunner:
    """Reads and acts for one wait on one SDM session; `close` logs out."""

    def __init__(
        self,
        module_args: Dict[str, Any],
        matcher: StateMatcher,
        check_mode: bool,
        warn: Callable[[str], None],
        clock: Optional[Clock] = None,
    ) -> None:
        self.matcher = matcher
        self.check_mode = check_mode
        self.clock = clock or Clock()
        self._warn = warn
        self.client: Optional[SdmClient] = None
        # The poll schedule goes on across slices as in one long wait: when the last read was, the next sleep, and
        # for what (a new phase starts the schedule again).
        self._last_read: Optional[float] = None
        self._interval = 0.0
        self._polled_for: Optional[str] = None
        self.problem: Optional[str] = None  # why no client could be made: every call fails with it, as the module would
        params = dict((name, module_args[name]) for name in connection_spec() if name in module_args)
        validation = ArgumentSpecValidator(connection_spec()).validate(params)  # SDM_* fallbacks and defaults too
        if validation.error_messages:
            self.problem = '; '.join(validation.error_messages)
            return
        self.params = validation.validated_parameters
        try:
            config = ConnectionConfig(**dict((name, self.params[name]) for name in connection_spec()))
            self.client = SdmClient(config, clock=self.clock)
        except SdmError as err:
            self.problem = err.describe(self._target())
            return
        if not self.params['validate_certs']:
            warn(unverified_certificate_warning(self.params['url']))

    @property
    def logins(self) -> int:
        """Sessions opened so far (one, or one more each time SDM ended the session and the client logged in again)."""
        return self.client.logins if self.client is not None else 0

    # the modules' work --------------------------------------------------------------------------------

    def info(self, args: Dict[str, Any]) -> _Result:
        """What ``route_update_info`` returns for one task id, a read (``wait=false``) or a slice of a wait."""
        task_id = args['task_id'][0]
        seconds = float(args['wait_timeout']) if args['wait'] else 0.0
        if self.client is None:
            return self._failed_early()
        seconds, interval = self._schedule(args, seconds)
        poll_wait = PollWait(
            self.client,
            self.matcher,
            timeout=seconds,
            sleep=interval,
            sleep_max=max(interval, args['wait_sleep_max']),
            target=args['wait_for'],
            clock=self.clock,
        )
        try:
            self._log_in(Deadline(self.clock, max(seconds, DEFAULT_RETRY_GRACE)))
            try:
                outcome = poll_wait.wait([task_id])
                tasks, polls, warnings = outcome.tasks, outcome.polls, outcome.warnings
            except SdmWaitTimeout as timeout:
                tasks, polls, warnings = timeout.tasks, timeout.polls, timeout.warnings
        except SdmError as err:
            self._last_read = None
            return self._failed(err)
        self._last_read = self.clock.monotonic()
        self._interval = min(interval * GROWTH ** max(polls - 1, 0), max(interval, args['wait_sleep_max']))
        self._warn_all(warnings)
        self._warn_all(self.client.warnings)
        return dict(changed=False, route_updates=tasks, polls=polls)

    def _schedule(self, args: Dict[str, Any], seconds: float) -> Tuple[float, float]:
        """The slice's seconds and first sleep, so that the polls keep the schedule of one long wait.

        A module run starts with a read; here the previous slice has just read (at its end), so a slice of the same
        phase first waits out the rest of the interval instead of reading twice at every slice boundary."""
        if not args['wait'] or args['wait_for'] != self._polled_for or self._last_read is None:
            self._polled_for = args['wait_for'] if args['wait'] else self._polled_for
            self._interval = float(args['wait_sleep'])
            return seconds, self._interval
        pause = min(max(0.0, self._interval - (self.clock.monotonic() - self._last_read)), seconds)
        if pause > 0:
            self.clock.sleep(pause)
        return seconds - pause, self._interval

    def action(self, args: Dict[str, Any]) -> _Result:
        """What ``route_update_action`` returns: the action sent at most once, and what is known of it."""
        if self.client is None:
            return self._failed_early()
        settings = WaitSettings(args['wait_timeout'], args['wait_sleep'], args['wait_sleep_max'])
        deadline = Deadline(self.clock, settings.timeout)
        started = self.clock.monotonic()
        runner = ActionRunner(_Bounded(self.client, deadline), self.matcher, self.clock)
        known: Dict[str, Any] = {}
        try:
            self._log_in(deadline)
            outcome = runner.run(
                args['task_id'],
                args['action'],
                check_mode=self.check_mode,
                wait=settings if args['wait'] else None,
                confirm=settings,
            )
        except SdmError as err:
            known = dict(sent=runner.sent, accepted=runner.accepted, confirmed=runner.confirmed)
            self._warn_all(runner.warnings)
            result = dict(self._failed(err), changed=runner.sent, route_update=runner.last_task, **known)
            return dict(result, elapsed=round(self.clock.monotonic() - started, 3))
        self._warn_all(outcome.warnings)
        self._warn_all(self.client.warnings)
        result = dict(
            changed=outcome.changed,
            msg=outcome.message,
            route_update=outcome.task,
            sent=runner.sent,
            accepted=runner.accepted,
            confirmed=runner.confirmed,
            elapsed=round(self.clock.monotonic() - started, 3),
        )
        if args['action'] == COMMIT:
            result['committed'] = outcome.committed
        return result

    def close(self) -> None:
        """Log out (a failure is a warning, never an error) and free the connections; safe to call twice."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.__exit__(None, None, None)
        except Exception as exc:  # pylint: disable=broad-exception-caught  # a logout never fails the wait
            self._warn(self._scrubbed(client, 'logout failed: %s' % exc))
        self._warn_all(client.warnings, client)

    # helpers ------------------------------------------------------------------------------------------

    def _log_in(self, deadline: Deadline) -> None:
        if self.client is not None and not self.client.logged_in:
            self.client.login(deadline)

    def _failed(self, err: SdmError) -> _Result:
        result: _Result = dict(
            failed=True, changed=False, msg=self._scrubbed(self.client, err.describe(self._target()))
        )
        if err.status is not None:
            result['status'] = err.status
        if err.transient:
            result['transient'] = True
        if self.client is not None:
            self._warn_all(self.client.warnings)
        return result

    def _failed_early(self) -> _Result:
        return dict(failed=True, changed=False, msg=self.problem or 'no SDM client')

    def _target(self) -> Target:
        params = getattr(self, 'params', {})
        return Target(
            host=host_port(params.get('url') or ''),
            user=params.get('username'),
            api_version=params.get('api_version'),
            has_ca_path=params.get('ca_path') is not None,
        )

    def _scrubbed(self, client: Optional[SdmClient], text: str) -> str:
        secrets = client.secrets() if client is not None else [getattr(self, 'params', {}).get('password')]
        return hide_secrets(hide_session_cookies(text), [secret for secret in secrets if secret])

    def _warn_all(self, warnings: Any, client: Optional[SdmClient] = None) -> None:
        for warning in list(warnings):
            self._warn(self._scrubbed(client or self.client, warning))

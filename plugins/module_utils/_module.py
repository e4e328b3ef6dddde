# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Module glue: the shared argument specs, a client built from module params, and the one place
where client exceptions become ``fail_json``.

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

import copy
import re
import socket
import ssl
import time
import traceback
from typing import Any, Callable, Dict, Iterable, Iterator, List, NoReturn, Optional, Set
from urllib.parse import unquote, urlsplit

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ._actions import SdmActionConflictError
from ._client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, ConnectionConfig, SdmClient, hide_secrets, task_path
from ._decode import HAS_LXML, LXML_IMPORT_ERROR
from ._errors import (
    SdmActionRefusedError,
    SdmAuthError,
    SdmBadAnswerError,
    SdmError,
    SdmHttpError,
    SdmInputError,
    SdmNotFoundError,
    SdmOutcomeUnknownError,
    SdmPermissionError,
    SdmTransportError,
    SdmWaitTimeout,
)
from ._states import (
    DEFAULT_FAILURE_STATES,
    DEFAULT_ROLLBACK_FAILURE_STATES,
    DEFAULT_ROLLBACK_SUCCESS_STATES,
    DEFAULT_SUCCESS_STATES,
    StateMatcher,
)

# Options documented in the doc fragment ocsdm.route_manager.connection.
CONNECTION_ARGUMENT_SPEC = dict(
    url=dict(type='str', required=True, fallback=(env_fallback, ['SDM_URL'])),
    username=dict(type='str', required=True, fallback=(env_fallback, ['SDM_USERNAME'])),
    password=dict(type='str', required=True, no_log=True, fallback=(env_fallback, ['SDM_PASSWORD'])),
    validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['SDM_VALIDATE_CERTS'])),
    ca_path=dict(type='path', fallback=(env_fallback, ['SDM_CA_PATH'])),
    request_timeout=dict(type='float', default=30.0),
    api_version=dict(type='str', default='v1.3'),
    body_format=dict(type='str', default='xml', choices=['xml', 'json']),
    record_dir=dict(type='path', fallback=(env_fallback, ['SDM_RECORD_DIR'])),
    record_placeholders=dict(type='bool', default=False, fallback=(env_fallback, ['SDM_RECORD_PLACEHOLDERS'])),
)  # type: Dict[str, Dict[str, Any]]

# Options documented in the doc fragments ocsdm.route_manager.connection.wait (wait*, fail_on_timeout)
# and ocsdm.route_manager.connection.states (the four *_states lists).
WAIT_ARGUMENT_SPEC = dict(
    wait=dict(type='bool', default=False),
    wait_for=dict(type='str', default='update', choices=['update', 'rollback']),
    wait_timeout=dict(type='int', default=600),
    wait_sleep=dict(type='float', default=5.0),
    wait_sleep_max=dict(type='float', default=30.0),
    fail_on_timeout=dict(type='bool', default=True),
    success_states=dict(type='list', elements='str', default=list(DEFAULT_SUCCESS_STATES)),
    failure_states=dict(type='list', elements='str', default=list(DEFAULT_FAILURE_STATES)),
    rollback_success_states=dict(type='list', elements='str', default=list(DEFAULT_ROLLBACK_SUCCESS_STATES)),
    rollback_failure_states=dict(type='list', elements='str', default=list(DEFAULT_ROLLBACK_FAILURE_STATES)),
)  # type: Dict[str, Dict[str, Any]]

# A session cookie that a lower layer might quote: never let it through.
_SESSION_SECRET = re.compile(r'(JSESSIONID\s*[=:]\s*)[^;,\s"\']+', re.IGNORECASE)
_TASK_PATH = re.compile(r'/routeSets/routeUpdates/([^/?#]+)/?(?:action)?$')
# The message of SdmActionConflictError (module_utils._actions): "route update task ID40 cannot be
# rolled back: <why>. Nothing was sent to SDM".
_CONFLICT = re.compile(r'^route update task (?P<task>.+?) cannot be (?P<past>committed|rolled back|cancelled): (?P<why>.+)$', re.DOTALL)
# "<why>" that starts with a running phase: "its update is still running (update status InProgress); ..."
_CONFLICT_RUNNING = re.compile(r'^(?P<what>its (?:update|rollback) is (?:still )?running) \((?:update|rollback) status (?P<word>[^)]*)\)(?P<rest>.*)$',
                               re.DOTALL)
_VERBS = {'committed': 'commit', 'rolled back': 'roll back', 'cancelled': 'cancel'}


def connection_argument_spec() -> Dict[str, Dict[str, Any]]:
    """A fresh copy of the connection options, to extend with a module's own options."""
    return copy.deepcopy(CONNECTION_ARGUMENT_SPEC)


def wait_argument_spec() -> Dict[str, Dict[str, Any]]:
    """A fresh copy of the wait and state-word options."""
    return copy.deepcopy(WAIT_ARGUMENT_SPEC)


def host_port(url: str) -> str:
    """``host:port`` of a URL, with the scheme's default port when none is given."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    host = parts.hostname or url
    if ':' in host:
        host = '[%s]' % host
    if port is None:
        port = 443 if parts.scheme == 'https' else 80
    return '%s:%d' % (host, port)


def scrub(text: str) -> str:
    """Hide session cookies in a text (the password is hidden by AnsibleModule's no_log)."""
    return _SESSION_SECRET.sub(r'\1********', text)


def _causes(err: BaseException) -> Iterator[BaseException]:
    """The exception and everything that caused it: ``__cause__``, ``__context__``, ``reason`` and ``args``."""
    seen = set()  # type: set
    todo = [err]  # type: List[Any]
    while todo:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend([current.__cause__, current.__context__, getattr(current, 'reason', None)])
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))


def is_certificate_error(err: BaseException) -> bool:
    """Whether a transport error comes from TLS certificate verification."""
    for cause in _causes(err):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        text = str(cause).lower()
        if 'certificate verify failed' in text or 'certificate_verify_failed' in text:
            return True
    return False


def connection_problem(err: BaseException) -> Optional[str]:
    """A few words for the usual connection problems, ``None`` when none is recognised."""
    texts = []
    for cause in _causes(err):
        if isinstance(cause, ConnectionRefusedError):
            return 'connection refused'
        if isinstance(cause, socket.gaierror):
            return 'host name not resolved'
        if isinstance(cause, (socket.timeout, TimeoutError)):
            return 'timed out'
        texts.append(str(cause).lower())
    text = ' '.join(texts)
    for needle, words in (
        ('connection refused', 'connection refused'),
        ('errno 111', 'connection refused'),
        ('name or service not known', 'host name not resolved'),
        ('nodename nor servname', 'host name not resolved'),
        ('temporary failure in name resolution', 'host name not resolved'),
        ('failed to resolve', 'host name not resolved'),
        ('timed out', 'timed out'),
        ('no route to host', 'no route to host'),
        ('network is unreachable', 'network unreachable'),
        ('connection reset', 'connection reset'),
        ('connection aborted', 'connection closed by the server'),
        ('remote end closed', 'connection closed by the server'),
    ):
        if needle in text:
            return words
    return None


def _task_from_path(path: Optional[str]) -> Optional[str]:
    if not path:
        return None
    match = _TASK_PATH.search(path.split('?', 1)[0])
    if match is None:
        return None
    return unquote(match.group(1))


def _where(err: SdmError) -> str:
    """``HTTP 403 at /rest/v1.3/...`` from what the error knows; empty when its message already says it."""
    if err.path and err.path in (err.message or '') and (err.status is None or str(err.status) in err.message):
        return ''
    parts = []
    if err.status is not None:
        parts.append('HTTP %s' % err.status)
    if err.path:
        parts.append('at %s' % err.path)
    return ' '.join(parts)


def _brackets(text: str) -> str:
    return ' (%s)' % text if text else ''


def _join(*sentences: Optional[str]) -> str:
    """Sentences joined with single spaces, each ending with a full stop, empty ones left out."""
    out = []
    for sentence in sentences:
        sentence = (sentence or '').strip()
        if sentence:
            out.append(sentence if sentence[-1] in '.!?' else sentence + '.')
    return ' '.join(out)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def describe_conflict(message: str) -> str:
    """The message of an `SdmActionConflictError`, turned to start with what cannot be done.

    ``route update task ID40 cannot be rolled back: its update is still running (update status InProgress); ...``
    becomes ``Cannot roll back route update task ID40 while its update is still running (InProgress); ...``.
    A message in another shape is kept, after a lead-in that names the cause.
    """
    match = _CONFLICT.match(message.strip())
    if match is None:
        return _join("The task's state does not allow the action: %s" % message)
    head = 'Cannot %s route update task %s' % (_VERBS[match.group('past')], match.group('task'))
    why = match.group('why')
    running = _CONFLICT_RUNNING.match(why)
    if running is not None:
        return _join('%s while %s (%s)%s' % (head, running.group('what'), running.group('word'), running.group('rest')))
    return _join('%s: %s' % (head, why))


def describe_error(err: SdmError, params: Dict[str, Any]) -> str:
    """The short message for a failed module run: the cause first, then what SDM or the client said."""
    detail = 'Details: %s' % err.message if err.message else None
    where = _where(err)
    user = params.get('username')
    target = host_port(params.get('url') or '')
    if isinstance(err, SdmWaitTimeout):
        return _join(_capitalised(err.message), 'The last state of every task is in route_updates')
    if isinstance(err, SdmOutcomeUnknownError):
        # The client's message says what was sent, what was seen, and what to do: nothing to add.
        return _join(_capitalised(err.message))
    if isinstance(err, SdmAuthError) and err.path and not err.path.rstrip('/').endswith('/admin/login'):
        # A 401 on a later call, repeated after a fresh login: the password is right, the session is not kept.
        return _join('SDM %s refused the session of user %r right after a fresh login%s' % (target, user, _brackets(where)),
                     'The login works, but SDM does not accept its session: check that url leads to one SDM node (or to a '
                     'load balancer with sticky sessions) and that no proxy drops the JSESSIONID cookie', detail)
    if isinstance(err, SdmAuthError):
        return _join('Authentication failed for user %r at SDM %s%s' % (user, target, _brackets(where)),
                     'Check username and password', detail)
    if isinstance(err, SdmPermissionError):
        return _join('User %r lacks route-management rights on SDM %s%s' % (user, target, _brackets(where)),
                     'Give the user a group with route-management permission', detail)
    if isinstance(err, SdmNotFoundError):
        task = _task_from_path(err.path)
        if task is not None:
            return _join('Route update task %r was not found on SDM %s%s' % (task, target, _brackets(where)),
                         'Check the task id; a committed task leaves the pending list', detail)
        if err.path and err.path.rstrip('/').endswith('/admin/login'):
            return _join('SDM at %s has no REST API version %r%s' % (target, params.get('api_version'), _brackets(where)),
                         'Check api_version and url', detail)
        return _join('SDM %s answered "not found"%s' % (target, _brackets(where)), detail)
    if isinstance(err, SdmTransportError):
        if is_certificate_error(err):
            return _join(
                'TLS certificate verification failed for SDM at %s' % target,
                'Set ca_path to the PEM file of the certification authority that signed the server certificate'
                + ('' if params.get('ca_path') is None else ' (the current ca_path does not trust it)'),
                detail)
        problem = connection_problem(err)
        return _join('Cannot reach SDM at %s%s' % (target, ': %s' % problem if problem else ''), detail)
    if isinstance(err, SdmActionRefusedError):
        # The client's message already says which action SDM refused, for which task, why, and the HTTP status.
        if err.message.startswith('SDM refused'):
            return _join(err.message, 'SDM did not act on the task')
        return _join('SDM %s refused the action%s' % (target, _brackets(where)), detail)
    if isinstance(err, SdmBadAnswerError):
        return _join('SDM at %s sent an answer that cannot be read%s' % (target, _brackets(where)), detail)
    if isinstance(err, SdmHttpError):
        return _join('SDM %s refused the request%s' % (target, _brackets(where)), detail)
    if isinstance(err, SdmActionConflictError):
        return describe_conflict(err.message)
    if isinstance(err, SdmInputError):
        return _join('Invalid argument: %s' % err.message)
    return _join('SDM request to %s failed%s' % (target, _brackets(where)), detail)


class SdmModule(AnsibleModule):
    """``AnsibleModule`` with the connection options, their checks, and ``run``: the one place where
    client errors become ``fail_json``."""

    def __init__(self, argument_spec: Optional[Dict[str, Any]] = None, **kwargs: Any) -> None:
        spec = connection_argument_spec()
        spec.update(argument_spec or {})
        super(SdmModule, self).__init__(argument_spec=spec, **kwargs)
        self._warned = set()  # type: Set[str]
        self._client = None  # type: Optional[SdmClient]
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        if not HAS_LXML and self.params['body_format'] == 'xml':
            # Only XML answers need lxml: the JSON path runs without it.
            self.fail_json(msg=missing_required_lib('lxml', reason='for body_format=xml (or use body_format=json)'),
                           exception=LXML_IMPORT_ERROR)
        if not self.params['validate_certs']:
            self.warn('validate_certs is false: the TLS certificate of SDM at %s is not verified. '
                      'Use ca_path to trust a private certification authority instead.' % host_port(self.params['url']))

    def check_wait_params(self) -> None:
        """Fail early on wait options that cannot work (modules that use `wait_argument_spec`)."""
        if self.params['wait_timeout'] < 0:
            self.fail_json(msg='wait_timeout must not be negative, got %d' % self.params['wait_timeout'])
        if self.params['wait_sleep'] <= 0:
            self.fail_json(msg='wait_sleep must be greater than 0, got %s' % self.params['wait_sleep'])
        if self.params['wait_sleep_max'] < self.params['wait_sleep']:
            self.fail_json(msg='wait_sleep_max (%s) must not be smaller than wait_sleep (%s)'
                           % (self.params['wait_sleep_max'], self.params['wait_sleep']))

    def check_task_ids(self, task_ids: Iterable[str], option: str = 'task_id') -> None:
        """Fail before any login on a task id that cannot name a task (too long, control characters, a dot segment)."""
        for task_id in task_ids:
            try:
                task_path(task_id)
            except SdmInputError as err:
                self.fail_json(msg='Invalid %s: %s' % (option, err.message))

    def connection_config(self) -> ConnectionConfig:
        params = self.params
        return ConnectionConfig(
            url=params['url'],
            username=params['username'],
            password=params['password'],
            validate_certs=params['validate_certs'],
            ca_path=params['ca_path'],
            request_timeout=params['request_timeout'],
            api_version=params['api_version'],
            body_format=params['body_format'],
            record_dir=params['record_dir'],
            record_placeholders=params['record_placeholders'],
        )

    def state_matcher(self) -> StateMatcher:
        """The matcher for the state-word options (modules that use `wait_argument_spec`)."""
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
        return hide_secrets(scrub(text), secrets)

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
        client = None  # type: Optional[SdmClient]
        try:
            client = self._client = SdmClient(self.connection_config())
            with client:
                result = work(client)
        except SdmError as err:
            self.warn_once(client.warnings if client is not None else [])
            self.fail_from_error(err, elapsed=round(time.monotonic() - started, 3))
        except Exception as exc:  # pylint: disable=broad-exception-caught  # a bug must still end in one clean failure
            self.fail_json(msg=self.scrubbed('Unexpected error talking to SDM at %s: %s: %s'
                                             % (host_port(self.params['url']), type(exc).__name__, exc)),
                           exception=self.scrubbed(traceback.format_exc()), changed=False)
        self.warn_once(client.warnings)
        result.setdefault('changed', False)
        result['elapsed'] = round(time.monotonic() - started, 3)
        self.exit_json(**result)

    def fail_from_error(self, err: SdmError, **extra: Any) -> NoReturn:
        """``fail_json`` for a client error: short message, HTTP status and URL path when known, and for a
        wait timeout the last state of every task."""
        kwargs = err.to_fail_kwargs()
        kwargs['msg'] = self.scrubbed(describe_error(err, self.params))
        kwargs['changed'] = False
        kwargs.update(extra)
        if isinstance(err, SdmWaitTimeout):
            self.warn_once(err.warnings)
            kwargs.update(route_updates=err.tasks, timed_out=True, polls=err.polls)
        self.fail_json(**kwargs)

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The SDM REST client: one HTTP session per run, login and logout, retries, decoding.

Used as a context manager: it logs in on enter and logs out on exit, also when the body raised.
The session cookie lives only in the ``requests`` cookie jar; the password, the cookie and the
session id are kept out of every message, repr and warning.
"""

from __future__ import annotations

import copy
import http
import re
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple
from urllib.parse import urlsplit

from ._body_watchdog import SlowBodyError, iter_body
from ._clock import Clock, Deadline
from ._decode import DEFAULT_MAX_BODY_BYTES, JSON, XML, decode_body, text_excerpt
from ._errors import (
    exception_chain,
    SdmActionRefusedError,
    SdmAuthError,
    SdmBadAnswerError,
    SdmError,
    SdmHttpError,
    SdmInputError,
    SdmNotFoundError,
    SdmPermissionError,
    SdmTransportError,
    SdmUnconfirmedError,
)
from ._warnings import Warnings
from ._normalise import TASK_FIELDS, normalise_task, pending_task_ids
from ._recording import attach_recorder
from ._retry import RetryPolicy, parse_retry_after
from ._sdm_api import (  # noqa: F401 (host_port and task_path: re-exported for the module glue)
    DEFAULT_API_VERSION,
    DEFAULT_REQUEST_TIMEOUT,
    LOGIN_PATH,
    LOGOUT_PATH,
    SESSION_COOKIE,
    TASKS_PATH,
    action_body,
    action_path,
    host_port,
    login_body,
    task_path,
)
from ._secrets import SecretFilter
from ._states import StateMatcher

try:
    import requests
    import urllib3
    from requests.adapters import HTTPAdapter
except ImportError:
    requests = None  # type: ignore[assignment]
    REQUESTS_IMPORT_ERROR: Optional[str] = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None
HAS_REQUESTS = REQUESTS_IMPORT_ERROR is None

# How SDM refuses an action in the task's present state (400 as inferred; 409 is the usual alternative).
REFUSED_ACTION_STATUSES = frozenset((400, 409))
# Busy answers that come before the request is processed: an action may be sent again after them.
UNPROCESSED_STATUSES = frozenset((429, 503))
# Connections kept per host: enough for the waiter's concurrent polls.
POOL_SIZE = 16
# Error bodies only feed a short excerpt.
ERROR_BODY_LIMIT = 64 * 1024
# Why a login whose answer was lost is not tried again.
# Session ids kept for scrubbing: the live one and the one it replaced (a read in flight may still echo it).
KEPT_SESSION_IDS = 2
LOGIN_NOT_REPEATED = (
    'the login was not repeated: it may have opened a session on SDM, and every new try could leave one more '
    'session open until SDM expires it (SDM limits concurrent sessions)'
)
# Logout is a courtesy to the server: it must not hold up the result for long.
LOGOUT_RETRY_WINDOW = 5.0
# What replaces a secret in a message; shorter secrets are not looked for (they would hide ordinary words).

_MEDIA_TYPES = {XML: 'application/xml', JSON: 'application/json'}
_API_VERSION = re.compile(r'^v[0-9]+(\.[0-9]+)*$')
# urllib3 prefixes reasons with the connection object; the message already names the host.
_OBJECT_REPR = re.compile(r'<[^<>]* object at 0x[0-9a-fA-F]+>:?\s*|\b\w*Connection(?:Pool)?\(host=[^()]*\):?\s*')
# How a server may escape a character when it echoes a secret: the XML entities and JSON's short escapes.


@dataclass
class ConnectionConfig:
    """How to reach and log in to one SDM. ``password`` is left out of the repr."""

    url: str
    username: str
    password: str = field(repr=False)
    validate_certs: bool = True
    ca_path: Optional[str] = None
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    api_version: str = DEFAULT_API_VERSION
    body_format: str = XML
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    record_dir: Optional[str] = None  # record every exchange there (_recording.py); None: off
    record_placeholders: bool = False

    def __post_init__(self) -> None:
        self._check_url()
        if not isinstance(self.username, str) or not self.username:
            raise SdmInputError('username is empty')
        if not isinstance(self.password, str) or not self.password:
            raise SdmInputError('password is empty')
        if not _API_VERSION.match(self.api_version or ''):
            raise SdmInputError('api_version must look like v1.3, got %r' % (self.api_version,))
        if self.body_format not in _MEDIA_TYPES:
            raise SdmInputError('body_format must be xml or json, got %r' % (self.body_format,))
        if not self.request_timeout or self.request_timeout <= 0:
            raise SdmInputError('request_timeout must be a positive number of seconds')
        if self.max_body_bytes < 1024:
            raise SdmInputError('max_body_bytes must be at least 1024')

    def _check_url(self) -> None:
        try:
            parts = urlsplit(self.url or '')
            well_formed = parts.port is None or parts.port >= 0  # .port raises ValueError on a bad port
        except ValueError:
            well_formed = False
        if not well_formed:
            raise SdmInputError('url is not a valid URL')
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise SdmInputError(
                'url must start with https:// or http:// and name a host, for example https://sdm.example.com:8443'
            )
        if parts.username is not None or parts.password is not None:
            # Credentials in the URL would end up in messages; they belong in username and password.
            raise SdmInputError('url must not contain a user name or password; use the username and password options')
        if parts.query or parts.fragment:
            raise SdmInputError('url must not contain a query (?) or fragment (#)')

    @property
    def base_url(self) -> str:
        """``{url}/rest/{api_version}`` (a path in ``url``, for a reverse proxy, is kept)."""
        return '%s/rest/%s' % (self.url.rstrip('/'), self.api_version)

    @property
    def base_path(self) -> str:
        """The URL path of `base_url`, as used in messages."""
        return urlsplit(self.base_url).path

    @property
    def host(self) -> str:
        return host_port(self.url)

    @property
    def verify(self) -> Any:
        """The ``verify`` argument of requests: a CA file, or whether to check against the system store."""
        if not self.validate_certs:
            return False
        return self.ca_path or True


@dataclass
class _Answer:
    """One HTTP answer, read to the end."""

    status: int
    content_type: Optional[str]
    body: bytes
    retry_after: Optional[str] = None
    location: Optional[str] = None


class _TransientFault(Exception):
    """One attempt failed in a way a later attempt may not: carries the error to raise if none is left.

    ``may_have_arrived`` is false only when the request certainly was not processed (no connection, 429, 503).
    """

    def __init__(self, error: SdmError, retry_after: Optional[float] = None, may_have_arrived: bool = True) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after
        self.may_have_arrived = may_have_arrived


class SdmClient:
    """SDM REST client bound to one ``requests.Session``; thread-safe for concurrent reads."""

    max_concurrency = POOL_SIZE

    def __init__(self, config: ConnectionConfig, clock: Optional[Clock] = None, adapter: Any = None) -> None:
        """``adapter`` replaces the HTTP transport (a ``requests`` adapter), for tests."""
        if not HAS_REQUESTS:
            raise SdmError('the Python library requests is not installed')
        self.config = config
        self.clock = clock or Clock()
        self.warnings = Warnings()
        self._session = self._new_session(adapter)
        self._logged_in = False
        self._generation = 0  # bumped by every login; tells concurrent pollers whether to log in again
        self._session_ids: Set[str] = set()  # the last session ids, kept after logout for scrubbing messages
        self._session_order: List[str] = []  # the same, oldest first
        self._login_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._secret_filter = SecretFilter([config.password])
        self.recorder = attach_recorder(self._session, config, self._scrub, self.warn)

    def __repr__(self) -> str:
        return 'SdmClient(%r, logged_in=%r)' % (self.config, self._logged_in)

    def _new_session(self, adapter: Any) -> Any:
        session = requests.Session()
        adapter = adapter or HTTPAdapter(pool_connections=2, pool_maxsize=POOL_SIZE, max_retries=0)
        session.mount('https://', adapter)
        session.mount('http://', adapter)
        session.headers['Accept'] = _MEDIA_TYPES[self.config.body_format]
        session.headers['User-Agent'] = 'ocsdm.route_manager'
        if not self.config.validate_certs:
            # The module warns once about the choice; urllib3 would add one warning per request.
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        return session

    # Context manager ---------------------------------------------------------------------------

    def __enter__(self) -> 'SdmClient':
        try:
            self.login()
        except BaseException:
            self._session.close()
            raise
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            self.logout()
        except Exception:  # pylint: disable=broad-except
            if exc_type is None:
                raise
            # The body's exception is the one that explains the failure: keep it.
        finally:
            self._session.close()

    @property
    def logged_in(self) -> bool:
        return self._logged_in

    @property
    def logins(self) -> int:
        """Sessions this client opened: one per successful login (a 401 mid-run costs one more)."""
        return self._generation

    def warn(self, message: str) -> None:
        """Record a warning once (pollers may hit the same one in every round)."""
        self.warnings.add(message)

    # Session -----------------------------------------------------------------------------------

    def login(self, deadline: Optional[Deadline] = None) -> None:
        """Open a session; the cookie is kept in the session's cookie jar only.

        Like an action, the login is repeated only after faults that show it was not processed (no
        connection, 429, 503): a login whose answer was lost may have opened a session, and SDM limits them.
        """
        deadline = deadline or self._unbounded()
        body = login_body(self.config.username, self.config.password, self.config.body_format)
        self._forget_session_cookie()
        try:
            answer = self._exchange('POST', LOGIN_PATH, deadline, body, repeatable=False)
        except SdmUnconfirmedError as lost:
            # Nobody may retry it: every new try could leave one more session open.
            lost.cause.transient = False
            raise lost.cause.with_note(LOGIN_NOT_REPEATED) from lost
        summary, where = self._summary('POST', LOGIN_PATH, answer), self._full_path(LOGIN_PATH)
        if answer.status == 401:
            refused = 'login refused for user %r: wrong user name or password (%s)' % (self.config.username, summary)
            raise SdmAuthError(refused, 401, where, login=True)
        if answer.status == 404:
            missing = 'the login URL does not exist: check url and api_version %r (%s)' % (
                self.config.api_version,
                summary,
            )
            raise SdmNotFoundError(missing, 404, where, api=True)
        self._raise_for_status('POST', LOGIN_PATH, answer)
        if not self._pin_session_cookie() and not self._cookie_from_login_body(answer):
            raise SdmAuthError(
                'POST %s answered %d but set no %s session cookie'
                % (self._full_path(LOGIN_PATH), answer.status, SESSION_COOKIE),
                answer.status,
                self._full_path(LOGIN_PATH),
                login=True,
            )
        with self._state_lock:
            self._generation += 1
            self._logged_in = True

    def logout(self) -> None:
        """Close the session on the server. Never raises an `SdmError`: a failure becomes a warning."""
        if not self._logged_in:
            return
        self._logged_in = False
        try:
            answer = self._exchange('POST', LOGOUT_PATH, Deadline(self.clock, LOGOUT_RETRY_WINDOW))
            # 401: the session had already expired, so there is nothing left to close.
            if answer.status != 401:
                self._raise_for_status('POST', LOGOUT_PATH, answer)
        except SdmError as exc:
            self.warn('logout failed, the session stays open on the server until it expires: %s' % exc.message)
        finally:
            self._forget_session_cookie()

    def _relogin(self, seen_generation: int, deadline: Deadline) -> None:
        """Log in again after a 401, unless another thread already did since ``seen_generation``."""
        with self._login_lock:
            if self._generation == seen_generation:
                self.login(deadline)

    def secrets(self) -> List[str]:
        """The password and the last session ids this client held (`KEPT_SESSION_IDS`), also without ``.tomcat1``.

        The values to keep out of messages (see `_secrets.py`); still known after logout.
        """
        values = [cookie.value for cookie in self._session_cookies() if cookie.value]
        with self._state_lock:
            values.extend(self._session_ids)
        secrets = [self.config.password]
        for value in sorted(set(values)):
            secrets.append(value)
            bare = value.split('.', 1)[0]
            if bare != value:
                secrets.append(bare)
        return secrets

    def _remember_session_id(self, value: str) -> None:
        with self._state_lock:
            self._session_ids.add(value)
            self._session_order = [known for known in self._session_order if known != value] + [value]
            if len(self._session_order) > KEPT_SESSION_IDS:
                # A long-lived client (the event source) logs in again and again: dead sessions are forgotten,
                # so the filter stays the password, the live session and the one it replaced (reads in flight).
                self._session_ids.difference_update(self._session_order[:-KEPT_SESSION_IDS])
                del self._session_order[:-KEPT_SESSION_IDS]
                self._secret_filter = SecretFilter([self.config.password])

    def _session_cookies(self) -> List[Any]:
        with self._jar_lock():
            return [cookie for cookie in self._session.cookies if cookie.name == SESSION_COOKIE]

    def _jar_lock(self) -> Any:
        # The jar locks its own changes but not iteration; pollers may receive cookies meanwhile.
        return self._session.cookies._cookies_lock  # pylint: disable=protected-access

    def _forget_session_cookie(self) -> None:
        with self._jar_lock():
            for cookie in self._session_cookies():
                self._session.cookies.clear(cookie.domain, cookie.path, cookie.name)

    def _pin_session_cookie(self) -> bool:
        """Keep exactly one session cookie, with path ``/``; ``False`` when there is none.

        SDM sets ``Path=/rest``, which a url with a path prefix (reverse proxy) would not match. The
        newest cookie is the one with the server's path; the copy is stored before the others are
        removed, so concurrent requests always carry a cookie.
        """
        with self._jar_lock():
            cookies = self._session_cookies()
            if not cookies:
                return False
            pinned = copy.copy(next((cookie for cookie in cookies if cookie.path != '/'), cookies[0]))
            if pinned.value:
                self._remember_session_id(pinned.value)
            pinned.path = '/'
            pinned.path_specified = True
            self._session.cookies.set_cookie(pinned)
            for cookie in cookies:
                if (cookie.domain, cookie.path) != (pinned.domain, pinned.path):
                    self._session.cookies.clear(cookie.domain, cookie.path, cookie.name)
        return True

    def _cookie_from_login_body(self, answer: _Answer) -> bool:
        """Fallback for a proxy that drops Set-Cookie: the login body carries the same session id."""
        try:
            session = decode_body(
                answer.body, answer.content_type, 'session', 'a login session', self.config.max_body_bytes
            )
        except SdmBadAnswerError:
            return False
        session_id = session.get('sessionId')
        if not isinstance(session_id, str) or not session_id.strip():
            return False
        self._remember_session_id(session_id.strip())
        self._session.cookies.set(SESSION_COOKIE, session_id.strip(), path='/')
        return True

    # Reading tasks -----------------------------------------------------------------------------

    def read_task(
        self, task_id: str, matcher: StateMatcher, deadline: Optional[Deadline] = None
    ) -> Tuple[Dict[str, Any], List[str]]:
        """One task, normalised, and the warnings about it (not recorded in `warnings`)."""
        path = task_path(task_id)
        answer = self._call('GET', path, deadline or self._unbounded())
        if answer.status == 404:
            raise self._not_found('GET', path, answer, task_id)
        self._raise_for_status('GET', path, answer)
        raw = self._decode('GET', path, answer, 'routeUpdateTaskDetails', 'route update task details')
        if not any(name in raw for name in TASK_FIELDS) and 'deviceStatusList' not in raw:
            raise SdmBadAnswerError(
                'GET %s answered %d without any field of a route update task (such as updateStatus)'
                % (self._full_path(path), answer.status),
                answer.status,
                self._full_path(path),
            )
        try:
            return normalise_task(raw, task_id, matcher)
        except SdmBadAnswerError as exc:
            raise SdmBadAnswerError(
                'GET %s: %s' % (self._full_path(path), exc.message), answer.status, self._full_path(path)
            ) from exc

    def get_task(self, task_id: str, matcher: StateMatcher, deadline: Optional[Deadline] = None) -> Dict[str, Any]:
        """One task, normalised; its warnings are added to `warnings`."""
        task, warnings = self.read_task(task_id, matcher, deadline)
        for message in warnings:
            self.warn(message)
        return task

    def list_pending_task_ids(self, deadline: Optional[Deadline] = None) -> List[str]:
        """Ids of all pending route update tasks, in the server's order."""
        answer = self._call('GET', TASKS_PATH, deadline or self._unbounded())
        self._raise_for_status('GET', TASKS_PATH, answer)
        if not answer.body.strip():
            return []
        raw = self._decode('GET', TASKS_PATH, answer, 'routeUpdateTasks', 'the list of pending route update tasks')
        try:
            return pending_task_ids(raw)
        except SdmBadAnswerError as exc:
            raise SdmBadAnswerError(
                'GET %s: %s' % (self._full_path(TASKS_PATH), exc.message), answer.status, self._full_path(TASKS_PATH)
            ) from exc

    # Actions ------------------------------------------------------------------------------------

    def send_action(self, task_id: str, action: str, deadline: Optional[Deadline] = None) -> None:
        """POST ``Commit``, ``Rollback`` or ``Cancel`` for one task; SDM answers 2xx without a body.

        The request is repeated only after faults that show it was not processed (no connection, 429,
        503); after any other fault `SdmUnconfirmedError` is raised, since an action that arrived twice
        would be refused or act twice. A refusal raises `SdmActionRefusedError` with the server's reason.
        """
        path = action_path(task_id)
        body = action_body(action, self.config.body_format)
        answer = self._call('POST', path, deadline or self._unbounded(), body, repeatable=False)
        if answer.status in REFUSED_ACTION_STATUSES:
            reason = self._excerpt(answer.body) or 'no reason given'
            request = 'POST %s answered %d%s' % (self._full_path(path), answer.status, _phrase(answer.status))
            raise SdmActionRefusedError(action, task_id, reason, request, answer.status, self._full_path(path))
        if answer.status == 404:
            raise self._not_found('POST', path, answer, task_id)
        self._raise_for_status('POST', path, answer)

    def _decode(self, method: str, path: str, answer: _Answer, root: str, what: str) -> Dict[str, Any]:
        try:
            return decode_body(
                answer.body, answer.content_type, root, what, self.config.max_body_bytes, clean=self._scrub
            )
        except SdmBadAnswerError as exc:
            raise SdmBadAnswerError(
                '%s %s answered %d with an unusable body: %s'
                % (method, self._full_path(path), answer.status, self._scrub(exc.message)),
                answer.status,
                self._full_path(path),
            ) from exc

    # HTTP --------------------------------------------------------------------------------------

    def _unbounded(self) -> Deadline:
        # Without a caller's deadline only RetryPolicy.max_attempts limits the retries.
        return Deadline(self.clock, None)

    def _call(
        self, method: str, path: str, deadline: Deadline, body: Optional[bytes] = None, repeatable: bool = True
    ) -> _Answer:
        """A request on the session; after a 401 it logs in again once and repeats the request.

        A 401 means the request was not processed, so this holds for a request that is not ``repeatable`` too.
        """
        generation = self._generation
        answer = self._exchange(method, path, deadline, body, repeatable)
        if answer.status != 401:
            return answer
        self._relogin(generation, deadline)
        answer = self._exchange(method, path, deadline, body, repeatable)
        if answer.status == 401:
            raise SdmAuthError(
                '%s; it still did after a fresh login' % self._summary(method, path, answer), 401, self._full_path(path)
            )
        return answer

    def _exchange(
        self, method: str, path: str, deadline: Deadline, body: Optional[bytes] = None, repeatable: bool = True
    ) -> _Answer:
        """One logical request: transient faults are retried as the policy and the deadline allow.

        A request that is not ``repeatable`` is only retried when the fault shows it was not processed.
        """
        attempts = 0
        while True:
            attempts += 1
            try:
                return self._attempt(method, path, body, repeatable)
            except _TransientFault as fault:
                if not repeatable and fault.may_have_arrived:
                    raise SdmUnconfirmedError(fault.error.gave_up_after(attempts)) from fault
                delay = self.config.retry.backoff_delay(attempts, deadline, fault.retry_after)
                if delay is None:
                    raise fault.error.gave_up_after(attempts) from fault
                self.clock.sleep(delay)

    def _attempt(self, method: str, path: str, body: Optional[bytes], repeatable: bool = True) -> _Answer:
        """One request. For a request that is not ``repeatable`` a 2xx status is the answer, whatever happens to the body."""
        headers = {'Content-Type': _MEDIA_TYPES[self.config.body_format]} if body is not None else None
        try:
            with self._session.request(
                method,
                self.config.base_url + path,
                data=body,
                headers=headers,
                timeout=self.config.request_timeout,
                verify=self.config.verify,
                allow_redirects=False,
                stream=True,
            ) as response:
                ok = 200 <= response.status_code < 300
                answer = _Answer(
                    status=response.status_code,
                    content_type=response.headers.get('Content-Type'),
                    body=self._read_body(
                        method,
                        path,
                        response,
                        self.config.max_body_bytes if ok else ERROR_BODY_LIMIT,
                        ok,
                        status_is_answer=ok and not repeatable,
                    ),
                    retry_after=response.headers.get('Retry-After'),
                    location=response.headers.get('Location'),
                )
                if SESSION_COOKIE in response.cookies and path != LOGIN_PATH:
                    self._pin_session_cookie()  # the server rotated the session id
        except requests.exceptions.SSLError as exc:
            raise SdmTransportError(
                '%s %s failed: TLS error with %s: %s; check validate_certs and ca_path'
                % (method, self._full_path(path), self.config.host, _exception_reason(exc)),
                path=self._full_path(path),
            ) from exc
        except (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            raise _TransientFault(
                SdmTransportError(
                    '%s %s failed: %s' % (method, self._full_path(path), self._transport_reason(exc)),
                    path=self._full_path(path),
                    transient=True,
                ),
                may_have_arrived=not _never_connected(exc),
            ) from exc
        except requests.exceptions.ContentDecodingError as exc:
            raise SdmBadAnswerError(
                '%s %s answered a body that cannot be decompressed: %s'
                % (method, self._full_path(path), _exception_reason(exc)),
                path=self._full_path(path),
            ) from exc
        except (requests.exceptions.RequestException, OSError) as exc:
            raise SdmTransportError(
                '%s %s failed: %s' % (method, self._full_path(path), _exception_reason(exc)), path=self._full_path(path)
            ) from exc
        if self.config.retry.is_transient_status(answer.status):
            error = self._status_error(method, path, answer)
            error.transient = True
            raise _TransientFault(
                error,
                parse_retry_after(answer.retry_after, self.clock.time()),
                may_have_arrived=answer.status not in UNPROCESSED_STATUSES,
            )
        return answer

    def _read_body(
        self, method: str, path: str, response: Any, limit: int, enforce: bool, status_is_answer: bool = False
    ) -> bytes:
        """The body, at most ``limit`` bytes: more is an error (``enforce``) or cut off (error pages).

        With ``status_is_answer`` (a 2xx to a login or an action) a body that breaks off reads as empty: the
        status proves the request was processed, so it must not count as lost (and never be sent again).
        """
        declared = response.headers.get('Content-Length', '')
        if enforce and declared.isdigit() and int(declared) > limit:
            raise self._too_big(method, path, response.status_code, int(declared), limit)
        chunks = []
        size = 0
        try:
            for chunk in iter_body(response, self.config.request_timeout):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    if enforce:
                        raise self._too_big(method, path, response.status_code, size, limit)
                    break
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
        ):
            if status_is_answer:
                # A login's session exists once status and cookie have arrived; an action was accepted.
                return b''
            raise
        return b''.join(chunks)[:limit]

    def _too_big(self, method: str, path: str, status: int, size: int, limit: int) -> SdmBadAnswerError:
        return SdmBadAnswerError(
            '%s %s answered %d with a body of more than %d bytes (%d or more); raise max_body_bytes if that is expected'
            % (method, self._full_path(path), status, limit, size),
            status,
            self._full_path(path),
        )

    def _not_found(self, method: str, path: str, answer: _Answer, task_id: str) -> SdmNotFoundError:
        return SdmNotFoundError.for_task(task_id, self._summary(method, path, answer), self._full_path(path))

    def _transport_reason(self, exc: Exception) -> str:
        if isinstance(exc, SlowBodyError):
            return 'the answer from %s started but did not arrive in full within %s seconds' % (
                self.config.host,
                self.config.request_timeout,
            )
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return 'no connection to %s within %s seconds' % (self.config.host, self.config.request_timeout)
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return 'no answer from %s within %s seconds' % (self.config.host, self.config.request_timeout)
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            return 'the connection to %s broke while reading the answer' % self.config.host
        if not _never_connected(exc):
            # Connected, then reset or closed: "cannot connect" would send the user looking at the network.
            return 'the connection to %s broke before the answer arrived: %s' % (self.config.host, _socket_reason(exc))
        return 'cannot connect to %s: %s' % (self.config.host, _exception_reason(exc))

    # Status handling ---------------------------------------------------------------------------

    def _raise_for_status(self, method: str, path: str, answer: _Answer) -> None:
        if not 200 <= answer.status < 300:
            raise self._status_error(method, path, answer)

    def _status_error(self, method: str, path: str, answer: _Answer) -> SdmError:
        summary = self._summary(method, path, answer)
        full_path = self._full_path(path)
        if answer.status == 401:
            return SdmAuthError('%s: the session is not valid' % summary, 401, full_path)
        if answer.status == 403:
            return SdmPermissionError(
                '%s: the user %r lacks the rights for this call (route management)' % (summary, self.config.username),
                403,
                full_path,
            )
        if answer.status == 404:
            return SdmNotFoundError(summary, 404, full_path)
        if 300 <= answer.status < 400:
            return SdmHttpError(
                '%s: redirected to %s; check url' % (summary, _location_path(answer.location)), answer.status, full_path
            )
        return SdmHttpError(summary, answer.status, full_path)

    def _summary(self, method: str, path: str, answer: _Answer) -> str:
        """``METHOD /path answered STATUS Phrase: excerpt`` without secrets."""
        text = '%s %s answered %d%s' % (method, self._full_path(path), answer.status, _phrase(answer.status))
        excerpt = self._excerpt(answer.body)
        return '%s: %s' % (text, excerpt) if excerpt else text

    def _full_path(self, path: str) -> str:
        return self.config.base_path + path

    def _scrub(self, text: str) -> str:
        """Remove the password and the session ids should a server echo them, plain or escaped."""
        for secret in self.secrets():
            self._secret_filter.add(secret)  # a secret already known costs a set lookup
        return self._secret_filter.clean(text)

    def _excerpt(self, body: Optional[bytes]) -> str:
        # Scrubbed before and after: tags stripped and entities decoded can form a secret anew.
        return self._scrub(text_excerpt(body, clean=self._scrub))


def _phrase(status: int) -> str:
    """`` Not Found`` for 404: the reason phrase with a leading space, empty for an unknown status."""
    try:
        return ' ' + http.HTTPStatus(status).phrase
    except ValueError:
        return ''


def _never_connected(exc: BaseException) -> bool:
    """Whether a request failed before any connection existed (refused, unresolved, connect timeout): it never arrived.

    A fault on an open connection (reset, read timeout) leaves open whether the server processed the request.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    # urllib3 1.26 and 2.x: NewConnectionError (refused, name resolution) subclasses ConnectTimeoutError.
    return any(
        isinstance(cause, urllib3.exceptions.ConnectTimeoutError) for cause in exception_chain(exc, wrapped_only=True)
    )


def _exception_reason(exc: BaseException) -> str:
    """The innermost readable cause of a requests/urllib3 exception, one line, without object reprs."""
    reason = exception_chain(exc, wrapped_only=True)[-1]
    text = _OBJECT_REPR.sub('', str(reason)).strip() or type(reason).__name__
    return text_excerpt(text.encode('utf-8'))


def _socket_reason(exc: BaseException) -> str:
    """The operating system's words for a broken connection (``Connection reset by peer``), else the innermost cause."""
    for cause in exception_chain(exc, wrapped_only=True):
        for item in (cause,) + tuple(cause.args):
            # requests' own exceptions are OSErrors too; the socket's error is the one with the system's words.
            if (
                isinstance(item, OSError)
                and not isinstance(item, requests.exceptions.RequestException)
                and (item.strerror or str(item))
            ):
                return text_excerpt((item.strerror or str(item)).encode('utf-8'))
    return _exception_reason(exc)


def _location_path(location: Optional[str]) -> str:
    if not location:
        return 'an unnamed location'
    parts = urlsplit(location)
    return (parts.path or '/')[:200]

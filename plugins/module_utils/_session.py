# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""`SdmSession`: one SDM session over one `Transport`: login, logout, the session cookie, one new login after a
401, and the secrets (password, session ids) kept out of every text.

A context manager: it logs in on enter and logs out on exit, also when the body raised. The session cookie never
enters the cookie jar that requests share: ``requests`` copies that jar into each request without its lock, so a
change while another thread's request is prepared could leave that request without the cookie, with two, or fail
it. This module keeps the cookie and gives each request its own copy, read under a lock. Other cookies (a load
balancer's) live in the shared jar.

Each request carries the session generation it was sent under: forgetting the cookie and a login start a new one,
and a session cookie in the answer to a request of an older generation (a 401 that opened a session, a rotation,
arriving after a new login) is ignored, so it can never replace the new login's cookie.
"""

from __future__ import annotations

import copy
import threading
from http.cookiejar import DefaultCookiePolicy
from typing import Any, Iterable, List, Optional, Set, Tuple, TypeVar

from ._clock import Clock, Deadline
from ._connection_config import ConnectionConfig
from ._decode import decode_body
from ._errors import SdmAuthError, SdmBadAnswerError, SdmError, SdmNotFoundError, SdmUnconfirmedError
from ._sdm_api import LOGIN_PATH, LOGOUT_PATH, SESSION_COOKIE, SESSION_ROOT, login_body
from ._secrets import SecretFilter
from ._transport import POOL_SIZE, Answer, Transport, new_cookie
from ._warnings import Warnings

# Session ids kept for scrubbing: the live one and the one it replaced (a read in flight may still echo it).
KEPT_SESSION_IDS = 2
# Why a login whose answer was lost is not tried again.
LOGIN_NOT_REPEATED = (
    'the login was not repeated: it may have opened a session on SDM, and every new try could leave one more '
    'session open until SDM expires it (SDM limits concurrent sessions)'
)
# Logout is a courtesy to the server: it must not hold up the result for long.
LOGOUT_RETRY_WINDOW = 5.0

_Session = TypeVar('_Session', bound='SdmSession')


class _NoServerSessionCookie(DefaultCookiePolicy):
    """Keeps the server's session cookie out of the shared jar: `SdmSession` keeps it and sends its own copy.

    Otherwise ``requests`` would store the server's copy (``Path=/rest``) in the jar when an answer arrives, and a
    request could carry it beside ours. Other cookies (a load balancer's) are kept as usual.
    """

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return cookie.name != SESSION_COOKIE and bool(super().set_ok(cookie, request))


class SdmSession:
    """An SDM session; thread-safe for concurrent requests (the polls of `PollWait` and the event source share it)."""

    max_concurrency = POOL_SIZE

    def __init__(self, config: ConnectionConfig, clock: Optional[Clock] = None, adapter: Any = None) -> None:
        """``adapter`` replaces the HTTP transport (a ``requests`` adapter), for tests."""
        self.config = config
        self.clock = clock or Clock()
        self.warnings = Warnings()
        self._logged_in = False
        self._generation = 0  # bumped by every login; tells concurrent pollers whether to log in again
        self._session_ids: Set[str] = set()  # the last session ids, kept after logout for scrubbing messages
        self._session_order: List[str] = []  # the same, oldest first
        self._login_lock = threading.Lock()
        self._state_lock = threading.Lock()
        # The session cookie and its generation, read and changed together.
        self._cookie_lock = threading.Lock()
        self._cookie: Any = None  # the session cookie every request carries (never in the shared jar)
        self._cookie_generation = 0  # bumped when the cookie is forgotten and when a login sets it
        self._secret_filter = SecretFilter([config.password])
        self.transport = Transport(
            config, self.clock, self._scrub, self.warn, self._on_cookies, self._cookies_to_send, adapter
        )
        self.transport.session.cookies.set_policy(_NoServerSessionCookie())
        self.recorder = self.transport.recorder

    def __repr__(self) -> str:
        return '%s(%r, logged_in=%r)' % (type(self).__name__, self.config, self._logged_in)

    def __enter__(self: _Session) -> _Session:
        try:
            self.login()
        except BaseException:
            self.transport.close()
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
            self.transport.close()

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

    # Login and logout --------------------------------------------------------------------------

    def login(self, deadline: Optional[Deadline] = None) -> None:
        """Open a session; its cookie is the one in the login's own answer (or, failing that, in its body).

        Like an action, the login is repeated only after faults that show it was not processed (no
        connection, 429, 503): a login whose answer was lost may have opened a session, and SDM limits them.
        """
        deadline = deadline or self._unbounded()
        body = login_body(self.config.username, self.config.password, self.config.body_format)
        self._forget_session_cookie()
        try:
            answer = self.transport.exchange('POST', LOGIN_PATH, deadline, body, repeatable=False)
        except SdmUnconfirmedError as lost:
            # Nobody may retry it: every new try could leave one more session open.
            lost.cause.transient = False
            raise lost.cause.with_note(LOGIN_NOT_REPEATED) from lost
        self._check_login(answer)
        with self._state_lock:
            self._generation += 1
            self._logged_in = True

    def _check_login(self, answer: Answer) -> None:
        summary = self.transport.summary('POST', LOGIN_PATH, answer)
        where = self.transport.full_path(LOGIN_PATH)
        if answer.status == 401:
            refused = 'login refused for user %r: wrong user name or password (%s)' % (self.config.username, summary)
            raise SdmAuthError(refused, 401, where, login=True)
        if answer.status == 404:
            missing = 'the login URL does not exist: check url and api_version %r (%s)' % (
                self.config.api_version,
                summary,
            )
            raise SdmNotFoundError(missing, 404, where, api=True)
        self.transport.raise_for_status('POST', LOGIN_PATH, answer)
        # Only the login's own answer counts: another request's answer may have set a cookie meanwhile.
        cookie = _session_cookie_in(answer.cookies or ()) or self._cookie_from_login_body(answer)
        if cookie is None:
            raise SdmAuthError(
                'POST %s answered %d but set no %s session cookie' % (where, answer.status, SESSION_COOKIE),
                answer.status,
                where,
                login=True,
            )
        self._set_session_cookie(cookie, new_generation=True)

    def logout(self) -> None:
        """Close the session on the server. Never raises an `SdmError`: a failure becomes a warning."""
        if not self._logged_in:
            return
        self._logged_in = False
        try:
            answer = self.transport.exchange('POST', LOGOUT_PATH, Deadline(self.clock, LOGOUT_RETRY_WINDOW))
            # 401: the session had already expired, so there is nothing left to close.
            if answer.status != 401:
                self.transport.raise_for_status('POST', LOGOUT_PATH, answer)
        except SdmError as exc:
            self.warn('logout failed, the session stays open on the server until it expires: %s' % exc.message)
        finally:
            self._forget_session_cookie()

    def _call(
        self, method: str, path: str, deadline: Deadline, body: Optional[bytes] = None, repeatable: bool = True
    ) -> Answer:
        """A request in the session; after a 401 it logs in again once and repeats the request.

        A 401 means the request was not processed, so this holds for a request that is not ``repeatable`` too.
        """
        generation = self._generation
        answer = self.transport.exchange(method, path, deadline, body, repeatable)
        if answer.status != 401:
            return answer
        self._relogin(generation, deadline)
        answer = self.transport.exchange(method, path, deadline, body, repeatable)
        if answer.status == 401:
            summary = self.transport.summary(method, path, answer)
            raise SdmAuthError('%s; it still did after a fresh login' % summary, 401, self.transport.full_path(path))
        return answer

    def _relogin(self, seen_generation: int, deadline: Deadline) -> None:
        """Log in again after a 401, unless another thread already did since ``seen_generation``."""
        with self._login_lock:
            if self._generation == seen_generation:
                self.login(deadline)

    def _unbounded(self) -> Deadline:
        # Without a caller's deadline only RetryPolicy.max_attempts limits the retries.
        return Deadline(self.clock, None)

    # The session cookie ------------------------------------------------------------------------

    def _cookies_to_send(self) -> Tuple[int, List[Any]]:
        """The session generation a request is sent under, and the session cookie it carries (none, or one)."""
        with self._cookie_lock:
            return self._cookie_generation, [self._cookie] if self._cookie is not None else []

    def _on_cookies(self, cookies: Any, sent_under: int) -> None:
        """Keep the session cookie of an answer (a new id the server rotated in) as the one sent from now on.

        ``cookies`` is the answer's own jar: reading it needs no lock, unlike the jar that requests share. An answer
        to a request sent under an older generation (before the cookie was forgotten or a login set a new one) is
        about a session this client no longer uses: its cookie is ignored. The login's own cookie is set by `login`.
        """
        received = _session_cookie_in(cookies)
        if received is not None:
            self._set_session_cookie(received, sent_under=sent_under)

    def _set_session_cookie(self, cookie: Any, new_generation: bool = False, sent_under: Optional[int] = None) -> None:
        """Replace the session cookie in one step, so each request carries exactly one.

        SDM sets ``Path=/rest``, which a url with a path prefix (reverse proxy) would not match: the copy kept has
        path ``/``. ``new_generation`` (a login) starts a generation; else the cookie is kept only when it came in
        the answer to a request of the present one (``sent_under``).
        """
        pinned = copy.copy(cookie)
        pinned.path = '/'
        pinned.path_specified = True
        with self._cookie_lock:
            if not new_generation and sent_under != self._cookie_generation:
                return
            if pinned.value:
                self._remember_session_id(pinned.value)
            self._cookie = pinned
            if new_generation:
                self._cookie_generation += 1

    def _cookie_from_login_body(self, answer: Answer) -> Any:
        """Fallback for a proxy that drops Set-Cookie: the login body carries the same session id (else None)."""
        try:
            session = decode_body(
                answer.body, answer.content_type, SESSION_ROOT, 'a login session', self.config.max_body_bytes
            )
        except SdmBadAnswerError:
            return None
        session_id = session.get('sessionId')
        if not isinstance(session_id, str) or not session_id.strip():
            return None
        return new_cookie(SESSION_COOKIE, session_id.strip())

    def _forget_session_cookie(self) -> None:
        """No session cookie from now on, and a new generation: answers to requests sent before cannot set one."""
        with self._cookie_lock:
            self._cookie = None
            self._cookie_generation += 1

    # Secrets -----------------------------------------------------------------------------------

    def secrets(self) -> List[str]:
        """The password and the last session ids this client held (`KEPT_SESSION_IDS`), also without ``.tomcat1``.

        The values to keep out of messages (see `_secrets.py`); still known after logout.
        """
        with self._state_lock:
            values = sorted(self._session_ids)
        secrets = [self.config.password]
        for value in values:
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

    def _scrub(self, text: str) -> str:
        """Remove the password and the session ids should a server echo them, plain or escaped."""
        for secret in self.secrets():
            self._secret_filter.add(secret)  # a secret already known costs a set lookup
        return self._secret_filter.clean(text)


def _session_cookie_in(cookies: Iterable[Any]) -> Any:
    """The session cookie among an answer's own cookies, or None."""
    return next((cookie for cookie in cookies if cookie.name == SESSION_COOKIE), None)

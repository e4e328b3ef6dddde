# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP to one SDM: one ``requests`` session and its connection pool, answers read to the end within bounds,
transient faults retried as the `RetryPolicy` and the deadline allow, and the words of an unwanted answer.

Knows nothing of logins or of SDM's calls: `_session.py` and `_client.py` build on it. Faults are classified by
`_faults.classify`; their words and whether to retry come from that classification.
"""

from __future__ import annotations

import http
import traceback
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple, Union
from urllib.parse import urlsplit

from ._body_watchdog import iter_body
from ._clock import Clock, Deadline
from ._connection_config import ConnectionConfig
from ._decode import text_excerpt
from ._errors import (
    SdmAuthError,
    SdmBadAnswerError,
    SdmError,
    SdmHttpError,
    SdmNotFoundError,
    SdmPermissionError,
    SdmTransportError,
    SdmUnconfirmedError,
)
from ._faults import Fault, classify
from ._recording import attach_recorder
from ._sdm_api import JSON, XML
from ._retry import parse_retry_after

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

MEDIA_TYPES = {XML: 'application/xml', JSON: 'application/json'}
# Busy answers that come before the request is processed: an action may be sent again after them.
UNPROCESSED_STATUSES = frozenset((429, 503))
# Connections kept per host: enough for the concurrent polls of the poll wait (`PollWait`).
POOL_SIZE = 16
# Error bodies only feed a short excerpt.
ERROR_BODY_LIMIT = 64 * 1024


@dataclass
class Answer:
    """One HTTP answer, read to the end."""

    status: int
    content_type: Optional[str]
    body: bytes
    retry_after: Optional[str] = None
    location: Optional[str] = None
    cookies: Any = None  # the answer's own cookie jar (not the one requests share)


class _TransientFault(Exception):
    """One attempt failed in a way a later attempt may not: carries the error to raise if none is left.

    ``may_have_arrived`` is false only when the request certainly was not processed (no connection, 429, 503).
    """

    def __init__(self, error: SdmError, retry_after: Optional[float] = None, may_have_arrived: bool = True) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after
        self.may_have_arrived = may_have_arrived


class Transport:
    """One ``requests.Session`` to one SDM; thread-safe for concurrent requests.

    ``scrub`` removes the secrets from a text. ``request_cookies()`` gives, for each request, the cookies it carries
    besides the shared jar's (read once, as the request leaves) and a token; ``on_cookies(cookies, token)`` sees the
    cookies of every answer as it arrives, with the token of its request. ``adapter`` replaces the HTTP transport (a
    ``requests`` adapter), for tests.
    """

    def __init__(
        self,
        config: ConnectionConfig,
        clock: Clock,
        scrub: Callable[[str], str],
        warn: Callable[[str], None],
        on_cookies: Callable[[Any, Any], None],
        request_cookies: Callable[[], Tuple[Any, List[Any]]],
        adapter: Any = None,
    ) -> None:
        if not HAS_REQUESTS:
            raise SdmError('the Python library requests is not installed')
        self.config = config
        self.clock = clock
        self._scrub = scrub
        self._on_cookies = on_cookies
        self._request_cookies = request_cookies
        self.session = self._new_session(adapter)
        self.recorder = attach_recorder(self.session, config, scrub, warn)

    def _new_session(self, adapter: Any) -> Any:
        session = requests.Session()
        adapter = adapter or HTTPAdapter(pool_connections=2, pool_maxsize=POOL_SIZE, max_retries=0)
        session.mount('https://', adapter)
        session.mount('http://', adapter)
        session.headers['Accept'] = MEDIA_TYPES[self.config.body_format]
        session.headers['User-Agent'] = 'ocsdm.route_manager'
        if not self.config.validate_certs:
            # The module warns once about the choice; urllib3 would add one warning per request.
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        return session

    def close(self) -> None:
        self.session.close()

    # Requests ----------------------------------------------------------------------------------

    def exchange(
        self, method: str, path: str, deadline: Deadline, body: Optional[bytes] = None, repeatable: bool = True
    ) -> Answer:
        """One logical request: transient faults are retried as the policy and the deadline allow.

        A request that is not ``repeatable`` is only retried when the fault shows it was not processed; otherwise
        `SdmUnconfirmedError` is raised. For such a request a 2xx status is the answer, whatever happens to the body.
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

    def _attempt(self, method: str, path: str, body: Optional[bytes], repeatable: bool) -> Answer:
        headers = {'Content-Type': MEDIA_TYPES[self.config.body_format]} if body is not None else None
        token, own_cookies = self._request_cookies()
        try:
            with self.session.request(
                method,
                self.config.base_url + path,
                data=body,
                headers=headers,
                cookies=_jar_of(own_cookies),
                timeout=self.config.request_timeout,
                verify=self.config.verify,
                allow_redirects=False,
                stream=True,
            ) as response:
                if response.cookies:
                    self._on_cookies(response.cookies, token)
                answer = self._read_answer(method, path, response, repeatable)
        except requests.exceptions.ContentDecodingError as exc:
            raise SdmBadAnswerError(
                '%s %s answered a body that cannot be decompressed: %s'
                % (method, self.full_path(path), self._reason(classify(exc))),
                path=self.full_path(path),
            ) from exc
        except (requests.exceptions.RequestException, OSError) as exc:
            raise self._fault_error(method, path, classify(exc)) from exc
        if self.config.retry.is_transient_status(answer.status):
            error = self.status_error(method, path, answer)
            error.transient = True
            raise _TransientFault(
                error,
                parse_retry_after(answer.retry_after, self.clock.time()),
                may_have_arrived=answer.status not in UNPROCESSED_STATUSES,
            )
        return answer

    def _read_answer(self, method: str, path: str, response: Any, repeatable: bool) -> Answer:
        ok = 200 <= response.status_code < 300
        limit = self.config.max_body_bytes if ok else ERROR_BODY_LIMIT
        return Answer(
            status=response.status_code,
            content_type=response.headers.get('Content-Type'),
            body=self._read_body(method, path, response, limit, ok, status_is_answer=ok and not repeatable),
            retry_after=response.headers.get('Retry-After'),
            location=response.headers.get('Location'),
            cookies=response.cookies,
        )

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

    def _fault_error(self, method: str, path: str, fault: Fault) -> Union[SdmTransportError, _TransientFault]:
        """The error of a fault, in the words of its classification; wrapped for a retry when it is transient."""
        words = fault.words(self.config.host, self.config.request_timeout, self._reason(fault))
        error = SdmTransportError(
            '%s %s failed: %s' % (method, self.full_path(path), words),
            path=self.full_path(path),
            transient=fault.transient,
            fault=fault,
        )
        return _TransientFault(error, may_have_arrived=fault.may_have_arrived) if fault.transient else error

    @staticmethod
    def _reason(fault: Fault) -> str:
        return text_excerpt(fault.reason.encode('utf-8'))

    # The words of an answer --------------------------------------------------------------------

    def raise_for_status(self, method: str, path: str, answer: Answer) -> None:
        if not 200 <= answer.status < 300:
            raise self.status_error(method, path, answer)

    def status_error(self, method: str, path: str, answer: Answer) -> SdmError:
        summary = self.summary(method, path, answer)
        full_path = self.full_path(path)
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

    def answered(self, method: str, path: str, status: int) -> str:
        """``METHOD /path answered STATUS Phrase``."""
        return '%s %s answered %d%s' % (method, self.full_path(path), status, _phrase(status))

    def summary(self, method: str, path: str, answer: Answer) -> str:
        """``METHOD /path answered STATUS Phrase: excerpt`` without secrets."""
        text = self.answered(method, path, answer.status)
        excerpt = self.excerpt(answer.body)
        return '%s: %s' % (text, excerpt) if excerpt else text

    def full_path(self, path: str) -> str:
        return self.config.base_path + path

    def excerpt(self, body: Optional[bytes]) -> str:
        # Scrubbed before and after: tags stripped and entities decoded can form a secret anew.
        return self._scrub(text_excerpt(body, clean=self._scrub))

    def _too_big(self, method: str, path: str, status: int, size: int, limit: int) -> SdmBadAnswerError:
        return SdmBadAnswerError(
            '%s %s answered %d with a body of more than %d bytes (%d or more); raise max_body_bytes if that is expected'
            % (method, self.full_path(path), status, limit, size),
            status,
            self.full_path(path),
        )


def new_cookie(name: str, value: str) -> Any:
    """A cookie sent on every path of the host."""
    return requests.cookies.create_cookie(name, value, path='/')


def _jar_of(cookies: List[Any]) -> Any:
    """The cookies of one request in a jar of its own: ``requests`` copies the shared jar and this one into the
    request, and only the shared jar can change while it is copied."""
    if not cookies:
        return None
    jar = requests.cookies.RequestsCookieJar()
    for cookie in cookies:
        jar.set_cookie(cookie)
    return jar


def _phrase(status: int) -> str:
    """`` Not Found`` for 404: the reason phrase with a leading space, empty for an unknown status."""
    try:
        return ' ' + http.HTTPStatus(status).phrase
    except ValueError:
        return ''


def _location_path(location: Optional[str]) -> str:
    if not location:
        return 'an unnamed location'
    parts = urlsplit(location)
    return (parts.path or '/')[:200]

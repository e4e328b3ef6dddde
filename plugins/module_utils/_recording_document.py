# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One exchange as the recorder writes it: the document of `_recording_format`, with no secret in any form and,
when asked for, placeholders for host names and device ids.

What no file may hold, in any form: the password, the session ids and every cookie value. Each exchange teaches the
run's `SecretFilter` the cookie values and session ids it carries; then every text of the document goes through the
client's own scrubbing and the filter. The SDM documents (the login's ``<session>``, a task, the pending list) are
read with the decoder (`_decode.decode_body`), the one that reads them for the client.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from . import _recording_format as recording_format
from ._decode import decode_body, detect_format
from ._errors import SdmBadAnswerError
from ._placeholder_ids import identifiers, placeholder, replace_tokens
from ._recording_adapter import Exchange, TeeBody
from ._sdm_api import JSON, SESSION_COOKIE, SESSION_ROOT, XML, answer_root
from ._secrets import REDACTED, SecretFilter
from ._transport import ERROR_BODY_LIMIT

# Shorter cookie values are removed from the cookie headers only.
MIN_SECRET_LENGTH = 4
# An encoded character takes at most 12 characters (%F0%9F%98%80): the tail left out of a body cut short,
# so that no part of a secret cut in the middle remains.
ENCODED_CHAR_WIDTH = 12
SECRETS_REMOVED = 'password, session ids and cookie values, in every encoding, replaced by %s' % REDACTED

_ANSWER_HEADER_NAMES = frozenset(name.lower() for name in recording_format.ANSWER_HEADERS)
# A session id in any text (a URL, a Location header, an error page): JSESSIONID=..., ;jsessionid=...
_SESSION_ID_IN_TEXT = re.compile(re.escape(SESSION_COOKIE) + r'\s*[=:]\s*"?([^;,\s"\'<>&]+)', re.IGNORECASE)


class DocumentMaker:
    """The documents of one run: ``secrets`` grows with every exchange; ``key`` set means placeholders."""

    def __init__(
        self, secrets: SecretFilter, scrub: Callable[[str], str], max_body_bytes: int, base_path: str, host: str
    ) -> None:
        self.secrets = secrets
        self.key: Optional[bytes] = None
        self._scrub = scrub
        self._max_body_bytes = max_body_bytes
        self._base_path = base_path
        self._host = host

    def document(self, exchange: Exchange, run: str, sequence: int, elapsed: float) -> Dict[str, Any]:
        """The exchange as written: secrets removed, placeholders put in when asked for."""
        response, tee = exchange.response, exchange.tee
        request = response.request
        path = urlsplit(request.url).path
        sdm_document, why_left_out = self._read(path, response, tee)
        self._learn_secrets(response, tee, sdm_document)
        body, encoding, note = self._answer_body(response, tee)
        if why_left_out and body is not None and tee.size:
            body, encoding, note = None, None, why_left_out
        document = recording_format.exchange_document(
            run,
            sequence,
            elapsed,
            recording_format.at_text(exchange.sent),
            recording_format.request_part(
                request.method,
                path,
                _headers(request.headers, recording_format.REQUEST_HEADERS),
                _request_text(request.body),
            ),
            recording_format.answer_part(
                response.status_code,
                response.headers.get('Content-Type'),
                body,
                tee.size,
                encoding,
                note,
                response.reason,
                _headers(response.headers, recording_format.ANSWER_HEADERS, _set_cookies(response, tee)),
                (name for name in response.headers if name.lower() not in _ANSWER_HEADER_NAMES),
            ),
            SECRETS_REMOVED,
            self.key is not None,
        )
        return self._cleaned(document, sdm_document)

    def _read(self, path: str, response: Any, tee: TeeBody) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
        """The SDM document of the answer, read when it must be: a login's (it carries the session id) and, with
        placeholders, every XML or JSON answer (host names and device ids are its fields). A body that must be read
        and cannot be (not a whole SDM document) is not written: the second item says why, else it is None."""
        ok = 200 <= response.status_code < 300
        root = answer_root(path[len(self._base_path) :]) if ok and path.startswith(self._base_path) else None
        if root != SESSION_ROOT and (self.key is None or not _is_data(response, tee)):
            return None, None
        document = None
        if root is not None and _whole(response, tee):
            try:
                document = decode_body(
                    bytes(tee.data),
                    response.headers.get('Content-Type'),
                    root,
                    'a recorded answer',
                    self._max_body_bytes,
                )
            except SdmBadAnswerError:
                pass
        if document is not None:
            return document, None
        if root == SESSION_ROOT:
            return (
                None,
                'not written: the login answer is not a whole session document, so a session id in it cannot be found',
            )
        return None, (
            'not written: record_placeholders is on and the body is not a whole SDM document, '
            'so its host names and device ids cannot be found'
        )

    def _answer_body(self, response: Any, tee: TeeBody) -> Tuple[Optional[str], Optional[str], Optional[str]]:
        """The body as text, its encoding, and a note when it is not there or not whole."""
        declared = response.headers.get('Content-Length', '')
        if tee.size > self._max_body_bytes or (declared.isdigit() and int(declared) > self._max_body_bytes):
            return None, None, 'not written: the body is larger than max_body_bytes (%d bytes)' % self._max_body_bytes
        text, encoding = recording_format.body_text(bytes(tee.data))
        if _whole(response, tee):
            return text, encoding, None
        why = (
            'the answer broke off (%s)' % type(tee.error).__name__
            if tee.error is not None
            else 'the client stopped reading it (answers that are not 2xx are read up to %d KiB)'
            % (ERROR_BODY_LIMIT // 1024)
        )
        # a secret cut in the middle would escape the filter: the tail goes
        tail = ENCODED_CHAR_WIDTH * max(self.secrets.longest, MIN_SECRET_LENGTH)
        note = 'cut short after %d bytes: %s; the last %d characters are left out' % (
            tee.size,
            why,
            min(tail, len(text)),
        )
        return text[: max(0, len(text) - tail)], encoding, note

    def _learn_secrets(self, response: Any, tee: TeeBody, sdm_document: Optional[Dict[str, Any]]) -> None:
        """Every cookie value and session id this exchange carries becomes a secret of the run."""
        found = cookie_values(response.request.headers.get('Cookie') or '')
        for header in _set_cookies(response, tee):
            found.extend(cookie_values(header.split(';', 1)[0]))
        found.extend(cookie.value for cookie in response.cookies if cookie.value)
        for text in (recording_format.body_text(bytes(tee.data))[0], response.headers.get('Location') or ''):
            found.extend(_SESSION_ID_IN_TEXT.findall(text))
        session_id = (sdm_document or {}).get('sessionId')
        if isinstance(session_id, str) and session_id.strip():
            found.append(session_id.strip())
        for value in found:
            self.secrets.add(value)
            # Tomcat adds the node to the id (ABC.tomcat1); the login body may carry it without
            self.secrets.add(value.rsplit('.', 1)[0] if '.' in value else None)

    def _cleaned(self, document: Dict[str, Any], sdm_document: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        """Every text of the document through the client's scrubbing and the secret filter; then, when asked for, the
        placeholders in the headers and bodies (not in the path: a task id stays as it is)."""
        document = _map_texts(document, lambda text: self.secrets.clean(self._scrub(text)))
        if self.key is not None:
            mapping = self._placeholder_map(sdm_document)
            for part in (document['request'], document['answer']):
                for name in ('headers', 'body'):
                    part[name] = _map_texts(part[name], lambda text: replace_tokens(text, mapping))
        return document

    def _placeholder_map(self, sdm_document: Optional[Dict[str, Any]]) -> Dict[str, str]:
        """Host names and device ids of this exchange, each with its placeholder (the same one in every file)."""
        found = identifiers(sdm_document) if sdm_document else {}
        if self._host:
            found[self._host] = 'host'
        return dict((value, placeholder(self.key or b'', kind, value)) for value, kind in found.items())


def cookie_values(header: str) -> List[str]:
    """The values of a ``Cookie`` header (``a=1; b=2``) or of one ``Set-Cookie`` header (``a=1; Path=/``)."""
    values = []
    for part in header.split(';'):
        name, sep, value = part.partition('=')
        if sep and name.strip():
            values.append(value.strip().strip('"'))
    return values


def without_cookie_values(header: str, set_cookie: bool) -> str:
    """The header with every cookie value (for ``Set-Cookie``, the first pair's) replaced."""
    parts = header.split(';')
    for index, part in enumerate(parts):
        if set_cookie and index > 0:
            break
        name, sep, _value = part.partition('=')
        if sep:
            parts[index] = '%s=%s' % (name, REDACTED)
    return ';'.join(parts)


def _headers(headers: Any, names: Tuple[str, ...], set_cookies: Optional[List[str]] = None) -> Dict[str, Any]:
    kept: Dict[str, Any] = {}
    for name in names:
        if name == 'Set-Cookie':
            if set_cookies:
                kept[name] = [without_cookie_values(value, True) for value in set_cookies]
            continue
        value = headers.get(name)
        if value is not None:
            kept[name] = without_cookie_values(value, False) if name == 'Cookie' else value
    return kept


def _whole(response: Any, tee: TeeBody) -> bool:
    """Whether the client read the body to its end (and it had the length it announced)."""
    declared = response.headers.get('Content-Length', '')
    return tee.ended and not (declared.isdigit() and tee.size < int(declared))


def _is_data(response: Any, tee: TeeBody) -> bool:
    """Whether the body is XML or JSON (where host names and device ids are fields), by the decoder's detection."""
    return detect_format(bytes(tee.data[:1024]), response.headers.get('Content-Type')) in (XML, JSON)


def _set_cookies(response: Any, tee: TeeBody) -> List[str]:
    """Every ``Set-Cookie`` header of the answer (``requests`` joins them into one; the raw headers keep each)."""
    getlist = getattr(getattr(tee.raw, 'headers', None), 'getlist', None)
    if callable(getlist):
        return list(getlist('Set-Cookie'))
    value = response.headers.get('Set-Cookie')
    return [value] if value else []


def _request_text(body: Any) -> Optional[str]:
    if not body:
        return None
    return recording_format.body_text(body if isinstance(body, bytes) else str(body).encode('utf-8'))[0]


def _map_texts(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return dict((key, _map_texts(item, change)) for key, item in value.items())
    if isinstance(value, list):
        return [_map_texts(item, change) for item in value]
    return value

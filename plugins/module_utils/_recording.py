# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Recording what SDM answered: one JSON file per HTTP exchange, without secrets, for bug reports and replays.

Off unless ``record_dir`` is set; then `attach_recorder` adds a ``requests`` response hook to the client's
session and nothing else changes in the exchange path. The hook lets the body pass through a tee as the client
reads it (the client's limits and watchdog still apply), and writes the exchange when the client closes the answer.

What no file may hold, in any form: the password, the session ids and every cookie value. The client's own
scrubbing runs first; then the shared `_secrets.SecretFilter` removes each secret written plainly, JSON-escaped (also ``\\uXXXX``),
XML-escaped or as a character reference, percent-encoded, in base64, or any mix of these, character by character;
a last check of the finished file refuses to write it when a secret could still be found. Writing never fails the
run: a problem becomes one warning, and the run goes on without (that part of) the recording.

The simulator (``tests/simulator``) replays such a folder: ``python -m sdm_simulator --replay DIR``.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple
from urllib.parse import urlsplit

from ._errors import SdmError
from ._placeholder_ids import identifiers, replace_tokens
from ._safe_files import NOFOLLOW, FileRefused, check_private, read_bounded
from ._secrets import REDACTED, SecretFilter

FORMAT = 'ocsdm.route_manager.recording/1'
# Written once per folder: the format and when the recording started (every run's times count from there).
MARKER = 'recording.json'
# The key of the placeholders; it lets anyone who holds it tell which device a placeholder stands for.
PLACEHOLDER_KEY = '.placeholder-key'
# Bounds: exchanges one run writes, and files a folder may hold before runs stop adding to it.
MAX_FILES_PER_RUN = 1000
MAX_FILES_PER_FOLDER = 20000
# A shorter password cannot be told apart from ordinary text: nothing is recorded then.
MIN_PASSWORD_LENGTH = 4
# Shorter cookie values are removed from the cookie headers only.
MIN_SECRET_LENGTH = 4
# File names start with the milliseconds from the folder's start, in so many digits (317 years: they keep sorting).
NAME_DIGITS = 13
_LEADING_NUMBER = re.compile(r'^([0-9]+)-')
# An encoded character takes at most 12 characters (%F0%9F%98%80): the tail left out of a body cut short,
# so that no part of a secret cut in the middle remains.
ENCODED_CHAR_WIDTH = 12

REQUEST_HEADERS = ('Accept', 'Content-Type', 'Content-Length', 'Cookie')
ANSWER_HEADERS = (
    'Content-Type',
    'Content-Length',
    'Content-Encoding',
    'Transfer-Encoding',
    'Location',
    'Retry-After',
    'Allow',
    'WWW-Authenticate',
    'Server',
    'Set-Cookie',
)

_ANSWER_HEADER_NAMES = frozenset(name.lower() for name in ANSWER_HEADERS)
# Session ids a server may quote in any text: JSESSIONID=..., ;jsessionid=..., <sessionId>...</sessionId>, "sessionId": "...".
_SESSION_IDS = (
    re.compile(r'jsessionid\s*[=:]\s*"?([^;,\s"\'<>&]+)', re.IGNORECASE),
    re.compile(r'<sessionId>\s*([^<\s]+)\s*</sessionId>'),
    re.compile(r'"sessionId"\s*:\s*"([^"\\]+)"'),
)
_UNSAFE_NAME = re.compile(r'[^A-Za-z0-9._-]+')


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


class _BodyTee:
    """Stands in for ``response.iter_content``: keeps a copy of what the client reads, at most ``keep + 1`` bytes."""

    def __init__(self, iter_content: Callable[..., Iterable[bytes]], keep: int) -> None:
        self._iter_content = iter_content
        self._keep = keep
        self.data = bytearray()
        self.size = 0
        self.ended = False
        self.error: Optional[BaseException] = None

    def __call__(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        return self._chunks(self._iter_content(*args, **kwargs))

    def _chunks(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        try:
            for chunk in chunks:
                if isinstance(chunk, bytes):
                    self.size += len(chunk)
                    if len(self.data) <= self._keep:
                        self.data += chunk[: self._keep + 1 - len(self.data)]
                yield chunk
        except Exception as exc:
            self.error = exc
            raise
        self.ended = True


class _Exchange:
    """One answer being read: its response, its tee, and when its request left."""

    def __init__(self, response: Any, tee: _BodyTee, sent: float, sent_monotonic: float) -> None:
        self.response = response
        self.tee = tee
        self.sent = sent  # wall clock, for the date shown
        self.sent_monotonic = sent_monotonic  # for the order: a wall clock step cannot reorder a run's files
        self.recorded = False


class Recorder:
    """Writes each exchange of one client run to ``config.record_dir``; thread-safe, never raises into the client."""

    def __init__(self, config: Any, scrub: Callable[[str], str], warn: Callable[[str], None]) -> None:
        self.folder = os.path.abspath(os.path.expanduser(config.record_dir))
        self.max_body_bytes = config.max_body_bytes
        self.placeholders = bool(getattr(config, 'record_placeholders', False))
        self.host = urlsplit(config.url).hostname or ''
        self.secrets = SecretFilter(min_length=MIN_SECRET_LENGTH)
        self.secrets.add(config.password)
        self.written = 0
        self._scrub = scrub
        self._warn = warn
        self._warned: Set[str] = set()
        self._lock = threading.Lock()
        self._run = secrets.token_hex(3)
        self._started: Optional[float] = None
        # Where this run's times start, in seconds from the folder's start, and the monotonic time they count from.
        self._base = 0.0
        self._origin: Optional[float] = None
        self._key: Optional[bytes] = None
        self._stopped: Optional[str] = None
        self._latest = -1  # the highest leading number of a file name in the folder when the run started
        self._claimed = 0
        if not isinstance(config.password, str) or len(config.password) < MIN_PASSWORD_LENGTH:
            self._stop(
                'the password is shorter than %d characters, too short to be removed from the recording safely'
                % MIN_PASSWORD_LENGTH
            )

    # the requests hook --------------------------------------------------------------------------------

    def on_response(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        """``requests`` response hook: read the body through a tee, record the exchange when the client closes it."""
        if self._stopped:
            return response
        try:
            took = response.elapsed.total_seconds()
            exchange = _Exchange(
                response,
                _BodyTee(response.iter_content, self.max_body_bytes),
                time.time() - took,
                time.monotonic() - took,
            )
            response.iter_content = exchange.tee
            close = response.close

            def record_then_close() -> None:
                try:
                    self.record(exchange)
                finally:
                    close()

            response.close = record_then_close
        except Exception as exc:  # pylint: disable=broad-exception-caught  # recording must never fail the run
            self._stop('cannot follow the answer: %s' % self._reason(exc))
        return response

    def record(self, exchange: _Exchange) -> None:
        """Write one exchange, once; a problem becomes a warning."""
        if exchange.recorded or self._stopped:
            return
        exchange.recorded = True
        try:
            sequence = self._claim(exchange)
            if sequence is None:
                return
            document = self.document(exchange, sequence)
            text = json.dumps(document, indent=1, ensure_ascii=False) + '\n'
            if self.secrets.leaks(text):
                self._warn_once(
                    'an exchange (%s %s) was not recorded: a secret could not be removed from it'
                    % (document['request']['method'], document['request']['path'])
                )
                return
            self._write(self._file_name(document), text)
        except Exception as exc:  # pylint: disable=broad-exception-caught  # recording must never fail the run
            self._stop('cannot write the recording to %s: %s' % (self.folder, self._reason(exc)))

    # the document -------------------------------------------------------------------------------------

    def document(self, exchange: _Exchange, sequence: int) -> Dict[str, Any]:
        """The exchange as written: secrets removed, placeholders put in when asked for."""
        response = exchange.response
        request = response.request
        self._learn_secrets(exchange)
        answer_body, encoding, note = self._answer_body(exchange)
        document = {
            'format': FORMAT,
            'run': self._run,
            'sequence': sequence,
            # concurrent polls may be claimed in another order than they were sent
            'elapsed': round(self._elapsed(exchange), 3),
            'at': datetime.fromtimestamp(exchange.sent, timezone.utc)
            .isoformat(timespec='milliseconds')
            .replace('+00:00', 'Z'),
            'request': {
                'method': request.method,
                'path': urlsplit(request.url).path,
                'headers': self._headers(request.headers, REQUEST_HEADERS),
                'body': _request_text(request.body),
            },
            'answer': {
                'status': response.status_code,
                'reason': response.reason,
                'content_type': response.headers.get('Content-Type'),
                'headers': self._headers(response.headers, ANSWER_HEADERS, _set_cookies(response)),
                'other_headers': sorted(name for name in response.headers if name.lower() not in _ANSWER_HEADER_NAMES),
                'body': answer_body,
                'body_bytes': exchange.tee.size,
                'body_encoding': encoding,
                'body_note': note,
            },
            'secrets_removed': 'password, session ids and cookie values, in every encoding, replaced by %s' % REDACTED,
            'placeholders': self.placeholders,
        }
        return self._cleaned(document)

    def _answer_body(self, exchange: _Exchange) -> Tuple[Optional[str], Optional[str], Optional[str]]:
        """The body as text, its encoding, and a note when it is not there or not whole."""
        tee, response = exchange.tee, exchange.response
        declared = response.headers.get('Content-Length', '')
        if tee.size > self.max_body_bytes or (declared.isdigit() and int(declared) > self.max_body_bytes):
            return None, None, 'not written: the body is larger than max_body_bytes (%d bytes)' % self.max_body_bytes
        text, encoding = _text(bytes(tee.data))
        if tee.ended and not (declared.isdigit() and tee.size < int(declared)):
            return text, encoding, None
        why = (
            'the answer broke off (%s)' % type(tee.error).__name__
            if tee.error is not None
            else 'the client stopped reading it (answers that are not 2xx are read up to 64 KiB)'
        )
        # a secret cut in the middle would escape the filter: the tail goes
        tail = ENCODED_CHAR_WIDTH * max(self.secrets.longest, MIN_SECRET_LENGTH)
        note = 'cut short after %d bytes: %s; the last %d characters are left out' % (
            tee.size,
            why,
            min(tail, len(text)),
        )
        return text[: max(0, len(text) - tail)], encoding, note

    def _headers(self, headers: Any, names: Tuple[str, ...], set_cookies: Optional[List[str]] = None) -> Dict[str, Any]:
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

    def _learn_secrets(self, exchange: _Exchange) -> None:
        """Every cookie value and session id this exchange carries becomes a secret of the run."""
        response = exchange.response
        found = cookie_values(response.request.headers.get('Cookie') or '')
        for header in _set_cookies(response):
            found.extend(cookie_values(header.split(';', 1)[0]))
        found.extend(cookie.value for cookie in response.cookies if cookie.value)
        for text in (_text(bytes(exchange.tee.data))[0], response.headers.get('Location') or ''):
            for pattern in _SESSION_IDS:
                found.extend(pattern.findall(text))
        for value in found:
            self.secrets.add(value)
            # Tomcat adds the node to the id (ABC.tomcat1); the login body may carry it without
            self.secrets.add(value.rsplit('.', 1)[0] if '.' in value else None)

    def _cleaned(self, document: Dict[str, Any]) -> Dict[str, Any]:
        """Every text of the document through the client's scrubbing and the secret filter; then, when asked for, the
        placeholders in the headers and bodies (not in the path: a task id stays as it is)."""
        document = _map_texts(document, lambda text: self.secrets.clean(self._scrub(text)))
        if self.placeholders:
            mapping = self._placeholder_map(document)
            for part in (document['request'], document['answer']):
                for name in ('headers', 'body'):
                    part[name] = _map_texts(part[name], lambda text: replace_tokens(text, mapping))
        return document

    # placeholders -------------------------------------------------------------------------------------

    def _placeholder_map(self, document: Dict[str, Any]) -> Dict[str, str]:
        """Host names and device ids of this exchange, each with its placeholder (the same one in every file)."""
        found: Dict[str, str] = {}
        if self.host:
            found[self.host] = 'host'
        for body in (document['request']['body'], document['answer']['body']):
            if body:
                found.update(identifiers(body))
        return dict((value, self._placeholder(kind, value)) for value, kind in found.items())

    def _placeholder(self, kind: str, value: str) -> str:
        digest = hmac.new(self._key or b'', ('%s\0%s' % (kind, value)).encode('utf-8'), hashlib.sha256).hexdigest()
        return '%s-%s' % (kind, digest[:10])

    # files --------------------------------------------------------------------------------------------

    def _elapsed(self, exchange: _Exchange) -> float:
        """Seconds from the folder's start to the request: this run's start, then its monotonic clock."""
        origin = exchange.sent_monotonic if self._origin is None else self._origin
        return self._base + max(0.0, exchange.sent_monotonic - origin)

    def _claim(self, exchange: _Exchange) -> Optional[int]:
        """The sequence number of the next file, or None when this run records no more."""
        with self._lock:
            if self._stopped:
                return None
            if self._started is None:
                self._prepare_folder(exchange.sent)
                # After every file already there, even if the wall clock went back since: names keep their order.
                self._base = max(exchange.sent - (self._started or exchange.sent), self._latest / 1000.0 + 0.001, 0.0)
                self._origin = exchange.sent_monotonic
            if self._claimed >= MAX_FILES_PER_RUN:
                self._stop(
                    'this run reached the limit of %d recorded exchanges; the rest is not recorded' % MAX_FILES_PER_RUN
                )
                return None
            self._claimed += 1
            return self._claimed

    def _prepare_folder(self, first_sent: float) -> None:
        """The folder, its marker (which a first run writes with the time of its first request) and the placeholder key."""
        if not os.path.isdir(self.folder):
            os.makedirs(self.folder, mode=0o700)
        names = os.listdir(self.folder)
        self._latest = max([int(found.group(1)) for found in map(_LEADING_NUMBER.match, names) if found] or [-1])
        if sum(1 for name in names if name.endswith('.json')) >= MAX_FILES_PER_FOLDER:
            raise _Full(
                'the folder holds %d or more files already; use a new folder for each change window'
                % MAX_FILES_PER_FOLDER
            )
        marker = self._created_once(
            MARKER,
            lambda: (
                json.dumps(
                    {
                        'format': FORMAT,
                        'started': first_sent,
                        'note': 'One JSON file per HTTP exchange with SDM, in the order of their names; replay them with '
                        'python -m sdm_simulator --replay FOLDER (from tests/simulator of the collection ocsdm.route_manager).',
                    },
                    indent=1,
                )
                + '\n'
            ),
        )
        try:
            data = json.loads(marker)
            started = float(data['started'])
            if data.get('format') != FORMAT:
                raise ValueError(data.get('format'))
        except (ValueError, KeyError, TypeError):
            raise _Full('%s there is not a recording of this version (%s)' % (MARKER, FORMAT)) from None
        if self.placeholders:
            self._key = binascii.unhexlify(self._created_once(PLACEHOLDER_KEY, _new_key, private=True).strip())
        self._started = started

    def _created_once(self, name: str, content: Callable[[], str], private: bool = False) -> str:
        """The text of a file of the folder, written first by whichever run comes first.

        An existing one is read without following a link and without waiting on a FIFO, only when it is a regular
        file of at most `MAX_READ_BYTES`; with ``private`` (the placeholder key) only when it is this user's, readable
        by nobody else, with one link and a key's text: a key planted by someone else would make placeholders
        reversible for them, so the run records nothing rather than use it.
        """
        path = os.path.join(self.folder, name)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o600)
        except FileExistsError:
            text, info = read_bounded(path, name)
            if private:
                check_private(name, text, info)
            return text
        text = content()
        with os.fdopen(handle, 'w', encoding='utf-8') as created:
            created.write(text)
        return text

    def _file_name(self, document: Dict[str, Any]) -> str:
        request = document['request']
        path = request['path']
        where = path.split('/rest/', 1)[-1].split('/', 1)[-1] if '/rest/' in path else path
        slug = _UNSAFE_NAME.sub('_', where).strip('_')[:80] or 'root'
        method = _UNSAFE_NAME.sub('_', request['method'])
        return '%0*d-%s-%04d-%s-%s.json' % (
            NAME_DIGITS,
            int(document['elapsed'] * 1000),
            self._run,
            document['sequence'],
            method,
            slug,
        )

    def _write(self, name: str, text: str) -> None:
        """Whole or not at all (rename), readable by the owner only."""
        partial = os.path.join(self.folder, '.%s.partial' % name)
        # a new file, never one a link points to (the name holds the run's random id)
        handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o600)
        with os.fdopen(handle, 'w', encoding='utf-8') as out:
            out.write(text)
        os.replace(partial, os.path.join(self.folder, name))
        with self._lock:
            self.written += 1

    # warnings -----------------------------------------------------------------------------------------

    def _stop(self, why: str) -> None:
        self._stopped = why
        self._warn_once('record_dir: %s; the run goes on without recording' % why)

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            self._warn(message)

    def _reason(self, exc: BaseException) -> str:
        if isinstance(exc, (_Full, FileRefused, SdmError)):
            return str(exc)
        if isinstance(exc, OSError) and exc.strerror:
            return exc.strerror
        return self.secrets.clean('%s: %s' % (type(exc).__name__, exc))[:200]


class _Full(Exception):
    """The folder cannot take this run's recording."""


def attach_recorder(
    session: Any, config: Any, scrub: Callable[[str], str], warn: Callable[[str], None]
) -> Optional[Recorder]:
    """Record the exchanges of ``session`` when ``config.record_dir`` is set; returns the recorder, or None (off)."""
    if not getattr(config, 'record_dir', None):
        return None
    try:
        recorder = Recorder(config, scrub, warn)
    except Exception as exc:  # pylint: disable=broad-exception-caught  # recording must never fail the run
        warn('record_dir: cannot record (%s); the run goes on without recording' % type(exc).__name__)
        return None
    session.hooks['response'].append(recorder.on_response)
    return recorder


# helpers --------------------------------------------------------------------------------------------------


def _new_key() -> str:
    return secrets.token_hex(32) + '\n'


def _set_cookies(response: Any) -> List[str]:
    """Every ``Set-Cookie`` header of the answer (requests joins them into one)."""
    raw_headers = getattr(getattr(response, 'raw', None), 'headers', None)
    getlist = getattr(raw_headers, 'getlist', None)
    if callable(getlist):
        return list(getlist('Set-Cookie'))
    value = response.headers.get('Set-Cookie')
    return [value] if value else []


def _request_text(body: Any) -> Optional[str]:
    if not body:
        return None
    return _text(body if isinstance(body, bytes) else str(body).encode('utf-8'))[0]


def _text(body: bytes) -> Tuple[str, str]:
    """The body as text and the encoding that gives the bytes back (UTF-8, else Latin-1, which maps every byte)."""
    try:
        return body.decode('utf-8'), 'utf-8'
    except UnicodeDecodeError:
        return body.decode('latin-1'), 'latin-1'


def _map_texts(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return dict((key, _map_texts(item, change)) for key, item in value.items())
    if isinstance(value, list):
        return [_map_texts(item, change) for item in value]
    return value

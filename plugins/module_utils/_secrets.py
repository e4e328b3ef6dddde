# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Keeping secrets out of texts: the one filter for the client's messages, the modules' results, the recorder's
files and the event source's events and log.

A server may echo a password or a session id escaped, so each character of a secret is looked for as itself or
in any form a server or a file could give it: JSON (``\\"``, ``\\\\``, ``\\u00e9``, surrogate pairs), XML or HTML
(``&amp;``, ``&#233;``, ``&#xE9;``, ``&eacute;``), percent-encoded (``%C3%A9``, ``+`` for a space), in any mix and
letter case of the hex digits; the whole secret also in base64 and base64url, and its UTF-8 bytes read as Latin-1.
"""

from __future__ import annotations

import base64
import html.entities
import re
import threading
from typing import Iterable, Iterator, List, Optional, Pattern

from ._sdm_api import SESSION_COOKIE

REDACTED = '********'
# A shorter secret cannot be told apart from ordinary text.
MIN_SECRET_LENGTH = 3
# Base64 cores shorter than this would match ordinary text.
MIN_BASE64_CORE = 8

_JSON_ESCAPES = {'"': '"', '\\': '\\', '/': '/', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't'}
_XML_NAMED = {'&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos'}
_SESSION_COOKIE = re.compile(r'(%s\s*[=:]\s*)[^;,\s"\']+' % re.escape(SESSION_COOKIE), re.IGNORECASE)


class SecretFilter:
    """Replaces known secrets by `REDACTED` in every form they can take (see the module's description).

    Secrets can be added while other threads clean texts: a poller may learn a new session id meanwhile.
    """

    def __init__(self, secrets: Iterable[Optional[str]] = (), min_length: int = MIN_SECRET_LENGTH) -> None:
        self.min_length = min_length
        self._secrets: set = set()
        self._patterns: List[Pattern[str]] = []
        self._lock = threading.Lock()
        for secret in secrets:
            self.add(secret)

    @property
    def longest(self) -> int:
        return max([len(secret) for secret in self._secrets] or [0])

    def add(self, secret: Optional[str]) -> None:
        """Look for ``secret`` from now on."""
        if not secret or len(secret) < self.min_length:
            return
        with self._lock:
            if secret in self._secrets:
                return
            self._secrets.add(secret)
            # surrogatepass: a lone surrogate can come in through a JSON string, and filtering must never fail.
            data = secret.encode('utf-8', 'surrogatepass')
            variants = {secret, data.decode('latin-1')}
            patterns = [re.compile(''.join(_char_forms(char) for char in variant)) for variant in variants]
            patterns.extend(re.compile(re.escape(core)) for core in _base64_cores(data))
            # The longest first: an id and the same id without its route suffix leave nothing behind.
            self._patterns = sorted(self._patterns + patterns, key=lambda pattern: -len(pattern.pattern))

    def clean(self, text: str) -> str:
        for pattern in self._patterns:
            text = pattern.sub(REDACTED, text)
        return text

    def leaks(self, text: str) -> bool:
        """Whether some form of a secret is still in ``text``."""
        return any(pattern.search(text) for pattern in self._patterns)


def hide_secrets(text: str, secrets: Iterable[Optional[str]]) -> str:
    """``text`` with every form of every secret replaced by `REDACTED`."""
    return SecretFilter(secrets).clean(text)


def hide_session_cookies(text: str) -> str:
    """``text`` with the value of any ``JSESSIONID`` cookie replaced, whatever session it belongs to."""
    return _SESSION_COOKIE.sub(r'\1' + REDACTED, text)


def _hex(value: int, width: int = 1) -> str:
    """A pattern for ``value`` in hexadecimal, either case."""
    return ''.join('[%s%s]' % (digit, digit.upper()) if digit.isalpha() else digit for digit in '%0*x' % (width, value))


def _char_forms(char: str) -> str:
    """A pattern for one character in any encoding a server or a file could give it."""
    code = ord(char)
    forms = [re.escape(char), '&#0*%d;' % code, '&#[xX]0*%s;' % _hex(code)]
    name = _XML_NAMED.get(char) or html.entities.codepoint2name.get(code)
    if name:
        forms.append('&%s;' % name)
    if char in _JSON_ESCAPES:
        forms.append(r'\\' + re.escape(_JSON_ESCAPES[char]))
    units = [code] if code < 0x10000 else [0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)]
    forms.append(''.join(r'\\u%s' % _hex(unit, 4) for unit in units))
    forms.append(''.join('%%%s' % _hex(byte, 2) for byte in char.encode('utf-8', 'surrogatepass')))
    if char == ' ':
        forms.append(r'\+')
    return '(?:%s)' % '|'.join(forms)


def _base64_cores(data: bytes) -> Iterator[str]:
    """The parts of the base64 (and base64url) forms of ``data`` that do not depend on what surrounds it, at each of
    the three alignments."""
    for shift in range(3):
        encoded = base64.b64encode(b'\0' * shift + data).decode('ascii')
        first = 1 if shift else 0
        last = (shift + len(data)) // 3
        core = encoded[4 * first : 4 * last]
        if len(core) >= MIN_BASE64_CORE:
            yield core
            yield core.replace('+', '-').replace('/', '_')

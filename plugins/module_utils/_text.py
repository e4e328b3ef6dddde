# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Any value of an SDM answer as short text, and the grammar every sentence uses: for messages, reports and events.

SDM documents every field as a string, but a field may arrive as a number, an object, a list (a repeated
XML element) or not at all: every part shows it with `short_text`/`show`, so none of them crashes on it and
all of them show it alike. This module imports nothing, so the errors (`_errors`) word their messages with it too;
the messages and lines of the wait are in `_wording`.
"""

from __future__ import annotations

from typing import Any, Optional

EMPTY = '(empty)'
LIMIT = 200
SHORT_LIMIT = 60  # a status word or a count in a sentence
_DEPTH = 4  # nesting shown before '...': a hostile answer may nest deeply


def short_text(value: Any, limit: Optional[int] = LIMIT) -> str:
    """``value`` as one line of text, at most ``limit`` characters (no limit for ``None``); '' for nothing."""
    text = ' '.join(_text(value, _DEPTH).split())
    if limit is not None and len(text) > limit:
        return text[: max(limit - 3, 0)] + '...'
    return text


def show(value: Any, limit: Optional[int] = LIMIT) -> str:
    """``short_text``, with ``(empty)`` for a missing or empty value."""
    return short_text(value, limit) or EMPTY


def word_text(value: Any) -> str:
    """A status word or an id in a sentence: ``show`` with a shorter limit."""
    return show(value, SHORT_LIMIT)


def count_text(value: Any) -> str:
    """A count in a message or report; SDM may leave one out (shown as ?)."""
    return short_text(value, SHORT_LIMIT) or '?'


def seconds_text(value: float) -> str:
    """``30`` or ``2.5``: seconds in a message."""
    return '%d' % value if value == int(value) else '%.1f' % value


def sentences(*parts: Optional[str]) -> str:
    """Sentences joined with single spaces, each ending with a full stop; empty ones left out."""
    out = []
    for part in parts:
        part = (part or '').strip()
        if part:
            out.append(part if part[-1] in '.!?' else part + '.')
    return ' '.join(out)


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def plural(count: int) -> str:
    """The noun's s: '1 device', '2 devices'."""
    return '' if count == 1 else 's'


def verb_s(count: int) -> str:
    """The verb's s: '1 device reports', '2 devices report'."""
    return 's' if count == 1 else ''


def clause(text: str) -> str:
    """A quoted message as a clause: trimmed, without its final full stop."""
    text = text.strip()
    return text[:-1] if text.endswith('.') else text


def has_text(value: Any) -> bool:
    """Whether the value carries any text (a failure message as a string, an object or a list)."""
    return bool(short_text(value, limit=1))


def _text(value: Any, depth: int) -> str:
    if value is None:
        return ''
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if depth <= 0 and isinstance(value, (dict, list, tuple)):
        return '...'
    if isinstance(value, dict):
        parts = ('%s: %s' % (key, _text(item, depth - 1)) for key, item in value.items())
        return ', '.join(part for part in parts if not part.endswith(': '))
    if isinstance(value, (list, tuple)):
        return '; '.join(text for text in (_text(item, depth - 1) for item in value) if text)
    return str(value)

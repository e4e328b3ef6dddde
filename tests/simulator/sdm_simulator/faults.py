# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scripted faults: rules that pick requests by method, path and time and spoil their answers."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from ._fields import Fields, ScenarioError

STATUS = "status"  # answer with an HTTP error status (optionally with Retry-After)
RESET = "reset"  # close the connection with a TCP reset, no answer
DELAY = "delay"  # answer normally, but only after some real seconds
BODY = "body"  # answer with a spoiled body (html, empty, garbage, truncated, text)
SHORT_READ = "short_read"  # announce the full Content-Length, send half of the body, close
DROP_SESSIONS = "drop_sessions"  # drop every session, then answer normally (so the request gets 401)
VANISH = "vanish"  # remove the task the request names, then answer normally (so a read gets 404)
KINDS = (STATUS, RESET, DELAY, BODY, SHORT_READ, DROP_SESSIONS, VANISH)

BODY_HTML = "html"
BODY_EMPTY = "empty"
BODY_GARBAGE = "garbage"
BODY_TRUNCATED = "truncated"
BODY_TEXT = "text"
BODY_KINDS = (BODY_HTML, BODY_EMPTY, BODY_GARBAGE, BODY_TRUNCATED, BODY_TEXT)


@dataclass
class FaultRule:
    kind: str
    method: Optional[str] = None
    path: Optional[str] = None
    skip: int = 0
    count: Optional[int] = 1
    after_seconds: float = 0.0
    status: int = 503
    retry_after: Optional[str] = None
    seconds: float = 0.0
    body: Optional[str] = None
    text: str = ""
    seen: int = 0
    fired: int = 0

    def matches(self, method: str, path: str, now: float) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        if self.path is not None and not fnmatch.fnmatchcase(path, self.path):
            return False
        return now >= self.after_seconds

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def describe(self) -> Dict[str, Any]:
        """The rule as the control API shows it, with how often it has matched and fired."""
        return {key: value for key, value in vars(self).items() if value is not None}


class FaultBook:
    """The active rules. Every matching rule sees each request; the first one due fires."""

    def __init__(self, rules: Optional[List[FaultRule]] = None) -> None:
        self.rules: List[FaultRule] = list(rules or [])

    def add(self, rules: List[FaultRule]) -> None:
        self.rules.extend(rules)

    def clear(self) -> None:
        self.rules = []

    def pick(self, method: str, path: str, now: float) -> Optional[FaultRule]:
        chosen = None
        for rule in self.rules:
            if not rule.matches(method, path, now):
                continue
            rule.seen += 1
            if chosen is None and rule.seen > rule.skip and not rule.exhausted:
                rule.fired += 1
                chosen = rule
        return chosen

    def describe(self) -> List[Dict[str, Any]]:
        return [rule.describe() for rule in self.rules]


def parse_faults(value: Any, where: str) -> List[FaultRule]:
    """Faults from a scenario or the control API: one mapping or a list of them."""
    items = value if isinstance(value, list) else [value]
    return [parse_fault(Fields(item, f"{where}[{index}]")) for index, item in enumerate(items)]


def parse_fault(fields: Fields) -> FaultRule:
    kind = fields.choice("kind", KINDS)
    rule = FaultRule(
        kind=kind,
        method=_method(fields),
        path=fields.optional_text("path"),
        skip=fields.integer("skip", 0),
        count=_count(fields),
        after_seconds=fields.number("after_seconds", 0.0),
    )
    if kind in (STATUS, BODY):
        rule.status = fields.integer(
            "status", 503 if kind == STATUS else 200, minimum=200 if kind == BODY else 400, maximum=599
        )
        rule.body = _body(fields, kind)
        rule.text = fields.text("text", "")
        if rule.body == BODY_TEXT and not rule.text:
            raise ScenarioError(f"{fields.path('text')}: is required when body is text")
    if kind == STATUS:
        rule.retry_after = _retry_after(fields)
    if kind == DELAY:
        rule.seconds = fields.number("seconds", minimum=0.0)
    fields.finish()
    return rule


def _method(fields: Fields) -> Optional[str]:
    method = fields.optional_text("method")
    return method.upper() if method is not None else None


def _body(fields: Fields, kind: str) -> Optional[str]:
    if kind == BODY:
        return fields.choice("body", BODY_KINDS, BODY_GARBAGE)
    # an error status has no real answer to truncate
    choices = tuple(choice for choice in BODY_KINDS if choice != BODY_TRUNCATED)
    return fields.choice("body", choices) if fields.has("body") else fields.optional_text("body")


def _count(fields: Fields) -> Optional[int]:
    """How many times the rule fires: an integer, or ``always``."""
    if fields.raw("count") == "always":
        return None
    return fields.integer("count", 1, minimum=1)


def _retry_after(fields: Fields) -> Optional[str]:
    """Retry-After is seconds or an HTTP date; it is sent as written, so it must be one clean header value."""
    value = fields.optional_text("retry_after")
    if value is not None and (not value.strip() or any(ord(char) < 32 for char in value)):
        raise ScenarioError(f"{fields.path('retry_after')}: must be a non-empty single-line value, got {value!r}")
    return value

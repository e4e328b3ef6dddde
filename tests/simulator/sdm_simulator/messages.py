# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Requests and replies between the HTTP layer and the simulated server."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, List, Optional, Protocol, Tuple
from urllib.parse import unquote

NORMAL = "normal"
RESET = "reset"  # close the connection with a TCP reset instead of answering
SHORT_READ = "short_read"  # send the headers and half of the body, then close

TEXT_TYPE = "text/plain; charset=utf-8"
CONTROL_PREFIX = "/_sim"


class Headers(Protocol):
    """Case-insensitive request headers (http.server gives an email.message.Message)."""

    def get(self, name: str) -> Optional[str]:
        """The value of the header ``name``, in any case; None when it is absent."""


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # the request target as received: path and query, still percent-encoded
    headers: Headers
    body: bytes = b""
    secure: bool = False

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def segments(self) -> Tuple[str, ...]:
        """Path segments, each decoded on its own: an encoded '/' stays inside its segment."""
        return tuple(unquote(segment) for segment in self.path.split("/")[1:])

    @property
    def is_control(self) -> bool:
        return self.path == CONTROL_PREFIX or self.path.startswith(CONTROL_PREFIX + "/")

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name)


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: Optional[str] = None
    headers: List[Tuple[str, str]] = field(default_factory=list)
    transport: str = NORMAL


def text_reply(status: int, message: str, headers: Optional[List[Tuple[str, str]]] = None) -> Reply:
    """A short plain-text answer, as a Tomcat/Apache front may send for errors (SDM documents no error body)."""
    return Reply(status, (message + "\n").encode("utf-8"), TEXT_TYPE, list(headers or []))


def json_reply(status: int, data: Any) -> Reply:
    return Reply(status, json.dumps(data, indent=2, sort_keys=True).encode("utf-8") + b"\n", "application/json")


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"

# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The simulated server behind the HTTP layer: counts requests, applies faults, answers."""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional

from . import faults as f
from .api import SdmApi
from .control import ControlApi
from .messages import RESET, SHORT_READ, Reply, Request, reason, text_reply
from .scenario import Scenario
from .state import RequestRecord, SimulatorState

GARBAGE = b"\x00\x1f\x8b\x08 \xff\xfe<routeUpdate{\"not\": xml or json \x89PNG\r\n"
PROXY_ERROR_PAGE = (
    "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>{status} {reason}</title>\n"
    "</head><body>\n<h1>{reason}</h1>\n<p>The proxy server received an invalid response from an upstream server.</p>\n"
    "</body></html>\n"
)


class Simulator:
    def __init__(self, scenario: Scenario, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.state = SimulatorState(scenario, monotonic)
        self.stopping = threading.Event()  # ends delayed answers early when the server stops
        self._api = SdmApi(self.state)
        self._control = ControlApi(self.state)

    def connection_opened(self) -> None:
        with self.state.lock:
            self.state.counters.connections += 1

    def handle(self, request: Request) -> Reply:
        if request.is_control:
            return self._control.handle(request)
        arrived = time.time()
        with self.state.lock:
            self.state.counters.requests[f"{request.method} {request.path}"] += 1
            at = self.state.now()
            rule = self.state.faults.pick(request.method, request.path, at)
            if rule is not None:
                self.state.counters.faults[rule.kind] += 1
        reply = self._answer(request, rule)
        status = "reset" if reply.transport == RESET else str(reply.status)
        with self.state.lock:
            self.state.counters.statuses[status] += 1
            self.state.requests.append(
                RequestRecord(round(at, 3), round(arrived, 3), request.method, request.path, status)
            )
        return reply

    def _answer(self, request: Request, rule: Optional[f.FaultRule]) -> Reply:
        if rule is None:
            return self._api.handle(request)
        if rule.kind == f.STATUS:
            return _status_fault(rule)
        if rule.kind == f.RESET:
            return Reply(0, transport=RESET)
        if rule.kind == f.DELAY:
            self.stopping.wait(rule.seconds)
        elif rule.kind == f.DROP_SESSIONS:
            with self.state.lock:
                self.state.sessions.drop_all()
        elif rule.kind == f.VANISH:
            self._vanish_named_task(request)
        reply = self._api.handle(request)
        if rule.kind == f.SHORT_READ:
            reply.transport = SHORT_READ
        elif rule.kind == f.BODY:
            reply = _spoiled(reply, rule)
        return reply

    def _vanish_named_task(self, request: Request) -> None:
        """A vanish rule counts the run's own reads, so a task can vanish mid-wait however late the run starts."""
        route = request.segments[2:]
        if route[:2] != ("routeSets", "routeUpdates") or len(route) < 3:
            return
        with self.state.lock:
            run = self.state.tasks.get(route[2])
            if run is not None:
                run.vanish(self.state.now())


def _status_fault(rule: f.FaultRule) -> Reply:
    headers = [("Retry-After", rule.retry_after)] if rule.retry_after is not None else []
    if rule.body is None:
        return text_reply(rule.status, rule.text or f"{rule.status} {reason(rule.status)}", headers)
    reply = _spoiled(Reply(rule.status, content_type="text/plain; charset=utf-8"), rule)
    reply.headers.extend(headers)
    return reply


def _spoiled(reply: Reply, rule: f.FaultRule) -> Reply:
    """The reply with the body the rule asks for, under the reply's own (now untrue) content type."""
    status, content_type, headers = rule.status, reply.content_type, list(reply.headers)
    if rule.body == f.BODY_HTML:
        page = PROXY_ERROR_PAGE.format(status=status, reason=reason(status))
        return Reply(status, page.encode("utf-8"), "text/html; charset=iso-8859-1", headers)
    if rule.body == f.BODY_EMPTY:
        return Reply(status, b"", content_type, headers)
    if rule.body == f.BODY_TRUNCATED:
        return Reply(status, reply.body[: len(reply.body) // 2], content_type, headers)
    if rule.body == f.BODY_TEXT:
        return Reply(status, rule.text.encode("utf-8"), content_type, headers)
    return Reply(status, GARBAGE, content_type or "application/xml", headers)

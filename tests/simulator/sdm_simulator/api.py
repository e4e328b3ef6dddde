# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The SDM REST endpoints under ``/rest/{version}``: sessions and route update tasks."""

from __future__ import annotations

import hmac
from http.cookies import CookieError, SimpleCookie
from typing import Any, Callable, Dict, Optional, Tuple

from . import codec, render
from .messages import Reply, Request, text_reply
from .sessions import Session
from .state import SimulatorState
from .timeline import ACTIONS, ActionRefused

COOKIE_NAME = "JSESSIONID"
SESSION_INVALID = "The session ID is invalid"
LOGIN_ROOT = "session"
ACTION_ROOT = "routeUpdateAction"

Route = Tuple[str, ...]
Handler = Callable[[Request, Route], Reply]


class SdmApi:
    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    def handle(self, request: Request) -> Reply:
        segments = request.segments
        if len(segments) < 2 or segments[0] != "rest":
            return text_reply(404, "Not Found")
        version, route = segments[1], segments[2:]
        with self.state.lock:
            if version not in self.state.scenario.server.api_versions:
                return text_reply(404, f"API version {version} is not supported")
            handler, method = self._route(route)
            if handler is None:
                return text_reply(404, "Not Found")
            if request.method != method:
                return text_reply(405, "Method Not Allowed", [("Allow", method)])
            if route[0] == "routeSets":
                denied = self._refusal(request)
                if denied is not None:
                    return denied
            return handler(request, route)

    def _route(self, route: Route) -> Tuple[Optional[Handler], str]:
        if route == ("admin", "login"):
            return self._login, "POST"
        if route == ("admin", "logout"):
            return self._logout, "POST"
        if route[:2] == ("routeSets", "routeUpdates"):
            if len(route) == 2:
                return self._pending_tasks, "GET"
            if len(route) == 3 and route[2]:
                return self._task, "GET"
            if len(route) == 4 and route[2] and route[3] == "action":
                return self._action, "POST"
        return None, ""

    # sessions

    def _login(self, request: Request, route: Route) -> Reply:
        try:
            fields = codec.decode_flat(request.body, request.header("Content-Type"), LOGIN_ROOT)
        except codec.BodyError as exc:
            return text_reply(400, f"Invalid login request: {exc}")
        username, password = fields.get("userName"), fields.get("password")
        if not username or password is None:
            return text_reply(400, "Invalid login request: userName and password are required")
        user = self.state.scenario.user(username)
        if user is None or not hmac.compare_digest(user.password.encode("utf-8"), password.encode("utf-8")):
            self.state.counters.login_failures += 1
            return text_reply(401, "Invalid user name or password")
        session = self.state.sessions.open(user, self.state.now())
        self.state.counters.logins += 1
        document = render.session_document(session, self.state.scenario.server, self.state.sessions.policy)
        reply = self._document(request, render.SESSION_ROOT, document)
        reply.headers.append(("Set-Cookie", session_cookie(session, request.secure)))
        return reply

    def _logout(self, request: Request, route: Route) -> Reply:
        session = self.state.sessions.find(session_id_of(request), self.state.now())
        if session is None:
            return text_reply(401, SESSION_INVALID)
        self.state.sessions.close(session.session_id)
        self.state.counters.logouts += 1
        return Reply(self.state.scenario.server.logout_status)

    def _refusal(self, request: Request) -> Optional[Reply]:
        """401 without a live session, 403 for a user without route-management rights; None when allowed."""
        session = self.state.sessions.use(session_id_of(request), self.state.now())
        if session is None:
            return text_reply(401, SESSION_INVALID)
        if not session.user.route_management:
            return text_reply(403, "The user's group has no permission to manage route sets")
        return None

    # route update tasks

    def _pending_tasks(self, request: Request, route: Route) -> Reply:
        now = self.state.now()
        views = [run.view(now) for run in self.state.tasks.values()]
        items = [
            render.pending_item(view, self.state.scenario.server, self.state.clock.date)
            for view in views
            if view.pending
        ]
        return self._document(request, render.PENDING_ROOT, {render.PENDING_ITEM: items})

    def _task(self, request: Request, route: Route) -> Reply:
        now = self.state.now()
        self.state.note_task_request(route[2], now)
        run = self.state.visible_task(route[2], now)
        if run is None:
            return text_reply(404, f"Route update task {route[2]} not found")
        return self._document(request, render.TASK_ROOT, render.task_details(run.view(now), self.state.clock.date))

    def _action(self, request: Request, route: Route) -> Reply:
        task_id = route[2]
        try:
            action = codec.decode_flat(request.body, request.header("Content-Type"), ACTION_ROOT).get("type")
        except codec.BodyError as exc:
            return text_reply(400, f"Invalid action request: {exc}")
        if action not in ACTIONS:
            return text_reply(400, f"Invalid action request: type must be one of {', '.join(ACTIONS)}, got {action!r}")
        now = self.state.now()
        self.state.note_task_request(task_id, now)
        run = self.state.visible_task(task_id, now)
        if run is None:
            return text_reply(404, f"Route update task {task_id} not found")
        try:
            run.apply(action, now)
        except ActionRefused as exc:
            status = self.state.scenario.server.refused_action_status
            self.state.record_action(task_id, action, status, str(exc))
            return text_reply(status, str(exc))
        self.state.record_action(task_id, action, 200)
        return Reply(200)

    def _document(self, request: Request, root: str, fields: Dict[str, Any]) -> Reply:
        options = self.state.scenario.server
        body, content_type = codec.encode(
            root,
            fields,
            codec.answer_format(request.header("Accept")),
            xml_indent=options.xml_indent,
            omit_empty_lists=options.json_empty_lists == "omit",
        )
        return Reply(200, body, content_type)


def session_id_of(request: Request) -> Optional[str]:
    header = request.header("Cookie")
    if not header:
        return None
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(header)
    except CookieError:
        return None
    morsel = cookies.get(COOKIE_NAME)
    return morsel.value if morsel is not None else None


def session_cookie(session: Session, secure: bool) -> str:
    # Path=/rest as SDM sets it: a client that sends the cookie elsewhere is wrong
    attributes = "; Path=/rest; HttpOnly" + ("; Secure" if secure else "")
    return f"{COOKIE_NAME}={session.session_id}{attributes}"

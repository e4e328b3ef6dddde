# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replaying a recording: what a real SDM answered, served back in its order and timing (or faster).

The replay answers login and logout itself (any user name and password, a fresh session, the cookie as SDM sets
it) and requires the session cookie on every other call, as SDM does. For the other calls it follows the recorded
timeline, on a clock that starts with the first request and runs ``speed`` times as fast as real time:

- a request gets the latest answer recorded for the same method and path at or before the replay's clock (the first
  one when the clock is earlier), and never an earlier answer than one it already served, so the story only moves
  forward, whichever way the client polls;
- a recorded action (Commit, Rollback, Cancel) is a meeting point: the task's timeline stops at it until the client
  sends that action, answers as recorded, and goes on from the moment it was recorded, and the next read of the task
  gets the first answer recorded after the action;
- a request the recording has no answer for (another path, another action type) gets ``404`` with a text that says
  so, and is counted in ``unrecorded``.

Recorded ``401`` answers are left out (sessions are the replay's own), and so are logins and logouts.
"""

from __future__ import annotations

import bisect
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import codec, render
from ._fields import Fields, ScenarioError
from .api import SESSION_INVALID, session_cookie, session_id_of
from .messages import Reply, Request, json_reply, text_reply
from .recording import Exchange, Recording, action_type, api_path, route_segments, task_of
from .scenario import ServerOptions, SessionPolicy, User
from .server import SimulatorServer
from .sessions import SessionStore
from .tls import TlsFiles

# The answer headers a client may act on; Content-Length is the server's own, cookies are the replay's.
REPLAYED_HEADERS = ("Retry-After", "Location", "Allow", "WWW-Authenticate")
SERVER_INFO = "Oracle Communications Session Delivery Manager (replay of a recording)"
NEVER = float("inf")
Key = Tuple[str, str]


@dataclass
class Track:
    """The recorded answers to one method and path, in order; ``next`` is the first one not yet passed."""

    entries: List[Exchange]
    times: List[float] = field(default_factory=list)
    next: int = 0

    def __post_init__(self) -> None:
        self.times = [entry.elapsed for entry in self.entries]

    def answer_at(self, moment: float) -> Exchange:
        """The latest answer recorded at or before ``moment``, never one before the last served."""
        index = min(max(self.next, bisect.bisect_right(self.times, moment) - 1), len(self.entries) - 1)
        self.next = index
        return self.entries[index]

    def skip_to_after(self, moment: float) -> None:
        """The next answer is the first one recorded after ``moment`` (or the last one)."""
        self.next = max(self.next, min(bisect.bisect_right(self.times, moment), len(self.entries) - 1))


@dataclass
class ReplayCounters:
    logins: int = 0
    logouts: int = 0
    connections: int = 0
    requests: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    unrecorded: Counter = field(default_factory=Counter)


class Replayer:
    """The replay behind the HTTP layer (see the module's description)."""

    def __init__(
        self, recording: Recording, speed: float = 1.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        if speed <= 0:
            raise ScenarioError("the replay speed must be greater than 0")
        self.recording = recording
        self.speed = speed
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.counters = ReplayCounters()
        self._monotonic = monotonic
        self._started: Optional[float] = None
        self._offset = 0.0
        self._task_offsets: Counter = Counter()
        self._sessions = SessionStore(SessionPolicy())
        self._answers, self._actions = _tracks(recording)
        logout = recording.first(("admin", "logout"))
        self._logout_status = logout.status if logout is not None else 204

    # the HTTP layer's interface

    def connection_opened(self) -> None:
        with self.lock:
            self.counters.connections += 1

    def handle(self, request: Request) -> Reply:
        if request.is_control:
            with self.lock:
                return self._control(request)
        with self.lock:
            if self._started is None:
                self._started = self._monotonic()
            self.counters.requests[f"{request.method} {request.path}"] += 1
            reply = self._answer(request)
            self.counters.statuses[str(reply.status)] += 1
        return reply

    # the timeline

    def now(self) -> float:
        """Seconds of the recording the replay has reached (0 until the first request)."""
        if self._started is None:
            return self._offset
        return (self._monotonic() - self._started) * self.speed + self._offset

    def _task_now(self, task: Optional[str]) -> float:
        """The moment of the recording for a task's requests: it waits at the task's next recorded action. Requests
        about no task (the pending list) wait at the next recorded action of any task."""
        if task is None:
            return min([self.now()] + [self._meeting(name) for name in self._actions])
        return min(self.now() + self._task_offsets[task], self._meeting(task))

    def _meeting(self, task: str) -> float:
        track = self._actions.get(task)
        return track.times[track.next] if track is not None and track.next < len(track.entries) else NEVER

    # answers

    def _answer(self, request: Request) -> Reply:
        segments = route_segments(request.path)
        if len(segments) < 2:
            return text_reply(404, "Not Found")
        version, route = segments[0], segments[1:]
        versions = self.recording.api_versions
        if versions and version not in versions:
            return text_reply(404, f"API version {version} is not in the recording")
        if route == ("admin", "login"):
            return (
                self._login(request)
                if request.method == "POST"
                else text_reply(405, "Method Not Allowed", [("Allow", "POST")])
            )
        if route == ("admin", "logout"):
            return (
                self._logout(request)
                if request.method == "POST"
                else text_reply(405, "Method Not Allowed", [("Allow", "POST")])
            )
        if self._sessions.use(session_id_of(request), self.now()) is None:
            return text_reply(401, SESSION_INVALID)
        key = (request.method, api_path(request.path))
        task = task_of(route)
        if request.method == "POST" and len(route) == 4 and route[3] == "action" and task is not None:
            return self._action(key, task, request)
        track = self._answers.get(key)
        if track is None:
            return self._unrecorded(key, "the recording has no answer to it")
        return _reply(track.answer_at(self._task_now(task)))

    def _action(self, key: Key, task: str, request: Request) -> Reply:
        track = self._actions.get(task)
        if track is None or track.next >= len(track.entries):
            return self._unrecorded(key, f"the recording has no further action on task {task}")
        entry = track.entries[track.next]
        sent = action_type(request.body.decode("utf-8", errors="replace"))
        if entry.action_type is not None and sent != entry.action_type:
            return self._unrecorded(key, f"the recording has a {entry.action_type} of task {task} here, not a {sent}")
        track.next += 1
        # the task's timeline goes on from the moment the action was recorded ...
        self._task_offsets[task] = entry.elapsed - self.now()
        # ... and its next reads (and those of the pending list) get what SDM answered after it
        for (method, path), answers in self._answers.items():
            if method == "GET" and task_of(route_segments(path)[1:]) in (task, None):
                answers.skip_to_after(entry.elapsed)
        return _reply(entry)

    def _unrecorded(self, key: Key, why: str) -> Reply:
        self.counters.unrecorded[f"{key[0]} {key[1]}"] += 1
        return text_reply(404, f"Not in the recording: {key[0]} {key[1]}: {why}")

    def _login(self, request: Request) -> Reply:
        try:
            fields = codec.decode_flat(request.body, request.header("Content-Type"), render.SESSION_ROOT)
        except codec.BodyError as exc:
            return text_reply(400, f"Invalid login request: {exc}")
        username, password = fields.get("userName"), fields.get("password")
        if not username or not password:
            return text_reply(400, "Invalid login request: userName and password are required")
        session = self._sessions.open(User(username, ""), self.now())
        self.counters.logins += 1
        document = render.session_document(session, ServerOptions(server_info=SERVER_INFO), self._sessions.policy)
        body, content_type = codec.encode(render.SESSION_ROOT, document, codec.answer_format(request.header("Accept")))
        return Reply(200, body, content_type, [("Set-Cookie", session_cookie(session, request.secure))])

    def _logout(self, request: Request) -> Reply:
        session = self._sessions.find(session_id_of(request), self.now())
        if session is None:
            return text_reply(401, SESSION_INVALID)
        self._sessions.close(session.session_id)
        self.counters.logouts += 1
        return Reply(self._logout_status)

    # control API

    def _control(self, request: Request) -> Reply:
        route = request.segments[1:]
        handlers: Dict[Tuple[Tuple[str, ...], str], Callable[[Request], Reply]] = {
            (("health",), "GET"): self._health,
            (("counters",), "GET"): lambda _request: json_reply(200, self.counters_document()),
            (("replay",), "GET"): lambda _request: json_reply(200, self.progress_document()),
            (("clock", "advance"), "POST"): self._advance,
        }
        handler = handlers.get((route, request.method))
        if handler is None:
            endpoints = sorted(f"{method} /_sim/{'/'.join(path)}" for path, method in handlers)
            return json_reply(
                404,
                {
                    "error": f"{request.method} {request.path} is not available when replaying a recording",
                    "endpoints": endpoints,
                },
            )
        try:
            return handler(request)
        except ScenarioError as exc:
            return json_reply(400, {"error": str(exc)})

    def _health(self, request: Request) -> Reply:
        return json_reply(200, {"status": "ok", "replay": self.recording.name, "elapsed": round(self.now(), 3)})

    def _advance(self, request: Request) -> Reply:
        try:
            data = json.loads(request.body.decode("utf-8") or "{}")
        except ValueError as exc:
            raise ScenarioError(f"request body: not valid JSON: {exc}") from None
        fields = Fields(data, "clock")
        seconds = fields.number("seconds")
        fields.finish()
        self._offset += seconds
        return json_reply(200, {"elapsed": round(self.now(), 3)})

    def counters_document(self) -> Dict[str, Any]:
        with self.lock:
            counters = self.counters
            return {
                "replay": self.recording.name,
                "elapsed": round(self.now(), 3),
                "logins": counters.logins,
                "logouts": counters.logouts,
                "sessions_open": self._sessions.open_count(self.now()),
                "connections": counters.connections,
                "requests": dict(counters.requests),
                "statuses": dict(counters.statuses),
                "unrecorded": dict(counters.unrecorded),
            }

    def progress_document(self) -> Dict[str, Any]:
        """How far each recorded path and each task's actions have been replayed."""
        with self.lock:
            return {
                "elapsed": round(self.now(), 3),
                "answers": {
                    f"{method} {path}": {"at": track.next, "recorded": len(track.entries)}
                    for (method, path), track in self._answers.items()
                },
                "actions": {
                    task: {
                        "replayed": track.next,
                        "recorded": len(track.entries),
                        "next": track.entries[track.next].action_type if track.next < len(track.entries) else None,
                    }
                    for task, track in self._actions.items()
                },
            }


def _tracks(recording: Recording) -> Tuple[Dict[Key, Track], Dict[str, Track]]:
    """The answers by method and path, and the actions by task, as the replay serves them."""
    answers: Dict[Key, List[Exchange]] = {}
    actions: Dict[str, List[Exchange]] = {}
    for exchange in recording.exchanges:
        if exchange.is_session or exchange.status == 401:
            continue
        task = exchange.task_id
        if exchange.is_action and task is not None:
            actions.setdefault(task, []).append(exchange)
            continue
        answers.setdefault((exchange.method, exchange.api_path), []).append(exchange)
    return (
        {key: Track(entries) for key, entries in answers.items()},
        {task: Track(entries) for task, entries in actions.items()},
    )


def _reply(exchange: Exchange) -> Reply:
    headers = [(name, value) for name in REPLAYED_HEADERS for value in [exchange.header(name)] if value is not None]
    return Reply(exchange.status, exchange.body or b"", exchange.content_type, headers)


class ReplayServer(SimulatorServer):
    """The replay of a recording on a real socket: ``with ReplayServer(load_recording(folder)) as replay: replay.url``."""

    def __init__(
        self,
        recording: Recording,
        speed: float = 1.0,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: Optional[TlsFiles] = None,
    ) -> None:
        super().__init__(None, host, port, tls, app=Replayer(recording, speed))

    @property
    def replayer(self) -> Replayer:
        return self.simulator

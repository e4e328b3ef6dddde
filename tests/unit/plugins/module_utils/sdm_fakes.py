# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test doubles for the client layer: a scripted HTTP transport and a scripted task source.

`FakeTransport` records every call, so tests check the exact conversation (community.docker style); a handler gives
the answers: scripted ones in order (`QueueHandler`: the login and task answers are the simulator's documents, see
`login_reply` and `task_reply`; faults and odd answers are written by each test), or the simulator itself in process
(in_process_sdm.py: its session rules, login, cookie, 401, logout, and its tasks). The fake clock is the one of
tests/simulator/fake_clock.py, re-exported here for the client tests.
"""

from __future__ import annotations

import http.client
import io
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

import pytest
import requests
import urllib3
from requests.adapters import HTTPAdapter

from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmNotFoundError
from ansible_collections.ocsdm.route_manager.plugins.module_utils._normalise import normalise_task
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import SUCCEEDED

# the one fake clock; the tests of the client layer import it from here
from ansible_collections.ocsdm.route_manager.tests.simulator.fake_clock import FakeClock
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.simulator_setup import (
    PASSWORD,
    sdm_simulator,
)

FIXTURES = Path(__file__).parent / 'fixtures'
SESSION_ID = 'ABCDEF0123456789SESSION.tomcat1'
DOCUMENT_DATE = '2022-10-04T04:03:56'
# The simulator's document writers: the canned answers below are SDM's as the simulator writes them.
_api, _codec, _render = sdm_simulator.api, sdm_simulator.codec, sdm_simulator.render
_scenario, _sessions, _timeline = sdm_simulator.scenario, sdm_simulator.sessions, sdm_simulator.timeline

# The documented task ID33 (REST API guide), normalised.
EXPECTED_ID33 = {
    'task_id': 'ID33',
    'update_status': 'Completed',
    'error_handling': 'rollback',
    'rollback_status': 'Unknown',
    'rollback_count': 0,
    'total_device_count': 1,
    'updated_count': 1,
    'devices': [
        {
            'device_group_id': 'ID11',
            'object_id': 'ID34',
            'route_set_id': '2',
            'route_update_task_id': 'ID33',
            'status': 'Completed',
            'push_status': 'Completed',
            'rollback_status': 'Unknown',
            'rollback_date': None,
            'rollback_failure_msg': None,
            'update_date': '2022-10-04T04:03:56',
            'update_failure_msg': '',
            'pre_update_version': '0',
            'update_version': '1',
        }
    ],
    'verdict': 'succeeded',
    'rollback_verdict': 'none',
    'finished': True,
    'succeeded': True,
    'failed_devices': [],
    'unclear_devices': [],
    'rollback_finished': False,
    'rollback_succeeded': False,
}


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Reply:
    """A canned HTTP answer; ``broken``: the connection breaks after the body, before the announced length."""

    status: int = 200
    body: bytes = b''
    content_type: Optional[str] = 'application/xml'
    headers: List[Tuple[str, str]] = field(default_factory=list)
    broken: bool = False


def connection_refused() -> Exception:
    """What requests raises when nothing listens: the request never left the machine."""
    reason = urllib3.exceptions.NewConnectionError(
        None, 'Failed to establish a new connection: [Errno 111] Connection refused'
    )
    return requests.exceptions.ConnectionError(
        urllib3.exceptions.MaxRetryError(None, 'https://sdm.example.com:8443/', reason)
    )


def faults_before_processing() -> List[Any]:
    """pytest parameters: faults that show a request was not processed, so even a login or an action is sent again."""
    return [
        pytest.param(connection_refused(), id='refused'),
        pytest.param(requests.exceptions.ConnectTimeout('connect timed out'), id='connect-timeout'),
        pytest.param(Reply(503, b'busy', 'text/plain'), id='503'),
        pytest.param(Reply(429, b'slow down', 'text/plain'), id='429'),
    ]


@dataclass
class Call:
    """What the client sent."""

    method: str
    path: str
    cookie: Optional[str]
    body: Optional[bytes]
    headers: Dict[str, str]
    verify: Any
    timeout: Any
    scheme: str = 'https'

    @property
    def line(self) -> str:
        return '%s %s' % (self.method, self.path)


def login_reply(session_id: str = SESSION_ID) -> Reply:
    """SDM's answer to a login that opened the session ``session_id``: the simulator's document and cookie."""
    session = _sessions.Session(session_id, _scenario.User('admin', PASSWORD), 0.0)
    fields = _render.session_document(session, _scenario.ServerOptions(), _scenario.SessionPolicy())
    body, content_type = _codec.encode(_render.SESSION_ROOT, fields, _codec.XML)
    return Reply(200, body, content_type, [('Set-Cookie', _api.session_cookie(session, secure=False))])


def task_reply(body_format: str = 'xml') -> Reply:
    """SDM's answer for task ID33, finished, its one device D1 updated: the simulator's document of it."""
    scenario = sdm_simulator.parse_scenario(
        {
            'users': [{'username': 'admin', 'password': PASSWORD}],
            'tasks': [{'id': 'ID33', 'devices': [{'object_id': 'D1', 'at': 0}]}],
        }
    )
    view = _timeline.TaskRun(scenario.tasks[0]).view(1.0)
    fields = _render.task_details(view, lambda _seconds: DOCUMENT_DATE)
    body, content_type = _codec.encode(_render.TASK_ROOT, fields, body_format)
    return Reply(200, body, content_type)


class FakeTransport(HTTPAdapter):
    """A requests adapter that answers from a handler and records every call.

    ``handler(call)`` returns a `Reply` or an exception instance to raise (e.g. a requests ConnectionError).
    """

    def __init__(self, handler: Callable[[Call], Any]) -> None:
        super().__init__()
        self.handler = handler
        self.calls: List[Call] = []
        self._lock = threading.Lock()

    @property
    def lines(self) -> List[str]:
        return [call.line for call in self.calls]

    def send(
        self,
        request: Any,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> Any:
        parts = urlsplit(request.url)
        call = Call(
            request.method,
            parts.path + ('?' + parts.query if parts.query else ''),
            request.headers.get('Cookie'),
            request.body,
            dict(request.headers),
            verify,
            timeout,
            parts.scheme,
        )
        with self._lock:
            self.calls.append(call)
        reply = self.handler(call)
        if isinstance(reply, BaseException):
            raise reply
        return self.build_response(request, _raw_response(reply))


def _raw_response(reply: Reply) -> Any:
    headers = list(reply.headers)
    if reply.content_type:
        headers.append(('Content-Type', reply.content_type))
    headers.append(('Content-Length', str(len(reply.body) + (100 if reply.broken else 0))))
    message = http.client.HTTPMessage()
    for name, value in headers:
        message[name] = value
    body = _BrokenBody(reply.body) if reply.broken else io.BytesIO(reply.body)
    return urllib3.HTTPResponse(
        body=body,
        headers=urllib3.HTTPHeaderDict(headers),
        status=reply.status,
        reason=http.client.responses.get(reply.status, 'Unknown'),
        preload_content=False,
        original_response=_OriginalResponse(message),
    )


class _BrokenBody(io.BytesIO):
    """A body whose connection is reset once its bytes are read."""

    def read(self, size: Optional[int] = -1) -> bytes:
        data = super().read(size)
        if not data:
            raise ConnectionResetError(104, 'Connection reset by peer')
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)


class _OriginalResponse:
    """The parts of http.client.HTTPResponse that requests (cookies) and urllib3 (release) look at."""

    def __init__(self, msg: http.client.HTTPMessage) -> None:
        self.msg = msg

    @staticmethod
    def isclosed() -> bool:
        return True

    def close(self) -> None:
        pass


class QueueHandler:
    """Answers calls with the given replies in order; fails the test when more calls come than replies."""

    def __init__(self, replies: Sequence[Any]) -> None:
        self.replies = list(replies)

    def __call__(self, call: Call) -> Any:
        assert self.replies, 'unexpected extra call: %s' % call.line
        return self.replies.pop(0)


class FakeTaskSource:
    """Stands in for SdmClient in waiter tests: task status follows a timeline on the fake clock.

    ``timelines[task_id]`` is a list of ``(seconds_after_start, update_status)``; the status is the last one
    whose time has come. ``latency`` is real time spent per read (to make concurrent reads overlap).

    Not the simulator, on purpose: it sits where the client sits (below the waiter, above HTTP), so it can do what
    the simulator cannot: raise a given client error at a given poll (``failures``), record the retry window the
    waiter gives each read (``retry_windows``), count the reads running at once (``max_active``), and speak any
    word at any second (the simulator derives its words from device outcomes). It keeps no session.
    """

    max_concurrency = 16

    def __init__(
        self,
        clock: FakeClock,
        timelines: Dict[str, List[Tuple[float, str]]],
        latency: float = 0.0,
        rollback: Optional[Dict[str, List[Tuple[float, str]]]] = None,
    ) -> None:
        self.clock = clock
        self.timelines = timelines
        self.rollback = rollback or {}
        self.latency = latency
        self.reads: List[Tuple[float, str]] = []
        self.retry_windows: List[float] = []
        self.failures: Dict[Tuple[str, int], Exception] = {}
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    def read_task(self, task_id: str, matcher: Any, deadline: Any = None) -> Any:
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            poll_number = sum(1 for _when, seen in self.reads if seen == task_id) + 1
            self.reads.append((self.clock.monotonic(), task_id))
            self.retry_windows.append(deadline.remaining())
        try:
            if self.latency:
                time.sleep(self.latency)
            failure = self.failures.get((task_id, poll_number))
            if failure is not None:
                raise failure
            if task_id not in self.timelines:
                raise SdmNotFoundError(
                    'route update task %s not found' % task_id,
                    404,
                    '/rest/v1.3/routeSets/routeUpdates/' + task_id,
                    task_id=task_id,
                )
            elapsed = self.clock.monotonic() - self.clock.start
            status = _status_at(self.timelines[task_id], elapsed)
            # the one device is updated once the task says so, and says so itself
            updated = '1' if matcher.update_word(status) == SUCCEEDED else '0'
            device = {'objectId': 'D1', 'deviceGroupId': 'G1', 'status': status}
            raw = {
                'updateStatus': status,
                'totalDeviceCount': '1',
                'updatedCount': updated,
                'deviceStatusList': [device],
            }
            if task_id in self.rollback:
                raw['rollbackStatus'] = _status_at(self.rollback[task_id], elapsed)
            return normalise_task(raw, task_id, matcher)
        finally:
            with self._lock:
                self.active -= 1

    def reads_of(self, task_id: str) -> List[float]:
        return [when for when, seen in self.reads if seen == task_id]


def _status_at(timeline: List[Tuple[float, str]], elapsed: float) -> str:
    status = timeline[0][1]
    for when, value in timeline:
        if when <= elapsed:
            status = value
    return status

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""SDM in process: the simulator's own request handling behind the fake transport of sdm_fakes.py, no socket.

Session rules (a login sets the cookie, 401 for an unknown, expired or dropped session, logout closes it), the task
documents and the faults are the simulator's (tests/simulator/sdm_simulator), written once. `FakeTransport` still
records every call, so a test may check the exact conversation on top of the simulator's answers; scenario time is
driven by the test's `FakeClock`. Tests that need real HTTP use the simulator on a socket (simulator_setup.py).
"""

from __future__ import annotations

from typing import Any, Dict, List

import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from ansible_collections.ocsdm.route_manager.tests.simulator.fake_clock import FakeClock
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import PASSWORD, Call, Reply
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.simulator_setup import sdm_simulator

USER = 'admin'
# the simulator's library parts (the package's __init__ names the servers only)
app = sdm_simulator.app
messages = sdm_simulator.messages


def tasks_scenario(task_ids: List[str], finish_at: float) -> Dict[str, Any]:
    """A scenario of the user admin (password sdm_fakes.PASSWORD) and tasks of one device that succeeds at a second."""
    return {
        'name': 'in_process',
        'users': [{'username': USER, 'password': PASSWORD}],
        'tasks': [{'id': task_id, 'devices': [{'at': finish_at}]} for task_id in task_ids],
    }


def user_scenario(username: str, password: str, api_version: str = 'v1.3') -> Dict[str, Any]:
    """A scenario of one user with route-management rights and no task, on one API version."""
    return {
        'name': 'in_process_user',
        'server': {'api_versions': [api_version]},
        'users': [{'username': username, 'password': password}],
        'tasks': [],
    }


class InProcessSdm:
    """A `FakeTransport` handler that asks the simulator (``sdm_simulator.app.Simulator``) for every answer."""

    def __init__(self, scenario: Dict[str, Any], clock: FakeClock) -> None:
        self.simulator = app.Simulator(sdm_simulator.parse_scenario(scenario), monotonic=clock.monotonic)

    @property
    def logins(self) -> int:
        return self.simulator.state.counters.logins

    @property
    def logouts(self) -> int:
        return self.simulator.state.counters.logouts

    def drop_sessions(self) -> None:
        """What SDM does on a restart (or the simulator's POST /_sim/sessions/drop): every session is gone."""
        with self.simulator.state.lock:
            self.simulator.state.sessions.drop_all()

    def __call__(self, call: Call) -> Any:
        body = call.body.encode('utf-8') if isinstance(call.body, str) else (call.body or b'')
        request = messages.Request(
            call.method, call.path, CaseInsensitiveDict(call.headers), body, secure=call.scheme == 'https'
        )
        return _as_fake_reply(self.simulator.handle(request))


def _as_fake_reply(reply: Any) -> Any:
    """The simulator's reply as `FakeTransport` sends it: a `Reply`, or the exception a reset connection raises."""
    if reply.transport == messages.RESET:
        reset = ConnectionResetError(104, 'Connection reset by peer')
        return requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError('Connection aborted.', reset))
    if reply.transport == messages.SHORT_READ:
        return Reply(reply.status, reply.body[: len(reply.body) // 2], reply.content_type, list(reply.headers), True)
    return Reply(reply.status, reply.body, reply.content_type, list(reply.headers))

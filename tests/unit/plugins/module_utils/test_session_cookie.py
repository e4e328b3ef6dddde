# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session cookie under concurrent polls: a server that rotates the session id in every answer."""

from __future__ import annotations

import re

from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import SdmClient
from ansible_collections.ocsdm.route_manager.plugins.module_utils._connection_config import ConnectionConfig
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.plugins.module_utils._poll_wait import PollWait
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.in_process_sdm import (
    USER,
    InProcessSdm,
    tasks_scenario,
)
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import (
    PASSWORD,
    FakeClock,
    FakeTransport,
)

ONE_SESSION_COOKIE = re.compile(r'^JSESSIONID=[^;,\s]+$')


SESSION_ID = re.compile(r'JSESSIONID=([^;,\s]+)')
TASK_IDS = ['ID%d' % number for number in range(40)]


class RotatingSdm(InProcessSdm):
    """Every answer to a read sets a new session id (the ones before stay valid): the client must keep one."""

    def __init__(self, task_ids, clock):
        super().__init__(tasks_scenario(task_ids, finish_at=0), clock)
        self.rotations = 0

    def __call__(self, call):
        reply = super().__call__(call)
        if call.method != 'GET' or getattr(reply, 'status', None) != 200:
            return reply
        with self.simulator.state.lock:
            self.rotations += 1
            session_id = 'ROTATED%d.tomcat1' % self.rotations
            self.simulator.state.sessions.add_id(SESSION_ID.search(call.cookie).group(1), session_id)
        reply.headers = list(reply.headers) + [('Set-Cookie', 'JSESSIONID=%s; Path=/rest; HttpOnly' % session_id)]
        return reply


def test_concurrent_polls_always_carry_one_session_cookie_while_the_server_rotates_it():
    clock = FakeClock()
    sdm = RotatingSdm(TASK_IDS, clock)
    transport = FakeTransport(sdm)
    config = ConnectionConfig(url='https://sdm.example.com:8443', username=USER, password=PASSWORD)
    client = SdmClient(config, clock=clock, adapter=transport)
    with client:
        result = PollWait(client, StateMatcher(), timeout=30, sleep=5, sleep_max=5, max_workers=8).wait(TASK_IDS)
        jar = [cookie for cookie in client.transport.session.cookies if cookie.name == 'JSESSIONID']
    assert all(task['succeeded'] for task in result.tasks)
    assert sdm.rotations == 40 and sdm.logins == 1 and sdm.logouts == 1
    assert [call.cookie for call in transport.calls[1:] if not ONE_SESSION_COOKIE.match(call.cookie or '')] == []
    assert [(cookie.path, cookie.value.startswith('ROTATED')) for cookie in jar] == [('/', True)]
    assert jar[0].value in client.secrets()
    assert len(client.transport.session.cookies) == 0

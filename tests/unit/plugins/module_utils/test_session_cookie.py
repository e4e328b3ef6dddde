# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session cookie under concurrent polls: a server that rotates the session id in every answer."""

from __future__ import annotations

import re
import threading

from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import ConnectionConfig, SdmClient
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.plugins.module_utils._poll_wait import PollWait
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import (
    PASSWORD,
    FakeClock,
    FakeTransport,
    MiniSdm,
)

ONE_SESSION_COOKIE = re.compile(r'^JSESSIONID=[^;,\s]+$')


class RotatingSdm(MiniSdm):
    """Every answer to a read sets a new session id (the ones before stay valid): the client must keep one."""

    def __init__(self, statuses):
        super().__init__(statuses)
        self.rotations = 0
        self._rotation_lock = threading.Lock()

    def __call__(self, call):
        reply = super().__call__(call)
        if call.method != 'GET' or reply.status != 200:
            return reply
        with self._rotation_lock:
            self.rotations += 1
            session_id = 'ROTATED%d.tomcat1' % self.rotations
        with self._lock:
            self.valid.add(session_id)
        reply.headers = list(reply.headers) + [('Set-Cookie', 'JSESSIONID=%s; Path=/rest; HttpOnly' % session_id)]
        return reply


def test_concurrent_polls_always_carry_one_session_cookie_while_the_server_rotates_it():
    sdm = RotatingSdm(dict(('ID%d' % number, 'Completed') for number in range(40)))
    transport = FakeTransport(sdm)
    config = ConnectionConfig(url='https://sdm.example.com:8443', username='admin', password=PASSWORD)
    client = SdmClient(config, clock=FakeClock(), adapter=transport)
    with client:
        result = PollWait(client, StateMatcher(), timeout=30, sleep=5, sleep_max=5, max_workers=8).wait(
            sorted(sdm.statuses)
        )
        jar = [cookie for cookie in client.transport.session.cookies if cookie.name == 'JSESSIONID']
    assert all(task['succeeded'] for task in result.tasks)
    assert sdm.rotations == 40 and sdm.logins == 1 and sdm.logouts == 1
    assert [call.cookie for call in transport.calls[1:] if not ONE_SESSION_COOKIE.match(call.cookie or '')] == []
    assert [(cookie.path, cookie.value.startswith('ROTATED')) for cookie in jar] == [('/', True)]
    assert jar[0].value in client.secrets()
    assert len(client.transport.session.cookies) == 0

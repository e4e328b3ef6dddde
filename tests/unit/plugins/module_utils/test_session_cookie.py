# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session cookie under concurrent polls: a server that rotates the session id in every answer."""

from __future__ import annotations

import re
import threading

from requests.cookies import RequestsCookieJar

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
        _generation, jar = client._cookies_to_send()  # pylint: disable=protected-access  # never in the shared jar
    assert all(task['succeeded'] for task in result.tasks)
    assert sdm.rotations == 40 and sdm.logins == 1 and sdm.logouts == 1
    assert [call.cookie for call in transport.calls[1:] if not ONE_SESSION_COOKIE.match(call.cookie or '')] == []
    assert [(cookie.path, cookie.value.startswith('ROTATED')) for cookie in jar] == [('/', True)]
    assert jar[0].value in client.secrets()
    assert len(client.transport.session.cookies) == 0


# --- requests prepared while another thread changes the session cookie ------------------------------------------
# Events, not timing: a request is stopped at a chosen point (inside the handler, or while requests copies the shared
# jar into it) until another thread's whole request has run; every wait has a generous bound only against a hang.

STALE_ID = 'STALE0001.tomcat1'
LOAD_BALANCER = 'LBROUTE'
HANG = 30


class InThread:
    """A call run in its own thread; ``join`` returns its result or raises its error."""

    def __init__(self, call):
        self.result = self.error = None
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call):
        try:
            self.result = call()
        except Exception as exc:  # pylint: disable=broad-exception-caught  # handed to join
            self.error = exc

    def join(self):
        self._thread.join(HANG)
        assert not self._thread.is_alive(), 'the call did not end'
        if self.error is not None:
            raise self.error
        return self.result


def session_ids_sent(call):
    return SESSION_ID.findall(call.cookie or '')


def in_process_client(sdm):
    transport = FakeTransport(sdm)
    config = ConnectionConfig(url='https://sdm.example.com:8443', username=USER, password=PASSWORD)
    return SdmClient(config, clock=FakeClock(), adapter=transport), transport


class PausingJar(RequestsCookieJar):
    """The jar requests share; once ``meanwhile`` is set, the next copy of it into a request stops after the first
    cookie and runs ``meanwhile`` (another thread's request) before it goes on."""

    meanwhile = None

    def __iter__(self):
        for cookie in super().__iter__():
            yield cookie
            meanwhile, self.meanwhile = self.meanwhile, None
            if meanwhile is not None:
                meanwhile()


class DomainRotatingSdm(InProcessSdm):
    """Answers a read of ID2 with a new session id set for the whole domain (another cookie key than the login's)."""

    def __call__(self, call):
        reply = super().__call__(call)
        if call.line.endswith('/ID2') and reply.status == 200:
            with self.simulator.state.lock:
                self.simulator.state.sessions.add_id(session_ids_sent(call)[0], 'ROTATED-DOMAIN.tomcat1')
            cookie = 'JSESSIONID=ROTATED-DOMAIN.tomcat1; Domain=sdm.example.com; Path=/rest; HttpOnly'
            reply.headers = list(reply.headers) + [('Set-Cookie', cookie)]
        return reply


def test_a_request_prepared_while_another_thread_rotates_the_session_cookie_carries_one():
    """The session cookie is not in the shared jar: a change of it cannot reach a request being prepared."""
    sdm = DomainRotatingSdm(tasks_scenario(['ID1', 'ID2'], finish_at=0), FakeClock())
    client, transport = in_process_client(sdm)
    jar = PausingJar()
    jar.set_policy(client.transport.session.cookies.get_policy())
    jar.set(LOAD_BALANCER, 'node1', domain='.example.com', path='/')  # a load balancer's cookie, set before login
    client.transport.session.cookies = jar
    with client:
        jar.meanwhile = lambda: InThread(lambda: client.get_task('ID2', StateMatcher())).join()
        task = client.get_task('ID1', StateMatcher())
        assert jar.meanwhile is None  # the rotation did run while the read of ID1 was prepared
        _generation, kept = client._cookies_to_send()  # pylint: disable=protected-access
    assert task['succeeded'] and sdm.logins == 1 and sdm.logouts == 1
    assert [line.rsplit('/', 1)[-1] for line in transport.lines] == ['login', 'ID2', 'ID1', 'logout']
    sent_with_id2, sent_with_id1 = [session_ids_sent(call) for call in transport.calls[1:3]]
    assert len(sent_with_id2) == 1 and sent_with_id1 == sent_with_id2  # ID1's cookie was read before the rotation
    assert [kept[0].value] == session_ids_sent(transport.calls[-1]) == ['ROTATED-DOMAIN.tomcat1']  # the logout
    assert all('%s=node1' % LOAD_BALANCER in (call.cookie or '') for call in transport.calls)
    assert [cookie.name for cookie in jar] == [LOAD_BALANCER]


class StaleAnswerSdm(InProcessSdm):
    """The first read of ID2 is answered 401 with a new session cookie (a server that opens a session on a 401), and
    that answer is held until ``release`` is set: it arrives while, or after, another thread logs in again."""

    def __init__(self, scenario, clock, strip_login_cookie=False):
        super().__init__(scenario, clock)
        self.strip_login_cookie = strip_login_cookie
        self.held = threading.Event()  # the read of ID2 arrived (under the old session) and waits
        self.release = threading.Event()
        self.on_login = lambda: None  # runs before the answer to a login is given

    def __call__(self, call):
        reply = super().__call__(call)
        if call.line.endswith('/login'):
            if self.strip_login_cookie:  # a proxy that drops Set-Cookie: the session id is in the body only
                reply.headers = [header for header in reply.headers if header[0] != 'Set-Cookie']
            if self.logins > 1:
                self.on_login()
        elif call.line.endswith('/ID2') and not self.held.is_set():
            reply.headers = list(reply.headers) + [('Set-Cookie', 'JSESSIONID=%s; Path=/rest; HttpOnly' % STALE_ID)]
            self.held.set()
            assert self.release.wait(HANG)
        elif call.line.endswith('/ID1') and self.logins > 1:
            self.release.set()  # the new login is done: its cookie is the one sent
        return reply


def test_a_stale_session_cookie_arriving_after_a_new_login_does_not_replace_it():
    sdm = StaleAnswerSdm(tasks_scenario(['ID1', 'ID2'], finish_at=0), FakeClock())
    client, transport = in_process_client(sdm)
    with client:
        sdm.drop_sessions()  # every poll now gets 401
        other = InThread(lambda: client.get_task('ID2', StateMatcher()))
        assert sdm.held.wait(HANG)
        first = client.get_task('ID1', StateMatcher())  # 401, a new login, read again: then ID2's 401 arrives
        second = other.join()
    fresh = session_ids_sent(transport.calls[-1])  # the logout, in the new session
    assert first['succeeded'] and second['succeeded'] and sdm.logins == 2 and sdm.logouts == 1
    assert [session_ids_sent(call) for call in transport.calls if call.line.endswith('/ID2')][-1] == fresh
    assert fresh != [STALE_ID] and STALE_ID not in str(transport.calls[-1].cookie)


def test_a_stale_session_cookie_during_a_login_does_not_stand_for_the_login_s_own():
    """The login answer's own cookie, or its body, make the session: not a cookie another answer set meanwhile."""
    sdm = StaleAnswerSdm(tasks_scenario(['ID1', 'ID2'], finish_at=0), FakeClock(), strip_login_cookie=True)
    client, transport = in_process_client(sdm)
    stale_seen = threading.Event()
    on_cookies = client.transport._on_cookies  # pylint: disable=protected-access

    def watched(cookies, *token):
        on_cookies(cookies, *token)
        if any(cookie.value == STALE_ID for cookie in cookies):
            stale_seen.set()

    client.transport._on_cookies = watched  # pylint: disable=protected-access
    with client:
        sdm.drop_sessions()

        def stale_answer_first():  # the new login is on its way: ID2's stale answer arrives before its answer
            sdm.release.set()
            assert stale_seen.wait(HANG)

        sdm.on_login = stale_answer_first
        other = InThread(lambda: client.get_task('ID2', StateMatcher()))
        assert sdm.held.wait(HANG)
        first = client.get_task('ID1', StateMatcher())
        second = other.join()
    assert first['succeeded'] and second['succeeded'] and sdm.logins == 2 and sdm.logouts == 1
    assert stale_seen.is_set()
    assert not [call.line for call in transport.calls if STALE_ID in (call.cookie or '')]

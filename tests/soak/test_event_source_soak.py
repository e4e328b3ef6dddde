# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Soak test of the event source's poller against the SDM simulator over real HTTP, in one process (``make soak``).

Thousands of rounds back to back (the simulator's clock moves one second per round: no sleeping), tasks that come
and go, and faults: 404 blips (one task, or a proxy answering 404 for everything), 503, resets, a slow login, expired
and dropped sessions. A driver plays the rulebook (commit what succeeded, roll back what failed, sometimes remove a
running task) from the events alone, and a reference model says which events each task must give: the test fails
on a missed, repeated or spurious event, and on memory that grows after the warm-up. It prints its figures.
"""

from __future__ import annotations

import gc
import importlib
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple

from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import SdmClient
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmActionRefusedError, SdmError
from ansible_collections.ocsdm.route_manager.plugins.module_utils._event_poller import (
    GONE_AFTER_ROUNDS,
    Reachability,
    RoundFailed,
    EventPoller,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._retry import RetryPolicy
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.plugins.module_utils._task_changes import EVENT_KEY, device_progress
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import PASSWORD
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.simulator_setup import (
    SimulatorHandle,
    client_config,
    sdm_simulator,
    start_simulator,
)

ROUNDS = int(os.environ.get('SOAK_ROUNDS', '10000'))
WARM_UP = ROUNDS // 5
MIN_TASKS = 50
LIVE_TASKS = 2
SEED = 23
# A login slower than this is a lost answer (read timeout): the slow-login fault waits a little longer.
REQUEST_TIMEOUT = 0.25
RSS_GROWTH_LIMIT = 5 * 1024 * 1024
# The client's retries as they are, only quicker: a soak round must not sleep.
QUICK_RETRY = RetryPolicy(max_attempts=3, backoff_initial=0.001, backoff_max=0.004, jitter=0)
USERS = [{'username': 'admin', 'password': PASSWORD}]

MILESTONES = ('appeared', 'finished', 'rollback_started', 'rollback_finished', 'committed', 'released', 'vanished')
DEPARTURES = ('committed', 'released', 'vanished')


def rss_bytes() -> int:
    with open('/proc/self/status', encoding='ascii') as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    raise AssertionError('no VmRSS in /proc/self/status')


@dataclass
class TaskStory:
    """What the reference model knows of one task: how the driver made it end, and the events it gave."""

    fails: bool
    removed: bool = False  # the driver removed it while the source last saw it running
    finished_seen: bool = False
    acted: Optional[str] = None
    events: Counter = field(default_factory=Counter)
    progress_seen: Set[Tuple[Any, ...]] = field(default_factory=set)

    def expected(self) -> Dict[str, Any]:
        """The milestone events this task must have given once it has left (``rollback_started`` may be skipped)."""
        if self.removed:
            return {'appeared': 1, 'vanished': 1}
        if self.fails:
            return {'appeared': 1, 'finished': 1, 'rollback_started': (0, 1), 'rollback_finished': 1, 'released': 1}
        return {'appeared': 1, 'finished': 1, 'committed': 1}


class Soak:
    def __init__(self, server: Any) -> None:
        self.server = server
        self.sim = SimulatorHandle(server)
        self.random = random.Random(SEED)
        self.stories: Dict[str, TaskStory] = {}
        self.live: Set[str] = set()  # tasks added and not yet departed (as the events say)
        self.actions: List[Tuple[str, str]] = []  # the driver's actions still to send
        self.next_id = 0
        self.round_number = 0
        self.last_blip = -GONE_AFTER_ROUNDS - 1
        self.missed = 0
        self.judged = 0
        self.wrong: List[Tuple[str, str, int, Any]] = []
        self.repeated = 0
        self.spurious_vanished = 0
        self.failed_rounds = 0
        self.outages = 0
        self.events = 0
        self.faults = Counter()
        config = client_config(server.url, request_timeout=REQUEST_TIMEOUT, body_format='json', retry=QUICK_RETRY)
        self.client = SdmClient(config)
        self.actor = SdmClient(client_config(server.url, body_format='json', retry=QUICK_RETRY))
        self.poller = EventPoller(self.client, StateMatcher(), interval=5.0)
        self.reachability = Reachability(1.0)

    # The world ----------------------------------------------------------------------------------------

    def add_task(self) -> None:
        task_id = 'S%05d' % self.next_id
        self.next_id += 1
        fails = self.random.random() < 0.3
        devices = [
            {'object_id': '%s-D%d' % (task_id, number), 'at': self.random.randint(2, 12), 'rollback_after': 3}
            for number in range(self.random.randint(1, 3))
        ]
        if fails:
            devices[-1].update(outcome='failure', failure_msg='LRT rejected')
        spec = {'id': task_id, 'error_handling': 'abort', 'timed_from': 'first_request', 'devices': devices}
        scenario = sdm_simulator.parse_scenario({'users': USERS, 'tasks': [spec]})
        run = importlib.import_module('sdm_simulator.timeline').TaskRun(scenario.tasks[0])
        with self.server.state.lock:
            self.server.state.tasks[task_id] = run
        self.stories[task_id] = TaskStory(fails=fails)
        self.live.add(task_id)

    def forget(self, task_id: str) -> None:
        """SDM forgets a task some time after it left the pending list (and the soak's memory must not grow)."""
        with self.server.state.lock:
            self.server.state.tasks.pop(task_id, None)

    def inject_fault(self) -> None:
        draw = self.random.random()
        rule: Optional[Dict[str, Any]] = None
        live = sorted(self.live)
        if draw < 0.02 and live and self.round_number - self.last_blip > GONE_AFTER_ROUNDS:
            # At most GONE_AFTER_ROUNDS - 1 rounds of 404 in a row: a blip, not the evidence that a task is gone.
            task_id = self.random.choice(live)
            count = self.random.randint(1, GONE_AFTER_ROUNDS - 1)
            rule = {'kind': 'status', 'status': 404, 'path': '*/routeUpdates/%s' % task_id, 'count': count}
            self.faults['404 blip (one task)'] += 1
            self.last_blip = self.round_number
        elif draw < 0.03:
            rule = {'kind': 'status', 'status': 404, 'method': 'GET', 'count': LIVE_TASKS + 1}
            self.faults['404 blip (everything)'] += 1
        elif draw < 0.05:
            rule = {'kind': 'status', 'status': 503, 'method': 'GET', 'count': self.random.randint(1, 8)}
            self.faults['503'] += 1
        elif draw < 0.06:
            rule = {'kind': 'reset', 'method': 'GET', 'count': self.random.randint(1, 3)}
            self.faults['reset'] += 1
        elif draw < 0.065:
            self.drop_sessions()
            self.faults['session dropped'] += 1
        elif draw < 0.0665:
            self.drop_sessions()
            rule = {'kind': 'delay', 'seconds': REQUEST_TIMEOUT * 1.5, 'path': '*/login', 'count': 1}
            self.faults['slow login'] += 1
        if rule is not None:
            # Straight into the simulator's state, as its control API would: the HTTP is the source's alone.
            rules = importlib.import_module('sdm_simulator.faults').parse_faults(rule, 'soak')
            with self.server.state.lock:
                self.server.state.faults.clear()
                self.server.state.faults.add(rules)

    def drop_sessions(self) -> None:
        with self.server.state.lock:
            self.server.state.sessions.drop_all()

    # The rulebook ---------------------------------------------------------------------------------------

    def take(self, event: Dict[str, Any]) -> None:
        body = event[EVENT_KEY]
        change, task_id, task = body['change'], body['task_id'], body['task']
        story = self.stories[task_id]
        self.events += 1
        if change in MILESTONES:
            story.events[change] += 1
            if story.events[change] > 1:
                self.repeated += 1
        else:
            seen = (change, task['update_status'], device_progress(task))
            if seen in story.progress_seen:
                self.repeated += 1
            story.progress_seen.add(seen)
        if change == 'vanished' and not story.removed:
            self.spurious_vanished += 1
        if change == 'finished':
            story.finished_seen = True
            self.actions.append((task_id, 'Commit' if task['succeeded'] else 'Rollback'))
        if change in DEPARTURES:
            self.live.discard(task_id)
            self.forget(task_id)
            self.judge(task_id)

    def judge(self, task_id: str) -> None:
        """Compare a task that has left with the reference model, then forget its story."""
        story = self.stories.pop(task_id)
        self.judged += 1
        expected = story.expected()
        for change, wanted in expected.items():
            got = story.events[change]
            allowed = wanted if isinstance(wanted, tuple) else (wanted,)
            if got < min(allowed):
                self.missed += min(allowed) - got
            if got not in allowed:
                self.wrong.append((task_id, change, got, wanted))
        self.wrong.extend((task_id, change, story.events[change], 0) for change in set(story.events) - set(expected))

    def maybe_remove_a_running_task(self) -> None:
        # Seen running (appeared, not finished): it must end with `vanished`.
        running = sorted(
            task_id
            for task_id in self.live
            if self.stories[task_id].events['appeared'] and not self.stories[task_id].finished_seen
        )
        if running and self.random.random() < 0.01:
            task_id = self.random.choice(running)
            self.sim.control('POST', '/tasks/%s/vanish' % task_id)  # rare: over the control API
            self.stories[task_id].removed = True

    def send_actions(self) -> None:
        waiting, self.actions = self.actions, []
        for task_id, action in waiting:
            try:
                if not self.actor.logged_in:
                    self.actor.login()
                self.actor.send_action(task_id, action)
            except SdmActionRefusedError:
                pass  # sent before, its answer lost: done
            except SdmError:
                self.actions.append((task_id, action))  # tried again next round

    # The run ----------------------------------------------------------------------------------------------

    def round(self, faults: bool = True) -> None:
        self.round_number += 1
        while len(self.live) < LIVE_TASKS and faults:
            self.add_task()
        if faults:
            self.inject_fault()
        try:
            events = self.poller.poll()
        except RoundFailed:
            self.failed_rounds += 1
            if self.reachability.failed(time.monotonic()):
                self.outages += 1
            events = []
        else:
            self.reachability.answered(time.monotonic())
        for event in events:
            self.take(event)
        if faults:
            self.maybe_remove_a_running_task()
        self.send_actions()
        with self.server.state.lock:
            self.server.state.clock.advance(1.0)


def test_the_event_source_soak():
    server = start_simulator(
        {
            'name': 'event-source-soak',
            'speed': 0.001,
            'users': USERS,
            'sessions': {'expire_after_requests': 700},
            'faults': [{'kind': 'delay', 'seconds': REQUEST_TIMEOUT * 1.5, 'path': '*/login', 'count': 1}],
            'tasks': [],
        }
    )
    soak = Soak(server)
    started = time.monotonic()
    # The source's threads and the simulator's share one interpreter here: hand the GIL over sooner than every 5 ms,
    # as the answer a thread waits for is usually ready at once.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    try:
        for number in range(ROUNDS):
            soak.round()
            if number == WARM_UP:
                gc.collect()
                warm_rss = rss_bytes()
            if number % 500 == 0:
                with server.state.lock:
                    server.state.reset_counters()  # the simulator's own logs are not the source's memory
        gc.collect()
        growth = rss_bytes() - warm_rss
        soak.sim.control('DELETE', '/faults')
        for _drain in range(200):
            if not soak.live and not soak.actions:
                break
            soak.round(faults=False)
        leftover = {
            task_id: (soak.stories[task_id], soak.sim.control('GET', '/tasks').get(task_id)) for task_id in soak.stories
        }
    finally:
        sys.setswitchinterval(switch_interval)
        soak.poller.close()
        soak.actor.__exit__(None, None, None)
        server.stop()
    seconds = time.monotonic() - started

    print(
        '\nsoak: %d rounds, %d tasks, %d events in %.1f s; %d failed rounds in %d outages; faults %s'
        % (ROUNDS, soak.next_id, soak.events, seconds, soak.failed_rounds, soak.outages, dict(soak.faults))
    )
    print(
        'soak: missed %d, repeated %d, spurious vanished %d, RSS growth after warm-up %.2f MiB'
        % (soak.missed, soak.repeated, soak.spurious_vanished, growth / 1048576.0)
    )
    assert not leftover, 'tasks not over after the drain: %s' % leftover
    assert soak.judged == soak.next_id >= MIN_TASKS
    assert (soak.missed, soak.repeated, soak.spurious_vanished) == (0, 0, 0), soak.wrong[:20]
    assert not soak.wrong, soak.wrong[:20]
    assert growth <= RSS_GROWTH_LIMIT
    assert soak.outages >= 1 and all(soak.faults[kind] for kind in ('404 blip (one task)', 'slow login', 'reset'))

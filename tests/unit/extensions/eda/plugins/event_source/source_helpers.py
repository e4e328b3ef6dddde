# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The event source as ansible-rulebook runs it (``runpy``, then ``main(queue, args)``), against the simulator.

Time is the simulator's: tasks finish hundreds of scenario seconds after the load, and a test moves the clock
(``/_sim/clock/advance``) once the source has reported the state before. Every wait is bounded by `EVENT_TIMEOUT`,
a safety net that a passing test never reaches.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from ansible_collections.ocsdm.route_manager.plugins.module_utils import _event_poller
from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import SdmClient
from ansible_collections.ocsdm.route_manager.plugins.module_utils._task_changes import EVENT_KEY
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import PASSWORD
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.simulator_setup import SimulatorHandle

# tests/unit/extensions/eda/plugins/event_source/<this file> -> the collection root
COLLECTION_ROOT = Path(__file__).resolve().parents[6]
SOURCE_PATH = COLLECTION_ROOT / 'extensions' / 'eda' / 'plugins' / 'event_source' / 'route_updates.py'


def load_as_script(path: Path) -> Dict[str, Any]:
    """The globals of the file run on its own, outside any package, as ansible-rulebook runs it with runpy.run_path.

    runpy itself cannot load it here: under ansible-test, the collection loader claims every path of the collection.
    """
    spec = importlib.util.spec_from_file_location('route_updates_as_run_by_ansible_rulebook', str(path))
    module = importlib.util.module_from_spec(spec)
    # runpy registers the module it runs too (dataclasses look their module up).
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return vars(module)


SOURCE = load_as_script(SOURCE_PATH)

EVENT_TIMEOUT = 30.0
# The tests poll every 50 ms (below the floor users get: `_event_poller.MIN_INTERVAL`), so that rounds pass quickly.
TEST_INTERVAL_FLOOR = 0.01
BASE = '/rest/v1.3'
PENDING_LIST = 'GET %s/routeSets/routeUpdates' % BASE

# A task that two devices complete at scenario seconds 100 and 200.
SUCCEEDS = {
    'id': 'T1',
    'error_handling': 'rollback',
    'devices': [
        {'object_id': 'D1', 'device_group_id': 'G1', 'at': 100},
        {'object_id': 'D2', 'device_group_id': 'G2', 'at': 200},
    ],
}
# A task whose first device completes at 100 and whose second fails at 200; a rollback takes 100 s.
FAILS = {
    'id': 'T2',
    'error_handling': 'abort',
    'devices': [
        {'object_id': 'D3', 'device_group_id': 'G1', 'at': 100, 'rollback_after': 100},
        {'object_id': 'D4', 'device_group_id': 'G2', 'at': 200, 'outcome': 'failure', 'failure_msg': 'LRT rejected'},
    ],
}


def scenario(*tasks: Dict[str, Any], **options: Any) -> Dict[str, Any]:
    data: Dict[str, Any] = {
        'name': 'event-source-tests',
        'clock_origin': '2026-01-05T22:00:00',
        'users': [{'username': 'admin', 'password': PASSWORD}],
        'tasks': list(tasks),
    }
    data.update(options)
    return data


class SourceSim(SimulatorHandle):
    """The simulator's control API for the source tests."""

    def advance(self, seconds: float) -> None:
        self.control('POST', '/clock/advance', {'seconds': seconds})

    def clear_faults(self) -> None:
        self.control('DELETE', '/faults')

    def fault_counts(self) -> Tuple[int, int]:
        """How many requests the fault rules saw, and how many they spoiled."""
        rules = self.control('GET', '/faults')
        rules = rules.get('faults', rules) if isinstance(rules, dict) else rules
        return sum(rule['seen'] for rule in rules), sum(rule['fired'] for rule in rules)

    def answered_requests(self) -> int:
        """SDM requests answered so far (the counters count a request when it arrives, this list when it is answered)."""
        return len(self.control('GET', '/requests')['requests'])

    def act(self, task_id: str, action: str) -> None:
        """Commit or roll back a task as a playbook would, on a session of its own."""
        with SdmClient(self.config()) as client:
            client.send_action(task_id, action)

    def source_args(self, **options: Any) -> Dict[str, Any]:
        """The source's options for this simulator: user admin, a fast interval; keyword arguments override."""
        args: Dict[str, Any] = {
            'url': self.url,
            'username': 'admin',
            'password': PASSWORD,
            'interval': 0.05,
            'request_timeout': 5,
        }
        args.update(options)
        return args


class SourceRun:
    """``main()`` running as an asyncio task, with the events it puts on its queue."""

    def __init__(self, sim: SourceSim, **options: Any) -> None:
        self.sim = sim
        self.args = sim.source_args(**options)
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task: Optional[asyncio.Task] = None
        self.seen: List[Dict[str, Any]] = []

    async def __aenter__(self) -> 'SourceRun':
        self.floor, _event_poller.MIN_INTERVAL = _event_poller.MIN_INTERVAL, TEST_INTERVAL_FLOOR
        self.task = asyncio.ensure_future(SOURCE['main'](self.queue, dict(self.args)))
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        try:
            await self.stop()
        finally:
            _event_poller.MIN_INTERVAL = self.floor

    async def stop(self) -> None:
        """Cancel the source, as ansible-rulebook does when it stops, and wait for it to end."""
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, EVENT_TIMEOUT)

    async def next_event(self) -> Dict[str, Any]:
        """The next event's body (under EVENT_KEY); fails the test if the source ended or nothing comes."""
        getter = asyncio.ensure_future(self.queue.get())
        done, _pending = await asyncio.wait(
            [getter, self.task], timeout=EVENT_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if getter not in done:
            getter.cancel()
            if self.task in done:
                self.task.result()  # raises what ended the source
            raise AssertionError('no event within %s s; events so far: %s' % (EVENT_TIMEOUT, changes(self.seen)))
        event = getter.result()
        assert list(event) == [EVENT_KEY], event
        self.seen.append(event[EVENT_KEY])
        return event[EVENT_KEY]

    async def expect(self, *expected: Tuple[str, Optional[str]]) -> List[Dict[str, Any]]:
        """The next events, which must be these (change, task id) pairs in this order."""
        events = [await self.next_event() for _change in expected]
        assert changes(events) == list(expected), changes(self.seen)
        return events

    async def control(self, function: Callable[..., Any], *args: Any) -> Any:
        """A call of the simulator's control API, off the event loop (the source keeps running meanwhile)."""
        return await asyncio.to_thread(function, *args)

    async def rounds_pass(self, count: int) -> None:
        """Wait until the source has read the pending list ``count`` more times (so that many rounds passed)."""
        start = await self.control(self.sim.requests_to, PENDING_LIST)
        await self.until(lambda: self.sim.requests_to(PENDING_LIST) >= start + count, 'the source polls')

    async def rounds_pass_reading(self, request: str, count: int) -> None:
        """Wait until the source has made ``request`` ``count`` more times."""
        start = await self.control(self.sim.requests_to, request)
        await self.until(lambda: self.sim.requests_to(request) >= start + count, 'the source polls')

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        """Poll a condition of the simulator's state (off the loop) until it holds; bounded by EVENT_TIMEOUT."""
        loop = asyncio.get_running_loop()
        end = loop.time() + EVENT_TIMEOUT
        while not await self.control(condition):
            assert self.task is not None and not self.task.done(), 'the source ended while waiting until %s' % what
            assert loop.time() < end, 'waited %s s until %s' % (EVENT_TIMEOUT, what)
            await asyncio.sleep(0.02)


def changes(events: List[Dict[str, Any]]) -> List[Tuple[str, Optional[str]]]:
    return [(event['change'], event['task_id']) for event in events]


def run(coroutine: Any) -> Any:
    """Run a test's coroutine on a new event loop, as ansible-rulebook runs the source."""
    return asyncio.run(coroutine)

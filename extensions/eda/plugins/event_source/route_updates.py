# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Event-Driven Ansible source ``ocsdm.route_manager.route_updates``: SDM route update tasks as events.

ansible-rulebook runs this file with ``runpy`` (outside any package) and calls ``main(queue, args)``.
Each poll round reads the pending tasks (or the given ``task_ids``) with the collection's own client,
in worker threads so that the event loop stays free, and puts one event on the queue per change that
matters. DOCUMENTATION below lists the options; the user guide (guide_eda) describes the events.
"""

from __future__ import annotations

DOCUMENTATION = r"""
---
short_description: Events from the route update tasks of Oracle Communications Session Delivery Manager (SDM)
description:
  - An ansible-rulebook event source that polls SDM every O(interval) seconds and emits one event for each
    change of a route update task that matters to a change window, so a rulebook can react instead of polling.
  - Each poll round reads the pending list of SDM (C(GET /routeSets/routeUpdates)), or only the tasks in
    O(task_ids), then each task. The tasks are read concurrently (at most 8 at a time) on one login session.
  - Events, each under the key C(sdm_route_update) with C(change) saying what happened -
    V(appeared) (a task is seen for the first time),
    V(status_changed) (its update status moved, the update still running),
    V(devices_progressed) (its updated count or a device's status moved, the update still running; with
    C(estimated_seconds_left), the estimate of the end from the progress so far, or V(null) when the reads
    support none),
    V(finished) (the update finished; C(task.verdict) says how, V(succeeded), V(failed) or V(unclear), and
    C(task.failed_devices) and C(task.unclear_devices) name the devices),
    V(rollback_started) and V(rollback_finished) (C(task.rollback_succeeded) says how),
    V(committed) (a finished task left the pending list, or is no longer found, without a rollback),
    V(released) (a task left the pending list after its rollback),
    V(vanished) (a task left the pending list, or is no longer found, before its update finished),
    V(sdm_unreachable) and V(sdm_reachable) (once each when SDM stops and starts answering).
  - A task event carries the normalised task (the same dictionary as a task of
    M(ocsdm.route_manager.route_update_info)), C(previous) (the update status, updated count, rollback status and
    whether the update and the rollback had finished, as the source saw them before), the SDM host and the time the
    change was seen. The same state is never emitted twice.
  - One login for the life of the source, a new login when SDM answers 401, and a logout when the rulebook stops.
    While SDM cannot be reached, the source emits one V(sdm_unreachable) event and polls less often
    (twice the interval after each failed round, up to 60 seconds or O(interval) if that is longer), then one
    V(sdm_reachable) event when it answers again, and the changes seen meanwhile. A round in which no read succeeds,
    whatever the statuses (a proxy answering 404 or 503 for everything), is such an outage; so is, at start, a login
    that times out, is reset or answers 5xx. Only a refused login (401, 403), an unknown O(api_version) and a TLS
    failure end the source at start.
  - A task is gone (V(committed), V(released), V(vanished)) only on evidence - it left the pending list, or with
    O(task_ids) it answered 404 in 3 consecutive rounds while SDM answered other reads. A task that left the list
    is read until it answers or its 404 lasted 3 rounds, so that a 404 blip hides no last change.
  - The password, the session cookie and the session ID never appear in an event or a log line.
author:
  - ocsdm.route_manager developers (@ocsdm)
requirements:
  - ansible-rulebook
  - requests
  - lxml (for O(body_format=xml))
options:
  url:
    description:
      - Base URL of the Session Delivery Manager, scheme, host and port only, for example V(https://sdm.example.com:8443).
      - If not set, the value of the E(SDM_URL) environment variable is used.
    type: str
    required: true
  username:
    description:
      - SDM user that logs in. The user's group needs the rights to read route sets.
      - If not set, the value of the E(SDM_USERNAME) environment variable is used.
    type: str
    required: true
  password:
    description:
      - Password of O(username).
      - If not set, the value of the E(SDM_PASSWORD) environment variable is used.
    type: str
    required: true
  validate_certs:
    description:
      - Verify the server's TLS certificate. To trust a private certification authority, keep it on and set O(ca_path).
      - If not set, the value of the E(SDM_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the certification authority that signed the server's certificate.
      - If not set, the value of the E(SDM_CA_PATH) environment variable is used.
    type: path
  request_timeout:
    description:
      - Seconds to wait for a connection, for each answer to start, and for the whole body of each answer.
    type: float
    default: 30
  api_version:
    description:
      - Version segment of the REST path. Every route-set call of SDM 8.2 to 9.0.1 uses V(v1.3).
    type: str
    default: v1.3
  body_format:
    description:
      - Format of the bodies exchanged with SDM. Both give the same events.
    type: str
    choices: [xml, json]
    default: xml
  record_dir:
    description:
      - Folder where every HTTP exchange of the source with SDM is recorded, one JSON file per exchange, with the
        password, the session IDs and every cookie value removed in every form they can take, to attach to a bug
        report or to replay with the collection's SDM simulator (C(python -m sdm_simulator --replay FOLDER)).
      - Bounded like the modules' recordings. The source keeps one client for its whole life, so it records its first
        1000 exchanges and then stops recording, with one log line; record a change window, not a week.
      - Writing the recording never stops the source. Unset (the default) records nothing.
      - If not set, the value of the E(SDM_RECORD_DIR) environment variable is used.
    type: path
  record_placeholders:
    description:
      - With O(record_dir), replace host names and device and device group IDs in the recorded files by stable
        placeholders, as the modules' option does.
      - If not set, the value of the E(SDM_RECORD_PLACEHOLDERS) environment variable is used.
    type: bool
    default: false
  interval:
    description:
      - Seconds from the start of one poll round to the start of the next; at least V(1).
      - Each round costs one request for the pending list (none with O(task_ids)) and one per task.
    type: float
    default: 10
  task_ids:
    description:
      - IDs of the route update tasks to watch, as SDM shows them, for example V(ID33).
      - When not set, every task of the pending list of SDM is watched, and a task that leaves it ends with a
        V(committed), V(released) or V(vanished) event.
      - With O(task_ids) the pending list is read only when every task answers 404 (to tell SDM from a proxy); a task
        that SDM no longer finds after it was seen ends with a V(committed), V(released) or V(vanished) event. An ID
        that SDM does not know is logged once and read again every round. An ID with surrounding whitespace is refused.
    type: list
    elements: str
  emit_initial_state:
    description:
      - Emit the state of every task found by the first poll round as events (V(appeared), then V(finished),
        V(rollback_started) or V(rollback_finished) as its state shows), marked C(initial=true). A rulebook that starts
        in the middle of a change window then still acts on a task that finished before it started.
      - When V(false), the tasks known at start give no event until a change after their first successful read,
        even when that read comes rounds later; a task that appears later gives its events.
    type: bool
    default: true
extends_documentation_fragment:
  - ocsdm.route_manager.connection.states
notes:
  - The source needs the collection installed (C(ansible-galaxy collection install)) where ansible-rulebook finds
    it, because it imports the collection's client from the installed copy. In Automation Platform, put the
    collection in the decision environment.
  - Whether an update I(succeeded) is the collection's decision (C(task.verdict) and C(task.rollback_verdict) of the
    normalised task, from the one state model of the modules and the role), so a rule and a playbook never disagree
    about the same task. Act on V(succeeded) and V(failed) only; an V(unclear) task needs a person.
seealso:
  - ref: ansible_collections.ocsdm.route_manager.docsite.guide_eda
    description: The events, the rulebook C(ocsdm.route_manager.route_update_window), and running it in Automation Platform.
"""

EXAMPLES = r"""
- name: Close SDM route update windows by themselves
  hosts: localhost
  sources:
    - name: SDM route updates
      ocsdm.route_manager.route_updates:
        url: https://sdm.example.net:8443
        username: automation
        password: "{{ sdm_password }}"
        ca_path: /etc/pki/tls/certs/sdm-ca.pem
        interval: 10
  rules:
    - name: Roll back a failed route update
      condition: >-
        event.sdm_route_update.change == "finished"
        and event.sdm_route_update.task.verdict == "failed"
      action:
        run_playbook:
          name: ocsdm.route_manager.wait_route_update
          extra_vars:
            route_update_wait_task_id: "{{ event.sdm_route_update.task_id }}"
            route_update_wait_rollback_on_failure: true
            route_update_wait_report_dir: /var/lib/change-reports

- name: Watch two tasks only, with the connection from SDM_URL, SDM_USERNAME and SDM_PASSWORD
  hosts: localhost
  sources:
    - ocsdm.route_manager.route_updates:
        task_ids:
          - ID33
          - ID34
        body_format: json
  rules:
    - name: Say when SDM stops answering
      condition: event.sdm_route_update.change == "sdm_unreachable"
      action:
        debug:
          msg: "SDM {{ event.sdm_route_update.sdm_host }} does not answer: {{ event.sdm_route_update.error }}"
"""

# pylint: disable=wrong-import-position
import asyncio
import concurrent.futures
import os
import sys
import time
from typing import Any, Dict, List


def _collections_root() -> str:
    """The folder that holds ``ansible_collections/``, from where this file is installed.

    ``<root>/ansible_collections/ocsdm/route_manager/extensions/eda/plugins/event_source/route_updates.py``:
    seven levels up. ``abspath`` keeps a symlinked collection where it is linked.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, *[os.pardir] * 7))


# ansible-rulebook runs this file outside any package. Like the event sources of other collections, this one puts its
# installed collection on sys.path to import the collection's code; it imports it by its full name, as the modules
# do, so another collection that does the same cannot shadow it.
_ROOT = _collections_root()
if (
    os.path.isdir(os.path.join(_ROOT, 'ansible_collections', 'ocsdm', 'route_manager', 'plugins', 'module_utils'))
    and _ROOT not in sys.path
):
    sys.path.insert(0, _ROOT)
try:
    from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import SdmClient
    from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmError
    from ansible_collections.ocsdm.route_manager.plugins.module_utils._event_poller import (
        LOGGER,
        EventPoller,
        Reachability,
        RoundFailed,
    )
    from ansible_collections.ocsdm.route_manager.plugins.module_utils._source_options import SourceSettings
    from ansible_collections.ocsdm.route_manager.plugins.module_utils._task_changes import (
        SDM_REACHABLE,
        SDM_UNREACHABLE,
        sdm_event,
    )
except ImportError as _error:
    raise ImportError(
        'ocsdm.route_manager.route_updates imports the client of the collection ocsdm.route_manager from where the '
        'collection is installed (.../ansible_collections/ocsdm/route_manager/), found none from %s: %s. Install the '
        'collection with ansible-galaxy and name the source by its FQCN in the rulebook.' % (_ROOT, _error)
    ) from _error

# The asyncio side ------------------------------------------------------------------------------


class RouteUpdateSource:
    """Runs poll rounds every interval and puts their events on ansible-rulebook's queue."""

    def __init__(self, queue: Any, settings: SourceSettings) -> None:
        self.queue = queue
        self.settings = settings
        self.poller = EventPoller(
            SdmClient(settings.connection),
            settings.matcher,
            settings.task_ids,
            settings.emit_initial_state,
            settings.interval,
        )
        self.reachability = Reachability(settings.interval)
        # One thread for the session: rounds and the logout run in it one after the other.
        self._session = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix='sdm-session')

    async def run(self) -> None:
        """Poll until cancelled (the rulebook stops), then log out; a refused first login ends the source."""
        loop = asyncio.get_running_loop()
        what = 'tasks %s' % ', '.join(self.settings.task_ids) if self.settings.task_ids else 'the pending tasks'
        LOGGER.info('watching %s on SDM %s every %g s', what, self.poller.sdm_host, self.settings.interval)
        try:
            while True:
                started = loop.time()
                delay = await self.poll_round()
                await asyncio.sleep(max(0.0, delay - (loop.time() - started)))
        finally:
            await self.close()

    async def poll_round(self) -> float:
        """One round: its events go on the queue; returns the seconds from its start to the next round's."""
        try:
            events: List[Dict[str, Any]] = await asyncio.wrap_future(self._session.submit(self.poller.poll))
        except RoundFailed as failure:
            await self._on_failed_round(failure.error)
            return self.reachability.next_delay()
        outage = self.reachability.answered(time.monotonic())
        if outage is not None:
            seconds, rounds = outage
            LOGGER.warning(
                'SDM %s answers again after %.0f s (%d failed poll rounds)', self.poller.sdm_host, seconds, rounds
            )
            await self.queue.put(
                sdm_event(
                    SDM_REACHABLE, self.poller.sdm_host, unreachable_seconds=round(seconds, 1), failed_rounds=rounds
                )
            )
        for event in events:
            await self.queue.put(event)
        return self.reachability.next_delay()

    async def _on_failed_round(self, error: SdmError) -> None:
        message = self.poller.scrub(error.message)
        if self.reachability.failed(time.monotonic()):
            retry_in = self.reachability.next_delay()
            LOGGER.warning(
                'SDM %s cannot be read: %s; polling less often until it answers (next in %g s, at most every %g s)',
                self.poller.sdm_host,
                message,
                retry_in,
                self.reachability.longest_delay,
            )
            await self.queue.put(sdm_event(SDM_UNREACHABLE, self.poller.sdm_host, error=message, retry_in=retry_in))
        else:
            LOGGER.debug(
                'SDM %s still cannot be read (round %d of this outage, next in %g s): %s',
                self.poller.sdm_host,
                self.reachability.failed_rounds,
                self.reachability.next_delay(),
                message,
            )

    async def close(self) -> None:
        """Log out after the round in progress, if any, has ended (it reads nothing more once stopping)."""
        self.poller.stopping.set()
        try:
            await asyncio.wrap_future(self._session.submit(self.poller.close))
        finally:
            self._session.shutdown(wait=False)


async def main(queue: Any, args: Dict[str, Any]) -> None:
    """The entry point ansible-rulebook calls: watch SDM's route update tasks until the rulebook stops."""
    settings = SourceSettings.from_args(args)
    await RouteUpdateSource(queue, settings).run()

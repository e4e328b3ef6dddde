# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The poller of the event source ``route_updates``: `EventPoller` reads in rounds that never end (one round of reads
on one `SdmClient` session each), and turns what the answers prove into events. (The wait of a module run is
`_poll_wait.PollWait`, the action's wait `plugin_utils/_sliced_wait.SlicedWait`.) Synchronous and without asyncio:
the source runs it in a thread of its own.

What counts as evidence:

- A task is gone when it left the pending list, or (with given task IDs) when it answered 404 in `GONE_AFTER_ROUNDS`
  consecutive rounds in which SDM answered otherwise too. In pending-list mode a 404 alone proves nothing: the
  list decides. A task that left the list is read until it answers (its last change, such as a rollback that
  finished meanwhile) or has answered 404 in `GONE_AFTER_ROUNDS` rounds: then it ends with the last state seen.
- A round in which no read succeeded is an outage (`RoundFailed`), whatever the statuses: no task state changes in
  it. With given task IDs, a round where every task answers 404 reads the pending list once to tell a proxy that
  answers 404 for everything from SDM that no longer knows the tasks.
- At start, only a refused login (401, 403), an unknown API version (404 on login) and a TLS failure end the
  source (`ends_source_at_start`); a login that times out, is reset or answers 5xx is an outage like any other.
"""

from __future__ import annotations

import collections
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from ._clock import Deadline
from ._errors import (
    SdmAuthError,
    SdmError,
    SdmNotFoundError,
    SdmPermissionError,
    SdmTransportError,
)
from ._secrets import hide_secrets, hide_session_cookies
from ._states import StateMatcher
from ._estimate import Estimator, event_fields
from ._task_changes import changes_between, changes_on_appearance, departure_change, task_event
from ._poll_wait import MAX_WORKERS, read_tasks

LOGGER = logging.getLogger('ocsdm.route_manager.route_updates')

# The shortest interval between two rounds: each round reads every task, and SDM serves people too.
MIN_INTERVAL = 1.0
# Consecutive rounds of 404 (while SDM answered otherwise) after which a given task is gone.
GONE_AFTER_ROUNDS = 3
# While SDM does not answer: twice the interval after each failed round, up to this (or the interval if longer).
UNREACHABLE_BACKOFF_MAX = 60.0
# The messages logged once are remembered up to this many (the oldest are forgotten first).
LOGGED_MESSAGES_KEPT = 1000

_Event = Dict[str, Any]


class RoundFailed(Exception):
    """A poll round read nothing: SDM did not answer, or refused the session. ``error`` is the client's."""

    def __init__(self, error: SdmError) -> None:
        super().__init__(error.message)
        self.error = error


def ends_source_at_start(error: SdmError) -> bool:
    """Whether a failure before the first answered round needs the settings fixed, not waiting: wrong password, no
    rights, a URL or API version SDM does not know (404 on login), a certificate that is not trusted."""
    if isinstance(error, (SdmAuthError, SdmPermissionError)):
        return True
    if isinstance(error, SdmNotFoundError):
        return bool(getattr(error, 'api', False))
    if isinstance(error, SdmTransportError):
        return error.fault.settings_to_fix
    return False


class OnceLog:
    """Logs each message once, remembering the last `LOGGED_MESSAGES_KEPT` (a long run stays the same size)."""

    def __init__(self, logger: logging.Logger, scrub: Any, kept: int = LOGGED_MESSAGES_KEPT) -> None:
        self.logger = logger
        self.scrub = scrub
        self.kept = kept
        self._seen: 'collections.OrderedDict[str, None]' = collections.OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def warn(self, messages: Iterable[str]) -> None:
        for message in messages:
            if message in self._seen:
                self._seen.move_to_end(message)
                continue
            self._seen[message] = None
            if len(self._seen) > self.kept:
                self._seen.popitem(last=False)
            self.logger.warning('%s', self.scrub(message))


@dataclass
class _Watch:
    """What the source knows of one task."""

    initial: bool  # known when the source started, and neither read nor proven absent since
    last: Optional[Dict[str, Any]] = None
    misses: int = 0  # consecutive rounds of 404 while SDM answered
    unreadable: Optional[str] = None  # the message of the failure that is logged for it now
    estimator: Estimator = field(default_factory=Estimator)  # the end of its update, from the reads so far


class EventPoller:
    """Reads the tasks through one `SdmClient` session and turns what changed into events.

    `poll` and `close` run in one thread, one after the other, never together, so a logout can never race a read
    that would log in again. Reads run on the concurrent reads of `PollWait` (`_poll_wait.read_tasks`).
    """

    def __init__(
        self,
        client: Any,
        matcher: StateMatcher,
        task_ids: Optional[Sequence[str]] = None,
        emit_initial_state: bool = True,
        interval: float = 10.0,
        gone_after: int = GONE_AFTER_ROUNDS,
        logger: logging.Logger = LOGGER,
    ) -> None:
        self.client = client
        self.matcher = matcher
        self.task_ids = None if task_ids is None else tuple(task_ids)
        self.emit_initial_state = emit_initial_state
        self.interval = interval
        self.gone_after = gone_after
        self.logger = logger
        self.sdm_host = client.config.host
        self.stopping = threading.Event()
        self.log_once = OnceLog(logger, self.scrub)
        self._watches: Dict[str, _Watch] = {}
        self._gone: set = set()  # given task IDs proven gone: not read again
        self._started = False  # a round was answered
        self._client_warnings_seen = 0
        workers = min(MAX_WORKERS, getattr(client, 'max_concurrency', MAX_WORKERS))
        self._reads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix='sdm-read')

    @property
    def watched(self) -> int:
        return len(self._watches)

    def scrub(self, text: str) -> str:
        """The text without the password, the live session id or any session cookie."""
        return hide_secrets(hide_session_cookies(text), self.client.secrets())

    # The round -----------------------------------------------------------------------------------

    def poll(self) -> List[_Event]:
        """One round's events, in order. Raises `RoundFailed` when nothing could be read, `SdmError` when the source
        cannot start for a reason that waiting will not cure (`ends_source_at_start`)."""
        deadline = Deadline(self.client.clock, self.interval)
        try:
            self._log_in(deadline)
            listed = self._listed_ids(deadline)
        except SdmError as error:
            if not self._started and ends_source_at_start(error):
                raise
            raise RoundFailed(error) from error
        finally:
            self._log_client_warnings()
        ids = self._ids_to_read(listed)
        outcomes = dict(zip(ids, read_tasks(self.client, self.matcher, ids, deadline, self._reads, self._stopping)))
        try:
            self._check_answered(listed, outcomes, deadline)
        finally:
            self._log_client_warnings()
        self._started = True
        pending = None if listed is None else set(listed)
        events: List[_Event] = []
        for task_id in ids:
            left = pending is not None and task_id not in pending
            events.extend(self._take(task_id, outcomes[task_id], left))
        return events

    def _stopping(self) -> bool:
        return self.stopping.is_set()

    def _log_in(self, deadline: Deadline) -> None:
        if not self.client.logged_in:
            self.client.login(deadline)
            self.logger.debug('logged in to SDM %s', self.sdm_host)

    def _listed_ids(self, deadline: Deadline) -> Optional[List[str]]:
        """The pending list, or ``None`` when the source watches given task IDs."""
        if self.task_ids is not None:
            return None
        return self.client.list_pending_task_ids(deadline)

    def _ids_to_read(self, listed: Optional[List[str]]) -> List[str]:
        if listed is None:
            ids = [task_id for task_id in self.task_ids or () if task_id not in self._gone]
        else:
            # Tasks that left the pending list are read once more: their last change and how they ended.
            pending = set(listed)
            ids = list(dict.fromkeys(listed)) + [task_id for task_id in self._watches if task_id not in pending]
        for task_id in ids:
            if task_id not in self._watches:
                self._watches[task_id] = _Watch(initial=not self._started)
        return ids

    def _check_answered(self, listed: Optional[List[str]], outcomes: Dict[str, Any], deadline: Deadline) -> None:
        """Raise `RoundFailed` when the round proves nothing about any task: no read succeeded."""
        answers = [outcome for outcome in outcomes.values() if outcome is not None]
        if any(not isinstance(outcome, SdmError) for outcome in answers):
            return
        if listed is not None:
            # The list answered. Its tasks all failing is an outage, unless each answered 404 (the list decides).
            failures = [outcomes[task_id] for task_id in listed if outcomes.get(task_id) is not None]
            worse = [error for error in failures if not isinstance(error, SdmNotFoundError)]
            if worse:
                raise RoundFailed(worse[0])
            return
        if not answers:
            return
        worse = [error for error in answers if not isinstance(error, SdmNotFoundError)]
        if worse:
            raise RoundFailed(worse[0])
        # Every given task answered 404: SDM that no longer knows them, or a proxy that answers 404 for everything.
        try:
            self.client.list_pending_task_ids(deadline)
        except SdmError as error:
            raise RoundFailed(error) from error

    # What a read means ----------------------------------------------------------------------------

    def _take(self, task_id: str, outcome: Any, left_list: bool) -> List[_Event]:
        watch = self._watches[task_id]
        if outcome is None:  # not read: the source is stopping
            return []
        if isinstance(outcome, SdmNotFoundError):
            return self._not_found(task_id, watch, left_list)
        if isinstance(outcome, SdmError):
            self._unreadable(task_id, watch, outcome)
            return []
        task, warnings = outcome
        self.log_once.warn(warnings)
        if watch.unreadable is not None:
            self.logger.info('route update task %s can be read again', task_id)
            watch.unreadable = None
        events = self._changes(watch, task)
        watch.last, watch.initial, watch.misses = task, False, 0
        if left_list:
            events.extend(self._depart(task_id))
        return events

    def _changes(self, watch: _Watch, task: Dict[str, Any]) -> List[_Event]:
        now = self.client.clock.monotonic()
        estimate = watch.estimator.read_task(now, task)  # every read feeds it, the first one too
        if watch.last is None:
            if watch.initial and not self.emit_initial_state:
                return []
            return [
                task_event(change, task, None, self.sdm_host, watch.initial) for change in changes_on_appearance(task)
            ]
        progress = event_fields(estimate, now)
        return [
            task_event(change, task, watch.last, self.sdm_host, progress=progress)
            for change in changes_between(watch.last, task)
        ]

    def _not_found(self, task_id: str, watch: _Watch, left_list: bool) -> List[_Event]:
        if self.task_ids is None and not left_list:
            return []  # still listed: a race with the list, or a blip; the next list decides
        if left_list and watch.last is None:
            return self._depart(task_id)  # never read: nothing to tell
        # Gone, but a blip may hide its last change (a rollback that finished): its 404 must last.
        watch.misses += 1
        if watch.misses < self.gone_after:
            return []
        if watch.last is None:
            watch.initial = False  # proven absent: when it appears, it is new
            self.log_once.warn(
                ['route update task %s is not known to SDM %s; reading it again every round' % (task_id, self.sdm_host)]
            )
            return []
        self._gone.add(task_id)
        return self._depart(task_id)

    def _depart(self, task_id: str) -> List[_Event]:
        watch = self._watches.pop(task_id)
        if watch.last is None:
            return []
        return [task_event(departure_change(watch.last), watch.last, watch.last, self.sdm_host)]

    def _unreadable(self, task_id: str, watch: _Watch, error: SdmError) -> None:
        """A read that failed (not 404): the task keeps its last state and is read again next round; logged once."""
        watch.misses = 0
        message = self.scrub(error.message)
        if watch.unreadable != message:
            self.logger.warning('route update task %s cannot be read, trying again every round: %s', task_id, message)
            watch.unreadable = message

    # Logging and the end ------------------------------------------------------------------------------

    def _log_client_warnings(self) -> None:
        fresh = self.client.warnings[self._client_warnings_seen :]
        self._client_warnings_seen = len(self.client.warnings)
        self.log_once.warn(fresh)

    def close(self) -> None:
        """Stop reading, log out (a failed logout is logged), close the connections."""
        self.stopping.set()
        self._reads.shutdown(wait=True)  # the reads not started yet see `stopping` and return at once
        was_logged_in = self.client.logged_in
        try:
            # The client's own exit: logout on every path, then the HTTP session is closed.
            self.client.__exit__(None, None, None)
        finally:
            self._log_client_warnings()
        if was_logged_in:
            self.logger.info('logged out of SDM %s', self.sdm_host)


class Reachability:
    """Counts failed rounds and gives the delay before the next one (pure; the source emits the events)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.failed_rounds = 0
        self.since: Optional[float] = None

    @property
    def longest_delay(self) -> float:
        return max(self.interval, UNREACHABLE_BACKOFF_MAX)

    def next_delay(self) -> float:
        if not self.failed_rounds:
            return self.interval
        return min(self.interval * 2 ** min(self.failed_rounds, 30), self.longest_delay)

    def failed(self, now: float) -> bool:
        """Record a failed round; ``True`` for the first one of an outage (the one to report)."""
        self.failed_rounds += 1
        if self.since is None:
            self.since = now
            return True
        return False

    def answered(self, now: float) -> Optional[Tuple[float, int]]:
        """Record an answered round; the outage's length and failed rounds when it ends one, else ``None``."""
        if self.since is None:
            return None
        outage = (now - self.since, self.failed_rounds)
        self.since, self.failed_rounds = None, 0
        return outage

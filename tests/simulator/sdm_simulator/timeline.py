# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The life of one route update task, computed from its scenario and the actions it received.

A task's state is a pure function of scenario time, so answers never depend on when or how often a
client polls. The rules follow the SDM User Guide (see the README): a failure stops the update under
the ``abort`` and ``rollback`` policies and not under ``continue``; Commit and Rollback are refused
while the update runs; a rollback that fails on one device goes on with the others; a committed or
rolled-back task releases its devices and leaves the pending list.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import List, Optional, Tuple

from . import words as w
from .scenario import CONTINUE, FAILURE, NEVER, ROLLBACK, SUCCESS, TIMED_FROM_LOAD, DeviceSpec, TaskSpec

COMMIT_ACTION = "Commit"
ROLLBACK_ACTION = "Rollback"
CANCEL_ACTION = "Cancel"
ACTIONS = (COMMIT_ACTION, ROLLBACK_ACTION, CANCEL_ACTION)

NEVER_ENDS = float("inf")
RUNNING_STATES = (w.PENDING, w.IN_PROGRESS)
ROLLBACK_DONE_STATES = (w.COMPLETED, w.FAILED, w.PARTIALLY_COMPLETED)


class ActionRefused(Exception):
    """SDM refuses the action in the task's current state; the message says why."""


@dataclass
class TaskEvents:
    """What happened to the task at run time, in seconds on the task's clock (see TaskRun)."""

    cancelled_at: Optional[float] = None
    rollback_started_at: Optional[float] = None
    committed_at: Optional[float] = None
    vanished_at: Optional[float] = None


@dataclass(frozen=True)
class DeviceView:
    spec: DeviceSpec
    update: str
    updated_at: Optional[float]
    rollback: str
    rolled_back_at: Optional[float]


@dataclass(frozen=True)
class TaskView:
    spec: TaskSpec
    update: str
    rollback: str
    devices: Tuple[DeviceView, ...]
    committed: bool
    vanished: bool
    update_ended_at: Optional[float]  # the scenario second the update reached its final state; None while it runs
    started_at: float  # the scenario second the update starts (its start, on the task's clock)

    @property
    def updated_count(self) -> int:
        return sum(1 for device in self.devices if device.update == w.COMPLETED)

    @property
    def rollback_count(self) -> int:
        return sum(1 for device in self.devices if device.rollback == w.COMPLETED)

    @property
    def update_running(self) -> bool:
        return self.update in RUNNING_STATES

    @property
    def rollback_done(self) -> bool:
        return self.rollback in ROLLBACK_DONE_STATES

    @property
    def pending(self) -> bool:
        """Still holding its devices: in the list of pending tasks."""
        return not (self.committed or self.vanished or self.rollback_done)

    def word(self, context: str, state: str) -> str:
        return self.spec.words.word(context, state)


class TaskRun:
    """A task at run time. Its own clock counts from the scenario load, or (``timed_from: first_request``)
    from the first request about it, so a client that starts late on a busy machine still sees the whole
    story. Internally every time is on the task's clock; views report scenario seconds."""

    def __init__(self, spec: TaskSpec) -> None:
        self.spec = spec
        self.events = TaskEvents()
        self.origin: Optional[float] = 0.0 if spec.timed_from == TIMED_FROM_LOAD else None
        self.requests = 0

    def note_request(self, now: float) -> None:
        """A read of or an action on the task: starts a clock timed from a request (the first, or the one named)."""
        self.requests += 1
        if self.origin is None and self.requests >= self.spec.timed_from_request:
            self.origin = now

    def view(self, now: float) -> TaskView:
        local = self._local(now)
        return _shifted(self._view(local), now - local)

    def apply(self, action: str, now: float) -> None:
        """Record an accepted action, or raise ActionRefused saying why SDM would refuse it."""
        local = self._local(now)
        refusal = _refusal(action, self._view(local))
        if refusal:
            raise ActionRefused(f"Task {self.spec.task_id}: {refusal}")
        if action == COMMIT_ACTION:
            self.events.committed_at = local
        elif action == ROLLBACK_ACTION:
            self.events.rollback_started_at = local
        else:
            self.events.cancelled_at = local

    def vanish(self, now: float) -> None:
        if self.events.vanished_at is None:
            self.events.vanished_at = self._local(now)

    def _local(self, now: float) -> float:
        """``now`` on the task's clock; a task timed from its first request stands at second 0 until then."""
        return now - self.origin if self.origin is not None else 0.0

    def _view(self, now: float) -> TaskView:
        end = self._update_end()
        devices = [self._device_update(device, now, end) for device in self.spec.devices]
        rollback_start = self._rollback_start(end)
        devices = [self._device_rollback(view, rollback_start, now) for view in devices]
        return TaskView(
            spec=self.spec,
            update=self._update_state(now, end, devices),
            rollback=_rollback_state(devices, rollback_start, now),
            devices=tuple(devices),
            committed=self.events.committed_at is not None and self.events.committed_at <= now,
            vanished=self._vanished(now),
            update_ended_at=end if end <= now else None,
            started_at=self.spec.start,
        )

    def _vanished(self, now: float) -> bool:
        times = [self.spec.vanish_at, self.events.vanished_at]
        return any(time is not None and time <= now for time in times)

    def _natural_end(self) -> float:
        """When the update ends by itself: at the first failure if the policy stops, else with its last device."""
        devices = self.spec.devices
        if not devices:
            return self.spec.start
        failures = [device.at for device in devices if device.outcome == FAILURE]
        if failures and self.spec.error_handling != CONTINUE:
            return min(failures)
        if any(device.outcome == NEVER for device in devices):
            return NEVER_ENDS
        return max(device.at for device in devices)

    def _cancelled(self) -> bool:
        cancelled = self.events.cancelled_at
        return cancelled is not None and cancelled < self._natural_end()

    def _update_end(self) -> float:
        cancelled = self.events.cancelled_at
        natural = self._natural_end()
        return cancelled if cancelled is not None and cancelled < natural else natural

    def _device_update(self, device: DeviceSpec, now: float, end: float) -> DeviceView:
        if device.outcome != NEVER and device.at <= min(now, end):
            state = w.COMPLETED if device.outcome == SUCCESS else w.FAILED
            return DeviceView(device, state, device.at, w.UNKNOWN, None)
        if now >= end:
            state = w.CANCELLED if self._cancelled() else w.ABORTED
        else:
            state = w.PENDING if now < self.spec.start else w.IN_PROGRESS
        return DeviceView(device, state, None, w.UNKNOWN, None)

    def _update_state(self, now: float, end: float, devices: List[DeviceView]) -> str:
        if now < end:
            return w.PENDING if now < self.spec.start else w.IN_PROGRESS
        if self._cancelled():
            return w.CANCELLED
        completed = sum(1 for device in devices if device.update == w.COMPLETED)
        if devices and completed == len(devices):
            return w.COMPLETED
        if completed and self.spec.error_handling == CONTINUE:
            return w.PARTIALLY_COMPLETED
        return w.FAILED  # a task without devices is shown as Failed, like SDM does

    def _rollback_start(self, end: float) -> Optional[float]:
        if self.events.rollback_started_at is not None:
            return self.events.rollback_started_at
        failed = any(device.outcome == FAILURE for device in self.spec.devices)
        auto = self.spec.auto_rollback and self.spec.error_handling == ROLLBACK
        if auto and failed and not self._cancelled():
            return end
        return None

    @staticmethod
    def _device_rollback(view: DeviceView, start: Optional[float], now: float) -> DeviceView:
        """Only devices that took the update are rolled back; each one on its own, failures do not stop the others."""
        if start is None or now < start or view.update != w.COMPLETED:
            return view
        device = view.spec
        done = start + device.rollback_after
        if device.rollback == NEVER or now < done:
            return DeviceView(device, view.update, view.updated_at, w.IN_PROGRESS, None)
        state = w.COMPLETED if device.rollback == SUCCESS else w.FAILED
        return DeviceView(device, view.update, view.updated_at, state, done)


def _shifted(view: TaskView, offset: float) -> TaskView:
    """The view with its event times moved from the task's clock to scenario seconds."""
    if not offset:
        return view  # timed from the load: nothing to move (and 100,000 devices stay cheap)
    devices = tuple(
        dataclasses.replace(
            device, updated_at=_plus(device.updated_at, offset), rolled_back_at=_plus(device.rolled_back_at, offset)
        )
        for device in view.devices
    )
    return dataclasses.replace(
        view, devices=devices, update_ended_at=_plus(view.update_ended_at, offset), started_at=view.started_at + offset
    )


def _plus(time: Optional[float], offset: float) -> Optional[float]:
    return time + offset if time is not None else None


def _rollback_state(devices: List[DeviceView], start: Optional[float], now: float) -> str:
    if start is None or now < start:
        return w.UNKNOWN
    states = [device.rollback for device in devices if device.update == w.COMPLETED]
    if w.IN_PROGRESS in states:
        return w.IN_PROGRESS
    if all(state == w.COMPLETED for state in states):
        return w.COMPLETED
    if all(state == w.FAILED for state in states):
        return w.FAILED
    return w.PARTIALLY_COMPLETED


def _refusal(action: str, view: TaskView) -> str:
    """Why SDM refuses the action now, or an empty string when it accepts it."""
    update_word = view.word(w.UPDATE, view.update)
    if view.committed:
        return "the task is already committed"
    if action == CANCEL_ACTION:
        return "" if view.update_running else f"only a running task can be cancelled; its update is {update_word}"
    if view.update_running:
        verb = "committed" if action == COMMIT_ACTION else "rolled back"
        return f"cannot be {verb} while its update is {update_word}"
    if view.rollback == w.IN_PROGRESS:
        return "a rollback is in progress"
    if view.rollback_done:
        return "the task is already rolled back"
    return ""

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""When will a route update task end? An estimate from what the reads show, and the sleeps aimed at it.

Pure: no clock, no I/O. The caller gives each read's time (any monotonic scale, in seconds) and the task's
counts; the estimate is on the same scale.

How the estimate is made: a *progress point* is a read that shows more finished devices than the read before,
placed where the last of the newly finished devices most likely finished, between that read and the one
before it (halfway for one device, nearer the read for several). From the first point to the latest the
devices took ``gap`` seconds each on average; the end is the latest point plus ``gap`` per device left. No estimate when the data cannot support one:

- fewer than two progress points (two reads with more devices finished than the read before; the first read
  only gives a count, not when it was reached);
- the count went backwards or the total changed (a restarted rollout, another task state): the points start
  over from that read;
- the predicted end has passed with devices still left (a stall): no end can be predicted until a device
  finishes again;
- every device counted while the task is not finished yet (SDM still closing it): nothing left to predict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

# How much longer each sleep is than the one before, until the longest (the growing schedule of `_poll_wait`, of the
# action's confirmation reads in `_actions`, and of the slices on one session).
GROWTH = 1.5
# The aimed read comes this share of the first sleep after the predicted end: it most likely finds the task ended
# (one read, not two), and an end later than predicted is still seen within the first sleep.
AIM_PAST = 0.5
# The event source's field for the estimate (devices_progressed events).
EVENT_FIELD = 'estimated_seconds_left'


@dataclass(frozen=True)
class Estimate:
    """The predicted end of a task, on the scale of the read times, and the counts it was made from."""

    end: float
    done: int
    total: int

    def seconds_left(self, now: float) -> float:
        return max(0.0, self.end - now)

    def text(self, now: float) -> str:
        """``about 2 min left``."""
        return 'about %s left' % duration_text(self.seconds_left(now))


def duration_text(seconds: float) -> str:
    """``8 s``, ``40 s``, ``2 min``, ``1 h 5 min``: rounded as a person would say it."""
    if seconds < 10:
        return '%d s' % max(1, int(round(seconds)))
    if seconds < 55:
        return '%d s' % (int(round(seconds / 10.0)) * 10)
    minutes = max(1, int(round(seconds / 60.0)))
    if minutes < 60:
        return '%d min' % minutes
    hours, minutes = divmod(minutes, 60)
    return '%d h %d min' % (hours, minutes) if minutes else '%d h' % hours


def finished_devices(task: Mapping[str, Any]) -> Tuple[Optional[int], Optional[int]]:
    """(devices finished, devices in all) from a normalised task; None where SDM does not say.

    Finished: updated, plus the failed devices (they are done too, under a continue policy SDM does not count
    them as updated); never more than the total.
    """
    total, updated = task.get('total_device_count'), task.get('updated_count')
    if not isinstance(total, int) or not isinstance(updated, int) or not _is_count(total) or not _is_count(updated):
        return None, None
    failed = task.get('failed_devices')
    done = updated + (len(failed) if isinstance(failed, list) else 0)
    return min(done, total), total


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class Estimator:
    """Fed with every read of one task, in time order; ``read`` returns the estimate after that read.

    One line for a poller: ``estimate = estimators.setdefault(task_id, Estimator()).read_task(now, task)``.
    """

    def __init__(self) -> None:
        self._points: List[Tuple[float, int]] = []
        self._total: Optional[int] = None
        self._last_read: Optional[float] = None
        self._last_done: Optional[int] = None

    def read_task(self, now: float, task: Mapping[str, Any]) -> Optional[Estimate]:
        """`read` with the counts of a normalised task."""
        done, total = finished_devices(task)
        return self.read(now, done, total)

    def read(self, now: float, done: Optional[int], total: Optional[int]) -> Optional[Estimate]:
        """Takes one read (``done`` of ``total`` devices finished at ``now``); the estimate, or None."""
        if done is None or total is None or total <= 0 or done > total:
            self._start_over(None, None, None)
            return None
        if self._last_done is None or total != self._total or done < self._last_done:
            self._start_over(now, done, total)
        elif done > self._last_done:
            self._points.append((self._finish_time(now, done - self._last_done), done))
        self._last_read, self._last_done = now, done
        return self.estimate(now)

    def _finish_time(self, now: float, newly_done: int) -> float:
        """When the last of ``newly_done`` devices, finished since the read before, most likely finished.

        Finishes spread evenly over the interval put the last of k at k/(k+1) of it: halfway for one device,
        close to this read for many.
        """
        before = now if self._last_read is None else self._last_read
        return before + (now - before) * newly_done / (newly_done + 1.0)

    def _start_over(self, now: Optional[float], done: Optional[int], total: Optional[int]) -> None:
        # the read a start begins with is a state, not progress: when its count was reached is unknown
        self._points = []
        self._total = total
        self._last_read, self._last_done = now, done

    def estimate(self, now: float) -> Optional[Estimate]:
        """The estimate at ``now`` from the reads so far (None when they cannot support one)."""
        if len(self._points) < 2 or self._total is None:
            return None
        (first_time, first_done), (last_time, last_done) = self._points[0], self._points[-1]
        left = self._total - last_done
        if left <= 0:
            return None
        gap = (last_time - first_time) / (last_done - first_done)
        end = last_time + left * gap
        if end <= now:
            return None
        return Estimate(end, last_done, self._total)


def event_fields(estimate: Optional[Estimate], now: float) -> Dict[str, Optional[int]]:
    """The estimate as an event carries it: whole seconds left, or None (no estimate)."""
    return {EVENT_FIELD: None if estimate is None else int(round(estimate.seconds_left(now)))}


def latest_end(estimates: List[Optional[Estimate]]) -> Optional[Estimate]:
    """The estimate of a wait for several tasks: the latest end, None when any task has no estimate."""
    if not estimates or any(item is None for item in estimates):
        return None
    return max((item for item in estimates if item is not None), key=lambda item: item.end)


def aimed_read(estimate: Estimate, first: float) -> float:
    """When a read should come to see the predicted end: just after it (`AIM_PAST` of the first sleep)."""
    return estimate.end + first * AIM_PAST


def growing_reads(seconds: float, first: float, longest: float, final: bool = True) -> int:
    """Reads of a wait of ``seconds`` with the growing schedule alone: one at the start, one after each sleep, and
    (``final``) one at the deadline; without ``final``, the reads made by ``seconds`` into the wait."""
    reads, offset, sleep = 1, 0.0, float(first)
    while offset + sleep < seconds or (not final and offset + sleep <= seconds):
        offset += sleep
        reads += 1
        sleep = min(sleep * GROWTH, longest)
    return reads + 1 if final and seconds > 0 else reads


def sliced_reads(elapsed: float, slice_seconds: float, first: float, longest: float) -> int:
    """Reads made by ``elapsed`` into a wait in slices of ``slice_seconds``, each a wait with the growing schedule."""
    full, rest = divmod(elapsed, slice_seconds)
    return int(full) * growing_reads(slice_seconds, first, longest) + growing_reads(rest, first, longest, final=False)


class SleepSchedule:
    """The sleeps between the reads of one wait: today's growing schedule, aimed at the predicted end when there is one.

    Without an estimate the sleep starts at ``first`` and grows by `GROWTH` up to ``longest``, as it always did.
    With one, the sleep aims just past the predicted end (`AIM_PAST`), between ``first`` and ``longest``: a far
    end gets the longest sleep, a near one a read when the task should have ended. When the prediction has passed
    without the end (the estimate is gone), the sleeps start over from ``first``, growing again.

    Whatever the estimate, the n-th read never comes before the n-th read of the growing schedule alone: a wait
    never makes more reads than before issue 26; the reads saved while the end is far are spent near it.
    """

    def __init__(self, first: float, longest: float) -> None:
        self.first = float(first)
        self.longest = max(float(longest), self.first)
        self._interval = self.first
        self._aimed = False
        self._slept = 0.0
        self._reads = 1  # the first read comes before the first sleep
        self._growing_offsets = [0.0]  # when the growing schedule alone reads, counted in sleep from the first read

    def next_sleep(self, now: float, estimate: Optional[Estimate]) -> float:
        if estimate is None and self._aimed:
            self._interval, self._aimed = self.first, False
        sleep = self._interval
        if estimate is not None:
            sleep = min(self.longest, max(self.first, aimed_read(estimate, self.first) - now))
            self._aimed = True
        sleep = max(sleep, self._growing_offset(self._reads) - self._slept)
        self._slept += sleep
        self._reads += 1
        self._interval = min(self._interval * GROWTH, self.longest)
        return sleep

    def _growing_offset(self, read: int) -> float:
        """The sleep before the growing schedule's ``read``-th read (the first is read 0)."""
        offsets = self._growing_offsets
        while len(offsets) <= read:
            offsets.append(offsets[-1] + min(self.first * GROWTH ** (len(offsets) - 1), self.longest))
        return offsets[read]

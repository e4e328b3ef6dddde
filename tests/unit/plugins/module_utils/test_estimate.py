# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The estimate of a task's end and the sleeps aimed at it (issue 26): pure, on made-up read times."""

from __future__ import annotations

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._estimate import (
    EVENT_FIELD,
    Estimate,
    Estimator,
    SleepSchedule,
    duration_text,
    event_fields,
    finished_devices,
    growing_reads,
    latest_end,
    sliced_reads,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.plugins.module_utils._poll_wait import PollWait
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import FakeClock


def _feed(reads, total=10):
    """Every read (time, done) into one estimator; the estimate after each."""
    estimator = Estimator()
    return [estimator.read(now, done, total) for now, done in reads]


def test_steady_progress_predicts_the_end():
    # a device every 10 s from t=0, read every 5 s: the 10th finishes at 100
    reads = [(now, min(10, now // 10)) for now in range(0, 60, 5)]
    estimate = _feed(reads)[-1]
    assert estimate is not None and estimate.done == 5 and estimate.total == 10
    # each new count is placed halfway between the read that saw it and the one before: 1 device at 7.5, 5 at 47.5:
    # 10 s a device; the true end (100) is within half a read interval
    assert estimate.end == pytest.approx(97.5)
    assert estimate.seconds_left(55) == pytest.approx(42.5)
    assert estimate.text(55) == 'about 40 s left'


def test_fewer_than_two_progress_points_give_no_estimate():
    assert _feed([(0, 2), (5, 2), (10, 2)]) == [None, None, None]
    # the first read gives a count, not when it was reached: the first progress point is the read at 5
    assert _feed([(0, 2), (5, 3), (10, 3)]) == [None, None, None]
    estimate = _feed([(0, 2), (5, 3), (10, 4)])[-1]
    assert estimate is not None and estimate.end == pytest.approx(7.5 + 6 * 5)


def test_a_stall_withdraws_the_estimate_until_devices_finish_again():
    reads = [(0, 0), (10, 1), (20, 2), (30, 3)]  # points at 5, 15, 25: 7 left at 10 s each
    stalled = [(now, 3) for now in range(40, 200, 20)]
    estimates = _feed(reads + stalled + [(200, 4)])
    assert estimates[3].end == pytest.approx(95)
    during_stall = estimates[4:-1]
    assert during_stall[0] is not None  # at 40 the end is still ahead
    assert during_stall[-1] is None  # at 180 the predicted end has long passed: no end can be predicted
    after = estimates[-1]
    # progress again (seen between 180 and 200): the stall counts in the pace (3 devices from 5 to 190)
    assert after is not None and after.end == pytest.approx(190 + 6 * (190 - 5) / 3)


def test_a_burst_speeds_the_estimate_up():
    slow = _feed([(0, 0), (30, 1), (60, 2)], total=20)[-1]
    burst = _feed([(0, 0), (30, 1), (60, 2), (70, 12)], total=20)[-1]
    assert slow is not None and burst is not None
    assert burst.end < slow.end
    point = 60 + 10 * 10 / 11  # the last of 10 devices finished between 60 and 70, most likely
    assert burst.end == pytest.approx(point + 8 * (point - 15) / 11)


def test_counts_going_backwards_give_no_estimate_and_start_over():
    estimates = _feed([(0, 0), (10, 2), (20, 4), (30, 1), (40, 1), (50, 3), (60, 4)])
    assert estimates[2] is not None
    # backwards: the points start over from the read at 30
    assert estimates[3] is None and estimates[4] is None and estimates[5] is None
    point = 40 + 10 * 2 / 3  # the later of 2 devices finished between 40 and 50
    assert estimates[6] is not None and estimates[6].end == pytest.approx(55 + 6 * (55 - point))


def test_a_restarted_rollout_with_another_total_starts_over():
    estimator = Estimator()
    assert estimator.read(0, 0, 10) is None
    assert estimator.read(10, 2, 10) is None
    assert estimator.read(20, 4, 10) is not None
    assert estimator.read(30, 1, 4) is None  # a new total: the old pace says nothing about it
    assert estimator.read(40, 1, 4) is None
    assert estimator.read(50, 2, 4) is None
    restarted = estimator.read(60, 3, 4)
    assert restarted is not None and restarted.end == pytest.approx(55 + 1 * 10)


def test_one_device_gives_no_estimate_running_or_finished():
    assert _feed([(0, 0), (5, 0), (10, 0), (15, 1)], total=1) == [None, None, None, None]


def test_every_device_counted_but_the_task_still_open_gives_none():
    assert _feed([(0, 8), (10, 9), (20, 10)])[-1] is None


def test_unknown_or_impossible_counts_give_none_and_start_over():
    estimator = Estimator()
    estimator.read(0, 0, 10)
    estimator.read(10, 2, 10)
    assert estimator.read(20, None, 10) is None
    assert estimator.read(30, 11, 10) is None
    assert estimator.read(40, 4, 10) is None  # the first read after unknown counts is one point only


def test_counts_from_a_normalised_task():
    task = {'total_device_count': 10, 'updated_count': 1, 'failed_devices': [{}]}
    assert finished_devices(task) == (2, 10)
    assert finished_devices({'total_device_count': 10, 'updated_count': 4, 'failed_devices': [{}, {}]}) == (6, 10)
    assert finished_devices({'total_device_count': 3, 'updated_count': 3, 'failed_devices': [{}]}) == (3, 3)
    assert finished_devices({'total_device_count': '10', 'updated_count': 4}) == (None, None)
    assert finished_devices({'total_device_count': True, 'updated_count': 0}) == (None, None)
    estimator = Estimator()
    estimator.read_task(0, {'total_device_count': 10, 'updated_count': 0})
    estimator.read_task(10, {'total_device_count': 10, 'updated_count': 1})
    assert estimator.read_task(20, task) is not None


@pytest.mark.parametrize(
    'seconds, text',
    [(0.2, '1 s'), (8, '8 s'), (44, '40 s'), (56, '1 min'), (130, '2 min'), (3600, '1 h'), (3900, '1 h 5 min')],
)
def test_durations_read_as_a_person_says_them(seconds, text):
    assert duration_text(seconds) == text


def test_event_fields_and_the_estimate_of_several_tasks():
    assert event_fields(None, 0) == {EVENT_FIELD: None}
    assert event_fields(Estimate(130.4, 3, 10), 10) == {EVENT_FIELD: 120}
    early, late = Estimate(50, 1, 2), Estimate(80, 1, 2)
    assert latest_end([early, late]) is late
    assert latest_end([early, None]) is None and latest_end([]) is None


def test_without_an_estimate_the_sleeps_grow_as_before():
    schedule = SleepSchedule(5, 30)
    assert [schedule.next_sleep(now, None) for now in range(6)] == [5, 7.5, 11.25, 16.875, 25.3125, 30]


def test_a_far_end_gets_the_longest_sleep_and_the_reads_saved_are_spent_near_it():
    schedule = SleepSchedule(5, 30)
    assert schedule.next_sleep(0, Estimate(500, 1, 2)) == 30  # the growing schedule would read at 5 and 12.5
    assert schedule.next_sleep(30, Estimate(500, 1, 2)) == 30
    # the end is near: read just after it should come (half the first sleep later)
    assert schedule.next_sleep(60, Estimate(70, 1, 2)) == 12.5
    assert schedule.next_sleep(72.5, Estimate(73, 1, 2)) == 5  # never below the first sleep


def test_no_read_comes_before_the_growing_schedule_would_have_made_as_many():
    schedule = SleepSchedule(5, 30)
    assert [schedule.next_sleep(now, None) for now in (0, 5)] == [5, 7.5]
    # an end 1.5 s away would want a 5 s sleep: the 4th read waits for the growing schedule's 4th (at 23.75)
    assert schedule.next_sleep(12.5, Estimate(14, 1, 2)) == 11.25


def test_after_a_passed_prediction_the_sleeps_start_over_from_the_first():
    schedule = SleepSchedule(5, 30)
    assert [schedule.next_sleep(now, Estimate(1000, 1, 2)) for now in (0, 30, 60)] == [30, 30, 30]
    assert schedule.next_sleep(90, Estimate(100, 1, 2)) == 12.5
    assert [schedule.next_sleep(102.5 + now, None) for now in (0, 5, 12.5)] == [5, 7.5, 11.25]


class _CountingSource:
    """A task of ``total`` devices, one finishing every ``gap`` seconds of the fake clock; finished with the last."""

    def __init__(self, clock, total, gap):
        self.clock, self.total, self.gap = clock, total, gap
        self.reads = []

    def read_task(self, task_id, matcher, deadline=None):
        elapsed = self.clock.monotonic() - self.clock.start
        self.reads.append(elapsed)
        done = min(self.total, int(elapsed // self.gap))
        finished = done == self.total
        task = {'task_id': task_id, 'total_device_count': self.total, 'updated_count': done}
        task.update(finished=finished, succeeded=finished, failed_devices=[])
        return task, []


def _wait(aim):
    clock = FakeClock()
    source = _CountingSource(clock, total=60, gap=3.2)  # ends at 192 s
    waiter = PollWait(source, StateMatcher(), timeout=600, sleep=5, sleep_max=30, clock=clock, aim=aim)
    return waiter.wait(['T1']).elapsed - 192, len(source.reads)


def test_the_waiter_reads_near_the_predicted_end_with_no_more_reads_than_before():
    late_before, reads_before = _wait(aim=False)
    late, reads = _wait(aim=True)
    assert late_before == pytest.approx(23.9375)  # today's schedule: 30 s sleeps by then, 215.9 s
    assert late <= 5 and reads <= reads_before  # within the first sleep of the end


def test_the_reads_of_the_growing_schedule_counted():
    # a 60 s wait at 5 s growing to 30 s reads at 0, 5, 12.5, 23.75, 40.625 and 60
    assert growing_reads(60, 5, 30) == 6
    assert growing_reads(0, 5, 30) == 1
    assert growing_reads(12.5, 5, 30, final=False) == 3 and growing_reads(12.4, 5, 30, final=False) == 2
    # slices of 60 s: 6 reads each, then the reads made 5 s into the third
    assert sliced_reads(125, 60, 5, 30) == 6 + 6 + 2

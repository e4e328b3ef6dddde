# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The progress lines of the action route_update_wait carry the estimate of the end once the reads support one."""

from __future__ import annotations

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._outcome import next_slice
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_options import WaitOptions
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_record import PHASE_UPDATE
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wording import progress_line
from ansible_collections.ocsdm.route_manager.plugins.plugin_utils._sliced_wait import SlicedWait, SliceRead
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import FakeClock
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.test_outcome import device, sdm_task
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.plugin_utils.test_sliced_wait import FakeModules, run

TOTAL = 10


def one_device_a_minute(now):
    """10 devices, one finishing every 60 s (the first at 30 s); done at 570 s."""
    updated = min(TOTAL, int((now + 30) // 60))
    devices = [device('D%d' % n, 'G1', 'Completed' if n < updated else 'InProgress') for n in range(TOTAL)]
    return sdm_task('Completed' if updated == TOTAL else 'InProgress', devices, updated=updated, total=TOTAL)


def test_progress_lines_show_the_estimate_once_two_counts_were_seen():
    clock = FakeClock()
    modules = FakeModules(clock, one_device_a_minute)
    outcome, _timing, _record, lines = run(modules, clock, progress_interval=60)
    assert outcome.result == 'succeeded'
    # a count per slice: the first new count (at 120 s) is one progress point, not yet an estimate
    assert lines[:2] == [
        'ID33: InProgress, 1 of 10 devices updated, 60 s elapsed (limit 1800 s).',
        'ID33: InProgress, 2 of 10 devices updated, 120 s elapsed (limit 1800 s).',
    ]
    # from 180 s: 60 s a device, the end at 570 s
    assert lines[2] == 'ID33: InProgress, 3 of 10 devices updated, about 6 min left, 180 s elapsed (limit 1800 s).'
    assert lines[7] == 'ID33: InProgress, 8 of 10 devices updated, about 2 min left, 480 s elapsed (limit 1800 s).'
    assert all('left' in line for line in lines[2:])


def test_no_estimate_when_the_counts_go_backwards():
    clock = FakeClock()
    by_slice = [1, 2, 3, 1, 2, 3, 10]  # the count each slice ends with: back to 1 in the fourth

    def script(now):
        updated = by_slice[max(0, min(len(by_slice) - 1, int(now // 60) - 1))]
        return sdm_task('Completed' if updated == TOTAL else 'InProgress', updated=updated, total=TOTAL)

    _outcome, _timing, _record, lines = run(FakeModules(clock, script), clock, progress_interval=60)
    assert ['left' in line for line in lines] == [False, False, True, False, False, True]


def test_the_estimate_is_only_for_the_update_phase_and_optional():
    task = sdm_task('InProgress', updated=3, total=10)
    line = progress_line(PHASE_UPDATE, 'ID33', task, 65, 1800, StateMatcher(), 'about 2 min left')
    assert line == 'ID33: InProgress, 3 of 10 devices updated, about 2 min left, 65 s elapsed (limit 1800 s).'
    assert 'left' not in progress_line(PHASE_UPDATE, 'ID33', task, 65, 1800, StateMatcher())


def test_next_slice_ends_at_the_aimed_read_when_it_comes_before_the_mark():
    assert next_slice(125, 1800, 60) == 55
    assert next_slice(125, 1800, 60, aim=150) == 25
    assert next_slice(125, 1800, 60, aim=125.5) == 55  # less than 1 s away: not worth a slice
    assert next_slice(125, 1800, 60, aim=200) == 55  # after the mark: the mark first
    assert next_slice(125, 140, 60, aim=150) == 15  # the limit first


class _SliceReader:
    """Each slice waits its seconds, sees the task at its end and reports ``polls`` reads: fewer than the growing
    schedule's 6 a minute when its waiter aimed its sleeps (saved reads), as many when it did not."""

    def __init__(self, clock, polls):
        self.clock, self.polls, self.start = clock, polls, clock.monotonic()
        self.ends = []

    def task(self):
        return one_device_a_minute(self.clock.monotonic() - self.start)

    def read(self, phase, seconds):
        self.clock.advance(seconds)  # the task is seen at the end of the slice only
        self.ends.append(round(self.clock.monotonic() - self.start, 1))
        return SliceRead(task=self.task(), polls=self.polls)


def _slice_ends(polls, aim=True):
    clock = FakeClock()
    reader = _SliceReader(clock, polls)
    wait = SlicedWait(
        WaitOptions(task_id='ID33', progress_interval=60),
        StateMatcher(),
        read=reader.read,
        act=lambda action: None,
        show=lambda line: None,
        clock=clock,
        aim=aim,
    )
    wait.run()
    return reader.ends


def test_a_slice_ends_just_after_the_predicted_end_with_reads_saved_earlier():
    # the last device finishes at 570 s; from 180 s on the estimate says so, and a slice ends 2.5 s after it
    assert _slice_ends(polls=3, aim=False)[-1] == 600
    ends = _slice_ends(polls=3)
    assert ends[-1] == pytest.approx(572.5, abs=1)
    assert ends[:-1] == [60, 120, 180, 240, 300, 360, 420, 480, 540]


def test_no_slice_is_added_when_no_read_was_saved():
    assert _slice_ends(polls=6) == [60, 120, 180, 240, 300, 360, 420, 480, 540, 600]

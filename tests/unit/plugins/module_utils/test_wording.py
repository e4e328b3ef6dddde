# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The lines of the route update wait (module_utils/_wording.py): progress lines and the check mode notice. The
message of each outcome is tested with its decision, in test_outcome.py."""

from __future__ import annotations

from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_record import (
    PHASE_READ,
    PHASE_ROLLBACK,
    PHASE_UPDATE,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wording import check_mode_notice, progress_line
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.test_outcome import (
    MATCHER,
    RUNNING,
    changed,
    device,
    options,
    sdm_task,
)


def test_progress_lines():
    task = sdm_task(
        'InProgress', [device('D1', 'G1'), device('D2', 'G2', 'Failed', 'x'), device('D3', 'G3', 'InProgress')]
    )
    assert (
        progress_line(PHASE_UPDATE, 'ID34', task, 61.4, 1800, MATCHER)
        == 'ID34: InProgress, 1 of 3 devices updated, 1 failed, 61 s elapsed (limit 1800 s).'
    )
    assert (
        progress_line(PHASE_UPDATE, 'ID34', RUNNING, 2, 30, MATCHER)
        == 'ID34: InProgress, 1 of 2 devices updated, 2 s elapsed (limit 30 s).'
    )
    assert (
        progress_line(PHASE_READ, 'ID68', RUNNING, 0, 0, MATCHER)
        == 'ID68: InProgress, 1 of 2 devices updated, error handling rollback.'
    )
    rolling = sdm_task(
        'Failed',
        [
            device('D1', 'G1', rollback='Completed'),
            device('D2', 'G2', rollback='InProgress'),
            device('D3', 'G3', 'Failed'),
        ],
        rollback='InProgress',
        rollback_count=1,
    )
    assert progress_line(PHASE_ROLLBACK, 'ID65', rolling, 3.2, 600, MATCHER) == (
        'ID65 rollback: InProgress, rollback count 1, 1 of 2 updated devices rolled back, 3 s elapsed (limit 600 s).'
    )


def test_counts_sdm_left_out_are_shown_as_question_marks():
    task = changed(
        sdm_task('InProgress', [device('D1', 'G1', 'InProgress')]), updated_count=None, total_device_count=None
    )
    assert (
        progress_line(PHASE_UPDATE, 'ID1', task, 0, 10, MATCHER)
        == 'ID1: InProgress, ? of ? devices updated, 0 s elapsed (limit 10 s).'
    )


def test_the_check_mode_notice_says_what_is_not_done():
    assert check_mode_notice(options()) == (
        'Check mode: route_update_wait only reads route update task ID33 from SDM, so it reads '
        'and waits as in a normal run; nothing is changed.'
    )
    assert check_mode_notice(options(commit_on_success=True, report_dir='/tmp/r')).endswith(
        'nothing is changed: no commit or rollback is sent, the role says which one it would send, and no report is written.'
    )

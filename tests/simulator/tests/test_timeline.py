# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The task lifecycle as a pure function of scenario time and actions (no HTTP)."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from sdm_simulator import ScenarioError, parse_scenario
from sdm_simulator import words as w
from sdm_simulator.timeline import CANCEL_ACTION, COMMIT_ACTION, ROLLBACK_ACTION, ActionRefused, TaskRun


def run_of(devices: List[Dict[str, Any]], **task: Any) -> TaskRun:
    scenario = parse_scenario(
        {
            "users": [{"username": "admin", "password": "admin"}],
            "tasks": [dict({"id": "T1", "devices": devices}, **task)],
        }
    )
    return TaskRun(scenario.tasks[0])


def device_states(run: TaskRun, now: float) -> List[str]:
    return [device.update for device in run.view(now).devices]


def test_success_runs_from_pending_to_completed() -> None:
    run = run_of([{"at": 2}, {"at": 3}], start=1)
    assert run.view(0.5).update == w.PENDING
    assert device_states(run, 0.5) == [w.PENDING, w.PENDING]
    assert run.view(1).update == w.IN_PROGRESS
    assert device_states(run, 2.5) == [w.COMPLETED, w.IN_PROGRESS]
    assert run.view(2.5).updated_count == 1
    final = run.view(3)
    assert (final.update, final.rollback, final.updated_count, final.pending) == (w.COMPLETED, w.UNKNOWN, 2, True)
    assert [device.updated_at for device in final.devices] == [2, 3]


@pytest.mark.parametrize("policy", ["abort", "rollback"])
def test_stopping_policies_fail_at_the_first_failure_and_abort_the_rest(policy: str) -> None:
    run = run_of([{"at": 1}, {"at": 2, "outcome": "failure"}, {"at": 5}], error_handling=policy)
    assert run.view(1.9).update == w.IN_PROGRESS
    final = run.view(2)
    assert final.update == w.FAILED
    assert device_states(run, 2) == [w.COMPLETED, w.FAILED, w.ABORTED]
    assert device_states(run, 10) == [w.COMPLETED, w.FAILED, w.ABORTED]
    assert final.rollback == w.UNKNOWN  # nobody asked for a rollback


def test_continue_policy_skips_failures_and_ends_partly_completed() -> None:
    run = run_of([{"at": 1, "outcome": "failure"}, {"at": 2}], error_handling="continue")
    assert run.view(1.5).update == w.IN_PROGRESS
    assert run.view(2).update == w.PARTIALLY_COMPLETED
    assert device_states(run, 2) == [w.FAILED, w.COMPLETED]


def test_continue_policy_with_every_device_failing_is_failed() -> None:
    run = run_of([{"at": 1, "outcome": "failure"}], error_handling="continue")
    assert run.view(1).update == w.FAILED


def test_task_without_devices_is_failed_like_sdm_shows_it() -> None:
    run = run_of([])
    assert run.view(0).update == w.FAILED
    assert run.view(0).updated_count == 0


def test_a_device_that_never_answers_keeps_the_task_running() -> None:
    run = run_of([{"at": 1}, {"outcome": "never"}], error_handling="continue")
    assert run.view(10_000).update == w.IN_PROGRESS
    assert device_states(run, 10_000) == [w.COMPLETED, w.IN_PROGRESS]


def test_the_view_tells_when_the_update_ended() -> None:
    """Scripts measure how long a client took to notice the end (benchmarks/)."""
    assert run_of([{"at": 1}, {"at": 3}]).view(2.9).update_ended_at is None
    assert run_of([{"at": 1}, {"at": 3}]).view(7).update_ended_at == 3
    assert run_of([{"at": 2, "outcome": "failure"}, {"at": 5}]).view(7).update_ended_at == 2  # abort: at the failure
    assert run_of([{"outcome": "never"}]).view(10_000).update_ended_at is None
    cancelled = run_of([{"at": 5}])
    cancelled.apply(CANCEL_ACTION, 1.5)
    assert cancelled.view(2).update_ended_at == 1.5


def test_rollback_undoes_updated_devices_each_on_its_own() -> None:
    run = run_of(
        [
            {"at": 1, "device_group_id": "G1", "rollback_after": 1},
            {
                "at": 1,
                "device_group_id": "G2",
                "rollback_after": 3,
                "rollback": "failure",
                "rollback_failure_msg": "unreachable",
            },
            {"at": 2, "outcome": "failure"},
        ],
        error_handling="rollback",
    )
    run.apply(ROLLBACK_ACTION, 5)
    assert run.view(5).rollback == w.IN_PROGRESS
    middle = run.view(6.5)
    assert middle.rollback == w.IN_PROGRESS
    assert [device.rollback for device in middle.devices] == [w.COMPLETED, w.IN_PROGRESS, w.UNKNOWN]
    final = run.view(8)
    assert final.rollback == w.PARTIALLY_COMPLETED
    assert [device.rollback for device in final.devices] == [w.COMPLETED, w.FAILED, w.UNKNOWN]
    assert [device.rolled_back_at for device in final.devices] == [6, 8, None]
    assert final.rollback_count == 1
    assert not final.pending  # the rollback released the devices


def test_rollback_failing_everywhere_is_failed() -> None:
    run = run_of([{"at": 1, "rollback": "failure"}])
    run.apply(ROLLBACK_ACTION, 2)
    assert run.view(3).rollback == w.FAILED


def test_automatic_rollback_starts_at_the_failure() -> None:
    run = run_of(
        [{"at": 1, "rollback_after": 2}, {"at": 2, "outcome": "failure"}], error_handling="rollback", auto_rollback=True
    )
    assert run.view(1.5).rollback == w.UNKNOWN
    assert run.view(2).rollback == w.IN_PROGRESS
    assert run.view(4).rollback == w.COMPLETED
    with pytest.raises(ActionRefused, match="already rolled back"):
        run.apply(ROLLBACK_ACTION, 5)


def test_automatic_rollback_needs_the_rollback_policy_and_a_failure() -> None:
    assert run_of([{"at": 1}], error_handling="rollback", auto_rollback=True).view(5).rollback == w.UNKNOWN
    aborting = run_of([{"at": 1, "outcome": "failure"}], error_handling="abort", auto_rollback=True)
    assert aborting.view(5).rollback == w.UNKNOWN


def test_commit_releases_the_task() -> None:
    run = run_of([{"at": 1}])
    run.apply(COMMIT_ACTION, 2)
    view = run.view(2)
    assert view.committed and not view.pending
    assert view.update == w.COMPLETED


@pytest.mark.parametrize(
    "action, message",
    [
        (COMMIT_ACTION, "cannot be committed while its update is InProgress"),
        (ROLLBACK_ACTION, "cannot be rolled back while its update is InProgress"),
    ],
)
def test_commit_and_rollback_are_refused_while_the_update_runs(action: str, message: str) -> None:
    run = run_of([{"at": 5}])
    with pytest.raises(ActionRefused, match=message):
        run.apply(action, 1)
    assert run.view(1).update == w.IN_PROGRESS and run.view(1).pending


def test_refusals_use_the_words_the_server_speaks() -> None:
    run = run_of([{"at": 5}], status_words={"in_progress": "IN_PROGRESS"})
    with pytest.raises(ActionRefused, match="while its update is IN_PROGRESS"):
        run.apply(ROLLBACK_ACTION, 1)


def test_actions_after_the_window_closed_are_refused() -> None:
    run = run_of([{"at": 1, "rollback_after": 2}])
    run.apply(ROLLBACK_ACTION, 1)
    with pytest.raises(ActionRefused, match="a rollback is in progress"):
        run.apply(COMMIT_ACTION, 2)
    with pytest.raises(ActionRefused, match="a rollback is in progress"):
        run.apply(ROLLBACK_ACTION, 2)
    with pytest.raises(ActionRefused, match="already rolled back"):
        run.apply(COMMIT_ACTION, 3)
    committed = run_of([{"at": 1}])
    committed.apply(COMMIT_ACTION, 1)
    for action in (COMMIT_ACTION, ROLLBACK_ACTION, CANCEL_ACTION):
        with pytest.raises(ActionRefused, match="already committed"):
            committed.apply(action, 2)


def test_cancel_stops_the_remaining_devices() -> None:
    run = run_of([{"at": 1}, {"at": 3}])
    run.apply(CANCEL_ACTION, 2)
    assert run.view(2).update == w.CANCELLED
    assert device_states(run, 5) == [w.COMPLETED, w.CANCELLED]
    assert run.view(5).pending  # the updated device stays locked until commit or rollback
    with pytest.raises(ActionRefused, match="only a running task can be cancelled; its update is Cancelled"):
        run.apply(CANCEL_ACTION, 5)
    run.apply(ROLLBACK_ACTION, 5)
    assert run.view(7).rollback == w.COMPLETED


def test_cancel_before_the_start_and_after_the_end() -> None:
    waiting = run_of([{"at": 5}], start=4)
    waiting.apply(CANCEL_ACTION, 1)
    assert waiting.view(1).update == w.CANCELLED
    assert device_states(waiting, 6) == [w.CANCELLED]
    finished = run_of([{"at": 1}])
    with pytest.raises(ActionRefused, match="its update is Completed"):
        finished.apply(CANCEL_ACTION, 1)


def test_vanishing_tasks_leave_the_pending_list() -> None:
    scheduled = run_of([{"at": 1}], vanish_at=3)
    assert scheduled.view(2).pending and not scheduled.view(2).vanished
    assert scheduled.view(3).vanished and not scheduled.view(3).pending
    at_run_time = run_of([{"at": 1}])
    at_run_time.vanish(1.5)
    assert not at_run_time.view(1.4).vanished
    assert at_run_time.view(1.5).vanished


def test_a_task_timed_from_its_first_request_stands_still_until_then() -> None:
    run = run_of([{"at": 2}], timed_from="first_request")
    assert run.view(50).update == w.IN_PROGRESS
    run.note_request(10)
    run.note_request(11)  # only the first request starts the clock
    assert run.view(11.5).update == w.IN_PROGRESS
    final = run.view(12)
    assert (final.update, final.update_ended_at, final.devices[0].updated_at) == (w.COMPLETED, 12, 12)


def test_a_task_timed_from_its_second_request_shows_its_start_to_the_first_two() -> None:
    run = run_of([{"at": 2}], timed_from="first_request", timed_from_request=2)
    run.note_request(10)  # a first read sees second 0
    assert run.view(30).update == w.IN_PROGRESS
    run.note_request(30)  # the second read starts the clock
    assert run.view(31.9).update == w.IN_PROGRESS
    assert run.view(32).update == w.COMPLETED


def test_timed_from_request_needs_a_task_timed_from_its_requests() -> None:
    with pytest.raises(ScenarioError, match=r"tasks\[0\]\.timed_from_request: needs timed_from: first_request"):
        run_of([{"at": 2}], timed_from_request=2)


def test_actions_and_vanishing_follow_the_clock_of_a_task_timed_from_its_first_request() -> None:
    run = run_of([{"at": 2, "outcome": "failure"}, {"at": 1}], timed_from="first_request")
    run.note_request(100)
    with pytest.raises(ActionRefused, match="while its update is"):
        run.apply(ROLLBACK_ACTION, 100.5)
    run.apply(ROLLBACK_ACTION, 103)
    assert run.view(110).devices[1].rolled_back_at == 103 + run.spec.devices[1].rollback_after
    run.vanish(104)
    assert (run.view(103.9).vanished, run.view(104).vanished) == (False, True)

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options of a route update wait (``ocsdm.route_manager.route_update_wait``, and the role on it) and their checks.

`WaitOptions` is what the caller asked for; `option_problems` finds the values that types alone do not rule out, and
`input_message` words them as the one error of the task. Pure, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional

from ._errors import SdmInputError
from ._sdm_api import task_path

NAME = 'ocsdm.route_manager.route_update_wait'


@dataclass(frozen=True)
class WaitOptions:
    """What the caller asked for. ``variable_prefix`` is how messages name the options (the role's variables)."""

    task_id: str
    timeout: int = 1800
    progress_interval: int = 60
    poll_interval: float = 5.0
    poll_interval_max: float = 30.0
    failed_devices_shown: int = 10
    expect_error_handling: Optional[str] = None
    rollback_wait: bool = False
    rollback_timeout: int = 600
    expect_rollback_status: Optional[str] = None
    expect_rollback_count: Optional[int] = None
    expect_devices_rolled_back: bool = False
    expect_no_rollback_on_success: bool = False
    commit_on_success: bool = False
    commit_timeout: int = 60
    rollback_on_failure: bool = False
    report_dir: Optional[str] = None
    report_name: Optional[str] = None
    check_mode: bool = False
    variable_prefix: str = ''

    def name(self, option: str) -> str:
        return self.variable_prefix + option

    @property
    def sleep_max(self) -> float:
        """The longest sleep between reads: never shorter than the first."""
        return max(self.poll_interval, self.poll_interval_max)

    @property
    def checks_error_handling(self) -> bool:
        return _is_set(self.expect_error_handling)

    @property
    def checks_rollback_status(self) -> bool:
        return _is_set(self.expect_rollback_status)

    @property
    def checks_rollback_count(self) -> bool:
        return self.expect_rollback_count is not None

    @property
    def rollback_checks_on(self) -> bool:
        """Some check of the rollback after a failed update is on (the message then says whether they passed)."""
        return (
            self.rollback_wait
            or self.rollback_on_failure
            or self.checks_rollback_status
            or self.checks_rollback_count
            or self.expect_devices_rolled_back
        )

    @property
    def writes_report(self) -> bool:
        return _is_set(self.report_dir)


def _is_set(value: Any) -> bool:
    return value not in (None, '')


def option_problems(options: WaitOptions) -> List[str]:
    """Values that types alone do not rule out, one sentence each; empty when every value can be used."""
    problems = []
    task_problem = _task_id_problem(options)
    if task_problem:
        problems.append(task_problem)
    for option in ('timeout', 'progress_interval', 'rollback_timeout', 'commit_timeout'):
        if getattr(options, option) < 1:
            problems.append('%s must be at least 1, got %s' % (options.name(option), getattr(options, option)))
    for option in ('poll_interval', 'poll_interval_max'):
        if not getattr(options, option) > 0:
            problems.append('%s must be greater than 0, got %s' % (options.name(option), getattr(options, option)))
    if options.failed_devices_shown < 0:
        problems.append(
            '%s must not be negative, got %s' % (options.name('failed_devices_shown'), options.failed_devices_shown)
        )
    if options.expect_rollback_count is not None and options.expect_rollback_count < 0:
        problems.append(
            '%s must not be negative, got %s' % (options.name('expect_rollback_count'), options.expect_rollback_count)
        )
    return problems


def _task_id_problem(options: WaitOptions) -> Optional[str]:
    if not options.task_id.strip():
        return '%s must not be empty' % options.name('task_id')
    try:
        task_path(options.task_id)
    except SdmInputError as err:
        return '%s is not usable: %s' % (options.name('task_id'), err.message)
    return None


def input_message(problems: List[str]) -> str:
    return 'Invalid input to %s: %s.' % (NAME, '; '.join(problems))

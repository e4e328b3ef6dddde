# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options of the route update wait and their checks (module_utils/_wait_options.py)."""

from __future__ import annotations

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_options import input_message, option_problems
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.test_outcome import options


def test_good_input_has_no_problem():
    assert option_problems(options(expect_rollback_count=0)) == []


def test_every_input_problem_is_named_with_the_role_variable():
    opts = options(
        task_id='  ',
        timeout=0,
        progress_interval=0,
        rollback_timeout=0,
        commit_timeout=0,
        poll_interval=0,
        poll_interval_max=-1,
        failed_devices_shown=-1,
        expect_rollback_count=-1,
        variable_prefix='route_update_wait_',
    )
    assert input_message(option_problems(opts)) == (
        'Invalid input to ocsdm.route_manager.route_update_wait: route_update_wait_task_id must not be empty; '
        'route_update_wait_timeout must be at least 1, got 0; route_update_wait_progress_interval must be at least 1, got 0; '
        'route_update_wait_rollback_timeout must be at least 1, got 0; route_update_wait_commit_timeout must be at least 1, got 0; '
        'route_update_wait_poll_interval must be greater than 0, got 0; route_update_wait_poll_interval_max must be greater than '
        '0, got -1; route_update_wait_failed_devices_shown must not be negative, got -1; route_update_wait_expect_rollback_count '
        'must not be negative, got -1.'
    )


@pytest.mark.parametrize('task_id', ['ID\x0033', '..', 'x' * 300])
def test_a_task_id_that_cannot_name_a_task_is_refused_like_the_modules_refuse_it(task_id):
    problems = option_problems(options(task_id=task_id))
    assert len(problems) == 1 and problems[0].startswith('task_id is not usable: ')

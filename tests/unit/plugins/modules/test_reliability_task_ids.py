# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A task id that cannot name a task fails before any login, in every module of the collection, with the
same message from one check, `task_path` of the client, which the role uses too. Leading or trailing whitespace
is refused, not trimmed.

Found by the reliability suite (tests/integration/targets/reliability_task_ids): the modules logged in,
let the client refuse the id, and logged out again. The glue's ``SdmModule.check_task_ids`` checks them
first; a module that does not call it builds a client here, which fails the test.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils import _sdm_module
from ansible_collections.ocsdm.route_manager.plugins.modules import route_update_action, route_update_info
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.modules.module_helpers import CONNECTION, run_module

MODULES = [
    pytest.param(route_update_info, {'task_id': ['ID5', '{id}']}, id='route_update_info'),
    pytest.param(route_update_action, {'task_id': '{id}', 'action': 'commit'}, id='route_update_action'),
]


class _NoLogin:
    """Stands in for SdmClient: building one means the module was about to log in."""

    def __init__(self, config):
        raise AssertionError('the module built a client (and would have logged in) for an invalid task id')


@pytest.mark.parametrize(
    'task_id, message',
    [
        ('A' * 10000, 'Invalid task_id: a task id is longer than 256 characters'),
        ('..', "Invalid task_id: '..' is not a task id"),
        ('ID5\r\nX-Injected: 1', "Invalid task_id: the task id 'ID5\\r\\nX-Injected: 1' contains control characters"),
        ('ID33 ', "Invalid task_id: the task id 'ID33 ' has leading or trailing whitespace"),
        (' ID33', "Invalid task_id: the task id ' ID33' has leading or trailing whitespace"),
    ],
    ids=['10000-characters', 'dot-dot', 'control-characters', 'trailing-space', 'leading-space'],
)
@pytest.mark.parametrize('module, args', MODULES)
def test_an_invalid_task_id_fails_before_login(module, args, task_id, message, capsys, monkeypatch):
    monkeypatch.setattr(_sdm_module, 'SdmClient', _NoLogin)
    arguments = dict(CONNECTION, **json.loads(json.dumps(args).replace('{id}', json.dumps(task_id)[1:-1])))
    code, result, _out = run_module(module, capsys, arguments)
    assert (code, result['msg']) == (1, message)

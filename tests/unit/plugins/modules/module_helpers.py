# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the module tests share: connection arguments, a fake client base (with the one fake clock), and a way to
run a module.

A module runs for real (argument parsing, no_log masking, exit_json/fail_json through the glue); only the
client's reads are scripted. The fixtures that install a fake client and isolate each run are in conftest.py.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from typing import Any, Dict, List, Optional
from unittest import mock

import pytest

from ansible.module_utils import basic

from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import SdmClient
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmNotFoundError
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.in_process_sdm import (
    InProcessSdm,
    user_scenario,
)
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import FakeClock, FakeTransport

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19 reads the arguments from basic._ANSIBLE_ARGS

    @contextlib.contextmanager
    def patch_module_args(args=None):
        serialized = json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}).encode('utf-8')
        with mock.patch.object(basic, '_ANSIBLE_ARGS', serialized):
            yield


URL = 'https://sdm.example.com:8443'
USER = 'automation'
PASSWORD = 'Unit-Test-Pa55word!'
CONNECTION = {'url': URL, 'username': USER, 'password': PASSWORD}
TASKS_PATH = '/rest/v1.3/routeSets/routeUpdates'


class FakeClientBase:
    """Stands in for SdmClient: a real session, scripted reads (by subclasses), the one fake clock.

    The session is the real client's against the simulator in process (in_process_sdm.py): login, cookie and logout
    follow the simulator's session rules, ``logins``/``logouts`` are the simulator's counters, `secrets` the real
    client's. The reads stay scripted, as the simulator cannot give them: any JSON type in any field, a given error
    at a given read, answers that change from one read to the next without a timeline.

    Every client built goes to ``FakeClientBase.instances`` (emptied before each test by conftest.py).
    A test module that uses the ``fake_client`` fixture names its subclass ``FakeClient``.
    """

    instances: List[FakeClientBase] = []

    def __init__(
        self, config: Any, login_error: Optional[BaseException] = None, warnings: Optional[List[str]] = None
    ) -> None:
        self.config = config
        self.login_error = login_error
        self.warnings = list(warnings or [])
        self.clock = FakeClock()
        self.max_concurrency = 1
        self.sdm = InProcessSdm(user_scenario(config.username, config.password, config.api_version), self.clock)
        # the recording options only have to reach the client: the session records nothing
        session_config = dataclasses.replace(config, record_dir=None)
        self.session = SdmClient(session_config, clock=self.clock, adapter=FakeTransport(self.sdm))
        FakeClientBase.instances.append(self)

    @property
    def logins(self) -> int:
        return self.sdm.logins

    @property
    def logouts(self) -> int:
        return self.sdm.logouts

    def __enter__(self) -> 'FakeClientBase':
        if self.login_error is not None:
            raise self.login_error
        self.session.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> bool:
        self.session.__exit__(*exc_info)
        return False

    def secrets(self) -> List[str]:
        """What the glue keeps out of its output: the password and the session ids (the real client's)."""
        return self.session.secrets()

    @staticmethod
    def not_found(task_id: str) -> SdmNotFoundError:
        """The error the real client raises when SDM answers 404 (with no text) for a task."""
        path = '%s/%s' % (TASKS_PATH, task_id)
        return SdmNotFoundError.for_task(task_id, 'GET %s answered 404 Not Found' % path, path)

    def read_task(self, task_id: str, matcher: Any, deadline: Any = None) -> Any:
        raise NotImplementedError

    def get_task(self, task_id: str, matcher: Any, deadline: Any = None) -> Dict[str, Any]:
        task, warnings = self.read_task(task_id, matcher, deadline)
        self.warnings.extend(warnings)
        return task


def client() -> Any:
    """The one client of the module run (a module run opens exactly one session)."""
    assert len(FakeClientBase.instances) == 1, 'expected exactly one client (one session) per module run'
    return FakeClientBase.instances[0]


def run_module(module: Any, capsys: Any, args: Dict[str, Any]) -> Any:
    """Run ``module.main()`` with the arguments; returns (exit code, parsed result, raw stdout)."""
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    out = capsys.readouterr().out
    return exit_info.value.code, json.loads(out), out


def warnings_of(result: Dict[str, Any]) -> List[str]:
    """Warning texts of a module result (ansible-core 2.19 returns them as structured events)."""
    return [warning['event']['msg'] if isinstance(warning, dict) else warning for warning in result.get('warnings', [])]


def option_facts(options: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """What documentation and argument spec must agree on, by option: type, default, choices, elements, required."""
    return dict(
        (
            name,
            {
                'type': option['type'],
                'default': option.get('default'),
                'choices': option.get('choices'),
                'elements': option.get('elements'),
                'required': option.get('required', False),
            },
        )
        for name, option in options.items()
    )

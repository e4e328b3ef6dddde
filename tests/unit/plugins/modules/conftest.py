# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures of the module tests; the helpers they use are in module_helpers.py."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from ansible.module_utils.common import warnings as module_warnings

from ansible_collections.ocsdm.route_manager.plugins.module_utils import _sdm_module
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.modules.module_helpers import FakeClientBase


@pytest.fixture(autouse=True)
def isolated_run(monkeypatch):
    """No SDM_* variable from the caller's environment, no client and no warning left from another test."""
    for name in (
        'SDM_URL',
        'SDM_USERNAME',
        'SDM_PASSWORD',
        'SDM_VALIDATE_CERTS',
        'SDM_CA_PATH',
        'SDM_RECORD_DIR',
        'SDM_RECORD_PLACEHOLDERS',
    ):
        monkeypatch.delenv(name, raising=False)
    FakeClientBase.instances = []
    # Modules run on the managed host. Once a test imports controller code (an action plugin), ansible-core 2.19+
    # would send their warnings to the controller's screen instead of their result.
    internal = _module_utils_internal()
    if hasattr(internal, 'is_controller'):
        monkeypatch.setattr(internal, 'is_controller', False)
    # AnsibleModule.warn() collects in module-level containers (a list before ansible-core 2.19, a dict since).
    for name in ('_global_warnings', '_global_deprecations'):
        getattr(module_warnings, name).clear()


@pytest.fixture
def fake_client(monkeypatch, request):
    """Install a factory of the test module's ``FakeClient``; call it with the FakeClient keyword arguments."""

    def install(**kwargs: Any) -> None:
        monkeypatch.setattr(_sdm_module, 'SdmClient', functools.partial(request.module.FakeClient, **kwargs))

    return install


def _module_utils_internal() -> Any:
    try:
        from ansible.module_utils import _internal  # ansible-core 2.19 and later
    except ImportError:
        return None
    return _internal

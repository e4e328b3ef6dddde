# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Without lxml the modules work with body_format=json, and fail cleanly with body_format=xml.

The modules and their module_utils are imported afresh while ``import lxml`` fails, and run for real
against the SDM simulator over HTTP; the imports of the other tests are put back afterwards.
"""

from __future__ import annotations

import importlib
import sys

import pytest

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import PASSWORD
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.simulator_setup import (
    SimulatorHandle,
    start_simulator,
)
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.modules.module_helpers import run_module

PLUGINS = 'ansible_collections.ocsdm.route_manager.plugins.'
SCENARIO = {
    'name': 'without-lxml',
    'users': [{'username': 'admin', 'password': PASSWORD}],
    'tasks': [{'id': 'ID50', 'devices': [{'object_id': 'ID501', 'at': 0}]}],
}


@pytest.fixture
def without_lxml(monkeypatch):
    """A function importing a plugin module afresh, with its module_utils, while lxml cannot be imported."""
    for name, module in list(sys.modules.items()):
        if name.startswith(PLUGINS + 'module_utils.') or name.startswith(PLUGINS + 'modules.'):
            monkeypatch.delitem(sys.modules, name)
            # The package keeps an attribute per submodule: point it back at the original after the test too.
            package, _dot, child = name.rpartition('.')
            monkeypatch.setattr(sys.modules[package], child, module)
    monkeypatch.setitem(sys.modules, 'lxml', None)  # None in sys.modules: the import raises ImportError
    monkeypatch.setitem(sys.modules, 'lxml.etree', None)
    return lambda name: importlib.import_module(PLUGINS + name)


@pytest.fixture
def sim():
    server = start_simulator(SCENARIO)
    yield SimulatorHandle(server)
    server.stop()


def arguments(sim, body_format, **kwargs):
    return dict(url=sim.url, username='admin', password=PASSWORD, body_format=body_format, **kwargs)


def test_the_import_of_lxml_is_really_blocked(without_lxml):
    decode = without_lxml('module_utils._decode')
    assert (decode.HAS_LXML, decode.etree) == (False, None)
    assert 'lxml' in decode.LXML_IMPORT_ERROR


def test_json_works_without_lxml(without_lxml, sim, capsys):
    info = without_lxml('modules.route_update_info')
    code, result, _out = run_module(info, capsys, arguments(sim, 'json', task_id=['ID50']))
    assert code == 0, result
    assert result['route_updates'][0]['succeeded'] is True
    action = without_lxml('modules.route_update_action')
    code, result, _out = run_module(action, capsys, arguments(sim, 'json', task_id='ID50', action='commit'))
    assert code == 0, result
    assert (result['changed'], result['committed']) == (True, True)
    counters = sim.counters()
    assert (counters['logins'], counters['logouts'], counters['sessions_open']) == (2, 2, 0)
    assert counters['actions']['accepted'] == {'Commit': 1}


@pytest.mark.parametrize(
    'module_name, extra',
    [
        ('modules.route_update_info', {'task_id': ['ID50']}),
        ('modules.route_update_action', {'task_id': 'ID50', 'action': 'commit'}),
    ],
)
def test_xml_without_lxml_fails_before_login_naming_the_library(without_lxml, sim, capsys, module_name, extra):
    module = without_lxml(module_name)
    code, result, _out = run_module(module, capsys, arguments(sim, 'xml', **extra))
    assert code == 1
    assert result['msg'] == missing_required_lib('lxml', reason='for body_format=xml (or use body_format=json)')
    assert sim.counters()['logins'] == 0

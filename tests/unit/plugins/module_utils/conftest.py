# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures for the tests against the SDM simulator (helpers in simulator_setup.py).

A test module that uses them defines ``scenario()`` (the scenario data every test starts from) and ``Sim``
(its SimulatorHandle class).
"""

from __future__ import annotations

import pytest

from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.simulator_setup import start_simulator


@pytest.fixture(scope='module')
def simulator_server(request):
    """One simulator per test module, started with the module's scenario()."""
    server = start_simulator(request.module.scenario())
    yield server
    server.stop()


@pytest.fixture
def sim(request, simulator_server):
    """The module's Sim on the simulator, with the module's scenario() loaded afresh (counters, sessions, faults reset)."""
    handle = request.module.Sim(simulator_server)
    handle.load(request.module.scenario())
    return handle

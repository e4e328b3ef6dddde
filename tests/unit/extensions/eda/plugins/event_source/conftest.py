# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures for the event source tests: one simulator for the test module, and the source loaded as
ansible-rulebook loads it (helpers in source_helpers.py)."""

from __future__ import annotations

import pytest

from ansible_collections.ocsdm.route_manager.tests.unit.extensions.eda.plugins.event_source.source_helpers import (
    SourceSim,
    scenario,
)
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.simulator_setup import start_simulator


@pytest.fixture(scope='module')
def simulator_server():
    """One simulator per test module; every test loads its own scenario."""
    server = start_simulator(scenario())
    yield server
    server.stop()


@pytest.fixture
def sim(simulator_server):
    """The simulator's control API, with no scenario loaded yet (``sim.load(...)`` in the test)."""
    return SourceSim(simulator_server)

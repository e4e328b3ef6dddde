# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the simulator's own tests: real servers on 127.0.0.1, always stopped."""

from __future__ import annotations

from typing import Callable, Iterator, List, Optional

import pytest

from sdm_simulator import SimulatorServer, TlsFiles
from simulator_helpers import JSON, XML, Control, ScenarioSource, SdmSession, minimal_scenario, scenario_of


@pytest.fixture
def start_simulator() -> Iterator[Callable[..., SimulatorServer]]:
    """Start simulators on free ports; every one is stopped when the test ends, whatever happened."""
    servers: List[SimulatorServer] = []

    def start(source: ScenarioSource = "change_window", tls: Optional[TlsFiles] = None) -> SimulatorServer:
        server = SimulatorServer(scenario_of(source), "127.0.0.1", 0, tls)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def sim(start_simulator: Callable[..., SimulatorServer]) -> SimulatorServer:
    return start_simulator(minimal_scenario())


@pytest.fixture
def control(sim: SimulatorServer) -> Control:
    return Control(sim.url)


@pytest.fixture(params=[XML, JSON], ids=["xml", "json"])
def fmt(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def client(sim: SimulatorServer, fmt: str) -> Iterator[SdmSession]:
    session = SdmSession(sim.url, fmt)
    yield session
    session.close()

# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A local Oracle Communications Session Delivery Manager (SDM) for tests and demos.

Run it with ``python -m sdm_simulator`` from ``tests/simulator``; use it in Python with::

    from sdm_simulator import SimulatorServer, load_scenario_file

    with SimulatorServer(load_scenario_file("demo")) as sim:
        ...  # sim.url, sim.state.counters_document()

    with ReplayServer(load_recording("/path/to/record_dir")) as replay:
        ...  # replay.url, replay.replayer.counters_document()
"""

from ._fields import ScenarioError
from .recording import Recording, RecordingError, load_recording
from .replay import Replayer, ReplayServer
from .scenario import Scenario, load_scenario_file, parse_scenario
from .server import SimulatorServer
from .tls import TlsFiles, TlsSetupError, make_tls_files

__all__ = [
    "Recording",
    "RecordingError",
    "ReplayServer",
    "Replayer",
    "Scenario",
    "ScenarioError",
    "SimulatorServer",
    "TlsFiles",
    "TlsSetupError",
    "load_recording",
    "load_scenario_file",
    "make_tls_files",
    "parse_scenario",
]

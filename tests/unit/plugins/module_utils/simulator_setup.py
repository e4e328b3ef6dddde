# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The SDM simulator (tests/simulator) for the tests over real HTTP: starting it, its control API, client settings.

The fixtures ``simulator_server`` and ``sim`` that use this are in conftest.py.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import requests

from ansible_collections.ocsdm.route_manager.plugins.module_utils._connection_config import ConnectionConfig
from ansible_collections.ocsdm.route_manager.plugins.module_utils._retry import RetryPolicy

# tests/unit/plugins/module_utils/<this file> -> tests/simulator
SIMULATOR_DIR = Path(__file__).resolve().parents[3] / 'simulator'
if str(SIMULATOR_DIR) not in sys.path:
    sys.path.insert(0, str(SIMULATOR_DIR))
sdm_simulator = importlib.import_module('sdm_simulator')

# the password of the simulator's user admin in the tests' scenarios, and of the client tests (sdm_fakes.py)
PASSWORD = 'S3cr3t-Pa55word!'
FAST_RETRY = RetryPolicy(max_attempts=3, backoff_initial=0.01, backoff_max=0.05, jitter=0)


def start_simulator(data: Dict[str, Any], tls: Optional[Any] = None) -> Any:
    """A simulator with the scenario data on a free port of 127.0.0.1 (HTTPS with the TlsFiles ``tls``); stop() it."""
    return sdm_simulator.SimulatorServer(sdm_simulator.parse_scenario(data), '127.0.0.1', 0, tls).start()


def client_config(url: str, **kwargs: Any) -> ConnectionConfig:
    """Connection settings for the simulator's user admin, with quick retries; keyword arguments override."""
    settings: Dict[str, Any] = dict(url=url, username='admin', password=PASSWORD, retry=FAST_RETRY)
    settings.update(kwargs)
    return ConnectionConfig(**settings)


class SimulatorHandle:
    """The running simulator and its control API."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.url = server.url

    def control(self, method: str, path: str, data: Any = None) -> Any:
        response = requests.request(method, '%s/_sim%s' % (self.url, path), json=data, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def load(self, data: Dict[str, Any]) -> Any:
        """Load a scenario; this also resets the counters, sessions and faults."""
        return self.control('POST', '/scenario', data)

    def faults(self, *rules: Dict[str, Any]) -> Any:
        return self.control('POST', '/faults', list(rules))

    def counters(self) -> Dict[str, Any]:
        return self.control('GET', '/counters')

    def requests_to(self, line: str) -> int:
        return self.counters()['requests'].get(line, 0)

    def config(self, **kwargs: Any) -> ConnectionConfig:
        """Client settings for this simulator: user admin, a 5 second request timeout, quick retries."""
        settings: Dict[str, Any] = {'request_timeout': 5.0}
        settings.update(kwargs)
        return client_config(self.url, **settings)

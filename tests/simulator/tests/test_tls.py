# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTPS with a certificate made at start."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import requests

from simulator_helpers import JSON, Control, SdmSession, minimal_scenario
from sdm_simulator import SimulatorServer, TlsFiles, make_tls_files

pytest.importorskip("trustme")


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


def test_https_with_the_private_ca(start_simulator: Callable[..., SimulatorServer], tls_files: TlsFiles) -> None:
    sim = start_simulator(minimal_scenario(), tls=tls_files)
    assert sim.url.startswith("https://127.0.0.1:")
    client = SdmSession(sim.url, JSON, verify=str(tls_files.ca_certificate))
    login = client.login()
    assert login.status_code == 200
    assert login.headers["Set-Cookie"].endswith("; Path=/rest; HttpOnly; Secure")
    assert client.task("ID1").status_code == 200
    assert client.logout().status_code == 204
    counters = Control(sim.url, verify=str(tls_files.ca_certificate)).counters()
    assert (counters["logins"], counters["logouts"], counters["sessions_open"]) == (1, 1, 0)


def test_certificate_is_refused_without_the_ca(
    start_simulator: Callable[..., SimulatorServer], tls_files: TlsFiles
) -> None:
    sim = start_simulator(minimal_scenario(), tls=tls_files)
    with pytest.raises(requests.exceptions.SSLError):
        SdmSession(sim.url, JSON, verify=True).login()
    # a failed handshake does not disturb the server
    assert SdmSession(sim.url, JSON, verify=str(tls_files.ca_certificate)).login().status_code == 200


def test_certificate_names_localhost_too(start_simulator: Callable[..., SimulatorServer], tls_files: TlsFiles) -> None:
    sim = start_simulator(minimal_scenario(), tls=tls_files)
    by_name = sim.url.replace("127.0.0.1", "localhost")
    assert Control(by_name, verify=str(tls_files.ca_certificate)).get("/health")["status"] == "ok"


def test_private_key_is_private(tls_files: TlsFiles) -> None:
    assert Path(tls_files.private_key).stat().st_mode & 0o077 == 0
    assert tls_files.ca_certificate.read_text(encoding="ascii").startswith("-----BEGIN CERTIFICATE-----")


def test_plain_http_to_the_https_port_fails_cleanly(
    start_simulator: Callable[..., SimulatorServer], tls_files: TlsFiles
) -> None:
    sim = start_simulator(minimal_scenario(), tls=tls_files)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(sim.url.replace("https://", "http://") + "/_sim/health", timeout=5)
    assert Control(sim.url, verify=str(tls_files.ca_certificate)).get("/health")["status"] == "ok"

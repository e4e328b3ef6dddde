# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Login, logout and the session rules over real HTTP."""

from __future__ import annotations

from typing import Any, Callable, Dict

import pytest
import requests
from lxml import etree

from simulator_helpers import JSON, XML, Control, SdmSession, minimal_scenario
from sdm_simulator import SimulatorServer


def session_fields(response: requests.Response, fmt: str) -> Dict[str, Any]:
    if fmt == JSON:
        return response.json()
    root = etree.fromstring(response.content)
    assert root.tag == "session"
    return {child.tag: child.text for child in root}


def test_login_sets_the_session_cookie_and_logout_closes_it(client: SdmSession, control: Control, fmt: str) -> None:
    response = client.login()
    assert response.status_code == 200
    assert response.headers["Content-Type"] == fmt
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("JSESSIONID=") and "; Path=/rest; HttpOnly" in cookie
    body = session_fields(response, fmt)
    assert body["sessionId"] == client.http.cookies["JSESSIONID"]
    assert body["sessionId"].endswith(".tomcat1")
    assert set(body) == {"idleTimeout", "serverInfo", "sessionId", "userGroup"}
    assert control.counters()["sessions_open"] == 1

    assert client.task("ID1").status_code == 200
    logout = client.logout()
    assert (logout.status_code, logout.content) == (204, b"")
    counters = control.counters()
    assert (counters["logins"], counters["logouts"], counters["sessions_open"], counters["sessions_max_open"]) == (
        1,
        1,
        0,
        1,
    )
    assert client.task("ID1").status_code == 401  # the closed session is gone


def test_xml_answers_start_with_the_sdm_declaration(client: SdmSession) -> None:
    if client.fmt == XML:
        assert client.login().content.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')


@pytest.mark.parametrize("username, password", [("admin", "wrong"), ("nobody", "admin"), ("admin", "")])
def test_bad_credentials_are_401(client: SdmSession, control: Control, username: str, password: str) -> None:
    response = client.login(username, password)
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers
    assert control.counters()["login_failures"] == 1
    assert control.counters()["logins"] == 0


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("<session><userName>admin</userName><password>admin</password>", XML),  # not well-formed
        ("<login><userName>admin</userName><password>admin</password></login>", XML),  # wrong root
        (
            '<!DOCTYPE s [<!ENTITY x "admin">]><session><userName>&x;</userName><password>admin</password></session>',
            XML,
        ),
        ('{"userName": "admin", "password": ', JSON),
        ('{"session": {"userName": "admin", "password": "admin"}}', JSON),  # SDM's JSON has no root element
        ('{"userName": "admin", "password": 12}', JSON),
        ('["admin", "admin"]', JSON),
        ("", JSON),
        ("<session><password>admin</password></session>", XML),
    ],
)
def test_malformed_login_bodies_are_400(sim: SimulatorServer, body: str, content_type: str) -> None:
    response = requests.post(
        f"{sim.url}/rest/v1.3/admin/login", data=body.encode(), headers={"Content-Type": content_type}, timeout=10
    )
    assert response.status_code == 400
    assert response.text.startswith("Invalid login request: ")


def test_login_body_format_is_sniffed_without_a_content_type(sim: SimulatorServer) -> None:
    response = requests.post(
        f"{sim.url}/rest/v1.3/admin/login", data=b'{"userName": "admin", "password": "admin"}', timeout=10
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == XML  # XML answers unless JSON is asked for


def test_unknown_api_version_is_404(sim: SimulatorServer) -> None:
    client = SdmSession(sim.url, JSON, version="v9.9")
    response = client.login()
    assert response.status_code == 404
    assert "v9.9" in response.text


def test_other_api_versions_can_be_enabled(start_simulator: Callable[..., SimulatorServer]) -> None:
    sim = start_simulator(minimal_scenario(server={"api_versions": ["v1.3", "v1.1"]}))
    assert SdmSession(sim.url, JSON, version="v1.1").login().status_code == 200


@pytest.mark.parametrize("cookie", [None, "JSESSIONID=NOSUCHSESSION.tomcat1", "JSESSIONID", "garbage=\x7f;;"])
def test_missing_or_unknown_sessions_are_401(sim: SimulatorServer, cookie: Any) -> None:
    headers = {"Cookie": cookie} if cookie else {}
    response = requests.get(f"{sim.url}/rest/v1.3/routeSets/routeUpdates", headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.text.strip() == "The session ID is invalid"


def test_logout_without_a_session_is_401(client: SdmSession, control: Control) -> None:
    assert client.logout().status_code == 401
    assert control.counters()["logouts"] == 0


def test_user_without_route_rights_logs_in_but_gets_403(client: SdmSession, control: Control) -> None:
    assert client.login("viewer", "viewer").status_code == 200
    assert client.pending().status_code == 403
    assert client.task("ID1").status_code == 403
    assert client.action("ID1", "Commit").status_code == 403
    assert client.logout().status_code == 204
    assert control.counters()["sessions_open"] == 0


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("GET", "/admin/login", "POST"),
        ("GET", "/admin/logout", "POST"),
        ("POST", "/routeSets/routeUpdates", "GET"),
        ("DELETE", "/routeSets/routeUpdates/ID1", "GET"),
        ("GET", "/routeSets/routeUpdates/ID1/action", "POST"),
    ],
)
def test_wrong_methods_are_405(sim: SimulatorServer, method: str, path: str, allowed: str) -> None:
    response = requests.request(method, f"{sim.url}/rest/v1.3{path}", timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/rest",
        "/rest/v1.3/admin",
        "/rest/v1.3/routeSets/routeUpdates/ID1/other",
        "/rest/v1.3/routeSets/routeUpdates/",
    ],
)
def test_unknown_paths_are_404(sim: SimulatorServer, path: str) -> None:
    assert requests.get(sim.url + path, timeout=10).status_code == 404


def test_logout_status_can_be_200(start_simulator: Callable[..., SimulatorServer]) -> None:
    client = SdmSession(start_simulator(minimal_scenario(server={"logout_status": 200})).url)
    client.login()
    assert client.logout().status_code == 200


def test_one_client_keeps_one_connection(client: SdmSession, control: Control) -> None:
    client.login()
    for _attempt in range(3):
        client.task("ID1")
    client.logout()
    counters = control.counters()
    # the client's requests share one keep-alive connection; the control API's calls add one each
    assert counters["connections"] == 2
    assert counters["requests"] == {
        "POST /rest/v1.3/admin/login": 1,
        "GET /rest/v1.3/routeSets/routeUpdates/ID1": 3,
        "POST /rest/v1.3/admin/logout": 1,
    }

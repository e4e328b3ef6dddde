# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test helpers for the simulator's own tests: a small SDM client, the control API client, a recording writer."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Optional, Union
from urllib.parse import urlsplit

import requests

from sdm_simulator import Scenario, load_scenario_file, parse_scenario
from sdm_simulator.recording import recording_format

JSON = "application/json"
XML = "application/xml"
ADMIN = ("admin", "admin")
REQUEST_TIMEOUT = 10.0

ScenarioSource = Union[str, Dict[str, Any], Scenario]


def scenario_of(source: ScenarioSource) -> Scenario:
    if isinstance(source, Scenario):
        return source
    if isinstance(source, dict):
        return parse_scenario(source)
    return load_scenario_file(source)


def minimal_scenario(**overrides: Any) -> Dict[str, Any]:
    """One admin, one viewer without rights, one task that completes after 1 second."""
    scenario: Dict[str, Any] = {
        "name": "minimal",
        "users": [
            {"username": "admin", "password": "admin"},
            {"username": "viewer", "password": "viewer", "route_management": False},
        ],
        "tasks": [{"id": "ID1", "devices": [{"object_id": "ID2", "at": 1}]}],
    }
    scenario.update(overrides)
    return scenario


class SdmSession:
    """A small test client: one requests.Session against one simulator, in XML or JSON."""

    def __init__(self, url: str, fmt: str = XML, version: str = "v1.3", verify: Union[bool, str] = False) -> None:
        self.url = url
        self.fmt = fmt
        self.base = f"{url}/rest/{version}"
        # passed with each request: a Session's own verify loses to REQUESTS_CA_BUNDLE from the environment
        self.verify = verify
        self.http = requests.Session()
        self.http.headers["Accept"] = fmt

    def close(self) -> None:
        self.http.close()

    def login(self, username: str = "admin", password: str = "admin") -> requests.Response:
        if self.fmt == JSON:
            return self.post("/admin/login", json={"userName": username, "password": password})
        body = f"<session><userName>{username}</userName><password>{password}</password></session>"
        return self.post("/admin/login", data=body, headers={"Content-Type": XML})

    def logout(self) -> requests.Response:
        return self.post("/admin/logout")

    def task(self, task_id: str) -> requests.Response:
        return self.get(f"/routeSets/routeUpdates/{task_id}")

    def pending(self) -> requests.Response:
        return self.get("/routeSets/routeUpdates")

    def action(self, task_id: str, action: str) -> requests.Response:
        path = f"/routeSets/routeUpdates/{task_id}/action"
        if self.fmt == JSON:
            return self.post(path, json={"type": action})
        body = f"<routeUpdateAction><type>{action}</type></routeUpdateAction>"
        return self.post(path, data=body, headers={"Content-Type": XML})

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        kwargs.setdefault("verify", self.verify)
        return self.http.get(self.base + path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        kwargs.setdefault("verify", self.verify)
        return self.http.post(self.base + path, **kwargs)


class Control:
    """The simulator's control API."""

    def __init__(self, url: str, verify: Union[bool, str] = False) -> None:
        self.url = f"{url}/_sim"
        self.verify = verify

    def get(self, path: str) -> Any:
        return self._checked(requests.get(self.url + path, timeout=REQUEST_TIMEOUT, verify=self.verify))

    def post(self, path: str, data: Any = None) -> Any:
        return self._checked(requests.post(self.url + path, json=data, timeout=REQUEST_TIMEOUT, verify=self.verify))

    def counters(self) -> Dict[str, Any]:
        return self.get("/counters")

    def advance(self, seconds: float) -> float:
        return self.post("/clock/advance", {"seconds": seconds})["elapsed"]

    def add_faults(self, *faults: Dict[str, Any]) -> Any:
        return self.post("/faults", list(faults))

    @staticmethod
    def _checked(response: requests.Response) -> Any:
        assert response.status_code == 200, response.text
        return response.json()


class RecordingWriter:
    """Writes a recording folder the way the collection's client does (one JSON file per exchange, in the format of
    plugins/module_utils/_recording_format.py), from real answers of a simulator or from scratch, with times the
    test chooses."""

    FORMAT = recording_format.FORMAT

    def __init__(self, folder: Path, run: str = "test01") -> None:
        self.folder = folder
        self.run = run
        self.sequence = 0
        folder.mkdir(parents=True, exist_ok=True)

    def response(self, elapsed: float, response: requests.Response) -> requests.Response:
        """Record a real exchange of an SdmSession, as the client would (password and session id removed)."""
        request = response.request
        body = request.body.decode("utf-8") if isinstance(request.body, bytes) else request.body
        headers = {
            name: response.headers[name]
            for name in ("Content-Type", "Retry-After", "Location")
            if name in response.headers
        }
        self.add(
            elapsed,
            request.method or "GET",
            urlsplit(request.url or "").path,
            response.status_code,
            _without_secrets(response.text),
            response.headers.get("Content-Type"),
            request_body=_without_secrets(body),
            headers=headers,
        )
        return response

    def add(
        self,
        elapsed: float,
        method: str,
        path: str,
        status: int,
        body: Optional[str] = "",
        content_type: Optional[str] = None,
        request_body: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
        note: Optional[str] = None,
    ) -> Path:
        self.sequence += 1
        document = recording_format.exchange_document(
            self.run,
            self.sequence,
            elapsed,
            None,
            recording_format.request_part(method, path, {}, request_body),
            recording_format.answer_part(
                status, content_type, body, len((body or "").encode("utf-8")), body_note=note, headers=headers
            ),
        )
        path_out = self.folder / recording_format.file_name(elapsed, self.run, self.sequence, method, path)
        path_out.write_text(recording_format.exchange_text(document), encoding="utf-8")
        return path_out


def _without_secrets(text: Optional[str]) -> Optional[str]:
    """The login's password and the session id, as the client's recorder leaves them."""
    if text is None:
        return None
    text = re.sub(r"<password>[^<]*</password>", "<password>********</password>", text)
    text = re.sub(r'"password": "[^"]*"', '"password": "********"', text)
    text = re.sub(r"<sessionId>[^<]*</sessionId>", "<sessionId>********</sessionId>", text)
    return re.sub(r'"sessionId": "[^"]*"', '"sessionId": "********"', text)

# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Task details and the pending list over real HTTP, in XML and JSON."""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Dict, List

import pytest
import requests
from lxml import etree

from simulator_helpers import JSON, XML, Control, SdmSession, minimal_scenario
from sdm_simulator import SimulatorServer

# The JSON answer for task ID33 exactly as SDM's REST API guide documents it.
DOCUMENTED_ID33 = json.loads("""
{"deviceStatusList": [{"deviceGroupId": "ID11", "objectId": "ID34", "preUpdateVersion": "0",
"pushStatus": "Completed", "rollBackStatus": "Unknown", "routeSetId": "2", "routeUpdateTaskId": "ID33",
"status": "Completed", "updateDate": "2022-10-04T04:03:56", "updateFailureMsg": "", "updateVersion": "1"}],
"errorHandling": "rollback", "rollbackCount": "0", "rollbackStatus": "Unknown", "totalDeviceCount": "1",
"updateStatus": "Completed", "updatedCount": "1"}
""")


def xml_document(response: requests.Response, root: str) -> Dict[str, Any]:
    """An SDM XML answer as the JSON shape: repeated elements become lists, empty text ''."""
    element = etree.fromstring(response.content)
    assert element.tag == root
    return _xml_fields(element)


def _xml_fields(element: Any) -> Dict[str, Any]:
    fields: Dict[str, Any] = {}
    for child in element:
        if len(child):
            fields.setdefault(child.tag, []).append(_xml_fields(child))
        else:
            assert child.tag not in fields, f"scalar {child.tag} repeated"
            fields[child.tag] = child.text or ""
    return fields


def task_document(client: SdmSession, task_id: str) -> Dict[str, Any]:
    response = client.task(task_id)
    assert response.status_code == 200, response.text
    if client.fmt == JSON:
        return response.json()
    return xml_document(response, "routeUpdateTaskDetails")


def pending_items(client: SdmSession) -> List[Dict[str, Any]]:
    response = client.pending()
    assert response.status_code == 200, response.text
    document = response.json() if client.fmt == JSON else xml_document(response, "routeUpdateTasks")
    return document.get("routeUpdateTaskList", [])


def test_documented_id33_json_answer_is_served_exactly(start_simulator: Callable[..., SimulatorServer]) -> None:
    client = SdmSession(start_simulator("documented").url, JSON)
    client.login()
    response = client.task("ID33")
    assert response.headers["Content-Type"] == JSON
    assert response.json() == DOCUMENTED_ID33


def test_xml_and_json_answers_carry_the_same_fields_and_values(start_simulator: Callable[..., SimulatorServer]) -> None:
    url = start_simulator("documented").url
    documents = []
    for fmt in (XML, JSON):
        client = SdmSession(url, fmt)
        client.login()
        documents.append(task_document(client, "ID33"))
    assert documents[0] == documents[1] == DOCUMENTED_ID33


def test_xml_repeats_device_status_list(start_simulator: Callable[..., SimulatorServer]) -> None:
    client = SdmSession(start_simulator("change_window").url, XML)
    client.login()
    root = etree.fromstring(client.task("ID51").content)
    assert [element.findtext("objectId") for element in root.findall("deviceStatusList")] == ["ID511", "ID512", "ID513"]


def test_task_details_follow_the_timeline(start_simulator: Callable[..., SimulatorServer], fmt: str) -> None:
    sim = start_simulator("change_window")
    client, control = SdmSession(sim.url, fmt), Control(sim.url)
    client.login()
    running = task_document(client, "ID51")
    assert (running["updateStatus"], running["updatedCount"], running["totalDeviceCount"]) == ("InProgress", "0", "3")
    assert [device["status"] for device in running["deviceStatusList"]] == ["InProgress"] * 3
    assert "updateDate" not in running["deviceStatusList"][0]
    control.advance(2)
    failed = task_document(client, "ID51")
    assert (failed["updateStatus"], failed["updatedCount"], failed["rollbackStatus"]) == ("Failed", "2", "Unknown")
    devices = failed["deviceStatusList"]
    assert [device["status"] for device in devices] == ["Completed", "Completed", "Failed"]
    assert [device["pushStatus"] for device in devices] == ["Completed", "Completed", "Failed"]
    assert devices[2]["updateFailureMsg"] == "Push timed out"
    assert all(device["routeUpdateTaskId"] == "ID51" for device in devices)


def test_pending_list_names_every_pending_task(start_simulator: Callable[..., SimulatorServer], fmt: str) -> None:
    client = SdmSession(start_simulator("change_window").url, fmt)
    client.login()
    items = pending_items(client)
    assert [item["objectId"] for item in items] == ["ID50", "ID51", "ID52", "ID53", "ID54", "ID55"]
    assert set(items[0]) == {
        "failureAction",
        "initiatedBy",
        "initiatedDate",
        "name",
        "notes",
        "objectId",
        "updateStatus",
    }
    assert items[0]["failureAction"] == "rollback"
    assert items[3]["failureAction"] == "abort"


def test_pending_list_field_names_are_options(start_simulator: Callable[..., SimulatorServer]) -> None:
    scenario = minimal_scenario(server={"pending_id_field": "taskId", "pending_status_field": "status"})
    client = SdmSession(start_simulator(scenario).url, JSON)
    client.login()
    items = pending_items(client)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", items[0].pop("initiatedDate"))
    assert items == [
        {
            "failureAction": "abort",
            "initiatedBy": "admin",
            "name": "Route update ID1",
            "notes": "",
            "status": "InProgress",
            "taskId": "ID1",
        }
    ]


@pytest.mark.parametrize("setting, expected", [("keep", {"routeUpdateTaskList": []}), ("omit", {})])
def test_empty_json_lists_are_kept_or_omitted(
    start_simulator: Callable[..., SimulatorServer], setting: str, expected: Dict[str, Any]
) -> None:
    client = SdmSession(start_simulator(minimal_scenario(tasks=[], server={"json_empty_lists": setting})).url, JSON)
    client.login()
    assert client.pending().json() == expected


def test_empty_xml_pending_list(start_simulator: Callable[..., SimulatorServer]) -> None:
    client = SdmSession(start_simulator(minimal_scenario(tasks=[])).url, XML)
    client.login()
    assert etree.fromstring(client.pending().content).tag == "routeUpdateTasks"
    assert pending_items(client) == []


def test_status_words_are_scriptable(start_simulator: Callable[..., SimulatorServer]) -> None:
    scenario = minimal_scenario(
        status_words={"in_progress": "IN_PROGRESS", "device.in_progress": "Pushing"},
        tasks=[
            {"id": "ID1", "devices": [{"at": 5}]},
            {"id": "ID2", "status_words": {"update.in_progress": "Frobnicating"}, "devices": [{"at": 5}]},
        ],
    )
    client = SdmSession(start_simulator(scenario).url, JSON)
    client.login()
    first, second = task_document(client, "ID1"), task_document(client, "ID2")
    assert first["updateStatus"] == "IN_PROGRESS"
    assert first["deviceStatusList"][0]["status"] == "Pushing"
    assert first["deviceStatusList"][0]["pushStatus"] == "IN_PROGRESS"
    assert second["updateStatus"] == "Frobnicating"


def test_unknown_fields_can_be_added(start_simulator: Callable[..., SimulatorServer], fmt: str) -> None:
    scenario = minimal_scenario(
        tasks=[
            {
                "id": "ID1",
                "extra_fields": {"taskPriority": "high"},
                "devices": [
                    {"at": 0, "extra_fields": {"sbcName": "sbc-1", "status": "ignored: documented fields win"}}
                ],
            }
        ]
    )
    client = SdmSession(start_simulator(scenario).url, fmt)
    client.login()
    document = task_document(client, "ID1")
    assert document["taskPriority"] == "high"
    assert document["deviceStatusList"][0]["sbcName"] == "sbc-1"
    assert document["deviceStatusList"][0]["status"] == "Completed"


def test_unknown_task_is_404(client: SdmSession) -> None:
    client.login()
    response = client.task("ID999")
    assert response.status_code == 404
    assert "ID999" in response.text


def test_an_encoded_task_id_cannot_reach_another_endpoint(client: SdmSession, control: Control) -> None:
    client.login()
    assert client.task("..%2F..%2Fadmin%2Flogout").status_code == 404
    assert client.task("ID1%2Faction").status_code == 404
    counters = control.counters()
    assert counters["logouts"] == 0 and counters["sessions_open"] == 1
    assert counters["requests"]["GET /rest/v1.3/routeSets/routeUpdates/ID1%2Faction"] == 1


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("application/json", JSON),
        ("application/xml", XML),
        ("application/json, application/xml;q=0.9", JSON),
        ("application/xml, application/json", XML),
        ("*/*", XML),
        ("text/html", XML),
    ],
)
def test_answer_format_follows_accept(sim: SimulatorServer, accept: str, expected: str) -> None:
    client = SdmSession(sim.url, JSON)
    client.login()
    response = client.get("/routeSets/routeUpdates/ID1", headers={"Accept": accept})
    assert response.headers["Content-Type"] == expected


def test_xml_can_be_compact(start_simulator: Callable[..., SimulatorServer]) -> None:
    client = SdmSession(start_simulator(minimal_scenario(server={"xml_indent": False})).url, XML)
    client.login()
    assert b"\n" not in client.task("ID1").content


def test_answer_fields_write_what_sdm_may_send(start_simulator: Callable[..., SimulatorServer], fmt: str) -> None:
    """answer_fields replace documented fields: an object, a repeated element (a list), a field left out."""
    message = {"code": "E42", "text": "LRT rejected"}
    scenario = minimal_scenario(
        tasks=[
            {
                "id": "ID1",
                "answer_fields": {"deviceStatusList": None, "rollbackStatus": "N/A"},
                "devices": [{"at": 0}, {"at": 0}],
            },
            {
                "id": "ID2",
                "devices": [
                    {
                        "at": 0,
                        "outcome": "failure",
                        "answer_fields": {"updateFailureMsg": message, "status": "Skipped"},
                    },
                    {"at": 0, "outcome": "failure", "answer_fields": {"updateFailureMsg": ["LRT rejected", "retry"]}},
                ],
            },
        ]
    )
    client = SdmSession(start_simulator(scenario).url, fmt)
    client.login()
    first = task_document(client, "ID1")
    assert "deviceStatusList" not in first
    assert (first["rollbackStatus"], first["totalDeviceCount"], first["updatedCount"]) == ("N/A", "2", "2")
    if fmt == JSON:
        devices = task_document(client, "ID2")["deviceStatusList"]
        assert devices[0]["status"] == "Skipped" and devices[0]["pushStatus"] == "Failed"
        assert devices[0]["updateFailureMsg"] == message
        assert devices[1]["updateFailureMsg"] == ["LRT rejected", "retry"]
    else:
        text = re.sub(r">\s+<", "><", client.task("ID2").text)
        assert "<status>Skipped</status>" in text
        assert "<updateFailureMsg><code>E42</code><text>LRT rejected</text></updateFailureMsg>" in text
        assert "<updateFailureMsg>LRT rejected</updateFailureMsg><updateFailureMsg>retry</updateFailureMsg>" in text


def test_answer_fields_are_checked(start_simulator: Callable[..., SimulatorServer]) -> None:
    from sdm_simulator import ScenarioError

    with pytest.raises(ScenarioError, match=r"tasks\[0\]\.answer_fields\.updateStatus: expected text, a mapping"):
        start_simulator(minimal_scenario(tasks=[{"id": "ID1", "answer_fields": {"updateStatus": True}}]))

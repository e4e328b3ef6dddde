# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The recording format, written once (_recording_format.py): names, the marker, an exchange written and read back."""

from __future__ import annotations

import json

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils import _recording_format as recording_format
from ansible_collections.ocsdm.route_manager.plugins.module_utils._sdm_api import (
    SESSION_ROOT,
    TASK_ROOT,
    TASKS_ROOT,
    answer_root,
)


def test_file_names_sort_in_the_order_of_the_timeline():
    names = [
        recording_format.file_name(elapsed, 'a1b2c3', sequence, 'GET', '/proxy/rest/v1.3/routeSets/routeUpdates/ID 3')
        for elapsed, sequence in ((0.5, 2), (12.25, 1), (3600.0, 3))
    ]
    assert names == sorted(names)
    assert names[0] == '0000000000500-a1b2c3-0002-GET-routeSets_routeUpdates_ID_3.json'
    assert recording_format.latest_number(names + ['recording.json', '.placeholder-key']) == 3600000
    assert recording_format.latest_number([]) == -1
    assert [recording_format.is_exchange_name(name) for name in (names[0], 'recording.json', '.x.json.partial')] == [
        True,
        False,
        False,
    ]


def test_paths_from_rest_on():
    path = '/proxy/rest/v1.3/routeSets/routeUpdates/ID%2F3'
    assert recording_format.api_path(path) == '/rest/v1.3/routeSets/routeUpdates/ID%2F3'
    assert recording_format.route_segments(path) == ('v1.3', 'routeSets', 'routeUpdates', 'ID/3')
    assert recording_format.route_segments('/elsewhere') == ()


def test_the_marker_round_trip_and_a_foreign_one():
    assert recording_format.marker_started(recording_format.marker_text(1234.5)) == 1234.5
    for text in ('{"format": "other/1", "started": 1}', 'not json', '[]', '{"format": "%s"}' % recording_format.FORMAT):
        with pytest.raises(
            recording_format.FormatError, match='recording.json there is not a recording of this version'
        ):
            recording_format.marker_started(text)


def test_an_exchange_written_is_read_back():
    body = b'<a>caf\xe9</a>'  # not UTF-8: written as Latin-1, which gives the bytes back
    text, encoding = recording_format.body_text(body)
    document = recording_format.exchange_document(
        'r1',
        7,
        1.23456,
        recording_format.at_text(0.0),
        recording_format.request_part('get', '/rest/v1.3/routeSets/routeUpdates', {}, None),
        recording_format.answer_part(200, 'application/xml', text, len(body), encoding, headers={'Retry-After': '1'}),
    )
    assert document['at'] == '1970-01-01T00:00:00.000Z' and document['elapsed'] == 1.235
    fields = recording_format.exchange_fields(json.loads(recording_format.exchange_text(document)))
    assert fields == {
        'run': 'r1',
        'sequence': 7,
        'elapsed': 1.235,
        'method': 'GET',
        'path': '/rest/v1.3/routeSets/routeUpdates',
        'request_body': None,
        'status': 200,
        'content_type': 'application/xml',
        'headers': {'Retry-After': '1'},
        'body': body,
        'body_note': None,
    }


@pytest.mark.parametrize(
    'data, message',
    [
        ({'format': 'something/else'}, 'not an exchange of a recording of format'),
        ([], 'not an exchange of a recording of format'),
        ({'format': recording_format.FORMAT, 'elapsed': 1}, 'a field is missing or has the wrong type'),
    ],
)
def test_what_is_not_an_exchange(data, message):
    with pytest.raises(recording_format.FormatError, match=message):
        recording_format.exchange_fields(data)


def test_the_document_sdm_answers_on_each_path():
    assert [
        answer_root(path)
        for path in (
            '/admin/login',
            '/admin/logout',
            '/routeSets/routeUpdates',
            '/routeSets/routeUpdates/ID33',
            '/routeSets/routeUpdates/ID33/action',
        )
    ] == [SESSION_ROOT, None, TASKS_ROOT, TASK_ROOT, None]

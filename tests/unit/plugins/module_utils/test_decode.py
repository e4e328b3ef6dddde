# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.ocsdm.route_manager.plugins.module_utils._decode import (
    HTML,
    JSON,
    XML,
    decode_body,
    detect_format,
    text_excerpt,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmBadAnswerError

from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import fixture_bytes

ROOT = 'routeUpdateTaskDetails'
WHAT = 'route update task details'
XML_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def decode(body, content_type='application/xml', **kwargs):
    return decode_body(body, content_type, ROOT, WHAT, **kwargs)


def bad_answer(body, content_type='application/xml', **kwargs):
    with pytest.raises(SdmBadAnswerError) as caught:
        decode(body, content_type, **kwargs)
    return caught.value.message


def test_documented_examples_decode_to_the_same_dict():
    from_xml = decode(fixture_bytes('task_ID33.xml'), 'application/xml')
    from_json = decode(fixture_bytes('task_ID33.json'), 'application/json')
    assert from_xml == from_json
    assert from_xml['deviceStatusList'][0]['updateFailureMsg'] == ''
    assert from_xml['updatedCount'] == '1'


def test_a_single_device_is_a_list_in_xml():
    body = (
        XML_HEAD
        + b'<routeUpdateTaskDetails><deviceStatusList><objectId>ID1</objectId></deviceStatusList></routeUpdateTaskDetails>'
    )
    assert decode(body) == {'deviceStatusList': [{'objectId': 'ID1'}]}


def test_repeated_unknown_elements_become_a_list_and_single_ones_stay_scalar():
    body = (
        b'<routeUpdateTaskDetails><note>a</note><note>b</note><note>c</note><other>x</other></routeUpdateTaskDetails>'
    )
    assert decode(body) == {'note': ['a', 'b', 'c'], 'other': 'x'}


def test_namespaces_comments_and_nil_are_handled():
    body = (
        b'<s:routeUpdateTaskDetails xmlns:s="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        b'<!-- a comment --><s:updateStatus>Completed</s:updateStatus><notes xsi:nil="true"/><empty/>'
        b'</s:routeUpdateTaskDetails>'
    )
    assert decode(body) == {'updateStatus': 'Completed', 'notes': None, 'empty': ''}


def test_an_empty_root_is_an_empty_dict():
    assert decode(b'<routeUpdateTaskDetails/>') == {}


@pytest.mark.parametrize(
    'body, expected',
    [
        (b'', 'empty body'),
        (b'   \n\t ', 'empty body'),
        (None, 'empty body'),
        (b'garbage, not a document', 'neither XML nor JSON'),
        (b'\x00\x01\x02\xff', 'neither XML nor JSON'),
    ],
)
def test_empty_and_garbage_bodies_name_what_was_expected(body, expected):
    message = bad_answer(body, None)
    assert expected in message
    assert 'route update task details' in message
    assert '<routeUpdateTaskDetails>' in message


def test_truncated_xml_is_a_bad_answer():
    body = fixture_bytes('task_ID33.xml')
    message = bad_answer(body[: len(body) // 2])
    assert 'invalid XML' in message and WHAT in message


def test_truncated_json_is_a_bad_answer():
    body = fixture_bytes('task_ID33.json')
    message = bad_answer(body[: len(body) // 2], 'application/json')
    assert 'invalid JSON' in message and WHAT in message


@pytest.mark.parametrize('content_type', ['text/html; charset=utf-8', None, 'application/octet-stream'])
def test_an_html_page_is_named_with_its_text(content_type):
    body = (
        b'<!DOCTYPE html><html><head><title>Apache Tomcat - Error</title><style>p {color: red}</style></head>'
        b'<body><h1>HTTP Status 500 - Internal Server Error</h1></body></html>'
    )
    message = bad_answer(body, content_type)
    assert 'HTML page' in message
    assert 'HTTP Status 500 - Internal Server Error' in message
    assert '<h1>' not in message and 'color: red' not in message


def test_the_wrong_root_element_is_named():
    message = bad_answer(XML_HEAD + b'<session><sessionId>x</sessionId></session>')
    assert '<session>' in message and '<routeUpdateTaskDetails>' in message


def test_a_json_array_is_not_an_object():
    assert 'JSON array' in bad_answer(b'[{"updateStatus": "Completed"}]', 'application/json')


def test_json_wrapped_in_the_root_name_is_unwrapped():
    body = json.dumps({ROOT: {'updateStatus': 'Completed'}}).encode()
    assert decode(body, 'application/json') == {'updateStatus': 'Completed'}


def test_json_nested_too_deep_is_refused():
    body = b'[' * 100000 + b']' * 100000
    assert 'JSON' in bad_answer(body, 'application/json')


@pytest.mark.parametrize(
    'body',
    [
        # Billion laughs: entity expansion.
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<routeUpdateTaskDetails><updateStatus>&lol2;</updateStatus></routeUpdateTaskDetails>',
        # XXE: an external entity reading a local file.
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<routeUpdateTaskDetails><updateStatus>&xxe;</updateStatus></routeUpdateTaskDetails>',
        # External DTD over the network.
        b'<?xml version="1.0"?><!DOCTYPE routeUpdateTaskDetails SYSTEM "http://127.0.0.1:1/evil.dtd">'
        b'<routeUpdateTaskDetails><updateStatus>Completed</updateStatus></routeUpdateTaskDetails>',
        # Lower-case and spaced declarations are declarations too.
        b'<!doctype routeUpdateTaskDetails><routeUpdateTaskDetails/>',
    ],
)
def test_doctype_and_entity_declarations_are_refused(body):
    assert 'DOCTYPE or entity declaration' in bad_answer(body)


def test_a_doctype_in_utf16_is_refused_after_parsing():
    body = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r><routeUpdateTaskDetails/>'.encode('utf-16')
    assert 'DOCTYPE' in bad_answer(body)


def test_an_undefined_entity_reference_is_invalid_xml():
    assert 'invalid XML' in bad_answer(b'<routeUpdateTaskDetails><a>&undefined;</a></routeUpdateTaskDetails>')


def test_the_size_bound_is_checked_before_parsing():
    body = b'<routeUpdateTaskDetails>' + b' ' * 2048 + b'</routeUpdateTaskDetails>'
    assert decode(body, max_bytes=4096) == {}
    message = bad_answer(body, max_bytes=1024)
    assert 'more than the limit of 1024' in message


def test_the_depth_bound_is_enforced():
    body = b'<routeUpdateTaskDetails>' + b'<a>' * 40 + b'x' + b'</a>' * 40 + b'</routeUpdateTaskDetails>'
    assert 'deeper than 32' in bad_answer(body)
    assert decode(body, max_depth=64)['a']['a']['a']


@pytest.mark.parametrize(
    'body, content_type, expected',
    [
        (b'{"a": 1}', 'application/json;charset=UTF-8', JSON),
        (b'<a/>', 'application/xml; charset=UTF-8', XML),
        (b'<a/>', 'text/xml', XML),
        (b'<a/>', 'application/vnd.sdm+xml', XML),
        (b'{}', 'application/problem+json', JSON),
        (b'<html></html>', 'text/html', HTML),
        # Content-Type missing or generic: sniff the first non-space byte.
        (b'  \n{"a": 1}', None, JSON),
        (b'\xef\xbb\xbf<a/>', 'text/plain', XML),
        (b'\r\n<HTML><body>x</body></HTML>', '', HTML),
        (b'[1]', 'application/octet-stream', JSON),
        (b'plain words', 'text/plain', None),
    ],
)
def test_the_content_type_decides_and_sniffing_is_the_fallback(body, content_type, expected):
    assert detect_format(body, content_type) == expected


def test_a_json_body_labelled_xml_is_decoded_as_xml_and_refused():
    assert 'invalid XML' in bad_answer(fixture_bytes('task_ID33.json'), 'application/xml')


@pytest.mark.parametrize(
    'body, expected',
    [
        (None, ''),
        (b'', ''),
        (b'<html><body><p>The session ID   is\n invalid</p></body></html>', 'The session ID is invalid'),
        (b'<script>alert(1)</script>Forbidden &amp; gone', 'Forbidden & gone'),
        (b'tab\there\x00null', 'tab here null'),
        (b'x' * 500, 'x' * 197 + '...'),
    ],
)
def test_text_excerpt_is_short_single_line_and_without_tags(body, expected):
    assert text_excerpt(body) == expected


def test_text_excerpt_survives_invalid_utf8():
    assert text_excerpt(b'caf\xe9 au lait') == 'caf\ufffd au lait'


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=512), st.sampled_from([None, 'application/xml', 'application/json', 'text/html', 'text/plain'])
)
def test_any_body_decodes_to_a_dict_or_a_bad_answer(body, content_type):
    try:
        result = decode(body, content_type)
    except SdmBadAnswerError as exc:
        assert WHAT in exc.message or 'refused' in exc.message
    else:
        assert isinstance(result, dict)


@settings(max_examples=100, deadline=None)
@given(fixture_cut=st.integers(min_value=0, max_value=len(fixture_bytes('task_ID33.xml').rstrip()) - 1))
def test_every_truncation_of_the_xml_example_is_a_bad_answer(fixture_cut):
    with pytest.raises(SdmBadAnswerError):
        decode(fixture_bytes('task_ID33.xml')[:fixture_cut])


@pytest.mark.parametrize(
    'body, content_type, items',
    [
        (b'<routeUpdateTaskDetails><a>1</a><b/><!-- x --></routeUpdateTaskDetails>', 'application/xml', 4),
        (b'{"deviceStatusList": [{"a": "1"}, {"b": "["}]}', 'application/json', 5),
    ],
)
def test_a_body_with_more_items_than_the_limit_is_refused_before_parsing(body, content_type, items):
    """The count is taken from the markup bytes, never below the real number (a comment or a '[' in a string count too)."""
    assert decode(body, content_type, max_items=items)
    with pytest.raises(
        SdmBadAnswerError,
        match='up to %d (elements|objects and arrays), more than the limit of %d' % (items, items - 1),
    ):
        decode(body, content_type, max_items=items - 1)


def test_the_documented_answers_are_far_below_the_item_limit():
    for name, content_type in (('task_ID33.json', 'application/json'), ('task_ID33.xml', 'application/xml')):
        assert decode(fixture_bytes(name), content_type, max_items=60)


@pytest.mark.parametrize(
    'body',
    [
        b'<?xml version="1.0" encoding="UTF-7"?><routeUpdateTaskDetails>+ADw-a/+AD4-</routeUpdateTaskDetails>',
        '<?xml version="1.0" encoding="UTF-16"?><routeUpdateTaskDetails/>'.encode('cp500'),  # EBCDIC
        ('<?xml version="1.0" encoding="UTF-7"?><routeUpdateTaskDetails/>').encode('utf-16'),
    ],
)
def test_xml_in_an_encoding_that_could_hide_elements_from_the_count_is_refused(body):
    assert re.match(
        'refused the XML answer [(]route update task details[)]: encoding UTF-7; SDM sends UTF-8$|'
        'expected route update task details as XML <routeUpdateTaskDetails>, got invalid XML: it does not start',
        bad_answer(body),
    )


@pytest.mark.parametrize(
    'body',
    [
        '<?xml version="1.0" encoding="ISO-8859-1"?><routeUpdateTaskDetails><u>Caf\xe9</u></routeUpdateTaskDetails>'.encode(
            'latin-1'
        ),
        '<?xml version="1.0" encoding="UTF-16"?><routeUpdateTaskDetails><u>Caf\xe9</u></routeUpdateTaskDetails>'.encode(
            'utf-16'
        ),
        '<?xml version="1.0" encoding="utf-8"?><routeUpdateTaskDetails><u>Caf\xe9</u></routeUpdateTaskDetails>'.encode(
            'utf-8'
        ),
    ],
)
def test_xml_in_the_usual_encodings_is_read(body):
    assert decode(body) == {'u': 'Caf\xe9'}

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fuzzing the decoders, the normaliser and the task path: whatever SDM, or a proxy in front of it,
sends, only the client's typed errors escape, with a short one-line message.

Generated XML and JSON bodies (a thousand per format), byte-level and structural mutations of the
documented examples (fixtures/task_ID33.*), pending-task lists, hostile task ids, and secrets echoed in
any mix of escapes. Every test is derandomised, so CI sees the same examples on every run.
"""

from __future__ import annotations

import html.entities
import json
import re
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape, quoteattr

import pytest
import requests
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from ansible_collections.ocsdm.route_manager.plugins.module_utils._sdm_api import TASKS_PATH, task_path
from ansible_collections.ocsdm.route_manager.plugins.module_utils._secrets import REDACTED as SECRET_MASK
from ansible_collections.ocsdm.route_manager.plugins.module_utils._secrets import hide_secrets
from ansible_collections.ocsdm.route_manager.plugins.module_utils._decode import decode_body, text_excerpt
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmBadAnswerError, SdmInputError
from ansible_collections.ocsdm.route_manager.plugins.module_utils._normalise import (
    COUNT_KEYS,
    DERIVED_KEYS,
    DEVICE_FIELDS,
    DEVICE_KEYS,
    TASK_FIELDS,
    TASK_KEYS,
    normalise_task,
    pending_task_ids,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.sdm_fakes import fixture_bytes


def fuzz(examples):
    """Deterministic, no deadline (a shared CI machine), no example database in the work tree."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


MATCHER = StateMatcher()
TASK_ROOT, TASK_WHAT = 'routeUpdateTaskDetails', 'route update task details'
LIST_ROOT, LIST_WHAT = 'routeUpdateTasks', 'the list of pending route update tasks'
XML_DECLARATION = '<?xml version="1.0" encoding="%s" standalone="yes"?>'
XSI = 'http://www.w3.org/2001/XMLSchema-instance'
MAX_MESSAGE = 600

# Names SDM documents (so the normaliser's paths are hit) and arbitrary ones.
DOCUMENTED = sorted(
    set(TASK_FIELDS) | set(DEVICE_FIELDS) | {'deviceStatusList', 'routeUpdateTaskList', 'taskId', 'id', 'name'}
)
WORDS = [
    'Completed',
    'Failed',
    'InProgress',
    'Unknown',
    'PARTIALLY_COMPLETED',
    'in progress',
    'RolledBack',
    '',
    ' ',
    '0',
    '-1',
    '1e3',
    '0x10',
    '99999999999999999999999',
    '\u0661\u0662',
    'NaN',
]

names = st.one_of(
    st.sampled_from(DOCUMENTED), st.text(alphabet='abcXYZ_-.09', max_size=12).map(lambda name: 'n' + name)
)
texts = st.one_of(st.sampled_from(WORDS), st.text(max_size=24))
content_types = st.sampled_from(
    [
        None,
        '',
        'application/xml',
        'text/xml; charset=UTF-8',
        'application/json',
        'application/json;charset=UTF-8',
        'text/plain',
        'text/html',
        'application/octet-stream',
    ]
)

# XML: trees of (name, style, text) leaves and (name, style, [children]) nodes; the style dresses the element.
styles = st.sampled_from(['plain', 'plain', 'plain', 'cdata', 'nil', 'namespace', 'comment', 'attribute'])
xml_trees = st.recursive(
    st.tuples(names, styles, texts),
    lambda children: st.tuples(names, styles, st.lists(children, max_size=4)),
    max_leaves=12,
)

# JSON: any JSON value, task-shaped objects more often than not.
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(DOCUMENTED), st.text(max_size=12)), children, max_size=4),
    ),
    max_leaves=8,
)
field_values = st.one_of(texts, json_scalars, json_values)
json_devices = st.lists(
    st.one_of(st.dictionaries(st.sampled_from(sorted(DEVICE_FIELDS)), field_values, max_size=14), json_values),
    max_size=4,
)
json_tasks = st.tuples(
    st.fixed_dictionaries(
        {},
        optional=dict(
            {name: field_values for name in TASK_FIELDS},
            deviceStatusList=st.one_of(json_devices, json_values),
            routeUpdateTaskList=st.lists(
                st.dictionaries(st.sampled_from(['taskId', 'objectId', 'id', 'name']), field_values, max_size=3),
                max_size=4,
            ),
        ),
    ),
    st.dictionaries(st.text(max_size=12), json_values, max_size=3),
).map(lambda parts: dict(parts[1], **parts[0]))
json_documents = st.one_of(json_tasks, json_tasks.map(lambda task: {TASK_ROOT: task}), json_values)


def render(tree):
    """One element, dressed as SDM or a proxy might dress it."""
    name, style, content = tree
    if isinstance(content, list):
        inner = ''.join(render(child) for child in content)
    elif style == 'cdata' and ']]>' not in content:
        inner = '<![CDATA[%s]]>' % content
    else:
        inner = escape(content)
    start = name
    if style == 'nil':
        start += ' xsi:nil="true" xmlns:xsi="%s"' % XSI
    elif style == 'namespace':
        start, name = 'sdm:%s xmlns:sdm="urn:sdm"' % name, 'sdm:' + name
    elif style == 'attribute':
        start += ' note=%s' % quoteattr(name)
    elif style == 'comment':
        inner = '<!-- %s -->%s' % (name, inner)
    return '<%s>%s</%s>' % (start, inner, name)


def encoded(document, encoding):
    """The document as bytes: without declaration, with a BOM, or declared in an encoding."""
    if encoding == 'none':
        return document.encode('utf-8')
    if encoding == 'BOM':
        return b'\xef\xbb\xbf' + document.encode('utf-8')
    return ((XML_DECLARATION % encoding) + document).encode(encoding.lower(), errors='xmlcharrefreplace')


xml_bodies = st.builds(
    lambda root, children, encoding: encoded(render((root, 'plain', children)), encoding),
    st.sampled_from([TASK_ROOT, TASK_ROOT, TASK_ROOT, LIST_ROOT, 'session']),
    st.lists(xml_trees, max_size=5),
    st.sampled_from(['UTF-8', 'UTF-8', 'none', 'BOM', 'UTF-16', 'ISO-8859-1']),
)


def check_message(error):
    """A typed refusal a human can read in one line of a failed task."""
    assert isinstance(error, SdmBadAnswerError)
    assert error.message and '\n' not in error.message and len(error.message) <= MAX_MESSAGE, error.message[:300]


def check_task(task, warnings):
    json.dumps(task)  # a module result must serialise
    assert set(TASK_KEYS + DERIVED_KEYS) <= set(task) and task['task_id'] == 'ID33'
    for key in COUNT_KEYS:
        assert task[key] is None or isinstance(task[key], (int, str))
    assert all(
        isinstance(task[key], bool) for key in ('finished', 'succeeded', 'rollback_finished', 'rollback_succeeded')
    )
    assert task['finished'] or not task['succeeded']
    assert all(isinstance(device, dict) and set(DEVICE_KEYS) <= set(device) for device in task['devices'])
    assert all(any(failed is device for device in task['devices']) for failed in task['failed_devices'])
    assert all(isinstance(warning, str) and '\n' not in warning and len(warning) <= MAX_MESSAGE for warning in warnings)


def task_pipeline(body, content_type):
    """Decode as task details and normalise, as `SdmClient.read_task` does: a task, or None after a typed refusal."""
    try:
        raw = decode_body(body, content_type, TASK_ROOT, TASK_WHAT)
        assert isinstance(raw, dict)
        task, warnings = normalise_task(raw, 'ID33', MATCHER)
    except SdmBadAnswerError as error:
        check_message(error)
        event('task: refused')  # --hypothesis-show-statistics shows how often each path was taken
        return None
    check_task(task, warnings)
    event('task: normalised')
    return task


def pending_pipeline(body, content_type):
    """Decode as the pending list and take the task ids, as `SdmClient.list_pending_task_ids` does."""
    try:
        ids = pending_task_ids(decode_body(body, content_type, LIST_ROOT, LIST_WHAT))
    except SdmBadAnswerError as error:
        check_message(error)
        event('pending list: refused')
        return None
    event('pending list: read')
    assert all(isinstance(task_id, str) and task_id and task_id == task_id.strip() for task_id in ids)
    assert len(ids) == len(set(ids))
    return ids


def deep_json(depth):
    return ('{"updateStatus": "Completed", "notes": %s1%s}' % ('{"x": ' * depth, '}' * depth)).encode()


@fuzz(1000)
@given(
    body=xml_bodies, content_type=st.sampled_from([None, 'application/xml', 'text/xml; charset=UTF-8', 'text/plain'])
)
# Found by this suite: an unbounded element name made an unbounded message.
@example(body=b'<' + b'n' * 10000 + b'/>', content_type='application/xml')
def test_generated_xml_bodies_give_a_task_or_a_typed_refusal(body, content_type):
    task_pipeline(body, content_type)
    pending_pipeline(body, content_type)


@fuzz(1000)
@given(
    document=json_documents,
    ascii_only=st.booleans(),
    content_type=st.sampled_from([None, 'application/json', 'text/plain']),
)
def test_generated_json_bodies_give_a_task_or_a_typed_refusal(document, ascii_only, content_type):
    body = json.dumps(document, ensure_ascii=ascii_only).encode('utf-8', errors='surrogatepass')
    task_pipeline(body, content_type)
    pending_pipeline(body, content_type)


# Found by this suite: JSON nested some hundred levels deep escaped as a RecursionError from the normaliser.
@fuzz(50)
@given(depth=st.integers(min_value=1, max_value=5000))
@example(depth=500)
@example(depth=990)
def test_deeply_nested_json_is_a_typed_refusal(depth):
    # The document and `depth` objects in it: refused beyond 32 levels, as XML is.
    assert (task_pipeline(deep_json(depth), 'application/json') is None) == (depth + 1 > 32)


@pytest.mark.parametrize(
    'body, content_type, cause',
    [
        (deep_json(40), 'application/json', 'objects and arrays nest deeper than 32 levels'),
        (b'<' + b'n' * 10000 + b'/>', 'application/xml', 'got the root element <' + 'n' * 57 + '...>'),
        (
            b'\x00\x1f\x8b\x08 \xff\xfe<routeUpdate{"not": json}',
            'application/json',
            'got bytes that are not UTF-8 text (byte 2)',
        ),
    ],
    ids=['deep-json', 'long-root-name', 'json-not-utf8'],
)
def test_the_refusals_found_by_fuzzing_name_their_cause(body, content_type, cause):
    with pytest.raises(SdmBadAnswerError) as caught:
        decode_body(body, content_type, TASK_ROOT, TASK_WHAT)
    assert cause in caught.value.message


TOKENS = [
    b'<',
    b'>',
    b'/',
    b'&',
    b'&amp;',
    b'&#0;',
    b'&#x110000;',
    b'"',
    b"'",
    b'{',
    b'}',
    b'[',
    b']',
    b',',
    b':',
    b'\x00',
    b'\xff\xfe',
    b'\xc3',
    b'<!DOCTYPE x>',
    b'<!ENTITY e "e">',
    b'<![CDATA[',
    b']]>',
    b'<?pi x?>',
    b'\\u0000',
    b'\\ud800',
    b'1e999',
    b'-0',
    b'null',
    b'true',
    b'<deviceStatusList>',
    b'</deviceStatusList>',
    b'"deviceStatusList": ',
]
mutations = st.lists(
    st.tuples(
        st.sampled_from(['flip', 'delete', 'insert', 'duplicate', 'token']),
        st.integers(min_value=0),
        st.integers(min_value=0, max_value=64),
        st.binary(max_size=8),
        st.sampled_from(TOKENS),
    ),
    min_size=1,
    max_size=6,
)


def mutate(body, steps):
    """Apply byte-level mutations; positions wrap around the current body."""
    data = bytearray(body)
    for operation, position, length, payload, token in steps:
        at = position % (len(data) + 1)
        if operation == 'flip' and data:
            data[at % len(data)] ^= 1 << (length % 8)
        elif operation == 'delete':
            del data[at : at + length]
        elif operation == 'insert':
            data[at:at] = payload
        elif operation == 'duplicate':
            data[at:at] = data[at : at + length]
        else:
            data[at:at] = token
    return bytes(data)


@fuzz(1000)
@given(name=st.sampled_from(['task_ID33.xml', 'task_ID33.json']), steps=mutations, content_type=content_types)
def test_byte_mutations_of_the_documented_examples_give_a_task_or_a_typed_refusal(name, steps, content_type):
    task_pipeline(mutate(fixture_bytes(name), steps), content_type)


def _paths(value, prefix=()):
    """Every path into a JSON document, the document itself first."""
    yield prefix
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from _paths(item, prefix + (key,))


def _replace(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


@fuzz(500)
@given(data=st.data())
def test_structural_mutations_of_the_json_example_give_a_task_or_a_typed_refusal(data):
    document = json.loads(fixture_bytes('task_ID33.json'))
    for _step in range(data.draw(st.integers(min_value=1, max_value=4))):
        path = data.draw(st.sampled_from(list(_paths(document))))
        document = _replace(document, path, data.draw(json_values))
    task_pipeline(json.dumps(document).encode(), 'application/json')


XML_LEAF = re.compile(r'<(\w+)>([^<]*)</\1>')


@fuzz(500)
@given(data=st.data())
def test_structural_mutations_of_the_xml_example_give_a_task_or_a_typed_refusal(data):
    document = fixture_bytes('task_ID33.xml').decode('utf-8')
    for _step in range(data.draw(st.integers(min_value=1, max_value=4))):
        leaves = list(XML_LEAF.finditer(document))
        leaf = data.draw(st.sampled_from(leaves)) if leaves else None
        if leaf is None:
            break
        name, _text = leaf.groups()
        replacement = data.draw(
            st.one_of(
                texts.map(lambda text, name=name: '<%s>%s</%s>' % (name, escape(text), name)),  # another value
                names.map(lambda other, text=_text: '<%s>%s</%s>' % (other, escape(text), other)),  # another name
                st.lists(xml_trees, max_size=3).map(lambda trees, name=name: render((name, 'plain', trees))),
                st.just(''),  # gone
                st.just(leaf.group(0) * 2),  # repeated
            )
        )
        document = document[: leaf.start()] + replacement + document[leaf.end() :]
    task_pipeline(document.encode('utf-8'), 'application/xml')


@fuzz(500)
@given(body=st.binary(max_size=512), content_type=content_types)
def test_random_bytes_give_a_task_or_a_typed_refusal(body, content_type):
    task_pipeline(body, content_type)
    pending_pipeline(body, content_type)


@fuzz(500)
@given(
    body=st.one_of(
        st.binary(max_size=2048), st.text(max_size=2048).map(lambda text: text.encode('utf-8', 'surrogatepass'))
    )
)
def test_an_error_excerpt_is_always_one_short_printable_line(body):
    excerpt = text_excerpt(body)
    assert len(excerpt) <= 200 and excerpt == excerpt.strip() and excerpt.isprintable()


HOSTILE_IDS = [
    '..',
    '.',
    '../admin/logout',
    '%2e%2e/',
    '%2e%2e',
    'ID5?x=1',
    'ID5#x',
    'ID 5',
    '\u00e9t\u00e9',
    ';jsessionid=x',
    'ID5/action',
]


@fuzz(1000)
@given(task_id=st.one_of(st.text(max_size=300), st.sampled_from(HOSTILE_IDS)))
def test_a_task_id_is_refused_or_stays_one_segment_of_the_task_path(task_id):
    """Through requests' URL preparation too: no dot segment is resolved, nothing leaves the task path."""
    try:
        path = task_path(task_id)
    except SdmInputError as error:
        assert error.message and len(error.message) <= MAX_MESSAGE
        return
    base = 'https://sdm.example.com:8443/rest/v1.3'
    sent = requests.Request('GET', base + path).prepare().path_url
    prefix = '/rest/v1.3%s/' % TASKS_PATH
    assert sent.startswith(prefix)
    segment = sent[len(prefix) :]
    assert not set('/?#') & set(segment) and unquote(segment) == task_id


# Secrets echoed escaped -------------------------------------------------------------------------


def _json_escaped(char):
    return json.dumps(char)[1:-1]


def _json_hex_upper(char):
    return ''.join('\\u%04X' % unit for unit in _utf16_units(char))


def _utf16_units(char):
    encoded = char.encode('utf-16-be', 'surrogatepass')
    return [int.from_bytes(encoded[index : index + 2], 'big') for index in range(0, len(encoded), 2)]


# How a server may echo one character of a secret: each character of a fuzzed echo takes one of these.
ESCAPES = {
    'raw': lambda char: char,
    'json': _json_escaped,
    'json-unicode': lambda char: json.dumps(char, ensure_ascii=False)[1:-1],
    'json-hex-upper': _json_hex_upper,
    'json-slash': lambda char: '\\/' if char == '/' else _json_escaped(char),
    'xml': lambda char: escape(char, {'"': '&quot;', "'": '&apos;'}),
    'decimal-reference': lambda char: '&#%d;' % ord(char),
    'padded-reference': lambda char: '&#00%d;' % ord(char),
    'hex-reference': lambda char: '&#x%x;' % ord(char),
    'hex-reference-upper': lambda char: '&#X%X;' % ord(char),
    'html-name': lambda char: (
        '&%s;' % html.entities.codepoint2name[ord(char)] if ord(char) in html.entities.codepoint2name else char
    ),
    'percent': lambda char: quote(char, safe=''),
    'percent-lower': lambda char: re.sub('%[0-9A-F]{2}', lambda match: match.group(0).lower(), quote(char, safe='')),
    'form': lambda char: '+' if char == ' ' else quote(char, safe=''),
}
# The characters servers escape most, and any others (not '*': the mask is made of it).
secret_chars = st.one_of(
    st.sampled_from('"\\&<>\'/ %+#;\n\t\u00e9\u00f6\u20ac\U0001f600'),
    st.characters(blacklist_categories=('Cs',), blacklist_characters='*'),
)


@fuzz(1000)
@given(
    data=st.data(),
    secret=st.text(secret_chars, min_size=3, max_size=24),
    before=st.text(max_size=20),
    after=st.text(max_size=20),
)
@example(data=None, secret='P"a\\ss&<w\u00f6rd>', before='password ', after=' rejected')
def test_a_secret_echoed_in_any_mix_of_escapes_is_hidden(data, secret, before, after):
    if data is None:  # the explicit example: every character escaped the JSON way
        forms = ['json'] * len(secret)
    else:
        forms = data.draw(
            st.lists(st.sampled_from(sorted(ESCAPES)), min_size=len(secret), max_size=len(secret)), label='forms'
        )
    echoed = ''.join(ESCAPES[form](char) for char, form in zip(secret, forms))
    event('escapes used: %d kinds' % len(set(forms)))
    hidden = hide_secrets(before + echoed + after, [secret])
    assert echoed not in hidden and SECRET_MASK in hidden
    assert (
        hide_secrets(hidden, [secret]) == hidden
    )  # no form of the secret is left, not even one the replacement joined


def test_a_secret_with_a_lone_surrogate_is_hidden_without_failing():
    """Found by the fuzzing: JSON can carry a lone surrogate into a password, and the scrubber raised UnicodeEncodeError."""
    secret = 'ab\ud800cd'
    assert hide_secrets('x %s y \\u00%s' % (secret, 'e9'), [secret]) == 'x %s y \\u00e9' % SECRET_MASK
    assert hide_secrets('x ab\\ud800cd y', [secret]) == 'x %s y' % SECRET_MASK

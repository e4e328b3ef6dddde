# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""XML decoded a chunk at a time (issue 26): the same dict whatever the chunking, and the tree freed as it goes."""

from __future__ import annotations

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils import _decode
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmBadAnswerError

ROOT = 'routeUpdateTaskDetails'
DEVICE = (
    b'<deviceStatusList>\n  <objectId>D%d</objectId>\n  <status>Completed</status>\n  <updateFailureMsg>  </updateFailureMsg>'
    b'\n  <x><y>\n</y><y>2</y></x>\n</deviceStatusList>\n'
)
BODY = b'<?xml version="1.0"?>\n<%s>\n  <taskId>T1</taskId>\n%s<updateStatus> </updateStatus></%s>' % (
    ROOT.encode(),
    b''.join(DEVICE % number for number in range(40)),
    ROOT.encode(),
)


def _decoded(monkeypatch, feed_bytes):
    monkeypatch.setattr(_decode, '_FEED_BYTES', feed_bytes)
    return _decode.decode_body(BODY, 'application/xml', ROOT, 'the task')


def test_every_chunking_gives_the_dict_of_one_chunk_blank_leaf_text_kept(monkeypatch):
    whole = _decoded(monkeypatch, len(BODY) + 1)
    assert whole['updateStatus'] == ' '
    assert len(whole['deviceStatusList']) == 40
    assert whole['deviceStatusList'][39] == {
        'objectId': 'D39',
        'status': 'Completed',
        'updateFailureMsg': '  ',
        'x': {'y': ['\n', '2']},
    }
    for feed_bytes in (64, 100, 257, 1000):
        assert _decoded(monkeypatch, feed_bytes) == whole, feed_bytes


def test_chunks_end_after_a_closing_bracket():
    pieces = list(_decode._chunks(BODY, 100))
    assert b''.join(pieces) == BODY
    assert all(piece.endswith(b'>') for piece in pieces)


def test_a_doctype_in_utf_16_is_refused_before_anything_is_converted(monkeypatch):
    monkeypatch.setattr(_decode, '_FEED_BYTES', 64)
    body = ('<!DOCTYPE %s [<!ENTITY e "x">]><%s><a>&e;</a></%s>' % (ROOT, ROOT, ROOT)).encode('utf-16')
    with pytest.raises(SdmBadAnswerError, match='DOCTYPE'):
        _decode.decode_body(body, 'application/xml', ROOT, 'the task')


def test_another_root_is_named_in_the_error(monkeypatch):
    monkeypatch.setattr(_decode, '_FEED_BYTES', 64)
    with pytest.raises(SdmBadAnswerError, match='got the root element <other>'):
        _decode.decode_body(b'<other><%s/></other>' % ROOT.encode(), 'application/xml', ROOT, 'the task')

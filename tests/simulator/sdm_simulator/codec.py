# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""XML and JSON on the wire, the way SDM writes them.

A document is a root name and ordered fields whose values are strings or lists of field mappings.
XML repeats an element per list item; JSON leaves out the root element, turns repeated elements into
arrays named after the element, and writes every scalar as a string.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

JSON = "json"
XML = "xml"
JSON_TYPE = "application/json"
XML_TYPE = "application/xml"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'

Fields = Mapping[str, Union[str, List[Mapping[str, Any]]]]


class BodyError(ValueError):
    """A request body that cannot be read; SDM answers 400."""


def answer_format(accept: Optional[str]) -> str:
    """JSON when the client asks for it before (or instead of) XML; XML otherwise, as in SDM's examples."""
    accept = (accept or "").lower()
    json_at = accept.find(JSON_TYPE)
    xml_at = min((at for at in (accept.find(XML_TYPE), accept.find("text/xml")) if at >= 0), default=-1)
    if json_at >= 0 and (xml_at < 0 or json_at < xml_at):
        return JSON
    return XML


def encode(
    root: str, fields: Fields, fmt: str, *, xml_indent: bool = True, omit_empty_lists: bool = False
) -> Tuple[bytes, str]:
    """The body and its Content-Type."""
    if fmt == JSON:
        document = _json_fields(fields, omit_empty_lists)
        return json.dumps(document).encode("utf-8"), JSON_TYPE
    element = _xml_element(root, fields)
    if xml_indent:
        _indent(element)
    separator = "\n" if xml_indent else ""
    text = XML_DECLARATION + separator + ET.tostring(element, encoding="unicode", short_empty_elements=False)
    return text.encode("utf-8"), XML_TYPE


def _json_fields(fields: Fields, omit_empty_lists: bool) -> Dict[str, Any]:
    document: Dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, list) and not value and omit_empty_lists:
            continue
        document[key] = _json_value(value, omit_empty_lists)
    return document


def _json_value(value: Any, omit_empty_lists: bool) -> Any:
    # a scenario's answer_fields may hold mappings and lists of any value; scalars are strings, as SDM writes them
    if isinstance(value, dict):
        return _json_fields(value, omit_empty_lists)
    if isinstance(value, list):
        return [_json_value(item, omit_empty_lists) for item in value]
    return str(value)


def _xml_element(tag: str, fields: Fields) -> ET.Element:
    element = ET.Element(tag)
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:  # a list: the element repeated
            if isinstance(item, dict):
                element.append(_xml_element(key, item))
            else:
                ET.SubElement(element, key).text = str(item)
    return element


def _indent(element: ET.Element, level: int = 0) -> None:
    """Indent like a pretty-printing JAXB marshaller (ElementTree.indent needs Python 3.9)."""
    children = list(element)
    if not children:
        return
    element.text = "\n" + "    " * (level + 1)
    for child in children:
        _indent(child, level + 1)
        child.tail = "\n" + "    " * (level + 1)
    children[-1].tail = "\n" + "    " * level


_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# Repeated elements that are lists by meaning, also with one item.
LIST_ELEMENTS = ("deviceStatusList", "routeUpdateTaskList")


def decode_document(body: bytes, content_type: Optional[str]) -> Dict[str, Any]:
    """An answer document (task details, pending list, session) as nested dicts of strings, the list elements as lists."""
    if _body_format(body, content_type) == JSON:
        return _json_object(body)
    return _element_fields(_xml_root(body))


def _element_fields(element: ET.Element) -> Dict[str, Any]:
    fields: Dict[str, Any] = {}
    for child in element:
        if len(child) or child.tag in LIST_ELEMENTS:
            fields.setdefault(child.tag, []).append(_element_fields(child))
        else:
            fields[child.tag] = child.text or ""
    return fields


def decode_flat(body: bytes, content_type: Optional[str], root: str) -> Dict[str, str]:
    """A request body with string fields only (login, action), in XML or JSON."""
    if not body.strip():
        raise BodyError("the request body is empty")
    if _body_format(body, content_type) == JSON:
        return _decode_json(body)
    return _decode_xml(body, root)


def _body_format(body: bytes, content_type: Optional[str]) -> str:
    content_type = (content_type or "").lower()
    if "json" in content_type:
        return JSON
    if "xml" in content_type:
        return XML
    return JSON if body.lstrip().startswith(b"{") else XML


def _json_object(body: bytes) -> Dict[str, Any]:
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BodyError(f"malformed JSON body: {exc}") from None
    if not isinstance(document, dict):
        raise BodyError("the JSON body must be an object")
    return document


def _decode_json(body: bytes) -> Dict[str, str]:
    document = _json_object(body)
    for key, value in document.items():
        if not isinstance(value, str):
            raise BodyError(f"field {key} must be a string")
    return document


def _xml_root(body: bytes) -> ET.Element:
    if _DTD.search(body):
        raise BodyError("XML with a DTD or entities is not accepted")
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise BodyError(f"malformed XML body: {exc}") from None


def _decode_xml(body: bytes, root: str) -> Dict[str, str]:
    element = _xml_root(body)
    if element.tag != root:
        raise BodyError(f"the XML root element must be <{root}>, got <{element.tag}>")
    fields: Dict[str, str] = {}
    for child in element:
        if len(child) or child.tag in fields:
            raise BodyError(f"unexpected structure in <{root}> at <{child.tag}>")
        fields[child.tag] = child.text or ""
    return fields

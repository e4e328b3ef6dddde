# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Decoding SDM answers (XML or JSON) into plain dicts.

XML goes through a hardened lxml parser: no entity expansion, no DTD, no network, bounded size and
depth, and any DOCTYPE or entity declaration is refused outright. Both formats give the same dict
shape: element names as keys, text as string values, and the repeated SDM list elements
(`LIST_ELEMENTS`) always as lists, also when they occur once.
"""

from __future__ import annotations

import html
import json
import re
import traceback
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from ._errors import SdmBadAnswerError
from ._sdm_api import JSON, XML

try:
    from lxml import etree

    LXML_IMPORT_ERROR: Optional[str] = None
except ImportError:  # only XML needs it: the glue says so for body_format=xml
    etree = None  # type: ignore[assignment]
    LXML_IMPORT_ERROR = traceback.format_exc()
HAS_LXML = LXML_IMPORT_ERROR is None

# 100,000 devices at about 600 bytes each fit with room to spare.
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
# Elements (XML) or objects and arrays (JSON) in one answer: at most one per ITEM_BYTES of the size limit
# (2,097,152 at the default; 100,000 devices are 1.4 million elements, some 38 bytes each). Bounds memory by what
# a body holds, not only by its size: tiny elements (<a/><a/>...) cost some 34 times their size once parsed,
# against 13 times for a real answer, so the size limit alone would let 64 MiB cost 2 GB.
ITEM_BYTES = 32
# SDM documents nest three levels deep; anything far deeper is not an SDM answer.
DEFAULT_MAX_DEPTH = 32
# Repeated elements that are lists by meaning, even with a single item.
LIST_ELEMENTS = frozenset(('deviceStatusList', 'routeUpdateTaskList'))

HTML = 'html'  # not SDM's: what a proxy's error page is detected as

# The types json.loads builds containers of.
_JSON_CONTAINERS = frozenset((dict, list))
_XSI_NIL = '{http://www.w3.org/2001/XMLSchema-instance}nil'
_BOMS = (b'\xef\xbb\xbf', b'\xff\xfe', b'\xfe\xff')
_HTML_START = re.compile(rb'<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])', re.IGNORECASE)
_DECLARATION = re.compile(rb'<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST)', re.IGNORECASE)
# The XML encodings read: those in which '<' and '/' are the bytes or code units the element count looks for
# (SDM sends UTF-8). Others, such as UTF-7 or EBCDIC, could hide elements from the count.
_READABLE_ENCODING = re.compile(
    r'(?:utf-?(?:8|16|32)(?:le|be)?|(?:us-)?ascii|iso-?8859-\d{1,2}|latin-?1|(?:windows|cp)-?125\d|ucs-?[24])$',
    re.IGNORECASE,
)
_XML_ENCODING = re.compile(rb'<\?xml\b[^>]*?\bencoding\s*=\s*["\']([^"\']{0,40})["\']')
_SCRIPT_OR_STYLE = re.compile(r'<(script|style)\b.*?</\1\s*>', re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r'<[^>]*>')
_SPACE = re.compile(r'\s+')


def text_excerpt(body: Optional[bytes], limit: int = 200, clean: Optional[Callable[[str], str]] = None) -> str:
    """A short single-line readable excerpt of a server's text: HTML tags stripped, whitespace collapsed.

    ``clean`` (the client's secret scrubber) sees the whole text first: a secret cut by the limit or split
    by the tag stripping would escape it afterwards.
    """
    if not body:
        return ''
    text = body[:65536].decode('utf-8', errors='replace')
    if clean is not None:
        text = clean(text)
    text = _SCRIPT_OR_STYLE.sub(' ', text)
    text = html.unescape(_TAG.sub(' ', text))
    text = ''.join(char if char.isprintable() else ' ' for char in text)
    text = _SPACE.sub(' ', text).strip()
    if len(text) > limit:
        text = text[: limit - 3].rstrip() + '...'
    return text


def detect_format(body: bytes, content_type: Optional[str]) -> Optional[str]:
    """``XML``, ``JSON`` or ``HTML`` from the Content-Type, else by sniffing the first non-space byte."""
    mime = (content_type or '').split(';', 1)[0].strip().lower()
    if mime in ('text/html', 'application/xhtml+xml'):
        return HTML
    if mime == 'application/json' or mime.endswith('+json'):
        return JSON
    if mime in ('application/xml', 'text/xml') or mime.endswith('+xml'):
        return XML
    return _sniff_format(body)


def _sniff_format(body: bytes) -> Optional[str]:
    start = body[:1024]
    for bom in _BOMS:
        if start.startswith(bom):
            start = start[len(bom) :]
            break
    start = start.lstrip()
    if start[:1] in (b'{', b'['):
        return JSON
    if start[:1] == b'<':
        return HTML if _HTML_START.match(start) else XML
    return None


def decode_body(
    body: Optional[bytes],
    content_type: Optional[str],
    root: str,
    what: str,
    max_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_items: Optional[int] = None,
    clean: Optional[Callable[[str], str]] = None,
) -> Dict[str, Any]:
    """Decode an answer that should be ``what`` (XML root element ``root``, or a JSON object).

    Raises `SdmBadAnswerError` naming what was expected for an empty, oversized, HTML, garbage,
    truncated or wrong-root body; its excerpt of the body goes through ``clean`` (see `text_excerpt`).
    """
    expected = '%s (XML <%s> or a JSON object)' % (what, root)
    if body is None or not body.strip():
        raise SdmBadAnswerError('expected %s, got an empty body' % expected)
    if len(body) > max_bytes:
        raise SdmBadAnswerError(
            'expected %s, got %d bytes, more than the limit of %d' % (expected, len(body), max_bytes)
        )
    body_format = detect_format(body, content_type)
    if body_format in (XML, JSON):
        _check_items(body, body_format, what, max_bytes // ITEM_BYTES if max_items is None else max_items)
    if body_format == XML:
        return decode_xml(body, root, what, max_depth)
    if body_format == JSON:
        return decode_json(body, root, what, max_depth)
    if body_format == HTML:
        raise SdmBadAnswerError('expected %s, got an HTML page: %s' % (expected, text_excerpt(body, clean=clean)))
    raise SdmBadAnswerError('expected %s, got neither XML nor JSON: %s' % (expected, text_excerpt(body, clean=clean)))


def _check_items(body: bytes, body_format: str, what: str, max_items: int) -> None:
    """Refuse, before parsing, a body with more elements (XML) or objects and arrays (JSON) than ``max_items``.

    Counted from the markup bytes (fast, and never less than the real number): each XML element opens with one
    '<' that does not start '</'; each JSON container opens with '{' or '['.
    """
    if body_format == XML:
        items, kind = body.count(b'<') - body.count(b'</'), 'elements'
    else:
        items, kind = body.count(b'{') + body.count(b'['), 'objects and arrays'
    if items > max_items:
        raise SdmBadAnswerError(
            'refused the %s answer (%s): up to %d %s, more than the limit of %d '
            '(one per %d bytes of max_body_bytes)' % (body_format.upper(), what, items, kind, max_items, ITEM_BYTES)
        )


def _check_encoding(body: bytes, root: str, what: str) -> None:
    """Refuse XML in an encoding the element count cannot read, before lxml decodes it.

    The head without its zero bytes shows the declaration and the first character in UTF-8, UTF-16 and UTF-32 alike.
    """
    head = body[:512].replace(b'\x00', b'')
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    head = head.lstrip()
    if not head.startswith(b'<'):
        raise SdmBadAnswerError(
            'expected %s as XML <%s>, got invalid XML: it does not start with "<" (in UTF-8, UTF-16 or UTF-32)'
            % (what, root)
        )
    declared = _XML_ENCODING.match(head)
    if declared and not _READABLE_ENCODING.match(declared.group(1).decode('ascii', 'replace')):
        raise SdmBadAnswerError(
            'refused the XML answer (%s): encoding %s; SDM sends UTF-8'
            % (what, declared.group(1).decode('ascii', 'replace'))
        )


def _xml_parser(root: str) -> Any:
    # A fresh parser per document: lxml parsers must not be shared between threads. It reports the start of
    # elements named ``root`` only (in any namespace): the root, found without an event per element. Blank text
    # between elements is dropped while parsing (a leaf's own text is kept): half the nodes of an indented answer,
    # and walking the elements without them is faster.
    return etree.XMLPullParser(
        events=('start',),
        tag='{*}' + root,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        remove_blank_text=True,
        collect_ids=False,
    )


def decode_xml(body: bytes, root: str, what: str, max_depth: int = DEFAULT_MAX_DEPTH) -> Dict[str, Any]:
    """Parse XML whose root element must be ``root`` into a dict."""
    if not HAS_LXML:
        raise SdmBadAnswerError(
            'cannot decode the XML answer (%s): the Python library lxml is not installed; '
            'install it or use body_format=json' % what
        )
    if _DECLARATION.search(body):
        raise SdmBadAnswerError('refused the XML answer (%s): it contains a DOCTYPE or entity declaration' % what)
    _check_encoding(body, root, what)
    try:
        element, value = _StreamingDecoder(max_depth, b'XMLSchema-instance' in body, what).decode(body, root)
    except etree.XMLSyntaxError as exc:
        raise SdmBadAnswerError(
            'expected %s as XML <%s>, got invalid XML: %s' % (what, root, _first_line(exc))
        ) from exc
    _refuse_declarations(element, what)
    name = _local_name(element.tag)
    if name != root:
        raise SdmBadAnswerError('expected %s as XML <%s>, got the root element <%s>' % (what, root, shortened(name)))
    return value if isinstance(value, dict) else {}


def _refuse_declarations(element: Any, what: str) -> None:
    """A DOCTYPE the byte check could not see (another encoding than UTF-8) is refused once lxml has read it."""
    docinfo = element.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise SdmBadAnswerError('refused the XML answer (%s): it contains a DOCTYPE or entity declaration' % what)


def shortened(text: str, limit: int = 60) -> str:
    """A name from the answer, short enough for a message (XML names have no length limit)."""
    return text if len(text) <= limit else text[: limit - 3] + '...'


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _local_name(tag: str) -> str:
    return tag.rpartition('}')[2] if tag[:1] == '{' else tag


# Bytes fed to the parser at a time: the tree never holds more than about this much of the answer.
_FEED_BYTES = 1024 * 1024


class _StreamingDecoder:
    """Bytes -> dict, converting the root's children as soon as they are complete and freeing them.

    The dicts are built straight from the parsed elements, a chunk of the answer at a time: the tree of a
    100,000-device answer (over a million elements) never exists whole, only the chunk being parsed does.
    After each chunk the root's children parsed so far, all but the last (which may still be open), are
    converted and deleted.
    """

    def __init__(self, max_depth: int, nil_possible: bool, what: str) -> None:
        self.converter = _Converter(max_depth, nil_possible)
        self.what = what
        self.result: Dict[str, Any] = {}

    def decode(self, body: bytes, root_name: str) -> Tuple[Any, Any]:
        """(root element, its value): a dict when it has children."""
        parser = _xml_parser(root_name)
        root = None
        for chunk in _chunks(body, _FEED_BYTES):
            parser.feed(chunk)
            if root is None:
                root = _root_started(parser)
                if root is not None:
                    # the prolog is read: nothing of a document with a DOCTYPE is converted
                    _refuse_declarations(root, self.what)
            if root is not None:
                self._convert_children(root, keep_last=True)
        whole = parser.close()
        if whole is not root:
            # the root has another name: the caller refuses it by its name
            return whole, None
        self._convert_children(root, keep_last=False)
        return root, self.result

    def _convert_children(self, root: Any, keep_last: bool) -> None:
        count = len(root) - 1 if keep_last else len(root)
        if count <= 0:
            return
        self.converter.add_all(self.result, root[:count], 2)
        del root[:count]


def _chunks(body: bytes, size: int) -> Iterator[bytes]:
    """``body`` in pieces of about ``size`` bytes, each cut just after a '>' where it can be.

    A leaf's text then arrives whole with the '</' that ends it: the parser's dropping of blank text between
    elements must see what follows a blank text to keep a leaf's own (``<a> </a>``) the same in every chunking.
    """
    start = 0
    while start < len(body):
        end = start + size
        if end < len(body):
            cut = body.rfind(b'>', start, end)
            end = cut + 1 if cut >= 0 else end
        yield body[start:end]
        start = end


def _root_started(parser: Any) -> Any:
    """The root element once its start has been parsed, else None (also when the root has another name)."""
    for _event, element in parser.read_events():
        return element if element.getparent() is None else None
    return None


class _Converter:
    """Elements -> dicts. Written for speed: 100,000 devices are over a million elements."""

    def __init__(self, max_depth: int, nil_possible: bool) -> None:
        self.max_depth = max_depth
        # Reading an attribute per leaf costs; only documents that declare xsi can carry xsi:nil.
        self.nil_possible = nil_possible

    def add_all(self, result: Dict[str, Any], elements: Any, depth: int) -> None:
        """Adds ``elements`` (siblings at ``depth``, the root is 1) to their parent's dict: repeated names become a
        list. The one loop over every element: a device's many leaves are read here, with no call per leaf."""
        nil_possible = self.nil_possible
        for child in elements:
            tag = child.tag
            name = tag.rpartition('}')[2] if tag[0] == '{' else tag
            value: Any
            if len(child):
                value = self.children(child, depth)
            elif nil_possible and child.get(_XSI_NIL) in ('true', '1'):
                value = None
            else:
                value = child.text or ''
            if name in result:
                previous = result[name]
                if isinstance(previous, list):
                    previous.append(value)
                else:
                    result[name] = [previous, value]
            elif name in LIST_ELEMENTS:
                result[name] = [value]
            else:
                result[name] = value

    def children(self, element: Any, depth: int) -> Dict[str, Any]:
        """An element with children (at ``depth``) as a dict."""
        if depth > self.max_depth:
            raise SdmBadAnswerError('refused the XML answer: elements nest deeper than %d levels' % self.max_depth)
        result: Dict[str, Any] = {}
        self.add_all(result, element, depth + 1)
        return result


def decode_json(body: bytes, root: str, what: str, max_depth: int = DEFAULT_MAX_DEPTH) -> Dict[str, Any]:
    """Parse a JSON object; an object wrapped in the XML root name (``{"root": {...}}``) is unwrapped.

    Like XML, JSON may nest at most ``max_depth`` levels: deeper data would exhaust the recursion of the
    code that reads it.
    """
    try:
        # JSON between systems is UTF-8 (RFC 8259); json.loads would guess UTF-16 or UTF-32 from zero bytes and
        # report garbage as a codec error.
        data = json.loads(body.decode('utf-8-sig') if isinstance(body, bytes) else body)
    except UnicodeDecodeError as exc:
        raise SdmBadAnswerError(
            'expected %s as a JSON object, got bytes that are not UTF-8 text (byte %d)' % (what, exc.start)
        ) from exc
    except ValueError as exc:
        raise SdmBadAnswerError(
            'expected %s as a JSON object, got invalid JSON: %s' % (what, _first_line(exc))
        ) from exc
    except RecursionError:
        raise SdmBadAnswerError('refused the JSON answer (%s): it nests too deep' % what) from None
    if _nests_deeper(data, max_depth):
        raise SdmBadAnswerError(
            'refused the JSON answer (%s): objects and arrays nest deeper than %d levels' % (what, max_depth)
        )
    if isinstance(data, dict) and len(data) == 1 and isinstance(data.get(root), dict):
        data = data[root]
    if not isinstance(data, dict):
        raise SdmBadAnswerError('expected %s as a JSON object, got a JSON %s' % (what, _json_type(data)))
    return data


def _nests_deeper(data: Any, max_depth: int) -> bool:
    """Whether JSON containers nest deeper than ``max_depth`` (the top level is 1); level by level, without recursion.

    A container whose items are all scalars (a device entry) is checked at C speed by ``isdisjoint``.
    """
    level = [data] if type(data) in _JSON_CONTAINERS else []
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            return True
        deeper: List[Any] = []
        for container in level:
            items = container.values() if isinstance(container, dict) else container
            if not _JSON_CONTAINERS.isdisjoint(map(type, items)):
                deeper.extend(item for item in items if type(item) in _JSON_CONTAINERS)
        level = deeper
    return False


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return 'array'
    if isinstance(value, str):
        return 'string'
    if value is None:
        return 'null'
    return 'number or boolean'

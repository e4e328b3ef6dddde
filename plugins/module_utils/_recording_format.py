# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The recording format (``record_dir``), defined once: the recorder writes it, the simulator replays it, tests make it.

A recording is a folder:

- ``recording.json`` (`MARKER`): ``format``, ``started`` (the wall clock of the first request, in epoch seconds) and
  a ``note`` for whoever opens the folder; written once, by the first run.
- ``.placeholder-key`` (`PLACEHOLDER_KEY`): the private key of the placeholders, when they are asked for.
- one JSON file per HTTP exchange (`exchange_document`), named by `file_name` so that the names sort in the order of
  the timeline: ``<elapsed ms>-<run>-<sequence>-<METHOD>-<path>.json``. ``elapsed`` counts seconds from ``started``
  across the runs that share the folder; ``run`` and ``sequence`` tell the runs and their exchanges apart.

Pure standard library and no import of the collection: the simulator (``tests/simulator``) loads this file by its
path, so that it runs on its own.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, Optional, Tuple
from urllib.parse import unquote

FORMAT = 'ocsdm.route_manager.recording/1'
# Written once per folder: the format and when the recording started (every run's times count from there).
MARKER = 'recording.json'
# The key of the placeholders; it lets anyone who holds it tell which device a placeholder stands for.
PLACEHOLDER_KEY = '.placeholder-key'
# File names start with the milliseconds from the folder's start, in so many digits (317 years: they keep sorting).
NAME_DIGITS = 13
# The headers a file keeps; the names of the others are listed (``other_headers``), their values are not written.
REQUEST_HEADERS = ('Accept', 'Content-Type', 'Content-Length', 'Cookie')
ANSWER_HEADERS = (
    'Content-Type',
    'Content-Length',
    'Content-Encoding',
    'Transfer-Encoding',
    'Location',
    'Retry-After',
    'Allow',
    'WWW-Authenticate',
    'Server',
    'Set-Cookie',
)
MARKER_NOTE = (
    'One JSON file per HTTP exchange with SDM, in the order of their names; replay them with '
    'python -m sdm_simulator --replay FOLDER (from tests/simulator of the collection ocsdm.route_manager).'
)

_LEADING_NUMBER = re.compile(r'^([0-9]+)-')
_UNSAFE_NAME = re.compile(r'[^A-Za-z0-9._-]+')
_REST = '/rest/'


class FormatError(ValueError):
    """A text that is not a recording of this format, or a field missing or of the wrong type; the message says which."""


# paths ----------------------------------------------------------------------------------------------------


def api_path(path: str) -> str:
    """The path from ``/rest/`` on: the same whatever prefix a reverse proxy added in front."""
    at = path.find(_REST)
    return path[at:] if at >= 0 else path


def route_segments(path: str) -> Tuple[str, ...]:
    """The decoded segments after ``/rest/``, version first; each segment is decoded on its own, as SDM does."""
    rest = api_path(path)
    if not rest.startswith(_REST):
        return ()
    return tuple(unquote(segment) for segment in rest[len(_REST) :].split('/'))


# names ----------------------------------------------------------------------------------------------------


def file_name(elapsed: float, run: str, sequence: int, method: str, path: str) -> str:
    """The name of an exchange's file: it sorts by ``elapsed``, then run and sequence; the rest is for people."""
    where = path.split(_REST, 1)[-1].split('/', 1)[-1] if _REST in path else path
    slug = _UNSAFE_NAME.sub('_', where).strip('_')[:80] or 'root'
    return '%0*d-%s-%04d-%s-%s.json' % (
        NAME_DIGITS,
        int(elapsed * 1000),
        run,
        sequence,
        _UNSAFE_NAME.sub('_', method),
        slug,
    )


def latest_number(names: Iterable[str]) -> int:
    """The highest leading number (milliseconds) of the names, -1 when none has one."""
    numbers = [int(found.group(1)) for found in map(_LEADING_NUMBER.match, names) if found]
    return max(numbers) if numbers else -1


def is_exchange_name(name: str) -> bool:
    """Whether a file of the folder holds an exchange (hidden files and the marker do not)."""
    return name.endswith('.json') and not name.startswith('.') and name != MARKER


# bodies ---------------------------------------------------------------------------------------------------


def body_text(body: bytes) -> Tuple[str, str]:
    """A body as text and the encoding that gives the bytes back (UTF-8, else Latin-1, which maps every byte)."""
    try:
        return body.decode('utf-8'), 'utf-8'
    except UnicodeDecodeError:
        return body.decode('latin-1'), 'latin-1'


# the marker -----------------------------------------------------------------------------------------------


def marker_text(started: float) -> str:
    return json.dumps({'format': FORMAT, 'started': started, 'note': MARKER_NOTE}, indent=1) + '\n'


def marker_started(text: str) -> float:
    """``started`` of a marker's text; `FormatError` when it is not a marker of this format."""
    try:
        data = json.loads(text)
        if data.get('format') != FORMAT:
            raise ValueError(data.get('format'))
        return float(data['started'])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise FormatError('%s there is not a recording of this version (%s)' % (MARKER, FORMAT)) from None


# an exchange ----------------------------------------------------------------------------------------------


def at_text(wall_clock: float) -> str:
    """The moment a request left, for people: UTC to the millisecond (``2026-12-04T18:08:03.773Z``)."""
    moment = datetime.fromtimestamp(wall_clock, timezone.utc)
    return moment.isoformat(timespec='milliseconds').replace('+00:00', 'Z')


def request_part(method: str, path: str, headers: Dict[str, Any], body: Optional[str]) -> Dict[str, Any]:
    return {'method': method, 'path': path, 'headers': headers, 'body': body}


def answer_part(
    status: int,
    content_type: Optional[str],
    body: Optional[str],
    body_bytes: int,
    body_encoding: Optional[str] = 'utf-8',
    body_note: Optional[str] = None,
    reason: Optional[str] = '',
    headers: Optional[Dict[str, Any]] = None,
    other_headers: Iterable[str] = (),
) -> Dict[str, Any]:
    """The answer of an exchange. ``body`` is None, with a ``body_note``, when it was not written; the note also
    says when a body was cut short (its tail is left out)."""
    return {
        'status': status,
        'reason': reason,
        'content_type': content_type,
        'headers': dict(headers or {}),
        'other_headers': sorted(other_headers),
        'body': body,
        'body_bytes': body_bytes,
        'body_encoding': body_encoding,
        'body_note': body_note,
    }


def exchange_document(
    run: str,
    sequence: int,
    elapsed: float,
    at: Optional[str],
    request: Dict[str, Any],
    answer: Dict[str, Any],
    secrets_removed: Optional[str] = None,
    placeholders: bool = False,
) -> Dict[str, Any]:
    """One exchange's file as a dict (`exchange_text` writes it)."""
    return {
        'format': FORMAT,
        'run': run,
        'sequence': sequence,
        'elapsed': round(elapsed, 3),
        'at': at,
        'request': request,
        'answer': answer,
        'secrets_removed': secrets_removed,
        'placeholders': placeholders,
    }


def exchange_text(document: Dict[str, Any]) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False) + '\n'


def exchange_fields(data: Any) -> Dict[str, Any]:
    """What a replay needs of an exchange's file read as JSON; the body as bytes (None when it was not written).

    Raises `FormatError` for another format or a field that is missing or of the wrong type.
    """
    if not isinstance(data, dict) or data.get('format') != FORMAT:
        raise FormatError('not an exchange of a recording of format %s' % FORMAT)
    try:
        request, answer = data['request'], data['answer']
        body = answer.get('body')
        return {
            'run': str(data.get('run', '')),
            'sequence': int(data.get('sequence', 0)),
            'elapsed': float(data['elapsed']),
            'method': str(request['method']).upper(),
            'path': str(request['path']),
            'request_body': request.get('body'),
            'status': int(answer['status']),
            'content_type': answer.get('content_type'),
            'headers': dict(answer.get('headers') or {}),
            'body': body.encode(answer.get('body_encoding') or 'utf-8') if isinstance(body, str) else None,
            'body_note': answer.get('body_note'),
        }
    except (KeyError, TypeError, ValueError, AttributeError, LookupError) as exc:
        raise FormatError('a field is missing or has the wrong type (%s: %s)' % (type(exc).__name__, exc)) from None

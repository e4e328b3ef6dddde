# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the SDM REST API looks like from outside: its paths, the documents it takes, its defaults.

Pure functions and constants, no I/O: the client sends what these build, and the option checks and the
decision layer use ``task_path`` to refuse a task id before anything is sent.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape as xml_escape

from ._errors import SdmInputError

# The two body formats SDM speaks (the option body_format, and what the decoder detects).
XML = 'xml'
JSON = 'json'

# The only API version that has the route-set calls (SDM 8.x and 9.x); the options' defaults come from here.
DEFAULT_API_VERSION = 'v1.3'
DEFAULT_REQUEST_TIMEOUT = 30.0

SESSION_COOKIE = 'JSESSIONID'
LOGIN_PATH = '/admin/login'
LOGOUT_PATH = '/admin/logout'
TASKS_PATH = '/routeSets/routeUpdates'
# The actions on a task: the collection's names for them (the modules' option values) and SDM's type words.
COMMIT = 'commit'
ROLLBACK = 'rollback'
CANCEL = 'cancel'
ACTIONS = {COMMIT: 'Commit', ROLLBACK: 'Rollback', CANCEL: 'Cancel'}
ACTION_TYPES = tuple(ACTIONS.values())
# The root element of each document SDM answers with (a JSON answer may wrap its object in the same name).
SESSION_ROOT = 'session'
TASK_ROOT = 'routeUpdateTaskDetails'
TASKS_ROOT = 'routeUpdateTasks'
MAX_TASK_ID_LENGTH = 256

_CONTROL = re.compile(r'[\x00-\x1f\x7f-\x9f]')


def host_port(url: str) -> str:
    """``host:port`` of a URL (an IPv6 address in brackets), with the scheme's default port when none is given."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    host = parts.hostname or url
    if ':' in host:
        host = '[%s]' % host
    if port is None:
        port = 443 if parts.scheme == 'https' else 80
    return '%s:%d' % (host, port)


def task_path(task_id: Any) -> str:
    """The API path of one task; the id is validated and percent-encoded so it stays one path segment."""
    if not isinstance(task_id, str):
        raise SdmInputError('a task id must be a string, got %s' % type(task_id).__name__)
    if not task_id.strip():
        raise SdmInputError('a task id is empty')
    if len(task_id) > MAX_TASK_ID_LENGTH:
        raise SdmInputError('a task id is longer than %d characters' % MAX_TASK_ID_LENGTH)
    if _CONTROL.search(task_id):
        raise SdmInputError('the task id %s contains control characters' % ascii(task_id)[:80])
    if task_id != task_id.strip():
        # Refused, not trimmed: "ID33 " is a typo, and SDM would be asked for another task than the one written.
        raise SdmInputError('the task id %s has leading or trailing whitespace' % ascii(task_id)[:80])
    if task_id in ('.', '..'):
        # Percent-encoding leaves dots alone, and URL libraries resolve dot segments.
        raise SdmInputError('%r is not a task id' % task_id)
    return '%s/%s' % (TASKS_PATH, quote(task_id, safe=''))


def action_path(task_id: Any) -> str:
    """The API path of a task's action endpoint."""
    return task_path(task_id) + '/action'


def action_body(action: str, body_format: str) -> bytes:
    """The ``<routeUpdateAction>`` document (or its JSON form) for ``Commit``, ``Rollback`` or ``Cancel``."""
    if action not in ACTION_TYPES:
        raise SdmInputError('the action must be one of %s, got %r' % (', '.join(ACTION_TYPES), action))
    if body_format == JSON:
        return json.dumps({'type': action}).encode('utf-8')
    return (
        '<?xml version="1.0" encoding="UTF-8"?><routeUpdateAction><type>%s</type></routeUpdateAction>' % action
    ).encode('utf-8')


def login_body(username: str, password: str, body_format: str) -> bytes:
    """The login document (``<session>`` or its JSON form)."""
    if body_format == JSON:
        return json.dumps({'userName': username, 'password': password}).encode('utf-8')
    for name, value in (('username', username), ('password', password)):
        if _CONTROL.search(value):
            # XML 1.0 cannot carry most control characters; the value itself is never shown.
            raise SdmInputError(
                '%s contains control characters, which cannot be sent as XML; use body_format=json' % name
            )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><session><userName>%s</userName><password>%s</password></session>'
        % (xml_escape(username), xml_escape(password))
    ).encode('utf-8')


def answer_root(path: str) -> Optional[str]:
    """The root element of SDM's answer (2xx) to a request on ``path`` (from the API version on, as in `task_path`);
    None for an answer without a document."""
    if path == LOGIN_PATH:
        return SESSION_ROOT
    if path == TASKS_PATH:
        return TASKS_ROOT
    task = path[len(TASKS_PATH) + 1 :] if path.startswith(TASKS_PATH + '/') else ''
    return TASK_ROOT if task and '/' not in task else None

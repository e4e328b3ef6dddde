# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The SDM simulator (``python -m sdm_simulator`` arguments, package in the folder SDM_SIMULATOR_DIR), also
appending every session id it hands out to the file named by SDM_SESSION_LOG: the secrets test looks for
them in Ansible's output and in the recording.

It is a hostile server too: every SDM answer echoes the password of its login (or of its session's user) and the
session id in the headers Location and WWW-Authenticate, and a read of task ID6 answers 500 with both in every
encoding of find_secrets.py. A recording (record_dir) must hold none of them, in any form.

It also echoes secrets, escaped as a careless server might: a read of task ``ECHO-<form>`` answers 500 with
the password of the session's user and the session id (whole and without its route suffix) in that form
(``ECHO_FORMS`` of secret_forms.py). The client must hide every form.

The ids are random per login and the simulator's control API and log never show them, on purpose.
"""

from __future__ import annotations

import json
import os
import sys
from typing import List, Optional
from urllib.parse import quote

from secret_forms import ECHO_FORMS  # pylint: disable=import-error  # next to this file

sys.path.insert(0, os.environ['SDM_SIMULATOR_DIR'])

from find_secrets import encodings  # noqa: E402  pylint: disable=wrong-import-position
from sdm_simulator import api, app, cli, codec, sessions  # noqa: E402  pylint: disable=wrong-import-position
from sdm_simulator.messages import Reply, Request, text_reply  # noqa: E402  pylint: disable=wrong-import-position

ECHO_PREFIX = 'ECHO-'

_open = sessions.SessionStore.open
_task = api.SdmApi._task  # pylint: disable=protected-access
_handle = app.Simulator.handle


def _recording_open(store, user, now):
    session = _open(store, user, now)
    with open(os.environ['SDM_SESSION_LOG'], 'a') as log:
        log.write(session.session_id + '\n')
    return session


def _echoing_task(self, request, route):
    """``ECHO-<form>``: a 500 quoting the session's password and id in that form; any other task as usual."""
    form = ECHO_FORMS.get(route[2][len(ECHO_PREFIX) :]) if route[2].startswith(ECHO_PREFIX) else None
    if form is None:
        return _task(self, request, route)
    session = self.state.sessions.find(api.session_id_of(request), self.state.now())
    session_id = session.session_id
    text = 'login of %s with password %s refused; session %s (%s) closed' % (
        session.user.username,
        form(session.user.password),
        form(session_id),
        form(session_id.split('.')[0]),
    )
    return text_reply(500, text)


def _secrets_of(simulator: app.Simulator, request: Request, reply: Reply) -> List[str]:
    """The password and the session id this exchange is about."""
    found: List[str] = []
    if request.path.endswith('/admin/login'):
        try:
            found.append(
                codec.decode_flat(request.body, request.header('Content-Type'), 'session').get('password') or ''
            )
        except codec.BodyError:
            pass
        cookie = dict(reply.headers).get('Set-Cookie', '')
        found.append(cookie.split(';', 1)[0].partition('=')[2])
    session_id = api.session_id_of(request)
    if session_id:
        found.append(session_id)
        with simulator.state.lock:
            session: Optional[sessions.Session] = simulator.state.sessions.find(session_id, simulator.state.now())
        if session is not None:
            found.append(session.user.password)
    return [secret for secret in found if secret]


def _echoing_handle(simulator: app.Simulator, request: Request) -> Reply:
    reply = _handle(simulator, request)
    if request.is_control:
        return reply
    secrets = _secrets_of(simulator, request, reply)
    if not secrets:
        return reply
    if request.path.endswith('/routeUpdates/ID6'):
        echo = ' | '.join(form for secret in secrets for form in encodings(secret).values())
        reply = text_reply(500, 'Internal error, request of %s' % echo)
    reply.headers.append(('Location', '/rest/v1.3/echo;jsessionid=%s?p=%s' % (secrets[-1], quote(secrets[0], safe=''))))
    reply.headers.append(('WWW-Authenticate', 'Basic realm=%s' % json.dumps(secrets[0])))
    return reply


if __name__ == '__main__':
    sessions.SessionStore.open = _recording_open
    api.SdmApi._task = _echoing_task  # pylint: disable=protected-access
    app.Simulator.handle = _echoing_handle
    sys.exit(cli.main(sys.argv[1:]))

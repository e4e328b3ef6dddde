# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The SDM simulator (``python -m sdm_simulator`` arguments, package in the folder SDM_SIMULATOR_DIR), also
appending every session id it hands out to the file named by SDM_SESSION_LOG: the secrets test looks for
them in Ansible's output.

It also echoes secrets, escaped as a careless server might: a read of task ``ECHO-<form>`` answers 500 with
the password of the session's user and the session id (whole and without its route suffix) in that form
(``ECHO_FORMS`` of secret_forms.py). The client must hide every form.

The ids are random per login and the simulator's control API and log never show them, on purpose.
"""

from __future__ import annotations

import os
import sys

from secret_forms import ECHO_FORMS  # pylint: disable=import-error  # next to this file

sys.path.insert(0, os.environ['SDM_SIMULATOR_DIR'])

from sdm_simulator import api, cli, messages, sessions  # noqa: E402  pylint: disable=wrong-import-position

ECHO_PREFIX = 'ECHO-'

_open = sessions.SessionStore.open
_task = api.SdmApi._task  # pylint: disable=protected-access


def _recording_open(store, user, now):
    session = _open(store, user, now)
    with open(os.environ['SDM_SESSION_LOG'], 'a') as log:
        log.write(session.session_id + '\n')
    return session


def _echoing_task(self, request, route):
    """``ECHO-<form>``: a 500 quoting the session's password and id in that form; any other task as usual."""
    form = ECHO_FORMS.get(route[2][len(ECHO_PREFIX):]) if route[2].startswith(ECHO_PREFIX) else None
    if form is None:
        return _task(self, request, route)
    session = self.state.sessions.find(api._session_id(request), self.state.now())  # pylint: disable=protected-access
    session_id = session.session_id
    text = 'login of %s with password %s refused; session %s (%s) closed' % (
        session.user.username, form(session.user.password), form(session_id), form(session_id.split('.')[0]))
    return messages.text_reply(500, text)


if __name__ == '__main__':
    sessions.SessionStore.open = _recording_open
    api.SdmApi._task = _echoing_task  # pylint: disable=protected-access
    sys.exit(cli.main(sys.argv[1:]))

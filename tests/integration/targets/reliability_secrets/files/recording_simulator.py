# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The SDM simulator (``python -m sdm_simulator`` arguments, package in the folder SDM_SIMULATOR_DIR), also
appending every session id it hands out to the file named by SDM_SESSION_LOG: the secrets test looks for
them in Ansible's output.

The ids are random per login and the simulator's control API and log never show them, on purpose.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.environ['SDM_SIMULATOR_DIR'])

from sdm_simulator import cli, sessions  # noqa: E402  pylint: disable=wrong-import-position

_open = sessions.SessionStore.open


def _recording_open(store, user, now):
    session = _open(store, user, now)
    with open(os.environ['SDM_SESSION_LOG'], 'a') as log:
        log.write(session.session_id + '\n')
    return session


if __name__ == '__main__':
    sessions.SessionStore.open = _recording_open
    sys.exit(cli.main(sys.argv[1:]))

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The escaped forms of secrets that recording_simulator.py echoes (`ECHO_FORMS`), and, run as a script,
every form of every secret that must not appear in the output, one a line: each password of vars/main.yml
(first argument) and each session id of the session log (second argument), whole and without its route
suffix; each plain and in every echoed form, and also the first 24 characters of a longer form (the client
shows at most 200 characters of an answer, so a form that escaped the scrubber could appear cut short).
The first line says how many passwords and session ids there were.
"""

from __future__ import annotations

import json
import sys
from urllib.parse import quote
from xml.sax.saxutils import escape

# How a server may escape a secret it echoes.
ECHO_FORMS = {
    'json': lambda value: json.dumps(value)[1:-1],
    'unicode-escapes': lambda value: ''.join('\\u%04x' % ord(char) for char in value),
    'xml': lambda value: escape(value, {'"': '&quot;', "'": '&apos;'}),
    'references': lambda value: ''.join('&#%d;' % ord(char) for char in value),
    'hex-references': lambda value: ''.join('&#x%X;' % ord(char) for char in value),
    'percent': lambda value: quote(value, safe=''),
    'percent-all': lambda value: ''.join('%%%02X' % byte for byte in value.encode('utf-8')),
}
PREFIX = 24


def main(vars_file: str, session_log: str) -> None:
    import yaml  # pylint: disable=import-outside-toplevel  # only the script needs it, not the simulator

    with open(vars_file) as handle:
        variables = yaml.safe_load(handle)
    passwords = [value for name, value in variables.items() if name.startswith('secret_') and name.endswith('password')]
    with open(session_log) as handle:
        session_ids = sorted(set(line.strip() for line in handle if line.strip()))
    secrets = passwords + session_ids + [session_id.split('.')[0] for session_id in session_ids]
    forms = set()
    for secret in secrets:
        for form in [secret] + [encode(secret) for encode in ECHO_FORMS.values()]:
            forms.add(form)
            forms.add(form[:PREFIX])
    sys.stdout.write('%d %d\n' % (len(passwords), len(session_ids)))
    sys.stdout.write(''.join(form + '\n' for form in sorted(forms)))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])

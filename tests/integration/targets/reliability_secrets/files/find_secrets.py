# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Look for secrets, in every encoding a text can give them, in the files of a recording (record_dir).

    find_secrets.py FOLDER SECRETS_FILE MIN_FILES

SECRETS_FILE holds one secret a line. Each file is searched as written and, read as JSON, in each of its strings
(which undoes the file's own escaping). Exit 1 when a secret is found, or when the folder holds fewer than MIN_FILES
exchanges (a recording that did not happen proves nothing). files/recording_simulator.py echoes the same encodings.
"""

from __future__ import annotations

import base64
import html
import json
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List
from urllib.parse import quote, quote_plus


def encodings(secret: str) -> Dict[str, str]:
    """The forms of a secret: plain, JSON-escaped, XML-escaped, character references, percent-encoded, base64."""
    utf8 = secret.encode('utf-8')
    return {
        'plain': secret,
        'JSON': json.dumps(secret, ensure_ascii=False)[1:-1],
        'JSON \\u': json.dumps(secret)[1:-1],
        'JSON \\u every character': ''.join('\\u%04x' % ord(char) for char in secret if ord(char) < 0x10000),
        'XML': html.escape(secret),
        'decimal references': ''.join('&#%d;' % ord(char) for char in secret),
        'hexadecimal references': ''.join('&#x%X;' % ord(char) for char in secret),
        'percent': quote(secret, safe=''),
        'percent lower case': ''.join('%%%02x' % byte for byte in utf8),
        'form': quote_plus(secret),
        'base64': base64.b64encode(utf8).decode('ascii'),
        'base64url': base64.urlsafe_b64encode(utf8).decode('ascii'),
        'UTF-8 read as Latin-1': utf8.decode('latin-1'),
    }


def searched_forms(secret: str) -> Dict[str, str]:
    """What to look for: each form, base64 without its last group (it depends on what follows the secret)."""
    forms = encodings(secret)
    for name in ('base64', 'base64url'):
        forms[name] = forms[name][:-4]
    return dict((name, form) for name, form in forms.items() if len(form) >= 4)


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def main(argv: List[str]) -> int:
    folder, secrets, minimum = Path(argv[0]), Path(argv[1]).read_text(encoding='utf-8').splitlines(), int(argv[2])
    secrets = sorted(set(secret for secret in secrets if secret))
    files = [path for path in sorted(folder.iterdir()) if path.suffix == '.json']
    exchanges = [path for path in files if path.name != 'recording.json']
    leaks = 0
    for path in files:
        raw = path.read_text(encoding='utf-8')
        texts = [raw] + list(strings(json.loads(raw)))
        for secret in secrets:
            for name, form in searched_forms(secret).items():
                if any(form in text for text in texts):
                    print(
                        'find_secrets.py: %s holds a secret (%s...) %s' % (path.name, secret[:3], name), file=sys.stderr
                    )
                    leaks += 1
    print(
        'find_secrets.py: looked for %d secrets in %d encodings in %d recorded files: %d found'
        % (len(secrets), len(encodings('x')), len(files), leaks)
    )
    if len(exchanges) < minimum:
        print(
            'find_secrets.py: only %d exchanges were recorded, expected at least %d' % (len(exchanges), minimum),
            file=sys.stderr,
        )
        return 1
    return 1 if leaks else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

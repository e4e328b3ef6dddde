"""Compare two runs of window.yml (results and change reports), normalised: what may differ between a run and its
replay (durations, poll and slice counts, file paths) is left out, everything else must be equal.

    compare.py same RESULTS_A REPORTS_A RESULTS_B REPORTS_B    tasks, outcomes, messages and reports equal
    compare.py story RESULTS_A REPORTS_A RESULTS_B REPORTS_B   the same outcome per task and device (a model of the
                                                               recording: dates and exact timings may differ)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Dict, List

# Timings, counts of polls and slices (a replay may poll more or less often), and where files went.
VARYING = {'elapsed', 'started', 'ended', 'slices', 'polls', 'logins', 'report', 'timings', 'sdm', 'path', 'invocation'}
SECONDS = re.compile(r'\b\d+(?:\.\d+)? s\b')
LOGINS = re.compile(r' ?\(\d+ SDM logins?\)')


def normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: normalised(item) for key, item in value.items() if key not in VARYING}
    if isinstance(value, list):
        return [normalised(item) for item in value]
    if isinstance(value, str):
        return LOGINS.sub('', SECONDS.sub('N s', value))
    return value


def run(results: str, reports: str) -> Dict[str, Any]:
    """A run's results and its JSON reports, by file name."""
    folder = Path(reports)
    found = {path.name: json.loads(path.read_text(encoding='utf-8')) for path in sorted(folder.glob('*.json'))}
    markdown = sorted(path.name for path in folder.glob('*.md'))
    assert sorted(found) == ['window-ID50.json', 'window-ID51.json'], sorted(found)
    assert markdown == ['window-ID50.md', 'window-ID51.md'], markdown
    return {'results': json.loads(Path(results).read_text(encoding='utf-8')), 'reports': found}


def story(data: Dict[str, Any]) -> Dict[str, Any]:
    """What happened to each task and device, without dates and messages."""
    reports = data['reports']
    return {
        name: {
            'result': report['result'],
            'committed': report['committed'],
            'rollback': report['rollback'],
            'update': report['update'],
            'actions': [(action['action'], action['result']) for action in report['actions']],
            'devices': [(row['object_id'], row['outcome']) for row in report['devices']],
        }
        for name, report in reports.items()
    }


def differences(left: Any, right: Any, where: str = '') -> List[str]:
    if isinstance(left, dict) and isinstance(right, dict):
        found = []
        for key in sorted(set(left) | set(right)):
            found.extend(differences(left.get(key), right.get(key), '%s.%s' % (where, key)))
        return found
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [
            line
            for index, (a, b) in enumerate(zip(left, right))
            for line in differences(a, b, '%s[%d]' % (where, index))
        ]
    return [] if left == right else ['%s: %r != %r' % (where or '.', left, right)]


def main(argv: List[str]) -> int:
    mode, first, second = argv[0], run(argv[1], argv[2]), run(argv[3], argv[4])
    if mode == 'same':
        found = differences(normalised(first), normalised(second))
    else:
        found = differences(story(first), story(second))
    for line in found:
        print('compare.py: %s' % line, file=sys.stderr)
    if found:
        return 1
    tasks = len(first['results']['before'])
    print('compare.py: %s: %d tasks, 2 outcomes, a commit, the pending list and 2 reports agree' % (mode, tasks))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

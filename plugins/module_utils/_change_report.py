# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The change report of a route update wait: the data (a dict, written as JSON) and its Markdown, for a ticket.

Pure functions: the action plugin ``ocsdm.route_manager.route_update_wait`` writes the files.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from ._outcome import Outcome
from ._sdm_api import ROLLBACK
from ._states import FAILED, StateMatcher
from ._text import count_text, short_text
from ._verdict import device_outcome, not_rolled_back, updated_devices
from ._wait_options import WaitOptions
from ._wait_record import WOULD_SEND, Timing, WaitRecord
from ._wording import committed_text, readable, rollback_counts

REPORT_VERSION = 1
DEVICE_FIELDS = (
    'device_group_id',
    'object_id',
    'route_set_id',
    'status',
    'push_status',
    'update_date',
    'update_failure_msg',
    'rollback_status',
    'rollback_date',
    'rollback_failure_msg',
)

_UNSAFE_NAME = re.compile(r'[^A-Za-z0-9._-]')


def file_stem(report_name: Optional[str], task_id: str) -> str:
    """``CHG0012345-ID33``: the report name and the task id, safe as a file name."""
    stem = ('%s-%s' % (report_name, task_id) if report_name not in (None, '') else task_id).strip()
    stem = _UNSAFE_NAME.sub('_', stem)
    return '_' + stem[1:] if stem.startswith('.') else stem


def report_data(
    options: WaitOptions, record: WaitRecord, outcome: Outcome, timing: Timing, matcher: StateMatcher
) -> Dict[str, Any]:
    """The content of the JSON report."""
    task = record.task
    updated = updated_devices(task, matcher)
    missing = not_rolled_back(task, matcher)
    return {
        'report_version': REPORT_VERSION,
        'name': options.report_name or None,
        'task_id': options.task_id,
        'result': outcome.result,
        'message': outcome.message,
        'problems': list(outcome.problems),
        'check_mode': options.check_mode,
        'timings': timing.as_dict(),
        'sdm': {'logins': record.logins, 'slices': record.slices, 'polls': record.polls},
        'update': {
            'status': task.get('update_status'),
            'error_handling': task.get('error_handling'),
            'finished': bool(task.get('finished')),
            'succeeded': bool(task.get('succeeded')),
            'updated_count': task.get('updated_count'),
            'total_device_count': task.get('total_device_count'),
            'failed_device_count': len(task.get('failed_devices') or []),
        },
        'actions': [action.as_dict() for action in record.actions],
        'committed': record.committed,
        'rollback': {
            'outcome': outcome.rollback,
            'status': task.get('rollback_status'),
            'count': task.get('rollback_count'),
            'updated_devices': len(updated),
            'rolled_back_devices': len(updated) - len(missing),
            'checks': _rollback_checks(options, record, outcome),
        },
        'devices': device_rows(task, matcher),
        'task': task,
    }


def _rollback_checks(options: WaitOptions, record: WaitRecord, outcome: Outcome) -> str:
    rollback = record.action(ROLLBACK)
    predicted = rollback is not None and rollback.result == WOULD_SEND
    if outcome.result != FAILED or not options.rollback_checks_on or predicted:
        return 'not_run'
    return 'failed' if outcome.problems else 'passed'


def device_rows(task: Dict[str, Any], matcher: StateMatcher) -> List[Dict[str, Any]]:
    """Each device with the fields of the report, its position in SDM's list (from 1) and its outcome."""
    rows = []
    for position, device in enumerate(task.get('devices') or [], 1):
        row: Dict[str, Any] = {'position': position}
        row.update((key, device.get(key)) for key in DEVICE_FIELDS)
        row['outcome'] = device_outcome(device, matcher)
        rows.append(row)
    return rows


# --- Markdown --------------------------------------------------------------------------------------


# What SDM's text must not do in a table cell: end the cell (|), start a link or an image ([ ]), start code (`), or be
# read as HTML (< >); line breaks, which would end the row, are folded before. Backslashes too, so escapes stay escapes.
_CELL_ESCAPES = {
    '\\': '\\\\',
    '|': '\\|',
    '[': '\\[',
    ']': '\\]',
    '`': '\\`',
    '<': '&lt;',
    '>': '&gt;',
}


def _cell(value: Any) -> str:
    """A value in a Markdown table cell: one line, with the characters that would break the table escaped."""
    text = short_text(value, limit=None)  # one line: short_text folds every line break
    return ''.join(_CELL_ESCAPES.get(char, char) for char in text).strip()


def markdown(report: Dict[str, Any], json_file_name: str) -> str:
    """The report for a change ticket: a summary table, the outcome, the actions and the devices."""
    lines = [
        '# Route update task %s: %s' % (_cell(report['task_id']), readable(report['result']).upper()),
        '',
    ]
    if report['check_mode']:
        lines += ['_Check mode: nothing was sent to SDM._', '']
    lines += _summary_table(report)
    lines += ['', '## Outcome', '', _cell(report['message'])]
    if report['problems']:
        lines += ['', 'Failed checks:', ''] + ['- %s' % _cell(problem) for problem in report['problems']]
    lines += ['', '## Actions', ''] + _actions_table(report['actions'])
    lines += ['', '## Devices', ''] + _devices_table(report['devices'])
    lines += [
        '',
        '_Written by ocsdm.route_manager.route_update_wait. The data is in %s next to this file._'
        % _cell(json_file_name),
    ]
    return '\n'.join(lines) + '\n'


def _summary_table(report: Dict[str, Any]) -> List[str]:
    update, rollback, timings = report['update'], report['rollback'], report['timings']
    rows = [('Change', _cell(report['name']))] if report['name'] else []
    rows += [
        ('Route update task', _cell(report['task_id'])),
        ('Result', '**%s**' % readable(report['result'])),
        ('Update status', _cell(update['status'])),
        (
            'Devices updated',
            '%s of %s' % (count_text(update['updated_count']), count_text(update['total_device_count'])),
        ),
        ('Failed devices', str(update['failed_device_count'])),
        ('Error handling', _cell(update['error_handling'])),
        (
            'Rollback',
            '%s: %s'
            % (
                readable(rollback['outcome']),
                rollback_counts(
                    _cell(rollback['status']),
                    rollback['count'],
                    rollback['rolled_back_devices'],
                    rollback['updated_devices'],
                ),
            ),
        ),
        ('Rollback checks', readable(rollback['checks'])),
        ('Committed', _cell(committed_text(report['committed'], report['actions']))),
        ('Started (UTC)', timings['started']),
        ('Ended (UTC)', timings['ended']),
        ('Elapsed', '%s s' % timings['elapsed_seconds']),
        ('SDM logins', str(report['sdm']['logins'])),
    ]
    return ['| | |', '|---|---|'] + ['| %s | %s |' % row for row in rows]


def _actions_table(actions: List[Dict[str, Any]]) -> List[str]:
    if not actions:
        return ['None: the role sent no commit or rollback.']
    return ['| Action | Result | Message |', '|---|---|---|'] + [
        '| %s | %s | %s |' % (action['action'], readable(action['result']), _cell(action['message']))
        for action in actions
    ]


def _devices_table(devices: List[Dict[str, Any]]) -> List[str]:
    if not devices:
        return ['SDM reported no devices.']
    head = [
        '| Device group | Object id | Status | Failure message | Rollback status | Rollback failure message | Outcome |',
        '|---|---|---|---|---|---|---|',
    ]
    return head + [
        '| %s | %s | %s | %s | %s | %s | %s |'
        % (
            _cell(d['device_group_id']),
            _cell(d['object_id']) or '(device %d in SDM\'s list)' % d['position'],
            _cell(d['status']),
            _cell(d['update_failure_msg']),
            _cell(d['rollback_status']),
            _cell(d['rollback_failure_msg']),
            readable(d['outcome']),
        )
        for d in devices
    ]

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The glue's messages for actions that cannot be done: refused by SDM, or not allowed by the task's state.

The conflicts are made by the real `decide_action` of module_utils._actions; each error words its own message from its
fields (`SdmError.describe`).
"""

from __future__ import annotations

from typing import Any, Dict

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._actions import decide_action
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import (
    SdmActionConflictError,
    SdmActionRefusedError,
    SdmError,
    SdmHttpError,
    SdmInputError,
    Target,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import StateMatcher

TARGET = Target(host='sdm.example.com:8443', user='automation', api_version='v1.3', has_ca_path=False)


def describe_error(err: SdmError) -> str:
    return err.describe(TARGET)


ACTION_PATH = '/rest/v1.3/routeSets/routeUpdates/ID40/action'


def task(update: str = 'Failed', rollback: str = 'Unknown') -> Dict[str, Any]:
    return {'task_id': 'ID40', 'update_status': update, 'rollback_status': rollback}


def conflict(action: str, state: Dict[str, Any], pending: bool = True) -> SdmActionConflictError:
    with pytest.raises(SdmActionConflictError) as caught:
        decide_action(action, 'ID40', state, StateMatcher(), lambda: pending)
    return caught.value


@pytest.mark.parametrize(
    'action, state, pending, expected',
    [
        (
            'rollback',
            task('InProgress'),
            True,
            'Cannot roll back route update task ID40 while its update is still running (InProgress); SDM rolls back only a '
            'finished update. Wait for it to finish, or stop it with action=cancel. Nothing was sent to SDM.',
        ),
        (
            'commit',
            task('Pending'),
            True,
            'Cannot commit route update task ID40 while its update is still running (Pending); SDM commits a task only after '
            'its update has finished. Nothing was sent to SDM.',
        ),
        (
            'commit',
            task('Failed', 'InProgress'),
            True,
            'Cannot commit route update task ID40 while its rollback is running (InProgress). Nothing was sent to SDM.',
        ),
        (
            'commit',
            task('Failed', 'PartiallyCompleted'),
            True,
            'Cannot commit route update task ID40: it was rolled back (rollback status PartiallyCompleted), and SDM does not '
            'commit a rolled-back task. Nothing was sent to SDM.',
        ),
        (
            'rollback',
            task('Completed'),
            False,
            'Cannot roll back route update task ID40: it is no longer in the pending list, so it was committed. '
            'Nothing was sent to SDM.',
        ),
    ],
)
def test_a_conflict_says_what_cannot_be_done_and_why(action, state, pending, expected):
    message = describe_error(conflict(action, state, pending))
    assert message == expected
    assert 'Invalid argument' not in message


def test_a_conflict_of_an_unknown_shape_keeps_its_text_after_the_cause():
    err = SdmActionConflictError(None, None, 'the task is locked by another user')
    assert describe_error(err) == "The task's state does not allow the action: the task is locked by another user."


def test_a_task_id_with_spaces_and_colons_stays_whole():
    err = SdmActionConflictError('ID 7: night', 'commit', 'its rollback is running', 'Running', 'rollback status')
    assert err.message == (
        'route update task ID 7: night cannot be committed: its rollback is running '
        '(rollback status Running). Nothing was sent to SDM'
    )
    message = describe_error(err)
    assert (
        message
        == 'Cannot commit route update task ID 7: night while its rollback is running (Running). Nothing was sent to SDM.'
    )


def test_a_refusal_quotes_the_action_the_task_and_the_reason():
    err = SdmActionRefusedError(
        'Rollback',
        'ID40',
        'Task ID40 is still in progress',
        'POST %s answered 400 Bad Request' % ACTION_PATH,
        400,
        ACTION_PATH,
    )
    message = describe_error(err)
    assert message == (
        'SDM refused the Rollback of route update task ID40: Task ID40 is still in progress '
        '(POST %s answered 400 Bad Request). SDM did not act on the task.' % ACTION_PATH
    )
    assert 'refused the request' not in message and 'Invalid argument' not in message


def test_other_errors_keep_their_wording():
    assert describe_error(SdmInputError('task_id is empty')) == 'Invalid argument: task_id is empty.'
    assert describe_error(SdmHttpError('server error', 500, '/rest/v1.3/x')) == (
        'SDM sdm.example.com:8443 failed to handle the request (server error) (HTTP 500 at /rest/v1.3/x). Details: server error.'
    )


@pytest.mark.parametrize(
    'status, headline',
    [
        (503, 'SDM sdm.example.com:8443 is unavailable: it did not answer within the retries allowed'),
        (502, 'SDM sdm.example.com:8443 is unavailable: it did not answer within the retries allowed'),
        (504, 'SDM sdm.example.com:8443 is unavailable: it did not answer within the retries allowed'),
        (
            429,
            'SDM sdm.example.com:8443 is busy: it asked to try again later, and the retries allowed did not get an answer',
        ),
        (400, 'SDM sdm.example.com:8443 refused the request'),
        (500, 'SDM sdm.example.com:8443 failed to handle the request (server error)'),
    ],
)
def test_a_headline_says_what_the_status_means(status, headline):
    # Issue 22: a 503 that outlasts the retries was worded "refused the request"; only a 4xx is a refusal.
    message = describe_error(SdmHttpError('busy', status, '/x', transient=status != 400))
    assert message.startswith(headline + ' (HTTP %d at /x).' % status)
    assert ('refused' in message) == (status == 400)

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""`SdmClient`: the SDM calls (read a task, list the pending ones, send an action) and the decoding of their answers.

An `SdmSession` (login, logout, the cookie, a new login after a 401; `_session.py`) over a `Transport` (HTTP,
bounded answers, retries; `_transport.py`). Used as a context manager: it logs in on enter and logs out on exit,
also when the body raised. The password, the cookie and the session id are kept out of every message, repr and
warning.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ._clock import Deadline
from ._decode import decode_body
from ._errors import SdmActionRefusedError, SdmBadAnswerError, SdmNotFoundError
from ._normalise import TASK_FIELDS, normalise_task, pending_task_ids
from ._sdm_api import TASK_ROOT, TASKS_PATH, TASKS_ROOT, action_body, action_path, task_path
from ._session import SdmSession
from ._states import StateMatcher
from ._transport import Answer

# How SDM refuses an action in the task's present state (400 as inferred; 409 is the usual alternative).
REFUSED_ACTION_STATUSES = frozenset((400, 409))


class SdmClient(SdmSession):
    """SDM REST client bound to one HTTP session; thread-safe for concurrent reads."""

    # Reading tasks -----------------------------------------------------------------------------

    def read_task(
        self, task_id: str, matcher: StateMatcher, deadline: Optional[Deadline] = None
    ) -> Tuple[Dict[str, Any], List[str]]:
        """One task, normalised, and the warnings about it (not recorded in `warnings`)."""
        path = task_path(task_id)
        answer = self._call('GET', path, deadline or self._unbounded())
        if answer.status == 404:
            raise self._not_found('GET', path, answer, task_id)
        self.transport.raise_for_status('GET', path, answer)
        raw = self._decode('GET', path, answer, TASK_ROOT, 'route update task details')
        if not any(name in raw for name in TASK_FIELDS) and 'deviceStatusList' not in raw:
            raise SdmBadAnswerError(
                'GET %s answered %d without any field of a route update task (such as updateStatus)'
                % (self.transport.full_path(path), answer.status),
                answer.status,
                self.transport.full_path(path),
            )
        try:
            return normalise_task(raw, task_id, matcher)
        except SdmBadAnswerError as exc:
            raise self._unusable('GET', path, answer, exc) from exc

    def get_task(self, task_id: str, matcher: StateMatcher, deadline: Optional[Deadline] = None) -> Dict[str, Any]:
        """One task, normalised; its warnings are added to `warnings`."""
        task, warnings = self.read_task(task_id, matcher, deadline)
        for message in warnings:
            self.warn(message)
        return task

    def list_pending_task_ids(self, deadline: Optional[Deadline] = None) -> List[str]:
        """Ids of all pending route update tasks, in the server's order."""
        answer = self._call('GET', TASKS_PATH, deadline or self._unbounded())
        self.transport.raise_for_status('GET', TASKS_PATH, answer)
        if not answer.body.strip():
            return []
        raw = self._decode('GET', TASKS_PATH, answer, TASKS_ROOT, 'the list of pending route update tasks')
        try:
            return pending_task_ids(raw)
        except SdmBadAnswerError as exc:
            raise self._unusable('GET', TASKS_PATH, answer, exc) from exc

    # Actions ------------------------------------------------------------------------------------

    def send_action(self, task_id: str, action: str, deadline: Optional[Deadline] = None) -> None:
        """POST ``Commit``, ``Rollback`` or ``Cancel`` for one task; SDM answers 2xx without a body.

        The request is repeated only after faults that show it was not processed (no connection, 429,
        503); after any other fault `SdmUnconfirmedError` is raised, since an action that arrived twice
        would be refused or act twice. A refusal raises `SdmActionRefusedError` with the server's reason.
        """
        path = action_path(task_id)
        body = action_body(action, self.config.body_format)
        answer = self._call('POST', path, deadline or self._unbounded(), body, repeatable=False)
        if answer.status in REFUSED_ACTION_STATUSES:
            reason = self.transport.excerpt(answer.body) or 'no reason given'
            request = self.transport.answered('POST', path, answer.status)
            full_path = self.transport.full_path(path)
            raise SdmActionRefusedError(action, task_id, reason, request, answer.status, full_path)
        if answer.status == 404:
            raise self._not_found('POST', path, answer, task_id)
        self.transport.raise_for_status('POST', path, answer)

    # Answers ------------------------------------------------------------------------------------

    def _decode(self, method: str, path: str, answer: Answer, root: str, what: str) -> Dict[str, Any]:
        try:
            return decode_body(
                answer.body, answer.content_type, root, what, self.config.max_body_bytes, clean=self._scrub
            )
        except SdmBadAnswerError as exc:
            raise SdmBadAnswerError(
                '%s %s answered %d with an unusable body: %s'
                % (method, self.transport.full_path(path), answer.status, self._scrub(exc.message)),
                answer.status,
                self.transport.full_path(path),
            ) from exc

    def _unusable(self, method: str, path: str, answer: Answer, error: SdmBadAnswerError) -> SdmBadAnswerError:
        """A decoded answer that is not what the call expects."""
        full_path = self.transport.full_path(path)
        return SdmBadAnswerError('%s %s: %s' % (method, full_path, error.message), answer.status, full_path)

    def _not_found(self, method: str, path: str, answer: Answer, task_id: str) -> SdmNotFoundError:
        summary = self.transport.summary(method, path, answer)
        return SdmNotFoundError.for_task(task_id, summary, self.transport.full_path(path))

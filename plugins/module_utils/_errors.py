# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Typed exceptions of the SDM client.

Messages are written for a human reading a failed task: they name the cause, the HTTP method,
status and URL path when there is one, and never a password, cookie or session id.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional


class SdmError(Exception):
    """Base class of every error the SDM client raises.

    ``transient`` marks a failure that a later try may not have (server busy, connection lost):
    the client already retried it; a waiter may keep polling through it until its deadline.
    """

    def __init__(self, message: str, status: Optional[int] = None, path: Optional[str] = None, transient: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.path = path
        self.transient = transient

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return '%s(%r, status=%r, path=%r)' % (type(self).__name__, self.message, self.status, self.path)

    def to_fail_kwargs(self) -> Dict[str, Any]:
        """Keyword arguments for ``AnsibleModule.fail_json``."""
        kwargs = {'msg': self.message}  # type: Dict[str, Any]
        if self.status is not None:
            kwargs['status'] = self.status
        if self.path is not None:
            kwargs['url_path'] = self.path
        return kwargs


class SdmAuthError(SdmError):
    """Login refused, or the session was refused again after a fresh login (401)."""


class SdmPermissionError(SdmError):
    """The user lacks the rights for the call (403)."""


class SdmNotFoundError(SdmError):
    """The object (task, API version, endpoint) does not exist (404)."""


class SdmHttpError(SdmError):
    """Any other answer outside 2xx that is not retried."""


class SdmActionRefusedError(SdmHttpError):
    """SDM refused a Commit, Rollback or Cancel in the task's present state (400 or 409); the message quotes its reason."""


class SdmBadAnswerError(SdmError):
    """A body that cannot be decoded, or that is not what the call expects."""


class SdmTransportError(SdmError):
    """Connection, TLS or timeout failure, after the retries allowed."""


class SdmUnconfirmedError(SdmError):
    """A request that must not be repeated (an action) failed after it may have reached SDM.

    Its answer was lost (read timeout, broken connection, 502, 504), so whether it took effect is unknown;
    repeating it could act twice. ``cause`` is the error of the attempt. The caller looks for the action's
    effect on the task, and never sends it again.
    """

    def __init__(self, cause: SdmError) -> None:
        super().__init__('%s; the request may have reached SDM, so it was not repeated' % cause.message,
                         cause.status, cause.path, transient=True)
        self.cause = cause


class SdmOutcomeUnknownError(SdmError):
    """An action whose answer was lost did not show its effect before the deadline; it was not sent again.

    ``cause`` is the error of the lost answer (its status and path are this error's); ``seen`` says what the
    last look at the task found. The action may still take effect: a new run reads the task first.
    """

    def __init__(self, message: str, cause: SdmError, seen: str) -> None:
        super().__init__(message, cause.status, cause.path)
        self.cause = cause
        self.seen = seen


class SdmInputError(SdmError):
    """Invalid input from the caller, such as an empty task id or a malformed URL."""


class SdmWaitTimeout(SdmError):
    """The wait deadline passed before every task finished.

    ``tasks`` holds the last normalised state seen of every task, in the order asked.
    """

    def __init__(self, message: str, tasks: List[Dict[str, Any]], polls: int = 0, elapsed: float = 0.0,
                 warnings: Optional[List[str]] = None) -> None:
        super().__init__(message)
        self.tasks = tasks
        self.polls = polls
        self.elapsed = elapsed
        self.warnings = list(warnings or [])

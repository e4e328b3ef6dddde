# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Typed exceptions of the SDM client, each with the fields of what went wrong and the words to say it.

Two texts per error, both built here from the fields: ``message``, what happened in the client's terms (the
request, the status, SDM's own short text), and `SdmError.describe`, the message of a failed module run: the
cause first in the user's terms (which SDM, which user, which task), what to do, then ``Details:`` and
``message``. Nothing parses a message back. No text ever holds a password, a cookie or a session id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from ._text import capitalised, sentences

if TYPE_CHECKING:  # the classification needs requests; the state model and the decisions import these errors
    from ._faults import Fault

# The past participles and verbs of the actions in messages.
_PAST = {'commit': 'committed', 'rollback': 'rolled back', 'cancel': 'cancelled'}
_VERB = {'commit': 'commit', 'rollback': 'roll back', 'cancel': 'cancel'}


@dataclass(frozen=True)
class Target:
    """What a failure message names besides the error: SDM's ``host:port``, the user, the API version, and
    whether ``ca_path`` is set."""

    host: str
    user: Optional[str] = None
    api_version: Optional[str] = None
    has_ca_path: bool = False


class SdmError(Exception):
    """Base class of every error the SDM client raises.

    ``transient`` marks a failure that a later try may not have (server busy, connection lost): the client already
    retried it; a waiter may keep polling through it until its deadline. ``attempts`` and `with_note` add to
    ``message`` what the code that gave up on the error knows.
    """

    def __init__(
        self, message: str, status: Optional[int] = None, path: Optional[str] = None, transient: bool = False
    ) -> None:
        super().__init__(message)
        self.detail = message
        self.status = status
        self.path = path
        self.transient = transient
        self.attempts = 1
        self.notes: List[str] = []

    @property
    def message(self) -> str:
        text = self.detail
        if self.attempts > 1:
            text = '%s (gave up after %d attempts)' % (text, self.attempts)
        for note in self.notes:
            text = '%s; %s' % (text, note)
        return text

    def gave_up_after(self, attempts: int) -> 'SdmError':
        self.attempts = attempts
        return self

    def with_note(self, note: str) -> 'SdmError':
        """Add a clause that the code handling the error knows (what was not done, what it means)."""
        self.notes.append(note)
        return self

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return '%s(%r, status=%r, path=%r)' % (type(self).__name__, self.message, self.status, self.path)

    def to_fail_kwargs(self) -> Dict[str, Any]:
        """Keyword arguments for ``AnsibleModule.fail_json``: the client's message, the status and the URL path."""
        kwargs: Dict[str, Any] = {'msg': self.message}
        if self.status is not None:
            kwargs['status'] = self.status
        if self.path is not None:
            kwargs['url_path'] = self.path
        return kwargs

    # The message of a failed module run ------------------------------------------------------------------

    def describe(self, target: Target) -> str:
        """The cause in the user's terms, what to do, and the client's ``message`` as the details."""
        return sentences(
            self.headline(target), self.advice(target), 'Details: %s' % self.message if self.message else None
        )

    def headline(self, target: Target) -> str:
        return 'SDM request to %s failed%s' % (target.host, self._where())

    def advice(self, target: Target) -> Optional[str]:  # pylint: disable=unused-argument
        return None

    def _where(self) -> str:
        """`` (HTTP 403 at /rest/v1.3/...)`` from the fields; empty when ``message`` already quotes both."""
        if self.path and self.path in self.detail and (self.status is None or str(self.status) in self.detail):
            return ''
        parts = (['HTTP %s' % self.status] if self.status is not None else []) + (
            ['at %s' % self.path] if self.path else []
        )
        return ' (%s)' % ' '.join(parts) if parts else ''


class SdmAuthError(SdmError):
    """Login refused (``login``), or the session refused again right after a fresh login (401)."""

    def __init__(
        self, message: str, status: Optional[int] = None, path: Optional[str] = None, login: bool = False
    ) -> None:
        super().__init__(message, status, path)
        self.login = login

    def headline(self, target: Target) -> str:
        if self.login:
            return 'Authentication failed for user %r at SDM %s%s' % (target.user, target.host, self._where())
        return 'SDM %s refused the session of user %r right after a fresh login%s' % (
            target.host,
            target.user,
            self._where(),
        )

    def advice(self, target: Target) -> str:
        if self.login:
            return 'Check username and password'
        # The password is right: the session is not kept between this client and SDM.
        return (
            'The login works, but SDM does not accept its session: check that url leads to one SDM node (or to a load '
            'balancer with sticky sessions) and that no proxy drops the JSESSIONID cookie'
        )


class SdmPermissionError(SdmError):
    """The user lacks the rights for the call (403)."""

    def headline(self, target: Target) -> str:
        return 'User %r lacks route-management rights on SDM %s%s' % (target.user, target.host, self._where())

    def advice(self, target: Target) -> str:
        return 'Give the user a group with route-management permission'


class SdmNotFoundError(SdmError):
    """The object does not exist (404): the route update task ``task_id``, the API version (``api``), or an endpoint."""

    def __init__(
        self,
        message: str,
        status: Optional[int] = None,
        path: Optional[str] = None,
        task_id: Optional[str] = None,
        api: bool = False,
    ) -> None:
        super().__init__(message, status, path)
        self.task_id = task_id
        self.api = api

    @classmethod
    def for_task(cls, task_id: str, answer: Optional[str] = None, path: Optional[str] = None) -> 'SdmNotFoundError':
        """SDM does not know the task; ``answer`` is what it said (``GET /path answered 404 ...``), when it was asked."""
        message = 'route update task %s not found' % task_id
        return cls(message + (' (%s)' % answer if answer else ''), 404, path, task_id=task_id)

    def vanished(self, task_id: str) -> 'SdmNotFoundError':
        """This 404 for a task that the wait had seen before."""
        message = 'route update task %s vanished while waiting (it may have been committed or deleted): %s'
        return SdmNotFoundError(message % (task_id, self.message), self.status, self.path, task_id=task_id)

    def headline(self, target: Target) -> str:
        if self.task_id is not None:
            return 'Route update task %r was not found on SDM %s%s' % (self.task_id, target.host, self._where())
        if self.api:
            return 'SDM at %s has no REST API version %r%s' % (target.host, target.api_version, self._where())
        return 'SDM %s answered "not found"%s' % (target.host, self._where())

    def advice(self, target: Target) -> Optional[str]:
        if self.task_id is not None:
            return 'Check the task id; a committed task leaves the pending list'
        if self.api:
            return 'Check api_version and url'
        return None


# What an answer's status says of SDM, for the headline of a failure (the client retries the first two kinds).
BUSY_STATUSES = frozenset((429,))
UNAVAILABLE_STATUSES = frozenset((502, 503, 504))


class SdmHttpError(SdmError):
    """Any other answer outside 2xx, or a transient one (429, 502, 503, 504) after the retries allowed.

    The headline says what the status means: only a 4xx is a refusal; SDM busy (429) or unavailable (502, 503, 504)
    did not refuse anything, and a 5xx is SDM's own failure.
    """

    def headline(self, target: Target) -> str:
        status = self.status
        if status in BUSY_STATUSES:
            what = 'is busy: it asked to try again later, and the retries allowed did not get an answer'
        elif status in UNAVAILABLE_STATUSES:
            what = 'is unavailable: it did not answer within the retries allowed'
        elif status is not None and 500 <= status < 600:
            what = 'failed to handle the request (server error)'
        elif status is not None and 400 <= status < 500:
            what = 'refused the request'
        else:
            what = 'answered the request with an unexpected status'
        return 'SDM %s %s%s' % (target.host, what, self._where())


class SdmActionRefusedError(SdmHttpError):
    """SDM refused a Commit, Rollback or Cancel in the task's present state (400 or 409), for the ``reason`` it gave."""

    def __init__(self, action: str, task_id: str, reason: str, request: str, status: int, path: str) -> None:
        super().__init__(
            'SDM refused the %s of route update task %s: %s (%s)' % (action, task_id, reason, request), status, path
        )
        self.action = action
        self.task_id = task_id
        self.reason = reason

    def describe(self, target: Target) -> str:
        # The message already says which action SDM refused, for which task, why, and the HTTP status.
        return sentences(self.message, 'SDM did not act on the task')


class SdmBadAnswerError(SdmError):
    """A body that cannot be decoded, or that is not what the call expects."""

    def headline(self, target: Target) -> str:
        return 'SDM at %s sent an answer that cannot be read%s' % (target.host, self._where())


class SdmTransportError(SdmError):
    """Connection, TLS or timeout failure, after the retries allowed. The library's exception is its cause.

    ``fault`` is the client's classification of that exception (`_faults.classify`); an error made without one
    classifies the exceptions behind it when asked.
    """

    def __init__(
        self,
        message: str,
        status: Optional[int] = None,
        path: Optional[str] = None,
        transient: bool = False,
        fault: Optional[Fault] = None,
    ) -> None:
        super().__init__(message, status, path, transient)
        self._fault = fault

    @property
    def fault(self) -> Fault:
        if self._fault is not None:
            return self._fault
        from ._faults import classify  # here, not at the top: see the TYPE_CHECKING import

        return classify(self)

    def headline(self, target: Target) -> str:
        if self.certificate_refused:
            return 'TLS certificate verification failed for SDM at %s' % target.host
        problem = self.connection_problem
        return 'Cannot reach SDM at %s%s' % (target.host, ': %s' % problem if problem else '')

    def advice(self, target: Target) -> Optional[str]:
        if not self.certificate_refused:
            return None
        return 'Set ca_path to the PEM file of the certification authority that signed the server certificate' + (
            ' (the current ca_path does not trust it)' if target.has_ca_path else ''
        )

    @property
    def certificate_refused(self) -> bool:
        """Whether TLS certificate verification failed."""
        return self.fault.certificate_refused

    @property
    def connection_problem(self) -> Optional[str]:
        """A few words for the usual connection problems behind this error, ``None`` when none is recognised."""
        return self.fault.problem


class SdmUnconfirmedError(SdmError):
    """A request that must not be repeated (an action) failed after it may have reached SDM.

    Its answer was lost (read timeout, broken connection, 502, 504), so whether it took effect is unknown;
    repeating it could act twice. ``cause`` is the error of the attempt. The caller looks for the action's
    effect on the task, and never sends it again.
    """

    def __init__(self, cause: SdmError) -> None:
        super().__init__(
            '%s; the request may have reached SDM, so it was not repeated' % cause.message,
            cause.status,
            cause.path,
            transient=True,
        )
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

    def describe(self, target: Target) -> str:
        # The message says what was sent, what was seen, and what to do: nothing to add.
        return sentences(capitalised(self.message))


class SdmInputError(SdmError):
    """Invalid input from the caller, such as an empty task id or a malformed URL."""

    def describe(self, target: Target) -> str:
        return sentences('Invalid argument: %s' % self.message)


class SdmActionConflictError(SdmInputError):
    """The task's state does not allow the action; found before sending, so nothing was sent.

    ``state`` says what the task is doing (``its update is still running``); with a running phase, ``word`` is its
    status word and ``status_label`` names it (``update status``); ``explanation`` says why that stops the action.
    """

    def __init__(
        self,
        task_id: Optional[str],
        action: Optional[str],
        state: str,
        word: Optional[str] = None,
        status_label: Optional[str] = None,
        explanation: Optional[str] = None,
    ) -> None:
        self.task_id = task_id
        self.action = action
        self.state = state
        self.word = word
        self.status_label = status_label
        self.explanation = explanation
        if task_id is None or action is None:
            super().__init__(state)
            return
        running = ' (%s %s)' % (status_label, word) if word is not None else ''
        super().__init__(
            'route update task %s cannot be %s: %s%s%s. Nothing was sent to SDM'
            % (task_id, _PAST[action], state, running, self._explained())
        )

    def _explained(self) -> str:
        return '; %s' % self.explanation if self.explanation else ''

    def describe(self, target: Target) -> str:
        if self.task_id is None or self.action is None:
            return sentences("The task's state does not allow the action: %s" % self.state)
        head = 'Cannot %s route update task %s' % (_VERB[self.action], self.task_id)
        if self.word is not None:
            return sentences(
                '%s while %s (%s)%s. Nothing was sent to SDM' % (head, self.state, self.word, self._explained())
            )
        return sentences('%s: %s%s. Nothing was sent to SDM' % (head, self.state, self._explained()))


class SdmWaitTimeout(SdmError):
    """The wait deadline passed before every task finished.

    ``tasks`` holds the last normalised state seen of every task, in the order asked.
    """

    def __init__(
        self,
        message: str,
        tasks: List[Dict[str, Any]],
        polls: int = 0,
        elapsed: float = 0.0,
        warnings: Optional[List[str]] = None,
    ) -> None:
        super().__init__(message)
        self.tasks = tasks
        self.polls = polls
        self.elapsed = elapsed
        self.warnings = list(warnings or [])

    def describe(self, target: Target) -> str:
        return sentences(capitalised(self.message), 'The last state of every task is in route_updates')

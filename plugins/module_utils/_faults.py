# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Transport faults, classified once: how far a request got and what the network or the server did.

`classify` reads the exception chain that ``requests`` and ``urllib3`` raise (their types first, their own
messages where a library keeps the cause only as text) and gives a `Fault`. Everything else is derived from it:
the client's words for the fault (`Stage`), whether it is retried and whether the request may have reached SDM
(`Fault.transient`, `Fault.may_have_arrived`), and the few words of a failure's headline (`Cause`).
Pure: no I/O; from the rest of the collection only the body watchdog's exception.
"""

from __future__ import annotations

import enum
import re
import socket
import ssl
from dataclasses import dataclass
from typing import Any, List, Optional

from ._body_watchdog import SlowBodyError

try:
    import requests
    import urllib3
except ImportError:  # _transport.py reports the missing library; classify then only meets other exceptions
    requests = None  # type: ignore[assignment]


class Stage(enum.Enum):
    """How far the request got when it failed; each value is the client's words for it (see `Fault.words`)."""

    NOT_CONNECTED = 'cannot connect to {host}: {reason}'
    CONNECT_TIMEOUT = 'no connection to {host} within {seconds} seconds'
    NO_ANSWER = 'no answer from {host} within {seconds} seconds'
    BROKE_BEFORE_ANSWER = 'the connection to {host} broke before the answer arrived: {reason}'
    BROKE_IN_ANSWER = 'the connection to {host} broke while reading the answer'
    SLOW_ANSWER = 'the answer from {host} started but did not arrive in full within {seconds} seconds'
    TLS = 'TLS error with {host}: {reason}; check validate_certs and ca_path'
    OTHER = '{reason}'


class Cause(enum.Enum):
    """What the network or the server did, in the few words a failure's headline gives it."""

    REFUSED = 'connection refused'
    NOT_RESOLVED = 'host name not resolved'
    NO_ROUTE = 'no route to host'
    UNREACHABLE = 'network unreachable'
    TIMED_OUT = 'timed out'
    RESET = 'connection reset'
    CLOSED = 'connection closed by the server'
    CERTIFICATE = 'TLS certificate verification failed'
    TLS_REFUSED = 'TLS handshake refused'  # for the settings (protocol, cipher), not a connection closed meanwhile
    UNKNOWN = ''


# Faults not retried (TLS, or one the client does not know), and faults of a request never sent (safe to repeat).
_PERMANENT = frozenset((Stage.TLS, Stage.OTHER))
_NEVER_SENT = frozenset((Stage.NOT_CONNECTED, Stage.CONNECT_TIMEOUT))
# The libraries' messages of the usual causes, for the exceptions that keep the cause only as text.
_CAUSE_TEXTS = {
    Cause.REFUSED: ('connection refused', 'errno 111'),
    Cause.NOT_RESOLVED: (
        'name or service not known',
        'nodename nor servname',
        'temporary failure in name resolution',
        'failed to resolve',
    ),
    Cause.TIMED_OUT: ('timed out',),
    Cause.NO_ROUTE: ('no route to host',),
    Cause.UNREACHABLE: ('network is unreachable',),
    Cause.RESET: ('connection reset',),
    Cause.CLOSED: ('connection aborted', 'remote end closed'),
}
_CERTIFICATE_TEXTS = ('certificate verify failed', 'certificate_verify_failed')
# TLS errors that tell of a connection closed or reset during the handshake: an outage, not the settings.
_TLS_CLOSED = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)
# Causes that waiting does not mend, and that a headline says in words of its own.
_SETTINGS = frozenset((Cause.CERTIFICATE, Cause.TLS_REFUSED))
# urllib3 prefixes reasons with the connection object; the client's message already names the host.
_OBJECT_REPR = re.compile(r'<[^<>]* object at 0x[0-9a-fA-F]+>:?\s*|\b\w*Connection(?:Pool)?\(host=[^()]*\):?\s*')


@dataclass(frozen=True)
class Fault:
    """One transport fault: how far the request got, the cause, and the libraries' own words (one line, uncut)."""

    stage: Stage
    cause: Cause
    reason: str

    @property
    def transient(self) -> bool:
        """Whether a later try may not meet it (a connection problem), as opposed to settings to fix (TLS)."""
        return self.stage not in _PERMANENT

    @property
    def may_have_arrived(self) -> bool:
        """False only when no connection existed: then even a login or an action may be sent again."""
        return self.stage not in _NEVER_SENT

    @property
    def settings_to_fix(self) -> bool:
        """A TLS failure of the settings (a certificate not trusted, a handshake refused): waiting will not mend it."""
        return self.cause in _SETTINGS

    @property
    def certificate_refused(self) -> bool:
        """Whether TLS certificate verification failed."""
        return self.cause is Cause.CERTIFICATE

    @property
    def problem(self) -> Optional[str]:
        """The headline's words for a connection problem; None when the cause is unknown or of the TLS settings."""
        return None if self.cause is Cause.UNKNOWN or self.settings_to_fix else self.cause.value

    def words(self, host: str, seconds: float, shown_reason: str) -> str:
        """The client's clause for it; ``shown_reason`` is `reason` as a message shows it (one short line)."""
        return self.stage.value.format(host=host, seconds=seconds, reason=shown_reason)


def classify(error: BaseException) -> Fault:
    """The fault behind ``error``: a ``requests`` exception, or any exception with one in the chain behind it."""
    chain = exception_chain(error)
    request_error = next((cause for cause in chain if _is_request_error(cause)), error)
    stage = _stage(request_error)
    reason = _socket_reason(request_error) if stage is Stage.BROKE_BEFORE_ANSWER else _library_reason(request_error)
    return Fault(stage, _cause(chain), reason)


def exception_chain(error: BaseException, wrapped_only: bool = False) -> List[BaseException]:
    """The exception and the ones behind it, each once, nearest first.

    Everything behind it (``__cause__``, ``__context__``, ``reason``, exception arguments), or with ``wrapped_only``
    only what requests and urllib3 wrap one in the other (``reason``, else the first argument): a line whose last
    entry is the innermost cause the libraries name.
    """
    chain: List[BaseException] = []
    todo: List[Any] = [error]
    while todo:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or any(current is seen for seen in chain):
            continue
        chain.append(current)
        if wrapped_only:
            inner = getattr(current, 'reason', None)
            if inner is None and current.args and isinstance(current.args[0], BaseException):
                inner = current.args[0]
            todo = [inner]
            continue
        todo.extend([current.__cause__, current.__context__, getattr(current, 'reason', None)])
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return chain


def _is_request_error(error: BaseException) -> bool:
    return requests is not None and isinstance(error, requests.exceptions.RequestException)


def _stage(error: BaseException) -> Stage:
    if not _is_request_error(error):
        return Stage.OTHER
    if isinstance(error, requests.exceptions.SSLError):
        return Stage.TLS
    exceptions = requests.exceptions
    if not isinstance(error, (exceptions.ConnectionError, exceptions.Timeout, exceptions.ChunkedEncodingError)):
        return Stage.OTHER
    if isinstance(error, SlowBodyError):
        return Stage.SLOW_ANSWER
    if isinstance(error, exceptions.ConnectTimeout):
        return Stage.CONNECT_TIMEOUT
    if isinstance(error, exceptions.ReadTimeout):
        return Stage.NO_ANSWER
    if isinstance(error, exceptions.ChunkedEncodingError):
        return Stage.BROKE_IN_ANSWER
    # urllib3 1.26 and 2.x: NewConnectionError (refused, name resolution) subclasses ConnectTimeoutError.
    chain = exception_chain(error, wrapped_only=True)
    if any(isinstance(cause, urllib3.exceptions.ConnectTimeoutError) for cause in chain):
        return Stage.NOT_CONNECTED
    # Connected, then reset or closed: "cannot connect" would send the user looking at the network.
    return Stage.BROKE_BEFORE_ANSWER


def _cause(chain: List[BaseException]) -> Cause:
    texts = [str(cause).lower() for cause in chain]
    if any(isinstance(cause, ssl.SSLCertVerificationError) for cause in chain) or any(
        needle in text for text in texts for needle in _CERTIFICATE_TEXTS
    ):
        return Cause.CERTIFICATE
    for cause in chain:
        if isinstance(cause, ConnectionRefusedError):
            return Cause.REFUSED
        if isinstance(cause, socket.gaierror):
            return Cause.NOT_RESOLVED
        if isinstance(cause, (socket.timeout, TimeoutError)):
            return Cause.TIMED_OUT
    if any(isinstance(cause, ssl.SSLError) and not isinstance(cause, _TLS_CLOSED) for cause in chain):
        return Cause.TLS_REFUSED
    text = ' '.join(texts)
    return next(
        (cause for cause, needles in _CAUSE_TEXTS.items() if any(needle in text for needle in needles)), Cause.UNKNOWN
    )


def _library_reason(error: BaseException) -> str:
    """The innermost readable cause the libraries name, without object reprs."""
    reason = exception_chain(error, wrapped_only=True)[-1]
    return _OBJECT_REPR.sub('', str(reason)).strip() or type(reason).__name__


def _socket_reason(error: BaseException) -> str:
    """The operating system's words for a broken connection (``Connection reset by peer``), else the innermost cause."""
    for cause in exception_chain(error, wrapped_only=True):
        for item in (cause,) + tuple(cause.args):
            # requests' own exceptions are OSErrors too; the socket's error is the one with the system's words.
            if (
                isinstance(item, OSError)
                and not isinstance(item, requests.exceptions.RequestException)
                and (item.strerror or str(item))
            ):
                return item.strerror or str(item)
    return _library_reason(error)

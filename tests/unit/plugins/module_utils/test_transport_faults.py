# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Transport faults classified once: how far the request got, the cause, and what follows from them."""

from __future__ import annotations

import socket
import ssl

import pytest
import requests
import urllib3

from ansible_collections.ocsdm.route_manager.plugins.module_utils._body_watchdog import SlowBodyError
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmTransportError, Target
from ansible_collections.ocsdm.route_manager.plugins.module_utils._faults import Cause, Fault, Stage, classify

URL = 'https://sdm.example.com:8443/'


def _wrapped(reason: BaseException, cause: BaseException) -> Exception:
    """As urllib3 2 and requests raise it: the library's error made ``from`` the socket's, inside MaxRetryError."""
    reason.__cause__ = cause
    return requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, URL, reason))


def _unresolved() -> Exception:
    gaierror = socket.gaierror(-2, 'Name or service not known')
    message = "Failed to resolve 'sdm.example.com' ([Errno -2] Name or service not known)"
    return _wrapped(urllib3.exceptions.NewConnectionError(None, message), gaierror)


def _refused_here() -> Exception:
    """A real refusal: a port of 127.0.0.1 on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment
    try:
        session.get('http://127.0.0.1:%d/' % port, timeout=5)
    except requests.exceptions.ConnectionError as exc:
        return exc
    raise AssertionError('something listens on port %d' % port)


def _reset() -> Exception:
    return requests.exceptions.ConnectionError(
        urllib3.exceptions.ProtocolError('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))
    )


def _untrusted() -> Exception:
    return requests.exceptions.SSLError(
        ssl.SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')
    )


@pytest.mark.parametrize(
    'error, stage, cause, transient, may_have_arrived',
    [
        (_refused_here(), Stage.NOT_CONNECTED, Cause.REFUSED, True, False),
        (_unresolved(), Stage.NOT_CONNECTED, Cause.NOT_RESOLVED, True, False),
        (requests.exceptions.ConnectTimeout('connect timed out'), Stage.CONNECT_TIMEOUT, Cause.TIMED_OUT, True, False),
        (requests.exceptions.ReadTimeout('read timed out'), Stage.NO_ANSWER, Cause.TIMED_OUT, True, True),
        (_reset(), Stage.BROKE_BEFORE_ANSWER, Cause.RESET, True, True),
        (requests.exceptions.ChunkedEncodingError('incomplete read'), Stage.BROKE_IN_ANSWER, Cause.UNKNOWN, True, True),
        (SlowBodyError('the whole answer did not arrive'), Stage.SLOW_ANSWER, Cause.UNKNOWN, True, True),
        (_untrusted(), Stage.TLS, Cause.CERTIFICATE, False, True),
        (
            requests.exceptions.SSLError(ssl.SSLError(1, 'wrong version number')),
            Stage.TLS,
            Cause.TLS_REFUSED,
            False,
            True,
        ),
        (requests.exceptions.SSLError(ssl.SSLEOFError(8, 'EOF occurred')), Stage.TLS, Cause.UNKNOWN, False, True),
        (requests.exceptions.InvalidURL('bad'), Stage.OTHER, Cause.UNKNOWN, False, True),
        (OSError('Could not find a suitable TLS CA certificate bundle'), Stage.OTHER, Cause.UNKNOWN, False, True),
    ],
    ids=[
        'refused',
        'unresolved',
        'connect-timeout',
        'read-timeout',
        'reset',
        'chunked',
        'slow',
        'untrusted',
        'tls-refused',
        'tls-closed',
        'url',
        'os',
    ],
)
def test_each_fault_is_classified_with_what_follows(error, stage, cause, transient, may_have_arrived):
    fault = classify(error)
    assert (fault.stage, fault.cause) == (stage, cause)
    assert (fault.transient, fault.may_have_arrived) == (transient, may_have_arrived)


def test_the_words_come_from_the_classification():
    reset = classify(_reset())
    assert reset.reason == 'Connection reset by peer'
    assert reset.words('sdm:8443', 30.0, reset.reason) == (
        'the connection to sdm:8443 broke before the answer arrived: Connection reset by peer'
    )
    assert reset.problem == 'connection reset'
    refused = classify(_refused_here())
    assert refused.words('sdm:8443', 30.0, 'refused') == 'cannot connect to sdm:8443: refused'
    assert 'object at 0x' not in refused.reason and 'HTTPConnection(host=' not in refused.reason
    assert classify(_untrusted()).problem is None


def test_an_error_keeps_the_clients_classification_whatever_its_text():
    """The headline comes from the fault the client classified, never from reading its own message again."""
    fault = Fault(Stage.NOT_CONNECTED, Cause.NOT_RESOLVED, 'no such host')
    error = SdmTransportError('POST /x failed: the words say timed out and connection refused', fault=fault)
    assert error.fault is fault and error.connection_problem == 'host name not resolved'
    assert error.headline(Target('sdm:8443')) == 'Cannot reach SDM at sdm:8443: host name not resolved'
    assert not error.certificate_refused


def test_an_error_made_without_a_fault_classifies_the_exceptions_behind_it():
    error = SdmTransportError('POST /x failed')
    error.__cause__ = _untrusted()
    assert error.certificate_refused and error.connection_problem is None
    assert error.fault.stage is Stage.TLS and error.fault.settings_to_fix


def test_only_tls_failures_of_the_settings_are_settings_to_fix():
    assert classify(_untrusted()).settings_to_fix
    assert classify(requests.exceptions.SSLError(ssl.SSLError(1, 'wrong version number'))).settings_to_fix
    assert not classify(requests.exceptions.SSLError(ssl.SSLEOFError(8, 'EOF occurred'))).settings_to_fix
    assert not classify(_refused_here()).settings_to_fix

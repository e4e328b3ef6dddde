# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The shared argument specs, one builder per doc fragment of ``plugins/doc_fragments/connection.py``.

A module takes the builders of the fragments it extends its documentation with, so what is documented and
what is accepted stay the same option for option; ``FRAGMENT_SPECS`` pairs them and a unit test compares each
pair. Each call returns a fresh dictionary, which a module may change.
"""

from __future__ import annotations

from typing import Any, Callable, Dict

from ansible.module_utils.basic import env_fallback

from ._sdm_api import DEFAULT_API_VERSION, DEFAULT_REQUEST_TIMEOUT, JSON, XML
from ._states import (
    DEFAULT_FAILURE_STATES,
    DEFAULT_ROLLBACK_FAILURE_STATES,
    DEFAULT_ROLLBACK_SUCCESS_STATES,
    DEFAULT_SUCCESS_STATES,
)

Spec = Dict[str, Dict[str, Any]]


def connection_spec() -> Spec:
    """Documented by ``ocsdm.route_manager.connection``: how to reach and log in to SDM, and the recording."""
    return dict(
        url=dict(type='str', required=True, fallback=(env_fallback, ['SDM_URL'])),
        username=dict(type='str', required=True, fallback=(env_fallback, ['SDM_USERNAME'])),
        password=dict(type='str', required=True, no_log=True, fallback=(env_fallback, ['SDM_PASSWORD'])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['SDM_VALIDATE_CERTS'])),
        ca_path=dict(type='path', fallback=(env_fallback, ['SDM_CA_PATH'])),
        request_timeout=dict(type='float', default=DEFAULT_REQUEST_TIMEOUT),
        api_version=dict(type='str', default=DEFAULT_API_VERSION),
        body_format=dict(type='str', default=XML, choices=[XML, JSON]),
        record_dir=dict(type='path', fallback=(env_fallback, ['SDM_RECORD_DIR'])),
        record_placeholders=dict(type='bool', default=False, fallback=(env_fallback, ['SDM_RECORD_PLACEHOLDERS'])),
    )


def wait_spec() -> Spec:
    """Documented by ``ocsdm.route_manager.connection.wait``: whether, for what and how long to wait."""
    return dict(
        wait=dict(type='bool', default=False),
        wait_for=dict(type='str', default='update', choices=['update', 'rollback']),
        wait_timeout=dict(type='int', default=600),
        fail_on_timeout=dict(type='bool', default=True),
    )


def polling_spec() -> Spec:
    """Documented by ``ocsdm.route_manager.connection.polling``: how often a wait reads."""
    return dict(
        wait_sleep=dict(type='float', default=5.0),
        wait_sleep_max=dict(type='float', default=30.0),
    )


def states_spec() -> Spec:
    """Documented by ``ocsdm.route_manager.connection.states``: the status words."""
    return dict(
        success_states=dict(type='list', elements='str', default=list(DEFAULT_SUCCESS_STATES)),
        failure_states=dict(type='list', elements='str', default=list(DEFAULT_FAILURE_STATES)),
        rollback_success_states=dict(type='list', elements='str', default=list(DEFAULT_ROLLBACK_SUCCESS_STATES)),
        rollback_failure_states=dict(type='list', elements='str', default=list(DEFAULT_ROLLBACK_FAILURE_STATES)),
    )


def event_source_spec() -> Spec:
    """The options of the event source ``route_updates`` beyond the connection and the status words (documented in
    its own DOCUMENTATION)."""
    return dict(
        interval=dict(type='float', default=10.0),
        task_ids=dict(type='list', elements='str'),
        emit_initial_state=dict(type='bool', default=True),
    )


# The attribute of ModuleDocFragment in plugins/doc_fragments/connection.py -> the builder it documents.
FRAGMENT_SPECS: Dict[str, Callable[[], Spec]] = {
    'DOCUMENTATION': connection_spec,
    'WAIT': wait_spec,
    'POLLING': polling_spec,
    'STATES': states_spec,
}

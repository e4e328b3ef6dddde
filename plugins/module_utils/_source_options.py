# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options of the event source ``route_updates``: the modules' argument specs (`_argspec`), checked by
ansible-core's `ArgumentSpecValidator` with the same defaults and environment fallbacks, then the source's own
limits (`MIN_INTERVAL`, task IDs as the client takes them). Every problem names its option."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import RequiredError, UnsupportedError

from . import _event_poller
from ._argspec import Spec, connection_spec, event_source_spec, states_spec
from ._connection_config import ConnectionConfig
from ._transport import HAS_REQUESTS
from ._sdm_api import task_path
from ._decode import HAS_LXML
from ._errors import SdmInputError
from ._states import StateMatcher

NAME = 'ocsdm.route_manager.route_updates'


# Options: the modules' specs, checked by ansible-core ---------------------------------------------


def argument_spec() -> Spec:
    """The source's options: the connection and status words as the modules take them, and its own."""
    spec = connection_spec()
    spec.update(states_spec())
    spec.update(event_source_spec())
    return spec


def _refused(problem: str) -> SdmInputError:
    return SdmInputError('%s: %s' % (NAME, problem))


def _problem(error: Exception, spec: Spec, params: Mapping[str, Any], validated: Mapping[str, Any]) -> str:
    """ansible-core's words, with the environment variable a required option can come from."""
    if isinstance(error, UnsupportedError):
        unknown = sorted(name for name in params if name not in spec)
        return 'unknown option%s %s; the options are %s' % (
            's' if len(unknown) > 1 else '',
            ', '.join(unknown),
            ', '.join(sorted(spec)),
        )
    if isinstance(error, RequiredError):
        missing = [name for name in spec if spec[name].get('required') and validated.get(name) is None]
        return '; '.join(
            'option %s is required: set it in the rulebook or in the environment variable %s'
            % (name, ', '.join(spec[name]['fallback'][1]))
            for name in missing
        )
    return str(error)


def read_options(args: Mapping[str, Any]) -> Dict[str, Any]:
    """Every option from the rulebook's ``args``, then its environment fallback, then its default.

    An option given as ``None`` (a rulebook's ``{{ var | default(None) }}``) is not set: the rulebook need not
    repeat a default. ``eda_*`` arguments are ansible-rulebook's own.
    """
    spec = argument_spec()
    params = {name: value for name, value in args.items() if value is not None and not name.startswith('eda_')}
    result = ArgumentSpecValidator(spec).validate(params)
    if result.errors.errors:
        raise _refused(
            '; '.join(_problem(error, spec, params, result.validated_parameters) for error in result.errors.errors)
        )
    values = result.validated_parameters
    if values['interval'] < _event_poller.MIN_INTERVAL:
        raise _refused(
            'option interval is below its floor of %g s: got %g' % (_event_poller.MIN_INTERVAL, values['interval'])
        )
    if not values['request_timeout'] > 0:
        raise _refused('option request_timeout must be greater than 0, got %g' % values['request_timeout'])
    if values['task_ids'] is not None:
        values['task_ids'] = tuple(dict.fromkeys(values['task_ids']))
        if not values['task_ids']:
            raise _refused('option task_ids must name at least one task')
        for task_id in values['task_ids']:
            try:
                task_path(task_id)
            except SdmInputError as error:
                raise _refused('option task_ids: %s' % error.message) from error
    return values


@dataclass(frozen=True)
class SourceSettings:
    """What the source does, checked before it logs in."""

    connection: ConnectionConfig
    matcher: StateMatcher
    interval: float
    task_ids: Optional[Tuple[str, ...]]
    emit_initial_state: bool

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> 'SourceSettings':
        """Raises `SdmInputError` naming the option for anything unusable."""
        values = read_options(args)
        if not HAS_REQUESTS:
            raise _refused('needs the Python package requests')
        if values['body_format'] == 'xml' and not HAS_LXML:
            raise _refused('needs the Python package lxml for body_format xml (or set body_format to json)')
        try:
            connection = ConnectionConfig(**{option: values[option] for option in connection_spec()})
            matcher = StateMatcher(**{option: values[option] for option in states_spec()})
        except SdmInputError as error:
            raise _refused(error.message) from error
        return cls(connection, matcher, values['interval'], values['task_ids'], values['emit_initial_state'])

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The event source's options (`_source_options.py`): the modules' specs, ansible-core's checks, the source's limits."""

from __future__ import annotations

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils._argspec import connection_spec, event_source_spec
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmInputError
from ansible_collections.ocsdm.route_manager.plugins.module_utils._source_options import (
    SourceSettings,
    read_options,
)

BASE = {'url': 'https://sdm.example.com:8443', 'username': 'admin', 'password': 'secret-Pw-1'}


def test_defaults_come_from_the_modules_specs():
    values = read_options(BASE)
    for name, option in dict(connection_spec(), **event_source_spec()).items():
        if 'default' in option:
            assert values[name] == option['default'], name


def test_the_connection_falls_back_on_the_environment(monkeypatch):
    monkeypatch.setenv('SDM_URL', 'https://env.example.com:8443')
    monkeypatch.setenv('SDM_VALIDATE_CERTS', 'no')
    settings = SourceSettings.from_args({'username': 'admin', 'password': 'secret-Pw-1'})
    assert settings.connection.host == 'env.example.com:8443' and settings.connection.validate_certs is False


def test_an_option_templated_to_none_is_unset():
    values = read_options(dict(BASE, interval=None, task_ids=None, request_timeout=None, eda_extra='x'))
    assert (values['interval'], values['task_ids'], values['request_timeout']) == (10.0, None, 30.0)


def test_task_ids_are_kept_in_order_without_repeats():
    assert read_options(dict(BASE, task_ids=['ID33', 'ID34', 'ID33']))['task_ids'] == ('ID33', 'ID34')


@pytest.mark.parametrize(
    'options, problem',
    [
        ({'task_ids': ['ID33 ']}, "option task_ids: the task id 'ID33 ' has leading or trailing whitespace"),
        ({'interval': 0.01}, 'option interval is below its floor of 1 s: got 0.01'),
        ({'interval': 0.01, 'intervall': 2}, 'unknown option intervall; the options are '),
        ({'url': None, 'username': None}, 'option url is required: set it in the rulebook or in the environment'),
    ],
)
def test_a_bad_option_is_named(monkeypatch, options, problem):
    monkeypatch.delenv('SDM_URL', raising=False)
    monkeypatch.delenv('SDM_USERNAME', raising=False)
    with pytest.raises(SdmInputError) as refused:
        SourceSettings.from_args(dict(BASE, **options))
    assert str(refused.value).startswith('ocsdm.route_manager.route_updates: ') and problem in str(refused.value)

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A test helper: calls the SDM simulator's control API (/_sim/) from the controller.

The tests call that API about 150 times per run. As a module (ansible.builtin.uri) a call costs about 0.3 s of
CPU, as a lookup a few milliseconds; make test runs three integration legs on 2 cores, so that is its time.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: sim_control
short_description: Call the SDM simulator's control API
description:
  - Sends one request to C(URL/_sim/PATH) and returns its JSON answer. Test helper of the integration targets.
options:
  _terms:
    description: The path below C(/_sim/), for example C(scenario) or C(counters/reset).
    required: true
  url:
    description: The simulator's base URL.
    type: str
    required: true
  method:
    description: The HTTP method.
    type: str
    default: GET
    choices: [GET, POST, DELETE]
  body:
    description: Sent as JSON.
    type: raw
  ca_path:
    description: The CA bundle of an HTTPS simulator.
    type: path
"""

import json
from urllib.error import HTTPError, URLError

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.urls import open_url
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return [self._call(term) for term in terms]

    def _call(self, path):
        url = '%s/_sim/%s' % (self.get_option('url').rstrip('/'), path.lstrip('/'))
        method = self.get_option('method')
        body = self.get_option('body')
        data = None if body is None else json.dumps(body)
        headers = {} if data is None else {'Content-Type': 'application/json'}
        try:
            answer = open_url(
                url, method=method, data=data, headers=headers, ca_path=self.get_option('ca_path'), timeout=30
            )
            return json.loads(answer.read())
        except HTTPError as error:
            raise AnsibleError('%s %s: HTTP %s: %s' % (method, url, error.code, to_text(error.read())[:500])) from error
        except (URLError, OSError, ValueError) as error:
            raise AnsibleError('%s %s: %s' % (method, url, error)) from error

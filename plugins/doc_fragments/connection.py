# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """Connection options shared by every module of the action group C(ocsdm.route_manager.sdm)."""

    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the Session Delivery Manager, with scheme, host and port, for example V(https://sdm.example.com:8443).
      - A path prefix, for SDM behind a reverse proxy, is accepted and kept, for example V(https://proxy.example.com/sdm)
        (then requests go to C(https://proxy.example.com/sdm/rest/<api_version>/...)).
      - The REST path C(/rest/<api_version>/...) is added by the module. A user name, password, query or fragment in the
        URL is refused.
      - If not set, the value of the E(SDM_URL) environment variable is used.
    type: str
    required: true
  username:
    description:
      - SDM user that logs in. The user's group needs route-management rights.
      - If not set, the value of the E(SDM_USERNAME) environment variable is used.
    type: str
    required: true
  password:
    description:
      - Password of O(username).
      - If not set, the value of the E(SDM_PASSWORD) environment variable is used.
    type: str
    required: true
  validate_certs:
    description:
      - Verify the server's TLS certificate.
      - Turn this off only for a throw-away lab server; the module warns when it is off.
        To trust a private certification authority, keep it on and set O(ca_path).
      - If not set, the value of the E(SDM_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the certification authority (or authorities) that signed the server's certificate.
      - Used instead of the system trust store when O(validate_certs=true).
      - If not set, the value of the E(SDM_CA_PATH) environment variable is used.
    type: path
  request_timeout:
    description:
      - Seconds to wait for the server to accept a connection, for each answer to start, and for the whole body of each
        answer to arrive (a server that sends an answer slowly, byte by byte, cannot hold a request longer).
      - A request that times out is retried while the overall deadline allows.
    type: float
    default: 30
  api_version:
    description:
      - Version segment of the REST path. Every route-set call of SDM 8.2 to 9.0.1 uses V(v1.3).
    type: str
    default: v1.3
  body_format:
    description:
      - Format of the request and answer bodies exchanged with SDM.
      - Both give the same result; V(json) needs no XML parsing (and no C(lxml)), V(xml) is the format of Oracle's examples.
    type: str
    choices: [xml, json]
    default: xml
  record_dir:
    version_added: 1.0.0
    description:
      - Folder where every HTTP exchange with SDM is recorded, one JSON file per exchange (method, path, status,
        content type, the headers that matter, the body, the seconds since the recording's first request), to attach
        to a bug report or to replay with the collection's SDM simulator (C(python -m sdm_simulator --replay FOLDER)).
      - The password, the session IDs and every cookie value are removed from each file, in every form they can take
        (plain, JSON- or XML-escaped, character references, percent-encoded, base64).
      - An absolute path on the host where the module runs; the folder is created when missing (readable by its owner
        only). Use one folder per change window.
      - Bounded. At most 1000 files per module run and 20000 per folder; a body larger than the client's
        limit for answers (64 MiB) is not written, and the file says so.
      - Writing the recording never fails the module. When it cannot be written, one warning says why.
      - Unset (the default) records nothing.
      - If not set, the value of the E(SDM_RECORD_DIR) environment variable is used.
    type: path
  record_placeholders:
    version_added: 1.0.0
    description:
      - With O(record_dir), replace the SDM host name, other host names and addresses in the answers, and device and
        device group IDs by placeholders such as V(device-3f9a1c2b7e), the same in every file of the folder, so that a
        recording can be shared without them. Task IDs stay as they are.
      - The placeholders come from a random key kept in the hidden file C(.placeholder-key) of the folder.
        Do not share that file; it lets anyone map the placeholders back.
      - If not set, the value of the E(SDM_RECORD_PLACEHOLDERS) environment variable is used.
    type: bool
    default: false
notes:
  - The connection options can be set once for a play or a block with
    C(module_defaults) and the action group C(group/ocsdm.route_manager.sdm).
  - The module logs in once per run, reuses that session for every request, and logs out on every path,
    also when it fails or times out.
  - The password, the session cookie and the session ID never appear in results, warnings or error messages.
requirements:
  - requests
  - lxml (only for O(body_format=xml))
"""

    WAIT = r"""
options:
  wait:
    description:
      - Wait until every selected task has finished (see O(wait_for)) before returning.
      - When V(false), the tasks are read once and returned as they are.
    type: bool
    default: false
  wait_for:
    description:
      - What to wait for when O(wait=true).
      - V(update) waits until the update status of each task is a word of O(success_states) or O(failure_states).
      - V(rollback) waits until the rollback status of each task is a word of O(rollback_success_states)
        or O(rollback_failure_states).
    type: str
    choices: [update, rollback]
    default: update
  wait_timeout:
    description:
      - Maximum number of seconds to wait when O(wait=true), measured with a monotonic clock.
      - What happens when the deadline passes depends on O(fail_on_timeout).
    type: int
    default: 600
  fail_on_timeout:
    description:
      - When V(true), a wait that reaches O(wait_timeout) fails the module. The last state of every task is still
        returned in RV(route_updates).
      - When V(false), such a wait returns normally with RV(timed_out=true) and the last state of every task.
        Use this to wait in slices, for example to show progress once a minute.
    type: bool
    default: true
"""

    # How often a wait polls: every module that waits (route_update_info, route_update_action).
    POLLING = r"""
options:
  wait_sleep:
    description:
      - Seconds between the first polls when O(wait=true), and the shortest sleep between two polls.
      - The interval grows by half each poll up to O(wait_sleep_max) while no end of the update can be predicted.
        Once the counts of finished devices have risen at two polls, the wait predicts when the last device will
        finish and aims the next poll just after that moment (half of O(wait_sleep) later), between O(wait_sleep)
        and O(wait_sleep_max); when the moment passes without the end, the interval starts again from O(wait_sleep).
        The Nth poll never comes before the Nth poll of the growing interval alone, so a wait never polls more often.
      - The last sleep is trimmed so the wait never overshoots O(wait_timeout).
    type: float
    default: 5
  wait_sleep_max:
    description:
      - Longest interval in seconds between two polls when O(wait=true). Must not be smaller than O(wait_sleep).
    type: float
    default: 30
"""

    # The state words, apart from the wait options: every module that classifies tasks uses them,
    # also those that wait in their own way (route_update_action).
    STATES = r"""
options:
  success_states:
    description:
      - Update status words that mean the update finished successfully.
      - Status words are compared case-insensitively, ignoring spaces, V(_) and V(-).
        A word may not be in both O(success_states) and O(failure_states), nor in both O(rollback_success_states)
        and O(rollback_failure_states).
      - A status word that is in none of the lists is treated as not finished and reported in a warning.
    type: list
    elements: str
    default: [Completed, Complete, Success, Succeeded]
  failure_states:
    description:
      - Update status words that mean the update finished and failed.
    type: list
    elements: str
    default: [Failed, Failure, PartiallyCompleted, PartiallyFailed, Cancelled, Canceled, Aborted, Error]
  rollback_success_states:
    description:
      - Rollback status words that mean the rollback finished successfully.
    type: list
    elements: str
    default: [Completed, Complete, Success, Succeeded, RolledBack]
  rollback_failure_states:
    description:
      - Rollback status words that mean the rollback finished and failed on some or all devices.
    type: list
    elements: str
    default: [Failed, Failure, PartiallyCompleted, PartiallyFailed, Error]
"""

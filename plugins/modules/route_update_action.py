#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: route_update_action
short_description: Commit, roll back or cancel an SDM route update task
version_added: 0.1.0
description:
  - Sends a V(Commit), V(Rollback) or V(Cancel) action for one route update task to Oracle Communications
    Session Delivery Manager (SDM).
  - SDM keeps the devices of a task locked until the task is committed or rolled back, whatever the outcome of the
    update. A commit releases the locks and moves the task out of the pending list; a rollback undoes the update on
    the devices and also releases them; a cancel stops an update that is still running.
  - The module reads the task first and sends the action only when it is still needed. An action that is already
    done reports RV(ignore:changed=false) (see the notes for each action). An action that the task's state does not
    allow, such as a rollback while the update still runs, fails before anything is sent.
  - With O(wait=true), waits for the result of the action on the same login session.
  - Logs in once per run and logs out on every path, also on failure and timeout.
author:
  - ocsdm.route_manager developers (@ocsdm)
options:
  task_id:
    description:
      - ID of the route update task, as SDM shows it, for example V(ID33).
      - An ID with leading or trailing whitespace, such as V("ID33 "), is refused before the module logs in, not trimmed,
        as by every module of the collection and the role C(ocsdm.route_manager.route_update_wait).
      - An ID that SDM does not know fails the module and sends nothing, for V(commit) too (see the notes).
    type: str
    required: true
  action:
    description:
      - The action to send, V(commit), V(rollback) or V(cancel).
      - The API's spelling (V(Commit), V(Rollback), V(Cancel)) and upper case are accepted too.
      - V(commit) releases the devices of a task whose update has finished, successfully or not, and keeps the update.
      - V(rollback) undoes the update on the devices that took it. SDM accepts it only once the update has finished.
      - V(cancel) stops an update that is pending or running. The task then still needs a commit or a rollback.
    type: str
    required: true
    choices: [commit, rollback, cancel, Commit, Rollback, Cancel, COMMIT, ROLLBACK, CANCEL]
  wait:
    description:
      - Wait until the result of the action shows before returning.
      - For V(commit), until the task has left the pending list of SDM.
      - For V(rollback), until the rollback status is a word of O(rollback_success_states) or O(rollback_failure_states).
      - For V(cancel), until the update status is a word of O(success_states) or O(failure_states).
      - Also waits when the action was already done by an earlier run, for example for a rollback that is still running.
    type: bool
    default: false
  wait_timeout:
    description:
      - Maximum number of seconds to wait when O(wait=true), measured with a monotonic clock.
      - When the deadline passes, the module fails and returns the last state of the task in RV(route_updates).
      - Also bounds, with O(wait=true) or not, how long the module looks for the effect of an action whose answer was lost
        (see the notes), reading the task every O(wait_sleep) to O(wait_sleep_max) seconds. With O(wait=true) the wait
        for the result shares this deadline.
    type: int
    default: 600
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ocsdm.route_manager.attributes
  - ocsdm.route_manager.connection
  - ocsdm.route_manager.connection.polling
  - ocsdm.route_manager.connection.states
attributes:
  check_mode:
    support: full
    details:
      - In check mode the module reads the task and reports whether it would send the action
        (RV(ignore:changed=true)), without sending it and without waiting.
notes:
  - V(commit) reports RV(ignore:changed=false) when the task is still readable but no longer in the pending list.
    It fails when SDM does not know the task ("not found", nothing sent), so that a mistyped ID cannot pass for a task
    committed earlier; as SDM may forget a committed task, repeating a commit that worked can fail this way too.
    Only right after this run's own commit does "not found" mean committed.
    It fails before sending while the update or a rollback is running, and for a task that was rolled back.
  - V(rollback) reports RV(ignore:changed=false) when a rollback is running or has finished, whatever its outcome.
    It fails before sending while the update is pending or running, and for a committed task.
    It fails when SDM does not know the task.
  - V(cancel) reports RV(ignore:changed=false) when the update has already finished (completed, failed or cancelled),
    as there is nothing left to stop. Check RV(route_update.update_status) to see how it ended.
    It fails when SDM does not know the task.
  - The state words (O(success_states), O(failure_states), O(rollback_success_states), O(rollback_failure_states)) decide
    whether an action is still needed or already done. When that depends on a status word the module does not know,
    it sends the action and lets SDM decide.
  - When SDM refuses an action (HTTP 400 or 409), the module fails with the reason SDM gave.
  - When the module fails after SDM accepted the action, for example when the wait times out, the failure still
    reports RV(ignore:changed=true) and the last state of the task in RV(route_update).
  - An action is sent at most once per run. When its answer is lost (a read timeout or a broken connection after
    sending, or HTTP 502 or 504 from a proxy), the module does not send it again but reads the task until the action's
    effect shows or O(wait_timeout) passes. A commit shows when the task has left the pending list, a rollback when its
    rollback status has moved on (running or finished), a cancel when the update no longer runs. When the effect shows,
    the module reports RV(ignore:changed=true) with a warning. When it does not, the module fails with
    RV(ignore:changed=true) and a message saying that the outcome is unknown and what it saw last; running the module
    again is safe, as it reads the task first and sends the action only if it is still needed.
  - SDM answering an action with a 2xx status counts as accepted, even when the rest of the answer is lost.
  - The module talks to SDM from the host it runs on. Run it on the controller with C(delegate_to) V(localhost)
    (or C(connection) V(local)), which needs the Python package C(requests) there, and C(lxml) for O(body_format=xml).
seealso:
  - module: ocsdm.route_manager.route_update_info
    description: Read route update tasks and wait until they finish, before deciding on an action.
  - ref: ansible_collections.ocsdm.route_manager.docsite.guide
    description: >-
      The user guide: a complete change window with the role C(ocsdm.route_manager.route_update_wait),
      which waits for a task and fails the play on a failed update.
"""

EXAMPLES = r"""
- name: Close the change window of route update ID33 (connection from SDM_URL, SDM_USERNAME, SDM_PASSWORD, SDM_CA_PATH)
  block:
    - name: Wait for the update to finish
      ocsdm.route_manager.route_update_info:
        task_id: ID33
        wait: true
        wait_timeout: 1800
      delegate_to: localhost
      register: sdm_update

    - name: Commit the task when every device took the new routes
      ocsdm.route_manager.route_update_action:
        task_id: ID33
        action: commit
        wait: true
      delegate_to: localhost
      when: sdm_update.route_updates[0].succeeded

    - name: Otherwise roll it back and wait for the rollback
      ocsdm.route_manager.route_update_action:
        task_id: ID33
        action: rollback
        wait: true
        wait_timeout: 900
      delegate_to: localhost
      register: sdm_rollback
      when: not sdm_update.route_updates[0].succeeded

    - name: Fail the play unless every device was rolled back
      ansible.builtin.assert:
        that: sdm_rollback.route_update.rollback_succeeded
        fail_msg: "Rollback of ID33 ended with {{ sdm_rollback.route_update.rollback_status }}"
      when: sdm_rollback is not skipped

- name: Stop an update that is still running
  ocsdm.route_manager.route_update_action:
    url: https://sdm.example.com:8443
    username: automation
    password: "{{ sdm_password }}"
    task_id: ID35
    action: cancel
    wait: true
  delegate_to: localhost

- name: Show what a commit would do, without sending it
  ocsdm.route_manager.route_update_action:
    task_id: ID33
    action: commit
  check_mode: true
  delegate_to: localhost
  register: sdm_commit_plan
"""

RETURN = r"""
action:
  description: The action, in lower case.
  returned: success, and on a failure once the module has logged in
  type: str
  sample: rollback
task_id:
  description: ID of the route update task.
  returned: success, and on a failure once the module has logged in
  type: str
  sample: ID33
msg:
  description:
    - What the module did, or why it sent nothing.
  returned: always
  type: str
  sample: The rollback of route update task ID33 is already running (rollback status InProgress).
route_update:
  description:
    - The route update task after the action, normalised as by M(ocsdm.route_manager.route_update_info)
      (see RV(ocsdm.route_manager.route_update_info#module:route_updates) for every field).
    - Read again after the action was sent; the result of the wait with O(wait=true); in check mode, or when nothing
      was sent, the task as read before deciding.
    - V(null) when SDM no longer knows the task once this run has committed it (then RV(committed=true)).
    - On a failure, the last state of the task read before it, or V(null) when it was not read.
  returned: success, and on a failure once the module has logged in
  type: dict
  contains:
    task_id:
      description: ID of the route update task.
      type: str
      returned: always
      sample: ID33
    update_status:
      description: Update status word as SDM sent it.
      type: str
      returned: always
      sample: Failed
    rollback_status:
      description: Rollback status word of the task as SDM sent it; V(Unknown) for a task that was never rolled back.
      type: str
      returned: always
      sample: Completed
    rollback_count:
      description:
        - The task-level C(rollbackCount) of the task details, as an integer; V(null) when SDM left it out.
        - Oracle's API reference lists this field without describing it. Beside C(updatedCount) (devices updated) it
          reads as the number of the task's devices that were rolled back; the simulator of the collection counts it so.
      type: int
      returned: always
      sample: 2
    verdict:
      description:
        - What the answer shows of the update, as in RV(ocsdm.route_manager.route_update_info#module:route_updates[].verdict).
      type: str
      choices: [running, succeeded, failed, unclear]
      returned: always
      sample: failed
    rollback_verdict:
      description:
        - Where the rollback stands, as in RV(ocsdm.route_manager.route_update_info#module:route_updates[].rollback_verdict).
      type: str
      choices: [none, running, succeeded, failed, unclear]
      returned: always
      sample: succeeded
    finished:
      description: Whether the update status is a word of O(success_states) or O(failure_states).
      type: bool
      returned: always
      sample: true
    succeeded:
      description:
        - Whether every device took the update, shown by evidence (RV(route_update.verdict) is V(succeeded)).
      type: bool
      returned: always
      sample: false
    rollback_finished:
      description: Whether the rollback status is a word of O(rollback_success_states) or O(rollback_failure_states).
      type: bool
      returned: always
      sample: true
    rollback_succeeded:
      description: Whether the rollback status is a word of O(rollback_success_states).
      type: bool
      returned: always
      sample: true
    devices:
      description: One entry per device, with its update and rollback status, dates and failure messages.
      type: list
      elements: dict
      returned: always
      sample: []
    failed_devices:
      description: The entries of RV(route_update.devices) whose update failed.
      type: list
      elements: dict
      returned: always
      sample: []
    unclear_devices:
      description: The entries of RV(route_update.devices) that show neither success nor failure.
      type: list
      elements: dict
      returned: always
      sample: []
committed:
  description:
    - Whether the task is committed at the end of the run, by this run or an earlier one.
    - V(false) in check mode when the commit would be sent.
  returned: when O(action=commit), and the run did not fail
  type: bool
  sample: true
sent:
  description:
    - Whether the action was sent to SDM in this run (it may have reached SDM even when its answer was lost).
    - Also returned when the run failed after sending, so that a caller can tell "not sent" from "sent".
  returned: once the module has logged in to SDM
  type: bool
  sample: true
accepted:
  description:
    - Whether SDM answered the action with 2xx.
    - V(true) with a failed run means that SDM took the action and a read after it failed (for example SDM unavailable
      for longer than O(wait_timeout)), so its confirmation is pending.
  returned: once the module has logged in to SDM
  type: bool
  sample: true
confirmed:
  description:
    - Whether the answer to the action was lost but the task showed that it took effect.
    - V(false) together with RV(sent=true) and RV(accepted=false) on a failed run means that the outcome of the action is
      unknown; running the module again is safe.
  returned: once the module has logged in to SDM
  type: bool
  sample: false
elapsed:
  description: Seconds the module spent talking to SDM, from login to logout, measured with a monotonic clock.
  returned: success, and on a failure once the module has started to talk to SDM
  type: float
  sample: 3.204
route_updates:
  description:
    - On a wait timeout, the last state of the task, as a list of one task (the same fields as RV(route_update)).
  returned: on a wait timeout
  type: list
  elements: dict
  sample: []
timed_out:
  description: V(true) when the module failed because O(wait_timeout) passed.
  returned: on a wait timeout
  type: bool
  sample: true
status:
  description: HTTP status of the answer that made the module fail, for example V(400) when SDM refused the action.
  returned: on failure, when SDM answered
  type: int
  sample: 400
transient:
  description:
    - V(true) when the failure may pass by itself (SDM unavailable or busy, a connection reset, no answer in time) after
      the retries the deadline allowed; a caller with time left may run the module again.
  returned: on such a failure
  type: bool
  sample: true
url_path:
  description: URL path of the request that made the module fail (never with credentials).
  returned: on failure, when the request got that far
  type: str
  sample: /rest/v1.3/routeSets/routeUpdates/ID33/action
"""

import time
from typing import Any, Dict, NoReturn

from ansible_collections.ocsdm.route_manager.plugins.module_utils._actions import (
    ACTIONS,
    COMMIT,
    ActionRunner,
    WaitSettings,
    parse_action,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._argspec import polling_spec, states_spec
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmError
from ansible_collections.ocsdm.route_manager.plugins.module_utils._sdm_module import SdmModule

# Choices are compared as written: the module's words, SDM's own spelling, and upper case.
ACTION_CHOICES = list(ACTIONS) + list(ACTIONS.values()) + [word.upper() for word in ACTIONS]


def argument_spec() -> Dict[str, Any]:
    spec: Dict[str, Any] = dict(
        task_id=dict(type='str', required=True),
        action=dict(type='str', required=True, choices=ACTION_CHOICES),
        # What is waited for depends on the action (see the documentation), so these two are the module's own.
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=600),
    )
    spec.update(polling_spec())
    spec.update(states_spec())
    return spec


def fail_after_start(module: SdmModule, runner: ActionRunner, err: SdmError, started: float, **result: Any) -> NoReturn:
    """Fail through the glue, adding what the run knows: an action that may have reached SDM is a change."""
    module.warn_once(runner.warnings)
    module.warn_once(runner.client.warnings)
    module.fail_from_error(
        err,
        changed=runner.sent,
        route_update=runner.last_task,
        elapsed=round(time.monotonic() - started, 3),
        **dict(what_is_known(runner), **result),
    )


def what_is_known(runner: ActionRunner) -> Dict[str, bool]:
    """Whether the action was sent, accepted (2xx), or its lost answer's effect seen: the caller reports exactly that."""
    return dict(sent=runner.sent, accepted=runner.accepted, confirmed=runner.confirmed)


def main() -> None:
    module = SdmModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.check_wait_params()
    params = module.params
    task_id = params['task_id']
    if not task_id.strip():
        module.fail_json(msg='task_id must not be empty')
    module.check_task_ids([task_id])
    try:
        action = parse_action(params['action'])
    except SdmError as err:
        module.fail_json(msg=err.message)
    matcher = module.state_matcher()
    # How long to look for the result; with wait=false still how long to look for the effect of a lost answer.
    confirm = WaitSettings(params['wait_timeout'], params['wait_sleep'], params['wait_sleep_max'])
    wait = confirm if params['wait'] else None
    started = time.monotonic()

    def work(client: Any) -> Dict[str, Any]:
        runner = ActionRunner(client, matcher)
        try:
            outcome = runner.run(task_id, action, check_mode=module.check_mode, wait=wait, confirm=confirm)
        except SdmError as err:
            fail_after_start(module, runner, err, started, action=action, task_id=task_id)
        module.warn_once(outcome.warnings)
        result = dict(
            changed=outcome.changed, action=action, task_id=task_id, route_update=outcome.task, msg=outcome.message
        )
        result.update(what_is_known(runner))
        if action == COMMIT:
            result['committed'] = outcome.committed
        return result

    module.run(work)


if __name__ == '__main__':
    main()

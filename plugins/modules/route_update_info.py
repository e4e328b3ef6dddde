#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: route_update_info
short_description: Read SDM route update tasks, optionally wait until they finish
version_added: 0.1.0
description:
  - Reads route update tasks from Oracle Communications Session Delivery Manager (SDM) and returns each one as a
    normalised task (snake_case keys, integer counts, per-device details, and whether it finished and succeeded).
  - Reads the tasks given in O(task_id), or every pending task when O(task_id) is not set.
  - With O(wait=true), polls the tasks on one login session until every task has finished its update
    (or its rollback, see O(wait_for)), or until O(wait_timeout) passes.
  - A task that finished in failure is data, not a module failure; check RV(route_updates[].succeeded).
    The module fails when SDM cannot be reached, refuses the login or the access, does not know a task,
    or when the wait times out (unless O(fail_on_timeout=false)). The message names the cause.
  - Logs in once per run and logs out on every path, also on failure and timeout.
author:
  - ocsdm.route_manager developers (@ocsdm)
options:
  task_id:
    description:
      - IDs of the route update tasks to read, as SDM shows them, for example V(ID33).
      - When not set, every task in the pending list of SDM is read.
      - A repeated ID is read once.
      - An ID is sent as one URL path segment, percent-encoded. An empty ID, an ID longer than 256 characters, one with
        control characters, an ID with leading or trailing whitespace, and V(.) or V(..) fail before the module logs in.
    type: list
    elements: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.facts
  - ocsdm.route_manager.attributes
  - ocsdm.route_manager.connection
  - ocsdm.route_manager.connection.wait
  - ocsdm.route_manager.connection.polling
  - ocsdm.route_manager.connection.states
attributes:
  check_mode:
    support: full
    details:
      - The module only reads from SDM, so it runs normally in check mode.
  facts:
    support: full
notes:
  - Besides the result RV(route_updates), the module sets one fact, C(sdm_route_updates), a dictionary of the same
    tasks keyed by task ID. Read it as C(ansible_facts.sdm_route_updates['ID33']); top-level fact variables are
    deprecated in newer ansible-core.
  - The module talks to SDM from the host it runs on. Run it on the controller with C(delegate_to) V(localhost)
    (or C(connection) V(local)), which needs the Python package C(requests) there, and C(lxml) for O(body_format=xml).
  - A status word that is in none of the state lists is treated as not finished and reported in a warning,
    so a new SDM release with new words never ends a wait early.
seealso:
  - module: ocsdm.route_manager.route_update_action
    description: Commit, roll back or cancel a route update task once it has finished.
  - ref: ansible_collections.ocsdm.route_manager.docsite.guide
    description: >-
      The user guide: connection settings, a complete change window with the role
      C(ocsdm.route_manager.route_update_wait), which waits for a task with this module, reports progress,
      and fails the play with a message a human can act on.
"""

EXAMPLES = r"""
- name: Read one route update task
  ocsdm.route_manager.route_update_info:
    url: https://sdm.example.com:8443
    username: automation
    password: "{{ sdm_password }}"
    task_id: ID33
  delegate_to: localhost
  register: sdm_task

- name: Show the update status from the fact
  ansible.builtin.debug:
    msg: "ID33 is {{ ansible_facts.sdm_route_updates['ID33'].update_status }}"

- name: Set the connection once for every SDM module
  module_defaults:
    group/ocsdm.route_manager.sdm:
      url: https://sdm.example.com:8443
      username: automation
      password: "{{ sdm_password }}"
      ca_path: /etc/pki/sdm-ca.pem
  block:
    - name: Read every pending route update task
      ocsdm.route_manager.route_update_info:
      delegate_to: localhost
      register: sdm_pending

    - name: List the pending tasks that failed on some device
      ansible.builtin.debug:
        msg: "{{ item.task_id }}: {{ item.failed_devices | map(attribute='object_id') | join(', ') }}"
      loop: "{{ sdm_pending.route_updates | selectattr('failed_devices') }}"
      loop_control:
        label: "{{ item.task_id }}"

    - name: Wait up to 30 minutes for two updates to finish
      ocsdm.route_manager.route_update_info:
        task_id:
          - ID33
          - ID34
        wait: true
        wait_timeout: 1800
      delegate_to: localhost
      register: sdm_done

    - name: Fail unless every device took the new routes
      ansible.builtin.assert:
        that: sdm_done.route_updates | rejectattr('succeeded') | list | length == 0
        fail_msg: "Failed: {{ sdm_done.route_updates | rejectattr('succeeded') | map(attribute='task_id') | join(', ') }}"

    - name: Wait for the rollback of ID35 without failing at the deadline
      ocsdm.route_manager.route_update_info:
        task_id: ID35
        wait: true
        wait_for: rollback
        wait_timeout: 60
        fail_on_timeout: false
      delegate_to: localhost
      register: sdm_rollback

    - name: Report progress when the rollback is still running
      ansible.builtin.debug:
        msg: "Rollback of ID35 still {{ sdm_rollback.route_updates[0].rollback_status }}"
      when: sdm_rollback.timed_out

- name: Take the connection from the environment (SDM_URL, SDM_USERNAME, SDM_PASSWORD)
  ocsdm.route_manager.route_update_info:
    task_id: ID33
    body_format: json
  delegate_to: localhost
"""

RETURN = r"""
route_updates:
  description:
    - The tasks read, one per requested task ID in the order of O(task_id), or every pending task in the order of SDM.
    - Also returned on a failed wait (timeout), with the last state seen of every task.
    - Fields that SDM sends and the collection does not know are kept under their snake_case name.
  returned: success, and on a wait timeout
  type: list
  elements: dict
  contains:
    task_id:
      description: ID of the route update task.
      type: str
      returned: always
      sample: ID33
    update_status:
      description: Update status word as SDM sent it, V(null) when SDM left it out.
      type: str
      returned: always
      sample: Completed
    error_handling:
      description: Failure policy of the task as SDM sent it (for example V(abort) or V(rollback)).
      type: str
      returned: always
      sample: rollback
    rollback_status:
      description: Rollback status word of the task as SDM sent it. SDM shows V(Unknown) for a task that was never rolled back.
      type: str
      returned: always
      sample: Unknown
    rollback_count:
      description:
        - The task-level C(rollbackCount) of the task details, as an integer; V(null) when SDM left it out.
        - Oracle's API reference lists this field without describing it. Beside C(updatedCount) (devices updated) it
          reads as the number of the task's devices that were rolled back; the simulator of the collection counts it so.
      type: int
      returned: always
      sample: 0
    total_device_count:
      description: Number of devices the task updates; V(null) when SDM left it out.
      type: int
      returned: always
      sample: 1
    updated_count:
      description: Number of devices updated so far; V(null) when SDM left it out.
      type: int
      returned: always
      sample: 1
    devices:
      description: One entry per device of the task; every documented field is present, V(null) when SDM left it out.
      type: list
      elements: dict
      returned: always
      contains:
        device_group_id:
          description: Device group of the device.
          type: str
          returned: always
          sample: ID11
        object_id:
          description: ID of the device.
          type: str
          returned: always
          sample: ID34
        route_set_id:
          description: Route set pushed to the device.
          type: str
          returned: always
          sample: '2'
        route_update_task_id:
          description: Task ID as the device entry carries it.
          type: str
          returned: always
          sample: ID33
        status:
          description: Update status word of the device.
          type: str
          returned: always
          sample: Completed
        push_status:
          description: Push status word of the device.
          type: str
          returned: always
          sample: Completed
        rollback_status:
          description: Rollback status word of the device.
          type: str
          returned: always
          sample: Unknown
        rollback_date:
          description: When the device was rolled back (C(YYYY-MM-DDTHH:MM:SS), no time zone).
          type: str
          returned: always
          sample: '2022-10-04T04:10:12'
        rollback_failure_msg:
          description: Why the rollback of the device failed, empty or V(null) when it did not.
          type: str
          returned: always
          sample: ''
        update_date:
          description: When the device was updated (C(YYYY-MM-DDTHH:MM:SS), no time zone).
          type: str
          returned: always
          sample: '2022-10-04T04:03:56'
        update_failure_msg:
          description: Why the update of the device failed, empty or V(null) when it did not.
          type: str
          returned: always
          sample: ''
        pre_update_version:
          description: Route set version on the device before the update.
          type: str
          returned: always
          sample: '0'
        update_version:
          description: Route set version pushed by the update.
          type: str
          returned: always
          sample: '1'
    verdict:
      description:
        - What SDM's answer shows of the update, strict about evidence (the same verdict in every part of the collection).
        - V(running), the update status is not a final word (a known running word, or a word nobody knows, which a
          warning names).
        - V(succeeded), the update status is a word of O(success_states), every listed device has a success word
          (status and push status), no device failed, SDM lists at least one device, and the counts, where SDM gives
          them, agree (as many devices listed as C(totalDeviceCount), C(updatedCount) not below it).
        - V(failed), the update status is a word of O(failure_states), or a device failed
          (RV(route_updates[].failed_devices)), or C(updatedCount) is below C(totalDeviceCount).
        - V(unclear), the update finished with a success word, but the answer does not prove that every device took
          it (a device that did not start or was skipped (C(NotStarted), C(Skipped)), a device word nobody knows
          (RV(route_updates[].unclear_devices)), no device list, a device list shorter or longer than
          C(totalDeviceCount), or a count that is not a number). Add final words to O(success_states) or
          O(failure_states).
      type: str
      choices: [running, succeeded, failed, unclear]
      returned: always
      sample: succeeded
    rollback_verdict:
      description:
        - Where the task's rollback stands. V(none), no rollback was asked for (no rollback status, or a word such as
          C(Unknown), C(NotStarted) or C(N/A), and no rollback counted); V(running); V(succeeded) or V(failed), a word
          of O(rollback_success_states) or O(rollback_failure_states); V(unclear), a rollback word nobody knows.
      type: str
      choices: [none, running, succeeded, failed, unclear]
      returned: always
      sample: none
    finished:
      description: Whether RV(route_updates[].update_status) is a word of O(success_states) or O(failure_states).
      type: bool
      returned: always
      sample: true
    succeeded:
      description:
        - Whether every device took the update, shown by evidence (RV(route_updates[].verdict) is V(succeeded)).
        - SDM can report V(Completed) under a skip-and-continue policy while a device failed. Such a task is
          RV(route_updates[].finished) but not RV(route_updates[].succeeded).
      type: bool
      returned: always
      sample: true
    failed_devices:
      description:
        - The entries of RV(route_updates[].devices) that failed, with the same fields.
        - A device failed when its status or push status is a word of O(failure_states), or when its update
          failure message is not empty.
      type: list
      elements: dict
      returned: always
      sample: []
    unclear_devices:
      description:
        - The entries of RV(route_updates[].devices) that show neither success nor failure, with the same fields, such as
          a device that did not start, was skipped, still runs, or gives a word nobody knows or none.
      type: list
      elements: dict
      returned: always
      sample: []
    rollback_finished:
      description: Whether RV(route_updates[].rollback_status) is a word of O(rollback_success_states) or O(rollback_failure_states).
      type: bool
      returned: always
      sample: false
    rollback_succeeded:
      description: Whether RV(route_updates[].rollback_status) is a word of O(rollback_success_states).
      type: bool
      returned: always
      sample: false
  sample:
    - task_id: ID33
      update_status: Completed
      error_handling: rollback
      rollback_status: Unknown
      rollback_count: 0
      total_device_count: 1
      updated_count: 1
      devices:
        - device_group_id: ID11
          object_id: ID34
          route_set_id: '2'
          route_update_task_id: ID33
          status: Completed
          push_status: Completed
          rollback_status: Unknown
          rollback_date: null
          rollback_failure_msg: null
          update_date: '2022-10-04T04:03:56'
          update_failure_msg: ''
          pre_update_version: '0'
          update_version: '1'
      verdict: succeeded
      rollback_verdict: none
      finished: true
      succeeded: true
      failed_devices: []
      unclear_devices: []
      rollback_finished: false
      rollback_succeeded: false
elapsed:
  description: Seconds the module spent talking to SDM, from login to logout, measured with a monotonic clock.
  returned: success, and on a failure once the module has started to talk to SDM
  type: float
  sample: 12.481
polls:
  description:
    - Number of times the tasks were read. V(1) without O(wait), V(0) when there was no task to read.
  returned: success, and on a wait timeout
  type: int
  sample: 4
timed_out:
  description:
    - Whether the wait reached O(wait_timeout) before every task had finished.
    - V(true) only on a failed wait, or on a returned one with O(fail_on_timeout=false).
  returned: success, and on a wait timeout
  type: bool
  sample: false
status:
  description: HTTP status of the answer that made the module fail.
  returned: on failure, when SDM answered
  type: int
  sample: 403
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
  sample: /rest/v1.3/routeSets/routeUpdates/ID33
ansible_facts:
  description: Facts set by the module.
  returned: success
  type: dict
  contains:
    sdm_route_updates:
      description:
        - The tasks of RV(route_updates) keyed by task ID.
        - Read it as C(ansible_facts.sdm_route_updates['ID33']).
      type: dict
      returned: success
      sample:
        ID33:
          task_id: ID33
          update_status: Completed
          verdict: succeeded
          finished: true
          succeeded: true
"""

from typing import Any, Dict, List

from ansible_collections.ocsdm.route_manager.plugins.module_utils._argspec import polling_spec, states_spec, wait_spec
from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import SdmClient
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmWaitTimeout
from ansible_collections.ocsdm.route_manager.plugins.module_utils._sdm_module import SdmModule
from ansible_collections.ocsdm.route_manager.plugins.module_utils._poll_wait import PollWait


def main() -> None:
    argument_spec = dict(task_id=dict(type='list', elements='str'))
    for options in (wait_spec(), polling_spec(), states_spec()):
        argument_spec.update(options)
    module = SdmModule(argument_spec=argument_spec, supports_check_mode=True)
    module.check_wait_params()
    params = module.params

    task_ids = None
    if params['task_id'] is not None:
        task_ids = list(dict.fromkeys(params['task_id']))  # an empty list reads nothing
        blank = [repr(task_id) for task_id in task_ids if not task_id.strip()]
        if blank:
            module.fail_json(msg='task_id must not contain an empty ID, got %s' % ', '.join(blank))
        module.check_task_ids(task_ids)
    matcher = module.state_matcher()

    def work(client: SdmClient) -> Dict[str, Any]:
        ids = client.list_pending_task_ids() if task_ids is None else task_ids
        tasks: List[Dict[str, Any]] = []
        polls = 0
        timed_out = False
        if ids:
            # Without wait, one round of reads: a zero deadline ends the wait right after the first poll.
            poll_wait = PollWait(
                client,
                matcher,
                timeout=params['wait_timeout'] if params['wait'] else 0,
                sleep=params['wait_sleep'],
                sleep_max=params['wait_sleep_max'],
                target=params['wait_for'],
            )
            try:
                outcome = poll_wait.wait(ids)
            except SdmWaitTimeout as err:
                if params['wait'] and params['fail_on_timeout']:
                    raise
                tasks, polls, timed_out = err.tasks, err.polls, params['wait']
                module.warn_once(err.warnings)
            else:
                tasks, polls = outcome.tasks, outcome.polls
                module.warn_once(outcome.warnings)
        return dict(
            changed=False,
            route_updates=tasks,
            polls=polls,
            timed_out=timed_out,
            ansible_facts=dict(sdm_route_updates=dict((task['task_id'], task) for task in tasks)),
        )

    module.run(work)


if __name__ == '__main__':
    main()

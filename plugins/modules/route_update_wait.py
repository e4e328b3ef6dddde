#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The documentation of the action plugin plugins/action/route_update_wait.py, which does the work on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: route_update_wait
short_description: Wait for an SDM route update task, then commit, roll back and report as asked
version_added: 1.0.0
description:
  - Waits until a route update task of Oracle Communications Session Delivery Manager (SDM) has finished, showing a
    progress line at least once every O(progress_interval) seconds, and fails with a message a human can act on
    when the update failed, when O(timeout) passed first, or when SDM could not be read.
  - The wait runs on the controller in progress slices, reading the task every O(poll_interval) seconds. When the task
    runs on the controller (C(delegate_to=localhost), a local connection without become and without a task
    C(environment)), the whole wait, its commit or rollback included, is one SDM session in the controller's process
    (one login, one logout). Otherwise each slice is one run of M(ocsdm.route_manager.route_update_info) on the host of
    the task (so C(delegate_to) decides where SDM is reached from), with one login and one logout each. After each slice
    that ends with the task still running, a progress line (task id, status, updated and total devices, failed
    devices so far, the estimate of the time left when the counts support one, elapsed time) is shown.
  - The session is logged out on every path (success, failure, timeout, exception, Ctrl-C); a worker killed outright
    leaves it to SDM's idle timeout. The session id is never an argument, a result or a log line.
  - A read that fails for a transient reason (SDM unavailable or busy, a reset, no answer in time), also at a slice
    boundary, is tried again while the limit leaves time.
  - The sleep between reads grows from O(poll_interval) up to O(poll_interval_max) while no end can be predicted.
    Once the count of finished devices has risen twice, the wait predicts when the last device finishes, and the
    sleep then aims a read just after that moment (never shorter than O(poll_interval), never longer than
    O(poll_interval_max)), and a slice ends there when it comes before the next progress line and the reads saved
    so far pay for it. A wait never reads more often than the growing sleep alone would. No estimate while fewer than two rises were seen, after the
    counts went backwards, or once the predicted moment passed without the end (a stall).
  - The update succeeded only when every device took it. A task that SDM reports as V(Completed) although a device
    failed, or with fewer devices updated than it has, is a failed update whose message names the devices.
  - Optionally it closes the change window. With O(commit_on_success=true) it commits a successful task with
    M(ocsdm.route_manager.route_update_action), which releases the devices SDM keeps locked; with
    O(rollback_on_failure=true) it starts the rollback of a failed task, waits for it and checks it.
    An action that is already done is not sent again.
  - With O(report_dir), it writes a change report for the ticket on the controller, as JSON and Markdown, on every outcome.
  - Returns the outcome (RV(outcome)), the last state of the task (RV(task)) and the report files (RV(outcome.report)), on
    success and on failure. The role C(ocsdm.route_manager.route_update_wait) calls this action and keeps
    them as the facts C(route_update_wait_outcome) and C(route_update_wait_task).
author:
  - ocsdm.route_manager developers (@ocsdm)
options:
  task_id:
    description:
      - The route update task to wait for, by the ID that SDM shows (such as V(ID33)).
      - An ID with leading or trailing whitespace is refused, as by the modules.
    type: str
    required: true
  timeout:
    description:
      - Overall limit in seconds, counted from the start, for the update to finish. Measured with a monotonic clock.
      - When it passes, the action fails with RV(outcome.result=timed_out) and the last status seen. Must be at least 1.
    type: int
    default: 1800
  progress_interval:
    description:
      - Length in seconds of one progress slice, followed by one progress line while the task is still running (on a
        host other than the controller, one module run with one login and one logout). Slices end on a fixed schedule counted from the start, so the progress
        lines do not drift. A slice ends early when the task finishes. Must be at least 1.
    type: int
    default: 60
  poll_interval:
    description:
      - Seconds between the first two reads of the task inside one slice, and the shortest sleep between reads
        (O(ocsdm.route_manager.route_update_info#module:wait_sleep)). Must be greater than 0.
    type: float
    default: 5
  poll_interval_max:
    description:
      - Upper bound in seconds of the sleep between reads, which grows from O(poll_interval) while no end of the
        update can be predicted, and is aimed at the predicted end once there is one
        (O(ocsdm.route_manager.route_update_info#module:wait_sleep_max)). A smaller value is raised to O(poll_interval).
    type: float
    default: 30
  failed_devices_shown:
    description:
      - How many failed devices a message lists. Longer lists end with C(... and N more). V(0) lists none, only their number.
    type: int
    default: 10
  expect_error_handling:
    description:
      - Required error handling policy of the task, such as V(rollback), compared case-insensitively, ignoring spaces,
        V(_) and V(-). Checked by one read before waiting; a mismatch fails at once with RV(outcome.result=check_failed).
    type: str
  rollback_wait:
    description:
      - After a failed update, wait for the rollback to finish (for at most O(rollback_timeout) seconds) before failing,
        so the message and the rollback checks see its result. This does not start a rollback; see O(rollback_on_failure).
    type: bool
    default: false
  rollback_timeout:
    description:
      - Limit in seconds for the rollback to finish, counted from the moment the failure was seen or the rollback was
        started. Must be at least 1.
    type: int
    default: 600
  expect_rollback_status:
    description:
      - After a failed update, require this final rollback status of the task (such as V(Completed)), compared like state words.
    type: str
  expect_rollback_count:
    description:
      - After a failed update, require this rollback count of the task. Must be at least 0.
    type: int
  expect_devices_rolled_back:
    description:
      - After a failed update, require that every device that had been updated (its status is a success word, or a
        rollback was tried on it) reports a completed rollback (a rollback success word).
      - The check fails, saying what is missing, when the updated devices cannot be identified (SDM lists no devices,
        a device gives a word nobody knows, or SDM counts more updated devices than it names).
    type: bool
    default: false
  expect_no_rollback_on_success:
    description:
      - After a successful update, require that nothing was rolled back (rollback count 0, no finished rollback on the
        task or on any device). Otherwise the action fails with RV(outcome.result=check_failed).
    type: bool
    default: false
  commit_on_success:
    description:
      - After a successful update (verdict V(succeeded), never an unclear one) whose checks passed, commit the task,
        which releases its devices, and wait until it
        has left the pending list (for at most O(commit_timeout) seconds). A failed commit fails with
        RV(outcome.result=commit_failed). In check mode the commit is not sent; the message says that it would be.
    type: bool
    default: false
  commit_timeout:
    description:
      - Limit in seconds for a committed task to leave the pending list. Must be at least 1.
    type: int
    default: 60
  rollback_on_failure:
    description:
      - After a failed update, start its rollback (nothing is sent when one runs or has finished), wait for it (for at
        most O(rollback_timeout) seconds) and run the rollback checks on its result.
      - An unclear update (RV(outcome.result=unclear)) is not a failure, so no rollback is started, and the message says so.
      - In check mode the rollback is not sent, not waited for and not checked; the message says so.
    type: bool
    default: false
  report_dir:
    description:
      - Folder on the controller for the change report, written on every outcome (before the action fails), as
        C(<task id>.json) and C(<task id>.md), prefixed with O(report_name) and V(-) when that is set. Characters other
        than letters, digits, V(.), V(_) and V(-) in the file name become V(_). The folder is created when missing.
      - Unset means no report. In check mode no report is written; the action says where it would be.
    type: path
  report_name:
    type: str
    description:
      - Prefix of the report file names and title, such as the change ticket (V(CHG0012345) gives C(CHG0012345-ID33.json)).
  fail_on_outcome:
    description:
      - Whether an outcome that fails the play (RV(fails_play=true)) fails this task.
      - With V(false) the task fails only on invalid options. An outcome that fails the play is returned with
        RV(fails_play=true) and its message in RV(msg), so that the caller can keep the result (as facts, for a report)
        and then fail the play itself, as the role does with a C(ansible.builtin.fail) task.
    type: bool
    default: true
extends_documentation_fragment:
  # the options it passes to the modules it runs
  - ocsdm.route_manager.connection
  - ocsdm.route_manager.connection.states
  # an action plugin, in the action group of the modules it runs
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.flow
  - ocsdm.route_manager.attributes
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details:
      - Reads and waits as in a normal run, sends no commit or rollback (it says which one it would send) and writes no report.
notes:
  - The connection options and the state words work as in the modules. A value given here wins; an option that is not
    given, or given as V(null) or an empty string, comes from C(module_defaults), resolved as ansible-core resolves them
    for modules (every action group that holds this action, such as C(group/ocsdm.route_manager.sdm) or another
    collection's group that extends it, then this action's own name), and else from the E(SDM_URL), E(SDM_USERNAME),
    E(SDM_PASSWORD), E(SDM_VALIDATE_CERTS), E(SDM_CA_PATH), E(SDM_RECORD_DIR) and E(SDM_RECORD_PLACEHOLDERS)
    variables of the environment where the modules run. So the role can pass its variables as V(null) when they are
    unset, without hiding C(module_defaults).
  - Limits are measured with a monotonic clock; the times in RV(outcome) and in the report are UTC.
  - On a host other than the controller each slice and each commit or rollback is one SDM session (one login and one
    logout); on the controller the whole wait is one. The summary and the report count the logins.
seealso:
  - module: ocsdm.route_manager.route_update_info
  - module: ocsdm.route_manager.route_update_action
  - ref: ansible_collections.ocsdm.route_manager.docsite.guide
    description: The user guide, with a complete change-window playbook.
"""

EXAMPLES = r"""
- name: Wait for tonight's route update, commit it, and write the report for the ticket
  ocsdm.route_manager.route_update_wait:
    url: https://sdm.example.com:8443
    username: automation
    password: "{{ sdm_password }}"
    task_id: ID33
    timeout: 3600
    commit_on_success: true
    rollback_on_failure: true
    expect_rollback_status: Completed
    report_dir: /var/lib/change-reports
    report_name: CHG0012345
  delegate_to: localhost

- name: Wait with the connection from module_defaults, and keep going on a failure to decide later
  module_defaults:
    group/ocsdm.route_manager.sdm:
      url: https://sdm.example.com:8443
      username: automation
      password: "{{ sdm_password }}"
  block:
    - name: Wait for route update task ID34
      ocsdm.route_manager.route_update_wait:
        task_id: ID34
        progress_interval: 30
      delegate_to: localhost
      register: sdm_wait
      ignore_errors: true

    - name: Page the on-call engineer when the update did not succeed
      ansible.builtin.debug:
        msg: "{{ sdm_wait.outcome.result }}: {{ sdm_wait.msg }}"
      when: sdm_wait.outcome.result != 'succeeded'
"""

RETURN = r"""
msg:
  description: The message of the outcome (the summary of a success), or why the change report could not be written.
  returned: always
  type: str
  sample: "Route update task ID33 succeeded: Completed, 4 of 4 devices updated in 95 s (1 SDM login)."
fails_play:
  description:
    - Whether the outcome fails the play; the same as C(failed) unless O(fail_on_outcome=false), and under a name that
      C(failed_when) does not replace (the role sets O(fail_on_outcome=false), keeps the facts, then fails the play).
  returned: when the wait ran
  type: bool
  sample: false
outcome:
  description: How the wait ended, and what it did.
  returned: when the wait ran
  type: dict
  contains:
    result:
      description:
        - V(succeeded) (the update succeeded, every check passed, and the commit when asked for went through),
          V(failed) (the update failed), V(unclear) (the update finished, but SDM's answer does not show that every
          device took it, see RV(ocsdm.route_manager.route_update_info#module:route_updates[].verdict), so nothing is
          committed and no rollback is started), V(timed_out) (O(timeout) passed first), V(check_failed) (a check
          failed), V(commit_failed) (the commit asked for was not sent or SDM refused it), V(commit_unknown) (the
          commit was sent, its answer was lost and its effect did not show, so running again is safe) or V(error)
          (SDM could not be read).
      type: str
      returned: always
      sample: succeeded
    message:
      description: The message for a human, one line.
      type: str
      returned: always
    problems:
      description: The checks that failed, one sentence each.
      type: list
      elements: str
      returned: always
      sample: []
    task_id:
      description: The task waited for.
      type: str
      returned: always
    update_status:
      description: The last update status seen.
      type: str
      returned: always
    started:
      description: When the wait started, UTC, ISO 8601 (C(YYYY-MM-DDTHH:MM:SSZ)).
      type: str
      returned: always
      sample: '2026-12-04T21:00:05Z'
    ended:
      description: When the wait ended, UTC; RV(outcome.started) plus RV(outcome.elapsed).
      type: str
      returned: always
    elapsed:
      description: Seconds from the start to the outcome (monotonic clock).
      type: int
      returned: always
    slices:
      description: Progress slices that read the task (on a host other than the controller, each one SDM login).
      type: int
      returned: always
    polls:
      description: Reads of the task.
      type: int
      returned: always
    actions:
      description:
        - The commit or rollback tried, each with C(action), C(result) (V(sent), V(already_done), V(would_send) in
          check mode, V(pending) (SDM accepted it, it could not be read back in time, so its confirmation is pending, never
          failed), V(unknown) (sent, its answer lost, its effect not seen, so running again is safe) or V(failed) (not sent,
          or refused)), C(changed), C(committed), C(message) and C(elapsed).
      type: list
      elements: dict
      returned: always
    committed:
      description:
        - Whether the action committed the task (or found it committed); V(true) also once SDM accepted the Commit
          whose confirmation is pending.
        - V(null) when the Commit was sent and its outcome is unknown.
      type: bool
      returned: always
    rollback:
      description:
        - Where the task's rollback stands, V(none), V(running), V(succeeded), V(failed) or V(unclear) (a rollback word
          nobody knows), as RV(ocsdm.route_manager.route_update_info#module:route_updates[].rollback_verdict).
      type: str
      returned: always
    report:
      description:
        - The change report, C(json) and C(markdown) (the paths) and C(written); with C(error) when it could not be
          written. Empty without O(report_dir).
      type: dict
      returned: always
task:
  description:
    - The last state of the task read, normalised as by M(ocsdm.route_manager.route_update_info)
      (see RV(ocsdm.route_manager.route_update_info#module:route_updates) for every field); empty when none was read.
  returned: when the wait ran
  type: dict
"""

# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action ``ocsdm.route_manager.route_update_wait``: wait for one route update task on the controller.

The wait runs in slices, with a progress line on the screen between them. When the task runs on the controller
(the role's ``delegate_to: localhost``), the whole wait is one SDM session in this process
(``plugin_utils/_session_runner.py``); delegated to another host, each slice is one run of ``route_update_info``
there and each commit or rollback one run of ``route_update_action`` (one session each). Every decision comes from
``module_utils/_outcome.py``, every line from ``module_utils/_wording.py``, the loop from
``plugin_utils/_sliced_wait.py``; this file runs the modules, shows the lines and writes the report.
"""

from __future__ import annotations

import errno
import json
import math
import os
import secrets
from dataclasses import fields
from typing import Any, Dict, Optional, Tuple

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.executor import module_common
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.ocsdm.route_manager.plugins.module_utils._change_report import file_stem, markdown, report_data
from ansible_collections.ocsdm.route_manager.plugins.module_utils._clock import Clock
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmError
from ansible_collections.ocsdm.route_manager.plugins.module_utils._argspec import connection_spec, states_spec
from ansible_collections.ocsdm.route_manager.plugins.module_utils._outcome import Outcome, outcome_fact
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import FAILED, StateMatcher
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_options import (
    WaitOptions,
    input_message,
    option_problems,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wait_record import (
    ALREADY_DONE,
    PHASE_READ,
    PHASE_ROLLBACK,
    SENT,
    WOULD_SEND,
    ActionRecord,
    Timing,
    WaitRecord,
    committed_after,
    fate_of,
)
from ansible_collections.ocsdm.route_manager.plugins.module_utils._wording import (
    fate_warning,
    report_failed,
    report_line,
)
from ansible_collections.ocsdm.route_manager.plugins.plugin_utils._session_runner import SessionRunner, can_run_here
from ansible_collections.ocsdm.route_manager.plugins.plugin_utils._sliced_wait import ActionDone, SlicedWait, SliceRead

display = Display()

INFO_MODULE = 'ocsdm.route_manager.route_update_info'
ACTION_MODULE = 'ocsdm.route_manager.route_update_action'
ACTION_GROUP = 'group/ocsdm.route_manager.sdm'
NAME = 'ocsdm.route_manager.route_update_wait'
STATE_OPTIONS = tuple(states_spec())


# The connection options as the modules know them, all optional here: unset (or null) ones come from
# module_defaults, and else the module's own SDM_* fallbacks and defaults apply where it runs.
def _optional(spec: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """The options of a module spec without their defaults, fallbacks and requirements: unset means "not given"."""
    return dict(
        (name, dict((key, value) for key, value in option.items() if key in ('type', 'elements', 'choices', 'no_log')))
        for name, option in spec.items()
    )


_CONNECTION_SPEC = _optional(connection_spec())

ARGUMENT_SPEC = dict(
    task_id=dict(type='str', required=True),
    timeout=dict(type='int', default=1800),
    progress_interval=dict(type='int', default=60),
    poll_interval=dict(type='float', default=5.0),
    poll_interval_max=dict(type='float', default=30.0),
    failed_devices_shown=dict(type='int', default=10),
    expect_error_handling=dict(type='str'),
    rollback_wait=dict(type='bool', default=False),
    rollback_timeout=dict(type='int', default=600),
    expect_rollback_status=dict(type='str'),
    expect_rollback_count=dict(type='int'),
    expect_devices_rolled_back=dict(type='bool', default=False),
    expect_no_rollback_on_success=dict(type='bool', default=False),
    commit_on_success=dict(type='bool', default=False),
    commit_timeout=dict(type='int', default=60),
    rollback_on_failure=dict(type='bool', default=False),
    report_dir=dict(type='path'),
    report_name=dict(type='str'),
    # Internal: how messages name the options. The role sets route_update_wait_, so they name its variables.
    _variable_prefix=dict(type='str', default=''),
    fail_on_outcome=dict(type='bool', default=True),
)
ARGUMENT_SPEC.update(_CONNECTION_SPEC)
ARGUMENT_SPEC.update(_optional(states_spec()))


# --- the action plugin ---------------------------------------------------------------------------------


class ActionModule(ActionBase):
    """Waits for a route update task in slices of route_update_info, then commits, rolls back and reports as asked."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        self._task_vars = task_vars or {}
        self._warned: set = set()
        args = self._arguments()
        options = _options(args, self._task.check_mode)
        problems = option_problems(options)
        if problems:
            raise AnsibleActionFail(input_message(problems))
        try:
            matcher = StateMatcher(**dict((name, args[name]) for name in STATE_OPTIONS))
        except SdmError as err:
            raise AnsibleActionFail(input_message([err.message])) from err
        self._options = options
        self._module_args = self._common_module_args(args)
        run, outcome, timing = self._wait_for_task(options, matcher, Clock())
        result.update(self._result(options, run.record, outcome, timing, matcher, args['fail_on_outcome']))
        return result

    def _wait_for_task(
        self, options: WaitOptions, matcher: StateMatcher, clock: Clock
    ) -> Tuple[SlicedWait, Outcome, Timing]:
        """The wait, its follow-up and its outcome, on one SDM session when there is one (the fault matrix of
        tests/fault_matrix drives this with the simulator's clock)."""
        self._session = self._one_session(matcher, clock)
        self._wait = run = SlicedWait(
            options, matcher, read=self._read_slice, act=self._run_action, show=self._show, clock=clock
        )
        try:
            outcome, timing = run.run()
        finally:
            # Log out on every path: an outcome, an exception, Ctrl-C (KeyboardInterrupt) or a task timeout.
            if self._session is not None:
                self._session.close()
        return run, outcome, timing

    def _one_session(self, matcher: StateMatcher, clock: Clock) -> Optional[SessionRunner]:
        """The wait on one SDM session in this process, when the task runs on the controller; else ``None``: each
        slice and action is a module run on the task's host (``delegate_to`` another host), one session each.

        Not in this process: a connection other than local as this user, a task ``environment`` (it is meant for
        the modules' process), or a Python without the client's libraries."""
        environment = any(self._task.environment or [])  # inherited as [{}] when nobody set one
        if not self._runs_here() or environment or not can_run_here(self._module_args):
            display.vvv('%s: each read and action is a module run on %s' % (NAME, self._host_name()))
            return None
        display.vvv('%s: the wait runs on one SDM session in this process' % NAME)
        return SessionRunner(self._module_args, matcher, bool(self._task.check_mode), self._warn, clock)

    # -- arguments --

    def _arguments(self) -> Dict[str, Any]:
        """The validated options. An option given as null counts as not given (the role passes unset variables so;
        ansible-core 2.16 templates them to an empty string, which counts as not given too, except for the task id)."""
        given = dict(
            (name, value)
            for name, value in self._task.args.items()
            if value is not None and (value != '' or name == 'task_id')
        )
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(given)
        if validation.error_messages:
            raise AnsibleActionFail(input_message(validation.error_messages))
        return validation.validated_parameters

    def _common_module_args(self, args: Dict[str, Any]) -> Dict[str, Any]:
        """Connection and state-word options for the modules: a value set here wins over module_defaults
        (of this action or its group); options left unset go to neither, so the module's SDM_* fallbacks apply."""
        defaults = self._module_defaults()
        module_args = {}
        for name in list(_CONNECTION_SPEC) + list(STATE_OPTIONS):
            value = args.get(name)
            if value is None:
                value = defaults.get(name)
            if value is not None:
                module_args[name] = value
        return module_args

    def _module_defaults(self) -> Dict[str, Any]:
        """module_defaults of this action, resolved as ansible-core resolves them for a module: every action group
        that holds this action (groups of other collections that extend ``ocsdm.route_manager.sdm`` included), then
        the action's own name, which wins; templated.

        Ansible fills a task's unset options from module_defaults itself, but an option the task sets to
        null (as the role does for an unset variable) stays null: this finds what it would have had.

        Not for speed: ansible-core has no public API for it. 2.16 to 2.18 have the public
        ``get_action_args_with_defaults``; 2.19 removed it, and its own action plugins that run another module
        (gather_facts, package, service) call the private ``_apply_action_arg_defaults`` (same in 2.21). Each is
        looked up with ``getattr``; a version with neither gets this plugin's own resolution. The route_update_wait
        integration target (``extended_group.yml``, ``test_defaults.yml``) checks the result on 2.16, 2.19 and 2.21.
        """
        action = self._task.resolved_action or NAME
        apply_defaults = getattr(module_common, '_apply_action_arg_defaults', None)
        if apply_defaults is not None:  # ansible-core 2.19 and later: the defaults, templated, under no task args
            return dict(apply_defaults(action, self._task, {}, self._templar))
        legacy = getattr(module_common, 'get_action_args_with_defaults', None)
        if legacy is not None:  # ansible-core 2.16 to 2.18
            return dict(
                legacy(action, {}, self._task.module_defaults, self._templar, action_groups=self._action_groups())
            )
        return self._defaults_of_groups(action)

    def _action_groups(self) -> Dict[str, Any]:
        """The play's action groups: action name -> the names of the groups that hold it (extended groups too)."""
        play = getattr(getattr(self._task, '_parent', None), '_play', None)
        groups = getattr(play, '_action_groups', None)
        return groups if isinstance(groups, dict) else {NAME: [ACTION_GROUP.split('/', 1)[1]]}

    def _defaults_of_groups(self, action: str) -> Dict[str, Any]:
        """What ansible-core's resolution does, for a version that offers none of its functions."""
        entries: Dict[str, Any] = {}
        for layer in self._task.module_defaults or []:
            # as Ansible merges them: an inner block's entry for a name replaces the outer one
            entries.update(layer if isinstance(layer, dict) else {})
        names = self._action_groups().get(action, [])
        merged: Dict[str, Any] = {}
        for key, value in entries.items():
            if key.startswith('group/') and key[len('group/') :] in names and isinstance(value, dict):
                merged.update(value)
        if isinstance(entries.get(action), dict):
            merged.update(entries[action])
        return self._templar.template(merged) if merged else merged

    # -- reading and acting --

    def _read_slice(self, phase: str, seconds: float) -> SliceRead:
        args = dict(self._module_args)
        options = self._options
        args.update(
            task_id=[options.task_id],
            wait=phase != PHASE_READ,
            wait_for='rollback' if phase == PHASE_ROLLBACK else 'update',
            wait_timeout=0 if phase == PHASE_READ else max(1, int(math.ceil(seconds))),
            wait_sleep=options.poll_interval,
            wait_sleep_max=options.sleep_max,
            fail_on_timeout=False,
        )
        answer = self._run(INFO_MODULE, args)
        tasks = answer.get('route_updates') or []
        if answer.get('failed') or not tasks:
            return SliceRead(
                error=to_text(answer.get('msg') or '').strip() or None,
                status=answer.get('status'),
                transient=bool(answer.get('transient')),
            )
        return SliceRead(task=tasks[0], polls=int(answer.get('polls') or 0))

    def _run_action(self, action: str) -> ActionDone:
        args = dict(self._module_args)
        options = self._options
        args.update(
            task_id=options.task_id,
            action=action,
            wait=action == 'commit',
            wait_timeout=options.commit_timeout,
            wait_sleep=options.poll_interval,
            wait_sleep_max=options.sleep_max,
        )
        answer = self._run(ACTION_MODULE, args)
        changed = bool(answer.get('changed'))
        message = to_text(answer.get('msg') or '').strip() or 'the module gave no message'
        # A failed run that sent the action knows more than "failed": accepted, or outcome unknown (see fate_of).
        fate = fate_of(answer) if answer.get('failed') else None
        if fate is not None:
            outcome = fate
            display.warning(fate_warning(action, options.task_id, fate, message))
        elif answer.get('failed'):
            outcome = FAILED
        elif changed:
            outcome = WOULD_SEND if self._task.check_mode else SENT
        else:
            outcome = ALREADY_DONE
        committed = committed_after(action, fate, bool(answer.get('committed', False)))
        record = ActionRecord(action, outcome, changed, committed, message, answer.get('elapsed'))
        task = answer.get('route_update')
        return ActionDone(record, task if isinstance(task, dict) else None)

    def _run(self, name: str, args: Dict[str, Any]) -> Dict[str, Any]:
        """The module's work: on the wait's one session when there is one, else a run of the module."""
        if self._session is None:
            return self._run_module(name, args)
        answer = self._session.info(args) if name == INFO_MODULE else self._session.action(args)
        self._wait.record.sessions = self._session.logins
        return answer

    def _warn(self, text: str) -> None:
        if text not in self._warned:
            self._warned.add(text)
            display.warning(text)

    def _run_module(self, name: str, args: Dict[str, Any]) -> Dict[str, Any]:
        """The module's result; a host that cannot run it gives a failed result, so the wait still ends in an outcome."""
        try:
            answer = self._execute_module(module_name=name, module_args=args, task_vars=self._task_vars)
        except AnsibleError as err:
            return dict(failed=True, msg='Could not run %s on %s: %s' % (name, self._host_name(), to_text(err.message)))
        if answer.get('unreachable'):
            answer = dict(answer, failed=True)
        for warning in answer.get('warnings') or []:
            self._warn(_warning_text(warning))
        return answer

    def _show(self, line: str) -> None:
        display.display('[%s] %s' % (self._task_vars.get('inventory_hostname', 'localhost'), line))

    def _runs_here(self) -> bool:
        """Whether the modules would run on the controller as this process's user: the local connection, no become."""
        connection = self._connection
        return getattr(connection, 'transport', None) == 'local' and getattr(connection, 'become', None) is None

    def _host_name(self) -> str:
        """Where the modules run: the task's host, or the host it is delegated to."""
        return to_text(self._task.delegate_to or self._task_vars.get('inventory_hostname', 'localhost'))

    # -- the result --

    def _result(
        self,
        options: WaitOptions,
        record: WaitRecord,
        outcome: Outcome,
        timing: Timing,
        matcher: StateMatcher,
        fail_on_outcome: bool,
    ) -> Dict[str, Any]:
        report, message, fails = {}, outcome.message, outcome.fails_play
        if options.writes_report:
            report = self._report(options, record, outcome, timing, matcher)
            if report.get('error'):
                message = report_failed(
                    options.task_id, os.path.dirname(report['json']), report['error'], outcome.message
                )
                fails = True
        if not fails:
            self._show(outcome.message)
        return dict(
            changed=any(action.changed for action in record.actions),
            failed=fails and fail_on_outcome,
            fails_play=fails,
            msg=message,
            outcome=outcome_fact(options, record, outcome, timing, report),
            task=record.task,
        )

    def _report(
        self, options: WaitOptions, record: WaitRecord, outcome: Outcome, timing: Timing, matcher: StateMatcher
    ) -> Dict[str, Any]:
        """Write the JSON and Markdown reports (in check mode only say where); the paths, and an error if any."""
        folder = os.path.realpath(os.path.expanduser(options.report_dir or ''))
        base = os.path.join(folder, file_stem(options.report_name, options.task_id))
        files: Dict[str, Any] = dict(json=base + '.json', markdown=base + '.md', written=not options.check_mode)
        if options.check_mode:
            self._show(report_line(files['markdown'], files['json'], written=False))
            return files
        data = report_data(options, record, outcome, timing, matcher)
        try:
            os.makedirs(folder, exist_ok=True)  # 0777 less the umask, as mkdir -p
            _write(files['json'], json.dumps(data, indent=2, sort_keys=True) + '\n')
            _write(files['markdown'], markdown(data, os.path.basename(files['json'])))
        except OSError as err:
            files.update(written=False, error='%s: %s' % (err.strerror or type(err).__name__, err.filename or folder))
            return files
        self._show(report_line(files['markdown'], files['json'], written=True))
        return files


def _warning_text(warning: Any) -> str:
    """A module's warning as text: a string, or (ansible-core 2.19 and later) a summary whose event has the message."""
    event = getattr(warning, 'event', None)
    return to_text(getattr(event, 'msg', None) or warning)


def _write(path: str, content: str) -> None:
    """Write a whole file or nothing: a reader never sees half a report.

    The file is created with mode 0666 less the process umask, as any file a user's tool writes (``umask 027``
    keeps reports from other users); a link planted under the temporary name is not followed.
    """
    folder = os.path.dirname(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0)
    for _attempt in range(100):
        temporary = os.path.join(folder, '.%s.%s' % (os.path.basename(path), secrets.token_hex(6)))
        try:
            handle = os.open(temporary, flags, 0o666)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(errno.EEXIST, 'no free temporary name', folder)
    try:
        with os.fdopen(handle, 'w', encoding='utf-8') as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        if os.path.lexists(temporary):
            os.unlink(temporary)
        raise


_FROM_THE_RUN = ('check_mode', 'variable_prefix')


def _options(args: Dict[str, Any], check_mode: bool) -> WaitOptions:
    # Every option that WaitOptions holds has the same name here, but for the two that come from the run.
    given = {option.name: args[option.name] for option in fields(WaitOptions) if option.name not in _FROM_THE_RUN}
    return WaitOptions(**given, check_mode=bool(check_mode), variable_prefix=args['_variable_prefix'] or '')

#!/usr/bin/env bash
# Integration tests of the role ocsdm.route_manager.route_update_wait and of the collection playbook
# ocsdm.route_manager.wait_route_update, against the SDM simulator.
# ansible-test runs it from the target's folder with -v... for verbosity; the simulators are described
# in tests/integration/integration_config.yml (sdm_sim_url, sdm_sim_tls_url, sdm_sim_ca_path).
set -euo pipefail

config=../../integration_config.yml
if [ ! -f "$config" ]; then
  echo "runme.sh: $config is missing: start the simulators and describe them there (make integration does)" >&2
  exit 1
fi
set -- "$@" -e "@$config"
sim_url=$(sed -n 's/^sdm_sim_url: *//p' "$config" | tr -d "\"'")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The lookup sim_control drives the simulator (../setup_sim_control).
ANSIBLE_LOOKUP_PLUGINS=$(cd ../setup_sim_control/lookup_plugins && pwd)
export ANSIBLE_LOOKUP_PLUGINS

# Fails the script with the output of the run when a pattern is missing from it.
expect_in() {
  local file=$1 pattern=$2
  if ! grep -Eq -- "$pattern" "$file"; then
    echo "runme.sh: expected /$pattern/ in the output:" >&2
    cat "$file" >&2
    exit 1
  fi
}

set -x

# The role: success, failures, rollback checks, timeouts, arguments, connections.
ansible-playbook tests.yml "$@"

# module_defaults through another collection's action group that extends ours (a test collection in ./collections).
ANSIBLE_COLLECTIONS_PATH="$PWD/collections${ANSIBLE_COLLECTIONS_PATH:+:$ANSIBLE_COLLECTIONS_PATH}" \
  ansible-playbook extended_group.yml "$@"

# Progress slices: one progress line per slice that ends with the task still running, with the task
# id, status and updated/total; the slice that sees the end is followed by the summary instead. The
# action shows them on the screen, each line after the host it runs for.
ansible-playbook progress.yml "$@" | tee "$out/progress.log"
slices=$(sed -n 's/.*"msg": "PROGRESS-SLICES=\([0-9]*\)".*/\1/p' "$out/progress.log")
lines=$(grep -Ec '^\[localhost\] ID69: [A-Za-z]+, [0-3] of 3 devices updated, [0-9]+ s elapsed [(]limit 1800 s[)][.]$' "$out/progress.log" || true)
expect_in "$out/progress.log" '^\[localhost\] ID69: InProgress, [0-2] of 3 devices updated, [0-9]+ s elapsed'
expect_in "$out/progress.log" '^\[localhost\] Route update task ID69 succeeded: Completed, 3 of 3 devices updated in [0-9]+ s'
if grep -q '^\[localhost\] ID69: Completed' "$out/progress.log"; then
  echo "runme.sh: a progress line after the slice that saw the end" >&2
  exit 1
fi
[ -n "$slices" ] && [ "$lines" -eq "$((slices - 1))" ] || { echo "runme.sh: $lines progress lines for $slices slices" >&2; exit 1; }

# Off UTC (UTC+05:30), the times of the outcome and of the report are still UTC.
TZ=Asia/Kolkata ansible-playbook timezone.yml "$@"

# Check mode: the role says so, reads and waits as in a normal run, and sends no commit or rollback.
ansible-playbook check_mode.yml --check "$@" | tee "$out/check_mode.log"
expect_in "$out/check_mode.log" 'Check mode: route_update_wait only reads route update task ID90 from SDM'
expect_in "$out/check_mode.log" 'nothing is changed: no commit or rollback is sent, the role says which one it would send, and no report is written[.]$'

# The collection playbook, as an AWX job template runs it: connection from the environment,
# options as -e strings.
ansible-playbook cli_scenario.yml "$@"
export SDM_URL=$sim_url SDM_USERNAME=admin SDM_PASSWORD=sim-secret-1  # as in vars/simulator.yml
ansible-playbook ocsdm.route_manager.wait_route_update "$@" -e route_update_wait_task_id=ID72 \
  -e route_update_wait_timeout=30 -e route_update_wait_progress_interval=1 -e route_update_wait_poll_interval=0.2 \
  | tee "$out/cli_success.log"
expect_in "$out/cli_success.log" '^\[localhost\] Route update task ID72 succeeded: Completed, 1 of 1 devices updated in [0-9]+ s'

rc=0
ansible-playbook ocsdm.route_manager.wait_route_update "$@" -e route_update_wait_task_id=ID73 \
  -e route_update_wait_poll_interval=0.2 >"$out/cli_failure.log" 2>&1 || rc=$?
cat "$out/cli_failure.log"
[ "$rc" -eq 2 ] || { echo "runme.sh: the failed task gave exit code $rc, expected 2" >&2; exit 1; }
expect_in "$out/cli_failure.log" 'Route update task ID73 FAILED: status Failed, 0 of 1 devices updated, error handling abort[.] 1 device failed: ID731 [(]group ID11[)]: Route set rejected[.]'

rc=0
ansible-playbook ocsdm.route_manager.wait_route_update "$@" -e route_update_wait_task_id=ID72 \
  -e route_update_wait_body_format=yaml >"$out/cli_invalid.log" 2>&1 || rc=$?
cat "$out/cli_invalid.log"
[ "$rc" -ne 0 ] || { echo "runme.sh: an invalid variable was accepted" >&2; exit 1; }
expect_in "$out/cli_invalid.log" 'Validation of arguments failed'
expect_in "$out/cli_invalid.log" 'route_update_wait_body_format'

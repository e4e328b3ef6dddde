#!/usr/bin/env bash
# The fault matrix of the reliability suite (faults.yml, vars/cases.yml) against the SDM simulator
# described in tests/integration/integration_config.yml. All runs of a phase go at once, one fork each.
set -euo pipefail

config=../../integration_config.yml
if [ ! -f "$config" ]; then
  echo "runme.sh: $config is missing: start the simulators and describe them there (make integration does)" >&2
  exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# The whole matrix on the pinned ansible-core (requirements/dev.txt of the collection). On the other legs of the
# version matrix only the module runs: the role's runs are most of the CPU time, and the role's own target
# runs on every leg.
via='["module", "role"]'
pinned=$(sed -n 's/^ansible-core==//p' ../../../../requirements/dev.txt \
  "${ANSIBLE_COLLECTIONS_PATH:-.}/ansible_collections/ocsdm/route_manager/requirements/dev.txt" 2>/dev/null | head -n 1 || true)
core=$(ansible --version | sed -n '1s/.*core \([0-9][0-9.]*\).*/\1/p')
if [ -n "$pinned" ] && [ "$core" != "$pinned" ]; then
  via='["module"]'
  echo "runme.sh: ansible-core $core, not the pinned $pinned: the fault matrix runs through the module only"
fi

started=$(date +%s)
ansible-playbook faults.yml -f 40 -e "@$config" -e "{\"fault_via\": $via}" "$@" 2>&1 | tee "$log"
echo "runme.sh: fault matrix took $(($(date +%s) - started)) s"
# A client error must never surface as a Python traceback, in any result or message.
if grep -q 'Traceback (most recent call last)' "$log"; then
  echo "runme.sh: a Python traceback appeared in the output" >&2
  exit 1
fi

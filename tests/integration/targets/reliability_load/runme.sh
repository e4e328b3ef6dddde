#!/usr/bin/env bash
# Load: 20 hosts, 20 forks, each waiting for its own task on the one simulator of
# tests/integration/integration_config.yml. Every host gets its own outcome; exactly 20 logins, 20 logouts.
set -euo pipefail

config=../../integration_config.yml
if [ ! -f "$config" ]; then
  echo "runme.sh: $config is missing: start the simulators and describe them there (make integration does)" >&2
  exit 1
fi
# With the role on the pinned ansible-core (requirements/dev.txt of the collection); on the other legs of the
# version matrix with the module alone, which costs a fraction of the CPU time.
via=role
pinned=$(sed -n 's/^ansible-core==//p' ../../../../requirements/dev.txt \
  "${ANSIBLE_COLLECTIONS_PATH:-.}/ansible_collections/ocsdm/route_manager/requirements/dev.txt" 2>/dev/null | head -n 1 || true)
core=$(ansible --version | sed -n '1s/.*core \([0-9][0-9.]*\).*/\1/p')
if [ -n "$pinned" ] && [ "$core" != "$pinned" ]; then
  via=module
fi

started=$(date +%s)
ansible-playbook -i inventory.ini -f 20 load.yml -e "@$config" -e "load_via=$via" "$@"
echo "runme.sh: 20 hosts waited for 20 tasks through the $via in $(($(date +%s) - started)) s"

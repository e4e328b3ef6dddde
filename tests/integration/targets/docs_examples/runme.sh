#!/usr/bin/env bash
# The example change window of the user guide (docs/examples/change_window.yml), run as a user would
# run it, against the SDM simulator: one task succeeds and is committed, one fails and is rolled back,
# the reports are written, and the job fails because one task did not succeed.
set -euo pipefail

config=../../integration_config.yml
# Over HTTPS with the simulator's private CA, as the example expects a real SDM.
sim_url=$(sed -n 's/^sdm_sim_tls_url: *//p' "$config" | tr -d "\"'")
ca_path=$(sed -n 's/^sdm_sim_ca_path: *//p' "$config" | tr -d "\"'")
example=""
IFS=: read -r -a collection_roots <<<"${ANSIBLE_COLLECTIONS_PATH:-}"
for root in "${collection_roots[@]}"; do
  candidate="$root/ansible_collections/ocsdm/route_manager/docs/examples/change_window.yml"
  [ -f "$candidate" ] && example=$candidate && break
done
[ -n "$example" ] || { echo "runme.sh: docs/examples/change_window.yml not found in ANSIBLE_COLLECTIONS_PATH" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

python - "$sim_url" "$ca_path" files/change_window.yml <<'PY'
import json, ssl, sys, urllib.request, yaml
with open(sys.argv[3], encoding="utf-8") as handle:
    body = json.dumps(yaml.safe_load(handle)).encode()
request = urllib.request.Request(sys.argv[1] + "/_sim/scenario", data=body, headers={"Content-Type": "application/json"})
urllib.request.urlopen(request, timeout=10, context=ssl.create_default_context(cafile=sys.argv[2])).read()
PY

set -x
status=0
ansible-playbook "$example" "$@" -e "sdm_url=$sim_url" -e sdm_username=sdm-change-bot \
  -e sdm_password=Docs-Example-Pass-2718 -e "sdm_ca_path=$ca_path" -e change_ticket=CHG0000042 \
  -e '{"route_update_tasks": ["ID81", "ID82"]}' -e "change_report_dir=$out" >"$out/play.log" 2>&1 || status=$?
set +x
if [ "$status" -ne 2 ]; then
  cat "$out/play.log"
  echo "runme.sh: the example should fail the job (exit 2) because ID82 failed; it exited $status" >&2
  exit 1
fi
grep -q 'Route update task ID82 FAILED' "$out/play.log" || { cat "$out/play.log"; echo "runme.sh: no failure message for ID82" >&2; exit 1; }
python check_reports.py "$out"
if grep -q 'Docs-Example-Pass-2718' "$out/play.log" "$out"/*.json "$out"/*.md; then
  echo "runme.sh: the password appears in the output or the reports" >&2
  exit 1
fi
echo "docs/examples/change_window.yml: ID81 committed, ID82 rolled back, reports checked"

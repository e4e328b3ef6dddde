#!/usr/bin/env bash
# Secrets: route_update_info and the role route_update_wait at -vvvv, on success and on every failure path
# (secrets.yml, vars/main.yml). The passwords, and the session ids the simulator handed out (the values of
# the JSESSIONID cookies), must appear nowhere in stdout, stderr or the registered results: neither plain
# nor in any form the simulator echoes them (files/secret_forms.py).
# Every case records its exchanges (record_dir) against a simulator that echoes the secrets in every encoding
# (files/recording_simulator.py): no recorded file may hold one in any of them (files/find_secrets.py).
set -euo pipefail

config=../../integration_config.yml
if [ ! -f "$config" ]; then
  echo "runme.sh: $config is missing: start the simulators and describe them there (make integration does)" >&2
  exit 1
fi
# ansible-test puts its Python first on PATH as "python"; run from a checkout, python3 will do.
python=$(command -v python || command -v python3)
# The simulator's package: next to this target in a checkout, or in the collection ansible-test runs from
# (it runs a copy of the target elsewhere).
simulator=
collections=${ANSIBLE_COLLECTIONS_PATH:-}
for top in ../../.. ${collections//:/ }; do
  for dir in "$top/simulator" "$top/ansible_collections/ocsdm/route_manager/tests/simulator"; do
    if [ -z "$simulator" ] && [ -d "$dir/sdm_simulator" ]; then simulator=$(cd "$dir" && pwd); fi
  done
done
if [ -z "$simulator" ]; then echo "runme.sh: cannot find tests/simulator of the collection" >&2; exit 1; fi
work=$(mktemp -d)
sim_pid=
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A simulator of its own that writes down every session id it hands out; it stops by itself after 5 minutes.
# (JSON needs nothing beyond the standard library; secrets.yml loads the real scenario.)
echo '{"name": "secrets-start", "users": [{"username": "nobody", "password": "nobody-at-all"}]}' >"$work/start.json"
SDM_SIMULATOR_DIR=$simulator SDM_SESSION_LOG=$work/sessions "$python" files/recording_simulator.py --port 0 \
  --scenario "$work/start.json" --url-file "$work/url" --lifetime 300 >"$work/simulator.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
if [ ! -s "$work/url" ]; then cat "$work/simulator.log" >&2; exit 1; fi

started=$(date +%s)
rc=0
# The lookup sim_control drives the simulator (../setup_sim_control).
ANSIBLE_LOOKUP_PLUGINS=$(cd ../setup_sim_control/lookup_plugins && pwd)
export ANSIBLE_LOOKUP_PLUGINS
ansible-playbook secrets.yml -vvvv -e "@$config" -e "secret_url=$(cat "$work/url")" \
  -e "secret_results_file=$work/results.json" -e "secret_record_dir=$work/recording" >"$work/stdout" 2>"$work/stderr" || rc=$?
echo "runme.sh: secrets playbook took $(($(date +%s) - started)) s, $(wc -c <"$work/stdout") bytes of -vvvv output"
if [ "$rc" -ne 0 ]; then tail -n 80 "$work/stdout" "$work/stderr"; exit "$rc"; fi

# Worth something only when there was a lot to look through.
grep -q 'ESTABLISH LOCAL CONNECTION' "$work/stdout" || { echo "runme.sh: the output is not -vvvv output" >&2; exit 1; }
sessions=$(sort -u "$work/sessions" | wc -l)
[ "$sessions" -ge 10 ] || { echo "runme.sh: only $sessions sessions were opened" >&2; exit 1; }

# Every password, each session id whole (the cookie value) and without its route suffix (the id in the login
# body), plain and in every escaped form the simulator echoes.
"$python" files/secret_forms.py vars/main.yml "$work/sessions" >"$work/forms"
read -r passwords _ids <"$work/forms"
[ "$passwords" -eq 5 ] || { echo "runme.sh: expected 5 passwords in vars/main.yml, found $passwords" >&2; exit 1; }
forms=$(($(wc -l <"$work/forms") - 1))
leaks=0
while IFS= read -r secret; do
  [ -n "$secret" ] || continue
  for file in stdout stderr results.json; do
    if grep -qF -- "$secret" "$work/$file"; then
      echo "runme.sh: a secret (${secret:0:4}...) appears in $file:" >&2
      # ENVIRON, not awk -v, which would read the backslashes of an escaped form as escapes
      grep -F -- "$secret" "$work/$file" | SECRET=$secret awk '{ s = ENVIRON["SECRET"]; while ((at = index($0, s)) > 0)
        $0 = substr($0, 1, at - 1) "<SECRET>" substr($0, at + length(s)); print }' | cut -c1-300 | head -n 3 >&2
      leaks=$((leaks + 1))
    fi
  done
done < <(tail -n +2 "$work/forms")
echo "runme.sh: looked for $passwords passwords and $sessions session ids ($forms forms) in stdout, stderr and the registered results: $leaks found"
[ "$leaks" -eq 0 ]

# The recording: every password of vars/main.yml and every session id, whole and without its route suffix, in
# every encoding.
{
  "$python" -c 'import sys, yaml; data = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
print("\n".join(str(value) for key, value in data.items() if key.startswith("secret_") and key.endswith("password")))' vars/main.yml
  sort -u "$work/sessions"
  sed 's/\.tomcat1$//' "$work/sessions" | sort -u
} >"$work/all-secrets"
[ "$(grep -c . "$work/all-secrets")" -ge "$((5 + 2 * sessions))" ] || { echo "runme.sh: cannot list every secret" >&2; exit 1; }
# each case that reaches SDM records at least its login and its logout
"$python" files/find_secrets.py "$work/recording" "$work/all-secrets" 40

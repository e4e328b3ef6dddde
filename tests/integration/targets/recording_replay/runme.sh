#!/usr/bin/env bash
# Recording and replay (issue 15), with simulators and replays of its own:
# 1. a whole change window (wait, failure, rollback, commit; the role, the action and the modules) is recorded
#    against the simulator (record_dir), replayed by the simulator (--replay) and run again: the same normalised
#    tasks, outcomes and reports; then made into a scenario (--scenario-from-recording), which tells the same story;
# 2. the worked example of docs/docsite/rst/guide_recording.rst, step by step with docs/examples/read_task.yml: an
#    unknown status word recorded, its warning reproduced by the replay, fixed with success_states.
set -euo pipefail

python=$(command -v python || command -v python3)
simulator=
example=
collections=${ANSIBLE_COLLECTIONS_PATH:-}
for top in ../../.. ${collections//:/ }; do
  for dir in "$top/simulator" "$top/ansible_collections/ocsdm/route_manager/tests/simulator"; do
    if [ -z "$simulator" ] && [ -d "$dir/sdm_simulator" ]; then simulator=$(cd "$dir" && pwd); fi
  done
  candidate="$top/ansible_collections/ocsdm/route_manager/docs/examples/read_task.yml"
  if [ -z "$example" ] && [ -f "$candidate" ]; then example=$(cd "$(dirname "$candidate")" && pwd)/read_task.yml; fi
done
[ -n "$simulator" ] || { echo "runme.sh: cannot find tests/simulator of the collection" >&2; exit 1; }
[ -n "$example" ] || { echo "runme.sh: docs/examples/read_task.yml not found in ANSIBLE_COLLECTIONS_PATH" >&2; exit 1; }
here=$(pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Starts `python -m sdm_simulator ARGS` as NAME (it stops by itself after 10 minutes) and sets $url.
serve() {
  local name=$1
  shift
  (cd "$simulator" && exec "$python" -m sdm_simulator --port 0 --url-file "$work/$name.url" --lifetime 600 "$@") \
    >"$work/$name.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 200); do [ -s "$work/$name.url" ] && break; sleep 0.1; done
  [ -s "$work/$name.url" ] || { cat "$work/$name.log" >&2; echo "runme.sh: $name did not start" >&2; exit 1; }
  url=$(cat "$work/$name.url")
}

fail() { echo "runme.sh: $*" >&2; exit 1; }
# The log as one line: ansible-core 2.16 wraps warnings at 80 columns when the output is not a terminal.
unwrapped() { tr -s ' \n' ' ' <"$1"; }
expect_in() { unwrapped "$1" | grep -Eq -- "$2" || { cat "$1" >&2; fail "expected /$2/ in $1"; }; }
expect_not_in() { if unwrapped "$1" | grep -Eq -- "$2"; then cat "$1" >&2; fail "did not expect /$2/ in $1"; fi; }
counters() { "$python" -c 'import json, sys, urllib.request; print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1] + "/_sim/counters", timeout=10))[sys.argv[2]]))' "$1" "$2"; }

window() {  # window NAME URL USER PASSWORD [more ansible-playbook arguments]
  local name=$1 target=$2 user=$3 password=$4
  shift 4
  ansible-playbook window.yml -e "sdm_url=$target" -e "window_username=$user" -e "window_password=$password" \
    -e "window_out=$work/$name.json" -e "window_report_dir=$work/$name-reports" "$@" >"$work/$name.log" 2>&1 \
    || { cat "$work/$name.log" >&2; fail "the change window against $name failed"; }
}

# --- 1. a change window: record, replay, compare ---------------------------------------------------------------

serve sdm --scenario "$here/files/window_sdm.yml"
window recorded "$url" window-user Rec0rd-Window-Pass-31 -e "window_record_dir=$work/recording"
files=$(find "$work/recording" -name '0*.json' | wc -l)
runs=$(find "$work/recording" -name '0*-POST-admin_login.json' | wc -l)
# 3 module tasks and the role's 2 waits: each wait, its rollback included, is ONE session on the controller (issue 22)
[ "$runs" -ge 5 ] || fail "only $runs module runs were recorded"
ls "$work/recording" | grep -q -- '-POST-routeSets_routeUpdates_ID51_action.json$' || fail "the rollback of ID51 was not recorded"
ls "$work/recording" | grep -q -- '-POST-routeSets_routeUpdates_ID50_action.json$' || fail "the commit of ID50 was not recorded"
if grep -rqF 'Rec0rd-Window-Pass-31' "$work/recording"; then fail "the password is in the recording"; fi
echo "runme.sh: recorded the change window: $files exchanges in $runs module runs"

serve replay --replay "$work/recording" --replay-speed 4
window replayed "$url" anyone any-password
[ "$(counters "$url" unrecorded)" = "{}" ] || fail "the replay was asked what the recording does not hold: $(counters "$url" unrecorded)"
[ "$(counters "$url" sessions_open)" = "0" ] || fail "sessions were left open on the replay"
"$python" compare.py same "$work/recorded.json" "$work/recorded-reports" "$work/replayed.json" "$work/replayed-reports"

(cd "$simulator" && "$python" -m sdm_simulator --scenario-from-recording "$work/recording" --output "$work/from-recording.yml") \
  || fail "the recording could not be made into a scenario"
serve model --scenario "$work/from-recording.yml"
window modelled "$url" window-user change-me
"$python" compare.py story "$work/recorded.json" "$work/recorded-reports" "$work/modelled.json" "$work/modelled-reports"

# --- 2. the worked example of the guide: an unknown status word -----------------------------------------------

serve word_sdm --scenario "$here/files/word_sdm.yml"
# "Your SDM answers differently": the wait never ends, and a warning names the word
rc=0
SDM_URL=$url SDM_USERNAME=ops SDM_PASSWORD=Word-Example-Pass-59 SDM_RECORD_DIR=$work/word-recording \
  ansible-playbook "$example" -e task_id=ID60 -e wait_timeout=2 >"$work/word-live.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { cat "$work/word-live.log" >&2; fail "the read of ID60 should time out (exit 2), it exited $rc"; }
expect_in "$work/word-live.log" "task ID60: unknown update status 'Deployed', treated as not finished"
# check the files: SDM's word is there, the password is not
grep -lq '<updateStatus>Deployed</updateStatus>' "$work"/word-recording/*GET-routeSets_routeUpdates_ID60.json \
  || fail "the recording does not show SDM's answer"
if grep -rqF 'Word-Example-Pass-59' "$work/word-recording"; then fail "the password is in the recording"; fi

# replay it: the same warning, without the SDM
serve word_replay --replay "$work/word-recording"
rc=0
SDM_URL=$url SDM_USERNAME=anyone SDM_PASSWORD=anything \
  ansible-playbook "$example" -e task_id=ID60 -e wait_timeout=2 >"$work/word-replay.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { cat "$work/word-replay.log" >&2; fail "the replay should reproduce the timeout (exit 2), it exited $rc"; }
expect_in "$work/word-replay.log" "task ID60: unknown update status 'Deployed', treated as not finished"

# the fix: the word means success
SDM_URL=$url SDM_USERNAME=anyone SDM_PASSWORD=anything ansible-playbook "$example" -e task_id=ID60 \
  -e '{"success_states": ["Completed", "Complete", "Success", "Succeeded", "Deployed"]}' >"$work/word-fixed.log" 2>&1 \
  || { cat "$work/word-fixed.log" >&2; fail "the read of ID60 with Deployed in success_states failed"; }
expect_in "$work/word-fixed.log" 'ID60: Deployed, succeeded'
expect_not_in "$work/word-fixed.log" 'unknown update status'
echo "runme.sh: the worked example: warning recorded, reproduced by the replay, fixed with success_states"

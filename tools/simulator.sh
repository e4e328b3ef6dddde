# shellcheck shell=bash
# Start and stop SDM simulators from scripts. Source it, then:
#   start_simulator NAME SCENARIO [SIMULATOR ARGS...]   -> sets SIM_PORT; logs in $SIM_STATE/NAME.log
#   stop_simulators                                     (also runs on EXIT)
# Needs: $SIM_TOP (repo root) and $SIM_PYTHON (a Python with the simulator's needs).
SIM_STATE=$(mktemp -d)
SIM_PIDS=()

stop_simulators() {
  local pid
  for pid in "${SIM_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SIM_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  SIM_PIDS=()
  rm -rf "$SIM_STATE"
}
trap stop_simulators EXIT

start_simulator() {
  local name=$1 scenario=$2
  shift 2
  (cd "$SIM_TOP/tests/simulator" && exec "$SIM_PYTHON" -m sdm_simulator --host 127.0.0.1 --port 0 \
    --scenario "$scenario" --port-file "$SIM_STATE/$name.port" "$@" >"$SIM_STATE/$name.log" 2>&1) &
  SIM_PIDS+=("$!")
  local _
  for _ in $(seq 100); do
    if [ -s "$SIM_STATE/$name.port" ]; then
      SIM_PORT=$(cat "$SIM_STATE/$name.port")
      return 0
    fi
    sleep 0.1
  done
  echo "the $name simulator did not start:" >&2
  cat "$SIM_STATE/$name.log" >&2
  return 1
}

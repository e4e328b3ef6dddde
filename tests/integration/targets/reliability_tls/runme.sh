#!/usr/bin/env bash
# TLS with the HTTPS simulator of tests/integration/integration_config.yml (private CA): the default
# verification fails with a clear message, ca_path works, and validate_certs false works and warns once per
# run (module, or role with several module calls), however many requests it makes.
set -euo pipefail

config=../../integration_config.yml
if [ ! -f "$config" ]; then
  echo "runme.sh: $config is missing: start the simulators and describe them there (make integration does)" >&2
  exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

ansible-playbook verification.yml -e "@$config" "$@"

for via in module role; do
  # Without "$@": at -v the result (with its warnings list) would be printed too; only [WARNING] lines count.
  ansible-playbook insecure.yml -e "@$config" -e "tls_via=$via" >"$out/$via.log" 2>&1 || { cat "$out/$via.log"; exit 1; }
  warnings=$(grep -c '^\[WARNING\]: validate_certs is false' "$out/$via.log" || true)
  noise=$(grep -ciE 'InsecureRequestWarning|Unverified HTTPS request' "$out/$via.log" || true)
  echo "runme.sh: validate_certs false through the $via: $warnings warning line(s), $noise urllib3 warning(s)"
  if [ "$warnings" -ne 1 ] || [ "$noise" -ne 0 ]; then cat "$out/$via.log"; exit 1; fi
done

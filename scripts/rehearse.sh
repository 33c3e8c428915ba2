#!/usr/bin/env bash
# The README's main job: the whole gated rollout rehearsed on the local replica, with the real
# commands an operator runs against production (only the target differs). Each step's exit code
# is checked against what it must be; the first surprise stops the rehearsal with exit 1.
#
#   npm run rehearse          (provisions and builds first; see package.json)
#   bash scripts/rehearse.sh  (when already built)
set -uo pipefail
cd "$(dirname "$0")/.."
oneroof() { node bin/oneroof "$@"; }
APR=${ONEROOF_REHEARSAL_APR:-APR-2026-0142}
LOGS=${ONEROOF_LOG_DIR:-logs}
t0=$(date +%s)

step() {
  local want=$1 title=$2
  shift 2
  printf '\n== %s\n$ oneroof %s\n' "$title" "$*" >&2
  oneroof "$@"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    printf '\nrehearsal: "oneroof %s" exited %s, expected %s\n' "$*" "$rc" "$want" >&2
    exit 1
  fi
}

step 0 'the local replica (Docker, --network none), built once and cached' replica up
step 0 "production's baseline: the golden clone" replica reset
step 3 'preflight on the baseline: NO-GO (no ratified approval yet), nothing mutated' \
  preflight --target replica --apr "$APR"
step 0 "a demo approval (rehearsals only: 10_approve.sql records $APR as ratified)" \
  replica reset --approve "$APR"
step 0 'preflight again: GO' preflight --target replica --apr "$APR"
step 0 'apply: manifest check, lock, preflight, tiers 10..60, verify' \
  apply --target replica --apr "$APR" --yes
step 0 'verify: the asserting suite and the read-only probes' verify --target replica
step 0 'status: ledger, state vector, runs alive on the server' status --target replica

printf '\nrehearsal: the whole rollout ran on the local replica in %ss.\n' "$(($(date +%s) - t0))" >&2
printf 'logs: %s (psql output byte for byte in *.log, the runner'"'"'s records in *.jsonl)\n' \
  "$(cd "$LOGS" && pwd)" >&2
ls -1t "$LOGS" | head -n 12 | sed 's/^/  /' >&2
printf 'undo: oneroof rollback --target replica --full --yes   remove: oneroof replica down\n' >&2

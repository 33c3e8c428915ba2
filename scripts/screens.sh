#!/usr/bin/env bash
# Regenerates the screen captures of docs/screens/ from real runs on a local replica of its own
# (container oneroof-screens-replica, removed at the end):
#   apply-view.png         the apply live view on a pty (100 × 30), mid-run, this build
#   apply-view-before.png  the same apply with the build before the live view (commit 4d78da8,
#                          checked out in a temporary git worktree and built there), once it ended
#   replay-page.png        `oneroof replay --html` of this build's apply log (signed with a
#                          throwaway ed25519 key), as Chromium draws it
# Needs what the testbed needs (Docker, the cached replica image, util-linux `script`) and
# Debian's chromium at /usr/bin/chromium; run it after `npm run build`. No test depends on it.
#
#   bash scripts/screens.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
APR=APR-2026-0142
BEFORE=4d78da8
work=$(mktemp -d "${TMPDIR:-/tmp}/oneroof-screens.XXXXXX")
before="$work/before"

cleanup() {
  node "$repo/bin/oneroof" --inventory "$work/inventory" replica down >/dev/null 2>&1 || true
  if [ -d "$before" ]; then git -C "$repo" worktree remove --force "$before" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/inventory" docs/screens
cat >"$work/inventory/targets.yml" <<'YML'
targets:
  replica:
    description: the screens' own local replica
    transport: local
    container: oneroof-screens-replica
    database: directus
    user: workflow_admin
    replica:
      image: postgres:15
      pull: never
YML
ssh-keygen -q -t ed25519 -N '' -C screens -f "$work/signing-key"

# One apply on a fresh golden clone with the approval, on a pty of a fixed size: every byte the
# terminal received goes to $2. $1 is the checkout whose bin/oneroof runs.
capture() {
  local checkout=$1 out=$2 logs=$3
  node "$repo/bin/oneroof" --inventory "$work/inventory" replica reset --approve "$APR" >/dev/null
  (cd "$work" && ONEROOF_SIGNING_KEY="$work/signing-key" TERM=xterm-256color NO_COLOR= \
    script -q -f -E always -c "stty cols 100 rows 30; exec node '$checkout/bin/oneroof' --inventory '$work/inventory' --log-dir '$logs' apply --target replica --apr $APR --yes" /dev/null \
    </dev/null >"$out")
}

echo "screens: the replica" >&2
node bin/oneroof --inventory "$work/inventory" replica up >/dev/null

echo "screens: apply with this build ($(git rev-parse --short HEAD))" >&2
capture "$repo" "$work/now.typescript" "$work/logs-now"
node scripts/screens.mjs terminal "$work/now.typescript" docs/screens/apply-view.png \
  "oneroof apply --target replica --apr $APR --yes   (live view, mid-run; build $(git rev-parse --short HEAD))" --live

echo "screens: the replay page of that apply's log" >&2
log=$(ls "$work"/logs-now/rollout_*.log)
node bin/oneroof replay "$log" --html "$work/replay.html" >/dev/null 2>&1
node scripts/screens.mjs page "$work/replay.html" docs/screens/replay-page.png

echo "screens: apply with the build before the live view ($BEFORE)" >&2
git worktree add --detach "$before" "$BEFORE" >/dev/null 2>&1
ln -s "$repo/node_modules" "$before/node_modules" # its lockfile's tools are ours: tsc only
(cd "$before" && npx tsc -p tsconfig.build.json)
capture "$before" "$work/before.typescript" "$work/logs-before"
node scripts/screens.mjs terminal "$work/before.typescript" docs/screens/apply-view-before.png \
  "oneroof apply --target replica --apr $APR --yes   (once it ended; build $BEFORE, before the live view)"

echo "screens: docs/screens/ written" >&2
ls -l docs/screens >&2

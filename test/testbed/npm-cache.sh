#!/usr/bin/env bash
# test/integration/install.test.ts packs oneroof and installs it with `npm install -g --offline`
# (a test reaches no registry): npm's cache must hold every package that install resolves. This
# fills it once, online, by making the same install into a temporary prefix; a stamp keyed by
# package.json and package-lock.json makes it a no-op until they change. `npm test` runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."

key=$(cat package.json package-lock.json | sha256sum | cut -c1-16)
stamp="${XDG_CACHE_HOME:-$HOME/.cache}/oneroof-testbed/npm-install-$key"
[ -e "$stamp" ] && exit 0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'testbed: filling the npm cache for the install test (npm install -g, once)\n' >&2
npm pack --ignore-scripts --silent --pack-destination "$tmp" >/dev/null
npm install -g --prefix "$tmp/prefix" --prefer-offline --no-audit --no-fund --silent "$tmp"/oneroof-*.tgz
mkdir -p "$(dirname "$stamp")"
touch "$stamp"

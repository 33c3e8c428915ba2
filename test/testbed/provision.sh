#!/usr/bin/env bash
# Brings up what the tests and the local replica need on a machine of this kind:
# Debian's docker.io (engine), openssh-server (sshd), openssh-client (ssh -G), debootstrap
# (the replica image when no registry is reachable), chromium (the replay page is checked in a
# real headless browser: test/integration/replay-html.test.ts), ansible-core (ansible-inventory
# reads Ansible inventories: test/integration/ansible.test.ts), zsh (the zsh completion is
# driven by real zsh on a pty: test/integration/completion.test.ts), and a running Docker engine.
# Idempotent and quick when everything is already there. Starts nothing else.
set -euo pipefail

say() { printf 'testbed: %s\n' "$*" >&2; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
[ -x /usr/sbin/sshd ] || command -v sshd >/dev/null 2>&1 || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v ansible-inventory >/dev/null 2>&1 || missing+=(ansible-core)
command -v zsh >/dev/null 2>&1 || missing+=(zsh)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    say "missing: ${missing[*]}; install them (as root: apt-get install ${missing[*]}) and run again"
    exit 1
  fi
  say "installing ${missing[*]} (Debian packages)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

engine_answers() { docker info >/dev/null 2>&1; }

if ! engine_answers; then
  if [ -n "${DOCKER_HOST:-}" ]; then
    say "DOCKER_HOST=$DOCKER_HOST does not answer"
    exit 1
  fi
  if [ "$(id -u)" != 0 ]; then
    say "no Docker engine answers at /var/run/docker.sock; start one (or set DOCKER_HOST)"
    exit 1
  fi
  # No docker0 bridge and no iptables: containers run with --network none; nothing leaves loopback.
  say "starting the Docker engine (dockerd --bridge=none)"
  log=/var/log/oneroof-dockerd.log
  setsid dockerd --bridge=none --iptables=false --ip6tables=false >"$log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    engine_answers && break
    sleep 0.5
  done
  if ! engine_answers; then
    say "dockerd did not answer within 30 s; its log ($log) ends with:"
    tail -n 20 "$log" >&2
    exit 1
  fi
fi
say "ready: $(docker version --format 'Docker engine {{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null)"

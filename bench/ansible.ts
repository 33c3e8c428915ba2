/**
 * What a user would pick instead of oneroof: an Ansible playbook (ansible-core from Debian's
 * packages) that runs the same psql line over the same ssh alias with the same file as stdin
 * (`ansible.builtin.shell` with `stdin:`). The bench installs ansible-core itself when it is
 * missing (as root, as test/testbed/provision.sh does for its packages); `npm test` never needs
 * it. Every run is a cold ssh connection (ControlMaster off), as oneroof's and the raw pipeline's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TimedOptions } from './timing.js';

function installed(): boolean {
  return spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** ansible-playbook on PATH, installed from Debian's packages when missing (root only). */
export function ensureAnsible(): string {
  if (!installed()) {
    if (process.getuid?.() !== 0)
      throw new Error('ansible-playbook is missing: as root, apt-get install -y ansible-core');
    console.error('bench: installing ansible-core (Debian package)');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'ansible-core'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  return execFileSync('ansible-playbook', ['--version']).toString().split('\n')[0]!;
}

export interface Playbook {
  argv: string[];
  options: TimedOptions;
}

/**
 * A playbook that pipes `stream` into `line` (a remote shell command line) on `alias`, reached
 * through `sshConfig`; files under `dir`.
 */
export function psqlPlaybook(
  dir: string,
  alias: string,
  sshConfig: string,
  line: string,
  stream: string,
): Playbook {
  mkdirSync(join(dir, 'home'), { recursive: true });
  const inventory = join(dir, 'inventory.json');
  writeFileSync(
    inventory,
    JSON.stringify({
      all: {
        hosts: {
          [alias]: {
            ansible_ssh_common_args: `-F ${sshConfig} -o BatchMode=yes`,
            ansible_python_interpreter: '/usr/bin/python3',
          },
        },
      },
    }),
  );
  const vars = join(dir, 'vars.json');
  writeFileSync(vars, JSON.stringify({ psql_line: line, stream }));
  const playbook = join(dir, 'psql.yml');
  writeFileSync(
    playbook,
    `- hosts: all
  gather_facts: false
  tasks:
    - name: the file into psql, through docker exec
      ansible.builtin.shell:
        cmd: "{{ psql_line }}"
        stdin: "{{ lookup('ansible.builtin.file', stream, rstrip=false) }}"
        stdin_add_newline: false
`,
  );
  return {
    argv: ['ansible-playbook', '-i', inventory, '-e', `@${vars}`, playbook],
    options: {
      env: {
        ANSIBLE_HOME: join(dir, 'home'),
        ANSIBLE_LOCAL_TEMP: join(dir, 'home', 'tmp'),
        ANSIBLE_REMOTE_TMP: join(dir, 'remote-tmp'),
        ANSIBLE_SSH_ARGS: '-o ControlMaster=no',
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_RETRY_FILES_ENABLED: '0',
      },
    },
  };
}

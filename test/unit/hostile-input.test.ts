/**
 * Hostile values in every inventory field and in psql variables: each one is either refused
 * with a config/usage error that names the key, or it is inert — it reaches the far side's
 * shell only through the one quoting function and comes out as exactly one, unchanged argument
 * (checked with a real `sh`). The runner-level proof (values through ssh2 → docker exec → psql
 * and back, byte for byte) is in test/integration/hostile-values.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OneroofError } from '../../src/errors.js';
import { loadInventory, type Target } from '../../src/inventory/load.js';
import {
  buildDockerExecLine,
  buildPsqlInvocation,
  CommandLineError,
} from '../../src/remote/psql-command.js';
import { buildSshGArgs } from '../../src/ssh/ssh-g.js';
import { HOSTILE_VALUES } from '../helpers/hostile.js';
import { tempDir } from '../helpers/tmp.js';

describe('hostile values', () => {
  it('the list is long enough to mean something', () => {
    expect(HOSTILE_VALUES.length).toBeGreaterThanOrEqual(30);
  });

  /** Runs a shell line with a real sh; the far side's login shell does exactly this. */
  function argvThroughShell(line: string): string[] {
    const out = execFileSync('sh', ['-c', `set -- ${line}; printf '%s\\0' "$@"`]);
    return out.toString('utf8').split('\0').slice(0, -1);
  }

  const base = {
    container: 'postgres',
    database: 'directus',
    user: 'workflow_admin',
  };

  describe.each(HOSTILE_VALUES.map((v) => [JSON.stringify(v).slice(0, 40), v] as const))(
    'value %s',
    (_label, value) => {
      it('as a psql variable: refused, or one unchanged argument on the far side', () => {
        let argv: string[];
        try {
          argv = buildPsqlInvocation({ ...base, variables: { ratified_apr: value } });
        } catch (error) {
          expect(error).toBeInstanceOf(CommandLineError);
          expect((error as Error).message).toMatch(/^variable ratified_apr: expected /);
          return;
        }
        const line = buildDockerExecLine('postgres', argv);
        expect(argvThroughShell(line)).toEqual(['docker', 'exec', '-i', 'postgres', ...argv]);
        expect(argv.at(-1)).toBe(`ratified_apr=${value}`);
      });

      it.each([
        ['container', (v: string) => targetYaml({ container: v })],
        ['database', (v: string) => targetYaml({ database: v })],
        ['user', (v: string) => targetYaml({ user: v })],
        ['ssh', (v: string) => targetYaml({ ssh: v })],
        ['ssh.host', (v: string) => targetYaml({ ssh: { host: v } })],
        ['ssh.user', (v: string) => targetYaml({ ssh: { host: 'db.example', user: v } })],
        ['ssh.identity', (v: string) => targetYaml({ ssh: { host: 'db.example', identity: v } })],
        ['ssh_config', (v: string) => targetYaml({ ssh_config: v })],
        ['known_hosts', (v: string) => targetYaml({ known_hosts: v })],
        ['description', (v: string) => targetYaml({ description: v })],
        ['transport', (v: string) => targetYaml({ transport: v })],
        ['host_key', (v: string) => targetYaml({ host_key: v })],
        [
          'replica.image',
          (v: string) => targetYaml({ transport: 'local', ssh: undefined, replica: { image: v } }),
        ],
        ['target name', (v: string) => yaml({ targets: { [v]: TARGET } })],
        ['group member', (v: string) => yaml({ targets: { t: TARGET }, groups: { g: [v] } })],
      ] as const)(
        'in inventory field %s: refused naming the key, or inert',
        async (field, make) => {
          const dir = await tempDir('oneroof-hostile-');
          await writeFile(join(dir, 'targets.yml'), make(value));
          let target: Target | undefined;
          try {
            const inventory = await loadInventory(dir, dir);
            target = [...inventory.targets.values()][0];
          } catch (error) {
            expect(error).toBeInstanceOf(OneroofError);
            const e = error as OneroofError;
            expect(e.kind).toBe('config');
            expect(e.message).toContain('targets.yml');
            return;
          }
          // Accepted: it must be inert wherever it can travel.
          expect(target).toBeDefined();
          const t = target!;
          const argv = buildPsqlInvocation({
            container: t.container,
            database: t.database,
            user: t.user,
          });
          const line = buildDockerExecLine(t.container, argv);
          expect(argvThroughShell(line)).toEqual(['docker', 'exec', '-i', t.container, ...argv]);
          if (t.ssh?.kind === 'alias') {
            // ssh -G runs with execFile (no shell); the alias can never be read as an option.
            const args = buildSshGArgs(t.ssh.alias);
            expect(args.at(-1)).toBe(t.ssh.alias);
            expect(t.ssh.alias.startsWith('-')).toBe(false);
          }
          // Fields that are only ever data (description, paths opened with fs) may hold anything
          // printable; the identifiers that reach a command line must be plain tokens.
          for (const token of [t.container, t.database, t.user])
            expect(token).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
        },
      );
    },
  );
});

const TARGET = {
  ssh: 'contabo',
  container: 'postgres',
  database: 'directus',
  user: 'workflow_admin',
};

function targetYaml(overrides: Record<string, unknown>): string {
  const target: Record<string, unknown> = { ...TARGET, ...overrides };
  for (const [k, v] of Object.entries(target)) if (v === undefined) delete target[k];
  return yaml({ targets: { t: target } });
}

/** JSON is valid YAML, and JSON.stringify escapes every hostile byte exactly. */
function yaml(document: unknown): string {
  return JSON.stringify(document, null, 2) + '\n';
}

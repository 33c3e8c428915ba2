/** `oneroof targets [--json]`: the inventory, resolved (ssh aliases as `ssh -G` sees them). */
import type { Command } from '@commander-js/extra-typings';
import type { ContextFactory } from './context.js';
import { writeJson } from './json-out.js';
import { resolveEndpoint } from '../inventory/endpoint.js';
import type { Target } from '../inventory/load.js';
import { readOnlyUser } from '../runner/read-only.js';

interface TargetReport {
  name: string;
  transport: string;
  description: string | null;
  container: string;
  database: string;
  user: string;
  /** How preflight, verify and status are kept read-only: the read role, or the session only. */
  readOnly: { mode: 'role' | 'session'; user: string };
  source: string;
  ssh: null | {
    via: string;
    hostname: string;
    port: number;
    user: string;
    proxyJump: string | null;
    knownHostsFiles: string[];
    hostKeyPolicy: string;
  };
  unresolved: string | null;
}

export function registerTargets(program: Command, context: ContextFactory): void {
  program
    .command('targets')
    .description('list the inventory, resolved')
    .option('--json', 'one JSON document on stdout')
    .action(async (options, command) => {
      const { ui, settings, io } = context(command);
      const { loadInventory } = await import('../inventory/load.js');
      const inventory = await loadInventory(settings.inventory, io.cwd);
      const targets = await Promise.all(
        [...inventory.targets.values()].map((t) => report(t, settings.transport, io.env)),
      );
      const groups = Object.fromEntries(
        [...inventory.groups].map(([name, g]) => [name, g.members]),
      );
      if (options.json) {
        await writeJson(ui, 'targets', { inventory: inventory.sources, targets, groups });
        return;
      }
      for (const t of targets) {
        const where =
          t.ssh === null
            ? `docker on this machine`
            : `${t.ssh.user}@${t.ssh.hostname}:${t.ssh.port}${t.ssh.proxyJump ? ` via ${t.ssh.proxyJump}` : ''} (${t.ssh.via})`;
        ui.out(
          `${ui.bold(t.name)}  ${t.transport}  ${t.unresolved === null ? where : `unresolved: ${t.unresolved}`}\n`,
        );
        ui.out(
          `  docker exec -i ${t.container} psql -U ${t.user} -d ${t.database}${t.description ? `  # ${t.description}` : ''}\n`,
        );
        ui.out(
          t.readOnly.mode === 'role'
            ? `  read-only as ${t.readOnly.user} (read role)\n`
            : `  read-only by the session setting only, as ${t.readOnly.user} (read_only: session)\n`,
        );
      }
      for (const [name, group] of inventory.groups) {
        const leftOut = group.leftOut?.length
          ? `  (no oneroof_* variable: ${group.leftOut.join(', ')})`
          : '';
        ui.out(`${ui.bold(name)}  group: ${group.members.join(', ') || '(no target)'}${leftOut}\n`);
      }
      ui.debug(`inventory: ${inventory.sources.join(', ')}`);
    });
}

async function report(
  target: Target,
  transportOverride: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<TargetReport> {
  const base: TargetReport = {
    name: target.name,
    transport: target.transport === 'local' ? 'local' : (transportOverride ?? target.transport),
    description: target.description ?? null,
    container: target.container,
    database: target.database,
    user: target.user,
    readOnly: { mode: target.reader.mode, user: readOnlyUser(target) },
    source: target.source,
    ssh: null,
    unresolved: null,
  };
  if (target.transport === 'local' || !target.ssh) return base;
  try {
    const r = await resolveEndpoint(target, env);
    base.ssh = {
      via:
        target.ssh.kind === 'alias' ? `ssh_config alias ${target.ssh.alias}` : 'inventory endpoint',
      hostname: r.hostname,
      port: r.port,
      user: r.user,
      proxyJump: r.proxyJump ?? null,
      knownHostsFiles: r.knownHostsFiles,
      hostKeyPolicy: target.hostKeyPolicy,
    };
  } catch (error) {
    base.unresolved = error instanceof Error ? error.message : String(error);
  }
  return base;
}

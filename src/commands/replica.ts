/** `oneroof replica up | down | reset | ps [--target T]`: local replicas of production (dockerode). */
import { basename } from 'node:path';
import { Option, type Command } from '@commander-js/extra-typings';
import type { Context, ContextFactory } from './context.js';
import { writeJson } from './json-out.js';
import { PACKET_OPTION_HELP, packetRoot } from './packet-root.js';
import type { Target } from '../inventory/load.js';
import type { Replica } from '../replica/replica.js';
import { OneroofError } from '../errors.js';

const DEFAULT_TARGET = 'replica';

/** What the replica commands run on (dockerode among it), loaded when one runs, not for --help. */
async function load() {
  const [contract, check, inventory, docker, container, replica, options] = await Promise.all([
    import('../contract/load.js'),
    import('../engine/packet-check.js'),
    import('../inventory/load.js'),
    import('../docker/client.js'),
    import('../replica/container.js'),
    import('../replica/replica.js'),
    import('../engine/release-options.js'),
  ]);
  return {
    loadPacket: contract.loadPacket,
    checkPacket: check.checkPacket,
    loadInventory: inventory.loadInventory,
    selectTargets: inventory.selectTargets,
    connectDocker: docker.connectDocker,
    assertLocal: container.assertLocal,
    listReplicas: container.listReplicas,
    Replica: replica.Replica,
    validateApr: options.validateApr,
  };
}

export function registerReplica(program: Command, context: ContextFactory): void {
  const replica = program
    .command('replica')
    .description('local replicas of production (docker, --network none)');

  replica
    .command('up')
    .description(
      'start the replica (build its image once if needed); ready when pg_isready says so',
    )
    .option('--target <name>', 'a local target', DEFAULT_TARGET)
    .addOption(packetOption())
    .action(async (options, command) => {
      const ctx = context(command);
      const { loadPacket } = await load();
      const packet = packetRoot(options.packet, ctx.io.env);
      // The read role is made by the packet's reader file: the packet is read first.
      await loadPacket(packet);
      const r = await openReplica(ctx, options.target, undefined, packet);
      const result = await r.up();
      if (result.image)
        ctx.ui.info(
          `image ${result.image.image} (${result.image.source}, ${result.image.seconds.toFixed(1)} s)`,
        );
      ctx.ui.info(
        `replica ${result.container} ${result.action}; ready in ${result.readySeconds.toFixed(1)} s`,
      );
      ctx.ui.info(
        `  docker exec -i ${result.container} psql -U ${r.target.user} -d ${r.target.database}`,
      );
    });

  replica
    .command('down')
    .description('stop and remove the replica; no container is left behind')
    .option('--target <name>', 'a local target', DEFAULT_TARGET)
    .action(async (options, command) => {
      const ctx = context(command);
      const r = await openReplica(ctx, options.target);
      const outcome = await r.down();
      ctx.ui.info(
        outcome === 'removed'
          ? `replica ${r.container} removed`
          : `replica ${r.container} was not there`,
      );
    });

  replica
    .command('reset')
    .description(
      "back to production's baseline: the database recreated and seeded with the golden clone",
    )
    .option('--target <name>', 'a local target', DEFAULT_TARGET)
    .option(
      '--approve <code>',
      'also record a ratified approval for this APR code (rehearsals only: opens the gate)',
    )
    .addOption(packetOption())
    .action(async (options, command) => {
      const ctx = context(command);
      const { loadPacket, validateApr, checkPacket } = await load();
      const packet = packetRoot(options.packet, ctx.io.env);
      // Checked before anything is read or contacted: the code goes to psql as a variable, and
      // must look as the packet's gate says.
      const { gate, replica } = await loadPacket(packet);
      if (options.approve !== undefined) validateApr(options.approve, '--approve', gate);
      // The golden clone and the approval are packet files: the packet is checked (its manifest,
      // and its signature when packet_signers is set) before the replica is touched.
      const r = await openReplica(
        ctx,
        options.target,
        (target) => checkPacket(packet, { signers: target.packetSigners, env: ctx.io.env }),
        packet,
      );
      const result = await r.reset(
        options.approve === undefined ? {} : { approve: options.approve },
      );
      ctx.ui.info(
        `replica ${r.container}: database ${r.target.database} reset to the golden clone in ${result.seedSeconds.toFixed(1)} s`,
      );
      if (result.approved !== undefined)
        ctx.ui.info(
          `replica ${r.container}: ratified approval ${result.approved} recorded (${basename(replica.approve)}, rehearsal only)`,
        );
    });

  replica
    .command('ps')
    .description('list the replicas oneroof started')
    .option('--target <name>', 'only this target')
    .option('--json', 'one JSON document on stdout')
    .action(async (options, command) => {
      const { ui, io } = context(command);
      const { connectDocker, listReplicas } = await load();
      const docker = await connectDocker(io.env);
      const rows = await listReplicas(docker, options.target);
      if (options.json) {
        await writeJson(ui, 'replica-ps', { replicas: rows });
        return;
      }
      if (rows.length === 0) ui.info('no replicas');
      for (const row of rows)
        ui.out(`${row.container}  ${row.target}  ${row.state}  ${row.status}  ${row.image}\n`);
    });
}

const packetOption = () => new Option('--packet <dir>', PACKET_OPTION_HELP);

async function openReplica(
  ctx: Context,
  name: string,
  beforeConnect?: (target: Target) => Promise<unknown>,
  packetDir?: string,
): Promise<Replica> {
  const { loadInventory, selectTargets, assertLocal, connectDocker, Replica } = await load();
  const inventory = await loadInventory(ctx.settings.inventory, ctx.io.cwd);
  const targets = selectTargets(inventory, name);
  if (targets.length !== 1)
    throw new OneroofError(
      'usage',
      `--target ${name}: replica commands take one target, not a group`,
    );
  const target = targets[0]!;
  assertLocal(target);
  await beforeConnect?.(target);
  const docker = await connectDocker(ctx.io.env);
  return new Replica(docker, target, {
    onProgress: (line) => ctx.ui.progress(line),
    ...(packetDir === undefined ? {} : { packetDir }),
  });
}

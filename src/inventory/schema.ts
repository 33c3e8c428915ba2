/**
 * The inventory's shape (README: Inventory), as zod schemas: the one boundary where YAML becomes types.
 * Every identifier is checked against a strict pattern here (identifiers.ts).
 */
import { z } from 'zod';
import {
  CONTAINER_NAME,
  HOST_EXPECTED,
  IMAGE_REFERENCE,
  PATH_EXPECTED,
  PG_IDENTIFIER,
  SSH_ALIAS,
  SSH_USER,
  TARGET_NAME,
  TRANSPORTS,
  isHostname,
  isSafePath,
  type IdentifierRule,
} from './identifiers.js';

function ident(rule: IdentifierRule) {
  return z
    .string({ error: `expected ${rule.expected}` })
    .regex(rule.pattern, { error: `expected ${rule.expected}` });
}

const path = z
  .string({ error: `expected ${PATH_EXPECTED}` })
  .refine(isSafePath, { error: `expected ${PATH_EXPECTED}` });

const transport = z.enum(TRANSPORTS, { error: `expected one of ${TRANSPORTS.join(', ')}` });

/** `ssh:` given as its parts instead of an ssh_config alias. */
const sshEndpoint = z.strictObject({
  host: z
    .string({ error: `expected ${HOST_EXPECTED}` })
    .refine(isHostname, { error: `expected ${HOST_EXPECTED}` }),
  user: ident(SSH_USER).optional(),
  port: z
    .int({ error: 'expected a port number from 1 to 65535' })
    .min(1, { error: 'expected a port number from 1 to 65535' })
    .max(65535, { error: 'expected a port number from 1 to 65535' })
    .optional(),
  identity: path.optional(),
});

const HOST_KEY_POLICIES = ['strict', 'accept-new'] as const;

const replicaSettings = z.strictObject({
  /** The image to run; used when present locally (or pullable, with pull: missing). */
  image: z
    .string({ error: `expected ${IMAGE_REFERENCE.expected}` })
    .regex(IMAGE_REFERENCE.pattern, { error: `expected ${IMAGE_REFERENCE.expected}` })
    .optional(),
  /**
   * 'missing': pull the image when it is not present; 'never': only a local image, else build
   * one from Debian's packages. Pulling reaches a registry, so it is opt-in.
   */
  pull: z.enum(['never', 'missing'], { error: 'expected never or missing' }).optional(),
});

const READ_ONLY_MODES = ['role', 'session'] as const;
export const DEFAULT_READ_USER = 'oneroof_reader';

/** The read-only sessions' timeouts (postgresql.conf units ms, s, min, h), in milliseconds. */
export const DEFAULT_READ_TIMEOUTS = {
  statement: 300_000,
  lock: 10_000,
  idle_in_transaction: 60_000,
} as const;
const DURATION_EXPECTED = 'a duration such as 500ms, 10s, 5min or 1h, from 1ms to 24h';
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 };
const duration = z
  .string({ error: `expected ${DURATION_EXPECTED}` })
  .regex(/^[1-9][0-9]{0,8}(ms|s|min|h)$/, { error: `expected ${DURATION_EXPECTED}` })
  .transform((text) => {
    const [, n, unit] = /^(\d+)(ms|s|min|h)$/.exec(text)!;
    return Number(n) * DURATION_UNITS[unit!]!;
  })
  .refine((ms) => ms <= 86_400_000, { error: `expected ${DURATION_EXPECTED}` });

const readTimeouts = z.strictObject({
  statement: duration.optional(),
  lock: duration.optional(),
  idle_in_transaction: duration.optional(),
});

export const targetSchema = z
  .strictObject({
    description: z
      .string({ error: 'expected a string' })
      .max(500, { error: 'expected at most 500 characters' })
      .optional(),
    transport: transport.optional(),
    /** An ssh_config alias (resolved as `ssh ALIAS` would) or the endpoint's parts. */
    ssh: z
      .union([ident(SSH_ALIAS), sshEndpoint], {
        error: `expected ${SSH_ALIAS.expected}, or a mapping with host, user, port, identity`,
      })
      .optional(),
    /** The ssh_config file to resolve the alias with (default: OpenSSH's own, ~/.ssh/config). */
    ssh_config: path.optional(),
    /** known_hosts files to check host keys against (default: what the resolution names). */
    known_hosts: z
      .union([path, z.array(path).min(1)], {
        error: `expected ${PATH_EXPECTED}, or a list of them`,
      })
      .optional(),
    /** strict: an unknown host key is refused; accept-new: it is recorded, a changed one still refused. */
    host_key: z
      .enum(HOST_KEY_POLICIES, { error: `expected one of ${HOST_KEY_POLICIES.join(', ')}` })
      .optional(),
    container: ident(CONTAINER_NAME),
    database: ident(PG_IDENTIFIER),
    user: ident(PG_IDENTIFIER),
    /**
     * How preflight, verify and status are kept read-only. `role` (default): they log in as
     * `read_user`, a NOSUPERUSER role with pg_read_all_data + pg_read_all_stats, so the server
     * refuses every write and every superuser-only function. `session`: as `user`, with only
     * default_transaction_read_only=on set by the client (weaker; warned on every run).
     */
    read_only: z
      .enum(READ_ONLY_MODES, { error: `expected one of ${READ_ONLY_MODES.join(', ')}` })
      .optional(),
    read_user: ident(PG_IDENTIFIER).optional(),
    read_timeouts: readTimeouts.optional(),
    replica: replicaSettings.optional(),
    /** An allowed-signers file: the packet must be signed by one of its principals (overrides the inventory's). */
    packet_signers: path.optional(),
  })
  .superRefine((target, ctx) => {
    if (
      (target.read_only ?? 'role') === 'role' &&
      (target.read_user ?? DEFAULT_READ_USER) === target.user
    )
      ctx.addIssue({
        code: 'custom',
        path: ['read_user'],
        message: `must differ from user (${target.user}): the read-only commands log in as a role that cannot write`,
      });
    const t = target.read_timeouts;
    if (
      t &&
      (t.lock ?? DEFAULT_READ_TIMEOUTS.lock) > (t.statement ?? DEFAULT_READ_TIMEOUTS.statement)
    )
      ctx.addIssue({
        code: 'custom',
        path: ['read_timeouts', 'lock'],
        message: 'must not be longer than read_timeouts.statement (a statement ends first anyway)',
      });
    const kind = target.transport ?? (target.ssh === undefined ? 'local' : 'ssh2');
    if (kind !== 'local' && target.ssh === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ssh'],
        message: `is missing: transport ${kind} needs an ssh alias or endpoint`,
      });
    }
    if (kind === 'local') {
      for (const key of ['ssh', 'ssh_config', 'known_hosts', 'host_key'] as const) {
        if (target[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message:
              'is not used by transport local (docker on this machine); remove it or set transport: ssh2',
          });
        }
      }
    }
  });

export const inventoryFileSchema = z.strictObject({
  /** An allowed-signers file for every target of the inventory that names none of its own. */
  packet_signers: path.optional(),
  targets: z
    .record(ident(TARGET_NAME), targetSchema, {
      error: 'expected a mapping of target names to targets',
    })
    .optional(),
  groups: z
    .record(
      ident(TARGET_NAME),
      z
        .array(ident(TARGET_NAME), { error: 'expected a list of target names' })
        .min(1, { error: 'expected at least one target' }),
      { error: 'expected a mapping of group names to lists of targets' },
    )
    .optional(),
});

export type TargetSpec = z.infer<typeof targetSchema>;

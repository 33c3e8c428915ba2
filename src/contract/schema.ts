/**
 * The packet contract: what oneroof needs to know about a packet, declared by the packet itself
 * in `packet.yml` at its root (docs/packet-contract.md). The engine, the renderers, replay and
 * the replicas read every packet-specific name from here, so a new packet is new SQL and a new
 * descriptor, never new TypeScript. Validated with zod at the boundary; the checks that span
 * keys (tiers in order, the vectors' width, reserved names) are refinements here, the checks
 * that need the disk (every file exists, is in the manifest) are in load.ts.
 */
import { z } from 'zod';

/** The descriptor's own format; a packet written for another one is refused, not guessed at. */
const CONTRACT_VERSION = 1;
/** The marker grammar the runner reads (src/psql/markers.ts). */
const MARKER_GRAMMAR_VERSION = 1;
/** The descriptor's file name, at the packet's root. */
export const DESCRIPTOR_FILE = 'packet.yml';
/** Tier number of the full rollback in the marker grammar (`ONEROOF ROLLBACK full`). */
export const FULL_ROLLBACK_TIER = 99;

/** Probe names oneroof itself uses in its generated plans (src/engine/plans.ts). */
const RESERVED_PROBES: readonly string[] = [
  'state_vector',
  'state_vector_exit',
  'tier_status',
  'gate',
  'fingerprint',
  'alive',
];

/** A file inside the packet, relative, forward slashes, no `..`, ending in .sql. */
const packetFile = z
  .string()
  .regex(
    /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9_][A-Za-z0-9_./-]{0,254}\.sql$/,
    'expected a .sql file inside the packet: a relative path with / and no . or .. part',
  );
/** A folder inside the packet, relative, ending in /. */
const packetFolder = z
  .string()
  .regex(
    /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9_][A-Za-z0-9_./-]{0,254}\/$/,
    'expected a folder inside the packet: a relative path ending in /',
  );
/** A name the packet gives: lower case, digits and _, as psql variables and markers carry it. */
const name = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'expected a lower-case name: a-z, 0-9 and _, at most 63');
/** A psql variable oneroof passes with -v: a lower-case name not in oneroof's own prefix. */
const psqlVariable = name.refine((v) => !v.startsWith('oneroof_'), {
  message: 'expected a variable outside oneroof_… (that prefix is the packet’s own \\set space)',
});
/** A label or a title: one line of printable text, so it can be shown on a terminal as it is. */
const label = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x20-\x7e\u00a0-\u2027\u202f-\uffef]+$/u, 'expected one line of printable text');
const vector = z
  .string()
  .regex(/^-?\d+(?:\|-?\d+)*$/, 'expected integers separated by |, e.g. 0|0|210');

const tierSchema = z.strictObject({
  tier: z.int().min(1).max(98),
  name,
  file: packetFile,
  /** Its per-tier rollback file; a tier without one can only be undone by the full rollback. */
  rollback: packetFile.optional(),
});

const columnSchema = z.strictObject({
  name,
  label,
  /** Comes and goes on its own (other sessions): shown, never compared. */
  volatile: z.boolean().default(false),
});

const extraProbeSchema = z.strictObject({
  name,
  file: packetFile,
  label,
  /** Shown after the value, dimmed: what the figures are. */
  note: label.optional(),
  /** `one`: a single line (a count, a tuple); `many`: a list, each line an item (none is fine). */
  lines: z.enum(['one', 'many']),
  /** For `many`: any line is a finding an operator must see (a cron box alerts on it). */
  alert: z.boolean().default(false),
});

export const packetDescriptorSchema = z
  .strictObject({
    contract: z.literal(CONTRACT_VERSION),
    markers: z.literal(MARKER_GRAMMAR_VERSION),
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a-z, 0-9, . _ -, at most 64 characters'),
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]{1,32})?$/, 'expected a version such as 1.0.0'),
    title: label,
    gate: z.strictObject({
      /** The psql variable that carries the approval code (`--apr`), read as :'variable'. */
      variable: psqlVariable,
      /** What a code must look like, on top of oneroof's own plain-token rule. */
      pattern: z.string().min(1).max(200),
      /** A code of that shape, for help texts and the scaffold. */
      example: z.string().min(1).max(64),
    }),
    entries: z.strictObject({
      preflight: packetFile,
      apply: packetFile,
      verify: packetFile,
      rollback_tier: packetFile,
      rollback_full: packetFile,
      /** The read role's file (`oneroof reader setup`, `-v reader=ROLE`). */
      reader: packetFile,
    }),
    variables: z.strictObject({
      /** Set `on` for `apply --dry-run`. */
      dry_run: psqlVariable,
      /** The tier number for a per-tier rollback. */
      tier: psqlVariable,
    }),
    tiers: z.array(tierSchema).min(1).max(98),
    state: z.strictObject({
      /** One line, the columns' values joined by |. */
      probe: packetFile,
      columns: z.array(columnSchema).min(1).max(32),
      /** The vector on a golden clone, before the release. */
      baseline: vector,
      /** The vector after a complete release (volatile columns as on a quiet database). */
      applied: vector,
    }),
    probes: z.strictObject({
      /** One line per tier: tier|name|applied|attempt|file_sha256|apr_code|applied_at. */
      tier_status: packetFile,
      /** One line per approval: apr_code|level|status|proposal|decided_at|opens_gate. */
      gate: packetFile,
      /** One line, a hex digest of what the release must leave as it found it. */
      fingerprint: packetFile,
      /** Shown by verify, in this order. */
      verify: z.array(extraProbeSchema).max(32).default([]),
    }),
    replica: z.strictObject({
      /** Builds the baseline on an empty database; self-contained (no \ir). */
      golden_clone: packetFile,
      /** Records a ratified approval for the gate variable; refuses a database not a clone. */
      approve: packetFile,
      /**
       * Clone revalidation on a clone with the release applied, in one transaction rolled back;
       * owns the `revalidation.` VERIFY PASS claims (src/psql/markers.ts). Optional.
       */
      revalidate: packetFile.optional(),
    }),
    /** A generated include of the files' digests, which the tiers record (optional). */
    checksums: z
      .strictObject({ include: packetFile, folders: z.array(packetFolder).min(1).max(32) })
      .optional(),
  })
  .superRefine((d, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    try {
      new RegExp(d.gate.pattern, 'u');
    } catch (error) {
      issue(['gate', 'pattern'], `is not a regular expression: ${(error as Error).message}`);
    }
    d.tiers.forEach((t, i) => {
      const before = d.tiers[i - 1];
      if (before !== undefined && t.tier <= before.tier)
        issue(
          ['tiers', i, 'tier'],
          `expected tiers in ascending order, ${t.tier} after ${before.tier}`,
        );
      if (d.tiers.findIndex((u) => u.name === t.name) !== i)
        issue(['tiers', i, 'name'], `${t.name} names two tiers`);
    });
    const names = d.state.columns.map((c) => c.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) issue(['state', 'columns', i, 'name'], `${n} names two columns`);
    });
    for (const key of ['baseline', 'applied'] as const) {
      const width = d.state[key].split('|').length;
      if (width !== names.length)
        issue(['state', key], `expected ${names.length} values (one per column), got ${width}`);
    }
    d.probes.verify.forEach((p, i) => {
      if (RESERVED_PROBES.includes(p.name))
        issue(['probes', 'verify', i, 'name'], `${p.name} is a probe name oneroof uses itself`);
      else if (d.probes.verify.findIndex((q) => q.name === p.name) !== i)
        issue(['probes', 'verify', i, 'name'], `${p.name} names two probes`);
    });
  });

export type PacketDescriptor = z.output<typeof packetDescriptorSchema>;

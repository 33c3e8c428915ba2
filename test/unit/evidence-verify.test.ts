/**
 * The evidence set's seal and its check (src/evidence/seal.ts, verify.ts), with the real
 * ssh-keygen and run logs written the way the runner writes them (a recorded psql run, no
 * database: test/helpers/runlog-fixture.ts). A sealed set verifies, also once moved elsewhere;
 * every edit an attacker or a careless hand can make — to a document, the folder, the manifest,
 * the signature, a cited log, or a manifest re-signed to point outside the set — is exit 5
 * naming the file. The same on a real preflight's log: test/integration/evidence.test.ts.
 */
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OneroofError } from '../../src/errors.js';
import { sealEvidence, type EvidenceSet } from '../../src/evidence/seal.js';
import type { EvidenceManifest } from '../../src/evidence/seal-manifest.js';
import type { EvidenceReport } from '../../src/evidence/verify-report.js';
import { signRunLog } from '../../src/ssh/sign.js';
import { runMain } from '../helpers/in-process.js';
import { writeFixtureRun } from '../helpers/runlog-fixture.js';
import { flipByteAt, rewriteChain } from '../helpers/tamper.js';
import { tempDir } from '../helpers/tmp.js';

const PACKET_DIGEST = 'ab'.repeat(32);
const DOCUMENTS: Record<string, string> = {
  '01-state-baselines.md': '# 01 State\n\nentry 0|0|210|0|0|0 (run 1, record 7)\n',
  '09-go-no-go.md': '# 09 GO/NO-GO\n\nNO-GO: gate.ospa\n',
  'parts/10-self-review.md': '# 10 Self-review\n\n- [x] read-only\n',
};

let keys: string;
let alice: string;
let mallory: string;
let allowed: string;
/** A signed run log outside any set, and what the documents cite of it. */
let cited: { log: string; runId: string; head: string };

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', file]);
}

beforeAll(async () => {
  keys = await tempDir('oneroof-evidence-keys-');
  alice = join(keys, 'alice');
  mallory = join(keys, 'mallory');
  keygen(alice);
  keygen(mallory);
  const pub = readFileSync(`${alice}.pub`, 'utf8').trim().split(' ');
  allowed = join(keys, 'allowed_signers');
  writeFileSync(allowed, `alice@example namespaces="oneroof-evidence" ${pub[0]} ${pub[1]}\n`);
  const logs = await tempDir('oneroof-evidence-logs-');
  const { seal } = writeFixtureRun({ psqlCase: 'assert-tier', dir: logs });
  await signRunLog(seal!.paths.records, { key: alice });
  cited = { log: seal!.paths.output, runId: seal!.run, head: seal!.head };
});

/** A fresh set: the documents, the cited log (copied in by the seal), signed by alice. */
async function sealedSet(options: { sign?: boolean } = {}): Promise<string> {
  const dir = await tempDir('oneroof-evidence-set-');
  for (const [name, text] of Object.entries(DOCUMENTS)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const set: EvidenceSet = {
    dir,
    files: Object.keys(DOCUMENTS),
    citations: [cited],
    manifestDigest: PACKET_DIGEST,
  };
  const sealed = await sealEvidence(set, options.sign === false ? {} : { signingKey: alice });
  expect(sealed.warnings).toEqual(
    options.sign === false ? [expect.stringMatching(/^unsigned/)] : [],
  );
  return dir;
}

async function verify(
  dir: string,
  ...extra: string[]
): Promise<{ code: number; report: EvidenceReport; stderr: string }> {
  const result = await runMain(['evidence', 'verify', dir, '--json', ...extra]);
  return {
    code: result.code,
    report: JSON.parse(result.stdout) as EvidenceReport,
    stderr: result.stderr,
  };
}

function logName(dir: string, ext: string): string {
  return `logs/${readdirSync(join(dir, 'logs')).find((f) => f.endsWith(ext))!}`;
}

function manifestOf(dir: string): EvidenceManifest {
  return JSON.parse(readFileSync(join(dir, 'evidence-manifest.json'), 'utf8')) as EvidenceManifest;
}

/** The manifest rewritten and signed again by `key`: the signature is valid, the content hostile. */
function resign(
  dir: string,
  edit: (m: ReturnType<typeof manifestOf>) => unknown,
  key = alice,
): void {
  const file = join(dir, 'evidence-manifest.json');
  const edited = edit(manifestOf(dir));
  writeFileSync(file, typeof edited === 'string' ? edited : JSON.stringify(edited));
  signWith(dir, key, 'oneroof-evidence');
}

function signWith(dir: string, key: string, namespace: string): void {
  const file = join(dir, 'evidence-manifest.json');
  const signature = execFileSync('ssh-keygen', ['-Y', 'sign', '-f', key, '-n', namespace], {
    input: readFileSync(file),
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  writeFileSync(`${file}.sig`, signature);
}

describe('evidence verify', () => {
  it('a sealed set is VERIFIED with the allowed signers, exit 0, every file ok', async () => {
    const dir = await sealedSet();
    const { code, report } = await verify(dir, '--allowed-signers', allowed);
    expect(code).toBe(0);
    expect(report.verdict).toBe('verified');
    expect(report.signature).toMatchObject({ status: 'valid', principal: 'alice@example' });
    expect(report.packet).toEqual({ manifestSha256: PACKET_DIGEST });
    expect(report.files.map((f) => [f.path, f.kind, f.status])).toEqual([
      ['01-state-baselines.md', 'document', 'ok'],
      ['09-go-no-go.md', 'document', 'ok'],
      ['parts/10-self-review.md', 'document', 'ok'],
      [logName(dir, '.log'), 'log', 'ok'],
      [logName(dir, '.jsonl'), 'records', 'ok'],
      [logName(dir, '.jsonl.sig'), 'log-signature', 'ok'],
    ]);
    expect(report.logs).toEqual([
      expect.objectContaining({ runId: cited.runId, head: cited.head, status: 'intact' }),
    ]);
  });

  it('a set moved to another folder, as a whole, still verifies (its logs travel with it)', async () => {
    const dir = await sealedSet();
    const moved = join(await tempDir('oneroof-evidence-moved-'), 'elsewhere');
    renameSync(dir, moved);
    const { code, report } = await verify(moved, '--allowed-signers', allowed);
    expect([code, report.verdict]).toEqual([0, 'verified']);
  });

  it('without --allowed-signers: SIGNED, the signer named but not checked, exit 0', async () => {
    const dir = await sealedSet();
    const { code, report } = await verify(dir);
    expect([code, report.verdict]).toEqual([0, 'signed']);
    expect(report.summary).toMatch(/^SIGNED \(signer not checked/);
  });

  it('an unsigned set says UNSIGNED, exit 0; exit 5 when an allowed-signers file demands a signature', async () => {
    const dir = await sealedSet({ sign: false });
    const plain = await verify(dir);
    expect([plain.code, plain.report.verdict]).toEqual([0, 'unsigned']);
    expect(plain.report.summary).toMatch(/^UNSIGNED: /);
    const demanded = await verify(dir, '--allowed-signers', allowed);
    expect(demanded.code).toBe(5);
    expect(demanded.stderr).toMatch(/evidence-manifest\.json\.sig: missing: the set is unsigned/);
  });

  it('sealed again (the logs already copied in), and with a cited log that lies in the set, it verifies', async () => {
    const dir = await sealedSet();
    const again = await sealEvidence(
      {
        dir,
        // The set's own copy of the log, named as a document too: listed once, as the log's.
        files: [...Object.keys(DOCUMENTS), logName(dir, '.log')],
        citations: [{ ...cited, log: join(dir, logName(dir, '.log')) }],
        manifestDigest: PACKET_DIGEST,
      },
      { signingKey: alice },
    );
    expect(again.warnings).toEqual([]);
    const { code, report } = await verify(dir, '--allowed-signers', allowed);
    expect([code, report.verdict, report.files.length]).toEqual([0, 'verified', 6]);
  });

  it('the human report names the signer and each log; a missing folder is exit 2', async () => {
    const dir = await sealedSet();
    const ok = await runMain(['evidence', 'verify', dir, '--allowed-signers', allowed]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/signature {3}signed by alice@example/);
    expect(ok.stdout).toMatch(/files {7}6 of 6 match the manifest/);
    expect(ok.stdout).toMatch(/\nVERIFIED: 3 documents and 1 cited log match/);
    const missing = await runMain(['evidence', 'verify', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope: cannot be read \(ENOENT\)/);
  });
});

type Tamper = (dir: string) => void | Promise<void>;

const outside = (dir: string) => join(dir, '..', `outside-${Date.now()}.md`);

const HOSTILE: [string, Tamper, string | ((dir: string) => string), RegExp][] = [
  [
    'a document edited',
    (d) => appendFileSync(join(d, '09-go-no-go.md'), 'GO\n'),
    '09-go-no-go.md',
    /altered: sha256/,
  ],
  [
    'a document removed',
    (d) => rmSync(join(d, '01-state-baselines.md')),
    '01-state-baselines.md',
    /missing: it was removed/,
  ],
  [
    'a file added',
    (d) => writeFileSync(join(d, '11-extra.md'), 'x'),
    '11-extra.md',
    /not list: added/,
  ],
  [
    'a file added in a new folder',
    (d) => {
      mkdirSync(join(d, 'more'));
      writeFileSync(join(d, 'more', 'x.md'), 'x');
    },
    'more',
    /a folder that the manifest does not list/,
  ],
  [
    'a symlink added that points out of the set',
    (d) => symlinkSync('/etc/passwd', join(d, 'passwd.md')),
    'passwd.md',
    /a symlink to "\/etc\/passwd"/,
  ],
  [
    'a document replaced by a symlink to an edited copy outside',
    (d) => {
      const copy = outside(d);
      writeFileSync(copy, 'GO');
      rmSync(join(d, '09-go-no-go.md'));
      symlinkSync(copy, join(d, '09-go-no-go.md'));
    },
    '09-go-no-go.md',
    /a symlink to .*, not a regular file/,
  ],
  [
    'a folder of the set replaced by a symlink to a copy outside',
    (d) => {
      const copy = `${outside(d)}.d`;
      cpSync(join(d, 'parts'), copy, { recursive: true });
      rmSync(join(d, 'parts'), { recursive: true });
      symlinkSync(copy, join(d, 'parts'));
    },
    'parts/10-self-review.md',
    /its folder parts is a symlink/,
  ],
  [
    'a FIFO added',
    (d) => execFileSync('mkfifo', [join(d, 'pipe.md')]),
    'pipe.md',
    /a FIFO that the manifest does not list/,
  ],
  [
    'the manifest edited',
    (d) => appendFileSync(join(d, 'evidence-manifest.json'), ' '),
    'evidence-manifest.json.sig',
    /does not match the manifest/,
  ],
  [
    'a document edited and its digest rewritten in the manifest',
    (d) => {
      appendFileSync(join(d, '09-go-no-go.md'), 'GO\n');
      const file = join(d, 'evidence-manifest.json');
      const m = manifestOf(d);
      const entry = m.files.find((f) => f.path === '09-go-no-go.md')!;
      entry.sha256 = execFileSync('sha256sum', [join(d, '09-go-no-go.md')])
        .toString()
        .slice(0, 64);
      entry.size += 3;
      writeFileSync(file, JSON.stringify(m, null, 2));
    },
    'evidence-manifest.json.sig',
    /the manifest was changed after it was signed/,
  ],
  [
    'the manifest removed',
    (d) => rmSync(join(d, 'evidence-manifest.json')),
    'evidence-manifest.json',
    /missing: not a sealed evidence set/,
  ],
  [
    'the manifest replaced by a symlink',
    (d) => {
      const copy = outside(d);
      cpSync(join(d, 'evidence-manifest.json'), copy);
      rmSync(join(d, 'evidence-manifest.json'));
      symlinkSync(copy, join(d, 'evidence-manifest.json'));
    },
    'evidence-manifest.json',
    /got a symlink/,
  ],
  [
    'the signature removed',
    (d) => rmSync(join(d, 'evidence-manifest.json.sig')),
    'evidence-manifest.json.sig',
    /missing: the set is unsigned/,
  ],
  [
    'the signature made for run logs',
    (d) => signWith(d, alice, 'oneroof-runlog'),
    'evidence-manifest.json.sig',
    /made for run logs \(namespace oneroof-runlog\)/,
  ],
  [
    'the signature made for a packet',
    (d) => signWith(d, alice, 'oneroof-packet'),
    'evidence-manifest.json.sig',
    /made for a packet \(namespace oneroof-packet\)/,
  ],
  [
    'the manifest signed with another key',
    (d) => signWith(d, mallory, 'oneroof-evidence'),
    'evidence-manifest.json.sig',
    /signed by ED25519 SHA256:\S+, a key .* does not allow/,
  ],
  [
    'the signature replaced by garbage',
    (d) => writeFileSync(join(d, 'evidence-manifest.json.sig'), 'not a signature'),
    'evidence-manifest.json.sig',
    /not an ssh signature/,
  ],
  [
    "a cited log's output edited",
    (d) => flipByteAt(join(d, logName(d, '.log')), 10),
    (d) => logName(d, '.log'),
    /altered: sha256/,
  ],
  [
    "a cited log's records edited",
    (d) => appendFileSync(join(d, logName(d, '.jsonl')), '{}\n'),
    (d) => logName(d, '.jsonl'),
    /altered: sha256/,
  ],
  [
    'a cited log removed',
    (d) => rmSync(join(d, logName(d, '.log'))),
    (d) => logName(d, '.log'),
    /missing: it was removed/,
  ],
  [
    "a cited log's signature removed",
    (d) => rmSync(join(d, logName(d, '.jsonl.sig'))),
    (d) => logName(d, '.jsonl.sig'),
    /missing: it was removed/,
  ],
  [
    'a cited log rewritten whole, its chain recomputed and the manifest digests updated, re-signed by another key',
    (d) => {
      const records = join(d, logName(d, '.jsonl'));
      rmSync(join(d, logName(d, '.jsonl.sig')));
      rewriteChain(records, (r) => r);
      resign(d, (m) => ({ ...m, logs: [] }), mallory);
    },
    (d) => logName(d, '.jsonl'),
    /not list: added/,
  ],
  [
    'a cited log rewritten with one record less, its chain recomputed, re-signed',
    (d) => {
      const records = join(d, logName(d, '.jsonl'));
      let dropped = false;
      rewriteChain(records, (r) => {
        if (!dropped && r.record === 'exec') {
          dropped = true;
          return undefined;
        }
        return r;
      });
      rmSync(join(d, logName(d, '.jsonl.sig')));
      resign(d, (m) => {
        const log = m.logs[0]!;
        const bytes = readFileSync(records);
        log.jsonl = {
          path: log.jsonl.path,
          size: bytes.length,
          sha256: execFileSync('sha256sum', [records]).toString().slice(0, 64),
        };
        log.signature = null;
        return m;
      });
    },
    (d) => logName(d, '.log'),
    /another state of the log/,
  ],
  [
    'a manifest entry with ../ re-signed',
    (d) =>
      resign(d, (m) => {
        writeFileSync(join(d, '..', 'x.md'), 'x');
        m.files[0]!.path = '../x.md';
        return m;
      }),
    'evidence-manifest.json',
    /files\.0\.path: not a path inside the set: a "\.\." segment/,
  ],
  [
    'a manifest entry a/../../x re-signed',
    (d) =>
      resign(d, (m) => {
        m.files[0]!.path = 'parts/../../x.md';
        return m;
      }),
    'evidence-manifest.json',
    /a "\.\." segment/,
  ],
  [
    'a manifest entry with an absolute path re-signed',
    (d) =>
      resign(d, (m) => {
        m.files[0]!.path = '/etc/passwd';
        return m;
      }),
    'evidence-manifest.json',
    /an absolute path/,
  ],
  [
    'a manifest entry ./x re-signed',
    (d) =>
      resign(d, (m) => {
        m.files[0]!.path = './09-go-no-go.md';
        return m;
      }),
    'evidence-manifest.json',
    /an empty or "\." segment/,
  ],
  [
    'a manifest entry with a backslash re-signed',
    (d) =>
      resign(d, (m) => {
        m.files[0]!.path = '..\\x.md';
        return m;
      }),
    'evidence-manifest.json',
    /a backslash/,
  ],
  [
    'a manifest that lists itself re-signed',
    (d) =>
      resign(d, (m) => {
        m.files[0]!.path = 'evidence-manifest.json';
        return m;
      }),
    'evidence-manifest.json',
    /the manifest or its signature/,
  ],
  [
    'a manifest whose log lies outside the set re-signed',
    (d) =>
      resign(d, (m) => {
        m.logs[0]!.log.path = '../logs/x.log';
        return m;
      }),
    'evidence-manifest.json',
    /logs\.0\.log\.path: not a path inside the set/,
  ],
  [
    'a manifest listing a file twice re-signed',
    (d) =>
      resign(d, (m) => {
        m.files.push(m.files[0]!);
        return m;
      }),
    'evidence-manifest.json',
    /is listed twice/,
  ],
  [
    'a manifest of another format re-signed',
    (d) => resign(d, (m) => ({ ...m, format: 'oneroof-evidence/9' })),
    'evidence-manifest.json',
    /format: /,
  ],
  [
    'a manifest that is not JSON re-signed',
    (d) => resign(d, () => '{"format":'),
    'evidence-manifest.json',
    /not JSON/,
  ],
];

describe('hostile evidence-set: every edit is exit 5 naming the file', () => {
  it.each(HOSTILE)('hostile evidence-set: %s', async (_name, tamper, file, reason) => {
    const dir = await sealedSet();
    const named = typeof file === 'string' ? file : file(dir);
    await tamper(dir);
    const { code, report, stderr } = await verify(dir, '--allowed-signers', allowed);
    expect(code).toBe(5);
    expect(report.verdict).toBe('tampered');
    const problem = report.problems.find((p) => p.file === named);
    expect(problem, JSON.stringify(report.problems)).toBeDefined();
    expect(problem!.reason).toMatch(reason);
    expect(stderr).toContain(`${named}: `);
    expect(stderr).toMatch(/oneroof: error: evidence set .* was edited: /);
  });

  it('hostile evidence-set: a file whose name holds an escape sequence is named with the escape shown', async () => {
    const dir = await sealedSet();
    writeFileSync(join(dir, '\u001b[2Jevil\u202e.md'), 'x');
    const result = await runMain(['evidence', 'verify', dir]);
    expect(result.code).toBe(5);
    const printed = result.stdout + result.stderr;
    expect([printed.includes('\u001b'), printed.includes('\u202e')]).toEqual([false, false]);
    expect(result.stderr).toContain(
      '\\x1b[2Jevil\\u202e.md: a file that the manifest does not list',
    );
  });
});

describe('hostile evidence-seal: what cannot be sealed', () => {
  it.each([
    ['a name with ../', '../x.md', /"\.\.\/x\.md" is not a file of the set: a "\.\." segment/],
    ['an absolute name', '/etc/passwd', /an absolute path/],
    ['a name that does not exist', 'missing.md', /missing\.md: missing, so it cannot be sealed/],
  ])('hostile evidence-seal: %s is refused, nothing sealed', async (_name, file, message) => {
    const dir = await tempDir('oneroof-evidence-set-');
    const sealing = sealEvidence(
      { dir, files: [file], citations: [], manifestDigest: PACKET_DIGEST },
      { signingKey: alice },
    );
    await expect(sealing).rejects.toThrow(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('hostile evidence-seal: a cited log that does not replay intact is refused (exit 5), nothing sealed', async () => {
    const dir = await tempDir('oneroof-evidence-set-');
    const logs = await tempDir('oneroof-evidence-logs-');
    const { seal } = writeFixtureRun({ psqlCase: 'assert-tier', dir: logs });
    flipByteAt(seal!.paths.output, 5);
    const sealing = sealEvidence(
      {
        dir,
        files: [],
        citations: [{ log: seal!.paths.output, runId: seal!.run, head: seal!.head }],
        manifestDigest: PACKET_DIGEST,
      },
      {},
    );
    const error = await sealing.catch((e: unknown) => e as OneroofError);
    expect(error).toBeInstanceOf(OneroofError);
    expect((error as OneroofError).exitCode).toBe(5);
    expect((error as OneroofError).message).toMatch(
      /cannot seal: the cited log .* does not replay intact/,
    );
    expect(readdirSync(dir).filter((f) => f.startsWith('evidence-'))).toEqual([]);
  });

  it('hostile evidence-seal: a cited head the log does not end at is refused', async () => {
    const dir = await tempDir('oneroof-evidence-set-');
    const sealing = sealEvidence(
      {
        dir,
        files: [],
        citations: [{ ...cited, head: 'cd'.repeat(32) }],
        manifestDigest: PACKET_DIGEST,
      },
      {},
    );
    await expect(sealing).rejects.toThrow(/another state of the log/);
  });

  it('hostile evidence-seal: a folder holding a file the set does not list is refused', async () => {
    const dir = await tempDir('oneroof-evidence-set-');
    writeFileSync(join(dir, 'a.md'), 'a');
    writeFileSync(join(dir, 'stray.md'), 'b');
    const sealing = sealEvidence(
      { dir, files: ['a.md'], citations: [], manifestDigest: PACKET_DIGEST },
      {},
    );
    await expect(sealing).rejects.toThrow(
      /neither a document of the set nor a cited log: stray\.md/,
    );
  });
});

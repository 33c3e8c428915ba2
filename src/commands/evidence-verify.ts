/**
 * `oneroof evidence verify DIR [--allowed-signers FILE] [--json]`: the evidence set's manifest
 * signature, every file's sha256, every cited log replayed intact at the head the set cites, and
 * nothing added. Exit 5 naming each file that is not as sealed; 0 otherwise (UNSIGNED says so,
 * and is exit 5 too when an allowed-signers file demands a signature).
 */
import { resolve } from 'node:path';
import { Option, type Command } from '@commander-js/extra-typings';
import type { ContextFactory } from './context.js';
import { writeJson } from './json-out.js';
import { OneroofError } from '../errors.js';
import type { EvidenceReport } from '../evidence/verify-report.js';

/** Adds `verify` to the `evidence` command. */
export function addEvidenceVerify(evidence: Command, context: ContextFactory): void {
  evidence
    .command('verify')
    .description(
      "check an evidence set: its signature, every file's sha256, every cited log replayed intact (exit 5 naming what differs)",
    )
    .argument('<dir>', 'the folder of the set (the one holding evidence-manifest.json)')
    .addOption(
      new Option(
        '--allowed-signers <file>',
        'ssh-keygen allowed-signers file: demand a signature by one of its principals (env ONEROOF_ALLOWED_SIGNERS)',
      ),
    )
    .addOption(new Option('--json', 'one JSON document on stdout, with each file’s result'))
    .action(async (dir, options, command) => {
      const { io, ui } = context(command);
      const signers = options.allowedSigners ?? io.env.ONEROOF_ALLOWED_SIGNERS;
      const { verifyEvidence } = await import('../evidence/verify.js');
      const report = await verifyEvidence({
        dir: resolve(io.cwd, dir),
        allowedSigners: signers ? resolve(io.cwd, signers) : undefined,
        env: io.env,
      });
      // `evidence` has a --json of its own; given after DIR, commander may hand it to the parent.
      const json = options.json === true || command.optsWithGlobals().json === true;
      if (json) await writeJson(ui, 'evidence-verify', report);
      else ui.out(renderEvidence(report, ui.options.verbose));
      if (report.verdict === 'tampered')
        throw new OneroofError(
          'integrity',
          `evidence set ${report.evidence.dir} was edited: ${report.problems
            .slice(0, 5)
            .map((p) => `${p.file}: ${p.reason}`)
            .join(
              '; ',
            )}${report.problems.length > 5 ? `; and ${report.problems.length - 5} more` : ''}`,
          {
            hint: 'this set cannot be trusted as evidence: rebuild it from the runs (oneroof evidence)',
          },
        );
    });
}

/** The human report (sanitised by Ui.out): the verdict, the signature, each problem. */
function renderEvidence(report: EvidenceReport, verbose: boolean): string {
  const lines = [`evidence set ${report.evidence.dir}`];
  const { manifest, signature } = report;
  if (manifest.sealedAt)
    lines.push(
      `  sealed      ${manifest.sealedAt} by ${manifest.sealedBy?.user ?? '?'}@${manifest.sealedBy?.host ?? '?'}`,
    );
  if (report.packet) lines.push(`  packet      manifest sha256 ${report.packet.manifestSha256}`);
  lines.push(`  signature   ${describe(signature)}`);
  const ok = report.files.filter((f) => f.status === 'ok').length;
  lines.push(
    `  files       ${ok} of ${report.files.filter((f) => f.kind !== 'unlisted').length} match the manifest`,
  );
  for (const log of report.logs)
    lines.push(
      `  log         ${log.log} (run ${log.runId}, ${log.records} records, head ${log.head.slice(0, 12)}…): ${log.status}`,
    );
  if (verbose)
    for (const file of report.files) lines.push(`  ${file.status.padEnd(10)}  ${file.path}`);
  for (const problem of report.problems)
    lines.push(`  BAD         ${problem.file}: ${problem.reason}`);
  // The problems are listed above: the last line says how many, not all of them again.
  lines.push(
    report.verdict === 'tampered'
      ? `TAMPERED: ${report.problems.length} of the set's files not as sealed`
      : report.summary,
  );
  return `${lines.join('\n')}\n`;
}

function describe(signature: EvidenceReport['signature']): string {
  switch (signature.status) {
    case 'valid':
      return signature.principal
        ? `signed by ${signature.principal} (${signature.key ?? '?'}; allowed by ${signature.allowedSigners ?? '?'})`
        : `signed by key ${signature.key ?? '?'} (signer not checked: no --allowed-signers)`;
    case 'missing':
      return 'UNSIGNED (no evidence-manifest.json.sig)';
    case 'not-allowed':
      return `signed by ${signature.key ?? '?'}, NOT allowed by ${signature.allowedSigners ?? '?'}`;
    case 'invalid':
    case 'error':
      return `INVALID: ${signature.detail ?? signature.status}`;
  }
}

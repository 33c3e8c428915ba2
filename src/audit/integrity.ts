/**
 * How far a replayed log can be trusted: the integrity verdict (tampered, unsigned, signed,
 * verified) from the chain, the .log's bytes, the signature and the on-target anchor, with its
 * one-line summary; and the check of the anchor itself against the chain's head.
 */
import { basename } from 'node:path';
import type { AnchorLookup } from '../runlog/anchor.js';
import type { SignatureCheck } from '../ssh/sign.js';
import type { AnchorCheck, Integrity } from './report.js';
import type { ChainResult, Problem } from './verify.js';

/** Where the on-target anchor of a run is looked up: the anchor lines of a run id on a target. */
export interface AnchorSource {
  target: string;
  lookup: (run: string) => Promise<AnchorLookup>;
}

export async function checkAnchor(
  anchor: AnchorSource,
  run: string | null,
  chain: ChainResult,
): Promise<AnchorCheck> {
  if (run === null)
    return { status: 'missing', target: anchor.target, detail: 'the log has no run id' };
  const found = await anchor.lookup(run);
  const base = { target: anchor.target, file: found.file };
  if (found.entries.length === 0)
    return {
      status: 'missing',
      ...base,
      detail: found.missingFile
        ? `${anchor.target} has no anchors file (${found.file})`
        : `${anchor.target} holds no anchor for run ${run}`,
    };
  const match = found.entries.find((e) => e.head === chain.head && e.records === chain.records);
  if (match)
    return { status: 'matches', ...base, line: `${match.name} ${match.records} ${match.head}` };
  const entry = found.entries[0]!;
  const how =
    entry.records > chain.records
      ? `records #${chain.records}–#${entry.records - 1} are missing at the end: truncated`
      : entry.records < chain.records
        ? `${chain.records - entry.records} record(s) were added after the run`
        : 'the same number of records with other contents: the records were rewritten';
  return {
    status: 'differs',
    ...base,
    line: `${entry.name} ${entry.records} ${entry.head}`,
    detail: `the target anchored ${entry.records} records with head ${entry.head}; this log has ${chain.records} with head ${chain.head}: ${how}`,
  };
}

export function judgeIntegrity(input: {
  problem: Problem | undefined;
  chain: ChainResult | undefined;
  complete: boolean | null;
  /** False when the run could not have anchored its log (lost, or no end record). */
  anchorExpected?: boolean;
  signature: SignatureCheck;
  anchor: AnchorCheck;
  allowedSigners: string | undefined;
  log: Integrity['log'];
  records: string | undefined;
}): Integrity {
  const { chain, signature, anchor } = input;
  let problem = input.problem;
  const endNote =
    input.complete === false && chain !== undefined
      ? ` (the records end at line ${chain.cutLine ?? chain.records} without an end record: cut short after signing?)`
      : '';
  if (problem === undefined && (signature.status === 'invalid' || signature.status === 'error'))
    problem = {
      file: 'signature',
      reason:
        `the signature ${signature.file} does not match the records file: it was changed after it was signed${endNote} — ${signature.detail ?? ''}`.trim(),
    };
  if (problem === undefined && signature.status === 'not-allowed')
    problem = {
      file: 'signature',
      reason: `signed by ${signature.key}, a key the allowed-signers file ${signature.allowedSigners} does not name for run logs${signature.detail ? ` (${signature.detail})` : ''}`,
    };
  if (problem === undefined && signature.status === 'missing' && input.allowedSigners !== undefined)
    problem = {
      file: 'signature',
      reason: `unsigned: no ${input.records ? `${basename(input.records)}.sig` : 'records file or signature'}, and ${input.allowedSigners} demands a signature`,
    };
  if (
    problem === undefined &&
    (anchor.status === 'differs' || (anchor.status === 'missing' && input.anchorExpected !== false))
  )
    problem = { file: 'anchor', reason: `on-target anchor: ${anchor.detail ?? anchor.status}` };

  const chainState: Integrity['chain'] =
    chain === undefined ? 'none' : input.problem?.file === 'records' ? 'broken' : 'intact';
  const verdict = signedVerdict(problem !== undefined, signature);
  return {
    verdict,
    summary: summarize(verdict, { chain, problem, signature, anchor, complete: input.complete }),
    chain: chainState,
    records: chain?.records ?? null,
    head: chain && problem === undefined ? chain.head : null,
    complete: input.complete,
    log: input.log,
    signature,
    anchor,
    firstBad: problem ?? null,
  };
}

/**
 * The one verdict of a check that ends in a signature (a run log, an evidence set): tampered on
 * any problem; else verified (a principal of the allowed signers), signed, or unsigned.
 */
export function signedVerdict(
  tampered: boolean,
  signature: SignatureCheck,
): 'tampered' | 'verified' | 'signed' | 'unsigned' {
  if (tampered) return 'tampered';
  if (signature.status !== 'valid') return 'unsigned';
  return signature.principal !== undefined ? 'verified' : 'signed';
}

function summarize(
  verdict: Integrity['verdict'],
  facts: {
    chain: ChainResult | undefined;
    problem: Problem | undefined;
    signature: SignatureCheck;
    anchor: AnchorCheck;
    complete: boolean | null;
  },
): string {
  const { chain, problem, signature, anchor } = facts;
  if (verdict === 'tampered' && problem) return `TAMPERED: ${describeProblem(problem)}`;
  const anchored =
    anchor.status === 'matches' ? `; the target's anchor agrees (${anchor.file})` : '';
  const incomplete = facts.complete === false ? '; the records end without an end record' : '';
  if (chain === undefined)
    return 'UNSIGNED: a hand-made log (psql … | tee) has no chain and no signature; nothing proves it was not edited';
  const intact = `${chain.records} records chained intact, every output byte matches`;
  if (verdict === 'verified')
    return `VERIFIED: ${intact}; signed by ${signature.principal} (${signature.key})${anchored}${incomplete}`;
  if (verdict === 'signed')
    return `SIGNED (signer not checked: pass --allowed-signers): ${intact}; signed by ${signature.key}${anchored}${incomplete}`;
  return `UNSIGNED: ${intact}, but no signature: whoever can write the log could have rewritten it whole${anchored}${incomplete}`;
}

/** `rollout_….jsonl:17 (record #16, output): …` */
export function describeProblem(problem: Problem): string {
  const where: string[] = [];
  if (problem.line !== undefined) where.push(`line ${problem.line}`);
  if (problem.record !== undefined)
    where.push(`record #${problem.record}${problem.recordName ? ` (${problem.recordName})` : ''}`);
  if (problem.bytes !== undefined && problem.file === 'log')
    where.push(`.log bytes ${problem.bytes.from}–${problem.bytes.to}`);
  return `${problem.file}${where.length ? ` ${where.join(', ')}` : ''}: ${problem.reason}`;
}

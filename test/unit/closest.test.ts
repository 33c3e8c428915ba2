import { describe, expect, it } from 'vitest';
import { closestNames } from '../../src/inventory/closest.js';
import { runMain } from '../helpers/in-process.js';

const NAMES = ['contabo', 'replica', 'contabo-replica', 'staging'];

describe('did you mean', () => {
  it.each([
    ['contbao', ['contabo']],
    ['replcia', ['replica']],
    ['contabo-repl', ['contabo-replica']],
    ['cont', ['contabo', 'contabo-replica']],
    ['stagign', ['staging']],
    ['production', []],
  ])('%s → %j', (typed, expected) => {
    expect(closestNames(typed, NAMES)).toEqual(expected);
  });

  it('replay --target: the same, among targets only', async () => {
    const r = await runMain(['replay', 'no-such.log', '--target', 'replcia']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown target "replcia"; did you mean "replica"\?/);
  });

  it('an unknown target is a usage error (2) naming the closest targets of the inventory', async () => {
    const r = await runMain(['preflight', '--target', 'contbao']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown target "contbao"; did you mean "contabo"\?/);
    expect(r.stderr).toMatch(/known: contabo, replica \(inventory: .*targets\.yml\)/);
  });
});

describe('hostile target-name:', () => {
  it('an escape sequence typed as a target is echoed quoted, not raw', async () => {
    const r = await runMain(['status', '--target', 'rep\u001b]0;x\u0007lica']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).not.toContain('\u0007');
    expect(r.stderr).toMatch(/unknown target "rep\\+u001b\]0;x\\+u0007lica"/);
  });
});

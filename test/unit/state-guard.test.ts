import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/engine/plans.js';
import { guardOf, guardSql } from '../../src/engine/state-guard.js';
import { SHIPPED_PACKET } from '../helpers/shipped-packet.js';

describe('the state guard (src/engine/state-guard.ts)', () => {
  it('reads the column names \\gdesc printed', () => {
    expect(guardOf(['concat_ws|text'])).toEqual({ columns: ['concat_ws'] });
    expect(guardOf(['a|bigint', 'b|integer'])).toEqual({ columns: ['a', 'b'] });
    expect(guardOf(undefined)).toBeUndefined();
    expect(guardOf([])).toBeUndefined();
  });

  it.each([['?column?|text'], ['Mixed|text'], ["x'; DROP TABLE t; --|text"], ['a b|text']])(
    'hostile state-columns: %j gives no guard (never spliced into the plan)',
    (line) => {
      expect(guardOf([line])).toBeUndefined();
    },
  );

  it('compares every figure but the volatile ones, and refuses before the entry file', () => {
    const d = SHIPPED_PACKET;
    const sql = guardSql({ columns: ['concat_ws'] }, d);
    const idle = d.state.columns.findIndex((c) => c.volatile) + 1;
    expect(idle).toBeGreaterThan(0);
    expect(sql).toContain(`AND v.i NOT IN (${idle})`);
    expect(sql).toContain("concat_ws('|', :'oneroof_guard_concat_ws')");
    expect(sql).toContain(":'oneroof_confirmed_state'");
    expect(sql).toContain("RAISE EXCEPTION 'ONEROOF REFUSED: %'");
    const plan = applyPlan(d, { columns: ['concat_ws'] }).text;
    expect(plan.indexOf('\\gset oneroof_guard_')).toBeGreaterThan(
      plan.indexOf('ONEROOF PROBE state_vector END'),
    );
    expect(plan.indexOf('ONEROOF REFUSED')).toBeLessThan(plan.indexOf(`\\ir ${d.entries.apply}`));
    expect(applyPlan(d).text).not.toContain('oneroof_guard');
  });
});

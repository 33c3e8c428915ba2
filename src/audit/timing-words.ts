/**
 * Why a replay shows order only, in the same words in the text, the HTML page and --play: a
 * hand-made (`tee`) log has no clock at all; a oneroof log always has one, so when what is shown
 * has no times it is these tiers or this output that the log did not time — never "hand-made".
 */
export function untimedWhy(handMade: boolean, what: 'tiers' | 'output'): string {
  return handMade ? 'a hand-made log has no timing' : `this log records no times for its ${what}`;
}

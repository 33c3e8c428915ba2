/**
 * A strict reader of the Prometheus text exposition format 0.0.4 (what node_exporter's textfile
 * collector parses), written from the format's description and not from oneroof's writer
 * (src/commands/metrics/exposition.ts), so a test that reads a file through it checks the
 * format, not the writer against itself. It throws, naming the line, on anything the format
 * does not allow or that the collector would reject: a sample before its family's TYPE, a
 * family split in two, HELP or TYPE twice, a duplicate series, a bad name, label or escape, a
 * value that is not a float, a missing final newline. (Debian's promtool lives in the 96 MB
 * prometheus package; this reader is the test's own instead.)
 */

interface PromSample {
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  help?: string;
  type?: string;
  samples: PromSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const FLOAT = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Inf|NaN)$/;

export function parsePromText(text: string): Map<string, PromFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('no newline at the end of the file');
  const families = new Map<string, PromFamily>();
  const series = new Set<string>();
  let open: string | undefined;
  const family = (name: string, at: string): PromFamily => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { samples: [] }));
    else if (open !== name) throw new Error(`${at}: family ${name} continues after another one`);
    open = name;
    return f;
  };
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, i) => {
      const at = `line ${i + 1} ${JSON.stringify(line)}`;
      const meta = new RegExp(`^# (HELP|TYPE) (${NAME})(?: (.*))?$`).exec(line);
      if (meta) {
        const [, kind, name, rest = ''] = meta;
        const f = family(name!, at);
        if (kind === 'HELP') {
          if (f.help !== undefined) throw new Error(`${at}: a second HELP`);
          if (/\\[^\\n]|\\$/.test(rest)) throw new Error(`${at}: a bad escape in HELP`);
          f.help = rest.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        } else {
          if (f.type !== undefined) throw new Error(`${at}: a second TYPE`);
          if (f.samples.length > 0) throw new Error(`${at}: TYPE after the family's samples`);
          if (!TYPES.has(rest)) throw new Error(`${at}: unknown type`);
          f.type = rest;
        }
        return;
      }
      if (line.startsWith('#')) throw new Error(`${at}: a comment that is not HELP or TYPE`);
      const m = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`).exec(line);
      if (!m) throw new Error(`${at}: not a sample`);
      const [, name, body, raw] = m;
      if (!FLOAT.test(raw!)) throw new Error(`${at}: value ${raw} is not a float`);
      const labels = parseLabels(body ?? '', at);
      const f = family(name!, at);
      if (f.type === undefined) throw new Error(`${at}: a sample before its family's TYPE`);
      const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      if (series.has(key)) throw new Error(`${at}: a duplicate series`);
      series.add(key);
      f.samples.push({ labels, value: Number(raw!.replace(/Inf$/, 'Infinity')) });
    });
  return families;
}

function parseLabels(body: string, at: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = body;
  while (rest !== '') {
    const m = /^([^=]*)="((?:[^"\\\n]|\\[\\"n])*)"(,?)/.exec(rest);
    if (!m || !LABEL_NAME.test(m[1]!)) throw new Error(`${at}: bad labels at ${rest}`);
    if (m[1]! in labels) throw new Error(`${at}: label ${m[1]} twice`);
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(m[0].length);
    if (m[3] === '' && rest !== '') throw new Error(`${at}: no comma before ${rest}`);
  }
  return labels;
}

/**
 * The Prometheus text exposition format (version 0.0.4), as node_exporter's textfile collector
 * reads it: per family one `# HELP` and one `# TYPE` line, then its samples; label values
 * with `\`, `"` and newline escaped, HELP text with `\` and newline escaped.
 */

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  /** `oneroof_…`, the unit last (`_seconds`, `_timestamp_seconds`). */
  name: string;
  help: string;
  type: 'gauge';
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([k, v]) => {
    if (!LABEL.test(k)) throw new Error(`metrics: bad label name ${JSON.stringify(k)}`);
    return `${k}="${escapeLabelValue(v)}"`;
  });
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** The families as one exposition text; a family without samples is left out. */
export function exposition(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (!NAME.test(f.name)) throw new Error(`metrics: bad metric name ${JSON.stringify(f.name)}`);
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples)
      lines.push(`${f.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * The psql events a run-log record holds, with their step: an event record's one (format 1, and
 * format 2 for events parsed with no chunk), or those of an output record (format 2), where an
 * event names its stream only when it is not the record's (./held-output.ts). Replay and the
 * evidence set's citations read them here, in one way. For format 3, replay hands the evidence
 * set each record with the events its bytes gave again (src/audit/replay.ts): an output record's,
 * and a step-end record's (the parser's last events, a verdict among them).
 */
export function recordEvents(
  name: string,
  json: Record<string, unknown>,
): { event: unknown; step: string | undefined }[] {
  const step = typeof json.step === 'string' ? json.step : undefined;
  if (name === 'event') return [{ event: json.event, step }];
  if ((name !== 'output' && name !== 'step-end') || !Array.isArray(json.events)) return [];
  const stream = json.stream;
  return json.events.map((event: unknown) => ({
    event: typeof event === 'object' && event !== null ? { stream, ...event } : event,
    step,
  }));
}

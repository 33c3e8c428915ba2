import type { StepReport } from './report.js';

/** The step of that name a replay is filling: the last one, or a new one once that one ended. */
export function stepNamed(steps: StepReport[], name: string, t: number | undefined): StepReport {
  let step = steps.findLast((s) => s.step === name);
  if (step === undefined || step.outcome !== undefined) {
    step = { step: name, ...(t === undefined ? {} : { start: t }) };
    steps.push(step);
  }
  return step;
}

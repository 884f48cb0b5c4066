import type { Verdict } from '../checks/check';
import type { ScenarioResult, WorkflowResult } from '../result/model';

/**
 * How a workflow's run came out, in the words every output of the kit uses, and the counts
 * behind them. One rule, in one place:
 *
 * - any failed MUST check: DOES NOT CONFORM;
 * - else any failed SHOULD check: CONFORMS WITH WARNINGS (the SHOULD failures are listed with
 *   it: a warning that looks like success is how a session fixation went unnoticed);
 * - else CONFORMS.
 *
 * INFO outcomes (attacks that WORKED or were BLOCKED) and not-applicable verdicts never change
 * it. The report adds what the verdicts alone cannot say: a run that stopped on a kit or
 * config error (exit 2) judged nothing, and a step that failed without a failed check (exit 1)
 * still means the backend misbehaved.
 */
export type Badge = 'CONFORMS' | 'CONFORMS WITH WARNINGS' | 'DOES NOT CONFORM';

export function badgeOf(verdicts: readonly Pick<Verdict, 'result' | 'level'>[]): Badge {
  if (verdicts.some((v) => v.result === 'fail' && v.level === 'MUST')) return 'DOES NOT CONFORM';
  if (verdicts.some((v) => v.result === 'fail' && v.level === 'SHOULD')) return 'CONFORMS WITH WARNINGS';
  return 'CONFORMS';
}

/** A workflow's badge as the report shows it: the verdicts' badge, unless the run itself says more. */
export type WorkflowBadge = Badge | 'KIT ERROR';

export function workflowBadge(r: Pick<WorkflowResult, 'exitCode' | 'scenarios'>): WorkflowBadge {
  if (r.exitCode >= 2) return 'KIT ERROR';
  const badge = badgeOf(r.scenarios.flatMap((s) => s.verdicts));
  return r.exitCode === 1 ? 'DOES NOT CONFORM' : badge;
}

/** The badge of a whole run: its worst workflow's. */
export function runBadge(all: readonly Pick<WorkflowResult, 'exitCode' | 'scenarios'>[]): WorkflowBadge {
  const order: WorkflowBadge[] = ['KIT ERROR', 'DOES NOT CONFORM', 'CONFORMS WITH WARNINGS', 'CONFORMS'];
  const badges = all.map(workflowBadge);
  return order.find((b) => badges.includes(b)) ?? 'CONFORMS';
}

/**
 * The counts of a workflow's run. A not-applicable verdict (or a scenario skipped as not
 * applicable) is counted in its own column, never as held or passed: "61/63 passed" must not
 * hide two that were not judged.
 */
export interface Tally {
  scenarios: { passed: number; failed: number; na: number; total: number };
  must: { held: number; failed: number };
  should: { held: number; failed: number };
  info: number;
  /** Verdicts not applicable, of any level. */
  na: number;
}

export function tally(scenarios: readonly Pick<ScenarioResult, 'status' | 'verdicts'>[]): Tally {
  const vs = scenarios.flatMap((s) => s.verdicts);
  const at = (level: string, result: string) => vs.filter((v) => v.level === level && v.result === result).length;
  const passed = scenarios.filter((s) => s.status === 'PASSED').length;
  const na = scenarios.filter((s) => s.status === 'SKIPPED').length;
  return {
    scenarios: { passed, na, failed: scenarios.length - passed - na, total: scenarios.length },
    must: { held: at('MUST', 'pass'), failed: at('MUST', 'fail') },
    should: { held: at('SHOULD', 'pass'), failed: at('SHOULD', 'fail') },
    info: vs.filter((v) => v.result === 'info').length,
    na: vs.filter((v) => v.result === 'na').length,
  };
}

/** The failed checks behind a badge: the MUST failures, then the SHOULD ones (the warnings). */
export function failures(scenarios: readonly Pick<ScenarioResult, 'verdicts'>[]): { must: Verdict[]; should: Verdict[] } {
  const vs = scenarios.flatMap((s) => s.verdicts).filter((v) => v.result === 'fail');
  return { must: vs.filter((v) => v.level === 'MUST'), should: vs.filter((v) => v.level === 'SHOULD') };
}

/** The failed SHOULD checks, one per id (its first failure): what a CONFORMS WITH WARNINGS lists. */
export function shouldFailures(scenarios: readonly Pick<ScenarioResult, 'verdicts'>[]): Verdict[] {
  const seen = new Map<string, Verdict>();
  for (const v of failures(scenarios).should) if (!seen.has(v.id)) seen.set(v.id, v);
  return [...seen.values()];
}

import type { Verdict } from '../checks/check';
import type { WorkflowResult } from '../result/model';

/**
 * The verdict on a workflow's run in one phrase, the same in the console, summary.json and the
 * HTML report:
 * - CONFORMS: every MUST and every SHOULD judged held;
 * - CONFORMS WITH WARNINGS: every MUST held and a SHOULD failed (the SHOULD failures are listed
 *   under it). Exit 0 as before, 1 with --fail-on-warn: a green badge must not hide them;
 * - DOES NOT CONFORM: a MUST failed, or a step could not do its part (exit 1);
 * - KIT ERROR: nothing could be judged (exit 2: the kit, its config, a backend that never
 *   started). Never worded as the app's failure: the kit's limits are not the app's defects.
 * From the workflow's own result, before an expected-failures list excuses anything: an
 * excused MUST failure still does not conform, the gate only accepts it for now.
 */
export type Badge = 'CONFORMS' | 'CONFORMS WITH WARNINGS' | 'DOES NOT CONFORM' | 'KIT ERROR';

export function badgeOf(r: WorkflowResult): Badge {
  if (r.exitCode >= 2) return 'KIT ERROR';
  if (r.exitCode === 1) return 'DOES NOT CONFORM';
  return shouldFailures(r).length ? 'CONFORMS WITH WARNINGS' : 'CONFORMS';
}

/** The failed SHOULD checks of a run, one per id (the first failure of each): what the warnings list. */
export function shouldFailures(r: WorkflowResult): Verdict[] {
  const seen = new Map<string, Verdict>();
  for (const v of r.scenarios.flatMap((s) => s.verdicts)) if (v.level === 'SHOULD' && v.result === 'fail' && !seen.has(v.id)) seen.set(v.id, v);
  return [...seen.values()];
}

/** The counts a badge stands on: checks held of those judged per level, not-applicable ones apart (never a pass). */
export function tally(r: WorkflowResult) {
  const vs = r.scenarios.flatMap((s) => s.verdicts);
  const judged = (level: string) => vs.filter((v) => v.level === level && v.result !== 'na');
  const held = (level: string) => judged(level).filter((v) => v.result === 'pass').length;
  return {
    must: { held: held('MUST'), judged: judged('MUST').length },
    should: { held: held('SHOULD'), judged: judged('SHOULD').length },
    info: judged('INFO').length,
    na: vs.filter((v) => v.result === 'na').length,
    scenarios: {
      all: r.scenarios.length,
      passed: r.scenarios.filter((s) => s.status === 'PASSED').length,
      // SKIPPED: a step said the scenario does not apply here (its reason is an N/A verdict).
      na: r.scenarios.filter((s) => s.status === 'SKIPPED').length,
      failed: r.scenarios.filter((s) => s.status === 'FAILED').length,
    },
  };
}

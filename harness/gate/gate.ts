import type { Verdict } from '../checks/check';
import type { WorkflowResult } from '../result/model';
import { type ExpectedFailure, applyExpectedFailures, entryFor } from './expected-failures';
import { type ErrorCode, isErrorCode, worstExit } from '../errors';

/**
 * The CI gate: from a run's results to an exit code and the lines that explain it.
 *   0 every MUST holds (and, with failOnWarn, every SHOULD)
 *   1 a check failed that the expected-failures list does not excuse, a listed entry no
 *     longer fails or matches nothing, or (with the coverage gate) a step went unexercised
 *   2 a kit or config error
 * Each reason is a code (harness/errors.ts), and the exit code is the worst of theirs.
 */
export interface GateOptions {
  failOnWarn?: boolean;
  expected?: ExpectedFailure[];
  /** Fail when a numbered step of the workflow was exercised by no executed Gherkin step. */
  coverage?: boolean;
  /** Per workflow: the diagram's step numbers (for the coverage gate). */
  arrows?: Record<string, number[]>;
}

export interface GateResult {
  exitCode: 0 | 1 | 2;
  lines: string[];
}

export function gate(results: WorkflowResult[], o: GateOptions = {}): GateResult {
  const lines: string[] = [];
  if (results.some((r) => r.exitCode === 2)) {
    for (const r of results.filter((x) => x.exitCode === 2)) lines.push(`${r.workflow}: kit or config error${r.kitErrorCode ? ` [${r.kitErrorCode}]` : !r.kitError && r.undefinedSteps.length ? ' [STEP_UNDEFINED]' : ''}${r.kitError ? `: ${r.kitError}` : ''}${r.undefinedSteps.length ? `; undefined steps: ${r.undefinedSteps.join('; ')}` : ''}`);
    return { exitCode: worstExit(results.filter((x) => x.exitCode === 2).map((r): ErrorCode => (isErrorCode(r.kitErrorCode) ? r.kitErrorCode : !r.kitError && r.undefinedSteps.length ? 'STEP_UNDEFINED' : 'INTERNAL'))), lines };
  }
  const verdicts: Verdict[] = results.flatMap((r) => r.scenarios.flatMap((s) => s.verdicts));
  const gated = verdicts.filter((v) => v.level === 'MUST' || (o.failOnWarn && v.level === 'SHOULD'));
  const exp = applyExpectedFailures(gated, o.expected ?? []);
  const met: ErrorCode[] = [];
  const mustFailed = exp.unexpected.filter((v) => v.level === 'MUST');
  const shouldFailed = exp.unexpected.filter((v) => v.level === 'SHOULD');
  if (mustFailed.length) {
    met.push('CHECK_FAILED');
    lines.push(`${mustFailed.length} MUST check(s) failed: ${[...new Set(mustFailed.map((v) => v.id))].join(', ')}`);
  }
  if (shouldFailed.length) {
    met.push('CHECK_FAILED');
    lines.push(`${shouldFailed.length} SHOULD check(s) failed and --fail-on-warn is on: ${[...new Set(shouldFailed.map((v) => v.id))].join(', ')}`);
  }
  if (exp.excused.length) lines.push(`${exp.excused.length} listed failure(s) excused by the expected-failures file: ${[...new Set(exp.excused.map((v) => v.id))].join(', ')}`);
  for (const e of exp.fixed) {
    met.push('EXPECTED_FAILURE_STALE');
    lines.push(`expected failure ${e.check}${e.variant ? ` ${JSON.stringify(e.variant)}` : ''} no longer fails: remove it from the expected-failures file`);
  }
  for (const e of exp.unmatched) {
    met.push('EXPECTED_FAILURE_STALE');
    lines.push(`expected failure ${e.check}${e.variant ? ` ${JSON.stringify(e.variant)}` : ''} matches no check of this run (typo, or not run?): fix or remove it`);
  }
  if (o.expected && exp.unexpected.length) {
    lines.push('to accept these failures for now, add to the expected-failures file:');
    const seen = new Set<string>();
    for (const v of exp.unexpected) {
      const key = `${v.id} ${JSON.stringify(v.variant ?? {})}`;
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(`  ${JSON.stringify(entryFor(v))},`);
    }
  }
  if (o.coverage) {
    for (const r of results) {
      const exercised = new Set(r.exercisedSteps ?? []);
      // Steps whose subject the config declares absent (a JSON login has no form, one app has no
      // forums) are N/A, not gaps; N/A for any other reason still counts as unexercised.
      const declared = new Set(r.scenarios.flatMap((s) => s.verdicts.filter((v) => v.result === 'na' && v.declaredBy).flatMap((v) => v.steps)));
      const all = (o.arrows?.[r.workflow] ?? []).filter((n) => !exercised.has(n));
      const missing = all.filter((n) => !declared.has(n));
      const excluded = all.filter((n) => declared.has(n));
      if (excluded.length) lines.push(`${r.workflow}: coverage gate: step(s) ${excluded.join(', ')} not applicable as the config declares (${[...new Set(r.scenarios.flatMap((s) => s.verdicts.filter((v) => v.result === 'na' && v.declaredBy).map((v) => v.declaredBy)))].join(', ')}): not counted`);
      if (missing.length) {
        met.push('COVERAGE_GAP');
        lines.push(`${r.workflow}: coverage gate: step(s) ${missing.join(', ')} of the diagram were not exercised by any executed step`);
      }
    }
  }
  // A scenario that failed without a failed check (a backend that broke a step) fails the run too.
  for (const r of results) {
    for (const s of r.scenarios.filter((x) => x.status === 'FAILED' && !x.verdicts.some((v) => v.result === 'fail'))) {
      met.push('STEP_FAILED');
      lines.push(`${r.workflow}: "${s.name}" failed: ${(s.errors[0] ?? '').split('\n')[0]}`);
    }
  }
  return { exitCode: worstExit(met), lines };
}

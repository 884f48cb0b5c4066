import { type Exchange, Redactor } from '../trace';
import type { Check, Verdict } from './check';

/** Thrown for a failed MUST: the message names the step, the check, the expectation and the evidence. */
export class CheckFailure extends Error {
  constructor(readonly verdict: Verdict, text: string) {
    super(text);
    this.name = 'CheckFailure';
  }
}

export interface VerifierOptions {
  workflow: string;
  /** Id prefix, e.g. WJC. */
  prefix: string;
  scenario?: string;
  variant?: Record<string, string | number>;
  redactor?: Redactor;
  /** Called for every verdict (the step layer attaches them to cucumber's message stream). */
  onVerdict?: (v: Verdict) => void;
  /**
   * Check ids listed as expected failures: a failure is still recorded, but does not stop
   * the scenario, so the checks after it still run and the list can be kept honest.
   */
  excused?: (v: Verdict) => boolean;
}

/** Runs checks, keeps their verdicts, and turns a failed MUST into a `CheckFailure`. */
export class Verifier {
  readonly verdicts: Verdict[] = [];
  constructor(readonly opts: VerifierOptions) {}

  verify<A>(check: Check<A>, args: A, steps: number[]): Verdict {
    const o = check.evaluate(args);
    const first = steps[0] ?? 0;
    const v: Verdict = {
      id: `${this.opts.prefix}-${first}.${check.kind}`,
      name: check.name,
      level: check.level,
      steps,
      workflow: this.opts.workflow,
      scenario: this.opts.scenario,
      variant: this.opts.variant,
      result: o.notApplicable !== undefined ? 'na' : check.level === 'INFO' ? 'info' : o.ok ? 'pass' : 'fail',
      ok: o.ok,
      expected: check.ensures(args),
      actual: o.actual,
      evidence: o.evidence.map((e) => (this.opts.redactor ?? new Redactor()).exchange(e)),
      ...(o.notApplicable !== undefined ? { reason: o.notApplicable } : {}),
      ...(o.notApplicable !== undefined && o.declaredBy ? { declaredBy: o.declaredBy } : {}),
    };
    this.verdicts.push(v);
    this.opts.onVerdict?.(v);
    if (v.level === 'MUST' && v.result === 'fail' && !this.opts.excused?.(v)) throw new CheckFailure(v, describeFailure(v));
    return v;
  }

  /** Record that a check did not apply, without evaluating it (its subject does not exist here). */
  notApplicable<A>(check: Check<A>, args: A, steps: number[], reason: string, declaredBy?: string): Verdict {
    return this.verify({ ...check, evaluate: () => ({ ok: true, actual: reason, evidence: [], notApplicable: reason, ...(declaredBy ? { declaredBy } : {}) }) }, args, steps);
  }
}

export function describeFailure(v: Verdict): string {
  const lines = [
    `${v.id} ${v.level} ${v.name} failed at step ${v.steps.join(', ')} of ${v.workflow}${v.scenario ? ` (${v.scenario})` : ''}`,
    `  expected: ${v.expected}`,
    `  actual:   ${v.actual}`,
  ];
  for (const e of v.evidence.slice(-4)) lines.push(...describeExchange(e).map((l) => `  ${l}`));
  return lines.join('\n');
}

/** A compact, already-redacted rendering of one exchange for failure messages. */
export function describeExchange(e: Exchange): string[] {
  const out = [`#${e.seq} ${e.from} -> ${e.to}: ${e.request.method} ${e.request.host}${e.request.path}`];
  const reqCookie = e.request.headers['cookie'];
  if (reqCookie) out.push(`    > cookie: ${reqCookie}`);
  if (e.request.body) out.push(`    > ${truncate(e.request.body, 300)}`);
  if (e.response) {
    out.push(`    < ${e.response.status}`);
    const loc = e.response.headers['location'];
    if (loc) out.push(`    < location: ${loc}`);
    const sc = e.response.headers['set-cookie'];
    for (const c of Array.isArray(sc) ? sc : sc ? [sc] : []) out.push(`    < set-cookie: ${c}`);
    if (e.response.body) out.push(`    < ${truncate(e.response.body.replace(/\s+/g, ' '), 300)}`);
  } else if (e.error) out.push(`    ! ${e.error}`);
  return out;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
}

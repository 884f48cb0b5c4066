import { type Exchange, Redactor } from '../trace';
import type { Check, Outcome, Verdict } from './check';
import { LoginflowError } from '../errors';

/** Thrown for a failed MUST: the message names the step, the check, the expectation and the evidence. */
export class CheckFailure extends LoginflowError {
  constructor(readonly verdict: Verdict, text: string) {
    super('CHECK_FAILED', text);
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
   * Check ids listed as expected failures: a failure is still recorded, but does not fail
   * the scenario (see `unexcusedFailures`), so the list can be kept honest.
   */
  excused?: (v: Verdict) => boolean;
  /**
   * `true`: a failed MUST throws a `CheckFailure` at once (the old behaviour, for callers
   * that want it). Default: record it and carry on, so one run shows every root cause; the
   * scenario is failed at its end (`unexcusedFailures`), and checks that depend on a failed
   * one say so instead of failing again (`verifyAfter`).
   */
  stopOnFailure?: boolean;
}

/**
 * What a call site adds to the check it judges with, so a flow never clones a check object:
 * `kind`, the id suffix of this call when one check judges several subjects
 * (`tokenCookieSet` as `jwt-cookie-set` and `refresh-cookie-set`, `redirectsTo` as
 * `redirect-to-home`); `note`, said after what the check observed (where inside a wrapped
 * cookie the token sat).
 */
export interface CallSite {
  kind?: string;
  note?: string;
}

/**
 * Runs checks and keeps their verdicts. A failed MUST is recorded and the scenario goes on
 * (a failed check must not hide the next root cause); whoever runs the scenario fails it at
 * the end with `unexcusedFailures()`.
 */
export class Verifier {
  readonly verdicts: Verdict[] = [];
  /** The Gherkin step now running (set by whoever runs the steps); verdicts record it. */
  gherkinStep: string | undefined;
  constructor(readonly opts: VerifierOptions) {}

  /** Failed MUST verdicts the expected-failures list does not excuse: the scenario failed. */
  unexcusedFailures(): Verdict[] {
    return this.verdicts.filter((v) => v.level === 'MUST' && v.result === 'fail' && !this.opts.excused?.(v));
  }

  /** The last failed verdict of this scenario whose id ends with `.kind` (or is `kind`). */
  failed(kind: string): Verdict | undefined {
    return [...this.verdicts].reverse().find((v) => v.result === 'fail' && (v.id === kind || v.id.endsWith(`.${kind}`)));
  }

  /**
   * Evaluate `check` unless one it depends on failed: then it cannot apply, and says so
   * ("not checked: depends on WJC-8.jwt-cookie-set, which failed") instead of failing again.
   */
  verifyAfter<A>(deps: (Verdict | undefined)[], check: Check<A>, args: A, steps: number[], at: CallSite = {}): Verdict {
    const dep = deps.find((d) => d?.result === 'fail');
    return dep ? this.notApplicable(check, args, steps, dependsOn(dep), undefined, at) : this.verify(check, args, steps, at);
  }

  verify<A>(check: Check<A>, args: A, steps: number[], at: CallSite = {}): Verdict {
    return this.record(check, check.evaluate(args), args, steps, at);
  }

  /** Record that a check did not apply, without evaluating it (its subject does not exist here). */
  notApplicable<A>(check: Check<A>, args: A, steps: number[], reason: string, declaredBy?: string, at: CallSite = {}): Verdict {
    return this.record(check, { ok: true, actual: reason, evidence: [], notApplicable: reason, ...(declaredBy ? { declaredBy } : {}) }, args, steps, at);
  }

  private record<A>(check: Check<A>, o: Outcome, args: A, steps: number[], at: CallSite): Verdict {
    const first = steps[0] ?? 0;
    const kind = at.kind ?? check.kind;
    const redactor = this.opts.redactor ?? new Redactor();
    // What a check says may quote a cookie or a token it saw: redacted like the evidence.
    const say = (t: string) => redactor.text(t) ?? t;
    const na = o.notApplicable !== undefined;
    const v: Verdict = {
      // A verdict about no diagram step (a whole scenario that does not apply) has no step number.
      id: steps.length ? `${this.opts.prefix}-${first}.${kind}` : `${this.opts.prefix}.${kind}`,
      name: check.name,
      level: check.level,
      steps,
      workflow: this.opts.workflow,
      scenario: this.opts.scenario,
      variant: this.opts.variant,
      result: na ? 'na' : check.level === 'INFO' ? 'info' : o.ok ? 'pass' : 'fail',
      ok: o.ok,
      expected: say(check.ensures(args)),
      // The call site's note belongs to what was observed; a reason for not judging stands alone.
      actual: say(at.note && !na ? `${o.actual} (${at.note})` : o.actual),
      evidence: o.evidence.map((e) => redactor.exchange(e)),
      ...(na ? { reason: say(o.notApplicable!) } : {}),
      ...(this.gherkinStep ? { gherkinStep: this.gherkinStep } : {}),
      ...(na && o.declaredBy ? { declaredBy: o.declaredBy } : {}),
    };
    this.verdicts.push(v);
    this.opts.onVerdict?.(v);
    if (this.opts.stopOnFailure && v.level === 'MUST' && v.result === 'fail' && !this.opts.excused?.(v)) throw new CheckFailure(v, describeFailure(v));
    return v;
  }
}

/** The reason of a check that could not apply because `dep` failed. */
export function dependsOn(dep: Pick<Verdict, 'id'>): string {
  return `not checked: depends on ${dep.id}, which failed`;
}

/**
 * The error that ends a scenario whose MUST checks failed (they did not stop it): the first
 * line names them, then each failure as `CheckFailure` described it (cucumber's own
 * formatters and a plain cucumber-js run show only this message).
 */
export const SCENARIO_FAILED_PREFIX = 'MUST check(s) failed in this scenario:';
export class ScenarioFailed extends LoginflowError {
  /** `afterStepError`: a later step threw too, likely because of these (said, so it is not taken for the root cause). */
  constructor(readonly verdicts: Verdict[], afterStepError = false) {
    const ids = [...new Set(verdicts.map((v) => v.id))].join(', ');
    const first = afterStepError ? `${SCENARIO_FAILED_PREFIX} ${ids} (before the step that failed above, which may be a consequence)` : `${SCENARIO_FAILED_PREFIX} ${ids}`;
    super('CHECK_FAILED', [first, ...verdicts.map(describeFailure)].join('\n'));
    this.name = 'ScenarioFailed';
    this.stack = `${this.name} [${this.code}]: ${this.message}`; // its cause is the verdicts, not this line of code
  }
}

export function describeFailure(v: Verdict): string {
  const lines = [
    `${v.id} ${v.level} ${v.name} failed at step ${v.steps.join(', ')} of ${v.workflow}${v.scenario ? ` (${v.scenario})` : ''}`,
    ...(v.gherkinStep ? [`  in step "${v.gherkinStep}"`] : []),
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

import type { Exchange } from '../trace';

/**
 * A check is a small named condition, in the manner of the OpenID conformance suite's
 * condition classes: it ensures one thing, at one level, and cites the exchanges that
 * show it. Checks know nothing of cucumber; step definitions call them through a
 * `Verifier`, which names them with the workflow's id prefix and the diagram step:
 * `WJC-8.cookie-httponly` is "step 8 of webapp-jwt-cookies: the cookie is HttpOnly".
 */
export type Level = 'MUST' | 'SHOULD' | 'INFO';

export interface Outcome {
  ok: boolean;
  /** What was observed, in one sentence (for INFO: what happened; not applicable: why). */
  actual: string;
  evidence: Exchange[];
  /**
   * Set when the check has no subject here (a JSON login has no form; a check that depends
   * on one that failed; HTTP mode cannot see the app's storage): the reason, said instead of
   * a verdict. The third outcome besides pass and fail, never printed as a tick.
   */
  notApplicable?: string;
  /**
   * With `notApplicable`: the config key that declares the subject absent (`store.login.mode`,
   * `forums`). Such a verdict's steps are not coverage failures; N/A for any other reason is.
   */
  declaredBy?: string;
}

export interface Check<A> {
  /** Stable id suffix, e.g. `cookie-httponly`. */
  kind: string;
  /** The function-style name a log reads like a spec with, e.g. `cookieIsHttpOnly`. */
  name: string;
  level: Level;
  /** What the check ensures, phrased as the expectation. */
  ensures: (a: A) => string;
  evaluate: (a: A) => Outcome;
}

export function defineCheck<A>(c: Check<A>): Check<A> {
  return c;
}

/** `na`: not applicable (or not checked), with `reason`; never counted as a pass. */
export type Result = 'pass' | 'fail' | 'info' | 'na';

export interface Verdict {
  id: string;
  name: string;
  level: Level;
  /** Diagram steps the verdict is about (first one names the id). */
  steps: number[];
  workflow: string;
  scenario?: string;
  variant?: Record<string, string | number>;
  result: Result;
  /** For INFO checks: did the documented behaviour happen ("worked") or not ("blocked")? */
  ok: boolean;
  expected: string;
  actual: string;
  /** For `na`: why the check did not apply (also in `actual`). */
  reason?: string;
  /** For `na`: the config key that declares the subject absent (see `Outcome.declaredBy`). */
  declaredBy?: string;
  /** The Gherkin step (text) it was recorded at, when one was running: failures name it. */
  gherkinStep?: string;
  evidence: Exchange[];
}

export const pass = (actual: string, evidence: Exchange[] = []): Outcome => ({ ok: true, actual, evidence });
export const fail = (actual: string, evidence: Exchange[] = []): Outcome => ({ ok: false, actual, evidence });
export const outcome = (ok: boolean, actual: string, evidence: Exchange[] = []): Outcome => ({ ok, actual, evidence });
/** The check has no subject here: say why instead of a verdict (see `Outcome.notApplicable`). */
export const notApplicable = (reason: string, evidence: Exchange[] = []): Outcome => ({ ok: true, actual: reason, evidence, notApplicable: reason });

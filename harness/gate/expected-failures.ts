import * as fs from 'node:fs';
import type { Verdict } from '../checks/check';
import { LoginflowError } from '../errors';

/**
 * The expected-failures file, for teams adopting the kit on a backend that does not yet
 * conform: listed failures do not fail the run; an entry that no longer fails, or that
 * matches nothing, does fail it, so the list can only shrink.
 *
 *   [ { "check": "WJC-8.cookie-secure", "variant": { "signing": "RS256" }, "reason": "TLS terminates at the proxy; ticket #12" } ]
 *
 * `variant` is optional: without it an entry matches the check under every variant.
 */
export interface ExpectedFailure {
  check: string;
  variant?: Record<string, string | number>;
  reason: string;
}

export class ExpectedFailuresError extends LoginflowError {
  constructor(message: string) {
    super('EXPECTED_FAILURES_INVALID', message);
  }
}

export function loadExpectedFailures(file: string): ExpectedFailure[] {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ExpectedFailuresError(`${file}: cannot read the expected-failures file: ${(e as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new ExpectedFailuresError(`${file}: expected a JSON array of {"check", "reason", "variant"?} entries`);
  return raw.map((e, i) => {
    if (!e || typeof e !== 'object') throw new ExpectedFailuresError(`${file}: entry ${i} is not an object`);
    const { check, reason, variant, ...rest } = e as Record<string, unknown>;
    if (typeof check !== 'string' || !/^[A-Z]+-\d+\.[a-z0-9-]+$/.test(check)) throw new ExpectedFailuresError(`${file}: entry ${i}: "check" must be a check id such as "WJC-8.cookie-secure", got ${JSON.stringify(check)}`);
    if (typeof reason !== 'string' || !reason.trim()) throw new ExpectedFailuresError(`${file}: entry ${i} (${check}): "reason" is required: say why it is expected to fail`);
    if (variant !== undefined && (typeof variant !== 'object' || variant === null || Array.isArray(variant))) throw new ExpectedFailuresError(`${file}: entry ${i} (${check}): "variant" must be an object such as {"signing": "RS256"}`);
    const extra = Object.keys(rest);
    if (extra.length) throw new ExpectedFailuresError(`${file}: entry ${i} (${check}): unknown key(s) ${extra.join(', ')}; allowed: check, variant, reason`);
    return { check, reason, ...(variant ? { variant: variant as Record<string, string | number> } : {}) };
  });
}

function variantMatches(entry: ExpectedFailure, v: Verdict): boolean {
  if (!entry.variant) return true;
  return Object.entries(entry.variant).every(([k, val]) => String(v.variant?.[k]) === String(val));
}

export interface ExpectedOutcome {
  /** Failing verdicts that an entry excuses. */
  excused: Verdict[];
  /** Failing verdicts no entry lists: they keep their effect on the exit code. */
  unexpected: Verdict[];
  /** Entries whose check ran and did not fail: remove them. */
  fixed: ExpectedFailure[];
  /** Entries that match no verdict at all: a typo, or a check that was not run. */
  unmatched: ExpectedFailure[];
}

/** Sort verdicts of a run against the list. Only MUST and SHOULD failures are considered. */
export function applyExpectedFailures(verdicts: Verdict[], entries: ExpectedFailure[]): ExpectedOutcome {
  const failing = verdicts.filter((v) => v.result === 'fail');
  const out: ExpectedOutcome = { excused: [], unexpected: [], fixed: [], unmatched: [] };
  for (const v of failing) (entries.some((e) => e.check === v.id && variantMatches(e, v)) ? out.excused : out.unexpected).push(v);
  for (const e of entries) {
    const matching = verdicts.filter((v) => v.id === e.check && variantMatches(e, v));
    if (!matching.length) out.unmatched.push(e);
    else if (!matching.some((v) => v.result === 'fail')) out.fixed.push(e);
  }
  return out;
}

/** A ready-to-paste entry for a new failure. */
export function entryFor(v: Verdict): ExpectedFailure {
  return { check: v.id, ...(v.variant && Object.keys(v.variant).length ? { variant: v.variant } : {}), reason: `TODO: why ${v.name} is expected to fail (${v.actual})` };
}

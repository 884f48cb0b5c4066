import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Check, Outcome } from '../../harness/checks/check';

/**
 * Every check has a unit test that makes it pass and makes it fail (and, where it can say
 * "not applicable", makes it say so). A new check without one fails here, naming it.
 *
 * How: before any check is defined, `defineCheck` is wrapped so every check it makes records
 * the outcomes it gives, keyed by the source of its `evaluate` (checks a factory makes share
 * it: `spaCalledFusionAuth('k', 'n')` in a test judges with the same code as
 * `spaCalledLogin`). Then the other unit-test files of this folder are loaded here, so their
 * tests run in this process, and the last test compares what was recorded with the registry:
 * every check harness/checks exports.
 */
type Seen = 'pass' | 'fail' | 'na';
const seen = new Map<string, Set<Seen>>();
const sourceOf = new WeakMap<object, string>();
// A require, not an import: it must run before the checks' modules define their checks.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const checkModule = require('../../harness/checks/check') as { defineCheck: <A>(c: Check<A>) => Check<A> };
const original = checkModule.defineCheck;
checkModule.defineCheck = <A>(c: Check<A>): Check<A> => {
  const src = String(c.evaluate);
  const evaluate = (a: A): Outcome => {
    const o = c.evaluate(a);
    if (!seen.has(src)) seen.set(src, new Set());
    seen.get(src)!.add(o.notApplicable !== undefined ? 'na' : o.ok ? 'pass' : 'fail');
    return o;
  };
  const wrapped = original({ ...c, evaluate });
  sourceOf.set(wrapped, src);
  return wrapped;
};

const HERE = __dirname;
const ME = path.basename(__filename).replace(/\.[jt]s$/, '');
// catalogue.test spawns the CLI and reads docs/checks.md: it judges no check on hand-built exchanges.
const unitTests = fs.readdirSync(HERE).filter((f) => /\.test\.[jt]s$/.test(f) && !f.startsWith(`${ME}.`) && !f.startsWith('catalogue.')).sort();
for (const f of unitTests) require(path.join(HERE, f));

// eslint-disable-next-line @typescript-eslint/no-require-imports
const registry = require('../../harness/checks') as Record<string, unknown>;

/**
 * Checks that by design give one outcome only, and why. Each is still judged by a unit test
 * (the outcome listed is required).
 */
const ONE_OUTCOME: Record<string, { only: Seen; why: string }> = {
  'variant-applies': { only: 'na', why: 'recorded only to say a scenario does not apply to the variant in force' },
  'extra-fusionauth-call': { only: 'pass', why: 'INFO: it reports every call the diagram does not draw; the sweep calls it only for such a call' },
};

function isCheck(x: unknown): x is Check<unknown> {
  return !!x && typeof x === 'object' && typeof (x as Check<unknown>).evaluate === 'function' && typeof (x as Check<unknown>).kind === 'string' && /^(MUST|SHOULD|INFO)$/.test(String((x as Check<unknown>).level));
}

test('every check harness/checks defines has a unit test that makes it pass and fail (and not applicable, where it can be)', (t) => {
  const checks = Object.entries(registry).filter((e): e is [string, Check<unknown>] => isCheck(e[1]));
  assert.ok(unitTests.length >= 10, `the unit tests were found (${unitTests.join(', ')})`);
  assert.ok(checks.length >= 50, `the registry was read: ${checks.length} checks`);
  const missing: string[] = [];
  for (const [name, c] of checks) {
    const src = sourceOf.get(c);
    assert.ok(src, `${name} (${c.kind}) was not made by defineCheck`);
    const one = ONE_OUTCOME[c.kind];
    const needs: Seen[] = one ? [one.only] : ['pass', 'fail'];
    // A check whose code can say "not applicable" must be seen saying it.
    if (!one && /\bnotApplicable\(|\bplayedByKit\(/.test(src)) needs.push('na');
    const got = seen.get(src) ?? new Set<Seen>();
    const lacking = needs.filter((n) => !got.has(n));
    if (lacking.length) missing.push(`${name} (${c.kind}, ${c.level}): no unit test makes it ${lacking.join(', ')}`);
  }
  assert.deepEqual(missing, [], 'add a test in test/checks/ on hand-built exchanges (see hand-built.ts)');
  const withNa = checks.filter(([, c]) => !ONE_OUTCOME[c.kind] && /\bnotApplicable\(|\bplayedByKit\(/.test(sourceOf.get(c)!)).length;
  t.diagnostic(`${checks.length} checks in the registry (${new Set(checks.map(([, c]) => sourceOf.get(c))).size} distinct judgements); each judged pass and fail by a unit test, ${withNa} also not applicable; ${Object.keys(ONE_OUTCOME).length} with one outcome by design`);
});

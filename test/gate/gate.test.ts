import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Verdict } from '../../harness/checks';
import { applyExpectedFailures, gate, loadExpectedFailures, ExpectedFailuresError } from '../../harness/gate';
import type { WorkflowResult } from '../../harness/report/write';

const v = (id: string, level: Verdict['level'], ok: boolean, variant?: Record<string, string>): Verdict => ({
  id, name: id, level, steps: [Number(id.split('-')[1])], workflow: 'webapp-jwt-cookies', result: level === 'INFO' ? 'info' : ok ? 'pass' : 'fail', ok, expected: 'x', actual: 'y', evidence: [], variant,
});

const run = (verdicts: Verdict[], extra: Partial<WorkflowResult> = {}): WorkflowResult[] => [
  { workflow: 'webapp-jwt-cookies', configFile: 'c.json', exitCode: 0, undefinedSteps: [], scenarios: [{ workflow: 'webapp-jwt-cookies', name: 's', status: 'PASSED', verdicts, exchanges: [], errors: [] }], ...extra } as WorkflowResult,
];

test('MUST failures fail the gate; SHOULD failures only with failOnWarn; INFO never', () => {
  assert.equal(gate(run([v('WJC-8.cookie-httponly', 'MUST', false)])).exitCode, 1);
  assert.equal(gate(run([v('WJC-8.cookie-secure', 'SHOULD', false), v('WJC-31.attack', 'INFO', true)])).exitCode, 0);
  const warn = gate(run([v('WJC-8.cookie-secure', 'SHOULD', false)]), { failOnWarn: true });
  assert.equal(warn.exitCode, 1);
  assert.match(warn.lines.join('\n'), /--fail-on-warn/);
});

test('a listed failure is excused; a listed entry that passes or matches nothing fails the run', () => {
  const failing = [v('WJC-8.cookie-httponly', 'MUST', false)];
  const entry = { check: 'WJC-8.cookie-httponly', reason: 'ticket 12' };
  assert.equal(gate(run(failing), { expected: [entry] }).exitCode, 0);
  const fixed = gate(run([v('WJC-8.cookie-httponly', 'MUST', true)]), { expected: [entry] });
  assert.equal(fixed.exitCode, 1);
  assert.match(fixed.lines.join('\n'), /no longer fails: remove it/);
  const typo = gate(run(failing), { expected: [entry, { check: 'WJC-8.cookie-htponly', reason: 'typo' }] });
  assert.equal(typo.exitCode, 1);
  assert.match(typo.lines.join('\n'), /matches no check/);
});

test('entries can be limited to a variant, and new failures print a ready-to-paste entry', () => {
  const rs = v('WJC-10.rejects-bad-signature', 'MUST', false, { signing: 'RS256' });
  const hs = v('WJC-10.rejects-bad-signature', 'MUST', true, { signing: 'HS256' });
  const e = applyExpectedFailures([rs, hs], [{ check: rs.id, variant: { signing: 'RS256' }, reason: 'r' }]);
  assert.equal(e.excused.length, 1);
  assert.equal(e.fixed.length, 0);
  const g = gate(run([rs, hs]), { expected: [] });
  assert.equal(g.exitCode, 1);
  const paste = g.lines.find((l) => l.includes('"check":"WJC-10.rejects-bad-signature"'))!;
  assert.ok(paste, g.lines.join('\n'));
  assert.deepEqual(JSON.parse(paste.trim().replace(/,$/, '')).variant, { signing: 'RS256' });
});

test('the coverage gate fails when a diagram step was not exercised', () => {
  const r = run([], { exercisedSteps: [1, 2, 3] } as Partial<WorkflowResult>);
  const g = gate(r, { coverage: true, arrows: { 'webapp-jwt-cookies': [1, 2, 3, 4] } });
  assert.equal(g.exitCode, 1);
  assert.match(g.lines.join('\n'), /step\(s\) 4/);
  assert.equal(gate(r, { coverage: true, arrows: { 'webapp-jwt-cookies': [1, 2, 3] } }).exitCode, 0);
});

test('a kit error wins over everything (exit 2)', () => {
  assert.equal(gate(run([v('WJC-8.cookie-httponly', 'MUST', false)], { exitCode: 2, kitError: 'store never started' })).exitCode, 2);
});

test('the expected-failures file is validated with messages that say what to fix', () => {
  const dir = path.join(__dirname, '..', '..', 'reports', 'test-runs', 'gate');
  fs.mkdirSync(dir, { recursive: true });
  const f = path.join(dir, 'expected.json');
  fs.writeFileSync(f, JSON.stringify([{ check: 'WJC-8.cookie-secure' }]));
  assert.throws(() => loadExpectedFailures(f), (e: Error) => e instanceof ExpectedFailuresError && /"reason" is required/.test(e.message));
  fs.writeFileSync(f, JSON.stringify([{ check: 'cookie-secure', reason: 'x' }]));
  assert.throws(() => loadExpectedFailures(f), /must be a check id/);
  fs.writeFileSync(f, JSON.stringify([{ check: 'WJC-8.cookie-secure', reason: 'tls at the proxy', variant: { signing: 'RS256' } }]));
  assert.deepEqual(loadExpectedFailures(f), [{ check: 'WJC-8.cookie-secure', reason: 'tls at the proxy', variant: { signing: 'RS256' } }]);
});

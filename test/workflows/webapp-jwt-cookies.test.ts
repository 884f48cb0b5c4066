import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runKit } from './kit-run';

/**
 * The kit against the bundled reference backend (must conform) and against each mutant
 * (the reference with one defect: the kit must fail it with the right check id).
 */
const WORKFLOW = 'webapp-jwt-cookies';
const DIR = path.resolve(__dirname, '..', '..', 'backends', WORKFLOW);

/** mutant → [exit code, check ids that must fail]. */
const MUTANTS: Record<string, [number, string[]]> = {
  'cookies-not-httponly': [1, ['WJC-8.cookie-httponly', 'WJC-27.cookie-httponly']],
  'jwt-not-verified': [1, ['WJC-10.rejects-bad-signature', 'WJC-10.rejects-unsigned']],
  'aud-not-checked': [1, ['WJC-10.rejects-wrong-audience']],
  'expired-accepted': [1, ['WJC-10.rejects-expired']],
  'no-refresh': [1, ['WJC-12.refresh-called']],
  'refreshed-jwt-not-written': [1, ['WJC-14.jwt-cookie-replaced']],
  'only-404-is-refresh-failure': [1, ['WJC-18.redirect-to-login']],
  'forums-cookie-parent-domain': [1, ['WJC-8.cookie-host-only', 'WJC-20.no-sso-cookies']],
  'rotated-refresh-token-dropped': [1, ['WJC-14.refresh-token-current']],
  // SHOULD-level defect: reported, but the run still conforms.
  'no-secure-samesite': [0, ['WJC-8.cookie-secure', 'WJC-8.cookie-samesite']],
};

test('every mutant config on disk has an expectation here', () => {
  const onDisk = fs.readdirSync(path.join(DIR, 'mutants')).map((f) => f.replace(/\.json$/, '')).sort();
  assert.deepEqual(onDisk, Object.keys(MUTANTS).sort());
});

test('the reference backend passes every MUST and SHOULD', async () => {
  const r = await runKit(WORKFLOW, path.join(DIR, 'loginflow.json'), 'reference');
  assert.equal(r.code, 0, r.output);
  assert.deepEqual(r.failing, [], r.output);
  const w = r.summary.workflows[0];
  const verdicts = w.scenarios.flatMap((s: any) => s.verdicts);
  const steps = new Set(verdicts.flatMap((v: any) => v.steps));
  for (const n of [2, 4, 6, 8, 9, 10, 12, 14, 16, 18, 19, 20, 21, 23, 25, 27, 28, 29, 31, 33, 35]) assert.ok(steps.has(n), `a verdict about step ${n}`);
  const info = verdicts.filter((v: any) => v.level === 'INFO').map((v: any) => v.id).sort();
  assert.deepEqual(info, ['WJC-31.attack-refresh', 'WJC-33.attack-page', 'WJC-35.attack-stolen-jwt']);
  const puml = fs.readdirSync(path.join(__dirname, '..', '..', 'reports', 'test-runs', WORKFLOW, 'reference', WORKFLOW)).filter((f) => f.endsWith('.puml'));
  assert.equal(puml.length, w.scenarios.length, 'one observed diagram per scenario');
});

for (const [mutant, [code, ids]] of Object.entries(MUTANTS)) {
  test(`mutant ${mutant} is caught by ${ids.join(', ')}`, async () => {
    const r = await runKit(WORKFLOW, path.join(DIR, 'mutants', `${mutant}.json`), mutant);
    assert.equal(r.code, code, r.output);
    for (const id of ids) assert.ok(r.failing.includes(id), `${id} should fail; failing: ${r.failing.join(', ')}\n${r.output}`);
    if (code === 1) assert.match(r.output, /expected: .*\n\s+actual: /, 'a MUST failure says what was expected and what happened');
  });
}

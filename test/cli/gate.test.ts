import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runKit } from '../workflows/kit-run';

/**
 * The kit as a CI gate, end to end: documented exit codes and messages, the expected-failures
 * list, and cucumber's own conventions (tags, profiles, formatters, parallel workers).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'reports', 'test-runs', 'gate');
const WJC = path.join(ROOT, 'backends', 'webapp-jwt-cookies');
const ONE_VARIANT = ['--variant', 'signing=HS256', '--variant', 'refreshEndpoint=/api/jwt/refresh'];

function write(name: string, content: unknown): string {
  fs.mkdirSync(OUT, { recursive: true });
  const f = path.join(OUT, name);
  fs.writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return f;
}

test('a config with a typo: exit 2, naming the field, the value and what is allowed', async () => {
  const cfg = write('typo.json', { workflow: 'webapp-jwt-cookies', store: { comand: ['node', 'server.js'] }, forums: { command: ['node', 'server.js'] } });
  const r = await runKit('webapp-jwt-cookies', cfg, 'gate-typo');
  assert.equal(r.code, 2, r.output);
  assert.match(r.output, /unknown key "store\.comand" \(did you mean "command"\?\)/);
});

test('an expected-failures entry that no longer fails fails the run; listed failures do not', async () => {
  const stale = write('stale.json', [{ check: 'WJC-8.cookie-httponly', reason: 'was broken, now fixed' }]);
  const r = await runKit('webapp-jwt-cookies', path.join(WJC, 'loginflow.json'), 'gate-stale', [...ONE_VARIANT, '--expected-failures', stale]);
  assert.equal(r.code, 1, r.output);
  assert.match(r.output, /WJC-8\.cookie-httponly no longer fails: remove it/);

  const listed = write('listed.json', [
    { check: 'WJC-8.cookie-httponly', reason: 'ticket 1' },
    { check: 'WJC-27.cookie-httponly', reason: 'ticket 1' },
    { check: 'WJC-14.jwt-cookie-replaced', reason: 'the refreshed cookie is not HttpOnly either' },
  ]);
  const m = await runKit('webapp-jwt-cookies', path.join(WJC, 'mutants', 'cookies-not-httponly.json'), 'gate-listed', ['--expected-failures', listed]);
  assert.equal(m.code, 0, m.output);
  assert.match(m.output, /excused by the expected-failures file/);
  // Excused failures do not stop their scenario: the forums' step 27 check still ran.
  assert.ok(m.failing.includes('WJC-27.cookie-httponly'));
});

test('a new failure prints a ready-to-paste expected-failures entry', async () => {
  const empty = write('empty.json', []);
  const r = await runKit('webapp-jwt-cookies', path.join(WJC, 'mutants', 'aud-not-checked.json'), 'gate-new', ['--expected-failures', empty]);
  assert.equal(r.code, 1, r.output);
  assert.match(r.output, /\{"check":"WJC-10\.rejects-wrong-audience","reason":"TODO: /);
});

test('--fail-on-warn turns a SHOULD failure into a failed gate', async () => {
  const cfg = path.join(WJC, 'mutants', 'no-secure-samesite.json');
  assert.equal((await runKit('webapp-jwt-cookies', cfg, 'gate-warn-off')).code, 0);
  const r = await runKit('webapp-jwt-cookies', cfg, 'gate-warn-on', ['--fail-on-warn']);
  assert.equal(r.code, 1, r.output);
  assert.match(r.output, /SHOULD check\(s\) failed and --fail-on-warn is on/);
});

test("cucumber's conventions: tag expressions, formatters, parallel workers, and the coverage gate", async () => {
  const junit = path.join(OUT, 'cucumber.xml');
  const ndjson = path.join(OUT, 'messages.ndjson');
  fs.rmSync(junit, { force: true });
  fs.rmSync(ndjson, { force: true });
  const r = await runKit('webapp-jwt-cookies', path.join(WJC, 'loginflow.json'), 'gate-conventions', [
    ...ONE_VARIANT, '--tags', '@attack', '--parallel', '2', '--format', `junit:${junit}`, '--format', `message:${ndjson}`,
  ]);
  assert.equal(r.code, 0, r.output);
  const names = r.summary.workflows[0].scenarios.map((s: any) => s.name).sort();
  assert.deepEqual(names, ['A stolen JWT', 'A stolen refresh token']);
  assert.match(fs.readFileSync(junit, 'utf8'), /<testsuite[^>]*tests="2"/);
  assert.ok(fs.readFileSync(ndjson, 'utf8').split('\n').some((l) => l.includes('"testRunFinished"')));
  const cov = await runKit('webapp-jwt-cookies', path.join(WJC, 'loginflow.json'), 'gate-coverage', [...ONE_VARIANT, '--tags', '@attack', '--coverage']);
  assert.equal(cov.code, 1, cov.output);
  assert.match(cov.output, /coverage gate: step\(s\) 1, 2, 3/);
});

test('a profile from cucumber.js selects scenarios as it does for cucumber-js', async () => {
  const r = await runKit('webapp-sessions', path.join(ROOT, 'backends', 'webapp-sessions', 'loginflow.json'), 'gate-profile', ['--profile', 'attacks']);
  assert.equal(r.code, 0, r.output);
  assert.deepEqual(r.summary.workflows[0].scenarios.map((s: any) => s.name), ['A stolen session id']);
});

test('run --all --jobs 3: every workflow at once against its reference, each log printed whole', async () => {
  const { spawnSync } = await import('node:child_process');
  const reports = path.join(OUT, 'jobs');
  // Five workflows now (the two OAuth ones with their variants): bounded like one workflow's run in kit-run.
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'loginflow.js'), 'run', '--all', '--jobs', '3', '--no-render', '--reports', reports], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const summary = JSON.parse(fs.readFileSync(path.join(reports, 'summary.json'), 'utf8'));
  assert.deepEqual(summary.workflows.map((w: any) => w.workflow).sort(), ['spa-localstorage-jwt', 'webapp-jwt-cookies', 'webapp-oauth-code-jwt-cookies', 'webapp-oauth-code-sessions', 'webapp-sessions']);
  // Each workflow's progress is one block: its verdict table follows its own header.
  for (const w of ['webapp-sessions', 'spa-localstorage-jwt']) {
    const at = r.stdout.indexOf(`\n${w}  (config`);
    assert.ok(at >= 0 && r.stdout.indexOf(`Verdicts for ${w}`, at) > at, `${w} printed as one block`);
    const next = r.stdout.indexOf('  (config', at + w.length + 5);
    assert.ok(next === -1 || r.stdout.indexOf(`Verdicts for ${w}`, at) < next, `${w}'s block is not interleaved`);
  }
});

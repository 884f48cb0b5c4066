import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runKit } from './kit-run';

/**
 * Bad input to a JSON login, as a third party would get it wrong: a config naming members the
 * app does not read is a config error (exit 2, naming the field); an app that refuses the
 * right credentials fails the login step, with its answer shown (exit 1).
 */
const EXPRESS = path.resolve(__dirname, '..', '..', 'backends', 'webapp-sessions', 'loginflow.express.json');

function variant(name: string, change: (c: any) => void): string {
  const c = JSON.parse(fs.readFileSync(EXPRESS, 'utf8'));
  delete c.$schema;
  c.store.cwd = path.join(path.dirname(EXPRESS), c.store.cwd);
  change(c);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-json-login-'));
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(c, null, 2));
  return file;
}

test('login.mode json without a path stops before anything starts: exit 2 naming store.login.path', async () => {
  const r = await runKit('webapp-sessions', variant('no-path', (c) => delete c.store.login.path), 'json-no-path');
  assert.equal(r.code, 2, r.output);
  assert.match(r.output, /"store\.login\.path" is missing; expected a path starting with "\/"/);
});

test('a member name the app rejects is a config error: exit 2 naming store.login.fields.loginId and the answer', async () => {
  const r = await runKit('webapp-sessions', variant('bad-field', (c) => (c.store.login.fields.loginId = 'user')), 'json-bad-field');
  assert.equal(r.code, 2, r.output);
  assert.match(r.output, /store\.login\.fields\.loginId: the JSON login POST \/api\/session with members "user", "password" answered 400: \{"error":"email and password are required"\}/);
  assert.match(r.output, /set store\.login\.fields \(loginId, password\)/);
});

test('an app answering 4xx for the right credentials fails the login step, its answer shown: exit 1', async () => {
  // A wrong API key in the app's own environment: FusionAuth answers 401, the app passes that on.
  const r = await runKit('webapp-sessions', variant('refuses', (c) => (c.store.env.FA_API_KEY = 'not-the-api-key')), 'json-refuses');
  assert.equal(r.code, 1, r.output);
  assert.match(r.output, /the store's JSON login POST \/api\/session answered 401 for alice@example\.com with the right password \(FusionAuth accepts this user\): \{"error":"Login refused \(401\)\."\}/);
  assert.doesNotMatch(r.output, /kit or config error/);
});

test('run --config takes the workflow from the config; --coverage does not count what the config declares absent', () => {
  const root = path.resolve(__dirname, '..', '..');
  const reports = path.join(root, 'reports', 'test-runs', 'webapp-sessions', 'express-coverage');
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'loginflow.js'), 'run', '--config', EXPRESS, '--reports', reports, '--quiet', '--no-render', '--coverage'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  const output = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, output);
  assert.match(output, /webapp-sessions: coverage gate: step\(s\) 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27 not applicable as the config declares \(.*forums.*\): not counted/);
  const verdicts = JSON.parse(fs.readFileSync(path.join(reports, 'summary.json'), 'utf8')).workflows[0].scenarios.flatMap((s: any) => s.verdicts);
  const one = verdicts.find((v: any) => v.id === 'WS-16.second-app');
  assert.equal(one?.result, 'na');
  assert.match(one.reason, /one application declared/);
  for (const id of ['WS-2.login-link', 'WS-4.login-form', 'WS-9.redirect-to-cart']) {
    const v = verdicts.find((x: any) => x.id === id);
    assert.equal(v?.result, 'na', id);
    assert.equal(v.declaredBy, 'store.login.mode', id);
  }
});

test('JUnit: a scenario whose only verdict is N/A is a skipped test case with the reason', () => {
  const root = path.resolve(__dirname, '..', '..');
  // Written by the run above (node:test runs a file's tests in order).
  const xml = fs.readFileSync(path.join(root, 'reports', 'test-runs', 'webapp-sessions', 'express-coverage', 'junit.xml'), 'utf8');
  assert.match(xml, /<testcase classname="webapp-sessions" name="Log in to the forums after the store"[^>]*>[\s\S]*?<skipped message="one application declared/);
  assert.match(xml, /skipped="1"/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium } from '../prerequisites';
import { runKit } from './kit-run';

/**
 * The SPA shaped as many real ones are (SPA_STYLE=app-shell): it starts at /app (routes.home),
 * shows its login form only after a click on "Sign in" (login.reveal), and keeps
 * {"token": <JWT>, "user": {...}} as JSON under "auth" in local storage. It conforms in both
 * modes; in browser mode the kit finds the JWT inside the JSON value.
 */
const WORKFLOW = 'spa-localstorage-jwt';
const CONFIG = path.resolve(__dirname, '..', '..', 'backends', WORKFLOW, 'loginflow.app-shell.json');
/** Whether the run's observed diagrams show the browser loading /app (summary.json keeps no exchanges). */
function startedAtHome(name: string): boolean {
  const dir = path.resolve(__dirname, '..', '..', 'reports', 'test-runs', WORKFLOW, name, WORKFLOW);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.puml')).some((f) => /GET \/app(\\n|<| |$)/m.test(fs.readFileSync(path.join(dir, f), 'utf8')));
}
// No silent skip: under CI a missing Chromium fails with the install line (test/prerequisites.ts).
const skip = chromium.skip('the app-shell SPA in browser mode');

test('app-shell SPA in browser mode: login behind a button, the JWT inside a JSON value, every MUST holds', { skip }, async () => {
  chromium.require();
  const r = await runKit(WORKFLOW, CONFIG, 'app-shell-browser', ['--browser', 'chromium'], { timeoutMs: 240_000 });
  assert.equal(r.code, 0, r.output);
  const verdicts = r.summary.workflows[0].scenarios.flatMap((s: any) => s.verdicts);
  const stored = verdicts.find((v: any) => v.id === 'SLJ-7.jwt-in-local-storage');
  assert.equal(stored?.result, 'pass', r.output);
  assert.match(stored.actual, /local storage key "auth" holds it/);
  assert.ok(startedAtHome('app-shell-browser'), 'the app was started at routes.home');
});

test('app-shell SPA in HTTP mode: the kit starts it at routes.home', async () => {
  const r = await runKit(WORKFLOW, CONFIG, 'app-shell-http', [], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.output);
  assert.ok(startedAtHome('app-shell-http'), 'GET /app');
});

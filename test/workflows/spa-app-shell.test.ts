import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { chromiumAvailable } from '../../harness/browser/chromium';
import { runKit } from './kit-run';

/**
 * The SPA shaped as many real ones are (SPA_STYLE=app-shell): it starts at /app (routes.home),
 * shows its login form only after a click on "Sign in" (login.reveal), and keeps
 * {"token": <JWT>, "user": {...}} as JSON under "auth" in local storage. It conforms in both
 * modes; in browser mode the kit finds the JWT inside the JSON value.
 */
const WORKFLOW = 'spa-localstorage-jwt';
const CONFIG = path.resolve(__dirname, '..', '..', 'backends', WORKFLOW, 'loginflow.app-shell.json');
const skip = chromiumAvailable() ? false : 'no Chromium at /usr/bin/chromium (apt-get install chromium, or set LOGINFLOW_CHROMIUM)';

test('app-shell SPA in browser mode: login behind a button, the JWT inside a JSON value, every MUST holds', { skip }, async () => {
  const r = await runKit(WORKFLOW, CONFIG, 'app-shell-browser', ['--browser', 'chromium'], { timeoutMs: 240_000 });
  assert.equal(r.code, 0, r.output);
  const verdicts = r.summary.workflows[0].scenarios.flatMap((s: any) => s.verdicts);
  const stored = verdicts.find((v: any) => v.id === 'SLJ-7.jwt-in-local-storage');
  assert.equal(stored?.result, 'pass', r.output);
  assert.match(stored.actual, /local storage key "auth" holds it/);
  assert.ok(r.summary.workflows[0].scenarios.flatMap((s: any) => s.exchanges).some((e: any) => e.request.path === '/app'), 'the app was started at routes.home');
});

test('app-shell SPA in HTTP mode: the kit starts it at routes.home', async () => {
  const r = await runKit(WORKFLOW, CONFIG, 'app-shell-http');
  assert.equal(r.code, 0, r.output);
  assert.ok(r.summary.workflows[0].scenarios.flatMap((s: any) => s.exchanges).some((e: any) => e.request.path === '/app'), 'GET /app');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BrowserSetupError, chooseBrowser } from '../../harness/browser/mode';
import { runKit } from '../workflows/kit-run';

const ROOT = path.resolve(__dirname, '..', '..');
const DIR = path.join(ROOT, 'reports', 'test-runs', 'browser-mode');
fs.rmSync(DIR, { recursive: true, force: true });
fs.mkdirSync(DIR, { recursive: true });
const NONE = path.join(DIR, 'no-such-chromium');

test('--browser: chromium without Chromium is a setup error naming the install line; auto says which mode and why', () => {
  assert.throws(() => chooseBrowser('chromium', { LOGINFLOW_CHROMIUM: NONE }), (e: Error) => e instanceof BrowserSetupError && /apt-get install chromium/.test(e.message) && e.message.includes(NONE));
  const auto = chooseBrowser('auto', { LOGINFLOW_CHROMIUM: NONE });
  assert.equal(auto.mode, 'http');
  assert.match(auto.reason, /no Chromium at .*no-such-chromium \(LOGINFLOW_CHROMIUM\), so the kit plays the SPA in HTTP mode/);
  // Any executable stands in for a found Chromium: the choice only looks, it launches nothing.
  const found = chooseBrowser('auto', { LOGINFLOW_CHROMIUM: process.execPath });
  assert.deepEqual([found.mode, found.requested], ['chromium', 'auto']);
  assert.match(found.reason, /found Chromium at/);
  assert.equal(chooseBrowser('chromium', { LOGINFLOW_CHROMIUM: process.execPath }).mode, 'chromium');
  assert.equal(chooseBrowser('http', { LOGINFLOW_CHROMIUM: NONE }).mode, 'http');
});

test('run --browser chromium without Chromium: exit 2 with the install line, before any backend starts', async () => {
  const marker = path.join(DIR, 'store-started');
  const config = path.join(DIR, 'marker.json');
  const spa = path.join(ROOT, 'backends', 'spa-localstorage-jwt');
  // The store would leave a marker the moment it is started.
  const command = ['sh', '-c', `touch '${marker}'; exec node server.js`];
  fs.writeFileSync(config, JSON.stringify({ workflow: 'spa-localstorage-jwt', fusionauth: { requireApiKey: false }, store: { command, cwd: spa, env: { APP_ROLE: 'store' } }, forums: { command, cwd: spa, env: { APP_ROLE: 'forums' } } }));
  const r = await runKit('spa-localstorage-jwt', config, 'no-chromium', ['--browser', 'chromium'], { env: { LOGINFLOW_CHROMIUM: NONE } });
  assert.equal(r.code, 2, r.output);
  assert.match(r.output, /--browser chromium needs a Chromium.*apt-get install chromium/);
  assert.ok(!fs.existsSync(marker), 'no backend was started');
  assert.ok(!/Scenario:/.test(r.output));
});

test('run --browser auto prints the mode it chose and why, and the report header shows it', async () => {
  const r = await runKit('webapp-sessions', path.join(ROOT, 'backends', 'webapp-sessions', 'loginflow.json'), 'auto', ['--browser', 'auto', '--tags', '@no-such-tag'], { env: { LOGINFLOW_CHROMIUM: NONE } });
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /browser: http: --browser auto: no Chromium at .*so the kit plays the SPA in HTTP mode/);
  assert.equal(r.summary.browser.mode, 'http');
  const html = fs.readFileSync(path.join(ROOT, 'reports', 'test-runs', 'webapp-sessions', 'auto', 'index.html'), 'utf8');
  assert.match(html, /<div id="browser">browser: <b>http<\/b>: --browser auto: no Chromium at/);
});

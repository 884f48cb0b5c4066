import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium } from '../prerequisites';
import { runKit } from './kit-run';

/**
 * The kit plays the deployment's TLS terminator (docs/tls.md). The bundled Express reference is
 * set up as express-session documents it behind a proxy (`trust proxy` 1, a Secure cookie) and
 * fills in no header of its own: it gets its cookie, and `WS-9.cookie-secure` passes, because
 * the kit says `X-Forwarded-Proto: https`, in HTTP mode and in Chromium, with `secure: true` and
 * with `secure: 'auto'`. With `tls: false` the backend sees plain HTTP. What the backend saw is
 * read from the backend itself (fixtures/record-forwarded.js, preloaded into its process).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const EXPRESS = path.join(ROOT, 'backends', 'webapp-sessions', 'loginflow.express.json');
const RECORDER = path.join(__dirname, 'fixtures', 'record-forwarded.js');
const DIR = path.join(ROOT, 'reports', 'test-runs', 'webapp-sessions', 'tls');

interface Seen {
  method: string;
  url: string;
  host: string | null;
  proto: string | null;
  forwardedHost: string | null;
}

/** The Express reference's config with its cookie setting, the recorder preloaded, and `extra` merged in. */
function config(name: string, cookieSecure: 'true' | 'auto', extra: Record<string, unknown> = {}): { file: string; seen: () => Seen[] } {
  const c = JSON.parse(fs.readFileSync(EXPRESS, 'utf8'));
  delete c.$schema;
  const seenFile = path.join(DIR, `${name}.seen.jsonl`);
  c.store.cwd = path.join(path.dirname(EXPRESS), c.store.cwd);
  c.store.command = ['node', '--require', RECORDER, 'server.js'];
  c.store.env = { ...c.store.env, COOKIE_SECURE: cookieSecure, SEEN_FILE: seenFile };
  Object.assign(c, extra);
  fs.mkdirSync(DIR, { recursive: true });
  fs.rmSync(seenFile, { force: true });
  const file = path.join(DIR, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(c, null, 2));
  // Only the requests of the kit's browser: they name the logical host (the launcher's readiness probe names 127.0.0.1).
  const seen = () => (fs.existsSync(seenFile) ? fs.readFileSync(seenFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Seen) : []).filter((s) => s.host === 'store.example.test');
  return { file, seen };
}

function verdicts(summary: any, id: string): { result: string; actual: string }[] {
  return summary.workflows.flatMap((w: any) => w.scenarios.flatMap((s: any) => s.verdicts.filter((v: any) => v.id === id)));
}

for (const browser of ['http', 'chromium'] as const) {
  for (const secure of ['true', 'auto'] as const) {
    const skip = browser === 'chromium' ? chromium.skip(`the TLS-terminator run of the Express reference in Chromium (secure: ${secure})`) : false;
    test(`${browser === 'http' ? 'HTTP mode' : 'Chromium'}: express-session with secure: ${secure === 'true' ? 'true' : "'auto'"} behind trust proxy gets its Secure cookie and passes WS-9.cookie-secure, every request it saw saying https`, { skip }, async () => {
      if (browser === 'chromium') chromium.require();
      const name = `${browser}-${secure}`;
      const c = config(name, secure);
      const r = await runKit('webapp-sessions', c.file, `tls-${name}`, ['--browser', browser]);
      assert.equal(r.code, 0, r.output);
      const secureVerdicts = verdicts(r.summary, 'WS-9.cookie-secure');
      assert.ok(secureVerdicts.length >= 1, 'the cookie was judged');
      for (const v of secureVerdicts) assert.deepEqual([v.result, v.actual], ['pass', 'shop.sid is Secure']);
      const seen = c.seen();
      assert.ok(seen.some((s) => s.method === 'POST' && s.url === '/api/session'), `the login reached the backend: ${JSON.stringify(seen.slice(0, 3))}`);
      for (const s of seen) assert.deepEqual([s.proto, s.forwardedHost], ['https', 'store.example.test'], `${s.method} ${s.url}`);
    });
  }
}

test("tls: false: the backend sees plain HTTP (no X-Forwarded-* on any request), so secure: 'auto' sets a cookie without Secure and WS-9.cookie-secure fails", async () => {
  const c = config('tls-false-auto', 'auto', { tls: false });
  const r = await runKit('webapp-sessions', c.file, 'tls-false-auto', ['--browser', 'http']);
  const seen = c.seen();
  assert.ok(seen.some((s) => s.method === 'POST' && s.url === '/api/session'), r.output);
  for (const s of seen) assert.deepEqual([s.proto, s.forwardedHost], [null, null], `${s.method} ${s.url}`);
  const secureVerdicts = verdicts(r.summary, 'WS-9.cookie-secure');
  assert.ok(secureVerdicts.length >= 1, r.output);
  for (const v of secureVerdicts) assert.deepEqual([v.result, v.actual], ['fail', 'shop.sid is not Secure']);
  // A SHOULD: the run still exits 0 without --fail-on-warn.
  assert.equal(r.code, 0, r.output);
});

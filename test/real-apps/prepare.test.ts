import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runIsolated } from './isolation';
import { REAL_APPS_DIR, prepareRealApp, type PreparedApp, type RealAppName } from './prepare';

/**
 * test/real-apps/prepare.ts: FusionAuth's quickstarts copied unmodified, given what they need,
 * started on their own fixed ports in isolation, and gone afterwards. The kit's runs on them
 * (phase 2 of #25) stand on this.
 */

/** Every file under `dir` (node_modules left out) → its sha256. */
function hashes(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.name === 'node_modules' || (rel === '' && e.name === 'tmp')) continue;
    if (e.isDirectory()) Object.assign(out, hashes(dir, r));
    else out[r] = createHash('sha256').update(fs.readFileSync(path.join(dir, r))).digest('hex');
  }
  return out;
}

/**
 * Starts the prepared app with its own command, in isolation, and reads its home page once it
 * answers on its fixed port: what a browser would get first.
 */
async function homePage(app: PreparedApp): Promise<{ status: number; title: string; setCookie: string[]; output: string }> {
  const port = app.ports[0];
  const probe = `
    const { spawn } = require('node:child_process');
    const app = spawn(process.argv[1], process.argv.slice(2), { stdio: ['ignore', 'inherit', 'inherit'] });
    app.on('exit', (c) => { console.log(JSON.stringify({ exited: c })); process.exit(4); });
    (async () => {
      for (const end = Date.now() + 60000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
        try {
          const r = await fetch('http://localhost:${port}/', { redirect: 'manual' });
          const body = await r.text();
          console.log('HOME ' + JSON.stringify({ status: r.status, title: (/<title>([^<]*)/.exec(body) || [])[1], setCookie: r.headers.getSetCookie().map((c) => c.split('=')[0]) }));
          process.exit(0);
        } catch {}
      }
      process.exit(5);
    })();`;
  const r = await runIsolated([process.execPath, '-e', probe, ...app.command], { cwd: app.app, env: { ...process.env, TMPDIR: app.tmp }, ports: app.ports, timeoutMs: 90_000 });
  const line = r.output.split('\n').find((l) => l.startsWith('HOME '));
  assert.ok(line, `the ${app.name} app answered no home page on port ${port} (exit ${r.code}${r.timedOut ? ', timed out' : ''}):\n${r.output}`);
  return { ...JSON.parse(line.slice(5)), output: r.output };
}

async function prepared(name: RealAppName, t: { skip(msg: string): void }): Promise<PreparedApp | undefined> {
  const p = await prepareRealApp(name);
  if ('skip' in p) {
    t.skip(p.skip);
    return undefined;
  }
  return p;
}

test("Express's quickstart: copied byte for byte, installed from its own lock file, started unmodified on 8080, its home page sets the state cookie, and the copy is gone after", async (t) => {
  const app = await prepared('express-web', t);
  if (!app) return;
  try {
    assert.deepEqual(hashes(app.root), hashes(path.join(REAL_APPS_DIR, 'express-web')), 'the copy is the shipped app, unmodified');
    assert.ok(fs.existsSync(path.join(app.app, 'node_modules', 'ts-node-dev', 'package.json')), 'npm ci installed its dev dependencies (ts-node-dev)');
    const home = await homePage(app);
    assert.deepEqual([home.status, home.title, home.setCookie], [200, 'FusionAuth Express Web', ['userSession']]);
    assert.match(home.output, /server started at http:\/\/localhost:8080/);
  } finally {
    app.remove();
  }
  assert.equal(fs.existsSync(app.root), false, 'removed');
});

test("Flask's quickstart: copied byte for byte, started unmodified with Debian's flask on 5000, and the copy is gone after", async (t) => {
  const app = await prepared('flask-web', t);
  if (!app) return;
  try {
    assert.deepEqual(hashes(app.root), hashes(path.join(REAL_APPS_DIR, 'flask-web')));
    const home = await homePage(app);
    assert.deepEqual([home.status, home.title, home.setCookie], [200, 'FusionAuth OpenID and PKCE example', []]);
    assert.match(home.output, /Running on http:\/\/127\.0\.0\.1:5000/);
  } finally {
    app.remove();
  }
  assert.equal(fs.existsSync(app.root), false);
});

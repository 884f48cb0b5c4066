import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { pidGone, portAnswers } from '../../harness/backend';

// Runs test/backend/fixtures/kit.js (which uses the launcher) in its own process, the way
// the CLI would, and checks that the backends it started die with it.
const kit = path.join(__dirname, 'fixtures', 'kit.js');

const gone = pidGone;

async function waitGone(pid: number, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (gone(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return gone(pid);
}

interface Run {
  pids: Promise<{ grandchild: number; parent: number; pgid: number; port: number }>;
  exit: Promise<{ code: number | null; signal: string | null; stderr: string }>;
  kill(sig: NodeJS.Signals): void;
}

function runKit(mode: string): Run {
  const child = spawn(process.execPath, ['--require', 'ts-node/register', kit, mode], {
    cwd: path.join(__dirname, '..', '..'),
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (b) => (err += b));
  const exit = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr: err })),
  );
  const pids = new Promise<any>((resolve, reject) => {
    child.stdout.on('data', (b) => {
      out += b;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    void exit.then((e) => reject(new Error(`kit exited early: ${JSON.stringify(e)} ${out}`)));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
  void exit.then(() => clearTimeout(timer));
  return { pids, exit, kill: (sig) => child.kill(sig) };
}

test('process.exit() without stop() still kills the backend group', async () => {
  const r = runKit('exit');
  const p = await r.pids;
  const e = await r.exit;
  assert.equal(e.code, 0, e.stderr);
  assert.ok(await waitGone(p.parent), 'parent gone');
  assert.ok(await waitGone(p.grandchild), 'grandchild gone');
  assert.equal(await portAnswers(p.port), false);
});

for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`${sig} stops the backends and the kit dies of ${sig} (exit ${code})`, async () => {
    const r = runKit('signal');
    const p = await r.pids;
    r.kill(sig);
    const e = await r.exit;
    assert.ok(e.signal === sig || e.code === code, `exit ${JSON.stringify(e)}`);
    assert.ok(await waitGone(p.parent), 'parent gone');
    assert.ok(await waitGone(p.grandchild), 'grandchild gone');
    assert.equal(await portAnswers(p.port), false);
  });
}

test('the cleanup handlers do not keep the event loop alive', async () => {
  const r = runKit('natural');
  const p = await r.pids;
  const started = Date.now();
  const e = await r.exit;
  assert.equal(e.code, 0, e.stderr);
  assert.ok(Date.now() - started < 10000);
  assert.ok(gone(p.parent) && gone(p.grandchild));
});

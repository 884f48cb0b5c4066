import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isolatedArgv, isolation, lockDir, lockPorts, runIsolated } from './isolation';

/**
 * test/real-apps/isolation.ts: kit runs on fixed ports never meet. In network namespaces where
 * the machine allows them (two worlds on port 8080 at once, nothing left running after), else
 * on port locks (one after another; a dead holder's lock taken over).
 */

/** A node one-liner that serves `tag` on 127.0.0.1:8080 for `ms`, and leaves a `sleep` behind it. */
const SERVE = (tag: string, ms: number) => [
  process.execPath,
  '-e',
  `require('node:child_process').spawn('sleep', ['300'], { stdio: 'ignore' }).unref();
   const s = require('node:http').createServer((q, r) => r.end('${tag}')).listen(8080, '127.0.0.1', async () => {
     const body = await (await fetch('http://127.0.0.1:8080/')).text();
     console.log('served ' + body);
     setTimeout(() => process.exit(0), ${ms});
   });
   s.on('error', (e) => { console.log('listen failed: ' + e.code); process.exit(3); });`,
];

const netns = isolation().kind === 'netns';

test('in their own network namespaces two runs listen on port 8080 at the same time, and nothing they started outlives them', { skip: netns ? false : `${isolation().why}; the lock is tested below` }, async () => {
  const before = sleepers();
  const [a, b] = await Promise.all([runIsolated(SERVE('first', 1500), { ports: [8080], timeoutMs: 30_000 }), runIsolated(SERVE('second', 1500), { ports: [8080], timeoutMs: 30_000 })]);
  assert.deepEqual([a.code, a.output.trim()], [0, 'served first']);
  assert.deepEqual([b.code, b.output.trim()], [0, 'served second'], 'each saw its own server on 8080, both at once');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(sleepers().filter((p) => !before.includes(p)), [], 'the sleep each server started was killed with its namespace');
  assert.deepEqual(isolatedArgv(['node', 'x.js']).slice(0, 6), ['unshare', '-rnp', '--fork', '--mount-proc', '--kill-child', 'sh']);
});

test('a run past its bound is killed with everything it started', { skip: netns ? false : isolation().why }, async () => {
  const before = sleepers();
  const t0 = Date.now();
  const r = await runIsolated(SERVE('slow', 60_000), { ports: [8080], timeoutMs: 2000 });
  assert.equal(r.timedOut, true);
  assert.ok(Date.now() - t0 < 10_000, `killed at its bound (${Date.now() - t0} ms)`);
  await new Promise((r2) => setTimeout(r2, 300));
  assert.deepEqual(sleepers().filter((p) => !before.includes(p)), []);
});

test("the port lock: a second run waits for the first one's release, and a lock whose holder died is taken over", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-locks-'));
  try {
    const port = 1; // a port nothing listens on: the locks are the subject here, not the port
    const first = await lockPorts([port], 1000, dir);
    const order: string[] = [];
    const second = lockPorts([port], 5000, dir).then((release) => (order.push('second has it'), release));
    await new Promise((r) => setTimeout(r, 600));
    order.push('first releases');
    first();
    (await second)();
    assert.deepEqual(order, ['first releases', 'second has it']);

    // A holder that died without releasing: its pid is no process any more.
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('close', r));
    fs.mkdirSync(lockDir(port, dir));
    fs.writeFileSync(path.join(lockDir(port, dir), 'pid'), String(dead.pid));
    const taken = await lockPorts([port], 1000, dir);
    assert.equal(fs.readFileSync(path.join(lockDir(port, dir), 'pid'), 'utf8'), String(process.pid));
    taken();
    assert.equal(fs.existsSync(lockDir(port, dir)), false, 'released: the lock directory is gone');

    // A live holder past the bound: an error naming it, not a hang.
    const held = await lockPorts([port], 1000, dir);
    await assert.rejects(lockPorts([port], 300, dir), new RegExp(`loginflow-fixed-port-1\\.lock is still held by pid ${process.pid} after 300 ms`));
    held();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the port lock refuses a fixed port some other program listens on, instead of waiting on it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-locks-'));
  const server = require('node:net').createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = server.address().port as number;
  try {
    await assert.rejects(lockPorts([port], 1000, dir), new RegExp(`port ${port} is taken by a process that is no run of loginflow's tests \\(something accepts connections on 127\\.0\\.0\\.1:${port}\\)`));
    assert.equal(fs.existsSync(lockDir(port, dir)), false, 'the lock it took is released again');
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Pids of `sleep 300` processes (what SERVE leaves behind). */
function sleepers(): string[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\u0000300\u0000';
      } catch {
        return false;
      }
    });
}

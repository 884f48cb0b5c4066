import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  CONTRACT_ENV_NAMES,
  KitError,
  type StartedTarget,
  type TargetConfig,
  freePort,
  groupAlive,
  pidGone,
  portAnswers,
  startTarget,
  stopAll,
} from '../../harness/backend';

const fixtures = path.join(__dirname, 'fixtures');
const node = (script: string, ...args: string[]): string[] => [process.execPath, path.join(fixtures, script), ...args];
const contract: Record<string, string> = {
  FUSIONAUTH_URL: 'http://127.0.0.1:9011',
  FUSIONAUTH_API_KEY: 'key-123',
  FUSIONAUTH_APPLICATION_ID: 'app-1',
  FUSIONAUTH_CLIENT_SECRET: 'secret-1',
  FUSIONAUTH_JWT_HMAC_SECRET: 'hmac-1',
  FUSIONAUTH_ISSUER: 'acme.com',
  FUSIONAUTH_PUBLIC_URL: 'http://auth.example.test',
  FUSIONAUTH_REFRESH_ENDPOINT: '',
  SESSION_TTL_SECONDS: '2',
};
const lines: string[] = [];
const opts = { configDir: fixtures, log: (l: string) => lines.push(l) };

after(async () => {
  await stopAll();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const gone = pidGone;

async function getJson(t: StartedTarget, p: string): Promise<any> {
  const res = await fetch(t.origin + p);
  assert.equal(res.status, 200);
  return res.json();
}

async function expectKitError(p: Promise<unknown>): Promise<KitError> {
  try {
    const t = (await p) as StartedTarget;
    await t.stop();
  } catch (e) {
    assert.ok(e instanceof KitError, `expected KitError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a KitError');
}

test('the env contract, envMap aliases and ${NAME} substitution reach the process', async () => {
  const t = await startTarget(
    'store',
    {
      command: node('env-echo.js'),
      env: { CALLBACK_URL: 'http://${PUBLIC_HOST}:${PORT}/oauth-redirect', FA: '${FA_BASE}/oauth2/token', LITERAL: 'a$${PORT}b' },
      ready: { path: '/env' },
    },
    contract,
    { ...opts, envMap: { FA_BASE: 'FUSIONAUTH_URL', APP_ID: 'FUSIONAUTH_APPLICATION_ID' } },
  );
  try {
    assert.equal(t.origin, `http://127.0.0.1:${t.port}`);
    assert.equal(t.host, 'store.example.test');
    const { env, pid } = await getJson(t, '/env');
    assert.equal(pid, t.pid);
    for (const [k, v] of Object.entries(contract)) assert.equal(env[k], v, k);
    assert.equal(env.PORT, String(t.port));
    assert.equal(env.HOST, '127.0.0.1');
    assert.equal(env.PUBLIC_HOST, 'store.example.test');
    assert.equal(env.SESSION_TTL_SECONDS, '2');
    for (const k of ['FUSIONAUTH_URL', 'FUSIONAUTH_API_KEY', 'FUSIONAUTH_APPLICATION_ID', 'FUSIONAUTH_CLIENT_SECRET', 'FUSIONAUTH_JWT_HMAC_SECRET', 'FUSIONAUTH_ISSUER', 'FUSIONAUTH_PUBLIC_URL', 'FUSIONAUTH_REFRESH_ENDPOINT', 'PORT', 'HOST', 'PUBLIC_HOST', 'SESSION_TTL_SECONDS']) assert.ok(k in env, `${k} is set`);
    assert.equal(env.FA_BASE, 'http://127.0.0.1:9011');
    assert.equal(env.APP_ID, 'app-1');
    assert.equal(env.CALLBACK_URL, `http://store.example.test:${t.port}/oauth-redirect`);
    assert.equal(env.FA, 'http://127.0.0.1:9011/oauth2/token');
    assert.equal(env.LITERAL, 'a${PORT}b');
    assert.ok(env.PATH, 'the ordinary environment is inherited');
    assert.match(t.output(), /listening on/);
    assert.equal(t.exited(), undefined);
  } finally {
    await t.stop();
  }
  assert.ok(t.exited(), 'exit status recorded after stop');
  assert.ok(lines.some((l) => l.startsWith('[store] ') && l.includes('listening on')), 'output lines reach the log');
});

test('contract variables in the kit\'s own environment do not leak; SESSION_TTL_SECONDS defaults to 2', async () => {
  process.env.FUSIONAUTH_JWT_HMAC_SECRET = 'stale-from-the-kit';
  process.env.SESSION_TTL_SECONDS = '999';
  try {
    const { FUSIONAUTH_JWT_HMAC_SECRET: _h, SESSION_TTL_SECONDS: _s, ...partial } = contract;
    const t = await startTarget('store', { command: node('env-echo.js') }, partial, opts);
    try {
      const { env } = await getJson(t, '/env');
      assert.equal(env.FUSIONAUTH_JWT_HMAC_SECRET, undefined);
      assert.equal(env.SESSION_TTL_SECONDS, '2');
    } finally {
      await t.stop();
    }
  } finally {
    delete process.env.FUSIONAUTH_JWT_HMAC_SECRET;
    delete process.env.SESSION_TTL_SECONDS;
  }
});

test('an unknown ${NAME} in env is a KitError naming the field', async () => {
  const e = await expectKitError(startTarget('forums', { command: node('env-echo.js'), env: { X: '${FUSIONAUTH_URI}' } }, contract, opts));
  assert.match(e.message, /forums\.env\.X/);
  assert.match(e.message, /FUSIONAUTH_URI/);
});

test('readiness waits for the first HTTP answer, then the backend works', async () => {
  const started = Date.now();
  const t = await startTarget('forums', { command: node('env-echo.js'), env: { DELAY_MS: '700' }, ready: { intervalMs: 50 } }, contract, opts);
  try {
    assert.ok(Date.now() - started >= 650, `waited ${Date.now() - started} ms`);
    assert.equal(t.host, 'forums.example.test');
    const { env } = await getJson(t, '/env');
    assert.equal(env.PUBLIC_HOST, 'forums.example.test');
  } finally {
    await t.stop();
  }
});

test('a backend that never listens is a KitError within the bound, with its output', async () => {
  const started = Date.now();
  const e = await expectKitError(startTarget('store', { command: node('never-listen.js'), ready: { timeoutMs: 800 } }, contract, opts));
  const took = Date.now() - started;
  assert.ok(took < 800 + 2500, `gave up after ${took} ms`);
  assert.match(e.message, /store backend did not become ready within 800 ms/);
  assert.match(e.message, /port \d+/);
  assert.match(e.message, /never-listen\.js/);
  assert.match(e.message, /still starting, please wait/);
  const port = Number(/port (\d+)/.exec(e.message)![1]);
  assert.equal(await portAnswers(port), false);
});

test('a backend that exits first is a KitError with its exit code and last words', async () => {
  const started = Date.now();
  const e = await expectKitError(startTarget('store', { command: node('exit3.js') }, contract, opts));
  assert.ok(Date.now() - started < 5000, 'does not wait for the readiness bound');
  assert.match(e.message, /^store backend exited with code 3 before it was ready/);
  assert.match(e.message, /boom: FUSIONAUTH_SOMETHING is not configured/);
  assert.match(e.message, /starting up/);
});

test('a command that does not exist is a KitError', async () => {
  const e = await expectKitError(startTarget('store', { command: ['loginflow-no-such-command-xyz'] }, contract, opts));
  assert.match(e.message, /command not found: loginflow-no-such-command-xyz/);
});

test('a missing cwd is a KitError', async () => {
  const e = await expectKitError(startTarget('store', { command: node('env-echo.js'), cwd: 'no/such/dir' }, contract, opts));
  assert.match(e.message, /working directory .*no\/such\/dir does not exist/);
});

test('cwd is relative to the config directory, and a string command runs via /bin/sh', async () => {
  const t = await startTarget('store', { command: 'exec node ./env-echo.js', cwd: '.', ready: { path: '/env' } }, contract, { configDir: fixtures });
  try {
    const { cwd } = await getJson(t, '/env');
    assert.equal(cwd, fixtures);
  } finally {
    await t.stop();
  }
  assert.ok(gone(t.pid!));
});

test('a port already taken by somebody else is reported', async () => {
  const srv = http.createServer((_req, res) => res.end('not yours'));
  const port = await freePort();
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  try {
    const e = await expectKitError(startTarget('store', { command: node('env-echo.js') }, contract, { ...opts, port }));
    assert.match(e.message, new RegExp(`port ${port} is already taken`));
    if (process.platform === 'linux') assert.match(e.message, new RegExp(`pid ${process.pid} \\(the kit itself\\)`));
  } finally {
    srv.close();
  }
});

test('a backend exiting with EADDRINUSE says the address is in use', async () => {
  const blocker = net.createServer();
  const other = await freePort();
  await new Promise<void>((r) => blocker.listen(other, '127.0.0.1', r));
  try {
    const e = await expectKitError(startTarget('forums', { command: node('listen-other.js'), env: { OTHER_PORT: String(other) } }, contract, opts));
    assert.match(e.message, /forums backend exited with code 1 before it was ready/);
    assert.match(e.message, /already in use/);
    assert.match(e.message, /EADDRINUSE/);
  } finally {
    blocker.close();
  }
});

test('a kit-picked port taken by another process before the backend binds it: started again on another port; a port the caller chose is not changed', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const mark = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-race-')), 'first-port');
  const log: string[] = [];
  const t = await startTarget('store', { command: node('port-taken-once.js'), env: { MARK_FILE: mark } }, contract, { ...opts, log: (l: string) => log.push(l) });
  try {
    const first = Number(fs.readFileSync(mark, 'utf8'));
    assert.notEqual(t.port, first, 'the second start got another port');
    assert.ok(await portAnswers(t.port));
    assert.ok(log.some((l) => /\[store\] another process took its port before it could listen; starting it again on another port \(attempt 2 of 3\)/.test(l)), log.join('\n'));
  } finally {
    await t.stop();
  }
  fs.rmSync(mark);
  const port = await freePort();
  const e = await expectKitError(startTarget('store', { command: node('port-taken-once.js'), env: { MARK_FILE: mark } }, contract, { ...opts, port }));
  assert.match(e.message, new RegExp(`store backend exited with code 1 before it was ready \\(its output says the address is already in use: port ${port} is held by`));
});

test('stop() kills the whole group, grandchild included', async () => {
  const t = await startTarget('store', { command: node('forker.js') }, contract, opts);
  const { grandchild, parent } = (await getJson(t, '/pids')) as { grandchild: number; parent: number };
  assert.equal(parent, t.pid);
  assert.ok(alive(grandchild) && alive(parent));
  await t.stop();
  assert.ok(gone(parent), 'parent gone');
  assert.ok(gone(grandchild), 'grandchild gone');
  assert.equal(groupAlive(t.pid!), false);
  assert.equal(await portAnswers(t.port), false, 'port no longer accepts connections');
  assert.deepEqual(t.exited(), { code: null, signal: 'SIGTERM' });
  await t.stop(); // idempotent
});

test('stop() SIGKILLs a child that ignores SIGTERM after stopTimeoutMs', async () => {
  const t = await startTarget('store', { command: node('ignore-term.js'), stopTimeoutMs: 400 }, contract, opts);
  const started = Date.now();
  await t.stop();
  const took = Date.now() - started;
  assert.ok(took >= 380 && took < 3000, `stop took ${took} ms`);
  assert.ok(gone(t.pid!));
  assert.equal(t.exited()?.signal, 'SIGKILL');
  assert.match(t.output(), /SIGTERM received and ignored/);
  assert.equal(await portAnswers(t.port), false);
});

test('a SIGTERM-ignoring grandchild is SIGKILLed too', async () => {
  const t = await startTarget('store', { command: node('forker.js'), env: { IGNORE_TERM: '1' }, stopTimeoutMs: 300 }, contract, opts);
  const { grandchild } = await getJson(t, '/pids');
  await t.stop();
  assert.ok(gone(grandchild), 'grandchild gone');
  assert.ok(gone(t.pid!), 'parent gone');
  assert.equal(await portAnswers(t.port), false);
});

test('stopAll() stops every started target', async () => {
  const cfg: TargetConfig = { command: node('forker.js') };
  const a = await startTarget('store', cfg, contract, opts);
  const b = await startTarget('forums', cfg, contract, opts);
  const pa = await getJson(a, '/pids');
  const pb = await getJson(b, '/pids');
  await stopAll();
  for (const pid of [pa.grandchild, pa.parent, pb.grandchild, pb.parent]) assert.ok(gone(pid), `${pid} gone`);
});

test('url targets are only checked for readiness', async () => {
  const srv = http.createServer((_req, res) => res.end('hi'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  try {
    const t = await startTarget('store', { url: `http://127.0.0.1:${port}/` }, contract, opts);
    assert.equal(t.origin, `http://127.0.0.1:${port}`);
    assert.equal(t.port, port);
    assert.equal(t.pid, undefined);
    await t.stop();
    assert.equal(await portAnswers(port), true, 'a url target is never stopped');
  } finally {
    srv.close();
  }
  const dead = await freePort();
  const started = Date.now();
  const e = await expectKitError(startTarget('forums', { url: `http://127.0.0.1:${dead}`, ready: { timeoutMs: 500 } }, contract, opts));
  assert.ok(Date.now() - started < 3000);
  assert.match(e.message, /forums backend at http:\/\/127\.0\.0\.1:\d+ .* did not answer .* within 500 ms/);
});

test('output() keeps only the last 16 KiB', async () => {
  const t = await startTarget(
    'store',
    { command: ['/bin/sh', '-c', `i=0; while [ $i -lt 800 ]; do echo "line $i ................................"; i=$((i+1)); done; exec "${process.execPath}" env-echo.js`] },
    contract,
    { configDir: fixtures },
  );
  try {
    const out = t.output();
    assert.ok(out.length <= 16 * 1024 && out.length > 8 * 1024, `kept ${out.length}`);
    assert.match(out, /line 799/);
    assert.doesNotMatch(out, /line 1 \./);
  } finally {
    await t.stop();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChromiumActor, liveBrowsers } from '../../harness/browser/chromium';
import { chromium } from '../prerequisites';
import { FusionAuthDouble } from '../../harness/fusionauth';
import { Journal, header, headerAll } from '../../harness/trace';
import { startServer, type TestServer } from './servers';

const skip = chromium.skip('the ChromiumActor tests (journal, storage, cookies, cleanup)');

const STORE_APP_ID = '3c219e58-ed0e-4b18-ad48-f4f92793ae32';

/** The SPA: a login form whose script logs in straight at FusionAuth, keeps the JWT in localStorage, calls the app's API with it. */
const SPA = `<!doctype html>
<html><head><meta charset="utf-8"><title>Store SPA</title></head>
<body>
<h1>Store</h1>
<div id="status">signed out</div>
<form id="login">
  <label>Email <input type="email" name="email" id="email"></label>
  <label>Password <input type="password" name="password" id="password"></label>
  <button type="submit">Log in</button>
</form>
<button id="refresh" type="button">refresh</button>
<script>
const status = document.getElementById('status');
document.getElementById('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    const r = await fetch('http://auth.example.test/api/login', {
      method: 'POST', credentials: 'include',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ loginId: document.getElementById('email').value, password: document.getElementById('password').value, applicationId: '${STORE_APP_ID}' }),
    });
    if (r.status !== 200) { status.textContent = 'login failed ' + r.status; return; }
    const j = await r.json();
    localStorage.setItem('jwt', j.token);
    const d = await fetch('/api/data', { headers: { Authorization: 'Bearer ' + j.token } });
    const data = await d.json();
    status.textContent = 'Welcome ' + data.email;
  } catch (e) { status.textContent = 'error ' + e; }
});
document.getElementById('refresh').addEventListener('click', async () => {
  const r = await fetch('http://auth.example.test/api/jwt/refresh', { method: 'POST', credentials: 'include' });
  status.textContent = 'refreshed ' + r.status;
});
</script>
</body></html>`;

function storeHandler(r: { method: string; url: string; headers: Record<string, string | string[] | undefined> }, res: import('node:http').ServerResponse) {
  if (r.url === '/') {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    return res.end(SPA);
  }
  if (r.url === '/api/data') {
    const auth = String(r.headers['authorization'] ?? '');
    if (!auth.startsWith('Bearer ey')) {
      res.statusCode = 401;
      return res.end('{}');
    }
    const payload = JSON.parse(Buffer.from(auth.slice(7).split('.')[1], 'base64url').toString());
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify({ email: payload.email }));
  }
  if (r.url === '/secure-cookie') {
    res.setHeader('set-cookie', ['sec=1; Path=/; Secure; HttpOnly; SameSite=Lax', '__Host-h=2; Path=/; Secure']);
    res.setHeader('content-type', 'text/html');
    return res.end('<p>set</p>');
  }
  if (r.url === '/echo-cookie') {
    res.setHeader('content-type', 'text/plain');
    return res.end('cookie: ' + (r.headers['cookie'] ?? ''));
  }
  res.statusCode = 404;
  res.end('not found');
}

function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', '--', pattern], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0 && n !== process.pid);
  } catch {
    return [];
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

test('SPA in a real Chromium: every call it makes is journalled, localStorage and cookies are readable', { skip, timeout: 30_000 }, async (t) => {
  chromium.require();
  const journal = new Journal();
  // FusionAuth refuses CORS until configured: grant the store's origin, as an operator would for a SPA.
  const double = await FusionAuthDouble.start({ requireApiKey: false, journal, cors: { allowedOrigins: ['http://store.example.test'], allowCredentials: true } });
  const relay = await double.relay('Browser');
  const store: TestServer = await startServer(storeHandler);
  const t0 = Date.now();
  const browser = await ChromiumActor.launch({
    hosts: { 'store.example.test': store.origin, 'auth.example.test': relay.url },
    participants: { 'store.example.test': 'Store', 'auth.example.test': 'FusionAuth' },
    unrecordedHosts: ['auth.example.test'],
    journal,
    timeoutMs: 8000,
  });
  t.diagnostic(`launch ${Date.now() - t0}ms`);
  t.after(async () => {
    await browser.close();
    await double.close();
    await store.close();
  });

  journal.exercise([1], 'load');
  await browser.goto('http://store.example.test/');
  assert.equal(await browser.waitForText('signed out', 2000), true);
  const load = journal.all().find((e) => e.request.path === '/');
  assert.ok(load, 'Browser→Store GET / journalled');
  assert.equal(load.from, 'Browser');
  assert.equal(load.to, 'Store');
  assert.equal(load.request.method, 'GET');
  assert.equal(load.request.host, 'store.example.test');
  assert.match(String(header(load.request.headers, 'user-agent')), /Chrom/);
  assert.equal(load.response?.status, 200);

  journal.exercise([5, 6, 7], 'login');
  const t1 = Date.now();
  await browser.fillAndSubmitLogin({ loginId: 'alice@example.com', password: 'password' });
  assert.equal(await browser.waitForText('Welcome alice@example.com', 5000), true, `page says: ${await browser.text()}\nconsole: ${browser.console.join('\n')}`);
  t.diagnostic(`login ${Date.now() - t1}ms`);

  const login = journal.all().filter((e) => e.request.path === '/api/login');
  const post = login.find((e) => e.request.method === 'POST');
  assert.ok(post, `Browser→FusionAuth POST /api/login journalled by the double; journal: ${journal.all().map((e) => `${e.from}→${e.to} ${e.request.method} ${e.request.path}`).join(', ')}`);
  assert.equal(post.from, 'Browser');
  assert.equal(post.to, 'FusionAuth');
  assert.deepEqual(post.steps, [5, 6, 7]);
  assert.equal(header(post.request.headers, 'origin'), 'http://store.example.test');
  assert.equal(JSON.parse(post.request.body ?? '{}').loginId, 'alice@example.com');
  assert.equal(post.response?.status, 200);
  const preflight = login.find((e) => e.request.method === 'OPTIONS');
  assert.ok(preflight, 'the JSON POST is preflighted (CORS), and the double answers the preflight');
  assert.ok(preflight.seq < post.seq);

  const data = journal.all().find((e) => e.request.path === '/api/data');
  assert.ok(data, 'Browser→Store GET /api/data journalled');
  assert.equal(data.from, 'Browser');
  assert.equal(data.to, 'Store');
  assert.match(String(header(data.request.headers, 'authorization')), /^Bearer eyJ/);
  assert.ok(data.seq > post.seq);
  assert.equal(journal.all().filter((e) => e.to === 'FusionAuth' && e.from !== 'Browser').length, 0);

  const token = JSON.parse(post.response?.body ?? '{}').token as string;
  assert.deepEqual(await browser.localStorage('http://store.example.test'), { jwt: token });
  assert.deepEqual(await browser.localStorage('http://forums.example.test'), {}, 'another origin has its own storage (and reading it made no request)');

  // FusionAuth's cookies: host-only on auth.example.test, HttpOnly, SameSite=Lax, not Secure.
  const authCookies = await browser.cookies('http://auth.example.test/api/jwt/refresh');
  const rt = authCookies.find((c) => c.name === 'refresh_token');
  assert.ok(rt, `refresh_token in Chromium's jar; have ${authCookies.map((c) => c.name).join(', ')}`);
  assert.equal(rt.domain, 'auth.example.test');
  assert.equal(rt.httpOnly, true);
  assert.equal(rt.sameSite, 'Lax');
  assert.equal(JSON.parse(post.response?.body ?? '{}').refreshToken, rt.value);
  assert.deepEqual(await browser.cookies('http://store.example.test/'), [], 'the store origin got none of them');

  // The page's later credentialed fetch sends the cookie back (same-site: store and auth share example.test).
  journal.exercise([20], 'refresh');
  const before = journal.lastSeq;
  await browser.page.click('#refresh');
  assert.equal(await browser.waitForText('refreshed 200', 5000), true, `page says: ${await browser.text()}\nconsole: ${browser.console.join('\n')}`);
  const refresh = journal.since(before).find((e) => e.request.path === '/api/jwt/refresh' && e.request.method === 'POST');
  assert.ok(refresh);
  assert.match(String(header(refresh.request.headers, 'cookie')), new RegExp(`refresh_token=${rt.value}`));
  assert.equal(refresh.response?.status, 200);

  // localStorage written from the kit is what the page's script sees.
  await browser.setLocalStorage('http://store.example.test', 'jwt', 'tampered');
  assert.equal(await browser.page.evaluate(() => localStorage.getItem('jwt')), 'tampered');
  await browser.setLocalStorage('http://store.example.test', 'jwt', null);
  assert.deepEqual(await browser.localStorage('http://store.example.test'), {});
  await browser.setLocalStorage('http://forums.example.test', 'k', 'v');
  assert.deepEqual(await browser.localStorage('http://forums.example.test'), { k: 'v' });

  // The logical http origins are secure contexts, so Secure cookies are stored and sent as on
  // https. Cookie *prefixes* are the exception: Chromium still wants a cryptographic scheme
  // for __Host-/__Secure- (seen with Chromium 156), so such cookies are dropped in browser mode.
  assert.equal(await browser.page.evaluate(() => window.isSecureContext), true);
  await browser.goto('http://store.example.test/secure-cookie');
  const storeCookies = await browser.cookies('http://store.example.test/');
  assert.deepEqual(storeCookies.map((c) => [c.name, c.secure, c.httpOnly]), [['sec', true, true]]);
  await browser.goto('http://store.example.test/echo-cookie');
  assert.match(await browser.text(), /sec=1/);
  assert.doesNotMatch(await browser.text(), /__Host-h/, 'if this fails Chromium now accepts prefixed cookies on trusted http origins: update the limitation in chromium.ts');

  await browser.reload();
  assert.equal(journal.all().filter((e) => e.request.path === '/echo-cookie').length, 2);

  const png = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-shot-')), 'page.png');
  await browser.screenshot(png);
  const head = fs.readFileSync(png).subarray(0, 8);
  assert.deepEqual([...head], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  fs.rmSync(path.dirname(png), { recursive: true, force: true });

  // Nothing else: every exchange is Browser→Store or Browser→FusionAuth on the mapped hosts.
  for (const e of journal.all()) {
    assert.equal(e.from, 'Browser');
    assert.ok(['Store', 'FusionAuth'].includes(e.to), `unexpected exchange ${e.to} ${e.request.method} ${e.request.path} ${e.error ?? ''}`);
  }
  assert.deepEqual(headerAll(post.response?.headers, 'access-control-allow-credentials'), ['true']);
  t.diagnostic(`Chromium's own requests refused and kept out of the journal: ${browser.backgroundRequests().join(', ') || '(none)'}`);
});

test('waitForText gives up with false, unknown hosts reach nobody, close() leaves no Chromium', { skip, timeout: 30_000 }, async () => {
  chromium.require();
  const journal = new Journal();
  const store = await startServer(storeHandler);
  const browser = await ChromiumActor.launch({ hosts: { 'store.example.test': store.origin }, participants: { 'store.example.test': 'Store' }, journal, timeoutMs: 5000 });
  try {
    assert.ok(pgrep(browser.marker.slice(2)).length > 0, 'the browser runs with its marker switch');
    assert.ok(browser.processIds.length > 0);
    await browser.goto('http://store.example.test/');
    const t0 = Date.now();
    assert.equal(await browser.waitForText('never there', 600), false);
    assert.ok(Date.now() - t0 < 2000);

    // A page asking for a host that is not mapped, or a loopback address directly: both go to the proxy and stop there.
    const outcome = await browser.page.evaluate(async () => {
      const tries = ['http://example.com/x', 'http://127.0.0.1:47011/y'];
      const out: string[] = [];
      for (const u of tries) {
        try {
          const r = await fetch(u, { mode: 'no-cors' });
          out.push(`${u} ${r.type}`);
        } catch (e) {
          out.push(`${u} failed`);
        }
      }
      return out;
    });
    assert.equal(outcome.length, 2);
    await until(() => journal.all().filter((e) => e.error).length >= 2, 3000);
    const errors = journal.all().filter((e) => e.error);
    assert.deepEqual(errors.map((e) => e.request.host).sort(), ['127.0.0.1:47011', 'example.com'], `journal: ${journal.all().map((e) => `${e.request.method} ${e.request.host}${e.request.path}`).join(', ')}`);
    for (const e of errors) assert.match(e.error ?? '', /no origin mapped/);
  } finally {
    await browser.close();
    await store.close();
  }
  await browser.close(); // idempotent
  assert.ok(await until(() => pgrep(browser.marker.slice(2)).length === 0, 5000), 'no process with the marker left');
  for (const pid of browser.processIds) {
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    assert.equal(alive, false, `browser pid ${pid} is gone`);
  }
});

test('one Chromium per run: two actors are two contexts of one browser, each journalling its own traffic; the last close() ends it', { skip, timeout: 30_000 }, async () => {
  chromium.require();
  const store = await startServer(storeHandler);
  const net = { hosts: { 'store.example.test': store.origin }, participants: { 'store.example.test': 'Store' }, timeoutMs: 5000 };
  const [ja, jb] = [new Journal(), new Journal()];
  const before = liveBrowsers();
  const [a, b] = await Promise.all([ChromiumActor.launch({ ...net, journal: ja }), ChromiumActor.launch({ ...net, name: 'Browser:bob', journal: jb })]);
  try {
    assert.equal(a.marker, b.marker, 'the same browser process');
    assert.equal(liveBrowsers(), before + 1, 'one launch for both actors');
    await Promise.all([a.goto('http://store.example.test/'), b.goto('http://store.example.test/')]);
    // Each context has its own proxy, so each scenario's journal holds its own page loads only
    // (and, depending on timing, the page's favicon).
    const loads = (j: Journal) => j.all().filter((e) => e.request.path !== '/favicon.ico').map((e) => `${e.from} ${e.request.method} ${e.request.path}`);
    assert.deepEqual(loads(ja), ['Browser GET /']);
    assert.deepEqual(loads(jb), ['Browser:bob GET /']);
    // Profiles do not share storage.
    await a.setLocalStorage('http://store.example.test', 'jwt', 'a');
    assert.deepEqual(await b.localStorage('http://store.example.test'), {});
    // A new scenario: a fresh context, the browser stays.
    await a.newSession(ja);
    assert.deepEqual(await a.localStorage('http://store.example.test'), {});
    await a.close();
    assert.ok(pgrep(b.marker.slice(2)).length > 0, 'the browser outlives the first actor');
    await b.goto('http://store.example.test/');
    assert.deepEqual(loads(jb), ['Browser:bob GET /', 'Browser:bob GET /']);
  } finally {
    await a.close();
    await b.close();
    await store.close();
  }
  assert.equal(liveBrowsers(), before);
  assert.ok(await until(() => pgrep(a.marker.slice(2)).length === 0, 5000), 'no process with the marker left');
});

test('the page clock follows the world clock from scenario to scenario: at its time in a fresh context, moved when it jumps', { skip, timeout: 30_000 }, async () => {
  chromium.require();
  const store = await startServer(storeHandler);
  const journal = new Journal();
  const a = await ChromiumActor.launch({ hosts: { 'store.example.test': store.origin }, participants: { 'store.example.test': 'Store' }, journal, timeoutMs: 5000 });
  try {
    const pageNow = async () => {
      await a.goto('http://store.example.test/');
      return a.page.evaluate(() => Date.now());
    };
    const day = 86_400_000;
    // The world a day ahead of real time: the first clocked context starts there.
    await a.newSession(journal, { clock: Date.now() + day });
    let skew = (await pageNow()) - Date.now();
    assert.ok(Math.abs(skew - day) < 5000, `page clock a day ahead, not ${skew} ms`);
    // The world jumps an hour further within the scenario: the page follows.
    await a.setClock(Date.now() + day + 3_600_000);
    skew = (await pageNow()) - Date.now();
    assert.ok(Math.abs(skew - day - 3_600_000) < 5000, `page clock moved with the world, not ${skew} ms`);
    // Next scenarios: the spare context was made before the jump, so it is set to the world's time;
    // then one with no jump in between keeps running on the same offset.
    for (const what of ['after a jump', 'without a jump']) {
      await a.newSession(journal, { clock: Date.now() + day + 3_600_000 });
      skew = (await pageNow()) - Date.now();
      assert.ok(Math.abs(skew - day - 3_600_000) < 5000, `fresh context ${what}: page clock at the world's time, not ${skew} ms off real time`);
    }
  } finally {
    await a.close();
    await store.close();
  }
});

test('a process that exits without close() takes its Chromium with it', { skip, timeout: 30_000 }, async () => {
  chromium.require();
  const store = await startServer(storeHandler);
  try {
    const script = `
      const { ChromiumActor } = require(${JSON.stringify(path.join(__dirname, '../../harness/browser/chromium'))});
      ChromiumActor.launch({ hosts: { 'store.example.test': ${JSON.stringify(store.origin)} }, timeoutMs: 5000 })
        .then(async (b) => { await b.goto('http://store.example.test/'); console.log(b.marker.slice(2)); process.exit(0); })
        .catch((e) => { console.error(e); process.exit(3); });`;
    // Asynchronously: the store server answering the child lives in this process.
    const { execFile } = await import('node:child_process');
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['-r', 'ts-node/register', '-e', script],
        { cwd: path.join(__dirname, '../..'), env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' }, encoding: 'utf8', timeout: 25_000 },
        (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(r.status, 0, r.stderr);
    const marker = r.stdout.trim().split('\n').pop() ?? '';
    assert.match(marker, /^loginflow-actor=[0-9a-f]{16}$/);
    assert.ok(await until(() => pgrep(marker).length === 0, 5000), `Chromium processes left behind: ${pgrep(marker).join(', ')}`);
  } finally {
    await store.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import zlib from 'node:zlib';
import { Agent, ProxyAgent, request } from 'undici';
import { startRecordingProxy } from '../../harness/browser/proxy';
import { Journal, header, headerAll } from '../../harness/trace';
import { startServer } from './servers';

/** One raw request through the proxy with an absolute URI, as a browser configured with it sends. */
async function viaProxy(proxyUrl: string, method: string, url: string, o: { headers?: Record<string, string>; body?: string } = {}) {
  // ProxyAgent tunnels (CONNECT) even for http targets; a browser with an http proxy sends
  // absolute-form requests instead, so send those directly to the proxy's socket.
  const agent = new Agent({ connect: { timeout: 5000 } });
  try {
    const res = await request(proxyUrl + '/', {
      method: method as 'GET',
      headers: { ...(o.headers ?? {}) },
      body: o.body,
      dispatcher: agent.compose((dispatch) => (opts, handler) => dispatch({ ...opts, path: url, headers: { ...(opts.headers as Record<string, string>), host: new URL(url).host } }, handler)),
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  } finally {
    await agent.close();
  }
}

test('forwards absolute-URI requests to the mapped origin with the logical Host and journals them', async (t) => {
  const store = await startServer((r, res) => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('set-cookie', ['a=1; Path=/; HttpOnly', 'b=2; Path=/']);
    res.end(JSON.stringify({ method: r.method, url: r.url, host: r.headers.host, cookie: r.headers.cookie ?? null, body: r.body }));
  });
  const journal = new Journal();
  journal.exercise([3], 'proxy');
  const proxy = await startRecordingProxy({ name: 'Browser', hosts: { 'store.example.test': store.origin }, participants: { 'store.example.test': 'Store' }, journal });
  t.after(async () => {
    await proxy.close();
    await store.close();
  });

  const got = await viaProxy(proxy.url, 'POST', 'http://store.example.test/login?next=%2Fcart', {
    headers: { cookie: 'sid=abc', 'content-type': 'application/x-www-form-urlencoded', 'proxy-connection': 'keep-alive' },
    body: 'email=richard%40example.com&password=x',
  });
  assert.equal(got.status, 200);
  const echoed = JSON.parse(got.text);
  assert.deepEqual(echoed, { method: 'POST', url: '/login?next=%2Fcart', host: 'store.example.test', cookie: 'sid=abc', body: 'email=richard%40example.com&password=x' });
  assert.deepEqual(headerAll(got.headers as Record<string, string | string[]>, 'set-cookie'), ['a=1; Path=/; HttpOnly', 'b=2; Path=/']);
  assert.equal(store.seen[0].headers['proxy-connection'], undefined, 'hop-by-hop proxy headers are not forwarded');

  const [ex] = journal.all();
  assert.equal(journal.all().length, 1);
  assert.equal(ex.from, 'Browser');
  assert.equal(ex.to, 'Store');
  assert.deepEqual(ex.steps, [3]);
  assert.equal(ex.phase, 'proxy');
  assert.equal(ex.request.method, 'POST');
  assert.equal(ex.request.host, 'store.example.test');
  assert.equal(ex.request.path, '/login?next=%2Fcart');
  assert.equal(header(ex.request.headers, 'cookie'), 'sid=abc');
  assert.equal(header(ex.request.headers, 'host'), 'store.example.test');
  assert.equal(ex.request.body, 'email=richard%40example.com&password=x');
  assert.equal(ex.response?.status, 200);
  assert.deepEqual(headerAll(ex.response?.headers, 'set-cookie'), ['a=1; Path=/; HttpOnly', 'b=2; Path=/']);
  assert.equal(JSON.parse(ex.response?.body ?? '{}').host, 'store.example.test');
  assert.equal(ex.error, undefined);
});

test('unknown hosts get a 502 recorded as an error; unrecorded hosts are forwarded but not journalled', async (t) => {
  const auth = await startServer((_r, res) => res.end('from auth'));
  const journal = new Journal();
  const proxy = await startRecordingProxy({
    name: 'Browser',
    hosts: { 'auth.example.test': auth.origin },
    participants: { 'auth.example.test': 'FusionAuth' },
    unrecordedHosts: ['auth.example.test'],
    journal: new Journal(),
  });
  proxy.useJournal(journal);
  t.after(async () => {
    await proxy.close();
    await auth.close();
  });

  const ok = await viaProxy(proxy.url, 'GET', 'http://auth.example.test/api/status');
  assert.equal(ok.status, 200);
  assert.equal(ok.text, 'from auth');
  assert.equal(auth.seen[0].headers.host, 'auth.example.test');
  assert.equal(journal.all().length, 0, 'the double journals FusionAuth calls itself');

  const bad = await viaProxy(proxy.url, 'GET', 'http://evil.example.com/steal?x=1');
  assert.equal(bad.status, 502);
  assert.match(bad.text, /no origin mapped for host "evil\.example\.com".*known hosts: auth\.example\.test/);
  const [ex] = journal.all();
  assert.equal(ex.from, 'Browser');
  assert.equal(ex.to, 'evil.example.com');
  assert.equal(ex.request.path, '/steal?x=1');
  assert.equal(ex.response, undefined);
  assert.match(ex.error ?? '', /no origin mapped/);
});

test('CONNECT is refused with 405 (everything is plain http)', async (t) => {
  const journal = new Journal();
  const proxy = await startRecordingProxy({ name: 'Browser', hosts: {}, journal });
  t.after(() => proxy.close());
  const reply = await new Promise<string>((resolve, reject) => {
    const s = net.connect(proxy.port, '127.0.0.1', () => s.write('CONNECT store.example.test:443 HTTP/1.1\r\nHost: store.example.test:443\r\n\r\n'));
    let out = '';
    s.setTimeout(5000, () => reject(new Error('no answer to CONNECT')));
    s.on('data', (c) => (out += c));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 405 /);
  assert.equal(journal.all()[0].request.method, 'CONNECT');
  assert.match(journal.all()[0].error ?? '', /CONNECT store\.example\.test:443 refused/);
  // undici's ProxyAgent always tunnels, so it gets the refusal too
  const pa = new ProxyAgent(proxy.url);
  await assert.rejects(request('http://store.example.test/', { dispatcher: pa }), /405|Proxy response/);
  await pa.close();
});

test('bodies: the recorded copy is capped while the browser still gets everything; big requests get 413; gzip is recorded decoded', async (t) => {
  const big = 'x'.repeat(300_000);
  const store = await startServer((r, res) => {
    if (r.url === '/big') {
      res.setHeader('content-type', 'text/plain');
      return res.end(big);
    }
    if (r.url === '/gz') {
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-encoding', 'gzip');
      return res.end(zlib.gzipSync(JSON.stringify({ ok: true })));
    }
    if (r.url === '/png') {
      res.setHeader('content-type', 'image/png');
      return res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]));
    }
    res.end(String(r.body.length));
  });
  const journal = new Journal();
  const proxy = await startRecordingProxy({ name: 'Browser', hosts: { 'store.example.test': store.origin }, journal, maxRecordedBytes: 1000, maxRequestBytes: 2000 });
  t.after(async () => {
    await proxy.close();
    await store.close();
  });

  const r1 = await viaProxy(proxy.url, 'GET', 'http://store.example.test/big');
  assert.equal(r1.text.length, big.length, 'the browser receives the whole body');
  const e1 = journal.all()[0];
  assert.equal(e1.response?.body?.length, 1000);
  assert.match(e1.note ?? '', /recorded up to 1000 of 300000 bytes/);

  const r2 = await viaProxy(proxy.url, 'POST', 'http://store.example.test/upload', { body: 'y'.repeat(5000), headers: { 'content-type': 'text/plain' } });
  assert.equal(r2.status, 413);
  assert.equal(store.seen.filter((s) => s.url === '/upload').length, 0, 'an over-size body is not forwarded');
  assert.match(journal.all()[1].error ?? '', /over 2000 bytes/);

  const r3 = await viaProxy(proxy.url, 'GET', 'http://store.example.test/gz', { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(r3.status, 200);
  assert.equal(journal.all()[2].response?.body, '{"ok":true}');

  await viaProxy(proxy.url, 'GET', 'http://store.example.test/png');
  assert.equal(journal.all()[3].response?.body, '[8 bytes of image/png]');
});

test('an upstream that never answers becomes a 504 within the timeout; a dead one a 502', async (t) => {
  const hang = net.createServer(() => {});
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  const hangPort = (hang.address() as net.AddressInfo).port;
  const dead = net.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadPort = (dead.address() as net.AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const journal = new Journal();
  const proxy = await startRecordingProxy({
    name: 'Browser',
    hosts: { 'store.example.test': `http://127.0.0.1:${hangPort}`, 'forums.example.test': `http://127.0.0.1:${deadPort}` },
    participants: { 'store.example.test': 'Store', 'forums.example.test': 'Forums' },
    journal,
    timeoutMs: 300,
  });
  t.after(async () => {
    await proxy.close();
    hang.close();
  });
  const t0 = Date.now();
  const r = await viaProxy(proxy.url, 'GET', 'http://store.example.test/');
  assert.equal(r.status, 504);
  assert.ok(Date.now() - t0 < 3000);
  assert.match(journal.all()[0].error ?? '', /did not answer within 300ms/);
  const d = await viaProxy(proxy.url, 'GET', 'http://forums.example.test/');
  assert.equal(d.status, 502);
  assert.equal(journal.all()[1].to, 'Forums');
  assert.match(journal.all()[1].error ?? '', /ECONNREFUSED/);
});

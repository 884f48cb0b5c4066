import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Actor, TransportError, UnknownHostError, closeBrowserAgent } from '../../harness/browser';
import { Journal } from '../../harness/trace';
import { startServer } from './servers';

after(() => closeBrowserAgent());

test('JSON and form bodies are encoded and recorded; response headers and status come back', async () => {
  const s = await startServer((req, res) => {
    res.statusCode = 201;
    res.setHeader('x-echo-type', String(req.headers['content-type']));
    res.end(req.body);
  });
  try {
    const j = new Journal();
    const b = new Actor({ name: 'Browser', journal: j, hosts: { 'store.example.test': s.origin }, participants: { 'store.example.test': 'Store' } });
    const r1 = await b.request('POST', 'http://store.example.test/api', { json: { a: [1, 'x'] } });
    assert.equal(r1.status, 201);
    assert.equal(r1.headers['x-echo-type'], 'application/json');
    assert.equal(r1.body, '{"a":[1,"x"]}');
    assert.equal(r1.exchange.response?.body, '{"a":[1,"x"]}');
    const r2 = await b.request('PUT', 'http://store.example.test/f', { form: { a: 'b c', d: '&' } });
    assert.equal(r2.headers['x-echo-type'], 'application/x-www-form-urlencoded');
    assert.equal(r2.body, 'a=b+c&d=%26');
    assert.equal(j.all()[1].request.body, 'a=b+c&d=%26');
    assert.equal(j.all()[1].request.method, 'PUT');
    const r3 = await b.request('POST', 'http://store.example.test/raw', { body: 'x=1', headers: { 'Content-Type': 'text/plain' } });
    assert.equal(r3.headers['x-echo-type'], 'text/plain');
    await assert.rejects(b.request('POST', 'http://store.example.test/', { json: {}, form: {} }), /only one of/);
  } finally {
    await s.close();
  }
});

test('a hanging server gives a TransportError within the bound, journalled with the error', async () => {
  const s = await startServer(() => {
    /* never answers */
  });
  const slowBody = await startServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('partial'); // headers arrive, body never ends
  });
  try {
    const j = new Journal();
    const b = new Actor({ name: 'Browser', journal: j, timeoutMs: 300, hosts: { 'store.example.test': s.origin, 'forums.example.test': slowBody.origin } });
    for (const url of ['http://store.example.test/hang', 'http://forums.example.test/slow']) {
      const t0 = Date.now();
      const err = await b.get(url).catch((e: unknown) => e);
      const took = Date.now() - t0;
      assert.ok(err instanceof TransportError, String(err));
      assert.ok(took >= 250 && took < 2000, `took ${took}ms`);
      assert.match(err.message, new RegExp(`^GET ${url.replace(/\./g, '\\.')} failed: `));
      assert.match(err.message, /TIMEOUT/);
      assert.equal(err.code.endsWith("TIMEOUT"), true);
    }
    assert.equal(j.all().length, 2);
    assert.ok(j.all().every((e) => e.response === undefined && /failed/.test(e.error ?? '')));
  } finally {
    await Promise.all([s.close(), slowBody.close()]);
  }
});

test('connection refused and unknown hosts give clear errors', async () => {
  const s = await startServer((_req, res) => res.end());
  const deadOrigin = s.origin;
  await s.close();
  const b = new Actor({ name: 'Hacker', hosts: { 'store.example.test': deadOrigin } });
  const err = await b.get('http://store.example.test/').catch((e: unknown) => e);
  assert.ok(err instanceof TransportError);
  assert.match(err.message, /^GET http:\/\/store\.example\.test\/ failed: ECONNREFUSED/);
  const u = await b.get('http://forums.example.test/').catch((e: unknown) => e);
  assert.ok(u instanceof UnknownHostError);
  assert.match(u.message, /"forums\.example\.test".*known hosts: store\.example\.test/);
});

test('bodies over maxBodyBytes are cut and flagged', async () => {
  const big = 'x'.repeat(200_000);
  const s = await startServer((_req, res) => res.end(big));
  try {
    const b = new Actor({ name: 'Browser', maxBodyBytes: 1000, hosts: { 'store.example.test': s.origin } });
    const r = await b.get('http://store.example.test/big');
    assert.equal(r.truncated, true);
    assert.equal(r.body.length, 1000);
    const small = await new Actor({ name: 'Browser', hosts: { 'store.example.test': s.origin } }).get('http://store.example.test/big');
    assert.equal(small.truncated, false);
    assert.equal(small.body.length, 200_000);
    // The actor still works after cutting a body off mid-stream.
    assert.equal((await b.get('http://store.example.test/again')).status, 200);
  } finally {
    await s.close();
  }
});

test('unrecordedHosts are not journalled but still return a synthetic exchange; useJournal swaps', async () => {
  const s = await startServer((_req, res) => res.end('ok'));
  try {
    const j1 = new Journal();
    const j2 = new Journal();
    j1.exercise([3]);
    const b = new Actor({
      name: 'Browser',
      journal: j1,
      hosts: { 'auth.example.test': s.origin, 'store.example.test': s.origin },
      participants: { 'auth.example.test': 'FusionAuth' },
      unrecordedHosts: ['auth.example.test'],
    });
    const r = await b.get('http://auth.example.test/x');
    assert.equal(j1.all().length, 0);
    assert.equal(r.exchange.seq, 0);
    assert.deepEqual(r.exchange.steps, [3]);
    assert.equal(r.exchange.to, 'FusionAuth');
    assert.equal(r.exchange.response?.status, 200);
    await b.get('http://store.example.test/');
    assert.equal(j1.all()[0].to, 'store.example.test', 'participant defaults to the host');
    b.useJournal(j2);
    await b.get('http://store.example.test/');
    assert.equal(j1.all().length, 1);
    assert.equal(j2.all().length, 1);
  } finally {
    await s.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { request } from 'undici';
import { FusionAuthDouble, SEEDED_DIRECTORY } from '../../harness/fusionauth';
import { main } from '../../harness/fusionauth/cli';
import { Journal } from '../../harness/trace';
import { call } from './helpers';

test('unknown endpoints answer an empty 404 and are journalled as unexpected, per caller; a FusionAuth API the double lacks is a kit gap', async () => {
  const d = await FusionAuthDouble.start();
  const hacker = await d.relay('Hacker');
  try {
    const j = new Journal();
    d.useJournal(j);
    const viaRelay = await call('relay', d, hacker.url, 'GET', '/api/no-such-api?email=alice@example.com');
    assert.equal(viaRelay.status, 404);
    assert.equal(viaRelay.text, '');
    const inProc = await call('in-process', d, undefined, 'DELETE', '/api/login', { headers: { 'x-loginflow-caller': 'Store' } });
    assert.equal(inProc.status, 404);
    const anon = await fetch(d.origin + '/whatever');
    assert.equal(anon.status, 404);
    const all = j.all();
    assert.deepEqual(all.map((e) => [e.from, e.request.method, e.request.path, e.response?.status, e.unexpected]), [
      ['Hacker', 'GET', '/api/no-such-api?email=alice@example.com', 404, true],
      ['Store', 'DELETE', '/api/login', 404, true],
      ['unknown', 'GET', '/whatever', 404, true],
    ]);
    assert.ok(all.every((e) => e.to === 'FusionAuth' && e.request.host === 'auth.example.test'));
    assert.ok(all.every((e) => !e.kitGap), 'unknown paths are not kit gaps');
    // A real FusionAuth API (in the OpenAPI paths) the double does not play: marked as the kit's gap.
    const gap = await call('relay', d, hacker.url, 'GET', '/api/application/3c219e58-ed0e-4b18-ad48-f4f92793ae32');
    assert.equal(gap.status, 501);
    const ex = j.all().at(-1)!;
    assert.match(ex.kitGap ?? '', /^the FusionAuth double does not implement GET \/api\/application\/3c219e58-ed0e-4b18-ad48-f4f92793ae32 \(a FusionAuth API: GET \/api\/application\/\{applicationId\}\); this is a gap in loginflow, not in your backend$/);
  } finally {
    await d.close();
  }
});

test('CORS: denied until configured (FusionAuth\'s default); configured, only the listed origins, methods and headers', async () => {
  const d = await FusionAuthDouble.start();
  const browser = await d.relay('Browser');
  const SPA = 'http://spa.example.test';
  const preflight = (origin: string, method = 'POST', headers = 'content-type') =>
    call('relay', d, browser.url, 'OPTIONS', '/api/jwt/refresh', { headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers } });
  try {
    // Default: CORS filter disabled. A preflight is refused, an answer carries no grant.
    const denied = await preflight(SPA);
    assert.equal(denied.status, 403);
    assert.equal(denied.headers['access-control-allow-origin'], undefined);
    const rt0 = d.issueRefreshToken('alice@example.com', 'store');
    const plain = await call('relay', d, browser.url, 'POST', '/api/jwt/refresh', { headers: { origin: SPA, cookie: `refresh_token=${rt0}` }, json: {} });
    assert.equal(plain.headers['access-control-allow-origin'], undefined, 'no CORS grant while CORS is disabled');

    d.setOptions({ cors: { allowedOrigins: [SPA], allowCredentials: true, allowedMethods: ['GET', 'POST', 'OPTIONS'], allowedHeaders: ['Accept', 'Content-Type'] } });
    const pre = await preflight(SPA);
    assert.equal(pre.status, 200);
    assert.equal(pre.headers['access-control-allow-origin'], SPA);
    assert.equal(pre.headers['access-control-allow-credentials'], 'true');
    assert.match(pre.headers['access-control-allow-methods'], /POST/);
    assert.match(pre.headers['access-control-allow-headers'], /Content-Type/i);
    // Another origin, a method or a header not listed: FusionAuth's CORS filter answers 403.
    assert.equal((await preflight('http://evil.example.net')).status, 403);
    assert.equal((await preflight(SPA, 'DELETE')).status, 403);
    const badHeader = await preflight(SPA, 'POST', 'content-type,x-client-version');
    assert.equal(badHeader.status, 403);
    assert.equal(badHeader.headers['access-control-allow-origin'], undefined);
    const evil = await call('relay', d, browser.url, 'POST', '/api/jwt/refresh', { headers: { origin: 'http://evil.example.net', cookie: `refresh_token=${rt0}` }, json: {} });
    assert.equal(evil.status, 403, 'an actual request from a foreign origin is refused, not processed');

    const rt = d.issueRefreshToken('alice@example.com', 'store');
    const r = await call('relay', d, browser.url, 'POST', '/api/jwt/refresh', { headers: { origin: SPA, cookie: `refresh_token=${rt}` }, json: {} });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], SPA);
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    const noOrigin = await call('relay', d, browser.url, 'GET', '/.well-known/jwks.json');
    assert.equal(noOrigin.headers['access-control-allow-origin'], undefined);
  } finally {
    await d.close();
  }
});

test('relay bounds the body (413), passes node http clients through, and close() stops relays and interceptors', async () => {
  const d = await FusionAuthDouble.start();
  const relay = await d.relay('Store');
  const big = await request(relay.url + '/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(1024 * 1024 + 10) });
  assert.equal(big.statusCode, 413);
  await big.body.dump();
  assert.equal(d.journal.all().length, 0, 'an oversized body never reaches the double');
  // node:http client straight at the nock origin (in-process path).
  const viaHttp = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(d.origin + '/api/login', { method: 'POST', headers: { 'content-type': 'application/json', authorization: SEEDED_DIRECTORY.apiKey, 'x-loginflow-caller': 'Forums' } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ loginId: 'bob@example.com', password: 'password', applicationId: SEEDED_DIRECTORY.applications.forums.id }));
  });
  assert.equal(viaHttp.status, 200);
  assert.equal(JSON.parse(viaHttp.body).user.email, 'bob@example.com');
  assert.equal(d.journal.all().at(-1)!.from, 'Forums');
  await d.close();
  await assert.rejects(request(relay.url + '/.well-known/jwks.json'), 'relay closed');
  await assert.rejects(fetch(d.origin + '/.well-known/jwks.json'), 'interceptors removed: the .invalid origin does not resolve');
});

test('two doubles in one process do not see each other', async () => {
  const a = await FusionAuthDouble.start();
  const b = await FusionAuthDouble.start({ publicHost: 'other.example.test' });
  try {
    assert.notEqual(a.origin, b.origin);
    const r = await call('in-process', a, undefined, 'POST', '/api/login', { json: { loginId: 'alice@example.com', password: 'password' }, headers: { authorization: SEEDED_DIRECTORY.apiKey } });
    assert.equal(r.status, 200);
    assert.equal(a.journal.all().length, 1);
    assert.equal(b.journal.all().length, 0);
    assert.equal(b.tokenRole(r.json().token), undefined);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('cli: prints the directory, a redacted line per call, stops cleanly; port in use → 2', async () => {
  const out: string[] = [];
  const err: string[] = [];
  let stop!: () => void;
  const until = new Promise<void>((r) => (stop = r));
  let ready!: (u: string) => void;
  const readyP = new Promise<string>((r) => (ready = r));
  const run = main(['--port', '0', '--refresh-token-policy', 'OneTimeUse'], { out: (l) => out.push(l), err: (l) => err.push(l), until, onReady: ({ url }) => ready(url) });
  const url = await readyP;
  const text = out.join('\n');
  assert.match(text, new RegExp(SEEDED_DIRECTORY.apiKey));
  assert.match(text, new RegExp(SEEDED_DIRECTORY.applications.store.id));
  assert.match(text, /locked@example\.com .*423/);
  assert.match(text, /refresh token policy OneTimeUse/);
  const r = await request(url + '/api/login', { method: 'POST', headers: { 'content-type': 'application/json', authorization: SEEDED_DIRECTORY.apiKey }, body: JSON.stringify({ loginId: 'alice@example.com', password: 'secret-pw' }) });
  assert.equal(r.statusCode, 404);
  await r.body.dump();
  const line = out.at(-1)!;
  assert.match(line, /client → FusionAuth POST \/api\/login/);
  assert.ok(!line.includes('secret-pw'), 'password redacted');

  // Same port while it is taken.
  const port = new URL(url).port;
  const err2: string[] = [];
  assert.equal(await main(['--port', port], { out: () => {}, err: (l) => err2.push(l), until: Promise.resolve() }), 2);
  assert.match(err2.join('\n'), /already in use/);
  assert.equal(await main(['--signing', 'ES256'], { out: () => {}, err: () => {}, until: Promise.resolve() }), 2);

  stop();
  assert.equal(await run, 0);
  assert.match(out.at(-1)!, /stopped/);
});

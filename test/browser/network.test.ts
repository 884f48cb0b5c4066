import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { Actor, closeBrowserAgent } from '../../harness/browser';
import { forwardedHeaders } from '../../harness/browser/network';
import { startRecordingProxy } from '../../harness/browser/proxy';
import { Journal, header } from '../../harness/trace';
import { startServer, type TestServer } from './servers';

/**
 * The kit plays the deployment's TLS terminator (harness/browser/network.ts): every request its
 * browser, or Chromium through its proxy, sends to a backend says `X-Forwarded-Proto: https` and
 * `X-Forwarded-Host`, never one to FusionAuth, and none at all when the config says `tls: false`
 * (the environment then lists no host). Asserted on what the servers received.
 */

after(() => closeBrowserAgent());

const STORE = 'store.example.test';
const AUTH = 'auth.example.test';
const echo = () => startServer((_r, res) => res.end('ok'));
const forwarded = (s: TestServer, i = 0) => [s.seen[i].headers['x-forwarded-proto'], s.seen[i].headers['x-forwarded-host']];

test('forwardedHeaders names https and the host for a fronted host (with or without its port), nothing for any other', () => {
  assert.deepEqual(forwardedHeaders([STORE], STORE), { 'x-forwarded-proto': 'https', 'x-forwarded-host': STORE });
  assert.deepEqual(forwardedHeaders([STORE], 'Store.Example.Test:8080'), { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'Store.Example.Test:8080' });
  assert.deepEqual(forwardedHeaders([STORE], AUTH, { origin: `http://${STORE}` }), {});
  assert.deepEqual(forwardedHeaders([], STORE, { origin: `http://${STORE}` }), {});
  assert.deepEqual(forwardedHeaders(undefined, STORE), {});
});

test('forwardedHeaders gives a fronted origin in Origin and Referer the https a browser on the deployment sends; any other goes as sent', () => {
  const fronted = [STORE, 'forums.example.test'];
  assert.deepEqual(forwardedHeaders(fronted, STORE, { origin: `http://${STORE}`, referer: `http://${STORE}/login?next=%2Fcart` }), {
    'x-forwarded-proto': 'https',
    'x-forwarded-host': STORE,
    origin: `https://${STORE}`,
    referer: `https://${STORE}/login?next=%2Fcart`,
  });
  // Another fronted app's page is https too; FusionAuth's hosted pages and opaque origins are not the kit's to change.
  assert.equal(forwardedHeaders(fronted, STORE, { origin: 'http://forums.example.test' }).origin, 'https://forums.example.test');
  assert.equal(forwardedHeaders(fronted, STORE, { origin: `http://${AUTH}`, referer: `http://${AUTH}/oauth2/authorize` }).origin, undefined);
  assert.equal(forwardedHeaders(fronted, STORE, { origin: 'null' }).origin, undefined);
});

test("the kit's browser sends X-Forwarded-Proto: https and X-Forwarded-Host to a fronted backend, replacing its own, and none to FusionAuth", async (t) => {
  const [store, auth] = await Promise.all([echo(), echo()]);
  t.after(() => Promise.all([store.close(), auth.close()]));
  const journal = new Journal();
  const b = new Actor({ name: 'Browser', hosts: { [STORE]: store.origin, [AUTH]: auth.origin }, participants: { [STORE]: 'Store' }, journal, tlsTerminated: [STORE] });
  const r = await b.get(`http://${STORE}/login`, { headers: { origin: `http://${STORE}`, referer: `http://${STORE}/` } });
  assert.deepEqual(forwarded(store), ['https', STORE]);
  assert.deepEqual([store.seen[0].headers.origin, store.seen[0].headers.referer], [`https://${STORE}`, `https://${STORE}/`], 'as from a page on https://store.example.test');
  // What the journal shows is what the backend received.
  assert.equal(header(r.exchange.request.headers, 'x-forwarded-proto'), 'https');
  assert.equal(header(r.exchange.request.headers, 'x-forwarded-host'), STORE);
  // A header the kit's own code passes cannot say otherwise: the terminator sets its own.
  await b.get(`http://${STORE}/`, { headers: { 'X-Forwarded-Proto': 'http', 'X-Forwarded-Host': 'evil.example' } });
  assert.deepEqual(forwarded(store, 1), ['https', STORE]);
  await b.get(`http://${AUTH}/oauth2/authorize`, { headers: { referer: `http://${STORE}/` } });
  assert.deepEqual(forwarded(auth), [undefined, undefined]);
  assert.equal(auth.seen[0].headers.referer, `http://${STORE}/`, 'FusionAuth sees the kit\'s own http world');
});

test('with no fronted host (config tls: false) the backend sees plain HTTP: no X-Forwarded-* at all', async (t) => {
  const store = await echo();
  t.after(() => store.close());
  const b = new Actor({ name: 'Browser', hosts: { [STORE]: store.origin }, tlsTerminated: [] });
  await b.get(`http://${STORE}/`, { headers: { origin: `http://${STORE}` } });
  assert.deepEqual(forwarded(store), [undefined, undefined]);
  assert.equal(store.seen[0].headers.origin, `http://${STORE}`);
  assert.equal(Object.keys(store.seen[0].headers).filter((h) => h.startsWith('x-forwarded')).length, 0);
});

/** A request as Chromium sends it to its http proxy: absolute-form target on the proxy's socket. */
async function viaProxy(proxyUrl: string, url: string, headers: Record<string, string> = {}): Promise<number> {
  const agent = new Agent({ connect: { timeout: 5000 } });
  try {
    const res = await request(proxyUrl + '/', {
      headers,
      dispatcher: agent.compose((dispatch) => (opts, handler) => dispatch({ ...opts, path: url, headers: { ...(opts.headers as Record<string, string>), host: new URL(url).host } }, handler)),
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    await res.body.text();
    return res.statusCode;
  } finally {
    await agent.close();
  }
}

test("Chromium's recording proxy adds the terminator's headers for a fronted backend, over the page's own, and none for FusionAuth", async (t) => {
  const [store, auth] = await Promise.all([echo(), echo()]);
  const journal = new Journal();
  const proxy = await startRecordingProxy({ name: 'Browser', hosts: { [STORE]: store.origin, [AUTH]: auth.origin }, unrecordedHosts: [AUTH], journal, tlsTerminated: [STORE] });
  t.after(async () => {
    await proxy.close();
    await Promise.all([store.close(), auth.close()]);
  });
  assert.equal(await viaProxy(proxy.url, `http://${STORE}/account`, { 'x-forwarded-proto': 'http', origin: `http://${STORE}`, referer: `http://${STORE}/login` }), 200);
  assert.deepEqual(forwarded(store), ['https', STORE]);
  assert.deepEqual([store.seen[0].headers.origin, store.seen[0].headers.referer], [`https://${STORE}`, `https://${STORE}/login`]);
  assert.equal(header(journal.all()[0].request.headers, 'x-forwarded-proto'), 'https');
  assert.equal(await viaProxy(proxy.url, `http://${AUTH}/api/login`), 200);
  assert.deepEqual(forwarded(auth), [undefined, undefined]);

  const plain = await startRecordingProxy({ name: 'Browser', hosts: { [STORE]: store.origin } });
  t.after(() => plain.close());
  assert.equal(await viaProxy(plain.url, `http://${STORE}/`), 200);
  assert.deepEqual(forwarded(store, 1), [undefined, undefined]);
});

/**
 * An Express app as express-session's README sets it up behind a proxy: `trust proxy` 1 and a
 * Secure session cookie (`secure: true`, or `'auto'`: Secure when req.secure). Fronted by the kit
 * it sets its Secure cookie, which the kit's jar keeps and sends back on the logical http
 * origin; seeing plain HTTP, `secure: true` sets no cookie at all and `'auto'` a cookie without
 * Secure.
 */
async function expressApp(secure: true | 'auto'): Promise<{ origin: string; close(): Promise<void> }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = require('express');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const session = require('express-session');
  const app = express();
  app.set('trust proxy', 1);
  app.use(session({ name: 'sid', secret: 'test-secret-0123456789', resave: false, saveUninitialized: false, cookie: { httpOnly: true, secure, sameSite: 'lax' } }));
  app.get('/login', (req: { session: Record<string, unknown> }, res: { send(s: string): void }) => {
    req.session.user = 'alice';
    res.send('logged in');
  });
  app.get('/me', (req: { session: Record<string, unknown> }, res: { send(s: string): void }) => res.send(String(req.session.user ?? 'nobody')));
  const server: http.Server = await new Promise((resolve) => {
    const s = http.createServer(app).listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

for (const secure of [true, 'auto'] as const) {
  test(`an express-session app with secure: ${JSON.stringify(secure)} behind trust proxy gets its Secure cookie kept and sent back when the kit fronts it`, async (t) => {
    const app = await expressApp(secure);
    t.after(() => app.close());
    const b = new Actor({ name: 'Browser', hosts: { [STORE]: app.origin }, tlsTerminated: [STORE] });
    const login = await b.get(`http://${STORE}/login`);
    assert.equal(login.setCookies.length, 1);
    assert.match(login.setCookies[0], /^sid=s%3A[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    assert.deepEqual(login.rejectedCookies, []);
    assert.equal((await b.get(`http://${STORE}/me`)).body, 'alice');

    const plain = new Actor({ name: 'Browser', hosts: { [STORE]: app.origin }, tlsTerminated: [] });
    const seen = await plain.get(`http://${STORE}/login`);
    if (secure === true) assert.deepEqual(seen.setCookies, [], 'express-session sets no Secure cookie on a request it believes plain HTTP');
    else assert.match(seen.setCookies[0] ?? '', /^sid=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/, "'auto' leaves Secure off over plain HTTP");
  });
}

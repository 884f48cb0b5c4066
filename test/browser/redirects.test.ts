import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Actor, RedirectLoopError, closeBrowserAgent } from '../../harness/browser';
import { Journal } from '../../harness/trace';
import { startServer } from './servers';

after(() => closeBrowserAgent());

test('POST -> 302 -> GET across hosts: every hop is its own journalled exchange with its own cookies', async () => {
  const auth = await startServer((req, res) => {
    if (req.url.startsWith('/oauth2/authorize')) {
      res.setHeader('set-cookie', 'fa_sso=1; Path=/; HttpOnly');
      res.statusCode = 302;
      res.setHeader('location', 'http://store.example.test/callback?code=abc');
      return res.end();
    }
    res.end('auth');
  });
  const store = await startServer((req, res) => {
    if (req.method === 'POST' && req.url === '/login') {
      res.statusCode = 302;
      res.setHeader('set-cookie', 'pkce=v; Path=/');
      res.setHeader('location', 'http://auth.example.test/oauth2/authorize?client_id=c');
      return res.end('moved');
    }
    if (req.url.startsWith('/callback')) {
      res.statusCode = 303;
      res.setHeader('location', '/account'); // relative
      return res.end();
    }
    res.setHeader('content-type', 'text/html');
    res.end(`<h1>${req.method} ${req.url} cookie=${req.headers.cookie ?? ''}</h1>`);
  });
  try {
    const j = new Journal();
    j.exercise([5, 6], 'Login');
    const b = new Actor({
      name: 'Browser',
      journal: j,
      hosts: { 'store.example.test': store.origin, 'auth.example.test': auth.origin },
      participants: { 'store.example.test': 'Store', 'auth.example.test': 'FusionAuth' },
    });
    const first = await b.request('POST', 'http://store.example.test/login', { form: { user: 'a' } });
    assert.equal(first.status, 302);
    assert.equal(first.location, 'http://auth.example.test/oauth2/authorize?client_id=c');
    const chain = await b.follow(first);
    assert.deepEqual(
      chain.map((r) => [r.exchange.request.method, r.url, r.status]),
      [
        ['POST', 'http://store.example.test/login', 302],
        ['GET', 'http://auth.example.test/oauth2/authorize?client_id=c', 302],
        ['GET', 'http://store.example.test/callback?code=abc', 303],
        ['GET', 'http://store.example.test/account', 200],
      ],
    );
    assert.equal(chain.at(-1)!.body, '<h1>GET /account cookie=pkce=v</h1>');
    assert.deepEqual(j.all().map((e) => `${e.from}->${e.to} ${e.request.method} ${e.request.path}`), [
      'Browser->Store POST /login',
      'Browser->FusionAuth GET /oauth2/authorize?client_id=c',
      'Browser->Store GET /callback?code=abc',
      'Browser->Store GET /account',
    ]);
    assert.ok(j.all().every((e) => e.steps.join() === '5,6' && e.phase === 'Login'));
    // The GET after the 302 carried no body; auth never saw the store cookie.
    assert.equal(j.all()[1].request.body, undefined);
    assert.equal(auth.seen[0].body, '');
    assert.equal(auth.seen[0].headers.cookie, undefined);
    assert.equal(store.seen[1].headers.cookie, 'pkce=v');
  } finally {
    await Promise.all([auth.close(), store.close()]);
  }
});

test('307 replays method and body; a Location at the loopback origin maps back to the logical host', async () => {
  let origin = '';
  const store = await startServer((req, res) => {
    if (req.url === '/old') {
      res.statusCode = 307;
      res.setHeader('location', `${origin.replace('127.0.0.1', 'localhost')}/new?x=1`);
      return res.end();
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, host: req.headers.host, body: req.body, type: req.headers['content-type'] }));
  });
  origin = store.origin;
  try {
    const b = new Actor({ name: 'Browser', hosts: { 'store.example.test': store.origin } });
    const first = await b.request('POST', 'http://store.example.test/old', { json: { a: 1 } });
    assert.equal(first.location, 'http://store.example.test/new?x=1');
    const chain = await b.follow(first);
    assert.deepEqual(JSON.parse(chain[1].body), {
      method: 'POST',
      url: '/new?x=1',
      host: 'store.example.test',
      body: '{"a":1}',
      type: 'application/json',
    });
    // navigate on a non-redirect: one element.
    const nav = await b.navigate('http://store.example.test/plain');
    assert.equal(nav.length, 1);
  } finally {
    await store.close();
  }
});

test('redirect loop is detected after a bounded number of hops, naming the chain', async () => {
  const store = await startServer((req, res) => {
    res.statusCode = 302;
    res.setHeader('location', req.url === '/a' ? '/b' : '/a');
    res.end();
  });
  try {
    const b = new Actor({ name: 'Browser', hosts: { 'store.example.test': store.origin } });
    const err = await b.navigate('http://store.example.test/a').then(
      () => assert.fail('expected a loop'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RedirectLoopError);
    assert.equal(err.reason, 'loop');
    assert.match(err.message, /GET http:\/\/store\.example\.test\/a -> 302 http:\/\/store\.example\.test\/b/);
    assert.equal(store.seen.length, 2, 'stopped before repeating an identical request');
  } finally {
    await store.close();
  }
});

test('a chain that changes state each hop stops at maxRedirects', async () => {
  let n = 0;
  const store = await startServer((req, res) => {
    n++;
    res.statusCode = 302;
    res.setHeader('set-cookie', `n=${n}`); // new cookie each time: not a provable loop
    res.setHeader('location', '/again');
    res.end();
  });
  try {
    const b = new Actor({ name: 'Browser', hosts: { 'store.example.test': store.origin } });
    const err = await b.navigate('http://store.example.test/start', { maxRedirects: 4 }).catch((e: unknown) => e);
    assert.ok(err instanceof RedirectLoopError);
    assert.equal(err.reason, 'limit');
    assert.equal(err.chain.length, 5);
    assert.equal(store.seen.length, 5, 'first request plus 4 hops, no more');
  } finally {
    await store.close();
  }
});

test('a self-redirect that sets a cookie first is not mistaken for a loop', async () => {
  const store = await startServer((req, res) => {
    if (!req.headers.cookie) {
      res.statusCode = 302;
      res.setHeader('set-cookie', 'probe=1');
      res.setHeader('location', '/');
      return res.end();
    }
    res.end('ok');
  });
  try {
    const b = new Actor({ name: 'Browser', hosts: { 'store.example.test': store.origin } });
    const chain = await b.navigate('http://store.example.test/');
    assert.deepEqual(chain.map((r) => r.status), [302, 200]);
  } finally {
    await store.close();
  }
});

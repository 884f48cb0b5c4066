import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Actor, closeBrowserAgent } from '../../harness/browser';
import { Journal } from '../../harness/trace';
import { startServer, type TestServer } from './servers';

after(() => closeBrowserAgent());

/** Three hosts on three ports; each answers /set?c=<Set-Cookie> and echoes the Cookie header it got. */
async function threeHosts(): Promise<{ store: TestServer; forums: TestServer; auth: TestServer; close(): Promise<void> }> {
  const mk = () =>
    startServer((req, res) => {
      const u = new URL(req.url, 'http://x');
      for (const c of u.searchParams.getAll('c')) res.appendHeader('set-cookie', c);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ host: req.headers.host, cookie: req.headers.cookie ?? '' }));
    });
  const [store, forums, auth] = await Promise.all([mk(), mk(), mk()]);
  return { store, forums, auth, close: async () => void (await Promise.all([store.close(), forums.close(), auth.close()])) };
}

function actorFor(s: { store: TestServer; forums: TestServer; auth: TestServer }, extra: Partial<ConstructorParameters<typeof Actor>[0]> = {}) {
  return new Actor({
    name: 'Browser',
    hosts: { 'store.example.test': s.store.origin, 'forums.example.test': s.forums.origin, 'auth.example.test': s.auth.origin },
    participants: { 'store.example.test': 'Store', 'forums.example.test': 'Forums', 'auth.example.test': 'FusionAuth' },
    ...extra,
  });
}

const set = (host: string, ...cookies: string[]) =>
  `http://${host}/set?` + cookies.map((c) => 'c=' + encodeURIComponent(c)).join('&');
const sentCookie = (r: { body: string }) => (JSON.parse(r.body) as { cookie: string }).cookie;

test('host-only cookies stay on their host; Domain=example.test reaches every subdomain', async () => {
  const s = await threeHosts();
  try {
    const b = actorFor(s);
    const r = await b.get(set('store.example.test', 'store_session=S1; Path=/; HttpOnly', 'shared=X; Domain=example.test; Path=/'));
    assert.equal(r.status, 200);
    assert.deepEqual(r.rejectedCookies, []);
    assert.equal(JSON.parse(r.body).host, 'store.example.test', 'the real Host header is sent to the loopback port');

    const again = await b.get('http://store.example.test/echo');
    assert.equal(sentCookie(again), 'store_session=S1; shared=X');
    const forums = await b.get('http://forums.example.test/echo');
    assert.equal(sentCookie(forums), 'shared=X', 'host-only store cookie must not reach forums');
    const auth = await b.get('http://auth.example.test/echo');
    assert.equal(sentCookie(auth), 'shared=X');

    // Same port number does not matter: the jar is keyed on names, and each server saw only its own.
    assert.ok(s.forums.seen.every((q) => !String(q.headers.cookie ?? '').includes('store_session')));
    assert.ok(s.auth.seen.every((q) => !String(q.headers.cookie ?? '').includes('store_session')));
  } finally {
    await s.close();
  }
});

test('a host cannot set cookies for a sibling, a foreign domain or the public suffix', async () => {
  const s = await threeHosts();
  try {
    const b = actorFor(s);
    const r = await b.get(
      set('forums.example.test', 'a=1; Domain=store.example.test', 'b=2; Domain=evil.test', 'c=3; Domain=test', 'ok=4'),
    );
    assert.equal(r.setCookies.length, 4);
    assert.deepEqual(
      r.rejectedCookies.map((x) => x.header),
      ['a=1; Domain=store.example.test', 'b=2; Domain=evil.test', 'c=3; Domain=test'],
    );
    for (const x of r.rejectedCookies) assert.ok(x.reason.length > 0);
    assert.equal(sentCookie(await b.get('http://store.example.test/')), '');
    assert.equal(sentCookie(await b.get('http://forums.example.test/')), 'ok=4');
  } finally {
    await s.close();
  }
});

test('Path scoping, Max-Age=0 deletion and HttpOnly are honoured', async () => {
  const s = await threeHosts();
  try {
    const b = actorFor(s);
    await b.get(set('store.example.test', 'scoped=1; Path=/account', 'root=1; Path=/', 'h=1; Path=/; HttpOnly'));
    assert.equal(sentCookie(await b.get('http://store.example.test/')), 'root=1; h=1');
    assert.equal(sentCookie(await b.get('http://store.example.test/account/settings')), 'scoped=1; root=1; h=1');
    assert.equal(sentCookie(await b.get('http://store.example.test/accounting')), 'root=1; h=1', '/account does not path-match /accounting');

    // HttpOnly: sent over HTTP, invisible to the non-HTTP (script) API.
    const scriptView = await b.jar.getCookies('https://store.example.test/', { http: false });
    assert.deepEqual(scriptView.map((c) => c.key).sort(), ['root']);
    assert.equal((await b.cookies('http://store.example.test/')).find((c) => c.key === 'h')?.httpOnly, true);

    const del = await b.get(set('store.example.test', 'root=; Path=/; Max-Age=0'));
    assert.deepEqual(del.rejectedCookies, []);
    assert.equal(sentCookie(await b.get('http://store.example.test/account/')), 'scoped=1; h=1');
  } finally {
    await s.close();
  }
});

test('secureContext: Secure and __Host- cookies work over the loopback http; without it they are refused', async () => {
  const s = await threeHosts();
  try {
    const b = actorFor(s);
    const r = await b.get(set('store.example.test', '__Host-sid=1; Path=/; Secure; HttpOnly', 'sec=1; Secure'));
    assert.deepEqual(r.rejectedCookies, []);
    assert.equal(sentCookie(await b.get('http://store.example.test/')), '__Host-sid=1; sec=1');

    const bad = await b.get(set('store.example.test', '__Host-x=1; Path=/', '__Secure-y=1'));
    assert.equal(bad.rejectedCookies.length, 2, 'prefix rules are enforced, not silently dropped');

    const plain = actorFor(s, { secureContext: false });
    const r2 = await plain.get(set('store.example.test', 'sec=1; Secure', 'open=1'));
    assert.deepEqual(r2.rejectedCookies.map((x) => x.header), ['sec=1; Secure']);
    assert.equal(sentCookie(await plain.get('http://store.example.test/')), 'open=1');
  } finally {
    await s.close();
  }
});

test('the Cookie header actually sent is in the journal; cookies:false sends none', async () => {
  const s = await threeHosts();
  try {
    const j = new Journal();
    const b = actorFor(s, { journal: j });
    await b.get(set('store.example.test', 'sid=abc'));
    const r = await b.get('http://store.example.test/me');
    assert.equal(r.exchange.request.headers.cookie, 'sid=abc');
    assert.equal(r.exchange.from, 'Browser');
    assert.equal(r.exchange.to, 'Store');
    assert.equal(r.exchange.request.host, 'store.example.test');
    assert.equal(r.exchange.request.path, '/me');
    const anon = await b.get('http://store.example.test/me', { cookies: false });
    assert.equal(sentCookie(anon), '');
    assert.equal(anon.exchange.request.headers.cookie, undefined);
    assert.equal(j.all().length, 3);
  } finally {
    await s.close();
  }
});

test('copyCookiesFrom: the Hacker replays the victim cookies (optionally by name); clearCookies empties', async () => {
  const s = await threeHosts();
  try {
    const victim = actorFor(s);
    const hacker = actorFor(s, { name: 'Hacker' });
    await victim.get(set('store.example.test', 'sid=victim; HttpOnly; Secure; Path=/', 'pref=dark'));
    await victim.get(set('forums.example.test', 'fsid=f'));
    assert.equal(sentCookie(await hacker.get('http://store.example.test/')), '');

    await hacker.copyCookiesFrom(victim, 'http://store.example.test/', ['sid']);
    const r = await hacker.get('http://store.example.test/');
    assert.equal(sentCookie(r), 'sid=victim');
    assert.equal(sentCookie(await hacker.get('http://forums.example.test/')), '', 'only the named URL was copied');
    const stolen = (await hacker.cookies('http://store.example.test/'))[0];
    assert.equal(stolen.hostOnly, true, 'a stolen host-only cookie stays host-only');
    assert.equal(sentCookie(await hacker.get('http://auth.example.test/')), '');

    await hacker.setCookie('extra=1; Path=/', 'http://store.example.test/');
    assert.equal(sentCookie(await hacker.get('http://store.example.test/')), 'sid=victim; extra=1');
    await assert.rejects(hacker.setCookie('x=1; Domain=forums.example.test', 'http://store.example.test/'), /cookie refused/);
    await hacker.clearCookies();
    assert.deepEqual(await hacker.cookies('http://store.example.test/'), []);
    assert.equal((await victim.cookies('http://store.example.test/')).length, 2, 'victim jar untouched');
  } finally {
    await s.close();
  }
});

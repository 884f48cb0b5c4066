import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumAvailable, parseForms } from '../../harness/browser';
import { FA, type World, last, login, startWorld } from './oauth-world';

/**
 * The two OAuth reference backends (and their mutants' defects) walked by the kit's HTTP
 * browser against the double, without the workflows' features: home → /login → FusionAuth's
 * hosted form → callback → the protected page, SSO to the forums, expiry and refresh. This is
 * what the OAuth workflows' steps rely on; the verdicts themselves are the workflows' tests.
 */

describe('webapp-oauth-code-sessions reference: login, SSO, session', () => {
  let w: World;
  before(async () => {
    w = await startWorld('webapp-oauth-code-sessions/loginflow.json');
  });
  after(() => w?.stop());

  test('home has a login link; /login → FusionAuth authorize with code, S256, state, nonce, openid offline_access', async () => {
    const b = w.browser();
    const home = await b.get('http://store.example.test/');
    assert.match(home.body, /href="\/login"/);
    const r = await b.get('http://store.example.test/login');
    assert.equal(r.status, 302);
    const u = new URL(r.location!);
    assert.equal(u.host, FA);
    assert.equal(u.pathname, '/oauth2/authorize');
    const q = u.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), w.d.directory.applications.store.id);
    assert.equal(q.get('redirect_uri'), 'http://store.example.test/oauth-redirect');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.ok(q.get('state') && q.get('nonce') && q.get('code_challenge'));
    assert.ok(q.get('scope')!.split(' ').includes('openid') && q.get('scope')!.split(' ').includes('offline_access'));
    const tx = r.setCookies.find((c) => c.startsWith('oauth_tx='));
    assert.ok(tx && /HttpOnly/.test(tx) && !/Domain/i.test(tx), 'the transaction is bound to the browser by a host-only HttpOnly cookie');
  });

  test('login: hosted form → callback → code exchanged once, server-side, with secret and verifier → /shopping-cart shows alice; only a session cookie', async () => {
    const b = w.browser();
    const { after } = await login(b, 'store.example.test');
    const urls = after.map((r) => `${r.status} ${new URL(r.url).host}${new URL(r.url).pathname}`);
    assert.deepEqual(urls, ['302 auth.example.test/oauth2/authorize', '302 store.example.test/oauth-redirect', '200 store.example.test/shopping-cart']);
    assert.match(last(after).body, /Shopping cart of alice@example\.com/);
    const cookieNames = (await b.cookies('http://store.example.test/shopping-cart')).map((c) => c.key);
    assert.deepEqual(cookieNames, ['sid']);
    const sid = (await b.cookies('http://store.example.test/')).find((c) => c.key === 'sid')!;
    assert.equal(sid.httpOnly, true);
    const token = w.d.oauth.calls.filter((c) => c.endpoint === 'token');
    assert.equal(token.length, 1);
    assert.deepEqual([token[0].caller, token[0].clientAuth, token[0].codeVerifierPresent, token[0].codePriorUses, token[0].outcome], ['Store', 'client_secret_basic', true, 0, 'tokens']);
  });

  test('SSO: the forums log in without the form while fusionauth.sso lives; each app its own session', async () => {
    const b = w.browser();
    await login(b, 'store.example.test');
    const chain = await b.navigate('http://forums.example.test/login');
    assert.deepEqual(chain.map((r) => r.status), [302, 302, 302, 200]);
    assert.match(last(chain).body, /Forum posts of alice@example\.com/);
    assert.equal(w.d.oauth.calls.filter((c) => c.endpoint === 'authorize').at(-1)?.sso, true);
    const sidStore = (await b.cookies('http://store.example.test/')).find((c) => c.key === 'sid')!.value;
    const sidForums = (await b.cookies('http://forums.example.test/')).find((c) => c.key === 'sid')!.value;
    assert.notEqual(sidStore, sidForums);
  });

  test('a callback this browser did not start is refused without a token call (state bound to the browser)', async () => {
    const hacker = w.browser('Hacker');
    const toForm = await hacker.navigate('http://store.example.test/login');
    const [f] = parseForms(last(toForm).body, last(toForm).url);
    const posted = await hacker.submitForm(f, { loginId: 'bob@example.com', password: 'password' });
    const callback = posted.location!; // the hacker stops here and sends the link to the victim
    const before = w.d.oauth.calls.filter((c) => c.endpoint === 'token').length;
    const victim = w.browser();
    await victim.navigate('http://store.example.test/login'); // the victim has a login of its own going
    const r = await victim.get(callback);
    assert.equal(r.status, 400);
    assert.equal(w.d.oauth.calls.filter((c) => c.endpoint === 'token').length, before, 'no code exchanged');
  });

  test('not logged in: /shopping-cart → /login → FusionAuth', async () => {
    const r = await w.browser().get('http://store.example.test/shopping-cart');
    assert.equal(r.status, 302);
    assert.equal(new URL(r.location!).pathname, '/login');
  });
});

describe('webapp-oauth-code-jwt-cookies reference: login, cookies, refresh', () => {
  let w: World;
  before(async () => {
    w = await startWorld('webapp-oauth-code-jwt-cookies/loginflow.json');
  });
  after(() => w?.stop());

  test('login → /shopping-cart with the JWT and refresh token in HttpOnly host-only cookies', async () => {
    const b = w.browser();
    const { after } = await login(b, 'store.example.test');
    assert.match(last(after).body, /Shopping cart of alice@example\.com/);
    const cookies = await b.cookies('http://store.example.test/');
    assert.deepEqual(cookies.map((c) => c.key).sort(), ['app_jwt', 'app_refresh']);
    for (const c of cookies) assert.ok(c.httpOnly && c.hostOnly, `${c.key} HttpOnly, host-only`);
    assert.equal(w.d.tokenRole(cookies.find((c) => c.key === 'app_jwt')!.value), 'jwt');
    assert.equal(w.d.tokenRole(cookies.find((c) => c.key === 'app_refresh')!.value), 'refreshToken');
  });

  test('an expired JWT is refreshed with grant_type=refresh_token; an expired refresh token sends the browser back to /login', async () => {
    const b = w.browser();
    await login(b, 'store.example.test');
    const jar = await b.cookies('http://store.example.test/');
    const rt = jar.find((c) => c.key === 'app_refresh')!.value;
    const expired = await w.d.mintJwt('alice@example.com', 'store', { expired: true });
    const cookie = `app_jwt=${expired}; app_refresh=${rt}`;
    const r = await b.get('http://store.example.test/shopping-cart', { headers: { cookie } });
    assert.equal(r.status, 200);
    assert.ok(r.setCookies.some((c) => c.startsWith('app_jwt=')), 'a new JWT cookie');
    const refresh = w.d.journal.all().filter((e) => e.request.path === '/oauth2/token' && /grant_type=refresh_token/.test(e.request.body ?? ''));
    assert.equal(refresh.length, 1);
    w.d.expireRefreshToken(rt);
    const again = await b.get('http://store.example.test/shopping-cart', { headers: { cookie } });
    assert.equal(again.status, 302);
    assert.equal(new URL(again.location!).pathname, '/login');
  });

  test('SSO to the forums: no form, its own cookies', async () => {
    const b = w.browser();
    await login(b, 'store.example.test');
    const chain = await b.navigate('http://forums.example.test/login');
    assert.match(last(chain).body, /Forum posts of alice@example\.com/);
    const store = (await b.cookies('http://store.example.test/')).find((c) => c.key === 'app_jwt')!.value;
    const forums = (await b.cookies('http://forums.example.test/')).find((c) => c.key === 'app_jwt')!.value;
    assert.notEqual(store, forums);
  });

  test('an id_token with another nonce is refused: no cookies', async () => {
    const b = w.browser();
    w.d.oauth.nextTokenAnswer({ idToken: { nonce: 'not-the-one-sent' } });
    const { after } = await login(b, 'store.example.test');
    assert.equal(last(after).status, 401);
    assert.deepEqual((await b.cookies('http://store.example.test/')).map((c) => c.key), []);
  });
});

describe('mutants: each defect is really there', () => {
  const both: [string, (w: World) => Promise<void>][] = [
    ['no-state', async (w) => {
      const r = await w.browser().get('http://store.example.test/login');
      assert.equal(new URL(r.location!).searchParams.get('state'), null);
    }],
    ['no-pkce', async (w) => {
      const r = await w.browser().get('http://store.example.test/login');
      assert.equal(new URL(r.location!).searchParams.get('code_challenge'), null);
      await login(w.browser(), 'store.example.test');
      assert.equal(w.d.oauth.calls.filter((c) => c.endpoint === 'token').at(-1)?.codeVerifierPresent, false);
    }],
    ['code-exchanged-twice', async (w) => {
      const { after } = await login(w.browser(), 'store.example.test');
      assert.equal(last(after).status, 200);
      assert.deepEqual(w.d.oauth.calls.filter((c) => c.endpoint === 'token').map((c) => c.codePriorUses).sort(), [0, 1]);
    }],
    ['token-in-redirect', async (w) => {
      const { after } = await login(w.browser(), 'store.example.test');
      assert.equal(w.d.tokenRole(new URL(last(after).url).searchParams.get('access_token') ?? ''), 'jwt');
    }],
    ['nonce-not-checked', async (w) => {
      w.d.oauth.nextTokenAnswer({ idToken: { nonce: 'not-the-one-sent' } });
      const { after } = await login(w.browser(), 'store.example.test');
      assert.equal(last(after).status, 200);
    }],
    ['state-not-bound', async (w) => {
      const hacker = w.browser('Hacker');
      const toForm = await hacker.navigate('http://store.example.test/login');
      const [f] = parseForms(last(toForm).body, last(toForm).url);
      const callback = (await hacker.submitForm(f, { loginId: 'bob@example.com', password: 'password' })).location!;
      const chain = await w.browser().navigate(callback);
      assert.match(last(chain).body, /Shopping cart of bob@example\.com/, 'the victim is logged in as the hacker');
    }],
    ['last-user-shown', async (w) => {
      const a = w.browser();
      await login(a, 'store.example.test', 'alice@example.com');
      await login(w.browser(), 'store.example.test', 'bob@example.com');
      assert.match((await a.get('http://store.example.test/shopping-cart')).body, /bob@example\.com/);
    }],
    ['code-exchanged-in-browser', async (w) => {
      const { after } = await login(w.browser(), 'store.example.test');
      assert.equal(last(after).status, 200);
      assert.ok(last(after).body.includes(w.d.directory.applications.store.clientSecret), 'the secret is in the page');
      assert.equal(w.d.oauth.calls.filter((c) => c.endpoint === 'token').length, 0, 'no server-side exchange');
    }],
  ];
  const cases: [string, string, (w: World) => Promise<void>][] = [
    ...both.map(([m, f]) => ['webapp-oauth-code-sessions', m, f] as [string, string, (w: World) => Promise<void>]),
    ...both.map(([m, f]) => ['webapp-oauth-code-jwt-cookies', m, f] as [string, string, (w: World) => Promise<void>]),
    ['webapp-oauth-code-jwt-cookies', 'cookie-not-httponly', async (w) => {
      const b = w.browser();
      await login(b, 'store.example.test');
      const cookies = await b.cookies('http://store.example.test/');
      assert.deepEqual(cookies.map((c) => c.key).sort(), ['app_jwt', 'app_refresh']);
      assert.ok(cookies.every((c) => !c.httpOnly));
    }],
  ];
  for (const [wf, mutant, check] of cases) {
    test(`${wf} ${mutant}`, async () => {
      const w = await startWorld(`${wf}/loginflow.json`, { LOGINFLOW_MUTANT: mutant });
      try {
        await check(w);
      } finally {
        await w.stop();
      }
    });
  }
});

describe('in a real Chromium: the hosted form, the callback, the page', { skip: chromiumAvailable() ? false : 'no Chromium at /usr/bin/chromium' }, () => {
  for (const [wf, mutant, expectTokenCalls] of [
    ['webapp-oauth-code-sessions', '', 1],
    ['webapp-oauth-code-jwt-cookies', '', 1],
    ['webapp-oauth-code-jwt-cookies', 'code-exchanged-in-browser', 0],
  ] as const) {
    test(`${wf}${mutant ? ` ${mutant}` : ''}: /login → FusionAuth's form filled in Chromium → the cart shows alice`, async () => {
      const w = await startWorld(`${wf}/${mutant ? `mutants/${mutant}.json` : 'loginflow.json'}`);
      const c = await w.chromium();
      try {
        await c.goto('http://store.example.test/login');
        await c.fillAndSubmitLogin({ loginId: 'alice@example.com', password: 'password' });
        assert.ok(await c.waitForText('Shopping cart of alice@example.com'), await c.text());
        assert.equal(w.d.oauth.calls.filter((x) => x.endpoint === 'token' && x.caller === 'Store').length, expectTokenCalls);
      } finally {
        await c.close();
        await w.stop();
      }
    });
  }
});

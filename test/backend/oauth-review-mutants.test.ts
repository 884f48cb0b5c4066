import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type Actor, parseForms } from '../../harness/browser';
import { FA, type World, last, login, startWorld } from './oauth-world';

/**
 * The security review's mutants (docs/oauth-security-review.md, "Mutants") walked by the kit's
 * HTTP browser against the double: for each, the probe its check will make shows the defect in
 * the mutant and not in the reference. These are the backends' half of the proof; the checks'
 * half (each mutant fails exactly its check in a `loginflow run`) comes with the flow steps.
 * Probes the double cannot play yet (a missing claim, alg none, no kid, a rotated key, another
 * UserInfo sub) are listed at the end and wait for its knobs.
 */

const STORE = 'http://store.example.test';
const FORUMS = 'http://forums.example.test';
const CART = `${STORE}/shopping-cart`;
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';

const shows = (body: string, who = ALICE) => body.includes(`of ${who}`);

/** /login → FusionAuth's form → posted: the callback URL FusionAuth sends the browser to, not yet followed. */
async function callbackUrl(b: Actor, app = STORE, user = ALICE): Promise<string> {
  const toForm = last(await b.navigate(`${app}/login`));
  assert.equal(new URL(toForm.url).host, FA, `reached FusionAuth's form: ${toForm.status} ${toForm.url}`);
  const [f] = parseForms(toForm.body, toForm.url);
  const posted = await b.submitForm(f, { loginId: user, password: 'password', rememberDevice: 'true' }, { allowExtra: true });
  assert.ok(posted.location, `FusionAuth redirected back: ${posted.status}`);
  return posted.location!;
}

async function cookie(b: Actor, url: string, name: string): Promise<string | undefined> {
  return (await b.cookies(url)).find((c) => c.key === name)?.value;
}

function tokenCalls(w: World): number {
  return w.d.oauth.calls.filter((c) => c.endpoint === 'token').length;
}

/** Each probe answers: did the defect show? (The reference must answer false, the mutant true.) */
type Probe = (w: World) => Promise<boolean>;

const idTokenProbe = (knob: Parameters<World['d']['oauth']['nextTokenAnswer']>[0]): Probe => async (w) => {
  w.d.oauth.nextTokenAnswer(knob);
  const { after } = await login(w.browser(), 'store.example.test');
  return shows(last(after).body);
};

const sessions: Record<string, Probe> = {
  'iss-not-checked': idTokenProbe({ iss: 'https://evil.example.test' }),
  'aud-not-checked': idTokenProbe({ aud: 'another-client-id' }),
  'exp-not-checked': idTokenProbe({ idToken: { expired: true } }),
  'signature-not-checked': idTokenProbe({ signWith: 'wrong-key' }),
  // The hacker's unused code for bob, with the victim's own state: only PKCE or the nonce can tell.
  'static-pkce-nonce': async (w) => {
    const code = new URL(await callbackUrl(w.browser('Hacker'), STORE, BOB));
    const victim = w.browser();
    const start = await victim.get(`${STORE}/login`);
    code.searchParams.set('state', new URL(start.location!).searchParams.get('state')!);
    return shows(last(await victim.navigate(code.href)).body, BOB);
  },
  'callback-replayable': async (w) => {
    const a = w.browser();
    const cb = await callbackUrl(a);
    assert.ok(shows(last(await a.navigate(cb)).body), 'the ordinary login works');
    return shows(last(await w.browser('Hacker').navigate(cb)).body);
  },
  'state-reusable': async (w) => {
    const a = w.browser();
    const cb = await callbackUrl(a);
    await a.navigate(cb);
    const before = tokenCalls(w);
    await a.get(cb);
    return tokenCalls(w) > before;
  },
  'error-callback-silent': async (w) => {
    const b = w.browser();
    const state = new URL((await b.get(`${STORE}/login`)).location!).searchParams.get('state');
    const r = await b.get(`${STORE}/oauth-redirect?error=access_denied&error_description=The+user+denied&state=${state}`);
    return r.status === 302 && r.location === `${STORE}/`;
  },
  'session-fixation': async (w) => {
    const h = w.browser('Hacker');
    await login(h, 'store.example.test', BOB);
    const planted = await cookie(h, CART, 'sid');
    const v = w.browser();
    await v.setCookie(`sid=${planted}; Path=/`, CART);
    await login(v, 'store.example.test', ALICE);
    return (await cookie(v, CART, 'sid')) === planted;
  },
  'cookie-not-secure': async (w) => {
    const b = w.browser();
    const r = await b.get(await callbackUrl(b));
    const sid = r.setCookies.find((c) => c.startsWith('sid='));
    assert.ok(sid, 'the login set a session cookie');
    return !/;\s*Secure/i.test(sid!);
  },
  'logout-cookie-only': async (w) => {
    const a = w.browser();
    await login(a, 'store.example.test');
    const sid = await cookie(a, CART, 'sid');
    await a.navigate(`${STORE}/logout`);
    const h = w.browser('Hacker');
    await h.setCookie(`sid=${sid}; Path=/`, CART);
    return shows((await h.get(CART)).body);
  },
  // After the logout, a login at the store meets FusionAuth's form, unless the SSO session lives on.
  'logout-local-only': async (w) => {
    const a = w.browser();
    await login(a, 'store.example.test');
    await a.navigate(`${STORE}/logout`);
    const authorize = await a.get((await a.get(`${STORE}/login`)).location!);
    return authorize.status === 302 && /[?&]code=/.test(authorize.location ?? '');
  },
  // The forums' Logout URL, loaded as FusionAuth's front-channel logout would (same-site: the forums' cookie goes with it).
  'front-channel-logout-ignored': async (w) => {
    const a = w.browser();
    await login(a, 'store.example.test');
    assert.ok(shows(last(await a.navigate(`${FORUMS}/login`)).body), 'logged in to the forums through SSO');
    await a.get(`${FORUMS}/frontchannel-logout`);
    return shows((await a.get(`${FORUMS}/posts`)).body);
  },
};

const jwtCookies: Record<string, Probe> = {
  'open-redirect': async (w) => {
    const b = w.browser();
    const toForm = last(await b.navigate(`${STORE}/login?returnTo=${encodeURIComponent('http://evil.example.test/x')}`));
    const [f] = parseForms(toForm.body, toForm.url);
    const posted = await b.submitForm(f, { loginId: ALICE, password: 'password' }, { allowExtra: true });
    const r = await b.get(posted.location!);
    return (r.location ?? '').startsWith('http://evil.example.test');
  },
  'error-page-third-party': async (w) => (await w.browser().get(`${STORE}/oauth-redirect?code=c&state=never-issued`)).body.includes('chat-widget.example.net'),
  'token-in-page': async (w) => {
    const a = w.browser();
    const { after } = await login(a, 'store.example.test');
    return last(after).body.includes((await cookie(a, CART, 'app_jwt'))!);
  },
  'rotation-dropped': async (w) => {
    w.d.setOptions({ refreshTokenPolicy: 'OneTimeUse' });
    try {
      const a = w.browser();
      await login(a, 'store.example.test');
      const rt = (await cookie(a, CART, 'app_refresh'))!;
      const expired = await w.d.mintJwt(ALICE, 'store', { expired: true });
      const r = await a.get(CART, { headers: { cookie: `app_jwt=${expired}; app_refresh=${rt}` } });
      assert.ok(shows(r.body), 'the JWT was refreshed');
      const written = r.setCookies.find((c) => c.startsWith('app_refresh='))?.split(';')[0].slice('app_refresh='.length);
      return written === rt;
    } finally {
      w.d.setOptions({ refreshTokenPolicy: 'Reusable' });
    }
  },
  'refresh-cookie-kept-at-login': async (w) => {
    const h = w.browser('Hacker');
    await login(h, 'store.example.test', BOB);
    const planted = await cookie(h, CART, 'app_refresh');
    const v = w.browser();
    await v.setCookie(`app_refresh=${planted}; Path=/`, CART);
    await login(v, 'store.example.test', ALICE);
    return (await cookie(v, CART, 'app_refresh')) === planted;
  },
  'jwt-audience-not-checked': async (w) => shows((await w.browser().get(CART, { headers: { cookie: `app_jwt=${await w.d.mintJwt(ALICE, 'forums')}` } })).body),
  'cookie-no-samesite': async (w) => {
    const b = w.browser();
    const jwt = (await b.get(await callbackUrl(b))).setCookies.find((c) => c.startsWith('app_jwt='));
    assert.ok(jwt, 'the login set the JWT cookie');
    return !/;\s*SameSite=/i.test(jwt!);
  },
  'client-secret-post': async (w) => {
    await login(w.browser(), 'store.example.test');
    const call = w.d.journal.all().filter((e) => e.from === 'Store' && e.request.path === '/oauth2/token').at(-1)!;
    return /(^|&)client_secret=/.test(call.request.body ?? '') && !/^Basic /i.test(String(call.request.headers['authorization'] ?? ''));
  },
  'logout-keeps-jwt-cookie': async (w) => {
    const a = w.browser();
    await login(a, 'store.example.test');
    await a.navigate(`${STORE}/logout`);
    return shows((await a.get(CART)).body);
  },
  // The refresh token copied before the logout, presented after it with no JWT.
  'logout-no-revoke': async (w) => {
    const a = w.browser();
    await login(a, 'store.example.test');
    const rt = await cookie(a, CART, 'app_refresh');
    await a.navigate(`${STORE}/logout`);
    return shows((await w.browser('Hacker').get(CART, { headers: { cookie: `app_refresh=${rt}` } })).body);
  },
  'logout-without-client-id': async (w) => {
    const a = w.browser();
    await login(a, 'store.example.test');
    const r = await a.get(`${STORE}/logout`);
    const u = new URL(r.location!);
    assert.equal(`${u.host}${u.pathname}`, `${FA}/oauth2/logout`);
    return !u.searchParams.has('client_id') && !u.searchParams.has('id_token_hint');
  },
  'userinfo-token-in-query': async (w) => {
    await login(w.browser(), 'store.example.test');
    return w.d.journal.all().some((e) => e.from === 'Store' && /^\/oauth2\/userinfo\?(.*&)?access_token=/.test(e.request.path));
  },
};

for (const [workflow, probes] of [
  ['webapp-oauth-code-sessions', sessions],
  ['webapp-oauth-code-jwt-cookies', jwtCookies],
] as const) {
  describe(`${workflow}: each security-review mutant shows its defect to its probe, the reference does not`, () => {
    let reference: World;
    before(async () => {
      reference = await startWorld(`${workflow}/loginflow.json`);
    });
    after(() => reference?.stop());
    for (const [mutant, probe] of Object.entries(probes)) {
      test(mutant, async () => {
        assert.equal(await probe(reference), false, `the reference must not show the defect of ${mutant}`);
        const w = await startWorld(`${workflow}/loginflow.json`, { LOGINFLOW_MUTANT: mutant });
        try {
          assert.equal(await probe(w), true, `${mutant} shows its defect`);
        } finally {
          await w.stop();
        }
      });
    }
  });
}

// The absolute lifetime needs a clock the test does not move: a lifetime of one second, waited out.
test('webapp-oauth-code-sessions: a busy session ends at its absolute lifetime in the reference, never in no-absolute-expiry', async () => {
  const busyPastMaxAge: Probe = async (w) => {
    const a = w.browser();
    const { after } = await login(a, 'store.example.test');
    assert.ok(shows(last(after).body), 'logged in');
    await new Promise((r) => setTimeout(r, 1300));
    return shows((await a.get(CART)).body);
  };
  for (const [mutant, defect] of [
    ['', false],
    ['no-absolute-expiry', true],
  ] as const) {
    const w = await startWorld('webapp-oauth-code-sessions/loginflow.json', { SESSION_MAX_AGE_SECONDS: '1', ...(mutant ? { LOGINFLOW_MUTANT: mutant } : {}) });
    try {
      assert.equal(await busyPastMaxAge(w), defect, mutant || 'the reference');
    } finally {
      await w.stop();
    }
  }
});

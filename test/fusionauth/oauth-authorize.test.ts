import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as Oidc from 'openid-client';
import * as jose from 'jose';
import { createHash } from 'node:crypto';
import { FusionAuthDouble, SEEDED_DIRECTORY, SSO_COOKIE, HOSTED_FORM_HIDDEN_FIELDS, INFER_CALLER, type Relay } from '../../harness/fusionauth';
import { fusionAuthSchemas } from './openapi-schemas';
import { parseForms } from '../../harness/browser';

/**
 * The double as an OAuth authorization server, driven by `openid-client` 6 as a real app's
 * backend drives FusionAuth: discovery, an authorization URL with PKCE (S256), state and nonce,
 * the hosted login form posted by a "browser", the callback, the code exchange (id_token
 * checked by openid-client: iss, aud, nonce, at_hash's presence), userinfo, the refresh grant;
 * then the bad requests, each answered with FusionAuth's OAuthError (and every JSON answer
 * checked against FusionAuth's OpenAPI description where it describes it).
 */
const schemas = fusionAuthSchemas();
const STORE = SEEDED_DIRECTORY.applications.store;
const FORUMS = SEEDED_DIRECTORY.applications.forums;
const ALICE = '11111111-1111-4111-8111-111111111111';
const STORE_CB = 'http://store.example.test/oauth-redirect';
const FORUMS_CB = 'http://forums.example.test/oauth-redirect';

const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;
let oidc: typeof Oidc;

interface Page {
  status: number;
  location?: string;
  text: string;
  cookies: string[];
}

/** A browser without JavaScript: one request, no redirect following, one cookie (fusionauth.sso) kept by hand. */
class Browser {
  sso: string | undefined;
  constructor(private readonly relay: Relay) {}
  async go(url: string | URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<Page> {
    const u = new URL(url);
    const target = this.relay.url + u.pathname + u.search;
    const headers: Record<string, string> = {};
    if (this.sso) headers.cookie = `${SSO_COOKIE}=${this.sso}`;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const r = await fetch(target, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    const cookies = r.headers.getSetCookie();
    for (const c of cookies) {
      const m = new RegExp(`^${SSO_COOKIE.replace('.', '\\.')}=([^;]*)`).exec(c);
      if (m) this.sso = /Max-Age=0/.test(c) ? undefined : m[1];
    }
    return { status: r.status, location: r.headers.get('location') ?? undefined, text: await r.text(), cookies };
  }
  /** Fills and posts the hosted login form of a 200 authorize page. */
  async login(formPage: Page, loginId: string, password: string, remember: boolean): Promise<Page> {
    const [form] = parseForms(formPage.text, 'http://auth.example.test/oauth2/authorize');
    assert.ok(form, 'the authorize page has a form');
    const values: Record<string, string> = {};
    for (const f of form.fields) if (f.type !== 'checkbox' && f.type !== 'submit' && f.name) values[f.name] = f.value ?? '';
    values.loginId = loginId;
    values.password = password;
    if (remember) values.rememberDevice = 'true';
    return this.go(form.action, { method: form.method.toUpperCase(), form: values });
  }
}

describe('openid-client drives the double as an authorization server', () => {
  let d: FusionAuthDouble;
  let backend: Relay;
  let browserRelay: Relay;
  const raw = new Map<string, unknown>();
  const recordingFetch: Oidc.CustomFetch = async (url, options) => {
    const res = await fetch(url, options as RequestInit);
    raw.set(new URL(url).pathname, await res.clone().json().catch(() => undefined));
    return res;
  };
  const discover = async (clientId: string, auth: Oidc.ClientAuth) => {
    // The well-known URL itself: FusionAuth's issuer ("acme.com") is not its URL, so openid-client
    // is given the document's address, and then checks id_tokens against the issuer it names.
    const config = await oidc.discovery(new URL(`${backend.url}/.well-known/openid-configuration`), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests], [oidc.customFetch]: recordingFetch });
    config[oidc.customFetch] = recordingFetch;
    return config;
  };
  /** One authorization request as a real app makes it: PKCE S256, state, nonce. */
  const start = async (config: Oidc.Configuration, redirectUri = STORE_CB, extra: Record<string, string> = {}) => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid offline_access email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    return { url, verifier, state, nonce };
  };
  const loggedIn = async (browser: Browser, config: Oidc.Configuration, redirectUri = STORE_CB) => {
    const a = await start(config, redirectUri);
    let page = await browser.go(a.url);
    if (page.status === 200) page = await browser.login(page, 'alice@example.com', 'password', true);
    assert.equal(page.status, 302, page.text);
    return { ...a, callback: new URL(page.location!) };
  };
  const oauthFailure = (error: string, reason: string) => (e: { error?: string; status?: number; cause?: Record<string, unknown> }) => {
    schemas.assert('OAuthError', e.cause);
    assert.deepEqual([e.error, e.cause?.error_reason], [error, reason]);
    return true;
  };

  /** openid-client's OperationProcessingError wraps the claim comparison that failed. */
  const claimRejected = (claim: string) => (e: { cause?: { code?: string; cause?: { claim?: string } } }) => e.cause?.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && e.cause.cause?.claim === claim;

  before(async () => {
    oidc = (await importEsm('openid-client')) as typeof Oidc;
    d = await FusionAuthDouble.start();
    backend = await d.relay('Store');
    browserRelay = await d.relay('Browser');
  });
  after(() => d.close());

  test('login: authorize shows the hosted form; posting it redirects to the callback with code, state, userState and sets fusionauth.sso', async () => {
    const config = await discover(STORE.id, oidc.ClientSecretBasic(STORE.clientSecret));
    schemas.assert('OpenIdConfiguration', raw.get('/.well-known/openid-configuration'));
    const a = await start(config);
    const browser = new Browser(browserRelay);
    const formPage = await browser.go(a.url);
    assert.equal(formPage.status, 200);
    const [form] = parseForms(formPage.text, 'http://auth.example.test/oauth2/authorize');
    assert.equal(form.method.toUpperCase(), 'POST');
    assert.equal(new URL(form.action).pathname, '/oauth2/authorize');
    const names = form.fields.map((f) => f.name);
    for (const n of [...HOSTED_FORM_HIDDEN_FIELDS, 'loginId', 'password', '__cb_rememberDevice']) assert.ok(names.includes(n), `the form has ${n}`);
    assert.match(formPage.text, /<input id="rememberDevice" type="checkbox" name="rememberDevice" value="true">/, 'the "Keep me signed in" checkbox');
    assert.equal(form.fields.find((f) => f.name === 'state')?.value, a.state, 'the authorize parameters ride along as hidden fields');

    const wrong = await browser.login(formPage, 'alice@example.com', 'not-the-password', true);
    assert.equal(wrong.status, 200);
    assert.match(wrong.text, /Invalid login credentials/);
    assert.equal(browser.sso, undefined, 'no SSO session without a login');

    const done = await browser.login(formPage, 'alice@example.com', 'password', true);
    assert.equal(done.status, 302);
    const cb = new URL(done.location!);
    assert.equal(cb.origin + cb.pathname, STORE_CB);
    assert.equal(cb.searchParams.get('state'), a.state);
    assert.equal(cb.searchParams.get('userState'), 'Authenticated');
    assert.ok(cb.searchParams.get('code'), 'a code');
    const sso = done.cookies.find((c) => c.startsWith(`${SSO_COOKIE}=`));
    assert.ok(sso && /HttpOnly/.test(sso) && !/Domain=/i.test(sso) && /Max-Age=3600/.test(sso), `fusionauth.sso: HttpOnly, host-only, persistent: ${sso}`);

    const calls = d.oauth.calls.filter((c) => c.endpoint === 'authorize');
    assert.deepEqual(calls.map((c) => c.outcome), ['form', 'login-failed', 'code']);
    assert.ok(calls.every((c) => typeof c.seq === 'number' && c.codeChallengeMethod === 'S256' && c.state === a.state));
  });

  for (const [name, auth] of [
    ['client_secret_basic', () => oidc.ClientSecretBasic(STORE.clientSecret)],
    ['client_secret_post', () => oidc.ClientSecretPost(STORE.clientSecret)],
  ] as const) {
    test(`code exchange (${name}) with PKCE: access, id and refresh tokens; the id_token passes openid-client's checks; userinfo; refresh`, async () => {
      const config = await discover(STORE.id, auth());
      const a = await loggedIn(new Browser(browserRelay), config);
      const tokens = await oidc.authorizationCodeGrant(config, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce, idTokenExpected: true });
      schemas.assert('AccessToken', raw.get('/oauth2/token'));
      const body = raw.get('/oauth2/token') as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'id_token', 'refresh_token', 'refresh_token_id', 'scope', 'token_type', 'userId']);
      assert.equal(body.token_type, 'Bearer');
      const claims = tokens.claims()!;
      assert.equal(claims.sub, ALICE);
      assert.equal(claims.aud, STORE.id);
      assert.equal(claims.iss, 'acme.com');
      assert.equal(claims.nonce, a.nonce);
      assert.equal(claims.at_hash, Buffer.from(createHash('sha256').update(tokens.access_token).digest().subarray(0, 16)).toString('base64url'));
      // The signature, which openid-client leaves to TLS: the double's own key verifies it.
      const key = d.verificationKey();
      await jose.jwtVerify(tokens.id_token!, new TextEncoder().encode(key.secret), { algorithms: ['HS256'], issuer: 'acme.com', audience: STORE.id });
      const access = jose.decodeJwt(tokens.access_token);
      assert.equal(access.aud, STORE.id);
      assert.equal(access.scope, 'openid offline_access email profile');
      assert.equal(access.sid, claims.sid, 'the access token and id_token name the same session');

      const info = await oidc.fetchUserInfo(config, tokens.access_token, ALICE);
      schemas.assert('UserinfoResponse', raw.get('/oauth2/userinfo'));
      assert.equal(info.email, 'alice@example.com');

      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      schemas.assert('AccessToken', raw.get('/oauth2/token'));
      assert.equal(refreshed.claims()?.sub, ALICE, 'a refresh with openid granted returns an id_token');
      assert.notEqual(refreshed.access_token, tokens.access_token);

      const grants = d.oauth.calls.filter((c) => c.endpoint === 'token').slice(-2);
      assert.deepEqual(grants.map((c) => [c.grantType, c.clientAuth, c.outcome]), [['authorization_code', name, 'tokens'], ['refresh_token', name, 'tokens']]);
      const call = grants[0];
      assert.equal(call.clientAuth, name);
      assert.equal(call.codeVerifierPresent, true);
      assert.equal(call.redirectUri, STORE_CB);
      assert.equal(call.codePriorUses, 0);
      assert.equal(call.outcome, 'tokens');
    });
  }

  test('SSO: with fusionauth.sso alive the forums get a code without the form; prompt=login shows it; /oauth2/logout ends the session', async () => {
    const browser = new Browser(browserRelay);
    const store = await discover(STORE.id, oidc.ClientSecretBasic(STORE.clientSecret));
    await loggedIn(browser, store);
    assert.ok(browser.sso);
    const forums = await discover(FORUMS.id, oidc.ClientSecretBasic(FORUMS.clientSecret));
    const a = await start(forums, FORUMS_CB);
    const auto = await browser.go(a.url);
    assert.equal(auto.status, 302, 'no form');
    const tokens = await oidc.authorizationCodeGrant(forums, new URL(auto.location!), { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    assert.equal(tokens.claims()?.aud, FORUMS.id);
    assert.equal(d.oauth.calls.filter((c) => c.endpoint === 'authorize').at(-1)?.sso, true);

    const forced = await browser.go((await start(forums, FORUMS_CB, { prompt: 'login' })).url);
    assert.equal(forced.status, 200, 'prompt=login: the form even with a session');

    const out = await browser.go(oidc.buildEndSessionUrl(store, { post_logout_redirect_uri: 'http://store.example.test/', client_id: STORE.id }));
    assert.equal(out.status, 302);
    assert.equal(out.location, 'http://store.example.test/');
    assert.equal(browser.sso, undefined, 'the SSO cookie is cleared');
    // openid-client always adds client_id; a relying party that only has the id_token sends the hint alone.
    const hintOnly = oidc.buildEndSessionUrl(forums, { post_logout_redirect_uri: 'http://forums.example.test/', id_token_hint: tokens.id_token! });
    hintOnly.searchParams.delete('client_id');
    const hinted = await browser.go(hintOnly);
    assert.equal(hinted.location, 'http://forums.example.test/', 'id_token_hint names the application when client_id is absent');
    const refused = await browser.go(oidc.buildEndSessionUrl(forums, { post_logout_redirect_uri: 'http://evil.example.net/' }));
    assert.equal(refused.status, 400);
    assert.equal((await browser.go((await start(forums, FORUMS_CB)).url)).status, 200, 'after logout: the form again');
    const none = await browser.go((await start(forums, FORUMS_CB, { prompt: 'none' })).url);
    assert.equal(new URL(none.location!).searchParams.get('error'), 'login_required');
  });

  test('without "Keep me signed in" there is no SSO session: the next authorize shows the form', async () => {
    const browser = new Browser(browserRelay);
    const config = await discover(STORE.id, oidc.ClientSecretBasic(STORE.clientSecret));
    const a = await start(config);
    const done = await browser.login(await browser.go(a.url), 'bob@example.com', 'password', false);
    assert.equal(done.status, 302);
    assert.equal(browser.sso, undefined);
    assert.equal((await browser.go((await start(config)).url)).status, 200);
  });

  test('unknown client_id and an unauthorized redirect_uri: a FusionAuth error page (400), never a redirect', async () => {
    const browser = new Browser(browserRelay);
    const unknown = await discover('00000000-0000-4000-8000-000000000000', oidc.ClientSecretBasic('x'));
    const p = await browser.go((await start(unknown)).url);
    assert.equal(p.status, 400);
    assert.equal(p.location, undefined);
    assert.match(p.text, /data-error="invalid_client" data-error-reason="invalid_client_id"/);
    const store = await discover(STORE.id, oidc.ClientSecretBasic(STORE.clientSecret));
    const q = await browser.go((await start(store, 'http://evil.example.net/oauth-redirect')).url);
    assert.equal(q.status, 400);
    assert.equal(q.location, undefined);
    assert.match(q.text, /data-error-reason="invalid_redirect_uri"/);
    // Token endpoint: an unknown client is invalid_client.
    await assert.rejects(oidc.authorizationCodeGrant(unknown, new URL(`${STORE_CB}?code=abc`)), oauthFailure('invalid_client', 'invalid_client_id'));
  });

  test('bad authorize parameters with a good client and redirect_uri come back to the redirect_uri as OAuth errors, with the state', async () => {
    const browser = new Browser(browserRelay);
    const config = await discover(STORE.id, oidc.ClientSecretBasic(STORE.clientSecret));
    const a = await start(config, STORE_CB, { response_type: 'token' });
    const r = await browser.go(a.url);
    assert.equal(r.status, 302);
    const loc = new URL(r.location!);
    assert.deepEqual([loc.searchParams.get('error'), loc.searchParams.get('error_reason'), loc.searchParams.get('state')], ['unsupported_response_type', 'invalid_response_type', a.state]);
    const m = await browser.go((await start(config, STORE_CB, { code_challenge_method: 'S512' })).url);
    assert.equal(new URL(m.location!).searchParams.get('error_reason'), 'invalid_pkce_code_challenge_method');
    await assert.rejects(oidc.authorizationCodeGrant(config, loc, { expectedState: a.state }), (e: { error?: string }) => e.error === 'unsupported_response_type');
  });

  test('response_mode form_post and fragment deliver the same code and state', async () => {
    const browser = new Browser(browserRelay);
    const config = await discover(STORE.id, oidc.ClientSecretBasic(STORE.clientSecret));
    await loggedIn(browser, config);
    const post = await browser.go((await start(config, STORE_CB, { response_mode: 'form_post', state: 'st-1' })).url);
    assert.equal(post.status, 200);
    const [form] = parseForms(post.text, 'http://auth.example.test/oauth2/authorize');
    assert.equal(form.action, STORE_CB);
    assert.equal(form.method, 'POST');
    assert.equal(form.fields.find((f) => f.name === 'state')?.value, 'st-1');
    assert.ok(form.fields.find((f) => f.name === 'code')?.value);
    const frag = await browser.go((await start(config, STORE_CB, { response_mode: 'fragment', state: 'st-2' })).url);
    const hash = new URLSearchParams(new URL(frag.location!).hash.slice(1));
    assert.equal(hash.get('state'), 'st-2');
    assert.ok(hash.get('code'));
  });

  test('a code is single use: the second exchange is refused (auth_code_not_found)', async () => {
    const config = await discover(STORE.id, oidc.ClientSecretBasic(STORE.clientSecret));
    const a = await loggedIn(new Browser(browserRelay), config);
    await oidc.authorizationCodeGrant(config, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    await assert.rejects(oidc.authorizationCodeGrant(config, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce }), oauthFailure('invalid_request', 'auth_code_not_found'));
    const calls = d.oauth.calls.filter((c) => c.endpoint === 'token' && c.code === a.callback.searchParams.get('code'));
    assert.deepEqual(calls.map((c) => c.codePriorUses), [0, 1]);
  });

  test('a wrong code_verifier, a missing one, another redirect_uri, an expired code, another client: each refused', async () => {
    const browser = new Browser(browserRelay);
    const config = await discover(STORE.id, oidc.ClientSecretBasic(STORE.clientSecret));
    const bad = await loggedIn(browser, config);
    await assert.rejects(oidc.authorizationCodeGrant(config, bad.callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: bad.state }), oauthFailure('invalid_request', 'invalid_pkce_code_verifier'));
    const missing = await loggedIn(browser, config);
    await assert.rejects(oidc.authorizationCodeGrant(config, missing.callback, { expectedState: missing.state }), oauthFailure('invalid_request', 'missing_code_verifier'));
    const other = await loggedIn(browser, config);
    const elsewhere = new URL(`http://store.example.test/other-callback${other.callback.search}`);
    await assert.rejects(oidc.authorizationCodeGrant(config, elsewhere, { pkceCodeVerifier: other.verifier, expectedState: other.state }), oauthFailure('invalid_request', 'invalid_redirect_uri'));
    const late = await loggedIn(browser, config);
    d.oauth.expireCodes();
    await assert.rejects(oidc.authorizationCodeGrant(config, late.callback, { pkceCodeVerifier: late.verifier, expectedState: late.state }), oauthFailure('invalid_request', 'auth_code_not_found'));
    const stolen = await loggedIn(browser, config);
    const forums = await discover(FORUMS.id, oidc.ClientSecretBasic(FORUMS.clientSecret));
    await assert.rejects(oidc.authorizationCodeGrant(forums, stolen.callback, { pkceCodeVerifier: stolen.verifier, expectedState: stolen.state }), oauthFailure('invalid_request', 'auth_code_not_found'));
    const noSecret = await discover(STORE.id, oidc.None());
    const anon = await loggedIn(browser, config);
    await assert.rejects(oidc.authorizationCodeGrant(noSecret, anon.callback, { pkceCodeVerifier: anon.verifier, expectedState: anon.state }), oauthFailure('invalid_client', 'client_authentication_missing'));
  });

  test('knobs: nextTokenAnswer gives one id_token a wrong nonce, audience or key; openid-client (or the key) rejects it', async () => {
    const browser = new Browser(browserRelay);
    const config = await discover(STORE.id, oidc.ClientSecretBasic(STORE.clientSecret));
    const x = await loggedIn(browser, config);
    d.oauth.nextTokenAnswer({ idToken: { nonce: 'someone-elses' } });
    await assert.rejects(oidc.authorizationCodeGrant(config, x.callback, { pkceCodeVerifier: x.verifier, expectedState: x.state, expectedNonce: x.nonce }), claimRejected('nonce'));
    const y = await loggedIn(browser, config);
    d.oauth.nextTokenAnswer({ idToken: { aud: FORUMS.id } });
    await assert.rejects(oidc.authorizationCodeGrant(config, y.callback, { pkceCodeVerifier: y.verifier, expectedState: y.state, expectedNonce: y.nonce }), claimRejected('aud'));
    const z = await loggedIn(browser, config);
    d.oauth.nextTokenAnswer({ signWith: 'wrong-key' });
    const forged = await oidc.authorizationCodeGrant(config, z.callback, { pkceCodeVerifier: z.verifier, expectedState: z.state, expectedNonce: z.nonce });
    await assert.rejects(jose.jwtVerify(forged.id_token!, new TextEncoder().encode(d.verificationKey().secret)), /signature/);
    const w = await loggedIn(browser, config);
    const fine = await oidc.authorizationCodeGrant(config, w.callback, { pkceCodeVerifier: w.verifier, expectedState: w.state, expectedNonce: w.nonce });
    await jose.jwtVerify(fine.id_token!, new TextEncoder().encode(d.verificationKey().secret));
  });

  test('RS256: openid-client verifies the id_token signature against the JWKS (non-repudiation checks)', async () => {
    d.setOptions({ signing: 'RS256' });
    try {
      const config = await discover(STORE.id, oidc.ClientSecretBasic(STORE.clientSecret));
      oidc.enableNonRepudiationChecks(config);
      const browser = new Browser(browserRelay);
      const a = await loggedIn(browser, config);
      const tokens = await oidc.authorizationCodeGrant(config, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
      assert.equal(tokens.claims()?.sub, ALICE);
      const b = await loggedIn(browser, config);
      d.oauth.nextTokenAnswer({ signWith: 'wrong-key' });
      await assert.rejects(oidc.authorizationCodeGrant(config, b.callback, { pkceCodeVerifier: b.verifier, expectedState: b.state, expectedNonce: b.nonce }));
    } finally {
      d.setOptions({ signing: 'HS256' });
    }
  });

  test('on a relay backends share (url targets), a code exchange with client_secret_basic is journalled as its app', async () => {
    d.nameCallers({ store: 'Store', forums: 'Forums' });
    const shared = await d.relay(INFER_CALLER);
    const config = await oidc.discovery(new URL(`${shared.url}/.well-known/openid-configuration`), FORUMS.id, undefined, oidc.ClientSecretBasic(FORUMS.clientSecret), { execute: [oidc.allowInsecureRequests] });
    const a = await loggedIn(new Browser(browserRelay), config, FORUMS_CB);
    await oidc.authorizationCodeGrant(config, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    const ex = d.journal.all().filter((e) => e.request.path === '/oauth2/token').at(-1)!;
    assert.equal(ex.from, 'Forums');
    assert.equal(d.oauth.calls.at(-1)?.caller, 'Forums');
    await shared.close();
  });

  test('secrets of the OAuth calls are known to the redactor: codes, verifiers, the SSO session, the tokens', async () => {
    const config = await discover(STORE.id, oidc.ClientSecretBasic(STORE.clientSecret));
    const browser = new Browser(browserRelay);
    const a = await loggedIn(browser, config);
    const tokens = await oidc.authorizationCodeGrant(config, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    const text = `${a.callback.searchParams.get('code')} ${a.verifier} ${browser.sso} ${tokens.id_token} ${tokens.refresh_token} ${STORE.clientSecret}`;
    const shown = d.redactor.text(text)!;
    for (const secret of text.split(' ')) assert.ok(!shown.includes(secret), `redacted: ${secret.slice(0, 6)}…`);
  });
});

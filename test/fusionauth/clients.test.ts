import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FusionAuthClient } from '@fusionauth/typescript-client';
import type ClientResponse from '@fusionauth/typescript-client/build/src/ClientResponse';
import type * as Oidc from 'openid-client';
import * as jose from 'jose';
import { FusionAuthDouble, SEEDED_DIRECTORY, type Relay } from '../../harness/fusionauth';
import { fusionAuthSchemas } from './openapi-schemas';

/**
 * FusionAuth's own clients against the double: the official `@fusionauth/typescript-client`
 * (pinned to 1.69.0, the version of the OpenAPI description in shared/) for the FusionAuth
 * APIs, and `openid-client` for the OpenID Connect side (discovery, userinfo, the refresh
 * token grant with client authentication). Every endpoint the workflows touch is driven, and
 * every answer is also checked against the OpenAPI description's schema.
 */
const schemas = fusionAuthSchemas();
const STORE = SEEDED_DIRECTORY.applications.store;
const FORUMS = SEEDED_DIRECTORY.applications.forums;
const ALICE = '11111111-1111-4111-8111-111111111111';

/** The client's promise for a non-2xx answer rejects with the ClientResponse: unwrap both. */
async function settle<T>(p: Promise<ClientResponse<T>>): Promise<ClientResponse<T>> {
  try {
    return await p;
  } catch (e) {
    if (e && typeof e === 'object' && 'statusCode' in e) return e as ClientResponse<T>;
    throw e;
  }
}

function claimsOf(jwt: string): jose.JWTPayload {
  return jose.decodeJwt(jwt);
}

describe('@fusionauth/typescript-client 1.69.0 against the double', () => {
  let d: FusionAuthDouble;
  let relay: Relay;
  let api: FusionAuthClient; // with the API key, as a backend holds it
  let anon: FusionAuthClient; // without, as a SPA or a public caller
  before(async () => {
    d = await FusionAuthDouble.start();
    relay = await d.relay('Backend');
    api = new FusionAuthClient(SEEDED_DIRECTORY.apiKey, relay.url);
    anon = new FusionAuthClient('', relay.url);
  });
  after(() => d.close());

  /** applicationId null: the login names no application. */
  const login = (client: FusionAuthClient, loginId: string, applicationId: string | null = STORE.id) =>
    settle(client.login({ loginId, password: 'password', ...(applicationId ? { applicationId } : {}) }));

  test('login: every status the seeded users stand for, each body a LoginResponse', async () => {
    const expected: [string, number][] = [
      ['alice@example.com', 200],
      ['notregistered@example.com', 202],
      ['changepassword@example.com', 203],
      ['unverified@example.com', 212],
      ['unverifiedregistration@example.com', 213],
      ['twofactor@example.com', 242],
      ['actionprevented@example.com', 409],
      ['expired@example.com', 410],
      ['locked@example.com', 423],
      ['nobody@example.com', 404],
    ];
    for (const [email, status] of expected) {
      const r = await login(api, email);
      assert.equal(r.statusCode, status, email);
      // 2xx bodies land in response, error bodies (409) in exception.
      if ([200, 202, 203, 212, 213, 242, 409].includes(status)) schemas.assert('LoginResponse', r.response ?? r.exception);
      if ([200, 202, 212, 213].includes(status)) {
        const c = claimsOf(r.response.token!);
        assert.equal(c.aud, STORE.id, `${email}: aud`);
        assert.match(String(c.sid), /^[0-9a-f-]{36}$/, `${email}: Login-API tokens carry sid`);
        assert.equal(c.scope, undefined, `${email}: and no scope`);
      }
    }
  });

  test('login: 401 without the API key when the application requires it, and without applicationId (tenant default)', async () => {
    assert.equal((await login(anon, 'alice@example.com')).statusCode, 401);
    assert.equal((await login(anon, 'alice@example.com', null)).statusCode, 401);
    const noApp = await login(api, 'alice@example.com', null);
    assert.equal(noApp.statusCode, 200);
    assert.equal(claimsOf(noApp.response.token!).aud, undefined);
  });

  for (const policy of ['Reusable', 'OneTimeUse'] as const) {
    test(`refresh (${policy}): exchangeRefreshTokenForJWT gives a JWTRefreshResponse; the refresh token id never changes`, async () => {
      d.setOptions({ refreshTokenPolicy: policy });
      try {
        const l = (await login(api, 'alice@example.com')).response;
        const r1 = await settle(anon.exchangeRefreshTokenForJWT({ refreshToken: l.refreshToken }));
        assert.equal(r1.statusCode, 200);
        schemas.assert('JWTRefreshResponse', r1.response);
        assert.equal(r1.response.refreshTokenId, l.refreshTokenId);
        assert.equal(claimsOf(r1.response.token!).sid, claimsOf(l.token!).sid, 'the session id survives a refresh');
        if (policy === 'Reusable') assert.equal(r1.response.refreshToken, l.refreshToken);
        else {
          assert.notEqual(r1.response.refreshToken, l.refreshToken);
          const old = await settle(anon.exchangeRefreshTokenForJWT({ refreshToken: l.refreshToken }));
          assert.equal(old.statusCode, 400, 'the rotated-away token is refused');
          schemas.assert('Errors', old.exception ?? old.response);
        }
      } finally {
        d.setOptions({ refreshTokenPolicy: 'Reusable' });
      }
    });
  }

  test('validate: validateJWT (Bearer) and the legacy `Authorization: JWT` scheme, each a ValidateResponse; 401 for a bad token', async () => {
    const jwt = (await login(api, 'alice@example.com')).response.token!;
    const bearer = await settle(anon.validateJWT(jwt));
    assert.equal(bearer.statusCode, 200);
    schemas.assert('ValidateResponse', bearer.response);
    assert.equal(bearer.response.jwt?.sub, ALICE);
    // Older FusionAuth clients (and apps written against them) send `Authorization: JWT <token>`.
    const legacy = await settle(anon.clientBuilder.build(relay.url).withUri('/api/jwt/validate').withAuthorization(`JWT ${jwt}`).withMethod('GET').go());
    assert.equal(legacy.statusCode, 200);
    schemas.assert('ValidateResponse', legacy.response);
    assert.equal((await settle(anon.validateJWT(await d.mintJwt('alice@example.com', 'store', { expired: true })))).statusCode, 401);
  });

  test('retrieve the user by JWT: GET /api/user with Bearer (and JWT) gives a UserResponse; 401 without', async () => {
    const jwt = (await login(api, 'alice@example.com')).response.token!;
    for (const scheme of ['Bearer', 'JWT']) {
      const r = await settle(anon.clientBuilder.build(relay.url).withUri('/api/user').withAuthorization(`${scheme} ${jwt}`).withMethod('GET').go());
      assert.equal(r.statusCode, 200, scheme);
      schemas.assert('UserResponse', r.response);
      assert.equal((r.response as { user: { id: string } }).user.id, ALICE);
    }
    assert.equal((await settle(anon.clientBuilder.build(relay.url).withUri('/api/user').withMethod('GET').go())).statusCode, 401);
    const byEmail = await settle(api.retrieveUserByEmail('alice@example.com'));
    assert.equal(byEmail.statusCode, 200);
    schemas.assert('UserResponse', byEmail.response);
    const byId = await settle(api.retrieveUser(ALICE));
    assert.equal(byId.statusCode, 200);
  });

  test('logout: revokes the refresh token (query or body), clears both cookies; global revokes all of the user', async () => {
    const l = (await login(api, 'bob@example.com')).response;
    const r = await settle(anon.logout(false, l.refreshToken!));
    assert.equal(r.statusCode, 200);
    // The client hides headers: the cookie side, as a browser holding FusionAuth's cookies calls it.
    const c = (await login(api, 'bob@example.com')).response;
    const viaCookie = await fetch(`${relay.url}/api/logout`, { method: 'POST', headers: { cookie: `refresh_token=${c.refreshToken}; access_token=${c.token}` } });
    assert.equal(viaCookie.status, 200);
    const cleared = viaCookie.headers.getSetCookie();
    for (const name of ['access_token', 'refresh_token']) assert.ok(cleared.some((x) => x.startsWith(`${name}=;`) && /Max-Age=0/.test(x)), `${name} cleared: ${cleared.join(' | ')}`);
    assert.equal((await settle(anon.exchangeRefreshTokenForJWT({ refreshToken: c.refreshToken }))).statusCode, 400, 'the cookie\'s token revoked');
    assert.equal((await settle(anon.exchangeRefreshTokenForJWT({ refreshToken: l.refreshToken }))).statusCode, 400, 'revoked by logout');
    const a = (await login(api, 'bob@example.com')).response;
    const b = (await login(api, 'bob@example.com', FORUMS.id)).response;
    assert.equal((await settle(anon.logoutWithRequest({ global: true, refreshToken: a.refreshToken }))).statusCode, 200);
    assert.equal((await settle(anon.exchangeRefreshTokenForJWT({ refreshToken: b.refreshToken }))).statusCode, 400, 'global logout revoked the forums token too');
  });

  test('revoke: by token, by user, by application (API key); a revoked token then refuses with 400', async () => {
    const byToken = (await login(api, 'alice@example.com')).response.refreshToken!;
    assert.equal((await settle(api.revokeRefreshTokenByToken(byToken))).statusCode, 200);
    assert.equal((await settle(anon.exchangeRefreshTokenForJWT({ refreshToken: byToken }))).statusCode, 400);

    const byUser = (await login(api, 'alice@example.com')).response.refreshToken!;
    assert.equal((await settle(api.revokeRefreshTokensByUserId(ALICE))).statusCode, 200);
    assert.equal((await settle(anon.exchangeRefreshTokenForJWT({ refreshToken: byUser }))).statusCode, 400);

    const byApp = (await login(api, 'bob@example.com', FORUMS.id)).response.refreshToken!;
    const other = (await login(api, 'bob@example.com', STORE.id)).response.refreshToken!;
    assert.equal((await settle(api.revokeRefreshTokensByApplicationId(FORUMS.id))).statusCode, 200);
    assert.equal((await settle(anon.exchangeRefreshTokenForJWT({ refreshToken: byApp }))).statusCode, 400);
    assert.equal((await settle(anon.exchangeRefreshTokenForJWT({ refreshToken: other }))).statusCode, 200, 'the store token is untouched');

    assert.equal((await settle(anon.revokeRefreshTokensByUserId(ALICE))).statusCode, 401, 'revoking by user needs the API key');
  });

  test('discovery: retrieveOpenIdConfiguration gives an OpenIdConfiguration whose URLs are where it was asked', async () => {
    const r = await settle(anon.retrieveOpenIdConfiguration());
    assert.equal(r.statusCode, 200);
    schemas.assert('OpenIdConfiguration', r.response);
    assert.equal(r.response.token_endpoint, `${relay.url}/oauth2/token`);
    assert.equal(r.response.userinfo_endpoint, `${relay.url}/oauth2/userinfo`);
    assert.equal(r.response.jwks_uri, `${relay.url}/.well-known/jwks.json`);
  });

  test('userinfo: retrieveUserInfoFromAccessToken gives a UserinfoResponse; 401 invalid_token (OAuthError) for a bad token', async () => {
    const jwt = (await login(api, 'alice@example.com')).response.token!;
    const r = await settle(anon.retrieveUserInfoFromAccessToken(jwt));
    assert.equal(r.statusCode, 200);
    schemas.assert('UserinfoResponse', r.response);
    assert.equal(r.response.sub, ALICE);
    const bad = await settle(anon.retrieveUserInfoFromAccessToken(await d.mintJwt('alice@example.com', 'store', { badSignature: true })));
    assert.equal(bad.statusCode, 401);
    schemas.assert('OAuthError', bad.exception ?? bad.response);
  });

  test('token refresh with client auth: exchangeRefreshTokenForAccessToken gives an AccessToken; without the secret 401 invalid_client', async () => {
    const rt = (await login(api, 'alice@example.com', FORUMS.id)).response.refreshToken!;
    const r = await settle(anon.exchangeRefreshTokenForAccessToken(rt, FORUMS.id, FORUMS.clientSecret, 'offline_access', ''));
    assert.equal(r.statusCode, 200);
    schemas.assert('AccessToken', r.response);
    assert.equal(r.response.token_type, 'Bearer');
    assert.equal(claimsOf(r.response.access_token!).scope, 'offline_access', 'OAuth tokens carry scope');
    const none = await settle(anon.exchangeRefreshTokenForAccessToken(rt, FORUMS.id, '', 'offline_access', ''));
    assert.equal(none.statusCode, 401);
    const err = (none.exception ?? none.response) as { error?: string; error_reason?: string };
    schemas.assert('OAuthError', err);
    assert.deepEqual([err.error, err.error_reason], ['invalid_client', 'client_authentication_missing']);
    const wrong = await settle(anon.exchangeRefreshTokenForAccessToken(rt, FORUMS.id, 'not-the-secret', 'offline_access', ''));
    assert.equal(wrong.statusCode, 401);
    assert.equal((wrong.exception as { error_reason?: string }).error_reason, 'invalid_client_authentication');
  });
});

/**
 * openid-client 6 is an ES module. A real dynamic import (not the require() that TypeScript's
 * CommonJS output makes of `import()`) loads it on every Node 20, not only where require(esm) works.
 */
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;
let oidc: typeof Oidc;

describe('openid-client against the double (OIDC discovery, userinfo, refresh token grant)', () => {
  let d: FusionAuthDouble;
  let relay: Relay;
  let api: FusionAuthClient;
  before(async () => {
    oidc = (await importEsm('openid-client')) as typeof Oidc;
    d = await FusionAuthDouble.start();
    relay = await d.relay('Backend');
    // openid-client checks that the discovered issuer is the URL it discovered from, as OIDC
    // requires; a FusionAuth meant for OIDC clients has its tenant issuer set to its URL.
    d.setOptions({ issuer: relay.url });
    api = new FusionAuthClient(SEEDED_DIRECTORY.apiKey, relay.url);
  });
  after(() => d.close());

  /** The raw JSON of each answer, by path: openid-client normalises what it returns (token_type lower-cased). */
  const raw = new Map<string, unknown>();
  const recordingFetch: Oidc.CustomFetch = async (url, options) => {
    const res = await fetch(url, options as RequestInit);
    raw.set(new URL(url).pathname, await res.clone().json().catch(() => undefined));
    return res;
  };
  const discover = async (auth: Oidc.ClientAuth) => {
    const config = await oidc.discovery(new URL(relay.url), FORUMS.id, undefined, auth, { execute: [oidc.allowInsecureRequests], [oidc.customFetch]: recordingFetch });
    config[oidc.customFetch] = recordingFetch;
    return config;
  };

  for (const [name, auth] of [
    ['client_secret_basic', () => oidc.ClientSecretBasic(FORUMS.clientSecret)],
    ['client_secret_post', () => oidc.ClientSecretPost(FORUMS.clientSecret)],
  ] as const) {
    test(`refresh token grant with ${name}: tokens back, each an AccessToken; userinfo for the new access token`, async () => {
      const config = await discover(auth());
      assert.equal(config.serverMetadata().token_endpoint, `${relay.url}/oauth2/token`);
      const rt = ((await api.login({ loginId: 'alice@example.com', password: 'password', applicationId: FORUMS.id })).response).refreshToken!;
      const tokens = await oidc.refreshTokenGrant(config, rt);
      schemas.assert('OpenIdConfiguration', raw.get('/.well-known/openid-configuration'));
      schemas.assert('AccessToken', raw.get('/oauth2/token'));
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');
      assert.equal(tokens.refresh_token, rt, 'Reusable: the same refresh token');
      const info = await oidc.fetchUserInfo(config, tokens.access_token, ALICE);
      schemas.assert('UserinfoResponse', raw.get('/oauth2/userinfo'));
      assert.equal(info.email, 'alice@example.com');
    });
  }

  test('without client authentication the grant fails with invalid_client / client_authentication_missing', async () => {
    const config = await discover(oidc.None());
    const rt = ((await api.login({ loginId: 'alice@example.com', password: 'password', applicationId: FORUMS.id })).response).refreshToken!;
    await assert.rejects(oidc.refreshTokenGrant(config, rt), (e: { error?: string; cause?: { error_reason?: string } }) => {
      assert.equal(e.error, 'invalid_client');
      assert.equal(e.cause?.error_reason, 'client_authentication_missing');
      return true;
    });
  });
});

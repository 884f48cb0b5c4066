import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { FusionAuthDouble, SEEDED_DIRECTORY, type Relay } from '../../harness/fusionauth';
import { fusionAuthSchemas } from './openapi-schemas';
import { call, cookieValue } from './helpers';

const STORE = SEEDED_DIRECTORY.applications.store;
const FORUMS = SEEDED_DIRECTORY.applications.forums;
const KEY = SEEDED_DIRECTORY.apiKey;
const ALICE = '11111111-1111-4111-8111-111111111111';
const schemas = fusionAuthSchemas();
/** The seeded keys' ids: RFC 7638 thumbprints of the seeded HMAC secret and of the kit's development RSA key (keys.test.ts). */
const HMAC_KID = 'yI7cFtFcjWszqFYbFHnoDS-P1LgcsHdYCq7pfCnAxT0';
const RSA_KID = 'OZFfpDIF6tPpM63Cmzzgs9fa1xbPtmNxaf6YsJVeqhc';

describe('JWTs', () => {
  let d: FusionAuthDouble;
  let relay: Relay;
  before(async () => {
    d = await FusionAuthDouble.start();
    relay = await d.relay('Store');
  });
  after(() => d.close());

  test('HS256 login token carries FusionAuth claims and verifies with the HMAC secret', async () => {
    const r = await call('relay', d, relay.url, 'POST', '/api/login', { json: { loginId: 'alice@example.com', password: 'password', applicationId: STORE.id }, headers: { authorization: KEY } });
    const { token } = r.json();
    const { payload, protectedHeader } = await jose.jwtVerify(token, new TextEncoder().encode(SEEDED_DIRECTORY.hmacSecret), { issuer: 'acme.com', audience: STORE.id });
    assert.equal(protectedHeader.alg, 'HS256');
    assert.equal(protectedHeader.kid, HMAC_KID);
    assert.equal(payload.sub, ALICE);
    assert.equal(payload.applicationId, STORE.id);
    assert.equal(payload.email, 'alice@example.com');
    assert.equal(payload.email_verified, true);
    assert.equal(payload.authenticationType, 'PASSWORD');
    assert.deepEqual(payload.roles, ['user']);
    assert.equal(payload.tid, SEEDED_DIRECTORY.tenantId);
    assert.equal(typeof payload.jti, 'string');
    const now = Date.now() / 1000;
    assert.ok(Math.abs(payload.iat! - now) < 5, 'iat in seconds');
    assert.ok(Math.abs(payload.exp! - (now + 3600)) < 5, 'exp in seconds');
    assert.equal(payload.auth_time, payload.iat);
    assert.deepEqual(d.verificationKey(), { alg: 'HS256', kid: HMAC_KID, secret: SEEDED_DIRECTORY.hmacSecret });
  });

  test('RS256 token verifies against the JWKS published at /.well-known/jwks.json (RSA keys only)', async () => {
    d.setOptions({ signing: 'RS256' });
    try {
      const jwks = (await call('relay', d, relay.url, 'GET', '/.well-known/jwks.json')).json();
      schemas.assert('JWKSResponse', jwks);
      assert.ok(jwks.keys.length >= 1);
      for (const k of jwks.keys) {
        assert.equal(k.kty, 'RSA');
        assert.equal(k.d, undefined, 'no private parts');
        assert.ok(!JSON.stringify(k).includes(SEEDED_DIRECTORY.hmacSecret));
      }
      const r = await call('in-process', d, undefined, 'POST', '/api/login', { json: { loginId: 'bob@example.com', password: 'password', applicationId: FORUMS.id }, headers: { authorization: KEY } });
      const { payload, protectedHeader } = await jose.jwtVerify(r.json().token, jose.createLocalJWKSet(jwks), { audience: FORUMS.id, issuer: 'acme.com' });
      assert.equal(protectedHeader.alg, 'RS256');
      assert.equal(protectedHeader.kid, RSA_KID);
      assert.equal(payload.sub, '22222222-2222-4222-8222-222222222222');
      const vk = d.verificationKey();
      assert.equal(vk.alg, 'RS256');
      assert.equal(vk.secret, undefined);
      assert.equal(vk.publicJwk!.n, jwks.keys[0].n);
    } finally {
      d.setOptions({ signing: 'HS256' });
    }
  });

  test('mintJwt: expired tokens fail with ERR_JWT_EXPIRED, bad signatures and alg none fail, aud override', async () => {
    const secret = new TextEncoder().encode(SEEDED_DIRECTORY.hmacSecret);
    const good = await d.mintJwt('alice@example.com', 'store');
    assert.equal((await jose.jwtVerify(good, secret)).payload.aud, STORE.id);
    const expired = await d.mintJwt('alice@example.com', 'store', { expired: true });
    await assert.rejects(jose.jwtVerify(expired, secret), (e: { code?: string }) => e.code === 'ERR_JWT_EXPIRED');
    const forged = await d.mintJwt(ALICE, STORE.id, { badSignature: true });
    await assert.rejects(jose.jwtVerify(forged, secret), (e: { code?: string }) => e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    const none = await d.mintJwt('alice@example.com', 'store', { alg: 'none' });
    assert.equal(jose.decodeProtectedHeader(none).alg, 'none');
    await assert.rejects(jose.jwtVerify(none, secret));
    const other = await d.mintJwt('alice@example.com', 'store', { aud: FORUMS.id });
    assert.equal((await jose.jwtVerify(other, secret)).payload.aud, FORUMS.id);
    const rs = await d.mintJwt('alice@example.com', 'forums', { alg: 'RS256', ttlSeconds: 60 });
    const jwks = (await call('in-process', d, undefined, 'GET', '/.well-known/jwks.json')).json();
    const { payload } = await jose.jwtVerify(rs, jose.createLocalJWKSet(jwks));
    assert.equal(payload.exp! - payload.iat!, 60);
    assert.ok(d.issued().jwts.includes(rs));
  });

  test('GET /api/jwt/validate: Bearer or access_token cookie → 200 {jwt}; expired, forged, none, missing → 401', async () => {
    const good = await d.mintJwt('alice@example.com', 'store');
    const byBearer = await call('relay', d, relay.url, 'GET', '/api/jwt/validate', { headers: { authorization: `Bearer ${good}` } });
    assert.equal(byBearer.status, 200);
    schemas.assert('ValidateResponse', byBearer.json());
    assert.equal(byBearer.json().jwt.sub, ALICE);
    const byCookie = await call('in-process', d, undefined, 'GET', '/api/jwt/validate', { headers: { cookie: `access_token=${good}` } });
    assert.equal(byCookie.status, 200);
    for (const bad of [await d.mintJwt('alice@example.com', 'store', { expired: true }), await d.mintJwt('alice@example.com', 'store', { badSignature: true }), await d.mintJwt('alice@example.com', 'store', { alg: 'none' })]) {
      const r = await call('relay', d, relay.url, 'GET', '/api/jwt/validate', { headers: { authorization: `Bearer ${bad}` } });
      assert.equal(r.status, 401);
    }
    assert.equal((await call('relay', d, relay.url, 'GET', '/api/jwt/validate')).status, 401);
  });

  test('GET /api/jwt/public-key in FusionAuth shape', async () => {
    const all = (await call('relay', d, relay.url, 'GET', '/api/jwt/public-key')).json();
    schemas.assert('PublicKeyResponse', all);
    assert.match(all.publicKeys[RSA_KID], /BEGIN PUBLIC KEY/);
    const byKid = await call('relay', d, relay.url, 'GET', `/api/jwt/public-key?kid=${RSA_KID}`);
    assert.match(byKid.json().publicKey, /BEGIN PUBLIC KEY/);
    assert.equal((await call('relay', d, relay.url, 'GET', `/api/jwt/public-key?kid=${HMAC_KID}`)).status, 404, 'no public key for HMAC');
    assert.equal((await call('relay', d, relay.url, 'GET', `/api/jwt/public-key?applicationId=${STORE.id}`)).status, 404, 'store signs with HMAC');
    d.setOptions({ signing: 'RS256' });
    try {
      assert.equal((await call('relay', d, relay.url, 'GET', `/api/jwt/public-key?applicationId=${STORE.id}`)).status, 200);
    } finally {
      d.setOptions({ signing: 'HS256' });
    }
  });
});

describe('POST /api/jwt/refresh', () => {
  let d: FusionAuthDouble;
  let relay: Relay;
  const refresh = (o: { body?: unknown; cookie?: string }) =>
    call('relay', d, relay.url, 'POST', '/api/jwt/refresh', { json: o.body ?? {}, headers: o.cookie ? { cookie: o.cookie } : {} });
  before(async () => {
    d = await FusionAuthDouble.start();
    relay = await d.relay('Browser');
  });
  after(() => d.close());

  test('Reusable: 200 with a new JWT and the same refresh token, cookies set; no API key needed', async () => {
    const rt = d.issueRefreshToken('alice@example.com', 'store');
    const r = await refresh({ body: { refreshToken: rt } });
    assert.equal(r.status, 200);
    const b = r.json();
    schemas.assert('JWTRefreshResponse', b);
    assert.equal(b.refreshToken, rt);
    assert.equal(cookieValue(r.setCookies, 'access_token'), b.token);
    assert.equal(cookieValue(r.setCookies, 'refresh_token'), rt);
    const claims = jose.decodeJwt(b.token);
    assert.equal(claims.sub, ALICE);
    assert.equal(claims.aud, STORE.id);
    assert.equal((await refresh({ body: { refreshToken: rt } })).status, 200, 'reusable');
  });

  test('OneTimeUse: rotated value, the old one is rejected afterwards', async () => {
    d.setOptions({ refreshTokenPolicy: 'OneTimeUse' });
    try {
      const rt = d.issueRefreshToken('bob@example.com', 'forums');
      const r = await refresh({ body: { refreshToken: rt } });
      assert.equal(r.status, 200);
      const next = r.json().refreshToken;
      assert.notEqual(next, rt);
      const again1 = (await refresh({ body: { refreshToken: next } })).json();
      assert.equal(again1.refreshTokenId, r.json().refreshTokenId, 'refreshTokenId "will not change even when using one-time use refresh tokens"');
      const next2 = again1.refreshToken;
      assert.equal(cookieValue(r.setCookies, 'refresh_token'), next);
      assert.equal(d.tokenRole(next), 'refreshToken');
      const again = await refresh({ body: { refreshToken: rt } });
      assert.equal(again.status, 400);
      assert.equal((await refresh({ body: { refreshToken: next } })).status, 400, 'rotated away as well');
      assert.equal((await refresh({ body: { refreshToken: next2 } })).status, 200);
    } finally {
      d.setOptions({ refreshTokenPolicy: 'Reusable' });
    }
  });

  test('expired, revoked and unknown tokens → 400 with Errors (default), empty 404 under refreshFailureStatus 404', async () => {
    const expired = d.issueRefreshToken('alice@example.com', 'store');
    d.expireRefreshToken(expired);
    const revoked = d.issueRefreshToken('alice@example.com', 'store');
    d.revokeRefreshToken(revoked);
    for (const rt of [expired, revoked, 'unknown-refresh-token']) {
      const r = await refresh({ body: { refreshToken: rt } });
      assert.equal(r.status, 400);
      schemas.assert('Errors', r.json());
      assert.equal(r.json().fieldErrors.refreshToken[0].code, '[invalid]refreshToken');
    }
    d.setOptions({ refreshFailureStatus: 404 });
    try {
      for (const rt of [expired, revoked, 'unknown-refresh-token']) {
        const r = await refresh({ body: { refreshToken: rt } });
        assert.equal(r.status, 404);
        assert.equal(r.text, '');
      }
    } finally {
      d.setOptions({ refreshFailureStatus: 400 });
    }
    const mine = d.issueRefreshToken('bob@example.com', 'store');
    d.expireRefreshTokensOf('bob@example.com');
    assert.equal((await refresh({ body: { refreshToken: mine } })).status, 400);
    assert.equal((await refresh({})).json().fieldErrors.refreshToken[0].code, '[blank]refreshToken');
  });

  test('the refresh_token cookie wins over the body', async () => {
    const good = d.issueRefreshToken('alice@example.com', 'store');
    const dead = d.issueRefreshToken('bob@example.com', 'store');
    d.revokeRefreshToken(dead);
    assert.equal((await refresh({ body: { refreshToken: good }, cookie: `refresh_token=${dead}` })).status, 400);
    const r = await refresh({ body: { refreshToken: dead }, cookie: `refresh_token=${good}` });
    assert.equal(r.status, 200);
    assert.equal(jose.decodeJwt(r.json().token).sub, ALICE);
  });
});

describe('POST /oauth2/token grant_type=refresh_token', () => {
  let d: FusionAuthDouble;
  let relay: Relay;
  const token = (form: Record<string, string>, headers: Record<string, string> = {}) => call('relay', d, relay.url, 'POST', '/oauth2/token', { form, headers });
  before(async () => {
    d = await FusionAuthDouble.start();
    relay = await d.relay('Forums');
  });
  after(() => d.close());

  test('200 AccessToken with client_id (+ secret in the form or via Basic)', async () => {
    const rt = d.issueRefreshToken('alice@example.com', 'forums');
    const r = await token({ grant_type: 'refresh_token', refresh_token: rt, client_id: FORUMS.id, client_secret: FORUMS.clientSecret });
    assert.equal(r.status, 200);
    const b = r.json();
    schemas.assert('AccessToken', b);
    assert.equal(b.token_type, 'Bearer');
    assert.equal(b.expires_in, 3600);
    assert.equal(b.userId, ALICE);
    assert.equal(b.refresh_token, rt);
    assert.equal(jose.decodeJwt(b.access_token).aud, FORUMS.id);
    const basic = 'Basic ' + Buffer.from(`${FORUMS.id}:${FORUMS.clientSecret}`).toString('base64');
    assert.equal((await token({ grant_type: 'refresh_token', refresh_token: rt }, { authorization: basic })).status, 200);
    // clientAuthenticationPolicy Required (FusionAuth's default): no secret, no token.
    const noSecret = await token({ grant_type: 'refresh_token', refresh_token: rt, client_id: FORUMS.id });
    assert.equal(noSecret.status, 401, 'client authentication required');
    assert.deepEqual({ error: noSecret.json().error, error_reason: noSecret.json().error_reason }, { error: 'invalid_client', error_reason: 'client_authentication_missing' });
    d.setOptions({ requireClientAuthentication: false });
    try {
      assert.equal((await token({ grant_type: 'refresh_token', refresh_token: rt, client_id: FORUMS.id })).status, 200, 'policy NotRequired');
    } finally {
      d.setOptions({ requireClientAuthentication: true });
    }
  });

  test('OneTimeUse rotates the refresh_token', async () => {
    d.setOptions({ refreshTokenPolicy: 'OneTimeUse' });
    try {
      const rt = d.issueRefreshToken('alice@example.com', 'forums');
      const first = (await token({ grant_type: 'refresh_token', refresh_token: rt, client_id: FORUMS.id, client_secret: FORUMS.clientSecret })).json();
      const b = (await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: FORUMS.id, client_secret: FORUMS.clientSecret })).json();
      assert.notEqual(first.refresh_token, rt);
      assert.notEqual(b.refresh_token, first.refresh_token);
      assert.equal(b.refresh_token_id, first.refresh_token_id, 'the refresh token id survives rotation');
      const again = await token({ grant_type: 'refresh_token', refresh_token: rt, client_id: FORUMS.id, client_secret: FORUMS.clientSecret });
      assert.equal(again.status, 400);
      assert.equal(again.json().error, 'invalid_grant');
    } finally {
      d.setOptions({ refreshTokenPolicy: 'Reusable' });
    }
  });

  test('400 invalid_grant / invalid_request / unsupported_grant_type; 401 invalid_client', async () => {
    const rt = d.issueRefreshToken('alice@example.com', 'forums');
    const unknown = await token({ grant_type: 'refresh_token', refresh_token: 'nope-nope-nope', client_id: FORUMS.id, client_secret: FORUMS.clientSecret });
    assert.equal(unknown.status, 400);
    assert.deepEqual(
      { error: unknown.json().error, error_reason: unknown.json().error_reason },
      { error: 'invalid_grant', error_reason: 'refresh_token_not_found' },
    );
    assert.equal(typeof unknown.json().error_description, 'string');
    const wrongClient = await token({ grant_type: 'refresh_token', refresh_token: rt, client_id: STORE.id, client_secret: STORE.clientSecret });
    assert.equal(wrongClient.status, 400, 'a forums refresh token is not valid for the store client');
    assert.equal((await token({ grant_type: 'refresh_token', client_id: FORUMS.id, client_secret: FORUMS.clientSecret })).json().error, 'invalid_request');
    assert.equal((await token({ grant_type: 'password', client_id: FORUMS.id, client_secret: FORUMS.clientSecret })).json().error, 'unsupported_grant_type');
    assert.equal((await token({ refresh_token: rt, client_id: FORUMS.id, client_secret: FORUMS.clientSecret })).json().error, 'invalid_request');
    const badSecret = await token({ grant_type: 'refresh_token', refresh_token: rt, client_id: FORUMS.id, client_secret: 'wrong' });
    assert.equal(badSecret.status, 401);
    assert.equal(badSecret.json().error, 'invalid_client');
    const badId = await token({ grant_type: 'refresh_token', refresh_token: rt, client_id: '00000000-0000-4000-8000-000000000000', client_secret: 'x' });
    assert.equal(badId.status, 401);
    assert.equal(badId.json().error, 'invalid_client');
    const wrongScheme = await token({ grant_type: 'refresh_token', refresh_token: rt }, { authorization: 'Bearer abc' });
    assert.equal(wrongScheme.json().error_reason, 'invalid_client_authentication_scheme');
    const mismatch = await token({ grant_type: 'refresh_token', refresh_token: rt, client_id: STORE.id }, { authorization: 'Basic ' + Buffer.from(`${FORUMS.id}:${FORUMS.clientSecret}`).toString('base64') });
    assert.equal(mismatch.json().error_reason, 'client_id_mismatch');
    const notForm = await call('relay', d, relay.url, 'POST', '/oauth2/token', { json: { grant_type: 'refresh_token' } });
    // Every error of the endpoint speaks FusionAuth's lists (OAuthErrorType, OAuthErrorReason).
    for (const r of [unknown, badSecret, badId, wrongScheme, mismatch, notForm]) schemas.assert('OAuthError', r.json());
  });
});

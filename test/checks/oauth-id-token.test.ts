import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  atHashChecked,
  clientSecretBasic,
  decodeJwt,
  idTokenAlgNoneRefused,
  idTokenAudChecked,
  idTokenAudRequired,
  idTokenAuthTimeChecked,
  idTokenAzpChecked,
  idTokenExpChecked,
  idTokenIatFresh,
  idTokenIatRequired,
  idTokenIssChecked,
  idTokenKidAbsentAccepted,
  idTokenKidAbsentMultiple,
  idTokenNonceChecked,
  idTokenNonceRequired,
  idTokenOf,
  idTokenSignatureChecked,
  idTokenSubRequired,
  jwksRefetchedOnRotation,
  userinfoBearerHeader,
  userinfoSubChecked,
} from '../../harness/checks';
import { ex } from './hand-built';

/** The id_token and UserInfo checks of the security review on hand-built exchanges: pass, fail, not applicable. */

const CLIENT = '85a03867-dccf-4882-adde-1a79aeec50df';
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (header: object, claims: object) => `${b64(header)}.${b64(claims)}.c2ln`;
const claims = { iss: 'acme.com', aud: CLIENT, sub: 'u-1', iat: 1_700_000_000, exp: 1_700_003_600, nonce: 'n-1', email: 'alice@example.com' };
const tokenAnswer = (idToken: string, status = 200) =>
  ex({ from: 'Store', to: 'FusionAuth', method: 'POST', host: 'auth.example.test', path: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=c1', status, resBody: JSON.stringify({ access_token: 'at', id_token: idToken, token_type: 'Bearer' }) });
const cart = (who = 'alice@example.com', status = 200) => ex({ path: '/shopping-cart', status, resBody: `<h1>Shopping cart of ${who}</h1>` });
const refused = () => ex({ path: '/oauth-redirect?code=c1&state=s', status: 401, resBody: '<h1>Error 401</h1><p>The login could not be completed.</p>' });
const toLogin = () => ex({ path: '/shopping-cart', status: 302, resHeaders: { location: '/login' } });
const base = { app: 'store', user: 'alice@example.com', proof: 'alice@example.com' };

test('decodeJwt and idTokenOf read the header and claims the wire carried, and nothing from a non-JWT', () => {
  const t = jwt({ alg: 'RS256', kid: 'k1' }, claims);
  assert.deepEqual(decodeJwt(t), { header: { alg: 'RS256', kid: 'k1' }, claims });
  assert.equal(decodeJwt('not-a-jwt'), undefined);
  assert.equal(decodeJwt('a.b.c'), undefined);
  assert.deepEqual(idTokenOf(tokenAnswer(t))?.claims.iss, 'acme.com');
  assert.equal(idTokenOf(tokenAnswer(t, 400)), undefined);
});

test('id-token-iss-checked (MUST): refused passes, accepted fails, each citing OIDC Core and the OIDF module', () => {
  const k = idTokenIssChecked;
  assert.deepEqual([k.kind, k.level], ['id-token-iss-checked', 'MUST']);
  const args = { ...base, probe: 'an id_token whose iss is https://evil.example.test', exchange: tokenAnswer(jwt({ alg: 'RS256' }, { ...claims, iss: 'https://evil.example.test' })), delivered: true, control: cart() };
  assert.match(k.ensures(args), /3\.1\.3\.7 item 2.*oidcc-client-test-invalid-iss/);
  const ok = k.evaluate({ ...args, after: refused() });
  assert.deepEqual([ok.ok, ok.notApplicable, ok.actual], [true, undefined, "refused: the browser got 401, not alice@example.com's page (which an ordinary login shows)"]);
  const bad = k.evaluate({ ...args, after: cart() });
  assert.deepEqual([bad.ok, bad.actual], [false, 'an id_token whose iss is https://evil.example.test was accepted: the browser is logged in as alice@example.com (200 with "alice@example.com")']);
  assert.equal(k.evaluate({ ...args, after: toLogin() }).actual, "refused: the browser got 302 to /login, not alice@example.com's page (which an ordinary login shows)");
});

test('a refusal is not judged without the code exchange, without the probe on the wire, without a positive control, or on a crash', () => {
  const k = idTokenNonceChecked;
  const args = { ...base, probe: 'an id_token with another nonce', exchange: tokenAnswer(jwt({ alg: 'HS256' }, { ...claims, nonce: 'other' })), delivered: true, control: cart(), after: refused() };
  assert.equal(k.evaluate(args).ok, true);
  assert.match(k.evaluate({ ...args, exchange: undefined }).notApplicable ?? '', /made no code exchange, so it never received an id_token with another nonce/);
  assert.match(k.evaluate({ ...args, delivered: false }).notApplicable ?? '', /double could not deliver an id_token with another nonce \(a gap in loginflow, not in your backend\)/);
  // A page that never shows the user cannot prove a refusal: the ordinary login must show it first.
  assert.match(k.evaluate({ ...args, control: undefined }).notApplicable ?? '', /no positive control/);
  assert.match(k.evaluate({ ...args, control: cart('someone else') }).notApplicable ?? '', /no positive control/);
  assert.match(k.evaluate({ ...args, after: ex({ path: '/oauth-redirect', status: 500, resBody: 'Internal error.' }) }).notApplicable ?? '', /inconclusive: store answered 500 \(it crashed; a crash is not a refusal\)/);
  assert.match(k.evaluate({ ...args, after: ex({ path: '/oauth-redirect', error: 'ECONNRESET' }) }).notApplicable ?? '', /inconclusive: the browser got no answer after the callback \(ECONNRESET\)/);
});

test('each id_token claim check has its own id and the level its standard gives', () => {
  const levels = [idTokenIssChecked, idTokenAudChecked, idTokenAudRequired, idTokenAzpChecked, idTokenSubRequired, idTokenIatRequired, idTokenExpChecked, idTokenNonceChecked, idTokenNonceRequired, idTokenSignatureChecked, idTokenAlgNoneRefused].map((k) => `${k.kind} ${k.level}`);
  assert.deepEqual(levels, [
    'id-token-iss-checked MUST',
    'id-token-aud-checked MUST',
    'id-token-aud-required MUST',
    'id-token-azp-checked SHOULD',
    'id-token-sub-required MUST',
    'id-token-iat-required MUST',
    'id-token-exp-checked MUST',
    'id-token-nonce-checked MUST',
    'id-token-nonce-required MUST',
    'id-token-signature-checked SHOULD',
    'id-token-alg-none-refused SHOULD',
  ]);
  const args = { ...base, probe: 'an unsigned id_token (alg none)', exchange: tokenAnswer(jwt({ alg: 'none' }, claims)), delivered: true, control: cart() };
  // Item 6 lets a code-flow client rely on TLS: the signature checks say so in what they ensure.
  assert.match(idTokenSignatureChecked.ensures(args), /item 6 allows TLS validation of the token endpoint instead; OIDF oidcc-client-test-invalid-sig-rs256 \/ -hs256/);
  assert.match(idTokenAlgNoneRefused.ensures(args), /oidcc-client-test-idtoken-sig-none accepts none only for a client registered for it/);
  assert.match(idTokenAudRequired.ensures(args), /oidcc-client-test-missing-aud/);
  assert.match(idTokenSubRequired.ensures(args), /oidcc-client-test-missing-sub/);
  assert.match(idTokenIatRequired.ensures(args), /oidcc-client-test-missing-iat/);
  assert.equal(idTokenAlgNoneRefused.evaluate({ ...args, after: cart() }).ok, false);
  assert.equal(idTokenExpChecked.evaluate({ ...args, after: refused() }).ok, true);
});

test('id-token-auth-time-checked (SHOULD) applies only when the authorization request sent max_age', () => {
  const k = idTokenAuthTimeChecked;
  assert.deepEqual([k.kind, k.level], ['id-token-auth-time-checked', 'SHOULD']);
  const args = { ...base, probe: 'an id_token whose auth_time is 2 hours old', exchange: tokenAnswer(jwt({ alg: 'RS256' }, claims)), delivered: true, control: cart() };
  assert.equal(k.evaluate({ ...args, after: cart() }).notApplicable, 'store sent no max_age (and requested no auth_time): item 13 does not apply');
  assert.equal(k.evaluate({ ...args, maxAge: 300, after: cart() }).ok, false);
  assert.equal(k.evaluate({ ...args, maxAge: 300, after: refused() }).ok, true);
});

test('the INFO reports (iat freshness, at_hash, kid absent with several keys) say WORKED or BLOCKED, never fail the run', () => {
  for (const [k, kind] of [
    [idTokenIatFresh, 'id-token-iat-fresh'],
    [atHashChecked, 'at-hash-checked'],
    [idTokenKidAbsentMultiple, 'id-token-kid-absent-multiple'],
  ] as const) {
    assert.deepEqual([k.kind, k.level], [kind, 'INFO']);
    const args = { ...base, probe: 'an odd id_token', exchange: tokenAnswer(jwt({ alg: 'RS256' }, claims)), delivered: true, control: cart() };
    assert.deepEqual([k.evaluate({ ...args, after: cart() }).ok, k.evaluate({ ...args, after: cart() }).actual], [true, "WORKED: 200, alice@example.com's page"]);
    assert.deepEqual([k.evaluate({ ...args, after: toLogin() }).ok, k.evaluate({ ...args, after: toLogin() }).actual], [false, "BLOCKED: 302 to /login, not alice@example.com's page"]);
    assert.ok(k.evaluate({ ...args, control: undefined, after: cart() }).notApplicable);
  }
  assert.match(idTokenKidAbsentMultiple.ensures({ ...base, probe: 'x' }), /either outcome passes/);
});

test('id-token-kid-absent-accepted and jwks-refetched-on-rotation (SHOULD) need the login to work, RS256 only', () => {
  for (const k of [idTokenKidAbsentAccepted, jwksRefetchedOnRotation]) {
    assert.equal(k.level, 'SHOULD');
    const jwks = ex({ from: 'Store', to: 'FusionAuth', host: 'auth.example.test', path: '/.well-known/jwks.json', status: 200, resBody: '{"keys":[]}' });
    const args = { ...base, probe: 'an id_token signed with the new key', alg: 'RS256', jwksFetches: [jwks], exchange: tokenAnswer(jwt({ alg: 'RS256', kid: 'new' }, claims)), delivered: true, control: cart() };
    assert.deepEqual([k.evaluate({ ...args, after: cart() }).ok, k.evaluate({ ...args, after: cart() }).actual], [true, "accepted: alice@example.com's page; 1 JWKS fetch(es) during the login"]);
    const refusedOne = k.evaluate({ ...args, jwksFetches: [], after: refused() });
    assert.deepEqual([refusedOne.ok, refusedOne.actual], [false, 'an id_token signed with the new key was refused (401) though it is signed with the key FusionAuth publishes; no JWKS fetch during the login']);
    assert.match(k.evaluate({ ...args, alg: 'HS256', after: cart() }).notApplicable ?? '', /HS256: FusionAuth publishes no HS256 key in its JWKS/);
    assert.match(k.evaluate({ ...args, verifiesSignatures: false, after: refused() }).notApplicable ?? '', /does not verify id_token signatures/);
  }
  assert.match(idTokenKidAbsentAccepted.ensures({ ...base, probe: 'x', alg: 'RS256', jwksFetches: [] }), /oidcc-client-test-kid-absent-single-jwks: accept/);
  assert.match(jwksRefetchedOnRotation.ensures({ ...base, probe: 'x', alg: 'RS256', jwksFetches: [] }), /oidcc-client-test-signing-key-rotation/);
});

const userinfo = (o: { path?: string; auth?: string; status?: number } = {}) =>
  ex({ from: 'Store', to: 'FusionAuth', host: 'auth.example.test', path: o.path ?? '/oauth2/userinfo', headers: o.auth === undefined ? { authorization: 'Bearer at' } : o.auth ? { authorization: o.auth } : {}, status: o.status ?? 200, resBody: '{"sub":"u-9","email":"mallory@example.com"}' });

test('userinfo-sub-checked (MUST): a UserInfo answer for another sub never shows its data; no UserInfo call is not applicable', () => {
  const k = userinfoSubChecked;
  assert.deepEqual([k.kind, k.level], ['userinfo-sub-checked', 'MUST']);
  const args = { app: 'store', caller: 'Store', calls: [userinfo()], user: 'alice@example.com', proof: 'alice@example.com', other: 'mallory@example.com', otherProof: 'mallory@example.com' };
  assert.match(k.ensures(args), /§5\.3\.4.*oidcc-client-test-userinfo-invalid-sub/);
  assert.equal(k.evaluate({ ...args, after: cart() }).ok, true);
  assert.equal(k.evaluate({ ...args, after: refused() }).ok, true);
  assert.deepEqual([k.evaluate({ ...args, after: cart('mallory@example.com') }).ok, k.evaluate({ ...args, after: cart('mallory@example.com') }).actual], [false, 'the page shows "mallory@example.com", from the UserInfo answer whose sub is not the id_token\'s']);
  assert.equal(k.evaluate({ ...args, calls: [], after: cart() }).notApplicable, 'Store never called /oauth2/userinfo: there is no UserInfo answer to verify');
  assert.ok(k.evaluate({ ...args, after: ex({ status: 502 }) }).notApplicable);
});

test('userinfo-bearer-header (MUST): the access token in an Authorization: Bearer header, never in the query', () => {
  const k = userinfoBearerHeader;
  assert.deepEqual([k.kind, k.level], ['userinfo-bearer-header', 'MUST']);
  const args = { app: 'store', caller: 'Store', user: 'alice@example.com', proof: 'alice@example.com', other: 'x', otherProof: 'x' };
  assert.equal(k.evaluate({ ...args, calls: [userinfo()] }).actual, '1 call(s) with Authorization: Bearer');
  assert.equal(k.evaluate({ ...args, calls: [userinfo({ path: '/oauth2/userinfo?access_token=at', auth: '', status: 401 })] }).actual, 'GET /oauth2/userinfo with the access token in the query string (FusionAuth answered 401)');
  assert.equal(k.evaluate({ ...args, calls: [userinfo({ auth: 'Basic eDp5', status: 401 })] }).actual, 'GET /oauth2/userinfo with no Authorization: Bearer header (FusionAuth answered 401)');
  assert.ok(k.evaluate({ ...args, calls: [] }).notApplicable);
});

test('client-secret-basic (SHOULD): Basic at the token endpoint passes, the secret in the body fails', () => {
  const k = clientSecretBasic;
  assert.deepEqual([k.kind, k.level], ['client-secret-basic', 'SHOULD']);
  const call = (headers: Record<string, string>, body: string) => ex({ from: 'Store', to: 'FusionAuth', method: 'POST', host: 'auth.example.test', path: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body, status: 200 });
  const basic = call({ authorization: `Basic ${Buffer.from(`${CLIENT}:s3cret`).toString('base64')}` }, 'grant_type=authorization_code&code=c1');
  const post = call({}, `grant_type=authorization_code&code=c1&client_id=${CLIENT}&client_secret=s3cret`);
  assert.equal(k.evaluate({ caller: 'Store', calls: [basic] }).actual, '1 token call(s) with Authorization: Basic');
  assert.deepEqual([k.evaluate({ caller: 'Store', calls: [basic, post] }).ok, k.evaluate({ caller: 'Store', calls: [basic, post] }).actual], [false, '1 of 2 token call(s) with client_secret_post (the secret in the form body)']);
  assert.equal(k.evaluate({ caller: 'Store', calls: [call({}, 'grant_type=authorization_code&code=c1')] }).actual, '1 of 1 token call(s) with no client authentication at all');
  assert.ok(k.evaluate({ caller: 'Store', calls: [] }).notApplicable);
  assert.match(k.ensures({ caller: 'Store', calls: [] }), /RFC 6749 §2\.3\.1.*oidcc-client-test-client-secret-basic/);
});

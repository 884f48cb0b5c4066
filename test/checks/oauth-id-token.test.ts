import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Outcome,
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

/** An outcome as [result, what was said, how many exchanges it cites]: every part asserted. */
const v = (o: Outcome) => [o.notApplicable !== undefined ? 'na' : o.ok ? 'pass' : 'fail', o.actual, o.evidence.length];

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
const NOT_SHOWN = "refused: the browser got 401, not alice@example.com's page (which an ordinary login shows)";

test('decodeJwt and idTokenOf read the header and claims the wire carried, and nothing from a non-JWT', () => {
  const t = jwt({ alg: 'RS256', kid: 'k1' }, claims);
  assert.deepEqual(decodeJwt(t), { header: { alg: 'RS256', kid: 'k1' }, claims });
  const raw = (s: string) => Buffer.from(s).toString('base64url');
  for (const bad of ['not-a-jwt', 'a.b.c', 'a.b', `${t}.extra`, `${b64({ alg: 'none' })}.${raw('7')}.`, `${raw('null')}.${b64(claims)}.x`, `${raw('5')}.${b64(claims)}.x`, undefined]) assert.equal(decodeJwt(bad), undefined, String(bad));
  assert.deepEqual(idTokenOf(tokenAnswer(t))?.claims.iss, 'acme.com');
  assert.equal(idTokenOf(tokenAnswer(t, 400)), undefined);
  assert.equal(idTokenOf(ex({ status: 200, resBody: 'not json' })), undefined);
  assert.equal(idTokenOf(undefined), undefined);
  assert.equal(idTokenOf(ex({ error: 'ECONNRESET' })), undefined);
});

test('id-token-iss-checked (MUST): refused passes, accepted fails, each citing OIDC Core and the OIDF module', () => {
  const k = idTokenIssChecked;
  assert.deepEqual([k.kind, k.name, k.level], ['id-token-iss-checked', 'idTokenIssuerChecked', 'MUST']);
  const probe = 'an id_token whose iss is https://evil.example.test';
  const args = { ...base, probe, exchange: tokenAnswer(jwt({ alg: 'RS256' }, { ...claims, iss: 'https://evil.example.test' })), delivered: true, control: cart() };
  assert.equal(k.ensures(args), `store does not log alice@example.com in on ${probe} (OIDC Core 3.1.3.7 item 2: iss MUST exactly match the issuer; OIDF oidcc-client-test-invalid-iss: reject)`);
  assert.deepEqual(v(k.evaluate({ ...args, after: refused() })), ['pass', NOT_SHOWN, 3]);
  assert.deepEqual(v(k.evaluate({ ...args, after: cart() })), ['fail', `${probe} was accepted: the browser is logged in as alice@example.com (200 with "alice@example.com")`, 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: toLogin() })), ['pass', "refused: the browser got 302 to /login, not alice@example.com's page (which an ordinary login shows)", 3]);
  assert.deepEqual(v(k.evaluate({ ...args, delivered: undefined, after: refused() }))[0], 'pass');
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ path: '/x', status: 499 }) }))[0], 'pass');
});

test('a refusal is not judged without the code exchange, without the probe on the wire, without a positive control, or on a crash', () => {
  const k = idTokenNonceChecked;
  const probe = 'an id_token with another nonce';
  const exchange = tokenAnswer(jwt({ alg: 'HS256' }, { ...claims, nonce: 'other' }));
  const args = { ...base, probe, exchange, delivered: true, control: cart(), after: refused() };
  assert.deepEqual(v(k.evaluate(args)), ['pass', NOT_SHOWN, 3]);
  assert.deepEqual(v(k.evaluate({ ...args, exchange: undefined })), ['na', `not judged: store made no code exchange, so it never received ${probe} (see code-exchanged-server-side)`, 0]);
  assert.deepEqual(v(k.evaluate({ ...args, delivered: false })), ['na', `not judged: the FusionAuth double could not deliver ${probe} (a gap in loginflow, not in your backend)`, 1]);
  // A page that never shows the user cannot prove a refusal: the ordinary login must show it first.
  const noControl = 'not judged: no ordinary login of alice@example.com in this run showed "alice@example.com", so a refusal cannot be told from a page that never shows the user (no positive control)';
  assert.deepEqual(v(k.evaluate({ ...args, control: undefined })), ['na', noControl, 1]);
  assert.deepEqual(v(k.evaluate({ ...args, control: cart('someone else') })), ['na', noControl, 2]);
  assert.deepEqual(v(k.evaluate({ ...args, control: cart('alice@example.com', 302) }))[0], 'na');
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ path: '/oauth-redirect', status: 500, resBody: 'Internal error.' }) })), ['na', 'inconclusive: store answered 500 (it crashed; a crash is not a refusal) — fix the error to get a verdict', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ path: '/oauth-redirect', error: 'ECONNRESET' }) })), ['na', 'inconclusive: the browser got no answer after the callback (ECONNRESET)', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: undefined })), ['na', 'inconclusive: the browser got no answer after the callback (no request was made)', 1]);
});

test('each id_token claim check has its own id, name, level and citation, and judges the same way', () => {
  const probe = 'an odd id_token';
  const args = { ...base, probe, exchange: tokenAnswer(jwt({ alg: 'none' }, claims)), delivered: true, control: cart() };
  const table = [idTokenIssChecked, idTokenAudChecked, idTokenAudRequired, idTokenAzpChecked, idTokenSubRequired, idTokenIatRequired, idTokenExpChecked, idTokenNonceChecked, idTokenNonceRequired, idTokenSignatureChecked, idTokenAlgNoneRefused].map((k) => [
    k.kind,
    k.name,
    k.level,
    k.ensures(args).replace(`store does not log alice@example.com in on ${probe} `, ''),
    v(k.evaluate({ ...args, after: cart() }))[0],
    v(k.evaluate({ ...args, after: refused() }))[0],
  ]);
  assert.deepEqual(table, [
    ['id-token-iss-checked', 'idTokenIssuerChecked', 'MUST', '(OIDC Core 3.1.3.7 item 2: iss MUST exactly match the issuer; OIDF oidcc-client-test-invalid-iss: reject)', 'fail', 'pass'],
    ['id-token-aud-checked', 'idTokenAudienceChecked', 'MUST', '(OIDC Core 3.1.3.7 item 3: aud MUST contain the client_id; OIDF oidcc-client-test-invalid-aud: reject)', 'fail', 'pass'],
    ['id-token-aud-required', 'idTokenAudienceRequired', 'MUST', '(OIDC Core 3.1.3.7 item 3 and §2 (aud REQUIRED); OIDF oidcc-client-test-missing-aud: reject)', 'fail', 'pass'],
    ['id-token-azp-checked', 'idTokenAuthorizedPartyChecked', 'SHOULD', '(OIDC Core 3.1.3.7 items 3-5: an additional untrusted audience MUST be rejected, azp SHOULD be the client_id)', 'fail', 'pass'],
    ['id-token-sub-required', 'idTokenSubjectRequired', 'MUST', '(OIDC Core §2: sub REQUIRED; OIDF oidcc-client-test-missing-sub: reject)', 'fail', 'pass'],
    ['id-token-iat-required', 'idTokenIssuedAtRequired', 'MUST', '(OIDC Core §2: iat REQUIRED, 3.1.3.7 item 10; OIDF oidcc-client-test-missing-iat: reject)', 'fail', 'pass'],
    ['id-token-exp-checked', 'idTokenExpiryChecked', 'MUST', '(OIDC Core 3.1.3.7 item 9: the current time MUST be before exp)', 'fail', 'pass'],
    ['id-token-nonce-checked', 'idTokenNonceChecked', 'MUST', '(OIDC Core 3.1.3.7 item 11: the nonce MUST be the one sent; OIDF oidcc-client-test-nonce-invalid: reject)', 'fail', 'pass'],
    ['id-token-nonce-required', 'idTokenNonceRequired', 'MUST', '(OIDC Core 3.1.3.7 item 11: a nonce was sent, so a nonce Claim MUST be present)', 'fail', 'pass'],
    // Item 6 lets a code-flow client rely on TLS: the signature checks are SHOULD and say why.
    ['id-token-signature-checked', 'idTokenSignatureChecked', 'SHOULD', '(OIDC Core 3.1.3.7 items 6-8, where item 6 allows TLS validation of the token endpoint instead; OIDF oidcc-client-test-invalid-sig-rs256 / -hs256: reject)', 'fail', 'pass'],
    ['id-token-alg-none-refused', 'idTokenUnsignedRefused', 'SHOULD', '(OIDC Core 3.1.3.7 items 6-7: alg SHOULD be the registered one (FusionAuth never signs with none); RFC 8725 §3.1; OIDF oidcc-client-test-idtoken-sig-none accepts none only for a client registered for it)', 'fail', 'pass'],
  ]);
});

test('id-token-auth-time-checked (SHOULD) applies only when the authorization request sent max_age', () => {
  const k = idTokenAuthTimeChecked;
  assert.deepEqual([k.kind, k.name, k.level], ['id-token-auth-time-checked', 'idTokenAuthTimeChecked', 'SHOULD']);
  const probe = 'an id_token whose auth_time is 2 hours old';
  const args = { ...base, probe, exchange: tokenAnswer(jwt({ alg: 'RS256' }, claims)), delivered: true, control: cart() };
  assert.equal(k.ensures({ ...args, maxAge: 300 }), `store asked for re-authentication within max_age=300 s and does not log alice@example.com in on ${probe} (OIDC Core 3.1.3.7 item 13)`);
  assert.equal(k.ensures(args), `store asked for re-authentication within max_age=(none) s and does not log alice@example.com in on ${probe} (OIDC Core 3.1.3.7 item 13)`);
  assert.deepEqual(v(k.evaluate({ ...args, after: cart() })), ['na', 'store sent no max_age (and requested no auth_time): item 13 does not apply', 0]);
  assert.deepEqual(v(k.evaluate({ ...args, maxAge: 0, after: cart() }))[0], 'fail');
  assert.deepEqual(v(k.evaluate({ ...args, maxAge: 300, after: refused() })), ['pass', NOT_SHOWN, 3]);
});

test('the INFO reports (iat freshness, at_hash, kid absent with several keys) say WORKED or BLOCKED, never fail the run', () => {
  const probe = 'an odd id_token';
  const table = [idTokenIatFresh, atHashChecked, idTokenKidAbsentMultiple].map((k) => {
    const args = { ...base, probe, exchange: tokenAnswer(jwt({ alg: 'RS256' }, claims)), delivered: true, control: cart() };
    return [k.kind, k.name, k.level, k.ensures(args), v(k.evaluate({ ...args, after: cart() })), v(k.evaluate({ ...args, after: toLogin() })), v(k.evaluate({ ...args, control: undefined, after: cart() }))[0]];
  });
  const worked = ['pass', "WORKED: 200, alice@example.com's page", 2];
  const blocked = ['fail', "BLOCKED: 302 to /login, not alice@example.com's page", 2];
  assert.deepEqual(table, [
    ['id-token-iat-fresh', 'idTokenIssuedRecently', 'INFO', `report whether ${probe} logs alice@example.com in at store (OIDC Core 3.1.3.7 item 10: iat "can be used" to reject old tokens, the range is client specific)`, worked, blocked, 'na'],
    ['at-hash-checked', 'accessTokenHashChecked', 'INFO', `report whether ${probe} logs alice@example.com in at store (OIDC Core 3.1.3.8: in the code flow the client MAY check at_hash)`, worked, blocked, 'na'],
    ['id-token-kid-absent-multiple', 'kidlessTokenWithSeveralKeys', 'INFO', `report whether ${probe} logs alice@example.com in at store (OIDF oidcc-client-test-kid-absent-multiple-jwks: reject, or try every key; either outcome passes)`, worked, blocked, 'na'],
  ]);
});

test('id-token-kid-absent-accepted and jwks-refetched-on-rotation (SHOULD) need the login to work, RS256 only', () => {
  const jwks = ex({ from: 'Store', to: 'FusionAuth', host: 'auth.example.test', path: '/.well-known/jwks.json', status: 200, resBody: '{"keys":[]}' });
  const probe = 'an id_token signed with the new key';
  const args = { ...base, probe, alg: 'RS256', jwksFetches: [jwks], exchange: tokenAnswer(jwt({ alg: 'RS256', kid: 'new' }, claims)), delivered: true, control: cart() };
  assert.deepEqual([idTokenKidAbsentAccepted.kind, idTokenKidAbsentAccepted.name, idTokenKidAbsentAccepted.level], ['id-token-kid-absent-accepted', 'kidlessTokenVerifiedWithTheOnlyKey', 'SHOULD']);
  assert.deepEqual([jwksRefetchedOnRotation.kind, jwksRefetchedOnRotation.name, jwksRefetchedOnRotation.level], ['jwks-refetched-on-rotation', 'jwksRefetchedForUnknownKid', 'SHOULD']);
  assert.equal(idTokenKidAbsentAccepted.ensures(args), `store verifies ${probe} with the only key of FusionAuth's JWKS and logs alice@example.com in (OIDF oidcc-client-test-kid-absent-single-jwks: accept; OIDC Core §10.1: kid is needed only with several keys)`);
  assert.equal(jwksRefetchedOnRotation.ensures(args), 'after FusionAuth rotates its signing key, store fetches the JWKS again for the new kid and logs alice@example.com in (OIDC Core §10.1.1; OIDF oidcc-client-test-signing-key-rotation)');
  for (const k of [idTokenKidAbsentAccepted, jwksRefetchedOnRotation]) {
    assert.deepEqual(v(k.evaluate({ ...args, after: cart() })), ['pass', "accepted: alice@example.com's page; 1 JWKS fetch(es) during the login", 3]);
    assert.deepEqual(v(k.evaluate({ ...args, jwksFetches: [], after: refused() })), ['fail', `${probe} was refused (401) though it is signed with the key FusionAuth publishes; no JWKS fetch during the login`, 2]);
    assert.deepEqual(v(k.evaluate({ ...args, after: toLogin() })), ['fail', `${probe} was refused (302 to /login) though it is signed with the key FusionAuth publishes; 1 JWKS fetch(es) during the login`, 3]);
    assert.deepEqual(v(k.evaluate({ ...args, alg: 'HS256', after: cart() })), ['na', 'HS256: FusionAuth publishes no HS256 key in its JWKS (only asymmetric keys), so there is no key set to look in', 0]);
    assert.deepEqual(v(k.evaluate({ ...args, verifiesSignatures: false, after: refused() })), ['na', 'store does not verify id_token signatures (see id-token-signature-checked), so which key it would pick is not observable', 0]);
    assert.deepEqual(v(k.evaluate({ ...args, verifiesSignatures: true, after: cart() }))[0], 'pass');
    assert.deepEqual(v(k.evaluate({ ...args, control: undefined, after: refused() }))[0], 'na');
  }
});

const userinfo = (o: { path?: string; auth?: string; status?: number } = {}) =>
  ex({ from: 'Store', to: 'FusionAuth', host: 'auth.example.test', path: o.path ?? '/oauth2/userinfo', headers: o.auth === undefined ? { authorization: 'Bearer at' } : o.auth ? { authorization: o.auth } : {}, status: o.status ?? 200, resBody: '{"sub":"u-9","email":"mallory@example.com"}' });
const uargs = { app: 'store', caller: 'Store', user: 'alice@example.com', proof: 'alice@example.com', other: 'mallory@example.com', otherProof: 'mallory@example.com' };

test('userinfo-sub-checked (MUST): a UserInfo answer for another sub never shows its data; no UserInfo call is not applicable', () => {
  const k = userinfoSubChecked;
  assert.deepEqual([k.kind, k.name, k.level], ['userinfo-sub-checked', 'userinfoSubjectMatchesIdToken', 'MUST']);
  const args = { ...uargs, calls: [userinfo()] };
  assert.equal(k.ensures(args), "store uses a UserInfo answer only if its sub is the id_token's (OIDC Core §5.3.4: it MUST be verified, else the values MUST NOT be used; OIDF oidcc-client-test-userinfo-invalid-sub: reject): a UserInfo answer for mallory@example.com does not show mallory@example.com's data to alice@example.com");
  assert.deepEqual(v(k.evaluate({ ...args, after: cart() })), ['pass', "200: nothing of mallory@example.com's shown", 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: toLogin() })), ['pass', "302 to /login: nothing of mallory@example.com's shown", 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: cart('mallory@example.com') })), ['fail', 'the page shows "mallory@example.com", from the UserInfo answer whose sub is not the id_token\'s', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ status: 499, resBody: 'mallory@example.com' }) }))[0], 'fail');
  assert.deepEqual(v(k.evaluate({ ...args, calls: [], after: cart() })), ['na', 'Store never called /oauth2/userinfo: there is no UserInfo answer to verify', 0]);
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ status: 500 }) })), ['na', 'inconclusive: the browser got 500 after the login', 2]);
  assert.deepEqual(v(k.evaluate({ ...args, after: ex({ error: 'ECONNRESET' }) })), ['na', 'inconclusive: the browser got ECONNRESET after the login', 2]);
  assert.deepEqual(v(k.evaluate({ ...args })), ['na', 'inconclusive: the browser got no answer after the login', 1]);
});

test('userinfo-bearer-header (MUST): the access token in an Authorization: Bearer header, never in the query', () => {
  const k = userinfoBearerHeader;
  assert.deepEqual([k.kind, k.name, k.level], ['userinfo-bearer-header', 'userinfoCalledWithBearerHeader', 'MUST']);
  assert.equal(k.ensures({ ...uargs, calls: [] }), 'Store sends the access token to /oauth2/userinfo in an Authorization: Bearer header, never in the URL (RFC 6750 §2.1; RFC 9700 §4.3.2 MUST NOT in a query; FusionAuth requires the header; OIDF oidcc-client-test-userinfo-bearer-header)');
  assert.deepEqual(v(k.evaluate({ ...uargs, calls: [userinfo(), userinfo({ auth: 'bearer  at' })] })), ['pass', '2 call(s) with Authorization: Bearer', 2]);
  assert.deepEqual(v(k.evaluate({ ...uargs, calls: [userinfo(), userinfo({ path: '/oauth2/userinfo?access_token=at', auth: '', status: 401 })] })), ['fail', 'GET /oauth2/userinfo with the access token in the query string (FusionAuth answered 401)', 1]);
  // In the query as well as in the header: still in a URL.
  assert.deepEqual(v(k.evaluate({ ...uargs, calls: [userinfo({ path: '/oauth2/userinfo?x=1&access_token=at' })] }))[1], 'GET /oauth2/userinfo with the access token in the query string (FusionAuth answered 200)');
  assert.deepEqual(v(k.evaluate({ ...uargs, calls: [userinfo({ auth: 'Basic eDp5', status: 401 })] })), ['fail', 'GET /oauth2/userinfo with no Authorization: Bearer header (FusionAuth answered 401)', 1]);
  assert.deepEqual(v(k.evaluate({ ...uargs, calls: [userinfo({ auth: 'Bearer ' })] }))[0], 'fail');
  assert.deepEqual(v(k.evaluate({ ...uargs, calls: [userinfo({ auth: 'xBearer at' })] }))[0], 'fail');
  assert.deepEqual(v(k.evaluate({ ...uargs, calls: [ex({ from: 'Store', to: 'FusionAuth', host: 'auth.example.test', path: '/oauth2/userinfo', error: 'ECONNRESET' })] }))[1], 'GET /oauth2/userinfo with no Authorization: Bearer header (FusionAuth answered ECONNRESET)');
  assert.deepEqual(v(k.evaluate({ ...uargs, calls: [] })), ['na', 'Store never called /oauth2/userinfo', 0]);
});

test('client-secret-basic (SHOULD): Basic at the token endpoint passes, the secret in the body fails', () => {
  const k = clientSecretBasic;
  assert.deepEqual([k.kind, k.name, k.level], ['client-secret-basic', 'clientAuthenticatesWithBasic', 'SHOULD']);
  const call = (headers: Record<string, string>, body: string) => ex({ from: 'Store', to: 'FusionAuth', method: 'POST', host: 'auth.example.test', path: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body, status: 200 });
  const basic = call({ authorization: `Basic ${Buffer.from(`${CLIENT}:s3cret`).toString('base64')}` }, 'grant_type=authorization_code&code=c1');
  const post = call({}, `grant_type=authorization_code&code=c1&client_id=${CLIENT}&client_secret=s3cret`);
  assert.equal(k.ensures({ caller: 'Store', calls: [] }), "Store authenticates to FusionAuth's token endpoint with HTTP Basic (client_secret_basic), not the secret in the body (RFC 6749 §2.3.1: the body is NOT RECOMMENDED; OIDF oidcc-client-test-client-secret-basic)");
  assert.deepEqual(v(k.evaluate({ caller: 'Store', calls: [basic] })), ['pass', '1 token call(s) with Authorization: Basic', 1]);
  assert.deepEqual(v(k.evaluate({ caller: 'Store', calls: [basic, post] })), ['fail', '1 of 2 token call(s) with client_secret_post (the secret in the form body)', 1]);
  assert.deepEqual(v(k.evaluate({ caller: 'Store', calls: [call({}, 'grant_type=authorization_code&code=c1')] })), ['fail', '1 of 1 token call(s) with no client authentication at all', 1]);
  assert.deepEqual(v(k.evaluate({ caller: 'Store', calls: [] })), ['na', 'Store made no token call (see code-exchanged-server-side)', 0]);
});

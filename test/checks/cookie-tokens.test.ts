import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { candidates, carrierByRemoval, findToken, joinSplit, resplit, unwrapSessionId } from '../../harness/checks/cookie-tokens';

/** One test per encoding apps really use: the token must be found, and (where possible) put back re-encoded. */
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS1qd3QtMDEyMzQ1Njc4OQ';
const OTHER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.YW5vdGhlci1zaWduYXR1cmUtMDEyMzQ1Njc4OTAxMjM';
const REFRESH = 'Zr1Xk2v9bT0qL8mN4pQ7sW3yA6cE5gH1jK0oP2rS4uV6xY8zB0dF';
const role = (s: string) => (s === JWT ? 'jwt' : s === REFRESH ? 'refreshToken' : undefined);

/** cookie-signature's format: s:<value>.<base64 HMAC-SHA256 without padding>. */
function sign(v: string, secret = 'keyboard cat'): string {
  return `s:${v}.${createHmac('sha256', secret).update(v).digest('base64').replace(/=+$/, '')}`;
}

test('the bare value is found', () => {
  assert.deepEqual(findToken(JWT, role)?.via, []);
  assert.equal(findToken(JWT, role)?.replace?.(OTHER), OTHER);
});

test('URL-encoded: found, and put back URL-encoded', () => {
  const cookie = encodeURIComponent(`{"rt":"${REFRESH}"}`);
  const f = findToken(cookie, role)!;
  assert.equal(f.role, 'refreshToken');
  assert.deepEqual(f.via, ['url-encoded', 'JSON at .rt']);
  assert.equal(decodeURIComponent(f.replace!('x')), '{"rt":"x"}');
});

test('Express-signed (s:…, URL-encoded as cookie-parser sends it): found, flagged signed, not rewritable', () => {
  const cookie = encodeURIComponent(sign(JWT));
  assert.ok(cookie.startsWith('s%3A'));
  const f = findToken(cookie, role)!;
  assert.equal(f.role, 'jwt');
  assert.deepEqual(f.via, ['url-encoded', 'express-signed']);
  assert.equal(f.signed, true);
  assert.equal(f.replace, undefined, 'the kit cannot re-sign without the app secret');
  assert.deepEqual(unwrapSessionId(encodeURIComponent(sign('Xq9_abcdefghijklmnopqrstuvwxyz012'))), { id: 'Xq9_abcdefghijklmnopqrstuvwxyz012', via: ['url-encoded', 'express-signed'] });
});

test('j: JSON (cookie-parser JSON cookies): found at its member, put back as j: JSON', () => {
  const cookie = encodeURIComponent(`j:${JSON.stringify({ user: { id: 1 }, tokens: { access: JWT, refresh: REFRESH } })}`);
  const f = findToken(cookie, role)!;
  assert.equal(f.role, 'jwt');
  assert.deepEqual(f.via, ['url-encoded', 'j: JSON at .tokens.access']);
  const back = decodeURIComponent(f.replace!(OTHER));
  assert.ok(back.startsWith('j:'));
  assert.deepEqual(JSON.parse(back.slice(2)), { user: { id: 1 }, tokens: { access: OTHER, refresh: REFRESH } });
  assert.ok(candidates(cookie).some((c) => c.value === REFRESH), 'every string inside is a candidate');
});

test('base64 and base64url JSON: found, put back in the same alphabet', () => {
  for (const alphabet of ['base64', 'base64url'] as const) {
    const json = JSON.stringify({ token: JWT, exp: 1 });
    const cookie = Buffer.from(json).toString(alphabet);
    const f = findToken(cookie, role)!;
    assert.equal(f.role, 'jwt', alphabet);
    // Without + / _ - in it, base64 and base64url read the same; either label is right.
    assert.match(f.via.join(' > '), /^base64(url)? JSON at \.token$/, alphabet);
    assert.deepEqual(JSON.parse(Buffer.from(f.replace!(OTHER), alphabet).toString()), { token: OTHER, exp: 1 });
  }
});

test('split cookies (name.0, name.1): joined in chunk order, found, and cut back the same way', () => {
  const whole = Buffer.from(JSON.stringify({ accessToken: JWT })).toString('base64url');
  const cookies = [
    { key: 'other', value: 'x' },
    { key: 'auth.1', value: whole.slice(30) },
    { key: 'auth.0', value: whole.slice(0, 30) },
  ];
  const joined = joinSplit(cookies);
  const auth = joined.find((c) => c.key === 'auth')!;
  assert.equal(auth.value, whole);
  assert.deepEqual(auth.parts.map((p) => p.key), ['auth.0', 'auth.1']);
  const f = findToken(auth.value, role)!;
  assert.equal(f.role, 'jwt');
  const chunks = resplit(f.replace!(OTHER), auth.parts);
  assert.equal(chunks.length, 2);
  assert.equal(chunks[0].length, 30);
  assert.equal(findToken(chunks.join(''), (s) => (s === OTHER ? 'jwt' : undefined))?.role, 'jwt');
  assert.deepEqual(joinSplit([{ key: 'v.2', value: 'a' }]).map((c) => c.key), ['v.2'], 'a lone numbered cookie is not a chunk');
});

test('an opaque (encrypted) cookie holds nothing findable: the carrier is found by removing cookies one at a time', async () => {
  const sealed = 'Fe26.2**0cdd1f0b3b0c3a2f**8CcrDLxWAR1GHb0vRwaOqw*Q2Z0bWxqZ0dGRXZpU3pp**a1b2c3';
  assert.equal(findToken(sealed, role), undefined);
  const tried: string[][] = [];
  const carrier = await carrierByRemoval(['theme', 'csrf', 'app-session', 'later'], async (without) => {
    tried.push(without);
    return !without.includes('app-session');
  });
  assert.deepEqual(carrier.cookies, ['app-session']);
  assert.deepEqual(tried, [['theme'], ['csrf'], ['app-session']], 'stops at the first cookie whose removal loses the login');
  assert.match(carrier.why, /found by trying: without app-session the logged-in page was lost, without theme, csrf it was still shown/);
  // A JWT cookie and a refresh cookie recover each other: only both together carry the login.
  const pair = await carrierByRemoval(['jwt', 'refresh'], async (without) => without.length < 2);
  assert.deepEqual(pair.cookies, ['jwt', 'refresh']);
  assert.match(pair.why, /they carry the login together/);
  const none = await carrierByRemoval(['a', 'b'], async () => true);
  assert.deepEqual(none.cookies, []);
  assert.match(none.why, /none of them carries it/);
});

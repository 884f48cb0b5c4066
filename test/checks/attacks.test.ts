import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stolenJwtOpensPage, stolenRefreshTokenOpensPage, stolenRefreshTokenRefreshed, stolenSessionOpensPage } from '../../harness/checks';
import { ex } from './hand-built';

const v = (o: { ok: boolean; actual: string; evidence: unknown[] }) => [o.ok, o.actual, o.evidence];

test('attack checks are INFO, with their ids and names', () => {
  assert.deepEqual(
    [stolenRefreshTokenRefreshed, stolenRefreshTokenOpensPage, stolenJwtOpensPage, stolenSessionOpensPage].map((c) => [c.kind, c.name, c.level]),
    [
      ['attack-refresh', 'stolenRefreshTokenGetsNewJwt', 'INFO'],
      ['attack-page', 'stolenRefreshTokenOpensPage', 'INFO'],
      ['attack-stolen-jwt', 'stolenJwtOpensPage', 'INFO'],
      ['attack-stolen-session', 'stolenSessionIdOpensPage', 'INFO'],
    ],
  );
});

test('attack-refresh: WORKED when the backend got a 200 from a refresh with the stolen token, BLOCKED otherwise', () => {
  const k = stolenRefreshTokenRefreshed;
  const a = { attack: 'the store refreshed with the stolen token', caller: 'Store' };
  assert.equal(k.ensures({ ...a, exchanges: [] }), 'report whether the store refreshed with the stolen token');
  const page = ex({ from: 'Hacker', to: 'Store', path: '/cart', status: 200 });
  const refresh = (status: number, o: { from?: string; path?: string; body?: string } = {}) => ex({ from: o.from ?? 'Store', to: 'FusionAuth', method: 'POST', path: o.path ?? '/api/jwt/refresh', body: o.body ?? '{"refreshToken":"rt"}', status });
  const ok = refresh(200);
  assert.deepEqual(v(k.evaluate({ ...a, exchanges: [page, ok] })), [true, 'WORKED: FusionAuth issued a new JWT for the stolen refresh token', [ok]]);
  const token = refresh(200, { path: '/oauth2/token', body: 'grant_type=refresh_token&refresh_token=rt' });
  assert.equal(k.evaluate({ ...a, exchanges: [token] }).ok, true, 'the OAuth refresh grant counts');
  const r400 = refresh(400);
  const r404 = refresh(404);
  assert.deepEqual(v(k.evaluate({ ...a, exchanges: [page, r400, r404] })), [false, 'BLOCKED: the refresh answered 400, 404', [r400, r404]]);
  const broken = ex({ from: 'Store', to: 'FusionAuth', method: 'POST', path: '/api/jwt/refresh', error: 'ECONNRESET' });
  assert.equal(k.evaluate({ ...a, exchanges: [broken] }).actual, 'BLOCKED: the refresh answered ECONNRESET');
  const notIt = [page, refresh(200, { from: 'Forums' }), refresh(200, { path: '/api/login' }), refresh(200, { path: '/oauth2/token', body: 'grant_type=authorization_code' })];
  assert.deepEqual(v(k.evaluate({ ...a, exchanges: notIt })), [false, 'BLOCKED: Store made no refresh call', []]);
});

test('attack-page / attack-stolen-jwt / attack-stolen-session: WORKED when the user\'s page was shown (and, with a refresh token, a new JWT cookie set)', () => {
  const base = { attack: "the hacker got richard's cart", page: 'cart', user: 'richard', proof: 'richard@example.test' };
  const cart = (status: number, body: string, setCookie?: string[]) => ex({ from: 'Hacker', path: '/cart', status, resBody: body, resHeaders: setCookie ? { 'set-cookie': setCookie } : {} });
  const shown = cart(200, '<p>richard@example.test</p>');
  for (const k of [stolenJwtOpensPage, stolenSessionOpensPage]) {
    assert.equal(k.ensures({ ...base, response: shown }), "report whether the hacker got richard's cart");
    assert.deepEqual(v(k.evaluate({ ...base, response: shown })), [true, 'WORKED: 200: page shown', [shown]]);
    const login = cart(302, '');
    assert.deepEqual(v(k.evaluate({ ...base, response: login })), [false, 'BLOCKED: 302: page not shown', [login]]);
    assert.equal(k.evaluate({ ...base, response: cart(200, '<p>someone@example.test</p>') }).ok, false, "another user's page");
    assert.deepEqual(v(k.evaluate(base)), [false, 'BLOCKED: no request was made: page not shown', []]);
    const reset = ex({ from: 'Hacker', path: '/cart', error: 'ECONNRESET' });
    assert.equal(k.evaluate({ ...base, response: reset }).actual, 'BLOCKED: ECONNRESET: page not shown');
  }
  const k = stolenRefreshTokenOpensPage;
  const jwts = ['eyJ-old', 'eyJ-new'];
  const withJwt = cart(200, '<p>richard@example.test</p>', ['theme=dark', 'app.at=eyJ-new; HttpOnly']);
  assert.deepEqual(v(k.evaluate({ ...base, newJwtAmong: jwts, response: withJwt })), [true, 'WORKED: 200: page shown, new JWT cookie set', [withJwt]]);
  const wrapped = cart(200, '<p>richard@example.test</p>', [`session=${encodeURIComponent('j:{"jwt":"eyJ-new"}')}`]);
  assert.equal(k.evaluate({ ...base, newJwtAmong: jwts, response: wrapped }).ok, true, 'a JWT wrapped inside the cookie value counts');
  assert.deepEqual(v(k.evaluate({ ...base, newJwtAmong: jwts, response: shown })), [false, 'BLOCKED: 200: page shown, new JWT cookie not set', [shown]]);
  const foreign = cart(200, '<p>richard@example.test</p>', ['app.at=eyJ-not-issued']);
  assert.equal(k.evaluate({ ...base, newJwtAmong: jwts, response: foreign }).ok, false, 'a cookie value FusionAuth did not issue is not a new JWT');
  const refused = cart(401, '', ['app.at=eyJ-new']);
  assert.deepEqual(v(k.evaluate({ ...base, newJwtAmong: jwts, response: refused })), [false, 'BLOCKED: 401: page not shown, new JWT cookie set', [refused]]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateEntropyBits, newSessionIdAtLogin, sessionCookieSet, sessionExtendedOnUse, sessionIdEntropy, setCookiesOf, tokensNotInBrowser } from '../../harness/checks';
import { ex } from './hand-built';

const v = (o: { ok: boolean; actual: string; evidence: unknown[] }) => [o.ok, o.actual, o.evidence];

test('session-cookie-set: the login answer sets a session cookie; others are named', () => {
  const k = sessionCookieSet;
  assert.deepEqual([k.kind, k.name, k.level], ['session-cookie-set', 'sessionIdKeptInCookie', 'MUST']);
  const r = ex({ method: 'POST', path: '/login', status: 302, resHeaders: { 'set-cookie': ['sid=s1; HttpOnly', 'theme=dark', 'lang=en'] } });
  const [sid, ...others] = setCookiesOf(r);
  assert.equal(k.ensures({ app: 'the store', others: [] }), 'the store answers the login with a cookie holding the id of its new server-side session');
  assert.deepEqual(v(k.evaluate({ app: 'the store', response: r, session: sid, others })), [true, 'session cookie sid; also set: theme, lang', [r]]);
  assert.deepEqual(v(k.evaluate({ app: 'the store', response: r, session: sid, others: [] })), [true, 'session cookie sid', [r]]);
  assert.deepEqual(v(k.evaluate({ app: 'the store', response: r, others })), [false, 'the login answer set no session cookie', [r]]);
  assert.deepEqual(v(k.evaluate({ app: 'the store', others: [] })), [false, 'the login answer set no session cookie', []]);
});

test('tokens-not-in-browser: no issued token in any answer header or body', () => {
  const k = tokensNotInBrowser;
  assert.deepEqual([k.kind, k.name, k.level], ['tokens-not-in-browser', 'tokensStayOnServer', 'MUST']);
  assert.equal(k.ensures({ actor: 'Browser', exchanges: [], tokens: [] }), 'neither the JWT nor the refresh token FusionAuth issued ever reaches the Browser (no cookie, header or page holds one)');
  const clean = ex({ path: '/cart', status: 200, resHeaders: { 'set-cookie': 'sid=s1' }, resBody: 'cart' });
  const pending = ex({ path: '/slow', error: 'timeout' });
  const tokens = ['jwt-AAAA', 'rt-BBBB'];
  assert.deepEqual(v(k.evaluate({ actor: 'Browser', exchanges: [clean, pending], tokens })), [true, 'none of 2 issued tokens appears in 2 answers', []]);
  const cookie = ex({ method: 'POST', path: '/login', status: 302, resHeaders: { 'set-cookie': ['sid=s1', 'rt=rt-BBBB'] } });
  const header = ex({ path: '/api', status: 200, resHeaders: { 'x-token': 'jwt-AAAA rt-BBBB' } });
  const body = ex({ path: '/me', status: 200, resHeaders: {}, resBody: '{"token":"jwt-AAAA"}' });
  const o = k.evaluate({ actor: 'Browser', exchanges: [clean, cookie, header, body, pending], tokens });
  assert.deepEqual(v(o), [false, 'a token FusionAuth issued reached the Browser: POST /login → a Set-Cookie header; GET /api → a header; GET /me → the body', [cookie, header, body]]);
  const bodyWithCookie = ex({ path: '/b', status: 200, resHeaders: { 'set-cookie': 'sid=1' }, resBody: 'rt-BBBB' });
  assert.equal(k.evaluate({ actor: 'Browser', exchanges: [bodyWithCookie], tokens }).actual, 'a token FusionAuth issued reached the Browser: GET /b → the body');
  const noBody = ex({ path: '/n', status: 204, resHeaders: {} });
  assert.equal(k.evaluate({ actor: 'Browser', exchanges: [noBody], tokens: ['rt-BBBB'] }).ok, true);
  assert.equal(k.evaluate({ actor: 'Browser', exchanges: [noBody], tokens: ['was'] }).ok, true, 'no body is not a body that could hold a token');
  // Wrapped so that the raw header does not show it (base64 JSON): still a cookie that holds it.
  const wrapped = ex({ method: 'POST', path: '/login', status: 302, resHeaders: { 'set-cookie': `s=${Buffer.from(JSON.stringify({ jwt: 'jwt-AAAA' })).toString('base64')}; HttpOnly` } });
  assert.ok(!JSON.stringify(wrapped.response!.headers).includes('jwt-AAAA'));
  assert.deepEqual(v(k.evaluate({ actor: 'Browser', exchanges: [wrapped], tokens })), [false, 'a token FusionAuth issued reached the Browser: POST /login → a Set-Cookie header', [wrapped]]);
  const beside = ex({ path: '/x', status: 200, resHeaders: { 'set-cookie': 'sid=1', 'x-jwt': 'jwt-AAAA' } });
  assert.equal(k.evaluate({ actor: 'Browser', exchanges: [beside], tokens }).actual, 'a token FusionAuth issued reached the Browser: GET /x → a Set-Cookie header', 'a header of an answer that sets cookies is reported as the Set-Cookie one');
});

test('new-session-id (SHOULD): a session id the browser held before is not kept', () => {
  const k = newSessionIdAtLogin;
  assert.deepEqual([k.kind, k.name, k.level], ['new-session-id', 'sessionIdRenewedAtLogin', 'SHOULD']);
  const e = [ex({})];
  assert.equal(k.ensures({ app: 'the store', evidence: e }), 'the store issues a new session id at login, not the one the browser held before (session fixation, ASVS V3.2.1)');
  assert.deepEqual(v(k.evaluate({ app: 's', before: 'a', after: 'b', evidence: e })), [true, 'a new session id was issued', e]);
  assert.deepEqual(v(k.evaluate({ app: 's', before: 'a', after: 'a', evidence: e })), [false, 'session fixation: the session id the browser holds after login is the one it held before (whoever planted that id now shares the logged-in session)', e]);
  assert.deepEqual(v(k.evaluate({ app: 's', before: 'a', evidence: e })), [false, 'the browser holds no session cookie after the login', e]);
  assert.deepEqual(v(k.evaluate({ app: 's', after: 'b', evidence: e })), [false, 'the browser held no session id before this login, so nothing was proven', e]);
});

test('estimateEntropyBits: duplicates, counters, and random ids from their alphabet', () => {
  assert.deepEqual(estimateEntropyBits([]), { bits: 0, reason: 'fewer than two samples' });
  assert.deepEqual(estimateEntropyBits(['abc']), { bits: 0, reason: 'fewer than two samples' });
  assert.deepEqual(estimateEntropyBits(['abc', 'abd', 'abc']), { bits: 0, reason: 'the same id was issued twice' });
  assert.deepEqual(estimateEntropyBits(['sess-0001-x', 'sess-0002-x', 'sess-0004-x']), { bits: Math.log2(3), reason: 'sequential: consecutive ids differ by at most 2' });
  assert.deepEqual(estimateEntropyBits(['9', '1', '5']), { bits: Math.log2(5), reason: 'sequential: consecutive ids differ by at most 4' }, 'sorted before the steps are taken');
  assert.deepEqual(estimateEntropyBits(['1', '9', '5']), { bits: Math.log2(5), reason: 'sequential: consecutive ids differ by at most 4' }, 'sorted ascending (unsorted the step would be 8)');
  assert.deepEqual(estimateEntropyBits(['1', '9', '5', '13']), { bits: Math.log2(5), reason: 'sequential: consecutive ids differ by at most 4' });
  assert.deepEqual(estimateEntropyBits(['1e3', '2e4']), { bits: 3 * 4, reason: '3 varying characters from an alphabet of 16' }, 'only all-digit parts are counters, not numbers JavaScript would read');
  assert.deepEqual(estimateEntropyBits(['0', '65536']), { bits: 4, reason: '1 varying characters from an alphabet of 16' }, 'a step of 65536 is no counter (digits count as hex)');
  assert.deepEqual(estimateEntropyBits(['0', '65535']), { bits: 16, reason: 'sequential: consecutive ids differ by at most 65535' });
  // Hex: 16 symbols, whatever digits appear.
  assert.deepEqual(estimateEntropyBits(['id-a1b2', 'id-c3d4', 'id-e5f6']), { bits: 4 * 4, reason: '4 varying characters from an alphabet of 16 after the common prefix "id-"' });
  assert.deepEqual(estimateEntropyBits(['A1B2', 'C3D4']), { bits: 4 * 4, reason: '4 varying characters from an alphabet of 16' });
  assert.deepEqual(estimateEntropyBits(['abcd', 'bcda']), { bits: 4 * 4, reason: '4 varying characters from an alphabet of 16' }, 'hex letters only');
  // Mixed: digits + lower + upper + each other symbol.
  assert.deepEqual(estimateEntropyBits(['aZ9_', 'qX1-']), { bits: 4 * Math.log2(64), reason: '4 varying characters from an alphabet of 64' });
  assert.deepEqual(estimateEntropyBits(['xyzg', 'ghij']), { bits: 4 * Math.log2(26), reason: '4 varying characters from an alphabet of 26' });
  assert.deepEqual(estimateEntropyBits(['XYZG', 'GHIJ']), { bits: 4 * Math.log2(26), reason: '4 varying characters from an alphabet of 26' });
  assert.deepEqual(estimateEntropyBits(['XY-', 'GH.']), { bits: 3 * Math.log2(28), reason: '3 varying characters from an alphabet of 28' });
  assert.deepEqual(estimateEntropyBits(['_-', '-_']), { bits: 2 * Math.log2(2), reason: '2 varying characters from an alphabet of 2' });
  assert.deepEqual(estimateEntropyBits(['__!', '--!']), { bits: 2 * Math.log2(2), reason: '2 varying characters from an alphabet of 2' }, 'the common suffix does not count');
  assert.deepEqual(estimateEntropyBits(['_', '-']), { bits: 1, reason: '1 varying characters from an alphabet of 2' });
  assert.deepEqual(estimateEntropyBits(['__', '-_', '_-_']), { bits: 1, reason: '1 varying characters from an alphabet of 2' }, 'the shortest varying part counts');
  assert.deepEqual(estimateEntropyBits(['gz', 'gzq']), { bits: 0, reason: '0 varying characters from an alphabet of 26 after the common prefix "gz"' });
  assert.deepEqual(estimateEntropyBits(['1a', '2b']), { bits: 2 * 4, reason: '2 varying characters from an alphabet of 16' }, 'not all numbers: not a counter');
});

test('session-id-entropy (SHOULD): the estimate against the minimum', () => {
  const k = sessionIdEntropy;
  assert.deepEqual([k.kind, k.name, k.level], ['session-id-entropy', 'sessionIdUnguessable', 'SHOULD']);
  const e = [ex({})];
  const samples = ['id-a1b2', 'id-c3d4', 'id-e5f6'];
  assert.equal(k.ensures({ app: 'the store', samples, minBits: 64, evidence: e }), "the store's session ids carry at least 64 bits of entropy (estimated over 3 logins)");
  assert.deepEqual(v(k.evaluate({ app: 's', samples, minBits: 16, evidence: e })), [true, 'about 16 bits: 4 varying characters from an alphabet of 16 after the common prefix "id-"', e]);
  assert.deepEqual(v(k.evaluate({ app: 's', samples, minBits: 17, evidence: e })).slice(0, 1), [false]);
  assert.equal(k.evaluate({ app: 's', samples: ['1', '2', '4'], minBits: 1, evidence: e }).actual, 'about 1 bits: sequential: consecutive ids differ by at most 2', 'bits rounded down');
});

test('session-extended: loads under the TTL keep the session past the TTL from login', () => {
  const k = sessionExtendedOnUse;
  assert.deepEqual([k.kind, k.name, k.level], ['session-extended', 'sessionSlidesOnUse', 'MUST']);
  const base = { app: 'the store', page: 'shopping cart', user: 'Richard', proof: 'richard@example.test', ttlMs: 1000, loginAt: 10_000 };
  assert.equal(k.ensures({ ...base, loads: [] }), "each use extends the store's session: loads spaced under the TTL (1000 ms) keep showing Richard's shopping cart past the TTL counted from login");
  const l = (at: number, shown: boolean, status = shown ? 200 : 302) => ({ at: 10_000 + at, exchange: ex({ path: '/cart', status, resBody: shown ? '<p>richard@example.test</p>' : '' }) });
  const good = [l(600, true), l(1200, true), l(1800, true)];
  assert.deepEqual(v(k.evaluate({ ...base, loads: good })), [true, '3 loads at 600 ms, 1200 ms, 1800 ms after login all showed the shopping cart', good.map((x) => x.exchange)]);
  assert.deepEqual(v(k.evaluate({ ...base, loads: [] })), [false, 'no load was made', []]);
  assert.deepEqual(v(k.evaluate({ ...base, loads: [l(600, true), l(1000, true)] })), [false, 'the last load was only 1000 ms after login: nothing proven', []]);
  assert.equal(k.evaluate({ ...base, loads: [l(600, true), l(1001, true)] }).ok, true);
  const bad = [l(600, true), l(1200, false), l(1800, false)];
  assert.deepEqual(v(k.evaluate({ ...base, loads: bad })), [false, '1200 ms after login (under the TTL since the previous use) the shopping cart was not shown: 302', [bad[1].exchange]]);
  const err = { at: 10_500, exchange: ex({ path: '/cart', error: 'ECONNRESET' }) };
  const other = { at: 10_600, exchange: ex({ path: '/cart', status: 200, resBody: '<p>someone@example.test</p>' }) };
  assert.equal(k.evaluate({ ...base, loads: [other, l(1200, true)] }).actual, '600 ms after login (under the TTL since the previous use) the shopping cart was not shown: 200', "another user's page is not the user's");
  assert.equal(k.evaluate({ ...base, loads: [err, l(1500, true)] }).actual, '500 ms after login (under the TTL since the previous use) the shopping cart was not shown: ECONNRESET');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { request } from 'undici';
import { FusionAuthDouble, SEEDED_DIRECTORY } from '../../harness/fusionauth';
import { fusionAuthSchemas } from './openapi-schemas';
import { Journal } from '../../harness/trace';

/**
 * Bad input from a backend under test, through a relay as a backend sends it: the double
 * answers as FusionAuth does, records every such call in the journal (the report shows
 * them), and keeps answering afterwards. The answers themselves for the common cases are
 * in login.test.ts and tokens.test.ts; this file is about the odd ones, the journal and
 * surviving them.
 */
const STORE = SEEDED_DIRECTORY.applications.store.id;
const KEY = SEEDED_DIRECTORY.apiKey;
const schemas = fusionAuthSchemas();
const GOOD = { loginId: 'alice@example.com', password: 'password', applicationId: STORE };

interface Bad {
  what: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  status: number;
  /** generalErrors[0].code, or a fieldErrors key → code. */
  general?: string;
  field?: [string, string];
  /** The answer is empty (FusionAuth's 401 / 404). */
  empty?: boolean;
  /** Oauth error field. */
  oauth?: string;
}

const json = { 'content-type': 'application/json' };
const keyed = { ...json, authorization: KEY };

const CASES: Bad[] = [
  { what: 'login: truncated JSON', path: '/api/login', headers: keyed, body: '{"loginId": ', status: 400, general: '[invalidJSON]' },
  { what: 'login: JSON array', path: '/api/login', headers: keyed, body: '[1,2]', status: 400, general: '[invalidJSON]' },
  { what: 'login: JSON null', path: '/api/login', headers: keyed, body: 'null', status: 400, general: '[invalidJSON]' },
  { what: 'login: binary garbage', path: '/api/login', headers: keyed, body: Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x80]), status: 400, general: '[invalidJSON]' },
  { what: 'login: text/plain', path: '/api/login', headers: { 'content-type': 'text/plain', authorization: KEY }, body: JSON.stringify(GOOD), status: 400, general: '[invalidContentType]' },
  { what: 'login: no content type', path: '/api/login', headers: { authorization: KEY }, body: JSON.stringify(GOOD), status: 400, general: '[invalidContentType]' },
  { what: 'login: form-encoded', path: '/api/login', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: KEY }, body: 'loginId=alice%40example.com&password=password', status: 400, general: '[invalidContentType]' },
  { what: 'login: no loginId', path: '/api/login', headers: keyed, body: JSON.stringify({ password: 'password', applicationId: STORE }), status: 400, field: ['loginId', '[blank]loginId'] },
  { what: 'login: no password', path: '/api/login', headers: keyed, body: JSON.stringify({ loginId: 'alice@example.com', applicationId: STORE }), status: 400, field: ['password', '[blank]password'] },
  { what: 'login: loginId not a string', path: '/api/login', headers: keyed, body: JSON.stringify({ ...GOOD, loginId: 42 }), status: 400, field: ['loginId', '[blank]loginId'] },
  { what: 'login: no API key', path: '/api/login', headers: json, body: JSON.stringify(GOOD), status: 401, empty: true },
  { what: 'login: garbage API key', path: '/api/login', headers: { ...json, authorization: '\u00e9t\u00e9 ; DROP TABLE keys' }, body: JSON.stringify(GOOD), status: 401, empty: true },
  { what: 'login: API key as Bearer', path: '/api/login', headers: { ...json, authorization: `Bearer ${KEY}` }, body: JSON.stringify(GOOD), status: 401, empty: true },
  { what: 'refresh: truncated JSON', path: '/api/jwt/refresh', headers: json, body: '{"refreshToken"', status: 400, general: '[invalidJSON]' },
  { what: 'refresh: text/plain', path: '/api/jwt/refresh', headers: { 'content-type': 'text/plain' }, body: '{"refreshToken":"x"}', status: 400, general: '[invalidContentType]' },
  { what: 'refresh: unknown token', path: '/api/jwt/refresh', headers: json, body: JSON.stringify({ refreshToken: 'no-such-token' }), status: 400, field: ['refreshToken', '[invalid]refreshToken'] },
  { what: 'refresh: token not a string', path: '/api/jwt/refresh', headers: json, body: JSON.stringify({ refreshToken: { $ne: null } }), status: 400, field: ['refreshToken', '[blank]refreshToken'] },
  { what: 'refresh: unknown token in the cookie', path: '/api/jwt/refresh', headers: { cookie: 'refresh_token=no-such-token' }, status: 400, field: ['refreshToken', '[invalid]refreshToken'] },
  { what: 'token: unknown refresh token', path: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=refresh_token&refresh_token=nope&client_id=${STORE}&client_secret=${SEEDED_DIRECTORY.applications.store.clientSecret}`, status: 400, oauth: 'invalid_grant' },
  { what: 'token: no client secret', path: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=refresh_token&refresh_token=nope&client_id=${STORE}`, status: 401, oauth: 'invalid_client' },
  { what: 'unknown endpoint', path: '/api/does-not-exist', headers: keyed, body: JSON.stringify(GOOD), status: 404, empty: true },
  { what: 'unknown method on a known path', method: 'PATCH', path: '/api/login', headers: keyed, body: JSON.stringify(GOOD), status: 404, empty: true },
];

async function send(url: string, c: Bad) {
  const r = await request(url + c.path, { method: (c.method ?? 'POST') as 'POST', headers: c.headers, body: c.body });
  const text = await r.body.text();
  return { status: r.statusCode, text };
}

test('malformed calls get FusionAuth answers, every one is journalled, and the double keeps answering', async () => {
  const journal = new Journal();
  const d = await FusionAuthDouble.start({ journal });
  const relay = await d.relay('Store');
  try {
    for (const c of CASES) {
      const r = await send(relay.url, c);
      assert.equal(r.status, c.status, `${c.what}: status (${r.text})`);
      if (c.empty) assert.equal(r.text, '', `${c.what}: empty body`);
      if (c.general || c.field) {
        const b = JSON.parse(r.text);
        schemas.assert('Errors', b);
        if (c.general) assert.equal(b.generalErrors[0].code, c.general, c.what);
        if (c.field) assert.equal(b.fieldErrors[c.field[0]][0].code, c.field[1], c.what);
      }
      if (c.oauth) {
        assert.equal(JSON.parse(r.text).error, c.oauth, c.what);
        // error and error_reason from FusionAuth's own lists (OAuthErrorType, OAuthErrorReason).
        schemas.assert('OAuthError', JSON.parse(r.text));
      }
    }
    const all = journal.all();
    assert.equal(all.length, CASES.length, 'one journal entry per call');
    CASES.forEach((c, i) => {
      const e = all[i];
      assert.equal(e.from, 'Store', c.what);
      assert.equal(e.to, 'FusionAuth', c.what);
      assert.equal(e.request.method, c.method ?? 'POST', c.what);
      assert.equal(e.request.path, c.path, c.what);
      assert.equal(e.response?.status, c.status, c.what);
      if (typeof c.body === 'string' && c.body) assert.equal(e.request.body, c.body, `${c.what}: the request body is recorded as sent`);
    });
    assert.deepEqual(
      all.filter((e) => e.unexpected).map((e) => `${e.request.method} ${e.request.path}`),
      ['POST /api/does-not-exist', 'PATCH /api/login'],
      'calls to endpoints FusionAuth does not have are marked unexpected',
    );

    // Still answering, through the same relay, a login and then a refresh with its token.
    const ok = await request(relay.url + '/api/login', { method: 'POST', headers: keyed, body: JSON.stringify(GOOD) });
    const body = (await ok.body.json()) as { token: string; refreshToken: string };
    assert.equal(ok.statusCode, 200);
    const refreshed = await request(relay.url + '/api/jwt/refresh', { method: 'POST', headers: json, body: JSON.stringify({ refreshToken: body.refreshToken }) });
    assert.equal(refreshed.statusCode, 200);
    await refreshed.body.dump();
    assert.equal(journal.all().length, CASES.length + 2);
  } finally {
    await d.close();
  }
});

test('a flood of concurrent bad calls: every one answered and journalled', async () => {
  const journal = new Journal();
  const d = await FusionAuthDouble.start({ journal });
  const relay = await d.relay('Forums');
  try {
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => send(relay.url, CASES[i % CASES.length])));
    answers.forEach((a, i) => assert.equal(a.status, CASES[i % CASES.length].status, CASES[i % CASES.length].what));
    assert.equal(journal.all().length, 60);
    assert.ok(journal.all().every((e) => e.from === 'Forums' && e.response));
  } finally {
    await d.close();
  }
});

test('raw garbage on the relay socket (not HTTP) is refused; the relay and the double live on', async () => {
  const journal = new Journal();
  const d = await FusionAuthDouble.start({ journal });
  const relay = await d.relay('Store');
  try {
    for (const garbage of ['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello\r\n\r\n', 'HELLO FUSIONAUTH\r\n\r\n', 'POST /api/login HTTP/1.1\r\nContent-Length: banana\r\n\r\n']) {
      const answer = await new Promise<string>((resolve) => {
        const s = net.connect(relay.port, '127.0.0.1', () => s.write(garbage));
        let got = '';
        s.setTimeout(3000, () => s.destroy());
        s.on('data', (b) => (got += b.toString('latin1')));
        s.on('close', () => resolve(got));
        s.on('error', () => resolve(got));
      });
      assert.ok(answer === '' || /^HTTP\/1\.1 400/.test(answer), `garbage ${JSON.stringify(garbage.slice(0, 12))} → ${JSON.stringify(answer.slice(0, 40))}`);
    }
    assert.equal(journal.all().length, 0, 'nothing that is not HTTP reaches the double');
    const ok = await request(relay.url + '/api/login', { method: 'POST', headers: keyed, body: JSON.stringify(GOOD) });
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
    assert.equal(journal.all().length, 1);
  } finally {
    await d.close();
  }
});

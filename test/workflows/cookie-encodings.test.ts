import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { runKit } from './kit-run';

/**
 * The webapp-jwt-cookies reference with its tokens wrapped as apps wrap them
 * (COOKIE_ENCODING): the kit finds the JWT and the refresh token inside the cookie values
 * and runs the whole workflow, expired and forged JWTs put back wrapped the same way. An
 * encrypted cookie holds nothing readable: the cookie checks judge the cookies found by
 * trying to carry the login, and say so.
 */
const DIR = path.resolve(__dirname, '..', '..', 'backends', 'webapp-jwt-cookies');

for (const encoding of ['json', 'base64json']) {
  test(`tokens in ${encoding} cookie values: found, and the reference conforms`, async () => {
    const r = await runKit('webapp-jwt-cookies', path.join(DIR, `loginflow.${encoding}-cookies.json`), `cookies-${encoding}`, [], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(r.failing, [], r.output);
    const set = r.summary.workflows[0].scenarios[0].verdicts.find((v: any) => v.id === 'WJC-8.jwt-cookie-set');
    assert.match(set.actual, encoding === 'json' ? /inside its value: url-encoded > j: JSON at \.token/ : /inside its value: base64(url)? JSON at \.token/);
  });
}

test('sealed (encrypted) cookies: the cookies carrying the login are found by removing them, judged, and the report says why', async () => {
  const r = await runKit('webapp-jwt-cookies', path.join(DIR, 'loginflow.sealed-cookies.json'), 'cookies-sealed', [], { timeoutMs: 180_000 });
  const login = r.summary.workflows[0].scenarios.find((s: any) => s.name === 'Log in to the store and load the shopping cart');
  const v = (id: string) => login.verdicts.filter((x: any) => x.id === id);
  assert.equal(v('WJC-8.jwt-cookie-set')[0]?.result, 'pass', r.output);
  assert.match(v('WJC-8.jwt-cookie-set')[0].actual, /cookies app_jwt, app_refresh carry the login together: no cookie value holds a token the kit can read \(opaque or encrypted\), so the cookie carrying the login was found by trying/);
  assert.deepEqual(v('WJC-8.cookie-httponly').map((x: any) => x.result), ['pass', 'pass'], 'each carrying cookie is judged');
  assert.equal(login.status, 'PASSED', r.output);
  // A JWT cannot be put into an encrypted cookie: those steps say why they cannot run.
  assert.match(r.output, /an encrypted \(opaque\) cookie is a legitimate design, but the kit cannot put another JWT in it/);
});

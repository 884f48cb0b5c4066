import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import { FusionAuthDouble, SEEDED_DIRECTORY, seededDirectory, signingKeys, type DoubleOptions } from '../../harness/fusionauth';
import { doubleOptionsFrom } from '../../harness/fusionauth/config-section';
import { call } from './helpers';

const STORE = SEEDED_DIRECTORY.applications.store;
const KEY = SEEDED_DIRECTORY.apiKey;
/** One config's `fusionauth` section, as `loginflow run` reads it. */
const CONFIG = { signing: 'RS256', issuer: 'acme.com' };

async function started<T>(opts: DoubleOptions, fn: (d: FusionAuthDouble) => Promise<T>): Promise<T> {
  const d = await FusionAuthDouble.start(opts);
  try {
    return await fn(d);
  } finally {
    await d.close();
  }
}

const jwksOf = (d: FusionAuthDouble) => call('in-process', d, undefined, 'GET', '/.well-known/jwks.json').then((r) => r.json());
const loginToken = (d: FusionAuthDouble) =>
  call('in-process', d, undefined, 'POST', '/api/login', { json: { loginId: 'alice@example.com', password: 'password', applicationId: STORE.id }, headers: { authorization: KEY } }).then((r) => r.json().token as string);

/** RFC 7638 §3, by hand: SHA-256 of the required members in lexicographic order, no whitespace. */
const thumbprint = (members: Record<string, string>) =>
  createHash('sha256').update(JSON.stringify(Object.fromEntries(Object.entries(members).sort(([a], [b]) => (a < b ? -1 : 1))))).digest('base64url');

test('two doubles from one config serve the same JWKS, and a token of one verifies with the JWKS the other served (a JWKS cache survives a second run)', async () => {
  const cached = await started(doubleOptionsFrom(CONFIG), (first) => jwksOf(first));
  await started(doubleOptionsFrom(CONFIG), async (second) => {
    assert.deepEqual(await jwksOf(second), cached);
    const token = await loginToken(second);
    const { protectedHeader, payload } = await jose.jwtVerify(token, jose.createLocalJWKSet(cached), { issuer: 'acme.com', audience: STORE.id });
    assert.equal(protectedHeader.kid, cached.keys[0].kid);
    assert.equal(payload.email, 'alice@example.com');
  });
  // HS256 too: the second run's double accepts a token the first one signed.
  const hs = await started(doubleOptionsFrom({}), (d) => loginToken(d));
  await started(doubleOptionsFrom({}), async (d) => assert.equal((await call('in-process', d, undefined, 'GET', '/api/jwt/validate', { headers: { authorization: `Bearer ${hs}` } })).status, 200));
});

test('a kid is the RFC 7638 thumbprint of its key: the bundled RSA key and the seeded HMAC secret', async () => {
  const keys = await signingKeys(seededDirectory());
  const { n, e } = keys.rs256.jwk as { n: string; e: string };
  assert.equal(keys.rs256.kid, thumbprint({ kty: 'RSA', n, e }));
  assert.equal(keys.rs256.kid, 'OZFfpDIF6tPpM63Cmzzgs9fa1xbPtmNxaf6YsJVeqhc');
  assert.equal(keys.hs256.kid, thumbprint({ kty: 'oct', k: Buffer.from(SEEDED_DIRECTORY.hmacSecret).toString('base64url') }));
  assert.equal(keys.hs256.kid, 'yI7cFtFcjWszqFYbFHnoDS-P1LgcsHdYCq7pfCnAxT0');
  assert.deepEqual(Object.keys(keys.rs256.jwk).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use'], 'no private member is published');
});

test('another key gets another kid: HS256 and RS256 differ, another HMAC secret or RSA key changes it, a named kid is kept', async () => {
  const seeded = await signingKeys(seededDirectory());
  assert.notEqual(seeded.hs256.kid, seeded.rs256.kid);
  const otherSecret = doubleOptionsFrom({ directory: { hmacSecret: 'another-hmac-secret-0123456789abcdef-0123' } }).directory!;
  const other = await signingKeys(otherSecret);
  assert.notEqual(other.hs256.kid, seeded.hs256.kid);
  assert.equal(other.rs256.kid, seeded.rs256.kid, 'the RSA key did not change, nor its kid');
  const named = await signingKeys(doubleOptionsFrom({ directory: { kid: 'my-hmac', rsaKid: 'my-rsa' } }).directory!);
  assert.deepEqual([named.hs256.kid, named.rs256.kid], ['my-hmac', 'my-rsa']);

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const supplied = await signingKeys(seededDirectory(), { rsa: { privateKey: pem } });
  assert.notEqual(supplied.rs256.kid, seeded.rs256.kid);
  assert.equal(supplied.rs256.kid, thumbprint({ kty: 'RSA', n: String(supplied.rs256.jwk.n), e: String(supplied.rs256.jwk.e) }));
  const kickstartKid = await signingKeys(seededDirectory(), { rsa: { privateKey: privateKey.export({ format: 'jwk' }) as jose.JWK, kid: 'kickstart-key-1' } });
  assert.equal(kickstartKid.rs256.kid, 'kickstart-key-1');
  assert.equal(kickstartKid.rs256.jwk.n, supplied.rs256.jwk.n, 'a JWK reads as the same key as its PEM');
});

test('a double started with supplied key material publishes and signs with that key', async () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await started({ signing: 'RS256', keys: { rsa: { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), kid: 'from-kickstart' } } }, async (d) => {
    const jwks = await jwksOf(d);
    assert.deepEqual(jwks.keys.map((k: jose.JWK) => k.kid), ['from-kickstart']);
    const { protectedHeader } = await jose.jwtVerify(await loginToken(d), jose.createLocalJWKSet(jwks));
    assert.equal(protectedHeader.kid, 'from-kickstart');
  });
});

test('supplied key material that is no RSA private key is a config error naming the key', async () => {
  await assert.rejects(signingKeys(seededDirectory(), { rsa: { privateKey: 'not a key' } }), (e: { code?: string; message: string }) => e.code === 'CONFIG_INVALID' && /RS256 signing key .* not a private key/.test(e.message));
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await assert.rejects(signingKeys(seededDirectory(), { rsa: { privateKey: ec } }), (e: { code?: string; message: string }) => e.code === 'CONFIG_INVALID' && /must be an RSA key, not ec/.test(e.message));
});

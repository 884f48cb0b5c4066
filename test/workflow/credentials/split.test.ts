import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findToken } from '../../../harness/checks/cookie-tokens';
import { joinSplit, resplit } from '../../../harness/workflow/credentials/split';

/** Split cookies (name.0, name.1…), read joined as the app reads them and written back cut the same way. */
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS1qd3QtMDEyMzQ1Njc4OQ';
const OTHER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.YW5vdGhlci1zaWduYXR1cmUtMDEyMzQ1Njc4OTAxMjM';
const role = (s: string) => (s === JWT ? 'jwt' : undefined);

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

test('joinSplit and resplit exactly', () => {
  assert.deepEqual(joinSplit([{ key: 'a', value: '1' }, { key: 'b.x', value: '2' }, { key: 'c.1', value: 'B' }, { key: 'c.0', value: 'A' }, { key: 'd.1', value: 'x' }, { key: 'd.2', value: 'y' }, { key: 'e.0', value: 'only' }, { key: '.0', value: 'n' }, { key: 'f.10', value: 'q' }]), [
    { key: 'a', value: '1', parts: [{ key: 'a', value: '1' }] },
    { key: 'b.x', value: '2', parts: [{ key: 'b.x', value: '2' }] },
    { key: '.0', value: 'n', parts: [{ key: '.0', value: 'n' }] },
    { key: 'c', value: 'AB', parts: [{ key: 'c.0', value: 'A' }, { key: 'c.1', value: 'B' }] },
    { key: 'd.1', value: 'x', parts: [{ key: 'd.1', value: 'x' }] },
    { key: 'd.2', value: 'y', parts: [{ key: 'd.2', value: 'y' }] },
    { key: 'e.0', value: 'only', parts: [{ key: 'e.0', value: 'only' }] },
    { key: 'f.10', value: 'q', parts: [{ key: 'f.10', value: 'q' }] },
  ]);
  assert.deepEqual(joinSplit([{ key: 'g.0', value: 'a' }, { key: 'g.10', value: 'c' }, { key: 'g.2', value: 'b' }]), [{ key: 'g', value: 'abc', parts: [{ key: 'g.0', value: 'a' }, { key: 'g.2', value: 'b' }, { key: 'g.10', value: 'c' }] }]);
  assert.deepEqual(resplit('abcdef', [{ key: 'x.0', value: 'ab' }, { key: 'x.1', value: 'cde' }, { key: 'x.2', value: '' }]), ['ab', 'cde', 'f']);
  assert.deepEqual(resplit('abcdef', [{ key: 'x', value: 'zz' }]), ['abcdef']);
  assert.deepEqual(resplit('abcdef', []), ['abcdef']);
});

test('joinSplit: a key that only starts like a chunk keeps its place', () => {
  assert.deepEqual(joinSplit([{ key: 'a.1x', value: '1' }, { key: 'b', value: '2' }]).map((c) => c.key), ['a.1x', 'b']);
});

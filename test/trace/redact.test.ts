import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Journal, Redactor, fingerprint } from '../../harness/trace';

test('journal tags exchanges with the steps being exercised', () => {
  const j = new Journal();
  j.exercise([5, 6], 'Login');
  const ex = j.record({ at: 0, durationMs: 1, from: 'Browser', to: 'Store', request: { method: 'POST', host: 'store.example.test', path: '/login', headers: {} } });
  assert.deepEqual(ex.steps, [5, 6]);
  assert.equal(ex.phase, 'Login');
  assert.equal(ex.seq, 1);
  j.exercise([9]);
  assert.deepEqual(j.since(0).map((e) => e.seq), [1]);
  assert.equal(j.record({ ...ex }).steps.length, 2, 'explicit steps on input win');
});

test('redactor masks passwords and fingerprints tokens', () => {
  const r = new Redactor();
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
  r.addPassword('hunter2');
  r.addToken('rt-0123456789');
  const out = r.text(`loginId=a&password=hunter2 {"password":"x"} ${jwt} rt-0123456789`)!;
  assert.ok(!out.includes('hunter2'));
  assert.ok(!out.includes(jwt));
  assert.ok(!out.includes('rt-0123456789'));
  assert.ok(out.includes('eyJhbG…#0584d4'), 'the known fingerprint of the known token');
  assert.ok(out.includes('"password":"*****"'));
  const h = r.headers({ authorization: 'Bearer ' + jwt, cookie: `refresh_token=rt-0123456789` });
  assert.ok(!String(h.authorization).includes(jwt));
  assert.ok(!String(h.cookie).includes('rt-0123456789'));
});

test('fingerprints are stable and distinct', () => {
  assert.equal(fingerprint('abcdefghijk'), 'abcdef…#ca2f20', 'printf %s abcdefghijk | sha256sum');
  assert.equal(fingerprint('abcdefghijk'), fingerprint('abcdefghijk'));
  assert.notEqual(fingerprint('abcdefghijk'), fingerprint('abcdefghijl'));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor, fingerprint } from '../../harness/trace';
import type { Exchange } from '../../harness/trace';

/**
 * The redactor with its expected output written out: fingerprints are the first six
 * characters plus the first six hex digits of sha256, computed outside the kit
 * (`printf %s TOKEN | sha256sum`), so a change to the fingerprint shows here.
 */
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

test('a known token has a known fingerprint', () => {
  assert.equal(fingerprint(JWT), 'eyJhbG…#0584d4');
  assert.equal(fingerprint('rt-0123456789'), 'rt-012…#2c9160');
  assert.equal(fingerprint('abcdefgh'), 'abcdef…#9c56cc');
});

test('registered tokens: at least 8 characters, replaced whole (longest first), URL-encoded forms too', () => {
  const r = new Redactor();
  r.addToken('short77');
  r.addToken(undefined);
  r.addToken('');
  r.addToken('abcdefgh');
  assert.equal(r.text('short77 abcdefgh'), 'short77 abcdef…#9c56cc', 'seven characters are not registered, eight are');
  const nested = new Redactor();
  nested.addToken('abcdefgh12');
  nested.addToken('abcdefgh12XYZ');
  assert.equal(nested.text('[abcdefgh12XYZ] [abcdefgh12]'), '[abcdef…#e177cb] [abcdef…#7ed1d0]');
  const nested2 = new Redactor();
  nested2.addToken('abcdefgh12XYZ');
  nested2.addToken('abcdefgh12');
  assert.equal(nested2.text('[abcdefgh12XYZ] [abcdefgh12]'), '[abcdef…#e177cb] [abcdef…#7ed1d0]');
  const enc = new Redactor();
  enc.addToken('rt/one+two=');
  assert.equal(enc.text('refresh_token=rt%2Fone%2Btwo%3D; raw=rt/one+two='), 'refresh_token=rt/one…#f6e96a; raw=rt/one…#f6e96a');
});

test('a token registered after the redactor has been used is redacted too (tokens are issued all run long)', () => {
  const r = new Redactor();
  r.addToken('abcdefgh12');
  assert.equal(r.text('[abcdefgh12XYZ]'), '[abcdef…#7ed1d0XYZ]', 'before the longer token is known, only the shorter one is');
  r.addToken('abcdefgh12XYZ');
  r.addToken('abcdefgh12XYZ');
  assert.equal(r.text('[abcdefgh12XYZ] [abcdefgh12]'), '[abcdef…#e177cb] [abcdef…#7ed1d0]', 'the later, longer token is replaced whole');
});

test('registered passwords: masked anywhere, raw or URL-encoded', () => {
  const r = new Redactor();
  r.addPassword('hunter 2&x');
  r.addPassword(undefined);
  r.addPassword('');
  assert.equal(r.text('said hunter 2&x, sent hunter%202%26x'), 'said *****, sent *****');
  const stars = new Redactor();
  stars.addPassword('**');
  assert.equal(stars.text('a**b'), 'a*****b', 'a password that is its own mask is replaced once');
  assert.equal(new Redactor().text(undefined), undefined);
  assert.equal(new Redactor().text(''), '');
});

test('unregistered secrets by pattern: JWT shapes, JSON and form password fields', () => {
  const r = new Redactor();
  assert.equal(r.text(`Bearer ${JWT}.`), 'Bearer eyJhbG…#0584d4.');
  assert.equal(r.text('eyJhbGciOi.x.y'), 'eyJhbG…#966bd8');
  assert.equal(r.text('eyJab.x.y'), 'eyJab.x.y', 'too short to be a JWT header');
  assert.equal(r.text('{"password" : "secret one","x":"y"}'), '{"password" : "*****","x":"y"}');
  assert.equal(r.text('{"password":\t"s"}'), '{"password":\t"*****"}');
  assert.equal(r.text('{"password":""}'), '{"password":"*****"}');
  assert.equal(r.text('password=abc&loginId=a&password=def ghi'), 'password=*****&loginId=a&password=***** ghi');
  assert.equal(r.text('/login?password=p%40ss'), '/login?password=*****');
  assert.equal(r.text('oldpassword=keep'), 'oldpassword=keep', 'only a field named password');
  assert.equal(r.text('password=&x=1'), 'password=*****&x=1');
});

test('headers: Authorization by scheme (any case of the name), others as text, undefined dropped, arrays kept', () => {
  const r = new Redactor();
  r.addToken('tok-abcdefg');
  assert.deepEqual(
    r.headers({
      Authorization: 'Bearer  tok-abcdefg',
      'set-cookie': ['a=tok-abcdefg; HttpOnly', 'b=1'],
      cookie: 'x=tok-abcdefg',
      gone: undefined,
      'x-list': ['tok-abcdefg'],
    }),
    { Authorization: 'Bearer tok-ab…#4b3b7b', 'set-cookie': ['a=tok-ab…#4b3b7b; HttpOnly', 'b=1'], cookie: 'x=tok-ab…#4b3b7b', 'x-list': ['tok-ab…#4b3b7b'] },
  );
  const plain = new Redactor();
  assert.deepEqual(plain.headers({ authorization: 'api-key-0123456789' }), { authorization: 'api-ke…#ea30ff' }, 'a bare API key (FusionAuth style)');
  assert.deepEqual(plain.headers({ authorization: 'Bearer abcdefgh' }), { authorization: 'Bearer abcdef…#9c56cc' });
  assert.deepEqual(plain.headers({ authorization: ['Bearer abcdefgh', 'second'] }), { authorization: 'Bearer abcdef…#9c56cc' }, 'the first of a repeated header');
  assert.deepEqual(plain.headers({ authorization: ' Bearer abcdefgh' }), { authorization: fingerprint(' Bearer abcdefgh') }, 'no scheme at the start: all of it');
  assert.equal(fingerprint(' Bearer abcdefgh').slice(0, 8), ' Beare…#');
  assert.deepEqual(plain.headers({ authorization: 'Bearer abcdefgh\nx' }), { authorization: fingerprint('Bearer abcdefgh\nx') }, 'one line only');
  assert.deepEqual(plain.headers({ authorization: 'B-r abcdefgh' }), { authorization: fingerprint('B-r abcdefgh') }, 'a scheme is a word');
  assert.deepEqual(plain.headers({ 'x-note': 'Bearer abcdefgh' }), { 'x-note': 'Bearer abcdefgh' }, 'only Authorization is fingerprinted whole');
});

test('exchange: path, headers, bodies and error redacted; everything else kept', () => {
  const r = new Redactor();
  r.addToken('tok-abcdefg');
  r.addPassword('pw-secret');
  const e: Exchange = {
    seq: 3,
    at: 5,
    durationMs: 7,
    from: 'Browser',
    to: 'Store',
    steps: [4],
    phase: 'Login',
    note: 'n',
    request: { method: 'POST', host: 'store.example.test', path: '/cb?t=tok-abcdefg', headers: { cookie: 'rt=tok-abcdefg' }, body: 'loginId=a&pass=pw-secret' },
    response: { status: 302, headers: { 'set-cookie': 'rt=tok-abcdefg' }, body: `{"t":"tok-abcdefg"}` },
    error: 'failed with tok-abcdefg',
  };
  assert.deepEqual(r.exchange(e), {
    ...e,
    request: { method: 'POST', host: 'store.example.test', path: '/cb?t=tok-ab…#4b3b7b', headers: { cookie: 'rt=tok-ab…#4b3b7b' }, body: 'loginId=a&pass=*****' },
    response: { status: 302, headers: { 'set-cookie': 'rt=tok-ab…#4b3b7b' }, body: '{"t":"tok-ab…#4b3b7b"}' },
    error: 'failed with tok-ab…#4b3b7b',
  });
  assert.equal(e.request.path, '/cb?t=tok-abcdefg', 'the original is not changed');
  const noResponse = r.exchange({ ...e, response: undefined, error: undefined });
  assert.equal(noResponse.response, undefined);
  assert.equal(noResponse.error, undefined);
});

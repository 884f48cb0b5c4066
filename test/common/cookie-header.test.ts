import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cookieNamesIn, parseCookieHeader } from '../../harness/common/cookie-header';

test('a Cookie header is read as name → value, values as sent (not decoded)', () => {
  assert.deepEqual(parseCookieHeader('a=1; b=j%3A%7B%7D;c=x=y'), { a: '1', b: 'j%3A%7B%7D', c: 'x=y' });
});

test('the first of two cookies with one name wins (the most specific path is sent first)', () => {
  assert.deepEqual(parseCookieHeader('sid=inner; sid=outer'), { sid: 'inner' });
});

test('no header, an empty header and nameless parts give no cookie', () => {
  assert.deepEqual(parseCookieHeader(undefined), {});
  assert.deepEqual(parseCookieHeader(''), {});
  assert.deepEqual(parseCookieHeader('=x; ; novalue; ok=1'), { ok: '1' });
});

test('the names of a Cookie header come in order, repeats kept', () => {
  assert.deepEqual(cookieNamesIn('b=1; a=2; b=3'), ['b', 'a', 'b']);
  assert.deepEqual(cookieNamesIn(undefined), []);
});

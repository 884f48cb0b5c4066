import { test } from 'node:test';
import assert from 'node:assert/strict';
import { carrierByRemoval } from '../../../harness/workflow/credentials/carrier';

/** The cookie that carries an opaque (encrypted) login, found by removing cookies one at a time. */
test('the carrier of an opaque login is the first cookie whose removal loses it, or all of them together', async () => {
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

test('carrierByRemoval: every sentence written out', async () => {
  const opaque = 'no cookie value holds a token the kit can read (opaque or encrypted), so the cookie carrying the login was found by trying';
  assert.deepEqual(await carrierByRemoval(['a', 'b'], async (w) => !w.includes('a')), { cookies: ['a'], trials: [{ cookie: 'a', lost: true }], why: `${opaque}: without a the logged-in page was lost` });
  assert.deepEqual(await carrierByRemoval(['a', 'b'], async (w) => w.length < 2), {
    cookies: ['a', 'b'],
    trials: [{ cookie: 'a', lost: false }, { cookie: 'b', lost: false }],
    why: `${opaque}: without any one of a, b the page was still shown, without all of them it was lost: they carry the login together`,
  });
  // One cookie whose removal keeps the login: it is not tried a second time as "all of them".
  const tried: string[][] = [];
  assert.deepEqual(await carrierByRemoval(['a'], async (w) => (tried.push(w), true)), { cookies: [], trials: [{ cookie: 'a', lost: false }], why: 'no cookie value holds a token the kit can read, and the login survived removing a: none of them carries it' });
  assert.deepEqual(tried, [['a']]);
  assert.deepEqual(await carrierByRemoval([], async () => true), { cookies: [], trials: [], why: 'the login set no cookie' });
});

test('carrierByRemoval names every cookie tried when none carries the login', async () => {
  assert.equal((await carrierByRemoval(['a', 'b'], async () => true)).why, 'no cookie value holds a token the kit can read, and the login survived removing a, b: none of them carries it');
});

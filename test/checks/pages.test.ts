import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageHasLoginForm, pageLinksToLogin, pageRefused, pageShowsUser, redirectTarget, redirectsTo, rejectsBadSignature, rejectsExpired, rejectsUnsigned, rejectsWrongAudience, showsUser } from '../../harness/checks';
import { ex } from './hand-built';

const page = (status?: number, o: { body?: string; type?: string; location?: string; error?: string; note?: string; path?: string } = {}) =>
  ex({
    path: o.path ?? '/',
    ...(status !== undefined ? { status } : {}),
    resHeaders: { ...(o.type ? { 'content-type': o.type } : {}), ...(o.location ? { location: o.location } : {}) },
    ...(o.body !== undefined ? { resBody: o.body } : {}),
    ...(o.error ? { error: o.error } : {}),
    ...(o.note ? { note: o.note } : {}),
  });
const v = (o: { ok: boolean; actual: string; evidence: unknown[] }) => [o.ok, o.actual, o.evidence];

test('login-link: 200 with a link whose path is the login path', () => {
  const k = pageLinksToLogin;
  assert.deepEqual([k.kind, k.name, k.level], ['login-link', 'homePageLinksToLogin', 'MUST']);
  const r = page(200);
  const a = { page: 'home page', response: r, loginPath: '/login', found: ['http://store.example.test/about', 'http://store.example.test/login?next=/'] };
  assert.equal(k.ensures(a), 'the home page answers 200 with a link to /login');
  assert.deepEqual(v(k.evaluate(a)), [true, 'links: http://store.example.test/about, http://store.example.test/login?next=/', [r]]);
  assert.deepEqual(v(k.evaluate({ ...a, found: ['http://store.example.test/login2'] })), [false, 'links: http://store.example.test/login2', [r]]);
  assert.deepEqual(v(k.evaluate({ ...a, found: [] })), [false, 'no links', [r]]);
  const nine = Array.from({ length: 9 }, (_, i) => `http://h/${i}`);
  assert.equal(k.evaluate({ ...a, found: nine }).actual, `links: ${nine.slice(0, 8).join(', ')}`, 'at most eight listed');
  const r404 = page(404);
  assert.deepEqual(v(k.evaluate({ ...a, response: r404 })), [false, 'answered 404', [r404]]);
  const err = page(undefined, { error: 'ECONNREFUSED' });
  assert.deepEqual(v(k.evaluate({ ...a, response: err })), [false, 'answered ECONNREFUSED', [err]]);
  assert.deepEqual(v(k.evaluate({ ...a, response: undefined })), [false, 'answered nothing', []]);
});

test('login-form: 200, an HTML form with a password and a login id field', () => {
  const k = pageHasLoginForm;
  assert.deepEqual([k.kind, k.name, k.level], ['login-form', 'loginPageHasForm', 'MUST']);
  const r = page(200, { type: 'text/html' });
  const a = { page: 'login page', response: r, forms: 1, fields: { loginId: 'email', password: 'password' } };
  assert.equal(k.ensures(a), 'the login page answers 200 with a form holding a login id field and a password field');
  assert.deepEqual(v(k.evaluate(a)), [true, 'form fields: loginId=email, password=password', [r]]);
  assert.deepEqual(v(k.evaluate({ ...a, fields: { loginId: 'email' } })), [false, 'no password field (input type=password) in the form', [r]]);
  assert.deepEqual(v(k.evaluate({ ...a, fields: { password: 'pw' } })), [false, 'no login id field (email, username or login input) in the form', [r]]);
  assert.deepEqual(v(k.evaluate({ ...a, forms: 0 })), [false, 'no <form> in the page', [r]]);
  const noted = page(200, { type: 'text/html; charset=utf-8', note: 'rendered by script' });
  assert.deepEqual(v(k.evaluate({ ...a, forms: 0, response: noted })), [false, 'no <form> in the page (rendered by script)', [noted]]);
  const json = page(200, { type: 'application/json' });
  assert.deepEqual(v(k.evaluate({ ...a, forms: 0, response: json })), [false, 'no <form>: the answer is application/json, not an HTML page with a login form', [json]]);
  const arr = ex({ status: 200, resHeaders: { 'content-type': ['text/plain', 'text/html'] } });
  assert.equal(k.evaluate({ ...a, forms: 0, response: arr }).actual, 'no <form>: the answer is text/plain, not an HTML page with a login form');
  const untyped = page(200);
  assert.equal(k.evaluate({ ...a, forms: 0, response: untyped }).actual, 'no <form>: the answer is (none), not an HTML page with a login form');
  assert.deepEqual(v(k.evaluate({ ...a, response: page(500) })).slice(0, 2), [false, 'answered 500']);
  assert.deepEqual(v(k.evaluate({ ...a, response: page(undefined, { error: 'timeout' }) })).slice(0, 2), [false, 'answered timeout']);
  assert.deepEqual(v(k.evaluate({ ...a, response: undefined })), [false, 'answered nothing', []]);
});

test('redirectTarget resolves Location against the request and keeps only the path', () => {
  assert.equal(redirectTarget(page(302, { location: '/cart?x=1' })), '/cart');
  assert.equal(redirectTarget(page(302, { location: 'http://other.example.test/login' })), '/login');
  assert.equal(redirectTarget(page(302, { location: 'next', path: '/a/b' })), '/a/next', 'relative to the request path');
  assert.equal(redirectTarget(ex({ status: 302, resHeaders: { location: ['/first', '/second'] } })), '/first');
  assert.equal(redirectTarget(page(302, { location: 'http://[bad' })), 'http://[bad', 'unparseable: as sent');
  assert.equal(redirectTarget(page(302)), undefined);
  assert.equal(redirectTarget(undefined), undefined);
  assert.equal(redirectTarget(page(undefined, { error: 'x' })), undefined);
});

test('redirect: a 3xx to the expected path', () => {
  const k = redirectsTo;
  assert.deepEqual([k.kind, k.name, k.level], ['redirect', 'redirectsTo', 'MUST']);
  const r = page(302, { location: '/login' });
  const a = { to: 'the login page', toPath: '/login', response: r };
  assert.equal(k.ensures(a), 'the answer is a redirect (302/303) to the login page (/login)');
  assert.deepEqual(v(k.evaluate(a)), [true, '302 Location: /login', [r]]);
  assert.deepEqual(v(k.evaluate({ ...a, response: page(300, { location: '/login' }) })).slice(0, 2), [true, '300 Location: /login']);
  assert.deepEqual(v(k.evaluate({ ...a, response: page(399, { location: '/login' }) })).slice(0, 2), [true, '399 Location: /login']);
  assert.deepEqual(v(k.evaluate({ ...a, response: page(303, { location: '/cart' }) })).slice(0, 2), [false, '303 Location: /cart']);
  assert.deepEqual(v(k.evaluate({ ...a, response: page(200) })).slice(0, 2), [false, 'answered 200 instead of a redirect']);
  assert.deepEqual(v(k.evaluate({ ...a, response: page(299, { location: '/login' }) })).slice(0, 2), [false, 'answered 299 instead of a redirect']);
  assert.deepEqual(v(k.evaluate({ ...a, response: page(400, { location: '/login' }) })).slice(0, 2), [false, 'answered 400 instead of a redirect']);
  const err = page(undefined, { error: 'ECONNRESET' });
  assert.deepEqual(v(k.evaluate({ ...a, response: err })), [false, 'no answer: ECONNRESET', [err]]);
  assert.deepEqual(v(k.evaluate({ ...a, response: undefined })), [false, 'no answer: no request was made', []]);
});

const user = (response?: ReturnType<typeof page>) => ({ page: 'shopping cart', user: 'Richard', proof: 'richard@example.com', response });

test('showsUser: a 2xx whose body holds the proof', () => {
  assert.equal(showsUser(user(page(200, { body: 'cart of richard@example.com' }))), true);
  assert.equal(showsUser(user(page(299, { body: 'richard@example.com' }))), true);
  assert.equal(showsUser(user(page(300, { body: 'richard@example.com' }))), false);
  assert.equal(showsUser(user(page(199, { body: 'richard@example.com' }))), false);
  assert.equal(showsUser(user(page(200, { body: 'someone else' }))), false);
  assert.equal(showsUser(user(page(200))), false);
  assert.equal(showsUser(user(undefined)), false);
  assert.equal(showsUser({ ...user(page(200)), proof: '' }), true, 'an empty proof is in any 2xx page');
  assert.equal(showsUser({ ...user(undefined), proof: '' }), false, 'no answer shows nobody');
});

test('page-shown: 2xx and the right user', () => {
  const k = pageShowsUser;
  assert.deepEqual([k.kind, k.name, k.level], ['page-shown', 'pageShownForRightUser', 'MUST']);
  const r = page(200, { body: '<p>richard@example.com</p>' });
  assert.equal(k.ensures(user(r)), 'the shopping cart answers 2xx and is Richard\'s (it contains "richard@example.com")');
  assert.deepEqual(v(k.evaluate(user(r))), [true, '200, contains "richard@example.com"', [r]]);
  assert.deepEqual(v(k.evaluate(user(page(200, { body: 'eve@example.com' })))).slice(0, 2), [false, '200, but the page does not contain "richard@example.com"']);
  assert.deepEqual(v(k.evaluate(user(page(302, { location: '/login' })))).slice(0, 2), [false, 'answered 302 to /login']);
  assert.deepEqual(v(k.evaluate(user(page(300, { location: '/x' })))).slice(0, 2), [false, 'answered 300 to /x']);
  assert.deepEqual(v(k.evaluate(user(page(399, { location: '/y' })))).slice(0, 2), [false, 'answered 399 to /y']);
  assert.deepEqual(v(k.evaluate(user(page(401, { location: '/z' })))).slice(0, 2), [false, 'answered 401']);
  assert.deepEqual(v(k.evaluate(user(page(400, { location: '/z' })))).slice(0, 2), [false, 'answered 400'], 'a 400 is no redirect');
  assert.equal(k.evaluate({ ...user(page(204)), proof: 'was' }).ok, false, 'an answer without a body shows nobody');
  assert.deepEqual(v(k.evaluate(user(page(199)))).slice(0, 2), [false, 'answered 199']);
  assert.deepEqual(v(k.evaluate(user(page(299, { body: 'richard@example.com' })))).slice(0, 2), [true, '299, contains "richard@example.com"']);
  const err = page(undefined, { error: 'timeout' });
  assert.deepEqual(v(k.evaluate(user(err))), [false, 'no answer: timeout', [err]]);
  assert.deepEqual(v(k.evaluate(user(undefined))), [false, 'no answer: no request was made', []]);
});

test('rejects-*: the page is not shown when a bad credential is presented', () => {
  const k = pageRefused('rejects-thing', 'thingRejected');
  assert.deepEqual([k.kind, k.name, k.level], ['rejects-thing', 'thingRejected', 'MUST']);
  const a = (response?: ReturnType<typeof page>) => ({ ...user(response), presented: 'a JWT with a bad signature', kind: 'x' });
  assert.equal(k.ensures(a()), 'presented a JWT with a bad signature, the shopping cart of Richard is not shown');
  const shown = page(200, { body: 'richard@example.com' });
  assert.deepEqual(v(k.evaluate(a(shown))), [false, '200: the shopping cart of Richard was shown', [shown]]);
  const refused = page(302, { location: '/login' });
  assert.deepEqual(v(k.evaluate(a(refused))), [true, '302: not shown', [refused]]);
  assert.deepEqual(v(k.evaluate(a(page(undefined, { error: 'reset' })))).slice(0, 2), [true, 'reset: not shown']);
  assert.deepEqual(v(k.evaluate(a(undefined))), [true, 'undefined: not shown', []]);
  assert.deepEqual(
    [rejectsBadSignature, rejectsUnsigned, rejectsWrongAudience, rejectsExpired].map((c) => [c.kind, c.name]),
    [
      ['rejects-bad-signature', 'jwtSignatureEnforced'],
      ['rejects-unsigned', 'jwtAlgNoneRejected'],
      ['rejects-wrong-audience', 'jwtAudienceEnforced'],
      ['rejects-expired', 'jwtExpiryEnforced'],
    ],
  );
});

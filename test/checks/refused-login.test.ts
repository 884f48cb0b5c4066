import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as messages from '@cucumber/messages';
import { refusedLoginOpensNothing } from '../../harness/checks/refused-login';
import { validateConfig } from '../../harness/backend/config';
import { inapplicable, needsSecondApp } from '../../harness/workflow/applicability';
import { nextOf, judgeJsonLoginAnswer, jsonLoginBody } from '../../harness/workflow/json-login';
import type { HttpResult } from '../../harness/browser';
import { ex } from '../report/fixtures';

/** The new checks and helpers of #12 on hand-built exchanges: pass, fail, not applicable. */
const page = (status: number, body: string) => ex({ from: 'Browser', to: 'Store', at: 1, method: 'GET', path: '/account', status, resBody: body });
const args = (response: ReturnType<typeof page>) => ({ app: 'store', user: 'notregistered@example.com', fusionauthStatus: 202, page: 'cart', proof: 'notregistered@example.com', response, evidence: [response] });

test('refused-login: passes when the page is not the user\'s, fails naming FusionAuth\'s answer when it is', () => {
  assert.equal(refusedLoginOpensNothing.evaluate(args(page(302, ''))).ok, true);
  const shown = refusedLoginOpensNothing.evaluate(args(page(200, '<h1>Shopping cart of notregistered@example.com</h1>')));
  assert.equal(shown.ok, false);
  assert.match(shown.actual, /FusionAuth answered 202, yet the cart of notregistered@example\.com was shown \(200\): the failed login was treated as a success/);
});

const pickle = (texts: string[], tags: string[] = []): messages.Pickle => ({ id: 'p', uri: 'f', name: 'Log in to the forums after the store', language: 'en', astNodeIds: [], tags: tags.map((name) => ({ name, astNodeId: 'a' })), steps: texts.map((text, i) => ({ id: `s${i}`, text, astNodeIds: [] })) }) as messages.Pickle;
const doc = { uri: 'features/webapp-sessions.feature', comments: [], feature: { tags: [{ name: '@workflow:webapp-sessions' }] } } as unknown as messages.GherkinDocument;

test('second-app: N/A "one application declared" for a scenario about the forums, none otherwise', () => {
  const forums = pickle(['the store and the forums are running against the FusionAuth double', 'the browser opens the forums home page (steps 16-17)', 'the forum posts of alice@example.com are shown (steps 26-27)']);
  const store = pickle(['the store and the forums are running against the FusionAuth double', 'the browser loads the shopping cart with a JWT for the forums application and no refresh token (steps 9-10)']);
  assert.equal(needsSecondApp(forums), true);
  assert.equal(needsSecondApp(store), false, 'the Background and a JWT "for the forums application" need no forums backend');
  const one = { ...validateConfig({ store: { command: 'x' } }), configDir: '.', configFile: 'c.json' };
  const v = inapplicable(one, doc, forums)!;
  assert.equal(v.id, 'WS-16.second-app');
  assert.equal(v.result, 'na');
  assert.deepEqual(v.steps, [16, 17, 26, 27]);
  assert.equal(v.declaredBy, 'forums');
  assert.match(v.reason!, /one application declared/);
  const two = { ...validateConfig({ store: { command: 'x' }, forums: { command: 'y' } }), configDir: '.', configFile: 'c.json' };
  assert.equal(inapplicable(two, doc, forums), undefined, 'both apps declared: it runs');
});

const answer = (status: number, body: string, location?: string): HttpResult => ({ url: 'http://store.example.test/api/session', status, headers: {}, body, truncated: false, setCookies: [], rejectedCookies: [], location, exchange: page(status, body) });
const login = { mode: 'json' as const, path: '/api/session', fields: { loginId: 'email', password: 'password' }, extra: { remember: true } };

test('JSON login: the body the front end sends, and where its answer goes next', () => {
  assert.deepEqual(jsonLoginBody({ login, loginId: 'a@b.c', password: 'pw' }), { remember: true, email: 'a@b.c', password: 'pw' });
  assert.equal(nextOf(answer(302, '', 'http://store.example.test/cart'), login).url, 'http://store.example.test/cart');
  assert.deepEqual(nextOf(answer(200, '{"ok":true,"redirectTo":"/account"}'), login), { url: 'http://store.example.test/account', how: 'the member "redirectTo" of the JSON answer' });
  assert.equal(nextOf(answer(200, '{"goto":"/x"}'), { ...login, next: 'goto' }).url, 'http://store.example.test/x');
  assert.equal(nextOf(answer(200, '{"user":{}}'), login).url, undefined, 'nothing named: the kit loads the logged-in page');
});

test('JSON login answers: 400/422 is the config naming the wrong member (ConfigError), other 4xx the app refusing (Error)', () => {
  const req = { app: 'store' as const, host: 'store.example.test', login: { ...login, fields: { loginId: 'user', password: 'password' } }, loginId: 'alice@example.com', password: 'pw' };
  assert.throws(() => judgeJsonLoginAnswer('store', req, answer(400, '{"error":"email and password are required"}')), (e: Error) => e.name === 'ConfigError' && /^store\.login\.fields\.loginId: /.test(e.message));
  assert.throws(() => judgeJsonLoginAnswer('store', req, answer(422, '{"error":"unknown field user"}')), (e: Error) => e.name === 'ConfigError' && /^store\.login\.fields\.loginId: /.test(e.message));
  assert.throws(() => judgeJsonLoginAnswer('store', req, answer(401, '{"error":"nope"}')), (e: Error) => e.name === 'Error' && /answered 401 .* \{"error":"nope"\}/.test(e.message));
  assert.doesNotThrow(() => judgeJsonLoginAnswer('store', req, answer(200, '{}')));
});

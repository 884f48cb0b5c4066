import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Actor, closeBrowserAgent, findLinks, guessLoginFields, parseForms } from '../../harness/browser';
import { startServer } from './servers';

after(() => closeBrowserAgent());

const LOGIN_PAGE = `<!doctype html><html><body>
<a href="/register">Create an  account</a> <a href="https://auth.example.test/oauth2/logout?client_id=c">Log out</a>
<form id="search" action="search"><input name="q" value="shoes"></form>
<form id="login" method="post" action="/oauth2/authorize?client_id=c&amp;state=s">
  <input type="hidden" name="csrf" value="tok-123">
  <input type="hidden" name="state" value="s">
  <label>Email <input id="loginId" name="loginId" type="text" autocomplete="username"></label>
  <input name="password" type="password">
  <input type="checkbox" name="rememberDevice" value="true">
  <input type="checkbox" name="terms" checked>
  <input name="gone" value="x" disabled>
  <select name="locale"><option value="en">English</option><option value="fr" selected>French</option></select>
  <textarea name="note">hi</textarea>
  <button type="submit" name="action" value="login">Log in</button>
</form>
<input form="login" type="hidden" name="outside" value="o">
</body></html>`;

test('parseForms: actions resolved, methods, hidden fields kept, unchecked/disabled left out', () => {
  const forms = parseForms(LOGIN_PAGE, 'http://auth.example.test/oauth2/authorize?client_id=c#frag');
  assert.equal(forms.length, 2);
  const [search, login] = forms;
  assert.equal(search.action, 'http://auth.example.test/oauth2/search');
  assert.equal(search.method, 'GET');
  assert.equal(login.id, 'login');
  assert.equal(login.method, 'POST');
  assert.equal(login.enctype, 'application/x-www-form-urlencoded');
  assert.equal(login.action, 'http://auth.example.test/oauth2/authorize?client_id=c&state=s');
  assert.equal(login.documentUrl, 'http://auth.example.test/oauth2/authorize?client_id=c');
  assert.deepEqual(
    login.fields.map((f) => [f.name, f.type, f.value]),
    [
      ['csrf', 'hidden', 'tok-123'],
      ['state', 'hidden', 's'],
      ['loginId', 'text', ''],
      ['password', 'password', ''],
      ['terms', 'checkbox', 'on'],
      ['locale', 'select', 'fr'],
      ['note', 'textarea', 'hi'],
      ['outside', 'hidden', 'o'],
    ],
  );
  assert.deepEqual(login.submitters, [{ name: 'action', value: 'login' }]);
});

test('parseForms: empty action is the document URL; <base href> is honoured', () => {
  const [f] = parseForms('<form method="POST"><input name="a"></form>', 'http://store.example.test/login?next=%2F');
  assert.equal(f.action, 'http://store.example.test/login?next=%2F');
  const [g] = parseForms('<base href="http://forums.example.test/sub/"><form action="go"></form>', 'http://store.example.test/x');
  assert.equal(g.action, 'http://forums.example.test/sub/go');
});

test('parseForms: the method attribute as written, absent when the form has none (its method is then GET)', () => {
  const forms = parseForms('<form><input name="a"></form><form method=" Get "></form><form method="POST"></form><form method=""></form>', 'http://x.test/');
  assert.deepEqual(forms.map((f) => [f.method, f.methodAttribute]), [['GET', undefined], ['GET', 'get'], ['POST', 'post'], ['GET', '']]);
  assert.ok(!('methodAttribute' in forms[0]), 'no key at all for a form without the attribute');
});

test('findLinks resolves hrefs and normalises text', () => {
  assert.deepEqual(findLinks(LOGIN_PAGE, 'http://store.example.test/page'), [
    { href: 'http://store.example.test/register', text: 'Create an account' },
    { href: 'https://auth.example.test/oauth2/logout?client_id=c', text: 'Log out' },
  ]);
});

test('guessLoginFields finds the id and password inputs', () => {
  const [, login] = parseForms(LOGIN_PAGE, 'http://auth.example.test/');
  assert.deepEqual(guessLoginFields(login), { loginId: 'loginId', password: 'password' });
  const [a] = parseForms('<form><input name="q"><input type="email" name="mail"><input type="password" name="pw"></form>', 'http://x.test/');
  assert.deepEqual(guessLoginFields(a), { loginId: 'mail', password: 'pw' });
  const [b] = parseForms('<form><input name="q"><input id="username" name="u"><input type="password" name="p"></form>', 'http://x.test/');
  assert.deepEqual(guessLoginFields(b), { loginId: 'u', password: 'p' });
  const [c] = parseForms('<form><input name="q"></form>', 'http://x.test/');
  assert.deepEqual(guessLoginFields(c), {});
});

test('submitForm posts urlencoded fields with hidden inputs, Origin and the default button; GET forms go in the query', async () => {
  const auth = await startServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, body: req.body, type: req.headers['content-type'], origin: req.headers.origin ?? null }));
  });
  try {
    const b = new Actor({ name: 'Browser', hosts: { 'auth.example.test': auth.origin } });
    const page = await b.get('http://auth.example.test/oauth2/authorize?client_id=c');
    const [search, login] = parseForms(LOGIN_PAGE, page.url);
    const r = await b.submitForm(login, { loginId: 'richard@example.com', password: 'p@ss w&rd' });
    const got = JSON.parse(r.body);
    assert.equal(got.method, 'POST');
    assert.equal(got.url, '/oauth2/authorize?client_id=c&state=s');
    assert.equal(got.type, 'application/x-www-form-urlencoded');
    assert.equal(got.origin, 'http://auth.example.test');
    const sent = new URLSearchParams(got.body);
    assert.equal(sent.get('csrf'), 'tok-123');
    assert.equal(sent.get('loginId'), 'richard@example.com');
    assert.equal(sent.get('password'), 'p@ss w&rd');
    assert.equal(sent.get('action'), 'login');
    assert.equal(sent.get('rememberDevice'), null);
    assert.equal(r.exchange.request.body, got.body);

    const asJson = JSON.parse((await b.submitForm(login, { loginId: 'a' }, { asJson: true })).body);
    assert.equal(asJson.type, 'application/json');
    assert.equal(JSON.parse(asJson.body).csrf, 'tok-123');

    const s = JSON.parse((await b.submitForm(search, { q: 'red shoes' })).body);
    assert.deepEqual([s.method, s.url, s.body], ['GET', '/oauth2/search?q=red+shoes', '']);

    await assert.rejects(b.submitForm(login, { email: 'typo' }), /has no field "email"; its fields: csrf, state, loginId/);
  } finally {
    await auth.close();
  }
});

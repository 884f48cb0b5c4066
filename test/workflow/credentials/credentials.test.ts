import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Credentials, type TokenRole } from '../../../harness/workflow/credentials';
import type { ActorName } from '../../../harness/workflow/apps';
import { ex } from '../../checks/hand-built';
import { type TestBrowser, chromiumBrowser, kitBrowser } from './jars';

/**
 * What the browser holds, read and changed through both jars the kit knows (its own and
 * Chromium's), on hand-built cookies: bare, URL-encoded, j: JSON, JSON, base64 JSON, split
 * over name.0/name.1, and Express-signed. Every expected value is written out.
 */
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS1qd3QtMDEyMzQ1Njc4OQ';
const NEW = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.YW5vdGhlci1zaWduYXR1cmUtMDEyMzQ1Njc4OTAxMjM';
const REFRESH = 'Zr1Xk2v9bT0qL8mN4pQ7sW3yA6cE5gH1jK0oP2rS4uV6xY8zB0dF';
const STORE = 'http://store.example.test/';
const NOW = 1_700_000_000_000;

function credentials(browsers: Partial<Record<ActorName, TestBrowser>>): Credentials {
  const role = (v: string): TokenRole | undefined => (v === JWT ? 'jwt' : v === REFRESH ? 'refreshToken' : undefined);
  return new Credentials({ home: (app) => `http://${app}.example.test/`, jar: async (a) => browsers[a]!.jar, now: () => NOW, tokenRole: role });
}

/** cookie-signature's format: s:<value>.<base64 HMAC-SHA256 without padding>. */
const signed = (v: string) => `s:${v}.${createHmac('sha256', 'keyboard cat').update(v).digest('base64').replace(/=+$/, '')}`;
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');

/** A login answer of the store setting these cookies. */
const answer = (...setCookies: string[]) => ex({ method: 'POST', path: '/login', status: 302, resHeaders: { 'set-cookie': setCookies } });

test('a token cookie is named from the answer that set it, however it wraps the token, and the wrapping is said', () => {
  const c = credentials({});
  const split = Buffer.from(JSON.stringify({ token: JWT })).toString('base64url');
  c.learn('store', answer(`app.0=${split.slice(0, 40)}; Path=/`, `app.1=${split.slice(40)}; Path=/`, `rt=${encodeURIComponent(`j:${JSON.stringify({ refresh: REFRESH })}`)}; Path=/`));
  assert.deepEqual(c.namesOf('store'), { jwt: 'app', refresh: 'rt' });
  assert.equal(c.wrappingOf('app'), 'base64url JSON at .token');
  assert.equal(c.wrappingOf('app.1'), 'base64url JSON at .token', 'a chunk is read under its joined name');
  assert.equal(c.wrappingOf('rt'), 'url-encoded > j: JSON at .refresh');
  assert.equal(c.tokenCookie('jwt', answer(`app.0=${split.slice(0, 40)}; Path=/; HttpOnly`, `app.1=${split.slice(40)}; Path=/`))?.cookie.key, 'app.0', 'a split cookie is judged by its first chunk');
  c.learn('forums', answer(`jwt=${b64({ access_token: JWT })}; Path=/`, `rt=${REFRESH}; Max-Age=0`));
  assert.deepEqual(c.namesOf('forums'), { jwt: 'jwt' }, 'a deletion names nothing');
  assert.equal(c.wrappingOf('jwt'), 'base64 JSON at .access_token');
});

test("a login answer's token-free cookie names the session; beside token cookies only a session-like name does", () => {
  const c = credentials({});
  c.learn('store', answer('csrf=abc; Path=/', 'connect.sid=s%3Aid; Path=/; HttpOnly'));
  assert.deepEqual(c.namesOf('store'), {}, 'an answer that is not a login names no session');
  c.learn('store', answer('csrf=abc; Path=/', 'connect.sid=s%3Aid; Path=/; HttpOnly'), { login: true });
  assert.deepEqual(c.namesOf('store'), { session: 'connect.sid' });
  c.learn('forums', answer(`jwt=${JWT}`, 'csrf=abc'), { login: true });
  assert.deepEqual(c.namesOf('forums'), { jwt: 'jwt' }, 'a JWT-cookie backend: its CSRF cookie is no session');
  assert.deepEqual(c.credentialNames('store'), ['connect.sid']);
  assert.equal(c.sessionName('store'), 'connect.sid');
  assert.throws(() => c.sessionName('forums'), /the forums has not set a session cookie at login/);
  assert.throws(() => c.tokenNames('store'), /the store has not set a cookie holding a JWT FusionAuth issued .*opaque/);
});

test('a token FusionAuth issued on the wire is known from then on, the id_token too', () => {
  const c = credentials({});
  const idToken = 'eyJhbGciOiJIUzI1NiJ9.eyJub25jZSI6Im4ifQ.aWQtdG9rZW4tc2lnbmF0dXJlLTAxMjM0NTY3ODk';
  assert.equal(c.roleOf(idToken), undefined);
  c.noteExchange(ex({ from: 'Store', to: 'FusionAuth', method: 'POST', path: '/oauth2/token', status: 200, resBody: JSON.stringify({ access_token: NEW, id_token: idToken, refresh_token: 'rt-2-abcdefgh' }) }));
  assert.deepEqual([c.roleOf(idToken), c.roleOf(encodeURIComponent(`j:{"t":"${NEW}"}`)), c.roleOf('rt-2-abcdefgh'), c.roleOf(JWT)], ['jwt', 'jwt', 'refreshToken', 'jwt']);
  c.noteExchange(ex({ from: 'Store', to: 'FusionAuth', method: 'POST', path: '/oauth2/token', status: 400, resBody: JSON.stringify({ access_token: 'eyJ.refused.x' }) }));
  assert.equal(c.roleOf('eyJ.refused.x'), undefined, 'a refused answer issued nothing');
  assert.deepEqual(c.issued({ jwts: [JWT], refreshTokens: [] }), { jwts: new Set([NEW, idToken, JWT]), refresh: new Set(['rt-2-abcdefgh']) });
  assert.equal(c.holdsAny(b64({ token: NEW }), new Set([NEW])), true);
  assert.equal(c.holdsAny(JWT, new Set([NEW])), false);
});

test('the local-storage entry holding a JWT FusionAuth issued is found inside its JSON value', () => {
  const c = credentials({});
  const held = c.jwtInStorage({ theme: 'dark', auth: JSON.stringify({ user: 'alice', token: JWT }) });
  assert.equal(held?.key, 'auth');
  assert.equal(held?.found.replace!(NEW), JSON.stringify({ user: 'alice', token: NEW }));
  assert.equal(c.jwtInStorage({ auth: JSON.stringify({ refresh: REFRESH }) }), undefined);
});

for (const make of [kitBrowser, chromiumBrowser]) {
  const kind = make().kind;

  test(`${kind} jar: putToken puts the new JWT inside its wrapper (URL-encoded j: JSON, JSON, base64 JSON), never over it`, async () => {
    for (const [wrapped, expected] of [
      [encodeURIComponent(`j:${JSON.stringify({ jwt: JWT, exp: 1 })}`), encodeURIComponent(`j:${JSON.stringify({ jwt: NEW, exp: 1 })}`)],
      [encodeURIComponent(JSON.stringify({ user: 'alice', token: JWT })), encodeURIComponent(JSON.stringify({ user: 'alice', token: NEW }))],
      [b64({ access_token: JWT }), b64({ access_token: NEW })],
      [JWT, NEW],
    ]) {
      const browser = make();
      await browser.seed(STORE, `auth=${wrapped}; Path=/; HttpOnly`);
      await browser.seed(STORE, 'theme=dark; Path=/');
      await credentials({ Browser: browser }).putToken('Browser', 'store', 'auth', NEW);
      assert.deepEqual(await browser.sent(STORE), [`auth=${expected}`, 'theme=dark']);
      assert.equal(await browser.attributes(STORE, 'auth'), '/ HttpOnly', 'its attributes kept');
    }
  });

  test(`${kind} jar: a split cookie is read joined and written back cut as it came`, async () => {
    const browser = make();
    const whole = Buffer.from(JSON.stringify({ accessToken: JWT })).toString('base64url');
    await browser.seed(STORE, `auth.0=${whole.slice(0, 30)}; Path=/`);
    await browser.seed(STORE, `auth.1=${whole.slice(30)}; Path=/`);
    const c = credentials({ Browser: browser });
    c.learn('store', answer(`auth.0=${whole.slice(0, 30)}`, `auth.1=${whole.slice(30)}`));
    assert.equal(await c.cookieValue('Browser', 'store', 'auth'), whole);
    assert.equal(await c.token('Browser', 'store', 'jwt'), JWT);
    await c.putToken('Browser', 'store', 'auth', NEW);
    const next = Buffer.from(JSON.stringify({ accessToken: NEW })).toString('base64url');
    assert.deepEqual(await browser.sent(STORE), [`auth.0=${next.slice(0, 30)}`, `auth.1=${next.slice(30)}`]);
  });

  test(`${kind} jar: putToken refuses an Express-signed cookie, saying why, and leaves it as it was`, async () => {
    const browser = make();
    const value = encodeURIComponent(signed(JWT));
    await browser.seed(STORE, `token=${value}; Path=/; HttpOnly`);
    await assert.rejects(credentials({ Browser: browser }).putToken('Browser', 'store', 'token', NEW), {
      message: "the store's token cookie holds the token inside an Express-signed value (url-encoded > express-signed): the kit cannot re-sign it without the app's cookie secret, so it cannot present another token in it",
    });
    assert.deepEqual(await browser.sent(STORE), [`token=${value}`]);
    await assert.rejects(credentials({ Browser: browser }).putToken('Browser', 'store', 'none', NEW), { message: 'Browser holds no none cookie for store' });
  });

  test(`${kind} jar: a cookie holding no token the kit knows is given the token as its whole value; rewriteCookie(undefined) removes one`, async () => {
    const browser = make();
    await browser.seed(STORE, 'jwt=eyJ.minted-by-the-kit.x; Path=/');
    await browser.seed(STORE, `rt=${REFRESH}; Path=/`);
    const c = credentials({ Browser: browser });
    await c.putToken('Browser', 'store', 'jwt', NEW);
    await c.rewriteCookie('Browser', 'store', 'rt', undefined);
    assert.deepEqual(await browser.sent(STORE), [`jwt=${NEW}`]);
    await assert.rejects(c.rewriteCookie('Browser', 'store', 'rt', 'x'), { message: 'Browser holds no rt cookie for store' });
  });

  test(`${kind} jar: learnFromJar names the token cookies the browser holds, and a session when none was named`, async () => {
    const browser = make();
    await browser.seed(STORE, `a=${encodeURIComponent(JSON.stringify({ t: JWT }))}; Path=/`);
    await browser.seed(STORE, `b=${REFRESH}; Path=/`);
    const c = credentials({ Browser: browser });
    await c.learnFromJar('Browser', 'store');
    assert.deepEqual(c.namesOf('store'), { jwt: 'a', refresh: 'b' });
    assert.deepEqual(await c.tokensHeld('Browser', 'store'), { jwt: JWT, refresh: REFRESH });
    const other = make();
    await other.seed('http://forums.example.test/', 'pref=1; Path=/');
    await other.seed('http://forums.example.test/', 'handle=opaque; Path=/; HttpOnly');
    const d = credentials({ Browser: other });
    await d.learnFromJar('Browser', 'forums');
    assert.deepEqual(d.namesOf('forums'), { session: 'handle' }, 'no session-like name: the HttpOnly cookie');
  });

  test(`${kind} jar: the hacker copies a cookie (a split one with every chunk) into the kit's jar, and gets a token planted as the browser wraps its own`, async () => {
    const browser = make();
    const hacker = kitBrowser();
    await browser.seed(STORE, `sid.0=abc; Path=/; HttpOnly`);
    await browser.seed(STORE, `sid.1=def; Path=/; HttpOnly`);
    await browser.seed(STORE, `jwt=${encodeURIComponent(`j:${JSON.stringify({ t: JWT })}`)}; Path=/`);
    await browser.seed(STORE, 'theme=dark; Path=/');
    const c = credentials({ Browser: browser, Hacker: hacker });
    await c.copy('Browser', 'Hacker', 'store', ['sid']);
    assert.deepEqual(await hacker.sent(STORE), ['sid.0=abc', 'sid.1=def']);
    assert.equal(await hacker.attributes(STORE, 'sid.0'), '/ HttpOnly');
    await c.plant('Hacker', 'store', 'jwt', NEW, 'Browser');
    assert.deepEqual(await hacker.sent(STORE), [`jwt=${encodeURIComponent(`j:${JSON.stringify({ t: NEW })}`)}`, 'sid.0=abc', 'sid.1=def']);
  });

  test(`${kind} jar: the snapshot keeps one app's cookies, and says so when asked for another's`, async () => {
    const browser = make();
    await browser.seed(STORE, 'a=1; Path=/');
    const c = credentials({ Browser: browser });
    await c.takeSnapshot('Browser', 'store');
    await browser.seed(STORE, 'b=2; Path=/');
    assert.deepEqual(c.snapshotOf('store'), { a: '1' });
    assert.deepEqual(await c.cookieMap('Browser', 'store'), { a: '1', b: '2' });
    assert.throws(() => c.snapshotOf('forums'), /no snapshot of the forums's cookies was taken/);
  });
}

test("the kit's jar keeps every attribute of a cookie it copies or rewrites (HttpOnly, SameSite, Expires), as the app set it", async () => {
  const browser = kitBrowser();
  const hacker = kitBrowser();
  await browser.seed(STORE, `jwt=${JWT}; Path=/; HttpOnly; SameSite=Strict; Expires=Wed, 01 Jan 2048 00:00:00 GMT`);
  const c = credentials({ Browser: browser, Hacker: hacker });
  await c.copy('Browser', 'Hacker', 'store', ['jwt']);
  await c.putToken('Browser', 'store', 'jwt', NEW);
  assert.equal(await hacker.attributes(STORE, 'jwt'), '/ HttpOnly strict Expires');
  assert.equal(await browser.attributes(STORE, 'jwt'), '/ HttpOnly strict Expires');
});

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FusionAuthDouble, SEEDED_DIRECTORY, type Relay } from '../../harness/fusionauth';
import { fusionAuthSchemas } from './openapi-schemas';
import { Journal, headerAll } from '../../harness/trace';
import { call, cookieValue, type Transport } from './helpers';

const STORE = SEEDED_DIRECTORY.applications.store.id;
const KEY = SEEDED_DIRECTORY.apiKey;
const schemas = fusionAuthSchemas();

for (const transport of ['in-process', 'relay'] as Transport[]) {
  describe(`POST /api/login (${transport})`, () => {
    let d: FusionAuthDouble;
    let relay: Relay | undefined;
    let journal: Journal;
    const login = (json: unknown, headers: Record<string, string> = { authorization: KEY }) => call(transport, d, relay?.url, 'POST', '/api/login', { json, headers });

    before(async () => {
      journal = new Journal();
      d = await FusionAuthDouble.start({ journal });
      if (transport === 'relay') relay = await d.relay('Store');
    });
    after(() => d.close());

    test('200 for alice: token, refresh token, user, and HttpOnly cookies for the FusionAuth host', async () => {
      const seq = journal.lastSeq;
      const r = await login({ loginId: 'alice@example.com', password: 'password', applicationId: STORE });
      assert.equal(r.status, 200);
      const b = r.json();
      schemas.assert('LoginResponse', b);
      assert.match(b.token, /^eyJ/);
      assert.equal(typeof b.refreshToken, 'string');
      assert.match(b.refreshTokenId, /^[0-9a-f-]{36}$/);
      assert.equal(b.user.email, 'alice@example.com');
      assert.equal(b.user.id, '11111111-1111-4111-8111-111111111111');
      assert.deepEqual(b.user.registrations.map((x: { applicationId: string }) => x.applicationId).sort(), [STORE, SEEDED_DIRECTORY.applications.forums.id].sort());
      assert.ok(b.tokenExpirationInstant > Date.now() + 3500_000 && b.tokenExpirationInstant < Date.now() + 3700_000, 'tokenExpirationInstant in ms');
      assert.equal(r.setCookies.length, 2);
      assert.equal(cookieValue(r.setCookies, 'access_token'), b.token);
      assert.equal(cookieValue(r.setCookies, 'refresh_token'), b.refreshToken);
      for (const c of r.setCookies) {
        assert.match(c, /; HttpOnly/);
        assert.match(c, /SameSite=Lax/);
        assert.match(c, /Path=\//);
        assert.doesNotMatch(c, /Domain=/i, 'host-only cookie');
      }
      // FusionAuth: access_token is a session cookie, refresh_token a persistent one.
      const access = r.setCookies.find((c) => c.startsWith('access_token='))!;
      const refresh = r.setCookies.find((c) => c.startsWith('refresh_token='))!;
      assert.doesNotMatch(access, /Max-Age|Expires/i, 'access_token is a session cookie');
      assert.match(refresh, /Max-Age=2592000; Expires=/);
      // Login-API tokens carry sid and no scope.
      const claims = JSON.parse(Buffer.from(b.token.split('.')[1], 'base64url').toString());
      assert.match(claims.sid, /^[0-9a-f-]{36}$/);
      assert.equal(claims.scope, undefined);
      assert.equal(d.tokenRole(b.token), 'jwt');
      assert.equal(d.tokenRole(b.refreshToken), 'refreshToken');
      assert.equal(d.tokenRole('nope'), undefined);
      const [ex] = journal.since(seq);
      assert.equal(ex.from, transport === 'relay' ? 'Store' : 'Test');
      assert.equal(ex.to, 'FusionAuth');
      assert.equal(ex.request.host, 'auth.example.test');
      assert.equal(ex.request.path, '/api/login');
      assert.equal(ex.request.headers['x-loginflow-caller'], undefined, 'internal caller header stripped');
      assert.equal(JSON.parse(ex.request.body!).loginId, 'alice@example.com');
      assert.equal(ex.response!.status, 200);
      assert.equal(headerAll(ex.response!.headers, 'set-cookie').length, 2);
      assert.ok(!ex.unexpected);
    });

    const cases: [string, number][] = [
      ['bob@example.com', 200],
      ['notregistered@example.com', 202],
      ['changepassword@example.com', 203],
      ['unverified@example.com', 212],
      ['unverifiedregistration@example.com', 213],
      ['twofactor@example.com', 242],
      ['actionprevented@example.com', 409],
      ['expired@example.com', 410],
      ['locked@example.com', 423],
    ];
    for (const [email, status] of cases) {
      test(`${status} for ${email}`, async () => {
        const r = await login({ loginId: email, password: 'password', applicationId: STORE });
        assert.equal(r.status, status);
        if (status === 410 || status === 423) return assert.equal(r.text, '');
        const b = r.json();
        schemas.assert('LoginResponse', b);
        if (status === 200) assert.equal(b.user.email, email);
        if (status === 202) {
          assert.equal(b.user.email, email);
          assert.equal(b.refreshToken, undefined, '202 has no refresh token');
          assert.equal(cookieValue(r.setCookies, 'refresh_token'), undefined);
          const claims = JSON.parse(Buffer.from(b.token.split('.')[1], 'base64url').toString());
          assert.equal(claims.aud, STORE, 'a 202 token names the application asked for');
          assert.equal(claims.applicationId, undefined);
          assert.equal(claims.roles, undefined);
        }
        if (status === 203) assert.ok(b.changePasswordId);
        if (status === 212) assert.equal(b.user.verified, false);
        if (status === 213) assert.ok(b.registrationVerificationId);
        if (status === 242) {
          assert.ok(b.twoFactorId);
          assert.ok(b.methods.length > 0);
        }
        if (status === 409) assert.ok(b.actions.length > 0);
        // 200, 202, 212 and 213 authenticate the user: FusionAuth issues a token.
        if ([200, 202, 212, 213].includes(status)) assert.match(b.token, /^eyJ/);
        else assert.equal(b.token, undefined);
        if (status === 212) assert.ok(b.emailVerificationId);
      });
    }

    test('404 with an empty body for an unknown user or a wrong password', async () => {
      for (const body of [
        { loginId: 'nobody@example.com', password: 'password', applicationId: STORE },
        { loginId: 'alice@example.com', password: 'wrong', applicationId: STORE },
      ]) {
        const r = await login(body);
        assert.equal(r.status, 404);
        assert.equal(r.text, '');
        assert.equal(r.setCookies.length, 0);
      }
    });

    test('401 with an empty body for a missing or wrong API key when applicationId is sent', async () => {
      const body = { loginId: 'alice@example.com', password: 'password', applicationId: STORE };
      for (const headers of [{}, { authorization: "wrong-key" }, { authorization: `Bearer ${KEY}` }] as Record<string, string>[]) {
        const r = await login(body, headers);
        assert.equal(r.status, 401, JSON.stringify(headers));
        assert.equal(r.text, '');
      }
      // Without applicationId the tenant's loginConfiguration.requireAuthentication (default true) decides.
      const noApp = await login({ loginId: 'alice@example.com', password: 'password' }, {});
      assert.equal(noApp.status, 401, 'no applicationId and no API key: 401 under the default tenant setting');
      const noAppKey = await login({ loginId: 'alice@example.com', password: 'password' });
      assert.equal(noAppKey.status, 200);
      assert.equal(noAppKey.json().refreshToken, undefined);
      d.setOptions({ tenantRequireApiKey: false });
      try {
        assert.equal((await login({ loginId: 'alice@example.com', password: 'password' }, {})).status, 200, 'tenant setting off');
      } finally {
        d.setOptions({ tenantRequireApiKey: true });
      }
    });

    test('requireApiKey:false lets a login with applicationId through without a key', async () => {
      d.setOptions({ requireApiKey: false });
      try {
        assert.equal((await login({ loginId: 'alice@example.com', password: 'password', applicationId: STORE }, {})).status, 200);
      } finally {
        d.setOptions({ requireApiKey: true });
      }
    });

    test('400 field errors for missing loginId and password', async () => {
      const r = await login({ applicationId: STORE });
      assert.equal(r.status, 400);
      const b = r.json();
      schemas.assert('Errors', b);
      assert.equal(b.fieldErrors.loginId[0].code, '[blank]loginId');
      assert.equal(b.fieldErrors.password[0].code, '[blank]password');
      const onlyPw = (await login({ loginId: 'alice@example.com', applicationId: STORE })).json();
      assert.deepEqual(Object.keys(onlyPw.fieldErrors), ['password']);
    });

    test('400 for invalid JSON and for the wrong content type', async () => {
      const bad = await call(transport, d, relay?.url, 'POST', '/api/login', { body: '{"loginId": ', headers: { 'content-type': 'application/json', authorization: KEY } });
      assert.equal(bad.status, 400);
      schemas.assert('Errors', bad.json());
      assert.equal(bad.json().generalErrors[0].code, '[invalidJSON]');
      const form = await call(transport, d, relay?.url, 'POST', '/api/login', { form: { loginId: 'alice@example.com', password: 'password' } });
      assert.equal(form.status, 400);
      schemas.assert('Errors', form.json());
    });
  });
}

test('the spec as published types Errors.fieldErrors as an array; the patched schema accepts the real object shape only', () => {
  const real = { fieldErrors: { loginId: [{ code: '[blank]loginId', message: 'x' }] }, generalErrors: [] };
  assert.ok(schemas.check('Errors', real).valid);
  assert.ok(!schemas.check('Errors', { fieldErrors: { loginId: 'nope' } }).valid);
  assert.ok(!schemas.check('LoginResponse', { token: 1 }).valid, 'validator really rejects wrong types');
});

test('both transports give the same answers', async () => {
  const d = await FusionAuthDouble.start();
  const relay = await d.relay('Forums');
  try {
    const shape = async (t: Transport, body: unknown) => {
      const r = await call(t, d, relay.url, 'POST', '/api/login', { json: body, headers: { authorization: KEY } });
      const b = r.text ? r.json() : undefined;
      return { status: r.status, keys: b && Object.keys(b).sort(), cookies: r.setCookies.map((c) => c.replace(/=[^;]*/, '=…')), ct: r.headers['content-type'] };
    };
    for (const body of [
      { loginId: 'alice@example.com', password: 'password', applicationId: STORE },
      { loginId: 'twofactor@example.com', password: 'password', applicationId: STORE },
      { loginId: 'alice@example.com', password: 'bad', applicationId: STORE },
      { applicationId: STORE },
    ]) {
      assert.deepEqual(await shape('relay', body), await shape('in-process', body), JSON.stringify(body));
    }
    const a = await call('in-process', d, undefined, 'GET', '/.well-known/jwks.json');
    const b = await call('relay', d, relay.url, 'GET', '/.well-known/jwks.json');
    assert.equal(a.text, b.text);
  } finally {
    await d.close();
  }
});

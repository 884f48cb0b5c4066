import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KitError } from '../../harness/errors';
import { parseKickstart, readKickstart } from '../../harness/fusionauth/kickstart';

/**
 * harness/fusionauth/kickstart.ts: a FusionAuth kickstart file read as FusionAuth reads it on
 * its first start, into what the double provisions. First the two files FusionAuth ships with
 * its quickstarts (../shared/real-apps, read as they are), then hand-made ones for what those
 * two do not use, then the files FusionAuth would refuse.
 */

const REAL_APPS = path.resolve(__dirname, '../../../shared/real-apps');
const EXPRESS = path.join(REAL_APPS, 'express-web/kickstart/kickstart.json');
const FLASK = path.join(REAL_APPS, 'flask-web/kickstart/kickstart.json');
const APP = 'e9fdb985-9173-4e01-9d73-ac2d60d1dc8e';
const TENANT = 'd7d09513-a3f5-401c-9685-34ab6c552453';
const FUSIONAUTH_APP = '3c219e58-ed0e-4b18-ad48-f4f92793ae32';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A hand-made kickstart with the one API key every kickstart needs. */
function kick(o: Record<string, unknown>, files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const reads: string[] = [];
  const read = (rel: string) => {
    reads.push(rel);
    if (!(rel in files)) throw new Error(`ENOENT: no such file ${rel}`);
    return files[rel];
  };
  const r = parseKickstart(JSON.stringify({ apiKeys: [{ key: 'the-api-key' }], ...o }), 'kickstart.json', { read, env });
  return { ...r, reads };
}

function refused(o: unknown, message: RegExp, code = 'CONFIG_INVALID', files: Record<string, string> = {}) {
  const text = typeof o === 'string' ? o : JSON.stringify(o);
  assert.throws(
    () => parseKickstart(text, 'kickstart.json', { env: {}, read: (rel) => (rel in files ? files[rel] : (() => { throw new Error(`ENOENT ${rel}`); })()) }),
    (err: unknown) => {
      assert.ok(err instanceof KitError, `a KitError, got ${String(err)}`);
      assert.equal(err.code, code);
      assert.match(err.message, message);
      return true;
    },
  );
}

const POST_APP = (id: string, application: Record<string, unknown> = {}) => ({ method: 'POST', url: `/api/application/${id}`, body: { application: { name: 'A', ...application } } });

test("Express's kickstart: its application, its RS256 key, its two users, and the theme requests ignored", () => {
  const k = readKickstart(EXPRESS, { env: {} });
  assert.equal(k.apiKey, '33052c8a-c283-4e96-9d2a-eb1215c69f8f-not-for-prod');
  assert.equal(k.tenantId, TENANT, 'defaultTenantId names the default tenant');
  assert.deepEqual(Object.keys(k.applications), [APP]);
  const app = k.applications[APP];
  assert.equal(app.name, 'ExampleNodeApp');
  assert.equal(app.tenantId, TENANT);
  assert.equal(app.clientSecret, 'super-secret-secret-that-should-be-regenerated-for-production');
  assert.equal(app.clientSecretDeclared, true);
  assert.deepEqual(app.oauth, {
    authorizedRedirectURLs: ['http://localhost:8080/oauth-redirect'],
    authorizedOriginURLs: [],
    logoutURL: 'http://localhost:8080/oauth2/logout',
    enabledGrants: ['authorization_code', 'refresh_token'],
    generateRefreshTokens: true,
    requireRegistration: true,
    clientAuthenticationPolicy: undefined,
    proofKeyForCodeExchangePolicy: undefined,
  });
  const keyId = k.variables.asymmetricKeyId;
  assert.match(keyId, UUID, '#{UUID()} gives a UUID');
  assert.deepEqual(k.keys[keyId], { id: keyId, origin: 'generate', algorithm: 'RS256', name: 'For exampleapp', length: 2048, issuer: undefined, kid: undefined });
  assert.deepEqual(app.jwt, { enabled: true, accessTokenKeyId: keyId, idTokenKeyId: keyId, timeToLiveInSeconds: 3600, refreshTokenTimeToLiveInMinutes: 43200, refreshTokenUsagePolicy: 'Reusable' });
  assert.deepEqual(
    k.users.map((u) => [u.id, u.email, u.password, u.firstName, u.lastName, Object.keys(u.registrations)]),
    [
      ['00000000-0000-0000-0000-000000000001', 'admin@example.com', 'password', 'Dinesh', 'Chugtai', [FUSIONAUTH_APP]],
      ['00000000-0000-0000-0000-111111111111', 'richard@example.com', 'password', 'Fred', 'Flintstone', [APP]],
    ],
  );
  assert.deepEqual(k.users[0].registrations[FUSIONAUTH_APP], { roles: ['admin'], username: undefined, verified: true });
  assert.equal(k.cors, undefined, 'no CORS configuration: the filter stays off');
  assert.deepEqual(
    k.ignored.map((i) => `${i.request} ${i.method} ${i.what}`),
    [
      '2 POST roles, skipRegistrationVerification, user.data',
      '3 POST registration.data',
      '4 POST the theme API (/api/theme), not needed by the workflows',
      '5 PATCH the theme API (/api/theme), not needed by the workflows',
      '6 PATCH tenant.themeId',
    ],
  );
});

test("Flask's kickstart: the application id in capitals is FusionAuth's lower-case id, CORS is on, and the theme's fifty includes are never read", () => {
  const reads: string[] = [];
  const dir = path.dirname(FLASK);
  const k = readKickstart(FLASK, { env: {}, read: (rel) => (reads.push(rel), fs.readFileSync(path.join(dir, rel), 'utf8')) });
  assert.deepEqual(Object.keys(k.applications), [APP]);
  const app = k.applications[APP];
  assert.deepEqual(app.oauth.authorizedRedirectURLs, ['http://localhost:5000/callback', 'http://localhost:5000']);
  assert.deepEqual(app.oauth.authorizedOriginURLs, ['http://localhost:5000']);
  assert.equal(app.oauth.logoutURL, 'http://localhost:5000/logout');
  assert.deepEqual(k.cors, { allowedOrigins: ['http://localhost:5000'], allowCredentials: true, allowedMethods: ['GET', 'POST', 'OPTIONS'], preflightMaxAgeInSeconds: 0 });
  assert.equal(k.apiKey, 'this_really_should_be_a_long_random_alphanumeric_value_but_this_still_works');
  const [admin, richard] = k.users;
  assert.match(admin.id, UUID, 'POST /api/user/registration without an id: FusionAuth draws one');
  assert.deepEqual([admin.email, Object.keys(admin.registrations)], ['admin@example.com', [FUSIONAUTH_APP]]);
  assert.deepEqual([richard.id, richard.email, richard.firstName, richard.lastName], ['00000000-0000-0000-0000-111111111111', 'richard@example.com', 'Richard', 'Hendricks']);
  assert.deepEqual(reads, [], 'the theme is ignored with its body unread');
  assert.deepEqual(
    k.ignored.map((i) => `${i.request} ${i.method} ${i.url} ${i.what}`),
    [
      '1 PATCH /api/system-configuration systemConfiguration.usageDataConfiguration',
      `3 POST /api/application/${APP.toUpperCase()} application.oauthConfiguration.debug, application.registrationConfiguration`,
      `5 POST /api/theme/${k.variables.newThemeId} the theme API (/api/theme), not needed by the workflows`,
      `6 PATCH /api/theme/${k.variables.newThemeId} the theme API (/api/theme), not needed by the workflows`,
      `7 PATCH /api/tenant/${TENANT} tenant.themeId`,
    ],
  );
});

test('what FusionAuth draws at random is the same on every read of one file, and changes with the file', () => {
  const text = fs.readFileSync(EXPRESS, 'utf8');
  const a = parseKickstart(text, 'a.json', { env: {} });
  const b = parseKickstart(text, 'b.json', { env: {} });
  assert.equal(a.variables.asymmetricKeyId, b.variables.asymmetricKeyId);
  assert.deepEqual(Object.keys(a.keys), Object.keys(b.keys));
  const changed = parseKickstart(text.replace('"adminPassword": "password"', '"adminPassword": "passw0rd"'), 'a.json', { env: {} });
  assert.notEqual(changed.variables.asymmetricKeyId, a.variables.asymmetricKeyId);
  const places: string[] = [];
  const drawn = parseKickstart(text, 'a.json', { env: {}, uuid: (place) => (places.push(place), '0e9e3c1a-0000-4000-8000-00000000abcd') });
  assert.equal(drawn.variables.asymmetricKeyId, '0e9e3c1a-0000-4000-8000-00000000abcd', 'options.uuid replaces the derivation');
  assert.deepEqual(places, ['variables.asymmetricKeyId#0', 'variables.newThemeId#0']);
});

test("variables: #{UUID()}, #{ENV.NAME}, one naming an earlier one, numbers, FusionAuth's built-ins, escapes", () => {
  const k = kick(
    {
      variables: { defaultTenantId: '30663132-6464-6665-3032-326466613934', appId: '#{UUID()}', secret: '#{ENV.APP_SECRET}', host: 'localhost', port: 8080, base: 'http://#{host}:#{port}' },
      requests: [
        POST_APP('#{appId}', {
          oauthConfiguration: { clientSecret: '#{secret}', authorizedRedirectURLs: ['#{base}/cb', '\\#{not a variable}'], logoutURL: '#{base}/tenant/#{FUSIONAUTH_TENANT_ID}', enabledGrants: ['authorization_code'] },
        }),
      ],
    },
    {},
    { APP_SECRET: 'from-the-environment' },
  );
  const appId = k.variables.appId;
  assert.match(appId, UUID);
  const app = k.applications[appId];
  assert.equal(app.clientSecret, 'from-the-environment');
  assert.deepEqual(app.oauth.authorizedRedirectURLs, ['http://localhost:8080/cb', '#{not a variable}'], 'a backslash keeps #{ literal');
  assert.equal(app.oauth.logoutURL, 'http://localhost:8080/tenant/30663132-6464-6665-3032-326466613934', 'FUSIONAUTH_TENANT_ID is defaultTenantId');
  assert.equal(k.tenantId, '30663132-6464-6665-3032-326466613934');
  assert.equal(k.variables.FUSIONAUTH_APPLICATION_ID, FUSIONAUTH_APP);
  assert.match(k.variables.FUSIONAUTH_DEFAULT_SIGNING_KEY_ID, UUID);
  assert.deepEqual(k.keys[k.variables.FUSIONAUTH_DEFAULT_SIGNING_KEY_ID], { id: k.variables.FUSIONAUTH_DEFAULT_SIGNING_KEY_ID, algorithm: 'HS256', name: 'Default signing key', origin: 'default' });
  assert.equal(k.tenants[k.tenantId].jwt.accessTokenKeyId, k.variables.FUSIONAUTH_DEFAULT_SIGNING_KEY_ID, "the default tenant signs with FusionAuth's default key");
});

test('includes: @{file} puts a text file inside a string, &{file} a JSON body or a whole request, both relative to the kickstart file', () => {
  const k = kick(
    {
      variables: { appId: '0e9e3c1a-0000-4000-8000-00000000abcd' },
      requests: [
        { method: 'POST', url: '/api/application/#{appId}', body: '&{json/app.json}' },
        '&{requests/user.json}',
        { method: 'POST', url: '/api/email/template', body: { emailTemplate: { defaultHtmlTemplate: '@{emails/never-read.html}' } } },
      ],
    },
    {
      'json/app.json': JSON.stringify({ application: { name: 'From a file', oauthConfiguration: { logoutURL: 'http://app.test/@{logout-path.txt}' } } }),
      'logout-path.txt': 'bye',
      'requests/user.json': JSON.stringify({ method: 'POST', url: '/api/user/registration', body: { user: { email: 'ann@example.com', password: 'pw', firstName: 'Ann' }, registration: { applicationId: '#{appId}', roles: ['user'] } } }),
    },
  );
  const app = k.applications['0e9e3c1a-0000-4000-8000-00000000abcd'];
  assert.equal(app.name, 'From a file');
  assert.equal(app.oauth.logoutURL, 'http://app.test/bye', 'an @{} inside an &{} file is read too');
  assert.deepEqual(k.users.map((u) => [u.email, u.firstName, u.registrations['0e9e3c1a-0000-4000-8000-00000000abcd']?.roles]), [['ann@example.com', 'Ann', ['user']]]);
  assert.deepEqual(k.reads, ['json/app.json', 'logout-path.txt', 'requests/user.json'], "the email template's include is not read: the request is ignored");
  assert.deepEqual(k.ignored.map((i) => `${i.request} ${i.what}`), ['2 the email template API (/api/email/template), not needed by the workflows']);
});

test('the APIs the double needs: keys, tenants, PATCH and PUT of an application, roles, users, registrations, API keys, CORS; the rest listed once as ignored', () => {
  const A = '0e9e3c1a-0000-4000-8000-00000000abcd';
  const T = '11111111-0000-4000-8000-000000000001';
  const K = '22222222-0000-4000-8000-000000000002';
  const k = kick({
    requests: [
      { method: 'POST', url: `/api/key/generate/${K}`, body: { key: { algorithm: 'ES256', name: 'ec' } } },
      { method: 'POST', url: `/api/tenant/${T}`, body: { tenant: { name: 'Second', issuer: 'https://auth.example.com', jwtConfiguration: { accessTokenKeyId: K, timeToLiveInSeconds: '300' } } } },
      { ...POST_APP(A, { oauthConfiguration: { authorizedRedirectURLs: ['http://a.test/cb'], clientSecret: 'first' }, roles: [{ name: 'admin' }] }), tenantId: T },
      { method: 'PATCH', url: `/api/application/${A}`, body: { application: { oauthConfiguration: { logoutURL: 'http://a.test/bye' }, jwtConfiguration: { enabled: 'true', refreshTokenUsagePolicy: 'OneTimeUse', timeToLiveInSeconds: 60 } } } },
      { method: 'POST', url: `/api/application/${A}/role`, body: { role: { name: 'editor' } } },
      { method: 'POST', url: '/api/user', tenantId: T, body: { user: { username: 'bob', password: 'pw', verified: false } } },
      { method: 'POST', url: `/api/user/registration/${'33333333-0000-4000-8000-000000000003'}`, tenantId: T, body: { user: { email: 'cy@example.com', password: 'pw', fullName: 'Cy Young' }, registration: { applicationId: A, roles: ['editor'], verified: false } } },
      { method: 'POST', url: '/api/api-key', body: { apiKey: { key: 'second-key', tenantId: T, permissions: { endpoints: { '/api/user': ['GET'] } } } } },
      { method: 'PATCH', url: 'api/system-configuration', body: { systemConfiguration: { corsConfiguration: { enabled: true, allowedOrigins: ['http://a.test'] } } } },
      { method: 'POST', url: '/api/webhook', body: { webhook: { url: 'http://hooks.test' } } },
      { method: 'PUT', url: `/api/application/${A}`, body: { application: { name: 'Renamed', oauthConfiguration: { authorizedRedirectURLs: ['http://a.test/cb2'], clientSecret: '' } } } },
    ],
  });
  assert.deepEqual(k.keys[K], { id: K, origin: 'generate', algorithm: 'ES256', name: 'ec', issuer: undefined, kid: undefined });
  assert.deepEqual(k.tenants[T], { id: T, name: 'Second', issuer: 'https://auth.example.com', httpSessionMaxInactiveInterval: 3600, jwt: { accessTokenKeyId: K, idTokenKeyId: k.variables.FUSIONAUTH_DEFAULT_SIGNING_KEY_ID, timeToLiveInSeconds: 300, refreshTokenTimeToLiveInMinutes: 43200, refreshTokenUsagePolicy: 'Reusable' } });
  const app = k.applications[A];
  assert.equal(app.tenantId, T, "the request's tenantId");
  assert.equal(app.name, 'Renamed');
  assert.deepEqual(app.oauth.authorizedRedirectURLs, ['http://a.test/cb2'], 'PUT replaces');
  assert.equal(app.oauth.logoutURL, undefined, 'PUT replaces: the PATCHed logout URL is gone');
  assert.equal(app.clientSecret, 'first', 'a blank secret in a PUT keeps the previous one');
  assert.deepEqual(app.jwt, { enabled: false }, 'PUT replaced the JWT settings too');
  assert.deepEqual(app.roles, ['admin', 'editor'], 'roles come with the creation and the role API; a PUT keeps them');
  assert.deepEqual(
    k.users.map((u) => [u.username ?? u.email, u.tenantId, u.verified, u.fullName, JSON.stringify(u.registrations)]),
    [
      ['bob', T, false, undefined, '{}'],
      ['cy@example.com', T, true, 'Cy Young', JSON.stringify({ [A]: { roles: ['editor'], verified: false } })],
    ],
  );
  assert.deepEqual(k.apiKeys, [{ key: 'the-api-key', restricted: false }, { key: 'second-key', description: undefined, tenantId: T, restricted: true }]);
  assert.deepEqual(k.cors, { allowedOrigins: ['http://a.test'] });
  assert.deepEqual(k.ignored.map((i) => `${i.request} ${i.what}`), ['9 the webhook API (/api/webhook), not needed by the workflows']);
});

test('an application PATCHed after its creation keeps what the PATCH does not name', () => {
  const A = '0e9e3c1a-0000-4000-8000-00000000abcd';
  const k = kick({
    requests: [
      POST_APP(A, { oauthConfiguration: { authorizedRedirectURLs: ['http://a.test/cb'], enabledGrants: ['authorization_code', 'refresh_token'] } }),
      { method: 'PATCH', url: `/api/application/${A}`, body: { application: { oauthConfiguration: { logoutURL: 'http://a.test/bye' } } } },
    ],
  });
  const app = k.applications[A];
  assert.deepEqual([app.oauth.authorizedRedirectURLs, app.oauth.enabledGrants, app.oauth.logoutURL], [['http://a.test/cb'], ['authorization_code', 'refresh_token'], 'http://a.test/bye']);
  assert.match(app.clientSecret, /^[A-Za-z0-9_-]{43}$/, 'no secret declared: one as FusionAuth would generate');
  assert.equal(app.clientSecretDeclared, false);
});

test('CORS stays off until enabled is true, as in FusionAuth', () => {
  const k = kick({ requests: [{ method: 'PATCH', url: '/api/system-configuration', body: { systemConfiguration: { corsConfiguration: { allowedOrigins: ['http://a.test'] } } } }] });
  assert.equal(k.cors, undefined);
});

test('an imported key without an algorithm: HS256 for a secret, read from the PEM otherwise', () => {
  const { generateKeyPairSync } = require('node:crypto') as typeof import('node:crypto');
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const ids = ['44444444-0000-4000-8000-000000000001', '44444444-0000-4000-8000-000000000002', '44444444-0000-4000-8000-000000000003'];
  const k = kick({
    requests: [
      { method: 'POST', url: `/api/key/import/${ids[0]}`, body: { key: { secret: 'an-hmac-secret-of-thirty-two-bytes!!', kid: 'my-hmac' } } },
      { method: 'POST', url: `/api/key/import/${ids[1]}`, body: { key: { privateKey: ec } } },
      { method: 'POST', url: `/api/key/import/${ids[2]}`, body: { key: { publicKey: rsa } } },
    ],
  });
  assert.deepEqual(ids.map((id) => [k.keys[id].algorithm, k.keys[id].origin, k.keys[id].kid]), [['HS256', 'import', 'my-hmac'], ['ES384', 'import', undefined], ['RS256', 'import', undefined]]);
  assert.equal(k.keys[ids[1]].privateKey, ec, 'the material is kept for the double to sign with');
});

test('a file FusionAuth would refuse stops with the field named', () => {
  const A = '0e9e3c1a-0000-4000-8000-00000000abcd';
  const key = { apiKeys: [{ key: 'k' }] };
  refused('{ "apiKeys": [ // a comment\n] }', /kickstart\.json: not JSON .*no comments/);
  refused([], /one JSON object/);
  refused({ ...key, request: [] }, /kickstart\.json: request: unknown member \(did you mean "requests"\?\)/);
  refused({ requests: [] }, /apiKeys: is missing: FusionAuth's kickstart runs its requests with the first API key/);
  refused({ apiKeys: [{ description: 'no key' }] }, /apiKeys\[0\]\.key: is missing/);
  refused({ ...key, variables: { userEmail: 'a@b.c' }, requests: [{ method: 'POST', url: '/api/user', body: { user: { email: '#{userEmial}' } } }] }, /requests\[0\]\.body\.user\.email: #\{userEmial\} names no variable \(did you mean #\{userEmail\}\?\)/);
  refused({ ...key, variables: { secret: '#{ENV.NOT_SET_ANYWHERE}' } }, /variables\.secret: #\{ENV\.NOT_SET_ANYWHERE\}: the environment has no NOT_SET_ANYWHERE/);
  refused({ ...key, variables: { a: ['x'] } }, /variables\.a: is an array; a variable is a string/);
  refused({ ...key, requests: [{ method: 'GET', url: '/api/user' }] }, /requests\[0\]\.method: is "GET"; FusionAuth's kickstart calls POST, PUT or PATCH/);
  refused({ ...key, requests: [{ method: 'POST' }] }, /requests\[0\]\.url: is missing/);
  refused({ ...key, requests: [POST_APP('my-app')] }, /requests\[0\]\.url: POST \/api\/application\/my-app: "my-app" is not a UUID/);
  refused({ ...key, requests: [POST_APP(A), POST_APP(A)] }, /requests\[1\]\.url: POST \/api\/application\/.*exists already \(requests\[0\] created it\); PATCH or PUT changes it/);
  refused({ ...key, requests: [{ method: 'PATCH', url: `/api/application/${A}`, body: { application: {} } }] }, /no earlier request created application/);
  refused({ ...key, requests: [POST_APP(A, { oauthConfiguration: { enabledGrants: 'authorization_code' } })] }, /requests\[0\]\.body\.application\.oauthConfiguration\.enabledGrants: is "authorization_code" \(string\); expected an array of strings/);
  refused({ ...key, requests: [POST_APP(A, { jwtConfiguration: { enabled: true, accessTokenKeyId: '55555555-0000-4000-8000-000000000005' } })] }, /jwtConfiguration\.accessTokenKeyId: names key 55555555-.*which no earlier request generated or imported/);
  refused({ ...key, requests: [{ method: 'POST', url: '/api/key/generate', body: { key: { name: 'no algorithm' } } }] }, /requests\[0\]\.body\.key\.algorithm: is missing/);
  refused({ ...key, requests: [{ method: 'POST', url: '/api/user/registration', body: { user: { email: 'a@b.c', password: 'p' }, registration: { applicationId: A } } }] }, /registration\.applicationId: names application 0e9e3c1a-.*which no earlier request created/);
  refused({ ...key, requests: [{ method: 'POST', url: '/api/user', body: { user: { email: 'a@b.c' } } }] }, /requests\[0\]\.body\.user\.password: is missing/);
  refused(
    { ...key, requests: [{ method: 'POST', url: '/api/user', body: { user: { email: 'a@b.c', password: 'p' } } }, { method: 'POST', url: '/api/user', body: { user: { email: 'A@B.C', password: 'p' } } }] },
    /requests\[1\]\.body\.user\.email: A@B\.C is the email of user .* \(requests\[0\]\) too/,
  );
  refused({ ...key, requests: [{ method: 'POST', url: '/api/application', tenantId: A, body: { application: {} } }] }, /requests\[0\]\.tenantId: names tenant 0e9e3c1a-.*which no earlier request created/);
  refused({ ...key, requests: [{ method: 'POST', url: '/api/application', body: '&{missing.json}' }] }, /requests\[0\]\.body: &\{missing\.json\}: cannot read missing\.json \(relative to the kickstart file\)/, 'CONFIG_NOT_FOUND');
  refused({ ...key, requests: ['&{loop.json}'] }, /&\{loop\.json\} includes itself \(loop\.json → loop\.json\)/, 'CONFIG_INVALID', { 'loop.json': '"&{loop.json}"' });
  assert.throws(() => readKickstart('/nonexistent/kickstart.json'), (e: unknown) => e instanceof KitError && e.code === 'CONFIG_NOT_FOUND' && /cannot read the kickstart file \/nonexistent\/kickstart\.json/.test(e.message));
});

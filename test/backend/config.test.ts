import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, DEFAULT_ROUTES, declaredTargets, jsonLogin, loadConfig, resolveRoutes, validateConfig } from '../../harness/backend';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-config-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
function write(content: unknown): string {
  const file = path.join(dir, `c${++n}.json`);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}
const good = {
  store: { command: ['node', 'store.js'], cwd: 'apps/store', env: { CB: 'http://${PUBLIC_HOST}:${PORT}/cb' } },
  forums: { command: 'node forums.js', routes: { posts: '/threads' }, identity: { contains: 'Signed in' } },
};

function rejects(content: unknown, ...needles: (string | RegExp)[]): ConfigError {
  const file = write(content);
  let err: unknown;
  try {
    loadConfig(file);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
  assert.ok(err.message.includes(file), `message names the file: ${err.message}`);
  for (const n of needles) {
    if (typeof n === 'string') assert.ok(err.message.includes(n), `message ${JSON.stringify(err.message)} should include ${JSON.stringify(n)}`);
    else assert.match(err.message, n);
  }
  return err;
}

test('a valid config loads with defaults and its directory', () => {
  const file = write({ ...good, envMap: { FA_BASE: 'FUSIONAUTH_URL' }, fusionauth: { signing: 'RS256' }, variants: { signing: ['HS256'] } });
  const c = loadConfig(file);
  assert.equal(c.configFile, file);
  assert.equal(c.configDir, dir);
  assert.equal(c.store.host, 'store.example.test');
  assert.equal(c.forums!.host, 'forums.example.test');
  assert.equal(c.sessionTtlSeconds, undefined, 'not declared: the default depends on the clock the run is on');
  assert.deepEqual(c.envMap, { FA_BASE: 'FUSIONAUTH_URL' });
  assert.deepEqual(c.fusionauth, { signing: 'RS256' });
  assert.deepEqual(c.store.command, ['node', 'store.js']);
  assert.equal(c.forums!.command, 'node forums.js');
});

test('resolveRoutes fills the defaults and keeps overrides', () => {
  assert.deepEqual({ ...DEFAULT_ROUTES }, resolveRoutes({}));
  assert.deepEqual(resolveRoutes({}), {
    home: '/',
    login: '/login',
    cart: '/shopping-cart',
    posts: '/posts',
    apiCart: '/api/load-shopping-cart',
    apiPosts: '/api/load-posts',
  });
  const r = resolveRoutes({ routes: { posts: '/threads', loginPost: '/session' } });
  assert.equal(r.posts, '/threads');
  assert.equal(r.loginPost, '/session');
  assert.equal(r.cart, '/shopping-cart');
});

test('a typo in a top-level key is an error that suggests the right one', () => {
  rejects({ ...good, sesionTtlSeconds: 5 }, '"sesionTtlSeconds"', 'did you mean "sessionTtlSeconds"', 'allowed keys');
  rejects({ ...good, envmap: {} }, '"envmap"', 'did you mean "envMap"');
});

test('typos inside a target are errors too', () => {
  rejects({ ...good, store: { ...good.store, rotues: {} } }, 'store.rotues', 'did you mean "routes"');
  rejects({ ...good, forums: { ...good.forums, routes: { post: '/x' } } }, 'forums.routes.post', 'did you mean "posts"');
  rejects({ ...good, store: { ...good.store, ready: { timeout: 5 } } }, 'store.ready.timeout');
});

test('a missing store is named', () => {
  rejects({ forums: good.forums }, '"store" is missing', '"command"', '"url"');
});

test('a config with only store declares one application', () => {
  const c = validateConfig({ store: good.store });
  assert.equal(c.forums, undefined);
  assert.deepEqual(declaredTargets(c), ['store']);
});

test('login: json mode needs a path; fields, extra and next are checked', () => {
  const json = { mode: 'json', path: '/api/login', fields: { loginId: 'email', password: 'pw' }, extra: { remember: true }, next: 'redirect' };
  const c = validateConfig({ store: { ...good.store, login: json } });
  assert.deepEqual(c.store.login, json);
  assert.equal(jsonLogin(c.store)?.path, '/api/login');
  rejects({ store: { ...good.store, login: { mode: 'json' } } }, '"store.login.path" is missing', 'a path starting with "/"');
  rejects({ store: { ...good.store, login: { mode: 'jsn', path: '/x' } } }, 'store.login.mode is "jsn"', '"form", "json"', 'did you mean "json"');
  rejects({ store: { ...good.store, login: { mode: 'json', path: '/x', fields: { login: 'email' } } } }, 'unknown key "store.login.fields.login"', 'did you mean "loginId"');
  rejects({ store: { ...good.store, login: { mode: 'json', path: 'api/login' } } }, 'store.login.path is "api/login"');
  rejects({ store: { ...good.store, login: { path: '/api/login' } } }, 'store.login has "path" but its mode is "form"');
});

test('a url target is warned that the kit cannot hand it a session TTL', () => {
  assert.match(validateConfig({ store: { url: 'http://127.0.0.1:1' } }).warnings?.join('\n') ?? '', /store is a "url" target: the kit cannot hand it a session TTL.*real-clock default 1 s.*sessionTtlSeconds/);
  assert.match(validateConfig({ store: { url: 'http://127.0.0.1:1' }, sessionTtlSeconds: 600 }).warnings?.join('\n') ?? '', /declared sessionTtlSeconds 600 s/);
  assert.equal(validateConfig(good).warnings, undefined);
});

test('fusionauth.directory overrides single fields and rejects unknown ones', () => {
  validateConfig({ ...good, fusionauth: { directory: { apiKey: 'k', applications: { store: { id: 'x' } } } } });
  rejects({ ...good, fusionauth: { directory: { apikey: 'k' } } }, 'unknown key "fusionauth.directory.apikey"', 'did you mean "apiKey"');
  rejects({ ...good, fusionauth: { directory: { applications: { store: { secret: 'x' } } } } }, 'unknown key "fusionauth.directory.applications.store.secret"');
});

test('wrong types name the field, the value and what is allowed', () => {
  rejects({ ...good, sessionTtlSeconds: '2' }, 'sessionTtlSeconds', '"2"', 'string', 'an integer');
  rejects({ ...good, sessionTtlSeconds: 0 }, 'sessionTtlSeconds', 'from 1 to 86400');
  rejects({ ...good, store: { command: 42 } }, 'store.command', '42', 'array of strings');
  rejects({ ...good, store: { command: [] } }, 'store.command', '[]');
  rejects({ ...good, store: { ...good.store, stopTimeoutMs: -1 } }, 'store.stopTimeoutMs', '-1');
  rejects({ ...good, store: { ...good.store, env: { X: 1 } } }, 'store.env.X', 'a string');
  rejects({ ...good, forums: { ...good.forums, routes: { cart: 'cart' } } }, 'forums.routes.cart', '"cart"', 'starting with "/"');
  rejects({ ...good, timeouts: { startMs: 'soon' } }, 'timeouts.startMs', '"soon"');
  rejects({ ...good, forums: { url: 'ftp://x' } }, 'forums.url', 'http://');
  rejects({ ...good, store: 'node store.js' }, 'store', 'an object');
  rejects([good], 'top level', 'an object');
});

test('command and url are exclusive, and hosts must differ', () => {
  rejects({ ...good, store: { command: 'x', url: 'http://127.0.0.1:1' } }, 'both "command" and "url"');
  rejects({ ...good, store: { host: 'store.example.test' } }, 'neither "command" nor "url"');
  rejects({ ...good, forums: { ...good.forums, host: 'store.example.test' } }, 'store.host and forums.host');
  rejects({ ...good, store: { url: 'http://127.0.0.1:8080', cwd: 'x' } }, '"cwd"', 'only apply');
});

test('envMap must map app names onto contract variables', () => {
  rejects({ ...good, envMap: { FA_BASE: 'FUSIONAUTH_URI' } }, 'envMap.FA_BASE', '"FUSIONAUTH_URI"', 'FUSIONAUTH_URL');
  rejects({ ...good, envMap: { PORT: 'FUSIONAUTH_URL' } }, '"PORT"', 'contract variable');
  rejects({ ...good, envMap: { 'FA-BASE': 'FUSIONAUTH_URL' } }, '"FA-BASE"', 'environment variable name');
});

test('unreadable and malformed files are ConfigErrors naming the file', () => {
  rejects('{ "store": ', 'not valid JSON');
  const missing = path.join(dir, 'nope.json');
  assert.throws(() => loadConfig(missing), (e: unknown) => e instanceof ConfigError && e.message.includes(missing));
});

test('validateConfig works on objects built in code', () => {
  const c = validateConfig({ store: { url: 'http://127.0.0.1:3000/' }, forums: { url: 'http://127.0.0.1:3001' } });
  assert.equal(c.store.url, 'http://127.0.0.1:3000');
  assert.throws(() => validateConfig({}, 'inline'), /inline: "store" is missing/);
});

// ---- the JSON Schema (harness/backend/loginflow.schema.json) ----

import Ajv from 'ajv';
import { CONFIG_SCHEMA_PATH, CONTRACT_ENV_NAMES, configSchema } from '../../harness/backend';

const ROOT = path.join(__dirname, '..', '..');

test('the schema is a valid draft-07 JSON Schema that compiles in strict mode', () => {
  const schema = JSON.parse(fs.readFileSync(CONFIG_SCHEMA_PATH, 'utf8'));
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  const ajv = new Ajv({ strict: true, strictRequired: false, strictTuples: false });
  ajv.addVocabulary(['x-expected']);
  assert.equal(ajv.validateSchema(schema), true, JSON.stringify(ajv.errors));
  assert.doesNotThrow(() => ajv.compile(schema));
});

test('every field in the schema has a description (editors show it) and objects allow no unknown keys', () => {
  const walk = (s: Record<string, any>, where: string): void => {
    if (s.type === 'object' && s.properties) assert.equal(s.additionalProperties, false, `${where}: additionalProperties false`);
    for (const [k, v] of Object.entries<Record<string, any>>(s.properties ?? {})) {
      assert.ok(typeof v.description === 'string' && v.description.length > 10, `${where}.${k} has a description`);
      walk(v.$ref ? { ...configSchema().definitions![v.$ref.split('/').pop()!], ...v } : v, `${where}.${k}`);
    }
  };
  walk(configSchema(), '#');
});

test('the schema lists exactly the contract variables as envMap targets', () => {
  const envMap = (configSchema().properties as Record<string, any>).envMap;
  const names = ['FUSIONAUTH_URL', 'FUSIONAUTH_API_KEY', 'FUSIONAUTH_APPLICATION_ID', 'FUSIONAUTH_CLIENT_SECRET', 'FUSIONAUTH_JWT_HMAC_SECRET', 'FUSIONAUTH_ISSUER', 'FUSIONAUTH_PUBLIC_URL', 'FUSIONAUTH_REFRESH_ENDPOINT', 'PORT', 'HOST', 'PUBLIC_HOST', 'SESSION_TTL_SECONDS'];
  // Written out: the contract is the interface backends are written against.
  assert.deepEqual([...CONTRACT_ENV_NAMES], names);
  assert.deepEqual(envMap.additionalProperties.enum, names);
});

test('every bundled config (references, mutants, docs/examples) validates', () => {
  const walk = (d: string): string[] =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(d, e.name);
      if (e.isDirectory()) return e.name === 'node_modules' ? [] : walk(p);
      return /^loginflow.*\.json$/.test(e.name) || (path.basename(d) === 'mutants' && e.name.endsWith('.json')) || e.name.endsWith('.loginflow.json') ? [p] : [];
    });
  const files = [...walk(path.join(ROOT, 'backends')), ...walk(path.join(ROOT, 'docs'))];
  assert.ok(files.length >= 20, `found ${files.length} configs`);
  assert.ok(files.some((f) => f.includes(`docs${path.sep}examples`)), 'the docs example is among them');
  for (const f of files) assert.doesNotThrow(() => loadConfig(f), (e: unknown) => `${f}: ${(e as Error).message}`);
});

test('schema errors name the field, the value and what is allowed', () => {
  rejects({ ...good, store: { comand: 'node s.js' } }, 'unknown key "store.comand"', 'did you mean "command"', 'allowed keys in store: command, url');
  rejects({ ...good, fusionauth: { signing: 'hs256' } }, 'fusionauth.signing is "hs256" (string)', 'expected one of: "HS256", "RS256"', 'did you mean "HS256"');
  rejects({ ...good, fusionauth: { refreshFailureStatus: '404' } }, 'fusionauth.refreshFailureStatus is "404" (string)', 'one of: 400, 404');
  rejects({ ...good, fusionauth: { refreshTokenPolicy: 'Rotate' } }, 'fusionauth.refreshTokenPolicy', '"Reusable", "OneTimeUse"');
  rejects({ ...good, fusionauth: { requireApiKey: 'no' } }, 'fusionauth.requireApiKey is "no" (string)', 'true or false');
  rejects({ ...good, fusionauth: { jwtTtl: 60 } }, 'unknown key "fusionauth.jwtTtl"', 'did you mean "jwtTtlSeconds"');
  rejects({ ...good, variants: { signing: ['HS512'] } }, 'variants.signing[0] is "HS512"', '"HS256", "RS256"');
  rejects({ ...good, variants: { refreshEndpoint: '/oauth2/token' } }, 'variants.refreshEndpoint', 'array', '"/api/jwt/refresh", "/oauth2/token"');
  rejects({ ...good, variants: { sign: ['HS256'] } }, 'unknown key "variants.sign"', 'did you mean "signing"');
  rejects({ ...good, forums: { command: 'x', host: 'bad host' } }, 'forums.host is "bad host"', 'a host name');
  rejects({ ...good, store: { url: 'http://127.0.0.1:1', env: {}, stopTimeoutMs: 5 } }, 'store has "url" together with "env", "stopTimeoutMs"');
  rejects({ ...good, expectedFailures: '' }, 'expectedFailures is ""', 'a file path');
});

test('all problems are reported, unknown keys first', () => {
  const err = rejects({ store: { command: 'x', routes: { cart: 'cart' }, rotues: {} }, workflow: 3 }, 'store.rotues', 'workflow is 3 (number)', 'store.routes.cart');
  const lines = err.message.split('\n');
  assert.equal(lines.length, 3, err.message);
  assert.match(lines[0], /unknown key "store\.rotues"/);
  assert.ok(lines.every((l) => l.startsWith(path.join(dir, ''))), 'every line names the file');
});

test('$schema and expectedFailures are accepted and kept', () => {
  const c = validateConfig({ ...good, $schema: './node_modules/loginflow/harness/backend/loginflow.schema.json', expectedFailures: 'expected-failures.json' });
  assert.equal(c.expectedFailures, 'expected-failures.json');
});

test('tls: absent by default (the kit plays the TLS terminator), false is kept, anything but a boolean names the field', () => {
  assert.equal(validateConfig(good).tls, undefined);
  assert.equal(validateConfig({ ...good, tls: false }).tls, false);
  assert.equal(validateConfig({ ...good, tls: true }).tls, true);
  rejects({ ...good, tls: 'off' }, 'tls is "off" (string); expected true or false');
});

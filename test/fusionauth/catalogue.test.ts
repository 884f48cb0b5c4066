import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FUSIONAUTH_API_VERSION, FUSIONAUTH_ENDPOINTS, fusionAuthOperation } from '../../harness/fusionauth';
import { OPENAPI_PATH } from './openapi-schemas';

// The generator is a CommonJS script (scripts/ runs without a compiler).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const generator = require('../../scripts/fusionauth-endpoints.js') as { catalogueOf(text: string): unknown; render(c: unknown): string; OUT: string };

test('the committed endpoint catalogue is what scripts/fusionauth-endpoints.js makes of the OpenAPI description CI has', () => {
  const text = fs.readFileSync(OPENAPI_PATH, 'utf8');
  const committed = fs.readFileSync(path.join(__dirname, '..', '..', 'harness', 'fusionauth', 'endpoints.json'), 'utf8');
  assert.equal(generator.OUT, path.join(__dirname, '..', '..', 'harness', 'fusionauth', 'endpoints.json'));
  assert.equal(committed, generator.render(generator.catalogueOf(text)), `stale: run node scripts/fusionauth-endpoints.js ${path.relative(process.cwd(), OPENAPI_PATH)}`);
});

test('the catalogue holds facts of FusionAuth 1.69.0: 323 operations, each a method, a path template and its statuses', () => {
  assert.equal(FUSIONAUTH_API_VERSION, '1.69.0');
  assert.equal(FUSIONAUTH_ENDPOINTS.length, 323);
  assert.deepEqual(
    FUSIONAUTH_ENDPOINTS.find((e) => e.method === 'POST' && e.path === '/api/login'),
    { method: 'POST', path: '/api/login', statuses: ['200', 'default'] },
  );
  for (const e of FUSIONAUTH_ENDPOINTS) {
    assert.match(e.method, /^(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS)$/);
    assert.match(e.path, /^\/[A-Za-z0-9_.\-/{}]*$/);
    assert.ok(e.statuses.length > 0, `${e.method} ${e.path} has statuses`);
  }
});

test('a request is matched to its FusionAuth operation: templates, literal paths first, a trailing slash, the method', () => {
  assert.deepEqual(fusionAuthOperation('GET', '/api/application/3c219e58-ed0e-4b18-ad48-f4f92793ae32'), { method: 'GET', template: '/api/application/{applicationId}' });
  assert.deepEqual(fusionAuthOperation('get', '/api/user/search'), { method: 'GET', template: '/api/user/search' }, 'a literal path is not taken for /api/user/{userId}');
  assert.deepEqual(fusionAuthOperation('GET', '/api/user/1234'), { method: 'GET', template: '/api/user/{userId}' });
  assert.deepEqual(fusionAuthOperation('POST', '/api/login/'), { method: 'POST', template: '/api/login' });
  assert.deepEqual(fusionAuthOperation('PUT', '/api/login/u-1/a-1'), { method: 'PUT', template: '/api/login/{userId}/{applicationId}' });
  assert.equal(fusionAuthOperation('GET', '/api/login'), undefined, 'FusionAuth has no GET /api/login');
  assert.equal(fusionAuthOperation('GET', '/api/no-such-thing'), undefined);
  assert.equal(fusionAuthOperation('GET', '/api/user/a/b/c/d'), undefined, 'a parameter is one path segment');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FusionAuthDouble, ROUTES, SEEDED_DIRECTORY, fusionAuthOperation } from '../../harness/fusionauth';
import { call } from './helpers';

/**
 * The double's route table and the endpoint list of docs/fusionauth-fidelity.md are one set:
 * a route the doc does not list, or a listed endpoint the double does not play, fails here.
 */
const ROOT = path.join(__dirname, '..', '..');
const DOC = fs.readFileSync(path.join(ROOT, 'docs', 'fusionauth-fidelity.md'), 'utf8');

interface Listed {
  method: string;
  path: string;
  handler: string;
  inOpenApi: string;
}

/** The rows of the "Endpoints the double plays" section: | `METHOD` | `path` | what | `module` | yes/no |. */
function listed(md: string): Listed[] {
  const start = md.indexOf('## Endpoints the double plays');
  assert.ok(start >= 0, 'the doc has its endpoint list');
  const end = md.indexOf('\n## ', start + 1);
  const out: Listed[] = [];
  for (const line of md.slice(start, end < 0 ? undefined : end).split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 5 || !/^`[A-Z]+`$/.test(cells[0])) continue;
    out.push({ method: cells[0].slice(1, -1), path: cells[1].slice(1, -1), handler: cells[3].slice(1, -1), inOpenApi: cells[4] });
  }
  return out;
}

const key = (e: { method: string; path: string }) => `${e.method} ${e.path}`;

test('docs/fusionauth-fidelity.md lists exactly the endpoints of the route table, each once', () => {
  const doc = listed(DOC).map(key);
  const table = ROUTES.map(key);
  assert.equal(new Set(doc).size, doc.length, 'no endpoint listed twice');
  assert.deepEqual([...doc].sort(), [...table].sort(), `in the doc, not the table: ${doc.filter((e) => !table.includes(e)).join(', ') || 'none'}; in the table, not the doc: ${table.filter((e) => !doc.includes(e)).join(', ') || 'none'}`);
  assert.equal(table.length, 17);
});

test('each listed endpoint names the module its handler comes from', () => {
  for (const row of listed(DOC)) {
    const route = ROUTES.find((r) => key(r) === key(row))!;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(ROOT, 'harness', 'fusionauth', row.handler)) as Record<string, unknown>;
    assert.ok(Object.values(mod).includes(route.handler), `${key(row)}: its handler ${route.handler.name} is not exported by ${row.handler}`);
  }
});

test('"in the OpenAPI description" says whether FusionAuth\'s API catalogue has the endpoint, under the same template', () => {
  for (const row of listed(DOC)) {
    const sample = row.path.replace(/\{[^}]+\}/g, '11111111-1111-4111-8111-111111111111');
    const op = fusionAuthOperation(row.method, sample);
    assert.equal(row.inOpenApi.startsWith('yes'), !!op, `${key(row)}: "${row.inOpenApi}"`);
    if (op) assert.equal(op.template, row.path, `${key(row)} is written as FusionAuth writes it`);
  }
});

test('the parser reads a row, and the test would see a route missing from the doc', () => {
  const md = '## Endpoints the double plays\n\n| method | path | what | handler | in |\n|---|---|---|---|---|\n| `GET` | `/a/{b}` | x | `api/a.ts` | yes |\n\n## Next\n| `POST` | `/not/here` | x | `api/b.ts` | no |\n';
  assert.deepEqual(listed(md), [{ method: 'GET', path: '/a/{b}', handler: 'api/a.ts', inOpenApi: 'yes' }]);
  const short = listed(DOC).slice(1).map(key);
  assert.notDeepEqual(short.sort(), ROUTES.map(key).sort());
});

test('a request goes to the route its method and path match; a parameter must have its shape, else the call is the kit\'s gap', async () => {
  const d = await FusionAuthDouble.start();
  try {
    const key = { authorization: SEEDED_DIRECTORY.apiKey };
    const alice = await call('in-process', d, undefined, 'GET', '/api/user/11111111-1111-4111-8111-111111111111', { headers: key });
    assert.equal(alice.status, 200);
    assert.equal(alice.json().user.email, 'alice@example.com');
    const byEmail = await call('in-process', d, undefined, 'GET', '/api/user/?email=bob@example.com', { headers: key });
    assert.equal(byEmail.json().user.email, 'bob@example.com', '/api/user/ is /api/user');
    const notAnId = await call('in-process', d, undefined, 'GET', '/api/user/not-a-uuid', { headers: key });
    assert.equal(notAnId.status, 501);
    assert.match(notAnId.text, /does not implement GET \/api\/user\/not-a-uuid \(a FusionAuth API: GET \/api\/user\/\{userId\}\)/);
    const search = await call('in-process', d, undefined, 'GET', '/api/user/search', { headers: key });
    assert.match(search.text, /a FusionAuth API: GET \/api\/user\/search\)/, 'a literal FusionAuth path is not taken for /api/user/{userId}');
    assert.equal((await call('in-process', d, undefined, 'PUT', '/api/jwt/validate')).status, 404, 'FusionAuth has no PUT /api/jwt/validate');
    assert.deepEqual(d.journal.all().map((e) => [e.response?.status, !!e.unexpected, !!e.kitGap]), [[200, false, false], [200, false, false], [501, true, true], [501, true, true], [404, true, false]]);
  } finally {
    await d.close();
  }
});

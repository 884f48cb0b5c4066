import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listWorkflows } from '../../harness/spec/diagram';
import { VARIANTS, VARIANT_NAMES, WORKFLOWS, kitPath, workflowIds } from '../../harness/workflow/registry';

const ROOT = path.resolve(__dirname, '..', '..');

test('the registry lists every workflow the kit has a diagram for, and no other', () => {
  assert.deepEqual(workflowIds(), listWorkflows());
});

test('each registry entry names files that exist, a unique prefix, known variants and check modules', () => {
  assert.equal(new Set(WORKFLOWS.map((w) => w.prefix)).size, WORKFLOWS.length, 'prefixes are unique');
  for (const w of WORKFLOWS) {
    for (const f of [w.diagram, w.feature, ...(w.reference ? [w.reference] : [])]) assert.ok(fs.existsSync(kitPath(f)), `${w.id}: ${f} exists`);
    assert.match(fs.readFileSync(kitPath(w.feature), 'utf8'), new RegExp(`^@workflow:${w.id}\\b`, 'm'), `${w.id}: its feature is tagged with its id`);
    assert.match(w.prefix, /^[A-Z]{2,5}$/);
    for (const v of w.variants) assert.ok(VARIANT_NAMES.includes(v), `${w.id}: variant ${v}`);
    for (const c of w.checks) assert.ok(fs.existsSync(path.join(ROOT, 'harness', 'checks', `${c}.ts`)), `${w.id}: harness/checks/${c}.ts exists`);
    assert.ok(w.flows.length, `${w.id}: names its flows`);
  }
});

test('the shipped config schema says the registry\'s variants (the copy editors read)', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'harness', 'backend', 'loginflow.schema.json'), 'utf8'));
  const declared = schema.properties.variants.properties;
  assert.deepEqual(Object.keys(declared).sort(), [...VARIANT_NAMES].sort());
  for (const name of VARIANT_NAMES) assert.deepEqual(declared[name].items.enum, [...VARIANTS[name].values], name);
  for (const [name, s] of Object.entries<{ enum?: unknown[] }>(schema.properties.fusionauth.properties)) {
    if (name in VARIANTS && s.enum) assert.deepEqual(s.enum, [...VARIANTS[name as keyof typeof VARIANTS].values], `fusionauth.${name}`);
  }
});

test("an entry whose flows include oauth says where the app keeps the login (oauth.tokens), and only such an entry", () => {
  const kinds = Object.fromEntries(WORKFLOWS.map((w) => [w.id, w.oauth?.tokens ?? (w.flows.includes('oauth') ? 'MISSING' : 'none')]));
  assert.deepEqual(kinds, {
    'spa-localstorage-jwt': 'none',
    'webapp-jwt-cookies': 'none',
    'webapp-sessions': 'none',
    'webapp-oauth-code-sessions': 'session',
    'webapp-oauth-code-jwt-cookies': 'cookies',
  });
});

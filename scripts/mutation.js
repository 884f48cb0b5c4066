#!/usr/bin/env node
'use strict';
// npm run mutation [-- <module>...]: mutation testing in slices, one module at a time.
// A whole run (~1,700 mutants) takes over an hour on a shared 2-core machine; a slice of one
// module takes minutes, so a change to one check is measured by mutating that module only.
// Each slice runs StrykerJS (stryker.config.json) with --mutate <module>, keeps its JSON
// report as reports/mutation/<module>.json and prints killed / survived / timeout /
// no-coverage and the score; the summary at the end is the table docs/mutation-testing.md
// keeps. With no argument: every module of harness/checks, harness/trace/redact.ts and
// harness/gate, one after the other. LOGINFLOW_MUTATION_CONCURRENCY (default 1) sets
// Stryker's test-runner processes.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const out = path.join(root, 'reports', 'mutation');
/** What is measured by default: the checks (but the catalogue generator, see docs), redaction and the gate. */
function defaultModules() {
  const ts = (dir) => fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.ts') && f !== 'index.ts').map((f) => `${dir}/${f}`);
  return [...ts('harness/checks').filter((f) => !f.endsWith('/catalogue.ts')), 'harness/trace/redact.ts', ...ts('harness/gate')];
}

/**
 * The unit tests a module's mutants are run against: its own test file where it has one
 * (each test file is a node process per mutant, the cost that dominates on a loaded
 * machine), else its folder's. LOGINFLOW_MUTATION_TESTS=all runs every fast unit test.
 */
function testsFor(m) {
  const all = JSON.parse(fs.readFileSync(path.join(root, 'stryker.config.json'), 'utf8')).tap.testFiles;
  if (process.env.LOGINFLOW_MUTATION_TESTS === 'all') return all;
  const name = path.basename(m, '.ts');
  const dir = path.basename(path.dirname(m));
  const own = {
    'checks/verifier': ['verifier', 'exchanges'],
    'checks/check': ['verifier', 'exchanges', 'spa'],
    // The redactor's exact expectations (known fingerprints of known tokens) are in redactor-exact.
    'trace/redact': ['redact', 'redactor-exact'],
    // The gate's exact expectations and its not-applicable coverage are in their own files.
    'gate/gate': ['gate', 'gate-exact', 'coverage-na'],
  }[`${dir}/${name}`] ?? (fs.existsSync(path.join(root, 'test', dir, `${name}.test.ts`)) ? [name] : undefined);
  return own ? own.map((t) => `.stryker-build/test/${dir}/${t}.test.js`) : [`.stryker-build/test/${dir}/*.test.js`];
}

function count(report, file) {
  const c = { Killed: 0, Survived: 0, Timeout: 0, NoCoverage: 0, other: 0 };
  for (const [name, f] of Object.entries(report.files)) {
    if (path.resolve(root, name) !== path.resolve(root, file)) continue;
    for (const m of f.mutants) c[m.status in c ? m.status : 'other'] += 1;
  }
  const detected = c.Killed + c.Timeout;
  const valid = detected + c.Survived + c.NoCoverage;
  return { ...c, score: valid ? (100 * detected) / valid : 100 };
}

const modules = process.argv.slice(2).length ? process.argv.slice(2) : defaultModules();
for (const m of modules) {
  if (!fs.existsSync(path.join(root, m))) {
    console.error(`mutation: no such module ${m} (give paths like harness/checks/cookies.ts)`);
    process.exit(2);
  }
}
fs.mkdirSync(out, { recursive: true });
const rows = [];
let failed = false;
for (const m of modules) {
  const started = Date.now();
  console.log(`\n== mutation: ${m}`);
  // The slice's config: stryker.config.json with the module's own tests and no TypeScript
  // checker (it type-checks every mutant, seconds each; a mutant that does not type-check
  // runs as plain JavaScript instead and is judged by the tests like any other).
  const base = JSON.parse(fs.readFileSync(path.join(root, 'stryker.config.json'), 'utf8'));
  const config = path.join(out, 'stryker.slice.json');
  fs.writeFileSync(config, JSON.stringify({ ...base, $schema: undefined, tap: { ...base.tap, testFiles: testsFor(m) }, checkers: process.env.LOGINFLOW_MUTATION_TYPECHECK ? base.checkers : [] }, null, 2));
  const res = spawnSync(process.execPath, [path.join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js'), 'run', config, '--mutate', m, '--concurrency', process.env.LOGINFLOW_MUTATION_CONCURRENCY || '1'], { cwd: root, stdio: 'inherit' });
  const secs = Math.round((Date.now() - started) / 1000);
  const json = path.join(out, 'mutation.json');
  if (res.status !== 0 || !fs.existsSync(json)) {
    failed = true;
    rows.push({ m, secs, error: `stryker exited ${res.status}` });
    continue;
  }
  const report = JSON.parse(fs.readFileSync(json, 'utf8'));
  const keep = path.join(out, `${m.replace(/[\\/]/g, '_').replace(/\.ts$/, '')}.json`);
  fs.renameSync(json, keep);
  rows.push({ m, secs, ...count(report, m) });
}
console.log('\n| module | killed | survived | timeout | no coverage | score | time |\n|---|---|---|---|---|---|---|');
for (const r of rows) {
  if (r.error) console.log(`| ${r.m} | ${r.error} | | | | | ${r.secs} s |`);
  else console.log(`| ${r.m} | ${r.Killed} | ${r.Survived} | ${r.Timeout} | ${r.NoCoverage} | ${r.score.toFixed(1)} % | ${r.secs} s |`);
}
process.exit(failed ? 1 : 0);

#!/usr/bin/env node
'use strict';
// Runs every test/**/*.test.ts with Node's own test runner (its closing summary is what CI
// reads). Node 20's --test has no glob support, so the files are listed here.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const filter = process.argv.slice(2);
function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? walk(p) : d.name.endsWith('.test.ts') ? [p] : [];
  });
}
let files = walk(path.join(root, 'test')).sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (!files.length) {
  console.error('no test files matched');
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  ['--require', 'ts-node/register', '--test', '--test-concurrency=2', ...files.map((f) => path.relative(root, f))],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' } },
);
process.exit(res.status === null ? 1 : res.status);

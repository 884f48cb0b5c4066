#!/usr/bin/env node
'use strict';
// Runs every test/**/*.test.ts with Node's own test runner (its closing summary is what CI
// reads). Node 20's --test has no glob support, so the files are listed here.
const { spawn } = require('node:child_process');
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
// A directory the test files of this run share (test/real-apps/prepare.ts installs the Express
// app's node_modules there once for every file), removed when the run ends, however it ends.
const runDir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'loginflow-test-run-'));
const child = spawn(
  process.execPath,
  ['--require', 'ts-node/register', '--test', '--test-concurrency=2', ...files.map((f) => path.relative(root, f))],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', LOGINFLOW_TEST_RUN_DIR: runDir } },
);
// Ctrl-C reaches the runner too (same process group); a signal sent to this script alone is passed on.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('close', (code) => {
  fs.rmSync(runDir, { recursive: true, force: true });
  process.exit(code === null ? 1 : code);
});

#!/usr/bin/env node
'use strict';
// Compiles the kit (harness/, steps/) to JavaScript in node_modules/.cache/loginflow/dist, with
// a stamp of the sources it was compiled from. bin/loginflow.js runs that copy while the stamp
// matches the sources, and the TypeScript sources through ts-node otherwise: loading through
// ts-node costs about 2 s of CPU per start (the TypeScript compiler, and source-map-support on
// every stack trace Playwright takes), paid by every `loginflow` process: npm start, and each
// of the test suite's kit runs. A build cache under node_modules/.cache, as other tools keep
// theirs: not dist/ (npm pack's, which postpack removes) and nothing in the tree.
//   node scripts/build-dev.js            compile (npm install's prepare, npm test)
//   node scripts/build-dev.js --if-stale compile only when the sources changed since (npm start)
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { BUILD, STAMP_FILE, sourcesStamp, buildIsFresh } = require('./dev-build-stamp');

const root = path.join(__dirname, '..');
const stamp = sourcesStamp(root);
if (process.argv.includes('--if-stale') && buildIsFresh(root, stamp)) process.exit(0);
// Into a fresh directory, then swapped in: a kit starting meanwhile sees the old build or the new, never half of one.
const tmp = `${BUILD}.${process.pid}`;
fs.rmSync(tmp, { recursive: true, force: true });
// Type errors do not stop the emit (as ts-node's transpile-only mode does not stop on them;
// `tsc --noEmit` in npm test reports them), so a work-in-progress source never breaks npm install.
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', tmp], { cwd: root, encoding: 'utf8' });
if (!fs.existsSync(path.join(tmp, 'harness', 'cli', 'main.js'))) {
  fs.rmSync(tmp, { recursive: true, force: true });
  // Not fatal: without a build the kit runs its sources through ts-node.
  console.error(`build-dev: tsc emitted nothing (${(tsc.stdout || tsc.stderr || String(tsc.error)).trim().split('\n')[0]}); loginflow runs its TypeScript sources through ts-node`);
  process.exit(0);
}
fs.writeFileSync(path.join(tmp, path.relative(BUILD, STAMP_FILE)), stamp);
const old = `${BUILD}.old.${process.pid}`;
if (fs.existsSync(BUILD)) fs.renameSync(BUILD, old);
fs.renameSync(tmp, BUILD);
fs.rmSync(old, { recursive: true, force: true });

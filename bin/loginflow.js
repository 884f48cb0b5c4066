#!/usr/bin/env node
'use strict';
// In this repository the kit runs its compiled copy (node_modules/.cache/loginflow/dist, made
// by scripts/build-dev.js at npm install, npm test and npm start) while that copy was compiled
// from the sources as they are now, and otherwise its TypeScript sources through ts-node in
// transpile-only mode (type errors are caught by `tsc --noEmit` in `npm test`, not at every
// start): an edited source is always what runs. LOGINFLOW_TS=1 runs the sources regardless
// (stack traces then name .ts lines). An installed package (npm pack) ships no TypeScript,
// only dist/, compiled by the `prepack` script: it starts without a compiler.
const fs = require('node:fs');
const path = require('node:path');
const root = path.join(__dirname, '..');
let cli;
if (fs.existsSync(path.join(root, 'harness', 'cli', 'main.ts'))) {
  const { BUILD, buildIsFresh } = require('../scripts/dev-build-stamp');
  if (!process.env.LOGINFLOW_TS && buildIsFresh(root)) {
    cli = require(path.join(BUILD, 'harness', 'cli', 'main'));
  } else {
    process.env.TS_NODE_TRANSPILE_ONLY = 'true';
    process.env.TS_NODE_PROJECT = path.join(root, 'tsconfig.json');
    // ts-node and typescript are development dependencies: a checkout installed without them
    // (npm ci --omit=dev) cannot run its sources, and should say so rather than print a stack.
    try {
      require.resolve('ts-node/register');
    } catch {
      console.error('loginflow: this checkout runs its TypeScript sources and needs its development dependencies (ts-node, typescript): run npm install (or npm pack, and install the package it makes)');
      process.exit(2);
    }
    require('ts-node/register');
    cli = require('../harness/cli/main');
  }
} else {
  cli = require('../dist/harness/cli/main');
}
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    console.error(`loginflow: ${err && err.stack ? err.stack : err}`);
    process.exitCode = 2;
  },
);

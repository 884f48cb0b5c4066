#!/usr/bin/env node
'use strict';
// The kit is written in TypeScript and run through ts-node in transpile-only mode:
// type errors are caught by `tsc --noEmit` in `npm test`, not at every start.
const path = require('node:path');
process.env.TS_NODE_TRANSPILE_ONLY = 'true';
process.env.TS_NODE_PROJECT = path.join(__dirname, '..', 'tsconfig.json');
require('ts-node/register');
require('../harness/cli/main').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    console.error(`loginflow: ${err && err.stack ? err.stack : err}`);
    process.exitCode = 2;
  },
);

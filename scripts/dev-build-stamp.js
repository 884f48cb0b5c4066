'use strict';
// Where the repository's compiled copy of the kit lives, and the stamp that says which
// sources it was compiled from (shared by scripts/build-dev.js and bin/loginflow.js).
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const BUILD = path.join(__dirname, '..', 'node_modules', '.cache', 'loginflow', 'dist');

/** sha1 of every file the build compiles or copies (harness/, steps/: .ts and .json) and of the tsconfigs: about 4 ms. */
function sourcesStamp(root) {
  const walk = (dir) =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
      const p = path.join(dir, d.name);
      return d.isDirectory() ? walk(p) : /\.(ts|json)$/.test(d.name) ? [p] : [];
    });
  const files = [...walk(path.join(root, 'harness')), ...walk(path.join(root, 'steps')), path.join(root, 'tsconfig.json'), path.join(root, 'tsconfig.build.json')].sort();
  const h = crypto.createHash('sha1');
  for (const f of files) h.update(`${path.relative(root, f)}\0`).update(fs.readFileSync(f)).update('\0');
  return h.digest('hex');
}

/** The file in the build that holds the stamp of the sources it was compiled from. */
const STAMP_FILE = path.join(BUILD, '.sources');

/** Was the build compiled from the sources under `root` as they are now? (No build: no.) */
function buildIsFresh(root, stamp = sourcesStamp(root)) {
  try {
    return fs.readFileSync(STAMP_FILE, 'utf8') === stamp;
  } catch {
    return false;
  }
}

module.exports = { BUILD, STAMP_FILE, sourcesStamp, buildIsFresh };

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { underCi } from '../prerequisites';

/**
 * The repository's compiled copy of the kit (scripts/build-dev.js): bin/loginflow.js runs it
 * only while it was compiled from the sources as they are, so an edit is always what runs.
 */
const ROOT = path.resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { sourcesStamp, buildIsFresh, STAMP_FILE } = require(path.join(ROOT, 'scripts', 'dev-build-stamp.js')) as { sourcesStamp: (root: string) => string; buildIsFresh: (root: string) => boolean; STAMP_FILE: string };

function skeleton(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-stamp-'));
  for (const [f, text] of Object.entries({
    'harness/cli/main.ts': 'export const x = 1;\n',
    'harness/backend/loginflow.schema.json': '{}\n',
    'steps/world.ts': 'export {};\n',
    'tsconfig.json': '{}\n',
    'tsconfig.build.json': '{}\n',
    'README.md': '# kit\n',
  })) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

test('the sources stamp changes with any compiled source, JSON copied into the build or tsconfig, and with nothing else', () => {
  const dir = skeleton();
  try {
    const before = sourcesStamp(dir);
    assert.match(before, /^[0-9a-f]{40}$/);
    assert.equal(sourcesStamp(dir), before, 'the same sources, the same stamp');
    fs.writeFileSync(path.join(dir, 'README.md'), '# kit, edited\n');
    assert.equal(sourcesStamp(dir), before, 'a file the build does not use changes nothing');
    for (const f of ['harness/cli/main.ts', 'harness/backend/loginflow.schema.json', 'steps/world.ts', 'tsconfig.build.json']) {
      const was = sourcesStamp(dir);
      fs.appendFileSync(path.join(dir, f), ' ');
      assert.notEqual(sourcesStamp(dir), was, `editing ${f} makes the build stale`);
    }
    const was = sourcesStamp(dir);
    fs.renameSync(path.join(dir, 'steps/world.ts'), path.join(dir, 'steps/world2.ts'));
    assert.notEqual(sourcesStamp(dir), was, 'a renamed source makes the build stale');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bin/loginflow.js answers the same from the compiled copy and from the sources (LOGINFLOW_TS=1)', () => {
  const run = (env: Record<string, string>) => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'loginflow.js'), 'checks', '--json'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  // Under CI, npm test has compiled the sources it tests (build-dev --if-stale): the first run is the compiled copy.
  if (underCi()) assert.ok(buildIsFresh(ROOT), `npm test compiles the kit before its tests (node scripts/build-dev.js --if-stale); ${STAMP_FILE} is missing or stale`);
  const compiled = run({});
  const sources = run({ LOGINFLOW_TS: '1' });
  assert.equal(compiled.status, 0, compiled.stderr);
  assert.equal(sources.status, 0, sources.stderr);
  assert.ok(Object.values(JSON.parse(compiled.stdout) as Record<string, unknown[]>).flat().length > 50, 'the check catalogue, from either');
  assert.equal(compiled.stdout, sources.stdout);
});

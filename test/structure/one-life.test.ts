import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Configs, runMatrix } from '../../harness/runner';
import { EnvironmentPool } from '../../harness/workflow/pool';

const ROOT = path.resolve(__dirname, '..', '..');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
}

test('no environment variable carries anything from the CLI to the cucumber hooks', () => {
  // The run command hands the hooks what they need in cucumber's worldParameters (the loaded
  // config, the id of the environment pool it owns); no module sets a LOGINFLOW_ variable,
  // and the step definitions read none.
  for (const f of files(path.join(ROOT, 'harness'))) {
    assert.doesNotMatch(fs.readFileSync(f, 'utf8'), /process\.env\.LOGINFLOW_\w+\s*=[^=]|process\.env\[['"]LOGINFLOW_\w+['"]\]\s*=[^=]/, `${path.relative(ROOT, f)} sets a LOGINFLOW_ variable`);
  }
  for (const f of files(path.join(ROOT, 'steps'))) assert.doesNotMatch(fs.readFileSync(f, 'utf8'), /process\.env/, `${path.relative(ROOT, f)} reads the environment`);
});

test('a run reads each config file once: the same loaded config, or the same error, every time it asks', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-configs-'));
  try {
    const good = path.join(dir, 'good.json');
    fs.copyFileSync(path.join(ROOT, 'backends', 'webapp-jwt-cookies', 'loginflow.json'), good);
    const configs = new Configs();
    const first = configs.get(good);
    fs.writeFileSync(good, 'not JSON any more'); // a second read would fail
    assert.equal(configs.get(good), first, 'the same object: not read again');
    assert.equal(runMatrix(first, {}, 'webapp-jwt-cookies').length, 4, 'the run matrix from the loaded config');
    const bad = path.join(dir, 'missing.json');
    let e1: unknown;
    let e2: unknown;
    assert.throws(() => configs.get(bad), (e) => ((e1 = e), true));
    assert.throws(() => configs.get(bad), (e) => ((e2 = e), true));
    assert.equal(e1, e2, 'the same error, from one attempt');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an environment pool is lent by its owner and taken back when the owner stops it', async () => {
  const pool = new EnvironmentPool();
  assert.equal(EnvironmentPool.lentAs(pool.id), undefined, 'not lent until its owner lends it');
  const id = pool.lend();
  assert.equal(EnvironmentPool.lentAs(id), pool, 'the hooks of this process find the run\'s pool');
  await pool.shutdown();
  assert.equal(EnvironmentPool.lentAs(id), undefined, 'a stopped pool is lent no more');
  assert.equal(EnvironmentPool.lentAs(undefined), undefined);
  await assert.rejects(new EnvironmentPool().environmentFor({}), /no backend config/);
});

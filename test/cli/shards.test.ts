import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { dealtBack } from '../../harness/runner';
import { runKit } from '../workflows/kit-run';

/**
 * `--shards N`: a workflow's scenarios as N cucumber runs at once in one process, each on an
 * environment of its own. What must hold: the same verdicts as one shard, in the same order,
 * from separate backends (a shared double and clock would let two scenarios move each other's
 * time), and a bad count refused with the option named.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SPA = path.join(ROOT, 'backends', 'spa-localstorage-jwt', 'loginflow.json');

test('dealtBack: round-robin shards back in the order they were dealt; a short shard keeps everything', () => {
  assert.deepEqual(dealtBack([['a', 'c', 'e'], ['b', 'd']]), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(dealtBack([['a', 'd'], ['b', 'e'], ['c']]), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(dealtBack([['a'], []]), ['a']);
  assert.deepEqual(dealtBack([[], ['b']]), ['b'], 'shard 2 holding more than shard 1 was not dealt round-robin: kept, not dropped');
  assert.deepEqual(dealtBack([['a'], ['b', 'd', 'f']]), ['a', 'b', 'd', 'f']);
  assert.deepEqual(dealtBack([]), []);
});

test('--shards 2: the verdicts and scenario order of one shard, from two environments of their own', async () => {
  const one = await runKit('spa-localstorage-jwt', SPA, 'shards-1', ['--shards', '1'], { env: { LOGINFLOW_VERBOSE: '1' } });
  const two = await runKit('spa-localstorage-jwt', SPA, 'shards-2', ['--shards', '2'], { env: { LOGINFLOW_VERBOSE: '1' } });
  assert.equal(one.code, 0, one.output);
  assert.equal(two.code, 0, two.output);
  const verdicts = (r: typeof one) => r.summary.workflows[0].scenarios.map((s: any) => [s.name, s.status, s.verdicts.map((v: any) => `${v.id}=${v.result}`)]);
  assert.ok(verdicts(one).length >= 10, 'the SPA workflow has at least 10 scenarios');
  assert.deepEqual(verdicts(two), verdicts(one));
  const storesStarted = (r: typeof one) => r.output.split('\n').filter((l) => /^\[store\] starting .* as store\.example\.test$/.test(l)).length;
  assert.equal(storesStarted(one), 1);
  assert.equal(storesStarted(two), 2, 'each shard starts its own store backend');
});

test('--shards 0 or a word: exit 2, naming --shards', async () => {
  for (const bad of ['0', 'two']) {
    const r = await runKit('spa-localstorage-jwt', SPA, `shards-bad-${bad}`, ['--shards', bad]);
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, /--shards takes a whole number of concurrent shards per workflow, not "/);
  }
});

test('--shards 2 with a cucumber formatter writing a file: one shard, so the file holds every scenario once', async () => {
  const fs = await import('node:fs');
  const file = path.join(ROOT, 'reports', 'test-runs', 'spa-localstorage-jwt', 'shards-format.ndjson');
  fs.rmSync(file, { force: true });
  const r = await runKit('spa-localstorage-jwt', SPA, 'shards-format', ['--shards', '2', '--format', `message:${file}`]);
  assert.equal(r.code, 0, r.output);
  const started = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"testCaseStarted"')).length;
  assert.equal(started, r.summary.workflows[0].scenarios.length, 'every scenario in the one message file');
  assert.ok(started >= 10);
});

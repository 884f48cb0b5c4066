import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { faketimeLibrary } from '../../harness/clock/world-clock';
import { runKit } from './kit-run';

/**
 * The world clock end to end: the session-TTL mutants are caught with a realistic TTL the
 * kit moves the clock past (no waiting), and on the real-clock fallback with a short TTL it
 * waits out; a backend whose clock does not move is detected and the run falls back; the
 * Python reference runs on the world clock too.
 */
const SESSIONS = path.resolve(__dirname, '..', '..', 'backends', 'webapp-sessions');
const TTL_MUTANTS: Record<string, string> = {
  'session-not-extended': 'WS-11.session-extended',
  'session-never-expires': 'WS-14.redirect-to-login',
  'expired-session-empty-cart': 'WS-14.redirect-to-login',
};
const skip = faketimeLibrary().lib ? false : `libfaketime is not installed (${faketimeLibrary().why})`;

describe('session TTL proofs on the world clock and on the real clock', { concurrency: 2, skip }, () => {
  for (const [mutant, id] of Object.entries(TTL_MUTANTS)) {
    test(`world clock, 1800 s TTL: ${mutant} is caught by ${id} without waiting`, async () => {
      const r = await runKit('webapp-sessions', path.join(SESSIONS, 'mutants', `${mutant}.json`), `world-${mutant}`);
      assert.equal(r.code, 1, r.output);
      assert.ok(r.failing.includes(id), `${id} should fail; failing: ${r.failing.join(', ')}\n${r.output}`);
      const clock = r.summary.workflows[0].clock;
      assert.equal(clock.kind, 'world', r.output);
      assert.equal(clock.sessionTtlSeconds, 1800);
      assert.equal(clock.waitedMs, 0, 'no deliberate wait on the world clock');
      assert.ok(clock.advancedMs >= 1800_000, `the clock was moved past the TTL (moved ${clock.advancedMs} ms)`);
    });
    test(`real-clock fallback, short TTL: ${mutant} is caught by ${id}`, async () => {
      const r = await runKit('webapp-sessions', path.join(SESSIONS, 'mutants', `${mutant}.json`), `real-${mutant}`, [], { env: { LOGINFLOW_CLOCK: 'real' } });
      assert.equal(r.code, 1, r.output);
      assert.ok(r.failing.includes(id), `${id} should fail; failing: ${r.failing.join(', ')}\n${r.output}`);
      const clock = r.summary.workflows[0].clock;
      assert.equal(clock.kind, 'real');
      assert.equal(clock.sessionTtlSeconds, 1);
      assert.ok(clock.waitedMs > 0, 'the real clock is waited out');
      assert.equal(clock.advancedMs, 0);
    });
  }

  test('the Python reference runs on the world clock: both backends moved, every MUST holds', async () => {
    const r = await runKit('webapp-sessions', path.join(SESSIONS, 'loginflow.python.json'), 'world-python');
    assert.equal(r.code, 0, r.output);
    const clock = r.summary.workflows[0].clock;
    assert.equal(clock.kind, 'world', r.output);
    assert.deepEqual(clock.backends.map((b: { clock: string }) => b.clock), ['world', 'world']);
    assert.equal(clock.waitedMs, 0);
    assert.match(clock.reason, /libfaketime/);
  });

  test('a backend started without the preload is detected: the run falls back to the real clock, says why, and still proves the TTL', async () => {
    const r = await runKit('webapp-sessions', path.join(__dirname, 'fixtures', 'sessions-no-preload.json'), 'no-preload');
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /world clock not available, falling back to the real clock: the store backend: its clock did not move/);
    const clock = r.summary.workflows[0].clock;
    assert.equal(clock.kind, 'real');
    assert.match(clock.reason, /store backend: its clock did not move/);
    assert.equal(clock.sessionTtlSeconds, 1);
    assert.ok(clock.waitedMs > 0);
    assert.deepEqual(clock.backends.map((b: { clock: string }) => b.clock), ['real', 'real']);
  });
});

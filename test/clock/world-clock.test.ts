import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { DATE_TOLERANCE_MS, STARTUP_SKEW_MS, WorldClock, clockMoved, pidNamespace, faketimeLibrary, parseDateHeader } from '../../harness/clock/world-clock';
import { Actor } from '../../harness/browser';

test('clockMoved: the skew seen in the Date header, real time, something else, no header', () => {
  const at = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(clockMoved(at + STARTUP_SKEW_MS + 800, at, STARTUP_SKEW_MS).moved, true);
  const real = clockMoved(at - 900, at, STARTUP_SKEW_MS);
  assert.equal(real.moved, false);
  assert.match(real.detail, /did not move/);
  assert.match(clockMoved(at + 5 * 3600_000, at, STARTUP_SKEW_MS).detail, /18000 s off real time/);
  assert.match(clockMoved(undefined, at, STARTUP_SKEW_MS).detail, /no Date header/);
  assert.equal(clockMoved(at + STARTUP_SKEW_MS + DATE_TOLERANCE_MS + 1000, at, STARTUP_SKEW_MS).moved, false);
  assert.equal(parseDateHeader('Thu, 01 Jan 2026 00:00:00 GMT'), at);
  assert.equal(parseDateHeader('garbage'), undefined);
});

test('WorldClock: advancing moves now, rewrites every timestamp file, tells listeners; the real clock refuses; dispose removes the files', async () => {
  const c = new WorldClock('world');
  const f = c.newFile('store', STARTUP_SKEW_MS);
  assert.equal(fs.readFileSync(f.file, 'utf8'), '+86400.000\n');
  c.sync();
  assert.equal(fs.readFileSync(f.file, 'utf8'), '+0.000\n');
  const seen: number[] = [];
  c.onAdvance((now) => void seen.push(now));
  const before = c.now();
  await c.advance(1_800_500);
  assert.equal(fs.readFileSync(f.file, 'utf8'), '+1800.500\n');
  assert.ok(c.now() - before >= 1_800_500 && c.now() - before < 1_805_000);
  assert.equal(seen.length, 1);
  await c.advanceTo(c.now() - 10_000); // never backwards
  assert.equal(c.advancedMs, 1_800_500);
  c.dispose();
  assert.equal(fs.existsSync(f.file), false);
  await assert.rejects(new WorldClock('real').advance(1000), /real clock cannot be advanced/);
});

test('a process on libfaketime reads the moved wall clock at once, its monotonic clock stays real', { skip: faketimeLibrary().lib ? false : 'libfaketime is not installed' }, () => {
  const c = new WorldClock('world');
  try {
    const f = c.newFile('probe', 0);
    const script = 'const a = Date.now(); const m = performance.now(); require("fs").writeFileSync(process.argv[1], "+1800"); process.stdout.write(JSON.stringify({ jump: Date.now() - a, mono: performance.now() - m }))';
    const r = spawnSync(process.execPath, ['-e', script, f.file], { env: { ...process.env, ...f.env(faketimeLibrary().lib!) }, encoding: 'utf8' });
    const { jump, mono } = JSON.parse(r.stdout);
    assert.ok(jump >= 1_799_000 && jump < 1_810_000, `jumped ${jump} ms`);
    assert.ok(mono < 5000, `monotonic moved only ${mono} ms`);
  } finally {
    c.dispose();
  }
});

test('the actor\'s cookie jar expires cookies on its clock: Max-Age counted from when it arrived, Expires as given', async () => {
  let now = Date.now();
  const a = new Actor({ name: 'Browser', hosts: { 'store.example.test': 'http://127.0.0.1:9' }, now: () => now });
  await a.setCookie('short=1; Max-Age=60; Path=/', 'http://store.example.test/');
  await a.setCookie(`abs=1; Expires=${new Date(now + 3600_000).toUTCString()}; Path=/`, 'http://store.example.test/');
  await a.setCookie('session=1; Path=/', 'http://store.example.test/');
  const names = async () => (await a.cookies('http://store.example.test/')).map((c) => c.key).sort();
  assert.deepEqual(await names(), ['abs', 'session', 'short']);
  now += 61_000;
  assert.deepEqual(await names(), ['abs', 'session'], 'Max-Age ran out on the moved clock');
  now += 3600_000;
  assert.deepEqual(await names(), ['session'], 'Expires passed on the moved clock');
});

test('buildEnv puts a started backend on its timestamp file: preload first (keeping the app\'s own), monotonic real, no cache', async () => {
  const { buildEnv } = await import('../../harness/backend/launcher');
  const c = new WorldClock('world');
  try {
    const file = c.newFile('store');
    const env = buildEnv('store', { command: ['node', 'x.js'], env: { LD_PRELOAD: '/opt/app/libhook.so' } }, { FUSIONAUTH_URL: 'http://127.0.0.1:1' }, 3000, {}, { lib: '/lib/libfaketimeMT.so.1', file });
    assert.equal(env.LD_PRELOAD, '/lib/libfaketimeMT.so.1:/opt/app/libhook.so');
    assert.equal(env.FAKETIME_TIMESTAMP_FILE, file.file);
    assert.equal(env.FAKETIME_DONT_FAKE_MONOTONIC, '1');
    assert.equal(env.FAKETIME_NO_CACHE, '1');
    const plain = buildEnv('store', { command: ['node', 'x.js'] }, { FUSIONAUTH_URL: 'http://127.0.0.1:1' }, 3000);
    assert.equal(plain.FAKETIME_TIMESTAMP_FILE, undefined, 'no world clock: no preload');
  } finally {
    c.dispose();
  }
});

test('a new clock sweeps the timestamp directories of kit processes that are gone (killed with SIGKILL), not of live ones, and never those of another PID namespace', () => {
  const os = require('node:os') as typeof import('node:os');
  const path = require('node:path') as typeof import('node:path');
  const ns = pidNamespace();
  assert.match(ns, /^\d+$/);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  const stale = fs.mkdtempSync(path.join(os.tmpdir(), `loginflow-clock-${ns}-${dead}-`));
  const live = fs.mkdtempSync(path.join(os.tmpdir(), `loginflow-clock-${ns}-${process.ppid}-`));
  // The same dead pid, seen from another PID namespace: it may be a live kit there.
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), `loginflow-clock-${ns === '1' ? '2' : '1'}-${dead}-`));
  const c = new WorldClock('world');
  try {
    c.newFile('store');
    assert.equal(fs.existsSync(stale), false, 'the dead kit\'s directory is gone');
    assert.equal(fs.existsSync(live), true, 'a live process\'s directory stays');
    assert.equal(fs.existsSync(elsewhere), true, 'a directory of another PID namespace stays');
  } finally {
    c.dispose();
    for (const d of [live, elsewhere]) fs.rmSync(d, { recursive: true, force: true });
  }
});

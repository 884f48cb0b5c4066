import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { chromiumFloor, machineCpuSeconds, measureMachine } from '../../harness/cli/bench-floor';
import { chromium } from '../prerequisites';

/** The bench's yardsticks: the machine's CPU counter and the bare-Playwright floor of browser mode. */
const linux = fs.existsSync('/proc/stat');

test('machineCpuSeconds: the whole machine\'s busy CPU, growing with work done', { skip: linux ? false : 'no /proc/stat' }, async () => {
  const m = await measureMachine(async () => {
    const end = Date.now() + 300;
    let x = 0;
    while (Date.now() < end) x += Math.sqrt(x + 1);
    return x;
  });
  assert.ok(m.value > 0);
  assert.ok(m.cpuSeconds !== undefined && m.cpuSeconds >= 0.2, `300 ms of busy loop counted as ${m.cpuSeconds} s of CPU`);
  assert.ok(m.wallMs >= 250, `a 300 ms loop measured as ${m.wallMs} ms`);
  const a = machineCpuSeconds()!;
  assert.ok(a > 0 && Number.isFinite(a));
});

test('chromiumFloor: a bare Playwright loop of N least browser scenarios, timed, Chromium closed after', { skip: chromium.skip('the bench\'s Chromium floor') }, async () => {
  chromium.require();
  const f = await chromiumFloor(2);
  assert.ok(f.wallMs > 0 && f.wallMs < 60_000, `took ${f.wallMs} ms`);
  if (linux) assert.ok(f.cpuSeconds !== undefined && f.cpuSeconds > 0, 'Chromium\'s CPU is seen by the machine counter');
});

import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromiumPath } from '../browser/chromium';

/**
 * What the bench compares the kit against, measured without the kit: the CPU the whole
 * machine spends (the kit, Chromium's processes and the backends are separate processes, so
 * only the machine's counters see them all), and the floor of browser mode: what a bare
 * Playwright loop costs to do the least a browser scenario does.
 */

/** CPU seconds the whole machine has spent so far (Linux /proc/stat; undefined elsewhere). */
export function machineCpuSeconds(): number | undefined {
  try {
    const first = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    // cpu  user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait.
    const [user, nice, system, , , irq, softirq, steal] = first.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + (steal || 0)) / 100;
  } catch {
    return undefined;
  }
}

/** CPU the machine spent while fn ran, and its wall time. */
export async function measureMachine<T>(fn: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuSeconds: number | undefined }> {
  const cpu0 = machineCpuSeconds();
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const cpu1 = machineCpuSeconds();
  return { value, wallMs, cpuSeconds: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 };
}

/** A login page, and the page the "app" shows after it: no script but the form's own. */
const PAGE = `<!doctype html><title>floor</title><link rel="icon" href="data:,">
<form onsubmit="event.preventDefault(); localStorage.setItem('jwt', 'eyJ.floor'); document.body.append('alice@example.com')">
<input name="loginId"><input type="password" name="password"><button>Log in</button></form>`;

/**
 * The floor of browser mode on this machine: `scenarios` times what every browser scenario
 * does at the least (a fresh context and page, a page load, a login form filled and sent, the
 * page reacting, local storage read), by a bare Playwright loop in one Chromium against a
 * static page: no kit, no proxy, no backend. Wall time and the machine's CPU.
 */
export async function chromiumFloor(scenarios: number): Promise<{ wallMs: number; cpuSeconds: number | undefined }> {
  const server = http.createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const { chromium } = await import('playwright-core');
  try {
    const m = await measureMachine(async () => {
      const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, chromiumSandbox: false, args: ['--headless', '--no-sandbox', '--disable-gpu'], timeout: 30_000 });
      try {
        for (let i = 0; i < scenarios; i++) {
          const context = await browser.newContext();
          try {
            const page = await context.newPage();
            await page.goto(url, { timeout: 10_000 });
            await page.fill('input[name=loginId]', 'alice@example.com', { timeout: 10_000 });
            await page.fill('input[type=password]', 'password', { timeout: 10_000 });
            await page.click('button', { timeout: 10_000 });
            await page.getByText('alice@example.com').waitFor({ timeout: 10_000 });
            await page.evaluate(() => JSON.stringify(localStorage));
          } finally {
            await context.close();
          }
        }
      } finally {
        await browser.close();
      }
    });
    return { wallMs: m.wallMs, cpuSeconds: m.cpuSeconds };
  } finally {
    server.close();
  }
}

import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { loadConfig } from '../backend/config';
import { stopAll } from '../backend/launcher';
import type { WorkflowResult } from '../report/write';
import { listWorkflows, projectRoot } from '../spec/diagram';
import { Environment } from '../workflow/environment';
import { shutdown } from '../workflow/session';
import { referenceConfig, runMatrix, runWorkflow, variantTags } from './run';
import * as fs from 'node:fs';

/**
 * `loginflow bench [--repeat N]` (npm run bench): the full suite (every workflow, its
 * reference backend, every declared variant) run in this process, the workflows at once as
 * `run --all --jobs 3` runs them, and where the time goes (wall time is counted from the
 * first run, after the kit's modules have loaded):
 * - wall time, HTTP exchanges made, time spent waiting on backends (the actors' requests,
 *   which include the backends' own calls to the double), deliberate waits (session TTLs);
 * - kit overhead per exchange: what is left of the wall time, per exchange;
 * - peak memory (resident set of this process);
 * - the floor: deliberate waits plus the same actor requests replayed by a bare undici
 *   loop against freshly started references, and the ratio of the wall time to it.
 * With --repeat N it runs the suite N times and checks that every run gave the same
 * verdicts (the repeatability proof).
 */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { repeat: { type: 'string' }, reports: { type: 'string' } }, strict: true });
  const repeat = Number(values.repeat ?? 1);
  if (!Number.isInteger(repeat) || repeat < 1) {
    console.error('loginflow bench: --repeat takes a whole number >= 1');
    return 2;
  }
  const reports = path.resolve(values.reports ?? path.join(projectRoot(), 'reports', 'bench'));
  const workflows = listWorkflows().filter((w) => fs.existsSync(referenceConfig(w)));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  sampler.unref();
  const fingerprints: string[] = [];
  let last: { wall: number; results: WorkflowResult[] } | undefined;
  try {
    for (let i = 0; i < repeat; i++) {
      const started = performance.now();
      // As `run --all --jobs N` does: workflows at once (one's session-TTL waits overlap the
      // others' work), each workflow's variants in turn.
      const perWorkflow = await Promise.all(
        workflows.map(async (w) => {
          const out: WorkflowResult[] = [];
          for (const [i, variant] of runMatrix(referenceConfig(w), {}).entries()) out.push(await runWorkflow(w, { configFile: referenceConfig(w), reports, quiet: true, variant, tags: variantTags(i), log: () => {} }));
          return out;
        }),
      );
      const results = perWorkflow.flat();
      await shutdown();
      const wall = performance.now() - started;
      fingerprints.push(verdictFingerprint(results));
      last = { wall, results };
      if (repeat > 1) console.log(`run ${i + 1}/${repeat}: ${Math.round(wall)} ms, exit ${Math.max(...results.map((r) => r.exitCode))}`);
    }
  } finally {
    await stopAll();
  }
  const { wall, results } = last!;
  const exchanges = results.flatMap((r) => r.scenarios.flatMap((s) => s.exchanges));
  const actorExchanges = exchanges.filter((e) => e.from === 'Browser' || e.from === 'Hacker');
  const waitingOnBackends = actorExchanges.reduce((n, e) => n + e.durationMs, 0);
  const deliberate = results.flatMap((r) => r.scenarios.flatMap((s) => s.waits ?? [])).reduce((n, w) => n + w.ms, 0);
  const replay = await replayFloor(results);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const floor = deliberate + replay;
  // Workflows overlap, so time spent is not additive: the kit's cost is what the wall
  // time adds to the floor.
  const overhead = wall - floor;
  const rows: [string, string][] = [
    ['workflows x variants', `${results.length} cucumber runs, ${results.reduce((n, r) => n + r.scenarios.length, 0)} scenarios`],
    ['wall time', `${Math.round(wall)} ms`],
    ['HTTP exchanges', `${exchanges.length} (${actorExchanges.length} by the actors, ${exchanges.length - actorExchanges.length} backend -> FusionAuth double)`],
    ['waiting on backends', `${Math.round(waitingOnBackends)} ms (summed over workflows running at once)`],
    ['deliberate waits (session TTL)', `${Math.round(deliberate)} ms`],
    ['kit overhead (wall - floor)', `${Math.round(overhead)} ms, ${(overhead / Math.max(1, actorExchanges.length)).toFixed(1)} ms per actor exchange (starting backends, cucumber hooks, checks, reports)`],
    ['peak memory (kit process RSS)', `${Math.round(peak / 1024 / 1024)} MiB`],
    ['floor', `${Math.round(floor)} ms = deliberate waits + ${Math.round(replay)} ms bare undici replay of the ${actorExchanges.length} actor requests`],
    ['wall / floor', (wall / Math.max(1, floor)).toFixed(2)],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(32)} ${v}`);
  if (repeat > 1) {
    const same = fingerprints.every((f) => f === fingerprints[0]);
    console.log(`repeatability: ${repeat} runs, verdicts ${same ? 'identical every time' : 'DIFFERED between runs'}`);
    if (!same) return 1;
  }
  return results.some((r) => r.exitCode !== 0) ? 1 : 0;
}

/** Which checks passed, failed or reported what, per scenario: what must not change between runs. */
export function verdictFingerprint(results: WorkflowResult[]): string {
  return JSON.stringify(
    results.map((r) => [r.workflow, r.variant ?? {}, r.exitCode, r.scenarios.map((s) => [s.name, s.status, s.verdicts.map((v) => `${v.id}:${v.result}:${v.ok}`)])]),
  );
}

/** Replays each workflow's actor requests with a bare undici loop against its freshly started reference. */
async function replayFloor(results: WorkflowResult[]): Promise<number> {
  let total = 0;
  const agent = new Agent({ keepAliveTimeout: 1000 });
  try {
    for (const w of [...new Set(results.map((r) => r.workflow))]) {
      const mine = results.filter((r) => r.workflow === w).flatMap((r) => r.scenarios.flatMap((s) => s.exchanges)).filter((e) => e.from === 'Browser' || e.from === 'Hacker');
      const env = await Environment.start(loadConfig(referenceConfig(w)));
      try {
        const origins = new Map<string, string>(Object.values(env.apps).map((a) => [a.host, a.target.origin]));
        origins.set(env.fusionauthHost, env.fusionauthFor.Browser);
        const started = performance.now();
        for (const e of mine) {
          const origin = origins.get(e.request.host);
          if (!origin) continue;
          const headers = Object.fromEntries(Object.entries(e.request.headers).filter(([k, v]) => v !== undefined && !['content-length', 'connection', 'transfer-encoding', 'host'].includes(k))) as Record<string, string>;
          const res = await request(`${origin}${e.request.path}`, { method: e.request.method as 'GET', headers, body: e.request.body || undefined, dispatcher: agent }).catch(() => undefined);
          await res?.body.dump().catch(() => undefined);
        }
        total += performance.now() - started;
      } finally {
        await env.stop();
      }
    }
  } finally {
    await agent.close();
  }
  return total;
}

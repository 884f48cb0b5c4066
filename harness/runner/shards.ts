import * as os from 'node:os';
import { type IRunEnvironment, type IRunOptions, runCucumber } from '@cucumber/cucumber/api';
import { ConsoleReporter } from '../report/console';
import { MessageCollector } from './collector';

/**
 * Shards of a workflow driven in Chromium unless --shards says otherwise: one per two cores.
 * One shard already keeps two cores busy (Chromium's processes and the kit's), so on a 2-core
 * machine a second only doubles every round trip (measured: 22.7 s either way, README "Where
 * the time goes"). A workflow in HTTP mode is not sharded: its scenarios are CPU-bound, and
 * the workflows already run at once.
 */
export const DEFAULT_CHROMIUM_SHARDS = Math.max(1, Math.floor(os.availableParallelism() / 2));

/** What a run's messages came to: one collector's, or the merge of its shards'. */
export type Collected = Pick<MessageCollector, 'results' | 'undefinedSteps' | 'exercisedSteps' | 'clock' | 'kitError'>;

/**
 * The scenarios as `shards` cucumber runs at once, in this process: cucumber deals the
 * (tag-filtered) scenarios round-robin (`shard: i/n`), and each shard's scenarios name their
 * shard in the world parameters, so the pool gives each shard its own environment: its own
 * backends, double, world clock and browser contexts (one Chromium still serves them all).
 * Scenarios of two shards share nothing; those of one shard run one after the other, as in
 * an unsharded run. Console lines are printed a scenario at a time, never interleaved; the
 * results come back in the order an unsharded run gives.
 */
export async function runShards(
  workflow: string,
  config: IRunOptions,
  environment: IRunEnvironment,
  shards: number,
  out: (line: string) => void,
  reporting: ConstructorParameters<typeof ConsoleReporter>[1],
): Promise<{ success: boolean; collected: Collected }> {
  const runs = await Promise.all(
    Array.from({ length: shards }, async (_, i) => {
      // A scenario's lines wait until it finishes, then go out together, in order.
      let block: string[] = [];
      const flush = () => {
        for (const line of block) out(line);
        block = [];
      };
      const collector = new MessageCollector(workflow, new ConsoleReporter((line) => block.push(line), reporting));
      const shardConfig: IRunOptions = {
        ...config,
        sources: { ...config.sources, shard: `${i + 1}/${shards}` },
        runtime: { ...config.runtime, worldParameters: { ...config.runtime.worldParameters, shard: i + 1 } },
      };
      try {
        const { success } = await runCucumber(shardConfig, environment, (m) => {
          collector.onMessage(m);
          if (m.testCaseFinished) flush();
        });
        return { success, collector };
      } finally {
        flush();
      }
    }),
  );
  const first = <T>(pick: (c: MessageCollector) => T | undefined): T | undefined => runs.map((r) => pick(r.collector)).find((x) => x !== undefined);
  return {
    success: runs.every((r) => r.success),
    collected: {
      results: () => dealtBack(runs.map((r) => r.collector.results())),
      undefinedSteps: runs.flatMap((r) => r.collector.undefinedSteps),
      exercisedSteps: () => [...new Set(runs.flatMap((r) => r.collector.exercisedSteps()))].sort((a, b) => a - b),
      clock: first((c) => c.clock),
      kitError: first((c) => c.kitError),
    },
  };
}

/**
 * The scenarios of round-robin shards back in the order they were dealt: scenario j went to
 * shard j mod n. When a shard came back short (its run stopped early), the shards one after
 * the other instead: nothing is lost, only the order.
 */
export function dealtBack<T>(perShard: T[][]): T[] {
  const n = perShard.length;
  const total = perShard.reduce((k, r) => k + r.length, 0);
  const dealt = perShard.every((r, i) => r.length === Math.floor(total / n) + (i < total % n ? 1 : 0));
  if (!dealt) return perShard.flat();
  return Array.from({ length: total }, (_, j) => perShard[j % n][Math.floor(j / n)]);
}

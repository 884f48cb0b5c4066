import type { Verdict } from '../checks/check';

/**
 * The rows of a workflow's verdict table: in the diagram's step order (a reader follows the
 * spec down the page), and one row per check and outcome rather than one per verdict. Checks
 * made in every scenario ("nothing in a URL") or in every variant would otherwise fill most of
 * the table with the same pass; folded, each is one row saying in how many scenarios it came out
 * so, with each scenario's own observation kept. A failure is folded only with failures that
 * observed the very same thing, so no distinct defect is hidden in a count.
 */
export interface VerdictRow {
  /** The first verdict of the group (its id, name, level, steps, expected, evidence). */
  first: Verdict;
  /** Index of the scenario of `first`. */
  k: number;
  /** Every verdict folded into the row, with its scenario's index, in scenario order. */
  members: { k: number; v: Verdict }[];
  /** Whether the members observed different things (their `actual` differs). */
  varied: boolean;
}

export function verdictRows(scenarios: readonly { verdicts: readonly Verdict[] }[]): VerdictRow[] {
  const groups = new Map<string, { members: { k: number; v: Verdict }[]; order: number }>();
  // Where each check id first appears: rows of one check stay together, in the order the run met them.
  const idOrder = new Map<string, number>();
  let order = 0;
  scenarios.forEach((s, k) =>
    s.verdicts.forEach((v) => {
      if (!idOrder.has(v.id)) idOrder.set(v.id, idOrder.size);
      const key = JSON.stringify([v.id, v.result, v.ok, v.result === 'fail' ? v.actual : '']);
      const g = groups.get(key);
      if (g) g.members.push({ k, v });
      else groups.set(key, { members: [{ k, v }], order: order++ });
    }),
  );
  const step = (v: Verdict) => (v.steps.length ? v.steps[0] : Number.POSITIVE_INFINITY);
  // Within one check, failures first: the row a reader is looking for.
  const rank = (v: Verdict) => ['fail', 'info', 'pass', 'na'].indexOf(v.result);
  return [...groups.values()]
    .sort((a, b) => {
      const [x, y] = [a.members[0].v, b.members[0].v];
      return step(x) - step(y) || idOrder.get(x.id)! - idOrder.get(y.id)! || rank(x) - rank(y) || a.order - b.order;
    })
    .map(({ members }) => ({ first: members[0].v, k: members[0].k, members, varied: new Set(members.map((m) => m.v.actual)).size > 1 }));
}

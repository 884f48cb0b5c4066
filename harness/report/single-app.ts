import { TARGET_NAMES, type TargetName } from '../common/apps';
import type { Arrow } from '../spec/diagram';
import type { WorkflowResult } from '../result/model';

/**
 * A run whose config declares one application (no `forums`) is reported as one: its observed
 * diagrams draw no lane for the second application and none of the spec arrows to or from it
 * (their steps are not applicable, as the verdicts say), and the report says "one application".
 */

/** The diagrams' participant for each application of the config (as the environment names them). */
const PARTICIPANT: Record<TargetName, string> = { store: 'Store', forums: 'Forums' };

/**
 * The applications the run's config declares, as the runner recorded them; every application
 * for a result that does not say (a run that stopped before its config loaded draws the spec's
 * lanes).
 */
export function declaredApps(r: Pick<WorkflowResult, 'apps'>): TargetName[] {
  return r.apps ? TARGET_NAMES.filter((n) => r.apps!.includes(n)) : [...TARGET_NAMES];
}

/** Diagram participants of the applications the config leaves out: `['Forums']` for a single-app run. */
export function absentParticipants(r: Pick<WorkflowResult, 'apps'>): string[] {
  const apps = declaredApps(r);
  return TARGET_NAMES.filter((n) => !apps.includes(n)).map((n) => PARTICIPANT[n]);
}

/**
 * A spec arrow to or from a participant the config declares absent: neither it nor its phase is
 * drawn, and it is not "missing".
 */
export function absentArrow(a: Arrow | undefined, absent: readonly string[] | undefined): boolean {
  return !!a && !!absent?.length && (absent.includes(a.from) || absent.includes(a.to));
}

/** `16-27, 29` from [16, 17, …, 27, 29]. */
export function spans(ns: readonly number[]): string {
  const out: string[] = [];
  for (const n of [...ns].sort((a, b) => a - b)) {
    const last = out[out.length - 1]?.split('-');
    if (last && Number(last[last.length - 1]) === n - 1) out[out.length - 1] = `${last[0]}-${n}`;
    else out.push(String(n));
  }
  return out.join(', ');
}

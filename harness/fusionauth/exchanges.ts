import type { Exchange, HeaderMap, Journal } from '../trace';
import type { InReq, OutRes } from './http';

/**
 * Records every call the double answers in the current journal as `<caller> → FusionAuth`,
 * under the public host the browser and backends believe FusionAuth lives at (the double's
 * internal origin and the relay's port are the kit's plumbing, not the app's wire).
 */

/** Bodies are kept in the journal up to this size (a request or answer beyond it is cut). */
export const MAX_RECORDED_BODY = 64 * 1024;

/** Records one answered call (`at`: when it arrived, real time) and returns the journal's entry. */
export function recordExchange(journal: Journal, host: string, at: number, req: Pick<InReq, 'method' | 'path' | 'headers' | 'body' | 'caller'>, res: OutRes, error?: string): Exchange {
  const resHeaders: HeaderMap = {};
  for (const [k, v] of res.headers) {
    const key = k.toLowerCase();
    const prev = resHeaders[key];
    resHeaders[key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return journal.record({
    at,
    durationMs: Date.now() - at,
    from: req.caller,
    to: 'FusionAuth',
    request: { method: req.method, host, path: req.path, headers: { ...req.headers, host }, body: req.body ? req.body.slice(0, MAX_RECORDED_BODY) : undefined },
    response: { status: res.status, headers: resHeaders, body: res.body ? res.body.slice(0, MAX_RECORDED_BODY) : undefined },
    ...(res.unexpected ? { unexpected: true } : {}),
    ...(res.kitGap ? { kitGap: res.kitGap } : {}),
    ...(error ? { error } : {}),
  });
}

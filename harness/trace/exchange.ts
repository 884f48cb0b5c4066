/**
 * One HTTP exchange seen by the kit. Actors record the ones they make (Browser→Store),
 * the FusionAuth double records the ones it answers (Store→FusionAuth). Checks read
 * exchanges; reports draw them. Nothing outside harness/trace needs to know how they
 * were captured (undici, nock, relay).
 */
export type Participant = 'Browser' | 'Store' | 'Forums' | 'FusionAuth' | 'Hacker' | string;

export type HeaderMap = Record<string, string | string[] | undefined>;

export interface RequestRecord {
  method: string;
  /** Host the request was addressed to (the logical host, e.g. store.example.test). */
  host: string;
  /** Path plus query string. */
  path: string;
  headers: HeaderMap;
  /** Body as text (decoded as UTF-8); truncated by the recorder when huge. */
  body?: string;
}

export interface ResponseRecord {
  status: number;
  headers: HeaderMap;
  body?: string;
}

/** When an exchange happened on the world clock (what the backend's clock read), else real time. */
export function worldTimeOf(e: Pick<Exchange, 'at' | 'worldAt'>): number {
  return e.worldAt ?? e.at;
}

export interface Exchange {
  /** Order in the journal, from 1. */
  seq: number;
  /** Wall-clock start, ms since epoch (real time: it orders the wire). */
  at: number;
  /**
   * The world clock's time when it was recorded (the run's clock, which the kit moves past
   * expiries; equal to real time on the real clock). What a backend's clock read then.
   */
  worldAt?: number;
  durationMs: number;
  from: Participant;
  to: Participant;
  request: RequestRecord;
  /** Absent when the exchange failed at the transport level (see `error`). */
  response?: ResponseRecord;
  error?: string;
  /** Spec step numbers being exercised when the exchange happened (set by the journal). */
  steps: number[];
  /** The scenario / phase label current when it happened. */
  phase?: string;
  /** Set by the double for calls it has no endpoint for. */
  unexpected?: boolean;
  /** Set by the double for a real FusionAuth API it does not play: the kit's gap (a kit error), not the caller's fault. */
  kitGap?: string;
  /** Free-form notes (e.g. "self-arrow: move JWT to local storage"). */
  note?: string;
}

export type ExchangeInput = Omit<Exchange, 'seq' | 'steps' | 'phase'> & Partial<Pick<Exchange, 'steps' | 'phase'>>;

/** Lower-cased single header value (first of a repeated header). */
export function header(headers: HeaderMap | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const v = headers[name.toLowerCase()] ?? headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** All values of a header that may repeat (Set-Cookie). */
export function headerAll(headers: HeaderMap | undefined, name: string): string[] {
  if (!headers) return [];
  const v = headers[name.toLowerCase()] ?? headers[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

import type { Exchange, HeaderMap } from '../../harness/trace';

/**
 * Hand-built exchanges for the per-check unit tests: each test writes out the wire it
 * judges, so what a check sees is in the test, not produced by the code under test.
 */
let seq = 0;
export function ex(o: {
  from?: string;
  to?: string;
  method?: string;
  host?: string;
  path?: string;
  headers?: HeaderMap;
  body?: string;
  status?: number;
  resHeaders?: HeaderMap;
  resBody?: string;
  error?: string;
  note?: string;
}): Exchange {
  seq += 1;
  return {
    seq,
    at: 1_700_000_000_000 + seq,
    durationMs: 1,
    from: o.from ?? 'Browser',
    to: o.to ?? 'Store',
    request: { method: o.method ?? 'GET', host: o.host ?? 'store.example.test', path: o.path ?? '/', headers: o.headers ?? {}, ...(o.body !== undefined ? { body: o.body } : {}) },
    ...(o.status !== undefined ? { response: { status: o.status, headers: o.resHeaders ?? {}, ...(o.resBody !== undefined ? { body: o.resBody } : {}) } } : {}),
    ...(o.error !== undefined ? { error: o.error } : {}),
    ...(o.note !== undefined ? { note: o.note } : {}),
    steps: [],
  };
}

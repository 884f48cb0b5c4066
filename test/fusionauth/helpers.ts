import { request } from 'undici';
import type { FusionAuthDouble } from '../../harness/fusionauth';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  setCookies: string[];
  text: string;
  json(): any;
}

export type Transport = 'in-process' | 'relay';

export interface CallOptions {
  headers?: Record<string, string>;
  body?: string;
  json?: unknown;
  form?: Record<string, string>;
}

/** Call the double either directly on its nock origin (fetch) or over a relay (undici.request). */
export async function call(transport: Transport, d: FusionAuthDouble, relayUrl: string | undefined, method: string, path: string, o: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  let body = o.body;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    headers['content-type'] ??= 'application/json';
  }
  if (o.form) {
    body = new URLSearchParams(o.form).toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  if (transport === 'in-process') {
    headers['x-loginflow-caller'] ??= 'Test';
    const r = await fetch(d.origin + path, { method, headers, body });
    const text = await r.text();
    const h: Record<string, string> = {};
    r.headers.forEach((v, k) => (h[k] = v));
    return { status: r.status, headers: h, setCookies: r.headers.getSetCookie(), text, json: () => JSON.parse(text) };
  }
  if (!relayUrl) throw new Error('relay transport needs a relay url');
  const r = await request(relayUrl + path, { method: method as 'GET', headers, body });
  const text = await r.body.text();
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
  const sc = r.headers['set-cookie'];
  return { status: r.statusCode, headers: h, setCookies: sc === undefined ? [] : Array.isArray(sc) ? sc : [sc], text, json: () => JSON.parse(text) };
}

export function cookieValue(setCookies: string[], name: string): string | undefined {
  for (const c of setCookies) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    if (pair.slice(0, i).trim() === name) return pair.slice(i + 1);
  }
  return undefined;
}

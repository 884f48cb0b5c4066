/**
 * Finding a token inside a cookie value, the way a script in the browser (or an attacker
 * holding the cookie jar) would: apps rarely store a JWT as the bare value of a cookie.
 * Express `cookie-parser` signs (`s:<value>.<signature>`) and JSON-encodes (`j:{…}`) them,
 * frameworks URL-encode, base64 a JSON object, or split a long value over `name.0`,
 * `name.1`… This module only decodes: whether a string found is a token FusionAuth issued
 * is the caller's question (the double knows its tokens). An encrypted or opaque cookie
 * holds nothing findable. Checks decode with it too; what the browser holds and how the kit
 * finds, joins and replaces tokens in it is harness/workflow/credentials.
 */

/** One string found inside a cookie value, with how it was reached and how to put a new one in its place. */
export interface Found {
  value: string;
  /** The decoding steps, outermost first: "url-encoded", "express-signed", "j: JSON at .token"… */
  via: string[];
  /**
   * The cookie value with this string replaced by another, re-encoded the same way.
   * Undefined when that cannot be done faithfully (inside an Express-signed value: the
   * signature needs the app's secret).
   */
  replace?: (next: string) => string;
  /** Set when the string sits inside an Express-signed value (s:…): a replacement breaks its signature. */
  signed?: boolean;
}

const MAX_DEPTH = 5;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Every string inside a cookie value, the value itself first. */
export function candidates(value: string): Found[] {
  const out: Found[] = [];
  walk(value, [], (v) => v, false, out, 0);
  return out;
}

/** The first string inside the value for which `role` says something, with its role. */
export function findToken<R extends string>(value: string, role: (s: string) => R | undefined): (Found & { role: R }) | undefined {
  for (const f of candidates(value)) {
    const r = role(f.value);
    if (r) return { ...f, role: r };
  }
  return undefined;
}

/**
 * The id a session cookie carries, without its wrapping: Express's `s:<id>.<signature>`
 * (URL-encoded as `s%3A…`) is the id plus a signature derived from it, and the signature
 * must not be counted as randomness.
 */
export function unwrapSessionId(value: string): { id: string; via: string[] } {
  let v = value;
  const via: string[] = [];
  const decoded = urlDecode(v);
  if (decoded !== undefined) {
    v = decoded;
    via.push('url-encoded');
  }
  const signed = expressSigned(v);
  if (signed !== undefined) {
    v = signed;
    via.push('express-signed');
  }
  return { id: v, via };
}

function walk(value: string, via: string[], rebuild: (v: string) => string | undefined, signed: boolean, out: Found[], depth: number): void {
  out.push({ value, via, ...(signed ? { signed: true } : { replace: (n: string) => rebuild(n) ?? n }) });
  if (depth >= MAX_DEPTH || JWT.test(value)) return;
  const decoded = urlDecode(value);
  if (decoded !== undefined) {
    walk(decoded, [...via, 'url-encoded'], (n) => rebuild(encodeURIComponent(n)), signed, out, depth + 1);
    return;
  }
  const inner = expressSigned(value);
  if (inner !== undefined) {
    const sig = value.slice(2 + inner.length);
    walk(inner, [...via, 'express-signed'], (n) => rebuild(`s:${n}${sig}`), true, out, depth + 1);
    return;
  }
  if (value.startsWith('j:')) {
    const parsed = parseJson(value.slice(2));
    if (parsed !== undefined) walkJson(parsed, [], (p, n) => rebuild(`j:${JSON.stringify(setAt(parsed, p, n))}`), [...via, 'j: JSON'], signed, out, depth + 1);
    return;
  }
  const parsed = /^[[{]/.test(value) ? parseJson(value) : undefined;
  if (parsed !== undefined) {
    walkJson(parsed, [], (p, n) => rebuild(JSON.stringify(setAt(parsed, p, n))), [...via, 'JSON'], signed, out, depth + 1);
    return;
  }
  for (const [alphabet, re] of [['base64url', BASE64URL], ['base64', BASE64]] as const) {
    if (value.length < 8 || !re.test(value)) continue;
    const text = Buffer.from(value, alphabet).toString('utf8');
    const json = /^\s*[[{]/.test(text) ? parseJson(text) : undefined;
    if (json === undefined) continue;
    const padded = value.endsWith('=');
    const encode = (s: string) => {
      const b = Buffer.from(s, 'utf8').toString(alphabet);
      return alphabet === 'base64' && !padded ? b.replace(/=+$/, '') : b;
    };
    walkJson(json, [], (p, n) => rebuild(encode(JSON.stringify(setAt(json, p, n)))), [...via, `${alphabet} JSON`], signed, out, depth + 1);
    return;
  }
}

type Path = (string | number)[];

function walkJson(node: unknown, at: Path, rebuild: (p: Path, n: string) => string | undefined, via: string[], signed: boolean, out: Found[], depth: number): void {
  if (typeof node === 'string') {
    const where = `${via[via.length - 1]} at ${at.length ? at.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('') : '(root)'}`;
    walk(node, [...via.slice(0, -1), where], (n) => rebuild(at, n), signed, out, depth);
  } else if (Array.isArray(node)) node.forEach((x, i) => walkJson(x, [...at, i], rebuild, via, signed, out, depth));
  else if (node && typeof node === 'object') for (const [k, x] of Object.entries(node)) walkJson(x, [...at, k], rebuild, via, signed, out, depth);
}

function setAt(root: unknown, at: Path, value: string): unknown {
  if (!at.length) return value;
  const copy: unknown = Array.isArray(root) ? [...root] : { ...(root as object) };
  const [k, ...rest] = at;
  (copy as Record<string | number, unknown>)[k] = setAt((root as Record<string | number, unknown>)[k], rest, value);
  return copy;
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** The URL-decoded value, when decoding changes it. */
function urlDecode(v: string): string | undefined {
  if (!/%[0-9A-Fa-f]{2}/.test(v)) return undefined;
  try {
    const d = decodeURIComponent(v);
    return d === v ? undefined : d;
  } catch {
    return undefined;
  }
}

/** `s:<value>.<signature>` (cookie-signature: base64 HMAC-SHA256 without padding, 43 characters) → value. */
function expressSigned(v: string): string | undefined {
  if (!v.startsWith('s:')) return undefined;
  const dot = v.lastIndexOf('.');
  if (dot <= 2 || !/^[A-Za-z0-9+/]{43}$/.test(v.slice(dot + 1))) return undefined;
  return v.slice(2, dot);
}

/**
 * Finding a token inside a cookie value, the way a script in the browser (or an attacker
 * holding the cookie jar) would: apps rarely store a JWT as the bare value of a cookie.
 * Express `cookie-parser` signs (`s:<value>.<signature>`) and JSON-encodes (`j:{…}`) them,
 * frameworks URL-encode, base64 a JSON object, or split a long value over `name.0`,
 * `name.1`… This module only decodes: whether a string found is a token FusionAuth issued
 * is the caller's question (the double knows its tokens). An encrypted or opaque cookie
 * holds nothing findable; `carrierByRemoval` then finds the cookie that carries the login
 * by trying.
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

// ---- split cookies ---------------------------------------------------------------------

export interface NamedValue {
  key: string;
  value: string;
}

/**
 * Cookies split over `name.0`, `name.1`… (chunked session cookies) joined back, in chunk
 * order, under `name`; every other cookie as it is. `parts` lists the chunk names.
 */
export function joinSplit<C extends NamedValue>(cookies: C[]): { key: string; value: string; parts: C[] }[] {
  const groups = new Map<string, { i: number; c: C }[]>();
  const out: { key: string; value: string; parts: C[] }[] = [];
  for (const c of cookies) {
    const m = /^(.+)\.(\d+)$/.exec(c.key);
    if (m) (groups.get(m[1]) ?? groups.set(m[1], []).get(m[1])!).push({ i: Number(m[2]), c });
    else out.push({ key: c.key, value: c.value, parts: [c] });
  }
  for (const [key, chunks] of groups) {
    chunks.sort((a, b) => a.i - b.i);
    // A lone `name.3` with no `.0` is a cookie that happens to end in a number, not a chunk.
    if (chunks[0].i !== 0 || chunks.length < 2) out.push(...chunks.map(({ c }) => ({ key: c.key, value: c.value, parts: [c] })));
    else out.push({ key, value: chunks.map(({ c }) => c.value).join(''), parts: chunks.map(({ c }) => c) });
  }
  return out;
}

/** A joined value cut back into as many chunks as it came in (all full but the last). */
export function resplit(value: string, parts: NamedValue[]): string[] {
  if (parts.length <= 1) return [value];
  const sizes = parts.slice(0, -1).map((p) => p.value.length);
  const out: string[] = [];
  let at = 0;
  for (const n of sizes) {
    out.push(value.slice(at, at + n));
    at += n;
  }
  out.push(value.slice(at));
  return out;
}

// ---- opaque cookies --------------------------------------------------------------------

export interface RemovalTrial {
  cookie: string;
  /** The login was lost without this cookie. */
  lost: boolean;
}

export interface Carrier {
  /** The cookie whose removal loses the login, or every login cookie when only all of them together carry it. */
  cookies: string[];
  trials: RemovalTrial[];
  /** One sentence for the report: which cookie and why. */
  why: string;
}

/**
 * When no cookie value holds a token the kit can recognise (encrypted, or an opaque handle),
 * find the cookies that carry the login by trying: drop one cookie at a time from a copy of
 * the jar and ask whether the logged-in page is still shown; when no single cookie matters
 * (a JWT cookie and a refresh cookie each recover the other), drop them all. `stillLoggedIn`
 * does one such try; it must not touch the real jar.
 */
export async function carrierByRemoval(names: string[], stillLoggedIn: (without: string[]) => Promise<boolean>): Promise<Carrier> {
  const trials: RemovalTrial[] = [];
  const opaque = 'no cookie value holds a token the kit can read (opaque or encrypted), so the cookie carrying the login was found by trying';
  for (const cookie of names) {
    const lost = !(await stillLoggedIn([cookie]));
    trials.push({ cookie, lost });
    if (lost) {
      const kept = trials.filter((t) => !t.lost).map((t) => t.cookie);
      return { cookies: [cookie], trials, why: `${opaque}: without ${cookie} the logged-in page was lost${kept.length ? `, without ${kept.join(', ')} it was still shown` : ''}` };
    }
  }
  if (names.length > 1 && !(await stillLoggedIn(names)))
    return { cookies: [...names], trials, why: `${opaque}: without any one of ${names.join(', ')} the page was still shown, without all of them it was lost: they carry the login together` };
  return { cookies: [], trials, why: names.length ? `no cookie value holds a token the kit can read, and the login survived removing ${names.join(', ')}: none of them carries it` : 'the login set no cookie' };
}

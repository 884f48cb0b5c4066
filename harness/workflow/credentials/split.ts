/**
 * Split cookies: a long value (a session or a JWT in a JSON wrapper) spread over `name.0`,
 * `name.1`… as chunking frameworks do (ASP.NET's ChunkingCookieManager, next-auth,
 * @auth/core). The kit reads such a cookie joined, as the app reads it, and writes a new
 * value back cut the same way.
 */
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


import type { HttpResult } from '../browser';
import { type Exchange, type Journal, header, headerAll } from '../trace';

/**
 * What a real Chromium loaded, read back from the journal (the recording proxy puts every
 * request there): the documents, as the results an action of the kit's own browser would
 * have given, so a flow reads both alike.
 */

/** The documents the browser loaded since `seq` (navigations and form posts: they accept HTML), as results. */
export function documentsSince(journal: Journal, seq: number): HttpResult[] {
  return journal
    .since(seq)
    .filter((e) => e.from === 'Browser' && /text\/html/.test(header(e.request.headers, 'accept') ?? '') && !/\.(ico|png|css|js)$/.test(e.request.path.split('?')[0]))
    .map(resultOf);
}

/** A journalled exchange seen as the result of a request (browser mode: Chromium made it). */
export function resultOf(e: Exchange): HttpResult {
  const loc = header(e.response?.headers, 'location');
  const url = `http://${e.request.host}${e.request.path}`;
  let location: string | undefined;
  try {
    location = loc ? new URL(loc, url).href : undefined;
  } catch {
    location = loc;
  }
  const headers = Object.fromEntries(Object.entries(e.response?.headers ?? {}).filter((x): x is [string, string | string[]] => x[1] !== undefined));
  return { url, status: e.response?.status ?? 0, headers, body: e.response?.body ?? '', truncated: false, setCookies: headerAll(e.response?.headers, 'set-cookie'), rejectedCookies: [], ...(location ? { location } : {}), exchange: e };
}

/**
 * Reading a request's `Cookie` header: the one parser the double, the OAuth server and the
 * workflow core share (it was written three times, and the copies disagreed on which of two
 * cookies of one name wins).
 *
 * harness/common/ holds small pieces every layer may use; it imports nothing of the kit but
 * harness/errors.ts.
 */

/**
 * The cookies a `Cookie` header sends, name → value as sent (not URL-decoded: a value is the
 * token or wrapper the app set). The first of two cookies with one name wins, as the browser
 * sends the most specific (longest path) first (RFC 6265 5.4) and servers read the first.
 */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of cookiePairs(header)) if (!(name in out)) out[name] = value;
  return out;
}

/** The names a `Cookie` header sends, in order, repeats kept (for evidence: "cookies: a, b"). */
export function cookieNamesIn(header: string | undefined): string[] {
  return cookiePairs(header).map(([name]) => name);
}

function cookiePairs(header: string | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (name) out.push([name, part.slice(i + 1).trim()]);
  }
  return out;
}

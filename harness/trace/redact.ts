import { createHash } from 'node:crypto';
import type { Exchange, HeaderMap } from './exchange';

/**
 * Secrets never appear in full wherever the journal is printed: passwords are masked,
 * tokens are shortened to a prefix plus a fingerprint so two mentions of the same token
 * can still be matched by eye. Known secret values (issued tokens, API keys, passwords)
 * are registered by whoever knows them; JWT-shaped strings and password fields are
 * caught by pattern as well, for secrets the kit never saw being issued.
 */
export class Redactor {
  private readonly passwords = new Set<string>();
  /** Each token with the forms it may be written in and its fingerprint, worked out once when added. */
  private readonly tokens = new Map<string, { forms: string[]; fingerprint: string }>();
  /** The tokens longest first (a token that contains another is replaced whole), sorted again only after an add. */
  private longestFirst: { forms: string[]; fingerprint: string }[] | undefined;

  addPassword(value: string | undefined): void {
    if (value) this.passwords.add(value);
  }

  addToken(value: string | undefined): void {
    // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent for `has`, adding a token again only redoes the same work.
    if (!value || value.length < 8 || this.tokens.has(value)) return;
    // Why this is worked out here and not per text(): a run registers hundreds of tokens and
    // redacts every exchange of every verdict's evidence, so hashing and encoding each token
    // on each call was most of the kit's CPU time (measured: 10 s of a 30 s `run --all`).
    this.tokens.set(value, { forms: [...new Set([value, encodeURIComponent(value)])], fingerprint: fingerprint(value) });
    this.longestFirst = undefined;
  }

  text(input: string | undefined): string | undefined {
    if (input === undefined) return undefined;
    let out = input;
    // Longest first so a token that contains another is replaced whole.
    this.longestFirst ??= [...this.tokens].sort((a, b) => b[0].length - a[0].length).map(([, t]) => t);
    for (const t of this.longestFirst) {
      for (const form of t.forms) {
        // Stryker disable next-line ConditionalExpression: equivalent, the guard only skips a split/join that would change nothing (it is there for speed).
        if (out.includes(form)) out = out.split(form).join(t.fingerprint);
      }
    }
    for (const p of this.passwords) {
      out = out.split(p).join('*****');
      const enc = encodeURIComponent(p);
      if (enc !== p) out = out.split(enc).join('*****');
    }
    out = out.replace(JWT_PATTERN, (m) => fingerprint(m));
    out = out.replace(/("password"\s*:\s*")([^"]*)(")/g, '$1*****$3');
    // The value ends where a URL or a quoted string does: a JSON file's closing quote is not part of it.
    out = out.replace(/((?:^|[&?])password=)([^&\s"'<>#]*)/g, '$1*****');
    return out;
  }

  headers(headers: HeaderMap): HeaderMap {
    const out: HeaderMap = {};
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined) continue;
      if (k.toLowerCase() === 'authorization') {
        out[k] = redactAuthorization(Array.isArray(v) ? v[0] : v);
        continue;
      }
      out[k] = Array.isArray(v) ? v.map((x) => this.text(x) as string) : (this.text(v) as string);
    }
    return out;
  }

  exchange(ex: Exchange): Exchange {
    return {
      ...ex,
      request: { ...ex.request, path: this.text(ex.request.path) as string, headers: this.headers(ex.request.headers), body: this.text(ex.request.body) },
      response: ex.response && { ...ex.response, headers: this.headers(ex.response.headers), body: this.text(ex.response.body) },
      error: this.text(ex.error),
    };
  }
}

const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;

/** `abcdef…#1a2b3c`: a short prefix plus a sha256 fingerprint. */
export function fingerprint(secret: string): string {
  const fp = createHash('sha256').update(secret).digest('hex').slice(0, 6);
  return `${secret.slice(0, 6)}…#${fp}`;
}

function redactAuthorization(v: string): string {
  const m = /^(\w+)\s+(.+)$/.exec(v);
  if (m) return `${m[1]} ${fingerprint(m[2])}`;
  return fingerprint(v);
}

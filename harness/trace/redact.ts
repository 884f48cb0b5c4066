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
  private readonly tokens = new Set<string>();

  addPassword(value: string | undefined): void {
    if (value) this.passwords.add(value);
  }

  addToken(value: string | undefined): void {
    if (value && value.length >= 8) this.tokens.add(value);
  }

  text(input: string | undefined): string | undefined {
    if (input === undefined) return undefined;
    let out = input;
    // Longest first so a token that contains another is replaced whole.
    for (const t of [...this.tokens].sort((a, b) => b.length - a.length)) {
      for (const form of new Set([t, encodeURIComponent(t)])) out = out.split(form).join(fingerprint(t));
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

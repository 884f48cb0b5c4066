import * as fs from 'node:fs';
import type { Exchange } from './exchange';
import { headerAll } from './exchange';

/**
 * For the kit's own leak test: the secrets that crossed the wire in a run, read from the raw
 * exchanges (never from the Redactor, whose registrations are what the test checks). Every
 * cookie value a response set (session ids, token cookies) and every token field of a JSON
 * answer (FusionAuth's `token`, `refreshToken`, `refreshTokenId`, OAuth's `access_token`,
 * `refresh_token`, `id_token`). With LOGINFLOW_ISSUED_SECRETS_FILE set, the journal appends
 * them there, one per line; the test then looks for each in the run's reports and output.
 */
export const ISSUED_SECRETS_ENV = 'LOGINFLOW_ISSUED_SECRETS_FILE';

const TOKEN_FIELDS = ['token', 'refreshToken', 'refreshTokenId', 'access_token', 'refresh_token', 'id_token'];
/** Shorter values are not secrets a reader could use (and the Redactor ignores them too). */
const MIN_LENGTH = 8;

export function secretsIn(e: Exchange): string[] {
  const out: string[] = [];
  if (!e.response) return out;
  for (const raw of headerAll(e.response.headers, 'set-cookie')) {
    const m = /^[^=;]*=([^;]*)/.exec(raw);
    if (m) out.push(decodeURIComponent(m[1].trim()));
  }
  let body: unknown;
  try {
    body = JSON.parse(e.response.body ?? '');
  } catch {
    body = undefined;
  }
  if (body && typeof body === 'object') {
    for (const f of TOKEN_FIELDS) {
      const v = (body as Record<string, unknown>)[f];
      if (typeof v === 'string') out.push(v);
    }
  }
  return out.filter((s) => s.length >= MIN_LENGTH);
}

/** Append the exchange's secrets to the file named by LOGINFLOW_ISSUED_SECRETS_FILE, if set. */
export function noteIssuedSecrets(e: Exchange, env: NodeJS.ProcessEnv = process.env): void {
  const file = env[ISSUED_SECRETS_ENV];
  if (!file) return;
  const found = secretsIn(e);
  if (found.length) fs.appendFileSync(file, found.map((s) => `${s}\n`).join(''));
}

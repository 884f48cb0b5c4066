/**
 * Errors an Actor throws. Each names what was attempted so a failing scenario reads
 * as a sentence ("GET http://store.example.test/ failed: ECONNREFUSED ...").
 */
import { LoginflowError } from '../errors';

/** The request never produced a complete response: refused, reset, timed out, aborted. */
export class TransportError extends LoginflowError {
  readonly method: string;
  readonly url: string;
  /** Short cause: an errno / undici code ('ECONNREFUSED', 'UND_ERR_HEADERS_TIMEOUT') or 'TIMEOUT'; `code` is TIMEOUT or REQUEST_FAILED. */
  readonly transportCode: string;
  constructor(method: string, url: string, code: string, detail: string, cause?: unknown) {
    super(code.endsWith('TIMEOUT') ? 'TIMEOUT' : 'REQUEST_FAILED', `${method} ${url} failed: ${code}${detail && detail !== code ? ` (${detail})` : ''}`, { cause });
    this.name = 'TransportError';
    this.method = method;
    this.url = url;
    this.transportCode = code;
  }
}

export interface RedirectHop {
  method: string;
  url: string;
  status: number;
  location?: string;
}

/** A redirect chain came back to a state it had already been in, or exceeded the hop limit. */
export class RedirectLoopError extends LoginflowError {
  readonly chain: RedirectHop[];
  readonly reason: 'loop' | 'limit';
  constructor(reason: 'loop' | 'limit', chain: RedirectHop[], limit: number) {
    const lines = chain.map((h) => `${h.method} ${h.url} -> ${h.status}${h.location ? ` ${h.location}` : ''}`);
    super(
      'REDIRECT_LOOP',
      (reason === 'loop'
        ? `redirect loop: the chain came back to a request it had already made with the same cookies`
        : `too many redirects (limit ${limit})`) + `:\n  ${lines.join('\n  ')}`,
    );
    this.name = 'RedirectLoopError';
    this.chain = chain;
    this.reason = reason;
  }
}

/** The URL names a host the actor has no mapping for (a harness configuration mistake). */
export class UnknownHostError extends LoginflowError {
  readonly host: string;
  constructor(host: string, url: string, known: string[]) {
    super('UNKNOWN_HOST', `no origin mapped for host "${host}" (requested ${url}); known hosts: ${known.length ? known.join(', ') : '(none)'}`);
    this.name = 'UnknownHostError';
    this.host = host;
  }
}

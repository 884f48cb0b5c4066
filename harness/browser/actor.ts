import { randomBytes } from 'node:crypto';
import { Agent, request as undiciRequest } from 'undici';
import { Cookie, CookieJar } from 'tough-cookie';
import { Journal, headerAll, type Exchange, type HeaderMap } from '../trace';
import { RedirectLoopError, TransportError, UnknownHostError, type RedirectHop } from './errors';
import { LocalStorage } from './localStorage';
import { KitError, LoginflowError } from '../errors';
import type { ParsedForm } from './html';
import { forwardedHeaders, type LogicalNetwork } from './network';

export interface ActorOptions extends LogicalNetwork {
  /** The journal's participant name for this actor: 'Browser' | 'Hacker'. */
  name: string;
  /** Bound on one request, connect + headers + body. Default 10000. */
  timeoutMs?: number;
  /** Bodies longer than this are cut (HttpResult.truncated). Default 5 MiB. */
  maxBodyBytes?: number;
  /**
   * Default true. The deployment under test is meant to sit behind TLS, so its cookies
   * are (and must be) Secure; the kit talks plain http to loopback only because it owns
   * no certificates. A browser on https would store and send Secure cookies, so the jar
   * is told every logical URL is https (see jarUrl). With false, the jar sees the real
   * scheme: Secure cookies from http responses are refused, as browsers do.
   */
  secureContext?: boolean;
  /**
   * The wall clock cookies expire on (ms since epoch): the run's world clock, so a cookie's
   * Max-Age or Expires runs out when the kit moves the world past it. Default Date.now.
   */
  now?: () => number;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as-is (set content-type yourself). */
  body?: string;
  /** Default true: attach the jar's cookies. An explicit Cookie header always wins over the jar. */
  cookies?: boolean;
  /** Overrides the actor's timeoutMs for this request. */
  timeoutMs?: number;
}

export interface FollowOptions {
  /** Hops allowed after the first response. Default 10. */
  maxRedirects?: number;
}

export interface SubmitOptions {
  /** Send the fields as a JSON object instead of the form's encoding. */
  asJson?: boolean;
  headers?: Record<string, string>;
  /** Name of the submit button "clicked"; default is the form's first named submit button (what Enter does). */
  submitter?: string;
  /** Allow values for names the form has no field for (page script adding fields). Default false: a typo throws. */
  allowExtra?: boolean;
}

export interface HttpResult {
  /** Logical absolute URL requested (http(s)://store.example.test/path). */
  url: string;
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  truncated: boolean;
  /** Raw Set-Cookie header values of this response. */
  setCookies: string[];
  /** Set-Cookie values the jar refused, with the jar's reason. */
  rejectedCookies: { header: string; reason: string }[];
  /** Absolute logical URL of the Location header, when there is one. */
  location?: string;
  /** The journal entry (a synthetic seq-0 one when the host is unrecorded or there is no journal). */
  exchange: Exchange;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const DEFAULT_UA = 'loginflow-browser/0.1 (conformance kit; like a browser, without JavaScript)';
const NAV_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

const MAX_HEADER_BYTES = 256 * 1024;
let sharedAgent: Agent | undefined;
/** One connection pool for every actor (cookies are per actor; sockets need not be). */
function agent(): Agent {
  // maxHeaderSize as a browser's (Chromium: 256 KiB), not undici's 16 KiB: hundreds of Set-Cookie headers are an answer, not a transport error.
  if (!sharedAgent) sharedAgent = new Agent({ keepAliveTimeout: 1000, keepAliveMaxTimeout: 5000, connect: { timeout: 10_000 }, maxHeaderSize: MAX_HEADER_BYTES });
  return sharedAgent;
}

/** Closes the shared connection pool (call once at harness shutdown; a new one is made on next use). */
export async function closeBrowserAgent(): Promise<void> {
  const a = sharedAgent;
  sharedAgent = undefined;
  if (a) await a.close();
}

/** What a request was, so 307/308 hops can replay it. */
interface Sent {
  method: string;
  opts: RequestOptions;
}

class Deadline extends LoginflowError {
  constructor(readonly ms: number) {
    super('TIMEOUT', `no complete response within ${ms}ms`);
  }
}

export class Actor {
  readonly name: string;
  readonly jar: CookieJar;
  readonly localStorage = new LocalStorage();
  private journal: Journal | undefined;
  private readonly hosts: Record<string, string>;
  private readonly participants: Record<string, string>;
  private readonly unrecorded: Set<string>;
  private readonly tlsTerminated: readonly string[];
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly secureContext: boolean;
  private readonly sent = new WeakMap<HttpResult, Sent>();
  private readonly now: () => number;

  constructor(opts: ActorOptions) {
    this.name = opts.name;
    this.hosts = {};
    for (const [h, origin] of Object.entries(opts.hosts)) this.hosts[h.toLowerCase()] = new URL(origin).origin;
    this.participants = Object.fromEntries(Object.entries(opts.participants ?? {}).map(([h, p]) => [h.toLowerCase(), p]));
    this.journal = opts.journal;
    this.unrecorded = new Set((opts.unrecordedHosts ?? []).map((h) => h.toLowerCase()));
    this.tlsTerminated = opts.tlsTerminated ?? [];
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxBodyBytes = opts.maxBodyBytes ?? 5 * 1024 * 1024;
    this.secureContext = opts.secureContext ?? true;
    this.now = opts.now ?? Date.now;
    // prefixSecurity 'strict' makes tough-cookie *throw* on bad __Secure-/__Host- cookies
    // instead of dropping them silently, so they land in rejectedCookies with a reason.
    // allowSpecialUseDomain (default true) is what lets *.example.test work at all;
    // Domain=test is still refused as a public suffix, like browsers.
    this.jar = new CookieJar(undefined, { prefixSecurity: 'strict', allowSpecialUseDomain: true, rejectPublicSuffixes: true });
  }

  useJournal(j: Journal): void {
    this.journal = j;
  }

  /** One hop: never follows redirects. */
  async request(method: string, url: string, o: RequestOptions = {}): Promise<HttpResult> {
    method = method.toUpperCase();
    const target = this.logicalUrl(url);
    const logical = target.href;
    const origin = this.originFor(target, logical);

    const headers: Record<string, string> = {};
    let body: string | undefined;
    if ([o.form, o.json, o.body].filter((x) => x !== undefined).length > 1) {
      throw new KitError(`${method} ${logical}: give only one of form, json, body`, 'INTERNAL');
    }
    if (o.form !== undefined) {
      body = new URLSearchParams(o.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers['content-type'] = 'application/json';
    } else if (o.body !== undefined) {
      body = o.body;
    }
    headers['user-agent'] = DEFAULT_UA;
    headers['accept'] = o.json !== undefined ? 'application/json' : NAV_ACCEPT;
    for (const [k, v] of Object.entries(o.headers ?? {})) headers[k.toLowerCase()] = v;
    Object.assign(headers, forwardedHeaders(this.tlsTerminated, target.host, headers)); // the kit plays the TLS terminator (network.ts)
    if (o.cookies !== false && headers['cookie'] === undefined) {
      const c = await this.cookieHeader(this.jarUrl(logical));
      if (c) headers['cookie'] = c;
    }
    headers['host'] = target.host;
    const path = target.pathname + target.search;
    const record = { method, host: target.host, path, headers: { ...headers } as HeaderMap, body };

    const timeoutMs = o.timeoutMs ?? this.timeoutMs;
    const at = Date.now();
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Deadline(timeoutMs)), timeoutMs);
    let status: number;
    let resHeaders: Record<string, string | string[]>;
    let text: string;
    let truncated = false;
    try {
      const res = await undiciRequest(origin + path, {
        method: method as 'GET',
        headers,
        body,
        dispatcher: agent(),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: ac.signal,
      });
      status = res.statusCode;
      resHeaders = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) resHeaders[k] = v;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        if (size + chunk.length > this.maxBodyBytes) {
          chunks.push(chunk.subarray(0, this.maxBodyBytes - size));
          size = this.maxBodyBytes;
          truncated = true;
          res.body.destroy(); // stop reading; the connection is dropped rather than drained
          break;
        }
        chunks.push(chunk);
        size += chunk.length;
      }
      text = Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      const { code, detail } = describeTransportError(err);
      const error = new TransportError(method, logical, code, detail, err);
      this.record(target.hostname, target.host, { at, durationMs: Date.now() - at, request: record, error: error.message });
      throw error;
    } finally {
      clearTimeout(timer);
    }

    const setCookies = headerAll(resHeaders, 'set-cookie');
    const rejectedCookies: { header: string; reason: string }[] = [];
    for (const sc of setCookies) {
      const reason = await this.storeCookie(sc, logical);
      if (reason) rejectedCookies.push({ header: sc, reason });
    }
    const exchange = this.record(target.hostname, target.host, {
      at,
      durationMs: Date.now() - at,
      request: record,
      response: { status, headers: resHeaders, body: text },
      ...(truncated && { note: `body truncated: the kit reads at most ${this.maxBodyBytes} bytes of an answer` }),
    });
    const result: HttpResult = { url: logical, status, headers: resHeaders, body: text, truncated, setCookies, rejectedCookies, exchange };
    const loc = resHeaders['location'];
    if (loc !== undefined) result.location = this.translateLocation(Array.isArray(loc) ? loc[0] : loc, target);
    this.sent.set(result, { method, opts: o });
    return result;
  }

  get(url: string, o?: RequestOptions): Promise<HttpResult> {
    return this.request('GET', url, o);
  }

  /**
   * Follows 301/302/303/307/308 by hand, each hop its own request and journal entry.
   * Returns [first, ...hops]; the last element is where the chain stopped. 303 (and
   * 301/302 after POST) become GET without a body, as browsers do; 307/308 replay the
   * method and body. Throws RedirectLoopError when a hop would repeat an earlier request
   * with the same cookies (nothing can change, so it is a loop) or past maxRedirects.
   */
  async follow(first: HttpResult, o: FollowOptions = {}): Promise<HttpResult[]> {
    const max = o.maxRedirects ?? 10;
    const chain: HttpResult[] = [first];
    const seen = new Set<string>([loopKey(first.exchange.request.method, first.url, first.exchange.request.headers.cookie, first.exchange.request.body)]);
    let cur = first;
    while (REDIRECT_STATUSES.has(cur.status) && cur.location !== undefined) {
      const hops = (): RedirectHop[] => chain.map((r) => ({ method: r.exchange.request.method, url: r.url, status: r.status, location: r.location }));
      if (chain.length > max) throw new RedirectLoopError('limit', hops(), max);
      const prev = this.sent.get(cur) ?? { method: cur.exchange.request.method, opts: {} };
      const next = cur.location;
      let method = prev.method;
      let opts: RequestOptions;
      const keep = cur.status === 307 || cur.status === 308;
      if (!keep && (cur.status === 303 ? method !== 'HEAD' : method === 'POST')) method = 'GET';
      if (keep && method === prev.method) {
        const headers = { ...(prev.opts.headers ?? {}) };
        if (new URL(next).origin !== new URL(cur.url).origin) {
          for (const k of Object.keys(headers)) if (k.toLowerCase() === 'authorization') delete headers[k];
        }
        for (const k of Object.keys(headers)) if (k.toLowerCase() === 'cookie') delete headers[k];
        opts = { ...prev.opts, headers };
      } else {
        opts = { cookies: prev.opts.cookies, timeoutMs: prev.opts.timeoutMs };
      }
      const cookie = opts.cookies === false ? undefined : (await this.cookieHeader(this.jarUrl(next))) || undefined;
      const key = loopKey(method, new URL(next).href.replace(/#.*$/, ''), cookie, keep ? requestBody(opts) : undefined);
      if (seen.has(key)) {
        throw new RedirectLoopError('loop', [...hops(), { method, url: next, status: 0 }], max);
      }
      seen.add(key);
      cur = await this.request(method, next, opts);
      chain.push(cur);
    }
    return chain;
  }

  /** GET and follow redirects; the last element is the final page. */
  async navigate(url: string, o: RequestOptions & FollowOptions = {}): Promise<HttpResult[]> {
    const { maxRedirects, ...rest } = o;
    return this.follow(await this.get(url, rest), { maxRedirects });
  }

  /**
   * Submits a parsed form as a browser would after the user typed `values`: every
   * field keeps its value (hidden CSRF/state inputs included) unless overridden; the
   * default submit button is included; Origin/Referer name the page the form came
   * from. Encoding follows the form's enctype (urlencoded or multipart), or JSON when
   * asJson. Does not follow the response's redirect (call follow()).
   */
  async submitForm(form: ParsedForm, values: Record<string, string>, o: SubmitOptions = {}): Promise<HttpResult> {
    const names = new Set(form.fields.map((f) => f.name));
    const extra = Object.keys(values).filter((k) => !names.has(k));
    if (extra.length && !o.allowExtra) {
      throw new Error(
        `form ${form.id ? `#${form.id} ` : ''}(${form.method} ${form.action}) has no field ${extra.map((e) => `"${e}"`).join(', ')}; its fields: ${[...names].join(', ') || '(none)'}`,
      );
    }
    const pairs: [string, string][] = form.fields.map((f) => [f.name, Object.prototype.hasOwnProperty.call(values, f.name) ? values[f.name] : f.value]);
    for (const k of extra) pairs.push([k, values[k]]);
    const submitter = o.submitter !== undefined ? form.submitters?.find((s) => s.name === o.submitter) : form.submitters?.[0];
    if (o.submitter !== undefined && !submitter) throw new Error(`form has no submit button named "${o.submitter}"`);
    if (submitter) pairs.push([submitter.name, submitter.value]);

    const headers: Record<string, string> = {};
    if (form.documentUrl) {
      headers['referer'] = form.documentUrl;
      if (form.method === 'POST') headers['origin'] = new URL(form.documentUrl).origin;
    }
    Object.assign(headers, lowerKeys(o.headers ?? {}));

    if (form.method === 'GET') {
      const u = new URL(form.action);
      u.search = new URLSearchParams(pairs).toString();
      u.hash = '';
      return this.request('GET', u.href, { headers });
    }
    if (o.asJson) {
      return this.request('POST', form.action, { headers, json: Object.fromEntries(pairs) });
    }
    if (form.enctype === 'multipart/form-data') {
      const boundary = '----loginflow' + randomBytes(12).toString('hex');
      const body =
        pairs
          .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k.replace(/"/g, '%22')}"\r\n\r\n${v}\r\n`)
          .join('') + `--${boundary}--\r\n`;
      return this.request('POST', form.action, { headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...headers }, body });
    }
    return this.request('POST', form.action, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(pairs).toString(),
    });
  }

  /** What the jar would send to that URL (HttpOnly included: this is the HTTP view). */
  cookies(url: string): Promise<Cookie[]> {
    return this.liveCookies(this.jarUrl(this.logicalUrl(url).href));
  }

  /**
   * The jar's cookies for a URL, expired on this actor's clock: tough-cookie compares expiry
   * with the real Date.now() (and counts Max-Age from the last access), so the kit filters
   * itself against the world clock; every cookie carries an absolute expiry (see storeCookie).
   */
  private async liveCookies(jarUrl: string): Promise<Cookie[]> {
    const now = this.now();
    const all = await this.jar.getCookies(jarUrl, { expire: false, sort: true });
    const live: Cookie[] = [];
    for (const c of all) {
      const exp = c.expiryTime();
      if (exp !== undefined && exp <= now) await this.jar.store.removeCookie(c.domain, c.path, c.key);
      else live.push(c);
    }
    return live;
  }

  private async cookieHeader(jarUrl: string): Promise<string> {
    return (await this.liveCookies(jarUrl)).map((c) => c.cookieString()).join('; ');
  }

  /** Stores a cookie as if `url` had answered with it; throws if the jar refuses it. */
  async setCookie(cookie: string | Cookie, url: string): Promise<void> {
    const logical = this.logicalUrl(url).href;
    if (typeof cookie === 'string') {
      const reason = await this.storeCookie(cookie, logical);
      if (reason) throw new Error(`cookie refused for ${logical}: ${reason}`);
      return;
    }
    await this.jar.setCookie(cookie.clone() ?? cookie, this.jarUrl(logical), { now: new Date(this.now()) });
  }

  /** The Hacker's move: take the cookies `other` would send to `url` (optionally only some names). */
  async copyCookiesFrom(other: Actor, url: string, names?: string[]): Promise<void> {
    const stolen = (await other.cookies(url)).filter((c) => !names || names.includes(c.key));
    for (const c of stolen) await this.jar.setCookie(c.clone() ?? c, this.jarUrl(this.logicalUrl(url).href), { now: new Date(this.now()) });
  }

  async clearCookies(): Promise<void> {
    await this.jar.removeAllCookies();
  }

  // ---- internals ----

  private logicalUrl(url: string): URL {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new Error(`${this.name}: "${url}" is not an absolute URL`);
    }
    u.hash = '';
    return u;
  }

  private originFor(u: URL, logical: string): string {
    const o = this.hosts[u.host.toLowerCase()] ?? this.hosts[u.hostname.toLowerCase()];
    if (!o) throw new UnknownHostError(u.host, logical, Object.keys(this.hosts));
    return o;
  }

  /**
   * The URL the cookie jar reasons about. Always the logical host (never 127.0.0.1:port,
   * so store/forums/auth keep separate cookies exactly as on their real names). With
   * secureContext the scheme is https: the real deployment is TLS-terminated, so a
   * browser there stores and sends Secure cookies; only our loopback hop is plain http.
   */
  private jarUrl(logical: string): string {
    if (!this.secureContext) return logical;
    const u = new URL(logical);
    if (u.protocol === 'http:') u.protocol = 'https:';
    return u.href;
  }

  /** Stores one Set-Cookie value; returns the reason when the jar refuses it. */
  private async storeCookie(header: string, logical: string): Promise<string | undefined> {
    const parsed = Cookie.parse(header);
    if (!parsed) return 'unparseable Set-Cookie value';
    const jarUrl = this.jarUrl(logical);
    // tough-cookie stores Secure cookies from http URLs (RFC 6265 §5.3 step 8 is a
    // no-op there); browsers refuse them (RFC 6265bis "strict secure cookies").
    if (parsed.secure && new URL(jarUrl).protocol !== 'https:') return 'Secure cookie set by an insecure (http) response';
    // Max-Age becomes an absolute expiry when the cookie is received (RFC 6265 §5.2.2), on
    // this actor's clock: tough-cookie would count it from the last access instead.
    const now = this.now();
    if (typeof parsed.maxAge === 'number') {
      parsed.expires = new Date(parsed.maxAge <= 0 ? 0 : now + parsed.maxAge * 1000);
      parsed.maxAge = null;
    }
    try {
      await this.jar.setCookie(parsed, jarUrl, { now: new Date(now) });
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  /** Location resolved against the request URL; a real loopback origin maps back to its logical host. */
  private translateLocation(loc: string, base: URL): string {
    let u: URL;
    try {
      u = new URL(loc, base);
    } catch {
      return loc;
    }
    const real = normaliseLoopback(u.origin);
    for (const [host, origin] of Object.entries(this.hosts)) {
      if (normaliseLoopback(origin) === real) {
        const logical = new URL(u.pathname + u.search + u.hash, `${base.protocol}//${host}`);
        return logical.href;
      }
    }
    return u.href;
  }

  private record(hostname: string, host: string, e: Omit<Exchange, 'seq' | 'steps' | 'phase' | 'from' | 'to'>): Exchange {
    const to = this.participants[host.toLowerCase()] ?? this.participants[hostname.toLowerCase()] ?? host;
    const input = { ...e, from: this.name, to };
    if (this.journal && !this.unrecorded.has(hostname.toLowerCase()) && !this.unrecorded.has(host.toLowerCase())) {
      return this.journal.record(input);
    }
    return { ...input, seq: 0, steps: this.journal?.steps ?? [], note: 'not journalled by the actor (recorded elsewhere or no journal)' };
  }
}

function loopKey(method: string, url: string, cookie: unknown, body: string | undefined): string {
  return JSON.stringify([method, url, cookie ?? '', body ?? '']);
}

function requestBody(o: RequestOptions): string | undefined {
  if (o.form) return new URLSearchParams(o.form).toString();
  if (o.json !== undefined) return JSON.stringify(o.json);
  return o.body;
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

function normaliseLoopback(origin: string): string {
  return origin.replace(/^(https?:\/\/)(localhost|127\.0\.0\.1|\[::1\])(?=[:/]|$)/i, '$1127.0.0.1');
}

function describeTransportError(err: unknown): { code: string; detail: string } {
  if (err instanceof Deadline) return { code: 'TIMEOUT', detail: `${err.message} (timeouts.requestMs in the config)` };
  const e = err as { code?: string; message?: string; name?: string; cause?: { code?: string; message?: string }; errors?: { code?: string }[] };
  const code = e?.code ?? e?.cause?.code ?? e?.errors?.[0]?.code ?? e?.name ?? 'ERROR';
  const detail = e?.message || e?.cause?.message || String(err);
  if (code === 'UND_ERR_HEADERS_OVERFLOW') return { code, detail: `the answer's headers exceed ${MAX_HEADER_BYTES / 1024} KiB, more than a browser accepts` };
  return { code, detail };
}

import { randomBytes, randomUUID } from 'node:crypto';
import nock from 'nock';
import { Journal, Redactor } from '../trace';
import { KitError } from '../errors';
import { findApp, findUser, seededDirectory, type Directory, type DirectoryApplication, type DirectoryUser } from './directory';
import { CALLER_HEADER, HOST_HEADER, startRelay, type Relay } from './relay';
import { decideCors } from './cors';
import { CallerLookup, INFER_CALLER } from './callers';
import type { DoubleContext } from './context';
import { recordExchange } from './exchanges';
import type { InReq, OutRes } from './http';
import { signingKeys, type SigningKeys } from './keys';
import { OAuthServer } from './oauth';
import { settingsFrom, type DoubleOptions, type DoubleSettings } from './options';
import { dispatch } from './routes';
import { TokenStore, type MintOptions, type VerificationKey } from './tokens';

export { INFER_CALLER } from './callers';
export type { DoubleOptions, DoubleSettings, Signing } from './options';
export type { MintOptions, VerificationKey } from './tokens';

/**
 * The FusionAuth double. Its behaviour is defined once, as persistent nock interceptors with
 * reply functions on a unique internal origin (`http://fa-<random>.double.loginflow.invalid`).
 * In-process callers use that origin directly (fetch / node http, which nock intercepts);
 * out-of-process callers (backends, the browser) go through a real loopback relay per caller
 * (`relay('Store')`) that forwards into the same origin. Every answered call is recorded in
 * the current journal as `<caller> → FusionAuth`.
 *
 * The pieces: the route table (routes.ts) and its handlers (api/), the token store
 * (tokens.ts), the signing keys (keys.ts), the authorization server's state (oauth.ts), the
 * caller lookup (callers.ts) and the exchange recorder (exchanges.ts). This class wires them
 * to nock and the relays, runs FusionAuth's CORS filter before any endpoint, and offers the
 * kit its knobs (mint a token, expire a refresh token, name the callers).
 */

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

export class FusionAuthDouble {
  readonly origin: string;
  readonly directory: Directory;
  options: DoubleSettings;
  /** Knows every secret the double holds or issues; use it to print exchanges. */
  readonly redactor = new Redactor();
  /** The OAuth authorization server's state (codes, SSO sessions, calls) and its knobs. */
  readonly oauth: OAuthServer;

  private journalRef: Journal;
  private readonly tokens: TokenStore;
  private readonly callers: CallerLookup;
  /** What the endpoint handlers see of the double (context.ts). */
  private readonly context: DoubleContext;
  private readonly scope: nock.Scope;
  private readonly interceptors: nock.Interceptor[] = [];
  private readonly relays = new Set<Relay>();
  private readonly rawRequests = new WeakMap<object, { body: string; headers: Record<string, string> }>();
  private closed = false;
  /** Issue and expiry times (iat, exp, refresh-token expiry) follow this clock; the journal keeps real time. */
  private readonly now: () => number;

  private constructor(
    opts: DoubleOptions & { directory: Directory },
    keys: SigningKeys,
  ) {
    this.directory = opts.directory;
    this.options = settingsFrom(opts);
    this.journalRef = opts.journal ?? new Journal();
    this.now = opts.now ?? Date.now;
    this.redactor.addToken(this.directory.apiKey);
    this.redactor.addToken(this.directory.hmacSecret);
    for (const app of Object.values(this.directory.applications)) this.redactor.addToken(app.clientSecret);
    const self = this;
    const host = { directory: this.directory, keys, redactor: this.redactor, now: () => this.now(), settings: () => this.options };
    this.tokens = new TokenStore(host);
    this.oauth = new OAuthServer({ ...host, findUser: (k) => this.findUser(k), findApp: (k) => this.findApp(k) });
    this.callers = new CallerLookup(this.directory, (token) => this.tokens.refreshRecord(token)?.appId);
    this.context = {
      directory: this.directory,
      keys,
      tokens: this.tokens,
      oauth: this.oauth,
      redactor: this.redactor,
      now: () => this.now(),
      get options() {
        return self.options;
      },
    };

    this.origin = `http://fa-${randomBytes(6).toString('hex')}.double.loginflow.invalid`;
    this.scope = nock(this.origin).persist();
    // nock parses JSON request bodies before calling a reply function and throws on invalid
    // JSON; keep the raw body and headers, and hide the content type from nock so the double
    // itself decides (and can answer 400 for invalid JSON, as FusionAuth does).
    this.scope.on('request', (req: { headers: Record<string, string> }, _ic: unknown, body: string) => {
      const headers = { ...req.headers };
      this.rawRequests.set(req, { body: body ?? '', headers });
      const hidden = { ...headers };
      delete hidden['content-type'];
      req.headers = hidden;
    });
    for (const m of METHODS) {
      const ic = this.scope.intercept(() => true, m);
      ic.reply(async function (this: nock.ReplyFnContext, uri: string) {
        const raw = self.rawRequests.get(this.req) ?? { body: '', headers: { ...this.req.headers } };
        const res = await self.answer(m, uri, raw.headers, raw.body);
        return [res.status, res.body, res.headers.flat()] as nock.ReplyFnResult;
      });
      this.interceptors.push(ic);
    }
  }

  static async start(opts: DoubleOptions = {}): Promise<FusionAuthDouble> {
    const directory = opts.directory ?? seededDirectory();
    return new FusionAuthDouble({ ...opts, directory }, await signingKeys(directory, opts.keys));
  }

  get journal(): Journal {
    return this.journalRef;
  }

  useJournal(j: Journal): void {
    this.journalRef = j;
  }

  setOptions(partial: Partial<DoubleSettings>): void {
    this.options = { ...this.options, ...partial };
  }

  async relay(caller: string, port = 0): Promise<Relay> {
    if (this.closed) throw new KitError('FusionAuth double is closed', 'INTERNAL');
    const r = await startRelay(this.origin, caller, port, () => this.relays.delete(r));
    this.relays.add(r);
    return r;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const ic of this.interceptors) nock.removeInterceptor(ic);
    this.interceptors.length = 0;
    await Promise.all([...this.relays].map((r) => r.close()));
  }

  /** Application id (or key) → the journal's name for the backend that logs users into it (for relays named INFER_CALLER). */
  nameCallers(byApplication: Record<string, string>): void {
    this.callers.name(byApplication);
  }

  // ---- directory look-ups -------------------------------------------------------------

  findUser(emailOrId: string): DirectoryUser | undefined {
    return findUser(this.directory, emailOrId);
  }

  /** [key, application] by key ('store') or id. */
  findApp(keyOrId: string): [string, DirectoryApplication] | undefined {
    return findApp(this.directory, keyOrId);
  }

  // ---- tokens (the kit's knobs; the endpoints issue theirs through the same store) -----------

  async mintJwt(user: string, app: string, o: MintOptions = {}): Promise<string> {
    return this.tokens.mint(user, app, o);
  }

  issueRefreshToken(user: string, app: string): string {
    const u = this.findUser(user);
    if (!u) throw new KitError(`issueRefreshToken: unknown user ${user}`, 'INTERNAL');
    const found = this.findApp(app);
    if (!found) throw new KitError(`issueRefreshToken: unknown application ${app}`, 'INTERNAL');
    return this.tokens.issueRefreshToken(u, found[1].id, Math.floor(this.now() / 1000), randomUUID()).token;
  }

  expireRefreshToken(token: string): void {
    const r = this.tokens.refreshRecord(token);
    if (r) r.expiresAt = this.now() - 1000;
  }

  /** When a refresh token expires (ms since epoch, on the double's clock), if the double issued it. */
  refreshTokenExpiresAt(token: string): number | undefined {
    return this.tokens.refreshRecord(token)?.expiresAt;
  }

  revokeRefreshToken(token: string): void {
    const r = this.tokens.refreshRecord(token);
    if (r) r.revoked = true;
  }

  expireRefreshTokensOf(userEmailOrId: string): void {
    const u = this.findUser(userEmailOrId);
    for (const r of this.tokens.refreshRecords()) if (r.userId === (u?.id ?? userEmailOrId)) r.expiresAt = this.now() - 1000;
  }

  tokenRole(value: string): 'jwt' | 'refreshToken' | undefined {
    return this.tokens.role(value);
  }

  issued(): { jwts: string[]; refreshTokens: string[] } {
    return this.tokens.issued();
  }

  /** What a backend verifies the double's tokens with, for the current signing variant. */
  verificationKey(): VerificationKey {
    return this.tokens.verificationKey();
  }

  /** Verify a JWT the way FusionAuth's validate endpoint does (signature by alg/kid, exp). */
  verifyJwt(jwt: string): ReturnType<TokenStore['verify']> {
    return this.tokens.verify(jwt);
  }

  // ---- HTTP ---------------------------------------------------------------------------

  /** Answer one request and record it. Called by the nock reply functions. */
  private async answer(method: string, path: string, rawHeaders: Record<string, string>, body: string): Promise<OutRes> {
    const at = Date.now();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(rawHeaders)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    let caller = headers[CALLER_HEADER] || 'unknown';
    delete headers[CALLER_HEADER];
    const callerHost = headers[HOST_HEADER];
    delete headers[HOST_HEADER];
    if (caller === INFER_CALLER) caller = this.callers.infer(headers, body);
    const req: InReq = { method, path, url: new URL(path, 'http://double.invalid'), headers, body, caller, base: `http://${callerHost ?? this.options.publicHost}` };
    let res: OutRes;
    let error: string | undefined;
    // FusionAuth's CORS filter runs before any endpoint: a request it rejects is never processed.
    const cors = decideCors(this.options.cors ?? undefined, req, [`http://${this.options.publicHost}`, `https://${this.options.publicHost}`, req.base].map((o) => o.toLowerCase()));
    if (cors.kind === 'reject') {
      res = { status: 403, headers: [['Content-Type', 'text/plain']], body: '' };
    } else if (cors.kind === 'grant' && cors.preflight) {
      // 200 rather than 204: fetch interception cannot build a 204 with a body stream.
      res = { status: 200, headers: [...cors.headers], body: '' };
    } else {
      try {
        res = await dispatch(this.context, req);
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
        res = { status: 500, headers: [], body: '' };
      }
      if (cors.kind === 'grant') res.headers.push(...cors.headers);
    }
    const recorded = recordExchange(this.journalRef, this.options.publicHost, at, req, res, error);
    if (res.oauthCall) this.oauth.calls.push({ ...res.oauthCall, seq: recorded.seq });
    return res;
  }
}

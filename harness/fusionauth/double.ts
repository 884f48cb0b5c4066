import { createHash, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import nock from 'nock';
import * as jose from 'jose';
import { Journal, Redactor, type HeaderMap } from '../trace';
import { seededDirectory, expectedLoginStatus, type Directory, type DirectoryApplication, type DirectoryUser } from './directory';
import { CALLER_HEADER, HOST_HEADER, startRelay, type Relay } from './relay';
import { decideCors, type CorsSettings } from './cors';
import { fusionAuthOperation } from './catalogue';
import { OAuthServer, type OAuthCall } from './oauth';
import { KitError } from '../errors';
import { parseCookieHeader } from '../common/cookie-header';

/**
 * The FusionAuth double. Its behaviour is defined once, as persistent nock interceptors with
 * reply functions on a unique internal origin (`http://fa-<random>.double.loginflow.invalid`).
 * In-process callers use that origin directly (fetch / node http, which nock intercepts);
 * out-of-process callers (backends, the browser) go through a real loopback relay per caller
 * (`relay('Store')`) that forwards into the same origin. Every answered call is recorded in
 * the current journal as `<caller> → FusionAuth`.
 */

export type Signing = 'HS256' | 'RS256';

export interface DoubleOptions {
  /** Seeded default (see directory.ts), overridable. */
  directory?: Directory;
  /** Default HS256 with a kid header; the RS256 key is always published in JWKS. */
  signing?: Signing;
  /** Default 400 (real FusionAuth); 404 is what the workflow diagrams draw. */
  refreshFailureStatus?: 400 | 404;
  refreshTokenPolicy?: 'Reusable' | 'OneTimeUse';
  /** Default true: `Authorization: <key>` (no scheme) required when applicationId is sent (application.loginConfiguration.requireAuthentication). */
  requireApiKey?: boolean;
  /** Default true: the API key is required when no applicationId is sent (tenant.loginConfiguration.requireAuthentication). */
  tenantRequireApiKey?: boolean;
  /** Default true: /oauth2/token requires client authentication (clientAuthenticationPolicy Required). */
  requireClientAuthentication?: boolean;
  /** FusionAuth's CORS filter. Default null: disabled, every CORS request denied (FusionAuth's default). */
  cors?: CorsSettings | null;
  /** Default 'acme.com'. */
  issuer?: string;
  /** Default 3600. */
  jwtTtlSeconds?: number;
  /** Default 30 days. */
  refreshTokenTtlSeconds?: number;
  /** Life of an authorization code. Default 30 (a code "expired after 30 seconds", fusionauth-issues #211). */
  authorizationCodeTtlSeconds?: number;
  /** The tenant's OAuth session timeout: how long the fusionauth.sso session lives without use. Default 3600. */
  oauthSessionTtlSeconds?: number;
  journal?: Journal;
  /** Host recorded in the journal and the host the cookies are meant for. Default 'auth.example.test'. */
  publicHost?: string;
  /** The wall clock tokens are issued and expire on (ms since epoch): the run's world clock (harness/clock). Default Date.now. */
  now?: () => number;
}

export type DoubleSettings = Required<Omit<DoubleOptions, 'directory' | 'journal' | 'now'>>;

export interface MintOptions {
  /** exp in the past (no sleeping). */
  expired?: boolean;
  alg?: 'HS256' | 'RS256' | 'none';
  /** Signature altered after signing. */
  badSignature?: boolean;
  aud?: string;
  ttlSeconds?: number;
}

export interface VerificationKey {
  alg: Signing;
  kid: string;
  secret?: string;
  publicJwk?: jose.JWK;
}

interface RefreshRecord {
  token: string;
  /** The scope granted with it (OAuth grants): a refresh returns an id_token when it has openid. */
  scope?: string;
  id: string;
  userId: string;
  appId: string;
  expiresAt: number;
  revoked: boolean;
  authTime: number;
  /** The session id carried as `sid` by the JWTs refreshed with it. */
  sid: string;
}

interface InReq {
  method: string;
  path: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
  caller: string;
  /** Where the caller reached FusionAuth (http://host[:port]): FusionAuth names its own URLs after the request. */
  base: string;
}

interface OutRes {
  status: number;
  headers: [string, string][];
  body: string;
  unexpected?: boolean;
  /** An OAuth call's parameters, for double.oauth.calls (recorded with the journal's seq). */
  oauthCall?: OAuthCall;
  /** A real FusionAuth API the double does not play: a gap in the kit, not the caller's fault. */
  kitGap?: string;
}

const MAX_RECORDED_BODY = 64 * 1024;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

/**
 * One RSA key pair per process: generating a 2048-bit pair costs tens to hundreds of ms,
 * and every double of a run (one per workflow and variant) may share it; each double
 * still keeps its own tokens, journal and options.
 */
let keyPair: Promise<{ privateKey: jose.KeyLike; publicKey: jose.KeyLike }> | undefined;
function rsaKeyPair() {
  keyPair ??= jose.generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  return keyPair;
}

/** Relay caller name meaning "tell callers apart by the application they ask for". */
export const INFER_CALLER = '*';

export class FusionAuthDouble {
  readonly origin: string;
  readonly directory: Directory;
  options: DoubleSettings;
  /** Knows every secret the double holds or issues; use it to print exchanges. */
  readonly redactor = new Redactor();
  /** The OAuth authorization server (authorize, hosted form, SSO, codes) and its knobs. */
  readonly oauth: OAuthServer;

  private journalRef: Journal;
  private readonly scope: nock.Scope;
  private readonly interceptors: nock.Interceptor[] = [];
  private readonly relays = new Set<Relay>();
  private readonly jwts = new Set<string>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly rawRequests = new WeakMap<object, { body: string; headers: Record<string, string> }>();
  private readonly hmacKey: Uint8Array;
  private closed = false;
  /** Issue and expiry times (iat, exp, refresh-token expiry) follow this clock; the journal keeps real time. */
  private readonly now: () => number;

  private constructor(
    opts: DoubleOptions,
    private readonly rsa: { privateKey: KeyObject; publicKey: KeyObject; jwk: jose.JWK; pem: string },
  ) {
    this.directory = opts.directory ?? seededDirectory();
    this.options = {
      signing: opts.signing ?? 'HS256',
      refreshFailureStatus: opts.refreshFailureStatus ?? 400,
      refreshTokenPolicy: opts.refreshTokenPolicy ?? 'Reusable',
      requireApiKey: opts.requireApiKey ?? true,
      tenantRequireApiKey: opts.tenantRequireApiKey ?? true,
      requireClientAuthentication: opts.requireClientAuthentication ?? true,
      cors: opts.cors ?? null,
      issuer: opts.issuer ?? 'acme.com',
      jwtTtlSeconds: opts.jwtTtlSeconds ?? 3600,
      refreshTokenTtlSeconds: opts.refreshTokenTtlSeconds ?? 30 * 24 * 3600,
      authorizationCodeTtlSeconds: opts.authorizationCodeTtlSeconds ?? 30,
      oauthSessionTtlSeconds: opts.oauthSessionTtlSeconds ?? 3600,
      publicHost: opts.publicHost ?? 'auth.example.test',
    };
    this.journalRef = opts.journal ?? new Journal();
    this.now = opts.now ?? Date.now;
    this.hmacKey = new TextEncoder().encode(this.directory.hmacSecret);
    this.redactor.addToken(this.directory.apiKey);
    this.redactor.addToken(this.directory.hmacSecret);
    for (const app of Object.values(this.directory.applications)) this.redactor.addToken(app.clientSecret);
    this.oauth = new OAuthServer({
      directory: this.directory,
      redactor: this.redactor,
      now: () => this.now(),
      settings: () => this.options,
      findUser: (k) => this.findUser(k),
      findApp: (k) => this.findApp(k),
      registered: (u, appKey) => !!this.registration(u, appKey),
      accessToken: (u, appKey, authTime, type, extra) => this.issueJwt(u, appKey, authTime, type, extra),
      refreshToken: (u, appId, authTime, sid, scope) => {
        const rec = this.newRefreshToken(u, appId, authTime, sid);
        rec.scope = scope;
        return rec;
      },
      signIdToken: async (claims, key) => {
        const jwt = key === 'wrong-key' ? await this.signWithUnpublishedKey(claims) : await this.sign(claims, this.options.signing);
        this.noteJwt(jwt);
        return jwt;
      },
    });

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
    const self = this;
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
    const { privateKey, publicKey } = await rsaKeyPair();
    const dir = opts.directory ?? seededDirectory();
    const jwk = { ...(await jose.exportJWK(publicKey)), alg: 'RS256', kid: dir.rsaKid, use: 'sig' };
    const pem = await jose.exportSPKI(publicKey);
    return new FusionAuthDouble({ ...opts, directory: dir }, { privateKey: privateKey as KeyObject, publicKey: publicKey as KeyObject, jwk, pem });
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

  // ---- directory look-ups -------------------------------------------------------------

  findUser(emailOrId: string): DirectoryUser | undefined {
    const k = emailOrId.toLowerCase();
    return this.directory.users.find((u) => u.email.toLowerCase() === k || u.id === emailOrId);
  }

  /** [key, application] by key ('store') or id. */
  findApp(keyOrId: string): [string, DirectoryApplication] | undefined {
    return Object.entries(this.directory.applications).find(([k, a]) => k === keyOrId || a.id === keyOrId);
  }

  private registration(user: DirectoryUser, appKey: string) {
    const app = this.directory.applications[appKey];
    return user.registrations[appKey] ?? (app ? user.registrations[app.id] : undefined);
  }

  // ---- tokens -------------------------------------------------------------------------

  async mintJwt(user: string, app: string, o: MintOptions = {}): Promise<string> {
    const u = this.findUser(user);
    if (!u) throw new KitError(`mintJwt: unknown user ${user}`, 'INTERNAL');
    const found = this.findApp(app);
    if (!found) throw new KitError(`mintJwt: unknown application ${app}`, 'INTERNAL');
    const now = Math.floor(this.now() / 1000);
    const ttl = o.ttlSeconds ?? this.options.jwtTtlSeconds;
    const iat = o.expired ? now - ttl - 60 : now;
    const exp = o.expired ? now - 60 : now + ttl;
    const claims = this.claims(u, found[0], iat, exp, iat, 'PASSWORD', { sid: randomUUID() });
    if (o.aud !== undefined) claims.aud = o.aud;
    let jwt = await this.sign(claims, o.alg ?? this.options.signing);
    if (o.badSignature) {
      const [h, p, s] = jwt.split('.');
      const flipped = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
      jwt = `${h}.${p}.${flipped}`;
    }
    this.noteJwt(jwt);
    return jwt;
  }

  issueRefreshToken(user: string, app: string): string {
    const u = this.findUser(user);
    if (!u) throw new KitError(`issueRefreshToken: unknown user ${user}`, 'INTERNAL');
    const found = this.findApp(app);
    if (!found) throw new KitError(`issueRefreshToken: unknown application ${app}`, 'INTERNAL');
    return this.newRefreshToken(u, found[1].id, Math.floor(this.now() / 1000), randomUUID()).token;
  }

  expireRefreshToken(token: string): void {
    const r = this.refreshTokens.get(token);
    if (r) r.expiresAt = this.now() - 1000;
  }

  /** When a refresh token expires (ms since epoch, on the double's clock), if the double issued it. */
  refreshTokenExpiresAt(token: string): number | undefined {
    return this.refreshTokens.get(token)?.expiresAt;
  }

  revokeRefreshToken(token: string): void {
    const r = this.refreshTokens.get(token);
    if (r) r.revoked = true;
  }

  expireRefreshTokensOf(userEmailOrId: string): void {
    const u = this.findUser(userEmailOrId);
    for (const r of this.refreshTokens.values()) if (r.userId === (u?.id ?? userEmailOrId)) r.expiresAt = this.now() - 1000;
  }

  tokenRole(value: string): 'jwt' | 'refreshToken' | undefined {
    if (this.jwts.has(value)) return 'jwt';
    if (this.refreshTokens.has(value)) return 'refreshToken';
    return undefined;
  }

  issued(): { jwts: string[]; refreshTokens: string[] } {
    return { jwts: [...this.jwts], refreshTokens: [...this.refreshTokens.keys()] };
  }

  verificationKey(): VerificationKey {
    return this.options.signing === 'RS256'
      ? { alg: 'RS256', kid: this.directory.rsaKid, publicJwk: { ...this.rsa.jwk } }
      : { alg: 'HS256', kid: this.directory.kid, secret: this.directory.hmacSecret };
  }

  /** Verify a JWT the way FusionAuth's validate endpoint does (signature by alg/kid, exp). */
  async verifyJwt(jwt: string): Promise<jose.JWTPayload | undefined> {
    try {
      const { alg } = jose.decodeProtectedHeader(jwt);
      if (alg === 'HS256') return (await jose.jwtVerify(jwt, this.hmacKey, { algorithms: ['HS256'], currentDate: new Date(this.now()) })).payload;
      if (alg === 'RS256') return (await jose.jwtVerify(jwt, this.rsa.publicKey, { algorithms: ['RS256'], currentDate: new Date(this.now()) })).payload;
      return undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * An access token's claims as FusionAuth issues them (docs lifecycle/authenticate-users/oauth/tokens):
   * `aud` is the application asked for, even when the user is not registered to it (202);
   * `applicationId` and `roles` only with a registration; `sid` on tokens of the Login API and
   * its refreshes; `scope` only on tokens of the OAuth endpoints.
   */
  private claims(u: DirectoryUser, appKey: string | undefined, iat: number, exp: number, authTime: number, authenticationType: string, extra: { sid?: string; scope?: string } = {}): jose.JWTPayload {
    const app = appKey ? this.directory.applications[appKey] : undefined;
    const reg = appKey ? this.registration(u, appKey) : undefined;
    const c: jose.JWTPayload = {};
    if (app) c.aud = app.id;
    c.exp = exp;
    c.iat = iat;
    c.iss = this.options.issuer;
    c.sub = u.id;
    c.jti = randomUUID();
    c.authenticationType = authenticationType;
    c.email = u.email;
    c.email_verified = u.verified !== false;
    if (app && reg) {
      c.applicationId = app.id;
      c.roles = [...reg.roles];
    }
    if (extra.scope) c.scope = extra.scope;
    c.auth_time = authTime;
    if (extra.sid) c.sid = extra.sid;
    c.tid = this.directory.tenantId;
    return c;
  }

  private async sign(claims: jose.JWTPayload, alg: 'HS256' | 'RS256' | 'none'): Promise<string> {
    if (alg === 'none') return new jose.UnsecuredJWT(claims).encode();
    if (alg === 'RS256') return new jose.SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', kid: this.directory.rsaKid }).sign(this.rsa.privateKey);
    return new jose.SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', kid: this.directory.kid }).sign(this.hmacKey);
  }

  /** Same alg and kid as the double's key, another key: what a forged or misrouted token looks like. */
  private async signWithUnpublishedKey(claims: jose.JWTPayload): Promise<string> {
    if (this.options.signing === 'RS256') {
      const { privateKey } = await jose.generateKeyPair('RS256', { modulusLength: 2048 });
      return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.directory.rsaKid }).sign(privateKey);
    }
    return new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: this.directory.kid }).sign(randomBytes(48));
  }

  private noteJwt(jwt: string): void {
    this.jwts.add(jwt);
    this.redactor.addToken(jwt);
  }

  private async issueJwt(u: DirectoryUser, appKey: string | undefined, authTime: number, authenticationType: string, extra: { sid?: string; scope?: string } = {}): Promise<{ token: string; exp: number }> {
    const now = Math.floor(this.now() / 1000);
    const exp = now + this.options.jwtTtlSeconds;
    const token = await this.sign(this.claims(u, appKey, now, exp, authTime, authenticationType, extra), this.options.signing);
    this.noteJwt(token);
    return { token, exp };
  }

  private newRefreshToken(u: DirectoryUser, appId: string, authTime: number, sid: string): RefreshRecord {
    const rec: RefreshRecord = {
      sid,
      token: randomBytes(40).toString('base64url'),
      id: randomUUID(),
      userId: u.id,
      appId,
      expiresAt: this.now() + this.options.refreshTokenTtlSeconds * 1000,
      revoked: false,
      authTime,
    };
    this.refreshTokens.set(rec.token, rec);
    this.redactor.addToken(rec.token);
    // Its id comes with it in every login and refresh answer: shown fingerprinted too.
    this.redactor.addToken(rec.id);
    return rec;
  }

  private liveRefreshToken(token: string | undefined): RefreshRecord | undefined {
    if (!token) return undefined;
    const r = this.refreshTokens.get(token);
    if (!r || r.revoked || r.expiresAt <= this.now()) return undefined;
    return r;
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
    if (caller === INFER_CALLER) caller = this.inferCaller(path, headers, body);
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
        res = await this.route(req);
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
        res = { status: 500, headers: [], body: '' };
      }
      if (cors.kind === 'grant') res.headers.push(...cors.headers);
    }
    const recordedHeaders: HeaderMap = { ...headers, host: this.options.publicHost };
    const resHeaders: HeaderMap = {};
    for (const [k, v] of res.headers) {
      const key = k.toLowerCase();
      const prev = resHeaders[key];
      resHeaders[key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const recorded = this.journalRef.record({
      at,
      durationMs: Date.now() - at,
      from: caller,
      to: 'FusionAuth',
      request: { method, host: this.options.publicHost, path, headers: recordedHeaders, body: body ? body.slice(0, MAX_RECORDED_BODY) : undefined },
      response: { status: res.status, headers: resHeaders, body: res.body ? res.body.slice(0, MAX_RECORDED_BODY) : undefined },
      ...(res.unexpected ? { unexpected: true } : {}),
      ...(res.kitGap ? { kitGap: res.kitGap } : {}),
      ...(error ? { error } : {}),
    });
    if (res.oauthCall) this.oauth.calls.push({ ...res.oauthCall, seq: recorded.seq });
    return res;
  }

  /** Names callers by application id on a relay several backends share (see INFER_CALLER). */
  private callerNames: Record<string, string> = {};

  /** Application id (or key) → the journal's name for the backend that logs users into it. */
  nameCallers(byApplication: Record<string, string>): void {
    for (const [app, name] of Object.entries(byApplication)) {
      const found = this.findApp(app);
      this.callerNames[found ? found[1].id : app] = name;
    }
  }

  /**
   * Who called, on a relay several backends share (backends the kit did not start all use one
   * fixed FusionAuth URL): the application the request is for: `applicationId` of a login,
   * `client_id` of a token request, the application a refresh token was issued to, or the
   * `aud` of a JWT being validated. A call that names none (JWKS) is 'Backend'.
   */
  private inferCaller(path: string, headers: Record<string, string>, body: string): string {
    let appId: string | undefined;
    try {
      const j = JSON.parse(body || '{}');
      appId = j.applicationId ?? (j.refreshToken ? this.refreshTokens.get(j.refreshToken)?.appId : undefined);
    } catch {
      const form = new URLSearchParams(body);
      appId = form.get('client_id') ?? undefined;
      const rt = form.get('refresh_token');
      if (!appId && rt) appId = this.refreshTokens.get(rt)?.appId;
    }
    // A token request authenticated with Basic names its client there (client_secret_basic).
    const basic = /^Basic\s+(.+)$/i.exec(headers['authorization'] ?? '')?.[1];
    if (!appId && basic) {
      try {
        appId = decodeURIComponent(Buffer.from(basic, 'base64').toString('utf8').split(':')[0]) || undefined;
      } catch {
        /* not URL-encoded as RFC 6749 §2.3.1 asks: no name */
      }
    }
    const cookieRt = parseCookieHeader(headers['cookie'])['refresh_token'];
    if (!appId && cookieRt) appId = this.refreshTokens.get(cookieRt)?.appId;
    const bearer = /^Bearer\s+(.+)$/i.exec(headers['authorization'] ?? '')?.[1];
    if (!appId && bearer) {
      try {
        const aud = jose.decodeJwt(bearer).aud;
        appId = Array.isArray(aud) ? aud[0] : aud;
      } catch {
        /* not a JWT */
      }
    }
    return (appId && this.callerNames[appId]) || 'Backend';
  }

  private async route(req: InReq): Promise<OutRes> {
    const p = req.url.pathname;
    const m = req.method;
    if (m === 'POST' && p === '/api/login') return this.login(req);
    if (m === 'POST' && p === '/api/jwt/refresh') return this.refresh(req);
    if (m === 'DELETE' && p === '/api/jwt/refresh') return this.revoke(req);
    if (m === 'POST' && p === '/oauth2/token') return this.oauthToken(req);
    if ((m === 'GET' || m === 'POST') && p === '/oauth2/authorize') return this.oauth.authorize(req);
    if ((m === 'GET' || m === 'POST') && p === '/oauth2/logout') return this.oauth.logout(req);
    if ((m === 'GET' || m === 'POST') && p === '/oauth2/userinfo') return this.userinfo(req);
    if (m === 'GET' && p === '/.well-known/jwks.json') return json(200, { keys: [{ ...this.rsa.jwk }] });
    if (m === 'GET' && p === '/.well-known/openid-configuration') return this.discovery(req);
    if (m === 'GET' && p === '/api/jwt/public-key') return this.publicKey(req);
    if (m === 'GET' && p === '/api/jwt/validate') return this.validate(req);
    if (m === 'POST' && p === '/api/logout') return this.logout(req);
    if (m === 'GET' && (p === '/api/user' || p === '/api/user/')) return this.retrieveUser(req);
    if (m === 'GET' && /^\/api\/user\/[0-9a-f-]{36}$/i.test(p)) return this.retrieveUserById(req, p.slice('/api/user/'.length));
    const op = fusionAuthOperation(m, p);
    if (op) {
      const gap = `the FusionAuth double does not implement ${m} ${p} (a FusionAuth API: ${op.method} ${op.template}); this is a gap in loginflow, not in your backend`;
      return { status: 501, headers: [['Content-Type', 'text/plain']], body: gap, unexpected: true, kitGap: gap };
    }
    // Not a FusionAuth endpoint at all: FusionAuth's own answer, 404.
    return { status: 404, headers: [], body: '', unexpected: true };
  }

  private async login(req: InReq): Promise<OutRes> {
    const parsed = parseJsonBody(req);
    if ('error' in parsed) return parsed.error;
    const b = parsed.value;
    const applicationId = typeof b.applicationId === 'string' ? b.applicationId : undefined;
    const auth = req.headers['authorization'];
    // An API key, when sent, must be right. Without one: with an applicationId the application's
    // loginConfiguration.requireAuthentication decides (requireApiKey), without one the
    // tenant's (tenantRequireApiKey); both default to true in FusionAuth.
    const required = applicationId !== undefined ? this.options.requireApiKey : this.options.tenantRequireApiKey;
    if ((auth !== undefined && auth !== this.directory.apiKey) || (required && auth !== this.directory.apiKey)) {
      return empty(401);
    }
    const fieldErrors: Record<string, { code: string; message: string }[]> = {};
    if (typeof b.loginId !== 'string' || !b.loginId.trim()) fieldErrors.loginId = [{ code: '[blank]loginId', message: 'You must specify the [loginId] property.' }];
    if (typeof b.password !== 'string' || !b.password) fieldErrors.password = [{ code: '[blank]password', message: 'You must specify the [password] property.' }];
    let appKey: string | undefined;
    if (applicationId !== undefined) {
      const found = this.findApp(applicationId);
      if (!found || found[1].id !== applicationId) fieldErrors.applicationId = [{ code: '[invalid]applicationId', message: 'The [applicationId] property is not a valid application.' }];
      else appKey = found[0];
    }
    if (Object.keys(fieldErrors).length) return json(400, { fieldErrors, generalErrors: [] });

    const u = this.findUser(String(b.loginId).trim());
    if (!u || u.id === b.loginId || u.password !== b.password) return empty(404);
    const status = expectedLoginStatus(u, appKey, this.directory);
    const now = this.now();
    const authTime = Math.floor(now / 1000);
    switch (status) {
      case 423:
      case 410:
        return empty(status);
      case 409:
        return json(409, {
          actions: [{ actionId: derivedUuid(u.id, 'action'), actionerUserId: derivedUuid('admin', 'user'), expiry: now + 86_400_000, localizedName: 'Prevent login', localizedReason: 'Account review', name: 'Prevent login', reason: 'Account review', reasonCode: 'review' }],
        });
      case 203:
        return json(203, { changePasswordId: randomBytes(24).toString('base64url'), changePasswordReason: 'Administrative' });
      case 242:
        return json(242, {
          twoFactorId: randomBytes(24).toString('base64url'),
          methods: [{ id: 'AUTH1', method: 'authenticator', authenticator: { algorithm: 'HmacSHA1', codeLength: 6, timeStep: 30 } }],
        });
    }
    // 200, 202, 212 and 213 authenticate the user and issue tokens: an access token (its `aud`
    // the application asked for, even when not registered: 202), and a refresh token with the
    // application's registration. 212/213 add the verification id.
    const registered = !!appKey && !!this.registration(u, appKey);
    const sid = randomUUID();
    const { token, exp } = await this.issueJwt(u, appKey, authTime, 'PASSWORD', { sid });
    const out: Record<string, unknown> = { token, tokenExpirationInstant: exp * 1000, user: this.userJson(u, now) };
    if (status === 212) out.emailVerificationId = randomBytes(24).toString('base64url');
    if (status === 213) out.registrationVerificationId = randomBytes(24).toString('base64url');
    const cookies: [string, string][] = [['Set-Cookie', this.cookie('access_token', token)]];
    if (registered && appKey) {
      const rt = this.newRefreshToken(u, this.directory.applications[appKey].id, authTime, sid);
      out.refreshToken = rt.token;
      out.refreshTokenId = rt.id;
      cookies.push(['Set-Cookie', this.cookie('refresh_token', rt.token, this.options.refreshTokenTtlSeconds)]);
    }
    const res = json(status, out);
    res.headers.push(...cookies);
    return res;
  }

  /**
   * FusionAuth's cookies for its own host (host-only, no Domain): `access_token` is an HttpOnly
   * session cookie, `refresh_token` an HttpOnly persistent cookie for the refresh token's
   * configured lifetime (docs apis/login "Response Cookies", apis/jwt "Refresh a JWT").
   */
  private cookie(name: string, value: string, maxAge?: number): string {
    const life = maxAge === undefined ? '' : `; Max-Age=${maxAge}; Expires=${new Date(this.now() + maxAge * 1000).toUTCString()}`;
    return `${name}=${value}${life}; Path=/; SameSite=Lax; HttpOnly`;
  }

  private clearCookie(name: string): string {
    return `${name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; SameSite=Lax; HttpOnly`;
  }

  private userJson(u: DirectoryUser, now: number): Record<string, unknown> {
    const registrations = Object.entries(u.registrations).flatMap(([key, reg]) => {
      const app = this.findApp(key)?.[1];
      if (!app) return [];
      return [{ id: derivedUuid(u.id, app.id), applicationId: app.id, roles: [...reg.roles], verified: reg.verified !== false, insertInstant: now - 86_400_000, lastLoginInstant: now, lastUpdateInstant: now - 86_400_000 }];
    });
    const out: Record<string, unknown> = {
      id: u.id,
      email: u.email,
      active: true,
      verified: u.verified !== false,
      tenantId: this.directory.tenantId,
      passwordChangeRequired: !!u.passwordChangeRequired,
      insertInstant: now - 86_400_000,
      lastLoginInstant: now,
      lastUpdateInstant: now - 86_400_000,
      passwordLastUpdateInstant: now - 86_400_000,
      registrations,
      data: {},
    };
    if (u.firstName) out.firstName = u.firstName;
    if (u.lastName) out.lastName = u.lastName;
    return out;
  }

  private async refresh(req: InReq): Promise<OutRes> {
    let b: Record<string, unknown> = {};
    if (req.body.trim()) {
      const parsed = parseJsonBody(req);
      if ('error' in parsed) return parsed.error;
      b = parsed.value;
    }
    const cookieToken = parseCookieHeader(req.headers['cookie'])['refresh_token'];
    const given = cookieToken || (typeof b.refreshToken === 'string' ? b.refreshToken : undefined);
    if (!given) return json(400, { fieldErrors: { refreshToken: [{ code: '[blank]refreshToken', message: 'You must specify the [refreshToken] property.' }] }, generalErrors: [] });
    const rec = this.liveRefreshToken(given);
    const u = rec && this.findUser(rec.userId);
    const appKey = rec && this.findApp(rec.appId)?.[0];
    if (!rec || !u || !appKey) return this.refreshFailure();
    const next = this.options.refreshTokenPolicy === 'OneTimeUse' ? this.rotate(rec) : rec;
    const { token } = await this.issueJwt(u, appKey, rec.authTime, 'REFRESH_TOKEN', { sid: rec.sid });
    const res = json(200, { token, refreshToken: next.token, refreshTokenId: next.id });
    res.headers.push(['Set-Cookie', this.cookie('access_token', token)], ['Set-Cookie', this.cookie('refresh_token', next.token, this.options.refreshTokenTtlSeconds)]);
    return res;
  }

  /** OneTimeUse: a new token value; its id stays ("will not change even when using one-time use refresh tokens", docs apis/jwt). */
  private rotate(rec: RefreshRecord): RefreshRecord {
    rec.revoked = true;
    const next: RefreshRecord = { ...rec, token: randomBytes(40).toString('base64url'), revoked: false };
    this.refreshTokens.set(next.token, next);
    this.redactor.addToken(next.token);
    return next;
  }

  private refreshFailure(): OutRes {
    if (this.options.refreshFailureStatus === 404) return empty(404);
    return json(400, { fieldErrors: { refreshToken: [{ code: '[invalid]refreshToken', message: 'The refresh token is invalid or has expired.' }] }, generalErrors: [] });
  }

  /** POST /oauth2/token; every call lands in double.oauth.calls with its grant, client authentication and outcome. */
  private async oauthToken(req: InReq): Promise<OutRes> {
    const res = await this.oauthTokenInner(req);
    if (!res.oauthCall) {
      const form = new URLSearchParams(req.body);
      const auth = req.headers['authorization'];
      let error: { error?: string; error_reason?: string } = {};
      try {
        error = res.status === 200 ? {} : JSON.parse(res.body);
      } catch {
        /* not JSON */
      }
      res.oauthCall = this.oauth.tokenCall({
        caller: req.caller,
        grantType: form.get('grant_type') ?? undefined,
        clientId: form.get('client_id') ?? undefined,
        clientAuth: auth ? 'client_secret_basic' : form.get('client_secret') ? 'client_secret_post' : 'none',
        ...(form.has('code') ? { code: form.get('code')!, codeVerifierPresent: form.has('code_verifier'), redirectUri: form.get('redirect_uri') ?? undefined } : {}),
        outcome: res.status === 200 ? 'tokens' : 'error',
        status: res.status,
        error: error.error,
        errorReason: error.error_reason,
      });
    }
    return res;
  }

  private async oauthTokenInner(req: InReq): Promise<OutRes> {
    const ct = (req.headers['content-type'] ?? '').toLowerCase();
    if (!ct.startsWith('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'The request must use Content-Type application/x-www-form-urlencoded.', 'unknown');
    }
    const form = new URLSearchParams(req.body);
    const bodyId = form.get('client_id') ?? undefined;
    let clientId = bodyId;
    // An empty client_secret is no credential at all.
    let clientSecret = form.get('client_secret') || undefined;
    const auth = req.headers['authorization'];
    if (auth && !/^basic\s+/i.test(auth)) return oauthError(401, 'invalid_client', 'Client authentication must use the Basic scheme.', 'invalid_client_authentication_scheme');
    if (auth) {
      const decoded = Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      const [id, secret] = i < 0 ? [decoded, ''] : [decoded.slice(0, i), decoded.slice(i + 1)];
      clientId = decodeURIComponent(id);
      clientSecret = decodeURIComponent(secret) || undefined;
      if (bodyId !== undefined && bodyId !== clientId) return oauthError(401, 'invalid_client', 'The client_id in the body does not match the Authorization header.', 'client_id_mismatch');
    }
    const grant = form.get('grant_type');
    if (!grant) return oauthError(400, 'invalid_request', 'Invalid request. The [grant_type] parameter is required.', 'missing_grant_type');
    if (grant !== 'refresh_token' && grant !== 'authorization_code') return oauthError(400, 'unsupported_grant_type', `The grant type [${grant}] is not supported by the loginflow double.`, 'invalid_grant_type');
    if (!clientId) return oauthError(400, 'invalid_request', 'Invalid request. The [client_id] parameter is required.', 'missing_client_id');
    const app = Object.values(this.directory.applications).find((a) => a.id === clientId);
    if (!app) return oauthError(401, 'invalid_client', 'Invalid client_id.', 'invalid_client_id');
    // clientAuthenticationPolicy Required (FusionAuth's default): a secret in the Basic header or the body.
    if (clientSecret === undefined && this.options.requireClientAuthentication) {
      return oauthError(401, 'invalid_client', 'Client authentication missing as Basic Authorization header or credentials in the body.', 'client_authentication_missing');
    }
    if (clientSecret !== undefined && clientSecret !== app.clientSecret) return oauthError(401, 'invalid_client', 'Invalid client authentication.', 'invalid_client_authentication');
    if (grant === 'authorization_code') {
      const method = auth ? 'client_secret_basic' : clientSecret !== undefined ? 'client_secret_post' : 'none';
      return this.oauth.codeGrant(form, app, method, req.caller);
    }
    const given = form.get('refresh_token');
    if (!given) return oauthError(400, 'invalid_request', 'Invalid request. The [refresh_token] parameter is required.', 'missing_refresh_token');
    const rec = this.liveRefreshToken(given);
    const u = rec && this.findUser(rec.userId);
    const appKey = rec && this.findApp(rec.appId)?.[0];
    if (!rec || !u || !appKey || rec.appId !== app.id) return oauthError(400, 'invalid_grant', 'The refresh token is not valid.', 'refresh_token_not_found');
    const next = this.options.refreshTokenPolicy === 'OneTimeUse' ? this.rotate(rec) : rec;
    const scope = rec.scope ?? 'offline_access';
    const { token } = await this.issueJwt(u, appKey, rec.authTime, 'REFRESH_TOKEN', { scope, ...(rec.scope !== undefined ? { sid: rec.sid } : {}) });
    // The Refresh Token Grant's documented response: access_token, expires_in, refresh_token,
    // refresh_token_id, scope, token_type, userId (id_token only when openid was granted).
    const idToken = scope.split(' ').includes('openid') ? await this.oauth.idToken(u, app, { authTime: rec.authTime, authenticationType: 'REFRESH_TOKEN', sid: rec.sid, scope }, token) : undefined;
    const res = json(200, {
      access_token: token,
      expires_in: this.options.jwtTtlSeconds,
      ...(idToken ? { id_token: idToken } : {}),
      refresh_token: next.token,
      refresh_token_id: next.id,
      scope,
      token_type: 'Bearer',
      userId: u.id,
    });
    res.headers.push(['Cache-Control', 'no-store'], ['Pragma', 'no-cache']);
    return res;
  }

  private publicKey(req: InReq): OutRes {
    const appId = req.url.searchParams.get('applicationId');
    const kid = req.url.searchParams.get('kid');
    if (appId !== null) {
      const found = this.findApp(appId);
      if (!found || found[1].id !== appId || this.options.signing !== 'RS256') return empty(404);
      return json(200, { publicKey: this.rsa.pem });
    }
    if (kid !== null) return kid === this.directory.rsaKid ? json(200, { publicKey: this.rsa.pem }) : empty(404);
    return json(200, { publicKeys: { [this.directory.rsaKid]: this.rsa.pem } });
  }

  /**
   * The JWT a request authenticates with (docs apis/authentication "JWT Authentication"):
   * `Authorization: Bearer <jwt>`, the legacy `Authorization: JWT <jwt>` that older FusionAuth
   * clients send, or the `access_token` cookie.
   */
  private presentedJwt(req: InReq): string | undefined {
    const auth = req.headers['authorization'];
    const m = auth ? /^(bearer|jwt)\s+(.+)$/i.exec(auth.trim()) : null;
    return m?.[2].trim() || parseCookieHeader(req.headers['cookie'])['access_token'] || undefined;
  }

  private async validate(req: InReq): Promise<OutRes> {
    const jwt = this.presentedJwt(req);
    if (!jwt) return empty(401);
    const claims = await this.verifyJwt(jwt);
    if (!claims) return empty(401);
    return json(200, { jwt: claims });
  }

  /** GET /.well-known/openid-configuration: FusionAuth's discovery document, its URLs named after the request. */
  private discovery(req: InReq): OutRes {
    const b = req.base;
    return json(200, {
      authorization_endpoint: `${b}/oauth2/authorize`,
      backchannel_logout_supported: false,
      claims_supported: ['applicationId', 'at_hash', 'aud', 'authenticationType', 'auth_time', 'c_hash', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'iss', 'jti', 'name', 'roles', 'scope', 'sid', 'sub', 'tid'],
      device_authorization_endpoint: `${b}/oauth2/device_authorize`,
      end_session_endpoint: `${b}/oauth2/logout`,
      frontchannel_logout_supported: true,
      grant_types_supported: ['authorization_code', 'implicit', 'password', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
      id_token_signing_alg_values_supported: ['HS256', 'RS256'],
      issuer: this.options.issuer,
      jwks_uri: `${b}/.well-known/jwks.json`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      response_types_supported: ['code', 'token', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token'],
      scopes_supported: ['openid', 'offline_access', 'profile', 'email', 'phone', 'address'],
      subject_types_supported: ['public'],
      token_endpoint: `${b}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      userinfo_endpoint: `${b}/oauth2/userinfo`,
      userinfo_signing_alg_values_supported: ['HS256', 'RS256'],
    });
  }

  /** GET /oauth2/userinfo with a Bearer access token: the user's OpenID claims; else 401 with an OAuthError. */
  private async userinfo(req: InReq): Promise<OutRes> {
    const auth = req.headers['authorization'];
    const m = auth ? /^bearer\s+(.+)$/i.exec(auth.trim()) : null;
    const invalid = (reason: string, why: string): OutRes => {
      const r = oauthError(401, 'invalid_token', why, reason);
      r.headers.push(['WWW-Authenticate', `Bearer error="invalid_token", error_description="${why}"`]);
      return r;
    };
    if (!m) return invalid('access_token_required', 'An access token is required.');
    const claims = await this.verifyJwt(m[1].trim());
    const u = claims?.sub ? this.findUser(claims.sub) : undefined;
    if (!claims || !u) return invalid('access_token_invalid', 'The access token is not valid.');
    const out: Record<string, unknown> = { sub: u.id, email: u.email, email_verified: u.verified !== false };
    if (u.firstName) out.given_name = u.firstName;
    if (u.lastName) out.family_name = u.lastName;
    if (u.firstName || u.lastName) out.name = [u.firstName, u.lastName].filter(Boolean).join(' ');
    if (claims.applicationId) out.applicationId = claims.applicationId;
    if (claims.roles) out.roles = claims.roles;
    out.tid = this.directory.tenantId;
    return json(200, out);
  }

  /** POST /api/logout: revokes the refresh token (query, body or cookie; global: all of its user's) and clears both cookies. */
  private logout(req: InReq): OutRes {
    let b: Record<string, unknown> = {};
    if ((req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json') && req.body.trim()) {
      const parsed = parseJsonBody(req);
      if ('error' in parsed) return parsed.error;
      b = parsed.value;
    }
    const q = req.url.searchParams;
    const token = q.get('refreshToken') || (typeof b.refreshToken === 'string' ? b.refreshToken : undefined) || parseCookieHeader(req.headers['cookie'])['refresh_token'];
    const global = q.get('global') === 'true' || b.global === true;
    const rec = token ? this.refreshTokens.get(token) : undefined;
    if (rec) {
      for (const r of this.refreshTokens.values()) if (r === rec || (global && r.userId === rec.userId)) r.revoked = true;
    }
    return { status: 200, headers: [['Set-Cookie', this.clearCookie('access_token')], ['Set-Cookie', this.clearCookie('refresh_token')]], body: '' };
  }

  /**
   * DELETE /api/jwt/refresh (docs apis/jwt "Revoke Refresh Tokens"): by `token` (API key or the
   * owner's JWT), by `userId`, by `applicationId` or both (API key). 200 with no body; a
   * revoked token then refuses to refresh.
   */
  private async revoke(req: InReq): Promise<OutRes> {
    const q = req.url.searchParams;
    let token = q.get('token') ?? undefined;
    if (!token && (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) token = new URLSearchParams(req.body).get('token') ?? undefined;
    const userId = q.get('userId') ?? undefined;
    const appId = q.get('applicationId') ?? undefined;
    const apiKey = req.headers['authorization'] === this.directory.apiKey;
    let jwtOwner: string | undefined;
    if (!apiKey) {
      const jwt = this.presentedJwt(req);
      const claims = jwt ? await this.verifyJwt(jwt) : undefined;
      if (!claims?.sub || !token) return empty(401);
      jwtOwner = claims.sub;
    }
    if (token) {
      const rec = this.refreshTokens.get(token);
      if (!rec || rec.revoked) return empty(404);
      if (jwtOwner && rec.userId !== jwtOwner) return empty(401);
      rec.revoked = true;
      return empty(200);
    }
    if (!userId && !appId) {
      return json(400, { fieldErrors: { token: [{ code: '[missing]token', message: 'You must specify the [token], [userId] or [applicationId] parameter.' }] }, generalErrors: [] });
    }
    for (const r of this.refreshTokens.values()) if ((!userId || r.userId === userId) && (!appId || r.appId === appId)) r.revoked = true;
    return empty(200);
  }

  /** GET /api/user with a JWT (its owner), or with the API key and ?email= / ?loginId=. */
  private async retrieveUser(req: InReq): Promise<OutRes> {
    const now = this.now();
    if (req.headers['authorization'] === this.directory.apiKey) {
      const q = req.url.searchParams;
      const key = q.get('email') ?? q.get('loginId') ?? q.get('username');
      if (!key) return json(400, { fieldErrors: { email: [{ code: '[missing]email', message: 'You must specify an [email], [loginId] or [username] parameter.' }] }, generalErrors: [] });
      const u = this.findUser(key);
      return u && u.id !== key ? json(200, { user: this.userJson(u, now) }) : empty(404);
    }
    const jwt = this.presentedJwt(req);
    const claims = jwt ? await this.verifyJwt(jwt) : undefined;
    const u = claims?.sub ? this.findUser(claims.sub) : undefined;
    if (!u) return empty(401);
    return json(200, { user: this.userJson(u, now) });
  }

  private retrieveUserById(req: InReq, id: string): OutRes {
    if (req.headers['authorization'] !== this.directory.apiKey) return empty(401);
    const u = this.directory.users.find((x) => x.id === id);
    return u ? json(200, { user: this.userJson(u, this.now()) }) : empty(404);
  }
}

// ---- helpers --------------------------------------------------------------------------

function json(status: number, body: unknown): OutRes {
  return { status, headers: [['Content-Type', 'application/json;charset=UTF-8']], body: JSON.stringify(body) };
}

function empty(status: number): OutRes {
  return { status, headers: [], body: '' };
}

function oauthError(status: number, error: string, description: string, reason: string): OutRes {
  return json(status, { error, error_description: description, error_reason: reason });
}

function parseJsonBody(req: InReq): { value: Record<string, unknown> } | { error: OutRes } {
  const ct = (req.headers['content-type'] ?? '').toLowerCase();
  if (!ct.startsWith('application/json')) {
    return { error: json(400, { generalErrors: [{ code: '[invalidContentType]', message: 'The request must have a Content-Type of application/json.' }] }) };
  }
  try {
    const v: unknown = JSON.parse(req.body);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return { value: v as Record<string, unknown> };
  } catch {
    return { error: json(400, { generalErrors: [{ code: '[invalidJSON]', message: 'Unable to parse JSON in request body. The JSON must be an object.' }] }) };
  }
}

function derivedUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

import { createHash, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import nock from 'nock';
import * as jose from 'jose';
import { Journal, Redactor, type HeaderMap } from '../trace';
import { seededDirectory, expectedLoginStatus, type Directory, type DirectoryApplication, type DirectoryUser } from './directory';
import { CALLER_HEADER, startRelay, type Relay } from './relay';

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
  /** Default true: `Authorization: <key>` (no scheme) required when applicationId is sent. */
  requireApiKey?: boolean;
  /** Default 'acme.com'. */
  issuer?: string;
  /** Default 3600. */
  jwtTtlSeconds?: number;
  /** Default 30 days. */
  refreshTokenTtlSeconds?: number;
  journal?: Journal;
  /** Host recorded in the journal and the host the cookies are meant for. Default 'auth.example.test'. */
  publicHost?: string;
}

export type DoubleSettings = Required<Omit<DoubleOptions, 'directory' | 'journal'>>;

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
  id: string;
  userId: string;
  appId: string;
  expiresAt: number;
  revoked: boolean;
  authTime: number;
}

interface InReq {
  method: string;
  path: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
  caller: string;
}

interface OutRes {
  status: number;
  headers: [string, string][];
  body: string;
  unexpected?: boolean;
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

  private journalRef: Journal;
  private readonly scope: nock.Scope;
  private readonly interceptors: nock.Interceptor[] = [];
  private readonly relays = new Set<Relay>();
  private readonly jwts = new Set<string>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly rawRequests = new WeakMap<object, { body: string; headers: Record<string, string> }>();
  private readonly hmacKey: Uint8Array;
  private closed = false;

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
      issuer: opts.issuer ?? 'acme.com',
      jwtTtlSeconds: opts.jwtTtlSeconds ?? 3600,
      refreshTokenTtlSeconds: opts.refreshTokenTtlSeconds ?? 30 * 24 * 3600,
      publicHost: opts.publicHost ?? 'auth.example.test',
    };
    this.journalRef = opts.journal ?? new Journal();
    this.hmacKey = new TextEncoder().encode(this.directory.hmacSecret);
    this.redactor.addToken(this.directory.apiKey);
    this.redactor.addToken(this.directory.hmacSecret);
    for (const app of Object.values(this.directory.applications)) this.redactor.addToken(app.clientSecret);

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
    if (this.closed) throw new Error('FusionAuth double is closed');
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
    if (!u) throw new Error(`mintJwt: unknown user ${user}`);
    const found = this.findApp(app);
    if (!found) throw new Error(`mintJwt: unknown application ${app}`);
    const now = Math.floor(Date.now() / 1000);
    const ttl = o.ttlSeconds ?? this.options.jwtTtlSeconds;
    const iat = o.expired ? now - ttl - 60 : now;
    const exp = o.expired ? now - 60 : now + ttl;
    const claims = this.claims(u, found[0], iat, exp, iat, 'PASSWORD');
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
    if (!u) throw new Error(`issueRefreshToken: unknown user ${user}`);
    const found = this.findApp(app);
    if (!found) throw new Error(`issueRefreshToken: unknown application ${app}`);
    return this.newRefreshToken(u, found[1].id, Math.floor(Date.now() / 1000)).token;
  }

  expireRefreshToken(token: string): void {
    const r = this.refreshTokens.get(token);
    if (r) r.expiresAt = Date.now() - 1000;
  }

  revokeRefreshToken(token: string): void {
    const r = this.refreshTokens.get(token);
    if (r) r.revoked = true;
  }

  expireRefreshTokensOf(userEmailOrId: string): void {
    const u = this.findUser(userEmailOrId);
    for (const r of this.refreshTokens.values()) if (r.userId === (u?.id ?? userEmailOrId)) r.expiresAt = Date.now() - 1000;
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
      if (alg === 'HS256') return (await jose.jwtVerify(jwt, this.hmacKey, { algorithms: ['HS256'] })).payload;
      if (alg === 'RS256') return (await jose.jwtVerify(jwt, this.rsa.publicKey, { algorithms: ['RS256'] })).payload;
      return undefined;
    } catch {
      return undefined;
    }
  }

  private claims(u: DirectoryUser, appKey: string | undefined, iat: number, exp: number, authTime: number, authenticationType: string): jose.JWTPayload {
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
    if (app) {
      c.applicationId = app.id;
      c.roles = reg ? [...reg.roles] : [];
      c.scope = 'offline_access';
    }
    c.auth_time = authTime;
    c.tid = this.directory.tenantId;
    return c;
  }

  private async sign(claims: jose.JWTPayload, alg: 'HS256' | 'RS256' | 'none'): Promise<string> {
    if (alg === 'none') return new jose.UnsecuredJWT(claims).encode();
    if (alg === 'RS256') return new jose.SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', kid: this.directory.rsaKid }).sign(this.rsa.privateKey);
    return new jose.SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', kid: this.directory.kid }).sign(this.hmacKey);
  }

  private noteJwt(jwt: string): void {
    this.jwts.add(jwt);
    this.redactor.addToken(jwt);
  }

  private async issueJwt(u: DirectoryUser, appKey: string | undefined, authTime: number, authenticationType: string): Promise<{ token: string; exp: number }> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.options.jwtTtlSeconds;
    const token = await this.sign(this.claims(u, appKey, now, exp, authTime, authenticationType), this.options.signing);
    this.noteJwt(token);
    return { token, exp };
  }

  private newRefreshToken(u: DirectoryUser, appId: string, authTime: number): RefreshRecord {
    const rec: RefreshRecord = {
      token: randomBytes(40).toString('base64url'),
      id: randomUUID(),
      userId: u.id,
      appId,
      expiresAt: Date.now() + this.options.refreshTokenTtlSeconds * 1000,
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
    if (!r || r.revoked || r.expiresAt <= Date.now()) return undefined;
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
    if (caller === INFER_CALLER) caller = this.inferCaller(path, headers, body);
    const req: InReq = { method, path, url: new URL(path, 'http://double.invalid'), headers, body, caller };
    let res: OutRes;
    let error: string | undefined;
    try {
      res = await this.route(req);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      res = { status: 500, headers: [], body: '' };
    }
    this.cors(req, res);
    const recordedHeaders: HeaderMap = { ...headers, host: this.options.publicHost };
    const resHeaders: HeaderMap = {};
    for (const [k, v] of res.headers) {
      const key = k.toLowerCase();
      const prev = resHeaders[key];
      resHeaders[key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    this.journalRef.record({
      at,
      durationMs: Date.now() - at,
      from: caller,
      to: 'FusionAuth',
      request: { method, host: this.options.publicHost, path, headers: recordedHeaders, body: body ? body.slice(0, MAX_RECORDED_BODY) : undefined },
      response: { status: res.status, headers: resHeaders, body: res.body ? res.body.slice(0, MAX_RECORDED_BODY) : undefined },
      ...(res.unexpected ? { unexpected: true } : {}),
      ...(error ? { error } : {}),
    });
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
    const cookieRt = parseCookies(headers['cookie'])['refresh_token'];
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

  private cors(req: InReq, res: OutRes): void {
    const origin = req.headers['origin'];
    if (!origin) return;
    res.headers.push(['Access-Control-Allow-Origin', origin], ['Access-Control-Allow-Credentials', 'true'], ['Vary', 'Origin']);
  }

  private async route(req: InReq): Promise<OutRes> {
    const p = req.url.pathname;
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) return this.preflight(req);
    if (req.method === 'POST' && p === '/api/login') return this.login(req);
    if (req.method === 'POST' && p === '/api/jwt/refresh') return this.refresh(req);
    if (req.method === 'POST' && p === '/oauth2/token') return this.oauthToken(req);
    if (req.method === 'GET' && p === '/.well-known/jwks.json') return json(200, { keys: [{ ...this.rsa.jwk }] });
    if (req.method === 'GET' && p === '/api/jwt/public-key') return this.publicKey(req);
    if (req.method === 'GET' && p === '/api/jwt/validate') return this.validate(req);
    return { status: 404, headers: [], body: '', unexpected: true };
  }

  private preflight(req: InReq): OutRes {
    // 200 rather than 204: fetch interception cannot build a 204 with a body stream.
    const h: [string, string][] = [
      ['Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD'],
      ['Access-Control-Max-Age', '1800'],
    ];
    const asked = req.headers['access-control-request-headers'];
    if (asked) h.push(['Access-Control-Allow-Headers', asked]);
    return { status: 200, headers: h, body: '' };
  }

  private async login(req: InReq): Promise<OutRes> {
    const parsed = parseJsonBody(req);
    if ('error' in parsed) return parsed.error;
    const b = parsed.value;
    const applicationId = typeof b.applicationId === 'string' ? b.applicationId : undefined;
    const auth = req.headers['authorization'];
    if ((auth !== undefined && auth !== this.directory.apiKey) || (this.options.requireApiKey && applicationId !== undefined && auth !== this.directory.apiKey)) {
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
    const now = Date.now();
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
      case 212:
        return json(212, { user: this.userJson(u, now), emailVerificationId: randomBytes(24).toString('base64url') });
      case 213:
        return json(213, { user: this.userJson(u, now), registrationVerificationId: randomBytes(24).toString('base64url') });
    }
    // 200 / 202
    const { token, exp } = await this.issueJwt(u, status === 200 ? appKey : undefined, authTime, 'PASSWORD');
    const out: Record<string, unknown> = { token, tokenExpirationInstant: exp * 1000, user: this.userJson(u, now) };
    const cookies: [string, string][] = [['Set-Cookie', this.cookie('access_token', token, this.options.jwtTtlSeconds)]];
    if (status === 200 && appKey) {
      const rt = this.newRefreshToken(u, this.directory.applications[appKey].id, authTime);
      out.refreshToken = rt.token;
      out.refreshTokenId = rt.id;
      cookies.push(['Set-Cookie', this.cookie('refresh_token', rt.token, this.options.refreshTokenTtlSeconds)]);
    }
    const res = json(status, out);
    res.headers.push(...cookies);
    return res;
  }

  private cookie(name: string, value: string, maxAge: number): string {
    // Host-only (no Domain) for the FusionAuth host, as FusionAuth sets them.
    return `${name}=${value}; Max-Age=${maxAge}; Path=/; SameSite=Lax; HttpOnly`;
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
    const cookieToken = parseCookies(req.headers['cookie'])['refresh_token'];
    const given = cookieToken || (typeof b.refreshToken === 'string' ? b.refreshToken : undefined);
    if (!given) return json(400, { fieldErrors: { refreshToken: [{ code: '[blank]refreshToken', message: 'You must specify the [refreshToken] property.' }] }, generalErrors: [] });
    const rec = this.liveRefreshToken(given);
    const u = rec && this.findUser(rec.userId);
    const appKey = rec && this.findApp(rec.appId)?.[0];
    if (!rec || !u || !appKey) return this.refreshFailure();
    const next = this.options.refreshTokenPolicy === 'OneTimeUse' ? this.rotate(rec, u) : rec;
    const { token } = await this.issueJwt(u, appKey, rec.authTime, 'REFRESH_TOKEN');
    const res = json(200, { token, refreshToken: next.token, refreshTokenId: next.id });
    res.headers.push(
      ['Set-Cookie', this.cookie('access_token', token, this.options.jwtTtlSeconds)],
      ['Set-Cookie', this.cookie('refresh_token', next.token, Math.max(0, Math.floor((next.expiresAt - Date.now()) / 1000)))],
    );
    return res;
  }

  private rotate(rec: RefreshRecord, u: DirectoryUser): RefreshRecord {
    rec.revoked = true;
    return this.newRefreshToken(u, rec.appId, rec.authTime);
  }

  private refreshFailure(): OutRes {
    if (this.options.refreshFailureStatus === 404) return empty(404);
    return json(400, { fieldErrors: { refreshToken: [{ code: '[invalid]refreshToken', message: 'The refresh token is invalid or has expired.' }] }, generalErrors: [] });
  }

  private async oauthToken(req: InReq): Promise<OutRes> {
    const ct = (req.headers['content-type'] ?? '').toLowerCase();
    if (!ct.startsWith('application/x-www-form-urlencoded')) {
      return json(400, { error: 'invalid_request', error_description: 'The request must use Content-Type application/x-www-form-urlencoded.', error_reason: 'invalid_request' });
    }
    const form = new URLSearchParams(req.body);
    let clientId = form.get('client_id') ?? undefined;
    let clientSecret = form.get('client_secret') ?? undefined;
    const auth = req.headers['authorization'];
    if (auth && /^basic\s+/i.test(auth)) {
      const decoded = Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      const [id, secret] = i < 0 ? [decoded, ''] : [decoded.slice(0, i), decoded.slice(i + 1)];
      clientId = decodeURIComponent(id);
      clientSecret = decodeURIComponent(secret);
    }
    const grant = form.get('grant_type');
    if (!grant) return oauthError(400, 'invalid_request', 'Invalid request. The [grant_type] parameter is required.', 'missing_grant_type');
    if (grant !== 'refresh_token') return oauthError(400, 'unsupported_grant_type', `The grant type [${grant}] is not supported by the loginflow double.`, 'invalid_grant_type');
    if (!clientId) return oauthError(400, 'invalid_request', 'Invalid request. The [client_id] parameter is required.', 'missing_client_id');
    const app = Object.values(this.directory.applications).find((a) => a.id === clientId);
    if (!app) return oauthError(401, 'invalid_client', 'Invalid client_id.', 'invalid_client_id');
    if (clientSecret !== undefined && clientSecret !== app.clientSecret) return oauthError(401, 'invalid_client', 'Invalid client authentication.', 'invalid_client_authentication');
    const given = form.get('refresh_token');
    if (!given) return oauthError(400, 'invalid_request', 'Invalid request. The [refresh_token] parameter is required.', 'missing_refresh_token');
    const rec = this.liveRefreshToken(given);
    const u = rec && this.findUser(rec.userId);
    const appKey = rec && this.findApp(rec.appId)?.[0];
    if (!rec || !u || !appKey || rec.appId !== app.id) return oauthError(400, 'invalid_grant', 'The refresh token is not valid.', 'refresh_token_not_found');
    const next = this.options.refreshTokenPolicy === 'OneTimeUse' ? this.rotate(rec, u) : rec;
    const { token } = await this.issueJwt(u, appKey, rec.authTime, 'REFRESH_TOKEN');
    return json(200, {
      access_token: token,
      expires_in: this.options.jwtTtlSeconds,
      refresh_token: next.token,
      refresh_token_id: next.id,
      scope: 'offline_access',
      token_type: 'Bearer',
      userId: u.id,
    });
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

  private async validate(req: InReq): Promise<OutRes> {
    const auth = req.headers['authorization'];
    const bearer = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : undefined;
    const jwt = bearer || parseCookies(req.headers['cookie'])['access_token'];
    if (!jwt) return empty(401);
    const claims = await this.verifyJwt(jwt);
    if (!claims) return empty(401);
    return json(200, { jwt: claims });
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

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(/;\s*/)) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    if (!(k in out)) out[k] = part.slice(i + 1).trim();
  }
  return out;
}

function derivedUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

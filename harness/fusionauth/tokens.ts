import { randomBytes, randomUUID } from 'node:crypto';
import * as jose from 'jose';
import type { Redactor } from '../trace';
import { KitError } from '../errors';
import { findApp, findUser, registrationOf, type Directory, type DirectoryUser } from './directory';
import type { SigningKeys } from './keys';
import type { DoubleSettings, Signing } from './options';

/**
 * The tokens the double issues: its JWTs (signed with keys.ts's keys, with FusionAuth's claims)
 * and its refresh tokens (each a record: user, application, expiry, revocation, session). The
 * endpoints (api/) and the kit's own knobs (mint an expired token, expire a refresh token) go
 * through this one store, so `tokenRole` and the redactor know every value the double handed out.
 */

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

export interface RefreshRecord {
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

/** What the store reads of the double: its directory, keys, current settings, clock and redactor. */
export interface TokenHost {
  readonly directory: Directory;
  readonly keys: SigningKeys;
  readonly redactor: Redactor;
  settings(): DoubleSettings;
  now(): number;
}

export class TokenStore {
  private readonly jwts = new Set<string>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();

  constructor(private readonly host: TokenHost) {}

  // ---- JWTs -----------------------------------------------------------------------------

  /** A JWT for a user and application (by email/id and key/id), with the variations negative tests need. */
  async mint(user: string, app: string, o: MintOptions = {}): Promise<string> {
    const u = findUser(this.host.directory, user);
    if (!u) throw new KitError(`mintJwt: unknown user ${user}`, 'INTERNAL');
    const found = findApp(this.host.directory, app);
    if (!found) throw new KitError(`mintJwt: unknown application ${app}`, 'INTERNAL');
    const now = Math.floor(this.host.now() / 1000);
    const ttl = o.ttlSeconds ?? this.host.settings().jwtTtlSeconds;
    const iat = o.expired ? now - ttl - 60 : now;
    const exp = o.expired ? now - 60 : now + ttl;
    const claims = this.claims(u, found[0], iat, exp, iat, 'PASSWORD', { sid: randomUUID() });
    if (o.aud !== undefined) claims.aud = o.aud;
    let jwt = await this.sign(claims, o.alg ?? this.host.settings().signing);
    if (o.badSignature) {
      const [h, p, s] = jwt.split('.');
      const flipped = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
      jwt = `${h}.${p}.${flipped}`;
    }
    this.note(jwt);
    return jwt;
  }

  /** An access token as the endpoints issue it, now, for the configured TTL. */
  async issueJwt(u: DirectoryUser, appKey: string | undefined, authTime: number, authenticationType: string, extra: { sid?: string; scope?: string } = {}): Promise<{ token: string; exp: number }> {
    const now = Math.floor(this.host.now() / 1000);
    const exp = now + this.host.settings().jwtTtlSeconds;
    const token = await this.sign(this.claims(u, appKey, now, exp, authTime, authenticationType, extra), this.host.settings().signing);
    this.note(token);
    return { token, exp };
  }

  /** Signs an id_token (or other claims) with the current key, or with a key FusionAuth never published; remembered as issued. */
  async signClaims(claims: Record<string, unknown>, key: 'right' | 'wrong-key' = 'right'): Promise<string> {
    const jwt = key === 'wrong-key' ? await this.signWithUnpublishedKey(claims) : await this.sign(claims, this.host.settings().signing);
    this.note(jwt);
    return jwt;
  }

  verificationKey(): VerificationKey {
    const { hs256, rs256 } = this.host.keys;
    return this.host.settings().signing === 'RS256'
      ? { alg: 'RS256', kid: rs256.kid, publicJwk: { ...rs256.jwk } }
      : { alg: 'HS256', kid: hs256.kid, secret: hs256.secret };
  }

  /** Verify a JWT the way FusionAuth's validate endpoint does (signature by alg/kid, exp). */
  async verify(jwt: string): Promise<jose.JWTPayload | undefined> {
    const currentDate = new Date(this.host.now());
    try {
      const { alg } = jose.decodeProtectedHeader(jwt);
      if (alg === 'HS256') return (await jose.jwtVerify(jwt, this.host.keys.hs256.key, { algorithms: ['HS256'], currentDate })).payload;
      if (alg === 'RS256') return (await jose.jwtVerify(jwt, this.host.keys.rs256.publicKey, { algorithms: ['RS256'], currentDate })).payload;
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
    const directory = this.host.directory;
    const app = appKey ? directory.applications[appKey] : undefined;
    const reg = appKey ? registrationOf(directory, u, appKey) : undefined;
    const c: jose.JWTPayload = {};
    if (app) c.aud = app.id;
    c.exp = exp;
    c.iat = iat;
    c.iss = this.host.settings().issuer;
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
    c.tid = directory.tenantId;
    return c;
  }

  private async sign(claims: jose.JWTPayload, alg: 'HS256' | 'RS256' | 'none'): Promise<string> {
    const { hs256, rs256 } = this.host.keys;
    if (alg === 'none') return new jose.UnsecuredJWT(claims).encode();
    if (alg === 'RS256') return new jose.SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', kid: rs256.kid }).sign(rs256.privateKey);
    return new jose.SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', kid: hs256.kid }).sign(hs256.key);
  }

  /** Same alg and kid as the double's key, another key: what a forged or misrouted token looks like. */
  private async signWithUnpublishedKey(claims: jose.JWTPayload): Promise<string> {
    const { hs256, rs256 } = this.host.keys;
    if (this.host.settings().signing === 'RS256') {
      const { privateKey } = await jose.generateKeyPair('RS256', { modulusLength: 2048 });
      return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: rs256.kid }).sign(privateKey);
    }
    return new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: hs256.kid }).sign(randomBytes(48));
  }

  private note(jwt: string): void {
    this.jwts.add(jwt);
    this.host.redactor.addToken(jwt);
  }

  // ---- refresh tokens ---------------------------------------------------------------------

  issueRefreshToken(u: DirectoryUser, appId: string, authTime: number, sid: string, scope?: string): RefreshRecord {
    const rec: RefreshRecord = {
      sid,
      token: randomBytes(40).toString('base64url'),
      id: randomUUID(),
      userId: u.id,
      appId,
      expiresAt: this.host.now() + this.host.settings().refreshTokenTtlSeconds * 1000,
      revoked: false,
      authTime,
    };
    if (scope !== undefined) rec.scope = scope;
    this.refreshTokens.set(rec.token, rec);
    this.host.redactor.addToken(rec.token);
    // Its id comes with it in every login and refresh answer: shown fingerprinted too.
    this.host.redactor.addToken(rec.id);
    return rec;
  }

  /** The record of a refresh token the double issued (live or not). */
  refreshRecord(token: string): RefreshRecord | undefined {
    return this.refreshTokens.get(token);
  }

  /** The record of a refresh token that still refreshes: issued here, not revoked, not expired. */
  liveRefreshToken(token: string | undefined): RefreshRecord | undefined {
    if (!token) return undefined;
    const r = this.refreshTokens.get(token);
    if (!r || r.revoked || r.expiresAt <= this.host.now()) return undefined;
    return r;
  }

  /** Every refresh token record (to revoke or expire by user or application). */
  refreshRecords(): IterableIterator<RefreshRecord> {
    return this.refreshTokens.values();
  }

  /** OneTimeUse: a new token value; its id stays ("will not change even when using one-time use refresh tokens", docs apis/jwt). */
  rotate(rec: RefreshRecord): RefreshRecord {
    rec.revoked = true;
    const next: RefreshRecord = { ...rec, token: randomBytes(40).toString('base64url'), revoked: false };
    this.refreshTokens.set(next.token, next);
    this.host.redactor.addToken(next.token);
    return next;
  }

  /** What a value is, if the double issued it. */
  role(value: string): 'jwt' | 'refreshToken' | undefined {
    if (this.jwts.has(value)) return 'jwt';
    if (this.refreshTokens.has(value)) return 'refreshToken';
    return undefined;
  }

  issued(): { jwts: string[]; refreshTokens: string[] } {
    return { jwts: [...this.jwts], refreshTokens: [...this.refreshTokens.keys()] };
  }
}

import type { TargetName } from '../../backend/config';
import { type SetCookie, setCookiesOf } from '../../checks';
import { type Found, findToken } from '../../checks/cookie-tokens';
import type { Exchange } from '../../trace';
import type { ActorName } from '../apps';
import { isDeletion, tokensIssuedIn } from './answers';
import type { Carrier } from './carrier';
import type { CookieJar, JarCookie } from './jar';
import { joinSplit, resplit } from './split';

/**
 * What the browser holds, for every flow: which of an app's cookies holds the JWT, the
 * refresh token or the session id (learnt from the answers that set them and from the jar,
 * whoever set them), how each wraps its token (URL-encoded, j: JSON, base64 JSON, Express-
 * signed, split over name.0/name.1), the cookies that carry an opaque login, and the kit's
 * moves on them: read a token, put another in its place inside its wrapper, copy cookies to
 * the hacker, snapshot an app's cookies. Over the CookieJar interface, so the kit's jar and
 * Chromium's are read and changed alike.
 */
export type TokenRole = 'jwt' | 'refreshToken';

export interface TokenCookies {
  jwt?: string;
  refresh?: string;
  /** A cookie set by the login answer that holds no token: a server-side session's id. */
  session?: string;
}

/** What the credentials need from their scenario. */
export interface CredentialsHost {
  /** The app's home page URL: the cookies an app's pages get are read for it. */
  home(app: TargetName): string;
  /** The jar of an actor's browser (the kit's, or Chromium's in browser mode). */
  jar(actor: ActorName): Promise<CookieJar>;
  /** Now on the world clock, which the backends that set the cookies read. */
  now(): number;
  /** FusionAuth's own record of the tokens it issued (the double). */
  tokenRole(value: string): TokenRole | undefined;
}

/** A session cookie is named like one (connect.sid, JSESSIONID, session). */
const SESSION_LIKE = /sess|sid/i;

export class Credentials {
  private readonly names: Partial<Record<TargetName, TokenCookies>> = {};
  /** How each token cookie wraps its token ("url-encoded > j: JSON at .token"), said in the cookie-set verdicts. */
  private readonly wrapping: Record<string, string> = {};
  /** Per app: the cookies found to carry an opaque (encrypted) login, and why. */
  private readonly opaque: Partial<Record<TargetName, Carrier>> = {};
  /** Tokens seen issued on the wire (the id_token too, which the double's record lacks). */
  private readonly wire = { jwts: new Set<string>(), refresh: new Set<string>() };
  private snapshot: { app: TargetName; cookies: Record<string, string> } | undefined;

  constructor(private readonly host: CredentialsHost) {}

  // ---- tokens -------------------------------------------------------------------------

  /** Every journalled exchange passes here: the tokens a FusionAuth answer issued are known from then on. */
  noteExchange(e: Exchange): void {
    const t = tokensIssuedIn(e);
    for (const j of t.jwts) this.wire.jwts.add(j);
    for (const r of t.refresh) this.wire.refresh.add(r);
  }

  private bareRole(v: string): TokenRole | undefined {
    return this.wire.jwts.has(v) ? 'jwt' : this.wire.refresh.has(v) ? 'refreshToken' : this.host.tokenRole(v);
  }

  /** The role of the first token FusionAuth issued found inside a value, however wrapped. */
  roleOf(value: string): TokenRole | undefined {
    return findToken(value, (v) => this.bareRole(v))?.role;
  }

  /** The token of this role inside a value (a cookie, a local-storage entry), with how to put another in its place. */
  find(value: string, role: TokenRole): Found | undefined {
    return findToken(value, (v) => (this.bareRole(v) === role ? role : undefined));
  }

  /** Whether a value holds one of these tokens, however wrapped (the JWT a refresh just issued, in the cookie that replaced it). */
  holdsAny(value: string, tokens: ReadonlySet<string>): boolean {
    return !!findToken(value, (v) => (tokens.has(v) ? 'token' : undefined));
  }

  /** The local-storage entry that holds a JWT FusionAuth issued, bare or inside a JSON value. */
  jwtInStorage(storage: Record<string, string>): { key: string; found: Found } | undefined {
    for (const [key, value] of Object.entries(storage)) {
      const found = this.find(value, 'jwt');
      if (found) return { key, found };
    }
    return undefined;
  }

  /** Every token FusionAuth issued in this scenario that the kit has seen (and the double's own record, passed in). */
  issued(recorded: { jwts: string[]; refreshTokens: string[] }): { jwts: Set<string>; refresh: Set<string> } {
    return { jwts: new Set([...this.wire.jwts, ...recorded.jwts]), refresh: new Set([...this.wire.refresh, ...recorded.refreshTokens]) };
  }

  // ---- which cookie is which ----------------------------------------------------------

  /**
   * Names an app's token cookies from the Set-Cookie of one of its answers, split cookies read
   * joined as the app reads them; a login answer's token-free cookie names the session. When
   * tokens are in cookies too (a backend that leaks them), only a session-like name counts,
   * so a JWT-cookie backend's other cookies (CSRF and the like) are not taken for a session.
   */
  learn(app: TargetName, answer: Exchange, o: { login?: boolean } = {}): void {
    const names = (this.names[app] ??= {});
    const set = setCookiesOf(answer).filter((c) => !isDeletion(c, this.host.now()));
    for (const c of joinSplit(set.map((x) => ({ key: x.cookie.key, value: x.cookie.value })))) {
      const found = findToken(c.value, (v) => this.bareRole(v));
      if (found?.via.length) this.wrapping[c.key] = found.via.join(' > ');
      if (found?.role === 'jwt') names.jwt = c.key;
      else if (found?.role === 'refreshToken') names.refresh = c.key;
    }
    if (!o.login) return;
    const session = this.sessionCookieOf(answer);
    if (session && (!names.jwt || SESSION_LIKE.test(session.cookie.key))) names.session = session.cookie.key;
  }

  /**
   * Names the token cookies from what the actor's jar holds (whoever set them, whenever). A
   * session set by a later request than the login answer (a page's script handing the login
   * over): the token-free cookie the browser now holds, a session-like name first.
   */
  async learnFromJar(actor: ActorName, app: TargetName): Promise<void> {
    const names = (this.names[app] ??= {});
    const held = await this.cookies(actor, app);
    for (const c of joinSplit(held)) {
      const role = this.roleOf(c.value);
      if (role === 'jwt') names.jwt ??= c.key;
      else if (role === 'refreshToken') names.refresh ??= c.key;
    }
    if (!names.jwt && !names.session) names.session = (held.find((c) => SESSION_LIKE.test(c.key)) ?? held.find((c) => c.httpOnly))?.key;
  }

  /** The cookie names found so far for an app: which holds the JWT, the refresh token, the session id. */
  namesOf(app: TargetName): Readonly<TokenCookies> | undefined {
    return this.names[app];
  }

  /** The app's token cookie names, where a step cannot go on without the JWT cookie. */
  tokenNames(app: TargetName): TokenCookies {
    const n = this.names[app];
    if (!n?.jwt)
      throw new Error(
        `the ${app} has not set a cookie holding a JWT FusionAuth issued (looked for bare and wrapped: URL-encoded, Express-signed s:, j: JSON, base64 JSON, split name.0/.1), so the kit cannot tell which cookie to change; ` +
          `an encrypted (opaque) cookie is a legitimate design, but the kit cannot put another JWT in it, so this step cannot run against this backend`,
      );
    return n;
  }

  sessionName(app: TargetName): string {
    const n = this.names[app]?.session;
    if (!n) throw new Error(`the ${app} has not set a session cookie at login, so the kit cannot tell which cookie holds the session id`);
    return n;
  }

  /** The cookies that carry the user's login for an app: JWT and refresh token, or the session id, or the opaque carriers. */
  credentialNames(app: TargetName): string[] {
    const n = this.names[app] ?? {};
    const found = [n.jwt, n.refresh, n.session].filter((x): x is string => !!x);
    return found.length ? found : this.opaque[app]?.cookies ?? [];
  }

  /** How a cookie wraps its token ("url-encoded > j: JSON at .token"), when it does (a split cookie under its joined name). */
  wrappingOf(cookie: string): string | undefined {
    return this.wrapping[cookie] ?? this.wrapping[cookie.replace(/\.\d+$/, '')];
  }

  /** The cookies found to carry an opaque (encrypted) login, once a flow has looked for them. */
  opaqueCarrier(app: TargetName): Carrier | undefined {
    return this.opaque[app];
  }

  noteOpaqueCarrier(app: TargetName, carrier: Carrier): Carrier {
    this.opaque[app] = carrier;
    return carrier;
  }

  /** The session cookie a login answer set: the token-free cookie, preferring a session-like name. */
  sessionCookieOf(e: Exchange | undefined): SetCookie | undefined {
    const plain = setCookiesOf(e).filter((c) => !isDeletion(c, this.host.now()) && !this.roleOf(c.cookie.value));
    return plain.find((c) => SESSION_LIKE.test(c.cookie.key)) ?? plain[0];
  }

  /** The cookie an answer set that holds a token of this role; a split cookie by its first chunk (the chunks share their attributes). */
  tokenCookie(role: TokenRole, e: Exchange | undefined): SetCookie | undefined {
    const set = setCookiesOf(e).filter((c) => !isDeletion(c, this.host.now()));
    return joinSplit(set.map((c) => ({ key: c.cookie.key, value: c.cookie.value, c }))).find((j) => this.roleOf(j.value) === role)?.parts[0].c;
  }

  // ---- what the browser holds ---------------------------------------------------------

  private async cookies(actor: ActorName, app: TargetName): Promise<JarCookie[]> {
    return (await this.host.jar(actor)).cookies(this.host.home(app));
  }

  /** A cookie's value as the app reads it (a split cookie joined), or undefined. */
  async cookieValue(actor: ActorName, app: TargetName, name: string | undefined): Promise<string | undefined> {
    if (!name) return undefined;
    return this.held(await this.cookies(actor, app), name)?.value;
  }

  /** The cookie `name`, or the split cookie whose chunks are `name.0`, `name.1`… */
  private held(cookies: JarCookie[], name: string): { key: string; value: string; parts: JarCookie[] } | undefined {
    const one = cookies.find((c) => c.key === name);
    return one ? { key: name, value: one.value, parts: [one] } : joinSplit(cookies).find((c) => c.key === name);
  }

  /** The token of this role the actor holds for the app (unwrapped), if its cookie holds one. */
  async token(actor: ActorName, app: TargetName, role: TokenRole): Promise<string | undefined> {
    const held = await this.cookieValue(actor, app, role === 'jwt' ? this.names[app]?.jwt : this.names[app]?.refresh);
    return held === undefined ? undefined : this.find(held, role)?.value;
  }

  /** The token of this role, or the cookie's whole value when it holds none the kit knows (an old value to compare with). */
  async tokenOrValue(actor: ActorName, app: TargetName, role: TokenRole): Promise<string | undefined> {
    const held = await this.cookieValue(actor, app, role === 'jwt' ? this.names[app]?.jwt : this.names[app]?.refresh);
    return held === undefined ? undefined : this.find(held, role)?.value ?? held;
  }

  /** The JWT and the refresh token the actor holds for the app, each unwrapped, else its cookie's whole value (to compare with after a refresh). */
  async tokensHeld(actor: ActorName, app: TargetName): Promise<{ jwt?: string; refresh?: string }> {
    return { jwt: await this.tokenOrValue(actor, app, 'jwt'), refresh: await this.tokenOrValue(actor, app, 'refreshToken') };
  }

  /** Every cookie the actor holds for the app, name → value. */
  async cookieMap(actor: ActorName, app: TargetName): Promise<Record<string, string>> {
    return Object.fromEntries((await this.cookies(actor, app)).map((c) => [c.key, c.value]));
  }

  /**
   * Put a token into the cookie that holds one, inside its wrapper as the app wraps it
   * (URL-encoded, j: JSON, base64 JSON, split), never over the wrapper. An Express-signed
   * cookie cannot be re-signed without the app's secret: the kit says so instead of sending a
   * cookie the app rejects for its signature.
   */
  async putToken(actor: ActorName, app: TargetName, name: string, token: string): Promise<void> {
    const jar = await this.host.jar(actor);
    const whole = this.held(await jar.cookies(this.host.home(app)), name);
    if (!whole) throw new Error(`${actor} holds no ${name} cookie for ${app}`);
    const found = findToken(whole.value, (v) => (this.bareRole(v) ? 'token' : undefined));
    if (found && !found.replace)
      throw new Error(`the ${app}'s ${name} cookie holds the token inside an Express-signed value (${found.via.join(' > ')}): the kit cannot re-sign it without the app's cookie secret, so it cannot present another token in it`);
    const chunks = resplit(found ? found.replace!(token) : token, whole.parts);
    for (const [i, part] of whole.parts.entries()) await jar.rewrite(this.host.home(app), part, chunks[i]);
  }

  /** Replace the value of a cookie the backend set, keeping its attributes; `undefined` removes it. */
  async rewriteCookie(actor: ActorName, app: TargetName, name: string, value: string | undefined): Promise<void> {
    const jar = await this.host.jar(actor);
    const c = (await jar.cookies(this.host.home(app))).find((x) => x.key === name);
    if (!c) throw new Error(`${actor} holds no ${name} cookie for ${app}`);
    await jar.rewrite(this.host.home(app), c, value);
  }

  /** The hacker's move: `to` takes these cookies (a split one with all its chunks) from `from`'s browser. */
  async copy(from: ActorName, to: ActorName, app: TargetName, names: string[]): Promise<void> {
    const held = await this.cookies(from, app);
    const taken = new Set([...held.filter((c) => names.includes(c.key)), ...joinSplit(held).filter((w) => names.includes(w.key)).flatMap((w) => w.parts)]);
    await (await this.host.jar(to)).add(this.host.home(app), [...taken]);
  }

  /** `into` gets cookie `name` holding `token`, wrapped as `like`'s own cookie of that name wraps its token. */
  async plant(into: ActorName, app: TargetName, name: string, token: string, like: ActorName, role: TokenRole = 'jwt'): Promise<void> {
    const held = await this.cookieValue(like, app, name);
    const found = held === undefined ? undefined : this.find(held, role);
    await (await this.host.jar(into)).add(this.host.home(app), [{ key: name, value: found?.replace ? found.replace(token) : token, path: '/', httpOnly: false }]);
  }

  /** Keep the actor's cookies for the app, to judge later that another app's login left them alone. */
  async takeSnapshot(actor: ActorName, app: TargetName): Promise<void> {
    this.snapshot = { app, cookies: await this.cookieMap(actor, app) };
  }

  /** The cookies the snapshot kept for the app. */
  snapshotOf(app: TargetName): Record<string, string> {
    if (this.snapshot?.app !== app) throw new Error(`no snapshot of the ${app}'s cookies was taken`);
    return this.snapshot.cookies;
  }
}

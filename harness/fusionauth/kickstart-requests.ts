import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { CorsSettings } from './cors';
import { Fields, isUuid, mergePatch, unusedFields, type Obj } from './kickstart-fields';
import { KEY_ALGORITHMS, type IgnoredPart, type KeyAlgorithm, type KickstartApiKey, type KickstartApplication, type KickstartKey, type KickstartTenant, type KickstartUser } from './kickstart-model';
import { FUSIONAUTH_APPLICATION_ID, OIDC_SHADOW_KEYS, derivedSecret, derivedUuid } from './kickstart-template';

/**
 * A kickstart's `requests`, applied in order to what FusionAuth would hold after them, as far
 * as the workflows need it: signing keys, tenants, applications, users and registrations, API
 * keys, the system's CORS. Each request is checked as FusionAuth's API would check it where
 * that matters to a login (a POST to an id that exists, a PATCH of one that does not, a
 * registration to an application nobody created, a key id no key has): FusionAuth's kickstart
 * stops at such a request, and so does this, naming the field. Any other API (themes, email
 * templates, webhooks, lambdas…) is listed as ignored, as are the fields of a used request
 * that change nothing the double plays (`tenant.themeId`), never fatal.
 */

/** One request after its templates are resolved. */
export interface KickstartRequest {
  method: 'POST' | 'PUT' | 'PATCH';
  /** Absolute path, as FusionAuth resolves a relative one (`api/system-configuration` is `/api/system-configuration`). */
  path: string;
  tenantId?: string;
  body: Obj;
}

/** FusionAuth's defaults for a tenant's JWT settings (its default tenant: 1 hour, 30 days, Reusable). */
const TENANT_JWT_DEFAULTS = { timeToLiveInSeconds: 3600, refreshTokenTimeToLiveInMinutes: 43200, refreshTokenUsagePolicy: 'Reusable' as const };

const USED = {
  tenant: ['tenant.name', 'tenant.issuer', 'tenant.httpSessionMaxInactiveInterval', ...['accessTokenKeyId', 'idTokenKeyId', 'timeToLiveInSeconds', 'refreshTokenTimeToLiveInMinutes', 'refreshTokenUsagePolicy'].map((k) => `tenant.jwtConfiguration.${k}`), 'sourceTenantId'],
  application: [
    'application.name',
    'application.tenantId',
    'application.roles',
    ...['authorizedRedirectURLs', 'authorizedOriginURLs', 'logoutURL', 'clientSecret', 'enabledGrants', 'generateRefreshTokens', 'requireRegistration', 'clientAuthenticationPolicy', 'proofKeyForCodeExchangePolicy'].map((k) => `application.oauthConfiguration.${k}`),
    ...['enabled', 'accessTokenKeyId', 'idTokenKeyId', 'timeToLiveInSeconds', 'refreshTokenTimeToLiveInMinutes', 'refreshTokenUsagePolicy'].map((k) => `application.jwtConfiguration.${k}`),
    ...['requireAuthentication', 'generateRefreshTokens', 'allowTokenRefresh'].map((k) => `application.loginConfiguration.${k}`),
  ],
  user: ['user.id', 'user.email', 'user.username', 'user.password', 'user.firstName', 'user.lastName', 'user.fullName', 'user.birthDate', 'user.verified', 'user.tenantId', 'sendSetPasswordEmail'],
  registration: ['registration.applicationId', 'registration.roles', 'registration.username', 'registration.verified'],
  key: ['key.algorithm', 'key.name', 'key.length', 'key.issuer', 'key.kid', 'key.publicKey', 'key.privateKey', 'key.secret'],
  cors: ['systemConfiguration.corsConfiguration'],
  apiKey: ['apiKey.key', 'apiKey.description', 'apiKey.tenantId', 'apiKey.permissions'],
};

interface Entity<T> {
  raw: Obj;
  typed: T;
  /** The request that created it (-1: FusionAuth's own). */
  by: number;
}

export class Provisioner {
  readonly tenants = new Map<string, Entity<KickstartTenant>>();
  readonly applications = new Map<string, Entity<KickstartApplication>>();
  readonly keys = new Map<string, KickstartKey>();
  readonly users = new Map<string, Entity<KickstartUser>>();
  readonly apiKeys: KickstartApiKey[] = [];
  readonly ignored: IgnoredPart[] = [];
  private corsRaw: Obj | undefined;
  cors: CorsSettings | undefined;
  private f = new Fields('', '');
  private index = -1;
  private req!: KickstartRequest;

  constructor(
    readonly file: string,
    readonly seed: string,
    readonly defaultTenantId: string,
    defaultSigningKeyId: string,
  ) {
    this.keys.set(defaultSigningKeyId, { id: defaultSigningKeyId, algorithm: 'HS256', name: 'Default signing key', origin: 'default' });
    const jwt = { ...TENANT_JWT_DEFAULTS, accessTokenKeyId: defaultSigningKeyId, idTokenKeyId: defaultSigningKeyId };
    this.tenants.set(defaultTenantId, { raw: { name: 'Default' }, by: -1, typed: { id: defaultTenantId, name: 'Default', issuer: 'acme.com', jwt, httpSessionMaxInactiveInterval: 3600 } });
  }

  /** Applies request `index`; throws a CONFIG_INVALID KitError naming the field it cannot apply. */
  apply(req: KickstartRequest, index: number): void {
    this.req = req;
    this.index = index;
    this.f = new Fields(this.file, `requests[${index}].body`);
    if (req.tenantId !== undefined && !this.tenants.has(req.tenantId)) throw this.at(`requests[${index}].tenantId`, `names tenant ${req.tenantId}, which no earlier request created (tenants: ${[...this.tenants.keys()].join(', ')})`);
    for (const r of ROUTES) {
      const m = r.pattern.exec(req.path);
      if (!m) continue;
      if (!r.methods.includes(req.method)) return this.ignore(`${req.method} of ${r.what}`);
      const ids = m.slice(1).map((x) => x?.toLowerCase());
      const bad = ids.find((x) => x !== undefined && !isUuid(x));
      if (bad !== undefined) throw this.at(`requests[${index}].url`, `${req.method} ${req.path}: "${bad}" is not a UUID; FusionAuth's ids are UUIDs (#{UUID()} draws one)`);
      return r.apply(this, ids);
    }
    this.ignore(describe(req.path));
  }

  /** Lists request `index` as ignored without reading its body: an API the double does not need (see needsBody). */
  skip(req: Pick<KickstartRequest, 'method' | 'path'>, index: number): void {
    this.index = index;
    this.req = { ...req, body: {} };
    this.ignore(describe(req.path));
  }

  // ---- helpers ---------------------------------------------------------------------------

  at(where: string, why: string): Error {
    return new Fields(this.file, where).fail('', why);
  }

  ignore(what: string): void {
    this.ignored.push({ request: this.index, method: this.req.method, url: this.req.path, what });
  }

  ignoreUnused(body: Obj, used: readonly string[]): void {
    const unused = unusedFields(body, used);
    if (unused.length) this.ignore(unused.join(', '));
  }

  /** The id the URL names, or the one FusionAuth would draw (derived, stable). */
  idOf(fromUrl: string | undefined, what: string): string {
    return fromUrl ?? derivedUuid(this.seed, `${what} of requests[${this.index}]`);
  }

  body(key: string): Obj {
    const o = this.f.obj(this.req.body, key, key);
    if (!o) throw this.f.fail(key, `is missing: ${this.req.method} ${this.req.path} needs a "${key}" object`);
    return o;
  }

  private created<T>(map: Map<string, Entity<T>>, id: string, what: string): Entity<T> {
    const e = map.get(id);
    if (!e) throw this.at(`requests[${this.index}].url`, `${this.req.method} ${this.req.path}: no earlier request created ${what} ${id}; POST creates it`);
    return e;
  }

  private fresh<T>(map: Map<string, Entity<T>>, id: string, what: string): void {
    const e = map.get(id);
    if (e) throw this.at(`requests[${this.index}].url`, `POST ${this.req.path}: ${what} ${id} exists already (${e.by < 0 ? 'FusionAuth makes it' : `requests[${e.by}] created it`}); PATCH or PUT changes it`);
  }

  /** Creates, replaces or merges an entity's raw body as the request's method says. */
  upsert<T>(map: Map<string, Entity<T>>, id: string, what: string, patch: Obj, build: (raw: Obj, prev?: T) => T, base: Obj = {}): T {
    const { method } = this.req;
    if (method === 'POST') this.fresh(map, id, what);
    const prev = method === 'POST' ? undefined : this.created(map, id, what);
    const raw = method === 'PATCH' ? mergePatch(prev!.raw, patch) : method === 'PUT' ? patch : mergePatch(base, patch);
    const typed = build(raw, prev?.typed);
    map.set(id, { raw, typed, by: prev?.by ?? this.index });
    return typed;
  }

  tenantIdFor(declared: string | undefined): string {
    const id = this.req.tenantId ?? declared ?? this.defaultTenantId;
    if (!this.tenants.has(id)) throw this.f.fail('', `names tenant ${id}, which no earlier request created`);
    return id;
  }

  keyRef(o: Obj | undefined, key: string, path: string): string | undefined {
    const id = this.f.uuid(o, key, path);
    if (id !== undefined && !this.keys.has(id) && !(id in OIDC_SHADOW_KEYS)) throw this.f.fail(path, `names key ${id}, which no earlier request generated or imported (keys: ${[...this.keys.keys()].join(', ')})`);
    return id;
  }

  jwtOf(o: Obj | undefined, path: string) {
    const f = this.f;
    return {
      accessTokenKeyId: this.keyRef(o, 'accessTokenKeyId', `${path}.accessTokenKeyId`),
      idTokenKeyId: this.keyRef(o, 'idTokenKeyId', `${path}.idTokenKeyId`),
      timeToLiveInSeconds: f.int(o, 'timeToLiveInSeconds', `${path}.timeToLiveInSeconds`),
      refreshTokenTimeToLiveInMinutes: f.int(o, 'refreshTokenTimeToLiveInMinutes', `${path}.refreshTokenTimeToLiveInMinutes`),
      refreshTokenUsagePolicy: f.oneOf(o, 'refreshTokenUsagePolicy', `${path}.refreshTokenUsagePolicy`, ['Reusable', 'OneTimeUse'] as const),
    };
  }

  get fields(): Fields {
    return this.f;
  }

  get request(): KickstartRequest {
    return this.req;
  }

  get requestIndex(): number {
    return this.index;
  }

  setCors(raw: Obj | undefined): void {
    this.corsRaw = raw;
    this.cors = raw ? corsOf(this, raw) : undefined;
  }

  get corsConfiguration(): Obj | undefined {
    return this.corsRaw;
  }
}

/**
 * Whether a request to `path` is one the double uses, so its body must be read (its templates
 * resolved, its includes read); the others are listed as ignored with their bodies unread, as
 * a theme's fifty `@{templates/….ftl}` are.
 */
export function needsBody(path: string): boolean {
  return ROUTES.some((r) => r.pattern.test(path));
}

/** `/api/theme/…` → "the theme API (/api/theme)": what an ignored request was for. */
function describe(path: string): string {
  const parts = path.split('/').filter(Boolean);
  const api = parts.slice(0, 2).join('/');
  const more = parts[2] && !/^[0-9a-f-]{36}$/i.test(parts[2]) ? `/${parts[2]}` : '';
  return `the ${parts[1] ?? path}${more ? ` ${parts[2]}` : ''} API (/${api}${more}), not needed by the workflows`;
}

// ---- the APIs the workflows need ---------------------------------------------------------

interface Route {
  pattern: RegExp;
  methods: readonly KickstartRequest['method'][];
  what: string;
  apply(p: Provisioner, ids: (string | undefined)[]): void;
}

const ID = '([^/]+)';

const ROUTES: Route[] = [
  { pattern: new RegExp(`^/api/key/generate(?:/${ID})?$`), methods: ['POST'], what: 'a key', apply: (p, [id]) => addKey(p, p.idOf(id, 'key'), 'generate') },
  { pattern: new RegExp(`^/api/key/import(?:/${ID})?$`), methods: ['POST'], what: 'a key', apply: (p, [id]) => addKey(p, p.idOf(id, 'key'), 'import') },
  { pattern: new RegExp(`^/api/tenant(?:/${ID})?$`), methods: ['POST', 'PUT', 'PATCH'], what: 'a tenant', apply: (p, [id]) => tenant(p, p.idOf(id, 'tenant')) },
  { pattern: new RegExp(`^/api/application/${ID}/role(?:/${ID})?$`), methods: ['POST'], what: 'an application role', apply: (p, [id]) => role(p, id!) },
  { pattern: new RegExp(`^/api/application(?:/${ID})?$`), methods: ['POST', 'PUT', 'PATCH'], what: 'an application', apply: (p, [id]) => application(p, p.idOf(id, 'application')) },
  { pattern: new RegExp(`^/api/user/registration(?:/${ID})?$`), methods: ['POST', 'PUT', 'PATCH'], what: 'a registration', apply: (p, [id]) => registration(p, id) },
  { pattern: new RegExp(`^/api/user(?:/${ID})?$`), methods: ['POST', 'PUT', 'PATCH'], what: 'a user', apply: (p, [id]) => user(p, id) },
  { pattern: /^\/api\/system-configuration$/, methods: ['PUT', 'PATCH'], what: 'the system configuration', apply: (p) => systemConfiguration(p) },
  { pattern: new RegExp(`^/api/api-key(?:/${ID})?$`), methods: ['POST'], what: 'an API key', apply: (p) => apiKey(p) },
];

function addKey(p: Provisioner, id: string, origin: 'generate' | 'import'): void {
  const f = p.fields;
  if (p.keys.has(id)) throw f.fail('', `${p.request.method} ${p.request.path}: key ${id} exists already`);
  const k = p.body('key');
  const key: KickstartKey = { id, origin, algorithm: 'RS256', name: f.str(k, 'name', 'key.name'), issuer: f.str(k, 'issuer', 'key.issuer'), kid: f.str(k, 'kid', 'key.kid') };
  const algorithm = f.oneOf(k, 'algorithm', 'key.algorithm', KEY_ALGORITHMS);
  if (origin === 'generate') {
    if (!algorithm) throw f.fail('key.algorithm', `is missing: FusionAuth generates one of ${KEY_ALGORITHMS.join(', ')}`);
    key.algorithm = algorithm;
    if (algorithm.startsWith('RS')) key.length = f.int(k, 'length', 'key.length') ?? 2048;
    if (key.length !== undefined && ![2048, 3072, 4096].includes(key.length)) throw f.fail('key.length', `is ${key.length}; FusionAuth generates RSA keys of 2048, 3072 or 4096 bits`);
  } else {
    key.publicKey = f.str(k, 'publicKey', 'key.publicKey');
    key.privateKey = f.str(k, 'privateKey', 'key.privateKey');
    key.secret = f.str(k, 'secret', 'key.secret');
    key.algorithm = algorithm ?? importedAlgorithm(p, key);
  }
  p.ignoreUnused(p.request.body, USED.key);
  p.keys.set(id, key);
}

/** The algorithm of imported material that does not name one: HS256 for a secret, else read from the PEM. */
function importedAlgorithm(p: Provisioner, k: KickstartKey): KeyAlgorithm {
  if (k.secret !== undefined) return 'HS256';
  const pem = k.privateKey ?? k.publicKey;
  if (!pem) throw p.fields.fail('key', 'has no publicKey, privateKey or secret to import');
  let key: KeyObject;
  try {
    key = k.privateKey ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (err) {
    throw p.fields.fail(k.privateKey ? 'key.privateKey' : 'key.publicKey', `is not a PEM key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const ec: Record<string, KeyAlgorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
  if (key.asymmetricKeyType === 'ec' && curve && ec[curve]) return ec[curve];
  throw p.fields.fail('key.algorithm', `is missing and the key (${key.asymmetricKeyType}${curve ? ` ${curve}` : ''}) is none FusionAuth signs with`);
}

function tenant(p: Provisioner, id: string): void {
  const f = p.fields;
  const body = p.body('tenant');
  const source = f.uuid(p.request.body, 'sourceTenantId', 'sourceTenantId');
  const base = source ? p.tenants.get(source)?.raw : undefined;
  if (source && !base) throw f.fail('sourceTenantId', `names tenant ${source}, which no earlier request created`);
  p.upsert(p.tenants, id, 'tenant', body, (raw) => {
    const jwt = p.jwtOf(f.obj(raw, 'jwtConfiguration', 'tenant.jwtConfiguration'), 'tenant.jwtConfiguration');
    const dflt = p.tenants.get(p.defaultTenantId)!.typed.jwt;
    return {
      id,
      name: f.str(raw, 'name', 'tenant.name'),
      issuer: f.str(raw, 'issuer', 'tenant.issuer') ?? 'acme.com',
      jwt: {
        accessTokenKeyId: jwt.accessTokenKeyId ?? dflt.accessTokenKeyId,
        idTokenKeyId: jwt.idTokenKeyId ?? dflt.idTokenKeyId,
        timeToLiveInSeconds: jwt.timeToLiveInSeconds ?? TENANT_JWT_DEFAULTS.timeToLiveInSeconds,
        refreshTokenTimeToLiveInMinutes: jwt.refreshTokenTimeToLiveInMinutes ?? TENANT_JWT_DEFAULTS.refreshTokenTimeToLiveInMinutes,
        refreshTokenUsagePolicy: jwt.refreshTokenUsagePolicy ?? TENANT_JWT_DEFAULTS.refreshTokenUsagePolicy,
      },
      httpSessionMaxInactiveInterval: f.int(raw, 'httpSessionMaxInactiveInterval', 'tenant.httpSessionMaxInactiveInterval') ?? 3600,
    };
  }, base);
  p.ignoreUnused(p.request.body, USED.tenant);
}

function application(p: Provisioner, id: string): void {
  const f = p.fields;
  if (id === FUSIONAUTH_APPLICATION_ID) return p.ignore("FusionAuth's own application (the admin UI)");
  const body = p.body('application');
  p.upsert(p.applications, id, 'application', body, (raw, prev) => {
    const oauth = f.obj(raw, 'oauthConfiguration', 'application.oauthConfiguration');
    const jwt = f.obj(raw, 'jwtConfiguration', 'application.jwtConfiguration');
    const login = f.obj(raw, 'loginConfiguration', 'application.loginConfiguration');
    const declaredSecret = f.str(oauth, 'clientSecret', 'application.oauthConfiguration.clientSecret') || undefined;
    const o = (k: string) => `application.oauthConfiguration.${k}`;
    return {
      id,
      name: f.str(raw, 'name', 'application.name'),
      tenantId: prev?.tenantId ?? p.tenantIdFor(f.uuid(raw, 'tenantId', 'application.tenantId')),
      // "If you leave this blank during a POST, a secure secret will be generated for you. If you leave this blank during PUT, the previous value will be maintained."
      clientSecret: declaredSecret ?? prev?.clientSecret ?? derivedSecret(p.seed, `client secret of application ${id}`),
      clientSecretDeclared: declaredSecret !== undefined || !!prev?.clientSecretDeclared,
      oauth: {
        authorizedRedirectURLs: f.strings(oauth, 'authorizedRedirectURLs', o('authorizedRedirectURLs')) ?? [],
        authorizedOriginURLs: f.strings(oauth, 'authorizedOriginURLs', o('authorizedOriginURLs')) ?? [],
        logoutURL: f.str(oauth, 'logoutURL', o('logoutURL')),
        enabledGrants: f.strings(oauth, 'enabledGrants', o('enabledGrants')) ?? [],
        generateRefreshTokens: f.bool(oauth, 'generateRefreshTokens', o('generateRefreshTokens')),
        requireRegistration: f.bool(oauth, 'requireRegistration', o('requireRegistration')),
        clientAuthenticationPolicy: f.oneOf(oauth, 'clientAuthenticationPolicy', o('clientAuthenticationPolicy'), ['Required', 'NotRequired', 'NotRequiredWhenUsingPKCE'] as const),
        proofKeyForCodeExchangePolicy: f.oneOf(oauth, 'proofKeyForCodeExchangePolicy', o('proofKeyForCodeExchangePolicy'), ['Required', 'NotRequired', 'NotRequiredWhenUsingClientAuthentication'] as const),
      },
      jwt: applicationJwt(f.bool(jwt, 'enabled', 'application.jwtConfiguration.enabled') ?? false, p.jwtOf(jwt, 'application.jwtConfiguration')),
      login: {
        requireAuthentication: f.bool(login, 'requireAuthentication', 'application.loginConfiguration.requireAuthentication'),
        generateRefreshTokens: f.bool(login, 'generateRefreshTokens', 'application.loginConfiguration.generateRefreshTokens'),
        allowTokenRefresh: f.bool(login, 'allowTokenRefresh', 'application.loginConfiguration.allowTokenRefresh'),
      },
      // Roles come with the application's creation; afterwards the role API (…/role) adds them, a PUT or PATCH keeps them.
      roles: prev?.roles ?? rolesOf(p, raw.roles),
    };
  });
  p.ignoreUnused(p.request.body, USED.application);
}

/**
 * An application's JWT settings. Enabled, they are its own, and FusionAuth's API docs call the
 * two lifetimes "required when enabled is true"; yet the quickstarts enable it naming keys only,
 * and FusionAuth then signs with its JWT configuration's own defaults (1 hour, 30 days,
 * Reusable), which is what an enabled configuration gets here.
 */
function applicationJwt(enabled: boolean, declared: ReturnType<Provisioner['jwtOf']>): KickstartApplication['jwt'] {
  const own = Object.fromEntries(Object.entries(declared).filter(([, v]) => v !== undefined)) as ReturnType<Provisioner['jwtOf']>;
  return enabled ? { enabled, ...TENANT_JWT_DEFAULTS, ...own } : { enabled, ...own };
}

function rolesOf(p: Provisioner, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw p.fields.fail('application.roles', 'is not an array of roles');
  return v.map((r, i) => {
    const name = typeof r === 'string' ? r : r && typeof r === 'object' ? (r as Obj).name : undefined;
    if (typeof name !== 'string') throw p.fields.fail(`application.roles[${i}]`, 'has no "name"');
    return name;
  });
}

function role(p: Provisioner, appId: string): void {
  const app = p.applications.get(appId);
  if (!app) throw p.fields.fail('', `POST ${p.request.path}: no earlier request created application ${appId}`);
  const name = p.fields.str(p.body('role'), 'name', 'role.name');
  if (!name) throw p.fields.fail('role.name', 'is missing');
  app.typed.roles.push(name);
}

function user(p: Provisioner, fromUrl: string | undefined): void {
  const body = p.body('user');
  const id = fromUrl ?? p.fields.uuid(body, 'id', 'user.id') ?? p.idOf(undefined, 'user');
  upsertUser(p, id, body);
  p.ignoreUnused(p.request.body, USED.user);
}

function upsertUser(p: Provisioner, id: string, body: Obj): KickstartUser {
  const f = p.fields;
  const u = p.upsert(p.users, id, 'user', body, (raw, prev) => {
    const setPasswordByEmail = f.bool(p.request.body, 'sendSetPasswordEmail', 'sendSetPasswordEmail') ?? false;
    const password = f.str(raw, 'password', 'user.password');
    if (password === undefined && !setPasswordByEmail) throw f.fail('user.password', 'is missing (FusionAuth refuses a new user without one unless sendSetPasswordEmail is true)');
    const email = f.str(raw, 'email', 'user.email');
    const username = f.str(raw, 'username', 'user.username');
    if (!email && !username) throw f.fail('user', 'has neither an email nor a username to log in with');
    return {
      id,
      tenantId: prev?.tenantId ?? p.tenantIdFor(f.uuid(raw, 'tenantId', 'user.tenantId')),
      email,
      username,
      password,
      firstName: f.str(raw, 'firstName', 'user.firstName'),
      lastName: f.str(raw, 'lastName', 'user.lastName'),
      fullName: f.str(raw, 'fullName', 'user.fullName'),
      birthDate: f.str(raw, 'birthDate', 'user.birthDate'),
      verified: f.bool(raw, 'verified', 'user.verified') ?? true,
      registrations: prev?.registrations ?? {},
    };
  });
  for (const [otherId, other] of p.users) {
    if (otherId === id || other.typed.tenantId !== u.tenantId) continue;
    for (const k of ['email', 'username'] as const) {
      if (u[k] && other.typed[k]?.toLowerCase() === u[k]!.toLowerCase()) throw f.fail(`user.${k}`, `${u[k]} is the ${k} of user ${otherId} (requests[${other.by}]) too; FusionAuth keeps them unique per tenant`);
    }
  }
  return u;
}

function registration(p: Provisioner, fromUrl: string | undefined): void {
  const f = p.fields;
  const userBody = f.obj(p.request.body, 'user', 'user');
  let id = fromUrl ?? (userBody ? f.uuid(userBody, 'id', 'user.id') : undefined);
  if (userBody && p.request.method === 'POST') {
    id ??= p.idOf(undefined, 'user');
    upsertUser(p, id, userBody);
  }
  if (!id || !p.users.has(id)) throw f.fail(userBody ? '' : 'user', `${p.request.method} ${p.request.path}: ${id ? `no earlier request created user ${id}` : 'names no user'}; with a "user" object POST creates the user and the registration together`);
  const reg = p.body('registration');
  const appId = f.uuid(reg, 'applicationId', 'registration.applicationId');
  if (!appId) throw f.fail('registration.applicationId', 'is missing');
  if (appId !== FUSIONAUTH_APPLICATION_ID && !p.applications.has(appId)) throw f.fail('registration.applicationId', `names application ${appId}, which no earlier request created (applications: ${[...p.applications.keys()].join(', ') || 'none'})`);
  const u = p.users.get(id)!.typed;
  if (p.request.method === 'POST' && u.registrations[appId]) throw f.fail('registration.applicationId', `user ${id} is registered to application ${appId} already`);
  const prev = u.registrations[appId];
  if (p.request.method !== 'POST' && !prev) throw f.fail('registration.applicationId', `user ${id} has no registration to application ${appId} to change`);
  u.registrations[appId] = {
    roles: f.strings(reg, 'roles', 'registration.roles') ?? prev?.roles ?? [],
    username: f.str(reg, 'username', 'registration.username') ?? prev?.username,
    verified: f.bool(reg, 'verified', 'registration.verified') ?? prev?.verified ?? true,
  };
  p.ignoreUnused(p.request.body, [...USED.user, ...USED.registration]);
}

function systemConfiguration(p: Provisioner): void {
  const f = p.fields;
  const sc = p.body('systemConfiguration');
  const cors = f.obj(sc, 'corsConfiguration', 'systemConfiguration.corsConfiguration');
  if (cors) p.setCors(p.request.method === 'PATCH' ? mergePatch(p.corsConfiguration ?? {}, cors) : cors);
  else if (p.request.method === 'PUT') p.setCors(undefined);
  p.ignoreUnused(p.request.body, USED.cors);
}

/** FusionAuth's CORS filter is off until `enabled` is true; then the double grants what it lists (cors.ts). */
function corsOf(p: Provisioner, raw: Obj): CorsSettings | undefined {
  const f = p.fields;
  const c = (k: string) => `systemConfiguration.corsConfiguration.${k}`;
  const out: CorsSettings = { allowedOrigins: f.strings(raw, 'allowedOrigins', c('allowedOrigins')) ?? [] };
  const enabled = f.bool(raw, 'enabled', c('enabled'));
  const credentials = f.bool(raw, 'allowCredentials', c('allowCredentials'));
  if (credentials !== undefined) out.allowCredentials = credentials;
  for (const k of ['allowedMethods', 'allowedHeaders', 'exposedHeaders'] as const) {
    const v = f.strings(raw, k, c(k));
    if (v !== undefined) out[k] = v;
  }
  const age = f.int(raw, 'preflightMaxAgeInSeconds', c('preflightMaxAgeInSeconds'), 0);
  if (age !== undefined) out.preflightMaxAgeInSeconds = age;
  return enabled ? out : undefined;
}

function apiKey(p: Provisioner): void {
  const f = p.fields;
  const k = p.body('apiKey');
  p.apiKeys.push({
    key: f.str(k, 'key', 'apiKey.key') ?? derivedSecret(p.seed, `API key of requests[${p.requestIndex}]`),
    description: f.str(k, 'description', 'apiKey.description'),
    tenantId: f.uuid(k, 'tenantId', 'apiKey.tenantId'),
    restricted: k.permissions !== undefined && k.permissions !== null,
  });
  p.ignoreUnused(p.request.body, USED.apiKey);
}

/**
 * The FusionAuth double's seeded directory: one tenant, two applications, an API key,
 * the HMAC signing secret and a set of users, one per login outcome. Every value is fixed
 * so backends, feature files and the README can quote them. Override any of it with
 * `FusionAuthDouble.start({ directory })` or `loginflow fusionauth --config FILE`.
 *
 *   tenant id            6b1c1f0e-0000-4000-8000-000000000001
 *   API key              loginflow-double-api-key-0123456789abcdef
 *   HMAC secret (HS256)  loginflow-double-hmac-secret-0123456789abcdef-ZYXW   (FUSIONAUTH_JWT_HMAC_SECRET)
 *   HMAC kid             the secret's RFC 7638 thumbprint (keys.ts)
 *   RSA key (RS256)      the kit's public development key (dev-key.ts), kid its thumbprint, in /.well-known/jwks.json
 *   issuer               acme.com
 *
 *   application  id                                     clientSecret
 *   store        3c219e58-ed0e-4b18-ad48-f4f92793ae32   store-client-secret-0123456789abcdef
 *   forums       8f0e3fd7-42bb-4c63-9c48-6a2c7e3c1d55   forums-client-secret-0123456789abcdef
 *
 *   user (all passwords "password")        id                                     login with applicationId
 *   alice@example.com                      11111111-1111-4111-8111-111111111111   200, registered to store+forums, roles [user]
 *   bob@example.com                        22222222-2222-4222-8222-222222222222   200, registered to store+forums, roles [user]
 *   notregistered@example.com              33333333-3333-4333-8333-333333333301   202 not registered for the application
 *   changepassword@example.com             33333333-3333-4333-8333-333333333302   203 password change required (changePasswordId)
 *   unverified@example.com                 33333333-3333-4333-8333-333333333303   212 email not verified
 *   unverifiedregistration@example.com     33333333-3333-4333-8333-333333333304   213 registration not verified
 *   twofactor@example.com                  33333333-3333-4333-8333-333333333305   242 two-factor required (twoFactorId, methods)
 *   actionprevented@example.com            33333333-3333-4333-8333-333333333306   409 a user action prevents login
 *   expired@example.com                    33333333-3333-4333-8333-333333333307   410 user expired
 *   locked@example.com                     33333333-3333-4333-8333-333333333308   423 user locked
 *   any unknown loginId, or a wrong password                                     404 (empty body)
 *
 *   OAuth Authorized redirect URLs: http(s)://store.example.test/oauth-redirect and
 *   http(s)://forums.example.test/oauth-redirect (and each app's `/` as its logout URL).
 */

export interface DirectoryApplication {
  id: string;
  name: string;
  clientSecret: string;
  /** OAuth "Authorized redirect URLs" (exact match): redirect_uri of /oauth2/authorize and post_logout_redirect_uri must be one of them. */
  redirectUris?: string[];
  /** OAuth "Logout URL": where /oauth2/logout sends the browser when no post_logout_redirect_uri is given. */
  logoutUrl?: string;
}

export interface DirectoryRegistration {
  roles: string[];
  /** Registration verified (false → 213). Default true. */
  verified?: boolean;
}

export interface DirectoryUser {
  id: string;
  email: string;
  password: string;
  firstName?: string;
  lastName?: string;
  /** Registrations keyed by application key ('store', 'forums') or application id. */
  registrations: Record<string, DirectoryRegistration>;
  /** Email verified (false → 212). Default true. */
  verified?: boolean;
  passwordChangeRequired?: boolean; // 203
  twoFactor?: boolean; // 242
  actionPrevented?: boolean; // 409
  expired?: boolean; // 410
  locked?: boolean; // 423
  /** One line describing the behaviour (printed by the CLI). */
  note?: string;
}

export interface Directory {
  tenantId: string;
  apiKey: string;
  /** HS256 secret, handed to backends as FUSIONAUTH_JWT_HMAC_SECRET (≥ 32 bytes). */
  hmacSecret: string;
  /** `kid` header of HS256 tokens. Default: the RFC 7638 thumbprint of the secret (keys.ts), so another secret gets another kid. */
  kid?: string;
  /** `kid` of the kit's RS256 development key. Default: its RFC 7638 thumbprint (keys.ts). */
  rsaKid?: string;
  applications: { store: DirectoryApplication; forums: DirectoryApplication; [key: string]: DirectoryApplication };
  users: DirectoryUser[];
}

/** The seeded apps' OAuth settings: the callback both reference backends use, on http and https (the kit talks http to what is meant to sit behind TLS). */
function oauthUrls(host: string): Pick<DirectoryApplication, 'redirectUris' | 'logoutUrl'> {
  return { redirectUris: [`http://${host}/oauth-redirect`, `https://${host}/oauth-redirect`], logoutUrl: `http://${host}/` };
}

const both = (): Record<string, DirectoryRegistration> => ({ store: { roles: ['user'] }, forums: { roles: ['user'] } });

export const SEEDED_DIRECTORY: Directory = {
  tenantId: '6b1c1f0e-0000-4000-8000-000000000001',
  apiKey: 'loginflow-double-api-key-0123456789abcdef',
  hmacSecret: 'loginflow-double-hmac-secret-0123456789abcdef-ZYXW',
  applications: {
    store: { id: '3c219e58-ed0e-4b18-ad48-f4f92793ae32', name: 'Store', clientSecret: 'store-client-secret-0123456789abcdef', ...oauthUrls('store.example.test') },
    forums: { id: '8f0e3fd7-42bb-4c63-9c48-6a2c7e3c1d55', name: 'Forums', clientSecret: 'forums-client-secret-0123456789abcdef', ...oauthUrls('forums.example.test') },
  },
  users: [
    { id: '11111111-1111-4111-8111-111111111111', email: 'alice@example.com', password: 'password', firstName: 'Alice', lastName: 'Example', registrations: both(), note: '200, registered to store and forums' },
    { id: '22222222-2222-4222-8222-222222222222', email: 'bob@example.com', password: 'password', firstName: 'Bob', lastName: 'Example', registrations: both(), note: '200, registered to store and forums' },
    { id: '33333333-3333-4333-8333-333333333301', email: 'notregistered@example.com', password: 'password', registrations: {}, note: '202 not registered for the application' },
    { id: '33333333-3333-4333-8333-333333333302', email: 'changepassword@example.com', password: 'password', registrations: both(), passwordChangeRequired: true, note: '203 password change required' },
    { id: '33333333-3333-4333-8333-333333333303', email: 'unverified@example.com', password: 'password', registrations: both(), verified: false, note: '212 email not verified' },
    {
      id: '33333333-3333-4333-8333-333333333304',
      email: 'unverifiedregistration@example.com',
      password: 'password',
      registrations: { store: { roles: ['user'], verified: false }, forums: { roles: ['user'], verified: false } },
      note: '213 registration not verified',
    },
    { id: '33333333-3333-4333-8333-333333333305', email: 'twofactor@example.com', password: 'password', registrations: both(), twoFactor: true, note: '242 two-factor required' },
    { id: '33333333-3333-4333-8333-333333333306', email: 'actionprevented@example.com', password: 'password', registrations: both(), actionPrevented: true, note: '409 login prevented by a user action' },
    { id: '33333333-3333-4333-8333-333333333307', email: 'expired@example.com', password: 'password', registrations: both(), expired: true, note: '410 user expired' },
    { id: '33333333-3333-4333-8333-333333333308', email: 'locked@example.com', password: 'password', registrations: both(), locked: true, note: '423 user locked' },
  ],
};

/** A deep copy of the seeded directory (so tests may mutate theirs). */
export function seededDirectory(): Directory {
  return JSON.parse(JSON.stringify(SEEDED_DIRECTORY)) as Directory;
}

/** The status `POST /api/login` answers for this user and application (correct password, API key ok). */
export function expectedLoginStatus(user: DirectoryUser, appKey: string | undefined, directory: Directory = SEEDED_DIRECTORY): number {
  if (user.locked) return 423;
  if (user.expired) return 410;
  if (user.actionPrevented) return 409;
  if (user.passwordChangeRequired) return 203;
  if (user.twoFactor) return 242;
  if (user.verified === false) return 212;
  if (appKey === undefined) return 200;
  const reg = registrationOf(directory, user, appKey);
  if (!reg) return 202;
  if (reg.verified === false) return 213;
  return 200;
}

/** A user by email (any case) or id. */
export function findUser(directory: Directory, emailOrId: string): DirectoryUser | undefined {
  const k = emailOrId.toLowerCase();
  return directory.users.find((u) => u.email.toLowerCase() === k || u.id === emailOrId);
}

/** [key, application] by key ('store') or id. */
export function findApp(directory: Directory, keyOrId: string): [string, DirectoryApplication] | undefined {
  return Object.entries(directory.applications).find(([k, a]) => k === keyOrId || a.id === keyOrId);
}

/** The user's registration to an application (by key), wherever the directory keys it (by key or id). */
export function registrationOf(directory: Directory, user: DirectoryUser, appKey: string): DirectoryRegistration | undefined {
  const app = directory.applications[appKey];
  return user.registrations[appKey] ?? (app ? user.registrations[app.id] : undefined);
}

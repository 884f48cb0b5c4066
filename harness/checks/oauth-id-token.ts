import { type Exchange, header } from '../trace';
import { type Level, type Outcome, defineCheck, fail, notApplicable, outcome, pass } from './check';
import { clientAuthOf } from './oauth';
import { showsUser } from './pages';

/**
 * What a reviewer checks of an OpenID Connect client's handling of the id_token and the
 * UserInfo answer, item by item: OpenID Connect Core 1.0 §3.1.3.7 (ID Token Validation),
 * §3.1.3.8 (at_hash), §5.3.4 (UserInfo sub), and the OpenID Foundation's own relying-party
 * test modules (oidcc-client-basic-certification-test-plan), whose names each check cites in
 * its `ensures`. docs/oauth-security-review.md maps every item to the check that covers it.
 *
 * The probes are FusionAuth (the double) answering one code exchange with an id_token that
 * is wrong in one way. Most checks are negative proofs ("not logged in on it"): each needs a
 * positive control from the same run (the same user's ordinary login showed the user's page),
 * else it cannot tell a refusal from a page that never shows the user, and says so (N/A).
 * A 5xx answer is a crash, not a refusal: inconclusive, never a pass (issue #24).
 */

// ---- reading an id_token on the wire -------------------------------------------------------

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/** The header and claims of a compact JWS, unverified (what the wire carried), or undefined. */
export function decodeJwt(token: string | undefined): DecodedJwt | undefined {
  const parts = String(token ?? '').split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return header && typeof header === 'object' && claims && typeof claims === 'object' ? { header, claims } : undefined;
  } catch {
    return undefined;
  }
}

/** The id_token a 200 token answer carried, decoded. */
export function idTokenOf(e: Exchange | undefined): DecodedJwt | undefined {
  if (e?.response?.status !== 200) return undefined;
  try {
    return decodeJwt(JSON.parse(e.response.body ?? '').id_token);
  } catch {
    return undefined;
  }
}

// ---- refusals: an id_token wrong in one way logs nobody in -----------------------------------

export interface IdTokenProbeArgs {
  app: string;
  /** Whose login was attempted. */
  user: string;
  /** Text that proves the page is the user's (default: the email). */
  proof: string;
  /** What the double put in the answer, e.g. "an id_token whose iss is https://evil.example.test". */
  probe: string;
  /** The backend's code exchange that received the probe. */
  exchange?: Exchange;
  /**
   * Whether the answer on the wire really carried the probe (the kit decodes the id_token; a
   * bad signature is taken from the double's own record). `false`: the double could not play
   * it, a gap in loginflow.
   */
  delivered?: boolean;
  /** What the browser got at the end of the attempt (the user page, or where the app sent it). */
  after?: Exchange;
  /** Positive control: the same user's ordinary login in this run, its user page. */
  control?: Exchange;
}

/** Why a probe cannot be judged, or undefined when it can. */
function unjudged(a: IdTokenProbeArgs): Outcome | undefined {
  if (!a.exchange) return notApplicable(`not judged: ${a.app} made no code exchange, so it never received ${a.probe} (see code-exchanged-server-side)`);
  if (a.delivered === false) return notApplicable(`not judged: the FusionAuth double could not deliver ${a.probe} (a gap in loginflow, not in your backend)`, [a.exchange]);
  if (!showsUser({ page: 'control', user: a.user, proof: a.proof, response: a.control })) {
    return notApplicable(`not judged: no ordinary login of ${a.user} in this run showed "${a.proof}", so a refusal cannot be told from a page that never shows the user (no positive control)`, evidence(a.exchange, a.control));
  }
  const st = a.after?.response?.status;
  if (st === undefined) return notApplicable(`inconclusive: the browser got no answer after the callback (${a.after?.error ?? 'no request was made'})`, evidence(a.exchange, a.after));
  if (st >= 500) return notApplicable(`inconclusive: ${a.app} answered ${st} (it crashed; a crash is not a refusal) — fix the error to get a verdict`, evidence(a.exchange, a.after));
  return undefined;
}

function refusal(a: IdTokenProbeArgs): Outcome {
  const na = unjudged(a);
  if (na) return na;
  const st = a.after!.response!.status;
  if (showsUser({ page: 'page', user: a.user, proof: a.proof, response: a.after })) return fail(`${a.probe} was accepted: the browser is logged in as ${a.user} (${st} with "${a.proof}")`, evidence(a.exchange, a.after));
  return pass(`refused: the browser got ${st}${where(a.after)}, not ${a.user}'s page (which an ordinary login shows)`, evidence(a.exchange, a.after, a.control));
}

/** A check that an id_token wrong in one way is refused, citing the standard's item and the OIDF module. */
const refusalCheck = (kind: string, name: string, level: Level, cite: string) =>
  defineCheck<IdTokenProbeArgs>({
    kind,
    name,
    level,
    ensures: (a) => `${a.app} does not log ${a.user} in on ${a.probe} (${cite})`,
    evaluate: refusal,
  });

export const idTokenIssChecked = refusalCheck('id-token-iss-checked', 'idTokenIssuerChecked', 'MUST', 'OIDC Core 3.1.3.7 item 2: iss MUST exactly match the issuer; OIDF oidcc-client-test-invalid-iss: reject');
export const idTokenAudChecked = refusalCheck('id-token-aud-checked', 'idTokenAudienceChecked', 'MUST', 'OIDC Core 3.1.3.7 item 3: aud MUST contain the client_id; OIDF oidcc-client-test-invalid-aud: reject');
export const idTokenAudRequired = refusalCheck('id-token-aud-required', 'idTokenAudienceRequired', 'MUST', 'OIDC Core 3.1.3.7 item 3 and §2 (aud REQUIRED); OIDF oidcc-client-test-missing-aud: reject');
// SHOULD: items 4-5 say SHOULD, and item 3 lets a client trust an additional audience.
export const idTokenAzpChecked = refusalCheck('id-token-azp-checked', 'idTokenAuthorizedPartyChecked', 'SHOULD', 'OIDC Core 3.1.3.7 items 3-5: an additional untrusted audience MUST be rejected, azp SHOULD be the client_id');
export const idTokenSubRequired = refusalCheck('id-token-sub-required', 'idTokenSubjectRequired', 'MUST', 'OIDC Core §2: sub REQUIRED; OIDF oidcc-client-test-missing-sub: reject');
export const idTokenIatRequired = refusalCheck('id-token-iat-required', 'idTokenIssuedAtRequired', 'MUST', 'OIDC Core §2: iat REQUIRED, 3.1.3.7 item 10; OIDF oidcc-client-test-missing-iat: reject');
export const idTokenExpChecked = refusalCheck('id-token-exp-checked', 'idTokenExpiryChecked', 'MUST', 'OIDC Core 3.1.3.7 item 9: the current time MUST be before exp');
export const idTokenNonceChecked = refusalCheck('id-token-nonce-checked', 'idTokenNonceChecked', 'MUST', 'OIDC Core 3.1.3.7 item 11: the nonce MUST be the one sent; OIDF oidcc-client-test-nonce-invalid: reject');
export const idTokenNonceRequired = refusalCheck('id-token-nonce-required', 'idTokenNonceRequired', 'MUST', 'OIDC Core 3.1.3.7 item 11: a nonce was sent, so a nonce Claim MUST be present');
// SHOULD: item 6 lets a code-flow client rely on the TLS validation of the token endpoint instead.
export const idTokenSignatureChecked = refusalCheck('id-token-signature-checked', 'idTokenSignatureChecked', 'SHOULD', 'OIDC Core 3.1.3.7 items 6-8, where item 6 allows TLS validation of the token endpoint instead; OIDF oidcc-client-test-invalid-sig-rs256 / -hs256: reject');
export const idTokenAlgNoneRefused = refusalCheck('id-token-alg-none-refused', 'idTokenUnsignedRefused', 'SHOULD', 'OIDC Core 3.1.3.7 items 6-7: alg SHOULD be the registered one (FusionAuth never signs with none); RFC 8725 §3.1; OIDF oidcc-client-test-idtoken-sig-none accepts none only for a client registered for it');

export interface AuthTimeArgs extends IdTokenProbeArgs {
  /** The max_age of the authorization request, when it sent one. */
  maxAge?: number;
}

export const idTokenAuthTimeChecked = defineCheck<AuthTimeArgs>({
  kind: 'id-token-auth-time-checked',
  name: 'idTokenAuthTimeChecked',
  level: 'SHOULD',
  ensures: (a) => `${a.app} asked for re-authentication within max_age=${a.maxAge ?? '(none)'} s and does not log ${a.user} in on ${a.probe} (OIDC Core 3.1.3.7 item 13)`,
  evaluate: (a) => (a.maxAge === undefined ? notApplicable(`${a.app} sent no max_age (and requested no auth_time): item 13 does not apply`) : refusal(a)),
});

/**
 * INFO: what the standards leave to the client ("can be used", "MAY", "either outcome"). The
 * report says which way the client went: WORKED (the odd token logged the user in) or BLOCKED.
 */
const reportCheck = (kind: string, name: string, cite: string) =>
  defineCheck<IdTokenProbeArgs>({
    kind,
    name,
    level: 'INFO',
    ensures: (a) => `report whether ${a.probe} logs ${a.user} in at ${a.app} (${cite})`,
    evaluate: (a) => {
      const na = unjudged(a);
      if (na) return na;
      const shown = showsUser({ page: 'page', user: a.user, proof: a.proof, response: a.after });
      return outcome(shown, `${shown ? 'WORKED' : 'BLOCKED'}: ${a.after!.response!.status}${where(a.after)}, ${shown ? '' : 'not '}${a.user}'s page`, evidence(a.exchange, a.after));
    },
  });

export const idTokenIatFresh = reportCheck('id-token-iat-fresh', 'idTokenIssuedRecently', 'OIDC Core 3.1.3.7 item 10: iat "can be used" to reject old tokens, the range is client specific');
export const atHashChecked = reportCheck('at-hash-checked', 'accessTokenHashChecked', 'OIDC Core 3.1.3.8: in the code flow the client MAY check at_hash');
export const idTokenKidAbsentMultiple = reportCheck('id-token-kid-absent-multiple', 'kidlessTokenWithSeveralKeys', 'OIDF oidcc-client-test-kid-absent-multiple-jwks: reject, or try every key; either outcome passes');

// ---- acceptances: a legitimate id_token a careless client refuses --------------------------------

export interface AcceptanceArgs extends IdTokenProbeArgs {
  /** The signing alg of the run: with HS256 FusionAuth publishes no key in its JWKS, so nothing to find. */
  alg: string;
  /** Backend fetches of /.well-known/jwks.json during the attempt (for the report). */
  jwksFetches: Exchange[];
  /** Set when the client was seen not to verify signatures at all (id-token-signature-checked failed). */
  verifiesSignatures?: boolean;
}

function acceptance(a: AcceptanceArgs): Outcome {
  if (a.alg !== 'RS256') return notApplicable(`${a.alg}: FusionAuth publishes no ${a.alg} key in its JWKS (only asymmetric keys), so there is no key set to look in`);
  if (a.verifiesSignatures === false) return notApplicable(`${a.app} does not verify id_token signatures (see id-token-signature-checked), so which key it would pick is not observable`);
  const na = unjudged(a);
  if (na) return na;
  const fetched = a.jwksFetches.length ? `; ${a.jwksFetches.length} JWKS fetch(es) during the login` : '; no JWKS fetch during the login';
  if (showsUser({ page: 'page', user: a.user, proof: a.proof, response: a.after })) return pass(`accepted: ${a.user}'s page${fetched}`, evidence(a.exchange, a.after, ...a.jwksFetches));
  return fail(`${a.probe} was refused (${a.after!.response!.status}${where(a.after)}) though it is signed with the key FusionAuth publishes${fetched}`, evidence(a.exchange, a.after, ...a.jwksFetches));
}

export const idTokenKidAbsentAccepted = defineCheck<AcceptanceArgs>({
  kind: 'id-token-kid-absent-accepted',
  name: 'kidlessTokenVerifiedWithTheOnlyKey',
  level: 'SHOULD',
  ensures: (a) => `${a.app} verifies ${a.probe} with the only key of FusionAuth's JWKS and logs ${a.user} in (OIDF oidcc-client-test-kid-absent-single-jwks: accept; OIDC Core §10.1: kid is needed only with several keys)`,
  evaluate: acceptance,
});

export const jwksRefetchedOnRotation = defineCheck<AcceptanceArgs>({
  kind: 'jwks-refetched-on-rotation',
  name: 'jwksRefetchedForUnknownKid',
  level: 'SHOULD',
  ensures: (a) => `after FusionAuth rotates its signing key, ${a.app} fetches the JWKS again for the new kid and logs ${a.user} in (OIDC Core §10.1.1; OIDF oidcc-client-test-signing-key-rotation)`,
  evaluate: acceptance,
});

// ---- UserInfo ------------------------------------------------------------------------------------

export interface UserinfoArgs {
  app: string;
  caller: string;
  /** The backend's calls to /oauth2/userinfo during the login. */
  calls: Exchange[];
  user: string;
  proof: string;
  /** The identity the double's UserInfo answer claimed (another sub, another email). */
  other: string;
  otherProof: string;
  after?: Exchange;
}

export const userinfoSubChecked = defineCheck<UserinfoArgs>({
  kind: 'userinfo-sub-checked',
  name: 'userinfoSubjectMatchesIdToken',
  level: 'MUST',
  ensures: (a) => `${a.app} uses a UserInfo answer only if its sub is the id_token's (OIDC Core §5.3.4: it MUST be verified, else the values MUST NOT be used; OIDF oidcc-client-test-userinfo-invalid-sub: reject): a UserInfo answer for ${a.other} does not show ${a.other}'s data to ${a.user}`,
  evaluate: (a) => {
    if (!a.calls.length) return notApplicable(`${a.caller} never called /oauth2/userinfo: there is no UserInfo answer to verify`);
    const st = a.after?.response?.status;
    if (st === undefined || st >= 500) return notApplicable(`inconclusive: the browser got ${st ?? a.after?.error ?? 'no answer'} after the login`, evidence(...a.calls, a.after));
    const body = a.after?.response?.body ?? '';
    if (body.includes(a.otherProof)) return fail(`the page shows "${a.otherProof}", from the UserInfo answer whose sub is not the id_token's`, evidence(...a.calls, a.after));
    return pass(`${st}${where(a.after)}: nothing of ${a.other}'s shown`, evidence(...a.calls, a.after));
  },
});

export const userinfoBearerHeader = defineCheck<UserinfoArgs>({
  kind: 'userinfo-bearer-header',
  name: 'userinfoCalledWithBearerHeader',
  level: 'MUST',
  ensures: (a) => `${a.caller} sends the access token to /oauth2/userinfo in an Authorization: Bearer header, never in the URL (RFC 6750 §2.1; RFC 9700 §4.3.2 MUST NOT in a query; FusionAuth requires the header; OIDF oidcc-client-test-userinfo-bearer-header)`,
  evaluate: (a) => {
    if (!a.calls.length) return notApplicable(`${a.caller} never called /oauth2/userinfo`);
    const bad = a.calls.filter((e) => /[?&]access_token=/.test(e.request.path) || !/^Bearer\s+\S+/i.test(String(header(e.request.headers, 'authorization') ?? '')));
    if (!bad.length) return pass(`${a.calls.length} call(s) with Authorization: Bearer`, a.calls);
    const e = bad[0];
    const how = /[?&]access_token=/.test(e.request.path) ? 'the access token in the query string' : 'no Authorization: Bearer header';
    return fail(`${e.request.method} /oauth2/userinfo with ${how} (FusionAuth answered ${e.response?.status ?? e.error})`, bad);
  },
});

// ---- client authentication at the token endpoint ----------------------------------------------

export interface ClientAuthArgs {
  caller: string;
  /** The backend's token calls (code exchange, refresh). */
  calls: Exchange[];
}

export const clientSecretBasic = defineCheck<ClientAuthArgs>({
  kind: 'client-secret-basic',
  name: 'clientAuthenticatesWithBasic',
  level: 'SHOULD',
  ensures: (a) => `${a.caller} authenticates to FusionAuth's token endpoint with HTTP Basic (client_secret_basic), not the secret in the body (RFC 6749 §2.3.1: the body is NOT RECOMMENDED; OIDF oidcc-client-test-client-secret-basic)`,
  evaluate: (a) => {
    if (!a.calls.length) return notApplicable(`${a.caller} made no token call (see code-exchanged-server-side)`);
    const post = a.calls.filter((e) => clientAuthOf(e).method !== 'client_secret_basic');
    if (!post.length) return pass(`${a.calls.length} token call(s) with Authorization: Basic`, a.calls);
    const how = clientAuthOf(post[0]).method === 'none' ? 'no client authentication at all' : 'client_secret_post (the secret in the form body)';
    return fail(`${post.length} of ${a.calls.length} token call(s) with ${how}`, post);
  },
});

// ---- helpers -------------------------------------------------------------------------------------

function evidence(...es: (Exchange | undefined)[]): Exchange[] {
  return [...new Set(es.filter((e): e is Exchange => !!e))];
}

function where(e: Exchange | undefined): string {
  const loc = header(e?.response?.headers, 'location');
  return loc ? ` to ${loc}` : '';
}

import type { TargetName } from '../../backend/config';
import type { FusionAuthDouble } from '../../fusionauth';
import type { ActorName } from '../apps';
import type { ScenarioTime } from '../time';
import type { Credentials } from './credentials';

/**
 * Letting the tokens a browser holds in cookies expire, for every flow that keeps them there
 * (the webapp's JWT cookies, the OAuth code flow's): on the world clock the world moves past
 * the token's expiry, so the backend's own clock says it has expired (and a cookie whose
 * Max-Age followed it runs out with it); on the real clock the browser's JWT is replaced,
 * inside its wrapper, by one FusionAuth would have issued whose `exp` is past, and the double
 * expires the refresh token on demand.
 */
export interface ExpiryScenario {
  readonly credentials: Credentials;
  readonly time: ScenarioTime;
  /** The user whose expired JWT is minted. */
  readonly user: string;
  readonly env: { readonly double: Pick<FusionAuthDouble, 'mintJwt'> };
}

/** The JWT the actor holds in the app's JWT cookie expires. */
export async function expireJwtCookie(s: ExpiryScenario, actor: ActorName, app: TargetName): Promise<void> {
  const name = s.credentials.tokenNames(app).jwt!;
  const jwt = await s.credentials.token(actor, app, 'jwt');
  if (!jwt) throw new Error(`the ${actor} holds no JWT cookie (${name}) for the ${app} to let expire`);
  if (s.time.world) return s.time.advancePastExp(jwt, `past the exp of the ${app}'s JWT`);
  await s.credentials.putToken(actor, app, name, await s.env.double.mintJwt(s.user, app, { expired: true }));
}

/**
 * The refresh token the actor holds in the app's cookie expires. Past its TTL the JWT
 * (shorter-lived) has expired too: the world clock gets there by moving; on the real clock a
 * JWT the browser still holds as FusionAuth issued it is swapped for an expired one first.
 */
export async function expireRefreshTokenCookie(s: ExpiryScenario, actor: ActorName, app: TargetName): Promise<void> {
  const { refresh } = s.credentials.tokenNames(app);
  const rt = await s.credentials.token(actor, app, 'refreshToken');
  if (!rt) throw new Error(`the ${actor} holds no refresh-token cookie${refresh ? ` (${refresh})` : ''} for the ${app}`);
  if (!s.time.world && (await s.credentials.token(actor, app, 'jwt'))) await expireJwtCookie(s, actor, app);
  await s.time.expireRefreshToken(rt, `past the TTL of the ${app}'s refresh token`);
}

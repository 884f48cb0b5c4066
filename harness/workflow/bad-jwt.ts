import type { TargetName } from '../backend/config';
import type { FusionAuthDouble } from '../fusionauth';
import { otherApp } from './apps';

/**
 * The JWTs a backend must refuse, as the features name them, and how the double mints
 * each one for a user and application: one place for the webapp and the SPA workflows.
 */
export type BadJwt = 'bad-signature' | 'unsigned' | 'wrong-audience' | 'expired';

/** "a JWT with a bad signature" → 'bad-signature', and so on (the feature's wording). */
export function badJwtKind(text: string): BadJwt {
  return /bad signature/.test(text) ? 'bad-signature' : /unsigned/.test(text) ? 'unsigned' : /application/.test(text) ? 'wrong-audience' : 'expired';
}

/** A JWT of that kind for `app`: the wrong audience is the other application's token. */
export function mintBadJwt(double: FusionAuthDouble, user: string, app: TargetName, kind: BadJwt): Promise<string> {
  const other: TargetName = otherApp(app);
  switch (kind) {
    case 'bad-signature':
      return double.mintJwt(user, app, { badSignature: true });
    case 'unsigned':
      return double.mintJwt(user, app, { alg: 'none' });
    case 'wrong-audience':
      return double.mintJwt(user, other);
    case 'expired':
      return double.mintJwt(user, app, { expired: true });
  }
}

/**
 * Opaque cookies: when no cookie value holds a token the kit can recognise (encrypted, or an
 * opaque handle), the cookie that carries the login is found by trying.
 */
export interface RemovalTrial {
  cookie: string;
  /** The login was lost without this cookie. */
  lost: boolean;
}

export interface Carrier {
  /** The cookie whose removal loses the login, or every login cookie when only all of them together carry it. */
  cookies: string[];
  trials: RemovalTrial[];
  /** One sentence for the report: which cookie and why. */
  why: string;
}

/**
 * When no cookie value holds a token the kit can recognise (encrypted, or an opaque handle),
 * find the cookies that carry the login by trying: drop one cookie at a time from a copy of
 * the jar and ask whether the logged-in page is still shown; when no single cookie matters
 * (a JWT cookie and a refresh cookie each recover the other), drop them all. `stillLoggedIn`
 * does one such try; it must not touch the real jar.
 */
export async function carrierByRemoval(names: string[], stillLoggedIn: (without: string[]) => Promise<boolean>): Promise<Carrier> {
  const trials: RemovalTrial[] = [];
  const opaque = 'no cookie value holds a token the kit can read (opaque or encrypted), so the cookie carrying the login was found by trying';
  for (const cookie of names) {
    const lost = !(await stillLoggedIn([cookie]));
    trials.push({ cookie, lost });
    if (lost) {
      const kept = trials.filter((t) => !t.lost).map((t) => t.cookie);
      return { cookies: [cookie], trials, why: `${opaque}: without ${cookie} the logged-in page was lost${kept.length ? `, without ${kept.join(', ')} it was still shown` : ''}` };
    }
  }
  if (names.length > 1 && !(await stillLoggedIn(names)))
    return { cookies: [...names], trials, why: `${opaque}: without any one of ${names.join(', ')} the page was still shown, without all of them it was lost: they carry the login together` };
  return { cookies: [], trials, why: names.length ? `no cookie value holds a token the kit can read, and the login survived removing ${names.join(', ')}: none of them carries it` : 'the login set no cookie' };
}

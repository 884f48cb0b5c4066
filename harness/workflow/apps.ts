import { TARGET_NAMES, type TargetName } from '../backend/config';

/**
 * The two applications every workflow's scenarios use, in one table: which page of each
 * shows the user's own data, what the features call that page, and the other app (the
 * one whose cookies must stay apart). Routes and hosts come from the config
 * (harness/backend/config `resolveRoutes`); this is what the kit knows about their roles.
 */
export type PageName = 'home' | 'login' | 'cart' | 'posts';

/**
 * Who acts in a scenario: the user's browser, the hacker's, and `Browser:<label>`, another
 * user's own browser (its own cookie jar) in the two-user scenarios, journalled as `Browser`
 * so its arrows match the spec's.
 */
export type ActorName = 'Browser' | 'Hacker' | `Browser:${string}`;

export interface AppRole {
  /** The page that shows the logged-in user's data. */
  userPage: 'cart' | 'posts';
  /** How the features name that page ("the shopping cart", "the forum posts"). */
  userPageName: string;
  /** The other application. */
  other: TargetName;
}

export const APPS: Record<TargetName, AppRole> = {
  store: { userPage: 'cart', userPageName: 'shopping cart', other: 'forums' },
  forums: { userPage: 'posts', userPageName: 'forum posts', other: 'store' },
};

/** "the shopping cart" → store's cart; "the forum posts" → forums' posts. */
export const PAGES: Record<string, { app: TargetName; page: PageName }> = Object.fromEntries(TARGET_NAMES.map((app) => [APPS[app].userPageName, { app, page: APPS[app].userPage }]));

/** The user page of an app: the store's cart, the forums' posts. */
export function userPageOf(app: TargetName): 'cart' | 'posts' {
  return APPS[app].userPage;
}

/** The app whose user page this is (cart → store, posts → forums); undefined for a page every app has. */
export function appShowing(page: string): TargetName | undefined {
  return TARGET_NAMES.find((a) => APPS[a].userPage === page);
}

/** The app whose user page this is (cart → store, posts → forums). */
export function appOfPage(page: string): TargetName {
  const app = appShowing(page);
  if (!app) throw new Error(`"${page}" is no app's user page (${TARGET_NAMES.map((a) => APPS[a].userPage).join(', ')})`);
  return app;
}

/** The other application (store ↔ forums). */
export function otherApp(app: TargetName): TargetName {
  return APPS[app].other;
}

/**
 * A scripted browser without JavaScript: the Browser and Hacker actors of the spec.
 * Each actor has its own cookie jar (real host/domain/path semantics, keyed on the
 * logical host names), a per-origin localStorage model, and sends one HTTP hop per
 * call to the loopback origin a logical host is mapped to, journalling every exchange.
 */
export { Actor, closeBrowserAgent } from './actor';
export type { ActorOptions, HttpResult, RequestOptions, FollowOptions, SubmitOptions } from './actor';
export { parseForms, findLinks, guessLoginFields } from './html';
export type { ParsedForm, FormField } from './html';
export { LocalStorage } from './localStorage';
export { TransportError, RedirectLoopError, UnknownHostError } from './errors';
export type { RedirectHop } from './errors';
export { Cookie, CookieJar } from 'tough-cookie';
export { startRecordingProxy, type RecordingProxy, type RecordingProxyOptions } from './proxy';
export { ChromiumActor, chromiumAvailable, chromiumPath, CHROMIUM_SERVICE_DOMAINS, type ChromiumOptions, type BrowserCookie } from './chromium';
export type { LogicalNetwork } from './network';

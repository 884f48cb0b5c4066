import type { Redactor } from '../trace';
import type { Directory } from './directory';
import type { InReq, OutRes } from './http';
import type { SigningKeys } from './keys';
import type { OAuthServer } from './oauth';
import type { DoubleSettings } from './options';
import type { TokenStore } from './tokens';

/**
 * What an endpoint handler (api/) may use of the double: its directory, current settings,
 * keys, token store, authorization server, clock and redactor. Handlers take this rather than
 * the double itself, so they cannot reach its plumbing (nock, relays, journal).
 */
export interface DoubleContext {
  readonly directory: Directory;
  /** The current settings (setOptions changes them between calls). */
  readonly options: DoubleSettings;
  readonly keys: SigningKeys;
  readonly tokens: TokenStore;
  readonly oauth: OAuthServer;
  readonly redactor: Redactor;
  /** The world clock (ms since epoch) tokens are issued and expire on. */
  now(): number;
}

/** One endpoint: the double's state and the request in, FusionAuth's answer out. `params` are the path template's. */
export type Handler = (d: DoubleContext, req: InReq, params: Record<string, string>) => OutRes | Promise<OutRes>;

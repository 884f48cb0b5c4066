import type { Journal } from '../trace';

/**
 * How an actor (scripted, proxy or real browser) reaches the world by logical host name,
 * and how what it does is journalled. One shape for all three, so the workflow layer
 * builds it once (Environment.network) and hands it to whichever actor it starts.
 */
export interface LogicalNetwork {
  /** Logical host -> real loopback origin, e.g. {'store.example.test': 'http://127.0.0.1:40123'}. */
  hosts: Record<string, string>;
  /** Logical host -> journal participant, e.g. {'store.example.test': 'Store'}. Defaults to the host. */
  participants?: Record<string, string>;
  journal?: Journal;
  /** Hosts reached but journalled by another recorder (the FusionAuth double records its own calls). */
  unrecordedHosts?: string[];
}

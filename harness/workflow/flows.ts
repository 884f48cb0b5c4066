import type { FlowKind, WorkflowEntry } from './registry';
import type { Scenario } from './scenario';
import { IdentityFlow } from './identity/flow';
import { SessionsFlow } from './sessions/flow';
import { SpaFlow } from './spa/flow';
import { WebappFlow } from './webapp/flow';
import { OAuthFlow } from './oauth/flow';

/**
 * The flows of one scenario, each built on first use from the factory of its kind: the
 * steps of a workflow reach the flows its registry entry lists, and the identity flow
 * (two users, failed logins, secrets in URLs) every workflow shares. Built lazily, because
 * building one has effects (the SPA flow opens FusionAuth's CORS for the apps).
 */
export class Flows {
  private readonly built = new Map<string, unknown>();

  constructor(
    private readonly s: Scenario,
    /** The workflow's registry entry: the flows it lists, and what they are built with. */
    private readonly entry: Pick<WorkflowEntry, 'id' | 'flows' | 'oauth'>,
  ) {}

  /** One line per flow kind (and its class in FlowOf below): how it is built on the scenario and the flows it stands on. */
  private static readonly FACTORIES: { [K in FlowKind]: (s: Scenario, f: Flows, entry: Pick<WorkflowEntry, 'id' | 'oauth'>) => FlowOf[K] } = {
    webapp: (s) => new WebappFlow(s),
    sessions: (s, f) => new SessionsFlow(s, f.get('webapp')),
    spa: (s) => new SpaFlow(s),
    oauth: (s, _f, w) => {
      if (!w.oauth) throw new Error(`the ${w.id} workflow's registry entry lists the oauth flow without oauth.tokens (where the app keeps the login)`);
      return new OAuthFlow(s, w.oauth.tokens);
    },
  };

  get<K extends FlowKind>(kind: K): FlowOf[K] {
    if (!this.built.has(kind)) {
      // A step of a flow the workflow does not list is a step the feature should not use.
      if (!this.entry.flows.includes(kind)) throw new Error(`a ${kind} step in the ${this.entry.id} workflow, whose registry entry lists the flows ${this.entry.flows.join(', ')}`);
      this.built.set(kind, Flows.FACTORIES[kind](this.s, this, this.entry));
    }
    return this.built.get(kind) as FlowOf[K];
  }

  /** Whether a flow of this kind was built in this scenario. */
  has(kind: FlowKind): boolean {
    return this.built.has(kind);
  }

  private identityFlow: IdentityFlow | undefined;
  /** Two users, failed logins, secrets in URLs: every workflow's. */
  get identity(): IdentityFlow {
    return (this.identityFlow ??= new IdentityFlow(this.s, this.entry.flows.includes('webapp') ? this.get('webapp') : new WebappFlow(this.s)));
  }

  /** Whether the identity flow was built (its end-of-scenario checks then run). */
  get identityBuilt(): IdentityFlow | undefined {
    return this.identityFlow;
  }
}

/** The flow class of each kind; its keys are the registry's FlowKind. */
export interface FlowOf {
  webapp: WebappFlow;
  sessions: SessionsFlow;
  spa: SpaFlow;
  oauth: OAuthFlow;
}

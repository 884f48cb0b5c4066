import { World, defineParameterType, setDefaultTimeout, setWorldConstructor, type IWorldOptions } from '@cucumber/cucumber';
import type { Scenario } from '../harness/workflow/scenario';
import type { SpaFlow } from '../harness/workflow/spa/flow';
import type { IdentityFlow } from '../harness/workflow/identity/flow';
import type { WebappFlow } from '../harness/workflow/webapp/flow';
import type { SessionsFlow } from '../harness/workflow/sessions/flow';
import { Flows } from '../harness/workflow/flows';
import { PAGES } from '../harness/workflow/apps';
import { type FlowKind, findWorkflow } from '../harness/workflow/registry';
import { TARGET_NAMES } from '../harness/backend/config';

/**
 * Cucumber's World for every loginflow workflow: it only holds the harness Scenario that
 * the hooks create and the flows its workflow's registry entry lists; the step definitions
 * are one-liners onto them.
 */
export interface LoginflowParameters {
  /** Path of the loginflow config (JSON) of the backend under test. */
  configFile: string;
  /** The config itself, loaded and validated once by `loginflow run` (JSON, so parallel workers get it too). */
  config?: import('../harness/backend/config').LoadedConfig;
  /** The id of the environment pool `loginflow run` lends the hooks of its own process (harness/workflow/pool). */
  pool?: string;
  /** Run-level variant of the FusionAuth double (signing, refreshFailureStatus, refreshTokenPolicy). */
  variant?: Record<string, string | number>;
  /** `chromium`: single-page apps run in a real headless Chromium (default `http`: the kit plays them). */
  browser?: 'http' | 'chromium';
  /** The expected-failures list: excused MUST failures do not stop their scenario. */
  expected?: import('../harness/gate').ExpectedFailure[];
  /** Which of the run's concurrent shards of this workflow (1-based): each shard has its own environment, so scenarios of two shards share nothing. */
  shard?: number;
}

export class LoginflowWorld extends World<LoginflowParameters> {
  scenario!: Scenario;
  /** A kit gap (a FusionAuth API the double does not play) was reported for this scenario. */
  kitGapReported = false;
  constructor(options: IWorldOptions<LoginflowParameters>) {
    super(options);
  }
  private scenarioFlows: Flows | undefined;
  /** The flows of this scenario's workflow (registry `flows`), each built on first use. */
  get flows(): Flows {
    // A workflow the registry does not know (a plain cucumber-js run of a new feature) gets the native-login flows.
    const entry = findWorkflow(this.scenario.workflow) ?? { id: this.scenario.workflow, flows: ['webapp', 'sessions', 'spa'] as FlowKind[] };
    return (this.scenarioFlows ??= new Flows(this.scenario, entry));
  }
  /** Two users, failed logins, secrets in URLs (created on first use). */
  get identity(): IdentityFlow {
    return this.flows.identity;
  }
  /** The webapp workflows' side of a scenario: the login form, token or session cookies (created on first use). */
  get webapp(): WebappFlow {
    return this.flows.get('webapp');
  }
  /** The server-side session workflow's own proofs (created on first use). */
  get sessions(): SessionsFlow {
    return this.flows.get('sessions');
  }
  /** The end-of-scenario checks over the whole journal (secrets in URLs), when armed. */
  finishIdentity(): void {
    this.scenarioFlows?.identityBuilt?.finish();
  }
  /** Shorthand the step definitions use. */
  get s(): Scenario {
    return this.scenario;
  }
  /** The single-page-app side of a scenario (created on first use). */
  get spa(): SpaFlow {
    return this.flows.get('spa');
  }
  /** Whether this scenario drives a single-page app (some shared steps read the result differently). */
  get usesSpa(): boolean {
    return !!this.scenarioFlows?.has('spa');
  }
  async closeSpa(): Promise<void> {
    if (this.scenarioFlows?.has('spa')) await this.flows.get('spa').close();
  }
}

setWorldConstructor(LoginflowWorld);

// A bound on every step and hook: starting backends or a browser, a session TTL proof.
// Each wait inside has its own, smaller bound; this one only catches what slips through.
setDefaultTimeout(60_000);

defineParameterType({ name: 'actor', regexp: /browser|hacker/, transformer: (s: string) => (s === 'hacker' ? 'Hacker' : 'Browser') });
defineParameterType({ name: 'app', regexp: new RegExp(TARGET_NAMES.join('|')), transformer: (s: string) => s });
/** The diagram-step reference every numbered Gherkin step ends with; the hooks read it. */
defineParameterType({ name: 'steps', regexp: /\(steps? [0-9][0-9, \-–and]*\)/, transformer: (s: string) => s });
defineParameterType({ name: 'email', regexp: /[^\s@]+@[^\s@]+\.[a-z]+/, transformer: (s: string) => s });
/** "shopping cart" → cart, "forum posts" → posts: the apps table's user pages (harness/workflow/apps). */
defineParameterType({ name: 'userpage', regexp: new RegExp(Object.keys(PAGES).join('|')), transformer: (s: string) => PAGES[s].page });

import { World, defineParameterType, setDefaultTimeout, setWorldConstructor, type IWorldOptions } from '@cucumber/cucumber';
import type { Scenario } from '../harness/workflow/scenario';
import { SpaFlow } from '../harness/workflow/spa/spa-flow';
import { IdentityFlow } from '../harness/workflow/identity/identity';
import { WebappFlow } from '../harness/workflow/webapp/webapp-flow';
import { SessionsFlow } from '../harness/workflow/sessions/sessions-flow';
import { APPS } from '../harness/workflow/apps';
import { TARGET_NAMES } from '../harness/backend/config';

/**
 * Cucumber's World for every loginflow workflow: it only holds the harness Scenario that
 * the hooks create; the step definitions are one-liners onto it.
 */
export interface LoginflowParameters {
  /** Path of the loginflow config (JSON) of the backend under test. */
  configFile: string;
  /** Run-level variant of the FusionAuth double (signing, refreshFailureStatus, refreshTokenPolicy). */
  variant?: Record<string, string | number>;
  /** `chromium`: single-page apps run in a real headless Chromium (default `http`: the kit plays them). */
  browser?: 'http' | 'chromium';
  /** The expected-failures list: excused MUST failures do not stop their scenario. */
  expected?: import('../harness/gate').ExpectedFailure[];
}

export class LoginflowWorld extends World<LoginflowParameters> {
  scenario!: Scenario;
  /** A kit gap (a FusionAuth API the double does not play) was reported for this scenario. */
  kitGapReported = false;
  constructor(options: IWorldOptions<LoginflowParameters>) {
    super(options);
  }
  private spaFlow: SpaFlow | undefined;
  private identityFlow: IdentityFlow | undefined;
  private webappFlow: WebappFlow | undefined;
  private sessionsFlow: SessionsFlow | undefined;
  /** Two users, failed logins, secrets in URLs (created on first use). */
  get identity(): IdentityFlow {
    return (this.identityFlow ??= new IdentityFlow(this.scenario, this.webapp));
  }
  /** The webapp workflows' side of a scenario: the login form, token or session cookies (created on first use). */
  get webapp(): WebappFlow {
    return (this.webappFlow ??= new WebappFlow(this.scenario));
  }
  /** The server-side session workflow's own proofs (created on first use). */
  get sessions(): SessionsFlow {
    return (this.sessionsFlow ??= new SessionsFlow(this.scenario, this.webapp));
  }
  /** The end-of-scenario checks over the whole journal (secrets in URLs), when armed. */
  finishIdentity(): void {
    this.identityFlow?.finish();
  }
  /** Shorthand the step definitions use. */
  get s(): Scenario {
    return this.scenario;
  }
  /** The single-page-app side of a scenario (created on first use). */
  get spa(): SpaFlow {
    return (this.spaFlow ??= new SpaFlow(this.scenario));
  }
  /** Whether this scenario drives a single-page app (some shared steps read the result differently). */
  get usesSpa(): boolean {
    return !!this.spaFlow;
  }
  async closeSpa(): Promise<void> {
    await this.spaFlow?.close();
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
const userPages = TARGET_NAMES.map((a) => APPS[a]);
defineParameterType({ name: 'userpage', regexp: new RegExp(userPages.map((p) => p.userPageName).join('|')), transformer: (s: string) => userPages.find((p) => p.userPageName === s)!.userPage });

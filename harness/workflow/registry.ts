/**
 * The workflows the kit knows, and the variants a run can be made in: the one place every
 * command asks "which workflow" (run, init, bench, checks, check-spec, the config loader,
 * the report, the cucumber World). Adding a workflow is a folder (its diagram, feature,
 * steps, flow, checks, reference backend) and one entry here; see docs/adding-a-workflow.md.
 *
 * Data only, importing no other module of the kit but the kit's root: the config loader, the
 * spec and the report read it without pulling in the flows (which import them). The flows
 * themselves are built by harness/workflow/flows.ts from the names an entry lists.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../common/project-root';
import { KitError } from '../errors';

// The one table of variants lives with the config format that declares them (harness/backend
// reads it without climbing up to the workflows); the registry's entries name them.
export { VARIANTS, VARIANT_NAMES, type RunVariant, type VariantName } from '../backend/variants';
import { VARIANT_NAMES, type VariantName } from '../backend/variants';

/**
 * The flows a workflow's steps use, on top of the Scenario core (harness/workflow/flows.ts
 * builds them; the cucumber World hands them to the steps): `webapp` a login form posted to
 * the backend, `sessions` the server-side session proofs, `spa` a single-page app (HTTP or
 * Chromium), `oauth` FusionAuth's hosted login and the code exchange (HTTP or Chromium). The identity flow (two users, failed logins, secrets in URLs) is every workflow's.
 */
export type FlowKind = 'webapp' | 'sessions' | 'spa' | 'oauth';

export interface WorkflowEntry {
  /** The workflow's id: its diagram, feature and reference backend are named after it. */
  id: string;
  /** What it is, in a line (for `init` and the docs). */
  title: string;
  /** The check-id prefix: `WJC-8.cookie-httponly`. */
  prefix: string;
  /** Kit-relative paths. */
  diagram: string;
  feature: string;
  /** The bundled reference backend's config (`run --all`, bench, the checks catalogue), if there is one. */
  reference?: string;
  /** The variants this workflow is run in (names from VARIANTS). */
  variants: readonly VariantName[];
  /** The flows its steps use (harness/workflow/flows.ts). */
  flows: readonly FlowKind[];
  /**
   * Where the app's own code runs: `browser` (an SPA: in HTTP mode the kit plays it, and its
   * app-side checks are not applicable) or `server` (pages rendered by the backend: HTTP mode
   * judges every check, Chromium is a second opinion). `--browser auto` uses Chromium for
   * `browser` workflows only, so the first run stays fast; `--browser chromium` drives all.
   */
  appRunsIn: 'browser' | 'server';
  /**
   * For a workflow whose flows list `oauth`: where the app keeps the login after the code
   * exchange, `session` (a server-side session, only its id in a cookie) or `cookies` (the
   * JWT and refresh token in HttpOnly cookies).
   */
  oauth?: { tokens: 'session' | 'cookies' };
  /** Its check modules under harness/checks (the checks its flows judge with, besides the shared ones). */
  checks: readonly string[];
  /** What `loginflow init` writes into a config for it beyond the targets, and asks. */
  init?: {
    /** The double's settings the workflow needs (an SPA calls FusionAuth from the browser). */
    fusionauth?: Record<string, unknown>;
    /** Why, printed by `init`. */
    why?: string;
    /** The backend keeps a session of its own: ask its lifetime. */
    asksSessionTtl?: boolean;
  };
}

/** Paths of a workflow named the usual way (diagrams/ID.puml, features/ID.feature, backends/ID/loginflow.json). */
function files(id: string): Pick<WorkflowEntry, 'id' | 'diagram' | 'feature' | 'reference'> {
  return { id, diagram: `diagrams/${id}.puml`, feature: `features/${id}.feature`, reference: `backends/${id}/loginflow.json` };
}

const ALL_VARIANTS = VARIANT_NAMES;

export const WORKFLOWS: readonly WorkflowEntry[] = [
  {
    ...files('spa-localstorage-jwt'),
    title: 'SPA posts straight to FusionAuth; JWT in local storage, refresh token in a FusionAuth cookie',
    prefix: 'SLJ',
    variants: ALL_VARIANTS,
    flows: ['spa'],
    appRunsIn: 'browser',
    checks: ['spa', 'fusionauth-calls', 'identity', 'attacks'],
    init: {
      fusionauth: {
        requireApiKey: false,
        // FusionAuth refuses CORS until its origins are allowed (the defaults hosts of the apps).
        cors: { allowedOrigins: ['http://store.example.test', 'http://forums.example.test'], allowCredentials: true, allowedMethods: ['GET', 'POST', 'OPTIONS'], allowedHeaders: ['Accept', 'Content-Type'] },
      },
      why: "the browser calls /api/login itself, with an applicationId and no API key, from the apps' origins, which FusionAuth must allow (CORS, with credentials for its refresh_token cookie)",
    },
  },
  {
    ...files('webapp-jwt-cookies'),
    title: 'login form → backend → FusionAuth /api/login; JWT and refresh token in HttpOnly cookies',
    prefix: 'WJC',
    variants: ALL_VARIANTS,
    flows: ['webapp'],
    appRunsIn: 'server',
    checks: ['cookies', 'cookie-tokens', 'pages', 'fusionauth-calls', 'exchanges', 'identity', 'attacks'],
  },
  {
    ...files('webapp-sessions'),
    title: 'same login, server-side session with sliding expiry, only a session-id cookie',
    prefix: 'WS',
    variants: ALL_VARIANTS,
    flows: ['webapp', 'sessions'],
    appRunsIn: 'server',
    checks: ['sessions', 'cookies', 'pages', 'fusionauth-calls', 'exchanges', 'identity', 'attacks'],
    init: { asksSessionTtl: true },
  },
  {
    ...files('webapp-oauth-code-sessions'),
    title: "FusionAuth's hosted login page, authorization code exchanged on the backend, a server-side session; SSO to the forums",
    prefix: 'WOS',
    variants: ['signing'],
    flows: ['oauth'],
    oauth: { tokens: 'session' },
    appRunsIn: 'server',
    checks: ['oauth', 'sessions', 'cookies', 'pages', 'fusionauth-calls', 'exchanges', 'identity', 'attacks'],
    init: { asksSessionTtl: true },
  },
  {
    ...files('webapp-oauth-code-jwt-cookies'),
    title: "FusionAuth's hosted login page, authorization code exchanged on the backend, JWT and refresh token in HttpOnly cookies; SSO to the forums",
    prefix: 'WOJ',
    variants: ALL_VARIANTS,
    flows: ['oauth'],
    oauth: { tokens: 'cookies' },
    appRunsIn: 'server',
    checks: ['oauth', 'cookies', 'cookie-tokens', 'pages', 'fusionauth-calls', 'exchanges', 'identity', 'attacks'],
  },
];

/** Every workflow id, sorted. */
export function workflowIds(): string[] {
  return WORKFLOWS.map((w) => w.id).sort();
}

/** The entry of a workflow, or undefined for one the kit does not know. */
export function findWorkflow(id: string): WorkflowEntry | undefined {
  return WORKFLOWS.find((w) => w.id === id);
}

/** The entry of a workflow the kit must know. */
export function workflow(id: string): WorkflowEntry {
  const w = findWorkflow(id);
  if (!w) throw new KitError(`unknown workflow "${id}" (known: ${workflowIds().join(', ')})`, 'INPUT_INVALID');
  return w;
}

/** A kit-relative path of an entry (diagram, feature, reference) as an absolute one. */
export function kitPath(relative: string): string {
  return path.join(projectRoot(), relative);
}

/** The bundled reference config of a workflow (where it would be, for one the kit does not know). */
export function referenceConfig(id: string): string {
  const ref = findWorkflow(id)?.reference ?? `backends/${id}/loginflow.json`;
  return kitPath(ref);
}

/** The workflows with a bundled reference backend (`run --all`, bench, the checks catalogue), sorted. */
export function workflowsWithReference(): string[] {
  return workflowIds().filter((w) => fs.existsSync(referenceConfig(w)));
}

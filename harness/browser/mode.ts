import { chromiumAvailable, chromiumPath } from './chromium';
import { LoginflowError } from '../errors';

/**
 * Which way the SPA is driven in a run, decided once before anything starts, with the
 * reason in words for the console and the report header.
 *
 * - `http`: the kit plays the app's JavaScript itself (the default).
 * - `chromium`: a real headless Chromium runs the app; asking for it without Chromium is a
 *   setup problem, not a non-conforming backend, so it is an error (exit 2) that says how
 *   to install it, raised before any backend starts.
 * - `auto`: Chromium when it is there, else HTTP mode, and says which and why; `loginflow run`
 *   uses it only for the workflows whose app runs in the browser (registry `appRunsIn`).
 */
export type BrowserRequest = 'http' | 'chromium' | 'auto';

export interface BrowserChoice {
  mode: 'http' | 'chromium';
  requested: BrowserRequest;
  reason: string;
}

export const CHROMIUM_INSTALL = 'apt-get install chromium';

export class BrowserSetupError extends LoginflowError {
  constructor(message: string) {
    super('BROWSER_MISSING', message);
  }
}

export function chooseBrowser(requested: BrowserRequest = 'http', env: NodeJS.ProcessEnv = process.env): BrowserChoice {
  const exe = chromiumPath(env.LOGINFLOW_CHROMIUM);
  const where = `${exe}${env.LOGINFLOW_CHROMIUM ? ' (LOGINFLOW_CHROMIUM)' : ''}`;
  const found = chromiumAvailable(exe);
  if (requested === 'http') return { mode: 'http', requested, reason: 'HTTP mode (--browser http, the default): the kit plays the SPA' };
  if (requested === 'chromium') {
    if (!found) throw new BrowserSetupError(`--browser chromium needs a Chromium, and there is none at ${where}: install it (${CHROMIUM_INSTALL}) or point LOGINFLOW_CHROMIUM at one; --browser http or auto run without it`);
    return { mode: 'chromium', requested, reason: `headless Chromium at ${where} (--browser chromium)` };
  }
  return found
    ? { mode: 'chromium', requested, reason: `--browser auto: found Chromium at ${where}, so the SPA runs in it (server-rendered workflows, fully judged over HTTP, stay in HTTP mode; --browser chromium drives them in Chromium too)` }
    : { mode: 'http', requested, reason: `--browser auto: no Chromium at ${where}, so the kit plays the SPA in HTTP mode (for the real browser: ${CHROMIUM_INSTALL}, or set LOGINFLOW_CHROMIUM)` };
}

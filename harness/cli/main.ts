/**
 * `loginflow <command>`: each command lives next to the module it drives and is loaded
 * only when asked for, so `loginflow fusionauth` does not pay for cucumber, and so on.
 * Exit codes, for every command: 0 ok, 1 a MUST failed (or a check failed), 2 kit or
 * config error. This is the one place an error becomes an exit code: a LoginflowError a
 * command lets escape (a bad flag included: harness/cli/command-line.ts) is printed with its
 * code in one line, and its code decides the exit (harness/errors.ts). Every command takes
 * --help and --version, answered from its option table.
 */
import { describeError, exitCodeFor, LoginflowError } from '../errors';
import { versionText } from './command-line';

type Command = { summary: string; load: () => { main(argv: string[]): Promise<number> } };

export const commands: Record<string, Command> = {
  run: { summary: 'run a workflow against a backend (default: the bundled reference)', load: () => require('./run') },
  init: { summary: 'write a config for your own backend (asks for what the flags do not say)', load: () => require('./init') },
  checks: { summary: 'list every check id with its level, steps and what it ensures (--workflow W, --json; --update re-records them)', load: () => require('./checks') },
  'check-spec': { summary: 'check that every numbered diagram arrow is covered by a feature step', load: () => require('../spec/cli') },
  bench: { summary: 'run the full suite against the references and show where the time goes (--repeat N: same verdicts every time)', load: () => require('./bench') },
  fusionauth: { summary: 'run the FusionAuth double standalone (default port 9011)', load: () => require('../fusionauth/cli') },
};

export async function main(argv: string[]): Promise<number> {
  const [first, ...args] = argv;
  if (first === '--version') {
    console.log(versionText());
    return 0;
  }
  // `loginflow help run` is `loginflow run --help`.
  const [name, rest] = first === 'help' && args.length ? [args[0], ['--help']] : [first, args];
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`loginflow: error [INPUT_INVALID] unknown command "${name}"\n\n${usage()}`);
    return exitCodeFor('INPUT_INVALID');
  }
  try {
    return await cmd.load().main(rest);
  } catch (err) {
    if (!(err instanceof LoginflowError)) throw err; // a defect: bin/loginflow.js prints its stack, exit 2
    console.error(`loginflow ${name}: ${describeError(err)}`);
    return exitCodeFor(err.code);
  }
}

function usage(): string {
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(12)} ${c.summary}`);
  return `usage: loginflow <command> [options]\n       loginflow <command> --help\n       loginflow --version\n\ncommands:\n${lines.join('\n')}\n\nexit codes: 0 conforms, 1 a MUST check failed, 2 kit or config error`;
}

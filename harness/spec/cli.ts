import { checkAll } from './traceability';
import { workflowIds } from '../workflow/registry';
import { LoginflowError } from '../errors';
import { command, parseCommand } from '../cli/command-line';

/** `loginflow check-spec [--workflow W]...`: exit 0 when every diagram is fully covered. */
export const CHECK_SPEC = command({
  name: 'check-spec',
  about: 'Checks that every numbered arrow of each workflow\'s sequence diagram is covered by a feature\nstep naming it. Exit 0 every diagram is covered, 1 an arrow is not, 2 an unknown workflow.',
  options: {
    workflow: { type: 'string', multiple: true, value: 'W', help: `only this workflow's diagram (default: all of ${workflowIds().join(', ')})` },
  },
});

export async function main(argv: string[]): Promise<number> {
  const values = parseCommand(CHECK_SPEC, argv);
  if (!values) return 0;
  // The registry's workflows (test/structure/registry.test.ts holds it equal to diagrams/).
  const workflows = values.workflow ?? workflowIds();
  const known = workflowIds();
  const unknown = workflows.filter((w) => !known.includes(w));
  if (unknown.length) throw new LoginflowError('INPUT_INVALID', `no diagram for ${unknown.join(', ')} (known: ${known.join(', ')})`);
  let bad = 0;
  for (const r of checkAll(undefined, workflows)) {
    if (r.problems.length) {
      bad += r.problems.length;
      console.log(`✗ ${r.workflow}: ${r.covered.length}/${r.arrows} arrows covered`);
      for (const p of r.problems) console.log(`    ${p.kind}: ${p.message}`);
    } else {
      console.log(`✓ ${r.workflow}: all ${r.arrows} numbered arrows covered by feature steps`);
    }
  }
  return bad ? 1 : 0;
}

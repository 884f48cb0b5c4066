import { parseArgs } from 'node:util';
import { checkAll } from './traceability';
import { workflowIds } from '../workflow/registry';
import { exitCodeFor } from '../errors';

/** `loginflow check-spec [--workflow W]`: exit 0 when every diagram is fully covered. */
export async function main(argv: string[]): Promise<number> {
  // node:util parseArgs: core, strict about unknown flags, enough for a two-flag command.
  const { values } = parseArgs({ args: argv, options: { workflow: { type: 'string', multiple: true } }, strict: true });
  // The registry's workflows (test/structure/registry.test.ts holds it equal to diagrams/).
  const workflows = values.workflow ?? workflowIds();
  const known = workflowIds();
  const unknown = workflows.filter((w) => !known.includes(w));
  if (unknown.length) {
    console.error(`check-spec: error [INPUT_INVALID] no diagram for ${unknown.join(', ')} (known: ${known.join(', ')})`);
    return exitCodeFor('INPUT_INVALID');
  }
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

/** Where the report puts things; shared by the writers and the HTML. */
export const STITCHED = '_stitched.puml';

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'scenario';
}

/** File names (in `<reports>/<workflow>/`) of each scenario's observed diagram, in order. */
export function scenarioFiles(r: { scenarios: readonly { name: string }[] }): string[] {
  const names = new Map<string, number>();
  return r.scenarios.map((s) => {
    let base = slug(s.name);
    const n = (names.get(base) ?? 0) + 1;
    names.set(base, n);
    if (n > 1) base = `${base}-${n}`;
    return `${base}.puml`;
  });
}

/** The HTML page of one workflow, next to index.html (so its links into `<workflow>/` and `spec/` are the index's). */
export function workflowPage(workflow: string): string {
  return `${workflow}.html`;
}

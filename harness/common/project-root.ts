import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The kit's own root (diagrams/, features/, backends/): the nearest directory above the code
 * that holds diagrams/ and features/. The code is the sources (harness/), an installed
 * package's dist/harness/, or the repository's compiled copy in
 * node_modules/.cache/loginflow/dist (scripts/build-dev.js), three levels further down.
 *
 * Its own module (it lived in harness/spec/diagram.ts): the registry, the CLI and the report
 * ask for the root without needing the diagram parser. Found once per process.
 */
export function projectRoot(): string {
  if (root === undefined) {
    const up = path.resolve(__dirname, '..', '..');
    root = up;
    for (let d = up; ; d = path.dirname(d)) {
      if (fs.existsSync(path.join(d, 'diagrams')) && fs.existsSync(path.join(d, 'features'))) {
        root = d;
        break;
      }
      if (path.dirname(d) === d) break;
    }
  }
  return root;
}
let root: string | undefined;

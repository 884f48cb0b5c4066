import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

/**
 * The import graph of a source tree, resolved by TypeScript's own module resolution (the
 * compiler options of tsconfig.json), so an import means here what it means to tsc: index
 * files, extensions and `paths` included. Hand-written over the compiler API rather than a
 * library (madge, dpdm): TypeScript is already a dependency and its resolver is the one the
 * build uses, so the graph cannot disagree with the compiler; a cycle search over it is a
 * few lines (Tarjan's strongly connected components).
 *
 * With `values` only, `import type` and `export type` (and an import whose every name is a
 * type) are left out: they are erased at compile time and order no module loading. By
 * default they count: a type a layer takes from the one above it is a dependency too.
 */
export function importGraph(root: string, dir: string, o: { values?: boolean } = {}): Map<string, string[]> {
  const configFile = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json')!;
  const { options } = ts.parseJsonConfigFileContent(ts.readConfigFile(configFile, ts.sys.readFile).config, ts.sys, root);
  const files = walk(path.join(root, dir));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const deps = new Set<string>();
    const add = (spec: string) => {
      const r = ts.resolveModuleName(spec, file, options, ts.sys).resolvedModule;
      if (r && !r.isExternalLibraryImport && files.includes(path.resolve(r.resolvedFileName))) deps.add(path.resolve(r.resolvedFileName));
    };
    const visit = (n: ts.Node): void => {
      if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier) && !(o.values && typeOnly(n))) add(n.moduleSpecifier.text);
      else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier) && !(o.values && n.isTypeOnly)) add(n.moduleSpecifier.text);
      else if (ts.isCallExpression(n) && n.arguments.length === 1 && ts.isStringLiteral(n.arguments[0]) && (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require'))) add(n.arguments[0].text);
      ts.forEachChild(n, visit);
    };
    visit(src);
    graph.set(file, [...deps].sort());
  }
  return graph;
}

function typeOnly(n: ts.ImportDeclaration): boolean {
  const c = n.importClause;
  if (!c) return false; // a side-effect import
  if (c.isTypeOnly) return true;
  if (c.name) return false;
  const b = c.namedBindings;
  return !!b && ts.isNamedImports(b) && b.elements.length > 0 && b.elements.every((e) => e.isTypeOnly);
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? walk(p) : /\.ts$/.test(d.name) && !d.name.endsWith('.d.ts') ? [path.resolve(p)] : [];
  });
}

/** The cycles of a graph: its strongly connected components of more than one module (or a module importing itself). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}

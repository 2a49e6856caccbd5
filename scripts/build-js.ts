// build-js: writes build/js/src/**.js, the sources with their types stripped (node:module's
// stripTypeScriptTypes, the same transform Node applies when it runs .ts) and relative `.ts`
// import specifiers rewritten to `.js`. bin/spindle-server runs this tree when it is newer than
// every source file, which keeps Node's TypeScript stripper (a WebAssembly module whose memory
// stays resident) out of the server process: measured ~30 MB less RSS for an empty server
// (docs/design-memory.md). Run: node scripts/build-js.ts (npm run build:js).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const outRoot = path.join(root, 'build', 'js');
const out = path.join(outRoot, 'src');

/** `from './x.ts'`, `import('./x.ts')`, `new URL('./x.ts', import.meta.url)` -> `.js`. */
function rewriteSpecifiers(code: string): string {
  return code.replace(/((?:from|import|URL)\s*\(?\s*)(['"])(\.{1,2}\/[^'"\n]+)\.ts\2/g, '$1$2$3.js$2');
}

function walk(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    const rel = path.relative(src, p);
    if (e.isDirectory()) {
      n += walk(p);
    } else if (p.endsWith('.ts')) {
      const js = rewriteSpecifiers(stripTypeScriptTypes(readFileSync(p, 'utf8'), { mode: 'strip' }));
      const o = path.join(out, rel.replace(/\.ts$/, '.js'));
      mkdirSync(path.dirname(o), { recursive: true });
      writeFileSync(o, js);
      n++;
    } else {
      const o = path.join(out, rel);
      mkdirSync(path.dirname(o), { recursive: true });
      copyFileSync(p, o);
    }
  }
  return n;
}

rmSync(outRoot, { recursive: true, force: true });
const n = walk(src);
writeFileSync(path.join(outRoot, 'package.json'), '{ "type": "module" }\n');
// The native addon is looked up relative to the sources (../../build/Release from src/scripting).
mkdirSync(path.join(outRoot, 'build'), { recursive: true });
symlinkSync(path.join(root, 'build', 'Release'), path.join(outRoot, 'build', 'Release'));
symlinkSync(path.join(root, 'node_modules'), path.join(outRoot, 'node_modules'));
writeFileSync(path.join(outRoot, '.stamp'), `${new Date().toISOString()}\n`);
process.stdout.write(`build-js: ${n} files -> ${path.relative(root, out)}\n`);

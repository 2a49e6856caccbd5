// The rules of docs/design-write-path.md, checked on the source text:
// - src/commands/ reaches the keyspace only through Db (store/db.ts): it never names Keyspace and
//   never uses a Db's `.ks`;
// - src/commands/ imports only protocol/, store/, util/ and its own directory;
// - no import cycle between src/commands, src/server and src/io-threads (server/ does not import
//   io-threads/, commands/ imports neither).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/servers.ts';

const SRC = path.join(REPO_ROOT, 'src');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The files a module imports (static `import ... from '...'` and `export ... from '...'`), resolved. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/gms)) out.push(path.resolve(path.dirname(file), m[1]));
  return out;
}

const rel = (p: string): string => path.relative(SRC, p);
const commandFiles = tsFiles(path.join(SRC, 'commands'));

describe('the one write path', () => {
  it('finds the command files', () => {
    expect(commandFiles.length).toBeGreaterThan(8);
  });

  it('command files never touch a Keyspace', () => {
    const bad: string[] = [];
    for (const f of commandFiles) {
      const lines = readFileSync(f, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (/^\s*\*/.test(code)) return; // block comment lines
        if (/\bKeyspace\b/.test(code) || /\.ks\b/.test(code)) bad.push(`${rel(f)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(bad, bad.join('\n')).toEqual([]);
  });

  it('command files import only protocol/, store/, util/ and commands/', () => {
    const allowed = ['protocol', 'store', 'util', 'commands'].map((d) => path.join(SRC, d) + path.sep);
    const bad: string[] = [];
    for (const f of commandFiles) {
      for (const imp of importsOf(f)) {
        if (!allowed.some((a) => imp.startsWith(a))) bad.push(`${rel(f)} imports ${rel(imp)}`);
      }
    }
    expect(bad, bad.join('\n')).toEqual([]);
  });

  it('server/ does not import io-threads/', () => {
    const bad: string[] = [];
    for (const f of tsFiles(path.join(SRC, 'server'))) {
      for (const imp of importsOf(f)) if (imp.startsWith(path.join(SRC, 'io-threads') + path.sep)) bad.push(`${rel(f)} imports ${rel(imp)}`);
    }
    expect(bad, bad.join('\n')).toEqual([]);
  });

  it('no import cycle between commands/, server/ and io-threads/ (layers import only downwards)', () => {
    // server/commands/ belongs to server/. Cycles inside one layer (Client and Server know each
    // other) are not layering faults; an edge between two layers must point one way only.
    const layerOf = (f: string): string | null => {
      const r = rel(f).split(path.sep)[0];
      return r === 'commands' || r === 'server' || r === 'io-threads' ? r : null;
    };
    const edges = new Set<string>();
    for (const d of ['commands', 'server', 'io-threads']) {
      for (const f of tsFiles(path.join(SRC, d))) {
        for (const imp of importsOf(f)) {
          const to = layerOf(imp);
          if (to !== null && to !== d) edges.add(`${d} -> ${to}`);
        }
      }
    }
    // The only directions allowed: io-threads -> server -> commands (and io-threads -> commands).
    const allowed = new Set(['io-threads -> commands', 'io-threads -> server', 'server -> commands']);
    const wrong = [...edges].filter((e) => !allowed.has(e));
    expect(wrong, wrong.join('\n')).toEqual([]);
  });
});

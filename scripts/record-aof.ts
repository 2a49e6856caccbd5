/*
 * Records what redis-server 7.0.15 propagates to its AOF for each case of
 * test/golden/aof-cases/*.txt into test/golden/aof-recorded/<family>.json (see test/helpers/aof.ts).
 *
 *   PATH=$PWD/node_modules/.bin:$PATH node scripts/record-aof.ts [family ...]
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runCase } from '../test/helpers/golden.ts';
import { hasRedis, startRedis } from '../test/helpers/servers.ts';
import { AOF_RECORDED_DIR, aofFamilies, loadAofCases, parseAof, type AofRecorded } from '../test/helpers/aof.ts';

if (!hasRedis()) {
  console.error('redis-server is not on PATH; cannot record.');
  process.exit(2);
}
const version = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
const only = process.argv.slice(2);
const dir = mkdtempSync(path.join(tmpdir(), 'spindle-aof-rec-'));
const server = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir, '--enable-debug-command', 'yes']);
const aofDir = path.join(dir, 'appendonlydir');

function incrFile(): string {
  const f = readdirSync(aofDir).find((n) => n.endsWith('.incr.aof'));
  if (f === undefined) throw new Error('no incr AOF file');
  return path.join(aofDir, f);
}

try {
  mkdirSync(AOF_RECORDED_DIR, { recursive: true });
  for (const family of aofFamilies()) {
    if (only.length > 0 && !only.includes(family)) continue;
    const out: AofRecorded = { family, server: `redis-server ${version}`, cases: [] };
    for (const c of loadAofCases(family)) {
      const before = statSync(incrFile()).size;
      const run = await runCase(server.port, c);
      if (run.error !== undefined) throw new Error(`${family}/${c.name}: step ${run.error.step}: ${run.error.message}`);
      await new Promise((r) => setTimeout(r, 50));
      const bytes = readFileSync(incrFile()).subarray(before);
      out.cases.push({ name: c.name, aof: parseAof(Buffer.from(bytes)) });
    }
    writeFileSync(path.join(AOF_RECORDED_DIR, `${family}.json`), `${JSON.stringify(out, null, 1)}\n`);
    console.log(`${family}: ${out.cases.length} cases`);
  }
} finally {
  await server.stop();
}

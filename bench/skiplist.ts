// Sorted-set skiplist (src/store/skiplist.ts) micro-benchmark, with Redis 7.0 alongside.
//
//   node bench/skiplist.ts                          # 10K, 100K, 1M members (~1 min with Redis)
//   node bench/skiplist.ts --sizes 10k,100k,1m,10m  # adds the 10M set (~3-4 min, ~3 GB RAM)
//   node bench/skiplist.ts --no-redis --queries 500000
//
// For each size N, a fresh child process (so memory deltas are its own) inserts N members
// "member:0".."member:<N-1>" with random scores (ZADD-like: dict lookup miss, then insert), then
// runs Q random ZRANK-like (dict lookup + rank by spans), ZSCORE-like, ZRANGEBYSCORE-like (random
// min, LIMIT 0 10), ZADD-update-like (new random score) and ZREM-like queries, and reports ns/op,
// bytes per member (the skiplist's own accounting, RSS delta, and process.memoryUsage()
// arrayBuffers delta) and the longest GC pause that perf_hooks reported during the whole run.
//
// With Redis (default when redis-server is on PATH; ports 7770-7779): a fresh redis-server per size
// loads the same members by pipelined ZADD (100 pairs per command) and reports the used_memory and
// RSS deltas per member; then the same operations run inside the server in Lua loops (EVAL), timed
// per call. Those Lua figures include the cost of redis.call and of building the member string in
// Lua, shown by a baseline loop of EXISTS on a missing key ("lua overhead"), so compare shapes and
// orders of magnitude, not single nanoseconds.

import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { Arena } from '../src/store/arena.ts';
import { Skiplist } from '../src/store/skiplist.ts';
import type { ScoreRange } from '../src/store/skiplist.ts';
import {
  HOST,
  appendOut,
  command,
  environmentSummary,
  infoNumber,
  markdownTable,
  parseCount,
  parseOptions,
  readInfo,
  readRss,
  reproduceCommand,
  runMain,
  startServer,
  stopServer,
} from './lib.ts';

const USAGE = `Usage: node bench/skiplist.ts [options]

Times skiplist operations and measures bytes per member for sorted sets of each size,
each in a fresh child process, and (unless --no-redis) the same on redis-server 7.0.`;

const OPTIONS = [
  { names: ['--sizes'], kind: 'string' as const, default: '10k,100k,1m', help: 'comma-separated member counts (k/m suffixes ok); add 10m for the big run' },
  { names: ['--queries'], kind: 'string' as const, default: '200k', help: 'operations per query kind' },
  { names: ['--no-redis'], kind: 'boolean' as const, default: false, help: 'skip redis-server' },
  { names: ['--redis-cmd'], kind: 'string' as const, default: 'redis-server', help: 'redis-server command' },
  { names: ['--ports'], kind: 'string' as const, default: '7770-7779', help: 'port range for redis-server' },
  { names: ['--out'], kind: 'string' as const, help: 'append the markdown report to this file' },
  { names: ['--child'], kind: 'string' as const, help: '(internal) run one size in this process' },
];

interface ChildResult {
  n: number;
  q: number;
  insertNs: number;
  rankNs: number;
  scoreNs: number;
  rangeNs: number;
  updateNs: number;
  deleteNs: number;
  accountedB: number;
  rssB: number;
  abB: number;
  level: number;
  gcCount: number;
  gcMaxMs: number;
  gcMaxKind: string;
  gcTotalMs: number;
  /** performance.now() when the measured phase began (to pick --trace-gc lines). */
  startMs: number;
  /** Longest main-thread GC pause in --trace-gc lines of the measured phase. */
  tracePauseMs?: number;
  tracePauseWhat?: string;
}

interface RedisResult {
  usedB: number;
  rssB: number;
  loadS: number;
  overheadNs: number;
  insertNs: number;
  rankNs: number;
  scoreNs: number;
  rangeNs: number;
  updateNs: number;
  deleteNs: number;
}

// ---------------------------------------------------------------------------
// Child: one size, in process
// ---------------------------------------------------------------------------

const PREFIX = Buffer.from('member:', 'latin1');

/** Writes "member:<i>" into buf; returns its length (no allocation). */
function writeMember(buf: Uint8Array, i: number): number {
  buf.set(PREFIX, 0);
  let p = PREFIX.length;
  if (i === 0) {
    buf[p] = 0x30;
    return p + 1;
  }
  let digits = 0;
  for (let v = i; v > 0; v = Math.floor(v / 10)) digits++;
  p += digits;
  for (let v = i, q = p - 1; v > 0; v = Math.floor(v / 10)) buf[q--] = 0x30 + (v % 10);
  return p;
}

/** xorshift32 in [0, 1); the state stays an int32 (a Smi), so calls allocate nothing. */
function xorshift(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

interface Timings {
  insertNs: number;
  rankNs: number;
  scoreNs: number;
  rangeNs: number;
  updateNs: number;
  deleteNs: number;
  accountedB: number;
  level: number;
  memAfterInsert: NodeJS.MemoryUsage;
}

/** Builds an n-member skiplist and times the operations on it. */
function measure(n: number, q: number): Timings {
  const arena = new Arena(1 << 20);
  const sl = new Skiplist(arena);
  const buf = new Uint8Array(64);
  const rnd = xorshift(0x9e3779b9 ^ n);
  const score = (): number => Math.floor(rnd() * 1e9) / 100;

  let t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const len = writeMember(buf, i);
    if (sl.find(buf, 0, len) === 0) sl.insert(buf, 0, len, score());
  }
  const insertNs = Number(process.hrtime.bigint() - t) / n;
  const memAfterInsert = process.memoryUsage();
  const accountedB = sl.memoryBytes() / n;

  // Results are folded into int32 sinks (Smis: no boxed numbers), so the loops allocate nothing
  // themselves and the GC figures are the skiplist's.
  let sink = 0;
  const pick = (): number => writeMember(buf, Math.floor(rnd() * n));
  t = process.hrtime.bigint();
  for (let k = 0; k < q; k++) sink = (sink + sl.rank(buf, 0, pick())) | 0;
  const rankNs = Number(process.hrtime.bigint() - t) / q;

  t = process.hrtime.bigint();
  for (let k = 0; k < q; k++) sink = (sink + (sl.scoreOf(buf, 0, pick()) > 5e6 ? 1 : 0)) | 0;
  const scoreNs = Number(process.hrtime.bigint() - t) / q;

  const range: ScoreRange = { min: 0, max: Infinity, minex: false, maxex: false };
  let visited = 0;
  const visit = (_off: number, len: number, _s: number): void => {
    visited = (visited + len) | 0;
  };
  t = process.hrtime.bigint();
  for (let k = 0; k < q; k++) {
    range.min = score();
    sl.rangeByScore(range, false, 0, 10, visit);
  }
  const rangeNs = Number(process.hrtime.bigint() - t) / q;

  t = process.hrtime.bigint();
  for (let k = 0; k < q; k++) sink = (sink + sl.updateScore(buf, 0, pick(), score())) | 0;
  const updateNs = Number(process.hrtime.bigint() - t) / q;

  t = process.hrtime.bigint();
  for (let k = 0; k < q; k++) sink = (sink + (sl.delete(buf, 0, pick()) ? 1 : 0)) | 0;
  const deleteNs = Number(process.hrtime.bigint() - t) / q;
  if (sink === 12345 && visited === 0) process.stderr.write('');
  const level = sl.level;
  sl.clear();
  return { insertNs, rankNs, scoreNs, rangeNs, updateNs, deleteNs, accountedB, level, memAfterInsert };
}

async function runChild(n: number, q: number): Promise<void> {
  const gcKinds: Record<number, string> = {
    [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  let gcCount = 0;
  let gcMaxMs = 0;
  let gcMaxKind = '-';
  let gcTotalMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const d = (e as PerformanceEntry & { detail?: { kind?: number; flags?: number } }).detail;
      if (d?.flags !== undefined && (d.flags & perfConstants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0) continue;
      gcCount++;
      gcTotalMs += e.duration;
      if (e.duration > gcMaxMs) {
        gcMaxMs = e.duration;
        gcMaxKind = gcKinds[d?.kind ?? -1] ?? String(d?.kind);
      }
    }
  });
  // Warm-up on a separate 30K set, so that small sizes are not timed in V8's interpreter.
  measure(30_000, 30_000);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const m0 = process.memoryUsage();
  obs.observe({ entryTypes: ['gc'] });
  const startMs = performance.now();

  const m = measure(n, q);
  await new Promise((r) => setTimeout(r, 50)); // let the observer deliver its entries
  obs.disconnect();
  const m1 = m.memAfterInsert;
  const res: ChildResult = {
    n,
    q,
    insertNs: m.insertNs,
    rankNs: m.rankNs,
    scoreNs: m.scoreNs,
    rangeNs: m.rangeNs,
    updateNs: m.updateNs,
    deleteNs: m.deleteNs,
    accountedB: m.accountedB,
    rssB: (m1.rss - m0.rss) / n,
    abB: (m1.arrayBuffers - m0.arrayBuffers) / n,
    level: m.level,
    gcCount,
    gcMaxMs,
    gcMaxKind,
    gcTotalMs,
    startMs,
  };
  process.stdout.write(JSON.stringify(res) + '\n');
}

function spawnChild(n: number, q: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const args = ['--expose-gc', '--trace-gc', process.argv[1]!, '--child', String(n), '--queries', String(q)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`child for ${n} exited with ${code}`));
      try {
        const lines = out.trim().split('\n');
        const res = JSON.parse(lines.find((l) => l.startsWith('{'))!) as ChildResult;
        // --trace-gc: "[pid:isolate]  1438 ms: Scavenge 11.3 (14.7) -> 9.3 (14.7) MB, pooled: 0.0 MB,
        // 6.59 / 0.00 ms ..." where 6.59 is the main-thread pause; incremental marking adds
        // "biggest step X ms" (its longest single step, also a pause).
        res.tracePauseMs = 0;
        res.tracePauseWhat = '-';
        for (const l of lines) {
          const m = /\s(\d+) ms: ([A-Za-z -]+?) [\d.]+ \([\d.]+\) -> .*? ([\d.]+) \/ [\d.]+ ms/.exec(l);
          if (m === null || Number(m[1]) < res.startMs - 5 || /testing/.test(l)) continue; // not gc() itself
          const step = /biggest step ([\d.]+) ms/.exec(l);
          const p = Math.max(Number(m[3]), step === null ? 0 : Number(step[1]));
          if (p > res.tracePauseMs) {
            res.tracePauseMs = p;
            res.tracePauseWhat = m[2]!.trim().toLowerCase();
          }
        }
        resolve(res);
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

// ---------------------------------------------------------------------------
// Redis
// ---------------------------------------------------------------------------

/** Loads key `z` with member:0..n-1 and random scores, 100 pairs per ZADD, pipelined. */
async function loadRedis(port: number, n: number): Promise<void> {
  const sock = net.connect({ port, host: HOST });
  await new Promise<void>((res, rej) => {
    sock.once('connect', () => res());
    sock.once('error', rej);
  });
  let pending = 0;
  let waiter: (() => void) | null = null;
  sock.on('data', (d: Buffer) => {
    for (let i = 0; i < d.length; i++) if (d[i] === 0x0a) pending--;
    if (waiter !== null && pending <= 200) {
      const w = waiter;
      waiter = null;
      w();
    }
  });
  const rnd = xorshift(0x9e3779b9 ^ n);
  const PAIRS = 100;
  for (let i = 0; i < n; ) {
    const parts: string[] = [];
    let cmds = 0;
    while (i < n && cmds < 100) {
      const k = Math.min(PAIRS, n - i);
      parts.push(`*${2 + 2 * k}\r\n$4\r\nZADD\r\n$1\r\nz\r\n`);
      for (let j = 0; j < k; j++, i++) {
        const s = String(Math.floor(rnd() * 1e9) / 100);
        const m = `member:${i}`;
        parts.push(`$${s.length}\r\n${s}\r\n$${m.length}\r\n${m}\r\n`);
      }
      cmds++;
    }
    pending += cmds;
    if (!sock.write(parts.join(''))) await new Promise((r) => sock.once('drain', r));
    if (pending > 400) await new Promise<void>((r) => (waiter = r));
  }
  while (pending > 0) await new Promise<void>((r) => (waiter = r));
  sock.destroy();
}

async function evalTimed(port: number, script: string, n: number, q: number): Promise<number> {
  const t = process.hrtime.bigint();
  await command(port, ['EVAL', script, '1', 'z', String(n), String(q)], 600_000);
  return Number(process.hrtime.bigint() - t) / q;
}

async function runRedis(cmd: string, ports: [number, number], n: number, q: number): Promise<RedisResult> {
  const h = await startServer({ label: 'redis', cmd: [cmd], portRange: ports });
  try {
    const port = h.port;
    const info0 = await readInfo(port, 'memory');
    const rss0 = readRss(h.pid) ?? 0;
    const t = process.hrtime.bigint();
    await loadRedis(port, n);
    const loadS = Number(process.hrtime.bigint() - t) / 1e9;
    const card = await command(port, ['ZCARD', 'z']);
    if (card !== n) throw new Error(`redis ZCARD ${String(card)}, expected ${n}`);
    const info1 = await readInfo(port, 'memory');
    const rss1 = readRss(h.pid) ?? 0;
    const used = (infoNumber(info1, 'used_memory') ?? 0) - (infoNumber(info0, 'used_memory') ?? 0);
    const N = 'local n = tonumber(ARGV[1]) local q = tonumber(ARGV[2]) ';
    const overheadNs = await evalTimed(port, N + "for i = 1, q do redis.call('EXISTS', 'nokey:' .. math.random(0, n - 1)) end", n, q);
    const rankNs = await evalTimed(port, N + "for i = 1, q do redis.call('ZRANK', KEYS[1], 'member:' .. math.random(0, n - 1)) end", n, q);
    const scoreNs = await evalTimed(port, N + "for i = 1, q do redis.call('ZSCORE', KEYS[1], 'member:' .. math.random(0, n - 1)) end", n, q);
    const rangeNs = await evalTimed(port, N + "for i = 1, q do redis.call('ZRANGEBYSCORE', KEYS[1], math.random() * 1e7, '+inf', 'LIMIT', 0, 10) end", n, q);
    const updateNs = await evalTimed(port, N + "for i = 1, q do redis.call('ZADD', KEYS[1], math.random() * 1e7, 'member:' .. math.random(0, n - 1)) end", n, q);
    const deleteNs = await evalTimed(port, N + "for i = 1, q do redis.call('ZREM', KEYS[1], 'member:' .. math.random(0, n - 1)) end", n, q);
    // Inserts in Lua into a second key (n of them), timed per insert, then dropped.
    const insertNs = await evalTimed(port, "local n = tonumber(ARGV[1]) for i = 0, n - 1 do redis.call('ZADD', 'z2', math.random() * 1e7, 'member:' .. i) end", n, n);
    return { usedB: used / n, rssB: (rss1 - rss0) / n, loadS, overheadNs, insertNs, rankNs, scoreNs, rangeNs, updateNs, deleteNs };
  } finally {
    await stopServer(h);
  }
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const fmtN = (n: number): string => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}K` : String(n));

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), OPTIONS, USAGE);
  const q = parseCount(String(opts.get('queries')));
  if (opts.has('child')) {
    await runChild(parseCount(String(opts.get('child'))), q);
    return;
  }
  const sizes = String(opts.get('sizes')).split(',').map((s) => parseCount(s.trim()));
  const [pmin, pmax] = String(opts.get('ports')).split('-').map(Number) as [number, number];
  const withRedis = opts.get('no-redis') !== true;
  const rows: string[][] = [];
  const redisRows: string[][] = [];
  for (const n of sizes) {
    const qq = Math.min(q, n);
    process.stderr.write(`spindle skiplist, ${fmtN(n)} members...\n`);
    const r = await spawnChild(n, qq);
    rows.push([
      fmtN(n), f0(r.insertNs), f0(r.rankNs), f0(r.scoreNs), f0(r.rangeNs), f0(r.updateNs), f0(r.deleteNs),
      f1(r.accountedB), f1(r.rssB), f1(r.abB), String(r.level), `${f1(r.gcMaxMs)} (${r.gcMaxKind})`,
      `${f1(r.tracePauseMs ?? NaN)} (${r.tracePauseWhat})`, `${r.gcCount} / ${f1(r.gcTotalMs)}`,
    ]);
    if (withRedis) {
      process.stderr.write(`redis-server, ${fmtN(n)} members...\n`);
      const rr = await runRedis(String(opts.get('redis-cmd')), [pmin, pmax], n, qq);
      redisRows.push([
        fmtN(n), f0(rr.insertNs), f0(rr.rankNs), f0(rr.scoreNs), f0(rr.rangeNs), f0(rr.updateNs), f0(rr.deleteNs), f0(rr.overheadNs),
        f1(rr.usedB), f1(rr.rssB), f1(r.accountedB / rr.usedB), f1(rr.loadS),
      ]);
    }
  }
  const lines: string[] = [];
  lines.push(`### Skiplist (src/store/skiplist.ts), ${new Date().toISOString()}`, '');
  lines.push(`Reproduce: \`${reproduceCommand()}\``, '');
  lines.push(`Environment: ${environmentSummary()}`, '');
  lines.push(
    'Spindle, in process (ns/op; queries pick random members; B/member: skiplist accounting, RSS delta, arrayBuffers delta). ' +
      'GC: perf_hooks entries over the whole measured phase (a major GC entry lasts from the start of incremental marking ' +
      'to its end, so it overstates the pause), and the longest main-thread pause that --trace-gc printed in that phase:',
    '',
  );
  lines.push(markdownTable(
    ['>members', '>insert', '>rank', '>score', '>range 10', '>update', '>delete', '>B/member', '>RSS B/member', '>arrayBuffers B/member', '>levels', '>max GC ms (perf_hooks)', '>max GC pause ms (trace-gc)', '>GCs / total ms'],
    rows,
  ));
  if (withRedis) {
    lines.push('', 'redis-server 7.0, same members and operations in Lua loops (ns/op including the Lua overhead shown; B/member: used_memory and RSS deltas after a pipelined ZADD load):', '');
    lines.push(markdownTable(
      ['>members', '>insert', '>rank', '>score', '>range 10', '>update', '>delete', '>lua overhead', '>used_memory B/member', '>RSS B/member', '>spindle/redis bytes', '>load s'],
      redisRows,
    ));
  }
  const text = lines.join('\n') + '\n';
  process.stdout.write('\n' + text);
  if (opts.has('out')) appendOut(String(opts.get('out')), '\n' + text);
}

runMain(main);

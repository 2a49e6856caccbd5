// Memory per key: Spindle vs redis-server, plus Spindle GC pauses under load.
//
//   node bench/memory.ts [--sizes 1000000,5000000] [--out file.md] ...
//
// For each size N, for each server (fresh process each time): measure the
// baseline RSS and INFO used_memory, load N keys with 10-byte values through
// pipelined RESP SETs written straight from Node, check DBSIZE == N, and
// report (RSS delta)/N and (used_memory delta)/N. Then, on Spindle, CONFIG
// RESETSTAT, run a bounded mixed GET/SET load over the same keyspace with
// redis-benchmark, and read the GC fields from INFO (section "# Spindle").
// Run with --help for all options.

import * as net from 'node:net';
import {
  HOST,
  delta,
  gcStats,
  safeDbsize,
  safeInfo,
  type GcStats,
  assertAlive,
  benchProblem,
  bytesPerKey,
  command,
  resolveSpindleCmd,
  environmentSummary,
  fmtNum,
  fmtRatio,
  infoNumber,
  markdownTable,
  mib,
  parseCount,
  parseIntList,
  parseOptions,
  parsePortRange,
  readPeakRss,
  readRss,
  reproduceCommand,
  runBenchmark,
  runMain,
  serverVersion,
  shellQuote,
  sleep,
  splitCommand,
  startServer,
  stopServer,
  testKey,
  reportText,
  publishReport,
} from './lib.ts';
import type { ServerHandle } from './lib.ts';

const USAGE = `Usage: node bench/memory.ts [options]

Loads N keys into redis-server and into Spindle (fresh processes, one at a
time), reports bytes per key (RSS and used_memory), then runs a bounded mixed
GET/SET load on Spindle and reports its GC pause statistics.`;

const OPTIONS = [
  { names: ['--sizes'], kind: 'string' as const, default: '1000000,5000000', help: 'comma-separated key counts (k/m suffixes ok)' },
  { names: ['--key-format'], kind: 'string' as const, default: 'padded', help: 'padded = key:%012d (what redis-benchmark -r generates), plain = key:%d' },
  { names: ['--value-size'], kind: 'string' as const, default: '10', help: 'value length in bytes' },
  { names: ['--type'], kind: 'string' as const, default: 'string', help: 'string = SET key value; hash = HSET key f1 value f2 value (small listpack hashes)' },
  { names: ['--loader-conns'], kind: 'string' as const, default: '2', help: 'connections used by the loader' },
  { names: ['--batch'], kind: 'string' as const, default: '10000', help: 'SET commands per write' },
  { names: ['--window'], kind: 'string' as const, default: '4', help: 'unacknowledged batches allowed per connection' },
  { names: ['--load-timeout'], kind: 'string' as const, default: '600', help: 'seconds before a load is abandoned' },
  { names: ['--settle'], kind: 'string' as const, default: '2', help: 'seconds to wait before reading RSS (baseline and after load)' },
  { names: ['--no-mixed'], kind: 'boolean' as const, default: false, help: 'skip the mixed GET/SET load' },
  { names: ['--mixed-redis'], kind: 'boolean' as const, default: false, help: 'also run the mixed load on redis-server (for an rps reference)' },
  { names: ['--mixed-n'], kind: 'string' as const, default: '2000000', help: 'redis-benchmark -n for the mixed load (per test)' },
  { names: ['--mixed-clients'], kind: 'string' as const, default: '50', help: 'redis-benchmark -c for the mixed load' },
  { names: ['--mixed-pipeline'], kind: 'string' as const, default: '16', help: 'redis-benchmark -P for the mixed load' },
  { names: ['--mixed-timeout'], kind: 'string' as const, default: '300', help: 'seconds before the mixed load is killed' },
  { names: ['--server-args'], kind: 'string' as const, default: '', help: 'extra args for BOTH servers' },
  { names: ['--spindle-args'], kind: 'string' as const, default: '', help: 'extra args for Spindle only' },
  { names: ['--spindle-node-args'], kind: 'string' as const, default: '', help: 'node flags for Spindle, e.g. "--max-old-space-size=8192"' },
  { names: ['--spindle-cmd'], kind: 'string' as const, default: '', help: 'replace the Spindle command (e.g. "redis-server" to dry-run the script)' },
  { names: ['--redis-cmd'], kind: 'string' as const, default: 'redis-server', help: 'redis-server command' },
  { names: ['--ports'], kind: 'string' as const, default: '7800-7899', help: 'port range for the servers' },
  { names: ['--out'], kind: 'string' as const, help: 'append the markdown report and reproducing command to this file' },
];


// ---------------------------------------------------------------------------
// Bulk loader: pipelined RESP SET key value, generated straight into buffers.
// ---------------------------------------------------------------------------

interface LoadOptions {
  n: number;
  padded: boolean;
  valueSize: number;
  conns: number;
  batch: number;
  window: number;
  timeoutMs: number;
}

const ASCII_0 = 48;
const ASCII_a = 97;

/** --type hash: each key is a small hash `HSET key f1 value f2 value` instead of a string. */
let HASHES = false;

/** Writes SET (or HSET) commands for keys [from, to) into a fresh buffer. */
function buildBatch(from: number, to: number, padded: boolean, valueSize: number): Buffer {
  if (HASHES) return buildHashBatch(from, to, padded, valueSize);
  const valueHeader = `$${valueSize}\r\n`;
  // Worst case per command: "*3\r\n$3\r\nSET\r\n$NN\r\nkey:<=20 digits>\r\n$V\r\n<value>\r\n"
  const maxLen = 4 + 9 + 5 + 4 + 20 + 2 + valueHeader.length + valueSize + 2;
  const buf = Buffer.allocUnsafe((to - from) * maxLen);
  const prefix = Buffer.from('*3\r\n$3\r\nSET\r\n');
  const vh = Buffer.from(valueHeader);
  let p = 0;
  for (let i = from; i < to; i++) {
    p += prefix.copy(buf, p);
    // digits of i
    let digits = 1;
    for (let x = i; x >= 10; x = Math.floor(x / 10)) digits++;
    const width = padded ? Math.max(12, digits) : digits;
    const keyLen = 4 + width;
    buf[p++] = 0x24; // $
    if (keyLen >= 10) buf[p++] = ASCII_0 + Math.floor(keyLen / 10);
    buf[p++] = ASCII_0 + (keyLen % 10);
    buf[p++] = 13;
    buf[p++] = 10;
    buf[p++] = 0x6b; // k
    buf[p++] = 0x65; // e
    buf[p++] = 0x79; // y
    buf[p++] = 0x3a; // :
    let x = i;
    for (let d = width - 1; d >= 0; d--) {
      buf[p + d] = ASCII_0 + (x % 10);
      x = Math.floor(x / 10);
    }
    p += width;
    buf[p++] = 13;
    buf[p++] = 10;
    p += vh.copy(buf, p);
    // value: letters derived from i (never an integer, so Redis cannot int-encode it)
    let v = i;
    for (let d = 0; d < valueSize; d++) {
      buf[p++] = ASCII_a + (v % 26);
      v = Math.floor(v / 26);
    }
    buf[p++] = 13;
    buf[p++] = 10;
  }
  return buf.subarray(0, p);
}

/** HSET key f1 value f2 value for keys [from, to) (the string batch, rewritten per command). */
function buildHashBatch(from: number, to: number, padded: boolean, valueSize: number): Buffer {
  HASHES = false;
  const parts: Buffer[] = [];
  try {
    for (let i = from; i < to; i++) {
      const [key, value] = expectedKV(i, padded, valueSize);
      const arg = (a: string) => `$${a.length}\r\n${a}\r\n`;
      parts.push(Buffer.from(`*6\r\n${arg('HSET')}${arg(key)}${arg('f1')}${arg(value)}${arg('f2')}${arg(value)}`, 'latin1'));
    }
  } finally {
    HASHES = true;
  }
  return Buffer.concat(parts);
}

/** The key and value the loader writes for index i (same bytes as buildBatch). */
function expectedKV(i: number, padded: boolean, valueSize: number): [string, string] {
  const key = `key:${padded ? String(i).padStart(12, '0') : String(i)}`;
  let v = i;
  let value = '';
  for (let d = 0; d < valueSize; d++) {
    value += String.fromCharCode(ASCII_a + (v % 26));
    v = Math.floor(v / 26);
  }
  return [key, value];
}

/**
 * GETs a sample of loaded keys (first, last and random ones) and compares
 * them with what was written. Returns a description of the first mismatches.
 */
async function spotCheck(port: number, n: number, padded: boolean, valueSize: number, samples: number): Promise<string[]> {
  const idx = new Set<number>([0, n - 1]);
  while (idx.size < Math.min(n, samples)) idx.add(Math.floor(Math.random() * n));
  const bad: string[] = [];
  for (const i of idx) {
    const [key, value] = expectedKV(i, padded, valueSize);
    let got: unknown;
    try {
      got = await command(port, HASHES ? ['HGET', key, 'f1'] : ['GET', key]);
    } catch (e) {
      got = `error: ${(e as Error).message}`;
    }
    if (got !== value && bad.length < 3) bad.push(`GET ${key} returned ${JSON.stringify(got)}, expected ${JSON.stringify(value)}`);
  }
  return bad;
}

/** Loads keys [lo, hi) over one connection; resolves when every reply arrived. */
function loadRange(port: number, lo: number, hi: number, o: LoadOptions, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: HOST });
    sock.setNoDelay(true);
    const total = hi - lo;
    let sent = 0;
    let acked = 0;
    let lineStart = true;
    let errors = 0;
    let firstError = '';
    let capturing = false;
    let wake: (() => void) | null = null;
    let failed = false;
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      clearInterval(timer);
      sock.destroy();
      reject(e);
    };
    const timer = setInterval(() => {
      if (Date.now() > deadline) fail(new Error(`load timed out (${acked}/${total} replies on one connection)`));
    }, 250);
    sock.on('data', (chunk: Buffer) => {
      for (let k = 0; k < chunk.length; k++) {
        const c = chunk[k]!;
        if (lineStart && c === 0x2d) {
          errors++;
          if (errors === 1) capturing = true;
        }
        if (capturing) {
          if (c === 10 || firstError.length > 200) capturing = false;
          else if (c !== 13) firstError += String.fromCharCode(c);
        }
        lineStart = c === 10;
        if (lineStart) acked++;
      }
      if (wake) {
        const w = wake;
        wake = null;
        w();
      }
    });
    sock.once('error', (e) => fail(e));
    sock.once('close', () => {
      if (acked < total) fail(new Error(`connection closed after ${acked}/${total} replies`));
    });
    const waitAcked = (target: number) =>
      new Promise<void>((res) => {
        const check = () => {
          if (acked >= target || failed) res();
          else wake = check;
        };
        check();
      });
    const run = async () => {
      await new Promise<void>((res, rej) => {
        sock.once('connect', () => res());
        sock.once('error', rej);
      });
      while (sent < total && !failed) {
        const b = Math.min(o.batch, total - sent);
        const buf = buildBatch(lo + sent, lo + sent + b, o.padded, o.valueSize);
        sent += b;
        if (!sock.write(buf)) await new Promise<void>((res) => sock.once('drain', () => res()));
        await waitAcked(sent - o.window * o.batch);
      }
      await waitAcked(total);
      if (failed) return;
      clearInterval(timer);
      sock.end();
      if (errors) reject(new Error(`${errors} SET commands failed; first error: ${firstError}`));
      else resolve();
    };
    run().catch((e: Error) => fail(e));
  });
}

async function loadKeys(port: number, o: LoadOptions): Promise<number> {
  const t0 = performance.now();
  const deadline = Date.now() + o.timeoutMs;
  const per = Math.ceil(o.n / o.conns);
  const parts: Promise<void>[] = [];
  for (let c = 0; c < o.conns; c++) {
    const lo = c * per;
    const hi = Math.min(o.n, lo + per);
    if (lo < hi) parts.push(loadRange(port, lo, hi, o, deadline));
  }
  await Promise.all(parts);
  return (performance.now() - t0) / 1000;
}

// ---------------------------------------------------------------------------

interface Measurement {
  side: 'redis' | 'spindle';
  n: number;
  version: string;
  argv: string[];
  rss0?: number;
  rss1?: number;
  peakRss?: number;
  used0?: number;
  used1?: number;
  loadSeconds: number;
  dbsize: number;
  gcAfterLoad?: GcStats;
  mixed?: {
    rps: Map<string, number>;
    problem: string;
    seconds: number;
    dbsizeAfter?: number;
    rssAfter?: number;
    gc?: GcStats;
  };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), OPTIONS, USAGE);
  const str = (k: string) => String(opts.get(k) ?? '');
  const sizes = parseIntList(str('sizes'));
  const keyFormat = str('key-format');
  if (keyFormat !== 'padded' && keyFormat !== 'plain') throw new Error('--key-format must be padded or plain');
  const padded = keyFormat === 'padded';
  const valueSize = parseCount(str('value-size'));
  HASHES = str('type') === 'hash';
  const loaderConns = Math.max(1, parseCount(str('loader-conns')));
  const batch = Math.max(1, parseCount(str('batch')));
  const window = Math.max(1, parseCount(str('window')));
  const loadTimeoutMs = parseCount(str('load-timeout')) * 1000;
  const settleMs = Number(str('settle')) * 1000;
  const mixed = opts.get('no-mixed') !== true;
  const mixedRedis = opts.get('mixed-redis') === true;
  const mixedN = parseCount(str('mixed-n'));
  const mixedClients = parseCount(str('mixed-clients'));
  const mixedPipeline = parseCount(str('mixed-pipeline'));
  const mixedTimeoutMs = parseCount(str('mixed-timeout')) * 1000;
  const serverArgs = splitCommand(str('server-args'));
  const spindleArgs = splitCommand(str('spindle-args'));
  const spindleNodeArgs = splitCommand(str('spindle-node-args'));
  const portRange = parsePortRange(str('ports'));
  const out = opts.get('out') as string | undefined;

  const spindleCmd = resolveSpindleCmd(str('spindle-cmd'), spindleNodeArgs);
  const redisCmd = splitCommand(str('redis-cmd'));
  const log = (s: string) => process.stderr.write(s + '\n');
  const started = new Date();
  const problems: string[] = [];
  const results: Measurement[] = [];

  for (const n of sizes) {
    for (const side of ['redis', 'spindle'] as const) {
      log(`--- ${side}, N=${fmtNum(n)} ---`);
      const h: ServerHandle = await startServer({
        label: side,
        cmd: side === 'redis' ? redisCmd : spindleCmd,
        extraArgs: side === 'redis' ? serverArgs : [...serverArgs, ...spindleArgs],
        portRange,
      });
      try {
        const version = await serverVersion(h.port);
        await sleep(settleMs);
        const info0 = await safeInfo(h, problems);
        const m: Measurement = {
          side,
          n,
          version,
          argv: h.argv,
          rss0: readRss(h.pid),
          used0: infoNumber(info0, 'used_memory'),
          loadSeconds: 0,
          dbsize: 0,
        };
        log(`${side} pid ${h.pid} port ${h.port} (${version}): baseline RSS ${mib(m.rss0)}, used_memory ${mib(m.used0)}`);

        m.loadSeconds = await loadKeys(h.port, {
          n,
          padded,
          valueSize,
          conns: loaderConns,
          batch,
          window,
          timeoutMs: loadTimeoutMs,
        });
        assertAlive(h);
        m.dbsize = await safeDbsize(h, problems) ?? -1;
        log(`loaded ${fmtNum(n)} keys in ${m.loadSeconds.toFixed(1)} s (${fmtNum(n / m.loadSeconds)} keys/s), DBSIZE ${m.dbsize >= 0 ? fmtNum(m.dbsize) : 'n/a'}`);
        if (m.dbsize >= 0 && m.dbsize !== n) problems.push(`${side} N=${n}: DBSIZE ${m.dbsize} != ${n} after load`);
        const bad = await spotCheck(h.port, n, padded, valueSize, 100);
        if (bad.length) problems.push(`${side} N=${n}: spot check of loaded keys failed: ${bad.join('; ')}`);
        await sleep(settleMs);
        const info1 = await safeInfo(h, problems);
        m.rss1 = readRss(h.pid);
        m.peakRss = readPeakRss(h.pid);
        m.used1 = infoNumber(info1, 'used_memory');
        m.gcAfterLoad = gcStats(info1);
        log(
          `after load: RSS ${mib(m.rss1)} (peak ${mib(m.peakRss)}), used_memory ${mib(m.used1)}; ` +
            `RSS ${fmtNum(bytesPerKey(delta(m.rss1, m.rss0), n), 1)} B/key, used_memory ${fmtNum(bytesPerKey(delta(m.used1, m.used0), n), 1)} B/key`,
        );

        if (mixed && (side === 'spindle' || mixedRedis)) {
          try {
            await command(h.port, ['CONFIG', 'RESETSTAT']);
          } catch (e) {
            problems.push(`${side}: CONFIG RESETSTAT failed: ${(e as Error).message}`);
          }
          const args = ['-t', 'set,get', '-r', String(n), '-n', String(mixedN), '-c', String(mixedClients), '-P', String(mixedPipeline), '-d', String(valueSize), '-q'];
          log(`mixed load: redis-benchmark ${args.map(shellQuote).join(' ')} ...`);
          const res = await runBenchmark(h.port, args, mixedTimeoutMs);
          const problem = benchProblem(res);
          if (problem) problems.push(`${side} N=${n} mixed load: ${problem}`);
          const rps = new Map<string, number>();
          for (const r of res.rows) rps.set(testKey(r.test), r.rps);
          m.mixed = { rps, problem, seconds: res.wallSeconds };
          if (!problem || res.timedOut) {
            assertAlive(h);
            m.mixed.dbsizeAfter = await safeDbsize(h, problems);
            m.mixed.rssAfter = readRss(h.pid);
            m.mixed.gc = gcStats(await safeInfo(h, problems));
          } else if (isDead(h)) {
            problems.push(`${side} died during the mixed load (log: ${h.logPath})`);
          } else {
            m.mixed.gc = gcStats(await safeInfo(h, problems));
          }
          log(
            `mixed: SET ${fmtNum(rps.get('set'))} rps, GET ${fmtNum(rps.get('get'))} rps in ${res.wallSeconds.toFixed(1)} s; ` +
              `DBSIZE ${fmtNum(m.mixed.dbsizeAfter)}, RSS ${mib(m.mixed.rssAfter)}` +
              (m.mixed.gc ? `; gc_count ${m.mixed.gc.gc_count}, minor max ${m.mixed.gc.gc_minor_pause_max_ms} ms, major max ${m.mixed.gc.gc_major_pause_max_ms} ms` : ''),
          );
          if (padded && m.mixed.dbsizeAfter !== undefined && m.mixed.dbsizeAfter !== n) {
            problems.push(`${side} N=${n}: DBSIZE ${m.mixed.dbsizeAfter} != ${n} after the mixed load`);
          }
        }
        results.push(m);
      } finally {
        await stopServer(h);
      }
    }
  }

  // ---- report ----
  const get = (side: 'redis' | 'spindle', n: number) => results.find((r) => r.side === side && r.n === n);
  const mainRows: string[][] = [];
  const detailRows: string[][] = [];
  for (const n of sizes) {
    const r = get('redis', n);
    const s = get('spindle', n);
    const rRss = r && bytesPerKey(delta(r.rss1, r.rss0), n);
    const rUsed = r && bytesPerKey(delta(r.used1, r.used0), n);
    const sRss = s && bytesPerKey(delta(s.rss1, s.rss0), n);
    const sUsed = s && bytesPerKey(delta(s.used1, s.used0), n);
    const gc = s?.mixed?.gc;
    mainRows.push([
      fmtNum(n),
      fmtNum(rUsed, 1),
      fmtNum(rRss, 1),
      fmtNum(sRss, 1),
      fmtNum(sUsed, 1),
      fmtRatio(sRss, rRss),
      gc?.gc_count ?? 'n/a',
      gc?.gc_minor_pause_max_ms ?? 'n/a',
      gc?.gc_major_pause_max_ms ?? 'n/a',
    ]);
    for (const m of [r, s]) {
      if (!m) continue;
      detailRows.push([
        m.side,
        fmtNum(n),
        m.loadSeconds.toFixed(1),
        fmtNum(n / m.loadSeconds),
        mib(m.rss0),
        mib(m.rss1),
        mib(m.peakRss),
        mib(m.used1),
        m.gcAfterLoad ? `${m.gcAfterLoad.gc_count} / ${m.gcAfterLoad.gc_pause_max_ms}` : 'n/a',
        m.mixed ? fmtNum(m.mixed.rps.get('set')) : '-',
        m.mixed ? fmtNum(m.mixed.rps.get('get')) : '-',
        m.mixed ? fmtNum(m.mixed.dbsizeAfter) : '-',
        m.mixed ? mib(m.mixed.rssAfter) : '-',
        m.mixed?.gc ? `${m.mixed.gc.gc_count} / ${m.mixed.gc.gc_pause_total_ms} / ${m.mixed.gc.gc_pause_max_ms}` : m.mixed ? 'n/a' : '-',
      ]);
    }
  }

  const first = results.find((r) => r.side === 'redis');
  const firstS = results.find((r) => r.side === 'spindle');
  const mixedCmd = `redis-benchmark -h 127.0.0.1 -p <port> -t set,get -r <N> -n ${mixedN} -c ${mixedClients} -P ${mixedPipeline} -d ${valueSize} --csv -q`;
  const lines: string[] = [];
  lines.push(`## Memory per key: Spindle vs Redis (${started.toISOString()})`);
  lines.push('');
  lines.push(`Reproduce: \`${reproduceCommand()}\``);
  lines.push('');
  lines.push(`- redis:   ${first?.version ?? '?'} — \`${first ? first.argv.map(shellQuote).join(' ') : '?'}\``);
  lines.push(`- spindle: ${firstS?.version ?? '?'} — \`${firstS ? firstS.argv.map(shellQuote).join(' ') : '?'}\``);
  lines.push(
    `- data:    N keys \`${padded ? 'key:%012d' : 'key:%d'}\` (0..N-1), ${valueSize}-byte letter values, loaded by pipelined SET over ${loaderConns} connection(s); fresh server per size and server, measured one server at a time`,
  );
  if (mixed) {
    lines.push(
      `- mixed:   \`${mixedCmd}\` on ${mixedRedis ? 'both servers' : 'Spindle'} after CONFIG RESETSTAT (GC columns cover only this phase). ` +
        (padded
          ? 'redis-benchmark -r N expands __rand_int__ to a 12-digit zero-padded number in [0, N), i.e. exactly the loaded key names, so SETs overwrite and GETs hit: the keyspace stays N.'
          : 'WARNING: keys were loaded as key:%d but redis-benchmark -r uses key:%012d, which never match: the mixed SETs create up to N new keys (DBSIZE grows toward 2N) and the GETs miss the loaded keys.'),
    );
  }
  lines.push(`- host:    ${environmentSummary()}`);
  lines.push('');
  lines.push(
    markdownTable(
      [
        '>keys',
        '>redis B/key (used_memory)',
        '>redis B/key (RSS)',
        '>spindle B/key (RSS)',
        '>spindle B/key (used_memory)',
        '>ratio RSS (spindle/redis)',
        '>spindle GC count',
        '>max minor pause ms',
        '>max major pause ms',
      ],
      mainRows,
    ),
  );
  lines.push('');
  lines.push('Details (load = pipelined SETs from Node; GC columns are "count / max pause ms" since start, and "count / total ms / max ms" for the mixed phase):');
  lines.push('');
  lines.push(
    markdownTable(
      [
        'server',
        '>keys',
        '>load s',
        '>load keys/s',
        '>RSS before',
        '>RSS after load',
        '>peak RSS',
        '>used_memory',
        '>GC during load',
        '>mixed SET rps',
        '>mixed GET rps',
        '>DBSIZE after mixed',
        '>RSS after mixed',
        '>GC during mixed',
      ],
      detailRows,
    ),
  );
  lines.push('');
  lines.push(
    'B/key = (value after load − baseline of the same fresh process) / N. RSS is /proc/<pid>/status VmRSS (process plus descendants). ' +
      'Absolute numbers on a shared machine are noise; compare ratios within one run.',
  );
  const report = reportText(lines, problems);
  publishReport(report, out, problems);
}

function isDead(h: ServerHandle): boolean {
  return h.proc.exitCode !== null || h.proc.signalCode !== null;
}

runMain(main);

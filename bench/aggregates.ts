// Aggregate types: Spindle vs redis-server — memory per key/member, Spindle GC
// pauses under a write load, and ZADD/ZRANK cost against sorted-set size.
//
//   node bench/aggregates.ts [--scenarios hashes,zsets,bigzset,bighash,complexity] [--quick] [--out file.md]
//
// Scenarios (each on fresh server processes, one server at a time, same flags):
//   hashes      N keys h:%012d, each HSET of 5 fields (f1..f5, 10-byte values)   -> listpack
//   zsets       N keys z:%012d, each ZADD of 5 members (m1..m5, small scores)   -> listpack
//   hlls        N keys p:%012d, each PFADD of 3 elements (10-byte values)        -> raw (sparse HLL)
//   bigzset     one sorted set of M members m:%d with random scores, ZADDs of
//               100 members each                                              -> skiplist
//   bighash     one hash of H fields f:%d with 10-byte values, HSETs of 100
//               fields each                                                   -> hashtable
//   complexity  one sorted set grown to 1M members; at 1K/10K/100K/1M the mean
//               µs per ZADD (new member) and per ZRANK (random member), pipelined
// For the memory scenarios the report gives (RSS delta)/count and (INFO
// used_memory delta)/count and OBJECT ENCODING of a sample key. After the load,
// CONFIG RESETSTAT and a bounded pipelined write load (HSET / ZADD+ZINCRBY of
// existing fields/members) run; Spindle's GC fields from INFO "# Spindle"
// cover exactly that phase. Loaders write pipelined RESP straight from Node
// sockets with a bounded window of unacknowledged batches. Run with --help for
// all options.

import * as net from 'node:net';
import * as os from 'node:os';
import {
  HOST,
  assertAlive,
  bytesPerKey,
  command,
  delta,
  environmentSummary,
  fmtNum,
  fmtRatio,
  gcStats,
  infoNumber,
  markdownTable,
  median,
  mib,
  parseCount,
  parseIntList,
  parseOptions,
  parsePortRange,
  readPeakRss,
  readRss,
  reproduceCommand,
  resolveSpindleCmd,
  runMain,
  safeDbsize,
  safeInfo,
  serverVersion,
  shellQuote,
  sleep,
  splitCommand,
  startServer,
  stopServer,
  UsageError,
  reportText,
  publishReport,
} from './lib.ts';
import type { GcStats, ServerHandle } from './lib.ts';

const USAGE = `Usage: node bench/aggregates.ts [options]

Loads hashes, small sorted sets and one big sorted set into redis-server and
into Spindle (fresh processes, one at a time) and reports bytes per key or
member and the encoding; runs a bounded write load and reports Spindle's GC
pauses; measures ZADD/ZRANK cost at growing sorted-set sizes.`;

const ALL_SCENARIOS = ['hashes', 'zsets', 'lists', 'hlls', 'bigzset', 'bighash', 'stream', 'complexity'] as const;
type ScenarioName = (typeof ALL_SCENARIOS)[number];

const OPTIONS = [
  { names: ['--scenarios'], kind: 'string' as const, default: ALL_SCENARIOS.join(','), help: 'comma-separated scenarios to run' },
  { names: ['--quick'], kind: 'boolean' as const, default: false, help: 'small sizes for a smoke run (defaults marked "quick:" below)' },
  { names: ['--n'], kind: 'string' as const, help: 'keys for hashes and zsets (default 1000000; quick: 20000)' },
  { names: ['--m'], kind: 'string' as const, help: 'members of the big sorted set (default 10000000; quick: 200000)' },
  { names: ['--zadd-members'], kind: 'string' as const, default: '100', help: 'members per ZADD when loading the big sorted set' },
  { names: ['--hash-fields'], kind: 'string' as const, help: 'fields of the big hash (default 1000000; quick: 100000)' },
  { names: ['--complexity-sizes'], kind: 'string' as const, help: 'sorted-set sizes to measure at (default 1k,10k,100k,1m; quick: 1k,10k,100k)' },
  { names: ['--complexity-ops'], kind: 'string' as const, help: 'ZADDs and ZRANKs measured per size (default 20000; quick: 5000)' },
  { names: ['--complexity-batch'], kind: 'string' as const, default: '1000', help: 'commands per timed pipelined round' },
  { names: ['--complexity-warmup'], kind: 'string' as const, default: '20', help: 'untimed rounds of each command on a throwaway set first (JIT warm-up)' },
  { names: ['--complexity-timeout'], kind: 'string' as const, default: '900', help: 'seconds for the whole complexity scenario per server' },
  { names: ['--write-seconds'], kind: 'string' as const, help: 'duration cap of the write load (default 30; quick: 5)' },
  { names: ['--write-ops'], kind: 'string' as const, help: 'op cap of the write load (default 2000000; quick: 200000)' },
  { names: ['--write-redis'], kind: 'boolean' as const, default: true, help: 'also run the write load on redis-server, as an ops/s reference (--write-redis=no to skip)' },
  { names: ['--loader-conns'], kind: 'string' as const, default: '2', help: 'connections used by the loaders and the write load' },
  { names: ['--batch'], kind: 'string' as const, default: '10000', help: 'fields/members per pipelined write while loading' },
  { names: ['--write-batch'], kind: 'string' as const, default: '1000', help: 'commands per pipelined write in the write load' },
  { names: ['--window'], kind: 'string' as const, default: '4', help: 'unacknowledged batches allowed per connection' },
  { names: ['--load-timeout'], kind: 'string' as const, default: '1200', help: 'seconds before a load is abandoned' },
  { names: ['--settle'], kind: 'string' as const, default: '2', help: 'seconds to wait before reading RSS (baseline and after load)' },
  { names: ['--seed'], kind: 'string' as const, default: '1', help: 'seed of the generated scores and random picks (same data on both servers)' },
  { names: ['--server-args'], kind: 'string' as const, default: '', help: 'extra args for BOTH servers' },
  { names: ['--spindle-args'], kind: 'string' as const, default: '', help: 'extra args for Spindle only' },
  { names: ['--spindle-node-args'], kind: 'string' as const, default: '', help: 'node flags for Spindle, e.g. "--max-old-space-size=8192"' },
  { names: ['--spindle-cmd'], kind: 'string' as const, default: '', help: 'replace the Spindle command (e.g. "redis-server" to dry-run the script)' },
  { names: ['--redis-cmd'], kind: 'string' as const, default: 'redis-server', help: 'redis-server command' },
  { names: ['--ports'], kind: 'string' as const, default: '7800-7899', help: 'port range for the servers' },
  { names: ['--out'], kind: 'string' as const, help: 'append the markdown report and reproducing command to this file' },
];

/** Spindle's GC pause target for the write load. */
const GC_TARGET_MS = 10;

type Side = 'redis' | 'spindle';
const SIDES: Side[] = ['redis', 'spindle'];

// ---------------------------------------------------------------------------
// Deterministic data
// ---------------------------------------------------------------------------

/** A 32-bit integer hash (lowbias32): stateless pseudo-random value for index x. */
function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d);
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** mulberry32: a small seeded PRNG for the random picks of the write load and ZRANK. */
class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
}

/** `len` lowercase letters derived from x (never an integer, so never int-encoded). */
function letters(x: number, len: number): string {
  let s = '';
  let v = mix32(x);
  for (let d = 0; d < len; d++) {
    if (d % 6 === 0 && d > 0) v = mix32(v ^ (x + d));
    s += String.fromCharCode(97 + (v % 26));
    v = Math.floor(v / 26);
  }
  return s;
}

const pad12 = (i: number) => String(i).padStart(12, '0');

/** RESP for one command whose arguments are all ASCII (so length = bytes). */
function resp(args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

// ---------------------------------------------------------------------------
// Pipelined connections
// ---------------------------------------------------------------------------

/**
 * Counts complete RESP replies in a byte stream without materialising them;
 * also counts errors (keeping the first one's text), nils, and sums integer
 * replies (ZADD of a new member returns :1, so the sum checks inserts).
 */
class ReplyCounter {
  replies = 0;
  errors = 0;
  nils = 0;
  intSum = 0;
  firstError = '';
  /** 0 = at the type byte, 1 = in a simple line, 2 = in a length line, 3 = skipping a bulk body. */
  private mode = 0;
  private type = 0;
  private num = 0;
  private neg = false;
  private skip = 0;
  private text = '';
  /** Remaining elements of the open aggregates (arrays, maps, sets, pushes). */
  private stack: number[] = [];

  feed(b: Buffer): void {
    const len = b.length;
    for (let k = 0; k < len; k++) {
      const c = b[k]!;
      switch (this.mode) {
        case 0:
          this.type = c;
          this.num = 0;
          this.neg = false;
          this.text = '';
          // $ = ! carry a length then a body; * % ~ > carry an element count.
          this.mode = c === 0x24 || c === 0x3d || c === 0x21 || c === 0x2a || c === 0x25 || c === 0x7e || c === 0x3e ? 2 : 1;
          break;
        case 1:
          if (c === 10) this.endSimple();
          else if (c !== 13) {
            if (this.type === 0x3a) {
              if (c === 0x2d) this.neg = true;
              else this.num = this.num * 10 + (c - 48);
            } else if (this.type === 0x2d && this.text.length < 200) {
              this.text += String.fromCharCode(c);
            }
          }
          break;
        case 2:
          if (c === 10) this.endLength();
          else if (c === 0x2d) this.neg = true;
          else if (c !== 13) this.num = this.num * 10 + (c - 48);
          break;
        default: {
          const take = Math.min(this.skip, len - k);
          this.skip -= take;
          k += take - 1;
          if (this.skip === 0) this.done();
        }
      }
    }
  }

  private endSimple(): void {
    if (this.type === 0x2d) {
      this.errors++;
      if (this.errors === 1) this.firstError = this.text;
    } else if (this.type === 0x5f) {
      this.nils++;
    } else if (this.type === 0x3a) {
      this.intSum += this.neg ? -this.num : this.num;
    }
    this.done();
  }

  private endLength(): void {
    const t = this.type;
    if (this.neg) {
      this.nils++;
      this.done();
      return;
    }
    if (t === 0x24 || t === 0x3d || t === 0x21) {
      if (t === 0x21) {
        this.errors++;
        if (this.errors === 1) this.firstError = '(bulk error)';
      }
      this.skip = this.num + 2;
      this.mode = 3;
      return;
    }
    const count = t === 0x25 ? this.num * 2 : this.num;
    if (count === 0) this.done();
    else {
      this.stack.push(count);
      this.mode = 0;
    }
  }

  private done(): void {
    this.mode = 0;
    while (this.stack.length > 0) {
      const i = this.stack.length - 1;
      this.stack[i]!--;
      if (this.stack[i]! > 0) return;
      this.stack.pop();
    }
    this.replies++;
  }
}

/** One loopback connection for pipelined writes; waits are bounded by deadlines. */
class PipeConn {
  readonly counter = new ReplyCounter();
  /** Commands written so far. */
  sent = 0;
  private failure: Error | null = null;
  private needDrain = false;
  private closing = false;
  private readonly listeners = new Set<() => void>();
  private readonly sock: net.Socket;

  private constructor(sock: net.Socket, label: string) {
    this.sock = sock;
    sock.setNoDelay(true);
    sock.on('data', (chunk: Buffer) => {
      this.counter.feed(chunk);
      this.notify();
    });
    sock.on('drain', () => {
      this.needDrain = false;
      this.notify();
    });
    sock.on('error', (e) => {
      this.failure ??= new Error(`${label}: connection error: ${e.message}`);
      this.notify();
    });
    sock.on('close', () => {
      if (!this.closing) this.failure ??= new Error(`${label}: connection closed by the server after ${this.counter.replies}/${this.sent} replies`);
      this.notify();
    });
  }

  static open(port: number, label: string, timeoutMs = 10000): Promise<PipeConn> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ port, host: HOST });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`${label}: connect timed out`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        resolve(new PipeConn(sock, label));
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`${label}: cannot connect: ${e.message}`));
      });
    });
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private until(cond: () => boolean, deadline: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      const check = () => {
        if (this.failure) {
          cleanup();
          reject(this.failure);
        } else if (cond()) {
          cleanup();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what} (${this.counter.replies}/${this.sent} replies)`));
      }, Math.max(0, deadline - Date.now()));
      this.listeners.add(check);
      check();
    });
  }

  /** Writes `cmds` pipelined commands; waits for 'drain' if the socket buffer is full. */
  async send(buf: Buffer, cmds: number, deadline: number): Promise<void> {
    if (this.failure) throw this.failure;
    this.sent += cmds;
    if (!this.sock.write(buf)) {
      this.needDrain = true;
      await this.until(() => !this.needDrain, deadline, 'the socket to drain');
    }
  }

  /** Resolves once at least `target` replies arrived on this connection. */
  waitReplies(target: number, deadline: number, what = 'replies'): Promise<void> {
    if (this.counter.replies >= target) return this.failure ? Promise.reject(this.failure) : Promise.resolve();
    return this.until(() => this.counter.replies >= target, deadline, what);
  }

  /** Closes the socket; pending waits on this connection fail at once. */
  close(): void {
    this.closing = true;
    this.failure ??= new Error('connection closed by the benchmark');
    this.sock.destroy();
    this.notify();
  }
}

interface PipelineResult {
  /** Commands sent (and answered). */
  cmds: number;
  seconds: number;
  errors: number;
  firstError: string;
  nils: number;
  intSum: number;
}

/**
 * Sends commands [0, total) split evenly over `conns` connections, `batch`
 * commands per write, at most `window` unacknowledged writes per connection.
 * build(conn, from, to) returns the RESP of commands [from, to). Stops
 * issuing new writes at `stopAt` (soft limit); fails at `deadline`.
 */
async function runPipelined(
  port: number,
  label: string,
  o: {
    total: number;
    conns: number;
    batch: number;
    window: number;
    deadline: number;
    stopAt?: number;
    build: (conn: number, from: number, to: number) => Buffer;
  },
): Promise<PipelineResult> {
  const t0 = performance.now();
  const per = Math.ceil(o.total / o.conns);
  const opened: PipeConn[] = [];
  try {
    const parts: Promise<number>[] = [];
    for (let c = 0; c < o.conns; c++) {
      const lo = c * per;
      const hi = Math.min(o.total, lo + per);
      if (lo >= hi) continue;
      const conn = await PipeConn.open(port, `${label} conn ${c}`);
      opened.push(conn);
      parts.push(
        (async () => {
          let i = lo;
          while (i < hi) {
            if (o.stopAt !== undefined && Date.now() >= o.stopAt) break;
            const j = Math.min(hi, i + o.batch);
            await conn.send(o.build(c, i, j), j - i, o.deadline);
            i = j;
            await conn.waitReplies(conn.sent - o.window * o.batch, o.deadline, `${label} replies`);
          }
          await conn.waitReplies(conn.sent, o.deadline, `${label} replies`);
          return i - lo;
        })(),
      );
    }
    const sent = await Promise.all(parts);
    const r: PipelineResult = { cmds: 0, seconds: (performance.now() - t0) / 1000, errors: 0, firstError: '', nils: 0, intSum: 0 };
    for (let k = 0; k < opened.length; k++) {
      const ct = opened[k]!.counter;
      r.cmds += sent[k]!;
      r.errors += ct.errors;
      r.nils += ct.nils;
      r.intSum += ct.intSum;
      if (!r.firstError && ct.firstError) r.firstError = ct.firstError;
    }
    return r;
  } finally {
    for (const c of opened) c.close();
  }
}

// ---------------------------------------------------------------------------
// Memory scenarios
// ---------------------------------------------------------------------------

interface MemScenario {
  name: 'hashes' | 'zsets' | 'lists' | 'hlls' | 'bigzset' | 'bighash' | 'stream';
  title: string;
  /** What one counted unit is: 'key' or 'member'. */
  unit: string;
  count: number;
  /** Number of load commands. */
  commands: number;
  /** Fields/members per load command (for batch sizing). */
  perCommand: number;
  buildLoad: (from: number, to: number) => string;
  sampleKey: string;
  expectEncoding: string;
  /** Returns a problem text if the loaded count is wrong. */
  checkCount: (h: ServerHandle, problems: string[]) => Promise<number | undefined>;
  /** Command + expected reply pairs for a spot check of loaded data. */
  samples: () => Array<[string[], string]>;
  buildWrite: (rng: Rng, from: number, to: number) => string;
  describe: string;
  describeWrite: string;
}

interface WriteResult {
  ops: number;
  seconds: number;
  gc: GcStats;
  rssAfter?: number;
  countAfter?: number;
}

interface MemResult {
  scenario: string;
  side: Side;
  version: string;
  argv: string[];
  rss0?: number;
  rss1?: number;
  peakRss?: number;
  used0?: number;
  used1?: number;
  loadSeconds?: number;
  count?: number;
  encoding?: string;
  gcAfterLoad?: GcStats;
  write?: WriteResult;
  failed?: string;
}

function hashField(i: number, k: number): string {
  return letters(i * 5 + k, 10);
}

function smallScore(i: number, k: number): number {
  return mix32(i * 5 + k) % 100;
}

function bigScore(seed: number, j: number): number {
  return mix32((j ^ Math.imul(seed, 0x9e3779b1)) >>> 0);
}

function makeScenarios(n: number, m: number, zaddMembers: number, seed: number, hf: number): Map<string, MemScenario> {
  const out = new Map<string, MemScenario>();
  const dbsizeCheck = async (h: ServerHandle, problems: string[]) => safeDbsize(h, problems);

  out.set('hashes', {
    name: 'hashes',
    title: `hashes: ${fmtNum(n)} keys, HSET of 5 fields each`,
    unit: 'key',
    count: n,
    commands: n,
    perCommand: 5,
    buildLoad: (from, to) => {
      let s = '';
      for (let i = from; i < to; i++) {
        s += resp(['HSET', `h:${pad12(i)}`, 'f1', hashField(i, 1), 'f2', hashField(i, 2), 'f3', hashField(i, 3), 'f4', hashField(i, 4), 'f5', hashField(i, 5)]);
      }
      return s;
    },
    sampleKey: `h:${pad12(0)}`,
    expectEncoding: 'listpack',
    checkCount: dbsizeCheck,
    samples: () => spotIndices(n).map((i) => [['HGET', `h:${pad12(i)}`, 'f3'], hashField(i, 3)]),
    buildWrite: (rng, from, to) => {
      let s = '';
      for (let i = from; i < to; i++) {
        const key = rng.below(n);
        s += resp(['HSET', `h:${pad12(key)}`, `f${1 + rng.below(5)}`, letters(rng.u32(), 10)]);
      }
      return s;
    },
    describe: `N keys \`h:%012d\` (0..N-1), each \`HSET key f1 v1 … f5 v5\` with 10-byte letter values; one command per key`,
    describeWrite: 'HSET of one existing field (f1..f5) of a random existing key with a new 10-byte value',
  });

  out.set('zsets', {
    name: 'zsets',
    title: `zsets: ${fmtNum(n)} keys, ZADD of 5 members each`,
    unit: 'key',
    count: n,
    commands: n,
    perCommand: 5,
    buildLoad: (from, to) => {
      let s = '';
      for (let i = from; i < to; i++) {
        const args = ['ZADD', `z:${pad12(i)}`];
        for (let k = 1; k <= 5; k++) args.push(String(smallScore(i, k)), `m${k}`);
        s += resp(args);
      }
      return s;
    },
    sampleKey: `z:${pad12(0)}`,
    expectEncoding: 'listpack',
    checkCount: dbsizeCheck,
    samples: () => spotIndices(n).map((i) => [['ZSCORE', `z:${pad12(i)}`, 'm3'], String(smallScore(i, 3))]),
    buildWrite: (rng, from, to) => {
      let s = '';
      for (let i = from; i < to; i++) {
        const key = `z:${pad12(rng.below(n))}`;
        const member = `m${1 + rng.below(5)}`;
        s += i % 2 === 0 ? resp(['ZADD', key, String(rng.below(100)), member]) : resp(['ZINCRBY', key, '1', member]);
      }
      return s;
    },
    describe: `N keys \`z:%012d\` (0..N-1), each \`ZADD key s1 m1 … s5 m5\` with integer scores 0..99; one command per key`,
    describeWrite: 'alternately ZADD of a new score (0..99) and ZINCRBY 1 for one existing member (m1..m5) of a random existing key',
  });

  out.set('lists', {
    name: 'lists',
    title: `lists: ${fmtNum(n)} keys, RPUSH of 5 elements each`,
    unit: 'key',
    count: n,
    commands: n,
    perCommand: 5,
    buildLoad: (from, to) => {
      let s = '';
      for (let i = from; i < to; i++) {
        s += resp(['RPUSH', `l:${pad12(i)}`, hashField(i, 1), hashField(i, 2), hashField(i, 3), hashField(i, 4), hashField(i, 5)]);
      }
      return s;
    },
    sampleKey: `l:${pad12(0)}`,
    expectEncoding: 'quicklist',
    checkCount: dbsizeCheck,
    samples: () => spotIndices(n).map((i) => [['LINDEX', `l:${pad12(i)}`, '2'], hashField(i, 3)]),
    buildWrite: (rng, from, to) => {
      let s = '';
      for (let i = from; i < to; i++) {
        const key = `l:${pad12(rng.below(n))}`;
        s += resp(['LSET', key, String(rng.below(5)), letters(rng.u32(), 10)]);
      }
      return s;
    },
    describe: `N keys \`l:%012d\` (0..N-1), each \`RPUSH key e1 … e5\` with 10-byte letter elements; one command per key`,
    describeWrite: 'LSET of one of the 5 elements of a random existing key to a new 10-byte value',
  });

  out.set('hlls', {
    name: 'hlls',
    title: `hlls: ${fmtNum(n)} keys, PFADD of 3 elements each`,
    unit: 'key',
    count: n,
    commands: n,
    perCommand: 3,
    buildLoad: (from, to) => {
      let s = '';
      for (let i = from; i < to; i++) s += resp(['PFADD', `p:${pad12(i)}`, hashField(i, 1), hashField(i, 2), hashField(i, 3)]);
      return s;
    },
    sampleKey: `p:${pad12(0)}`,
    expectEncoding: 'raw',
    checkCount: dbsizeCheck,
    // The value is an HLL in the sparse encoding: magic "HYLL", encoding byte 1.
    samples: () => spotIndices(n).map((i) => [['GETRANGE', `p:${pad12(i)}`, '0', '4'], 'HYLL\x01']),
    buildWrite: (rng, from, to) => {
      let s = '';
      for (let i = from; i < to; i++) s += resp(['PFADD', `p:${pad12(rng.below(n))}`, letters(rng.u32(), 10)]);
      return s;
    },
    describe: `N keys \`p:%012d\` (0..N-1), each \`PFADD key e1 e2 e3\` with 10-byte letter elements (sparse HLLs); one command per key`,
    describeWrite: 'PFADD of one new random 10-byte element to a random existing key',
  });

  const bigCmds = Math.ceil(m / zaddMembers);
  out.set('bigzset', {
    name: 'bigzset',
    title: `bigzset: one sorted set of ${fmtNum(m)} members`,
    unit: 'member',
    count: m,
    commands: bigCmds,
    perCommand: zaddMembers,
    buildLoad: (from, to) => {
      let s = '';
      for (let c = from; c < to; c++) {
        const args = ['ZADD', 'bz'];
        const hi = Math.min(m, (c + 1) * zaddMembers);
        for (let j = c * zaddMembers; j < hi; j++) args.push(String(bigScore(seed, j)), `m:${j}`);
        s += resp(args);
      }
      return s;
    },
    sampleKey: 'bz',
    expectEncoding: 'skiplist',
    checkCount: async (h, problems) => {
      try {
        const card = await command(h.port, ['ZCARD', 'bz'], 60000);
        if (typeof card !== 'number') throw new Error(`ZCARD returned ${JSON.stringify(card)}`);
        const keys = await safeDbsize(h, problems);
        if (keys !== undefined && keys !== 1) problems.push(`${h.label} bigzset: DBSIZE ${keys} != 1`);
        return card;
      } catch (e) {
        problems.push(`${h.label} bigzset: ZCARD failed: ${(e as Error).message}`);
        return undefined;
      }
    },
    samples: () => spotIndices(m).map((j) => [['ZSCORE', 'bz', `m:${j}`], String(bigScore(seed, j))]),
    buildWrite: (rng, from, to) => {
      let s = '';
      for (let i = from; i < to; i++) {
        const member = `m:${rng.below(m)}`;
        s += i % 2 === 0 ? resp(['ZADD', 'bz', String(rng.u32()), member]) : resp(['ZINCRBY', 'bz', '1', member]);
      }
      return s;
    },
    describe: `one key \`bz\` with M members \`m:%d\` (0..M-1), random integer scores in [0, 2^32) (seeded hash of the index), loaded by \`ZADD bz s m …\` of ${zaddMembers} members per command`,
    describeWrite: 'alternately ZADD of a new random score and ZINCRBY 1 for a random existing member',
  });

  const hsetFields = 100;
  out.set('bighash', {
    name: 'bighash',
    title: `bighash: one hash of ${fmtNum(hf)} fields`,
    unit: 'field',
    count: hf,
    commands: Math.ceil(hf / hsetFields),
    perCommand: hsetFields,
    buildLoad: (from, to) => {
      let s = '';
      for (let c = from; c < to; c++) {
        const args = ['HSET', 'bh'];
        const hi = Math.min(hf, (c + 1) * hsetFields);
        for (let j = c * hsetFields; j < hi; j++) args.push(`f:${j}`, letters(j, 10));
        s += resp(args);
      }
      return s;
    },
    sampleKey: 'bh',
    expectEncoding: 'hashtable',
    checkCount: async (h, problems) => {
      try {
        const len = await command(h.port, ['HLEN', 'bh'], 60000);
        if (typeof len !== 'number') throw new Error(`HLEN returned ${JSON.stringify(len)}`);
        return len;
      } catch (e) {
        problems.push(`${h.label} bighash: HLEN failed: ${(e as Error).message}`);
        return undefined;
      }
    },
    samples: () => spotIndices(hf).map((j) => [['HGET', 'bh', `f:${j}`], letters(j, 10)]),
    buildWrite: (rng, from, to) => {
      let s = '';
      for (let i = from; i < to; i++) s += resp(['HSET', 'bh', `f:${rng.below(hf)}`, letters(rng.u32(), 10)]);
      return s;
    },
    describe: `one key \`bh\` with H fields \`f:%d\` (0..H-1) and 10-byte letter values, loaded by \`HSET bh f v …\` of ${hsetFields} fields per command`,
    describeWrite: 'HSET of a random existing field with a new 10-byte value',
  });

  // One stream of N entries (N as for the hashes), appended by pipelined XADD with `*` IDs.
  out.set('stream', {
    name: 'stream',
    title: `stream: one stream of ${fmtNum(n)} entries, XADD * of 3 fields each`,
    unit: 'entry',
    count: n,
    commands: n,
    perCommand: 3,
    buildLoad: (from, to) => {
      let s = '';
      for (let i = from; i < to; i++) s += resp(['XADD', 'st', '*', 'sensor', String(i % 1000), 'temp', letters(i, 6), 'seq', String(i)]);
      return s;
    },
    sampleKey: 'st',
    expectEncoding: 'stream',
    checkCount: async (h, problems) => {
      try {
        const len = await command(h.port, ['XLEN', 'st'], 60000);
        if (typeof len !== 'number') throw new Error(`XLEN returned ${JSON.stringify(len)}`);
        return len;
      } catch (e) {
        problems.push(`${h.label} stream: XLEN failed: ${(e as Error).message}`);
        return undefined;
      }
    },
    samples: () => [[['TYPE', 'st'], 'stream']],
    buildWrite: (rng, from, to) => {
      let s = '';
      for (let i = from; i < to; i++) s += resp(['XADD', 'st', 'MAXLEN', '=', String(n), '*', 'sensor', String(rng.below(1000)), 'temp', letters(rng.u32(), 6), 'seq', String(i)]);
      return s;
    },
    describe: 'one key `st`, N entries `XADD st * sensor <0..999> temp <6 letters> seq <i>` (one command per entry)',
    describeWrite: 'XADD MAXLEN = N * of a new 3-field entry (the oldest entry is trimmed: the length stays N)',
  });
  return out;
}

/** First, last and 30 pseudo-random indices in [0, n). */
function spotIndices(n: number): number[] {
  const idx = new Set<number>([0, n - 1]);
  const rng = new Rng(12345);
  while (idx.size < Math.min(n, 32)) idx.add(rng.below(n));
  return [...idx];
}

interface Config {
  spindleCmd: string[];
  redisCmd: string[];
  serverArgs: string[];
  spindleArgs: string[];
  portRange: [number, number];
  conns: number;
  batchEntries: number;
  writeBatch: number;
  window: number;
  loadTimeoutMs: number;
  settleMs: number;
  writeSeconds: number;
  writeOps: number;
  writeRedis: boolean;
  seed: number;
  complexitySizes: number[];
  complexityOps: number;
  complexityBatch: number;
  complexityTimeoutMs: number;
  complexityWarmup: number;
}

const log = (s: string) => process.stderr.write(s + '\n');

async function startSide(side: Side, cfg: Config): Promise<ServerHandle> {
  return startServer({
    label: side,
    cmd: side === 'redis' ? cfg.redisCmd : cfg.spindleCmd,
    extraArgs: side === 'redis' ? cfg.serverArgs : [...cfg.serverArgs, ...cfg.spindleArgs],
    portRange: cfg.portRange,
  });
}

function pipelineProblem(what: string, r: PipelineResult): string | undefined {
  if (r.errors) return `${what}: ${fmtNum(r.errors)} command(s) failed; first error: ${r.firstError}`;
  return undefined;
}

async function runMemScenario(sc: MemScenario, side: Side, cfg: Config, problems: string[]): Promise<MemResult> {
  log(`--- ${sc.name}: ${side}, ${fmtNum(sc.count)} ${sc.unit}s ---`);
  const h = await startSide(side, cfg);
  const res: MemResult = { scenario: sc.name, side, version: '?', argv: h.argv };
  const tag = `${side} ${sc.name}`;
  try {
    res.version = await serverVersion(h.port);
    await sleep(cfg.settleMs);
    const info0 = await safeInfo(h, problems);
    res.rss0 = readRss(h.pid);
    res.used0 = infoNumber(info0, 'used_memory');
    log(`${side} pid ${h.pid} port ${h.port} (${res.version}): baseline RSS ${mib(res.rss0)}, used_memory ${mib(res.used0)}`);

    const batch = Math.max(1, Math.round(cfg.batchEntries / sc.perCommand));
    const load = await runPipelined(h.port, `${tag} load`, {
      total: sc.commands,
      conns: cfg.conns,
      batch,
      window: cfg.window,
      deadline: Date.now() + cfg.loadTimeoutMs,
      build: (_c, from, to) => Buffer.from(sc.buildLoad(from, to), 'latin1'),
    });
    assertAlive(h);
    res.loadSeconds = load.seconds;
    const lp = pipelineProblem(`${tag} load`, load);
    if (lp) problems.push(lp);
    res.count = await sc.checkCount(h, problems);
    log(
      `loaded ${fmtNum(sc.count)} ${sc.unit}s in ${load.seconds.toFixed(1)} s (${fmtNum(sc.count / load.seconds)} ${sc.unit}s/s), ` +
        `count ${res.count === undefined ? 'n/a' : fmtNum(res.count)}`,
    );
    if (res.count !== undefined && res.count !== sc.count) problems.push(`${tag}: count ${res.count} != ${sc.count} after load`);
    await spotCheck(h, sc, tag, problems);
    try {
      const enc = await command(h.port, ['OBJECT', 'ENCODING', sc.sampleKey]);
      res.encoding = typeof enc === 'string' ? enc : JSON.stringify(enc);
    } catch (e) {
      res.encoding = `error: ${(e as Error).message}`;
    }
    if (res.encoding !== sc.expectEncoding) problems.push(`${tag}: OBJECT ENCODING ${sc.sampleKey} is ${res.encoding}, expected ${sc.expectEncoding}`);

    await sleep(cfg.settleMs);
    const info1 = await safeInfo(h, problems);
    res.rss1 = readRss(h.pid);
    res.peakRss = readPeakRss(h.pid);
    res.used1 = infoNumber(info1, 'used_memory');
    res.gcAfterLoad = gcStats(info1);
    log(
      `after load: RSS ${mib(res.rss1)} (peak ${mib(res.peakRss)}), used_memory ${mib(res.used1)}; ` +
        `RSS ${fmtNum(bytesPerKey(delta(res.rss1, res.rss0), sc.count), 1)} B/${sc.unit}, ` +
        `used_memory ${fmtNum(bytesPerKey(delta(res.used1, res.used0), sc.count), 1)} B/${sc.unit}, encoding ${res.encoding}`,
    );

    if (side === 'spindle' || cfg.writeRedis) {
      try {
        await command(h.port, ['CONFIG', 'RESETSTAT']);
      } catch (e) {
        problems.push(`${tag}: CONFIG RESETSTAT failed: ${(e as Error).message}`);
      }
      log(`write load: ${sc.describeWrite}; up to ${fmtNum(cfg.writeOps)} ops or ${cfg.writeSeconds} s ...`);
      const w = await runPipelined(h.port, `${tag} write load`, {
        total: cfg.writeOps,
        conns: cfg.conns,
        batch: cfg.writeBatch,
        window: cfg.window,
        stopAt: Date.now() + cfg.writeSeconds * 1000,
        deadline: Date.now() + cfg.writeSeconds * 1000 + 120000,
        build: (() => {
          const rngs = new Map<number, Rng>();
          return (c: number, from: number, to: number) => {
            let rng = rngs.get(c);
            if (!rng) rngs.set(c, (rng = new Rng(cfg.seed * 7919 + c + 1)));
            return Buffer.from(sc.buildWrite(rng, from, to), 'latin1');
          };
        })(),
      });
      assertAlive(h);
      const wp = pipelineProblem(`${tag} write load`, w);
      if (wp) problems.push(wp);
      const info2 = await safeInfo(h, problems);
      res.write = { ops: w.cmds, seconds: w.seconds, gc: gcStats(info2), rssAfter: readRss(h.pid) };
      res.write.countAfter = await sc.checkCount(h, problems);
      if (res.write.countAfter !== undefined && res.write.countAfter !== sc.count) {
        problems.push(`${tag}: count ${res.write.countAfter} != ${sc.count} after the write load`);
      }
      const g = res.write.gc;
      log(
        `write load: ${fmtNum(w.cmds)} ops in ${w.seconds.toFixed(1)} s (${fmtNum(w.cmds / w.seconds)} ops/s), RSS ${mib(res.write.rssAfter)}` +
          (side === 'spindle' ? `; gc_count ${g.gc_count}, max pause ${g.gc_pause_max_ms} ms (minor ${g.gc_minor_pause_max_ms}, major ${g.gc_major_pause_max_ms})` : ''),
      );
    }
  } catch (e) {
    res.failed = (e as Error).message;
    problems.push(`${tag}: ${res.failed}`);
    log(`${tag} FAILED: ${res.failed}`);
  } finally {
    await stopServer(h);
  }
  return res;
}

async function spotCheck(h: ServerHandle, sc: MemScenario, tag: string, problems: string[]): Promise<void> {
  const bad: string[] = [];
  for (const [args, expected] of sc.samples()) {
    let got: unknown;
    try {
      got = await command(h.port, args);
    } catch (e) {
      got = `error: ${(e as Error).message}`;
    }
    if (got !== expected && bad.length < 3) bad.push(`${args.join(' ')} returned ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  }
  if (bad.length) problems.push(`${tag}: spot check of loaded data failed: ${bad.join('; ')}`);
}

// ---------------------------------------------------------------------------
// Complexity scenario
// ---------------------------------------------------------------------------

interface ComplexityPoint {
  size: number;
  zaddMeanUs?: number;
  zaddMedianUs?: number;
  zrankMeanUs?: number;
  zrankMedianUs?: number;
  growSeconds?: number;
}

interface ComplexityResult {
  side: Side;
  version: string;
  argv: string[];
  points: ComplexityPoint[];
  failed?: string;
}

/**
 * Times `rounds` pipelined rounds of `batch` commands each (one write per
 * round, clock from just before the write to the last reply). Returns mean
 * and median µs per command. `after` runs untimed after each round.
 */
async function timedRounds(
  conn: PipeConn,
  rounds: number,
  batch: number,
  deadline: number,
  build: (round: number) => Buffer,
  check: (round: number, counter: ReplyCounter) => void,
  after?: (round: number) => Promise<void>,
): Promise<{ meanUs: number; medianUs: number }> {
  const perRound: number[] = [];
  let total = 0;
  for (let r = 0; r < rounds; r++) {
    const buf = build(r);
    const t0 = performance.now();
    await conn.send(buf, batch, deadline);
    await conn.waitReplies(conn.sent, deadline, 'a timed round');
    const dt = performance.now() - t0;
    check(r, conn.counter);
    total += dt;
    perRound.push((dt * 1000) / batch);
    if (after) await after(r);
  }
  return { meanUs: (total * 1000) / (rounds * batch), medianUs: median(perRound) ?? NaN };
}

async function runComplexity(side: Side, cfg: Config, problems: string[]): Promise<ComplexityResult> {
  log(`--- complexity: ${side}, sizes ${cfg.complexitySizes.map((s) => fmtNum(s)).join(', ')} ---`);
  const h = await startSide(side, cfg);
  const res: ComplexityResult = { side, version: '?', argv: h.argv, points: [] };
  const tag = `${side} complexity`;
  const deadline = Date.now() + cfg.complexityTimeoutMs;
  const zaddMembers = 100;
  const batch = cfg.complexityBatch;
  const rounds = Math.max(1, Math.ceil(cfg.complexityOps / batch));
  const rng = new Rng(cfg.seed * 31 + 7);
  let conn: PipeConn | undefined;
  try {
    res.version = await serverVersion(h.port);
    conn = await PipeConn.open(h.port, tag);
    const c0 = conn;

    /** Adds members m:<j>, j in [from, to), to `key` with ZADDs of up to 100 members; returns seconds. */
    const grow = async (key: string, from: number, to: number): Promise<number> => {
      const g = await runPipelined(h.port, `${tag} grow`, {
        total: Math.ceil((to - from) / zaddMembers),
        conns: 1,
        batch: Math.max(1, Math.round(cfg.batchEntries / zaddMembers)),
        window: cfg.window,
        deadline,
        build: (_c, a, b) => {
          let s = '';
          for (let c = a; c < b; c++) {
            const args = ['ZADD', key];
            const hi = Math.min(to, from + (c + 1) * zaddMembers);
            for (let j = from + c * zaddMembers; j < hi; j++) args.push(String(bigScore(cfg.seed, j)), `m:${j}`);
            s += resp(args);
          }
          return Buffer.from(s, 'latin1');
        },
      });
      const gp = pipelineProblem(`${tag} grow ${key} to ${to}`, g);
      if (gp) problems.push(gp);
      return g.seconds;
    };

    /** Times `n` rounds of ZRANK, then `n` rounds of ZADD (+ untimed ZREM) on `key` of `size` members. */
    const measure = async (key: string, size: number, n: number) => {
      const rankBuf = () => {
        let s = '';
        for (let k = 0; k < batch; k++) s += resp(['ZRANK', key, `m:${rng.below(size)}`]);
        return Buffer.from(s, 'latin1');
      };
      let nils0 = c0.counter.nils;
      let errs0 = c0.counter.errors;
      const zr = await timedRounds(c0, n, batch, deadline, rankBuf, (_r, ct) => {
        if (ct.nils !== nils0 || ct.errors !== errs0) {
          problems.push(`${tag} size ${size}: ZRANK of an existing member returned ${ct.nils - nils0} nil(s), ${ct.errors - errs0} error(s)${ct.firstError ? `; first error: ${ct.firstError}` : ''}`);
          nils0 = ct.nils;
          errs0 = ct.errors;
        }
      });
      // ZADD of new members, removed again (untimed ZREM) after each round so
      // the set stays between size and size + batch.
      let sum0 = c0.counter.intSum;
      const added: string[] = [];
      const za = await timedRounds(
        c0,
        n,
        batch,
        deadline,
        (r) => {
          added.length = 0;
          let s = '';
          for (let k = 0; k < batch; k++) {
            const member = `x:${size}:${r}:${k}`;
            added.push(member);
            s += resp(['ZADD', key, String(rng.u32()), member]);
          }
          return Buffer.from(s, 'latin1');
        },
        (_r, ct) => {
          if (ct.intSum - sum0 !== batch || ct.errors !== errs0) {
            problems.push(`${tag} size ${size}: ${batch} ZADDs of new members added ${ct.intSum - sum0}, ${ct.errors - errs0} error(s)${ct.firstError ? `; first error: ${ct.firstError}` : ''}`);
            errs0 = ct.errors;
          }
          sum0 = ct.intSum;
        },
        async () => {
          await c0.send(Buffer.from(resp(['ZREM', key, ...added]), 'latin1'), 1, deadline);
          await c0.waitReplies(c0.sent, deadline, 'ZREM');
          if (c0.counter.intSum - sum0 !== batch) problems.push(`${tag} size ${size}: ZREM removed ${c0.counter.intSum - sum0} of ${batch}`);
          sum0 = c0.counter.intSum;
        },
      );
      return { zr, za };
    };

    // Warm-up (untimed): the same commands on a throwaway set of the first
    // size, so Spindle's JIT has compiled the paths before the first timing.
    if (cfg.complexityWarmup > 0 && cfg.complexitySizes.length) {
      const ws = cfg.complexitySizes[0]!;
      await grow('cz:warmup', 0, ws);
      await measure('cz:warmup', ws, cfg.complexityWarmup);
      await command(h.port, ['DEL', 'cz:warmup'], 60000);
    }

    let cur = 0;
    for (const size of cfg.complexitySizes) {
      const point: ComplexityPoint = { size };
      res.points.push(point);
      if (size > cur) {
        point.growSeconds = await grow('cz', cur, size);
        cur = size;
      }
      assertAlive(h);
      const card = await command(h.port, ['ZCARD', 'cz'], 60000);
      if (card !== size) problems.push(`${tag}: ZCARD ${JSON.stringify(card)} != ${size} before measuring`);
      await measure('cz', size, 1); // one untimed round of each at this size
      const { zr, za } = await measure('cz', size, rounds);
      point.zrankMeanUs = zr.meanUs;
      point.zrankMedianUs = zr.medianUs;
      point.zaddMeanUs = za.meanUs;
      point.zaddMedianUs = za.medianUs;
      log(
        `size ${fmtNum(size)}: ZADD ${za.meanUs.toFixed(2)} µs/op (median round ${za.medianUs.toFixed(2)}), ` +
          `ZRANK ${zr.meanUs.toFixed(2)} µs/op (median round ${zr.medianUs.toFixed(2)})` +
          (point.growSeconds !== undefined ? `; grown in ${point.growSeconds.toFixed(1)} s` : ''),
      );
    }
  } catch (e) {
    res.failed = (e as Error).message;
    problems.push(`${tag}: ${res.failed}`);
    log(`${tag} FAILED: ${res.failed}`);
  } finally {
    conn?.close();
    await stopServer(h);
  }
  return res;
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

const fmtMs = (s: string | undefined) => (s === undefined ? 'n/a' : s);

function gcMax(g: GcStats | undefined): number | undefined {
  if (!g) return undefined;
  const v = Number(g.gc_pause_max_ms);
  return Number.isFinite(v) ? v : undefined;
}

function memTable(sc: MemScenario, r: MemResult | undefined, s: MemResult | undefined): string {
  const per = (m: MemResult | undefined, a: 'rss' | 'used') =>
    m && (a === 'rss' ? bytesPerKey(delta(m.rss1, m.rss0), sc.count) : bytesPerKey(delta(m.used1, m.used0), sc.count));
  const rate = (m: MemResult | undefined) => (m?.loadSeconds ? sc.count / m.loadSeconds : undefined);
  const wrate = (m: MemResult | undefined) => (m?.write ? m.write.ops / m.write.seconds : undefined);
  const num = (a: number | undefined, b: number | undefined, digits: number): string[] => [fmtNum(a, digits), fmtNum(b, digits), fmtRatio(a, b)];
  const mibRow = (a: number | undefined, b: number | undefined): string[] => [mib(a), mib(b), fmtRatio(a, b)];
  const sg = s?.write?.gc;
  const sMax = gcMax(sg);
  const rows: string[][] = [
    [`bytes/${sc.unit} (RSS delta)`, ...num(per(s, 'rss'), per(r, 'rss'), 1)],
    [`bytes/${sc.unit} (used_memory delta)`, ...num(per(s, 'used'), per(r, 'used'), 1)],
    [`OBJECT ENCODING ${sc.sampleKey}`, s?.encoding ?? 'n/a', r?.encoding ?? 'n/a', s?.encoding === sc.expectEncoding && r?.encoding === sc.expectEncoding ? `both ${sc.expectEncoding}` : `expected ${sc.expectEncoding}`],
    [`${sc.unit}s after load`, fmtNum(s?.count), fmtNum(r?.count), ''],
    ['load seconds', fmtNum(s?.loadSeconds, 1), fmtNum(r?.loadSeconds, 1), fmtRatio(s?.loadSeconds, r?.loadSeconds)],
    [`load ${sc.unit}s/s`, ...num(rate(s), rate(r), 0)],
    ['RSS before load', ...mibRow(s?.rss0, r?.rss0)],
    ['RSS after load', ...mibRow(s?.rss1, r?.rss1)],
    ['peak RSS after load', ...mibRow(s?.peakRss, r?.peakRss)],
    ['used_memory after load', ...mibRow(s?.used1, r?.used1)],
    ['write load ops', fmtNum(s?.write?.ops), r?.write ? fmtNum(r.write.ops) : '-', ''],
    ['write load ops/s', fmtNum(wrate(s)), r?.write ? fmtNum(wrate(r)) : '-', fmtRatio(wrate(s), wrate(r))],
    ['RSS after write load', mib(s?.write?.rssAfter), r?.write ? mib(r.write.rssAfter) : '-', fmtRatio(s?.write?.rssAfter, r?.write?.rssAfter)],
    ['GC count (write load)', fmtMs(sg?.gc_count), '-', ''],
    ['GC pause total ms (write load)', fmtMs(sg?.gc_pause_total_ms), '-', ''],
    ['GC max pause ms, minor / major (write load)', sg ? `${sg.gc_minor_pause_max_ms} / ${sg.gc_major_pause_max_ms}` : 'n/a', '-', ''],
    [
      `GC max pause ms (write load), target < ${GC_TARGET_MS}`,
      fmtMs(sg?.gc_pause_max_ms),
      '-',
      sMax === undefined ? 'n/a' : sMax < GC_TARGET_MS ? 'PASS' : 'FAIL',
    ],
    ['GC count / max pause ms (whole load phase)', s?.gcAfterLoad ? `${s.gcAfterLoad.gc_count} / ${s.gcAfterLoad.gc_pause_max_ms}` : 'n/a', '-', ''],
  ];
  return markdownTable(['metric', '>spindle', '>redis', '>ratio (spindle/redis)'], rows);
}

function complexityTable(r: ComplexityResult | undefined, s: ComplexityResult | undefined, sizes: number[], median: boolean): string {
  const pick = (x: ComplexityResult | undefined, size: number) => x?.points.find((p) => p.size === size);
  const zadd = (p: ComplexityPoint | undefined) => (median ? p?.zaddMedianUs : p?.zaddMeanUs);
  const zrank = (p: ComplexityPoint | undefined) => (median ? p?.zrankMedianUs : p?.zrankMeanUs);
  const rows: string[][] = sizes.map((size) => {
    const rp = pick(r, size);
    const sp = pick(s, size);
    return [fmtNum(size), fmtNum(zadd(sp), 2), fmtNum(zadd(rp), 2), fmtRatio(zadd(sp), zadd(rp)), fmtNum(zrank(sp), 2), fmtNum(zrank(rp), 2), fmtRatio(zrank(sp), zrank(rp))];
  });
  if (sizes.length >= 2) {
    const lo = sizes[0]!;
    const hi = sizes[sizes.length - 1]!;
    const g = (x: ComplexityResult | undefined, f: (p: ComplexityPoint | undefined) => number | undefined) => {
      const v = fmtRatio(f(pick(x, hi)), f(pick(x, lo)));
      return v === 'n/a' ? v : `${v}x`;
    };
    rows.push([`growth ${fmtNum(hi)} / ${fmtNum(lo)}`, g(s, zadd), g(r, zadd), '', g(s, zrank), g(r, zrank), '']);
  }
  return markdownTable(
    ['>set size', '>spindle ZADD µs', '>redis ZADD µs', '>ratio', '>spindle ZRANK µs', '>redis ZRANK µs', '>ratio'],
    rows,
  );
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), OPTIONS, USAGE);
  const str = (k: string) => String(opts.get(k) ?? '');
  const quick = opts.get('quick') === true;
  const pick = (k: string, full: string, small: string) => (opts.has(k) ? str(k) : quick ? small : full);

  const scenarios = str('scenarios')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const s of scenarios) {
    if (!(ALL_SCENARIOS as readonly string[]).includes(s)) throw new UsageError(`unknown scenario: ${s} (expected ${ALL_SCENARIOS.join(', ')})`);
  }
  const n = parseCount(pick('n', '1000000', '20000'));
  const m = parseCount(pick('m', '10000000', '200000'));
  const zaddMembers = Math.max(1, parseCount(str('zadd-members')));
  const hf = parseCount(pick('hash-fields', '1000000', '100000'));
  if (n < 1 || m < 1) throw new UsageError('--n and --m must be at least 1');
  const cfg: Config = {
    spindleCmd: resolveSpindleCmd(str('spindle-cmd'), splitCommand(str('spindle-node-args'))),
    redisCmd: splitCommand(str('redis-cmd')),
    serverArgs: splitCommand(str('server-args')),
    spindleArgs: splitCommand(str('spindle-args')),
    portRange: parsePortRange(str('ports')),
    conns: Math.max(1, parseCount(str('loader-conns'))),
    batchEntries: Math.max(1, parseCount(str('batch'))),
    writeBatch: Math.max(1, parseCount(str('write-batch'))),
    window: Math.max(1, parseCount(str('window'))),
    loadTimeoutMs: parseCount(str('load-timeout')) * 1000,
    settleMs: Number(str('settle')) * 1000,
    writeSeconds: Number(pick('write-seconds', '30', '5')),
    writeOps: parseCount(pick('write-ops', '2000000', '200000')),
    writeRedis: opts.get('write-redis') === true,
    seed: parseCount(str('seed')),
    complexitySizes: [...new Set(parseIntList(pick('complexity-sizes', '1k,10k,100k,1m', '1k,10k,100k')))].sort((a, b) => a - b),
    complexityOps: Math.max(1, parseCount(pick('complexity-ops', '20000', '5000'))),
    complexityBatch: Math.max(1, parseCount(str('complexity-batch'))),
    complexityTimeoutMs: parseCount(str('complexity-timeout')) * 1000,
    complexityWarmup: parseCount(str('complexity-warmup')),
  };
  if (!Number.isFinite(cfg.writeSeconds) || cfg.writeSeconds <= 0) throw new UsageError('--write-seconds must be a positive number');
  if (!Number.isFinite(cfg.settleMs) || cfg.settleMs < 0) throw new UsageError('--settle must be a number of seconds');
  const out = opts.get('out') as string | undefined;

  const started = new Date();
  const loadAtStart = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const problems: string[] = [];
  const defs = makeScenarios(n, m, zaddMembers, cfg.seed, hf);
  const memResults: MemResult[] = [];
  let cx: { redis?: ComplexityResult; spindle?: ComplexityResult } | undefined;

  for (const name of scenarios as ScenarioName[]) {
    if (name === 'complexity') {
      cx = {};
      for (const side of SIDES) cx[side] = await runComplexity(side, cfg, problems);
    } else {
      const sc = defs.get(name)!;
      for (const side of SIDES) memResults.push(await runMemScenario(sc, side, cfg, problems));
    }
  }

  // ---- report ----
  const all: Array<{ side: Side; version: string; argv: string[] }> = [...memResults, ...(cx ? [cx.redis, cx.spindle].filter((x) => x !== undefined) : [])];
  const first = (side: Side) => all.find((x) => x.side === side);
  const lines: string[] = [];
  lines.push(`## Aggregate types: Spindle vs Redis (${started.toISOString()})`);
  lines.push('');
  lines.push(`Reproduce: \`${reproduceCommand()}\``);
  lines.push('');
  for (const side of SIDES) {
    const f = first(side);
    lines.push(`- ${side.padEnd(8)} ${f?.version ?? '?'} — \`${f ? f.argv.map(shellQuote).join(' ') : '?'}\``);
  }
  const memNames = scenarios.filter((s) => s !== 'complexity');
  if (memNames.length) {
    lines.push(
      `- method:  fresh server per scenario and server, one server at a time; loads are pipelined RESP written straight from Node over ` +
        `${cfg.conns} connection(s), ≤ ${cfg.window} unacknowledged writes each; after the load CONFIG RESETSTAT, then a write load of ` +
        `≤ ${fmtNum(cfg.writeOps)} ops or ${cfg.writeSeconds} s (${cfg.writeBatch} commands per write) on Spindle${cfg.writeRedis ? ' and Redis' : ''}; ` +
        `the GC rows are Spindle's INFO "# Spindle" fields read right after it (perf_hooks wall-clock durations: descheduling on a busy host inflates them)`,
    );
  }
  lines.push(`- host:    ${environmentSummary()}`);
  lines.push(`- loadavg at start: ${loadAtStart} (the host line above is read at the end; other work on the machine inflates the timings)`);

  if (memNames.length) {
    lines.push('');
    lines.push('### Summary');
    lines.push('');
    const rows = memNames.map((name) => {
      const sc = defs.get(name)!;
      const r = memResults.find((x) => x.scenario === name && x.side === 'redis');
      const s = memResults.find((x) => x.scenario === name && x.side === 'spindle');
      const sr = s && bytesPerKey(delta(s.rss1, s.rss0), sc.count);
      const rr = r && bytesPerKey(delta(r.rss1, r.rss0), sc.count);
      const gm = gcMax(s?.write?.gc);
      return [
        name,
        `${fmtNum(sc.count)} ${sc.unit}s`,
        fmtNum(sr, 1),
        fmtNum(rr, 1),
        fmtRatio(sr, rr),
        `${s?.encoding ?? 'n/a'} / ${r?.encoding ?? 'n/a'}`,
        s?.write?.gc.gc_count ?? 'n/a',
        gm === undefined ? 'n/a' : `${s!.write!.gc.gc_pause_max_ms} (${gm < GC_TARGET_MS ? 'PASS' : 'FAIL'})`,
      ];
    });
    lines.push(
      markdownTable(
        ['scenario', '>size', '>spindle B/unit (RSS)', '>redis B/unit (RSS)', '>ratio', 'encoding spindle / redis', '>spindle GC count', `>spindle max GC pause ms (< ${GC_TARGET_MS})`],
        rows,
      ),
    );
  }

  for (const name of memNames) {
    const sc = defs.get(name)!;
    lines.push('');
    lines.push(`### ${sc.title}`);
    lines.push('');
    lines.push(`Data: ${sc.describe}. Write load: ${sc.describeWrite}.`);
    lines.push('');
    lines.push(
      memTable(
        sc,
        memResults.find((x) => x.scenario === name && x.side === 'redis'),
        memResults.find((x) => x.scenario === name && x.side === 'spindle'),
      ),
    );
  }

  if (cx) {
    const sizes = cfg.complexitySizes;
    lines.push('');
    lines.push(`### complexity: one sorted set grown to ${fmtNum(sizes[sizes.length - 1])} members`);
    lines.push('');
    lines.push(
      `At each size S, the set \`cz\` holds S members \`m:%d\` with random scores. Mean µs per command over ${fmtNum(Math.ceil(cfg.complexityOps / cfg.complexityBatch) * cfg.complexityBatch)} commands, ` +
        `in pipelined rounds of ${fmtNum(cfg.complexityBatch)} on one connection (clock from the write to the last reply of the round, so each round includes one loopback round trip). ` +
        `ZRANK: random existing member. ZADD: a new member with a random score; each round's members are removed by an untimed ZREM, so the set stays within [S, S + ${fmtNum(cfg.complexityBatch)}]. ` +
        `Before timing: ${cfg.complexityWarmup} untimed rounds of each command on a throwaway set of the first size (JIT warm-up), and one untimed round of each at every size. ` +
        'O(log n) shows as a small growth factor from the smallest to the largest size (pipelined cost is dominated by per-command overhead; cache misses make large sets slower too); O(n) would be about the size ratio.',
    );
    lines.push('');
    lines.push(complexityTable(cx.redis, cx.spindle, sizes, false));
    lines.push('');
    lines.push('Median over rounds (µs per command), less sensitive to GC pauses and noise:');
    lines.push('');
    lines.push(complexityTable(cx.redis, cx.spindle, sizes, true));
  }

  lines.push('');
  lines.push(
    'B/unit = (value after load − baseline of the same fresh process) / count. RSS is /proc/<pid>/status VmRSS (process plus descendants). ' +
      'Absolute numbers on a shared machine are noise; compare ratios within one run.',
  );
  const report = reportText(lines, problems);
  publishReport(report, out, problems);
}

runMain(main);

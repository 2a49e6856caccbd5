// Dict micro-benchmark: lookups, inserts, deletes and SCAN on the three typed-array dicts
// (Keyspace, ByteDict, Skiplist's member dict), in process, with no server and no sockets.
//
//   node bench/dict.ts                                   # this tree, 1M entries, 5 runs
//   node bench/dict.ts --root /tmp/dict-before,. --labels before,after --repeat 5
//   node bench/dict.ts --n 200k --q 200k --repeat 1      # quick
//
// Each run is a fresh child process per tree (`--root`, comma-separated: each tree's src/store
// modules are imported from there, so one script measures two commits), and the trees take turns
// (the order flips every repetition) so that drifting machine load does not favour one. A child:
//   keyspace  inserts N keys `key:%012d` (find miss + add, like SET of a new key), then times Q
//             random hits and Q misses with the table quiet; builds a second keyspace of 2^k + 1
//             keys (2^k the largest power of two <= N: the last add starts a doubling) and times
//             Q/4 hits and Q/4 misses while that rehash is in progress (each find moves a
//             bucket); then Q random deletes (find + delete: the last id moves into the hole)
//             and one full SCAN of what is left
//   bytedict  N fields `key:%012d` with 10-byte values: insert, Q hits, Q misses
//   skiplist  N members `key:%012d`: insert (find miss + insert), Q hits (find)
// Hashes are computed before the timed loops (hashBytes is not the dict's cost). Each lookup loop
// runs 3 passes in the child and the fastest counts (on a shared host the slower ones met other
// work); the doubling phase gets a fresh keyspace per pass. Reported: ns per operation (median
// over the runs, with the min-max spread), lookups/s, GC events per lookup pass that perf_hooks
// saw (the same before and after means the lookups allocate no more than before), and the dict's
// own bytes per entry.

import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { appendOut, environmentSummary, markdownTable, parseCount, parseOptions, reproduceCommand, runMain, UsageError } from './lib.ts';

const USAGE = `Usage: node bench/dict.ts [options]

Times lookups, inserts, deletes and SCAN on Keyspace, ByteDict and Skiplist in fresh
child processes, for one or more source trees (--root), alternating between them.`;

const OPTIONS = [
  { names: ['--root'], kind: 'string' as const, default: '.', help: 'comma-separated source trees to measure (each needs src/store/)' },
  { names: ['--labels'], kind: 'string' as const, default: '', help: 'comma-separated names for the trees (default: their paths)' },
  { names: ['--n'], kind: 'string' as const, default: '1m', help: 'entries per dict (k/m suffixes ok)' },
  { names: ['--q'], kind: 'string' as const, default: '1m', help: 'operations per timed loop' },
  { names: ['--repeat'], kind: 'string' as const, default: '5', help: 'runs per tree (alternating trees)' },
  { names: ['--out'], kind: 'string' as const, help: 'append the markdown report to this file' },
  { names: ['--child'], kind: 'boolean' as const, default: false, help: '(internal) measure one tree in this process' },
];

const KEY_LEN = 16;
/** Passes of each repeatable timed loop; the fastest counts. */
const PASSES = 3;

/** Writes `<prefix>%012d` (prefix of 4 bytes) at buf[off..off+16). */
function writeKey(buf: Uint8Array, off: number, prefix: string, i: number): void {
  for (let k = 0; k < 4; k++) buf[off + k] = prefix.charCodeAt(k);
  for (let k = 15; k >= 4; k--) {
    buf[off + k] = 0x30 + (i % 10);
    i = Math.floor(i / 10);
  }
}

/** xorshift32 indices in [0, n), precomputed so the timed loops do nothing else. */
function randomIndices(count: number, n: number, seed: number): Int32Array {
  const out = new Int32Array(count);
  let s = seed | 0 || 1;
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = Math.floor(((s >>> 0) / 4294967296) * n);
  }
  return out;
}

// The timed loops, one small function per dict type so that each is optimised on its own (not
// by on-stack replacement inside one long async function) and its call site stays monomorphic.
function ksFinds(ks: any, keys: Uint8Array, hashes: Uint32Array, pick: Int32Array, q: number): number {
  let sink = 0;
  for (let k = 0; k < q; k++) {
    const i = pick[k]!;
    sink = (sink + ks.find(keys, i * KEY_LEN, KEY_LEN, hashes[i]!)) | 0;
  }
  return sink;
}

function bdFinds(d: any, keys: Uint8Array, hashes: Uint32Array, pick: Int32Array, q: number): number {
  let sink = 0;
  for (let k = 0; k < q; k++) {
    const i = pick[k]!;
    sink = (sink + d.find(keys, i * KEY_LEN, KEY_LEN, hashes[i]!)) | 0;
  }
  return sink;
}

function slFinds(sl: any, keys: Uint8Array, hashes: Uint32Array, pick: Int32Array, q: number): number {
  let sink = 0;
  for (let k = 0; k < q; k++) {
    const i = pick[k]!;
    sink = (sink + sl.find(keys, i * KEY_LEN, KEY_LEN, hashes[i]!)) | 0;
  }
  return sink;
}

function ksInserts(ks: any, keys: Uint8Array, hashes: Uint32Array, from: number, to: number, type: number): void {
  for (let i = from; i < to; i++) {
    const o = i * KEY_LEN;
    const h = hashes[i]!;
    if (ks.find(keys, o, KEY_LEN, h) < 0) ks.add(keys, o, KEY_LEN, h, 10, type);
  }
}

function ksDeletes(ks: any, keys: Uint8Array, hashes: Uint32Array, pick: Int32Array, q: number): number {
  let deleted = 0;
  for (let k = 0; k < q; k++) {
    const i = pick[k]!;
    const e = ks.find(keys, i * KEY_LEN, KEY_LEN, hashes[i]!);
    if (e >= 0) {
      ks.delete(e);
      deleted++;
    }
  }
  return deleted;
}

function bdInserts(d: any, keys: Uint8Array, hashes: Uint32Array, n: number, val: Uint8Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * KEY_LEN;
    const h = hashes[i]!;
    if (d.find(keys, o, KEY_LEN, h) < 0) d.add(keys, o, KEY_LEN, val, 0, 10, h);
  }
}

function slInserts(sl: any, keys: Uint8Array, hashes: Uint32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const o = i * KEY_LEN;
    const h = hashes[i]!;
    if (sl.find(keys, o, KEY_LEN, h) === 0) sl.insert(keys, o, KEY_LEN, i % 1000, h);
  }
}

type Result = Record<string, number>;

async function runChild(root: string, n: number, q: number): Promise<void> {
  const store = (m: string): string => pathToFileURL(path.resolve(root, 'src/store', m)).href;
  const { Arena } = await import(store('arena.ts'));
  const { Keyspace, OBJ_STRING } = await import(store('keyspace.ts'));
  const { ByteDict } = await import(store('bytedict.ts'));
  const { Skiplist } = await import(store('skiplist.ts'));
  const { hashBytes } = await import(store('hash.ts'));

  let gcEvents = 0;
  const obs = new PerformanceObserver((list) => {
    gcEvents += list.getEntries().length;
  });
  obs.observe({ entryTypes: ['gc'] });
  const settle = (): Promise<void> => new Promise((r) => setImmediate(r)); // lets GC entries arrive

  const hits = new Uint8Array(n * KEY_LEN);
  const misses = new Uint8Array(n * KEY_LEN);
  const hitHash = new Uint32Array(n);
  const missHash = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    writeKey(hits, i * KEY_LEN, 'key:', i);
    writeKey(misses, i * KEY_LEN, 'mis:', i);
    hitHash[i] = hashBytes(hits, i * KEY_LEN, KEY_LEN);
    missHash[i] = hashBytes(misses, i * KEY_LEN, KEY_LEN);
  }
  const pick = randomIndices(q, n, 0x9e3779b9);
  const r: Result = {};
  let sink = 0;
  const now = (): number => performance.now();
  /** ns per op of the fastest of PASSES runs of a loop (the others met more interference). */
  const best = (ops: number, loop: () => number): number => {
    let min = Infinity;
    for (let p = 0; p < PASSES; p++) {
      const t0 = now();
      sink = (sink + loop()) | 0;
      min = Math.min(min, now() - t0);
    }
    return (min * 1e6) / ops;
  };

  // ---- keyspace ----
  const arena = new Arena();
  const ks = new Keyspace(0, arena);
  let t = now();
  ksInserts(ks, hits, hitHash, 0, n, OBJ_STRING);
  r.ks_insert_ns = ((now() - t) * 1e6) / n;
  while (!ks.rehashStep(1000));
  r.ks_bytes_per_key = ks.overheadBytes() / n;
  ksFinds(ks, hits, hitHash, pick, Math.min(q, 50000)); // warm-up
  await settle();
  let gc0 = gcEvents;
  r.ks_hit_ns = best(q, () => ksFinds(ks, hits, hitHash, pick, q));
  r.ks_miss_ns = best(q, () => ksFinds(ks, misses, missHash, pick, q));
  await settle();
  r.ks_lookup_gc = (gcEvents - gc0) / PASSES;

  // Lookups during a doubling: 2^k + 1 keys, the last add started the rehash.
  // (The rehash moves on with every find, so each pass gets a fresh keyspace.)
  let pow = 4;
  while (pow * 2 <= n) pow *= 2;
  const q4 = Math.min(q >> 2, pow >> 2);
  const pick2 = randomIndices(q4, pow + 1, 12345);
  const ks2 = new Keyspace(1, arena);
  r.ks_rehash_hit_ns = Infinity;
  r.ks_rehash_miss_ns = Infinity;
  r.ks_rehash_started = 1;
  r.ks_rehash_still = 1;
  for (let p = 0; p < PASSES; p++) {
    ksInserts(ks2, hits, hitHash, 0, pow + 1, OBJ_STRING);
    if (!ks2.rehashing) r.ks_rehash_started = 0;
    t = now();
    sink = (sink + ksFinds(ks2, hits, hitHash, pick2, q4)) | 0;
    r.ks_rehash_hit_ns = Math.min(r.ks_rehash_hit_ns, ((now() - t) * 1e6) / q4);
    t = now();
    sink = (sink + ksFinds(ks2, misses, missHash, pick2, q4)) | 0;
    r.ks_rehash_miss_ns = Math.min(r.ks_rehash_miss_ns, ((now() - t) * 1e6) / q4);
    if (!ks2.rehashing) r.ks_rehash_still = 0;
    ks2.clear(false);
  }

  t = now();
  const deleted = ksDeletes(ks, hits, hitHash, pick, q);
  r.ks_delete_ns = ((now() - t) * 1e6) / q;
  let scanned = 0;
  const emit = (_e: number): void => {
    scanned++;
  };
  t = now();
  let cursor = 0;
  do cursor = ks.scan(cursor, emit);
  while (cursor !== 0);
  r.ks_scan_ns_per_key = ((now() - t) * 1e6) / Math.max(1, ks.count);
  if (scanned < ks.count) throw new Error(`scan returned ${scanned} of ${ks.count} keys`);
  if (ks.count !== n - deleted) throw new Error('keyspace count after deletes');
  ks.clear(false);

  // ---- bytedict ----
  const val = new Uint8Array(10).fill(0x61);
  const d = new ByteDict(arena);
  t = now();
  bdInserts(d, hits, hitHash, n, val);
  r.bd_insert_ns = ((now() - t) * 1e6) / n;
  for (let i = 0; i < 100000 && d.rehashing; i++) d.rehashStep(100);
  r.bd_bytes_per_field = d.memoryBytes() / n;
  bdFinds(d, hits, hitHash, pick, Math.min(q, 50000));
  await settle();
  gc0 = gcEvents;
  r.bd_hit_ns = best(q, () => bdFinds(d, hits, hitHash, pick, q));
  r.bd_miss_ns = best(q, () => bdFinds(d, misses, missHash, pick, q));
  await settle();
  r.bd_lookup_gc = (gcEvents - gc0) / PASSES;
  d.free();

  // ---- skiplist ----
  const sl = new Skiplist(arena, 0, 7);
  t = now();
  slInserts(sl, hits, hitHash, n);
  r.sl_insert_ns = ((now() - t) * 1e6) / n;
  while (sl.rehashing) sl.rehashStep(1000);
  r.sl_bytes_per_member = sl.memoryBytes() / n;
  slFinds(sl, hits, hitHash, pick, Math.min(q, 50000));
  await settle();
  gc0 = gcEvents;
  r.sl_hit_ns = best(q, () => slFinds(sl, hits, hitHash, pick, q));
  await settle();
  r.sl_lookup_gc = (gcEvents - gc0) / PASSES;
  sl.clear();

  obs.disconnect();
  r.sink = sink & 1;
  process.stdout.write(JSON.stringify(r) + '\n');
}

function runChildProcess(root: string, n: number, q: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const args = [process.argv[1]!, '--child', '--root', root, '--n', String(n), '--q', String(q)];
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`child for ${root} exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as Result);
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

const ROWS: Array<[string, string, 'ns' | 'bytes' | 'count']> = [
  ['ks_insert_ns', 'keyspace insert (find miss + add), ns', 'ns'],
  ['ks_hit_ns', 'keyspace lookup hit, ns', 'ns'],
  ['ks_miss_ns', 'keyspace lookup miss, ns', 'ns'],
  ['ks_rehash_hit_ns', 'keyspace hit during a doubling, ns', 'ns'],
  ['ks_rehash_miss_ns', 'keyspace miss during a doubling, ns', 'ns'],
  ['ks_delete_ns', 'keyspace find + delete, ns', 'ns'],
  ['ks_scan_ns_per_key', 'keyspace full SCAN, ns per key', 'ns'],
  ['ks_bytes_per_key', 'keyspace entry arrays + buckets, B/key', 'bytes'],
  ['ks_lookup_gc', 'GC events per keyspace lookup pass (2Q finds)', 'count'],
  ['bd_insert_ns', 'bytedict insert (find miss + add), ns', 'ns'],
  ['bd_hit_ns', 'bytedict lookup hit, ns', 'ns'],
  ['bd_miss_ns', 'bytedict lookup miss, ns', 'ns'],
  ['bd_bytes_per_field', 'bytedict memoryBytes, B/field', 'bytes'],
  ['bd_lookup_gc', 'GC events per bytedict lookup pass (2Q finds)', 'count'],
  ['sl_insert_ns', 'skiplist insert (find miss + insert), ns', 'ns'],
  ['sl_hit_ns', 'skiplist member lookup hit, ns', 'ns'],
  ['sl_bytes_per_member', 'skiplist memoryBytes, B/member', 'bytes'],
  ['sl_lookup_gc', 'GC events per skiplist lookup pass (Q finds)', 'count'],
];

function med(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), OPTIONS, USAGE);
  const str = (k: string): string => String(opts.get(k) ?? '');
  const n = parseCount(str('n'));
  const q = parseCount(str('q'));
  const roots = str('root').split(',').filter((s) => s !== '');
  if (opts.get('child') === true) return runChild(roots[0]!, n, q);
  const labels = str('labels') === '' ? roots : str('labels').split(',');
  if (labels.length !== roots.length) throw new UsageError('--labels needs one name per --root');
  const repeat = parseCount(str('repeat'));
  const results: Result[][] = roots.map(() => []);
  for (let rep = 0; rep < repeat; rep++) {
    const order = roots.map((_, i) => i);
    if (rep % 2 === 1) order.reverse();
    for (const i of order) {
      process.stderr.write(`run ${rep + 1}/${repeat}: ${labels[i]} (${roots[i]})\n`);
      results[i]!.push(await runChildProcess(roots[i]!, n, q));
    }
  }
  const headers = ['measure'];
  for (const l of labels) headers.push(`>${l} median`, `>${l} min-max`);
  if (roots.length === 2) headers.push(`>${labels[1]} / ${labels[0]}`);
  const rows: string[][] = [];
  const fmt = (v: number, kind: string): string => v.toFixed(kind === 'bytes' ? 2 : 1);
  for (const [key, title, kind] of ROWS) {
    const row = [title];
    const meds: number[] = [];
    for (const rs of results) {
      const xs = rs.map((r) => r[key] ?? NaN);
      const m = med(xs);
      meds.push(m);
      row.push(fmt(m, kind), `${fmt(Math.min(...xs), kind)}-${fmt(Math.max(...xs), kind)}`);
    }
    if (roots.length === 2) row.push(kind === 'count' ? '' : (meds[1]! / meds[0]!).toFixed(3));
    rows.push(row);
  }
  const lps = results.map((rs) => med(rs.map((r) => 1e9 / r.ks_hit_ns!)));
  const stillRehashing = results.map((rs) => rs.every((r) => r.ks_rehash_started === 1 && r.ks_rehash_still === 1));
  const report =
    `## Dict micro-benchmark (${new Date().toISOString()})\n\n` +
    `- command: \`${reproduceCommand()}\`\n- ${environmentSummary()}\n` +
    `- N = ${n.toLocaleString('en-US')} entries, Q = ${q.toLocaleString('en-US')} operations per loop, ${repeat} runs per tree\n` +
    labels.map((l, i) => `- ${l}: keyspace hit lookups ${(lps[i]! / 1e6).toFixed(2)} M/s (median); rehash in progress for the whole doubling phase: ${stillRehashing[i] ? 'yes' : 'NO'}`).join('\n') +
    '\n\n' +
    markdownTable(headers, rows) +
    '\n';
  process.stdout.write(report);
  const out = str('out');
  if (out !== '') appendOut(out, report);
}

runMain(main);

// Eviction quality: hit ratio of a Zipf key-access trace replayed against Spindle and
// redis-server with maxmemory, beside a true-LRU cache of the same capacity.
//
//   node bench/eviction-quality.ts [--keys 200000] [--accesses 1000000] [--fit 0.2] [--svg docs/eviction-quality.svg]
//
// The trace: `accesses` picks among `keys` keys with Zipf popularity (exponent --zipf, 1.0),
// from a seeded generator, so every server sees the same sequence. Replay is cache-aside in
// batches of 100: GET each key of the batch (pipelined); every miss is then SET with a value of
// --value bytes (512: large enough that the dataset, not Spindle's ~20 MB start-up heap and its
// drift, dominates used_memory at these key counts). The first 20% of the trace warms the cache and is not counted.
//
// Capacity: both servers must hold the same number of keys, though their bytes per key differ.
// So for each server, `fit * keys` keys are first loaded without a limit and maxmemory is set to
// the used_memory that shows a second and a half later (Spindle's external-memory figure settles
// over one second, see src/server/memory/accounting.ts); then 2 x fit x keys distinct keys are
// written under that limit (allkeys-lru) and maxmemory corrected by (keys held - fit x keys) x
// bytes per key, up to three times, until it holds the intended count within 1%. The true-LRU simulation holds exactly that many keys.
//
// Configurations: allkeys-lru and allkeys-lfu, at maxmemory-samples 5 and 10. Output: a markdown
// table, and an SVG with (left) the hit ratios and (right) in the spirit of the Redis
// LRU-approximation pictures, the share of keys resident at the end by popularity rank.

import * as fs from 'node:fs';
import * as net from 'node:net';
import {
  HOST, environmentSummary, markdownTable, parseOptions, parseReply, publishReport, reportText, reproduceCommand, resolveSpindleCmd,
  runMain, sleep, splitCommand, startServer, stopServer,
} from './lib.ts';

const BATCH = 100;

/** xorshift32 in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** The trace: key ranks (0 = most popular) drawn from Zipf(s) over n keys. */
function zipfTrace(n: number, len: number, s: number, seed: number): Int32Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** s;
    cdf[i] = sum;
  }
  const r = rng(seed);
  const out = new Int32Array(len);
  for (let j = 0; j < len; j++) {
    const u = r() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    out[j] = lo;
  }
  return out;
}

function enc(args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return s;
}

/** A pipelining client: send a batch of commands, get their replies. */
class Pipe {
  private sock: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private want = 0;
  private got: unknown[] = [];
  private done: ((v: unknown[]) => void) | null = null;
  constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      let pos = 0;
      for (;;) {
        const r = parseReply(this.buf, pos);
        if (r === undefined) break;
        this.got.push(r[0]);
        pos = r[1];
      }
      this.buf = this.buf.subarray(pos);
      if (this.got.length >= this.want && this.done !== null) {
        const d2 = this.done;
        this.done = null;
        const g = this.got;
        this.got = [];
        d2(g);
      }
    });
  }
  static async open(port: number): Promise<Pipe> {
    const s = net.connect(port, HOST);
    await new Promise<void>((res, rej) => {
      s.once('connect', () => res());
      s.once('error', rej);
    });
    return new Pipe(s);
  }
  run(cmds: string[][]): Promise<unknown[]> {
    return new Promise((res) => {
      this.want = cmds.length;
      this.done = res;
      this.sock.write(cmds.map(enc).join(''));
    });
  }
  close(): void {
    this.sock.destroy();
  }
}

let VALUE = 'v'.repeat(512);
const keyName = (rank: number) => `key:${rank}`;

function usedMemory(info: unknown): number {
  return Number(/used_memory:(\d+)/.exec(String(info))?.[1] ?? 'NaN');
}

interface Run {
  hit: number;
  resident: Uint8Array;
}

async function replay(p: Pipe, trace: Int32Array, keys: number, warm: number): Promise<Run> {
  let hits = 0;
  let counted = 0;
  for (let b = 0; b < trace.length; b += BATCH) {
    const ranks = Array.from(trace.subarray(b, Math.min(trace.length, b + BATCH)));
    const replies = await p.run(ranks.map((k) => ['GET', keyName(k)]));
    const misses: string[][] = [];
    for (let i = 0; i < ranks.length; i++) {
      const hit = replies[i] !== null;
      if (b + i >= warm) {
        counted++;
        if (hit) hits++;
      }
      if (!hit) misses.push(['SET', keyName(ranks[i]!), VALUE]);
    }
    if (misses.length > 0) await p.run(misses);
  }
  const resident = new Uint8Array(keys);
  for (let k = 0; k < keys; k += 1000) {
    const cmds: string[][] = [];
    for (let j = k; j < Math.min(keys, k + 1000); j++) cmds.push(['EXISTS', keyName(j)]);
    const r = await p.run(cmds);
    for (let j = 0; j < r.length; j++) resident[k + j] = r[j] === 1 ? 1 : 0;
  }
  return { hit: hits / counted, resident };
}

/** A true LRU cache of `cap` keys, with the replay's batch order (GETs, then SETs of misses). */
function simulateLru(trace: Int32Array, keys: number, cap: number, warm: number): Run {
  const m = new Map<number, true>();
  let hits = 0;
  let counted = 0;
  for (let b = 0; b < trace.length; b += BATCH) {
    const misses: number[] = [];
    for (let i = b; i < Math.min(trace.length, b + BATCH); i++) {
      const k = trace[i]!;
      const hit = m.delete(k);
      if (hit) m.set(k, true);
      else misses.push(k);
      if (i >= warm) {
        counted++;
        if (hit) hits++;
      }
    }
    for (const k of misses) {
      m.delete(k);
      m.set(k, true);
      if (m.size > cap) m.delete(m.keys().next().value as number);
    }
  }
  const resident = new Uint8Array(keys);
  for (const k of m.keys()) resident[k] = 1;
  return { hit: hits / counted, resident };
}

const COLORS: Record<string, string> = { redis: '#d62728', spindle: '#1f77b4', 'true LRU': '#2ca02c' };

function svgChart(configs: string[], hits: Map<string, number>, residency: Map<string, Float64Array>, title: string): string {
  const W = 1000;
  const H = 420;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">${title}</text>`);
  // Left: grouped bars of hit ratio.
  const x0 = 60;
  const y0 = 360;
  const ph = 300;
  const gw = 100;
  let lo = 1;
  for (const v of hits.values()) lo = Math.min(lo, v);
  const floor = Math.max(0, Math.floor((lo - 0.05) * 20) / 20);
  const scale = (v: number) => y0 - ((v - floor) / (1 - floor)) * ph;
  for (let t = floor; t <= 1.0001; t += 0.05) {
    out.push(`<line x1="${x0}" x2="${x0 + configs.length * gw}" y1="${scale(t)}" y2="${scale(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 - 5}" y="${scale(t) + 4}" text-anchor="end">${t.toFixed(2)}</text>`);
  }
  configs.forEach((cfg, i) => {
    ['redis', 'spindle', 'true LRU'].forEach((srv, j) => {
      const v = hits.get(`${srv}|${cfg}`) ?? hits.get(`${srv}|`) ?? 0;
      const x = x0 + i * gw + 10 + j * 27;
      out.push(`<rect x="${x}" y="${scale(v)}" width="24" height="${y0 - scale(v)}" fill="${COLORS[srv]}"/>`);
      out.push(`<text x="${x + 12}" y="${scale(v) - 3}" text-anchor="middle" font-size="9">${(v * 100).toFixed(1)}</text>`);
    });
    out.push(`<text x="${x0 + i * gw + 50}" y="${y0 + 16}" text-anchor="middle">${cfg}</text>`);
  });
  out.push(`<text x="${x0 + (configs.length * gw) / 2}" y="${y0 + 36}" text-anchor="middle">hit ratio (after warm-up)</text>`);
  // Right: residency by rank bucket, one line per server/config.
  const rx = 520;
  const rw = 440;
  const rs = (v: number) => y0 - v * ph;
  out.push(`<rect x="${rx}" y="${y0 - ph}" width="${rw}" height="${ph}" fill="none" stroke="#aaa"/>`);
  for (let t = 0; t <= 1.0001; t += 0.25) out.push(`<text x="${rx - 5}" y="${rs(t) + 4}" text-anchor="end">${t.toFixed(2)}</text>`);
  const dashes = ['', '6,3', '2,2', '8,2,2,2'];
  let legend = 0;
  for (const [name, series] of residency) {
    const [srv, cfg] = name.split('|');
    const pts = Array.from(series, (v, i) => `${(rx + (i / (series.length - 1)) * rw).toFixed(1)},${rs(v).toFixed(1)}`).join(' ');
    const dash = dashes[Math.max(0, configs.indexOf(cfg ?? ''))] ?? '';
    out.push(`<polyline points="${pts}" fill="none" stroke="${COLORS[srv!]}" stroke-width="1.5" stroke-dasharray="${dash}"/>`);
    out.push(`<line x1="${rx + rw - 150}" x2="${rx + rw - 120}" y1="${y0 - ph + 14 + legend * 14}" y2="${y0 - ph + 14 + legend * 14}" stroke="${COLORS[srv!]}" stroke-dasharray="${dash}"/>`);
    out.push(`<text x="${rx + rw - 115}" y="${y0 - ph + 18 + legend * 14}" font-size="10">${srv} ${cfg}</text>`);
    legend++;
  }
  out.push(`<text x="${rx + rw / 2}" y="${y0 + 16}" text-anchor="middle">key popularity rank (most popular left)</text>`);
  out.push(`<text x="${rx + rw / 2}" y="${y0 + 36}" text-anchor="middle">share of keys resident at the end</text>`);
  out.push('</svg>');
  return out.join('\n');
}

runMain(async () => {
  const o = parseOptions(process.argv.slice(2), [
    { names: ['--keys'], kind: 'string', default: '200000', help: 'distinct keys' },
    { names: ['--accesses'], kind: 'string', default: '1000000', help: 'trace length' },
    { names: ['--fit'], kind: 'string', default: '0.2', help: 'share of the keys that fits in maxmemory' },
    { names: ['--zipf'], kind: 'string', default: '1.0', help: 'Zipf exponent' },
    { names: ['--seed'], kind: 'string', default: '12345', help: 'trace seed' },
    { names: ['--value'], kind: 'string', default: '512', help: 'value bytes' },
    { names: ['--svg'], kind: 'string', default: 'docs/eviction-quality.svg', help: 'chart output' },
    { names: ['--spindle-cmd'], kind: 'string', default: '', help: 'command to run Spindle' },
    { names: ['--redis-cmd'], kind: 'string', default: 'redis-server', help: 'redis-server command' },
    { names: ['--out'], kind: 'string', help: 'also write the markdown report here' },
  ], 'node bench/eviction-quality.ts [options]');
  const keys = Number(o.get('keys'));
  VALUE = 'v'.repeat(Number(o.get('value')));
  const len = Number(o.get('accesses'));
  const cap = Math.floor(keys * Number(o.get('fit')));
  const warm = Math.floor(len * 0.2);
  const trace = zipfTrace(keys, len, Number(o.get('zipf')), Number(o.get('seed')));
  const configs = ['lru-5', 'lru-10', 'lfu-5', 'lfu-10'];
  const hits = new Map<string, number>();
  const residency = new Map<string, Float64Array>();
  const buckets = 50;
  const bucketize = (res: Uint8Array): Float64Array => {
    const out = new Float64Array(buckets);
    const per = Math.ceil(res.length / buckets);
    for (let i = 0; i < res.length; i++) out[Math.floor(i / per)]! += res[i]! / per;
    return out;
  };
  const sim = simulateLru(trace, keys, cap, warm);
  hits.set('true LRU|', sim.hit);
  residency.set('true LRU|lru-5', bucketize(sim.resident));
  const problems: string[] = [];
  const limits = new Map<string, number>();
  /** Keys held at the end of each run, and a true LRU's hit ratio at that capacity. */
  const ends = new Map<string, number>();
  const lruAt = new Map<string, number>();
  for (const s of [
    { label: 'redis', cmd: splitCommand(String(o.get('redis-cmd'))) },
    { label: 'spindle', cmd: resolveSpindleCmd(String(o.get('spindle-cmd')), []) },
  ]) {
    const h = await startServer({ label: s.label, cmd: s.cmd });
    try {
      const p = await Pipe.open(h.port);
      // Capacity: the used_memory of `cap` keys, then corrected until writing 2 x cap distinct
      // keys under the limit leaves about `cap` (Spindle's non-data memory drifts after start-up).
      await sleep(1500);
      await p.run([['PING']]);
      const empty = usedMemory((await p.run([['INFO', 'memory']]))[0]);
      for (let k = 0; k < cap; k += 1000) {
        const cmds: string[][] = [];
        for (let j = k; j < Math.min(cap, k + 1000); j++) cmds.push(['SET', keyName(j), VALUE]);
        await p.run(cmds);
      }
      await sleep(1500);
      await p.run([['PING']]);
      let limit = usedMemory((await p.run([['INFO', 'memory']]))[0]);
      const perKey = Math.max(1, (limit - empty) / cap);
      for (let round = 0; round < 3; round++) {
        await p.run([['CONFIG', 'SET', 'maxmemory', '0'], ['FLUSHALL'], ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'], ['CONFIG', 'SET', 'maxmemory', String(limit)]]);
        for (let k = 0; k < 2 * cap; k += 1000) {
          const cmds: string[][] = [];
          for (let j = k; j < Math.min(2 * cap, k + 1000); j++) cmds.push(['SET', keyName(j), VALUE]);
          await p.run(cmds);
        }
        await sleep(1100);
        await p.run([['PING']]);
        const held = Number((await p.run([['DBSIZE']]))[0]);
        process.stderr.write(`${s.label} calibration ${round}: maxmemory ${limit} holds ${held} keys\n`);
        if (Math.abs(held - cap) <= cap * 0.01) break;
        limit = Math.round(limit - (held - cap) * perKey);
      }
      limits.set(s.label, limit);
      for (const cfg of configs) {
        const [pol, samples] = cfg.split('-');
        await p.run([['CONFIG', 'SET', 'maxmemory', '0'], ['FLUSHALL'], ['CONFIG', 'SET', 'maxmemory-policy', `allkeys-${pol}`],
          ['CONFIG', 'SET', 'maxmemory-samples', samples!], ['CONFIG', 'SET', 'maxmemory', String(limit)]]);
        const t = performance.now();
        const r = await replay(p, trace, keys, warm);
        hits.set(`${s.label}|${cfg}`, r.hit);
        if (cfg.endsWith('-5')) residency.set(`${s.label}|${cfg}`, bucketize(r.resident));
        const dbsize = Number((await p.run([['DBSIZE']]))[0]);
        ends.set(`${s.label}|${cfg}`, dbsize);
        lruAt.set(`${s.label}|${cfg}`, simulateLru(trace, keys, Math.max(1, dbsize), warm).hit);
        process.stderr.write(`${s.label} ${cfg}: hit ${(r.hit * 100).toFixed(2)}% keys at end ${String(dbsize)} (${((performance.now() - t) / 1000).toFixed(1)} s)\n`);
      }
      p.close();
    } finally {
      await stopServer(h);
    }
  }
  const pct = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v * 100).toFixed(2)}%`);
  const rows = configs.map((cfg) => [
    cfg, pct(hits.get(`redis|${cfg}`)), pct(hits.get(`spindle|${cfg}`)), pct(sim.hit),
    `${ends.get(`redis|${cfg}`)} / ${pct(lruAt.get(`redis|${cfg}`))}`, `${ends.get(`spindle|${cfg}`)} / ${pct(lruAt.get(`spindle|${cfg}`))}`,
  ]);
  const svg = String(o.get('svg'));
  if (svg !== '') {
    fs.writeFileSync(svg, svgChart(configs, hits, residency, `Zipf(${o.get('zipf')}) over ${keys} keys, ${len} accesses, ${cap} keys fit`));
    process.stderr.write(`wrote ${svg}\n`);
  }
  const lines = [
    `# Eviction quality: ${keys} keys, ${len} accesses, Zipf ${o.get('zipf')}, ${cap} keys fit`,
    '',
    `Reproduce: \`${reproduceCommand()}\``,
    '',
    environmentSummary(),
    '',
    `maxmemory: redis ${limits.get('redis')}, spindle ${limits.get('spindle')} (calibrated so that each holds ${cap} keys under churn)`,
    '',
    markdownTable(['policy-samples', 'redis hit ratio', 'spindle hit ratio', `true LRU (${cap} keys)`, 'redis keys at end / true LRU there', 'spindle keys at end / true LRU there'], rows),
    '',
    'Capacities differ a little (bytes per key are measured once, under load they drift): the last two',
    'columns give the keys each server held at the end and what a true LRU of that size would hit.',
  ];
  publishReport(reportText(lines, problems), o.get('out') as string | undefined, problems);
});

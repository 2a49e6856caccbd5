// RDB persistence, Spindle vs redis-server: SAVE time, file size and start-up load time for N
// small keys (DEBUG POPULATE) and for a mixed dataset (hashes, sorted sets, lists, sets of 10
// elements), then BGSAVE under a SET load: duration, peak RSS (Redis: parent + fork child) and
// PING round trips (p50 / p99 / max) while it runs.
//
//   node bench/persistence.ts [--quick] [--keys N] [--mixed M] [--out file.md]
//
// Quick mode: 200k keys, 20k mixed values (a smoke run). Full: 5M keys, 500k mixed values, for a
// quiet machine. Absolute numbers on a shared machine are noise; ratios are the point.
import * as fs from 'node:fs';
import * as net from 'node:net';
import path from 'node:path';
import {
  HOST, type ServerHandle, benchProblem, command, encodeCommand, environmentSummary, fmtNum, fmtRatio, markdownTable,
  parseCount, parseOptions, parsePortRange, processTree, publishReport, readInfo, readRss, reportText, reproduceCommand,
  resolveSpindleCmd, runBenchmark, runMain, sleep, splitCommand, startServer, stopServer,
} from './lib.ts';

const USAGE = `Usage: node bench/persistence.ts [options]

SAVE / load time and file size, and BGSAVE under writes (RSS, PING latency), redis-server vs Spindle.`;

const OPTIONS = [
  { names: ['--quick'], kind: 'boolean' as const, default: false, help: '200k keys, 20k mixed values (a smoke run)' },
  { names: ['--keys'], kind: 'string' as const, help: 'small keys (default 5000000, quick 200000)' },
  { names: ['--mixed'], kind: 'string' as const, help: 'aggregate values of the mixed dataset (default 500000, quick 20000)' },
  { names: ['--ports'], kind: 'string' as const, default: '7800-7899', help: 'port range' },
  { names: ['--spindle-cmd'], kind: 'string' as const, default: '', help: 'command to run Spindle' },
  { names: ['--redis-cmd'], kind: 'string' as const, default: 'redis-server', help: 'command to run Redis' },
  { names: ['--out'], kind: 'string' as const, help: 'append the markdown report to this file' },
];

const log = (s: string): void => void process.stderr.write(`${s}\n`);

/** Pipelines the mixed dataset: m aggregates of 10 elements, a quarter of each type. */
async function fillMixed(port: number, m: number): Promise<void> {
  const sock = net.connect({ port, host: HOST });
  await new Promise<void>((r, j) => {
    sock.once('connect', () => r());
    sock.once('error', j);
  });
  let pending = 0;
  let buf: Buffer = Buffer.alloc(0);
  const countReplies = (d: Buffer): void => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    // Replies are integers here (":n\r\n"): count line ends.
    let i = 0;
    for (;;) {
      const j = buf.indexOf('\r\n', i);
      if (j < 0) break;
      pending--;
      i = j + 2;
    }
    buf = buf.subarray(i);
  };
  sock.on('data', countReplies);
  for (let i = 0; i < m; i++) {
    const el: string[] = [];
    const kind = i % 4;
    for (let j = 0; j < 10; j++) {
      if (kind === 0) el.push(`field${j}`, `value-${i}-${j}`);
      else if (kind === 1) el.push(String(j * 1.5), `member-${i}-${j}`);
      else el.push(`element-${i}-${j}`);
    }
    const cmd = kind === 0 ? 'HSET' : kind === 1 ? 'ZADD' : kind === 2 ? 'RPUSH' : 'SADD';
    sock.write(encodeCommand([cmd, `mixed:${i}`, ...el]));
    pending++;
    if (pending > 2000) while (pending > 200) await sleep(1);
  }
  while (pending > 0) await sleep(2);
  sock.destroy();
}

function loadSeconds(logPath: string): number | undefined {
  const text = fs.readFileSync(logPath, 'utf8');
  const all = [...text.matchAll(/DB loaded from disk: ([0-9.]+) seconds/g)];
  return all.length > 0 ? Number(all[all.length - 1][1]) * 1000 : undefined;
}

interface SaveRow {
  saveMs: number;
  loadMs: number | undefined;
  bytes: number;
}

/** Fills a fresh server, SAVEs (timed), restarts it on the file and reads the load time. */
async function saveAndLoad(label: string, cmd: string[], portRange: [number, number], fill: (port: number) => Promise<void>): Promise<SaveRow> {
  const h = await startServer({ label, cmd, portRange, extraArgs: ['--enable-debug-command', 'yes'] });
  let saveMs = 0;
  let bytes = 0;
  // The server's temp dir goes with it: keep the file elsewhere.
  const keep = fs.mkdtempSync(`${h.dir}-load-`);
  try {
    await fill(h.port);
    const t0 = performance.now();
    await command(h.port, ['SAVE'], 600_000);
    saveMs = performance.now() - t0;
    const file = path.join(h.dir, 'dump.rdb');
    bytes = fs.statSync(file).size;
    fs.copyFileSync(file, path.join(keep, 'dump.rdb'));
  } finally {
    await stopServer(h);
  }
  const h2 = await startServer({ label: `${label}-load`, cmd, portRange, extraArgs: ['--dir', keep], readyTimeoutMs: 600_000 });
  try {
    for (;;) {
      const info = await readInfo(h2.port, 'persistence');
      if (info.get('loading') === '0') break;
      await sleep(20);
    }
    return { saveMs, loadMs: loadSeconds(h2.logPath), bytes };
  } finally {
    await stopServer(h2);
    fs.rmSync(keep, { recursive: true, force: true });
  }
}

/** PING every 2 ms on one connection, round trips kept. */
async function pingProbe(port: number): Promise<{ stop(): number[] }> {
  const sock = net.connect({ port, host: HOST });
  await new Promise<void>((r, j) => {
    sock.once('connect', () => r());
    sock.once('error', j);
  });
  const rts: number[] = [];
  let sentAt = 0;
  let running = true;
  const ping = encodeCommand(['PING']);
  const send = (): void => {
    if (!running) return;
    sentAt = performance.now();
    sock.write(ping);
  };
  sock.on('data', () => {
    rts.push(performance.now() - sentAt);
    setTimeout(send, 2);
  });
  sock.on('error', () => {});
  send();
  return {
    stop() {
      running = false;
      sock.destroy();
      return rts;
    },
  };
}

function pct(xs: number[], p: number): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** RSS of a process and its children (Redis's fork child counts). */
function treeRss(h: ServerHandle): number {
  let total = 0;
  for (const pid of processTree(h.pid)) total += readRss(pid) ?? 0;
  return total;
}

async function bgsaveUnderWrites(label: string, cmd: string[], portRange: [number, number], keys: number): Promise<string[]> {
  const h = await startServer({ label, cmd, portRange, extraArgs: ['--enable-debug-command', 'yes'] });
  try {
    await command(h.port, ['DEBUG', 'POPULATE', String(keys)], 600_000);
    const rssBefore = treeRss(h);
    const load = runBenchmark(h.port, ['-c', '20', '-n', String(Math.max(100_000, keys)), '-r', String(keys), '-t', 'set'], 600_000);
    await sleep(300);
    const probe = await pingProbe(h.port);
    let peak = rssBefore;
    const t0 = performance.now();
    await command(h.port, ['BGSAVE']);
    for (;;) {
      peak = Math.max(peak, treeRss(h));
      const info = await readInfo(h.port, 'persistence');
      if (info.get('rdb_bgsave_in_progress') === '0') break;
      await sleep(20);
    }
    const ms = performance.now() - t0;
    const rts = probe.stop();
    const r = await load;
    const info = await readInfo(h.port, 'persistence');
    const p = benchProblem(r);
    if (p !== '') log(`${label}: ${p}`);
    const mb = (b: number): string => fmtNum(b / 1048576, 1);
    return [
      label, String(keys), fmtNum(ms), mb(rssBefore), mb(peak), fmtNum(pct(rts, 50), 2), fmtNum(pct(rts, 99), 2),
      fmtNum(Math.max(0, ...rts), 1), info.get('rdb_last_bgsave_status') ?? '?', mb(Number(info.get('rdb_last_cow_size') ?? 0)),
    ];
  } finally {
    await stopServer(h);
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), OPTIONS, USAGE);
  const str = (k: string): string => String(opts.get(k) ?? '');
  const quick = opts.get('quick') === true;
  const keys = opts.has('keys') ? parseCount(str('keys')) : quick ? 200_000 : 5_000_000;
  const mixed = opts.has('mixed') ? parseCount(str('mixed')) : quick ? 20_000 : 500_000;
  const portRange = parsePortRange(str('ports'));
  const sides: [string, string[]][] = [
    ['redis', splitCommand(str('redis-cmd'))],
    ['spindle', resolveSpindleCmd(str('spindle-cmd'), [])],
  ];
  const saveRows: string[][] = [];
  for (const [what, fill] of [
    [`${keys} small keys`, (port: number) => command(port, ['DEBUG', 'POPULATE', String(keys)], 600_000).then(() => undefined)],
    [`${mixed} mixed aggregates`, (port: number) => fillMixed(port, mixed)],
  ] as const) {
    const res: Record<string, SaveRow> = {};
    for (const [side, cmd] of sides) {
      log(`${what}: ${side}...`);
      res[side] = await saveAndLoad(`${side}-save`, cmd, portRange, fill);
    }
    const a = res.redis;
    const b = res.spindle;
    saveRows.push([what, fmtNum(a.saveMs), fmtNum(b.saveMs), fmtRatio(b.saveMs, a.saveMs), fmtNum(a.loadMs), fmtNum(b.loadMs), fmtRatio(b.loadMs, a.loadMs), fmtNum(a.bytes / 1048576, 1), fmtNum(b.bytes / 1048576, 1)]);
  }
  const bgRows: string[][] = [];
  for (const [side, cmd] of sides) {
    log(`BGSAVE under writes: ${side}...`);
    bgRows.push(await bgsaveUnderWrites(side, cmd, portRange, keys));
  }
  const lines = [
    `### RDB persistence (${new Date().toISOString().slice(0, 16)}Z)`,
    '',
    `${environmentSummary()}`,
    `\`${reproduceCommand()}\``,
    '',
    markdownTable(['dataset', 'redis SAVE ms', 'spindle SAVE ms', 'ratio', 'redis load ms', 'spindle load ms', 'ratio', 'redis MB', 'spindle MB'], saveRows),
    '',
    'BGSAVE under a SET load (redis-benchmark -c 20 -r keys), PING every 2 ms meanwhile:',
    '',
    markdownTable(['server', 'keys', 'bgsave ms', 'RSS before MB', 'peak RSS MB', 'PING p50 ms', 'PING p99 ms', 'PING max ms', 'status', 'cow MB'], bgRows),
  ];
  publishReport(reportText(lines, []), opts.get('out') as string | undefined, []);
}

runMain(main);

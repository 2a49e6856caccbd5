// io-threads scaling: Spindle and redis-server with 1, 2 and 4 I/O threads.
//
//   node bench/io-threads.ts [--quick] [--svg docs/io-threads.svg] [--out file.md] ...
//
// Starts each configuration fresh, one at a time (the machine is small, so no
// two servers run at once):
//   spindle --io-threads 1 | 2 | 4
//   redis-server --io-threads 1 | 2 --io-threads-do-reads yes | 4 --io-threads-do-reads yes
// and runs against each, one redis-benchmark call per test:
//   redis-benchmark -h 127.0.0.1 -p <port> -t <test> -c <C> -P <P> -n <N> --csv
// for every C in --clients and P in --pipelines. Every call has a time limit;
// a call that hits it is killed and reported as "timeout/<partial rps>", the
// partial rate coming from the server's total_commands_processed.
//
// Around every call the script reads /proc/<pid>/stat (whole process) and
// /proc/<pid>/task/<tid>/stat for every thread, and splits the CPU time into
// the main thread (tid == pid), the I/O threads (named io_thd_K by both
// servers) and the rest (V8 GC helpers, Redis bio threads, ...).
//
// Output: markdown tables (rps and ratio vs the same server's io-threads 1,
// main-thread CPU µs per command, process CPU µs per command), a details
// table, a check of the targets, and an SVG bar chart (--svg).
// Run with --help for all options.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  REPO_ROOT,
  benchProblem,
  command,
  defaultSpindleCmd,
  environmentSummary,
  fmtNum,
  isAlive,
  markdownTable,
  parseCount,
  parseIntList,
  parseOptions,
  parsePortRange,
  reproduceCommand,
  runBenchmark,
  runMain,
  serverVersion,
  shellQuote,
  splitCommand,
  startServer,
  stopServer,
  UsageError,
  reportText,
  publishReport,
} from './lib.ts';
import type { ServerHandle } from './lib.ts';

const USAGE = `Usage: node bench/io-threads.ts [options]

Runs redis-benchmark against Spindle and redis-server with 1, 2 and 4 I/O
threads (each configuration started fresh, one at a time) and reports
requests/s, the ratio to the same server's io-threads 1, and CPU time per
command for the whole process and for the main thread alone. Writes an SVG
bar chart of the requests/s.`;

const OPTIONS = [
  { names: ['--quick'], kind: 'boolean' as const, default: false, help: 'small run: -n 50000 at P=1, 200000 at P>1, --timeout 15, --warmup 20000' },
  { names: ['--n1'], kind: 'string' as const, help: 'requests per call at P=1 (default 200000; 50000 with --quick)' },
  { names: ['--n16'], kind: 'string' as const, help: 'requests per call at P>1 (default 1000000; 200000 with --quick)' },
  { names: ['-t', '--tests'], kind: 'string' as const, default: 'set,get', help: 'redis-benchmark tests (one call per test)' },
  { names: ['-c', '--clients'], kind: 'string' as const, default: '50,500', help: 'comma-separated client counts' },
  { names: ['-P', '--pipelines'], kind: 'string' as const, default: '1,16', help: 'comma-separated pipeline depths' },
  { names: ['--spindle-threads'], kind: 'string' as const, default: '1,2,4', help: "Spindle --io-threads values ('' to skip Spindle)" },
  { names: ['--redis-threads'], kind: 'string' as const, default: '1,2,4', help: "redis-server --io-threads values ('' to skip Redis); >1 adds --io-threads-do-reads yes" },
  { names: ['--timeout'], kind: 'string' as const, help: 'seconds before one redis-benchmark call is killed (default 30; 15 with --quick)' },
  { names: ['--warmup'], kind: 'string' as const, help: 'requests per test of an unmeasured -c 50 -P 16 warm-up after each start, 0 = none (default 100000; 20000 with --quick)' },
  { names: ['--bench-args'], kind: 'string' as const, default: '', help: 'extra args for redis-benchmark, e.g. "-d 100"' },
  { names: ['--spindle-node-args'], kind: 'string' as const, default: '', help: 'node flags for Spindle' },
  { names: ['--spindle-args'], kind: 'string' as const, default: '', help: 'extra args for Spindle (all modes)' },
  { names: ['--redis-cmd'], kind: 'string' as const, default: 'redis-server', help: 'redis-server command' },
  { names: ['--ports'], kind: 'string' as const, default: '7800-7899', help: 'port range for the servers' },
  { names: ['--svg'], kind: 'string' as const, default: 'docs/io-threads.svg', help: "write the chart here (relative to the repo root; '' = no chart)" },
  { names: ['--out'], kind: 'string' as const, help: 'append the markdown report and reproducing command to this file' },
];

type Kind = 'spindle' | 'redis';

interface Mode {
  kind: Kind;
  threads: number;
  label: string;
  extraArgs: string[];
}

interface Load {
  test: string;
  clients: number;
  pipeline: number;
  n: number;
}

/** CPU seconds split by thread class, from /proc. */
interface CpuSnap {
  proc: number;
  main: number;
  io: number;
  ioThreads: number;
  /** Per-tid seconds, for threads that exist in both snapshots. */
  tasks: Map<string, { comm: string; secs: number }>;
}

interface Run {
  mode: Mode;
  load: Load;
  rps?: number;
  /** Set when the call timed out: commands processed / wall time. */
  partialRps?: number;
  timedOut: boolean;
  error: string;
  wall: number;
  /** Commands the server processed during the call (INFO delta), or n when unknown. */
  cmds: number;
  cpuProc?: number;
  cpuMain?: number;
  cpuIo?: number;
  ioThreads: number;
  /** CPU seconds of redis-benchmark itself (reaped-children time of this script). */
  cpuBench?: number;
  /** Machine-wide busy CPU seconds (/proc/stat) not used by the server or redis-benchmark. */
  cpuForeign?: number;
  /** Spindle only: ring-full stalls and per-worker command shares during the call. */
  stalls?: number;
  share?: string;
}

// ---------------------------------------------------------------------------
// /proc
// ---------------------------------------------------------------------------

let clkTck: number | undefined;
function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** comm and utime+stime seconds from a /proc .../stat file (no cutime/cstime). */
function readStat(file: string): { comm: string; secs: number } | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    const rest = text.slice(close + 2).split(' ');
    // rest[0] is field 3 (state); utime = field 14, stime = field 15.
    return { comm: text.slice(open + 1, close), secs: (Number(rest[11]) + Number(rest[12])) / ticksPerSecond() };
  } catch {
    return undefined;
  }
}

/** Busy CPU seconds of the whole machine (all cores) from /proc/stat. */
function machineBusySeconds(): number | undefined {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest is already in user)
    const busy = f[0]! + f[1]! + f[2]! + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    return busy / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** This script's own CPU seconds and its reaped children's (cutime+cstime): redis-benchmark once it exited. */
function selfCpuSeconds(): { self: number; children: number } | undefined {
  try {
    const text = fs.readFileSync('/proc/self/stat', 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const t = ticksPerSecond();
    return { self: (Number(rest[11]) + Number(rest[12])) / t, children: (Number(rest[13]) + Number(rest[14])) / t };
  } catch {
    return undefined;
  }
}

function cpuSnapshot(pid: number): CpuSnap | undefined {
  const proc = readStat(`/proc/${pid}/stat`);
  if (!proc) return undefined;
  const tasks = new Map<string, { comm: string; secs: number }>();
  let main = 0;
  let io = 0;
  let ioThreads = 0;
  let tids: string[] = [];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  for (const tid of tids) {
    const t = readStat(`/proc/${pid}/task/${tid}/stat`);
    if (!t) continue;
    tasks.set(tid, t);
    if (tid === String(pid)) main = t.secs;
    else if (/^io_thd_/.test(t.comm)) {
      io += t.secs;
      ioThreads++;
    }
  }
  return { proc: proc.secs, main, io, ioThreads, tasks };
}

// ---------------------------------------------------------------------------
// INFO helpers
// ---------------------------------------------------------------------------

interface InfoSnap {
  cmds?: number;
  /** Spindle io_thread_K lines: [commands, ring_full_stalls] per worker. */
  workers: Array<[number, number]>;
}

async function infoSnap(port: number): Promise<InfoSnap> {
  const snap: InfoSnap = { workers: [] };
  try {
    const reply = await command(port, ['INFO', 'stats', 'spindle'], 10000);
    if (typeof reply !== 'string') return snap;
    for (const raw of reply.split('\n')) {
      const line = raw.trim();
      let m = /^total_commands_processed:(\d+)/.exec(line);
      if (m) snap.cmds = Number(m[1]);
      m = /^io_thread_(\d+):(.*)$/.exec(line);
      if (m) {
        const f = new Map(m[2]!.split(',').map((kv) => kv.split('=') as [string, string]));
        snap.workers[Number(m[1]) - 1] = [Number(f.get('commands') ?? 0), Number(f.get('ring_full_stalls') ?? 0)];
      }
    }
  } catch {
    // server busy or gone: leave fields unset
  }
  return snap;
}

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

function fmtK(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

function loadKey(l: Load): string {
  return `${l.test}|${l.clients}|${l.pipeline}`;
}

function loadLabel(l: Load): string {
  return `${l.test.toUpperCase()} c${l.clients} P${l.pipeline}`;
}

function usPerCmd(secs: number | undefined, cmds: number): number | undefined {
  return secs === undefined || cmds <= 0 ? undefined : (secs * 1e6) / cmds;
}

/** The throughput to compare: full rps, or the partial rate of a call that timed out. */
function effRps(r: Run | undefined): number | undefined {
  if (!r) return undefined;
  return r.rps ?? r.partialRps;
}

function rpsCell(r: Run | undefined): string {
  if (!r) return 'n/a';
  if (r.rps !== undefined) return fmtNum(r.rps);
  if (r.timedOut) return `timeout/${r.partialRps !== undefined ? fmtNum(r.partialRps) : '?'}`;
  return 'ERR';
}

// ---------------------------------------------------------------------------
// SVG chart
// ---------------------------------------------------------------------------

const COLORS: Record<Kind, string[]> = {
  spindle: ['#9ecae1', '#4292c6', '#08519c', '#08306b'],
  redis: ['#fcae91', '#fb6a4a', '#cb181d', '#67000d'],
};

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceStep(max: number, ticks = 5): number {
  const raw = max / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function renderSvg(modes: Mode[], loads: Load[], runs: Map<string, Run>, title: string, subtitle: string): string {
  const pipelines = [...new Set(loads.map((l) => l.pipeline))];
  const barW = 18;
  const barGap = 3;
  const groupPad = 30;
  const left = 72;
  const right = 20;
  const anyTimeout = [...runs.values()].some((r) => r.rps === undefined && r.partialRps !== undefined);
  const legendItems = modes.length + (anyTimeout ? 1 : 0);
  const maxGroups = Math.max(...pipelines.map((p) => loads.filter((l) => l.pipeline === p).length));
  const groupW = modes.length * (barW + barGap) - barGap;
  const plotW = maxGroups * groupW + (maxGroups + 1) * groupPad;
  const width = Math.max(left + plotW + right, 640);
  const perRow = Math.max(1, Math.min(legendItems, Math.floor((width - 40) / 190)));
  const legendRows = Math.ceil(legendItems / perRow);
  const plotH = 240;
  const panelH = plotH + 90;
  const top = 58 + legendRows * 20;
  const height = top + pipelines.length * panelH + 10;
  const colorOf = (m: Mode) => {
    const list = COLORS[m.kind];
    const sameKind = modes.filter((x) => x.kind === m.kind);
    return list[Math.min(sameKind.indexOf(m), list.length - 1)]!;
  };

  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`);
  o.push('<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
    '<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#888888" stroke-width="3"/></pattern></defs>');
  o.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  o.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold" fill="#222">${xmlEscape(title)}</text>`);
  o.push(`<text x="${width / 2}" y="40" text-anchor="middle" font-size="11" fill="#555">${xmlEscape(subtitle)}</text>`);
  // Legend: one entry per mode, plus the hatched timeout bar if there is one.
  const legendItemW = Math.floor((width - 40) / perRow);
  const legendAt = (i: number) => ({ x: 20 + (i % perRow) * legendItemW, y: 52 + Math.floor(i / perRow) * 20 });
  modes.forEach((m, i) => {
    const { x, y } = legendAt(i);
    o.push(`<rect x="${x}" y="${y}" width="14" height="14" fill="${colorOf(m)}" stroke="#333" stroke-width="0.5"/>`);
    o.push(`<text x="${x + 20}" y="${y + 11}" font-size="12" fill="#222">${xmlEscape(m.label)}</text>`);
  });
  if (anyTimeout) {
    const { x, y } = legendAt(modes.length);
    o.push(`<rect x="${x}" y="${y}" width="14" height="14" fill="url(#hatch)" stroke="#333" stroke-width="0.5"/>`);
    o.push(`<text x="${x + 20}" y="${y + 11}" font-size="12" fill="#222">timeout (partial rate)</text>`);
  }

  pipelines.forEach((P, pi) => {
    const y0 = top + pi * panelH;
    const baseY = y0 + 30 + plotH;
    const group = loads.filter((l) => l.pipeline === P);
    const vals = group.flatMap((l) => modes.map((m) => effRps(runs.get(`${m.label}|${loadKey(l)}`)) ?? 0));
    const maxV = Math.max(1, ...vals);
    const step = niceStep(maxV * 1.12);
    const yMax = Math.ceil((maxV * 1.12) / step) * step;
    const yOf = (v: number) => baseY - (v / yMax) * plotH;
    o.push(`<text x="${left}" y="${y0 + 18}" font-size="13" font-weight="bold" fill="#222">pipeline -P ${P}: requests/s (higher is better)</text>`);
    for (let v = 0; v <= yMax + step / 2; v += step) {
      const y = yOf(v);
      o.push(`<line x1="${left}" y1="${y.toFixed(1)}" x2="${left + plotW}" y2="${y.toFixed(1)}" stroke="${v === 0 ? '#333' : '#e3e3e3'}" stroke-width="1"/>`);
      o.push(`<text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#444">${fmtK(v)}</text>`);
    }
    o.push(`<line x1="${left}" y1="${y0 + 30}" x2="${left}" y2="${baseY}" stroke="#333" stroke-width="1"/>`);
    group.forEach((l, gi) => {
      const gx = left + groupPad + gi * (groupW + groupPad);
      modes.forEach((m, mi) => {
        const r = runs.get(`${m.label}|${loadKey(l)}`);
        const v = effRps(r);
        const x = gx + mi * (barW + barGap);
        const cx = x + barW / 2;
        if (v === undefined) {
          o.push(`<text x="${cx}" y="${baseY - 4}" text-anchor="middle" font-size="10" fill="#b00">ERR</text>`);
          return;
        }
        const y = yOf(v);
        const h = Math.max(1, baseY - y);
        const timedOut = r!.rps === undefined;
        o.push(`<rect x="${x}" y="${(baseY - h).toFixed(1)}" width="${barW}" height="${h.toFixed(1)}" fill="${timedOut ? 'url(#hatch)' : colorOf(m)}" stroke="${timedOut ? colorOf(m) : 'none'}" stroke-width="1.5"><title>${xmlEscape(`${m.label}, ${loadLabel(l)}: ${rpsCell(r)} rps`)}</title></rect>`);
        const label = timedOut ? `timeout ${fmtK(v)}` : fmtK(v);
        const ly = baseY - h - 4;
        o.push(`<text x="${cx}" y="${ly.toFixed(1)}" transform="rotate(-90 ${cx} ${ly.toFixed(1)})" font-size="10" fill="#222" dy="3.5">${xmlEscape(label)}</text>`);
      });
      o.push(`<text x="${gx + groupW / 2}" y="${baseY + 18}" text-anchor="middle" font-size="12" fill="#222">${xmlEscape(`${l.test.toUpperCase()} -c ${l.clients}`)}</text>`);
    });
  });
  o.push('</svg>');
  return o.join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), OPTIONS, USAGE);
  const str = (k: string) => String(opts.get(k) ?? '');
  const quick = opts.get('quick') === true;
  const n1 = opts.has('n1') ? parseCount(str('n1')) : quick ? 50_000 : 200_000;
  const n16 = opts.has('n16') ? parseCount(str('n16')) : quick ? 200_000 : 1_000_000;
  const timeoutMs = (opts.has('timeout') ? parseCount(str('timeout')) : quick ? 15 : 30) * 1000;
  const warmup = opts.has('warmup') ? parseCount(str('warmup')) : quick ? 20_000 : 100_000;
  const tests = str('tests').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  const clients = parseIntList(str('clients'));
  const pipelines = parseIntList(str('pipelines'));
  const spindleThreads = parseIntList(str('spindle-threads'));
  const redisThreads = parseIntList(str('redis-threads'));
  const benchArgs = splitCommand(str('bench-args'));
  const spindleArgs = splitCommand(str('spindle-args'));
  const spindleCmd = defaultSpindleCmd(splitCommand(str('spindle-node-args')));
  const redisCmd = splitCommand(str('redis-cmd'));
  const portRange = parsePortRange(str('ports'));
  const svgPath = str('svg');
  const out = opts.get('out') as string | undefined;
  if (tests.length === 0 || clients.length === 0 || pipelines.length === 0) throw new UsageError('need at least one test, client count and pipeline depth');
  for (const t of [...spindleThreads, ...redisThreads]) if (t < 1 || t > 128) throw new UsageError(`bad thread count ${t}`);

  const modes: Mode[] = [
    ...spindleThreads.map((t): Mode => ({ kind: 'spindle', threads: t, label: `spindle io-threads ${t}`, extraArgs: [...spindleArgs, '--io-threads', String(t)] })),
    ...redisThreads.map((t): Mode => ({
      kind: 'redis',
      threads: t,
      label: t > 1 ? `redis io-threads ${t} +reads` : `redis io-threads ${t}`,
      extraArgs: t > 1 ? ['--io-threads', String(t), '--io-threads-do-reads', 'yes'] : ['--io-threads', '1'],
    })),
  ];
  const loads: Load[] = [];
  for (const P of pipelines) for (const c of clients) for (const t of tests) loads.push({ test: t, clients: c, pipeline: P, n: P > 1 ? n16 : n1 });

  const log = (s: string) => process.stderr.write(s + '\n');
  const started = new Date();
  const t0 = Date.now();
  const runs = new Map<string, Run>();
  const problems: string[] = [];
  const notes: string[] = [];
  const versions = new Map<Kind, string>();
  const argvs = new Map<string, string>();
  const total = modes.length * loads.length;
  let runNo = 0;

  for (const mode of modes) {
    log(`--- ${mode.label}: starting ...`);
    let h: ServerHandle;
    try {
      h = await startServer({ label: mode.label, cmd: mode.kind === 'spindle' ? spindleCmd : redisCmd, extraArgs: mode.extraArgs, portRange });
    } catch (e) {
      problems.push(`${mode.label}: could not start: ${(e as Error).message}`);
      runNo += loads.length;
      continue;
    }
    argvs.set(mode.label, h.argv.map(shellQuote).join(' '));
    if (!versions.has(mode.kind)) versions.set(mode.kind, await serverVersion(h.port));
    const initial = cpuSnapshot(h.pid);
    log(`    pid ${h.pid} port ${h.port}, threads: ${initial ? [...initial.tasks.values()].map((t) => t.comm).join(', ') : '?'}`);
    if (initial && mode.threads > 1 && initial.ioThreads === 0) {
      notes.push(`${mode.label}: no thread named io_thd_* at start (I/O threads may start lazily), I/O CPU read again per call`);
    }
    if (warmup > 0) {
      log(`    warm-up: -t ${tests.join(',')} -c 50 -P 16 -n ${warmup}`);
      const w = await runBenchmark(h.port, ['-t', tests.join(','), '-c', '50', '-P', '16', '-n', String(warmup), ...benchArgs], Math.min(timeoutMs, 20000));
      if (w.timedOut) notes.push(`${mode.label}: warm-up (-n ${warmup} -P 16) timed out`);
    }
    for (const load of loads) {
      runNo++;
      const key = `${mode.label}|${loadKey(load)}`;
      if (!isAlive(h)) {
        problems.push(`${mode.label} died before ${loadLabel(load)}: exit ${h.proc.exitCode} signal ${h.proc.signalCode} (log: ${h.logPath})`);
        break;
      }
      const args = ['-t', load.test, '-c', String(load.clients), '-P', String(load.pipeline), '-n', String(load.n), ...benchArgs];
      process.stderr.write(`[${runNo}/${total}] ${mode.label.padEnd(25)} ${loadLabel(load).padEnd(16)} -n ${load.n} ... `);
      const i0 = await infoSnap(h.port);
      const c0 = cpuSnapshot(h.pid);
      const m0 = machineBusySeconds();
      const s0 = selfCpuSeconds();
      const res = await runBenchmark(h.port, args, timeoutMs);
      const c1 = cpuSnapshot(h.pid);
      const m1 = machineBusySeconds();
      const s1 = selfCpuSeconds();
      const i1 = await infoSnap(h.port);
      const run: Run = {
        mode,
        load,
        timedOut: res.timedOut,
        error: '',
        wall: res.wallSeconds,
        cmds: load.n,
        ioThreads: c1?.ioThreads ?? 0,
      };
      const row = res.rows.find((r) => r.test.toLowerCase().startsWith(load.test));
      const served = i0.cmds !== undefined && i1.cmds !== undefined ? i1.cmds - i0.cmds - 1 : undefined; // -1: the INFO itself
      if (row && !res.timedOut) run.rps = row.rps;
      else if (served !== undefined) {
        run.cmds = served;
        if (res.timedOut) run.partialRps = served / res.wallSeconds;
      }
      if (c0 && c1) {
        run.cpuProc = c1.proc - c0.proc;
        run.cpuMain = c1.main - c0.main;
        // I/O threads: per-thread deltas, so a thread that appeared meanwhile counts from 0.
        let io = 0;
        for (const [tid, t] of c1.tasks) if (/^io_thd_/.test(t.comm) && tid !== String(h.pid)) io += t.secs - (c0.tasks.get(tid)?.secs ?? 0);
        run.cpuIo = io;
      }
      if (s0 && s1) run.cpuBench = s1.children - s0.children;
      if (c0 && c1 && m0 !== undefined && m1 !== undefined && s0 && s1) {
        run.cpuForeign = Math.max(0, m1 - m0 - (c1.proc - c0.proc) - (s1.children - s0.children) - (s1.self - s0.self));
      }
      if (i1.workers.length) {
        const d = i1.workers.map((w, k) => [w[0] - (i0.workers[k]?.[0] ?? 0), w[1] - (i0.workers[k]?.[1] ?? 0)] as const);
        run.stalls = d.reduce((a, x) => a + x[1], 0);
        const sum = d.reduce((a, x) => a + x[0], 0);
        run.share = sum > 0 ? d.map((x) => Math.round((100 * x[0]) / sum)).join('/') : '-';
      }
      const problem = benchProblem(res);
      if (res.timedOut) {
        run.error = 'timeout';
      } else if (problem || !row) {
        run.error = problem || 'no CSV row';
        problems.push(`${mode.label} ${loadLabel(load)}: ${run.error}`);
      }
      runs.set(key, run);
      const mainUs = usPerCmd(run.cpuMain, run.cmds);
      const procUs = usPerCmd(run.cpuProc, run.cmds);
      process.stderr.write(
        `${rpsCell(run).padStart(16)} rps  ${res.wallSeconds.toFixed(1)} s  CPU µs/cmd main ${fmtNum(mainUs, 2)} proc ${fmtNum(procUs, 2)}` +
          (run.stalls !== undefined ? `  stalls ${run.stalls} share ${run.share}` : '') +
          (run.cpuForeign !== undefined ? `  foreign ${(run.cpuForeign / run.wall).toFixed(2)} cores` : '') + '\n',
      );
      if (res.timedOut && mode.kind === 'spindle') problems.push(`${mode.label} ${loadLabel(load)}: timed out after ${timeoutMs / 1000} s`);
    }
    if (!isAlive(h)) problems.push(`${mode.label} (pid ${h.pid}) died: exit ${h.proc.exitCode} signal ${h.proc.signalCode} (log: ${h.logPath})`);
    await stopServer(h);
  }
  const elapsed = (Date.now() - t0) / 1000;

  // ---- report ----
  const baseOf = (m: Mode) => modes.find((x) => x.kind === m.kind && x.threads === 1);
  const get = (m: Mode | undefined, l: Load) => (m ? runs.get(`${m.label}|${loadKey(l)}`) : undefined);
  const headers = ['server / mode', ...loads.map((l) => `>${loadLabel(l)}`)];
  const rpsRows = modes.map((m) => [
    m.label,
    ...loads.map((l) => {
      const r = get(m, l);
      const b = baseOf(m);
      const base = effRps(get(b, l));
      const v = effRps(r);
      const ratio = b && b !== m && v !== undefined && base ? ` (${(v / base).toFixed(2)}x)` : '';
      return rpsCell(r) + ratio;
    }),
  ]);
  const mainRows = modes.map((m) => [m.label, ...loads.map((l) => {
    const r = get(m, l);
    return r ? fmtNum(usPerCmd(r.cpuMain, r.cmds), 2) : 'n/a';
  })]);
  const procRows = modes.map((m) => [m.label, ...loads.map((l) => {
    const r = get(m, l);
    if (!r) return 'n/a';
    const p = fmtNum(usPerCmd(r.cpuProc, r.cmds), 2);
    return r.ioThreads > 0 ? `${p} (${fmtNum(usPerCmd(r.cpuIo, r.cmds), 2)})` : p;
  })]);
  const detailRows: string[][] = [];
  for (const m of modes) {
    for (const l of loads) {
      const r = get(m, l);
      if (!r) continue;
      const other = r.cpuProc !== undefined && r.cpuMain !== undefined && r.cpuIo !== undefined ? r.cpuProc - r.cpuMain - r.cpuIo : undefined;
      detailRows.push([
        m.label,
        loadLabel(l),
        fmtNum(r.cmds),
        r.wall.toFixed(1),
        rpsCell(r),
        fmtNum(r.cpuProc, 2),
        fmtNum(r.cpuMain, 2),
        r.ioThreads > 0 ? `${fmtNum(r.cpuIo, 2)} (${r.ioThreads})` : '-',
        fmtNum(other, 2),
        fmtNum(usPerCmd(r.cpuMain, r.cmds), 2),
        r.ioThreads > 0 ? fmtNum(usPerCmd(r.cpuIo, r.cmds), 2) : '-',
        fmtNum(usPerCmd(r.cpuProc, r.cmds), 2),
        r.share ?? '-',
        r.stalls !== undefined ? String(r.stalls) : '-',
        r.cpuBench !== undefined ? (r.cpuBench / r.wall).toFixed(2) : 'n/a',
        r.cpuForeign !== undefined ? (r.cpuForeign / r.wall).toFixed(2) : 'n/a',
      ]);
    }
  }

  // Targets: Spindle io-threads N >= 0.6x of io-threads 1 at each P; main-thread CPU/cmd -50%.
  const targetLines: string[] = [];
  const spBase = modes.find((m) => m.kind === 'spindle' && m.threads === 1);
  for (const m of modes.filter((x) => x.kind === 'spindle' && x.threads > 1)) {
    if (!spBase) break;
    for (const P of pipelines) {
      const ls = loads.filter((l) => l.pipeline === P);
      const ratios = ls.map((l) => {
        const v = effRps(get(m, l));
        const b = effRps(get(spBase, l));
        return { l, v: v !== undefined && b ? v / b : undefined };
      });
      const cuts = ls.map((l) => {
        const r = get(m, l);
        const b = get(spBase, l);
        const a = r ? usPerCmd(r.cpuMain, r.cmds) : undefined;
        const z = b ? usPerCmd(b.cpuMain, b.cmds) : undefined;
        return { l, v: a !== undefined && z ? 1 - a / z : undefined };
      });
      const worst = <T extends { v: number | undefined }>(xs: T[]) =>
        xs.reduce<T | undefined>((acc, x) => (x.v === undefined ? acc : acc === undefined || x.v < acc.v! ? x : acc), undefined);
      const wr = worst(ratios);
      const wc = worst(cuts);
      const allR = ratios.every((x) => x.v !== undefined && x.v >= 0.6);
      const allC = cuts.every((x) => x.v !== undefined && x.v >= 0.5);
      targetLines.push(
        `- ${m.label}, -P ${P}: throughput ${allR ? 'MEETS' : 'MISSES'} >= 0.6x ` +
          `(ratios ${ratios.map((x) => (x.v === undefined ? 'n/a' : x.v.toFixed(2))).join(', ')}; lowest ${wr ? `${wr.v!.toFixed(2)} at ${loadLabel(wr.l)}` : 'n/a'}); ` +
          `main-thread CPU/cmd ${allC ? 'MEETS' : 'MISSES'} -50% ` +
          `(cuts ${cuts.map((x) => (x.v === undefined ? 'n/a' : `${Math.round(x.v * 100)}%`)).join(', ')}; smallest ${wc ? `${Math.round(wc.v! * 100)}% at ${loadLabel(wc.l)}` : 'n/a'})`,
      );
    }
  }
  if (targetLines.length) targetLines.unshift(`(per-load values in column order: ${loads.filter((l) => l.pipeline === pipelines[0]).map((l) => `${l.test.toUpperCase()} c${l.clients}`).join(', ')})`);

  const benchCmd = `redis-benchmark -h 127.0.0.1 -p <port> -t <test> -c <${clients.join('|')}> -P <${pipelines.join('|')}> -n <${pipelines.some((p) => p === 1) ? `${n1} at P1` : ''}${pipelines.some((p) => p > 1) ? `${pipelines.some((p) => p === 1) ? ', ' : ''}${n16} at P>1` : ''}> --csv${benchArgs.length ? ' ' + benchArgs.map(shellQuote).join(' ') : ''}`;
  const lines: string[] = [];
  lines.push(`## io-threads: Spindle vs Redis (${started.toISOString()})`);
  lines.push('');
  lines.push(`Reproduce: \`${reproduceCommand()}\``);
  lines.push('');
  for (const [k, v] of versions) lines.push(`- ${k}: ${v}`);
  for (const m of modes) if (argvs.has(m.label)) lines.push(`- ${m.label}: \`${argvs.get(m.label)}\``);
  lines.push(`- load: \`${benchCmd}\`, one call per test, each configuration started fresh and run alone` +
    (warmup > 0 ? `, after an unmeasured warm-up (-t ${tests.join(',')} -c 50 -P 16 -n ${warmup})` : '') +
    `; time limit ${timeoutMs / 1000} s per call`);
  lines.push(`- host: ${environmentSummary()}; whole run ${elapsed.toFixed(0)} s`);
  {
    // Other work on the machine during the calls (a shared host): cores it used, wall-time weighted.
    const perMode = modes.map((m) => {
      const rs = loads.map((l) => get(m, l)).filter((r): r is Run => r !== undefined && r.cpuForeign !== undefined);
      const wall = rs.reduce((a, r) => a + r.wall, 0);
      return { m, v: wall > 0 ? rs.reduce((a, r) => a + r.cpuForeign!, 0) / wall : undefined };
    });
    const known = perMode.filter((x) => x.v !== undefined);
    if (known.length) {
      const worst = Math.max(...known.map((x) => x.v!));
      lines.push(`- other load on the machine during the calls (cores, from /proc/stat): ${known.map((x) => `${x.m.label} ${x.v!.toFixed(2)}`).join(', ')}` +
        (worst > 0.25 ? ' — **the host was busy; treat differences between modes with care**' : ''));
    }
  }
  if (svgPath) lines.push(`- chart: \`${svgPath}\``);
  lines.push('');
  lines.push('Requests/s (in parentheses: ratio to the same server\'s io-threads 1; `timeout/<rps>` = killed at the time limit, rate from the server\'s total_commands_processed):');
  lines.push('');
  lines.push(markdownTable(headers, rpsRows));
  lines.push('');
  lines.push('Main-thread CPU µs per command (/proc/<pid>/task/<pid>/stat utime+stime over the call, divided by commands):');
  lines.push('');
  lines.push(markdownTable(headers, mainRows));
  lines.push('');
  lines.push('Whole-process CPU µs per command (/proc/<pid>/stat utime+stime); in parentheses the io_thd_* threads\' share:');
  lines.push('');
  lines.push(markdownTable(headers, procRows));
  if (targetLines.length) {
    lines.push('');
    lines.push('Targets (Spindle io-threads N vs io-threads 1: throughput >= 0.6x, main-thread CPU per command down >= 50%):');
    lines.push('');
    lines.push(...targetLines);
  }
  lines.push('');
  lines.push('<details><summary>Per-call details</summary>');
  lines.push('');
  lines.push(
    markdownTable(
      ['mode', 'load', '>commands', '>wall s', '>rps', '>proc CPU s', '>main s', '>io_thd s (threads)', '>other s', '>main µs/cmd', '>io µs/cmd', '>proc µs/cmd', 'worker cmd %', '>ring stalls', '>bench cores', '>foreign cores'],
      detailRows,
    ),
  );
  lines.push('');
  lines.push('`other` = process − main − io_thd_* threads: V8 GC/compiler helper threads for Spindle, bio/jemalloc threads for Redis. ' +
    '`worker cmd %` = share of the commands parsed by each Spindle I/O worker. ' +
    '`bench cores` = redis-benchmark\'s CPU seconds / wall time. `foreign cores` = CPU used on the machine by anything else ' +
    '(/proc/stat busy time − server − redis-benchmark − this script) / wall time: other work that competed with the run.');
  lines.push('');
  lines.push('</details>');
  lines.push('');
  lines.push('Notes: Redis io-threads N runs N-1 extra io_thd threads (the main thread is one of the N); Spindle io-threads N runs N io_thd workers besides the main thread. ' +
    'redis-benchmark uses one fixed key per test (no -r) and takes one of the machine\'s cores, so on a 2-core host every extra thread competes with the load generator; ' +
    'main-thread CPU per command is the figure that predicts scaling on bigger machines. Absolute numbers on a shared machine are noise; compare within one run.');
  const timeouts = [...runs.values()].filter((r) => r.timedOut);
  if (timeouts.length) {
    lines.push('');
    lines.push(`Timeouts (${timeouts.length}): ${timeouts.map((r) => `${r.mode.label} ${loadLabel(r.load)}`).join('; ')}.`);
  }
  for (const nt of notes) lines.push(`- ${nt}`);
  const report = reportText(lines, problems);

  if (svgPath) {
    const file = path.resolve(REPO_ROOT, svgPath);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const sub = `redis-benchmark -t ${tests.join(',')} -n ${n1} (P1) / ${n16} (P>1), ${os.cpus().length} CPUs shared with the load generator, ${started.toISOString().slice(0, 10)}`;
    fs.writeFileSync(file, renderSvg(modes, loads, runs, 'Spindle vs Redis 7.0: requests/s by io-threads mode', sub));
    log(`wrote chart ${file}`);
  }
  publishReport(report, out, problems);
}

runMain(main);

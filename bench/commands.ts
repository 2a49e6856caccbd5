// Per-command throughput: Spindle vs redis-server on commands redis-benchmark's -t suite does
// not cover (bitmaps, HyperLogLog, geo, streams), each measured with plain redis-benchmark and
// a custom command line.
//
//   node bench/commands.ts [--quick] [-n N] [--scenarios setbit,pfadd,...] [--repeat 3] [--out file.md]
//
// Starts both servers side by side the same way bench/throughput.ts does. For every scenario and
// repeat, on each server in turn (which server goes first alternates): FLUSHALL, prepare the data
// the scenario reads (not timed), then run
//   redis-benchmark -h 127.0.0.1 -p <port> -c <clients> -n <N> -P <P> [-r <range>] --csv -q <command...>
// and read the server's CPU time from /proc/<pid>/stat before and after. The report shows the
// median requests/s over the repeats, the ratio spindle/redis and CPU µs per request.
//
// A scenario whose commands a server does not have (COMMAND INFO answers nil for one of them,
// or the server replies "unknown command") is reported as "unsupported" and the run goes on.
//
// About __rand_int__: redis-benchmark substitutes a zero-padded 12-digit number, which Redis's
// integer parser rejects ("000000001234" has leading zeros), so it can only vary keys and
// members, never integer arguments such as bit offsets. Stream IDs do accept leading zeros.
// Run with --help for all options.

import * as net from 'node:net';
import {
  HOST,
  RespError,
  assertAlive,
  benchProblem,
  command,
  encodeCommand,
  environmentSummary,
  fmtNum,
  fmtRatio,
  isAlive,
  markdownTable,
  median,
  parseCount,
  parseOptions,
  parsePortRange,
  parseReply,
  readCpuSeconds,
  reproduceCommand,
  resolveSpindleCmd,
  runBenchmark,
  runMain,
  serverVersion,
  shellQuote,
  splitCommand,
  startServer,
  stopServer,
  reportText,
  publishReport,
} from './lib.ts';
import type { RespValue, ServerHandle } from './lib.ts';

const USAGE = `Usage: node bench/commands.ts [options]

Runs redis-benchmark with custom command lines (bitmaps, HyperLogLog, geo, streams) against
redis-server and Spindle side by side and prints requests/s, the ratio spindle/redis and CPU
µs per request for each scenario. Scenarios: `;

type Side = 'redis' | 'spindle';

/** One redis-benchmark invocation of a scenario. */
interface Step {
  /** Row label in the report. */
  label: string;
  /** The command redis-benchmark sends. */
  cmd: string[];
  /** -r value (key/member range for __rand_int__), if the command uses it. */
  random?: number;
}

interface Scenario {
  name: string;
  /** What the numbers measure (printed under the table). */
  about: string;
  /** Commands the scenario needs (checked with COMMAND INFO before running). */
  requires: string[];
  /** Builds the data the benchmark reads; not timed. n is the request count of the run. */
  prepare?: (port: number, n: number) => Promise<void>;
  steps: (n: number) => Step[];
}

/** A deterministic PRNG (xorshift32), so both servers get the same prepared data. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/**
 * Sends commands pipelined on one connection (in batches) and waits for every reply; rejects on
 * the first error reply.
 */
function loadPipelined(port: number, cmds: string[][], batch = 1000): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: HOST });
    let buf: Buffer = Buffer.alloc(0);
    let sent = 0;
    let got = 0;
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      sock.destroy();
      if (err) reject(err);
      else resolve();
    };
    const sendBatch = () => {
      const end = Math.min(cmds.length, sent + batch);
      const parts: Buffer[] = [];
      for (; sent < end; sent++) parts.push(encodeCommand(cmds[sent]!));
      sock.write(Buffer.concat(parts));
    };
    sock.once('connect', () => {
      if (cmds.length === 0) finish(null);
      else sendBatch();
    });
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let pos = 0;
      for (;;) {
        let r: [RespValue, number] | undefined;
        try {
          r = parseReply(buf, pos);
        } catch (e) {
          finish(e as Error);
          return;
        }
        if (!r) break;
        if (r[0] instanceof RespError) {
          finish(r[0]);
          return;
        }
        pos = r[1];
        got++;
      }
      buf = buf.subarray(pos);
      if (got === cmds.length) finish(null);
      else if (got === sent) sendBatch();
    });
    sock.once('error', (e) => finish(e));
    sock.once('close', () => finish(new Error(`connection closed after ${got} of ${cmds.length} replies`)));
  });
}

const SCENARIOS: Scenario[] = [
  {
    name: 'setbit',
    about: 'SETBIT on 100k random keys at a fixed offset: the first hit creates a 128-byte bitmap, later hits find the bit set (no change)',
    requires: ['setbit'],
    steps: () => [{ label: 'SETBIT', cmd: ['SETBIT', 'bits:__rand_int__', '1023', '1'], random: 100_000 }],
  },
  {
    name: 'bitcount',
    about: 'BITCOUNT over a whole 4 KiB string (population count of 4096 bytes per request)',
    requires: ['bitcount'],
    prepare: async (port) => {
      const r = prng(1);
      let s = '';
      for (let i = 0; i < 4096; i++) s += String.fromCharCode(33 + Math.floor(r() * 94));
      await command(port, ['SET', 'bitmap', s]);
    },
    steps: () => [{ label: 'BITCOUNT', cmd: ['BITCOUNT', 'bitmap'] }],
  },
  {
    name: 'bitfield',
    about: 'BITFIELD with two ops (u16 INCRBY under SAT, i8 GET) on 10k random keys',
    requires: ['bitfield'],
    steps: () => [
      { label: 'BITFIELD', cmd: ['BITFIELD', 'bf:__rand_int__', 'OVERFLOW', 'SAT', 'INCRBY', 'u16', '#3', '1', 'GET', 'i8', '5'], random: 10_000 },
    ],
  },
  {
    name: 'pfadd',
    about: 'PFADD of one random element (1M range) to one HyperLogLog (sparse at first, dense after a few thousand)',
    requires: ['pfadd'],
    steps: () => [{ label: 'PFADD', cmd: ['PFADD', 'hll', 'el:__rand_int__'], random: 1_000_000 }],
  },
  {
    name: 'pfcount10',
    about: 'PFCOUNT of 10 HyperLogLogs of 1000 elements each (a merge of 10 registers sets per request; nothing cached)',
    requires: ['pfadd', 'pfcount'],
    prepare: async (port) => {
      for (let k = 0; k < 10; k++) {
        const args = ['PFADD', `hll:${k}`];
        for (let i = 0; i < 1000; i++) args.push(`e:${k}:${i}`);
        await command(port, args);
      }
    },
    steps: () => [{ label: 'PFCOUNT (10 keys)', cmd: ['PFCOUNT', ...Array.from({ length: 10 }, (_, k) => `hll:${k}`)] }],
  },
  {
    name: 'geosearch',
    about: 'GEOSEARCH of the 10 nearest within 10 km among 10,000 points spread over ±0.5° around the centre',
    requires: ['geoadd', 'geosearch'],
    prepare: async (port) => {
      const r = prng(2);
      const cmds: string[][] = [];
      for (let b = 0; b < 10; b++) {
        const args = ['GEOADD', 'geo'];
        for (let i = 0; i < 1000; i++) {
          args.push((13.4 + (r() - 0.5)).toFixed(6), (52.5 + (r() - 0.5)).toFixed(6), `p:${b * 1000 + i}`);
        }
        cmds.push(args);
      }
      await loadPipelined(port, cmds, 10);
    },
    steps: () => [
      { label: 'GEOSEARCH', cmd: ['GEOSEARCH', 'geo', 'FROMLONLAT', '13.4', '52.5', 'BYRADIUS', '10', 'km', 'ASC', 'COUNT', '10'] },
    ],
  },
  {
    name: 'xadd',
    about: 'XADD with an auto ID and one field to one stream (the stream grows to N entries)',
    requires: ['xadd'],
    steps: () => [{ label: 'XADD', cmd: ['XADD', 's', '*', 'f', 'v'] }],
  },
  {
    name: 'xreadgroup_xack',
    about:
      'a stream prefilled with N entries (IDs 0-1 .. (N-1)-1) and a group; first XREADGROUP COUNT 1 with ">" N times ' +
      '(each call delivers the next entry to consumer c1, growing its pending list to N), then XACK of a random ID ' +
      '(about 63% of the calls ack a pending entry, the rest find it already acked)',
    requires: ['xadd', 'xgroup', 'xreadgroup', 'xack'],
    prepare: async (port, n) => {
      const cmds: string[][] = [];
      for (let i = 0; i < n; i++) cmds.push(['XADD', 'rs', `${i}-1`, 'f', 'v']);
      await loadPipelined(port, cmds);
      await command(port, ['XGROUP', 'CREATE', 'rs', 'g', '0']);
    },
    steps: (n) => [
      { label: 'XREADGROUP COUNT 1 >', cmd: ['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '1', 'STREAMS', 'rs', '>'] },
      { label: 'XACK (random id)', cmd: ['XACK', 'rs', 'g', '__rand_int__-1'], random: n },
    ],
  },
];

const OPTIONS = [
  { names: ['-n', '--requests'], kind: 'string' as const, help: 'requests per step per run (default 200000; 20000 with --quick)' },
  { names: ['--quick'], kind: 'boolean' as const, default: false, help: 'shorthand for -n 20000' },
  { names: ['--scenarios'], kind: 'string' as const, default: SCENARIOS.map((s) => s.name).join(','), help: 'comma-separated scenarios' },
  { names: ['-c', '--clients'], kind: 'string' as const, default: '50', help: 'redis-benchmark -c' },
  { names: ['-P', '--pipeline'], kind: 'string' as const, default: '1', help: 'redis-benchmark -P' },
  { names: ['--repeat'], kind: 'string' as const, default: '1', help: 'runs per (server, scenario); the table shows the median rps' },
  { names: ['--server-args'], kind: 'string' as const, default: '', help: 'extra args for BOTH servers' },
  { names: ['--spindle-args'], kind: 'string' as const, default: '', help: 'extra args for Spindle only, e.g. "--io-threads 4"' },
  { names: ['--spindle-node-args'], kind: 'string' as const, default: '', help: 'node flags for Spindle' },
  { names: ['--spindle-cmd'], kind: 'string' as const, default: '', help: 'replace the Spindle command (e.g. "redis-server" to dry-run the script)' },
  { names: ['--redis-cmd'], kind: 'string' as const, default: 'redis-server', help: 'redis-server command' },
  { names: ['--timeout'], kind: 'string' as const, default: '600', help: 'seconds before one redis-benchmark invocation is killed' },
  { names: ['--ports'], kind: 'string' as const, default: '7800-7899', help: 'port range for the servers' },
  { names: ['--out'], kind: 'string' as const, help: 'append the markdown report and reproducing command to this file' },
];

/** True when every command in names exists on the server (COMMAND INFO gives nil for unknown ones). */
async function hasCommands(port: number, names: string[]): Promise<boolean> {
  try {
    const reply = await command(port, ['COMMAND', 'INFO', ...names]);
    return Array.isArray(reply) && reply.length === names.length && reply.every((r) => r !== null);
  } catch {
    return true; // no COMMAND INFO: let the run itself tell
  }
}

const UNKNOWN_COMMAND = /unknown command/i;

interface Acc {
  rps: number[];
  cpu: number;
  requests: number;
  /** Set when the server lacks a command of the scenario. */
  unsupported: boolean;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), OPTIONS, USAGE + SCENARIOS.map((s) => s.name).join(', '));
  const str = (k: string) => String(opts.get(k) ?? '');
  const n = opts.has('requests') ? parseCount(str('requests')) : opts.get('quick') ? 20_000 : 200_000;
  const names = str('scenarios').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  const scenarios = names.map((name) => {
    const s = SCENARIOS.find((x) => x.name === name);
    if (!s) throw new Error(`unknown scenario ${name} (have: ${SCENARIOS.map((x) => x.name).join(', ')})`);
    return s;
  });
  const clients = parseCount(str('clients'));
  const pipeline = parseCount(str('pipeline'));
  const repeat = Math.max(1, parseCount(str('repeat')));
  const serverArgs = splitCommand(str('server-args'));
  const spindleArgs = splitCommand(str('spindle-args'));
  const timeoutMs = parseCount(str('timeout')) * 1000;
  const portRange = parsePortRange(str('ports'));
  const out = opts.get('out') as string | undefined;
  const spindleCmd = resolveSpindleCmd(str('spindle-cmd'), splitCommand(str('spindle-node-args')));
  const redisCmd = splitCommand(str('redis-cmd'));

  const log = (s: string) => process.stderr.write(s + '\n');
  const started = new Date();
  log('starting redis-server and spindle...');
  const servers: Record<Side, ServerHandle> = {
    redis: await startServer({ label: 'redis', cmd: redisCmd, extraArgs: serverArgs, portRange }),
    spindle: await startServer({ label: 'spindle', cmd: spindleCmd, extraArgs: [...serverArgs, ...spindleArgs], portRange }),
  };
  const versions: Record<Side, string> = {
    redis: await serverVersion(servers.redis.port),
    spindle: await serverVersion(servers.spindle.port),
  };
  log(`redis   pid ${servers.redis.pid} port ${servers.redis.port}: ${versions.redis}`);
  log(`spindle pid ${servers.spindle.pid} port ${servers.spindle.port}: ${versions.spindle}`);

  const acc = new Map<string, Acc>(); // `${scenario}|${step label}|${side}`
  const accOf = (k: string): Acc => {
    let a = acc.get(k);
    if (!a) acc.set(k, (a = { rps: [], cpu: 0, requests: 0, unsupported: false }));
    return a;
  };
  const problems: string[] = [];
  const dead = new Set<Side>();

  for (const [si, sc] of scenarios.entries()) {
    const steps = sc.steps(n);
    for (let rep = 0; rep < repeat; rep++) {
      const order: Side[] = (si + rep) % 2 === 0 ? ['redis', 'spindle'] : ['spindle', 'redis'];
      for (const side of order) {
        const h = servers[side];
        if (dead.has(side)) continue;
        if (!isAlive(h)) {
          dead.add(side);
          problems.push(`${side} died before ${sc.name}: exit ${h.proc.exitCode} signal ${h.proc.signalCode} (log: ${h.logPath})`);
          continue;
        }
        const markUnsupported = (why: string) => {
          for (const st of steps) accOf(`${sc.name}|${st.label}|${side}`).unsupported = true;
          log(`    ${side}: ${sc.name} unsupported (${why})`);
        };
        if (accOf(`${sc.name}|${steps[0]!.label}|${side}`).unsupported) continue;
        if (!(await hasCommands(h.port, sc.requires))) {
          markUnsupported(`COMMAND INFO lacks one of ${sc.requires.join(', ')}`);
          continue;
        }
        log(`[${sc.name} ${rep + 1}/${repeat}] ${side}: preparing...`);
        try {
          await command(h.port, ['FLUSHALL'], 120_000);
          if (sc.prepare) await sc.prepare(h.port, n);
        } catch (e) {
          const msg = (e as Error).message;
          if (UNKNOWN_COMMAND.test(msg)) markUnsupported(msg);
          else problems.push(`${side} ${sc.name}: prepare failed: ${msg}`);
          continue;
        }
        for (const st of steps) {
          const args = ['-c', String(clients), '-n', String(n), '-P', String(pipeline), '--csv', '-q'];
          if (st.random !== undefined) args.push('-r', String(st.random));
          args.push(...st.cmd);
          log(`    ${side.padEnd(7)} ${st.label} -n ${n} ...`);
          const cpu0 = readCpuSeconds(h.pid);
          const res = await runBenchmark(h.port, args, timeoutMs);
          const cpu1 = readCpuSeconds(h.pid);
          const a = accOf(`${sc.name}|${st.label}|${side}`);
          if (UNKNOWN_COMMAND.test(res.stderr)) {
            markUnsupported(res.stderr.split('\n')[0] ?? 'unknown command');
            break;
          }
          const problem = benchProblem(res) || (res.rows.length === 0 ? `no result (${res.stderr.split('\n').slice(-2).join(' / ')})` : '');
          if (problem) {
            problems.push(`${side} ${sc.name} ${st.label}: ${problem}`);
            log(`    problem: ${problem}`);
            continue;
          }
          a.rps.push(res.rows[0]!.rps);
          if (cpu0 !== undefined && cpu1 !== undefined) a.cpu += cpu1 - cpu0;
          a.requests += n;
          log(`    ${side.padEnd(7)} ${st.label.padEnd(22)} ${fmtNum(res.rows[0]!.rps).padStart(10)} rps  p50 ${res.rows[0]!.p50Ms ?? '?'} ms`);
        }
        try {
          await command(h.port, ['FLUSHALL'], 120_000);
        } catch {
          // reported by the liveness checks
        }
        if (!isAlive(h)) {
          dead.add(side);
          problems.push(`${side} died during ${sc.name}: exit ${h.proc.exitCode} signal ${h.proc.signalCode} (log: ${h.logPath})`);
        }
      }
    }
  }
  for (const side of ['redis', 'spindle'] as Side[]) {
    try {
      if (!dead.has(side)) assertAlive(servers[side]);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }

  // ---- report ----
  const usPerReq = (a: Acc | undefined) => (a && a.requests > 0 ? (a.cpu * 1e6) / a.requests : undefined);
  const rows: string[][] = [];
  for (const sc of scenarios) {
    for (const st of sc.steps(n)) {
      const r = acc.get(`${sc.name}|${st.label}|redis`);
      const s = acc.get(`${sc.name}|${st.label}|spindle`);
      const rps = (a: Acc | undefined) => (a?.unsupported ? 'unsupported' : a?.rps.length ? fmtNum(median(a.rps)) : 'ERR');
      const cpu = (a: Acc | undefined) => (a?.unsupported ? '-' : fmtNum(usPerReq(a), 2));
      const both = !r?.unsupported && !s?.unsupported;
      rows.push([
        sc.name,
        st.label,
        rps(r),
        rps(s),
        both ? fmtRatio(median(s?.rps ?? []), median(r?.rps ?? [])) : '-',
        cpu(r),
        cpu(s),
        both ? fmtRatio(usPerReq(s), usPerReq(r)) : '-',
      ]);
    }
  }
  const lines: string[] = [];
  lines.push(`## Commands: Spindle vs Redis (${started.toISOString()})`);
  lines.push('');
  lines.push(`Reproduce: \`${reproduceCommand()}\``);
  lines.push('');
  lines.push(`- redis:   ${versions.redis} — \`${servers.redis.argv.map(shellQuote).join(' ')}\``);
  lines.push(`- spindle: ${versions.spindle} — \`${servers.spindle.argv.map(shellQuote).join(' ')}\``);
  lines.push(
    `- load:    \`redis-benchmark -h 127.0.0.1 -p <port> -c ${clients} -n ${n} -P ${pipeline} [-r <range>] --csv -q <command>\`, ` +
      `${repeat} run(s) per scenario and server (median shown), FLUSHALL and untimed preparation before each run, server order alternated`,
  );
  lines.push(`- host:    ${environmentSummary()}`);
  lines.push('');
  lines.push(
    markdownTable(
      ['scenario', 'command', '>redis rps', '>spindle rps', '>rps ratio (s/r)', '>redis CPU µs/req', '>spindle CPU µs/req', '>CPU ratio (s/r)'],
      rows,
    ),
  );
  lines.push('');
  lines.push('Commands and what they measure (CPU: /proc/<pid>/stat utime+stime of the server during its own runs):');
  lines.push('');
  for (const sc of scenarios) {
    const cmds = sc.steps(n).map((st) => `\`${st.cmd.map(shellQuote).join(' ')}\`${st.random !== undefined ? ` (-r ${st.random})` : ''}`);
    lines.push(`- ${sc.name}: ${cmds.join(', then ')} — ${sc.about}.`);
  }
  lines.push('');
  lines.push('Absolute numbers on a shared machine are noise; compare ratios within one run.');
  const report = reportText(lines, problems);
  for (const h of Object.values(servers)) await stopServer(h);
  publishReport(report, out, problems);
}

runMain(main);

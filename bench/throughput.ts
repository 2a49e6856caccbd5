// Throughput comparison: Spindle vs redis-server, measured with redis-benchmark.
//
//   node bench/throughput.ts [--quick] [-n N] [--pipelines 1,16] [--out file.md] ...
//
// Starts both servers side by side with the same flags, runs
//   redis-benchmark -h 127.0.0.1 -p <port> -t <tests> -c <clients> -n <N> -P <P> --csv -q
// against each server for every pipeline depth (alternating which server goes
// first), and prints a markdown table of requests/s plus the CPU time each
// server process consumed during its own runs (from /proc/<pid>/stat).
// Run with --help for all options.

import {
  assertAlive,
  benchProblem,
  resolveSpindleCmd,
  environmentSummary,
  fmtNum,
  fmtRatio,
  isAlive,
  markdownTable,
  median,
  parseCount,
  parseIntList,
  parseOptions,
  parsePortRange,
  readCpuSeconds,
  reproduceCommand,
  runBenchmark,
  runMain,
  serverVersion,
  shellQuote,
  splitCommand,
  startServer,
  stopServer,
  testKey,
  reportText,
  publishReport,
} from './lib.ts';
import type { ServerHandle } from './lib.ts';

const USAGE = `Usage: node bench/throughput.ts [options]

Runs redis-benchmark against redis-server and Spindle side by side and prints
requests/s per test and pipeline depth, the ratio spindle/redis, and the CPU
seconds each server used during its runs.`;

const OPTIONS = [
  { names: ['-n', '--requests'], kind: 'string' as const, help: 'requests per test per run (default 1000000; 200000 with --quick)' },
  { names: ['--quick'], kind: 'boolean' as const, default: false, help: 'shorthand for -n 200000' },
  { names: ['-t', '--tests'], kind: 'string' as const, default: 'set,get,incr,mset', help: 'redis-benchmark -t list' },
  { names: ['-c', '--clients'], kind: 'string' as const, default: '50', help: 'redis-benchmark -c' },
  { names: ['-P', '--pipelines'], kind: 'string' as const, default: '1,16', help: 'comma-separated pipeline depths' },
  { names: ['--repeat'], kind: 'string' as const, default: '1', help: 'runs per (server, depth); the table shows the median rps' },
  { names: ['--per-test'], kind: 'boolean' as const, default: false, help: 'one redis-benchmark invocation per test (gives CPU per test)' },
  { names: ['--bench-args'], kind: 'string' as const, default: '', help: 'extra args for redis-benchmark, e.g. "-d 100"' },
  { names: ['--server-args'], kind: 'string' as const, default: '', help: 'extra args for BOTH servers' },
  { names: ['--spindle-args'], kind: 'string' as const, default: '', help: 'extra args for Spindle only, e.g. "--io-threads 4"' },
  { names: ['--spindle-node-args'], kind: 'string' as const, default: '', help: 'node flags for Spindle, e.g. "--max-old-space-size=8192"' },
  { names: ['--spindle-cmd'], kind: 'string' as const, default: '', help: 'replace the Spindle command (e.g. "redis-server" to dry-run the script)' },
  { names: ['--redis-cmd'], kind: 'string' as const, default: 'redis-server', help: 'redis-server command' },
  { names: ['--timeout'], kind: 'string' as const, default: '900', help: 'seconds before one redis-benchmark invocation is killed' },
  { names: ['--ports'], kind: 'string' as const, default: '7800-7899', help: 'port range for the servers' },
  { names: ['--out'], kind: 'string' as const, help: 'append the markdown report and reproducing command to this file' },
];

type Side = 'redis' | 'spindle';

interface CpuAcc {
  cpu: number;
  requests: number;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), OPTIONS, USAGE);
  const str = (k: string) => String(opts.get(k) ?? '');
  const n = opts.has('requests') ? parseCount(str('requests')) : opts.get('quick') ? 200_000 : 1_000_000;
  const tests = str('tests').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  const clients = parseCount(str('clients'));
  const pipelines = parseIntList(str('pipelines'));
  const repeat = Math.max(1, parseCount(str('repeat')));
  const perTest = opts.get('per-test') === true;
  const benchArgs = splitCommand(str('bench-args'));
  const serverArgs = splitCommand(str('server-args'));
  const spindleArgs = splitCommand(str('spindle-args'));
  const spindleNodeArgs = splitCommand(str('spindle-node-args'));
  const timeoutMs = parseCount(str('timeout')) * 1000;
  const portRange = parsePortRange(str('ports'));
  const out = opts.get('out') as string | undefined;

  const spindleCmd = resolveSpindleCmd(str('spindle-cmd'), spindleNodeArgs);
  const redisCmd = splitCommand(str('redis-cmd'));

  const log = (s: string) => process.stderr.write(s + '\n');
  const started = new Date();

  log(`starting redis-server and spindle...`);
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

  // rps samples per test|P|side, display names per test key, CPU per group|P|side.
  const samples = new Map<string, number[]>();
  const displayName = new Map<string, string>();
  const cpuAcc = new Map<string, CpuAcc>();
  const problems: string[] = [];
  const dead = new Set<Side>();
  const groups = perTest ? tests.map((t) => [t]) : [tests];

  const totalRuns = pipelines.length * repeat * groups.length * 2;
  let runNo = 0;
  for (const [pi, P] of pipelines.entries()) {
    for (let rep = 0; rep < repeat; rep++) {
      for (const [gi, group] of groups.entries()) {
        const order: Side[] = (pi + rep + gi) % 2 === 0 ? ['redis', 'spindle'] : ['spindle', 'redis'];
        for (const side of order) {
          runNo++;
          const h = servers[side];
          if (dead.has(side)) continue;
          if (!isAlive(h)) {
            dead.add(side);
            problems.push(`${side} died before P=${P} ${group.join(',')}: exit ${h.proc.exitCode} signal ${h.proc.signalCode} (log: ${h.logPath})`);
            continue;
          }
          const args = ['-t', group.join(','), '-c', String(clients), '-n', String(n), '-P', String(P), '-q', ...benchArgs];
          log(`[${runNo}/${totalRuns}] ${side.padEnd(7)} P=${P} -t ${group.join(',')} -n ${n} ...`);
          const cpu0 = readCpuSeconds(h.pid);
          const res = await runBenchmark(h.port, args, timeoutMs);
          const cpu1 = readCpuSeconds(h.pid);
          for (const row of res.rows) {
            const key = testKey(row.test);
            if (!displayName.has(key)) displayName.set(key, row.test);
            const sk = `${key}|${P}|${side}`;
            if (!samples.has(sk)) samples.set(sk, []);
            samples.get(sk)!.push(row.rps);
            log(`    ${row.test.padEnd(16)} ${fmtNum(row.rps).padStart(12)} rps  p50 ${row.p50Ms ?? '?'} ms  p99 ${row.p99Ms ?? '?'} ms`);
          }
          const problem = benchProblem(res);
          if (problem) {
            problems.push(`${side} P=${P} -t ${group.join(',')}: ${problem}`);
            log(`    problem: ${problem}`);
          }
          const ck = `${group.join(',')}|${P}|${side}`;
          const acc = cpuAcc.get(ck) ?? { cpu: 0, requests: 0 };
          if (cpu0 !== undefined && cpu1 !== undefined) acc.cpu += cpu1 - cpu0;
          acc.requests += n * res.rows.length;
          cpuAcc.set(ck, acc);
          if (!isAlive(h)) {
            dead.add(side);
            problems.push(`${side} died during P=${P} -t ${group.join(',')}: exit ${h.proc.exitCode} signal ${h.proc.signalCode} (log: ${h.logPath})`);
          }
        }
      }
    }
  }
  // Catch a server that died silently in the last run.
  for (const side of ['redis', 'spindle'] as Side[]) {
    try {
      if (!dead.has(side)) assertAlive(servers[side]);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }

  // ---- report ----
  const rpsRows: string[][] = [];
  for (const P of pipelines) {
    for (const t of tests) {
      const name = displayName.get(t) ?? t.toUpperCase();
      const r = median(samples.get(`${t}|${P}|redis`) ?? []);
      const s = median(samples.get(`${t}|${P}|spindle`) ?? []);
      rpsRows.push([name, String(P), r === undefined ? 'ERR' : fmtNum(r), s === undefined ? 'ERR' : fmtNum(s), fmtRatio(s, r)]);
    }
  }
  const cpuRows: string[][] = [];
  for (const P of pipelines) {
    for (const group of groups) {
      const g = group.join(',');
      const r = cpuAcc.get(`${g}|${P}|redis`);
      const s = cpuAcc.get(`${g}|${P}|spindle`);
      const usPerReq = (a: CpuAcc | undefined) => (a && a.requests > 0 ? (a.cpu * 1e6) / a.requests : undefined);
      cpuRows.push([
        g,
        String(P),
        fmtNum(r?.requests),
        fmtNum(r?.cpu, 2),
        fmtNum(s?.cpu, 2),
        fmtNum(usPerReq(r), 2),
        fmtNum(usPerReq(s), 2),
        fmtRatio(usPerReq(s), usPerReq(r)),
      ]);
    }
  }

  const benchCmd = `redis-benchmark -h 127.0.0.1 -p <port> -t ${groups.length > 1 ? '<test>' : tests.join(',')} -c ${clients} -n ${n} -P <P> --csv -q${benchArgs.length ? ' ' + benchArgs.map(shellQuote).join(' ') : ''}`;
  const lines: string[] = [];
  lines.push(`## Throughput: Spindle vs Redis (${started.toISOString()})`);
  lines.push('');
  lines.push(`Reproduce: \`${reproduceCommand()}\``);
  lines.push('');
  lines.push(`- redis:   ${versions.redis} — \`${servers.redis.argv.map(shellQuote).join(' ')}\``);
  lines.push(`- spindle: ${versions.spindle} — \`${servers.spindle.argv.map(shellQuote).join(' ')}\``);
  lines.push(`- load:    \`${benchCmd}\`, pipeline depths ${pipelines.join(', ')}, ${repeat} run(s) each (median shown), server order alternated per depth`);
  lines.push(`- host:    ${environmentSummary()}`);
  lines.push('');
  lines.push(markdownTable(['test', '>P', '>redis rps', '>spindle rps', '>ratio (spindle/redis)'], rpsRows));
  lines.push('');
  lines.push('CPU consumed by each server process during its own runs (/proc/<pid>/stat utime+stime, all threads):');
  lines.push('');
  lines.push(
    markdownTable(
      ['tests', '>P', '>requests', '>redis CPU s', '>spindle CPU s', '>redis CPU µs/req', '>spindle CPU µs/req', '>ratio (spindle/redis)'],
      cpuRows,
    ),
  );
  lines.push('');
  lines.push(
    'Notes: MSET rps counts MSET commands (10 keys each). Without -r, redis-benchmark uses one fixed key per test ' +
      '(`key:__rand_int__`, `counter:__rand_int__`), so these numbers measure protocol and dispatch cost, not keyspace size. ' +
      'Absolute numbers on a shared machine are noise; compare ratios within one run.',
  );
  const report = reportText(lines, problems);

  for (const h of Object.values(servers)) await stopServer(h);
  publishReport(report, out, problems);
}

runMain(main);

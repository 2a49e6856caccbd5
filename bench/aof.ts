// Write throughput with the append-only file on: Spindle vs redis-server, redis-benchmark style,
// for appendfsync no AOF (baseline), everysec and always.
//
//   node bench/aof.ts [--quick] [-n N] [-c clients] [-P pipeline] [--tests set,incr,lpush] [--out file.md]
//
// For each policy, both servers are started fresh (one after the other, same arguments:
// --appendonly yes --appendfsync <policy>, in their own temp dir), redis-benchmark runs
//   redis-benchmark -h 127.0.0.1 -p <port> -c <clients> -n <N> -P <P> -t <tests> --csv
// and the servers are stopped. With always every batch of replies waits for an fsync, so the
// request count for it is a tenth of the others. The report gives requests/s and the ratio
// spindle/redis per test and policy. Absolute numbers on a shared machine are noise; ratios are
// the point.
//
// Then (unless --rewrite-keys 0) BGREWRITEAOF under writes: each server gets N keys
// (DEBUG POPULATE), a redis-benchmark SET load runs, and a BGREWRITEAOF is timed from the
// command to aof_rewrite_in_progress:0 while a probe connection sends PING every 5 ms and keeps
// the slowest round trip (Redis forks; Spindle writes the RDB base in event-loop slices).
import * as net from 'node:net';
import {
  HOST,
  benchProblem,
  command,
  encodeCommand,
  readInfo,
  sleep,
  environmentSummary,
  fmtNum,
  fmtRatio,
  markdownTable,
  parseCount,
  parseOptions,
  parsePortRange,
  publishReport,
  reportText,
  reproduceCommand,
  resolveSpindleCmd,
  runBenchmark,
  runMain,
  splitCommand,
  startServer,
  stopServer,
  testKey,
} from './lib.ts';

const USAGE = `Usage: node bench/aof.ts [options]

Write throughput with appendonly on (appendfsync everysec and always) and off, redis-server vs
Spindle, with redis-benchmark.`;

const OPTIONS = [
  { names: ['--quick'], kind: 'boolean' as const, default: false, help: 'small request counts (a smoke run)' },
  { names: ['-n', '--requests'], kind: 'string' as const, help: 'requests per test (default 100000, quick 10000; always gets a tenth)' },
  { names: ['-c', '--clients'], kind: 'string' as const, default: '50', help: 'parallel connections' },
  { names: ['-P', '--pipeline'], kind: 'string' as const, default: '1', help: 'pipeline depth' },
  { names: ['--tests'], kind: 'string' as const, default: 'set,incr,lpush', help: 'redis-benchmark -t list' },
  { names: ['--policies'], kind: 'string' as const, default: 'off,everysec,always', help: 'off, everysec, always, no' },
  { names: ['--ports'], kind: 'string' as const, default: '7800-7899', help: 'port range' },
  { names: ['--spindle-cmd'], kind: 'string' as const, default: '', help: 'command to run Spindle' },
  { names: ['--redis-cmd'], kind: 'string' as const, default: 'redis-server', help: 'command to run Redis' },
  { names: ['--timeout'], kind: 'string' as const, default: '300', help: 'seconds per redis-benchmark run' },
  { names: ['--rewrite-keys'], kind: 'string' as const, help: 'keys for the BGREWRITEAOF measurement (default 1000000, quick 200000; 0 skips it)' },
  { names: ['--out'], kind: 'string' as const, help: 'append the markdown report to this file' },
];

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), OPTIONS, USAGE);
  const str = (k: string): string => String(opts.get(k) ?? '');
  const n = opts.has('requests') ? parseCount(str('requests')) : opts.get('quick') ? 10_000 : 100_000;
  const clients = parseCount(str('clients'));
  const pipeline = parseCount(str('pipeline'));
  const tests = str('tests');
  const policies = str('policies').split(',').map((p) => p.trim()).filter(Boolean);
  const portRange = parsePortRange(str('ports'));
  const timeoutMs = parseCount(str('timeout')) * 1000;
  const spindleCmd = resolveSpindleCmd(str('spindle-cmd'), []);
  const redisCmd = splitCommand(str('redis-cmd'));
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const problems: string[] = [];
  const rows: string[][] = [];
  for (const policy of policies) {
    const extra = policy === 'off' ? [] : ['--appendonly', 'yes', '--appendfsync', policy];
    const requests = policy === 'always' ? Math.max(1000, Math.floor(n / 10)) : n;
    const rps: Record<string, Map<string, number>> = {};
    for (const side of ['redis', 'spindle'] as const) {
      log(`${policy}: ${side}...`);
      const h = await startServer({ label: `${side}-${policy}`, cmd: side === 'redis' ? redisCmd : spindleCmd, extraArgs: extra, portRange });
      try {
        const r = await runBenchmark(h.port, ['-c', String(clients), '-n', String(requests), '-P', String(pipeline), '-t', tests], timeoutMs);
        const p = benchProblem(r);
        if (p !== '') problems.push(`${side} ${policy}: ${p}`);
        rps[side] = new Map(r.rows.map((row) => [testKey(row.test), row.rps]));
      } finally {
        await stopServer(h);
      }
    }
    for (const t of tests.split(',')) {
      const a = rps.redis?.get(t);
      const b = rps.spindle?.get(t);
      rows.push([policy, t.toUpperCase(), String(requests), fmtNum(a), fmtNum(b), fmtRatio(b, a)]);
    }
  }
  const rewriteKeys = opts.has('rewrite-keys') ? parseCount(str('rewrite-keys')) : opts.get('quick') ? 200_000 : 1_000_000;
  const rwRows: string[][] = [];
  if (rewriteKeys > 0) {
    for (const side of ['redis', 'spindle'] as const) {
      log(`rewrite under writes: ${side} (${rewriteKeys} keys)...`);
      const h = await startServer({
        label: `${side}-rewrite`, cmd: side === 'redis' ? redisCmd : spindleCmd, portRange,
        extraArgs: ['--appendonly', 'yes', '--appendfsync', 'everysec', '--enable-debug-command', 'yes'],
      });
      try {
        await command(h.port, ['DEBUG', 'POPULATE', String(rewriteKeys)], 300_000);
        const load = runBenchmark(h.port, ['-c', '20', '-n', String(n * 2), '-r', String(rewriteKeys), '-t', 'set'], timeoutMs);
        await sleep(300);
        const probe = await pingProbe(h.port);
        const t0 = performance.now();
        await command(h.port, ['BGREWRITEAOF']);
        for (;;) {
          const info = await readInfo(h.port, 'persistence');
          if (info.get('aof_rewrite_in_progress') === '0' && info.get('aof_rewrite_scheduled') === '0') break;
          await sleep(10);
        }
        const ms = performance.now() - t0;
        const worst = probe.stop();
        const r = await load;
        const p = benchProblem(r);
        if (p !== '') problems.push(`${side} rewrite load: ${p}`);
        const info = await readInfo(h.port, 'persistence');
        rwRows.push([side, String(rewriteKeys), fmtNum(ms), fmtNum(worst, 1), info.get('aof_last_bgrewrite_status') ?? '?', fmtNum(r.rows[0]?.rps)]);
      } finally {
        await stopServer(h);
      }
    }
  }
  const lines = [
    `### AOF write throughput (${new Date().toISOString().slice(0, 16)}Z)`,
    '',
    `-c ${clients} -P ${pipeline}; ${environmentSummary()}`,
    `\`${reproduceCommand()}\``,
    '',
    markdownTable(['appendfsync', 'test', 'requests', 'redis rps', 'spindle rps', 'spindle/redis'], rows),
  ];
  if (rwRows.length > 0) {
    lines.push('', 'BGREWRITEAOF under a SET load (appendfsync everysec, RDB preamble):', '');
    lines.push(markdownTable(['server', 'keys', 'rewrite ms', 'worst PING ms', 'status', 'SET rps during'], rwRows));
  }
  publishReport(reportText(lines, problems), opts.get('out') as string | undefined, problems);
}

/** Sends PING every 5 ms on one connection; stop() returns the slowest round trip in ms. */
async function pingProbe(port: number): Promise<{ stop(): number }> {
  const sock = net.connect({ port, host: HOST });
  await new Promise<void>((r, j) => {
    sock.once('connect', () => r());
    sock.once('error', j);
  });
  let worst = 0;
  let sentAt = 0;
  let running = true;
  const ping = encodeCommand(['PING']);
  const send = (): void => {
    if (!running) return;
    sentAt = performance.now();
    sock.write(ping);
  };
  sock.on('data', () => {
    const rt = performance.now() - sentAt;
    if (rt > worst) worst = rt;
    setTimeout(send, 5);
  });
  sock.on('error', () => {});
  send();
  return {
    stop() {
      running = false;
      sock.destroy();
      return worst;
    },
  };
}

runMain(main);

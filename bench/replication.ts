// Replication: Spindle vs redis-server, each replicating to its own kind.
//
//   node bench/replication.ts [--quick] [-n N] [-c clients] [--keys K] [--out file.md]
//
// 1. Primary write throughput (redis-benchmark SET) with 0, 1 and 2 replicas attached, and each
//    as a fraction of the 0-replica figure; during the 2-replica run the lag in bytes
//    (master_repl_offset minus the slowest replica's ACKed offset) is sampled every 50 ms, and
//    after it the time until both replicas have caught up.
// 2. Full sync time of a new replica for K keys (DEBUG POPULATE), diskless and disk-backed: from
//    REPLICAOF to master_link_status:up with the primary's offset reached.
// Absolute numbers on a shared machine are noise; the fractions and ratios are the point.
import {
  benchProblem,
  command,
  environmentSummary,
  fmtNum,
  fmtRatio,
  markdownTable,
  parseCount,
  parseOptions,
  parsePortRange,
  publishReport,
  readInfo,
  reportText,
  reproduceCommand,
  resolveSpindleCmd,
  runBenchmark,
  runMain,
  sleep,
  splitCommand,
  startServer,
  stopServer,
  type ServerHandle,
} from './lib.ts';

const USAGE = `Usage: node bench/replication.ts [options]

Primary throughput with 0/1/2 replicas, replication lag, full sync time: redis-server vs Spindle.`;

const OPTIONS = [
  { names: ['--quick'], kind: 'boolean' as const, default: false, help: 'small counts (a smoke run)' },
  { names: ['-n', '--requests'], kind: 'string' as const, help: 'SET requests per run (default 200000, quick 20000)' },
  { names: ['-c', '--clients'], kind: 'string' as const, default: '50', help: 'parallel connections' },
  { names: ['--keys'], kind: 'string' as const, help: 'keys for the full sync (default 5000000, quick 100000)' },
  { names: ['--ports'], kind: 'string' as const, default: '7800-7899', help: 'port range' },
  { names: ['--spindle-cmd'], kind: 'string' as const, default: '', help: 'command to run Spindle' },
  { names: ['--redis-cmd'], kind: 'string' as const, default: 'redis-server', help: 'command to run Redis' },
  { names: ['--timeout'], kind: 'string' as const, default: '600', help: 'seconds per step' },
  { names: ['--out'], kind: 'string' as const, help: 'append the markdown report to this file' },
];

const COMMON = ['--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0'];

async function offsetOf(port: number): Promise<number> {
  return Number((await readInfo(port, 'replication')).get('master_repl_offset') ?? -1);
}

/** Waits until replica is up and at the primary's offset; returns ms waited. */
async function caughtUp(primary: number, replica: number, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const r = await readInfo(replica, 'replication');
    if (r.get('master_link_status') === 'up' && Number(r.get('master_repl_offset')) >= (await offsetOf(primary))) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`replica :${replica} did not catch up`);
    await sleep(5);
  }
}

/** master_repl_offset minus the smallest slaveN offset. */
async function lagBytes(primary: number): Promise<number> {
  const info = await readInfo(primary, 'replication');
  const off = Number(info.get('master_repl_offset'));
  let min = off;
  for (const [k, v] of info) if (/^slave\d+$/.test(k)) min = Math.min(min, Number(/offset=(\d+)/.exec(v)?.[1] ?? off));
  return off - min;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), OPTIONS, USAGE);
  const str = (k: string): string => String(opts.get(k) ?? '');
  const quick = opts.get('quick') === true;
  const n = opts.has('requests') ? parseCount(str('requests')) : quick ? 20_000 : 200_000;
  const keys = opts.has('keys') ? parseCount(str('keys')) : quick ? 100_000 : 5_000_000;
  const clients = parseCount(str('clients'));
  const portRange = parsePortRange(str('ports'));
  const timeoutMs = parseCount(str('timeout')) * 1000;
  const cmds = { redis: splitCommand(str('redis-cmd')), spindle: resolveSpindleCmd(str('spindle-cmd'), []) };
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const problems: string[] = [];
  const tputRows: string[][] = [];
  const syncRows: string[][] = [];
  const rps: Record<string, number[]> = {};
  for (const side of ['redis', 'spindle'] as const) {
    const started: ServerHandle[] = [];
    const start = async (label: string, extra: string[] = []): Promise<ServerHandle> => {
      const h = await startServer({ label: `${side}-${label}`, cmd: cmds[side], extraArgs: [...COMMON, ...extra], portRange });
      started.push(h);
      return h;
    };
    try {
      const p = await start('primary');
      const replicas = [await start('replica1'), await start('replica2')];
      rps[side] = [];
      let maxLag = 0;
      let catchUp = 0;
      for (let attached = 0; attached <= 2; attached++) {
        if (attached > 0) {
          await command(replicas[attached - 1].port, ['REPLICAOF', '127.0.0.1', String(p.port)]);
          await caughtUp(p.port, replicas[attached - 1].port, timeoutMs);
        }
        log(`${side}: SET with ${attached} replica(s)...`);
        let sampling = attached === 2;
        const sampler = (async () => {
          while (sampling) {
            maxLag = Math.max(maxLag, await lagBytes(p.port));
            await sleep(50);
          }
        })();
        const r = await runBenchmark(p.port, ['-c', String(clients), '-n', String(n), '-r', '100000', '-t', 'set'], timeoutMs);
        sampling = false;
        await sampler;
        const prob = benchProblem(r);
        if (prob !== '') problems.push(`${side} ${attached} replicas: ${prob}`);
        rps[side].push(r.rows[0]?.rps ?? 0);
        if (attached === 2) for (const rep of replicas) catchUp = Math.max(catchUp, await caughtUp(p.port, rep.port, timeoutMs));
      }
      const base = rps[side][0];
      tputRows.push([side, ...rps[side].map((x) => fmtNum(x)), fmtRatio(rps[side][1], base), fmtRatio(rps[side][2], base), fmtNum(maxLag), fmtNum(catchUp, 1)]);
      for (const rep of replicas) await command(rep.port, ['REPLICAOF', 'NO', 'ONE']);
      log(`${side}: full sync of ${keys} keys...`);
      await command(p.port, ['FLUSHALL']);
      await command(p.port, ['DEBUG', 'POPULATE', String(keys)], timeoutMs);
      for (const diskless of ['yes', 'no']) {
        await command(p.port, ['CONFIG', 'SET', 'repl-diskless-sync', diskless]);
        const rep = await start(`sync-${diskless}`);
        const t0 = performance.now();
        await command(rep.port, ['REPLICAOF', '127.0.0.1', String(p.port)]);
        await caughtUp(p.port, rep.port, timeoutMs);
        syncRows.push([side, diskless === 'yes' ? 'diskless' : 'disk', String(keys), fmtNum(performance.now() - t0)]);
      }
    } finally {
      for (const h of started) await stopServer(h);
    }
  }
  const lines = [
    `### Replication (${new Date().toISOString().slice(0, 16)}Z)`,
    '',
    `SET -c ${clients} -n ${n} -r 100000; ${environmentSummary()}`,
    `\`${reproduceCommand()}\``,
    '',
    markdownTable(['server', 'rps 0 replicas', 'rps 1', 'rps 2', '1/0', '2/0', 'max lag bytes (2 replicas)', 'catch-up ms'], tputRows),
    '',
    `Spindle/Redis with 0, 1, 2 replicas: ${[0, 1, 2].map((i) => fmtRatio(rps.spindle?.[i], rps.redis?.[i])).join(', ')}`,
    '',
    markdownTable(['server', 'sync', 'keys', 'REPLICAOF to caught up, ms'], syncRows),
  ];
  publishReport(reportText(lines, problems), opts.get('out') as string | undefined, problems);
}

runMain(main);

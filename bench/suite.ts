// The redis-benchmark default suite, Spindle against redis-server side by side (issue 16's table).
//
//   node bench/suite.ts [-n 1000000] [--pipelines 1,16] [--repeat 3] [--addon-off] [--out file.md]
//
// Each run is plain `redis-benchmark -h 127.0.0.1 -p <port> -c 50 -n N -P <P> --csv` with no -t:
// every test of the default suite, exactly what a user typing redis-benchmark sees. The servers
// (redis-server, Spindle, and with --addon-off a second Spindle started with SPINDLE_NATIVE=0)
// run at once and are loaded one after another, the order rotated each repetition; the table
// shows the median rps of the repetitions, the ratios to Redis, their geometric mean and minimum,
// and each server's CPU time per request (/proc utime+stime over its own runs).
import {
  benchProblem,
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
  publishReport,
  reportText,
  readCpuSeconds,
  reproduceCommand,
  resolveSpindleCmd,
  runBenchmark,
  runMain,
  type ServerHandle,
  serverVersion,
  splitCommand,
  startServer,
} from './lib.ts';

const USAGE = 'node bench/suite.ts [options]';
const OPTIONS = [
  { names: ['-n', '--requests'], kind: 'string' as const, default: '1000000', help: 'requests per test per run' },
  { names: ['-c', '--clients'], kind: 'string' as const, default: '50', help: 'redis-benchmark -c' },
  { names: ['-P', '--pipelines'], kind: 'string' as const, default: '1,16', help: 'comma-separated pipeline depths' },
  { names: ['--repeat'], kind: 'string' as const, default: '3', help: 'runs per (server, depth); the table shows the median' },
  { names: ['--addon-off'], kind: 'boolean' as const, default: false, help: 'also run a Spindle with the native addon forced off (SPINDLE_NATIVE=0)' },
  { names: ['--spindle-args'], kind: 'string' as const, default: '', help: 'extra args for Spindle only' },
  { names: ['--bench-args'], kind: 'string' as const, default: '', help: 'extra args for redis-benchmark (e.g. "-t set,get")' },
  { names: ['--timeout'], kind: 'string' as const, default: '900', help: 'seconds before one redis-benchmark invocation is killed' },
  { names: ['--ports'], kind: 'string' as const, default: '7800-7899', help: 'port range for the servers' },
  { names: ['--out'], kind: 'string' as const, help: 'append the markdown report to this file' },
];

interface Side {
  name: string;
  h: ServerHandle;
  /** CPU seconds and requests per pipeline depth. */
  cpu: Map<number, { s: number; reqs: number }>;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), OPTIONS, USAGE);
  const str = (k: string) => String(opts.get(k) ?? '');
  const n = parseCount(str('requests'));
  const clients = parseCount(str('clients'));
  const pipelines = parseIntList(str('pipelines'));
  const repeat = Math.max(1, parseCount(str('repeat')));
  const timeoutMs = parseCount(str('timeout')) * 1000;
  const portRange = parsePortRange(str('ports'));
  const benchArgs = splitCommand(str('bench-args'));
  const spindleArgs = splitCommand(str('spindle-args'));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const started = new Date();

  const sides: Side[] = [];
  const add = async (name: string, cmd: string[], extraArgs: string[], env?: Record<string, string>) => {
    const h = await startServer({ label: name, cmd, extraArgs, portRange, env });
    sides.push({ name, h, cpu: new Map() });
    log(`${name.padEnd(10)} pid ${h.pid} port ${h.port}: ${await serverVersion(h.port)}`);
  };
  await add('redis', ['redis-server'], []);
  await add('spindle', resolveSpindleCmd('', []), spindleArgs);
  if (opts.get('addon-off') === true) await add('spindle-ts', resolveSpindleCmd('', []), spindleArgs, { SPINDLE_NATIVE: '0' });

  // rps samples per "test|P|side"; test names in the order redis-benchmark prints them.
  const samples = new Map<string, number[]>();
  const testNames: string[] = [];
  const problems: string[] = [];
  const total = pipelines.length * repeat * sides.length;
  let runNo = 0;
  for (const P of pipelines) {
    for (let rep = 0; rep < repeat; rep++) {
      const order = sides.map((_, i) => sides[(i + rep) % sides.length]);
      for (const side of order) {
        runNo++;
        if (!isAlive(side.h)) {
          problems.push(`${side.name} is not running (log: ${side.h.logPath})`);
          continue;
        }
        log(`[${runNo}/${total}] ${side.name} P=${P} -n ${n}`);
        const cpu0 = readCpuSeconds(side.h.pid);
        const res = await runBenchmark(side.h.port, ['-c', String(clients), '-n', String(n), '-P', String(P), ...benchArgs], timeoutMs);
        const cpu1 = readCpuSeconds(side.h.pid);
        for (const row of res.rows) {
          if (!testNames.includes(row.test)) testNames.push(row.test);
          const k = `${row.test}|${P}|${side.name}`;
          samples.set(k, [...(samples.get(k) ?? []), row.rps]);
        }
        const problem = benchProblem(res);
        if (problem) problems.push(`${side.name} P=${P}: ${problem}`);
        const acc = side.cpu.get(P) ?? { s: 0, reqs: 0 };
        if (cpu0 !== undefined && cpu1 !== undefined) acc.s += cpu1 - cpu0;
        acc.reqs += n * res.rows.length;
        side.cpu.set(P, acc);
      }
    }
  }

  const others = sides.slice(1);
  const lines: string[] = [];
  lines.push(`## redis-benchmark default suite: Spindle vs Redis (${started.toISOString()})`, '');
  lines.push(`Reproduce: \`${reproduceCommand()}\``, '');
  lines.push(`- load: \`redis-benchmark -h 127.0.0.1 -p <port> -c ${clients} -n ${n} -P <P>${benchArgs.length ? ` ${benchArgs.join(' ')}` : ''} --csv\`, ${repeat} run(s) per server and depth, median shown, order rotated`);
  for (const s of sides) lines.push(`- ${s.name}: \`${s.h.argv.join(' ')}\``);
  lines.push(`- host: ${environmentSummary()}`, '');
  for (const P of pipelines) {
    const rows: string[][] = [];
    const logs = new Map<string, number[]>(others.map((s) => [s.name, []]));
    for (const t of testNames) {
      const r = median(samples.get(`${t}|${P}|redis`) ?? []);
      const row = [t, r === undefined ? 'ERR' : fmtNum(r)];
      for (const s of others) {
        const v = median(samples.get(`${t}|${P}|${s.name}`) ?? []);
        row.push(v === undefined ? 'ERR' : fmtNum(v), fmtRatio(v, r));
        if (v !== undefined && r !== undefined && r > 0) logs.get(s.name)?.push(Math.log(v / r));
      }
      rows.push(row);
    }
    const summary = ['**geomean / min**', ''];
    for (const s of others) {
      const l = logs.get(s.name) ?? [];
      summary.push('', l.length ? `${Math.exp(l.reduce((a, b) => a + b, 0) / l.length).toFixed(2)} / ${Math.exp(Math.min(...l)).toFixed(2)}` : 'n/a');
    }
    rows.push(summary);
    const cpuRow = ['CPU µs/req (ratio)', fmtNum(cpuUs(sides[0], P), 2)];
    for (const s of others) cpuRow.push(fmtNum(cpuUs(s, P), 2), fmtRatio(cpuUs(s, P), cpuUs(sides[0], P)));
    rows.push(cpuRow);
    const headers = [`test (-P ${P})`, '>redis rps'];
    for (const s of others) headers.push(`>${s.name} rps`, `>${s.name}/redis`);
    lines.push(markdownTable(headers, rows), '');
  }
  publishReport(reportText(lines, problems), opts.get('out') as string | undefined, problems);
}

function cpuUs(s: Side, P: number): number | undefined {
  const a = s.cpu.get(P);
  return a && a.reqs > 0 ? (a.s * 1e6) / a.reqs : undefined;
}

runMain(main);

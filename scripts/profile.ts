// A one-command CPU profile of Spindle's hot path under redis-benchmark.
//
//   npm run profile -- -t set -P 16 [-c 50] [-n 1000000] [-d 3] [--spindle-args "--io-threads 4"]
//
// Starts Spindle (src/main.ts under this same Node binary, on a free port, with
// --save '' --appendonly no and any --spindle-args) under
//   node --cpu-prof --cpu-prof-dir <out> --cpu-prof-interval <µs>
// waits for PING, runs
//   redis-benchmark -h 127.0.0.1 -p <port> -t <tests> -c <c> -n <n> -P <P> -q [-d <size>]
// (killed after --timeout seconds), then stops the server with SIGINT: Spindle's signal handler
// shuts down through process.exit(), which runs V8's at-exit hook that writes one .cpuprofile
// per thread (the main thread and each I/O thread). Ctrl-C stops the benchmark and the server
// (SIGTERM, which also writes the profiles).
//
// Only the samples taken while redis-benchmark ran are counted (--window all keeps start-up
// and shutdown too): the profile's clock is the same monotonic clock as process.hrtime.
//
// Writes to --out (default profiles/<timestamp>-<test>-P<P>/, plus -io<N> with --io-threads N):
//   profile.md        reproduce command, benchmark summary, per thread: totals (idle, program,
//                     GC, native, ...), top functions by self time and by inclusive time
//   flame.svg/.png    flame graph of the main thread (PNG via headless Chromium when present)
//   flame-thread-<id>.svg/.png   the same for each worker thread
//   main.cpuprofile, thread-<id>.cpuprofile   the raw profiles (open in Chrome DevTools)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, defaultSpindleCmd, parseCount, runBenchmark, parseOptions, parsePortRange, runMain, shellQuote, splitCommand, startServer, stopServer, tailFile, UsageError } from '../bench/lib.ts';
import type { ServerHandle } from '../bench/lib.ts';
import { analyzeProfile, formatProfileTables } from './profile/cpuprofile.ts';
import type { CpuProfile } from './profile/cpuprofile.ts';
import { flameGraphSvg } from './profile/flamegraph.ts';
import { renderPngs } from './profile/png.ts';

const USAGE = `Usage: npm run profile -- [options]
       node scripts/profile.ts [options]

Profiles Spindle (node --cpu-prof) while redis-benchmark runs against it and
writes a self-time table, an inclusive table and flame graphs per thread.`;

const OPTIONS = [
  { names: ['-t', '--tests'], kind: 'string' as const, default: 'set', help: 'redis-benchmark -t' },
  { names: ['-c', '--clients'], kind: 'string' as const, default: '50', help: 'redis-benchmark -c' },
  { names: ['-n', '--requests'], kind: 'string' as const, default: '1000000', help: 'redis-benchmark -n (1M or 200k also accepted)' },
  { names: ['-P', '--pipeline'], kind: 'string' as const, default: '16', help: 'redis-benchmark -P' },
  { names: ['-d', '--datasize'], kind: 'string' as const, help: 'redis-benchmark -d (value size in bytes)' },
  { names: ['--bench-args'], kind: 'string' as const, default: '', help: 'more redis-benchmark args, e.g. "-r 100000"' },
  { names: ['--spindle-args'], kind: 'string' as const, default: '', help: 'extra Spindle args, e.g. "--io-threads 4"' },
  { names: ['--spindle-node-args'], kind: 'string' as const, default: '', help: 'extra node flags for Spindle' },
  { names: ['--interval'], kind: 'string' as const, default: '250', help: 'sampling interval, µs (--cpu-prof-interval)' },
  { names: ['--window'], kind: 'string' as const, default: 'bench', help: "'bench': only samples taken while redis-benchmark ran; 'all': the whole run" },
  { names: ['--top'], kind: 'string' as const, default: '30', help: 'rows in the self-time table' },
  { names: ['--timeout'], kind: 'string' as const, default: '180', help: 'seconds before redis-benchmark is killed' },
  { names: ['--out'], kind: 'string' as const, help: 'output directory (default profiles/<timestamp>-<test>-P<P>[-io<N>]/)' },
  { names: ['--no-png'], kind: 'boolean' as const, default: false, help: 'skip the PNG rendering' },
  { names: ['--ports'], kind: 'string' as const, default: '7800-7899', help: 'port range for the server' },
];

/** The summary lines of a -q run ("SET: 123.45 requests per second, ..."); progress lines end in \r. */
function summaryLines(out: string): string[] {
  return out
    .split('\n')
    .map((l) => l.slice(l.lastIndexOf('\r') + 1).trim())
    .filter((l) => /requests per second/.test(l));
}

/** Stops the server with SIGINT and waits for it to exit (so the profiles get written). */
async function stopForProfile(h: ServerHandle, graceMs: number): Promise<string> {
  if (h.proc.exitCode !== null || h.proc.signalCode !== null) return `server had already exited (code ${h.proc.exitCode}, signal ${h.proc.signalCode})`;
  const exited = new Promise<void>((resolve) => h.proc.once('exit', () => resolve()));
  h.proc.kill('SIGINT');
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    h.proc.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
  if (killed) return `server did not exit within ${graceMs / 1000} s of SIGINT and was killed: profiles may be missing`;
  if (h.proc.exitCode !== 0) return `server exited with code ${h.proc.exitCode} signal ${h.proc.signalCode}`;
  return '';
}

interface ThreadProfile {
  tid: number;
  label: string;
  file: string;
  profile: CpuProfile;
}

/** The .cpuprofile files of process `pid` in `dir` (V8 names them CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile). */
function collectProfiles(dir: string, pid: number): ThreadProfile[] {
  const out: ThreadProfile[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = /^CPU\.\d+\.\d+\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(name);
    if (!m || Number(m[1]) !== pid) continue;
    const tid = Number(m[2]);
    const profile = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as CpuProfile;
    const isIoThread = profile.nodes.some((n) => n.callFrame.url.endsWith('/src/io-threads/worker.ts'));
    const label = tid === 0 ? 'main thread' : isIoThread ? `I/O thread (thread id ${tid})` : `worker thread ${tid}`;
    const file = tid === 0 ? 'main.cpuprofile' : `thread-${tid}.cpuprofile`;
    fs.renameSync(path.join(dir, name), path.join(dir, file));
    out.push({ tid, label, file, profile });
  }
  return out.sort((a, b) => a.tid - b.tid);
}

/** A path as printed: relative to the current directory when under it. */
function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
}

function timestamp(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2), OPTIONS, USAGE);
  const str = (k: string) => String(o.get(k) ?? '');
  const tests = str('tests');
  const clients = parseCount(str('clients'));
  const requests = parseCount(str('requests'));
  const pipeline = parseCount(str('pipeline'));
  const interval = parseCount(str('interval'));
  const top = parseCount(str('top'));
  const timeoutS = parseCount(str('timeout'));
  const window = str('window');
  if (window !== 'bench' && window !== 'all') throw new UsageError(`--window must be bench or all, not ${window}`);
  if (!/^[a-z0-9_,-]+$/i.test(tests)) throw new UsageError(`bad -t value: ${tests}`);
  const ioThreads = /--io-threads[ =](\d+)/.exec(str('spindle-args'))?.[1];
  const dirName = `${timestamp()}-${tests.replace(/,/g, '+')}-P${pipeline}${ioThreads !== undefined && ioThreads !== '1' ? `-io${ioThreads}` : ''}`;
  const out = path.resolve(REPO_ROOT, str('out') || path.join('profiles', dirName));
  fs.mkdirSync(out, { recursive: true });

  const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', out, '--cpu-prof-interval', String(interval), ...splitCommand(str('spindle-node-args'))];
  const cmd = defaultSpindleCmd(nodeArgs);
  const server = await startServer({ label: 'spindle-profile', cmd, extraArgs: splitCommand(str('spindle-args')), portRange: parsePortRange(str('ports')) });
  process.stderr.write(`spindle pid ${server.pid} on port ${server.port}, profiling into ${shown(out)}\n`);

  const benchArgs = ['-t', tests, '-c', String(clients), '-n', String(requests), '-P', String(pipeline), '-q'];
  if (o.has('datasize')) benchArgs.push('-d', String(parseCount(str('datasize'))));
  benchArgs.push(...splitCommand(str('bench-args')));
  process.stderr.write(`running: redis-benchmark -h 127.0.0.1 -p ${server.port} ${benchArgs.map(shellQuote).join(' ')}\n`);
  const run = await runBenchmark(server.port, benchArgs, timeoutS * 1000, false);
  const bench = { ...run, summary: summaryLines(run.stdout) };
  const problems: string[] = [];
  if (bench.timedOut) problems.push(`redis-benchmark hit the ${timeoutS} s time limit and was killed`);
  else if (bench.code !== 0) problems.push(`redis-benchmark exited with code ${bench.code}: ${bench.stderr.split('\n').slice(-3).join(' / ')}`);
  for (const line of bench.summary) process.stdout.write(`${line}\n`);

  const stopProblem = await stopForProfile(server, 60_000);
  if (stopProblem !== '') problems.push(stopProblem);
  const logTail = tailFile(server.logPath, 15);
  await stopServer(server);

  const threads = collectProfiles(out, server.pid);
  if (threads.length === 0) {
    throw new Error(`no .cpuprofile for pid ${server.pid} in ${out}${problems.length ? ` (${problems.join('; ')})` : ''}\nserver log tail:\n${logTail}`);
  }

  const reproduce = ['npm', 'run', 'profile', '--', ...process.argv.slice(2)].map(shellQuote).join(' ');
  const md: string[] = [];
  md.push(`# Spindle CPU profile: ${tests} -c ${clients} -P ${pipeline} -n ${requests}`, '');
  md.push(`Reproduce: \`${reproduce}\``, '');
  md.push('redis-benchmark:', '', '```', ...(bench.summary.length ? bench.summary : ['(no summary line)']), '```', '');
  md.push(`- benchmark: \`${run.argv.map(shellQuote).join(' ')}\``);
  md.push(`- server: \`${[...server.argv.slice(0, 1).map((a) => path.relative(REPO_ROOT, a) || a), ...server.argv.slice(1).map((a) => (a === out ? '<out>' : path.isAbsolute(a) ? path.relative(REPO_ROOT, a) : a))].map(shellQuote).join(' ')}\``);
  md.push(`- node ${process.version}, sampling every ${interval} µs, ${new Date().toISOString()}`);
  md.push(
    window === 'bench'
      ? `- window: only samples taken while redis-benchmark ran (${((bench.toUs - bench.fromUs) / 1e6).toFixed(2)} s); start-up and shutdown left out (\`--window all\` keeps them)`
      : '- window: the whole run, start-up and shutdown included',
  );
  md.push(`- files: ${threads.map((t) => `\`${t.file}\``).join(', ')} (raw, open in Chrome DevTools > Performance), \`flame*.svg\`/\`.png\``);
  for (const p of problems) md.push(`- **problem:** ${p}`);
  md.push('');

  const svgs: Array<[string, string]> = [];
  for (const t of threads) {
    const a = analyzeProfile(t.profile, window === 'bench' ? { repoRoot: REPO_ROOT, fromUs: bench.fromUs, toUs: bench.toUs } : { repoRoot: REPO_ROOT });
    const base = t.tid === 0 ? 'flame' : `flame-thread-${t.tid}`;
    md.push(`## ${t.label}`, '', ...formatProfileTables(a, { top }), '', `Flame graph: \`${base}.svg\``, '');
    const svg = flameGraphSvg(a.tree, { title: `Spindle ${t.label}: ${tests} -c ${clients} -P ${pipeline}`, subtitle: bench.summary[0] ?? '' });
    const svgPath = path.join(out, `${base}.svg`);
    fs.writeFileSync(svgPath, svg);
    svgs.push([svgPath, path.join(out, `${base}.png`)]);
  }
  const pngNote = o.get('no-png') === true ? 'PNG skipped (--no-png)' : await renderPngs(svgs);
  if (pngNote !== '') {
    process.stderr.write(`${pngNote}\n`);
    md.push(`${pngNote}.`, '');
  }
  const report = md.join('\n');
  fs.writeFileSync(path.join(out, 'profile.md'), report);
  process.stdout.write(`\n${report}\n`);
  process.stderr.write(`\nwrote ${shown(path.join(out, 'profile.md'))} and ${svgs.length} flame graph(s) in ${shown(out)}\n`);
  if (problems.length) process.exitCode = 1;
}

runMain(main);

// Scripting throughput: Spindle vs redis-server side by side, measured with redis-benchmark.
//
//   node bench/scripting.ts [--quick] [-n N] [-c clients]
//
// Loads the scripts with SCRIPT LOAD on both servers, then runs redis-benchmark on each:
//   evalsha-2calls  EVALSHA of a script doing two redis.call (SET then GET)
//   eval-cached     EVAL of a script already in the cache (hashes the body every call)
//   evalsha-cpu     EVALSHA of a CPU-bound script (a 1000-iteration loop, no redis.call)
//   evalsha-return  EVALSHA of `return 1` (the fixed cost of a script call)
// and prints requests/s for each and the ratio spindle/redis. Absolute numbers on a shared
// machine are noise; the ratios are the result.
import { command, fmtNum, fmtRatio, markdownTable, parseCount, parseOptions, resolveSpindleCmd, runBenchmark, runMain, startServer, stopServer } from './lib.ts';

const SCRIPTS: Record<string, string> = {
  'evalsha-2calls': "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])",
  'eval-cached': "return redis.call('incr', KEYS[1])",
  'evalsha-cpu': 'local s = 0 for i = 1, 1000 do s = s + i end return s',
  'evalsha-return': 'return 1',
};

runMain(async () => {
  const opts = parseOptions(process.argv.slice(2), [
    { names: ['-n', '--requests'], kind: 'string', help: 'requests per test (default 200000; 50000 with --quick)' },
    { names: ['--quick'], kind: 'boolean', default: false, help: 'shorthand for -n 50000' },
    { names: ['-c', '--clients'], kind: 'string', default: '50', help: 'redis-benchmark -c' },
  ], 'Usage: node bench/scripting.ts [--quick] [-n N] [-c clients]');
  const n = opts.has('requests') ? parseCount(String(opts.get('requests'))) : opts.get('quick') === true ? 50_000 : 200_000;
  const clients = String(opts.get('clients'));
  const servers = [
    await startServer({ label: 'redis', cmd: ['redis-server'] }),
    await startServer({ label: 'spindle', cmd: resolveSpindleCmd('', []) }),
  ];
  const rps: Record<string, number[]> = {};
  try {
    for (const [name, body] of Object.entries(SCRIPTS)) {
      rps[name] = [];
      for (const s of servers) {
        const sha = String(await command(s.port, ['SCRIPT', 'LOAD', body]));
        const args = name === 'eval-cached' ? ['EVAL', body, '1', 'ctr'] : ['EVALSHA', sha, '1', 'k', 'v'];
        const r = await runBenchmark(s.port, ['-n', String(n), '-c', clients, '--csv', ...args], 600_000);
        if (r.code !== 0 || r.rows.length === 0) throw new Error(`${s.label} ${name}: redis-benchmark failed: ${r.stderr}`);
        rps[name].push(r.rows[0].rps);
      }
    }
  } finally {
    for (const s of servers) await stopServer(s);
  }
  const rows = Object.entries(rps).map(([name, [redis, spindle]]) => [name, fmtNum(redis), fmtNum(spindle), fmtRatio(spindle, redis)]);
  process.stdout.write(`${markdownTable(['test', '>redis rps', '>spindle rps', '>spindle/redis'], rows)}\n`);
  process.stdout.write(`(-n ${n} -c ${clients}, redis-benchmark on the same machine)\n`);
});

// Scripting throughput: Spindle vs redis-server side by side, measured with redis-benchmark.
//
//   node bench/scripting.ts [--quick] [-n N] [-c clients] [--repeat R]
//
// Loads the scripts with SCRIPT LOAD on both servers, then runs redis-benchmark on each:
//   evalsha-2calls  EVALSHA of a script doing two redis.call (SET then GET)
//   eval-cached     EVAL of a script already in the cache (hashes the body every call)
//   evalsha-cpu     EVALSHA of a CPU-bound script (a 1000-iteration loop, no redis.call)
//   evalsha-return  EVALSHA of `return 1` (the fixed cost of a script call)
//   fcall-2calls    FCALL of a library function doing the same two redis.call as evalsha-2calls
// and prints the median requests/s of --repeat runs (server order alternating) for each and
// the ratio spindle/redis. Absolute numbers on a shared
// machine are noise; the ratios are the result.
import { command, fmtNum, fmtRatio, markdownTable, median, parseCount, parseOptions, resolveSpindleCmd, runBenchmark, runMain, startServer, stopServer } from './lib.ts';

const SCRIPTS: Record<string, string> = {
  'evalsha-2calls': "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])",
  'eval-cached': "return redis.call('incr', KEYS[1])",
  'evalsha-cpu': 'local s = 0 for i = 1, 1000 do s = s + i end return s',
  'evalsha-return': 'return 1',
  'fcall-2calls': "#!lua name=benchlib\nredis.register_function('setget', function(keys, args) redis.call('set', keys[1], args[1]) return redis.call('get', keys[1]) end)",
};

runMain(async () => {
  const opts = parseOptions(process.argv.slice(2), [
    { names: ['-n', '--requests'], kind: 'string', help: 'requests per test (default 200000; 50000 with --quick)' },
    { names: ['--quick'], kind: 'boolean', default: false, help: 'shorthand for -n 50000' },
    { names: ['-c', '--clients'], kind: 'string', default: '50', help: 'redis-benchmark -c' },
    { names: ['--repeat'], kind: 'string', default: '1', help: 'runs per (server, test); the table shows the median rps' },
  ], 'Usage: node bench/scripting.ts [--quick] [-n N] [-c clients] [--repeat R]');
  const repeat = parseCount(String(opts.get('repeat')));
  const n = opts.has('requests') ? parseCount(String(opts.get('requests'))) : opts.get('quick') === true ? 50_000 : 200_000;
  const clients = String(opts.get('clients'));
  const servers = [
    await startServer({ label: 'redis', cmd: ['redis-server'] }),
    await startServer({ label: 'spindle', cmd: resolveSpindleCmd('', []) }),
  ];
  const rps: Record<string, number[][]> = {};
  try {
    for (const [name, body] of Object.entries(SCRIPTS)) {
      rps[name] = [[], []];
      const args: string[][] = [];
      for (const s of servers) {
        if (name.startsWith('fcall')) {
          await command(s.port, ['FUNCTION', 'LOAD', 'REPLACE', body]);
          args.push(['FCALL', 'setget', '1', 'k', 'v']);
        } else {
          const sha = String(await command(s.port, ['SCRIPT', 'LOAD', body]));
          args.push(name === 'eval-cached' ? ['EVAL', body, '1', 'ctr'] : ['EVALSHA', sha, '1', 'k', 'v']);
        }
      }
      for (let r = 0; r < repeat; r++) {
        const order = r % 2 === 0 ? [0, 1] : [1, 0];
        for (const i of order) {
          const s = servers[i]!;
          const res = await runBenchmark(s.port, ['-n', String(n), '-c', clients, '--csv', ...args[i]!], 600_000);
          if (res.code !== 0 || res.rows.length === 0) throw new Error(`${s.label} ${name}: redis-benchmark failed: ${res.stderr}`);
          rps[name][i]!.push(res.rows[0].rps);
        }
      }
    }
  } finally {
    for (const s of servers) await stopServer(s);
  }
  const rows = Object.entries(rps).map(([name, [r, sp]]) => {
    const redis = median(r!);
    const spindle = median(sp!);
    return [name, fmtNum(redis), fmtNum(spindle), fmtRatio(spindle, redis)];
  });
  process.stdout.write(`${markdownTable(['test', '>redis rps', '>spindle rps', '>spindle/redis'], rows)}\n`);
  process.stdout.write(`(-n ${n} -c ${clients}, median of ${repeat}, redis-benchmark on the same machine)\n`);
});

/*
 * The AOF crash test at full size (issue 13's reliability test; test/helpers/crash-aof.ts):
 * Spindle is SIGKILLed at random moments while writers send acknowledged INCRs and SETs, for
 * each appendfsync policy, and every restart checks that no acknowledged write was lost.
 *
 *   PATH=$PWD/node_modules/.bin:$PATH node scripts/crash-aof.ts [cycles-per-policy=50] [policy ...]
 *
 * Prints one JSON report per policy; the figures go in docs/design-persistence.md.
 */
import { runCrashCycles } from '../test/helpers/crash-aof.ts';

const cycles = Number(process.argv[2] ?? '50');
const policies = (process.argv.length > 3 ? process.argv.slice(3) : ['always', 'everysec']) as ('always' | 'everysec' | 'no')[];
let failed = false;
for (const fsync of policies) {
  const started = Date.now();
  const rep = await runCrashCycles({ cycles, fsync, rewriteEvery: 5, log: (l) => process.stderr.write(`${l}\n`) });
  console.log(JSON.stringify({ ...rep, seconds: Math.round((Date.now() - started) / 1000) }));
  if (fsync === 'always' && (rep.lostIncrs > 0 || rep.lostSets > 0 || rep.failures.length > 0)) failed = true;
}
process.exit(failed ? 1 : 0);

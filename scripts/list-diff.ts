// Differential check of the list commands and the quicklist layout against a real redis-server
// (see test/helpers/list-diff.ts): long random runs.
//
//   PATH=$PWD/node_modules/.bin:$PATH node scripts/list-diff.ts [ops-per-combination] [seed]
//
// Exit code 1 on the first difference, which is printed with the commands that led to it.
import { runListDiff } from '../test/helpers/list-diff.ts';

const ops = Number(process.argv[2] ?? 400);
const seed = Number(process.argv[3] ?? 12345);
const { summary, failure } = await runListDiff(ops, seed);
for (const line of summary) console.log(line);
if (failure !== '') {
  console.log(failure);
  process.exit(1);
}

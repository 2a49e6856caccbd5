// Records the golden replies of test/golden/cases/*.txt from a real redis-server (7.0.15).
//
//   PATH=$PWD/node_modules/.bin:$PATH node scripts/record-golden.ts [family...]
//       runs every case (or only the given families) against a fresh redis-server and writes
//       test/golden/recorded/<family>.json. Deterministic: re-running reproduces the same files.
//       Every case is run twice and must give the same canonical replies both times; a case that
//       does not (client ids, timing...) is reported and needs a comparison mode (@mask, @int-range...).
//   node scripts/record-golden.ts --check [family...]
//       replays the recorded files against a fresh redis-server (the way the golden test replays
//       them against Spindle) and reports mismatches without writing; exit code 1 on any.
//
// The case format is documented at the top of test/helpers/golden.ts.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  RECORDED_DIR, caseFamilies, caseFromRecorded, caseSignature, compareRun, formatRecorded, loadCases, loadRecorded,
  recordedFamilies, recordedSignature, runCase, toRecorded, type RecordedFamily,
} from '../test/helpers/golden.ts';
import { hasRedis, rawClient, startRedis } from '../test/helpers/servers.ts';

const args = process.argv.slice(2);
const check = args.includes('--check');
const only = args.filter((a) => !a.startsWith('--'));

if (!hasRedis()) {
  console.error('redis-server is not on PATH; cannot record golden replies.');
  process.exit(2);
}
const version = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
const v = /v=(\S+)/.exec(version)?.[1] ?? 'unknown';
if (v !== '7.0.15') console.warn(`warning: recording from redis-server ${v}, not 7.0.15`);

const server = await startRedis();
let failed = 0;
if (check) {
  // Shift client ids so that a reply depending on them cannot match by accident.
  for (let i = 0; i < 7; i++) (await rawClient(server.port)).close();
}
try {
  const families = only.length ? only : check ? recordedFamilies() : caseFamilies();
  for (const family of families) {
    if (check) {
      const rec = loadRecorded(family);
      const fromTxt = loadCases(family);
      if (fromTxt.length !== rec.cases.length || fromTxt.some((c, i) => caseSignature(c) !== recordedSignature(rec.cases[i]))) {
        console.log(`${family}: recorded case list differs from cases/${family}.txt (re-record)`);
        failed++;
      }
      let ok = 0;
      for (const rc of rec.cases) {
        const c = caseFromRecorded(family, rc);
        const run = await runCase(server.port, c);
        const problems = compareRun(c, rc.steps, run, 'redis-server');
        if (problems.length) {
          failed++;
          console.log(`FAIL ${family} › ${rc.name}\n  ${problems.join('\n  ')}`);
        } else ok++;
      }
      console.log(`${family}: ${ok}/${rec.cases.length} cases match`);
    } else {
      const cases = loadCases(family);
      const out: RecordedFamily = { family, server: `redis-server ${v}`, cases: [] };
      for (const c of cases) {
        const rec = toRecorded(c, await runCase(server.port, c));
        // Run every case twice: a case whose canonical replies differ between two runs (client
        // ids, timing, ...) needs a comparison mode, and would make the recording nondeterministic.
        const again = toRecorded(c, await runCase(server.port, c));
        if (JSON.stringify(rec) !== JSON.stringify(again)) {
          const i = rec.steps.findIndex((s, j) => JSON.stringify(s) !== JSON.stringify(again.steps[j]));
          throw new Error(
            `${c.file}: case ${JSON.stringify(c.name)} is nondeterministic at step ${i + 1}:\n  ${JSON.stringify(rec.steps[i])}\n  ${JSON.stringify(again.steps[i])}`,
          );
        }
        out.cases.push(rec);
      }
      mkdirSync(RECORDED_DIR, { recursive: true });
      const file = path.join(RECORDED_DIR, `${family}.json`);
      writeFileSync(file, formatRecorded(out));
      console.log(`${family}: ${cases.length} cases -> ${path.relative(process.cwd(), file)}`);
    }
  }
} catch (e) {
  console.error((e as Error).message);
  failed++;
} finally {
  await server.stop();
}
process.exit(failed ? 1 : 0);

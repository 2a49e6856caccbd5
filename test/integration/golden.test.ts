// Replays the replies recorded from the real redis-server 7.0.15 (test/golden/recorded/*.json,
// written by scripts/record-golden.ts) against Spindle and compares them per comparison mode.
// One vitest test per case. Does not need redis-server. Case format: test/helpers/golden.ts.
// GOLDEN_SERVER=redis replays against a real redis-server instead (to validate the harness).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  caseFamilies, caseFromRecorded, caseSignature, compareRun, loadCases, loadRecorded, missingCommands, recordedFamilies, recordedSignature,
  runCase,
} from '../helpers/golden.ts';
import { scriptingSkipReason, skipScripting } from '../helpers/scripting.ts';
import { startRedis, startSpindle, type ServerHandle } from '../helpers/servers.ts';

const target = process.env.GOLDEN_SERVER === 'redis' ? 'redis-server' : 'Spindle';

let server: ServerHandle | undefined;
let startError: Error | undefined;

beforeAll(async () => {
  try {
    server = target === 'Spindle' ? await startSpindle() : await startRedis();
  } catch (e) {
    startError = e as Error;
  }
}, 20_000);

afterAll(async () => {
  await server?.stop();
});

function port(): number {
  if (!server) throw new Error(`${target} did not start: ${startError?.message}`);
  return server.port;
}

test('recorded golden files match test/golden/cases/*.txt', () => {
  const stale: string[] = [];
  const recorded = new Set(recordedFamilies());
  for (const family of caseFamilies()) {
    if (!recorded.has(family)) {
      stale.push(`${family}: not recorded`);
      continue;
    }
    const cases = loadCases(family);
    const rec = loadRecorded(family);
    const recByName = new Map(rec.cases.map((c) => [c.name, c]));
    for (const c of cases) {
      const rc = recByName.get(c.name);
      if (!rc) stale.push(`${family} › ${c.name}: not recorded`);
      else if (caseSignature(c) !== recordedSignature(rc)) stale.push(`${family} › ${c.name}: steps differ from the recording`);
    }
    for (const rc of rec.cases) if (!cases.some((c) => c.name === rc.name)) stale.push(`${family} › ${rc.name}: recorded but no longer in cases/${family}.txt`);
  }
  expect(stale, 'run `node scripts/record-golden.ts` (needs redis-server 7.0.15) to re-record').toEqual([]);
});

for (const family of recordedFamilies()) {
  const rec = loadRecorded(family);
  describe(`golden ${family}`, () => {
    for (const rc of rec.cases) {
      const missing = target === 'Spindle' ? missingCommands(caseFromRecorded(family, rc)) : [];
      const noLua = target === 'Spindle' && skipScripting(family);
      const title = missing.length > 0 ? `${rc.name} (needs ${missing.join(' ')})` : noLua ? `${rc.name} (${scriptingSkipReason()})` : rc.name;
      test.skipIf(missing.length > 0 || noLua)(title, async () => {
        const c = caseFromRecorded(family, rc);
        const run = await runCase(port(), c, { replyTimeoutMs: 3000 });
        const problems = compareRun(c, rc.steps, run, target);
        if (problems.length) throw new Error(`${family} › ${rc.name}\n  ${problems.join('\n  ')}`);
      });
    }
  });
}

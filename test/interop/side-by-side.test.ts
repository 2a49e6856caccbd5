// Live side-by-side comparison (npm run test:interop): starts the real redis-server and Spindle,
// runs every case of test/golden/cases/*.txt on both, and compares the replies per comparison
// mode. One vitest test per case. Skipped as a whole when redis-server is not installed.
// Case format: test/helpers/golden.ts.

import { afterAll, beforeAll, describe, test } from 'vitest';
import { scriptingSkipReason, skipScripting } from '../helpers/scripting.ts';
import { caseFamilies, compareRun, loadCases, missingCommands, runCase, toRecorded } from '../helpers/golden.ts';
import { hasRedis, startRedis, startSpindle, type ServerHandle } from '../helpers/servers.ts';

const haveRedis = hasRedis();
if (!haveRedis) {
  console.warn('side-by-side: redis-server is not on PATH; skipping all live comparisons (install redis-server 7.0.15).');
}

let redis: ServerHandle | undefined;
let spindle: ServerHandle | undefined;
let spindleError: Error | undefined;

describe.skipIf(!haveRedis)('side by side with redis-server', () => {
  beforeAll(async () => {
    redis = await startRedis();
    try {
      spindle = await startSpindle();
    } catch (e) {
      spindleError = e as Error;
    }
  });

  afterAll(async () => {
    await Promise.all([redis?.stop(), spindle?.stop()]);
  });

  for (const family of caseFamilies()) {
    describe(family, () => {
      for (const c of loadCases(family)) {
        const missing = missingCommands(c);
        const noLua = skipScripting(family);
        const title = missing.length > 0 ? `${c.name} (needs ${missing.join(' ')})` : noLua ? `${c.name} (${scriptingSkipReason()})` : c.name;
        test.skipIf(missing.length > 0 || noLua)(title, async () => {
          if (!spindle) throw new Error(`Spindle did not start: ${spindleError?.message}`);
          // Both servers run the case at the same time; redis' reply is the reference.
          const [ref, got] = await Promise.all([runCase(redis!.port, c), runCase(spindle.port, c, { replyTimeoutMs: 3000 })]);
          const expected = toRecorded(c, ref); // throws if redis itself misbehaved (a broken case)
          const problems = compareRun(c, expected.steps, got, 'Spindle');
          if (problems.length) throw new Error(`${c.file}:${c.line} ${c.name}\n  ${problems.join('\n  ')}`);
        });
      }
    });
  }
});

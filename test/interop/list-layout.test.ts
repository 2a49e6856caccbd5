// Lists against the real redis-server (npm run test:interop): random list commands give the same
// replies and the same quicklist layout (nodes, listpack bytes, compressed nodes, read off DUMP)
// for several list-max-listpack-size / list-compress-depth values. Longer runs:
// `node scripts/list-diff.ts 2000 <seed>`. Skipped when redis-server is not installed.
import { expect, test } from 'vitest';
import { runListDiff } from '../helpers/list-diff.ts';
import { hasRedis } from '../helpers/servers.ts';

test.skipIf(!hasRedis())('list replies and quicklist layout match redis-server', async () => {
  const { summary, failure } = await runListDiff(150, 20261122);
  expect(failure).toBe('');
  expect(summary.length).toBe(15);
}, 120_000);

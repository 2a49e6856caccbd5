/*
 * Records HyperLogLog estimates and value bytes from redis-server 7.0.15 into
 * test/fixtures/hll-redis-estimates.json (elements: test/helpers/hll-fixture.ts), which
 * test/unit/hyperloglog.test.ts checks the store's code against without a server.
 *
 *   PATH=$PWD/node_modules/.bin:$PATH node scripts/record-hll-fixtures.ts
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { HLL_FIXTURE, HLL_FIXTURE_SEEDS, HLL_FIXTURE_SIZES, hllFixtureElement, type HllFixture } from '../test/helpers/hll-fixture.ts';
import { hasRedis, rawClient, startRedis } from '../test/helpers/servers.ts';

if (!hasRedis()) {
  console.error('redis-server is not on PATH; cannot record.');
  process.exit(2);
}
const version = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
const server = await startRedis();
const c = await rawClient(server.port);

/** The payload of a bulk-string reply. */
function bulkBody(reply: Buffer): Buffer {
  return reply.subarray(reply.indexOf('\r\n') + 2, reply.length - 2);
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

const out: HllFixture = { server: `redis-server ${version}`, seeds: [], merged: { count: 0, sha256: '' } };
for (const seed of HLL_FIXTURE_SEEDS) {
  const points: HllFixture['seeds'][number]['points'] = [];
  let done = 0;
  for (const size of HLL_FIXTURE_SIZES) {
    while (done < size) {
      const argv: (string | Buffer)[] = ['PFADD', `seed${seed}`];
      for (let n = 0; n < 500 && done < size; n++) argv.push(hllFixtureElement(seed, done++));
      await c.send(argv);
    }
    const bytes = bulkBody(await c.send(['GET', `seed${seed}`]));
    const count = Number((await c.send(['PFCOUNT', `seed${seed}`])).toString('latin1').slice(1, -2));
    points.push({ size, count, sha256: sha(bytes) });
  }
  out.seeds.push({ seed, points });
}
await c.send(['PFMERGE', 'merged', ...HLL_FIXTURE_SEEDS.map((s) => `seed${s}`)]);
const merged = bulkBody(await c.send(['GET', 'merged']));
out.merged = { count: Number((await c.send(['PFCOUNT', 'merged'])).toString('latin1').slice(1, -2)), sha256: sha(merged) };
writeFileSync(HLL_FIXTURE, `${JSON.stringify(out, null, 1)}\n`);
console.log(`hll fixtures -> ${HLL_FIXTURE}`);
c.close();
await server.stop();

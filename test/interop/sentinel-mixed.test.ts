// Sentinel interop (docs/design-sentinel.md): a mixed group of two Spindle sentinels and one
// real `redis-server --sentinel` (7.0.15) watching Spindle data servers finds each other through
// hello messages, agrees on ODOWN, elects one leader and ends with the same primary everywhere;
// and the SENTINEL MASTER / REPLICAS / SENTINELS field lists match the real sentinel's.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasRedis } from '../helpers/servers.ts';
import { type Group, fields, runFailover, startGroup } from '../helpers/sentinel-group.ts';

const run = hasRedis() ? describe : describe.skip;

run('mixed sentinel group (2 Spindle + 1 redis-sentinel)', () => {
  let g: Group;

  beforeAll(async () => {
    g = await startGroup([false, false, true]);
  }, 120_000);

  afterAll(async () => {
    await g?.stop();
  });

  test('the same field lists as redis-sentinel', async () => {
    const [ours, theirs] = [g.clis[2], g.clis[4]];
    for (const sub of ['MASTER']) {
      const a = fields((await ours.call('SENTINEL', sub, 'mymaster')) as string[]);
      const b = fields((await theirs.call('SENTINEL', sub, 'mymaster')) as string[]);
      expect([...a.keys()]).toEqual([...b.keys()]);
    }
    for (const sub of ['REPLICAS', 'SENTINELS']) {
      const a = ((await ours.call('SENTINEL', sub, 'mymaster')) as string[][]).map((x) => [...fields(x).keys()]);
      const b = ((await theirs.call('SENTINEL', sub, 'mymaster')) as string[][]).map((x) => [...fields(x).keys()]);
      expect(a).toEqual(b);
    }
    expect(await ours.call('SENTINEL', 'CKQUORUM', 'mymaster')).toEqual(await theirs.call('SENTINEL', 'CKQUORUM', 'mymaster'));
    expect(await ours.call('SENTINEL', 'FOO')).toEqual(await theirs.call('SENTINEL', 'FOO'));
    expect(await ours.call('ROLE')).toEqual(await theirs.call('ROLE'));
  });

  test('they agree on the failover', async () => {
    const r = await runFailover(g, 'stop');
    console.log(`mixed sentinel failover: ${JSON.stringify(r)}`);
    expect(r.oldPrimaryReplica).toBe(true);
    const epochs = await Promise.all(
      g.clis.slice(2, 5).map(async (c) => fields((await c.call('SENTINEL', 'MASTER', 'mymaster')) as string[]).get('config-epoch')),
    );
    expect(new Set(epochs).size).toBe(1);
  }, 120_000);
});

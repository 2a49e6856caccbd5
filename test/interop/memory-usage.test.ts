// MEMORY USAGE side by side with redis-server (npm run test:interop): the same keys of every type
// and encoding, small and big, built the same way on both servers; Spindle's figure must sit in a
// documented band around Redis's (docs/design-memory.md): between 0.3x and 2.5x. Spindle is
// designed to hold less per key and per element (no robj/dictEntry/sds headers, records in size
// classes of 8 bytes), so its figures are mostly below Redis's (0.4-1.2x); the outlier is a small
// intset (~2.2x: a standalone typed array costs ~200 bytes of V8 header, and its buffer doubles).
// The band catches accounting that
// forgets a structure (far below) or double counts (above). The same test checks that OOM,
// OBJECT FREQ and OBJECT IDLETIME errors are the same text on both servers.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasRedis, startRedis, startSpindle, type ServerHandle } from '../helpers/servers.ts';

const haveRedis = hasRedis();
export const BAND = { low: 0.3, high: 2.5 };

/** Builds the keys: each entry is [key, commands that create it]. */
function keys(): Array<[string, (string | number)[][]]> {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const big = range(5000);
  return [
    ['str:short', [['SET', 'str:short', 'bar']]],
    ['str:int', [['SET', 'str:int', '123456']]],
    ['str:embstr', [['SET', 'str:embstr', 'x'.repeat(40)]]],
    ['str:raw', [['SET', 'str:raw', 'x'.repeat(5000)]]],
    ['str:ttl', [['SET', 'str:ttl', 'v', 'EX', 1000]]],
    ['list:small', [['RPUSH', 'list:small', 'a', 'b', 'c']]],
    ['list:big', [['RPUSH', 'list:big', ...big.map((i) => `element:${i}`)]]],
    ['set:intset', [['SADD', 'set:intset', ...range(100)]]],
    ['set:ht', [['SADD', 'set:ht', ...big.map((i) => `member:${i}`)]]],
    ['hash:lp', [['HSET', 'hash:lp', 'f1', 'v1', 'f2', 'v2']]],
    ['hash:ht', [['HSET', 'hash:ht', ...big.flatMap((i) => [`field:${i}`, `value:${i}`])]]],
    ['zset:lp', [['ZADD', 'zset:lp', 1, 'a', 2, 'b']]],
    ['zset:sl', [['ZADD', 'zset:sl', ...big.flatMap((i) => [i, `member:${i}`])]]],
    ['stream', [...range(200).map((i) => ['XADD', 'stream', `${i + 1}-1`, 'field', `value:${i}`]), ['XGROUP', 'CREATE', 'stream', 'g', '0']]],
  ];
}

describe.skipIf(!haveRedis)('MEMORY USAGE side by side with redis-server', () => {
  let redis: ServerHandle;
  let spindle: ServerHandle;
  let rr: Redis;
  let sr: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    spindle = await startSpindle();
    rr = new Redis({ port: redis.port, host: '127.0.0.1' });
    sr = new Redis({ port: spindle.port, host: '127.0.0.1' });
    for (const c of [rr, sr]) {
      for (const [, cmds] of keys()) for (const cmd of cmds) await c.call(String(cmd[0]), ...cmd.slice(1).map(String));
    }
  });

  afterAll(async () => {
    rr?.disconnect();
    sr?.disconnect();
    await redis?.stop();
    await spindle?.stop();
  });

  for (const [key] of keys()) {
    test(`${key} within the band`, async () => {
      const a = Number(await rr.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      const b = Number(await sr.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      const ratio = b / a;
      expect(ratio, `redis ${a}, spindle ${b}`).toBeGreaterThanOrEqual(BAND.low);
      expect(ratio, `redis ${a}, spindle ${b}`).toBeLessThanOrEqual(BAND.high);
      // The default SAMPLES gives the same figure here (exact sums).
      expect(Number(await sr.call('MEMORY', 'USAGE', key))).toBe(b);
    });
  }

  test('OOM, OBJECT FREQ and OBJECT IDLETIME errors match', async () => {
    const run = async (c: Redis): Promise<string[]> => {
      const out: string[] = [];
      const step = async (...args: string[]) => {
        try {
          out.push(String(await c.call(args[0], ...args.slice(1))));
        } catch (e) {
          out.push(`ERR:${(e as Error).message}`);
        }
      };
      await step('OBJECT', 'FREQ', 'str:short');
      await step('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
      await step('OBJECT', 'IDLETIME', 'str:short');
      await step('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await step('CONFIG', 'SET', 'maxmemory', '1');
      await step('SET', 'x', 'y');
      await step('LPUSH', 'list:small', 'z');
      await step('EVAL', "return redis.call('incr','str:int')", '0');
      await step('GET', 'str:short');
      await step('CONFIG', 'SET', 'maxmemory', '0');
      return out;
    };
    expect(await run(sr)).toEqual(await run(rr));
  });
});

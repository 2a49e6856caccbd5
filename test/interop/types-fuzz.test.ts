// Random command sequences for the aggregate types (lists, hashes, sets, sorted sets, SORT, the
// blocking forms with tiny timeouts, CONFIG SET of the encoding thresholds) sent to Spindle and a
// real redis-server side by side (npm run test:interop). Arguments mix key names, numbers, option
// words and garbage, so most commands exercise an error path or an encoding conversion. Every
// reply must be identical, except where Redis's order is unspecified (set algebra, HGETALL of a
// hashtable, SORT BY nosort of a set, SPOP). Seeded: a failure names the seed and the command.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasRedis, rawClient, startRedis, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

const COMMANDS = [
  'LPUSH', 'RPUSH', 'LPOP', 'RPOP', 'LRANGE', 'LINDEX', 'LSET', 'LINSERT', 'LREM', 'LTRIM', 'LPOS', 'LMOVE', 'LMPOP', 'LLEN',
  'HSET', 'HGET', 'HDEL', 'HINCRBY', 'HINCRBYFLOAT', 'HMGET', 'HGETALL', 'HSTRLEN', 'HSETNX', 'HLEN',
  'SADD', 'SREM', 'SINTER', 'SUNION', 'SDIFF', 'SINTERSTORE', 'SMOVE', 'SCARD', 'SISMEMBER', 'SMISMEMBER', 'SINTERCARD', 'SDIFFSTORE',
  'ZADD', 'ZINCRBY', 'ZREM', 'ZRANGE', 'ZRANGEBYSCORE', 'ZRANGEBYLEX', 'ZREVRANGE', 'ZCOUNT', 'ZLEXCOUNT', 'ZRANK', 'ZSCORE',
  'ZMSCORE', 'ZPOPMIN', 'ZPOPMAX', 'ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE', 'ZRANGESTORE', 'ZREMRANGEBYSCORE',
  'ZREMRANGEBYRANK', 'ZREMRANGEBYLEX', 'ZMPOP', 'ZINTERCARD', 'ZUNION', 'ZINTER', 'ZDIFF',
  'SORT', 'TYPE', 'OBJECT', 'DEL', 'RENAME', 'COPY', 'BLPOP', 'BZPOPMIN', 'BLMOVE', 'CONFIG',
];
const KEYS = ['a', 'b', 'c', '{x}d'];
const WORDS = [
  '0', '1', '-1', '2', '3', '4', '10', '-10', '1.5', 'inf', '-inf', '+inf', 'nan', '(1', '(2', '[a', '[b', '(c', '-', '+', 'a',
  'b', 'c', 'xx', 'NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'WITHSCORES', 'LIMIT', 'BYSCORE', 'BYLEX', 'REV', 'LEFT', 'RIGHT',
  'BEFORE', 'AFTER', 'RANK', 'COUNT', 'MAXLEN', 'WEIGHTS', 'AGGREGATE', 'SUM', 'MIN', 'MAX', 'ALPHA', 'DESC', 'BY', 'GET',
  'STORE', '#', '*', 'ENCODING', '9223372036854775807', '-9223372036854775808', '99999999999999999999', '', ' ',
  'x'.repeat(70), '1e308', '0x10',
];
const THRESHOLDS = [
  'zset-max-listpack-entries', 'zset-max-listpack-value', 'hash-max-listpack-entries', 'hash-max-listpack-value',
  'set-max-intset-entries', 'list-max-listpack-size', 'list-compress-depth',
];
/** Replies whose element order Redis leaves unspecified (hashtable iteration). */
const UNORDERED = new Set(['SINTER', 'SUNION', 'SDIFF', 'HGETALL', 'SORT']);

function generator(seed: number): () => string[] {
  let s = seed >>> 0 || 1;
  const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
  return () => {
    const c = pick(COMMANDS);
    if (c === 'CONFIG') return ['CONFIG', 'SET', pick(THRESHOLDS), pick(['0', '1', '2', '3', '64', '128', '512', '-1', '-2'])];
    if (c === 'BLPOP' || c === 'BZPOPMIN') return [c, pick(KEYS), pick(KEYS), '0.001'];
    if (c === 'BLMOVE') return [c, pick(KEYS), pick(KEYS), pick(['LEFT', 'RIGHT']), pick(['LEFT', 'RIGHT']), '0.001'];
    const argv = [c, pick(KEYS)];
    const n = Math.floor(rnd() * 7);
    for (let i = 0; i < n; i++) argv.push(rnd() < 0.35 ? pick(KEYS) : pick(WORDS));
    return argv;
  };
}

const haveRedis = hasRedis();
let redis: ServerHandle | undefined;
let spindle: ServerHandle | undefined;

describe.skipIf(!haveRedis)('random aggregate-type commands, side by side with redis-server', () => {
  beforeAll(async () => {
    [redis, spindle] = await Promise.all([startRedis(), startSpindle()]);
  });

  afterAll(async () => {
    await Promise.all([redis?.stop(), spindle?.stop()]);
  });

  for (const seed of [1, 2, 3]) {
    test(`seed ${seed}: 3000 commands give identical replies`, async () => {
      const a: RawClient = await rawClient((spindle as ServerHandle).port);
      const b: RawClient = await rawClient((redis as ServerHandle).port);
      try {
        for (const c of [a, b]) {
          await c.send(['FLUSHALL']);
          // Each seed starts from the default thresholds.
          await c.send(['CONFIG', 'SET', 'zset-max-listpack-entries', '128', 'zset-max-listpack-value', '64',
            'hash-max-listpack-entries', '512', 'hash-max-listpack-value', '64', 'set-max-intset-entries', '512',
            'list-max-listpack-size', '-2', 'list-compress-depth', '0']);
        }
        const next = generator(seed);
        for (let i = 0; i < 3000; i++) {
          const argv = next();
          const [x, y] = await Promise.all([a.send(argv), b.send(argv)]);
          if (UNORDERED.has(argv[0])) continue;
          expect(x.toString('latin1'), `seed ${seed}, command ${i}: ${JSON.stringify(argv)}`).toBe(y.toString('latin1'));
        }
        expect((await a.send(['PING'])).toString()).toBe('+PONG\r\n');
      } finally {
        a.close();
        b.close();
      }
    });
  }
});

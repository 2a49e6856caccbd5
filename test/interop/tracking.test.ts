// Client-side caching side by side with redis-server 7.0: every scenario runs on both servers
// over raw connections and each connection's whole byte stream (replies and invalidation pushes,
// in arrival order) must be identical. See test/helpers/transcript.ts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scriptingSkipReason, skipScripting } from '../helpers/scripting.ts';
import { hasRedis, rawClient, startRedis, startSpindle, type ServerHandle } from '../helpers/servers.ts';
import { runTranscript, type Step } from '../helpers/transcript.ts';

const haveRedis = hasRedis();
let redis: ServerHandle;
let spindle: ServerHandle;

const scenarios: Record<string, { conns: number; steps: Step[]; lua?: boolean }> = {
  'resp3 invalidation caused by another client': {
    conns: 2,
    steps: [[0, ['HELLO', '3']], [0, ['CLIENT', 'TRACKING', 'on']], [0, ['MGET', 'a', 'b']], [1, ['SET', 'a', '1']], [1, ['DEL', 'b']], [1, ['SET', 'a', '2']], [0, ['GET', 'a']], [1, ['APPEND', 'a', 'x']]],
  },
  'resp2 redirect through __redis__:invalidate': {
    conns: 3,
    steps: [
      [1, ['SUBSCRIBE', '__redis__:invalidate']],
      [0, ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '$id1']],
      [0, ['GET', 'k']],
      [2, ['SET', 'k', 'v']],
      [0, ['GET', 'k']],
      [0, ['SET', 'k', 'w']],
      [2, ['FLUSHALL']],
    ],
  },
  'resp3 redirect target and flushdb': {
    conns: 3,
    steps: [[1, ['HELLO', '3']], [0, ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '$id1']], [0, ['GET', 'k']], [2, ['INCR', 'k']], [0, ['GET', 'k']], [2, ['FLUSHDB']]],
  },
  'redirect to a client that is not subscribed, and to a closed one': {
    conns: 3,
    steps: [
      [0, ['HELLO', '3']],
      [0, ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '$id1']],
      [0, ['GET', 'k']],
      [2, ['SET', 'k', 'v']],
      [2, ['CLIENT', 'KILL', 'ID', '$id1']],
      [0, ['GET', 'k']],
      [2, ['SET', 'k', 'w']],
      [0, ['CLIENT', 'TRACKINGINFO']],
    ],
  },
  'bcast with prefixes and noloop': {
    conns: 3,
    steps: [
      [0, ['HELLO', '3']],
      [1, ['HELLO', '3']],
      [0, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'user:', 'PREFIX', 'obj:']],
      [1, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP']],
      [2, ['MSET', 'user:2', 'a', 'obj:1', 'b', 'other', 'c', 'user:1', 'd']],
      [1, ['SET', 'user:3', 'x']],
      [2, ['DEL', 'user:2']],
      [0, ['CLIENT', 'TRACKINGINFO']],
    ],
  },
  'optin and caching across clients': {
    conns: 2,
    steps: [
      [0, ['HELLO', '3']],
      [0, ['CLIENT', 'TRACKING', 'on', 'OPTIN']],
      [0, ['GET', 'a']],
      [0, ['CLIENT', 'CACHING', 'yes']],
      [0, ['GET', 'b']],
      [1, ['MSET', 'a', '1', 'b', '2']],
      [0, ['MULTI']],
      [0, ['CLIENT', 'CACHING', 'yes']],
      [0, ['GET', 'a']],
      [0, ['GET', 'b']],
      [0, ['EXEC']],
      [1, ['MSET', 'a', '1', 'b', '2']],
    ],
  },
  'expiry, rename, tracking off and reset': {
    conns: 2,
    steps: [
      [0, ['HELLO', '3']],
      [0, ['CLIENT', 'TRACKING', 'on']],
      [1, ['SET', 'src', 'v']],
      [0, ['GET', 'src']],
      [0, ['GET', 'dst']],
      [1, ['RENAME', 'src', 'dst']],
      [0, ['GET', 'dst']],
      [1, ['PEXPIRE', 'dst', '1']],
      [0, ['CLIENT', 'TRACKING', 'off']],
      [1, ['SET', 'dst', 'again']],
      [0, ['CLIENT', 'TRACKING', 'on']],
      [0, ['GET', 'dst']],
      [0, ['RESET']],
      [0, ['HELLO', '3']],
      [1, ['SET', 'dst', 'x']],
    ],
  },
  'scripts: keys read by redis.call are tracked for the caller': {
    conns: 2,
    lua: true,
    steps: [
      [0, ['HELLO', '3']],
      [0, ['CLIENT', 'TRACKING', 'on']],
      [0, ['EVAL', "return redis.call('get', KEYS[1])", '1', 'a']],
      [0, ['EVAL_RO', "return redis.call('get', 'b')", '1', 'c']],
      [1, ['MSET', 'a', '1', 'b', '2', 'c', '3']],
      [0, ['GET', 'd']],
      [0, ['EVAL', "redis.call('set', 'd', 'x'); return redis.call('get', 'd')", '0']],
      [0, ['PING']],
    ],
  },
  'scripts: optin caching lasts the whole script': {
    conns: 2,
    lua: true,
    steps: [
      [0, ['HELLO', '3']],
      [0, ['CLIENT', 'TRACKING', 'on', 'OPTIN']],
      [0, ['CLIENT', 'CACHING', 'yes']],
      [0, ['EVAL', "redis.call('get', 'a'); return redis.call('get', 'b')", '0']],
      [1, ['MSET', 'a', '1', 'b', '2']],
    ],
  },
};

describe.skipIf(!haveRedis)('client tracking side by side with redis-server', () => {
  beforeAll(async () => {
    [redis, spindle] = await Promise.all([startRedis(), startSpindle()]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), spindle?.stop()]);
  });

  for (const [name, sc] of Object.entries(scenarios)) {
    const skip = sc.lua === true && skipScripting('scripting');
    test.skipIf(skip)(skip ? `${name} (${scriptingSkipReason()})` : name, async () => {
      await Promise.all([runTranscript(redis.port, 1, [[0, ['FLUSHALL']]]), runTranscript(spindle.port, 1, [[0, ['FLUSHALL']]])]);
      const want = await runTranscript(redis.port, sc.conns, sc.steps);
      const got = await runTranscript(spindle.port, sc.conns, sc.steps);
      expect(got).toEqual(want);
    });
  }

  // Active expiry runs on its own clock: the push is waited for, then compared.
  test('a tracked key that expires is invalidated by the expiry cycle', async () => {
    const push = async (port: number): Promise<string> => {
      const c = await rawClient(port);
      await c.send(['HELLO', '3']);
      await c.send(['CLIENT', 'TRACKING', 'on']);
      await c.send(['SET', 'expiring', 'v', 'PX', '30']);
      await c.send(['GET', 'expiring']);
      const frame = (await c.readReply(5000)).toString('latin1');
      c.close();
      return frame;
    };
    const [want, got] = await Promise.all([push(redis.port), push(spindle.port)]);
    expect(want).toBe('>2\r\n$10\r\ninvalidate\r\n*1\r\n$8\r\nexpiring\r\n');
    expect(got).toBe(want);
  });

  // Which key Redis drops first is random (a radix-tree random walk): compare the counts.
  test('tracking-table-max-keys invalidates tracked keys early', async () => {
    const steps: Step[] = [
      [0, ['CONFIG', 'SET', 'tracking-table-max-keys', '2']],
      [0, ['HELLO', '3']],
      [0, ['CLIENT', 'TRACKING', 'on']],
      [0, ['MGET', 'a', 'b', 'c', 'd']],
      [0, ['PING']],
      [1, ['INFO', 'stats']],
      [0, ['CONFIG', 'SET', 'tracking-table-max-keys', '1000000']],
    ];
    const summary = async (port: number): Promise<[number, string | undefined]> => {
      const t = await runTranscript(port, 2, steps);
      return [t[0].split('invalidate').length - 1, t[1].split('\r\n').find((l) => l.startsWith('tracking_total_keys'))];
    };
    const want = await summary(redis.port);
    expect(want).toEqual([2, 'tracking_total_keys:2']);
    expect(await summary(spindle.port)).toEqual(want);
  });

  test('INFO tracking fields', async () => {
    const steps: Step[] = [
      [0, ['HELLO', '3']],
      [0, ['CLIENT', 'TRACKING', 'on']],
      [0, ['MGET', 'x1', 'x2', 'x3']],
      [1, ['HELLO', '3']],
      [1, ['CLIENT', 'TRACKING', 'on']],
      [1, ['GET', 'x1']],
      [2, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'p', 'PREFIX', 'q']],
    ];
    const fields = async (port: number): Promise<string[]> => {
      const t = await runTranscript(port, 4, [...steps, [3, ['INFO', 'everything']]]);
      return t[3].split('\r\n').filter((l) => l.startsWith('tracking_'));
    };
    const [want, got] = [await fields(redis.port), await fields(spindle.port)];
    expect(want.length).toBe(4);
    expect(got).toEqual(want);
  });
});

// DEBUG PROTOCOL, CHANGE-REPL-ID, QUICKLIST-PACKED-THRESHOLD, LISTPACK, STRINGMATCH-TEST side by
// side with redis-server 7.0 (both with enable-debug-command yes, which the golden servers lack):
// each connection's whole byte stream must be identical. JMAP is Spindle's own: its shape only.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasRedis, rawClient, startRedis, startSpindle, type ServerHandle } from '../helpers/servers.ts';
import { runTranscript, type Step } from '../helpers/transcript.ts';

const haveRedis = hasRedis();
let redis: ServerHandle;
let spindle: ServerHandle;

const TYPES = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false'];

const scenarios: Record<string, Step[]> = {
  'protocol resp2': [...TYPES.map((t): Step => [0, ['DEBUG', 'PROTOCOL', t]]), [0, ['DEBUG', 'PROTOCOL', 'nosuch']], [0, ['DEBUG', 'PROTOCOL']]],
  'protocol resp3': [[0, ['HELLO', '3']], ...TYPES.map((t): Step => [0, ['DEBUG', 'PROTOCOL', t]])],
  'change-repl-id and quicklist-packed-threshold': [
    [0, ['DEBUG', 'CHANGE-REPL-ID']],
    [0, ['DEBUG', 'CHANGE-REPL-ID', 'x']],
    [0, ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100']],
    [0, ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1mb']],
    [0, ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', 'x']],
    [0, ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '5gb']],
    [0, ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0']],
  ],
  listpack: [
    [0, ['DEBUG', 'LISTPACK', 'nosuch']],
    [0, ['SET', 's', 'v']],
    [0, ['DEBUG', 'LISTPACK', 's']],
    [0, ['RPUSH', 'l', 'a', 'b']],
    [0, ['DEBUG', 'LISTPACK', 'l']],
    [0, ['HSET', 'h', 'f', 'v']],
    [0, ['DEBUG', 'LISTPACK', 'h']],
    [0, ['ZADD', 'z', '1', 'm']],
    [0, ['DEBUG', 'LISTPACK', 'z']],
    [0, ['SADD', 'st', '1']],
    [0, ['DEBUG', 'LISTPACK', 'st']],
  ],
};

describe.skipIf(!haveRedis)('DEBUG subcommands side by side with redis-server', () => {
  beforeAll(async () => {
    [redis, spindle] = await Promise.all([startRedis(['--enable-debug-command', 'yes']), startSpindle(['--enable-debug-command', 'yes'])]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), spindle?.stop()]);
  });

  for (const [name, steps] of Object.entries(scenarios)) {
    test(name, async () => {
      const want = await runTranscript(redis.port, 1, steps);
      expect(await runTranscript(spindle.port, 1, steps)).toEqual(want);
    });
  }

  test('CHANGE-REPL-ID changes master_replid', async () => {
    const c = await rawClient(spindle.port);
    const id = async () => /master_replid:([0-9a-f]{40})/.exec((await c.send(['INFO', 'replication'])).toString('latin1'))?.[1];
    const before = await id();
    await c.send(['DEBUG', 'CHANGE-REPL-ID']);
    const after = await id();
    c.close();
    expect(before).toMatch(/^[0-9a-f]{40}$/);
    expect(after).toMatch(/^[0-9a-f]{40}$/);
    expect(after).not.toBe(before);
  });

  // Redis's fuzzer runs for seconds: the reply text is checked against the one Redis sends.
  test('STRINGMATCH-TEST', async () => {
    const c = await rawClient(spindle.port);
    expect((await c.send(['DEBUG', 'STRINGMATCH-TEST'])).toString('latin1')).toBe('+Apparently Redis did not crash: test passed\r\n');
    c.close();
  });

  test('JMAP (Spindle only) summarizes the heap', async () => {
    const c = await rawClient(spindle.port);
    const text = (await c.send(['DEBUG', 'JMAP'])).toString('latin1');
    c.close();
    expect(text).toMatch(/^\$\d+\r\nSpindle heap summary/);
    expect(text).toContain('old_space');
    expect(text).toMatch(/gc: \d+ collections/);
  });
});

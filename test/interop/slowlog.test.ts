// The slow log side by side with redis-server 7.0 for what the golden cases cannot show: which
// commands get an entry when clients block and are served or time out, when scripts call
// commands, and which client address and name an entry carries. Ids, timestamps and durations
// differ between servers; the arguments, the client and the order of entries must not.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decode, type RespNode } from '../helpers/resp.ts';
import { scriptingSkipReason, skipScripting } from '../helpers/scripting.ts';
import { hasRedis, rawClient, startRedis, startSpindle, type ServerHandle } from '../helpers/servers.ts';
import { runTranscript, type Step } from '../helpers/transcript.ts';

const haveRedis = hasRedis();
let redis: ServerHandle;
let spindle: ServerHandle;

/** SLOWLOG GET -1 as [args joined by spaces, client (ports elided), name] per entry. */
async function entries(port: number): Promise<string[][]> {
  const c = await rawClient(port);
  const r = decode(await c.send(['SLOWLOG', 'GET', '-1']));
  c.close();
  return (r.v as RespNode[]).map((e) => {
    const f = e.v as RespNode[];
    const args = (f[3].v as RespNode[]).map((a) => (a.v as Buffer).toString('latin1')).join(' ');
    const peer = (f[4].v as Buffer).toString('latin1').replace(/:\d+$/, ':<port>');
    return [args, peer, (f[5].v as Buffer).toString('latin1')];
  });
}

async function run(port: number, steps: Step[], conns: number): Promise<string[][]> {
  await runTranscript(port, 1, [[0, ['CONFIG', 'SET', 'slowlog-log-slower-than', '0']], [0, ['SLOWLOG', 'RESET']]]);
  await runTranscript(port, conns, steps);
  await runTranscript(port, 1, [[0, ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1']]]);
  return entries(port);
}

const scenarios: Record<string, { conns: number; steps: Step[]; lua?: boolean }> = {
  'blocked clients are logged when served, not when they block or time out': {
    conns: 3,
    steps: [
      [1, ['CLIENT', 'SETNAME', 'waiter']],
      [1, ['BLPOP', 'list', '0'], 'nowait'],
      [2, ['RPUSH', 'list', 'a']],
      [1, ['BLPOP', 'nothing', '0.01']],
      [1, ['PING']],
    ],
  },
  'script calls are logged with the lua client': {
    conns: 1,
    lua: true,
    steps: [
      [0, ['CLIENT', 'SETNAME', 'scripter']],
      [0, ['EVAL', "redis.call('set', 'k', 'v'); return redis.call('get', 'k')", '0']],
    ],
  },
};

describe.skipIf(!haveRedis)('SLOWLOG side by side with redis-server', () => {
  beforeAll(async () => {
    [redis, spindle] = await Promise.all([startRedis(), startSpindle()]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), spindle?.stop()]);
  });

  for (const [name, sc] of Object.entries(scenarios)) {
    const skip = sc.lua === true && skipScripting('scripting');
    test.skipIf(skip)(skip ? `${name} (${scriptingSkipReason()})` : name, async () => {
      const want = await run(redis.port, sc.steps, sc.conns);
      const got = await run(spindle.port, sc.steps, sc.conns);
      // The runs' own PING drains and CLIENT IDs are in both; the entries must agree one for one.
      expect(got).toEqual(want);
    });
  }
});

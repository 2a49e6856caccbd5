// MONITOR side by side with redis-server 7.0: the monitoring connection's whole byte stream
// (its OK, then one line per command) must be identical once timestamps and client ports are
// normalized (test/helpers/transcript.ts), with Spindle in both io-threads modes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scriptingSkipReason, skipScripting } from '../helpers/scripting.ts';
import { hasRedis, startRedis, startSpindle, type ServerHandle } from '../helpers/servers.ts';
import { runTranscript, type Step } from '../helpers/transcript.ts';

const haveRedis = hasRedis();
let redis: ServerHandle;
let spindle: ServerHandle;
let spindleIo: ServerHandle;

const scenarios: Record<string, { conns: number; steps: Step[]; lua?: boolean }> = {
  'plain commands, quoting, databases': {
    conns: 2,
    steps: [
      [0, ['MONITOR']],
      [1, ['SET', 'k', 'v']],
      [1, ['SET', 'bin', 'a "q" \\ \n\r\t\x07\x08\x01\x7f\xff é']],
      [1, ['SELECT', '3']],
      [1, ['INCRBY', 'n', '10']],
      [1, ['GET', 'nosuch']],
      [1, ['HSET', 'h', 'f', '']],
    ],
  },
  'refused and admin commands are not shown; failed ones are': {
    conns: 2,
    steps: [
      [0, ['MONITOR']],
      [1, ['GET']],
      [1, ['NOSUCHCMD', 'x']],
      [1, ['CONFIG', 'GET', 'maxmemory']],
      [1, ['SLOWLOG', 'LEN']],
      [1, ['LPUSH', 'k', 'v']],
      [1, ['GET', 'k']],
      [1, ['CLIENT', 'SETNAME', 'x']],
      [1, ['PING']],
    ],
  },
  'secrets are redacted': {
    conns: 2,
    steps: [
      [0, ['MONITOR']],
      [1, ['AUTH', 'secret']],
      [1, ['AUTH', 'user', 'secret']],
      [1, ['HELLO', '2', 'AUTH', 'default', 'secret']],
      [1, ['HELLO', '2', 'SETNAME', 'AUTH']],
    ],
  },
  'MULTI/EXEC shows the queued commands before EXEC': {
    conns: 2,
    steps: [[0, ['MONITOR']], [1, ['MULTI']], [1, ['SET', 'a', '1']], [1, ['INCR', 'a']], [1, ['EXEC']], [1, ['MULTI']], [1, ['SET', 'a', '1']], [1, ['DISCARD']]],
  },
  'scripts: EVAL first, then its calls as lua': {
    conns: 2,
    lua: true,
    steps: [
      [0, ['MONITOR']],
      [1, ['EVAL', "redis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[1])", '1', 'k', 'v']],
      [1, ['SELECT', '2']],
      [1, ['EVAL', "return redis.pcall('incr', 'n')", '0']],
    ],
  },
  'a blocking command is shown once, when it blocks': {
    conns: 3,
    steps: [
      [0, ['MONITOR']],
      [1, ['BLPOP', 'list', '0'], 'nowait'],
      [2, ['LPUSH', 'other', 'x']],
      [2, ['RPUSH', 'list', 'a', 'b']],
      [1, ['BLPOP', 'nothing', '0.01']],
    ],
  },
  'functions: FCALL first, then its calls as lua': {
    conns: 2,
    lua: true,
    steps: [
      [1, ['FUNCTION', 'FLUSH']],
      [1, ['FUNCTION', 'LOAD', "#!lua name=mon\nredis.register_function('f', function(keys, args) return redis.call('incr', keys[1]) end)"]],
      [0, ['MONITOR']],
      [1, ['FCALL', 'f', '1', 'counter']],
      [1, ['FUNCTION', 'FLUSH']],
    ],
  },
  'a RESP3 monitor and a RESP3 client': {
    conns: 2,
    steps: [[0, ['HELLO', '3']], [0, ['MONITOR']], [1, ['HELLO', '3']], [1, ['SET', 'k', 'v']], [1, ['HGETALL', 'nosuch']]],
  },
  'two monitors, MONITOR again, and RESET ends it': {
    conns: 3,
    steps: [
      [0, ['MONITOR']],
      [1, ['MONITOR']],
      [2, ['SET', 'a', '1']],
      [1, ['RESET']],
      [2, ['SET', 'b', '2']],
      [0, ['PING']],
    ],
  },
};

describe.skipIf(!haveRedis)('MONITOR side by side with redis-server', () => {
  beforeAll(async () => {
    [redis, spindle, spindleIo] = await Promise.all([startRedis(), startSpindle(['--io-threads', '1']), startSpindle(['--io-threads', '2'])]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), spindle?.stop(), spindleIo?.stop()]);
  });

  for (const [name, sc] of Object.entries(scenarios)) {
    const skip = sc.lua === true && skipScripting('scripting');
    test.skipIf(skip)(skip ? `${name} (${scriptingSkipReason()})` : name, async () => {
      const want = await runTranscript(redis.port, sc.conns, sc.steps);
      expect(await runTranscript(spindle.port, sc.conns, sc.steps)).toEqual(want);
      expect(await runTranscript(spindleIo.port, sc.conns, sc.steps)).toEqual(want);
    });
  }
});

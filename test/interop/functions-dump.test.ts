// FUNCTION DUMP / RESTORE against the real redis-server (npm run test:interop): a library loaded
// into both servers dumps to the same bytes (RDB FUNCTION2 record, LZF-compressed or plain code,
// RDB version 10 and CRC64 footer) for code of every length class and compressibility, with
// rdbcompression on and off; Redis's payload restores into Spindle and Spindle's into Redis, and
// the libraries then list and run identically. One library per DUMP compared byte for byte (with
// several, both servers write them in their own hash order). Skipped when redis-server is not
// installed or the Lua engine addon is not built.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scriptingSkipReason } from '../helpers/scripting.ts';
import { hasRedis, rawClient, startRedis, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

const skip = !hasRedis() ? 'redis-server is not installed' : scriptingSkipReason();

/** The payload of a bulk string reply. */
function bulk(reply: Buffer): Buffer {
  expect(reply[0]).toBe(0x24);
  const nl = reply.indexOf('\r\n');
  const n = Number(reply.subarray(1, nl).toString());
  return reply.subarray(nl + 2, nl + 2 + n);
}

/** xorshift32: the same pseudo-random bytes on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** A library whose code has a comment of `n` bytes: repetitive (compressible) or random. */
function library(name: string, n: number, random: boolean, seed = 7): string {
  const r = rng(seed);
  let comment = '';
  for (let i = 0; i < n; i++) comment += random ? String.fromCharCode(33 + Math.floor(r() * 90)) : 'abcab'[i % 5];
  return `#!lua name=${name}\n-- ${comment}\nredis.register_function('${name}_f', function(keys, args) return #args end)`;
}

describe.skipIf(skip !== '')(`FUNCTION DUMP / RESTORE side by side with redis-server${skip === '' ? '' : ` (${skip})`}`, () => {
  let redis: ServerHandle;
  let spindle: ServerHandle;
  let rc: RawClient;
  let sc: RawClient;

  beforeAll(async () => {
    [redis, spindle] = await Promise.all([startRedis(), startSpindle()]);
    [rc, sc] = await Promise.all([rawClient(redis.port), rawClient(spindle.port)]);
  });

  afterAll(async () => {
    rc?.close();
    sc?.close();
    await Promise.all([redis?.stop(), spindle?.stop()]);
  });

  async function both(argv: (string | Buffer)[]): Promise<[Buffer, Buffer]> {
    return Promise.all([rc.send(argv), sc.send(argv)]);
  }

  test('one library dumps to the same bytes, for every code size and both compression settings', async () => {
    const sizes = [0, 5, 40, 200, 1000, 20000, 70000];
    let checked = 0;
    for (const compression of ['yes', 'no']) {
      await both(['CONFIG', 'SET', 'rdbcompression', compression]);
      for (const n of sizes) {
        for (const random of [false, true]) {
          await both(['FUNCTION', 'FLUSH']);
          const [lr, ls] = await both(['FUNCTION', 'LOAD', library(`l${n}${random ? 'r' : 'c'}`, n, random)]);
          expect(ls.toString('latin1')).toBe(lr.toString('latin1'));
          const [dr, ds] = await both(['FUNCTION', 'DUMP']);
          expect(bulk(ds).toString('hex'), `size ${n} random ${random} compression ${compression}`).toBe(bulk(dr).toString('hex'));
          checked++;
        }
      }
    }
    await both(['CONFIG', 'SET', 'rdbcompression', 'yes']);
    await both(['FUNCTION', 'FLUSH']);
    expect(checked).toBe(28);
  });

  test("Redis's payload restores into Spindle and Spindle's into Redis", async () => {
    await both(['FUNCTION', 'FLUSH']);
    for (const code of [library('ia', 300, false), library('ib', 300, true, 11), library('ic', 3, false)]) {
      expect((await rc.send(['FUNCTION', 'LOAD', code])).toString()).toMatch(/^\$/);
    }
    const fromRedis = bulk(await rc.send(['FUNCTION', 'DUMP']));
    expect((await sc.send(['FUNCTION', 'RESTORE', fromRedis])).toString()).toBe('+OK\r\n');
    for (const name of ['ia_f', 'ib_f', 'ic_f']) {
      const [a, b] = await both(['FCALL', name, '0', 'x', 'y']);
      expect(b.toString()).toBe(a.toString());
    }
    for (const lib of ['ia', 'ib', 'ic']) {
      const [a, b] = await both(['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', lib]);
      expect(b.toString('latin1')).toBe(a.toString('latin1'));
    }
    // And back: Spindle's dump replaces Redis's libraries.
    const fromSpindle = bulk(await sc.send(['FUNCTION', 'DUMP']));
    expect((await rc.send(['FUNCTION', 'RESTORE', fromSpindle, 'FLUSH'])).toString()).toBe('+OK\r\n');
    for (const lib of ['ia', 'ib', 'ic']) {
      const [a, b] = await both(['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', lib]);
      expect(b.toString('latin1')).toBe(a.toString('latin1'));
    }
    const [sr, ss] = await both(['FUNCTION', 'STATS']);
    expect(ss.toString()).toBe(sr.toString());
    // A corrupted byte fails the checksum on both.
    const bad = Buffer.from(fromSpindle);
    bad[5] ^= 1;
    const [er, es] = await both(['FUNCTION', 'RESTORE', bad, 'REPLACE']);
    expect(es.toString()).toBe(er.toString());
    await both(['FUNCTION', 'FLUSH']);
  });
});

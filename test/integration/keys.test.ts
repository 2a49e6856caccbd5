/*
 * Keyspace commands over real sockets: ioredis for behaviour, raw RESP where the exact bytes
 * matter (error texts, OBJECT HELP, SCAN cursors). Exact replies were checked against
 * redis-server 7.0.15; see also test/golden/cases/keys.txt.
 *
 * Most tests use a Spindle child process. Tests about keys that have expired but were not yet
 * deleted need the active expiry cycle off, so they run against a Server in this process whose
 * cron is not started (only lazy expiry happens there).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRegistry } from '../../src/server/command-table.ts';
import { Config, loadServerConfig, parseCommandLine } from '../../src/server/config.ts';
import { Server } from '../../src/server/server.ts';
import { freePort, rawClient, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;
let r: Redis;

beforeAll(async () => {
  srv = await startSpindle();
  r = new Redis({ port: srv.port, host: '127.0.0.1' });
});

afterAll(async () => {
  r?.disconnect();
  await srv?.stop();
});

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

function client(port = srv.port): Redis {
  return new Redis({ port, host: '127.0.0.1' });
}

/** Sends each command on a raw connection and returns the replies as latin1 strings. */
async function rawReplies(port: number, cmds: (string | Buffer)[][]): Promise<string[]> {
  const c: RawClient = await rawClient(port);
  try {
    const out: string[] = [];
    for (const cmd of cmds) out.push((await c.send(cmd)).toString('latin1'));
    return out;
  } finally {
    c.close();
  }
}

describe('DEL UNLINK EXISTS TOUCH TYPE DBSIZE', () => {
  test('counts, repeated keys and types', async () => {
    await r.flushall();
    await r.mset('a', '1', 'b', '2', 'c', '3');
    expect(await r.exists('a', 'a', 'missing', 'b')).toBe(3);
    expect(await r.touch('a', 'a', 'missing')).toBe(2);
    expect(await r.del('a', 'a', 'missing')).toBe(1);
    expect(await r.unlink('b', 'c', 'b')).toBe(2);
    expect(await r.dbsize()).toBe(0);
    await r.set('s', 'x');
    expect(await r.type('s')).toBe('string');
    expect(await r.type('missing')).toBe('none');
    const [type] = await rawReplies(srv.port, [['TYPE', 's']]);
    expect(type).toBe('+string\r\n');
  });

  test('binary key names', async () => {
    await r.flushall();
    const k1 = Buffer.from([0, 255, 13, 10]);
    const k2 = Buffer.from([0xff, 0xfe]);
    await r.set(k1, 'v1');
    await r.set(k2, 'v2');
    expect(await r.exists(k1, k2)).toBe(2);
    await r.rename(k1, Buffer.from('plain'));
    expect(await r.get('plain')).toBe('v1');
    const keys = await r.keysBuffer('*');
    expect(keys.map((k) => k.toString('hex')).sort()).toEqual([Buffer.from('plain').toString('hex'), k2.toString('hex')].sort());
  });

  test('dbsize counts only the selected database', async () => {
    await r.flushall();
    await r.mset('x', '1', 'y', '2');
    const other = client();
    try {
      await other.select(3);
      await other.set('z', '1');
      expect(await other.dbsize()).toBe(1);
      expect(await r.dbsize()).toBe(2);
    } finally {
      other.disconnect();
    }
  });
});

describe('RENAME RENAMENX COPY MOVE', () => {
  test('rename keeps the TTL and replaces the destination', async () => {
    await r.flushall();
    await r.set('src', 'v', 'EX', 100);
    await r.set('dst', 'old');
    expect(await r.rename('src', 'dst')).toBe('OK');
    expect(await r.get('dst')).toBe('v');
    expect(await r.exists('src')).toBe(0);
    expect(await r.ttl('dst')).toBeGreaterThan(95);
    await r.set('n', 'x');
    expect(await r.renamenx('dst', 'n')).toBe(0);
    expect(await r.renamenx('dst', 'fresh')).toBe(1);
    expect(await r.pttl('fresh')).toBeGreaterThan(95_000);
    expect(await r.rename('fresh', 'fresh')).toBe('OK');
    expect(await r.renamenx('fresh', 'fresh')).toBe(0);
    await expect(r.rename('nope', 'x')).rejects.toThrow('ERR no such key');
    await expect(r.renamenx('nope', 'nope')).rejects.toThrow('ERR no such key');
  });

  test('rename among many keys (entry ids move on delete)', async () => {
    await r.flushall();
    const p = r.pipeline();
    for (let i = 0; i < 500; i++) p.set(`k${i}`, `v${i}`);
    await p.exec();
    // Rename each key onto another existing key: each rename deletes two entries.
    for (let i = 0; i < 500; i += 2) expect(await r.rename(`k${i}`, `k${i + 1}`)).toBe('OK');
    expect(await r.dbsize()).toBe(250);
    for (let i = 1; i < 500; i += 2) expect(await r.get(`k${i}`)).toBe(`v${i - 1}`);
  });

  test('copy keeps encoding and TTL, honours DB and REPLACE', async () => {
    await r.flushall();
    await r.set('int', '12345', 'EX', 100);
    await r.set('emb', 'hello');
    await r.set('raw', 'x'.repeat(100));
    expect(await r.copy('int', 'int2')).toBe(1);
    expect(await r.copy('emb', 'emb2')).toBe(1);
    expect(await r.copy('raw', 'raw2')).toBe(1);
    expect(await r.object('ENCODING', 'int2')).toBe('int');
    expect(await r.object('ENCODING', 'emb2')).toBe('embstr');
    expect(await r.object('ENCODING', 'raw2')).toBe('raw');
    expect(await r.ttl('int2')).toBeGreaterThan(95);
    expect(await r.ttl('emb2')).toBe(-1);
    expect(await r.copy('emb', 'raw2')).toBe(0);
    expect(await r.copy('emb', 'raw2', 'REPLACE')).toBe(1);
    expect(await r.get('raw2')).toBe('hello');
    // The copy is independent of the source.
    await r.append('emb2', '!');
    expect(await r.get('emb')).toBe('hello');
    expect(await r.copy('emb', 'emb', 'DB', 5)).toBe(1);
    const other = client();
    try {
      await other.select(5);
      expect(await other.get('emb')).toBe('hello');
    } finally {
      other.disconnect();
    }
    expect(await r.copy('missing', 'x')).toBe(0);
    // A later DB option wins.
    expect(await r.call('COPY', 'emb', 'twice', 'DB', '6', 'DB', '7', 'REPLACE', 'REPLACE')).toBe(1);
    const [in6, in7] = await rawReplies(srv.port, [['SELECT', '6'], ['EXISTS', 'twice'], ['SELECT', '7'], ['EXISTS', 'twice']]).then((x) => [x[1], x[3]]);
    expect([in6, in7]).toEqual([':0\r\n', ':1\r\n']);
  });

  test('move between databases', async () => {
    await r.flushall();
    await r.set('m', 'v', 'PX', 100_000);
    expect(await r.move('m', 2)).toBe(1);
    expect(await r.exists('m')).toBe(0);
    const other = client();
    try {
      await other.select(2);
      expect(await other.get('m')).toBe('v');
      expect(await other.pttl('m')).toBeGreaterThan(90_000);
      await r.set('m', 'again');
      expect(await r.move('m', 2)).toBe(0); // exists in the target
      expect(await r.get('m')).toBe('again');
      expect(await r.move('missing', 2)).toBe(0);
    } finally {
      other.disconnect();
    }
  });

  test('exact error replies', async () => {
    await r.flushall();
    await r.set('a', '1');
    const replies = await rawReplies(srv.port, [
      ['COPY', 'a', 'a'],
      ['COPY', 'missing', 'missing'],
      ['COPY', 'a', 'b', 'DB', '16'],
      ['COPY', 'a', 'b', 'DB', '-1'],
      ['COPY', 'a', 'b', 'DB', 'abc'],
      ['COPY', 'a', 'b', 'DB', '2147483648'],
      ['COPY', 'a', 'b', 'DB'],
      ['COPY', 'a', 'b', 'FOO'],
      ['MOVE', 'a', '0'],
      ['MOVE', 'missing', '0'],
      ['MOVE', 'a', '16'],
      ['MOVE', 'a', '2147483648'],
      ['MOVE', 'a', '-2147483649'],
      ['MOVE', 'a', '1.0'],
      ['RENAME', 'missing', 'x'],
      ['MOVE', 'a'],
    ]);
    expect(replies).toEqual([
      '-ERR source and destination objects are the same\r\n',
      '-ERR source and destination objects are the same\r\n',
      '-ERR DB index is out of range\r\n',
      '-ERR DB index is out of range\r\n',
      '-ERR value is not an integer or out of range\r\n',
      '-ERR value is out of range, value must between -2147483648 and 2147483647\r\n',
      '-ERR syntax error\r\n',
      '-ERR syntax error\r\n',
      '-ERR source and destination objects are the same\r\n',
      '-ERR source and destination objects are the same\r\n',
      '-ERR DB index is out of range\r\n',
      '-ERR value is out of range, value must between -2147483648 and 2147483647\r\n',
      '-ERR value is out of range, value must between -2147483648 and 2147483647\r\n',
      '-ERR value is not an integer or out of range\r\n',
      '-ERR no such key\r\n',
      "-ERR wrong number of arguments for 'move' command\r\n",
    ]);
  });
});

describe('FLUSHDB FLUSHALL SWAPDB', () => {
  test('flushdb clears only the selected database; flushall clears all', async () => {
    await r.flushall();
    const other = client();
    try {
      await other.select(1);
      await r.mset('a', '1', 'b', '2');
      await other.set('c', '3', 'EX', 100);
      expect(await r.flushdb()).toBe('OK');
      expect(await r.dbsize()).toBe(0);
      expect(await other.dbsize()).toBe(1);
      await r.set('a', '1');
      expect(await r.call('FLUSHALL', 'SYNC')).toBe('OK');
      expect(await other.dbsize()).toBe(0);
      expect(await r.dbsize()).toBe(0);
      // The databases work normally afterwards.
      await r.set('after', 'x');
      await other.set('after1', 'y', 'EX', 50);
      expect(await r.get('after')).toBe('x');
      expect(await other.ttl('after1')).toBeGreaterThan(45);
      expect(await r.call('FLUSHDB', 'ASYNC')).toBe('OK');
      const errs = await rawReplies(srv.port, [['FLUSHDB', 'x'], ['FLUSHDB', 'ASYNC', 'x'], ['FLUSHALL', 'SYNC', 'x'], ['flushall', 'async']]);
      expect(errs).toEqual(['-ERR syntax error\r\n', '-ERR syntax error\r\n', '-ERR syntax error\r\n', '+OK\r\n']);
    } finally {
      other.disconnect();
    }
  });

  test('swapdb swaps contents under the clients that have the databases selected', async () => {
    await r.flushall();
    const a = client();
    const b = client();
    try {
      await b.select(1);
      await a.set('in0', 'zero', 'EX', 100);
      await b.set('in1', 'one');
      expect(await r.swapdb(0, 1)).toBe('OK');
      // a still has database 0 selected, which now holds what was in 1.
      expect(await a.get('in1')).toBe('one');
      expect(await a.exists('in0')).toBe(0);
      expect(await b.get('in0')).toBe('zero');
      expect(await b.ttl('in0')).toBeGreaterThan(95);
      // New writes land in the database as now numbered.
      await a.set('new0', 'x');
      expect(await b.exists('new0')).toBe(0);
      expect(await r.swapdb(1, 0)).toBe('OK');
      expect(await a.get('in0')).toBe('zero');
      expect(await a.get('new0')).toBeNull();
      expect(await b.get('new0')).toBe('x');
      expect(await r.swapdb(3, 3)).toBe('OK');
      const errs = await rawReplies(srv.port, [
        ['SWAPDB', 'a', '1'],
        ['SWAPDB', '0', 'a'],
        ['SWAPDB', '0', '16'],
        ['SWAPDB', '-1', '0'],
        ['SWAPDB', '2147483648', '0'],
        ['SWAPDB', '0', '99999999999999999999'],
      ]);
      expect(errs).toEqual([
        '-ERR invalid first DB index\r\n',
        '-ERR invalid second DB index\r\n',
        '-ERR DB index is out of range\r\n',
        '-ERR DB index is out of range\r\n',
        '-ERR invalid first DB index\r\n',
        '-ERR invalid second DB index\r\n',
      ]);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});

describe('KEYS RANDOMKEY', () => {
  test('keys with glob patterns', async () => {
    await r.flushall();
    await r.mset('hello', 1, 'hallo', 2, 'hxllo', 3, 'hllo', 4, 'h*llo', 5, 'other', 6);
    expect((await r.keys('h?llo')).sort()).toEqual(['h*llo', 'hallo', 'hello', 'hxllo']);
    expect((await r.keys('h[ae]llo')).sort()).toEqual(['hallo', 'hello']);
    expect((await r.keys('h\\*llo')).sort()).toEqual(['h*llo']);
    expect((await r.keys('*')).length).toBe(6);
    expect(await r.keys('nomatch*')).toEqual([]);
  });

  test('randomkey returns existing keys, nil when empty', async () => {
    await r.flushall();
    expect(await r.randomkey()).toBeNull();
    const names = new Set(['r1', 'r2', 'r3', 'r4']);
    for (const n of names) await r.set(n, 'v');
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add((await r.randomkey())!);
    expect([...seen].sort()).toEqual([...names].sort());
  });
});

describe('SCAN', () => {
  test('a quiet full iteration returns every key once; cursor is a bulk string', async () => {
    await r.flushall();
    const p = r.pipeline();
    for (let i = 0; i < 3000; i++) p.set(`s:${i}`, 'v');
    await p.exec();
    const counts = new Map<string, number>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, keys] = await r.scan(cursor, 'COUNT', 7);
      expect(typeof next).toBe('string');
      for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
      cursor = next;
      calls++;
    } while (cursor !== '0');
    expect(counts.size).toBe(3000);
    for (const n of counts.values()) expect(n).toBe(1);
    expect(calls).toBeGreaterThan(100);
  });

  test('MATCH, COUNT and TYPE', async () => {
    await r.flushall();
    await r.mset('user:1', 'a', 'user:2', 'b', 'item:1', 'c');
    const all = async (...args: (string | number)[]) => {
      const out: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = (await r.call('SCAN', cursor, ...args)) as [string, string[]];
        out.push(...keys);
        cursor = next;
      } while (cursor !== '0');
      return out.sort();
    };
    expect(await all('MATCH', 'user:*')).toEqual(['user:1', 'user:2']);
    expect(await all('MATCH', 'user:*', 'COUNT', 1)).toEqual(['user:1', 'user:2']);
    expect(await all('TYPE', 'string')).toEqual(['item:1', 'user:1', 'user:2']);
    expect(await all('TYPE', 'STRING', 'MATCH', '*:1')).toEqual(['item:1', 'user:1']);
    expect(await all('TYPE', 'list')).toEqual([]);
    expect(await all('MATCH', '*')).toEqual(['item:1', 'user:1', 'user:2']);
  });

  test('cursor parsing and errors', async () => {
    await r.flushall();
    await r.set('only', 'v');
    const replies = await rawReplies(srv.port, [
      ['SCAN', 'abc'],
      ['SCAN', '1.5'],
      ['SCAN', ' 1'],
      ['SCAN', '1 '],
      ['SCAN', '-'],
      ['SCAN', '18446744073709551616'],
      ['SCAN', '-18446744073709551616'],
      ['SCAN', '0', 'COUNT', '0'],
      ['SCAN', '0', 'COUNT', 'abc'],
      ['SCAN', '0', 'COUNT'],
      ['SCAN', '0', 'MATCH'],
      ['SCAN', '0', 'FOO', 'bar'],
      ['SCAN', '0', 'COUNT', '1000'],
      ['SCAN', '', 'COUNT', '1000'],
      ['SCAN', '-0', 'COUNT', '1000'],
      ['SCAN', '00', 'COUNT', '1000'],
      ['SCAN', '0', 'MATCH', 'o*', 'MATCH', 'x*'],
    ]);
    expect(replies).toEqual([
      '-ERR invalid cursor\r\n',
      '-ERR invalid cursor\r\n',
      '-ERR invalid cursor\r\n',
      '-ERR invalid cursor\r\n',
      '-ERR invalid cursor\r\n',
      '-ERR invalid cursor\r\n',
      '-ERR invalid cursor\r\n',
      '-ERR syntax error\r\n',
      '-ERR value is not an integer or out of range\r\n',
      '-ERR syntax error\r\n',
      '-ERR syntax error\r\n',
      '-ERR syntax error\r\n',
      '*2\r\n$1\r\n0\r\n*1\r\n$4\r\nonly\r\n',
      '*2\r\n$1\r\n0\r\n*1\r\n$4\r\nonly\r\n',
      '*2\r\n$1\r\n0\r\n*1\r\n$4\r\nonly\r\n',
      '*2\r\n$1\r\n0\r\n*1\r\n$4\r\nonly\r\n',
      '*2\r\n$1\r\n0\r\n*0\r\n',
    ]);
  });

  test('cursors of 2^32 and above are accepted (their low 32 bits select the buckets)', async () => {
    await r.flushall();
    const p = r.pipeline();
    for (let i = 0; i < 100; i++) p.set(`big:${i}`, 'v');
    await p.exec();
    // A cursor v + k*2^32 scans exactly like v (same buckets, same next cursor).
    const [next0, keys0] = await r.scan('5', 'COUNT', 3);
    for (const big of ['4294967301', '18446744069414584325', '-18446744069414584315']) {
      const [next, keys] = await r.scan(big, 'COUNT', 3);
      expect(next).toBe(next0);
      expect(keys.sort()).toEqual([...keys0].sort());
    }
    const [n, k] = await r.scan('18446744073709551615', 'COUNT', 1000);
    expect(Number(n)).toBeLessThan(2 ** 32);
    expect(Array.isArray(k)).toBe(true);
  });

  test('every key present for the whole scan is returned, with adds and deletes between calls', async () => {
    await r.flushall();
    const mutator = client();
    try {
      const p = r.pipeline();
      for (let i = 0; i < 2000; i++) p.set(`stable:${i}`, 'v');
      for (let i = 0; i < 2000; i++) p.set(`churn:${i}`, 'v');
      await p.exec();
      let next = 2000;
      let delFrom = 0;
      const seen = new Set<string>();
      let cursor = '0';
      let calls = 0;
      do {
        const [c, keys] = await r.scan(cursor, 'COUNT', 5);
        for (const k of keys) seen.add(k);
        cursor = c;
        calls++;
        // Between calls: add 40 keys and delete 25 old ones from another connection; in phases
        // the churn grows the table and then empties it, so rehashing happens both ways.
        const mp = mutator.pipeline();
        const growing = Math.floor(calls / 60) % 2 === 0;
        const adds = calls > 600 ? 0 : growing ? 60 : 5;
        const dels = calls > 600 ? 0 : growing ? 20 : 80;
        for (let i = 0; i < adds; i++) mp.set(`churn:${next++}`, 'v');
        for (let i = 0; i < dels && delFrom < next; i++) mp.del(`churn:${delFrom++}`);
        await mp.exec();
      } while (cursor !== '0');
      const missing: string[] = [];
      for (let i = 0; i < 2000; i++) if (!seen.has(`stable:${i}`)) missing.push(`stable:${i}`);
      expect(missing).toEqual([]);
      expect(calls).toBeGreaterThan(50);
    } finally {
      mutator.disconnect();
    }
  });

  test('the guarantee holds while the table grows from a few keys to many', async () => {
    await r.flushall();
    const mutator = client();
    try {
      const stable = ['g:a', 'g:b', 'g:c', 'g:d', 'g:e', 'g:f', 'g:g'];
      for (const k of stable) await r.set(k, 'v');
      let n = 0;
      const seen = new Set<string>();
      let cursor = '0';
      do {
        const [c, keys] = await r.scan(cursor, 'COUNT', 2);
        for (const k of keys) seen.add(k);
        cursor = c;
        if (n < 40_000) {
          const mp = mutator.pipeline();
          const batch = Math.max(8, Math.floor(n / 4));
          for (let i = 0; i < batch && n < 40_000; i++) mp.set(`grow:${n++}`, 'v');
          await mp.exec();
        }
      } while (cursor !== '0');
      expect(stable.filter((k) => !seen.has(k))).toEqual([]);
      expect(await r.dbsize()).toBe(stable.length + n);
    } finally {
      mutator.disconnect();
    }
  });
});

describe('OBJECT', () => {
  test('encoding, refcount, freq, help', async () => {
    await r.flushall();
    await r.set('small', '100');
    await r.set('big', '123456');
    await r.set('str', 'hello');
    await r.set('long', 'x'.repeat(45));
    const replies = await rawReplies(srv.port, [
      ['OBJECT', 'ENCODING', 'small'],
      ['OBJECT', 'ENCODING', 'str'],
      ['OBJECT', 'ENCODING', 'long'],
      ['OBJECT', 'ENCODING', 'missing'],
      ['OBJECT', 'REFCOUNT', 'small'],
      ['OBJECT', 'REFCOUNT', 'big'],
      ['OBJECT', 'REFCOUNT', 'str'],
      ['OBJECT', 'FREQ', 'str'],
      ['OBJECT', 'FREQ', 'missing'],
      ['OBJECT', 'IDLETIME', 'missing'],
      ['OBJECT', 'NOPE', 'x'],
      ['OBJECT'],
      ['OBJECT', 'HELP', 'x'],
    ]);
    expect(replies).toEqual([
      '$3\r\nint\r\n',
      '$6\r\nembstr\r\n',
      '$3\r\nraw\r\n',
      '$-1\r\n',
      ':2147483647\r\n',
      ':1\r\n',
      ':1\r\n',
      '-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n',
      '$-1\r\n',
      '$-1\r\n',
      "-ERR unknown subcommand 'NOPE'. Try OBJECT HELP.\r\n",
      "-ERR wrong number of arguments for 'object' command\r\n",
      "-ERR wrong number of arguments for 'object|help' command\r\n",
    ]);
    const [help] = await rawReplies(srv.port, [['object', 'help']]);
    expect(help).toBe(
      '*15\r\n' +
        '+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n' +
        '+ENCODING <key>\r\n' +
        '+    Return the kind of internal representation used in order to store the value\r\n' +
        '+    associated with a <key>.\r\n' +
        '+FREQ <key>\r\n' +
        '+    Return the access frequency index of the <key>. The returned integer is\r\n' +
        '+    proportional to the logarithm of the recent access frequency of the key.\r\n' +
        '+IDLETIME <key>\r\n' +
        '+    Return the idle time of the <key>, that is the approximated number of\r\n' +
        '+    seconds elapsed since the last access to the key.\r\n' +
        '+REFCOUNT <key>\r\n' +
        '+    Return the number of references of the value associated with the specified\r\n' +
        '+    <key>.\r\n' +
        '+HELP\r\n' +
        '+    Prints this help.\r\n',
    );
  });

  test('maxmemory settings decide whether small integers are shared', async () => {
    await r.flushall();
    await r.set('q', '100');
    try {
      await r.config('SET', 'maxmemory', '100mb');
      expect(await r.object('REFCOUNT', 'q')).toBe(2147483647); // noeviction shares
      await r.config('SET', 'maxmemory-policy', 'allkeys-lru');
      expect(await r.object('REFCOUNT', 'q')).toBe(1);
      await r.config('SET', 'maxmemory-policy', 'allkeys-lfu');
      await expect(r.object('IDLETIME', 'q')).rejects.toThrow(
        'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
      );
      expect(typeof (await r.object('FREQ', 'q'))).toBe('number');
    } finally {
      await r.config('SET', 'maxmemory-policy', 'noeviction');
      await r.config('SET', 'maxmemory', '0');
    }
    expect(await r.object('REFCOUNT', 'q')).toBe(2147483647);
  }, 20_000);

  test('idletime grows while a key is untouched and resets on access, not on EXISTS/TYPE/OBJECT', async () => {
    await r.flushall();
    await r.set('idle', 'v');
    expect(await r.object('IDLETIME', 'idle')).toBeLessThanOrEqual(1);
    await sleep(2200);
    await r.exists('idle');
    await r.type('idle');
    await r.object('ENCODING', 'idle');
    const idle = (await r.object('IDLETIME', 'idle')) as number;
    expect(idle).toBeGreaterThanOrEqual(1);
    expect(idle).toBeLessThanOrEqual(3);
    await r.touch('idle');
    expect(await r.object('IDLETIME', 'idle')).toBe(0);
  });

  test('RESP3 replies', async () => {
    await r.flushall();
    const replies = await rawReplies(srv.port, [
      ['HELLO', '3'],
      ['OBJECT', 'ENCODING', 'missing'],
      ['RANDOMKEY'],
      ['TYPE', 'missing'],
      ['SCAN', '0'],
    ]);
    expect(replies.slice(1)).toEqual(['_\r\n', '_\r\n', '+none\r\n', '*2\r\n$1\r\n0\r\n*0\r\n']);
  });
});

// ---- in-process server: no active expiry, so expired keys stay until something touches them ----

interface Local {
  srv: Server;
  port: number;
  stop(): void;
}

async function startLocal(): Promise<Local> {
  const port = await freePort();
  const registry = createRegistry();
  const config = new Config();
  const loaded = loadServerConfig(config, parseCommandLine(['--port', String(port), '--bind', '127.0.0.1', '--loglevel', 'warning']), {
    commandExists: (name) => registry.find(name) !== undefined,
  });
  if (loaded.error !== null) throw new Error(loaded.error);
  const server = new Server({ config, registry });
  server.activeExpireEnabled = false;
  server.onExit = () => {};
  await server.listen(); // no start(): no cron, no active expiry
  return { srv: server, port, stop: () => server.shutdown('test done') };
}

describe('expired keys with only lazy expiry (in-process server)', () => {
  let local: Local;
  let l: Redis;

  beforeAll(async () => {
    local = await startLocal();
    l = client(local.port);
  });

  afterAll(() => {
    l?.disconnect();
    local?.stop();
  });

  /** Sets keys with a 1 ms TTL and waits until they are logically expired. */
  async function expiredKeys(...names: string[]): Promise<void> {
    for (const n of names) await l.set(n, 'v', 'PX', 1);
    await sleep(20);
  }

  test('KEYS skips expired keys without deleting them; SCAN deletes them', async () => {
    await l.flushall();
    await l.set('live', 'v');
    await expiredKeys('gone1', 'gone2');
    const before = local.srv.stats.expiredKeys;
    expect(await l.keys('*')).toEqual(['live']);
    expect(await l.dbsize()).toBe(3);
    expect(local.srv.stats.expiredKeys).toBe(before);
    const [cursor, keys] = await l.scan('0', 'COUNT', 1000);
    expect(cursor).toBe('0');
    expect(keys).toEqual(['live']);
    expect(await l.dbsize()).toBe(1);
    expect(local.srv.stats.expiredKeys).toBe(before + 2);
  });

  test('SCAN TYPE none returns keys that expire during the type check (as Redis 7.0)', async () => {
    await l.flushall();
    await l.set('live', 'v');
    await expiredKeys('gone');
    const hits = local.srv.stats.keyspaceHits;
    const misses = local.srv.stats.keyspaceMisses;
    const [, none] = await l.scan('0', 'COUNT', 1000, 'TYPE', 'none');
    expect(none).toEqual(['gone']);
    expect(local.srv.stats.keyspaceHits - hits).toBe(1);
    expect(local.srv.stats.keyspaceMisses - misses).toBe(1);
    expect(await l.dbsize()).toBe(1);
    await expiredKeys('gone');
    const [, strings] = await l.scan('0', 'COUNT', 1000, 'TYPE', 'string');
    expect(strings).toEqual(['live']);
    expect(await l.dbsize()).toBe(1);
  });

  test('SCAN with MATCH leaves expired keys that do not match alone', async () => {
    await l.flushall();
    await expiredKeys('a:gone', 'b:gone');
    const [, keys] = await l.scan('0', 'MATCH', 'a:*', 'COUNT', 1000);
    expect(keys).toEqual([]);
    expect(await l.dbsize()).toBe(1);
  });

  test('SCAN deletes many expired keys in one call correctly', async () => {
    await l.flushall();
    const p = l.pipeline();
    for (let i = 0; i < 2000; i++) p.set(`x:${i}`, 'v', 'PX', 1);
    for (let i = 0; i < 500; i++) p.set(`live:${i}`, 'v');
    await p.exec();
    await sleep(20);
    const [, keys] = await l.scan('0', 'COUNT', 100000);
    expect(keys.length).toBe(500);
    expect(await l.dbsize()).toBe(500);
    for (let i = 0; i < 500; i += 50) expect(await l.get(`live:${i}`)).toBe('v');
  });

  test('RANDOMKEY deletes expired picks and returns nil when every key expired', async () => {
    await l.flushall();
    await expiredKeys('e1', 'e2', 'e3');
    expect(await l.randomkey()).toBeNull();
    expect(await l.dbsize()).toBe(0);
    await expiredKeys('e1', 'e2');
    await l.set('live', 'v');
    expect(await l.randomkey()).toBe('live');
  });

  test('EXISTS, TYPE and OBJECT count hits and misses; DEL and TOUCH expire lazily', async () => {
    await l.flushall();
    await l.set('k', 'v');
    const s = local.srv.stats;
    const h = s.keyspaceHits;
    const m = s.keyspaceMisses;
    await l.exists('k', 'nope');
    await l.type('k');
    await l.object('ENCODING', 'nope');
    expect(s.keyspaceHits - h).toBe(2);
    expect(s.keyspaceMisses - m).toBe(2);
    await expiredKeys('old');
    expect(await l.del('old')).toBe(0);
    await expiredKeys('old');
    expect(await l.touch('old', 'k')).toBe(1);
    expect(await l.dbsize()).toBe(1);
  });

  test('RENAME, COPY and MOVE onto expired destinations (ids move on the lazy delete)', async () => {
    for (const cmd of ['RENAME', 'RENAMENX', 'COPY', 'MOVE'] as const) {
      await l.flushall();
      // The destination expires lazily during the command; the source is the newest entry, so
      // deleting the destination moves the source to another id.
      await expiredKeys('dst');
      const p = l.pipeline();
      for (let i = 0; i < 50; i++) p.set(`filler:${i}`, 'v');
      await p.exec();
      await l.set('src', 'payload', 'EX', 100);
      if (cmd === 'MOVE') {
        const other = client(local.port);
        await other.select(1);
        await other.set('src', 'x', 'PX', 1);
        await sleep(20);
        expect(await l.move('src', 1)).toBe(1);
        expect(await other.get('src')).toBe('payload');
        expect(await other.ttl('src')).toBeGreaterThan(95);
        other.disconnect();
        continue;
      }
      const reply = await l.call(cmd, 'src', 'dst');
      expect(reply).toBe(cmd === 'RENAME' ? 'OK' : 1);
      expect(await l.get('dst')).toBe('payload');
      expect(await l.ttl('dst')).toBeGreaterThan(95);
      expect(await l.exists('src')).toBe(cmd === 'COPY' ? 1 : 0);
      expect(await l.dbsize()).toBe(cmd === 'COPY' ? 52 : 51);
      for (let i = 0; i < 50; i += 7) expect(await l.get(`filler:${i}`)).toBe('v');
    }
  });
});

/*
 * Hash commands over real sockets (ioredis for behaviour, raw RESP where the bytes matter), with
 * a JS Map model for long random runs on both encodings. Exact replies and encodings were checked
 * against redis-server 7.0.15; see also test/golden/cases/hashes.txt.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rawClient, startSpindle, type ServerHandle } from '../helpers/servers.ts';
import { rng } from '../helpers/rng.ts';

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

const B = (s: string): Buffer => Buffer.from(s, 'latin1');

/** HGETALL as a latin1 Map. */
async function getall(key: string): Promise<Map<string, string>> {
  const flat = await r.hgetallBuffer(key);
  const m = new Map<string, string>();
  for (const [k, v] of Object.entries(flat)) m.set(k, (v as Buffer).toString('latin1'));
  return m;
}

/** HKEYS and HVALS zipped (binary-safe: ioredis turns HGETALL into an object with UTF-8 keys). */
async function getallBin(key: string): Promise<Map<string, string>> {
  const ks = await r.hkeysBuffer(key);
  const vs = await r.hvalsBuffer(key);
  expect(vs.length).toBe(ks.length);
  const m = new Map<string, string>();
  for (let i = 0; i < ks.length; i++) m.set(ks[i].toString('latin1'), vs[i].toString('latin1'));
  return m;
}

async function withConfig<T>(entries: number, value: number, fn: () => Promise<T>): Promise<T> {
  await r.config('SET', 'hash-max-listpack-entries', String(entries), 'hash-max-listpack-value', String(value));
  try {
    return await fn();
  } finally {
    await r.config('SET', 'hash-max-listpack-entries', '512', 'hash-max-listpack-value', '64');
  }
}

describe('random operations against a model', () => {
  for (const [label, entries] of [['listpack', 100000], ['hashtable', 0], ['mixed', 40]] as const) {
    test(`${label}: HSET HSETNX HDEL HINCRBY HGET HMGET HLEN HSTRLEN HEXISTS`, async () => {
      await r.flushall();
      await withConfig(entries, label === 'listpack' ? 100000 : 64, async () => {
        const rand = rng(label.length * 977);
        const models = [new Map<string, string>(), new Map<string, string>(), new Map<string, string>()];
        const keys = ['ha', 'hb', 'hc'];
        const fieldOf = (): string => {
          const i = Math.floor(rand() * 120);
          if (i % 17 === 0) return `\x00bin\xff${i}`;
          if (i % 29 === 0) return 'L'.repeat(70) + i; // long field: converts under the default
          return `f${i}`;
        };
        for (let step = 0; step < 1500; step++) {
          const k = Math.floor(rand() * 3);
          const key = keys[k];
          const m = models[k];
          const f = fieldOf();
          const op = rand();
          if (op < 0.35) {
            const v = rand() < 0.3 ? String(Math.floor(rand() * 1000) - 500) : `v${step}`.repeat(1 + Math.floor(rand() * 3));
            const f2 = fieldOf();
            const v2 = `w${step}`;
            const expectCreated = (m.has(f) ? 0 : 1) + (f2 !== f && !m.has(f2) ? 1 : 0);
            const got = await r.hset(B(key), B(f), B(v), B(f2), B(v2));
            expect(got).toBe(expectCreated);
            m.set(f, v);
            m.set(f2, v2);
          } else if (op < 0.45) {
            const got = await r.hsetnx(B(key), B(f), B('nx'));
            expect(got).toBe(m.has(f) ? 0 : 1);
            if (!m.has(f)) m.set(f, 'nx');
          } else if (op < 0.65) {
            const f2 = fieldOf();
            let want = 0;
            if (m.delete(f)) want++;
            if (f2 !== f && m.delete(f2)) want++;
            expect(await r.hdel(B(key), B(f), B(f2))).toBe(want);
          } else if (op < 0.75) {
            const cur = m.get(f);
            if (cur !== undefined && !/^-?(0|[1-9][0-9]*)$/.test(cur)) {
              await expect(r.hincrby(B(key), B(f), 3)).rejects.toThrow('hash value is not an integer');
            } else {
              const want = (cur === undefined ? 0 : Number(cur)) + 3;
              expect(await r.hincrby(B(key), B(f), 3)).toBe(want);
              m.set(f, String(want));
            }
          } else {
            const got = await r.hgetBuffer(B(key), B(f));
            expect(got === null ? null : got.toString('latin1')).toEqual(m.get(f) ?? null);
            expect(await r.hexists(B(key), B(f))).toBe(m.has(f) ? 1 : 0);
            expect(await r.hstrlen(B(key), B(f))).toBe(m.has(f) ? Buffer.byteLength(m.get(f) as string, 'latin1') : 0);
          }
          if (step % 100 === 99) {
            for (let i = 0; i < 3; i++) {
              expect(await r.hlen(keys[i])).toBe(models[i].size);
              expect(await r.exists(keys[i])).toBe(models[i].size > 0 ? 1 : 0);
              expect(await getallBin(keys[i])).toEqual(models[i]);
              const fs = [...models[i].keys()].slice(0, 5).concat(['nope']);
              const vals = (await r.hmgetBuffer(B(keys[i]), ...fs.map(B))).map((x) => (x === null ? null : x.toString('latin1')));
              expect(vals).toEqual(fs.map((x) => models[i].get(x) ?? null));
            }
          }
        }
        for (let i = 0; i < 3; i++) {
          if (models[i].size === 0) continue;
          const enc = await r.object('ENCODING', keys[i]);
          if (label === 'listpack') expect(enc).toBe('listpack');
          if (label === 'hashtable') expect(enc).toBe('hashtable');
        }
      });
    });
  }
});

describe('listpack hashes stored in key records', () => {
  test('many small hashes grown and shrunk field by field stay intact', async () => {
    await r.flushall();
    const n = 300;
    const p = r.pipeline();
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < n; i++) p.hset(`k${i}`, `f${round}`, `v${round}:${i}`.repeat(1 + (i % 4)));
    }
    await p.exec();
    const q = r.pipeline();
    for (let i = 0; i < n; i += 3) q.hdel(`k${i}`, 'f0', 'f3', 'f7');
    await q.exec();
    for (let i = 0; i < n; i += 37) {
      const m = await getall(`k${i}`);
      const want = new Map<string, string>();
      for (let round = 0; round < 8; round++) {
        if (i % 3 === 0 && (round === 0 || round === 3 || round === 7)) continue;
        want.set(`f${round}`, `v${round}:${i}`.repeat(1 + (i % 4)));
      }
      expect(m).toEqual(want);
      expect(await r.object('ENCODING', `k${i}`)).toBe('listpack');
    }
    expect(await r.dbsize()).toBe(n);
  });

  test('a large listpack (record value over 128 bytes and over 64 KiB)', async () => {
    await r.flushall();
    await withConfig(5000, 64, async () => {
      const want = new Map<string, string>();
      for (let i = 0; i < 2000; i += 50) {
        const args: string[] = [];
        for (let j = i; j < i + 50; j++) {
          args.push(`field:${j}`, `value-${j}-${'x'.repeat(j % 40)}`);
          want.set(`field:${j}`, `value-${j}-${'x'.repeat(j % 40)}`);
        }
        await r.hset('big', ...args);
      }
      expect(await r.object('ENCODING', 'big')).toBe('listpack');
      expect(await getall('big')).toEqual(want);
      for (let j = 0; j < 2000; j += 2) {
        want.delete(`field:${j}`);
      }
      const fields = [...Array(1000).keys()].map((k) => `field:${k * 2}`);
      expect(await r.hdel('big', ...fields)).toBe(1000);
      expect(await getall('big')).toEqual(want);
      expect(await r.hlen('big')).toBe(1000);
      // HSCAN on a listpack returns everything at once, whatever COUNT says.
      const [cursor, flat] = await r.hscan('big', 0, 'COUNT', 1);
      expect(cursor).toBe('0');
      expect(flat.length).toBe(2000);
    });
  });

  test('record sizes around the 128-byte length-field boundary', async () => {
    await r.flushall();
    // Listpacks of 100..160 bytes under keys of several lengths, grown one byte at a time.
    for (const key of ['k', 'key-of-eleven', 'x'.repeat(40)]) {
      for (let len = 1; len < 60; len++) {
        await r.hset(key, 'a', 'v'.repeat(len), 'b', 'w'.repeat(30), 'c', 'z'.repeat(30));
        const m = await getall(key);
        expect(m).toEqual(new Map([['a', 'v'.repeat(len)], ['b', 'w'.repeat(30)], ['c', 'z'.repeat(30)]]));
      }
      for (let len = 59; len > 0; len--) {
        await r.hset(key, 'a', 'v'.repeat(len));
        expect(await r.hget(key, 'c')).toBe('z'.repeat(30));
        expect(await r.hget(key, 'a')).toBe('v'.repeat(len));
      }
    }
  });

  test('values of other keys are not disturbed by listpack reallocation', async () => {
    await r.flushall();
    for (let i = 0; i < 50; i++) {
      await r.set(`s${i}`, `string-${i}`);
      await r.hset('h', `f${i}`, 'v'.repeat(i));
      await r.set(`t${i}`, `other-${i}`);
    }
    for (let i = 0; i < 50; i++) {
      expect(await r.get(`s${i}`)).toBe(`string-${i}`);
      expect(await r.get(`t${i}`)).toBe(`other-${i}`);
      expect(await r.hget('h', `f${i}`)).toBe('v'.repeat(i));
    }
  });
});

describe('conversion to hashtable', () => {
  test('by count in the middle of one HSET keeps every field', async () => {
    await r.flushall();
    await withConfig(10, 64, async () => {
      const args: string[] = [];
      for (let i = 0; i < 40; i++) args.push(`f${i % 30}`, `v${i}`);
      expect(await r.hset('h', ...args)).toBe(30);
      expect(await r.object('ENCODING', 'h')).toBe('hashtable');
      const m = await getall('h');
      expect(m.size).toBe(30);
      for (let i = 0; i < 30; i++) expect(m.get(`f${i}`)).toBe(i < 10 ? `v${i + 30}` : `v${i}`);
    });
  });

  test('integer fields and values survive conversion', async () => {
    await r.flushall();
    await r.hset('h', '1', '2', '-3', '9223372036854775807', '007', '-0');
    await r.hset('h', 'long', 'x'.repeat(65));
    expect(await r.object('ENCODING', 'h')).toBe('hashtable');
    const m = await getall('h');
    expect(m).toEqual(new Map([['1', '2'], ['-3', '9223372036854775807'], ['007', '-0'], ['long', 'x'.repeat(65)]]));
    expect(await r.hincrby('h', '1', 5)).toBe(7);
  });

  test('a hashtable hash of 20000 fields: reads, deletes down to empty', async () => {
    await r.flushall();
    const N = 20000;
    for (let i = 0; i < N; i += 1000) {
      const args: string[] = [];
      for (let j = i; j < i + 1000; j++) args.push(`field${j}`, String(j));
      await r.hset('big', ...args);
    }
    expect(await r.object('ENCODING', 'big')).toBe('hashtable');
    expect(await r.hlen('big')).toBe(N);
    expect(await r.hget('big', 'field12345')).toBe('12345');
    expect(await r.hincrbyfloat('big', 'field1', '0.5')).toBe('1.5');
    const keys = await r.hkeys('big');
    expect(new Set(keys).size).toBe(N);
    for (let i = 0; i < N; i += 1000) {
      const fs: string[] = [];
      for (let j = i; j < i + 1000; j++) fs.push(`field${j}`);
      expect(await r.hdel('big', ...fs)).toBe(1000);
    }
    expect(await r.exists('big')).toBe(0);
  });
});

describe('HSCAN on a hashtable', () => {
  test('a full scan returns every field exactly once when nothing changes', async () => {
    await r.flushall();
    const args: string[] = [];
    for (let i = 0; i < 3000; i++) args.push(`m${i}`, `v${i}`);
    await r.hset('h', ...args);
    const seen = new Map<string, string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, flat] = await r.hscan('h', cursor, 'COUNT', 37);
      for (let i = 0; i < flat.length; i += 2) {
        expect(seen.has(flat[i])).toBe(false);
        seen.set(flat[i], flat[i + 1]);
      }
      cursor = next;
      calls++;
    } while (cursor !== '0');
    expect(seen.size).toBe(3000);
    expect(seen.get('m1234')).toBe('v1234');
    expect(calls).toBeGreaterThan(10);
  });

  test('fields present for the whole scan are returned while the hash grows and shrinks', async () => {
    await r.flushall();
    const args: string[] = [];
    for (let i = 0; i < 2000; i++) args.push(`s${i}`, '1');
    await r.hset('h', ...args);
    const seen = new Set<string>();
    let cursor = '0';
    let extra = 0;
    let step = 0;
    do {
      const [next, flat] = await r.hscan('h', cursor, 'COUNT', 20);
      for (let i = 0; i < flat.length; i += 2) seen.add(flat[i]);
      cursor = next;
      // Grow for a while, then delete the extra fields and odd stable ones never again touched.
      if (step < 60) {
        const add: string[] = [];
        for (let k = 0; k < 100; k++) add.push(`x${extra++}`, '2');
        await r.hset('h', ...add);
      } else if (step < 120 && extra > 0) {
        const del: string[] = [];
        for (let k = 0; k < 100 && extra > 0; k++) del.push(`x${--extra}`);
        await r.hdel('h', ...del);
      }
      step++;
    } while (cursor !== '0');
    for (let i = 0; i < 2000; i++) expect(seen.has(`s${i}`)).toBe(true);
  });

  test('MATCH filters fields; COUNT bounds the work per call', async () => {
    await r.flushall();
    const args: string[] = [];
    for (let i = 0; i < 1000; i++) args.push(i % 10 === 0 ? `tag:${i}` : `other:${i}`, String(i));
    await r.hset('h', ...args);
    const got = new Set<string>();
    let cursor = '0';
    do {
      const [next, flat] = await r.hscan('h', cursor, 'MATCH', 'tag:*', 'COUNT', 50);
      for (let i = 0; i < flat.length; i += 2) {
        expect(flat[i].startsWith('tag:')).toBe(true);
        expect(flat[i + 1]).toBe(flat[i].slice(4));
        got.add(flat[i]);
      }
      cursor = next;
    } while (cursor !== '0');
    expect(got.size).toBe(100);
    const [, first] = await r.hscan('h', 0, 'COUNT', 10);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(60);
  });
});

describe('HRANDFIELD', () => {
  async function counts(key: string, args: (string | number)[], rounds: number): Promise<Map<string, number>> {
    const m = new Map<string, number>();
    for (let i = 0; i < rounds; i++) {
      const res = (await r.call('hrandfield', key, ...args)) as string[] | string;
      for (const f of Array.isArray(res) ? res : [res]) m.set(f, (m.get(f) ?? 0) + 1);
    }
    return m;
  }

  for (const enc of ['listpack', 'hashtable'] as const) {
    test(`${enc}: negative count repeats, uniform`, async () => {
      await r.flushall();
      await withConfig(enc === 'listpack' ? 512 : 0, 64, async () => {
        await r.hset('h', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5');
        expect(await r.object('ENCODING', 'h')).toBe(enc);
        const m = await counts('h', [-1000], 10);
        expect([...m.keys()].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
        for (const v of m.values()) {
          expect(v).toBeGreaterThan(1700);
          expect(v).toBeLessThan(2300);
        }
        const single = await counts('h', [], 2500);
        for (const v of single.values()) {
          expect(v).toBeGreaterThan(380);
          expect(v).toBeLessThan(620);
        }
        const wv = (await r.call('hrandfield', 'h', -50, 'WITHVALUES')) as string[];
        expect(wv.length).toBe(100);
        for (let i = 0; i < wv.length; i += 2) expect(wv[i + 1]).toBe(String(wv[i].charCodeAt(0) - 96));
      });
    });

    test(`${enc}: positive count gives distinct fields, every subset reachable`, async () => {
      await r.flushall();
      await withConfig(enc === 'listpack' ? 512 : 0, 64, async () => {
        const args: string[] = [];
        for (let i = 0; i < 30; i++) args.push(`f${i}`, `v${i}`);
        await r.hset('h', ...args);
        expect(await r.object('ENCODING', 'h')).toBe(enc);
        // 3 * 12 > 30: the "close to size" strategy; 3 * 5 <= 30: the sampling one.
        for (const count of [12, 5, 29, 1]) {
          const seen = new Map<string, number>();
          const rounds = count === 1 ? 3000 : 300;
          for (let i = 0; i < rounds; i++) {
            const res = (await r.call('hrandfield', 'h', count, 'WITHVALUES')) as string[];
            expect(res.length).toBe(count * 2);
            const fields = res.filter((_, j) => j % 2 === 0);
            expect(new Set(fields).size).toBe(count);
            for (let j = 0; j < res.length; j += 2) {
              expect(res[j + 1]).toBe(`v${res[j].slice(1)}`);
              seen.set(res[j], (seen.get(res[j]) ?? 0) + 1);
            }
          }
          expect(seen.size).toBe(30);
          // mean 50 to 290 per field: the bounds are at least 4 standard deviations out (count 5:
          // mean 50, sd 6.5; count 1: mean 100, sd 9.8), so the whole test flakes < 1 in 10^3 runs.
          const mean = (rounds * count) / 30;
          for (const v of seen.values()) {
            expect(v).toBeGreaterThan(mean * 0.45);
            expect(v).toBeLessThan(mean * 1.7);
          }
        }
        const all = (await r.call('hrandfield', 'h', 30)) as string[];
        expect(new Set(all).size).toBe(30);
      });
    });
  }

  test('RESP3 reply shapes', async () => {
    await r.flushall();
    await r.hset('h', 'f', 'v');
    const c = await rawClient(srv.port);
    try {
      await c.send(['HELLO', '3']);
      expect((await c.send(['HRANDFIELD', 'h', '-2', 'WITHVALUES'])).toString()).toBe('*2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
      expect((await c.send(['HRANDFIELD', 'h', '2'])).toString()).toBe('*1\r\n$1\r\nf\r\n');
      expect((await c.send(['HGETALL', 'h'])).toString()).toBe('%1\r\n$1\r\nf\r\n$1\r\nv\r\n');
      expect((await c.send(['HGETALL', 'nokey'])).toString()).toBe('%0\r\n');
      expect((await c.send(['HRANDFIELD', 'nokey'])).toString()).toBe('_\r\n');
      expect((await c.send(['HINCRBYFLOAT', 'h', 'n', '1.5'])).toString()).toBe('$3\r\n1.5\r\n');
    } finally {
      c.close();
    }
  });
});

describe('other behaviour', () => {
  test('an expired hash is replaced by a new one', async () => {
    await r.flushall();
    await r.hset('h', 'old', '1');
    await r.pexpire('h', 20);
    await new Promise((res) => setTimeout(res, 40));
    expect(await r.hset('h', 'new', '2')).toBe(1);
    expect(await getall('h')).toEqual(new Map([['new', '2']]));
    expect(await r.ttl('h')).toBe(-1);
  });

  test('COPY of a hashtable hash is a deep copy; DEL of either leaves the other', async () => {
    await r.flushall();
    await withConfig(4, 64, async () => {
      const args: string[] = [];
      for (let i = 0; i < 100; i++) args.push(`f${i}`, `v${i}`);
      await r.hset('a', ...args);
      expect(await r.copy('a', 'b')).toBe(1);
      expect(await r.object('ENCODING', 'b')).toBe('hashtable');
      await r.hset('a', 'f1', 'changed');
      await r.hdel('a', 'f2');
      expect(await r.hget('b', 'f1')).toBe('v1');
      expect(await r.hget('b', 'f2')).toBe('v2');
      await r.del('a');
      expect(await r.hlen('b')).toBe(100);
      expect(await r.hget('b', 'f99')).toBe('v99');
    });
  });

  test('HINCRBYFLOAT stores Redis text; HINCRBY keeps integers exact', async () => {
    await r.flushall();
    expect(await r.hincrbyfloat('h', 'x', '10.50')).toBe('10.5');
    expect(await r.hincrbyfloat('h', 'x', '5.0e3')).toBe('5010.5');
    expect(await r.hget('h', 'x')).toBe('5010.5');
    expect(await r.hincrby('h', 'i', '9007199254740993')).toBe(9007199254740993);
    expect(await r.call('hincrby', 'h', 'i', '9007199254740993')).toBe(18014398509481986);
    expect(await r.hget('h', 'i')).toBe('18014398509481986');
    await expect(r.hincrby('h', 'i', '9223372036854775807')).rejects.toThrow('increment or decrement would overflow');
  });

  test('WRONGTYPE leaves the other key alone', async () => {
    await r.flushall();
    await r.set('s', 'v');
    await expect(r.hset('s', 'f', 'v')).rejects.toThrow('WRONGTYPE');
    expect(await r.get('s')).toBe('v');
    await r.hset('h', 'f', 'v');
    await expect(r.get('h')).rejects.toThrow('WRONGTYPE');
  });
});

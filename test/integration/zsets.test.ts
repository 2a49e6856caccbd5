/*
 * Sorted sets over real sockets: ioredis for behaviour, raw RESP where the exact bytes matter.
 * Exact replies of every command and error are in test/golden/cases/zsets.txt (recorded from
 * redis-server 7.0.15); this file covers what a golden case cannot: random replies, long random
 * sequences against a model in both encodings, ZSCAN cursors over a big set, conversions at the
 * thresholds, COPY independence, and blocked clients (several waiters on one key served in order,
 * timeouts, wake-ups from ZADD and from *STORE destinations).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { opArgs, type PropagatedOp } from '../../src/server/propagation.ts';
import { startInProcess, type InProcess } from '../helpers/in-process.ts';
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

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

/** Waits until the server counts n blocked clients (a fixed sleep races connection setup under load). */
async function waitBlocked(n: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const m = /blocked_clients:(\d+)/.exec(await r.info('clients'));
    if (m !== null && Number(m[1]) === n) return;
    await sleep(5);
  }
  throw new Error(`blocked_clients never reached ${n}`);
}

function client(): Redis {
  return new Redis({ port: srv.port, host: '127.0.0.1' });
}

/** Redis 7.0's score text (%.17g) for the values used below (integers and a few fractions). */
function fmt(s: number): string {
  if (s === Infinity) return 'inf';
  if (s === -Infinity) return '-inf';
  if (Number.isInteger(s)) return String(s);
  const t = s.toPrecision(17);
  return t.includes('e') ? t : t.replace(/\.?0+$/, '');
}

async function withConfig<T>(entries: number, value: number, fn: () => Promise<T>): Promise<T> {
  await r.config('SET', 'zset-max-listpack-entries', String(entries));
  await r.config('SET', 'zset-max-listpack-value', String(value));
  try {
    return await fn();
  } finally {
    await r.config('SET', 'zset-max-listpack-entries', '128');
    await r.config('SET', 'zset-max-listpack-value', '64');
  }
}

describe('encodings and conversions', () => {
  test('listpack up to 128 members of up to 64 bytes, then skiplist for good', async () => {
    await r.flushall();
    const args: (string | number)[] = [];
    for (let i = 0; i < 128; i++) args.push(i, `m${i}`);
    await r.zadd('z', ...args);
    expect(await r.object('ENCODING', 'z')).toBe('listpack');
    await r.zadd('z', 500, 'm128');
    expect(await r.object('ENCODING', 'z')).toBe('skiplist');
    await r.zremrangebyrank('z', 0, 120);
    expect(await r.zcard('z')).toBe(8);
    expect(await r.object('ENCODING', 'z')).toBe('skiplist');
    await r.zadd('v', 1, 'x'.repeat(64));
    expect(await r.object('ENCODING', 'v')).toBe('listpack');
    await r.zadd('v', 2, 'y'.repeat(65));
    expect(await r.object('ENCODING', 'v')).toBe('skiplist');
    expect(await r.zrange('v', '0', '-1')).toEqual(['x'.repeat(64), 'y'.repeat(65)]);
    // A long member on a new key creates the skiplist directly.
    await r.zadd('w', 1, 'y'.repeat(65));
    expect(await r.object('ENCODING', 'w')).toBe('skiplist');
  });

  test('store commands pick the encoding from the result', async () => {
    await r.flushall();
    await withConfig(4, 64, async () => {
      await r.zadd('big', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e');
      expect(await r.object('ENCODING', 'big')).toBe('skiplist');
      expect(await r.zrangestore('d1', 'big', 0, 2)).toBe(3);
      expect(await r.object('ENCODING', 'd1')).toBe('listpack');
      expect(await r.zunionstore('d2', 1, 'big')).toBe(5);
      expect(await r.object('ENCODING', 'd2')).toBe('skiplist');
      expect(await r.zinterstore('d3', 2, 'big', 'd1')).toBe(3);
      expect(await r.object('ENCODING', 'd3')).toBe('listpack');
      expect(await r.zdiffstore('d4', 2, 'big', 'd1')).toBe(2);
      expect(await r.object('ENCODING', 'd4')).toBe('listpack');
      expect(await r.zrange('d4', '0', '-1', 'WITHSCORES')).toEqual(['d', '4', 'e', '5']);
    });
  });
});

/** A sorted-set model: member -> score, ordered by (score, member bytes). */
class Model {
  m = new Map<string, number>();
  sorted(): [string, number][] {
    return [...this.m.entries()].sort((a, b) => (a[1] !== b[1] ? (a[1] < b[1] ? -1 : 1) : Buffer.compare(Buffer.from(a[0], 'latin1'), Buffer.from(b[0], 'latin1'))));
  }
}

describe('random operations against a model', () => {
  for (const [label, entries] of [['listpack', 128], ['skiplist', 0], ['converting', 20]] as const) {
    test(`${label}`, async () => {
      await r.flushall();
      await withConfig(entries, 64, async () => {
        const rand = rng(entries + 11);
        const model = new Model();
        const members = Array.from({ length: 60 }, (_, i) => (i % 7 === 0 ? String(i * 3) : `mem${i}`));
        for (let step = 0; step < 400; step++) {
          const op = rand();
          const m = members[Math.floor(rand() * members.length)];
          const s = Math.floor(rand() * 20) - 10 + (rand() < 0.2 ? 0.5 : 0);
          if (op < 0.4) {
            const added = await r.zadd('z', s, m);
            expect(added).toBe(model.m.has(m) ? 0 : 1);
            model.m.set(m, s);
          } else if (op < 0.55) {
            const got = await r.zincrby('z', s, m);
            const v = (model.m.get(m) ?? 0) + s;
            model.m.set(m, v);
            expect(got).toBe(fmt(v));
          } else if (op < 0.7) {
            expect(await r.zrem('z', m)).toBe(model.m.delete(m) ? 1 : 0);
          } else if (op < 0.75) {
            const lo = Math.floor(rand() * 10) - 5;
            const n = await r.zremrangebyscore('z', lo, lo + 2);
            let expected = 0;
            for (const [k, v] of model.m) {
              if (v >= lo && v <= lo + 2) {
                model.m.delete(k);
                expected++;
              }
            }
            expect(n).toBe(expected);
          } else if (op < 0.8) {
            const sorted = model.sorted();
            const a = Math.floor(rand() * 10);
            const n = await r.zremrangebyrank('z', a, a + 1);
            const gone = sorted.slice(a, a + 2);
            for (const [k] of gone) model.m.delete(k);
            expect(n).toBe(gone.length);
          } else {
            const sorted = model.sorted();
            const a = Math.floor(rand() * 10) - 5;
            const rank = await r.zrank('z', m);
            const idx = sorted.findIndex(([k]) => k === m);
            expect(rank).toBe(idx < 0 ? null : idx);
            expect(await r.zrevrank('z', m)).toBe(idx < 0 ? null : sorted.length - 1 - idx);
            expect(await r.zcount('z', a, `(${a + 3}`)).toBe(sorted.filter(([, v]) => v >= a && v < a + 3).length);
            const byScore = await r.zrangebyscore('z', `(${a}`, '+inf', 'LIMIT', 1, 3);
            expect(byScore).toEqual(sorted.filter(([, v]) => v > a).slice(1, 4).map(([k]) => k));
            const rev = await r.zrevrangebyscore('z', a + 5, a, 'WITHSCORES');
            expect(rev).toEqual(
              sorted.filter(([, v]) => v >= a && v <= a + 5).reverse().flatMap(([k, v]) => [k, fmt(v)]),
            );
          }
          if (step % 25 === 0 || step === 399) {
            const all = await r.zrange('z', '0', '-1', 'WITHSCORES');
            expect(all).toEqual(model.sorted().flatMap(([k, v]) => [k, fmt(v)]));
            expect(await r.zcard('z')).toBe(model.m.size);
            if (model.m.size > 0) {
              const enc = await r.object('ENCODING', 'z');
              if (label === 'listpack') expect(enc).toBe('listpack');
              if (label === 'skiplist') expect(enc).toBe('skiplist');
            }
          }
        }
      });
    });
  }
});

describe('set operations on bigger inputs', () => {
  test('union, intersection and difference agree with a model, both encodings', async () => {
    await r.flushall();
    const rand = rng(5);
    const sets: Map<string, number>[] = [];
    for (let k = 0; k < 3; k++) {
      const m = new Map<string, number>();
      const n = k === 0 ? 300 : 40 + k * 30;
      const args: (string | number)[] = [];
      for (let i = 0; i < n; i++) {
        const member = `e${Math.floor(rand() * 400)}`;
        const s = Math.floor(rand() * 100);
        m.set(member, s);
        args.push(s, member);
      }
      await r.zadd(`s${k}`, ...args);
      sets.push(m);
    }
    expect(await r.object('ENCODING', 's0')).toBe('skiplist');
    expect(await r.object('ENCODING', 's1')).toBe('listpack');
    const order = (entries: [string, number][]) =>
      entries.sort((a, b) => (a[1] !== b[1] ? a[1] - b[1] : Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]))));
    const union = new Map<string, number>();
    for (const [i, m] of sets.entries()) for (const [k, v] of m) union.set(k, (union.get(k) ?? 0) + v * (i + 1));
    expect(await r.zunion(3, 's0', 's1', 's2', 'WEIGHTS', 1, 2, 3, 'WITHSCORES')).toEqual(order([...union]).flatMap(([k, v]) => [k, String(v)]));
    const inter: [string, number][] = [];
    for (const [k, v] of sets[0]) if (sets[1].has(k) && sets[2].has(k)) inter.push([k, Math.max(v, sets[1].get(k)!, sets[2].get(k)!)]);
    expect(await r.zinter(3, 's0', 's1', 's2', 'AGGREGATE', 'MAX', 'WITHSCORES')).toEqual(order(inter).flatMap(([k, v]) => [k, String(v)]));
    expect(await r.zintercard(3, 's0', 's1', 's2')).toBe(inter.length);
    const diff: [string, number][] = [];
    for (const [k, v] of sets[0]) if (!sets[1].has(k) && !sets[2].has(k)) diff.push([k, v]);
    expect(await r.zdiff(3, 's0', 's1', 's2', 'WITHSCORES')).toEqual(order(diff).flatMap(([k, v]) => [k, String(v)]));
    const diff2: [string, number][] = [];
    for (const [k, v] of sets[1]) if (!sets[0].has(k)) diff2.push([k, v]);
    expect(await r.zdiff(2, 's1', 's0', 'WITHSCORES')).toEqual(order(diff2).flatMap(([k, v]) => [k, String(v)]));
    expect(await r.zdiffstore('d', 3, 's0', 's1', 's2')).toBe(diff.length);
    expect(await r.zrange('d', '0', '-1')).toEqual(order(diff).map(([k]) => k));
  });
});

describe('ZRANDMEMBER', () => {
  for (const [label, entries] of [['listpack', 128], ['skiplist', 0]] as const) {
    test(`counts and uniqueness (${label})`, async () => {
      await r.flushall();
      await withConfig(entries, 64, async () => {
        const args: (string | number)[] = [];
        for (let i = 0; i < 30; i++) args.push(i, `m${i}`);
        await r.zadd('z', ...args);
        expect(await r.object('ENCODING', 'z')).toBe(label);
        const all = new Set(Array.from({ length: 30 }, (_, i) => `m${i}`));
        // Case 4 (a small sample) and case 3 (more than a third): distinct members of the set.
        for (const n of [3, 5, 15, 25, 29]) {
          const got = (await r.zrandmember('z', n)) as string[];
          expect(got.length).toBe(n);
          expect(new Set(got).size).toBe(n);
          for (const m of got) expect(all.has(m)).toBe(true);
        }
        // Case 2: the whole set from the highest down.
        expect(await r.zrandmember('z', 30)).toEqual([...all].reverse());
        // Case 1: with repetition; over many draws every member shows up.
        const rep = (await r.zrandmember('z', -3000)) as string[];
        expect(rep.length).toBe(3000);
        const counts = new Map<string, number>();
        for (const m of rep) counts.set(m, (counts.get(m) ?? 0) + 1);
        expect(counts.size).toBe(30);
        for (const v of counts.values()) expect(v).toBeGreaterThan(40);
        // WITHSCORES pairs match the members.
        const ws = (await r.zrandmember('z', -10, 'WITHSCORES')) as string[];
        expect(ws.length).toBe(20);
        for (let i = 0; i < 20; i += 2) expect(ws[i + 1]).toBe(ws[i].slice(1));
        const single = await r.zrandmember('z');
        expect(all.has(single as string)).toBe(true);
      });
    });
  }

  test('RESP3 WITHSCORES gives [member, score] pairs', async () => {
    await r.flushall();
    await r.zadd('z', 1, 'a', 2, 'b');
    const c = await rawClient(srv.port);
    try {
      await c.send(['HELLO', '3']);
      const reply = (await c.send(['ZRANDMEMBER', 'z', '-1', 'WITHSCORES'])).toString('latin1');
      expect(reply).toMatch(/^\*1\r\n\*2\r\n\$1\r\n([ab])\r\n,([12])\r\n$/);
      const m = /\$1\r\n([ab])\r\n,([12])/.exec(reply)!;
      expect(m[2]).toBe(m[1] === 'a' ? '1' : '2');
    } finally {
      c.close();
    }
  });
});

describe('ZSCAN', () => {
  test('iterates a big skiplist with cursors; MATCH filters; every member exactly once', async () => {
    await r.flushall();
    const args: (string | number)[] = [];
    for (let i = 0; i < 2000; i++) args.push(i + 0.5, `member:${i}`);
    await r.zadd('z', ...args);
    expect(await r.object('ENCODING', 'z')).toBe('skiplist');
    const seen = new Map<string, string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, items] = await r.zscan('z', cursor, 'COUNT', 20);
      cursor = next;
      calls++;
      for (let i = 0; i < items.length; i += 2) {
        expect(seen.has(items[i])).toBe(false);
        seen.set(items[i], items[i + 1]);
      }
    } while (cursor !== '0');
    expect(calls).toBeGreaterThan(20);
    expect(seen.size).toBe(2000);
    expect(seen.get('member:7')).toBe('7.5');
    const matched = new Set<string>();
    cursor = '0';
    do {
      const [next, items] = await r.zscan('z', cursor, 'MATCH', 'member:1??', 'COUNT', 100);
      cursor = next;
      for (let i = 0; i < items.length; i += 2) matched.add(items[i]);
    } while (cursor !== '0');
    expect(matched.size).toBe(100);
  });

  test('members added and removed during a scan', async () => {
    await r.flushall();
    const args: (string | number)[] = [];
    for (let i = 0; i < 500; i++) args.push(i, `k${i}`);
    await r.zadd('z', ...args);
    const seen = new Set<string>();
    let cursor = '0';
    let round = 0;
    do {
      const [next, items] = await r.zscan('z', cursor, 'COUNT', 10);
      cursor = next;
      for (let i = 0; i < items.length; i += 2) seen.add(items[i]);
      round++;
      if (round === 3) {
        const more: (string | number)[] = [];
        for (let i = 500; i < 3000; i++) more.push(i, `k${i}`);
        await r.zadd('z', ...more);
      }
      if (round === 30) await r.zremrangebyrank('z', 400, 2950);
    } while (cursor !== '0');
    // Members present for the whole scan are all returned.
    for (let i = 0; i < 400; i++) expect(seen.has(`k${i}`)).toBe(true);
  });
});

describe('COPY', () => {
  test('a skiplist copy is independent of its source', async () => {
    await r.flushall();
    await withConfig(1, 64, async () => {
      await r.zadd('z', 1, 'a', 2, 'b', 3, 'c');
      expect(await r.copy('z', 'z2')).toBe(1);
      await r.zadd('z', 10, 'a');
      await r.zrem('z2', 'b');
      expect(await r.zrange('z', '0', '-1', 'WITHSCORES')).toEqual(['b', '2', 'c', '3', 'a', '10']);
      expect(await r.zrange('z2', '0', '-1', 'WITHSCORES')).toEqual(['a', '1', 'c', '3']);
      expect(await r.object('ENCODING', 'z2')).toBe('skiplist');
      await r.del('z');
      expect(await r.zcard('z2')).toBe(2);
    });
  });
});

describe('big sets stay fast', () => {
  test('100k members: adds, rank, deep ranges and pops', async () => {
    await r.flushall();
    const t0 = performance.now();
    const pipe = r.pipeline();
    for (let b = 0; b < 100; b++) {
      const args: (string | number)[] = [];
      for (let i = 0; i < 1000; i++) args.push(b * 1000 + i, `m${b * 1000 + i}`);
      pipe.zadd('z', ...args);
    }
    await pipe.exec();
    expect(await r.zcard('z')).toBe(100_000);
    expect(await r.zrank('z', 'm77777')).toBe(77777);
    expect(await r.zrange('z', '99990', '99992')).toEqual(['m99990', 'm99991', 'm99992']);
    expect(await r.zrangebyscore('z', 50_000, '+inf', 'LIMIT', 40_000, 2)).toEqual(['m90000', 'm90001']);
    expect(await r.zcount('z', 10, 20_009)).toBe(20_000);
    expect(await r.zpopmin('z', 2)).toEqual(['m0', '0', 'm1', '1']);
    expect(await r.zremrangebyrank('z', 0, 49_997)).toBe(49_998);
    expect(await r.zcard('z')).toBe(50_000);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

describe('blocking pops', () => {
  test('several clients blocked on one key are served first come, first served', async () => {
    await r.flushall();
    const cs = [client(), client(), client()];
    try {
      const p0 = cs[0].bzpopmin('k', 0);
      await waitBlocked(1);
      const p1 = cs[1].bzpopmin('k', 0);
      await waitBlocked(2);
      const p2 = cs[2].bzpopmax('k', 'other', 0.4);
      await waitBlocked(3);
      // One ZADD with two members: the first two waiters get one each, in order.
      await r.zadd('k', 1, 'a', 2, 'b');
      expect(await p0).toEqual(['k', 'a', '1']);
      expect(await p1).toEqual(['k', 'b', '2']);
      expect(await r.exists('k')).toBe(0);
      // The third times out with a null.
      const t = performance.now();
      expect(await p2).toBeNull();
      expect(performance.now() - t).toBeLessThan(1000);
    } finally {
      for (const c of cs) c.disconnect();
    }
  });

  test('timeouts, several keys, BZMPOP counts and wakes from store commands', async () => {
    await r.flushall();
    const a = client();
    const b = client();
    try {
      const t0 = performance.now();
      expect(await a.bzpopmin('none', 0.1)).toBeNull();
      expect(performance.now() - t0).toBeGreaterThan(90);
      // Blocked on two keys: woken by the second.
      const p = a.bzpopmax('x', 'y', 0);
      await waitBlocked(1);
      await r.zadd('y', 5, 'five', 6, 'six');
      expect(await p).toEqual(['y', 'six', '6']);
      // BZMPOP takes up to COUNT from the key that got members.
      const q = a.call('BZMPOP', '0', '2', 'm1', 'm2', 'MIN', 'COUNT', '2');
      await waitBlocked(1);
      await r.zadd('m2', 3, 'c', 1, 'a', 2, 'b');
      expect(await q).toEqual(['m2', [['a', '1'], ['b', '2']]]);
      // ZUNIONSTORE and ZRANGESTORE destinations wake waiters.
      const u = a.bzpopmin('dst', 0);
      await waitBlocked(1);
      await r.zunionstore('dst', 1, 'm2');
      expect(await u).toEqual(['dst', 'c', '3']);
      const v = b.bzpopmin('dst2', 0);
      await waitBlocked(1);
      await r.zrangestore('dst2', 'y', 0, -1);
      expect(await v).toEqual(['dst2', 'five', '5']);
      // ZINCRBY creating the key wakes too.
      const w = a.bzpopmax('inc', 0);
      await waitBlocked(1);
      await r.zincrby('inc', 2.5, 'x');
      expect(await w).toEqual(['inc', 'x', '2.5']);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  test('a key that now holds another type wakes nobody; RESP3 timeout is a null', async () => {
    await r.flushall();
    const a = client();
    const raw = await rawClient(srv.port);
    try {
      const p = a.bzpopmin('k', 0.3);
      await waitBlocked(1);
      await r.set('k', 'string');
      await r.del('k');
      expect(await p).toBeNull();
      await raw.send(['HELLO', '3']);
      expect((await raw.send(['BZPOPMIN', 'none', '0.05'])).toString('latin1')).toBe('_\r\n');
      expect((await raw.send(['BZMPOP', '0.05', '1', 'none', 'MIN'])).toString('latin1')).toBe('_\r\n');
      // A served RESP3 BZMPOP reply has nested pairs with double scores.
      const pending = raw.send(['BZMPOP', '0', '1', 'r3', 'MAX', 'COUNT', '5']);
      await waitBlocked(1);
      await r.zadd('r3', 1.5, 'x');
      expect((await pending).toString('latin1')).toBe('*2\r\n$2\r\nr3\r\n*1\r\n*2\r\n$1\r\nx\r\n,1.5\r\n');
    } finally {
      a.disconnect();
      raw.close();
    }
  });
});

/*
 * What a blocked pop served later propagates, measured on redis-server 7.0.15 with two
 * redis-cli's (the AOF cases in test/golden/aof-cases/zsets.txt run on one connection): the
 * command that served it first, then BZPOPMIN/BZPOPMAX as ZPOPMIN/ZPOPMAX key, BZMPOP as
 * ZPOPMIN/ZPOPMAX key <members popped>, each a unit of its own (no MULTI/EXEC).
 */
describe('propagation of blocked pops served later', () => {
  let ip: InProcess;
  let stream: string[][] = [];
  const consume = (ops: readonly PropagatedOp[]): void => {
    for (const op of ops) stream.push(opArgs(op).map((a) => Buffer.from(a).toString('latin1')));
  };

  beforeAll(async () => {
    ip = await startInProcess();
    ip.server.propagation.addConsumer(consume);
  });

  afterAll(() => ip?.stop());

  /** Blocks `blocked` on a fresh connection, serves it with `serve`, returns what propagated. */
  async function servedLater(blocked: string[], serve: string[]): Promise<string[][]> {
    const a = await rawClient(ip.port);
    const b = await rawClient(ip.port);
    try {
      await a.send(['FLUSHALL']);
      stream = [];
      const pending = a.send(blocked);
      for (let i = 0; i < 400 && ip.server.blocked.count === 0; i++) await sleep(5);
      expect(ip.server.blocked.count).toBe(1);
      await b.send(serve);
      await pending;
      return stream;
    } finally {
      a.close();
      b.close();
    }
  }

  test('BZPOPMIN and BZPOPMAX become ZPOPMIN and ZPOPMAX without a count', async () => {
    expect(await servedLater(['BZPOPMIN', 'z', '0'], ['ZADD', 'z', '1', 'a', '2', 'b'])).toEqual([
      ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['ZPOPMIN', 'z'],
    ]);
    expect(await servedLater(['BZPOPMAX', 'y', 'z', '0'], ['ZADD', 'z', '1', 'a', '2', 'b'])).toEqual([
      ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['ZPOPMAX', 'z'],
    ]);
  });

  test('BZMPOP becomes ZPOPMIN or ZPOPMAX with the number popped', async () => {
    expect(await servedLater(['BZMPOP', '0', '2', 'y', 'z', 'MAX', 'COUNT', '5'], ['ZADD', 'z', '1', 'a', '2', 'b'])).toEqual([
      ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['ZPOPMAX', 'z', '2'],
    ]);
    expect(await servedLater(['BZMPOP', '0', '1', 'z', 'MIN'], ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'])).toEqual([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['ZPOPMIN', 'z', '1'],
    ]);
    // Not served (the store emptied nothing into z) and timed out: nothing at all.
    expect(await servedLater(['BZMPOP', '0.1', '1', 'z', 'MIN', 'COUNT', '2'], ['ZUNIONSTORE', 'z', '1', 'nosuch'])).toEqual([]);
  });
});

/*
 * maxmemory end to end (issue 12's "Done when"): with maxmemory 100mb and each of the eight
 * policies, ~1 GB of 256 KiB values written through pipelines keeps used_memory at or under the
 * limit (as INFO reports it after each pipeline), evicts only what the policy allows (volatile-*:
 * keys with a TTL only) and noeviction refuses with -OOM without losing a key. Then the side
 * effects of an eviction (evicted_keys, the "evicted" event, WATCH) and lazy freeing (UNLINK,
 * FLUSHDB ASYNC counters). No timing assertions.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { IO_THREADS, rawClient, startSpindle, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;
let r: Redis;
/** RSS of the empty server (each I/O worker's isolate adds its own baseline). */
let baselineRss = 0;

beforeAll(async () => {
  srv = await startSpindle();
  r = new Redis({ port: srv.port, host: '127.0.0.1' });
  baselineRss = field(await r.info('memory'), 'used_memory_rss');
});

afterAll(async () => {
  r?.disconnect();
  await srv?.stop();
});

const MB = 1024 * 1024;
const LIMIT = 100 * MB;
const VALUE = Buffer.alloc(256 * 1024, 'v');
/** 4096 x 256 KiB = 1 GiB. */
const WRITES = 4096;
/** Keys without a TTL written first under volatile-* (20 MiB, which must all survive). */
const KEEP = 80;
/**
 * RSS bound asserted (documented in docs/design-memory.md): the empty server's RSS + the limit +
 * slack for V8's young generation and garbage not yet collected.
 */
const rssBound = (): number => baselineRss + LIMIT + 150 * MB;

function field(info: string, name: string): number {
  const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(info);
  return m === null ? Number.NaN : Number(m[1]);
}

interface FillResult {
  errors: string[];
  maxUsed: number;
  ok: number;
}

/** Writes WRITES values (keys v:N, with a TTL when ttl) in pipelines of 64, reading INFO after each. */
async function fill(ttl: boolean): Promise<FillResult> {
  const res: FillResult = { errors: [], maxUsed: 0, ok: 0 };
  for (let b = 0; b < WRITES; b += 64) {
    const p = r.pipeline();
    for (let i = b; i < b + 64; i++) {
      if (ttl) p.set(`v:${i}`, VALUE, 'EX', 100000 + i);
      else p.set(`v:${i}`, VALUE);
    }
    for (const [err] of (await p.exec()) ?? []) {
      if (err) res.errors.push(err.message);
      else res.ok++;
    }
    const used = field(await r.info('memory'), 'used_memory');
    if (used > res.maxUsed) res.maxUsed = used;
  }
  return res;
}

async function reset(policy: string): Promise<void> {
  await r.config('SET', 'maxmemory', '0');
  await r.flushall();
  await r.config('SET', 'maxmemory-policy', policy);
  await r.config('RESETSTAT');
}

describe('maxmemory 100mb, 1 GiB written', () => {
  for (const policy of ['allkeys-lru', 'allkeys-lfu', 'allkeys-random']) {
    test(policy, async () => {
      await reset(policy);
      await r.config('SET', 'maxmemory', '100mb');
      const f = await fill(policy === 'allkeys-random');
      expect(f.errors).toEqual([]);
      expect(f.maxUsed).toBeLessThanOrEqual(LIMIT);
      const info = await r.info();
      expect(field(info, 'evicted_keys')).toBeGreaterThan(0);
      expect(field(info, 'used_memory_rss')).toBeLessThan(rssBound());
      expect(await r.dbsize()).toBeGreaterThan(0);
      expect(await r.exists(`v:${WRITES - 1}`)).toBe(1); // the last write is never the victim
    }, 120_000);
  }

  for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
    test(policy, async () => {
      await reset(policy);
      const p = r.pipeline();
      for (let i = 0; i < KEEP; i++) p.set(`keep:${i}`, VALUE);
      await p.exec();
      await r.config('SET', 'maxmemory', '100mb');
      const f = await fill(true);
      expect(f.errors).toEqual([]);
      expect(f.maxUsed).toBeLessThanOrEqual(LIMIT);
      const info = await r.info();
      expect(field(info, 'evicted_keys')).toBeGreaterThan(0);
      expect(field(info, 'used_memory_rss')).toBeLessThan(rssBound());
      const kept = r.pipeline();
      for (let i = 0; i < KEEP; i++) kept.exists(`keep:${i}`);
      const alive = ((await kept.exec()) ?? []).filter(([, v]) => v === 1).length;
      expect(alive).toBe(KEEP);
      if (policy === 'volatile-ttl') {
        // The soonest-expiring keys (the first written) go first.
        expect(await r.exists('v:0')).toBe(0);
        expect(await r.exists(`v:${WRITES - 1}`)).toBe(1);
      }
    }, 120_000);
  }

  test('noeviction answers OOM and loses no key', async () => {
    await reset('noeviction');
    await r.config('SET', 'maxmemory', '100mb');
    const f = await fill(false);
    expect(f.ok).toBeGreaterThan(0);
    expect(f.errors.length).toBeGreaterThan(0);
    for (const e of new Set(f.errors)) expect(e).toBe("OOM command not allowed when used memory > 'maxmemory'.");
    expect(await r.dbsize()).toBe(f.ok);
    const info = await r.info();
    expect(field(info, 'evicted_keys')).toBe(0);
    expect(await r.get('v:0')).not.toBeNull(); // reads still work
  }, 120_000);
});

describe('what an eviction does', () => {
  test('evicted_keys, the evicted event, and WATCH', async () => {
    await reset('allkeys-random');
    await r.config('SET', 'notify-keyspace-events', 'Ee');
    const sub = new Redis({ port: srv.port, host: '127.0.0.1' });
    const events: string[] = [];
    await sub.subscribe('__keyevent@0__:evicted');
    sub.on('message', (_ch, key) => events.push(key));
    const w = new Redis({ port: srv.port, host: '127.0.0.1' });
    await r.set('watched', 'x');
    await w.watch('watched');
    await r.config('SET', 'maxmemory', '1'); // every key must go before the next command
    expect(await r.dbsize()).toBe(0);
    await r.config('SET', 'maxmemory', '0');
    const tx = await w.multi().set('other', '1').exec();
    expect(tx).toBeNull();
    await r.ping();
    await sub.ping();
    expect(events).toContain('watched');
    expect(field(await r.info('stats'), 'evicted_keys')).toBeGreaterThanOrEqual(1);
    await r.config('SET', 'notify-keyspace-events', '');
    sub.disconnect();
    w.disconnect();
  });

  test('LFU counters grow with accesses and OBJECT FREQ reports them', async () => {
    await reset('allkeys-lfu');
    await r.set('hot', '1');
    await r.set('cold', '1');
    for (let i = 0; i < 200; i++) await r.get('hot');
    const hot = (await r.object('FREQ', 'hot')) as number;
    const cold = (await r.object('FREQ', 'cold')) as number;
    expect(cold).toBe(5);
    expect(hot).toBeGreaterThan(cold);
    await r.config('SET', 'maxmemory-policy', 'noeviction');
  });
});

describe('maxmemory-clients', () => {
  // With io-threads the query buffers live in the I/O workers, which client eviction does not see
  // (a documented difference, docs/design-memory.md).
  test.skipIf(IO_THREADS > 1)('a client holding a big query buffer is disconnected; small and no-evict ones stay', async () => {
    await reset('noeviction');
    await r.config('SET', 'maxmemory-clients', '1mb');
    const guard = new Redis({ port: srv.port, host: '127.0.0.1' });
    await guard.client('NO-EVICT', 'ON');
    const big = await rawClient(srv.port);
    // An announced 4 MB bulk: the query buffer is sized for it at once.
    big.sendRaw(Buffer.from(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000\r\n${'x'.repeat(100_000)}`));
    expect(await big.waitClosed(3000)).toBe(true);
    expect(field(await r.info('stats'), 'evicted_clients')).toBe(1);
    expect(await guard.ping()).toBe('PONG');
    await r.config('SET', 'maxmemory-clients', '0');
    guard.disconnect();
  });
});

describe('lazy free', () => {
  async function waitFreed(min: number): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const info = await r.info('memory');
      if (field(info, 'lazyfree_pending_objects') === 0 && field(info, 'lazyfreed_objects') >= min) return info;
      await new Promise((res) => setTimeout(res, 20));
    }
    return r.info('memory');
  }

  test('UNLINK of a big value frees it in the background; small ones at once', async () => {
    await reset('noeviction');
    const members: string[] = [];
    for (let i = 0; i < 50_000; i++) members.push(`m${i}`);
    await r.sadd('big', ...members);
    await r.hset('bighash', ...members.flatMap((m) => [m, 'v']));
    await r.zadd('bigz', ...members.flatMap((m, i) => [String(i), m]));
    await r.sadd('small', 'a', 'b');
    expect(await r.unlink('big', 'bighash', 'bigz', 'small')).toBe(4);
    expect(await r.exists('big', 'bighash', 'bigz', 'small')).toBe(0);
    const info = await waitFreed(3);
    expect(field(info, 'lazyfreed_objects')).toBe(3);
    // The arena got the members back: a new big set reuses the blocks.
    await r.sadd('again', ...members);
    expect(await r.scard('again')).toBe(50_000);
  });

  test('FLUSHDB ASYNC, FLUSHALL ASYNC and lazyfree-lazy-user-del', async () => {
    await reset('noeviction');
    const p = r.pipeline();
    for (let i = 0; i < 1000; i++) p.set(`k${i}`, 'v');
    await p.exec();
    await r.flushdb('ASYNC');
    expect(await r.dbsize()).toBe(0);
    let info = await waitFreed(1000);
    expect(field(info, 'lazyfreed_objects')).toBe(1000);
    await r.set('a', '1');
    await r.flushall('ASYNC');
    info = await waitFreed(1001);
    expect(field(info, 'lazyfreed_objects')).toBe(1001);
    await r.config('SET', 'lazyfree-lazy-user-del', 'yes');
    await r.sadd('s', ...Array.from({ length: 100 }, (_, i) => `x${i}`));
    expect(await r.del('s')).toBe(1);
    info = await waitFreed(1002);
    expect(field(info, 'lazyfreed_objects')).toBe(1002);
    await r.config('SET', 'lazyfree-lazy-user-del', 'no');
  });
});

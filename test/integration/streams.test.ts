/*
 * Streams over real sockets (ioredis) against a Spindle child process: blocking XREAD and
 * XREADGROUP served by XADD from another client (`$` meaning the last ID at block time), what a
 * blocked XREADGROUP gets when its group or stream goes away, and a consumer-group workload with
 * several consumers, one of which dies without acknowledging, recovered by XAUTOCLAIM: every
 * entry must be delivered (and acknowledged) at least once. Exact replies for small cases are in
 * test/golden/cases/streams.txt. No timing assertions: blocked clients are detected through
 * CLIENT LIST / INFO before the writer runs.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSpindle, type ServerHandle } from '../helpers/servers.ts';

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

function client(): Redis {
  return new Redis({ port: srv.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
}

/** Waits until `n` clients are blocked (INFO clients). */
async function blockedClients(n: number): Promise<void> {
  for (;;) {
    const info = await r.info('clients');
    const m = /blocked_clients:(\d+)/.exec(info);
    if (m && Number(m[1]) >= n) return;
    await new Promise((res) => setTimeout(res, 5));
  }
}

describe('blocking reads', () => {
  test('XREAD BLOCK $ is served by an XADD from another client', async () => {
    await r.flushall();
    await r.xadd('s', '1-1', 'old', 'x');
    const reader = client();
    const p = reader.xread('BLOCK', 0, 'STREAMS', 's', '$');
    await blockedClients(1);
    // A second entry later than the old one, added by another client.
    await r.xadd('s', '2-1', 'f', 'v');
    expect(await p).toEqual([['s', [['2-1', ['f', 'v']]]]]);
    reader.disconnect();
  });

  test('XREAD BLOCK on several streams, served by the one that gets data', async () => {
    await r.flushall();
    const reader = client();
    const p = reader.xread('BLOCK', 0, 'STREAMS', 'a', 'b', '$', '$');
    await blockedClients(1);
    await r.xadd('b', '5-1', 'k', 'v');
    expect(await p).toEqual([['b', [['5-1', ['k', 'v']]]]]);
    reader.disconnect();
  });

  test('a blocked XREAD is served from the signalled key only, as redis-server 7.0.15 does', async () => {
    await r.flushall();
    const reader = client();
    const p = reader.xread('BLOCK', 0, 'STREAMS', 'a', 'b', '$', '$');
    await blockedClients(1);
    // Both keys get data in one EXEC; the first one signalled serves the reader alone.
    await r.multi().xadd('a', '1-1', 'f', 'v').xadd('b', '1-1', 'f', 'v').exec();
    expect(await p).toEqual([['a', [['1-1', ['f', 'v']]]]]);
    reader.disconnect();
  });

  test('a blocked XREADGROUP on two streams fails when the signalled one is deleted', async () => {
    await r.flushall();
    await r.xgroup('CREATE', 'a', 'g', '$', 'MKSTREAM');
    await r.xgroup('CREATE', 'b', 'g', '$', 'MKSTREAM');
    const reader = client();
    const p = reader.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 'a', 'b', '>', '>').catch((e: Error) => e.message);
    await blockedClients(1);
    await r.del('b');
    expect(await p).toBe('UNBLOCKED the stream key no longer exists');
    reader.disconnect();
  });

  test('FLUSHALL and FLUSHDB fail a blocked XREADGROUP, as redis-server 7.0.15 does', async () => {
    for (const flush of [['FLUSHALL'], ['FLUSHDB']]) {
      await r.flushall();
      await r.xgroup('CREATE', 's', 'g', '$', 'MKSTREAM');
      const reader = client();
      const p = reader.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>').catch((e: Error) => e.message);
      await blockedClients(1);
      await r.call(flush[0]!);
      expect(await p).toBe('UNBLOCKED the stream key no longer exists');
      reader.disconnect();
    }
  });

  test('XREAD BLOCK times out with a null', async () => {
    await r.flushall();
    const reader = client();
    expect(await reader.xread('BLOCK', 20, 'STREAMS', 's', '$')).toBeNull();
    reader.disconnect();
  });

  test('two XREAD waiters with different IDs are both looked at', async () => {
    await r.flushall();
    await r.xadd('s', '10-1', 'a', '1');
    const r1 = client();
    const r2 = client();
    const p1 = r1.xread('BLOCK', 0, 'STREAMS', 's', '100-0');
    await blockedClients(1);
    const p2 = r2.xread('BLOCK', 0, 'STREAMS', 's', '$');
    await blockedClients(2);
    await r.xadd('s', '50-1', 'b', '2');
    expect(await p2).toEqual([['s', [['50-1', ['b', '2']]]]]);
    await r.xadd('s', '200-1', 'c', '3');
    expect(await p1).toEqual([['s', [['200-1', ['c', '3']]]]]);
    r1.disconnect();
    r2.disconnect();
  });

  test('a blocked XREAD keeps waiting when its stream is overwritten or deleted', async () => {
    await r.flushall();
    await r.xadd('s', '1-1', 'a', '1');
    const reader = client();
    const p = reader.xread('BLOCK', 0, 'STREAMS', 's', '$');
    await blockedClients(1);
    await r.set('s', 'string now');
    await r.del('s');
    await r.ping();
    await blockedClients(1);
    // A new stream under the name: an entry below the awaited ID does not serve the reader.
    await r.xadd('s', '0-5', 'b', '2');
    await r.ping();
    await blockedClients(1);
    await r.xadd('s', '2-1', 'c', '3');
    expect(await p).toEqual([['s', [['2-1', ['c', '3']]]]]);
    reader.disconnect();
  });

  test('XREADGROUP BLOCK > is served by XADD and adds to the PEL', async () => {
    await r.flushall();
    await r.xgroup('CREATE', 's', 'g', '$', 'MKSTREAM');
    const reader = client();
    const p = reader.xreadgroup('GROUP', 'g', 'c1', 'BLOCK', 0, 'STREAMS', 's', '>');
    await blockedClients(1);
    await r.xadd('s', '1-1', 'f', 'v');
    expect(await p).toEqual([['s', [['1-1', ['f', 'v']]]]]);
    const pending = (await r.xpending('s', 'g')) as unknown[];
    expect(pending[0]).toBe(1);
    reader.disconnect();
  });

  test('a blocked XREADGROUP fails when its group is destroyed or its stream deleted', async () => {
    await r.flushall();
    await r.xgroup('CREATE', 's', 'g', '$', 'MKSTREAM');
    const c1 = client();
    const p1 = c1.xreadgroup('GROUP', 'g', 'c1', 'BLOCK', 0, 'STREAMS', 's', '>').catch((e: Error) => e.message);
    await blockedClients(1);
    await r.xgroup('DESTROY', 's', 'g');
    expect(await p1).toBe('NOGROUP the consumer group this client was blocked on no longer exists');
    await r.xgroup('CREATE', 's', 'g', '$');
    const p2 = c1.xreadgroup('GROUP', 'g', 'c1', 'BLOCK', 0, 'STREAMS', 's', '>').catch((e: Error) => e.message);
    await blockedClients(1);
    await r.del('s');
    expect(await p2).toBe('UNBLOCKED the stream key no longer exists');
    c1.disconnect();
  });
});

describe('consumer group workload', () => {
  test('several consumers, one dies without acking, XAUTOCLAIM recovers everything', async () => {
    await r.flushall();
    const N = 300;
    await r.xgroup('CREATE', 'jobs', 'workers', '0', 'MKSTREAM');
    const pipe = r.pipeline();
    for (let i = 0; i < N; i++) pipe.xadd('jobs', '*', 'job', String(i));
    await pipe.exec();

    const acked = new Set<string>();
    const delivered = new Map<string, number>();
    const workers = [client(), client(), client()];
    const dying = client();
    // The dying consumer reads a batch and disconnects without acking.
    const lost = (await dying.xreadgroup('GROUP', 'workers', 'dead', 'COUNT', 25, 'STREAMS', 'jobs', '>')) as [
      string,
      [string, string[]][],
    ][];
    for (const [id] of lost[0]![1]) delivered.set(id, (delivered.get(id) ?? 0) + 1);
    dying.disconnect();

    // Live workers consume the rest in turns, acking what they get.
    let progress = true;
    while (progress) {
      progress = false;
      for (let w = 0; w < workers.length; w++) {
        const res = (await workers[w]!.xreadgroup('GROUP', 'workers', `w${w}`, 'COUNT', 10, 'STREAMS', 'jobs', '>')) as
          | [string, [string, string[]][]][]
          | null;
        if (res === null) continue;
        progress = true;
        const ids = res[0]![1].map(([id]) => id);
        for (const id of ids) delivered.set(id, (delivered.get(id) ?? 0) + 1);
        await workers[w]!.xack('jobs', 'workers', ...ids);
        for (const id of ids) acked.add(id);
      }
    }
    expect(acked.size).toBe(N - 25);

    // Recovery: worker 0 claims what the dead consumer left, in cursor steps.
    let cursor = '0-0';
    do {
      const [next, entries, deleted] = (await workers[0]!.xautoclaim('jobs', 'workers', 'w0', 0, cursor, 'COUNT', 7)) as [
        string,
        [string, string[]][],
        string[],
      ];
      expect(deleted).toEqual([]);
      for (const [id] of entries) {
        delivered.set(id, (delivered.get(id) ?? 0) + 1);
        await workers[0]!.xack('jobs', 'workers', id);
        acked.add(id);
      }
      cursor = next;
    } while (cursor !== '0-0');

    const all = (await r.xrange('jobs', '-', '+')).map(([id]) => id);
    expect(all.length).toBe(N);
    for (const id of all) {
      expect(acked.has(id)).toBe(true);
      expect(delivered.get(id)).toBeGreaterThanOrEqual(1);
    }
    expect(((await r.xpending('jobs', 'workers')) as unknown[])[0]).toBe(0);
    const consumers = (await r.xinfo('CONSUMERS', 'jobs', 'workers')) as unknown[][];
    expect(consumers.map((c) => c[1]).sort()).toEqual(['dead', 'w0', 'w1', 'w2']);
    for (const w of workers) w.disconnect();
  });

  test('XAUTOCLAIM reports entries deleted while pending', async () => {
    await r.flushall();
    await r.xadd('s', '1-1', 'a', '1');
    await r.xadd('s', '2-1', 'a', '2');
    await r.xgroup('CREATE', 's', 'g', '0');
    await r.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>');
    await r.xdel('s', '1-1');
    const res = (await r.xautoclaim('s', 'g', 'c2', 0, '0')) as unknown[];
    expect(res[0]).toBe('0-0');
    expect(res[2]).toEqual(['1-1']);
  });
});

describe('big streams', () => {
  test('100k entries in many blocks: ranges, deletes and trims agree with a model', async () => {
    await r.flushall();
    const N = 20000;
    for (let base = 0; base < N; base += 1000) {
      const pipe = r.pipeline();
      for (let i = base; i < base + 1000; i++) pipe.xadd('big', `${i + 1}-0`, 'n', String(i), 'pad', 'x'.repeat(i % 50));
      await pipe.exec();
    }
    expect(await r.xlen('big')).toBe(N);
    const pipe = r.pipeline();
    for (let i = 0; i < N; i += 3) pipe.xdel('big', `${i + 1}-0`);
    await pipe.exec();
    const live = [];
    for (let i = 0; i < N; i++) if (i % 3 !== 0) live.push(`${i + 1}-0`);
    expect(await r.xlen('big')).toBe(live.length);
    const got = (await r.xrange('big', '5000', '9000')).map(([id]) => id);
    expect(got).toEqual(live.filter((id) => Number(id.split('-')[0]) >= 5000 && Number(id.split('-')[0]) <= 9000));
    const rev = (await r.xrevrange('big', '+', '-', 'COUNT', 10)).map(([id]) => id);
    expect(rev).toEqual(live.slice(-10).reverse());
    await r.xtrim('big', 'MAXLEN', 1000);
    expect(await r.xlen('big')).toBe(1000);
    expect((await r.xrange('big', '-', '+')).map(([id]) => id)).toEqual(live.slice(-1000));
    expect(await r.object('ENCODING', 'big')).toBe('stream');
  });
});

/*
 * MULTI/EXEC/WATCH across connections (src/server/multi.ts, src/commands/transactions.ts and the
 * dispatcher's queueing): WATCH broken by another client's writes, by FLUSHALL/SWAPDB and by
 * expiry, WATCH of an already expired key, EXEC atomicity under concurrent clients, optimistic
 * locking with retries, a blocked BLPOP served by an LPUSH inside another client's EXEC,
 * CLIENT LIST's view of a transaction, and commandstats of EXEC. One-connection behaviour is
 * compared byte for byte with redis-server 7.0.15 in test/golden/cases/multi.txt; what is asserted
 * here was checked against redis-server 7.0.15 too (INTEGRATION_SERVER=redis runs these tests
 * against a real redis-server). Runs with io-threads 1 and (SPINDLE_IO_THREADS=4) 4.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { decode, strs } from '../helpers/resp.ts';
import { encodeCommand, rawClient, startRedis, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;
let admin: RawClient;
let open: { close(): void }[] = [];

beforeAll(async () => {
  const args = ['--enable-debug-command', 'yes'];
  srv = process.env.INTEGRATION_SERVER === 'redis' ? await startRedis(args) : await startSpindle(args);
  admin = await rawClient(srv.port);
});

afterAll(async () => {
  admin?.close();
  await srv?.stop();
});

beforeEach(async () => {
  await admin.send(['FLUSHALL']);
});

afterEach(() => {
  for (const c of open) c.close();
  open = [];
});

const s = (b: Buffer) => b.toString('latin1');
const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

async function client(): Promise<RawClient> {
  const c = await rawClient(srv.port);
  open.push(c);
  return c;
}

function ioredis(): Redis {
  const r = new Redis({ port: srv.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  open.push({ close: () => r.disconnect() });
  return r;
}

/** Runs MULTI, the queued commands and EXEC on c; returns EXEC's raw reply. */
async function transaction(c: RawClient, ...cmds: string[][]): Promise<string> {
  expect(s(await c.send(['MULTI']))).toBe('+OK\r\n');
  for (const cmd of cmds) expect(s(await c.send(cmd))).toBe('+QUEUED\r\n');
  return s(await c.send(['EXEC']));
}

async function info(section: string, field: string): Promise<string> {
  const text = s(await admin.send(['INFO', section]));
  return new RegExp(`\r\n${field}:([^\r]*)`).exec(text)?.[1] ?? '';
}

describe('WATCH broken by another client', () => {
  // [what the other client runs, the watched key, how the key is set up first]
  const breakers: [string, string[], string, string[][]][] = [
    ['SET', ['SET', 'k', 'new'], 'k', [['SET', 'k', 'old']]],
    ['SET on a missing key', ['SET', 'k', 'new'], 'k', []],
    ['DEL', ['DEL', 'k'], 'k', [['SET', 'k', 'old']]],
    ['EXPIRE', ['EXPIRE', 'k', '100'], 'k', [['SET', 'k', 'old']]],
    ['LPUSH', ['LPUSH', 'l', 'x'], 'l', [['RPUSH', 'l', 'a']]],
    ['HSET', ['HSET', 'h', 'f', 'v2'], 'h', [['HSET', 'h', 'f', 'v']]],
    ['SADD', ['SADD', 's', 'm2'], 's', [['SADD', 's', 'm']]],
    ['ZADD', ['ZADD', 'z', '2', 'm2'], 'z', [['ZADD', 'z', '1', 'm']]],
    ['FLUSHALL', ['FLUSHALL'], 'k', [['SET', 'k', 'old']]],
    ['FLUSHDB', ['FLUSHDB'], 'k', [['SET', 'k', 'old']]],
    ['SWAPDB', ['SWAPDB', '0', '1'], 'k', [['SET', 'k', 'old']]],
  ];
  for (const [name, cmd, key, setup] of breakers) {
    test(`${name} makes the watcher's EXEC null and nothing queued runs`, async () => {
      const watcher = await client();
      const other = await client();
      for (const c of setup) await other.send(c);
      expect(s(await watcher.send(['WATCH', key]))).toBe('+OK\r\n');
      expect(s(await other.send(cmd)).startsWith('-')).toBe(false);
      expect(await transaction(watcher, ['SET', 'ran', '1'], ['INCR', 'counter'])).toBe('*-1\r\n');
      expect(s(await admin.send(['EXISTS', 'ran', 'counter']))).toBe(':0\r\n');
      // The failed EXEC unwatched: the next transaction runs.
      expect(await transaction(watcher, ['SET', 'ran', '1'])).toBe('*1\r\n+OK\r\n');
    });
  }

  test('reads, writes to other keys and no-op writes leave the watch alone', async () => {
    const watcher = await client();
    const other = await client();
    await other.send(['SET', 'k', 'v']);
    await other.send(['RPUSH', 'l', 'a']);
    expect(s(await watcher.send(['WATCH', 'k', 'l', 'missing']))).toBe('+OK\r\n');
    await other.send(['GET', 'k']);
    await other.send(['LRANGE', 'l', '0', '-1']);
    await other.send(['SET', 'k2', 'v']);
    await other.send(['DEL', 'missing']); // nothing deleted: no change
    await other.send(['SELECT', '3']);
    await other.send(['SET', 'k', 'other-db']);
    expect(await transaction(watcher, ['GET', 'k'])).toBe('*1\r\n$1\r\nv\r\n');
  });

  test('every watcher of a key loses, watchers of other keys do not', async () => {
    const ws = [await client(), await client(), await client()];
    const other = await client();
    await other.send(['SET', 'k', 'v']);
    await ws[0].send(['WATCH', 'k']);
    await ws[1].send(['WATCH', 'j', 'k']);
    await ws[2].send(['WATCH', 'j']);
    await other.send(['APPEND', 'k', 'x']);
    expect(await transaction(ws[0], ['PING'])).toBe('*-1\r\n');
    expect(await transaction(ws[1], ['PING'])).toBe('*-1\r\n');
    expect(await transaction(ws[2], ['PING'])).toBe('*1\r\n+PONG\r\n');
  });

  test('a watcher\'s own EXEC breaks the watch of another client', async () => {
    const a = await client();
    const b = await client();
    await a.send(['WATCH', 'k']);
    await b.send(['WATCH', 'k']);
    expect(await transaction(a, ['SET', 'k', 'a'])).toBe('*1\r\n+OK\r\n');
    expect(await transaction(b, ['SET', 'k', 'b'])).toBe('*-1\r\n');
    expect(s(await admin.send(['GET', 'k']))).toBe('$1\r\na\r\n');
  });

  test('a watcher that disconnects is forgotten', async () => {
    const gone = await client();
    const stays = await client();
    await gone.send(['WATCH', 'k']);
    await stays.send(['WATCH', 'k']);
    gone.close();
    await sleep(20);
    expect(s(await admin.send(['SET', 'k', 'v']))).toBe('+OK\r\n');
    expect(await transaction(stays, ['PING'])).toBe('*-1\r\n');
  });
});

describe('WATCH and expiry', () => {
  afterEach(async () => {
    await admin.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
  });

  test('a key expiring between WATCH and EXEC makes EXEC null (active expiry)', async () => {
    const watcher = await client();
    await admin.send(['SET', 'k', 'v', 'PX', '100']);
    await watcher.send(['WATCH', 'k']);
    // Wait until active expiry has deleted it (nobody touches the key).
    for (let i = 0; i < 300 && s(await admin.send(['DBSIZE'])) !== ':0\r\n'; i++) await sleep(10);
    expect(s(await admin.send(['DBSIZE']))).toBe(':0\r\n');
    expect(await transaction(watcher, ['PING'])).toBe('*-1\r\n');
  });

  test('a key expiring between WATCH and EXEC makes EXEC null (still in memory at EXEC)', async () => {
    await admin.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    const watcher = await client();
    await admin.send(['SET', 'k', 'v', 'PX', '50']);
    await watcher.send(['WATCH', 'k']);
    await sleep(100);
    expect(s(await admin.send(['DBSIZE']))).toBe(':1\r\n'); // logically expired, not yet deleted
    expect(await transaction(watcher, ['PING'])).toBe('*-1\r\n');
  });

  test('a key watched while already expired, then deleted by another client: EXEC runs', async () => {
    await admin.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    const watcher = await client();
    const other = await client();
    await other.send(['SET', 'k', 'v', 'PX', '10']);
    await sleep(40);
    expect(s(await admin.send(['DBSIZE']))).toBe(':1\r\n');
    await watcher.send(['WATCH', 'k']);
    expect(s(await other.send(['DEL', 'k']))).toBe(':0\r\n'); // expired on access, nothing left to delete
    expect(s(await admin.send(['DBSIZE']))).toBe(':0\r\n');
    expect(await transaction(watcher, ['SET', 'k', 'mine'])).toBe('*1\r\n+OK\r\n');
  });

  test('a key watched while already expired, then deleted by active expiry: EXEC runs', async () => {
    await admin.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    const watcher = await client();
    await admin.send(['SET', 'k', 'v', 'PX', '10']);
    await sleep(40);
    await watcher.send(['WATCH', 'k']);
    await admin.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
    for (let i = 0; i < 300 && s(await admin.send(['DBSIZE'])) !== ':0\r\n'; i++) await sleep(10);
    expect(s(await admin.send(['DBSIZE']))).toBe(':0\r\n');
    expect(await transaction(watcher, ['PING'])).toBe('*1\r\n+PONG\r\n');
  });

  test('a key watched while already expired, then written by another client: EXEC null', async () => {
    await admin.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    const watcher = await client();
    const other = await client();
    await other.send(['SET', 'k', 'v', 'PX', '10']);
    await sleep(40);
    await watcher.send(['WATCH', 'k']);
    await other.send(['SET', 'k', 'fresh']);
    expect(await transaction(watcher, ['PING'])).toBe('*-1\r\n');
  });

  test('FLUSHALL and SWAPDB do not break a watch on a key that was already expired', async () => {
    await admin.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    const watcher = await client();
    await admin.send(['SET', 'k', 'v', 'PX', '10']);
    await admin.send(['SET', 'j', 'v', 'PX', '10']);
    await sleep(40);
    await watcher.send(['WATCH', 'k']);
    await admin.send(['FLUSHALL']);
    expect(await transaction(watcher, ['PING'])).toBe('*1\r\n+PONG\r\n');
    await admin.send(['SET', 'j', 'v', 'PX', '10']);
    await sleep(40);
    await watcher.send(['WATCH', 'j']);
    await admin.send(['SWAPDB', '0', '1']);
    expect(await transaction(watcher, ['PING'])).toBe('*1\r\n+PONG\r\n');
  });
});

describe('atomicity and concurrency', () => {
  test('a transaction\'s commands run back to back while other clients hammer the same key', async () => {
    const T = 150;
    const txClients = [await client(), await client(), await client(), await client()];
    const hammers = [await client(), await client()];
    const hammerDone = hammers.map(async (h) => {
      h.sendRaw(Buffer.concat(Array.from({ length: 1500 }, () => encodeCommand(['INCR', 'c']))));
      for (let i = 0; i < 1500; i++) await h.readReply();
    });
    const txDone = txClients.map(async (c) => {
      const one = Buffer.concat([
        encodeCommand(['MULTI']),
        encodeCommand(['INCR', 'c']),
        encodeCommand(['INCR', 'c']),
        encodeCommand(['INCR', 'c']),
        encodeCommand(['RPUSH', 'log', 'tx']),
        encodeCommand(['EXEC']),
      ]);
      c.sendRaw(Buffer.concat(Array.from({ length: T }, () => one)));
      for (let t = 0; t < T; t++) {
        for (let i = 0; i < 5; i++) await c.readReply(); // +OK and 4 x +QUEUED
        const r = strs(decode(await c.readReply())).map(Number);
        expect(r).toHaveLength(4);
        expect([r[1] - r[0], r[2] - r[1]]).toEqual([1, 1]);
      }
    });
    await Promise.all([...hammerDone, ...txDone]);
    expect(s(await admin.send(['GET', 'c']))).toBe(`$4\r\n${2 * 1500 + 4 * T * 3}\r\n`);
    expect(s(await admin.send(['LLEN', 'log']))).toBe(`:${4 * T}\r\n`);
  });

  test('WATCH-based increments from concurrent clients lose no update', async () => {
    const workers = 5;
    const each = 30;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        const r = ioredis();
        for (let i = 0; i < each; i++) {
          for (;;) {
            await r.watch('counter');
            const v = Number((await r.get('counter')) ?? '0');
            const res = await r.multi().set('counter', String(v + 1)).exec();
            if (res !== null) break;
          }
        }
      }),
    );
    expect(await ioredis().get('counter')).toBe(String(workers * each));
  });

  test('a long transaction from ioredis: 5,000 queued commands', async () => {
    const r = ioredis();
    const m = r.multi();
    for (let i = 0; i < 5000; i++) m.rpush('big', String(i));
    m.lrange('big', 0, 2);
    const res = (await m.exec()) as [Error | null, unknown][];
    expect(res).toHaveLength(5001);
    expect(res[4999]).toEqual([null, 5000]);
    expect(res[5000]).toEqual([null, ['0', '1', '2']]);
  });
});

describe('blocked clients and EXEC', () => {
  async function blockedClients(): Promise<string> {
    return info('clients', 'blocked_clients');
  }

  test('a BLPOP client is served by an LPUSH inside another client\'s EXEC, after the whole transaction', async () => {
    const blocked = await client();
    const tx = await client();
    blocked.sendRaw(encodeCommand(['BLPOP', 'l', '0']));
    for (let i = 0; i < 200 && (await blockedClients()) !== '1'; i++) await sleep(5);
    expect(await blockedClients()).toBe('1');
    // Both pushes land before the blocked client is served: it gets the head, "b".
    expect(await transaction(tx, ['LPUSH', 'l', 'a'], ['LPUSH', 'l', 'b'])).toBe('*2\r\n:1\r\n:2\r\n');
    expect(s(await blocked.readReply())).toBe('*2\r\n$1\r\nl\r\n$1\r\nb\r\n');
    expect(s(await admin.send(['LRANGE', 'l', '0', '-1']))).toBe('*1\r\n$1\r\na\r\n');

    // A transaction that pushes and pops again leaves the client blocked.
    await admin.send(['DEL', 'l']);
    blocked.sendRaw(encodeCommand(['BLPOP', 'l', '0']));
    for (let i = 0; i < 200 && (await blockedClients()) !== '1'; i++) await sleep(5);
    expect(await transaction(tx, ['LPUSH', 'l', 'c'], ['LPOP', 'l'])).toBe('*2\r\n:1\r\n$1\r\nc\r\n');
    await sleep(30);
    expect(await blockedClients()).toBe('1');
    expect(s(await admin.send(['LPUSH', 'l', 'd']))).toBe(':1\r\n');
    expect(s(await blocked.readReply())).toBe('*2\r\n$1\r\nl\r\n$1\r\nd\r\n');
  });

  test('a blocking command inside EXEC does not block even when another client could serve it', async () => {
    const tx = await client();
    expect(await transaction(tx, ['BLPOP', 'l', '0'], ['BRPOPLPUSH', 'l', 'm', '0'])).toBe('*2\r\n*-1\r\n$-1\r\n');
    expect(await blockedClients()).toBe('0');
  });
});

describe('introspection', () => {
  test('CLIENT LIST: multi= counts queued commands, flags x and d', async () => {
    const tx = await client();
    const other = await client();
    const id = s(await tx.send(['CLIENT', 'ID'])).slice(1, -2);
    const line = async () => s(await admin.send(['CLIENT', 'LIST', 'ID', id]));
    expect(await line()).toMatch(/ flags=N .* multi=-1 .* multi-mem=0 /);
    await tx.send(['SET', 'k', '1']);
    await tx.send(['WATCH', 'k']);
    await tx.send(['MULTI']);
    await tx.send(['SET', 'k', '2']);
    await tx.send(['GET', 'k']);
    const queued = await line();
    expect(queued).toMatch(/ flags=x .* multi=2 /);
    expect(Number(/ multi-mem=(\d+) /.exec(queued)?.[1])).toBeGreaterThan(0);
    await other.send(['SET', 'k', 'x']);
    expect(await line()).toMatch(/ flags=xd .* multi=2 /);
    // A doomed transaction queues nothing more.
    await tx.send(['INCR', 'k']);
    expect(await line()).toMatch(/ flags=xd .* multi=2 /);
    expect(s(await tx.send(['EXEC']))).toBe('*-1\r\n');
    expect(await line()).toMatch(/ flags=N .* multi=-1 .* multi-mem=0 /);
    // Dirty without MULTI: just d.
    await tx.send(['WATCH', 'k']);
    await other.send(['DEL', 'k']);
    expect(await line()).toMatch(/ flags=d .* multi=-1 /);
    await tx.send(['UNWATCH']);
    expect(await line()).toMatch(/ flags=N /);
  });

  test('commandstats: EXEC is not a failed call when a queued command fails; EXECABORT is', async () => {
    const tx = await client();
    await admin.send(['CONFIG', 'RESETSTAT']);
    expect(await transaction(tx, ['SET', 'a', 'b'], ['INCR', 'a'])).toBe('*2\r\n+OK\r\n-ERR value is not an integer or out of range\r\n');
    expect(s(await tx.send(['MULTI']))).toBe('+OK\r\n');
    expect(s(await tx.send(['GET']))).toMatch(/^-ERR wrong number of arguments/);
    expect(s(await tx.send(['EXEC']))).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    const stats = s(await admin.send(['INFO', 'commandstats']));
    expect(stats).toMatch(/cmdstat_exec:calls=2,.*,rejected_calls=0,failed_calls=1\r\n/);
    expect(stats).toMatch(/cmdstat_incr:calls=1,.*,rejected_calls=0,failed_calls=1\r\n/);
    expect(stats).toMatch(/cmdstat_set:calls=1,.*,rejected_calls=0,failed_calls=0\r\n/);
    expect(stats).toMatch(/cmdstat_get:calls=0,.*,rejected_calls=1,failed_calls=0\r\n/);
    expect(stats).toMatch(/cmdstat_multi:calls=2,/);
  });
});

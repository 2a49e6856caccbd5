/*
 * List commands over real sockets: ioredis for behaviour, raw RESP where the bytes matter, and
 * several connections for the blocking commands (first come first served, BLMOVE chains,
 * timeouts, disconnects, wrong types). Single-connection replies, errors and encodings are
 * compared with redis-server 7.0.15 in test/golden/cases/lists.txt; the quicklist layout is
 * checked against redis by scripts/list-diff.ts. What the commands propagate is compared with
 * redis-server's AOF in test/golden/aof-cases/lists.txt; the streams of blocked clients served
 * later (two connections) and of SORT meeting expired keys with active expiry off are checked at
 * the end, against what redis-server 7.0.15 wrote for the same steps.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { opArgs, type PropagatedOp } from '../../src/server/propagation.ts';
import { startInProcess, type InProcess } from '../helpers/in-process.ts';
import { rawClient, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;
let r: Redis;
const extra: Redis[] = [];

beforeAll(async () => {
  srv = await startSpindle();
  r = client();
});

afterAll(async () => {
  for (const c of extra) c.disconnect();
  r?.disconnect();
  await srv?.stop();
});

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

function client(): Redis {
  const c = new Redis({ port: srv.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  extra.push(c);
  return c;
}

/** Waits until the server reports `n` blocked clients. */
async function waitBlocked(n: number): Promise<void> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const info = await r.info('clients');
    const m = /blocked_clients:(\d+)/.exec(info);
    if (m !== null && Number(m[1]) === n) return;
    if (Date.now() > deadline) throw new Error(`expected ${n} blocked clients, INFO says ${m?.[1]}`);
    await sleep(5);
  }
}

async function raw(cmds: (string | Buffer)[][]): Promise<string[]> {
  const c: RawClient = await rawClient(srv.port);
  try {
    const out: string[] = [];
    for (const cmd of cmds) out.push((await c.send(cmd)).toString('latin1'));
    return out;
  } finally {
    c.close();
  }
}

describe('non-blocking commands', () => {
  test('push, pop, range, index on a list spanning many nodes', async () => {
    await r.flushall();
    const vals = Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? String(i) : `v${i}-${'x'.repeat(i % 90)}`));
    for (let i = 0; i < vals.length; i += 500) await r.rpush('l', ...vals.slice(i, i + 500));
    expect(await r.llen('l')).toBe(5000);
    expect(await r.lrange('l', 0, -1)).toEqual(vals);
    expect(await r.lrange('l', 2500, 2504)).toEqual(vals.slice(2500, 2505));
    expect(await r.lindex('l', 4321)).toBe(vals[4321]);
    expect(await r.lindex('l', -1)).toBe(vals[4999]);
    const model = [...vals];
    expect(await r.lpop('l', 3)).toEqual(model.splice(0, 3));
    expect(await r.rpop('l')).toBe(model.pop());
    expect(await r.object('ENCODING', 'l')).toBe('quicklist');
    expect(await r.lrem('l', 0, vals[100])).toBe(1);
    model.splice(model.indexOf(vals[100]), 1);
    expect(await r.lpos('l', vals[200])).toBe(model.indexOf(vals[200]));
    await r.ltrim('l', 10, 19);
    expect(await r.lrange('l', 0, -1)).toEqual(model.slice(10, 20));
  });

  test('binary elements round-trip', async () => {
    await r.flushall();
    const bins = [Buffer.from([0, 1, 2, 255]), Buffer.from('\r\n$3\r\n'), Buffer.alloc(0), Buffer.alloc(70000, 7)];
    await r.rpush('b', ...bins);
    expect(await r.lrangeBuffer('b', 0, -1)).toEqual(bins);
    expect(await r.lpos('b', bins[1])).toBe(1);
    expect(await r.lrem('b', 0, bins[2])).toBe(1);
    expect(await r.lindexBuffer('b', 2)).toEqual(bins[3]);
  });

  test('integers are stored compactly and read back in their decimal text', async () => {
    await r.flushall();
    const ints = ['0', '-1', '127', '128', '4095', '-4096', '32767', '8388607', '2147483647', '9223372036854775807', '-9223372036854775808'];
    await r.rpush('n', ...ints, '007', '1.0');
    expect(await r.lrange('n', 0, -1)).toEqual([...ints, '007', '1.0']);
    expect(await raw([['LINDEX', 'n', '9'], ['LPOS', 'n', '07'], ['LREM', 'n', '0', '-9223372036854775808']])).toEqual([
      '$19\r\n9223372036854775807\r\n',
      '$-1\r\n',
      ':1\r\n',
    ]);
  });

  test('lists created after CONFIG SET use the new node size and compression', async () => {
    await r.flushall();
    await r.config('SET', 'list-max-listpack-size', '3', 'list-compress-depth', '1');
    try {
      const vals = Array.from({ length: 300 }, (_, i) => `${i}${'c'.repeat(80)}`);
      await r.rpush('c', ...vals);
      expect(await r.lrange('c', 0, -1)).toEqual(vals);
      await r.linsert('c', 'BEFORE', vals[150], 'mid');
      await r.lset('c', 200, 'set');
      expect(await r.lindex('c', 150)).toBe('mid');
      expect(await r.lindex('c', 200)).toBe('set');
      expect(await r.copy('c', 'c2')).toBe(1);
      expect(await r.lrange('c2', 0, -1)).toEqual(await r.lrange('c', 0, -1));
    } finally {
      await r.config('SET', 'list-max-listpack-size', '-2', 'list-compress-depth', '0');
    }
  });

  test('LMOVE rotates and moves between lists, deleting emptied sources', async () => {
    await r.flushall();
    await r.rpush('a', '1', '2', '3');
    expect(await r.lmove('a', 'a', 'LEFT', 'RIGHT')).toBe('1');
    expect(await r.lrange('a', 0, -1)).toEqual(['2', '3', '1']);
    expect(await r.rpoplpush('a', 'b')).toBe('1');
    expect(await r.lmove('a', 'b', 'RIGHT', 'RIGHT')).toBe('3');
    expect(await r.lmove('a', 'b', 'LEFT', 'LEFT')).toBe('2');
    expect(await r.exists('a')).toBe(0);
    expect(await r.lrange('b', 0, -1)).toEqual(['2', '1', '3']);
    expect(await r.lmpop(2, 'a', 'b', 'RIGHT', 'COUNT', 2)).toEqual(['b', ['3', '1']]);
  });

  // One-node lists are listpack bytes in the key's record, bigger ones Quicklist objects: both
  // must look the same from outside (quicklist encoding, replies, COPY/RENAME, deletion when empty).
  test('a one-node list (record bytes) and a list grown past one node behave alike', async () => {
    await r.flushall();
    await r.rpush('s', 'a', '2', 'ccc');
    expect(await r.type('s')).toBe('list');
    expect(await r.object('ENCODING', 's')).toBe('quicklist');
    expect(await r.lrange('s', 0, -1)).toEqual(['a', '2', 'ccc']);
    expect(await r.copy('s', 's2')).toBe(1);
    await r.rpush('s2', 'x');
    expect(await r.lrange('s', 0, -1)).toEqual(['a', '2', 'ccc']);
    expect(await r.lrange('s2', 0, -1)).toEqual(['a', '2', 'ccc', 'x']);
    await r.rename('s2', 's3');
    expect(await r.exists('s2')).toBe(0);
    expect(await r.object('ENCODING', 's3')).toBe('quicklist');
    expect(await r.lrange('s3', 0, -1)).toEqual(['a', '2', 'ccc', 'x']);
    await r.lset('s3', 1, 'two');
    expect(await r.linsert('s3', 'BEFORE', 'x', 'w')).toBe(5);
    expect(await r.lrem('s3', 1, 'a')).toBe(1);
    expect(await r.lrange('s3', 0, -1)).toEqual(['two', 'ccc', 'w', 'x']);
    expect(await r.lpop('s', 2)).toEqual(['a', '2']);
    expect(await r.lpop('s')).toBe('ccc');
    expect(await r.exists('s')).toBe(0);

    // Grow past one node (8 KiB at fill -2), in one push and element by element.
    const big = Array.from({ length: 300 }, (_, i) => `${i}-${'y'.repeat(60)}`);
    await r.rpush('g', 'first');
    for (const v of big) await r.rpush('g', v);
    await r.rpush('h', ...big);
    for (const k of ['g', 'h']) {
      expect(await r.object('ENCODING', k)).toBe('quicklist');
      expect(await r.llen(k)).toBe(k === 'g' ? 301 : 300);
    }
    expect(await r.lrange('g', 0, -1)).toEqual(['first', ...big]);
    expect(await r.lindex('h', 250)).toBe(big[250]);
    expect(await r.copy('h', 'h2')).toBe(1);
    expect(await r.lrange('h2', -2, -1)).toEqual(big.slice(-2));
    // LSET with a big element turns a one-node list into two nodes.
    await r.rpush('t', 'a', 'b');
    await r.lset('t', 0, 'z'.repeat(9000));
    expect(await r.lrange('t', 0, -1)).toEqual(['z'.repeat(9000), 'b']);
    // LMOVE between a byte-stored list and an object list, both ways, and into a new key.
    expect(await r.lmove('h', 'u', 'LEFT', 'LEFT')).toBe(big[0]);
    expect(await r.lmove('u', 'h', 'LEFT', 'LEFT')).toBe(big[0]);
    expect(await r.exists('u')).toBe(0);
    expect(await r.lrange('h', 0, -1)).toEqual(big);
    expect(await r.ltrim('h', 0, 0)).toBe('OK');
    expect(await r.lrange('h', 0, -1)).toEqual([big[0]]);
    expect(await r.rpop('h')).toBe(big[0]);
    expect(await r.exists('h')).toBe(0);
    expect(await r.lpop('g', 1000)).toEqual(['first', ...big]);
    expect(await r.exists('g')).toBe(0);
    // SORT ... STORE builds a small list.
    await r.rpush('n', '3', '1', '2');
    expect(await r.sort('n', 'STORE', 'ns')).toBe(3);
    expect(await r.lrange('ns', 0, -1)).toEqual(['1', '2', '3']);
    expect(await r.object('ENCODING', 'ns')).toBe('quicklist');
  });
});

describe('blocking commands', () => {
  test('clients blocked on one key are served first come, first served', async () => {
    await r.flushall();
    const cs = [client(), client(), client()];
    const got: Promise<[string, string] | null>[] = [];
    for (let i = 0; i < cs.length; i++) {
      got.push(cs[i].blpop('q', 0));
      await waitBlocked(i + 1);
    }
    expect(await r.rpush('q', 'a', 'b')).toBe(2);
    expect(await got[0]).toEqual(['q', 'a']);
    expect(await got[1]).toEqual(['q', 'b']);
    await waitBlocked(1);
    await r.lpush('q', 'c');
    expect(await got[2]).toEqual(['q', 'c']);
    await waitBlocked(0);
    expect(await r.exists('q')).toBe(0);
  });

  test('one push of several elements serves several BLPOP/BRPOP clients from the right ends', async () => {
    await r.flushall();
    const a = client();
    const b = client();
    const pa = a.blpop('k', 0);
    await waitBlocked(1);
    const pb = b.brpop('k', 0);
    await waitBlocked(2);
    await r.rpush('k', 'x', 'y', 'z');
    expect(await pa).toEqual(['k', 'x']);
    expect(await pb).toEqual(['k', 'z']);
    expect(await r.lrange('k', 0, -1)).toEqual(['y']);
  });

  test('BLPOP on several keys takes the first that gets data', async () => {
    await r.flushall();
    const c = client();
    const p = c.blpop('k1', 'k2', 'k3', 0);
    await waitBlocked(1);
    await r.rpush('k3', 'v3');
    expect(await p).toEqual(['k3', 'v3']);
    await r.rpush('k2', 'v2');
    await r.rpush('k1', 'v1');
    // Data already there: the first key in argument order wins.
    expect(await c.blpop('k3', 'k2', 'k1', 0)).toEqual(['k2', 'v2']);
  });

  test('BLMOVE chain: one push moves the element through every blocked client', async () => {
    await r.flushall();
    const c1 = client();
    const c2 = client();
    const c3 = client();
    const p1 = c1.blmove('a', 'b', 'LEFT', 'RIGHT', 0);
    await waitBlocked(1);
    const p2 = c2.brpoplpush('b', 'c', 0);
    await waitBlocked(2);
    const p3 = c3.blpop('c', 0);
    await waitBlocked(3);
    await r.rpush('a', 'item');
    expect(await p1).toBe('item');
    expect(await p2).toBe('item');
    expect(await p3).toEqual(['c', 'item']);
    expect(await r.exists('a', 'b', 'c')).toBe(0);
  });

  test('BLMPOP served later pops up to COUNT from the chosen end', async () => {
    await r.flushall();
    const c = client();
    const p = c.blmpop(0, 2, 'x', 'y', 'RIGHT', 'COUNT', 2);
    await waitBlocked(1);
    await r.rpush('y', '1', '2', '3');
    expect(await p).toEqual(['y', ['3', '2']]);
    expect(await r.lrange('y', 0, -1)).toEqual(['1']);
  });

  test('timeouts: fractional seconds give a null after about that long; 0 waits forever', async () => {
    await r.flushall();
    const c = client();
    let t = Date.now();
    expect(await c.blpop('none', 0.2)).toBeNull();
    let dt = Date.now() - t;
    expect(dt).toBeGreaterThanOrEqual(190);
    expect(dt).toBeLessThan(2000);
    t = Date.now();
    expect(await c.blmove('none', 'dst', 'LEFT', 'LEFT', 0.05)).toBeNull();
    dt = Date.now() - t;
    expect(dt).toBeGreaterThanOrEqual(45);
    expect(await r.exists('dst')).toBe(0);
    // Raw bytes: every list blocking command times out with a null array in 7.0.
    const rc = await rawClient(srv.port);
    try {
      expect((await rc.send(['BRPOPLPUSH', 'none', 'dst', '0.01'])).toString()).toBe('*-1\r\n');
      expect((await rc.send(['BLMPOP', '0.01', '1', 'none', 'LEFT'])).toString()).toBe('*-1\r\n');
      await rc.send(['HELLO', '3']);
      expect((await rc.send(['BLPOP', 'none', '0.01'])).toString()).toBe('_\r\n');
    } finally {
      rc.close();
    }
    const forever = c.blpop('later', 0);
    await waitBlocked(1);
    await sleep(300);
    await waitBlocked(1);
    await r.rpush('later', 'finally');
    expect(await forever).toEqual(['later', 'finally']);
  });

  test('a client that disconnects while blocked is forgotten; the next waiter gets the element', async () => {
    await r.flushall();
    const gone = client();
    const stays = client();
    void gone.blpop('d', 0).catch(() => {});
    await waitBlocked(1);
    const p = stays.blpop('d', 0);
    await waitBlocked(2);
    gone.disconnect();
    await waitBlocked(1);
    await r.rpush('d', 'v');
    expect(await p).toEqual(['d', 'v']);
    expect(await r.exists('d')).toBe(0);
  });

  test('commands pipelined behind a blocked command wait for it', async () => {
    await r.flushall();
    const rc = await rawClient(srv.port);
    try {
      rc.sendRaw('*3\r\n$5\r\nBLPOP\r\n$1\r\np\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n');
      await waitBlocked(1);
      expect(rc.pending().length).toBe(0);
      await r.rpush('p', 'v');
      expect((await rc.readReply()).toString()).toBe('*2\r\n$1\r\np\r\n$1\r\nv\r\n');
      expect((await rc.readReply()).toString()).toBe('+PONG\r\n');
    } finally {
      rc.close();
    }
  });

  test('wrong types: an error at once, or when a served BLMOVE finds a wrong destination', async () => {
    await r.flushall();
    await r.set('s', 'str');
    await expect(r.blpop('s', 0)).rejects.toThrow(/WRONGTYPE/);
    await expect(r.blmove('s', 'x', 'LEFT', 'LEFT', 0)).rejects.toThrow(/WRONGTYPE/);
    const c = client();
    // Settled into a value at once: the error can arrive before RPUSH's own reply, and a
    // rejection with no handler yet would be reported as unhandled.
    const p = c.blmove('src', 's', 'LEFT', 'RIGHT', 0).then(() => null, (e: Error) => e);
    await waitBlocked(1);
    await r.rpush('src', 'x');
    expect((await p)?.message).toMatch(/WRONGTYPE/);
    await waitBlocked(0);
    expect(await r.lrange('src', 0, -1)).toEqual(['x']);
  });

  test('a key that turns into another type wakes nobody; a list there later does', async () => {
    await r.flushall();
    const c = client();
    const p = c.blpop('t', 0);
    await waitBlocked(1);
    await r.set('t', 'string');
    await sleep(50);
    await waitBlocked(1);
    await r.del('t');
    await r.rpush('t', 'list');
    expect(await p).toEqual(['t', 'list']);
  });

  test('LMOVE wakes a client blocked on its destination', async () => {
    await r.flushall();
    const c = client();
    const p = c.brpop('dst', 0);
    await waitBlocked(1);
    await r.rpush('src', 'm');
    expect(await r.lmove('src', 'dst', 'LEFT', 'LEFT')).toBe('m');
    expect(await p).toEqual(['dst', 'm']);
    expect(await r.exists('src', 'dst')).toBe(0);
  });
});

/*
 * Propagation that the one-connection AOF cases cannot show. The expected streams were read off
 * redis-server 7.0.15's AOF (appendfsync always) for the same steps, with two redis-cli's.
 */
describe('propagation', () => {
  let ip: InProcess;
  let stream: string[][] = [];
  const consume = (ops: readonly PropagatedOp[]): void => {
    for (const op of ops) stream.push(opArgs(op).map((a) => Buffer.from(a).toString('latin1')));
  };
  const conns: RawClient[] = [];
  const conn = async (): Promise<RawClient> => {
    const c = await rawClient(ip.port);
    conns.push(c);
    return c;
  };
  const blocked = async (n: number): Promise<void> => {
    for (let i = 0; i < 600 && ip.server.blocked.count !== n; i++) await sleep(5);
    expect(ip.server.blocked.count).toBe(n);
  };

  beforeAll(async () => {
    ip = await startInProcess(['--enable-debug-command', 'yes']);
    ip.server.propagation.addConsumer(consume);
  });

  afterAll(() => {
    for (const c of conns) c.close();
    ip?.stop();
  });

  /** Blocks a client on `cmd`, runs `push` from another, and returns the blocked reply and the stream. */
  async function servedLater(cmd: string[], push: string[][]): Promise<{ reply: string; stream: string[][] }> {
    const a = await conn();
    const b = await conn();
    await b.send(['FLUSHALL']);
    stream = [];
    const pending = a.send(cmd);
    await blocked(1);
    for (const p of push) await b.send(p);
    const reply = (await pending).toString('latin1');
    await blocked(0);
    return { reply, stream };
  }

  test('BLPOP and BRPOP served later: the push, then LPOP/RPOP key', async () => {
    let r1 = await servedLater(['BLPOP', 'q1', '0'], [['RPUSH', 'q1', 'a', 'b']]);
    expect(r1.reply).toBe('*2\r\n$2\r\nq1\r\n$1\r\na\r\n');
    expect(r1.stream).toEqual([['RPUSH', 'q1', 'a', 'b'], ['LPOP', 'q1']]);
    r1 = await servedLater(['BRPOP', 'q1', 'q2', '0'], [['RPUSH', 'q2', 'x', 'y']]);
    expect(r1.stream).toEqual([['RPUSH', 'q2', 'x', 'y'], ['RPOP', 'q2']]);
  });

  test('BLMPOP served later: LPOP/RPOP key with the count popped', async () => {
    let r1 = await servedLater(['BLMPOP', '0', '2', 'q1', 'q2', 'right', 'count', '5'], [['RPUSH', 'q2', 'a', 'b']]);
    expect(r1.reply).toBe('*2\r\n$2\r\nq2\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n');
    expect(r1.stream).toEqual([['RPUSH', 'q2', 'a', 'b'], ['RPOP', 'q2', '2']]);
    r1 = await servedLater(['BLMPOP', '0', '2', 'q1', 'q2', 'LeFt'], [['RPUSH', 'q2', 'a', 'b']]);
    expect(r1.stream).toEqual([['RPUSH', 'q2', 'a', 'b'], ['LPOP', 'q2', '1']]);
  });

  test('BLMOVE and BRPOPLPUSH served later: LMOVE with the ends spelled left/right, RPOPLPUSH', async () => {
    let r1 = await servedLater(['BLMOVE', 'q1', 'd1', 'rIgHt', 'LeFt', '0'], [['RPUSH', 'q1', 'a', 'b']]);
    expect(r1.reply).toBe('$1\r\nb\r\n');
    expect(r1.stream).toEqual([['RPUSH', 'q1', 'a', 'b'], ['LMOVE', 'q1', 'd1', 'right', 'left']]);
    r1 = await servedLater(['BRPOPLPUSH', 'q1', 'd1', '0'], [['RPUSH', 'q1', 'a', 'b']]);
    expect(r1.stream).toEqual([['RPUSH', 'q1', 'a', 'b'], ['RPOPLPUSH', 'q1', 'd1']]);
  });

  test('one push serving two clients: one pop each, in serving order, none wrapped', async () => {
    const a = await conn();
    const b = await conn();
    const c = await conn();
    await c.send(['FLUSHALL']);
    stream = [];
    const pa = a.send(['BLPOP', 'q1', '0']);
    await blocked(1);
    const pb = b.send(['BRPOP', 'q1', '0']);
    await blocked(2);
    await c.send(['RPUSH', 'q1', 'a', 'b', 'c']);
    await pa;
    await pb;
    expect(stream).toEqual([['RPUSH', 'q1', 'a', 'b', 'c'], ['LPOP', 'q1'], ['RPOP', 'q1']]);
  });

  test('a client served after an EXEC pops outside the transaction', async () => {
    const r1 = await servedLater(['BLPOP', 'q1', '0'], [['MULTI'], ['RPUSH', 'q1', 'a'], ['SET', 'k', 'v'], ['EXEC']]);
    expect(r1.stream).toEqual([['MULTI'], ['RPUSH', 'q1', 'a'], ['SET', 'k', 'v'], ['EXEC'], ['LPOP', 'q1']]);
  });

  test('a BLMOVE chain: the push, the move, then the pop it served', async () => {
    const a = await conn();
    const b = await conn();
    const c = await conn();
    await c.send(['FLUSHALL']);
    stream = [];
    const pa = a.send(['BLPOP', 'd2', '0']);
    await blocked(1);
    const pb = b.send(['BLMOVE', 'q2', 'd2', 'left', 'right', '0']);
    await blocked(2);
    await c.send(['RPUSH', 'q2', 'x']);
    expect((await pa).toString('latin1')).toBe('*2\r\n$2\r\nd2\r\n$1\r\nx\r\n');
    expect((await pb).toString('latin1')).toBe('$1\r\nx\r\n');
    expect(stream).toEqual([['RPUSH', 'q2', 'x'], ['LMOVE', 'q2', 'd2', 'left', 'right'], ['LPOP', 'd2']]);
  });

  test('SORT expires the keys its GET and BY patterns name (lookupKeyRead), and reads them as missing', async () => {
    const c = await conn();
    await c.send(['FLUSHALL']);
    await c.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    try {
      await c.send(['RPUSH', 'l', '1', '2', '3']);
      await c.send(['MSET', 'o_1', 'one', 'o_3', 'three', 'w_1', '3', 'w_3', '1']);
      await c.send(['SET', 'o_2', 'two', 'PX', '1']);
      await c.send(['SET', 'w_2', '9', 'PX', '1']);
      await sleep(20);
      stream = [];
      const expired = ip.server.stats.expiredKeys;
      expect((await c.send(['SORT', 'l', 'GET', '#', 'GET', 'o_*'])).toString('latin1')).toBe(
        '*6\r\n$1\r\n1\r\n$3\r\none\r\n$1\r\n2\r\n$-1\r\n$1\r\n3\r\n$5\r\nthree\r\n',
      );
      // w_2 is missing, so it weighs 0 and sorts first.
      expect((await c.send(['SORT', 'l', 'BY', 'w_*'])).toString('latin1')).toBe('*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n1\r\n');
      expect(stream).toEqual([['DEL', 'o_2'], ['DEL', 'w_2']]);
      expect(ip.server.stats.expiredKeys).toBe(expired + 2);
      // The key to sort is looked up the same way.
      await c.send(['RPUSH', 'gone', 'x']);
      await c.send(['PEXPIRE', 'gone', '1']);
      await sleep(20);
      stream = [];
      expect((await c.send(['SORT', 'gone'])).toString('latin1')).toBe('*0\r\n');
      expect(stream).toEqual([['DEL', 'gone']]);
    } finally {
      await c.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
    }
  });

  test('SORT ... STORE: setKey expires an expired destination first; an empty result deletes it as dbDelete does', async () => {
    const c = await conn();
    await c.send(['FLUSHALL']);
    await c.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    try {
      await c.send(['SET', 'dst', 'x', 'PX', '1']);
      await c.send(['SET', 'dst2', 'x', 'PX', '1']);
      await c.send(['RPUSH', 'src', '1']);
      await sleep(20);
      stream = [];
      const expired = ip.server.stats.expiredKeys;
      // Empty result: the expired destination is still there for dbDelete: deleted as a change.
      expect((await c.send(['SORT', 'nokey', 'STORE', 'dst'])).toString('latin1')).toBe(':0\r\n');
      expect(stream).toEqual([['SORT', 'nokey', 'STORE', 'dst']]);
      expect(ip.server.stats.expiredKeys).toBe(expired);
      stream = [];
      expect((await c.send(['SORT', 'src', 'STORE', 'dst2'])).toString('latin1')).toBe(':1\r\n');
      expect(stream).toEqual([['MULTI'], ['DEL', 'dst2'], ['SORT', 'src', 'STORE', 'dst2'], ['EXEC']]);
      expect((await c.send(['TTL', 'dst2'])).toString('latin1')).toBe(':-1\r\n');
      expect((await c.send(['EXISTS', 'dst'])).toString('latin1')).toBe(':0\r\n');
    } finally {
      await c.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
    }
  });
});

/*
 * Blocked clients as a server feature (src/server/blocking.ts), over real sockets: the queue per
 * key, what wakes a client (pushes, RENAME/MOVE/COPY into the key, SWAPDB, a served BLMOVE
 * pushing on), what does not (a key of another type), timeouts, CLIENT UNBLOCK, INFO and
 * CLIENT LIST, held-back pipelined input, and disconnects. Exact replies were checked against
 * redis-server 7.0.15. Runs with io-threads 1 and (SPINDLE_IO_THREADS=4) 4.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { encodeCommand, rawClient, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;
let admin: RawClient;
const open: RawClient[] = [];

beforeAll(async () => {
  srv = await startSpindle();
  admin = await rawClient(srv.port);
});

afterAll(async () => {
  for (const c of open) c.close();
  admin?.close();
  await srv?.stop();
});

beforeEach(async () => {
  await admin.send(['FLUSHALL']);
});

async function client(): Promise<RawClient> {
  const c = await rawClient(srv.port);
  open.push(c);
  return c;
}

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

async function info(field: string): Promise<string> {
  const text = (await admin.send(['INFO', 'clients'])).toString('latin1');
  return new RegExp(`\r\n${field}:([^\r]*)`).exec(text)?.[1] ?? '';
}

/** Waits until INFO reports n blocked clients (blocking is asynchronous over sockets). */
async function waitBlocked(n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await info('blocked_clients')) === String(n)) return;
    await sleep(5);
  }
  throw new Error(`blocked_clients never reached ${n} (now ${await info('blocked_clients')})`);
}

const s = (b: Buffer) => b.toString('latin1');

describe('queue per key', () => {
  test('clients are served first come, first served, one element each', async () => {
    const cs = [await client(), await client(), await client()];
    for (const [i, c] of cs.entries()) {
      c.sendRaw(encodeCommand(['BLPOP', 'q', '0']));
      await waitBlocked(i + 1);
    }
    expect(s(await admin.send(['RPUSH', 'q', 'a', 'b']))).toBe(':2\r\n');
    expect(s(await cs[0].readReply())).toBe('*2\r\n$1\r\nq\r\n$1\r\na\r\n');
    expect(s(await cs[1].readReply())).toBe('*2\r\n$1\r\nq\r\n$1\r\nb\r\n');
    await waitBlocked(1);
    expect(s(await admin.send(['LLEN', 'q']))).toBe(':0\r\n');
    expect(s(await admin.send(['LPUSH', 'q', 'c']))).toBe(':1\r\n');
    expect(s(await cs[2].readReply())).toBe('*2\r\n$1\r\nq\r\n$1\r\nc\r\n');
    await waitBlocked(0);
  });

  test('a client blocked on several keys is served once, by the first key with data', async () => {
    const c = await client();
    c.sendRaw(encodeCommand(['BLPOP', 'k1', 'k2', 'k1', '0']));
    await waitBlocked(1);
    expect(s(await admin.send(['RPUSH', 'k2', 'x']))).toBe(':1\r\n');
    expect(s(await c.readReply())).toBe('*2\r\n$2\r\nk2\r\n$1\r\nx\r\n');
    await waitBlocked(0);
    expect(s(await admin.send(['RPUSH', 'k1', 'y']))).toBe(':1\r\n');
    expect(s(await admin.send(['LLEN', 'k1']))).toBe(':1\r\n');
  });

  test('a key replaced by another type wakes nobody; the list coming back does', async () => {
    const c = await client();
    c.sendRaw(encodeCommand(['BLPOP', 'k', '0']));
    await waitBlocked(1);
    await admin.send(['SET', 'k', 'string']);
    await admin.send(['DEL', 'k']);
    await admin.send(['SADD', 'k', 'm']);
    await sleep(20);
    expect(await info('blocked_clients')).toBe('1');
    await admin.send(['DEL', 'k']);
    await admin.send(['RPUSH', 'k', 'v']);
    expect(s(await c.readReply())).toBe('*2\r\n$1\r\nk\r\n$1\r\nv\r\n');
  });

  test('BLMOVE chains move an element through several blocked clients in one go', async () => {
    const a = await client();
    const b = await client();
    const d = await client();
    a.sendRaw(encodeCommand(['BLMOVE', 'l1', 'l2', 'LEFT', 'RIGHT', '0']));
    await waitBlocked(1);
    b.sendRaw(encodeCommand(['BLMOVE', 'l2', 'l3', 'LEFT', 'RIGHT', '0']));
    await waitBlocked(2);
    d.sendRaw(encodeCommand(['BLPOP', 'l3', '0']));
    await waitBlocked(3);
    expect(s(await admin.send(['RPUSH', 'l1', 'e']))).toBe(':1\r\n');
    expect(s(await a.readReply())).toBe('$1\r\ne\r\n');
    expect(s(await b.readReply())).toBe('$1\r\ne\r\n');
    expect(s(await d.readReply())).toBe('*2\r\n$2\r\nl3\r\n$1\r\ne\r\n');
    expect(s(await admin.send(['EXISTS', 'l1', 'l2', 'l3']))).toBe(':0\r\n');
  });

  test('sorted sets wake BZPOPMIN the same way', async () => {
    const c = await client();
    c.sendRaw(encodeCommand(['BZPOPMIN', 'z', '0']));
    await waitBlocked(1);
    await admin.send(['ZADD', 'z', '2', 'b', '1', 'a']);
    expect(s(await c.readReply())).toBe('*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n');
    expect(s(await admin.send(['ZCARD', 'z']))).toBe(':1\r\n');
  });
});

describe('keys arriving by other commands', () => {
  test('RENAME, MOVE, COPY and SWAPDB wake clients blocked on the destination', async () => {
    const c = await client();
    c.sendRaw(encodeCommand(['BLPOP', 'dst', '0']));
    await waitBlocked(1);
    await admin.send(['RPUSH', 'src', 'r']);
    expect(s(await admin.send(['RENAME', 'src', 'dst']))).toBe('+OK\r\n');
    expect(s(await c.readReply())).toBe('*2\r\n$3\r\ndst\r\n$1\r\nr\r\n');

    c.sendRaw(encodeCommand(['BLPOP', 'dst', '0']));
    await waitBlocked(1);
    await admin.send(['RPUSH', 'src', 'c']);
    expect(s(await admin.send(['COPY', 'src', 'dst']))).toBe(':1\r\n');
    expect(s(await c.readReply())).toBe('*2\r\n$3\r\ndst\r\n$1\r\nc\r\n');

    c.sendRaw(encodeCommand(['BLPOP', 'dst', '0']));
    await waitBlocked(1);
    await admin.send(['SELECT', '1']);
    await admin.send(['RPUSH', 'dst', 'from1']);
    expect(s(await admin.send(['SWAPDB', '0', '1']))).toBe('+OK\r\n');
    expect(s(await c.readReply())).toBe('*2\r\n$3\r\ndst\r\n$5\r\nfrom1\r\n');
    await admin.send(['SELECT', '0']);
    await admin.send(['FLUSHALL']);

    c.sendRaw(encodeCommand(['BLPOP', 'dst', '0']));
    await waitBlocked(1);
    await admin.send(['SELECT', '2']);
    await admin.send(['RPUSH', 'dst', 'm']);
    expect(s(await admin.send(['MOVE', 'dst', '0']))).toBe(':1\r\n');
    expect(s(await c.readReply())).toBe('*2\r\n$3\r\ndst\r\n$1\r\nm\r\n');
    await admin.send(['SELECT', '0']);
  });
});

describe('timeouts and CLIENT UNBLOCK', () => {
  test('fractional timeouts reply the null of the command, in RESP2 and RESP3', async () => {
    const c = await client();
    const t0 = Date.now();
    expect(s(await c.send(['BLPOP', 'none', '0.05']))).toBe('*-1\r\n');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    // 7.0 times BLMOVE out with a null array too (replyToBlockedClientTimedOut).
    expect(s(await c.send(['BLMOVE', 'none', 'x', 'LEFT', 'LEFT', '0.01']))).toBe('*-1\r\n');
    expect(s(await c.send(['BRPOPLPUSH', 'none', 'x', '0.01']))).toBe('*-1\r\n');
    await c.send(['HELLO', '3']);
    expect(s(await c.send(['BLPOP', 'none', '0.01']))).toBe('_\r\n');
    expect(s(await c.send(['BLMOVE', 'none', 'x', 'LEFT', 'LEFT', '0.01']))).toBe('_\r\n');
    expect(s(await c.send(['BZPOPMAX', 'none', '0.01']))).toBe('_\r\n');
    await c.send(['HELLO', '2']);
  });

  test('timeout errors', async () => {
    const c = await client();
    expect(s(await c.send(['BLPOP', 'k', 'abc']))).toBe('-ERR timeout is not a float or out of range\r\n');
    expect(s(await c.send(['BLPOP', 'k', '-1']))).toBe('-ERR timeout is negative\r\n');
    expect(s(await c.send(['BLPOP', 'k', 'inf']))).toBe('-ERR timeout is negative\r\n');
    expect(s(await c.send(['BLPOP', 'k', 'nan']))).toBe('-ERR timeout is not a float or out of range\r\n');
  });

  test('INFO, CLIENT LIST and CLIENT UNBLOCK see blocked clients', async () => {
    const c = await client();
    const id = s(await c.send(['CLIENT', 'ID'])).slice(1, -2);
    c.sendRaw(encodeCommand(['BLPOP', 'k', '100']));
    await waitBlocked(1);
    expect(await info('clients_in_timeout_table')).toBe('1');
    const list = s(await admin.send(['CLIENT', 'LIST', 'ID', id]));
    expect(list).toMatch(/flags=b /);
    expect(list).toMatch(/cmd=blpop /);
    expect(s(await admin.send(['CLIENT', 'UNBLOCK', id]))).toBe(':1\r\n');
    expect(s(await c.readReply())).toBe('*-1\r\n');
    expect(await info('blocked_clients')).toBe('0');
    expect(await info('clients_in_timeout_table')).toBe('0');

    c.sendRaw(encodeCommand(['BRPOPLPUSH', 'k', 'd', '0']));
    await waitBlocked(1);
    expect(s(await admin.send(['CLIENT', 'UNBLOCK', id, 'ERROR']))).toBe(':1\r\n');
    expect(s(await c.readReply())).toBe('-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
    expect(s(await admin.send(['CLIENT', 'UNBLOCK', id]))).toBe(':0\r\n');
    expect(s(await admin.send(['CLIENT', 'UNBLOCK', id, 'x']))).toBe('-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n');
    expect(s(await admin.send(['CLIENT', 'UNBLOCK', 'abc']))).toBe('-ERR value is not an integer or out of range\r\n');
  });
});

describe('the blocked connection', () => {
  test('commands pipelined behind a blocking command wait for it and keep their order', async () => {
    const c = await client();
    c.sendRaw(Buffer.concat([encodeCommand(['BLPOP', 'k', '0']), encodeCommand(['PING']), encodeCommand(['ECHO', 'after'])]));
    await waitBlocked(1);
    await sleep(20);
    expect(c.pending().length).toBe(0);
    c.sendRaw(encodeCommand(['ECHO', 'later']));
    await sleep(20);
    expect(c.pending().length).toBe(0);
    await admin.send(['RPUSH', 'k', 'v']);
    expect(s(await c.readReply())).toBe('*2\r\n$1\r\nk\r\n$1\r\nv\r\n');
    expect(s(await c.readReply())).toBe('+PONG\r\n');
    expect(s(await c.readReply())).toBe('$5\r\nafter\r\n');
    expect(s(await c.readReply())).toBe('$5\r\nlater\r\n');
  });

  test('a client that disconnects while blocked leaves the queue', async () => {
    const c = await client();
    const d = await client();
    c.sendRaw(encodeCommand(['BLPOP', 'k', '0']));
    await waitBlocked(1);
    d.sendRaw(encodeCommand(['BLPOP', 'k', '0']));
    await waitBlocked(2);
    c.close();
    await waitBlocked(1);
    await admin.send(['RPUSH', 'k', 'v']);
    expect(s(await d.readReply())).toBe('*2\r\n$1\r\nk\r\n$1\r\nv\r\n');
    expect(s(await admin.send(['LLEN', 'k']))).toBe(':0\r\n');
  });

  test('the pusher gets its reply before and independently of the served clients', async () => {
    const c = await client();
    c.sendRaw(encodeCommand(['BLPOP', 'k', '0']));
    await waitBlocked(1);
    const p = await client();
    p.sendRaw(Buffer.concat([encodeCommand(['ECHO', 'one']), encodeCommand(['RPUSH', 'k', 'a', 'b']), encodeCommand(['LLEN', 'k'])]));
    expect(s(await p.readReply())).toBe('$3\r\none\r\n');
    expect(s(await p.readReply())).toBe(':2\r\n');
    expect(s(await p.readReply())).toBe(':1\r\n');
    expect(s(await c.readReply())).toBe('*2\r\n$1\r\nk\r\n$1\r\na\r\n');
  });
});

/*
 * CLIENT subcommands over real sockets (src/commands/client.ts): the CLIENT LIST line of Redis
 * 7.0.15 field by field, KILL in both forms, REPLY OFF/SKIP/ON on a raw socket, NO-EVICT.
 * Error texts are compared byte for byte with Redis in test/golden/cases/client.txt.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  encodeCommand, hasRedis, rawClient, startRedis, startSpindle, type RawClient, type ServerHandle,
} from '../helpers/servers.ts';

/** The fields of a 7.0.15 CLIENT LIST line, in order. */
const FIELDS = [
  'id', 'addr', 'laddr', 'fd', 'name', 'age', 'idle', 'flags', 'db', 'sub', 'psub', 'ssub', 'multi', 'qbuf',
  'qbuf-free', 'argv-mem', 'multi-mem', 'rbs', 'rbp', 'obl', 'oll', 'omem', 'tot-mem', 'events', 'cmd', 'user',
  'redir', 'resp',
];

type Line = Record<string, string>;

function parseLine(line: string): Line {
  const out: Line = {};
  for (const part of line.split(' ')) {
    const eq = part.indexOf('=');
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

function fieldNames(line: string): string[] {
  return line.split(' ').map((p) => p.slice(0, p.indexOf('=')));
}

/** A bulk or verbatim reply's text. */
function text(reply: Buffer): string {
  const s = reply.toString('latin1');
  const body = s.slice(s.indexOf('\r\n') + 2, -2);
  return s[0] === '=' ? body.slice(4) : body;
}

async function clientList(c: RawClient, ...args: string[]): Promise<Line[]> {
  const t = text(await c.send(['CLIENT', 'LIST', ...args]));
  expect(t === '' || t.endsWith('\n')).toBe(true);
  return t.split('\n').filter((l) => l !== '').map(parseLine);
}

async function clientId(c: RawClient): Promise<number> {
  return Number((await c.send(['CLIENT', 'ID'])).toString('latin1').slice(1, -2));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let srv: ServerHandle;

beforeAll(async () => {
  srv = await startSpindle();
});

afterAll(async () => {
  await srv?.stop();
});

describe('CLIENT LIST and INFO', () => {
  test('one line per client with the 7.0.15 fields in order', async () => {
    const a = await rawClient(srv.port);
    const b = await rawClient(srv.port);
    const idA = await clientId(a);
    const idB = await clientId(b);
    const raw = text(await a.send(['CLIENT', 'LIST']));
    const lines = raw.split('\n').filter((l) => l !== '');
    for (const l of lines) expect(fieldNames(l)).toEqual(FIELDS);
    const byId = new Map(lines.map(parseLine).map((l) => [Number(l.id), l]));
    const me = byId.get(idA)!;
    const other = byId.get(idB)!;
    expect(me.addr).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(me.laddr).toBe(`127.0.0.1:${srv.port}`);
    expect(me.addr).not.toBe(other.addr);
    expect(me).toMatchObject({
      name: '', flags: 'N', db: '0', sub: '0', psub: '0', ssub: '0', multi: '-1', 'argv-mem': '10', 'multi-mem': '0',
      events: 'r', cmd: 'client|list', user: 'default', redir: '-1', resp: '2',
    });
    expect(other.cmd).toBe('client|id');
    expect(other['argv-mem']).toBe('0');
    for (const f of ['fd', 'age', 'idle', 'qbuf', 'qbuf-free', 'rbs', 'rbp', 'obl', 'oll', 'omem', 'tot-mem']) {
      expect(me[f], f).toMatch(/^\d+$/);
    }
    a.close();
    b.close();
  });

  test('name, db, resp and last command are tracked', async () => {
    const a = await rawClient(srv.port);
    const b = await rawClient(srv.port);
    await b.send(['CLIENT', 'SETNAME', 'worker-1']);
    await b.send(['SELECT', '5']);
    await b.send(['HELLO', '3']);
    await b.send(['GET', 'x']);
    const idB = await clientId(b);
    const [line] = await clientList(a, 'ID', String(idB));
    expect(line).toMatchObject({ id: String(idB), name: 'worker-1', db: '5', resp: '3', cmd: 'client|id' });
    a.close();
    b.close();
  });

  test('idle and age count seconds', async () => {
    const a = await rawClient(srv.port);
    const b = await rawClient(srv.port);
    const idB = await clientId(b);
    await sleep(2100);
    await a.send(['PING']);
    const [line] = await clientList(a, 'ID', String(idB));
    expect(Number(line.idle)).toBeGreaterThanOrEqual(1);
    expect(Number(line.age)).toBeGreaterThanOrEqual(Number(line.idle));
    const [mine] = await clientList(a, 'ID', String(await clientId(a)));
    expect(mine.idle).toBe('0');
    a.close();
    b.close();
  });

  test('TYPE and ID filters', async () => {
    const a = await rawClient(srv.port);
    const b = await rawClient(srv.port);
    const idA = await clientId(a);
    const idB = await clientId(b);
    const normal = await clientList(a, 'TYPE', 'normal');
    expect(normal.map((l) => Number(l.id))).toEqual(expect.arrayContaining([idA, idB]));
    expect(await clientList(a, 'TYPE', 'pubsub')).toEqual([]);
    expect(await clientList(a, 'TYPE', 'replica')).toEqual([]);
    const some = await clientList(a, 'ID', String(idB), '999999', String(idA));
    expect(some.map((l) => Number(l.id))).toEqual([idB, idA]);
    a.close();
    b.close();
  });

  test('CLIENT INFO is the caller\'s line, RESP3 verbatim', async () => {
    const a = await rawClient(srv.port);
    const id = await clientId(a);
    const raw = await a.send(['CLIENT', 'INFO']);
    expect(raw[0]).toBe(0x24); // $ in RESP2
    const t = text(raw);
    expect(t.endsWith('\n')).toBe(true);
    expect(fieldNames(t.trimEnd())).toEqual(FIELDS);
    expect(parseLine(t.trimEnd())).toMatchObject({ id: String(id), cmd: 'client|info', 'argv-mem': '10' });
    await a.send(['HELLO', '3']);
    const r3 = (await a.send(['CLIENT', 'INFO'])).toString('latin1');
    expect(r3).toMatch(/^=\d+\r\ntxt:id=/);
    a.close();
  });

  test('NO-EVICT shows as flag e', async () => {
    const a = await rawClient(srv.port);
    expect((await a.send(['CLIENT', 'NO-EVICT', 'on'])).toString()).toBe('+OK\r\n');
    expect(parseLine(text(await a.send(['CLIENT', 'INFO'])).trimEnd()).flags).toBe('e');
    expect((await a.send(['CLIENT', 'NO-EVICT', 'off'])).toString()).toBe('+OK\r\n');
    expect(parseLine(text(await a.send(['CLIENT', 'INFO'])).trimEnd()).flags).toBe('N');
    a.close();
  });

  test.skipIf(!hasRedis())('the same field names as redis-server 7.0.15', async () => {
    const redis = await startRedis();
    try {
      const r = await rawClient(redis.port);
      const s = await rawClient(srv.port);
      expect(fieldNames(text(await s.send(['CLIENT', 'INFO'])).trimEnd())).toEqual(
        fieldNames(text(await r.send(['CLIENT', 'INFO'])).trimEnd()),
      );
      r.close();
      s.close();
    } finally {
      await redis.stop();
    }
  });

  test('ioredis reads CLIENT LIST', async () => {
    const r = new Redis({ port: srv.port, host: '127.0.0.1', lazyConnect: true, connectionName: 'io-client' });
    await r.connect();
    try {
      const list = (await r.client('LIST')) as string;
      const mine = list.split('\n').filter((l) => l.includes('name=io-client'));
      expect(mine).toHaveLength(1);
      expect(parseLine(mine[0]).cmd).toBe('client|list');
    } finally {
      r.disconnect();
    }
  });
});

describe('CLIENT KILL', () => {
  test('old form by address', async () => {
    const a = await rawClient(srv.port);
    const b = await rawClient(srv.port);
    const idB = await clientId(b);
    const [line] = await clientList(a, 'ID', String(idB));
    expect((await a.send(['CLIENT', 'KILL', line.addr])).toString()).toBe('+OK\r\n');
    expect(await b.waitClosed()).toBe(true);
    expect((await a.send(['CLIENT', 'KILL', line.addr])).toString()).toBe('-ERR No such client\r\n');
    a.close();
  });

  test('old form may kill the caller, after its reply', async () => {
    const a = await rawClient(srv.port);
    const [line] = await clientList(a, 'ID', String(await clientId(a)));
    expect((await a.send(['CLIENT', 'KILL', line.addr])).toString()).toBe('+OK\r\n');
    expect(await a.waitClosed()).toBe(true);
  });

  test('filters: ID, ADDR, LADDR, TYPE, USER, SKIPME', async () => {
    const a = await rawClient(srv.port);
    const b = await rawClient(srv.port);
    const c = await rawClient(srv.port);
    const idB = await clientId(b);
    const idC = await clientId(c);
    expect((await a.send(['CLIENT', 'KILL', 'ID', String(idB)])).toString()).toBe(':1\r\n');
    expect(await b.waitClosed()).toBe(true);
    expect((await a.send(['CLIENT', 'KILL', 'ID', String(idB)])).toString()).toBe(':0\r\n');
    const [lineC] = await clientList(a, 'ID', String(idC));
    expect((await a.send(['CLIENT', 'KILL', 'ADDR', lineC.addr, 'TYPE', 'pubsub'])).toString()).toBe(':0\r\n');
    expect((await a.send(['CLIENT', 'KILL', 'ADDR', lineC.addr, 'USER', 'default', 'TYPE', 'normal'])).toString()).toBe(':1\r\n');
    expect(await c.waitClosed()).toBe(true);
    // LADDR matches every client of this listener; SKIPME yes (the default) spares the caller.
    const d = await rawClient(srv.port);
    await d.send(['PING']);
    const killed = Number((await a.send(['CLIENT', 'KILL', 'LADDR', `127.0.0.1:${srv.port}`])).toString().slice(1, -2));
    expect(killed).toBeGreaterThanOrEqual(1);
    expect(await d.waitClosed()).toBe(true);
    expect((await a.send(['PING'])).toString()).toBe('+PONG\r\n');
    // SKIPME no: the caller gets its count, then is closed.
    expect((await a.send(['CLIENT', 'KILL', 'ID', String(await clientId(a)), 'SKIPME', 'no'])).toString()).toBe(':1\r\n');
    expect(await a.waitClosed()).toBe(true);
  });
});

describe('CLIENT REPLY', () => {
  test('OFF drops every reply until ON (pipelined)', async () => {
    const a = await rawClient(srv.port);
    a.sendRaw(
      Buffer.concat([
        encodeCommand(['CLIENT', 'REPLY', 'OFF']),
        encodeCommand(['SET', 'r1', 'v']),
        encodeCommand(['GET', 'r1']),
        encodeCommand(['GET']),
        encodeCommand(['CLIENT', 'REPLY', 'ON']),
        encodeCommand(['GET', 'r1']),
      ]),
    );
    expect((await a.readReply()).toString()).toBe('+OK\r\n');
    expect((await a.readReply()).toString()).toBe('$1\r\nv\r\n');
    await sleep(50);
    expect(a.pending().length).toBe(0);
    a.close();
  });

  test('OFF across separate writes', async () => {
    const a = await rawClient(srv.port);
    a.sendRaw(encodeCommand(['CLIENT', 'REPLY', 'OFF']));
    await sleep(50);
    a.sendRaw(encodeCommand(['INCR', 'r2']));
    await sleep(50);
    a.sendRaw(encodeCommand(['PING']));
    await sleep(50);
    expect(a.pending().length).toBe(0);
    expect((await a.send(['CLIENT', 'REPLY', 'ON'])).toString()).toBe('+OK\r\n');
    expect((await a.send(['GET', 'r2'])).toString()).toBe('$1\r\n1\r\n');
    a.close();
  });

  test('SKIP drops the next reply only', async () => {
    const a = await rawClient(srv.port);
    a.sendRaw(encodeCommand(['CLIENT', 'REPLY', 'SKIP']));
    await sleep(50);
    a.sendRaw(encodeCommand(['SET', 'r3', 'skipped']));
    await sleep(50);
    expect(a.pending().length).toBe(0);
    expect((await a.send(['GET', 'r3'])).toString()).toBe('$7\r\nskipped\r\n');
    a.sendRaw(Buffer.concat([encodeCommand(['CLIENT', 'REPLY', 'SKIP']), encodeCommand(['NOSUCH']), encodeCommand(['PING'])]));
    expect((await a.readReply()).toString()).toBe('+PONG\r\n');
    await sleep(50);
    expect(a.pending().length).toBe(0);
    a.close();
  });

  test('SKIP while OFF does nothing; ON after SKIP replies', async () => {
    const a = await rawClient(srv.port);
    a.sendRaw(
      Buffer.concat([
        encodeCommand(['CLIENT', 'REPLY', 'OFF']),
        encodeCommand(['CLIENT', 'REPLY', 'SKIP']),
        encodeCommand(['PING']),
        encodeCommand(['PING']),
        encodeCommand(['CLIENT', 'REPLY', 'ON']),
        encodeCommand(['CLIENT', 'REPLY', 'SKIP']),
        encodeCommand(['CLIENT', 'REPLY', 'ON']),
        encodeCommand(['ECHO', 'last']),
      ]),
    );
    expect((await a.readReply()).toString()).toBe('+OK\r\n');
    expect((await a.readReply()).toString()).toBe('+OK\r\n');
    expect((await a.readReply()).toString()).toBe('$4\r\nlast\r\n');
    await sleep(50);
    expect(a.pending().length).toBe(0);
    a.close();
  });

  // Regression: a skipped reply that makes the reply writer move to a new slab must still be
  // dropped (the rewind point is kept relative to the writer's mark, not as an offset).
  test('a skipped reply bigger than the reply slab is still dropped', async () => {
    const a = await rawClient(srv.port);
    await a.send(['SET', 'big', 'x'.repeat(300_000)]);
    a.sendRaw(
      Buffer.concat([
        encodeCommand(['PING']),
        encodeCommand(['CLIENT', 'REPLY', 'SKIP']),
        encodeCommand(['GET', 'big']),
        encodeCommand(['ECHO', 'after']),
      ]),
    );
    try {
      expect((await a.readReply(1000)).toString()).toBe('+PONG\r\n');
      expect((await a.readReply(1000)).toString()).toBe('$5\r\nafter\r\n');
    } finally {
      a.close();
    }
  });
});

describe('qbuf of the running command', () => {
  let s: ServerHandle;
  beforeAll(async () => {
    s = await startSpindle();
  });
  afterAll(async () => {
    await s?.stop();
  });

  test('CLIENT LIST and CLIENT INFO count the query buffer holding the command, as Redis does', async () => {
    const c = await rawClient(s.port);
    // redis-cli's `client list`: *2\r\n$6\r\nclient\r\n$4\r\nlist\r\n, 26 bytes.
    const own = (await c.send(['client', 'list'])).toString('latin1').split('\n').find((l) => l.includes('cmd=client|list')) ?? '';
    expect(parseLine(own.trim()).qbuf).toBe('26');
    expect(parseLine(text(await c.send(['client', 'info'])).trim()).qbuf).toBe('26');
    c.close();
  });

  test.skipIf(process.env.SPINDLE_IO_THREADS !== undefined && process.env.SPINDLE_IO_THREADS !== '1')(
    'in a pipeline read at once, qbuf is the whole read (66 bytes here, as redis-server reports)',
    async () => {
      const c = await rawClient(s.port);
      const one = encodeCommand(['client', 'info']);
      c.sendRaw(Buffer.concat([one, encodeCommand(['ping']), one]));
      const infos: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await c.readReply();
        if (r[0] !== 0x2b) infos.push(parseLine(text(r).trim()).qbuf);
      }
      expect(infos).toEqual(['66', '66']);
      c.close();
    },
  );
});

// The hostile-input catalogue, the cases that need more than a reply comparison (the rest are
// golden cases in test/golden/cases/hostile.txt, Redis 7.0.15's replies as the reference):
// headers announcing huge multibulk counts and bulks must not allocate what they announce; the
// unauthenticated header limits; script replies nested far deeper than the test helpers' reply
// scanner recurses (compared with redis-server byte for byte); a string.rep memory bomb inside a
// script. Every case ends by checking that another client is still served.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeCommand, hasRedis, rawClient, startRedis, startSpindle, type ServerHandle } from '../helpers/servers.ts';

let spindle: ServerHandle;
let redis: ServerHandle | null = null;

beforeAll(async () => {
  spindle = await startSpindle();
  if (hasRedis()) redis = await startRedis();
});

afterAll(async () => {
  await spindle?.stop();
  await redis?.stop();
});

const targets = (): ServerHandle[] => (redis === null ? [spindle] : [spindle, redis]);

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

async function pong(port: number): Promise<void> {
  const c = await rawClient(port);
  expect((await c.send(['PING'])).toString()).toBe('+PONG\r\n');
  c.close();
}

/**
 * The end of the RESP value at `pos` in `b`, or -1 when incomplete: iterative, so a reply nested
 * 100,000 deep does not overflow the stack (only the types replies here use).
 */
function replyEnd(b: Buffer, pos: number): number {
  let pending = 1;
  while (pending > 0) {
    const nl = b.indexOf('\r\n', pos);
    if (nl < 0) return -1;
    const t = String.fromCharCode(b[pos]);
    const n = Number(b.toString('latin1', pos + 1, nl));
    pos = nl + 2;
    pending--;
    if (t === '$' || t === '=' || t === '!') {
      if (n >= 0) {
        if (b.length < pos + n + 2) return -1;
        pos += n + 2;
      }
    } else if (t === '*' || t === '~' || t === '>') {
      if (n > 0) pending += n;
    } else if (t === '%' || t === '|') {
      if (n > 0) pending += 2 * n;
    }
  }
  return pos;
}

/** Sends the commands on one connection and resolves with the bytes of their replies. */
function exchange(port: number, cmds: string[][], replies = cmds.length): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    s.on('connect', () => s.write(Buffer.concat(cmds.map((c) => encodeCommand(c)))));
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      let pos = 0;
      for (let i = 0; i < replies; i++) {
        pos = replyEnd(buf, pos);
        if (pos < 0) return;
      }
      s.destroy();
      resolve(buf);
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error(`closed after ${buf.length} bytes`)));
  });
}

describe('headers that announce more than they send', () => {
  test('*2147483647 and $536870912 headers on 30 connections do not allocate what they announce', async () => {
    for (const t of targets()) {
      const pid = t.proc.pid!;
      const before = rssKb(pid);
      const socks: net.Socket[] = [];
      for (let i = 0; i < 30; i++) {
        const s = net.connect(t.port, '127.0.0.1');
        s.on('error', () => {});
        s.on('connect', () => s.write(i % 2 === 0 ? '*2147483647\r\n$3\r\nSET\r\n$2147483647\r\nab' : '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\nabc'));
        socks.push(s);
      }
      await new Promise((r) => setTimeout(r, 500));
      await pong(t.port);
      const grown = rssKb(pid) - before;
      for (const s of socks) s.destroy();
      // 30 announced 2^31-element arrays and 512 MB bulks: far less than one of them is held.
      expect(grown, `${t === spindle ? 'Spindle' : 'redis-server'} RSS growth (kB)`).toBeLessThan(64 * 1024);
    }
  });

  test('without authentication: multibulk counts past 1024*1024 and bulks past 16 KiB (Redis texts)', async () => {
    for (const t of targets()) {
      const admin = await rawClient(t.port);
      expect((await admin.send(['CONFIG', 'SET', 'requirepass', 'pw'])).toString()).toBe('+OK\r\n');
      try {
        const a = await rawClient(t.port);
        a.sendRaw('*1048577\r\n');
        expect((await a.readReply()).toString()).toBe('-ERR Protocol error: unauthenticated multibulk length\r\n');
        expect(await a.waitClosed(3000)).toBe(true);
        const b = await rawClient(t.port);
        b.sendRaw('*1\r\n$16385\r\n');
        expect((await b.readReply()).toString()).toBe('-ERR Protocol error: unauthenticated bulk length\r\n');
        expect(await b.waitClosed(3000)).toBe(true);
        // Within the limits an unauthenticated client gets NOAUTH as usual.
        const c = await rawClient(t.port);
        c.sendRaw('*1048576\r\n');
        c.sendRaw(Buffer.concat([encodeCommand(['AUTH', 'pw']), encodeCommand(['PING'])]));
        c.close();
      } finally {
        expect((await admin.send(['AUTH', 'pw'])).toString()).toBe('+OK\r\n');
        expect((await admin.send(['CONFIG', 'SET', 'requirepass', ''])).toString()).toBe('+OK\r\n');
        admin.close();
      }
      await pong(t.port);
    }
  });
});

describe('deeply nested script replies, byte for byte with redis-server', () => {
  const nested = (depth: number): string => `local t = {} local c = t for i = 1, ${depth} do c[1] = {} c = c[1] end return t`;
  for (const resp of ['2', '3']) {
    test(`RESP${resp}: 5000 levels, and 100000 levels (Redis stops at the Lua stack limit)`, async () => {
      const got: Buffer[] = [];
      for (const t of targets()) {
        const out = await exchange(t.port, [
          ['HELLO', resp],
          ['EVAL', nested(5000), '0'],
          ['EVAL', nested(100_000), '0'],
          ['EVAL', "local t = {} for i = 1, 3000 do t = {t, {x = {i}}} end return t", '0'],
        ]);
        // Drop the HELLO reply (its client id differs between the servers).
        got.push(out.subarray(replyEnd(out, 0)));
        await pong(t.port);
      }
      expect(got[0].toString('latin1')).toContain('-ERR reached lua stack limit\r\n');
      if (got.length === 2) expect(got[0].equals(got[1])).toBe(true);
    });
  }
});

describe('memory bombs inside scripts', () => {
  test('string.rep past 512 MB is refused with an error and the server keeps serving (Spindle; Redis allocates it)', async () => {
    const pid = spindle.proc.pid!;
    const c = await rawClient(spindle.port);
    const r = (await c.send(['EVAL', "return #string.rep('x', 2^29 + 1)", '0'], 60_000)).toString();
    expect(r).toMatch(/^-ERR Error running script .*not enough memory\r\n$/);
    const r2 = (await c.send(['EVAL', "local t = {} for i = 1, 64 do t[i] = string.rep('y', 2^24) end return #table.concat(t)", '0'], 60_000)).toString();
    expect(r2).toMatch(/not enough memory|^:1073741824\r\n$/);
    c.close();
    await pong(spindle.port);
    // What a refused bomb leaves behind is given back (not the 512 MB it asked for).
    expect(rssKb(pid)).toBeLessThan(1024 * 1024);
  }, 120_000);
});

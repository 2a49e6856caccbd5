/*
 * Limits and hostile input over real sockets: maxclients, client-query-buffer-limit,
 * proto-max-bulk-len, header lines that never end (64 KiB), and random garbage. The server must answer with Redis's errors, close only
 * the offending connection, and keep serving everyone else.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasRedis, rawClient, startRedis, startSpindle, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;

beforeAll(async () => {
  srv = await startSpindle(['--maxclients', '4']);
});

afterAll(async () => {
  await srv?.stop();
});

/** Connects, writes `data`, and collects everything until the server closes (or timeout). */
function sendAndCollect(data: Buffer | null, timeoutMs = 3000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('close', () => finish(true));
    sock.on('error', () => finish(true));
    sock.on('connect', () => {
      if (data !== null) sock.write(data);
    });
    setTimeout(() => finish(false), timeoutMs);
  });
}

/**
 * Sends `head`, then `fill` over and over in 4 KiB writes (up to `max` bytes) as a slow client
 * would, and collects the reply until the server closes the connection.
 */
function floodLine(port: number, head: string, fill: string, max = 256 * 1024): Promise<{ text: string; closed: boolean; sent: number }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let sent = 0;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed, sent });
    };
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('close', () => finish(true));
    sock.on('error', () => finish(true));
    sock.on('connect', async () => {
      sock.write(Buffer.from(head, 'latin1'));
      const piece = Buffer.from(fill.repeat(Math.ceil(4096 / fill.length)), 'latin1');
      while (!done && sent < max) {
        sock.write(piece);
        sent += piece.length;
        await new Promise((r) => setTimeout(r, 1));
      }
      setTimeout(() => finish(false), 2000);
    });
  });
}

const PING = '*1\r\n$4\r\nPING\r\n';
/**
 * Header lines that never end, each after a valid PING: [what is sent first, what repeats, the
 * reply]. Read off redis-server 7.0.15: its strchr() search stops at a NUL, so a line holding
 * one is never complete even when "\r\n" follows; and it finds a bulk header's CR before it
 * checks for the '$'.
 */
const UNENDING_LINES: Array<[string, string, string]> = [
  [PING + '\0', 'x', '-ERR Protocol error: too big inline request\r\n'],
  [PING + 'GET ', 'x', '-ERR Protocol error: too big inline request\r\n'],
  [PING + '\0', 'x\r\n', '-ERR Protocol error: too big inline request\r\n'],
  [PING + '*\0', 'x', '-ERR Protocol error: too big mbulk count string\r\n'],
  [PING + '*1', '1', '-ERR Protocol error: too big mbulk count string\r\n'],
  [PING + '*1\r\n$\0', 'x', '-ERR Protocol error: too big bulk count string\r\n'],
  [PING + '*1\r\n$1', '1', '-ERR Protocol error: too big bulk count string\r\n'],
  [PING + '*1\r\n\0', 'x\r\n', '-ERR Protocol error: too big bulk count string\r\n'],
];

async function checkUnendingLines(port: number): Promise<void> {
  for (const [head, fill, err] of UNENDING_LINES) {
    const what = `${JSON.stringify(head)} + ${JSON.stringify(fill)}...`;
    // The server closes right after the error while this client is still sending, as Redis does:
    // the close then goes out as a reset, and a reset can make the kernel drop the error before
    // it is read (seen once against redis-server 7.0.15 itself). That race, and only that one
    // (the error missing, the PING answered, the connection closed), is retried, up to 3 times.
    let res = await floodLine(port, head, fill);
    for (let i = 0; i < 3 && res.closed && res.text === '+PONG\r\n'; i++) res = await floodLine(port, head, fill);
    expect(res.text, what).toBe('+PONG\r\n' + err);
    expect(res.closed, what).toBe(true);
    // Closed at the limit (64 KiB plus what was in flight), not after the whole flood.
    expect(res.sent, what).toBeLessThan(256 * 1024);
  }
}

async function ping(): Promise<string> {
  const c = await rawClient(srv.port);
  try {
    return (await c.send(['PING'])).toString();
  } finally {
    c.close();
  }
}

describe('limits', () => {
  test('maxclients: the connection over the limit is refused with Redis error', async () => {
    // Closed connections leave asynchronously (with io-threads through the worker), so first
    // wait until ours is the only client, then fill the other three slots.
    const admin = await rawClient(srv.port);
    for (let i = 0; i < 100; i++) {
      const info = (await admin.send(['INFO', 'clients'])).toString();
      if (/connected_clients:1\r\n/.test(info)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const held = [admin, ...(await Promise.all([1, 2, 3].map(() => rawClient(srv.port))))];
    try {
      for (const h of held) expect((await h.send(['PING'])).toString()).toBe('+PONG\r\n');
      const extra = await sendAndCollect(null);
      expect(extra.text).toBe('-ERR max number of clients reached\r\n');
      expect(extra.closed).toBe(true);
    } finally {
      for (const h of held) h.close();
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(await ping()).toBe('+PONG\r\n');
  });

  test('client-query-buffer-limit closes a client whose unparsed input grows past it', async () => {
    const admin = await rawClient(srv.port);
    try {
      expect((await admin.send(['CONFIG', 'SET', 'client-query-buffer-limit', '1mb'])).toString()).toBe('+OK\r\n');
      // A 4 MB bulk announced, 2 MB sent: the query buffer passes 1 MB and the client is dropped.
      const head = Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4194304\r\n');
      const res = await sendAndCollect(Buffer.concat([head, Buffer.alloc(2 * 1024 * 1024, 120)]));
      expect(res.closed).toBe(true);
      expect(res.text).toBe('');
      expect((await admin.send(['EXISTS', 'k'])).toString()).toBe(':0\r\n');
    } finally {
      await admin.send(['CONFIG', 'SET', 'client-query-buffer-limit', '1gb']);
      admin.close();
    }
  });

  test('proto-max-bulk-len: a longer bulk is a protocol error that closes the connection', async () => {
    const admin = await rawClient(srv.port);
    try {
      expect((await admin.send(['CONFIG', 'SET', 'proto-max-bulk-len', '1mb'])).toString()).toBe('+OK\r\n');
      const res = await sendAndCollect(Buffer.from('*2\r\n$4\r\nECHO\r\n$1048577\r\n'));
      expect(res.text).toBe('-ERR Protocol error: invalid bulk length\r\n');
      expect(res.closed).toBe(true);
      // The limit also bounds values built by commands.
      expect((await admin.send(['SETRANGE', 'big', '1048576', 'x'])).toString()).toBe(
        '-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n',
      );
    } finally {
      await admin.send(['CONFIG', 'SET', 'proto-max-bulk-len', '512mb']);
      admin.close();
    }
  });

  test('a header line past 64 KiB without its terminator is a protocol error that closes', async () => {
    await checkUnendingLines(srv.port);
    expect(await ping()).toBe('+PONG\r\n');
  }, 60_000);

  test('random garbage never takes the server down', async () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const prefixes = ['*', '$', '*1\r\n$', '*2\r\n$3\r\nGET\r\n$', '', 'SET "', '*-', '*99999999999999999999\r\n'];
    for (let round = 0; round < 60; round++) {
      const len = rand() % 3000;
      const junk = Buffer.alloc(len);
      for (let i = 0; i < len; i++) junk[i] = rand() & 0xff;
      const data = Buffer.concat([Buffer.from(prefixes[round % prefixes.length]), junk, Buffer.from('\r\n')]);
      await sendAndCollect(data, 150);
    }
    expect(await ping()).toBe('+PONG\r\n');
  }, 30_000);
});

// The expectations above, checked against the real thing when it is installed.
describe.skipIf(!hasRedis())('limits (redis-server 7.0.15, same expectations)', () => {
  let redis: ServerHandle;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  test('header lines past 64 KiB', async () => {
    await checkUnendingLines(redis.port);
  }, 60_000);
});

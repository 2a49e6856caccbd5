/*
 * client-output-buffer-limit (src/server/obuf-limit.ts): clients that do not read their replies
 * are closed once their pending output passes the hard limit, or stays over the soft limit
 * longer than soft-seconds, per class (normal / pubsub); the default config leaves normal
 * clients alone, and a subscriber that keeps up is never closed. Non-reading clients are raw
 * sockets paused after their setup, so the kernel buffers fill and the output piles up in the
 * server. Runs with io-threads 1 and (SPINDLE_IO_THREADS=4) 4, where the I/O workers enforce the
 * limits on their sockets.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { encodeCommand, rawClient, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;
let admin: RawClient;
let open: net.Socket[] = [];

beforeAll(async () => {
  srv = await startSpindle();
  admin = await rawClient(srv.port);
});

afterAll(async () => {
  admin?.close();
  await srv?.stop();
});

afterEach(async () => {
  for (const s of open) s.destroy();
  open = [];
  await admin.send(['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0 pubsub 32mb 8mb 60']);
});

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));
const KB100 = Buffer.alloc(100_000, 'x');
/** A GET reply of KB100: $100000\r\n...\r\n */
const GET_REPLY = 9 + 100_000 + 2;

async function setLimits(value: string): Promise<void> {
  expect((await admin.send(['CONFIG', 'SET', 'client-output-buffer-limit', value])).toString()).toBe('+OK\r\n');
}

/** A raw connection that counts what it receives. */
interface Conn {
  sock: net.Socket;
  received(): number;
  /** Bytes received once its setup commands were answered. */
  base: number;
  closed(): boolean;
  /** Resolves once at least `bytes` have arrived in total. */
  until(bytes: number, timeoutMs?: number): Promise<void>;
}

/**
 * Connects, names the client and runs `setup`, then a PING whose reply marks the end of the
 * setup replies.
 */
async function connect(name: string, setup: (string | Buffer)[][]): Promise<Conn> {
  const sock = net.connect(srv.port, '127.0.0.1');
  open.push(sock);
  let got = 0;
  let closed = false;
  let setupText = '';
  let wake: (() => void) | null = null;
  sock.on('data', (d: Buffer) => {
    got += d.length;
    if (setupText.length < 10_000) setupText += d.toString('latin1');
    wake?.();
  });
  sock.on('close', () => {
    closed = true;
    wake?.();
  });
  sock.on('error', () => {});
  await new Promise((r) => sock.once('connect', r));
  const conn: Conn = {
    sock,
    base: 0,
    received: () => got,
    closed: () => closed,
    async until(bytes, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (got < bytes) {
        if (closed) throw new Error(`connection closed after ${got} of ${bytes} bytes`);
        if (Date.now() > deadline) throw new Error(`only ${got} of ${bytes} bytes within ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
        wake = null;
      }
    },
  };
  const cmds = [['CLIENT', 'SETNAME', name], ...setup, ['PING']];
  sock.write(Buffer.concat(cmds.map((c) => encodeCommand(c))));
  // +PONG, or ["pong", ""] while subscribed in RESP2.
  await waitFor(`${name} set up`, () => /\+PONG\r\n$|\$4\r\npong\r\n\$0\r\n\r\n$/.test(setupText));
  conn.base = got;
  return conn;
}

/**
 * Writes `cmd` `count` times, one at a time a few ms apart (so each reply is written to the
 * socket on its own), stopping early once CLIENT LIST no longer shows `name`; returns how many
 * were written.
 */
async function dribble(c: Conn, name: string, cmd: Buffer, count: number, stopWhenGone: boolean): Promise<number> {
  let sent = 0;
  for (; sent < count; sent++) {
    if (stopWhenGone && sent % 10 === 0 && !(await listed(name))) break;
    c.sock.write(cmd);
    await sleep(2);
  }
  return sent;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Whether CLIENT LIST shows a client named `name`. */
async function listed(name: string): Promise<boolean> {
  return (await admin.send(['CLIENT', 'LIST'])).toString().includes(` name=${name} `);
}

/** The server's log lines (stdout) that mention the client named `name`. */
function logLines(name: string): string[] {
  return srv.output().split('\n').filter((l) => l.includes(` name=${name} `));
}

/** Waits for the log line about `name` (stdout reaches us through a pipe, after the close itself). */
async function logged(name: string): Promise<string[]> {
  await waitFor(`the log line about ${name}`, () => logLines(name).length > 0, 3000);
  await sleep(20);
  return logLines(name);
}

/** Publishes `count` messages pipelined (replies awaited); returns the receiver counts. */
async function publishMany(channel: string, msg: Buffer, count: number): Promise<number[]> {
  const one = encodeCommand(['PUBLISH', channel, msg]);
  admin.sendRaw(Buffer.concat(Array.from({ length: count }, () => one)));
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Number((await admin.readReply()).toString().slice(1, -2)));
  return out;
}

const ASAP = 'scheduled to be closed ASAP for overcoming of output buffer limits.';
const CLOSED_NOW = ' closed for overcoming of output buffer limits.';

describe('client-output-buffer-limit', () => {
  test('pubsub hard limit: a subscriber that does not read is dropped with its queued output', async () => {
    await setLimits('normal 0 0 0 pubsub 1mb 0 0');
    const sub = await connect('obufhard', [['SUBSCRIBE', 'obufch']]);
    sub.sock.pause();
    // Publish 100 KB messages until nobody receives them any more (kernel buffers take a few MB).
    let sent = 0;
    for (; sent < 600; sent += 10) {
      const counts = await publishMany('obufch', KB100, 10);
      if (counts.includes(0)) break;
    }
    expect(sent).toBeLessThan(600);
    expect(await listed('obufhard')).toBe(false);
    const lines = await logged('obufhard');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ # Client id=\d+ addr=\S+ laddr=\S+ fd=-?\d+ name=obufhard .*flags=P .*sub=1 .*cmd=ping /);
    expect(lines[0].endsWith(ASAP)).toBe(true);
    // What was still queued in the server was dropped: the socket ends before all of it arrives.
    sub.sock.resume();
    await waitFor('the subscriber socket to close', () => sub.closed());
    expect(sub.received()).toBeLessThan(sent * KB100.length);
    expect((await admin.send(['PING'])).toString()).toBe('+PONG\r\n');
  });

  test('pubsub soft limit: closed once over it for more than soft-seconds, not before', async () => {
    await setLimits('normal 0 0 0 pubsub 0 256kb 1');
    const sub = await connect('obufsoft', [['SUBSCRIBE', 'obufch']]);
    sub.sock.pause();
    const t0 = Date.now();
    // 10 MB: a few MB fit in the kernel buffers, the rest stays over the 256 KB soft limit.
    const counts = await publishMany('obufch', KB100, 100);
    expect(counts.every((n) => n === 1)).toBe(true);
    const t1 = Date.now();
    expect(t1 - t0).toBeLessThan(700);
    // The stamp is at or after t0, and the limit needs more than 1 s over it.
    await sleep(800 - (Date.now() - t0));
    expect(await listed('obufsoft')).toBe(true);
    // Nothing more is published: the cron finds the time up.
    await waitFor('the soft limit to close the subscriber', async () => !(await listed('obufsoft')), 4000);
    const closedAt = Date.now();
    expect(closedAt - t0).toBeGreaterThanOrEqual(1000);
    expect(closedAt - t1).toBeLessThan(3000);
    const lines = await logged('obufsoft');
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith(CLOSED_NOW)).toBe(true);
    sub.sock.resume();
    await waitFor('the subscriber socket to close', () => sub.closed());
  });

  test('a subscriber that keeps up is never closed, even when it falls behind for moments', async () => {
    await setLimits('normal 0 0 0 pubsub 32mb 256kb 1');
    const sub = await connect('obufreader', [['SUBSCRIBE', 'obufch']]);
    const frame = encodeCommand(['message', 'obufch', KB100]).length;
    let expected = sub.base;
    // Heavy publishing to a reading subscriber: 20 MB in pipelined batches.
    for (let i = 0; i < 20; i++) {
      expect((await publishMany('obufch', KB100, 10)).every((n) => n === 1)).toBe(true);
      expected += 10 * frame;
    }
    await sub.until(expected);
    // Bursts over the soft limit (paused for 10 MB, a few of which the kernel buffers take, then
    // caught up), over ~3 s: each is shorter than soft-seconds, so the stamp must be cleared in
    // between.
    const start = Date.now();
    let bursts = 0;
    while (Date.now() - start < 3000) {
      sub.sock.pause();
      expect((await publishMany('obufch', KB100, 100)).every((n) => n === 1)).toBe(true);
      expected += 100 * frame;
      sub.sock.resume();
      await sub.until(expected);
      bursts++;
      await sleep(250);
    }
    expect(bursts).toBeGreaterThan(3);
    expect(sub.closed()).toBe(false);
    expect(await listed('obufreader')).toBe(true);
    expect(logLines('obufreader')).toHaveLength(0);
  });

  test('normal hard limit: one reply bigger than the limit closes the client', async () => {
    await admin.send(['SET', 'obufbig', Buffer.alloc(3_000_000, 'b')]);
    await setLimits('normal 1mb 0 0 pubsub 32mb 8mb 60');
    const c = await connect('obufget', []);
    c.sock.pause();
    c.sock.write(encodeCommand(['GET', 'obufbig']));
    await waitFor('the client to be closed', async () => !(await listed('obufget')));
    const lines = await logged('obufget');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ flags=N .*cmd=get /);
    expect(lines[0].endsWith(ASAP)).toBe(true);
    c.sock.resume();
    await waitFor('the socket to close', () => c.closed());
    // The reply was dropped, not sent.
    expect(c.received()).toBe(c.base);
  });

  test('normal hard limit: replies piling up in the socket close a client that does not read', async () => {
    await admin.send(['SET', 'obufval', KB100]);
    await setLimits('normal 1mb 0 0 pubsub 32mb 8mb 60');
    const c = await connect('obufpipe', []);
    c.sock.pause();
    // One GET at a time (each reply written on its own), until the client is gone.
    const sent = await dribble(c, 'obufpipe', encodeCommand(['GET', 'obufval']), 300, true);
    expect(sent).toBeLessThan(300);
    const lines = await logged('obufpipe');
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith(ASAP)).toBe(true);
    c.sock.resume();
    await waitFor('the socket to close', () => c.closed());
    expect(c.received()).toBeLessThan(c.base + sent * GET_REPLY);
  });

  test('default limits leave a normal client that does not read alone', async () => {
    await admin.send(['SET', 'obufval', KB100]);
    const c = await connect('obufdefault', []);
    c.sock.pause();
    // 20 MB of replies, far past what the kernel buffers hold.
    c.sock.write(Buffer.concat(Array.from({ length: 200 }, () => encodeCommand(['GET', 'obufval']))));
    await sleep(500);
    expect(await listed('obufdefault')).toBe(true);
    c.sock.resume();
    await c.until(c.base + 200 * GET_REPLY, 10_000);
    expect(c.closed()).toBe(false);
    expect(logLines('obufdefault')).toHaveLength(0);
  });

  test('lowering the limit closes a client already over it, with no further write', async () => {
    await admin.send(['SET', 'obufval', KB100]);
    const c = await connect('obuflower', []);
    c.sock.pause();
    c.sock.write(Buffer.concat(Array.from({ length: 150 }, () => encodeCommand(['GET', 'obufval']))));
    await sleep(300);
    expect(await listed('obuflower')).toBe(true);
    await setLimits('normal 1mb 0 0 pubsub 32mb 8mb 60');
    await waitFor('the client to be closed', async () => !(await listed('obuflower')), 2000);
    const lines = await logged('obuflower');
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith(CLOSED_NOW)).toBe(true);
  });

  test('the class follows subscriptions: pubsub limits while subscribed, normal ones after', async () => {
    await admin.send(['SET', 'obufval', KB100]);
    await setLimits('normal 0 0 0 pubsub 1mb 0 0');
    const get = encodeCommand(['GET', 'obufval']);
    // RESP3 lets a subscriber run GET: its replies count against the pubsub limit.
    const subbed = await connect('obufsubbed', [['HELLO', '3'], ['SUBSCRIBE', 'obufch']]);
    subbed.sock.pause();
    expect(await dribble(subbed, 'obufsubbed', get, 300, true)).toBeLessThan(300);
    const lines = await logged('obufsubbed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ flags=P .*cmd=get .*resp=3 /);
    // After its last UNSUBSCRIBE (a round trip of its own: the class is looked at between a
    // client's batches) a client is normal again (no limit here): 15 MB pile up.
    const left = await connect('obufleft', [['HELLO', '3'], ['SUBSCRIBE', 'obufch']]);
    left.sock.write(encodeCommand(['UNSUBSCRIBE', 'obufch']));
    const unsubscribed = '>3\r\n$11\r\nunsubscribe\r\n$6\r\nobufch\r\n:0\r\n'.length;
    await left.until(left.base + unsubscribed);
    expect(left.received()).toBe(left.base + unsubscribed);
    left.base = left.received();
    left.sock.pause();
    await dribble(left, 'obufleft', get, 150, false);
    await sleep(200);
    expect(await listed('obufleft')).toBe(true);
    left.sock.resume();
    await left.until(left.base + 150 * GET_REPLY, 10_000);
    expect(logLines('obufleft')).toHaveLength(0);
  });
});

// The addon's socket layer for main-thread clients (native/core/net.cc, src/server/native-net.ts):
// the paths Node's sockets used to take for us. A reply bigger than the socket buffer waits in
// the addon while the client does not read, shows in CLIENT LIST's omem, and arrives whole and in
// order; QUIT answers and closes; a peer that resets with replies pending is freed; many clients
// pipelining at once each get their own replies in order; the client-output-buffer-limit sees the
// bytes waiting in the addon; a busy script's pumps keep reading however long it runs.
// SPINDLE_NATIVE_NET=0 turns the layer off (Node's sockets).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeCommand, rawClient, type ServerHandle, startSpindle } from '../helpers/servers.ts';
import { addon } from '../helpers/native.ts';
import { scriptingSkipReason } from '../helpers/scripting.ts';

function info(s: string, field: string): string {
  return new RegExp(`${field}:(\\S+)`).exec(s)?.[1] ?? '';
}

describe.skipIf(addon === null)('the native socket layer (io-threads 1)', () => {
  let srv: ServerHandle;
  beforeAll(async () => {
    srv = await startSpindle(['--io-threads', '1']);
  }, 20_000);
  afterAll(async () => {
    await srv?.stop();
  });

  test('INFO and the start-up log say it is in use', async () => {
    const c = await rawClient(srv.port);
    try {
      expect(info((await c.send(['INFO', 'spindle'])).toString(), 'native_net')).toBe('1');
      expect(srv.output()).toContain('Native addon: in use (HyperLogLog, listpack validation, client sockets)');
    } finally {
      c.close();
    }
  });

  test('a 24 MB reply to a client that does not read waits in the addon, counts in omem, then arrives whole', async () => {
    const c = await rawClient(srv.port);
    const watcher = await rawClient(srv.port);
    try {
      const size = 24 * 1024 * 1024;
      const value = Buffer.alloc(size);
      for (let i = 0; i < size; i++) value[i] = (i * 7 + (i >> 12)) & 0xff;
      expect((await c.send(['SET', 'big', value], 20_000)).toString()).toBe('+OK\r\n');
      // Three copies and a PING in one write; the client's socket is not read until all are sent.
      const raw = await new Promise<Buffer>((resolve, reject) => {
        const s = net.connect(srv.port, '127.0.0.1');
        const chunks: Buffer[] = [];
        let total = 0;
        const want = 3 * (value.length + `$${size}\r\n\r\n`.length) + 7;
        s.on('connect', () => {
          s.pause();
          s.write(Buffer.concat([encodeCommand(['GET', 'big']), encodeCommand(['GET', 'big']), encodeCommand(['GET', 'big']), encodeCommand(['PING'])]));
          setTimeout(async () => {
            try {
              const list = (await watcher.send(['CLIENT', 'LIST'])).toString();
              const line = list.split('\n').find((l) => l.includes('cmd=ping')) ?? '';
              // The kernel buffers hold a few MB at most: the rest is the addon's.
              expect(Number(/omem=(\d+)/.exec(line)?.[1] ?? '0')).toBeGreaterThan(8 * 1024 * 1024);
              s.resume();
            } catch (e) {
              reject(e);
            }
          }, 500);
        });
        s.on('data', (d: Buffer) => {
          chunks.push(d);
          total += d.length;
          if (total >= want) {
            s.destroy();
            resolve(Buffer.concat(chunks));
          }
        });
        s.on('error', reject);
      });
      const header = Buffer.from(`$${size}\r\n`);
      let p = 0;
      for (let k = 0; k < 3; k++) {
        expect(raw.subarray(p, p + header.length).equals(header)).toBe(true);
        p += header.length;
        expect(raw.subarray(p, p + size).equals(value)).toBe(true);
        p += size + 2;
      }
      expect(raw.subarray(p).toString()).toBe('+PONG\r\n');
      expect((await watcher.send(['DEL', 'big'])).toString()).toBe(':1\r\n');
    } finally {
      c.close();
      watcher.close();
    }
  }, 60_000);

  test('QUIT answers, then the server closes; pipelined commands after it are not run', async () => {
    const c = await rawClient(srv.port);
    try {
      c.sendRaw(Buffer.concat([encodeCommand(['SET', 'q', '1']), encodeCommand(['QUIT']), encodeCommand(['SET', 'q', '2'])]));
      expect((await c.readReply()).toString()).toBe('+OK\r\n');
      expect((await c.readReply()).toString()).toBe('+OK\r\n');
      expect(await c.waitClosed(5000)).toBe(true);
      const d = await rawClient(srv.port);
      expect((await d.send(['GET', 'q'])).toString()).toBe('$1\r\n1\r\n');
      d.close();
    } finally {
      c.close();
    }
  });

  test('a peer that resets with a large reply pending is freed, and the server goes on', async () => {
    const watcher = await rawClient(srv.port);
    try {
      expect((await watcher.send(['SET', 'mid', Buffer.alloc(4 * 1024 * 1024, 120)])).toString()).toBe('+OK\r\n');
      const before = Number(info((await watcher.send(['INFO', 'clients'])).toString(), 'connected_clients'));
      for (let i = 0; i < 5; i++) {
        const s = net.connect(srv.port, '127.0.0.1');
        await new Promise<void>((r) => s.on('connect', () => r()));
        s.pause();
        s.write(Buffer.concat([encodeCommand(['GET', 'mid']), encodeCommand(['GET', 'mid'])]));
        await new Promise((r) => setTimeout(r, 100));
        s.resetAndDestroy();
      }
      let now = -1;
      for (let i = 0; i < 50 && now !== before; i++) {
        await new Promise((r) => setTimeout(r, 50));
        now = Number(info((await watcher.send(['INFO', 'clients'])).toString(), 'connected_clients'));
      }
      expect(now).toBe(before);
      expect((await watcher.send(['PING'])).toString()).toBe('+PONG\r\n');
    } finally {
      watcher.close();
    }
  });

  test('200 clients pipelining at once each get their own replies, in order', async () => {
    const clients = await Promise.all(Array.from({ length: 200 }, () => rawClient(srv.port)));
    try {
      const rounds = 20;
      for (const [i, c] of clients.entries()) {
        const cmds: Buffer[] = [];
        for (let r = 0; r < rounds; r++) cmds.push(encodeCommand(['INCR', `n:${i}`]), encodeCommand(['ECHO', `${i}:${r}`]));
        c.sendRaw(Buffer.concat(cmds));
      }
      await Promise.all(
        clients.map(async (c, i) => {
          for (let r = 0; r < rounds; r++) {
            expect((await c.readReply()).toString()).toBe(`:${r + 1}\r\n`);
            const e = `${i}:${r}`;
            expect((await c.readReply()).toString()).toBe(`$${e.length}\r\n${e}\r\n`);
          }
        }),
      );
    } finally {
      for (const c of clients) c.close();
    }
  }, 30_000);

  test('client-output-buffer-limit counts what waits in the addon', async () => {
    const c = await rawClient(srv.port);
    try {
      expect((await c.send(['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 4mb 0 0'])).toString()).toBe('+OK\r\n');
      expect((await c.send(['SET', 'obuf', Buffer.alloc(3 * 1024 * 1024, 97)])).toString()).toBe('+OK\r\n');
      const s = net.connect(srv.port, '127.0.0.1');
      await new Promise<void>((r) => s.on('connect', () => r()));
      s.pause();
      const closed = new Promise<void>((r) => s.on('close', () => r()));
      s.on('error', () => {});
      // Enough reads to go past the kernel's buffers and the 4 MB limit.
      const cmds: Buffer[] = [];
      for (let i = 0; i < 8; i++) cmds.push(encodeCommand(['GET', 'obuf']));
      s.write(Buffer.concat(cmds));
      await new Promise((r) => setTimeout(r, 500));
      s.resume();
      await closed;
      expect(srv.output()).toMatch(/closed for overcoming of output buffer limits|scheduled to be closed ASAP for overcoming of output buffer limits/);
    } finally {
      await c.send(['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0']);
      c.close();
    }
  }, 30_000);
});

describe.skipIf(addon === null || scriptingSkipReason() !== '')('the native socket layer under a busy script', () => {
  // The busy script's pumps read other clients from inside a dispatch: 10,000 -BUSY round trips
  // are more reads than the layer has records for (8192), so each pump must give its room back,
  // or reading would stop and SCRIPT KILL would never be read.
  test('10,000 commands get -BUSY during one script, then SCRIPT KILL ends it', async () => {
    const srv = await startSpindle(['--io-threads', '1', '--busy-reply-threshold', '20']);
    const runner = await rawClient(srv.port);
    const other = await rawClient(srv.port);
    try {
      const endless = runner.send(['EVAL', 'while true do end', '0'], 60_000);
      let busy = 0;
      for (let i = 0; busy < 10_000 && i < 200_000; i++) {
        const r = (await other.send(['PING'])).toString();
        if (r.startsWith('-BUSY')) busy++;
        else expect(r).toBe('+PONG\r\n'); // before the threshold
      }
      expect(busy).toBe(10_000);
      expect((await other.send(['SCRIPT', 'KILL'])).toString()).toBe('+OK\r\n');
      expect((await endless).toString()).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\./);
      expect((await runner.send(['PING'])).toString()).toBe('+PONG\r\n');
    } finally {
      runner.close();
      other.close();
      await srv.stop();
    }
  }, 90_000);
});

describe.skipIf(addon === null)('SPINDLE_NATIVE_NET=0', () => {
  test("clients get Node's sockets, and INFO says so", async () => {
    const srv = await startSpindle(['--io-threads', '1'], { env: { ...process.env, SPINDLE_NATIVE_NET: '0' } });
    const c = await rawClient(srv.port);
    try {
      expect(info((await c.send(['INFO', 'spindle'])).toString(), 'native_net')).toBe('0');
      expect(srv.output()).toContain('not client sockets (SPINDLE_NATIVE_NET=0)');
      expect((await c.send(['PING'])).toString()).toBe('+PONG\r\n');
    } finally {
      c.close();
      await srv.stop();
    }
  }, 20_000);
});

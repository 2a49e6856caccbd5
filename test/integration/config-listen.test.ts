// CONFIG SET port / bind apply at once and roll back when they cannot be applied (Redis 7.0:
// "Unable to listen on this port", every pair of the call restored). Both I/O modes.
import net from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort, rawClient, startSpindle, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;
let blocker: net.Server;
let busyPort = 0;

beforeAll(async () => {
  srv = await startSpindle();
  busyPort = await freePort();
  blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(busyPort, '127.0.0.1', () => r()));
});

afterAll(async () => {
  blocker?.close();
  await srv?.stop();
});

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

test('a port in use fails with Redis error and restores every pair of the call', async () => {
  const c = await rawClient(srv.port);
  expect((await c.send(['CONFIG', 'SET', 'maxmemory', '12345678', 'port', String(busyPort)])).toString()).toBe(
    "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n",
  );
  expect((await c.send(['CONFIG', 'GET', 'port'])).toString()).toBe(`*2\r\n$4\r\nport\r\n$${String(srv.port).length}\r\n${srv.port}\r\n`);
  expect((await c.send(['CONFIG', 'GET', 'maxmemory'])).toString()).toBe('*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n');
  expect(await canConnect(srv.port)).toBe(true);
  expect(srv.output()).toContain('bind: Address already in use');
  c.close();
});

test('an unavailable bind address fails and the old addresses still listen', async () => {
  const c = await rawClient(srv.port);
  expect((await c.send(['CONFIG', 'SET', 'bind', '127.0.0.1 192.0.2.254'])).toString()).toBe(
    "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
  );
  expect(await canConnect(srv.port)).toBe(true);
  c.close();
});

test('a free port is listened on at once; the old one stops accepting, connections stay', async () => {
  const c = await rawClient(srv.port);
  const oldPort = srv.port;
  const newPort = await freePort();
  expect((await c.send(['CONFIG', 'SET', 'port', String(newPort)])).toString()).toBe('+OK\r\n');
  expect(await canConnect(newPort)).toBe(true);
  expect(await canConnect(oldPort)).toBe(false);
  expect((await c.send(['PING'])).toString()).toBe('+PONG\r\n');
  const d = await rawClient(newPort);
  expect((await d.send(['CONFIG', 'SET', 'port', String(oldPort)])).toString()).toBe('+OK\r\n');
  expect(await canConnect(oldPort)).toBe(true);
  c.close();
  d.close();
});

// io-threads: a client that disconnects while its commands are being run must not leave its
// replies in the shared reply writer for the next client (found by the MONITOR side-by-side test:
// a new connection received the replies of closed ones before its own).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import net from 'node:net';
import { encodeCommand, rawClient, startSpindle, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;

const connect = (port: number): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });

describe('io-threads: replies of closed clients', () => {
  beforeAll(async () => {
    srv = await startSpindle(['--io-threads', '2']);
  });
  afterAll(async () => {
    await srv?.stop();
  });

  test('never reach the next connection', async () => {
    for (let i = 0; i < 100; i++) {
      const a = await connect(srv.port);
      const b = await connect(srv.port);
      a.on('error', () => {});
      b.on('error', () => {});
      // Commands, then gone at once: the worker reports the close while they may be running.
      b.write(encodeCommand(['PING', 'from-b']));
      a.write(encodeCommand(['PING', 'from-a']));
      a.destroy();
      b.destroy();
      const c = await rawClient(srv.port);
      const first = (await c.send(['ECHO', 'mine'])).toString('latin1');
      c.close();
      expect(first).toBe('$4\r\nmine\r\n');
    }
  });
});

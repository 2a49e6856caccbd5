// `timeout` (idle clients closed by the cron, as 7.0's clientsCronHandleTimeout: not blocked
// clients, not clients with subscriptions) and `tcp-keepalive` (SO_KEEPALIVE with the configured
// idle time on accepted sockets, read back with `ss -o`), in both I/O modes.
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { rawClient, startSpindle } from '../helpers/servers.ts';

describe.each([1, 4])('idle clients, io-threads %i', (threads) => {
  test('timeout 1 closes an idle client, not a blocked one nor a subscriber', async () => {
    const srv = await startSpindle(['--io-threads', String(threads), '--timeout', '1', '--hz', '50']);
    try {
      const idle = await rawClient(srv.port);
      expect((await idle.send(['PING'])).toString()).toBe('+PONG\r\n');
      const blocked = await rawClient(srv.port);
      blocked.sendRaw('*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n');
      const sub = await rawClient(srv.port);
      expect((await sub.send(['SUBSCRIBE', 'ch'])).toString()).toContain('subscribe');
      // The idle client goes once more than a second has passed with nothing from it.
      expect(await idle.waitClosed(15_000)).toBe(true);
      expect(blocked.isClosed()).toBe(false);
      expect(sub.isClosed()).toBe(false);
      const c = await rawClient(srv.port);
      expect((await c.send(['RPUSH', 'q', 'x'])).toString()).toBe(':1\r\n');
      expect((await blocked.readReply()).toString()).toBe('*2\r\n$1\r\nq\r\n$1\r\nx\r\n');
      c.close();
      blocked.close();
      sub.close();
    } finally {
      await srv.stop();
    }
  }, 60_000);

  test('tcp-keepalive sets SO_KEEPALIVE with the configured time on client sockets', async () => {
    const srv = await startSpindle(['--io-threads', String(threads), '--tcp-keepalive', '77']);
    try {
      const c = await rawClient(srv.port);
      expect((await c.send(['PING'])).toString()).toBe('+PONG\r\n');
      // The server's end of the connection: local port = the server's port.
      const out = execFileSync('ss', ['-tno', 'state', 'established', `( sport = :${srv.port} )`], { encoding: 'utf8' });
      expect(out).toMatch(/timer:\(keepalive,/);
      // The first probe is due within the configured 77 s.
      const secs = /timer:\(keepalive,(?:(\d+)min)?(\d+(?:\.\d+)?)(ms|sec)/.exec(out);
      expect(secs).not.toBeNull();
      const total = Number(secs![1] ?? 0) * 60 + Number(secs![2]) / (secs![3] === 'ms' ? 1000 : 1);
      expect(total).toBeGreaterThan(60);
      expect(total).toBeLessThanOrEqual(77);
      c.close();
    } finally {
      await srv.stop();
    }
  });
});

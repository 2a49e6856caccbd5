// A short bounded run of the RESP fuzzer (scripts/fuzz-resp.ts) in both I/O modes: 20,000
// random and mutated inputs over many short connections, while a watchdog connection PINGs.
// The server must not exit, must keep answering the watchdog, and its RSS must stay bounded.
// The 1M-input runs recorded in docs/fuzzing.md use the same code: `node scripts/fuzz-resp.ts`.
import { describe, expect, test } from 'vitest';
import { runFuzz } from '../../scripts/fuzz-resp.ts';

describe.each([1, 4])('RESP fuzzer, io-threads %i', (threads) => {
  test('20k inputs: no crash, no hang, bounded memory', async () => {
    const r = await runFuzz({ inputs: 20_000, ioThreads: threads, seed: 7 + threads, conns: 8, maxSeconds: 240 });
    expect(r.failure).toBe('');
    expect(r.crashed).toBe(false);
    expect(r.hung).toBe(false);
    expect(r.inputs).toBe(20_000);
    expect(r.watchdogPings).toBeGreaterThan(0);
    // Bounded: the dataset is flushed every 5 s, so growth is the server's own.
    expect(r.rssMaxKb - r.rssStartKb).toBeLessThan(512 * 1024);
    // Every fuzz connection is closed by now: the server holds no descriptors for them.
    expect(r.fdsEnd).toBeLessThan(r.fdsStart + 50);
  }, 300_000);
});

// Found by the fuzzer (io-threads 4): a protocol error from one client, reported by its worker
// while the main thread was collecting another client's replies, took those replies with it.
describe('replies stay with their client while other clients hit protocol errors', () => {
  test('io-threads 4: 50,000 pipelined PINGs all answered while 600 clients send bad frames', async () => {
    const { startSpindle } = await import('../helpers/servers.ts');
    const net = await import('node:net');
    const srv = await startSpindle(['--io-threads', '4']);
    try {
      const n = 50_000;
      let flooding = true;
      const pongs = new Promise<number>((resolve) => {
        const s = net.connect(srv.port, '127.0.0.1');
        let got = 0;
        let tail = '';
        s.on('connect', async () => {
          for (let i = 0; i < n; i += 250) {
            s.write('*1\r\n$4\r\nPING\r\n'.repeat(250));
            await new Promise((r) => setImmediate(r));
          }
          flooding = false;
        });
        s.on('data', (d: Buffer) => {
          const parts = (tail + d.toString('latin1')).split('+PONG\r\n');
          got += parts.length - 1;
          tail = parts[parts.length - 1];
          if (got === n) {
            s.destroy();
            resolve(got);
          }
        });
        s.on('close', () => resolve(got));
        setTimeout(() => {
          s.destroy();
          resolve(got);
        }, 60_000);
      });
      const badOne = (): Promise<void> =>
        new Promise<void>((resolve) => {
          const s = net.connect(srv.port, '127.0.0.1');
          s.on('connect', () => s.write('*1\r\n*1\r\n'));
          s.on('data', () => {});
          s.on('error', () => resolve());
          s.on('close', () => resolve());
        });
      for (let wave = 0; wave < 30 && flooding; wave++) await Promise.all(Array.from({ length: 20 }, badOne));
      expect(await pongs).toBe(n);
    } finally {
      await srv.stop();
    }
  }, 120_000);
});

// Found by the fuzzer (io-threads 4): a worker paused a socket at a protocol error and only
// end()ed it after the error reply, so the peer's FIN was never read and the descriptor stayed
// open; after ~20,000 such connections the server could accept no more.
describe('descriptors of connections closed for protocol errors are released', () => {
  test.each([1, 4])('io-threads %i: 300 protocol errors leave no open descriptors behind', async (threads) => {
    const { startSpindle } = await import('../helpers/servers.ts');
    const { readdirSync } = await import('node:fs');
    const net = await import('node:net');
    const srv = await startSpindle(['--io-threads', String(threads)]);
    try {
      const fds = (): number => readdirSync(`/proc/${srv.proc.pid}/fd`).length;
      const before = fds();
      const bad = ['*1\r\n*1\r\n', '*x\r\n', 'GET "a\r\n', '*1\r\n$-5\r\n'];
      for (let wave = 0; wave < 3; wave++) {
        await Promise.all(Array.from({ length: 100 }, (_, i) =>
          new Promise<void>((resolve) => {
            const s = net.connect(srv.port, '127.0.0.1');
            s.on('connect', () => s.write(bad[i % bad.length]));
            s.on('data', () => {});
            s.on('error', () => resolve());
            s.on('close', () => resolve());
          })));
      }
      // The server closes each of them itself; wait until it has let go of the descriptors.
      for (let i = 0; i < 100 && fds() > before + 5; i++) await new Promise((r) => setTimeout(r, 100));
      expect(fds()).toBeLessThanOrEqual(before + 5);
    } finally {
      await srv.stop();
    }
  }, 60_000);
});

// Found by the fuzzer (io-threads 4: half the reply bytes of the io-threads 1 run): a client
// that sends its commands and then half-closes (a FIN after the last one, as `nc -N` or a
// shutdown(SHUT_WR) does) got no replies from a worker, which closed the socket at the FIN
// before the main thread's replies came back. Redis and io-threads 1 answer everything.
describe('a client that half-closes after its commands gets every reply', () => {
  test.each([1, 4])('io-threads %i: 1, 100 and 20,000 PINGs then FIN', async (threads) => {
    const { startSpindle } = await import('../helpers/servers.ts');
    const net = await import('node:net');
    const srv = await startSpindle(['--io-threads', String(threads)]);
    try {
      for (const n of [1, 100, 20_000]) {
        const bytes = await new Promise<number>((resolve) => {
          const s = net.connect(srv.port, '127.0.0.1');
          let got = 0;
          s.on('connect', () => {
            s.write('*1\r\n$4\r\nPING\r\n'.repeat(n));
            s.end();
          });
          s.on('data', (d: Buffer) => (got += d.length));
          s.on('close', () => resolve(got));
        });
        expect(bytes, `${n} PINGs`).toBe(n * '+PONG\r\n'.length);
      }
    } finally {
      await srv.stop();
    }
  }, 60_000);
});

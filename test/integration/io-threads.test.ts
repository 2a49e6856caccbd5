/*
 * io-threads specifics (the rest of the integration suite also runs with io-threads 4 through
 * `npm run test:io-threads`): connections spread over the workers, INFO's per-thread counters,
 * and the restart of a worker that dies.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { rawClient, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;

beforeAll(async () => {
  srv = await startSpindle(['--io-threads', '2', '--enable-debug-command', 'yes']);
});

afterAll(async () => {
  await srv?.stop();
});

async function info(c: RawClient): Promise<Map<string, string>> {
  const text = (await c.send(['INFO', 'everything'])).toString('latin1');
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

test('clients spread over the workers, counted in INFO', async () => {
  const clients = await Promise.all([1, 2, 3, 4].map(() => rawClient(srv.port)));
  try {
    for (const c of clients) expect((await c.send(['SET', 'k', 'v'])).toString()).toBe('+OK\r\n');
    const m = await info(clients[0]);
    expect(m.get('io_threads_active')).toBe('1');
    const conns = [1, 2].map((i) => Number(/connections=(\d+)/.exec(m.get(`io_thread_${i}`) ?? '')?.[1]));
    expect(conns[0] + conns[1]).toBe(4);
    expect(Math.abs(conns[0] - conns[1])).toBeLessThanOrEqual(1);
    // Where the time goes, per stage, as averages in µs.
    const line = m.get('io_thread_1') ?? '';
    for (const stage of ['parse_us', 'queue_wait_us', 'execute_us', 'reply_wait_us', 'write_us']) {
      expect(line).toMatch(new RegExp(`${stage}=\\d+\\.\\d\\d`));
    }
    expect(Number(/execute_us=([\d.]+)/.exec(line)?.[1])).toBeGreaterThan(0);
    // And as percentiles of per-stage histograms (log2 µs buckets, over all workers).
    for (const stage of ['parse', 'queue_wait', 'execute', 'reply_wait', 'write']) {
      const p = /^p50=(\d+),p99=(\d+),p99\.9=(\d+)$/.exec(m.get(`io_stage_usec_${stage}`) ?? '');
      expect(p, stage).not.toBeNull();
      const [p50, p99, p999] = [Number(p?.[1]), Number(p?.[2]), Number(p?.[3])];
      expect(p50).toBeGreaterThanOrEqual(1);
      expect(p99).toBeGreaterThanOrEqual(p50);
      expect(p999).toBeGreaterThanOrEqual(p99);
    }
  } finally {
    for (const c of clients) c.close();
  }
});

test('a worker that dies is logged, its clients are disconnected, a new one serves', async () => {
  const clients = await Promise.all([1, 2, 3, 4].map(() => rawClient(srv.port)));
  for (const c of clients) await c.send(['PING']);
  // Kill the thread that holds most of these connections (earlier tests' closes may still be
  // settling, so the split is not always 2/2).
  const m = await info(clients[0]);
  const conns = [1, 2].map((i) => Number(/connections=(\d+)/.exec(m.get(`io_thread_${i}`) ?? '')?.[1]));
  const victim = conns[0] >= conns[1] ? 1 : 2;
  expect(conns[victim - 1]).toBeGreaterThan(0);
  const closed = clients.map((c) => c.waitClosed(3000));
  expect((await clients[0].send(['DEBUG', 'IO-THREAD-EXIT', String(victim)])).toString()).toBe('+OK\r\n');
  const gone = (await Promise.all(closed)).filter(Boolean).length;
  expect(gone).toBe(conns[victim - 1]); // exactly that thread's clients
  expect(srv.output()).toContain(`I/O thread ${victim} exited with code 1; closing its clients and starting a new one`);
  // Everyone still connected, and every new connection, is served.
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 4; i++) {
    const c = await rawClient(srv.port);
    expect((await c.send(['PING'])).toString()).toBe('+PONG\r\n');
    c.close();
  }
  for (const c of clients) c.close();
});

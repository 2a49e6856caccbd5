// Spindle-side checks of the operator tools that a side-by-side run cannot make (the interop
// tests compare with redis-server): LATENCY HISTOGRAM agrees with INFO commandstats and
// latencystats (one histogram feeds both), CLIENT LIST shows MONITOR and tracking flags, and the
// latency monitor records Spindle's own events.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decode, type RespNode } from '../helpers/resp.ts';
import { rawClient, startSpindle, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;

const text = (b: Buffer): string => b.toString('latin1');

describe('operator tools', () => {
  beforeAll(async () => {
    srv = await startSpindle(['--enable-debug-command', 'yes']);
  });
  afterAll(async () => {
    await srv?.stop();
  });

  test('LATENCY HISTOGRAM agrees with INFO commandstats and latencystats', async () => {
    const c = await rawClient(srv.port);
    await c.send(['CONFIG', 'RESETSTAT']);
    for (let i = 0; i < 200; i++) await c.send(['SET', `k${i}`, 'v']);
    await c.send(['HELLO', '3']);
    const h = decode(await c.send(['LATENCY', 'HISTOGRAM', 'set']));
    const info = text(await c.send(['INFO', 'everything']));
    c.close();
    const map = h.v as RespNode[];
    expect((map[0].v as Buffer).toString()).toBe('set');
    const stats = map[1].v as RespNode[];
    expect(stats[1].v).toBe('200');
    const buckets = (stats[3].v as RespNode[]).map((n) => Number(n.v));
    // Cumulative counts, growing, ending at every call.
    const counts = buckets.filter((_, i) => i % 2 === 1);
    const bounds = buckets.filter((_, i) => i % 2 === 0);
    expect(counts[counts.length - 1]).toBe(200);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1]);
    expect(info).toMatch(/cmdstat_set:calls=200,/);
    const p50 = Number(/latency_percentiles_usec_set:p50=([0-9.]+)/.exec(info)?.[1]);
    // The median lies in the bucket where the cumulative count passes 100.
    const at = counts.findIndex((n) => n >= 100);
    expect(p50).toBeLessThanOrEqual(bounds[at] + 1);
    expect(at === 0 || p50 >= bounds[at - 1]).toBe(true);
  });

  test('CLIENT LIST flags: O for MONITOR, t/B and redir for tracking', async () => {
    const mon = await rawClient(srv.port);
    const tr = await rawClient(srv.port);
    const c = await rawClient(srv.port);
    const monId = text(await mon.send(['CLIENT', 'ID'])).slice(1, -2);
    const trId = text(await tr.send(['CLIENT', 'ID'])).slice(1, -2);
    await mon.send(['MONITOR']);
    await tr.send(['CLIENT', 'TRACKING', 'on', 'BCAST', 'REDIRECT', monId]);
    const list = text(await c.send(['CLIENT', 'LIST']));
    expect(list).toMatch(new RegExp(`id=${monId} .* flags=O `));
    expect(list).toMatch(new RegExp(`id=${trId} .* flags=tB .* redir=${monId} `));
    mon.close();
    // The redirect target is gone: the next invalidation marks the redirect broken (R).
    await c.send(['SET', 'anything', 'x']);
    for (let i = 0; i < 50 && !/flags=tRB /.test(text(await c.send(['CLIENT', 'LIST', 'ID', trId]))); i++) {
      await c.send(['SET', 'anything', 'x']);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(text(await c.send(['CLIENT', 'LIST', 'ID', trId]))).toMatch(/flags=tRB /);
    tr.close();
    c.close();
  });

  test('LATENCY records a slow DEBUG SLEEP as a command spike', async () => {
    const c = await rawClient(srv.port);
    await c.send(['LATENCY', 'RESET']);
    await c.send(['CONFIG', 'SET', 'latency-monitor-threshold', '5']);
    await c.send(['DEBUG', 'SLEEP', '0.02']);
    await c.send(['CONFIG', 'SET', 'latency-monitor-threshold', '0']);
    const latest = decode(await c.send(['LATENCY', 'LATEST']));
    const names = (latest.v as RespNode[]).map((e) => ((e.v as RespNode[])[0].v as Buffer).toString());
    expect(names).toContain('command');
    const graph = text(await c.send(['LATENCY', 'GRAPH', 'command']));
    expect(graph).toMatch(/command - high \d+ ms, low \d+ ms \(all time high \d+ ms\)/);
    c.close();
  });
});

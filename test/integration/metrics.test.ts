// The metrics endpoint (src/server/metrics/): started with --metrics-port, scraped over HTTP. The
// Prometheus series must carry redis_exporter's names and agree with INFO; /live.json feeds the
// live page (its browser test is metrics-page.test.ts).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, rawClient, startSpindle, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;
let metricsPort = 0;

const get = async (path: string): Promise<{ status: number; type: string; body: string }> => {
  const r = await fetch(`http://127.0.0.1:${metricsPort}${path}`);
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
};

/** The value of one series line, e.g. series(text, 'redis_db_keys{db="db0"}'). */
function series(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('metrics endpoint', () => {
  beforeAll(async () => {
    metricsPort = await freePort();
    srv = await startSpindle(['--metrics-port', String(metricsPort)]);
    const c = await rawClient(srv.port);
    for (let i = 0; i < 10; i++) await c.send(['SET', `k${i}`, 'v']);
    await c.send(['GET', 'k1']);
    await c.send(['GET', 'nosuch']);
    await c.send(['SELECT', '2']);
    await c.send(['SET', 'x', 'y', 'EX', '100']);
    await c.send(['NOSUCHCOMMAND']);
    c.close();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  test('serves Prometheus text with redis_exporter names, consistent with INFO', async () => {
    const m = await get('/metrics');
    expect(m.status).toBe(200);
    expect(m.type).toContain('text/plain');
    const t = m.body;
    expect(series(t, 'redis_up')).toBe(1);
    expect(series(t, 'redis_connected_clients')).toBeGreaterThanOrEqual(0);
    expect(series(t, 'redis_commands_processed_total')).toBeGreaterThanOrEqual(14);
    expect(series(t, 'redis_memory_used_bytes')).toBeGreaterThan(0);
    expect(series(t, 'redis_keyspace_hits_total')).toBe(1);
    expect(series(t, 'redis_keyspace_misses_total')).toBe(1);
    expect(series(t, 'redis_db_keys{db="db0"}')).toBe(10);
    expect(series(t, 'redis_db_keys{db="db2"}')).toBe(1);
    expect(series(t, 'redis_db_keys_expiring{db="db2"}')).toBe(1);
    expect(series(t, 'redis_commands_total{cmd="set"}')).toBe(11);
    expect(series(t, 'redis_commands_total{cmd="get"}')).toBe(2);
    expect(series(t, 'redis_commands_duration_seconds_total{cmd="set"}')).toBeGreaterThan(0);
    expect(series(t, 'redis_errors_total{err="ERR"}')).toBe(1);
    expect(series(t, 'redis_latency_percentiles_usec{cmd="set",quantile="0.99"}')).toBeGreaterThan(0);
    expect(series(t, 'spindle_gc_count_total')).toBeGreaterThanOrEqual(0);
    expect(t).toMatch(/^redis_instance_info\{.*redis_version="7\.0\.15".*\} 1$/m);
    expect(t).toContain('# TYPE redis_commands_total counter');
    // Every line is a comment or `name{labels} value` with a number.
    for (const line of t.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      expect(line).toMatch(/^[a-z_][a-z0-9_]*(\{[^}]*\})? -?[0-9.e+-]+$/i);
    }
  });

  test('serves the live data and the page', async () => {
    const live = await get('/live.json');
    expect(live.status).toBe(200);
    const d = JSON.parse(live.body);
    expect(d.commands).toBeGreaterThanOrEqual(14);
    expect(d.memory.used).toBeGreaterThan(0);
    expect(d.latency.set.p99).toBeGreaterThan(0);
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.body).toContain('live.json');
    expect((await get('/nosuch')).status).toBe(404);
  });

  test('CONFIG SET metrics-port moves the endpoint; 0 closes it', async () => {
    const c = await rawClient(srv.port);
    const next = await freePort();
    expect((await c.send(['CONFIG', 'SET', 'metrics-port', String(next)])).toString()).toBe('+OK\r\n');
    const old = metricsPort;
    metricsPort = next;
    for (let i = 0; i < 50; i++) {
      if ((await get('/metrics').catch(() => null))?.status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await get('/metrics')).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${old}/metrics`)).rejects.toThrow();
    expect((await c.send(['CONFIG', 'GET', 'metrics-port'])).toString()).toBe(`*2\r\n$12\r\nmetrics-port\r\n$${String(next).length}\r\n${next}\r\n`);
    c.close();
  });
});

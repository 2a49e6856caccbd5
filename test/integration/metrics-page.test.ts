// The live metrics page in real headless Chromium (Debian's `chromium`, driven by playwright-core):
// Spindle runs with --metrics-port under load, the page is loaded, and once it has polled live
// data its charts must hold plotted points for ops/s, command latency and memory; a screenshot is
// taken (SPINDLE_PAGE_SCREENSHOT=<path> keeps it and SPINDLE_PAGE_POINTS=<n> waits for n samples,
// as docs/metrics-page.png was made with 30).
// Skipped only when /usr/bin/chromium is absent (.ci/run installs it).
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { IO_THREADS, freePort, rawClient, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn('metrics-page: /usr/bin/chromium is absent (apt-get install chromium); skipping the browser test.');

// The flags this machine's Chromium needs (closed network, running as root).
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let srv: ServerHandle;
let metricsPort = 0;
let load: RawClient;
let loading = true;
let loadDone: Promise<void>;

describe.skipIf(!haveChromium)('live metrics page in headless Chromium', () => {
  beforeAll(async () => {
    metricsPort = await freePort();
    // Two I/O threads (unless the suite already sets a mode) so the per-thread charts have data.
    srv = await startSpindle(['--metrics-port', String(metricsPort), ...(IO_THREADS > 1 ? [] : ['--io-threads', '2'])]);
    load = await rawClient(srv.port);
    loadDone = (async () => {
      for (let i = 0; loading; i++) {
        await load.send(['SET', `key:${i % 100}`, 'value']);
        await load.send(['GET', `key:${i % 100}`]);
      }
    })();
  });
  afterAll(async () => {
    loading = false;
    await loadDone?.catch(() => {});
    load?.close();
    await srv?.stop();
  });

  test('plots live data', { timeout: 180_000 }, async () => {
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(path.join(tmpdir(), 'spindle-chromium-'));
    const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1120, height: 900 } });
    try {
      const page = await ctx.newPage();
      await page.goto(`http://127.0.0.1:${metricsPort}/`);
      // Three polls give two deltas: ops/s and GC pause per second need a previous sample.
      await page.waitForFunction((want) => {
        const p = (globalThis as unknown as { __plotted?: Record<string, Record<string, number[]>> }).__plotted;
        return p !== undefined && (p.ops['ops/s']?.length ?? 0) >= want;
      }, Number(process.env.SPINDLE_PAGE_POINTS ?? 2), { timeout: 120_000 });
      const plotted = (await page.evaluate(() => (globalThis as unknown as { __plotted: unknown }).__plotted)) as Record<string, Record<string, number[]>>;
      expect(plotted.ops['ops/s'].length).toBeGreaterThanOrEqual(2);
      expect(Math.max(...plotted.ops['ops/s'])).toBeGreaterThan(0);
      expect(plotted.memory.used.every((v) => v > 0)).toBe(true);
      expect(Object.keys(plotted.latency).some((k) => k.startsWith('set'))).toBe(true);
      expect(Object.keys(plotted.threads).length).toBeGreaterThan(0);
      for (const id of ['ops', 'latency', 'memory', 'gc', 'threads']) {
        expect(Number(await page.getAttribute(`#chart-${id}`, 'data-points'))).toBeGreaterThan(0);
      }
      const shot = process.env.SPINDLE_PAGE_SCREENSHOT ?? path.join(profile, 'page.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
    } finally {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});

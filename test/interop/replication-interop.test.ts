// Replication between Spindle and the real redis-server 7.0 in both directions
// (docs/design-replication.md): a Redis replica of a Spindle primary and a Spindle replica of a
// Redis primary, each with a full sync (diskless `$EOF:` and disk-backed `$<len>`), the stream,
// and a partial resync after the link is killed; a chain Redis -> Spindle -> Redis with the
// Spindle replica promoted; redis-cli --rdb and --replica against Spindle. Datasets are compared
// with DEBUG DIGEST (the same algorithm on both servers).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { type ServerHandle, hasRedis, startRedis, startSpindle } from '../helpers/servers.ts';
import { type Cli, cli, fillDataset, info, stat, waitFor, waitInSync, writeBurst } from '../helpers/replication.ts';

const COMMON = ['--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0'];
const handles: ServerHandle[] = [];
const clis: Cli[] = [];

async function spindle(args: string[] = []): Promise<{ h: ServerHandle; c: Cli }> {
  const h = await startSpindle([...COMMON, ...args]);
  handles.push(h);
  const c = await cli(h.port);
  clis.push(c);
  return { h, c };
}

async function redis(args: string[] = []): Promise<{ h: ServerHandle; c: Cli }> {
  const h = await startRedis([...COMMON, ...args]);
  handles.push(h);
  const c = await cli(h.port);
  clis.push(c);
  return { h, c };
}

afterAll(async () => {
  for (const c of clis) c.close();
  await Promise.all(handles.map((h) => h.stop()));
});

describe.skipIf(!hasRedis())('replication interop with redis-server 7.0', () => {
  for (const diskless of ['yes', 'no']) {
    test(`redis replica of a Spindle primary (repl-diskless-sync ${diskless}): full, stream, partial`, async () => {
      const { c: p, h: ph } = await spindle(['--repl-diskless-sync', diskless]);
      const { c: r } = await redis();
      await fillDataset(p, 'pre', 100);
      expect(await r.call('REPLICAOF', '127.0.0.1', ph.port)).toBe('OK');
      await waitInSync(p, r);
      await writeBurst(p, 'live', 100);
      await waitInSync(p, r);
      expect((await info(r)).get('master_replid')).toBe((await info(p)).get('master_replid'));
      const burst = writeBurst(p, 'b1', 200);
      await r.call('CLIENT', 'KILL', 'TYPE', 'master');
      await burst;
      await waitInSync(p, r);
      expect(await stat(p, 'sync_partial_ok')).toBe(1);
      expect(await stat(p, 'sync_full')).toBe(1);
      // WAIT counts the Redis replica's ACKs.
      await p.call('SET', 'w', 1);
      expect(await p.call('WAIT', 1, 10_000)).toBe(1);
    });

    test(`Spindle replica of a redis primary (repl-diskless-sync ${diskless}): full, stream, partial`, async () => {
      const { c: p, h: ph } = await redis(['--repl-diskless-sync', diskless]);
      const { c: r } = await spindle();
      await fillDataset(p, 'pre', 100);
      expect(await r.call('REPLICAOF', '127.0.0.1', ph.port)).toBe('OK');
      await waitInSync(p, r);
      await writeBurst(p, 'live', 100);
      await waitInSync(p, r);
      const burst = writeBurst(p, 'b1', 200);
      await r.call('CLIENT', 'KILL', 'TYPE', 'master');
      await burst;
      await waitInSync(p, r);
      expect(await stat(p, 'sync_partial_ok')).toBe(1);
      expect(await stat(p, 'sync_full')).toBe(1);
      await p.call('SET', 'w', 1);
      expect(await p.call('WAIT', 1, 10_000)).toBe(1);
      // The primary's expired keys arrive as DEL; the replica itself expires nothing.
      await p.call('SET', 'gone', 'v', 'PX', 30);
      await waitFor('expired on the primary', async () => (await p.call('EXISTS', 'gone')) === 0);
      await waitInSync(p, r);
    });
  }

  test('redis -> Spindle -> redis chain; the Spindle replica promoted keeps the history', async () => {
    const { c: a, h: ah } = await redis();
    const { c: b, h: bh } = await spindle();
    const { c: cc } = await redis();
    await fillDataset(a, 'chain', 50);
    await b.call('REPLICAOF', '127.0.0.1', ah.port);
    await waitInSync(a, b);
    await cc.call('REPLICAOF', '127.0.0.1', bh.port);
    await waitInSync(b, cc);
    await a.call('SELECT', 3);
    await writeBurst(a, 'c1', 80);
    await waitInSync(a, b);
    await waitInSync(b, cc);
    expect((await info(cc)).get('master_repl_offset')).toBe((await info(a)).get('master_repl_offset'));
    await b.call('REPLICAOF', 'NO', 'ONE');
    await a.call('REPLICAOF', '127.0.0.1', bh.port);
    await b.call('SET', 'promoted', 1);
    await waitInSync(b, a);
    await waitInSync(b, cc);
    // Both continue from the promoted Spindle with +CONTINUE.
    expect(await stat(b, 'sync_partial_ok')).toBe(2);
    expect(await a.call('GET', 'promoted')).toBe('1');
  });

  for (const primaryKind of ['spindle', 'redis'] as const) {
    test(`FAILOVER from a ${primaryKind} primary to a ${primaryKind === 'spindle' ? 'redis' : 'Spindle'} replica`, async () => {
      const { c: a, h: ah } = primaryKind === 'spindle' ? await spindle() : await redis();
      const { c: b, h: bh } = primaryKind === 'spindle' ? await redis() : await spindle();
      await fillDataset(a, 'fo', 30);
      await b.call('REPLICAOF', '127.0.0.1', ah.port);
      await waitInSync(a, b);
      await writeBurst(a, 'fo1', 30);
      expect(await a.call('FAILOVER', 'TO', '127.0.0.1', bh.port, 'TIMEOUT', 20_000)).toBe('OK');
      await waitFor('roles swapped', async () => (await info(b)).get('role') === 'master' && (await info(a)).get('master_link_status') === 'up');
      await waitFor('failover done', async () => (await info(a)).get('master_failover_state') === 'no-failover');
      await b.call('SET', 'after-failover', 1);
      await waitInSync(b, a);
      expect(await stat(b, 'sync_partial_ok')).toBe(1);
    });
  }

  test('redis-cli --rdb and --replica against Spindle', async () => {
    const { c: p, h: ph } = await spindle();
    await fillDataset(p, 'cli', 20);
    const file = path.join(tmpdir(), `spindle-repl-${process.pid}.rdb`);
    execFileSync('redis-cli', ['-p', String(ph.port), '--rdb', file], { stdio: 'pipe' });
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('REDIS');
    const check = execFileSync('redis-check-rdb', [file], { encoding: 'utf8' });
    expect(check).toMatch(/RDB looks OK/);
    rmSync(file, { force: true });
    const child = spawn('redis-cli', ['-p', String(ph.port), '--replica']);
    let out = '';
    const collect = (d: Buffer) => {
      out += d.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    try {
      await waitFor('redis-cli --replica attached', async () => out.includes('SYNC done'));
      await p.call('SET', 'seen-by-cli', 'v');
      await waitFor('the command in its output', async () => out.toLowerCase().includes('"set","seen-by-cli","v"')).catch((e) => {
        throw new Error(`${String(e)}; redis-cli said: ${out}; server: ${ph.output().slice(-1500)}`);
      });
    } finally {
      child.kill();
    }
  });
});

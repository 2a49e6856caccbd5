// A sentinel group on loopback for the failover tests and scripts/sentinel-repeat.ts: a primary
// and two replicas (Spindle, or redis-server), three sentinels (Spindle's bin/spindle-sentinel or
// the real `redis-server --sentinel`), an ioredis client with the `sentinels` option writing
// through the failover. runFailover() stops the primary and measures what happens.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { REPO_ROOT, type ServerHandle, freePort, startRedis, startSpindle } from './servers.ts';
import { type Cli, cli, info, sleep, waitFor as waitForStrict } from './replication.ts';

/** waitFor where a failed check (a connection the sentinels' CLIENT KILL closed) is a "not yet". */
function waitFor(what: string, fn: () => Promise<boolean>, ms = 30_000): Promise<void> {
  return waitForStrict(what, () => fn().catch(() => false), ms);
}

export interface SentinelHandle {
  port: number;
  proc: ChildProcess;
  dir: string;
  conf: string;
  output(): string;
  stop(): Promise<void>;
}

export const DOWN_AFTER = 1000;
export const FAILOVER_TIMEOUT = 5000;

/** Starts one sentinel (Spindle's, or redis-server --sentinel when `redis`). */
export async function startSentinel(masterPort: number, redis: boolean, quorum = 2): Promise<SentinelHandle> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'spindle-sentinel-'));
  const conf = path.join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor mymaster 127.0.0.1 ${masterPort} ${quorum}`,
      `sentinel down-after-milliseconds mymaster ${DOWN_AFTER}`,
      `sentinel failover-timeout mymaster ${FAILOVER_TIMEOUT}`,
      '',
    ].join('\n'),
  );
  const proc = redis
    ? spawn('redis-server', [conf, '--sentinel'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [path.join(REPO_ROOT, 'src', 'sentinel', 'main.ts'), conf, '--sentinel'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const h: SentinelHandle = {
    port,
    proc,
    dir,
    conf,
    output: () => out,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGKILL');
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await waitFor(`sentinel on ${port}`, async () => {
    try {
      const c = await cli(port);
      c.close();
      return true;
    } catch {
      return false;
    }
  }, 10_000);
  return h;
}

export interface Group {
  data: ServerHandle[];
  sentinels: SentinelHandle[];
  clis: Cli[];
  stop(): Promise<void>;
}

/** kinds: for each sentinel, true = redis-server --sentinel. dataRedis: data servers are redis-server. */
export async function startGroup(kinds: boolean[], dataRedis = false): Promise<Group> {
  const start = dataRedis ? startRedis : startSpindle;
  const extra = dataRedis ? [] : ['--repl-diskless-sync-delay', '0'];
  const primary = await start([...extra]);
  const r1 = await start([...extra, '--replicaof', '127.0.0.1', String(primary.port)]);
  const r2 = await start([...extra, '--replicaof', '127.0.0.1', String(primary.port)]);
  const data = [primary, r1, r2];
  const clis: Cli[] = [];
  for (const r of [r1, r2]) {
    const c = await cli(r.port);
    clis.push(c);
    await waitFor('replica link up', async () => (await info(c)).get('master_link_status') === 'up');
  }
  const sentinels: SentinelHandle[] = [];
  for (const k of kinds) sentinels.push(await startSentinel(primary.port, k));
  for (const s of sentinels) {
    const c = await cli(s.port);
    clis.push(c);
    await waitFor(`sentinel ${s.port} sees 2 replicas and ${kinds.length - 1} sentinels`, async () => {
      const m = fields((await c.call('SENTINEL', 'MASTER', 'mymaster')) as string[]);
      return m.get('num-slaves') === '2' && m.get('num-other-sentinels') === String(kinds.length - 1);
    });
  }
  return {
    data,
    sentinels,
    clis,
    stop: async () => {
      for (const c of clis) c.close();
      for (const d of data) {
        try {
          d.proc.kill('SIGCONT');
        } catch {}
      }
      await Promise.all([...data.map((d) => d.stop()), ...sentinels.map((s) => s.stop())]);
    },
  };
}

export function fields(flat: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) m.set(String(flat[i]), String(flat[i + 1]));
  return m;
}

export interface FailoverResult {
  /** ms from stopping the primary until every sentinel names the new primary. */
  failoverMs: number;
  /** ms until the ioredis client's first write acknowledged by the new primary. */
  clientRecoveryMs: number;
  newPrimaryPort: number;
  ackedBefore: number;
  ackedAfter: number;
  /** Acknowledged writes missing from the new primary at the end. */
  lost: number;
  lostBeforeStop: number;
  oldPrimaryReplica: boolean;
}

/** Stops the primary (SIGSTOP, then SIGCONT after the failover) while ioredis writes. */
export async function runFailover(g: Group, mode: 'stop' | 'kill' = 'stop'): Promise<FailoverResult> {
  const [primary, ...replicas] = g.data;
  const client = new Redis({
    sentinels: g.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
    name: 'mymaster',
    failoverDetector: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    commandTimeout: 500,
    retryStrategy: () => 100,
    sentinelRetryStrategy: () => 100,
  });
  client.on('error', () => {});
  const acked: { i: number; t: number }[] = [];
  let stopAt = 0;
  let switchedAt = 0;
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      try {
        await client.set(`w:${i}`, String(i));
        acked.push({ i, t: Date.now() });
      } catch {
        await sleep(20);
      }
      if (i % 50 === 0) await sleep(1);
    }
  })();
  await waitFor('writes flow', async () => acked.length > 200);
  stopAt = Date.now();
  if (mode === 'stop') primary.proc.kill('SIGSTOP');
  else primary.proc.kill('SIGKILL');
  const replicaPorts = replicas.map((r) => String(r.port));
  const sClis = g.clis.slice(2);
  let newPort = '';
  await waitFor('every sentinel names a replica as the primary', async () => {
    const addrs = await Promise.all(sClis.map(async (c) => ((await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as string[])[1]));
    if (addrs.every((a) => a === addrs[0] && replicaPorts.includes(a))) newPort = addrs[0];
    return newPort !== '';
  }, 60_000);
  switchedAt = Date.now();
  const failoverMs = switchedAt - stopAt;
  await waitFor('the client writes to the new primary', async () => acked.length > 0 && acked[acked.length - 1].t > switchedAt, 60_000);
  // The client is back at the first acknowledgement after the longest pause following the stop.
  let gap = 0;
  let clientRecoveryMs = 0;
  for (let k = 1; k < acked.length; k++) {
    if (acked[k].t <= stopAt) continue;
    const d = acked[k].t - Math.max(acked[k - 1].t, stopAt);
    if (d > gap) {
      gap = d;
      clientRecoveryMs = acked[k].t - stopAt;
    }
  }
  let oldPrimaryReplica = false;
  if (mode === 'stop') {
    primary.proc.kill('SIGCONT');
    const oc = await cli(primary.port);
    g.clis.push(oc);
    await waitFor('the old primary becomes a replica of the new one', async () => {
      const i = await info(oc);
      return i.get('role') === 'slave' && i.get('master_port') === newPort && i.get('master_link_status') === 'up';
    }, 60_000);
    oldPrimaryReplica = true;
  }
  await sleep(300);
  writing = false;
  await writer;
  client.disconnect();
  // Which acknowledged writes does the new primary hold?
  const nc = await cli(Number(newPort));
  g.clis.push(nc);
  let lost = 0;
  let lostBeforeStop = 0;
  for (let k = 0; k < acked.length; k += 500) {
    const slice = acked.slice(k, k + 500);
    const vals = (await nc.call('MGET', ...slice.map((a) => `w:${a.i}`))) as (string | null)[];
    vals.forEach((v, j) => {
      if (v === null) {
        lost++;
        if (slice[j].t <= stopAt) lostBeforeStop++;
      }
    });
  }
  return {
    failoverMs,
    clientRecoveryMs,
    newPrimaryPort: Number(newPort),
    ackedBefore: acked.filter((a) => a.t <= stopAt).length,
    ackedAfter: acked.filter((a) => a.t > stopAt).length,
    lost,
    lostBeforeStop,
    oldPrimaryReplica,
  };
}

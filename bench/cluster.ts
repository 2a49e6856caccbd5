// Cluster throughput and resharding speed: a 3-primary Spindle cluster against a 3-primary
// redis-server cluster on the same machine, one kind at a time.
//
//   node bench/cluster.ts [--seconds 10] [--keys 100000] [--clients 8] [--quick] [--only spindle|redis]
//
// For each kind: three nodes with cluster-enabled yes, `redis-cli --cluster create` (no
// replicas); then an ioredis Cluster load generator (--clients connections' worth of
// concurrent requests, auto-pipelined) runs SET then GET of random keys for --seconds each and
// reports ops/s; then --keys keys are loaded and `redis-cli --cluster reshard` moves 1000 slots
// from the first primary to the second, reporting keys migrated per second (the moved slots'
// key count / reshard wall time). --quick: 2 s, 10k keys.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Redis from 'ioredis';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const quick = args.includes('--quick');
const seconds = Number(opt('seconds', quick ? '2' : '10'));
const keys = Number(opt('keys', quick ? '10000' : '100000'));
const clients = Number(opt('clients', '8'));
const only = opt('only', '');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} never opened`);
}

interface Node {
  port: number;
  proc: ChildProcess;
  dir: string;
}

async function startNode(kind: string): Promise<Node> {
  const port = await freePort();
  const bus = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'spindle-cluster-bench-'));
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(bus), '--save', ''];
  const proc =
    kind === 'spindle'
      ? spawn(process.execPath, [path.join(ROOT, 'src', 'main.ts'), ...common], { cwd: dir, stdio: 'ignore' })
      : spawn('redis-server', [...common, '--appendonly', 'no', '--dir', dir], { cwd: dir, stdio: 'ignore' });
  await waitPort(port);
  return { port, proc, dir };
}

async function phase(c: InstanceType<typeof Redis.Cluster>, op: 'set' | 'get'): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let ops = 0;
  const worker = async () => {
    while (Date.now() < end) {
      const ps: Promise<unknown>[] = [];
      for (let i = 0; i < 64; i++) {
        const k = `bench:${Math.floor(Math.random() * keys)}`;
        ps.push(op === 'set' ? c.set(k, 'xxxxxxxxxx') : c.get(k));
      }
      await Promise.all(ps);
      ops += ps.length;
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: clients }, worker));
  return ops / ((Date.now() - t0) / 1000);
}

async function benchKind(kind: string): Promise<void> {
  const nodes: Node[] = [];
  try {
    for (let i = 0; i < 3; i++) nodes.push(await startNode(kind));
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes'], { timeout: 120_000 });
    for (;;) {
      const { stdout } = await run('redis-cli', ['-p', String(nodes[0].port), 'CLUSTER', 'INFO']);
      if (stdout.startsWith('cluster_state:ok')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const c = new Redis.Cluster([{ host: '127.0.0.1', port: nodes[0].port }], { enableAutoPipelining: true });
    const set = await phase(c, 'set');
    const get = await phase(c, 'get');
    for (let i = 0; i < keys; i += 1000) {
      const ps: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(keys, i + 1000); j++) ps.push(c.set(`bench:${j}`, 'xxxxxxxxxx'));
      await Promise.all(ps);
    }
    let moved = 0;
    for (let s = 0; s < 1000; s++) {
      const { stdout } = await run('redis-cli', ['-p', String(nodes[0].port), 'CLUSTER', 'COUNTKEYSINSLOT', String(s)]);
      moved += Number(stdout.trim());
    }
    await c.quit();
    const id = async (n: Node) => (await run('redis-cli', ['-p', String(n.port), 'CLUSTER', 'MYID'])).stdout.trim();
    const t0 = Date.now();
    await run('redis-cli', ['--cluster', 'reshard', `127.0.0.1:${nodes[0].port}`, '--cluster-from', await id(nodes[0]), '--cluster-to', await id(nodes[1]), '--cluster-slots', '1000', '--cluster-yes'], { timeout: 600_000, maxBuffer: 64 << 20 });
    const secs = (Date.now() - t0) / 1000;
    console.log(`| ${kind} | ${Math.round(set)} | ${Math.round(get)} | ${moved} keys in ${secs.toFixed(1)} s = ${Math.round(moved / secs)} keys/s |`);
  } finally {
    for (const n of nodes) {
      n.proc.kill('SIGKILL');
      rmSync(n.dir, { recursive: true, force: true });
    }
  }
}

console.log(`3 primaries, ${clients} concurrent request streams, ${seconds} s per phase, ${keys} keys`);
console.log('| server | SET ops/s | GET ops/s | reshard 1000 slots |');
console.log('|---|---|---|---|');
for (const kind of ['spindle', 'redis']) if (only === '' || only === kind) await benchKind(kind);

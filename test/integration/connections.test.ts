// Many concurrent connections, and the open-files limit behind maxclients, in both I/O modes.
//
// The server is started under `prlimit --nofile=1024:20000`, a soft limit far below what N
// clients need. Node raises its soft limit to the hard one by itself before any of Spindle runs
// (so Redis's "Increased maximum number of open files" line, which needs the original soft
// limit, cannot be logged); what is checked is that N clients are then held, with no reduction
// of maxclients. Then N clients connect at once, each PINGs, INFO counts them, the server's RSS
// is read from /proc, and all close again. Under a hard limit it cannot raise (run as nobody:
// root could) it reduces maxclients with Redis's three warning lines, checked against
// redis-server under the same limit.
//
// N is 2000 here (cheap enough for CI); SPINDLE_CONNECTIONS=10000 runs the 10k case, and
// SPINDLE_CONNECTIONS_COMPARE=1 also runs redis-server with the same N and prints RSS per
// connection for both (the figures in docs/benchmarks.md come from such a run).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { freePort, hasRedis, rawClient, SPINDLE_MAIN } from '../helpers/servers.ts';

const N = Number(process.env.SPINDLE_CONNECTIONS ?? '2000');
const COMPARE = process.env.SPINDLE_CONNECTIONS_COMPARE === '1';

interface Proc {
  port: number;
  proc: ChildProcess;
  out: () => string;
  stop: () => Promise<void>;
}

/** Runs `cmd args` under prlimit's open-files limit and waits for its port. */
async function startLimited(nofile: string, cmd: string, args: (port: number) => string[], unprivileged = false): Promise<Proc> {
  const port = await freePort();
  // Root could raise any limit: the unraisable case runs as nobody (setpriv), as a user would.
  const asUser = unprivileged && process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const proc = spawn('prlimit', [`--nofile=${nofile}`, ...asUser, cmd, ...args(port)], { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/tmp' });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  for (let i = 0; i < 300; i++) {
    try {
      (await rawClient(port)).close();
      break;
    } catch {
      if (proc.exitCode !== null) throw new Error(`exited: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port, proc, out: () => out,
    stop: async () => {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** The server's pid: prlimit (and setpriv) exec the command, so it is prlimit's own. */
const pidOf = (p: Proc): number => p.proc.pid!;

async function info(port: number, field: string): Promise<string> {
  const c = await rawClient(port);
  try {
    const text = (await c.send(['INFO', 'clients'])).toString();
    return new RegExp(`${field}:(\\S+)`).exec(text)?.[1] ?? '';
  } finally {
    c.close();
  }
}

/** Opens n connections (a few hundred at a time), each PINGs once; resolves with the sockets. */
async function openMany(port: number, n: number): Promise<net.Socket[]> {
  const socks: net.Socket[] = [];
  const one = (): Promise<net.Socket> =>
    new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('error', reject);
      s.once('connect', () => s.write('*1\r\n$4\r\nPING\r\n'));
      s.once('data', (d: Buffer) => (d.toString() === '+PONG\r\n' ? resolve(s) : reject(new Error(d.toString()))));
    });
  for (let i = 0; i < n; i += 250) {
    socks.push(...(await Promise.all(Array.from({ length: Math.min(250, n - i) }, one))));
  }
  return socks;
}

async function closeAll(socks: net.Socket[]): Promise<void> {
  await Promise.all(socks.map((s) => new Promise<void>((r) => {
    s.once('close', () => r());
    s.destroy();
  })));
}

/** Polls INFO until connected_clients is `want` (the server frees closed clients as it sees them). */
async function waitClients(port: number, want: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await info(port, 'connected_clients')) === String(want)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(await info(port, 'connected_clients')).toBe(String(want));
}

/** Connects N clients to p, checks they are all served, returns the RSS growth per connection (bytes). */
async function holdConnections(p: Proc): Promise<number> {
  await new Promise((r) => setTimeout(r, 300));
  const before = rssKb(pidOf(p));
  const socks = await openMany(p.port, N);
  expect(await info(p.port, 'connected_clients')).toBe(String(N + 1));
  const after = rssKb(pidOf(p));
  await closeAll(socks);
  await waitClients(p.port, 1);
  return Math.round(((after - before) * 1024) / N);
}

describe.each([1, 4])(`${N} concurrent connections, io-threads %i`, (threads) => {
  test('under a low soft limit N clients are held and freed', async () => {
    const p = await startLimited('1024:20000', process.execPath, (port) => [
      SPINDLE_MAIN, '--port', String(port), '--bind', '127.0.0.1', '--maxclients', String(N + 100), '--io-threads', String(threads),
    ]);
    try {
      expect(p.out()).not.toContain('maxclients has been reduced');
      const perConn = await holdConnections(p);
      console.log(`spindle io-threads ${threads}: ${N} connections, RSS +${perConn} bytes per connection`);
      if (COMPARE && threads === 1 && hasRedis()) {
        const r = await startLimited('1024:20000', 'redis-server', (port) => [
          '--port', String(port), '--bind', '127.0.0.1', '--maxclients', String(N + 100), '--save', '', '--appendonly', 'no',
        ]);
        try {
          console.log(`redis-server: ${N} connections, RSS +${await holdConnections(r)} bytes per connection`);
        } finally {
          await r.stop();
        }
      }
    } finally {
      await p.stop();
    }
  }, 180_000);
});

describe('an open-files limit that cannot be raised', () => {
  test('maxclients is reduced with Redis warning lines (same as redis-server under the same limit)', async () => {
    const lines = (out: string): string[] =>
      out.split('\n').map((l) => l.replace(/^.*?[#*] /, '')).filter((l) => /maxclients|max file descriptors|maximum open files/.test(l));
    const p = await startLimited('256:256', process.execPath, (port) => [SPINDLE_MAIN, '--port', String(port), '--bind', '127.0.0.1'], true);
    try {
      const c = await rawClient(p.port);
      expect((await c.send(['CONFIG', 'GET', 'maxclients'])).toString()).toBe('*2\r\n$10\r\nmaxclients\r\n$3\r\n224\r\n');
      expect((await c.send(['CONFIG', 'SET', 'maxclients', '5000'])).toString()).toBe(
        "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with 224\r\n",
      );
      c.close();
      const ours = lines(p.out());
      expect(ours.slice(0, 3)).toEqual([
        'You requested maxclients of 10000 requiring at least 10032 max file descriptors.',
        "Server can't set maximum open files to 10032 because of OS error: Operation not permitted.",
        "Current maximum open files is 256. maxclients has been reduced to 224 to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.",
      ]);
      if (hasRedis()) {
        const r = await startLimited('256:256', 'redis-server', (port) => ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], true);
        try {
          expect(lines(r.out()).slice(0, 3)).toEqual(ours.slice(0, 3));
        } finally {
          await r.stop();
        }
      }
    } finally {
      await p.stop();
    }
  }, 60_000);
});

describe.each([1, 4])('connections refused at maxclients, io-threads %i', (threads) => {
  test('get the error and leave no descriptor behind (the refused socket was never read, so it waited for a FIN)', async () => {
    const { readdirSync } = await import('node:fs');
    const { startSpindle } = await import('../helpers/servers.ts');
    const srv = await startSpindle(['--io-threads', String(threads), '--maxclients', '1']);
    try {
      const fds = (): number => readdirSync(`/proc/${srv.proc.pid}/fd`).length;
      // The start-up probe's connection may not be freed yet: the holder retries.
      let hold = await rawClient(srv.port);
      for (let i = 0; i < 50 && (await hold.send(['PING'])).toString() !== '+PONG\r\n'; i++) {
        hold.close();
        await new Promise((r) => setTimeout(r, 100));
        hold = await rawClient(srv.port);
      }
      const before = fds();
      const texts = await Promise.all(Array.from({ length: 200 }, () =>
        new Promise<string>((resolve) => {
          const s = net.connect(srv.port, '127.0.0.1');
          let d = '';
          s.on('data', (x: Buffer) => (d += x.toString()));
          s.on('error', () => resolve(d));
          s.on('close', () => resolve(d));
        })));
      expect(texts.filter((t) => t === '-ERR max number of clients reached\r\n').length).toBeGreaterThan(150);
      for (let i = 0; i < 50 && fds() > before + 5; i++) await new Promise((r) => setTimeout(r, 100));
      expect(fds()).toBeLessThanOrEqual(before + 5);
      hold.close();
    } finally {
      await srv.stop();
    }
  }, 60_000);
});

// Who may connect, and how: protected-mode (checked from another network namespace, side by
// side with redis-server 7.0.15), enable-debug-command / enable-protected-configs "local" from a
// remote client, `port 0` with `unixsocket` / `unixsocketperm` (both I/O modes), and
// `rename-command` in the config file.
//
// The namespace tests need root and `ip netns` (iproute2): the test makes a namespace and a veth
// pair, 10.231.<n>.1 on this side and .2 inside, and runs redis-cli inside it. They are skipped,
// with the reason printed, where `ip netns add` fails.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROTECTED_MODE_DENIED } from '../../src/server/protected-mode.ts';
import { freePort, hasRedis, rawClient, REPO_ROOT, startRedis, startSpindle, type ServerHandle } from '../helpers/servers.ts';

const NS = `spindle-t${process.pid % 10000}`;
const SUBNET = `10.231.${process.pid % 250}`;
const HOST_IP = `${SUBNET}.1`;
const VETH = `vsp${process.pid % 100000}`;

function sh(args: string[]): void {
  execFileSync(args[0], args.slice(1), { stdio: 'ignore' });
}

/** Makes the namespace; returns '' or why it cannot be made. */
function makeNamespace(): string {
  try {
    sh(['ip', 'netns', 'add', NS]);
  } catch (e) {
    return `ip netns add failed (${(e as Error).message.split('\n')[0]}): needs root and iproute2`;
  }
  try {
    sh(['ip', 'link', 'add', `${VETH}a`, 'type', 'veth', 'peer', 'name', `${VETH}b`]);
    sh(['ip', 'link', 'set', `${VETH}b`, 'netns', NS]);
    sh(['ip', 'addr', 'add', `${HOST_IP}/24`, 'dev', `${VETH}a`]);
    sh(['ip', 'link', 'set', `${VETH}a`, 'up']);
    sh(['ip', 'netns', 'exec', NS, 'ip', 'addr', 'add', `${SUBNET}.2/24`, 'dev', `${VETH}b`]);
    sh(['ip', 'netns', 'exec', NS, 'ip', 'link', 'set', `${VETH}b`, 'up']);
    sh(['ip', 'netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (e) {
    dropNamespace();
    return `veth setup failed: ${(e as Error).message.split('\n')[0]}`;
  }
  return '';
}

function dropNamespace(): void {
  try {
    sh(['ip', 'link', 'del', `${VETH}a`]);
  } catch {
    // gone with the namespace
  }
  try {
    sh(['ip', 'netns', 'del', NS]);
  } catch {
    // never made
  }
}

/**
 * Sends one raw request from inside the namespace (a node one-liner) and returns what came back
 * before the server closed. A refused connection is tested with no request: the server closes
 * at once, and a request still unread then would turn its close into a reset that can beat the
 * DENIED text to the client (with redis-server too).
 */
function remote(port: number, request: string): Promise<string> {
  const js = `const s=require('net').connect(${port},'${HOST_IP}');let o='';s.on('connect',()=>{if(${JSON.stringify(request)}!=='')s.write(${JSON.stringify(request)})});s.on('data',d=>{o+=d;});s.on('close',()=>{process.stdout.write(o,()=>process.exit(0))});s.on('error',e=>{process.stdout.write('error '+e.code,()=>process.exit(0))});setTimeout(()=>{process.stdout.write(o,()=>process.exit(0))},3000);`;
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', NS, process.execPath, '-e', js], { timeout: 20_000 }, (_err, stdout) => resolve(stdout));
  });
}

const PING = '*1\r\n$4\r\nPING\r\n';
let nsProblem = '';

beforeAll(() => {
  nsProblem = makeNamespace();
  if (nsProblem !== '') console.warn(`net-security: namespace tests skipped: ${nsProblem}`);
});

afterAll(() => {
  if (nsProblem === '') dropNamespace();
});

describe('protected-mode from another network namespace', () => {
  const servers: ServerHandle[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  test('no password: a non-loopback client gets DENIED and is closed; loopback is served (Spindle and redis-server)', async (ctx) => {
    if (nsProblem !== '') ctx.skip();
    const spindle = await startSpindle(['--bind', '127.0.0.1', HOST_IP]);
    servers.push(spindle);
    const targets = [spindle];
    if (hasRedis()) {
      const redis = await startRedis(['--bind', '127.0.0.1', HOST_IP]);
      servers.push(redis);
      targets.push(redis);
    }
    for (const t of targets) {
      expect(await remote(t.port, '')).toBe(PROTECTED_MODE_DENIED);
      const c = await rawClient(t.port);
      expect((await c.send(['PING'])).toString()).toBe('+PONG\r\n');
      // Turned off from the loopback interface: the remote client is served.
      expect((await c.send(['CONFIG', 'SET', 'protected-mode', 'no'])).toString()).toBe('+OK\r\n');
      expect(await remote(t.port, PING)).toBe('+PONG\r\n');
      expect((await c.send(['CONFIG', 'SET', 'protected-mode', 'yes'])).toString()).toBe('+OK\r\n');
      expect(await remote(t.port, '')).toBe(PROTECTED_MODE_DENIED);
      // A password lets remote clients in (to authenticate).
      expect((await c.send(['CONFIG', 'SET', 'requirepass', 'pw'])).toString()).toBe('+OK\r\n');
      expect(await remote(t.port, `${PING}*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n${PING}`)).toBe('-NOAUTH Authentication required.\r\n+OK\r\n+PONG\r\n');
      c.close();
    }
  });

  test('enable-debug-command and enable-protected-configs "local" refuse the remote client', async (ctx) => {
    if (nsProblem !== '') ctx.skip();
    const args = ['--bind', '127.0.0.1', HOST_IP, '--protected-mode', 'no', '--enable-debug-command', 'local', '--enable-protected-configs', 'local'];
    const spindle = await startSpindle(args);
    servers.push(spindle);
    const targets = [spindle];
    if (hasRedis()) {
      const redis = await startRedis(args);
      servers.push(redis);
      targets.push(redis);
    }
    const debug = '*2\r\n$5\r\nDEBUG\r\n$4\r\nHELP\r\n';
    const setDir = '*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$3\r\ndir\r\n$4\r\n/tmp\r\n';
    const replies: string[] = [];
    for (const t of targets) {
      const r = await remote(t.port, debug + setDir);
      replies.push(r);
      expect(r).toContain('-ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection');
      expect(r).toContain("-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n");
      const c = await rawClient(t.port);
      expect((await c.send(['CONFIG', 'SET', 'dir', '/tmp'])).toString()).toBe('+OK\r\n');
      c.close();
    }
    if (replies.length === 2) expect(replies[0]).toBe(replies[1]);
  });
});

describe.each([1, 4])('unixsocket with port 0, io-threads %i', (threads) => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'spindle-unix-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('only the unix socket listens, with unixsocketperm; commands run over it', async () => {
    const sock = path.join(dir, 'spindle.sock');
    writeFileSync(sock, 'stale'); // a leftover file is replaced, as Redis does
    const proc = execFile(process.execPath, [path.join(REPO_ROOT, 'src/main.ts'), '--port', '0', '--unixsocket', sock, '--unixsocketperm', '700', '--io-threads', String(threads), '--save', ''], { cwd: dir });
    try {
      let up = false;
      for (let i = 0; i < 200 && !up; i++) {
        await new Promise((r) => setTimeout(r, 100));
        try {
          up = statSync(sock).isSocket();
        } catch {
          // not yet
        }
      }
      expect(up).toBe(true);
      expect(statSync(sock).mode & 0o777).toBe(0o700);
      const run = (...args: string[]): string => execFileSync('redis-cli', ['-s', sock, ...args], { encoding: 'utf8' }).trim();
      expect(run('SET', 'k', 'v')).toBe('OK');
      expect(run('GET', 'k')).toBe('v');
      expect(run('CONFIG', 'GET', 'port')).toBe('port\n0');
      // Redis's CLIENT LIST for a unix-socket client: the path as both addresses, flag U.
      expect(run('CLIENT', 'INFO')).toMatch(new RegExp(`^id=\\d+ addr=${sock}:0 laddr=${sock}:0 fd=\\d+ name= age=\\d+ idle=\\d+ flags=U `));
      // A unix-socket client is local: enable-debug-command "local" would allow it (isLocal).
      const info = run('INFO', 'server');
      expect(info).toMatch(/tcp_port:0/);
    } finally {
      proc.kill('SIGTERM');
    }
  });
});

describe('rename-command in the config file', () => {
  let dir = '';
  let port = 0;
  let proc: ReturnType<typeof execFile> | null = null;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'spindle-rename-'));
    port = await freePort();
    const conf = path.join(dir, 'spindle.conf');
    writeFileSync(conf, `port ${port}\nbind 127.0.0.1\nrename-command flushall ""\nrename-command config cfg\nrename-command get fetch\n`);
    proc = execFile(process.execPath, [path.join(REPO_ROOT, 'src/main.ts'), conf, '--save', ''], { cwd: dir });
    for (let i = 0; i < 200; i++) {
      try {
        (await rawClient(port)).close();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  afterAll(() => {
    proc?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  test('the new names work, the old ones are unknown, a removed command is gone', async () => {
    const c = await rawClient(port);
    expect((await c.send(['SET', 'k', 'v'])).toString()).toBe('+OK\r\n');
    expect((await c.send(['FETCH', 'k'])).toString()).toBe('$1\r\nv\r\n');
    expect((await c.send(['GET', 'k'])).toString()).toBe("-ERR unknown command 'GET', with args beginning with: 'k' \r\n");
    expect((await c.send(['FLUSHALL'])).toString()).toBe("-ERR unknown command 'FLUSHALL', with args beginning with: \r\n");
    expect((await c.send(['CFG', 'GET', 'maxclients'])).toString()).toBe('*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n');
    expect((await c.send(['CONFIG', 'GET', 'maxclients'])).toString()).toContain('unknown command');
    c.close();
  });
});

describe('bind with "-" optional addresses (side by side with redis-server)', () => {
  /** Runs a server until it is ready or exits; returns its log lines without pid and time. */
  async function logOf(cmd: string, args: string[]): Promise<string[]> {
    const out = await new Promise<string>((resolve) => {
      const p = execFile(cmd, args, { timeout: 30_000, cwd: tmpdir() }, (_e, stdout, stderr) => resolve(stdout + stderr));
      let seen = '';
      p.stdout?.on('data', (d: string) => {
        seen += d;
        if (seen.includes('Ready to accept connections')) p.kill('SIGKILL');
      });
    });
    return out.split('\n').map((l) => l.replace(/^\d+:[A-Z] .*? \d\d:\d\d:\d\d\.\d+ /, '')).filter((l) => /listening|aborting/i.test(l));
  }
  const spindle = (port: number, binds: string[]): string[] => [path.join(REPO_ROOT, 'src/main.ts'), '--port', String(port), '--save', '', '--bind', ...binds];
  const redisArgs = (port: number, binds: string[]): string[] => ['--port', String(port), '--save', '', '--bind', ...binds];

  test('an unavailable optional address is warned about and skipped; a required one aborts start-up', async () => {
    const port = await freePort();
    const optional = await logOf(process.execPath, spindle(port, ['127.0.0.1', '-10.254.254.254']));
    expect(optional).toEqual([`# Warning: Could not create server TCP listening socket 10.254.254.254:${port}: bind: Cannot assign requested address`]);
    const required = await logOf(process.execPath, spindle(port, ['127.0.0.1', '10.254.254.254']));
    expect(required).toEqual([
      `# Warning: Could not create server TCP listening socket 10.254.254.254:${port}: bind: Cannot assign requested address`,
      `# Failed listening on port ${port} (TCP), aborting.`,
    ]);
    if (hasRedis()) {
      expect(await logOf('redis-server', redisArgs(port, ['127.0.0.1', '-10.254.254.254']))).toEqual(optional);
      expect(await logOf('redis-server', redisArgs(port, ['127.0.0.1', '10.254.254.254']))).toEqual(required);
    }
  }, 90_000);
});

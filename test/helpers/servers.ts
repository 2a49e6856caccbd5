// Test helpers: start Spindle or a real redis-server on a free port, and talk to either over a
// raw socket so replies can be compared byte for byte.
//
//   const srv = await startSpindle();          // or startRedis() when hasRedis()
//   const c = await rawClient(srv.port);
//   const reply = await c.send(['SET', 'k', 'v']);   // Buffer: exactly "+OK\r\n"
//   c.close(); await srv.stop();

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SPINDLE_MAIN = path.join(REPO_ROOT, 'src', 'main.ts');

export interface ServerHandle {
  port: number;
  host: string;
  proc: ChildProcess;
  /** The fresh temp directory the process runs in (its working directory). */
  dir: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the port to accept connections (default 10 s). */
  timeoutMs?: number;
}

const HOST = '127.0.0.1';

/** A port that was free a moment ago (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

function tryConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    const done = (ok: boolean) => {
      sock.removeAllListeners();
      sock.on('error', () => {});
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.setTimeout(1000, () => done(false));
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface SpawnSpec {
  command: string;
  args: (port: number, dir: string) => string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  what: string;
}

async function startOnce(spec: SpawnSpec): Promise<ServerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'spindle-test-'));
  const proc = spawn(spec.command, spec.args(port, dir), {
    cwd: dir,
    env: spec.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  let exited = false;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      exited = true;
      resolve();
    });
    proc.once('error', (e) => {
      spawnError = e;
      exited = true;
      resolve();
    });
  });
  const cleanupDir = () => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* ignore */
    }
  };
  const stop = async () => {
    if (!exited) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => {
        if (!exited) proc.kill('SIGKILL');
      }, 3000);
      await exitPromise;
      clearTimeout(t);
    }
    cleanupDir();
  };
  const deadline = Date.now() + spec.timeoutMs;
  for (;;) {
    if (exited) {
      cleanupDir();
      const why = spawnError ? String(spawnError) : `exit code ${proc.exitCode}, signal ${proc.signalCode}`;
      throw new Error(`${spec.what} exited before accepting connections on port ${port} (${why}). Output:\n${out}`);
    }
    if (await tryConnect(port, HOST)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${spec.what} did not accept connections on port ${port} within ${spec.timeoutMs} ms. Output:\n${out}`);
    }
    await sleep(50);
  }
  return { port, host: HOST, proc, dir, output: () => out, stop };
}

/** Starts, retrying (up to 3 times) when the port was grabbed by someone else in between. */
async function start(spec: SpawnSpec): Promise<ServerHandle> {
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(spec);
    } catch (e) {
      lastErr = e;
      if (!/address already in use|EADDRINUSE/i.test(String(e))) throw e;
    }
  }
  throw lastErr;
}

/**
 * The io-threads mode the suite runs Spindle in: SPINDLE_IO_THREADS=4 runs every integration
 * test against Spindle with 4 I/O workers (`npm run test:io-threads`); unset means io-threads 1.
 */
export const IO_THREADS = Number(process.env.SPINDLE_IO_THREADS ?? '1');

/** Spawns `node src/main.ts --port <free> --bind 127.0.0.1 ...extraArgs` in a fresh temp dir. */
export function startSpindle(extraArgs: string[] = [], opts: StartOptions = {}): Promise<ServerHandle> {
  const mode = IO_THREADS > 1 && !extraArgs.includes('--io-threads') ? ['--io-threads', String(IO_THREADS)] : [];
  // Persistence off unless asked, as startRedis runs redis-server (no dump.rdb at each stop).
  if (!extraArgs.includes('--save')) mode.push('--save', '');
  return start({
    what: 'Spindle',
    command: process.execPath,
    args: (port) => [SPINDLE_MAIN, '--port', String(port), '--bind', HOST, ...mode, ...extraArgs],
    env: opts.env,
    timeoutMs: opts.timeoutMs ?? 10_000,
  });
}

/** Spawns the real redis-server with persistence off, in a fresh temp dir. */
export function startRedis(extraArgs: string[] = [], opts: StartOptions = {}): Promise<ServerHandle> {
  return start({
    what: 'redis-server',
    command: 'redis-server',
    args: (port, dir) => [
      '--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no',
      '--daemonize', 'no', '--dir', dir, ...extraArgs,
    ],
    env: opts.env,
    timeoutMs: opts.timeoutMs ?? 10_000,
  });
}

let redisPresent: boolean | undefined;
/** Whether `redis-server` is on PATH. */
export function hasRedis(): boolean {
  if (redisPresent === undefined) {
    try {
      execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
      redisPresent = true;
    } catch {
      redisPresent = false;
    }
  }
  return redisPresent;
}

// ---------------------------------------------------------------------------------------------
// RESP reply boundary scanner

/**
 * Returns the offset just past the complete RESP2/RESP3 value starting at `pos`, or -1 when
 * `buf` does not hold all of it yet. Throws on bytes that cannot start a RESP value.
 * Supports + - : $ * and RESP3 _ , # ! = ( % ~ > |, streamed strings ($? ;) and aggregates (*? .).
 * An attribute (|) is returned together with the value it annotates.
 */
export function scanReply(buf: Buffer, pos = 0): number {
  const lineEnd = (p: number) => {
    const i = buf.indexOf('\r\n', p, 'latin1');
    return i < 0 ? -1 : i;
  };
  if (pos >= buf.length) return -1;
  const type = String.fromCharCode(buf[pos]);
  const eol = lineEnd(pos + 1);
  if (eol < 0) return -1;
  const head = buf.toString('latin1', pos + 1, eol);
  const next = eol + 2;
  const count = () => {
    if (!/^-?\d+$/.test(head)) throw new Error(`bad RESP length ${JSON.stringify(type + head)}`);
    return Number(head);
  };
  switch (type) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(': case '.':
      return next;
    case '$': case '!': case '=': case ';': {
      if (type === '$' && head === '?') {
        // streamed string: ;len chunks until ;0
        let p = next;
        for (;;) {
          if (p + 4 > buf.length) return -1;
          if (buf.toString('latin1', p, p + 4) === ';0\r\n') return p + 4;
          const e = scanReply(buf, p);
          if (e < 0) return -1;
          p = e;
        }
      }
      const n = count();
      if (n < 0) return next; // $-1 null bulk
      return buf.length >= next + n + 2 ? next + n + 2 : -1;
    }
    case '*': case '~': case '>': case '%': case '|': {
      if (head === '?') {
        let p = next;
        for (;;) {
          if (p >= buf.length) return -1;
          if (buf[p] === 0x2e /* . */) return p + 3 <= buf.length ? scanReply(buf, p) : -1;
          const e = scanReply(buf, p);
          if (e < 0) return -1;
          p = e;
        }
      }
      const n0 = count();
      if (n0 < 0) return next; // *-1 null array
      const n = type === '%' || type === '|' ? n0 * 2 : n0;
      let p = next;
      for (let i = 0; i < n; i++) {
        const e = scanReply(buf, p);
        if (e < 0) return -1;
        p = e;
      }
      if (type === '|') return scanReply(buf, p); // the attributed value follows
      return p;
    }
    default:
      throw new Error(`not a RESP type byte: ${JSON.stringify(type)} at offset ${pos} in ${JSON.stringify(buf.toString('latin1', pos, pos + 40))}`);
  }
}

/** Encodes argv as a RESP multibulk request. */
export function encodeCommand(argv: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const b = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// Raw client

export interface RawClient {
  /** Writes argv as a multibulk and resolves with the raw bytes of exactly one reply. */
  send(argv: (string | Buffer)[], timeoutMs?: number): Promise<Buffer>;
  /** Writes bytes as they are. */
  sendRaw(bytes: Buffer | string): void;
  /** Resolves with the raw bytes of the next complete reply. */
  readReply(timeoutMs?: number): Promise<Buffer>;
  /** Resolves true once the server has closed the connection, false if it is still open after timeoutMs. */
  waitClosed(timeoutMs?: number): Promise<boolean>;
  /** Whether the server closed (or the socket errored). */
  isClosed(): boolean;
  /** Bytes received but not consumed by readReply yet. */
  pending(): Buffer;
  close(): void;
}

export const DEFAULT_REPLY_TIMEOUT = 5000;

export function rawClient(port: number, host = HOST): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host });
    sock.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let closed = false;
    let closeErr: Error | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    sock.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      notify();
    });
    sock.on('close', () => {
      closed = true;
      notify();
    });
    sock.on('error', (e) => {
      closeErr = e;
      closed = true;
      notify();
    });
    // Waits for the next data/close event, or the deadline.
    const waitEvent = (deadline: number) =>
      new Promise<void>((res) => {
        const t = setTimeout(() => {
          wake = undefined;
          res();
        }, Math.max(0, deadline - Date.now()));
        wake = () => {
          clearTimeout(t);
          res();
        };
      });

    const client: RawClient = {
      async readReply(timeoutMs = DEFAULT_REPLY_TIMEOUT) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const end = buf.length ? scanReply(buf, 0) : -1;
          if (end >= 0) {
            const reply = Buffer.from(buf.subarray(0, end));
            buf = buf.subarray(end);
            return reply;
          }
          if (closed) {
            throw new Error(
              `connection closed before a complete reply${closeErr ? ` (${closeErr.message})` : ''}; pending ${JSON.stringify(buf.toString('latin1'))}`,
            );
          }
          if (Date.now() >= deadline) {
            throw new Error(`no complete reply within ${timeoutMs} ms; pending ${JSON.stringify(buf.toString('latin1'))}`);
          }
          await waitEvent(deadline);
        }
      },
      sendRaw(bytes) {
        if (!closed) sock.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
      },
      send(argv, timeoutMs) {
        client.sendRaw(encodeCommand(argv));
        return client.readReply(timeoutMs);
      },
      async waitClosed(timeoutMs = 2000) {
        const deadline = Date.now() + timeoutMs;
        while (!closed && Date.now() < deadline) await waitEvent(deadline);
        return closed;
      },
      isClosed: () => closed,
      pending: () => buf,
      close() {
        sock.destroy();
      },
    };
    sock.once('connect', () => {
      sock.removeListener('error', reject);
      resolve(client);
    });
    sock.once('error', reject);
  });
}

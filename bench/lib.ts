// Shared helpers for the benchmark scripts in bench/.
//
// Everything here talks to servers over loopback only, and every child process
// started through this module is registered so that it is killed when the
// script ends: normally, on an exception, or on SIGINT/SIGTERM/SIGHUP.

import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SPINDLE_MAIN = path.join(REPO_ROOT, 'src', 'main.ts');
export const HOST = '127.0.0.1';

// ---------------------------------------------------------------------------
// Child-process registry and cleanup
// ---------------------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();
const cleanupHooks: Array<() => Promise<void> | void> = [];
let cleanupInstalled = false;
let cleaningUp = false;
/** Set when the run failed: server temp dirs (with logs) are then kept for inspection. */
let keepServerDirs = false;

function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

/** Registers an async hook that runs once on normal end, error or signal. */
export function onCleanup(hook: () => Promise<void> | void): void {
  cleanupHooks.push(hook);
}

/** Runs the cleanup hooks, then SIGKILLs any tracked child still alive. */
export async function runCleanup(): Promise<void> {
  if (cleaningUp) return;
  cleaningUp = true;
  for (const hook of cleanupHooks.splice(0).reverse()) {
    try {
      await hook();
    } catch (err) {
      process.stderr.write(`cleanup hook failed: ${String(err)}\n`);
    }
  }
  killAllNow();
  cleaningUp = false;
}

function killAllNow(): void {
  for (const child of liveChildren) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/**
 * Installs signal/exception handlers so that servers and load generators never
 * outlive the script. Call once at the start of main().
 */
export function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  // Output piped into e.g. `head` must not turn into an EPIPE exception loop.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  let fatal = false;
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\n${sig} received, stopping servers...\n`);
    const hardExit = setTimeout(() => {
      killAllNow();
      process.exit(130);
    }, 8000);
    hardExit.unref();
    runCleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('uncaughtException', (err) => {
    if (fatal) return;
    fatal = true;
    keepServerDirs = true;
    process.stderr.write(`uncaught exception: ${err.stack ?? String(err)}\n`);
    runCleanup().finally(() => process.exit(1));
  });
  process.on('unhandledRejection', (err) => {
    if (fatal) return;
    fatal = true;
    keepServerDirs = true;
    process.stderr.write(`unhandled rejection: ${err instanceof Error ? err.stack : String(err)}\n`);
    runCleanup().finally(() => process.exit(1));
  });
  // Last resort: synchronous kill when the event loop is already gone.
  process.on('exit', killAllNow);
}

/** Runs main() with cleanup on success and failure; sets the exit code. */
export function runMain(main: () => Promise<void>): void {
  installCleanup();
  main()
    .then(
      () => runCleanup(),
      async (err: unknown) => {
        keepServerDirs = true;
        const text = err instanceof UsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
        process.stderr.write(`error: ${text}\n`);
        process.exitCode = 1;
        await runCleanup();
      },
    )
    .catch(() => {
      killAllNow();
      process.exitCode = 1;
    });
}

// ---------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Splits a command string shell-style (whitespace, '…' and "…" quoting, backslash escapes). */
export function splitCommand(str: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < str.length; i++) {
    const c = str[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < str.length) cur += str[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < str.length) {
      cur += str[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (quote) throw new Error(`unterminated quote in: ${str}`);
  if (has) out.push(cur);
  return out;
}

/** Quotes one argument for a POSIX shell (for printing reproducible commands). */
export function shellQuote(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line that reproduces the current run, relative to the repo root. */
export function reproduceCommand(): string {
  const script = path.relative(REPO_ROOT, process.argv[1] ?? '');
  const rel = path.relative(REPO_ROOT, process.execPath);
  const node = rel.startsWith('node_modules') ? 'node_modules/.bin/node' : 'node';
  return [node, script, ...process.argv.slice(2)].map(shellQuote).join(' ');
}

export function parseIntList(s: string): number[] {
  return s
    .split(',')
    .map((x) => x.trim().replace(/_/g, ''))
    .filter((x) => x !== '')
    .map((x) => {
      const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(x);
      if (!m) throw new Error(`not a number: ${x}`);
      const mult = m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1e3 : 1e6;
      return Math.round(Number(m[1]) * mult);
    });
}

export function parseCount(s: string): number {
  const v = parseIntList(s);
  if (v.length !== 1) throw new Error(`expected one number, got: ${s}`);
  return v[0]!;
}

/** A bad command line: printed without a stack trace. */
export class UsageError extends Error {}

export interface OptionSpec {
  /** Option names including dashes, e.g. ['-n', '--requests']. The first long name is the key. */
  names: string[];
  kind: 'string' | 'boolean';
  default?: string | boolean;
  help: string;
}

/**
 * A tiny argv parser. String options always consume the next token (so
 * `--spindle-args "--io-threads 4"` works) or take `--opt=value`.
 */
export function parseOptions(
  argv: string[],
  specs: OptionSpec[],
  usage: string,
): Map<string, string | boolean> {
  const byName = new Map<string, OptionSpec>();
  const keyOf = (s: OptionSpec) => (s.names.find((n) => n.startsWith('--')) ?? s.names[0]!).replace(/^-+/, '');
  for (const s of specs) for (const n of s.names) byName.set(n, s);
  const result = new Map<string, string | boolean>();
  for (const s of specs) if (s.default !== undefined) result.set(keyOf(s), s.default);
  const printHelp = () => {
    const lines = [usage, '', 'Options:'];
    for (const s of specs) {
      const flag = s.names.join(', ') + (s.kind === 'string' ? ' <value>' : '');
      const def = s.default !== undefined && s.default !== false ? ` (default: ${String(s.default)})` : '';
      lines.push(`  ${flag.padEnd(30)} ${s.help}${def}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let inline: string | undefined;
    if (a === '-h' || a === '--help') {
      printHelp();
      process.exit(0);
    }
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const spec = byName.get(a);
    if (!spec) {
      throw new UsageError(`unknown option: ${a} (see --help)`);
    }
    if (spec.kind === 'boolean') {
      if (inline !== undefined) result.set(keyOf(spec), !/^(0|false|no)$/i.test(inline));
      else result.set(keyOf(spec), true);
    } else {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`option ${a} needs a value`);
      result.set(keyOf(spec), v);
    }
  }
  return result;
}

export function fmtNum(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtRatio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return 'n/a';
  return (a / b).toFixed(2);
}

export function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

// ---------------------------------------------------------------------------
// Markdown tables
// ---------------------------------------------------------------------------

/** Renders a markdown table. Columns whose header starts with '>' are right-aligned (the '>' is dropped). */
export function markdownTable(headers: string[], rows: string[][]): string {
  const right = headers.map((h) => h.startsWith('>'));
  const hs = headers.map((h) => (h.startsWith('>') ? h.slice(1) : h));
  const widths = hs.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (s: string, i: number) => (right[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const line = (cells: string[]) => `| ${cells.map((c, i) => cell(c, i)).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (right[i] ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|')}|`;
  return [line(hs), sep, ...rows.map((r) => line(hs.map((_, i) => r[i] ?? '')))].join('\n');
}

// ---------------------------------------------------------------------------
// /proc readers
// ---------------------------------------------------------------------------

let clkTck: number | undefined;
function clockTicks(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** Reads a kB field (VmRSS, VmHWM, ...) from /proc/<pid>/status, in bytes. */
export function readProcStatusBytes(pid: number, field: string): number | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function sumOverTree(pid: number, read: (p: number) => number | undefined): number | undefined {
  let total: number | undefined;
  for (const p of processTree(pid)) {
    const v = read(p);
    if (v !== undefined) total = (total ?? 0) + v;
  }
  return total;
}

/** Resident set size of a process plus its descendants, in bytes. */
export function readRss(pid: number): number | undefined {
  return sumOverTree(pid, (p) => readProcStatusBytes(p, 'VmRSS'));
}

/** Peak resident set size (VmHWM) of a process plus its descendants, in bytes. */
export function readPeakRss(pid: number): number | undefined {
  return sumOverTree(pid, (p) => readProcStatusBytes(p, 'VmHWM'));
}

/**
 * User+system CPU seconds consumed by a process (all of its threads) and its
 * live descendants, from /proc/<pid>/stat; includes reaped children
 * (cutime/cstime) too.
 */
export function readCpuSeconds(pid: number): number | undefined {
  return sumOverTree(pid, readOneCpuSeconds);
}

function readOneCpuSeconds(pid: number): number | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces/parens: split after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3; utime=14, stime=15, cutime=16, cstime=17.
    const ticks = Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
    return ticks / clockTicks();
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: HOST, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: HOST });
    sock.setTimeout(300);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('timeout', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

const handedOutPorts = new Set<number>();

/** Finds a free TCP port on 127.0.0.1 within [min, max], starting at a random offset. */
export async function findFreePort(min = 7800, max = 7899): Promise<number> {
  const span = max - min + 1;
  const start = Math.floor(Math.random() * span);
  for (let k = 0; k < span; k++) {
    const port = min + ((start + k) % span);
    if (handedOutPorts.has(port)) continue;
    if ((await canBind(port)) && !(await portInUse(port))) {
      handedOutPorts.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${min}-${max}`);
}

export function parsePortRange(s: string): [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`bad port range: ${s} (expected e.g. 7800-7899)`);
  return [Number(m[1]), Number(m[2])];
}

// ---------------------------------------------------------------------------
// Minimal RESP client
// ---------------------------------------------------------------------------

export type RespValue = string | number | null | RespError | RespValue[];

export class RespError extends Error {}

export function encodeCommand(args: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Parses one RESP2/RESP3 value from buf at pos; returns [value, nextPos] or undefined if incomplete. */
export function parseReply(buf: Buffer, pos: number): [RespValue, number] | undefined {
  if (pos >= buf.length) return undefined;
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[pos]!);
  const line = buf.toString('utf8', pos + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new RespError(line), next];
    case ':':
      return [Number(line), next];
    case '_':
      return [null, next];
    case '#':
      return [line === 't' ? 1 : 0, next];
    case ',':
      return [Number(line), next];
    case '(':
      return [line, next];
    case '$':
    case '=':
    case '!': {
      const len = Number(line);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return undefined;
      const s = buf.toString('utf8', next, next + len);
      return [type === '!' ? new RespError(s) : s, next + len + 2];
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const count = type === '%' ? n * 2 : n;
      const arr: RespValue[] = [];
      let p = next;
      for (let i = 0; i < count; i++) {
        const r = parseReply(buf, p);
        if (!r) return undefined;
        arr.push(r[0]);
        p = r[1];
      }
      return [arr, p];
    }
    default:
      throw new Error(`bad RESP type byte 0x${buf[pos]!.toString(16)} in reply`);
  }
}

/** Sends one command on a fresh connection and returns the reply. Rejects on RESP errors. */
export function command(port: number, args: string[], timeoutMs = 10000): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: HOST });
    let buf: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = (err: Error | null, val?: RespValue) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(val ?? null);
    };
    const timer = setTimeout(
      () => finish(new Error(`timeout after ${timeoutMs} ms waiting for reply to ${args[0]}`)),
      timeoutMs,
    );
    sock.once('connect', () => sock.write(encodeCommand(args)));
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let r: [RespValue, number] | undefined;
      try {
        r = parseReply(buf, 0);
      } catch (e) {
        finish(e as Error);
        return;
      }
      if (!r) return;
      if (r[0] instanceof RespError) finish(r[0]);
      else finish(null, r[0]);
    });
    sock.once('error', (e) => finish(e));
    sock.once('close', () => finish(new Error('connection closed before a reply')));
  });
}

/** INFO [section] parsed into a map of field -> value (all sections merged). */
export async function readInfo(port: number, section?: string): Promise<Map<string, string>> {
  const reply = await command(port, section ? ['INFO', section] : ['INFO']);
  const map = new Map<string, string>();
  if (typeof reply !== 'string') return map;
  for (const raw of reply.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const idx = line.indexOf(':');
    if (idx > 0) map.set(line.slice(0, idx), line.slice(idx + 1));
  }
  return map;
}

export function infoNumber(info: Map<string, string>, field: string): number | undefined {
  const v = info.get(field);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export async function dbsize(port: number): Promise<number> {
  const r = await command(port, ['DBSIZE'], 60000);
  if (typeof r !== 'number') throw new Error(`DBSIZE returned ${JSON.stringify(r)}`);
  return r;
}

// ---------------------------------------------------------------------------
// Server processes
// ---------------------------------------------------------------------------

export interface ServerHandle {
  label: string;
  port: number;
  pid: number;
  proc: ChildProcess;
  argv: string[];
  dir: string;
  logPath: string;
  stopped: boolean;
}

export interface StartOptions {
  label: string;
  /** argv prefix of the server, e.g. ['redis-server'] or [execPath, '/abs/src/main.ts']. */
  cmd: string[];
  /** Extra args appended after the common flags. */
  extraArgs?: string[];
  portRange?: [number, number];
  readyTimeoutMs?: number;
  /** Extra environment variables for the server process. */
  env?: Record<string, string>;
}

/** Default Spindle command: this Node binary running src/main.ts by absolute path. */
export function defaultSpindleCmd(nodeArgs: string[] = []): string[] {
  return [process.execPath, ...nodeArgs, SPINDLE_MAIN];
}

/** The Spindle command a bench runs: --spindle-cmd when given (e.g. "redis-server" for a dry
 * run), else this Node running src/main.ts with the given Node flags. */
export function resolveSpindleCmd(override: string, nodeArgs: string[]): string[] {
  if (override === '') return defaultSpindleCmd(nodeArgs);
  if (nodeArgs.length) process.stderr.write('warning: --spindle-node-args ignored with --spindle-cmd\n');
  return splitCommand(override);
}

function looksLikeRedisServer(cmd: string[]): boolean {
  return cmd.length > 0 && /redis-server/.test(path.basename(cmd[0]!));
}

/** Last `n` lines of a file (for error messages). */
export function tailFile(file: string, n = 20): string {
  try {
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return lines.slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts a server on a free port with `--port N --save '' --appendonly no`
 * (plus `--dir <tmp>` for redis-server), in its own temp dir (also its cwd),
 * logging to <tmp>/server.log, and waits until it answers PING on a socket
 * that it owns. Retries on another port if the port was taken meanwhile
 * (other sessions may use the same range).
 */
export async function startServer(opts: StartOptions): Promise<ServerHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOnce(opts);
    } catch (e) {
      const msg = (e as Error).message;
      if (attempt < 4 && /address already in use|EADDRINUSE|not listening on its port/i.test(msg)) {
        process.stderr.write(`${opts.label}: port collision, retrying on another port\n`);
        continue;
      }
      throw e;
    }
  }
}

async function startServerOnce(opts: StartOptions): Promise<ServerHandle> {
  const [min, max] = opts.portRange ?? [7800, 7899];
  const port = await findFreePort(min, max);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `spindle-bench-${opts.label.replace(/\W+/g, '_')}-`));
  const logPath = path.join(dir, 'server.log');
  const args = [...opts.cmd.slice(1), '--port', String(port), '--save', '', '--appendonly', 'no'];
  if (looksLikeRedisServer(opts.cmd)) args.push('--dir', dir);
  args.push(...(opts.extraArgs ?? []));
  const logFd = fs.openSync(logPath, 'a');
  const proc = spawn(opts.cmd[0]!, args, { cwd: dir, stdio: ['ignore', logFd, logFd], env: opts.env ? { ...process.env, ...opts.env } : process.env });
  fs.closeSync(logFd);
  track(proc);
  const argv = [opts.cmd[0]!, ...args];
  const spawnError = new Promise<never>((_, reject) => {
    proc.once('error', (e) => reject(new Error(`${opts.label}: cannot start ${opts.cmd[0]}: ${e.message}`)));
  });
  spawnError.catch(() => {});
  const handle: ServerHandle = { label: opts.label, port, pid: proc.pid ?? -1, proc, argv, dir, logPath, stopped: false };
  onCleanup(() => stopServer(handle));
  try {
    await Promise.race([waitReady(handle, opts.readyTimeoutMs ?? 30000), spawnError]);
  } catch (e) {
    const retryable = /address already in use|EADDRINUSE|not listening on its port/i.test((e as Error).message);
    await stopServer(handle, 2000, !retryable, true);
    throw e;
  }
  return handle;
}

/** Socket inodes of TCP sockets listening on 127.0.0.1/0.0.0.0/:: port `port`. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      if (f[3] === '0A' && f[1]!.endsWith(`:${hexPort}`)) inodes.add(f[9]!);
    }
  }
  return inodes;
}

/** pid and all its descendants (via /proc/<pid>/task/<tid>/children). */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const stack = [pid];
  while (stack.length && out.length < 1000) {
    const p = stack.pop()!;
    out.push(p);
    let tids: string[] = [];
    try {
      tids = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        for (const c of fs.readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) {
          if (c) stack.push(Number(c));
        }
      } catch {
        // task gone
      }
    }
  }
  return out;
}

/**
 * True if process `pid` (or a descendant) owns a listening socket on `port`,
 * false if not, undefined if that cannot be determined (no /proc access).
 */
export function ownsListeningPort(pid: number, port: number): boolean | undefined {
  const inodes = listeningInodes(port);
  let readable = false;
  for (const p of processTree(pid)) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${p}/fd`);
      readable = true;
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${p}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return true;
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return readable ? false : undefined;
}

/**
 * Polls PING until the server answers +PONG and the process owns the
 * listening socket (so a foreign server on the same port is never mistaken
 * for ours); fails early if the process exits.
 */
export async function waitReady(h: ServerHandle, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  while (Date.now() < deadline) {
    if (h.proc.pid === undefined) {
      throw new Error(`${h.label}: cannot start ${shellQuote(h.argv[0]!)} (spawn failed: not found or not executable?)`);
    }
    if (!isAlive(h)) {
      throw new Error(
        `${h.label} exited (code ${h.proc.exitCode}, signal ${h.proc.signalCode}) before becoming ready.\n` +
          `command: ${h.argv.map(shellQuote).join(' ')}\nlog tail (${h.logPath}):\n${tailFile(h.logPath)}`,
      );
    }
    try {
      const r = await command(h.port, ['PING'], 1000);
      if (r === 'PONG') {
        const owns = ownsListeningPort(h.pid, h.port);
        if (owns !== false) return;
        lastErr = `something answers PING on port ${h.port} but pid ${h.pid} is not listening on its port`;
      } else {
        lastErr = `PING replied ${JSON.stringify(r)}`;
      }
    } catch (e) {
      lastErr = (e as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${h.label} not ready after ${timeoutMs} ms (${lastErr}); log tail:\n${tailFile(h.logPath)}`);
}

export function isAlive(h: ServerHandle): boolean {
  return h.proc.pid !== undefined && h.proc.exitCode === null && h.proc.signalCode === null;
}

/** Throws with the log tail if the server process has died. */
export function assertAlive(h: ServerHandle): void {
  if (!isAlive(h)) {
    throw new Error(
      `${h.label} (pid ${h.pid}) died: code ${h.proc.exitCode}, signal ${h.proc.signalCode}\nlog tail (${h.logPath}):\n${tailFile(h.logPath)}`,
    );
  }
}

/** SIGTERM, then SIGKILL after graceMs. Removes the temp dir unless keepDir. Idempotent. */
export async function stopServer(h: ServerHandle, graceMs = 5000, keepDir = false, quiet = false): Promise<void> {
  if (h.stopped) return;
  h.stopped = true;
  if (isAlive(h)) {
    const exited = new Promise<void>((resolve) => h.proc.once('exit', () => resolve()));
    try {
      h.proc.kill('SIGTERM');
    } catch {
      // gone
    }
    const timer = setTimeout(() => {
      if (isAlive(h)) h.proc.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }
  if (keepDir || keepServerDirs || process.env.BENCH_KEEP_LOGS) {
    if (!quiet) process.stderr.write(`${h.label} log kept: ${h.logPath}\n`);
  } else {
    fs.rmSync(h.dir, { recursive: true, force: true });
  }
}

/** Server version string from INFO server (spindle_version or redis_version). */
export async function serverVersion(port: number): Promise<string> {
  try {
    const info = await readInfo(port);
    const sp = info.get('spindle_version');
    const rv = info.get('redis_version');
    if (sp) return `spindle ${sp}${rv ? ` (redis_version ${rv})` : ''}`;
    if (rv) return `redis ${rv}`;
    return 'unknown';
  } catch (e) {
    return `unknown (${(e as Error).message})`;
  }
}

// ---------------------------------------------------------------------------
// redis-benchmark
// ---------------------------------------------------------------------------

export interface BenchRow {
  /** Test name exactly as redis-benchmark prints it, e.g. "SET", "MSET (10 keys)". */
  test: string;
  rps: number;
  avgMs?: number;
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
}

export interface BenchResult {
  rows: BenchRow[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  timedOut: boolean;
  wallSeconds: number;
  argv: string[];
  /** Its standard output as printed (CSV, or -q summary lines). */
  stdout: string;
  /** When it started and ended, in µs on process.hrtime's clock (V8's CPU profiles use it too). */
  fromUs: number;
  toUs: number;
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Parses `redis-benchmark --csv` output (7.x: header line + one row per test). */
export function parseBenchCsv(text: string): BenchRow[] {
  const rows: BenchRow[] = [];
  let header: string[] | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line.startsWith('"')) continue;
    const cells = splitCsvLine(line);
    if (cells[0] === 'test') {
      header = cells;
      continue;
    }
    const col = (name: string, fallback: number): number | undefined => {
      const idx = header ? header.indexOf(name) : fallback;
      if (idx < 0 || cells[idx] === undefined) return undefined;
      const n = Number(cells[idx]);
      return Number.isFinite(n) ? n : undefined;
    };
    const rps = col('rps', 1);
    if (rps === undefined) continue;
    rows.push({
      test: cells[0]!,
      rps,
      avgMs: col('avg_latency_ms', 2),
      p50Ms: col('p50_latency_ms', 4),
      p99Ms: col('p99_latency_ms', 6),
      maxMs: col('max_latency_ms', 7),
    });
  }
  return rows;
}

/** Normalises a redis-benchmark test name to its -t name: "MSET (10 keys)" -> "mset". */
export function testKey(name: string): string {
  return name.split(/\s+/)[0]!.toLowerCase();
}

/**
 * Runs redis-benchmark against 127.0.0.1:port with the given extra args
 * (adds --csv unless `csv` is false). Bounded by timeoutMs: killed with SIGKILL after it.
 */
export function runBenchmark(port: number, args: string[], timeoutMs: number, csv = true): Promise<BenchResult> {
  const argv = ['redis-benchmark', '-h', HOST, '-p', String(port), ...args];
  if (csv && !argv.includes('--csv')) argv.push('--csv');
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run redis-benchmark: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const t1 = process.hrtime.bigint();
      resolve({
        rows: csv ? parseBenchCsv(out) : [],
        code,
        signal,
        stderr: err.trim(),
        timedOut,
        wallSeconds: Number(t1 - t0) / 1e9,
        argv,
        stdout: out,
        fromUs: Number(t0 / 1000n),
        toUs: Number(t1 / 1000n),
      });
    });
  });
}

/** A one-line description of why a benchmark run failed, or '' if it did not. */
export function benchProblem(r: BenchResult): string {
  const msgs: string[] = [];
  if (r.timedOut) msgs.push('timed out (killed)');
  else if (r.code !== 0) msgs.push(`exit code ${r.code}${r.signal ? ` signal ${r.signal}` : ''}`);
  const errLines = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^WARNING: Could not fetch server CONFIG/.test(l));
  if (msgs.length && errLines.length) msgs.push(errLines.slice(-3).join(' / '));
  return msgs.join(': ');
}

// ---------------------------------------------------------------------------
// Output helpers
// ---------------------------------------------------------------------------

/** Host facts worth recording next to results. */
export function environmentSummary(): string {
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  let rb = 'unknown';
  try {
    rb = execFileSync('redis-benchmark', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // ignore
  }
  return `node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), loadavg ${load}, ${rb}`;
}

/** The report's markdown: its lines, then a "Problems:" list when any run had trouble. */
export function reportText(lines: string[], problems: readonly string[]): string {
  const all = [...lines];
  if (problems.length) {
    all.push('');
    all.push('Problems:');
    for (const p of problems) all.push(`- ${p.replace(/\n/g, ' ⏎ ')}`);
  }
  return all.join('\n') + '\n';
}

/** Prints the report, appends it to `out` if given, and makes the exit code 2 on problems. */
export function publishReport(report: string, out: string | undefined, problems: readonly string[]): void {
  process.stdout.write('\n' + report);
  if (out) {
    appendOut(out, report + '\n');
    process.stderr.write(`appended report to ${out}\n`);
  }
  if (problems.length) process.exitCode = 2;
}

/** Appends a block of markdown to a file (creating directories as needed). */
export function appendOut(file: string, markdown: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.appendFileSync(file, markdown.endsWith('\n') ? markdown : markdown + '\n');
}

export function bytesPerKey(delta: number | undefined, n: number): number | undefined {
  if (delta === undefined || n <= 0) return undefined;
  return delta / n;
}

export function mib(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / 1048576).toFixed(1)} MiB`;
}

// ---------------------------------------------------------------------------
// Spindle GC statistics, tolerant INFO/DBSIZE readers
// ---------------------------------------------------------------------------

/** GC fields of Spindle's INFO section "# Spindle" (pauses measured inside Spindle with perf_hooks). */
export const GC_FIELDS = [
  'gc_count',
  'gc_pause_total_ms',
  'gc_pause_max_ms',
  'gc_major_count',
  'gc_major_pause_max_ms',
  'gc_minor_pause_max_ms',
] as const;
export type GcStats = Record<(typeof GC_FIELDS)[number], string>;

/** The GC fields from a parsed INFO map ('n/a' where missing, e.g. on redis-server). */
export function gcStats(info: Map<string, string>): GcStats {
  const out = {} as GcStats;
  for (const f of GC_FIELDS) out[f] = info.get(f) ?? 'n/a';
  return out;
}

/** after − before, or undefined if either is unknown. */
export function delta(after: number | undefined, before: number | undefined): number | undefined {
  return after === undefined || before === undefined ? undefined : after - before;
}

/** INFO as a map, or an empty map (and a noted problem) if the server rejects INFO. */
export async function safeInfo(h: ServerHandle, problems: string[]): Promise<Map<string, string>> {
  try {
    return await readInfo(h.port);
  } catch (e) {
    const msg = `${h.label}: INFO failed: ${(e as Error).message}`;
    if (!problems.includes(msg)) problems.push(msg);
    return new Map();
  }
}

/** DBSIZE, or undefined (and a noted problem) if the server rejects it. */
export async function safeDbsize(h: ServerHandle, problems: string[]): Promise<number | undefined> {
  try {
    return await dbsize(h.port);
  } catch (e) {
    const msg = `${h.label}: DBSIZE failed: ${(e as Error).message}`;
    if (!problems.includes(msg)) problems.push(msg);
    return undefined;
  }
}

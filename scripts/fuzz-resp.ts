// A RESP protocol fuzzer: starts a Spindle, sends it random and mutated requests over many
// short connections for a bounded count (and time), and checks that it survives.
//
//   node scripts/fuzz-resp.ts [--inputs 1000000] [--io-threads 1] [--seed 1] [--conns 8]
//                             [--max-seconds 3600] [--json]
//
// What an input is (weights in `nextInput`): a valid command of a random name from the command
// table with random arguments drawn from a pool of hostile values (huge and negative integers,
// inf/nan, globs, option words, a few keys shared by all connections so types collide); the
// same with 1-4 byte mutations (flip, insert, delete, duplicate, change a length digit); an
// inline command (quotes, unbalanced quotes); a frame with a wrong count or bulk length
// (negative, huge, non-numeric); a truncated frame; RESP3 type bytes the request parser does
// not accept; random bytes. Each connection sends 1-40 inputs pipelined, half-closes, reads
// everything until the server closes it (a protocol error closes it earlier), and is replaced.
//
// Checked: the process never exits; a watchdog connection PINGs every 200 ms and must always
// get an answer (a -BUSY reply is an answer: the watchdog then sends SCRIPT KILL); the server's
// RSS is sampled from /proc each second (the watchdog FLUSHALLs every 5 s, so what grows is
// the server, not the dataset), and the server's open descriptors are counted at both ends.
// Commands that would stop the watchdog itself (SHUTDOWN, CONFIG, CLIENT PAUSE/KILL, ACL, DEBUG,
// REPLICAOF, MONITOR, WAIT, persistence) are never generated.
// The result is printed (or as JSON with --json); exit code 1 when the server crashed or hung.
// test/integration/fuzz.test.ts runs a short bounded run of `runFuzz` in both io-thread modes.

import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { rawClient, REPO_ROOT, startSpindle, type ServerHandle } from '../test/helpers/servers.ts';
import { Rng } from '../src/util/rng.ts';

export interface FuzzOptions {
  inputs: number;
  ioThreads: number;
  seed: number;
  conns: number;
  maxSeconds: number;
  /** Progress lines (every 50k inputs); none when absent. */
  log?: (line: string) => void;
}

export interface FuzzResult {
  inputs: number;
  bytes: number;
  connections: number;
  /** Connections the server answered with a protocol error (and closed). */
  protocolErrors: number;
  /** Replies seen (lines starting a reply are not counted: this is reply bytes). */
  replyBytes: number;
  watchdogPings: number;
  /** From the server's INFO at the end: commands it ran, and error replies it sent. */
  commandsProcessed: number;
  errorReplies: number;
  /** Longest PING round trip seen by the watchdog (ms): only a report, the box may be loaded. */
  maxPingMs: number;
  rssStartKb: number;
  rssMaxKb: number;
  rssEndKb: number;
  /** Open descriptors of the server at the start and at the end (after all fuzz connections closed). */
  fdsStart: number;
  fdsEnd: number;
  crashed: boolean;
  hung: boolean;
  seconds: number;
  /** Why the run failed, if it did ("" otherwise). */
  failure: string;
}

/** Commands that would stop the watchdog or the run itself, or reach outside the server. */
const DENIED = new Set([
  'shutdown', 'config', 'acl', 'debug', 'replicaof', 'slaveof', 'monitor', 'wait', 'waitaof', 'sync', 'psync',
  'save', 'bgsave', 'bgrewriteaof', 'failover', 'migrate', 'module', 'cluster', 'readonly', 'readwrite', 'replconf',
  'client|pause', 'client|kill', 'client|unpause', 'sentinel', 'quit',
]);

interface CommandName {
  name: string;
  sub: string | null;
  arity: number;
}

function commandNames(): CommandName[] {
  const meta = JSON.parse(readFileSync(path.join(REPO_ROOT, 'src', 'commands', 'meta.json'), 'utf8')) as Record<
    string,
    { arity: number; subcommands?: Record<string, { arity: number }> }
  >;
  const out: CommandName[] = [];
  for (const [name, m] of Object.entries(meta)) {
    if (DENIED.has(name)) continue;
    if (m.subcommands !== undefined) {
      for (const [full, s] of Object.entries(m.subcommands)) {
        if (DENIED.has(full)) continue;
        out.push({ name, sub: full.split('|')[1], arity: s.arity });
      }
    } else {
      out.push({ name, sub: null, arity: m.arity });
    }
  }
  return out;
}

/** Arguments worth trying anywhere: limits, signs, floats, globs, option words. */
const INTS = [
  '0', '1', '-1', '2', '3', '5', '10', '100', '-100', '1000', '65535', '1000000', '-1000000', '4294967296', '-2147483649',
  '9223372036854775807', '-9223372036854775808', '9223372036854775808', '18446744073709551615', '-9223372036854775809',
  '99999999999999999999999', '1.5', '-0', '+1', ' 1', '1 ', '0x10', '1e3', '3.0e300', 'inf', '-inf', '+inf', 'nan', '', '00001',
];
const WORDS = [
  'EX', 'PX', 'EXAT', 'PXAT', 'NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'KEEPTTL', 'GET', 'WITHSCORES', 'WITHSCORE', 'LIMIT',
  'COUNT', 'MATCH', 'TYPE', 'BYSCORE', 'BYLEX', 'REV', 'STORE', 'AGGREGATE', 'WEIGHTS', 'SUM', 'MIN', 'MAX', 'BLOCK',
  'STREAMS', 'GROUP', 'MKSTREAM', 'NOMKSTREAM', 'MAXLEN', 'MINID', '~', '=', '*', '$', '>', '-', '+', '(1', '[a', 'BY',
  'ASC', 'DESC', 'ALPHA', 'OVERFLOW', 'WRAP', 'SAT', 'FAIL', 'SET', 'INCRBY', 'u8', 'i64', 'u63', 'i65', '#1', 'LEFT',
  'RIGHT', 'BEFORE', 'AFTER', 'IDLE', 'TIME', 'RETRYCOUNT', 'FORCE', 'JUSTID', 'ENTRIESREAD', 'LEN', 'IDX', 'MINMATCHLEN',
  'WITHMATCHLEN', 'WITHCOORD', 'WITHDIST', 'WITHHASH', 'FROMLONLAT', 'BYRADIUS', 'BYBOX', 'm', 'km', 'NOVALUES', 'RANK',
  'MAXAGE', 'ON', 'OFF', 'YES', 'NO', 'SYNC', 'ASYNC', 'REPLACE', 'ABSTTL', 'FREQ', 'ENCODING', 'USAGE', 'SAMPLES', 'LOAD',
  'FLUSH', 'EXISTS', 'NUMSUB', 'NUMPAT', 'CHANNELS', 'SHARDCHANNELS', '3', '2', 'AUTH', 'SETNAME', 'default',
];
const GLOBS = ['*', '?', '[', '[^a-', '\\', 'k*', '*a*a*a*a*a*a*a*a*a*a*b', '[a-z]*[', 'h?llo', '**********', '[\\'];
const SCRIPTS = [
  'return 1', "return redis.call('get', KEYS[1])", "return redis.pcall('incr', KEYS[1])", 'return {1,2,{3,{4}}}',
  "return cjson.decode('[[[[1]]]]')", 'return cmsgpack.unpack(ARGV[1])', "return redis.call('nosuch')", 'error("x")',
  'return loadstring', "return redis.sha1hex('')", 'local t = {} for i=1,100 do t[i]=i end return t', '{',
];

function encode(argv: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

export class InputGenerator {
  private readonly rng: Rng;
  private readonly names = commandNames();

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  private arg(): Buffer<ArrayBuffer> {
    const r = this.rng;
    switch (r.int(9)) {
      case 0:
      case 1:
        return Buffer.from(`k${r.int(8)}`);
      case 2:
      case 3:
        return Buffer.from(r.pick(INTS));
      case 4:
        return Buffer.from(r.pick(WORDS));
      case 5:
        return Buffer.from(r.pick(GLOBS));
      case 6:
        return r.int(4) === 0 ? Buffer.from(r.pick(SCRIPTS)) : Buffer.from(`m${r.int(20)}`);
      case 7:
        return r.bytes(r.int(4) === 0 ? r.int(3000) : r.int(16));
      default:
        return Buffer.from(String(r.int(200) - 50));
    }
  }

  /** A well-formed command: a name from the table, its subcommand, 0-10 arguments. */
  command(): Buffer[] {
    const r = this.rng;
    const c = r.pick(this.names);
    const argv = [Buffer.from(r.int(3) === 0 ? c.name.toUpperCase() : c.name)];
    if (c.sub !== null) argv.push(Buffer.from(c.sub));
    const min = Math.abs(c.arity) - argv.length;
    const n = c.arity > 0 && r.int(4) !== 0 ? Math.max(0, min) : Math.max(0, min) + r.int(8);
    for (let i = 0; i < n && argv.length < 24; i++) argv.push(this.arg());
    return argv;
  }

  private mutate(b: Buffer): Buffer {
    const r = this.rng;
    let out: Buffer = b;
    for (let m = 1 + r.int(4); m > 0 && out.length > 0; m--) {
      const at = r.int(out.length);
      switch (r.int(6)) {
        case 0: {
          const c = Buffer.from(out);
          c[at] ^= 1 << r.int(8);
          out = c;
          break;
        }
        case 1:
          out = Buffer.concat([out.subarray(0, at), r.bytes(1 + r.int(4)), out.subarray(at)]);
          break;
        case 2:
          out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + r.int(8)))]);
          break;
        case 3: {
          const len = 1 + r.int(Math.min(32, out.length - at));
          out = Buffer.concat([out.subarray(0, at + len), out.subarray(at, at + len), out.subarray(at + len)]);
          break;
        }
        case 4: {
          // a length digit: the byte after a '*' or '$'
          const i = out.indexOf(r.int(2) === 0 ? 0x24 : 0x2a, at);
          if (i >= 0 && i + 1 < out.length) {
            const c = Buffer.from(out);
            c[i + 1] = 0x30 + r.int(10);
            out = c;
          }
          break;
        }
        default:
          out = Buffer.concat([out.subarray(0, at), Buffer.from(r.pick(['\r\n', '\r', '\n', '\0', '*', '$', '-1']))]);
      }
    }
    return out;
  }

  private inline(argv: Buffer[]): Buffer {
    const r = this.rng;
    const words = argv.map((a) => {
      const s = a.toString('latin1').replace(/[\r\n]/g, '');
      switch (r.int(5)) {
        case 0:
          return `"${s.replace(/"/g, '\\"')}"`;
        case 1:
          return `'${s}'`;
        case 2:
          return r.pick(['"unbalanced', "'x", '"\\x4', '"a"b', '"\\xzz"']);
        default:
          return s.replace(/[ "']/g, '_') || '""';
      }
    });
    return Buffer.from(`${words.join(r.int(5) === 0 ? '   ' : ' ')}${r.int(4) === 0 ? '\n' : '\r\n'}`, 'latin1');
  }

  private badLengths(argv: Buffer[]): Buffer {
    const r = this.rng;
    const lens = ['-1', '-2', '0', '2147483647', '2147483648', '9223372036854775807', '99999999999999999999', 'x', '', ' 1', '1x', '-0'];
    if (r.int(2) === 0) return Buffer.concat([Buffer.from(`*${r.pick(lens)}\r\n`), encode(argv).subarray(encode(argv).indexOf(10) + 1)]);
    const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
    const bad = r.int(argv.length);
    argv.forEach((a, i) => {
      if (i === bad) parts.push(Buffer.from(`$${r.pick(lens)}\r\n`), a, Buffer.from('\r\n'));
      else parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from('\r\n'));
    });
    return Buffer.concat(parts);
  }

  /** The next input, and whether the connection must end after it (a frame left open). */
  next(): { bytes: Buffer; last: boolean } {
    const r = this.rng;
    const k = r.int(100);
    if (k < 40) return { bytes: encode(this.command()), last: false };
    if (k < 62) return { bytes: this.mutate(encode(this.command())), last: r.int(3) === 0 };
    if (k < 72) return { bytes: this.inline(this.command()), last: false };
    if (k < 82) return { bytes: this.badLengths(this.command()), last: true };
    if (k < 88) {
      const b = encode(this.command());
      return { bytes: b.subarray(0, r.int(b.length)), last: true };
    }
    if (k < 94) {
      const t = r.pick(['%', '~', '>', '|', '#', ',', '(', '=', '_', ':', '+', '-', '!']);
      return { bytes: Buffer.from(`${t}${r.int(5)}\r\n$3\r\nGET\r\n`), last: r.int(2) === 0 };
    }
    return { bytes: r.bytes(r.int(512)), last: true };
  }
}

function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Sends `inputs` on one connection, half-closes, and resolves once the server has closed it. */
function runConnection(port: number, inputs: Buffer[]): Promise<{ protocolError: boolean; replyBytes: number }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let done = false;
    let tail = '';
    let protocolError = false;
    let replyBytes = 0;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ protocolError, replyBytes });
    };
    // A connection blocked on a command with a timeout the fuzzer picked is given up on after a
    // while: what matters is that the server frees it when we go.
    const timer = setTimeout(finish, 5000);
    sock.on('data', (d: Buffer) => {
      replyBytes += d.length;
      // The protocol error is the last reply before the close: look at the end only.
      tail = (tail + d.toString('latin1', Math.max(0, d.length - 200))).slice(-200);
      if (tail.includes('-ERR Protocol error')) protocolError = true;
    });
    sock.on('error', finish);
    sock.on('close', finish);
    sock.on('connect', () => {
      for (const b of inputs) sock.write(b);
      sock.end();
    });
  });
}

/** The watchdog: PINGs on its own connection; rejects when a PING is not answered in time. */
class Watchdog {
  pings = 0;
  maxMs = 0;
  failure = '';
  private sock: net.Socket | null = null;
  private buf = '';
  private sentAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  private readonly port: number;
  private readonly hangMs: number;

  constructor(port: number, hangMs: number) {
    this.port = port;
    this.hangMs = hangMs;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = net.connect(this.port, '127.0.0.1');
      this.sock = s;
      s.setNoDelay(true);
      s.on('connect', () => {
        this.ping();
        this.flushTimer = setInterval(() => s.write('*1\r\n$8\r\nFLUSHALL\r\n'), 5000);
        resolve();
      });
      s.on('error', (e) => {
        if (!this.stopped) this.failure ||= `watchdog connection error: ${e.message}`;
        reject(e);
      });
      s.on('close', () => {
        if (!this.stopped) this.failure ||= 'the server closed the watchdog connection';
      });
      s.on('data', (d: Buffer) => this.onData(d.toString('latin1')));
    });
  }

  private ping(): void {
    if (this.stopped) return;
    this.sentAt = Date.now();
    this.sock!.write('*1\r\n$4\r\nPING\r\n');
    this.timer = setTimeout(() => {
      this.failure ||= `no PONG within ${this.hangMs} ms; last bytes received: ${JSON.stringify(this.tail)}`;
    }, this.hangMs);
  }

  /** The last bytes received (reported with a hang). */
  tail = '';

  private onData(text: string): void {
    this.tail = (this.tail + text).slice(-300);
    this.buf += text;
    // Replies: +PONG, +OK (FLUSHALL), -BUSY... (a script is running: kill it and keep going).
    for (;;) {
      const i = this.buf.indexOf('\r\n');
      if (i < 0) return;
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      if (line.startsWith('-BUSY')) this.sock!.write('*2\r\n$6\r\nSCRIPT\r\n$4\r\nKILL\r\n*2\r\n$8\r\nFUNCTION\r\n$4\r\nKILL\r\n');
      if (line === '+PONG' || line.startsWith('-BUSY')) {
        if (this.timer !== null) clearTimeout(this.timer);
        this.pings++;
        this.maxMs = Math.max(this.maxMs, Date.now() - this.sentAt);
        setTimeout(() => this.ping(), 200);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.flushTimer !== null) clearInterval(this.flushTimer);
    this.sock?.destroy();
  }
}

/** After a hang: whether a new connection is served, and what CLIENT LIST says of the others. */
async function diagnose(port: number): Promise<string> {
  try {
    const c = await rawClient(port);
    const ping = (await c.send(['PING'], 10_000)).toString().trim();
    const list = (await c.send(['CLIENT', 'LIST'], 10_000)).toString();
    const info = (await c.send(['INFO', 'everything'], 10_000)).toString();
    c.close();
    const io = info.split('\r\n').filter((l) => l.startsWith('io_thread') || l.startsWith('blocked_clients') || l.startsWith('connected_clients'));
    return `a new connection: ${ping}\n${list.split('\n').slice(0, 40).join('\n')}\n${io.join('\n')}`;
  } catch (e) {
    return `a new connection is not served either: ${(e as Error).message}`;
  }
}

/** Runs the fuzzer against a Spindle started for it (or `srv` when given) and reports. */
export async function runFuzz(opts: FuzzOptions, given?: ServerHandle): Promise<FuzzResult> {
  const started = Date.now();
  const srv = given ?? (await startSpindle(['--io-threads', String(opts.ioThreads), '--save', '', '--appendonly', 'no'], { timeoutMs: 120_000 }));
  const pid = srv.proc.pid!;
  let exited = srv.proc.exitCode !== null;
  srv.proc.once('exit', () => (exited = true));
  const res: FuzzResult = {
    inputs: 0, bytes: 0, connections: 0, protocolErrors: 0, replyBytes: 0, watchdogPings: 0, commandsProcessed: 0, errorReplies: 0, maxPingMs: 0, rssStartKb: rssKb(pid), rssMaxKb: 0,
    rssEndKb: 0, fdsStart: openFds(pid), fdsEnd: 0, crashed: false, hung: false, seconds: 0, failure: '',
  };
  res.rssMaxKb = res.rssStartKb;
  const dog = new Watchdog(srv.port, 60_000);
  await dog.start();
  const sampler = setInterval(() => {
    res.rssMaxKb = Math.max(res.rssMaxKb, rssKb(pid));
  }, 1000);
  const gen = new InputGenerator(opts.seed);
  const rng = new Rng(opts.seed ^ 0x5bd1e995);
  const deadline = started + opts.maxSeconds * 1000;
  let nextLog = 50_000;
  const stopNow = (): boolean => exited || dog.failure !== '' || Date.now() > deadline || res.inputs >= opts.inputs;
  const lane = async (): Promise<void> => {
    while (!stopNow()) {
      const batch: Buffer[] = [];
      const n = 1 + rng.int(40);
      for (let i = 0; i < n && res.inputs < opts.inputs; i++) {
        const inp = gen.next();
        batch.push(inp.bytes);
        res.inputs++;
        res.bytes += inp.bytes.length;
        if (inp.last) break;
      }
      const r = await runConnection(srv.port, batch);
      res.connections++;
      if (r.protocolError) res.protocolErrors++;
      res.replyBytes += r.replyBytes;
      if (opts.log && res.inputs >= nextLog) {
        nextLog += 50_000;
        opts.log(`${res.inputs} inputs, ${res.connections} connections, rss ${rssKb(pid)} kB, max ${res.rssMaxKb} kB, ${Math.round((Date.now() - started) / 1000)} s`);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.conns }, lane));
  // Settle: the server must still answer, and the RSS once the dataset is flushed is the end figure.
  await new Promise((r) => setTimeout(r, 1500));
  clearInterval(sampler);
  res.crashed = exited;
  if (!exited) {
    try {
      const c = await rawClient(srv.port);
      const text = (await c.send(['INFO', 'stats'], 30_000)).toString();
      c.close();
      res.commandsProcessed = Number(/total_commands_processed:(\d+)/.exec(text)?.[1] ?? 0);
      res.errorReplies = Number(/total_error_replies:(\d+)/.exec(text)?.[1] ?? 0);
    } catch (e) {
      dog.failure ||= `INFO after the run failed: ${(e as Error).message}`;
    }
  }
  res.rssEndKb = rssKb(pid);
  res.fdsEnd = openFds(pid);
  res.rssMaxKb = Math.max(res.rssMaxKb, res.rssEndKb);
  res.watchdogPings = dog.pings;
  res.maxPingMs = dog.maxMs;
  res.failure = exited ? `the server exited (code ${srv.proc.exitCode}, signal ${srv.proc.signalCode})\n${srv.output().slice(-4000)}` : dog.failure;
  res.hung = !exited && dog.failure !== '';
  if (res.hung) res.failure += `\n${await diagnose(srv.port)}\n${srv.output().slice(-4000)}`;
  dog.stop();
  if (given === undefined) await srv.stop();
  res.seconds = Math.round((Date.now() - started) / 100) / 10;
  return res;
}

function argValue(args: string[], name: string, def: number): number {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? Number(args[i + 1]) : def;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opts: FuzzOptions = {
    inputs: argValue(args, '--inputs', 1_000_000),
    ioThreads: argValue(args, '--io-threads', 1),
    seed: argValue(args, '--seed', 1),
    conns: argValue(args, '--conns', 8),
    maxSeconds: argValue(args, '--max-seconds', 3600),
    log: args.includes('--json') ? undefined : (l) => console.log(l),
  };
  const res = await runFuzz(opts);
  if (args.includes('--json')) console.log(JSON.stringify({ ...opts, log: undefined, ...res }));
  else console.log(res);
  process.exit(res.crashed || res.hung ? 1 : 0);
}

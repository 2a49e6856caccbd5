// Loop stall of big deletes: Spindle vs redis-server.
//
//   node bench/loop-stall.ts [--elements 1000000] [--types hash,set,zset,list] [--out file.md]
//
// For each server, each type (hash, set, zset, list) and each case, a fresh value of N elements
// is built (pipelined HSET/SADD/ZADD/RPUSH of 1000 elements each); then one client sends
// PING continuously (one at a time, measuring each round trip) while another deletes the key:
//   DEL                    lazyfree-lazy-user-del no: freed synchronously
//   DEL (lazy-user-del)    lazyfree-lazy-user-del yes: DEL behaves as UNLINK
//   UNLINK                 freed in the background (Redis: bio thread; Spindle: slices, lazyfree.ts)
// Reported per case: the DEL/UNLINK reply time, and max and p99 PING latency over the window from
// the delete being sent until 100 ms after its reply (so background freeing is inside the window).
// Run with --help for all options.

import * as net from 'node:net';
import {
  HOST, environmentSummary, markdownTable, parseOptions, publishReport, reportText, reproduceCommand, resolveSpindleCmd, runMain, sleep,
  splitCommand, startServer, stopServer,
} from './lib.ts';

const USAGE = 'node bench/loop-stall.ts [options]';

function enc(args: (string | number)[]): Buffer {
  let s = `*${args.length}\r\n`;
  for (const a of args) {
    const v = String(a);
    s += `$${Buffer.byteLength(v)}\r\n${v}\r\n`;
  }
  return Buffer.from(s);
}

/** A connection that counts complete replies (simple line replies only: +, -, :). */
class Conn {
  private sock: net.Socket;
  private pending: Array<() => void> = [];
  private buf = '';
  constructor(sock: net.Socket) {
    this.sock = sock;
    sock.setNoDelay(true);
    sock.on('data', (d) => {
      this.buf += d.toString('latin1');
      let i = this.buf.indexOf('\r\n');
      while (i >= 0) {
        this.buf = this.buf.slice(i + 2);
        this.pending.shift()?.();
        i = this.buf.indexOf('\r\n');
      }
    });
  }
  static async open(port: number): Promise<Conn> {
    const s = net.connect(port, HOST);
    await new Promise<void>((res, rej) => {
      s.once('connect', () => res());
      s.once('error', rej);
    });
    return new Conn(s);
  }
  send(args: (string | number)[]): Promise<void> {
    return new Promise((res) => {
      this.pending.push(res);
      this.sock.write(enc(args));
    });
  }
  close(): void {
    this.sock.destroy();
  }
}

async function build(c: Conn, type: string, key: string, n: number): Promise<void> {
  const batch = 1000;
  let inflight: Promise<void>[] = [];
  for (let b = 0; b < n; b += batch) {
    const a: (string | number)[] = [];
    for (let i = b; i < Math.min(n, b + batch); i++) {
      if (type === 'hash') a.push(`field:${i}`, `v${i}`);
      else if (type === 'zset') a.push(i, `member:${i}`);
      else a.push(`member:${i}`);
    }
    const cmd = type === 'hash' ? 'HSET' : type === 'set' ? 'SADD' : type === 'zset' ? 'ZADD' : 'RPUSH';
    inflight.push(c.send([cmd, key, ...a]));
    if (inflight.length >= 32) {
      await Promise.all(inflight);
      inflight = [];
    }
  }
  await Promise.all(inflight);
}

interface CaseResult {
  delMs: number;
  maxMs: number;
  p99Ms: number;
  pings: number;
}

async function runCase(port: number, type: string, mode: string, n: number): Promise<CaseResult> {
  const admin = await Conn.open(port);
  const pinger = await Conn.open(port);
  await admin.send(['FLUSHALL']);
  await admin.send(['CONFIG', 'SET', 'lazyfree-lazy-user-del', mode === 'DEL (lazy-user-del)' ? 'yes' : 'no']);
  await build(admin, type, 'big', n);
  await sleep(300); // let the build's garbage settle
  const lat: number[] = [];
  let stop = false;
  const pingLoop = (async () => {
    while (!stop) {
      const t = performance.now();
      await pinger.send(['PING']);
      lat.push(performance.now() - t);
    }
  })();
  await sleep(100);
  const from = lat.length;
  const t0 = performance.now();
  await admin.send([mode === 'UNLINK' ? 'UNLINK' : 'DEL', 'big']);
  const delMs = performance.now() - t0;
  await sleep(100);
  stop = true;
  await pingLoop;
  const window = lat.slice(from).sort((a, b) => a - b);
  admin.close();
  pinger.close();
  return {
    delMs,
    maxMs: window[window.length - 1] ?? 0,
    p99Ms: window[Math.min(window.length - 1, Math.floor(window.length * 0.99))] ?? 0,
    pings: window.length,
  };
}

runMain(async () => {
  const o = parseOptions(process.argv.slice(2), [
    { names: ['--elements'], kind: 'string', default: '1000000', help: 'elements per value' },
    { names: ['--types'], kind: 'string', default: 'hash,set,zset,list', help: 'types to delete' },
    { names: ['--spindle-cmd'], kind: 'string', default: '', help: 'command to run Spindle (default: this node + src/main.ts)' },
    { names: ['--redis-cmd'], kind: 'string', default: 'redis-server', help: 'redis-server command' },
    { names: ['--out'], kind: 'string', help: 'also write the markdown report here' },
  ], USAGE);
  const n = Number(o.get('elements'));
  const types = String(o.get('types')).split(',');
  const modes = ['DEL', 'DEL (lazy-user-del)', 'UNLINK'];
  const rows: string[][] = [];
  const problems: string[] = [];
  const servers = [
    { label: 'redis', cmd: splitCommand(String(o.get('redis-cmd'))) },
    { label: 'spindle', cmd: resolveSpindleCmd(String(o.get('spindle-cmd')), []) },
  ];
  const results = new Map<string, CaseResult>();
  for (const s of servers) {
    const h = await startServer({ label: s.label, cmd: s.cmd });
    try {
      for (const type of types) {
        for (const mode of modes) {
          const r = await runCase(h.port, type, mode, n);
          results.set(`${s.label}|${type}|${mode}`, r);
          process.stderr.write(`${s.label} ${type} ${mode}: del ${r.delMs.toFixed(1)} ms, ping max ${r.maxMs.toFixed(2)} p99 ${r.p99Ms.toFixed(2)} (${r.pings})\n`);
        }
      }
    } finally {
      await stopServer(h);
    }
  }
  const f = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(2));
  for (const type of types) {
    for (const mode of modes) {
      const a = results.get(`redis|${type}|${mode}`);
      const b = results.get(`spindle|${type}|${mode}`);
      rows.push([type, mode, f(a?.delMs), f(a?.maxMs), f(a?.p99Ms), f(b?.delMs), f(b?.maxMs), f(b?.p99Ms)]);
    }
  }
  const lines = [
    `# Loop stall of big deletes (${n} elements)`,
    '',
    `Reproduce: \`${reproduceCommand()}\``,
    '',
    environmentSummary(),
    '',
    markdownTable(['type', 'delete', 'redis del ms', 'redis ping max ms', 'redis ping p99 ms', 'spindle del ms', 'spindle ping max ms', 'spindle ping p99 ms'], rows),
  ];
  publishReport(reportText(lines, problems), o.get('out') as string | undefined, problems);
});

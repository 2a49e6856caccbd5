// Differential check of the list commands and the quicklist layout against a real redis-server,
// used by scripts/list-diff.ts (long runs) and test/interop/list-layout.test.ts.
//
// Runs the same random list commands on redis-server and on an in-process Spindle server (no
// sockets). After every command it compares the replies byte for byte, and the quicklist layout:
// DUMP of the key on redis (with rdbcompression off, so a node is stored LZF-compressed in the
// payload exactly when it is compressed in memory) against our node list (node boundaries,
// listpack bytes, compressed bytes). Every combination of a few list-max-listpack-size and
// list-compress-depth values is run.
import { createRegistry } from '../../src/server/command-table.ts';
import { Argv } from '../../src/protocol/argv.ts';
import { Client } from '../../src/server/client.ts';
import { Config, loadServerConfig, parseCommandLine } from '../../src/server/config.ts';
import { Server } from '../../src/server/server.ts';
import type { Quicklist } from '../../src/store/quicklist.ts';
import { listQuicklist } from '../../src/commands/lists.ts';
import { lpBytes } from '../../src/store/listpack.ts';
import { rawClient, startRedis, type RawClient } from './servers.ts';

let seed = 1;
function rnd(n: number): number {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed % n;
}

// ---- value pool: small, integer-like, medium, compressible, incompressible, big ----
const pool: Buffer[] = [];
function fillPool(): void {
  pool.length = 0;
  for (let i = 0; i < 8; i++) pool.push(Buffer.from(`v${i}`));
  for (const n of ['0', '1', '-1', '127', '128', '4095', '-4096', '65535', '123456789', '9223372036854775807', '-9223372036854775808', '00', '+1']) pool.push(Buffer.from(n));
  for (let i = 0; i < 6; i++) pool.push(Buffer.alloc(60 + i * 70, 97 + i));
  for (let i = 0; i < 4; i++) {
    const b = Buffer.alloc(200 + i * 300);
    for (let j = 0; j < b.length; j++) b[j] = rnd(256);
    pool.push(b);
  }
  pool.push(Buffer.alloc(9000, 120));
  {
    const b = Buffer.alloc(5000);
    for (let j = 0; j < b.length; j++) b[j] = 65 + rnd(4);
    pool.push(b);
  }
}

function value(): Buffer {
  const r = rnd(100);
  if (r < 40) return pool[rnd(8)];
  if (r < 55) return pool[8 + rnd(13)];
  if (r < 80) return pool[21 + rnd(6)];
  if (r < 97) return pool[27 + rnd(4)];
  return pool[31 + rnd(2)];
}

function randomCommand(len: number): (string | Buffer)[] {
  const idx = () => String(rnd(len + 4) - Math.floor((len + 4) / 2));
  switch (rnd(17)) {
    case 0:
    case 1: {
      const n = 1 + rnd(30);
      const a: (string | Buffer)[] = [rnd(2) ? 'RPUSH' : 'LPUSH', 'k'];
      for (let i = 0; i < n; i++) a.push(value());
      return a;
    }
    case 2:
      return [rnd(2) ? 'LPOP' : 'RPOP', 'k', ...(rnd(2) ? [String(rnd(12))] : [])];
    case 3:
      return ['LINSERT', 'k', rnd(2) ? 'BEFORE' : 'AFTER', value(), value()];
    case 4:
      return ['LSET', 'k', idx(), value()];
    case 5:
      return ['LREM', 'k', String(rnd(5) - 2), value()];
    case 6:
      return ['LTRIM', 'k', String(rnd(4)), String(-1 - rnd(4))];
    case 7:
      return ['LRANGE', 'k', idx(), idx()];
    case 8:
      return ['LINDEX', 'k', idx()];
    case 9:
      return ['LPOS', 'k', value(), 'RANK', String(rnd(2) ? 1 + rnd(3) : -1 - rnd(3)), ...(rnd(2) ? ['COUNT', String(rnd(3))] : [])];
    case 10:
      return ['LMOVE', 'k', 'k', rnd(2) ? 'LEFT' : 'RIGHT', rnd(2) ? 'LEFT' : 'RIGHT'];
    case 11:
      return ['LMOVE', 'k', 'k2', rnd(2) ? 'LEFT' : 'RIGHT', rnd(2) ? 'LEFT' : 'RIGHT'];
    case 12:
      return ['LMOVE', 'k2', 'k', rnd(2) ? 'LEFT' : 'RIGHT', rnd(2) ? 'LEFT' : 'RIGHT'];
    case 13:
      return ['LMPOP', '2', 'nokey', 'k', rnd(2) ? 'LEFT' : 'RIGHT', 'COUNT', String(1 + rnd(5))];
    case 15:
      return rnd(2) ? ['COPY', 'k', 'k3', 'REPLACE'] : ['LRANGE', 'k3', '0', '-1'];
    case 14:
      return ['LINSERT', 'k', rnd(2) ? 'BEFORE' : 'AFTER', pool[rnd(8)], value()];
    default: {
      const n = 50 + rnd(200);
      const a: (string | Buffer)[] = [rnd(2) ? 'RPUSH' : 'LPUSH', 'k'];
      for (let i = 0; i < n; i++) a.push(pool[rnd(21)]);
      return a;
    }
  }
}

// ---- DUMP payload parsing (RDB_TYPE_LIST_QUICKLIST_2) ----
interface NodeView {
  compressed: boolean;
  bytes: string; // raw listpack or LZF data, hex
  sz: number;
}

function parseDump(b: Buffer): NodeView[] {
  let pos = 0;
  const readLen = (): number => {
    const b0 = b[pos];
    const t = b0 >> 6;
    if (t === 0) {
      pos++;
      return b0 & 0x3f;
    }
    if (t === 1) {
      const v = ((b0 & 0x3f) << 8) | b[pos + 1];
      pos += 2;
      return v;
    }
    if (b0 === 0x80) {
      const v = b.readUInt32BE(pos + 1);
      pos += 5;
      return v;
    }
    throw new Error(`unexpected length byte ${b0.toString(16)}`);
  };
  if (b[pos++] !== 18) throw new Error(`not a quicklist 2 dump: type ${b[0]}`);
  const n = readLen();
  const out: NodeView[] = [];
  for (let i = 0; i < n; i++) {
    const container = readLen();
    if (container !== 2) throw new Error(`plain node ${container}`);
    if (b[pos] === 0xc3) {
      pos++;
      const clen = readLen();
      const olen = readLen();
      out.push({ compressed: true, bytes: b.subarray(pos, pos + clen).toString('hex'), sz: olen });
      pos += clen;
    } else {
      if (b[pos] >> 6 === 3) throw new Error('integer-encoded node');
      const len = readLen();
      out.push({ compressed: false, bytes: b.subarray(pos, pos + len).toString('hex'), sz: len });
      pos += len;
    }
  }
  return out;
}

function ourNodes(ql: Quicklist): NodeView[] {
  const out: NodeView[] = [];
  ql.forEachNode((n) => {
    if (n.compressed) out.push({ compressed: true, bytes: Buffer.from(ql.lzfBytes(n)).toString('hex'), sz: n.sz });
    else {
      const lp = ql.raw(n);
      if (lpBytes(lp) !== n.sz) throw new Error('node sz mismatch');
      out.push({ compressed: false, bytes: Buffer.from(lp.subarray(0, n.sz)).toString('hex'), sz: n.sz });
    }
  });
  return out;
}

// RESP reply reader for in-process replies: the writer's pending bytes.
function inProcess(): { run(args: (string | Buffer)[]): Buffer; list(key: string): Quicklist | null } {
  const registry = createRegistry();
  const config = new Config();
  const loaded = loadServerConfig(config, parseCommandLine(['--port', '0']), { commandExists: (n) => registry.find(n) !== undefined });
  if (loaded.error !== null) throw new Error(loaded.error);
  const srv = new Server({ config, registry });
  const c = new Client(1, srv, null, Date.now());
  const argv = new Argv();
  return {
    run(args) {
      argv.setFrom(args);
      srv.beginBatch(c);
      srv.execute(c, argv);
      return Buffer.from(srv.writer.take());
    },
    list(key) {
      const kb = Buffer.from(key);
      const db = srv.dbs[0];
      const e = db.lookupQuiet(kb, 0, kb.length);
      return e < 0 ? null : listQuicklist(db.ks, e);
    },
  };
}

function show(a: (string | Buffer)[]): string {
  return a.map((x) => (typeof x === 'string' ? x : x.length > 20 ? `<${x.length}B ${x.toString('latin1', 0, 6)}..>` : x.toString('latin1'))).join(' ');
}

export interface ListDiffResult {
  /** One line per fill/depth combination run. */
  summary: string[];
  /** Empty when everything matched; else what differed first, with the last commands. */
  failure: string;
}

/** Runs `ops` random commands per fill/depth combination; stops at the first difference. */
export async function runListDiff(ops: number, seedValue: number): Promise<ListDiffResult> {
  seed = seedValue >>> 0 || 1;
  fillPool();
  const summary: string[] = [];
  let failure = '';
  const redis = await startRedis(['--rdbcompression', 'no']);
  const rc: RawClient = await rawClient(redis.port);
  try {
    for (const fill of [-2, -1, 5, 128, -5]) {
      for (const depth of [0, 1, 2]) {
        failure = await runOne(rc, fill, depth, ops, summary);
        if (failure !== '') return { summary, failure };
      }
    }
  } finally {
    rc.close();
    await redis.stop();
  }
  return { summary, failure };
}

async function runOne(rc: RawClient, fill: number, depth: number, ops: number, summary: string[]): Promise<string> {
  const sp = inProcess();
  for (const [name, v] of [['list-max-listpack-size', fill], ['list-compress-depth', depth]] as const) {
    await rc.send(['CONFIG', 'SET', name, String(v)]);
    sp.run(['CONFIG', 'SET', name, String(v)]);
  }
  await rc.send(['FLUSHALL']);
  const history: string[] = [];
  let len = 0;
  let maxNodes = 0;
  let maxCompressed = 0;
  const where = `fill ${fill} depth ${depth}`;
  for (let i = 0; i < ops; i++) {
    const cmd = randomCommand(len);
    history.push(show(cmd));
    const want = await rc.send(cmd);
    const got = sp.run(cmd);
    if (!want.equals(got)) {
      return `${where}: reply differs at op ${i}: ${show(cmd)}\n redis:   ${JSON.stringify(want.toString('latin1').slice(0, 300))}\n spindle: ${JSON.stringify(got.toString('latin1').slice(0, 300))}\n${history.slice(-10).join('\n')}`;
    }
    len = Number(/^:(\d+)/.exec((await rc.send(['LLEN', 'k'])).toString('latin1'))?.[1] ?? 0);
    for (const key of ['k', 'k2', 'k3']) {
      const dump = await rc.send(['DUMP', key]);
      const ql = sp.list(key);
      if (dump.toString('latin1', 0, 3) === '$-1') {
        if (ql !== null) return `${where}: ${key} exists only in Spindle after ${show(cmd)}`;
        continue;
      }
      if (ql === null) return `${where}: ${key} missing in Spindle after ${show(cmd)}`;
      const hdr = dump.indexOf('\r\n');
      const theirs = parseDump(dump.subarray(hdr + 2, dump.length - 2));
      const ours = ourNodes(ql);
      maxNodes = Math.max(maxNodes, ours.length);
      maxCompressed = Math.max(maxCompressed, ours.filter((n) => n.compressed).length);
      const same = theirs.length === ours.length && theirs.every((n, j) => n.compressed === ours[j].compressed && n.bytes === ours[j].bytes && n.sz === ours[j].sz);
      if (!same) {
        return `${where}: layout of ${key} differs after op ${i}: ${show(cmd)}\n redis:   ${theirs.map((n) => `${n.compressed ? 'Z' : 'R'}${n.sz}`).join(' ')}\n spindle: ${ours.map((n) => `${n.compressed ? 'Z' : 'R'}${n.sz}`).join(' ')}\n${history.slice(-10).join('\n')}`;
      }
    }
  }
  summary.push(`${where}: ${ops} ops ok (up to ${maxNodes} nodes, ${maxCompressed} compressed)`);
  return '';
}

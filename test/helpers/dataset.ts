// A server's whole dataset as sorted text lines, read with plain commands (no DUMP, no DEBUG), so
// two servers (Spindle and redis-server, or Spindle before and after a restart) can be compared:
//   db<N> <key> <type> <value...> pexpiretime=<ms>
// Values: strings as JSON, lists in order, sets and hashes sorted, sorted sets as member:score in
// rank order, streams as their entries, XINFO STREAM's counters and each group's state and PEL.
import { readReply, type ReplyValue } from '../../src/protocol/reply-reader.ts';
import { encodeCommand, rawClient } from './servers.ts';

function show(v: ReplyValue): string {
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('latin1'));
  if (Array.isArray(v)) return `[${v.map(show).join(',')}]`;
  if (v === null) return 'nil';
  if (typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : Buffer.isBuffer(x) ? x.toString('latin1') : x));
  return String(v);
}

function sortedShow(v: ReplyValue): string {
  return show(((v as Buffer[]) ?? []).slice().sort(Buffer.compare));
}

function pairs(v: ReplyValue): string {
  const a = v as Buffer[];
  const out: string[] = [];
  for (let i = 0; i < a.length; i += 2) out.push(`${show(a[i])}=${show(a[i + 1])}`);
  return out.sort().join(',');
}

/** The dataset of databases 0..dbs-1 on the server at port. */
export async function dumpDataset(port: number, dbs = 16): Promise<string[]> {
  const c = await rawClient(port);
  const q = async (...args: (string | Buffer)[]): Promise<ReplyValue> => readReply(await c.send(args));
  /** Many commands pipelined, replies in order. */
  const many = async (cmds: (string | Buffer)[][]): Promise<ReplyValue[]> => {
    const out: ReplyValue[] = [];
    for (let i = 0; i < cmds.length; i += 500) {
      const batch = cmds.slice(i, i + 500);
      c.sendRaw(Buffer.concat(batch.map((a) => encodeCommand(a))));
      for (let j = 0; j < batch.length; j++) out.push(readReply(await c.readReply()));
    }
    return out;
  };
  const lines: string[] = [];
  try {
    for (let db = 0; db < dbs; db++) {
      await q('SELECT', String(db));
      const keys = (await q('KEYS', '*')) as Buffer[];
      const types = (await many(keys.map((k) => ['TYPE', k]))).map((t) => (t as { status: string }).status);
      const simple: Record<string, (k: Buffer) => (string | Buffer)[]> = {
        string: (k) => ['GET', k],
        list: (k) => ['LRANGE', k, '0', '-1'],
        set: (k) => ['SMEMBERS', k],
        hash: (k) => ['HGETALL', k],
        zset: (k) => ['ZRANGE', k, '0', '-1', 'WITHSCORES'],
        stream: (k) => ['XRANGE', k, '-', '+'],
      };
      const values = await many(keys.map((k, i) => simple[types[i]](k)));
      const ats = await many(keys.map((k) => ['PEXPIRETIME', k]));
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        const type = types[i];
        const v = values[i];
        let value = '';
        if (type === 'set') value = sortedShow(v);
        else if (type === 'hash') value = pairs(v);
        else value = show(v);
        if (type === 'stream') {
          const info = (await q('XINFO', 'STREAM', k)) as ReplyValue[];
          const keep = new Set(['length', 'last-generated-id', 'max-deleted-entry-id', 'entries-added', 'groups']);
          const fields: string[] = [];
          for (let j = 0; j < info.length; j += 2) {
            const name = (info[j] as Buffer).toString();
            if (keep.has(name)) fields.push(`${name}=${show(info[j + 1])}`);
          }
          value += ` ${fields.join(' ')}`;
          for (const g of (await q('XINFO', 'GROUPS', k)) as ReplyValue[][]) {
            const name = g[1] as Buffer;
            value += ` group=${show(g)} pel=${show(await q('XPENDING', k, name, '-', '+', '1000'))}`;
            const consumers = ((await q('XINFO', 'CONSUMERS', k, name)) as ReplyValue[][]).map((x) => show(x[1]));
            value += ` consumers=${consumers.sort().join(',')}`;
          }
          // Delivery times move with XCLAIM TIME: compare the PEL without idle times.
          value = value.replace(/,\d+,(\d+)\]/g, ',<idle>,$1]');
        }
        lines.push(`db${db} ${show(k)} ${type} ${value} pexpiretime=${show(ats[i])}`);
      }
    }
  } finally {
    c.close();
  }
  return lines.sort();
}

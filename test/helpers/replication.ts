// Helpers for the replication tests: a decoded-reply client, INFO as a map, polling with a
// generous deadline (nothing timing-sensitive is asserted), and "in sync" checks by DEBUG DIGEST.
import { type RawClient, rawClient } from './servers.ts';
import { type RespNode, decode } from './resp.ts';

export type Reply = string | number | null | Reply[];

function plain(n: RespNode): Reply {
  if (n.v === null) return null;
  if (Array.isArray(n.v)) return n.v.map(plain);
  if (n.t === ':') return Number(n.v);
  if (n.t === '-') return `ERR:${n.v.toString()}`;
  return Buffer.isBuffer(n.v) ? n.v.toString('latin1') : n.v;
}

export interface Cli {
  readonly port: number;
  call(...args: (string | number)[]): Promise<Reply>;
  raw: RawClient;
  close(): void;
}

export async function cli(port: number): Promise<Cli> {
  let raw = await rawClient(port);
  const c: Cli = {
    port,
    raw,
    async call(...args) {
      // A connection the server closed (CLIENT KILL in a test) is reopened.
      if (raw.isClosed()) {
        raw = await rawClient(port);
        c.raw = raw;
      }
      return plain(decode(await raw.send(args.map(String), 20_000)));
    },
    close: () => raw.close(),
  };
  return c;
}

export async function info(c: Cli, section = 'replication'): Promise<Map<string, string>> {
  const text = String(await c.call('INFO', section));
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until fn returns true (deadline 30 s by default), else throws with `what`. */
export async function waitFor(what: string, fn: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Waits until replica's link is up and it has applied everything primary has (same offset and digest). */
export async function waitInSync(primary: Cli, replica: Cli, ms = 30_000): Promise<void> {
  await waitFor(`replica :${replica.port} in sync with :${primary.port}`, async () => {
    const r = await info(replica);
    if (r.get('master_link_status') !== 'up') return false;
    const p = await info(primary);
    if (p.get('master_repl_offset') !== r.get('master_repl_offset')) return false;
    return (await primary.call('DEBUG', 'DIGEST')) === (await replica.call('DEBUG', 'DIGEST'));
  }, ms);
}

export async function stat(c: Cli, name: string): Promise<number> {
  return Number((await info(c, 'stats')).get(name));
}

/** A mixed dataset in a few databases: every type, TTLs, big and small encodings. */
export async function fillDataset(c: Cli, tag: string, n = 200): Promise<void> {
  for (const db of [0, 3]) {
    await c.call('SELECT', db);
    for (let i = 0; i < n; i++) await c.call('SET', `${tag}:s:${i}`, `v${i}-${'x'.repeat(i % 50)}`);
    await c.call('SET', `${tag}:ttl`, 'v', 'PX', 3_600_000);
    await c.call('HSET', `${tag}:h`, 'a', 1, 'b', 2);
    for (let i = 0; i < 300; i++) await c.call('HSET', `${tag}:bigh`, `f${i}`, i);
    await c.call('RPUSH', `${tag}:l`, 'a', 'b', 'c', 1, 2, 3);
    await c.call('SADD', `${tag}:is`, 1, 2, 3);
    await c.call('SADD', `${tag}:ss`, 'a', 'b', 'c');
    await c.call('ZADD', `${tag}:z`, 1, 'a', 2.5, 'b');
    await c.call('XADD', `${tag}:x`, '1-1', 'f', 'v');
    await c.call('XGROUP', 'CREATE', `${tag}:x`, 'g', '0');
  }
  await c.call('SELECT', 0);
}

/** A burst of writes of several kinds (MULTI/EXEC, SELECT, expiries, deletes). */
export async function writeBurst(c: Cli, tag: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    switch (i % 7) {
      case 0:
        await c.call('INCR', `${tag}:ctr`);
        break;
      case 1:
        await c.call('LPUSH', `${tag}:bl`, i);
        break;
      case 2:
        await c.call('MULTI');
        await c.call('SET', `${tag}:m${i}`, i);
        await c.call('HINCRBY', `${tag}:mh`, 'f', 1);
        await c.call('EXEC');
        break;
      case 3:
        await c.call('SELECT', 3);
        await c.call('ZINCRBY', `${tag}:bz`, 1, `m${i % 11}`);
        await c.call('SELECT', 0);
        break;
      case 4:
        await c.call('SET', `${tag}:e${i}`, 'v', 'EX', 1000);
        break;
      case 5:
        await c.call('DEL', `${tag}:m${i - 3}`);
        break;
      default:
        await c.call('SPOP', `${tag}:bs`);
        await c.call('SADD', `${tag}:bs`, i, i + 1);
    }
  }
}

/*
 * Publish/subscribe: who listens to which channel, pattern or shard channel, and delivery.
 *
 * Channels and patterns are kept as latin1 strings (one char per byte, so any byte string is a
 * key) in Maps of subscriber arrays in subscription order, as Redis keeps a list per channel:
 * PUBLISH walks its channel's subscribers, then every pattern (Redis 7.0 matches each pattern
 * against the channel too). A message is encoded once per publish into one frame; RESP2 and RESP3
 * frames differ only in the first byte ('*' array vs '>' push), so the RESP3 copy is made only
 * when a RESP3 subscriber is met. The frame goes to each subscriber through Server.push, which
 * appends it to the running client's replies (a client publishing to itself sees the message
 * before PUBLISH's reply, as in 7.0) or hands it straight to the socket or the client's I/O worker.
 *
 * Messages and (un)subscribe confirmations are "pushes" in 7.0 (CLIENT_PUSHING): they reach a
 * client even under CLIENT REPLY OFF/SKIP, which silence only ordinary replies. A confirmation is
 * therefore written as an ordinary reply only while replies are on, and otherwise handed to
 * Server.push like a message.
 */
import { REPLY_ON, type Client } from './client.ts';
import type { Server } from './server.ts';
import { globMatchBytes } from '../util/glob.ts';

export type SubKind = 'channel' | 'pattern' | 'shard';

/** A client's subscriptions (null on clients that never subscribed). */
export class ClientSubs {
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shard = new Set<string>();

  /** Channels plus patterns: the count SUBSCRIBE/UNSUBSCRIBE replies show. */
  get count(): number {
    return this.channels.size + this.patterns.size;
  }

  get total(): number {
    return this.channels.size + this.patterns.size + this.shard.size;
  }

  of(kind: SubKind): Set<string> {
    return kind === 'channel' ? this.channels : kind === 'pattern' ? this.patterns : this.shard;
  }
}

interface PatternSubs {
  bytes: Uint8Array;
  clients: Client[];
}

const NAMES = {
  channel: { sub: 'subscribe', unsub: 'unsubscribe', msg: 'message' },
  pattern: { sub: 'psubscribe', unsub: 'punsubscribe', msg: 'pmessage' },
  shard: { sub: 'ssubscribe', unsub: 'sunsubscribe', msg: 'smessage' },
} as const;

export class PubSub {
  readonly channels = new Map<string, Client[]>();
  readonly patterns = new Map<string, PatternSubs>();
  readonly shardChannels = new Map<string, Client[]>();
  private readonly srv: Server;

  constructor(srv: Server) {
    this.srv = srv;
  }

  /** Subscribes c to `name` (latin1); replies the (p|s)subscribe confirmation. */
  subscribe(c: Client, kind: SubKind, name: string): void {
    const subs = (c.subs ??= new ClientSubs());
    const own = subs.of(kind);
    if (!own.has(name)) {
      own.add(name);
      if (kind === 'pattern') {
        let p = this.patterns.get(name);
        if (p === undefined) this.patterns.set(name, (p = { bytes: Buffer.from(name, 'latin1'), clients: [] }));
        p.clients.push(c);
      } else {
        const map = kind === 'channel' ? this.channels : this.shardChannels;
        const list = map.get(name);
        if (list === undefined) map.set(name, [c]);
        else list.push(c);
      }
    }
    c.pubsub = true;
    this.confirm(c, NAMES[kind].sub, name, kind === 'shard' ? subs.shard.size : subs.count);
  }

  /** Unsubscribes c from `name`; replies the confirmation when `notify`. */
  unsubscribe(c: Client, kind: SubKind, name: string, notify: boolean): void {
    const subs = c.subs;
    if (subs?.of(kind).delete(name)) {
      if (kind === 'pattern') {
        const p = this.patterns.get(name) as PatternSubs;
        removeFrom(p.clients, c);
        if (p.clients.length === 0) this.patterns.delete(name);
      } else {
        const map = kind === 'channel' ? this.channels : this.shardChannels;
        const list = map.get(name) as Client[];
        removeFrom(list, c);
        if (list.length === 0) map.delete(name);
      }
    }
    const count = subs === null ? 0 : kind === 'shard' ? subs.shard.size : subs.count;
    if (notify) this.confirm(c, NAMES[kind].unsub, name, count);
    if (subs === null || subs.total === 0) c.pubsub = false;
  }

  /**
   * Unsubscribes c from every name of a kind (UNSUBSCRIBE without arguments, RESET, a closing
   * client). With nothing to leave, `notify` replies one confirmation with a null name.
   */
  unsubscribeAll(c: Client, kind: SubKind, notify: boolean): void {
    const own = c.subs?.of(kind);
    if (own === undefined || own.size === 0) {
      if (notify) this.confirm(c, NAMES[kind].unsub, null, c.subs === null ? 0 : kind === 'shard' ? 0 : c.subs.count);
      return;
    }
    for (const name of [...own]) this.unsubscribe(c, kind, name, notify);
  }

  /** Drops every subscription of a client (RESET, disconnect), without replies. */
  forget(c: Client): void {
    if (c.subs === null) return;
    this.unsubscribeAll(c, 'channel', false);
    this.unsubscribeAll(c, 'pattern', false);
    this.unsubscribeAll(c, 'shard', false);
    c.pubsub = false;
  }

  /** [kind, name, count] as a push (RESP3) or an array (RESP2). */
  private confirm(c: Client, kind: string, name: string | null, count: number): void {
    if (c.replyMode !== REPLY_ON) {
      this.srv.push(c, confirmationFrame(c.resp, kind, name, count));
      return;
    }
    const w = c.w;
    w.pushHeader(3);
    w.bulkString(kind);
    if (name === null) w.nullBulk();
    else w.bulkBytes(Buffer.from(name, 'latin1'));
    w.integer(count);
  }

  /**
   * Sends a message on channel ch[o, o+n) to its subscribers and to every matching pattern
   * subscriber (shard: to the shard channel's subscribers only). Returns the receiver count.
   */
  publish(shard: boolean, ch: Uint8Array, o: number, n: number, msg: Uint8Array, mo: number, mn: number): number {
    const name = latin1(ch, o, n);
    let receivers = 0;
    const list = (shard ? this.shardChannels : this.channels).get(name);
    if (list !== undefined) {
      const frame = new Frame(shard ? 'smessage' : 'message', null, ch, o, n, msg, mo, mn);
      for (const c of list) this.srv.push(c, frame.bytes(c.resp));
      receivers += list.length;
    }
    if (shard || this.patterns.size === 0) return receivers;
    const chBytes = ch.subarray(o, o + n);
    for (const p of this.patterns.values()) {
      if (!globMatchBytes(p.bytes, chBytes)) continue;
      const frame = new Frame('pmessage', p.bytes, ch, o, n, msg, mo, mn);
      for (const c of p.clients) this.srv.push(c, frame.bytes(c.resp));
      receivers += p.clients.length;
    }
    return receivers;
  }

  /** Subscribers of a channel (PUBSUB NUMSUB / SHARDNUMSUB). */
  numsub(shard: boolean, name: string): number {
    return (shard ? this.shardChannels : this.channels).get(name)?.length ?? 0;
  }
}

/** A message frame, RESP2 form built eagerly, RESP3 form (first byte '>') on first need. */
class Frame {
  private readonly v2: Buffer;
  private v3: Buffer | null = null;

  constructor(kind: string, pattern: Uint8Array | null, ch: Uint8Array, o: number, n: number, msg: Uint8Array, mo: number, mn: number) {
    const parts = pattern === null ? 3 : 4;
    const head = `*${parts}\r\n$${kind.length}\r\n${kind}\r\n`;
    const size = head.length + (pattern === null ? 0 : bulkSize(pattern.length)) + bulkSize(n) + bulkSize(mn);
    const b = Buffer.allocUnsafe(size);
    let p = b.write(head, 0, 'latin1');
    if (pattern !== null) p = putBulk(b, p, pattern, 0, pattern.length);
    p = putBulk(b, p, ch, o, n);
    putBulk(b, p, msg, mo, mn);
    this.v2 = b;
  }

  bytes(resp: number): Buffer {
    if (resp === 2) return this.v2;
    if (this.v3 === null) {
      this.v3 = Buffer.from(this.v2);
      this.v3[0] = 62; // '>'
    }
    return this.v3;
  }
}

/** A confirmation encoded on its own (the CLIENT REPLY OFF/SKIP path of confirm). */
function confirmationFrame(resp: number, kind: string, name: string | null, count: number): Buffer {
  const nameBytes = name === null ? null : Buffer.from(name, 'latin1');
  const nul = resp === 2 ? '$-1\r\n' : '_\r\n';
  const head = Buffer.from(`${resp === 2 ? '*' : '>'}3\r\n$${kind.length}\r\n${kind}\r\n`, 'latin1');
  const nameField = nameBytes === null ? Buffer.from(nul, 'latin1') : Buffer.concat([Buffer.from(`$${nameBytes.length}\r\n`, 'latin1'), nameBytes, Buffer.from('\r\n')]);
  return Buffer.concat([head, nameField, Buffer.from(`:${count}\r\n`, 'latin1')]);
}

function bulkSize(n: number): number {
  return 1 + String(n).length + 2 + n + 2;
}

function putBulk(b: Buffer, p: number, src: Uint8Array, o: number, n: number): number {
  p += b.write(`$${n}\r\n`, p, 'latin1');
  b.set(src.subarray(o, o + n), p);
  p += n;
  b[p++] = 13;
  b[p++] = 10;
  return p;
}

function removeFrom(list: Client[], c: Client): void {
  const i = list.indexOf(c);
  if (i >= 0) list.splice(i, 1);
}

export function latin1(b: Uint8Array, o: number, n: number): string {
  return Buffer.from(b.buffer, b.byteOffset + o, n).toString('latin1');
}

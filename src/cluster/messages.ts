/*
 * The cluster bus wire format of Redis 7.0 (cluster.h's clusterMsg), written from its layout:
 * every message is a 2256-byte header followed by a type-specific body, all integers big-endian.
 *
 *   0 sig "RCmb" | 4 totlen u32 | 8 ver u16 (1) | 10 port u16 | 12 type u16 | 14 count u16
 *  16 currentEpoch u64 | 24 configEpoch u64 | 32 offset u64 | 40 sender[40] | 80 myslots[2048]
 * 2128 slaveof[40] | 2168 myip[46] | 2214 extensions u16 | 2216 unused[30] | 2246 pport u16
 * 2248 cport u16 | 2250 flags u16 | 2252 state u8 | 2253 mflags[3] | 2256 body
 *
 * Bodies: PING/PONG/MEET carry `count` gossip entries of 104 bytes (name[40], ping_sent u32,
 * pong_received u32, ip[46], port, cport, flags, pport, unused: u16 each) followed by
 * `extensions` ping extensions (length u32, type u16, unused u16, data padded to 8 bytes:
 * 0 hostname, 1 forgotten node {name[40], ttl u64}, 2 shard id[40]). FAIL: name[40]. UPDATE:
 * configEpoch u64, name[40], slots[2048]. PUBLISH/PUBLISHSHARD: channel_len u32, message_len
 * u32, bytes. FAILOVER_AUTH_REQUEST/ACK and MFSTART: no body.
 */

export const MSG_PING = 0;
export const MSG_PONG = 1;
export const MSG_MEET = 2;
export const MSG_FAIL = 3;
export const MSG_PUBLISH = 4;
export const MSG_FAILOVER_AUTH_REQUEST = 5;
export const MSG_FAILOVER_AUTH_ACK = 6;
export const MSG_UPDATE = 7;
export const MSG_MFSTART = 8;
export const MSG_MODULE = 9;
export const MSG_PUBLISHSHARD = 10;

export const HEADER_LEN = 2256;
export const GOSSIP_LEN = 104;
export const NAME_LEN = 40;

/** mflags[0] bits. */
export const MFLAG0_PAUSED = 1;
export const MFLAG0_FORCEACK = 2;
export const MFLAG0_EXT_DATA = 4;

export const EXT_HOSTNAME = 0;
export const EXT_FORGOTTEN_NODE = 1;
export const EXT_SHARDID = 2;

export interface Header {
  type: number;
  count: number;
  port: number;
  currentEpoch: number;
  configEpoch: number;
  offset: number;
  sender: string;
  myslots: Uint8Array;
  slaveof: string;
  myip: string;
  extensions: number;
  pport: number;
  cport: number;
  flags: number;
  state: number;
  mflags0: number;
}

export interface Gossip {
  name: string;
  pingSent: number;
  pongReceived: number;
  ip: string;
  port: number;
  cport: number;
  flags: number;
  pport: number;
}

export interface PingExt {
  type: number;
  data: Buffer;
}

function readName(b: Buffer, o: number): string {
  return b.toString('latin1', o, o + NAME_LEN);
}

function isZeroName(b: Buffer, o: number): boolean {
  for (let i = 0; i < NAME_LEN; i++) if (b[o + i] !== 0) return false;
  return true;
}

function readCString(b: Buffer, o: number, max: number): string {
  let e = o;
  while (e < o + max && b[e] !== 0) e++;
  return b.toString('latin1', o, e);
}

function u64(b: Buffer, o: number): number {
  return Number(b.readBigUInt64BE(o));
}

export function parseHeader(b: Buffer): Header {
  return {
    type: b.readUInt16BE(12),
    count: b.readUInt16BE(14),
    port: b.readUInt16BE(10),
    currentEpoch: u64(b, 16),
    configEpoch: u64(b, 24),
    offset: u64(b, 32),
    sender: readName(b, 40),
    myslots: b.subarray(80, 2128),
    slaveof: isZeroName(b, 2128) ? '' : readName(b, 2128),
    myip: readCString(b, 2168, 46),
    extensions: b.readUInt16BE(2214),
    pport: b.readUInt16BE(2246),
    cport: b.readUInt16BE(2248),
    flags: b.readUInt16BE(2250),
    state: b[2252],
    mflags0: b[2253],
  };
}

export function parseGossip(b: Buffer, i: number): Gossip {
  const o = HEADER_LEN + i * GOSSIP_LEN;
  return {
    name: readName(b, o),
    pingSent: b.readUInt32BE(o + 40),
    pongReceived: b.readUInt32BE(o + 44),
    ip: readCString(b, o + 48, 46),
    port: b.readUInt16BE(o + 94),
    cport: b.readUInt16BE(o + 96),
    flags: b.readUInt16BE(o + 98),
    pport: b.readUInt16BE(o + 100),
  };
}

/** The ping extensions after `count` gossip entries, or null when their lengths do not add up. */
export function parseExtensions(b: Buffer, h: Header): PingExt[] | null {
  const out: PingExt[] = [];
  let o = HEADER_LEN + h.count * GOSSIP_LEN;
  for (let i = 0; i < h.extensions; i++) {
    if (o + 8 > b.length) return null;
    const len = b.readUInt32BE(o);
    if (len < 8 || o + len > b.length) return null;
    out.push({ type: b.readUInt16BE(o + 4), data: b.subarray(o + 8, o + len) });
    o += len;
  }
  return o === b.length ? out : null;
}

/** Redis's clusterIsValidPacket length rule for the message's type. */
export function validLength(b: Buffer, h: Header): boolean {
  const t = h.type;
  if (t === MSG_PING || t === MSG_PONG || t === MSG_MEET) {
    const base = HEADER_LEN + h.count * GOSSIP_LEN;
    if (h.extensions === 0) return b.length === base;
    return parseExtensions(b, h) !== null;
  }
  if (t === MSG_FAIL) return b.length === HEADER_LEN + NAME_LEN;
  if (t === MSG_UPDATE) return b.length === HEADER_LEN + 8 + NAME_LEN + 2048;
  if (t === MSG_PUBLISH || t === MSG_PUBLISHSHARD) {
    if (b.length < HEADER_LEN + 8) return false;
    return b.length === HEADER_LEN + 8 + b.readUInt32BE(HEADER_LEN) + b.readUInt32BE(HEADER_LEN + 4);
  }
  if (t === MSG_MODULE) return b.length >= HEADER_LEN + 13;
  return b.length === HEADER_LEN;
}


export function writeHeader(b: Buffer, f: Header): void {
  b.write('RCmb', 0, 'latin1');
  b.writeUInt32BE(b.length, 4);
  b.writeUInt16BE(1, 8);
  b.writeUInt16BE(f.port, 10);
  b.writeUInt16BE(f.type, 12);
  b.writeUInt16BE(f.count, 14);
  b.writeBigUInt64BE(BigInt(f.currentEpoch), 16);
  b.writeBigUInt64BE(BigInt(f.configEpoch), 24);
  b.writeBigUInt64BE(BigInt(Math.max(0, f.offset)), 32);
  b.write(f.sender, 40, NAME_LEN, 'latin1');
  b.set(f.myslots, 80);
  if (f.slaveof !== '') b.write(f.slaveof, 2128, NAME_LEN, 'latin1');
  if (f.myip !== '') b.write(f.myip, 2168, 45, 'latin1');
  b.writeUInt16BE(f.extensions, 2214);
  b.writeUInt16BE(f.pport, 2246);
  b.writeUInt16BE(f.cport, 2248);
  b.writeUInt16BE(f.flags & 0xffff, 2250);
  b[2252] = f.state;
  b[2253] = f.mflags0;
}

export function writeGossip(b: Buffer, i: number, g: Gossip): void {
  const o = HEADER_LEN + i * GOSSIP_LEN;
  b.write(g.name, o, NAME_LEN, 'latin1');
  b.writeUInt32BE(g.pingSent >>> 0, o + 40);
  b.writeUInt32BE(g.pongReceived >>> 0, o + 44);
  b.write(g.ip, o + 48, 45, 'latin1');
  b.writeUInt16BE(g.port, o + 94);
  b.writeUInt16BE(g.cport, o + 96);
  b.writeUInt16BE(g.flags & 0xffff, o + 98);
  b.writeUInt16BE(g.pport, o + 100);
}

/** Encodes one ping extension, padded to a multiple of 8 bytes. */
export function encodeExt(type: number, data: Buffer): Buffer {
  const len = 8 + ((data.length + 7) & ~7);
  const b = Buffer.alloc(len);
  b.writeUInt32BE(len, 0);
  b.writeUInt16BE(type, 4);
  data.copy(b, 8);
  return b;
}

/** The NUL-terminated string in an extension's data (hostname). */
export function extString(data: Buffer): string {
  return readCString(data, 0, data.length);
}

/*
 * RDB value writer (rdbSaveObjectType + rdbSaveObject of Redis 7.0, from the format description)
 * and the RDB type/opcode numbers, shared by RDB files (persistence/rdb-writer.ts), the snapshot
 * and DUMP (commands/dump.ts).
 *
 * Values are written in the encoding Spindle holds them in, which is Redis's own: strings as RDB
 * strings (integer, LZF or plain), listpack hashes/zsets and intsets as one string of their exact
 * bytes, quicklists as QUICKLIST_2 nodes (compressed nodes as their LZF blob), skiplists as ZSET_2
 * (tail to head, binary doubles), hashtables as HASH/SET, streams as STREAM_LISTPACKS_2 with their
 * consumer groups and PELs.
 */
import type { ByteDict } from './bytedict.ts';
import type { IntSet } from './intset.ts';
import {
  ENC_HT, ENC_INTSET, ENC_LISTPACK, type Keyspace, OBJ_HASH, OBJ_LIST, OBJ_SET, OBJ_STREAM, OBJ_STRING, OBJ_ZSET,
} from './keyspace.ts';
import { lpBytes } from './listpack.ts';
import type { Quicklist } from './quicklist.ts';
import type { RdbWriter } from './rdb-encoding.ts';
import type { Skiplist } from './skiplist.ts';
import type { Pel, Stream } from './stream.ts';

export const RDB_TYPE_STRING = 0;
export const RDB_TYPE_LIST = 1;
export const RDB_TYPE_SET = 2;
export const RDB_TYPE_ZSET = 3;
export const RDB_TYPE_HASH = 4;
export const RDB_TYPE_ZSET_2 = 5;
export const RDB_TYPE_MODULE_2 = 7;
export const RDB_TYPE_HASH_ZIPMAP = 9;
export const RDB_TYPE_LIST_ZIPLIST = 10;
export const RDB_TYPE_SET_INTSET = 11;
export const RDB_TYPE_ZSET_ZIPLIST = 12;
export const RDB_TYPE_HASH_ZIPLIST = 13;
export const RDB_TYPE_LIST_QUICKLIST = 14;
export const RDB_TYPE_STREAM_LISTPACKS = 15;
export const RDB_TYPE_HASH_LISTPACK = 16;
export const RDB_TYPE_ZSET_LISTPACK = 17;
export const RDB_TYPE_LIST_QUICKLIST_2 = 18;
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19;

export const RDB_OPCODE_FUNCTION2 = 245;
export const RDB_OPCODE_FUNCTION_PRE_GA = 246;
export const RDB_OPCODE_MODULE_AUX = 247;
export const RDB_OPCODE_IDLE = 248;
export const RDB_OPCODE_FREQ = 249;
export const RDB_OPCODE_AUX = 250;
export const RDB_OPCODE_RESIZEDB = 251;
export const RDB_OPCODE_EXPIRETIME_MS = 252;
export const RDB_OPCODE_EXPIRETIME = 253;
export const RDB_OPCODE_SELECTDB = 254;
export const RDB_OPCODE_EOF = 255;

export const QUICKLIST_NODE_PLAIN = 1;
export const QUICKLIST_NODE_PACKED = 2;

const RDB_ENC_LZF = 0xc3;
const U64_MASK = (1n << 64n) - 1n;

/** Lengths above 2^32 and streams' 64-bit sequence numbers: rdbSaveLen of a u64. */
export function writeLenBig(w: RdbWriter, v: bigint): void {
  const u = v & U64_MASK;
  if (u <= 0xffffffffn) {
    w.length(Number(u));
    return;
  }
  w.byte(0x81);
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(u);
  w.raw(b);
}

const scratch8 = Buffer.alloc(8);

/** rdbSaveMillisecondTime: an int64 LE. */
export function writeMillis(w: RdbWriter, ms: number): void {
  scratch8.writeBigInt64LE(BigInt(Math.trunc(ms)));
  w.raw(scratch8);
}

/** A stream ID as Redis's 16-byte big-endian key (ms, seq). */
export function streamIdBytes(id: bigint): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(id >> 64n, 0);
  b.writeBigUInt64BE(id & U64_MASK, 8);
  return b;
}

/** The RDB type byte for a value of Spindle type/encoding. */
export function rdbTypeOf(type: number, enc: number): number {
  switch (type) {
    case OBJ_STRING:
      return RDB_TYPE_STRING;
    case OBJ_LIST:
      return RDB_TYPE_LIST_QUICKLIST_2;
    case OBJ_SET:
      return enc === ENC_INTSET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    case OBJ_ZSET:
      return enc === ENC_LISTPACK ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
    case OBJ_HASH:
      return enc === ENC_LISTPACK ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
    case OBJ_STREAM:
      return RDB_TYPE_STREAM_LISTPACKS_2;
    default:
      throw new Error(`no RDB type for type ${type}`);
  }
}

/** The parts of a keyspace a value is read from (a Keyspace, or a Db). */
export type EntryReader = Pick<Keyspace, 'metaOf' | 'valView' | 'getObject' | 'arena'>;

/** Writes entry e's RDB type byte and value (rdbSaveObjectType + rdbSaveObject). */
export function writeValue(w: RdbWriter, ks: EntryReader, e: number, compress: boolean): void {
  const m = ks.metaOf(e);
  w.byte(rdbTypeOf(m & 15, (m >>> 4) & 15));
  writeValueBody(w, ks, e, compress);
}

/** Writes entry e's value without its type byte (rdbSaveObject). */
export function writeValueBody(w: RdbWriter, ks: EntryReader, e: number, compress: boolean): void {
  const m = ks.metaOf(e);
  const type = m & 15;
  const enc = (m >>> 4) & 15;
  switch (type) {
    case OBJ_STRING:
      w.string(ks.valView(e), compress);
      return;
    case OBJ_LIST:
      if (enc === ENC_LISTPACK) {
        const lp = ks.valView(e);
        w.length(1);
        w.length(QUICKLIST_NODE_PACKED);
        w.string(lp.subarray(0, lpBytes(lp)), compress);
      } else writeQuicklist(w, ks.getObject(e) as Quicklist, compress);
      return;
    case OBJ_SET:
      if (enc === ENC_INTSET) w.string((ks.getObject(e) as IntSet).bytes(), compress);
      else writeDict(w, ks.getObject(e) as ByteDict, false, compress);
      return;
    case OBJ_ZSET:
      if (enc === ENC_LISTPACK) {
        const lp = ks.valView(e);
        w.string(lp.subarray(0, lpBytes(lp)), compress);
      } else writeSkiplist(w, ks.getObject(e) as Skiplist, compress);
      return;
    case OBJ_HASH:
      if (enc === ENC_LISTPACK) {
        const lp = ks.valView(e);
        w.string(lp.subarray(0, lpBytes(lp)), compress);
      } else if (enc === ENC_HT) writeDict(w, ks.getObject(e) as ByteDict, true, compress);
      else throw new Error(`hash encoding ${enc}`);
      return;
    case OBJ_STREAM:
      writeStream(w, ks.getObject(e) as Stream, compress);
      return;
    default:
      throw new Error(`cannot serialise type ${type}`);
  }
}

function writeQuicklist(w: RdbWriter, ql: Quicklist, compress: boolean): void {
  w.length(ql.len);
  for (let n = ql.head; n !== null; n = n.next) {
    w.length(QUICKLIST_NODE_PACKED);
    if (n.compressed) {
      // rdbSaveLzfBlob: the node's own LZF bytes, whatever rdbcompression says.
      const lzf = ql.lzfBytes(n);
      w.byte(RDB_ENC_LZF);
      w.length(lzf.length);
      w.length(n.sz);
      w.raw(lzf);
    } else {
      w.string(n.raw().subarray(0, n.sz), compress);
    }
  }
}

function writeDict(w: RdbWriter, d: ByteDict, withValues: boolean, compress: boolean): void {
  const u8 = d.arena.u8;
  w.length(d.size);
  for (let id = 0; id < d.size; id++) {
    const ko = d.keyOff(id);
    w.string(u8.subarray(ko, ko + d.keyLen(id)), compress);
    if (withValues) {
      const vo = d.valOff(id);
      w.string(d.arena.u8.subarray(vo, vo + d.valLen(id)), compress);
    }
  }
}

const dbl = Buffer.alloc(8);

function writeSkiplist(w: RdbWriter, sl: Skiplist, compress: boolean): void {
  w.length(sl.size);
  // From the greatest to the smallest, as Redis saves them (loading then inserts at the head).
  for (let x = sl.last(); x !== 0; x = sl.prev(x)) {
    const o = sl.memberOff(x);
    w.string(sl.arena.u8.subarray(o, o + sl.memberLen(x)), compress);
    dbl.writeDoubleLE(sl.score(x));
    w.raw(dbl);
  }
}

function writeIdPair(w: RdbWriter, id: bigint): void {
  writeLenBig(w, id >> 64n);
  writeLenBig(w, id & U64_MASK);
}

function writePel(w: RdbWriter, pel: Pel, nacks: boolean): void {
  const ids = pel.ids;
  w.length(ids.length);
  for (const id of ids) {
    w.raw(streamIdBytes(id));
    if (nacks) {
      const n = pel.get(id);
      writeMillis(w, n?.deliveryTime ?? 0);
      w.length(n?.deliveryCount ?? 0);
    }
  }
}

function writeStream(w: RdbWriter, s: Stream, compress: boolean): void {
  w.length(s.masters.length);
  for (let i = 0; i < s.masters.length; i++) {
    w.string(streamIdBytes(s.masters[i]), compress);
    const lp = s.lps[i];
    w.string(lp.subarray(0, lpBytes(lp)), compress);
  }
  w.length(s.length);
  writeIdPair(w, s.lastId);
  writeIdPair(w, s.firstId);
  writeIdPair(w, s.maxDeletedId);
  w.length(s.entriesAdded);
  w.length(s.groups.length);
  for (const g of s.groups) {
    w.string(g.name, compress);
    writeIdPair(w, g.lastId);
    writeLenBig(w, BigInt(g.entriesRead)); // -1 (unknown) is written as u64 all ones, as Redis does
    writePel(w, g.pel, true);
    w.length(g.consumers.length);
    for (const c of g.consumers) {
      w.string(c.name, compress);
      writeMillis(w, c.seenTime);
      writePel(w, c.pel, false);
    }
  }
}


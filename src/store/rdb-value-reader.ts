/*
 * Reading RDB values (Redis 7.0's rdbLoadObject, from the format description) into the objects
 * and listpack bytes Spindle stores, shared by the file loader and RESTORE.
 *
 * Every type and encoding 7.0 loads is accepted: strings (int, LZF, plain), QUICKLIST_2 (packed
 * and plain nodes), QUICKLIST of ziplists, linked LIST, ZIPLIST lists, SET and SET_INTSET,
 * ZSET/ZSET_2 (text or binary doubles), ZSET_ZIPLIST/LISTPACK, HASH, HASH_ZIPMAP/ZIPLIST/LISTPACK,
 * STREAM_LISTPACKS (v1, 7.0's fields derived as 7.0 derives them) and STREAM_LISTPACKS_2. Old
 * encodings are converted to the ones 7.0 would hold after loading, and the thresholds
 * (hash-max-listpack-*, zset-max-listpack-*, set-max-intset-entries) decide the final encoding
 * as rdbLoadObject does.
 *
 * Bad input throws RdbError(offset, reason): every length is checked against the bytes left,
 * every listpack/intset/ziplist is validated (deeply when `deep`, as sanitize-dump-payload), so
 * a corrupt value never reaches the keyspace and never crashes the loader.
 */
import { ByteDict } from './bytedict.ts';
import { listpackToDict } from './hash-type.ts';
import { IntSet } from './intset.ts';
import {
  ENC_EMBSTR, ENC_HT, ENC_INT, ENC_INTSET, ENC_LISTPACK, ENC_QUICKLIST, ENC_RAW, ENC_SKIPLIST, ENC_STREAM, OBJ_HASH, OBJ_LIST, OBJ_SET, OBJ_STREAM,
  OBJ_STRING, OBJ_ZSET,
} from './keyspace.ts';
import type { Arena } from './arena.ts';
import {
  LpEntry, lpAppend, lpAppendInteger, lpBytes, lpFirst, lpGet, lpLength, lpNew, lpNext, lpValidate,
} from './listpack.ts';
import { Quicklist } from './quicklist.ts';
import { intsetToDict } from './set-type.ts';
import { Skiplist } from './skiplist.ts';
import { type Consumer, Nack, Stream } from './stream.ts';
import { listpackFromSkiplist, skiplistFromListpack } from './zset-type.ts';
import { zzlLength } from './zset-listpack.ts';
import { lzfDecompress } from '../util/lzf.ts';
import { parseInt64 } from '../util/numbers.ts';
import {
  QUICKLIST_NODE_PACKED, QUICKLIST_NODE_PLAIN, RDB_TYPE_HASH, RDB_TYPE_HASH_LISTPACK, RDB_TYPE_HASH_ZIPLIST, RDB_TYPE_HASH_ZIPMAP,
  RDB_TYPE_LIST, RDB_TYPE_LIST_QUICKLIST, RDB_TYPE_LIST_QUICKLIST_2, RDB_TYPE_LIST_ZIPLIST, RDB_TYPE_SET, RDB_TYPE_SET_INTSET,
  RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2, RDB_TYPE_STRING, RDB_TYPE_ZSET, RDB_TYPE_ZSET_2, RDB_TYPE_ZSET_LISTPACK,
  RDB_TYPE_ZSET_ZIPLIST,
} from './rdb-value-writer.ts';

/** A refused RDB file or payload: where and why. */
export class RdbError extends Error {
  readonly offset: number;
  readonly reason: string;
  constructor(offset: number, reason: string) {
    super(`${reason} at offset ${offset}`);
    this.offset = offset;
    this.reason = reason;
  }
}

/** Bounds-checked reads over an RDB byte range; failures throw RdbError naming the offset. */
export class RdbInput {
  readonly buf: Uint8Array;
  readonly dv: DataView;
  pos: number;
  end: number;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
    this.pos = pos;
    this.end = end;
  }

  fail(reason: string, at = this.pos): never {
    throw new RdbError(at, reason);
  }

  need(n: number): void {
    if (this.pos + n > this.end) this.fail('Unexpected EOF reading RDB file');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  raw(n: number): Uint8Array {
    this.need(n);
    const s = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** A length, or -(1 + encoding) for the special string encodings (0xC0..0xC3). */
  lengthOrEncoding(): number {
    const b = this.byte();
    const kind = b >> 6;
    if (kind === 0) return b & 0x3f;
    if (kind === 1) return ((b & 0x3f) << 8) | this.byte();
    if (kind === 3) return -1 - (b & 0x3f);
    if (b === 0x80) {
      this.need(4);
      const v = this.dv.getUint32(this.pos);
      this.pos += 4;
      return v;
    }
    if (b === 0x81) {
      this.need(8);
      const v = this.dv.getBigUint64(this.pos);
      this.pos += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('Length too big');
      return Number(v);
    }
    return this.fail(`Unknown length encoding ${b} in rdbLoadLen()`, this.pos - 1);
  }

  length(): number {
    const at = this.pos;
    const n = this.lengthOrEncoding();
    if (n < 0) this.fail('Unexpected string encoding where a length was expected', at);
    return n;
  }

  /** A u64 length as a bigint (stream IDs, entries_read). */
  lengthBig(): bigint {
    const b = this.buf[this.pos];
    if (b === 0x81) {
      this.pos++;
      this.need(8);
      const v = this.dv.getBigUint64(this.pos);
      this.pos += 8;
      return v;
    }
    return BigInt(this.length());
  }

  /** A string in any of rdbSaveRawString's encodings (a view into the input when plain). */
  string(): Uint8Array {
    const at = this.pos;
    const n = this.lengthOrEncoding();
    if (n >= 0) return this.raw(n);
    const enc = -1 - n;
    if (enc === 0) {
      this.need(1);
      return intText(this.dv.getInt8(this.pos++));
    }
    if (enc === 1) {
      this.need(2);
      const v = this.dv.getInt16(this.pos, true);
      this.pos += 2;
      return intText(v);
    }
    if (enc === 2) {
      this.need(4);
      const v = this.dv.getInt32(this.pos, true);
      this.pos += 4;
      return intText(v);
    }
    if (enc !== 3) this.fail(`Unknown RDB string encoding type ${enc}`, at);
    const clen = this.length();
    const len = this.length();
    const src = this.raw(clen);
    if (len > 512 * 1024 * 1024 * 4) this.fail('LZF string too long', at);
    const out = Buffer.allocUnsafe(len);
    if (len === 0 || lzfDecompress(src, out) !== len) this.fail('Invalid LZF compressed string', at);
    return out;
  }

  /** A copy of a string (the input may be a view of a file being loaded). */
  stringCopy(): Uint8Array {
    const s = this.string();
    return s.buffer === this.buf.buffer ? s.slice() : s;
  }

  /** rdbLoadDoubleValue: a length byte then the text (253 nan, 254 +inf, 255 -inf). */
  doubleText(): number {
    const n = this.byte();
    if (n === 253) return Number.NaN;
    if (n === 254) return Number.POSITIVE_INFINITY;
    if (n === 255) return Number.NEGATIVE_INFINITY;
    const s = Buffer.from(this.raw(n)).toString('latin1');
    const v = Number.parseFloat(s);
    if (Number.isNaN(v)) this.fail('Invalid double value');
    return v;
  }

  binaryDouble(): number {
    this.need(8);
    const v = this.dv.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  millis(): number {
    this.need(8);
    const v = this.dv.getBigInt64(this.pos, true);
    this.pos += 8;
    return Number(v);
  }

  /** A 16-byte big-endian stream ID. */
  streamId(): bigint {
    this.need(16);
    const ms = this.dv.getBigUint64(this.pos);
    const seq = this.dv.getBigUint64(this.pos + 8);
    this.pos += 16;
    return (ms << 64n) | seq;
  }
}

function intText(v: number): Uint8Array {
  return Buffer.from(String(v), 'latin1');
}

/** What the thresholds of the moment are (read from the configs by the caller). */
export interface LoadLimits {
  hashMaxEntries: number;
  hashMaxValue: number;
  zsetMaxEntries: number;
  zsetMaxValue: number;
  setMaxIntsetEntries: number;
  listFill: number;
  listCompress: number;
  /** Validate listpacks/intsets/ziplists entry by entry (sanitize-dump-payload). */
  deep: boolean;
}

/** The thresholds a loaded value's encoding is chosen with, read from the configs now. */
export function loadLimits(cfg: { num(name: string): number }, deep: boolean): LoadLimits {
  return {
    hashMaxEntries: cfg.num('hash-max-listpack-entries'),
    hashMaxValue: cfg.num('hash-max-listpack-value'),
    zsetMaxEntries: cfg.num('zset-max-listpack-entries'),
    zsetMaxValue: cfg.num('zset-max-listpack-value'),
    setMaxIntsetEntries: cfg.num('set-max-intset-entries'),
    listFill: cfg.num('list-max-listpack-size'),
    listCompress: cfg.num('list-compress-depth'),
    deep,
  };
}

/**
 * A loaded value: either bytes for the key's record (strings, listpacks) with its typeEnc, or an
 * object with the typeEnc to give it via setObject. The bytes may be a view of the input: copy
 * them before the input changes.
 */
export interface LoadedValue {
  typeEnc: number;
  bytes: Uint8Array | null;
  obj: unknown;
}

const ent = new LpEntry();

/** tryObjectEncoding for a loaded string: int, embstr (<= 44 bytes) or raw. */
function stringEncoding(b: Uint8Array): number {
  if (b.length <= 20 && parseInt64(b, 0, b.length) !== null) return ENC_INT;
  return b.length <= 44 ? ENC_EMBSTR : ENC_RAW;
}

function bytesValue(type: number, enc: number, b: Uint8Array): LoadedValue {
  return { typeEnc: type | (enc << 4), bytes: b, obj: null };
}

function objValue(type: number, enc: number, obj: unknown): LoadedValue {
  return { typeEnc: type | (enc << 4), bytes: null, obj };
}

/** Whether an RDB type byte is a value type this loader knows. */
export function isValueType(t: number): boolean {
  return (t >= 0 && t <= 5) || (t >= 9 && t <= 19);
}

/** Frees a loaded value's arena memory (a value refused after it was built). */
export function freeLoaded(v: LoadedValue): void {
  const o = v.obj as { free?: () => void } | null;
  o?.free?.();
}

/** Reads the value of RDB type `type` (rdbLoadObject). Empty values return null (skipped). */
export function readValue(inp: RdbInput, type: number, arena: Arena, lim: LoadLimits): LoadedValue | null {
  const at = inp.pos;
  switch (type) {
    case RDB_TYPE_STRING: {
      // A view of the input when plain: the caller copies it into the key's record at once.
      const s = inp.string();
      return bytesValue(OBJ_STRING, stringEncoding(s), s);
    }
    case RDB_TYPE_LIST:
      return listFromElements(readStringList(inp), lim);
    case RDB_TYPE_LIST_ZIPLIST:
      return listFromElements(ziplistElements(inp, inp.string(), lim.deep, at), lim);
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
      return readQuicklist(inp, type === RDB_TYPE_LIST_QUICKLIST_2, lim);
    case RDB_TYPE_SET:
      return readSet(inp, arena, lim);
    case RDB_TYPE_SET_INTSET: {
      const b = inp.string();
      const is = IntSet.fromBytes(b, lim.deep);
      if (is === null) inp.fail('Intset integrity check failed.', at);
      if (is.length > lim.setMaxIntsetEntries) return objValue(OBJ_SET, ENC_HT, intsetToDict(is, arena));
      return objValue(OBJ_SET, ENC_INTSET, is);
    }
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
      return readZset(inp, type === RDB_TYPE_ZSET_2, arena, lim);
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK: {
      let lp: Uint8Array;
      if (type === RDB_TYPE_ZSET_ZIPLIST) lp = elementsToListpack(ziplistElements(inp, inp.string(), lim.deep, at));
      else lp = checkedListpack(inp, inp.string(), lim.deep, at, true);
      const n = zzlLength(lp);
      if (n === 0) return null;
      if (n > lim.zsetMaxEntries || (lp.length > lim.zsetMaxValue && maxElementLen(lp) > lim.zsetMaxValue)) {
        return objValue(OBJ_ZSET, ENC_SKIPLIST, skiplistFromListpack(arena, lp));
      }
      return bytesValue(OBJ_ZSET, ENC_LISTPACK, lp);
    }
    case RDB_TYPE_HASH:
      return readHash(inp, arena, lim);
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK: {
      let lp: Uint8Array;
      if (type === RDB_TYPE_HASH_ZIPMAP) lp = elementsToListpack(zipmapElements(inp, inp.string(), at));
      else if (type === RDB_TYPE_HASH_ZIPLIST) lp = elementsToListpack(ziplistElements(inp, inp.string(), lim.deep, at));
      else lp = checkedListpack(inp, inp.string(), lim.deep, at, true);
      const n = lpLength(lp);
      if (n === 0) return null;
      if (lim.deep || type !== RDB_TYPE_HASH_LISTPACK) checkHashDuplicates(inp, lp, at);
      if (n / 2 > lim.hashMaxEntries || (lp.length > lim.hashMaxValue && maxElementLen(lp) > lim.hashMaxValue)) {
        return objValue(OBJ_HASH, ENC_HT, listpackToDict({ arena }, lp));
      }
      return bytesValue(OBJ_HASH, ENC_LISTPACK, lp);
    }
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
      return readStream(inp, type === RDB_TYPE_STREAM_LISTPACKS_2, lim);
    default:
      return inp.fail(`Unknown RDB encoding type ${type}`, at - 1);
  }
}

// ---- listpacks and their elements ----------------------------------------------------------------

/** Validates listpack bytes (header, terminator, and with deep every entry); an even count when pairs. */
function checkedListpack(inp: RdbInput, lp: Uint8Array, deep: boolean, at: number, pairs: boolean): Uint8Array {
  if (lp.length < 7 || lpBytes(lp) !== lp.length) inp.fail('Listpack integrity check failed.', at);
  if (deep && !lpValidate(lp)) inp.fail('Listpack integrity check failed.', at);
  if (!deep && lp[lp.length - 1] !== 0xff) inp.fail('Listpack integrity check failed.', at);
  if (pairs && deep && lpLength(lp) % 2 !== 0) inp.fail('Listpack integrity check failed.', at);
  return lp;
}

/** The longest element (string bytes; integers count their digits) of a listpack. */
function maxElementLen(lp: Uint8Array): number {
  let max = 0;
  for (let p = lpFirst(lp); p >= 0; p = lpNext(lp, p)) {
    lpGet(lp, p, ent);
    const n = ent.isInt ? String(ent.int).length : ent.strLen;
    if (n > max) max = n;
  }
  return max;
}

type Element = Uint8Array | number | bigint;

function elementsToListpack(els: readonly Element[]): Uint8Array {
  let lp = lpNew(64);
  for (const el of els) lp = el instanceof Uint8Array ? lpAppend(lp, el) : lpAppendInteger(lp, el);
  return lp.slice(0, lpBytes(lp));
}

function elementBytes(el: Element): Uint8Array {
  return el instanceof Uint8Array ? el : Buffer.from(String(el), 'latin1');
}

function checkHashDuplicates(inp: RdbInput, lp: Uint8Array, at: number): void {
  if (lpLength(lp) % 2 !== 0) inp.fail('Hash listpack with an odd number of entries', at);
  const seen = new Set<string>();
  let i = 0;
  for (let p = lpFirst(lp); p >= 0; p = lpNext(lp, p), i++) {
    if ((i & 1) !== 0) continue;
    lpGet(lp, p, ent);
    const k = ent.isInt ? `i${String(ent.int)}` : `s${Buffer.from(lp.subarray(ent.strOff, ent.strOff + ent.strLen)).toString('latin1')}`;
    if (seen.has(k)) inp.fail('Hash listpack with duplicate records', at);
    seen.add(k);
  }
}

/**
 * A ziplist's elements (the pre-7.0 compact encoding): zlbytes u32, zltail u32, zllen u16, then
 * entries (prevlen 1 or 5 bytes, encoding, data) and 0xFF.
 */
export function ziplistElements(inp: RdbInput, zl: Uint8Array, deep: boolean, at: number): Element[] {
  const bad = (): never => inp.fail('Ziplist integrity check failed.', at);
  if (zl.length < 11) bad();
  const dv = new DataView(zl.buffer, zl.byteOffset, zl.length);
  if (dv.getUint32(0, true) !== zl.length || zl[zl.length - 1] !== 0xff) bad();
  const count = dv.getUint16(8, true);
  const out: Element[] = [];
  let p = 10;
  let prevStart = -1;
  while (p < zl.length && zl[p] !== 0xff) {
    const start = p;
    let prevlen: number;
    if (zl[p] < 254) {
      prevlen = zl[p];
      p += 1;
    } else {
      if (p + 5 > zl.length) bad();
      prevlen = dv.getUint32(p + 1, true);
      p += 5;
    }
    if (deep && prevStart >= 0 && prevlen !== start - prevStart) bad();
    if (p >= zl.length) bad();
    const enc = zl[p];
    const kind = enc >> 6;
    if (kind < 3) {
      let len: number;
      if (kind === 0) {
        len = enc & 0x3f;
        p += 1;
      } else if (kind === 1) {
        if (p + 2 > zl.length) bad();
        len = ((enc & 0x3f) << 8) | zl[p + 1];
        p += 2;
      } else {
        if (p + 5 > zl.length) bad();
        len = dv.getUint32(p + 1);
        p += 5;
      }
      if (p + len >= zl.length) bad();
      out.push(zl.slice(p, p + len));
      p += len;
    } else {
      p += 1;
      let v: number | bigint;
      if (enc === 0xc0) {
        if (p + 2 > zl.length) bad();
        v = dv.getInt16(p, true);
        p += 2;
      } else if (enc === 0xd0) {
        if (p + 4 > zl.length) bad();
        v = dv.getInt32(p, true);
        p += 4;
      } else if (enc === 0xe0) {
        if (p + 8 > zl.length) bad();
        const b = dv.getBigInt64(p, true);
        v = b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
        p += 8;
      } else if (enc === 0xf0) {
        if (p + 3 > zl.length) bad();
        v = (zl[p] | (zl[p + 1] << 8) | (zl[p + 2] << 16)) << 8 >> 8;
        p += 3;
      } else if (enc === 0xfe) {
        if (p + 1 > zl.length) bad();
        v = dv.getInt8(p);
        p += 1;
      } else if (enc >= 0xf1 && enc <= 0xfd) {
        v = (enc & 0x0f) - 1;
      } else {
        return bad();
      }
      out.push(v);
    }
    prevStart = start;
  }
  if (p !== zl.length - 1) bad();
  if (count !== 0xffff && count !== out.length) bad();
  return out;
}

/** A zipmap's fields and values (the pre-2.6 small-hash encoding). */
function zipmapElements(inp: RdbInput, zm: Uint8Array, at: number): Element[] {
  const bad = (): never => inp.fail('Zipmap integrity check failed.', at);
  const dv = new DataView(zm.buffer, zm.byteOffset, zm.length);
  const out: Element[] = [];
  let p = 1;
  const len = (): number => {
    if (p >= zm.length) bad();
    const b = zm[p];
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 254) {
      if (p + 5 > zm.length) bad();
      const v = dv.getUint32(p + 1, true);
      p += 5;
      return v;
    }
    return bad();
  };
  while (p < zm.length && zm[p] !== 0xff) {
    const kl = len();
    if (p + kl > zm.length) bad();
    out.push(zm.slice(p, p + kl));
    p += kl;
    const vl = len();
    if (p >= zm.length) bad();
    const free = zm[p++];
    if (p + vl + free > zm.length) bad();
    out.push(zm.slice(p, p + vl));
    p += vl + free;
  }
  if (p !== zm.length - 1 || out.length % 2 !== 0) bad();
  return out;
}

// ---- lists ---------------------------------------------------------------------------------------

function readStringList(inp: RdbInput): Element[] {
  const n = inp.length();
  const out: Element[] = [];
  for (let i = 0; i < n; i++) out.push(inp.stringCopy());
  return out;
}

/** Whether new lists are kept as one listpack in the record (the default fill and depth). */
function packedList(lim: LoadLimits): boolean {
  return lim.listFill === -2 && lim.listCompress === 0;
}

function listFromElements(els: readonly Element[], lim: LoadLimits): LoadedValue | null {
  if (els.length === 0) return null;
  const ql = new Quicklist(lim.listFill, lim.listCompress);
  for (const el of els) {
    const b = elementBytes(el);
    ql.pushTail(b, 0, b.length);
  }
  return listValue(ql, lim);
}

function listValue(ql: Quicklist, lim: LoadLimits): LoadedValue | null {
  if (ql.count === 0) return null;
  const single = ql.singleListpack();
  // A view: the caller copies the bytes into the key's record.
  if (single !== null && packedList(lim)) return bytesValue(OBJ_LIST, ENC_LISTPACK, single.subarray(0, lpBytes(single)));
  return objValue(OBJ_LIST, ENC_QUICKLIST, ql);
}

function readQuicklist(inp: RdbInput, v2: boolean, lim: LoadLimits): LoadedValue | null {
  const nodes = inp.length();
  const ql = new Quicklist(lim.listFill, lim.listCompress);
  for (let i = 0; i < nodes; i++) {
    const container = v2 ? inp.length() : QUICKLIST_NODE_PACKED;
    const at = inp.pos;
    if (container !== QUICKLIST_NODE_PACKED && container !== QUICKLIST_NODE_PLAIN) inp.fail('Quicklist integrity check failed.', at);
    // A lone packed node becomes the key's record bytes (copied by the caller): no copy here.
    const data = nodes === 1 && v2 && packedList(lim) ? inp.string() : inp.stringCopy();
    if (container === QUICKLIST_NODE_PLAIN) {
      // A plain node holds one big element; Spindle keeps it in a listpack node of its own.
      ql.pushTail(data, 0, data.length);
      continue;
    }
    if (!v2) {
      const els = ziplistElements(inp, data, lim.deep, at);
      if (els.length === 0) continue;
      const lp = elementsToListpack(els);
      ql.appendListpack(lp);
      continue;
    }
    const lp = checkedListpack(inp, data, lim.deep, at, false);
    if (lpLength(lp) === 0) continue; // 7.0 skips empty nodes
    ql.appendListpack(lp);
  }
  return listValue(ql, lim);
}

// ---- sets, sorted sets, hashes -------------------------------------------------------------------

function readSet(inp: RdbInput, arena: Arena, lim: LoadLimits): LoadedValue | null {
  const n = inp.length();
  if (n === 0) return null;
  let is: IntSet | null = n <= lim.setMaxIntsetEntries ? new IntSet() : null;
  let d: ByteDict | null = is === null ? new ByteDict(arena, n) : null;
  for (let i = 0; i < n; i++) {
    const at = inp.pos;
    const m = inp.string();
    if (is !== null) {
      const r = is.addMember(m, 0, m.length);
      if (r === 1) continue;
      if (r === 0) {
        if (lim.deep) {
          d?.free();
          inp.fail('Duplicate set members detected', at);
        }
        continue;
      }
      // Not an integer: a dict sized for every member at once.
      d = new ByteDict(arena, n);
      for (let k = 0; k < is.length; k++) {
        const t = Buffer.from(String(is.get(k)), 'latin1');
        d.add(t, 0, t.length, null, 0, 0);
      }
      is = null;
    }
    const dict = d as ByteDict;
    if (dict.find(m, 0, m.length) >= 0) {
      dict.free();
      inp.fail('Duplicate set members detected', at);
    }
    dict.add(m, 0, m.length, null, 0, 0);
  }
  if (is !== null) return objValue(OBJ_SET, ENC_INTSET, is);
  return objValue(OBJ_SET, ENC_HT, d);
}

function readZset(inp: RdbInput, binary: boolean, arena: Arena, lim: LoadLimits): LoadedValue | null {
  const n = inp.length();
  if (n === 0) return null;
  const sl = new Skiplist(arena, n);
  let maxLen = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const at = inp.pos;
    const m = inp.string();
    const score = binary ? inp.binaryDouble() : inp.doubleText();
    if (Number.isNaN(score)) {
      sl.free();
      inp.fail('Zset with NAN score detected', at);
    }
    if (sl.find(m, 0, m.length) !== 0) {
      sl.free();
      inp.fail('Duplicate zset fields detected', at);
    }
    sl.insert(m, 0, m.length, score);
    if (m.length > maxLen) maxLen = m.length;
    total += m.length;
  }
  // Converted after loading, since the file's order is not the listpack's (rdbLoadObject).
  if (sl.size <= lim.zsetMaxEntries && maxLen <= lim.zsetMaxValue && total < 1 << 30) {
    const lp = listpackFromSkiplist(sl);
    sl.free();
    return bytesValue(OBJ_ZSET, ENC_LISTPACK, lp.slice());
  }
  return objValue(OBJ_ZSET, ENC_SKIPLIST, sl);
}

function readHash(inp: RdbInput, arena: Arena, lim: LoadLimits): LoadedValue | null {
  const n = inp.length();
  if (n === 0) return null;
  const pairs: Uint8Array[] = [];
  let small = n <= lim.hashMaxEntries;
  for (let i = 0; i < n; i++) {
    const f = inp.stringCopy();
    const v = inp.stringCopy();
    if (f.length > lim.hashMaxValue || v.length > lim.hashMaxValue) small = false;
    pairs.push(f, v);
  }
  const d = new ByteDict(arena, n);
  for (let i = 0; i < pairs.length; i += 2) {
    const f = pairs[i];
    if (d.find(f, 0, f.length) >= 0) {
      d.free();
      inp.fail('Duplicate hash fields detected');
    }
    const v = pairs[i + 1];
    d.add(f, 0, f.length, v, 0, v.length);
  }
  if (!small) return objValue(OBJ_HASH, ENC_HT, d);
  d.free();
  return bytesValue(OBJ_HASH, ENC_LISTPACK, elementsToListpack(pairs));
}

// ---- streams -------------------------------------------------------------------------------------

const ID_MASK = (1n << 64n) - 1n;

function readIdPair(inp: RdbInput): bigint {
  const ms = inp.lengthBig();
  const seq = inp.lengthBig();
  return ((ms & ID_MASK) << 64n) | (seq & ID_MASK);
}

/**
 * streamValidateListpackIntegrity: the master entry (count, deleted, field count, the field
 * names, 0), then entries of flags, ms-diff, seq-diff, [field count, fields and values | values
 * for SAMEFIELDS], lp-count; as many entries as count + deleted.
 */
function streamListpackValid(lp: Uint8Array): boolean {
  let p = lpFirst(lp);
  const int = (): number | null => {
    if (p < 0) return null;
    lpGet(lp, p, ent);
    p = lpNext(lp, p);
    if (!ent.isInt) return null;
    return Number(ent.int);
  };
  const any = (): boolean => {
    if (p < 0) return false;
    p = lpNext(lp, p);
    return true;
  };
  const count = int();
  const deleted = int();
  const masterFields = int();
  if (count === null || deleted === null || masterFields === null || count < 0 || deleted < 0 || masterFields < 0) return false;
  for (let i = 0; i < masterFields; i++) if (!any()) return false;
  if (int() !== 0) return false;
  let entries = 0;
  while (p >= 0) {
    const flags = int();
    if (flags === null || int() === null || int() === null) return false;
    let fields = masterFields;
    let perField = 1;
    if ((flags & 2) === 0) {
      const n = int();
      if (n === null || n < 0) return false;
      fields = n;
      perField = 2;
    }
    for (let i = 0; i < fields * perField; i++) if (!any()) return false;
    const lpCount = int();
    if (lpCount === null || lpCount !== fields * perField + ((flags & 2) === 0 ? 4 : 3)) return false;
    entries++;
  }
  return entries === count + deleted;
}

/** streamEstimateDistanceFromFirstEverEntry, for v1 files' groups (no entries_read stored). */
function estimateEntriesRead(s: Stream, id: bigint): number {
  if (s.entriesAdded === 0) return 0;
  if (s.length === 0 && id <= s.lastId) return s.entriesAdded;
  if (id === s.lastId) return s.entriesAdded;
  if (id > s.lastId) return -1;
  if (s.maxDeletedId === 0n || s.maxDeletedId < s.firstId) {
    if (id < s.firstId) return s.entriesAdded - s.length;
    if (id === s.firstId) return s.entriesAdded - s.length + 1;
  }
  return -1;
}

function readStream(inp: RdbInput, v2: boolean, lim: LoadLimits): LoadedValue | null {
  const s = new Stream();
  const blocks = inp.length();
  for (let i = 0; i < blocks; i++) {
    const at = inp.pos;
    const key = inp.string();
    if (key.length !== 16) inp.fail('Stream node key entry is not the size of a stream ID', at);
    const dv = new DataView(key.buffer, key.byteOffset, 16);
    const master = (dv.getBigUint64(0) << 64n) | dv.getBigUint64(8);
    const lpAt = inp.pos;
    const lp = checkedListpack(inp, inp.stringCopy(), lim.deep, lpAt, false);
    if (lpFirst(lp) < 0) inp.fail('Empty listpack inside stream', lpAt);
    if (lim.deep && !streamListpackValid(lp)) inp.fail('Stream listpack integrity check failed.', lpAt);
    if (s.masters.length > 0 && master <= s.masters[s.masters.length - 1]) inp.fail('Stream node keys out of order', at);
    s.masters.push(master);
    s.lps.push(lp);
  }
  s.length = inp.length();
  s.lastId = readIdPair(inp);
  if (v2) {
    s.firstId = readIdPair(inp);
    s.maxDeletedId = readIdPair(inp);
    s.entriesAdded = inp.length();
  } else {
    s.maxDeletedId = 0n;
    s.entriesAdded = s.length;
    s.firstId = s.length > 0 ? s.edgeId(true) : 0n;
  }
  const groups = inp.length();
  for (let i = 0; i < groups; i++) {
    const at = inp.pos;
    const name = inp.stringCopy();
    const lastId = readIdPair(inp);
    let entriesRead: number;
    if (v2) entriesRead = Number(BigInt.asIntN(64, inp.lengthBig()));
    else entriesRead = estimateEntriesRead(s, lastId);
    const g = s.createGroup(name, 0, name.length, lastId, entriesRead);
    if (g === undefined) inp.fail('Duplicated consumer group name', at);
    const pelSize = inp.length();
    for (let j = 0; j < pelSize; j++) {
      const id = inp.streamId();
      const time = inp.millis();
      const count = inp.length();
      if (g.pel.get(id) !== undefined) inp.fail('Duplicated global PEL entry loading stream consumer group');
      g.pel.set(id, new Nack(null as unknown as Consumer, time, count));
    }
    const consumers = inp.length();
    for (let j = 0; j < consumers; j++) {
      const cat = inp.pos;
      const cname = inp.stringCopy();
      const seen = inp.millis();
      const c = g.createConsumer(cname, 0, cname.length, seen);
      if (c === undefined) inp.fail('Duplicate stream consumer detected', cat);
      c.seenTime = seen;
      const n = inp.length();
      for (let k = 0; k < n; k++) {
        const id = inp.streamId();
        const nack = g.pel.get(id);
        if (nack === undefined) inp.fail('Consumer entry not found in group global PEL');
        nack.consumer = c;
        c.pel.set(id, nack);
      }
    }
    if (lim.deep) {
      for (const id of g.pel.ids) {
        if ((g.pel.get(id) as Nack).consumer === null) inp.fail('Stream CG PEL entry without consumer');
      }
    }
  }
  return objValue(OBJ_STREAM, ENC_STREAM, s);
}

/** The Redis type name of a loaded value's typeEnc (errors). */
export function typeOfLoaded(v: LoadedValue): number {
  return v.typeEnc & 15;
}

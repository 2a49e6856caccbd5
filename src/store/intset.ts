/*
 * Intset: Redis's sorted array of unique integers (intset.c), byte for byte.
 *
 * Layout (what RDB_TYPE_SET_INTSET stores as an RDB string, so it must not differ):
 *   u32 LE encoding   bytes per element: 2, 4 or 8
 *   u32 LE length     number of elements
 *   length x intN LE  strictly ascending signed integers, all of the same width
 * A set stays an intset while every member is the canonical decimal spelling of an int64
 * (string2ll) and it has at most `set-max-intset-entries` members; converting it to a hashtable
 * beyond that is the set type's business (it iterates with get()/values()/writeMember()).
 *
 * Why shaped so: one Uint8Array per set, no JS value per element. The header is kept current
 * on every change, so bytes() is the exact blob Redis would hold (a view, not a copy). The
 * buffer has spare capacity (doubling; shrunk when three quarters are unused) where Redis
 * reallocs to the exact size on every change: JS has no realloc, so exact sizing would move the
 * whole blob to a new buffer on every SADD, where jemalloc usually extends in place.
 *
 * Elements are read through Int16Array/Int32Array views starting after the 8-byte header
 * (so they are aligned), which assumes a little-endian host (checked at load: every platform
 * Node runs on today). A 64-bit element is two int32 halves: `lo` unsigned, `hi` signed; the
 * binary search compares (hi, lo) pairs, so lookups never touch BigInt. A value is returned as a
 * plain number when it is a safe integer and as a bigint only beyond 2^53-1 in magnitude.
 *
 * Upgrading (a value that does not fit the current width) rewrites every element in the wider
 * width back to front, in place, and puts the new value first (if negative) or last (if
 * positive): a value that needs a wider encoding is necessarily below or above every element.
 * The encoding never narrows again on removal, exactly as in Redis (it is observable in the
 * DUMP payload).
 */
import { parseInt64, formatInt64, int64ByteLength, INT64_MIN, INT64_MAX } from '../util/numbers.ts';

export const INTSET_ENC_INT16 = 2;
export const INTSET_ENC_INT32 = 4;
export const INTSET_ENC_INT64 = 8;
/** Bytes of header before the elements. */
export const INTSET_HEADER_SIZE = 8;
/** Redis's default `set-max-intset-entries`. */
export const SET_MAX_INTSET_ENTRIES_DEFAULT = 512;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('intset: typed-array views assume a little-endian host');
}

const TWO32 = 4294967296;
const BIG_SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/*
 * The value being searched/added, decoded once: `qNum` when it is a safe integer (NaN
 * otherwise), `qHi`/`qLo` as the signed high and unsigned low 32-bit halves, `qEnc` the
 * narrowest encoding that holds it. Module scratch, so that decoding allocates nothing.
 */
let qNum = 0;
let qHi = 0;
let qLo = 0;
let qEnc = 2;

function loadQuery(value: number | bigint): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError('intset: value is not a safe integer');
    loadNumber(value);
    return;
  }
  if (value >= -BIG_SAFE_MAX && value <= BIG_SAFE_MAX) {
    loadNumber(Number(value));
    return;
  }
  if (value < INT64_MIN || value > INT64_MAX) throw new RangeError('intset: value out of int64 range');
  qNum = NaN;
  qHi = Number(BigInt.asIntN(32, value >> 32n));
  qLo = Number(BigInt.asUintN(32, value));
  qEnc = INTSET_ENC_INT64;
}

function loadNumber(v: number): void {
  qNum = v;
  qLo = v >>> 0; // ToUint32 is v mod 2^32, exact for any integer
  qHi = (v - qLo) / TWO32;
  qEnc = v >= -32768 && v <= 32767 ? INTSET_ENC_INT16 : v >= -2147483648 && v <= 2147483647 ? INTSET_ENC_INT32 : INTSET_ENC_INT64;
}

/** The int64 with halves (hi signed, lo unsigned), as a number when safe, else a bigint. */
function fromHalves(hi: number, lo: number): number | bigint {
  const v = hi * TWO32 + lo;
  if (Number.isSafeInteger(v)) return v;
  return BigInt(hi) * 4294967296n + BigInt(lo);
}

export class IntSet {
  private buf: Uint8Array;
  private hdr: Uint32Array;
  private i16: Int16Array;
  private i32: Int32Array;
  private u32: Uint32Array;
  private enc = INTSET_ENC_INT16;
  private len = 0;

  /** An empty intset (encoding int16, as intsetNew). `capacity` is in bytes of elements. */
  constructor(capacity = 16) {
    const cap = roundCap(INTSET_HEADER_SIZE + capacity);
    this.buf = new Uint8Array(cap);
    this.hdr = new Uint32Array(this.buf.buffer, 0, 2);
    this.i16 = new Int16Array(this.buf.buffer, INTSET_HEADER_SIZE);
    this.i32 = new Int32Array(this.buf.buffer, INTSET_HEADER_SIZE);
    this.u32 = new Uint32Array(this.buf.buffer, INTSET_HEADER_SIZE);
    this.writeHeader();
  }

  /**
   * An intset holding a copy of `bytes` (an RDB/DUMP payload), or null when `bytes` fails
   * intsetValidate(bytes, deep). Without `deep`, unsorted or duplicate elements are accepted
   * as Redis does with sanitize-dump-payload off: lookups may then miss, but nothing reads
   * out of bounds.
   */
  static fromBytes(bytes: Uint8Array, deep = true): IntSet | null {
    if (!intsetValidate(bytes, deep)) return null;
    const is = new IntSet(bytes.length - INTSET_HEADER_SIZE);
    is.buf.set(bytes, 0);
    is.enc = bytes[0]!;
    is.len = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
    return is;
  }

  /** Number of elements (intsetLen). */
  get length(): number {
    return this.len;
  }

  /** Bytes per element: 2, 4 or 8. */
  get encoding(): number {
    return this.enc;
  }

  /** Size of the Redis blob (intsetBlobLen): header plus elements. */
  get byteLength(): number {
    return INTSET_HEADER_SIZE + this.len * this.enc;
  }

  /** Bytes held, including spare capacity (for memory accounting). */
  get allocatedBytes(): number {
    return this.buf.length;
  }

  /** The exact Redis blob. A view: valid until the next change to this set. */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.byteLength);
  }

  /** Adds `value` (a safe integer or an int64 bigint); false when it was already present. */
  add(value: number | bigint): boolean {
    loadQuery(value);
    return this.addQuery();
  }

  /**
   * SADD of a member given as bytes: 1 added, 0 already present, -1 when the bytes are not the
   * canonical spelling of an int64 (the set must then become a hashtable).
   */
  addMember(buf: Uint8Array, start: number, len: number): number {
    const v = parseInt64(buf, start, len);
    if (v === null) return -1;
    loadQuery(v);
    return this.addQuery() ? 1 : 0;
  }

  /** Removes `value`; false when it was not present. */
  remove(value: number | bigint): boolean {
    loadQuery(value);
    if (qEnc > this.enc) return false;
    const pos = this.search();
    if (pos < 0) return false;
    this.removeAt(pos);
    return true;
  }

  /** SREM of a member given as bytes; false when absent or not an integer. */
  removeMember(buf: Uint8Array, start: number, len: number): boolean {
    const v = parseInt64(buf, start, len);
    return v !== null && this.remove(v);
  }

  /** Removes the element at `index` (0 <= index < length), e.g. after randomIndex(). */
  removeAt(index: number): void {
    if (!(index >= 0 && index < this.len)) throw new RangeError('intset: index out of range');
    const e = this.enc;
    const p = INTSET_HEADER_SIZE + index * e;
    this.buf.copyWithin(p, p + e, INTSET_HEADER_SIZE + this.len * e);
    this.len--;
    this.writeHeader();
    if (this.buf.length > 256 && this.byteLength * 4 < this.buf.length) this.resize(this.byteLength * 2);
  }

  /** intsetFind. */
  has(value: number | bigint): boolean {
    loadQuery(value);
    return qEnc <= this.enc && this.search() >= 0;
  }

  /** SISMEMBER of a member given as bytes (non-integers are never in an intset). */
  hasMember(buf: Uint8Array, start: number, len: number): boolean {
    const v = parseInt64(buf, start, len);
    return v !== null && this.has(v);
  }

  /** Index of `value`, or -(insertion point) - 1 when absent. */
  indexOf(value: number | bigint): number {
    loadQuery(value);
    if (qEnc > this.enc) return qHi < 0 ? -1 : -this.len - 1;
    return this.search();
  }

  /** The element at `index` (0 <= index < length); a bigint only beyond the safe range. */
  get(index: number): number | bigint {
    if (!(index >= 0 && index < this.len)) throw new RangeError('intset: index out of range');
    const e = this.enc;
    if (e === INTSET_ENC_INT16) return this.i16[index]!;
    if (e === INTSET_ENC_INT32) return this.i32[index]!;
    return fromHalves(this.i32[2 * index + 1]!, this.u32[2 * index]!);
  }

  /** The element at `index` as a bigint. */
  getBig(index: number): bigint {
    const v = this.get(index);
    return typeof v === 'bigint' ? v : BigInt(v);
  }

  /** Bytes of the decimal spelling of the element at `index`. */
  memberByteLength(index: number): number {
    return int64ByteLength(this.get(index));
  }

  /** Writes the element at `index` in decimal (ll2string) at `out[offset]`; returns the end. */
  writeMember(index: number, out: Uint8Array, offset: number): number {
    return formatInt64(this.get(index), out, offset);
  }

  /** Smallest element (intsetMin). Throws on an empty set. */
  min(): number | bigint {
    return this.get(0);
  }

  /** Largest element (intsetMax). Throws on an empty set. */
  max(): number | bigint {
    return this.get(this.len - 1);
  }

  /** A uniformly random index (intsetRandom picks rand() % length). Throws on an empty set. */
  randomIndex(): number {
    if (this.len === 0) throw new RangeError('intset: empty');
    return Math.floor(Math.random() * this.len);
  }

  /** A uniformly random element. Throws on an empty set. */
  random(): number | bigint {
    return this.get(this.randomIndex());
  }

  /** Elements in ascending order. Do not modify the set while iterating. */
  *values(): IterableIterator<number | bigint> {
    for (let i = 0; i < this.len; i++) yield this.get(i);
  }

  [Symbol.iterator](): IterableIterator<number | bigint> {
    return this.values();
  }

  /** An independent copy. */
  clone(): IntSet {
    const is = new IntSet(this.byteLength - INTSET_HEADER_SIZE);
    is.buf.set(this.bytes(), 0);
    is.enc = this.enc;
    is.len = this.len;
    return is;
  }

  // -------------------------------------------------------------------------------------------

  private addQuery(): boolean {
    if (qEnc > this.enc) {
      this.upgradeAndAdd();
      return true;
    }
    let pos = this.search();
    if (pos >= 0) return false;
    pos = -pos - 1;
    const e = this.enc;
    this.reserve(this.len + 1);
    const p = INTSET_HEADER_SIZE + pos * e;
    if (pos < this.len) this.buf.copyWithin(p + e, p, INTSET_HEADER_SIZE + this.len * e);
    this.setQuery(pos);
    this.len++;
    this.writeHeader();
    return true;
  }

  /** Binary search for the query: its index, or -(insertion point) - 1. Needs qEnc <= enc. */
  private search(): number {
    let lo = 0;
    let hi = this.len - 1;
    if (this.enc !== INTSET_ENC_INT64) {
      const a = this.enc === INTSET_ENC_INT16 ? this.i16 : this.i32;
      const v = qNum;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const cur = a[mid]!;
        if (cur < v) lo = mid + 1;
        else if (cur > v) hi = mid - 1;
        else return mid;
      }
      return -lo - 1;
    }
    const i32 = this.i32;
    const u32 = this.u32;
    const qh = qHi;
    const ql = qLo;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const h = i32[2 * mid + 1]!;
      if (h < qh) lo = mid + 1;
      else if (h > qh) hi = mid - 1;
      else {
        const l = u32[2 * mid]!;
        if (l < ql) lo = mid + 1;
        else if (l > ql) hi = mid - 1;
        else return mid;
      }
    }
    return -lo - 1;
  }

  /** Stores the query at `index` in the current encoding (it fits). */
  private setQuery(index: number): void {
    const e = this.enc;
    if (e === INTSET_ENC_INT16) this.i16[index] = qNum;
    else if (e === INTSET_ENC_INT32) this.i32[index] = qNum;
    else {
      this.i32[2 * index] = qLo | 0;
      this.i32[2 * index + 1] = qHi;
    }
  }

  private upgradeAndAdd(): void {
    const oldEnc = this.enc;
    const newEnc = qEnc;
    const n = this.len;
    const prepend = qHi < 0 ? 1 : 0;
    this.enc = newEnc; // reserve() sizes by the new width
    this.reserve(n + 1);
    const src = oldEnc === INTSET_ENC_INT16 ? this.i16 : this.i32;
    // Back to front: element i moves to i + prepend at a wider width, never over an unread one.
    if (newEnc === INTSET_ENC_INT32) {
      const dst = this.i32;
      for (let i = n - 1; i >= 0; i--) dst[i + prepend] = src[i]!;
    } else {
      const dst = this.i32;
      for (let i = n - 1; i >= 0; i--) {
        const v = src[i]!;
        dst[2 * (i + prepend)] = v;
        dst[2 * (i + prepend) + 1] = v < 0 ? -1 : 0;
      }
    }
    this.setQuery(prepend ? 0 : n);
    this.len = n + 1;
    this.writeHeader();
  }

  /** Ensures room for `count` elements at the current encoding. */
  private reserve(count: number): void {
    const need = INTSET_HEADER_SIZE + count * this.enc;
    if (need <= this.buf.length) return;
    this.resize(Math.max(need, this.buf.length * 2));
  }

  private resize(bytes: number): void {
    const next = new Uint8Array(roundCap(bytes));
    next.set(this.buf.subarray(0, Math.min(this.buf.length, next.length)), 0);
    this.buf = next;
    this.hdr = new Uint32Array(next.buffer, 0, 2);
    this.i16 = new Int16Array(next.buffer, INTSET_HEADER_SIZE);
    this.i32 = new Int32Array(next.buffer, INTSET_HEADER_SIZE);
    this.u32 = new Uint32Array(next.buffer, INTSET_HEADER_SIZE);
  }

  private writeHeader(): void {
    this.hdr[0] = this.enc;
    this.hdr[1] = this.len;
  }
}

/** Buffer sizes are multiples of 8 so that every element view covers whole elements. */
function roundCap(bytes: number): number {
  return Math.max(16, (bytes + 7) & ~7);
}

/**
 * intsetValidateIntegrity for untrusted bytes (RESTORE, RDB load): the header is readable, the
 * encoding is 2, 4 or 8, the size is exactly header + length * encoding, the set is not empty
 * (Redis rejects an empty intset), and with `deep` the elements are strictly ascending. Never
 * throws, never reads out of bounds; works at any byte offset (no alignment assumed).
 */
export function intsetValidate(bytes: Uint8Array, deep = true): boolean {
  const size = bytes.length;
  if (!(size >= INTSET_HEADER_SIZE)) return false;
  const enc = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  if (enc !== INTSET_ENC_INT16 && enc !== INTSET_ENC_INT32 && enc !== INTSET_ENC_INT64) return false;
  const count = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
  if (INTSET_HEADER_SIZE + count * enc !== size) return false; // exact: < 2^36
  if (count === 0) return false;
  if (!deep) return true;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, size);
  if (enc === INTSET_ENC_INT16) {
    let prev = dv.getInt16(8, true);
    for (let p = 10; p < size; p += 2) {
      const cur = dv.getInt16(p, true);
      if (cur <= prev) return false;
      prev = cur;
    }
  } else if (enc === INTSET_ENC_INT32) {
    let prev = dv.getInt32(8, true);
    for (let p = 12; p < size; p += 4) {
      const cur = dv.getInt32(p, true);
      if (cur <= prev) return false;
      prev = cur;
    }
  } else {
    let ph = dv.getInt32(12, true);
    let pl = dv.getUint32(8, true);
    for (let p = 16; p < size; p += 8) {
      const h = dv.getInt32(p + 4, true);
      const l = dv.getUint32(p, true);
      if (h < ph || (h === ph && l <= pl)) return false;
      ph = h;
      pl = l;
    }
  }
  return true;
}

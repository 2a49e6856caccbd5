/*
 * Listpack: Redis 7.0's compact sequence of strings and integers, byte for byte (listpack.c).
 *
 * Small hashes, sorted sets and quicklist nodes are listpacks, and RDB files store them as raw
 * listpack bytes, so this is the exact format, not a look-alike. Layout:
 *
 *   <total bytes: u32 LE> <count: u16 LE> <entry> ... <entry> <0xFF>
 *
 * `count` 65535 means "unknown": the listpack holds 65535 or more entries and the length is found
 * by scanning (once a delete brings it under 65535, lpLength writes it back, as Redis does).
 * An entry is <encoding+data> <backlen>:
 *
 *   0xxxxxxx                      7-bit uint 0..127                  1 byte
 *   10LLLLLL  data                string of 0..63 bytes              1 + len
 *   110xxxxx  xxxxxxxx            13-bit int -4096..4095 (BE in the byte pair, two's complement)
 *   1110LLLL  LLLLLLLL  data      string of 64..4095 bytes           2 + len
 *   0xF0  len u32 LE  data        string of 4096.. bytes             5 + len
 *   0xF1 / 0xF2 / 0xF3 / 0xF4     16 / 24 / 32 / 64-bit int, LE two's complement, 3/4/5/9 bytes
 *   0xF5..0xFE                    invalid;  0xFF  end of listpack
 *
 * backlen is the size of <encoding+data> (l), written so that it can be read right to left:
 * 1 byte for l <= 127, else 2 bytes for l < 16383, 3 for l < 2097151, 4 for l < 268435455, 5 beyond
 * (those thresholds, one below the 7-bit powers, are listpack.c's and must be kept for identical
 * bytes). The byte at the right holds the low 7 bits; every byte but the leftmost has bit 7 set.
 * So both directions are O(1) per step: forward from the encoding byte, backward from backlen.
 *
 * A string that is the canonical decimal form of an int64 (string2ll rules: no '+', no leading
 * zeros, no "-0", no spaces) is stored as an integer with the smallest encoding that holds it,
 * exactly as lpEncodeGetType does; everything else is stored as a string of its bytes.
 *
 * Representation here. A listpack is a plain Uint8Array whose header says how many of its bytes
 * are in use; the bytes past that are spare capacity, so appends usually write in place. Entry
 * positions are byte offsets (-1 stands for NULL). Functions that change the size return the
 * listpack, possibly a new larger (or, after big deletes, smaller) array: always keep the returned
 * value. Offsets survive reallocation, which makes Redis's `newp` out-parameter unnecessary:
 *   - after inserting before p, or replacing p, the new entry is at p;
 *   - after inserting after p, it is at lpNext(newLp, p);
 *   - after deleting at p, the following entry (or the 0xFF terminator) is at p.
 * One typed array per listpack and nothing per entry: the GC never walks entries. (A standalone
 * Uint8Array costs V8 about 200-250 bytes besides its data; callers holding millions of tiny
 * listpacks can instead keep the bytes in an arena block and pass a subarray view: every function
 * works on any view, and one that needs more room than the view has returns a fresh array, which
 * the caller copies back into a bigger block.) Reading an entry fills a caller-owned LpEntry
 * (integer value, or offset/length of the string bytes inside the listpack: no copy).
 * Growth leaves ~25% headroom (16-byte steps below 64 bytes); deletes that leave more than half of
 * an array over 128 bytes unused copy it into a smaller one, as Redis reallocs down.
 *
 * Costs. Access by index is O(n) (lpSeek walks from the nearer end when the count is known),
 * insert and delete are O(n) memmoves of the bytes after the position, lpFind is a linear scan.
 * That is the intended trade: Redis keeps only small collections in listpacks
 * (hash/zset-max-listpack-entries 128, values <= 64 bytes by default; quicklist nodes of ~8 KiB)
 * and converts bigger ones to hash tables / skiplists, so n stays small and the memmoves are a few
 * cache lines. Integers are JS numbers on the fast path; int64 values beyond +-(2^53-1) come back
 * as bigint (same convention as parseInt64 in util/numbers.ts), so they are exact over the full
 * int64 range.
 *
 * lpValidate checks untrusted bytes (RDB/RESTORE payloads) the way lpValidateIntegrity(deep) does:
 * header size equals the buffer size, every entry's encoding is known and lies inside the buffer,
 * every backlen agrees with its entry, the walk ends exactly on the final 0xFF and the count
 * matches the header (unless 65535). It never throws and never reads outside the buffer. The
 * other functions assume a valid listpack and valid entry offsets, like their C counterparts.
 */
import { native } from '../native/addon.ts';
import { parseInt64 } from '../util/numbers.ts';
import { copyBytes } from '../util/bytes.ts';

export const LP_HDR_SIZE = 6;
export const LP_EOF = 0xff;
/** Header count meaning "65535 or more entries: scan to count". */
export const LP_HDR_NUMELE_UNKNOWN = 65535;
/** Redis's LISTPACK_MAX_SAFETY_SIZE: callers convert encodings before a listpack grows past this. */
export const LP_MAX_SAFETY_SIZE = 1 << 30;
/** Largest total size the u32 header can express. */
const LP_MAX_BYTES = 0xffffffff;

export const LP_BEFORE = 0;
export const LP_AFTER = 1;

const TWO32 = 4294967296;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const BIG_MAX_SAFE = BigInt(MAX_SAFE);
const BIG_INT64_MIN = -9223372036854775808n;
const BIG_INT64_MAX = 9223372036854775807n;

/**
 * One decoded entry, filled in place by lpGet (reuse one per caller: no allocation per entry).
 * Integer entries: isInt, int (a number when |v| <= 2^53-1, else a bigint). String entries:
 * strOff/strLen locate the bytes inside the listpack (valid until it is next modified).
 * size is the whole entry including its backlen (p + size is the next entry or the terminator).
 */
export class LpEntry {
  isInt = false;
  int: number | bigint = 0;
  strOff = 0;
  strLen = 0;
  size = 0;
}

// ---- header ----------------------------------------------------------------------------------

function getTotal(lp: Uint8Array): number {
  return lpBytesAt(lp, 0);
}

/** Total bytes of the listpack that starts at u8[o] (its header), without a view of it. */
export function lpBytesAt(u8: Uint8Array, o: number): number {
  return (u8[o]! | (u8[o + 1]! << 8) | (u8[o + 2]! << 16) | (u8[o + 3]! << 24)) >>> 0;
}

function setTotal(lp: Uint8Array, v: number): void {
  lp[0] = v & 0xff;
  lp[1] = (v >>> 8) & 0xff;
  lp[2] = (v >>> 16) & 0xff;
  lp[3] = (v >>> 24) & 0xff;
}

function getNumEle(lp: Uint8Array): number {
  return lp[4]! | (lp[5]! << 8);
}

function setNumEle(lp: Uint8Array, v: number): void {
  lp[4] = v & 0xff;
  lp[5] = (v >>> 8) & 0xff;
}

/** An empty listpack with room for `capacity` bytes (at least the 7 of an empty one). */
export function lpNew(capacity = 0): Uint8Array {
  const lp = new Uint8Array(capacity > LP_HDR_SIZE + 1 ? capacity : LP_HDR_SIZE + 1);
  setTotal(lp, LP_HDR_SIZE + 1);
  lp[LP_HDR_SIZE] = LP_EOF;
  return lp;
}

/** Bytes in use (header + entries + terminator): the listpack's serialized size. */
export function lpBytes(lp: Uint8Array): number {
  return getTotal(lp);
}

/** The listpack's bytes without spare capacity (a view, not a copy): what RDB stores. */
export function lpView(lp: Uint8Array): Uint8Array {
  const n = getTotal(lp);
  return n === lp.length ? lp : lp.subarray(0, n);
}

/** A copy sized exactly to the bytes in use (drop spare capacity of a listpack kept long). */
export function lpShrinkToFit(lp: Uint8Array): Uint8Array {
  const n = getTotal(lp);
  return n === lp.length ? lp : lp.slice(0, n);
}

/** Would adding `add` bytes keep the listpack (or one of `lp` bytes) within Redis's safety limit (lpSafeToAdd)? */
export function lpSafeToAdd(lp: Uint8Array | number | null, add: number): boolean {
  const len = lp === null ? 0 : typeof lp === 'number' ? lp : getTotal(lp);
  return len + add <= LP_MAX_SAFETY_SIZE;
}

/**
 * Number of entries. O(1) from the header, except when it says 65535 ("unknown"): then the entries
 * are counted and, if fewer than 65535, the count is written back (lpLength does the same).
 */
export function lpLength(lp: Uint8Array): number {
  const n = getNumEle(lp);
  if (n !== LP_HDR_NUMELE_UNKNOWN) return n;
  let count = 0;
  let p = LP_HDR_SIZE;
  while (lp[p] !== LP_EOF) {
    count++;
    p += entrySize(lp, p);
  }
  if (count < LP_HDR_NUMELE_UNKNOWN) setNumEle(lp, count);
  return count;
}

// ---- entry sizes -------------------------------------------------------------------------------

/** Bytes of backlen for an entry whose <encoding+data> is `l` bytes (lpEncodeBacklen). */
export function lpBacklenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

function writeBacklen(buf: Uint8Array, o: number, l: number): number {
  if (l <= 127) {
    buf[o] = l;
    return 1;
  }
  if (l < 16383) {
    buf[o] = l >>> 7;
    buf[o + 1] = (l & 127) | 128;
    return 2;
  }
  if (l < 2097151) {
    buf[o] = l >>> 14;
    buf[o + 1] = ((l >>> 7) & 127) | 128;
    buf[o + 2] = (l & 127) | 128;
    return 3;
  }
  if (l < 268435455) {
    buf[o] = l >>> 21;
    buf[o + 1] = ((l >>> 14) & 127) | 128;
    buf[o + 2] = ((l >>> 7) & 127) | 128;
    buf[o + 3] = (l & 127) | 128;
    return 4;
  }
  buf[o] = l >>> 28;
  buf[o + 1] = ((l >>> 21) & 127) | 128;
  buf[o + 2] = ((l >>> 14) & 127) | 128;
  buf[o + 3] = ((l >>> 7) & 127) | 128;
  buf[o + 4] = (l & 127) | 128;
  return 5;
}

/**
 * Decodes the backlen whose rightmost byte is at q, reading leftwards but never below `lo`.
 * Returns -1 when it would need more than 5 bytes or cross `lo` (lpDecodeBacklen's UINT64_MAX).
 */
function readBacklen(lp: Uint8Array, q: number, lo: number): number {
  let val = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    if (q < lo) return -1;
    const b = lp[q]!;
    val += (b & 127) * mul;
    if ((b & 128) === 0) return val;
    mul *= 128;
    q--;
  }
  return -1;
}

/**
 * Size of <encoding+data> of the entry at p (lpCurrentEncodedSizeUnsafe): 1 for the terminator,
 * 0 for an invalid encoding byte. Reads up to 4 bytes after p for string lengths.
 */
function encodedSize(lp: Uint8Array, p: number): number {
  const b = lp[p]!;
  if (b < 0x80) return 1;
  if (b < 0xc0) return 1 + (b & 0x3f);
  if (b < 0xe0) return 2;
  if (b < 0xf0) return 2 + (((b & 0x0f) << 8) | lp[p + 1]!);
  switch (b) {
    case 0xf0:
      return 5 + ((lp[p + 1]! | (lp[p + 2]! << 8) | (lp[p + 3]! << 16) | (lp[p + 4]! << 24)) >>> 0);
    case 0xf1:
      return 3;
    case 0xf2:
      return 4;
    case 0xf3:
      return 5;
    case 0xf4:
      return 9;
    case 0xff:
      return 1;
    default:
      return 0;
  }
}

/** Bytes of encoding header (type byte + length bytes) needed to know the entry size; 0 if invalid. */
function encodingHeaderSize(b: number): number {
  if (b < 0xe0) return 1;
  if (b < 0xf0) return 2;
  if (b === 0xf0) return 5;
  if (b <= 0xf4 || b === 0xff) return 1;
  return 0;
}

function entrySize(lp: Uint8Array, p: number): number {
  const l = encodedSize(lp, p);
  return l + lpBacklenSize(l);
}

/** Whole size of the entry at p, backlen included. */
export function lpEntrySize(lp: Uint8Array, p: number): number {
  return entrySize(lp, p);
}

// ---- navigation --------------------------------------------------------------------------------

/** Offset of the first entry, or -1 when empty. */
export function lpFirst(lp: Uint8Array): number {
  return lp[LP_HDR_SIZE] === LP_EOF ? -1 : LP_HDR_SIZE;
}

/** Offset just past the entry at p: the next entry or the terminator (lpSkip). */
export function lpSkip(lp: Uint8Array, p: number): number {
  return p + entrySize(lp, p);
}

/** Offset of the entry after p, or -1 when p is the last one. */
export function lpNext(lp: Uint8Array, p: number): number {
  const q = p + entrySize(lp, p);
  return lp[q] === LP_EOF ? -1 : q;
}

/** Offset of the entry before p (p may be the terminator's offset), or -1 when p is the first. */
export function lpPrev(lp: Uint8Array, p: number): number {
  if (p <= LP_HDR_SIZE) return -1;
  const l = readBacklen(lp, p - 1, 0);
  if (l < 0) return -1; // corrupt backlen (cannot happen on a validated listpack)
  return p - (l + lpBacklenSize(l));
}

/** Offset of the last entry, or -1 when empty. */
export function lpLast(lp: Uint8Array): number {
  return lpPrev(lp, getTotal(lp) - 1);
}

/**
 * Offset of the entry at `index` (0-based; negative counts from the end, -1 = last), or -1 when
 * out of range. Walks from whichever end is nearer when the count is known (lpSeek).
 */
export function lpSeek(lp: Uint8Array, index: number): number {
  let forward = true;
  const numele = getNumEle(lp);
  if (numele !== LP_HDR_NUMELE_UNKNOWN) {
    if (index < 0) index = numele + index;
    if (index < 0 || index >= numele) return -1;
    if (index > numele / 2) {
      forward = false;
      index -= numele;
    }
  } else if (index < 0) {
    forward = false;
  }
  if (forward) {
    let p = lpFirst(lp);
    while (index > 0 && p !== -1) {
      p = lpNext(lp, p);
      index--;
    }
    return p;
  }
  let p = lpLast(lp);
  while (index < -1 && p !== -1) {
    p = lpPrev(lp, p);
    index++;
  }
  return p;
}

// ---- reading entries ---------------------------------------------------------------------------

/** Reads the int64 stored as 8 LE bytes at o (number when safe, else bigint). */
function readInt64(lp: Uint8Array, o: number): number | bigint {
  const lo = (lp[o]! | (lp[o + 1]! << 8) | (lp[o + 2]! << 16) | (lp[o + 3]! << 24)) >>> 0;
  const hi = lp[o + 4]! | (lp[o + 5]! << 8) | (lp[o + 6]! << 16) | (lp[o + 7]! << 24);
  if (hi >= -0x200000 && hi < 0x200000) {
    const v = hi * TWO32 + lo; // exact: |v| <= 2^53
    if (v !== -9007199254740992) return v;
  }
  return BigInt(hi) * 4294967296n + BigInt(lo);
}

/** Integer value of the int-encoded entry at p whose first byte is b (b is not a string type). */
function readInt(lp: Uint8Array, p: number, b: number): number | bigint {
  if (b < 0x80) return b;
  if (b < 0xe0) {
    const u = ((b & 0x1f) << 8) | lp[p + 1]!;
    return u >= 4096 ? u - 8192 : u;
  }
  switch (b) {
    case 0xf1:
      return ((lp[p + 1]! | (lp[p + 2]! << 8)) << 16) >> 16;
    case 0xf2:
      return ((lp[p + 1]! | (lp[p + 2]! << 8) | (lp[p + 3]! << 16)) << 8) >> 8;
    case 0xf3:
      return lp[p + 1]! | (lp[p + 2]! << 8) | (lp[p + 3]! << 16) | (lp[p + 4]! << 24);
    case 0xf4:
      return readInt64(lp, p + 1);
    default:
      // Corrupt encoding: lpGet's documented marker value.
      return 12345678900000000 + b;
  }
}

/** Decodes the entry at p into `out` (and returns it). */
export function lpGet(lp: Uint8Array, p: number, out: LpEntry): LpEntry {
  const b = lp[p]!;
  if (b >= 0x80 && b < 0xc0) {
    out.isInt = false;
    out.strOff = p + 1;
    out.strLen = b & 0x3f;
    out.size = 1 + out.strLen + lpBacklenSize(1 + out.strLen);
  } else if (b >= 0xe0 && b < 0xf0) {
    out.isInt = false;
    out.strOff = p + 2;
    out.strLen = ((b & 0x0f) << 8) | lp[p + 1]!;
    out.size = 2 + out.strLen + lpBacklenSize(2 + out.strLen);
  } else if (b === 0xf0) {
    out.isInt = false;
    out.strOff = p + 5;
    out.strLen = (lp[p + 1]! | (lp[p + 2]! << 8) | (lp[p + 3]! << 16) | (lp[p + 4]! << 24)) >>> 0;
    out.size = 5 + out.strLen + lpBacklenSize(5 + out.strLen);
  } else {
    out.isInt = true;
    out.int = readInt(lp, p, b);
    out.strOff = 0;
    out.strLen = 0;
    out.size = entrySize(lp, p);
  }
  return out;
}

/** True when the entry at p is stored as an integer. */
export function lpIsInt(lp: Uint8Array, p: number): boolean {
  const b = lp[p]!;
  return !((b >= 0x80 && b < 0xc0) || (b >= 0xe0 && b <= 0xf0));
}

/**
 * The entry's value as bytes, as Redis replies with it (integers in decimal). Allocates a copy:
 * for tests, debugging and cold paths.
 */
export function lpGetBytes(lp: Uint8Array, p: number): Uint8Array {
  const e = lpGet(lp, p, scratchEntry);
  if (!e.isInt) return lp.slice(e.strOff, e.strOff + e.strLen);
  const s = String(e.int);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Every entry, integers as number/bigint and strings as copied bytes. Allocates: tests/debug. */
export function lpToArray(lp: Uint8Array): (Uint8Array | number | bigint)[] {
  const res: (Uint8Array | number | bigint)[] = [];
  const e = new LpEntry();
  for (let p = lpFirst(lp); p !== -1; p = lpNext(lp, p)) {
    lpGet(lp, p, e);
    res.push(e.isInt ? e.int : lp.slice(e.strOff, e.strOff + e.strLen));
  }
  return res;
}

/**
 * Calls fn(p, entry) for each entry from the first (or from `start`) while fn does not return
 * false. The same LpEntry is refilled for each call. fn must not modify the listpack.
 */
export function lpForEach(
  lp: Uint8Array,
  fn: (p: number, e: LpEntry) => boolean | void,
  start: number = lpFirst(lp),
): void {
  const e = new LpEntry();
  let p = start;
  while (p !== -1 && lp[p] !== LP_EOF) {
    lpGet(lp, p, e);
    if (fn(p, e) === false) return;
    p += e.size;
  }
}

const scratchEntry = new LpEntry();

function bytesEqual(a: Uint8Array, ao: number, b: Uint8Array, bo: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

/**
 * Does the entry at p equal the bytes s[off, off+len)? Integer entries match the canonical
 * decimal spelling of their value only (lpCompare).
 */
export function lpCompare(lp: Uint8Array, p: number, s: Uint8Array, off: number, len: number): boolean {
  if (lp[p] === LP_EOF) return false;
  const e = lpGet(lp, p, scratchEntry);
  if (!e.isInt) return e.strLen === len && bytesEqual(lp, e.strOff, s, off, len);
  const v = parseInt64(s, off, len);
  return v !== null && v === e.int;
}

/**
 * lpFind: from entry p, the first entry equal to s[off, off+len), comparing one entry and then
 * skipping `skip` (skip 1 on a hash compares fields only). Returns its offset or -1.
 * The search string is parsed as an integer at most once, and only if an integer entry is met.
 */
export function lpFind(lp: Uint8Array, p: number, s: Uint8Array, off: number, len: number, skip: number): number {
  if (p < 0) return -1;
  let skipcnt = 0;
  let vstate = 0; // 0 not parsed yet, 1 parsed, 2 not an integer
  let vll: number | bigint = 0;
  for (;;) {
    const b = lp[p]!;
    if (b === LP_EOF) return -1;
    if (skipcnt === 0) {
      let l: number;
      if (b >= 0x80 && b < 0xc0) {
        const n = b & 0x3f;
        if (n === len && bytesEqual(lp, p + 1, s, off, len)) return p;
        l = 1 + n;
      } else if (b >= 0xe0 && b < 0xf0) {
        const n = ((b & 0x0f) << 8) | lp[p + 1]!;
        if (n === len && bytesEqual(lp, p + 2, s, off, len)) return p;
        l = 2 + n;
      } else if (b === 0xf0) {
        const n = (lp[p + 1]! | (lp[p + 2]! << 8) | (lp[p + 3]! << 16) | (lp[p + 4]! << 24)) >>> 0;
        if (n === len && bytesEqual(lp, p + 5, s, off, len)) return p;
        l = 5 + n;
      } else {
        if (vstate === 0) {
          const v = len >= 32 || len === 0 ? null : parseInt64(s, off, len);
          if (v === null) vstate = 2;
          else {
            vstate = 1;
            vll = v;
          }
        }
        if (vstate === 1 && readInt(lp, p, b) === vll) return p;
        l = encodedSize(lp, p);
      }
      p += l + lpBacklenSize(l);
      skipcnt = skip;
    } else {
      skipcnt--;
      p += entrySize(lp, p);
    }
  }
}

/**
 * lpFind over the whole listpack whose header is at u8[base] (a record in the arena), with no
 * view of it: returns the absolute offset of the match, or -1.
 */
export function lpFindIn(u8: Uint8Array, base: number, s: Uint8Array, off: number, len: number, skip: number): number {
  return lpFind(u8, base + LP_HDR_SIZE, s, off, len, skip); // an empty one starts with LP_EOF: -1
}

// ---- encoding ----------------------------------------------------------------------------------

/** Scratch for one integer encoding (at most 9 bytes). */
const intenc = new Uint8Array(9);

/**
 * Writes the smallest integer encoding of v (an int64) at out[o] and returns its length
 * (lpEncodeIntegerGetType). v: a safe-integer number or any int64 bigint.
 */
function encodeInt(v: number | bigint, out: Uint8Array, o: number): number {
  if (typeof v === 'bigint') {
    if (v >= -BIG_MAX_SAFE && v <= BIG_MAX_SAFE) return encodeInt(Number(v), out, o);
    if (v < BIG_INT64_MIN || v > BIG_INT64_MAX) throw new RangeError('listpack: integer out of int64 range');
    const u = BigInt.asUintN(64, v);
    const lo = Number(u & 0xffffffffn);
    const hi = Number(u >> 32n);
    out[o] = 0xf4;
    writeU32(out, o + 1, lo);
    writeU32(out, o + 5, hi);
    return 9;
  }
  if (!Number.isSafeInteger(v)) {
    if (!Number.isInteger(v)) throw new RangeError('listpack: not an integer');
    return encodeInt(BigInt(v), out, o);
  }
  if (v >= 0 && v <= 127) {
    out[o] = v;
    return 1;
  }
  if (v >= -4096 && v <= 4095) {
    const u = v < 0 ? v + 8192 : v;
    out[o] = (u >>> 8) | 0xc0;
    out[o + 1] = u & 0xff;
    return 2;
  }
  if (v >= -32768 && v <= 32767) {
    out[o] = 0xf1;
    out[o + 1] = v & 0xff;
    out[o + 2] = (v >> 8) & 0xff;
    return 3;
  }
  if (v >= -8388608 && v <= 8388607) {
    out[o] = 0xf2;
    out[o + 1] = v & 0xff;
    out[o + 2] = (v >> 8) & 0xff;
    out[o + 3] = (v >> 16) & 0xff;
    return 4;
  }
  if (v >= -2147483648 && v <= 2147483647) {
    out[o] = 0xf3;
    writeU32(out, o + 1, v);
    return 5;
  }
  const hi = Math.floor(v / TWO32);
  out[o] = 0xf4;
  writeU32(out, o + 1, v - hi * TWO32);
  writeU32(out, o + 5, hi);
  return 9;
}

function writeU32(out: Uint8Array, o: number, v: number): void {
  out[o] = v & 0xff;
  out[o + 1] = (v >>> 8) & 0xff;
  out[o + 2] = (v >>> 16) & 0xff;
  out[o + 3] = (v >>> 24) & 0xff;
}

/** Size of <encoding+data> for the string s[off, off+len) stored verbatim. */
function stringEncodedSize(len: number): number {
  return len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
}

/**
 * Bytes one entry for s[off, off+len) takes in a listpack, backlen included (integers are
 * detected as lpInsert does). For size-limit checks before inserting.
 */
export function lpEntrySizeFor(s: Uint8Array, off: number, len: number): number {
  const v = len <= 20 ? parseInt64(s, off, len) : null;
  const l = v !== null ? encodeInt(v, intenc, 0) : stringEncodedSize(len);
  return l + lpBacklenSize(l);
}

// ---- modification ------------------------------------------------------------------------------

/** Capacity to allocate for `need` bytes: 16-byte steps when small, then +25% headroom. */
function capacityFor(need: number): number {
  if (need <= 64) return (need + 15) & ~15;
  const c = Math.ceil((need + (need >>> 2)) / 8) * 8;
  return c < LP_MAX_BYTES ? c : need;
}

/** After shrinking to `used` bytes: a smaller copy if more than half the array is spare. */
function maybeShrink(lp: Uint8Array, used: number): Uint8Array {
  if (lp.length > 128 && lp.length > used * 2) return lp.slice(0, capacityFor(used));
  return lp;
}

/* Source of the entry being written by splice(): an int encoding already in `intenc`, or bytes. */
const KIND_DELETE = 0;
const KIND_INT = 1;
const KIND_STR = 2;

/** Writes a string entry's encoding header and bytes (not its backlen) at lp[p]. */
function writeString(lp: Uint8Array, p: number, src: Uint8Array, srcOff: number, len: number): void {
  let o = p;
  if (len < 64) {
    lp[o++] = 0x80 | len;
  } else if (len < 4096) {
    lp[o++] = 0xe0 | (len >>> 8);
    lp[o++] = len & 0xff;
  } else {
    lp[o++] = 0xf0;
    writeU32(lp, o, len);
    o += 4;
  }
  if (len < 64) for (let i = 0; i < len; i++) lp[o + i] = src[srcOff + i]!;
  else lp.set(src.subarray(srcOff, srcOff + len), o);
}

/**
 * The one primitive behind insert/replace/delete (lpInsert): makes room at p for an entry of
 * `enclen` bytes (0 = delete), removing the entry at p first when `replace`, writes it and its
 * backlen, and fixes the header. When the listpack must grow, the bytes are copied once, straight
 * to their final places in the new array, instead of a realloc followed by a memmove.
 */
function splice(
  lp: Uint8Array,
  p: number,
  replace: boolean,
  kind: number,
  enclen: number,
  src: Uint8Array,
  srcOff: number,
  srcLen: number,
): Uint8Array {
  const oldBytes = getTotal(lp);
  const blen = kind === KIND_DELETE ? 0 : lpBacklenSize(enclen);
  const replaced = replace ? entrySize(lp, p) : 0;
  const newBytes = oldBytes + enclen + blen - replaced;
  if (newBytes > LP_MAX_BYTES) throw new RangeError('listpack: size would exceed 2^32-1 bytes');
  const tail = p + replaced;
  const dst = p + enclen + blen;
  if (newBytes > lp.length) {
    const n = new Uint8Array(capacityFor(newBytes));
    n.set(lp.subarray(0, p), 0);
    n.set(lp.subarray(tail, oldBytes), dst);
    lp = n;
  } else if (dst !== tail) {
    // A short tail (an append moves only the terminator) is moved by a loop: copyWithin is a
    // builtin call that costs more than the few bytes it moves.
    const m = oldBytes - tail;
    if (m > 16) lp.copyWithin(dst, tail, oldBytes);
    else if (dst > tail) for (let i = m - 1; i >= 0; i--) lp[dst + i] = lp[tail + i]!;
    else for (let i = 0; i < m; i++) lp[dst + i] = lp[tail + i]!;
  }
  if (kind === KIND_INT) {
    for (let i = 0; i < enclen; i++) lp[p + i] = intenc[i]!;
  } else if (kind === KIND_STR) {
    writeString(lp, p, src, srcOff, srcLen);
  }
  if (kind !== KIND_DELETE) writeBacklen(lp, p + enclen, enclen);
  if (!replace || kind === KIND_DELETE) {
    const num = getNumEle(lp);
    if (num !== LP_HDR_NUMELE_UNKNOWN) setNumEle(lp, kind === KIND_DELETE ? num - 1 : num + 1);
  }
  setTotal(lp, newBytes);
  if (newBytes < oldBytes) return maybeShrink(lp, newBytes);
  return lp;
}

/**
 * Whether s[off, off+len) lies inside lp's bytes (e.g. copying one entry over another): making
 * room moves those bytes, so the caller copies the source first. The offsets are compared before
 * the buffers: `.buffer` is a call into V8's runtime (and moves a small on-heap array off the
 * heap), and ranges that cannot overlap need no buffer identity.
 */
function sourceInside(lp: Uint8Array, s: Uint8Array, off: number, len: number): boolean {
  const start = s.byteOffset + off;
  const lpStart = lp.byteOffset;
  return start < lpStart + lp.length && start + len > lpStart && s.buffer === lp.buffer;
}

/**
 * Strings up to this long are copied into srcCopy before the splice instead of asking whether
 * they overlap the listpack: the loop costs a few ns, the overlap test 25-35 (reading `.buffer`
 * and `.byteOffset` of a typed array are calls even in optimized code: 27-34 ns a test over
 * Buffer views in a 20M-call loop, 7-13 of them for the offsets alone).
 */
const SMALL_SOURCE = 64;
const srcCopy = new Uint8Array(new ArrayBuffer(SMALL_SOURCE));

function insertAt(lp: Uint8Array, p: number, replace: boolean, s: Uint8Array, off: number, len: number): Uint8Array {
  const v = len <= 20 ? parseInt64(s, off, len) : null;
  if (v !== null) return splice(lp, p, replace, KIND_INT, encodeInt(v, intenc, 0), intenc, 0, 0);
  if (len <= SMALL_SOURCE) {
    copyBytes(srcCopy, 0, s, off, len);
    return splice(lp, p, replace, KIND_STR, stringEncodedSize(len), srcCopy, 0, len);
  }
  if (sourceInside(lp, s, off, len)) return splice(lp, p, replace, KIND_STR, stringEncodedSize(len), s.slice(off, off + len), 0, len);
  return splice(lp, p, replace, KIND_STR, stringEncodedSize(len), s, off, len);
}

/**
 * Replaces the entry at p with s[off, off+len) in place when the new entry has exactly the old
 * one's size (the usual HSET of a same-length value), and returns whether it did. Nothing moves
 * and the header is unchanged, so `u8` may be any array holding the listpack (the arena, with p
 * an absolute offset): a write with no copy of the listpack out and back. Sources longer than
 * SMALL_SOURCE are declined (they could overlap u8; the caller takes the general path).
 */
export function lpOverwrite(u8: Uint8Array, p: number, s: Uint8Array, off: number, len: number): boolean {
  const old = entrySize(u8, p);
  const v = len <= 20 ? parseInt64(s, off, len) : null;
  if (v !== null) {
    const enclen = encodeInt(v, intenc, 0);
    if (enclen + lpBacklenSize(enclen) !== old) return false;
    for (let i = 0; i < enclen; i++) u8[p + i] = intenc[i]!;
    writeBacklen(u8, p + enclen, enclen);
    return true;
  }
  if (len > SMALL_SOURCE) return false;
  const enclen = stringEncodedSize(len);
  if (enclen + lpBacklenSize(enclen) !== old) return false;
  copyBytes(srcCopy, 0, s, off, len);
  writeString(u8, p, srcCopy, 0, len);
  writeBacklen(u8, p + enclen, enclen);
  return true;
}

function insertIntAt(lp: Uint8Array, p: number, replace: boolean, v: number | bigint): Uint8Array {
  const enclen = encodeInt(v, intenc, 0);
  return splice(lp, p, replace, KIND_INT, enclen, intenc, 0, 0);
}

/**
 * Inserts s[off, off+len) before (LP_BEFORE) or after (LP_AFTER) the entry at p; p may be the
 * terminator's offset with LP_BEFORE (that appends). Returns the listpack (maybe reallocated).
 * The new entry is at p (before) or at lpNext(result, p) (after).
 */
export function lpInsert(
  lp: Uint8Array,
  p: number,
  where: number,
  s: Uint8Array,
  off = 0,
  len = s.length - off,
): Uint8Array {
  if (where === LP_AFTER) p = lpSkip(lp, p);
  return insertAt(lp, p, false, s, off, len);
}

/** lpInsert for an integer value (lpInsertInteger). */
export function lpInsertInteger(lp: Uint8Array, p: number, where: number, v: number | bigint): Uint8Array {
  if (where === LP_AFTER) p = lpSkip(lp, p);
  return insertIntAt(lp, p, false, v);
}

/** Appends s[off, off+len) at the tail (lpAppend). */
export function lpAppend(lp: Uint8Array, s: Uint8Array, off = 0, len = s.length - off): Uint8Array {
  return insertAt(lp, getTotal(lp) - 1, false, s, off, len);
}

/** Appends an integer (lpAppendInteger). */
export function lpAppendInteger(lp: Uint8Array, v: number | bigint): Uint8Array {
  return insertIntAt(lp, getTotal(lp) - 1, false, v);
}

/** Inserts s[off, off+len) at the head (lpPrepend). */
export function lpPrepend(lp: Uint8Array, s: Uint8Array, off = 0, len = s.length - off): Uint8Array {
  return insertAt(lp, LP_HDR_SIZE, false, s, off, len);
}

/** Inserts an integer at the head (lpPrependInteger). */
export function lpPrependInteger(lp: Uint8Array, v: number | bigint): Uint8Array {
  return insertIntAt(lp, LP_HDR_SIZE, false, v);
}

/** Replaces the entry at p with s[off, off+len) (lpReplace); the new entry is at p. */
export function lpReplace(lp: Uint8Array, p: number, s: Uint8Array, off = 0, len = s.length - off): Uint8Array {
  return insertAt(lp, p, true, s, off, len);
}

/** Replaces the entry at p with an integer (lpReplaceInteger); the new entry is at p. */
export function lpReplaceInteger(lp: Uint8Array, p: number, v: number | bigint): Uint8Array {
  return insertIntAt(lp, p, true, v);
}

/**
 * Deletes the entry at p (lpDelete). The entry that followed is now at p; lp[p] === LP_EOF
 * (check with lpAtEnd) when the deleted entry was the last.
 */
export function lpDelete(lp: Uint8Array, p: number): Uint8Array {
  return splice(lp, p, true, KIND_DELETE, 0, intenc, 0, 0);
}

/** True when offset p is the terminator (e.g. after deleting the last entry at p). */
export function lpAtEnd(lp: Uint8Array, p: number): boolean {
  return lp[p] === LP_EOF;
}

/**
 * Deletes up to `num` entries starting with the one at p (lpDeleteRangeWithEntry): stops early
 * at the end. The entry after the range (or the terminator) is then at p.
 */
export function lpDeleteRangeWithEntry(lp: Uint8Array, p: number, num: number): Uint8Array {
  if (num <= 0) return lp;
  const bytes = getTotal(lp);
  let tail = p;
  let deleted = 0;
  while (num-- > 0) {
    deleted++;
    tail += entrySize(lp, tail);
    if (lp[tail] === LP_EOF) break;
  }
  lp.copyWithin(p, tail, bytes);
  const newBytes = bytes - (tail - p);
  setTotal(lp, newBytes);
  const numele = getNumEle(lp);
  if (numele !== LP_HDR_NUMELE_UNKNOWN) setNumEle(lp, numele - deleted);
  return maybeShrink(lp, newBytes);
}

/**
 * Deletes `num` entries starting at `index` (negative from the end), clamped at the end
 * (lpDeleteRange). Out-of-range index: no change.
 */
export function lpDeleteRange(lp: Uint8Array, index: number, num: number): Uint8Array {
  if (num <= 0) return lp;
  const p = lpSeek(lp, index);
  if (p === -1) return lp;
  const numele = getNumEle(lp);
  if (numele !== LP_HDR_NUMELE_UNKNOWN) {
    if (index < 0) index = numele + index;
    if (numele - index <= num) {
      // Everything from p to the end goes: just move the terminator.
      lp[p] = LP_EOF;
      setTotal(lp, p + 1);
      setNumEle(lp, index);
      return maybeShrink(lp, p + 1);
    }
  }
  return lpDeleteRangeWithEntry(lp, p, num);
}

/**
 * Concatenates two listpacks (lpMerge: `first` entries then `second` entries). Returns a listpack
 * which may reuse `first`'s array; both inputs must be considered consumed.
 */
export function lpMerge(first: Uint8Array, second: Uint8Array): Uint8Array {
  const fb = getTotal(first);
  const sb = getTotal(second);
  const count = lpLength(first) + lpLength(second);
  const total = fb + sb - LP_HDR_SIZE - 1;
  if (total > LP_MAX_BYTES) throw new RangeError('listpack: size would exceed 2^32-1 bytes');
  let out = first;
  if (total > first.length) {
    out = new Uint8Array(capacityFor(total));
    out.set(first.subarray(0, fb - 1), 0);
  }
  out.set(second.subarray(LP_HDR_SIZE, sb), fb - 1);
  setTotal(out, total);
  setNumEle(out, count < LP_HDR_NUMELE_UNKNOWN ? count : LP_HDR_NUMELE_UNKNOWN);
  return out;
}

// ---- validation --------------------------------------------------------------------------------

/**
 * Validates the entry at p of a listpack of `bytes` bytes and returns the offset of the next
 * entry, or -1 when invalid (lpValidateNext). p must be inside [LP_HDR_SIZE, bytes-1) and not the
 * terminator. Never reads outside [0, bytes).
 */
function validateNext(lp: Uint8Array, p: number, bytes: number): number {
  const last = bytes - 1;
  const hdr = encodingHeaderSize(lp[p]!);
  if (hdr === 0) return -1;
  if (p + hdr > last) return -1;
  const l = encodedSize(lp, p);
  const bl = lpBacklenSize(l);
  const next = p + l + bl;
  if (next > last) return -1;
  // Decoded like lpDecodeBacklen (which may read left of the entry when the flag bits say so):
  // Redis accepts whatever decodes to the entry's size, so do we; lpPrev decodes the same way.
  const prevlen = readBacklen(lp, next - 1, 0);
  if (prevlen !== l) return -1;
  return next;
}

/**
 * Integrity check of untrusted bytes (lpValidateIntegrity with deep = 1): the listpack is
 * bytes[0, size). Returns false for anything Redis would reject; never throws.
 * `entryCb`, when given, is called with each entry's offset after it was validated (e.g. to
 * check for duplicate hash fields) and can reject the listpack by returning false.
 */
export function lpValidate(
  bytes: Uint8Array,
  size: number = bytes.length,
  entryCb?: (p: number) => boolean,
): boolean {
  if (!(size >= LP_HDR_SIZE + 1) || size > bytes.length) return false;
  // The native walk (docs/design-native.md) for listpacks of 512 bytes and more (below, the call
  // costs more than it saves), when bytes is a real typed array (tests pass bounds-checking
  // proxies to the TypeScript walk).
  if (size >= 512 && entryCb === undefined && native !== null && ArrayBuffer.isView(bytes)) return native.lpValidate(bytes, size);
  if (getTotal(bytes) !== size) return false;
  if (bytes[size - 1] !== LP_EOF) return false;
  const numele = getNumEle(bytes);
  let count = 0;
  let p = LP_HDR_SIZE;
  while (bytes[p] !== LP_EOF) {
    const next = validateNext(bytes, p, size);
    if (next < 0) return false;
    if (entryCb !== undefined && !entryCb(p)) return false;
    count++;
    p = next;
  }
  if (p !== size - 1) return false;
  if (numele !== LP_HDR_NUMELE_UNKNOWN && numele !== count) return false;
  return true;
}

/*
 * HyperLogLog in Redis 7.0's exact byte layout (hyperloglog.c), so that a value written here is
 * the value Redis writes for the same operations, and GET/SET move it between the two servers.
 *
 * A HyperLogLog is an ordinary string: a 16-byte header then the registers.
 *
 *   header   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached cardinality
 *            (8 bytes little endian; bit 7 of the last byte set means "cache invalid")
 *   dense    16384 registers of 6 bits, register i at bit i*6 counted from the low bit of each
 *            byte (12288 bytes: the value is always 12304 bytes)
 *   sparse   a run-length code over the 16384 registers:
 *              00xxxxxx          ZERO   1..64 zero registers
 *              01xxxxxx yyyyyyyy XZERO  1..16384 zero registers (14-bit length)
 *              1vvvvvxx          VAL    1..4 registers of value 1..32
 *
 * An element is hashed with MurmurHash64A (seed 0xadc83b19, computed here on 32-bit halves);
 * the low 14 bits pick the register, and the count of trailing zero bits of the rest, plus one,
 * is the candidate value (at most 51). A sparse HLL is edited in place as Redis does (split the
 * opcode covering the register into at most three, then merge equal adjacent VALs in a window of
 * five opcodes) and turned dense when it would grow past hll-sparse-max-bytes or a register needs
 * more than 32. The estimate is Redis 7.0's (Ertl's improved estimator over the register
 * histogram), computed with the same double operations, so the numbers are Redis's.
 *
 * Nothing here knows about clients or the keyspace: sparse edits run in an HllWork buffer the
 * caller loads with the value and writes back; dense edits work on any byte view. Every read of
 * a value stays inside it, whatever its bytes say (a corrupt HLL is reported, never overrun).
 */

export const HLL_REGISTERS = 16384;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * 6) / 8;
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
/** Size of a new (empty, sparse) HLL: the header and one XZERO of 16384. */
export const HLL_EMPTY_SIZE = HLL_HDR_SIZE + 2;

const P_MASK = HLL_REGISTERS - 1;
const Q = 50;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const ALPHA_INF = 0.721347520444481703680;

// ---- MurmurHash64A on 32-bit halves -------------------------------------------------------------

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const SEED = 0xadc83b19;

let rHi = 0;
let rLo = 0;

/** (ah:al) * (bh:bl) mod 2^64 into rHi:rLo. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const mid = a0 * b1 + a1 * b0;
  const low = a0 * b0 + (mid % 65536) * 65536;
  const carry = Math.floor(low / 4294967296);
  rLo = low >>> 0;
  const hi = a1 * b1 + Math.floor(mid / 65536) + carry;
  rHi = (hi + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/**
 * MurmurHash64A of b[o, o+n) with Redis's seed, as Redis computes it on a little-endian machine.
 * The result is left in rHi:rLo.
 */
function murmur64a(b: Uint8Array, o: number, n: number): void {
  mul64(0, n >>> 0, M_HI, M_LO);
  let hHi = rHi;
  let hLo = (rLo ^ SEED) >>> 0;
  const blocks = n - (n & 7);
  let p = o;
  const end = o + blocks;
  while (p < end) {
    let kLo = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
    let kHi = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) >>> 0;
    mul64(kHi, kLo, M_HI, M_LO);
    kHi = rHi;
    kLo = (rLo ^ (kHi >>> 15)) >>> 0;
    mul64(kHi, kLo, M_HI, M_LO);
    hHi = (hHi ^ rHi) >>> 0;
    hLo = (hLo ^ rLo) >>> 0;
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = rHi;
    hLo = rLo;
    p += 8;
  }
  const tail = n & 7;
  if (tail !== 0) {
    for (let i = tail - 1; i >= 0; i--) {
      if (i >= 4) hHi = (hHi ^ (b[p + i] << ((i - 4) * 8))) >>> 0;
      else hLo = (hLo ^ (b[p + i] << (i * 8))) >>> 0;
    }
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = rHi;
    hLo = rLo;
  }
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  mul64(hHi, hLo, M_HI, M_LO);
  rLo = (rLo ^ (rHi >>> 15)) >>> 0;
}

/** The 64-bit MurmurHash64A of b[o, o+n) as a bigint (tests). */
export function murmurHash64A(b: Uint8Array, o = 0, n = b.length): bigint {
  murmur64a(b, o, n);
  return (BigInt(rHi) << 32n) | BigInt(rLo);
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * Redis's hllPatLen: the register an element goes to and the value it proposes, packed as
 * index | count << 14.
 */
export function hllPattern(b: Uint8Array, o: number, n: number): number {
  murmur64a(b, o, n);
  const index = rLo & P_MASK;
  const low = rLo >>> 14; // hash bits 14..31
  let count: number;
  if (low !== 0) count = ctz32(low) + 1;
  else if (rHi !== 0) count = 18 + ctz32(rHi) + 1;
  else count = Q + 1;
  return index | (count << 14);
}

// ---- header ---------------------------------------------------------------------------------------

/**
 * isHLLObjectOrReply's check of a string value v[o, o+n): long enough for the header, magic
 * "HYLL", a known encoding, and exactly the dense size when dense.
 */
export function isHllValue(v: Uint8Array, o: number, n: number): boolean {
  if (n < HLL_HDR_SIZE) return false;
  if (v[o] !== 72 || v[o + 1] !== 89 || v[o + 2] !== 76 || v[o + 3] !== 76) return false;
  const enc = v[o + 4];
  if (enc > HLL_SPARSE) return false;
  return enc !== HLL_DENSE || n === HLL_DENSE_SIZE;
}

/** Writes a new empty (sparse) HLL at v[o, o+18). */
export function writeEmptyHll(v: Uint8Array, o: number): void {
  v[o] = 72;
  v[o + 1] = 89;
  v[o + 2] = 76;
  v[o + 3] = 76;
  v[o + 4] = HLL_SPARSE;
  for (let i = 5; i < HLL_HDR_SIZE; i++) v[o + i] = 0;
  v[o + 16] = 0x7f; // XZERO of 16384
  v[o + 17] = 0xff;
}

export function cacheValid(v: Uint8Array, o: number): boolean {
  return (v[o + 15] & 0x80) === 0;
}

export function invalidateCache(v: Uint8Array, o: number): void {
  v[o + 15] |= 0x80;
}

/** The cached cardinality (valid cache: at most 63 bits), a bigint beyond 2^53. */
export function readCache(v: Uint8Array, o: number): number | bigint {
  const lo = (v[o + 8] | (v[o + 9] << 8) | (v[o + 10] << 16) | (v[o + 11] << 24)) >>> 0;
  const hi = (v[o + 12] | (v[o + 13] << 8) | (v[o + 14] << 16) | (v[o + 15] << 24)) >>> 0;
  if (hi < 0x200000) return hi * 4294967296 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Stores cardinality card (an integer below 2^53) as the valid cached value. */
export function writeCache(v: Uint8Array, o: number, card: number): void {
  let lo = card % 4294967296;
  let hi = Math.floor(card / 4294967296);
  for (let i = 0; i < 4; i++) {
    v[o + 8 + i] = lo & 0xff;
    lo = Math.floor(lo / 256);
    v[o + 12 + i] = hi & 0xff;
    hi = Math.floor(hi / 256);
  }
}

// ---- dense registers ------------------------------------------------------------------------------

/**
 * Register i of the dense registers starting at v[r]. A register that ends on its first byte
 * reads no further (the last one, 16383, never reads past the value).
 */
export function denseGet(v: Uint8Array, r: number, i: number): number {
  const bit = i * 6;
  const p = r + (bit >>> 3);
  const fb = bit & 7;
  if (fb <= 2) return (v[p] >>> fb) & 63;
  return ((v[p] >>> fb) | (v[p + 1] << (8 - fb))) & 63;
}

export function denseSetRaw(v: Uint8Array, r: number, i: number, val: number): void {
  const bit = i * 6;
  const p = r + (bit >>> 3);
  const fb = bit & 7;
  v[p] = (v[p] & ~(63 << fb)) | (val << fb);
  if (fb > 2) {
    const fb8 = 8 - fb;
    v[p + 1] = (v[p + 1] & ~(63 >>> fb8)) | (val >>> fb8);
  }
}

/** hllDenseSet: raises register i to count; 1 when it changed. */
export function denseSet(v: Uint8Array, r: number, i: number, count: number): number {
  if (count > denseGet(v, r, i)) {
    denseSetRaw(v, r, i, count);
    return 1;
  }
  return 0;
}

/** hllDenseAdd on the dense HLL at v[o, o+12304]: 1 when a register changed. */
export function denseAdd(v: Uint8Array, o: number, b: Uint8Array, eo: number, en: number): number {
  const pat = hllPattern(b, eo, en);
  return denseSet(v, o + HLL_HDR_SIZE, pat & P_MASK, pat >>> 14);
}

// ---- the sparse working buffer ----------------------------------------------------------------------

/**
 * A growable copy of one HLL value, where sparse edits (which move bytes and change the length)
 * and the sparse-to-dense conversion happen before the value is written back.
 */
export class HllWork {
  buf = new Uint8Array(HLL_DENSE_SIZE + 64);
  len = 0;

  load(v: Uint8Array, o: number, n: number): void {
    this.ensure(n + 8);
    const b = this.buf;
    if (n < 256) for (let i = 0; i < n; i++) b[i] = v[o + i];
    else b.set(v.subarray(o, o + n), 0);
    this.len = n;
  }

  /** Copies the value to v[o, o+len). */
  storeTo(v: Uint8Array, o: number): void {
    const b = this.buf;
    const n = this.len;
    if (n < 256) for (let i = 0; i < n; i++) v[o + i] = b[i];
    else v.set(b.subarray(0, n), o);
  }

  ensure(n: number): void {
    if (this.buf.length >= n) return;
    const nb = new Uint8Array(Math.max(n, this.buf.length * 2));
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  get encoding(): number {
    return this.buf[4];
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

const denseTmp = new Uint8Array(HLL_DENSE_SIZE);

/** XZERO's length at p: its second byte past the end reads as 0 (Redis's sds terminator). */
function xzeroLen(v: Uint8Array, p: number, end: number): number {
  return (((v[p] & 0x3f) << 8) | (p + 1 < end ? v[p + 1] : 0)) + 1;
}

/**
 * hllSparseToDense on w: false (w unchanged) when the opcodes do not cover exactly 16384
 * registers. The header (cached cardinality and unused bytes included) is kept. A VAL running
 * past the last register fails at once, even if the registers before it add up (Debian's 7.0.15
 * carries the CVE-2025-32023 fix, which refuses it; mergeInto does the same).
 */
export function sparseToDense(w: HllWork): boolean {
  const v = w.buf;
  if (v[4] === HLL_DENSE) return true;
  const d = denseTmp;
  d.fill(0);
  for (let i = 0; i < HLL_HDR_SIZE; i++) d[i] = v[i];
  d[4] = HLL_DENSE;
  const end = w.len;
  let p = HLL_HDR_SIZE;
  let idx = 0;
  while (p < end) {
    const op = v[p];
    if ((op & 0xc0) === 0) {
      idx += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      idx += xzeroLen(v, p, end);
      p += 2;
    } else {
      let run = (op & 3) + 1;
      const val = ((op >>> 2) & 0x1f) + 1;
      if (run + idx > HLL_REGISTERS) return false;
      while (run-- > 0) denseSetRaw(d, HLL_HDR_SIZE, idx++, val);
      p++;
    }
  }
  if (idx !== HLL_REGISTERS) return false;
  w.ensure(HLL_DENSE_SIZE + 8);
  w.buf.set(d, 0);
  w.len = HLL_DENSE_SIZE;
  return true;
}

function valOp(val: number, len: number): number {
  return 0x80 | ((val - 1) << 2) | (len - 1);
}

/** Writes a ZERO or XZERO run of len at seq[n]; returns the new n. */
function zeroRun(seq: Uint8Array, n: number, len: number): number {
  if (len > SPARSE_ZERO_MAX_LEN) {
    seq[n] = ((len - 1) >>> 8) | 0x40;
    seq[n + 1] = (len - 1) & 0xff;
    return n + 2;
  }
  seq[n] = len - 1;
  return n + 1;
}

const seq = new Uint8Array(5);

/**
 * hllSparseSet on w (sparse): raises register index to count. Returns 1 when it changed, 0 when
 * not, -1 when the opcodes are corrupt. Turns w dense when the edit would make it longer than
 * maxBytes or count does not fit a VAL opcode.
 */
export function sparseSet(w: HllWork, index: number, count: number, maxBytes: number): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(w, index, count);
  w.ensure(w.len + 8);
  const v = w.buf;
  let end = w.len;
  // Step 1: find the opcode covering the register.
  let p = HLL_HDR_SIZE;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < end) {
    const op = v[p];
    let oplen = 1;
    if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
    else if ((op & 0x80) !== 0) span = (op & 3) + 1;
    else {
      span = xzeroLen(v, p, end);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return -1;
  const op = v[p];
  const isXzero = (op & 0xc0) === 0x40;
  const isZero = (op & 0xc0) === 0;
  const isVal = !isXzero && !isZero;
  let next = isXzero ? p + 2 : p + 1;
  if (next >= end) next = -1;
  const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? xzeroLen(v, p, end) : (op & 3) + 1;

  let simple = false;
  if (isVal) {
    const old = ((op >>> 2) & 0x1f) + 1;
    if (old >= count) return 0; // case A: no change
    if (runlen === 1) {
      v[p] = valOp(count, 1); // case B
      simple = true;
    }
  }
  if (!simple && isZero && runlen === 1) {
    v[p] = valOp(count, 1); // case C
    simple = true;
  }
  if (!simple) {
    // Case D: split the opcode into up to three.
    const last = first + span - 1;
    let n = 0;
    if (isZero || isXzero) {
      if (index !== first) n = zeroRun(seq, n, index - first);
      seq[n++] = valOp(count, 1);
      if (index !== last) n = zeroRun(seq, n, last - index);
    } else {
      const cur = ((op >>> 2) & 0x1f) + 1;
      if (index !== first) seq[n++] = valOp(cur, index - first);
      seq[n++] = valOp(count, 1);
      if (index !== last) seq[n++] = valOp(cur, last - index);
    }
    const oldlen = isXzero ? 2 : 1;
    const delta = n - oldlen;
    if (delta > 0 && w.len + delta > maxBytes) return promote(w, index, count);
    if (delta !== 0 && next >= 0) v.copyWithin(next + delta, next, end);
    w.len += delta;
    for (let i = 0; i < n; i++) v[p + i] = seq[i];
    end += delta;
  }
  // Step 4: merge adjacent VALs of equal value, in a window of five opcodes from prev.
  p = prev >= 0 ? prev : HLL_HDR_SIZE;
  let scan = 5;
  while (p < end && scan-- !== 0) {
    const o1 = v[p];
    if ((o1 & 0xc0) === 0x40) {
      p += 2;
      continue;
    }
    if ((o1 & 0xc0) === 0) {
      p++;
      continue;
    }
    if (p + 1 < end && (v[p + 1] & 0x80) !== 0) {
      const o2 = v[p + 1];
      const v1 = ((o1 >>> 2) & 0x1f) + 1;
      if (v1 === ((o2 >>> 2) & 0x1f) + 1) {
        const len = (o1 & 3) + (o2 & 3) + 2;
        if (len <= SPARSE_VAL_MAX_LEN) {
          v[p + 1] = valOp(v1, len);
          v.copyWithin(p, p + 1, end);
          w.len--;
          end--;
          continue;
        }
      }
    }
    p++;
  }
  invalidateCache(v, 0);
  return 1;
}

function promote(w: HllWork, index: number, count: number): number {
  if (!sparseToDense(w)) return -1;
  return denseSet(w.buf, HLL_HDR_SIZE, index, count);
}

/** hllAdd on w (either encoding): 1 when a register changed, 0 when not, -1 when corrupt. */
export function workAdd(w: HllWork, b: Uint8Array, eo: number, en: number, maxBytes: number): number {
  const pat = hllPattern(b, eo, en);
  if (w.buf[4] === HLL_DENSE) return denseSet(w.buf, HLL_HDR_SIZE, pat & P_MASK, pat >>> 14);
  return sparseSet(w, pat & P_MASK, pat >>> 14, maxBytes);
}

// ---- merging and counting ---------------------------------------------------------------------------

/**
 * hllMerge: raises max[i] to each register of the (checked) HLL value v[o, o+n). False when a
 * sparse value does not cover exactly 16384 registers (max may be partly updated, as in Redis)
 * or a VAL runs past the last one.
 */
export function mergeInto(max: Uint8Array, v: Uint8Array, o: number, n: number): boolean {
  if (v[o + 4] === HLL_DENSE) {
    const r = o + HLL_HDR_SIZE;
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const x = denseGet(v, r, i);
      if (x > max[i]) max[i] = x;
    }
    return true;
  }
  const end = o + n;
  let p = o + HLL_HDR_SIZE;
  let i = 0;
  while (p < end) {
    const op = v[p];
    if ((op & 0xc0) === 0) {
      i += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      i += xzeroLen(v, p, end);
      p += 2;
    } else {
      let run = (op & 3) + 1;
      const val = ((op >>> 2) & 0x1f) + 1;
      if (run + i > HLL_REGISTERS) return false;
      while (run-- > 0) {
        if (val > max[i]) max[i] = val;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

const histo = new Float64Array(64);

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** hllCount's estimate from the register histogram in `histo`. */
function estimate(): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histo[Q + 1]) / m);
  for (let j = Q; j >= 1; j--) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * sigma(histo[0] / m);
  return Math.round((ALPHA_INF * m * m) / z);
}

/** The estimated cardinality of the (checked) HLL value v[o, o+n), or -1 when it is corrupt. */
export function hllCount(v: Uint8Array, o: number, n: number): number {
  histo.fill(0);
  if (v[o + 4] === HLL_DENSE) {
    const r = o + HLL_HDR_SIZE;
    for (let i = 0; i < HLL_REGISTERS; i++) histo[denseGet(v, r, i)]++;
  } else {
    const end = o + n;
    let p = o + HLL_HDR_SIZE;
    let idx = 0;
    while (p < end) {
      const op = v[p];
      if ((op & 0xc0) === 0) {
        const run = (op & 0x3f) + 1;
        idx += run;
        histo[0] += run;
        p++;
      } else if ((op & 0xc0) === 0x40) {
        const run = xzeroLen(v, p, end);
        idx += run;
        histo[0] += run;
        p += 2;
      } else {
        const run = (op & 3) + 1;
        idx += run;
        histo[((op >>> 2) & 0x1f) + 1] += run;
        p++;
      }
    }
    if (idx !== HLL_REGISTERS) return -1;
  }
  return estimate();
}

/** The estimate for 16384 raw (one byte each) registers: PFCOUNT of several keys. */
export function rawCount(regs: Uint8Array): number {
  histo.fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[regs[i]]++;
  return estimate();
}

/** PFDEBUG DECODE's text for the sparse value v[o, o+n): "z:len Z:len v:val,len ...". */
export function decodeSparse(v: Uint8Array, o: number, n: number): string {
  const parts: string[] = [];
  const end = o + n;
  let p = o + HLL_HDR_SIZE;
  while (p < end) {
    const op = v[p];
    if ((op & 0xc0) === 0) {
      parts.push(`z:${(op & 0x3f) + 1}`);
      p++;
    } else if ((op & 0xc0) === 0x40) {
      parts.push(`Z:${xzeroLen(v, p, end)}`);
      p += 2;
    } else {
      parts.push(`v:${((op >>> 2) & 0x1f) + 1},${(op & 3) + 1}`);
      p++;
    }
  }
  return parts.join(' ');
}

// ---- self test ----------------------------------------------------------------------------------------

/**
 * PFSELFTEST: dense registers read back what was written; a sparse HLL fed the same elements as
 * a dense one (through its promotion) holds the same registers and estimate; estimates stay
 * within a few standard errors. Returns null, or the failure text.
 */
export function hllSelfTest(): string | null {
  const d = new Uint8Array(HLL_DENSE_SIZE);
  const want = new Uint8Array(HLL_REGISTERS);
  let seed = 0x12345678;
  const rnd = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      want[i] = rnd() & 63;
      denseSetRaw(d, HLL_HDR_SIZE, i, want[i]);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      if (denseGet(d, HLL_HDR_SIZE, i) !== want[i]) return `TESTFAILED Register error at offset ${i}`;
    }
  }
  const w = new HllWork();
  const empty = new Uint8Array(HLL_EMPTY_SIZE);
  writeEmptyHll(empty, 0);
  w.load(empty, 0, HLL_EMPTY_SIZE);
  d.set(empty.subarray(0, HLL_HDR_SIZE));
  d[4] = HLL_DENSE;
  d.fill(0, HLL_HDR_SIZE);
  const ele = new Uint8Array(8);
  const std = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  for (let j = 1; j <= 20000; j++) {
    const x = rnd();
    ele[0] = x & 0xff;
    ele[1] = (x >>> 8) & 0xff;
    ele[2] = (x >>> 16) & 0xff;
    ele[3] = x >>> 24;
    ele[4] = j & 0xff;
    ele[5] = (j >>> 8) & 0xff;
    if (workAdd(w, ele, 0, 8, 3000) < 0) return 'TESTFAILED sparse HLL reported corruption';
    denseAdd(d, 0, ele, 0, 8);
    if (j === checkpoint || j === 20000) {
      checkpoint *= 4;
      const a = hllCount(w.buf, 0, w.len);
      const b = hllCount(d, 0, HLL_DENSE_SIZE);
      if (a !== b) return `TESTFAILED sparse and dense estimates differ at ${j}: ${a} ${b}`;
      const maxError = (j < 500 ? 6 : 5) * std * j;
      if (Math.abs(b - j) > maxError + 1) return `TESTFAILED Too big error. card:${j} abserr:${Math.abs(b - j)}`;
    }
  }
  const regs = new Uint8Array(HLL_REGISTERS);
  if (!mergeInto(regs, w.buf, 0, w.len)) return 'TESTFAILED merge reported corruption';
  for (let i = 0; i < HLL_REGISTERS; i++) {
    if (regs[i] !== denseGet(d, HLL_HDR_SIZE, i)) return `TESTFAILED sparse and dense registers differ at ${i}`;
  }
  return null;
}

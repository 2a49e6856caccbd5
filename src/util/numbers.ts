/*
 * Redis 7.0 number parsing and formatting, working directly on bytes.
 *
 * Integers (string2ll / ll2string, util.c)
 *   Canonical decimal only: optional '-', no '+', no leading zeros (except
 *   "0" itself), no spaces, no "-0", at most 20 bytes, signed 64-bit range.
 *   The same test decides whether SET stores a value with the `int` encoding
 *   (tryObjectEncoding: len <= 20 && string2l, and long is 64-bit).
 *   Hot path: values that fit in a JS safe integer are returned as plain
 *   numbers; BigInt is only touched for the rare |v| > 2^53-1.
 *
 * Doubles (string2d + strtod, util.c; used by ZADD, ZINCRBY, GEOADD, ...)
 *   strtod syntax (C locale) with full consumption: optional sign, decimal
 *   digits with optional '.' and exponent, hexadecimal floats ("0x1.8p3"),
 *   "inf"/"infinity" in any case. Rejected: empty string, leading whitespace
 *   (string2d checks isspace(s[0])), anything left over (trailing spaces,
 *   embedded NUL), NaN in any spelling, overflow (ERANGE with +-HUGE_VAL, e.g.
 *   "1e400") and underflow to zero (ERANGE with a zero result, e.g. "1e-400",
 *   "2e-324"); results that round to a subnormal are accepted.
 *   parseDouble returns NaN to mean "invalid" - Redis never accepts a NaN
 *   value, so NaN is free to use as the error signal.
 *
 * Reply format of doubles (addReplyDouble in 7.0, RESP2 bulk): printf "%.17g"
 *   plus explicit "inf"/"-inf". E.g. 1.1 -> "1.1000000000000001", 1e17 ->
 *   "1e+17", -0.0 -> "-0". (Later Redis versions moved to a shortest
 *   round-trip formatter; 7.0 prints 17 digits.) Implemented exactly: Number#toExponential(16) yields the 17
 *   correctly rounded significant digits, except that on an exact decimal tie
 *   it rounds away from zero where glibc rounds half to even; ties are
 *   detected and redone exactly with BigInt (they need the value to be a
 *   multiple of 2^-25 whose exact expansion has 18 significant digits).
 *
 * INCRBYFLOAT / HINCRBYFLOAT (long double)
 *   Redis parses both operands with strtold (string2ld: same rules as above,
 *   plus length < 5120), adds them in x87 80-bit extended precision (64-bit
 *   significand, 15-bit exponent, round to nearest even), rejects a NaN or
 *   infinite sum, and formats with "%.17Lf" followed by trailing-zero removal
 *   (ld2string LD_STR_HUMAN; "-0" becomes "0"). JS has no long double, so this
 *   module implements that arithmetic in software with BigInt: decimal (and
 *   hex) strings are converted to the nearest 80-bit value, the sum is
 *   computed exactly and rounded once, and %.17Lf is produced from the exact
 *   binary value with round-half-even. The result is bit-for-bit what
 *   redis-server 7.0.15 on x86-64 produces, including the long-double range
 *   (INCRBYFLOAT k 1e308 twice gives a 309-digit integer, "1e400" is a valid
 *   increment, "1e-400" is valid and prints as "0"). The one platform caveat:
 *   Redis builds where long double is not the x87 format (e.g. aarch64 with
 *   binary128, or MSVC-style 64-bit long double) print different digits; we
 *   follow x86-64.
 *   formatIncrByFloat(number) formats a binary64 value the same way; it is
 *   exact for that value, but note that a real INCRBYFLOAT result is the
 *   long-double sum, which generally is NOT a binary64 value (10.5 + 0.1 in
 *   binary64 is 10.5999999999999996447..., which %.17Lf shows as
 *   "10.59999999999999964", while Redis answers "10.6"). Commands should use
 *   parseLongDouble + longDoubleAdd + formatLongDoubleHuman instead.
 *
 * Known differences from redis-server 7.0.15 (glibc, x86-64):
 *   - glibc's strtold mis-rounds one family of hexadecimal inputs right at the
 *     subnormal underflow boundary: exactly (1 + 2^-64) * 2^-16446 (however it
 *     is spelled, e.g. "0x1.0000000000000001p-16446") comes back as 0 with
 *     ERANGE, so Redis rejects it; we round it to the smallest subnormal as
 *     IEEE requires and accept it (it then prints as "0"). All decimal inputs
 *     and all other hex inputs tried (fuzzed against the server) agree.
 *   - Not a difference in this module, but worth knowing for callers: a
 *     listpack-encoded zset stores a -0 score as "0" (ZADD z -0 m; ZSCORE gives
 *     "0"), while a skiplist zset keeps -0 and formatDouble(-0) is "-0" as
 *     addReplyDouble prints it.
 */

// ---------------------------------------------------------------------------
// 64-bit integers
// ---------------------------------------------------------------------------

export const INT64_MIN = -9223372036854775808n;
export const INT64_MAX = 9223372036854775807n;

const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 2^53 - 1
const MAX_SAFE_DIV10 = Math.floor(MAX_SAFE / 10);
const BIG_MAX_SAFE = BigInt(MAX_SAFE);

/** Shared core of the integer parsers: result is number | bigint | null. */
function parseInt64Core(buf: Uint8Array, start: number, len: number, wantBig: boolean): number | bigint | null {
  // string2ll: empty or >= LONG_STR_SIZE (21) bytes is never a number.
  if (len <= 0 || len > 20) return null;
  let i = start;
  const end = start + len;
  let c = buf[i]!;
  if (len === 1 && c === 0x30) return wantBig ? 0n : 0;
  let neg = false;
  if (c === 0x2d) {
    neg = true;
    i++;
    if (i === end) return null;
    c = buf[i]!;
  }
  if (c < 0x31 || c > 0x39) return null; // first digit must be 1-9
  let v = c - 0x30;
  i++;
  // Accumulate in a double while it stays an exact safe integer.
  for (; i < end; i++) {
    c = buf[i]!;
    if (c < 0x30 || c > 0x39) return null;
    const d = c - 0x30;
    if (v > MAX_SAFE_DIV10) break;
    const nv = v * 10 + d;
    if (nv > MAX_SAFE) break;
    v = nv;
  }
  if (i === end) {
    if (wantBig) return BigInt(neg ? -v : v);
    return neg ? -v : v;
  }
  // Slow path: more digits than a safe integer holds (at most 19 digits total).
  let big = BigInt(v);
  for (; i < end; i++) {
    c = buf[i]!;
    if (c < 0x30 || c > 0x39) return null;
    big = big * 10n + BigInt(c - 0x30);
  }
  if (neg) big = -big;
  if (big < INT64_MIN || big > INT64_MAX) return null;
  if (!wantBig && big >= -BIG_MAX_SAFE && big <= BIG_MAX_SAFE) return Number(big);
  return big;
}

/**
 * Redis string2ll. Returns the value as a number when it is a safe integer
 * (|v| <= 2^53-1, no BigInt involved), as a bigint when it is a valid int64
 * beyond that, and null when the bytes are not a canonical int64.
 */
export function parseInt64(buf: Uint8Array, start: number, len: number): number | bigint | null {
  return parseInt64Core(buf, start, len, false);
}

/** Redis string2ll, always producing a bigint (null when invalid). */
export function parseLongLongBig(buf: Uint8Array, start: number, len: number): bigint | null {
  return parseInt64Core(buf, start, len, true) as bigint | null;
}

/**
 * Redis string2ll for number-only callers (indices, counts, timeouts).
 * Returns NaN when the bytes are not a canonical int64. Otherwise returns the
 * value as a double: exact when Number.isSafeInteger(result); for a valid
 * int64 outside the safe range it is the nearest double (ordering and sign
 * preserved, good for clamping), and parseLongLongBig gives the exact value.
 */
export function parseLongLong(buf: Uint8Array, start: number, len: number): number {
  const r = parseInt64Core(buf, start, len, false);
  if (r === null) return NaN;
  return typeof r === 'number' ? r : Number(r);
}

/**
 * Would Redis store these bytes with the `int` encoding? (tryObjectEncoding:
 * len <= 20 && string2l(); long is 64-bit on the platforms we mirror.) True
 * exactly for the canonical decimal spelling of an int64.
 */
export function isCanonicalInt64(buf: Uint8Array, start: number, len: number): boolean {
  return parseInt64Core(buf, start, len, false) !== null;
}

/** Digits of a non-negative safe integer, by comparison (no division). */
function decimalDigits(v: number): number {
  if (v < 1e8) {
    if (v < 1e4) return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : 4;
    return v < 1e5 ? 5 : v < 1e6 ? 6 : v < 1e7 ? 7 : 8;
  }
  let n = 9;
  for (let t = 1e9; v >= t && n < 16; t *= 10) n++;
  return n;
}

/** Number of bytes ll2string would produce for an integer. */
export function int64ByteLength(value: number | bigint): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) {
      return value < 0 ? 1 + decimalDigits(-value) : decimalDigits(value);
    }
    value = BigInt(value);
  }
  return value.toString().length;
}

/**
 * Writes the decimal digits of an integer (ll2string) into `out` at `offset`
 * and returns the offset just past the last byte. Safe-integer numbers are
 * written without allocating. `out` must have room (see int64ByteLength).
 * Non-integral numbers are not accepted (they throw via BigInt()).
 */
export function formatInt64(value: number | bigint, out: Uint8Array, offset: number): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    let v = value;
    if (v < 0) {
      out[offset++] = 0x2d;
      v = -v;
    }
    // Count digits, then fill from the right (int32 arithmetic while it fits: much faster).
    let p = offset + decimalDigits(v);
    const endOff = p;
    while (v > 0x7fffffff) {
      const q = Math.floor(v / 10);
      out[--p] = 0x30 + (v - q * 10);
      v = q;
    }
    let w = v | 0;
    do {
      const q = (w / 10) | 0;
      out[--p] = 0x30 + (w - q * 10);
      w = q;
    } while (w > 0);
    return endOff;
  }
  const s = (typeof value === 'bigint' ? value : BigInt(value)).toString();
  for (let i = 0; i < s.length; i++) out[offset + i] = s.charCodeAt(i);
  return offset + s.length;
}

/** ll2string into a fresh Uint8Array (convenience; allocates). */
export function int64ToBytes(value: number | bigint): Uint8Array {
  const out = new Uint8Array(int64ByteLength(value));
  formatInt64(value, out, 0);
  return out;
}

// ---------------------------------------------------------------------------
// strtod-compatible scanning
// ---------------------------------------------------------------------------

const KIND_NONE = 0; // no conversion possible
const KIND_DEC = 1;
const KIND_HEX = 2;
const KIND_INF = 3;
const KIND_NAN = 4;

/*
 * Scratch filled by scanFloat (no allocation). For KIND_DEC: digits live in
 * [intStart, intEnd) and [fracStart, fracEnd), the exponent value (saturated
 * to +-EXP_SAT) in `exp`. For KIND_HEX the same fields describe hex digits and
 * a binary exponent. `nonzero` tells whether any mantissa digit is non-zero.
 */
let scNeg = false;
let scIntStart = 0;
let scIntEnd = 0;
let scFracStart = 0;
let scFracEnd = 0;
let scExp = 0;
let scNonzero = false;
let scEnd = 0;

const EXP_SAT = 1_000_000_000;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Case-insensitive match of an ASCII lowercase word at buf[i..]. */
function matchWord(buf: Uint8Array, i: number, end: number, word: string): boolean {
  if (end - i < word.length) return false;
  for (let k = 0; k < word.length; k++) {
    if ((buf[i + k]! | 0x20) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** Parses an optional exponent "[eEpP][+-]?digits" at i; returns new index (i if absent/invalid). */
function scanExponent(buf: Uint8Array, i: number, end: number, marker: number): number {
  if (i >= end || (buf[i]! | 0x20) !== marker) return i;
  let j = i + 1;
  let neg = false;
  if (j < end && (buf[j] === 0x2b || buf[j] === 0x2d)) {
    neg = buf[j] === 0x2d;
    j++;
  }
  if (j >= end || !isDigit(buf[j]!)) return i; // strtod leaves the 'e' unconsumed
  let e = 0;
  for (; j < end && isDigit(buf[j]!); j++) {
    if (e < EXP_SAT) e = e * 10 + (buf[j]! - 0x30);
  }
  if (e > EXP_SAT) e = EXP_SAT;
  scExp = neg ? -e : e;
  return j;
}

/**
 * Scans the longest prefix of buf[i, end) that glibc strtod would convert
 * (leading whitespace NOT skipped). Returns the kind; scEnd is the end of the
 * converted prefix.
 */
function scanFloat(buf: Uint8Array, i: number, end: number): number {
  scNeg = false;
  scExp = 0;
  scNonzero = false;
  scEnd = i;
  if (i < end && (buf[i] === 0x2b || buf[i] === 0x2d)) {
    scNeg = buf[i] === 0x2d;
    i++;
  }
  if (i >= end) return KIND_NONE;
  const c0 = buf[i]! | 0x20;
  if (c0 === 0x69 /* i */) {
    if (!matchWord(buf, i, end, 'inf')) return KIND_NONE;
    scEnd = matchWord(buf, i, end, 'infinity') ? i + 8 : i + 3;
    return KIND_INF;
  }
  if (c0 === 0x6e /* n */) {
    if (!matchWord(buf, i, end, 'nan')) return KIND_NONE;
    let j = i + 3;
    // "nan(n-char-sequence)" is consumed whole when the ')' is present.
    if (j < end && buf[j] === 0x28) {
      let k = j + 1;
      while (k < end) {
        const c = buf[k]!;
        const l = c | 0x20;
        if (isDigit(c) || (l >= 0x61 && l <= 0x7a) || c === 0x5f) k++;
        else break;
      }
      if (k < end && buf[k] === 0x29) j = k + 1;
    }
    scEnd = j;
    return KIND_NAN;
  }
  // Hexadecimal: "0x" followed by at least one hex digit (before or after '.').
  if (buf[i] === 0x30 && i + 1 < end && (buf[i + 1]! | 0x20) === 0x78) {
    let j = i + 2;
    const intStart = j;
    while (j < end && hexVal(buf[j]!) >= 0) {
      if (buf[j] !== 0x30) scNonzero = true;
      j++;
    }
    const intEnd = j;
    let fracStart = j;
    let fracEnd = j;
    if (j < end && buf[j] === 0x2e) {
      fracStart = j + 1;
      let k = fracStart;
      while (k < end && hexVal(buf[k]!) >= 0) {
        if (buf[k] !== 0x30) scNonzero = true;
        k++;
      }
      fracEnd = k;
    }
    if (intEnd > intStart || fracEnd > fracStart) {
      scIntStart = intStart;
      scIntEnd = intEnd;
      scFracStart = fracStart;
      scFracEnd = fracEnd;
      // A '.' is consumed even without digits after it ("0x1.").
      j = fracStart > intEnd ? fracEnd : intEnd;
      scEnd = scanExponent(buf, j, end, 0x70 /* p */);
      return KIND_HEX;
    }
    // "0x" without hex digits: strtod converts the "0" and stops at 'x'.
    scNonzero = false;
    scIntStart = i;
    scIntEnd = i + 1;
    scFracStart = scFracEnd = i + 1;
    scEnd = i + 1;
    return KIND_DEC;
  }
  // Decimal.
  let j = i;
  const intStart = j;
  while (j < end && isDigit(buf[j]!)) {
    if (buf[j] !== 0x30) scNonzero = true;
    j++;
  }
  const intEnd = j;
  let fracStart = j;
  let fracEnd = j;
  if (j < end && buf[j] === 0x2e) {
    fracStart = j + 1;
    let k = fracStart;
    while (k < end && isDigit(buf[k]!)) {
      if (buf[k] !== 0x30) scNonzero = true;
      k++;
    }
    fracEnd = k;
  }
  if (intEnd === intStart && fracEnd === fracStart) return KIND_NONE; // no digits
  scIntStart = intStart;
  scIntEnd = intEnd;
  scFracStart = fracStart;
  scFracEnd = fracEnd;
  // A '.' right after the integer digits is consumed even with no fraction digits ("5.").
  j = fracStart > intEnd ? fracEnd : intEnd;
  scEnd = scanExponent(buf, j, end, 0x65 /* e */);
  return KIND_DEC;
}

// Exact powers of ten representable in binary64 (Clinger's fast path).
const POW10: number[] = [];
for (let k = 0, p = 1; k <= 22; k++, p *= 10) POW10.push(p);

function latin1(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
  return s;
}

/** Value of the decimal number described by the scratch fields, as strtod rounds it. */
function decimalToDouble(buf: Uint8Array, start: number): number {
  if (!scNonzero) return scNeg ? -0 : 0;
  // Fast path: <= 15 significant digits and a small power of ten give a
  // correctly rounded result with one IEEE operation.
  let m = 0;
  let nd = 0;
  let k = scIntStart;
  while (k < scIntEnd && buf[k] === 0x30) k++; // leading zeros
  for (; k < scIntEnd; k++) {
    m = m * 10 + (buf[k]! - 0x30);
    nd++;
  }
  let fracDigits = 0;
  k = scFracStart;
  if (nd === 0) {
    while (k < scFracEnd && buf[k] === 0x30) {
      k++;
      fracDigits++;
    }
  }
  for (; k < scFracEnd; k++) {
    m = m * 10 + (buf[k]! - 0x30);
    nd++;
    fracDigits++;
  }
  const e10 = scExp - fracDigits;
  if (nd <= 15 && e10 >= -22 && e10 <= 22) {
    const v = e10 >= 0 ? m * POW10[e10]! : m / POW10[-e10]!;
    return scNeg ? -v : v;
  }
  // General case: Number() is correctly rounded like glibc's strtod, and the
  // text has already been validated as a plain decimal literal.
  return Number(latin1(buf, start, scEnd));
}

// ---------------------------------------------------------------------------
// Binary floating point rounding on BigInt (shared by binary64 and x87 80-bit)
// ---------------------------------------------------------------------------

function bitLength(x: bigint): number {
  // x > 0
  const h = x.toString(16);
  const top = parseInt(h[0]!, 16);
  return (h.length - 1) * 4 + (32 - Math.clz32(top));
}

interface FloatFormat {
  /** Significand bits (including the integer bit). */
  readonly prec: number;
  /** Exponent of the least significant significand bit of the smallest subnormal. */
  readonly minExp: number;
  /** Values >= 2^ovf overflow to infinity. */
  readonly ovf: number;
}

const BINARY64: FloatFormat = { prec: 53, minExp: -1074, ovf: 1024 };
const X87: FloatFormat = { prec: 64, minExp: -16445, ovf: 16384 };

/** Result scratch of roundBinary: value = rMant * 2^rExp; rMant === -1n means overflow. */
let rMant = 0n;
let rExp = 0;

/**
 * Rounds the positive value M * 2^E (plus "a little more" when sticky) to the
 * format, round-to-nearest-even. When sticky is set, M must carry at least
 * prec + 2 bits so the sticky part lies strictly below the rounding bit.
 */
function roundBinary(M: bigint, E: number, sticky: boolean, f: FloatFormat): void {
  if (M === 0n) {
    rMant = 0n;
    rExp = 0;
    return;
  }
  const bl = bitLength(M);
  let exp = E + bl - f.prec;
  if (exp < f.minExp) exp = f.minExp;
  const shift = exp - E;
  let mant: bigint;
  if (shift <= 0) {
    mant = M << BigInt(-shift);
  } else {
    const sh = BigInt(shift);
    mant = M >> sh;
    const rem = M - (mant << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (sticky || (mant & 1n) === 1n))) mant += 1n;
    if (mant === 1n << BigInt(f.prec)) {
      mant >>= 1n;
      exp++;
    }
  }
  if (mant === 0n) {
    rMant = 0n;
    rExp = 0;
    return;
  }
  if (exp + bitLength(mant) > f.ovf) {
    rMant = -1n;
    return;
  }
  rMant = mant;
  rExp = exp;
}

/**
 * Exact decimal digits D * 10^K to the format (D > 0). nd = number of digits
 * of D (for range pre-checks that avoid building absurd powers of ten).
 */
function roundDecimal(D: bigint, nd: number, K: number, f: FloatFormat): void {
  // Bounds that are certainly beyond the format's range (with slack).
  const maxDec = Math.ceil(f.ovf * Math.LOG10E * Math.LN2) + 1; // 10^maxDec > 2^ovf
  const minDec = Math.floor(f.minExp * Math.LOG10E * Math.LN2) - 2; // 10^minDec < half the smallest subnormal
  if (nd - 1 + K >= maxDec) {
    rMant = -1n;
    return;
  }
  if (nd + K < minDec) {
    rMant = 0n;
    rExp = 0;
    return;
  }
  if (K >= 0) {
    roundBinary(D * 10n ** BigInt(K), 0, false, f);
    return;
  }
  const den = 10n ** BigInt(-K);
  let s = bitLength(den) - bitLength(D) + f.prec + 2;
  if (s < 0) s = 0;
  const num = D << BigInt(s);
  const q = num / den;
  const r = num - q * den;
  roundBinary(q, -s, r !== 0n, f);
}

/** Rounds the hex float described by the scratch fields to the format (result in rMant/rExp). */
function roundHexScratch(buf: Uint8Array, f: FloatFormat): void {
  let M = 0n;
  let fracBits = 0;
  for (let k = scIntStart; k < scIntEnd; k++) M = (M << 4n) | BigInt(hexVal(buf[k]!));
  for (let k = scFracStart; k < scFracEnd; k++) {
    M = (M << 4n) | BigInt(hexVal(buf[k]!));
    fracBits += 4;
  }
  if (M === 0n) {
    rMant = 0n;
    rExp = 0;
    return;
  }
  const E = scExp - fracBits;
  const top = E + bitLength(M); // value < 2^top
  if (top > f.ovf + 1) {
    rMant = -1n;
    return;
  }
  if (top < f.minExp - 1) {
    rMant = 0n;
    rExp = 0;
    return;
  }
  roundBinary(M, E, false, f);
}

function scratchToDouble(): number {
  // rMant < 2^53, rExp in [-1074, 971]: both factors exact, product exact.
  const m = Number(rMant);
  if (rExp >= -1022) return m * 2 ** rExp;
  return m * 2 ** -1022 * 2 ** (rExp + 1022);
}

// ---------------------------------------------------------------------------
// Doubles
// ---------------------------------------------------------------------------

function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * Redis string2d (getDoubleFromObject): returns the value, or NaN when the
 * bytes are not accepted. +-Infinity are valid results ("inf", "-Infinity").
 */
export function parseDouble(buf: Uint8Array, start: number, len: number): number {
  if (len <= 0) return NaN;
  const end = start + len;
  const c = buf[start]!;
  // Fast path: short plain non-negative integers ("1", "42", "1000").
  if (len <= 15 && c >= 0x30 && c <= 0x39) {
    let v = 0;
    let i = start;
    for (; i < end; i++) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (i === end) return v;
  }
  if (isCSpace(c)) return NaN;
  const kind = scanFloat(buf, start, end);
  if (kind === KIND_NONE || kind === KIND_NAN || scEnd !== end) return NaN;
  return scratchValueAsDouble(buf, start, kind, true);
}

function scratchValueAsDouble(buf: Uint8Array, start: number, kind: number, rejectRange: boolean): number {
  if (kind === KIND_INF) return scNeg ? -Infinity : Infinity;
  let v: number;
  if (kind === KIND_DEC) {
    v = decimalToDouble(buf, start);
  } else {
    roundHexScratch(buf, BINARY64);
    if (rMant === -1n) v = Infinity;
    else v = scratchToDouble();
    if (scNeg) v = -v;
  }
  if (rejectRange) {
    // ERANGE: overflow to +-HUGE_VAL, or a non-zero input that became zero.
    if (v === Infinity || v === -Infinity) return NaN;
    if (v === 0 && scNonzero) return NaN;
  }
  return v;
}

/**
 * The looser check Redis uses for ZRANGEBYSCORE/ZCOUNT/... ranges
 * (zslParseRange: `strtod(s, &eptr); if (eptr[0] != '\0' || isnan(v)) error`):
 * leading whitespace is skipped, overflow gives +-Infinity, underflow gives 0,
 * the empty string is 0, and parsing may stop at an embedded NUL byte (the C
 * string ends there). Returns NaN when invalid. Pass the bytes after any '('.
 */
export function parseDoubleStrtod(buf: Uint8Array, start: number, len: number): number {
  const end = start + len;
  let i = start;
  while (i < end && isCSpace(buf[i]!)) i++;
  const kind = scanFloat(buf, i, end);
  if (kind === KIND_NONE) {
    // No conversion: eptr = s, so only an empty C string is accepted.
    return len === 0 || buf[start] === 0 ? 0 : NaN;
  }
  if (kind === KIND_NAN) return NaN;
  if (scEnd !== end && buf[scEnd] !== 0) return NaN;
  return scratchValueAsDouble(buf, i, kind, false);
}

const TWO25 = 33554432; // 2^25

/**
 * printf("%.17g", value) as glibc prints it (addReplyDouble in Redis 7.0).
 * NaN prints as "nan" (Redis never has NaN scores).
 */
export function formatDouble(value: number): string {
  if (value !== value) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  if (Number.isSafeInteger(value)) return String(value); // <= 16 digits, exact
  const neg = value < 0;
  const x = neg ? -value : value;
  const s = x.toExponential(16); // "d.dddddddddddddddde+X"
  const ePos = s.indexOf('e');
  let digits = s[0]! + s.slice(2, ePos);
  let exp = Number(s.slice(ePos + 1));
  // Possible exact tie at the 18th significant digit? (see header comment)
  if (x < 2 ** 53 && Number.isInteger(x * TWO25)) {
    const s18 = x.toExponential(17);
    const e18 = s18.indexOf('e');
    if (s18.charCodeAt(e18 - 1) === 0x35 /* '5' */) {
      const exact = (BigInt(x * TWO25) * 5n ** 25n).toString(); // x * 10^25
      const sig = exact.replace(/0+$/, '');
      if (sig.length === 18) {
        // Genuine tie: round half to even instead of away from zero.
        const d17 = BigInt(sig.slice(0, 17));
        const rounded = (d17 & 1n) === 1n ? d17 + 1n : d17;
        let r = rounded.toString();
        exp = exact.length - 1 - 25;
        if (r.length > 17) {
          r = r.slice(0, 17);
          exp++;
        }
        digits = r;
      }
    }
  }
  return (neg ? '-' : '') + layoutG(digits, exp);
}

/** %g layout for 17 significant digits `digits` (length 17) with decimal exponent `exp`. */
function layoutG(digits: string, exp: number): string {
  if (exp >= -4 && exp < 17) {
    let intPart: string;
    let frac: string;
    if (exp >= 0) {
      intPart = digits.slice(0, exp + 1);
      frac = digits.slice(exp + 1);
    } else {
      intPart = '0';
      frac = '0'.repeat(-exp - 1) + digits;
    }
    frac = stripZeros(frac);
    return frac.length > 0 ? intPart + '.' + frac : intPart;
  }
  const frac = stripZeros(digits.slice(1));
  const ae = exp < 0 ? -exp : exp;
  return (
    digits[0]! + (frac.length > 0 ? '.' + frac : '') + (exp < 0 ? 'e-' : 'e+') + (ae < 10 ? '0' + ae : String(ae))
  );
}

function stripZeros(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 0x30) e--;
  return e === s.length ? s : s.slice(0, e);
}

// ---------------------------------------------------------------------------
// x87 long double (INCRBYFLOAT / HINCRBYFLOAT)
// ---------------------------------------------------------------------------

/**
 * An x87 80-bit extended value. Finite values are (-1)^neg * mant * 2^exp with
 * 0 <= mant < 2^64 (mant === 0n is a zero, signed by neg). `kind`: 0 finite,
 * 1 infinity, 2 NaN.
 */
export interface LongDouble {
  readonly neg: boolean;
  readonly mant: bigint;
  readonly exp: number;
  readonly kind: 0 | 1 | 2;
}

const LD_POS_ZERO: LongDouble = { neg: false, mant: 0n, exp: 0, kind: 0 };
const LD_NEG_ZERO: LongDouble = { neg: true, mant: 0n, exp: 0, kind: 0 };
const LD_POS_INF: LongDouble = { neg: false, mant: 0n, exp: 0, kind: 1 };
const LD_NEG_INF: LongDouble = { neg: true, mant: 0n, exp: 0, kind: 1 };
const LD_NAN: LongDouble = { neg: false, mant: 0n, exp: 0, kind: 2 };

/** MAX_LONG_DOUBLE_CHARS in Redis: string2ld rejects inputs this long or longer. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

function ldFromScratch(neg: boolean): LongDouble {
  if (rMant === -1n) return neg ? LD_NEG_INF : LD_POS_INF;
  if (rMant === 0n) return neg ? LD_NEG_ZERO : LD_POS_ZERO;
  return { neg, mant: rMant, exp: rExp, kind: 0 };
}

/**
 * Redis string2ld (strtold with the string2d rules above, length < 5120).
 * Returns null when Redis would answer "value is not a valid float". The
 * result may be infinite ("inf"), never NaN.
 */
export function parseLongDouble(buf: Uint8Array, start: number, len: number): LongDouble | null {
  if (len <= 0 || len >= MAX_LONG_DOUBLE_CHARS) return null;
  const end = start + len;
  if (isCSpace(buf[start]!)) return null;
  const kind = scanFloat(buf, start, end);
  if (kind === KIND_NONE || kind === KIND_NAN || scEnd !== end) return null;
  const neg = scNeg;
  if (kind === KIND_INF) return neg ? LD_NEG_INF : LD_POS_INF;
  if (!scNonzero) return neg ? LD_NEG_ZERO : LD_POS_ZERO;
  if (kind === KIND_HEX) {
    roundHexScratch(buf, X87);
  } else {
    // Collect significant digits (leading zeros skipped) and the exponent.
    let s = '';
    let k = scIntStart;
    while (k < scIntEnd && buf[k] === 0x30) k++;
    for (; k < scIntEnd; k++) s += String.fromCharCode(buf[k]!);
    const fracDigits = scFracEnd - scFracStart;
    k = scFracStart;
    if (s.length === 0) while (k < scFracEnd && buf[k] === 0x30) k++;
    for (; k < scFracEnd; k++) s += String.fromCharCode(buf[k]!);
    const K = scExp - fracDigits;
    roundDecimal(BigInt(s), s.length, K, X87);
  }
  // ERANGE: overflow or underflow to zero is rejected.
  if (rMant === -1n || rMant === 0n) return null;
  return ldFromScratch(neg);
}

/** The exact long double value of a binary64 number. */
export function longDoubleFromNumber(value: number): LongDouble {
  if (value !== value) return LD_NAN;
  if (value === Infinity) return LD_POS_INF;
  if (value === -Infinity) return LD_NEG_INF;
  if (value === 0) return Object.is(value, -0) ? LD_NEG_ZERO : LD_POS_ZERO;
  const neg = value < 0;
  let x = neg ? -value : value;
  // Scale into [2^52, 2^53) to read off an integral significand exactly.
  let e = 0;
  while (x >= 2 ** 53) {
    x /= 2 ** 32;
    e += 32;
  }
  while (x < 2 ** 52) {
    x *= 2 ** 32;
    e -= 32;
  }
  while (x >= 2 ** 53) {
    x /= 2;
    e += 1;
  }
  if (!Number.isInteger(x)) {
    // Only reachable if a scaling step above was inexact, which power-of-two
    // scaling of a finite double never is; kept as a safety net.
    throw new RangeError('longDoubleFromNumber: inexact decomposition');
  }
  return { neg, mant: BigInt(x), exp: e, kind: 0 };
}

/** (long double)v for an int64 (exact: int64 fits in the 64-bit significand). */
export function longDoubleFromInt64(value: number | bigint): LongDouble {
  if (typeof value === 'number') return longDoubleFromNumber(value);
  if (value === 0n) return LD_POS_ZERO;
  const neg = value < 0n;
  return { neg, mant: neg ? -value : value, exp: 0, kind: 0 };
}

/** The long double rounded to binary64 (nearest even; overflow -> +-Infinity). */
export function longDoubleToNumber(x: LongDouble): number {
  if (x.kind === 2) return NaN;
  if (x.kind === 1) return x.neg ? -Infinity : Infinity;
  if (x.mant === 0n) return x.neg ? -0 : 0;
  roundBinary(x.mant, x.exp, false, BINARY64);
  const v = rMant === -1n ? Infinity : rMant === 0n ? 0 : scratchToDouble();
  return x.neg ? -v : v;
}

export function longDoubleIsFinite(x: LongDouble): boolean {
  return x.kind === 0;
}

/** a + b in x87 extended precision, round to nearest even. */
export function longDoubleAdd(a: LongDouble, b: LongDouble): LongDouble {
  if (a.kind === 2 || b.kind === 2) return LD_NAN;
  if (a.kind === 1 || b.kind === 1) {
    if (a.kind === 1 && b.kind === 1 && a.neg !== b.neg) return LD_NAN;
    return a.kind === 1 ? a : b;
  }
  if (a.mant === 0n && b.mant === 0n) return a.neg && b.neg ? LD_NEG_ZERO : LD_POS_ZERO;
  if (a.mant === 0n) return b;
  if (b.mant === 0n) return a;
  const e = a.exp < b.exp ? a.exp : b.exp;
  let A = a.mant << BigInt(a.exp - e);
  let B = b.mant << BigInt(b.exp - e);
  if (a.neg) A = -A;
  if (b.neg) B = -B;
  const S = A + B;
  if (S === 0n) return LD_POS_ZERO; // x + (-x) is +0 in round-to-nearest
  const neg = S < 0n;
  roundBinary(neg ? -S : S, e, false, X87);
  return ldFromScratch(neg);
}

const TEN17 = 10n ** 17n;

/**
 * ld2string(..., LD_STR_HUMAN): printf("%.17Lf") then strip trailing zeros
 * (and a trailing '.'), and "-0" becomes "0". Infinity prints "inf"/"-inf".
 */
export function formatLongDoubleHuman(x: LongDouble): string {
  if (x.kind === 1) return x.neg ? '-inf' : 'inf';
  if (x.kind === 2) return 'nan';
  let intPart: bigint;
  let frac: bigint;
  if (x.exp >= 0) {
    intPart = x.mant << BigInt(x.exp);
    frac = 0n;
  } else {
    const sh = BigInt(-x.exp);
    const scaled = x.mant * TEN17;
    let q = scaled >> sh;
    const rem = scaled - (q << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    intPart = q / TEN17;
    frac = q - intPart * TEN17;
  }
  let out = intPart.toString();
  if (frac !== 0n) out += '.' + stripZeros(frac.toString().padStart(17, '0'));
  if (x.neg && out !== '0') out = '-' + out;
  return out;
}

/**
 * Formats a binary64 value exactly the way INCRBYFLOAT prints a long double
 * holding that same value ("%.17Lf", trailing zeros removed). Only equal to
 * Redis's reply when the long-double sum happens to be this double; see the
 * header comment and use parseLongDouble/longDoubleAdd/formatLongDoubleHuman
 * for the command itself. Infinity/NaN print as "inf"/"-inf"/"nan".
 */
export function formatIncrByFloat(value: number): string {
  return formatLongDoubleHuman(longDoubleFromNumber(value));
}

// The bit helpers of src/util/bits.ts against a naive bit-by-bit model, on random inputs.
import { describe, expect, it } from 'vitest';
import {
  OVERFLOW_FAIL, OVERFLOW_SAT, OVERFLOW_WRAP, countBitRange, findBit, fitField, fitFieldBig, getFieldBig, getFieldI32, getFieldU32,
  popcount, setField32, setFieldBig,
} from '../../src/util/bits.ts';

/** A seeded xorshift32, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function randomBytes(r: () => number, n: number, bias: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = r();
    // Mix runs of 0x00 / 0xff (what findBit skips) with random bytes.
    b[i] = x < bias ? 0 : x < 2 * bias ? 0xff : Math.floor(r() * 256);
  }
  return b;
}

function bitAt(b: Uint8Array, off: number, len: number, i: number): number {
  const byte = Math.floor(i / 8);
  return byte < len ? (b[off + byte] >> (7 - (i % 8))) & 1 : 0;
}

function naiveField(b: Uint8Array, off: number, len: number, bitOff: number, bits: number): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i++) v = (v << 1n) | BigInt(bitAt(b, off, len, bitOff + i));
  return v;
}

function naiveSet(b: Uint8Array, off: number, bitOff: number, bits: number, value: bigint): void {
  const v = BigInt.asUintN(bits, value);
  for (let i = 0; i < bits; i++) {
    const bit = Number((v >> BigInt(bits - 1 - i)) & 1n);
    const p = off + Math.floor((bitOff + i) / 8);
    const m = 1 << (7 - ((bitOff + i) % 8));
    b[p] = bit ? b[p] | m : b[p] & ~m;
  }
}

/**
 * Redis's overflow check emulated literally on 64-bit machine integers (value = the old field or
 * the SET value, incr = the increment or 0): the limits are compared against differences that
 * may wrap around in 64 bits, which is where the SET-of-a-huge-negative quirk comes from.
 */
function redisFit(value: bigint, incr: bigint, bits: number, signed: boolean, mode: number): bigint | null {
  const i64 = (x: bigint): bigint => BigInt.asIntN(64, x);
  let over = 0;
  let max: bigint;
  let min: bigint;
  let wrapped: bigint;
  if (signed) {
    max = bits === 64 ? 2n ** 63n - 1n : 2n ** BigInt(bits - 1) - 1n;
    min = -max - 1n;
    const maxIncr = i64(max - value);
    const minIncr = i64(min - value);
    if (value > max || (bits !== 64 && incr > maxIncr) || (value >= 0n && incr > 0n && incr > maxIncr)) over = 1;
    else if (value < min || (bits !== 64 && incr < minIncr) || (value < 0n && incr < 0n && incr < minIncr)) over = -1;
    wrapped = BigInt.asIntN(bits, i64(value + incr));
  } else {
    const u = BigInt.asUintN(64, value);
    min = 0n;
    max = 2n ** BigInt(bits) - 1n;
    const maxIncr = i64(max - u);
    const minIncr = i64(-u);
    if (u > max || (incr > 0n && incr > maxIncr)) over = 1;
    else if (incr < 0n && incr < minIncr) over = -1;
    wrapped = BigInt.asUintN(bits, u + incr);
  }
  if (over === 0) return value + incr;
  if (mode === OVERFLOW_FAIL) return null;
  if (mode === OVERFLOW_SAT) return over > 0 ? max : min;
  return wrapped;
}

describe('popcount and countBitRange', () => {
  it('match a bit-by-bit count', () => {
    const r = rng(1);
    for (let t = 0; t < 300; t++) {
      const len = 1 + Math.floor(r() * 300);
      const pad = Math.floor(r() * 5);
      const b = randomBytes(r, len + pad, 0.2);
      let whole = 0;
      for (let i = 0; i < len * 8; i++) whole += bitAt(b, pad, len, i);
      expect(popcount(b, pad, pad + len)).toBe(whole);
      const s = Math.floor(r() * len * 8);
      const e = s + Math.floor(r() * (len * 8 - s));
      let n = 0;
      for (let i = s; i <= e; i++) n += bitAt(b, pad, len, i);
      expect(countBitRange(b, pad, s, e)).toBe(n);
    }
  });
});

describe('findBit', () => {
  it('finds the first wanted bit in a range, or -1', () => {
    const r = rng(2);
    for (let t = 0; t < 1000; t++) {
      const len = 1 + Math.floor(r() * 40);
      const b = randomBytes(r, len, 0.45);
      const s = Math.floor(r() * len * 8);
      const e = s + Math.floor(r() * (len * 8 - s));
      for (const bit of [0, 1]) {
        let want = -1;
        for (let i = s; i <= e; i++) {
          if (bitAt(b, 0, len, i) === bit) {
            want = i;
            break;
          }
        }
        expect(findBit(b, 0, s, e, bit)).toBe(want);
      }
    }
  });
});

describe('bitfield get and set', () => {
  it('read fields of every width like the naive model, zero past the end', () => {
    const r = rng(3);
    for (let t = 0; t < 2000; t++) {
      const len = Math.floor(r() * 12);
      const b = randomBytes(r, len + 2, 0.1);
      const bits = 1 + Math.floor(r() * 64);
      const bitOff = Math.floor(r() * (len * 8 + 16));
      const want = naiveField(b, 1, len, bitOff, bits);
      expect(getFieldBig(b, 1, len, bitOff, bits)).toBe(want);
      if (bits <= 32) {
        expect(getFieldU32(b, 1, len, bitOff, bits)).toBe(Number(want));
        expect(getFieldI32(b, 1, len, bitOff, bits)).toBe(Number(BigInt.asIntN(bits, want)));
      }
    }
  });

  it('write fields of every width like the naive model, leaving other bits alone', () => {
    const r = rng(4);
    for (let t = 0; t < 2000; t++) {
      const len = 9 + Math.floor(r() * 8);
      const a = randomBytes(r, len, 0.1);
      const b = a.slice();
      const bits = 1 + Math.floor(r() * 64);
      const bitOff = Math.floor(r() * (len * 8 - bits + 1));
      const value = BigInt.asIntN(64, BigInt(Math.floor(r() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(r() * 2 ** 32)));
      naiveSet(a, 0, bitOff, bits, value);
      if (bits <= 32 && t % 2 === 0) setField32(b, 0, bitOff, bits, Number(BigInt.asIntN(bits, value)));
      else setFieldBig(b, 0, bitOff, bits, value);
      expect(Array.from(b)).toEqual(Array.from(a));
    }
  });
});

describe('overflow rules', () => {
  const edges = (bits: number): bigint[] => {
    const p = 2n ** BigInt(bits);
    const out = [0n, 1n, -1n, p, p - 1n, p + 1n, -p, p / 2n, p / 2n - 1n, -(p / 2n), -(p / 2n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)];
    return out.filter((v) => v >= -(2n ** 63n) && v < 2n ** 63n);
  };

  it('fitFieldBig and fitField follow the model at every width edge', () => {
    const r = rng(5);
    for (let bits = 1; bits <= 64; bits++) {
      for (const signed of [false, true]) {
        if (!signed && bits === 64) continue;
        for (const mode of [OVERFLOW_WRAP, OVERFLOW_SAT, OVERFLOW_FAIL]) {
          const min = signed ? -(2n ** BigInt(bits - 1)) : 0n;
          const max = signed ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
          const olds = [min, max, 0n, BigInt(Math.floor(r() * Number(max - min))) + min];
          for (const v of edges(bits)) {
            // SET: the target is the value itself.
            const wantSet = redisFit(v, 0n, bits, signed, mode);
            expect(fitFieldBig(v, bits, signed, mode, true)).toBe(wantSet);
            if (bits <= 32 && v > -(2n ** 52n) && v < 2n ** 52n) {
              const n = fitField(Number(v), bits, signed, mode, true);
              expect(n === null ? null : BigInt(n)).toBe(wantSet);
            }
            // INCRBY: the target is old + increment.
            for (const old of olds) {
              const want = redisFit(old, v, bits, signed, mode);
              expect(fitFieldBig(old + v, bits, signed, mode, false)).toBe(want);
              if (bits <= 32 && v > -(2n ** 52n) && v < 2n ** 52n) {
                const n = fitField(Number(old + v), bits, signed, mode, false);
                expect(n === null ? null : BigInt(n)).toBe(want);
              }
            }
          }
        }
      }
    }
  });
});

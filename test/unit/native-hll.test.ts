// The native HyperLogLog against the TypeScript twin (src/store/hyperloglog.ts): MurmurHash64A,
// the bytes after PFADD sequences (sparse, dense, sparse->dense promotion at several
// hll-sparse-max-bytes), estimates, merges, PFMERGE write-backs, and corrupted values (truncated,
// flipped, random opcodes): same verdicts, same bytes, no out-of-bounds access. Seeded PRNG.
// Skips without the addon unless SPINDLE_REQUIRE_NATIVE=1.
import { describe, expect, it } from 'vitest';
import { addDense, addWork, applyMax } from '../../src/store/hll-batch.ts';
import {
  HLL_DENSE, HLL_DENSE_SIZE, HLL_EMPTY_SIZE, HLL_HDR_SIZE, HLL_REGISTERS, HllWork, denseAdd, denseSet, hllCount, isHllValue,
  mergeInto, murmurHash64A, rawCount, sparseSet, sparseToDense, workAdd, writeEmptyHll,
} from '../../src/store/hyperloglog.ts';
import { REQUIRE_NATIVE, Rng, addon, requireNativeCheck } from '../helpers/native.ts';

const n = addon;
requireNativeCheck();

function emptyWork(): HllWork {
  const w = new HllWork();
  const e = new Uint8Array(HLL_EMPTY_SIZE);
  writeEmptyHll(e, 0);
  w.load(e, 0, e.length);
  return w;
}

/** A PFADD's argv-like elements: random binary strings (empty ones included). */
function elements(rng: Rng, count: number): { buf: Uint8Array; offs: Int32Array; lens: Int32Array } {
  const offs = new Int32Array(count + 2);
  const lens = new Int32Array(count + 2);
  const parts: Uint8Array[] = [];
  let pos = rng.int(4);
  for (let j = 0; j < count; j++) {
    const len = rng.int(10) === 0 ? 0 : rng.int(24);
    offs[j] = pos;
    lens[j] = len;
    parts.push(rng.bytes(len));
    pos += len;
  }
  const buf = new Uint8Array(pos + 3);
  for (let j = 0; j < count; j++) buf.set(parts[j], offs[j]);
  return { buf, offs, lens };
}

/** The TypeScript PFADD loop: changed registers, or -1 - changed on corruption. */
function tsAdd(w: HllWork, maxBytes: number, e: ReturnType<typeof elements>, count: number): number {
  let updated = 0;
  for (let j = 0; j < count; j++) {
    const r = workAdd(w, e.buf, e.offs[j], e.lens[j], maxBytes);
    if (r < 0) return -1 - updated;
    updated += r;
  }
  return updated;
}

/** The TypeScript PFMERGE write-back. */
function tsApplyMax(w: HllWork, maxBytes: number, max: Uint8Array): void {
  for (let j = 0; j < HLL_REGISTERS; j++) {
    const m = max[j];
    if (m === 0) continue;
    if (w.buf[4] === HLL_DENSE) denseSet(w.buf, HLL_HDR_SIZE, j, m);
    else sparseSet(w, j, m, maxBytes);
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function expectSameBytes(a: Uint8Array, b: Uint8Array, what: string): void {
  if (a.length !== b.length || Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) {
    throw new Error(`${what}: bytes differ\nTS     ${hex(a).slice(0, 400)}\nnative ${hex(b).slice(0, 400)}`);
  }
}

/** TypeScript's opinion of a whole value: header check, then a full walk (mergeInto). */
function tsValid(v: Uint8Array): boolean {
  if (!isHllValue(v, 0, v.length)) return false;
  return mergeInto(new Uint8Array(HLL_REGISTERS), v, 0, v.length);
}

describe.skipIf(n === null && !REQUIRE_NATIVE)('native HyperLogLog', () => {
  it('MurmurHash64A: 5000 strings of 0..40 bytes', () => {
    const rng = new Rng(0x3a3a);
    for (let i = 0; i < 5000; i++) {
      const b = rng.bytes(rng.int(41));
      const o = rng.int(Math.max(1, b.length));
      expect(n!.murmur64a(b, o, b.length - o)).toBe(murmurHash64A(b, o, b.length - o));
    }
  });

  it('PFADD sequences: identical bytes, counts and estimates, sparse to dense (300 HLLs)', () => {
    const rng = new Rng(0x9fadd);
    const maxes = [0, 30, 200, 3000, 12000, 1e15];
    let promoted = 0;
    for (let h = 0; h < 300; h++) {
      const maxBytes = maxes[rng.int(maxes.length)];
      const ts = emptyWork();
      const nw = emptyWork();
      const rounds = 1 + rng.int(12);
      for (let r = 0; r < rounds; r++) {
        const count = rng.int(6) === 0 ? rng.int(400) : rng.int(8);
        const e = elements(rng, count);
        const dense = ts.buf[4] === HLL_DENSE;
        const want = tsAdd(ts, maxBytes, e, count);
        const got = addWork(nw, maxBytes, e.buf, e.offs, e.lens, 0, count);
        expect(got).toBe(want);
        expectSameBytes(ts.view(), nw.view(), `hll ${h} round ${r}`);
        expect(n!.hllCount(nw.buf, 0, nw.len)).toBe(hllCount(ts.buf, 0, ts.len));
        expect(n!.hllValid(nw.buf, 0, nw.len)).toBe(true);
        if (!dense && ts.buf[4] === HLL_DENSE) promoted++;
      }
      if (ts.buf[4] === HLL_DENSE) {
        // The dense in-place path (PFADD on the arena record).
        const a = ts.view().slice();
        const b = a.slice();
        const e = elements(rng, 50);
        let want = 0;
        for (let j = 0; j < 50; j++) want += denseAdd(a, 0, e.buf, e.offs[j], e.lens[j]);
        expect(n!.hllAddDense(b, 0, e.buf, e.offs, e.lens, 0, 50)).toBe(want);
        expect(addDense(b, 0, e.buf, e.offs, e.lens, 50, 50)).toBe(0);
        expectSameBytes(a, b, `dense ${h}`);
      }
    }
    expect(promoted).toBeGreaterThan(30);
  });

  it('merges, raw estimates and PFMERGE write-backs are identical (200 merges)', () => {
    const rng = new Rng(0x3e76e);
    for (let m = 0; m < 200; m++) {
      const sources: Uint8Array[] = [];
      for (let s = 1 + rng.int(4); s > 0; s--) {
        const w = emptyWork();
        const count = rng.int(3) === 0 ? 3000 : rng.int(200);
        const e = elements(rng, count);
        tsAdd(w, 3000, e, count);
        sources.push(w.view().slice());
      }
      const a = new Uint8Array(HLL_REGISTERS);
      const b = new Uint8Array(HLL_REGISTERS);
      for (const v of sources) {
        expect(n!.hllMerge(b, v, 0, v.length)).toBe(mergeInto(a, v, 0, v.length));
      }
      expectSameBytes(a, b, `merge ${m}`);
      expect(n!.hllRawCount(b)).toBe(rawCount(a));
      // Write the max back into a copy of the first source, as PFMERGE does.
      const maxBytes = [0, 300, 3000][rng.int(3)];
      const t1 = new HllWork();
      const t2 = new HllWork();
      t1.load(sources[0], 0, sources[0].length);
      t2.load(sources[0], 0, sources[0].length);
      if (rng.int(3) === 0) {
        expect(n!.hllToDense(t2.buf, Float64Array.of(t2.len, 0, 0, 0))).toBe(true);
        sparseToDense(t1);
        t2.len = t1.len;
      }
      tsApplyMax(t1, maxBytes, a);
      applyMax(t2, maxBytes, b);
      expectSameBytes(t1.view(), t2.view(), `pfmerge ${m}`);
    }
  });

  it('raw registers above 63 are ignored alike', () => {
    const rng = new Rng(77);
    const r = rng.bytes(HLL_REGISTERS);
    expect(n!.hllRawCount(r)).toBe(rawCount(r));
  });

  it('corrupted HLLs: same verdicts and bytes, nothing read out of bounds (6000 values)', () => {
    const rng = new Rng(0xc0ffee);
    let corrupt = 0;
    for (let i = 0; i < 6000; i++) {
      // A valid sparse or dense start, then damage.
      const w = emptyWork();
      const count = rng.int(4) === 0 ? 2500 : rng.int(60);
      const e0 = elements(rng, count);
      tsAdd(w, 3000, e0, count);
      let v = w.view().slice();
      switch (rng.int(6)) {
        case 0:
          v = v.slice(0, HLL_HDR_SIZE + rng.int(Math.max(1, v.length - HLL_HDR_SIZE)));
          break;
        case 1:
          for (let k = 1 + rng.int(3); k > 0; k--) v[HLL_HDR_SIZE + rng.int(v.length - HLL_HDR_SIZE)] = rng.next() & 0xff;
          break;
        case 2: {
          // random opcodes after a sparse header
          const body = rng.bytes(1 + rng.int(60));
          const nv = new Uint8Array(HLL_HDR_SIZE + body.length);
          nv.set(v.subarray(0, HLL_HDR_SIZE));
          nv[4] = 1;
          nv.set(body, HLL_HDR_SIZE);
          v = nv;
          break;
        }
        case 3: {
          // runs of XZERO that overshoot or fall short, a trailing half opcode
          const ops = [0x7f, 0xff, 0x40, 0x00, 0x3f, 0x80, 0xfe, 0x7f];
          const nv = new Uint8Array(HLL_HDR_SIZE + 1 + rng.int(6));
          nv.set(v.subarray(0, HLL_HDR_SIZE));
          nv[4] = 1;
          for (let k = HLL_HDR_SIZE; k < nv.length; k++) nv[k] = ops[rng.int(ops.length)];
          v = nv;
          break;
        }
        case 4:
          v[HLL_HDR_SIZE + rng.int(v.length - HLL_HDR_SIZE)] ^= 1 << rng.int(8);
          break;
        default:
          break; // undamaged
      }
      const valid = tsValid(v);
      expect(n!.hllValid(v, 0, v.length)).toBe(valid);
      if (!valid) corrupt++;
      if (!isHllValue(v, 0, v.length)) continue; // commands reply WRONGTYPE before any of the below
      expect(n!.hllCount(v, 0, v.length)).toBe(hllCount(v, 0, v.length));
      const ra = new Uint8Array(HLL_REGISTERS);
      const rb = new Uint8Array(HLL_REGISTERS);
      expect(n!.hllMerge(rb, v, 0, v.length)).toBe(mergeInto(ra, v, 0, v.length));
      expectSameBytes(ra, rb, `corrupt merge ${i}`);
      // PFADD on the damaged value: the same result code and the same bytes left in the work.
      const t1 = new HllWork();
      const t2 = new HllWork();
      t1.load(v, 0, v.length);
      t2.load(v, 0, v.length);
      const e = elements(rng, 1 + rng.int(30));
      const cnt = e.offs.length - 2;
      if (v[4] === HLL_DENSE) continue; // dense values are exactly 12304 bytes: nothing to damage in the frame
      const maxBytes = [30, 3000][rng.int(2)];
      expect(addWork(t2, maxBytes, e.buf, e.offs, e.lens, 0, cnt)).toBe(tsAdd(t1, maxBytes, e, cnt));
      expectSameBytes(t1.view(), t2.view(), `corrupt pfadd ${i}`);
      const d1 = new HllWork();
      d1.load(v, 0, v.length);
      const st = Float64Array.of(d1.len, 0, 0, 0);
      const d2 = new HllWork();
      d2.load(v, 0, v.length);
      expect(n!.hllToDense(d2.buf, st)).toBe(sparseToDense(d1));
      d2.len = st[0];
      expectSameBytes(d1.view(), d2.view(), `corrupt todense ${i}`);
    }
    expect(corrupt).toBeGreaterThan(1500);
  });

  it('rejects arguments that point outside their buffers', () => {
    const a = n!;
    const v = new Uint8Array(HLL_DENSE_SIZE);
    const e = elements(new Rng(5), 3);
    expect(() => a.hllAddDense(v, 1, e.buf, e.offs, e.lens, 0, 3)).toThrow(RangeError);
    expect(() => a.hllAddDense(v, 0, e.buf, e.offs, e.lens, 0, 99)).toThrow(RangeError);
    const badOffs = Int32Array.of(0, 1 << 30, 0);
    expect(() => a.hllAddDense(v, 0, e.buf, badOffs, e.lens, 0, 3)).toThrow(RangeError);
    expect(() => a.hllCount(v, 0, HLL_DENSE_SIZE + 1)).toThrow(RangeError);
    expect(() => a.hllCount(v, 0, 3)).toThrow(RangeError);
    expect(() => a.hllMerge(new Uint8Array(10), v, 0, v.length)).toThrow(RangeError);
    expect(() => a.hllRawCount(new Uint8Array(100))).toThrow(RangeError);
    const w = new Uint8Array(100);
    expect(() => a.hllAddWork(w, Float64Array.of(101, 0, 0, 0), 3000, e.buf, e.offs, e.lens, 3)).toThrow(RangeError);
    // A working buffer too small for an edit: the call stops and asks for room.
    const small = new Uint8Array(64);
    writeEmptyHll(small, 0);
    const st = Float64Array.of(HLL_EMPTY_SIZE, 0, 0, 0);
    a.hllAddWork(small, st, 3000, e.buf, e.offs, e.lens, 3);
    expect(st[2]).toBe(2);
    expect(st[3]).toBe(0);
  });
});

// HyperLogLog store code (src/store/hyperloglog.ts) without a server: hashing, register layout,
// sparse/dense round trips, estimates and value bytes equal to what redis-server 7.0.15 produced
// (test/fixtures/hll-redis-estimates.json, recorded by scripts/record-hll-fixtures.ts), and
// corrupted values that are refused without reading or writing outside them.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  HLL_DENSE, HLL_DENSE_SIZE, HLL_EMPTY_SIZE, HLL_HDR_SIZE, HLL_REGISTERS, HLL_SPARSE, HllWork, cacheValid, decodeSparse, denseGet,
  denseSetRaw, hllCount, hllPattern, hllSelfTest, invalidateCache, isHllValue, mergeInto, murmurHash64A, rawCount, readCache,
  sparseSet, sparseToDense, workAdd, writeCache, writeEmptyHll,
} from '../../src/store/hyperloglog.ts';
import { HLL_FIXTURE, hllFixtureElement, type HllFixture } from '../helpers/hll-fixture.ts';

function empty(): HllWork {
  const v = new Uint8Array(HLL_EMPTY_SIZE);
  writeEmptyHll(v, 0);
  const w = new HllWork();
  w.load(v, 0, v.length);
  return w;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** Reference MurmurHash64A in BigInt arithmetic, written from the algorithm's description. */
function murmurRef(b: Uint8Array): bigint {
  const M = 0xc6a4a7935bd1e995n;
  const mask = (1n << 64n) - 1n;
  let h = (0xadc83b19n ^ ((BigInt(b.length) * M) & mask)) & mask;
  const blocks = b.length - (b.length & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(b[i + j]);
    k = (k * M) & mask;
    k ^= k >> 47n;
    k = (k * M) & mask;
    h ^= k;
    h = (h * M) & mask;
  }
  const tail = b.length & 7;
  if (tail) {
    for (let j = tail - 1; j >= 0; j--) h ^= BigInt(b[blocks + j]) << BigInt(8 * j);
    h = (h * M) & mask;
  }
  h ^= h >> 47n;
  h = (h * M) & mask;
  h ^= h >> 47n;
  return h;
}

describe('hashing', () => {
  test('MurmurHash64A on 32-bit halves equals a BigInt reference', () => {
    const r = rng(5);
    for (let n = 0; n < 600; n++) {
      const b = new Uint8Array(n % 70);
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
      expect(murmurHash64A(b)).toBe(murmurRef(b));
    }
  });

  test('pattern: register from the low 14 bits, run of zeros + 1 from the rest', () => {
    const r = rng(6);
    for (let n = 0; n < 300; n++) {
      const b = Buffer.from(`e${n}:${r()}`);
      const h = murmurRef(b);
      const pat = hllPattern(b, 0, b.length);
      expect(pat & (HLL_REGISTERS - 1)).toBe(Number(h & 0x3fffn));
      let rest = (h >> 14n) | (1n << 50n);
      let count = 1;
      while ((rest & 1n) === 0n) {
        count++;
        rest >>= 1n;
      }
      expect(pat >>> 14).toBe(count);
    }
  });
});

describe('layout', () => {
  test('dense registers round trip and stay inside the value', () => {
    const v = new Uint8Array(HLL_DENSE_SIZE + 8).fill(0xaa);
    v.fill(0, 0, HLL_DENSE_SIZE);
    const r = rng(7);
    const want = new Uint8Array(HLL_REGISTERS);
    for (let i = 0; i < HLL_REGISTERS; i++) {
      want[i] = Math.floor(r() * 64);
      denseSetRaw(v, HLL_HDR_SIZE, i, want[i]);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) expect(denseGet(v, HLL_HDR_SIZE, i)).toBe(want[i]);
    expect([...v.subarray(HLL_DENSE_SIZE)]).toEqual(new Array(8).fill(0xaa));
    // Register 0 is the low 6 bits of the first byte; register 1 starts at bit 6.
    const d = new Uint8Array(HLL_DENSE_SIZE);
    denseSetRaw(d, HLL_HDR_SIZE, 1, 0x3f);
    expect([d[16], d[17]]).toEqual([0xc0, 0x0f]);
  });

  test('an empty HLL is a sparse XZERO of 16384 with a valid zero cache', () => {
    const w = empty();
    expect(Buffer.from(w.view()).toString('latin1')).toBe('HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff');
    expect(isHllValue(w.buf, 0, w.len)).toBe(true);
    expect(cacheValid(w.buf, 0)).toBe(true);
    expect(hllCount(w.buf, 0, w.len)).toBe(0);
    expect(decodeSparse(w.buf, 0, w.len)).toBe('Z:16384');
  });

  test('cache bytes', () => {
    const v = new Uint8Array(16);
    writeCache(v, 0, 2 ** 40 + 5);
    expect(readCache(v, 0)).toBe(2 ** 40 + 5);
    invalidateCache(v, 0);
    expect(cacheValid(v, 0)).toBe(false);
    v[15] = 0x7f;
    expect(readCache(v, 0)).toBe((0x7fn << 56n) | (1n << 40n) | 5n);
  });

  test('sparse and dense hold the same registers, estimates and merges', () => {
    const r = rng(8);
    for (const n of [0, 1, 5, 50, 400, 2000, 6000]) {
      const s = empty();
      const d = empty();
      expect(sparseToDense(d)).toBe(true);
      expect(d.buf[4]).toBe(HLL_DENSE);
      for (let i = 0; i < n; i++) {
        const e = Buffer.from(`x${n}:${i}:${r()}`);
        const a = workAdd(s, e, 0, e.length, 1 << 20);
        const b = workAdd(d, e, 0, e.length, 1 << 20);
        expect(a).toBe(b);
      }
      expect(s.buf[4]).toBe(HLL_SPARSE);
      expect(hllCount(s.buf, 0, s.len)).toBe(hllCount(d.buf, 0, d.len));
      const m1 = new Uint8Array(HLL_REGISTERS);
      const m2 = new Uint8Array(HLL_REGISTERS);
      expect(mergeInto(m1, s.buf, 0, s.len)).toBe(true);
      expect(mergeInto(m2, d.buf, 0, d.len)).toBe(true);
      expect(m1).toEqual(m2);
      expect(rawCount(m1)).toBe(hllCount(d.buf, 0, d.len));
      const c = new HllWork();
      c.load(s.buf, 0, s.len);
      expect(sparseToDense(c)).toBe(true);
      expect(Buffer.from(c.view().subarray(HLL_HDR_SIZE))).toEqual(Buffer.from(d.view().subarray(HLL_HDR_SIZE)));
    }
  });

  test('sparse promotes at the byte limit and above VAL 32', () => {
    const w = empty();
    let i = 0;
    while (w.buf[4] === HLL_SPARSE) {
      const e = Buffer.from(`p${i++}`);
      workAdd(w, e, 0, e.length, 40);
      if (w.buf[4] === HLL_SPARSE) expect(w.len).toBeLessThanOrEqual(40);
    }
    expect(w.len).toBe(HLL_DENSE_SIZE);
    const v = empty();
    expect(sparseSet(v, 100, 33, 3000)).toBe(1);
    expect(v.buf[4]).toBe(HLL_DENSE);
    expect(denseGet(v.buf, HLL_HDR_SIZE, 100)).toBe(33);
  });

  test('PFSELFTEST passes', () => {
    expect(hllSelfTest()).toBe(null);
  });
});

describe('against redis-server', () => {
  const fx = JSON.parse(readFileSync(HLL_FIXTURE, 'utf8')) as HllFixture;
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  test('estimates and bytes equal the recorded ones', () => {
    const all = new Uint8Array(HLL_REGISTERS);
    let points = 0;
    for (const { seed, points: pts } of fx.seeds) {
      const w = empty();
      let done = 0;
      for (const p of pts) {
        let updated = 0;
        while (done < p.size) {
          const e = hllFixtureElement(seed, done++);
          if (workAdd(w, e, 0, e.length, 3000) === 1) updated++;
        }
        if (updated) invalidateCache(w.buf, 0); // PFADD
        expect(sha(w.view()), `seed ${seed} size ${p.size}`).toBe(p.sha256);
        const count = cacheValid(w.buf, 0) ? Number(readCache(w.buf, 0)) : hllCount(w.buf, 0, w.len);
        expect(count, `seed ${seed} size ${p.size}`).toBe(p.count);
        writeCache(w.buf, 0, count); // PFCOUNT writes the cache back
        points++;
      }
      expect(mergeInto(all, w.buf, 0, w.len)).toBe(true);
    }
    expect(points).toBeGreaterThan(20);
    expect(rawCount(all)).toBe(fx.merged.count);
  });
});

describe('corrupted values', () => {
  /**
   * Runs every reader and writer on value v placed between guard bytes, twice with different
   * guards: results must not depend on the guards (nothing read outside) and guards must stay
   * (nothing written outside).
   */
  function probe(v: Uint8Array): string {
    const results: string[] = [];
    for (const g of [0x00, 0xff]) {
      const buf = new Uint8Array(v.length + 64).fill(g);
      buf.set(v, 32);
      const out: unknown[] = [];
      const ok = isHllValue(buf, 32, v.length);
      out.push(ok);
      if (ok) {
        out.push(hllCount(buf, 32, v.length));
        const m = new Uint8Array(HLL_REGISTERS);
        out.push(mergeInto(m, buf, 32, v.length), rawCount(m));
        if (buf[36] === HLL_SPARSE) out.push(decodeSparse(buf, 32, v.length).length);
        const w = new HllWork();
        w.load(buf, 32, v.length);
        w.buf.fill(g, w.len);
        for (let i = 0; i < 20; i++) {
          const e = Buffer.from(`f${i}`);
          out.push(workAdd(w, e, 0, e.length, 3000));
        }
        out.push(sha(w.view()));
        const c = new HllWork();
        c.load(buf, 32, v.length);
        out.push(sparseToDense(c), c.len);
      }
      for (let i = 0; i < 32; i++) expect(buf[i]).toBe(g);
      for (let i = 32 + v.length; i < buf.length; i++) expect(buf[i]).toBe(g);
      results.push(JSON.stringify(out));
    }
    expect(results[1]).toBe(results[0]);
    return results[0];
  }
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  test('fuzzed sparse and dense values never escape their bytes', () => {
    const r = rng(99);
    let accepted = 0;
    for (let round = 0; round < 400; round++) {
      const dense = r() < 0.2;
      const n = dense ? HLL_DENSE_SIZE : HLL_HDR_SIZE + Math.floor(r() * 80);
      const v = new Uint8Array(n);
      for (let i = HLL_HDR_SIZE; i < n; i++) v[i] = Math.floor(r() * 256);
      v.set([72, 89, 76, 76, dense ? 0 : 1], 0);
      if (r() < 0.5) v[15] = 0x80;
      if (r() < 0.05) v[4] = 2;
      const out = probe(v);
      if (out.startsWith('[true')) accepted++;
    }
    expect(accepted).toBeGreaterThan(300);
  });

  test('values that run past 16384 registers are corrupt', () => {
    const h = [72, 89, 76, 76, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80];
    const cases: [number[], boolean][] = [
      [[0x7f, 0xff], true],
      [[0x7f, 0xfe], false],
      [[0x7f, 0xff, 0x00], false],
      [[0x40, 0xfe, 0x7f], true], // the missing last byte reads as 0, like Redis's terminator
      [[...new Array(4097).fill(0xff)], false],
      [[...new Array(4096).fill(0xff)], true],
      [[], false],
    ];
    for (const [ops, valid] of cases) {
      const v = new Uint8Array([...h, ...ops]);
      probe(v);
      expect(hllCount(v, 0, v.length) >= 0, JSON.stringify(ops.slice(0, 4))).toBe(valid);
      const w = new HllWork();
      w.load(v, 0, v.length);
      expect(sparseToDense(w)).toBe(valid);
    }
    expect(isHllValue(new Uint8Array([72, 89, 76, 76, 0, ...new Array(20).fill(0)]), 0, 25)).toBe(false);
    expect(isHllValue(new Uint8Array(15), 0, 15)).toBe(false);
  });
});

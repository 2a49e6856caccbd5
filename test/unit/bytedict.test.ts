/*
 * ByteDict (src/store/bytedict.ts) against a Map model: random adds, value updates, deletes by key
 * and by id, finds and random picks, with check() (chains, buckets, rehash rule) along the way;
 * the SCAN guarantee across growth, shrinking and deletions; free() returning arena usage to its
 * start; clone() independence; the switch from plain to resizable arrays past 1 MiB.
 */
import { describe, expect, test } from 'vitest';
import { Arena } from '../../src/store/arena.ts';
import { ByteDict } from '../../src/store/bytedict.ts';
import { hashBytes } from '../../src/store/hash.ts';
import { rng } from '../helpers/rng.ts';

const B = (s: string): Buffer => Buffer.from(s, 'latin1');
const keyOf = (d: ByteDict, id: number): string =>
  Buffer.from(d.arena.u8.subarray(d.keyOff(id), d.keyOff(id) + d.keyLen(id))).toString('latin1');
const valOf = (d: ByteDict, id: number): string =>
  Buffer.from(d.arena.u8.subarray(d.valOff(id), d.valOff(id) + d.valLen(id))).toString('latin1');

/** Every (key, value) of the dict through its ids. */
function contents(d: ByteDict): Map<string, string> {
  const m = new Map<string, string>();
  for (let id = 0; id < d.size; id++) m.set(keyOf(d, id), valOf(d, id));
  return m;
}

function randomBytes(r: () => number, maxLen: number): string {
  const n = Math.floor(r() * maxLen);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 256));
  return s;
}

function fullScan(d: ByteDict): string[] {
  const out: string[] = [];
  let c = 0;
  do c = d.scan(c, (id) => out.push(keyOf(d, id)));
  while (c !== 0);
  return out;
}

describe('ByteDict', () => {
  test('random operations against a Map model', () => {
    const arena = new Arena();
    const start = arena.usedBytes;
    const d = new ByteDict(arena);
    const model = new Map<string, string>();
    const r = rng(42);
    const pool: string[] = [];
    for (let i = 0; i < 600; i++) pool.push(i % 7 === 0 ? randomBytes(r, 300) : `f${i}`);
    for (let step = 0; step < 40000; step++) {
      const k = pool[Math.floor(r() * pool.length)];
      const kb = B(k);
      const op = r();
      // Phases: grow (mostly adds), then shrink (mostly deletes), repeatedly.
      const addBias = Math.floor(step / 5000) % 2 === 0 ? 0.6 : 0.2;
      if (op < addBias) {
        const id = d.find(kb, 0, kb.length);
        const v = r() < 0.1 ? randomBytes(r, 400) : `v${step}`;
        const vb = B(v);
        if (id < 0) {
          expect(model.has(k)).toBe(false);
          const h = r() < 0.5 ? hashBytes(kb, 0, kb.length) : undefined;
          const nid = d.add(kb, 0, kb.length, vb, 0, vb.length, h);
          expect(nid).toBe(model.size);
        } else {
          expect(keyOf(d, id)).toBe(k);
          d.setValue(id, vb, 0, vb.length);
        }
        model.set(k, v);
      } else if (op < 0.85) {
        expect(d.delete(kb, 0, kb.length)).toBe(model.delete(k));
      } else if (op < 0.95) {
        const id = d.randomId();
        if (model.size === 0) expect(id).toBe(-1);
        else {
          expect(id).toBeGreaterThanOrEqual(0);
          expect(id).toBeLessThan(d.size);
          const key = keyOf(d, id);
          expect(model.has(key)).toBe(true);
          d.deleteId(id);
          model.delete(key);
        }
      } else {
        const id = d.find(kb, 0, kb.length);
        expect(id >= 0).toBe(model.has(k));
        if (id >= 0) expect(valOf(d, id)).toBe(model.get(k));
      }
      expect(d.size).toBe(model.size);
      if (step % 997 === 0) {
        d.check();
        expect(contents(d)).toEqual(model);
      }
    }
    d.check();
    expect(contents(d)).toEqual(model);
    expect(d.memoryBytes()).toBeGreaterThan(0);
    d.free();
    expect(arena.usedBytes).toBe(start);
  });

  test('set mode (no values) and binary keys with NUL bytes', () => {
    const arena = new Arena();
    const d = new ByteDict(arena, 100);
    const keys = ['', '\0', '\0\0', 'a\0b', '\xff\xfe', 'x'.repeat(200)];
    for (const k of keys) d.add(B(k), 0, k.length, null, 0, 0);
    for (const k of keys) {
      const id = d.find(B(k), 0, k.length);
      expect(id).toBeGreaterThanOrEqual(0);
      expect(keyOf(d, id)).toBe(k);
      expect(d.valLen(id)).toBe(0);
    }
    expect(d.find(B('a'), 0, 1)).toBe(-1);
    // Offsets inside a larger buffer.
    const big = B('..a\0b..');
    expect(keyOf(d, d.find(big, 2, 3))).toBe('a\0b');
    d.check();
  });

  test('randomId is uniform over ids', () => {
    const d = new ByteDict(new Arena());
    for (let i = 0; i < 10; i++) d.add(B(`k${i}`), 0, `k${i}`.length, null, 0, 0);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) counts[d.randomId()]++;
    for (const c of counts) {
      expect(c).toBeGreaterThan(1700);
      expect(c).toBeLessThan(2300);
    }
  });

  test('scan returns every element present for the whole scan, across growth and shrink', () => {
    const r = rng(7);
    for (let round = 0; round < 30; round++) {
      const d = new ByteDict(new Arena());
      const n0 = 50 + Math.floor(r() * 2000);
      for (let i = 0; i < n0; i++) d.add(B(`s${i}`), 0, `s${i}`.length, null, 0, 0);
      // Elements that will be present for the whole scan.
      const grow = round % 3 === 0;
      const shrink = round % 3 === 1;
      // Shrinking rounds keep few elements so that the table falls below 10% full.
      const stable = new Set<string>();
      for (let i = 0; i < n0; i += shrink ? 16 : 2) stable.add(`s${i}`);
      const seen = new Set<string>();
      let next = n0;
      let c = 0;
      const tableOf = (): number => d.table.t0.length;
      const t0Start = tableOf();
      let minTable = t0Start;
      let maxTable = t0Start;
      let calls = 0;
      do {
        c = d.scan(c, (id) => {
          seen.add(keyOf(d, id));
        });
        calls++;
        // Mutate between calls: grow, shrink (delete the non-stable half), or both.
        if ((grow || !shrink) && next < n0 * 6) {
          for (let k = 0; k < 40; k++) {
            const s = `s${next++}`;
            d.add(B(s), 0, s.length, null, 0, 0);
          }
        }
        if (shrink || !grow) {
          for (let k = 0; k < 40; k++) {
            const id = d.randomId();
            if (id < 0) break;
            if (!stable.has(keyOf(d, id))) d.deleteId(id);
          }
        }
        d.rehashStep(Math.floor(r() * 3));
        minTable = Math.min(minTable, tableOf());
        maxTable = Math.max(maxTable, tableOf());
      } while (c !== 0 && calls < 1e6);
      expect(c).toBe(0);
      if (grow) expect(maxTable).toBeGreaterThan(t0Start);
      if (shrink) expect(minTable).toBeLessThan(t0Start);
      for (const s of stable) expect(seen.has(s)).toBe(true);
      d.check();
    }
  });

  test('scan of an unchanged dict returns each element exactly once', () => {
    const d = new ByteDict(new Arena());
    for (let i = 0; i < 5000; i++) d.add(B(`m${i}`), 0, `m${i}`.length, null, 0, 0);
    // In the middle of a rehash and after it.
    const a = fullScan(d);
    expect(a.length).toBe(5000);
    expect(new Set(a).size).toBe(5000);
    for (let i = 0; i < 10000; i++) d.rehashStep(100);
    expect(d.rehashing).toBe(false);
    const b = fullScan(d);
    expect(b.length).toBe(5000);
    expect(new Set(b).size).toBe(5000);
    expect(new ByteDict(new Arena()).scan(0, () => {})).toBe(0);
  });

  test('delete shrinks the table', () => {
    const arena = new Arena();
    const d = new ByteDict(arena);
    for (let i = 0; i < 4096; i++) d.add(B(`k${i}`), 0, `k${i}`.length, null, 0, 0);
    for (let i = 0; i < 10000; i++) d.rehashStep(100);
    const big = d.memoryBytes();
    for (let i = 0; i < 4090; i++) expect(d.delete(B(`k${i}`), 0, `k${i}`.length)).toBe(true);
    for (let i = 0; i < 10000; i++) d.rehashStep(100);
    d.check();
    expect(d.memoryBytes()).toBeLessThan(big);
    expect([...contents(d).keys()].sort()).toEqual(['k4090', 'k4091', 'k4092', 'k4093', 'k4094', 'k4095']);
  });

  test('free returns arena usage to its start', () => {
    const arena = new Arena();
    const other = new ByteDict(arena);
    other.add(B('keep'), 0, 4, B('me'), 0, 2);
    const start = arena.usedBytes;
    const d = new ByteDict(arena);
    for (let i = 0; i < 3000; i++) {
      const v = 'v'.repeat(i % 300);
      d.add(B(`k${i}`), 0, `k${i}`.length, B(v), 0, v.length);
    }
    for (let i = 0; i < 3000; i += 3) d.setValue(d.find(B(`k${i}`), 0, `k${i}`.length), B('x'.repeat(i % 500)), 0, i % 500);
    for (let i = 0; i < 3000; i += 5) d.delete(B(`k${i}`), 0, `k${i}`.length);
    expect(arena.usedBytes).toBeGreaterThan(start);
    d.free();
    expect(arena.usedBytes).toBe(start);
    expect(valOf(other, other.find(B('keep'), 0, 4))).toBe('me');
  });

  test('clone is independent', () => {
    const arena = new Arena();
    const start = arena.usedBytes;
    const d = new ByteDict(arena);
    for (let i = 0; i < 2000; i++) d.add(B(`k${i}`), 0, `k${i}`.length, B(`v${i}`), 0, `v${i}`.length);
    d.rehashStep(3); // clone in the middle of a rehash
    const before = contents(d);
    const c = d.clone();
    c.check();
    expect(contents(c)).toEqual(before);
    expect(c.memoryBytes()).toBe(d.memoryBytes());
    // Mutate the original; the clone keeps its contents, and the other way round.
    for (let i = 0; i < 1000; i++) d.delete(B(`k${i}`), 0, `k${i}`.length);
    d.setValue(d.find(B('k1500'), 0, 5), B('changed'), 0, 7);
    expect(contents(c)).toEqual(before);
    c.add(B('new'), 0, 3, B('x'), 0, 1);
    expect(d.find(B('new'), 0, 3)).toBe(-1);
    d.free();
    expect(contents(c).get('k1500')).toBe('v1500');
    c.check();
    c.free();
    expect(arena.usedBytes).toBe(start);
  });

  test('arrays go from plain to resizable past 1 MiB', () => {
    const arena = new Arena();
    const d = new ByteDict(arena);
    const n = 300_000;
    const kb = Buffer.alloc(8);
    for (let i = 0; i < n; i++) {
      kb.writeUInt32LE(i, 0);
      kb.writeUInt32LE(i * 7, 4);
      d.add(kb, 0, 8, null, 0, 0);
    }
    const internals = d as unknown as { hash: Int32Array; rec: Uint32Array };
    expect((internals.hash.buffer as ArrayBuffer).resizable).toBe(true);
    expect(d.size).toBe(n);
    for (let i = 0; i < n; i += 997) {
      kb.writeUInt32LE(i, 0);
      kb.writeUInt32LE(i * 7, 4);
      expect(d.find(kb, 0, 8)).toBe(i);
    }
    // Small dicts stay on plain buffers.
    const s = new ByteDict(arena, 10);
    s.add(B('a'), 0, 1, null, 0, 0);
    expect(((s as unknown as { hash: Int32Array }).hash.buffer as ArrayBuffer).resizable).toBe(false);
    const c = d.clone();
    expect(c.size).toBe(n);
    c.free();
    d.free();
  });
});

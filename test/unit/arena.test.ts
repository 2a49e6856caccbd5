/*
 * The arena's growth (src/store/arena.ts): a growable SharedArrayBuffer with a fixed-length view
 * that is replaced on every growth. An old view keeps reading and writing its bytes; code that
 * allocates must read `arena.u8` again. The model tests run the arena's users (keyspace, byte
 * dict, skiplist) on an arena that grows 4 KiB at a time, so the view changes thousands of times
 * mid-operation: a user that kept a stale view would lose or misread bytes and fail the model.
 */
import { describe, expect, test } from 'vitest';
import { Arena } from '../../src/store/arena.ts';
import { ByteDict } from '../../src/store/bytedict.ts';
import { hashBytes } from '../../src/store/hash.ts';
import { Keyspace, OBJ_STRING } from '../../src/store/keyspace.ts';
import { Skiplist } from '../../src/store/skiplist.ts';
import { rng } from '../helpers/rng.ts';

const STEP = 4096;
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

function randomValue(r: () => number): Buffer {
  const n = Math.floor(r() * (r() < 0.1 ? 3000 : 60));
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

describe('arena growth', () => {
  test('growth replaces the view; the old view still holds its bytes', () => {
    const a = new Arena(STEP, STEP);
    const first = a.alloc(64);
    a.u8.fill(7, first * 8, first * 8 + 64);
    const old = a.u8;
    const big = a.alloc(3 * STEP);
    expect(a.u8).not.toBe(old);
    expect(a.u8.length).toBeGreaterThanOrEqual((big * 8) + 3 * STEP);
    expect(old.length).toBe(STEP);
    expect(a.u8[first * 8 + 63]).toBe(7);
    old[first * 8] = 9; // same memory
    expect(a.u8[first * 8]).toBe(9);
    a.u8[big * 8 + 3 * STEP - 1] = 5;
    expect(a.u8[big * 8 + 3 * STEP - 1]).toBe(5);
  });

  test('clear keeps the committed bytes and reuses them', () => {
    const a = new Arena(STEP, STEP);
    for (let i = 0; i < 100; i++) a.alloc(1000);
    const cap = a.capacityBytes;
    a.clear();
    expect(a.usedBytes).toBe(0);
    for (let i = 0; i < 100; i++) a.alloc(1000);
    expect(a.capacityBytes).toBe(cap);
  });

  test('keyspace against a Map with a 4 KiB growth step', () => {
    const r = rng(11);
    const ks = new Keyspace(0, new Arena(STEP, STEP));
    const model = new Map<string, Buffer>();
    for (let op = 0; op < 20000; op++) {
      const key = `key:${Math.floor(r() * 3000)}`;
      const kb = bytes(key);
      const h = hashBytes(kb, 0, kb.length);
      const e = ks.find(kb, 0, kb.length, h);
      const x = r();
      if (x < 0.15 && e >= 0) {
        ks.delete(e);
        model.delete(key);
      } else {
        const v = randomValue(r);
        if (e < 0) {
          const ne = ks.add(kb, 0, kb.length, h, v.length, OBJ_STRING);
          ks.arena.u8.set(v, ks.valOff(ne));
        } else {
          // Keep a prefix of the old value, as APPEND/SETRANGE do, then write the rest.
          const keep = Math.min(ks.valLen(e), Math.floor(r() * 8));
          const off = ks.resizeValue(e, v.length, keep);
          const u8 = ks.arena.u8;
          for (let i = 0; i < keep && i < v.length; i++) v[i] = u8[off + i]!;
          u8.set(v, off);
        }
        model.set(key, v);
      }
    }
    expect(ks.size).toBe(model.size);
    for (const [key, v] of model) {
      const kb = bytes(key);
      const e = ks.find(kb, 0, kb.length, hashBytes(kb, 0, kb.length));
      expect(e).toBeGreaterThanOrEqual(0);
      expect(Buffer.compare(ks.valBytes(e), v)).toBe(0);
    }
  });

  test('byte dict against a Map with a 4 KiB growth step', () => {
    const r = rng(12);
    const d = new ByteDict(new Arena(STEP, STEP));
    const model = new Map<string, Buffer>();
    for (let op = 0; op < 20000; op++) {
      const field = `f${Math.floor(r() * 2000)}`;
      const fb = bytes(field);
      const id = d.find(fb, 0, fb.length);
      if (r() < 0.15) {
        expect(d.delete(fb, 0, fb.length)).toBe(id >= 0);
        model.delete(field);
        continue;
      }
      const v = randomValue(r);
      if (id >= 0) d.setValue(id, v, 0, v.length);
      else d.add(fb, 0, fb.length, v, 0, v.length);
      model.set(field, v);
    }
    expect(d.size).toBe(model.size);
    for (const [field, v] of model) {
      const fb = bytes(field);
      const id = d.find(fb, 0, fb.length);
      expect(id).toBeGreaterThanOrEqual(0);
      const got = Buffer.from(d.arena.u8.subarray(d.valOff(id), d.valOff(id) + d.valLen(id)));
      expect(Buffer.compare(got, v)).toBe(0);
    }
  });

  test('skiplist members and a clone with a 4 KiB growth step', () => {
    const r = rng(13);
    const sl = new Skiplist(new Arena(STEP, STEP));
    const model = new Map<string, number>();
    for (let op = 0; op < 10000; op++) {
      const m = `member:${Math.floor(r() * 3000)}:${'x'.repeat(Math.floor(r() * 40))}`;
      const mb = bytes(m);
      if (model.has(m)) {
        if (r() < 0.5) {
          expect(sl.delete(mb, 0, mb.length)).toBe(true);
          model.delete(m);
        }
        continue;
      }
      const score = Math.floor(r() * 1000);
      sl.insert(mb, 0, mb.length, score);
      model.set(m, score);
    }
    const copy = sl.clone(); // reads members through one view while inserting (allocating)
    for (const z of [sl, copy]) {
      expect(z.size).toBe(model.size);
      for (const [m, score] of model) {
        const mb = bytes(m);
        expect(z.scoreOf(mb, 0, mb.length)).toBe(score);
      }
    }
  });
});

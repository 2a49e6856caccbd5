/*
 * The stream block storage (src/store/stream.ts) against a simple model: a sorted array of
 * (id, fields) records. Random appends (same or different fields as the block's master entry,
 * integer-looking and binary values, seq deltas that wrap), deletes, MAXLEN/MINID trims exact and
 * approximate, and forward/reverse range reads, under small and default node limits. After every
 * operation the length, first/last IDs and a random range must agree with the model; the block
 * layout invariants (master counts, lp-count trailers read backwards) are exercised by reverse
 * iteration.
 */
import { describe, expect, test } from 'vitest';
import { lpGet, LpEntry } from '../../src/store/listpack.ts';
import { Consumer, Nack, Pel, Stream, StreamIterator } from '../../src/store/stream.ts';
import { ID_MAX, makeId } from '../../src/store/stream-id.ts';
import { rng } from '../helpers/rng.ts';

interface Rec {
  id: bigint;
  kv: string[];
}

const ent = new LpEntry();

function elem(lp: Uint8Array, p: number): string {
  lpGet(lp, p, ent);
  return ent.isInt ? String(ent.int) : Buffer.from(lp.subarray(ent.strOff, ent.strOff + ent.strLen)).toString('latin1');
}

function readAll(s: Stream, start: bigint, end: bigint, rev: boolean): Rec[] {
  const it = new StreamIterator().seek(s, start, end, rev);
  const out: Rec[] = [];
  while (it.next()) {
    const kv: string[] = [];
    for (let i = 0; i < it.numFields; i++) {
      kv.push(elem(it.lp, it.fieldPos(i)), elem(it.lp, it.valuePos(i)));
    }
    out.push({ id: it.id, kv });
  }
  return out;
}

function append(s: Stream, id: bigint, kv: string[], maxBytes: number, maxEntries: number): void {
  const parts = kv.map((x) => Buffer.from(x, 'latin1'));
  const buf = Buffer.concat(parts);
  const off = new Int32Array(kv.length);
  const len = new Int32Array(kv.length);
  let o = 0;
  for (let i = 0; i < parts.length; i++) {
    off[i] = o;
    len[i] = parts[i]!.length;
    o += parts[i]!.length;
  }
  s.append(id, buf, off, len, 0, kv.length / 2, maxBytes, maxEntries);
}

function check(s: Stream, model: Rec[], rand: () => number): void {
  expect(s.length).toBe(model.length);
  if (model.length > 0) {
    expect(s.edgeId(true)).toBe(model[0]!.id);
    expect(s.edgeId(false)).toBe(model[model.length - 1]!.id);
  }
  const a = model.length ? model[Math.floor(rand() * model.length)]!.id : 0n;
  const b = model.length ? model[Math.floor(rand() * model.length)]!.id : 0n;
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  const want = model.filter((r) => r.id >= lo && r.id <= hi);
  expect(readAll(s, lo, hi, false)).toEqual(want);
  expect(readAll(s, lo, hi, true)).toEqual([...want].reverse());
}

const FIELDS = [['a', 'b'], ['a'], ['x', 'y', 'z'], ['123', '-7']];

function randomKv(rand: () => number): string[] {
  const names = FIELDS[Math.floor(rand() * FIELDS.length)]!;
  const kv: string[] = [];
  for (const f of names) {
    const r = rand();
    const v = r < 0.3 ? String(Math.floor(rand() * 100000) - 50000) : r < 0.6 ? 'v'.repeat(Math.floor(rand() * 80)) : '\x00\xff\r\n';
    kv.push(f, v);
  }
  return kv;
}

describe('stream block storage against a model', () => {
  for (const [maxBytes, maxEntries] of [
    [4096, 100],
    [64, 3],
    [0, 0],
    [300, 0],
  ] as const) {
    test(`random operations, node-max-bytes ${maxBytes} node-max-entries ${maxEntries}`, () => {
      const rand = rng(maxBytes * 31 + maxEntries);
      const s = new Stream();
      let model: Rec[] = [];
      let ms = 1n;
      let seq = 0n;
      for (let step = 0; step < 3000; step++) {
        const r = rand();
        if (r < 0.6) {
          // Sometimes jump ms with a lower seq (negative seq delta against the master).
          if (rand() < 0.3) {
            ms += BigInt(1 + Math.floor(rand() * 3));
            seq = BigInt(Math.floor(rand() * 3));
          } else seq += 1n;
          const id = makeId(ms, seq);
          const kv = randomKv(rand);
          append(s, id, kv, maxBytes, maxEntries);
          model.push({ id, kv });
        } else if (r < 0.8) {
          if (model.length === 0) continue;
          const i = Math.floor(rand() * model.length);
          expect(s.deleteEntry(model[i]!.id)).toBe(true);
          expect(s.deleteEntry(model[i]!.id)).toBe(false);
          model.splice(i, 1);
        } else if (r < 0.9) {
          const keep = Math.floor(rand() * (model.length + 5));
          const approx = rand() < 0.5;
          const removed = s.trim(false, keep, 0n, approx, 0);
          if (!approx) expect(s.length).toBe(Math.min(keep, model.length));
          expect(removed).toBe(model.length - s.length);
          model = model.slice(model.length - s.length);
        } else if (r < 0.95) {
          if (model.length === 0) continue;
          const minid = model[Math.floor(rand() * model.length)]!.id;
          const approx = rand() < 0.5;
          s.trim(true, 0, minid, approx, 0);
          if (!approx) expect(s.length).toBe(model.filter((x) => x.id >= minid).length);
          model = model.slice(model.length - s.length);
        } else {
          expect(readAll(s, 0n, ID_MAX, false)).toEqual(model);
        }
        check(s, model, rand);
      }
      const copy = s.dup();
      expect(readAll(copy, 0n, ID_MAX, true)).toEqual([...model].reverse());
    });
  }

  test('trim with a limit stops at block granularity', () => {
    const s = new Stream();
    for (let i = 1; i <= 10; i++) append(s, makeId(BigInt(i), 0n), ['f', String(i)], 4096, 2);
    expect(s.blockCount).toBe(5);
    expect(s.trim(false, 1, 0n, true, 4)).toBe(4);
    expect(s.length).toBe(6);
    expect(s.firstId).toBe(makeId(5n, 0n));
  });

  test('a block whose entries are all deleted goes away', () => {
    const s = new Stream();
    for (let i = 1; i <= 6; i++) append(s, makeId(BigInt(i), 0n), ['f', 'v'], 4096, 2);
    expect(s.blockCount).toBe(3);
    s.deleteEntry(makeId(3n, 0n));
    s.deleteEntry(makeId(4n, 0n));
    expect(s.blockCount).toBe(2);
    expect(readAll(s, 0n, ID_MAX, false).map((r) => r.id)).toEqual([1n, 2n, 5n, 6n].map((m) => makeId(m, 0n)));
  });
});

describe('pending entries list against a model', () => {
  test('random sets, deletes (dead slots), lookups and positional reads agree with a sorted model', () => {
    const next = rng(77);
    const below = (n: number): number => Math.floor(next() * n);
    const pel = new Pel();
    const cons = new Consumer(new Uint8Array([99]), 0);
    const model = new Map<number, Nack>();
    for (let op = 0; op < 20000; op++) {
      const k = below(3000);
      const id = makeId(BigInt(1000 + k), 0n);
      const x = below(10);
      if (x < 5) {
        const n = new Nack(cons, op, 1);
        pel.set(id, n);
        model.set(k, n);
      } else if (x < 9) {
        expect(pel.delete(id)).toBe(model.delete(k));
      } else {
        expect(pel.get(id)).toBe(model.get(k));
      }
      expect(pel.size).toBe(model.size);
      if (op % 500 === 0) {
        const keys = [...model.keys()].sort((a, b) => a - b);
        expect(pel.ids).toEqual(keys.map((q) => makeId(BigInt(1000 + q), 0n)));
        const from = below(3000);
        expect(pel.lowerBound(makeId(BigInt(1000 + from), 0n))).toBe(keys.filter((q) => q < from).length);
      }
    }
  });
});

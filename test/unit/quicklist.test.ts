// Quicklist (src/store/quicklist.ts). The expected node layouts in "same layout as Redis" were
// read off redis-server 7.0.15: DUMP of the key with rdbcompression off lists every node with its
// entry count, and a node compressed in memory is the one stored as an LZF blob ("Z" below).
// scripts/list-diff.ts checks the same thing byte for byte on random command sequences.
import { describe, expect, test } from 'vitest';
import { lpBytes, lpLength, lpValidate } from '../../src/store/listpack.ts';
import { QlMatch, Quicklist, QuicklistIter, type QlNode } from '../../src/store/quicklist.ts';
import { lzfDecompress } from '../../src/util/lzf.ts';

const enc = (s: string) => Buffer.from(s, 'latin1');

function pushTail(ql: Quicklist, ...vals: string[]): void {
  for (const v of vals) {
    const b = enc(v);
    ql.pushTail(b, 0, b.length);
  }
}

function pushHead(ql: Quicklist, ...vals: string[]): void {
  for (const v of vals) {
    const b = enc(v);
    ql.pushHead(b, 0, b.length);
  }
}

/** Node counts head to tail, "Z" for a compressed node (how the Redis layouts were written). */
function layout(ql: Quicklist): string {
  const out: string[] = [];
  ql.forEachNode((n) => out.push(n.compressed ? 'Z' : String(n.count)));
  return out.join(' ');
}

function items(ql: Quicklist): string[] {
  return ql.toArray().map((b) => Buffer.from(b).toString('latin1'));
}

function itemsBackward(ql: Quicklist): string[] {
  const out: string[] = [];
  const it = ql.iterator(false);
  while (it.next()) out.push(Buffer.from(it.valueCopy()).toString('latin1'));
  it.release();
  return out;
}

/** LINSERT: first element equal to pivot from the head; false when not found. */
function linsert(ql: Quicklist, after: boolean, pivot: string, v: string): boolean {
  const m = new QlMatch().set(enc(pivot), 0, pivot.length);
  const it = ql.iterator(true);
  let done = false;
  while (it.next()) {
    if (it.matches(m)) {
      const b = enc(v);
      ql.insert(it, b, 0, b.length, after);
      done = true;
      break;
    }
  }
  it.release();
  return done;
}

/** LREM semantics. */
function lrem(ql: Quicklist, count: number, v: string): number {
  const m = new QlMatch().set(enc(v), 0, v.length);
  const it = count < 0 ? ql.iteratorAt(-1, false) : ql.iteratorAt(0, true);
  if (it === null) return 0;
  const limit = Math.abs(count);
  let removed = 0;
  while (it.next()) {
    if (it.matches(m)) {
      ql.delEntry(it);
      removed++;
      if (limit !== 0 && removed === limit) break;
    }
  }
  it.release();
  return removed;
}

function lindex(ql: Quicklist, i: number): string | null {
  const it = new QuicklistIter();
  if (!ql.index(i, it)) return null;
  const v = Buffer.from(it.valueCopy()).toString('latin1');
  it.release();
  return v;
}

function lset(ql: Quicklist, i: number, v: string): boolean {
  const b = enc(v);
  return ql.replaceAtIndex(i, b, 0, b.length);
}

function ltrim(ql: Quicklist, start: number, end: number): void {
  const llen = ql.count;
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  let l: number;
  let r: number;
  if (start > end || start >= llen) {
    l = llen;
    r = 0;
  } else {
    if (end >= llen) end = llen - 1;
    l = start;
    r = llen - end - 1;
  }
  ql.delRange(0, l);
  ql.delRange(-r, r);
}

/** The raw listpack of a node (decompressing a compressed one into a copy). */
function nodeListpack(ql: Quicklist, n: QlNode): Uint8Array {
  if (!n.compressed) return ql.raw(n).slice(0, n.sz);
  const out = new Uint8Array(n.sz);
  expect(lzfDecompress(ql.lzfBytes(n), out)).toBe(n.sz);
  return out;
}

/** Structural invariants that hold after every operation. */
function checkInvariants(ql: Quicklist, opts: { sizeBound?: boolean } = {}): void {
  let nodes = 0;
  let count = 0;
  let prev: QlNode | null = null;
  const all: QlNode[] = [];
  ql.forEachNode((n) => {
    all.push(n);
    expect(n.prev).toBe(prev);
    prev = n;
    nodes++;
    count += n.count;
    expect(n.count).toBeGreaterThan(0);
    const lp = nodeListpack(ql, n);
    expect(lpValidate(lp, lp.length)).toBe(true);
    expect(lpBytes(lp)).toBe(n.sz);
    expect(lpLength(lp)).toBe(n.count);
    if (n.compressed) {
      expect(n.lp).toBeNull();
      // Kept only when worth it (quicklist.c's MIN_COMPRESS_BYTES / MIN_COMPRESS_IMPROVE).
      expect(n.sz).toBeGreaterThanOrEqual(48);
      expect(ql.lzfBytes(n).length + 8).toBeLessThan(n.sz);
    }
    if (opts.sizeBound && n.count > 1) {
      if (ql.fill < 0) expect(n.sz).toBeLessThanOrEqual([4096, 8192, 16384, 32768, 65536][-ql.fill - 1] + 4);
      else {
        expect(n.count).toBeLessThanOrEqual(ql.fill);
        expect(n.sz).toBeLessThanOrEqual(8192 + 4);
      }
    }
  });
  expect(ql.tail).toBe(prev);
  expect(nodes).toBe(ql.len);
  expect(count).toBe(ql.count);
  // The `compress` nodes at each end are never compressed.
  for (let i = 0; i < Math.min(ql.compress, all.length); i++) {
    expect(all[i].compressed).toBe(false);
    expect(all[all.length - 1 - i].compressed).toBe(false);
  }
}

describe('push, pop, index', () => {
  test('push at both ends and read back in both directions', () => {
    const ql = new Quicklist();
    pushTail(ql, 'b', 'c');
    pushHead(ql, 'a');
    pushTail(ql, '12', '-7', '9223372036854775807', '-9223372036854775808', '007');
    const want = ['a', 'b', 'c', '12', '-7', '9223372036854775807', '-9223372036854775808', '007'];
    expect(items(ql)).toEqual(want);
    expect(itemsBackward(ql)).toEqual([...want].reverse());
    expect(ql.count).toBe(8);
    expect(lindex(ql, 0)).toBe('a');
    expect(lindex(ql, -1)).toBe('007');
    expect(lindex(ql, 5)).toBe('9223372036854775807');
    expect(lindex(ql, 8)).toBeNull();
    expect(lindex(ql, -9)).toBeNull();
    checkInvariants(ql);
  });

  test('peek and pop at both ends down to empty', () => {
    const ql = new Quicklist(3);
    pushTail(ql, '1', '2', '3', '4', '5', '6', '7');
    const it = new QuicklistIter();
    expect(ql.peek(true, it)).toBe(true);
    expect(it.e.isInt && it.e.int).toBe(1);
    ql.popDiscard(true);
    ql.peek(false, it);
    expect(Buffer.from(it.valueCopy()).toString()).toBe('7');
    ql.popDiscard(false);
    expect(items(ql)).toEqual(['2', '3', '4', '5', '6']);
    while (ql.popDiscard(true)) checkInvariants(ql);
    expect(ql.count).toBe(0);
    expect(ql.len).toBe(0);
    expect(ql.head).toBeNull();
    expect(ql.tail).toBeNull();
    expect(ql.peek(true, it)).toBe(false);
  });

  test('fill and depth are clamped as quicklistSetOptions does', () => {
    expect(new Quicklist(-10, -3).fill).toBe(-5);
    expect(new Quicklist(-10, -3).compress).toBe(0);
    expect(new Quicklist(100000, 100000).fill).toBe(32767);
    expect(new Quicklist(100000, 100000).compress).toBe(65535);
  });
});

describe('node sizes follow list-max-listpack-size', () => {
  test('negative fill: node byte limits of 4/8/16/32/64 KiB', () => {
    for (const fill of [-1, -2, -3, -4, -5]) {
      const ql = new Quicklist(fill);
      const v = 'x'.repeat(100); // entries of 2 + 100 + 1 bytes
      for (let i = 0; i < 3000; i++) pushTail(ql, v);
      const limit = [4096, 8192, 16384, 32768, 65536][-fill - 1];
      // A node takes one more entry while its bytes (7 + 103 per entry) + 100 + 8 <= limit.
      const perNode = Math.floor((limit - 7 - 108) / 103) + 1;
      expect(ql.head!.count).toBe(perNode);
      expect(ql.len).toBe(Math.ceil(3000 / perNode));
      checkInvariants(ql, { sizeBound: true });
    }
  });

  test('positive fill: entries per node, capped at 8 KiB (SIZE_SAFETY_LIMIT)', () => {
    const ql = new Quicklist(5);
    pushTail(ql, ...Array.from({ length: 12 }, (_, i) => String(i)));
    expect(layout(ql)).toBe('5 5 2');
    const big = new Quicklist(1000);
    for (let i = 0; i < 200; i++) pushTail(big, 'y'.repeat(500));
    // Entries of 2 + 500 + 2 bytes: a node stops growing at 8 KiB (estimated), whatever the fill.
    expect(big.head!.count).toBe(Math.floor((8192 - 7 - 508) / 504) + 1);
    checkInvariants(big, { sizeBound: true });
  });

  test('an element larger than the node limit gets a node of its own', () => {
    const ql = new Quicklist(-2);
    pushTail(ql, 'a', 'z'.repeat(9000), 'b');
    expect(layout(ql)).toBe('1 1 1');
    pushHead(ql, 'q'.repeat(20000));
    expect(layout(ql)).toBe('1 1 1 1');
    expect(items(ql)[2].length).toBe(9000);
    checkInvariants(ql);
  });
});

describe('same layout as Redis 7.0.15', () => {
  test('splits on insert into a full node, merges the pieces when they fit (fill 4)', () => {
    const ql = new Quicklist(4, 0);
    pushTail(ql, ...Array.from({ length: 12 }, (_, i) => String(i + 1)));
    expect(layout(ql)).toBe('4 4 4');
    const steps: Array<[() => unknown, string]> = [
      [() => linsert(ql, false, '6', 'x'), '4 2 3 4'],
      [() => linsert(ql, true, '4', 'y'), '4 3 3 4'],
      [() => linsert(ql, true, '12', 'z'), '4 3 3 4 1'],
      [() => linsert(ql, false, '1', 'w'), '1 4 3 3 4 1'],
      [() => lrem(ql, 0, 'x'), '1 4 2 3 4 1'],
      [() => lrem(ql, 0, '7'), '1 4 2 2 4 1'],
      [() => lrem(ql, 0, '8'), '1 4 2 1 4 1'],
      [() => ltrim(ql, 1, -2), '4 2 1 4'],
      [() => lset(ql, 0, 'q'), '4 2 1 4'],
    ];
    for (const [op, want] of steps) {
      op();
      expect(layout(ql)).toBe(want);
      checkInvariants(ql, { sizeBound: true });
    }
    expect(items(ql)).toEqual(['q', '2', '3', '4', 'y', '5', '6', '9', '10', '11', '12']);
  });

  test('merge estimate: 7.0 subtracts 11 bytes for the header counted twice', () => {
    // Node sizes chosen so that the merged listpack would be 4098 bytes (over fill -1's 4096) but
    // the estimate a.sz + b.sz - 11 = 4094 allows the merge: Redis 7.0 merges (7.2 uses - 7).
    const ql = new Quicklist(-1, 0);
    const els = Array.from({ length: 78 }, (_, i) => String(i).padStart(3, '0') + 'a'.repeat(97));
    pushTail(ql, ...els);
    expect(layout(ql)).toBe('39 39');
    lset(ql, 0, 'b'.repeat(35));
    lset(ql, 1, 'c'.repeat(35));
    expect(ql.head!.sz).toBe(3892);
    linsert(ql, false, els[40], 'v'.repeat(100));
    expect(layout(ql)).toBe('41 38');
    expect(ql.head!.sz).toBe(4098);
    checkInvariants(ql);
  });

  test('compress depth 1: inner nodes compressed, decompressed for reads and recompressed', () => {
    const A = 'a'.repeat(60);
    const B = 'b'.repeat(20);
    const ql = new Quicklist(2, 1);
    const steps: Array<[() => unknown, string]> = [
      [() => pushTail(ql, A, A), '2'],
      [() => pushTail(ql, A, A), '2 2'],
      [() => pushTail(ql, A, A), '2 Z 2'],
      [() => pushTail(ql, A, A), '2 Z Z 2'],
      [() => pushHead(ql, 'x'), '1 Z Z Z 2'],
      [() => expect(items(ql).length).toBe(9), '1 Z Z Z 2'],
      [() => expect(lindex(ql, 3)).toBe(A), '1 Z Z Z 2'],
      [() => expect(lset(ql, 3, 'y')).toBe(true), '1 Z Z Z 2'],
      [() => ql.delRange(-2, 2), '1 Z Z 2'],
      [() => ql.popDiscard(true), '2 Z 2'],
      [() => pushTail(ql, B, B), '2 Z Z 2'],
      [() => pushTail(ql, B, B), '2 Z Z Z 2'],
      [() => linsert(ql, true, 'y', A), '2 1 Z Z Z 2'],
    ];
    for (const [op, want] of steps) {
      op();
      expect(layout(ql)).toBe(want);
      checkInvariants(ql);
    }
    expect(items(ql)).toEqual([A, A, 'y', A, A, A, A, B, B, B, B]);
  });

  test('compress depth 2: the two nodes at each end stay raw', () => {
    const A = 'a'.repeat(60);
    const ql = new Quicklist(2, 2);
    pushTail(ql, ...Array(12).fill(A));
    expect(layout(ql)).toBe('2 2 Z Z 2 2');
    ql.delRange(0, 3);
    expect(layout(ql)).toBe('1 2 Z 2 2');
    ql.delRange(-5, 5);
    expect(layout(ql)).toBe('1 2 1');
    ql.popDiscard(false);
    expect(layout(ql)).toBe('1 2');
    checkInvariants(ql);
  });
});

describe('compression', () => {
  test('reading a compressed list leaves it compressed and intact', () => {
    const ql = new Quicklist(-1, 1);
    const vals: string[] = [];
    for (let i = 0; i < 2000; i++) vals.push(`element-${i % 50}-${'p'.repeat(i % 40)}`);
    pushTail(ql, ...vals);
    const before = layout(ql);
    expect(before.split(' ').filter((x) => x === 'Z').length).toBe(ql.len - 2);
    for (let round = 0; round < 3; round++) {
      expect(items(ql)).toEqual(vals);
      expect(itemsBackward(ql)).toEqual([...vals].reverse());
      for (const i of [0, 700, 1999, -1, -1500]) expect(lindex(ql, i)).toBe(vals[i < 0 ? vals.length + i : i]);
    }
    expect(layout(ql)).toBe(before);
    checkInvariants(ql);
  });

  test('nodes that do not compress well stay raw', () => {
    const ql = new Quicklist(2, 1);
    let x = 7;
    const noise = () => {
      let s = '';
      for (let i = 0; i < 80; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        s += String.fromCharCode(33 + ((x >>> 16) % 90));
      }
      return s;
    };
    for (let i = 0; i < 5; i++) pushTail(ql, noise(), noise());
    pushTail(ql, 'a', 'b'); // a small inner node: under 48 bytes
    pushTail(ql, 'c', 'd');
    expect(layout(ql)).toBe('2 2 2 2 2 2 2');
    checkInvariants(ql);
  });

  test('changes to a compressed node go through decompression', () => {
    const A = 'a'.repeat(100);
    const ql = new Quicklist(3, 1);
    pushTail(ql, ...Array(15).fill(A));
    expect(layout(ql)).toBe('3 Z Z Z 3');
    expect(lset(ql, 7, 'mid')).toBe(true);
    expect(lrem(ql, 1, A)).toBe(1);
    expect(linsert(ql, false, 'mid', 'before-mid')).toBe(true);
    const want = Array(15).fill(A);
    want[7] = 'mid';
    want.shift();
    want.splice(6, 0, 'before-mid');
    expect(items(ql)).toEqual(want);
    checkInvariants(ql);
  });
});

describe('delete', () => {
  test('delRange: clamps, negative starts, whole nodes and partial nodes', () => {
    const ql = new Quicklist(4);
    const vals = Array.from({ length: 30 }, (_, i) => String(i));
    pushTail(ql, ...vals);
    expect(ql.delRange(100, 5)).toBe(false);
    expect(ql.delRange(0, 0)).toBe(false);
    expect(ql.delRange(2, 7)).toBe(true);
    vals.splice(2, 7);
    expect(items(ql)).toEqual(vals);
    ql.delRange(-3, 100);
    vals.splice(-3);
    expect(items(ql)).toEqual(vals);
    ql.delRange(-10, 4);
    vals.splice(vals.length - 10, 4);
    expect(items(ql)).toEqual(vals);
    checkInvariants(ql);
    ql.delRange(0, 1000);
    expect(ql.count).toBe(0);
    expect(ql.len).toBe(0);
  });

  test('deleting while iterating, in both directions', () => {
    for (const forward of [true, false]) {
      const ql = new Quicklist(3, 1);
      const vals = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 'del' : `keep${i}${'k'.repeat(50)}`));
      pushTail(ql, ...vals);
      expect(lrem(ql, forward ? 0 : -1000, 'del')).toBe(14);
      expect(items(ql)).toEqual(vals.filter((v) => v !== 'del'));
      checkInvariants(ql);
    }
  });

  test('LREM with a count stops after that many, from the chosen end', () => {
    const ql = new Quicklist(2);
    pushTail(ql, 'a', 'b', 'a', 'c', 'a', 'd', 'a');
    expect(lrem(ql, 2, 'a')).toBe(2);
    expect(items(ql)).toEqual(['b', 'c', 'a', 'd', 'a']);
    expect(lrem(ql, -1, 'a')).toBe(1);
    expect(items(ql)).toEqual(['b', 'c', 'a', 'd']);
    checkInvariants(ql);
  });
});

describe('matching', () => {
  test('integers match their canonical spelling only', () => {
    const ql = new Quicklist();
    pushTail(ql, '10', '010', '-0', '+5', '5', '9223372036854775807');
    const m = new QlMatch();
    const positions = (s: string) => {
      m.set(enc(s), 0, s.length);
      const out: number[] = [];
      const it = ql.iterator(true);
      let i = 0;
      while (it.next()) {
        if (it.matches(m)) out.push(i);
        i++;
      }
      it.release();
      return out;
    };
    expect(positions('10')).toEqual([0]);
    expect(positions('010')).toEqual([1]);
    expect(positions('-0')).toEqual([2]);
    expect(positions('+5')).toEqual([3]);
    expect(positions('5')).toEqual([4]);
    expect(positions('9223372036854775807')).toEqual([5]);
    expect(positions('')).toEqual([]);
  });
});

describe('dup', () => {
  test('a copy has the same nodes and compression and is independent', () => {
    const ql = new Quicklist(3, 1);
    pushTail(ql, ...Array.from({ length: 30 }, (_, i) => `${i}-${'z'.repeat(60)}`));
    const copy = ql.dup();
    expect(copy.fill).toBe(3);
    expect(copy.compress).toBe(1);
    expect(layout(copy)).toBe(layout(ql));
    expect(items(copy)).toEqual(items(ql));
    const before = items(ql);
    pushHead(copy, 'new');
    lset(copy, 15, 'changed');
    copy.delRange(-5, 5);
    expect(items(ql)).toEqual(before);
    checkInvariants(ql);
    checkInvariants(copy);
  });
});

describe('random operations against an array model', () => {
  for (const [fill, depth] of [[-2, 0], [4, 0], [3, 1], [-1, 2], [1, 1], [32, 3]] as const) {
    test(`fill ${fill} depth ${depth}`, () => {
      let x = (fill + 17) * 7919 + depth;
      const rnd = (n: number) => {
        x ^= x << 13;
        x >>>= 0;
        x ^= x >>> 17;
        x ^= x << 5;
        x >>>= 0;
        return x % n;
      };
      const values = ['a', 'b', '1', '-5', '300', 'c'.repeat(70), 'd'.repeat(300), 'e'.repeat(1500), '9'.repeat(19), 'f'.repeat(5000)];
      const val = () => values[rnd(values.length)];
      const ql = new Quicklist(fill, depth);
      const model: string[] = [];
      for (let step = 0; step < 1500; step++) {
        const op = rnd(10);
        if (op < 3) {
          const v = val();
          if (rnd(2)) {
            pushHead(ql, v);
            model.unshift(v);
          } else {
            pushTail(ql, v);
            model.push(v);
          }
        } else if (op === 3 && model.length > 0) {
          const head = rnd(2) === 0;
          ql.popDiscard(head);
          if (head) model.shift();
          else model.pop();
        } else if (op === 4 && model.length > 0) {
          const pivot = val();
          const v = val();
          const after = rnd(2) === 0;
          const at = model.indexOf(pivot);
          expect(linsert(ql, after, pivot, v)).toBe(at >= 0);
          if (at >= 0) model.splice(after ? at + 1 : at, 0, v);
        } else if (op === 5 && model.length > 0) {
          const i = rnd(model.length * 2) - model.length;
          const v = val();
          expect(lset(ql, i, v)).toBe(true);
          model[i < 0 ? model.length + i : i] = v;
        } else if (op === 6) {
          const v = val();
          const cnt = rnd(5) - 2;
          const removed = lrem(ql, cnt, v);
          let want = 0;
          if (cnt >= 0) {
            for (let i = 0; i < model.length && (cnt === 0 || want < cnt); i++) {
              if (model[i] === v) {
                model.splice(i--, 1);
                want++;
              }
            }
          } else {
            for (let i = model.length - 1; i >= 0 && want < -cnt; i--) {
              if (model[i] === v) {
                model.splice(i, 1);
                want++;
              }
            }
          }
          expect(removed).toBe(want);
        } else if (op === 7 && model.length > 0) {
          const start = rnd(model.length + 2) - 1;
          const n = rnd(6);
          ql.delRange(start, n);
          const s = start < 0 ? model.length + start : start;
          model.splice(s, start < 0 ? Math.min(n, -start) : n);
        } else if (op === 8 && model.length > 0) {
          const i = rnd(model.length);
          expect(lindex(ql, i)).toBe(model[i]);
        } else {
          expect(items(ql)).toEqual(model);
        }
        expect(ql.count).toBe(model.length);
        if (step % 25 === 0) checkInvariants(ql, { sizeBound: false });
      }
      expect(items(ql)).toEqual(model);
      expect(itemsBackward(ql)).toEqual([...model].reverse());
      checkInvariants(ql);
    });
  }
});

/*
 * ChainedTable (src/store/chained-table.ts) through two small users shaped like the real ones:
 *   Dense       ids 0..n-1 in separate hash/next arrays (stride 1, ref = id + 1), the last id
 *               moving into a deleted slot (move), plain arrays replaced when they grow
 *               (setViews): the keyspace's and ByteDict's layout
 *   Interleaved ids are even numbers naming 4-word records of a word heap (id x owns words
 *               2x..2x+3), hash and next at words 2x+1 and 2x+3 (stride 2, ref = id, 0 never
 *               used), freed records reused: the skiplist's layout, where node ids are record
 *               offsets
 * Checked against a Map model with check() after random operation sequences, with the rehash in
 * progress during lookups, inserts and deletes; the grow/shrink policy; and the SCAN guarantee
 * (every key present for the whole scan is returned) while the table grows, shrinks and loses
 * keys between calls. Keys are small integers; the hash is either a good mix or a weak one that
 * puts many keys in one chain.
 */
import { describe, expect, test } from 'vitest';
import { ChainedTable, MIN_TABLE, tableSize } from '../../src/store/chained-table.ts';
import { rng } from '../helpers/rng.ts';

function mix(k: number): number {
  let x = Math.imul(k ^ (k >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) | 0;
}

/** Runs of 8 keys share a whole hash: they collide in every table (chains of 8+ that move together). */
function weak(k: number): number {
  return mix(Math.floor(k / 8));
}

interface User {
  readonly table: ChainedTable;
  readonly size: number;
  find(key: number): number;
  add(key: number): number;
  delete(id: number): void;
  keyOf(id: number): number;
  ids(): number[];
  check(): void;
}

class Dense implements User {
  hash = new Int32Array(4);
  next = new Int32Array(4);
  keys: number[] = [];
  table: ChainedTable;
  private readonly h: (k: number) => number;
  private readonly shrinkOnDelete: boolean;
  constructor(h: (k: number) => number, shrinkOnDelete: boolean) {
    this.h = h;
    this.shrinkOnDelete = shrinkOnDelete;
    this.table = new ChainedTable(this.hash, 0, this.next, 0, 1, 1);
  }
  get size(): number {
    return this.keys.length;
  }
  find(key: number): number {
    const t = this.table;
    if (t.t1 !== null) t.step(1);
    const h = this.h(key);
    for (let e = t.head(h) - 1; e >= 0; e = this.next[e] - 1) if (this.hash[e] === h && this.keys[e] === key) return e;
    return -1;
  }
  add(key: number): number {
    const e = this.keys.length;
    if (e >= this.hash.length) {
      const h2 = new Int32Array(this.hash.length * 2);
      const n2 = new Int32Array(this.hash.length * 2);
      h2.set(this.hash);
      n2.set(this.next);
      this.hash = h2;
      this.next = n2;
      this.table.setViews(h2, n2);
    }
    this.keys.push(key);
    this.table.add(e + 1, this.h(key));
    return e;
  }
  delete(id: number): void {
    this.table.unlink(id + 1);
    const last = this.keys.length - 1;
    if (id !== last) {
      this.table.move(last + 1, id + 1);
      this.keys[id] = this.keys[last];
    }
    this.keys.pop();
    if (this.shrinkOnDelete) this.table.afterDelete();
    else if (this.table.rehashing) this.table.step(1);
  }
  keyOf(id: number): number {
    return this.keys[id];
  }
  ids(): number[] {
    return this.keys.map((_, i) => i);
  }
  check(): void {
    const n = this.table.check(this.size + 1, (e) => {
      if (this.hash[e] !== this.h(this.keys[e])) throw new Error(`stale hash at ${e}`);
    });
    if (n !== this.size) throw new Error(`${n} linked, size ${this.size}`);
  }
}

const W_HASH = 1;
const W_NEXT = 3;

class Interleaved implements User {
  heap = new Int32Array(16);
  keys = new Map<number, number>(); // slot -> key
  private free: number[] = [];
  private top = 2; // 0 is never an entry
  table: ChainedTable;
  private readonly h: (k: number) => number;
  constructor(h: (k: number) => number) {
    this.h = h;
    this.table = new ChainedTable(this.heap, W_HASH, this.heap, W_NEXT, 2, 0);
  }
  get size(): number {
    return this.keys.size;
  }
  find(key: number): number {
    const t = this.table;
    if (t.t1 !== null) t.step(1);
    const h = this.h(key);
    for (let x = t.head(h); x !== 0; x = this.heap[x * 2 + W_NEXT]) if (this.heap[x * 2 + W_HASH] === h && this.keys.get(x) === key) return x;
    return 0;
  }
  add(key: number): number {
    let x = this.free.pop();
    if (x === undefined) {
      x = this.top;
      this.top += 2;
      if (x * 2 + 4 > this.heap.length) {
        const h2 = new Int32Array(this.heap.length * 2);
        h2.set(this.heap);
        this.heap = h2;
        this.table.setViews(h2, h2);
      }
    }
    this.heap[x * 2] = 0x5a5a5a5a; // words the table must not touch
    this.heap[x * 2 + 2] = -0x5a5a5a5b;
    this.keys.set(x, key);
    this.table.add(x, this.h(key));
    return x;
  }
  delete(x: number): void {
    this.table.unlink(x);
    this.keys.delete(x);
    this.free.push(x);
    this.table.afterDelete();
  }
  keyOf(x: number): number {
    return this.keys.get(x)!;
  }
  ids(): number[] {
    return [...this.keys.keys()];
  }
  check(): void {
    const n = this.table.check(this.top, (x) => {
      const k = this.keys.get(x);
      if (k === undefined) throw new Error(`free slot ${x} linked`);
      if (this.heap[x * 2 + W_HASH] !== this.h(k)) throw new Error(`stale hash at ${x}`);
      if (this.heap[x * 2] !== 0x5a5a5a5a || this.heap[x * 2 + 2] !== -0x5a5a5a5b) throw new Error(`user words of ${x} overwritten`);
    });
    if (n !== this.size) throw new Error(`${n} linked, size ${this.size}`);
  }
}

const MISSING = (u: User): number => (u instanceof Interleaved ? 0 : -1);

const USERS: Array<[string, () => User]> = [
  ['dense, good hash, shrink on delete', () => new Dense(mix, true)],
  ['dense, weak hash, shrink from "cron"', () => new Dense(weak, false)],
  ['interleaved, good hash', () => new Interleaved(mix)],
  ['interleaved, weak hash', () => new Interleaved(weak)],
];

describe.each(USERS)('ChainedTable against a Map model: %s', (_name, make) => {
  test('random operations, with check() along the way and rehashing during lookups, inserts and deletes', () => {
    let opsWhileRehashing = 0;
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const u = make();
      const model = new Map<number, true>();
      const space = seed === 1 ? 40 : 5000;
      for (let step = 0; step < 20000; step++) {
        // Phases of growth and of shrinking, so that both directions rehash under load.
        const grow = Math.floor(step / 2500) % 2 === 0;
        const k = Math.floor(r() * space);
        const op = r();
        if (u.table.rehashing) opsWhileRehashing++;
        const id = u.find(k);
        expect(id !== MISSING(u)).toBe(model.has(k));
        if (op < (grow ? 0.7 : 0.25)) {
          if (id === MISSING(u)) {
            u.add(k);
            model.set(k, true);
          }
        } else if (op < 0.9) {
          if (id !== MISSING(u)) {
            expect(u.keyOf(id)).toBe(k);
            u.delete(id);
            model.delete(k);
          }
        } else if (op < 0.95) {
          const ids = u.ids();
          if (ids.length > 0) {
            const x = ids[Math.floor(r() * ids.length)];
            model.delete(u.keyOf(x));
            u.delete(x);
          }
        } else {
          u.table.maybeShrink();
          u.table.step(Math.floor(r() * 3));
        }
        if (step % 250 === 0) u.check();
      }
      u.check();
      expect(u.size).toBe(model.size);
      for (const k of model.keys()) expect(u.find(k)).not.toBe(MISSING(u));
    }
    expect(opsWhileRehashing).toBeGreaterThan(100);
  });

  test('a rehash in progress: every key findable at every step, inserts and deletes in both tables', () => {
    const u = make();
    const model = new Set<number>();
    let k = 0;
    // Fill to exactly the table size: the next add starts a doubling.
    while (u.size < 1024 || u.table.rehashing) {
      u.add(k);
      model.add(k++);
      while (u.table.rehashing) u.table.step(100);
    }
    const size0 = u.table.t0.length;
    u.add(k);
    model.add(k++);
    expect(u.table.rehashing).toBe(true);
    let steps = 0;
    const r = rng(5);
    while (u.table.rehashing) {
      // Inserts land in the old or the new table by the rehashIdx rule; deletes hit both.
      u.add(k);
      model.add(k++);
      const victim = [...model][Math.floor(r() * model.size)];
      const id = u.find(victim);
      u.delete(id);
      model.delete(victim);
      if (steps++ % 37 === 0) {
        u.check();
        for (const m of model) expect(u.find(m)).not.toBe(MISSING(u));
      }
      expect(steps).toBeLessThan(100000);
    }
    expect(u.table.t0.length).toBe(size0 * 2);
    u.check();
    for (const m of model) expect(u.find(m)).not.toBe(MISSING(u));
  });
});

describe('policy', () => {
  test('grows at load factor 1, to the next power of two', () => {
    const u = new Dense(mix, true);
    expect(u.table.t0.length).toBe(MIN_TABLE);
    for (let i = 0; i < MIN_TABLE; i++) u.add(i);
    expect(u.table.rehashing).toBe(false);
    u.add(MIN_TABLE);
    expect(u.table.rehashing).toBe(true);
    expect(u.table.t1!.length).toBe(MIN_TABLE * 2);
    expect(tableSize(0)).toBe(MIN_TABLE);
    expect(tableSize(5)).toBe(8);
    expect(tableSize(1024)).toBe(1024);
    expect(tableSize(1025)).toBe(2048);
  });

  test('shrinks under 10% full to the smallest table holding the count, never below 4 buckets', () => {
    const u = new Dense(mix, false);
    for (let i = 0; i < 1000; i++) u.add(i);
    while (!u.table.step(100));
    expect(u.table.t0.length).toBe(1024);
    while (u.size > 103) u.delete(u.find(u.keyOf(0)));
    while (!u.table.step(100));
    u.table.maybeShrink();
    expect(u.table.rehashing).toBe(false); // 103 of 1024 is above 10%
    u.delete(0);
    u.delete(0);
    u.table.maybeShrink();
    expect(u.table.rehashing).toBe(true); // 101 * 10 < 1024
    expect(u.table.t1!.length).toBe(128);
    while (!u.table.step(1));
    u.check();
    while (u.size > 0) u.delete(0);
    u.table.maybeShrink();
    while (!u.table.step(1));
    expect(u.table.t0.length).toBe(MIN_TABLE);
    u.table.maybeShrink();
    expect(u.table.rehashing).toBe(false);
    u.check();
  });

  test('rehashFor finishes a big rehash; a rehash ends as soon as the old table is empty', () => {
    const u = new Dense(mix, false);
    for (let i = 0; i < 4096; i++) u.add(i);
    while (!u.table.step(100));
    u.add(4096); // starts growing to 8192
    expect(u.table.rehashing).toBe(true);
    u.table.rehashFor(1000);
    expect(u.table.rehashing).toBe(false);
    expect(u.table.t0.length).toBe(8192);
    u.check();
    // Shrink 8192 -> 8 buckets with 5 keys left, then delete them: each delete does one step
    // (at most 10 empty buckets visited), yet the rehash ends with the last key, long before
    // rehashIdx could have walked the 8192 old buckets.
    while (u.size > 5) u.delete(u.size - 1);
    u.table.maybeShrink();
    expect(u.table.rehashing).toBe(true);
    expect(u.table.t1!.length).toBe(8);
    for (let id = u.size - 1; id >= 0; id--) u.delete(id);
    expect(u.table.rehashing).toBe(false);
    expect(u.table.t0.length).toBe(8);
    u.check();
  });

  test('check() notices broken chains, wrong buckets and bad counts', () => {
    const u = new Dense(mix, true);
    for (let i = 0; i < 50; i++) u.add(i);
    u.check();
    const cycle = new Dense(mix, true);
    for (let i = 0; i < 50; i++) cycle.add(i);
    while (cycle.table.rehashing) cycle.table.step(100);
    const b = cycle.table.t0.findIndex((r) => r !== 0);
    cycle.next[cycle.table.t0[b] - 1] = cycle.table.t0[b]; // points at itself
    expect(() => cycle.check()).toThrow(/twice/);
    const wrong = new Dense(mix, true);
    for (let i = 0; i < 50; i++) wrong.add(i);
    wrong.hash[7] ^= 1; // the low bit: a different bucket in any table
    expect(() => wrong.table.check(wrong.size + 1)).toThrow(/bucket/);
    const counts = new Dense(mix, true);
    for (let i = 0; i < 50; i++) counts.add(i);
    counts.table.used0++;
    expect(() => counts.check()).toThrow(/used/);
  });
});

describe('SCAN guarantee', () => {
  /** A full scan with `between` run after every call; returns every key emitted. */
  function scanAll(u: User, between: (calls: number) => void): Map<number, number> {
    const seen = new Map<number, number>();
    let cursor = 0;
    let calls = 0;
    do {
      cursor = u.table.scan(cursor, (id) => {
        const k = u.keyOf(id);
        seen.set(k, (seen.get(k) ?? 0) + 1);
      });
      between(++calls);
      expect(calls).toBeLessThan(1_000_000);
    } while (cursor !== 0);
    return seen;
  }

  test.each(USERS)('%s: every key present for the whole scan is returned while the table grows, shrinks and loses keys', (_name, make) => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = rng(seed * 31);
      const u = make();
      const stable: number[] = [];
      for (let i = 0; i < 50 + seed * 20; i++) {
        u.add(i);
        stable.push(i);
      }
      const others = new Set<number>();
      let next = 1_000_000;
      let minT = Infinity;
      let maxT = 0;
      let sawRehash = 0;
      const seen = scanAll(u, (calls) => {
        if (calls > 300) return; // let the scan finish on a quiet table
        const phase = Math.floor(calls / 20) % 3; // grow, shrink, churn
        const ops = Math.floor(r() * 200);
        for (let i = 0; i < ops; i++) {
          const add = phase === 0 ? r() < 0.9 : phase === 1 ? r() < 0.05 : r() < 0.5;
          if (add) {
            u.add(next);
            others.add(next++);
          } else if (others.size > 0) {
            const k = others.values().next().value as number;
            others.delete(k);
            u.delete(u.find(k));
          }
        }
        if (phase === 1) u.table.maybeShrink();
        if (r() < 0.5) u.table.step(Math.floor(r() * 3));
        if (u.table.rehashing) sawRehash++;
        minT = Math.min(minT, u.table.t0.length);
        maxT = Math.max(maxT, u.table.t0.length);
      });
      const missing = stable.filter((k) => !seen.has(k));
      expect(missing, `seed ${seed}`).toEqual([]);
      expect(maxT).toBeGreaterThan(minT);
      expect(sawRehash).toBeGreaterThan(0);
      u.check();
    }
  });

  test.each(USERS)('%s: a scan of an unchanged table returns each key exactly once, also mid-rehash', (_name, make) => {
    const u = make();
    for (let i = 0; i < 3000; i++) u.add(i);
    while (!u.table.step(100));
    u.table.startRehash(u.table.t0.length * 2);
    u.table.step(20); // (with the weak hash, this may finish it)
    const mid = scanAll(u, () => {});
    expect(mid.size).toBe(3000);
    for (const c of mid.values()) expect(c).toBe(1);
    while (!u.table.step(100));
    const quiet = scanAll(u, () => {});
    expect(quiet.size).toBe(3000);
    for (const c of quiet.values()) expect(c).toBe(1);
    // Mid-shrink too.
    for (let i = 0; i < 2900; i++) u.delete(u.find(i));
    u.table.maybeShrink();
    while (u.table.rehashing && u.table.rehashIdx < 100) u.table.step(1);
    if (u.table.rehashing) {
      const shrinking = scanAll(u, () => {});
      expect(shrinking.size).toBe(100);
      for (const c of shrinking.values()) expect(c).toBe(1);
    }
    expect(new Dense(mix, true).table.scan(0, () => {})).toBe(0);
  });
});

describe('clone and reset', () => {
  test('clone copies buckets and rehash state over new arrays; the two then diverge', () => {
    const u = new Dense(mix, true);
    for (let i = 0; i < 700; i++) u.add(i);
    expect(u.table.rehashing).toBe(true);
    const c = new Dense(mix, true);
    c.hash = u.hash.slice();
    c.next = u.next.slice();
    c.keys = [...u.keys];
    c.table = u.table.clone(c.hash, c.next);
    c.check();
    for (let i = 0; i < 300; i++) u.delete(u.find(i));
    u.check();
    c.check();
    for (let i = 0; i < 700; i++) expect(c.find(i)).toBeGreaterThanOrEqual(0);
    c.table.reset();
    expect(c.table.count).toBe(0);
    expect(c.table.t0.length).toBe(MIN_TABLE);
    expect(c.table.buckets).toBe(MIN_TABLE);
    expect(c.table.bytes()).toBe(MIN_TABLE * 4);
  });
});

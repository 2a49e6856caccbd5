/*
 * The keyspace dict (src/store/keyspace.ts) checked directly against a Map model: dense ids with
 * swap-remove, values resized in place and across arena size classes, the expiry index, incremental
 * rehashing in both directions, and the SCAN guarantee (every key present for the whole scan is
 * returned at least once) under growth, shrinking and deletions between scan calls.
 */
import { describe, expect, test } from 'vitest';
import { Arena } from '../../src/store/arena.ts';
import { hashBytes } from '../../src/store/hash.ts';
import { Keyspace, OBJ_LIST, OBJ_STRING } from '../../src/store/keyspace.ts';
import { rng } from '../helpers/rng.ts';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

function find(ks: Keyspace, key: string): number {
  const b = bytes(key);
  return ks.find(b, 0, b.length, hashBytes(b, 0, b.length));
}

function add(ks: Keyspace, key: string, value: Buffer, type = OBJ_STRING): number {
  const b = bytes(key);
  const e = ks.add(b, 0, b.length, hashBytes(b, 0, b.length), value.length, type);
  ks.arena.u8.set(value, ks.valOff(e));
  return e;
}

function keyOf(ks: Keyspace, e: number): string {
  return ks.keyBytes(e).toString('latin1');
}

function value(ks: Keyspace, e: number): Buffer {
  return ks.valBytes(e);
}

/** Throws with `msg` when `ok` is false (cheap enough to call per entry). */
function check(ok: boolean, msg: string): void {
  if (!ok) throw new Error(msg);
}

/**
 * Every bucket chain in both tables, walked here independently of ChainedTable.check (heads and
 * next links hold refs, id + 1, 0 ending a chain); each id in [0, count) exactly once; then
 * Keyspace.check().
 */
function checkStructure(ks: Keyspace): void {
  ks.check();
  const seen = new Uint8Array(ks.count);
  let n0 = 0;
  let n1 = 0;
  const walk = (t: Int32Array, isT1: boolean): void => {
    const mask = t.length - 1;
    for (let i = 0; i < t.length; i++) {
      for (let e = t[i] - 1; e >= 0; e = ks.nextOf(e)) {
        check(e < ks.count, `entry ${e} beyond count ${ks.count}`);
        check(seen[e] === 0, `entry ${e} linked twice`);
        seen[e] = 1;
        check((ks.hashOf(e) & mask) === i, `entry ${e} not in the bucket of its hash`);
        if (isT1) n1++;
        else n0++;
      }
    }
  };
  walk(ks.t0, false);
  if (ks.t1 !== null) walk(ks.t1, true);
  expect(n0 + n1).toBe(ks.count);
  expect(ks.used0).toBe(n0);
  expect(ks.used1).toBe(n1);
  // Expiry index: a dense array with back-pointers.
  let withTtl = 0;
  for (let e = 0; e < ks.count; e++) {
    const x = ks.expIndex(e);
    if (x >= 0) {
      withTtl++;
      check(x < ks.expCount && ks.expEnt[x] === e, `expiry back-pointer of entry ${e}`);
    }
  }
  expect(withTtl).toBe(ks.expCount);
  for (let x = 0; x < ks.expCount; x++) check(ks.expIndex(ks.expEnt[x]) === x, `expiry slot ${x}`);
}

interface ModelEntry {
  value: Buffer;
  ttl: number;
}

function checkAgainstModel(ks: Keyspace, model: Map<string, ModelEntry>): void {
  expect(ks.count).toBe(model.size);
  for (const [k, m] of model) {
    const e = find(ks, k);
    check(e >= 0, `key ${JSON.stringify(k)} not found`);
    check(value(ks, e).equals(m.value), `value of ${JSON.stringify(k)}`);
    check(ks.getExpire(e) === m.ttl, `ttl of ${JSON.stringify(k)}: ${ks.getExpire(e)} != ${m.ttl}`);
  }
  for (let e = 0; e < ks.count; e++) check(model.has(keyOf(ks, e)), `entry ${e} not in the model`);
}

function randomValue(r: () => number): Buffer {
  const pick = r();
  // Mostly small values, some across the 1-byte/4-byte length boundary, some large.
  const len = pick < 0.6 ? Math.floor(r() * 40) : pick < 0.85 ? 100 + Math.floor(r() * 60) : pick < 0.97 ? Math.floor(r() * 5000) : 40000 + Math.floor(r() * 60000);
  const b = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) b[i] = Math.floor(r() * 256);
  return b;
}

function randomKey(r: () => number, space: number): string {
  const n = Math.floor(r() * space);
  // A few long keys (4-byte length prefix) among short ones.
  return n % 97 === 0 ? `long:${n}:`.padEnd(150, 'x') : `k:${n}`;
}

describe('Keyspace against a Map model', () => {
  test('add / find / delete / set with swap-remove over random operations', () => {
    for (const seed of [1, 2, 3, 4]) {
      const r = rng(seed);
      const ks = new Keyspace(0, new Arena());
      const model = new Map<string, ModelEntry>();
      const space = seed === 1 ? 50 : 3000;
      for (let step = 0; step < 12000; step++) {
        const k = randomKey(r, space);
        const op = r();
        const e = find(ks, k);
        check(e >= 0 === model.has(k), `find(${k}) disagrees with the model`);
        if (op < 0.45) {
          const v = randomValue(r);
          if (e < 0) add(ks, k, v);
          else ks.setValue(e, v, 0, v.length);
          model.set(k, { value: v, ttl: model.get(k)?.ttl ?? -1 });
        } else if (op < 0.75) {
          if (e >= 0) {
            ks.delete(e);
            model.delete(k);
          }
        } else if (op < 0.85) {
          if (e >= 0) {
            const at = 1_700_000_000_000 + Math.floor(r() * 1e9);
            ks.setExpire(e, at);
            model.get(k)!.ttl = at;
          }
        } else if (op < 0.9) {
          if (e >= 0) {
            const had = model.get(k)!.ttl !== -1;
            expect(ks.persist(e)).toBe(had);
            model.get(k)!.ttl = -1;
          }
        } else if (op < 0.95) {
          // Delete a random entry by id.
          const x = ks.randomEntry();
          if (x >= 0) {
            model.delete(keyOf(ks, x));
            ks.delete(x);
          }
        } else {
          ks.maybeShrink();
          ks.rehashStep(Math.floor(r() * 4));
        }
        if (step % 1000 === 0) {
          checkStructure(ks);
          checkAgainstModel(ks, model);
        }
      }
      checkStructure(ks);
      checkAgainstModel(ks, model);
    }
  });

  test('values resized in place and across size classes keep the kept prefix', () => {
    const ks = new Keyspace(0, new Arena());
    const key = 'resize-me';
    let cur = Buffer.from('abc');
    add(ks, key, cur);
    const other = add(ks, 'neighbour', Buffer.from('untouched'));
    expect(other).toBe(1);
    const sizes = [0, 1, 5, 120, 127, 128, 129, 200, 4000, 4096, 5000, 70000, 130, 126, 3, 0, 300000, 10];
    for (const n of sizes) {
      const e = find(ks, key);
      const keep = Math.min(cur.length, n, Math.floor(n / 2));
      const off = ks.resizeValue(e, n, keep);
      expect(off).toBe(ks.valOff(e));
      expect(ks.valLen(e)).toBe(n);
      const got = value(ks, e);
      expect(got.subarray(0, keep).equals(cur.subarray(0, keep))).toBe(true);
      const next = Buffer.alloc(n, 0);
      cur.copy(next, 0, 0, keep);
      for (let i = keep; i < n; i++) next[i] = (i * 7 + n) & 0xff;
      ks.arena.u8.set(next.subarray(keep), off + keep);
      cur = next;
      expect(value(ks, find(ks, key)).equals(cur)).toBe(true);
      expect(keyOf(ks, find(ks, key))).toBe(key);
      expect(value(ks, find(ks, 'neighbour')).toString()).toBe('untouched');
    }
  });

  test('long keys (4-byte length prefix) and values around 127/128 bytes', () => {
    const ks = new Keyspace(0, new Arena());
    const model = new Map<string, ModelEntry>();
    for (let i = 0; i < 300; i++) {
      const k = 'K'.repeat(120 + (i % 20)) + i;
      const v = Buffer.alloc(120 + (i % 16), i & 0xff);
      add(ks, k, v);
      model.set(k, { value: v, ttl: -1 });
    }
    checkAgainstModel(ks, model);
    for (const [k, m] of model) {
      const e = find(ks, k);
      const v = Buffer.alloc(m.value.length ^ 3, 0x5a);
      ks.setValue(e, v, 0, v.length);
      m.value = v;
    }
    checkAgainstModel(ks, model);
    checkStructure(ks);
  });

  test('expiry index stays consistent across deletes that move entries', () => {
    const r = rng(99);
    const ks = new Keyspace(0, new Arena());
    const model = new Map<string, ModelEntry>();
    for (let i = 0; i < 2000; i++) {
      const k = `e:${i}`;
      const v = Buffer.from(String(i));
      const e = add(ks, k, v);
      const ttl = r() < 0.5 ? 1e12 + i : -1;
      if (ttl >= 0) ks.setExpire(e, ttl);
      model.set(k, { value: v, ttl });
    }
    checkStructure(ks);
    // Delete from the middle, the end, keys with and without TTL, and via the expiry sample.
    for (let round = 0; round < 1500; round++) {
      let e: number;
      if (round % 3 === 0) e = ks.randomExpiring();
      else if (round % 3 === 1) e = ks.count - 1;
      else e = ks.randomEntry();
      if (e < 0) continue;
      model.delete(keyOf(ks, e));
      ks.delete(e);
      if (round % 100 === 0) checkStructure(ks);
    }
    checkStructure(ks);
    checkAgainstModel(ks, model);
    // Entries added later start without a TTL even when their id slot had one.
    for (let i = 0; i < 500; i++) {
      const k = `new:${i}`;
      const v = Buffer.from('n');
      const e = add(ks, k, v);
      expect(ks.getExpire(e)).toBe(-1);
      model.set(k, { value: v, ttl: -1 });
    }
    checkStructure(ks);
    checkAgainstModel(ks, model);
  });

  test('object values: slots freed on delete, reused, and moved with swap-remove', () => {
    const ks = new Keyspace(0, new Arena());
    for (let i = 0; i < 100; i++) {
      const e = add(ks, `o:${i}`, Buffer.alloc(0));
      ks.setObject(e, { n: i });
      ks.setMeta(e, (ks.metaOf(e) & ~15) | OBJ_LIST);
    }
    for (let i = 0; i < 100; i += 2) ks.delete(find(ks, `o:${i}`));
    for (let i = 1; i < 100; i += 2) expect(ks.getObject(find(ks, `o:${i}`))).toEqual({ n: i });
    for (let i = 0; i < 50; i++) {
      const e = add(ks, `p:${i}`, Buffer.alloc(0));
      ks.setObject(e, { p: i });
      ks.setMeta(e, (ks.metaOf(e) & ~15) | OBJ_LIST);
    }
    expect(ks.objs.length).toBe(100); // freed slots were reused
    for (let i = 1; i < 100; i += 2) expect(ks.getObject(find(ks, `o:${i}`))).toEqual({ n: i });
    for (let i = 0; i < 50; i++) expect(ks.getObject(find(ks, `p:${i}`))).toEqual({ p: i });
    checkStructure(ks);
  });
});

describe('incremental rehashing', () => {
  test('grows step by step with every key findable at every stage', () => {
    const ks = new Keyspace(0, new Arena());
    let sawRehashing = 0;
    const N = 20000;
    for (let i = 0; i < N; i++) {
      add(ks, `g:${i}`, Buffer.from(String(i)));
      if (ks.rehashing) sawRehashing++;
      if (i % 997 === 0) {
        checkStructure(ks);
        for (let j = 0; j <= i; j += 37) check(find(ks, `g:${j}`) >= 0, `g:${j} lost at size ${i}`);
      }
    }
    expect(sawRehashing).toBeGreaterThan(0);
    while (!ks.rehashStep(100));
    expect(ks.t0.length).toBeGreaterThanOrEqual(N);
    checkStructure(ks);
    for (let i = 0; i < N; i++) check(value(ks, find(ks, `g:${i}`)).toString() === String(i), `value of g:${i}`);
  });

  test('shrinks via maybeShrink, incrementally, preserving every key', () => {
    const ks = new Keyspace(0, new Arena());
    const N = 16384;
    for (let i = 0; i < N; i++) add(ks, `s:${i}`, Buffer.from(String(i)));
    while (!ks.rehashStep(100));
    const big = ks.t0.length;
    // Keep 1 key in 20 (below the 10% fill that triggers a shrink).
    for (let i = 0; i < N; i++) if (i % 20 !== 0) ks.delete(find(ks, `s:${i}`));
    while (!ks.rehashStep(100));
    ks.maybeShrink();
    expect(ks.rehashing).toBe(true);
    let steps = 0;
    while (!ks.rehashStep(1)) {
      steps++;
      if (steps % 50 === 0) {
        checkStructure(ks);
        for (let i = 0; i < N; i += 20 * 7) check(find(ks, `s:${i}`) >= 0, `s:${i} lost while shrinking`);
      }
    }
    expect(steps).toBeGreaterThan(1);
    expect(ks.t0.length).toBeLessThan(big);
    checkStructure(ks);
    for (let i = 0; i < N; i++) check(find(ks, `s:${i}`) >= 0 === (i % 20 === 0), `s:${i} presence`);
  });

  test('deletes and adds during a rehash in either direction', () => {
    const r = rng(7);
    const ks = new Keyspace(0, new Arena());
    const model = new Map<string, ModelEntry>();
    for (let round = 0; round < 6; round++) {
      // Grow to a few thousand, then delete down to a handful, doing both while rehashing.
      const target = 3000 + Math.floor(r() * 3000);
      let i = 0;
      while (model.size < target) {
        const k = `r${round}:${i++}`;
        const v = Buffer.from(k);
        add(ks, k, v);
        model.set(k, { value: v, ttl: -1 });
        if (r() < 0.2) {
          const x = ks.randomEntry();
          model.delete(keyOf(ks, x));
          ks.delete(x);
        }
      }
      checkStructure(ks);
      while (model.size > 20) {
        const x = ks.randomEntry();
        model.delete(keyOf(ks, x));
        ks.delete(x);
        if (r() < 0.01) ks.maybeShrink();
      }
      ks.maybeShrink();
      checkStructure(ks);
      checkAgainstModel(ks, model);
    }
  });
});

describe('SCAN guarantee', () => {
  /**
   * Scans with steps of random size while a mutator runs between calls; returns the keys seen.
   * `stable` keys are never touched by the mutator.
   */
  function scanAll(ks: Keyspace, between: () => void, r: () => number): Set<string> {
    const seen = new Set<string>();
    let cursor = 0;
    let calls = 0;
    do {
      const steps = 1 + Math.floor(r() * 3);
      for (let s = 0; s < steps; s++) {
        cursor = ks.scan(cursor, (e) => seen.add(keyOf(ks, e)));
        if (cursor === 0) break;
      }
      between();
      calls++;
      check(calls < 1_000_000, 'scan does not terminate');
    } while (cursor !== 0);
    return seen;
  }

  function scenario(seed: number, initialStable: number, initialOther: number, mutate: (ks: Keyspace, r: () => number, others: Set<string>, tick: number) => void): void {
    const r = rng(seed);
    const ks = new Keyspace(0, new Arena());
    const stable: string[] = [];
    for (let i = 0; i < initialStable; i++) {
      stable.push(`stable:${i}`);
      add(ks, `stable:${i}`, Buffer.from('s'));
    }
    const others = new Set<string>();
    for (let i = 0; i < initialOther; i++) {
      const k = `other:init:${i}`;
      add(ks, k, Buffer.from('o'));
      others.add(k);
    }
    let tick = 0;
    const seen = scanAll(ks, () => mutate(ks, r, others, tick++), r);
    const missing = stable.filter((k) => !seen.has(k));
    expect(missing, `seed ${seed}: stable keys not returned`).toEqual([]);
    for (const k of seen) check(k.startsWith('stable:') || k.startsWith('other:'), `unexpected key ${k}`);
  }

  test('under growth from few to many keys', () => {
    for (let seed = 1; seed <= 20; seed++) {
      let n = 0;
      // Grows from a handful of keys to 20k (the table doubles about 12 times mid-scan), then the
      // scan finishes on a quiet table.
      scenario(seed, 5 + seed, 0, (ks, r) => {
        const adds = Math.min(1 + Math.floor(r() * 200), 20000 - n);
        for (let i = 0; i < adds; i++) add(ks, `other:${seed}:${n++}`, Buffer.from('g'));
        if (r() < 0.3) ks.rehashStep(Math.floor(r() * 5));
      });
    }
  });

  test('under shrinking after mass deletion', () => {
    for (let seed = 100; seed < 115; seed++) {
      scenario(seed, 30, 8000, (ks, r, others) => {
        const dels = Math.floor(r() * 600);
        for (let i = 0; i < dels && others.size > 0; i++) {
          const k = others.values().next().value as string;
          others.delete(k);
          ks.delete(find(ks, k));
        }
        ks.maybeShrink();
        if (r() < 0.5) ks.rehashStep(Math.floor(r() * 3));
      });
    }
  });

  test('under random adds, deletes, growth and shrinking between calls', () => {
    for (let seed = 200; seed < 230; seed++) {
      let n = 0;
      scenario(seed, 200, 1000, (ks, r, others, tick) => {
        // Alternate phases of growth and of mass deletion so both directions happen mid-scan;
        // after 200 calls the mutator stops so that the scan can finish.
        if (tick > 200) return;
        const growing = Math.floor(tick / 15) % 2 === 0;
        const ops = Math.floor(r() * 300);
        for (let i = 0; i < ops; i++) {
          if (growing ? r() < 0.8 : r() < 0.1) {
            const k = `other:${seed}:${n++}`;
            add(ks, k, Buffer.from('x'));
            others.add(k);
          } else if (others.size > 0) {
            // Delete a random non-stable key.
            const x = ks.randomEntry();
            const k = keyOf(ks, x);
            if (others.has(k)) {
              others.delete(k);
              ks.delete(x);
            }
          }
        }
        ks.maybeShrink();
        if (r() < 0.5) ks.rehashStep(Math.floor(r() * 4));
      });
    }
  });

  test('a full scan of a quiet table returns each key exactly once', () => {
    const ks = new Keyspace(0, new Arena());
    for (let i = 0; i < 5000; i++) add(ks, `q:${i}`, Buffer.from('v'));
    while (!ks.rehashStep(100));
    const counts = new Map<string, number>();
    let cursor = 0;
    do {
      cursor = ks.scan(cursor, (e) => {
        const k = keyOf(ks, e);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      });
    } while (cursor !== 0);
    expect(counts.size).toBe(5000);
    for (const v of counts.values()) expect(v).toBe(1);
  });
});

describe('clear and swapWith', () => {
  test('clear empties a keyspace that can be refilled', () => {
    const arena = new Arena();
    const ks = new Keyspace(0, arena);
    for (let i = 0; i < 3000; i++) ks.setExpire(add(ks, `c:${i}`, Buffer.alloc(30, 1)), 1e12);
    ks.clear(false);
    expect(ks.count).toBe(0);
    expect(ks.expCount).toBe(0);
    expect(find(ks, 'c:1')).toBe(-1);
    expect(ks.scan(0, () => {})).toBe(0);
    for (let i = 0; i < 100; i++) add(ks, `d:${i}`, Buffer.from('x'));
    checkStructure(ks);
    expect(find(ks, 'd:99')).toBeGreaterThanOrEqual(0);
  });

  test('swapWith exchanges contents and keeps ids', () => {
    const arena = new Arena();
    const a = new Keyspace(0, arena);
    const b = new Keyspace(1, arena);
    add(a, 'in-a', Buffer.from('1'));
    const eb = add(b, 'in-b', Buffer.from('2'));
    b.setExpire(eb, 1e12);
    a.swapWith(b);
    expect(a.id).toBe(0);
    expect(b.id).toBe(1);
    expect(find(a, 'in-b')).toBeGreaterThanOrEqual(0);
    expect(a.getExpire(find(a, 'in-b'))).toBe(1e12);
    expect(find(a, 'in-a')).toBe(-1);
    expect(find(b, 'in-a')).toBeGreaterThanOrEqual(0);
    checkStructure(a);
    checkStructure(b);
  });
});

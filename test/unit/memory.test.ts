// Memory pieces without a server: the LFU counter (store/lfu.ts), the eviction time limit,
// the lazy-free effort rule and incremental freeing (store/lazyfree.ts, ByteDict/Skiplist/
// Keyspace.freeSome), checked against the arena's byte counter.
import { describe, expect, test } from 'vitest';
import { Arena } from '../../src/store/arena.ts';
import { ByteDict } from '../../src/store/bytedict.ts';
import { Keyspace } from '../../src/store/keyspace.ts';
import { LAZYFREE_THRESHOLD, LazyFree, freeEffort } from '../../src/store/lazyfree.ts';
import { LFU_INIT_VAL, lfuDecay, lfuLogIncr, lfuMinutes, lfuNewField, lfuTouched } from '../../src/store/lfu.ts';
import { Skiplist } from '../../src/store/skiplist.ts';
import { evictionTimeLimitUs } from '../../src/server/memory/evict.ts';
import { hashBytes } from '../../src/store/hash.ts';

const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('LFU counter', () => {
  test('a new key starts at LFU_INIT_VAL with the current minute', () => {
    const now = Date.UTC(2026, 11, 7, 12, 0);
    const f = lfuNewField(now);
    expect(f & 255).toBe(LFU_INIT_VAL);
    expect(f >>> 8).toBe(lfuMinutes(now));
  });

  test('counters at or below the initial value always grow; 255 saturates', () => {
    for (let c = 0; c <= LFU_INIT_VAL; c++) expect(lfuLogIncr(c, 10)).toBe(c + 1);
    expect(lfuLogIncr(255, 0)).toBe(255);
    // With factor 0 every access counts.
    expect(lfuLogIncr(100, 0)).toBe(101);
  });

  test('growth is logarithmic: a million hits with factor 10 stay below 255', () => {
    let field = lfuNewField(0);
    for (let i = 0; i < 100_000; i++) field = lfuTouched(field, { logFactor: 10, decayTime: 1 }, 0);
    const c = field & 255;
    expect(c).toBeGreaterThan(50);
    expect(c).toBeLessThan(255);
  });

  test('decay: one step per lfu-decay-time minutes, none with decay time 0, wrapping minutes', () => {
    const t0 = 1000 * 60_000;
    const f = (lfuMinutes(t0) << 8) | 20;
    expect(lfuDecay(f, 1, t0)).toBe(20);
    expect(lfuDecay(f, 1, t0 + 5 * 60_000)).toBe(15);
    expect(lfuDecay(f, 2, t0 + 5 * 60_000)).toBe(18);
    expect(lfuDecay(f, 0, t0 + 500 * 60_000)).toBe(20);
    expect(lfuDecay(f, 1, t0 + 500 * 60_000)).toBe(0);
    const late = (65530 << 8) | 10; // stored near the wrap of the 16-bit minute clock
    expect(lfuDecay(late, 1, 3 * 60_000)).toBe(10 - (65535 - 65530 + 3));
  });
});

test('maxmemory-eviction-tenacity time limits (evictionTimeLimitUs)', () => {
  expect(evictionTimeLimitUs(0)).toBe(0);
  expect(evictionTimeLimitUs(10)).toBe(500);
  expect(evictionTimeLimitUs(11)).toBe(575);
  expect(evictionTimeLimitUs(100)).toBe(Infinity);
});

describe('lazy free', () => {
  function bigDict(arena: Arena, n: number): ByteDict {
    const d = new ByteDict(arena);
    for (let i = 0; i < n; i++) {
      const k = bytes(`field:${i}`);
      d.add(k, 0, k.length, k, 0, k.length);
    }
    return d;
  }

  test('effort and threshold', () => {
    const arena = new Arena();
    const probe = bigDict(arena, LAZYFREE_THRESHOLD);
    expect(freeEffort(probe)).toBe(LAZYFREE_THRESHOLD);
    probe.free();
    const lz = new LazyFree();
    expect(lz.free(bigDict(arena, LAZYFREE_THRESHOLD))).toBe(false); // at the threshold: freed now
    expect(lz.free(bigDict(arena, LAZYFREE_THRESHOLD + 1))).toBe(true);
    expect(lz.pending).toBe(1);
    lz.drainAll();
    expect(lz.pending).toBe(0);
    expect(lz.freed).toBe(1);
    expect(arena.usedBytes).toBe(0);
  });

  test('ByteDict, Skiplist and a detached Keyspace return every arena byte, slice by slice', () => {
    const arena = new Arena();
    const d = bigDict(arena, 20_000);
    const z = new Skiplist(arena);
    for (let i = 0; i < 20_000; i++) {
      const m = bytes(`member:${i}`);
      z.insert(m, 0, m.length, i);
    }
    const ks = new Keyspace(0, arena);
    for (let i = 0; i < 10_000; i++) {
      const k = bytes(`key:${i}`);
      const e = ks.add(k, 0, k.length, hashBytes(k, 0, k.length), 3, 0);
      ks.arena.u8.set(bytes('abc'), ks.valOff(e));
    }
    const inner = bigDict(arena, 1000);
    const k = bytes('obj');
    const e = ks.add(k, 0, k.length, hashBytes(k, 0, k.length), 0, 0);
    ks.setObject(e, inner);
    ks.setMeta(e, 4 | (2 << 4)); // a hashtable-encoded hash
    expect(arena.usedBytes).toBeGreaterThan(0);
    let steps = 0;
    while (!d.freeSome(1000)) steps++;
    while (!z.freeSome(1000)) steps++;
    const lz = new LazyFree();
    lz.freeKeyspace(ks);
    lz.drainAll();
    expect(steps).toBeGreaterThan(30);
    expect(lz.pending).toBe(0);
    expect(ks.count).toBe(0);
    expect(arena.usedBytes).toBe(0);
  });
});

// The replication backlog (src/replication/backlog.ts): offsets as Redis reports them, wrap-around,
// what a PSYNC can continue from, resizing.
import { describe, expect, test } from 'vitest';
import { Backlog } from '../../src/replication/backlog.ts';

function bytes(from: number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (from + i) & 0xff;
  return b;
}

describe('Backlog', () => {
  test('created at an offset: first byte offset is offset + 1, empty', () => {
    const bl = new Backlog(100, 500);
    expect(bl.firstByteOffset).toBe(501);
    expect(bl.histlen).toBe(0);
    expect(bl.has(501)).toBe(true); // nothing missing: a replica at the end continues
    expect(bl.has(502)).toBe(false);
    expect(bl.from(501).length).toBe(0);
  });

  test('wraps around, keeping the newest bytes, in order', () => {
    const bl = new Backlog(100, 0);
    let off = 0;
    for (const n of [30, 50, 40, 7, 99, 1, 250]) {
      bl.append(bytes(off, n));
      off += n;
      const held = Math.min(off, 100);
      expect(bl.histlen).toBe(held);
      expect(bl.firstByteOffset).toBe(off - held + 1);
      // Every suffix reads back exactly.
      for (const start of [bl.firstByteOffset, bl.firstByteOffset + 13, off + 1]) {
        if (start > off + 1) continue;
        expect(bl.from(start)).toEqual(bytes(start - 1, off + 1 - start));
      }
      expect(bl.has(bl.firstByteOffset - 1)).toBe(false);
      expect(bl.has(off + 1)).toBe(true);
    }
  });

  test('resize keeps the newest bytes that fit', () => {
    const bl = new Backlog(100, 0);
    bl.append(bytes(0, 90));
    bl.resize(40);
    expect(bl.size).toBe(40);
    expect(bl.histlen).toBe(40);
    expect(bl.firstByteOffset).toBe(51);
    expect(bl.from(51)).toEqual(bytes(50, 40));
    bl.resize(200);
    bl.append(bytes(90, 100));
    expect(bl.histlen).toBe(140);
    expect(bl.from(51)).toEqual(bytes(50, 140));
  });

  test('random appends and resizes match a plain copy of the stream', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const bl = new Backlog(128, 0);
    let off = 0;
    let size = 128;
    for (let i = 0; i < 500; i++) {
      if (rnd(20) === 0) {
        size = 16 + rnd(300);
        bl.resize(size);
      }
      const n = rnd(i % 10 === 0 ? 600 : 60);
      bl.append(bytes(off, n));
      off += n;
      const held = Math.min(off, bl.histlen);
      expect(bl.firstByteOffset + bl.histlen).toBe(off + 1);
      expect(bl.histlen).toBeLessThanOrEqual(size);
      const start = off + 1 - rnd(held + 1);
      expect(bl.has(start)).toBe(true);
      expect(bl.from(start)).toEqual(bytes(start - 1, off + 1 - start));
    }
  });
});

/*
 * Arena: off-heap byte storage for keys and values, one for the whole keyspace.
 *
 * Why: a JS object (or string, or Buffer) per key costs 60-100+ bytes and, worse, makes every
 * major GC walk millions of objects. Here all key and value bytes live in one growable
 * SharedArrayBuffer that grows in place (the address space is reserved up front; pages are
 * committed as they are touched), and a record is named by a uint32 offset in 8-byte units
 * (32 GiB).
 *
 * Why a growable SharedArrayBuffer with fixed-length views, not a resizable ArrayBuffer with a
 * length-tracking view: V8's optimized code reloads a length-tracking (or resizable-backed) view's
 * length from its buffer on every element access, which makes byte loops over the arena ~3x
 * slower (34-byte copy: 58 ns against 18 ns; bench/arena-views.ts, and docs/benchmarks.md, "Arena
 * views and the inlining budget"). A growable SAB never shrinks, so a fixed-length view of it is
 * always in bounds and V8 treats it as a plain array. The price: `u8` is a new view after every
 * growth. An older view still reads and writes its bytes correctly (the memory does not move) but
 * does not reach bytes added later, so code that allocates must read `arena.u8` again before
 * touching what it allocated.
 *
 * Allocation is by size class: 8-byte steps up to 4 KiB (512 classes, no waste beyond
 * alignment), then four classes per doubling (at most 25% waste for big values, like jemalloc's
 * large classes). Each class has a free list threaded through its freed blocks (the first 4 bytes
 * of a free block hold the next one), so alloc and free are O(1). Blocks are not coalesced: a
 * workload that shifts its value sizes over time can leave free blocks of the old sizes unused.
 */

const UNIT = 8;
const SMALL_UNITS = 512;
const NCLASSES = 640;
const MAX_BYTES = 2 ** 35;
/**
 * SPINDLE_ARENA_GROW_STEP=<bytes>: grow by that much each time instead of doubling. For tests
 * only: a small step replaces `u8` very often, which shakes out code that keeps an old view.
 */
const GROW_STEP = Number(process.env.SPINDLE_ARENA_GROW_STEP ?? 0) || 0;

/** Size class of a block of `units` units. */
export function sizeClass(units: number): number {
  if (units <= SMALL_UNITS) return units;
  const shift = 31 - Math.clz32(units - 1);
  const stepShift = shift - 2;
  const steps = ((units - 1) >>> stepShift) + 1; // 5..8
  return 513 + (shift - 9) * 4 + (steps - 5);
}

/** Units of a block in class `cls`. */
export function classUnits(cls: number): number {
  if (cls <= SMALL_UNITS) return cls;
  const k = cls - 513;
  const shift = 9 + (k >>> 2);
  const steps = 5 + (k & 3);
  return steps * 2 ** (shift - 2);
}

export class Arena {
  private readonly ab: SharedArrayBuffer;
  /** Byte view of the whole arena; replaced when the arena grows (read it again after alloc). */
  u8: Uint8Array;
  private u32: Uint32Array;
  /** Next never-used unit. Unit 0 is reserved so that 0 can mean "none". */
  private top = 1;
  private readonly heads = new Uint32Array(NCLASSES);
  /** Bytes in live blocks (class sizes). */
  usedBytes = 0;

  /** Bytes to grow by (0: double, up to 256 MiB a step). */
  private readonly growStep: number;

  constructor(initialBytes = 1 << 20, growStep = GROW_STEP) {
    this.growStep = growStep;
    this.ab = new SharedArrayBuffer(initialBytes, { maxByteLength: MAX_BYTES });
    this.u8 = new Uint8Array(this.ab, 0, initialBytes);
    this.u32 = new Uint32Array(this.ab, 0, initialBytes >>> 2);
  }

  /** Bytes of address space in use (live blocks, free blocks and the bump region's start). */
  get capacityBytes(): number {
    return this.ab.byteLength;
  }

  get touchedBytes(): number {
    return this.top * UNIT;
  }

  /** Allocates a block of at least `bytes` bytes; returns its offset in units. */
  alloc(bytes: number): number {
    const cls = sizeClass(Math.max(1, Math.ceil(bytes / UNIT)));
    const head = this.heads[cls];
    const units = classUnits(cls);
    this.usedBytes += units * UNIT;
    if (head !== 0) {
      this.heads[cls] = this.u32[head * 2];
      return head;
    }
    const off = this.top;
    const end = off + units;
    if (end * UNIT > this.ab.byteLength) this.grow(end * UNIT);
    this.top = end;
    return off;
  }

  /** Frees a block allocated for `bytes` bytes at unit offset `off`. */
  free(off: number, bytes: number): void {
    const cls = sizeClass(Math.max(1, Math.ceil(bytes / UNIT)));
    this.usedBytes -= classUnits(cls) * UNIT;
    this.u32[off * 2] = this.heads[cls];
    this.heads[cls] = off;
  }

  /** Capacity in bytes of the block that an allocation of `bytes` bytes gets. */
  static capacity(bytes: number): number {
    return classUnits(sizeClass(Math.max(1, Math.ceil(bytes / UNIT)))) * UNIT;
  }

  private grow(needBytes: number): void {
    if (needBytes > MAX_BYTES) throw new RangeError('arena full');
    const cur = this.ab.byteLength;
    let next = cur + (this.growStep > 0 ? this.growStep : Math.min(Math.max(cur, 1 << 20), 256 << 20));
    if (next < needBytes) next = needBytes;
    next = Math.min(Math.ceil(next / 4096) * 4096, MAX_BYTES);
    this.ab.grow(next);
    this.u8 = new Uint8Array(this.ab, 0, next);
    this.u32 = new Uint32Array(this.ab, 0, next >>> 2);
  }

  /**
   * Drops everything (FLUSHALL of the whole keyspace). A growable SAB cannot shrink, so the
   * arena keeps its committed pages and reuses them from the start, as an allocator keeps its
   * arenas. (A new buffer instead would hold both until a major GC frees the old one: measured,
   * that broke the maxmemory tests' RSS bound.)
   */
  clear(): void {
    this.top = 1;
    this.heads.fill(0);
    this.usedBytes = 0;
  }
}

/**
 * Index arrays (the keyspace's entry rows and expiry arrays): typed arrays over a growable
 * SharedArrayBuffer, fixed-length views for the same reason as the arena's `u8`. Growing replaces
 * the view (the memory does not move): the owner keeps the returned array and must not hold an
 * old one across a growth.
 */
type IndexArray = Int32Array | Float64Array;
type IndexCtor<T extends IndexArray> = new (b: SharedArrayBuffer, o: number, n: number) => T;

function sharedArray<T extends IndexArray>(C: IndexCtor<T> & { BYTES_PER_ELEMENT: number }, initial: number, max: number): T {
  const b = new SharedArrayBuffer(initial * C.BYTES_PER_ELEMENT, { maxByteLength: max * C.BYTES_PER_ELEMENT });
  return new C(b, 0, initial);
}

export function growableI32(initial: number, max: number): Int32Array {
  return sharedArray(Int32Array, initial, max);
}

export function growableF64(initial: number, max: number): Float64Array {
  return sharedArray(Float64Array, initial, max);
}

/** `a` if it holds n elements, else a new view of its buffer grown to hold at least n. */
export function growTo<T extends IndexArray>(a: T, n: number): T {
  let cap = a.length;
  if (n <= cap) return a;
  const buf = a.buffer as SharedArrayBuffer;
  const size = a.BYTES_PER_ELEMENT;
  const max = buf.maxByteLength / size;
  if (n > max) throw new RangeError('too many keys');
  cap = Math.max(cap, 64);
  while (cap < n) cap = cap < 1 << 20 ? cap * 2 : cap + (1 << 20);
  cap = Math.min(cap, max);
  if (buf.byteLength < cap * size) buf.grow(cap * size);
  return new (a.constructor as IndexCtor<T>)(buf, 0, cap);
}

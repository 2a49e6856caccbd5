/*
 * ByteDict: the `hashtable` encoding of big hashes and big sets. A byte-keyed dict with optional
 * value bytes (field -> value for hashes; members only, value length 0, for sets). No JS object
 * per element.
 *
 * Entries are rows of typed arrays indexed by a dense id in [0, size):
 *   hash  the key's 32-bit hash (as int32)    next  ref (id + 1) of the next entry in the chain, 0 ends
 *   rec   arena record offset (8-byte units)
 * The record, in the shared keyspace Arena, is `varint klen, key, varint vlen, value` (the same
 * layout as a keyspace record). Setting a value rewrites the record in place when it stays in its
 * arena size class.
 *
 * Why dense ids: deleting id e moves the last entry into e (patching the one chain link that
 * pointed at it), so a uniform random pick is one random index (HRANDFIELD, SRANDMEMBER, SPOP
 * are O(1) per element and unbiased, where Redis's bucket sampling is not quite). The price: an
 * id is valid only until the next delete.
 *
 * Buckets are a ChainedTable (chained-table.ts, shared with the keyspace and the skiplist's dict):
 * separate chaining with two tables and incremental rehashing as in Redis's dict. Growing (load
 * factor 1) or shrinking (below 10% full, which Redis checks after each delete from a hash or set)
 * allocates the new table and then moves one bucket per find/add/delete (plus rehashStep from
 * cron), so a 10M-field hash never stalls on one big move; a lookup probes one chain; and the
 * reverse-binary SCAN cursor returns every element present for the whole scan at least once,
 * even when the table grows or shrinks between calls.
 *
 * Buffers. Thousands of big hashes or sets may exist, so the entry arrays must not each reserve
 * address space and a memory mapping from the start (vm.max_map_count would cap the number of big
 * values at a few thousand). They start as small plain typed arrays that double by copying; only
 * past 1 MiB per array (262144 entries) do they move to a resizable ArrayBuffer that grows in
 * place, as the skiplist's node heap does.
 */
import { lenSize, readLen, writeLen } from './record.ts';
import { Arena } from './arena.ts';
import type { StoredObject } from './keyspace.ts';
import { hashBytes } from './hash.ts';
import { ChainedTable, MIN_TABLE } from './chained-table.ts';
import { copyBytes } from '../util/bytes.ts';

const MIN_ENTRIES = 4;
/** Arrays up to this size are plain (copied when doubled); beyond, resizable in place. */
const PLAIN_MAX_BYTES = 1 << 20;
const MAX_ENTRIES = 2 ** 30;

/**
 * A copy of `a` with room for at least n elements (or `a` itself, resized in place, once it is on
 * a resizable buffer).
 */
function grown<T extends Int32Array | Uint32Array>(a: T, n: number): T {
  if (n > MAX_ENTRIES) throw new RangeError('bytedict: too many entries');
  const buf = a.buffer as ArrayBuffer;
  const ctor = a.constructor as { new (b: ArrayBuffer): T; new (n: number): T };
  if (buf.resizable) {
    let cap = a.length + Math.max(a.length >>> 3, 1 << 18);
    if (cap < n) cap = n;
    buf.resize(Math.min(cap, MAX_ENTRIES) * 4);
    return a;
  }
  let cap = Math.max(a.length * 2, MIN_ENTRIES);
  while (cap < n) cap *= 2;
  let out: T;
  if (cap * 4 <= PLAIN_MAX_BYTES) out = new ctor(cap);
  else out = new ctor(new ArrayBuffer(Math.min(cap, MAX_ENTRIES) * 4, { maxByteLength: MAX_ENTRIES * 4 }));
  out.set(a);
  return out;
}

export class ByteDict implements StoredObject {
  readonly arena: Arena;
  /** Entries; ids are 0..size-1. */
  size = 0;
  /** Bytes of arena blocks held by records. */
  recBytes = 0;

  private hash: Int32Array;
  private next: Int32Array;
  private rec: Uint32Array;

  /** The buckets: entry refs (id + 1), chained through `next` (tests read its state). */
  table: ChainedTable;

  /**
   * @param arena where records go (the server passes the shared keyspace arena)
   * @param expected entries expected (sizes the arrays and the table up front), e.g. the listpack
   *   or intset length when converting
   */
  constructor(arena: Arena, expected = 0) {
    this.arena = arena;
    let cap = MIN_ENTRIES;
    while (cap < expected && cap * 4 < PLAIN_MAX_BYTES) cap *= 2;
    this.hash = new Int32Array(cap);
    this.next = new Int32Array(cap);
    this.rec = new Uint32Array(cap);
    this.table = new ChainedTable(this.hash, 0, this.next, 0, 1, 1, expected);
  }

  // ---- records -------------------------------------------------------------------------------

  /** Offset of entry id's key bytes in arena.u8. */
  keyOff(id: number): number {
    const p = this.rec[id] * 8;
    return p + lenSize(readLen(this.arena.u8, p));
  }

  keyLen(id: number): number {
    return readLen(this.arena.u8, this.rec[id] * 8);
  }

  private vlenPos(id: number): number {
    const u8 = this.arena.u8;
    const p = this.rec[id] * 8;
    const kl = readLen(u8, p);
    return p + lenSize(kl) + kl;
  }

  /** Offset of entry id's value bytes in arena.u8. */
  valOff(id: number): number {
    const p = this.vlenPos(id);
    return p + lenSize(readLen(this.arena.u8, p));
  }

  valLen(id: number): number {
    return readLen(this.arena.u8, this.vlenPos(id));
  }

  private recSize(id: number): number {
    const u8 = this.arena.u8;
    const p = this.rec[id] * 8;
    const kl = readLen(u8, p);
    const q = p + lenSize(kl) + kl;
    const vl = readLen(u8, q);
    return q + lenSize(vl) + vl - p;
  }

  private keyEquals(id: number, b: Uint8Array, o: number, n: number): boolean {
    const u8 = this.arena.u8;
    let p = this.rec[id] * 8;
    if (readLen(u8, p) !== n) return false;
    p += lenSize(n);
    for (let i = 0; i < n; i++) if (u8[p + i] !== b[o + i]) return false;
    return true;
  }

  /** Allocates and fills a record; returns its offset in units. */
  private writeRecord(b: Uint8Array, o: number, n: number, vb: Uint8Array | null, vo: number, vn: number): number {
    if (vb === null) vn = 0;
    const size = lenSize(n) + n + lenSize(vn) + vn;
    const r = this.arena.alloc(size);
    this.recBytes += Arena.capacity(size);
    const u8 = this.arena.u8; // after alloc: the arena may have grown
    let p = writeLen(u8, r * 8, n);
    copyBytes(u8, p, b, o, n);
    p = writeLen(u8, p + n, vn);
    if (vn > 0 && vb !== null) copyBytes(u8, p, vb, vo, vn);
    return r;
  }

  // ---- lookup, insert, update ----------------------------------------------------------------

  /** Id of key b[o, o+n) (hash h = hashBytes of it, computed when omitted), or -1. */
  find(b: Uint8Array, o: number, n: number, h: number = hashBytes(b, o, n)): number {
    if (this.size === 0) return -1;
    const table = this.table;
    if (table.t1 !== null) table.step(1);
    h |= 0;
    const hashes = this.hash;
    const next = this.next;
    for (let e = table.head(h) - 1; e >= 0; e = next[e] - 1) {
      if (hashes[e] === h && this.keyEquals(e, b, o, n)) return e;
    }
    return -1;
  }

  /**
   * Adds key b[o, o+n), which must be absent, with value vb[vo, vo+vn) (none when vb is null).
   * Returns its id (always the previous size).
   */
  add(b: Uint8Array, o: number, n: number, vb: Uint8Array | null, vo: number, vn: number, h: number = hashBytes(b, o, n)): number {
    const e = this.size;
    if (e >= this.hash.length) this.growArrays(e + 1);
    this.rec[e] = this.writeRecord(b, o, n, vb, vo, vn);
    this.table.add(e + 1, h | 0); // writes hash[e]
    this.size = e + 1;
    return e;
  }

  private growArrays(n: number): void {
    this.hash = grown(this.hash, n);
    this.next = grown(this.next, n);
    this.rec = grown(this.rec, n);
    this.table.setViews(this.hash, this.next);
  }

  /** Replaces entry id's value with vb[vo, vo+vn). In place when the record keeps its class. */
  setValue(id: number, vb: Uint8Array, vo: number, vn: number): void {
    const arena = this.arena;
    let u8 = arena.u8;
    const p = this.rec[id] * 8;
    const kl = readLen(u8, p);
    const q = p + lenSize(kl) + kl;
    const oldVl = readLen(u8, q);
    const oldSize = q + lenSize(oldVl) + oldVl - p;
    const newSize = q + lenSize(vn) + vn - p;
    let v: number;
    if (Arena.capacity(newSize) === Arena.capacity(oldSize)) {
      v = writeLen(u8, q, vn);
    } else {
      const r = arena.alloc(newSize);
      u8 = arena.u8;
      const np = r * 8;
      u8.copyWithin(np, p, q); // key length and key
      v = writeLen(u8, np + (q - p), vn);
      arena.free(this.rec[id], oldSize);
      this.recBytes += Arena.capacity(newSize) - Arena.capacity(oldSize);
      this.rec[id] = r;
    }
    if (vn < 64) for (let i = 0; i < vn; i++) u8[v + i] = vb[vo + i];
    else u8.set(vb.subarray(vo, vo + vn), v);
  }

  // ---- delete --------------------------------------------------------------------------------

  /** Removes entry id; the last entry (id size-1) moves into id. */
  deleteId(id: number): void {
    const table = this.table;
    table.unlink(id + 1);
    const size = this.recSize(id);
    this.arena.free(this.rec[id], size);
    this.recBytes -= Arena.capacity(size);
    const last = this.size - 1;
    if (id !== last) {
      table.move(last + 1, id + 1); // hash, next and the link that pointed at it
      this.rec[id] = this.rec[last];
    }
    this.size = last;
    table.afterDelete();
  }

  /** Removes key b[o, o+n); false when absent. */
  delete(b: Uint8Array, o: number, n: number, h: number = hashBytes(b, o, n)): boolean {
    const id = this.find(b, o, n, h);
    if (id < 0) return false;
    this.deleteId(id);
    return true;
  }

  // ---- rehashing -----------------------------------------------------------------------------

  /** True while the table is being resized. */
  get rehashing(): boolean {
    return this.table.t1 !== null;
  }

  /**
   * Moves up to n buckets to the new table (visiting at most 10n empty ones). Each find/add/delete
   * does one step; cron may call it for more.
   */
  rehashStep(n: number): void {
    this.table.step(n);
  }

  // ---- random, scan --------------------------------------------------------------------------

  /** A uniformly random id, -1 when empty. */
  randomId(): number {
    return this.size === 0 ? -1 : Math.floor(Math.random() * this.size);
  }

  /**
   * One step of Redis's reverse-binary cursor scan: calls emit(id) for every entry in the buckets
   * that `cursor` covers (in both tables while rehashing) and returns the next cursor (0: done).
   * emit must not modify the dict.
   */
  scan(cursor: number, emit: (id: number) => void): number {
    return this.table.scan(cursor, emit);
  }

  // ---- whole dict ----------------------------------------------------------------------------

  /** Returns every record to the arena. The dict is unusable afterwards. */
  free(): void {
    const arena = this.arena;
    for (let e = 0; e < this.size; e++) arena.free(this.rec[e], this.recSize(e));
    this.size = 0;
    this.recBytes = 0;
    this.hash = new Int32Array(0);
    this.next = new Int32Array(0);
    this.rec = new Uint32Array(0);
    this.table.setViews(this.hash, this.next);
    this.table.reset(MIN_TABLE);
  }

  /**
   * Lazy free (src/store/lazyfree.ts): returns up to n records to the arena, last id first, and
   * true once none is left. The dict must no longer be used once this has been called.
   */
  freeSome(n: number): boolean {
    const arena = this.arena;
    let e = this.size;
    const stop = e > n ? e - n : 0;
    while (e > stop) {
      e--;
      arena.free(this.rec[e], this.recSize(e));
    }
    this.size = e;
    if (e !== 0) return false;
    this.free();
    return true;
  }

  /** An independent copy (its own records in the same arena), with the same ids. */
  clone(): ByteDict {
    const d = new ByteDict(this.arena, 0);
    const n = this.size;
    if (n > d.hash.length) d.growArrays(n);
    d.hash.set(this.hash.subarray(0, n));
    d.next.set(this.next.subarray(0, n));
    d.table = this.table.clone(d.hash, d.next);
    d.size = n;
    const arena = this.arena;
    for (let e = 0; e < n; e++) {
      const p = this.rec[e] * 8;
      const size = this.recSize(e);
      const r = arena.alloc(size);
      const u8 = arena.u8;
      u8.copyWithin(r * 8, p, p + size);
      d.rec[e] = r;
    }
    d.recBytes = this.recBytes;
    return d;
  }

  /** Bytes held: entry arrays, tables and records (MEMORY USAGE). */
  memoryBytes(): number {
    return (
      this.hash.byteLength + this.next.byteLength + this.rec.byteLength + this.table.bytes() + this.recBytes + 96
    );
  }

  /**
   * Verifies the dict (tests): the table (ChainedTable.check: every id in one chain, in its bucket,
   * the rehash rule), every stored hash against its key bytes, and every key found by lookup.
   * Throws an Error naming the first violation.
   */
  check(): void {
    const u8 = this.arena.u8;
    const linked = this.table.check(this.size + 1, (e) => {
      const o = this.keyOff(e);
      const n = this.keyLen(e);
      const h = hashBytes(u8, o, n) | 0;
      if (h !== this.hash[e]) throw new Error(`bytedict check: stale hash at ${e}`);
    });
    if (linked !== this.size) throw new Error(`bytedict check: ${linked} ids linked, size ${this.size}`);
    for (let e = 0; e < this.size; e++) {
      const o = this.keyOff(e);
      const n = this.keyLen(e);
      if (this.findNoStep(u8, o, n) !== e) throw new Error(`bytedict check: id ${e} not found by lookup`);
    }
  }

  /** find without a rehash step (check must not change the state it checks). */
  private findNoStep(b: Uint8Array, o: number, n: number): number {
    const h = hashBytes(b, o, n) | 0;
    for (let e = this.table.head(h) - 1; e >= 0; e = this.next[e] - 1) {
      if (this.hash[e] === h && this.keyEquals(e, b, o, n)) return e;
    }
    return -1;
  }
}

/*
 * Keyspace: one database's key -> value dict, with its expiry index. No JS object per key.
 *
 * Entries are rows of typed arrays indexed by a dense entry id in [0, count):
 *   hash  key hash            next  next id in the bucket chain (-1 ends)
 *   rec   arena record offset meta  type | encoding << 4 | lru clock << 8
 *   expi  index in the expiry arrays, -1 when the key has no TTL
 * The record holds `varint klen, key, varint vlen, value` in the shared arena.
 *
 * Buckets use separate chaining through `next`, with two tables and incremental rehashing as in
 * Redis's dict: growing or shrinking moves one bucket per lookup/insert/delete plus a time-boxed
 * slice in cron, so 5M keys never stall on a one-step doubling. Every key stays in bucket
 * `hash & mask`, which is what makes the reverse-binary SCAN cursor below return every key present
 * for the whole scan, even while the table grows or shrinks between calls.
 *
 * Ids are dense: deleting id e moves the last entry into e (patching its chain link and expiry
 * back-pointer). So sampling a random key, or a random key with a TTL, is one random index:
 * O(1) and uniform, for RANDOMKEY, active expiry and eviction. The price: an entry id is only
 * valid until the next deletion in this database.
 *
 * Entry arrays live on resizable ArrayBuffers, so growing them never copies.
 */
import { lenSize, readLen, rev32, writeLen } from './record.ts';
import { Arena, growTo, growableF64, growableI32, growableU32 } from './arena.ts';
import { lpBytes } from './listpack.ts';

export const OBJ_STRING = 0;
export const OBJ_LIST = 1;
export const OBJ_SET = 2;
export const OBJ_ZSET = 3;
export const OBJ_HASH = 4;
export const OBJ_STREAM = 6;

export const ENC_RAW = 0;
export const ENC_INT = 1;
export const ENC_HT = 2;
export const ENC_INTSET = 6;
export const ENC_SKIPLIST = 7;
export const ENC_EMBSTR = 8;
export const ENC_QUICKLIST = 9;
export const ENC_STREAM = 10;
export const ENC_LISTPACK = 11;

/**
 * A value kept as a JS object (big aggregates) rather than as bytes in the record. If it holds
 * arena memory of its own (skiplist members, dict records), `free` returns it when the key goes.
 */
export interface StoredObject {
  free?(): void;
}

/**
 * Whether values of this type and encoding are JS objects (the record holds a slot number) or
 * bytes in the record: strings (raw/int/embstr) and listpack-encoded hashes, sorted sets and
 * one-node lists are bytes, everything else is an object. A listpack value's bytes are a listpack buffer whose
 * header gives the bytes in use; any bytes past that are spare capacity.
 */
export function isObjectValue(type: number, enc: number): boolean {
  return type !== OBJ_STRING && enc !== ENC_LISTPACK;
}

/**
 * Value length to give a record holding a key of kl bytes and a listpack of n bytes so that it
 * fills its arena block: the slack the size class leaves anyway becomes listpack spare capacity.
 */
export function listpackRecordLength(kl: number, n: number): number {
  const base = lenSize(kl) + kl;
  const vn = Arena.capacity(base + lenSize(n) + n) - base - lenSize(n);
  // Padding past 127 bytes would need a 4-byte length field: stop at 127 instead (>= n here).
  return lenSize(vn) === lenSize(n) ? vn : 127;
}

const MAX_ENTRIES = 1 << 28;
const MIN_TABLE = 4;

export class Keyspace {
  readonly arena: Arena;
  readonly id: number;
  count = 0;
  hash = growableU32(64, MAX_ENTRIES);
  next = growableI32(64, MAX_ENTRIES);
  rec = growableU32(64, MAX_ENTRIES);
  meta = growableU32(64, MAX_ENTRIES);
  expi = growableI32(64, MAX_ENTRIES);

  /** Bucket tables: entry id + 1 per bucket, 0 when empty. t1 is set while rehashing. */
  t0: Int32Array<ArrayBufferLike> = new Int32Array(MIN_TABLE);
  t1: Int32Array<ArrayBufferLike> | null = null;
  /** Next t0 bucket to move to t1 while rehashing. */
  rehashIdx = 0;
  used0 = 0;
  used1 = 0;

  /** Keys with a TTL: entry ids and absolute unix-ms expiry times, dense. */
  expCount = 0;
  expEnt = growableI32(64, MAX_ENTRIES);
  expAt = growableF64(64, MAX_ENTRIES);
  /** Running estimate of the average TTL of keys (INFO keyspace avg_ttl), as Redis keeps it. */
  avgTtl = 0;

  /** Values that are not bytes in the arena (later: big aggregates), by slot. */
  objs: unknown[] = [];
  private objFree: number[] = [];

  constructor(id: number, arena: Arena) {
    this.id = id;
    this.arena = arena;
  }

  get size(): number {
    return this.count;
  }

  get rehashing(): boolean {
    return this.t1 !== null;
  }

  /** Bucket count (for DEBUG HTSTATS-like reporting and memory accounting). */
  get buckets(): number {
    return this.t0.length + (this.t1 === null ? 0 : this.t1.length);
  }

  // ---- records -------------------------------------------------------------------------------

  keyOff(e: number): number {
    const p = this.rec[e] * 8;
    return p + lenSize(readLen(this.arena.u8, p));
  }

  keyLen(e: number): number {
    return readLen(this.arena.u8, this.rec[e] * 8);
  }

  /** Offset of the value's length field. */
  private vlenPos(e: number): number {
    const u8 = this.arena.u8;
    const p = this.rec[e] * 8;
    const kl = readLen(u8, p);
    return p + lenSize(kl) + kl;
  }

  valLen(e: number): number {
    return readLen(this.arena.u8, this.vlenPos(e));
  }

  valOff(e: number): number {
    const p = this.vlenPos(e);
    return p + lenSize(readLen(this.arena.u8, p));
  }

  private recSize(e: number): number {
    const u8 = this.arena.u8;
    const p = this.rec[e] * 8;
    const kl = readLen(u8, p);
    const q = p + lenSize(kl) + kl;
    const vl = readLen(u8, q);
    return q + lenSize(vl) + vl - p;
  }

  /** A copy of the key of entry e. */
  keyBytes(e: number): Buffer {
    const o = this.keyOff(e);
    return Buffer.from(this.arena.u8.subarray(o, o + this.keyLen(e)));
  }

  /** A view (no copy) of entry e's value bytes; valid until e's value is resized or deleted. */
  valView(e: number): Uint8Array {
    const o = this.valOff(e);
    return this.arena.u8.subarray(o, o + this.valLen(e));
  }

  /** Copies listpack lp (a new array, not a view of e's record) into entry e's record. */
  storeListpack(e: number, lp: Uint8Array): void {
    const n = lpBytes(lp);
    const v = this.resizeValue(e, listpackRecordLength(this.keyLen(e), n), 0);
    this.arena.u8.set(lp.subarray(0, n), v);
  }

  /** Whether entry e's value is a JS object (see isObjectValue). */
  holdsObject(e: number): boolean {
    const m = this.meta[e];
    return isObjectValue(m & 15, (m >>> 4) & 15);
  }

  /** A copy of the value bytes of entry e. */
  valBytes(e: number): Buffer {
    const o = this.valOff(e);
    return Buffer.from(this.arena.u8.subarray(o, o + this.valLen(e)));
  }

  keyEquals(e: number, b: Uint8Array, o: number, n: number): boolean {
    const u8 = this.arena.u8;
    let p = this.rec[e] * 8;
    const kl = readLen(u8, p);
    if (kl !== n) return false;
    p += lenSize(kl);
    if (n > 64) return Buffer.compare(u8.subarray(p, p + n), b.subarray(o, o + n)) === 0;
    for (let i = 0; i < n; i++) if (u8[p + i] !== b[o + i]) return false;
    return true;
  }

  type(e: number): number {
    return this.meta[e] & 15;
  }

  encoding(e: number): number {
    return (this.meta[e] >>> 4) & 15;
  }

  setEncoding(e: number, enc: number): void {
    this.meta[e] = (this.meta[e] & ~0xf0) | (enc << 4);
  }

  lru(e: number): number {
    return this.meta[e] >>> 8;
  }

  touch(e: number, clock: number): void {
    this.meta[e] = (this.meta[e] & 0xff) | (clock << 8);
  }

  // ---- lookup and insert ---------------------------------------------------------------------

  /** Entry id of the key b[o, o+n) with hash h, or -1. Does not look at expiry. */
  find(b: Uint8Array, o: number, n: number, h: number): number {
    if (this.count === 0) return -1;
    if (this.t1 !== null) this.rehashStep(1);
    const hashes = this.hash;
    const next = this.next;
    let t = this.t0;
    let e = t[h & (t.length - 1)] - 1;
    while (e >= 0) {
      if (hashes[e] === h && this.keyEquals(e, b, o, n)) return e;
      e = next[e];
    }
    const t1 = this.t1;
    if (t1 === null) return -1;
    t = t1;
    e = t[h & (t.length - 1)] - 1;
    while (e >= 0) {
      if (hashes[e] === h && this.keyEquals(e, b, o, n)) return e;
      e = next[e];
    }
    return -1;
  }

  /**
   * Adds a key that is not present, with room for a value of vlen bytes (write it at valOff).
   * Returns the new entry id.
   */
  add(b: Uint8Array, o: number, n: number, h: number, vlen: number, meta: number): number {
    if (this.t1 !== null) this.rehashStep(1);
    else if (this.count >= this.t0.length) this.startRehash(nextPow2(this.count + 1));
    const e = this.count;
    if (e >= this.hash.length) this.growEntries(e + 1);
    this.count = e + 1;
    const size = lenSize(n) + n + lenSize(vlen) + vlen;
    const r = this.arena.alloc(size);
    const u8 = this.arena.u8;
    let p = writeLen(u8, r * 8, n);
    if (n < 64) for (let i = 0; i < n; i++) u8[p + i] = b[o + i];
    else u8.set(b.subarray(o, o + n), p);
    p += n;
    writeLen(u8, p, vlen);
    this.hash[e] = h;
    this.rec[e] = r;
    this.meta[e] = meta;
    this.expi[e] = -1;
    const t = this.t1 !== null ? this.t1 : this.t0;
    const idx = h & (t.length - 1);
    this.next[e] = t[idx] - 1;
    t[idx] = e + 1;
    if (this.t1 !== null) this.used1++;
    else this.used0++;
    return e;
  }

  private growEntries(n: number): void {
    growTo(this.hash, n);
    growTo(this.next, n);
    growTo(this.rec, n);
    growTo(this.meta, n);
    growTo(this.expi, n);
  }

  /**
   * Resizes entry e's value to vlen bytes, keeping the first `keep` bytes of the old value.
   * Returns the value's offset. In place when the record stays in its size class.
   */
  resizeValue(e: number, vlen: number, keep: number): number {
    const arena = this.arena;
    let u8 = arena.u8;
    const p = this.rec[e] * 8;
    const kl = readLen(u8, p);
    const q = p + lenSize(kl) + kl;
    const oldVl = readLen(u8, q);
    const oldSize = q + lenSize(oldVl) + oldVl - p;
    const newSize = q + lenSize(vlen) + vlen - p;
    if (keep > vlen) keep = vlen;
    if (keep > oldVl) keep = oldVl;
    if (Arena.capacity(newSize) === Arena.capacity(oldSize)) {
      const oldV = q + lenSize(oldVl);
      const newV = writeLenAt(u8, q, vlen, oldV, keep);
      return newV;
    }
    const r = arena.alloc(newSize);
    u8 = arena.u8;
    const np = r * 8;
    u8.copyWithin(np, p, q); // key length and key
    const nq = np + (q - p);
    const nv = writeLen(u8, nq, vlen);
    if (keep > 0) {
      const ov = q + lenSize(oldVl);
      u8.copyWithin(nv, ov, ov + keep);
    }
    arena.free(this.rec[e], oldSize);
    this.rec[e] = r;
    return nv;
  }

  /** Sets entry e's value to the bytes b[o, o+n) (type and encoding unchanged). */
  setValue(e: number, b: Uint8Array, o: number, n: number): void {
    const v = this.resizeValue(e, n, 0);
    const u8 = this.arena.u8;
    if (n < 64) for (let i = 0; i < n; i++) u8[v + i] = b[o + i];
    else u8.set(b.subarray(o, o + n), v);
  }

  // ---- delete --------------------------------------------------------------------------------

  /** Removes entry e. Ids of other entries may change (the last one moves into e). */
  delete(e: number): void {
    this.unlink(e);
    const size = this.recSize(e);
    if (this.holdsObject(e)) this.objFree.push(this.releaseSlot(e));
    this.arena.free(this.rec[e], size);
    if (this.expi[e] >= 0) this.removeExpireIndex(this.expi[e]);
    const last = this.count - 1;
    if (e !== last) this.moveEntry(last, e);
    this.count = last;
    if (this.t1 !== null) this.rehashStep(1);
  }

  /** Unlinks e from whichever table holds it. */
  private unlink(e: number): void {
    const h = this.hash[e];
    if (this.unlinkFrom(this.t0, h, e)) {
      this.used0--;
      return;
    }
    if (this.t1 !== null && this.unlinkFrom(this.t1, h, e)) {
      this.used1--;
      return;
    }
    throw new Error('keyspace: entry not in its bucket');
  }

  private unlinkFrom(t: Int32Array, h: number, e: number): boolean {
    const idx = h & (t.length - 1);
    let cur = t[idx] - 1;
    if (cur === e) {
      t[idx] = this.next[e] + 1;
      return true;
    }
    while (cur >= 0) {
      const nx = this.next[cur];
      if (nx === e) {
        this.next[cur] = this.next[e];
        return true;
      }
      cur = nx;
    }
    return false;
  }

  /** Moves entry `from` into id `to` (which is free), patching the link that points at it. */
  private moveEntry(from: number, to: number): void {
    const h = this.hash[from];
    if (!this.relink(this.t0, h, from, to) && (this.t1 === null || !this.relink(this.t1, h, from, to))) {
      throw new Error('keyspace: moved entry not in its bucket');
    }
    this.hash[to] = h;
    this.next[to] = this.next[from];
    this.rec[to] = this.rec[from];
    this.meta[to] = this.meta[from];
    const x = this.expi[from];
    this.expi[to] = x;
    if (x >= 0) this.expEnt[x] = to;
  }

  private relink(t: Int32Array, h: number, from: number, to: number): boolean {
    const idx = h & (t.length - 1);
    let cur = t[idx] - 1;
    if (cur === from) {
      t[idx] = to + 1;
      return true;
    }
    while (cur >= 0) {
      const nx = this.next[cur];
      if (nx === from) {
        this.next[cur] = to;
        return true;
      }
      cur = nx;
    }
    return false;
  }

  // ---- rehashing -----------------------------------------------------------------------------

  private startRehash(size: number): void {
    if (size < MIN_TABLE) size = MIN_TABLE;
    if (size === this.t0.length) return;
    this.t1 = new Int32Array(size);
    this.rehashIdx = 0;
    this.used1 = 0;
  }

  /** Moves up to n buckets from t0 to t1 (visiting at most 10n empty ones). True when done. */
  rehashStep(n: number): boolean {
    const t1 = this.t1;
    if (t1 === null) return true;
    const t0 = this.t0;
    const m1 = t1.length - 1;
    const next = this.next;
    const hashes = this.hash;
    let empty = n * 10;
    while (n-- > 0 && this.used0 > 0) {
      while (t0[this.rehashIdx] === 0) {
        this.rehashIdx++;
        if (--empty === 0) return false;
      }
      let e = t0[this.rehashIdx] - 1;
      while (e >= 0) {
        const nx = next[e];
        const idx = hashes[e] & m1;
        next[e] = t1[idx] - 1;
        t1[idx] = e + 1;
        this.used0--;
        this.used1++;
        e = nx;
      }
      t0[this.rehashIdx++] = 0;
    }
    if (this.used0 === 0) {
      this.t0 = t1;
      this.t1 = null;
      this.used0 = this.used1;
      this.used1 = 0;
      this.rehashIdx = 0;
      return true;
    }
    return false;
  }

  /** Rehashes in steps of 100 buckets for about `ms` milliseconds (cron). */
  rehashFor(ms: number): void {
    if (this.t1 === null) return;
    const deadline = performance.now() + ms;
    while (!this.rehashStep(100)) if (performance.now() > deadline) return;
  }

  /** Starts shrinking when the table is less than 10% full, as Redis's cron does. */
  maybeShrink(): void {
    if (this.t1 !== null) return;
    const size = this.t0.length;
    if (size > MIN_TABLE && this.count * 100 < size * 10) this.startRehash(nextPow2(Math.max(this.count, MIN_TABLE)));
  }

  // ---- expiry --------------------------------------------------------------------------------

  /** Absolute unix-ms expiry of e, or -1. */
  getExpire(e: number): number {
    const x = this.expi[e];
    return x < 0 ? -1 : this.expAt[x];
  }

  setExpire(e: number, at: number): void {
    const x = this.expi[e];
    if (x >= 0) {
      this.expAt[x] = at;
      return;
    }
    const i = this.expCount;
    if (i >= this.expEnt.length) {
      growTo(this.expEnt, i + 1);
      growTo(this.expAt, i + 1);
    }
    this.expEnt[i] = e;
    this.expAt[i] = at;
    this.expi[e] = i;
    this.expCount = i + 1;
  }

  /** Removes e's TTL; returns false when it had none. */
  persist(e: number): boolean {
    const x = this.expi[e];
    if (x < 0) return false;
    this.removeExpireIndex(x);
    this.expi[e] = -1;
    return true;
  }

  private removeExpireIndex(x: number): void {
    const last = this.expCount - 1;
    if (x !== last) {
      const moved = this.expEnt[last];
      this.expEnt[x] = moved;
      this.expAt[x] = this.expAt[last];
      this.expi[moved] = x;
    }
    this.expCount = last;
  }

  // ---- object values -------------------------------------------------------------------------

  /**
   * Stores a JS object as e's value: the record's value holds a slot number in `objs`. An entry
   * whose meta says it holds bytes (string, listpack) gets a new slot; one already holding an
   * object has its slot reused (the old object is not freed). The caller sets the meta (type and
   * encoding) after this call.
   */
  setObject(e: number, obj: unknown): void {
    if (this.holdsObject(e)) {
      this.objs[this.slotOf(e)] = obj;
      return;
    }
    const slot = this.objFree.length > 0 ? (this.objFree.pop() as number) : this.objs.length;
    this.objs[slot] = obj;
    const v = this.resizeValue(e, 4, 0);
    const u8 = this.arena.u8;
    u8[v] = slot & 0xff;
    u8[v + 1] = (slot >>> 8) & 0xff;
    u8[v + 2] = (slot >>> 16) & 0xff;
    u8[v + 3] = slot >>> 24;
  }

  getObject(e: number): unknown {
    return this.objs[this.slotOf(e)];
  }

  private slotOf(e: number): number {
    const v = this.valOff(e);
    const u8 = this.arena.u8;
    return (u8[v] | (u8[v + 1] << 8) | (u8[v + 2] << 16) | (u8[v + 3] << 24)) >>> 0;
  }

  /**
   * Forgets entry e's object without freeing it (RENAME/MOVE hand the object to another entry,
   * then delete this one).
   */
  detachObject(e: number): void {
    this.objs[this.slotOf(e)] = undefined;
  }

  private releaseSlot(e: number): number {
    const slot = this.slotOf(e);
    (this.objs[slot] as StoredObject | undefined)?.free?.();
    this.objs[slot] = undefined;
    return slot;
  }

  // ---- iteration -----------------------------------------------------------------------------

  /** A uniformly random entry id, or -1 when empty. */
  randomEntry(): number {
    return this.count === 0 ? -1 : Math.floor(Math.random() * this.count);
  }

  /** A uniformly random entry id among keys with a TTL, or -1. */
  randomExpiring(): number {
    return this.expCount === 0 ? -1 : this.expEnt[Math.floor(Math.random() * this.expCount)];
  }

  /**
   * One step of Redis's reverse-binary cursor scan: calls emit(e) for every entry in the buckets
   * that cursor v covers (in both tables while rehashing) and returns the next cursor (0: done).
   * emit must not modify the keyspace.
   */
  scan(v: number, emit: (e: number) => void): number {
    if (this.count === 0) return 0;
    const next = this.next;
    const t1 = this.t1;
    if (t1 === null) {
      const t = this.t0;
      const m = t.length - 1;
      for (let e = t[v & m] - 1; e >= 0; e = next[e]) emit(e);
      v = (v | ~m) >>> 0;
      v = rev32(v);
      v = (v + 1) >>> 0;
      return rev32(v);
    }
    let small = this.t0;
    let large = t1;
    if (small.length > large.length) {
      small = t1;
      large = this.t0;
    }
    const m0 = small.length - 1;
    const m1 = large.length - 1;
    for (let e = small[v & m0] - 1; e >= 0; e = next[e]) emit(e);
    do {
      for (let e = large[v & m1] - 1; e >= 0; e = next[e]) emit(e);
      v = (v | ~m1) >>> 0;
      v = rev32(v);
      v = (v + 1) >>> 0;
      v = rev32(v);
    } while ((v & (m0 ^ m1)) !== 0);
    return v;
  }

  /** Drops every key (the arena blocks are freed one by one unless `arenaCleared`). */
  clear(arenaCleared: boolean): void {
    if (!arenaCleared) {
      for (let e = 0; e < this.count; e++) {
        if (this.holdsObject(e)) this.releaseSlot(e);
        this.arena.free(this.rec[e], this.recSize(e));
      }
    }
    this.count = 0;
    this.t0 = new Int32Array(MIN_TABLE);
    this.t1 = null;
    this.used0 = this.used1 = 0;
    this.rehashIdx = 0;
    this.expCount = 0;
    this.avgTtl = 0;
    this.objs = [];
    this.objFree = [];
    for (const a of [this.hash, this.next, this.rec, this.meta, this.expi, this.expEnt, this.expAt]) {
      const buf = a.buffer as ArrayBuffer;
      if (buf.byteLength > 64 * a.BYTES_PER_ELEMENT) buf.resize(64 * a.BYTES_PER_ELEMENT);
    }
  }

  /** Moves all contents of this keyspace into a fresh object and empties this one (SWAPDB). */
  swapWith(other: Keyspace): void {
    const fields = [
      'count', 'hash', 'next', 'rec', 'meta', 'expi', 't0', 't1', 'rehashIdx', 'used0', 'used1',
      'expCount', 'expEnt', 'expAt', 'avgTtl', 'objs', 'objFree',
    ] as const;
    const a = this as unknown as Record<string, unknown>;
    const b = other as unknown as Record<string, unknown>;
    for (const f of fields) {
      const t = a[f];
      a[f] = b[f];
      b[f] = t;
    }
  }

  /** Bytes of typed arrays held by this keyspace (memory accounting). */
  overheadBytes(): number {
    return (
      this.hash.byteLength + this.next.byteLength + this.rec.byteLength + this.meta.byteLength +
      this.expi.byteLength + this.expEnt.byteLength + this.expAt.byteLength +
      this.t0.byteLength + (this.t1 === null ? 0 : this.t1.byteLength)
    );
  }
}

/** Writes value length n at q when the value moves within its record; returns the value offset. */
function writeLenAt(u8: Uint8Array, q: number, n: number, oldV: number, keep: number): number {
  const newV = q + lenSize(n);
  if (newV !== oldV && keep > 0) u8.copyWithin(newV, oldV, oldV + keep);
  writeLen(u8, q, n);
  return newV;
}

function nextPow2(n: number): number {
  let s = MIN_TABLE;
  while (s < n) s *= 2;
  return s;
}

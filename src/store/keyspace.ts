/*
 * Keyspace: one database's key -> value dict, with its expiry index. No JS object per key.
 *
 * Entries are rows of five 32-bit words in one typed array, indexed by a dense entry id in
 * [0, count):
 *   hash  key hash            next  ref (id + 1) of the next entry in the bucket chain, 0 ends
 *   rec   arena record offset meta  type | encoding << 4 | lru clock << 8
 *   expi  index in the expiry arrays, -1 when the key has no TTL
 * The record holds `varint klen, key, varint vlen, value` in the shared arena.
 *
 * Why rows and not a typed array per field: a lookup of a key that is not in the CPU cache reads
 * every field of its entry (hash to compare, rec to reach the key bytes, expi for the TTL, meta
 * for the type and the LRU clock). In separate arrays that is a cache miss per field; in one
 * 20-byte row it is one miss, two when the row straddles a line. In-process GET over 1M random
 * keys took a third less time (bench/hotpath.ts --keys; docs/benchmarks.md, "Keyspace rows").
 *
 * Buckets are a ChainedTable (chained-table.ts, shared with ByteDict and the skiplist's dict):
 * separate chaining through `next`, two tables and incremental rehashing as in Redis's dict, so
 * growing or shrinking moves one bucket per lookup/insert/delete plus a time-boxed slice in cron
 * and 5M keys never stall on a one-step doubling. While rehashing a key lives in exactly one
 * table, chosen by its old bucket index, so a lookup walks one chain. Every key stays in bucket
 * `hash & mask`, which is what makes the reverse-binary SCAN cursor return every key present for
 * the whole scan, even while the table grows or shrinks between calls. The keyspace shrinks from
 * cron (maybeShrink), as Redis's databases do.
 *
 * Ids are dense: deleting id e moves the last entry into e (patching its chain link and expiry
 * back-pointer). So sampling a random key, or a random key with a TTL, is one random index:
 * O(1) and uniform, for RANDOMKEY, active expiry and eviction. The price: an entry id is only
 * valid until the next deletion in this database.
 *
 * The rows live on a growable SharedArrayBuffer (arena.ts's index arrays), so growing never
 * copies; the views are replaced when it grows.
 */
import { lenSize, readLen, writeLen } from './record.ts';
import { Arena, growTo, growableF64, growableI32 } from './arena.ts';
import { ChainedTable, MIN_TABLE } from './chained-table.ts';
import { hashBytes } from './hash.ts';
import { lpBytes } from './listpack.ts';
import { copyBytes } from '../util/bytes.ts';

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

/** Words per entry row, and each field's word in the row. */
const W = 5;
const F_HASH = 0;
const F_NEXT = 1;
const F_REC = 2;
const F_META = 3;
const F_EXPI = 4;

/**
 * A point-in-time snapshot's cut over a keyspace's contents (persistence/snapshot.ts): told
 * before an entry is deleted and before the last entry moves into a freed id, so it can write
 * an entry it has not visited yet while it still holds its old value. It travels with the
 * contents (swapWith), so SWAPDB and detached keyspaces keep it.
 */
export interface KeyspaceCut {
  deleting(ks: Keyspace, e: number): void;
  moving(ks: Keyspace, from: number, to: number): void;
}

/** The unsigned view of the rows (rec and meta are read as uint32). */
function unsignedView(a: Int32Array): Uint32Array {
  return new Uint32Array(a.buffer, 0, a.length);
}

export class Keyspace {
  readonly arena: Arena;
  readonly id: number;
  count = 0;
  /** The entry rows (W words each; see the header), and the same memory read unsigned. */
  ent = growableI32(64 * W, MAX_ENTRIES * W);
  entU = unsignedView(this.ent);

  /** The buckets: entry refs (id + 1), chained through each row's next word. */
  table = new ChainedTable(this.ent, F_HASH, this.ent, F_NEXT, W, 1);

  /** Keys with a TTL: entry ids and absolute unix-ms expiry times, dense. */
  expCount = 0;
  expEnt = growableI32(64, MAX_ENTRIES);
  expAt = growableF64(64, MAX_ENTRIES);
  /** Running estimate of the average TTL of keys (INFO keyspace avg_ttl), as Redis keeps it. */
  avgTtl = 0;

  /** Values that are not bytes in the arena (later: big aggregates), by slot. */
  objs: unknown[] = [];
  /** The snapshot cut over these contents, or null (one null check per delete). */
  snap: KeyspaceCut | null = null;
  private objFree: number[] = [];

  constructor(id: number, arena: Arena) {
    this.id = id;
    this.arena = arena;
  }

  get size(): number {
    return this.count;
  }

  get rehashing(): boolean {
    return this.table.t1 !== null;
  }

  /** Bucket count (for DEBUG HTSTATS-like reporting and memory accounting). */
  get buckets(): number {
    return this.table.buckets;
  }

  /** Bucket tables (entry id + 1 per bucket head, 0 when empty); t1 is set while rehashing. */
  get t0(): Int32Array {
    return this.table.t0;
  }

  get t1(): Int32Array | null {
    return this.table.t1;
  }

  /** Next t0 bucket to move to t1 while rehashing. */
  get rehashIdx(): number {
    return this.table.rehashIdx;
  }

  /** Keys linked in t0 and in t1. */
  get used0(): number {
    return this.table.used0;
  }

  get used1(): number {
    return this.table.used1;
  }

  // ---- records -------------------------------------------------------------------------------

  keyOff(e: number): number {
    const p = this.recOf(e) * 8;
    return p + lenSize(readLen(this.arena.u8, p));
  }

  keyLen(e: number): number {
    return readLen(this.arena.u8, this.recOf(e) * 8);
  }

  /** Offset of the value's length field. */
  private vlenPos(e: number): number {
    const u8 = this.arena.u8;
    const p = this.recOf(e) * 8;
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
    const p = this.recOf(e) * 8;
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
    copyBytes(this.arena.u8, v, lp, 0, n);
  }

  /** Whether entry e's value is a JS object (see isObjectValue). */
  holdsObject(e: number): boolean {
    const m = this.metaOf(e);
    return isObjectValue(m & 15, (m >>> 4) & 15);
  }

  /** A copy of the value bytes of entry e. */
  valBytes(e: number): Buffer {
    const o = this.valOff(e);
    return Buffer.from(this.arena.u8.subarray(o, o + this.valLen(e)));
  }

  keyEquals(e: number, b: Uint8Array, o: number, n: number): boolean {
    const u8 = this.arena.u8;
    let p = this.recOf(e) * 8;
    const kl = readLen(u8, p);
    if (kl !== n) return false;
    p += lenSize(kl);
    if (n > 64) return Buffer.compare(u8.subarray(p, p + n), b.subarray(o, o + n)) === 0;
    for (let i = 0; i < n; i++) if (u8[p + i] !== b[o + i]) return false;
    return true;
  }

  /** Entry e's metadata word: type | encoding << 4 | lru clock << 8. */
  metaOf(e: number): number {
    return this.entU[e * W + F_META];
  }

  setMeta(e: number, m: number): void {
    this.entU[e * W + F_META] = m;
  }

  /** Entry e's arena record, in 8-byte units. */
  recOf(e: number): number {
    return this.entU[e * W + F_REC];
  }

  /** Entry e's index in the expiry arrays (expEnt, expAt), or -1 when it has no TTL. */
  expIndex(e: number): number {
    return this.ent[e * W + F_EXPI];
  }

  /** Entry e's key hash (as a signed word) and its successor's id in the bucket chain (-1 ends). */
  hashOf(e: number): number {
    return this.ent[e * W + F_HASH];
  }

  nextOf(e: number): number {
    return this.ent[e * W + F_NEXT] - 1;
  }

  type(e: number): number {
    return this.metaOf(e) & 15;
  }

  encoding(e: number): number {
    return (this.metaOf(e) >>> 4) & 15;
  }

  setEncoding(e: number, enc: number): void {
    this.setMeta(e, (this.metaOf(e) & ~0xf0) | (enc << 4));
  }

  lru(e: number): number {
    return this.metaOf(e) >>> 8;
  }

  touch(e: number, clock: number): void {
    this.setMeta(e, (this.metaOf(e) & 0xff) | (clock << 8));
  }

  // ---- lookup and insert ---------------------------------------------------------------------

  /** Entry id of the key b[o, o+n) with hash h, or -1. Does not look at expiry. */
  find(b: Uint8Array, o: number, n: number, h: number): number {
    if (this.count === 0) return -1;
    const table = this.table;
    if (table.t1 !== null) table.step(1);
    const ent = this.ent;
    const hs = h | 0;
    let e = table.head(hs) - 1;
    while (e >= 0) {
      const w = e * W;
      if (ent[w + F_HASH] === hs && this.keyEquals(e, b, o, n)) return e;
      e = ent[w + F_NEXT] - 1;
    }
    return -1;
  }

  /**
   * Adds a key that is not present, with room for a value of vlen bytes (write it at valOff).
   * Returns the new entry id.
   */
  add(b: Uint8Array, o: number, n: number, h: number, vlen: number, meta: number): number {
    const e = this.count;
    if ((e + 1) * W > this.ent.length) this.growEntries(e + 1);
    this.count = e + 1;
    const size = lenSize(n) + n + lenSize(vlen) + vlen;
    const r = this.arena.alloc(size);
    const u8 = this.arena.u8;
    let p = writeLen(u8, r * 8, n);
    copyBytes(u8, p, b, o, n);
    p += n;
    writeLen(u8, p, vlen);
    this.entU[e * W + F_REC] = r;
    this.entU[e * W + F_META] = meta;
    this.ent[e * W + F_EXPI] = -1;
    this.table.add(e + 1, h | 0); // writes the hash and next words
    return e;
  }

  private growEntries(n: number): void {
    this.ent = growTo(this.ent, n * W);
    this.entU = unsignedView(this.ent);
    this.table.setViews(this.ent, this.ent);
  }

  /**
   * Resizes entry e's value to vlen bytes, keeping the first `keep` bytes of the old value.
   * Returns the value's offset. In place when the record stays in its size class.
   */
  resizeValue(e: number, vlen: number, keep: number): number {
    const arena = this.arena;
    let u8 = arena.u8;
    const p = this.recOf(e) * 8;
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
    arena.free(this.recOf(e), oldSize);
    this.entU[e * W + F_REC] = r;
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
    if (this.snap !== null) this.snap.deleting(this, e);
    const table = this.table;
    table.unlink(e + 1);
    const size = this.recSize(e);
    if (this.holdsObject(e)) this.objFree.push(this.releaseSlot(e));
    this.arena.free(this.recOf(e), size);
    const x = this.expIndex(e);
    if (x >= 0) this.removeExpireIndex(x);
    const last = this.count - 1;
    if (e !== last) this.moveEntry(last, e);
    this.count = last;
    if (table.t1 !== null) table.step(1);
  }

  /** Moves entry `from` into id `to` (which is free), patching the link that points at it. */
  private moveEntry(from: number, to: number): void {
    if (this.snap !== null) this.snap.moving(this, from, to);
    this.table.move(from + 1, to + 1); // hash, next and the link
    this.entU[to * W + F_REC] = this.recOf(from);
    this.entU[to * W + F_META] = this.metaOf(from);
    const x = this.expIndex(from);
    this.ent[to * W + F_EXPI] = x;
    if (x >= 0) this.expEnt[x] = to;
  }

  // ---- rehashing -----------------------------------------------------------------------------

  /** Moves up to n buckets to the new table (visiting at most 10n empty ones). True when done. */
  rehashStep(n: number): boolean {
    return this.table.step(n);
  }

  /** Rehashes in steps of 100 buckets for about `ms` milliseconds (cron). */
  rehashFor(ms: number): void {
    this.table.rehashFor(ms);
  }

  /** Starts shrinking when the table is less than 10% full, as Redis's cron does. */
  maybeShrink(): void {
    this.table.maybeShrink();
  }

  // ---- expiry --------------------------------------------------------------------------------

  /** Absolute unix-ms expiry of e, or -1. */
  getExpire(e: number): number {
    const x = this.expIndex(e);
    return x < 0 ? -1 : this.expAt[x];
  }

  setExpire(e: number, at: number): void {
    const x = this.expIndex(e);
    if (x >= 0) {
      this.expAt[x] = at;
      return;
    }
    const i = this.expCount;
    if (i >= this.expEnt.length) {
      this.expEnt = growTo(this.expEnt, i + 1);
      this.expAt = growTo(this.expAt, i + 1);
    }
    this.expEnt[i] = e;
    this.expAt[i] = at;
    this.ent[e * W + F_EXPI] = i;
    this.expCount = i + 1;
  }

  /** Removes e's TTL; returns false when it had none. */
  persist(e: number): boolean {
    const x = this.expIndex(e);
    if (x < 0) return false;
    this.removeExpireIndex(x);
    this.ent[e * W + F_EXPI] = -1;
    return true;
  }

  private removeExpireIndex(x: number): void {
    const last = this.expCount - 1;
    if (x !== last) {
      const moved = this.expEnt[last];
      this.expEnt[x] = moved;
      this.expAt[x] = this.expAt[last];
      this.ent[moved * W + F_EXPI] = x;
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
    return this.table.scan(v, emit);
  }

  /** Drops every key (the arena blocks are freed one by one unless `arenaCleared`). */
  clear(arenaCleared: boolean): void {
    if (!arenaCleared) {
      for (let e = 0; e < this.count; e++) {
        if (this.holdsObject(e)) this.releaseSlot(e);
        this.arena.free(this.recOf(e), this.recSize(e));
      }
    }
    this.count = 0;
    this.table.reset(MIN_TABLE);
    this.expCount = 0;
    this.avgTtl = 0;
    this.objs = [];
    this.objFree = [];
    // Growable shared buffers cannot shrink: big index arrays are dropped for new small ones.
    if (this.ent.length > 64 * W) {
      this.ent = growableI32(64 * W, MAX_ENTRIES * W);
      this.entU = unsignedView(this.ent);
      this.table.setViews(this.ent, this.ent);
    }
    if (this.expEnt.length > 64) {
      this.expEnt = growableI32(64, MAX_ENTRIES);
      this.expAt = growableF64(64, MAX_ENTRIES);
    }
  }

  /**
   * Lazy free of a keyspace detached by FLUSHDB ASYNC (src/store/lazyfree.ts): returns up to n
   * keys' records to the arena, last id first, handing each object value to `take` (which frees
   * it now or later); true once no key is left.
   */
  freeSome(n: number, take: (obj: unknown) => void): boolean {
    let e = this.count;
    const stop = e > n ? e - n : 0;
    while (e > stop) {
      e--;
      if (this.holdsObject(e)) {
        const slot = this.slotOf(e);
        const obj = this.objs[slot];
        this.objs[slot] = undefined;
        if (obj !== undefined) take(obj);
      }
      this.arena.free(this.recOf(e), this.recSize(e));
    }
    this.count = e;
    if (e !== 0) return false;
    this.clear(true);
    return true;
  }

  /** Moves all contents of this keyspace into a fresh object and empties this one (SWAPDB). */
  swapWith(other: Keyspace): void {
    const fields = [
      'count', 'ent', 'entU', 'table',
      'expCount', 'expEnt', 'expAt', 'avgTtl', 'objs', 'objFree', 'snap',
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
      this.ent.byteLength + this.expEnt.byteLength + this.expAt.byteLength + this.table.bytes()
    );
  }

  /**
   * Verifies the dict (tests, debugging); throws an Error naming the first violation: the table
   * (ChainedTable.check: every id in one chain, in its bucket), each entry's hash against its key
   * bytes, and the expiry index with its back-pointers.
   */
  check(): void {
    const fail = (m: string): never => {
      throw new Error(`keyspace check: ${m}`);
    };
    const u8 = this.arena.u8;
    const linked = this.table.check(this.count + 1, (e) => {
      if ((hashBytes(u8, this.keyOff(e), this.keyLen(e)) | 0) !== this.hashOf(e)) fail(`stale hash at ${e}`);
    });
    if (linked !== this.count) fail(`${linked} keys linked, count ${this.count}`);
    let withTtl = 0;
    for (let e = 0; e < this.count; e++) {
      const x = this.expIndex(e);
      if (x < 0) continue;
      withTtl++;
      if (x >= this.expCount || this.expEnt[x] !== e) fail(`expiry back-pointer of entry ${e}`);
    }
    if (withTtl !== this.expCount) fail(`${withTtl} keys with a TTL, expCount ${this.expCount}`);
  }
}

/** Writes value length n at q when the value moves within its record; returns the value offset. */
function writeLenAt(u8: Uint8Array, q: number, n: number, oldV: number, keep: number): number {
  const newV = q + lenSize(n);
  if (newV !== oldV && keep > 0) u8.copyWithin(newV, oldV, oldV + keep);
  writeLen(u8, q, n);
  return newV;
}


/*
 * ChainedTable: the one bucket table under every typed-array dict. The keyspace (Keyspace), big
 * hashes and sets (ByteDict) and the sorted set's member dict (Skiplist) each keep their entries
 * in their own layout; this module holds what they share: the bucket heads, the grow and shrink
 * policy, incremental rehashing, Redis's reverse-binary SCAN cursor, unlink/relink for entries
 * that move, and one integrity check.
 *
 * Entries are named by refs: a ref is the entry's id plus the user's bias (1 for dense ids that
 * start at 0, 0 for the skiplist's node ids, which never are 0), so 0 always means "none", in a
 * bucket head and in a next link alike. Zero-filled memory is therefore an empty table: a new
 * table is a calloc, and pages of a big one that no key reaches are never touched.
 *
 * Layout. The table does not own its entries. It reads an entry's hash and writes its next link
 * in typed arrays the user hands it, at `id * stride + offset`: separate Int32Arrays (stride 1)
 * for the keyspace and ByteDict, the interleaved words of the skiplist's node heap (stride 2)
 * for the skiplist. Two Int32Array fields and three small integers are the whole
 * parameterisation, so every table is the same hidden class and its loops see one receiver
 * shape and typed-array loads, never a callback: no closure and no megamorphic call on any path
 * but check(). A user whose arrays are replaced when they grow (ByteDict's plain arrays, the
 * skiplist's heap) calls setViews(); arrays on resizable buffers grow in place and need nothing.
 * Lookups stay in the users: head(h) gives the one chain to walk, and the user compares keys in
 * its own layout. Nothing here allocates except a new bucket table when a resize starts.
 *
 * Rehashing, as in Redis's dict: two tables while resizing, and one bucket moved per lookup,
 * insert and delete (plus a time-boxed slice from cron), so even 10M entries never stall on a
 * one-step copy. The rule for where a key lives while rehashing is the one that keeps lookups to
 * one chain: a key is in the new table exactly when its bucket index in the old table is below
 * rehashIdx, and inserts follow the same rule (Redis instead inserts into the new table and
 * probes both tables on every lookup). A lookup during a rehash is then one extra compare instead
 * of a second chain walk, which misses, the first half of every SET of a new key, pay in full.
 * Measured on the keyspace with 2^20 + 1 keys in the middle of a doubling (bench/dict.ts; see
 * docs/benchmarks.md, "One chained table"), misses were faster with this rule and hits no
 * slower. The count of entries left in the old table ends a rehash as soon as it reaches zero,
 * without walking the rest of the (empty) old buckets.
 *
 * Policy. Grow to the next power of two above the count when an insert finds the load factor at 1
 * (Redis's _dictExpandIfNeeded); shrink to the smallest power of two holding the count when the
 * table is under 10% full (htNeedsResize + dictResize). The keyspace shrinks from cron, as Redis's
 * databases do; hashes, sets and sorted sets after their deletes, as Redis's t_hash/t_set/t_zset
 * do. Tables are never smaller than 4 buckets.
 *
 * SCAN. Every key sits in bucket `hash & mask` of the table holding it, for its whole life, so the
 * reverse-binary cursor returns every key present for the whole scan at least once, even while
 * the table grows, shrinks or loses keys between calls (keys may be returned twice).
 *
 * Caveats: an entry's ref must not change while it is linked except through move(); a user that
 * moves entries (dense ids: the last one fills a deleted slot) calls move() before overwriting
 * the destination's own words. emit callbacks of scan() must not modify the table.
 */
import { rev32 } from './record.ts';

export const MIN_TABLE = 4;

/** The smallest table size (a power of two, at least MIN_TABLE) holding n entries at load 1. */
export function tableSize(n: number): number {
  let s = MIN_TABLE;
  while (s < n) s *= 2;
  return s;
}

export class ChainedTable {
  /** Bucket heads: the ref of the chain's first entry, 0 when empty. */
  t0: Int32Array;
  /** The table being rehashed into, or null. */
  t1: Int32Array | null = null;
  /** While rehashing: old-table buckets below this index have moved to t1. */
  rehashIdx = 0;
  /** Entries linked in t0 and in t1. */
  used0 = 0;
  used1 = 0;
  /** Where entry ref r keeps its hash (hv[r * stride + ho]) and its next link (nv[r * stride + no]). */
  private hv: Int32Array;
  private nv: Int32Array;
  private readonly stride: number;
  private readonly ho: number;
  private readonly no: number;
  /** ref = id + bias. */
  private readonly bias: number;

  /**
   * @param hv, hOff   entry id e's hash is hv[e * stride + hOff] (written by add, read by the rest)
   * @param nv, nOff   entry id e's next link is nv[e * stride + nOff] (owned by the table)
   * @param stride     words per entry in hv and nv
   * @param bias       ref = id + bias: 1 when id 0 is an entry, 0 when it never is
   * @param size       initial bucket count (rounded up to a power of two)
   */
  constructor(hv: Int32Array, hOff: number, nv: Int32Array, nOff: number, stride: number, bias: number, size = MIN_TABLE) {
    this.t0 = new Int32Array(tableSize(size));
    this.hv = hv;
    this.nv = nv;
    this.stride = stride;
    this.ho = hOff - bias * stride;
    this.no = nOff - bias * stride;
    this.bias = bias;
  }

  /** Points the table at new hash/next arrays (after the user replaced them to grow). */
  setViews(hv: Int32Array, nv: Int32Array): void {
    this.hv = hv;
    this.nv = nv;
  }

  /** Linked entries. */
  get count(): number {
    return this.used0 + this.used1;
  }

  get rehashing(): boolean {
    return this.t1 !== null;
  }

  /** Buckets in both tables. */
  get buckets(): number {
    return this.t0.length + (this.t1 === null ? 0 : this.t1.length);
  }

  /** Bytes of the bucket tables. */
  bytes(): number {
    return this.t0.byteLength + (this.t1 === null ? 0 : this.t1.byteLength);
  }

  // ---- lookup and insert ---------------------------------------------------------------------

  /**
   * The ref of the first entry in the chain where a key of hash h lives (0: empty). The user walks
   * the chain through its next links and compares keys; this is the one chain to look in.
   */
  head(h: number): number {
    const t = this.t0;
    const i = h & (t.length - 1);
    const t1 = this.t1;
    if (t1 !== null && i < this.rehashIdx) return t1[h & (t1.length - 1)];
    return t[i];
  }

  /**
   * Links entry ref r with hash h (writes its hash and next link). The key must be absent. Does a
   * rehash step first, or starts growing when the load factor has reached 1.
   */
  add(r: number, h: number): void {
    if (this.t1 !== null) this.step(1);
    else if (this.used0 >= this.t0.length) this.startRehash(tableSize(this.used0 + 1));
    const s = r * this.stride;
    this.hv[s + this.ho] = h;
    const t0 = this.t0;
    let i = h & (t0.length - 1);
    const t1 = this.t1;
    if (t1 !== null && i < this.rehashIdx) {
      i = h & (t1.length - 1);
      this.nv[s + this.no] = t1[i];
      t1[i] = r;
      this.used1++;
    } else {
      this.nv[s + this.no] = t0[i];
      t0[i] = r;
      this.used0++;
    }
  }

  // ---- delete and move -----------------------------------------------------------------------

  /** Unlinks entry ref r (its hash and next link are read, not cleared). */
  unlink(r: number): void {
    const st = this.stride;
    const nv = this.nv;
    const no = this.no;
    const h = this.hv[r * st + this.ho];
    let t = this.t0;
    let i = h & (t.length - 1);
    const t1 = this.t1;
    const inNew = t1 !== null && i < this.rehashIdx;
    if (inNew) {
      t = t1;
      i = h & (t.length - 1);
    }
    const nx = nv[r * st + no];
    let cur = t[i];
    if (cur === r) t[i] = nx;
    else {
      for (;;) {
        if (cur === 0) throw new Error('chained table: entry not in its bucket');
        const w = cur * st + no;
        const c = nv[w];
        if (c === r) {
          nv[w] = nx;
          break;
        }
        cur = c;
      }
    }
    if (inNew) this.used1--;
    else this.used0--;
  }

  /**
   * Entry ref `from` moves to ref `to`, which is not linked: the link that pointed at `from` now
   * points at `to`, and `to` gets from's hash and next link. The user copies its other words.
   */
  move(from: number, to: number): void {
    const st = this.stride;
    const nv = this.nv;
    const no = this.no;
    const h = this.hv[from * st + this.ho];
    let t = this.t0;
    let i = h & (t.length - 1);
    const t1 = this.t1;
    if (t1 !== null && i < this.rehashIdx) {
      t = t1;
      i = h & (t.length - 1);
    }
    let cur = t[i];
    if (cur === from) t[i] = to;
    else {
      for (;;) {
        if (cur === 0) throw new Error('chained table: moved entry not in its bucket');
        const w = cur * st + no;
        const c = nv[w];
        if (c === from) {
          nv[w] = to;
          break;
        }
        cur = c;
      }
    }
    this.hv[to * st + this.ho] = h;
    nv[to * st + no] = nv[from * st + no];
  }

  /** After a delete: one rehash step, or start shrinking when under 10% full. */
  afterDelete(): void {
    if (this.t1 !== null) this.step(1);
    else this.maybeShrink();
  }

  // ---- resizing ------------------------------------------------------------------------------

  /** Starts rehashing into a table of `size` buckets (a power of two); no-op at the current size. */
  startRehash(size: number): void {
    if (size < MIN_TABLE) size = MIN_TABLE;
    if (size === this.t0.length) return;
    this.t1 = new Int32Array(size);
    this.rehashIdx = 0;
    this.used1 = 0;
  }

  /**
   * Moves up to n buckets to the new table, visiting at most 10n empty ones (Redis's dictRehash).
   * True when no rehash is in progress afterwards.
   */
  step(n: number): boolean {
    const t1 = this.t1;
    if (t1 === null) return true;
    const t0 = this.t0;
    const m1 = t1.length - 1;
    const hv = this.hv;
    const nv = this.nv;
    const st = this.stride;
    const ho = this.ho;
    const no = this.no;
    let empty = n * 10;
    let i = this.rehashIdx;
    let left = this.used0;
    while (n > 0 && left > 0) {
      let r = t0[i];
      if (r === 0) {
        i++;
        if (--empty === 0) break;
        continue;
      }
      while (r !== 0) {
        const s = r * st;
        const nx = nv[s + no];
        const j = hv[s + ho] & m1;
        nv[s + no] = t1[j];
        t1[j] = r;
        left--;
        r = nx;
      }
      t0[i++] = 0;
      n--;
    }
    this.rehashIdx = i;
    this.used1 += this.used0 - left;
    this.used0 = left;
    if (left === 0) {
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
    while (!this.step(100)) if (performance.now() > deadline) return;
  }

  /** Starts shrinking when the table is under 10% full (not while rehashing). */
  maybeShrink(): void {
    if (this.t1 !== null) return;
    const size = this.t0.length;
    if (size > MIN_TABLE && this.used0 * 10 < size) this.startRehash(tableSize(this.used0));
  }

  /** Empties the table (the entries are the user's to drop), `size` buckets. */
  reset(size = MIN_TABLE): void {
    this.t0 = new Int32Array(tableSize(size));
    this.t1 = null;
    this.rehashIdx = 0;
    this.used0 = 0;
    this.used1 = 0;
  }

  /**
   * A copy of this table's buckets and rehash state over new hash/next arrays, which must hold a
   * copy of this table's entries at the same ids (ByteDict.clone).
   */
  clone(hv: Int32Array, nv: Int32Array): ChainedTable {
    const c = new ChainedTable(hv, this.ho + this.bias * this.stride, nv, this.no + this.bias * this.stride, this.stride, this.bias);
    c.t0 = this.t0.slice();
    c.t1 = this.t1 === null ? null : this.t1.slice();
    c.rehashIdx = this.rehashIdx;
    c.used0 = this.used0;
    c.used1 = this.used1;
    return c;
  }

  // ---- scan ----------------------------------------------------------------------------------

  /**
   * One step of Redis's reverse-binary cursor scan: calls emit(id) for every entry in the buckets
   * that cursor v covers (in both tables while rehashing) and returns the next cursor (0: done).
   * emit must not modify the table.
   */
  scan(cursor: number, emit: (id: number) => void): number {
    if (this.used0 + this.used1 === 0) return 0;
    let v = cursor >>> 0;
    const nv = this.nv;
    const st = this.stride;
    const no = this.no;
    const bias = this.bias;
    const t1 = this.t1;
    if (t1 === null) {
      const t = this.t0;
      const m = t.length - 1;
      for (let r = t[v & m]; r !== 0; r = nv[r * st + no]) emit(r - bias);
      v = (v | ~m) >>> 0;
      return rev32((rev32(v) + 1) >>> 0);
    }
    let small = this.t0;
    let large = t1;
    if (small.length > large.length) {
      small = t1;
      large = this.t0;
    }
    const m0 = small.length - 1;
    const m1 = large.length - 1;
    for (let r = small[v & m0]; r !== 0; r = nv[r * st + no]) emit(r - bias);
    // Every bucket of the larger table that expands the smaller table's bucket.
    do {
      for (let r = large[v & m1]; r !== 0; r = nv[r * st + no]) emit(r - bias);
      v = (v | ~m1) >>> 0;
      v = rev32((rev32(v) + 1) >>> 0);
    } while ((v & (m0 ^ m1)) !== 0);
    return v;
  }

  // ---- debug ---------------------------------------------------------------------------------

  /**
   * Verifies the tables (tests, debugging) and returns the number of linked entries; throws an
   * Error naming the first violation. Checks: table sizes are powers of two; every ref is in
   * (0, refLimit) and linked once (no cycles); every entry is in bucket `hash & mask` of its
   * table; while rehashing, moved old buckets are empty and new-table entries come from moved
   * buckets only; used0/used1 match. `visit(id)` is called once per entry for the user's checks.
   */
  check(refLimit: number, visit?: (id: number) => void): number {
    const fail = (m: string): never => {
      throw new Error(`chained table check: ${m}`);
    };
    const seen = new Uint8Array(refLimit);
    const st = this.stride;
    const pow2 = (t: Int32Array): boolean => t.length >= MIN_TABLE && (t.length & (t.length - 1)) === 0;
    const m0 = this.t0.length - 1;
    const walk = (t: Int32Array, from: number, inNew: boolean): number => {
      let n = 0;
      const m = t.length - 1;
      for (let b = from; b < t.length; b++) {
        for (let r = t[b]; r !== 0; r = this.nv[r * st + this.no]) {
          if (r < 0 || r >= refLimit) fail(`ref ${r} out of range (limit ${refLimit})`);
          if (seen[r]) fail(`ref ${r} linked twice`);
          seen[r] = 1;
          const h = this.hv[r * st + this.ho];
          if ((h & m) !== b) fail(`ref ${r} in bucket ${b}, its hash says ${h & m}`);
          if (inNew && (h & m0) >= this.rehashIdx) fail(`ref ${r} in the new table before its old bucket moved`);
          n++;
          if (visit !== undefined) visit(r - this.bias);
        }
      }
      return n;
    };
    if (!pow2(this.t0)) fail(`table size ${this.t0.length}`);
    const t1 = this.t1;
    if (t1 === null) {
      if (this.rehashIdx !== 0 || this.used1 !== 0) fail('rehash state without a new table');
      const n0 = walk(this.t0, 0, false);
      if (n0 !== this.used0) fail(`used0 ${this.used0}, counted ${n0}`);
      return n0;
    }
    if (!pow2(t1)) fail(`new table size ${t1.length}`);
    if (t1.length === this.t0.length) fail('rehashing to the same size');
    if (this.rehashIdx > this.t0.length) fail(`rehashIdx ${this.rehashIdx} past the table`);
    for (let b = 0; b < this.rehashIdx; b++) if (this.t0[b] !== 0) fail(`moved bucket ${b} not empty`);
    const n0 = walk(this.t0, this.rehashIdx, false);
    const n1 = walk(t1, 0, true);
    if (n0 !== this.used0) fail(`used0 ${this.used0}, counted ${n0}`);
    if (n1 !== this.used1) fail(`used1 ${this.used1}, counted ${n1}`);
    return n0 + n1;
  }
}

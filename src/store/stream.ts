/*
 * Stream values (Redis 7.0's t_stream.c data layer): entries in listpack blocks, plus the
 * stream's metadata and its consumer groups.
 *
 * Blocks. Entries live in listpacks of Redis's exact layout, each block keyed by the ID of the
 * first entry ever appended to it (its master ID). A block starts with the master entry:
 *
 *   count  deleted  num-fields  field_1 ... field_N  0
 *
 * (live and deleted entries in the block, the master's field names, and a 0 terminator). Each
 * entry after it is
 *
 *   flags  ms-diff  seq-diff  [values...]                              (flags has SAMEFIELDS)
 *   flags  ms-diff  seq-diff  num-fields  field value ...              (otherwise)
 *   lp-count
 *
 * ms-diff and seq-diff are the ID minus the master ID (seq-diff as an int64, wrapping like the C
 * cast), lp-count is the number of elements of the entry before it (so an entry can be found
 * walking backwards), and DELETED marks an entry removed by XDEL or a trim inside the block.
 * A new block starts when the tail block's bytes plus the new fields' lengths reach
 * stream-node-max-bytes, or it holds stream-node-max-entries entries (live and deleted), as
 * streamAppendItem decides; a block whose live count drops to 0 is removed.
 *
 * Index. Instead of a rax, the blocks are two parallel arrays (master IDs as bigints, listpacks),
 * sorted by master ID: seek is a binary search, append pushes, removing a block splices (a memmove
 * of pointers; Redis's rax delete is O(log n)). So a stream holds one small array element per
 * ~100 entries and nothing per entry: 1M entries are ~10K listpacks.
 *
 * Groups. Each consumer group has its last delivered ID, entries_read (7.0's lag bookkeeping),
 * a pending entries list (PEL: ID -> delivery time, count, consumer) and consumers, each with
 * its own PEL. PELs are sorted arrays of IDs with the NACK records in a parallel array (one JS object per
 * pending entry, as Redis allocates one); groups and consumers are kept sorted by name, the order
 * Redis's rax iteration gives XINFO.
 */
import {
  LP_EOF, LpEntry, lpBytes, lpAppend, lpAppendInteger, lpGet, lpNew, lpNext, lpPrev, lpReplaceInteger, lpShrinkToFit,
} from './listpack.ts';
import { ID_MAX, MASK64 } from './stream-id.ts';

export const STREAM_ITEM_FLAG_NONE = 0;
export const STREAM_ITEM_FLAG_DELETED = 1;
export const STREAM_ITEM_FLAG_SAMEFIELDS = 2;
/** STREAM_LISTPACK_MAX_SIZE: node-max-bytes 0 or above this means this. */
const STREAM_LISTPACK_MAX_SIZE = 1 << 30;
/** Largest block capacity allocated up front from the previous block's size. */
const MAX_PREALLOC = 64 * 1024;
/** Redis's SCG_INVALID_ENTRIES_READ. */
export const ENTRIES_READ_INVALID = -1;

const ent = new LpEntry();

/** The integer at p as a bigint (the block's integers are all listpack ints). */
function bigAt(lp: Uint8Array, p: number): bigint {
  const v = lpGet(lp, p, ent).int;
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** The integer at p as a number (counts, flags: always small). */
function numAt(lp: Uint8Array, p: number): number {
  return Number(lpGet(lp, p, ent).int);
}

function skip(lp: Uint8Array, p: number, n: number): number {
  for (let i = 0; i < n; i++) p = lpNext(lp, p);
  return p;
}

// ---- consumer groups ---------------------------------------------------------------------------

export class Nack {
  deliveryTime: number;
  deliveryCount: number;
  consumer: Consumer;
  constructor(consumer: Consumer, time: number, count: number) {
    this.consumer = consumer;
    this.deliveryTime = time;
    this.deliveryCount = count;
  }
}

/**
 * An ordered map ID -> Nack: a sorted ID array with the Nacks in a parallel array, found by
 * binary search (O(log n), as Redis's rax). Not a Map keyed by the bigint IDs: V8 hashes every
 * BigInt alike, so such a Map degrades to a list (100k inserts took 41 s).
 *
 * Deletes (XACK, mostly of random IDs in a big PEL) only mark the slot dead, so acking is
 * O(log n) instead of two O(n) splices; the dead slots are squeezed out in one pass when they
 * outnumber the live ones, or before anyone reads by position (`ids`, `lowerBound`), so
 * positional readers never see them.
 */
export class Pel {
  private idv: bigint[] = [];
  private nackv: (Nack | undefined)[] = [];
  private dead = 0;

  /** Live entries. */
  get size(): number {
    return this.idv.length - this.dead;
  }

  /** The IDs in order (no dead slots: indexes from lowerBound address it). */
  get ids(): readonly bigint[] {
    if (this.dead !== 0) this.compact();
    return this.idv;
  }

  get(id: bigint): Nack | undefined {
    const i = this.search(id);
    return i < this.idv.length && this.idv[i] === id ? this.nackv[i] : undefined;
  }

  /** Index in `ids` of the first ID >= id. */
  lowerBound(id: bigint): number {
    if (this.dead !== 0) this.compact();
    return this.search(id);
  }

  /** Inserts or replaces. */
  set(id: bigint, n: Nack): void {
    const i = this.search(id);
    if (i === this.idv.length) {
      this.idv.push(id);
      this.nackv.push(n);
    } else if (this.idv[i] === id) {
      if (this.nackv[i] === undefined) this.dead--;
      this.nackv[i] = n;
    } else {
      this.idv.splice(i, 0, id);
      this.nackv.splice(i, 0, n);
    }
  }

  delete(id: bigint): boolean {
    const i = this.search(id);
    if (i === this.idv.length || this.idv[i] !== id || this.nackv[i] === undefined) return false;
    if (i === this.idv.length - 1) {
      this.idv.pop();
      this.nackv.pop();
    } else {
      this.nackv[i] = undefined;
      this.dead++;
      if (this.dead > 64 && this.dead * 2 > this.idv.length) this.compact();
    }
    return true;
  }

  /** First slot whose ID is >= id, dead slots included (they keep their IDs: still sorted). */
  private search(id: bigint): number {
    const a = this.idv;
    let lo = 0;
    let hi = a.length;
    if (hi > 0 && a[hi - 1]! < id) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private compact(): void {
    const ids = this.idv;
    const nacks = this.nackv;
    let j = 0;
    for (let i = 0; i < ids.length; i++) {
      const n = nacks[i];
      if (n === undefined) continue;
      ids[j] = ids[i]!;
      nacks[j] = n;
      j++;
    }
    ids.length = j;
    nacks.length = j;
    this.dead = 0;
  }
}

export class Consumer {
  readonly name: Uint8Array;
  /** Last time the consumer was active (ms): 7.0's seen-time. */
  seenTime: number;
  readonly pel = new Pel();
  constructor(name: Uint8Array, now: number) {
    this.name = name;
    this.seenTime = now;
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Finds a name in a name-sorted array: index, or -(insertion point) - 1. */
function findByName<T extends { name: Uint8Array }>(a: T[], b: Uint8Array, o: number, n: number): number {
  const key = b.subarray(o, o + n);
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareBytes(a[mid]!.name, key);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -lo - 1;
}

export class ConsumerGroup {
  readonly name: Uint8Array;
  lastId: bigint;
  entriesRead: number;
  readonly pel = new Pel();
  /** Sorted by name. */
  readonly consumers: Consumer[] = [];
  constructor(name: Uint8Array, lastId: bigint, entriesRead: number) {
    this.name = name;
    this.lastId = lastId;
    this.entriesRead = entriesRead;
  }

  findConsumer(b: Uint8Array, o: number, n: number): Consumer | undefined {
    const i = findByName(this.consumers, b, o, n);
    return i >= 0 ? this.consumers[i] : undefined;
  }

  /** Creates the consumer (streamCreateConsumer); undefined if it exists. */
  createConsumer(b: Uint8Array, o: number, n: number, now: number): Consumer | undefined {
    const i = findByName(this.consumers, b, o, n);
    if (i >= 0) return undefined;
    const c = new Consumer(Uint8Array.prototype.slice.call(b, o, o + n), now);
    this.consumers.splice(-i - 1, 0, c);
    return c;
  }

  /** Deletes a consumer and its pending entries from the group PEL; returns how many. */
  deleteConsumer(cons: Consumer): number {
    const pending = cons.pel.size;
    for (const id of cons.pel.ids) this.pel.delete(id);
    const i = findByName(this.consumers, cons.name, 0, cons.name.length);
    if (i >= 0) this.consumers.splice(i, 1);
    return pending;
  }
}

// ---- the stream ----------------------------------------------------------------------------------

export class Stream {
  /** Master ID per block, ascending, and the blocks' listpacks. */
  masters: bigint[] = [];
  lps: Uint8Array[] = [];
  length = 0;
  lastId = 0n;
  firstId = 0n;
  maxDeletedId = 0n;
  entriesAdded = 0;
  /** Sorted by name. */
  groups: ConsumerGroup[] = [];

  // ---- groups ----

  findGroup(b: Uint8Array, o: number, n: number): ConsumerGroup | undefined {
    const i = findByName(this.groups, b, o, n);
    return i >= 0 ? this.groups[i] : undefined;
  }

  /** streamCreateCG: undefined when the name exists. */
  createGroup(b: Uint8Array, o: number, n: number, lastId: bigint, entriesRead: number): ConsumerGroup | undefined {
    const i = findByName(this.groups, b, o, n);
    if (i >= 0) return undefined;
    const g = new ConsumerGroup(Uint8Array.prototype.slice.call(b, o, o + n), lastId, entriesRead);
    this.groups.splice(-i - 1, 0, g);
    return g;
  }

  destroyGroup(g: ConsumerGroup): void {
    const i = this.groups.indexOf(g);
    if (i >= 0) this.groups.splice(i, 1);
  }

  // ---- blocks ----

  /** Index of the last block whose master ID is <= id, or -1. */
  blockFor(id: bigint): number {
    const m = this.masters;
    let lo = 0;
    let hi = m.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (m[mid]! <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /**
   * Appends an entry with ID id (greater than lastId: the caller checks) whose fields and values
   * are argv-style pairs b[off[i]..] for i in [from, from + 2*numFields) (streamAppendItem).
   */
  append(
    id: bigint,
    b: Uint8Array,
    off: Int32Array,
    len: Int32Array,
    from: number,
    numFields: number,
    maxBytes: number,
    maxEntries: number,
  ): void {
    let bi = this.lps.length - 1;
    let lp: Uint8Array | null = bi >= 0 ? this.lps[bi]! : null;
    const limit = maxBytes === 0 || maxBytes > STREAM_LISTPACK_MAX_SIZE ? STREAM_LISTPACK_MAX_SIZE : maxBytes;
    if (lp !== null) {
      let total = 0;
      for (let i = from; i < from + numFields * 2; i++) total += len[i]!;
      let fresh = lpBytes(lp) + total >= limit;
      if (!fresh && maxEntries > 0) {
        const p = 6;
        const q = lpNext(lp, p);
        if (numAt(lp, p) + numAt(lp, q) >= maxEntries) fresh = true;
      }
      if (fresh) {
        // Drop the spare capacity only when it is worth a copy (see the sizing of new blocks).
        if (lp.length - lpBytes(lp) > lp.length >>> 3) this.lps[bi] = lpShrinkToFit(lp);
        lp = null;
      }
    }
    let master: bigint;
    let flags = STREAM_ITEM_FLAG_NONE;
    if (lp === null) {
      // New block: master entry with this entry's fields; the entry itself shares them.
      master = id;
      // Size a new block like the one it follows (+1/16 and a little): streams are mostly
      // uniform, so it then fills without being regrown step by step and closes with little
      // spare room, which is kept. Growing each block from 64 bytes left a trail of freed
      // buffers of every size behind it (RSS ~1.8x the data).
      const prev = bi >= 0 ? lpBytes(this.lps[bi]!) : 0;
      lp = lpNew(prev > 0 && prev <= MAX_PREALLOC ? prev + (prev >>> 4) + 64 : 64);
      lp = lpAppendInteger(lp, 1);
      lp = lpAppendInteger(lp, 0);
      lp = lpAppendInteger(lp, numFields);
      for (let i = 0; i < numFields; i++) {
        const f = from + i * 2;
        lp = lpAppend(lp, b, off[f]!, len[f]!);
      }
      lp = lpAppendInteger(lp, 0);
      flags = STREAM_ITEM_FLAG_SAMEFIELDS;
      this.masters.push(id);
      this.lps.push(lp);
      bi = this.lps.length - 1;
    } else {
      master = this.masters[bi]!;
      const p = 6;
      lp = lpReplaceInteger(lp, p, numAt(lp, p) + 1);
      // Same fields as the master entry?
      let q = skip(lp, p, 2);
      if (numAt(lp, q) === numFields) {
        flags = STREAM_ITEM_FLAG_SAMEFIELDS;
        for (let i = 0; i < numFields; i++) {
          q = lpNext(lp, q);
          lpGet(lp, q, ent);
          const f = from + i * 2;
          if (!fieldEquals(lp, ent, b, off[f]!, len[f]!)) {
            flags = STREAM_ITEM_FLAG_NONE;
            break;
          }
        }
      }
    }
    const msDiff = (id >> 64n) - (master >> 64n);
    const seqDiff = BigInt.asIntN(64, (id & MASK64) - (master & MASK64));
    lp = lpAppendInteger(lp, flags);
    lp = lpAppendInteger(lp, BigInt.asIntN(64, msDiff));
    lp = lpAppendInteger(lp, seqDiff);
    if (flags === STREAM_ITEM_FLAG_SAMEFIELDS) {
      for (let i = 0; i < numFields; i++) {
        const v = from + i * 2 + 1;
        lp = lpAppend(lp, b, off[v]!, len[v]!);
      }
      lp = lpAppendInteger(lp, numFields + 3);
    } else {
      lp = lpAppendInteger(lp, numFields);
      for (let i = from; i < from + numFields * 2; i++) lp = lpAppend(lp, b, off[i]!, len[i]!);
      lp = lpAppendInteger(lp, numFields * 2 + 4);
    }
    this.lps[bi] = lp;
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /** Removes block bi (its live entries already accounted for by the caller). */
  private removeBlock(bi: number): void {
    this.masters.splice(bi, 1);
    this.lps.splice(bi, 1);
  }

  /**
   * Marks entry id deleted (streamDeleteItem); false when it is not in the stream. Updates
   * length and removes the block once it has no live entry. first_id/max_deleted_entry_id are the
   * caller's (XDEL updates them after all deletions).
   */
  deleteEntry(id: bigint): boolean {
    const bi = this.blockFor(id);
    if (bi < 0) return false;
    const it = scratchIter;
    it.seekBlock(this, bi, id, id, false);
    if (!it.next() || it.id !== id) return false;
    this.deleteAt(it);
    return true;
  }

  /** Deletes the entry the iterator is on (streamIteratorRemoveEntry); the iterator stays valid. */
  deleteAt(it: StreamIterator): void {
    const bi = it.bi;
    let lp = this.lps[bi]!;
    const before = lpBytes(lp);
    lp = lpReplaceInteger(lp, it.flagsPos, it.flags | STREAM_ITEM_FLAG_DELETED);
    const live = numAt(lp, 6) - 1;
    this.length--;
    if (live === 0) {
      this.removeBlock(bi);
      it.blockRemoved();
      return;
    }
    lp = lpReplaceInteger(lp, 6, live);
    const q = lpNext(lp, 6);
    lp = lpReplaceInteger(lp, q, numAt(lp, q) + 1);
    this.lps[bi] = lp;
    it.blockChanged(lp, lpBytes(lp) - before);
  }

  /** The first (or last) live entry's ID (streamGetEdgeID); 0 / ID_MAX-less: returns -1n if empty. */
  edgeId(first: boolean): bigint {
    if (this.length === 0) return -1n;
    const it = scratchIter;
    it.seek(this, 0n, ID_MAX, !first);
    it.next();
    return it.id;
  }

  /**
   * Trims (streamTrim): MAXLEN keeps `maxlen` entries, MINID removes entries below `minid`.
   * approx stops at block boundaries; limit (0: none) caps the entries removed. Returns the count.
   */
  trim(byMinId: boolean, maxlen: number, minid: bigint, approx: boolean, limit: number): number {
    let deleted = 0;
    while (this.lps.length > 0) {
      if (!byMinId && this.length <= maxlen) break;
      let lp = this.lps[0]!;
      const master = this.masters[0]!;
      const entries = numAt(lp, 6);
      if (limit > 0 && deleted + entries > limit) break;
      let remove: boolean;
      if (!byMinId) remove = this.length - entries >= maxlen;
      else remove = lastIdOfBlock(lp, master) < minid;
      if (remove) {
        this.removeBlock(0);
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      let fromLp = 0;
      const pDel = lpNext(lp, 6);
      const pNum = lpNext(lp, pDel);
      const masterFields = numAt(lp, pNum);
      let p = skip(lp, pNum, masterFields + 2);
      while (p !== -1 && lp[p] !== LP_EOF) {
        const flagsPos = p;
        const flags = numAt(lp, p);
        p = lpNext(lp, p);
        const msd = bigAt(lp, p);
        p = lpNext(lp, p);
        const seqd = bigAt(lp, p);
        p = lpNext(lp, p);
        const stop = byMinId ? entryId(master, msd, seqd) >= minid : this.length <= maxlen;
        if (stop) break;
        let toSkip: number;
        if (flags & STREAM_ITEM_FLAG_SAMEFIELDS) toSkip = masterFields;
        else {
          toSkip = numAt(lp, p) * 2;
          p = lpNext(lp, p);
        }
        p = skip(lp, p, toSkip); // now on lp-count
        if (!(flags & STREAM_ITEM_FLAG_DELETED)) {
          // Replacing a small int by a small int keeps the size: p stays valid.
          lp = lpReplaceInteger(lp, flagsPos, flags | STREAM_ITEM_FLAG_DELETED);
          fromLp++;
          this.length--;
        }
        p = lpNext(lp, p);
      }
      deleted += fromLp;
      lp = lpReplaceInteger(lp, 6, entries - fromLp);
      const q = lpNext(lp, 6);
      lp = lpReplaceInteger(lp, q, numAt(lp, q) + fromLp);
      this.lps[0] = lp;
      break;
    }
    if (deleted > 0) {
      const f = this.edgeId(true);
      this.firstId = f < 0n ? 0n : f;
    }
    return deleted;
  }

  /** A deep copy (COPY). */
  dup(): Stream {
    const s = new Stream();
    s.masters = this.masters.slice();
    s.lps = this.lps.map((lp) => lpShrinkToFit(lp.slice()));
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    for (const g of this.groups) {
      const ng = new ConsumerGroup(g.name, g.lastId, g.entriesRead);
      for (const c of g.consumers) {
        const nc = new Consumer(c.name, c.seenTime);
        ng.consumers.push(nc);
        for (const id of c.pel.ids) {
          const n = c.pel.get(id)!;
          const nn = new Nack(nc, n.deliveryTime, n.deliveryCount);
          nc.pel.set(id, nn);
          ng.pel.set(id, nn);
        }
      }
      s.groups.push(ng);
    }
    return s;
  }

  /** Number of blocks (XINFO STREAM radix-tree-keys, MEMORY figures). */
  get blockCount(): number {
    return this.lps.length;
  }

  /**
   * The node count of the rax Redis would hold for these master IDs (XINFO radix-tree-nodes).
   * Its keys are the 16-byte big-endian IDs, all the same length, and it stays in the compressed
   * form; its nodes are then exactly the root, every key (a leaf), every prefix where two
   * neighbouring keys part (a branching node) and each child of such a prefix (a node of its
   * own, compressed or not). Neighbouring keys in sorted order are enough to find every
   * branching prefix. Checked against redis-server with appends, XDEL and trims.
   */
  radixTreeNodes(): number {
    const m = this.masters;
    if (m.length === 0) return 1;
    const seen = new Set<string>();
    seen.add('0:');
    const mark = (id: bigint, len: number): void => {
      seen.add(`${len}:${len === 0 ? '' : (id >> BigInt(8 * (16 - len))).toString(16)}`);
    };
    for (let i = 0; i < m.length; i++) {
      mark(m[i]!, 16);
      if (i + 1 === m.length) break;
      const x = m[i]! ^ m[i + 1]!;
      const lcp = 15 - Math.floor((x.toString(2).length - 1) / 8);
      mark(m[i]!, lcp);
      mark(m[i]!, lcp + 1);
      mark(m[i + 1]!, lcp + 1);
    }
    return seen.size;
  }
}

function entryId(master: bigint, msd: bigint, seqd: bigint): bigint {
  const ms = (master >> 64n) + BigInt.asUintN(64, msd);
  const seq = BigInt.asUintN(64, (master & MASK64) + seqd);
  return (BigInt.asUintN(64, ms) << 64n) | seq;
}

/** The ID of the block's last entry, deleted or not (lpGetEdgeStreamID). */
function lastIdOfBlock(lp: Uint8Array, master: bigint): bigint {
  const pc = lpPrev(lp, lpBytes(lp) - 1);
  const n = numAt(lp, pc);
  let p = pc;
  for (let i = 0; i < n; i++) p = lpPrev(lp, p);
  const pm = lpNext(lp, p);
  const ps = lpNext(lp, pm);
  return entryId(master, bigAt(lp, pm), bigAt(lp, ps));
}

function fieldEquals(lp: Uint8Array, e: LpEntry, b: Uint8Array, o: number, n: number): boolean {
  if (!e.isInt) {
    if (e.strLen !== n) return false;
    for (let i = 0; i < n; i++) if (lp[e.strOff + i] !== b[o + i]) return false;
    return true;
  }
  const s = String(e.int);
  if (s.length !== n) return false;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) !== b[o + i]) return false;
  return true;
}

// ---- iteration ---------------------------------------------------------------------------------

/**
 * Walks live entries with IDs in [start, end], forward or in reverse (streamIterator). After
 * next() returns true: id, numFields, and fieldPos(i)/valuePos(i) give listpack offsets in lp
 * for the entry's fields and values. One reusable object per caller; nothing per entry.
 */
export class StreamIterator {
  s: Stream | null = null;
  start = 0n;
  end = 0n;
  rev = false;
  bi = -1;
  lp: Uint8Array = EMPTY;
  master = 0n;
  /** Offset of the master's first field name, and the master field count. */
  masterFieldsPos = 0;
  masterFields = 0;
  /** Forward: next entry's flags offset; reverse: offset after the previous entry's lp-count. */
  pos = -1;
  // Current entry.
  id = 0n;
  flags = 0;
  flagsPos = 0;
  numFields = 0;
  /** Offset of the first field (or value, with SAMEFIELDS). */
  dataPos = 0;
  private firstEntryPos = 0;
  private done = true;

  seek(s: Stream, start: bigint, end: bigint, rev: boolean): this {
    this.s = s;
    this.start = start;
    this.end = end;
    this.rev = rev;
    this.done = start > end || s.lps.length === 0;
    if (this.done) return this;
    if (!rev) {
      let bi = s.blockFor(start);
      if (bi < 0) bi = 0;
      this.openBlock(bi);
    } else {
      const bi = s.blockFor(end);
      if (bi < 0) {
        this.done = true;
        return this;
      }
      this.openBlock(bi);
    }
    return this;
  }

  /** Seek limited to the block bi (deleteEntry). */
  seekBlock(s: Stream, bi: number, start: bigint, end: bigint, rev: boolean): void {
    this.s = s;
    this.start = start;
    this.end = end;
    this.rev = rev;
    this.done = false;
    this.openBlock(bi);
  }

  private openBlock(bi: number): void {
    const s = this.s!;
    this.bi = bi;
    const lp = s.lps[bi]!;
    this.lp = lp;
    this.master = s.masters[bi]!;
    const pNum = skip(lp, 6, 2);
    this.masterFields = numAt(lp, pNum);
    this.masterFieldsPos = lpNext(lp, pNum);
    this.firstEntryPos = skip(lp, pNum, this.masterFields + 2);
    this.pos = this.rev ? lpBytes(lp) - 1 : this.firstEntryPos;
  }

  /**
   * The block's master counts changed (maybe their encoded size, by delta bytes) and it may have
   * been reallocated: every offset past the counts moves by delta.
   */
  blockChanged(lp: Uint8Array, delta: number): void {
    this.lp = lp;
    this.masterFieldsPos += delta;
    this.firstEntryPos += delta;
    this.pos += delta;
    this.flagsPos += delta;
    this.dataPos += delta;
  }

  /** The current block went away: continue with the neighbour at the same index. */
  blockRemoved(): void {
    const s = this.s!;
    if (this.rev) {
      if (this.bi - 1 < 0) this.done = true;
      else this.openBlock(this.bi - 1);
    } else if (this.bi >= s.lps.length) this.done = true;
    else this.openBlock(this.bi);
  }

  fieldPos(i: number): number {
    if (this.flags & STREAM_ITEM_FLAG_SAMEFIELDS) return skip(this.lp, this.masterFieldsPos, i);
    return skip(this.lp, this.dataPos, i * 2);
  }

  valuePos(i: number): number {
    if (this.flags & STREAM_ITEM_FLAG_SAMEFIELDS) return skip(this.lp, this.dataPos, i);
    return skip(this.lp, this.dataPos, i * 2 + 1);
  }

  /** Advances to the next live entry in range; false at the end. */
  next(): boolean {
    const s = this.s!;
    while (!this.done) {
      const lp = this.lp;
      let p: number;
      if (!this.rev) {
        p = this.pos;
        if (lp[p] === LP_EOF) {
          if (this.bi + 1 >= s.lps.length || s.masters[this.bi + 1]! > this.end) {
            this.done = true;
            return false;
          }
          this.openBlock(this.bi + 1);
          continue;
        }
      } else {
        if (this.pos <= this.firstEntryPos) {
          if (this.bi === 0) {
            this.done = true;
            return false;
          }
          this.openBlock(this.bi - 1);
          continue;
        }
        const pc = lpPrev(lp, this.pos);
        const n = numAt(lp, pc);
        p = pc;
        for (let i = 0; i < n; i++) p = lpPrev(lp, p);
      }
      const flagsPos = p;
      const flags = numAt(lp, p);
      p = lpNext(lp, p);
      const msd = bigAt(lp, p);
      p = lpNext(lp, p);
      const seqd = bigAt(lp, p);
      p = lpNext(lp, p);
      let nf: number;
      if (flags & STREAM_ITEM_FLAG_SAMEFIELDS) nf = this.masterFields;
      else {
        nf = numAt(lp, p);
        p = lpNext(lp, p);
      }
      const dataPos = p;
      if (this.rev) this.pos = flagsPos;
      else {
        p = skip(lp, p, flags & STREAM_ITEM_FLAG_SAMEFIELDS ? nf : nf * 2);
        this.pos = p + lpEntrySizeAt(lp, p); // past lp-count
      }
      if (flags & STREAM_ITEM_FLAG_DELETED) continue;
      const id = entryId(this.master, msd, seqd);
      if (!this.rev) {
        if (id < this.start) continue;
        if (id > this.end) {
          this.done = true;
          return false;
        }
      } else {
        if (id > this.end) continue;
        if (id < this.start) {
          this.done = true;
          return false;
        }
      }
      this.id = id;
      this.flags = flags;
      this.flagsPos = flagsPos;
      this.numFields = nf;
      this.dataPos = dataPos;
      return true;
    }
    return false;
  }
}

function lpEntrySizeAt(lp: Uint8Array, p: number): number {
  return lpGet(lp, p, ent).size;
}

const EMPTY = new Uint8Array(0);
const scratchIter = new StreamIterator();

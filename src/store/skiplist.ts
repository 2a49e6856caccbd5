/*
 * Skiplist: the `skiplist` encoding of a sorted set. A skip list ordered by (score, member bytes)
 * with span counts for O(log n) ranks (Redis's zskiplist), plus a member -> node hash table (the
 * zset's dict), all in typed arrays: no JS object per member.
 *
 * Why this shape. A 10M-member sorted set as JS objects would be 10M+ heap objects that every
 * major GC marks (pauses of seconds) and 150+ bytes per member. Here the GC sees about ten objects
 * per skiplist whatever its size, and a member costs ~60 bytes against Redis's ~100.
 *
 * Nodes. A node is a variable-size record in one heap buffer, read through a Float64Array and an
 * Int32Array over the same bytes. Node ids are record offsets in 8-byte units, so node x is
 *   f64[x]          score
 *   i32[2x+2]       prev: backward pointer (0 = none)
 *   i32[2x+3]       member: arena offset in 8-byte units
 *   i32[2x+4]       member hash            i32[2x+5]  dict chain: next node in the bucket
 *   i32[2x+6+2i]    forward at level i     i32[2x+7+2i] span at level i, for i = 0..L-1
 * with one exception: the level-0 span is implicit (1, or 0 after the tail), so its slot holds the
 * node's level L. A record is 24 + 8L bytes: 32 bytes for the 3/4 of nodes that have one level
 * (levels are random with P = 1/4, max 32, as in Redis), 34.7 on average. Keeping the levels in the
 * record (as Redis's zskiplistNode does) rather than in a side pool matters for speed: a descent
 * that moves to a node then reads its forward pointers from the same cache line, and on a big set
 * every node visited is a cache miss. Records are allocated from the heap's end or from a free
 * list per level (32 lists, chained through the forward-0 word). The header is node 0 (level 32),
 * so 0 doubles as the null pointer.
 *
 * Members. A member is `varint len, bytes` in an Arena block (8-byte units, size classes). The
 * skiplist takes the arena from its owner: the server passes its one keyspace arena, so thousands
 * of skiplists share one address-space reservation and one set of free lists (a per-skiplist
 * Arena reserves 32 GiB of address space and a memory mapping each: vm.max_map_count, 65530 by
 * default, would cap the number of big sorted sets at a few thousand). The price is that dropping
 * a skiplist frees its members one by one (`clear`, O(n)), like Redis's zslFree; a lazy free can
 * call deleteRangeByRank(0, k - 1) in slices.
 *
 * Dict. A ChainedTable (chained-table.ts, shared with the keyspace and ByteDict) over the node
 * heap itself: node x's member hash and dict chain link are the words 2x+4 and 2x+5 (stride 2),
 * and node ids are the table's refs (0, the header, is never a member). Redis's incremental
 * rehashing between two tables: growing to 2x (load factor 1) or shrinking (below 10% full, after
 * deletes) allocates the new table (calloc: untouched pages cost nothing) and then moves one
 * bucket per dict operation, so 10M members are never moved in one go. Each node keeps its
 * member's hash, so moving a chain never touches member bytes, and a lookup compares bytes only on
 * a hash match; every lookup probes one chain, not two.
 *
 * Buffers. The node heap starts as a plain ArrayBuffer that doubles by copying (at most 1 MiB
 * copied, ~30K nodes); past that it becomes a resizable ArrayBuffer that grows in place (8 GiB of
 * address space reserved, only touched pages backed). Small sorted sets therefore take no memory
 * mapping of their own.
 *
 * Ordering: score as a double (-0 == 0, so -0 and 0 tie and are ordered by member; the stored
 * value keeps its sign), then member bytes as memcmp (unsigned bytes, a prefix first). NaN is
 * never stored. Ranks are 0-based in the API (Redis's zsl functions are 1-based).
 *
 * API (members are byte ranges b[o, o+n); a hash argument, when given, must be hashBytes of them):
 *   new Skiplist(arena, expected?, seed?)      size, level, memoryBytes(), stats(), clear()
 *   find(b,o,n) -> node | 0                    scoreOf(b,o,n) -> score | NaN
 *   insert(b,o,n,score) -> node                (member absent: the caller checks with find)
 *   delete(b,o,n) -> bool, deleteNode(x)       updateScore(b,o,n,score) -> node | 0, setScore(x,s)
 *   rank(b,o,n) -> 0-based | -1, rankOf(x)     nodeByRank(r) -> node | 0, randomNode()
 *   first(), last(), next(x), prev(x), score(x), memberOff(x), memberLen(x) (bytes in `u8`),
 *     memberCopy(x): walking nodes hands out members without copying or allocating
 *   firstInScoreRange / lastInScoreRange / firstInLexRange / lastInLexRange(range) -> node | 0,
 *     with its 0-based rank in `foundRank`
 *   countInScoreRange / countInLexRange(range)   (two descents, O(log n))
 *   rangeByScore / rangeByLex(range, reverse, offset, limit, visit) -> count (offset by rank)
 *   rangeByRank(start, end, reverse, visit) -> count, forEach(visit)
 *   deleteRangeByScore / deleteRangeByLex(range), deleteRangeByRank(start, end) -> count
 *   rehashStep(n) (cron), check() (debug: verifies every invariant)
 *   free() (returns the members to the arena), clone() (COPY), scan(cursor, emit) (ZSCAN)
 * Node ids are valid until their member is deleted (setScore keeps the id). Nothing here may be
 * called from inside a visitor.
 */
import { lenSize, readLen } from './record.ts';
import { Arena } from './arena.ts';
import { hashBytes } from './hash.ts';
import { ChainedTable, MIN_TABLE } from './chained-table.ts';
import { copyBytes } from '../util/bytes.ts';

export const MAX_LEVEL = 32;
/** Null node id (the header's id; the header is never a member). */
export const NIL = 0;

// Word offsets in a record (node x starts at i32 index 2x).
const W_PREV = 2;
const W_MEM = 3;
const W_HASH = 4;
const W_DNEXT = 5;
/** Forward at level i: 2x + W_FWD + 2i; span: one word after (level 0: the level). */
const W_FWD = 6;
const W_LEVEL = 7;
/** Fixed part of a record in 8-byte units: a node of level L takes HEAD_UNITS + L units. */
const HEAD_UNITS = 3;

const MAX_HEAP_BYTES = 2 ** 33;
/** Heaps up to this size are plain (copied when doubled); beyond, resizable in place. */
const PLAIN_MAX_BYTES = 1 << 20;

/** Score interval (Redis's zrangespec): min..max, each end inclusive unless minex / maxex. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/**
 * Lex interval (Redis's zlexrangespec). `minInf`/`maxInf`: -1 for '-' (below every string),
 * +1 for '+' (above every string), 0 when the bound is the bytes `min`/`max` (then `minex`/`maxex`
 * say '(' exclusive or '[' inclusive; they are false for '-' and '+').
 */
export interface LexRange {
  min: Uint8Array;
  minInf: number;
  minex: boolean;
  max: Uint8Array;
  maxInf: number;
  maxex: boolean;
}

/** Receives one element: member bytes at `sl.u8[off, off+len)` (no copy) and its score. */
export type Visit = (off: number, len: number, score: number) => void;

const EMPTY = new Uint8Array(0);

/** Parses one ZRANGEBYLEX bound ('-', '+', '[bytes', '(bytes'); null when invalid. */
export function parseLexBound(b: Uint8Array): { bytes: Uint8Array; inf: number; ex: boolean } | null {
  if (b.length === 0) return null;
  const c = b[0];
  if (c === 0x2b /* + */) return b.length === 1 ? { bytes: EMPTY, inf: 1, ex: false } : null;
  if (c === 0x2d /* - */) return b.length === 1 ? { bytes: EMPTY, inf: -1, ex: false } : null;
  if (c === 0x28 /* ( */) return { bytes: b.subarray(1), inf: 0, ex: true };
  if (c === 0x5b /* [ */) return { bytes: b.subarray(1), inf: 0, ex: false };
  return null;
}

/** Builds a LexRange from the two ZRANGEBYLEX arguments; null when either is invalid. */
export function parseLexRange(minArg: Uint8Array, maxArg: Uint8Array): LexRange | null {
  const a = parseLexBound(minArg);
  const z = parseLexBound(maxArg);
  if (a === null || z === null) return null;
  return { min: a.bytes, minInf: a.inf, minex: a.ex, max: z.bytes, maxInf: z.inf, maxex: z.ex };
}

/** memcmp order of a[ap, ap+an) and b[bp, bp+bn): negative, 0 or positive. */
export function compareBytes(a: Uint8Array, ap: number, an: number, b: Uint8Array, bp: number, bn: number): number {
  const m = an < bn ? an : bn;
  for (let i = 0; i < m; i++) {
    const d = a[ap + i] - b[bp + i];
    if (d !== 0) return d;
  }
  return an - bn;
}

function gteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}

function lteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

/** Scratch for descents (single-threaded and never re-entered). */
const UPDATE = new Int32Array(MAX_LEVEL);
const RANK = new Int32Array(MAX_LEVEL);

function grownBuffer(ab: ArrayBuffer, needBytes: number, maxBytes: number): ArrayBuffer {
  if (needBytes > maxBytes) throw new RangeError('skiplist: too many members');
  const cur = ab.byteLength;
  if (ab.resizable) {
    // Grow by 1/8 (resizing commits pages in place, no copy), so the slack stays small.
    let next = cur + Math.max(cur >>> 3, 1 << 20);
    if (next < needBytes) next = needBytes;
    ab.resize(Math.min(Math.ceil(next / 65536) * 65536, maxBytes));
    return ab;
  }
  let next = cur * 2;
  while (next < needBytes) next *= 2;
  const nb = next <= PLAIN_MAX_BYTES ? new ArrayBuffer(next) : new ArrayBuffer(Math.min(next, maxBytes), { maxByteLength: maxBytes });
  new Uint8Array(nb).set(new Uint8Array(ab));
  return nb;
}

export class Skiplist {
  readonly arena: Arena;
  /** Number of members. */
  size = 0;
  /** Levels in use (Redis's zsl->level), 1..32. */
  level = 1;
  /** Last node (0 when empty). */
  tail = 0;
  /** 0-based rank of the node returned by the last first/last-in-range call (-1: none). */
  foundRank = -1;
  /** Bytes of arena blocks held for members. */
  memberBytes = 0;

  private heap: ArrayBuffer;
  private f64: Float64Array;
  private i32: Int32Array;
  /** Next never-used heap unit (8 bytes). */
  private heapTop = 0;
  /** Free record heads by level (1..32), chained through the forward-0 word. */
  private readonly freeHeads = new Int32Array(MAX_LEVEL + 1);
  /** Heap units in free records. */
  private freeUnits = 0;

  /** The member dict: node ids chained through their W_DNEXT words, hashes in W_HASH. */
  private dict: ChainedTable;

  private seed: number;

  /**
   * @param arena where member bytes go (the server passes its shared keyspace arena)
   * @param expected members expected (sizes the heap and the dict table up front), e.g. the
   *   listpack length when converting
   * @param seed seed of the level generator (tests); random when 0
   */
  constructor(arena: Arena, expected = 0, seed = 0) {
    this.arena = arena;
    this.seed = seed !== 0 ? seed >>> 0 || 1 : ((Math.random() * 0xffffffff) >>> 0) || 1;
    let bytes = 4096;
    while (bytes < (expected + 8) * 40 && bytes < PLAIN_MAX_BYTES) bytes *= 2;
    this.heap = new ArrayBuffer(bytes);
    this.f64 = new Float64Array(this.heap);
    this.i32 = new Int32Array(this.heap);
    this.initHeader();
    this.dict = new ChainedTable(this.i32, W_HASH, this.i32, W_DNEXT, 2, 0, expected);
  }

  private initHeader(): void {
    this.heapTop = HEAD_UNITS + MAX_LEVEL;
    const i32 = this.i32;
    for (let w = 0; w < this.heapTop * 2; w++) i32[w] = 0;
    i32[W_LEVEL] = MAX_LEVEL;
  }

  /** Byte view of the arena: members handed out as (offset, length) live here. */
  get u8(): Uint8Array {
    return this.arena.u8;
  }

  // ---- node accessors ------------------------------------------------------------------------

  score(x: number): number {
    return this.f64[x];
  }

  /** Byte offset of x's member in `u8`. */
  memberOff(x: number): number {
    const p = (this.i32[x * 2 + W_MEM] >>> 0) * 8;
    return p + lenSize(readLen(this.arena.u8, p));
  }

  memberLen(x: number): number {
    return readLen(this.arena.u8, (this.i32[x * 2 + W_MEM] >>> 0) * 8);
  }

  /** A copy of x's member. */
  memberCopy(x: number): Buffer {
    const o = this.memberOff(x);
    return Buffer.from(this.arena.u8.subarray(o, o + this.memberLen(x)));
  }

  /** Level count of node x (1..32). */
  levelOf(x: number): number {
    return this.i32[x * 2 + W_LEVEL];
  }

  /** First node (lowest), 0 when empty. */
  first(): number {
    return this.i32[W_FWD];
  }

  /** Last node (highest), 0 when empty. */
  last(): number {
    return this.tail;
  }

  /** Node after x, 0 after the last. */
  next(x: number): number {
    return this.i32[x * 2 + W_FWD];
  }

  /** Node before x, 0 before the first. */
  prev(x: number): number {
    return this.i32[x * 2 + W_PREV];
  }

  /** memcmp of the members of nodes a and b. */
  private cmpNodes(a: number, b: number): number {
    const u8 = this.arena.u8;
    const i32 = this.i32;
    const pa = (i32[a * 2 + W_MEM] >>> 0) * 8;
    const pb = (i32[b * 2 + W_MEM] >>> 0) * 8;
    const na = readLen(u8, pa);
    const nb = readLen(u8, pb);
    return compareBytes(u8, pa + lenSize(na), na, u8, pb + lenSize(nb), nb);
  }

  /** (score(y), member(y)) < (s, member(x)) for distinct nodes x, y. */
  private before(y: number, s: number, x: number): boolean {
    const sy = this.f64[y];
    return sy < s || (sy === s && this.cmpNodes(y, x) < 0);
  }

  private cmpMemberBytes(x: number, b: Uint8Array): number {
    const u8 = this.arena.u8;
    const p = (this.i32[x * 2 + W_MEM] >>> 0) * 8;
    const n = readLen(u8, p);
    return compareBytes(u8, p + lenSize(n), n, b, 0, b.length);
  }

  private lexGteMin(x: number, r: LexRange): boolean {
    if (r.minInf !== 0) return r.minInf < 0;
    const c = this.cmpMemberBytes(x, r.min);
    return r.minex ? c > 0 : c >= 0;
  }

  private lexLteMax(x: number, r: LexRange): boolean {
    if (r.maxInf !== 0) return r.maxInf > 0;
    const c = this.cmpMemberBytes(x, r.max);
    return r.maxex ? c < 0 : c <= 0;
  }

  // ---- allocation ----------------------------------------------------------------------------

  private rand32(): number {
    let s = this.seed;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.seed = s >>> 0;
    return this.seed;
  }

  /** 1..32, P(level > k) = 4^-k (Redis's zslRandomLevel). */
  private randomLevel(): number {
    let lv = 1;
    for (;;) {
      let r = this.rand32();
      for (let k = 0; k < 16; k++) {
        if ((r & 3) !== 0) return lv;
        r >>>= 2;
        if (++lv === MAX_LEVEL) return lv;
      }
    }
  }

  /** A record for a node of level L (its words are stale: the caller sets them all). */
  private allocNode(L: number): number {
    let x = this.freeHeads[L];
    if (x !== 0) {
      this.freeHeads[L] = this.i32[x * 2 + W_FWD];
      this.freeUnits -= HEAD_UNITS + L;
      return x;
    }
    x = this.heapTop;
    const end = x + HEAD_UNITS + L;
    if (end * 8 > this.heap.byteLength) {
      const nb = grownBuffer(this.heap, end * 8, MAX_HEAP_BYTES);
      if (nb !== this.heap) {
        this.heap = nb;
        this.f64 = new Float64Array(nb);
        this.i32 = new Int32Array(nb);
        this.dict.setViews(this.i32, this.i32);
      }
    }
    this.heapTop = end;
    return x;
  }

  /** Returns node x's record and member block. */
  private freeNode(x: number): void {
    const i32 = this.i32;
    const b = x * 2;
    const L = i32[b + W_LEVEL];
    const mem = i32[b + W_MEM] >>> 0;
    const n = readLen(this.arena.u8, mem * 8);
    const size = lenSize(n) + n;
    this.arena.free(mem, size);
    this.memberBytes -= Arena.capacity(size);
    i32[b + W_PREV] = -1; // marks a free record (check())
    i32[b + W_FWD] = this.freeHeads[L];
    this.freeHeads[L] = x;
    this.freeUnits += HEAD_UNITS + L;
  }

  // ---- dict ----------------------------------------------------------------------------------

  /** Node of member b[o, o+n) (hash h, default computed), 0 when absent. */
  find(b: Uint8Array, o: number, n: number, h = hashBytes(b, o, n)): number {
    if (this.size === 0) return 0;
    const dict = this.dict;
    if (dict.t1 !== null) dict.step(1);
    return this.lookup(b, o, n, h | 0); // int32: no boxed number on calls
  }

  /** find without a rehash step. */
  private lookup(b: Uint8Array, o: number, n: number, h: number): number {
    const i32 = this.i32;
    const hh = h | 0;
    let x = this.dict.head(hh);
    while (x !== 0) {
      if (i32[x * 2 + W_HASH] === hh && this.memberEquals(x, b, o, n)) return x;
      x = i32[x * 2 + W_DNEXT];
    }
    return 0;
  }

  private memberEquals(x: number, b: Uint8Array, o: number, n: number): boolean {
    const u8 = this.arena.u8;
    let p = (this.i32[x * 2 + W_MEM] >>> 0) * 8;
    if (readLen(u8, p) !== n) return false;
    p += lenSize(n);
    for (let i = 0; i < n; i++) if (u8[p + i] !== b[o + i]) return false;
    return true;
  }

  /** Unlinks node x from the dict, then one rehash step. */
  private dictRemove(x: number): void {
    const dict = this.dict;
    dict.unlink(x);
    if (dict.t1 !== null) dict.step(1);
  }

  /** True while the dict is being resized. */
  get rehashing(): boolean {
    return this.dict.t1 !== null;
  }

  /**
   * Moves up to n buckets to the new table (visiting at most 10n empty ones); true when no
   * rehash is in progress afterwards. Each dict operation does one step; cron may do more.
   */
  rehashStep(n: number): boolean {
    return this.dict.step(n);
  }

  /** Starts shrinking the dict when under 10% full (Redis's htNeedsResize + dictResize). */
  private maybeShrink(): void {
    this.dict.maybeShrink();
  }

  // ---- insert / delete / update --------------------------------------------------------------

  /**
   * Adds member b[o, o+n) with `score`; the caller guarantees the member is absent and the score
   * is not NaN (a NaN throws). Returns the new node; a node id stays valid (also across
   * setScore) until its member is deleted.
   */
  insert(b: Uint8Array, o: number, n: number, score: number, h = hashBytes(b, o, n)): number {
    if (score !== score) throw new RangeError('skiplist: NaN score');
    const L = this.randomLevel();
    const x = this.allocNode(L);
    const size = lenSize(n) + n;
    const mem = this.arena.alloc(size);
    this.memberBytes += Arena.capacity(size);
    const u8 = this.arena.u8;
    let p = mem * 8;
    if (n < 0x80) u8[p++] = n;
    else {
      u8[p] = 0x80 | (n >>> 24);
      u8[p + 1] = (n >>> 16) & 0xff;
      u8[p + 2] = (n >>> 8) & 0xff;
      u8[p + 3] = n & 0xff;
      p += 4;
    }
    copyBytes(u8, p, b, o, n);
    const i32 = this.i32;
    this.f64[x] = score;
    i32[x * 2 + W_MEM] = mem;
    i32[x * 2 + W_LEVEL] = L;
    this.link(x);
    this.dict.add(x, h | 0); // writes the W_HASH and W_DNEXT words
    return x;
  }

  /** Links node x (score, member and level set) at its place (zslInsert). */
  private link(x: number): void {
    const f64 = this.f64;
    const i32 = this.i32;
    const s = f64[x];
    let cur = 0;
    let rk = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const w = cur * 2 + W_FWD + i * 2;
        const y = i32[w];
        if (y === 0) break;
        const sy = f64[y];
        if (sy > s || (sy === s && this.cmpNodes(y, x) > 0)) break;
        rk += i === 0 ? 1 : i32[w + 1];
        cur = y;
      }
      RANK[i] = rk;
      UPDATE[i] = cur;
    }
    const L = i32[x * 2 + W_LEVEL];
    if (L > this.level) {
      for (let i = this.level; i < L; i++) {
        RANK[i] = 0;
        UPDATE[i] = 0;
        i32[W_FWD + i * 2 + 1] = this.size; // header span at a new level
      }
      this.level = L;
    }
    const u0 = UPDATE[0];
    const nx = i32[u0 * 2 + W_FWD];
    i32[x * 2 + W_FWD] = nx;
    i32[u0 * 2 + W_FWD] = x;
    const r0 = RANK[0];
    for (let i = 1; i < L; i++) {
      const wu = UPDATE[i] * 2 + W_FWD + i * 2;
      const wx = x * 2 + W_FWD + i * 2;
      i32[wx] = i32[wu];
      i32[wu] = x;
      const d = r0 - RANK[i];
      i32[wx + 1] = i32[wu + 1] - d;
      i32[wu + 1] = d + 1;
    }
    for (let i = L; i < this.level; i++) i32[UPDATE[i] * 2 + W_FWD + i * 2 + 1]++;
    i32[x * 2 + W_PREV] = u0;
    if (nx !== 0) i32[nx * 2 + W_PREV] = x;
    else this.tail = x;
    this.size++;
  }

  /** Fills UPDATE[i] with x's predecessor at each level (x is linked). */
  private findUpdate(x: number): void {
    const f64 = this.f64;
    const i32 = this.i32;
    const s = f64[x];
    let cur = 0;
    for (let i = this.level - 1; i >= 1; i--) {
      for (;;) {
        const y = i32[cur * 2 + W_FWD + i * 2];
        if (y === 0 || y === x) break;
        const sy = f64[y];
        if (sy > s || (sy === s && this.cmpNodes(y, x) > 0)) break;
        cur = y;
      }
      UPDATE[i] = cur;
    }
    for (;;) {
      const y = i32[cur * 2 + W_FWD];
      if (y === x) break;
      if (y === 0) throw new Error('skiplist: node not found in list');
      cur = y;
    }
    UPDATE[0] = cur;
  }

  /** Unlinks x given its predecessors in UPDATE (zslDeleteNode). */
  private unlink(x: number): void {
    const i32 = this.i32;
    for (let i = 1; i < this.level; i++) {
      const wu = UPDATE[i] * 2 + W_FWD + i * 2;
      if (i32[wu] === x) {
        const wx = x * 2 + W_FWD + i * 2;
        i32[wu + 1] += i32[wx + 1] - 1;
        i32[wu] = i32[wx];
      } else {
        i32[wu + 1]--;
      }
    }
    const nx = i32[x * 2 + W_FWD];
    const pv = i32[x * 2 + W_PREV];
    i32[UPDATE[0] * 2 + W_FWD] = nx;
    if (nx !== 0) i32[nx * 2 + W_PREV] = pv;
    else this.tail = pv;
    while (this.level > 1 && i32[W_FWD + (this.level - 1) * 2] === 0) this.level--;
    this.size--;
  }

  /** Removes node x (from the list and the dict) and frees it. */
  deleteNode(x: number): void {
    this.dictRemove(x);
    this.findUpdate(x);
    this.unlink(x);
    this.freeNode(x);
    this.maybeShrink();
  }

  /** Removes member b[o, o+n); false when absent. */
  delete(b: Uint8Array, o: number, n: number, h = hashBytes(b, o, n)): boolean {
    const x = this.find(b, o, n, h);
    if (x === 0) return false;
    this.deleteNode(x);
    return true;
  }

  /**
   * Sets node x's score (not NaN: throws). When the node stays between its neighbours this is one
   * write (Redis's zslUpdateScore fast path, here decided on (score, member) and without a
   * descent, since the dict gives the node); otherwise the node is unlinked and relinked, keeping
   * its id and level.
   */
  setScore(x: number, score: number): void {
    if (score !== score) throw new RangeError('skiplist: NaN score');
    const i32 = this.i32;
    const pv = i32[x * 2 + W_PREV];
    const nx = i32[x * 2 + W_FWD];
    if ((pv === 0 || this.before(pv, score, x)) && (nx === 0 || !this.before(nx, score, x))) {
      this.f64[x] = score;
      return;
    }
    this.findUpdate(x);
    this.unlink(x);
    this.f64[x] = score;
    this.link(x);
  }

  /** Sets the score of member b[o, o+n); returns its node, or 0 when absent. */
  updateScore(b: Uint8Array, o: number, n: number, score: number, h = hashBytes(b, o, n)): number {
    const x = this.find(b, o, n, h);
    if (x !== 0) this.setScore(x, score);
    return x;
  }

  /** Score of member b[o, o+n), NaN when absent (NaN is never a stored score). */
  scoreOf(b: Uint8Array, o: number, n: number, h = hashBytes(b, o, n)): number {
    const x = this.find(b, o, n, h);
    return x === 0 ? NaN : this.f64[x];
  }

  // ---- ranks ---------------------------------------------------------------------------------

  /** 0-based rank of node x (ascending order) (zslGetRank). */
  rankOf(x: number): number {
    const f64 = this.f64;
    const i32 = this.i32;
    const s = f64[x];
    let cur = 0;
    let rk = 0;
    for (let i = this.level - 1; i >= 1; i--) {
      for (;;) {
        const w = cur * 2 + W_FWD + i * 2;
        const y = i32[w];
        if (y === 0) break;
        if (y === x) return rk + i32[w + 1] - 1;
        const sy = f64[y];
        if (sy > s || (sy === s && this.cmpNodes(y, x) > 0)) break;
        rk += i32[w + 1];
        cur = y;
      }
    }
    for (;;) {
      cur = i32[cur * 2 + W_FWD];
      if (cur === x) return rk;
      if (cur === 0) throw new Error('skiplist: node not found in list');
      rk++;
    }
  }

  /** 0-based rank of member b[o, o+n), -1 when absent. */
  rank(b: Uint8Array, o: number, n: number, h = hashBytes(b, o, n)): number {
    const x = this.find(b, o, n, h);
    return x === 0 ? -1 : this.rankOf(x);
  }

  /** Node at 0-based rank r, 0 when out of range. */
  nodeByRank(r: number): number {
    if (r < 0 || r >= this.size) return 0;
    return this.nodeAt(r + 1);
  }

  /** Node at 1-based rank r, 1 <= r <= size (zslGetElementByRank). */
  private nodeAt(r: number): number {
    const i32 = this.i32;
    let cur = 0;
    let t = 0;
    for (let i = this.level - 1; i >= 1; i--) {
      for (;;) {
        const w = cur * 2 + W_FWD + i * 2;
        const y = i32[w];
        if (y === 0) break;
        const sp = i32[w + 1];
        if (t + sp > r) break;
        t += sp;
        cur = y;
      }
      if (t === r) return cur;
    }
    while (t < r) {
      cur = i32[cur * 2 + W_FWD];
      t++;
    }
    return cur;
  }

  /** A uniformly random node (a random rank), 0 when empty. */
  randomNode(): number {
    if (this.size === 0) return 0;
    return this.nodeAt(1 + Math.floor(Math.random() * this.size));
  }

  // ---- score ranges --------------------------------------------------------------------------

  /** zslIsInRange, negated; NaN bounds select nothing. */
  private scoreRangeEmpty(r: ScoreRange): boolean {
    if (this.size === 0 || r.min !== r.min || r.max !== r.max) return true;
    if (r.min > r.max || (r.min === r.max && (r.minex || r.maxex))) return true;
    if (!gteMin(this.f64[this.tail], r)) return true;
    if (!lteMax(this.f64[this.i32[W_FWD]], r)) return true;
    return false;
  }

  /** Last node below the range (0: the header), its 1-based rank in RANK[0], UPDATE filled. */
  private seekBelowScore(r: ScoreRange): number {
    const f64 = this.f64;
    const i32 = this.i32;
    let cur = 0;
    let rk = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const w = cur * 2 + W_FWD + i * 2;
        const y = i32[w];
        if (y === 0 || gteMin(f64[y], r)) break;
        rk += i === 0 ? 1 : i32[w + 1];
        cur = y;
      }
      UPDATE[i] = cur;
    }
    RANK[0] = rk;
    return cur;
  }

  /** Lowest node in the score range, 0 when none; its rank in `foundRank` (zslFirstInRange). */
  firstInScoreRange(r: ScoreRange): number {
    this.foundRank = -1;
    if (this.scoreRangeEmpty(r)) return 0;
    const x = this.next(this.seekBelowScore(r));
    if (x === 0 || !lteMax(this.f64[x], r)) return 0;
    this.foundRank = RANK[0];
    return x;
  }

  /** Highest node in the score range, 0 when none; its rank in `foundRank` (zslLastInRange). */
  lastInScoreRange(r: ScoreRange): number {
    this.foundRank = -1;
    if (this.scoreRangeEmpty(r)) return 0;
    const f64 = this.f64;
    const i32 = this.i32;
    let cur = 0;
    let rk = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const w = cur * 2 + W_FWD + i * 2;
        const y = i32[w];
        if (y === 0 || !lteMax(f64[y], r)) break;
        rk += i === 0 ? 1 : i32[w + 1];
        cur = y;
      }
    }
    if (cur === 0 || !gteMin(f64[cur], r)) return 0;
    this.foundRank = rk - 1;
    return cur;
  }

  /** The node `offset` ranks past `foundRank` in the walk's direction (O(log n)), or 0. */
  private skipFromFound(reverse: boolean, offset: number): number {
    const rk = reverse ? this.foundRank - offset : this.foundRank + offset;
    return rk < 0 || rk >= this.size ? 0 : this.nodeAt(rk + 1);
  }

  /** Members with a score in the range (ZCOUNT): two descents, no walk. */
  countInScoreRange(r: ScoreRange): number {
    if (this.firstInScoreRange(r) === 0) return 0;
    const a = this.foundRank;
    this.lastInScoreRange(r);
    return this.foundRank - a + 1;
  }

  /**
   * Visits the members with a score in the range in ascending (or, with `reverse`, descending)
   * order, skipping the first `offset` (by rank: O(log n), not O(offset)) and stopping after
   * `limit` (< 0: no limit). Returns the number visited. The visitor must not modify the set.
   */
  rangeByScore(r: ScoreRange, reverse: boolean, offset: number, limit: number, visit: Visit): number {
    let x = reverse ? this.lastInScoreRange(r) : this.firstInScoreRange(r);
    if (x === 0) return 0;
    if (offset > 0) {
      x = this.skipFromFound(reverse, offset);
      if (x === 0) return 0;
    }
    const f64 = this.f64;
    const i32 = this.i32;
    const step = reverse ? W_PREV : W_FWD;
    let count = 0;
    while (x !== 0 && count !== limit) {
      const s = f64[x];
      if (reverse ? !gteMin(s, r) : !lteMax(s, r)) break;
      visit(this.memberOff(x), this.memberLen(x), s);
      count++;
      x = i32[x * 2 + step];
    }
    return count;
  }

  /** Deletes the members with a score in the range; returns how many (zslDeleteRangeByScore). */
  deleteRangeByScore(r: ScoreRange): number {
    if (this.scoreRangeEmpty(r)) return 0;
    let x = this.next(this.seekBelowScore(r));
    let removed = 0;
    while (x !== 0 && lteMax(this.f64[x], r)) {
      const nx = this.next(x);
      this.removeWithUpdate(x);
      removed++;
      x = nx;
    }
    if (removed > 0) this.maybeShrink();
    return removed;
  }

  private removeWithUpdate(x: number): void {
    this.unlink(x);
    this.dictRemove(x);
    this.freeNode(x);
  }

  // ---- lex ranges ----------------------------------------------------------------------------

  /** zslIsInLexRange, negated. */
  private lexRangeEmpty(r: LexRange): boolean {
    if (this.size === 0) return true;
    // sdscmplex(min, max): '-' is below and '+' above every string, each equal to itself.
    let c: number;
    if (r.minInf !== 0 && r.minInf === r.maxInf) c = 0;
    else if (r.minInf < 0 || r.maxInf > 0) c = -1;
    else if (r.minInf > 0 || r.maxInf < 0) c = 1;
    else c = compareBytes(r.min, 0, r.min.length, r.max, 0, r.max.length);
    if (c > 0 || (c === 0 && (r.minex || r.maxex))) return true;
    if (!this.lexGteMin(this.tail, r)) return true;
    if (!this.lexLteMax(this.i32[W_FWD], r)) return true;
    return false;
  }

  private seekBelowLex(r: LexRange): number {
    const i32 = this.i32;
    let cur = 0;
    let rk = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const w = cur * 2 + W_FWD + i * 2;
        const y = i32[w];
        if (y === 0 || this.lexGteMin(y, r)) break;
        rk += i === 0 ? 1 : i32[w + 1];
        cur = y;
      }
      UPDATE[i] = cur;
    }
    RANK[0] = rk;
    return cur;
  }

  /**
   * Lowest node in the lex range, 0 when none; its rank in `foundRank` (zslFirstInLexRange). As
   * in Redis, lex ranges are meaningful when all scores are equal.
   */
  firstInLexRange(r: LexRange): number {
    this.foundRank = -1;
    if (this.lexRangeEmpty(r)) return 0;
    const x = this.next(this.seekBelowLex(r));
    if (x === 0 || !this.lexLteMax(x, r)) return 0;
    this.foundRank = RANK[0];
    return x;
  }

  /** Highest node in the lex range, 0 when none; its rank in `foundRank` (zslLastInLexRange). */
  lastInLexRange(r: LexRange): number {
    this.foundRank = -1;
    if (this.lexRangeEmpty(r)) return 0;
    const i32 = this.i32;
    let cur = 0;
    let rk = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const w = cur * 2 + W_FWD + i * 2;
        const y = i32[w];
        if (y === 0 || !this.lexLteMax(y, r)) break;
        rk += i === 0 ? 1 : i32[w + 1];
        cur = y;
      }
    }
    if (cur === 0 || !this.lexGteMin(cur, r)) return 0;
    this.foundRank = rk - 1;
    return cur;
  }

  /** Members in the lex range (ZLEXCOUNT). */
  countInLexRange(r: LexRange): number {
    if (this.firstInLexRange(r) === 0) return 0;
    const a = this.foundRank;
    this.lastInLexRange(r);
    return this.foundRank - a + 1;
  }

  /** As rangeByScore, for a lex range (ZRANGEBYLEX / ZREVRANGEBYLEX). */
  rangeByLex(r: LexRange, reverse: boolean, offset: number, limit: number, visit: Visit): number {
    let x = reverse ? this.lastInLexRange(r) : this.firstInLexRange(r);
    if (x === 0) return 0;
    if (offset > 0) {
      x = this.skipFromFound(reverse, offset);
      if (x === 0) return 0;
    }
    const i32 = this.i32;
    const step = reverse ? W_PREV : W_FWD;
    let count = 0;
    while (x !== 0 && count !== limit) {
      if (reverse ? !this.lexGteMin(x, r) : !this.lexLteMax(x, r)) break;
      visit(this.memberOff(x), this.memberLen(x), this.f64[x]);
      count++;
      x = i32[x * 2 + step];
    }
    return count;
  }

  /** Deletes the members in the lex range; returns how many (zslDeleteRangeByLex). */
  deleteRangeByLex(r: LexRange): number {
    if (this.lexRangeEmpty(r)) return 0;
    let x = this.next(this.seekBelowLex(r));
    let removed = 0;
    while (x !== 0 && this.lexLteMax(x, r)) {
      const nx = this.next(x);
      this.removeWithUpdate(x);
      removed++;
      x = nx;
    }
    if (removed > 0) this.maybeShrink();
    return removed;
  }

  // ---- rank ranges ---------------------------------------------------------------------------

  /**
   * Visits ranks start..end (0-based, inclusive, clamped to the set) in ascending order, or with
   * `reverse` the ranks counted from the highest (ZREVRANGE). Returns the number visited.
   */
  rangeByRank(start: number, end: number, reverse: boolean, visit: Visit): number {
    if (start < 0) start = 0;
    if (end >= this.size) end = this.size - 1;
    if (start > end) return 0;
    let x = reverse ? this.nodeAt(this.size - start) : this.nodeAt(start + 1);
    const i32 = this.i32;
    const f64 = this.f64;
    const step = reverse ? W_PREV : W_FWD;
    const total = end - start + 1;
    for (let n = total; n > 0; n--) {
      visit(this.memberOff(x), this.memberLen(x), f64[x]);
      x = i32[x * 2 + step];
    }
    return total;
  }

  /** Visits every member in ascending order. */
  forEach(visit: Visit): void {
    const i32 = this.i32;
    const f64 = this.f64;
    for (let x = i32[W_FWD]; x !== 0; x = i32[x * 2 + W_FWD]) visit(this.memberOff(x), this.memberLen(x), f64[x]);
  }

  /** Deletes ranks start..end (0-based, inclusive, clamped); returns how many (ZREMRANGEBYRANK). */
  deleteRangeByRank(start: number, end: number): number {
    if (start < 0) start = 0;
    if (end >= this.size) end = this.size - 1;
    if (start > end) return 0;
    const i32 = this.i32;
    const s1 = start + 1; // 1-based, as in zslDeleteRangeByRank
    let cur = 0;
    let t = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const w = cur * 2 + W_FWD + i * 2;
        const y = i32[w];
        if (y === 0) break;
        const sp = i === 0 ? 1 : i32[w + 1];
        if (t + sp >= s1) break;
        t += sp;
        cur = y;
      }
      UPDATE[i] = cur;
    }
    let x = this.next(cur);
    const removed = end - start + 1;
    for (let n = removed; n > 0; n--) {
      const nx = this.next(x);
      this.removeWithUpdate(x);
      x = nx;
    }
    this.maybeShrink();
    return removed;
  }

  // ---- whole set -----------------------------------------------------------------------------

  /**
   * Returns every member's arena block (the keyspace calls this when the key is deleted,
   * overwritten or flushed). Unlike clear(), the node heap is kept rather than replaced (the
   * object is about to be dropped, so allocating a fresh heap would be wasted work); the skiplist
   * is left empty and still usable.
   */
  free(): void {
    const i32 = this.i32;
    const u8 = this.arena.u8;
    for (let x = i32[W_FWD]; x !== 0; x = i32[x * 2 + W_FWD]) {
      const mem = i32[x * 2 + W_MEM] >>> 0;
      const n = readLen(u8, mem * 8);
      this.arena.free(mem, lenSize(n) + n);
    }
    this.memberBytes = 0;
    this.size = 0;
    this.level = 1;
    this.tail = 0;
    this.freeHeads.fill(0);
    this.freeUnits = 0;
    this.dict.reset(MIN_TABLE);
    this.initHeader();
  }

  /** Where freeSome continues (a node id; -1 before the first call). */
  private freeCursor = -1;

  /**
   * Lazy free (src/store/lazyfree.ts): returns up to n members' arena blocks, walking forward
   * from where the last call stopped, and true once all are returned (then the skiplist is empty,
   * as after free()). The skiplist must not be used in between.
   */
  freeSome(n: number): boolean {
    const i32 = this.i32;
    const arena = this.arena;
    let x = this.freeCursor < 0 ? i32[W_FWD] : this.freeCursor;
    for (; x !== 0 && n > 0; n--) {
      const mem = i32[x * 2 + W_MEM] >>> 0;
      const len = readLen(arena.u8, mem * 8);
      arena.free(mem, lenSize(len) + len);
      x = i32[x * 2 + W_FWD];
    }
    if (x !== 0) {
      this.freeCursor = x;
      return false;
    }
    this.freeCursor = -1;
    i32[W_FWD] = 0; // every member is returned: free() has none left to walk
    this.free();
    return true;
  }

  /**
   * An independent copy (COPY): same members and scores, members copied into the same arena.
   * Members go in from the highest to the lowest, so each insert stops at the header (O(1) per
   * descent level), as Redis's zsetDup does.
   */
  clone(): Skiplist {
    const d = new Skiplist(this.arena, this.size);
    const i32 = this.i32;
    const f64 = this.f64;
    const u8 = this.arena.u8;
    for (let x = this.tail; x !== 0; x = i32[x * 2 + W_PREV]) {
      const off = this.memberOff(x);
      const len = this.memberLen(x);
      d.insert(u8, off, len, f64[x], i32[x * 2 + W_HASH]);
    }
    return d;
  }

  /**
   * One step of Redis's reverse-binary cursor scan over the member dict (ZSCAN): calls emit(x)
   * for every node in the buckets that `cursor` covers (in both tables while rehashing) and
   * returns the next cursor (0: done). Every member present for the whole scan is emitted at least
   * once, even when the dict grows or shrinks between calls, since a member always sits in bucket
   * `hash & mask` of the table holding it. emit must not modify the skiplist.
   */
  scan(cursor: number, emit: (x: number) => void): number {
    return this.dict.scan(cursor, emit);
  }

  /** Frees every member and empties the skiplist, with a fresh small node heap (O(n)). */
  clear(): void {
    this.free();
    this.heap = new ArrayBuffer(4096);
    this.f64 = new Float64Array(this.heap);
    this.i32 = new Int32Array(this.heap);
    this.dict.setViews(this.i32, this.i32);
    this.initHeader();
  }

  /**
   * Bytes this skiplist holds: the node heap up to its top (live and free records), the dict
   * tables and the arena blocks of its members (MEMORY USAGE).
   */
  memoryBytes(): number {
    return this.heapTop * 8 + this.dict.bytes() + this.memberBytes + 200;
  }

  /** Allocation counters (tests, benchmarks, DEBUG-style reporting). */
  stats(): { heapBytes: number; heapUsedBytes: number; freeBytes: number; dictBytes: number; memberBytes: number; level: number } {
    return {
      heapBytes: this.heap.byteLength,
      heapUsedBytes: this.heapTop * 8,
      freeBytes: this.freeUnits * 8,
      dictBytes: this.dict.bytes(),
      memberBytes: this.memberBytes,
      level: this.level,
    };
  }

  // ---- debug ---------------------------------------------------------------------------------

  /**
   * Verifies every invariant (O(n * levels)); throws an Error naming the first violation: order,
   * backward pointers, tail, levels, forward pointers and spans at every level, the header above
   * `level`, the dict (every node once, in its bucket, with its hash, found by lookup), the free
   * lists and heap accounting, and the member byte count.
   */
  check(): void {
    const fail = (m: string): never => {
      throw new Error(`skiplist check: ${m}`);
    };
    const i32 = this.i32;
    const f64 = this.f64;
    const rankOf = new Int32Array(this.heapTop).fill(-1); // 1-based rank by node id, header 0
    rankOf[0] = 0;
    const levelCount = new Int32Array(MAX_LEVEL + 1);
    let liveUnits = 0;
    // Level 0: order, backward pointers, tail, count.
    let prev = 0;
    let n = 0;
    for (let x = i32[W_FWD]; x !== 0; x = i32[x * 2 + W_FWD]) {
      if (x < HEAD_UNITS + MAX_LEVEL || x >= this.heapTop) fail(`bad node id ${x}`);
      if (i32[x * 2 + W_PREV] === -1) fail(`free node ${x} in list`);
      if (++n > this.size) fail('list longer than size');
      if (i32[x * 2 + W_PREV] !== prev) fail(`backward of ${x} is ${i32[x * 2 + W_PREV]}, expected ${prev}`);
      const L = i32[x * 2 + W_LEVEL];
      if (L < 1 || L > MAX_LEVEL) fail(`level ${L} at ${x}`);
      const s = f64[x];
      if (s !== s) fail(`NaN score at ${x}`);
      if (prev !== 0) {
        const ps = f64[prev];
        if (!(ps < s || (ps === s && this.cmpNodes(prev, x) < 0))) fail(`order broken at rank ${n - 1}`);
      }
      rankOf[x] = n;
      levelCount[L]++;
      liveUnits += HEAD_UNITS + L;
      prev = x;
    }
    if (n !== this.size) fail(`list has ${n} nodes, size ${this.size}`);
    if (this.tail !== prev) fail('tail');
    // Higher levels: forward pointers link exactly the nodes taller than the level, in order;
    // spans are rank differences (after the last node: size - rank, as Redis keeps them).
    let maxLv = 1;
    for (let l = 1; l <= MAX_LEVEL; l++) if (levelCount[l] > 0) maxLv = l;
    if (this.level !== maxLv) fail(`level ${this.level}, tallest node ${maxLv}`);
    for (let i = 1; i < MAX_LEVEL; i++) {
      if (i >= this.level) {
        if (i32[W_FWD + i * 2] !== 0) fail(`header forward at level ${i} >= level`);
        continue;
      }
      let x = 0;
      let z = 0;
      for (;;) {
        const y = i32[x * 2 + W_FWD + i * 2];
        const sp = i32[x * 2 + W_FWD + i * 2 + 1];
        const rx = rankOf[x];
        // The next node taller than i, in list order, must be y.
        z = i32[x * 2 + W_FWD];
        while (z !== 0 && i32[z * 2 + W_LEVEL] <= i) z = i32[z * 2 + W_FWD];
        if (z !== y) fail(`level ${i} forward of ${x} is ${y}, expected ${z}`);
        if (y === 0) {
          if (sp !== this.size - rx) fail(`span at level ${i} after rank ${rx}: ${sp}, expected ${this.size - rx}`);
          break;
        }
        const ry = rankOf[y];
        if (sp !== ry - rx) fail(`span at level ${i} from rank ${rx}: ${sp}, expected ${ry - rx}`);
        x = y;
      }
    }
    // Dict: the table's own invariants (ChainedTable.check), every entry a live node with its
    // member's hash, one entry per member.
    const u8 = this.arena.u8;
    const entries = this.dict.check(this.heapTop, (x) => {
      if (x <= 0 || rankOf[x] <= 0) fail(`dict entry ${x} not in list`);
      if ((hashBytes(u8, this.memberOff(x), this.memberLen(x)) | 0) !== i32[x * 2 + W_HASH]) fail(`stale hash at ${x}`);
    });
    if (entries !== this.size) fail(`dict has ${entries} entries, size ${this.size}`);
    for (let x = i32[W_FWD]; x !== 0; x = i32[x * 2 + W_FWD]) {
      const o = this.memberOff(x);
      const len = this.memberLen(x);
      if (this.lookup(u8, o, len, hashBytes(u8, o, len)) !== x) fail(`member of node ${x} not found`);
    }
    // Free records: marked, of the level of their list; heap units all accounted for.
    let freeUnits = 0;
    for (let L = 1; L <= MAX_LEVEL; L++) {
      for (let x = this.freeHeads[L]; x !== 0; x = i32[x * 2 + W_FWD]) {
        if (i32[x * 2 + W_PREV] !== -1) fail(`free node ${x} not marked`);
        if (i32[x * 2 + W_LEVEL] !== L) fail(`free node ${x} in the wrong list`);
        freeUnits += HEAD_UNITS + L;
        if (freeUnits > this.heapTop) fail('free list cycle');
      }
    }
    if (freeUnits !== this.freeUnits) fail(`free units ${this.freeUnits}, counted ${freeUnits}`);
    if (HEAD_UNITS + MAX_LEVEL + liveUnits + freeUnits !== this.heapTop) fail('heap units leak');
    let mb = 0;
    for (let x = i32[W_FWD]; x !== 0; x = i32[x * 2 + W_FWD]) {
      const len = this.memberLen(x);
      mb += Arena.capacity(lenSize(len) + len);
    }
    if (mb !== this.memberBytes) fail(`member bytes ${this.memberBytes}, expected ${mb}`);
  }
}

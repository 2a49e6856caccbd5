/*
 * Quicklist: Redis 7.0's list encoding (quicklist.c), a doubly linked list of listpack nodes.
 *
 * Every list is a quicklist in 7.0 (OBJECT ENCODING says "quicklist" from the first element).
 * Each node holds a listpack (src/store/listpack.ts, byte for byte Redis's) whose size is bounded
 * by the list's `fill` (list-max-listpack-size, read when the list is created, as Redis does):
 *   fill -1..-5   the node's listpack may grow to 4/8/16/32/64 KiB (an estimate: current bytes +
 *                 element length + 8 bytes of assumed entry overhead must stay within the limit);
 *   fill > 0      at most `fill` entries per node, and never past 8 KiB (SIZE_SAFETY_LIMIT), so a
 *                 count limit cannot build huge nodes out of big elements.
 * A push that does not fit starts a new node; an insert into a full node goes to the neighbour
 * when the insert is at its edge and the neighbour has room, and otherwise splits the node and
 * then tries to merge the pieces with their neighbours (merge when the combined size, minus 11
 * bytes for the header counted twice, still satisfies the same rules). So node counts stay close
 * to count/fill whatever the pattern of inserts and deletes.
 *
 * `compress` (list-compress-depth) N > 0 keeps the N nodes at each end raw and LZF-compresses the
 * nodes in between (src/util/lzf.ts, byte-identical to liblzf). The decisions are quicklist.c's,
 * taken at the same moments, because the compressed state is observable (RDB/DUMP store a
 * compressed node as an LZF blob): a node under 48 bytes is never compressed, and a compression
 * that saves fewer than 8 bytes is dropped; an inner node being read or changed is decompressed
 * "for use" and compressed again when the operation leaves it; inserting or deleting nodes
 * re-walks the N nodes at each end (decompressing them) and compresses the node just beyond.
 * Unlike C, a node decompressed only to be read keeps its compressed bytes, and a node known not
 * to compress remembers it, until its listpack changes: compressing it again would produce the
 * very same bytes (or fail again), so we skip the work. One raw buffer released by compression is
 * kept to receive the next decompression, so a read-only walk over a compressed list (LRANGE)
 * does not allocate a buffer per node.
 *
 * Plain nodes (elements of 1 GiB or more, packed_threshold) are not implemented: elements that
 * large exceed proto-max-bulk-len's default (512 MB) and cannot be sent unless it is raised.
 *
 * Storage: one small JS object and one Uint8Array (the listpack, with headroom) per node, nothing
 * per element. Measured on Node 26: a 3-element list costs ~390 bytes of heap (list object ~70,
 * node ~90, typed array ~230: V8 spends ~200 bytes on any standalone typed array), against ~190
 * bytes for the whole key in Redis; for lists of a few KiB and more the overhead is noise. Node
 * bytes in the shared keyspace arena were tried and measured: half the memory for tiny lists, but
 * push/pop 2-4x slower, because every operation needs a fresh view of its block (~100-200 ns to
 * create one) and views on a resizable ArrayBuffer are slower to index. One-node lists are instead
 * kept as bytes in their key's record (src/commands/lists.ts wraps them with wrapListpack).
 *
 * Costs: push/pop at either end O(1) (a memmove inside one node of at most a few KiB), index
 * access O(nodes) to find the node (from the nearer end) plus O(node) inside it, insert/delete in
 * the middle O(node).
 *
 * Reading: QuicklistIter walks forward or backward and, for each element, fills `lp` (the node's
 * listpack) and `e` (an LpEntry: an integer value, or strOff/strLen locating the string bytes
 * inside `lp`). Those bytes are valid until the list is next modified: callers copy them (the
 * reply writer does) or use them at once.
 */
import {
  LP_AFTER, LP_BEFORE, LP_EOF, LpEntry, lpAppend, lpBytes, lpDelete, lpDeleteRange, lpFirst, lpGet, lpInsert, lpLast,
  lpLength, lpMerge, lpNew, lpPrepend, lpPrev, lpReplace, lpSeek,
} from './listpack.ts';
import { lzfCompress, lzfDecompress } from '../util/lzf.ts';
import { formatInt64, parseInt64 } from '../util/numbers.ts';

/** Node byte limits for fill -1..-5 (optimization_level). */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
/** Largest multi-element node when the fill is a count (SIZE_SAFETY_LIMIT). */
const SIZE_SAFETY_LIMIT = 8192;
/** Assumed listpack overhead of one new entry (SIZE_ESTIMATE_OVERHEAD). */
const SIZE_ESTIMATE_OVERHEAD = 8;
/** Nodes smaller than this are never compressed (MIN_COMPRESS_BYTES). */
const MIN_COMPRESS_BYTES = 48;
/** A compression must save at least this many bytes to be kept (MIN_COMPRESS_IMPROVE). */
const MIN_COMPRESS_IMPROVE = 8;
/** Clamps of quicklistSetFill / quicklistSetCompressDepth (16-bit fields). */
const FILL_MAX = (1 << 15) - 1;
const COMPRESS_MAX = (1 << 16) - 1;

/** QlNode.flags: the node is compressed (encoding LZF rather than RAW). */
const F_COMPRESSED = 1;
/** Decompressed for use: compress again when the operation is done with it (recompress). */
const F_RECOMPRESS = 2;
/** While raw: `lzf` holds the compression of the current bytes (decompressed to be read). */
const F_CACHED_LZF = 4;
/** While raw: the current bytes are known not to compress well enough. */
const F_INCOMPRESSIBLE = 8;
const F_CACHE = F_CACHED_LZF | F_INCOMPRESSIBLE;

export class QlNode {
  prev: QlNode | null = null;
  next: QlNode | null = null;
  /** The listpack while the node is raw; null while it is compressed. */
  lp: Uint8Array | null;
  /** The LZF bytes while compressed; while raw, possibly a still valid copy (F_CACHED_LZF). */
  lzf: Uint8Array | null = null;
  /** Bytes of the (uncompressed) listpack: lpBytes. */
  sz: number;
  /** Entries in the node. */
  count: number;
  flags = 0;

  constructor(lp: Uint8Array, count: number) {
    this.lp = lp;
    this.sz = lpBytes(lp);
    this.count = count;
  }

  /** Encoding LZF (true) or RAW. */
  get compressed(): boolean {
    return (this.flags & F_COMPRESSED) !== 0;
  }

  /** The raw listpack (the node must not be compressed). */
  raw(): Uint8Array {
    return this.lp as Uint8Array;
  }

  /** Installs a modified listpack: new size, forget what we knew about compressing it. */
  setLp(lp: Uint8Array): void {
    this.lp = lp;
    this.sz = lpBytes(lp);
    if ((this.flags & F_CACHE) !== 0) {
      this.flags &= ~F_CACHE;
      this.lzf = null;
    }
  }
}

// ---- scratch buffers ---------------------------------------------------------------------------

let lzfOut = new Uint8Array(8192);
/** One raw listpack buffer freed by compression, reused by the next decompression. */
let spareRaw: Uint8Array | null = null;
const SPARE_MAX = 1 << 17;

function takeRawBuffer(sz: number): Uint8Array {
  const s = spareRaw;
  if (s !== null && s.length >= sz && s.length <= sz * 2 + 64) {
    spareRaw = null;
    return s;
  }
  return new Uint8Array(sz);
}

function releaseRawBuffer(b: Uint8Array): void {
  if (b.length <= SPARE_MAX && (spareRaw === null || b.length > spareRaw.length)) spareRaw = b;
}

// ---- node compression (the macros and helpers of quicklist.c) --------------------------------

/** __quicklistCompressNode: true when the node is now compressed. */
function compressNode(node: QlNode): boolean {
  // Redis asserts an inner node here; never compress an end node.
  if (node.prev === null || node.next === null) return false;
  node.flags &= ~F_RECOMPRESS;
  const sz = node.sz;
  if (sz < MIN_COMPRESS_BYTES) return false;
  const flags = node.flags;
  if ((flags & F_INCOMPRESSIBLE) !== 0) return false;
  const lp = node.lp as Uint8Array;
  if ((flags & F_CACHED_LZF) === 0) {
    if (lzfOut.length < sz) lzfOut = new Uint8Array(Math.max(sz, lzfOut.length * 2));
    const n = lzfCompress(lp.subarray(0, sz), lzfOut.subarray(0, sz));
    if (n === 0 || n + MIN_COMPRESS_IMPROVE >= sz) {
      node.flags |= F_INCOMPRESSIBLE;
      return false;
    }
    node.lzf = lzfOut.slice(0, n);
  }
  node.lp = null;
  node.flags = (flags & ~(F_CACHE | F_RECOMPRESS)) | F_COMPRESSED;
  releaseRawBuffer(lp);
  return true;
}

/** __quicklistDecompressNode (+ the recompress flag of quicklistDecompressNodeForUse). */
function decompressNode(node: QlNode, forUse: boolean): void {
  const lzf = node.lzf as Uint8Array;
  const lp = takeRawBuffer(node.sz);
  if (lzfDecompress(lzf, lp.subarray(0, node.sz)) !== node.sz) throw new Error('quicklist: corrupt LZF node');
  node.lp = lp;
  if (forUse) {
    // Keep the compressed bytes: unless the node changes, compressing it again gives them back.
    node.flags = (node.flags & ~F_COMPRESSED) | F_RECOMPRESS | F_CACHED_LZF;
  } else {
    node.lzf = null;
    node.flags &= ~(F_COMPRESSED | F_RECOMPRESS);
  }
}

/** quicklistCompressNode: compress a raw node. */
function compressIfRaw(node: QlNode | null): void {
  if (node !== null && (node.flags & F_COMPRESSED) === 0) compressNode(node);
}

/** quicklistDecompressNode. */
function decompressIfCompressed(node: QlNode | null): void {
  if (node !== null && (node.flags & F_COMPRESSED) !== 0) decompressNode(node, false);
}

/** quicklistDecompressNodeForUse. */
function decompressForUse(node: QlNode | null): void {
  if (node !== null && (node.flags & F_COMPRESSED) !== 0) decompressNode(node, true);
}

/** quicklistRecompressOnly. */
function recompressOnly(node: QlNode | null): void {
  if (node !== null && (node.flags & F_RECOMPRESS) !== 0) compressIfRaw(node);
}

// ---- fill rules ----------------------------------------------------------------------------------

function sizeMeetsOptimization(sz: number, fill: number): boolean {
  if (fill >= 0) return false;
  const offset = -fill - 1;
  return offset < OPTIMIZATION_LEVEL.length && sz <= OPTIMIZATION_LEVEL[offset]!;
}

/** _quicklistNodeAllowInsert: may an element of `sz` bytes go into this node? */
function allowInsert(node: QlNode | null, fill: number, sz: number): boolean {
  if (node === null) return false;
  const newSz = node.sz + sz + SIZE_ESTIMATE_OVERHEAD;
  if (sizeMeetsOptimization(newSz, fill)) return true;
  if (newSz > SIZE_SAFETY_LIMIT) return false;
  return node.count < fill;
}

/** _quicklistNodeAllowMerge. */
function allowMerge(a: QlNode | null, b: QlNode | null, fill: number): boolean {
  if (a === null || b === null) return false;
  const mergeSz = a.sz + b.sz - 11;
  if (sizeMeetsOptimization(mergeSz, fill)) return true;
  if (mergeSz > SIZE_SAFETY_LIMIT) return false;
  return a.count + b.count <= fill;
}

// ---- value matching ------------------------------------------------------------------------------

/**
 * An element to compare entries with (LREM, LPOS, LINSERT's pivot): its bytes, and their int64
 * value when they are the canonical spelling of one (what an integer entry must equal), parsed
 * once per command instead of once per entry.
 */
export class QlMatch {
  b: Uint8Array = new Uint8Array(0);
  o = 0;
  n = 0;
  int: number | bigint | null = null;

  set(b: Uint8Array, o: number, n: number): this {
    this.b = b;
    this.o = o;
    this.n = n;
    this.int = n > 0 && n <= 20 ? parseInt64(b, o, n) : null;
    return this;
  }
}

// ---- the list --------------------------------------------------------------------------------

export class Quicklist {
  head: QlNode | null = null;
  tail: QlNode | null = null;
  /** Number of nodes. */
  len = 0;
  /** Number of elements. */
  count = 0;
  readonly fill: number;
  readonly compress: number;

  /** A list with Redis's clamps applied to fill (-5..32767) and depth (0..65535). */
  constructor(fill = -2, compress = 0) {
    this.fill = fill > FILL_MAX ? FILL_MAX : fill < -5 ? -5 : fill;
    this.compress = compress > COMPRESS_MAX ? COMPRESS_MAX : compress < 0 ? 0 : compress;
  }

  get length(): number {
    return this.count;
  }

  /** A raw node's listpack (spare capacity included; lpBytes gives the bytes in use). */
  raw(node: QlNode): Uint8Array {
    return node.raw();
  }

  /** A compressed node's LZF bytes (what RDB stores for it). */
  lzfBytes(node: QlNode): Uint8Array {
    return node.lzf as Uint8Array;
  }

  // ---- compression policy -------------------------------------------------------------------

  /**
   * __quicklistCompress: decompress the `compress` nodes at each end, compress `node` when it is
   * not among them, and compress the first node beyond the depth on each side.
   */
  private compressAround(node: QlNode | null): void {
    if (this.len === 0) return;
    const depthMax = this.compress;
    if (depthMax === 0 || this.len < depthMax * 2) return;
    let forward = this.head as QlNode;
    let reverse = this.tail as QlNode;
    let inDepth = false;
    for (let depth = 0; depth < depthMax; depth++) {
      decompressIfCompressed(forward);
      decompressIfCompressed(reverse);
      if (forward === node || reverse === node) inDepth = true;
      if (forward === reverse || forward.next === reverse) return;
      forward = forward.next as QlNode;
      reverse = reverse.prev as QlNode;
    }
    if (!inDepth) compressIfRaw(node);
    compressIfRaw(forward);
    compressIfRaw(reverse);
  }

  /**
   * quicklistCompress: compress a node decompressed for use, or re-apply the depth rule around
   * it. Called by iterators when they leave a node.
   */
  compressNodeOrAround(node: QlNode | null): void {
    if (node === null) return;
    if ((node.flags & F_RECOMPRESS) !== 0) compressIfRaw(node);
    else this.compressAround(node);
  }

  // ---- node list ----------------------------------------------------------------------------

  /** __quicklistInsertNode: links `node` after (or before) `old` (null: into an empty list). */
  private insertNode(old: QlNode | null, node: QlNode, after: boolean): void {
    if (after) {
      node.prev = old;
      if (old !== null) {
        node.next = old.next;
        if (old.next !== null) old.next.prev = node;
        old.next = node;
      }
      if (this.tail === old) this.tail = node;
    } else {
      node.next = old;
      if (old !== null) {
        node.prev = old.prev;
        if (old.prev !== null) old.prev.next = node;
        old.prev = node;
      }
      if (this.head === old) this.head = node;
    }
    if (this.len === 0) this.head = this.tail = node;
    this.len++;
    if (old !== null) this.compressNodeOrAround(old);
    this.compressNodeOrAround(node);
  }

  /** __quicklistDelNode. */
  private delNode(node: QlNode): void {
    if (node.next !== null) node.next.prev = node.prev;
    if (node.prev !== null) node.prev.next = node.next;
    if (node === this.tail) this.tail = node.prev;
    if (node === this.head) this.head = node.next;
    this.len--;
    this.count -= node.count;
    this.compressAround(null);
    node.prev = node.next = null;
  }

  /**
   * quicklistDelIndex: deletes the entry at offset p of `node` (raw). Returns true when the node
   * went away with it.
   */
  private delIndex(node: QlNode, p: number): boolean {
    node.setLp(lpDelete(node.raw(), p));
    node.count--;
    const gone = node.count === 0;
    if (gone) this.delNode(node);
    this.count--;
    return gone;
  }

  // ---- push / pop -----------------------------------------------------------------------------

  /** quicklistPushHead: LPUSH of the bytes b[o, o+n). */
  pushHead(b: Uint8Array, o: number, n: number): void {
    const head = this.head;
    if (allowInsert(head, this.fill, n)) {
      const h = head as QlNode;
      h.setLp(lpPrepend(h.raw(), b, o, n));
      h.count++;
    } else {
      const node = new QlNode(lpPrepend(lpNew(), b, o, n), 0);
      this.insertNode(head, node, false);
      node.count = 1;
    }
    this.count++;
  }

  /** quicklistPushTail: RPUSH of the bytes b[o, o+n). */
  pushTail(b: Uint8Array, o: number, n: number): void {
    const tail = this.tail;
    if (allowInsert(tail, this.fill, n)) {
      const t = tail as QlNode;
      t.setLp(lpAppend(t.raw(), b, o, n));
      t.count++;
    } else {
      const node = new QlNode(lpAppend(lpNew(), b, o, n), 0);
      this.insertNode(tail, node, true);
      node.count = 1;
    }
    this.count++;
  }

  /** Pushes at the head (atHead) or the tail. */
  push(atHead: boolean, b: Uint8Array, o: number, n: number): void {
    if (atHead) this.pushHead(b, o, n);
    else this.pushTail(b, o, n);
  }

  /**
   * quicklistAppendListpack: appends a whole listpack as a new tail node (RDB loading). The
   * listpack becomes the node's; it must be valid and not empty.
   */
  appendListpack(lp: Uint8Array): void {
    const node = new QlNode(lp, lpLength(lp));
    this.insertNode(this.tail, node, true);
    this.count += node.count;
  }

  /**
   * Reads the first (atHead) or last element into `it` (its lp/e fields) without removing it.
   * Returns false when the list is empty. End nodes are never compressed.
   */
  peek(atHead: boolean, it: QuicklistIter): boolean {
    const node = atHead ? this.head : this.tail;
    if (node === null) return false;
    const lp = node.raw();
    const p = atHead ? lpFirst(lp) : lpLast(lp);
    it.node = node;
    it.lp = lp;
    it.p = p;
    it.offset = atHead ? 0 : -1;
    lpGet(lp, p, it.e);
    return true;
  }

  /** quicklistPop without the value: removes the first (atHead) or last element. */
  popDiscard(atHead: boolean): boolean {
    const node = atHead ? this.head : this.tail;
    if (node === null) return false;
    const lp = node.raw();
    this.delIndex(node, atHead ? lpFirst(lp) : lpLast(lp));
    return true;
  }

  // ---- index access ---------------------------------------------------------------------------

  /**
   * quicklistGetIteratorAtIdx: an iterator positioned so that its first next() returns element
   * `idx` (negative counts from the tail), moving forward (towards the tail) or backward.
   * Returns null when idx is out of range.
   */
  iteratorAt(idx: number, forward: boolean, it: QuicklistIter = new QuicklistIter()): QuicklistIter | null {
    const fwdIdx = idx >= 0;
    const index = fwdIdx ? idx : -idx - 1;
    if (index >= this.count) return null;
    let seekForward = fwdIdx;
    let seekIndex = index;
    if (index > (this.count - 1) / 2) {
      seekForward = !fwdIdx;
      seekIndex = this.count - 1 - index;
    }
    let n = seekForward ? this.head : this.tail;
    let accum = 0;
    while (n !== null) {
      if (accum + n.count > seekIndex) break;
      accum += n.count;
      n = seekForward ? n.next : n.prev;
    }
    if (n === null) return null;
    if (seekForward !== fwdIdx) accum = this.count - n.count - accum;
    it.reset(this, forward);
    it.current = n;
    it.offset = fwdIdx ? index - accum : -index - 1 + accum;
    return it;
  }

  /** quicklistGetIterator: from the head (forward) or from the tail (backward). */
  iterator(forward: boolean, it: QuicklistIter = new QuicklistIter()): QuicklistIter {
    it.reset(this, forward);
    it.current = forward ? this.head : this.tail;
    it.offset = forward ? 0 : -1;
    return it;
  }

  /**
   * Reads element `idx` (LINDEX) into `it`'s lp/e (quicklistGetIteratorEntryAtIdx). Returns false
   * when out of range. When true, the caller uses the value and then calls it.release() (which
   * compresses the node again if it was compressed).
   */
  index(idx: number, it: QuicklistIter): boolean {
    if (this.iteratorAt(idx, false, it) === null) return false;
    return it.next();
  }

  /** quicklistReplaceAtIndex (LSET): false when idx is out of range. */
  replaceAtIndex(idx: number, b: Uint8Array, o: number, n: number, it: QuicklistIter = new QuicklistIter()): boolean {
    if (this.iteratorAt(idx, false, it) === null || !it.next()) return false;
    const node = it.node as QlNode;
    node.setLp(lpReplace(node.raw(), it.p, b, o, n));
    this.compressNodeOrAround(node);
    it.current = null;
    it.p = -1;
    return true;
  }

  // ---- insert ---------------------------------------------------------------------------------

  /**
   * _quicklistSplitNode: splits `node` at `offset`. after: the node keeps [0, offset] and the
   * returned node gets (offset, end]; !after: the returned node gets [0, offset) and the node
   * keeps [offset, end]. The new node is not linked yet.
   */
  private splitNode(node: QlNode, offset: number, after: boolean): QlNode {
    const sz = node.sz;
    const copy = node.raw().slice(0, sz);
    if (offset < 0) offset = node.count + offset;
    const big = node.count + 1; // "until the end"
    const origStart = after ? offset + 1 : 0;
    const origExtent = after ? big : offset;
    const newStart = after ? 0 : offset;
    const newExtent = after ? offset + 1 : big;
    node.setLp(lpDeleteRange(node.raw(), origStart, origExtent));
    node.count = lpLength(node.raw());
    const lp2 = lpDeleteRange(copy, newStart, newExtent);
    return new QlNode(lp2, lpLength(lp2));
  }

  /** _quicklistListpackMerge: a is left of b. Returns the node that remains. */
  private mergePair(a: QlNode, b: QlNode): QlNode {
    decompressIfCompressed(a);
    decompressIfCompressed(b);
    // lpMerge keeps the larger listpack's allocation, and Redis keeps that node.
    const keepA = a.sz >= b.sz;
    const merged = lpMerge(a.raw(), b.raw());
    const keep = keepA ? a : b;
    const drop = keepA ? b : a;
    keep.setLp(merged);
    keep.count = lpLength(merged);
    drop.count = 0;
    this.delNode(drop);
    this.compressNodeOrAround(keep);
    return keep;
  }

  /** _quicklistMergeNodes: tries to merge the nodes around `center` with their neighbours. */
  private mergeAround(center: QlNode): void {
    const fill = this.fill;
    let prev: QlNode | null = center.prev;
    let prevPrev: QlNode | null = prev !== null ? prev.prev : null;
    let next: QlNode | null = center.next;
    let nextNext: QlNode | null = next !== null ? next.next : null;
    if (allowMerge(prev, prevPrev, fill)) {
      this.mergePair(prevPrev as QlNode, prev as QlNode);
      prevPrev = prev = null;
    }
    if (allowMerge(next, nextNext, fill)) {
      this.mergePair(next as QlNode, nextNext as QlNode);
      next = nextNext = null;
    }
    let target: QlNode;
    if (allowMerge(center, center.prev, fill)) target = this.mergePair(center.prev as QlNode, center);
    else target = center;
    if (allowMerge(target, target.next, fill)) this.mergePair(target, target.next as QlNode);
  }

  /**
   * _quicklistInsert: inserts b[o, o+n) after (or before) the element `it` last returned.
   * The iterator must not be used afterwards (as in Redis: reset it or drop it).
   */
  insert(it: QuicklistIter, b: Uint8Array, o: number, n: number, after: boolean): void {
    const fill = this.fill;
    const node = it.node;
    if (node === null) {
      const nn = new QlNode(lpPrepend(lpNew(), b, o, n), 0);
      this.insertNode(null, nn, after);
      nn.count++;
      this.count++;
      return;
    }
    const offset = it.offset;
    const full = !allowInsert(node, fill, n);
    let atTail = false;
    let atHead = false;
    let availNext = false;
    let availPrev = false;
    if (after && (offset === node.count - 1 || offset === -1)) {
      atTail = true;
      availNext = allowInsert(node.next, fill, n);
    }
    if (!after && (offset === 0 || offset === -node.count)) {
      atHead = true;
      availPrev = allowInsert(node.prev, fill, n);
    }
    if (!full) {
      decompressForUse(node);
      node.setLp(lpInsert(node.raw(), it.p, after ? LP_AFTER : LP_BEFORE, b, o, n));
      node.count++;
      recompressOnly(node);
    } else if (atTail && availNext && after) {
      const nn = node.next as QlNode;
      decompressForUse(nn);
      nn.setLp(lpPrepend(nn.raw(), b, o, n));
      nn.count++;
      recompressOnly(nn);
      recompressOnly(node);
    } else if (atHead && availPrev && !after) {
      const nn = node.prev as QlNode;
      decompressForUse(nn);
      nn.setLp(lpAppend(nn.raw(), b, o, n));
      nn.count++;
      recompressOnly(nn);
      recompressOnly(node);
    } else if ((atTail && !availNext && after) || (atHead && !availPrev && !after)) {
      const nn = new QlNode(lpPrepend(lpNew(), b, o, n), 1);
      this.insertNode(node, nn, after);
    } else {
      decompressForUse(node);
      const nn = this.splitNode(node, offset, after);
      if (after) nn.setLp(lpPrepend(nn.raw(), b, o, n));
      else nn.setLp(lpAppend(nn.raw(), b, o, n));
      nn.count++;
      this.insertNode(node, nn, after);
      this.mergeAround(node);
    }
    this.count++;
    it.current = null;
    it.p = -1;
  }

  // ---- delete ---------------------------------------------------------------------------------

  /**
   * quicklistDelEntry: deletes the element `it` last returned; the iterator then continues with
   * the element that followed it in its direction.
   */
  delEntry(it: QuicklistIter): void {
    const node = it.node as QlNode;
    const prev = node.prev;
    const next = node.next;
    const gone = this.delIndex(node, it.p);
    it.p = -1;
    if (gone) {
      if (it.forward) {
        it.current = next;
        it.offset = 0;
      } else {
        it.current = prev;
        it.offset = -1;
      }
    }
  }

  /**
   * quicklistDelRange: deletes `count` elements from index `start` (negative from the tail),
   * clamped to the list. Returns false when nothing was deleted.
   */
  delRange(start: number, count: number): boolean {
    if (count <= 0) return false;
    let extent = count;
    if (start >= 0 && extent > this.count - start) extent = this.count - start;
    else if (start < 0 && extent > -start) extent = -start;
    const it = this.iteratorAt(start, false, rangeIter);
    if (it === null) return false;
    let node: QlNode | null = it.current;
    let offset = it.offset;
    it.release();
    while (extent > 0 && node !== null) {
      const next: QlNode | null = node.next;
      let del: number;
      let entire = false;
      if (offset === 0 && extent >= node.count) {
        entire = true;
        del = node.count;
      } else if (offset >= 0 && extent + offset >= node.count) {
        del = node.count - offset;
      } else if (offset < 0) {
        del = -offset;
        if (del > extent) del = extent;
      } else {
        del = extent;
      }
      if (entire) {
        this.delNode(node);
      } else {
        decompressForUse(node);
        node.setLp(lpDeleteRange(node.raw(), offset, del));
        node.count -= del;
        this.count -= del;
        if (node.count === 0) this.delNode(node);
        else recompressOnly(node);
      }
      extent -= del;
      node = next;
      offset = 0;
    }
    return true;
  }

  // ---- whole list -----------------------------------------------------------------------------

  /** quicklistDup (COPY): same fill, depth, node boundaries and compressed states. */
  dup(): Quicklist {
    const copy = new Quicklist(this.fill, this.compress);
    for (let cur = this.head; cur !== null; cur = cur.next) {
      let node: QlNode;
      if (cur.compressed) {
        node = new QlNode(EMPTY_LP, cur.count);
        node.lp = null;
        node.lzf = (cur.lzf as Uint8Array).slice();
        node.sz = cur.sz;
        node.flags = F_COMPRESSED;
      } else {
        node = new QlNode(cur.raw().slice(0, cur.sz), cur.count);
        node.flags = cur.flags & F_INCOMPRESSIBLE;
      }
      copy.count += node.count;
      copy.insertNode(copy.tail, node, true);
    }
    return copy;
  }

  // ---- one-node lists kept as bytes in their key's record (src/commands/lists.ts) -------------

  /**
   * Makes this list one raw node around listpack lp (a view of a key's record, not copied): how a
   * byte-stored list is opened for a command. The node object is reused when this list already is
   * a lone node. Only for uncompressed lists (a single node is never compressed anyway).
   */
  wrapListpack(lp: Uint8Array): void {
    let n = this.head;
    if (n === null || n.next !== null || n.prev !== null) {
      n = new QlNode(lp, 0);
    } else {
      n.lp = lp;
      n.sz = lpBytes(lp);
      n.lzf = null;
      n.flags = 0;
    }
    n.count = lpLength(lp);
    this.head = this.tail = n;
    this.len = 1;
    this.count = n.count;
  }

  /** The listpack of a one-node list (spare capacity included), or null with 0 or 2+ nodes. */
  singleListpack(): Uint8Array | null {
    const n = this.head;
    return n !== null && n.next === null ? n.lp : null;
  }

  /**
   * A new list (same fill and depth) taking over this list's nodes, leaving this one empty. Any
   * node listpack on buffer `shared` (a record view) is copied first so the new list owns its bytes.
   */
  detachNodes(shared: ArrayBufferLike): Quicklist {
    const out = new Quicklist(this.fill, this.compress);
    for (let n = this.head; n !== null; n = n.next) {
      if (n.lp !== null && n.lp.buffer === shared) n.lp = n.lp.slice(0, n.sz);
    }
    out.head = this.head;
    out.tail = this.tail;
    out.len = this.len;
    out.count = this.count;
    this.head = this.tail = null;
    this.len = this.count = 0;
    return out;
  }

  /** Calls fn for each node from head to tail (RDB writer, DEBUG, tests). */
  forEachNode(fn: (node: QlNode) => void): void {
    for (let n = this.head; n !== null; n = n.next) fn(n);
  }

  /** The fields DEBUG OBJECT appends for a quicklist (debug.c). */
  debugFields(): string {
    let sz = 0;
    for (let n = this.head; n !== null; n = n.next) sz += n.sz;
    const avg = (this.count / this.len).toFixed(2);
    return ` ql_nodes:${this.len} ql_avg_node:${avg} ql_listpack_max:${this.fill} ql_compressed:${this.compress !== 0 ? 1 : 0} ql_uncompressed_size:${sz}`;
  }

  /** Bytes held (listpack buffers and LZF bytes plus node overhead, as Redis counts): MEMORY USAGE. */
  memoryBytes(): number {
    let total = 48;
    for (let n = this.head; n !== null; n = n.next) {
      total += 32 + (n.lp !== null ? n.lp.length : 0) + (n.lzf !== null ? n.lzf.length : 0);
    }
    return total;
  }

  /** Every element from head to tail as bytes, integers as decimal text (SORT, tests). */
  toArray(): Uint8Array[] {
    const out: Uint8Array[] = [];
    const it = this.iterator(true);
    while (it.next()) out.push(it.valueCopy());
    it.release();
    return out;
  }
}

const EMPTY_LP = lpNew();

/**
 * Walks a quicklist (quicklistIter + quicklistEntry in one). After next() returns true:
 * `node`, `p` (entry offset in node.lp) and `offset` (index inside the node: from the node's
 * head when >= 0, from its tail when < 0) locate the element, and `lp`/`e` hold its value.
 * Call release() when done (compresses the last node visited again, as quicklistReleaseIterator);
 * an iterator after insert()/replaceAtIndex() must not be used again.
 */
export class QuicklistIter {
  ql: Quicklist | null = null;
  forward = true;
  /** Node to read from next. */
  current: QlNode | null = null;
  /** Offset of the current entry in current.lp, -1 when none yet (zi == NULL). */
  p = -1;
  offset = 0;
  /** Node of the element last returned. */
  node: QlNode | null = null;
  /** Listpack of the element last returned. */
  lp: Uint8Array = EMPTY_LP;
  readonly e = new LpEntry();

  reset(ql: Quicklist, forward: boolean): void {
    this.ql = ql;
    this.forward = forward;
    this.current = null;
    this.node = null;
    this.p = -1;
    this.offset = 0;
  }

  /** quicklistNext: advances to the next element; false at the end. */
  next(): boolean {
    for (;;) {
      const cur = this.current;
      this.node = cur;
      if (cur === null) return false;
      if (this.p < 0) {
        decompressForUse(cur);
        this.p = lpSeek(cur.raw(), this.offset);
      } else if (this.forward) {
        // The entry just read knows its size: step over it without decoding it again (lpNext).
        const q = this.p + this.e.size;
        this.p = this.lp[q] === LP_EOF ? -1 : q;
        this.offset++;
      } else {
        this.p = lpPrev(cur.raw(), this.p);
        this.offset--;
      }
      if (this.p >= 0) {
        const lp = cur.raw();
        this.lp = lp;
        lpGet(lp, this.p, this.e);
        return true;
      }
      (this.ql as Quicklist).compressNodeOrAround(cur);
      if (this.forward) {
        this.current = cur.next;
        this.offset = 0;
      } else {
        this.current = cur.prev;
        this.offset = -1;
      }
    }
  }

  /** quicklistReleaseIterator. */
  release(): void {
    const cur = this.current;
    if (cur !== null && this.ql !== null) this.ql.compressNodeOrAround(cur);
    this.current = null;
    this.node = null;
    this.lp = EMPTY_LP;
  }

  /** Does the element last returned equal m (quicklistCompare / lpCompare)? */
  matches(m: QlMatch): boolean {
    const e = this.e;
    if (e.isInt) return m.int !== null && m.int === e.int;
    if (e.strLen !== m.n) return false;
    const lp = this.lp;
    const b = m.b;
    let x = e.strOff;
    let y = m.o;
    const end = x + e.strLen;
    while (x < end) if (lp[x++] !== b[y++]) return false;
    return true;
  }

  /** Byte length of the element last returned (integers: their decimal text). */
  valueLength(): number {
    const e = this.e;
    if (!e.isInt) return e.strLen;
    return formatInt64(e.int, intText, 0);
  }

  /** A copy of the element last returned (integers as decimal text). Allocates: cold paths. */
  valueCopy(): Uint8Array {
    const e = this.e;
    if (!e.isInt) return this.lp.slice(e.strOff, e.strOff + e.strLen);
    const n = formatInt64(e.int, intText, 0);
    return intText.slice(0, n);
  }
}

const intText = new Uint8Array(24);
const rangeIter = new QuicklistIter();

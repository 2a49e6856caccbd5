/*
 * The sorted-set type (the data-type half of t_zset.c: its "common sorted set API" and the
 * algebra behind ZUNION/ZINTER/ZDIFF): what the ZSET commands, SORT, and later the RDB writer and
 * loader and DUMP/RESTORE need, whatever the key's encoding is. Knows nothing of clients or RESP.
 *
 *   listpack  the key's value bytes in the arena (src/store/zset-listpack.ts), used while the set
 *             has at most zset-max-listpack-entries members, none longer than
 *             zset-max-listpack-value bytes;
 *   skiplist  a Skiplist object in the key's slot (src/store/skiplist.ts), members in the arena.
 *
 * A set goes from listpack to skiplist when an insert would break either limit (checked before the
 * insert, as zsetAdd does) and never comes back, except that the commands which build a whole new
 * set (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, ZRANGESTORE) pick the destination's encoding from its
 * final size and longest member, as 7.0 does (zsetConvertToListpackIfNeeded). The limits are read
 * from the config by the command and passed in (ZsetLimits), since CONFIG SET changes them at any
 * time.
 *
 * Members are handed to visitors as (buf, off, len) byte ranges, never as JS strings: inside the
 * listpack, inside the arena for skiplist members, or in a scratch buffer for listpack integers.
 * A visitor must use the bytes before the next element is visited.
 *
 * Functions that only read take any reader of entries (a Db, or a Keyspace in store/ code);
 * functions that change a value take the Db, whose mutators run the write hooks. Value bytes are
 * edited in place only on an entry the command got from a write lookup or just created.
 */
import type { Arena } from './arena.ts';
import type { Db } from './db.ts';
import { hashBytes } from './hash.ts';
import { ENC_LISTPACK, ENC_SKIPLIST, OBJ_SET, OBJ_ZSET } from './keyspace.ts';
import { LP_HDR_SIZE, lpBytes, lpFindIn, lpNew } from './listpack.ts';
import { cur, memberAt, setIsMember, setSize, type SetValue } from './set-type.ts';
import { Skiplist, type LexRange, type ScoreRange } from './skiplist.ts';
import {
  zm, zzlAtRank, zzlCountInLexRange, zzlCountInRange, zzlDelete, zzlDeleteRangeByLex, zzlDeleteRangeByRank,
  zzlDeleteRangeByScore, zzlDeleted, zzlFind, zzlFirst, zzlFirstInLexRange, zzlFirstInRange, zzlInsert, zzlInsertAt, zzlLast,
  zzlLastInLexRange, zzlLastInRange, zzlLength, zzlLexGteMin, zzlLexLteMax, zzlMember, zzlNext, zzlPrev, zzlRank, zzlScore,
} from './zset-listpack.ts';
import type { IntList } from '../util/int-list.ts';

// ---- zsetAdd flags (ZADD_IN_* / ZADD_OUT_*) ---------------------------------------------------

export const ZADD_INCR = 1;
export const ZADD_NX = 2;
export const ZADD_XX = 4;
export const ZADD_GT = 8;
export const ZADD_LT = 16;

export const ZADD_OUT_NAN = 1;
export const ZADD_OUT_ADDED = 2;
export const ZADD_OUT_UPDATED = 4;
export const ZADD_OUT_NOP = 8;

/** The score the member has after the last zsetAdd (ZADD INCR / ZINCRBY reply). */
export let zaddNewScore = 0;

/** Receives one element; the bytes are only valid during the call. */
export type ElemVisit = (buf: Uint8Array, off: number, len: number, score: number) => void;

/** The type/encoding words (type | encoding << 4) of a sorted-set entry. */
export const ZSET_LISTPACK = OBJ_ZSET | (ENC_LISTPACK << 4);
export const ZSET_SKIPLIST = OBJ_ZSET | (ENC_SKIPLIST << 4);

const EMPTY_LP = lpNew();

/** Bytes of an empty listpack (its header and end byte): the least a listpack entry holds. */
export const ZSET_EMPTY_LISTPACK_BYTES = EMPTY_LP.length;

/** zset-max-listpack-entries / -value, read from the config by the command that needs them. */
export interface ZsetLimits {
  maxEntries: number;
  maxValue: number;
}

/** What reads a sorted-set entry: a Db (commands) or a Keyspace (store/ code). */
export type ZsetReader = Pick<Db, 'encoding' | 'valView' | 'getObject'>;

export function isListpack(db: ZsetReader, e: number): boolean {
  return db.encoding(e) === ENC_LISTPACK;
}

export function skiplistOf(db: Pick<Db, 'getObject'>, e: number): Skiplist {
  return db.getObject(e) as Skiplist;
}

/** Writes a listpack back to entry e when an operation returned a different array than its view. */
export function commitListpack(db: Db, e: number, view: Uint8Array, lp: Uint8Array): void {
  if (lp !== view) db.setValue(e, lp, 0, lp.length);
}

// ---- creation and conversion -----------------------------------------------------------------

/**
 * Makes entry e (just added as ZSET_LISTPACK with at least ZSET_EMPTY_LISTPACK_BYTES value bytes)
 * an empty listpack. Value bytes past the listpack's own length are spare room, so that the
 * inserts that follow write in place instead of moving the record.
 */
export function zsetInitListpack(db: Db, e: number): void {
  db.arena.u8.set(EMPTY_LP, db.valOff(e));
}

/**
 * Makes entry e (just added as a string, type/encoding 0, with no value bytes) an empty skiplist.
 * An entry created to hold an object must be born a string, since an object slot is allocated
 * only for an entry that has none.
 */
export function zsetInitSkiplist(db: Db, e: number): void {
  db.setObject(e, new Skiplist(db.arena), ZSET_SKIPLIST);
}

/** Converts a listpack-encoded entry to a skiplist (zsetConvert); returns the skiplist. */
export function convertToSkiplist(db: Db, e: number): Skiplist {
  const sl = skiplistFromListpack(db.arena, db.valView(e));
  db.setObject(e, sl, ZSET_SKIPLIST);
  return sl;
}

/**
 * A skiplist holding the members of listpack `lp`. Inserted from the highest down, so every
 * descent stops at the header.
 */
export function skiplistFromListpack(arena: Arena, lp: Uint8Array): Skiplist {
  const sl = new Skiplist(arena, zzlLength(lp));
  for (let p = zzlLast(lp); p >= 0; p = zzlPrev(lp, p)) {
    const s = zzlScore(lp, p);
    zzlMember(lp, p);
    sl.insert(zm.buf, zm.off, zm.len, s);
  }
  return sl;
}

/** A listpack holding the members of skiplist `sl` (exactly sized). */
export function listpackFromSkiplist(sl: Skiplist): Uint8Array {
  let lp = lpNew(LP_HDR_SIZE + 1 + sl.size * 12);
  const u8 = sl.u8;
  for (let x = sl.first(); x !== 0; x = sl.next(x)) lp = zzlInsertAt(lp, -1, u8, sl.memberOff(x), sl.memberLen(x), sl.score(x));
  return lp.subarray(0, lpBytes(lp));
}

// ---- a whole new value (the *STORE destinations) ---------------------------------------------

/** A sorted set built apart from any key: listpack bytes, or a skiplist. */
export type ZsetValue = Uint8Array | Skiplist;

/** Value bytes to create an entry for v with (the listpack's; a skiplist goes in an object slot). */
export function zsetValueBytes(v: ZsetValue): number {
  return v instanceof Skiplist ? 0 : lpBytes(v);
}

/** The type/encoding to create an entry for v with: a skiplist's entry is born a string (see zsetInitSkiplist). */
export function zsetCreateTypeEnc(v: ZsetValue): number {
  return v instanceof Skiplist ? 0 : ZSET_LISTPACK;
}

/** Puts v into entry e, created (add or setKey) with zsetValueBytes(v) and zsetCreateTypeEnc(v). */
export function zsetStore(db: Db, e: number, v: ZsetValue): void {
  if (v instanceof Skiplist) db.setObject(e, v, ZSET_SKIPLIST);
  else db.arena.u8.set(v.subarray(0, lpBytes(v)), db.valOff(e));
}

/** Whether a new set of `count` members, the longest `maxLen` bytes, is kept as a listpack. */
export function fitsListpack(count: number, maxLen: number, lim: ZsetLimits): boolean {
  return count <= lim.maxEntries && maxLen <= lim.maxValue;
}

/**
 * The value a computed result `acc` (a non-empty skiplist whose longest member is `maxLen` bytes)
 * is stored as: rewritten as a listpack when small enough (acc is then freed), else acc itself.
 */
export function zsetFromResult(acc: Skiplist, maxLen: number, lim: ZsetLimits): ZsetValue {
  if (!fitsListpack(acc.size, maxLen, lim)) return acc;
  const lp = listpackFromSkiplist(acc);
  acc.free();
  return lp;
}

// ---- queries ---------------------------------------------------------------------------------

/** Number of members of entry e (zsetLength). */
export function zsetLength(db: ZsetReader, e: number): number {
  return isListpack(db, e) ? zzlLength(db.valView(e)) : skiplistOf(db, e).size;
}

/** Score of member b[o, o+n), NaN when absent (zsetScore). */
export function zsetScore(db: ZsetReader, e: number, b: Uint8Array, o: number, n: number): number {
  if (isListpack(db, e)) {
    const lp = db.valView(e);
    const p = zzlFind(lp, b, o, n);
    return p < 0 ? NaN : zzlScore(lp, p);
  }
  return skiplistOf(db, e).scoreOf(b, o, n);
}

/** 0-based rank of member b[o, o+n) (from the highest with `reverse`), -1 when absent. */
export function zsetRank(db: ZsetReader, e: number, b: Uint8Array, o: number, n: number, reverse: boolean): number {
  let r: number;
  let len: number;
  if (isListpack(db, e)) {
    const lp = db.valView(e);
    r = zzlRank(lp, b, o, n);
    len = zzlLength(lp);
  } else {
    const sl = skiplistOf(db, e);
    r = sl.rank(b, o, n);
    len = sl.size;
  }
  if (r < 0) return -1;
  return reverse ? len - 1 - r : r;
}

// ---- add / delete ----------------------------------------------------------------------------

/**
 * Adds member b[o, o+n) with `score` or updates it, following ZADD's flags (zsetAdd). Returns
 * ZADD_OUT_* flags: NAN when the score (or the incremented one) is not a number, ADDED, UPDATED,
 * NOP when NX/XX/GT/LT prevented the change; 0 when the score stayed the same. The resulting
 * score is left in zaddNewScore. May convert entry e to a skiplist (the entry id is kept).
 */
export function zsetAdd(db: Db, e: number, score: number, b: Uint8Array, o: number, n: number, flags: number, lim: ZsetLimits): number {
  if (score !== score) return ZADD_OUT_NAN;
  const incr = (flags & ZADD_INCR) !== 0;
  const nx = (flags & ZADD_NX) !== 0;
  const xx = (flags & ZADD_XX) !== 0;
  const gt = (flags & ZADD_GT) !== 0;
  const lt = (flags & ZADD_LT) !== 0;
  if (isListpack(db, e)) {
    // The member is looked for in the arena itself (absolute offsets): a record view is made
    // only for a change. Why: ZADD of a member at its current score (redis-benchmark's ZADD)
    // then makes no typed array at all (a view is 35-50 ns, ~10% of that path).
    const u8 = db.arena.u8;
    const base = db.valOff(e);
    const at = lpFindIn(u8, base, b, o, n, 1);
    if (at >= 0) {
      if (nx) return ZADD_OUT_NOP;
      const cur = zzlScore(u8, at);
      if (incr) {
        score += cur;
        if (score !== score) return ZADD_OUT_NAN;
      }
      if ((lt && score >= cur) || (gt && score <= cur)) return ZADD_OUT_NOP;
      zaddNewScore = score;
      // -0 and 0 compare equal: no change, as in Redis.
      if (score === cur) return 0;
      const view = db.valView(e);
      let lp = zzlDelete(view, at - base);
      lp = zzlInsert(lp, b, o, n, score);
      commitListpack(db, e, view, lp);
      return ZADD_OUT_UPDATED;
    }
    if (xx) return ZADD_OUT_NOP;
    const view = db.valView(e);
    if (zzlLength(view) + 1 > lim.maxEntries || n > lim.maxValue) {
      convertToSkiplist(db, e);
    } else {
      commitListpack(db, e, view, zzlInsert(view, b, o, n, score));
      zaddNewScore = score;
      return ZADD_OUT_ADDED;
    }
  }
  const sl = skiplistOf(db, e);
  const h = hashBytes(b, o, n);
  const x = sl.find(b, o, n, h);
  if (x !== 0) {
    if (nx) return ZADD_OUT_NOP;
    const cur = sl.score(x);
    if (incr) {
      score += cur;
      if (score !== score) return ZADD_OUT_NAN;
    }
    if ((lt && score >= cur) || (gt && score <= cur)) return ZADD_OUT_NOP;
    zaddNewScore = score;
    if (score === cur) return 0;
    sl.setScore(x, score);
    return ZADD_OUT_UPDATED;
  }
  if (xx) return ZADD_OUT_NOP;
  sl.insert(b, o, n, score, h);
  zaddNewScore = score;
  return ZADD_OUT_ADDED;
}

/** Removes member b[o, o+n); false when absent. Does not delete an emptied key. */
export function zsetDel(db: Db, e: number, b: Uint8Array, o: number, n: number): boolean {
  if (isListpack(db, e)) {
    const view = db.valView(e);
    const p = zzlFind(view, b, o, n);
    if (p < 0) return false;
    commitListpack(db, e, view, zzlDelete(view, p));
    return true;
  }
  return skiplistOf(db, e).delete(b, o, n);
}

/**
 * Removes ranks start..end (0-based, inclusive, within the set) in one go (one memmove of the
 * listpack, one rank-range delete of the skiplist); returns how many. Does not delete an emptied key.
 */
export function zsetDeleteRangeByRank(db: Db, e: number, start: number, end: number): number {
  if (isListpack(db, e)) {
    const view = db.valView(e);
    commitListpack(db, e, view, zzlDeleteRangeByRank(view, start, end));
    return zzlDeleted;
  }
  return skiplistOf(db, e).deleteRangeByRank(start, end);
}

/** Removes the members with a score in the range; returns how many. */
export function zsetDeleteRangeByScore(db: Db, e: number, r: ScoreRange): number {
  if (isListpack(db, e)) {
    const view = db.valView(e);
    commitListpack(db, e, view, zzlDeleteRangeByScore(view, r));
    return zzlDeleted;
  }
  return skiplistOf(db, e).deleteRangeByScore(r);
}

/** Removes the members in the lex range; returns how many. */
export function zsetDeleteRangeByLex(db: Db, e: number, r: LexRange): number {
  if (isListpack(db, e)) {
    const view = db.valView(e);
    commitListpack(db, e, view, zzlDeleteRangeByLex(view, r));
    return zzlDeleted;
  }
  return skiplistOf(db, e).deleteRangeByLex(r);
}

// ---- ranges ----------------------------------------------------------------------------------

/**
 * Visits ranks start..end (0-based, inclusive, already clamped to the set), ascending, or counted
 * from the highest with `reverse`.
 */
export function zsetRangeByRank(db: ZsetReader, e: number, start: number, end: number, reverse: boolean, visit: ElemVisit): void {
  if (isListpack(db, e)) {
    const lp = db.valView(e);
    let p = zzlAtRank(lp, reverse ? -1 - start : start);
    for (let n = end - start + 1; n > 0 && p >= 0; n--) {
      const s = zzlScore(lp, p);
      zzlMember(lp, p);
      visit(zm.buf, zm.off, zm.len, s);
      p = reverse ? zzlPrev(lp, p) : zzlNext(lp, p);
    }
    return;
  }
  const sl = skiplistOf(db, e);
  const u8 = sl.u8;
  sl.rangeByRank(start, end, reverse, (off, len, s) => visit(u8, off, len, s));
}

/**
 * How many members ZRANGE BYSCORE/BYLEX with this offset and limit returns. A negative offset
 * selects nothing (Redis's walk runs off the end); a negative limit means no limit.
 */
function windowCount(inRange: number, offset: number, limit: number): number {
  if (offset < 0) return 0;
  let n = inRange - offset;
  if (n < 0) n = 0;
  if (limit >= 0 && n > limit) n = limit;
  return n;
}

/** Members in the score range (ZCOUNT). */
export function zsetCountByScore(db: ZsetReader, e: number, r: ScoreRange): number {
  return isListpack(db, e) ? zzlCountInRange(db.valView(e), r) : skiplistOf(db, e).countInScoreRange(r);
}

/** Members in the lex range (ZLEXCOUNT). */
export function zsetCountByLex(db: ZsetReader, e: number, r: LexRange): number {
  return isListpack(db, e) ? zzlCountInLexRange(db.valView(e), r) : skiplistOf(db, e).countInLexRange(r);
}

/** Number of elements zsetRangeByScore would visit. */
export function zsetCountScoreWindow(db: ZsetReader, e: number, r: ScoreRange, offset: number, limit: number): number {
  return windowCount(zsetCountByScore(db, e, r), offset, limit);
}

let visited = 0;
const countVisit: ElemVisit = () => {
  visited++;
};

/**
 * Number of elements zsetRangeByLex would visit, found by doing the same walk. (Lex ranges are
 * only meaningful when all scores are equal; with mixed scores a walk from the low end and one
 * from the high end can disagree, and the reply length must match what the walk then emits.)
 */
export function zsetCountLexWindow(db: ZsetReader, e: number, r: LexRange, reverse: boolean, offset: number, limit: number): number {
  visited = 0;
  zsetRangeByLex(db, e, r, reverse, offset, limit, countVisit);
  return visited;
}

/**
 * Visits the members with a score in the range, ascending (descending with `reverse`), skipping
 * `offset` and stopping after `limit` (< 0: all). On a skiplist the skip is by rank (O(log n)).
 */
export function zsetRangeByScore(
  db: ZsetReader, e: number, r: ScoreRange, reverse: boolean, offset: number, limit: number, visit: ElemVisit,
): void {
  if (offset < 0 || limit === 0) return;
  if (isListpack(db, e)) {
    const lp = db.valView(e);
    let p = reverse ? zzlLastInRange(lp, r) : zzlFirstInRange(lp, r);
    while (p >= 0 && offset-- > 0) p = reverse ? zzlPrev(lp, p) : zzlNext(lp, p);
    while (p >= 0 && limit-- !== 0) {
      const s = zzlScore(lp, p);
      if (reverse ? !(r.minex ? s > r.min : s >= r.min) : !(r.maxex ? s < r.max : s <= r.max)) break;
      zzlMember(lp, p);
      visit(zm.buf, zm.off, zm.len, s);
      p = reverse ? zzlPrev(lp, p) : zzlNext(lp, p);
    }
    return;
  }
  const sl = skiplistOf(db, e);
  const u8 = sl.u8;
  sl.rangeByScore(r, reverse, offset, limit, (off, len, s) => visit(u8, off, len, s));
}

/** As zsetRangeByScore, for a lex range. */
export function zsetRangeByLex(
  db: ZsetReader, e: number, r: LexRange, reverse: boolean, offset: number, limit: number, visit: ElemVisit,
): void {
  if (offset < 0 || limit === 0) return;
  if (isListpack(db, e)) {
    const lp = db.valView(e);
    let p = reverse ? zzlLastInLexRange(lp, r) : zzlFirstInLexRange(lp, r);
    while (p >= 0 && offset-- > 0) p = reverse ? zzlPrev(lp, p) : zzlNext(lp, p);
    while (p >= 0 && limit-- !== 0) {
      if (reverse ? !zzlLexGteMin(lp, p, r) : !zzlLexLteMax(lp, p, r)) break;
      const s = zzlScore(lp, p);
      zzlMember(lp, p);
      visit(zm.buf, zm.off, zm.len, s);
      p = reverse ? zzlPrev(lp, p) : zzlNext(lp, p);
    }
    return;
  }
  const sl = skiplistOf(db, e);
  const u8 = sl.u8;
  sl.rangeByLex(r, reverse, offset, limit, (off, len, s) => visit(u8, off, len, s));
}

/** Visits every member, ascending. */
export function zsetForEach(db: ZsetReader, e: number, visit: ElemVisit): void {
  if (isListpack(db, e)) {
    const lp = db.valView(e);
    for (let p = zzlFirst(lp); p >= 0; p = zzlNext(lp, p)) {
      const s = zzlScore(lp, p);
      zzlMember(lp, p);
      visit(zm.buf, zm.off, zm.len, s);
    }
    return;
  }
  const sl = skiplistOf(db, e);
  const u8 = sl.u8;
  sl.forEach((off, len, s) => visit(u8, off, len, s));
}

/**
 * The members of sorted set entry e in rank order, as copies (SORT reads a sorted set's members
 * this way before sorting them by its own rules).
 */
export function zsetElements(db: ZsetReader, e: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  zsetForEach(db, e, (b, o, n) => {
    out.push(b.slice(o, o + n));
  });
  return out;
}

/**
 * One ZSCAN step over a skiplist's member dict from `cursor`: pushes node ids to `out` and returns
 * the next cursor. Whole buckets at a time until COUNT is reached, where each member counts twice
 * (member and score are two entries of Redis's reply list), at most COUNT*10 buckets. (A listpack
 * has no buckets: ZSCAN returns it whole.)
 */
export function skiplistScan(sl: Skiplist, cursor: number, count: number, out: IntList): number {
  let maxIterations = count * 10;
  do {
    cursor = sl.scan(cursor, out.push);
  } while (cursor !== 0 && maxIterations-- > 0 && out.length * 2 < count);
  return cursor;
}

// ---- building a new set from elements collected in order (ZRANGESTORE) -----------------------

/**
 * Elements collected in order (ascending, or descending when the producer walks backwards), with
 * their bytes copied into one growing buffer: nothing per element for the GC. ZRANGESTORE
 * collects its result here, then builds the destination in the encoding 7.0 would pick.
 */
export class ZsetCollector {
  bytes = new Uint8Array(1024);
  used = 0;
  offs = new Int32Array(64);
  lens = new Int32Array(64);
  scores = new Float64Array(64);
  count = 0;
  maxLen = 0;

  reset(): void {
    this.used = 0;
    this.count = 0;
    this.maxLen = 0;
    if (this.bytes.length > 1 << 20) this.bytes = new Uint8Array(1024);
    if (this.offs.length > 1 << 16) {
      this.offs = new Int32Array(64);
      this.lens = new Int32Array(64);
      this.scores = new Float64Array(64);
    }
  }

  push(b: Uint8Array, o: number, n: number, score: number): void {
    if (this.used + n > this.bytes.length) {
      let cap = this.bytes.length * 2;
      while (cap < this.used + n) cap *= 2;
      const nb = new Uint8Array(cap);
      nb.set(this.bytes.subarray(0, this.used));
      this.bytes = nb;
    }
    const i = this.count;
    if (i === this.offs.length) {
      const cap = i * 2;
      const no = new Int32Array(cap);
      no.set(this.offs);
      this.offs = no;
      const nl = new Int32Array(cap);
      nl.set(this.lens);
      this.lens = nl;
      const ns = new Float64Array(cap);
      ns.set(this.scores);
      this.scores = ns;
    }
    const u8 = this.bytes;
    const p = this.used;
    if (n < 64) for (let k = 0; k < n; k++) u8[p + k] = b[o + k];
    else u8.set(b.subarray(o, o + n), p);
    this.offs[i] = p;
    this.lens[i] = n;
    this.scores[i] = score;
    this.used = p + n;
    this.count = i + 1;
    if (n > this.maxLen) this.maxLen = n;
  }
}

/**
 * The value ZRANGESTORE stores for a non-empty collection: `descending` when the elements were
 * collected from the highest down, `sizeKnown` when the count was known before collecting (a
 * rank range).
 */
export function zsetFromCollected(col: ZsetCollector, descending: boolean, sizeKnown: boolean, lim: ZsetLimits, arena: Arena): ZsetValue {
  const n = col.count;
  const bytes = col.bytes;
  if (fitsListpack(n, col.maxLen, lim)) {
    let lp = lpNew(LP_HDR_SIZE + 1 + col.used + n * 12);
    for (let j = 0; j < n; j++) {
      const i = descending ? n - 1 - j : j;
      lp = zzlInsertAt(lp, -1, bytes, col.offs[i], col.lens[i], col.scores[i]);
    }
    return lp;
  }
  // Redis (zrangeResultBeginStore) creates the destination as a skiplist when the result size is
  // known up front (a rank range) and above the entry limit; otherwise as a listpack, to which it
  // adds the elements one by one (in collection order) until one breaks a limit and the set
  // becomes a skiplist. The elements that went through the listpack lost the sign of a zero score.
  let convertAt = sizeKnown && n > lim.maxEntries ? 0 : n;
  for (let j = 0; j < convertAt; j++) {
    if (j >= lim.maxEntries || col.lens[j] > lim.maxValue) {
      convertAt = j;
      break;
    }
  }
  const sl = new Skiplist(arena, n);
  // From the highest down: each insert stops at the header.
  for (let j = 0; j < n; j++) {
    const i = descending ? j : n - 1 - j;
    const s = col.scores[i];
    sl.insert(bytes, col.offs[i], col.lens[i], i < convertAt && s === 0 ? 0 : s);
  }
  return sl;
}

// ---- algebra: ZUNION ZINTER ZDIFF ZINTERCARD and their STORE forms ---------------------------

export const ZSET_OP_UNION = 0;
export const ZSET_OP_INTER = 1;
export const ZSET_OP_DIFF = 2;

export const ZSET_AGGR_SUM = 0;
export const ZSET_AGGR_MIN = 1;
export const ZSET_AGGR_MAX = 2;

const SRC_NONE = 0;
const SRC_LISTPACK = 1;
const SRC_SKIPLIST = 2;
const SRC_SET = 3;

/** One input of a set operation: its entry (-1 when missing), its value and weight. */
export interface ZsetSource {
  e: number;
  kind: number;
  lp: Uint8Array | null;
  sl: Skiplist | null;
  set: SetValue | null;
  weight: number;
  len: number;
}

/**
 * Input entry e (-1: a missing key, an empty input) of a set operation: a sorted set, or a plain
 * set whose members all score 1. The entry must not change while the source is in use.
 */
export function zsetSource(db: ZsetReader & Pick<Db, 'type'>, e: number, weight: number): ZsetSource {
  const s: ZsetSource = { e, kind: SRC_NONE, lp: null, sl: null, set: null, weight, len: 0 };
  if (e < 0) return s;
  if (db.type(e) === OBJ_SET) {
    s.kind = SRC_SET;
    s.set = db.getObject(e) as SetValue;
    s.len = setSize(s.set);
  } else if (isListpack(db, e)) {
    s.kind = SRC_LISTPACK;
    s.lp = db.valView(e);
    s.len = zzlLength(s.lp);
  } else {
    s.kind = SRC_SKIPLIST;
    s.sl = skiplistOf(db, e);
    s.len = s.sl.size;
  }
  return s;
}

function aggregate(target: number, val: number, how: number): number {
  if (how === ZSET_AGGR_SUM) {
    const s = target + val;
    return s !== s ? 0 : s;
  }
  if (how === ZSET_AGGR_MIN) return val < target ? val : target;
  return val > target ? val : target;
}

/** Set by a visitor to end forEachElement early (ZINTERCARD's LIMIT). */
let stopVisit = false;

/** Visits every element of a source (any order); sets give score 1. */
function forEachElement(src: ZsetSource, visit: ElemVisit): void {
  stopVisit = false;
  if (src.kind === SRC_LISTPACK) {
    const lp = src.lp as Uint8Array;
    for (let p = zzlFirst(lp); p >= 0 && !stopVisit; p = zzlNext(lp, p)) {
      const s = zzlScore(lp, p);
      zzlMember(lp, p);
      visit(zm.buf, zm.off, zm.len, s);
    }
  } else if (src.kind === SRC_SKIPLIST) {
    const sl = src.sl as Skiplist;
    const u8 = sl.u8;
    // From the highest down, as Redis iterates inputs (only the visiting order of one input).
    for (let x = sl.last(); x !== 0 && !stopVisit; x = sl.prev(x)) visit(u8, sl.memberOff(x), sl.memberLen(x), sl.score(x));
  } else if (src.kind === SRC_SET) {
    const set = src.set as SetValue;
    const n = setSize(set);
    for (let i = 0; i < n && !stopVisit; i++) {
      memberAt(set, i);
      visit(cur.b, cur.o, cur.n, 1);
    }
  }
}

/** Score of member b[o, o+n) in a source (1 for a set member), NaN when absent. */
function scoreIn(src: ZsetSource, b: Uint8Array, o: number, n: number): number {
  if (src.kind === SRC_LISTPACK) {
    const lp = src.lp as Uint8Array;
    const p = zzlFind(lp, b, o, n);
    return p < 0 ? NaN : zzlScore(lp, p);
  }
  if (src.kind === SRC_SKIPLIST) return (src.sl as Skiplist).scoreOf(b, o, n);
  if (src.kind === SRC_SET) return setIsMember(src.set as SetValue, b, o, n) ? 1 : NaN;
  return NaN;
}

/** Whether member b[o, o+n) is in a source. */
function contains(src: ZsetSource, b: Uint8Array, o: number, n: number): boolean {
  if (src.kind === SRC_LISTPACK) return zzlFind(src.lp as Uint8Array, b, o, n) >= 0;
  if (src.kind === SRC_SKIPLIST) return (src.sl as Skiplist).find(b, o, n) !== 0;
  if (src.kind === SRC_SET) return setIsMember(src.set as SetValue, b, o, n);
  return false;
}

/** Smallest first: a stable sort, so equal sizes keep their argument order (glibc's qsort). */
function sortBySize(src: ZsetSource[]): void {
  src.sort((a, b) => a.len - b.len);
}

/** A set operation's result: members and scores in a fresh skiplist, and the longest member. */
export interface ZsetOpResult {
  acc: Skiplist;
  maxLen: number;
}

/**
 * The union, intersection or difference of `src` (zunionInterDiffGenericCommand's computation),
 * or null when it is empty without looking (no input has members, or the first input of a
 * difference / the smallest of an intersection is empty). Union and intersection visit the
 * inputs from the smallest up (reordering `src`), which fixes the order in which sums are added.
 * Scores are combined exactly as Redis does: weight * score, a NaN product (0 * inf) becoming 0;
 * SUM turning inf + -inf into 0; MIN and MAX keeping the current score unless the new one is
 * strictly smaller or larger (so -0 and 0 do not replace each other). The result is accumulated
 * in a skiplist: its member dict answers "seen before?" in O(1), and its order is the reply order.
 */
export function zsetUnionInterDiff(src: ZsetSource[], op: number, aggr: number, arena: Arena): ZsetOpResult | null {
  if (op !== ZSET_OP_DIFF) sortBySize(src);
  let total = 0;
  for (const s of src) total += s.len;
  if (total === 0 || (op !== ZSET_OP_UNION && src[0].len === 0)) return null;
  let acc: Skiplist;
  let maxLen = 0;
  if (op === ZSET_OP_UNION) {
    acc = new Skiplist(arena, src[src.length - 1].len);
    for (const s of src) {
      if (s.len === 0) continue;
      const wt = s.weight;
      forEachElement(s, (b, o, n, sc) => {
        let score = wt * sc;
        if (score !== score) score = 0;
        const h = hashBytes(b, o, n);
        const x = acc.find(b, o, n, h);
        if (x === 0) {
          acc.insert(b, o, n, score, h);
          if (n > maxLen) maxLen = n;
        } else {
          acc.setScore(x, aggregate(acc.score(x), score, aggr));
        }
      });
    }
  } else if (op === ZSET_OP_INTER) {
    acc = new Skiplist(arena, src[0].len);
    const s0 = src[0];
    forEachElement(s0, (b, o, n, sc) => {
      let score = s0.weight * sc;
      if (score !== score) score = 0;
      for (let i = 1; i < src.length; i++) {
        const si = src[i];
        const v = si.e === s0.e ? sc : scoreIn(si, b, o, n);
        if (v !== v) return;
        score = aggregate(score, v * si.weight, aggr);
      }
      acc.insert(b, o, n, score);
      if (n > maxLen) maxLen = n;
    });
  } else {
    acc = new Skiplist(arena, src[0].len);
    maxLen = zdiff(src, acc);
  }
  return { acc, maxLen };
}

/** ZINTERCARD: members of the smallest input found in every other, stopping at `limit` (> 0). */
export function zsetInterCard(src: ZsetSource[], limit: number): number {
  sortBySize(src);
  const s0 = src[0];
  let count = 0;
  if (s0.len === 0) return 0;
  forEachElement(s0, (b, o, n) => {
    for (let i = 1; i < src.length; i++) {
      const si = src[i];
      if (si.e !== s0.e && !contains(si, b, o, n)) return;
    }
    count++;
    if (limit > 0 && count >= limit) stopVisit = true;
  });
  return count;
}

/**
 * ZDIFF into `acc` (zdiff): returns the longest member's length. Nothing when the first input
 * appears again among the others (everything would be removed). Redis's two algorithms, picked
 * by the same estimate: look each member of the first input up in the others (O(N*M)), or copy
 * the first input and delete the others' members from it (O(L)).
 */
function zdiff(src: ZsetSource[], acc: Skiplist): number {
  const s0 = src[0];
  if (s0.len === 0) return 0;
  let one = 0;
  let two = 0;
  for (let i = 0; i < src.length; i++) {
    if (i > 0 && src[i].e === s0.e && s0.e >= 0) return 0;
    one += s0.len;
    two += src[i].len;
  }
  one = Math.floor(one / 2);
  let maxLen = 0;
  if (one <= two) {
    // Algorithm 1: each member of the first input, unless another input has it. The others are
    // tried from the largest down, where a common member is most likely found.
    const rest = src.slice(1).sort((a, b) => b.len - a.len);
    forEachElement(s0, (b, o, n, sc) => {
      for (const s of rest) if (contains(s, b, o, n)) return;
      acc.insert(b, o, n, sc);
      if (n > maxLen) maxLen = n;
    });
    return maxLen;
  }
  // Algorithm 2: copy the first input, then delete every member of the others.
  forEachElement(s0, (b, o, n, sc) => {
    acc.insert(b, o, n, sc);
  });
  for (let i = 1; i < src.length && acc.size > 0; i++) {
    if (src[i].len === 0) continue;
    forEachElement(src[i], (b, o, n) => {
      if (acc.size > 0) acc.delete(b, o, n);
    });
  }
  for (let x = acc.first(); x !== 0; x = acc.next(x)) {
    const n = acc.memberLen(x);
    if (n > maxLen) maxLen = n;
  }
  return maxLen;
}

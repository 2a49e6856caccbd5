/*
 * The sorted-set data type over its two encodings (t_zset.c's "common sorted set API"): what the
 * ZSET commands need, whatever the key's encoding is.
 *
 *   listpack  the key's value bytes in the arena (src/store/zset-listpack.ts), used while the set
 *             has at most zset-max-listpack-entries members, none longer than
 *             zset-max-listpack-value bytes;
 *   skiplist  a Skiplist object in the key's slot (src/store/skiplist.ts), members in the arena.
 *
 * A set goes from listpack to skiplist when an insert would break either limit (checked before the
 * insert, as zsetAdd does) and never comes back, except that the commands which build a whole new
 * set (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, ZRANGESTORE) pick the destination's encoding from its
 * final size and longest member, as 7.0 does (zsetConvertToListpackIfNeeded).
 *
 * Members are handed to visitors as (buf, off, len) byte ranges, never as JS strings: inside the
 * listpack, inside the arena for skiplist members, or in a scratch buffer for listpack integers.
 * A visitor must use the bytes before the next element is visited.
 */
import type { Argv } from '../protocol/argv.ts';
import type { Client } from '../server/client.ts';
import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../server/config-table.ts';
import { hashBytes } from '../store/hash.ts';
import { ENC_LISTPACK, ENC_SKIPLIST, OBJ_STRING, OBJ_ZSET, type Keyspace } from '../store/keyspace.ts';
import { LP_HDR_SIZE, lpBytes, lpNew } from '../store/listpack.ts';
import { Skiplist, type LexRange, type ScoreRange } from '../store/skiplist.ts';
import {
  zm, zzlAtRank, zzlCountInLexRange, zzlFirst, zzlCountInRange, zzlDelete, zzlFind, zzlFirstInLexRange, zzlFirstInRange, zzlInsert,
  zzlInsertAt, zzlLast, zzlLastInLexRange, zzlLastInRange, zzlLength, zzlLexGteMin, zzlLexLteMax, zzlMember, zzlNext, zzlPrev,
  zzlRank, zzlScore,
} from '../store/zset-listpack.ts';
import { formatDouble, parseDoubleStrtod } from '../util/numbers.ts';

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

const EMPTY_LP = lpNew();

/** Listpack limits read from the config at the start of a command. */
export interface ZsetLimits {
  maxEntries: number;
  maxValue: number;
}

const limitsScratch: ZsetLimits = { maxEntries: 128, maxValue: 64 };

/** zset-max-listpack-entries / -value as they are now (CONFIG SET changes them at any time). */
export function zsetLimits(c: Client): ZsetLimits {
  limitsScratch.maxEntries = c.srv.config.num('zset-max-listpack-entries');
  limitsScratch.maxValue = c.srv.config.num('zset-max-listpack-value');
  return limitsScratch;
}

export function isListpack(db: Keyspace, e: number): boolean {
  return ((db.meta[e] >>> 4) & 15) === ENC_LISTPACK;
}

export function skiplistOf(db: Keyspace, e: number): Skiplist {
  return db.getObject(e) as Skiplist;
}

/** Writes a listpack back to entry e when an operation returned a different array than its view. */
export function commitListpack(db: Keyspace, e: number, view: Uint8Array, lp: Uint8Array): void {
  if (lp !== view) db.setValue(e, lp, 0, lp.length);
}

/** Replies a score as Redis 7.0 prints doubles (bulk in RESP2, double in RESP3). */
export function replyScore(c: Client, score: number): void {
  c.w.double(formatDouble(score));
}

// ---- creation and conversion -----------------------------------------------------------------

/**
 * Adds key argv[k] as an empty sorted set (listpack, or skiplist when `skiplist`). The lookup of
 * argv[k] must be the last one made (addKey reuses its hash). A listpack gets `capacity` bytes
 * (spare room past its 7-byte header), so that the inserts that follow write in place instead of
 * moving the record. Returns the entry.
 */
export function createZsetKey(c: Client, argv: Argv, k: number, skiplist: boolean, capacity = EMPTY_LP.length): number {
  const db = c.db;
  if (!skiplist) {
    const e = c.srv.addKey(db, argv, k, capacity < EMPTY_LP.length ? EMPTY_LP.length : capacity, OBJ_ZSET | (ENC_LISTPACK << 4));
    db.arena.u8.set(EMPTY_LP, db.valOff(e));
    return e;
  }
  const e = c.srv.addKey(db, argv, k, 0, OBJ_STRING);
  db.setObject(e, new Skiplist(db.arena));
  db.meta[e] = (db.meta[e] & ~0xff) | OBJ_ZSET | (ENC_SKIPLIST << 4);
  return e;
}

/** Converts a listpack-encoded entry to a skiplist (zsetConvert); returns the skiplist. */
export function convertToSkiplist(db: Keyspace, e: number): Skiplist {
  const lp = db.valView(e);
  const sl = skiplistFromListpack(db, lp);
  db.setObject(e, sl);
  db.meta[e] = (db.meta[e] & ~0xf0) | (ENC_SKIPLIST << 4);
  return sl;
}

/**
 * A skiplist holding the members of listpack `lp`. Inserted from the highest down, so every
 * descent stops at the header.
 */
export function skiplistFromListpack(db: Keyspace, lp: Uint8Array): Skiplist {
  const sl = new Skiplist(db.arena, zzlLength(lp));
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

// ---- queries ---------------------------------------------------------------------------------

/** Number of members of entry e (zsetLength). */
export function zsetLength(db: Keyspace, e: number): number {
  return isListpack(db, e) ? zzlLength(db.valView(e)) : skiplistOf(db, e).size;
}

/** Score of member b[o, o+n), NaN when absent (zsetScore). */
export function zsetScore(db: Keyspace, e: number, b: Uint8Array, o: number, n: number): number {
  if (isListpack(db, e)) {
    const lp = db.valView(e);
    const p = zzlFind(lp, b, o, n);
    return p < 0 ? NaN : zzlScore(lp, p);
  }
  return skiplistOf(db, e).scoreOf(b, o, n);
}

/** 0-based rank of member b[o, o+n) (from the highest with `reverse`), -1 when absent. */
export function zsetRank(db: Keyspace, e: number, b: Uint8Array, o: number, n: number, reverse: boolean): number {
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
export function zsetAdd(
  db: Keyspace, e: number, score: number, b: Uint8Array, o: number, n: number, flags: number, lim: ZsetLimits,
): number {
  if (score !== score) return ZADD_OUT_NAN;
  const incr = (flags & ZADD_INCR) !== 0;
  const nx = (flags & ZADD_NX) !== 0;
  const xx = (flags & ZADD_XX) !== 0;
  const gt = (flags & ZADD_GT) !== 0;
  const lt = (flags & ZADD_LT) !== 0;
  if (isListpack(db, e)) {
    const view = db.valView(e);
    const p = zzlFind(view, b, o, n);
    if (p >= 0) {
      if (nx) return ZADD_OUT_NOP;
      const cur = zzlScore(view, p);
      if (incr) {
        score += cur;
        if (score !== score) return ZADD_OUT_NAN;
      }
      if ((lt && score >= cur) || (gt && score <= cur)) return ZADD_OUT_NOP;
      zaddNewScore = score;
      // -0 and 0 compare equal: no change, as in Redis.
      if (score === cur) return 0;
      let lp = zzlDelete(view, p);
      lp = zzlInsert(lp, b, o, n, score);
      commitListpack(db, e, view, lp);
      return ZADD_OUT_UPDATED;
    }
    if (xx) return ZADD_OUT_NOP;
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
export function zsetDel(db: Keyspace, e: number, b: Uint8Array, o: number, n: number): boolean {
  if (isListpack(db, e)) {
    const view = db.valView(e);
    const p = zzlFind(view, b, o, n);
    if (p < 0) return false;
    commitListpack(db, e, view, zzlDelete(view, p));
    return true;
  }
  return skiplistOf(db, e).delete(b, o, n);
}

// ---- ranges ----------------------------------------------------------------------------------

/**
 * Visits ranks start..end (0-based, inclusive, already clamped to the set), ascending, or counted
 * from the highest with `reverse`.
 */
export function zsetRangeByRank(db: Keyspace, e: number, start: number, end: number, reverse: boolean, visit: ElemVisit): void {
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
export function zsetCountByScore(db: Keyspace, e: number, r: ScoreRange): number {
  return isListpack(db, e) ? zzlCountInRange(db.valView(e), r) : skiplistOf(db, e).countInScoreRange(r);
}

/** Members in the lex range (ZLEXCOUNT). */
export function zsetCountByLex(db: Keyspace, e: number, r: LexRange): number {
  return isListpack(db, e) ? zzlCountInLexRange(db.valView(e), r) : skiplistOf(db, e).countInLexRange(r);
}

/** Number of elements zsetRangeByScore would visit. */
export function zsetCountScoreWindow(db: Keyspace, e: number, r: ScoreRange, offset: number, limit: number): number {
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
export function zsetCountLexWindow(db: Keyspace, e: number, r: LexRange, reverse: boolean, offset: number, limit: number): number {
  visited = 0;
  zsetRangeByLex(db, e, r, reverse, offset, limit, countVisit);
  return visited;
}

/**
 * Visits the members with a score in the range, ascending (descending with `reverse`), skipping
 * `offset` and stopping after `limit` (< 0: all). On a skiplist the skip is by rank (O(log n)).
 */
export function zsetRangeByScore(
  db: Keyspace, e: number, r: ScoreRange, reverse: boolean, offset: number, limit: number, visit: ElemVisit,
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
  db: Keyspace, e: number, r: LexRange, reverse: boolean, offset: number, limit: number, visit: ElemVisit,
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
export function zsetForEach(db: Keyspace, e: number, visit: ElemVisit): void {
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
export function zsetElements(db: Keyspace, e: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  zsetForEach(db, e, (b, o, n) => {
    out.push(b.slice(o, o + n));
  });
  return out;
}

// ---- range arguments -------------------------------------------------------------------------

/**
 * Parses one ZRANGEBYSCORE bound (zslParseRange): '(' makes it exclusive, the rest goes through
 * strtod (so "inf", "-inf", "+inf", " 1" and "" are accepted). NaN when invalid.
 */
function parseScoreBound(argv: Argv, i: number, isMax: boolean, r: ScoreRange): boolean {
  const b = argv.buf;
  let o = argv.off[i];
  let n = argv.len[i];
  let ex = false;
  if (n > 0 && b[o] === 0x28 /* ( */) {
    ex = true;
    o++;
    n--;
  }
  const v = parseDoubleStrtod(b, o, n);
  if (v !== v) return false;
  if (isMax) {
    r.max = v;
    r.maxex = ex;
  } else {
    r.min = v;
    r.minex = ex;
  }
  return true;
}

/** Parses a score range from arguments min and max into `r`; false when either is invalid. */
export function parseScoreRange(argv: Argv, minIdx: number, maxIdx: number, r: ScoreRange): boolean {
  return parseScoreBound(argv, minIdx, false, r) && parseScoreBound(argv, maxIdx, true, r);
}

// ---- building a whole new set (the *STORE commands) ------------------------------------------

/**
 * Elements collected in order (ascending, or descending when the producer walks backwards), with
 * their bytes copied into one growing buffer: nothing per element for the GC. The STORE commands
 * collect their result here, then build the destination in the encoding 7.0 would pick.
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

/** Whether a new set of `count` members, the longest `maxLen` bytes, is kept as a listpack. */
export function fitsListpack(count: number, maxLen: number, lim: ZsetLimits): boolean {
  return count <= lim.maxEntries && maxLen <= lim.maxValue;
}

/**
 * Replaces key argv[k] (whatever it held, TTL dropped) with a new sorted set of `count` members:
 * listpack bytes `lp` or skiplist `sl` (exactly one non-null). Then, as the *STORE commands end
 * in 7.0 (setKey, reply, event, dirty++): the key is signalled (and is "new" only when it did not
 * exist: an overwrite is not a birth), the count is replied, `event` is published and one change
 * is counted. Wakes clients blocked on the key.
 */
export function storeZset(c: Client, argv: Argv, k: number, lp: Uint8Array | null, sl: Skiplist | null, count: number, event: string): void {
  const db = c.db;
  const srv = c.srv;
  const b = argv.buf;
  const o = argv.off[k];
  const n = argv.len[k];
  const old = srv.writeKey(c, argv, k);
  const h = srv.lastHash;
  if (old >= 0) srv.deleteEntry(db, old);
  const lru = srv.lruClock << 8;
  if (lp !== null) {
    const bytes = lpBytes(lp);
    const meta = OBJ_ZSET | (ENC_LISTPACK << 4) | lru;
    const e = old >= 0 ? db.add(b, o, n, h, bytes, meta) : srv.addKeyBytes(db, b, o, n, h, bytes, meta);
    db.arena.u8.set(lp.subarray(0, bytes), db.valOff(e));
  } else {
    const e = old >= 0 ? db.add(b, o, n, h, 0, OBJ_STRING | lru) : srv.addKeyBytes(db, b, o, n, h, 0, OBJ_STRING | lru);
    db.setObject(e, sl);
    db.meta[e] = (db.meta[e] & ~0xff) | OBJ_ZSET | (ENC_SKIPLIST << 4);
  }
  srv.signalModifiedKey(db, b, o, n);
  c.w.integer(count);
  srv.notifyKeyspaceEvent(NOTIFY_ZSET, event, db, b, o, n);
  srv.dirty++;
  srv.signalKeyReady(db, b, o, n);
}

/**
 * A STORE command with an empty result: replies 0, then removes the destination as dbDelete
 * does: found without an expiry check (a key past its TTL but still present goes with "del", not
 * "expired"); only an existing key is signalled, reported and counted as a change.
 */
export function storeEmpty(c: Client, argv: Argv, k: number): void {
  c.w.integer(0);
  const db = c.db;
  const srv = c.srv;
  const b = argv.buf;
  const o = argv.off[k];
  const n = argv.len[k];
  const e = db.find(b, o, n, hashBytes(b, o, n));
  if (e < 0) return;
  srv.deleteEntry(db, e);
  srv.signalModifiedKey(db, b, o, n);
  srv.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', db, b, o, n);
  srv.dirty++;
}

/**
 * Stores the collected elements as key argv[k] (deleting it when there are none) and replies the
 * member count (ZRANGESTORE; event "zrangestore"); `descending` when they were collected from the
 * highest down, `sizeKnown` when the count was known before collecting (a rank range).
 */
export function storeCollected(
  c: Client, argv: Argv, k: number, col: ZsetCollector, descending: boolean, sizeKnown: boolean, lim: ZsetLimits,
): void {
  const n = col.count;
  if (n === 0) {
    storeEmpty(c, argv, k);
    return;
  }
  const bytes = col.bytes;
  if (fitsListpack(n, col.maxLen, lim)) {
    let lp = lpNew(LP_HDR_SIZE + 1 + col.used + n * 12);
    for (let j = 0; j < n; j++) {
      const i = descending ? n - 1 - j : j;
      lp = zzlInsertAt(lp, -1, bytes, col.offs[i], col.lens[i], col.scores[i]);
    }
    storeZset(c, argv, k, lp, null, n, 'zrangestore');
    return;
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
  const sl = new Skiplist(c.db.arena, n);
  // From the highest down: each insert stops at the header.
  for (let j = 0; j < n; j++) {
    const i = descending ? j : n - 1 - j;
    const s = col.scores[i];
    sl.insert(bytes, col.offs[i], col.lens[i], i < convertAt && s === 0 ? 0 : s);
  }
  storeZset(c, argv, k, null, sl, n, 'zrangestore');
}

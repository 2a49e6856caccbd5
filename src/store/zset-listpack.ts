/*
 * The `listpack` encoding of a sorted set (Redis's zzl* functions in t_zset.c): one listpack
 * holding member, score, member, score, ... sorted by score and then by member bytes.
 *
 * Why shaped so. Small sorted sets are the common case (leaderboards per user, time-ordered
 * indexes of a few items), and Redis keeps them as a flat byte string until they pass
 * zset-max-listpack-entries (128) members or a member longer than zset-max-listpack-value (64)
 * bytes. Here too the listpack is the key's value bytes in the keyspace arena (no JS object per
 * key), every function works on a view of those bytes, and the bytes are what Redis 7.0 would
 * hold, so DEBUG LISTPACK, DUMP and RDB see the same thing.
 *
 * Scores are written as Redis 7.0 writes them (zzlInsertAt): a score that is an integer in
 * [-2^62, 2^62] (double2ll) becomes a listpack integer, -0 included (it is stored as 0, so a
 * listpack zset forgets the sign of zero where a skiplist keeps it); any other score is written as
 * the text d2string produces, which for these values is printf's %.17g (inf and -inf spelled
 * so). Reading a score back parses that text (zzlStrtod), so every comparison on a string-encoded
 * score costs a strtod, as in Redis; that is the price of the format, bounded by the small size.
 *
 * Members that are canonical decimal integers are stored as listpack integers (lpInsert detects
 * them), so comparing or replying a member may need its decimal spelling: zzlMember() points
 * `zm` at the bytes, either inside the listpack or in a scratch buffer holding the digits.
 *
 * Costs: lookups, inserts and range starts are linear scans (O(n), n <= 128 by default), inserts
 * and deletes memmove the tail. Entry positions are byte offsets of the member entry (-1: none);
 * the score is the entry after it. Functions that change the listpack return it, possibly as a
 * new array (see listpack.ts): always keep the returned value.
 */
import {
  LP_AFTER, LP_BEFORE, LP_EOF, LpEntry, lpAppend, lpAppendInteger, lpDeleteRange, lpDeleteRangeWithEntry, lpFind, lpFirst,
  lpEntrySizeFor, lpGet, lpInsert, lpInsertInteger, lpLength, lpPrev, lpSeek, lpSkip,
} from './listpack.ts';
import { compareBytes, type LexRange, type ScoreRange } from './skiplist.ts';
import { formatDouble, formatInt64, parseDoubleStrtod } from '../util/numbers.ts';

const TWO62 = 2 ** 62;

/** Member bytes located by zzlMember(): `buf[off, off+len)` (valid until the next call). */
export const zm = { buf: new Uint8Array(0) as Uint8Array, off: 0, len: 0 };

const intScratch = new Uint8Array(24);
const scoreScratch = new Uint8Array(32);
const ent = new LpEntry();

/** Number of members. */
export function zzlLength(lp: Uint8Array): number {
  return lpLength(lp) >>> 1;
}

/** Points `zm` at the bytes of the member entry at p (integers spelled in decimal). */
export function zzlMember(lp: Uint8Array, p: number): void {
  const e = lpGet(lp, p, ent);
  if (e.isInt) {
    zm.buf = intScratch;
    zm.off = 0;
    zm.len = formatInt64(e.int, intScratch, 0);
  } else {
    zm.buf = lp;
    zm.off = e.strOff;
    zm.len = e.strLen;
  }
}

/** The score stored in the entry at sp (zzlGetScore). */
export function zzlScoreAt(lp: Uint8Array, sp: number): number {
  const b = lp[sp];
  if (b < 0x80) return b;
  const e = lpGet(lp, sp, ent);
  if (e.isInt) return Number(e.int);
  return parseDoubleStrtod(lp, e.strOff, e.strLen);
}

/** Score of the member whose entry is at p. */
export function zzlScore(lp: Uint8Array, p: number): number {
  return zzlScoreAt(lp, lpSkip(lp, p));
}

/** Offset of the member after the one at p, or -1. */
export function zzlNext(lp: Uint8Array, p: number): number {
  const q = lpSkip(lp, lpSkip(lp, p));
  return lp[q] === LP_EOF ? -1 : q;
}

/** Offset of the member before the one at p, or -1. */
export function zzlPrev(lp: Uint8Array, p: number): number {
  const sp = lpPrev(lp, p);
  return sp < 0 ? -1 : lpPrev(lp, sp);
}

/** Offset of the member of 0-based rank r (negative: from the end, -1 = last), or -1. */
export function zzlAtRank(lp: Uint8Array, r: number): number {
  return lpSeek(lp, 2 * r);
}

/** First member, or -1. */
export function zzlFirst(lp: Uint8Array): number {
  return lpFirst(lp);
}

/** Last member, or -1. */
export function zzlLast(lp: Uint8Array): number {
  return lpSeek(lp, -2);
}

/** memcmp of the member at p with b[o, o+n) (zzlCompareElements). */
export function zzlCompareMember(lp: Uint8Array, p: number, b: Uint8Array, o: number, n: number): number {
  zzlMember(lp, p);
  return compareBytes(zm.buf, zm.off, zm.len, b, o, n);
}

/** Offset of member b[o, o+n), or -1 (zzlFind). Its score: zzlScore(lp, p). */
export function zzlFind(lp: Uint8Array, b: Uint8Array, o: number, n: number): number {
  return lpFind(lp, lpFirst(lp), b, o, n, 1);
}

/** 0-based rank of member b[o, o+n) in ascending order, or -1. */
export function zzlRank(lp: Uint8Array, b: Uint8Array, o: number, n: number): number {
  const p = zzlFind(lp, b, o, n);
  if (p < 0) return -1;
  let r = 0;
  for (let q = lpFirst(lp); q !== p; q = lpSkip(lp, lpSkip(lp, q))) r++;
  return r;
}

// ---- writing -------------------------------------------------------------------------------------

/** Whether Redis writes this score as a listpack integer (double2ll). */
function scoreIsInt(score: number): boolean {
  return score >= -TWO62 && score <= TWO62 && Number.isInteger(score);
}

/** Writes d2string(score) into scoreScratch; returns its length. */
function scoreText(score: number): number {
  const s = formatDouble(score);
  for (let i = 0; i < s.length; i++) scoreScratch[i] = s.charCodeAt(i);
  return s.length;
}

/** Bytes a member b[o, o+n) with `score` takes in a listpack (both entries, backlens included). */
export function zzlPairSize(b: Uint8Array, o: number, n: number, score: number): number {
  const len = scoreIsInt(score) ? formatInt64(score === 0 ? 0 : score, scoreScratch, 0) : scoreText(score);
  return lpEntrySizeFor(b, o, n) + lpEntrySizeFor(scoreScratch, 0, len);
}

/**
 * Inserts member b[o, o+n) with `score` before the member at p, or at the end when p is -1
 * (zzlInsertAt). The listpack order is the caller's business.
 */
export function zzlInsertAt(lp: Uint8Array, p: number, b: Uint8Array, o: number, n: number, score: number): Uint8Array {
  const asInt = scoreIsInt(score);
  if (p < 0) {
    lp = lpAppend(lp, b, o, n);
    if (asInt) return lpAppendInteger(lp, score === 0 ? 0 : score);
    return lpAppend(lp, scoreScratch, 0, scoreText(score));
  }
  lp = lpInsert(lp, p, LP_BEFORE, b, o, n);
  if (asInt) return lpInsertInteger(lp, p, LP_AFTER, score === 0 ? 0 : score);
  return lpInsert(lp, p, LP_AFTER, scoreScratch, 0, scoreText(score));
}

/** Appends a member known to sort after every present one (building from sorted input). */
export function zzlAppend(lp: Uint8Array, b: Uint8Array, o: number, n: number, score: number): Uint8Array {
  return zzlInsertAt(lp, -1, b, o, n, score);
}

/**
 * Inserts member b[o, o+n) (known absent) at its place in (score, member) order (zzlInsert).
 */
export function zzlInsert(lp: Uint8Array, b: Uint8Array, o: number, n: number, score: number): Uint8Array {
  for (let p = lpFirst(lp); p >= 0; ) {
    const sp = lpSkip(lp, p);
    const s = zzlScoreAt(lp, sp);
    if (s > score || (s === score && zzlCompareMember(lp, p, b, o, n) > 0)) return zzlInsertAt(lp, p, b, o, n, score);
    const q = lpSkip(lp, sp);
    p = lp[q] === LP_EOF ? -1 : q;
  }
  return zzlInsertAt(lp, -1, b, o, n, score);
}

/** Deletes the member at p and its score (zzlDelete). The next member (or the end) is at p. */
export function zzlDelete(lp: Uint8Array, p: number): Uint8Array {
  return lpDeleteRangeWithEntry(lp, p, 2);
}

// ---- ranges ----------------------------------------------------------------------------------

function gteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}

function lteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

/** Whether any score could be in the range (zzlIsInRange). */
function scoreRangeMayHit(lp: Uint8Array, r: ScoreRange): boolean {
  if (r.min > r.max || (r.min === r.max && (r.minex || r.maxex))) return false;
  const last = zzlLast(lp);
  if (last < 0 || !gteMin(zzlScore(lp, last), r)) return false;
  return lteMax(zzlScore(lp, lpFirst(lp)), r);
}

/** Lowest member with a score in the range, or -1 (zzlFirstInRange). */
export function zzlFirstInRange(lp: Uint8Array, r: ScoreRange): number {
  if (!scoreRangeMayHit(lp, r)) return -1;
  for (let p = lpFirst(lp); p >= 0; p = zzlNext(lp, p)) {
    const s = zzlScore(lp, p);
    if (gteMin(s, r)) return lteMax(s, r) ? p : -1;
  }
  return -1;
}

/** Highest member with a score in the range, or -1 (zzlLastInRange). */
export function zzlLastInRange(lp: Uint8Array, r: ScoreRange): number {
  if (!scoreRangeMayHit(lp, r)) return -1;
  for (let p = zzlLast(lp); p >= 0; p = zzlPrev(lp, p)) {
    const s = zzlScore(lp, p);
    if (lteMax(s, r)) return gteMin(s, r) ? p : -1;
  }
  return -1;
}

/** Does the member at p sort at or after the lex range's minimum? */
export function zzlLexGteMin(lp: Uint8Array, p: number, r: LexRange): boolean {
  if (r.minInf !== 0) return r.minInf < 0;
  const c = zzlCompareMember(lp, p, r.min, 0, r.min.length);
  return r.minex ? c > 0 : c >= 0;
}

/** Does the member at p sort at or before the lex range's maximum? */
export function zzlLexLteMax(lp: Uint8Array, p: number, r: LexRange): boolean {
  if (r.maxInf !== 0) return r.maxInf > 0;
  const c = zzlCompareMember(lp, p, r.max, 0, r.max.length);
  return r.maxex ? c < 0 : c <= 0;
}

/** Whether the lex range can hold anything (zzlIsInLexRange). */
function lexRangeMayHit(lp: Uint8Array, r: LexRange): boolean {
  let c: number;
  if (r.minInf !== 0 && r.minInf === r.maxInf) c = 0;
  else if (r.minInf < 0 || r.maxInf > 0) c = -1;
  else if (r.minInf > 0 || r.maxInf < 0) c = 1;
  else c = compareBytes(r.min, 0, r.min.length, r.max, 0, r.max.length);
  if (c > 0 || (c === 0 && (r.minex || r.maxex))) return false;
  const last = zzlLast(lp);
  if (last < 0 || !zzlLexGteMin(lp, last, r)) return false;
  return zzlLexLteMax(lp, lpFirst(lp), r);
}

/** Lowest member in the lex range, or -1 (zzlFirstInLexRange). */
export function zzlFirstInLexRange(lp: Uint8Array, r: LexRange): number {
  if (!lexRangeMayHit(lp, r)) return -1;
  for (let p = lpFirst(lp); p >= 0; p = zzlNext(lp, p)) {
    if (zzlLexGteMin(lp, p, r)) return zzlLexLteMax(lp, p, r) ? p : -1;
  }
  return -1;
}

/** Highest member in the lex range, or -1 (zzlLastInLexRange). */
export function zzlLastInLexRange(lp: Uint8Array, r: LexRange): number {
  if (!lexRangeMayHit(lp, r)) return -1;
  for (let p = zzlLast(lp); p >= 0; p = zzlPrev(lp, p)) {
    if (zzlLexLteMax(lp, p, r)) return zzlLexGteMin(lp, p, r) ? p : -1;
  }
  return -1;
}

/** Members with a score in the range (ZCOUNT). */
export function zzlCountInRange(lp: Uint8Array, r: ScoreRange): number {
  let n = 0;
  for (let p = zzlFirstInRange(lp, r); p >= 0 && lteMax(zzlScore(lp, p), r); p = zzlNext(lp, p)) n++;
  return n;
}

/** Members in the lex range (ZLEXCOUNT). */
export function zzlCountInLexRange(lp: Uint8Array, r: LexRange): number {
  let n = 0;
  for (let p = zzlFirstInLexRange(lp, r); p >= 0 && zzlLexLteMax(lp, p, r); p = zzlNext(lp, p)) n++;
  return n;
}

/** Number of members removed by the last zzlDeleteRangeBy* call. */
export let zzlDeleted = 0;

/** Deletes the members with a score in the range (zzlDeleteRangeByScore); count in zzlDeleted. */
export function zzlDeleteRangeByScore(lp: Uint8Array, r: ScoreRange): Uint8Array {
  zzlDeleted = 0;
  const p = zzlFirstInRange(lp, r);
  if (p < 0) return lp;
  while (lp[p] !== LP_EOF && lteMax(zzlScore(lp, p), r)) {
    lp = lpDeleteRangeWithEntry(lp, p, 2);
    zzlDeleted++;
  }
  return lp;
}

/** Deletes the members in the lex range (zzlDeleteRangeByLex); count in zzlDeleted. */
export function zzlDeleteRangeByLex(lp: Uint8Array, r: LexRange): Uint8Array {
  zzlDeleted = 0;
  const p = zzlFirstInLexRange(lp, r);
  if (p < 0) return lp;
  while (lp[p] !== LP_EOF && zzlLexLteMax(lp, p, r)) {
    lp = lpDeleteRangeWithEntry(lp, p, 2);
    zzlDeleted++;
  }
  return lp;
}

/** Deletes ranks start..end (0-based, inclusive, within the set); count in zzlDeleted. */
export function zzlDeleteRangeByRank(lp: Uint8Array, start: number, end: number): Uint8Array {
  const num = end - start + 1;
  zzlDeleted = num;
  return lpDeleteRange(lp, 2 * start, 2 * num);
}

/** Calls visit(p) for every member in ascending order (the visitor must not modify lp). */
export function zzlForEach(lp: Uint8Array, visit: (p: number) => void): void {
  for (let p = lpFirst(lp); p >= 0; p = zzlNext(lp, p)) visit(p);
}

/** True when p is the end of the listpack (after a delete of the last member at p). */
export function zzlAtEnd(lp: Uint8Array, p: number): boolean {
  return lp[p] === LP_EOF;
}

/*
 * Sorted-set algebra (zunionInterDiffGenericCommand in t_zset.c): ZUNION ZINTER ZDIFF, their
 * STORE forms, and ZINTERCARD. Inputs may be sorted sets or plain sets (every member of a set
 * scores 1); a missing key is an empty input.
 *
 * The result is accumulated in a fresh Skiplist rather than in a dict of member -> score followed
 * by a sort: its member dict answers "seen before?" in O(1), and its order is the reply order, so
 * a union of inputs totalling L elements costs O(L log K) for a K-member result, as Redis's dict
 * plus final zslInsert does, with no JS object per element. When the result is stored and is small
 * enough (zset-max-listpack-entries / -value), it is rewritten as a listpack, as 7.0's
 * zsetConvertToListpackIfNeeded does; otherwise the skiplist itself becomes the key's value.
 *
 * Inputs are visited from the smallest to the largest for union and intersection (a stable sort
 * by cardinality, like the glibc qsort Redis gets), which fixes the order in which sums are
 * added. Scores are combined exactly as Redis does: weight * score, a NaN product (0 * inf)
 * becoming 0; SUM turning inf + -inf into 0; MIN and MAX keeping the current score unless the new
 * one is strictly smaller or larger (so -0 and 0 do not replace each other).
 *
 * ZDIFF picks between Redis's two algorithms by the same estimate: look each member of the first
 * input up in the others (O(N*M)), or copy the first input and delete the others' members from it
 * (O(L)).
 */
import type { Argv } from '../protocol/argv.ts';
import { SYNTAX, WRONGTYPE } from '../protocol/errors.ts';
import type { Client } from '../server/client.ts';
import { hashBytes } from '../store/hash.ts';
import { OBJ_SET, OBJ_ZSET } from '../store/keyspace.ts';
import { cur, memberAt, setIsMember, setSize, type SetValue } from '../store/set-type.ts';
import { Skiplist } from '../store/skiplist.ts';
import { zm, zzlFind, zzlFirst, zzlLength, zzlMember, zzlNext, zzlScore } from '../store/zset-listpack.ts';
import { parseDouble } from '../util/numbers.ts';
import type { CommandDef } from './registry.ts';
import { argLong } from './util.ts';
import {
  storeEmpty, fitsListpack, isListpack, listpackFromSkiplist, replyScore, skiplistOf, storeZset, zsetLimits, type ElemVisit,
} from './zset-type.ts';

const WEIGHT_NOT_FLOAT = 'ERR weight value is not a float';
const LIMIT_NEGATIVE = "ERR LIMIT can't be negative";

const OP_UNION = 0;
const OP_INTER = 1;
const OP_DIFF = 2;

const AGGR_SUM = 0;
const AGGR_MIN = 1;
const AGGR_MAX = 2;

const SRC_NONE = 0;
const SRC_LISTPACK = 1;
const SRC_SKIPLIST = 2;
const SRC_SET = 3;

/** One input: its entry (-1 when missing), its value and weight. A handful per command. */
interface Source {
  e: number;
  kind: number;
  lp: Uint8Array | null;
  sl: Skiplist | null;
  set: SetValue | null;
  weight: number;
  len: number;
}

function aggregate(target: number, val: number, how: number): number {
  if (how === AGGR_SUM) {
    const s = target + val;
    return s !== s ? 0 : s;
  }
  if (how === AGGR_MIN) return val < target ? val : target;
  return val > target ? val : target;
}

/** Set by a visitor to end forEachElement early (ZINTERCARD's LIMIT). */
let stopVisit = false;

/** Visits every element of a source (any order); sets give score 1. */
function forEachElement(src: Source, visit: ElemVisit): void {
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
function scoreIn(src: Source, b: Uint8Array, o: number, n: number): number {
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
function contains(src: Source, b: Uint8Array, o: number, n: number): boolean {
  if (src.kind === SRC_LISTPACK) return zzlFind(src.lp as Uint8Array, b, o, n) >= 0;
  if (src.kind === SRC_SKIPLIST) return (src.sl as Skiplist).find(b, o, n) !== 0;
  if (src.kind === SRC_SET) return setIsMember(src.set as SetValue, b, o, n);
  return false;
}

/**
 * The shared body (zunionInterDiffGenericCommand). `dstIdx` is the destination's argument for the
 * STORE forms (-1 otherwise), `numkeysIdx` the numkeys argument; `cardOnly` is ZINTERCARD.
 */
function zsetOpGenericCommand(c: Client, argv: Argv, dstIdx: number, numkeysIdx: number, op: number, cardOnly: boolean, name: string): void {
  const setnum = argLong(c, argv, numkeysIdx);
  if (setnum !== setnum) return;
  if (setnum < 1) {
    c.w.error(`ERR at least 1 input key is needed for '${name}' command`);
    return;
  }
  if (setnum > argv.argc - (numkeysIdx + 1)) {
    c.w.error(SYNTAX);
    return;
  }
  const db = c.db;
  const srv = c.srv;
  const first = numkeysIdx + 1;
  // Look every input up first (lazy expiry, stats, type checks in order); a lookup may delete an
  // expired key and move entry ids, so the entries are found again below, once nothing changes.
  for (let i = 0; i < setnum; i++) {
    const e = srv.readKey(c, argv, first + i);
    if (e >= 0) {
      const t = db.meta[e] & 15;
      if (t !== OBJ_ZSET && t !== OBJ_SET) {
        c.w.error(WRONGTYPE);
        return;
      }
    }
  }
  const weights = new Float64Array(setnum).fill(1);
  let aggr = AGGR_SUM;
  let withscores = false;
  let limit = 0;
  let j = first + setnum;
  while (j < argv.argc) {
    const remaining = argv.argc - j;
    if (op !== OP_DIFF && !cardOnly && remaining >= setnum + 1 && argv.is(j, 'weights')) {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const w = parseDouble(argv.buf, argv.off[j], argv.len[j]);
        if (w !== w) {
          c.w.error(WEIGHT_NOT_FLOAT);
          return;
        }
        weights[i] = w;
      }
    } else if (op !== OP_DIFF && !cardOnly && remaining >= 2 && argv.is(j, 'aggregate')) {
      j++;
      if (argv.is(j, 'sum')) aggr = AGGR_SUM;
      else if (argv.is(j, 'min')) aggr = AGGR_MIN;
      else if (argv.is(j, 'max')) aggr = AGGR_MAX;
      else {
        c.w.error(SYNTAX);
        return;
      }
      j++;
    } else if (remaining >= 1 && dstIdx < 0 && !cardOnly && argv.is(j, 'withscores')) {
      j++;
      withscores = true;
    } else if (cardOnly && remaining >= 2 && argv.is(j, 'limit')) {
      j++;
      const v = argLong(c, argv, j, LIMIT_NEGATIVE, 0);
      if (v !== v) return;
      limit = v;
      j++;
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }
  const src: Source[] = [];
  for (let i = 0; i < setnum; i++) {
    const k = first + i;
    const b = argv.buf;
    const o = argv.off[k];
    const n = argv.len[k];
    const e = db.find(b, o, n, hashBytes(b, o, n));
    const s: Source = { e, kind: SRC_NONE, lp: null, sl: null, set: null, weight: weights[i], len: 0 };
    if (e >= 0) {
      if ((db.meta[e] & 15) === OBJ_SET) {
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
    }
    src.push(s);
  }
  // Smallest first: a stable sort, so equal sizes keep their argument order.
  if (op !== OP_DIFF) src.sort((a, b) => a.len - b.len);

  if (cardOnly) {
    c.w.integer(interCard(src, limit));
    return;
  }
  // Nothing in the first (diff, inter: smallest) input, or in any input: an empty result.
  let total = 0;
  for (const s of src) total += s.len;
  if (total === 0 || (op !== OP_UNION && src[0].len === 0)) {
    if (dstIdx >= 0) {
      storeEmpty(c, argv, dstIdx);
    } else {
      c.w.arrayHeader(0);
    }
    return;
  }
  let acc: Skiplist;
  let maxLen = 0;
  if (op === OP_UNION) {
    acc = new Skiplist(db.arena, src[src.length - 1].len);
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
  } else if (op === OP_INTER) {
    acc = new Skiplist(db.arena, src[0].len);
    const s0 = src[0];
    if (s0.len > 0) {
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
    }
  } else {
    acc = new Skiplist(db.arena, src[0].len);
    maxLen = zdiff(src, acc);
  }

  if (dstIdx >= 0) {
    const size = acc.size;
    const event = op === OP_UNION ? 'zunionstore' : op === OP_INTER ? 'zinterstore' : 'zdiffstore';
    if (size === 0) {
      acc.free();
      storeEmpty(c, argv, dstIdx);
    } else if (fitsListpack(size, maxLen, zsetLimits(c))) {
      const lp = listpackFromSkiplist(acc);
      acc.free();
      storeZset(c, argv, dstIdx, lp, null, size, event);
    } else {
      storeZset(c, argv, dstIdx, null, acc, size, event);
    }
    return;
  }
  const w = c.w;
  const pairs = withscores && c.resp > 2;
  w.arrayHeader(withscores && c.resp === 2 ? acc.size * 2 : acc.size);
  const u8 = acc.u8;
  for (let x = acc.first(); x !== 0; x = acc.next(x)) {
    if (pairs) w.arrayHeader(2);
    w.bulk(u8, acc.memberOff(x), acc.memberLen(x));
    if (withscores) replyScore(c, acc.score(x));
  }
  acc.free();
}

/** ZINTERCARD: members of the smallest input found in every other, stopping at `limit` (> 0). */
function interCard(src: Source[], limit: number): number {
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
 * ZDIFF into `acc` (zdiff): returns the longest member's length. Nothing when the first input is
 * empty, or when it appears again among the others (everything would be removed).
 */
function zdiff(src: Source[], acc: Skiplist): number {
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

// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]
function zunionstoreCommand(c: Client, argv: Argv): void {
  zsetOpGenericCommand(c, argv, 1, 2, OP_UNION, false, 'zunionstore');
}

// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]
function zinterstoreCommand(c: Client, argv: Argv): void {
  zsetOpGenericCommand(c, argv, 1, 2, OP_INTER, false, 'zinterstore');
}

// ZDIFFSTORE destination numkeys key [key ...]
function zdiffstoreCommand(c: Client, argv: Argv): void {
  zsetOpGenericCommand(c, argv, 1, 2, OP_DIFF, false, 'zdiffstore');
}

// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
function zunionCommand(c: Client, argv: Argv): void {
  zsetOpGenericCommand(c, argv, -1, 1, OP_UNION, false, 'zunion');
}

// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
function zinterCommand(c: Client, argv: Argv): void {
  zsetOpGenericCommand(c, argv, -1, 1, OP_INTER, false, 'zinter');
}

// ZDIFF numkeys key [key ...] [WITHSCORES]
function zdiffCommand(c: Client, argv: Argv): void {
  zsetOpGenericCommand(c, argv, -1, 1, OP_DIFF, false, 'zdiff');
}

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
function zintercardCommand(c: Client, argv: Argv): void {
  zsetOpGenericCommand(c, argv, -1, 1, OP_INTER, true, 'zintercard');
}

export const zsetSetOpCommands: CommandDef[] = [
  { name: 'zunionstore', summary: 'Stores the union of sorted sets in a key.', handler: zunionstoreCommand },
  { name: 'zinterstore', summary: 'Stores the intersection of sorted sets in a key.', handler: zinterstoreCommand },
  { name: 'zdiffstore', summary: 'Stores the difference of sorted sets in a key.', handler: zdiffstoreCommand },
  { name: 'zunion', summary: 'Returns the union of sorted sets.', handler: zunionCommand },
  { name: 'zinter', summary: 'Returns the intersection of sorted sets.', handler: zinterCommand },
  { name: 'zdiff', summary: 'Returns the difference between the first sorted set and the others.', handler: zdiffCommand },
  { name: 'zintercard', summary: 'Counts the members of the intersection of sorted sets.', handler: zintercardCommand },
];

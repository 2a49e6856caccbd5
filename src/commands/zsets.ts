/*
 * Sorted-set commands (t_zset.c): ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT
 * ZLEXCOUNT, the ZRANGE family (ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE
 * ZRANGEBYLEX ZREVRANGEBYLEX) and ZREMRANGEBYRANK/SCORE/LEX. The set operations live in
 * zset-setops.ts (with the *STORE epilogue ZRANGESTORE shares), the pops, ZRANDMEMBER and ZSCAN
 * in zset-pop.ts; the data type over its two encodings in src/store/zset-type.ts. This file parses
 * arguments, goes through the Db (store/db.ts), replies, and reports events.
 *
 * Argument checks run in Redis's order, which is observable: ZADD validates its options and every
 * score before it looks the key up (so a bad score on a string key is a float error, not
 * WRONGTYPE); the range commands parse their options and bounds before the lookup.
 *
 * Change tracking mirrors 7.0.15: only a command that changed something signals WATCH, publishes
 * its event ("zadd"/"zincr", "zrem", "zremrangebyrank"..., "zrangestore", and "del" after it when
 * the key was emptied) and adds what it changed to the dirty counter. Every command here is
 * propagated as received (ZINCRBY and ZADD INCR too: Redis 7.0 writes them unchanged).
 *
 * Scores are replied as Redis 7.0 formats doubles (%.17g, inf, -inf): a bulk string in RESP2, a
 * double in RESP3. In RESP3, WITHSCORES results are arrays of [member, score] pairs, as 7.0 sends
 * them.
 */
import type { Argv } from '../protocol/argv.ts';
import { SYNTAX } from '../protocol/errors.ts';
import type { Db } from '../store/db.ts';
import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../store/events.ts';
import { OBJ_ZSET } from '../store/keyspace.ts';
import { type LexRange, type ScoreRange, type Skiplist, parseLexRange } from '../store/skiplist.ts';
import { zzlPairSize } from '../store/zset-listpack.ts';
import {
  ZADD_GT, ZADD_INCR, ZADD_LT, ZADD_NX, ZADD_OUT_ADDED, ZADD_OUT_NAN, ZADD_OUT_NOP, ZADD_OUT_UPDATED, ZADD_XX,
  ZSET_EMPTY_LISTPACK_BYTES, ZSET_LISTPACK, ZsetCollector, type ElemVisit, zaddNewScore, zsetAdd, zsetCountByLex,
  zsetCountByScore, zsetCountLexWindow, zsetCountScoreWindow, zsetDel, zsetDeleteRangeByLex, zsetDeleteRangeByRank,
  zsetDeleteRangeByScore, zsetFromCollected, zsetInitListpack, zsetInitSkiplist, zsetLength, zsetRangeByLex, zsetRangeByRank,
  zsetRangeByScore, zsetRank, zsetScore,
} from '../store/zset-type.ts';
import { parseDouble, parseDoubleStrtod } from '../util/numbers.ts';
import type { CommandClient } from './context.ts';
import { registerDuplicator } from './keys.ts';
import type { CommandDef } from './registry.ts';
import { argLong, clampRank, rankRange, wrongType } from './util.ts';
import { zsetPopCommands } from './zset-pop.ts';
import { replyScore, storeEmpty, storeZset, zsetLimitsOf, zsetSetOpCommands } from './zset-setops.ts';

// ---- error texts (Redis 7.0.15) ----------------------------------------------------------------

const NOT_FLOAT = 'ERR value is not a valid float';
const XX_AND_NX = 'ERR XX and NX options at the same time are not compatible';
const GT_LT_NX = 'ERR GT, LT, and/or NX options at the same time are not compatible';
const INCR_ONE_PAIR = 'ERR INCR option supports a single increment-element pair';
const SCORE_NAN = 'ERR resulting score is not a number (NaN)';
const RANGE_NOT_FLOAT = 'ERR min or max is not a float';
const RANGE_NOT_LEX = 'ERR min or max not valid string range item';
const LIMIT_NEEDS_BY = 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX';
const WITHSCORES_BYLEX = 'ERR syntax error, WITHSCORES not supported in combination with BYLEX';

// COPY deep-copies skiplist values; listpack values are bytes and copy themselves.
registerDuplicator(OBJ_ZSET, (obj) => (obj as Skiplist).clone());

// ---- ZADD ZINCRBY ------------------------------------------------------------------------------

let scoreScratch = new Float64Array(16);

// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
export function zaddCommand(c: CommandClient, argv: Argv): void {
  zaddGenericCommand(c, argv, 0);
}

// ZINCRBY key increment member
function zincrbyCommand(c: CommandClient, argv: Argv): void {
  zaddGenericCommand(c, argv, ZADD_INCR);
}

/**
 * ZADD and ZINCRBY (zaddGenericCommand). Options come first (ZINCRBY goes through the same option
 * loop, so `ZINCRBY k nx m` is a syntax error as in Redis), then every score is parsed, so that the
 * command either applies fully or not at all; only then is the key looked up.
 */
function zaddGenericCommand(c: CommandClient, argv: Argv, flags: number): void {
  let ch = false;
  let i = 2;
  for (; i < argv.argc; i++) {
    if (argv.is(i, 'nx')) flags |= ZADD_NX;
    else if (argv.is(i, 'xx')) flags |= ZADD_XX;
    else if (argv.is(i, 'ch')) ch = true;
    else if (argv.is(i, 'incr')) flags |= ZADD_INCR;
    else if (argv.is(i, 'gt')) flags |= ZADD_GT;
    else if (argv.is(i, 'lt')) flags |= ZADD_LT;
    else break;
  }
  const incr = (flags & ZADD_INCR) !== 0;
  const nx = (flags & ZADD_NX) !== 0;
  const xx = (flags & ZADD_XX) !== 0;
  const gt = (flags & ZADD_GT) !== 0;
  const lt = (flags & ZADD_LT) !== 0;
  const args = argv.argc - i;
  if (args % 2 !== 0 || args === 0) {
    c.w.error(SYNTAX);
    return;
  }
  const elements = args / 2;
  if (nx && xx) {
    c.w.error(XX_AND_NX);
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    c.w.error(GT_LT_NX);
    return;
  }
  if (incr && elements > 1) {
    c.w.error(INCR_ONE_PAIR);
    return;
  }
  if (scoreScratch.length < elements) scoreScratch = new Float64Array(elements);
  const scores = scoreScratch;
  for (let j = 0; j < elements; j++) {
    const k = i + 2 * j;
    const s = parseDouble(argv.buf, argv.off[k], argv.len[k]);
    if (s !== s) {
      c.w.error(NOT_FLOAT);
      return;
    }
    scores[j] = s;
  }
  const db = c.db;
  let e = db.writeArg(argv, 1);
  if (e >= 0 && wrongType(c, db, e, OBJ_ZSET)) return;
  const lim = zsetLimitsOf(c);
  if (e < 0) {
    if (xx) {
      if (incr) c.w.nullBulk();
      else c.w.integer(0);
      return;
    }
    // A new set is a skiplist from the start when listpacks are off or its first member is long.
    // A listpack is created with room for what this command adds (one record write, no move).
    const asSkiplist = lim.maxEntries === 0 || lim.maxValue < argv.len[i + 1];
    let capacity = ZSET_EMPTY_LISTPACK_BYTES;
    if (!asSkiplist && elements <= lim.maxEntries) {
      for (let j = 0; j < elements; j++) {
        const m = i + 2 * j + 1;
        capacity += zzlPairSize(argv.buf, argv.off[m], argv.len[m], scores[j]);
      }
    }
    e = createZsetKey(db, argv, 1, asSkiplist, capacity);
  }
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  for (let j = 0; j < elements; j++) {
    const m = i + 2 * j + 1;
    const r = zsetAdd(db, e, scores[j], argv.buf, argv.off[m], argv.len[m], flags, lim);
    if ((r & ZADD_OUT_NAN) !== 0) {
      c.w.error(SCORE_NAN);
      zaddChanged(c, argv, added, updated, incr);
      return;
    }
    if ((r & ZADD_OUT_ADDED) !== 0) added++;
    if ((r & ZADD_OUT_UPDATED) !== 0) updated++;
    if ((r & ZADD_OUT_NOP) === 0) processed++;
    score = zaddNewScore;
  }
  c.srv.dirty += added + updated;
  if (incr) {
    if (processed > 0) replyScore(c, score);
    else c.w.nullBulk();
  } else {
    c.w.integer(ch ? added + updated : added);
  }
  zaddChanged(c, argv, added, updated, incr);
  if (added > 0) db.signalReady(argv.buf, argv.off[1], argv.len[1]);
}

/** ZADD's epilogue (its cleanup label): WATCH and the event when any member was added or updated. */
function zaddChanged(c: CommandClient, argv: Argv, added: number, updated: number, incr: boolean): void {
  if (added + updated > 0) c.db.changed(argv, 1, NOTIFY_ZSET, incr ? 'zincr' : 'zadd');
}

/**
 * Adds key argv[k] (known absent, just looked up) as an empty sorted set: a listpack with
 * `capacity` value bytes (room for what the command adds, so that its inserts write in place), or
 * a skiplist when `skiplist`. Returns the entry.
 */
function createZsetKey(db: Db, argv: Argv, k: number, skiplist: boolean, capacity: number): number {
  if (skiplist) {
    const e = db.addArg(argv, k, 0, 0);
    zsetInitSkiplist(db, e);
    return e;
  }
  const e = db.addArg(argv, k, capacity < ZSET_EMPTY_LISTPACK_BYTES ? ZSET_EMPTY_LISTPACK_BYTES : capacity, ZSET_LISTPACK);
  zsetInitListpack(db, e);
  return e;
}

// ---- ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ------------------------------------------------

// ZREM key member [member ...]
function zremCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.writeArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_ZSET)) return;
  let deleted = 0;
  let removed = false;
  for (let j = 2; j < argv.argc; j++) {
    if (zsetDel(db, e, argv.buf, argv.off[j], argv.len[j])) deleted++;
    if (zsetLength(db, e) === 0) {
      db.delete(e);
      removed = true;
      break;
    }
  }
  if (deleted > 0) {
    db.notifyArg(NOTIFY_ZSET, 'zrem', argv, 1);
    if (removed) db.notifyArg(NOTIFY_GENERIC, 'del', argv, 1);
    db.signalModified(argv.buf, argv.off[1], argv.len[1]);
    c.srv.dirty += deleted;
  }
  c.w.integer(deleted);
}

// ZCARD key
function zcardCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_ZSET)) return;
  c.w.integer(zsetLength(db, e));
}

// ZSCORE key member
function zscoreCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  if (wrongType(c, db, e, OBJ_ZSET)) return;
  const s = zsetScore(db, e, argv.buf, argv.off[2], argv.len[2]);
  if (s !== s) c.w.nullBulk();
  else replyScore(c, s);
}

// ZMSCORE key member [member ...]
function zmscoreCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e >= 0 && wrongType(c, db, e, OBJ_ZSET)) return;
  c.w.arrayHeader(argv.argc - 2);
  for (let j = 2; j < argv.argc; j++) {
    const s = e < 0 ? NaN : zsetScore(db, e, argv.buf, argv.off[j], argv.len[j]);
    if (s !== s) c.w.nullBulk();
    else replyScore(c, s);
  }
}

// ZRANK key member
function zrankCommand(c: CommandClient, argv: Argv): void {
  zrankGenericCommand(c, argv, false);
}

// ZREVRANK key member
function zrevrankCommand(c: CommandClient, argv: Argv): void {
  zrankGenericCommand(c, argv, true);
}

function zrankGenericCommand(c: CommandClient, argv: Argv, reverse: boolean): void {
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  if (wrongType(c, db, e, OBJ_ZSET)) return;
  const r = zsetRank(db, e, argv.buf, argv.off[2], argv.len[2], reverse);
  if (r < 0) c.w.nullBulk();
  else c.w.integer(r);
}

// ---- ZCOUNT ZLEXCOUNT --------------------------------------------------------------------------

const scoreRange: ScoreRange = { min: 0, max: 0, minex: false, maxex: false };

/**
 * Parses one ZRANGEBYSCORE bound (zslParseRange): '(' makes it exclusive, the rest goes through
 * strtod (so "inf", "-inf", "+inf", " 1" and "" are accepted). False when invalid.
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
function parseScoreRange(argv: Argv, minIdx: number, maxIdx: number, r: ScoreRange): boolean {
  return parseScoreBound(argv, minIdx, false, r) && parseScoreBound(argv, maxIdx, true, r);
}

function lexRangeArgs(argv: Argv, minIdx: number, maxIdx: number): LexRange | null {
  return parseLexRange(argv.view(minIdx), argv.view(maxIdx));
}

// ZCOUNT key min max
function zcountCommand(c: CommandClient, argv: Argv): void {
  if (!parseScoreRange(argv, 2, 3, scoreRange)) {
    c.w.error(RANGE_NOT_FLOAT);
    return;
  }
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_ZSET)) return;
  c.w.integer(zsetCountByScore(db, e, scoreRange));
}

// ZLEXCOUNT key min max
function zlexcountCommand(c: CommandClient, argv: Argv): void {
  const range = lexRangeArgs(argv, 2, 3);
  if (range === null) {
    c.w.error(RANGE_NOT_LEX);
    return;
  }
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_ZSET)) return;
  c.w.integer(zsetCountByLex(db, e, range));
}

// ---- ZRANGE family -----------------------------------------------------------------------------

const BY_AUTO = 0;
const BY_RANK = 1;
const BY_SCORE = 2;
const BY_LEX = 3;

const DIR_AUTO = 0;
const DIR_FORWARD = 1;
const DIR_REVERSE = 2;

/* Reply emission state for the range visitor (no closure per command). */
let emitClient: CommandClient | null = null;
let emitScores = false;
let emitPairs = false;

const emitToClient: ElemVisit = (b, o, n, s) => {
  const c = emitClient as CommandClient;
  if (emitPairs) c.w.arrayHeader(2);
  c.w.bulk(b, o, n);
  if (emitScores) replyScore(c, s);
};

const collector = new ZsetCollector();

const emitToCollector: ElemVisit = (b, o, n, s) => {
  collector.push(b, o, n, s);
};

/** Starts a reply of n elements (pairs with WITHSCORES: flat in RESP2, nested in RESP3). */
function beginRangeReply(c: CommandClient, n: number, withscores: boolean): void {
  c.w.arrayHeader(withscores && c.resp === 2 ? n * 2 : n);
  emitClient = c;
  emitScores = withscores;
  emitPairs = withscores && c.resp > 2;
}

/**
 * ZRANGE, ZRANGESTORE and the older ZREVRANGE / Z[REV]RANGEBY{SCORE,LEX} (zrangeGenericCommand).
 * `srcIdx` is the source key's argument; `dstIdx` the destination's for ZRANGESTORE, else -1.
 * The older commands pass a fixed range type and direction, which turns the BYSCORE/BYLEX/REV
 * keywords into syntax errors for them, as in Redis.
 */
function zrangeGenericCommand(c: CommandClient, argv: Argv, srcIdx: number, dstIdx: number, by: number, dir: number): void {
  const store = dstIdx >= 0;
  let minIdx = srcIdx + 1;
  let maxIdx = srcIdx + 2;
  let withscores = false;
  let offset = 0;
  let limit = -1;
  for (let j = srcIdx + 3; j < argv.argc; j++) {
    const left = argv.argc - j - 1;
    if (!store && argv.is(j, 'withscores')) withscores = true;
    else if (argv.is(j, 'limit') && left >= 2) {
      offset = argLong(c, argv, j + 1);
      if (offset !== offset) return;
      limit = argLong(c, argv, j + 2);
      if (limit !== limit) return;
      j += 2;
    } else if (dir === DIR_AUTO && argv.is(j, 'rev')) dir = DIR_REVERSE;
    else if (by === BY_AUTO && argv.is(j, 'bylex')) by = BY_LEX;
    else if (by === BY_AUTO && argv.is(j, 'byscore')) by = BY_SCORE;
    else {
      c.w.error(SYNTAX);
      return;
    }
  }
  if (dir === DIR_AUTO) dir = DIR_FORWARD;
  if (by === BY_AUTO) by = BY_RANK;
  if (limit !== -1 && by === BY_RANK) {
    c.w.error(LIMIT_NEEDS_BY);
    return;
  }
  if (withscores && by === BY_LEX) {
    c.w.error(WITHSCORES_BYLEX);
    return;
  }
  const reverse = dir === DIR_REVERSE;
  if (reverse && by !== BY_RANK) {
    // The range is given as max, min.
    const t = maxIdx;
    maxIdx = minIdx;
    minIdx = t;
  }
  let start = 0;
  let end = 0;
  let lex: LexRange | null = null;
  if (by === BY_RANK) {
    start = argLong(c, argv, minIdx);
    if (start !== start) return;
    end = argLong(c, argv, maxIdx);
    if (end !== end) return;
  } else if (by === BY_SCORE) {
    if (!parseScoreRange(argv, minIdx, maxIdx, scoreRange)) {
      c.w.error(RANGE_NOT_FLOAT);
      return;
    }
  } else {
    lex = lexRangeArgs(argv, minIdx, maxIdx);
    if (lex === null) {
      c.w.error(RANGE_NOT_LEX);
      return;
    }
  }
  const db = c.db;
  const e = db.readArg(argv, srcIdx);
  if (e < 0) {
    if (store) {
      storeEmpty(c, argv, dstIdx);
    } else {
      c.w.arrayHeader(0);
    }
    return;
  }
  if (wrongType(c, db, e, OBJ_ZSET)) return;
  if (store) collector.reset();
  const visit = store ? emitToCollector : emitToClient;
  if (by === BY_RANK) {
    if (clampRank(start, end, zsetLength(db, e))) {
      start = rankRange.start;
      end = rankRange.end;
    } else {
      start = 0;
      end = -1;
    }
    if (!store) beginRangeReply(c, end - start + 1, withscores);
    if (end >= start) zsetRangeByRank(db, e, start, end, reverse, visit);
  } else if (by === BY_SCORE) {
    if (!store) beginRangeReply(c, zsetCountScoreWindow(db, e, scoreRange, offset, limit), withscores);
    zsetRangeByScore(db, e, scoreRange, reverse, offset, limit, visit);
  } else {
    const r = lex as LexRange;
    if (!store) beginRangeReply(c, zsetCountLexWindow(db, e, r, reverse, offset, limit), withscores);
    zsetRangeByLex(db, e, r, reverse, offset, limit, visit);
  }
  emitClient = null;
  if (store) storeCollected(c, argv, dstIdx, collector, reverse, by === BY_RANK);
}

/**
 * ZRANGESTORE's end: stores the collected elements as key argv[k] (deleting it when there are
 * none) and replies the member count (event "zrangestore"); `descending` when they were collected
 * from the highest down, `sizeKnown` when the count was known before collecting (a rank range).
 */
function storeCollected(c: CommandClient, argv: Argv, k: number, col: ZsetCollector, descending: boolean, sizeKnown: boolean): void {
  if (col.count === 0) {
    storeEmpty(c, argv, k);
    return;
  }
  storeZset(c, argv, k, zsetFromCollected(col, descending, sizeKnown, zsetLimitsOf(c), c.db.arena), col.count, 'zrangestore');
}

// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
function zrangeCommand(c: CommandClient, argv: Argv): void {
  zrangeGenericCommand(c, argv, 1, -1, BY_AUTO, DIR_AUTO);
}

// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
function zrangestoreCommand(c: CommandClient, argv: Argv): void {
  zrangeGenericCommand(c, argv, 2, 1, BY_AUTO, DIR_AUTO);
}

// ZREVRANGE key start stop [WITHSCORES]
function zrevrangeCommand(c: CommandClient, argv: Argv): void {
  zrangeGenericCommand(c, argv, 1, -1, BY_RANK, DIR_REVERSE);
}

// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
function zrangebyscoreCommand(c: CommandClient, argv: Argv): void {
  zrangeGenericCommand(c, argv, 1, -1, BY_SCORE, DIR_FORWARD);
}

// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
function zrevrangebyscoreCommand(c: CommandClient, argv: Argv): void {
  zrangeGenericCommand(c, argv, 1, -1, BY_SCORE, DIR_REVERSE);
}

// ZRANGEBYLEX key min max [LIMIT offset count]
function zrangebylexCommand(c: CommandClient, argv: Argv): void {
  zrangeGenericCommand(c, argv, 1, -1, BY_LEX, DIR_FORWARD);
}

// ZREVRANGEBYLEX key max min [LIMIT offset count]
function zrevrangebylexCommand(c: CommandClient, argv: Argv): void {
  zrangeGenericCommand(c, argv, 1, -1, BY_LEX, DIR_REVERSE);
}

// ---- ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX -------------------------------------------

// ZREMRANGEBYRANK key start stop
function zremrangebyrankCommand(c: CommandClient, argv: Argv): void {
  zremrangeGenericCommand(c, argv, BY_RANK);
}

// ZREMRANGEBYSCORE key min max
function zremrangebyscoreCommand(c: CommandClient, argv: Argv): void {
  zremrangeGenericCommand(c, argv, BY_SCORE);
}

// ZREMRANGEBYLEX key min max
function zremrangebylexCommand(c: CommandClient, argv: Argv): void {
  zremrangeGenericCommand(c, argv, BY_LEX);
}

/** zremrangeGenericCommand: parse the range, then delete it; an emptied key goes away. */
function zremrangeGenericCommand(c: CommandClient, argv: Argv, by: number): void {
  let start = 0;
  let end = 0;
  let lex: LexRange | null = null;
  if (by === BY_RANK) {
    start = argLong(c, argv, 2);
    if (start !== start) return;
    end = argLong(c, argv, 3);
    if (end !== end) return;
  } else if (by === BY_SCORE) {
    if (!parseScoreRange(argv, 2, 3, scoreRange)) {
      c.w.error(RANGE_NOT_FLOAT);
      return;
    }
  } else {
    lex = lexRangeArgs(argv, 2, 3);
    if (lex === null) {
      c.w.error(RANGE_NOT_LEX);
      return;
    }
  }
  const db = c.db;
  const e = db.writeArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_ZSET)) return;
  if (by === BY_RANK) {
    if (!clampRank(start, end, zsetLength(db, e))) {
      c.w.integer(0);
      return;
    }
    start = rankRange.start;
    end = rankRange.end;
  }
  const deleted =
    by === BY_RANK
      ? zsetDeleteRangeByRank(db, e, start, end)
      : by === BY_SCORE
        ? zsetDeleteRangeByScore(db, e, scoreRange)
        : zsetDeleteRangeByLex(db, e, lex as LexRange);
  const removed = zsetLength(db, e) === 0;
  if (removed) db.delete(e);
  if (deleted > 0) {
    db.changed(argv, 1, NOTIFY_ZSET, by === BY_RANK ? 'zremrangebyrank' : by === BY_SCORE ? 'zremrangebyscore' : 'zremrangebylex');
    if (removed) db.notifyArg(NOTIFY_GENERIC, 'del', argv, 1);
    c.srv.dirty += deleted;
  }
  c.w.integer(deleted);
}

export const zsetCommands: CommandDef[] = [
  { name: 'zadd', summary: 'Adds members to a sorted set or updates their scores.', handler: zaddCommand },
  { name: 'zincrby', summary: 'Increments the score of a member of a sorted set.', handler: zincrbyCommand },
  { name: 'zrem', summary: 'Removes members from a sorted set.', handler: zremCommand },
  { name: 'zcard', summary: 'Returns the number of members of a sorted set.', handler: zcardCommand },
  { name: 'zscore', summary: 'Returns the score of a member of a sorted set.', handler: zscoreCommand },
  { name: 'zmscore', summary: 'Returns the scores of several members of a sorted set.', handler: zmscoreCommand },
  { name: 'zrank', summary: 'Returns the rank of a member, lowest score first.', handler: zrankCommand },
  { name: 'zrevrank', summary: 'Returns the rank of a member, highest score first.', handler: zrevrankCommand },
  { name: 'zcount', summary: 'Counts the members with a score in a range.', handler: zcountCommand },
  { name: 'zlexcount', summary: 'Counts the members in a lexicographical range.', handler: zlexcountCommand },
  { name: 'zrange', summary: 'Returns members by rank, score or lexicographical range.', handler: zrangeCommand },
  { name: 'zrangestore', summary: 'Stores a range of a sorted set in another key.', handler: zrangestoreCommand },
  { name: 'zrevrange', summary: 'Returns members by rank, highest score first.', handler: zrevrangeCommand },
  { name: 'zrangebyscore', summary: 'Returns members with a score in a range.', handler: zrangebyscoreCommand },
  { name: 'zrevrangebyscore', summary: 'Returns members with a score in a range, highest first.', handler: zrevrangebyscoreCommand },
  { name: 'zrangebylex', summary: 'Returns members in a lexicographical range.', handler: zrangebylexCommand },
  { name: 'zrevrangebylex', summary: 'Returns members in a lexicographical range, in reverse.', handler: zrevrangebylexCommand },
  { name: 'zremrangebyrank', summary: 'Removes the members in a range of ranks.', handler: zremrangebyrankCommand },
  { name: 'zremrangebyscore', summary: 'Removes the members with a score in a range.', handler: zremrangebyscoreCommand },
  { name: 'zremrangebylex', summary: 'Removes the members in a lexicographical range.', handler: zremrangebylexCommand },
  ...zsetSetOpCommands,
  ...zsetPopCommands,
];

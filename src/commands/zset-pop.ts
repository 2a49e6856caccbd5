/*
 * Sorted-set pops and sampling (t_zset.c, db.c): ZPOPMIN ZPOPMAX ZMPOP, the blocking BZPOPMIN
 * BZPOPMAX BZMPOP, ZRANDMEMBER and ZSCAN.
 *
 * A pop of k members writes them from the walk of the lowest (or highest) k ranks and then removes
 * that range in one go (one memmove of the listpack, one rank-range delete of the skiplist), rather
 * than k single deletes; the reply is the same as Redis's one-by-one pop.
 *
 * Blocking pops follow the server's blocking API: parse the arguments and the timeout, serve from
 * the first key that holds a sorted set (WRONGTYPE on the way stops at once, as in Redis), else
 * park the client with blockForKeys; the server runs the same handler again when one of the keys
 * receives members, and replies a null array on timeout.
 *
 * Propagation (what Redis 7.0.15 writes to its AOF, measured): ZPOPMIN/ZPOPMAX as received;
 * ZMPOP and BZMPOP as ZPOPMIN/ZPOPMAX key <members popped>; BZPOPMIN/BZPOPMAX as ZPOPMIN/ZPOPMAX
 * key. A blocked pop served later is written the same way, after the command that served it.
 *
 * ZRANDMEMBER follows 7.0's four cases: a negative count (or 1) samples with repetition; a count
 * at least the size returns the whole set (from the highest down, the order Redis's iterator
 * gives); a count above a third of the size draws the members to keep without repetition from the
 * whole set; a smaller count samples until enough distinct members are found (a listpack returns
 * them in its own order, as lpRandomPairsUnique does).
 */
import { IntList } from '../util/int-list.ts';
import type { Argv } from '../protocol/argv.ts';
import { INVALID_CURSOR, NOT_INTEGER, SYNTAX } from '../protocol/errors.ts';
import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../store/events.ts';
import { OBJ_ZSET } from '../store/keyspace.ts';
import type { Skiplist } from '../store/skiplist.ts';
import { zm, zzlFirst, zzlLength, zzlMember, zzlNext, zzlScore } from '../store/zset-listpack.ts';
import { isListpack, skiplistOf, skiplistScan, zsetDeleteRangeByRank, zsetLength, zsetRangeByRank } from '../store/zset-type.ts';
import { globMatch } from '../util/glob.ts';
import { formatDouble, parseInt64 } from '../util/numbers.ts';
import type { CommandClient } from './context.ts';
import { parseScanCursor, parseScanOptions, scanOptions } from './keys.ts';
import type { CommandDef } from './registry.ts';
import { argLong, wrongType } from './util.ts';
import { replyScore } from './zset-setops.ts';

const NOT_POSITIVE = 'ERR value is out of range, must be positive';
const NUMKEYS_POSITIVE = 'ERR numkeys should be greater than 0';
const COUNT_POSITIVE = 'ERR count should be greater than 0';
const RANDMEMBER_RANGE = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';
const OUT_OF_RANGE = 'ERR value is out of range';

/** LONG_MAX / 2: ZRANDMEMBER's bound on a count WITHSCORES (the reply length would overflow). */
const HALF_LONG_MAX = 4611686018427387903n;

// ---- pops --------------------------------------------------------------------------------------

/**
 * The shared pop (genericZpopCommand): pops from the first of the keys argv[first..first+n) that
 * holds a sorted set. `count` -1 is a plain single pop. Reply shapes: flat pairs (ZPOPMIN in RESP2
 * or without COUNT), nested pairs (`nested`), with the key in front (`emitKey`: BZPOP* flat,
 * Z/BZMPOP nested under [key, pairs]). Nothing to pop: an empty array, or a null array with
 * `nilWhenEmpty` (ZMPOP). `emitKey` is also what tells the commands Redis propagates as a
 * ZPOPMIN/ZPOPMAX apart: with the number popped (ZMPOP, BZMPOP), or without a count when `count`
 * is -1 (BZPOPMIN, BZPOPMAX).
 */
function genericZpop(
  c: CommandClient, argv: Argv, first: number, n: number, max: boolean, emitKey: boolean, count: number, nested: boolean, nilWhenEmpty: boolean,
): void {
  const db = c.db;
  let e = -1;
  let k = -1;
  for (let i = 0; i < n; i++) {
    e = db.writeArg(argv, first + i);
    if (e < 0) continue;
    if (wrongType(c, db, e, OBJ_ZSET)) return;
    k = first + i;
    break;
  }
  const w = c.w;
  if (e < 0) {
    if (nilWhenEmpty) w.nullArray();
    else w.arrayHeader(0);
    return;
  }
  if (count === 0) {
    w.arrayHeader(0);
    return;
  }
  const plain = count === -1;
  if (plain) count = 1;
  const len = zsetLength(db, e);
  const take = count > len ? len : count;
  if (!nested && !emitKey) w.arrayHeader(take * 2);
  else if (nested && !emitKey) w.arrayHeader(take);
  else if (!nested && emitKey) {
    w.arrayHeader(take * 2 + 1);
    w.bulk(argv.buf, argv.off[k], argv.len[k]);
  } else {
    w.arrayHeader(2);
    w.bulk(argv.buf, argv.off[k], argv.len[k]);
    w.arrayHeader(take);
  }
  zsetRangeByRank(db, e, 0, take - 1, max, (b, o, len2, s) => {
    if (nested) w.arrayHeader(2);
    w.bulk(b, o, len2);
    replyScore(c, s);
  });
  // Redis pops one at a time: one change per member, the event once, "del" if the set is gone.
  const srv = c.srv;
  srv.dirty += take;
  if (emitKey && srv.propagating) {
    const name = max ? 'ZPOPMAX' : 'ZPOPMIN';
    srv.rewriteCommand(plain ? [name, argv.view(k)] : [name, argv.view(k), String(take)]);
  }
  db.notifyArg(NOTIFY_ZSET, max ? 'zpopmax' : 'zpopmin', argv, k);
  if (take === len) {
    db.delete(e);
    db.notifyArg(NOTIFY_GENERIC, 'del', argv, k);
    db.signalModified(argv.buf, argv.off[k], argv.len[k]);
    return;
  }
  db.signalModified(argv.buf, argv.off[k], argv.len[k]);
  if (max) zsetDeleteRangeByRank(db, e, len - take, len - 1);
  else zsetDeleteRangeByRank(db, e, 0, take - 1);
}

// ZPOPMIN key [count]
function zpopminCommand(c: CommandClient, argv: Argv): void {
  zpopMinMaxCommand(c, argv, false);
}

// ZPOPMAX key [count]
function zpopmaxCommand(c: CommandClient, argv: Argv): void {
  zpopMinMaxCommand(c, argv, true);
}

function zpopMinMaxCommand(c: CommandClient, argv: Argv, max: boolean): void {
  if (argv.argc > 3) {
    c.w.error(SYNTAX);
    return;
  }
  let count = -1;
  if (argv.argc === 3) {
    count = argLong(c, argv, 2, NOT_POSITIVE, 0);
    if (count !== count) return;
  }
  genericZpop(c, argv, 1, 1, max, false, count, c.resp > 2 && count !== -1, false);
}

/**
 * The blocking pops (blockingGenericZpopCommand): serve from the first key holding members, or
 * block. `timeoutIdx` is the timeout argument.
 */
function blockingZpop(
  c: CommandClient, argv: Argv, first: number, n: number, max: boolean, timeoutIdx: number, count: number, nested: boolean, nilWhenEmpty: boolean,
): void {
  const timeout = c.srv.blockTimeout(c, argv, timeoutIdx);
  if (timeout < 0) return;
  const db = c.db;
  for (let i = 0; i < n; i++) {
    const e = db.writeArg(argv, first + i);
    if (e < 0) continue;
    if (wrongType(c, db, e, OBJ_ZSET)) return;
    if (zsetLength(db, e) === 0) continue;
    genericZpop(c, argv, first + i, 1, max, true, count, nested, nilWhenEmpty);
    return;
  }
  const keys: number[] = [];
  for (let i = 0; i < n; i++) keys.push(first + i);
  c.srv.blockForKeys(c, argv, keys, timeout, OBJ_ZSET);
}

// BZPOPMIN key [key ...] timeout
function bzpopminCommand(c: CommandClient, argv: Argv): void {
  blockingZpop(c, argv, 1, argv.argc - 2, false, argv.argc - 1, -1, false, false);
}

// BZPOPMAX key [key ...] timeout
function bzpopmaxCommand(c: CommandClient, argv: Argv): void {
  blockingZpop(c, argv, 1, argv.argc - 2, true, argv.argc - 1, -1, false, false);
}

/** ZMPOP and BZMPOP (zmpopGenericCommand): numkeys, keys, MIN|MAX, [COUNT count]. */
function zmpopGenericCommand(c: CommandClient, argv: Argv, numkeysIdx: number, blocking: boolean): void {
  const numkeys = argLong(c, argv, numkeysIdx, NUMKEYS_POSITIVE, 1);
  if (numkeys !== numkeys) return;
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.argc) {
    c.w.error(SYNTAX);
    return;
  }
  let max: boolean;
  if (argv.is(whereIdx, 'min')) max = false;
  else if (argv.is(whereIdx, 'max')) max = true;
  else {
    c.w.error(SYNTAX);
    return;
  }
  let count = -1;
  for (let j = whereIdx + 1; j < argv.argc; j++) {
    const more = argv.argc - 1 - j;
    if (count === -1 && argv.is(j, 'count') && more > 0) {
      j++;
      count = argLong(c, argv, j, COUNT_POSITIVE, 1);
      if (count !== count) return;
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }
  if (count === -1) count = 1;
  if (blocking) blockingZpop(c, argv, numkeysIdx + 1, numkeys, max, 1, count, true, true);
  else genericZpop(c, argv, numkeysIdx + 1, numkeys, max, true, count, true, true);
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
function zmpopCommand(c: CommandClient, argv: Argv): void {
  zmpopGenericCommand(c, argv, 1, false);
}

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
function bzmpopCommand(c: CommandClient, argv: Argv): void {
  zmpopGenericCommand(c, argv, 2, true);
}

// ---- ZRANDMEMBER -------------------------------------------------------------------------------

/** Member offsets of a listpack, for O(1) picks by index. */
let lpOffsets = new Int32Array(256);

function collectOffsets(lp: Uint8Array, n: number): Int32Array {
  if (lpOffsets.length < n) lpOffsets = new Int32Array(Math.max(n, lpOffsets.length * 2));
  const offs = lpOffsets;
  let i = 0;
  for (let p = zzlFirst(lp); p >= 0; p = zzlNext(lp, p)) offs[i++] = p;
  return offs;
}

/** Writes one element of a ZRANDMEMBER reply ([member, score] pairs in RESP3 WITHSCORES). */
function replyElement(c: CommandClient, b: Uint8Array, o: number, n: number, score: number, withscores: boolean): void {
  if (withscores && c.resp > 2) c.w.arrayHeader(2);
  c.w.bulk(b, o, n);
  if (withscores) replyScore(c, score);
}

function replyListpackMember(c: CommandClient, lp: Uint8Array, p: number, withscores: boolean): void {
  const s = withscores ? zzlScore(lp, p) : 0;
  zzlMember(lp, p);
  replyElement(c, zm.buf, zm.off, zm.len, s, withscores);
}

function replyNode(c: CommandClient, sl: Skiplist, x: number, withscores: boolean): void {
  replyElement(c, sl.u8, sl.memberOff(x), sl.memberLen(x), sl.score(x), withscores);
}

// ZRANDMEMBER key [count [WITHSCORES]]
function zrandmemberCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  if (argv.argc >= 3) {
    const v = parseInt64(argv.buf, argv.off[2], argv.len[2]);
    if (v === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    if (typeof v === 'bigint' && v < -9223372036854775807n) {
      c.w.error(RANDMEMBER_RANGE);
      return;
    }
    if (argv.argc > 4 || (argv.argc === 4 && !argv.is(3, 'withscores'))) {
      c.w.error(SYNTAX);
      return;
    }
    const withscores = argv.argc === 4;
    if (withscores && typeof v === 'bigint' && (v < -HALF_LONG_MAX || v > HALF_LONG_MAX)) {
      c.w.error(OUT_OF_RANGE);
      return;
    }
    zrandmemberWithCount(c, argv, Number(v), withscores);
    return;
  }
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  if (wrongType(c, db, e, OBJ_ZSET)) return;
  if (isListpack(db, e)) {
    const lp = db.valView(e);
    const offs = collectOffsets(lp, zzlLength(lp));
    replyListpackMember(c, lp, offs[Math.floor(Math.random() * zzlLength(lp))], false);
  } else {
    replyNode(c, skiplistOf(db, e), skiplistOf(db, e).randomNode(), false);
  }
}

function zrandmemberWithCount(c: CommandClient, argv: Argv, l: number, withscores: boolean): void {
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.arrayHeader(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_ZSET)) return;
  const size = zsetLength(db, e);
  const uniq = l >= 0;
  const count = uniq ? l : -l;
  const w = c.w;
  if (count === 0) {
    w.arrayHeader(0);
    return;
  }
  const lp = isListpack(db, e) ? db.valView(e) : null;
  const sl = lp === null ? skiplistOf(db, e) : null;
  const offs = lp !== null ? collectOffsets(lp, size) : lpOffsets;

  // Case 1: with repetition (negative count), or a single member.
  if (!uniq || count === 1) {
    w.arrayHeader(withscores && c.resp === 2 ? count * 2 : count);
    for (let i = 0; i < count; i++) {
      if (lp !== null) replyListpackMember(c, lp, offs[Math.floor(Math.random() * size)], withscores);
      else replyNode(c, sl as Skiplist, (sl as Skiplist).randomNode(), withscores);
    }
    return;
  }
  const n = count < size ? count : size;
  w.arrayHeader(withscores && c.resp === 2 ? n * 2 : n);

  // Case 2: the whole set, from the highest down.
  if (count >= size) {
    zsetRangeByRank(db, e, 0, size - 1, true, (b, o, len, s) => replyElement(c, b, o, len, s, withscores));
    return;
  }

  // Case 3: more than a third of the set: draw `count` distinct ranks (a partial shuffle).
  if (count * 3 > size) {
    const idx = new Int32Array(size);
    for (let i = 0; i < size; i++) idx[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (size - i));
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    for (let i = 0; i < count; i++) {
      if (lp !== null) replyListpackMember(c, lp, offs[idx[i]], withscores);
      else replyNode(c, sl as Skiplist, (sl as Skiplist).nodeByRank(idx[i]), withscores);
    }
    return;
  }

  // Case 4: a small sample of a big set.
  if (lp !== null) {
    // Selection sampling: each member is kept with probability needed / left, so the picks come
    // out in listpack order.
    let needed = count;
    for (let i = 0; i < size && needed > 0; i++) {
      if (Math.random() * (size - i) < needed) {
        replyListpackMember(c, lp, offs[i], withscores);
        needed--;
      }
    }
    return;
  }
  const seen = new Set<number>();
  const s = sl as Skiplist;
  while (seen.size < count) {
    const x = s.randomNode();
    if (seen.has(x)) continue;
    seen.add(x);
    replyNode(c, s, x, withscores);
  }
}

// ---- ZSCAN -------------------------------------------------------------------------------------

const scanNodes = new IntList();

// ZSCAN key cursor [MATCH pattern] [COUNT count]
function zscanCommand(c: CommandClient, argv: Argv): void {
  let cursor = parseScanCursor(argv.buf, argv.off[2], argv.len[2]);
  if (cursor < 0) {
    c.w.error(INVALID_CURSOR);
    return;
  }
  const db = c.db;
  const e = db.readArg(argv, 1);
  const w = c.w;
  if (e < 0) {
    w.arrayHeader(2);
    w.bulkString('0');
    w.arrayHeader(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_ZSET)) return;
  if (!parseScanOptions(c, argv, 3, false)) return;
  const pat = scanOptions.pattern;
  const pb = argv.buf;
  const usePattern = pat >= 0 && !(argv.len[pat] === 1 && pb[argv.off[pat]] === 0x2a);
  const po = pat >= 0 ? argv.off[pat] : 0;
  const pn = pat >= 0 ? argv.len[pat] : 0;
  if (isListpack(db, e)) {
    // A listpack is returned whole in one call, cursor 0 (its members have no buckets).
    const lp = db.valView(e);
    const offs = collectOffsets(lp, zzlLength(lp));
    const n = zzlLength(lp);
    let kept = 0;
    for (let i = 0; i < n; i++) {
      zzlMember(lp, offs[i]);
      if (usePattern && !globMatch(pb, po, pn, zm.buf, zm.off, zm.len, false)) offs[i] = -1;
      else kept++;
    }
    w.arrayHeader(2);
    w.bulkString('0');
    w.arrayHeader(kept * 2);
    for (let i = 0; i < n; i++) {
      if (offs[i] < 0) continue;
      const s = zzlScore(lp, offs[i]);
      zzlMember(lp, offs[i]);
      w.bulk(zm.buf, zm.off, zm.len);
      w.bulkString(formatDouble(s));
    }
    return;
  }
  const sl = skiplistOf(db, e);
  scanNodes.clear();
  cursor = skiplistScan(sl, cursor, scanOptions.count, scanNodes);
  const u8 = sl.u8;
  let kept = 0;
  for (let i = 0; i < scanNodes.length; i++) {
    const x = scanNodes.items[i];
    if (usePattern && !globMatch(pb, po, pn, u8, sl.memberOff(x), sl.memberLen(x), false)) scanNodes.items[i] = 0;
    else kept++;
  }
  w.arrayHeader(2);
  w.bulkString(String(cursor));
  w.arrayHeader(kept * 2);
  for (let i = 0; i < scanNodes.length; i++) {
    const x = scanNodes.items[i];
    if (x === 0) continue;
    w.bulk(u8, sl.memberOff(x), sl.memberLen(x));
    w.bulkString(formatDouble(sl.score(x)));
  }
}

export const zsetPopCommands: CommandDef[] = [
  { name: 'zpopmin', summary: 'Removes and returns the members with the lowest scores.', handler: zpopminCommand },
  { name: 'zpopmax', summary: 'Removes and returns the members with the highest scores.', handler: zpopmaxCommand },
  { name: 'bzpopmin', summary: 'Pops the lowest-scored member of the first non-empty sorted set, or blocks.', handler: bzpopminCommand },
  { name: 'bzpopmax', summary: 'Pops the highest-scored member of the first non-empty sorted set, or blocks.', handler: bzpopmaxCommand },
  { name: 'zmpop', summary: 'Pops members from the first non-empty sorted set of several.', handler: zmpopCommand },
  { name: 'bzmpop', summary: 'Pops members from the first non-empty sorted set of several, or blocks.', handler: bzmpopCommand },
  { name: 'zrandmember', summary: 'Returns random members of a sorted set.', handler: zrandmemberCommand },
  { name: 'zscan', summary: 'Iterates over the members and scores of a sorted set.', handler: zscanCommand },
];

/*
 * List commands (t_list.c). Every list is a Quicklist (src/store/quicklist.ts), encoding
 * "quicklist" from the first element, as in Redis 7.0. The list keeps the list-max-listpack-size
 * and list-compress-depth in force when it was created (CONFIG SET changes only lists created
 * afterwards, as in Redis).
 *
 * Where it lives: src/store/list-type.ts holds the type code. A small list under the default fill
 * and depth is its one node's listpack as bytes in the key's record, any other list a Quicklist
 * object; listOf() opens both as a Quicklist, and every write here ends with finish() (which
 * deletes an emptied key) or listCommit().
 *
 * Replies are written straight from the node listpacks: an iterator exposes each element as an
 * integer or as (offset, length) inside its node, and the reply writer copies those bytes, so
 * LRANGE allocates nothing per element. A list that becomes empty is deleted, as in Redis.
 *
 * Commands that add elements (pushes, LINSERT, the LMOVE destination, SORT ... STORE through
 * storeList) call signalKeyReady so that clients blocked on the key are served after the command.
 * The blocking commands try to serve themselves first and otherwise park the client with
 * blockForKeys; the server runs the same handler again when a key gets data.
 *
 * Change tracking follows t_list.c call for call: a write that changed the list breaks WATCHes on
 * the key (signalModifiedKey), publishes its list event ("lpush", "lpop", "ltrim", ...) and, when
 * the list emptied and its key went away, a generic "del"; server.dirty grows by the elements
 * pushed, popped or removed (one per LINSERT/LSET/LMOVE). No-op writes report nothing, except
 * LTRIM on an existing list, which Redis always reports. A blocked client that is served later
 * runs its handler again here; 7.0 served it from blocked.c instead, which reports less (see
 * popped() and lmoveGeneric), so handlers tell the two apart by c.blockState.
 *
 * Propagation (what AOF and replicas get) follows 7.0: BLPOP/BRPOP become LPOP/RPOP key; LMPOP and
 * BLMPOP become LPOP/RPOP key count with the count actually popped; BLMOVE/BRPOPLPUSH become
 * LMOVE/RPOPLPUSH (served at once: the arguments as received; served later: what blocked.c adds,
 * the ends spelled "left"/"right"). A client served later counts no change for BLPOP/BRPOP/BLMOVE
 * (see above), so those add their op with alsoPropagate; everything else is propagated as received.
 *
 * Argument checks happen in Redis's order (some commands parse their numbers before looking the
 * key up, others after), because that order decides which error a bad call gets.
 */
import type { Argv } from '../protocol/argv.ts';
import { NOT_INTEGER, NO_SUCH_KEY, SYNTAX, wrongArity } from '../protocol/errors.ts';
import { NOTIFY_GENERIC, NOTIFY_LIST } from '../store/events.ts';
import { OBJ_LIST } from '../store/keyspace.ts';
import {
  held, listCommit, listDup, listInit, listIsPacked, listMove, listOf, listPushAll, listRecordLength, listTypeEnc,
  releaseHeld, type ListReader,
} from '../store/list-type.ts';
import { QlMatch, type Quicklist, QuicklistIter } from '../store/quicklist.ts';
import { LP_EOF, LP_HDR_SIZE, lpGet } from '../store/listpack.ts';
import { formatInt64 } from '../util/numbers.ts';
import type { CommandClient, PropArg } from './context.ts';
import { registerDuplicator } from './keys.ts';
import type { CommandDef } from './registry.ts';
import { clampRank, rankRange, wrongType } from './util.ts';

// ---- error texts (Redis 7.0.15) ----------------------------------------------------------------

const MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
const INDEX_OUT_OF_RANGE = 'ERR index out of range';
const RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
const COUNT_NEGATIVE = "ERR COUNT can't be negative";
const MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";
const NUMKEYS_NOT_POSITIVE = 'ERR numkeys should be greater than 0';
const COUNT_NOT_POSITIVE = 'ERR count should be greater than 0';

const LONG_MIN = -9223372036854775808;

// ---- shared state (commands run one at a time) -------------------------------------------------

const iter = new QuicklistIter();
const match = new QlMatch();
const digits = new Uint8Array(24);
const lposMatches: number[] = [];

// ---- helpers ----------------------------------------------------------------------------------

/**
 * Ends a write to list ql at entry e: deletes the key when the list is empty (and returns true),
 * else listCommit().
 */
function finish(c: CommandClient, e: number, ql: Quicklist): boolean {
  if (ql.count === 0) {
    c.db.delete(e);
    return true;
  }
  listCommit(c.db, e, ql);
  return false;
}

/**
 * Reports `count` elements popped from key argv[k] (listElementsRemoved): the "lpop"/"rpop"
 * event, "del" when the key went away, the WATCH touch and the dirty count. A blocked BLPOP/BRPOP
 * being served (`served`) reports only the events: 7.0's serveClientBlockedOnList neither touches
 * the key again (the push that woke it did) nor counts the pop as a change.
 */
function popped(c: CommandClient, argv: Argv, k: number, atHead: boolean, count: number, deleted: boolean, served: boolean): void {
  const db = c.db;
  db.notifyArg(NOTIFY_LIST, atHead ? 'lpop' : 'rpop', argv, k);
  if (deleted) db.notifyArg(NOTIFY_GENERIC, 'del', argv, k);
  if (served) return;
  db.signalModified(argv.buf, argv.off[k], argv.len[k]);
  c.srv.dirty += count;
}

/**
 * Gives key argv[k] a new empty list and returns its entry: `prev` is the entry a lookup of
 * argv[k] just found (replaced as Redis's setKey does: no "new" event, TTL dropped), or -1 for a
 * new key. Open it with listOf, and listCommit once it has elements. Fill and depth come from the
 * configs in force now: the defaults give a byte-stored list, anything else a Quicklist object.
 */
function createList(c: CommandClient, argv: Argv, k: number, prev = -1): number {
  const db = c.db;
  const cfg = c.srv.config.values;
  const fill = cfg['list-max-listpack-size'];
  const compress = cfg['list-compress-depth'];
  const packed = listIsPacked(fill, compress);
  const e = db.setKeyArg(prev, argv, k, listRecordLength(argv.len[k], packed), listTypeEnc(packed), false);
  listInit(db, e, fill, compress);
  return e;
}

function signalReady(c: CommandClient, argv: Argv, k: number): void {
  c.db.signalReady(argv.buf, argv.off[k], argv.len[k]);
}

/** Argument i's bytes (a view: the propagation slot copies what it keeps). */
function argBytes(argv: Argv, i: number): Uint8Array {
  return argv.buf.subarray(argv.off[i], argv.off[i] + argv.len[i]);
}

/**
 * Propagates `args` for this command: as its rewrite, or for a blocked client served later (whose
 * re-run counts no change) as an op of its own, as 7.0's blocked.c does with alsoPropagate.
 */
function propagateAs(c: CommandClient, args: PropArg[], served: boolean): void {
  if (served) c.srv.alsoPropagate(c.dbIndex, args);
  else c.srv.rewriteCommand(args);
}

/**
 * Writes the element the iterator holds as a bulk string (integers as decimal text), straight
 * from the node's listpack bytes (LRANGE's inner loop: no copy, no allocation).
 */
function replyElement(c: CommandClient, it: QuicklistIter): void {
  const e = it.e;
  let src: Uint8Array;
  let o: number;
  let n: number;
  if (e.isInt) {
    src = digits;
    o = 0;
    n = formatInt64(e.int, digits, 0);
  } else {
    src = it.lp;
    o = e.strOff;
    n = e.strLen;
  }
  c.w.bulk(src, o, n);
}

/**
 * addListRangeReply: elements start..end (negative from the tail, clamped) as an array, or in
 * reverse order (end down to start) when `reverse`.
 */
function replyRange(c: CommandClient, ql: Quicklist, start: number, end: number, reverse: boolean): void {
  if (!clampRank(start, end, ql.count)) {
    c.w.arrayHeader(0);
    return;
  }
  start = rankRange.start;
  end = rankRange.end;
  let n = end - start + 1;
  c.w.arrayHeader(n);
  const it = ql.iteratorAt(reverse ? end : start, !reverse, iter) as QuicklistIter;
  if (!reverse && ql.compress === 0) {
    replyForward(c, it, n);
    return;
  }
  while (n-- > 0) {
    it.next();
    replyElement(c, it);
  }
  it.release();
}

/*
 * The forward range of an uncompressed list (LRANGE's common case), walked node by node over the
 * listpack bytes: a short string entry (the usual element) is written as a bulk straight from its
 * bytes, with no iterator step or entry decode per element; other entries are decoded as usual.
 */
function replyForward(c: CommandClient, it: QuicklistIter, n: number): void {
  const w = c.w;
  it.next(); // positions on the first element (seek within its node)
  let node = it.node;
  let lp = it.lp;
  let q = it.p;
  it.release();
  const e = it.e;
  while (node !== null) {
    while (n > 0) {
      const b = lp[q];
      if (b >= 0x80 && b < 0xc0) {
        // 6-bit string: 1 byte of encoding, the bytes, 1 byte of backlen (entry <= 64 bytes).
        const len = b & 0x3f;
        w.bulk(lp, q + 1, len);
        q += len + 2;
      } else if (b === LP_EOF) {
        break;
      } else {
        lpGet(lp, q, e);
        if (e.isInt) w.bulk(digits, 0, formatInt64(e.int, digits, 0));
        else w.bulk(lp, e.strOff, e.strLen);
        q += e.size;
      }
      n--;
    }
    if (n === 0) return;
    node = node.next;
    if (node === null) return;
    lp = node.raw();
    q = LP_HDR_SIZE;
  }
}

/**
 * Pops up to `count` elements from one end of the list ql at key argv[k] and replies
 * [key, [elements]] (listPopRangeAndReplyWithKey), deleting the key when it empties.
 */
function popRangeWithKey(c: CommandClient, argv: Argv, k: number, e: number, ql: Quicklist, atHead: boolean, count: number): void {
  const llen = ql.count;
  const n = count > llen ? llen : count;
  c.w.arrayHeader(2);
  c.w.bulk(argv.buf, argv.off[k], argv.len[k]);
  if (atHead) {
    replyRange(c, ql, 0, n - 1, false);
    ql.delRange(0, n);
  } else {
    replyRange(c, ql, -n, -1, true);
    ql.delRange(-n, n);
  }
  // Replicated as [LR]POP key count (served at once or later alike: both count as a change).
  if (c.srv.propagating) c.srv.rewriteCommand([atHead ? 'LPOP' : 'RPOP', argBytes(argv, k), String(n)]);
  popped(c, argv, k, atHead, n, finish(c, e, ql), false);
}

/** LEFT / RIGHT (getListPositionFromObjectOrReply): 1 head, 0 tail, -1 after a syntax error. */
function listPosition(c: CommandClient, argv: Argv, i: number): number {
  if (argv.is(i, 'left')) return 1;
  if (argv.is(i, 'right')) return 0;
  c.w.error(SYNTAX);
  return -1;
}

/**
 * A long argument in [min, max] (getRangeLongFromObjectOrReply with a message): NaN after
 * replying `err` (which is also the reply for a non-integer).
 */
function argRange(c: CommandClient, argv: Argv, i: number, min: number, max: number, err: string): number {
  const v = argv.int(i);
  if (Number.isNaN(v) || v < min || v > max) {
    c.w.error(err);
    return NaN;
  }
  return v;
}

/** A long argument (getLongFromObjectOrReply): NaN after replying NOT_INTEGER. */
function argLongOrReply(c: CommandClient, argv: Argv, i: number): number {
  const v = argv.int(i);
  if (Number.isNaN(v)) c.w.error(NOT_INTEGER);
  return v;
}

// ---- push --------------------------------------------------------------------------------------

/** LPUSH/RPUSH/LPUSHX/RPUSHX (pushGenericCommand); `xx`: only when the key exists. */
function pushGeneric(c: CommandClient, argv: Argv, atHead: boolean, xx: boolean): void {
  const db = c.db;
  let e = db.writeArg(argv, 1);
  if (e >= 0) {
    if (wrongType(c, db, e, OBJ_LIST)) return;
  } else {
    if (xx) {
      c.w.integer(0);
      return;
    }
    e = createList(c, argv, 1);
  }
  const ql = listOf(db, e);
  const buf = argv.buf;
  if (atHead) for (let j = 2; j < argv.argc; j++) ql.pushHead(buf, argv.off[j], argv.len[j]);
  else for (let j = 2; j < argv.argc; j++) ql.pushTail(buf, argv.off[j], argv.len[j]);
  c.w.integer(ql.count);
  listCommit(db, e, ql);
  signalReady(c, argv, 1);
  db.changed(argv, 1, NOTIFY_LIST, atHead ? 'lpush' : 'rpush');
  c.srv.dirty += argv.argc - 2;
}

// LPUSH key element [element ...]
function lpushCommand(c: CommandClient, argv: Argv): void {
  pushGeneric(c, argv, true, false);
}

// RPUSH key element [element ...]
function rpushCommand(c: CommandClient, argv: Argv): void {
  pushGeneric(c, argv, false, false);
}

// LPUSHX key element [element ...]
function lpushxCommand(c: CommandClient, argv: Argv): void {
  pushGeneric(c, argv, true, true);
}

// RPUSHX key element [element ...]
function rpushxCommand(c: CommandClient, argv: Argv): void {
  pushGeneric(c, argv, false, true);
}

// LINSERT key BEFORE|AFTER pivot element
function linsertCommand(c: CommandClient, argv: Argv): void {
  let after: boolean;
  if (argv.is(2, 'after')) after = true;
  else if (argv.is(2, 'before')) after = false;
  else {
    c.w.error(SYNTAX);
    return;
  }
  const db = c.db;
  const e = db.writeArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_LIST)) return;
  const ql = listOf(db, e);
  match.set(argv.buf, argv.off[3], argv.len[3]);
  const it = ql.iterator(true, iter);
  let inserted = false;
  while (it.next()) {
    if (it.matches(match)) {
      ql.insert(it, argv.buf, argv.off[4], argv.len[4], after);
      inserted = true;
      break;
    }
  }
  it.release();
  if (!inserted) {
    c.w.integer(-1);
    return;
  }
  c.w.integer(ql.count);
  listCommit(db, e, ql);
  signalReady(c, argv, 1);
  db.changed(argv, 1, NOTIFY_LIST, 'linsert');
  c.srv.dirty++;
}

// ---- read --------------------------------------------------------------------------------------

// LLEN key
function llenCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_LIST)) return;
  c.w.integer(listOf(db, e).count);
}

// LINDEX key index
function lindexCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  if (wrongType(c, db, e, OBJ_LIST)) return;
  const index = argLongOrReply(c, argv, 2);
  if (Number.isNaN(index)) return;
  const ql = listOf(db, e);
  if (ql.index(index, iter)) {
    replyElement(c, iter);
    iter.release();
  } else {
    c.w.nullBulk();
  }
}

// LRANGE key start stop
function lrangeCommand(c: CommandClient, argv: Argv): void {
  const start = argLongOrReply(c, argv, 2);
  if (Number.isNaN(start)) return;
  const end = argLongOrReply(c, argv, 3);
  if (Number.isNaN(end)) return;
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.arrayHeader(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_LIST)) return;
  replyRange(c, listOf(db, e), start, end, false);
}

/*
 * LPOS: a linear scan from the head (positive RANK) or the tail (negative RANK). The RANK-th match
 * is the first one reported; COUNT reports up to that many matches from there (0: all), MAXLEN
 * bounds the number of elements compared. Reported positions are always from the head. Matches
 * are collected before the array header is written (Redis defers the length instead).
 */
// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
function lposCommand(c: CommandClient, argv: Argv): void {
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.argc; j++) {
    const more = j < argv.argc - 1;
    if (argv.is(j, 'rank') && more) {
      j++;
      rank = argLongOrReply(c, argv, j);
      if (Number.isNaN(rank)) return;
      if (rank === 0) {
        c.w.error(RANK_ZERO);
        return;
      }
    } else if (argv.is(j, 'count') && more) {
      j++;
      count = argRange(c, argv, j, 0, Infinity, COUNT_NEGATIVE);
      if (Number.isNaN(count)) return;
    } else if (argv.is(j, 'maxlen') && more) {
      j++;
      maxlen = argRange(c, argv, j, 0, Infinity, MAXLEN_NEGATIVE);
      if (Number.isNaN(maxlen)) return;
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }
  // RANK LONG_MIN stays negative when negated in C: every match then qualifies and a COUNT
  // never completes (the bound check overflows). Kept for identical replies.
  const anyRank = rank === LONG_MIN;
  let forward = true;
  if (rank < 0) {
    rank = -rank;
    forward = false;
  }
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    if (count !== -1) c.w.arrayHeader(0);
    else c.w.nullBulk();
    return;
  }
  if (wrongType(c, db, e, OBJ_LIST)) return;
  const ql = listOf(db, e);
  match.set(argv.buf, argv.off[2], argv.len[2]);
  const llen = ql.count;
  const it = ql.iteratorAt(forward ? 0 : -1, forward, iter);
  let index = 0;
  let matches = 0;
  let matchIndex = -1;
  lposMatches.length = 0;
  if (it !== null) {
    while (it.next() && (maxlen === 0 || index < maxlen)) {
      if (it.matches(match)) {
        matches++;
        matchIndex = forward ? index : llen - index - 1;
        if (anyRank || matches >= rank) {
          if (count === -1) break;
          lposMatches.push(matchIndex);
          if (count !== 0 && !anyRank && matches - rank + 1 >= count) break;
        }
      }
      index++;
      matchIndex = -1;
    }
    it.release();
  }
  if (count !== -1) {
    c.w.arrayHeader(lposMatches.length);
    for (let i = 0; i < lposMatches.length; i++) c.w.integer(lposMatches[i]!);
    lposMatches.length = 0;
  } else if (matchIndex !== -1) {
    c.w.integer(matchIndex);
  } else {
    c.w.nullBulk();
  }
}

// ---- modify ------------------------------------------------------------------------------------

// LSET key index element
function lsetCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.writeArg(argv, 1);
  if (e < 0) {
    c.w.error(NO_SUCH_KEY);
    return;
  }
  if (wrongType(c, db, e, OBJ_LIST)) return;
  const index = argLongOrReply(c, argv, 2);
  if (Number.isNaN(index)) return;
  const ql = listOf(db, e);
  if (ql.replaceAtIndex(index, argv.buf, argv.off[3], argv.len[3], iter)) {
    listCommit(db, e, ql);
    c.w.ok();
    db.changed(argv, 1, NOTIFY_LIST, 'lset');
    c.srv.dirty++;
  } else {
    c.w.error(INDEX_OUT_OF_RANGE);
  }
}

/** LPOP/RPOP (popGenericCommand): one element as a bulk string, or with a count an array. */
function popGeneric(c: CommandClient, argv: Argv, atHead: boolean): void {
  const hasCount = argv.argc === 3;
  let count = 0;
  if (argv.argc > 3) {
    c.w.error(wrongArity(atHead ? 'lpop' : 'rpop'));
    return;
  }
  if (hasCount) {
    count = argRange(c, argv, 2, 0, Infinity, MUST_BE_POSITIVE);
    if (Number.isNaN(count)) return;
  }
  const db = c.db;
  const e = db.writeArg(argv, 1);
  if (e < 0) {
    if (hasCount) c.w.nullArray();
    else c.w.nullBulk();
    return;
  }
  if (wrongType(c, db, e, OBJ_LIST)) return;
  if (hasCount && count === 0) {
    c.w.arrayHeader(0);
    return;
  }
  const ql = listOf(db, e);
  let n = 1;
  if (!hasCount) {
    ql.peek(atHead, iter);
    replyElement(c, iter);
    ql.popDiscard(atHead);
  } else {
    const llen = ql.count;
    n = count > llen ? llen : count;
    if (atHead) {
      replyRange(c, ql, 0, n - 1, false);
      ql.delRange(0, n);
    } else {
      replyRange(c, ql, -n, -1, true);
      ql.delRange(-n, n);
    }
  }
  popped(c, argv, 1, atHead, n, finish(c, e, ql), false);
}

// LPOP key [count]
function lpopCommand(c: CommandClient, argv: Argv): void {
  popGeneric(c, argv, true);
}

// RPOP key [count]
function rpopCommand(c: CommandClient, argv: Argv): void {
  popGeneric(c, argv, false);
}

// LTRIM key start stop
function ltrimCommand(c: CommandClient, argv: Argv): void {
  const start0 = argLongOrReply(c, argv, 2);
  if (Number.isNaN(start0)) return;
  const end0 = argLongOrReply(c, argv, 3);
  if (Number.isNaN(end0)) return;
  const db = c.db;
  const e = db.writeArg(argv, 1);
  if (e < 0) {
    c.w.ok();
    return;
  }
  if (wrongType(c, db, e, OBJ_LIST)) return;
  const ql = listOf(db, e);
  const llen = ql.count;
  let ltrim = llen;
  let rtrim = 0;
  if (clampRank(start0, end0, llen)) {
    ltrim = rankRange.start;
    rtrim = llen - rankRange.end - 1;
  }
  ql.delRange(0, ltrim);
  ql.delRange(-rtrim, rtrim);
  const deleted = finish(c, e, ql);
  // Reported even when nothing was trimmed, as Redis does.
  db.notifyArg(NOTIFY_LIST, 'ltrim', argv, 1);
  if (deleted) db.notifyArg(NOTIFY_GENERIC, 'del', argv, 1);
  db.signalModified(argv.buf, argv.off[1], argv.len[1]);
  c.srv.dirty += ltrim + rtrim;
  c.w.ok();
}

// LREM key count element
function lremCommand(c: CommandClient, argv: Argv): void {
  let toRemove = argLongOrReply(c, argv, 2);
  if (Number.isNaN(toRemove)) return;
  const db = c.db;
  const e = db.writeArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_LIST)) return;
  const ql = listOf(db, e);
  match.set(argv.buf, argv.off[3], argv.len[3]);
  let it: QuicklistIter;
  if (toRemove < 0) {
    toRemove = -toRemove;
    it = ql.iteratorAt(-1, false, iter) as QuicklistIter;
  } else {
    it = ql.iteratorAt(0, true, iter) as QuicklistIter;
  }
  let removed = 0;
  while (it.next()) {
    if (it.matches(match)) {
      ql.delEntry(it);
      removed++;
      if (toRemove !== 0 && removed === toRemove) break;
    }
  }
  it.release();
  if (removed !== 0) {
    const deleted = finish(c, e, ql);
    db.changed(argv, 1, NOTIFY_LIST, 'lrem');
    if (deleted) db.notifyArg(NOTIFY_GENERIC, 'del', argv, 1);
    c.srv.dirty += removed;
  }
  c.w.integer(removed);
}

// ---- move --------------------------------------------------------------------------------------

/** Which command runs lmoveGeneric (their propagation differs). */
const MOVE_PLAIN = 0;
const MOVE_BLMOVE = 1;
const MOVE_BRPOPLPUSH = 2;

/*
 * LMOVE (lmoveGenericCommand): pop from the source, push to the destination (created if
 * missing), reply the element; listMove does the data part. Entry ids are not kept across the
 * destination lookup (it may expire and delete a key): the source is looked up again after it
 * and after creating a missing destination (an empty list that gets its element in listMove). An
 * emptied source is deleted last, as Redis does.
 */
function lmoveGeneric(c: CommandClient, argv: Argv, fromHead: boolean, toHead: boolean, kind: number): void {
  const db = c.db;
  let e = db.writeArg(argv, 1);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  if (wrongType(c, db, e, OBJ_LIST)) return;
  let d = db.writeArg(argv, 2);
  if (d >= 0 && wrongType(c, db, d, OBJ_LIST)) return;
  if (d < 0) d = createList(c, argv, 2);
  e = db.lookupQuiet(argv.buf, argv.off[1], argv.len[1]);
  const srcDeleted = listMove(db, e, d, fromHead, toHead);
  if (srcDeleted) db.delete(e);
  signalReady(c, argv, 2);
  // Reported as lmoveGenericCommand: the push side first (touch, event), then the pop side. A
  // served BLMOVE (blocked.c in 7.0) leaves out the source's touch and the dirty count.
  const served = c.blockState !== null;
  db.changed(argv, 2, NOTIFY_LIST, toHead ? 'lpush' : 'rpush');
  db.notifyArg(NOTIFY_LIST, fromHead ? 'lpop' : 'rpop', argv, 1);
  if (srcDeleted) db.notifyArg(NOTIFY_GENERIC, 'del', argv, 1);
  if (!served) {
    db.signalModified(argv.buf, argv.off[1], argv.len[1]);
    c.srv.dirty++;
  }
  if (kind !== MOVE_PLAIN && c.srv.propagating) {
    const src = argBytes(argv, 1);
    const dst = argBytes(argv, 2);
    if (kind === MOVE_BRPOPLPUSH) propagateAs(c, ['RPOPLPUSH', src, dst], served);
    else if (served) propagateAs(c, ['LMOVE', src, dst, fromHead ? 'left' : 'right', toHead ? 'left' : 'right'], true);
    else propagateAs(c, ['LMOVE', src, dst, argBytes(argv, 3), argBytes(argv, 4)], false);
  }
  c.w.bulk(held.b, 0, held.n);
  releaseHeld();
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
function lmoveCommand(c: CommandClient, argv: Argv): void {
  const from = listPosition(c, argv, 3);
  if (from < 0) return;
  const to = listPosition(c, argv, 4);
  if (to < 0) return;
  lmoveGeneric(c, argv, from === 1, to === 1, MOVE_PLAIN);
}

// RPOPLPUSH source destination
function rpoplpushCommand(c: CommandClient, argv: Argv): void {
  lmoveGeneric(c, argv, false, true, MOVE_PLAIN);
}

// ---- multi-key pop -----------------------------------------------------------------------------

interface MpopArgs {
  numkeys: number;
  atHead: boolean;
  count: number;
}

const mpopArgs: MpopArgs = { numkeys: 0, atHead: true, count: 1 };

/**
 * Parses `numkeys key... LEFT|RIGHT [COUNT count]` with numkeys at argv[at] (lmpopGenericCommand).
 * Returns false after replying an error.
 */
function parseMpop(c: CommandClient, argv: Argv, at: number): boolean {
  const numkeys = argRange(c, argv, at, 1, Infinity, NUMKEYS_NOT_POSITIVE);
  if (Number.isNaN(numkeys)) return false;
  const whereIdx = at + numkeys + 1;
  if (whereIdx >= argv.argc) {
    c.w.error(SYNTAX);
    return false;
  }
  const where = listPosition(c, argv, whereIdx);
  if (where < 0) return false;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.argc; j++) {
    if (count === -1 && argv.is(j, 'count') && j < argv.argc - 1) {
      j++;
      count = argRange(c, argv, j, 1, Infinity, COUNT_NOT_POSITIVE);
      if (Number.isNaN(count)) return false;
    } else {
      c.w.error(SYNTAX);
      return false;
    }
  }
  mpopArgs.numkeys = numkeys;
  mpopArgs.atHead = where === 1;
  mpopArgs.count = count === -1 ? 1 : count;
  return true;
}

/**
 * Serves a multi-key pop from the first non-empty list among argv[first, first+numkeys):
 * replies and returns 1; returns 0 when every key is missing; -1 after a WRONGTYPE reply.
 * `count` -1 pops one element replying [key, element] (BLPOP), else [key, [elements]].
 */
function popFirstNonEmpty(c: CommandClient, argv: Argv, first: number, numkeys: number, atHead: boolean, count: number): number {
  const db = c.db;
  for (let k = first; k < first + numkeys; k++) {
    const e = db.writeArg(argv, k);
    if (e < 0) continue;
    if (wrongType(c, db, e, OBJ_LIST)) return -1;
    const ql = listOf(db, e);
    if (ql.count === 0) continue;
    if (count !== -1) {
      popRangeWithKey(c, argv, k, e, ql, atHead, count);
      return 1;
    }
    c.w.arrayHeader(2);
    c.w.bulk(argv.buf, argv.off[k], argv.len[k]);
    ql.peek(atHead, iter);
    replyElement(c, iter);
    ql.popDiscard(atHead);
    const served = c.blockState !== null;
    // Replicated as [LR]POP key.
    if (c.srv.propagating) propagateAs(c, [atHead ? 'LPOP' : 'RPOP', argBytes(argv, k)], served);
    popped(c, argv, k, atHead, 1, finish(c, e, ql), served);
    return 1;
  }
  return 0;
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
function lmpopCommand(c: CommandClient, argv: Argv): void {
  if (!parseMpop(c, argv, 1)) return;
  const { numkeys, atHead, count } = mpopArgs;
  if (popFirstNonEmpty(c, argv, 2, numkeys, atHead, count) === 0) c.w.nullArray();
}

// ---- blocking ----------------------------------------------------------------------------------

function keyRange(first: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(first + i);
  return out;
}

/** BLPOP/BRPOP/BLMPOP (blockingPopGenericCommand): keys argv[first, first+numkeys). */
function blockingPop(c: CommandClient, argv: Argv, first: number, numkeys: number, atHead: boolean, timeoutIdx: number, count: number): void {
  const timeout = c.srv.blockTimeout(c, argv, timeoutIdx);
  if (timeout < 0) return;
  if (popFirstNonEmpty(c, argv, first, numkeys, atHead, count) !== 0) return;
  c.srv.blockForKeys(c, argv, keyRange(first, numkeys), timeout, OBJ_LIST);
}

// BLPOP key [key ...] timeout
function blpopCommand(c: CommandClient, argv: Argv): void {
  blockingPop(c, argv, 1, argv.argc - 2, true, argv.argc - 1, -1);
}

// BRPOP key [key ...] timeout
function brpopCommand(c: CommandClient, argv: Argv): void {
  blockingPop(c, argv, 1, argv.argc - 2, false, argv.argc - 1, -1);
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
function blmpopCommand(c: CommandClient, argv: Argv): void {
  if (!parseMpop(c, argv, 2)) return;
  const { numkeys, atHead, count } = mpopArgs;
  blockingPop(c, argv, 3, numkeys, atHead, 1, count);
}

/** BLMOVE/BRPOPLPUSH (blmoveGenericCommand): blocks while the source does not exist. */
function blmoveGeneric(c: CommandClient, argv: Argv, fromHead: boolean, toHead: boolean, timeoutIdx: number, kind: number): void {
  const timeout = c.srv.blockTimeout(c, argv, timeoutIdx);
  if (timeout < 0) return;
  const e = c.db.writeArg(argv, 1);
  if (e >= 0) {
    if (wrongType(c, c.db, e, OBJ_LIST)) return;
    lmoveGeneric(c, argv, fromHead, toHead, kind);
    return;
  }
  // 7.0 replies a null array on timeout for every list blocking command, BLMOVE included.
  c.srv.blockForKeys(c, argv, [1], timeout, OBJ_LIST);
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
function blmoveCommand(c: CommandClient, argv: Argv): void {
  const from = listPosition(c, argv, 3);
  if (from < 0) return;
  const to = listPosition(c, argv, 4);
  if (to < 0) return;
  blmoveGeneric(c, argv, from === 1, to === 1, 5, MOVE_BLMOVE);
}

// BRPOPLPUSH source destination timeout
function brpoplpushCommand(c: CommandClient, argv: Argv): void {
  blmoveGeneric(c, argv, false, true, 3, MOVE_BRPOPLPUSH);
}

// ---- for other commands: COPY, SORT --------------------------------------------------------

// Byte-stored lists are copied, renamed and moved as record bytes; only objects need this.
registerDuplicator(OBJ_LIST, (obj) => listDup(obj as Quicklist));

/**
 * The list at entry e as a Quicklist, for reading only (tests, DEBUG): a byte-stored list comes
 * back in a reused wrapper, valid until the next list command.
 */
export function listQuicklist(db: ListReader, e: number): Quicklist {
  return listOf(db, e);
}

/**
 * Replaces key argv[keyIdx] of c.db with a new list of `elements` (head to tail, at least one):
 * SORT ... STORE. Any previous value and TTL are dropped (setKey: replacing a key is not a "new"
 * key); clients blocked on the key are signalled. The caller reports the command's own events.
 */
export function storeList(c: CommandClient, argv: Argv, keyIdx: number, elements: readonly Uint8Array[]): void {
  const db = c.db;
  const e = createList(c, argv, keyIdx, db.writeArg(argv, keyIdx));
  const ql = listOf(db, e);
  listPushAll(ql, elements);
  listCommit(db, e, ql);
  signalReady(c, argv, keyIdx);
}

export const listCommands: CommandDef[] = [
  { name: 'lpush', summary: 'Prepend elements to a list, creating it if needed', handler: lpushCommand },
  { name: 'rpush', summary: 'Append elements to a list, creating it if needed', handler: rpushCommand },
  { name: 'lpushx', summary: 'Prepend elements to an existing list', handler: lpushxCommand },
  { name: 'rpushx', summary: 'Append elements to an existing list', handler: rpushxCommand },
  { name: 'linsert', summary: 'Insert an element before or after the first occurrence of a pivot', handler: linsertCommand },
  { name: 'llen', summary: 'Number of elements in a list', handler: llenCommand },
  { name: 'lindex', summary: 'The element at an index of a list', handler: lindexCommand },
  { name: 'lrange', summary: 'The elements between two indexes of a list', handler: lrangeCommand },
  { name: 'lpos', summary: 'Positions of the elements equal to a value', handler: lposCommand },
  { name: 'lset', summary: 'Overwrite the element at an index of a list', handler: lsetCommand },
  { name: 'lpop', summary: 'Remove and return elements from the head of a list', handler: lpopCommand },
  { name: 'rpop', summary: 'Remove and return elements from the tail of a list', handler: rpopCommand },
  { name: 'ltrim', summary: 'Keep only the elements between two indexes of a list', handler: ltrimCommand },
  { name: 'lrem', summary: 'Remove occurrences of an element from a list', handler: lremCommand },
  { name: 'lmove', summary: 'Pop an element from one end of a list and push it to an end of another', handler: lmoveCommand },
  { name: 'rpoplpush', summary: 'Pop from the tail of a list and push to the head of another', handler: rpoplpushCommand },
  { name: 'lmpop', summary: 'Pop elements from the first non-empty of several lists', handler: lmpopCommand },
  { name: 'blpop', summary: 'Pop from the head of the first non-empty list, waiting for one', handler: blpopCommand },
  { name: 'brpop', summary: 'Pop from the tail of the first non-empty list, waiting for one', handler: brpopCommand },
  { name: 'blmpop', summary: 'LMPOP that waits until a list has elements', handler: blmpopCommand },
  { name: 'blmove', summary: 'LMOVE that waits until the source list has elements', handler: blmoveCommand },
  { name: 'brpoplpush', summary: 'RPOPLPUSH that waits until the source list has elements', handler: brpoplpushCommand },
];

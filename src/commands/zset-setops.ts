/*
 * Sorted-set algebra (zunionInterDiffGenericCommand in t_zset.c): ZUNION ZINTER ZDIFF, their
 * STORE forms, and ZINTERCARD; and the *STORE epilogue they share with ZRANGESTORE. Inputs may be
 * sorted sets or plain sets (every member of a set scores 1); a missing key is an empty input.
 *
 * This file parses the arguments, looks the inputs up and replies or stores; the computation
 * (which input is visited first, how scores combine, Redis's two ZDIFF algorithms) is
 * zsetUnionInterDiff in src/store/zset-type.ts. A stored result that is small enough
 * (zset-max-listpack-entries / -value) is rewritten as a listpack, as 7.0's
 * zsetConvertToListpackIfNeeded does; otherwise the result's skiplist becomes the key's value.
 *
 * The STORE commands are propagated as received, also when an empty result deletes the
 * destination (what Redis 7.0 writes).
 */
import type { Argv } from '../protocol/argv.ts';
import { SYNTAX, WRONGTYPE } from '../protocol/errors.ts';
import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../store/events.ts';
import { OBJ_SET, OBJ_ZSET } from '../store/keyspace.ts';
import {
  ZSET_AGGR_MAX, ZSET_AGGR_MIN, ZSET_AGGR_SUM, ZSET_OP_DIFF, ZSET_OP_INTER, ZSET_OP_UNION, type ZsetLimits, type ZsetOpResult, type ZsetSource,
  type ZsetValue, zsetCreateTypeEnc, zsetFromResult, zsetInterCard, zsetSource, zsetStore, zsetUnionInterDiff, zsetValueBytes,
} from '../store/zset-type.ts';
import { formatDouble, parseDouble } from '../util/numbers.ts';
import type { CommandClient } from './context.ts';
import type { CommandDef } from './registry.ts';
import { argLong } from './util.ts';

const WEIGHT_NOT_FLOAT = 'ERR weight value is not a float';
const LIMIT_NEGATIVE = "ERR LIMIT can't be negative";

const OP_UNION = ZSET_OP_UNION;
const OP_INTER = ZSET_OP_INTER;
const OP_DIFF = ZSET_OP_DIFF;

// ---- shared by the sorted-set command files -------------------------------------------------

/** Replies a score as Redis 7.0 prints doubles (bulk in RESP2, double in RESP3). */
export function replyScore(c: CommandClient, score: number): void {
  c.w.double(formatDouble(score));
}

const limitsScratch: ZsetLimits = { maxEntries: 128, maxValue: 64 };

/** zset-max-listpack-entries / -value as they are now (CONFIG SET changes them at any time). */
export function zsetLimitsOf(c: CommandClient): ZsetLimits {
  const cfg = c.srv.config.values; // named loads, not config.num's megamorphic keyed one
  limitsScratch.maxEntries = cfg['zset-max-listpack-entries'];
  limitsScratch.maxValue = cfg['zset-max-listpack-value'];
  return limitsScratch;
}

/**
 * Replaces key argv[k] (whatever it held, TTL dropped) with the new sorted set v of `count`
 * members. Then, as the *STORE commands end in 7.0 (setKey, reply, event, dirty++): the key is
 * signalled (and is "new" only when it did not exist: an overwrite is not a birth), the count is
 * replied, `event` is published and one change is counted. Wakes clients blocked on the key.
 */
export function storeZset(c: CommandClient, argv: Argv, k: number, v: ZsetValue, count: number, event: string): void {
  const db = c.db;
  const e = db.setKeyArg(db.writeArg(argv, k), argv, k, zsetValueBytes(v), zsetCreateTypeEnc(v), false);
  zsetStore(db, e, v);
  const b = argv.buf;
  const o = argv.off[k];
  const n = argv.len[k];
  db.signalModified(b, o, n);
  c.w.integer(count);
  db.notify(NOTIFY_ZSET, event, b, o, n);
  c.srv.dirty++;
  db.signalReady(b, o, n);
}

/**
 * A STORE command with an empty result: replies 0, then removes the destination as dbDelete
 * does: found without an expiry check (a key past its TTL but still present goes with "del", not
 * "expired"); only an existing key is signalled, reported and counted as a change.
 */
export function storeEmpty(c: CommandClient, argv: Argv, k: number): void {
  c.w.integer(0);
  const db = c.db;
  const e = db.peek(argv.buf, argv.off[k], argv.len[k]);
  if (e < 0) return;
  db.deleteImplicit(e);
  db.changed(argv, k, NOTIFY_GENERIC, 'del');
  c.srv.dirty++;
}

// ---- ZUNION ZINTER ZDIFF ZINTERCARD ------------------------------------------------------------

/**
 * The shared body (zunionInterDiffGenericCommand). `dstIdx` is the destination's argument for the
 * STORE forms (-1 otherwise), `numkeysIdx` the numkeys argument; `cardOnly` is ZINTERCARD.
 */
function zsetOpGenericCommand(c: CommandClient, argv: Argv, dstIdx: number, numkeysIdx: number, op: number, cardOnly: boolean, name: string): void {
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
  const first = numkeysIdx + 1;
  // Look every input up first (lazy expiry, stats, type checks in order); a lookup may delete an
  // expired key and move entry ids, so the entries are found again below, once nothing changes.
  for (let i = 0; i < setnum; i++) {
    const e = db.readArg(argv, first + i);
    if (e >= 0) {
      const t = db.type(e);
      if (t !== OBJ_ZSET && t !== OBJ_SET) {
        c.w.error(WRONGTYPE);
        return;
      }
    }
  }
  const weights = new Float64Array(setnum).fill(1);
  let aggr = ZSET_AGGR_SUM;
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
      if (argv.is(j, 'sum')) aggr = ZSET_AGGR_SUM;
      else if (argv.is(j, 'min')) aggr = ZSET_AGGR_MIN;
      else if (argv.is(j, 'max')) aggr = ZSET_AGGR_MAX;
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
  const src: ZsetSource[] = [];
  for (let i = 0; i < setnum; i++) src.push(zsetSource(db, db.peek(argv.buf, argv.off[first + i], argv.len[first + i]), weights[i]));
  if (cardOnly) {
    c.w.integer(zsetInterCard(src, limit));
    return;
  }
  const res = zsetUnionInterDiff(src, op, aggr, db.arena);
  const size = res === null ? 0 : res.acc.size;
  if (size === 0) {
    // Nothing in the first (diff, inter: smallest) input, in any input, or in the result.
    if (res !== null) res.acc.free();
    if (dstIdx >= 0) storeEmpty(c, argv, dstIdx);
    else c.w.arrayHeader(0);
    return;
  }
  const acc = (res as ZsetOpResult).acc;
  if (dstIdx >= 0) {
    const event = op === OP_UNION ? 'zunionstore' : op === OP_INTER ? 'zinterstore' : 'zdiffstore';
    storeZset(c, argv, dstIdx, zsetFromResult(acc, (res as ZsetOpResult).maxLen, zsetLimitsOf(c)), size, event);
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

// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]
function zunionstoreCommand(c: CommandClient, argv: Argv): void {
  zsetOpGenericCommand(c, argv, 1, 2, OP_UNION, false, 'zunionstore');
}

// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]
function zinterstoreCommand(c: CommandClient, argv: Argv): void {
  zsetOpGenericCommand(c, argv, 1, 2, OP_INTER, false, 'zinterstore');
}

// ZDIFFSTORE destination numkeys key [key ...]
function zdiffstoreCommand(c: CommandClient, argv: Argv): void {
  zsetOpGenericCommand(c, argv, 1, 2, OP_DIFF, false, 'zdiffstore');
}

// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
function zunionCommand(c: CommandClient, argv: Argv): void {
  zsetOpGenericCommand(c, argv, -1, 1, OP_UNION, false, 'zunion');
}

// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
function zinterCommand(c: CommandClient, argv: Argv): void {
  zsetOpGenericCommand(c, argv, -1, 1, OP_INTER, false, 'zinter');
}

// ZDIFF numkeys key [key ...] [WITHSCORES]
function zdiffCommand(c: CommandClient, argv: Argv): void {
  zsetOpGenericCommand(c, argv, -1, 1, OP_DIFF, false, 'zdiff');
}

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
function zintercardCommand(c: CommandClient, argv: Argv): void {
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

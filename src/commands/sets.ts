/*
 * Set commands (t_set.c): SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SPOP SRANDMEMBER SMOVE
 * SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
 *
 * A set value is a JS object in the key's slot: an IntSet (`intset`) or a ByteDict (`hashtable`).
 * The type code (encoding conversion, add/remove/lookup over both encodings, the union and
 * difference, random picks, SSCAN steps) is in src/store/set-type.ts; this file parses arguments,
 * goes through the Db (store/db.ts), replies, and reports events and propagation. Every algorithm
 * is shaped like Redis 7.0's wherever the shape shows: in which encoding a destination or a SPOP remainder ends up, in the order of replies from
 * intsets (ascending), in which lookups count keyspace hits. Hashtable iteration order is ours
 * (entry id order), not Redis's, which no client can rely on anyway.
 *
 * Entry ids change when any key is deleted, and any lookup may delete an expired key: handlers
 * that look up several keys hold the set objects (which stay valid), and re-find an entry before
 * deleting or replacing it.
 *
 * Change tracking mirrors 7.0.15's calls exactly: a command that changed nothing (SREM of absent
 * members, SADD of present ones, SMOVE of a missing member) signals no WATCH, publishes no event
 * and adds nothing to the dirty counter; a write that empties a set publishes its own event and
 * then the generic "del". Every write is propagated as received, except SPOP (see there).
 */
import { IntList } from '../util/int-list.ts';
import type { Argv } from '../protocol/argv.ts';
import { INVALID_CURSOR, NOT_INTEGER, SYNTAX, WRONGTYPE } from '../protocol/errors.ts';
import type { ReplyWriter } from '../protocol/reply.ts';
import type { Db } from '../store/db.ts';
import { NOTIFY_GENERIC, NOTIFY_SET } from '../store/events.ts';
import { IntSet } from '../store/intset.ts';
import { OBJ_SET } from '../store/keyspace.ts';
import {
  SET_OP_DIFF, SET_OP_UNION, type SetValue, cur, intsetLimit, memberAt, randomIndex, removeAt, setAdd, setAddFrom,
  setCreateFor, setDup, setFree, setInAll, setIsMember, setMembersOf, setMoveRandom, setOf, setRandomDistinct, setRemove,
  setScan, setSize, setStore, setUnionDiff,
} from '../store/set-type.ts';
import { globMatch } from '../util/glob.ts';
import { INT64_MIN, parseInt64, parseLongLong } from '../util/numbers.ts';
import type { CommandClient } from './context.ts';
import { parseScanCursor, parseScanOptions, registerDuplicator, scanOptions } from './keys.ts';
import type { CommandDef } from './registry.ts';
import { wrongType } from './util.ts';

// ---- error texts (Redis 7.0.15) ----------------------------------------------------------------

const MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
const RANDMEMBER_RANGE = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';
const NUMKEYS_POSITIVE = 'ERR numkeys should be greater than 0';
const TOO_MANY_KEYS = "ERR Number of keys can't be greater than number of args";
const LIMIT_NEGATIVE = "ERR LIMIT can't be negative";

/** SPOP with count: the "build the remainder" strategy when remaining * 5 <= count. */
const SPOP_MOVE_STRATEGY_MUL = 5;

/**
 * SRANDMEMBER with a negative count repeats members, so one call can ask for a reply of any
 * size. Redis stops only when an output buffer limit closes the client (none by default for
 * normal clients, so it would run out of memory). We close the client, without the reply, once
 * its pending reply passes this many bytes.
 */
const RANDOM_REPLY_CAP = 512 * 1024 * 1024;

// ---- helpers -----------------------------------------------------------------------------------

/**
 * Adds key argv[i] (known absent, just looked up) holding set s; returns the entry id. The entry
 * is born a string and receives its set from setStore (see there).
 */
function addSetKey(db: Db, argv: Argv, i: number, s: SetValue): number {
  const e = db.addArg(argv, i, 0, 0);
  setStore(db, e, s);
  return e;
}

/** The generic "del" event for key argv[i], after a write emptied its set and removed it. */
function keyDeletedEvent(db: Db, argv: Argv, i: number): void {
  db.notifyArg(NOTIFY_GENERIC, 'del', argv, i);
}

/**
 * A *STORE command with an empty result removes its destination as dbDelete does: found without
 * an expiry check (a key past its TTL but still present is deleted with "del", not "expired"),
 * and only an existing key is signalled, reported and counted as a change.
 */
function deleteDestination(c: CommandClient, argv: Argv, k: number): void {
  const db = c.db;
  const e = peekArg(db, argv, k);
  if (e < 0) return;
  db.delete(e);
  db.changed(argv, k, NOTIFY_GENERIC, 'del');
  c.srv.dirty++;
}

/** Entry id of key argv[i] now, without an expiry check (a key looked up live in this command, or dbDelete's view). */
function peekArg(db: Db, argv: Argv, i: number): number {
  return db.peek(argv.buf, argv.off[i], argv.len[i]);
}

/** The intset length limit in force (set-max-intset-entries, read per command). */
function intsetMax(c: CommandClient): number {
  return intsetLimit(c.srv.config.values['set-max-intset-entries']);
}

function replyMember(w: ReplyWriter, s: SetValue, i: number): void {
  memberAt(s, i);
  w.bulk(cur.b, cur.o, cur.n);
}

/** Replies every member of s as a RESP3 set (array in RESP2), in iteration order. */
function replyAllAsSet(w: ReplyWriter, s: SetValue): void {
  const n = setSize(s);
  w.setHeader(n);
  for (let i = 0; i < n; i++) replyMember(w, s, i);
}

/** The member in `cur` as a view, for a propagated command (which copies it at once). */
function curView(): Uint8Array {
  return cur.b.subarray(cur.o, cur.o + cur.n);
}

/** Reusable list of member indexes (SINTER results, SSCAN batches). */
const idx = new IntList();

// ---- SADD SREM SMOVE ---------------------------------------------------------------------------

// SADD key member [member ...]
function saddCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  let e = db.writeArg(argv, 1);
  if (e >= 0 && wrongType(c, db, e, OBJ_SET)) return;
  let s: SetValue;
  if (e < 0) {
    s = setCreateFor(db.arena, argv.buf, argv.off[2], argv.len[2], argv.argc - 2);
    e = addSetKey(db, argv, 1, s);
  } else {
    s = setOf(db, e);
  }
  const max = intsetMax(c);
  const before = setSize(s);
  let t = s;
  for (let j = 2; j < argv.argc; j++) t = setAdd(t, db.arena, argv.buf, argv.off[j], argv.len[j], max);
  if (t !== s) setStore(db, e, t);
  const added = setSize(t) - before;
  if (added > 0) {
    db.changed(argv, 1, NOTIFY_SET, 'sadd');
    c.srv.dirty += added;
  }
  c.w.integer(added);
}

// SREM key member [member ...]
function sremCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.writeArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_SET)) return;
  const s = setOf(db, e);
  let deleted = 0;
  let removed = false;
  for (let j = 2; j < argv.argc; j++) {
    if (!setRemove(s, argv.buf, argv.off[j], argv.len[j])) continue;
    deleted++;
    if (setSize(s) === 0) {
      db.delete(e);
      removed = true;
      break;
    }
  }
  if (deleted > 0) {
    db.changed(argv, 1, NOTIFY_SET, 'srem');
    if (removed) keyDeletedEvent(db, argv, 1);
    c.srv.dirty += deleted;
  }
  c.w.integer(deleted);
}

// SMOVE source destination member
function smoveCommand(c: CommandClient, argv: Argv): void {
  const srv = c.srv;
  const db = c.db;
  let es = db.writeArg(argv, 1);
  const before = db.count;
  let ed = db.writeArg(argv, 2);
  if (db.count !== before && es >= 0) es = peekArg(db, argv, 1); // the lookup expired a key
  if (es < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, es, OBJ_SET)) return;
  if (ed >= 0 && wrongType(c, db, ed, OBJ_SET)) return;
  const src = setOf(db, es);
  const mb = argv.buf;
  const mo = argv.off[3];
  const mn = argv.len[3];
  if (es === ed) {
    c.w.integer(setIsMember(src, mb, mo, mn) ? 1 : 0);
    return;
  }
  if (!setRemove(src, mb, mo, mn)) {
    c.w.integer(0);
    return;
  }
  db.notifyArg(NOTIFY_SET, 'srem', argv, 1);
  if (setSize(src) === 0) {
    db.delete(es);
    if (ed >= 0) ed = peekArg(db, argv, 2); // the deletion may have moved entries
    keyDeletedEvent(db, argv, 1);
  }
  let dst: SetValue;
  if (ed < 0) {
    dst = setCreateFor(db.arena, mb, mo, mn);
    ed = addSetKey(db, argv, 2, dst);
  } else {
    dst = setOf(db, ed);
  }
  db.signalModified(argv.buf, argv.off[1], argv.len[1]);
  srv.dirty++;
  // The destination only counts as changed when it did not hold the member yet (7.0.15).
  const dstSize = setSize(dst);
  const t = setAdd(dst, db.arena, mb, mo, mn, intsetMax(c));
  if (t !== dst) setStore(db, ed, t);
  if (setSize(t) !== dstSize) {
    srv.dirty++;
    db.changed(argv, 2, NOTIFY_SET, 'sadd');
  }
  c.w.integer(1);
}

// ---- SCARD SISMEMBER SMISMEMBER ----------------------------------------------------------------

// SCARD key
function scardCommand(c: CommandClient, argv: Argv): void {
  const e = c.db.readArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, c.db, e, OBJ_SET)) return;
  c.w.integer(setSize(setOf(c.db, e)));
}

// SISMEMBER key member
function sismemberCommand(c: CommandClient, argv: Argv): void {
  const e = c.db.readArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, c.db, e, OBJ_SET)) return;
  c.w.integer(setIsMember(setOf(c.db, e), argv.buf, argv.off[2], argv.len[2]) ? 1 : 0);
}

// SMISMEMBER key member [member ...]
function smismemberCommand(c: CommandClient, argv: Argv): void {
  const e = c.db.readArg(argv, 1);
  if (e >= 0 && wrongType(c, c.db, e, OBJ_SET)) return;
  const s = e >= 0 ? setOf(c.db, e) : null;
  const w = c.w;
  w.arrayHeader(argv.argc - 2);
  for (let j = 2; j < argv.argc; j++) {
    w.integer(s !== null && setIsMember(s, argv.buf, argv.off[j], argv.len[j]) ? 1 : 0);
  }
}

// ---- SPOP SRANDMEMBER --------------------------------------------------------------------------

/*
 * Propagation (what 7.0.15 writes to its AOF and replicas, measured): a random pop cannot be
 * replayed, so SPOP goes out as the removals it made. SPOP key becomes SREM key member. SPOP key
 * count that empties the set becomes DEL key (DEL also with lazyfree-lazy-server-del yes: 7.0
 * does not switch to UNLINK here). Any other SPOP key count becomes one SREM key member per popped
 * member, in reply order (7.0 does not batch them), which call() wraps in MULTI/EXEC when there
 * is more than one.
 */

// SPOP key [count]
function spopCommand(c: CommandClient, argv: Argv): void {
  if (argv.argc === 3) {
    spopWithCount(c, argv);
    return;
  }
  if (argv.argc > 3) {
    c.w.error(SYNTAX);
    return;
  }
  const srv = c.srv;
  const db = c.db;
  const e = db.writeArg(argv, 1);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  if (wrongType(c, db, e, OBJ_SET)) return;
  const s = setOf(db, e);
  const i = randomIndex(s);
  db.notifyArg(NOTIFY_SET, 'spop', argv, 1);
  replyMember(c.w, s, i);
  if (srv.propagating) srv.rewriteCommand(['SREM', argv.view(1), curView()]);
  removeAt(s, i);
  if (setSize(s) === 0) {
    db.delete(e);
    keyDeletedEvent(db, argv, 1);
  }
  db.signalModified(argv.buf, argv.off[1], argv.len[1]);
  srv.dirty++;
}

/**
 * SPOP key count, with Redis's three strategies (spopWithCountCommand):
 *  1. count >= size: reply the whole set (through a union of it, so an all-integer set replies
 *     in ascending order) and delete the key;
 *  2. the remainder is big (remaining * 5 > count): pop `count` random members one by one;
 *  3. otherwise popping one by one would cost nearly the whole set anyway: move `remaining`
 *     random members into a new set (setMoveRandom), reply what is left in the old one, and let
 *     the new set take its place.
 */
function spopWithCount(c: CommandClient, argv: Argv): void {
  const v = parseInt64(argv.buf, argv.off[2], argv.len[2]);
  if (v === null || v < 0) {
    c.w.error(MUST_BE_POSITIVE);
    return;
  }
  const count = Number(v);
  const srv = c.srv;
  const db = c.db;
  const e = db.writeArg(argv, 1);
  if (e < 0) {
    c.w.setHeader(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_SET)) return;
  if (count === 0) {
    c.w.setHeader(0);
    return;
  }
  const s = setOf(db, e);
  const size = setSize(s);
  const w = c.w;
  db.notifyArg(NOTIFY_SET, 'spop', argv, 1);
  srv.dirty += count >= size ? size : count;

  if (count >= size) {
    // Redis looks the key up again for the union: one more keyspace hit (the LRU clock it would
    // store is the one the write lookup stored).
    srv.stats.keyspaceHits++;
    const all = setUnionDiff([s], SET_OP_UNION, db.arena, intsetMax(c));
    replyAllAsSet(w, all);
    setFree(all);
    db.delete(e);
    keyDeletedEvent(db, argv, 1);
    if (srv.propagating) srv.rewriteCommand(['DEL', argv.view(1)]);
    db.signalModified(argv.buf, argv.off[1], argv.len[1]);
    return;
  }

  const prop = srv.propagating;
  const key = prop ? argv.view(1) : null;
  const remaining = size - count;
  w.setHeader(count);
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    for (let k = 0; k < count; k++) {
      const i = randomIndex(s);
      replyMember(w, s, i);
      if (key !== null) srv.alsoPropagate(c.dbIndex, ['SREM', key, curView()]);
      removeAt(s, i);
    }
  } else {
    const kept = setMoveRandom(s, db.arena, remaining, intsetMax(c));
    for (let i = 0; i < count; i++) {
      replyMember(w, s, i);
      if (key !== null) srv.alsoPropagate(c.dbIndex, ['SREM', key, curView()]);
    }
    setStore(db, e, kept);
    setFree(s);
  }
  if (prop) srv.preventPropagation();
  db.signalModified(argv.buf, argv.off[1], argv.len[1]);
}

// SRANDMEMBER key [count]
function srandmemberCommand(c: CommandClient, argv: Argv): void {
  if (argv.argc === 3) {
    srandmemberWithCount(c, argv);
    return;
  }
  if (argv.argc > 3) {
    c.w.error(SYNTAX);
    return;
  }
  const e = c.db.readArg(argv, 1);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  if (wrongType(c, c.db, e, OBJ_SET)) return;
  const s = setOf(c.db, e);
  replyMember(c.w, s, randomIndex(s));
}

/**
 * SRANDMEMBER key count, with Redis's four cases (srandmemberWithCountCommand):
 *  1. negative count (repetitions allowed) or count 1: `count` independent uniform picks;
 *  2. count >= size: the whole set;
 *  3, 4. otherwise `count` distinct random members (setRandomDistinct picks them as Redis does).
 * Members are handled as indexes (intset positions / dict ids), so no member is copied. The reply
 * is an array, not a set, in both protocols (as in Redis 7.0).
 */
function srandmemberWithCount(c: CommandClient, argv: Argv): void {
  const v = parseInt64(argv.buf, argv.off[2], argv.len[2]);
  if (v === null) {
    c.w.error(NOT_INTEGER);
    return;
  }
  if (v === INT64_MIN) {
    c.w.error(RANDMEMBER_RANGE);
    return;
  }
  const uniq = v >= 0;
  const count = uniq ? Number(v) : -Number(v);
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.arrayHeader(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_SET)) return;
  const w = c.w;
  if (count === 0) {
    w.arrayHeader(0);
    return;
  }
  const s = setOf(db, e);
  const size = setSize(s);

  if (!uniq || count === 1) {
    w.arrayHeader(count);
    for (let k = 0; k < count; k++) {
      replyMember(w, s, randomIndex(s));
      if ((k & 1023) === 1023 && w.pending > RANDOM_REPLY_CAP) {
        c.srv.log.warning('Closing client whose SRANDMEMBER reply passed the safety cap');
        w.discard();
        c.closeAfterReply = true;
        return;
      }
    }
    return;
  }

  if (count >= size) {
    w.arrayHeader(size);
    for (let i = 0; i < size; i++) replyMember(w, s, i);
    return;
  }

  const picked = setRandomDistinct(s, count);
  w.arrayHeader(count);
  for (let k = 0; k < count; k++) replyMember(w, s, picked[k]);
}

// ---- SINTER SMEMBERS SINTERCARD SINTERSTORE ----------------------------------------------------

/**
 * The sets of keys argv[from, from+n): null for a missing key. Returns undefined after replying
 * WRONGTYPE. Every key is looked up for reading (hits, misses, LRU), also for *STORE commands, as
 * in Redis 7.0; a missing key does not stop the type checks of the keys after it.
 */
function lookupSets(c: CommandClient, argv: Argv, from: number, n: number): Array<SetValue | null> | undefined {
  const db = c.db;
  const sets: Array<SetValue | null> = new Array(n);
  for (let j = 0; j < n; j++) {
    const e = db.readArg(argv, from + j);
    if (e < 0) {
      sets[j] = null;
      continue;
    }
    if (db.type(e) !== OBJ_SET) {
      c.w.error(WRONGTYPE);
      return undefined;
    }
    sets[j] = setOf(db, e);
  }
  return sets;
}

/**
 * Stores `result` under key argv[dst] as setKey does (replaces any value, drops its TTL; "new"
 * only when the key did not exist), replies its size and publishes `event`; an empty result
 * replies 0 and deletes the destination instead (deleteDestination).
 */
function storeResult(c: CommandClient, argv: Argv, dst: number, result: SetValue, event: string): void {
  const db = c.db;
  const size = setSize(result);
  if (size === 0) {
    setFree(result);
    c.w.integer(0);
    deleteDestination(c, argv, dst);
    return;
  }
  // Born a string, then given the set (see setStore).
  const e = db.setKeyArg(db.writeArg(argv, dst), argv, dst, 0, 0, false);
  setStore(db, e, result);
  db.signalModified(argv.buf, argv.off[dst], argv.len[dst]);
  c.w.integer(size);
  db.notifyArg(NOTIFY_SET, event, argv, dst);
  c.srv.dirty++;
}

/**
 * SINTER / SMEMBERS / SINTERCARD / SINTERSTORE (sinterGenericCommand). A missing key is an empty
 * set, so the result is empty. Otherwise the sets are sorted by size (stably, as glibc's qsort
 * merge sort is) and each member of the smallest is tested against the others: O(N*M) with N
 * the smallest size. Replies list the smallest set's members in its own order (ascending for an
 * intset). A destination starts as an intset and grows by adds, so it is an intset exactly when
 * the result would be one in Redis.
 */
function sinterGeneric(c: CommandClient, argv: Argv, from: number, n: number, dst: number, cardOnly: boolean, limit: number): void {
  const found = lookupSets(c, argv, from, n);
  if (found === undefined) return;
  const w = c.w;
  if (found.includes(null)) {
    if (dst >= 0) {
      deleteDestination(c, argv, dst);
      w.integer(0);
    } else if (cardOnly) w.integer(0);
    else w.setHeader(0);
    return;
  }
  const sets = (found as SetValue[]).sort((a, b) => setSize(a) - setSize(b));
  const first = sets[0];
  const others = sets.filter((s) => s !== first);
  const size = setSize(first);
  const arena = c.db.arena;

  if (!cardOnly && dst < 0 && others.length === 0) {
    replyAllAsSet(w, first);
    return;
  }
  let result: SetValue | null = dst >= 0 ? new IntSet() : null;
  const max = dst >= 0 ? intsetMax(c) : 0;
  let card = 0;
  idx.clear();
  for (let i = 0; i < size; i++) {
    if (!setInAll(first, i, others, others.length)) continue;
    if (cardOnly) {
      card++;
      if (limit > 0 && card >= limit) break;
    } else if (result !== null) {
      result = setAddFrom(result, arena, first, i, max);
    } else {
      idx.push(i);
    }
  }
  if (cardOnly) w.integer(card);
  else if (result !== null) storeResult(c, argv, dst, result, 'sinterstore');
  else {
    w.setHeader(idx.length);
    for (let k = 0; k < idx.length; k++) replyMember(w, first, idx.items[k]);
  }
  idx.clear();
}

// SMEMBERS key
function smembersCommand(c: CommandClient, argv: Argv): void {
  sinterGeneric(c, argv, 1, 1, -1, false, 0);
}

// SINTER key [key ...]
function sinterCommand(c: CommandClient, argv: Argv): void {
  sinterGeneric(c, argv, 1, argv.argc - 1, -1, false, 0);
}

// SINTERSTORE destination key [key ...]
function sinterstoreCommand(c: CommandClient, argv: Argv): void {
  sinterGeneric(c, argv, 2, argv.argc - 2, 1, false, 0);
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
function sintercardCommand(c: CommandClient, argv: Argv): void {
  const numkeys = parseLongLong(argv.buf, argv.off[1], argv.len[1]);
  if (!(numkeys >= 1)) {
    c.w.error(NUMKEYS_POSITIVE);
    return;
  }
  if (numkeys > argv.argc - 2) {
    c.w.error(TOO_MANY_KEYS);
    return;
  }
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.argc; j++) {
    if (argv.is(j, 'limit') && j + 1 < argv.argc) {
      j++;
      const v = parseLongLong(argv.buf, argv.off[j], argv.len[j]);
      if (!(v >= 0)) {
        c.w.error(LIMIT_NEGATIVE);
        return;
      }
      limit = v;
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }
  sinterGeneric(c, argv, 2, numkeys, -1, true, limit);
}

/** SINTERCARD's keys: numkeys keys after the count (Redis's genericGetKeys rules). */
function sintercardKeys(argv: Argv): number[] {
  const n = argv.int(1);
  const out: number[] = [];
  if (!(n >= 1) || n > argv.argc - 2) return out;
  for (let i = 0; i < n; i++) out.push(2 + i);
  return out;
}

// ---- SUNION SDIFF and their STORE forms ---------------------------------------------------------

/** SUNION / SDIFF and their STORE forms (sunionDiffGenericCommand; the algebra is setUnionDiff). */
function sunionDiffGeneric(c: CommandClient, argv: Argv, from: number, dst: number, op: number): void {
  const sets = lookupSets(c, argv, from, argv.argc - from);
  if (sets === undefined) return;
  const result = setUnionDiff(sets, op, c.db.arena, intsetMax(c));
  if (dst >= 0) {
    storeResult(c, argv, dst, result, op === SET_OP_UNION ? 'sunionstore' : 'sdiffstore');
    return;
  }
  replyAllAsSet(c.w, result);
  setFree(result);
}

// SUNION key [key ...]
function sunionCommand(c: CommandClient, argv: Argv): void {
  sunionDiffGeneric(c, argv, 1, -1, SET_OP_UNION);
}

// SUNIONSTORE destination key [key ...]
function sunionstoreCommand(c: CommandClient, argv: Argv): void {
  sunionDiffGeneric(c, argv, 2, 1, SET_OP_UNION);
}

// SDIFF key [key ...]
function sdiffCommand(c: CommandClient, argv: Argv): void {
  sunionDiffGeneric(c, argv, 1, -1, SET_OP_DIFF);
}

// SDIFFSTORE destination key [key ...]
function sdiffstoreCommand(c: CommandClient, argv: Argv): void {
  sunionDiffGeneric(c, argv, 2, 1, SET_OP_DIFF);
}

// ---- SSCAN -------------------------------------------------------------------------------------

/**
 * SSCAN key cursor [MATCH pattern] [COUNT count] (scanGenericCommand on a set). An intset is
 * returned whole with cursor 0 (COUNT is only validated); a hashtable is walked with the dict's
 * reverse-binary cursor, whole buckets at a time, until COUNT members or COUNT*10 buckets. The
 * key is looked up before the options are parsed, so a missing key replies an empty scan even
 * with bad options, as in Redis.
 */
function sscanCommand(c: CommandClient, argv: Argv): void {
  let cursor = parseScanCursor(argv.buf, argv.off[2], argv.len[2]);
  if (cursor < 0) {
    c.w.error(INVALID_CURSOR);
    return;
  }
  const w = c.w;
  const e = c.db.readArg(argv, 1);
  if (e < 0) {
    w.arrayHeader(2);
    w.bulkString('0');
    w.arrayHeader(0);
    return;
  }
  if (wrongType(c, c.db, e, OBJ_SET)) return;
  if (!parseScanOptions(c, argv, 3, false)) return;
  const s = setOf(c.db, e);
  const count = scanOptions.count;
  idx.clear();
  cursor = setScan(s, cursor, count, idx);
  const pat = scanOptions.pattern;
  const pb = argv.buf;
  const usePattern = pat >= 0 && !(argv.len[pat] === 1 && pb[argv.off[pat]] === 0x2a);
  let kept = idx.length;
  if (usePattern) {
    kept = 0;
    for (let k = 0; k < idx.length; k++) {
      memberAt(s, idx.items[k]);
      if (globMatch(pb, argv.off[pat], argv.len[pat], cur.b, cur.o, cur.n, false)) idx.items[kept++] = idx.items[k];
    }
  }
  w.arrayHeader(2);
  w.bulkString(String(cursor));
  w.arrayHeader(kept);
  for (let k = 0; k < kept; k++) replyMember(w, s, idx.items[k]);
  idx.clear();
}

// ---- for other families ------------------------------------------------------------------------

/** The members of set entry e as bytes (integers as decimal text), for SORT. */
export function setElements(db: Pick<Db, 'getObject'>, e: number): Uint8Array[] {
  return setMembersOf(db, e);
}

registerDuplicator(OBJ_SET, (obj) => setDup(obj as SetValue));

export const setCommands: CommandDef[] = [
  { name: 'sadd', summary: 'Adds members to a set, creating it if needed.', handler: saddCommand },
  { name: 'srem', summary: 'Removes members from a set.', handler: sremCommand },
  { name: 'smove', summary: 'Moves a member from one set to another.', handler: smoveCommand },
  { name: 'scard', summary: 'Counts the members of a set.', handler: scardCommand },
  { name: 'sismember', summary: 'Tells whether a value is a member of a set.', handler: sismemberCommand },
  { name: 'smismember', summary: 'Tells, for each of several values, whether it is a member of a set.', handler: smismemberCommand },
  { name: 'smembers', summary: 'Lists every member of a set.', handler: smembersCommand },
  { name: 'spop', summary: 'Removes and returns one or more random members of a set.', handler: spopCommand },
  { name: 'srandmember', summary: 'Returns random members of a set without removing them.', handler: srandmemberCommand },
  { name: 'sinter', summary: 'Lists the members common to all the given sets.', handler: sinterCommand },
  { name: 'sintercard', summary: 'Counts the members common to all the given sets, up to a limit.', handler: sintercardCommand, getKeys: sintercardKeys },
  { name: 'sinterstore', summary: 'Stores the intersection of sets in a key.', handler: sinterstoreCommand },
  { name: 'sunion', summary: 'Lists the members of any of the given sets.', handler: sunionCommand },
  { name: 'sunionstore', summary: 'Stores the union of sets in a key.', handler: sunionstoreCommand },
  { name: 'sdiff', summary: 'Lists the members of the first set that are in none of the others.', handler: sdiffCommand },
  { name: 'sdiffstore', summary: 'Stores the difference of sets in a key.', handler: sdiffstoreCommand },
  { name: 'sscan', summary: 'Iterates over the members of a set with a cursor.', handler: sscanCommand },
];

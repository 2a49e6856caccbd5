/*
 * Consumer-group commands (t_stream.c): XGROUP (CREATE CREATECONSUMER DELCONSUMER DESTROY SETID
 * HELP), XACK, XPENDING, XCLAIM, XAUTOCLAIM.
 *
 * XCLAIM and XAUTOCLAIM are never propagated as received: each claimed (or dropped, when the
 * entry no longer exists) PEL entry is propagated as XCLAIM ... FORCE JUSTID LASTID with its new
 * state, and an XCLAIM whose LASTID moved the group's last ID without claiming anything
 * propagates XGROUP SETID. Consumers these commands create fire "xgroup-createconsumer".
 */
import type { Argv } from '../protocol/argv.ts';
import { NOT_INTEGER, SYNTAX } from '../protocol/errors.ts';
import type { Db } from '../store/db.ts';
import { NOTIFY_STREAM } from '../store/events.ts';
import { OBJ_STREAM } from '../store/keyspace.ts';
import { type Consumer, type ConsumerGroup, ENTRIES_READ_INVALID, Nack, type Stream } from '../store/stream.ts';
import { ID_MAX, MASK64, parseStreamId } from '../store/stream-id.ts';
import { totalmem } from 'node:os';
import { parseLongLong, parseLongLongBig } from '../util/numbers.ts';
import type { CommandClient } from './context.ts';
import type { CommandDef } from './registry.ts';
import { consumerFor, resetCreatedConsumers } from './stream-read.ts';
import {
  addStreamKey, argIs, itB, parseIdArg, pid, propagateGroupId, propagateXclaim, replyEntry, replyId, seekEntry, streamOf,
} from './stream-util.ts';
import { replyHelp, subcommandSyntaxError, wrongType } from './util.ts';

const NEEDS_KEY =
  'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.';
const ENTRIESREAD_RANGE = 'ERR value for ENTRIESREAD must be positive or -1';
/** XAUTOCLAIM's largest COUNT (7.0: LONG_MAX / sizeof(streamID)). */
const XAUTOCLAIM_MAX_COUNT = 9223372036854775807n / 16n;

function noGroup(c: CommandClient, argv: Argv, ki: number, gi: number): void {
  c.w.error(`NOGROUP No such key '${argv.str(ki)}' or consumer group '${argv.str(gi)}'`);
}

// ---- XGROUP ------------------------------------------------------------------------------------

/**
 * The checks every XGROUP subcommand but HELP makes first: the key (argv[2]) must be a stream
 * (or absent with MKSTREAM), and SETID/CREATECONSUMER/DELCONSUMER need the group (argv[3]).
 * Returns the stream (null: absent) and group, or false after replying.
 */
function xgroupPrelude(c: CommandClient, argv: Argv, mkstream: boolean, needGroup: boolean): { s: Stream | null; g: ConsumerGroup | undefined } | false {
  const db = c.db;
  const e = db.writeArg(argv, 2);
  if (e >= 0 && wrongType(c, db, e, OBJ_STREAM)) return false;
  const s = e >= 0 ? streamOf(db, e) : null;
  if (s === null && !mkstream) {
    c.w.error(NEEDS_KEY);
    return false;
  }
  const g = s?.findGroup(argv.buf, argv.off[3], argv.len[3]);
  if (g === undefined && needGroup) {
    c.w.error(`NOGROUP No such consumer group '${argv.str(3)}' for key name '${argv.str(2)}'`);
    return false;
  }
  return { s, g };
}

/** ENTRIESREAD's value at argv[i], or null after replying. */
function entriesReadArg(c: CommandClient, argv: Argv, i: number): number | null {
  const v = parseLongLong(argv.buf, argv.off[i], argv.len[i]);
  if (Number.isNaN(v)) {
    c.w.error(NOT_INTEGER);
    return null;
  }
  if (v < 0 && v !== ENTRIES_READ_INVALID) {
    c.w.error(ENTRIESREAD_RANGE);
    return null;
  }
  return v;
}

// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]
function xgroupCreateCommand(c: CommandClient, argv: Argv): void {
  let mkstream = false;
  let entriesRead = ENTRIES_READ_INVALID;
  for (let i = 5; i < argv.argc; ) {
    if (argv.is(i, 'mkstream')) {
      mkstream = true;
      i++;
    } else if (argv.is(i, 'entriesread') && i + 1 < argv.argc) {
      const v = entriesReadArg(c, argv, i + 1);
      if (v === null) return;
      entriesRead = v;
      i += 2;
    } else {
      subcommandSyntaxError(c, argv);
      return;
    }
  }
  const pre = xgroupPrelude(c, argv, mkstream, false);
  if (pre === false) return;
  if (argv.argc > 8) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let s = pre.s;
  let id: bigint;
  if (argIs(argv, 4, 36)) id = s !== null ? s.lastId : 0n;
  else {
    if (!parseIdArg(c, argv, 4, 0n, true)) return;
    id = pid.id;
  }
  const db = c.db;
  if (s === null) {
    const e = addStreamKey(db, argv, 2);
    s = streamOf(db, e);
    db.signalModified(argv.buf, argv.off[2], argv.len[2]);
  }
  if (s.createGroup(argv.buf, argv.off[3], argv.len[3], id, entriesRead) === undefined) {
    c.w.error('BUSYGROUP Consumer Group name already exists');
    return;
  }
  c.w.ok();
  c.srv.dirty++;
  db.notifyArg(NOTIFY_STREAM, 'xgroup-create', argv, 2);
}

// XGROUP SETID key group id|$ [ENTRIESREAD entries-read]
function xgroupSetidCommand(c: CommandClient, argv: Argv): void {
  const pre = xgroupPrelude(c, argv, false, true);
  if (pre === false) return;
  if (argv.argc !== 5 && argv.argc !== 7) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const s = pre.s as Stream;
  const g = pre.g as ConsumerGroup;
  let id: bigint;
  if (argIs(argv, 4, 36)) id = s.lastId;
  else {
    if (!parseIdArg(c, argv, 4, 0n, false)) return;
    id = pid.id;
  }
  let entriesRead = ENTRIES_READ_INVALID;
  if (argv.argc === 7) {
    if (!argv.is(5, 'entriesread')) {
      subcommandSyntaxError(c, argv);
      return;
    }
    const v = entriesReadArg(c, argv, 6);
    if (v === null) return;
    entriesRead = v;
  }
  g.lastId = id;
  g.entriesRead = entriesRead;
  c.w.ok();
  c.srv.dirty++;
  c.db.notifyArg(NOTIFY_STREAM, 'xgroup-setid', argv, 2);
}

// XGROUP DESTROY key group
function xgroupDestroyCommand(c: CommandClient, argv: Argv): void {
  const pre = xgroupPrelude(c, argv, false, false);
  if (pre === false) return;
  if (pre.g === undefined) {
    c.w.integer(0);
    return;
  }
  (pre.s as Stream).destroyGroup(pre.g);
  c.w.integer(1);
  c.srv.dirty++;
  c.db.notifyArg(NOTIFY_STREAM, 'xgroup-destroy', argv, 2);
  // Blocked XREADGROUP clients of the group get their NOGROUP error.
  c.db.signalReady(argv.buf, argv.off[2], argv.len[2]);
}

// XGROUP CREATECONSUMER key group consumer
function xgroupCreateConsumerCommand(c: CommandClient, argv: Argv): void {
  const pre = xgroupPrelude(c, argv, false, true);
  if (pre === false) return;
  const g = pre.g as ConsumerGroup;
  const created = g.createConsumer(argv.buf, argv.off[4], argv.len[4], Date.now());
  if (created !== undefined) {
    c.db.notifyArg(NOTIFY_STREAM, 'xgroup-createconsumer', argv, 2);
    c.srv.dirty++;
  }
  c.w.integer(created !== undefined ? 1 : 0);
}

// XGROUP DELCONSUMER key group consumer
function xgroupDelConsumerCommand(c: CommandClient, argv: Argv): void {
  const pre = xgroupPrelude(c, argv, false, true);
  if (pre === false) return;
  const g = pre.g as ConsumerGroup;
  const cons = g.findConsumer(argv.buf, argv.off[4], argv.len[4]);
  let pending = 0;
  if (cons !== undefined) {
    pending = g.deleteConsumer(cons);
    c.srv.dirty++;
    c.db.notifyArg(NOTIFY_STREAM, 'xgroup-delconsumer', argv, 2);
  }
  c.w.integer(pending);
}

function xgroupHelpCommand(c: CommandClient): void {
  replyHelp(c, 'XGROUP', [
    'CREATE <key> <groupname> <id|$> [option]',
    '    Create a new consumer group. Options are:',
    '    * MKSTREAM',
    '      Create the empty stream if it does not exist.',
    '    * ENTRIESREAD entries_read',
    "      Set the group's entries_read counter (internal use).",
    'CREATECONSUMER <key> <groupname> <consumer>',
    '    Create a new consumer in the specified group.',
    'DELCONSUMER <key> <groupname> <consumer>',
    '    Remove the specified consumer.',
    'DESTROY <key> <groupname>',
    '    Remove the specified group.',
    'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
    '    Set the current group ID and entries_read counter.',
  ]);
}

// ---- XACK --------------------------------------------------------------------------------------

/**
 * The stream at argv[1] and group argv[2] for XACK, XCLAIM and XAUTOCLAIM: a read lookup, as
 * Redis's, then willModify since they edit the group. Null when either is missing, false after
 * WRONGTYPE.
 */
function streamAndGroup(c: CommandClient, argv: Argv): { s: Stream; g: ConsumerGroup } | null | false {
  const db: Db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) return null;
  if (wrongType(c, db, e, OBJ_STREAM)) return false;
  const s = streamOf(db, e);
  const g = s.findGroup(argv.buf, argv.off[2], argv.len[2]);
  if (g === undefined) return null;
  db.willModify(e);
  return { s, g };
}

// XACK key group id [id ...]
function xackCommand(c: CommandClient, argv: Argv): void {
  const sg = streamAndGroup(c, argv);
  if (sg === false) return;
  if (sg === null) {
    c.w.integer(0);
    return;
  }
  const ids: bigint[] = [];
  for (let j = 3; j < argv.argc; j++) {
    if (!parseIdArg(c, argv, j, 0n, true)) return;
    ids.push(pid.id);
  }
  let acked = 0;
  const g = sg.g;
  for (const id of ids) {
    const nack = g.pel.get(id);
    if (nack === undefined) continue;
    g.pel.delete(id);
    nack.consumer.pel.delete(id);
    acked++;
    c.srv.dirty++;
  }
  c.w.integer(acked);
}

// ---- XPENDING ----------------------------------------------------------------------------------

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
function xpendingCommand(c: CommandClient, argv: Argv): void {
  const justinfo = argv.argc === 3;
  if (argv.argc !== 3 && (argv.argc < 6 || argv.argc > 9)) {
    c.w.error(SYNTAX);
    return;
  }
  let start = 0n;
  let end = ID_MAX;
  let count = 0;
  let minidle = 0;
  let consIdx = -1;
  if (argv.argc >= 6) {
    let si = 3;
    if (argv.is(3, 'idle')) {
      const v = parseLongLong(argv.buf, argv.off[4], argv.len[4]);
      if (Number.isNaN(v)) {
        c.w.error(NOT_INTEGER);
        return;
      }
      minidle = v;
      if (argv.argc < 8) {
        c.w.error(SYNTAX);
        return;
      }
      si += 2;
    }
    const cv = parseLongLong(argv.buf, argv.off[si + 2], argv.len[si + 2]);
    if (Number.isNaN(cv)) {
      c.w.error(NOT_INTEGER);
      return;
    }
    count = cv < 0 ? 0 : cv;
    const b1 = parseBoundArg(c, argv, si, 0n);
    if (b1 === null) return;
    start = b1.id;
    if (b1.ex) {
      if (start === ID_MAX) {
        c.w.error('ERR invalid start ID for the interval');
        return;
      }
      start++;
    }
    const b2 = parseBoundArg(c, argv, si + 1, MASK64);
    if (b2 === null) return;
    end = b2.id;
    if (b2.ex) {
      if (end === 0n) {
        c.w.error('ERR invalid end ID for the interval');
        return;
      }
      end--;
    }
    if (si + 3 < argv.argc) consIdx = si + 3;
  }
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e >= 0 && wrongType(c, db, e, OBJ_STREAM)) return;
  const g = e >= 0 ? streamOf(db, e).findGroup(argv.buf, argv.off[2], argv.len[2]) : undefined;
  if (g === undefined) {
    noGroup(c, argv, 1, 2);
    return;
  }
  const w = c.w;
  if (justinfo) {
    w.arrayHeader(4);
    w.integer(g.pel.size);
    if (g.pel.size === 0) {
      w.nullBulk();
      w.nullBulk();
      w.nullArray();
      return;
    }
    replyId(w, g.pel.ids[0]!);
    replyId(w, g.pel.ids[g.pel.size - 1]!);
    let n = 0;
    for (const cons of g.consumers) if (cons.pel.size > 0) n++;
    w.arrayHeader(n);
    for (const cons of g.consumers) {
      if (cons.pel.size === 0) continue;
      w.arrayHeader(2);
      w.bulkBytes(cons.name);
      w.bulkString(String(cons.pel.size));
    }
    return;
  }
  let pel = g.pel;
  if (consIdx >= 0) {
    const cons = g.findConsumer(argv.buf, argv.off[consIdx], argv.len[consIdx]);
    if (cons === undefined) {
      w.arrayHeader(0);
      return;
    }
    pel = cons.pel;
  }
  const now = Date.now();
  const out: bigint[] = [];
  for (let i = pel.lowerBound(start); count > 0 && i < pel.size; i++) {
    const id = pel.ids[i]!;
    if (id > end) break;
    const nack = pel.get(id)!;
    if (minidle !== 0 && now - nack.deliveryTime < minidle) continue;
    out.push(id);
    count--;
  }
  w.arrayHeader(out.length);
  for (const id of out) {
    const nack = pel.get(id)!;
    w.arrayHeader(4);
    replyId(w, id);
    w.bulkBytes(nack.consumer.name);
    const el = now - nack.deliveryTime;
    w.integer(el < 0 ? 0 : el);
    w.integer(nack.deliveryCount);
  }
}

/** An interval bound: `(id` exclusive (strict), otherwise `-`/`+` allowed. */
function parseBoundArg(c: CommandClient, argv: Argv, i: number, missingSeq: bigint): { id: bigint; ex: boolean } | null {
  const ex = argv.len[i] > 1 && argv.buf[argv.off[i]] === 40;
  if (ex) {
    const o = argv.off[i];
    const n = argv.len[i];
    argv.off[i] = o + 1;
    argv.len[i] = n - 1;
    const ok = parseIdArg(c, argv, i, missingSeq, true);
    argv.off[i] = o;
    argv.len[i] = n;
    if (!ok) return null;
  } else if (!parseIdArg(c, argv, i, missingSeq, false)) return null;
  return { id: pid.id, ex };
}

// ---- XCLAIM / XAUTOCLAIM -----------------------------------------------------------------------

/** Moves nack to cons (both PELs). */
function reassign(nack: Nack, id: bigint, cons: Consumer): void {
  if (nack.consumer !== cons) {
    nack.consumer?.pel.delete(id);
    cons.pel.set(id, nack);
    nack.consumer = cons;
  }
}

/** Replies entry id (or a null when it is gone) for XCLAIM/XAUTOCLAIM without JUSTID. */
function replyClaimed(c: CommandClient, s: Stream, id: bigint, justid: boolean): void {
  if (justid) replyId(c.w, id);
  else if (seekEntry(s, id)) replyEntry(c.w, itB);
  else c.w.nullBulk();
}

function optError(c: CommandClient, argv: Argv, j: number, what: string): number {
  const v = parseLongLong(argv.buf, argv.off[j], argv.len[j]);
  if (Number.isNaN(v)) {
    c.w.error(`ERR Invalid ${what} option argument for XCLAIM`);
    return NaN;
  }
  return v;
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
function xclaimCommand(c: CommandClient, argv: Argv): void {
  const sg = streamAndGroup(c, argv);
  if (sg === false) return;
  if (sg === null) {
    noGroup(c, argv, 1, 2);
    return;
  }
  const { s, g } = sg;
  let minidle = parseLongLong(argv.buf, argv.off[4], argv.len[4]);
  if (Number.isNaN(minidle)) {
    c.w.error('ERR Invalid min-idle-time argument for XCLAIM');
    return;
  }
  if (minidle < 0) minidle = 0;
  const ids: bigint[] = [];
  let j = 5;
  for (; j < argv.argc; j++) {
    if (!parseStreamIdQuiet(argv, j)) break;
    ids.push(pid.id);
  }
  const lastIdArg = j - 1;
  const now = Date.now();
  let retrycount = -1;
  let deliverytime = -1;
  let force = false;
  let justid = false;
  let lastId = 0n;
  for (; j < argv.argc; j++) {
    const more = argv.argc - 1 - j;
    if (argv.is(j, 'force')) force = true;
    else if (argv.is(j, 'justid')) justid = true;
    else if (argv.is(j, 'idle') && more > 0) {
      j++;
      const v = optError(c, argv, j, 'IDLE');
      if (Number.isNaN(v)) return;
      deliverytime = now - v;
    } else if (argv.is(j, 'time') && more > 0) {
      j++;
      const v = optError(c, argv, j, 'TIME');
      if (Number.isNaN(v)) return;
      deliverytime = v;
    } else if (argv.is(j, 'retrycount') && more > 0) {
      j++;
      const v = optError(c, argv, j, 'RETRYCOUNT');
      if (Number.isNaN(v)) return;
      retrycount = v;
    } else if (argv.is(j, 'lastid') && more > 0) {
      j++;
      if (!parseIdArg(c, argv, j, 0n, true)) return;
      lastId = pid.id;
    } else {
      c.w.error(`ERR Unrecognized XCLAIM option '${argv.str(j)}'`);
      return;
    }
  }
  let propagateLastId = false;
  if (lastId > g.lastId) {
    g.lastId = lastId;
    propagateLastId = true;
  }
  if (deliverytime !== -1) {
    if (deliverytime < 0 || deliverytime > now) deliverytime = now;
  } else deliverytime = now;
  const key = argv.copy(1);
  const prop = c.srv.propagating;
  let cons: Consumer | null = null;
  const claimed: bigint[] = [];
  for (let k = 5; k <= lastIdArg; k++) {
    const id = ids[k - 5]!;
    let nack = g.pel.get(id);
    if (!seekEntry(s, id)) {
      if (nack !== undefined) {
        if (prop) propagateXclaim(c, key, g, g.name, argv.view(k), nack);
        propagateLastId = false;
        c.srv.dirty++;
        g.pel.delete(id);
        nack.consumer.pel.delete(id);
      }
      continue;
    }
    let fresh = false;
    if (force && nack === undefined) {
      nack = new Nack(null as unknown as Consumer, now, 0);
      g.pel.set(id, nack);
      fresh = true;
    }
    if (nack === undefined) continue;
    if (!fresh && minidle !== 0 && now - nack.deliveryTime < minidle) continue;
    cons ??= consumerFor(c, g, argv, 3, key, now);
    nack.deliveryTime = deliverytime;
    if (retrycount >= 0) nack.deliveryCount = retrycount;
    else if (!justid) nack.deliveryCount++;
    reassign(nack, id, cons);
    claimed.push(id);
    if (prop) propagateXclaim(c, key, g, g.name, argv.view(k), nack);
    propagateLastId = false;
    c.srv.dirty++;
  }
  if (propagateLastId) {
    if (prop) propagateGroupId(c, key, g, g.name);
    c.srv.dirty++;
  }
  c.w.arrayHeader(claimed.length);
  for (const id of claimed) replyClaimed(c, s, id, justid);
  c.srv.preventPropagation();
  resetCreatedConsumers();
}

/** streamParseStrictIDOrReply(NULL, ...): parses without replying. */
function parseStreamIdQuiet(argv: Argv, j: number): boolean {
  return parseIdSilently(argv.buf, argv.off[j], argv.len[j]);
}

function parseIdSilently(b: Uint8Array, o: number, n: number): boolean {
  return parseStreamId(b, o, n, 0n, true, false, pid);
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
function xautoclaimCommand(c: CommandClient, argv: Argv): void {
  let minidle = parseLongLong(argv.buf, argv.off[4], argv.len[4]);
  if (Number.isNaN(minidle)) {
    c.w.error('ERR Invalid min-idle-time argument for XAUTOCLAIM');
    return;
  }
  if (minidle < 0) minidle = 0;
  const b = parseBoundArg(c, argv, 5, 0n);
  if (b === null) return;
  let start = b.id;
  if (b.ex) {
    if (start === ID_MAX) {
      c.w.error('ERR invalid start ID for the interval');
      return;
    }
    start++;
  }
  let count = 100;
  let justid = false;
  for (let j = 6; j < argv.argc; j++) {
    const more = argv.argc - 1 - j;
    if (argv.is(j, 'count') && more > 0) {
      // 7.0: 1..LONG_MAX/16 (the deleted-ids array is count stream IDs), then that array is
      // allocated up front: a COUNT whose array could not be allocated here (more than this
      // machine's memory) gets Redis's allocation error. Spindle allocates nothing up front.
      const v = parseLongLongBig(argv.buf, argv.off[j + 1], argv.len[j + 1]);
      if (v === null || v < 1n || v > XAUTOCLAIM_MAX_COUNT) {
        c.w.error('ERR COUNT must be > 0');
        return;
      }
      if (v * 16n > BigInt(totalmem())) {
        c.w.error('ERR Insufficient memory, failed allocating transient memory, COUNT too high.');
        return;
      }
      count = Number(v);
      j++;
    } else if (argv.is(j, 'justid')) justid = true;
    else {
      c.w.error(SYNTAX);
      return;
    }
  }
  const sg = streamAndGroup(c, argv);
  if (sg === false) return;
  if (sg === null) {
    noGroup(c, argv, 1, 2);
    return;
  }
  const { s, g } = sg;
  let attempts = count * 10;
  const now = Date.now();
  const key = argv.copy(1);
  const prop = c.srv.propagating;
  let cons: Consumer | null = null;
  const claimed: bigint[] = [];
  const deleted: bigint[] = [];
  const pel = g.pel;
  let i = pel.lowerBound(start);
  while (attempts-- > 0 && count > 0 && i < pel.size) {
    const id = pel.ids[i]!;
    const nack = pel.get(id)!;
    if (!seekEntry(s, id)) {
      if (prop) propagateXclaim(c, key, g, g.name, id, nack);
      c.srv.dirty++;
      pel.delete(id);
      nack.consumer.pel.delete(id);
      deleted.push(id);
      count--;
      continue;
    }
    i++;
    if (minidle !== 0 && now - nack.deliveryTime < minidle) continue;
    cons ??= consumerFor(c, g, argv, 3, key, now);
    nack.deliveryTime = now;
    if (!justid) nack.deliveryCount++;
    reassign(nack, id, cons);
    claimed.push(id);
    count--;
    if (prop) propagateXclaim(c, key, g, g.name, id, nack);
    c.srv.dirty++;
  }
  const w = c.w;
  w.arrayHeader(3);
  replyId(w, i < pel.size ? pel.ids[i]! : 0n);
  w.arrayHeader(claimed.length);
  for (const id of claimed) replyClaimed(c, s, id, justid);
  w.arrayHeader(deleted.length);
  for (const id of deleted) replyId(w, id);
  c.srv.preventPropagation();
  resetCreatedConsumers();
}

export const streamGroupCommands: CommandDef[] = [
  {
    name: 'xgroup',
    summary: 'Manages the consumer groups of a stream.',
    subcommands: [
      { name: 'create', summary: 'Creates a consumer group.', handler: xgroupCreateCommand },
      { name: 'setid', summary: "Sets a group's last delivered ID.", handler: xgroupSetidCommand },
      { name: 'destroy', summary: 'Destroys a consumer group.', handler: xgroupDestroyCommand },
      { name: 'createconsumer', summary: 'Creates a consumer in a group.', handler: xgroupCreateConsumerCommand },
      { name: 'delconsumer', summary: 'Deletes a consumer from a group.', handler: xgroupDelConsumerCommand },
      { name: 'help', summary: 'Describes the XGROUP subcommands.', handler: xgroupHelpCommand },
    ],
  },
  { name: 'xack', summary: 'Acknowledges pending entries of a group.', handler: xackCommand },
  { name: 'xpending', summary: "Inspects a group's pending entries.", handler: xpendingCommand },
  { name: 'xclaim', summary: 'Transfers pending entries to another consumer.', handler: xclaimCommand },
  { name: 'xautoclaim', summary: 'Transfers idle pending entries to another consumer, cursor style.', handler: xautoclaimCommand },
];

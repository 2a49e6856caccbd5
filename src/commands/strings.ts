/*
 * String commands (t_string.c): values are bytes in the keyspace arena; the encoding that
 * OBJECT ENCODING reports (int / embstr / raw) is kept in the entry's meta and chosen as Redis
 * chooses it: SET-like commands encode like tryObjectEncoding, APPEND and SETRANGE produce raw,
 * INCR-family results are int, INCRBYFLOAT results embstr or raw by length.
 *
 * Every write that changes a key touches its WATCHers, publishes its keyspace event and counts
 * in the dirty counter as t_string.c does: "set" for SET-like writes (plus a generic "expire"
 * when an expiry comes with it), "setrange", "append", "incrby" for the whole INCR/DECR family,
 * "incrbyfloat"; GETEX reports "expire", "persist" or "del"; GETDEL "del". A write that changes
 * nothing (SET NX on an existing key, SETRANGE with an empty value, a failed increment) reports
 * nothing.
 */
import type { Argv } from '../protocol/argv.ts';
import {
  NAN_OR_INF, NOT_FLOAT, NOT_INTEGER, OFFSET_OUT_OF_RANGE, OVERFLOW, STRING_TOO_LONG, SYNTAX, invalidExpireTime, wrongArity,
} from '../protocol/errors.ts';
import { parserLimits } from '../protocol/parser.ts';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../store/events.ts';
import type { Db } from '../store/db.ts';
import { ENC_EMBSTR, ENC_INT, ENC_RAW, OBJ_STRING } from '../store/keyspace.ts';
import { formatInt64, int64ByteLength, parseInt64, formatLongDoubleHuman, longDoubleAdd, longDoubleIsFinite, parseLongDouble, type LongDouble } from '../util/numbers.ts';
import type { CommandClient } from './context.ts';
import type { CommandDef } from './registry.ts';
import { INT64_MAX, INT64_MIN, addInt64, argInt64, replyValue, storeString, stringEncoding, wrongType } from './util.ts';

const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;
const SET_PERSIST = 16;
const SET_EX = 32;
const SET_PX = 64;
const SET_EXAT = 128;
const SET_PXAT = 256;
const ANY_EXPIRE = SET_EX | SET_PX | SET_EXAT | SET_PXAT;

const MAX_STRING = 2 ** 31 - 1;

/** Redis's checkStringLength. */
function checkStringLength(c: CommandClient, size: number): boolean {
  if (size > parserLimits.maxBulkLen || size > MAX_STRING) {
    c.w.error(STRING_TOO_LONG);
    return false;
  }
  return true;
}

interface ExtendedArgs {
  flags: number;
  expireIdx: number;
}

const parsed: ExtendedArgs = { flags: 0, expireIdx: 0 };

/**
 * Parses SET's (forSet) or GETEX's options from argument `from` (parseExtendedStringArguments).
 * Returns false after replying a syntax error.
 */
function parseExtended(c: CommandClient, argv: Argv, from: number, forSet: boolean): boolean {
  let flags = 0;
  let expireIdx = 0;
  for (let j = from; j < argv.argc; j++) {
    const hasNext = j < argv.argc - 1;
    if (forSet && argv.is(j, 'nx') && (flags & SET_XX) === 0) flags |= SET_NX;
    else if (forSet && argv.is(j, 'xx') && (flags & SET_NX) === 0) flags |= SET_XX;
    else if (forSet && argv.is(j, 'get')) flags |= SET_GET;
    else if (forSet && argv.is(j, 'keepttl') && (flags & (SET_PERSIST | ANY_EXPIRE)) === 0) flags |= SET_KEEPTTL;
    else if (!forSet && argv.is(j, 'persist') && (flags & (ANY_EXPIRE | SET_KEEPTTL)) === 0) flags |= SET_PERSIST;
    else if (argv.is(j, 'ex') && (flags & (SET_KEEPTTL | SET_PERSIST | SET_EXAT | SET_PX | SET_PXAT)) === 0 && hasNext) {
      flags |= SET_EX;
      expireIdx = ++j;
    } else if (argv.is(j, 'px') && (flags & (SET_KEEPTTL | SET_PERSIST | SET_EX | SET_EXAT | SET_PXAT)) === 0 && hasNext) {
      flags |= SET_PX;
      expireIdx = ++j;
    } else if (argv.is(j, 'exat') && (flags & (SET_KEEPTTL | SET_PERSIST | SET_EX | SET_PX | SET_PXAT)) === 0 && hasNext) {
      flags |= SET_EXAT;
      expireIdx = ++j;
    } else if (argv.is(j, 'pxat') && (flags & (SET_KEEPTTL | SET_PERSIST | SET_EX | SET_EXAT | SET_PX)) === 0 && hasNext) {
      flags |= SET_PXAT;
      expireIdx = ++j;
    } else {
      c.w.error(SYNTAX);
      return false;
    }
  }
  parsed.flags = flags;
  parsed.expireIdx = expireIdx;
  return true;
}

/**
 * Absolute expiry in ms from an EX/PX/EXAT/PXAT argument (getExpireMillisecondsOrReply).
 * Returns NaN after replying an error.
 */
function expireFromArg(c: CommandClient, argv: Argv, i: number, flags: number, fullName: string): number {
  const raw = argInt64(c, argv, i);
  if (raw === null) return NaN;
  const seconds = (flags & (SET_EX | SET_EXAT)) !== 0;
  const v = BigInt(raw);
  if (v <= 0n || (seconds && v > INT64_MAX / 1000n)) {
    c.w.error(invalidExpireTime(fullName));
    return NaN;
  }
  let ms = seconds ? v * 1000n : v;
  if ((flags & (SET_EX | SET_PX)) !== 0) ms += BigInt(Date.now());
  if (ms > INT64_MAX || ms <= 0n) {
    c.w.error(invalidExpireTime(fullName));
    return NaN;
  }
  return Number(ms);
}

/** GET's reply for entry e (nil when absent); false after a WRONGTYPE reply. */
function replyGet(c: CommandClient, db: Db, e: number): boolean {
  if (e < 0) {
    c.w.nullBulk();
    return true;
  }
  if (wrongType(c, db, e, OBJ_STRING)) return false;
  replyValue(c, db, e);
  return true;
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
function setCommand(c: CommandClient, argv: Argv): void {
  if (argv.argc === 3) {
    // Fast path: plain SET.
    const e = c.db.writeArg(argv, 1);
    const o = argv.off[2];
    const n = argv.len[2];
    storeString(c, argv, 1, e, argv.buf, o, n, stringEncoding(argv.buf, o, n), false);
    c.db.changed(argv, 1, NOTIFY_STRING, 'set');
    c.srv.dirty++;
    c.w.ok();
    return;
  }
  if (!parseExtended(c, argv, 3, true)) return;
  setGeneric(c, argv, parsed.flags, parsed.expireIdx, 'set');
}

function setGeneric(c: CommandClient, argv: Argv, flags: number, expireIdx: number, fullName: string): void {
  let at = -1;
  if (expireIdx > 0) {
    at = expireFromArg(c, argv, expireIdx, flags, fullName);
    if (Number.isNaN(at)) return;
  }
  const srv = c.srv;
  const db = c.db;
  if ((flags & SET_GET) !== 0) {
    const g = c.db.readArg(argv, 1);
    if (!replyGet(c, db, g)) return;
  }
  const e = c.db.writeArg(argv, 1);
  if (((flags & SET_NX) !== 0 && e >= 0) || ((flags & SET_XX) !== 0 && e < 0)) {
    if ((flags & SET_GET) === 0) c.w.nullBulk();
    return;
  }
  const o = argv.off[2];
  const n = argv.len[2];
  const ne = storeString(c, argv, 1, e, argv.buf, o, n, stringEncoding(argv.buf, o, n), (flags & SET_KEEPTTL) !== 0);
  c.db.changed(argv, 1, NOTIFY_STRING, 'set');
  srv.dirty++;
  if (at >= 0) {
    db.setExpire(ne, at);
    db.notify(NOTIFY_GENERIC, 'expire', argv.buf, argv.off[1], argv.len[1]);
    // 7.0 propagates an EX/PX/EXAT expiry as SET key value PXAT <ms> (other options dropped).
    if ((flags & SET_PXAT) === 0 && srv.propagating) propagateSetPxat(c, argv, 2, at);
  } else if ((flags & SET_GET) !== 0 && expireIdx === 0 && srv.propagating) {
    // Without an expiry argument, 7.0 propagates SET without its GET option.
    const args: Uint8Array[] = [];
    for (let i = 0; i < argv.argc; i++) if (i < 3 || !argv.is(i, 'get')) args.push(argv.view(i));
    srv.rewriteCommand(args);
  }
  if ((flags & SET_GET) === 0) c.w.ok();
}

/** Propagates SET key <argv[vi]> PXAT at (setGenericCommand's rewrite). */
function propagateSetPxat(c: CommandClient, argv: Argv, vi: number, at: number): void {
  c.srv.rewriteCommand(['SET', argv.view(1), argv.view(vi), 'PXAT', String(at)]);
}

// SETNX key value
function setnxCommand(c: CommandClient, argv: Argv): void {
  const e = c.db.writeArg(argv, 1);
  if (e >= 0) {
    c.w.integer(0);
    return;
  }
  const o = argv.off[2];
  const n = argv.len[2];
  storeString(c, argv, 1, e, argv.buf, o, n, stringEncoding(argv.buf, o, n), false);
  c.db.changed(argv, 1, NOTIFY_STRING, 'set');
  c.srv.dirty++;
  c.w.integer(1);
}

// SETEX key seconds value
function setexCommand(c: CommandClient, argv: Argv): void {
  setWithExpire(c, argv, SET_EX, 'setex');
}

// PSETEX key milliseconds value
function psetexCommand(c: CommandClient, argv: Argv): void {
  setWithExpire(c, argv, SET_PX, 'psetex');
}

function setWithExpire(c: CommandClient, argv: Argv, unit: number, fullName: string): void {
  const at = expireFromArg(c, argv, 2, unit, fullName);
  if (Number.isNaN(at)) return;
  const e = c.db.writeArg(argv, 1);
  const o = argv.off[3];
  const n = argv.len[3];
  const ne = storeString(c, argv, 1, e, argv.buf, o, n, stringEncoding(argv.buf, o, n), false);
  c.db.changed(argv, 1, NOTIFY_STRING, 'set');
  c.srv.dirty++;
  c.db.setExpire(ne, at);
  c.db.notify(NOTIFY_GENERIC, 'expire', argv.buf, argv.off[1], argv.len[1]);
  if (c.srv.propagating) propagateSetPxat(c, argv, 3, at);
  c.w.ok();
}

// GET key
function getCommand(c: CommandClient, argv: Argv): void {
  replyGet(c, c.db, c.db.readArg(argv, 1));
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]
function getexCommand(c: CommandClient, argv: Argv): void {
  if (!parseExtended(c, argv, 2, false)) return;
  const { flags, expireIdx } = parsed;
  let at = -1;
  if (expireIdx > 0) {
    at = expireFromArg(c, argv, expireIdx, flags, 'getex');
    if (Number.isNaN(at)) return;
  }
  const db = c.db;
  const e = c.db.readArg(argv, 1);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  if (wrongType(c, db, e, OBJ_STRING)) return;
  replyValue(c, db, e);
  const srv = c.srv;
  if (at >= 0) {
    // Only EXAT/PXAT can name a time already past: the key goes, as an explicit delete.
    // Propagated as DEL or as PEXPIREAT <ms> (getexCommand's rewrites).
    if (at <= Date.now()) {
      db.delete(e);
      c.db.changed(argv, 1, NOTIFY_GENERIC, 'del');
      if (srv.propagating) srv.rewriteCommand(['DEL', argv.view(1)]);
    } else {
      db.setExpire(e, at);
      c.db.changed(argv, 1, NOTIFY_GENERIC, 'expire');
      if (srv.propagating) srv.rewriteCommand(['PEXPIREAT', argv.view(1), String(at)]);
    }
    srv.dirty++;
  } else if ((flags & SET_PERSIST) !== 0 && db.persist(e)) {
    c.db.changed(argv, 1, NOTIFY_GENERIC, 'persist');
    srv.dirty++;
    if (srv.propagating) srv.rewriteCommand(['PERSIST', argv.view(1)]);
  }
}

// GETDEL key
function getdelCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = c.db.readArg(argv, 1);
  if (!replyGet(c, db, e) || e < 0) return;
  db.delete(e);
  c.db.changed(argv, 1, NOTIFY_GENERIC, 'del');
  c.srv.dirty++;
  if (c.srv.propagating) c.srv.rewriteCommand(['DEL', argv.view(1)]);
}

// GETSET key value
function getsetCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const g = c.db.readArg(argv, 1);
  if (!replyGet(c, db, g)) return;
  const e = c.db.writeArg(argv, 1);
  const o = argv.off[2];
  const n = argv.len[2];
  storeString(c, argv, 1, e, argv.buf, o, n, stringEncoding(argv.buf, o, n), false);
  c.db.changed(argv, 1, NOTIFY_STRING, 'set');
  c.srv.dirty++;
  // 7.0 propagates GETSET as SET (rewriteClientCommandArgument(c, 0, shared.set)).
  if (c.srv.propagating) c.srv.rewriteCommand(['SET', argv.view(1), argv.view(2)]);
}

// MGET key [key ...]
function mgetCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const w = c.w;
  w.arrayHeader(argv.argc - 1);
  for (let i = 1; i < argv.argc; i++) {
    const e = c.db.readArg(argv, i);
    if (e < 0 || (db.type(e)) !== OBJ_STRING) w.nullBulk();
    else replyValue(c, db, e);
  }
}

// MSET key value [key value ...]
function msetCommand(c: CommandClient, argv: Argv): void {
  if (argv.argc % 2 === 0) {
    c.w.error(wrongArity('mset'));
    return;
  }
  msetAll(c, argv);
  c.w.ok();
}

function msetAll(c: CommandClient, argv: Argv): void {
  for (let i = 1; i < argv.argc; i += 2) {
    const e = c.db.writeArg(argv, i);
    const o = argv.off[i + 1];
    const n = argv.len[i + 1];
    storeString(c, argv, i, e, argv.buf, o, n, stringEncoding(argv.buf, o, n), false);
    c.db.changed(argv, i, NOTIFY_STRING, 'set');
  }
  c.srv.dirty += (argv.argc - 1) / 2;
}

// MSETNX key value [key value ...]
function msetnxCommand(c: CommandClient, argv: Argv): void {
  if (argv.argc % 2 === 0) {
    c.w.error(wrongArity('msetnx'));
    return;
  }
  for (let i = 1; i < argv.argc; i += 2) {
    if (c.db.writeArg(argv, i) >= 0) {
      c.w.integer(0);
      return;
    }
  }
  msetAll(c, argv);
  c.w.integer(1);
}

// APPEND key value
function appendCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = c.db.writeArg(argv, 1);
  const o = argv.off[2];
  const n = argv.len[2];
  if (e < 0) {
    // The new value is the argument object as parsed: embstr or raw, never int.
    storeString(c, argv, 1, -1, argv.buf, o, n, n <= 44 ? ENC_EMBSTR : ENC_RAW, false);
    c.db.changed(argv, 1, NOTIFY_STRING, 'append');
    c.srv.dirty++;
    c.w.integer(n);
    return;
  }
  if (wrongType(c, db, e, OBJ_STRING)) return;
  const old = db.valLen(e);
  if (!checkStringLength(c, old + n)) return;
  const v = db.resizeValue(e, old + n, old);
  db.arena.u8.set(argv.buf.subarray(o, o + n), v + old);
  db.setEncoding(e, ENC_RAW);
  c.db.changed(argv, 1, NOTIFY_STRING, 'append');
  c.srv.dirty++;
  c.w.integer(old + n);
}

// STRLEN key
function strlenCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = c.db.readArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_STRING)) return;
  c.w.integer(db.valLen(e));
}

// GETRANGE key start end
function getrangeCommand(c: CommandClient, argv: Argv): void {
  const s = argInt64(c, argv, 2);
  if (s === null) return;
  const en = argInt64(c, argv, 3);
  if (en === null) return;
  let start = Number(s);
  let end = Number(en);
  const db = c.db;
  const e = c.db.readArg(argv, 1);
  if (e < 0) {
    c.w.bulkString('');
    return;
  }
  if (wrongType(c, db, e, OBJ_STRING)) return;
  const len = db.valLen(e);
  if (start < 0 && end < 0 && start > end) {
    c.w.bulkString('');
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) {
    c.w.bulkString('');
    return;
  }
  c.w.bulk(db.arena.u8, db.valOff(e) + start, end - start + 1);
}

// SETRANGE key offset value
function setrangeCommand(c: CommandClient, argv: Argv): void {
  const off = argInt64(c, argv, 2);
  if (off === null) return;
  if (off < 0) {
    c.w.error(OFFSET_OUT_OF_RANGE);
    return;
  }
  const offset = Number(off);
  const db = c.db;
  const n = argv.len[3];
  const e = c.db.writeArg(argv, 1);
  if (e < 0) {
    if (n === 0) {
      c.w.integer(0);
      return;
    }
    if (!checkStringLength(c, offset + n)) return;
    const ne = storeString(c, argv, 1, -1, argv.buf, 0, 0, ENC_RAW, false);
    const v = db.resizeValue(ne, offset + n, 0);
    const u8 = db.arena.u8;
    u8.fill(0, v, v + offset);
    u8.set(argv.view(3), v + offset);
    c.db.changed(argv, 1, NOTIFY_STRING, 'setrange');
    c.srv.dirty++;
    c.w.integer(offset + n);
    return;
  }
  if (wrongType(c, db, e, OBJ_STRING)) return;
  const old = db.valLen(e);
  if (n === 0) {
    c.w.integer(old);
    return;
  }
  if (!checkStringLength(c, offset + n)) return;
  const total = Math.max(old, offset + n);
  const v = db.resizeValue(e, total, old);
  const u8 = db.arena.u8;
  if (offset > old) u8.fill(0, v + old, v + offset);
  u8.set(argv.view(3), v + offset);
  db.setEncoding(e, ENC_RAW);
  c.db.changed(argv, 1, NOTIFY_STRING, 'setrange');
  c.srv.dirty++;
  c.w.integer(total);
}

const intScratch = Buffer.allocUnsafe(24);

/** Writes a decimal integer as the string value of key argv[1] (int encoding), in place. */
function storeInteger(c: CommandClient, argv: Argv, e: number, value: number | bigint): void {
  const len = int64ByteLength(value);
  if (e >= 0) {
    const db = c.db;
    formatInt64(value, db.arena.u8, db.resizeValue(e, len, 0));
    db.setEncoding(e, ENC_INT);
    return;
  }
  formatInt64(value, intScratch, 0);
  storeString(c, argv, 1, -1, intScratch, 0, len, ENC_INT, true);
}

/** INCR/DECR/INCRBY/DECRBY (incrDecrCommand). */
function incrDecr(c: CommandClient, argv: Argv, incr: number | bigint): void {
  const db = c.db;
  const e = c.db.writeArg(argv, 1);
  let cur: number | bigint = 0;
  if (e >= 0) {
    if (wrongType(c, db, e, OBJ_STRING)) return;
    const v = parseInt64(db.arena.u8, db.valOff(e), db.valLen(e));
    if (v === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    cur = v;
  }
  const result = addInt64(cur, incr);
  if (result === null) {
    c.w.error(OVERFLOW);
    return;
  }
  storeInteger(c, argv, e, result);
  c.db.changed(argv, 1, NOTIFY_STRING, 'incrby');
  c.srv.dirty++;
  if (typeof result === 'number') c.w.integer(result);
  else c.w.bigInteger(result);
}

// INCR key
function incrCommand(c: CommandClient, argv: Argv): void {
  incrDecr(c, argv, 1);
}

// DECR key
function decrCommand(c: CommandClient, argv: Argv): void {
  incrDecr(c, argv, -1);
}

// INCRBY key increment
function incrbyCommand(c: CommandClient, argv: Argv): void {
  const v = argInt64(c, argv, 2);
  if (v !== null) incrDecr(c, argv, v);
}

// DECRBY key decrement
function decrbyCommand(c: CommandClient, argv: Argv): void {
  const v = argInt64(c, argv, 2);
  if (v === null) return;
  if (v === INT64_MIN) {
    c.w.error('ERR decrement would overflow');
    return;
  }
  incrDecr(c, argv, typeof v === 'number' ? -v : -v);
}

const ZERO_LD = parseLongDouble(Buffer.from('0'), 0, 1) as LongDouble;

// INCRBYFLOAT key increment
function incrbyfloatCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = c.db.writeArg(argv, 1);
  let cur: LongDouble | null = ZERO_LD;
  if (e >= 0) {
    if (wrongType(c, db, e, OBJ_STRING)) return;
    cur = parseLongDouble(db.arena.u8, db.valOff(e), db.valLen(e));
  }
  const incr = cur === null ? null : parseLongDouble(argv.buf, argv.off[2], argv.len[2]);
  if (cur === null || incr === null) {
    c.w.error(NOT_FLOAT);
    return;
  }
  const value = longDoubleAdd(cur, incr);
  if (!longDoubleIsFinite(value)) {
    c.w.error(NAN_OR_INF);
    return;
  }
  const text = formatLongDoubleHuman(value);
  const bytes = Buffer.from(text, 'latin1');
  storeString(c, argv, 1, e, bytes, 0, bytes.length, bytes.length <= 44 ? ENC_EMBSTR : ENC_RAW, true);
  c.db.changed(argv, 1, NOTIFY_STRING, 'incrbyfloat');
  c.srv.dirty++;
  // Propagated as the resulting value, so float formatting cannot differ on replay.
  if (c.srv.propagating) c.srv.rewriteCommand(['SET', argv.view(1), bytes, 'KEEPTTL']);
  c.w.bulk(bytes, 0, bytes.length);
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
function lcsCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const ea = c.db.readArg(argv, 1);
  const va = ea >= 0 && db.type(ea) === OBJ_STRING ? db.valBytes(ea) : null;
  const eb = c.db.readArg(argv, 2);
  if ((ea >= 0 && db.type(ea) !== OBJ_STRING) || (eb >= 0 && db.type(eb) !== OBJ_STRING)) {
    c.w.error('ERR The specified keys must contain string values');
    return;
  }
  const a = va ?? Buffer.alloc(0);
  const b = eb >= 0 ? db.valBytes(eb) : Buffer.alloc(0);
  let getIdx = false;
  let getLen = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.argc; j++) {
    const more = argv.argc - 1 - j;
    if (argv.is(j, 'idx')) getIdx = true;
    else if (argv.is(j, 'len')) getLen = true;
    else if (argv.is(j, 'withmatchlen')) withMatchLen = true;
    else if (argv.is(j, 'minmatchlen') && more > 0) {
      const v = argInt64(c, argv, j + 1);
      if (v === null) return;
      minMatchLen = v < 0 ? 0 : Number(v);
      j++;
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }
  if (getIdx && getLen) {
    c.w.error('ERR If you want both the length and indexes, please just use IDX.');
    return;
  }
  const alen = a.length;
  const blen = b.length;
  if ((alen + 1) * (blen + 1) * 4 > parserLimits.maxBulkLen) {
    c.w.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
    return;
  }
  lcsReply(c, a, b, getIdx, getLen, withMatchLen, minMatchLen);
}

/*
 * LCS by dynamic programming over a (alen+1) x (blen+1) table, then a walk back from the end
 * that collects the common string and, for IDX, the matching ranges from last to first, merging
 * contiguous matches (the order and merging rules of Redis's implementation).
 */
function lcsReply(c: CommandClient, a: Uint8Array, b: Uint8Array, getIdx: boolean, getLen: boolean, withMatchLen: boolean, minMatchLen: number): void {
  const alen = a.length;
  const blen = b.length;
  const cols = blen + 1;
  const dp = new Uint32Array((alen + 1) * cols);
  for (let i = 1; i <= alen; i++) {
    for (let j = 1; j <= blen; j++) {
      if (a[i - 1] === b[j - 1]) dp[i * cols + j] = dp[(i - 1) * cols + j - 1] + 1;
      else {
        const l1 = dp[(i - 1) * cols + j];
        const l2 = dp[i * cols + j - 1];
        dp[i * cols + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  const total = dp[alen * cols + blen];
  if (getLen) {
    c.w.integer(total);
    return;
  }
  const result = Buffer.alloc(total);
  const matches: number[][] = [];
  let idx = total;
  let i = alen;
  let j = blen;
  let aStart = alen;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (aStart === alen) {
        aStart = i - 1;
        aEnd = i - 1;
        bStart = j - 1;
        bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const l1 = dp[(i - 1) * cols + j];
      const l2 = dp[i * cols + j - 1];
      if (l1 > l2) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    const matchLen = aEnd - aStart + 1;
    if (emit) {
      if (getIdx && (minMatchLen === 0 || matchLen >= minMatchLen)) {
        matches.push(withMatchLen ? [aStart, aEnd, bStart, bEnd, matchLen] : [aStart, aEnd, bStart, bEnd]);
      }
      aStart = alen;
    }
  }
  const w = c.w;
  if (!getIdx) {
    w.bulk(result, 0, total);
    return;
  }
  w.mapHeader(2);
  w.bulkString('matches');
  w.arrayHeader(matches.length);
  for (const m of matches) {
    w.arrayHeader(m.length === 5 ? 3 : 2);
    w.arrayHeader(2);
    w.integer(m[0]);
    w.integer(m[1]);
    w.arrayHeader(2);
    w.integer(m[2]);
    w.integer(m[3]);
    if (m.length === 5) w.integer(m[4]);
  }
  w.bulkString('len');
  w.integer(total);
}

export const stringCommands: CommandDef[] = [
  { name: 'get', summary: 'Returns the string value of a key.', handler: getCommand },
  { name: 'set', summary: 'Sets the string value of a key, with optional conditions and expiry.', handler: setCommand },
  { name: 'setnx', summary: 'Sets a key only when it does not exist.', handler: setnxCommand },
  { name: 'setex', summary: 'Sets a key with an expiry in seconds.', handler: setexCommand },
  { name: 'psetex', summary: 'Sets a key with an expiry in milliseconds.', handler: psetexCommand },
  { name: 'getex', summary: 'Returns a string value and optionally changes its expiry.', handler: getexCommand },
  { name: 'getdel', summary: 'Returns a string value and deletes the key.', handler: getdelCommand },
  { name: 'getset', summary: 'Sets a string value and returns the previous one.', handler: getsetCommand },
  { name: 'mget', summary: 'Returns the values of several keys.', handler: mgetCommand },
  { name: 'mset', summary: 'Sets several keys at once.', handler: msetCommand },
  { name: 'msetnx', summary: 'Sets several keys only when none of them exists.', handler: msetnxCommand },
  { name: 'append', summary: 'Appends to a string value.', handler: appendCommand },
  { name: 'strlen', summary: 'Returns the length of a string value.', handler: strlenCommand },
  { name: 'getrange', summary: 'Returns a substring of a string value.', handler: getrangeCommand },
  { name: 'substr', summary: 'Returns a substring of a string value (old name of GETRANGE).', handler: getrangeCommand },
  { name: 'setrange', summary: 'Overwrites part of a string value at an offset.', handler: setrangeCommand },
  { name: 'incr', summary: 'Increments an integer value by one.', handler: incrCommand },
  { name: 'decr', summary: 'Decrements an integer value by one.', handler: decrCommand },
  { name: 'incrby', summary: 'Increments an integer value by a number.', handler: incrbyCommand },
  { name: 'decrby', summary: 'Decrements an integer value by a number.', handler: decrbyCommand },
  { name: 'incrbyfloat', summary: 'Increments a floating point value by a number.', handler: incrbyfloatCommand },
  { name: 'lcs', summary: 'Finds the longest common substring of two string values.', handler: lcsCommand },
];


/*
 * Hash commands (t_hash.c). Two encodings, as in Redis 7.0:
 *
 *   listpack   field, value, field, value ... in one listpack, stored as BYTES IN THE KEY'S RECORD
 *              (no JS object per key: a million small hashes cost a few dozen bytes each). Reads
 *              go through a view into the arena; writes edit that view in place when it has room
 *              and otherwise produce a new listpack that is copied back into the record, padded to
 *              fill its arena block so that the next small write usually fits in place.
 *   hashtable  a ByteDict (src/store/bytedict.ts) in the key's object slot: field and value bytes
 *              in the shared arena, dense ids for O(1) uniform random picks, Redis's SCAN cursor.
 *
 * Conversion goes one way, listpack -> hashtable, at Redis's points: before a write when any
 * argument is longer than hash-max-listpack-value (hashTypeTryConversion), when a single set brings
 * a field or value over that length (HINCRBY*, hashTypeSet), and after an insert that takes the
 * field count over hash-max-listpack-entries. The thresholds are read per command (CONFIG SET
 * changes them at any time). A hash that becomes empty is deleted.
 *
 * Change tracking follows t_hash.c: HSET/HMSET always report "hset" and count one change per
 * pair given (even when a value did not change), HSETNX only when it set the field, HDEL only when
 * it removed something ("hdel", then a generic "del" when the hash went away, one change per
 * field), HINCRBY/HINCRBYFLOAT one change once the new value is stored. Each touches WATCHes on
 * the key before publishing its event.
 */
import { IntList } from '../util/int-list.ts';
import type { Argv } from '../protocol/argv.ts';
import { INVALID_CURSOR, NOT_FLOAT, NAN_OR_INF, OVERFLOW, SYNTAX, wrongArity } from '../protocol/errors.ts';
import type { ByteDict } from '../store/bytedict.ts';
import { OBJ_HASH } from '../store/keyspace.ts';
import {
  ent, found, hashDictOf, hashEditor as editor, hashGet, hashIsListpack as isListpack, hashLength, lpValue, numBuf,
} from '../store/hash-type.ts';
import { lpDeleteRangeWithEntry, lpFind, lpFirst, lpGet, lpLength, lpNext, lpSeek } from '../store/listpack.ts';
import { globMatch } from '../util/glob.ts';
import {
  formatInt64, formatLongDoubleHuman, int64ByteLength, longDoubleAdd, longDoubleFromInt64, longDoubleIsFinite,
  parseInt64, parseLongDouble, type LongDouble,
} from '../util/numbers.ts';
import type { CommandClient } from './context.ts';
import { NOTIFY_GENERIC, NOTIFY_HASH } from '../store/events.ts';
import { parseScanCursor, parseScanOptions, registerDuplicator, scanOptions } from './keys.ts';
import type { CommandDef } from './registry.ts';
import { addInt64, argInt64, wrongType } from './util.ts';

const HASH_NOT_INTEGER = 'ERR hash value is not an integer';
const HASH_NOT_FLOAT = 'ERR hash value is not a float';
const INCR_NAN_OR_INF = 'ERR value is NaN or Infinity';
const RANGE_WITHVALUES = 'ERR value is out of range';
const RANGE_COUNT = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';

const LONG_MAX = 9223372036854775807n;

registerDuplicator(OBJ_HASH, (obj) => (obj as ByteDict).clone());

/** Opens the hash editor on entry e (-1: a key to create) with the listpack limits in force now. */
function openEditor(c: CommandClient, e: number): void {
  // Named loads (config.num(name) is a megamorphic keyed load, ~5% of HSET's path).
  const cfg = c.srv.config.values;
  editor.open(c.db, e, cfg['hash-max-listpack-entries'], cfg['hash-max-listpack-value']);
}

/**
 * Looks key argv[1] up for a write: its entry, -1 when absent, or -2 after a WRONGTYPE reply
 * (hashTypeLookupWriteOrCreate without the create: close() adds the key).
 */
function lookupWrite(c: CommandClient, argv: Argv): number {
  const e = c.db.writeArg(argv, 1);
  if (e >= 0 && wrongType(c, c.db, e, OBJ_HASH)) return -2;
  return e;
}

/** Replies the listpack entry at p as a bulk string (integers in decimal). */
function replyLpEntry(c: CommandClient, lp: Uint8Array, p: number): void {
  lpGet(lp, p, ent);
  if (ent.isInt) c.w.bulk(numBuf, 0, formatInt64(ent.int, numBuf, 0));
  else c.w.bulk(lp, ent.strOff, ent.strLen);
}

function replyDictKey(c: CommandClient, d: ByteDict, id: number): void {
  c.w.bulk(d.arena.u8, d.keyOff(id), d.keyLen(id));
}

function replyDictVal(c: CommandClient, d: ByteDict, id: number): void {
  c.w.bulk(d.arena.u8, d.valOff(id), d.valLen(id));
}

// ---- HSET HSETNX HMSET HDEL ----------------------------------------------------------------

function hsetGeneric(c: CommandClient, argv: Argv, name: string): void {
  if (argv.argc % 2 === 1) {
    c.w.error(wrongArity(name));
    return;
  }
  const e = lookupWrite(c, argv);
  if (e === -2) return;
  openEditor(c, e);
  editor.tryConversion(argv, 2, argv.argc - 1);
  let created = 0;
  const b = argv.buf;
  for (let i = 2; i < argv.argc; i += 2) {
    created += editor.set(b, argv.off[i], argv.len[i], b, argv.off[i + 1], argv.len[i + 1]);
  }
  editor.close(argv, 1);
  if (name === 'hset') c.w.integer(created);
  else c.w.ok();
  c.db.changed(argv, 1, NOTIFY_HASH, 'hset');
  c.srv.dirty += (argv.argc - 2) >>> 1;
}

// HSET key field value [field value ...]
function hsetCommand(c: CommandClient, argv: Argv): void {
  hsetGeneric(c, argv, 'hset');
}

// HMSET key field value [field value ...]
function hmsetCommand(c: CommandClient, argv: Argv): void {
  hsetGeneric(c, argv, 'hmset');
}

// HSETNX key field value
function hsetnxCommand(c: CommandClient, argv: Argv): void {
  const e = lookupWrite(c, argv);
  if (e === -2) return;
  const b = argv.buf;
  // The field is checked first: an existing field converts nothing, as in Redis.
  if (e >= 0 && hashGet(c.db, e, b, argv.off[2], argv.len[2])) {
    c.w.integer(0);
    return;
  }
  openEditor(c, e);
  editor.tryConversion(argv, 2, 3);
  editor.set(b, argv.off[2], argv.len[2], b, argv.off[3], argv.len[3]);
  editor.close(argv, 1);
  c.w.integer(1);
  c.db.changed(argv, 1, NOTIFY_HASH, 'hset');
  c.srv.dirty++;
}

// HDEL key field [field ...]
function hdelCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = c.db.writeArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_HASH)) return;
  const b = argv.buf;
  let deleted = 0;
  let empty = false;
  if (isListpack(db, e)) {
    const view = db.valView(e);
    let lp = view;
    for (let i = 2; i < argv.argc; i++) {
      const p = lpFind(lp, lpFirst(lp), b, argv.off[i], argv.len[i], 1);
      if (p < 0) continue;
      lp = lpDeleteRangeWithEntry(lp, p, 2);
      deleted++;
      if (lpFirst(lp) < 0) {
        empty = true;
        break;
      }
    }
    if (empty) db.delete(e);
    else if (lp !== view) db.storeListpack(e, lp);
  } else {
    const d = hashDictOf(db, e);
    for (let i = 2; i < argv.argc; i++) {
      if (!d.delete(b, argv.off[i], argv.len[i])) continue;
      deleted++;
      if (d.size === 0) {
        db.delete(e);
        empty = true;
        break;
      }
    }
  }
  if (deleted !== 0) {
    c.db.changed(argv, 1, NOTIFY_HASH, 'hdel');
    if (empty) db.notify(NOTIFY_GENERIC, 'del', b, argv.off[1], argv.len[1]);
    c.srv.dirty += deleted;
  }
  c.w.integer(deleted);
}

// ---- HGET HMGET HLEN HSTRLEN HEXISTS -------------------------------------------------------

/** Looks key argv[1] up for reading: entry, -1 when absent, -2 after a WRONGTYPE reply. */
function lookupRead(c: CommandClient, argv: Argv): number {
  const e = c.db.readArg(argv, 1);
  if (e >= 0 && wrongType(c, c.db, e, OBJ_HASH)) return -2;
  return e;
}

// HGET key field
function hgetCommand(c: CommandClient, argv: Argv): void {
  const e = lookupRead(c, argv);
  if (e === -2) return;
  if (e < 0 || !hashGet(c.db, e, argv.buf, argv.off[2], argv.len[2])) c.w.nullBulk();
  else c.w.bulk(found.buf, found.off, found.len);
}

// HMGET key field [field ...]
function hmgetCommand(c: CommandClient, argv: Argv): void {
  const e = lookupRead(c, argv);
  if (e === -2) return;
  const db = c.db;
  c.w.arrayHeader(argv.argc - 2);
  for (let i = 2; i < argv.argc; i++) {
    if (e < 0 || !hashGet(db, e, argv.buf, argv.off[i], argv.len[i])) c.w.nullBulk();
    else c.w.bulk(found.buf, found.off, found.len);
  }
}

// HLEN key
function hlenCommand(c: CommandClient, argv: Argv): void {
  const e = lookupRead(c, argv);
  if (e === -2) return;
  c.w.integer(e < 0 ? 0 : hashLength(c.db, e));
}

// HSTRLEN key field
function hstrlenCommand(c: CommandClient, argv: Argv): void {
  const e = lookupRead(c, argv);
  if (e === -2) return;
  if (e < 0 || !hashGet(c.db, e, argv.buf, argv.off[2], argv.len[2])) c.w.integer(0);
  else c.w.integer(found.isInt ? int64ByteLength(found.int) : found.len);
}

// HEXISTS key field
function hexistsCommand(c: CommandClient, argv: Argv): void {
  const e = lookupRead(c, argv);
  if (e === -2) return;
  c.w.integer(e >= 0 && hashGet(c.db, e, argv.buf, argv.off[2], argv.len[2]) ? 1 : 0);
}

// ---- HKEYS HVALS HGETALL -------------------------------------------------------------------

const WANT_KEYS = 1;
const WANT_VALS = 2;

function getallGeneric(c: CommandClient, argv: Argv, want: number): void {
  const both = want === (WANT_KEYS | WANT_VALS);
  const e = lookupRead(c, argv);
  if (e === -2) return;
  const w = c.w;
  if (e < 0) {
    if (both) w.mapHeader(0);
    else w.arrayHeader(0);
    return;
  }
  const db = c.db;
  const len = hashLength(db, e);
  if (both) w.mapHeader(len);
  else w.arrayHeader(len);
  if (isListpack(db, e)) {
    const lp = db.valView(e);
    for (let p = lpFirst(lp); p >= 0; ) {
      const vp = lpNext(lp, p);
      if ((want & WANT_KEYS) !== 0) replyLpEntry(c, lp, p);
      if ((want & WANT_VALS) !== 0) replyLpEntry(c, lp, vp);
      p = lpNext(lp, vp);
    }
    return;
  }
  const d = hashDictOf(db, e);
  for (let id = 0; id < d.size; id++) {
    if ((want & WANT_KEYS) !== 0) replyDictKey(c, d, id);
    if ((want & WANT_VALS) !== 0) replyDictVal(c, d, id);
  }
}

// HKEYS key
function hkeysCommand(c: CommandClient, argv: Argv): void {
  getallGeneric(c, argv, WANT_KEYS);
}

// HVALS key
function hvalsCommand(c: CommandClient, argv: Argv): void {
  getallGeneric(c, argv, WANT_VALS);
}

// HGETALL key
function hgetallCommand(c: CommandClient, argv: Argv): void {
  getallGeneric(c, argv, WANT_KEYS | WANT_VALS);
}

// ---- HINCRBY HINCRBYFLOAT ------------------------------------------------------------------

const incrBuf = new Uint8Array(24);

// HINCRBY key field increment
function hincrbyCommand(c: CommandClient, argv: Argv): void {
  const incr = argInt64(c, argv, 3);
  if (incr === null) return;
  const e = lookupWrite(c, argv);
  if (e === -2) return;
  const db = c.db;
  const b = argv.buf;
  let cur: number | bigint = 0;
  if (e >= 0 && hashGet(db, e, b, argv.off[2], argv.len[2])) {
    const v = found.isInt ? found.int : parseInt64(found.buf, found.off, found.len);
    if (v === null) {
      c.w.error(HASH_NOT_INTEGER);
      return;
    }
    cur = v;
  }
  const result = addInt64(cur, incr);
  if (result === null) {
    c.w.error(OVERFLOW);
    return;
  }

  const n = formatInt64(result, incrBuf, 0);
  openEditor(c, e);
  editor.set(b, argv.off[2], argv.len[2], incrBuf, 0, n);
  editor.close(argv, 1);
  if (typeof result === 'number') c.w.integer(result);
  else c.w.bigInteger(result);
  c.db.changed(argv, 1, NOTIFY_HASH, 'hincrby');
  c.srv.dirty++;
}

// HINCRBYFLOAT key field increment
function hincrbyfloatCommand(c: CommandClient, argv: Argv): void {
  const incr = parseLongDouble(argv.buf, argv.off[3], argv.len[3]);
  if (incr === null) {
    c.w.error(NOT_FLOAT);
    return;
  }
  if (!longDoubleIsFinite(incr)) {
    c.w.error(INCR_NAN_OR_INF);
    return;
  }
  const e = lookupWrite(c, argv);
  if (e === -2) return;
  const db = c.db;
  const b = argv.buf;
  let cur: LongDouble | null = longDoubleFromInt64(0);
  if (e >= 0 && hashGet(db, e, b, argv.off[2], argv.len[2])) {
    cur = found.isInt ? longDoubleFromInt64(found.int) : parseLongDouble(found.buf, found.off, found.len);
    if (cur === null) {
      c.w.error(HASH_NOT_FLOAT);
      return;
    }
  }
  const value = longDoubleAdd(cur, incr);
  if (!longDoubleIsFinite(value)) {
    c.w.error(NAN_OR_INF);
    return;
  }
  const text = Buffer.from(formatLongDoubleHuman(value), 'latin1');
  openEditor(c, e);
  editor.set(b, argv.off[2], argv.len[2], text, 0, text.length);
  editor.close(argv, 1);
  c.w.bulk(text, 0, text.length);
  c.db.changed(argv, 1, NOTIFY_HASH, 'hincrbyfloat');
  c.srv.dirty++;
  // Propagated as HSET of the result, so float formatting cannot differ on replay.
  if (c.srv.propagating) c.srv.rewriteCommand(['HSET', argv.view(1), argv.view(2), text]);
}

// ---- HRANDFIELD ----------------------------------------------------------------------------

/*
 * HRANDFIELD follows Redis 7.0's cases, which decide the reply's order and repetitions:
 *   no count          one random field (bulk), nil when the key is missing;
 *   count < 0 or 1    |count| independent uniform picks, repeats allowed, in random order;
 *   count >= size     the whole hash in its own order;
 *   listpack          `count` distinct fields chosen in one ordered pass (selection sampling,
 *                     like lpRandomPairsUnique), so they come in listpack order;
 *   hashtable         `count` distinct ids: when count is close to the size (3 * count > size)
 *                     by a partial shuffle of all ids, else by rejection of repeats (Redis's
 *                     CASE 3 and CASE 4). Dense ids make each pick O(1) and exactly uniform.
 * With WITHVALUES, RESP2 gets a flat array and RESP3 an array of [field, value] pairs.
 */

/** Field offsets of a listpack hash, for random access by pair index (reused). */
let pairOffs = new Int32Array(256);
let shuffle = new Int32Array(256);
const picked = new Set<number>();

function collectPairs(lp: Uint8Array, size: number): void {
  if (pairOffs.length < size) pairOffs = new Int32Array(Math.max(size, pairOffs.length * 2));
  let i = 0;
  for (let p = lpFirst(lp); p >= 0; p = lpNext(lp, lpNext(lp, p))) pairOffs[i++] = p;
}

function replyLpPair(c: CommandClient, lp: Uint8Array, p: number, withValues: boolean): void {
  if (withValues && c.resp > 2) c.w.arrayHeader(2);
  replyLpEntry(c, lp, p);
  if (withValues) replyLpEntry(c, lp, lpNext(lp, p));
}

function replyDictPair(c: CommandClient, d: ByteDict, id: number, withValues: boolean): void {
  if (withValues && c.resp > 2) c.w.arrayHeader(2);
  replyDictKey(c, d, id);
  if (withValues) replyDictVal(c, d, id);
}

function randomIndex(n: number): number {
  return Math.floor(Math.random() * n);
}

// HRANDFIELD key [count [WITHVALUES]]
function hrandfieldCommand(c: CommandClient, argv: Argv): void {
  if (argv.argc === 2) {
    const e = lookupRead(c, argv);
    if (e === -2) return;
    if (e < 0) {
      c.w.nullBulk();
      return;
    }
    const db = c.db;
    if (isListpack(db, e)) {
      const lp = db.valView(e);
      replyLpEntry(c, lp, lpSeek(lp, 2 * randomIndex(lpLength(lp) >>> 1)));
    } else {
      const d = hashDictOf(db, e);
      replyDictKey(c, d, d.randomId());
    }
    return;
  }
  const raw = argInt64(c, argv, 2);
  if (raw === null) return;
  if (raw < -LONG_MAX) {
    c.w.error(RANGE_COUNT);
    return;
  }
  let withValues = false;
  if (argv.argc > 4 || (argv.argc === 4 && !argv.is(3, 'withvalues'))) {
    c.w.error(SYNTAX);
    return;
  }
  if (argv.argc === 4) {
    withValues = true;
    if (raw < -(LONG_MAX / 2n) || raw > LONG_MAX / 2n) {
      c.w.error(RANGE_WITHVALUES);
      return;
    }
  }
  const e = lookupRead(c, argv);
  if (e === -2) return;
  if (e < 0) {
    c.w.arrayHeader(0);
    return;
  }
  hrandfieldWithCount(c, e, Number(raw), withValues);
}

function hrandfieldWithCount(c: CommandClient, e: number, l: number, withValues: boolean): void {
  const db = c.db;
  const w = c.w;
  const unique = l >= 0;
  let count = Math.abs(l);
  if (count === 0) {
    w.arrayHeader(0);
    return;
  }
  const lp = isListpack(db, e) ? db.valView(e) : null;
  const d = lp === null ? hashDictOf(db, e) : null;
  const size = lp !== null ? lpLength(lp) >>> 1 : (d as ByteDict).size;
  const flat = withValues && c.resp === 2;

  // Picks with repetition (negative count, or a count of 1).
  if (!unique || count === 1) {
    w.arrayHeader(flat ? count * 2 : count);
    if (lp !== null) {
      collectPairs(lp, size);
      while (count-- > 0) replyLpPair(c, lp, pairOffs[randomIndex(size)], withValues);
    } else {
      const dd = d as ByteDict;
      while (count-- > 0) replyDictPair(c, dd, dd.randomId(), withValues);
    }
    return;
  }

  const n = count < size ? count : size;
  w.arrayHeader(flat ? n * 2 : n);
  // The whole hash.
  if (count >= size) {
    if (lp !== null) {
      for (let p = lpFirst(lp); p >= 0; p = lpNext(lp, lpNext(lp, p))) replyLpPair(c, lp, p, withValues);
    } else {
      const dd = d as ByteDict;
      for (let id = 0; id < size; id++) replyDictPair(c, dd, id, withValues);
    }
    return;
  }
  // Listpack: distinct fields in listpack order, in one pass.
  if (lp !== null) {
    let need = count;
    let left = size;
    for (let p = lpFirst(lp); p >= 0 && need > 0; p = lpNext(lp, lpNext(lp, p)), left--) {
      if (Math.random() * left < need) {
        replyLpPair(c, lp, p, withValues);
        need--;
      }
    }
    return;
  }
  const dd = d as ByteDict;
  if (count * 3 > size) {
    // Partial Fisher-Yates over all ids.
    if (shuffle.length < size) shuffle = new Int32Array(Math.max(size, shuffle.length * 2));
    for (let i = 0; i < size; i++) shuffle[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + randomIndex(size - i);
      const t = shuffle[i];
      shuffle[i] = shuffle[j];
      shuffle[j] = t;
      replyDictPair(c, dd, shuffle[i], withValues);
    }
    return;
  }
  picked.clear();
  while (picked.size < count) {
    const id = dd.randomId();
    if (picked.has(id)) continue;
    picked.add(id);
    replyDictPair(c, dd, id, withValues);
  }
  picked.clear();
}

// ---- HSCAN ---------------------------------------------------------------------------------

/*
 * HSCAN, as scanGenericCommand: a listpack hash is returned whole with cursor 0 (COUNT is
 * ignored); a hashtable is scanned bucket by bucket with the dict's reverse-binary cursor until
 * COUNT elements (fields and values both count, as in Redis) or 10 * COUNT buckets. MATCH
 * filters on the field. A missing key gets the empty scan reply before the options are parsed.
 */

const scanIds = new IntList();

// HSCAN key cursor [MATCH pattern] [COUNT count]
function hscanCommand(c: CommandClient, argv: Argv): void {
  let cursor = parseScanCursor(argv.buf, argv.off[2], argv.len[2]);
  if (cursor < 0) {
    c.w.error(INVALID_CURSOR);
    return;
  }
  const e = lookupRead(c, argv);
  if (e === -2) return;
  const w = c.w;
  if (e < 0) {
    w.arrayHeader(2);
    w.bulkString('0');
    w.arrayHeader(0);
    return;
  }
  if (!parseScanOptions(c, argv, 3, false)) return;
  const count = scanOptions.count;
  const pat = scanOptions.pattern;
  const pb = argv.buf;
  const usePattern = pat >= 0 && !(argv.len[pat] === 1 && pb[argv.off[pat]] === 0x2a);
  const po = pat >= 0 ? argv.off[pat] : 0;
  const pn = pat >= 0 ? argv.len[pat] : 0;
  const db = c.db;

  if (isListpack(db, e)) {
    const lp = db.valView(e);
    scanIds.clear();
    for (let p = lpFirst(lp); p >= 0; p = lpNext(lp, lpNext(lp, p))) {
      if (usePattern) {
        lpValue(lp, p);
        if (!globMatch(pb, po, pn, found.buf, found.off, found.len, false)) continue;
      }
      scanIds.push(p);
    }
    w.arrayHeader(2);
    w.bulkString('0');
    w.arrayHeader(scanIds.length * 2);
    for (let i = 0; i < scanIds.length; i++) {
      const p = scanIds.items[i];
      replyLpEntry(c, lp, p);
      replyLpEntry(c, lp, lpNext(lp, p));
    }
    scanIds.clear();
    return;
  }

  const d = hashDictOf(db, e);
  scanIds.clear();
  let maxIterations = count * 10;
  do {
    cursor = d.scan(cursor, scanIds.push);
  } while (cursor !== 0 && maxIterations-- > 0 && scanIds.length * 2 < count);
  const u8 = d.arena.u8;
  let kept = 0;
  for (let i = 0; i < scanIds.length; i++) {
    const id = scanIds.items[i];
    if (usePattern && !globMatch(pb, po, pn, u8, d.keyOff(id), d.keyLen(id), false)) scanIds.items[i] = -1;
    else kept++;
  }
  w.arrayHeader(2);
  w.bulkString(String(cursor));
  w.arrayHeader(kept * 2);
  for (let i = 0; i < scanIds.length; i++) {
    const id = scanIds.items[i];
    if (id < 0) continue;
    replyDictKey(c, d, id);
    replyDictVal(c, d, id);
  }
  scanIds.clear();
}

export const hashCommands: CommandDef[] = [
  { name: 'hset', summary: 'Sets fields of a hash, creating it if needed; returns how many fields were added.', handler: hsetCommand },
  { name: 'hsetnx', summary: 'Sets a hash field only when it does not exist yet.', handler: hsetnxCommand },
  { name: 'hmset', summary: 'Sets fields of a hash (older form of HSET that replies OK).', handler: hmsetCommand },
  { name: 'hget', summary: 'Returns the value of a hash field.', handler: hgetCommand },
  { name: 'hmget', summary: 'Returns the values of several hash fields.', handler: hmgetCommand },
  { name: 'hdel', summary: 'Removes fields from a hash.', handler: hdelCommand },
  { name: 'hlen', summary: 'Returns the number of fields in a hash.', handler: hlenCommand },
  { name: 'hstrlen', summary: 'Returns the length of a hash field\'s value.', handler: hstrlenCommand },
  { name: 'hexists', summary: 'Tells whether a hash field exists.', handler: hexistsCommand },
  { name: 'hkeys', summary: 'Returns all field names of a hash.', handler: hkeysCommand },
  { name: 'hvals', summary: 'Returns all values of a hash.', handler: hvalsCommand },
  { name: 'hgetall', summary: 'Returns all fields and values of a hash.', handler: hgetallCommand },
  { name: 'hincrby', summary: 'Adds an integer to the integer value of a hash field.', handler: hincrbyCommand },
  { name: 'hincrbyfloat', summary: 'Adds a floating point number to the value of a hash field.', handler: hincrbyfloatCommand },
  { name: 'hrandfield', summary: 'Returns one or more random fields of a hash, optionally with their values.', handler: hrandfieldCommand },
  { name: 'hscan', summary: 'Iterates over the fields and values of a hash with a cursor.', handler: hscanCommand },
];

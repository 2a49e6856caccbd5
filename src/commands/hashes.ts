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
import { ByteDict } from '../store/bytedict.ts';
import { ENC_HT, ENC_LISTPACK, OBJ_HASH, listpackRecordLength, type Keyspace } from '../store/keyspace.ts';
import {
  LpEntry, lpAppend, lpBytes, lpDeleteRangeWithEntry, lpEntrySizeFor, lpFind, lpFirst, lpGet, lpLength, lpNew, lpNext, lpReplace,
  lpSafeToAdd, lpSeek,
} from '../store/listpack.ts';
import { globMatch } from '../util/glob.ts';
import {
  formatInt64, formatLongDoubleHuman, int64ByteLength, longDoubleAdd, longDoubleFromInt64, longDoubleIsFinite,
  parseInt64, parseLongDouble, type LongDouble,
} from '../util/numbers.ts';
import type { Client } from '../server/client.ts';
import { NOTIFY_GENERIC, NOTIFY_HASH } from '../server/config-table.ts';
import { parseScanCursor, parseScanOptions, registerDuplicator, scanOptions } from './keys.ts';
import type { CommandDef } from './registry.ts';
import { addInt64, argInt64, wrongType } from './util.ts';

const HASH_NOT_INTEGER = 'ERR hash value is not an integer';
const HASH_NOT_FLOAT = 'ERR hash value is not a float';
const INCR_NAN_OR_INF = 'ERR value is NaN or Infinity';
const RANGE_WITHVALUES = 'ERR value is out of range';
const RANGE_COUNT = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';

const HASH_LP = OBJ_HASH | (ENC_LISTPACK << 4);
const HASH_HT = OBJ_HASH | (ENC_HT << 4);

const LONG_MAX = 9223372036854775807n;

/** Listpack entries are decoded into this one scratch entry (never held across calls). */
const ent = new LpEntry();
/** Decimal text of an integer listpack entry (int64: at most 20 bytes). */
const numBuf = new Uint8Array(24);

registerDuplicator(OBJ_HASH, (obj) => (obj as ByteDict).clone());

// ---- data-type API -------------------------------------------------------------------------

function isListpack(db: Keyspace, e: number): boolean {
  return ((db.meta[e] >>> 4) & 15) === ENC_LISTPACK;
}

function dictOf(db: Keyspace, e: number): ByteDict {
  return db.getObject(e) as ByteDict;
}

/** Fields in hash entry e (hashTypeLength). */
function hashLength(db: Keyspace, e: number): number {
  return isListpack(db, e) ? lpLength(db.valView(e)) >>> 1 : dictOf(db, e).size;
}

/** Bytes of the value found by hashGet: valBuf[valOff, valOff+valLen). */
let valBuf: Uint8Array = numBuf;
let valOff = 0;
let valLen = 0;
/** For a listpack integer found by hashGet: its value (valIsInt); else valInt is unused. */
let valIsInt = false;
let valInt: number | bigint = 0;

/** Points valBuf/valOff/valLen at the listpack entry at p (integers as decimal text). */
function lpValue(lp: Uint8Array, p: number): void {
  lpGet(lp, p, ent);
  if (ent.isInt) {
    valIsInt = true;
    valInt = ent.int;
    valBuf = numBuf;
    valOff = 0;
    valLen = formatInt64(ent.int, numBuf, 0);
  } else {
    valIsInt = false;
    valBuf = lp;
    valOff = ent.strOff;
    valLen = ent.strLen;
  }
}

/**
 * Looks field b[o, o+n) up in hash entry e; when present, points valBuf/valOff/valLen at its value
 * (no copy: valid until the hash or the arena changes) and returns true.
 */
function hashGet(db: Keyspace, e: number, b: Uint8Array, o: number, n: number): boolean {
  if (isListpack(db, e)) {
    const lp = db.valView(e);
    const p = lpFind(lp, lpFirst(lp), b, o, n, 1);
    if (p < 0) return false;
    lpValue(lp, lpNext(lp, p));
    return true;
  }
  const d = dictOf(db, e);
  const id = d.find(b, o, n);
  if (id < 0) return false;
  valIsInt = false;
  valBuf = d.arena.u8;
  valOff = d.valOff(id);
  valLen = d.valLen(id);
  return true;
}

/**
 * A copy of the value of field b[o, o+n) of hash entry e (integers as decimal text), or null when
 * the field is absent or e is not a hash. For SORT's BY/GET key->field patterns.
 */
export function hashFieldValue(db: Keyspace, e: number, b: Uint8Array, o: number, n: number): Uint8Array | null {
  if ((db.meta[e] & 15) !== OBJ_HASH || !hashGet(db, e, b, o, n)) return null;
  return valBuf.slice(valOff, valOff + valLen);
}

const fieldScratch = new Uint8Array(24);

/** A ByteDict holding the pairs of listpack lp (hashTypeConvertListpack). */
function listpackToDict(db: Keyspace, lp: Uint8Array): ByteDict {
  const d = new ByteDict(db.arena, lpLength(lp) >>> 1);
  for (let p = lpFirst(lp); p >= 0; ) {
    const vp = lpNext(lp, p);
    lpGet(lp, p, ent);
    let fb: Uint8Array = lp;
    let fo = ent.strOff;
    let fn = ent.strLen;
    if (ent.isInt) {
      fb = fieldScratch;
      fo = 0;
      fn = formatInt64(ent.int, fieldScratch, 0);
    }
    lpValue(lp, vp);
    d.add(fb, fo, fn, valBuf, valOff, valLen);
    p = lpNext(lp, vp);
  }
  return d;
}

/*
 * Writes to one hash go through this editor: open() on the key's entry (or on a key to create),
 * any number of set()/tryConversion() calls, then close() stores the result: a listpack that was
 * reallocated is copied back into the record, a conversion puts the dict in the object slot, a
 * new key is added. Between open and close no other key may be looked up (entry ids and the
 * record view would go stale). One instance serves every command (commands never nest).
 */
class HashEditor {
  private db!: Keyspace;
  private e = -1;
  /** The listpack being edited (a view of the record, or a new array), null once a dict. */
  private lp: Uint8Array | null = null;
  /** The record's view as opened (to tell whether lp was reallocated). */
  private view: Uint8Array | null = null;
  private dict: ByteDict | null = null;
  private converted = false;
  private maxEntries = 0;
  private maxValue = 0;

  open(c: Client, e: number): void {
    const db = c.db;
    this.db = db;
    this.e = e;
    this.converted = false;
    this.maxEntries = c.srv.config.num('hash-max-listpack-entries');
    this.maxValue = c.srv.config.num('hash-max-listpack-value');
    if (e < 0) {
      this.lp = scratchListpack();
      this.view = null;
      this.dict = null;
    } else if (isListpack(db, e)) {
      this.lp = this.view = db.valView(e);
      this.dict = null;
    } else {
      this.lp = this.view = null;
      this.dict = dictOf(db, e);
    }
  }

  /** hashTypeTryConversion: converts when any of argv[from..to] is longer than the value limit. */
  tryConversion(argv: Argv, from: number, to: number): void {
    if (this.lp === null) return;
    let sum = 0;
    for (let i = from; i <= to; i++) {
      const n = argv.len[i];
      if (n > this.maxValue) {
        this.convert();
        return;
      }
      sum += n;
    }
    if (!lpSafeToAdd(this.lp, sum)) this.convert();
  }

  private convert(): void {
    this.dict = listpackToDict(this.db, this.lp as Uint8Array);
    this.lp = null;
    this.converted = true;
  }

  /** Sets field f to value v (hashTypeSet). Returns 1 when the field was created, 0 when updated. */
  set(fb: Uint8Array, fo: number, fn: number, vb: Uint8Array, vo: number, vn: number): number {
    let lp = this.lp;
    if (lp !== null) {
      if (fn > this.maxValue || vn > this.maxValue) {
        this.convert();
      } else {
        const p = lpFind(lp, lpFirst(lp), fb, fo, fn, 1);
        if (p >= 0) {
          lp = withRoom(lp, lpEntrySizeFor(vb, vo, vn)); // offsets survive the move
          this.lp = lpReplace(lp, lpNext(lp, p), vb, vo, vn);
          return 0;
        }
        lp = withRoom(lp, lpEntrySizeFor(fb, fo, fn) + lpEntrySizeFor(vb, vo, vn));
        lp = lpAppend(lp, fb, fo, fn);
        this.lp = lpAppend(lp, vb, vo, vn);
        if (lpLength(this.lp) >>> 1 > this.maxEntries) this.convert();
        return 1;
      }
    }
    const d = this.dict as ByteDict;
    const id = d.find(fb, fo, fn);
    if (id >= 0) {
      d.setValue(id, vb, vo, vn);
      return 0;
    }
    d.add(fb, fo, fn, vb, vo, vn);
    return 1;
  }

  /** Stores the result under key argv[keyIdx] (the key looked up just before open). */
  close(c: Client, argv: Argv, keyIdx: number): void {
    const db = this.db;
    let e = this.e;
    if (e < 0) {
      const lp = this.lp;
      if (lp !== null) {
        const n = lpBytes(lp);
        e = c.srv.addKey(db, argv, keyIdx, listpackRecordLength(argv.len[keyIdx], n), HASH_LP);
        db.arena.u8.set(lp.subarray(0, n), db.valOff(e));
      } else {
        e = c.srv.addKey(db, argv, keyIdx, 0, HASH_LP);
        db.setObject(e, this.dict);
        db.meta[e] = (db.meta[e] & ~0xff) | HASH_HT;
      }
    } else if (this.converted) {
      db.setObject(e, this.dict);
      db.meta[e] = (db.meta[e] & ~0xff) | HASH_HT;
    } else if (this.lp !== null && this.lp !== this.view) {
      db.storeListpack(e, this.lp);
    }
    this.lp = this.view = null;
    this.dict = null;
  }
}

const editor = new HashEditor();

/*
 * Listpacks are built and grown in one reused scratch buffer rather than in a fresh small array per
 * command: a new key's listpack starts here, and an existing one moves here (one copy) when its
 * record has no room for a write. The scratch is off-heap (an explicit ArrayBuffer), which also
 * matters for speed: asking a small on-heap typed array for its `.buffer` (as the listpack code
 * does to detect overlapping sources) makes V8 move it off the heap first.
 */
const SCRATCH_BYTES = 1 << 16;
const lpScratch = new Uint8Array(new ArrayBuffer(SCRATCH_BYTES));
const EMPTY_LP = lpNew();

/** The scratch buffer holding an empty listpack. */
function scratchListpack(): Uint8Array {
  lpScratch.set(EMPTY_LP);
  return lpScratch;
}

/**
 * lp itself when it has `extra` spare bytes (or cannot move to the scratch), else a copy of it in
 * the scratch buffer.
 */
function withRoom(lp: Uint8Array, extra: number): Uint8Array {
  const used = lpBytes(lp);
  if (used + extra <= lp.length || lp === lpScratch || used + extra > SCRATCH_BYTES) return lp;
  lpScratch.set(lp.subarray(0, used));
  return lpScratch;
}

/**
 * Looks key argv[1] up for a write: its entry, -1 when absent, or -2 after a WRONGTYPE reply
 * (hashTypeLookupWriteOrCreate without the create: close() adds the key).
 */
function lookupWrite(c: Client, argv: Argv): number {
  const e = c.srv.writeKey(c, argv, 1);
  if (e >= 0 && wrongType(c, c.db, e, OBJ_HASH)) return -2;
  return e;
}

/** Replies the listpack entry at p as a bulk string (integers in decimal). */
function replyLpEntry(c: Client, lp: Uint8Array, p: number): void {
  lpGet(lp, p, ent);
  if (ent.isInt) c.w.bulk(numBuf, 0, formatInt64(ent.int, numBuf, 0));
  else c.w.bulk(lp, ent.strOff, ent.strLen);
}

function replyDictKey(c: Client, d: ByteDict, id: number): void {
  c.w.bulk(d.arena.u8, d.keyOff(id), d.keyLen(id));
}

function replyDictVal(c: Client, d: ByteDict, id: number): void {
  c.w.bulk(d.arena.u8, d.valOff(id), d.valLen(id));
}

// ---- HSET HSETNX HMSET HDEL ----------------------------------------------------------------

function hsetGeneric(c: Client, argv: Argv, name: string): void {
  if (argv.argc % 2 === 1) {
    c.w.error(wrongArity(name));
    return;
  }
  const e = lookupWrite(c, argv);
  if (e === -2) return;
  editor.open(c, e);
  editor.tryConversion(argv, 2, argv.argc - 1);
  let created = 0;
  const b = argv.buf;
  for (let i = 2; i < argv.argc; i += 2) {
    created += editor.set(b, argv.off[i], argv.len[i], b, argv.off[i + 1], argv.len[i + 1]);
  }
  editor.close(c, argv, 1);
  if (name === 'hset') c.w.integer(created);
  else c.w.ok();
  c.srv.keyChanged(c, argv, 1, NOTIFY_HASH, 'hset');
  c.srv.dirty += (argv.argc - 2) >>> 1;
}

// HSET key field value [field value ...]
function hsetCommand(c: Client, argv: Argv): void {
  hsetGeneric(c, argv, 'hset');
}

// HMSET key field value [field value ...]
function hmsetCommand(c: Client, argv: Argv): void {
  hsetGeneric(c, argv, 'hmset');
}

// HSETNX key field value
function hsetnxCommand(c: Client, argv: Argv): void {
  const e = lookupWrite(c, argv);
  if (e === -2) return;
  const b = argv.buf;
  // The field is checked first: an existing field converts nothing, as in Redis.
  if (e >= 0 && hashGet(c.db, e, b, argv.off[2], argv.len[2])) {
    c.w.integer(0);
    return;
  }
  editor.open(c, e);
  editor.tryConversion(argv, 2, 3);
  editor.set(b, argv.off[2], argv.len[2], b, argv.off[3], argv.len[3]);
  editor.close(c, argv, 1);
  c.w.integer(1);
  c.srv.keyChanged(c, argv, 1, NOTIFY_HASH, 'hset');
  c.srv.dirty++;
}

// HDEL key field [field ...]
function hdelCommand(c: Client, argv: Argv): void {
  const db = c.db;
  const e = c.srv.writeKey(c, argv, 1);
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
    if (empty) c.srv.deleteEntry(db, e);
    else if (lp !== view) db.storeListpack(e, lp);
  } else {
    const d = dictOf(db, e);
    for (let i = 2; i < argv.argc; i++) {
      if (!d.delete(b, argv.off[i], argv.len[i])) continue;
      deleted++;
      if (d.size === 0) {
        c.srv.deleteEntry(db, e);
        empty = true;
        break;
      }
    }
  }
  if (deleted !== 0) {
    c.srv.keyChanged(c, argv, 1, NOTIFY_HASH, 'hdel');
    if (empty) c.srv.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', db, b, argv.off[1], argv.len[1]);
    c.srv.dirty += deleted;
  }
  c.w.integer(deleted);
}

// ---- HGET HMGET HLEN HSTRLEN HEXISTS -------------------------------------------------------

/** Looks key argv[1] up for reading: entry, -1 when absent, -2 after a WRONGTYPE reply. */
function lookupRead(c: Client, argv: Argv): number {
  const e = c.srv.readKey(c, argv, 1);
  if (e >= 0 && wrongType(c, c.db, e, OBJ_HASH)) return -2;
  return e;
}

// HGET key field
function hgetCommand(c: Client, argv: Argv): void {
  const e = lookupRead(c, argv);
  if (e === -2) return;
  if (e < 0 || !hashGet(c.db, e, argv.buf, argv.off[2], argv.len[2])) c.w.nullBulk();
  else c.w.bulk(valBuf, valOff, valLen);
}

// HMGET key field [field ...]
function hmgetCommand(c: Client, argv: Argv): void {
  const e = lookupRead(c, argv);
  if (e === -2) return;
  const db = c.db;
  c.w.arrayHeader(argv.argc - 2);
  for (let i = 2; i < argv.argc; i++) {
    if (e < 0 || !hashGet(db, e, argv.buf, argv.off[i], argv.len[i])) c.w.nullBulk();
    else c.w.bulk(valBuf, valOff, valLen);
  }
}

// HLEN key
function hlenCommand(c: Client, argv: Argv): void {
  const e = lookupRead(c, argv);
  if (e === -2) return;
  c.w.integer(e < 0 ? 0 : hashLength(c.db, e));
}

// HSTRLEN key field
function hstrlenCommand(c: Client, argv: Argv): void {
  const e = lookupRead(c, argv);
  if (e === -2) return;
  if (e < 0 || !hashGet(c.db, e, argv.buf, argv.off[2], argv.len[2])) c.w.integer(0);
  else c.w.integer(valIsInt ? int64ByteLength(valInt) : valLen);
}

// HEXISTS key field
function hexistsCommand(c: Client, argv: Argv): void {
  const e = lookupRead(c, argv);
  if (e === -2) return;
  c.w.integer(e >= 0 && hashGet(c.db, e, argv.buf, argv.off[2], argv.len[2]) ? 1 : 0);
}

// ---- HKEYS HVALS HGETALL -------------------------------------------------------------------

const WANT_KEYS = 1;
const WANT_VALS = 2;

function getallGeneric(c: Client, argv: Argv, want: number): void {
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
  const d = dictOf(db, e);
  for (let id = 0; id < d.size; id++) {
    if ((want & WANT_KEYS) !== 0) replyDictKey(c, d, id);
    if ((want & WANT_VALS) !== 0) replyDictVal(c, d, id);
  }
}

// HKEYS key
function hkeysCommand(c: Client, argv: Argv): void {
  getallGeneric(c, argv, WANT_KEYS);
}

// HVALS key
function hvalsCommand(c: Client, argv: Argv): void {
  getallGeneric(c, argv, WANT_VALS);
}

// HGETALL key
function hgetallCommand(c: Client, argv: Argv): void {
  getallGeneric(c, argv, WANT_KEYS | WANT_VALS);
}

// ---- HINCRBY HINCRBYFLOAT ------------------------------------------------------------------

const incrBuf = new Uint8Array(24);

// HINCRBY key field increment
function hincrbyCommand(c: Client, argv: Argv): void {
  const incr = argInt64(c, argv, 3);
  if (incr === null) return;
  const e = lookupWrite(c, argv);
  if (e === -2) return;
  const db = c.db;
  const b = argv.buf;
  let cur: number | bigint = 0;
  if (e >= 0 && hashGet(db, e, b, argv.off[2], argv.len[2])) {
    const v = valIsInt ? valInt : parseInt64(valBuf, valOff, valLen);
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
  editor.open(c, e);
  editor.set(b, argv.off[2], argv.len[2], incrBuf, 0, n);
  editor.close(c, argv, 1);
  if (typeof result === 'number') c.w.integer(result);
  else c.w.bigInteger(result);
  c.srv.keyChanged(c, argv, 1, NOTIFY_HASH, 'hincrby');
  c.srv.dirty++;
}

// HINCRBYFLOAT key field increment
function hincrbyfloatCommand(c: Client, argv: Argv): void {
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
    cur = valIsInt ? longDoubleFromInt64(valInt) : parseLongDouble(valBuf, valOff, valLen);
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
  editor.open(c, e);
  editor.set(b, argv.off[2], argv.len[2], text, 0, text.length);
  editor.close(c, argv, 1);
  c.w.bulk(text, 0, text.length);
  c.srv.keyChanged(c, argv, 1, NOTIFY_HASH, 'hincrbyfloat');
  c.srv.dirty++;
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

function replyLpPair(c: Client, lp: Uint8Array, p: number, withValues: boolean): void {
  if (withValues && c.resp > 2) c.w.arrayHeader(2);
  replyLpEntry(c, lp, p);
  if (withValues) replyLpEntry(c, lp, lpNext(lp, p));
}

function replyDictPair(c: Client, d: ByteDict, id: number, withValues: boolean): void {
  if (withValues && c.resp > 2) c.w.arrayHeader(2);
  replyDictKey(c, d, id);
  if (withValues) replyDictVal(c, d, id);
}

function randomIndex(n: number): number {
  return Math.floor(Math.random() * n);
}

// HRANDFIELD key [count [WITHVALUES]]
function hrandfieldCommand(c: Client, argv: Argv): void {
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
      const d = dictOf(db, e);
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

function hrandfieldWithCount(c: Client, e: number, l: number, withValues: boolean): void {
  const db = c.db;
  const w = c.w;
  const unique = l >= 0;
  let count = Math.abs(l);
  if (count === 0) {
    w.arrayHeader(0);
    return;
  }
  const lp = isListpack(db, e) ? db.valView(e) : null;
  const d = lp === null ? dictOf(db, e) : null;
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
function hscanCommand(c: Client, argv: Argv): void {
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
        if (!globMatch(pb, po, pn, valBuf, valOff, valLen, false)) continue;
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

  const d = dictOf(db, e);
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

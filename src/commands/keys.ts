/*
 * Keyspace commands (db.c, object.c): DEL UNLINK EXISTS TYPE RENAME RENAMENX COPY MOVE DBSIZE
 * KEYS SCAN RANDOMKEY TOUCH FLUSHDB FLUSHALL SWAPDB OBJECT.
 *
 * Lookups follow Redis 7.0's flavours: commands that read with LOOKUP_NOTOUCH (EXISTS, TYPE,
 * OBJECT, SCAN's TYPE filter) count keyspace hits and misses but leave the LRU clock alone
 * (lookupNoTouch below); TOUCH and COPY's source read like GET; writers use lookupWrite. Every
 * lookup may delete an expired key, and any deletion can move another entry to a new id, so an
 * entry id is never kept across a lookup or delete of another key without re-finding it.
 *
 * Values move between entries (RENAME, MOVE) without copying object values: the new entry gets
 * the same object in its own keyspace's object table, then the old entry is deleted. COPY
 * duplicates: string values are bytes (copied, encoding kept); object values need a deep copy,
 * which each data type registers with registerDuplicator() as it arrives.
 *
 * Each write reports what db.c reports, only when something changed: a WATCH touch per changed
 * key, the generic events "del", "rename_from"/"rename_to", "move_from"/"move_to" (published in
 * the source and the target database) and "copy_to", and one change in the dirty counter per
 * deleted key, rename, move or copy. A key that a rename, move or copy creates is announced as
 * "new" (dbAdd); a key it replaces is not reported deleted.
 */
import { IntList } from '../util/int-list.ts';
import type { Argv } from '../protocol/argv.ts';
import { parseLongLong } from '../util/numbers.ts';
import { DB_INDEX_OUT_OF_RANGE, INVALID_CURSOR, NOT_INTEGER, NO_SUCH_KEY, SAME_OBJECT, SYNTAX } from '../protocol/errors.ts';
import type { Db } from '../store/db.ts';
import { ENC_INT, OBJ_LIST, OBJ_STRING } from '../store/keyspace.ts';
import { NOTIFY_GENERIC } from '../store/events.ts';
import { lfuDecay } from '../store/lfu.ts';
import { globMatch } from '../util/glob.ts';
import type { CommandClient, ServerContext } from './context.ts';
import type { CommandDef } from './registry.ts';

// ---- error texts (Redis 7.0.15) ----------------------------------------------------------------

const INT_RANGE = 'ERR value is out of range, value must between -2147483648 and 2147483647';
const INVALID_FIRST_DB = 'ERR invalid first DB index';
const INVALID_SECOND_DB = 'ERR invalid second DB index';
const UNKNOWN_TYPE_OBJECT = 'ERR unknown type object';
const LFU_NOT_SELECTED =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
const LFU_SELECTED =
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

/** TYPE names by the entry's type nibble (5 would be a module type). */
const TYPE_NAMES = ['string', 'list', 'set', 'zset', 'hash', 'module', 'stream'];

/** OBJECT ENCODING names by encoding number (OBJ_ENCODING_*). */
const ENCODING_NAMES = [
  'raw', 'int', 'hashtable', 'zipmap', 'linkedlist', 'ziplist', 'intset', 'skiplist', 'embstr', 'quicklist', 'stream', 'listpack',
];

/** Redis's OBJ_SHARED_REFCOUNT and OBJ_SHARED_INTEGERS. */
const SHARED_REFCOUNT = 2147483647;
const SHARED_INTEGERS = 10000;

const LRU_CLOCK_MAX = (1 << 24) - 1;

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

// ---- shared helpers ----------------------------------------------------------------------------

/**
 * Redis's lookupKeyReadWithFlags(LOOKUP_NOTOUCH): deletes the key when expired, counts a keyspace
 * hit or miss, does not update the LRU/LFU field. Returns the entry id or -1.
 */
export function lookupNoTouch(srv: ServerContext, db: Db, b: Uint8Array, o: number, n: number): number {
  const e = db.lookupQuiet(b, o, n);
  if (e < 0) srv.stats.keyspaceMisses++;
  else srv.stats.keyspaceHits++;
  return e;
}

function lookupArgNoTouch(c: CommandClient, argv: Argv, i: number): number {
  return lookupNoTouch(c.srv, c.db, argv.buf, argv.off[i], argv.len[i]);
}

/** The id that entry `e` has after entry `deleted` of db was deleted (the last entry moves). */
function idAfterDelete(db: Db, deleted: number, e: number): number {
  return e === db.count ? deleted : e;
}

/** Redis's getIntFromObjectOrReply: NaN after replying (msg replaces both default errors). */
function argInt32(c: CommandClient, argv: Argv, i: number, msg: string | null): number {
  const v = parseLongLong(argv.buf, argv.off[i], argv.len[i]);
  if (Number.isNaN(v)) {
    c.w.error(msg ?? NOT_INTEGER);
    return NaN;
  }
  if (v === Infinity || v < -2147483648 || v > 2147483647) {
    c.w.error(msg ?? INT_RANGE);
    return NaN;
  }
  return v;
}

/** Whether two arguments hold the same bytes. */
function sameArg(argv: Argv, i: number, j: number): boolean {
  const n = argv.len[i];
  if (n !== argv.len[j]) return false;
  const b = argv.buf;
  const oi = argv.off[i];
  const oj = argv.off[j];
  for (let k = 0; k < n; k++) if (b[oi + k] !== b[oj + k]) return false;
  return true;
}

/** Whether the maxmemory policy is an LFU one (the entry's 24-bit field then holds LFU data). */
function lfuPolicy(srv: ServerContext): boolean {
  const p = srv.config.str('maxmemory-policy');
  return p === 'allkeys-lfu' || p === 'volatile-lfu';
}

/** Copies the value bytes of src entry e into dst entry ne (which has room for them). */
function copyBytes(src: Db, e: number, dst: Db, ne: number): void {
  const n = src.valLen(e);
  const from = src.valOff(e);
  const to = dst.valOff(ne);
  if (src.arena === dst.arena) src.arena.u8.copyWithin(to, from, from + n);
  else dst.arena.u8.set(src.arena.u8.subarray(from, from + n), to);
}

/**
 * Gives src entry e's value to a new entry for key (b, o, n, hash h) in dst, with the same meta
 * (type, encoding, LRU). Object values are handed over, not copied: the caller must delete e next
 * (which frees e's object slot, not the object). The TTL is not copied. Returns the new id.
 */
function transferValue(src: Db, e: number, dst: Db, b: Uint8Array, o: number, n: number, h: number): number {
  const meta = src.metaOf(e);
  if (!src.holdsObject(e)) {
    const ne = dst.adopt(b, o, n, h, src.valLen(e), meta);
    copyBytes(src, e, dst, ne);
    return ne;
  }
  const obj = src.getObject(e);
  src.detachObject(e);
  const ne = dst.adopt(b, o, n, h, 0, meta & ~0xff); // a string entry until it holds the object
  dst.setObject(ne, obj, meta);
  dst.copyMeta(ne, meta);
  return ne;
}

/** Deep-copy functions for object values, by type. Strings are bytes and need none. */
const duplicators: Array<((obj: unknown) => unknown) | undefined> = [];

/** Lets a data type make its values copyable by COPY (a deep copy of its JS object). */
export function registerDuplicator(type: number, dup: (obj: unknown) => unknown): void {
  duplicators[type] = dup;
}

/** Whether values of this type can be duplicated. */
export function canDuplicate(type: number): boolean {
  return type === OBJ_STRING || duplicators[type] !== undefined;
}

/**
 * Adds to dst a copy of src entry e's value under key (b, o, n, hash h), announced as a new key
 * with a fresh LRU field (a copy is a new object). Strings keep their bytes and encoding. Object
 * values go through the type's registered duplicator; a type without one is an internal error
 * (callers check canDuplicate first). The TTL is not copied. Returns the new id.
 */
export function duplicateValue(src: Db, e: number, dst: Db, b: Uint8Array, o: number, n: number, h: number): number {
  const typeEnc = src.metaOf(e) & 0xff;
  const type = typeEnc & 15;
  if (!src.holdsObject(e)) {
    const ne = dst.add(b, o, n, h, src.valLen(e), typeEnc);
    copyBytes(src, e, dst, ne);
    return ne;
  }
  const dup = duplicators[type];
  if (dup === undefined) throw new Error(`duplicateValue: no duplicator registered for type ${type}`);
  const copy = dup(src.getObject(e));
  const ne = dst.add(b, o, n, h, 0, typeEnc & ~0xff); // a string entry until it holds the object
  dst.setObject(ne, copy, typeEnc);
  return ne;
}

// ---- DEL UNLINK EXISTS TOUCH TYPE --------------------------------------------------------------

// DEL key [key ...]
function delCommand(c: CommandClient, argv: Argv): void {
  delGeneric(c, argv, c.srv.config.bool('lazyfree-lazy-user-del'));
}

/** DEL and UNLINK: with `lazy`, values above the lazyfree threshold are freed in the background. */
function delGeneric(c: CommandClient, argv: Argv, lazy: boolean): void {
  const srv = c.srv;
  const db = c.db;
  let deleted = 0;
  for (let i = 1; i < argv.argc; i++) {
    const e = db.lookupQuiet(argv.buf, argv.off[i], argv.len[i]);
    if (e >= 0) {
      db.delete(e, lazy);
      c.db.changed(argv, i, NOTIFY_GENERIC, 'del');
      deleted++;
    }
  }
  srv.dirty += deleted;
  c.w.integer(deleted);
}

// UNLINK key [key ...]
function unlinkCommand(c: CommandClient, argv: Argv): void {
  delGeneric(c, argv, true);
}

// EXISTS key [key ...]
function existsCommand(c: CommandClient, argv: Argv): void {
  let n = 0;
  for (let i = 1; i < argv.argc; i++) if (lookupArgNoTouch(c, argv, i) >= 0) n++;
  c.w.integer(n);
}

// TOUCH key [key ...]
function touchCommand(c: CommandClient, argv: Argv): void {
  let n = 0;
  for (let i = 1; i < argv.argc; i++) if (c.db.readArg(argv, i) >= 0) n++;
  c.w.integer(n);
}

// TYPE key
function typeCommand(c: CommandClient, argv: Argv): void {
  const e = lookupArgNoTouch(c, argv, 1);
  c.w.simple(e < 0 ? 'none' : TYPE_NAMES[c.db.type(e)] ?? 'none');
}

// ---- RENAME RENAMENX MOVE COPY -----------------------------------------------------------------

function renameGeneric(c: CommandClient, argv: Argv, nx: boolean): void {
  const srv = c.srv;
  const db = c.db;
  const same = sameArg(argv, 1, 2);
  let e = c.db.writeArg(argv, 1);
  if (e < 0) {
    c.w.error(NO_SUCH_KEY);
    return;
  }
  if (same) {
    if (nx) c.w.integer(0);
    else c.w.ok();
    return;
  }
  const expire = db.getExpire(e);
  const before = db.count;
  const d = c.db.writeArg(argv, 2);
  const hd = db.lastHash;
  // The destination lookup may have expired (deleted) it, moving the source to a new id.
  if (db.count !== before) e = db.peek(argv.buf, argv.off[1], argv.len[1]);
  if (d >= 0) {
    if (nx) {
      c.w.integer(0);
      return;
    }
    db.deleteImplicit(d);
    e = idAfterDelete(db, d, e);
  }
  const b = argv.buf;
  const ne = transferValue(db, e, db, b, argv.off[2], argv.len[2], hd);
  if (expire >= 0) db.setExpire(ne, expire);
  db.delete(e);
  db.signalModified(b, argv.off[1], argv.len[1]);
  db.signalModified(b, argv.off[2], argv.len[2]);
  db.notify(NOTIFY_GENERIC, 'rename_from', b, argv.off[1], argv.len[1]);
  db.notify(NOTIFY_GENERIC, 'rename_to', b, argv.off[2], argv.len[2]);
  srv.dirty++;
  db.signalReady(b, argv.off[2], argv.len[2]);
  if (nx) c.w.integer(1);
  else c.w.ok();
}

// RENAME key newkey
function renameCommand(c: CommandClient, argv: Argv): void {
  renameGeneric(c, argv, false);
}

// RENAMENX key newkey
function renamenxCommand(c: CommandClient, argv: Argv): void {
  renameGeneric(c, argv, true);
}

// MOVE key db
function moveCommand(c: CommandClient, argv: Argv): void {
  const srv = c.srv;
  if (srv.clusterMode) {
    c.w.error('ERR MOVE is not allowed in cluster mode');
    return;
  }
  const id = argInt32(c, argv, 2, null);
  if (Number.isNaN(id)) return;
  if (id < 0 || id >= srv.dbs.length) {
    c.w.error(DB_INDEX_OUT_OF_RANGE);
    return;
  }
  const src = c.db;
  const dst = srv.dbs[id];
  if (src === dst) {
    c.w.error(SAME_OBJECT);
    return;
  }
  const b = argv.buf;
  const o = argv.off[1];
  const n = argv.len[1];
  const e = src.lookupWrite(b, o, n);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  const expire = src.getExpire(e);
  if (dst.lookupWrite(b, o, n) >= 0) {
    c.w.integer(0);
    return;
  }
  const ne = transferValue(src, e, dst, b, o, n, dst.lastHash);
  if (expire >= 0) dst.setExpire(ne, expire);
  src.delete(e);
  src.signalModified(b, o, n);
  dst.signalModified(b, o, n);
  src.notify(NOTIFY_GENERIC, 'move_from', b, o, n);
  dst.notify(NOTIFY_GENERIC, 'move_to', b, o, n);
  srv.dirty++;
  dst.signalReady(b, o, n);
  c.w.integer(1);
}

// COPY source destination [DB destination-db] [REPLACE]
function copyCommand(c: CommandClient, argv: Argv): void {
  const srv = c.srv;
  const src = c.db;
  let dst = c.db;
  let replace = false;
  for (let j = 3; j < argv.argc; j++) {
    if (argv.is(j, 'replace')) {
      replace = true;
    } else if (argv.is(j, 'db') && j + 1 < argv.argc) {
      const id = argInt32(c, argv, j + 1, null);
      if (Number.isNaN(id)) return;
      if (id < 0 || id >= srv.dbs.length) {
        c.w.error(DB_INDEX_OUT_OF_RANGE);
        return;
      }
      dst = srv.dbs[id];
      j++;
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }
  if (srv.clusterMode && dst !== src) {
    c.w.error('ERR Copying to another database is not allowed in cluster mode');
    return;
  }
  if (src === dst && sameArg(argv, 1, 2)) {
    c.w.error(SAME_OBJECT);
    return;
  }
  let e = c.db.readArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  const expire = src.getExpire(e);
  const before = src.count;
  const b = argv.buf;
  const o = argv.off[2];
  const n = argv.len[2];
  const d = dst.lookupWrite(b, o, n);
  const hd = dst.lastHash;
  if (src.count !== before) e = src.peek(argv.buf, argv.off[1], argv.len[1]);
  if (d >= 0 && !replace) {
    c.w.integer(0);
    return;
  }
  if (!canDuplicate(src.type(e))) {
    c.w.error(UNKNOWN_TYPE_OBJECT);
    return;
  }
  if (d >= 0) {
    dst.deleteImplicit(d);
    if (dst === src) e = idAfterDelete(src, d, e);
  }
  const ne = duplicateValue(src, e, dst, b, o, n, hd);
  if (expire >= 0) dst.setExpire(ne, expire);
  dst.signalModified(b, o, n);
  dst.notify(NOTIFY_GENERIC, 'copy_to', b, o, n);
  srv.dirty++;
  dst.signalReady(b, o, n);
  c.w.integer(1);
}

// ---- DBSIZE KEYS SCAN RANDOMKEY ------------------------------------------------------------------

// DBSIZE
function dbsizeCommand(c: CommandClient): void {
  c.w.integer(c.db.count);
}

/**
 * Reserves reply room for the keys of the first `count` collected ids (skipping FILTERED ones) in
 * one step: a reply of many bulk strings then never makes the writer move its pending bytes more
 * than once.
 */
function reserveKeys(c: CommandClient, db: Db, count: number): void {
  let bytes = 32;
  for (let i = 0; i < count; i++) {
    const e = ids.items[i];
    if (e === FILTERED) continue;
    const n = db.keyLen(e);
    bytes += n + (n < 10 ? 6 : n < 100 ? 7 : n < 1000 ? 8 : 14);
  }
  c.w.reserve(bytes);
}

/** Marks a collected id that the reply skips. */
const FILTERED = -1;

/** Entry ids collected by KEYS and SCAN (reused between calls). */
const ids = new IntList();

// KEYS pattern
function keysCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const pb = argv.buf;
  const po = argv.off[1];
  const pn = argv.len[1];
  const all = pn === 1 && pb[po] === 0x2a;
  const u8 = db.arena.u8;
  const now = Date.now();
  ids.clear();
  for (let e = 0; e < db.count; e++) {
    if (!all && !globMatch(pb, po, pn, u8, db.keyOff(e), db.keyLen(e), false)) continue;
    if (db.isExpiredAt(e, now)) continue; // expired: skipped, not deleted (as Redis)
    ids.push(e);
  }
  reserveKeys(c, db, ids.length);
  const w = c.w;
  w.arrayHeader(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const e = ids.items[i];
    w.bulk(u8, db.keyOff(e), db.keyLen(e));
  }
  ids.clear();
}

/**
 * Parses a SCAN cursor as Redis's parseScanCursorOrReply does with strtoul(): no leading space,
 * an optional sign ('-' negates modulo 2^64), decimal digits, nothing after them (a NUL byte ends
 * the string, as in C); the empty string is cursor 0; values above 2^64-1 are errors.
 *
 * Returns the cursor's low 32 bits, or -1 when invalid. Our tables are below 2^32 buckets, and
 * one step of the reverse-binary cursor only reads the bits under the table mask and clears all
 * bits above it (v |= ~mask; reverse; increment; reverse), so scanning from a 64-bit cursor and
 * from its low 32 bits visits the same buckets and returns the same next cursor.
 */
export function parseScanCursor(b: Uint8Array, o: number, n: number): number {
  let end = o + n;
  for (let p = o; p < end; p++) {
    if (b[p] === 0) {
      end = p;
      break;
    }
  }
  if (end === o) return 0;
  let p = o;
  const first = b[p];
  if (first === 0x20 || (first >= 0x09 && first <= 0x0d)) return -1;
  let neg = false;
  if (first === 0x2b || first === 0x2d) {
    neg = first === 0x2d;
    p++;
  }
  if (p === end) return -1; // a sign with no digits: strtoul consumes nothing
  while (p < end - 1 && b[p] === 0x30) p++; // leading zeros do not count towards overflow
  const digits = end - p;
  if (digits > 20) return -1;
  let lo = 0;
  for (let q = p; q < end; q++) {
    const d = b[q] - 0x30;
    if (d < 0 || d > 9) return -1;
    lo = (lo * 10 + d) % 4294967296;
  }
  if (digits === 20) {
    const s = Buffer.from(b.subarray(p, end)).toString('latin1');
    if (s > '18446744073709551615') return -1; // ERANGE
  }
  return neg ? (4294967296 - lo) % 4294967296 : lo;
}

/** SCAN options parsed by parseScanOptions (argument indexes, -1 when absent). */
export const scanOptions = { count: 10, pattern: -1, type: -1 };

/**
 * Parses [MATCH pattern] [COUNT count] (and [TYPE type] when allowType: SCAN only) from argv[from]
 * into `scanOptions`, as scanGenericCommand does. Returns false after replying the error.
 */
export function parseScanOptions(c: CommandClient, argv: Argv, from: number, allowType: boolean): boolean {
  scanOptions.count = 10;
  scanOptions.pattern = -1;
  scanOptions.type = -1;
  for (let i = from; i < argv.argc; ) {
    const left = argv.argc - i;
    if (argv.is(i, 'count') && left >= 2) {
      const v = parseLongLong(argv.buf, argv.off[i + 1], argv.len[i + 1]);
      if (Number.isNaN(v)) {
        c.w.error(NOT_INTEGER);
        return false;
      }
      if (v < 1) {
        c.w.error(SYNTAX);
        return false;
      }
      scanOptions.count = v;
      i += 2;
    } else if (argv.is(i, 'match') && left >= 2) {
      scanOptions.pattern = i + 1;
      i += 2;
    } else if (allowType && argv.is(i, 'type') && left >= 2) {
      scanOptions.type = i + 1;
      i += 2;
    } else {
      c.w.error(SYNTAX);
      return false;
    }
  }
  return true;
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
function scanCommand(c: CommandClient, argv: Argv): void {
  const cursor = parseScanCursor(argv.buf, argv.off[1], argv.len[1]);
  if (cursor < 0) {
    c.w.error(INVALID_CURSOR);
    return;
  }
  if (!parseScanOptions(c, argv, 2, true)) return;
  scanKeys(c, cursor, scanOptions.count, scanOptions.pattern, scanOptions.type, argv);
}

function scanKeys(c: CommandClient, cursor: number, count: number, patArg: number, typeArg: number, argv: Argv): void {
  const srv = c.srv;
  const db = c.db;
  // Step 1: collect whole buckets until `count` keys, as scanGenericCommand does.
  ids.clear();
  let maxIterations = count * 10;
  do {
    cursor = db.scan(cursor, ids.push);
  } while (cursor !== 0 && maxIterations-- > 0 && ids.length < count);

  // Step 2: filter. Nothing is deleted until the reply is written, so ids stay valid; expired
  // keys found here are deleted afterwards, in descending id order (a delete moves only the last
  // entry, which then is never one still pending).
  const pb = argv.buf;
  const usePattern = patArg >= 0 && !(argv.len[patArg] === 1 && pb[argv.off[patArg]] === 0x2a);
  const po = patArg >= 0 ? argv.off[patArg] : 0;
  const pn = patArg >= 0 ? argv.len[patArg] : 0;
  const u8 = db.arena.u8;
  const now = Date.now();
  let expired: number[] | null = null;
  let kept = 0;
  for (let i = 0; i < ids.length; i++) {
    const e = ids.items[i];
    if (usePattern && !globMatch(pb, po, pn, u8, db.keyOff(e), db.keyLen(e), false)) {
      ids.items[i] = FILTERED;
      continue;
    }
    const isExpired = db.isExpiredAt(e, now);
    if (isExpired) (expired ??= []).push(e);
    if (typeArg >= 0) {
      // lookupKeyReadWithFlags(NOTOUCH): counts a hit, or deletes the expired key and counts a
      // miss; the type of a key that just expired is "none", and since the key is then gone, the
      // expiry filter below no longer drops it (Redis 7.0 returns it for TYPE none).
      let name: string;
      if (isExpired) {
        srv.stats.keyspaceMisses++;
        name = 'none';
      } else {
        srv.stats.keyspaceHits++;
        name = TYPE_NAMES[db.type(e)] ?? 'none';
      }
      if (!argv.is(typeArg, name)) {
        ids.items[i] = FILTERED; // strcasecmp against the type name
        continue;
      }
      kept++;
      continue;
    }
    if (isExpired) {
      ids.items[i] = FILTERED;
      continue;
    }
    kept++;
  }

  // Step 3: reply.
  reserveKeys(c, db, ids.length);
  const w = c.w;
  w.arrayHeader(2);
  w.bulkString(String(cursor));
  w.arrayHeader(kept);
  for (let i = 0; i < ids.length; i++) {
    const e = ids.items[i];
    if (e !== FILTERED) w.bulk(u8, db.keyOff(e), db.keyLen(e));
  }
  ids.clear();
  if (expired !== null) {
    expired.sort((a, b) => b - a);
    for (const e of expired) db.expireEntry(e);
  }
}

// RANDOMKEY
function randomkeyCommand(c: CommandClient): void {
  const db = c.db;
  for (;;) {
    const e = db.randomEntry();
    if (e < 0) {
      c.w.nullBulk();
      return;
    }
    if (db.isExpired(e)) {
      db.expireEntry(e);
      continue;
    }
    c.w.bulk(db.arena.u8, db.keyOff(e), db.keyLen(e));
    return;
  }
}

// ---- FLUSHDB FLUSHALL SWAPDB ---------------------------------------------------------------------

/** Parses FLUSHDB/FLUSHALL's optional ASYNC|SYNC; false after replying a syntax error. */
/** getFlushCommandFlags: 1 for ASYNC, 0 for SYNC (no argument: lazyfree-lazy-user-flush), -1 after the error. */
function flushArgs(c: CommandClient, argv: Argv): number {
  if (argv.argc === 1) return c.srv.config.bool('lazyfree-lazy-user-flush') ? 1 : 0;
  if (argv.argc === 2 && argv.is(1, 'sync')) return 0;
  if (argv.argc === 2 && argv.is(1, 'async')) return 1;
  c.w.error(SYNTAX);
  return -1;
}

// FLUSHDB [ASYNC | SYNC]
function flushdbCommand(c: CommandClient, argv: Argv): void {
  const mode = flushArgs(c, argv);
  if (mode < 0) return;
  c.srv.flushDb(c.db, mode === 1);
  c.srv.forcePropagation();
  c.w.ok();
}

// FLUSHALL [ASYNC | SYNC]
function flushallCommand(c: CommandClient, argv: Argv): void {
  const mode = flushArgs(c, argv);
  if (mode < 0) return;
  c.srv.flushAll(mode === 1);
  c.srv.forcePropagation();
  c.w.ok();
}

// SWAPDB index1 index2
function swapdbCommand(c: CommandClient, argv: Argv): void {
  if (c.srv.clusterMode) {
    c.w.error('ERR SWAPDB is not allowed in cluster mode');
    return;
  }
  const id1 = argInt32(c, argv, 1, INVALID_FIRST_DB);
  if (Number.isNaN(id1)) return;
  const id2 = argInt32(c, argv, 2, INVALID_SECOND_DB);
  if (Number.isNaN(id2)) return;
  const dbs = c.srv.dbs;
  if (id1 < 0 || id1 >= dbs.length || id2 < 0 || id2 >= dbs.length) {
    c.w.error(DB_INDEX_OUT_OF_RANGE);
    return;
  }
  c.srv.swapDbs(id1, id2);
  c.srv.forcePropagation();
  c.w.ok();
}

// ---- OBJECT ------------------------------------------------------------------------------------

// OBJECT ENCODING key
function objectEncodingCommand(c: CommandClient, argv: Argv): void {
  const e = lookupArgNoTouch(c, argv, 2);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  // A one-node list may be stored as listpack bytes (ENC_LISTPACK): 7.0 says quicklist for every list.
  c.w.bulkString(c.db.type(e) === OBJ_LIST ? 'quicklist' : (ENCODING_NAMES[c.db.encoding(e)] ?? 'unknown'));
}

/**
 * OBJECT REFCOUNT: Redis shares the integers 0..9999 when maxmemory is off or the policy is not
 * LRU/LFU, and reports the shared refcount for them; every other value has refcount 1. We derive
 * it from the value (int encoding, 0..9999) and the current policy. Known difference: a COPY of a
 * small integer is unshared in Redis (refcount 1) until it is rewritten; here it reports shared.
 */
// OBJECT REFCOUNT key
function objectRefcountCommand(c: CommandClient, argv: Argv): void {
  const srv = c.srv;
  const db = c.db;
  const e = lookupArgNoTouch(c, argv, 2);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  let refcount = 1;
  if (db.type(e) === OBJ_STRING && db.encoding(e) === ENC_INT && db.valLen(e) <= 4) {
    const v = parseLongLong(db.arena.u8, db.valOff(e), db.valLen(e));
    if (v >= 0 && v < SHARED_INTEGERS && sharedIntegersAllowed(srv)) refcount = SHARED_REFCOUNT;
  }
  c.w.integer(refcount);
}

/** Redis: maxmemory == 0 || !(maxmemory_policy & MAXMEMORY_FLAG_NO_SHARED_INTEGERS). */
function sharedIntegersAllowed(srv: ServerContext): boolean {
  if (srv.config.num('maxmemory') === 0) return true;
  const p = srv.config.str('maxmemory-policy');
  return !(p.endsWith('-lru') || p.endsWith('-lfu'));
}

// OBJECT IDLETIME key
function objectIdletimeCommand(c: CommandClient, argv: Argv): void {
  const srv = c.srv;
  const e = lookupArgNoTouch(c, argv, 2);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  if (lfuPolicy(srv)) {
    c.w.error(LFU_SELECTED);
    return;
  }
  // estimateObjectIdleTime with LRU_CLOCK_RESOLUTION 1000 ms, then / 1000.
  const clock = srv.lruClock;
  const lru = c.db.lru(e);
  c.w.integer(clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru));
}

// OBJECT FREQ key
function objectFreqCommand(c: CommandClient, argv: Argv): void {
  const srv = c.srv;
  const e = lookupArgNoTouch(c, argv, 2);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  if (!lfuPolicy(srv)) {
    c.w.error(LFU_NOT_SELECTED);
    return;
  }
  c.w.integer(lfuDecay(c.db.lru(e), srv.config.num('lfu-decay-time'), Date.now()));
}

// OBJECT HELP
function objectHelpCommand(c: CommandClient): void {
  const w = c.w;
  w.arrayHeader(OBJECT_HELP.length);
  for (const line of OBJECT_HELP) w.simple(line);
}

export const keyCommands: CommandDef[] = [
  { name: 'del', summary: 'Deletes keys.', handler: delCommand },
  { name: 'unlink', summary: 'Deletes keys; big values are freed in the background.', handler: unlinkCommand },
  { name: 'exists', summary: 'Counts how many of the given keys exist.', handler: existsCommand },
  { name: 'touch', summary: 'Updates the last access time of keys; counts the existing ones.', handler: touchCommand },
  { name: 'type', summary: 'Names the type of the value stored at a key.', handler: typeCommand },
  { name: 'rename', summary: 'Renames a key, replacing any key of the new name.', handler: renameCommand },
  { name: 'renamenx', summary: 'Renames a key only when the new name is free.', handler: renamenxCommand },
  { name: 'move', summary: 'Moves a key to another database.', handler: moveCommand },
  { name: 'copy', summary: 'Copies a value to another key, optionally in another database.', handler: copyCommand },
  { name: 'dbsize', summary: 'Counts the keys of the selected database.', handler: dbsizeCommand },
  { name: 'keys', summary: 'Lists the keys that match a glob pattern.', handler: keysCommand },
  { name: 'scan', summary: 'Iterates over the keys of the database with a cursor.', handler: scanCommand },
  { name: 'randomkey', summary: 'Returns a random key name.', handler: randomkeyCommand },
  { name: 'flushdb', summary: 'Deletes every key of the selected database.', handler: flushdbCommand },
  { name: 'flushall', summary: 'Deletes every key of every database.', handler: flushallCommand },
  { name: 'swapdb', summary: 'Swaps the contents of two databases.', handler: swapdbCommand },
  {
    name: 'object',
    summary: 'Inspects the internals of values.',
    subcommands: [
      { name: 'encoding', summary: 'Names the internal encoding of a value.', handler: objectEncodingCommand },
      { name: 'refcount', summary: 'Returns the reference count of a value.', handler: objectRefcountCommand },
      { name: 'idletime', summary: 'Returns the seconds since a key was last accessed.', handler: objectIdletimeCommand },
      { name: 'freq', summary: 'Returns the logarithmic access frequency of a key (LFU policies).', handler: objectFreqCommand },
      { name: 'help', summary: 'Describes the OBJECT subcommands.', handler: objectHelpCommand },
    ],
  },
];

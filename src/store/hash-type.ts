/*
 * The hash type over its two encodings (t_hash.c's data-type API), knowing nothing of clients:
 *
 *   listpack   field/value pairs as listpack bytes inside the key's record, while the hash has at
 *              most hash-max-listpack-entries fields, none longer than hash-max-listpack-value;
 *   hashtable  a ByteDict (bytedict.ts) in the key's object slot.
 *
 * A hash converts to a dict when a write would break either limit (checked before the write, as
 * hashTypeTryConversion does) and never comes back. Writes go through one HashEditor; reads
 * through hashGet/hashLength. Command code (src/commands/hashes.ts) parses, replies and reports.
 */
import type { Argv } from '../protocol/argv.ts';
import { LOOP_COPY_MAX, copyBytes } from '../util/bytes.ts';
import { formatInt64 } from '../util/numbers.ts';
import { ByteDict } from './bytedict.ts';
import type { Db } from './db.ts';
import { ENC_HT, ENC_LISTPACK, OBJ_HASH, listpackRecordLength } from './keyspace.ts';
import {
  LpEntry,
  lpAppend,
  lpBytes,
  lpBytesAt,
  lpEntrySizeFor,
  lpFind,
  lpFindIn,
  lpFirst,
  lpGet,
  lpLength,
  lpNew,
  lpNext,
  lpOverwrite,
  lpReplace,
  lpSafeToAdd,
  lpSkip,
} from './listpack.ts';

export const HASH_LP = OBJ_HASH | (ENC_LISTPACK << 4);
export const HASH_HT = OBJ_HASH | (ENC_HT << 4);

/** Listpack entries are decoded into this one scratch entry (never held across calls). */
export const ent = new LpEntry();
/** Decimal text of an integer listpack entry (int64: at most 20 bytes). */
export const numBuf = new Uint8Array(24);

export function hashIsListpack(db: Db, e: number): boolean {
  return ((db.metaOf(e) >>> 4) & 15) === ENC_LISTPACK;
}

export function hashDictOf(db: Db, e: number): ByteDict {
  return db.getObject(e) as ByteDict;
}

/** Fields in hash entry e (hashTypeLength). */
export function hashLength(db: Db, e: number): number {
  return hashIsListpack(db, e) ? lpLength(db.valView(e)) >>> 1 : hashDictOf(db, e).size;
}

/**
 * The value hashGet found: bytes buf[off, off+len) (no copy: valid until the hash or the arena
 * changes); for a listpack integer also isInt and its value int. One shared object: no
 * allocation per lookup.
 */
export const found = { buf: numBuf as Uint8Array, off: 0, len: 0, isInt: false, int: 0 as number | bigint };

/** Points `found` at the listpack entry at p (integers as decimal text). */
export function lpValue(lp: Uint8Array, p: number): void {
  lpGet(lp, p, ent);
  if (ent.isInt) {
    found.isInt = true;
    found.int = ent.int;
    found.buf = numBuf;
    found.off = 0;
    found.len = formatInt64(ent.int, numBuf, 0);
  } else {
    found.isInt = false;
    found.buf = lp;
    found.off = ent.strOff;
    found.len = ent.strLen;
  }
}

/**
 * Looks field b[o, o+n) up in hash entry e; when present, points `found` at its value and
 * returns true.
 */
export function hashGet(db: Db, e: number, b: Uint8Array, o: number, n: number): boolean {
  if (hashIsListpack(db, e)) {
    const lp = db.valView(e);
    const p = lpFind(lp, lpFirst(lp), b, o, n, 1);
    if (p < 0) return false;
    lpValue(lp, lpNext(lp, p));
    return true;
  }
  const d = hashDictOf(db, e);
  const id = d.find(b, o, n);
  if (id < 0) return false;
  found.isInt = false;
  found.buf = d.arena.u8;
  found.off = d.valOff(id);
  found.len = d.valLen(id);
  return true;
}

/**
 * A copy of the value of field b[o, o+n) of hash entry e (integers as decimal text), or null when
 * the field is absent or e is not a hash. For SORT's BY/GET key->field patterns.
 */
export function hashFieldValue(db: Db, e: number, b: Uint8Array, o: number, n: number): Uint8Array | null {
  if (db.type(e) !== OBJ_HASH || !hashGet(db, e, b, o, n)) return null;
  return found.buf.slice(found.off, found.off + found.len);
}

const fieldScratch = new Uint8Array(24);

/** A ByteDict holding the pairs of listpack lp (hashTypeConvertListpack). */
export function listpackToDict(db: Pick<Db, 'arena'>, lp: Uint8Array): ByteDict {
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
    d.add(fb, fo, fn, found.buf, found.off, found.len);
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
export class HashEditor {
  private db!: Db;
  private e = -1;
  /** The listpack being edited (a view of the record, or a new array), null once a dict. */
  private lp: Uint8Array | null = null;
  /** The record's view as opened (to tell whether lp was reallocated). */
  private view: Uint8Array | null = null;
  private dict: ByteDict | null = null;
  private converted = false;
  private maxEntries = 0;
  private maxValue = 0;
  /**
   * Arena offset of a small record's listpack not yet copied to the scratch (lp is then the
   * scratch with stale bytes), or -1. set() first tries to overwrite the value in the record
   * itself (lpOverwrite); only another kind of write copies the listpack out (load).
   */
  private lazyOff = -1;

  /** Opens entry e of db (-1: a key to create) under the listpack limits in force. */
  open(db: Db, e: number, maxEntries: number, maxValue: number): void {
    this.db = db;
    this.e = e;
    this.converted = false;
    this.maxEntries = maxEntries;
    this.maxValue = maxValue;
    this.lazyOff = -1;
    if (e < 0) {
      this.lp = scratchListpack();
      this.view = null;
      this.dict = null;
    } else if (hashIsListpack(db, e)) {
      this.dict = null;
      if (db.valLen(e) < LOOP_COPY_MAX) {
        this.lazyOff = db.valOff(e);
        this.lp = lpScratch;
        this.view = null;
      } else {
        this.lp = this.view = db.valView(e);
      }
    } else {
      this.lp = this.view = null;
      this.dict = hashDictOf(db, e);
    }
  }

  /** Copies a small record's listpack into the scratch, if not done yet; returns lp. */
  private load(): Uint8Array {
    const o = this.lazyOff;
    if (o >= 0) {
      const u8 = this.db.arena.u8;
      copyBytes(lpScratch, 0, u8, o, lpBytesAt(u8, o));
      this.lazyOff = -1;
    }
    return this.lp as Uint8Array;
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
    const bytes = this.lazyOff >= 0 ? lpBytesAt(this.db.arena.u8, this.lazyOff) : lpBytes(this.lp);
    if (!lpSafeToAdd(bytes, sum)) this.convert();
  }

  private convert(): void {
    this.dict = listpackToDict(this.db, this.load());
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
        if (this.lazyOff >= 0) {
          const u8 = this.db.arena.u8;
          const p = lpFindIn(u8, this.lazyOff, fb, fo, fn, 1);
          if (p >= 0 && lpOverwrite(u8, lpSkip(u8, p), vb, vo, vn)) return 0;
          lp = this.load();
        }
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
  close(argv: Argv, keyIdx: number): void {
    const db = this.db;
    let e = this.e;
    if (e < 0) {
      const lp = this.lp;
      if (lp !== null) {
        const n = lpBytes(lp);
        e = db.addArg(argv, keyIdx, listpackRecordLength(argv.len[keyIdx], n), HASH_LP);
        db.arena.u8.set(lp.subarray(0, n), db.valOff(e));
      } else {
        e = db.addArg(argv, keyIdx, 0, 0); // a string entry until it holds the dict
        db.setObject(e, this.dict, HASH_HT);
      }
    } else if (this.converted) {
      db.setObject(e, this.dict, HASH_HT);
    } else if (this.lp !== null && this.lazyOff < 0 && (this.lp !== this.view || this.lp === lpScratch)) {
      db.storeListpack(e, this.lp);
    }
    this.lp = this.view = null;
    this.dict = null;
    this.lazyOff = -1;
  }
}

/** The one editor (commands never nest). */
export const hashEditor = new HashEditor();

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

/*
 * The list type (the data-type half of Redis's t_list.c). Every list is a Quicklist (quicklist.ts),
 * encoding "quicklist" from the first element, as in Redis 7.0; the list keeps the
 * list-max-listpack-size and list-compress-depth in force when it was created. Knows nothing of
 * clients or RESP.
 *
 * Two representations, one interface. A list that fits in one node, created under the default
 * fill and depth (-2, 0), is that node's listpack AS BYTES IN THE KEY'S RECORD (meta encoding
 * ENC_LISTPACK, as small hashes; OBJECT ENCODING still says quicklist): no JS object at all for
 * the commonest small list. Every other list is a Quicklist object in the key's slot
 * (ENC_QUICKLIST). listOf() opens both as a Quicklist: a byte-stored list is wrapped in a reused
 * one-node Quicklist around the record view, so edits go to the record in place while they fit.
 * Every write ends with listCommit(): still one node -> bytes in the record (copied back only
 * when the listpack had to move out of the record; the record keeps spare room), more nodes -> a
 * Quicklist object from then on. A list never goes back from object to bytes (only a new key
 * starts as bytes). Lists under other fill/depth settings start as objects, since the record has
 * nowhere to remember those settings.
 *
 * Two wrappers exist because LMOVE has a source and a destination open at once; a wrapper is valid
 * until the next listOf with the same slot. Entries created for a list come from the command's
 * add/setKey (listRecordLength/listTypeEnc say what to ask for) and get their empty list from
 * listInit.
 */
import type { Db } from './db.ts';
import { ENC_LISTPACK, ENC_QUICKLIST, OBJ_LIST, listpackRecordLength } from './keyspace.ts';
import { lpNew } from './listpack.ts';
import { Quicklist, QuicklistIter } from './quicklist.ts';
import { formatInt64 } from '../util/numbers.ts';

/** Fill and depth of byte-stored lists (the configs' defaults). */
export const LIST_PACKED_FILL = -2;
export const LIST_PACKED_COMPRESS = 0;
/** Entry type/encoding words (type | encoding << 4) of the two representations. */
export const LIST_TYPE_QUICKLIST = OBJ_LIST | (ENC_QUICKLIST << 4);
export const LIST_TYPE_LISTPACK = OBJ_LIST | (ENC_LISTPACK << 4);

/** Wrapper slots for listOf: the list a command works on, and LMOVE's destination. */
export const LIST_MAIN = 0;
export const LIST_OTHER = 1;

const EMPTY_LP = lpNew();

/** What reading a list entry needs (a Db; a Keyspace fits too, for tests and tools). */
export type ListReader = Pick<Db, 'holdsObject' | 'getObject' | 'valView'>;

/** The one-node Quicklists byte-stored lists are opened in (slots LIST_MAIN, LIST_OTHER). */
const wrapMain = new Quicklist(LIST_PACKED_FILL, LIST_PACKED_COMPRESS);
const wrapOther = new Quicklist(LIST_PACKED_FILL, LIST_PACKED_COMPRESS);

const iter = new QuicklistIter();

// ---- lists as key values -----------------------------------------------------------------------

/**
 * The list at entry e (whose type is OBJ_LIST): its Quicklist object, or for a byte-stored list
 * the wrapper of `slot` made a one-node list around the record's bytes (a write must end with
 * listCommit).
 */
export function listOf(db: ListReader, e: number, slot = LIST_MAIN): Quicklist {
  if (db.holdsObject(e)) return db.getObject(e) as Quicklist;
  const w = slot === LIST_MAIN ? wrapMain : wrapOther;
  w.wrapListpack(db.valView(e));
  return w;
}

/**
 * Stores the result of a write to list ql (from listOf(db, e)) that still has elements: a lone
 * node stays bytes in the record (copied back only if its listpack left the record), more nodes
 * become a Quicklist object. Object lists need nothing. A wrapper is empty afterwards when it
 * became an object: read what the reply needs first.
 */
export function listCommit(db: Db, e: number, ql: Quicklist): void {
  if (ql !== wrapMain && ql !== wrapOther) return;
  const lp = ql.singleListpack();
  const arena = db.arena.u8.buffer;
  if (lp !== null) {
    if (lp.buffer !== arena) db.storeListpack(e, lp);
    return;
  }
  db.setObject(e, ql.detachNodes(arena), LIST_TYPE_QUICKLIST);
}

/** Whether a list created under this fill and depth is kept as bytes in its key's record. */
export function listIsPacked(fill: number, compress: number): boolean {
  return fill === LIST_PACKED_FILL && compress === LIST_PACKED_COMPRESS;
}

/** Value bytes to ask add/setKey for, for a new list of key length kl (0 for an object list). */
export function listRecordLength(kl: number, packed: boolean): number {
  return packed ? listpackRecordLength(kl, EMPTY_LP.length) : 0;
}

/**
 * The type/encoding word to create a new list's entry with: a byte-stored list is a listpack
 * record; an object list's entry is created as a string (0) and gets its object in listInit,
 * since an object slot is allocated only for an entry that has none.
 */
export function listTypeEnc(packed: boolean): number {
  return packed ? LIST_TYPE_LISTPACK : 0;
}

/**
 * Gives entry e, just created by add/setKey with listRecordLength/listTypeEnc, an empty list
 * (open it with listOf, and listCommit once it has elements).
 */
export function listInit(db: Db, e: number, fill: number, compress: number): void {
  if (listIsPacked(fill, compress)) db.arena.u8.set(EMPTY_LP, db.valOff(e));
  else db.setObject(e, new Quicklist(fill, compress), LIST_TYPE_QUICKLIST);
}

/** Number of elements of list entry e. */
export function listLength(db: ListReader, e: number): number {
  return listOf(db, e).count;
}

/** The elements of list entry e, head to tail, as bytes (integers as decimal text): SORT, dumps. */
export function listElements(db: ListReader, e: number): Uint8Array[] {
  return listOf(db, e).toArray();
}

/** Appends each of `elements` at the tail of ql. */
export function listPushAll(ql: Quicklist, elements: readonly Uint8Array[]): void {
  for (const el of elements) ql.pushTail(el, 0, el.length);
}

/** A deep copy of an object list (COPY); byte-stored lists are copied as record bytes. */
export function listDup(ql: Quicklist): Quicklist {
  return ql.dup();
}

// ---- moving one element ------------------------------------------------------------------------

/** Holds an element while it moves from one list to another (LMOVE): bytes held.b[0, held.n). */
const HOLD_MAX = 1 << 16;
let holdBuf = new Uint8Array(256);
export const held = { b: holdBuf, n: 0 };

/**
 * Copies the element iterator `it` holds to held (integers as decimal text). Up to 64 KiB it goes
 * to a buffer kept for reuse; a bigger element gets a copy of its own.
 */
export function holdElement(it: QuicklistIter): void {
  const e = it.e;
  if (e.isInt) {
    held.b = holdBuf;
    held.n = formatInt64(e.int, holdBuf, 0);
    return;
  }
  const n = e.strLen;
  if (n > HOLD_MAX) {
    held.b = it.lp.slice(e.strOff, e.strOff + n);
  } else {
    if (holdBuf.length < n) holdBuf = new Uint8Array(Math.min(HOLD_MAX, Math.max(n, holdBuf.length * 2)));
    holdBuf.set(it.lp.subarray(e.strOff, e.strOff + n), 0);
    held.b = holdBuf;
  }
  held.n = n;
}

/** Lets go of a big held element (the reusable buffer stays). */
export function releaseHeld(): void {
  held.b = holdBuf;
  held.n = 0;
}

/**
 * LMOVE's data part: pops one element from one end of list entry e (non-empty) and pushes it at
 * one end of list entry d (d === e: a rotation of one list). The element is copied aside first
 * (into `held`, where it stays for the reply): the push can move the bytes it was read from.
 * The source's write is stored before the destination is opened. Returns true when the source
 * is now empty: the caller deletes it (last, as Redis does).
 */
export function listMove(db: Db, e: number, d: number, fromHead: boolean, toHead: boolean): boolean {
  const src = listOf(db, e, LIST_MAIN);
  src.peek(fromHead, iter);
  holdElement(iter);
  src.popDiscard(fromHead);
  if (d === e) {
    src.push(toHead, held.b, 0, held.n);
    listCommit(db, e, src);
    return false;
  }
  const emptied = src.count === 0;
  if (!emptied) listCommit(db, e, src);
  const dst = listOf(db, d, LIST_OTHER);
  dst.push(toHead, held.b, 0, held.n);
  listCommit(db, d, dst);
  return emptied;
}

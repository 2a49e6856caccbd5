/*
 * SORT and SORT_RO (sort.c): sort the elements of a list, set or sorted set numerically or
 * lexicographically, by themselves or by values looked up through a pattern (BY weight_*,
 * BY obj_*->field), return a window (LIMIT) of the elements or of values looked up by GET
 * patterns, or STORE the result as a list.
 *
 * SORT is O(n log n) over all the elements whatever the LIMIT, and its element vector holds a
 * copy of each element, as Redis's does; it is not a hot path, so plain JS objects are fine here.
 * Order details that Redis users rely on:
 *   - numeric ties are broken by comparing the elements' bytes, so the result is deterministic;
 *   - BY with a pattern without '*' (BY nosort) skips sorting: lists and sorted sets keep their
 *     order (reversed with DESC), sets their iteration order; but a set sorted with STORE is
 *     sorted ALPHA anyway, so what gets stored (and replicated) is deterministic;
 *   - a BY value that is missing counts as 0 (numeric) or sorts first (ALPHA);
 *   - a GET pattern `#` is the element itself; a pattern without '*' finds nothing; `->field`
 *     after the '*' reads a hash field; missing values are nil in the reply and "" when stored.
 *
 * Keys are looked up as sort.c does: the key to sort and every key a BY or GET pattern names with
 * lookupKeyRead (an expired one is deleted on the spot, with its "expired" event and propagated
 * DEL, and reads as missing: nil from GET, 0 or first from BY).
 *
 * STORE reports as sort.c does: a non-empty result replaces the destination (setKey: a write
 * lookup, so an expired destination is first expired; WATCH touch, a list event "sortstore", the
 * dirty counter grows by the number of stored elements); an empty result deletes the destination
 * if it is there (generic "del", one change) and otherwise reports nothing. That delete does not
 * check the destination's TTL first, as dbDelete does not: an expired destination still there is
 * deleted as a "del", not expired. SORT is propagated as received.
 */
import type { Argv } from '../protocol/argv.ts';
import { NOT_INTEGER, SYNTAX, WRONGTYPE } from '../protocol/errors.ts';
import type { Db } from '../store/db.ts';
import { NOTIFY_GENERIC, NOTIFY_LIST } from '../store/events.ts';
import { OBJ_HASH, OBJ_LIST, OBJ_SET, OBJ_STRING, OBJ_ZSET } from '../store/keyspace.ts';
import { listElements } from '../store/list-type.ts';
import { setMembersOf } from '../store/set-type.ts';
import { parseLongLong } from '../util/numbers.ts';
import type { CommandClient } from './context.ts';
import { hashFieldValue } from '../store/hash-type.ts';
import { storeList } from './lists.ts';
import type { CommandDef } from './registry.ts';
import { zsetElements } from '../store/zset-type.ts';

const NOT_DOUBLE = "ERR One or more scores can't be converted into double";

interface SortItem {
  elem: Uint8Array;
  score: number;
  /** The BY value for ALPHA sorting by pattern (null: missing). */
  by: Uint8Array | null;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * A SORT weight as Redis reads it: strtod over the whole string (leading spaces skipped, nothing
 * after the number, "" is 0), NaN when that fails or overflows.
 */
function sortScore(b: Uint8Array): number {
  const s = Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1').replace(/^[ \t\n\v\f\r]+/, '');
  if (b.length === 0) return 0;
  return strtodWhole(s);
}

function strtodWhole(s: string): number {
  if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf(inity)?|0x[0-9a-f]+(\.[0-9a-f]*)?(p[+-]?\d+)?)$/i.test(s)) return NaN;
  const lower = s.toLowerCase();
  if (lower.includes('inf')) return lower.startsWith('-') ? -Infinity : Infinity;
  if (lower.includes('0x')) {
    const neg = lower.startsWith('-');
    const m = /0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?/.exec(lower) as RegExpExecArray;
    let v = parseInt(m[1] || '0', 16);
    if (m[2]) for (let i = 0; i < m[2].length; i++) v += parseInt(m[2][i], 16) / 16 ** (i + 1);
    if (m[3]) v *= 2 ** Number(m[3]);
    return neg ? -v : v;
  }
  const v = Number(s);
  // strtod sets ERANGE on overflow; Redis rejects it (underflow to 0 is accepted).
  return Number.isFinite(v) ? v : NaN;
}

/**
 * lookupKeyByPattern: the value that pattern names for element `subst`: `#` is the element;
 * otherwise the first '*' is replaced by the element, and `->field` after it reads a hash field.
 * Returns a copy of the bytes, or null when missing or of the wrong type.
 */
function lookupByPattern(c: CommandClient, pattern: Uint8Array, subst: Uint8Array): Uint8Array | null {
  if (pattern.length === 1 && pattern[0] === 0x23) return subst;
  const star = pattern.indexOf(0x2a);
  if (star < 0) return null;
  let arrow = -1;
  for (let i = star + 1; i + 1 < pattern.length; i++) {
    if (pattern[i] === 0x2d && pattern[i + 1] === 0x3e) {
      arrow = i;
      break;
    }
  }
  // "->" with nothing after it is part of the key name.
  if (arrow >= 0 && arrow + 2 >= pattern.length) arrow = -1;
  const postEnd = arrow >= 0 ? arrow : pattern.length;
  const key = Buffer.concat([pattern.subarray(0, star), subst, pattern.subarray(star + 1, postEnd)]);
  const db = c.db;
  const e = db.lookupRead(key, 0, key.length);
  if (e < 0) return null;
  if (arrow >= 0) {
    if (db.type(e) !== OBJ_HASH) return null;
    const f = pattern.subarray(arrow + 2);
    return hashFieldValue(db, e, f, 0, f.length);
  }
  if (db.type(e) !== OBJ_STRING) return null;
  return db.valBytes(e);
}

function loadElements(db: Db, e: number): Uint8Array[] {
  switch (db.type(e)) {
    case OBJ_LIST:
      return listElements(db, e);
    case OBJ_SET:
      return setMembersOf(db, e);
    default:
      return zsetElements(db, e);
  }
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]
// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]
function sortGenericCommand(c: CommandClient, argv: Argv, readOnly: boolean): void {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let by: Uint8Array | null = null;
  let dontsort = false;
  let storeIdx = -1;
  const gets: Uint8Array[] = [];
  for (let j = 2; j < argv.argc; j++) {
    const left = argv.argc - j - 1;
    if (argv.is(j, 'asc')) desc = false;
    else if (argv.is(j, 'desc')) desc = true;
    else if (argv.is(j, 'alpha')) alpha = true;
    else if (argv.is(j, 'limit') && left >= 2) {
      const start = parseLongLong(argv.buf, argv.off[j + 1], argv.len[j + 1]);
      const count = parseLongLong(argv.buf, argv.off[j + 2], argv.len[j + 2]);
      if (Number.isNaN(start) || Number.isNaN(count)) {
        c.w.error(NOT_INTEGER);
        return;
      }
      limitStart = start;
      limitCount = count;
      j += 2;
    } else if (!readOnly && argv.is(j, 'store') && left >= 1) {
      storeIdx = j + 1;
      j++;
    } else if (argv.is(j, 'by') && left >= 1) {
      by = argv.copy(j + 1);
      // A BY pattern without '*' means "do not sort" (BY nosort).
      if (by.indexOf(0x2a) < 0) dontsort = true;
      else if (!c.mayReadAnyKey(argv)) {
        c.w.error('ERR BY option of SORT denied due to insufficient ACL permissions.');
        return;
      }
      j++;
    } else if (argv.is(j, 'get') && left >= 1) {
      if (!c.mayReadAnyKey(argv)) {
        c.w.error('ERR GET option of SORT denied due to insufficient ACL permissions.');
        return;
      }
      gets.push(argv.copy(j + 1));
      j++;
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }

  const db = c.db;
  const e = db.readArg(argv, 1);
  let type = OBJ_LIST;
  if (e >= 0) {
    type = db.type(e);
    if (type !== OBJ_LIST && type !== OBJ_SET && type !== OBJ_ZSET) {
      c.w.error(WRONGTYPE);
      return;
    }
  }
  // A set has no order of its own: sort what is stored so that it is deterministic.
  if (dontsort && type === OBJ_SET && storeIdx >= 0) {
    dontsort = false;
    alpha = true;
    by = null;
  }

  const elems = e >= 0 ? loadElements(db, e) : [];
  if (dontsort && desc && type !== OBJ_SET) elems.reverse();
  const items: SortItem[] = new Array(elems.length);
  for (let i = 0; i < elems.length; i++) items[i] = { elem: elems[i], score: 0, by: null };

  if (!dontsort) {
    for (const it of items) {
      const v = by !== null ? lookupByPattern(c, by, it.elem) : it.elem;
      if (alpha) {
        it.by = v;
        continue;
      }
      if (v === null) continue;
      const s = sortScore(v);
      if (Number.isNaN(s)) {
        c.w.error(NOT_DOUBLE);
        return;
      }
      it.score = s;
    }
    const sign = desc ? -1 : 1;
    const byPattern = by !== null;
    items.sort((a, b) => {
      let cmp: number;
      if (!alpha) {
        cmp = a.score > b.score ? 1 : a.score < b.score ? -1 : compareBytes(a.elem, b.elem);
      } else if (byPattern) {
        if (a.by === null || b.by === null) cmp = a.by === b.by ? 0 : a.by === null ? -1 : 1;
        else cmp = compareBytes(a.by, b.by);
      } else {
        cmp = compareBytes(a.elem, b.elem);
      }
      return cmp * sign;
    });
  }

  const n = items.length;
  let start = limitStart < 0 ? 0 : limitStart;
  let end = limitCount < 0 ? n - 1 : start + limitCount - 1;
  if (start >= n) {
    start = n - 1;
    end = n - 2;
  }
  if (end >= n) end = n - 1;
  const outLen = Math.max(0, end - start + 1);

  if (storeIdx < 0) {
    const w = c.w;
    w.arrayHeader(outLen * (gets.length > 0 ? gets.length : 1));
    for (let i = start; i <= end; i++) {
      const it = items[i];
      if (gets.length === 0) {
        w.bulkBytes(it.elem);
        continue;
      }
      for (const g of gets) {
        const v = lookupByPattern(c, g, it.elem);
        if (v === null) w.nullBulk();
        else w.bulkBytes(v);
      }
    }
    return;
  }
  const out: Uint8Array[] = [];
  const empty = new Uint8Array(0);
  for (let i = start; i <= end; i++) {
    const it = items[i];
    if (gets.length === 0) out.push(it.elem);
    else for (const g of gets) out.push(lookupByPattern(c, g, it.elem) ?? empty);
  }
  storeResult(c, argv, storeIdx, out);
  c.w.integer(out.length);
}

/** SORT ... STORE: the result list replaces key argv[k], or an empty result deletes it. */
function storeResult(c: CommandClient, argv: Argv, k: number, out: Uint8Array[]): void {
  const db = c.db;
  if (out.length > 0) {
    storeList(c, argv, k, out);
    db.changed(argv, k, NOTIFY_LIST, 'sortstore');
    c.srv.dirty += out.length;
    return;
  }
  // dbDelete: the key as stored, expired or not.
  const e = db.peek(argv.buf, argv.off[k], argv.len[k]);
  if (e < 0) return;
  db.deleteImplicit(e);
  db.changed(argv, k, NOTIFY_GENERIC, 'del');
  c.srv.dirty++;
}

function sortCommand(c: CommandClient, argv: Argv): void {
  sortGenericCommand(c, argv, false);
}

function sortRoCommand(c: CommandClient, argv: Argv): void {
  sortGenericCommand(c, argv, true);
}

export const sortCommands: CommandDef[] = [
  { name: 'sort', summary: 'Sorts the elements of a list, set or sorted set, optionally storing the result.', handler: sortCommand },
  { name: 'sort_ro', summary: 'Sorts the elements of a list, set or sorted set (read-only variant).', handler: sortRoCommand },
];

/*
 * The set type (the data-type half of Redis's t_set.c): a set is an IntSet while every member is
 * the canonical decimal spelling of an int64 and it has at most `set-max-intset-entries` members,
 * and a ByteDict (members as keys, no values) otherwise. Knows nothing of clients or RESP.
 *
 * Conversions go one way, as in Redis 7.0: an add that brings a non-integer member, or that makes
 * the intset longer than the limit, turns the set into a hashtable; removals never turn it back.
 * A limit lowered by CONFIG SET therefore takes effect at the next successful add.
 *
 * Both encodings address their members by a dense index in [0, size): the intset's sorted
 * position, the dict's entry id. So iteration, uniform random picks and "remember these members"
 * (an Int32Array of indexes) look the same for both, and no JS object is made per member. A member
 * is read into `cur` (bytes, offset, length): a view into the arena for a dict member, the decimal
 * digits in a scratch buffer for an intset member. `cur` is valid until the next read.
 */
import { ByteDict } from './bytedict.ts';
import { IntSet } from './intset.ts';
import type { Arena } from './arena.ts';
import type { Db } from './db.ts';
import { ENC_HT, ENC_INTSET, OBJ_SET } from './keyspace.ts';
import type { IntList } from '../util/int-list.ts';
import { formatInt64, parseInt64 } from '../util/numbers.ts';

export type SetValue = IntSet | ByteDict;

/** Redis clamps set-max-intset-entries to 1G entries (intset internals). */
const INTSET_HARD_LIMIT = 2 ** 30;

/** The effective intset length limit for a `set-max-intset-entries` value. */
export function intsetLimit(configured: number): number {
  return configured >= INTSET_HARD_LIMIT ? INTSET_HARD_LIMIT : configured;
}

/** Decimal digits of intset members (longest int64 is 20 bytes). */
const digits = new Uint8Array(24);

/** The member most recently read by memberAt / randomMember: bytes b[o, o+n). */
export const cur = { b: digits as Uint8Array, o: 0, n: 0 };

export function setSize(s: SetValue): number {
  return s instanceof IntSet ? s.length : s.size;
}

// ---- sets as key values ------------------------------------------------------------------------

/** The set held by entry e (whose type is OBJ_SET). Any reader of entry objects will do. */
export function setOf(db: Pick<Db, 'getObject'>, e: number): SetValue {
  return db.getObject(e) as SetValue;
}

/** ENC_INTSET or ENC_HT: what OBJECT ENCODING reports for s. */
export function setEncodingOf(s: SetValue): number {
  return s instanceof IntSet ? ENC_INTSET : ENC_HT;
}

/** The entry type/encoding word (type | encoding << 4) of a key holding s. */
export function setTypeEnc(s: SetValue): number {
  return OBJ_SET | (setEncodingOf(s) << 4);
}

/**
 * Makes s the value of entry e with its encoding: after a conversion, or for an entry just
 * created for it. An entry created to hold a set must be created as a string (type/encoding 0)
 * and get its set here, since an object slot is allocated only for an entry that has none.
 */
export function setStore(db: Db, e: number, s: SetValue): void {
  db.setObject(e, s, setTypeEnc(s));
}

/** The members of set entry e as their own bytes (integers as decimal text): SORT, dumps. */
export function setMembersOf(db: Pick<Db, 'getObject'>, e: number): Uint8Array[] {
  return setMemberCopies(setOf(db, e));
}

/** A new empty set that can hold `b[o, o+n)` (setTypeCreate): an intset for an integer. */
export function setCreateFor(arena: Arena, b: Uint8Array, o: number, n: number, expected = 0): SetValue {
  return parseInt64(b, o, n) !== null ? new IntSet() : new ByteDict(arena, expected);
}

/** Reads member `i` (0 <= i < size) into `cur`. */
export function memberAt(s: SetValue, i: number): void {
  if (s instanceof IntSet) {
    cur.b = digits;
    cur.o = 0;
    cur.n = formatInt64(s.get(i), digits, 0);
    return;
  }
  cur.b = s.arena.u8;
  cur.o = s.keyOff(i);
  cur.n = s.keyLen(i);
}

/** A uniformly random member index. The set must not be empty. */
export function randomIndex(s: SetValue): number {
  return s instanceof IntSet ? s.randomIndex() : s.randomId();
}

export function setIsMember(s: SetValue, b: Uint8Array, o: number, n: number): boolean {
  if (s instanceof IntSet) return s.hasMember(b, o, n);
  return s.find(b, o, n) >= 0;
}

/** Whether the integer v is a member (an intset looks it up directly, a dict by its digits). */
export function setHasInt(s: SetValue, v: number | bigint): boolean {
  if (s instanceof IntSet) return s.has(v);
  const n = formatInt64(v, digits, 0);
  return s.find(digits, 0, n) >= 0;
}

/** Removes a member; false when it was absent (setTypeRemove). */
export function setRemove(s: SetValue, b: Uint8Array, o: number, n: number): boolean {
  if (s instanceof IntSet) return s.removeMember(b, o, n);
  return s.delete(b, o, n);
}

/** Removes the member at index i (a dict moves its last entry into i). */
export function removeAt(s: SetValue, i: number): void {
  if (s instanceof IntSet) s.removeAt(i);
  else s.deleteId(i);
}

/**
 * Converts an intset into a dict with the same members (setTypeConvert), sized for them up
 * front. The intset is left as it was.
 */
export function intsetToDict(is: IntSet, arena: Arena): ByteDict {
  const len = is.length;
  const d = new ByteDict(arena, len);
  for (let i = 0; i < len; i++) {
    const n = formatInt64(is.get(i), digits, 0);
    d.add(digits, 0, n, null, 0, 0);
  }
  return d;
}

/**
 * Adds member b[o, o+n) (setTypeAdd) to set s with intset length limit `limit` (see intsetLimit).
 * Returns the set that holds the members afterwards: s itself, or a new dict when s was an
 * intset that had to convert (the caller stores it in place of s). Whether the member was new
 * shows in the size.
 *
 * The bytes may be a member of another set in the same arena: adding to a dict allocates in the
 * arena, which grows in place, so they stay valid.
 */
export function setAdd(s: SetValue, arena: Arena, b: Uint8Array, o: number, n: number, limit: number): SetValue {
  if (!(s instanceof IntSet)) {
    if (s.find(b, o, n) < 0) s.add(b, o, n, null, 0, 0);
    return s;
  }
  const r = s.addMember(b, o, n);
  if (r === 1) return s.length > limit ? intsetToDict(s, arena) : s;
  if (r === 0) return s;
  // Not an integer: the set becomes a hashtable, and the member is certainly new there.
  const d = intsetToDict(s, arena);
  d.add(b, o, n, null, 0, 0);
  return d;
}

/** setAdd for an integer member (an intset member of another set): no digits unless needed. */
export function setAddInt(s: SetValue, arena: Arena, v: number | bigint, limit: number): SetValue {
  if (s instanceof IntSet) {
    if (s.add(v) && s.length > limit) return intsetToDict(s, arena);
    return s;
  }
  const n = formatInt64(v, digits, 0);
  if (s.find(digits, 0, n) < 0) s.add(digits, 0, n, null, 0, 0);
  return s;
}

/** Adds member i of set `from` to s (see setAdd). */
export function setAddFrom(s: SetValue, arena: Arena, from: SetValue, i: number, limit: number): SetValue {
  if (from instanceof IntSet) return setAddInt(s, arena, from.get(i), limit);
  return setAdd(s, arena, arena.u8, from.keyOff(i), from.keyLen(i), limit);
}

/** Whether member i of set `from` is in s. */
export function setHasFrom(s: SetValue, from: SetValue, i: number): boolean {
  if (from instanceof IntSet) return setHasInt(s, from.get(i));
  return setIsMember(s, from.arena.u8, from.keyOff(i), from.keyLen(i));
}

/** Removes member i of set `from` from s; false when absent. */
export function setRemoveFrom(s: SetValue, from: SetValue, i: number): boolean {
  if (from instanceof IntSet) {
    const v = from.get(i);
    if (s instanceof IntSet) return s.remove(v);
    const n = formatInt64(v, digits, 0);
    return s.delete(digits, 0, n);
  }
  return setRemove(s, from.arena.u8, from.keyOff(i), from.keyLen(i));
}

/** A deep copy with the same encoding (setTypeDup, for COPY). */
export function setDup(s: SetValue): SetValue {
  return s.clone();
}

/** Releases a set's arena memory (a temporary set, or a value replaced without the keyspace). */
export function setFree(s: SetValue): void {
  if (!(s instanceof IntSet)) s.free();
}

/** Every member as its own bytes (integers as decimal text), in iteration order. */
export function setMemberCopies(s: SetValue): Uint8Array[] {
  const size = setSize(s);
  const out: Uint8Array[] = new Array(size);
  for (let i = 0; i < size; i++) {
    memberAt(s, i);
    out[i] = cur.b.slice(cur.o, cur.o + cur.n);
  }
  return out;
}

// ---- set algebra -------------------------------------------------------------------------------

/** Whether member i of `first` is in every set of others[0, n) (an intersection step). */
export function setInAll(first: SetValue, i: number, others: readonly SetValue[], n: number): boolean {
  if (first instanceof IntSet) {
    const v = first.get(i);
    for (let j = 0; j < n; j++) if (!setHasInt(others[j], v)) return false;
    return true;
  }
  const u8 = first.arena.u8;
  const o = first.keyOff(i);
  const len = first.keyLen(i);
  for (let j = 0; j < n; j++) if (!setIsMember(others[j], u8, o, len)) return false;
  return true;
}

export const SET_OP_UNION = 0;
export const SET_OP_DIFF = 1;

/**
 * The union or difference of `sets` (null: a missing key, an empty set) as a new set, built as
 * sunionDiffGenericCommand builds it: it starts as an intset and grows by adds (intset length
 * limit `max`), so it stays an intset while every member is an integer and there are few enough.
 *
 * A difference picks one of two algorithms by estimated work, as Redis does, because the choice
 * shows in the result's encoding: (1) test each member of the first set against the others
 * (sorted by decreasing size, so a member is found early), adding survivors only; (2) add the
 * whole first set, then remove every member of the others. A difference with the first set
 * itself among the others is empty at once.
 */
export function setUnionDiff(sets: readonly (SetValue | null)[], op: number, arena: Arena, max: number): SetValue {
  let result: SetValue = new IntSet();
  const first = sets[0];
  if (op === SET_OP_UNION) {
    for (const s of sets) {
      if (s === null) continue;
      const n = setSize(s);
      for (let i = 0; i < n; i++) result = setAddFrom(result, arena, s, i, max);
    }
    return result;
  }
  if (first === null) return result;
  for (let j = 1; j < sets.length; j++) if (sets[j] === first) return result;

  let workOne = 0;
  let workTwo = 0;
  for (const s of sets) {
    if (s === null) continue;
    workOne += setSize(first);
    workTwo += setSize(s);
  }
  workOne = Math.floor(workOne / 2);
  const size = setSize(first);
  if (workOne <= workTwo) {
    const rest = sets.slice(1).sort((a, b) => (b === null ? 0 : setSize(b)) - (a === null ? 0 : setSize(a)));
    for (let i = 0; i < size; i++) {
      let keep = true;
      for (let j = 0; j < rest.length && keep; j++) {
        const s = rest[j];
        if (s !== null && setHasFrom(s, first, i)) keep = false;
      }
      if (keep) result = setAddFrom(result, arena, first, i, max);
    }
    return result;
  }
  for (let i = 0; i < size; i++) result = setAddFrom(result, arena, first, i, max);
  for (let j = 1; j < sets.length && setSize(result) > 0; j++) {
    const s = sets[j];
    if (s === null) continue;
    const n = setSize(s);
    for (let i = 0; i < n; i++) setRemoveFrom(result, s, i);
  }
  return result;
}

// ---- random picks ------------------------------------------------------------------------------

/**
 * Moves `k` random members (0 < k < size) out of s into a new set and returns it (SPOP's third
 * strategy keeps the new set as the remainder). The new set is created for its first member and
 * grown by adds (intset length limit `max`), so a hashtable whose moved members are few integers
 * becomes an intset again, as in Redis.
 */
export function setMoveRandom(s: SetValue, arena: Arena, k: number, max: number): SetValue {
  let moved: SetValue | null = null;
  for (let j = 0; j < k; j++) {
    const i = randomIndex(s);
    if (moved === null) moved = s instanceof IntSet ? new IntSet() : setCreateFor(arena, arena.u8, s.keyOff(i), s.keyLen(i));
    moved = setAddFrom(moved, arena, s, i, max);
    removeAt(s, i);
  }
  return moved as SetValue;
}

/** SRANDMEMBER with count: the "copy and remove" strategy when count * 3 > size. */
const SRANDMEMBER_SUB_STRATEGY_MUL = 3;

/**
 * Indexes of `count` distinct random members (0 < count < size), in the two ways of Redis's
 * srandmemberWithCountCommand: when count is close to the size, start from every member and drop
 * random ones until `count` are left (picking distinct members one by one would mostly hit members
 * already picked); otherwise pick random members until `count` distinct ones are found.
 */
export function setRandomDistinct(s: SetValue, count: number): ArrayLike<number> {
  const size = setSize(s);
  if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
    const left = new Int32Array(size);
    for (let i = 0; i < size; i++) left[i] = i;
    let n = size;
    while (n > count) {
      const r = Math.floor(Math.random() * n);
      left[r] = left[--n];
    }
    return left.subarray(0, count);
  }
  const picked = new Set<number>();
  while (picked.size < count) picked.add(randomIndex(s));
  return Array.from(picked);
}

// ---- iteration ---------------------------------------------------------------------------------

/**
 * One SSCAN step from `cursor`: pushes member indexes to `out` and returns the next cursor. An
 * intset is returned whole with cursor 0; a hashtable is walked with the dict's reverse-binary
 * cursor, whole buckets at a time, until `count` members or count * 10 buckets.
 */
export function setScan(s: SetValue, cursor: number, count: number, out: IntList): number {
  if (s instanceof IntSet) {
    for (let i = 0; i < s.length; i++) out.push(i);
    return 0;
  }
  let maxIterations = count * 10;
  do {
    cursor = s.scan(cursor, out.push);
  } while (cursor !== 0 && maxIterations-- > 0 && out.length < count);
  return cursor;
}

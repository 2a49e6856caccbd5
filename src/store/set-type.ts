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

/*
 * MEMORY USAGE: the bytes one key and its value hold here (objectComputeSize's role).
 *
 *   entry     the key's row in the keyspace arrays (hash, next, rec, meta, expi: 20 bytes) and
 *             its share of the bucket table (~6), plus 12 bytes of expiry arrays with a TTL;
 *   record    the arena block of `klen, key, vlen, value` (size class capacity);
 *   object    for values held as JS objects, what the structure holds: ByteDict / Skiplist /
 *             Quicklist memoryBytes(), an intset's buffer, a stream's listpacks, IDs and groups,
 *             each with V8's ~100-200 bytes of object and typed-array headers.
 *
 * The figures are exact sums over the structure's own counters (O(1) for dicts and skiplists,
 * O(nodes) for lists and streams), so SAMPLES does not change them (Redis samples because it
 * walks elements). Differences from Redis's figures are by design: Spindle's per-key and
 * per-element overheads are smaller (docs/design-memory.md has the measured band).
 */
import { Arena } from '../../store/arena.ts';
import { ByteDict } from '../../store/bytedict.ts';
import type { Db } from '../../store/db.ts';
import { IntSet } from '../../store/intset.ts';
import { Quicklist } from '../../store/quicklist.ts';
import { lenSize } from '../../store/record.ts';
import { Skiplist } from '../../store/skiplist.ts';
import { Stream } from '../../store/stream.ts';

/** Keyspace arrays and bucket share per key. */
export const ENTRY_BYTES = 26;
/** Expiry arrays per key with a TTL (entry id + time). */
const EXPIRY_BYTES = 12;
/** V8's header of a standalone typed array / small object (measured, quicklist.ts). */
const TYPED_ARRAY_HEADER = 200;

/** Bytes held by key e of db and its value. */
export function keyMemoryUsage(db: Db, e: number): number {
  const kl = db.keyLen(e);
  const vl = db.valLen(e);
  let bytes = ENTRY_BYTES + Arena.capacity(lenSize(kl) + kl + lenSize(vl) + vl);
  if (db.hasExpire(e)) bytes += EXPIRY_BYTES;
  if (db.holdsObject(e)) bytes += objectBytes(db.getObject(e));
  return bytes;
}

/** Bytes held by a value kept as a JS object. */
export function objectBytes(obj: unknown): number {
  if (obj instanceof ByteDict || obj instanceof Skiplist || obj instanceof Quicklist) return obj.memoryBytes();
  if (obj instanceof IntSet) return obj.allocatedBytes + TYPED_ARRAY_HEADER;
  if (obj instanceof Stream) return streamBytes(obj);
  return 0;
}

/** A stream: its listpack blocks, their master IDs, and each group's PEL and consumers. */
function streamBytes(s: Stream): number {
  let bytes = 120;
  for (const lp of s.lps) bytes += lp.byteLength + TYPED_ARRAY_HEADER + 24; // + the BigInt master ID
  for (const g of s.groups) {
    bytes += 100 + g.name.byteLength + g.pel.size * 64;
    for (const c of g.consumers) bytes += 100 + c.name.byteLength + c.pel.size * 16;
  }
  return bytes;
}

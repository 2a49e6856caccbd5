/*
 * Pieces shared by the typed-array dicts over the arena (keyspace.ts, bytedict.ts, skiplist.ts):
 * the length prefix of a record's byte strings and the bit reversal behind the SCAN cursor.
 *
 * A length is 1 byte below 128, else 4 bytes big-endian with the top bit set (lengths < 2^31):
 * short keys and values, the common case, pay one byte.
 */

export function lenSize(n: number): number {
  return n < 0x80 ? 1 : 4;
}

export function writeLen(u8: Uint8Array, p: number, n: number): number {
  if (n < 0x80) {
    u8[p] = n;
    return p + 1;
  }
  u8[p] = 0x80 | (n >>> 24);
  u8[p + 1] = (n >>> 16) & 0xff;
  u8[p + 2] = (n >>> 8) & 0xff;
  u8[p + 3] = n & 0xff;
  return p + 4;
}

export function readLen(u8: Uint8Array, p: number): number {
  const b0 = u8[p];
  if (b0 < 0x80) return b0;
  return ((b0 & 0x7f) << 24) | (u8[p + 1] << 16) | (u8[p + 2] << 8) | u8[p + 3];
}

/** Bit reversal of a 32-bit value (the SCAN cursor walks buckets in reverse-binary order). */
export function rev32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  v = (v >>> 16) | (v << 16);
  return v >>> 0;
}

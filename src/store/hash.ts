/*
 * Seeded 32-bit hash of key bytes (MurmurHash3 x86_32). The seed is random per process so that
 * crafted keys cannot be made to collide in advance (Redis uses SipHash for the same reason;
 * Murmur3 with a secret seed is weaker but far cheaper in JS, where there are no 64-bit ints).
 */

let seed = (Math.random() * 0x100000000) >>> 0;

/** The process's seed; I/O workers adopt the main thread's so they can hash keys for it. */
export function hashSeed(): number {
  return seed;
}

export function setHashSeed(s: number): void {
  seed = s >>> 0;
}

export function hashBytes(b: Uint8Array, o: number, n: number): number {
  let h = seed;
  const end4 = o + (n & ~3);
  let p = o;
  while (p < end4) {
    let k = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
    p += 4;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (n & 3) {
    case 3:
      k ^= b[p + 2] << 16;
    // falls through
    case 2:
      k ^= b[p + 1] << 8;
    // falls through
    case 1:
      k ^= b[p];
      k = Math.imul(k, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

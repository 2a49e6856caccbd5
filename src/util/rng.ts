/*
 * xorshift32: a small seeded pseudo-random generator for the fuzzer (scripts/fuzz-resp.ts) and
 * the property tests, so that a failing run replays from its seed. Not for anything a client
 * sees (the server's own randomness, SPOP/SRANDMEMBER and the like, does not use it).
 */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return this.next() % n;
  }

  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }

  /** n random bytes in a buffer of their own (not the pool: an over-read past them is caught by ASan). */
  bytes(n: number): Buffer<ArrayBuffer> {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

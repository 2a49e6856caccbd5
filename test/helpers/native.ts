// The native addon for the identical-results tests (test/unit/native-*.test.ts): the loaded
// addon, or null, in which case those tests skip, unless SPINDLE_REQUIRE_NATIVE=1 (CI), which
// makes a missing addon a failure.
import { expect, it } from 'vitest';
import { type NativeCore, loadedNative, nativeUnavailable } from '../../src/native/addon.ts';

export const addon: NativeCore | null = loadedNative();
export const REQUIRE_NATIVE = process.env.SPINDLE_REQUIRE_NATIVE === '1';

/** A test that fails when the addon is required but missing. */
export function requireNativeCheck(): void {
  it.runIf(REQUIRE_NATIVE)('the native addon is loaded (SPINDLE_REQUIRE_NATIVE=1)', () => {
    expect(nativeUnavailable()).toBe('');
    expect(addon).not.toBeNull();
  });
}

/** xorshift32: a seeded PRNG, so every failure reproduces. */
export class Rng {
  s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
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
  bytes(n: number): Uint8Array<ArrayBuffer> {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

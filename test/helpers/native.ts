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

/** The seeded generator the property tests draw their inputs from. */
export { Rng } from '../../src/util/rng.ts';

/*
 * Copying byte ranges between typed arrays without a view per copy.
 *
 * Why: `dst.set(src.subarray(...))` creates a typed array (35-50 ns) before copying anything, so
 * for the short ranges of the command path (a small listpack, a key) a plain loop is cheaper;
 * past a few hundred bytes the bulk copy wins.
 */

/** Below this many bytes copyBytes loops; from it on it uses set(subarray). */
export const LOOP_COPY_MAX = 256;

/** Copies src[s, s+n) to dst[d, d+n). The ranges must not overlap. */
export function copyBytes(dst: Uint8Array, d: number, src: Uint8Array, s: number, n: number): void {
  if (n < LOOP_COPY_MAX) for (let i = 0; i < n; i++) dst[d + i] = src[s + i]!;
  else dst.set(src.subarray(s, s + n), d);
}

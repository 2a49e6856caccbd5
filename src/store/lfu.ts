/*
 * LFU in the 24-bit field of an entry's meta (Redis's evict.c LFU scheme), used when the
 * maxmemory policy is allkeys-lfu or volatile-lfu. The field then holds, instead of the LRU
 * clock, the last decrement time in minutes (16 bits, wrapping) above an 8-bit logarithmic
 * access counter:
 *
 *   on access   counter = decay(counter), then incremented with probability
 *               1 / ((counter - LFU_INIT_VAL) * lfu-log-factor + 1), saturating at 255;
 *   decay       one step down per lfu-decay-time minutes since the stored time;
 *   new keys    counter LFU_INIT_VAL (5), so a fresh key is not evicted before it had a chance.
 *
 * Under an LRU policy none of this runs: Db's touch checks one field (`lfu` null) and stores the
 * LRU clock as before.
 */

/** Counter of a new key (LFU_INIT_VAL). */
export const LFU_INIT_VAL = 5;

/** The LFU tuning read from the configs (lfu-log-factor, lfu-decay-time). */
export interface LfuParams {
  logFactor: number;
  decayTime: number;
}

/** LFUGetTimeInMinutes: unix minutes, 16 bits. */
export function lfuMinutes(nowMs: number): number {
  return Math.floor(nowMs / 60000) & 65535;
}

/** LFUDecrAndReturn: the counter of `field` after the decay due since its stored time. */
export function lfuDecay(field: number, decayTime: number, nowMs: number): number {
  const ldt = field >>> 8;
  const counter = field & 255;
  const now = lfuMinutes(nowMs);
  const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  const periods = decayTime > 0 ? Math.floor(elapsed / decayTime) : 0;
  return periods > counter ? 0 : counter - periods;
}

/** LFULogIncr: the probabilistic logarithmic increment. */
export function lfuLogIncr(counter: number, logFactor: number): number {
  if (counter === 255) return 255;
  let base = counter - LFU_INIT_VAL;
  if (base < 0) base = 0;
  return Math.random() < 1 / (base * logFactor + 1) ? counter + 1 : counter;
}

/** updateLFU: the new 24-bit field after one access. */
export function lfuTouched(field: number, p: LfuParams, nowMs: number): number {
  const counter = lfuLogIncr(lfuDecay(field, p.decayTime, nowMs), p.logFactor);
  return (lfuMinutes(nowMs) << 8) | counter;
}

/** The 24-bit field of a key created now under an LFU policy. */
export function lfuNewField(nowMs: number): number {
  return (lfuMinutes(nowMs) << 8) | LFU_INIT_VAL;
}

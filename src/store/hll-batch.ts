/*
 * Whole-command HyperLogLog operations, on the native addon when it is in use (one call per
 * PFADD, per estimate, per merged source, per PFMERGE write-back) and on the TypeScript code of
 * hyperloglog.ts otherwise. Both give identical bytes and numbers (test/unit/native-hll.test.ts).
 *
 * Sparse edits run in the caller's HllWork: the native call stops when an edit could need more
 * room than the working buffer has, and is called again after the buffer grew.
 */
import { native } from '../native/addon.ts';
import {
  HLL_DENSE, HLL_HDR_SIZE, HLL_REGISTERS, type HllWork, denseAdd, denseSet, hllCount, mergeInto, rawCount, sparseSet,
  sparseToDense, workAdd,
} from './hyperloglog.ts';

/** [len, updated, status, next] shared with the native calls (status 2: grow and call again). */
const state = new Float64Array(4);
const NEED_ROOM = 2;
const CORRUPT = 1;
const MAX_INDEX = 2 ** 53;

/** PFADD's elements [from, to) of argv on the dense HLL at v[off]: registers changed. */
export function addDense(v: Uint8Array, off: number, buf: Uint8Array, offs: Int32Array, lens: Int32Array, from: number, to: number): number {
  const n = native;
  if (n !== null) return n.hllAddDense(v, off, buf, offs, lens, from, to);
  let updated = 0;
  for (let j = from; j < to; j++) updated += denseAdd(v, off, buf, offs[j], lens[j]);
  return updated;
}

/**
 * PFADD's elements [from, to) on the working copy w (either encoding). Returns the registers
 * changed, or -1 - changed when the value is corrupt (the edits before are kept in w).
 */
export function addWork(w: HllWork, maxBytes: number, buf: Uint8Array, offs: Int32Array, lens: Int32Array, from: number, to: number): number {
  const n = native;
  if (n !== null) {
    state[0] = w.len;
    state[1] = 0;
    state[3] = from;
    for (;;) {
      n.hllAddWork(w.buf, state, Math.min(maxBytes, MAX_INDEX), buf, offs, lens, to);
      w.len = state[0];
      if (state[2] !== NEED_ROOM) break;
      w.ensure(w.len + 64);
    }
    return state[2] === CORRUPT ? -1 - state[1] : state[1];
  }
  let updated = 0;
  for (let j = from; j < to; j++) {
    const r = workAdd(w, buf, offs[j], lens[j], maxBytes);
    if (r < 0) return -1 - updated;
    updated += r;
  }
  return updated;
}

/** PFMERGE's write-back: raises every register of w to max[i]. */
export function applyMax(w: HllWork, maxBytes: number, max: Uint8Array): void {
  const n = native;
  if (n !== null) {
    state[0] = w.len;
    state[3] = 0;
    for (;;) {
      n.hllApplyMax(w.buf, state, Math.min(maxBytes, MAX_INDEX), max);
      w.len = state[0];
      if (state[2] !== NEED_ROOM) return;
      w.ensure(w.len + 64);
    }
  }
  for (let j = 0; j < HLL_REGISTERS; j++) {
    const m = max[j];
    if (m === 0) continue;
    if (w.buf[4] === HLL_DENSE) denseSet(w.buf, HLL_HDR_SIZE, j, m);
    else sparseSet(w, j, m, maxBytes);
  }
}

/** sparseToDense on w: false (w unchanged) when corrupt. */
export function toDense(w: HllWork): boolean {
  const n = native;
  if (n === null) return sparseToDense(w);
  state[0] = w.len;
  const ok = n.hllToDense(w.buf, state);
  w.len = state[0];
  return ok;
}

/** hllCount of the checked value v[o, o+len): the estimate, or -1 when corrupt. */
export function count(v: Uint8Array, o: number, len: number): number {
  const n = native;
  return n !== null ? n.hllCount(v, o, len) : hllCount(v, o, len);
}

/** mergeInto: raises max[i] to the registers of the checked value v[o, o+len); false if corrupt. */
export function merge(max: Uint8Array, v: Uint8Array, o: number, len: number): boolean {
  const n = native;
  return n !== null ? n.hllMerge(max, v, o, len) : mergeInto(max, v, o, len);
}

/** The estimate of 16384 raw registers. */
export function countRaw(regs: Uint8Array): number {
  const n = native;
  return n !== null ? n.hllRawCount(regs) : rawCount(regs);
}

/*
 * The optional native addon (native/core/, build/Release/spindle_native.node; docs/design-native.md).
 *
 * Loaded once, at import. `native` is the addon's functions or null; callers branch on it and
 * keep their TypeScript path, which gives identical results. It is null when the addon was not
 * built (no compiler at npm install), fails to load, or is forced off: by the environment
 * (SPINDLE_NATIVE=0, read here) or by the immutable config `native-addon no` (main.ts calls
 * disableNative at start-up, before any command runs). SPINDLE_NATIVE_PATH loads the addon from
 * another file (the AddressSanitizer build of scripts/asan-native.sh).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The functions of native/core/ (argument contracts: the comments over each in the .cc files). */
export interface NativeCore {
  version: number;
  crc16(buf: Uint8Array, off: number, len: number): number;
  keySlot(buf: Uint8Array, off: number, len: number): number;
  murmur64a(buf: Uint8Array, off: number, len: number): bigint;
  hllAddDense(v: Uint8Array, off: number, buf: Uint8Array, offs: Int32Array, lens: Int32Array, from: number, to: number): number;
  /** state: [len, updated (added to), status (0 done, 1 corrupt, 2 needs room), next element]. */
  hllAddWork(work: Uint8Array, state: Float64Array, maxBytes: number, buf: Uint8Array, offs: Int32Array, lens: Int32Array, to: number): void;
  /** state as hllAddWork's; next is the next register. */
  hllApplyMax(work: Uint8Array, state: Float64Array, maxBytes: number, regs: Uint8Array): void;
  hllToDense(work: Uint8Array, state: Float64Array): boolean;
  hllCount(v: Uint8Array, off: number, len: number): number;
  hllRawCount(regs: Uint8Array): number;
  hllMerge(max: Uint8Array, v: Uint8Array, off: number, len: number): boolean;
  hllValid(v: Uint8Array, off: number, len: number): boolean;
  lpValidate(bytes: Uint8Array, size: number): boolean;
  lpFind(lp: Uint8Array, p: number, s: Uint8Array, off: number, len: number, skip: number): number;
  // The socket layer (native/core/net.cc; src/server/native-net.ts).
  netInit(readBuffer: Uint8Array, records: Int32Array, pending: Float64Array, dispatch: (from: number, to: number) => void): void;
  netOpen(fd: number): number;
  netFd(slot: number): number;
  netWrite(bytes: Uint8Array, slots: Int32Array, offs: Int32Array, lens: Int32Array, n: number): number;
  netEnd(slot: number): void;
  netClose(slot: number): void;
  netPause(slot: number, paused: boolean): void;
}

export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../build/Release/spindle_native.node', import.meta.url));

let loaded: NativeCore | null = null;
let why = '';

function load(): void {
  if (process.env.SPINDLE_NATIVE === '0') {
    why = 'forced off by SPINDLE_NATIVE=0';
    return;
  }
  const file = process.env.SPINDLE_NATIVE_PATH || NATIVE_ADDON_PATH;
  try {
    loaded = createRequire(import.meta.url)(file) as NativeCore;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    why = code === 'MODULE_NOT_FOUND' || code === 'ENOENT' ? `not built (${file} missing; needs a C++ compiler at npm install)` : `failed to load: ${(e as Error).message}`;
  }
}
load();

/** The addon's functions, or null: the TypeScript paths run. */
export let native: NativeCore | null = loaded;

/** Turns the addon off for this process (config `native-addon no`); idempotent. */
export function disableNative(reason: string): void {
  if (native === null) return;
  native = null;
  why = reason;
}

/** Why the addon is not in use ('' when it is). */
export function nativeUnavailable(): string {
  return native === null ? why : '';
}

/** The addon as loaded, even when disabled by config (tests compare it with the TypeScript path). */
export function loadedNative(): NativeCore | null {
  return loaded;
}

/*
 * A command as one byte string: u32 argc (bit 31: the key hash is set), u32 key hash, argc x u32
 * length, then the argument bytes. It is how a command is kept when it must outlive its read
 * buffer (MULTI queues, commands held by CLIENT PAUSE or blocked on keys) and how I/O workers
 * hand commands to the main thread through the rings (src/io-threads/frames.ts adds the ring's
 * control messages).
 *
 * A frame is decoded in place: decodeCommand points an Argv at the frame's bytes. Workers also
 * hash argument 1 (the first key of most commands) with the main thread's seed, taking that work
 * off the main thread's lookup (Db.readArg/writeArg use it); copies made on the main thread leave
 * it unset.
 */
import type { Argv } from '../protocol/argv.ts';
import { hashBytes } from '../store/hash.ts';

export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = v >>> 24;
}

export function readU32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** Bit 31 of a COMMAND's argc word: the key hash word is set. */
const KEY_HASHED = 0x80000000;

/** Bytes of a COMMAND payload before the argument lengths (argc word, key hash). */
export const COMMAND_HEADER = 8;

/** Argument bytes of an encoded COMMAND (its size minus the header and the length words). */
export function commandArgBytes(frame: Uint8Array): number {
  return frame.length - COMMAND_HEADER - 4 * (readU32(frame, 0) & ~KEY_HASHED);
}

/** Bytes a COMMAND payload for argv needs. */
export function commandSize(argv: Argv): number {
  let n = COMMAND_HEADER + 4 * argv.argc;
  for (let i = 0; i < argv.argc; i++) n += argv.len[i];
  return n;
}

/** Encodes argv as a COMMAND payload at dst[o], with argument 1's hash when `hashKey`; returns the end offset. */
export function encodeCommand(dst: Uint8Array, o: number, argv: Argv, hashKey = false): number {
  const argc = argv.argc;
  if (hashKey && argc >= 2) {
    writeU32(dst, o, (argc | KEY_HASHED) >>> 0);
    writeU32(dst, o + 4, hashBytes(argv.buf, argv.off[1], argv.len[1]));
  } else {
    writeU32(dst, o, argc);
    writeU32(dst, o + 4, 0);
  }
  let lp = o + 8;
  let p = lp + 4 * argc;
  const src = argv.buf;
  for (let i = 0; i < argc; i++) {
    const n = argv.len[i];
    writeU32(dst, lp, n);
    lp += 4;
    const s = argv.off[i];
    if (n < 64) for (let k = 0; k < n; k++) dst[p + k] = src[s + k];
    else dst.set(src.subarray(s, s + n), p);
    p += n;
  }
  return p;
}

/** Points argv at the COMMAND payload at src[o] (no copy; valid while the frame is). */
export function decodeCommand(src: Uint8Array, o: number, argv: Argv): void {
  const word = readU32(src, o);
  const argc = word & ~KEY_HASHED;
  argv.keyHashed = word >= KEY_HASHED;
  argv.keyHash = readU32(src, o + 4);
  argv.ensure(argc);
  let lp = o + 8;
  let p = lp + 4 * argc;
  for (let i = 0; i < argc; i++) {
    const n = readU32(src, lp);
    lp += 4;
    argv.off[i] = p;
    argv.len[i] = n;
    p += n;
  }
  argv.argc = argc;
  argv.buf = src;
}

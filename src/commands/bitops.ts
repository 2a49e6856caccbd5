/*
 * Bitmap commands (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP. BITFIELD is in
 * bitfield.ts. A bitmap is a string value; the commands work on its bytes in the keyspace arena
 * (an int-encoded string is stored as its decimal text, which is what Redis reads too). The bit
 * algorithms themselves are in src/util/bits.ts.
 *
 * As in 7.0.15: a write that creates or grows the string, or changes a bit, counts one dirty and
 * publishes "setbit"; SETBIT of a bit to the value it already has on a string it does not grow
 * changes nothing (not propagated), though it still turns the value raw. BITOP stores its result
 * as a raw string ("set") or, when every source is empty or missing, deletes the destination
 * ("del", dirty only if it existed). BITCOUNT and BITPOS look the key up before parsing their
 * range, so a missing key answers 0 (BITPOS: 0 or -1) whatever the range arguments are.
 */
import type { Argv } from '../protocol/argv.ts';
import { SYNTAX } from '../protocol/errors.ts';
import { parserLimits } from '../protocol/parser.ts';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../store/events.ts';
import { ENC_RAW, OBJ_STRING } from '../store/keyspace.ts';
import { countBitRange, findBit, popcount } from '../util/bits.ts';
import { parseInt64 } from '../util/numbers.ts';
import type { CommandClient } from './context.ts';
import type { CommandDef } from './registry.ts';
import { argInt64, wrongType } from './util.ts';

export const BIT_OFFSET_ERR = 'ERR bit offset is not an integer or out of range';
const BIT_VALUE_ERR = 'ERR bit is not an integer or out of range';

/**
 * Bit offset argument i (getBitOffsetFromArgument): a non-negative integer whose byte is below
 * proto-max-bulk-len. With hashBits > 0 a `#N` form means N * hashBits (BITFIELD). Returns -1
 * after replying the error.
 */
export function bitOffsetArg(c: CommandClient, argv: Argv, i: number, hashBits: number): number {
  const b = argv.buf;
  let o = argv.off[i];
  let n = argv.len[i];
  const hash = hashBits > 0 && n > 0 && b[o] === 35;
  if (hash) {
    o++;
    n--;
  }
  const v = parseInt64(b, o, n);
  if (v === null || typeof v === 'bigint') {
    c.w.error(BIT_OFFSET_ERR);
    return -1;
  }
  const off = hash ? v * hashBits : v;
  if (off < 0 || Math.floor(off / 8) >= parserLimits.maxBulkLen) {
    c.w.error(BIT_OFFSET_ERR);
    return -1;
  }
  return off;
}

/** grown: whether the last bitWriteTarget created the key or grew its value. */
export const bitTarget = { grown: false };

/**
 * lookupStringForBitCommand: the string at argv[1], created or zero-padded so that bit maxBit
 * exists, and made raw. Returns its entry, or -1 after a WRONGTYPE reply.
 */
export function bitWriteTarget(c: CommandClient, argv: Argv, maxBit: number): number {
  const db = c.db;
  const need = Math.floor(maxBit / 8) + 1;
  const e = db.writeArg(argv, 1);
  if (e < 0) {
    const ne = db.addArg(argv, 1, need, OBJ_STRING | (ENC_RAW << 4));
    const v = db.valOff(ne);
    db.arena.u8.fill(0, v, v + need);
    bitTarget.grown = true;
    return ne;
  }
  if (wrongType(c, db, e, OBJ_STRING)) return -1;
  const old = db.valLen(e);
  bitTarget.grown = need > old;
  if (bitTarget.grown) {
    const v = db.resizeValue(e, need, old);
    db.arena.u8.fill(0, v + old, v + need);
  }
  db.setEncoding(e, ENC_RAW);
  return e;
}

// SETBIT key offset value
function setbitCommand(c: CommandClient, argv: Argv): void {
  const offset = bitOffsetArg(c, argv, 2, 0);
  if (offset < 0) return;
  const on = argInt64(c, argv, 3, BIT_VALUE_ERR);
  if (on === null) return;
  if (on !== 0 && on !== 1) {
    c.w.error(BIT_VALUE_ERR);
    return;
  }
  const e = bitWriteTarget(c, argv, offset);
  if (e < 0) return;
  const db = c.db;
  const byte = Math.floor(offset / 8);
  const shift = 7 - (offset - byte * 8);
  const p = db.valOff(e) + byte;
  const u8 = db.arena.u8;
  const old = (u8[p] >> shift) & 1;
  if (bitTarget.grown || old !== on) {
    u8[p] = on === 1 ? u8[p] | (1 << shift) : u8[p] & ~(1 << shift);
    db.changed(argv, 1, NOTIFY_STRING, 'setbit');
    c.srv.dirty++;
  }
  c.w.integer(old);
}

// GETBIT key offset
function getbitCommand(c: CommandClient, argv: Argv): void {
  const offset = bitOffsetArg(c, argv, 2, 0);
  if (offset < 0) return;
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_STRING)) return;
  const byte = Math.floor(offset / 8);
  if (byte >= db.valLen(e)) {
    c.w.integer(0);
    return;
  }
  c.w.integer((db.arena.u8[db.valOff(e) + byte] >> (7 - (offset - byte * 8))) & 1);
}

/** The range an index pair resolved to (shared: no allocation per command). */
const range = { start: 0, end: 0, isBit: false };

/** BIT / BYTE unit argument i: false after a syntax error reply. */
function unitArg(c: CommandClient, argv: Argv, i: number): boolean {
  if (argv.is(i, 'bit')) range.isBit = true;
  else if (argv.is(i, 'byte')) range.isBit = false;
  else {
    c.w.error(SYNTAX);
    return false;
  }
  return true;
}

/**
 * Redis's index rule for BITCOUNT/BITPOS: negative indexes count from the end of the value
 * (`len` bytes, or len * 8 bits in BIT mode), start clamps to 0 and end to the last index.
 */
function resolveRange(s: number | bigint, e: number | bigint, len: number): void {
  const total = range.isBit ? len * 8 : len;
  let start = Number(s);
  let end = Number(e);
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  range.start = start;
  range.end = end;
}

// BITCOUNT key [start end [BYTE | BIT]]
function bitcountCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_STRING)) return;
  const off = db.valOff(e);
  const len = db.valLen(e);
  range.isBit = false;
  if (argv.argc === 4 || argv.argc === 5) {
    const s = argInt64(c, argv, 2);
    if (s === null) return;
    const en = argInt64(c, argv, 3);
    if (en === null) return;
    if (s < 0 && en < 0 && s > en) {
      c.w.integer(0);
      return;
    }
    if (argv.argc === 5 && !unitArg(c, argv, 4)) return;
    resolveRange(s, en, len);
  } else if (argv.argc === 2) {
    range.start = 0;
    range.end = len - 1;
  } else {
    c.w.error(SYNTAX);
    return;
  }
  const { start, end } = range;
  if (start > end) {
    c.w.integer(0);
    return;
  }
  const u8 = db.arena.u8;
  c.w.integer(range.isBit ? countBitRange(u8, off, start, end) : popcount(u8, off + start, off + end + 1));
}

// BITPOS key bit [start [end [BYTE | BIT]]]
function bitposCommand(c: CommandClient, argv: Argv): void {
  const bit = argInt64(c, argv, 2);
  if (bit === null) return;
  if (bit !== 0 && bit !== 1) {
    c.w.error('ERR The bit argument must be 1 or 0.');
    return;
  }
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.integer(bit === 1 ? -1 : 0);
    return;
  }
  if (wrongType(c, db, e, OBJ_STRING)) return;
  const len = db.valLen(e);
  const argc = argv.argc;
  let endGiven = false;
  range.isBit = false;
  if (argc >= 4 && argc <= 6) {
    const s = argInt64(c, argv, 3);
    if (s === null) return;
    if (argc === 6 && !unitArg(c, argv, 5)) return;
    let en: number | bigint;
    if (argc >= 5) {
      const v = argInt64(c, argv, 4);
      if (v === null) return;
      en = v;
      endGiven = true;
    } else {
      en = range.isBit ? len * 8 + 7 : len - 1;
    }
    resolveRange(s, en, len);
  } else if (argc === 3) {
    range.start = 0;
    range.end = len - 1;
  } else {
    c.w.error(SYNTAX);
    return;
  }
  const { start, end } = range;
  if (start > end) {
    c.w.integer(-1);
    return;
  }
  const startBit = range.isBit ? start : start * 8;
  const endBit = range.isBit ? end : end * 8 + 7;
  let pos = findBit(db.arena.u8, db.valOff(e), startBit, endBit, bit);
  // Without an explicit end, the string counts as padded with clear bits on the right.
  if (pos < 0 && bit === 0 && !endGiven) pos = endBit + 1;
  c.w.integer(pos);
}

const BITOP_AND = 0;
const BITOP_OR = 1;
const BITOP_XOR = 2;
const BITOP_NOT = 3;

/** Per-source value offsets and lengths of the current BITOP (grown, never shrunk). */
let srcOff = new Float64Array(16);
let srcLen = new Float64Array(16);
/** BITOP's result is built here before it is stored (the destination may be a source). */
let resultScratch = new Uint8Array(4096);
const KEEP_SCRATCH = 1 << 20;

// BITOP <AND | OR | XOR | NOT> destkey key [key ...]
function bitopCommand(c: CommandClient, argv: Argv): void {
  let op: number;
  if (argv.is(1, 'and')) op = BITOP_AND;
  else if (argv.is(1, 'or')) op = BITOP_OR;
  else if (argv.is(1, 'xor')) op = BITOP_XOR;
  else if (argv.is(1, 'not')) op = BITOP_NOT;
  else {
    c.w.error(SYNTAX);
    return;
  }
  if (op === BITOP_NOT && argv.argc !== 4) {
    c.w.error('ERR BITOP NOT must be called with a single source key.');
    return;
  }
  const db = c.db;
  const numKeys = argv.argc - 3;
  if (srcOff.length < numKeys) {
    srcOff = new Float64Array(numKeys);
    srcLen = new Float64Array(numKeys);
  }
  // Value byte offsets stay valid while nothing is allocated in the arena, even if a later
  // lookup expires (deletes) another key.
  let maxLen = 0;
  for (let j = 0; j < numKeys; j++) {
    const e = db.readArg(argv, 3 + j);
    if (e < 0) {
      srcLen[j] = 0;
      continue;
    }
    if (wrongType(c, db, e, OBJ_STRING)) return;
    srcOff[j] = db.valOff(e);
    const n = db.valLen(e);
    srcLen[j] = n;
    if (n > maxLen) maxLen = n;
  }
  if (maxLen === 0) {
    // dbDelete, with no lookup: an expired destination is deleted as "del", not expired first.
    const de = db.peek(argv.buf, argv.off[2], argv.len[2]);
    if (de >= 0) {
      db.delete(de);
      db.changed(argv, 2, NOTIFY_GENERIC, 'del');
      c.srv.dirty++;
    }
    c.w.integer(0);
    return;
  }
  let res = resultScratch;
  if (res.length < maxLen) {
    res = new Uint8Array(maxLen);
    if (maxLen <= KEEP_SCRATCH) resultScratch = res;
  }
  combine(db.arena.u8, res, op, numKeys, maxLen);
  const de = db.writeArg(argv, 2);
  const ne = db.setKeyArg(de, argv, 2, maxLen, OBJ_STRING | (ENC_RAW << 4), false);
  db.arena.u8.set(res.subarray(0, maxLen), db.valOff(ne));
  db.changed(argv, 2, NOTIFY_STRING, 'set');
  c.srv.dirty++;
  c.w.integer(maxLen);
}

/** res[0, maxLen) = op over the sources in srcOff/srcLen (missing bytes read as zero). */
function combine(u8: Uint8Array, res: Uint8Array, op: number, numKeys: number, maxLen: number): void {
  const n0 = srcLen[0];
  if (n0 > 0) res.set(u8.subarray(srcOff[0], srcOff[0] + n0), 0);
  res.fill(0, n0, maxLen);
  if (op === BITOP_NOT) {
    for (let i = 0; i < maxLen; i++) res[i] = ~res[i];
    return;
  }
  for (let j = 1; j < numKeys; j++) {
    const o = srcOff[j];
    const n = srcLen[j];
    if (op === BITOP_AND) {
      for (let i = 0; i < n; i++) res[i] &= u8[o + i];
      res.fill(0, n, maxLen);
    } else if (op === BITOP_OR) {
      for (let i = 0; i < n; i++) res[i] |= u8[o + i];
    } else {
      for (let i = 0; i < n; i++) res[i] ^= u8[o + i];
    }
  }
}

export const bitmapCommands: CommandDef[] = [
  { name: 'setbit', summary: 'Sets or clears the bit at an offset of a string value, creating the key if needed.', handler: setbitCommand },
  { name: 'getbit', summary: 'Returns the bit at an offset of a string value.', handler: getbitCommand },
  { name: 'bitcount', summary: 'Counts the set bits of a string value, optionally in a byte or bit range.', handler: bitcountCommand },
  { name: 'bitpos', summary: 'Finds the first set or clear bit of a string value, optionally in a range.', handler: bitposCommand },
  { name: 'bitop', summary: 'Stores the bitwise AND, OR, XOR or NOT of string values in a key.', handler: bitopCommand },
];

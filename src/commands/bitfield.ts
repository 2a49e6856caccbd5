/*
 * BITFIELD and BITFIELD_RO (bitops.c's bitfieldGeneric): GET / SET / INCRBY of signed (i1..i64)
 * and unsigned (u1..u63) integers at any bit offset of a string, with OVERFLOW WRAP|SAT|FAIL
 * applying to the SET and INCRBY operations that follow it.
 *
 * Two passes over the arguments and no per-command allocation: the first validates every
 * operation (so any error is replied before the key is touched, in Redis's order: subcommand,
 * type, offset, value) and finds the farthest bit written; the second runs them. Only GETs: the
 * key is read (a missing key reads as zeros) and nothing is dirtied or propagated. Any SET or
 * INCRBY: the string is created or zero-padded up to the farthest bit first (even if every write
 * then fails under FAIL), and each write that succeeds counts one dirty when it changed the field
 * or the string was created or grown; "setbit" is published once if any did. Fields up to 32 bits
 * wide are computed on doubles, wider ones on BigInt (src/util/bits.ts).
 */
import type { Argv } from '../protocol/argv.ts';
import { NOT_INTEGER, SYNTAX } from '../protocol/errors.ts';
import { NOTIFY_STRING } from '../store/events.ts';
import { OBJ_STRING } from '../store/keyspace.ts';
import {
  OVERFLOW_FAIL, OVERFLOW_SAT, OVERFLOW_WRAP, fitField, fitFieldBig, getFieldBig, getFieldI32, getFieldU32, setField32, setFieldBig,
} from '../util/bits.ts';
import { parseInt64 } from '../util/numbers.ts';
import { bitOffsetArg, bitTarget, bitWriteTarget } from './bitops.ts';
import type { CommandClient } from './context.ts';
import type { CommandDef } from './registry.ts';
import { argInt64, wrongType } from './util.ts';

const INVALID_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;

/** The field type parsed last: bits (1..64) and signedness. */
const fieldType = { bits: 0, signed: false };

/** Type argument i (getBitfieldTypeFromArgument): false after replying the error. */
function typeArg(c: CommandClient, argv: Argv, i: number): boolean {
  const b = argv.buf;
  const o = argv.off[i];
  const n = argv.len[i];
  const sign = n > 0 ? b[o] : 0;
  const bits = sign === 105 || sign === 117 ? parseInt64(b, o + 1, n - 1) : null; // 'i' / 'u'
  if (bits === null || typeof bits === 'bigint' || bits < 1 || bits > (sign === 105 ? 64 : 63)) {
    c.w.error(INVALID_TYPE);
    return false;
  }
  fieldType.bits = bits;
  fieldType.signed = sign === 105;
  return true;
}

/** The opcode of the subcommand at argv[j] with enough arguments after it, or -1. */
function opcodeAt(argv: Argv, j: number): number {
  const rem = argv.argc - j - 1;
  if (rem >= 2 && argv.is(j, 'get')) return OP_GET;
  if (rem >= 3 && argv.is(j, 'set')) return OP_SET;
  if (rem >= 3 && argv.is(j, 'incrby')) return OP_INCRBY;
  return -1;
}

/** Overflow mode named by argv[i], or -1. */
function overflowAt(argv: Argv, i: number): number {
  if (argv.is(i, 'wrap')) return OVERFLOW_WRAP;
  if (argv.is(i, 'sat')) return OVERFLOW_SAT;
  if (argv.is(i, 'fail')) return OVERFLOW_FAIL;
  return -1;
}

/** What the validating pass found. */
const plan = { ops: 0, readonly: true, highestBit: 0 };

/** First pass: validates every operation; false after replying the first error. */
function validate(c: CommandClient, argv: Argv): boolean {
  plan.ops = 0;
  plan.readonly = true;
  plan.highestBit = 0;
  for (let j = 2; j < argv.argc; ) {
    const op = opcodeAt(argv, j);
    if (op < 0) {
      if (argv.argc - j - 1 >= 1 && argv.is(j, 'overflow')) {
        if (overflowAt(argv, j + 1) < 0) {
          c.w.error('ERR Invalid OVERFLOW type specified');
          return false;
        }
        j += 2;
        continue;
      }
      c.w.error(SYNTAX);
      return false;
    }
    if (!typeArg(c, argv, j + 1)) return false;
    const offset = bitOffsetArg(c, argv, j + 2, fieldType.bits);
    if (offset < 0) return false;
    if (op !== OP_GET) {
      plan.readonly = false;
      const last = offset + fieldType.bits - 1;
      if (last > plan.highestBit) plan.highestBit = last;
      if (parseInt64(argv.buf, argv.off[j + 3], argv.len[j + 3]) === null) {
        c.w.error(NOT_INTEGER);
        return false;
      }
    }
    plan.ops++;
    j += op === OP_GET ? 3 : 4;
  }
  return true;
}

// BITFIELD key [GET encoding offset | [OVERFLOW WRAP | SAT | FAIL] <SET encoding offset value | INCRBY encoding offset increment> ...]
function bitfieldCommand(c: CommandClient, argv: Argv): void {
  bitfieldGeneric(c, argv, false);
}

// BITFIELD_RO key [GET encoding offset ...]
function bitfieldRoCommand(c: CommandClient, argv: Argv): void {
  bitfieldGeneric(c, argv, true);
}

function bitfieldGeneric(c: CommandClient, argv: Argv, roCommand: boolean): void {
  if (!validate(c, argv)) return;
  const db = c.db;
  let e: number;
  let grown = false;
  if (plan.readonly) {
    e = db.readArg(argv, 1);
    if (e >= 0 && wrongType(c, db, e, OBJ_STRING)) return;
  } else {
    if (roCommand) {
      c.w.error('ERR BITFIELD_RO only supports the GET subcommand');
      return;
    }
    e = bitWriteTarget(c, argv, plan.highestBit);
    if (e < 0) return;
    grown = bitTarget.grown;
  }
  const w = c.w;
  w.arrayHeader(plan.ops);
  const u8 = db.arena.u8;
  const off = e >= 0 ? db.valOff(e) : 0;
  const len = e >= 0 ? db.valLen(e) : 0;
  let mode = OVERFLOW_WRAP;
  let changes = 0;
  for (let j = 2; j < argv.argc; ) {
    const op = opcodeAt(argv, j);
    if (op < 0) {
      mode = overflowAt(argv, j + 1);
      j += 2;
      continue;
    }
    // Arguments were validated by the first pass: these parses cannot fail (or reply) here.
    typeArg(c, argv, j + 1);
    const { bits, signed } = fieldType;
    const bitOff = bitOffsetArg(c, argv, j + 2, bits);
    if (op === OP_GET) {
      if (bits <= 32) w.integer(signed ? getFieldI32(u8, off, len, bitOff, bits) : getFieldU32(u8, off, len, bitOff, bits));
      else {
        const u = getFieldBig(u8, off, len, bitOff, bits);
        w.bigInteger(signed ? BigInt.asIntN(bits, u) : u);
      }
      j += 3;
      continue;
    }
    const arg = argInt64(c, argv, j + 3) as number | bigint;
    const isSet = op === OP_SET;
    if (bits <= 32 && typeof arg === 'number' && Math.abs(arg) < 2 ** 52) {
      const old = signed ? getFieldI32(u8, off, len, bitOff, bits) : getFieldU32(u8, off, len, bitOff, bits);
      const nv = fitField(isSet ? arg : old + arg, bits, signed, mode, isSet);
      if (nv === null) w.nullBulk();
      else {
        w.integer(isSet ? old : nv);
        setField32(u8, off, bitOff, bits, nv);
        if (grown || old !== nv) changes++;
      }
    } else {
      const raw = getFieldBig(u8, off, len, bitOff, bits);
      const old = signed ? BigInt.asIntN(bits, raw) : raw;
      const nv = fitFieldBig(isSet ? BigInt(arg) : old + BigInt(arg), bits, signed, mode, isSet);
      if (nv === null) w.nullBulk();
      else {
        w.bigInteger(isSet ? old : nv);
        setFieldBig(u8, off, bitOff, bits, nv);
        if (grown || old !== nv) changes++;
      }
    }
    j += 4;
  }
  if (changes > 0) {
    db.changed(argv, 1, NOTIFY_STRING, 'setbit');
    c.srv.dirty += changes;
  }
}

export const bitfieldCommands: CommandDef[] = [
  { name: 'bitfield', summary: 'Gets, sets or increments integers of any width at any bit offset of a string value.', handler: bitfieldCommand },
  { name: 'bitfield_ro', summary: 'Gets integers of any width at bit offsets of a string value (read-only BITFIELD).', handler: bitfieldRoCommand },
];

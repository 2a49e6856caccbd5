/*
 * Small helpers shared by command handlers: argument parsing that replies Redis's error on
 * failure, and string-value storage with Redis's encoding choice.
 */
import type { Argv } from '../protocol/argv.ts';
import { parseInt64, parseLongLong } from '../util/numbers.ts';
import { NOT_INTEGER, WRONGTYPE } from '../protocol/errors.ts';
import type { Db } from '../store/db.ts';
import { ENC_EMBSTR, ENC_INT, ENC_RAW, OBJ_STRING } from '../store/keyspace.ts';
import type { CommandClient } from './context.ts';
import { copyBytes } from '../util/bytes.ts';

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

/**
 * Argument i as an int64. Returns a number (safe integers) or a bigint (beyond), or null after
 * replying `err`.
 */
export function argInt64(c: CommandClient, argv: Argv, i: number, err = NOT_INTEGER): number | bigint | null {
  const v = parseInt64(argv.buf, argv.off[i], argv.len[i]);
  if (v === null) c.w.error(err);
  return v;
}

/**
 * cur + incr as int64 (INCRBY, HINCRBY): a number when JS-safe, a bigint beyond, null when the sum
 * would overflow int64.
 */
export function addInt64(cur: number | bigint, incr: number | bigint): number | bigint | null {
  if (typeof cur === 'number' && typeof incr === 'number' && Math.abs(cur) < 2 ** 52 && Math.abs(incr) < 2 ** 52) {
    return cur + incr;
  }
  const a = BigInt(cur);
  const b = BigInt(incr);
  if ((b < 0n && a < 0n && b < INT64_MIN - a) || (b > 0n && a > 0n && b > INT64_MAX - a)) return null;
  const r = a + b;
  return r >= BigInt(Number.MIN_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
}

/** Argument i as an integer in [min, max] (JS-safe bounds), or NaN after replying `err`. */
export function argLong(c: CommandClient, argv: Argv, i: number, err = NOT_INTEGER, min = -Infinity, max = Infinity): number {
  const v = parseLongLong(argv.buf, argv.off[i], argv.len[i]);
  if (Number.isNaN(v)) {
    c.w.error(err);
    return NaN;
  }
  if (v < min || v > max) {
    c.w.error(err);
    return NaN;
  }
  return v;
}

/**
 * Argument i as a C int (getIntFromObjectOrReply): NaN after replying NOT_INTEGER, or Redis's
 * range message when it is an integer outside [min, max].
 */
export function argInt(c: CommandClient, argv: Argv, i: number, min = -2147483648, max = 2147483647): number {
  const v = parseLongLong(argv.buf, argv.off[i], argv.len[i]);
  if (Number.isNaN(v)) {
    c.w.error(NOT_INTEGER);
    return NaN;
  }
  if (v < min || v > max) {
    c.w.error(`ERR value is out of range, value must between ${min} and ${max}`);
    return NaN;
  }
  return v;
}

/** Redis's tryObjectEncoding for a string value: int, embstr (<= 44 bytes) or raw. */
export function stringEncoding(b: Uint8Array, o: number, n: number): number {
  if (n <= 20 && parseInt64(b, o, n) !== null) return ENC_INT;
  return n <= 44 ? ENC_EMBSTR : ENC_RAW;
}

/** Replies WRONGTYPE and returns true when entry e is not of `type`. */
export function wrongType(c: CommandClient, db: Db, e: number, type: number): boolean {
  if (db.type(e) === type) return false;
  c.w.error(WRONGTYPE);
  return true;
}

/**
 * Stores bytes b[o, o+n) as the string value of key argv[k] (Redis's setKey with a string).
 * `e` is the key's entry (or -1) from a lookup just made. Overwrites a value of any type; drops
 * the TTL unless keepTtl. Returns the entry id.
 *
 * Only a key that did not exist is announced as "new": replacing a value of another type is an
 * overwrite (dbOverwrite). The caller reports the command's own event (WATCH touch, "set" ...).
 */
export function storeString(
  c: CommandClient, argv: Argv, k: number, e: number, b: Uint8Array, o: number, n: number, enc: number, keepTtl: boolean,
): number {
  const db = c.db;
  let v: number;
  if (e >= 0 && db.type(e) === OBJ_STRING) {
    // Same type: the value is rewritten in place in its record (no new entry).
    v = db.resizeValue(e, n, 0);
    db.setEncoding(e, enc);
    if (!keepTtl) db.persist(e);
  } else {
    e = db.setKeyArg(e, argv, k, n, OBJ_STRING | (enc << 4), keepTtl);
    v = db.valOff(e);
  }
  const u8 = db.arena.u8;
  copyBytes(u8, v, b, o, n);
  return e;
}

/** Replies the string value of entry e as a bulk string. */
export function replyValue(c: CommandClient, db: Db, e: number): void {
  c.w.bulk(db.arena.u8, db.valOff(e), db.valLen(e));
}

/** Bytes of a latin1 JS string. */
export function latin1(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** The indexes clampRank settled on (one shared object: no allocation per command). */
export const rankRange = { start: 0, end: 0 };

/**
 * Redis's rank-range rule (LRANGE, LTRIM, ZRANGE, ZREMRANGEBYRANK): negative indexes count from
 * the tail, start clamps to 0 and end to len - 1. False when the range is empty; otherwise the
 * clamped indexes are in rankRange.
 */
export function clampRank(start: number, end: number, len: number): boolean {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return false;
  rankRange.start = start;
  rankRange.end = end >= len ? len - 1 : end;
  return true;
}

/** addReplyHelp: "<NAME> <subcommand> ... Subcommands are:", the lines, then HELP. */
export function replyHelp(c: CommandClient, name: string, lines: string[]): void {
  const w = c.w;
  w.arrayHeader(lines.length + 3);
  w.simple(`${name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) w.simple(l);
  w.simple('HELP');
  w.simple('    Prints this help.');
}

/** addReplySubcommandSyntaxError. */
export function subcommandSyntaxError(c: CommandClient, argv: Argv): void {
  c.w.error(
    `ERR unknown subcommand or wrong number of arguments for '${argv.str(1).slice(0, 128)}'. Try ${argv.str(0).toUpperCase()} HELP.`,
  );
}

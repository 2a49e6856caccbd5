/*
 * What the geo commands share (geo.c's helpers): the number formats of their replies and the
 * parsing of coordinates and units, with Redis 7.0.15's error texts.
 */
import type { Argv } from '../protocol/argv.ts';
import { GEO_LAT_MAX, GEO_LAT_MIN, GEO_LONG_MAX, GEO_LONG_MIN } from '../store/geohash.ts';
import { formatIncrByFloat, parseDouble } from '../util/numbers.ts';
import type { CommandClient } from './context.ts';

export const NOT_FLOAT = 'ERR value is not a valid float';
const BAD_UNIT = 'ERR unsupported unit provided. please use M, KM, FT, MI';

/**
 * printf("%.<digits>f", x) as glibc prints it: the exact value rounded half to even. toFixed
 * rounds the exact value too but breaks ties away from zero; a tie is an x that is an odd
 * multiple of 2^-(digits+1).
 */
export function formatFixed(x: number, digits: number): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s: string;
  if (a >= 1e21) {
    s = BigInt(a).toString();
    if (digits > 0) s += '.' + '0'.repeat(digits);
  } else {
    s = a.toFixed(digits);
    const t = a * 2 ** (digits + 1);
    if (Number.isInteger(t) && t % 2 === 1) {
      // A tie: toFixed rounded up; keep that only when the result's last digit is even.
      const last = s.charCodeAt(s.length - 1) - 48;
      if (last % 2 === 1) s = s.slice(0, -1) + String(last - 1);
    }
  }
  return neg ? '-' + s : s;
}

/** A coordinate as addReplyHumanLongDouble sends it. */
export function replyCoord(c: CommandClient, v: number): void {
  c.w.double(formatIncrByFloat(v));
}

/** A distance as addReplyDoubleDistance sends it ("%.4f" bulk string). */
export function replyDistance(c: CommandClient, d: number): void {
  c.w.bulkString(formatFixed(d, 4));
}

// ---- argument parsing shared with the searches ----------------------------------------------------

/** The (lon, lat) parsed by extractLonLat. */
export let argLon = 0;
export let argLat = 0;

/**
 * extractLongLatOrReply: longitude argv[i], latitude argv[i+1], each a valid float, within the
 * limits; false after replying.
 */
export function extractLonLat(c: CommandClient, argv: Argv, i: number): boolean {
  const lon = parseDouble(argv.buf, argv.off[i], argv.len[i]);
  if (lon !== lon) {
    c.w.error(NOT_FLOAT);
    return false;
  }
  const lat = parseDouble(argv.buf, argv.off[i + 1], argv.len[i + 1]);
  if (lat !== lat) {
    c.w.error(NOT_FLOAT);
    return false;
  }
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    c.w.error(`ERR invalid longitude,latitude pair ${formatFixed(lon, 6)},${formatFixed(lat, 6)}`);
    return false;
  }
  argLon = lon;
  argLat = lat;
  return true;
}

/** extractUnitOrReply: meters per unit of argv[i], or -1 after replying. */
export function extractUnit(c: CommandClient, argv: Argv, i: number): number {
  if (argv.is(i, 'm')) return 1;
  if (argv.is(i, 'km')) return 1000;
  if (argv.is(i, 'ft')) return 0.3048;
  if (argv.is(i, 'mi')) return 1609.34;
  c.w.error(BAD_UNIT);
  return -1;
}


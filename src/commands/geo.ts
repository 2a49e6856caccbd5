/*
 * Geo commands (geo.c): GEOADD GEOPOS GEODIST GEOHASH here, the searches (GEOSEARCH
 * GEOSEARCHSTORE GEORADIUS[BYMEMBER][_RO]) in geo-search.ts; the geohash arithmetic in
 * src/store/geohash.ts. A geo set is a sorted set whose scores are 52-bit geohashes.
 *
 * GEOADD is ZADD, as in Redis: it validates every pair, then runs ZADD with the scores (their
 * exact integer text), so its replies, errors after the pairs, "zadd" event, dirty count and
 * propagation (as that ZADD) are ZADD's.
 *
 * Number formats (7.0.15): coordinates as "%.17Lf" with the trailing zeros stripped (a bulk
 * string in RESP2, a double in RESP3); distances as "%.4f" in a bulk string in both protocols; the
 * invalid-pair error with "%f".
 */
import { Argv } from '../protocol/argv.ts';
import { SYNTAX } from '../protocol/errors.ts';
import {
  decLat, decLon, decodeScore, encodeScore, geoDistance, geohashString, hashHi, hashLo, halvesToString,
} from '../store/geohash.ts';
import { OBJ_ZSET } from '../store/keyspace.ts';
import { zsetScore } from '../store/zset-type.ts';
import type { CommandClient } from './context.ts';
import { argLat, argLon, extractLonLat, extractUnit, replyCoord, replyDistance } from './geo-args.ts';
import { geoSearchCommands } from './geo-search.ts';
import type { CommandDef } from './registry.ts';
import { wrongType } from './util.ts';
import { zaddCommand } from './zsets.ts';

// ---- GEOADD ------------------------------------------------------------------------------------

const zaddArgv = new Argv();

// GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]
function geoaddCommand(c: CommandClient, argv: Argv): void {
  let xx = false;
  let nx = false;
  let longIdx = 2;
  for (; longIdx < argv.argc; longIdx++) {
    if (argv.is(longIdx, 'nx')) nx = true;
    else if (argv.is(longIdx, 'xx')) xx = true;
    else if (!argv.is(longIdx, 'ch')) break;
  }
  if ((argv.argc - longIdx) % 3 !== 0 || (xx && nx)) {
    c.w.error(SYNTAX);
    return;
  }
  const elements = (argv.argc - longIdx) / 3;
  const args: Array<string | Uint8Array> = ['zadd'];
  for (let i = 1; i < longIdx; i++) args.push(argv.view(i));
  for (let j = 0; j < elements; j++) {
    const i = longIdx + j * 3;
    if (!extractLonLat(c, argv, i)) return;
    encodeScore(argLon, argLat);
    args.push(halvesToString(hashHi, hashLo), argv.view(i + 2));
  }
  zaddArgv.setFrom(args);
  if (c.srv.propagating) c.srv.rewriteCommand(args);
  zaddCommand(c, zaddArgv);
}

// ---- GEOPOS GEODIST GEOHASH --------------------------------------------------------------------

// GEOPOS key [member [member ...]]
function geoposCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e >= 0 && wrongType(c, db, e, OBJ_ZSET)) return;
  c.w.arrayHeader(argv.argc - 2);
  for (let j = 2; j < argv.argc; j++) {
    const s = e < 0 ? NaN : zsetScore(db, e, argv.buf, argv.off[j], argv.len[j]);
    if (s !== s) {
      c.w.nullArray();
      continue;
    }
    decodeScore(s);
    const lon = decLon;
    const lat = decLat;
    c.w.arrayHeader(2);
    replyCoord(c, lon);
    replyCoord(c, lat);
  }
}

// GEODIST key member1 member2 [M | KM | FT | MI]
function geodistCommand(c: CommandClient, argv: Argv): void {
  let toMeter = 1;
  if (argv.argc === 5) {
    toMeter = extractUnit(c, argv, 4);
    if (toMeter < 0) return;
  } else if (argv.argc > 5) {
    c.w.error(SYNTAX);
    return;
  }
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  if (wrongType(c, db, e, OBJ_ZSET)) return;
  const s1 = zsetScore(db, e, argv.buf, argv.off[2], argv.len[2]);
  const s2 = s1 !== s1 ? NaN : zsetScore(db, e, argv.buf, argv.off[3], argv.len[3]);
  if (s2 !== s2) {
    c.w.nullBulk();
    return;
  }
  decodeScore(s1);
  const lon1 = decLon;
  const lat1 = decLat;
  decodeScore(s2);
  replyDistance(c, geoDistance(lon1, lat1, decLon, decLat) / toMeter);
}

// GEOHASH key [member [member ...]]
function geohashCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e >= 0 && wrongType(c, db, e, OBJ_ZSET)) return;
  c.w.arrayHeader(argv.argc - 2);
  for (let j = 2; j < argv.argc; j++) {
    const s = e < 0 ? NaN : zsetScore(db, e, argv.buf, argv.off[j], argv.len[j]);
    if (s !== s) c.w.nullBulk();
    else c.w.bulkString(geohashString(s));
  }
}

export const geoCommands: CommandDef[] = [
  { name: 'geoadd', summary: 'Adds members with their longitude and latitude to a geo set.', handler: geoaddCommand },
  { name: 'geopos', summary: 'Returns the longitude and latitude of members of a geo set.', handler: geoposCommand },
  { name: 'geodist', summary: 'Returns the distance between two members of a geo set.', handler: geodistCommand },
  { name: 'geohash', summary: 'Returns the standard geohash strings of members of a geo set.', handler: geohashCommand },
  ...geoSearchCommands,
];

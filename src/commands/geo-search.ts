/*
 * The geo searches (georadiusGeneric in geo.c): GEOSEARCH, GEOSEARCHSTORE and the deprecated
 * GEORADIUS, GEORADIUSBYMEMBER and their _RO forms.
 *
 * Order of work, which is observable through the errors (7.0.15): the source key is looked up
 * (WRONGTYPE first); GEORADIUS parses its centre and radius, GEORADIUSBYMEMBER its member (only
 * when the key exists: on a missing key the member and radius are not even parsed) and radius;
 * then the options in order, each parsed as it is met; then the STORE/WITH* clash, the missing
 * FROM.../BY... and ANY-without-COUNT errors; then a missing source replies empty (a STORE deletes its
 * destination).
 *
 * The search visits the boxes of store/geohash.ts searchBoxes in order, each a score range walked
 * ascending, keeping the members inside the shape, and stops early once ANY's COUNT is reached.
 * Without ASC/DESC the reply is in that visiting order; COUNT without ANY sorts ascending. A full
 * sort is stable (glibc's qsort is a merge sort): members at the same distance keep their visiting
 * order; with COUNT below the number of matches Redis sorts partially with its own quicksort,
 * reproduced here (partialSort) so that equal distances come out in the same order.
 *
 * A STORE stores the members with their geohash scores (STOREDIST: their distance, in the
 * unit), choosing the encoding from the result's size, fires "georadiusstore" /
 * "geosearchstore" and adds the number of members stored to dirty; an empty result deletes the
 * destination. Everything is propagated as received.
 */
import type { Argv } from '../protocol/argv.ts';
import { SYNTAX } from '../protocol/errors.ts';
import {
  type GeoShape, SHAPE_BOX, SHAPE_RADIUS, boxCount, boxMax, boxMin, decLat, decLon, decodeScore, searchBoxes, shapeContains,
  shapeDistance,
} from '../store/geohash.ts';
import { OBJ_ZSET } from '../store/keyspace.ts';
import { Skiplist, type ScoreRange } from '../store/skiplist.ts';
import { type ElemVisit, zsetFromResult, zsetRangeByScore, zsetScore } from '../store/zset-type.ts';
import { parseDouble } from '../util/numbers.ts';
import type { CommandClient } from './context.ts';
import { argLat, argLon, extractLonLat, extractUnit, replyCoord, replyDistance } from './geo-args.ts';
import type { CommandDef } from './registry.ts';
import { argLong, wrongType } from './util.ts';
import { storeEmpty, storeZset, zsetLimitsOf } from './zset-setops.ts';

const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

const SORT_NONE = 0;
const SORT_ASC = 1;
const SORT_DESC = 2;

const BAD_MEMBER = 'ERR could not decode requested zset member';

// ---- the matches -------------------------------------------------------------------------------

/** The members found, in visiting order: bytes in one buffer, numbers in typed arrays. */
class GeoResults {
  bytes = new Uint8Array(1024);
  used = 0;
  offs = new Int32Array(64);
  lens = new Int32Array(64);
  lon = new Float64Array(64);
  lat = new Float64Array(64);
  dist = new Float64Array(64);
  score = new Float64Array(64);
  count = 0;

  reset(): void {
    this.used = 0;
    this.count = 0;
    if (this.bytes.length > 1 << 20) this.bytes = new Uint8Array(1024);
    if (this.offs.length > 1 << 16) this.grow(64, true);
  }

  private grow(cap: number, fresh: boolean): void {
    const f = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const n = new Float64Array(cap);
      if (!fresh) n.set(a);
      return n;
    };
    const g = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const n = new Int32Array(cap);
      if (!fresh) n.set(a);
      return n;
    };
    this.offs = g(this.offs);
    this.lens = g(this.lens);
    this.lon = f(this.lon);
    this.lat = f(this.lat);
    this.dist = f(this.dist);
    this.score = f(this.score);
  }

  push(b: Uint8Array, o: number, n: number, lon: number, lat: number, dist: number, score: number): void {
    if (this.used + n > this.bytes.length) {
      let cap = this.bytes.length * 2;
      while (cap < this.used + n) cap *= 2;
      const nb = new Uint8Array(cap);
      nb.set(this.bytes.subarray(0, this.used));
      this.bytes = nb;
    }
    const i = this.count;
    if (i === this.offs.length) this.grow(i * 2, false);
    this.bytes.set(b.subarray(o, o + n), this.used);
    this.offs[i] = this.used;
    this.lens[i] = n;
    this.lon[i] = lon;
    this.lat[i] = lat;
    this.dist[i] = dist;
    this.score[i] = score;
    this.used += n;
    this.count = i + 1;
  }
}

const results = new GeoResults();
const shape: GeoShape = { type: SHAPE_RADIUS, lon: 0, lat: 0, radius: 0, width: 0, height: 0, conversion: 0 };
const boxRange: ScoreRange = { min: 0, max: 0, minex: false, maxex: true };
let visitLimit = 0;
let limitReached = false;

const collect: ElemVisit = (b, o, n, score) => {
  if (limitReached) return;
  decodeScore(score);
  const lon = decLon;
  const lat = decLat;
  if (!shapeContains(shape, lon, lat)) return;
  results.push(b, o, n, lon, lat, shapeDistance, score);
  if (visitLimit > 0 && results.count >= visitLimit) limitReached = true;
};

// ---- argument parsing --------------------------------------------------------------------------

/** extractDistanceOrReply: radius argv[i] and unit argv[i+1] into the shape; false after replying. */
function extractDistance(c: CommandClient, argv: Argv, i: number): boolean {
  const d = parseDouble(argv.buf, argv.off[i], argv.len[i]);
  if (d !== d) {
    c.w.error('ERR need numeric radius');
    return false;
  }
  if (d < 0) {
    c.w.error('ERR radius cannot be negative');
    return false;
  }
  shape.radius = d;
  const toMeters = extractUnit(c, argv, i + 1);
  if (toMeters < 0) return false;
  shape.conversion = toMeters;
  return true;
}

/** extractBoxOrReply: width argv[i], height argv[i+1], unit argv[i+2]; false after replying. */
function extractBox(c: CommandClient, argv: Argv, i: number): boolean {
  const w = parseDouble(argv.buf, argv.off[i], argv.len[i]);
  if (w !== w) {
    c.w.error('ERR need numeric width');
    return false;
  }
  const h = parseDouble(argv.buf, argv.off[i + 1], argv.len[i + 1]);
  if (h !== h) {
    c.w.error('ERR need numeric height');
    return false;
  }
  if (h < 0 || w < 0) {
    c.w.error('ERR height or width cannot be negative');
    return false;
  }
  shape.width = w;
  shape.height = h;
  const toMeters = extractUnit(c, argv, i + 2);
  if (toMeters < 0) return false;
  shape.conversion = toMeters;
  return true;
}

/** The centre from member argv[i] of entry e; false after replying when it is not in the set. */
function centreFromMember(c: CommandClient, argv: Argv, e: number, i: number): boolean {
  const s = zsetScore(c.db, e, argv.buf, argv.off[i], argv.len[i]);
  if (s !== s) {
    c.w.error(BAD_MEMBER);
    return false;
  }
  decodeScore(s);
  shape.lon = decLon;
  shape.lat = decLat;
  return true;
}

// ---- the search --------------------------------------------------------------------------------

let order = new Int32Array(64);

/** georadiusGeneric: `srcIdx` is the source key's argument. */
function georadiusGeneric(c: CommandClient, argv: Argv, srcIdx: number, flags: number): void {
  const db = c.db;
  const e = db.readArg(argv, srcIdx);
  if (e >= 0 && wrongType(c, db, e, OBJ_ZSET)) return;
  let storeIdx = -1;
  let storedist = false;
  let baseArgs: number;
  shape.type = SHAPE_RADIUS;
  shape.lon = shape.lat = shape.radius = shape.width = shape.height = shape.conversion = 0;
  if ((flags & RADIUS_COORDS) !== 0) {
    baseArgs = 6;
    if (!extractLonLat(c, argv, 2)) return;
    shape.lon = argLon;
    shape.lat = argLat;
    if (!extractDistance(c, argv, 4)) return;
  } else if ((flags & RADIUS_MEMBER) !== 0) {
    baseArgs = 5;
    if (e >= 0) {
      if (!centreFromMember(c, argv, e, 2)) return;
      if (!extractDistance(c, argv, 3)) return;
    }
  } else {
    baseArgs = 2;
    if ((flags & GEOSEARCHSTORE) !== 0) {
      baseArgs = 3;
      storeIdx = 1;
    }
  }
  const search = (flags & GEOSEARCH) !== 0;
  const storeAllowed = (flags & RADIUS_NOSTORE) === 0 && !search;
  let withdist = false;
  let withhash = false;
  let withcoords = false;
  let frommember = false;
  let fromloc = false;
  let byradius = false;
  let bybox = false;
  let sort = SORT_NONE;
  let any = false;
  let count = 0;
  const remaining = argv.argc - baseArgs;
  for (let i = 0; i < remaining; i++) {
    const j = baseArgs + i;
    if (argv.is(j, 'withdist')) withdist = true;
    else if (argv.is(j, 'withhash')) withhash = true;
    else if (argv.is(j, 'withcoord')) withcoords = true;
    else if (argv.is(j, 'any')) any = true;
    else if (argv.is(j, 'asc')) sort = SORT_ASC;
    else if (argv.is(j, 'desc')) sort = SORT_DESC;
    else if (argv.is(j, 'count') && i + 1 < remaining) {
      count = argLong(c, argv, j + 1);
      if (count !== count) return;
      if (count <= 0) {
        c.w.error('ERR COUNT must be > 0');
        return;
      }
      i++;
    } else if (argv.is(j, 'store') && i + 1 < remaining && storeAllowed) {
      storeIdx = j + 1;
      storedist = false;
      i++;
    } else if (argv.is(j, 'storedist') && i + 1 < remaining && storeAllowed) {
      storeIdx = j + 1;
      storedist = true;
      i++;
    } else if (argv.is(j, 'storedist') && search && (flags & GEOSEARCHSTORE) !== 0) {
      storedist = true;
    } else if (argv.is(j, 'frommember') && i + 1 < remaining && search && !fromloc) {
      if (e >= 0 && !centreFromMember(c, argv, e, j + 1)) return;
      frommember = true;
      i++;
    } else if (argv.is(j, 'fromlonlat') && i + 2 < remaining && search && !frommember) {
      if (!extractLonLat(c, argv, j + 1)) return;
      shape.lon = argLon;
      shape.lat = argLat;
      fromloc = true;
      i += 2;
    } else if (argv.is(j, 'byradius') && i + 2 < remaining && search && !bybox) {
      if (!extractDistance(c, argv, j + 1)) return;
      shape.type = SHAPE_RADIUS;
      byradius = true;
      i += 2;
    } else if (argv.is(j, 'bybox') && i + 3 < remaining && search && !byradius) {
      if (!extractBox(c, argv, j + 1)) return;
      shape.type = SHAPE_BOX;
      bybox = true;
      i += 3;
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }
  if (storeIdx >= 0 && (withdist || withhash || withcoords)) {
    const what = (flags & GEOSEARCHSTORE) !== 0 ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
    c.w.error(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
    return;
  }
  if (search && !(frommember || fromloc)) {
    c.w.error(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv.str(0)}`);
    return;
  }
  if (search && !(byradius || bybox)) {
    c.w.error(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv.str(0)}`);
    return;
  }
  if (any && count === 0) {
    c.w.error('ERR the ANY argument requires COUNT argument');
    return;
  }
  if (e < 0) {
    if (storeIdx >= 0) storeEmpty(c, argv, storeIdx);
    else c.w.arrayHeader(0);
    return;
  }
  if (count !== 0 && sort === SORT_NONE && !any) sort = SORT_ASC;

  searchBoxes(shape);
  results.reset();
  visitLimit = any ? count : 0;
  limitReached = false;
  for (let b = 0; b < boxCount; b++) {
    if (visitLimit > 0 && results.count >= visitLimit) break;
    boxRange.min = boxMin[b];
    boxRange.max = boxMax[b];
    zsetRangeByScore(db, e, boxRange, false, 0, -1, collect);
    limitReached = false;
  }
  const n = results.count;
  if (n === 0 && storeIdx < 0) {
    c.w.arrayHeader(0);
    return;
  }
  const returned = count === 0 || n < count ? n : count;
  if (order.length < n) order = new Int32Array(Math.max(n, order.length * 2));
  for (let i = 0; i < n; i++) order[i] = i;
  if (sort !== SORT_NONE) {
    sortDesc = sort === SORT_DESC;
    if (returned === n) sortByDistance(n, sortDesc);
    else partialSort(0, n, 0, returned - 1);
  }
  const r = results;
  const conversion = shape.conversion;
  if (storeIdx < 0) {
    let options = 0;
    if (withdist) options++;
    if (withcoords) options++;
    if (withhash) options++;
    c.w.arrayHeader(returned);
    for (let k = 0; k < returned; k++) {
      const i = order[k];
      if (options > 0) c.w.arrayHeader(options + 1);
      c.w.bulk(r.bytes, r.offs[i], r.lens[i]);
      if (withdist) replyDistance(c, r.dist[i] / conversion);
      if (withhash) replyHash(c, r.score[i]);
      if (withcoords) {
        c.w.arrayHeader(2);
        replyCoord(c, r.lon[i]);
        replyCoord(c, r.lat[i]);
      }
    }
    return;
  }
  if (returned === 0) {
    storeEmpty(c, argv, storeIdx);
    return;
  }
  const sl = new Skiplist(db.arena, returned);
  let maxLen = 0;
  for (let k = 0; k < returned; k++) {
    const i = order[k];
    const len = r.lens[i];
    // The same member twice (huge radii can visit a cell twice) would abort Redis; keep one.
    if (sl.find(r.bytes, r.offs[i], len) !== 0) continue;
    sl.insert(r.bytes, r.offs[i], len, storedist ? r.dist[i] / conversion : r.score[i]);
    if (len > maxLen) maxLen = len;
  }
  const event = search ? 'geosearchstore' : 'georadiusstore';
  storeZset(c, argv, storeIdx, zsetFromResult(sl, maxLen, zsetLimitsOf(c)), returned, event);
  // storeZset counts one change; Redis counts every member stored.
  c.srv.dirty += returned - 1;
}

/** Orders order[0, n) by distance (stable), ascending or descending. */
function sortByDistance(n: number, desc: boolean): void {
  const d = results.dist;
  const view = order.subarray(0, n);
  const idx = Array.from(view);
  idx.sort(desc ? (a, b) => (d[a] < d[b] ? 1 : d[a] === d[b] ? 0 : -1) : (a, b) => (d[a] > d[b] ? 1 : d[a] === d[b] ? 0 : -1));
  for (let i = 0; i < n; i++) order[i] = idx[i];
}

// ---- partial sort (COUNT below the matches) -------------------------------------------------------

/*
 * Redis sorts only the first COUNT positions with its pqsort: the Bentley-McIlroy quicksort (median
 * of three, or a ninther above 40 elements; three-way partition; insertion sort below 7 elements
 * or when a pass moved nothing) that skips the partitions holding none of the wanted positions.
 * It is not stable, so members at equal distances come out in its order; written here after the
 * algorithm, on positions of `order`, so that those ties come out the same.
 */
let sortDesc = false;

function cmpAt(x: number, y: number): number {
  const d = results.dist;
  const a = d[order[x]];
  const b = d[order[y]];
  const r = a > b ? 1 : a === b ? 0 : -1;
  return sortDesc ? -r : r;
}

function swapAt(x: number, y: number): void {
  const t = order[x];
  order[x] = order[y];
  order[y] = t;
}

function vecswap(x: number, y: number, n: number): void {
  for (let k = 0; k < n; k++) swapAt(x + k, y + k);
}

function med3(x: number, y: number, z: number): number {
  return cmpAt(x, y) < 0 ? (cmpAt(y, z) < 0 ? y : cmpAt(x, z) < 0 ? z : x) : cmpAt(y, z) > 0 ? y : cmpAt(x, z) < 0 ? x : z;
}

function insertionSort(a: number, n: number): void {
  for (let pm = a + 1; pm < a + n; pm++) for (let pl = pm; pl > a && cmpAt(pl - 1, pl) > 0; pl--) swapAt(pl, pl - 1);
}

/** Sorts order[a, a+n) enough that positions lrange..rrange hold what a full sort would put there. */
function partialSort(a: number, n: number, lrange: number, rrange: number): void {
  for (;;) {
    if (n < 7) {
      insertionSort(a, n);
      return;
    }
    let pm = a + (n >>> 1);
    if (n > 7) {
      let pl = a;
      let pn = a + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        pl = med3(pl, pl + d, pl + 2 * d);
        pm = med3(pm - d, pm, pm + d);
        pn = med3(pn - 2 * d, pn - d, pn);
      }
      pm = med3(pl, pm, pn);
    }
    swapAt(a, pm);
    let pa = a + 1;
    let pb = pa;
    let pc = a + n - 1;
    let pd = pc;
    let swapped = false;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = cmpAt(pb, a)) <= 0) {
        if (r === 0) {
          swapped = true;
          swapAt(pa, pb);
          pa++;
        }
        pb++;
      }
      while (pb <= pc && (r = cmpAt(pc, a)) >= 0) {
        if (r === 0) {
          swapped = true;
          swapAt(pc, pd);
          pd--;
        }
        pc--;
      }
      if (pb > pc) break;
      swapAt(pb, pc);
      swapped = true;
      pb++;
      pc--;
    }
    if (!swapped) {
      insertionSort(a, n);
      return;
    }
    const pn = a + n;
    let r = Math.min(pa - a, pb - pa);
    vecswap(a, pb - r, r);
    r = Math.min(pd - pc, pn - pd - 1);
    vecswap(pb, pn - r, r);
    r = pb - pa;
    if (r > 1) {
      const l = a;
      const rr = a + r - 1;
      if (!((lrange < l && rrange < l) || (lrange > rr && rrange > rr))) partialSort(a, r, lrange, rrange);
    }
    r = pd - pc;
    if (r <= 1) return;
    a = pn - r;
    n = r;
    const l = a;
    const rr = a + r - 1;
    if ((lrange < l && rrange < l) || (lrange > rr && rrange > rr)) return;
  }
}

/** WITHHASH: the score as a long long. */
function replyHash(c: CommandClient, score: number): void {
  const v = Math.trunc(score);
  if (Number.isSafeInteger(v)) c.w.integer(v);
  else c.w.bigInteger(BigInt(v));
}

// GEORADIUS key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH]
//   [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]
function georadiusCommand(c: CommandClient, argv: Argv): void {
  georadiusGeneric(c, argv, 1, RADIUS_COORDS);
}

// GEORADIUS_RO key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH]
//   [COUNT count [ANY]] [ASC | DESC]
function georadiusRoCommand(c: CommandClient, argv: Argv): void {
  georadiusGeneric(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE);
}

// GEORADIUSBYMEMBER key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH]
//   [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]
function georadiusbymemberCommand(c: CommandClient, argv: Argv): void {
  georadiusGeneric(c, argv, 1, RADIUS_MEMBER);
}

// GEORADIUSBYMEMBER_RO key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH]
//   [COUNT count [ANY]] [ASC | DESC]
function georadiusbymemberRoCommand(c: CommandClient, argv: Argv): void {
  georadiusGeneric(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE);
}

// GEOSEARCH key <FROMMEMBER member | FROMLONLAT longitude latitude>
//   <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC]
//   [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
function geosearchCommand(c: CommandClient, argv: Argv): void {
  georadiusGeneric(c, argv, 1, GEOSEARCH);
}

// GEOSEARCHSTORE destination source <FROMMEMBER member | FROMLONLAT longitude latitude>
//   <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC]
//   [COUNT count [ANY]] [STOREDIST]
function geosearchstoreCommand(c: CommandClient, argv: Argv): void {
  georadiusGeneric(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE);
}

export const geoSearchCommands: CommandDef[] = [
  { name: 'georadius', summary: 'Queries a geo set for members within a radius of a point.', handler: georadiusCommand },
  { name: 'georadius_ro', summary: 'Read-only GEORADIUS.', handler: georadiusRoCommand },
  { name: 'georadiusbymember', summary: 'Queries a geo set for members within a radius of a member.', handler: georadiusbymemberCommand },
  { name: 'georadiusbymember_ro', summary: 'Read-only GEORADIUSBYMEMBER.', handler: georadiusbymemberRoCommand },
  { name: 'geosearch', summary: 'Queries a geo set for members inside a circle or a box.', handler: geosearchCommand },
  { name: 'geosearchstore', summary: 'Stores the members of a geo set inside a circle or a box.', handler: geosearchstoreCommand },
];

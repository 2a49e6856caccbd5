/*
 * Geohash arithmetic behind the GEO commands (Redis's geohash.c / geohash_helper.c behaviour,
 * written from its documented format): a point is a 52-bit integer made of 26 latitude bits and
 * 26 longitude bits interleaved (latitude in the even bit positions, longitude in the odd ones),
 * over latitude -85.05112878..85.05112878 and longitude -180..180. That integer, as a double, is
 * the member's score in the sorted set.
 *
 * Everything is computed in float64 in the order Redis computes it, so that decoded coordinates,
 * distances and the cells a search visits are the same bits as 7.0.15's:
 *   encode   offset = (v - min) / (max - min) * 2^step, truncated to an unsigned 32-bit index
 *            (v = max gives index 2^step, one past the grid, exactly as Redis does);
 *   decode   cell min = min + (i / 2^step) * scale, max = min + ((i + 1) / 2^step) * scale, the
 *            point is the cell centre (min + max) / 2 clamped to the limits;
 *   distance haversine on a sphere of radius 6372797.560856 m.
 * 64-bit hashes are handled as two 32-bit halves (hi, lo); the score is hi * 2^32 + lo rounded
 * once to a double, as C's uint64 -> double conversion does.
 *
 * A search (radius or box) covers the centre's cell at a step estimated from the radius plus its
 * eight neighbours (searchBoxes), dropping the neighbours that cannot hold a match; each box is a
 * score range [min, max) of the sorted set.
 */

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;
const TWO32 = 4294967296;

// ---- bit interleaving --------------------------------------------------------------------------

/** The low 16 bits of v spread to the even bit positions of a 32-bit word. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v >>> 0;
}

/** The even bits of a 32-bit word gathered into 16 bits (spread16's inverse). */
function squash16(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v;
}

/** interleave64(lat, lon) as two halves, left in hashHi / hashLo. */
export let hashHi = 0;
export let hashLo = 0;

export function interleave(latIdx: number, lonIdx: number): void {
  hashLo = (spread16(latIdx) | (spread16(lonIdx) << 1)) >>> 0;
  hashHi = (spread16(latIdx >>> 16) | (spread16(lonIdx >>> 16) << 1)) >>> 0;
}

/** The latitude / longitude indexes of a 64-bit hash (hi, lo), left in idxLat / idxLon. */
export let idxLat = 0;
export let idxLon = 0;

export function deinterleave(hi: number, lo: number): void {
  idxLat = (squash16(lo) | (squash16(hi) << 16)) >>> 0;
  idxLon = (squash16(lo >>> 1) | (squash16(hi >>> 1) << 16)) >>> 0;
}

/** The 64-bit value (hi, lo) rounded to a double. */
export function halvesToDouble(hi: number, lo: number): number {
  return hi * TWO32 + lo;
}

/** The exact decimal text of the 64-bit value (hi, lo) (what Redis writes as GEOADD's ZADD score). */
export function halvesToString(hi: number, lo: number): string {
  const v = hi * TWO32 + lo;
  if (v <= Number.MAX_SAFE_INTEGER) return String(v);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** C's (uint64_t) conversion of a score (x86-64 code gcc emits), left in hashHi / hashLo. */
export function scoreToHalves(score: number): void {
  if (score >= 0 && score < 18446744073709551616) {
    const u = Math.trunc(score);
    const hi = Math.floor(u / TWO32);
    hashHi = hi >>> 0;
    hashLo = (u - hi * TWO32) >>> 0;
    return;
  }
  let v: bigint;
  if (score < 0 && score > -9223372036854775808) v = BigInt.asUintN(64, BigInt(Math.trunc(score)));
  else if (score < 0) v = 1n << 63n;
  else v = 0n; // 2^64 and above (and +inf): cvttsd2si's 2^63, flipped back to 0
  hashHi = Number(v >> 32n);
  hashLo = Number(v & 0xffffffffn);
}

// ---- encode / decode ---------------------------------------------------------------------------

export interface CoordRange {
  lonMin: number;
  lonMax: number;
  latMin: number;
  latMax: number;
}

/** The range the stored hashes use. */
export const WGS84_RANGE: CoordRange = { lonMin: GEO_LONG_MIN, lonMax: GEO_LONG_MAX, latMin: GEO_LAT_MIN, latMax: GEO_LAT_MAX };
/** The standard geohash range (GEOHASH's strings). */
export const STANDARD_RANGE: CoordRange = { lonMin: -180, lonMax: 180, latMin: -90, latMax: 90 };

/**
 * geohashEncode: the cell indexes of (lon, lat) at `step` bits per coordinate, left in idxLat /
 * idxLon. False (indexes 0) for a point outside the GEO limits or the range.
 */
export function encodeIndexes(r: CoordRange, lon: number, lat: number, step: number): boolean {
  idxLat = 0;
  idxLon = 0;
  if (lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN) return false;
  if (lat < r.latMin || lat > r.latMax || lon < r.lonMin || lon > r.lonMax) return false;
  const scale = 2 ** step;
  const latOffset = ((lat - r.latMin) / (r.latMax - r.latMin)) * scale;
  const lonOffset = ((lon - r.lonMin) / (r.lonMax - r.lonMin)) * scale;
  idxLat = Math.trunc(latOffset) >>> 0;
  idxLon = Math.trunc(lonOffset) >>> 0;
  return true;
}

/** GEOADD's score of (lon, lat) (already validated); the 64-bit hash is left in hashHi / hashLo. */
export function encodeScore(lon: number, lat: number): number {
  encodeIndexes(WGS84_RANGE, lon, lat, GEO_STEP_MAX);
  interleave(idxLat, idxLon);
  return halvesToDouble(hashHi, hashLo);
}

/** A decoded cell (geohashDecode's area). */
export interface Area {
  latMin: number;
  latMax: number;
  lonMin: number;
  lonMax: number;
}

/** geohashDecode: the cell of indexes (latIdx, lonIdx) at `step`, written into `a`. */
export function decodeArea(r: CoordRange, latIdx: number, lonIdx: number, step: number, a: Area): void {
  const latScale = r.latMax - r.latMin;
  const lonScale = r.lonMax - r.lonMin;
  const div = 2 ** step;
  a.latMin = r.latMin + (latIdx / div) * latScale;
  a.latMax = r.latMin + (((latIdx + 1) >>> 0) / div) * latScale;
  a.lonMin = r.lonMin + (lonIdx / div) * lonScale;
  a.lonMax = r.lonMin + (((lonIdx + 1) >>> 0) / div) * lonScale;
}

const decArea: Area = { latMin: 0, latMax: 0, lonMin: 0, lonMax: 0 };

/** The point a score stands for (the cell centre, clamped), left in decLon / decLat. */
export let decLon = 0;
export let decLat = 0;

export function decodeScore(score: number): void {
  scoreToHalves(score);
  deinterleave(hashHi, hashLo);
  decodeArea(WGS84_RANGE, idxLat, idxLon, GEO_STEP_MAX, decArea);
  let x = (decArea.lonMin + decArea.lonMax) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (decArea.latMin + decArea.latMax) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  decLon = x;
  decLat = y;
}

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * GEOHASH's 11-character string for a score: the decoded point re-encoded over the standard
 * -90..90 latitude range; 52 bits make 10 characters, the 11th is '0'.
 */
export function geohashString(score: number): string {
  decodeScore(score);
  encodeIndexes(STANDARD_RANGE, decLon, decLat, GEO_STEP_MAX);
  interleave(idxLat, idxLon);
  const hi = hashHi;
  const lo = hashLo;
  let out = '';
  for (let i = 0; i < 10; i++) {
    const s = 52 - (i + 1) * 5;
    const idx = s >= 32 ? (hi >>> (s - 32)) & 31 : ((lo >>> s) | (hi << (32 - s))) & 31;
    out += BASE32[idx];
  }
  return out + '0';
}

// ---- distance ----------------------------------------------------------------------------------

function degRad(a: number): number {
  return a * D_R;
}

function radDeg(a: number): number {
  return a / D_R;
}

/** Haversine great-circle distance in meters (geohashGetDistance). */
export function geoDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lat1r = degRad(lat1d);
  const lon1r = degRad(lon1d);
  const lat2r = degRad(lat2d);
  const lon2r = degRad(lon2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  const v = Math.sin((lon2r - lon1r) / 2);
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v));
}

// ---- search shapes -----------------------------------------------------------------------------

export const SHAPE_RADIUS = 0;
export const SHAPE_BOX = 1;

/** A search: centre, radius or box (in the unit), and the unit's meters (conversion). */
export interface GeoShape {
  type: number;
  lon: number;
  lat: number;
  radius: number;
  width: number;
  height: number;
  conversion: number;
}

/** The distance of the last point shapeContains accepted. */
export let shapeDistance = 0;

/**
 * Whether point (lon, lat) lies in the shape (geoWithinShape); its distance from the centre is
 * left in shapeDistance. A box holds a point whose east-west and north-south distances from the
 * centre are within half the width / height.
 */
export function shapeContains(s: GeoShape, lon: number, lat: number): boolean {
  if (s.type === SHAPE_RADIUS) {
    const d = geoDistance(s.lon, s.lat, lon, lat);
    if (d > s.radius * s.conversion) return false;
    shapeDistance = d;
    return true;
  }
  const widthM = s.width * s.conversion;
  const heightM = s.height * s.conversion;
  const lonDistance = geoDistance(lon, lat, s.lon, lat);
  const latDistance = geoDistance(lon, lat, lon, s.lat);
  if (lonDistance > widthM / 2 || latDistance > heightM / 2) return false;
  shapeDistance = geoDistance(s.lon, s.lat, lon, lat);
  return true;
}

/** geohashEstimateStepsByRadius: the step whose cells are about the search's size. */
export function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** geohashBoundingBox: [minLon, minLat, maxLon, maxLat] of the shape, written into b. */
function boundingBox(s: GeoShape, b: Float64Array): void {
  const height = s.conversion * (s.type === SHAPE_RADIUS ? s.radius : s.height / 2);
  const width = s.conversion * (s.type === SHAPE_RADIUS ? s.radius : s.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(s.lat + latDelta)));
  const lonDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(s.lat - latDelta)));
  const southern = s.lat < 0;
  b[0] = southern ? s.lon - lonDeltaBottom : s.lon - lonDeltaTop;
  b[2] = southern ? s.lon + lonDeltaBottom : s.lon + lonDeltaTop;
  b[1] = s.lat - latDelta;
  b[3] = s.lat + latDelta;
}

/**
 * The boxes a search visits, in order: the centre cell, then north, south, east, west, north-east,
 * north-west, south-east, south-west. boxCount boxes; box i covers scores [boxMin[i], boxMax[i]).
 * Dropped neighbours are left out, and so is a box equal to the last one visited (except that, as
 * in Redis, the first neighbour is never compared with the centre cell).
 */
export const boxMin = new Float64Array(9);
export const boxMax = new Float64Array(9);
export let boxCount = 0;

const bounds = new Float64Array(4);
const nLat = new Float64Array(9);
const nLon = new Float64Array(9);
const nZero = new Uint8Array(9);
const area: Area = { latMin: 0, latMax: 0, lonMin: 0, lonMax: 0 };

/** Neighbour order: dLat, dLon for north south east west NE NW SE SW (after the centre). */
const D_LAT = [0, 1, -1, 0, 0, 1, 1, -1, -1];
const D_LON = [0, 0, 0, 1, -1, 1, -1, 1, -1];

function neighbours(latIdx: number, lonIdx: number, step: number): void {
  const n = 2 ** step;
  for (let i = 0; i < 9; i++) {
    const dl = D_LAT[i];
    const dn = D_LON[i];
    nLat[i] = dl === 0 ? latIdx : (latIdx + dl + n) % n;
    nLon[i] = dn === 0 ? lonIdx : (lonIdx + dn + n) % n;
    nZero[i] = 0;
  }
}

export function searchBoxes(s: GeoShape): void {
  boundingBox(s, bounds);
  const minLon = bounds[0];
  const minLat = bounds[1];
  const maxLon = bounds[2];
  const maxLat = bounds[3];
  let radiusMeters =
    s.type === SHAPE_RADIUS ? s.radius : Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radiusMeters *= s.conversion;
  let steps = estimateSteps(radiusMeters, s.lat);
  encodeIndexes(WGS84_RANGE, s.lon, s.lat, steps);
  neighbours(idxLat, idxLon, steps);
  let decrease = false;
  decodeArea(WGS84_RANGE, nLat[1], nLon[1], steps, area);
  if (area.latMax < maxLat) decrease = true;
  decodeArea(WGS84_RANGE, nLat[2], nLon[2], steps, area);
  if (area.latMin > minLat) decrease = true;
  decodeArea(WGS84_RANGE, nLat[3], nLon[3], steps, area);
  if (area.lonMax < maxLon) decrease = true;
  decodeArea(WGS84_RANGE, nLat[4], nLon[4], steps, area);
  if (area.lonMin > minLon) decrease = true;
  if (steps > 1 && decrease) {
    steps--;
    encodeIndexes(WGS84_RANGE, s.lon, s.lat, steps);
    neighbours(idxLat, idxLon, steps);
  }
  decodeArea(WGS84_RANGE, nLat[0], nLon[0], steps, area);
  if (steps >= 2) {
    // 1 north, 2 south, 3 east, 4 west, 5 NE, 6 NW, 7 SE, 8 SW
    if (area.latMin < minLat) nZero[2] = nZero[8] = nZero[7] = 1;
    if (area.latMax > maxLat) nZero[1] = nZero[5] = nZero[6] = 1;
    if (area.lonMin < minLon) nZero[4] = nZero[8] = nZero[6] = 1;
    if (area.lonMax > maxLon) nZero[3] = nZero[7] = nZero[5] = 1;
  }
  const shift = 2 ** (52 - steps * 2);
  boxCount = 0;
  let last = 0;
  for (let i = 0; i < 9; i++) {
    if (nZero[i]) continue;
    if (last !== 0 && nLat[i] === nLat[last] && nLon[i] === nLon[last]) continue;
    interleave(nLat[i], nLon[i]);
    boxMin[boxCount] = halvesToDouble(hashHi, hashLo) * shift;
    // bits + 1, carried into the high half
    const lo = hashLo + 1;
    boxMax[boxCount] = (lo === TWO32 ? halvesToDouble(hashHi + 1, 0) : halvesToDouble(hashHi, lo)) * shift;
    boxCount++;
    last = i;
  }
}

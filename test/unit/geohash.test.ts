// The geohash arithmetic of src/store/geohash.ts: interleaving against a bit-by-bit BigInt model,
// encode/decode round trips, the score <-> uint64 conversion, GEOHASH strings, distances and the
// search boxes; and the "%.Nf" formatter of the geo replies (src/commands/geo-args.ts).
import { describe, expect, it } from 'vitest';
import { formatFixed } from '../../src/commands/geo-args.ts';
import {
  GEO_LAT_MAX, GEO_LAT_MIN, SHAPE_BOX, SHAPE_RADIUS, WGS84_RANGE, boxCount, boxMax, boxMin, decLat, decLon, decodeScore,
  deinterleave, encodeIndexes, encodeScore, estimateSteps, geoDistance, geohashString, halvesToString, hashHi, hashLo,
  idxLat, idxLon, interleave, scoreToHalves, searchBoxes,
} from '../../src/store/geohash.ts';

/** Bit i of lat at 2i, bit i of lon at 2i+1. */
function naiveInterleave(lat: number, lon: number): bigint {
  let v = 0n;
  for (let i = 0; i < 32; i++) {
    if ((lat >>> i) & 1) v |= 1n << BigInt(2 * i);
    if ((lon >>> i) & 1) v |= 1n << BigInt(2 * i + 1);
  }
  return v;
}

let seed = 12345;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 4294967296;
}

describe('interleaving', () => {
  it('matches a bit-by-bit model and inverts', () => {
    for (let k = 0; k < 2000; k++) {
      const lat = Math.floor(rnd() * 4294967296) >>> 0;
      const lon = Math.floor(rnd() * 4294967296) >>> 0;
      interleave(lat, lon);
      const v = (BigInt(hashHi) << 32n) | BigInt(hashLo);
      expect(v).toBe(naiveInterleave(lat, lon));
      deinterleave(hashHi, hashLo);
      expect(idxLat).toBe(lat);
      expect(idxLon).toBe(lon);
    }
  });
});

describe('encode / decode', () => {
  it('round trips within half a cell', () => {
    const cellLon = 360 / 2 ** 26;
    const cellLat = (GEO_LAT_MAX - GEO_LAT_MIN) / 2 ** 26;
    for (let k = 0; k < 2000; k++) {
      const lon = rnd() * 360 - 180;
      const lat = rnd() * (GEO_LAT_MAX - GEO_LAT_MIN) + GEO_LAT_MIN;
      const s = encodeScore(lon, lat);
      expect(Number.isInteger(s) && s >= 0 && s < 2 ** 52).toBe(true);
      decodeScore(s);
      expect(Math.abs(decLon - lon)).toBeLessThanOrEqual(cellLon / 2 + 1e-12);
      expect(Math.abs(decLat - lat)).toBeLessThanOrEqual(cellLat / 2 + 1e-12);
    }
  });

  it('gives the scores of Redis docs examples', () => {
    expect(encodeScore(13.361389, 38.115556)).toBe(3479099956230698);
    expect(encodeScore(15.087269, 37.502669)).toBe(3479447370796909);
    // The top edges land one past the grid, as in Redis.
    encodeScore(180, 85.05112878);
    expect(halvesToString(hashHi, hashLo)).toBe('13510798882111488');
  });

  it('rejects points outside the limits', () => {
    expect(encodeIndexes(WGS84_RANGE, 180.1, 0, 26)).toBe(false);
    expect(encodeIndexes(WGS84_RANGE, 0, 85.06, 26)).toBe(false);
  });

  it('converts scores to uint64 as C does', () => {
    scoreToHalves(2 ** 52 + 3);
    expect([hashHi, hashLo]).toEqual([2 ** 20, 3]);
    scoreToHalves(-1);
    expect([hashHi, hashLo]).toEqual([0xffffffff, 0xffffffff]);
    scoreToHalves(1e30);
    expect([hashHi, hashLo]).toEqual([0, 0]);
    scoreToHalves(-Infinity);
    expect([hashHi, hashLo]).toEqual([0x80000000, 0]);
  });
});

describe('GEOHASH strings and distances', () => {
  it('matches Redis docs', () => {
    expect(geohashString(3479099956230698)).toBe('sqc8b49rny0');
    expect(geohashString(3479447370796909)).toBe('sqdtr74hyu0');
    decodeScore(3479099956230698);
    const lon = decLon;
    const lat = decLat;
    decodeScore(3479447370796909);
    expect(formatFixed(geoDistance(lon, lat, decLon, decLat), 4)).toBe('166274.1516');
  });
});

describe('search boxes', () => {
  it('covers the centre with at most nine disjoint-or-equal ranges', () => {
    for (const [lon, lat, r] of [[15, 37, 200000], [179.9, 0, 50000], [0, 85, 1000], [0, 0, 0]] as const) {
      searchBoxes({ type: SHAPE_RADIUS, lon, lat, radius: r, width: 0, height: 0, conversion: 1 });
      expect(boxCount).toBeGreaterThanOrEqual(1);
      expect(boxCount).toBeLessThanOrEqual(9);
      const s = encodeScore(lon, lat);
      expect(s >= boxMin[0] && s < boxMax[0]).toBe(true);
    }
    searchBoxes({ type: SHAPE_BOX, lon: 15, lat: 37, radius: 0, width: 400, height: 400, conversion: 1000 });
    expect(boxCount).toBeGreaterThanOrEqual(1);
  });

  it('estimates steps as Redis', () => {
    expect(estimateSteps(0, 0)).toBe(26);
    expect(estimateSteps(200000, 37)).toBe(6);
    expect(estimateSteps(200000, 70)).toBe(5);
    expect(estimateSteps(200000, 85)).toBe(4);
    expect(estimateSteps(1e9, 0)).toBe(1);
  });
});

describe('formatFixed', () => {
  it('prints like glibc printf %.Nf', () => {
    expect(formatFixed(0.0078125, 6)).toBe('0.007812');
    expect(formatFixed(0.0234375, 6)).toBe('0.023438');
    expect(formatFixed(-0, 6)).toBe('-0.000000');
    expect(formatFixed(1e22, 6)).toBe('10000000000000000000000.000000');
    expect(formatFixed(Infinity, 6)).toBe('inf');
    expect(formatFixed(-Infinity, 4)).toBe('-inf');
    expect(formatFixed(0.5, 0)).toBe('0');
    expect(formatFixed(1.5, 0)).toBe('2');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(123.45678, 4)).toBe('123.4568');
  });
});

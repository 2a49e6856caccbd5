// The elements behind test/fixtures/hll-redis-estimates.json: recorded from redis-server by
// scripts/record-hll-fixtures.ts and replayed through src/store/hyperloglog.ts by
// test/unit/hyperloglog.test.ts. Both sides must generate the same bytes, hence this one module.
import path from 'node:path';
import { REPO_ROOT } from './servers.ts';

export const HLL_FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'hll-redis-estimates.json');
export const HLL_FIXTURE_SEEDS = [1, 2, 3];
export const HLL_FIXTURE_SIZES = [1, 10, 100, 1000, 3000, 10000, 50000, 150000];

export interface HllFixture {
  server: string;
  /** Per seed: at each size, PFCOUNT and the sha256 (hex) of GET taken just before it. */
  seeds: { seed: number; points: { size: number; count: number; sha256: string }[] }[];
  /** PFMERGE of every seed's HLL: its PFCOUNT and the sha256 of its bytes before that. */
  merged: { count: number; sha256: string };
}

/** Element i of seed s: text, with some binary bytes on every third one. */
export function hllFixtureElement(s: number, i: number): Buffer {
  const text = Buffer.from(`s${s}:${(i * 2654435761) % 1000003}:${i}`, 'latin1');
  if (i % 3 !== 0) return text;
  return Buffer.concat([text, Buffer.from([i & 255, 0, 255, (i >>> 8) & 255])]);
}

/*
 * The listpack encoding of sorted sets (src/store/zset-listpack.ts): byte-exact agreement with the
 * listpack Redis 7.0.15 builds (taken from its DUMP payload), how scores are written (integers in
 * [-2^62, 2^62] as listpack integers, -0 as 0, others as %.17g text), member order with integer
 * members compared by their decimal bytes, and a randomized run against a sorted-array model for
 * find, rank, insert, delete, score and lex ranges, counts and range deletions.
 */
import { describe, expect, test } from 'vitest';
import { LpEntry, lpBytes, lpFirst, lpGet, lpLength, lpNew, lpNext, lpValidate } from '../../src/store/listpack.ts';
import { compareBytes, parseLexRange, type ScoreRange } from '../../src/store/skiplist.ts';
import {
  zm, zzlAppend, zzlAtRank, zzlCountInLexRange, zzlCountInRange, zzlDelete, zzlDeleteRangeByLex, zzlDeleteRangeByRank,
  zzlDeleteRangeByScore, zzlDeleted, zzlFind, zzlFirst, zzlFirstInLexRange, zzlFirstInRange, zzlInsert, zzlLast, zzlLastInLexRange,
  zzlLastInRange, zzlLength, zzlMember, zzlNext, zzlPairSize, zzlPrev, zzlRank, zzlScore,
} from '../../src/store/zset-listpack.ts';
import { rng } from '../helpers/rng.ts';

const B = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Member bytes of the entry at p as a latin1 string. */
function memberAt(lp: Uint8Array, p: number): string {
  zzlMember(lp, p);
  return Buffer.from(zm.buf.subarray(zm.off, zm.off + zm.len)).toString('latin1');
}

/** [member, score] pairs in listpack order. */
function pairs(lp: Uint8Array): [string, number][] {
  const out: [string, number][] = [];
  for (let p = zzlFirst(lp); p >= 0; p = zzlNext(lp, p)) out.push([memberAt(lp, p), zzlScore(lp, p)]);
  return out;
}

function insert(lp: Uint8Array, m: string, s: number): Uint8Array {
  const b = B(m);
  return zzlInsert(lp, b, 0, b.length, s);
}

/** Raw entries as Redis's DEBUG LISTPACK would describe them: ints as numbers, strings as text. */
function rawEntries(lp: Uint8Array): (number | string)[] {
  const e = new LpEntry();
  const out: (number | string)[] = [];
  for (let p = lpFirst(lp); p !== -1; p = lpNext(lp, p)) {
    lpGet(lp, p, e);
    out.push(e.isInt ? Number(e.int) : Buffer.from(lp.subarray(e.strOff, e.strOff + e.strLen)).toString('latin1'));
  }
  return out;
}

describe('bytes as Redis 7.0.15 writes them', () => {
  test('the listpack of a ZADD equals the one in redis-server DUMP', () => {
    // ZADD z 1 a -0 b 1.5 c 1e20 d 9007199254740992 e inf f -inf g 0.1 h 4611686018427389952 i
    //        -4611686018427387904 j 1e18 k 123 456 -7 x 0.30000000000000004 y 1 aa
    // then DUMP z (rdbcompression no): type 17, 14-bit length 181, these bytes.
    const expected = Buffer.from(
      'b50000001e00816702842d696e6605816a02f400000000000000c009817802dff902816202000181680293302e31303030303030' +
        '303030303030303030311481790293302e333030303030303030303030303030303414816102010182616103010181630283312e' +
        '3504c1c8027b01816502f4000000000000200009816b02f4000064a7b3b6e00d0981690294342e36313136383630313834323733' +
        '39652b3138158164028531652b32300681660283696e6604ff',
      'hex',
    );
    const args: [string, string][] = [
      ['1', 'a'], ['-0', 'b'], ['1.5', 'c'], ['1e20', 'd'], ['9007199254740992', 'e'], ['inf', 'f'], ['-inf', 'g'],
      ['0.1', 'h'], ['4611686018427389952', 'i'], ['-4611686018427387904', 'j'], ['1e18', 'k'], ['123', '456'],
      ['-7', 'x'], ['0.30000000000000004', 'y'], ['1', 'aa'],
    ];
    let lp = lpNew();
    for (const [s, m] of args) lp = insert(lp, m, s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));
    expect(lpBytes(lp)).toBe(expected.length);
    expect(Buffer.from(lp.subarray(0, lpBytes(lp))).toString('hex')).toBe(expected.toString('hex'));
    expect(lpValidate(lp, lpBytes(lp))).toBe(true);
  });

  test('score encodings: integers within 2^62, -0 as 0, the rest as %.17g text', () => {
    let lp = lpNew();
    const cases: [number, number | string][] = [
      [-0, 0], [0, 0], [127, 127], [-4096, -4096], [2 ** 62, 2 ** 62], [-(2 ** 62), -(2 ** 62)],
      [2 ** 62 + 1024, '4.6116860184273889e+18'], [2 ** 63, '9.2233720368547758e+18'], [1e17, 1e17],
      [0.1, '0.10000000000000001'], [1e-20, '9.9999999999999995e-21'], [Infinity, 'inf'], [-Infinity, '-inf'], [1.5, '1.5'],
    ];
    for (const [s] of cases) {
      lp = lpNew();
      lp = insert(lp, 'm', s);
      const [, enc] = rawEntries(lp);
      const want = cases.find((c) => Object.is(c[0], s))![1];
      expect(enc).toBe(want);
      expect(zzlScore(lp, zzlFirst(lp))).toBe(s === 0 ? 0 : s);
      expect(Object.is(zzlScore(lp, zzlFirst(lp)), -0)).toBe(false);
    }
  });

  test('zzlPairSize is exactly what an insert adds', () => {
    const members = ['a', '', '12', '-7', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(200), '9223372036854775807'];
    const scores = [0, -0, 1, 127, 128, -4096, 40000, 2 ** 40, 2 ** 62, 2 ** 63, 0.1, 1e20, Infinity, -Infinity, 1.5];
    for (const m of members) {
      for (const sc of scores) {
        const lp = lpNew();
        const b = B(m);
        const before = lpBytes(lp);
        const after = lpBytes(zzlInsert(lp, b, 0, b.length, sc));
        expect(after - before, `${m} ${sc}`).toBe(zzlPairSize(b, 0, b.length, sc));
      }
    }
  });

  test('integer members are stored as integers and ordered by their decimal bytes', () => {
    let lp = lpNew();
    for (const m of ['9', '10', '-1', 'a', '007', '9223372036854775807']) lp = insert(lp, m, 1);
    expect(pairs(lp).map((p) => p[0])).toEqual(['-1', '007', '10', '9', '9223372036854775807', 'a']);
    expect(rawEntries(lp).filter((_, i) => i % 2 === 0)).toEqual([-1, '007', 10, 9, 9223372036854775807, 'a']);
    expect(zzlFind(lp, B('10'), 0, 2)).toBeGreaterThan(0);
    expect(zzlFind(lp, B('010'), 0, 3)).toBe(-1);
    expect(zzlRank(lp, B('9'), 0, 1)).toBe(3);
  });
});

interface El {
  m: string;
  s: number;
}

function cmpEl(a: El, b: El): number {
  if (a.s !== b.s) return a.s < b.s ? -1 : 1;
  return compareBytes(B(a.m), 0, a.m.length, B(b.m), 0, b.m.length);
}

/** The listpack's view of a score: -0 becomes 0. */
const norm = (s: number): number => (s === 0 ? 0 : s);

describe('against a sorted model', () => {
  test('random inserts, updates, deletes and queries', () => {
    const rand = rng(7);
    let lp = lpNew();
    let model: El[] = [];
    const members = ['a', 'b', 'c', 'aa', 'ab', '', '0', '1', '10', '-3', 'zz', '\x00', '\xff', 'mid', 'x1', 'x2'];
    const scores = [0, -0, 1, 1, 2, 2.5, -1, 0.1, 1e20, Infinity, -Infinity, 3, 3, 7];
    for (let step = 0; step < 2500; step++) {
      const op = rand();
      const m = members[Math.floor(rand() * members.length)];
      const s = scores[Math.floor(rand() * scores.length)];
      const b = B(m);
      const p = zzlFind(lp, b, 0, b.length);
      const i = model.findIndex((e) => e.m === m);
      expect(p >= 0).toBe(i >= 0);
      if (op < 0.55) {
        if (p >= 0) lp = zzlDelete(lp, p);
        if (i >= 0) model.splice(i, 1);
        lp = zzlInsert(lp, b, 0, b.length, s);
        model.push({ m, s: norm(s) });
        model.sort(cmpEl);
      } else if (op < 0.75) {
        if (p >= 0) {
          lp = zzlDelete(lp, p);
          model.splice(i, 1);
        }
      } else if (op < 0.8) {
        const a = Math.floor(rand() * (model.length + 1));
        const z = a + Math.floor(rand() * 3);
        if (a < model.length) {
          const end = Math.min(z, model.length - 1);
          lp = zzlDeleteRangeByRank(lp, a, end);
          expect(zzlDeleted).toBe(end - a + 1);
          model.splice(a, end - a + 1);
        }
      } else if (op < 0.85) {
        const r: ScoreRange = { min: scores[Math.floor(rand() * scores.length)], max: scores[Math.floor(rand() * scores.length)], minex: rand() < 0.5, maxex: rand() < 0.5 };
        const inR = (v: number) => (r.minex ? v > r.min : v >= r.min) && (r.maxex ? v < r.max : v <= r.max);
        lp = zzlDeleteRangeByScore(lp, r);
        const before = model.length;
        model = model.filter((e) => !inR(e.s));
        expect(zzlDeleted).toBe(before - model.length);
      } else if (op < 0.88) {
        const a = members[Math.floor(rand() * members.length)];
        const z = members[Math.floor(rand() * members.length)];
        const r = parseLexRange(B(`[${a}`), B(`(${z}`))!;
        lp = zzlDeleteRangeByLex(lp, r);
      }
      // Whole-state check.
      const got = pairs(lp);
      if (op >= 0.85 && op < 0.88) model = got.map(([m2, s2]) => ({ m: m2, s: s2 }));
      expect(got).toEqual(model.map((e) => [e.m, e.s]));
      expect(zzlLength(lp)).toBe(model.length);
      expect(lpLength(lp)).toBe(model.length * 2);
      expect(lpValidate(lp, lpBytes(lp))).toBe(true);
      // Queries.
      for (let k = 0; k < model.length; k++) {
        const mb = B(model[k].m);
        expect(zzlRank(lp, mb, 0, mb.length)).toBe(k);
      }
      if (model.length > 0) {
        expect(memberAt(lp, zzlAtRank(lp, -1))).toBe(model[model.length - 1].m);
        expect(memberAt(lp, zzlLast(lp))).toBe(model[model.length - 1].m);
        expect(zzlPrev(lp, zzlFirst(lp))).toBe(-1);
        const r: ScoreRange = { min: scores[step % scores.length], max: scores[(step * 7) % scores.length], minex: step % 3 === 0, maxex: step % 5 === 0 };
        const inR = (v: number) => (r.minex ? v > r.min : v >= r.min) && (r.maxex ? v < r.max : v <= r.max);
        const hits = model.filter((e) => inR(e.s));
        expect(zzlCountInRange(lp, r)).toBe(r.min > r.max ? 0 : hits.length);
        const f = zzlFirstInRange(lp, r);
        const l = zzlLastInRange(lp, r);
        if (hits.length === 0 || r.min > r.max) {
          expect(f).toBe(-1);
          expect(l).toBe(-1);
        } else {
          expect(memberAt(lp, f)).toBe(hits[0].m);
          expect(memberAt(lp, l)).toBe(hits[hits.length - 1].m);
        }
      }
    }
  });

  test('lex ranges on equal scores', () => {
    let lp = lpNew();
    const ms = ['a', 'b', 'c', 'd', 'e', '1', '22'];
    for (const m of ms) lp = insert(lp, m, 0);
    const sorted = [...ms].sort((x, y) => Buffer.compare(B(x), B(y)));
    const bounds = ['-', '+', '[a', '(a', '[c', '(c', '[e', '(e', '[1', '(22', '[', '(', '[zz', '(0'];
    for (const lo of bounds) {
      for (const hi of bounds) {
        const r = parseLexRange(B(lo), B(hi))!;
        const geMin = (m: string) => (lo === '-' ? true : lo === '+' ? false : lo[0] === '(' ? Buffer.compare(B(m), B(lo.slice(1))) > 0 : Buffer.compare(B(m), B(lo.slice(1))) >= 0);
        const leMax = (m: string) => (hi === '+' ? true : hi === '-' ? false : hi[0] === '(' ? Buffer.compare(B(m), B(hi.slice(1))) < 0 : Buffer.compare(B(m), B(hi.slice(1))) <= 0);
        const hits = sorted.filter((m) => geMin(m) && leMax(m));
        expect(zzlCountInLexRange(lp, r), `${lo} ${hi}`).toBe(hits.length);
        const f = zzlFirstInLexRange(lp, r);
        const l = zzlLastInLexRange(lp, r);
        if (hits.length === 0) {
          expect(f).toBe(-1);
          expect(l).toBe(-1);
        } else {
          expect(memberAt(lp, f)).toBe(hits[0]);
          expect(memberAt(lp, l)).toBe(hits[hits.length - 1]);
        }
      }
    }
  });

  test('appending sorted input builds the same bytes as sorted inserts', () => {
    const els: El[] = [];
    for (let i = 0; i < 100; i++) els.push({ m: `m${i}`, s: (i * 7919) % 13 === 0 ? 1.5 : (i * 31) % 17 });
    let a = lpNew();
    for (const e of els) a = insert(a, e.m, e.s);
    els.sort(cmpEl);
    let b = lpNew();
    for (const e of els) b = zzlAppend(b, B(e.m), 0, e.m.length, e.s);
    expect(Buffer.from(a.subarray(0, lpBytes(a)))).toEqual(Buffer.from(b.subarray(0, lpBytes(b))));
  });
});

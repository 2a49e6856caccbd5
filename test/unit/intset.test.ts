// Intset (src/store/intset.ts). The expected blobs are what redis-server 7.0.15 holds: DUMP of a
// set with the intset encoding is `11 (RDB_TYPE_SET_INTSET), RDB string of the intset bytes`,
// the string LZF-compressed when it is longer than 20 bytes and liblzf saves at least 4 bytes.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  INTSET_ENC_INT16,
  INTSET_ENC_INT32,
  INTSET_ENC_INT64,
  IntSet,
  intsetValidate,
} from '../../src/store/intset.ts';
import { lzfCompress, lzfDecompress } from '../../src/util/lzf.ts';
import { INT64_MAX, INT64_MIN } from '../../src/util/numbers.ts';

type Op = ['SADD' | 'SREM', ...string[]];

/** [what, commands run on a fresh key, DUMP payload (hex)] */
const DUMPS: [string, Op[], string][] = [
  ['int16', [['SADD', '1', '2', '3']], '0b0e02000000030000000100020003000a00a5025ce26d6e4d1b'],
  ['int16 edges and negatives', [['SADD', '-5', '100', '-32768', '32767']], '0b1002000000040000000080fbff6400ff7f0a0030eaa9316b1d9740'],
  ['int32', [['SADD', '1', '65536', '-70000', '3']], '0b18040000000400000090eefeff0100000003000000000001000a00f5b57fe88937a9b0'],
  [
    'int32 edges',
    [['SADD', '2147483647', '-2147483648', '32768', '-32769']],
    '0b18040000000400000000000080ff7fffff00800000ffffff7f0a00ffd325b16a094c48',
  ],
  [
    'int64 extremes (LZF-compressed blob)',
    [['SADD', '1', '-9223372036854775808', '9223372036854775807', '4294967296', '-2']],
    '0bc31d300408000000052003a0000280feff80000001a0104000400b801501ff7f0a00a2b29be5a6e99d3d',
  ],
  ['int64 single', [['SADD', '-9223372036854775808']], '0b10080000000100000000000000000000800a00a4a12783a1340571'],
  ['int64 and -1', [['SADD', '4294967296', '-1']], '0b180800000002000000ffffffffffffffff00000000010000000a0053c5c9bb7ee512fc'],
  [
    'upgrades 16 -> 32 -> 64, prepend and append (40 bytes, LZF saves too little)',
    [['SADD', '7'], ['SADD', '-40000'], ['SADD', '5000000000'], ['SADD', '-3']],
    '0b280800000004000000c063fffffffffffffdffffffffffffff070000000000000000f2052a010000000a0062889445676b024e',
  ],
  [
    'encoding stays int64 after the wide member is removed',
    [['SADD', '1', '2', '5000000000'], ['SREM', '5000000000']],
    '0b180800000002000000010000000000000002000000000000000a00dce1c3793265a8f5',
  ],
  [
    'around the safe-integer limit (LZF-compressed blob)',
    [['SADD', '9007199254740991', '-9007199254740991', '9007199254740992', '-9007199254740992']],
    '0bc31e280408000000042003800002e0ff01600801e0ff8000001f600d03000020000a006d27907a40f3e326',
  ],
  [
    '0..99 (208 bytes, LZF saves too little)',
    [['SADD', ...Array.from({ length: 100 }, (_, i) => String(i))]],
    '0b40d0020000006400000000000100020003000400050006000700080009000a000b000c000d000e000f0010001100120013001400150016001700180019001a001b001c001d001e001f0020002100220023002400250026002700280029002a002b002c002d002e002f0030003100320033003400350036003700380039003a003b003c003d003e003f0040004100420043004400450046004700480049004a004b004c004d004e004f0050005100520053005400550056005700580059005a005b005c005d005e005f0060006100620063000a0050faa1ca543b7a96',
  ],
];

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** An RDB length (rdbLoadLen) at p: [value, next offset]. */
function rdbLen(b: Uint8Array, p: number): [number, number] {
  const t = b[p]! >> 6;
  if (t === 0) return [b[p]! & 0x3f, p + 1];
  if (t === 1) return [((b[p]! & 0x3f) << 8) | b[p + 1]!, p + 2];
  if (b[p] === 0x80) return [Buffer.from(b).readUInt32BE(p + 1), p + 5];
  throw new Error('unexpected length encoding');
}

/** The intset bytes in a SET_INTSET DUMP payload, and the LZF data when it was compressed. */
function parseIntsetDump(d: Uint8Array): { blob: Uint8Array; lzf: Uint8Array | null } {
  expect(d[0]).toBe(11); // RDB_TYPE_SET_INTSET
  expect(toHex(d.subarray(d.length - 10, d.length - 8))).toBe('0a00'); // RDB version 10, then CRC64
  if (d[1] === 0xc3) {
    const [clen, p1] = rdbLen(d, 2);
    const [len, p2] = rdbLen(d, p1);
    const lzf = d.subarray(p2, p2 + clen);
    const blob = new Uint8Array(len);
    expect(lzfDecompress(lzf, blob)).toBe(len);
    return { blob, lzf };
  }
  const [len, p] = rdbLen(d, 1);
  expect(p + len).toBe(d.length - 10);
  return { blob: d.subarray(p, p + len), lzf: null };
}

function run(ops: Op[]): IntSet {
  const is = new IntSet();
  for (const [cmd, ...members] of ops) {
    for (const m of members) {
      const b = ascii(m);
      if (cmd === 'SADD') expect(is.addMember(b, 0, b.length)).not.toBe(-1);
      else expect(is.removeMember(b, 0, b.length)).toBe(true);
    }
  }
  return is;
}

/** Reference encoder: sorted unique int64s at a given width, written with DataView. */
function encodeReference(values: bigint[], enc: number): Uint8Array {
  const sorted = [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out = new Uint8Array(8 + sorted.length * enc);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, enc, true);
  dv.setUint32(4, sorted.length, true);
  sorted.forEach((v, i) => {
    if (enc === 2) dv.setInt16(8 + 2 * i, Number(v), true);
    else if (enc === 4) dv.setInt32(8 + 4 * i, Number(v), true);
    else dv.setBigInt64(8 + 8 * i, v, true);
  });
  return out;
}

function widthOf(v: bigint): number {
  return v >= -32768n && v <= 32767n ? 2 : v >= -2147483648n && v <= 2147483647n ? 4 : 8;
}

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

describe('against redis-server 7.0.15 DUMP payloads', () => {
  test.each(DUMPS)('%s', (_name, ops, dumpHex) => {
    const { blob, lzf } = parseIntsetDump(hex(dumpHex));
    const is = run(ops);
    expect(toHex(is.bytes())).toBe(toHex(blob));
    expect(is.byteLength).toBe(blob.length);
    // The RDB writer would LZF-compress the blob exactly as Redis did (or keep it raw, as Redis did).
    if (blob.length > 20) {
      const out = new Uint8Array(blob.length - 4);
      const n = lzfCompress(blob, out);
      expect(n === 0 ? null : toHex(out.subarray(0, n))).toBe(lzf && toHex(lzf));
    }
    // Loading it back gives the same set.
    const loaded = IntSet.fromBytes(blob)!;
    expect(loaded).not.toBeNull();
    expect([...loaded]).toEqual([...is]);
    expect(toHex(loaded.bytes())).toBe(toHex(blob));
  });

  test('512 members (set-max-intset-entries) are still an intset', () => {
    // SADD s 0 7 14 ... 3577: DUMP is 0b 4408 (a 1032-byte raw string) + intset + trailer.
    const is = new IntSet();
    for (let i = 0; i < 512; i++) expect(is.add(i * 7)).toBe(true);
    expect(is.byteLength).toBe(1032);
    expect(createHash('sha256').update(is.bytes()).digest('hex')).toBe(
      '5f112c8e247038bffd1e8996edbeb4865d626f5b751b9ed123b4f10490725232',
    );
    expect(lzfCompress(is.bytes(), new Uint8Array(1028))).toBe(0); // Redis stored it raw
  });
});

describe('IntSet', () => {
  test('new set is empty int16', () => {
    const is = new IntSet();
    expect(is.length).toBe(0);
    expect(is.encoding).toBe(INTSET_ENC_INT16);
    expect(toHex(is.bytes())).toBe('0200000000000000');
    expect(is.has(0)).toBe(false);
    expect([...is]).toEqual([]);
    expect(() => is.min()).toThrow(RangeError);
    expect(() => is.random()).toThrow(RangeError);
  });

  test('add keeps order and uniqueness; reports whether it added', () => {
    const is = new IntSet();
    expect(is.add(5)).toBe(true);
    expect(is.add(6)).toBe(true);
    expect(is.add(4)).toBe(true);
    expect(is.add(4)).toBe(false);
    expect(is.add(5n)).toBe(false);
    expect([...is]).toEqual([4, 5, 6]);
    expect(is.length).toBe(3);
  });

  test('value encodings at the boundaries', () => {
    const cases: [number | bigint, number][] = [
      [-32768, INTSET_ENC_INT16],
      [32767, INTSET_ENC_INT16],
      [-32769, INTSET_ENC_INT32],
      [32768, INTSET_ENC_INT32],
      [-2147483648, INTSET_ENC_INT32],
      [2147483647, INTSET_ENC_INT32],
      [-2147483649, INTSET_ENC_INT64],
      [2147483648, INTSET_ENC_INT64],
      [INT64_MIN, INTSET_ENC_INT64],
      [INT64_MAX, INTSET_ENC_INT64],
    ];
    for (const [v, enc] of cases) {
      const is = new IntSet();
      is.add(v);
      expect(is.encoding).toBe(enc);
      expect(is.get(0)).toBe(v);
    }
  });

  test('upgrades: 16 -> 32, 16 -> 64, 32 -> 64, with prepend and append', () => {
    const pairs: [number | bigint, number][] = [
      [65535, INTSET_ENC_INT32],
      [-65535, INTSET_ENC_INT32],
      [4294967295, INTSET_ENC_INT64],
      [-4294967295, INTSET_ENC_INT64],
      [INT64_MAX, INTSET_ENC_INT64],
      [INT64_MIN, INTSET_ENC_INT64],
    ];
    for (const start of [[32, -7, 1000], [65535 + 1, -70000, 3]]) {
      for (const [v, enc] of pairs) {
        const is = new IntSet();
        for (const s of start) is.add(s);
        const before = [...is];
        expect(is.add(v)).toBe(true);
        expect(is.encoding).toBe(Math.max(enc, start.some((s) => s > 32767 || s < -32768) ? 4 : 2));
        const expected = [...before, v].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        expect([...is]).toEqual(expected);
        for (const x of expected) expect(is.has(x)).toBe(true);
        expect(toHex(is.bytes())).toBe(toHex(encodeReference(expected.map(BigInt), is.encoding)));
      }
    }
  });

  test('has/remove of a value wider than the encoding is a miss, not an error', () => {
    const is = new IntSet();
    is.add(1);
    expect(is.has(1n << 40n)).toBe(false);
    expect(is.remove(-(1n << 40n))).toBe(false);
    expect(is.has(100000)).toBe(false);
    expect(is.indexOf(100000)).toBe(-2);
    expect(is.indexOf(-100000)).toBe(-1);
    expect(is.encoding).toBe(INTSET_ENC_INT16);
  });

  test('remove, removeAt, indexOf, min, max, get', () => {
    const is = new IntSet();
    for (const v of [10, -3, 7, 1000000, -9]) is.add(v);
    expect([...is]).toEqual([-9, -3, 7, 10, 1000000]);
    expect(is.min()).toBe(-9);
    expect(is.max()).toBe(1000000);
    expect(is.indexOf(7)).toBe(2);
    expect(is.indexOf(8)).toBe(-4);
    expect(is.remove(7)).toBe(true);
    expect(is.remove(7)).toBe(false);
    is.removeAt(0);
    expect([...is]).toEqual([-3, 10, 1000000]);
    expect(is.get(2)).toBe(1000000);
    expect(() => is.get(3)).toThrow(RangeError);
    expect(() => is.get(-1)).toThrow(RangeError);
    expect(() => is.removeAt(3)).toThrow(RangeError);
    expect(is.encoding).toBe(INTSET_ENC_INT32);
    expect(toHex(is.bytes())).toBe(toHex(encodeReference([-3n, 10n, 1000000n], 4)));
  });

  test('numbers on the fast path, bigint only beyond the safe range', () => {
    const is = new IntSet();
    const vals = [2n ** 53n - 1n, -(2n ** 53n) + 1n, 2n ** 53n, -(2n ** 53n), INT64_MAX, INT64_MIN, 0n, -1n];
    for (const v of vals) is.add(v);
    for (let i = 0; i < is.length; i++) {
      const v = is.get(i);
      const big = is.getBig(i);
      if (big >= -(2n ** 53n) + 1n && big <= 2n ** 53n - 1n) expect(typeof v).toBe('number');
      else expect(typeof v).toBe('bigint');
      expect(BigInt(v)).toBe(big);
    }
    expect(is.has(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(is.has(2n ** 53n)).toBe(true);
    expect(is.has(2n ** 53n + 1n)).toBe(false);
    expect(is.min()).toBe(INT64_MIN);
    expect(is.max()).toBe(INT64_MAX);
  });

  test('invalid values throw RangeError', () => {
    const is = new IntSet();
    expect(() => is.add(1.5)).toThrow(RangeError);
    expect(() => is.add(2 ** 60)).toThrow(RangeError); // not a safe integer: pass a bigint
    expect(() => is.add(NaN)).toThrow(RangeError);
    expect(() => is.add(INT64_MAX + 1n)).toThrow(RangeError);
    expect(() => is.has(INT64_MIN - 1n)).toThrow(RangeError);
  });

  test('members as bytes: only canonical int64 spellings (string2ll)', () => {
    const is = new IntSet();
    const add = (s: string): number => is.addMember(ascii(s), 0, s.length);
    for (const bad of ['01', '-0', '+1', ' 1', '1 ', '', '-', '1.0', '0x10', '9223372036854775808', '-9223372036854775809', '١']) {
      expect(add(bad)).toBe(-1);
    }
    expect(add('9223372036854775807')).toBe(1);
    expect(add('-9223372036854775808')).toBe(1);
    expect(add('0')).toBe(1);
    expect(add('0')).toBe(0);
    const buf = ascii('xx-42yy');
    expect(is.addMember(buf, 2, 3)).toBe(1);
    expect(is.hasMember(buf, 2, 3)).toBe(true);
    expect(is.hasMember(ascii('042'), 0, 3)).toBe(false);
    expect(is.hasMember(ascii('abc'), 0, 3)).toBe(false);
    expect(is.removeMember(ascii('abc'), 0, 3)).toBe(false);
    expect(is.removeMember(buf, 2, 3)).toBe(true);
    expect(is.length).toBe(3);
  });

  test('writeMember / memberByteLength spell members like ll2string', () => {
    const is = new IntSet();
    for (const v of [INT64_MIN, -1n, 0n, 7n, 123456789012n, INT64_MAX]) is.add(v);
    const out = new Uint8Array(64);
    const spelled: string[] = [];
    for (let i = 0; i < is.length; i++) {
      const end = is.writeMember(i, out, 3);
      expect(end - 3).toBe(is.memberByteLength(i));
      spelled.push(Buffer.from(out.subarray(3, end)).toString('latin1'));
    }
    expect(spelled).toEqual(['-9223372036854775808', '-1', '0', '7', '123456789012', '9223372036854775807']);
  });

  test('random covers every element, roughly uniformly', () => {
    const is = new IntSet();
    for (let i = 0; i < 10; i++) is.add(i * 1000 - 3000);
    const seen = new Map<number | bigint, number>();
    for (let i = 0; i < 20000; i++) {
      const v = is.random();
      seen.set(v, (seen.get(v) ?? 0) + 1);
    }
    expect(seen.size).toBe(10);
    for (const n of seen.values()) expect(n).toBeGreaterThan(1500);
    const one = new IntSet();
    one.add(5);
    expect(one.randomIndex()).toBe(0);
  });

  test('bytes() is a view of the live blob; clone is independent', () => {
    const is = new IntSet();
    is.add(1);
    is.add(2);
    const c = is.clone();
    is.add(3);
    expect([...c]).toEqual([1, 2]);
    expect([...is]).toEqual([1, 2, 3]);
    expect(toHex(c.bytes())).toBe('02000000020000000100' + '0200');
    expect(is.allocatedBytes).toBeGreaterThanOrEqual(is.byteLength);
  });

  test('model check against a sorted bigint array with mixed widths', () => {
    const rand = xorshift(42);
    const pick = (): bigint => {
      const k = rand() % 10;
      if (k < 4) return BigInt((rand() % 200) - 100);
      if (k < 6) return BigInt((rand() % 200000) - 100000);
      if (k < 8) return BigInt.asIntN(40, (BigInt(rand()) << 8n) ^ BigInt(rand()));
      return BigInt.asIntN(64, (BigInt(rand()) << 32n) | BigInt(rand()));
    };
    for (let round = 0; round < 20; round++) {
      const is = new IntSet(0);
      const model = new Set<bigint>();
      let enc = 2;
      const ops = 50 + (rand() % 600);
      for (let i = 0; i < ops; i++) {
        const v = pick();
        const asArg = v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n && rand() % 2 ? Number(v) : v;
        const r = rand() % 10;
        if (r < 6) {
          expect(is.add(asArg)).toBe(!model.has(v));
          model.add(v);
          enc = Math.max(enc, widthOf(v));
        } else if (r < 8) {
          expect(is.remove(asArg)).toBe(model.delete(v));
        } else if (r < 9 && model.size > 0) {
          const idx = is.randomIndex();
          const x = is.getBig(idx);
          is.removeAt(idx);
          expect(model.delete(x)).toBe(true);
        } else {
          expect(is.has(asArg)).toBe(model.has(v));
        }
      }
      expect(is.length).toBe(model.size);
      expect(is.encoding).toBe(enc);
      expect(toHex(is.bytes())).toBe(toHex(encodeReference([...model], enc)));
      expect(intsetValidate(is.bytes())).toBe(model.size > 0);
    }
  });
});

describe('intsetValidate', () => {
  const good = hex('02000000030000000100020003000a00').subarray(0, 14);

  test('accepts well-formed sets of every width', () => {
    expect(intsetValidate(good)).toBe(true);
    for (const [, ops] of DUMPS) expect(intsetValidate(run(ops).bytes())).toBe(true);
  });

  test('rejects malformed headers and sizes', () => {
    expect(intsetValidate(new Uint8Array(0))).toBe(false);
    expect(intsetValidate(good.subarray(0, 7))).toBe(false); // header cut
    expect(intsetValidate(good.subarray(0, 8))).toBe(false); // length 3, no elements
    expect(intsetValidate(good.subarray(0, 13))).toBe(false); // half an element
    expect(intsetValidate(hex('0200000003000000010002000300ffff'))).toBe(false); // trailing bytes
    expect(intsetValidate(hex('0200000000000000'))).toBe(false); // empty: Redis rejects it
    for (const enc of [0, 1, 3, 6, 16, 0x0100_0002]) {
      const b = good.slice();
      new DataView(b.buffer).setUint32(0, enc, true);
      expect(intsetValidate(b)).toBe(false);
    }
    const huge = good.slice();
    new DataView(huge.buffer).setUint32(4, 0xffffffff, true); // count * 2 overflows 32 bits in C
    expect(intsetValidate(huge)).toBe(false);
    const huge8 = hex('0800000000000020' + '00'.repeat(8));
    expect(intsetValidate(huge8)).toBe(false); // 2^29 * 8 = 2^32: wraps to 0 in uint32 math
  });

  test('deep checks order and duplicates; shallow does not', () => {
    const unsorted = hex('020000000300000001000300020000');
    expect(intsetValidate(unsorted.subarray(0, 14))).toBe(false);
    expect(intsetValidate(unsorted.subarray(0, 14), false)).toBe(true);
    expect(intsetValidate(hex('04000000020000000500000005000000'))).toBe(false); // duplicate
    expect(intsetValidate(hex('0800000002000000' + 'ffffffffffffffff' + '0000000000000000'))).toBe(true); // -1 < 0
    expect(intsetValidate(hex('0800000002000000' + '0000000000000000' + 'ffffffffffffffff'))).toBe(false); // 0 > -1
    expect(intsetValidate(hex('0800000002000000' + '0000000001000000' + 'ffffffff00000000'))).toBe(false); // 2^32 > 2^32-1
    expect(intsetValidate(hex('0800000002000000' + 'ffffffff00000000' + '0000000001000000'))).toBe(true);
  });

  test('works on views at odd byte offsets', () => {
    const is = new IntSet();
    for (const v of [-5n, 3n, 1n << 40n]) is.add(v);
    const backing = new Uint8Array(is.byteLength + 3);
    backing.set(is.bytes(), 3);
    const view = backing.subarray(3);
    expect(intsetValidate(view)).toBe(true);
    const loaded = IntSet.fromBytes(view)!;
    expect([...loaded]).toEqual([-5, 3, 2 ** 40]);
  });

  test('fromBytes rejects what validate rejects; shallow load of an unsorted set stays in bounds', () => {
    expect(IntSet.fromBytes(hex('0200000000000000'))).toBeNull();
    const unsorted = hex('0200000003000000030001000200');
    expect(IntSet.fromBytes(unsorted)).toBeNull();
    const shallow = IntSet.fromBytes(unsorted, false)!;
    expect(shallow.length).toBe(3);
    expect(typeof shallow.has(2)).toBe('boolean');
    shallow.add(9);
    expect(shallow.length).toBeGreaterThanOrEqual(3);
  });

  test('fuzz: random and mutated bytes never throw and agree with a reference check', () => {
    const rand = xorshift(7);
    const reference = (b: Uint8Array): boolean => {
      if (b.length < 8) return false;
      const dv = new DataView(b.buffer, b.byteOffset, b.length);
      const enc = dv.getUint32(0, true);
      if (enc !== 2 && enc !== 4 && enc !== 8) return false;
      const n = dv.getUint32(4, true);
      if (n === 0 || 8 + n * enc !== b.length) return false;
      let prev: bigint | null = null;
      for (let i = 0; i < n; i++) {
        const p = 8 + i * enc;
        const v = enc === 2 ? BigInt(dv.getInt16(p, true)) : enc === 4 ? BigInt(dv.getInt32(p, true)) : dv.getBigInt64(p, true);
        if (prev !== null && v <= prev) return false;
        prev = v;
      }
      return true;
    };
    const seeds = DUMPS.map(([, ops]) => run(ops).bytes().slice());
    let valid = 0;
    for (let i = 0; i < 5000; i++) {
      let b: Uint8Array;
      if (i % 3 === 0) {
        b = new Uint8Array(rand() % 40);
        for (let k = 0; k < b.length; k++) b[k] = rand() & 0xff;
        if (b.length >= 8 && rand() % 2) b.set([2 << (rand() % 3), 0, 0, 0, (b.length - 8) >> (1 + (rand() % 3)), 0, 0, 0]);
      } else {
        b = seeds[rand() % seeds.length]!.slice();
        if (i % 3 === 1) b[rand() % b.length] ^= 1 << (rand() % 8);
        else b = b.subarray(0, rand() % (b.length + 1));
      }
      const r = intsetValidate(b);
      expect(r).toBe(reference(b));
      if (r) valid++;
    }
    expect(valid).toBeGreaterThan(100);
  });
});

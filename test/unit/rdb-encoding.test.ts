// RDB encoding primitives (src/store/rdb-encoding.ts): Redis's crc64 check value, the length and
// string encodings round trip through the reader with the widths Redis uses, and the DUMP footer
// is verified. Byte equality with redis-server's own payloads is test/interop/functions-dump.test.ts.
import { describe, expect, test } from 'vitest';
import { crc64, RdbReader, RdbWriter, verifyDumpPayload } from '../../src/store/rdb-encoding.ts';

describe('rdb encoding', () => {
  test("crc64 gives Redis's check value", () => {
    // Redis's crc64.c self-test: crc64(0, "123456789") == 0xe9c6d914c4b8d9ca.
    expect(crc64(Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
    expect(crc64(Buffer.from('456789'), crc64(Buffer.from('123')))).toBe(0xe9c6d914c4b8d9can);
    expect(crc64(Buffer.alloc(0))).toBe(0n);
  });

  test('lengths use 1, 2, 5 and 9 bytes', () => {
    for (const [n, width] of [
      [0, 1],
      [63, 1],
      [64, 2],
      [16383, 2],
      [16384, 5],
      [0xffffffff, 5],
      [0x100000000, 9],
    ]) {
      const w = new RdbWriter();
      w.length(n);
      expect(w.len, `length ${n}`).toBe(width);
      expect(new RdbReader(w.bytes()).length()).toBe(n);
    }
  });

  test('strings: integer, LZF and plain encodings round trip', () => {
    const cases: [string, boolean, number][] = [
      ['12', true, 0xc0],
      ['-128', true, 0xc0],
      ['300', true, 0xc1],
      ['-32769', true, 0xc2],
      ['2147483647', true, 0xc2],
      ['2147483648', true, 10],
      ['012', true, 3],
      ['short', true, 5],
      ['a'.repeat(100), true, 0xc3],
      ['a'.repeat(100), false, 0x40],
      ['abcdefghijklmnopqrstuvwxyz', true, 26],
    ];
    for (const [s, compress, first] of cases) {
      const w = new RdbWriter();
      w.string(Buffer.from(s), compress);
      expect(w.bytes()[0], s).toBe(first);
      const r = new RdbReader(w.bytes());
      expect(Buffer.from(r.string() as Uint8Array).toString(), s).toBe(s);
      expect(r.done).toBe(true);
    }
  });

  test('the DUMP footer is checked', () => {
    const w = new RdbWriter();
    w.byte(245);
    w.string(Buffer.from('x'), true);
    w.footer();
    const p = Buffer.from(w.bytes());
    expect(Buffer.from(verifyDumpPayload(p) as Uint8Array)).toEqual(p.subarray(0, p.length - 10));
    const bad = Buffer.from(p);
    bad[1] ^= 1;
    expect(verifyDumpPayload(bad)).toBeNull();
    const newer = Buffer.from(p);
    newer.writeUInt16LE(11, p.length - 10);
    expect(verifyDumpPayload(newer)).toBeNull();
    expect(verifyDumpPayload(Buffer.alloc(9))).toBeNull();
    expect(new RdbReader(Buffer.from([0xc3, 5])).string()).toBeNull();
  });
});

// The native addon against the TypeScript twins: CRC16 key slots (every {tag} shape, empty and
// binary keys, keys inside a bigger buffer) and listpack validation verdicts on valid, truncated
// and corrupted listpacks. Skips without the addon unless SPINDLE_REQUIRE_NATIVE=1.
import { describe, expect, it } from 'vitest';
import {
  LP_HDR_SIZE, lpAppend, lpAppendInteger, lpBytes, lpFind, lpFirst, lpGetBytes, lpNew, lpNext, lpValidate, lpView,
} from '../../src/store/listpack.ts';
import { crc16, keyHashSlot } from '../../src/util/crc16.ts';
import { REQUIRE_NATIVE, Rng, addon, requireNativeCheck } from '../helpers/native.ts';

const n = addon;
requireNativeCheck();

/** The TypeScript verdict (an entry callback keeps lpValidate off the native branch). */
const tsValidate = (b: Uint8Array, size: number): boolean => lpValidate(b, size, () => true);

describe.skipIf(n === null && !REQUIRE_NATIVE)('native CRC16 key slots', () => {
  it('known values', () => {
    const a = n!;
    const enc = (s: string) => Buffer.from(s, 'latin1');
    expect(a.crc16(enc('123456789'), 0, 9)).toBe(0x31c3);
    for (const [k, slot] of [['foo', 12182], ['{user1000}.following', 3443], ['', 0], ['{}', 15257], ['{{a}}', keyHashSlot(enc('{{a}}'))]] as const) {
      expect(a.keySlot(enc(k), 0, k.length)).toBe(slot);
      expect(keyHashSlot(enc(k))).toBe(slot);
    }
  });

  it('every {tag} shape and binary keys give the TypeScript slot (20000 keys)', () => {
    const a = n!;
    const rng = new Rng(0x5eed16);
    const alphabet = [0x7b, 0x7d, 0x61, 0x62, 0x00, 0xff];
    for (let i = 0; i < 20000; i++) {
      const len = rng.int(i % 10 === 0 ? 300 : 24);
      const pad = rng.int(8);
      const buf = new Uint8Array(pad + len + rng.int(8));
      for (let j = 0; j < buf.length; j++) buf[j] = rng.int(3) === 0 ? rng.next() & 0xff : alphabet[rng.int(alphabet.length)];
      expect(a.keySlot(buf, pad, len)).toBe(keyHashSlot(buf, pad, len));
      expect(a.crc16(buf, pad, len)).toBe(crc16(buf, pad, pad + len));
    }
  });

  it('rejects ranges outside the buffer and wrong argument types', () => {
    const a = n!;
    const b = new Uint8Array(10);
    expect(() => a.keySlot(b, 5, 6)).toThrow(RangeError);
    expect(() => a.keySlot(b, 11, 0)).toThrow(RangeError);
    expect(() => a.keySlot(b, -1, 2)).toThrow(RangeError);
    expect(() => a.keySlot(b, 1.5, 2)).toThrow(RangeError);
    expect(() => a.keySlot(new Int32Array(4) as unknown as Uint8Array, 0, 1)).toThrow();
    expect(a.keySlot(b, 10, 0)).toBe(0);
  });
});

/** A random valid listpack: strings around the 63/4095 length boundaries, ints of every width. */
function randomListpack(rng: Rng): Uint8Array {
  let lp = lpNew(16);
  const count = rng.int(6) === 0 ? rng.int(300) : rng.int(20);
  const lens = [0, 1, 12, 63, 64, 127, 128, 4095, 4096, 5000];
  const ints = [0, 127, 128, -1, 4095, -4096, 4096, 32767, -32768, 8388607, -8388608, 2147483647, -2147483648, 2 ** 40, -(2 ** 52), 9223372036854775807n, -9223372036854775808n];
  for (let i = 0; i < count; i++) {
    const k = rng.int(4);
    if (k === 0) lp = lpAppendInteger(lp, ints[rng.int(ints.length)]);
    else if (k === 1) lp = lpAppendInteger(lp, (rng.next() | 0) >> rng.int(31));
    else {
      const len = rng.int(8) === 0 ? lens[rng.int(lens.length)] : rng.int(20);
      lp = lpAppend(lp, rng.bytes(len));
    }
  }
  return lpView(lp).slice();
}

describe.skipIf(n === null && !REQUIRE_NATIVE)('native listpack validation', () => {
  it('valid listpacks: both say valid (2000 listpacks)', () => {
    const a = n!;
    const rng = new Rng(0x1157);
    for (let i = 0; i < 2000; i++) {
      const lp = randomListpack(rng);
      expect(tsValidate(lp, lp.length)).toBe(true);
      expect(a.lpValidate(lp, lp.length)).toBe(true);
      expect(lpValidate(lp)).toBe(true); // the wired path
    }
  });

  it('truncated, corrupted and random listpacks: identical verdicts (30000 cases)', () => {
    const a = n!;
    const rng = new Rng(0xbad1157);
    let rejected = 0;
    for (let i = 0; i < 30000; i++) {
      const base = randomListpack(rng);
      let b = base.slice();
      let size = b.length;
      switch (rng.int(7)) {
        case 0: // truncated, header left alone
          size = rng.int(b.length + 1);
          break;
        case 1: {
          // truncated, header total and terminator rewritten to match
          size = LP_HDR_SIZE + 1 + rng.int(Math.max(1, b.length - LP_HDR_SIZE));
          if (size > b.length) size = b.length;
          b[0] = size & 0xff;
          b[1] = (size >>> 8) & 0xff;
          b[2] = (size >>> 16) & 0xff;
          b[3] = size >>> 24;
          b[size - 1] = 0xff;
          break;
        }
        case 2: // a few random byte flips
          for (let k = 1 + rng.int(3); k > 0; k--) b[rng.int(b.length)] = rng.next() & 0xff;
          break;
        case 3: // flips in the entry bytes only (keeps the header valid)
          if (b.length > LP_HDR_SIZE + 1) b[LP_HDR_SIZE + rng.int(b.length - LP_HDR_SIZE - 1)] ^= 1 << rng.int(8);
          break;
        case 4: // wrong count
          b[4] = rng.next() & 0xff;
          b[5] = rng.int(4) === 0 ? 0xff : 0;
          break;
        case 5: {
          // random entry bytes in a valid frame
          const len = LP_HDR_SIZE + 1 + rng.int(40);
          b = rng.bytes(len);
          b[0] = len;
          b[1] = b[2] = b[3] = 0;
          b[len - 1] = 0xff;
          if (rng.int(2) === 0) b[4] = b[5] = 0xff;
          size = len;
          break;
        }
        default: // the size argument smaller than the buffer
          if (size > 0) size -= rng.int(Math.min(size, 4));
      }
      const want = tsValidate(b, size);
      const got = a.lpValidate(b, size);
      if (got !== want) throw new Error(`case ${i}: native ${got}, TS ${want}, bytes ${Buffer.from(b.subarray(0, size)).toString('hex')}`);
      if (!want) rejected++;
    }
    expect(rejected).toBeGreaterThan(10000);
  });

  it('lpFind (measured, not wired): same offsets as the TypeScript find (20000 lookups)', () => {
    const a = n!;
    const rng = new Rng(0xf1d);
    for (let i = 0; i < 2000; i++) {
      const lp = randomListpack(rng);
      const offsets: number[] = [];
      for (let p = lpFirst(lp); p !== -1; p = lpNext(lp, p)) offsets.push(p);
      for (let k = 0; k < 10; k++) {
        let needle: Uint8Array;
        const pick = rng.int(4);
        if (pick < 2 && offsets.length > 0) needle = lpGetBytes(lp, offsets[rng.int(offsets.length)]);
        else if (pick === 2) needle = Buffer.from(String((rng.next() | 0) >> rng.int(31)));
        else needle = rng.bytes(rng.int(6));
        const start = offsets.length > 0 && rng.int(3) === 0 ? offsets[rng.int(offsets.length)] : lpFirst(lp);
        const skip = rng.int(3);
        const buf = new Uint8Array(needle.length + 4);
        buf.set(needle, 2);
        expect(a.lpFind(lp, start, buf, 2, needle.length, skip)).toBe(lpFind(lp, start, buf, 2, needle.length, skip));
      }
    }
  });

  it('a size past the buffer is rejected, never read', () => {
    const a = n!;
    const lp = lpView(lpAppend(lpNew(), new Uint8Array(3))).slice();
    expect(a.lpValidate(lp, lp.length + 1)).toBe(false);
    expect(a.lpValidate(lp.subarray(0, 3), 3)).toBe(false);
    expect(lpBytes(lp)).toBe(lp.length);
  });
});

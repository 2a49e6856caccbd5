/*
 * Argv: the arguments of one command as (offset, length) pairs into a byte buffer.
 *
 * The parser fills it without creating a JS string or a Buffer per argument; handlers read
 * arguments through these accessors. The backing bytes are only valid during the handler call:
 * anything kept must be copied (the keyspace copies values into its arena).
 */

import { parseLongLong } from '../util/numbers.ts';

export class Argv {
  buf: Uint8Array = new Uint8Array(0);
  off: Int32Array = new Int32Array(16);
  len: Int32Array = new Int32Array(16);
  argc = 0;
  /** Set by decodeCommand when an I/O worker hashed argument 1 (hashBytes): keyHash is it. */
  keyHashed = false;
  keyHash = 0;

  ensure(n: number): void {
    if (n <= this.off.length) return;
    let cap = this.off.length;
    while (cap < n) cap *= 2;
    const off = new Int32Array(cap);
    off.set(this.off);
    const len = new Int32Array(cap);
    len.set(this.len);
    this.off = off;
    this.len = len;
  }

  /** Sets the arguments from JS values (tests, scripts, internal calls). */
  setFrom(args: Array<string | Uint8Array>): this {
    const parts = args.map((a) => (typeof a === 'string' ? Buffer.from(a, 'latin1') : a));
    let total = 0;
    for (const p of parts) total += p.length;
    const buf = Buffer.allocUnsafe(total);
    this.ensure(parts.length);
    let pos = 0;
    for (let i = 0; i < parts.length; i++) {
      buf.set(parts[i], pos);
      this.off[i] = pos;
      this.len[i] = parts[i].length;
      pos += parts[i].length;
    }
    this.buf = buf;
    this.argc = parts.length;
    return this;
  }

  /** A copy of argument i as a Buffer (safe to keep). */
  copy(i: number): Buffer {
    const o = this.off[i];
    return Buffer.from(this.buf.subarray(o, o + this.len[i]));
  }

  /** A view of argument i (valid only during the call). */
  view(i: number): Uint8Array {
    const o = this.off[i];
    return this.buf.subarray(o, o + this.len[i]);
  }

  /** Argument i as a latin1 string (bytes map 1:1 to chars; for option names and messages). */
  str(i: number): string {
    const o = this.off[i];
    const b = this.buf;
    const n = this.len[i];
    if (n < 32) {
      let s = '';
      for (let k = 0; k < n; k++) s += String.fromCharCode(b[o + k]);
      return s;
    }
    return Buffer.from(b.buffer, b.byteOffset + o, n).toString('latin1');
  }

  /** Lower-cased latin1 string of argument i (command and option names). */
  lower(i: number): string {
    return this.str(i).toLowerCase();
  }

  /** Case-insensitive comparison with a lower-case ASCII word. */
  is(i: number, lowerWord: string): boolean {
    const n = this.len[i];
    if (n !== lowerWord.length) return false;
    const b = this.buf;
    const o = this.off[i];
    for (let k = 0; k < n; k++) {
      let c = b[o + k];
      if (c >= 65 && c <= 90) c |= 0x20;
      if (c !== lowerWord.charCodeAt(k)) return false;
    }
    return true;
  }

  /**
   * Argument i as a Redis long long (string2ll rules): NaN when it is not an int64; beyond the
   * safe-integer range, the nearest double (use parseInt64 for the exact value).
   */
  int(i: number): number {
    return parseLongLong(this.buf, this.off[i], this.len[i]);
  }
}

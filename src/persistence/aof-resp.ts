/*
 * RespBuf: a growable byte buffer that AOF text is built in, as RESP multibulk commands
 * ("*<argc>\r\n" then "$<len>\r\n<bytes>\r\n" per argument) and "#TS:<unix>\r\n" annotations.
 * One buffer reused for the life of the writer: appending allocates only when it must grow.
 */
import { formatInt64 } from '../util/numbers.ts';
import type { Argv } from '../protocol/argv.ts';
import type { PropagatedOp } from '../server/propagation.ts';

export class RespBuf {
  buf: Buffer;
  len = 0;

  constructor(capacity = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }

  private header(type: number, n: number): void {
    this.ensure(24);
    const b = this.buf;
    b[this.len++] = type;
    this.len = formatInt64(n, b, this.len);
    b[this.len++] = 13;
    b[this.len++] = 10;
  }

  /** "*argc\r\n". */
  arrayHeader(argc: number): void {
    this.header(0x2a, argc);
  }

  /** One bulk argument from b[o, o+n). */
  bulk(b: Uint8Array, o = 0, n = b.length - o): void {
    this.header(0x24, n);
    this.ensure(n + 2);
    const dst = this.buf;
    if (n <= 32) {
      // Short arguments (keys, small values): a byte loop beats making a subarray view.
      let p = this.len;
      for (let i = 0; i < n; i++) dst[p++] = b[o + i];
    } else {
      dst.set(n === b.length && o === 0 ? b : b.subarray(o, o + n), this.len);
    }
    this.len += n;
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  /** One bulk argument from a latin1 string. */
  bulkStr(s: string): void {
    this.header(0x24, s.length);
    this.ensure(s.length + 2);
    this.len += this.buf.write(s, this.len, 'latin1');
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  /** A whole command whose arguments are byte arrays. */
  command(argv: readonly Uint8Array[]): void {
    this.arrayHeader(argv.length);
    for (const a of argv) this.bulk(a);
  }

  /** A whole command from parsed arguments (no copy of them first). */
  argvCommand(a: Argv): void {
    const n = a.argc;
    this.arrayHeader(n);
    for (let i = 0; i < n; i++) this.bulk(a.buf, a.off[i], a.len[i]);
  }

  /** A propagated op, whichever form it came in. */
  op(op: PropagatedOp): void {
    if (op.raw !== null) this.argvCommand(op.raw);
    else this.command(op.argv as Uint8Array[]);
  }

  /** A whole command of latin1 strings. */
  commandStr(...argv: string[]): void {
    this.arrayHeader(argv.length);
    for (const a of argv) this.bulkStr(a);
  }

  /** Raw bytes (copied). */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /**
   * The bytes so far, owned by the caller (for a socket write), and an empty buffer: a small
   * content is copied out (pooled), a big one handed over with a new buffer in its place.
   */
  take(): Buffer {
    let out: Buffer;
    if (this.len <= 64 * 1024) out = Buffer.from(this.view());
    else {
      out = this.view();
      this.buf = Buffer.allocUnsafe(64 * 1024);
    }
    this.len = 0;
    return out;
  }

  /** Raw text (annotations). */
  text(s: string): void {
    this.ensure(s.length);
    this.len += this.buf.write(s, this.len, 'latin1');
  }

  /** The bytes so far (a view: valid until the next append or reset). */
  view(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  reset(): void {
    this.len = 0;
    // Give back a buffer that grew big for one burst.
    if (this.buf.length > 4 * 1024 * 1024) this.buf = Buffer.allocUnsafe(64 * 1024);
  }
}

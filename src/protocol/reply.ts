/*
 * ReplyWriter: RESP2/RESP3 reply bytes appended to a shared slab.
 *
 * One writer serves every client of a thread, because commands run one at a time. A client's
 * replies accumulate from `mark` to `pos`; take() hands that range out as a subarray of the slab
 * (no copy) for socket.write, and the slab is never written below `pos` again. When a reply does
 * not fit, a new slab is allocated and only the client's pending bytes move with it; the old slab
 * is freed by the GC once the socket has written it. A reply bigger than the default slab gets a
 * slab of its own size. Nothing here allocates per reply.
 */

import { formatInt64 } from '../util/numbers.ts';

const SLAB = 256 * 1024;

const digitsCache: Uint8Array[] = [];
for (let i = 0; i < 1024; i++) digitsCache.push(Buffer.from(String(i), 'latin1'));

export class ReplyWriter {
  buf: Buffer = Buffer.allocUnsafe(SLAB);
  pos = 0;
  /** Start of the bytes not yet taken. */
  mark = 0;
  /** Protocol of the client being served: 2 or 3. */
  resp = 2;
  /** Counts error replies (INFO errorstats); set by the server. */
  onError: ((text: string) => void) | null = null;
  /** Set when the last reply was an error (failed_calls in commandstats). */
  errored = false;

  /** Bytes written since the last take(). */
  get pending(): number {
    return this.pos - this.mark;
  }

  /** Returns the pending bytes and starts a new range. The slab is never written below them. */
  take(): Buffer {
    const out = this.buf.subarray(this.mark, this.pos);
    this.mark = this.pos;
    return out;
  }

  /** Drops the pending bytes (a client with CLIENT REPLY OFF, or one that went away). */
  discard(): void {
    this.pos = this.mark;
  }

  /** Makes room for n more bytes. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const pending = this.pos - this.mark;
    // Grow geometrically: a huge reply written piece by piece is copied O(log n) times.
    const size = Math.max(SLAB, 2 * (pending + n));
    const nb = Buffer.allocUnsafe(size);
    if (pending > 0) this.buf.copy(nb, 0, this.mark, this.pos);
    this.buf = nb;
    this.mark = 0;
    this.pos = pending;
  }

  private byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  private crlf(): void {
    const b = this.buf;
    b[this.pos++] = 13;
    b[this.pos++] = 10;
  }

  /** Writes an integer's decimal digits (small ones from a table). */
  private digits(n: number): void {
    if (n >= 0 && n < 1024) {
      const d = digitsCache[n];
      const b = this.buf;
      for (let i = 0; i < d.length; i++) b[this.pos++] = d[i];
      return;
    }
    this.pos = formatInt64(n, this.buf, this.pos);
  }

  private ascii(s: string): void {
    const b = this.buf;
    for (let i = 0; i < s.length; i++) b[this.pos++] = s.charCodeAt(i);
  }

  private header(prefix: number, n: number): void {
    this.reserve(24);
    this.byte(prefix);
    this.digits(n);
    this.crlf();
  }

  /** +OK and other status replies (ASCII, no CR/LF). */
  simple(s: string): void {
    this.reserve(s.length + 3);
    this.byte(43);
    this.ascii(s);
    this.crlf();
  }

  ok(): void {
    this.simple('OK');
  }

  /**
   * An error reply. `text` includes the code ("ERR ...", "WRONGTYPE ..."); newlines are replaced
   * by spaces, as Redis does, so the reply stays one line.
   */
  error(text: string): void {
    this.errored = true;
    if (this.onError !== null) this.onError(text);
    this.rawError(text);
  }

  /** Writes an error without counting it (errors relayed inside EXEC or scripts). */
  rawError(text: string): void {
    let s = text;
    if (s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0) s = s.replace(/[\r\n]/g, ' ');
    const bytes = Buffer.from(s, 'latin1');
    this.reserve(bytes.length + 3);
    this.byte(45);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    this.crlf();
  }

  integer(n: number): void {
    this.reserve(24);
    this.byte(58);
    this.digits(n);
    this.crlf();
  }

  bigInteger(n: bigint): void {
    this.simpleLine(58, n.toString());
  }

  private simpleLine(prefix: number, s: string): void {
    this.reserve(s.length + 3);
    this.byte(prefix);
    this.ascii(s);
    this.crlf();
  }

  /** Bulk string from bytes b[o, o+n). */
  bulk(b: Uint8Array, o: number, n: number): void {
    this.reserve(n + 24);
    this.byte(36);
    this.digits(n);
    this.crlf();
    const buf = this.buf;
    if (n < 64) {
      let p = this.pos;
      for (let i = 0; i < n; i++) buf[p++] = b[o + i];
    } else {
      buf.set(b.subarray(o, o + n), this.pos);
    }
    this.pos += n;
    this.crlf();
  }

  bulkBytes(b: Uint8Array): void {
    this.bulk(b, 0, b.length);
  }

  /** Bulk string from a latin1 JS string (each char one byte). */
  bulkString(s: string): void {
    const n = s.length;
    this.reserve(n + 24);
    this.byte(36);
    this.digits(n);
    this.crlf();
    if (n < 64) this.ascii(s);
    else this.pos += this.buf.write(s, this.pos, n, 'latin1');
    this.crlf();
  }

  /** Bulk string from UTF-8 text (INFO, CLIENT LIST, help lines). */
  bulkText(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.reserve(n + 24);
    this.byte(36);
    this.digits(n);
    this.crlf();
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
    this.crlf();
  }

  /** RESP3 verbatim string ("txt"), bulk in RESP2. */
  verbatim(s: string, format = 'txt'): void {
    if (this.resp === 2) return this.bulkText(s);
    const n = Buffer.byteLength(s, 'utf8') + 4;
    this.reserve(n + 24);
    this.byte(61);
    this.digits(n);
    this.crlf();
    this.ascii(format);
    this.byte(58);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    this.crlf();
  }

  /** Null bulk ($-1) in RESP2, null (_) in RESP3. */
  nullBulk(): void {
    this.reserve(5);
    if (this.resp === 2) {
      this.byte(36);
      this.byte(45);
      this.byte(49);
    } else this.byte(95);
    this.crlf();
  }

  /** Null array (*-1) in RESP2, null (_) in RESP3. */
  nullArray(): void {
    this.reserve(5);
    if (this.resp === 2) {
      this.byte(42);
      this.byte(45);
      this.byte(49);
    } else this.byte(95);
    this.crlf();
  }

  arrayHeader(n: number): void {
    this.header(42, n);
  }

  /** Map of n pairs: %n in RESP3, *2n in RESP2. */
  mapHeader(n: number): void {
    if (this.resp === 2) this.header(42, n * 2);
    else this.header(37, n);
  }

  /** Set of n elements: ~n in RESP3, *n in RESP2. */
  setHeader(n: number): void {
    this.header(this.resp === 2 ? 42 : 126, n);
  }

  pushHeader(n: number): void {
    this.header(this.resp === 2 ? 42 : 62, n);
  }

  /** Boolean: #t/#f in RESP3, :1/:0 in RESP2. */
  bool(v: boolean): void {
    if (this.resp === 2) return this.integer(v ? 1 : 0);
    this.reserve(4);
    this.byte(35);
    this.byte(v ? 116 : 102);
    this.crlf();
  }

  /** A double: ,d in RESP3, bulk string in RESP2. `text` is Redis's formatting of it. */
  double(text: string): void {
    if (this.resp === 2) return this.bulkString(text);
    this.simpleLine(44, text);
  }

  /** Raw protocol bytes (already encoded). */
  raw(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}


/*
 * The replication backlog: a circular buffer holding the last `size` bytes of the replication
 * stream, so a replica that reconnects can continue from its offset (partial resynchronisation)
 * instead of loading a whole new snapshot.
 *
 * Offsets are those of the stream (master_repl_offset counts every byte ever fed): the buffer
 * holds bytes [firstByteOffset, firstByteOffset + histlen), with firstByteOffset 1-based as in
 * Redis's INFO (repl_backlog_first_byte_offset = master_repl_offset - histlen + 1).
 */

export class Backlog {
  private buf: Buffer;
  /** Where the next byte goes. */
  private idx = 0;
  histlen = 0;
  /** The stream offset of the first byte held (1-based; master_repl_offset + 1 when empty). */
  firstByteOffset: number;

  constructor(size: number, offset: number) {
    this.buf = Buffer.allocUnsafe(Math.max(16, size));
    this.firstByteOffset = offset + 1;
  }

  get size(): number {
    return this.buf.length;
  }

  /** Appends stream bytes (the caller has already counted them in its offset). */
  append(b: Uint8Array): void {
    const cap = this.buf.length;
    const total = b.length;
    // Only the last `cap` bytes can be kept.
    const src = total > cap ? b.subarray(total - cap) : b;
    const first = Math.min(src.length, cap - this.idx);
    this.buf.set(src.subarray(0, first), this.idx);
    if (first < src.length) this.buf.set(src.subarray(first), 0);
    this.idx = (this.idx + src.length) % cap;
    // firstByteOffset + histlen stays one past the stream's end.
    const hist = Math.min(cap, this.histlen + total);
    this.firstByteOffset += this.histlen + total - hist;
    this.histlen = hist;
  }

  /** True when the stream from `offset` (the first byte wanted) up to the end is held. */
  has(offset: number): boolean {
    return offset >= this.firstByteOffset && offset <= this.firstByteOffset + this.histlen;
  }

  /** The bytes from stream offset `offset` to the end (has(offset) must be true). */
  from(offset: number): Buffer {
    const skip = offset - this.firstByteOffset;
    const n = this.histlen - skip;
    const out = Buffer.allocUnsafe(n);
    const cap = this.buf.length;
    const start = (this.idx - this.histlen + skip + cap * 2) % cap;
    const first = Math.min(n, cap - start);
    this.buf.copy(out, 0, start, start + first);
    if (first < n) this.buf.copy(out, first, 0, n - first);
    return out;
  }

  /** repl-backlog-size changed: keeps the newest bytes that fit. */
  resize(size: number): void {
    const keep = this.from(this.firstByteOffset + Math.max(0, this.histlen - size));
    const end = this.firstByteOffset + this.histlen;
    this.buf = Buffer.allocUnsafe(Math.max(16, size));
    this.idx = 0;
    this.histlen = 0;
    this.firstByteOffset = end - keep.length;
    this.append(keep);
    this.firstByteOffset = end - keep.length;
  }
}

/*
 * Sequential file writes on the thread pool (BGSAVE's file): chunks are copied into a queue and
 * written one after another with fs.write, so a slow disk never blocks the event loop (Redis's
 * fork child writes off the main thread too). `backlog` tells the snapshot how many bytes wait,
 * so it can pause its slices (backpressure); the first write error is kept and thrown by the
 * next write (failing the snapshot) and reported by drained().
 */
import { write } from 'node:fs';

export class AsyncFileWriter {
  private readonly fd: number;
  private queue: Buffer[] = [];
  private writing = false;
  private waiters: (() => void)[] = [];
  /** Bytes queued and not written yet. */
  backlog = 0;
  error: Error | null = null;

  constructor(fd: number) {
    this.fd = fd;
  }

  /** Queues a copy of chunk (which may be reused by the caller afterwards). */
  write(chunk: Uint8Array): void {
    if (this.error !== null) throw this.error;
    const b = Buffer.from(chunk);
    this.queue.push(b);
    this.backlog += b.length;
    if (!this.writing) this.next();
  }

  private next(): void {
    const b = this.queue.shift();
    if (b === undefined) {
      this.writing = false;
      for (const w of this.waiters.splice(0)) w();
      return;
    }
    this.writing = true;
    this.writeFrom(b, 0);
  }

  private writeFrom(b: Buffer, off: number): void {
    write(this.fd, b, off, b.length - off, null, (err, n) => {
      if (err !== null) {
        this.error = err;
        this.queue = [];
        this.backlog = 0;
        this.writing = false;
        for (const w of this.waiters.splice(0)) w();
        return;
      }
      if (off + n < b.length) {
        this.writeFrom(b, off + n);
        return;
      }
      this.backlog -= b.length;
      this.next();
    });
  }

  /** Calls cb once every queued byte is written, or a write failed (see `error`). */
  drained(cb: () => void): void {
    if (!this.writing && this.queue.length === 0) cb();
    else this.waiters.push(cb);
  }
}

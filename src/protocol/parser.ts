/*
 * Incremental RESP request parser (multibulk and inline), one per client.
 *
 * Why it is shaped this way: the common case is a read that holds several complete commands.
 * Those are parsed straight out of the socket chunk, arguments recorded as (offset, length) into
 * it, and handed to the sink one by one with no copy and no allocation. Only the bytes of a
 * command that is still incomplete at the end of a read are copied into the client's query
 * buffer, and parsing resumes there with its state (arguments left, current bulk length) instead
 * of starting over, so a huge multibulk arriving in many reads is parsed in linear time. When a
 * bulk header announces a big payload the query buffer is sized for the whole command at once:
 * every payload byte is copied at most once.
 *
 * Errors follow Redis 7.0's networking.c texts; after a protocol error the sink is told and
 * parsing stops (the server replies and closes the connection, as Redis does). A header line
 * (inline request, `*` count, `$` length) still without its terminator is checked against
 * Redis's PROTO_INLINE_MAX_SIZE (64 KiB) only when a read ends inside it, so the limit costs the
 * hot path nothing; the same parser runs on the main thread and in the I/O workers.
 */
import { Argv } from './argv.ts';

export const parserLimits = {
  /** proto-max-bulk-len */
  maxBulkLen: 512 * 1024 * 1024,
  /** client-query-buffer-limit */
  queryBufferLimit: 1024 * 1024 * 1024,
};

const INLINE_MAX = 64 * 1024;
const BIG_ARG = 32 * 1024;
const CR = 13;
const LF = 10;

export interface ParserSink {
  /** Runs one command. Returns false to stop parsing; the rest stays buffered for resume(). */
  onCommand(argv: Argv): boolean;
  onProtocolError(message: string): void;
  /** True while the client still has to authenticate (limits request sizes, as Redis does). */
  authRequired(): boolean;
}

export class RequestParser {
  readonly argv = new Argv();
  /** Bytes of unparsed input (an incomplete command or commands left while paused). */
  private qbuf: Buffer = EMPTY;
  private qlen = 0;
  /** Resumable state of the multibulk being parsed; mbLeft 0 means between commands. */
  private mbLeft = 0;
  private bulkLen = -1;
  /** Parse position inside qbuf while a command is in progress there. */
  private qpos = 0;
  private failed = false;

  /** Bytes of the input being parsed now (0 between reads): Redis's querybuf while it runs them. */
  private inFlight = 0;

  /** Bytes buffered and not yet executed. */
  get buffered(): number {
    return this.qlen;
  }

  /**
   * Redis's qbuf (sdslen(querybuf)) as a command sees it: while commands of a read run, the
   * query buffer still holds that whole read (Redis trims it after the batch); between reads,
   * what is buffered.
   */
  get queryBufferLength(): number {
    return this.inFlight !== 0 ? this.inFlight : this.qlen;
  }

  get bufferCapacity(): number {
    return this.qbuf.length;
  }

  /** Feeds bytes read from the socket. */
  feed(chunk: Uint8Array, sink: ParserSink): void {
    this.feedRange(chunk, 0, chunk.length, sink);
  }

  /** Feeds buf[off, off+n), bytes read from the socket (no view of them is made). */
  feedRange(buf: Uint8Array, off: number, n: number, sink: ParserSink): void {
    if (this.failed) return;
    if (this.qlen === 0) {
      this.inFlight = n;
      this.parse(buf, off, off + n, sink);
      this.inFlight = 0;
      return;
    }
    this.append(off === 0 && n === buf.length ? buf : buf.subarray(off, off + n));
    this.inFlight = this.qlen;
    this.parse(this.qbuf, this.qpos, this.qlen, sink);
    this.inFlight = 0;
  }

  /** Buffers bytes without parsing them (a client that is not consuming input right now). */
  hold(chunk: Uint8Array): void {
    if (this.failed) return;
    this.append(chunk);
  }

  /** Continues with buffered input after the sink stopped (an unblocked or unpaused client). */
  resume(sink: ParserSink): void {
    if (this.failed || this.qlen === 0) return;
    this.inFlight = this.qlen;
    this.parse(this.qbuf, this.qpos, this.qlen, sink);
    this.inFlight = 0;
  }

  /** Drops every buffered byte (client closed). */
  reset(): void {
    this.qbuf = EMPTY;
    this.qlen = 0;
    this.qpos = 0;
    this.mbLeft = 0;
    this.bulkLen = -1;
  }

  private append(chunk: Uint8Array): void {
    const need = this.qlen + chunk.length;
    if (need > this.qbuf.length) this.grow(need);
    this.qbuf.set(chunk, this.qlen);
    this.qlen = need;
  }

  private grow(need: number): void {
    let cap = Math.max(this.qbuf.length * 2, 1024);
    while (cap < need) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    if (this.qlen > 0) this.qbuf.copy(nb, 0, 0, this.qlen);
    this.qbuf = nb;
  }

  /**
   * Parses commands from buf[pos, end). `start` is where the current (possibly partial) command
   * began; when parsing stops, buf[start, end) is what must be kept.
   */
  private parse(buf: Uint8Array, pos: number, end: number, sink: ParserSink): void {
    const argv = this.argv;
    const inQbuf = buf === this.qbuf;
    let start = inQbuf ? 0 : pos; // a command in qbuf always starts at 0
    if (this.mbLeft === 0) start = pos;
    for (;;) {
      if (this.mbLeft === 0) {
        // Between commands.
        start = pos;
        if (pos >= end) break;
        if (buf[pos] !== 42 /* '*' */) {
          const r = this.parseInline(buf, pos, end, sink);
          if (r < 0) {
            if (this.failed) return; // nothing more to keep
            break; // incomplete
          }
          pos = r;
          if (argv.argc === 0) continue; // empty line
          argv.buf = this.inlineBuf;
          if (!sink.onCommand(argv)) {
            start = pos;
            break;
          }
          continue;
        }
        const nl = findCR(buf, pos + 1, end);
        if (nl < 0) {
          // No complete header line yet: only now is its length checked (off the hot path).
          if (end - pos > INLINE_MAX) return this.fail(sink, 'Protocol error: too big mbulk count string');
          break;
        }
        if (nl + 1 >= end) break; // the CR is the last byte: wait for the LF
        const n = parseLen(buf, pos + 1, nl);
        if (Number.isNaN(n) || n > 2147483647) return this.fail(sink, 'Protocol error: invalid multibulk length');
        if (n > 10 && sink.authRequired()) return this.fail(sink, 'Protocol error: unauthenticated multibulk length');
        pos = nl + 2;
        if (n <= 0) continue; // "*0" and "*-1" are ignored
        this.mbLeft = n;
        this.bulkLen = -1;
        argv.argc = 0;
        argv.ensure(Math.min(n, 1024));
      }
      // Inside a multibulk: read bulk headers and payloads.
      if (this.bulkLen < 0) {
        if (pos >= end) break;
        // Redis looks for the header's CR before it looks at the '$': a line that never ends
        // is "too big bulk count string" whatever its first byte.
        const nl = findCR(buf, pos, end);
        if (nl < 0) {
          if (end - pos > INLINE_MAX) return this.fail(sink, 'Protocol error: too big bulk count string');
          break;
        }
        if (nl + 1 >= end) break;
        if (buf[pos] !== 36 /* '$' */) {
          return this.fail(sink, `Protocol error: expected '$', got '${String.fromCharCode(buf[pos])}'`);
        }
        const n = parseLen(buf, pos + 1, nl);
        if (Number.isNaN(n) || n < 0 || n > parserLimits.maxBulkLen) {
          return this.fail(sink, 'Protocol error: invalid bulk length');
        }
        if (n > 16384 && sink.authRequired()) return this.fail(sink, 'Protocol error: unauthenticated bulk length');
        this.bulkLen = n;
        pos = nl + 2;
      }
      const blen = this.bulkLen;
      if (end - pos < blen + 2) {
        // Incomplete payload: make sure the query buffer can take the whole command at once.
        if (blen >= BIG_ARG) this.reserve = pos - start + blen + 2;
        break;
      }
      const i = argv.argc;
      if (i >= argv.off.length) argv.ensure(i + 1);
      argv.off[i] = pos;
      argv.len[i] = blen;
      argv.argc = i + 1;
      pos += blen + 2;
      this.bulkLen = -1;
      if (--this.mbLeft === 0) {
        if (argv.buf !== buf) argv.buf = buf; // skip the write barrier when unchanged
        if (!sink.onCommand(argv)) {
          start = pos;
          break;
        }
        if (this.failed) return;
      }
    }
    this.keep(buf, start, pos, end);
  }

  /** Bytes the query buffer should be able to hold for the command in progress. */
  private reserve = 0;

  /** Keeps buf[start, end) (the unparsed tail) in qbuf; parsing resumes at `pos`. */
  private keep(buf: Uint8Array, start: number, pos: number, end: number): void {
    const rest = end - start;
    if (rest === 0) {
      this.qlen = 0;
      this.qpos = 0;
      if (this.qbuf.length > 64 * 1024) this.qbuf = EMPTY; // give back big buffers
      this.reserve = 0;
      return;
    }
    const argv = this.argv;
    if (start > 0) {
      for (let i = 0; i < argv.argc; i++) argv.off[i] -= start;
    }
    const need = Math.max(rest, this.reserve);
    this.reserve = 0;
    if (buf === this.qbuf) {
      if (start > 0) this.qbuf.copyWithin(0, start, end);
      if (need > this.qbuf.length) {
        this.qlen = rest;
        this.grow(need);
      }
    } else {
      if (need > this.qbuf.length) {
        this.qlen = 0;
        this.grow(need);
      }
      this.qbuf.set(buf.subarray(start, end), 0);
    }
    this.qlen = rest;
    this.qpos = pos - start;
  }

  private fail(sink: ParserSink, message: string): void {
    this.failed = true;
    this.reset();
    sink.onProtocolError(message);
  }

  /**
   * The common inline line (`PING`, `GET key`): no quote, NUL, \v or \f, so the arguments are the
   * runs between spaces, tabs and CRs, as sdssplitargs would find them. argv then points into buf
   * itself, as for a multibulk command: no copy. False (argv untouched) for any other line.
   */
  private splitPlain(buf: Uint8Array, pos: number, end: number): boolean {
    for (let i = pos; i < end; i++) {
      const c = buf[i];
      if (c === 34 || c === 39 || c === 0 || c === 11 || c === 12) return false;
    }
    const argv = this.argv;
    let n = 0;
    let i = pos;
    for (;;) {
      while (i < end && (buf[i] === 32 || buf[i] === 9 || buf[i] === CR)) i++;
      if (i >= end) break;
      const from = i;
      while (i < end && buf[i] !== 32 && buf[i] !== 9 && buf[i] !== CR) i++;
      argv.ensure(n + 1);
      argv.off[n] = from;
      argv.len[n] = i - from;
      n++;
    }
    argv.argc = n;
    return true;
  }

  /** Buffer holding the arguments of the last inline command (buf itself when nothing was unescaped). */
  private inlineBuf: Uint8Array = EMPTY;

  /**
   * Parses one inline command line starting at pos. Returns the position after the line, or -1
   * when the line is incomplete (or after a protocol error). Sets argv.argc (0 for empty lines).
   */
  private parseInline(buf: Uint8Array, pos: number, end: number, sink: ParserSink): number {
    let nl = -1;
    for (let i = pos; i < end; i++) {
      const c = buf[i];
      if (c === LF) {
        nl = i;
        break;
      }
      if (c === 0) break; // strchr semantics, see findCR
    }
    if (nl < 0) {
      if (end - pos > INLINE_MAX) this.fail(sink, 'Protocol error: too big inline request');
      return -1;
    }
    let lineEnd = nl;
    if (lineEnd > pos && buf[lineEnd - 1] === CR) lineEnd--;
    if (this.splitPlain(buf, pos, lineEnd)) {
      this.inlineBuf = buf;
      return nl + 1;
    }
    const args = splitArgs(buf, pos, lineEnd);
    if (args === null) {
      this.fail(sink, 'Protocol error: unbalanced quotes in request');
      return -1;
    }
    const argv = this.argv;
    argv.ensure(args.length);
    let total = 0;
    for (const a of args) total += a.length;
    const ib = Buffer.allocUnsafe(total);
    let p = 0;
    for (let i = 0; i < args.length; i++) {
      ib.set(args[i], p);
      argv.off[i] = p;
      argv.len[i] = args[i].length;
      p += args[i].length;
    }
    argv.argc = args.length;
    this.inlineBuf = ib;
    return nl + 1;
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Position of the first CR in buf[from, end), or -1. A loop: headers are a few bytes long.
 *
 * A NUL byte ends the search with -1, as Redis's strchr() over its NUL-terminated query buffer
 * does: a header (or inline line) with a NUL before its terminator is never complete there, so
 * the client waits until the line passes 64 KiB and gets "too big ... count string" (or "too big
 * inline request"). We mirror that rather than parse what Redis would not.
 */
function findCR(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const c = buf[i];
    if (c === CR) return i;
    if (c === 0) return -1;
  }
  return -1;
}

/** Parses a length in a RESP header (string2ll rules). NaN when not an integer. */
function parseLen(b: Uint8Array, o: number, e: number): number {
  const n = e - o;
  if (n === 0 || n > 20) return NaN;
  let neg = false;
  let p = o;
  if (b[p] === 45) {
    neg = true;
    p++;
    if (p === e) return NaN;
  }
  if (b[p] === 48 && e - p > 1) return NaN;
  let v = 0;
  for (; p < e; p++) {
    const c = b[p] - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  if (v > 9223372036854775807) return NaN;
  return neg ? -v : v;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function hexVal(c: number): number {
  if (c <= 57) return c - 48;
  return (c | 0x20) - 87;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

/**
 * Splits a line into arguments with redis-cli / redis.conf quoting rules (sdssplitargs):
 * "double quotes" with \n \r \t \b \a \\ \" \xHH escapes, 'single quotes' with \' only; a closing
 * quote must be followed by a space or the end. Returns null on unbalanced quotes.
 */
export function splitArgs(b: Uint8Array, pos: number, end: number): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  let p = pos;
  for (;;) {
    while (p < end && isSpace(b[p])) p++;
    if (p >= end) return out;
    const cur: number[] = [];
    let inq = false; // double quotes
    let insq = false; // single quotes
    for (;;) {
      if (inq) {
        if (p >= end) return null;
        const c = b[p];
        if (c === 92 && p + 3 < end && b[p + 1] === 120 && isHex(b[p + 2]) && isHex(b[p + 3])) {
          cur.push(hexVal(b[p + 2]) * 16 + hexVal(b[p + 3]));
          p += 3;
        } else if (c === 92 && p + 1 < end) {
          p++;
          const e = b[p];
          cur.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
        } else if (c === 34) {
          if (p + 1 < end && !isSpace(b[p + 1])) return null;
          p++;
          break;
        } else {
          cur.push(c);
        }
      } else if (insq) {
        if (p >= end) return null;
        const c = b[p];
        if (c === 92 && p + 1 < end && b[p + 1] === 39) {
          p++;
          cur.push(39);
        } else if (c === 39) {
          if (p + 1 < end && !isSpace(b[p + 1])) return null;
          p++;
          break;
        } else {
          cur.push(c);
        }
      } else {
        if (p >= end) break;
        const c = b[p];
        if (isSpace(c)) {
          p++;
          break;
        }
        if (c === 34) inq = true;
        else if (c === 39) insq = true;
        else cur.push(c);
      }
      p++;
    }
    out.push(Uint8Array.from(cur));
  }
}

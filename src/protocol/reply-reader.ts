/*
 * Decodes reply bytes (RESP2 or RESP3, as the reply writer produced them) into values: what a
 * socketless client's caller needs when it wants values rather than bytes (Lua's redis.call
 * converting replies to Lua types, tests). Binary-safe: bulk strings stay bytes.
 *
 * Values keep the RESP type, because callers convert by type (Lua maps a status reply to a
 * table {ok=...} and an error to {err=...}, a RESP3 double to a number, a map to a table):
 *   status  { status: string }     error   { error: string }     integer  number | bigint
 *   bulk    Buffer | null          array   ReplyValue[] | null   map      { map: [k, v][] }
 *   set     { set: ReplyValue[] }  double  { double: number }    boolean  boolean
 *   big     { big: bigint }        verbatim { verbatim: Buffer, format: string }
 *   push    { push: ReplyValue[] } null (RESP3 `_`) null
 */

export type ReplyValue =
  | null | boolean | number | bigint | Buffer | ReplyValue[]
  | { status: string } | { error: string } | { map: [ReplyValue, ReplyValue][] } | { set: ReplyValue[] }
  | { double: number } | { big: bigint } | { verbatim: Buffer; format: string } | { push: ReplyValue[] };

/** Decodes every complete reply in buf, in order. Throws on malformed or truncated input. */
export function readReplies(buf: Uint8Array): ReplyValue[] {
  const r = new Reader(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  const out: ReplyValue[] = [];
  while (r.pos < r.buf.length) out.push(r.value());
  return out;
}

/**
 * The incremental entry point (a connection's reader, e.g. the sentinel's links): decodes the
 * complete replies at the start of buf and says how many bytes they used; a truncated last
 * reply is left for the next call. Throws on malformed input.
 */
export function readCompleteReplies(buf: Uint8Array): { values: ReplyValue[]; used: number } {
  const r = new Reader(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  const values: ReplyValue[] = [];
  let used = 0;
  while (r.pos < r.buf.length) {
    try {
      values.push(r.value());
    } catch (e) {
      if (e === TRUNCATED) break;
      throw e;
    }
    used = r.pos;
  }
  return { values, used };
}

const TRUNCATED = new Error('truncated reply');

/** Decodes the single reply in buf. */
export function readReply(buf: Uint8Array): ReplyValue {
  const all = readReplies(buf);
  if (all.length !== 1) throw new Error(`expected one reply, found ${all.length}`);
  return all[0];
}

class Reader {
  readonly buf: Buffer;
  pos = 0;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  private line(): string {
    const e = this.buf.indexOf('\r\n', this.pos, 'latin1');
    if (e < 0) throw TRUNCATED;
    const s = this.buf.toString('latin1', this.pos, e);
    this.pos = e + 2;
    return s;
  }

  private bytes(n: number): Buffer {
    if (this.pos + n + 2 > this.buf.length) throw TRUNCATED;
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n + 2;
    return b;
  }

  private many(n: number): ReplyValue[] {
    const out: ReplyValue[] = [];
    for (let i = 0; i < n; i++) out.push(this.value());
    return out;
  }

  value(): ReplyValue {
    if (this.pos >= this.buf.length) throw TRUNCATED;
    const type = String.fromCharCode(this.buf[this.pos++]);
    const l = this.line();
    switch (type) {
      case '+':
        return { status: l };
      case '-':
        return { error: l };
      case ':': {
        const n = Number(l);
        return Number.isSafeInteger(n) ? n : BigInt(l);
      }
      case '$':
        return l === '-1' ? null : this.bytes(Number(l));
      case '*':
        return l === '-1' ? null : this.many(Number(l));
      case '%': {
        const n = Number(l);
        const map: [ReplyValue, ReplyValue][] = [];
        for (let i = 0; i < n; i++) map.push([this.value(), this.value()]);
        return { map };
      }
      case '~':
        return { set: this.many(Number(l)) };
      case '>':
        return { push: this.many(Number(l)) };
      case '_':
        return null;
      case '#':
        return l === 't';
      case ',':
        return { double: l === 'inf' ? Infinity : l === '-inf' ? -Infinity : Number(l) };
      case '(':
        return { big: BigInt(l) };
      case '=': {
        const b = this.bytes(Number(l));
        return { verbatim: b.subarray(4), format: b.toString('latin1', 0, 3) };
      }
      default:
        throw new Error(`unknown reply type ${JSON.stringify(type)}`);
    }
  }
}

// A small RESP2/RESP3 decoder for tests that need the content of replies and pushed messages
// (test/integration/pubsub.test.ts, transactions.test.ts). Raw byte comparison against
// redis-server lives in the golden cases; this is for checking what arrived where.

import { scanReply } from './servers.ts';

export interface RespNode {
  /** The RESP type byte: + - : $ * > _ % ~ , # ( = */
  t: string;
  /** Scalars: the text (bulk strings as Buffer); aggregates: the elements; nulls: null. */
  v: string | Buffer | RespNode[] | null;
}

function parseAt(buf: Buffer, pos: number): { node: RespNode; end: number } {
  const t = String.fromCharCode(buf[pos]);
  const eol = buf.indexOf('\r\n', pos, 'latin1');
  const head = buf.toString('latin1', pos + 1, eol);
  const next = eol + 2;
  switch (t) {
    case '$':
    case '=': {
      const n = Number(head);
      if (n < 0) return { node: { t, v: null }, end: next };
      return { node: { t, v: Buffer.from(buf.subarray(next, next + n)) }, end: next + n + 2 };
    }
    case '*':
    case '>':
    case '~':
    case '%': {
      const n0 = Number(head);
      if (n0 < 0) return { node: { t, v: null }, end: next };
      const n = t === '%' ? n0 * 2 : n0;
      const items: RespNode[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parseAt(buf, p);
        items.push(r.node);
        p = r.end;
      }
      return { node: { t, v: items }, end: p };
    }
    case '_':
      return { node: { t, v: null }, end: next };
    default:
      return { node: { t, v: head }, end: next };
  }
}

/** Decodes one complete reply (as RawClient.readReply returns it). */
export function decode(buf: Buffer): RespNode {
  const { node, end } = parseAt(buf, 0);
  if (end !== buf.length) throw new Error(`trailing bytes after a reply: ${JSON.stringify(buf.toString('latin1'))}`);
  return node;
}

/** An aggregate's elements as latin1 strings (nested aggregates flattened, nulls as null). */
export function strs(node: RespNode): (string | null)[] {
  if (!Array.isArray(node.v)) return [node.v === null ? null : typeof node.v === 'string' ? node.v : node.v.toString('latin1')];
  return node.v.flatMap((n) => strs(n));
}

/** Splits a buffer holding several complete replies. */
export function splitReplies(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let p = 0;
  while (p < buf.length) {
    const end = scanReply(buf, p);
    if (end < 0) throw new Error('incomplete reply');
    out.push(buf.subarray(p, end));
    p = end;
  }
  return out;
}

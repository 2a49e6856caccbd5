/*
 * The values the sentinel's state machine reads from its links' replies: the shared reply
 * reader's values (src/protocol/reply-reader.ts) narrowed to what sentinel traffic carries,
 * which is text only, so bulk strings become JS strings and errors a RespError.
 */
import type { ReplyValue } from '../protocol/reply-reader.ts';

export class RespError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

export type RespValue = string | number | null | RespError | RespValue[];

/** One decoded reply as a RespValue (RESP3 maps flatten to arrays, push frames to their items). */
export function fromReply(v: ReplyValue): RespValue {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (Array.isArray(v)) return v.map(fromReply);
  if ('status' in v) return v.status;
  if ('error' in v) return new RespError(v.error);
  if ('push' in v) return v.push.map(fromReply);
  if ('set' in v) return v.set.map(fromReply);
  if ('map' in v) return v.map.flatMap(([k, x]) => [fromReply(k), fromReply(x)]);
  if ('double' in v) return v.double;
  if ('big' in v) return Number(v.big);
  return v.verbatim.toString('utf8');
}

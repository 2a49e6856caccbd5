/*
 * Stream IDs (t_stream.c's streamID): two unsigned 64-bit numbers, milliseconds and sequence.
 *
 * Here an ID is one bigint, ms * 2^64 + seq, so ordering is plain bigint comparison and
 * "the next ID" is id + 1n (a sequence overflow carries into the milliseconds exactly as
 * streamIncrID does). IDs are built per command, never one object per stored entry: the blocks
 * store them as listpack integer deltas (stream.ts).
 */

export const MASK64 = (1n << 64n) - 1n;
/** 0-0 and 18446744073709551615-18446744073709551615. */
export const ID_MIN = 0n;
export const ID_MAX = (1n << 128n) - 1n;

export function makeId(ms: bigint, seq: bigint): bigint {
  return (ms << 64n) | seq;
}

export function idMs(id: bigint): bigint {
  return id >> 64n;
}

export function idSeq(id: bigint): bigint {
  return id & MASK64;
}

/** "ms-seq" as Redis prints it. */
export function idString(id: bigint): string {
  return `${id >> 64n}-${id & MASK64}`;
}

/** Parses an unsigned decimal u64 in b[o, o+n) (string2ull: digits only), or -1n. */
export function parseU64(b: Uint8Array, o: number, n: number): bigint {
  if (n === 0 || n > 20) return -1n;
  // Fast path: up to 15 digits fit a double exactly.
  if (n <= 15) {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const d = b[o + i]! - 48;
      if (d < 0 || d > 9) return -1n;
      v = v * 10 + d;
    }
    return BigInt(v);
  }
  let v = 0n;
  for (let i = 0; i < n; i++) {
    const d = b[o + i]! - 48;
    if (d < 0 || d > 9) return -1n;
    v = v * 10n + BigInt(d);
  }
  return v > MASK64 ? -1n : v;
}

/** Result of parseStreamId: the ID, and whether the sequence was given / was `*`. */
export class ParsedId {
  id = 0n;
  seqGiven = true;
  seqAuto = false;
}

/**
 * Parses an ID argument (streamGenericParseIDOrReply): "-" / "+" (unless strict), "ms", "ms-seq",
 * and "ms-*" when seqAuto is allowed. missingSeq fills an omitted sequence. Returns false when the
 * text is not a valid ID.
 */
export function parseStreamId(
  b: Uint8Array,
  o: number,
  n: number,
  missingSeq: bigint,
  strict: boolean,
  allowAutoSeq: boolean,
  out: ParsedId,
): boolean {
  out.seqGiven = true;
  out.seqAuto = false;
  if (n > 127) return false;
  if (!strict && n === 1 && b[o] === 45) {
    out.id = ID_MIN;
    return true;
  }
  if (!strict && n === 1 && b[o] === 43) {
    out.id = ID_MAX;
    return true;
  }
  let dash = -1;
  for (let i = 0; i < n; i++) {
    if (b[o + i] === 45) {
      dash = i;
      break;
    }
  }
  if (dash < 0) {
    const ms = parseU64(b, o, n);
    if (ms < 0n) return false;
    out.id = makeId(ms, missingSeq);
    out.seqGiven = false;
    return true;
  }
  const ms = parseU64(b, o, dash);
  if (ms < 0n) return false;
  const so = o + dash + 1;
  const sn = n - dash - 1;
  if (allowAutoSeq && sn === 1 && b[so] === 42) {
    out.id = makeId(ms, 0n);
    out.seqGiven = false;
    out.seqAuto = true;
    return true;
  }
  const seq = parseU64(b, so, sn);
  if (seq < 0n) return false;
  out.id = makeId(ms, seq);
  return true;
}

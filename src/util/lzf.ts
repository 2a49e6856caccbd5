/*
 * LZF (liblzf 3.x as bundled with Redis: lzf_c.c, lzf_d.c, lzfP.h), for RDB strings
 * (`rdbcompression yes`, strings longer than 20 bytes) and compressed quicklist nodes.
 *
 * Stream format: a sequence of chunks, each starting with a control byte
 *   000LLLLL                      literal run: the next L+1 bytes (1..32) are copied as-is
 *   LLLooooo oooooooo             back reference: copy L+2 bytes (L = 1..6) from
 *                                 `out - (o + 1)` (o is 13 bits: up to 8 KiB back)
 *   111ooooo LLLLLLLL oooooooo    same with length L+9 (9..264)
 * A back reference may overlap the bytes it produces (a run of one byte is a reference to the
 * previous byte), so the copy goes forward byte by byte unless source and target are disjoint.
 *
 * Compression reproduces the output of the liblzf 3.6 that Redis 7.0 bundles, byte for byte, as
 * Redis builds it (HLOG 16, VERY_FAST, not ULTRA_FAST), so that our RDB files and DUMP payloads
 * equal Redis's: the same hash of the next 3 bytes (IDX(h) = ((h >> 8) - h*5) & 0xffff), the
 * same greedy first-candidate match (never against position 0, at most 8 KiB back, even when
 * fewer than 5 bytes are left), the same quirk of the 16-way unrolled length loop (near the end
 * of the input a match may run up to 2 bytes past its `maxlen` bound, as liblzf's does), the
 * same re-hashing of only the last two positions of a match, and the same conservative
 * output-space checks: lzfCompress returns 0 exactly when liblzf does (Redis offers `len - 4`
 * bytes of output and stores the string raw when that fails).
 *
 * liblzf never clears its hash table (INIT_HTAB 0: it is uninitialised stack memory holding
 * offsets left by earlier calls). That cannot change its output: a stale slot only yields a
 * match if the input holds the same 3 bytes at the stale offset, below the current position;
 * but the first occurrence of any 3 bytes is always hashed (a position skipped inside a match
 * has its 3 bytes earlier, in the match's source), which overwrote the slot in this call. So
 * a cleared table gives the same output, and ours behaves as cleared without paying for
 * clearing 64 Ki slots per call (more than compressing a short string costs): it holds
 * `base + position`, `base` moves past every previous call's positions, and an entry below
 * `base` counts as empty (a real clear happens once per 4 GiB of input).
 *
 * Decompression follows lzf_decompress with CHECK_INPUT: every read is checked against the
 * input, every write against the output, and a reference before the start of the output is
 * rejected, so corrupt input yields -1 and never an out-of-bounds access.
 */

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

let htab: Uint32Array | null = null;
let nextBase = 1;

/**
 * Compresses `input` into `out`. Returns the compressed length, or 0 when the result would
 * not fit in `out` (or the input is empty). Output is identical to Redis's lzf_compress.
 */
export function lzfCompress(input: Uint8Array, out: Uint8Array): number {
  const inEnd = input.length;
  const outEnd = out.length;
  if (inEnd === 0 || outEnd === 0) return 0;

  if (htab === null) htab = new Uint32Array(HSIZE);
  const tab = htab;
  if (nextBase + inEnd + 1 > 0xffffffff) {
    tab.fill(0);
    nextBase = 1;
  }
  const base = nextBase;
  nextBase += inEnd + 1;

  let ip = 0;
  let op = 1; // room for the first literal run's control byte
  let lit = 0;
  let hval = (input[0]! << 8) | (inEnd > 1 ? input[1]! : 0);

  while (ip < inEnd - 2) {
    hval = ((hval << 8) | input[ip + 2]!) & 0xffffff;
    let slot = ((hval >>> 8) - hval * 5) & 0xffff;
    const entry = tab[slot]!;
    tab[slot] = base + ip;
    const ref = entry - base;
    const off = ip - ref - 1;

    if (
      entry >= base &&
      off < MAX_OFF &&
      ref > 0 &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1] &&
      input[ref + 2] === input[ip + 2]
    ) {
      // Match: its length, exactly as liblzf counts it.
      let maxlen = inEnd - ip - 2;
      if (maxlen > MAX_REF) maxlen = MAX_REF;

      // Room for the reference (up to 3 bytes) and the next run's control byte? Checked before
      // closing the run: after 32 literals ending at outEnd, that control byte is past the end.
      if (lit === 0) op--; // drop the unused control byte of an empty run
      if (op + 3 + 1 >= outEnd) return 0;
      if (lit !== 0) out[op - lit - 1] = lit - 1; // close the literal run

      let len = 3;
      if (maxlen > 16) {
        // The 16 unrolled comparisons check indexes 3..18 without looking at maxlen.
        while (len <= 18 && input[ref + len] === input[ip + len]) len++;
        if (len > 18) {
          len = 19;
          while (len < maxlen && input[ref + len] === input[ip + len]) len++;
        }
      } else {
        while (len < maxlen && input[ref + len] === input[ip + len]) len++;
      }
      // len = bytes matched.

      len -= 2;
      ip++;
      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start a literal run

      ip += len + 1;
      if (ip >= inEnd - 2) break;

      // VERY_FAST: hash only the last two positions of the match.
      ip -= 2;
      hval = (input[ip]! << 8) | input[ip + 1]!;
      hval = ((hval << 8) | input[ip + 2]!) & 0xffffff;
      slot = ((hval >>> 8) - hval * 5) & 0xffff;
      tab[slot] = base + ip;
      ip++;
      hval = ((hval << 8) | input[ip + 2]!) & 0xffffff;
      slot = ((hval >>> 8) - hval * 5) & 0xffff;
      tab[slot] = base + ip;
      ip++;
    } else {
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = input[ip++]!;
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }

  if (op + 3 > outEnd) return 0; // at most 3 bytes can be missing here

  while (ip < inEnd) {
    lit++;
    out[op++] = input[ip++]!;
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }

  out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  return op;
}

/**
 * Decompresses the LZF stream `input` into `out`. Returns the decompressed length, or -1 when
 * the stream is corrupt or its output does not fit in `out`. An empty input gives 0.
 */
export function lzfDecompress(input: Uint8Array, out: Uint8Array): number {
  const inEnd = input.length;
  const outEnd = out.length;
  let ip = 0;
  let op = 0;

  while (ip < inEnd) {
    let ctrl = input[ip++]!;
    if (ctrl < 32) {
      // Literal run of ctrl + 1 bytes.
      ctrl++;
      if (op + ctrl > outEnd || ip + ctrl > inEnd) return -1;
      const end = ip + ctrl;
      while (ip < end) out[op++] = input[ip++]!;
    } else {
      // Back reference.
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= inEnd) return -1;
      if (len === 7) {
        len += input[ip++]!;
        if (ip >= inEnd) return -1;
      }
      ref -= input[ip++]!;
      len += 2;
      if (op + len > outEnd || ref < 0) return -1;
      if (len >= 32 && op - ref >= len) {
        out.copyWithin(op, ref, ref + len);
        op += len;
      } else {
        const end = op + len;
        while (op < end) out[op++] = out[ref++]!;
      }
    }
  }
  return op;
}

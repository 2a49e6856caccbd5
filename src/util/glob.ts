/*
 * Glob-style pattern matching, byte-for-byte compatible with Redis 7.0's
 * stringmatchlen() (src/util.c), which backs KEYS, SCAN/HSCAN/SSCAN/ZSCAN MATCH,
 * PSUBSCRIBE/PUBSUB CHANNELS, CONFIG GET, COMMAND LIST FILTERBY PATTERN, ACL
 * key/channel patterns and friends.
 *
 * Syntax (exactly what Redis implements, quirks included):
 *   *        any run of bytes (consecutive stars collapse into one)
 *   ?        exactly one byte
 *   [...]    one byte from a class; `[^...]` negates. Inside a class:
 *              `\x`   the literal byte x (compared case-SENSITIVELY even when
 *                     nocase is set, as Redis does);
 *              `a-z`  a range. Reversed ranges ([z-a]) are swapped first. The
 *                     bounds and the subject byte are compared as C `signed
 *                     char` values (x86-64), so bytes >= 0x80 are negative:
 *                     [a-\xff] means [\xff-a] i.e. -1..97, which contains NUL
 *                     but not \x80..\xfe. With nocase the swap happens before
 *                     lowercasing, so [Z-a] matches nothing when nocase.
 *                     A `-` is a range only when at least three bytes remain,
 *                     so in `[a-]` the range is a..']' and the `]` is eaten.
 *            An unterminated class (`[abc` at the end of the pattern) acts as
 *            if closed; a lone `[` at the very end never matches, a lone `[^`
 *            at the end matches any single byte.
 *   \x       the literal byte x. A trailing lone backslash matches a literal
 *            backslash.
 *   other    the literal byte; with nocase, ASCII letters fold (C-locale
 *            tolower: only A-Z, never bytes >= 0x80).
 *
 * Empty subject: the main loop only runs while both pattern and subject are
 * non-empty, so a non-empty pattern never matches the empty string, not even
 * "*" (KEYS and SCAN special-case the exact pattern "*" before calling the
 * matcher; callers must do the same). Stars left over once the subject is
 * exhausted are skipped, so "a*" and "a**" match "a".
 *
 * Algorithm: a direct transcription of the C loop. The pattern is a
 * (buffer, start, length) slice and so is the subject; C reads one byte past
 * the end of the pattern in a few places (sds strings are NUL-terminated), so
 * every such read here yields 0 when the index is past the end of the slice.
 * A `*` that is not the last pattern byte recurses once per possible split
 * point of the subject.
 *
 * Exponential guard: naive backtracking on `*a*a*a*...*b` against "aaaa...a"
 * is exponential. Redis prunes it with `skipLongerMatches`: when the pattern
 * tail after some `*` fails to match at *every* suffix of the subject, no
 * earlier `*` can help by consuming more bytes (that would only hand the same
 * tail a shorter suffix, which was already tried), so the whole search stops
 * at once. That makes matching polynomial (roughly O(stars * subjectLen) tail
 * attempts). On top of that, Redis 7.0.9+ (CVE-2022-36021) refuses to recurse
 * more than 1000 stars deep and treats deeper levels as "no match"; this is
 * observable (a pattern with > 1000 non-adjacent stars fails even where a
 * match exists) and is reproduced here. Recursion depth is therefore bounded
 * by ~1000 frames.
 *
 * No allocation per call: the prune flag and the instrumentation counter are
 * module-level (matching is synchronous, so calls never interleave).
 */

const STAR = 0x2a; // '*'
const QMARK = 0x3f; // '?'
const LBRACKET = 0x5b; // '['
const RBRACKET = 0x5d; // ']'
const BACKSLASH = 0x5c; // '\\'
const CARET = 0x5e; // '^'
const DASH = 0x2d; // '-'

/** Maximum recursion depth (stars), as in Redis 7.0.9+. */
const MAX_NESTING = 1000;

/** Set when a star's tail failed against every suffix; aborts the whole search. */
let skipLongerMatches = false;

/** Number of (recursive) matcher invocations so far; see globMatchWork(). */
let work = 0;

/** C-locale tolower on an int (only 'A'..'Z' change; negative values pass through). */
function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

/** Byte as a C `signed char` (x86-64 ABI). */
function sc(b: number): number {
  return (b << 24) >> 24;
}

function matchImpl(
  p: Uint8Array,
  pi: number,
  pEnd: number,
  s: Uint8Array,
  si: number,
  sEnd: number,
  nocase: boolean,
  nesting: number,
): boolean {
  work++;
  // Protection against abusive patterns (Redis 7.0.9+).
  if (nesting > MAX_NESTING) return false;

  while (pi < pEnd && si < sEnd) {
    const pc = p[pi]!;
    if (pc === STAR) {
      while (pi + 1 < pEnd && p[pi + 1] === STAR) pi++;
      if (pi + 1 === pEnd) return true; // trailing star matches the rest
      while (si < sEnd) {
        if (matchImpl(p, pi + 1, pEnd, s, si, sEnd, nocase, nesting + 1)) return true;
        if (skipLongerMatches) return false;
        si++;
      }
      // The tail matched at no suffix: longer matches for earlier stars are
      // pointless (see the header comment).
      skipLongerMatches = true;
      return false;
    } else if (pc === QMARK) {
      si++;
    } else if (pc === LBRACKET) {
      pi++;
      const not = pi < pEnd && p[pi] === CARET;
      if (not) pi++;
      let match = false;
      const c = s[si]!;
      for (;;) {
        const rem = pEnd - pi; // C's patternLen
        const cur = rem > 0 ? p[pi]! : 0;
        if (cur === BACKSLASH && rem >= 2) {
          pi++;
          if (p[pi] === c) match = true; // escaped: always case-sensitive
        } else if (cur === RBRACKET) {
          break;
        } else if (rem === 0) {
          // Unterminated class: step back so the common advance below lands
          // exactly on the end of the pattern.
          pi--;
          break;
        } else if (rem >= 3 && p[pi + 1] === DASH) {
          let start = sc(cur);
          let end = sc(p[pi + 2]!);
          let ch = sc(c);
          if (start > end) {
            const t = start;
            start = end;
            end = t;
          }
          if (nocase) {
            start = lower(start);
            end = lower(end);
            ch = lower(ch);
          }
          pi += 2;
          if (ch >= start && ch <= end) match = true;
        } else if (nocase ? lower(cur) === lower(c) : cur === c) {
          match = true;
        }
        pi++;
      }
      if (not) match = !match;
      if (!match) return false;
      si++;
    } else {
      let lit = pc;
      if (pc === BACKSLASH && pEnd - pi >= 2) {
        pi++;
        lit = p[pi]!;
      }
      const c = s[si]!;
      if (nocase ? lower(lit) !== lower(c) : lit !== c) return false;
      si++;
    }
    pi++;
    if (si === sEnd) {
      while (pi < pEnd && p[pi] === STAR) pi++;
      break;
    }
  }
  return pi === pEnd && si === sEnd;
}

/**
 * Redis stringmatchlen(): does `pattern[pStart, pStart+pLen)` match
 * `str[sStart, sStart+sLen)`? `nocase` folds ASCII letters.
 */
export function globMatch(
  pattern: Uint8Array,
  pStart: number,
  pLen: number,
  str: Uint8Array,
  sStart: number,
  sLen: number,
  nocase: boolean,
): boolean {
  skipLongerMatches = false;
  return matchImpl(pattern, pStart, pStart + pLen, str, sStart, sStart + sLen, nocase, 0);
}

/** Convenience wrapper over whole buffers. */
export function globMatchBytes(pattern: Uint8Array, str: Uint8Array, nocase = false): boolean {
  skipLongerMatches = false;
  return matchImpl(pattern, 0, pattern.length, str, 0, str.length, nocase, 0);
}

/**
 * Total number of matcher invocations (top-level plus recursive) since the
 * module was loaded. Instrumentation for tests/benchmarks: the difference
 * across one call bounds the work that call did.
 */
export function globMatchWork(): number {
  return work;
}

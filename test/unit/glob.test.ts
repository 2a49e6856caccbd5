import { describe, expect, it } from 'vitest';
import { globMatch, globMatchBytes, globMatchWork } from '../../src/util/glob.ts';

/** Latin-1 string -> bytes (each UTF-16 code unit below 256 becomes one byte). */
function b(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function m(pattern: string, str: string, nocase = false): boolean {
  return globMatchBytes(b(pattern), b(str), nocase);
}

// Recorded from redis-server 7.0.15: these keys were SET, then `KEYS <pattern>`
// was run for every pattern below; the list is the (sorted) reply. Strings are
// Latin-1, i.e. '\xff' is the single byte 0xff.
const KEYS = ['', 'a', 'b', 'c', 'A', 'B', 'ab', 'abc', 'aXc', 'axc', 'a]c', 'a-c', 'a^c', 'a\\c', 'a*c', 'a?c', 'a[c', 'ac', 'abbc', 'hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'Hello', 'h\x00llo', '\x00', '\xff', '\x80', '\x7f', ']', '[', '\\', '^', '-', '_', '`', 'z', 'Z', '*', '?', 'foo:bar', 'foo:baz:1', 'foo:', 'user:1000', 'user:42', 'user:x', 'aaa', 'aaaa', 'a\x00b', '\xff\xfe'];
const KEYS_CASES: Array<[string, string[]]> = [
  ['h?llo', ['h\x00llo', 'hallo', 'hello', 'hxllo']],
  ['h*llo', ['h\x00llo', 'hallo', 'heeeello', 'hello', 'hllo', 'hxllo']],
  ['h[ae]llo', ['hallo', 'hello']],
  ['h[^e]llo', ['h\x00llo', 'hallo', 'hxllo']],
  ['h[a-b]llo', ['hallo']],
  ['h[b-a]llo', ['hallo']],
  ['h[a-z]llo', ['hallo', 'hello', 'hxllo']],
  ['H*', ['Hello']],
  ['h*', ['h\x00llo', 'hallo', 'heeeello', 'hello', 'hllo', 'hxllo']],
  ['?', ['\x00', '*', '-', '?', 'A', 'B', 'Z', '[', '\\', ']', '^', '_', '`', 'a', 'b', 'c', 'z', '\x7f', '\x80', '\xff']],
  ['??', ['ab', 'ac', '\xff\xfe']],
  ['???', ['a\x00b', 'a*c', 'a-c', 'a?c', 'aXc', 'a[c', 'a\\c', 'a]c', 'a^c', 'aaa', 'abc', 'axc']],
  ['[a-z]', ['a', 'b', 'c', 'z']],
  ['[z-a]', ['a', 'b', 'c', 'z']],
  ['[A-z]', ['A', 'B', 'Z', '[', '\\', ']', '^', '_', '`', 'a', 'b', 'c', 'z']],
  ['[z-A]', ['A', 'B', 'Z', '[', '\\', ']', '^', '_', '`', 'a', 'b', 'c', 'z']],
  ['[a-\xff]', ['\x00', '*', '-', '?', 'A', 'B', 'Z', '[', '\\', ']', '^', '_', '`', 'a', '\xff']],
  ['[\x80-\xff]', ['\x80', '\xff']],
  ['[\x00-a]', ['\x00', '*', '-', '?', 'A', 'B', 'Z', '[', '\\', ']', '^', '_', '`', 'a']],
  ['[\x7f-\x80]', ['\x00', '*', '-', '?', 'A', 'B', 'Z', '[', '\\', ']', '^', '_', '`', 'a', 'b', 'c', 'z', '\x7f', '\x80', '\xff']],
  ['[\xff-\x00]', ['\x00', '\xff']],
  ['[^\x00-\xff]', ['*', '-', '?', 'A', 'B', 'Z', '[', '\\', ']', '^', '_', '`', 'a', 'b', 'c', 'z', '\x7f', '\x80']],
  ['[^a]', ['\x00', '*', '-', '?', 'A', 'B', 'Z', '[', '\\', ']', '^', '_', '`', 'b', 'c', 'z', '\x7f', '\x80', '\xff']],
  ['[^a-z]', ['\x00', '*', '-', '?', 'A', 'B', 'Z', '[', '\\', ']', '^', '_', '`', '\x7f', '\x80', '\xff']],
  ['[^', ['\x00', '*', '-', '?', 'A', 'B', 'Z', '[', '\\', ']', '^', '_', '`', 'a', 'b', 'c', 'z', '\x7f', '\x80', '\xff']],
  ['[', []],
  ['a[', []],
  ['a[^', ['ab', 'ac']],
  ['[abc', ['a', 'b', 'c']],
  ['a[bX', ['ab']],
  ['[\\]]', [']']],
  ['[\\', ['\\']],
  ['\\', ['\\']],
  ['a\\', []],
  ['[a-]', [']', '^', '_', '`', 'a']],
  ['a[a-]', []],
  ['[-]', ['-']],
  ['a[-]c', ['a-c']],
  ['a[--]c', ['ac']],
  ['a[]]c', []],
  ['a[]c', []],
  ['[]', []],
  ['[]]', []],
  ['a[\\]]c', ['a]c']],
  ['a[\\-]c', ['a-c']],
  ['a[\\^]c', ['a^c']],
  ['a[^^]c', ['a*c', 'a-c', 'a?c', 'aXc', 'a[c', 'a\\c', 'a]c', 'abc', 'axc']],
  ['a[b-]c', ['ab', 'ac']],
  ['a[\\x]c', ['axc']],
  ['a\\*c', ['a*c']],
  ['a\\?c', ['a?c']],
  ['a\\[c', ['a[c']],
  ['a\\]c', ['a]c']],
  ['a\\\\c', ['a\\c']],
  ['\\a', ['a']],
  ['\\*', ['*']],
  ['\\?', ['?']],
  ['\\[', ['[']],
  ['a\\b\\c', ['abc']],
  ['**', ['\x00', '*', '-', '?', 'A', 'B', 'Hello', 'Z', '[', '\\', ']', '^', '_', '`', 'a', 'a\x00b', 'a*c', 'a-c', 'a?c', 'aXc', 'a[c', 'a\\c', 'a]c', 'a^c', 'aaa', 'aaaa', 'ab', 'abbc', 'abc', 'ac', 'axc', 'b', 'c', 'foo:', 'foo:bar', 'foo:baz:1', 'h\x00llo', 'hallo', 'heeeello', 'hello', 'hllo', 'hxllo', 'user:1000', 'user:42', 'user:x', 'z', '\x7f', '\x80', '\xff', '\xff\xfe']],
  ['***a', ['a', 'aaa', 'aaaa']],
  ['a*', ['a', 'a\x00b', 'a*c', 'a-c', 'a?c', 'aXc', 'a[c', 'a\\c', 'a]c', 'a^c', 'aaa', 'aaaa', 'ab', 'abbc', 'abc', 'ac', 'axc']],
  ['a**', ['a', 'a\x00b', 'a*c', 'a-c', 'a?c', 'aXc', 'a[c', 'a\\c', 'a]c', 'a^c', 'aaa', 'aaaa', 'ab', 'abbc', 'abc', 'ac', 'axc']],
  ['*a', ['a', 'aaa', 'aaaa']],
  ['*c', ['a*c', 'a-c', 'a?c', 'aXc', 'a[c', 'a\\c', 'a]c', 'a^c', 'abbc', 'abc', 'ac', 'axc', 'c']],
  ['a*c', ['a*c', 'a-c', 'a?c', 'aXc', 'a[c', 'a\\c', 'a]c', 'a^c', 'abbc', 'abc', 'ac', 'axc']],
  ['a*b*c', ['abbc', 'abc']],
  ['?*', ['\x00', '*', '-', '?', 'A', 'B', 'Hello', 'Z', '[', '\\', ']', '^', '_', '`', 'a', 'a\x00b', 'a*c', 'a-c', 'a?c', 'aXc', 'a[c', 'a\\c', 'a]c', 'a^c', 'aaa', 'aaaa', 'ab', 'abbc', 'abc', 'ac', 'axc', 'b', 'c', 'foo:', 'foo:bar', 'foo:baz:1', 'h\x00llo', 'hallo', 'heeeello', 'hello', 'hllo', 'hxllo', 'user:1000', 'user:42', 'user:x', 'z', '\x7f', '\x80', '\xff', '\xff\xfe']],
  ['*?', ['\x00', '*', '-', '?', 'A', 'B', 'Hello', 'Z', '[', '\\', ']', '^', '_', '`', 'a', 'a\x00b', 'a*c', 'a-c', 'a?c', 'aXc', 'a[c', 'a\\c', 'a]c', 'a^c', 'aaa', 'aaaa', 'ab', 'abbc', 'abc', 'ac', 'axc', 'b', 'c', 'foo:', 'foo:bar', 'foo:baz:1', 'h\x00llo', 'hallo', 'heeeello', 'hello', 'hllo', 'hxllo', 'user:1000', 'user:42', 'user:x', 'z', '\x7f', '\x80', '\xff', '\xff\xfe']],
  ['*\\*', ['*']],
  ['*\\?*', ['?', 'a?c']],
  ['a*?', ['a\x00b', 'a*c', 'a-c', 'a?c', 'aXc', 'a[c', 'a\\c', 'a]c', 'a^c', 'aaa', 'aaaa', 'ab', 'abbc', 'abc', 'ac', 'axc']],
  ['a?*c', ['a*c', 'a-c', 'a?c', 'aXc', 'a[c', 'a\\c', 'a]c', 'a^c', 'abbc', 'abc', 'axc']],
  ['*a*a*', ['aaa', 'aaaa']],
  ['*b*', ['a\x00b', 'ab', 'abbc', 'abc', 'b', 'foo:bar', 'foo:baz:1']],
  ['foo:*', ['foo:', 'foo:bar', 'foo:baz:1']],
  ['foo:*:?', ['foo:baz:1']],
  ['foo:?*', ['foo:bar', 'foo:baz:1']],
  ['user:[0-9]*', ['user:1000', 'user:42']],
  ['user:[^0-9]*', ['user:x']],
  ['user:[0-9][0-9]', ['user:42']],
  ['*\x00*', ['\x00', 'a\x00b', 'h\x00llo']],
  ['h\x00*', ['h\x00llo']],
  ['\x00', ['\x00']],
  ['\xff', ['\xff']],
  ['\x80', ['\x80']],
  ['\xff*', ['\xff', '\xff\xfe']],
  ['*\xfe', ['\xff\xfe']],
  ['a\x00?', ['a\x00b']],
  ['[\x00]', ['\x00']],
  ['[^\x00]', ['*', '-', '?', 'A', 'B', 'Z', '[', '\\', ']', '^', '_', '`', 'a', 'b', 'c', 'z', '\x7f', '\x80', '\xff']],
  ['[\\\x00]*', ['\x00']],
  ['hel[', []],
  ['hel[^', []],
  ['hell[o', ['hello']],
  ['[[]', ['[']],
  ['a[[]c', ['a[c']],
  ['[*]', ['*']],
  ['[?]', ['?']],
  ['*[', []],
  ['*[]', []],
  ['a[^]c', ['a*c', 'a-c', 'a?c', 'aXc', 'a[c', 'a\\c', 'a]c', 'a^c', 'abc', 'axc']],
  ['a[^]]c', []],
  ['[a-c-e]', ['-', 'a', 'b', 'c']],
  ['[^-a]', ['\x00', '*', '?', 'A', 'B', 'Z', '[', '\\', ']', '^', '_', '`', 'b', 'c', 'z', '\x7f', '\x80', '\xff']],
  ['h[a-ex-z]llo', ['hallo', 'hello', 'hxllo']],
  ['a[]-]c', []],
  ['[\\a-z]', ['-', 'a', 'z']],
];

// Recorded from redis-server 7.0.15 with `COMMAND LIST FILTERBY PATTERN <p>`,
// which matches with nocase=1; the reply restricted to these command names.
const NOCASE_NAMES = ['get', 'getdel', 'getex', 'getrange', 'getset', 'set', 'setex', 'setnx', 'zadd', 'zscore', 'config', 'client', 'xadd', 'lpush', 'hset', 'incrbyfloat', 'sunion', 'expire', 'object', 'info'];
const NOCASE_CASES: Array<[string, string[]]> = [
  ['GET', ['get']],
  ['get', ['get']],
  ['G?T', ['get']],
  ['GET*', ['get', 'getdel', 'getex', 'getrange', 'getset']],
  ['g[E]t', ['get']],
  ['[G-G]ET', ['get']],
  ['[g-g]et', ['get']],
  ['[Z-a]*', []],
  ['[a-Z]*', []],
  ['[A-Z]et', ['get', 'set']],
  ['[a-z]ET', ['get', 'set']],
  ['[^G]et', ['set']],
  ['[^g]ET*', ['set', 'setex', 'setnx']],
  ['\\Get', ['get']],
  ['[\\G]et', []],
  ['[\\g]ET', ['get']],
  ['*RANGE', ['getrange']],
  ['*[X]*', ['expire', 'getex', 'setex', 'setnx', 'xadd']],
  ['S[A-F]T*', ['set', 'setex', 'setnx']],
  ['s[e-e]T', ['set']],
  ['Z*', ['zadd', 'zscore']],
  ['INCRBY[F]LOAT', ['incrbyfloat']],
  ['*b*', ['incrbyfloat', 'object']],
  ['[Q-Z]*', ['set', 'setex', 'setnx', 'sunion', 'xadd', 'zadd', 'zscore']],
  ['[q-z]*', ['set', 'setex', 'setnx', 'sunion', 'xadd', 'zadd', 'zscore']],
  ['[G-g]et*', ['get', 'getdel', 'getex', 'getrange', 'getset']],
  ['[g-G]et*', ['get', 'getdel', 'getex', 'getrange', 'getset']],
];

describe('globMatch vs recorded redis-server 7.0.15 KEYS results', () => {
  for (const [pattern, expected] of KEYS_CASES) {
    it(`KEYS ${JSON.stringify(pattern)}`, () => {
      const got = KEYS.filter((k) => m(pattern, k)).sort();
      expect(got).toEqual([...expected].sort());
    });
  }
});

describe('globMatch nocase vs recorded COMMAND LIST FILTERBY PATTERN', () => {
  for (const [pattern, expected] of NOCASE_CASES) {
    it(`pattern ${JSON.stringify(pattern)}`, () => {
      const got = NOCASE_NAMES.filter((k) => m(pattern, k, true)).sort();
      expect(got).toEqual([...expected].sort());
    });
  }
});

describe('globMatch basics', () => {
  it('literal and wildcards', () => {
    expect(m('hello', 'hello')).toBe(true);
    expect(m('hello', 'hell')).toBe(false);
    expect(m('hell', 'hello')).toBe(false);
    expect(m('h?llo', 'hxllo')).toBe(true);
    expect(m('h*o', 'ho')).toBe(true);
    expect(m('h*o', 'hxo')).toBe(true);
    expect(m('h*o', 'hxoy')).toBe(false);
    expect(m('*', 'anything')).toBe(true);
    expect(m('a*b*c*d', 'a-b-c-d')).toBe(true);
    expect(m('a*b*c*d', 'a-c-b-d')).toBe(false);
  });

  it('empty pattern / empty subject', () => {
    expect(m('', '')).toBe(true);
    expect(m('', 'a')).toBe(false);
    // Redis quirk: a non-empty pattern never matches the empty string, not even
    // "*" (KEYS/SCAN special-case the exact pattern "*" before matching).
    expect(m('*', '')).toBe(false);
    expect(m('**', '')).toBe(false);
    expect(m('?', '')).toBe(false);
    // Trailing stars are skipped once the subject is exhausted.
    expect(m('a*', 'a')).toBe(true);
    expect(m('a***', 'a')).toBe(true);
    expect(m('a*?', 'a')).toBe(false);
  });

  it('nocase folds only ASCII letters', () => {
    expect(m('HeLLo', 'hello', true)).toBe(true);
    expect(m('HeLLo', 'hello', false)).toBe(false);
    expect(m('h[A-Z]llo', 'hello', true)).toBe(true);
    expect(m('h[a-z]llo', 'hEllo', true)).toBe(true);
    expect(m('h[a-z]llo', 'hEllo', false)).toBe(false);
    expect(m('[^A]', 'a', true)).toBe(false);
    // No folding outside ASCII (C locale tolower).
    expect(m('\xc0', '\xe0', true)).toBe(false);
    expect(m('[\xc0]', '\xe0', true)).toBe(false);
    // Escapes inside classes compare case-sensitively even with nocase,
    // escapes outside classes fold.
    expect(m('[\\A]', 'a', true)).toBe(false);
    expect(m('\\A', 'a', true)).toBe(true);
    // Ranges are swapped before lowercasing: [Z-a] is empty with nocase but
    // covers Z[\]^_`a without it.
    expect(m('[Z-a]', '_', true)).toBe(false);
    expect(m('[Z-a]', 'z', true)).toBe(false);
    expect(m('[Z-a]', '_', false)).toBe(true);
    expect(m('[Z-a]', 'Z', false)).toBe(true);
  });

  it('binary bytes: NUL and high bytes', () => {
    expect(m('a\x00*', 'a\x00bc')).toBe(true);
    expect(m('a*\x00', 'abc\x00')).toBe(true);
    expect(m('a?c', 'a\x00c')).toBe(true);
    expect(m('\xff?\xff', '\xff\x00\xff')).toBe(true);
    expect(m('[\x00]', '\x00')).toBe(true);
    expect(m('[\x01-\x7e]', '\x00')).toBe(false);
    // Range bounds are signed chars: 0x80..0xff are -128..-1.
    expect(m('[\x80-\xff]', '\x90')).toBe(true);
    expect(m('[\x80-\xff]', 'a')).toBe(false);
    expect(m('[a-\xff]', '\x00')).toBe(true); // -1..97
    expect(m('[a-\xff]', '\xfe')).toBe(false);
    expect(m('[\x7f-\x80]', 'q')).toBe(true); // -128..127: everything
    // NUL inside the pattern is an ordinary byte, not a terminator.
    expect(m('\x00', '')).toBe(false);
    expect(m('a\x00', 'a')).toBe(false);
  });

  it('backslash escapes', () => {
    expect(m('\\*', '*')).toBe(true);
    expect(m('\\*', 'x')).toBe(false);
    expect(m('\\?', '?')).toBe(true);
    expect(m('\\?', 'x')).toBe(false);
    expect(m('\\[a]', '[a]')).toBe(true);
    expect(m('\\\\', '\\')).toBe(true);
    // A trailing lone backslash is a literal backslash.
    expect(m('\\', '\\')).toBe(true);
    expect(m('a\\', 'a\\')).toBe(true);
    expect(m('a\\', 'a')).toBe(false);
    // ... also at the end of a class.
    expect(m('[\\', '\\')).toBe(true);
    expect(m('[a\\', '\\')).toBe(true);
    expect(m('[a\\', 'a')).toBe(true);
    expect(m('[\\]]', ']')).toBe(true);
    expect(m('[\\-]', '-')).toBe(true);
  });

  it('class edge cases', () => {
    expect(m('[]', 'x')).toBe(false); // empty class
    expect(m('[^]', 'x')).toBe(true); // empty negated class
    expect(m('[', '[')).toBe(false); // lone '[' at end never matches
    expect(m('[^', 'q')).toBe(true); // lone '[^' at end matches any byte
    expect(m('x[^', 'xq')).toBe(true);
    expect(m('[ab', 'b')).toBe(true); // unterminated class acts closed
    expect(m('[ab', 'ab')).toBe(false);
    expect(m('[a-]', '_')).toBe(true); // range a..']' (swapped) eats the ']'
    expect(m('[a-]', '-')).toBe(false);
    expect(m('[-a]', '-')).toBe(true);
    expect(m('[z-a]', 'm')).toBe(true); // reversed range
    expect(m('[a-c-e]', 'd')).toBe(false);
    expect(m('[a-c-e]', '-')).toBe(true);
  });

  it('respects slice bounds (no reads past pLen/sLen)', () => {
    const pat = b('xxa*yy');
    const str = b('__abc__');
    expect(globMatch(pat, 2, 2, str, 2, 3, false)).toBe(true); // 'a*' vs 'abc'
    expect(globMatch(pat, 2, 2, str, 1, 3, false)).toBe(false); // 'a*' vs '_ab'
    // Bytes after the slice must behave like C's NUL terminator: '[' at the
    // end of the slice followed by '^' in the buffer is still a lone '['.
    const p2 = b('[^');
    expect(globMatch(p2, 0, 1, b('q'), 0, 1, false)).toBe(false);
    expect(globMatch(p2, 0, 2, b('q'), 0, 1, false)).toBe(true);
    // A '*' at the end of the slice followed by '*' outside it.
    const p3 = b('a**');
    expect(globMatch(p3, 0, 2, b('abc'), 0, 3, false)).toBe(true);
    // Backslash at the end of a slice is a trailing backslash.
    const p4 = b('a\\b');
    expect(globMatch(p4, 0, 2, b('a\\'), 0, 2, false)).toBe(true);
    expect(globMatch(p4, 0, 2, b('ab'), 0, 2, false)).toBe(false);
    // Subject slice: "h*o" against "xhox" restricted to "ho".
    expect(globMatch(b('h*o'), 0, 3, b('xhox'), 1, 2, false)).toBe(true);
  });
});

describe('globMatch pathological patterns', () => {
  it('exponential pattern is pruned (work is linear, counted not timed)', () => {
    const pattern = b('*a*a*a*a*a*a*a*a*a*a*a*a*b');
    for (const n of [100, 1000, 20000]) {
      const subject = new Uint8Array(n).fill(0x61);
      const before = globMatchWork();
      expect(globMatchBytes(pattern, subject)).toBe(false);
      const calls = globMatchWork() - before;
      // One call per starting position of the last star's tail plus the
      // chain of star levels; naive backtracking would need ~n^12 calls.
      expect(calls).toBeLessThanOrEqual(n + 20);
    }
  });

  it('many stars with a late mismatch stays polynomial', () => {
    const pattern = b('*a*b*a*b*a*b*a*b*a*b*a*b*a*b*a*b*c');
    const subject = b('ab'.repeat(2000));
    const before = globMatchWork();
    expect(globMatchBytes(pattern, subject)).toBe(false);
    expect(globMatchWork() - before).toBeLessThan(20 * subject.length);
  });

  it('matches are still found when pruning applies', () => {
    const subject = new Uint8Array(5000).fill(0x61);
    subject[4999] = 0x62;
    expect(globMatchBytes(b('*a*a*a*a*a*a*a*a*a*a*a*a*b'), subject)).toBe(true);
    expect(globMatchBytes(b('*a*a*a*a*a*a*a*a*a*a*a*a*b'), subject.subarray(0, 11))).toBe(false);
  });

  // Verified on redis-server 7.0.15: key = 'a' x 2000, KEYS ('*a' x 1000)
  // returns the key, KEYS ('*a' x 1001) returns nothing (nesting > 1000 guard).
  it('nesting guard: more than 1000 nested stars never match', () => {
    const subject = new Uint8Array(2000).fill(0x61);
    expect(globMatchBytes(b('*a'.repeat(999)), subject)).toBe(true);
    expect(globMatchBytes(b('*a'.repeat(1000)), subject)).toBe(true);
    expect(globMatchBytes(b('*a'.repeat(1001)), subject)).toBe(false);
    expect(globMatchBytes(b('*a'.repeat(1002)), subject)).toBe(false);
    // Adjacent stars collapse and do not count.
    expect(globMatchBytes(b('*'.repeat(5000) + 'a'), subject)).toBe(true);
  });

  it('guard state does not leak between calls', () => {
    expect(m('*a*b', 'aaaa')).toBe(false); // sets the prune flag internally
    expect(m('*a*b', 'aaab')).toBe(true);
    expect(m('*x', 'yx')).toBe(true);
  });
});

// readCompleteReplies (src/protocol/reply-reader.ts): the incremental entry point the sentinel's
// links use. Complete replies at the start of a buffer are decoded, a truncated tail is left.
import { describe, expect, test } from 'vitest';
import { readCompleteReplies } from '../../src/protocol/reply-reader.ts';

const enc = (s: string) => Buffer.from(s, 'latin1');

describe('readCompleteReplies', () => {
  test('decodes every complete reply and reports the bytes used', () => {
    const r = readCompleteReplies(enc('+PONG\r\n:3\r\n*2\r\n$1\r\na\r\n$-1\r\n'));
    expect(r.values).toEqual([{ status: 'PONG' }, 3, [Buffer.from('a'), null]]);
    expect(r.used).toBe(27);
  });

  test('leaves a truncated reply at every cut point', () => {
    const whole = '-ERR x\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n%1\r\n+k\r\n,1.5\r\n';
    const firstEnd = 8;
    const secondEnd = whole.indexOf('%1');
    for (let cut = 0; cut <= whole.length; cut++) {
      const r = readCompleteReplies(enc(whole.slice(0, cut)));
      const expected = cut === whole.length ? whole.length : cut >= secondEnd ? secondEnd : cut >= firstEnd ? firstEnd : 0;
      expect(r.used).toBe(expected);
      expect(r.values.length).toBe(cut === whole.length ? 3 : cut >= secondEnd ? 2 : cut >= firstEnd ? 1 : 0);
    }
  });

  test('throws on malformed input', () => {
    expect(() => readCompleteReplies(enc('?what\r\n'))).toThrow(/unknown reply type/);
  });
});

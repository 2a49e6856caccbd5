import { describe, expect, test } from 'vitest';
import type { Argv } from '../../src/protocol/argv.ts';
import { RequestParser, parserLimits, splitArgs, type ParserSink } from '../../src/protocol/parser.ts';

class Collect implements ParserSink {
  commands: string[][] = [];
  errors: string[] = [];
  stopAfter = Infinity;
  auth = false;
  onCommand(argv: Argv): boolean {
    const args: string[] = [];
    for (let i = 0; i < argv.argc; i++) args.push(Buffer.from(argv.view(i)).toString('latin1'));
    this.commands.push(args);
    return this.commands.length < this.stopAfter;
  }
  onProtocolError(message: string): void {
    this.errors.push(message);
  }
  authRequired(): boolean {
    return this.auth;
  }
}

function resp(...args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('');
}

function feedAll(input: string, chunk: number, sink = new Collect()): Collect {
  const p = new RequestParser();
  const bytes = Buffer.from(input, 'latin1');
  for (let i = 0; i < bytes.length; i += chunk) p.feed(bytes.subarray(i, i + chunk), sink);
  return sink;
}

describe('RESP request parser', () => {
  test('parses pipelined multibulk commands in one read', () => {
    const s = feedAll(resp('SET', 'k', 'v') + resp('GET', 'k') + resp('PING'), 1 << 20);
    expect(s.commands).toEqual([['SET', 'k', 'v'], ['GET', 'k'], ['PING']]);
  });

  test('same result for every split point (byte-at-a-time and odd chunk sizes)', () => {
    const input = resp('SET', 'key', 'x'.repeat(300)) + 'PING\r\n' + resp('MSET', 'a', '1', 'b', '') + resp('ECHO', '\r\n\0\xff');
    const expected = [['SET', 'key', 'x'.repeat(300)], ['PING'], ['MSET', 'a', '1', 'b', ''], ['ECHO', '\r\n\0\xff']];
    for (const chunk of [1, 2, 3, 5, 7, 13, 64, 1000]) {
      expect(feedAll(input, chunk).commands, `chunk ${chunk}`).toEqual(expected);
    }
  });

  test('binary-safe payloads', () => {
    const bin = Buffer.from([0, 255, 13, 10, 36, 42, 128]).toString('latin1');
    expect(feedAll(resp('SET', bin, bin), 3).commands).toEqual([['SET', bin, bin]]);
  });

  test('big bulk split across reads is assembled once', () => {
    const big = 'z'.repeat(200_000);
    expect(feedAll(resp('SET', 'k', big), 65536).commands[0][2].length).toBe(200_000);
  });

  test('inline commands, quotes and empty lines', () => {
    const s = feedAll('\r\nSET "a b" \'c\\\'d\'\r\n\nGET "\\x41\\n"\n   \r\n', 1 << 20);
    expect(s.commands).toEqual([['SET', 'a b', "c'd"], ['GET', 'A\n']]);
  });

  test('*0 and *-1 are skipped', () => {
    expect(feedAll('*0\r\n*-1\r\n' + resp('PING'), 4).commands).toEqual([['PING']]);
  });

  test('protocol errors use Redis texts and stop parsing', () => {
    const cases: Array<[string, string]> = [
      ['*abc\r\n', 'Protocol error: invalid multibulk length'],
      ['*1\r\n+foo\r\n', "Protocol error: expected '$', got '+'"],
      ['*1\r\n$-5\r\n', 'Protocol error: invalid bulk length'],
      ['*1\r\n$abc\r\n', 'Protocol error: invalid bulk length'],
      ['SET "unterminated\r\n', 'Protocol error: unbalanced quotes in request'],
      ['SET "a"b\r\n', 'Protocol error: unbalanced quotes in request'],
      ['*3000000000\r\n', 'Protocol error: invalid multibulk length'],
    ];
    for (const [input, err] of cases) {
      const s = feedAll(input + resp('PING'), 1 << 20);
      expect(s.errors, input).toEqual([err]);
      expect(s.commands, input).toEqual([]);
    }
  });

  test('commands before a protocol error still run', () => {
    const s = feedAll(resp('PING') + '*x\r\n', 1 << 20);
    expect(s.commands).toEqual([['PING']]);
    expect(s.errors).toEqual(['Protocol error: invalid multibulk length']);
  });

  test('too big inline request and too big count strings', () => {
    expect(feedAll('a'.repeat(70 * 1024), 1 << 20).errors).toEqual(['Protocol error: too big inline request']);
    expect(feedAll('*' + '1'.repeat(70 * 1024), 1 << 20).errors).toEqual(['Protocol error: too big mbulk count string']);
    expect(feedAll('*1\r\n$' + '1'.repeat(70 * 1024), 1 << 20).errors).toEqual(['Protocol error: too big bulk count string']);
  });

  test('header lines without a terminator: 64 KiB limit checked however the input is split', () => {
    // After a valid command, a line that never ends; fed in 16 KiB reads as Redis reads them.
    const pad = 'x'.repeat(80 * 1024);
    const cases: Array<[string, string]> = [
      ['\0', 'Protocol error: too big inline request'],
      ['*\0', 'Protocol error: too big mbulk count string'],
      ['*1\r\n$\0', 'Protocol error: too big bulk count string'],
      // Redis finds the header's CR before it checks for '$'.
      ['*1\r\n\0', 'Protocol error: too big bulk count string'],
      ['*1\r\n+', 'Protocol error: too big bulk count string'],
    ];
    for (const [head, err] of cases) {
      for (const chunk of [100, 16 * 1024, 1 << 20]) {
        const p = new RequestParser();
        const s = new Collect();
        const bytes = Buffer.from(resp('PING') + head + pad, 'latin1');
        for (let i = 0; i < bytes.length; i += chunk) p.feed(bytes.subarray(i, i + chunk), s);
        expect(s.commands, `${JSON.stringify(head)} / ${chunk}`).toEqual([['PING']]);
        expect(s.errors, `${JSON.stringify(head)} / ${chunk}`).toEqual([err]);
        expect(p.buffered).toBe(0);
      }
    }
  });

  test('a failed parser keeps nothing buffered', () => {
    const p = new RequestParser();
    const s = new Collect();
    for (let i = 0; i < 5; i++) p.feed(Buffer.alloc(16 * 1024, 120), s);
    expect(s.errors).toEqual(['Protocol error: too big inline request']);
    expect(p.buffered).toBe(0);
    p.feed(Buffer.from(resp('PING')), s);
    expect(s.commands).toEqual([]);
  });

  test('a NUL before the line terminator leaves the line incomplete (Redis strchr semantics)', () => {
    // Redis searches its NUL-terminated query buffer with strchr(): these lines never end there.
    for (const input of ['PING\0 a\r\n', '*1\0\r\n$4\r\nPING\r\n', '*1\r\n$4\0\r\nPING\r\n']) {
      const p = new RequestParser();
      const s = new Collect();
      p.feed(Buffer.from(input, 'latin1'), s);
      expect(s.commands, JSON.stringify(input)).toEqual([]);
      expect(s.errors, JSON.stringify(input)).toEqual([]);
      expect(p.buffered).toBe(input.length);
    }
    // NUL inside a bulk payload is ordinary data.
    expect(feedAll(resp('ECHO', 'a\0b'), 1).commands).toEqual([['ECHO', 'a\0b']]);
    // A CR that is the last byte read waits for the LF, at any length.
    expect(feedAll('*1\r', 1 << 20).errors).toEqual([]);
    expect(feedAll('*1\r\n\r\n', 1 << 20).errors).toEqual(["Protocol error: expected '$', got '\r'"]);
  });

  test('proto-max-bulk-len is enforced', () => {
    const saved = parserLimits.maxBulkLen;
    parserLimits.maxBulkLen = 10;
    try {
      expect(feedAll('*1\r\n$11\r\n', 1 << 20).errors).toEqual(['Protocol error: invalid bulk length']);
      expect(feedAll(resp('x'.repeat(10)), 1 << 20).commands).toEqual([['x'.repeat(10)]]);
    } finally {
      parserLimits.maxBulkLen = saved;
    }
  });

  test('unauthenticated clients get small limits', () => {
    const sink = new Collect();
    sink.auth = true;
    feedAll('*11\r\n', 1 << 20, sink);
    expect(sink.errors).toEqual(['Protocol error: unauthenticated multibulk length']);
    const sink2 = new Collect();
    sink2.auth = true;
    feedAll('*1\r\n$16385\r\n', 1 << 20, sink2);
    expect(sink2.errors).toEqual(['Protocol error: unauthenticated bulk length']);
  });

  test('a sink that stops keeps the rest buffered until resume', () => {
    const p = new RequestParser();
    const sink = new Collect();
    sink.stopAfter = 1;
    p.feed(Buffer.from(resp('A') + resp('B') + resp('C', 'x')), sink);
    expect(sink.commands).toEqual([['A']]);
    expect(p.buffered).toBeGreaterThan(0);
    sink.stopAfter = Infinity;
    p.resume(sink);
    expect(sink.commands).toEqual([['A'], ['B'], ['C', 'x']]);
    expect(p.buffered).toBe(0);
  });

  test('a 100k-argument multibulk arriving in small reads', () => {
    const args = Array.from({ length: 100_000 }, (_, i) => String(i));
    const s = feedAll(resp('DEL', ...args), 4096);
    expect(s.commands.length).toBe(1);
    expect(s.commands[0].length).toBe(100_001);
    expect(s.commands[0][100_000]).toBe('99999');
  });
});

describe('splitArgs (sdssplitargs rules)', () => {
  const split = (s: string) => {
    const b = Buffer.from(s, 'latin1');
    const r = splitArgs(b, 0, b.length);
    return r === null ? null : r.map((x) => Buffer.from(x).toString('latin1'));
  };
  test('quoting', () => {
    expect(split('a  b\tc')).toEqual(['a', 'b', 'c']);
    expect(split('"a\\tb" \'x y\'')).toEqual(['a\tb', 'x y']);
    expect(split('"\\x00\\xff"')).toEqual(['\0\xff']);
    expect(split('""')).toEqual(['']);
    expect(split('"abc')).toBeNull();
    expect(split("'abc")).toBeNull();
    expect(split('"a"b')).toBeNull();
  });
});

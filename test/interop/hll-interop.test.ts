// HyperLogLogs against the real redis-server (npm run test:interop): the same commands give the
// same replies and the same value bytes (GET) on both servers, an HLL built by one server and
// moved to the other with GET/SET keeps working identically, and estimates match at sizes up to
// 200k elements. Skipped when redis-server is not installed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasRedis, rawClient, startRedis, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

const haveRedis = hasRedis();

/** xorshift32: the same pseudo-random sequence on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function randomElement(r: () => number): Buffer {
  const n = Math.floor(r() * 24);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** `count` PFADD commands' worth of elements "prefix:i" for i in [from, to). */
function elementBatches(prefix: string, from: number, to: number, batch = 1000): string[][] {
  const out: string[][] = [];
  for (let i = from; i < to; i += batch) {
    const els: string[] = [];
    for (let j = i; j < Math.min(to, i + batch); j++) els.push(`${prefix}:${j}`);
    out.push(els);
  }
  return out;
}

describe.skipIf(!haveRedis)('HyperLogLog side by side with redis-server', () => {
  let redis: ServerHandle;
  let spindle: ServerHandle;
  let rc: RawClient;
  let sc: RawClient;

  beforeAll(async () => {
    [redis, spindle] = await Promise.all([startRedis(), startSpindle()]);
    [rc, sc] = await Promise.all([rawClient(redis.port), rawClient(spindle.port)]);
  });

  afterAll(async () => {
    rc?.close();
    sc?.close();
    await Promise.all([redis?.stop(), spindle?.stop()]);
  });

  /** Runs argv on both servers; returns both replies (as latin1 text). */
  async function both(argv: (string | Buffer)[]): Promise<[string, string]> {
    const [a, b] = await Promise.all([rc.send(argv), sc.send(argv)]);
    return [a.toString('latin1'), b.toString('latin1')];
  }

  async function same(argv: (string | Buffer)[]): Promise<string> {
    const [a, b] = await both(argv);
    expect(b, `reply to ${argv.map(String).join(' ').slice(0, 200)}`).toBe(a);
    return a;
  }

  test('random operations keep replies and bytes identical', async () => {
    const keys = ['h1', 'h2', 'h3', 'h4'];
    for (const seed of [1, 7, 2026, 99991]) {
      const r = rng(seed);
      await same(['FLUSHALL']);
      await same(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
      for (let step = 0; step < 160; step++) {
        const k = keys[Math.floor(r() * keys.length)];
        const x = r();
        if (x < 0.55) {
          const n = Math.floor(r() * (r() < 0.2 ? 400 : 12));
          const argv: (string | Buffer)[] = ['PFADD', k];
          for (let i = 0; i < n; i++) argv.push(randomElement(r));
          await same(argv);
        } else if (x < 0.7) {
          await same(['PFCOUNT', k]);
        } else if (x < 0.78) {
          await same(['PFCOUNT', ...keys.slice(0, 1 + Math.floor(r() * keys.length))]);
        } else if (x < 0.86) {
          await same(['PFMERGE', k, keys[Math.floor(r() * keys.length)], 'missing']);
        } else if (x < 0.9) {
          await same(['CONFIG', 'SET', 'hll-sparse-max-bytes', String(Math.floor(r() * 400) + 20)]);
        } else if (x < 0.94) {
          await same(['PFDEBUG', 'TODENSE', k]);
        } else {
          await same(['PFDEBUG', 'ENCODING', k]);
        }
        await same(['GET', k]);
      }
      for (const k of keys) {
        await same(['GET', k]);
        await same(['OBJECT', 'ENCODING', k]);
      }
    }
    await same(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
  }, 120_000);

  test('crafted and corrupted values get the same replies and bytes', async () => {
    const r = rng(424242);
    const header = (enc: number) => {
      const h = Buffer.from('HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00', 'latin1');
      h[4] = enc;
      if (r() < 0.5) h[15] = 0x80;
      else h[8] = Math.floor(r() * 256);
      return h;
    };
    /** A random opcode sequence covering about 16384 registers, then mutated. */
    const sparse = (): Buffer => {
      const ops: number[] = [];
      let left = 16384;
      while (left > 0) {
        const x = r();
        if (x < 0.4) {
          const v = 1 + Math.floor(r() * 32);
          const len = Math.min(left, 1 + Math.floor(r() * 4));
          ops.push(0x80 | ((v - 1) << 2) | (len - 1));
          left -= len;
        } else if (x < 0.7) {
          const len = Math.min(left, 1 + Math.floor(r() * 64));
          ops.push(len - 1);
          left -= len;
        } else {
          const len = Math.min(left, 1 + Math.floor(r() * (r() < 0.5 ? 300 : 16384)));
          ops.push(0x40 | ((len - 1) >> 8), (len - 1) & 0xff);
          left -= len;
        }
      }
      const m = r();
      if (m < 0.15) ops.length = Math.floor(r() * ops.length);
      else if (m < 0.3) ops[Math.floor(r() * ops.length)] = Math.floor(r() * 256);
      else if (m < 0.4) ops.push(Math.floor(r() * 256));
      else if (m < 0.45) ops.splice(Math.floor(r() * ops.length), 1);
      return Buffer.concat([header(1), Buffer.from(ops)]);
    };
    const dense = (): Buffer => {
      const body = Buffer.alloc(12288);
      for (let i = 0; i < body.length; i++) body[i] = r() < 0.7 ? 0 : Math.floor(r() * 256);
      const v = Buffer.concat([header(0), body]);
      return r() < 0.1 ? v.subarray(0, v.length - 1) : v;
    };
    await same(['FLUSHALL']);
    await same(['PFADD', 'ok', 'a', 'b', 'c']);
    for (let round = 0; round < 250; round++) {
      const v = r() < 0.8 ? sparse() : dense();
      await same(['SET', 'k', v]);
      const x = r();
      if (x < 0.25) await same(['PFCOUNT', 'k']);
      else if (x < 0.5) await same(['PFCOUNT', 'k', 'ok']);
      else if (x < 0.7) await same(['PFADD', 'k', ...Array.from({ length: 1 + Math.floor(r() * 30) }, () => randomElement(r))]);
      else if (x < 0.8) await same(['PFMERGE', 'd', 'k']);
      else if (x < 0.9) await same(['PFDEBUG', r() < 0.5 ? 'TODENSE' : 'GETREG', 'k']);
      else await same(['PFDEBUG', 'DECODE', 'k']);
      await same(['GET', 'k']);
      await same(['GET', 'd']);
      await same(['PFCOUNT', 'k']);
      await same(['PFADD', 'k', randomElement(r)]);
      await same(['GET', 'k']);
    }
  }, 120_000);

  test('an HLL moves between the servers with GET and SET', async () => {
    await same(['FLUSHALL']);
    for (const [from, to] of [[rc, sc], [sc, rc]] as const) {
      for (const n of [5, 300, 5000]) {
        await same(['DEL', 'x']);
        for (const els of elementBatches(`e${n}`, 0, n)) await from.send(['PFADD', 'x', ...els]);
        const bytes = await from.send(['GET', 'x']);
        const body = bytes.subarray(bytes.indexOf('\r\n') + 2, bytes.length - 2);
        await to.send(['SET', 'x', body]);
        await same(['GET', 'x']);
        await same(['PFCOUNT', 'x']);
        for (const els of elementBatches(`more${n}`, 0, n, 250)) await same(['PFADD', 'x', ...els]);
        await same(['GET', 'x']);
        await same(['PFCOUNT', 'x']);
        await same(['PFDEBUG', 'ENCODING', 'x']);
      }
    }
  }, 120_000);

  test('estimates match at several sizes', async () => {
    await same(['FLUSHALL']);
    let done = 0;
    for (const n of [10, 1000, 20000, 50000, 200000]) {
      for (const els of elementBatches('card', done, n)) await same(['PFADD', 'big', ...els]);
      done = n;
      await same(['PFCOUNT', 'big']);
      await same(['GET', 'big']);
    }
    for (const els of elementBatches('other', 0, 30000)) await same(['PFADD', 'other', ...els]);
    await same(['PFCOUNT', 'big', 'other']);
    await same(['PFMERGE', 'dst', 'other', 'big']);
    await same(['GET', 'dst']);
    await same(['PFCOUNT', 'dst']);
  }, 120_000);
});

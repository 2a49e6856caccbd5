/*
 * Stress: hundreds of clients pipelining at once, with values from a few bytes to 1 MB, some
 * clients writing their pipeline in small pieces and some reading slowly (their replies pile up
 * in the server), while other connections come and go. Every reply must arrive intact and in
 * order. Runs in both io-threads modes (npm test and npm run test:io-threads).
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { encodeCommand, scanReply, startSpindle, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;

beforeAll(async () => {
  srv = await startSpindle();
});

afterAll(async () => {
  await srv?.stop();
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function valueFor(client: number, j: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  const head = `${client}:${j}:`;
  b.write(head, 'latin1');
  for (let i = head.length; i < size; i++) b[i] = 97 + ((client * 31 + j * 7 + i) % 26);
  return b;
}

interface Plan {
  request: Buffer;
  expected: Buffer[];
}

/** A client's pipeline: SET/GET/APPEND/STRLEN/INCR/MGET over its own keys, with known replies. */
function plan(client: number, commands: number, rand: () => number): Plan {
  const parts: Buffer[] = [];
  const expected: Buffer[] = [];
  const bulk = (b: Buffer) => Buffer.concat([Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')]);
  let counter = 0;
  for (let j = 0; j < commands; j++) {
    const r = rand();
    const size = r < 0.02 ? 1_000_000 : r < 0.1 ? 100_000 : r < 0.4 ? 1000 : 10;
    const key = `st:${client}:${j}`;
    const v = valueFor(client, j, size);
    parts.push(encodeCommand(['SET', key, v]));
    expected.push(Buffer.from('+OK\r\n'));
    parts.push(encodeCommand(['GET', key]));
    expected.push(bulk(v));
    parts.push(encodeCommand(['APPEND', key, 'xyz']));
    expected.push(Buffer.from(`:${size + 3}\r\n`));
    parts.push(encodeCommand(['INCR', `st:${client}:ctr`]));
    expected.push(Buffer.from(`:${++counter}\r\n`));
    if (j > 0 && j % 5 === 0) {
      parts.push(encodeCommand(['MGET', `st:${client}:${j}`, 'st:none']));
      expected.push(Buffer.concat([Buffer.from('*2\r\n'), bulk(Buffer.concat([v, Buffer.from('xyz')])), Buffer.from('$-1\r\n')]));
    }
  }
  return { request: Buffer.concat(parts), expected };
}

/** Runs one client: sends its pipeline (whole or in pieces), reads (maybe slowly), checks. */
function runClient(client: number, p: Plan, opts: { pieces: number; readDelayMs: number }): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let received = 0;
    const total = p.expected.reduce((n, b) => n + b.length, 0);
    const done = (err: string | null) => {
      sock.destroy();
      resolve(err);
    };
    sock.on('error', (e) => done(`client ${client}: ${e.message}`));
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      received += d.length;
      if (received < total) return;
      const all = Buffer.concat(chunks);
      let pos = 0;
      for (let i = 0; i < p.expected.length; i++) {
        const end = scanReply(all, pos);
        if (end < 0) return done(`client ${client}: reply ${i} incomplete`);
        if (!all.subarray(pos, end).equals(p.expected[i])) {
          return done(`client ${client}: reply ${i} differs: ${all.subarray(pos, Math.min(end, pos + 60)).toString('latin1')}`);
        }
        pos = end;
      }
      done(pos === all.length ? null : `client ${client}: ${all.length - pos} unexpected extra bytes`);
    });
    sock.on('connect', async () => {
      if (opts.readDelayMs > 0) {
        sock.pause();
        setTimeout(() => sock.resume(), opts.readDelayMs);
      }
      const step = Math.ceil(p.request.length / opts.pieces);
      for (let off = 0; off < p.request.length; off += step) {
        sock.write(p.request.subarray(off, off + step));
        if (opts.pieces > 1) await new Promise((r) => setImmediate(r));
      }
    });
  });
}

test('200 pipelining clients with large values and slow readers get every reply, in order', async () => {
  const rand = rng(42);
  const jobs: Promise<string | null>[] = [];
  for (let client = 0; client < 200; client++) {
    const p = plan(client, 12, rand);
    const pieces = client % 3 === 0 ? 37 : 1;
    const readDelayMs = client % 10 === 0 ? 1500 : 0;
    jobs.push(runClient(client, p, { pieces, readDelayMs }));
  }
  // Connections that come and go meanwhile.
  const churn = (async () => {
    for (let i = 0; i < 50; i++) {
      const err = await runClient(1000 + i, plan(1000 + i, 2, rand), { pieces: 1, readDelayMs: 0 });
      if (err !== null) return err;
    }
    return null;
  })();
  const errors = (await Promise.all([...jobs, churn])).filter((e) => e !== null);
  expect(errors).toEqual([]);
}, 90_000);

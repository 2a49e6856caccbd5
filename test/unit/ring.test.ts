import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  FRAME_FIRST,
  FRAME_LAST,
  FRAME_MORE,
  FRAME_WHOLE,
  MessageAssembler,
  RING_HEADER_BYTES,
  RingConsumer,
  RingOutbox,
  RingProducer,
  createRing,
  maxFramePayload,
} from '../../src/io-threads/ring.ts';
import {
  Endpoint,
  checkFrame,
  fillFrame,
  frameSize,
  type EndpointStats,
  type SendOptions,
  type StreamSpec,
  type TrafficWorkerData,
} from './ring-worker.ts';
import { rng } from '../helpers/rng.ts';

function pattern(len: number, salt: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 131 + salt * 17 + (i >>> 8)) & 255;
  return b;
}

function pair(capacity: number, startPosition = 0) {
  const sab = createRing(capacity, { startPosition });
  const kicks = { data: 0, space: 0 };
  const p = new RingProducer(sab, () => kicks.data++);
  const c = new RingConsumer(sab, () => kicks.space++);
  return { sab, p, c, kicks };
}

/** Reads every published frame as [tag, kind, bytes] (copies), then releases. */
function readAll(c: RingConsumer): Array<[number, number, Uint8Array]> {
  const out: Array<[number, number, Uint8Array]> = [];
  while (c.peek() >= 0) {
    out.push([c.tag, c.kind, c.data.slice(c.offset, c.offset + c.length)]);
    expect(c.offset + c.length).toBeLessThanOrEqual(c.capacity); // never wraps
    expect(c.offset % 4).toBe(0);
    c.advance();
  }
  c.release();
  return out;
}

describe('ring: single thread', () => {
  it('rejects bad capacities and foreign buffers', () => {
    expect(() => createRing(100)).toThrow(RangeError);
    expect(() => createRing(32)).toThrow(RangeError);
    expect(() => createRing(1024, { startPosition: 2 })).toThrow(RangeError);
    expect(() => new RingProducer(new SharedArrayBuffer(1024))).toThrow(TypeError);
    const sab = createRing(1024);
    expect(sab.byteLength).toBe(RING_HEADER_BYTES + 1024);
    expect(new RingProducer(sab).maxFrame).toBe(maxFramePayload(1024));
    expect(maxFramePayload(1024)).toBe(500);
  });

  it('scanAhead sees the frames after the current one, across the wrap, without consuming them', () => {
    // Start near the end of the counter space and of the data area: frames wrap with a PAD.
    const { p, c } = pair(256, 2 ** 32 - 96);
    expect(p.writeFrame(pattern(20, 1), 1)).toBe(true);
    expect(p.writeFrame(pattern(40, 2), 2)).toBe(true);
    expect(p.writeFrame(pattern(60, 3), 3)).toBe(true);
    p.commit();
    expect(c.peek()).toBe(20);
    const seen: { tag: number; bytes: Uint8Array; end: number }[] = [];
    c.scanAhead((off, len, tag, kind, end) => {
      expect(kind).toBe(FRAME_WHOLE);
      seen.push({ tag, bytes: c.data.slice(off, off + len), end });
      return true;
    });
    expect(seen.map((s) => s.tag)).toEqual([2, 3]);
    expect(seen[0].bytes).toEqual(pattern(40, 2));
    expect(seen[1].bytes).toEqual(pattern(60, 3));
    // Resuming from an end visits what follows; a false return stops the scan.
    const later: number[] = [];
    c.scanAhead((_o, _l, tag) => later.push(tag) < 0, seen[0].end);
    expect(later).toEqual([3]);
    // The drain still delivers every frame, at the positions the scan reported as ends.
    c.advance();
    expect(c.peek()).toBe(40);
    expect(c.tag).toBe(2);
    c.advance();
    expect(c.peek()).toBe(60);
    expect(c.position).toBe(((seen[1].end - 8 - 60) >>> 0));
    expect(p.releasedUpTo(p.position)).toBe(false);
    c.advance();
    c.release();
    expect(p.releasedUpTo(p.position)).toBe(true);
  });

  it('round-trips one frame, with tag and zero-length frames', () => {
    const { p, c } = pair(256);
    expect(c.peek()).toBe(-1);
    const off = p.reserve(5, 77);
    expect(off).toBeGreaterThanOrEqual(0);
    p.data.set([1, 2, 3, 4, 5], off);
    expect(c.peek()).toBe(-1); // not committed yet
    p.commit();
    expect(p.writeFrame(new Uint8Array(0), 9)).toBe(true);
    p.commit();
    expect(c.peek()).toBe(5);
    expect(c.peek()).toBe(5); // idempotent
    expect([c.tag, c.kind, c.total]).toEqual([77, FRAME_WHOLE, 5]);
    expect([...c.data.subarray(c.offset, c.offset + 5)]).toEqual([1, 2, 3, 4, 5]);
    c.advance();
    expect(c.peek()).toBe(0);
    expect(c.tag).toBe(9);
    c.advance();
    expect(c.peek()).toBe(-1);
    expect(() => c.advance()).toThrow();
    c.release();
  });

  it('every size from 0 to maxFrame round-trips', () => {
    const { p, c } = pair(1024);
    for (let len = 0; len <= p.maxFrame; len++) {
      const b = pattern(len, len);
      expect(p.writeFrame(b, len)).toBe(true);
      p.commit();
      const got = readAll(c);
      expect(got.length).toBe(1);
      expect(got[0]![0]).toBe(len);
      expect(Buffer.from(got[0]![2]).equals(Buffer.from(b))).toBe(true);
    }
    expect(() => p.reserve(p.maxFrame + 1)).toThrow(RangeError);
    expect(() => p.reserve(-1)).toThrow(RangeError);
  });

  it('pads at the end instead of wrapping a frame', () => {
    const { p, c } = pair(64);
    // 64-byte ring: frame of 20 payload bytes = 28 bytes. Two fit (56), the third must pad 8 bytes.
    expect(p.writeFrame(pattern(20, 1), 1)).toBe(true);
    expect(p.writeFrame(pattern(20, 2), 2)).toBe(true);
    p.commit();
    expect(p.reserve(20, 3)).toBe(-1); // 8 bytes at the end + 28 > 64 - 56 free
    expect(readAll(c).map((f) => f[0])).toEqual([1, 2]);
    const off = p.reserve(20, 3);
    expect(off).toBe(8); // frame at offset 0, payload after the 8-byte header
    p.data.set(pattern(20, 3), off);
    p.commit();
    const got = readAll(c);
    expect(got.map((f) => f[0])).toEqual([3]);
    expect(Buffer.from(got[0]![2]).equals(Buffer.from(pattern(20, 3)))).toBe(true);
  });

  it('returns -1 when full, and release frees the space (with a space kick)', () => {
    const { p, c, kicks } = pair(256);
    let n = 0;
    while (p.reserve(24, n) >= 0) n++; // 32 bytes per frame
    expect(n).toBe(8);
    expect(p.uncommitted).toBe(0); // the failed reservation committed everything
    expect(p.waiting).toBe(true);
    expect(p.fullWaits).toBe(1);
    expect(kicks.data).toBe(1); // consumer started asleep
    expect(c.peek()).toBe(24);
    c.advance();
    c.release(); // 32 bytes free < NEED (a quarter of the ring): no kick yet
    expect(kicks.space).toBe(0);
    expect(p.reserve(24, 100)).toBeGreaterThanOrEqual(0); // but the room is usable
    p.commit();
    expect(p.waiting).toBe(false);
    expect(p.reserve(24, 101)).toBe(-1);
    for (let i = 0; i < 2; i++) {
      c.peek();
      c.advance();
    }
    c.release(); // 64 bytes = a quarter: kick
    expect(kicks.space).toBe(1);
    expect(p.waiting).toBe(false);
    c.release(); // nothing new: no second kick
    expect(kicks.space).toBe(1);
    expect(p.reserve(24, 101)).toBeGreaterThanOrEqual(0);
    p.commit();
    const tags = readAll(c).map((f) => f[0]);
    expect(tags).toEqual([3, 4, 5, 6, 7, 100, 101]);
  });

  it('a waiting producer is kicked at the latest when the consumer empties the ring', () => {
    const { p, c, kicks } = pair(1024);
    // Fill with small frames, then ask for a big one: NEED is ~its size, more than a quarter.
    let n = 0;
    while (p.reserve(12, n) >= 0) n++;
    expect(p.reserve(400, 999)).toBe(-1);
    // The consumer releases frame by frame: kick only once 408+ bytes are free.
    let freed = 0;
    let kickedAt = -1;
    while (c.peek() >= 0) {
      c.advance();
      c.release();
      freed += 20;
      if (kicks.space === 1 && kickedAt < 0) kickedAt = freed;
    }
    expect(kicks.space).toBe(1);
    expect(kickedAt).toBeGreaterThanOrEqual(408);
    expect(p.reserve(400, 999)).toBeGreaterThanOrEqual(0);
  });

  it('kicks the consumer only on sleep -> data transitions', () => {
    const { p, c, kicks } = pair(1024);
    for (let i = 0; i < 10; i++) {
      p.writeFrame(pattern(10, i), i);
      p.commit();
    }
    expect(kicks.data).toBe(1); // asleep at creation; then it is "awake" until it sleeps
    expect(p.commits).toBe(10);
    expect(readAll(c).length).toBe(10);
    p.writeFrame(pattern(3, 0), 50);
    p.commit();
    expect(kicks.data).toBe(1); // consumer has not said it sleeps
    expect(c.sleep()).toBe(false); // data present: stays awake
    readAll(c);
    expect(c.sleep()).toBe(true);
    expect(c.sleep()).toBe(true);
    p.commit(); // nothing reserved: no publish, no kick
    expect(kicks.data).toBe(1);
    p.writeFrame(pattern(3, 0), 51);
    p.commit();
    expect(kicks.data).toBe(2);
    p.writeFrame(pattern(3, 0), 52);
    p.commit();
    expect(kicks.data).toBe(2);
    expect(readAll(c).map((f) => f[0])).toEqual([51, 52]);
  });

  it('drain() handles everything, releases and sleeps; a budget stops it awake', () => {
    const { p, c, kicks } = pair(4096);
    for (let i = 0; i < 50; i++) p.writeFrame(pattern(i, i), i);
    p.commit();
    const seen: number[] = [];
    expect(c.drain((cc) => seen.push(cc.tag), 20)).toBe(false);
    expect(seen.length).toBe(20);
    expect(c.drain((cc) => seen.push(cc.tag))).toBe(true);
    expect(seen).toEqual([...Array(50).keys()]);
    p.writeFrame(pattern(1, 1), 1);
    const before = kicks.data;
    p.commit();
    expect(kicks.data).toBe(before + 1);
  });

  it('truncate gives back the unused tail of the last reservation', () => {
    const { p, c } = pair(256);
    const off = p.reserveUpTo(4, 100, 7);
    expect(p.lastLength).toBe(100);
    p.data.set(pattern(10, 1), off);
    p.truncate(10);
    expect(p.uncommitted).toBe(8 + 12);
    expect(() => p.reserveUpTo(0, p.maxFrame + 1)).toThrow(RangeError);
    const off2 = p.reserveUpTo(0, p.maxFrame, 8);
    expect(off2).toBe(off + 12 + 8);
    expect(p.lastLength).toBe(p.maxFrame);
    p.truncate(0);
    p.commit();
    expect(() => p.truncate(0)).toThrow();
    const got = readAll(c);
    expect(got.map((f) => [f[0], f[2].length])).toEqual([[7, 10], [8, 0]]);
    expect(Buffer.from(got[0]![2]).equals(Buffer.from(pattern(10, 1)))).toBe(true);
  });

  it('reassembles chunked messages exactly, any size', () => {
    const { p, c } = pair(1024);
    const asm = new MessageAssembler();
    const sizes = [501, 502, 503, 504, 1000, 1023, 1024, 1025, 4096, 10_000, 65_537];
    for (const size of sizes) {
      const msg = pattern(size, size);
      let from = 0;
      let got: Uint8Array | null = null;
      let chunks = 0;
      while (got === null) {
        if (from < size) from = p.writeMessage(msg, 5, from) ? size : p.resumeAt;
        p.commit();
        while (c.peek() >= 0) {
          if (chunks === 0) {
            expect(c.kind).toBe(FRAME_FIRST);
            expect(c.total).toBe(size);
          } else expect([FRAME_MORE, FRAME_LAST]).toContain(c.kind);
          chunks++;
          const m = asm.push(c);
          if (m !== null) {
            expect(c.kind).toBe(FRAME_LAST);
            got = Uint8Array.from(m);
          }
          c.advance();
        }
        c.release();
      }
      expect(from).toBe(size);
      expect(chunks).toBeGreaterThan(1);
      expect(Buffer.from(got).equals(Buffer.from(msg))).toBe(true);
      expect(asm.inProgress).toBe(0);
    }
  });

  it('assembler keeps chunked messages of different tags apart, and rejects bad sequences', () => {
    const { p, c } = pair(1024);
    const asm = new MessageAssembler();
    const a = pattern(3000, 1);
    const b = pattern(2000, 2);
    let fa = 0;
    let fb = 0;
    const done = new Map<number, Uint8Array>();
    let small = 0;
    while (done.size < 2) {
      if (fa < a.length) fa = p.writeMessage(a, 1, fa) ? a.length : p.resumeAt;
      if (fb < b.length) fb = p.writeMessage(b, 2, fb) ? b.length : p.resumeAt;
      p.writeFrame(pattern(7, 3), 3);
      p.commit();
      while (c.peek() >= 0) {
        const m = asm.push(c);
        if (m !== null) {
          if (c.tag === 3) small++;
          else done.set(c.tag, Uint8Array.from(m));
        }
        c.advance();
      }
      c.release();
    }
    expect(small).toBeGreaterThan(0);
    expect(Buffer.from(done.get(1)!).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(done.get(2)!).equals(Buffer.from(b))).toBe(true);

    const bad = pair(1024);
    bad.p.writeMessage(pattern(2000, 0), 1, 0); // FIRST + MORE...
    bad.p.commit();
    bad.c.peek();
    bad.c.advance(); // lose the FIRST
    bad.c.peek();
    expect(() => new MessageAssembler().push(bad.c)).toThrow(/without FIRST/);
  });

  it('outbox queues behind a full ring and keeps order', () => {
    const { p, c, kicks } = pair(1024);
    const box = new RingOutbox(p);
    const msgs: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) msgs.push(pattern(i % 7 === 0 ? 3000 + i : i * 13, i));
    for (let i = 0; i < msgs.length; i++) box.send(msgs[i]!, i);
    p.commit();
    expect(box.pending).toBeGreaterThan(0);
    expect(box.pendingBytes).toBeGreaterThan(0);
    const asm = new MessageAssembler();
    const got: Array<[number, Uint8Array]> = [];
    let rounds = 0;
    while (got.length < msgs.length) {
      expect(++rounds).toBeLessThan(1000);
      const spaceBefore = kicks.space;
      expect(c.drain((cc) => {
        const m = asm.push(cc);
        if (m !== null) got.push([cc.tag, Uint8Array.from(m)]);
      })).toBe(true);
      if (box.pending > 0) expect(kicks.space).toBe(spaceBefore + 1); // the producer waited: kicked
      box.flush();
      p.commit();
    }
    expect(box.pending).toBe(0);
    expect(box.pendingBytes).toBe(0);
    expect(got.map((g) => g[0])).toEqual([...msgs.keys()]);
    for (const [i, m] of got) expect(Buffer.from(m).equals(Buffer.from(msgs[i]!))).toBe(true);
  });

  for (const start of [0, 0xffffffff - 4095, 0x7fffffff - 511]) {
    it(`random model check, counters starting at ${start}`, () => {
      const cap = 512;
      const { p, c } = pair(cap, (start & ~3) >>> 0);
      const rand = rng(start ^ 1234);
      const asm = new MessageAssembler();
      const expected: Array<Uint8Array> = [];
      let nextTag = 0;
      let gotCount = 0;
      let pending: { msg: Uint8Array; from: number; tag: number } | null = null;
      for (let step = 0; step < 20_000; step++) {
        const op = rand();
        if (op < 0.55) {
          if (pending !== null) {
            if (p.writeMessage(pending.msg, pending.tag, pending.from)) pending = null;
            else pending.from = p.resumeAt;
            continue;
          }
          const big = rand() < 0.03;
          const len = big ? p.maxFrame + 1 + Math.floor(rand() * 2000) : Math.floor(rand() * rand() * (p.maxFrame + 1));
          const msg = pattern(len, nextTag);
          const tag = nextTag++;
          expected.push(msg);
          if (!p.writeMessage(msg, tag, 0)) pending = { msg, from: p.resumeAt, tag };
        } else if (op < 0.8) {
          p.commit();
        } else {
          const limit = Math.floor(rand() * 8);
          for (let k = 0; k < limit && c.peek() >= 0; k++) {
            const m = asm.push(c);
            if (m !== null) {
              expect(c.tag).toBe(gotCount);
              expect(Buffer.from(m).equals(Buffer.from(expected[gotCount]!))).toBe(true);
              gotCount++;
            }
            c.advance();
          }
          if (rand() < 0.5) c.release();
        }
      }
      // Finish: alternate until everything is through.
      for (let guard = 0; guard < 10_000 && (pending !== null || gotCount < expected.length); guard++) {
        if (pending !== null) {
          if (p.writeMessage(pending.msg, pending.tag, pending.from)) pending = null;
          else pending.from = p.resumeAt;
        }
        p.commit();
        while (c.peek() >= 0) {
          const m = asm.push(c);
          if (m !== null) {
            expect(Buffer.from(m).equals(Buffer.from(expected[gotCount]!))).toBe(true);
            gotCount++;
          }
          c.advance();
        }
        c.release();
      }
      expect(gotCount).toBe(expected.length);
      expect(gotCount).toBeGreaterThan(1000);
      expect(c.peek()).toBe(-1);
    });
  }
});

// ---------------------------------------------------------------------------
// Two threads
// ---------------------------------------------------------------------------

interface PairResult {
  main: EndpointStats;
  worker: EndpointStats;
  ms: number;
}

/** Main thread and one worker exchange traffic over two rings, driven by MessagePort kicks. */
async function runPair(opts: {
  capacity: number;
  startPosition?: number;
  mainSend: SendOptions;
  workerSend: SendOptions;
  timeoutMs: number;
}): Promise<PairResult> {
  const toWorker = createRing(opts.capacity, { startPosition: opts.startPosition ?? 0 });
  const toMain = createRing(opts.capacity, { startPosition: opts.startPosition ?? 0 });
  const recvSpec = (s: SendOptions): StreamSpec => ({
    frames: s.frames,
    seed: s.seed,
    bigEvery: s.bigEvery,
    bigSize: s.bigSize,
    ...(s.bigFixed === undefined ? {} : { bigFixed: s.bigFixed }),
  });
  const wd: TrafficWorkerData = {
    kind: 'ring-traffic',
    out: toMain,
    inn: toWorker,
    send: opts.workerSend,
    recv: recvSpec(opts.mainSend),
  };
  const worker = new Worker(new URL('./ring-worker.ts', import.meta.url), { workerData: wd });
  const ep = new Endpoint(toWorker, toMain, (code) => worker.postMessage(code), opts.mainSend, recvSpec(opts.workerSend));
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const workerDone = new Promise<EndpointStats>((resolve, reject) => {
      worker.on('message', (m: unknown) => {
        if (typeof m === 'number') ep.onKick(m);
        else if ((m as { type: string }).type === 'done') resolve((m as { stats: EndpointStats }).stats);
        else reject(new Error(`worker: ${(m as { message: string }).message}`));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`worker exited (${code})`)));
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`deadlock or too slow: main ${JSON.stringify(ep.stats())}, producer waiting=${ep.producer.waiting}`));
      }, opts.timeoutMs);
    });
    ep.start();
    const [main, wstats] = await Promise.race([Promise.all([ep.done, workerDone]), timeout]);
    return { main, worker: wstats, ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}

function stream(seed: number, frames: number, extra: Partial<SendOptions> = {}): SendOptions {
  return { frames, seed, bigEvery: 0, bigSize: 0, batchMin: 1, batchMax: 256, slice: 4096, ...extra };
}

describe('ring: two threads', () => {
  const FRAMES = Number(process.env.RING_STRESS_FRAMES ?? 3_000_000);

  it('the traffic checker catches corruption, loss and reordering', () => {
    const spec: StreamSpec = { frames: 10, seed: 9, bigEvery: 0, bigSize: 0 };
    let seq = 0;
    while (frameSize(spec, seq) < 20) seq++;
    const len = frameSize(spec, seq);
    const buf = new Uint8Array(len);
    fillFrame(spec, seq, buf, 0, len);
    expect(() => checkFrame(spec, seq, seq, buf, 0, len)).not.toThrow();
    expect(() => checkFrame(spec, seq + 1, seq + 1, buf, 0, len)).toThrow();
    expect(() => checkFrame(spec, seq, seq + 1, buf, 0, len)).toThrow(/tag/);
    buf[len - 1] = buf[len - 1]! ^ 1;
    expect(() => checkFrame(spec, seq, seq, buf, 0, len)).toThrow(/checksum/);
  });

  it(`full duplex: ${FRAMES} frames each way, random sizes, messages bigger than the ring`, async () => {
    const capacity = 64 * 1024;
    const big = { bigEvery: 40_000, bigSize: 160 * 1024 }; // 80..240 KB messages through a 64 KB ring
    const r = await runPair({
      capacity,
      startPosition: 0xfff00000, // the position counters pass 2^32 during the run
      mainSend: stream(1, FRAMES, big),
      workerSend: stream(2, FRAMES, big),
      timeoutMs: 90_000,
    });
    for (const s of [r.main, r.worker]) {
      expect(s.sent).toBe(FRAMES);
      expect(s.received).toBe(FRAMES);
      expect(s.bigReceived).toBe(Math.floor(FRAMES / 40_000));
      // Batching: far fewer data kicks than frames.
      expect(s.dataKicksSent).toBeLessThanOrEqual(s.commits);
      expect(s.dataKicksSent * 20).toBeLessThan(FRAMES);
    }
    console.log(`duplex ${FRAMES}x2 frames in ${r.ms.toFixed(0)} ms; main ${JSON.stringify(r.main)}; worker ${JSON.stringify(r.worker)}`);
  }, 120_000);

  it('tiny ring under heavy back-pressure: every message chunked or padded, no deadlock', async () => {
    const frames = 200_000;
    const big = { bigEvery: 500, bigSize: 8192, batchMin: 1, batchMax: 64 };
    const r = await runPair({
      capacity: 1024,
      mainSend: stream(3, frames, big),
      workerSend: stream(4, frames, big),
      timeoutMs: 60_000,
    });
    for (const s of [r.main, r.worker]) {
      expect(s.received).toBe(frames);
      expect(s.fullWaits).toBeGreaterThan(0);
      expect(s.spaceKicksSent).toBeGreaterThan(0);
    }
    console.log(`tiny ring ${frames}x2 in ${r.ms.toFixed(0)} ms; main ${JSON.stringify(r.main)}; worker ${JSON.stringify(r.worker)}`);
  }, 90_000);

  it('a 100 MB message each way through a 256 KB ring, between small frames', async () => {
    const big = { bigEvery: 50, bigFixed: 100 * 1024 * 1024 }; // frames 49 and 99 are 100 MB
    const r = await runPair({
      capacity: 256 * 1024,
      mainSend: stream(7, 120, big),
      workerSend: stream(8, 120, big),
      timeoutMs: 60_000,
    });
    for (const s of [r.main, r.worker]) {
      expect(s.received).toBe(120);
      expect(s.bigReceived).toBe(2);
      expect(s.fullWaits).toBeGreaterThan(100);
    }
    console.log(`100 MB x2 each way in ${r.ms.toFixed(0)} ms; main ${JSON.stringify(r.main)}`);
  }, 90_000);

  it('kicks per frame: batched commits need far fewer kicks than frames', async () => {
    const frames = 300_000;
    const r = await runPair({
      capacity: 256 * 1024,
      mainSend: stream(5, 0),
      workerSend: stream(6, frames, { batchMin: 100, batchMax: 100 }),
      timeoutMs: 60_000,
    });
    expect(r.main.received).toBe(frames);
    // One commit per 100 frames, plus the automatic commit when a reservation finds the ring
    // full (also when the re-check then finds room, which fullWaits does not count: 5% slack).
    expect(r.worker.commits).toBeLessThanOrEqual((frames / 100) * 1.05 + r.worker.fullWaits + 1);
    expect(r.worker.dataKicksSent).toBeLessThanOrEqual(r.worker.commits);
    expect(r.worker.dataKicksSent * 50).toBeLessThan(frames);
    expect(r.main.kicksReceived).toBeLessThanOrEqual(r.worker.dataKicksSent); // a kick can still be in flight
    console.log(`batch 100: ${frames} frames, ${r.worker.commits} commits, ${r.worker.dataKicksSent} kicks, ${r.main.sleeps} consumer sleeps, ${r.ms.toFixed(0)} ms`);
  }, 90_000);
});

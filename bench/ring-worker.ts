/*
 * Roles for bench/ring.ts, shared by the main thread and the benchmark worker, and the worker's
 * entry point (runs when loaded with workerData.kind === 'ring-bench').
 *
 * Kick codes on the port, the same in both directions: KICK_DATA "the ring you consume has
 * frames", KICK_SPACE "the ring you produce into has room". Anything else is a control object.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { RingConsumer, RingProducer } from '../src/io-threads/ring.ts';

export const KICK_DATA = 1;
export const KICK_SPACE = 2;
export const END_TAG = 0xffffffff;
const DRAIN_BUDGET = 4096;

export type Mode = 'm2w' | 'w2m' | 'pingpong';

export interface CaseSetup {
  cmd: 'setup';
  mode: Mode;
  toWorker: SharedArrayBuffer;
  toMain: SharedArrayBuffer;
  size: number;
  batch: number;
  durationMs: number;
}

export interface DoneMsg {
  type: 'done';
  cpuUs: number;
  frames: number;
  kicks: number;
  roundTrips: number;
}

export function threadCpuUs(): number {
  const u = process.threadCpuUsage();
  return u.user + u.system;
}

function copyBytes(src: Uint8Array, so: number, dst: Uint8Array, d: number, len: number): void {
  if (len <= 64) {
    for (let i = 0; i < len; i++) dst[d + i] = src[so + i]!;
  } else {
    dst.set(src.subarray(so, so + len), d);
  }
}

/** Produces frames of `size` bytes, committing every `batch`, until the deadline; then END. */
export class Pump {
  frames = 0;
  private inBatch = 0;
  private batches = 0;
  private deadline = 0;
  private ending = false;
  private readonly checkEvery: number;
  private readonly p: RingProducer;
  private readonly src: Uint8Array;
  private readonly size: number;
  private readonly batch: number;
  private readonly durationMs: number;
  private readonly onEnd: () => void;

  constructor(p: RingProducer, size: number, batch: number, durationMs: number, onEnd: () => void) {
    this.p = p;
    this.size = size;
    this.batch = batch;
    this.durationMs = durationMs;
    this.onEnd = onEnd;
    this.src = new Uint8Array(size).fill(0xab);
    this.checkEvery = Math.max(1, Math.ceil(256 / batch));
  }

  start(): void {
    this.deadline = performance.now() + this.durationMs;
    this.run();
  }

  /** Also the space-kick handler. */
  run(): void {
    const p = this.p;
    if (this.ending) {
      this.finish();
      return;
    }
    const { size, batch, src } = this;
    for (;;) {
      while (this.inBatch < batch) {
        const off = p.reserve(size, 0);
        if (off < 0) return; // full: resumes on the space kick
        if (size <= 64) copyBytes(src, 0, p.data, off, size);
        else p.data.set(src, off);
        this.inBatch++;
        this.frames++;
      }
      p.commit();
      this.inBatch = 0;
      if (++this.batches % this.checkEvery === 0 && performance.now() >= this.deadline) {
        this.ending = true;
        this.finish();
        return;
      }
    }
  }

  private finish(): void {
    if (this.p.reserve(0, END_TAG) < 0) return;
    this.p.commit();
    this.onEnd();
  }
}

/** Consumes frames (touching their first and last byte) until END. */
export class Sink {
  frames = 0;
  touch = 0;
  private ended = false;
  private pending = false;
  private readonly c: RingConsumer;
  private readonly onEnd: () => void;
  private readonly onFrame: (c: RingConsumer) => void;

  constructor(c: RingConsumer, onEnd: () => void) {
    this.c = c;
    this.onEnd = onEnd;
    this.onFrame = (cc) => {
      if (cc.tag === END_TAG) {
        this.ended = true;
        return;
      }
      this.frames++;
      if (cc.length > 0) this.touch += cc.data[cc.offset]! + cc.data[cc.offset + cc.length - 1]!;
    };
  }

  /** The data-kick handler. */
  run(): void {
    if (this.ended) return;
    const asleep = this.c.drain(this.onFrame, DRAIN_BUDGET);
    if (this.ended) {
      this.c.release();
      this.onEnd();
      return;
    }
    if (!asleep && !this.pending) {
      this.pending = true;
      setImmediate(() => {
        this.pending = false;
        this.run();
      });
    }
  }
}

/** Ping-pong server: echoes every frame back, one commit per drained batch. */
export class Echo {
  frames = 0;
  private ended = false;
  private pending = false;
  private readonly c: RingConsumer;
  private readonly p: RingProducer;
  private readonly onEnd: () => void;

  constructor(c: RingConsumer, p: RingProducer, onEnd: () => void) {
    this.c = c;
    this.p = p;
    this.onEnd = onEnd;
  }

  /** Both the data-kick and the space-kick handler. */
  run(): void {
    const { c, p } = this;
    if (this.ended) return;
    for (;;) {
      let n = 0;
      while (c.peek() >= 0) {
        if (c.tag === END_TAG) {
          c.advance();
          p.commit();
          c.release();
          this.ended = true;
          this.onEnd();
          return;
        }
        const len = c.length;
        const off = p.reserve(len, c.tag);
        if (off < 0) {
          c.release();
          return; // reply ring full: resumes on the space kick
        }
        copyBytes(c.data, c.offset, p.data, off, len);
        c.advance();
        this.frames++;
        if (++n >= DRAIN_BUDGET) {
          p.commit();
          c.release();
          if (!this.pending) {
            this.pending = true;
            setImmediate(() => {
              this.pending = false;
              this.run();
            });
          }
          return;
        }
      }
      p.commit();
      if (c.sleep()) return;
    }
  }
}

/** Ping-pong client: sends `batch` frames, waits for all echoes, repeats until the deadline. */
export class Client {
  frames = 0;
  roundTrips = 0;
  private toSend = 0;
  private outstanding = 0;
  private deadline = 0;
  private ending = false;
  private pending = false;
  private readonly p: RingProducer;
  private readonly c: RingConsumer;
  private readonly src: Uint8Array;
  private readonly size: number;
  private readonly batch: number;
  private readonly durationMs: number;
  private readonly onEnd: () => void;
  private readonly onFrame: (c: RingConsumer) => void;

  constructor(p: RingProducer, c: RingConsumer, size: number, batch: number, durationMs: number, onEnd: () => void) {
    this.p = p;
    this.c = c;
    this.size = size;
    this.batch = batch;
    this.durationMs = durationMs;
    this.onEnd = onEnd;
    this.src = new Uint8Array(size).fill(0xcd);
    this.onFrame = () => {
      this.outstanding--;
      this.frames++;
    };
  }

  start(): void {
    this.deadline = performance.now() + this.durationMs;
    this.next();
  }

  private next(): void {
    if (performance.now() >= this.deadline) {
      this.ending = true;
      this.pump();
      return;
    }
    this.toSend = this.batch;
    this.outstanding = this.batch;
    this.pump();
  }

  /** Also the space-kick handler. */
  pump(): void {
    const p = this.p;
    const { size, src } = this;
    while (this.toSend > 0) {
      const off = p.reserve(size, 0);
      if (off < 0) return;
      if (size <= 64) copyBytes(src, 0, p.data, off, size);
      else p.data.set(src, off);
      this.toSend--;
    }
    if (this.ending) {
      if (p.reserve(0, END_TAG) < 0) return;
      p.commit();
      this.onEnd();
      return;
    }
    p.commit();
  }

  /** The data-kick handler. */
  receive(): void {
    const asleep = this.c.drain(this.onFrame, DRAIN_BUDGET);
    if (!asleep && !this.pending) {
      this.pending = true; // no kick will come while we are awake: poll again
      setImmediate(() => {
        this.pending = false;
        this.receive();
      });
    }
    if (this.outstanding === 0 && this.toSend === 0 && !this.ending) {
      this.roundTrips++;
      this.next();
    }
  }
}

// ---------------------------------------------------------------------------
// Worker side
// ---------------------------------------------------------------------------

if (!isMainThread && parentPort !== null && (workerData as { kind?: string } | null)?.kind === 'ring-bench') {
  const port = parentPort;
  let onData: () => void = () => {};
  let onSpace: () => void = () => {};
  let echoNumbers = false;
  let start: () => void = () => {};

  port.on('message', (m: unknown) => {
    if (typeof m === 'number') {
      if (echoNumbers) port.postMessage(m);
      else if (m === KICK_DATA) onData();
      else if (m === KICK_SPACE) onSpace();
      return;
    }
    const msg = m as { cmd: string } & Record<string, unknown>;
    if (msg.cmd === 'setup') {
      const s = msg as unknown as CaseSetup;
      echoNumbers = false;
      const cpu0 = threadCpuUs();
      const p = new RingProducer(s.toMain, () => port.postMessage(KICK_DATA));
      const c = new RingConsumer(s.toWorker, () => port.postMessage(KICK_SPACE));
      const done = (frames: number, roundTrips: number) => {
        const d: DoneMsg = { type: 'done', cpuUs: threadCpuUs() - cpu0, frames, kicks: p.kicks + c.kicks, roundTrips };
        port.postMessage(d);
      };
      if (s.mode === 'm2w') {
        const sink: Sink = new Sink(c, () => done(sink.frames, 0));
        onData = () => sink.run();
        onSpace = () => {};
        start = () => {};
      } else if (s.mode === 'w2m') {
        const pump: Pump = new Pump(p, s.size, s.batch, s.durationMs, () => done(pump.frames, 0));
        onData = () => {};
        onSpace = () => pump.run();
        start = () => pump.start();
      } else {
        const client: Client = new Client(p, c, s.size, s.batch, s.durationMs, () => done(client.frames, client.roundTrips));
        onData = () => client.receive();
        onSpace = () => client.pump();
        start = () => client.start();
      }
      port.postMessage({ type: 'ready' });
    } else if (msg.cmd === 'go') {
      start();
    } else if (msg.cmd === 'echo-numbers') {
      echoNumbers = true;
      port.postMessage({ type: 'cpu', cpuUs: threadCpuUs() });
    } else if (msg.cmd === 'cpu') {
      echoNumbers = false;
      port.postMessage({ type: 'cpu', cpuUs: threadCpuUs() });
    } else if (msg.cmd === 'wait-loop') {
      // Atomics.wait is allowed here: this is a worker, and this mode blocks it on purpose.
      const ctl = new Int32Array(msg.ctl as SharedArrayBuffer);
      const cpu0 = threadCpuUs();
      let seen = 0;
      let n = 0;
      for (;;) {
        Atomics.wait(ctl, 0, seen);
        const ping = Atomics.load(ctl, 0);
        if (ping < 0) break;
        seen = ping;
        Atomics.store(ctl, 1, ping);
        Atomics.notify(ctl, 1);
        n++;
      }
      port.postMessage({ type: 'wait-done', cpuUs: threadCpuUs() - cpu0, n });
    } else if (msg.cmd === 'waitasync-loop') {
      // The same with Atomics.waitAsync: the worker's event loop stays free.
      const ctl = new Int32Array(msg.ctl as SharedArrayBuffer);
      const cpu0 = threadCpuUs();
      void (async () => {
        let seen = 0;
        let n = 0;
        for (;;) {
          const r = Atomics.waitAsync(ctl, 0, seen);
          if (r.async) await r.value;
          const ping = Atomics.load(ctl, 0);
          if (ping < 0) break;
          seen = ping;
          Atomics.store(ctl, 1, ping);
          Atomics.notify(ctl, 1);
          n++;
        }
        port.postMessage({ type: 'wait-done', cpuUs: threadCpuUs() - cpu0, n });
      })();
    }
  });
}

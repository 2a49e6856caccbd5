/*
 * Traffic endpoint for the ring stress tests (test/unit/ring.test.ts).
 *
 * An Endpoint owns the producer of one ring and the consumer of the other, and is driven only by
 * its event loop: kicks arrive as numbers on a MessagePort (KICK_DATA: "your inbound ring has
 * frames", KICK_SPACE: "your outbound ring has room"). It sends `frames` frames whose size, tag
 * and bytes derive from (seed, sequence number): bytes 0..3 carry the sequence number, bytes 4..7
 * an FNV-1a checksum of the rest. The receiving side recomputes all of that, so every frame must
 * arrive exactly once, in order, intact. Every `bigEvery`-th frame is a message bigger than the
 * ring, sent through a RingOutbox in chunks.
 *
 * Imported by the test (main thread), and run as a worker when loaded with workerData.kind ===
 * 'ring-traffic'.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  FRAME_WHOLE,
  MessageAssembler,
  RingConsumer,
  RingOutbox,
  RingProducer,
} from '../../src/io-threads/ring.ts';

export const KICK_DATA = 1;
export const KICK_SPACE = 2;

export interface StreamSpec {
  /** Frames in the stream. */
  frames: number;
  /** Distinguishes the two directions' content. */
  seed: number;
  /** Every bigEvery-th frame is a big message (0: none). */
  bigEvery: number;
  /** Big messages are bigSize/2 .. 3*bigSize/2 bytes... */
  bigSize: number;
  /** ...or exactly this many bytes when set. */
  bigFixed?: number;
}

export interface SendOptions extends StreamSpec {
  /** Commit after a random number of frames in batchMin..batchMax. */
  batchMin: number;
  batchMax: number;
  /** Frames produced per event-loop turn. */
  slice: number;
}

export interface EndpointStats {
  sent: number;
  received: number;
  commits: number;
  dataKicksSent: number;
  spaceKicksSent: number;
  kicksReceived: number;
  fullWaits: number;
  sleeps: number;
  releases: number;
  bigSent: number;
  bigReceived: number;
}

function hash32(seed: number, seq: number): number {
  let h = Math.imul(seq ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(seed + 0x27d4eb2f, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Length of frame `seq` of a stream. */
export function frameSize(s: StreamSpec, seq: number): number {
  const h = hash32(s.seed, seq);
  if (s.bigEvery > 0 && seq % s.bigEvery === s.bigEvery - 1) {
    return s.bigFixed ?? (s.bigSize >>> 1) + (h % s.bigSize);
  }
  const r = h % 100;
  const x = h >>> 8;
  if (r < 80) return x % 65; // 0..64
  if (r < 98) return 65 + (x % 448); // 65..512
  return 513 + (x % 7680); // 513..8192
}

/** Fills buf[off, off+len) with frame `seq`'s bytes. */
export function fillFrame(s: StreamSpec, seq: number, buf: Uint8Array, off: number, len: number): void {
  if (len < 8) {
    for (let i = 0; i < len; i++) buf[off + i] = (seq * 31 + i * 7 + s.seed) & 255;
    return;
  }
  let x = hash32(s.seed ^ 0x5bd1e995, seq) | 1;
  let sum = 0x811c9dc5;
  for (let i = 8; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const b = x & 255;
    buf[off + i] = b;
    sum = Math.imul(sum ^ b, 0x01000193);
  }
  writeU32(buf, off, seq);
  writeU32(buf, off + 4, sum);
}

function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 255;
  buf[off + 1] = (v >>> 8) & 255;
  buf[off + 2] = (v >>> 16) & 255;
  buf[off + 3] = (v >>> 24) & 255;
}

function readU32(buf: Uint8Array, off: number): number {
  return (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
}

/** Throws unless buf[off, off+len) is exactly frame `seq`. */
export function checkFrame(s: StreamSpec, seq: number, tag: number, buf: Uint8Array, off: number, len: number): void {
  const want = frameSize(s, seq);
  if (len !== want) throw new Error(`stream ${s.seed}: frame ${seq} has length ${len}, want ${want}`);
  if (tag !== seq >>> 0) throw new Error(`stream ${s.seed}: frame ${seq} has tag ${tag}`);
  if (len < 8) {
    for (let i = 0; i < len; i++) {
      if (buf[off + i] !== ((seq * 31 + i * 7 + s.seed) & 255)) {
        throw new Error(`stream ${s.seed}: frame ${seq} (len ${len}) corrupt at byte ${i}`);
      }
    }
    return;
  }
  const got = readU32(buf, off);
  if (got !== seq >>> 0) throw new Error(`stream ${s.seed}: expected frame ${seq}, got sequence number ${got}`);
  let sum = 0x811c9dc5;
  for (let i = 8; i < len; i++) sum = Math.imul(sum ^ buf[off + i]!, 0x01000193);
  if (readU32(buf, off + 4) !== sum >>> 0) throw new Error(`stream ${s.seed}: frame ${seq} (len ${len}) checksum mismatch`);
}

export class Endpoint {
  readonly producer: RingProducer;
  readonly consumer: RingConsumer;
  readonly outbox: RingOutbox;
  readonly assembler = new MessageAssembler();
  readonly done: Promise<EndpointStats>;

  private readonly send: SendOptions;
  private readonly recv: StreamSpec;
  private sent = 0;
  private received = 0;
  private sinceCommit = 0;
  private batchTarget = 1;
  private rnd = 12345;
  private dataKicksSent = 0;
  private spaceKicksSent = 0;
  private kicksReceived = 0;
  private bigSent = 0;
  private bigReceived = 0;
  private drainPending = false;
  private producePending = false;
  private finished = false;
  private resolve!: (s: EndpointStats) => void;
  private reject!: (e: unknown) => void;
  private readonly onFrame: (c: RingConsumer) => void;

  constructor(out: SharedArrayBuffer, inn: SharedArrayBuffer, post: (code: number) => void, send: SendOptions, recv: StreamSpec) {
    this.send = send;
    this.recv = recv;
    this.rnd = (send.seed * 7919 + 1) | 0;
    this.producer = new RingProducer(out, () => {
      this.dataKicksSent++;
      post(KICK_DATA);
    });
    this.consumer = new RingConsumer(inn, () => {
      this.spaceKicksSent++;
      post(KICK_SPACE);
    });
    this.outbox = new RingOutbox(this.producer);
    this.done = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    this.onFrame = (c) => this.frame(c);
    this.batchTarget = this.nextBatch();
  }

  start(): void {
    this.guard(() => {
      this.produce();
      this.drain(); // consumes anything already there, then sleeps
    });
  }

  onKick(code: number): void {
    this.kicksReceived++;
    this.guard(() => {
      if (code === KICK_DATA) this.drain();
      else if (code === KICK_SPACE) this.produce();
    });
  }

  stats(): EndpointStats {
    return {
      sent: this.sent,
      received: this.received,
      commits: this.producer.commits,
      dataKicksSent: this.dataKicksSent,
      spaceKicksSent: this.spaceKicksSent,
      kicksReceived: this.kicksReceived,
      fullWaits: this.producer.fullWaits,
      sleeps: this.consumer.sleeps,
      releases: this.consumer.releases,
      bigSent: this.bigSent,
      bigReceived: this.bigReceived,
    };
  }

  private guard(fn: () => void): void {
    if (this.finished) return;
    try {
      fn();
    } catch (err) {
      this.finished = true;
      this.reject(err);
    }
  }

  private nextBatch(): number {
    const { batchMin, batchMax } = this.send;
    this.rnd = (Math.imul(this.rnd, 1103515245) + 12345) | 0;
    return batchMin + ((this.rnd >>> 8) % (batchMax - batchMin + 1));
  }

  private produce(): void {
    const s = this.send;
    const p = this.producer;
    if (this.outbox.pending > 0) {
      if (!this.outbox.flush()) return; // still full: wait for the next space kick
      p.commit();
    }
    const end = Math.min(s.frames, this.sent + s.slice);
    while (this.sent < end) {
      const seq = this.sent;
      const len = frameSize(s, seq);
      if (len > p.maxFrame) {
        const msg = new Uint8Array(len);
        fillFrame(s, seq, msg, 0, len);
        this.sent++;
        this.bigSent++;
        if (!this.outbox.send(msg, seq)) return; // ring full, rest queued; space kick resumes
      } else {
        const off = p.reserve(len, seq);
        if (off < 0) return; // ring full (everything before is committed); space kick resumes
        fillFrame(s, seq, p.data, off, len);
        this.sent++;
      }
      if (++this.sinceCommit >= this.batchTarget) {
        p.commit();
        this.sinceCommit = 0;
        this.batchTarget = this.nextBatch();
      }
    }
    if (this.sent < s.frames) {
      if (!this.producePending) {
        this.producePending = true;
        setImmediate(() => {
          this.producePending = false;
          this.guard(() => this.produce());
        });
      }
      return;
    }
    p.commit();
    this.checkDone();
  }

  private drain(): void {
    if (this.consumer.drain(this.onFrame, 4096)) {
      this.checkDone();
      return;
    }
    if (!this.drainPending) {
      this.drainPending = true;
      setImmediate(() => {
        this.drainPending = false;
        this.guard(() => this.drain());
      });
    }
  }

  private frame(c: RingConsumer): void {
    if (this.received >= this.recv.frames) throw new Error(`stream ${this.recv.seed}: more frames than sent`);
    if (c.kind === FRAME_WHOLE) {
      checkFrame(this.recv, this.received, c.tag, c.data, c.offset, c.length);
      this.received++;
      return;
    }
    const msg = this.assembler.push(c);
    if (msg === null) return;
    checkFrame(this.recv, this.received, c.tag, msg, 0, msg.length);
    this.received++;
    this.bigReceived++;
  }

  private checkDone(): void {
    if (this.finished) return;
    if (this.sent === this.send.frames && this.outbox.pending === 0 && this.producer.uncommitted === 0 &&
        this.received === this.recv.frames) {
      this.finished = true;
      this.resolve(this.stats());
    }
  }
}

export interface TrafficWorkerData {
  kind: 'ring-traffic';
  out: SharedArrayBuffer;
  inn: SharedArrayBuffer;
  send: SendOptions;
  recv: StreamSpec;
}

if (!isMainThread && parentPort !== null && (workerData as TrafficWorkerData | null)?.kind === 'ring-traffic') {
  const wd = workerData as TrafficWorkerData;
  const port = parentPort;
  const ep = new Endpoint(wd.out, wd.inn, (code) => port.postMessage(code), wd.send, wd.recv);
  port.on('message', (m: unknown) => {
    if (typeof m === 'number') ep.onKick(m);
  });
  ep.done.then(
    (stats) => port.postMessage({ type: 'done', stats }),
    (err: unknown) => port.postMessage({ type: 'error', message: String((err as Error)?.stack ?? err) }),
  );
  ep.start();
}

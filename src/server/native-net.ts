/*
 * Main-thread client sockets on the addon's socket layer (native/core/net.cc).
 *
 * Why: with Node's sockets each read enters JavaScript through Node's stream glue (a read
 * callback, a callback scope that drains the tick and microtask queues), and each write goes
 * through a WriteWrap; at -P 1 that glue was about 40% of the server's user time. The addon
 * polls the descriptors itself, reads every ready socket of a loop turn into one shared buffer,
 * and enters JavaScript once per turn with the list of reads (dispatch below); the turn's
 * replies go back in one call (the write queue's tail, transport.ts), staged in one buffer.
 * This is Redis's own shape: read everything epoll reported, run it, write all replies before
 * sleeping.
 *
 * A connection is adopted right after Node accepted it (paused, nothing read): the addon
 * duplicates the descriptor and Node's socket is destroyed. Plain TCP and unix sockets on the main
 * thread only; TLS clients and io-threads N keep Node's sockets. Off without the addon, or with
 * SPINDLE_NATIVE_NET=0 in the environment (the start-up log says which is in use).
 */
import type { Socket } from 'node:net';
import { native } from '../native/addon.ts';
import { copyBytes } from '../util/bytes.ts';
import { type QueuedTransport, type Transport, queueWrite, setDrainTail, drainSocketWrites } from './transport.ts';

const READ_BUFFER = 1024 * 1024;
const MAX_RECORDS = 8192;
/** Connections the layer can hold at once; past that, clients get Node's sockets. */
const MAX_SLOTS = 65536;

let initialised = false;
let readBuffer: Buffer;
let records: Int32Array;
let pending: Float64Array;
/** The transport on each slot, or null once it closed. */
const bySlot: Array<NativeTransport | null> = [];

/*
 * This turn's replies, handed to the addon in one call at the end of the drain. Replies up to
 * BIG_REPLY bytes are copied into one staging buffer (a short copy costs less than the addon
 * looking up one typed array per reply); a bigger one is sent on its own, after the batch so far.
 */
const STAGE_BYTES = 256 * 1024;
const BIG_REPLY = 16 * 1024;
const stage = new Uint8Array(new ArrayBuffer(STAGE_BYTES));
let staged = 0;
let batchN = 0;
let batchSlots = new Int32Array(1024);
let batchOffs = new Int32Array(1024);
let batchLens = new Int32Array(1024);
const batchTransports: Array<NativeTransport | null> = [];
const oneSlot = new Int32Array(1);
const oneOff = new Int32Array(1);
const oneLen = new Int32Array(1);

/** Whether accepted connections go to the addon's socket layer. */
export function nativeNetEnabled(): boolean {
  return native !== null && process.env.SPINDLE_NATIVE_NET !== '0';
}

function init(): void {
  initialised = true;
  readBuffer = Buffer.allocUnsafeSlow(READ_BUFFER);
  records = new Int32Array(3 * MAX_RECORDS);
  pending = new Float64Array(MAX_SLOTS);
  native!.netInit(readBuffer, records, pending, dispatch);
  setDrainTail(flushBatch);
}

/*
 * The turn's reads, records [from, to): each goes to its client in order; then the replies go
 * out. A busy script pumps the event loop from inside a record, and the nested dispatch first
 * takes the rest of the outer one's records (other clients' commands read in the same turn must
 * get their -BUSY, as in Redis they would still be unread in the kernel): one cursor walks all of
 * them, so each record runs once and in order.
 */
let cursor = 0;
let end = 0;
let depth = 0;

function dispatch(from: number, to: number): void {
  // Nested dispatches reuse the room of the previous nested one (the addon resets it after each):
  // records below `cursor` have all run, so a `from` below it starts the walk again there.
  if (depth === 0 || from < cursor) cursor = from;
  end = to;
  depth++;
  try {
    const rec = records;
    while (cursor < end) {
      const i = cursor++;
      const t = bySlot[rec[3 * i]!];
      if (t === null || t === undefined) continue;
      const len = rec[3 * i + 2]!;
      if (len > 0) {
        t.onRead(readBuffer, rec[3 * i + 1]!, len);
      } else {
        t.lost(); // EOF or a failed read
      }
    }
  } finally {
    depth--;
  }
  drainSocketWrites();
}

/** Sends the replies staged since the last call (the drain's tail, and before a big reply). */
function flushBatch(): void {
  const n = batchN;
  if (n === 0) return;
  batchN = 0;
  staged = 0;
  const failures = native!.netWrite(stage, batchSlots, batchOffs, batchLens, n);
  const failed: NativeTransport[] | null = failures === 0 ? null : [];
  for (let i = 0; i < n; i++) {
    if (failed !== null && batchSlots[i] === -1) failed.push(batchTransports[i]!);
    batchTransports[i] = null;
  }
  // EPIPE, ECONNRESET: the clients are freed (after the batch is cleared: freeing may stage more).
  if (failed !== null) for (const t of failed) t.lost();
}

function doubled(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(2 * a.length);
  b.set(a);
  return b;
}

function growBatch(): void {
  batchSlots = doubled(batchSlots);
  batchOffs = doubled(batchOffs);
  batchLens = doubled(batchLens);
}

/** A client socket owned by the addon. Replies are queued for the end of the turn, as SocketTransport's. */
export class NativeTransport implements Transport, QueuedTransport {
  readonly slot: number;
  /** The addon's descriptor (CLIENT LIST fd). */
  readonly fd: number;
  deferred = 0;
  dead = false;
  /** Bytes read: buf[off, off+n), valid only during the call. */
  readonly onRead: (buf: Uint8Array, off: number, n: number) => void;
  private readonly onLost: () => void;

  constructor(slot: number, onRead: (buf: Uint8Array, off: number, n: number) => void, onLost: () => void) {
    this.slot = slot;
    this.fd = native!.netFd(slot);
    this.onRead = onRead;
    this.onLost = onLost;
  }

  write(bytes: Uint8Array): void {
    queueWrite(this, bytes);
  }

  /** From the queue's drain: into this turn's batch. */
  send(bytes: Uint8Array): void {
    const len = bytes.length;
    if (len > BIG_REPLY) {
      flushBatch(); // keeps every client's bytes in order
      oneSlot[0] = this.slot;
      oneOff[0] = 0;
      oneLen[0] = len;
      if (native!.netWrite(bytes, oneSlot, oneOff, oneLen, 1) !== 0) this.lost();
      return;
    }
    if (staged + len > STAGE_BYTES) flushBatch();
    const i = batchN;
    if (i === batchSlots.length) growBatch();
    copyBytes(stage, staged, bytes, 0, len);
    batchSlots[i] = this.slot;
    batchOffs[i] = staged;
    batchLens[i] = len;
    batchTransports[i] = this;
    staged += len;
    batchN = i + 1;
  }

  get pendingBytes(): number {
    return this.deferred + pending[this.slot]!;
  }

  /** The connection ended or failed: the server frees the client (which calls destroy). */
  lost(): void {
    if (!this.dead) this.onLost();
  }

  end(): void {
    if (this.dead) return;
    drainSocketWrites();
    this.release();
    native!.netEnd(this.slot);
  }

  destroy(): void {
    if (this.dead) return;
    this.release();
    native!.netClose(this.slot);
  }

  abort(): void {
    this.destroy();
  }

  pauseReading(paused: boolean): void {
    if (!this.dead) native!.netPause(this.slot, paused);
  }

  private release(): void {
    this.dead = true;
    bySlot[this.slot] = null;
  }
}

/**
 * Moves the accepted connection `sock` (accepted with pauseOnConnect, nothing read) to the addon.
 * Returns null when it cannot (no descriptor, no slot left): the caller keeps Node's socket.
 */
export function adoptNative(sock: Socket, onRead: (buf: Uint8Array, off: number, n: number) => void, onLost: () => void): NativeTransport | null {
  const fd = (sock as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  if (!initialised) init();
  const slot = native!.netOpen(fd);
  if (slot < 0) return null;
  const t = new NativeTransport(slot, onRead, onLost);
  bySlot[slot] = t;
  // The addon has its own descriptor now; this one (never read) is closed.
  sock.destroy();
  return t;
}

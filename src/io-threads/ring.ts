/*
 * Single-producer / single-consumer byte ring over a SharedArrayBuffer, for io-threads.
 *
 * One ring carries frames one way between exactly two threads: one `RingProducer` and one
 * `RingConsumer`, each built over the same SharedArrayBuffer (`createRing`) in its own thread.
 * A pair of rings (one each way) and a MessagePort make one worker's link to the main thread.
 * Nothing in this module blocks: there is no `Atomics.wait` anywhere. A side that has nothing to
 * do returns to its event loop and is woken by a "kick" callback, which the user implements
 * (typically `port.postMessage(code)`).
 *
 * ## Layout
 *
 *   bytes 0..127    header, Int32Array (fields below; producer-owned and consumer-owned fields sit
 *                   on different 64-byte cache lines)
 *   bytes 128..     data area, `capacity` bytes, a power of two (64 B .. 1 GiB)
 *
 *   field   index  written by                     meaning
 *   WPOS    0      producer (store)               end of the published frames (uint32 counter)
 *   WAIT    1      producer sets 1, consumer      "producer found the ring full and sleeps until
 *                  CASes 1->0 (and kicks)          NEED bytes are free"
 *   NEED    2      producer                       free bytes the producer wants before a kick
 *   CAP     3      createRing                     capacity, for attach-time checks
 *   MAGIC   4      createRing
 *   RPOS    16     consumer (store)               end of the released frames (uint32 counter)
 *   SLEEP   17     consumer sets 1, producer      "consumer found the ring empty and sleeps until
 *                  CASes 1->0 (and kicks)          kicked"; 1 at creation
 *
 * Positions are free-running uint32 byte counters (stored in Int32 slots, read back with `>>> 0`);
 * `(WPOS - RPOS) >>> 0` is the number of bytes in use, from 0 (empty) to `capacity` (full), so
 * full and empty are never confused, and the counters may wrap past 2^32 freely. A position's
 * offset in the data area is `pos & (capacity - 1)`.
 *
 * ## Frames
 *
 *   word 0   bits 0..29 payload length, bits 30..31 kind: WHOLE 0, FIRST 1, MORE 2, LAST 3
 *   word 1   tag: a uint32 the user chooses (client id, message type...)
 *   word 2   FIRST only: total length of the message (uint32)
 *   payload, then zero to three bytes of padding: every frame starts on a 4-byte boundary.
 *
 * A frame never wraps around the end of the data area. When the next frame does not fit in the
 * bytes left before the end, the producer writes the word 0xFFFFFFFF (PAD) there and puts the
 * frame at offset 0; the consumer skips from a PAD word to the next lap. The largest frame takes
 * at most half the ring, so a frame plus its padding always fits in an empty ring.
 *
 * A message longer than `maxFrame` travels as FIRST, MORE..., LAST chunks with the same tag
 * (`RingProducer.writeMessage`, `RingOutbox`); the consumer reassembles them (`MessageAssembler`)
 * or streams them onward. Chunks of messages with different tags may interleave; chunks of two
 * messages with the same tag must not.
 *
 * ## Memory ordering
 *
 * Only WPOS/RPOS and the flags are accessed with Atomics (sequentially consistent in JS). The
 * producer writes frame bytes with plain stores, then publishes them with one `Atomics.store` of
 * WPOS (`commit`); a consumer that `Atomics.load`s that WPOS value sees those bytes. The consumer
 * stops touching a frame's bytes before it publishes RPOS past it (`release`), and the producer
 * only reuses bytes below an RPOS it has loaded. So each byte has one writer at a time.
 *
 * ## Wake-ups (no lost wake-up, no per-frame signalling)
 *
 * Data direction. The consumer drains frames; when it finds the ring empty it releases, then
 * stores SLEEP=1 and loads WPOS once more (`sleep()`). If data appeared meanwhile it takes SLEEP
 * back (CAS 1->0) and keeps draining; otherwise it returns to its event loop. The producer, after
 * every `commit` (one `Atomics.store(WPOS)`), loads SLEEP; only if it reads 1 and wins
 * CAS(SLEEP, 1->0) does it call `kick()`. Why nothing is lost: both sides do "store my field,
 * then load the other's" with sequentially consistent atomics (Dekker's pattern), so for any
 * commit racing with a consumer going to sleep, either the consumer's final load sees the new
 * WPOS (it keeps going) or the producer's load sees SLEEP=1 (it kicks), or both; the CAS lets
 * exactly one of them clear SLEEP, so a sleep produces at most one kick. A kick can be spurious
 * (the consumer took SLEEP back, or the data was already drained): handlers must tolerate an
 * empty ring. While SLEEP is 0 the consumer has promised to look at the ring again by itself
 * (it is draining, or has scheduled more draining), so commits cost one load and no message.
 *
 * Space direction (back-pressure), the same pattern mirrored. A producer whose reservation does
 * not fit first commits what it has (so the consumer can make progress), then stores NEED and
 * WAIT=1 and loads RPOS again; if the space is there now it takes WAIT back and carries on,
 * otherwise the reservation returns -1 and the producer goes back to its event loop. The
 * consumer, after every `release` (one `Atomics.store(RPOS)`), loads WAIT; if it is 1 and at
 * least NEED bytes are free, it wins CAS(WAIT, 1->0) and calls its `kick()`. NEED is at least a
 * quarter of the ring (hysteresis: the producer wakes to a lot of room, not to every release),
 * and at most the whole ring, so the kick comes at the latest when the consumer has released
 * everything, which it does before it sleeps: the producer committed everything before waiting,
 * so the consumer cannot sleep on a non-empty ring while the producer waits for space.
 *
 * Cost per batch: producer one store + one load, consumer one store + one load; a MessagePort
 * message only on a sleep/wake transition.
 */

export const FRAME_WHOLE = 0;
export const FRAME_FIRST = 1;
export const FRAME_MORE = 2;
export const FRAME_LAST = 3;

const H_WPOS = 0;
const H_WAIT = 1;
const H_NEED = 2;
const H_CAP = 3;
const H_MAGIC = 4;
const H_RPOS = 16;
const H_SLEEP = 17;
const HEADER_INTS = 32;
/** Bytes before the data area. */
export const RING_HEADER_BYTES = HEADER_INTS * 4;
const MAGIC = 0x52494e47; // "RING"

const PAD = 0xffffffff;
const LEN_MASK = 0x3fffffff;
const MIN_CAPACITY = 64;
const MAX_CAPACITY = 1 << 30;

export interface CreateRingOptions {
  /**
   * Initial value of both position counters (testing: start near 2^32 to exercise the wrap of
   * the counters). Must be a multiple of 4. Default 0.
   */
  startPosition?: number;
}

/** Allocates and initialises the SharedArrayBuffer for one ring of `capacity` data bytes. */
export function createRing(capacity: number, options: CreateRingOptions = {}): SharedArrayBuffer {
  if (!Number.isInteger(capacity) || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY ||
      (capacity & (capacity - 1)) !== 0) {
    throw new RangeError(`ring capacity must be a power of two in [${MIN_CAPACITY}, 2^30]`);
  }
  const start = (options.startPosition ?? 0) >>> 0;
  if ((start & 3) !== 0) throw new RangeError('startPosition must be a multiple of 4');
  const sab = new SharedArrayBuffer(RING_HEADER_BYTES + capacity);
  const h = new Int32Array(sab, 0, HEADER_INTS);
  h[H_WPOS] = start | 0;
  h[H_RPOS] = start | 0;
  h[H_CAP] = capacity | 0;
  h[H_MAGIC] = MAGIC;
  h[H_SLEEP] = 1; // the consumer has not started polling: the first commit kicks
  return sab;
}

function headerOf(sab: SharedArrayBuffer): { h: Int32Array; capacity: number } {
  const h = new Int32Array(sab, 0, HEADER_INTS);
  const capacity = h[H_CAP]!;
  if (h[H_MAGIC] !== MAGIC || sab.byteLength !== RING_HEADER_BYTES + capacity) {
    throw new TypeError('not a ring created by createRing()');
  }
  return { h, capacity };
}

/** Largest payload of one frame in a ring of `capacity` bytes. */
export function maxFramePayload(capacity: number): number {
  return (capacity >>> 1) - 12;
}

/**
 * The writing end. Use from one thread only.
 *
 * `reserve`/`writeFrame`/`writeMessage` append frames that the consumer cannot see yet;
 * `commit()` publishes all of them with one store, and kicks the consumer if it was asleep.
 */
export class RingProducer {
  /** The data area; payload offsets returned by `reserve` index into it. */
  readonly data: Uint8Array;
  /** The same bytes as 32-bit words (payload offsets are multiples of 4). */
  readonly data32: Uint32Array;
  readonly capacity: number;
  /** Largest payload `reserve` accepts. */
  readonly maxFrame: number;
  /** Called (at most once per consumer sleep) when a commit finds the consumer asleep. */
  kick: (() => void) | null;

  /** Number of commits that published something. */
  commits = 0;
  /** Number of kicks sent. */
  kicks = 0;
  /** Number of times a reservation found the ring full and armed the space wait. */
  fullWaits = 0;
  /** Payload length of the last successful reservation (see `reserveUpTo`). */
  lastLength = 0;
  /** After `writeMessage` returned false: the byte of the message to resume from. */
  resumeAt = 0;

  private readonly h: Int32Array;
  private readonly mask: number;
  private readonly minChunk: number;
  private wpos: number; // next free position, including reserved-but-unpublished frames
  private published: number; // last WPOS stored
  private rcache: number; // last RPOS loaded
  private armed = false; // we set WAIT=1 and have not seen it cleared
  private lastFrame = -1; // data offset of the last reserved frame, until commit

  constructor(ring: SharedArrayBuffer, kick: (() => void) | null = null) {
    const { h, capacity } = headerOf(ring);
    this.h = h;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.maxFrame = maxFramePayload(capacity);
    this.minChunk = Math.max(4, Math.min(this.maxFrame, capacity >>> 4, 16384));
    this.data = new Uint8Array(ring, RING_HEADER_BYTES, capacity);
    this.data32 = new Uint32Array(ring, RING_HEADER_BYTES, capacity >>> 2);
    this.kick = kick;
    this.wpos = Atomics.load(h, H_WPOS) >>> 0;
    this.published = this.wpos;
    this.rcache = Atomics.load(h, H_RPOS) >>> 0;
  }

  /**
   * Reserves a WHOLE frame of `length` payload bytes (0..maxFrame) with `tag`. Returns the offset
   * of the payload in `data` (a multiple of 4), or -1 when the ring has no room: then everything
   * reserved before was committed, the space wait is armed, and the consumer will kick once room
   * frees up (retry then). The frame becomes visible at the next `commit()`.
   */
  reserve(length: number, tag = 0): number {
    if (!(length >= 0 && length <= this.maxFrame)) {
      throw new RangeError(`frame length ${length} outside 0..${this.maxFrame}`);
    }
    const f = this.alloc(8, length, length);
    if (f < 0) return -1;
    const w = f >>> 2;
    this.data32[w] = length;
    this.data32[w + 1] = tag >>> 0;
    return f + 8;
  }

  /**
   * Reserves a WHOLE frame with between `min` and `max` payload bytes, as many as fit
   * contiguously right now (see `lastLength`). Returns the payload offset or -1 as `reserve`.
   * Pair with `truncate` when the final size is known only after writing.
   */
  reserveUpTo(min: number, max: number, tag = 0): number {
    if (!(min >= 0 && min <= max && max <= this.maxFrame)) {
      throw new RangeError(`bad reservation range ${min}..${max} (max frame ${this.maxFrame})`);
    }
    const f = this.alloc(8, min, max);
    if (f < 0) return -1;
    const w = f >>> 2;
    this.data32[w] = this.lastLength;
    this.data32[w + 1] = tag >>> 0;
    return f + 8;
  }

  /**
   * Shrinks the frame reserved last (before any commit) to `length` payload bytes; the space
   * beyond is given back. For writers that reserve a maximum and learn the size as they write.
   */
  truncate(length: number): void {
    const f = this.lastFrame;
    if (f < 0) throw new Error('truncate: no uncommitted reservation');
    const old = this.data32[f >>> 2]!;
    if (old > LEN_MASK) throw new Error('truncate: only WHOLE frames (reserve/reserveUpTo)');
    if (!(length >= 0 && length <= old)) throw new RangeError(`truncate: ${length} > ${old}`);
    this.data32[f >>> 2] = length;
    this.wpos = (this.wpos - (((old + 3) & ~3) - ((length + 3) & ~3))) >>> 0;
    this.lastLength = length;
  }

  /** The position after the last frame reserved so far (uncommitted ones included). */
  get position(): number {
    return this.wpos;
  }

  /** True when the consumer has released every frame before position `pos` (loads RPOS). */
  releasedUpTo(pos: number): boolean {
    return ((Atomics.load(this.h, H_RPOS) - pos) | 0) >= 0;
  }

  /** Publishes every frame reserved since the last commit; kicks the consumer if it sleeps. */
  commit(): void {
    const w = this.wpos;
    if (w === this.published) return;
    this.published = w;
    this.lastFrame = -1;
    Atomics.store(this.h, H_WPOS, w | 0);
    this.commits++;
    if (Atomics.load(this.h, H_SLEEP) !== 0 && Atomics.compareExchange(this.h, H_SLEEP, 1, 0) === 1) {
      this.kicks++;
      if (this.kick !== null) this.kick();
    }
  }

  /** Copies `bytes` into one WHOLE frame (not committed). False when the ring is full. */
  writeFrame(bytes: Uint8Array, tag = 0): boolean {
    const off = this.reserve(bytes.length, tag);
    if (off < 0) return false;
    this.data.set(bytes, off);
    return true;
  }

  /**
   * Writes the message `msg` (any length below 4 GiB) from byte `from` on: as one WHOLE frame if
   * it is at most `maxFrame` bytes, else as FIRST/MORE/LAST chunks sized to the room available.
   * Returns true when all of it is written (not yet committed). False when the ring filled up:
   * the space wait is armed and `resumeAt` holds the `from` to call again with after the
   * consumer's kick (write nothing else with the same tag in between).
   */
  writeMessage(msg: Uint8Array, tag: number, from = 0): boolean {
    const n = msg.length;
    if (n <= this.maxFrame) {
      if (from !== 0) throw new RangeError('writeMessage: small messages are written whole');
      this.resumeAt = 0;
      return this.writeFrame(msg, tag);
    }
    if (n > 0xffffffff) throw new RangeError('writeMessage: messages are limited to 4 GiB - 1');
    while (from < n) {
      const first = from === 0;
      const hdr = first ? 12 : 8;
      const rest = n - from;
      const max = Math.min(rest, this.maxFrame);
      const f = this.alloc(hdr, Math.min(rest, this.minChunk), max);
      if (f < 0) {
        this.resumeAt = from;
        return false;
      }
      const len = this.lastLength;
      const kind = first ? FRAME_FIRST : len === rest ? FRAME_LAST : FRAME_MORE;
      const w = f >>> 2;
      this.data32[w] = (len | (kind << 30)) >>> 0;
      this.data32[w + 1] = tag >>> 0;
      if (first) this.data32[w + 2] = n;
      this.data.set(msg.subarray(from, from + len), f + hdr);
      from += len;
    }
    this.resumeAt = n;
    return true;
  }

  /** True while the producer waits for the consumer to free space (a kick will come). */
  get waiting(): boolean {
    return this.armed && Atomics.load(this.h, H_WAIT) !== 0;
  }

  /** Bytes reserved but not yet committed. */
  get uncommitted(): number {
    return (this.wpos - this.published) >>> 0;
  }

  /**
   * Finds room for one frame with a `hdr`-byte header and min..max payload bytes. Returns the
   * frame's data offset (header first) and sets `lastLength`, or -1 after arming the space wait.
   */
  private alloc(hdr: number, min: number, max: number): number {
    const cap = this.capacity;
    const needMin = hdr + ((min + 3) & ~3);
    for (let attempt = 0; ; attempt++) {
      let w = this.wpos;
      const off = w & this.mask;
      const tail = cap - off;
      const free = cap - ((w - this.rcache) >>> 0);
      const spaceA = tail < free ? tail : free; // contiguous room at w
      const spaceB = free - tail; // contiguous room at offset 0 after padding to the end
      let space: number;
      let frame: number;
      if (spaceA >= needMin && (spaceA - hdr >= max || spaceA >= spaceB)) {
        space = spaceA;
        frame = off;
      } else if (spaceB >= needMin) {
        space = spaceB;
        this.data32[off >>> 2] = PAD;
        w = (w + tail) >>> 0;
        frame = 0;
      } else {
        if (attempt === 0) {
          this.rcache = Atomics.load(this.h, H_RPOS) >>> 0;
          continue;
        }
        if (attempt === 1 && this.armWait(needMin <= tail ? needMin : tail + needMin)) continue;
        return -1;
      }
      let len = (space - hdr) & ~3;
      if (len > max) len = max;
      this.wpos = (w + hdr + ((len + 3) & ~3)) >>> 0;
      this.lastLength = len;
      this.lastFrame = frame;
      if (this.armed) {
        this.armed = false;
        Atomics.compareExchange(this.h, H_WAIT, 1, 0);
      }
      return frame;
    }
  }

  /** Arms the space wait for `need` free bytes; true if the space is there after all. */
  private armWait(need: number): boolean {
    this.commit(); // the consumer must see everything, or it could sleep on a ring we fill
    const cap = this.capacity;
    const quarter = cap >>> 2;
    Atomics.store(this.h, H_NEED, need > quarter ? need : quarter);
    Atomics.store(this.h, H_WAIT, 1);
    this.armed = true;
    this.rcache = Atomics.load(this.h, H_RPOS) >>> 0;
    if (cap - ((this.wpos - this.rcache) >>> 0) >= need) return true; // alloc clears WAIT
    this.fullWaits++;
    return false;
  }
}

/**
 * The reading end. Use from one thread only.
 *
 * `peek()` looks at the next frame (filling `offset`, `length`, `tag`, `kind`, `total`),
 * `advance()` moves past it, `release()` hands all frames advanced over back to the producer with
 * one store. Frame bytes stay valid until the `release()` that covers them.
 */
export class RingConsumer {
  readonly data: Uint8Array;
  readonly data32: Uint32Array;
  readonly capacity: number;
  /** Called (at most once per producer wait) when a release gives a waiting producer room. */
  kick: (() => void) | null;

  /** Current frame (after a successful `peek`): payload offset in `data`. */
  offset = 0;
  /** Current frame payload length, or -1 when there is no current frame. */
  length = -1;
  /** Current frame tag. */
  tag = 0;
  /** Current frame kind: FRAME_WHOLE/FIRST/MORE/LAST. */
  kind = 0;
  /** Current frame: whole message length for WHOLE and FIRST frames, else 0. */
  total = 0;

  /** Releases that published something. */
  releases = 0;
  /** Space kicks sent to the producer. */
  kicks = 0;
  /** Times `sleep()` really went to sleep. */
  sleeps = 0;

  private readonly h: Int32Array;
  private readonly mask: number;
  private rpos: number; // start of the next frame to peek
  private next = 0; // start of the frame after the current one
  private published: number; // last RPOS stored
  private wcache: number; // last WPOS loaded

  constructor(ring: SharedArrayBuffer, kick: (() => void) | null = null) {
    const { h, capacity } = headerOf(ring);
    this.h = h;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.data = new Uint8Array(ring, RING_HEADER_BYTES, capacity);
    this.data32 = new Uint32Array(ring, RING_HEADER_BYTES, capacity >>> 2);
    this.kick = kick;
    this.rpos = Atomics.load(h, H_RPOS) >>> 0;
    this.published = this.rpos;
    this.wcache = this.rpos;
  }

  /**
   * Loads the next frame into `offset`/`length`/`tag`/`kind`/`total` and returns its payload
   * length (0 is a valid length), or -1 when no published frame is left. Calling it again
   * without `advance()` returns the same frame.
   */
  peek(): number {
    if (this.length >= 0) return this.length;
    for (;;) {
      const r = this.rpos;
      if (r === this.wcache) {
        this.wcache = Atomics.load(this.h, H_WPOS) >>> 0;
        if (r === this.wcache) return -1;
      }
      const off = r & this.mask;
      const word = this.data32[off >>> 2]!;
      if (word === PAD) {
        this.rpos = (r + this.capacity - off) >>> 0;
        continue;
      }
      const len = word & LEN_MASK;
      const kind = word >>> 30;
      const hdr = kind === FRAME_FIRST ? 12 : 8;
      this.kind = kind;
      this.tag = this.data32[(off >>> 2) + 1]!;
      this.total = kind === FRAME_WHOLE ? len : kind === FRAME_FIRST ? this.data32[(off >>> 2) + 2]! : 0;
      this.offset = off + hdr;
      this.length = len;
      this.next = (r + hdr + ((len + 3) & ~3)) >>> 0;
      return len;
    }
  }

  /** Position of the current frame (after `peek`): where it starts in the free-running counter. */
  get position(): number {
    return this.rpos;
  }

  /**
   * Looks at the frames published after the current one without consuming them (they stay for
   * `drain`): calls visit(offset, length, tag, kind, end) for each, `end` being the position after
   * it, from position `from` (default: right after the current frame) until visit returns false
   * or none is left. For a consumer that must look ahead while the current frame is in use.
   */
  scanAhead(visit: (offset: number, length: number, tag: number, kind: number, end: number) => boolean, from = -1): void {
    if (this.length < 0) return;
    const w = Atomics.load(this.h, H_WPOS) >>> 0;
    let r = from === -1 ? this.next : from >>> 0;
    while (r !== w) {
      const off = r & this.mask;
      const word = this.data32[off >>> 2]!;
      if (word === PAD) {
        r = (r + this.capacity - off) >>> 0;
        continue;
      }
      const len = word & LEN_MASK;
      const kind = word >>> 30;
      const hdr = kind === FRAME_FIRST ? 12 : 8;
      const end = (r + hdr + ((len + 3) & ~3)) >>> 0;
      if (!visit(off + hdr, len, this.data32[(off >>> 2) + 1]!, kind, end)) return;
      r = end;
    }
  }

  /** Moves past the current frame (its bytes stay readable until `release()`). */
  advance(): void {
    if (this.length < 0) throw new Error('advance() without a current frame');
    this.rpos = this.next;
    this.length = -1;
  }

  /** Gives every frame advanced over back to the producer; kicks it if it waits for the room. */
  release(): void {
    const r = this.rpos;
    if (r === this.published) return;
    this.published = r;
    Atomics.store(this.h, H_RPOS, r | 0);
    this.releases++;
    if (Atomics.load(this.h, H_WAIT) !== 0) {
      const need = Atomics.load(this.h, H_NEED);
      const used = (Atomics.load(this.h, H_WPOS) - r) >>> 0;
      if (this.capacity - used >= need && Atomics.compareExchange(this.h, H_WAIT, 1, 0) === 1) {
        this.kicks++;
        if (this.kick !== null) this.kick();
      }
    }
  }

  /**
   * Releases, then announces that this consumer stops polling. Returns true when it is asleep
   * (the producer's next commit will kick), false when frames arrived in the meantime: keep
   * draining then (a spurious kick may still follow).
   */
  sleep(): boolean {
    this.release();
    Atomics.store(this.h, H_SLEEP, 1);
    const w = Atomics.load(this.h, H_WPOS) >>> 0;
    this.wcache = w;
    if (w !== this.rpos) {
      Atomics.compareExchange(this.h, H_SLEEP, 1, 0);
      return false;
    }
    this.sleeps++;
    return true;
  }

  /**
   * Drains frames: calls `onFrame(this)` for each (read `offset`, `length`, `tag`, `kind`,
   * `total`; do not call peek/advance/release from it), releases at least every half ring and at
   * the end, then goes to sleep. Returns true when asleep (wait for a kick), false when `budget`
   * frames were handled and more may be pending: then the caller must call `drain` again soon by
   * itself (e.g. from setImmediate), since no kick will come.
   */
  drain(onFrame: (c: RingConsumer) => void, budget = Infinity): boolean {
    const half = this.capacity >>> 1;
    let n = 0;
    for (;;) {
      while (this.peek() >= 0) {
        onFrame(this);
        this.advance();
        if (((this.rpos - this.published) >>> 0) >= half) this.release();
        if (++n >= budget) {
          this.release();
          return false;
        }
      }
      if (this.sleep()) return true;
    }
  }

  /** Bytes published by the producer and not yet advanced over (loads WPOS). */
  available(): number {
    this.wcache = Atomics.load(this.h, H_WPOS) >>> 0;
    return (this.wcache - this.rpos) >>> 0;
  }
}

/**
 * Rebuilds chunked messages on the consumer side. `push(consumer)` for the current frame returns
 * the complete message when there is one: for a WHOLE frame a view into the ring (valid until
 * `release()`), for a LAST chunk a buffer of its own; otherwise null. Chunks of different tags
 * may interleave.
 */
export class MessageAssembler {
  private readonly partial = new Map<number, { buf: Uint8Array; filled: number }>();

  push(c: RingConsumer): Uint8Array | null {
    const { kind, tag, offset, length } = c;
    if (kind === FRAME_WHOLE) {
      if (this.partial.has(tag)) throw new Error(`ring: WHOLE frame inside a chunked message (tag ${tag})`);
      return c.data.subarray(offset, offset + length);
    }
    if (kind === FRAME_FIRST) {
      if (this.partial.has(tag)) throw new Error(`ring: FIRST frame inside a chunked message (tag ${tag})`);
      const buf = Buffer.allocUnsafeSlow(c.total);
      if (length > c.total) throw new Error('ring: chunk longer than its message');
      buf.set(c.data.subarray(offset, offset + length), 0);
      this.partial.set(tag, { buf, filled: length });
      return null;
    }
    const p = this.partial.get(tag);
    if (p === undefined) throw new Error(`ring: ${kind === FRAME_MORE ? 'MORE' : 'LAST'} chunk without FIRST (tag ${tag})`);
    if (p.filled + length > p.buf.length) throw new Error('ring: chunks longer than their message');
    p.buf.set(c.data.subarray(offset, offset + length), p.filled);
    p.filled += length;
    if (kind === FRAME_MORE) return null;
    this.partial.delete(tag);
    if (p.filled !== p.buf.length) throw new Error('ring: chunked message shorter than announced');
    return p.buf;
  }

  /** Number of messages whose chunks are still arriving. */
  get inProgress(): number {
    return this.partial.size;
  }
}

/**
 * A producer-side FIFO for a thread that must never wait (the main thread): `send` writes a
 * message now if the ring has room, else keeps a reference to it (the caller must not modify it
 * afterwards) and everything sent later queues behind it. Call `flush()` when the consumer's
 * space kick arrives. Messages of any size; big ones go out in chunks as room frees up. The
 * caller still calls `producer.commit()` (send/flush do not commit, except when the ring fills).
 */
export class RingOutbox {
  readonly producer: RingProducer;
  private msgs: Uint8Array[] = [];
  private tags: number[] = [];
  private head = 0;
  private from = 0; // progress in msgs[head]
  private bytes = 0;

  constructor(producer: RingProducer) {
    this.producer = producer;
  }

  /** Writes or queues `msg`; true when it went into the ring completely. */
  send(msg: Uint8Array, tag: number): boolean {
    let done = 0;
    if (this.head === this.msgs.length) {
      if (this.producer.writeMessage(msg, tag, 0)) return true;
      done = this.from = this.producer.resumeAt;
    }
    this.msgs.push(msg);
    this.tags.push(tag);
    this.bytes += msg.length - done;
    return false;
  }

  /** Writes queued messages until the ring is full again; true when the queue is empty. */
  flush(): boolean {
    while (this.head < this.msgs.length) {
      const msg = this.msgs[this.head]!;
      if (!this.producer.writeMessage(msg, this.tags[this.head]!, this.from)) {
        const done = this.producer.resumeAt;
        this.bytes -= done - this.from;
        this.from = done;
        return false;
      }
      this.bytes -= msg.length - this.from;
      this.from = 0;
      this.head++;
    }
    this.msgs.length = 0;
    this.tags.length = 0;
    this.head = 0;
    return true;
  }

  /** Messages waiting (including one partly written). */
  get pending(): number {
    return this.msgs.length - this.head;
  }

  /** Bytes waiting. */
  get pendingBytes(): number {
    return this.bytes;
  }
}

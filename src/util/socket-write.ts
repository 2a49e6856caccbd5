/*
 * Writing reply bytes straight to a plain TCP/unix socket's native handle.
 *
 * Why: `socket.write()` goes through the Writable stream machinery on every call: state
 * updates, a fresh WriteWrap, and for every synchronous write a process.nextTick to run the
 * write callback. A reply batch is usually written whole by the kernel at once (libuv tries
 * write(2) before queueing), so that machinery is pure overhead on the hot path. Here each write
 * calls the handle's writeBuffer directly with one reused request object; only a write the kernel
 * could not take at once (the request went async) keeps its buffer and needs a new request.
 * libuv refuses a try-write while earlier writes are queued, so the order of bytes is kept.
 *
 * What waits in libuv's queue is the handle's writeQueueSize (output-buffer limits).
 * end() and destroy() stay the socket's own: libuv's shutdown waits for queued writes, and a
 * close cancels them (their completions arrive with an error and are ignored).
 *
 * The handle API is Node's internal stream_wrap binding (process.binding); when it is missing
 * or the socket is not a plain one (TLS), writes take socket.write().
 */
import type { Socket } from 'node:net';

interface WriteReq {
  handle: unknown;
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
  bytes: number;
  buffer: Uint8Array | null;
}

interface StreamBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
  kBytesWritten: number;
}

interface NativeHandle {
  writeBuffer(req: WriteReq, data: Uint8Array): number;
  readonly writeQueueSize: number;
}

function loadBinding(): StreamBinding | null {
  if (process.env.SPINDLE_STREAM_WRITES === '1') return null;
  try {
    const p = process as unknown as { binding(name: string): StreamBinding };
    // process.binding warns only under --pending-deprecation; this is its one use.
    const b = p.binding('stream_wrap');
    if (typeof b.WriteWrap !== 'function' || !(b.streamBaseState instanceof Int32Array)) return null;
    return b;
  } catch {
    return null;
  }
}

const binding = loadBinding();

/** An async write finished (or was cancelled by a close): its bytes may go. */
function onComplete(this: WriteReq, _status: number): void {
  this.buffer = null;
}

export class SocketWriter {
  readonly sock: Socket;
  private readonly handle: NativeHandle | null;
  private req: WriteReq | null = null;

  constructor(sock: Socket) {
    this.sock = sock;
    const h = (sock as unknown as { _handle: unknown; encrypted?: boolean })._handle;
    const plain = (sock as unknown as { encrypted?: boolean }).encrypted !== true;
    this.handle = binding !== null && plain && h !== null && typeof (h as NativeHandle)?.writeBuffer === 'function' ? (h as NativeHandle) : null;
  }

  /** Queued bytes, wherever they wait (ours, or the stream's on the fallback path). */
  get queued(): number {
    const h = this.handle;
    return h === null ? this.sock.writableLength : h.writeQueueSize + this.sock.writableLength;
  }

  /** Sends bytes; the caller must not modify them afterwards. */
  write(bytes: Uint8Array): void {
    const handle = this.handle;
    const sock = this.sock;
    // The stream still holds earlier bytes (written before adoption, or an end in progress),
    // or the socket is gone from its handle: keep to the stream so the order holds.
    if (handle === null || sock.writableLength !== 0 || sock.destroyed || (sock as unknown as { _handle: unknown })._handle !== handle) {
      if (!sock.destroyed) sock.write(bytes);
      return;
    }
    const b = binding as StreamBinding;
    let req = this.req;
    if (req === null) {
      req = new b.WriteWrap();
      req.handle = handle;
      req.oncomplete = onComplete;
      req.async = false;
      req.bytes = 0;
      req.buffer = null;
      this.req = req;
    }
    const err = handle.writeBuffer(req, bytes);
    if (err !== 0) {
      // EPIPE, ECONNRESET...: the connection is gone; the close path frees the client.
      sock.destroy();
      return;
    }
    if (b.streamBaseState[b.kLastWriteWasAsync] !== 0) {
      // The rest waits in libuv's queue: this request (and the bytes) are libuv's until it completes.
      req.bytes = b.streamBaseState[b.kBytesWritten];
      req.async = true;
      req.buffer = bytes;
      this.req = null;
    }
  }
}

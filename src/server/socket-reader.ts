/*
 * Reading client sockets into one reused buffer.
 *
 * Why: a net.Socket in flowing mode allocates a fresh Buffer for every read and pushes it
 * through the Readable stream machinery (push, emit 'data'). Node's `onread` option instead
 * reads into a caller-supplied buffer and calls back directly, with no allocation and no stream
 * work. The option exists only for sockets Node creates itself, so an accepted connection
 * (paused on connect, nothing read yet) has its native handle moved into a new Socket built with
 * `onread`. The bytes passed to the callback are valid only during the call: the parser copies
 * whatever it must keep.
 *
 * If the handle cannot be adopted (a Node without these internals), the socket is used as it
 * is, in flowing mode.
 */
import { Socket } from 'node:net';

/** One read buffer for every client: reads happen one at a time on this thread. */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

interface SocketInternals {
  _handle: unknown;
  _server: unknown;
}

/**
 * Returns a socket for the accepted connection `sock` that calls onRead(bytes) for each read.
 * `sock` must have been accepted with `pauseOnConnect: true`.
 */
export function adoptSocket(sock: Socket, onRead: (bytes: Uint8Array) => void): Socket {
  const inner = sock as unknown as SocketInternals;
  const handle = inner._handle;
  if (handle !== null && typeof handle === 'object') {
    try {
      const adopted = new Socket({
        handle,
        readable: true,
        writable: true,
        onread: {
          buffer: readBuffer,
          callback: (n: number, buf: Uint8Array) => {
            onRead(buf.subarray(0, n));
            return true;
          },
        },
      } as unknown as ConstructorParameters<typeof Socket>[0]);
      // The listening server counts connections through the socket's _server field.
      (adopted as unknown as SocketInternals)._server = inner._server;
      inner._server = null;
      inner._handle = null;
      adopted.resume();
      return adopted;
    } catch {
      // fall back to flowing mode below
    }
  }
  sock.on('data', onRead);
  sock.resume();
  return sock;
}

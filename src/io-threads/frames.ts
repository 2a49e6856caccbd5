/*
 * What travels in the rings between I/O workers and the main thread.
 *
 * A ring frame carries a 32-bit tag (src/io-threads/ring.ts). Tag = client id for the two hot
 * messages, so they need no header of their own:
 *   worker -> main, tag id:  a COMMAND (src/server/command-frame.ts), decoded in place
 *                            on the main thread: arguments are copied once, socket to ring
 *   main -> worker, tag id:  REPLY bytes, to be written to that client's socket
 * Tag 0 carries control messages, payload `u8 kind, u32 client id, rest`:
 *   worker -> main: CLOSED (socket gone), PROTOCOL_ERROR (message text: reply, then close),
 *                   QBUF_LIMIT (closed for exceeding client-query-buffer-limit),
 *                   OBUF_LIMIT (closed for exceeding client-output-buffer-limit; u8: 1 found on
 *                   a write, 0 by the soft-limit timer),
 *                   BUSY_REPLY (the worker answered a command itself during a busy script; u8: 1
 *                   refused with -BUSY, then `name NUL error text` for the main thread's stats)
 *   main -> worker: CLOSE (close after what was sent), AUTH (u8: client is authenticated),
 *                   OBUF_CLASS (u8: the client's output limit class, obuf-limit.ts OBUF_*),
 *                   KILL (close now, dropping unsent output: the main thread found the client
 *                   over its output limit),
 *                   HELD (u32 busy epoch: during that busy script the client's commands wait,
 *                   its earlier ones are not answered yet; docs/design-scripting.md)
 */
import { writeU32 } from '../server/command-frame.ts';

export const CONTROL_TAG = 0;
export const C_CLOSED = 1;
export const C_PROTOCOL_ERROR = 2;
export const C_CLOSE = 3;
export const C_AUTH = 4;
export const C_QBUF_LIMIT = 5;
export const C_OBUF_LIMIT = 6;
export const C_OBUF_CLASS = 7;
export const C_KILL = 8;
export const C_BUSY_REPLY = 9;
export const C_HELD = 10;
/** Worker -> main: the peer half-closed; close once what it sent is answered (Redis answers it all). */
export const C_EOF = 11;

/** A control message: kind, client id, optional bytes. */
export function control(kind: number, id: number, rest?: Uint8Array): Uint8Array {
  const b = new Uint8Array(5 + (rest?.length ?? 0));
  b[0] = kind;
  writeU32(b, 1, id);
  if (rest !== undefined) b.set(rest, 5);
  return b;
}

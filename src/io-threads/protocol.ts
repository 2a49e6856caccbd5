/* Messages on the MessagePort between the main thread and an I/O worker, and the worker's
 * shared statistics slots. */

/** Kick: the ring toward the receiver has data (sent only on a sleep/wake transition). */
export const KICK_DATA = 1;
/** Kick: the ring from the receiver has room again (the receiver had found it full). */
export const KICK_SPACE = 2;

/** Worker statistics: a Float64Array over a SharedArrayBuffer the worker writes, INFO reads. */
export const W_CONNECTIONS = 0;
export const W_BYTES_IN = 1;
export const W_BYTES_OUT = 2;
export const W_COMMANDS = 3;
export const W_REPLIES = 4;
export const W_STALLS = 5;
// Where a command's time goes (sums in µs and counts; averages are shown by INFO):
/** Worker: parsing and encoding into the ring, per command. */
export const W_PARSE_US = 6;
export const W_PARSE_N = 7;
/** Main: from the worker's first unconsumed commit to the main thread's drain, per batch. */
export const W_QUEUE_US = 8;
export const W_QUEUE_N = 9;
/** Main: executing the commands of a drain (handlers and reply writing), per command. */
export const W_EXEC_US = 10;
export const W_EXEC_N = 11;
/** Worker: from the main thread's first unconsumed reply commit to the worker's drain. */
export const W_REPLY_US = 12;
export const W_REPLY_N = 13;
/** Worker: socket.write of a reply. */
export const W_WRITE_US = 14;
export const W_WRITE_N = 15;
/** Absolute µs of the first commit the other side has not drained yet (0: none). */
export const W_CMD_STAMP = 16;
export const W_REPLY_STAMP = 17;
export const W_FIELDS = 18;

/** Microseconds on a clock shared by all threads (performance.now() has a per-thread origin). */
export function clockUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

export interface WorkerInit {
  t: 'init';
  commands: SharedArrayBuffer;
  replies: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  maxBulkLen: number;
  queryBufferLimit: number;
}

export interface WorkerLimits {
  t: 'limits';
  maxBulkLen: number;
  queryBufferLimit: number;
}

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
export const W_FIELDS = 6;

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

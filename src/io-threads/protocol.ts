/* Messages on the MessagePort between the main thread and an I/O worker, and the worker's
 * shared statistics slots. */
import type { TlsSetup } from '../server/tls.ts';
import type { ObufLimits } from '../server/config-table.ts';
import type { BusyCommandTable } from './busy.ts';

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
/** Wake-ups (MessagePort kicks) the worker sent the main thread, and the main thread sent it. */
export const W_WAKEUPS_TO_MAIN = 18;
export const W_WAKEUPS_FROM_MAIN = 19;
/**
 * Per-stage latency histograms follow the counters: for each stage (STAGE_* order), HIST_BUCKETS
 * log2 buckets of µs: bucket 0 holds samples under 1 µs, bucket b (b >= 1) samples in
 * [2^(b-1), 2^b) µs, the last bucket everything longer. Powers of two are coarse, but a bucket
 * is one add on the hot path and percentiles within a factor of two show where time goes.
 */
export const HIST_BUCKETS = 28;
export const STAGE_PARSE = 0;
export const STAGE_QUEUE = 1;
export const STAGE_EXEC = 2;
export const STAGE_REPLY = 3;
export const STAGE_WRITE = 4;
export const STAGE_NAMES = ['parse', 'queue_wait', 'execute', 'reply_wait', 'write'];
export const W_HIST = 20;
export const W_FIELDS = W_HIST + STAGE_NAMES.length * HIST_BUCKETS;

/** Counts one sample of `us` microseconds in a stage's histogram. */
export function histAdd(stats: Float64Array, stage: number, us: number): void {
  const b = us < 1 ? 0 : Math.min(HIST_BUCKETS - 1, 32 - Math.clz32(us));
  stats[W_HIST + stage * HIST_BUCKETS + b]++;
}

/**
 * The p-th percentile (0 < p <= 100) of a stage's histogram summed over workers, as the upper
 * bound of the bucket that holds it (µs); 0 without samples.
 */
export function histPercentile(all: ArrayLike<number>[], stage: number, p: number): number {
  let total = 0;
  for (const v of all) for (let b = 0; b < HIST_BUCKETS; b++) total += v[W_HIST + stage * HIST_BUCKETS + b];
  if (total === 0) return 0;
  const rank = Math.ceil((total * p) / 100);
  let seen = 0;
  for (let b = 0; b < HIST_BUCKETS; b++) {
    for (const v of all) seen += v[W_HIST + stage * HIST_BUCKETS + b];
    if (seen >= rank) return 2 ** b;
  }
  return 2 ** HIST_BUCKETS;
}

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
  /** client-output-buffer-limit (the worker enforces it on the sockets it owns). */
  obuf: ObufLimits;
  /** The main thread's key-hash seed (workers hash each command's first key for it). */
  hashSeed: number;
  /** The script control words (src/scripting/script-control.ts): busy, kill, shutdown... */
  script: SharedArrayBuffer;
  /** Arity and flags of every command, to answer commands during a busy script (busy.ts). */
  busyCommands: BusyCommandTable;
  /** The TLS setup for clients from tls-port (null: none yet). */
  tls: TlsSetup | null;
}

export interface WorkerLimits {
  t: 'limits';
  maxBulkLen: number;
  queryBufferLimit: number;
  obuf: ObufLimits;
}

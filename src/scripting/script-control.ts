/*
 * The running script's control words: one small Int32Array over a SharedArrayBuffer, shared by
 * the Lua addon's hook (native/lua/addon.cc), the main thread and, with io-threads N, every I/O
 * worker (docs/design-scripting.md, "Busy scripts").
 *
 * Word STATE holds bits that change together under compare-and-swap, so a worker's SCRIPT KILL
 * and the script's first write, or a worker's SHUTDOWN NOSAVE and the script's end, cannot cross
 * unseen:
 *   S_KILL      SCRIPT KILL / FUNCTION KILL asked the script to stop (the hook reads this bit)
 *   S_WROTE     the script ran a write command (SCRIPT KILL answers UNKILLABLE)
 *   S_SHUTDOWN  SHUTDOWN NOSAVE arrived during the busy script (the main thread exits)
 *   S_BUSY      the script ran past busy-reply-threshold: workers answer -BUSY themselves
 *   S_FUNCTION  the busy run is an FCALL (BUSY text and FUNCTION KILL vs SCRIPT KILL)
 * The addon clears STATE when a run starts; the main thread clears it (exchange) when it ends.
 */

export const STATE = 0;
/** The hook logged the kill (set once per run by the addon). */
export const KILL_LOGGED = 1;
/** The last reply is an error a command already counted in errorstats (set by the addon). */
export const REPLY_COUNTED = 2;
/** Client id of the busy script's caller (its commands wait instead of getting -BUSY). */
export const CALLER_ID = 3;
/** Busy episode number: workers match C_HELD messages against it. */
export const EPOCH = 4;
/** Client id that sent SHUTDOWN NOSAVE (for the log line). */
export const SHUTDOWN_BY = 5;
const WORDS = 8;

export const S_KILL = 1;
export const S_WROTE = 2;
export const S_SHUTDOWN = 4;
export const S_BUSY = 8;
export const S_FUNCTION = 16;

/** The process's control words (one Lua state per process). */
export const scriptControl = new Int32Array(new SharedArrayBuffer(WORDS * 4));

/** Redis's slowevalerr and slowscripterr: what other clients get while a script is busy. */
export const BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
export const UNKILLABLE =
  'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';

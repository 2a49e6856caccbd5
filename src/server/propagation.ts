/*
 * The propagation slot of call(): what AOF, replicas and other consumers receive, shaped like
 * Redis 7.0's also_propagate array.
 *
 * Each call() that changed the dataset (dirty moved) adds one op: the command as received, or
 * what the handler rewrote it to (rewriteClientCommandVector), unless the handler prevented it.
 * Handlers and the keyspace add further ops with also() (SPOP's SREMs, an expired key's DEL);
 * those land before the command's own op, as in Redis, where call() appends the command after
 * its proc ran. Calls nest (EXEC runs its queued commands through call(), later scripts will
 * too); when the outermost one returns, the ops of that execution unit go to every consumer
 * together, wrapped in MULTI/EXEC when there is more than one (propagatePendingCommands), except
 * for commands that may touch arbitrary keys (KEYS, SCAN, RANDOMKEY expire keys as they go: each
 * DEL stands alone there, as Redis does for CMD_TOUCHES_ARBITRARY_KEYS).
 *
 * Nothing here runs without a consumer: call() takes the plain path when `active` is false and
 * handlers build rewrites only when it is true. Consumers encode what they receive during the
 * call and keep no reference to it (the common one-command unit is the client's own arguments).
 */
import type { Argv } from '../protocol/argv.ts';
import type { PropArg } from '../commands/context.ts';

/**
 * One propagated command. Either `argv` (owned copies: rewritten commands, also() ops, every op
 * of a unit of several) or `raw`, the command's own parsed arguments, valid only during the
 * consumer call (the common unit: one command propagated as received, with no copy made).
 * Consumers encode it during the call (writeOp in persistence/aof-resp.ts) and keep nothing.
 */
export interface PropagatedOp {
  /** The database the command ran in (consumers emit SELECT when it changes); -1 for MULTI/EXEC. */
  db: number;
  argv: Uint8Array[] | null;
  raw: Argv | null;
}

/** Receives the ops of one execution unit, in order (MULTI/EXEC included when Redis adds them). */
export type PropagationConsumer = (ops: readonly PropagatedOp[]) => void;

/** The per-call part of the state, one per nesting depth (reused: no allocation per call). */
interface CallState {
  rewritten: Uint8Array[] | null;
  prevented: boolean;
  /** forceCommandPropagation: propagated even if dirty did not move (FLUSHALL of nothing). */
  forced: boolean;
}

const MULTI = [Buffer.from('MULTI', 'latin1')];
const EXEC = [Buffer.from('EXEC', 'latin1')];

function own(args: PropArg[]): Uint8Array[] {
  return args.map((a) => (typeof a === 'string' ? Buffer.from(a, 'latin1') : Buffer.from(a)));
}

export class Propagation {
  private readonly consumers: PropagationConsumer[] = [];
  /** True when some consumer listens. */
  active = false;
  private ops: PropagatedOp[] = [];
  private depth = 0;
  /** states[depth]: the call in progress at that depth (states[0]: outside any call). */
  private readonly states: CallState[] = [{ rewritten: null, prevented: false, forced: false }];
  /** The reused op and unit of the zero-copy path. */
  private readonly single: PropagatedOp = { db: 0, argv: null, raw: null };
  private readonly singleUnit: PropagatedOp[] = [this.single];

  addConsumer(fn: PropagationConsumer): void {
    this.consumers.push(fn);
    this.active = true;
  }

  removeConsumer(fn: PropagationConsumer): void {
    const i = this.consumers.indexOf(fn);
    if (i >= 0) this.consumers.splice(i, 1);
    this.active = this.consumers.length > 0;
  }

  private get cur(): CallState {
    return this.states[this.depth];
  }

  /** Starts a call (or an execution unit of the server's own, like one active-expiry delete). */
  enterCall(): void {
    const d = ++this.depth;
    let st = this.states[d];
    if (st === undefined) {
      st = { rewritten: null, prevented: false, forced: false };
      this.states[d] = st;
    } else {
      st.rewritten = null;
      st.prevented = false;
      st.forced = false;
    }
  }

  /**
   * Ends a call: adds its op (argv as received or as rewritten, on database `db`) when `changed`,
   * then, at the outermost level, hands the unit to the consumers.
   */
  exitCall(db: number, argv: Argv | null, changed: boolean, arbitraryKeys: boolean): void {
    const st = this.states[this.depth];
    const rewritten = st.rewritten;
    st.rewritten = null;
    const add = (changed || st.forced) && !st.prevented;
    if (--this.depth === 0 && this.ops.length === 0) {
      // The common unit: this one command and nothing else; no copy of its arguments.
      if (!add || (rewritten === null && argv === null)) return;
      const op = this.single;
      op.db = db;
      op.argv = rewritten;
      op.raw = rewritten === null ? argv : null;
      try {
        for (const fn of this.consumers) fn(this.singleUnit);
      } finally {
        op.argv = null;
        op.raw = null;
      }
      return;
    }
    if (add) {
      if (rewritten !== null) this.ops.push({ db, argv: rewritten, raw: null });
      else if (argv !== null) this.ops.push({ db, argv: copyArgv(argv), raw: null });
    }
    if (this.depth === 0) this.flush(arbitraryKeys);
  }

  /** An execution unit that is not a command (active expiry): also() ops inside it go together. */
  beginUnit(): void {
    this.enterCall();
  }

  endUnit(): void {
    this.exitCall(0, null, false, false);
  }

  rewrite(args: PropArg[]): void {
    this.cur.rewritten = own(args);
  }

  /** alsoPropagate; outside any call (`depth` 0) the op is a unit of its own. */
  also(db: number, args: PropArg[]): void {
    this.ops.push({ db, argv: own(args), raw: null });
    if (this.depth === 0) this.flush(false);
  }

  prevent(): void {
    this.cur.prevented = true;
  }

  force(): void {
    this.cur.forced = true;
  }

  private flush(arbitraryKeys: boolean): void {
    const ops = this.ops;
    if (ops.length === 0) return;
    this.ops = [];
    let unit = ops;
    if (ops.length > 1 && !arbitraryKeys) {
      unit = [{ db: -1, argv: MULTI.map((b) => Buffer.from(b)), raw: null }, ...ops, { db: -1, argv: EXEC.map((b) => Buffer.from(b)), raw: null }];
    }
    for (const fn of this.consumers) fn(unit);
  }
}

function copyArgv(argv: Argv): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < argv.argc; i++) out.push(Buffer.from(argv.buf.subarray(argv.off[i], argv.off[i] + argv.len[i])));
  return out;
}

/** The op's arguments as byte arrays (views into the client's input when `raw`: use them during the call). */
export function opArgs(op: PropagatedOp): Uint8Array[] {
  if (op.argv !== null) return op.argv;
  const a = op.raw as Argv;
  const out: Uint8Array[] = [];
  for (let i = 0; i < a.argc; i++) out.push(a.buf.subarray(a.off[i], a.off[i] + a.len[i]));
  return out;
}

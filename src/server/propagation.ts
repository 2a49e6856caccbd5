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
 * handlers build rewrites only when it is true. Consumers own the bytes they receive.
 */
import type { Argv } from '../protocol/argv.ts';
import type { PropArg } from '../commands/context.ts';

export interface PropagatedOp {
  /** The database the command ran in (consumers emit SELECT when it changes); -1 for MULTI/EXEC. */
  readonly db: number;
  readonly argv: Uint8Array[];
}

/** Receives the ops of one execution unit, in order (MULTI/EXEC included when Redis adds them). */
export type PropagationConsumer = (ops: PropagatedOp[]) => void;

/** The per-call part of the state, saved around nested calls. */
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
  private cur: CallState = { rewritten: null, prevented: false, forced: false };

  addConsumer(fn: PropagationConsumer): void {
    this.consumers.push(fn);
    this.active = true;
  }

  removeConsumer(fn: PropagationConsumer): void {
    const i = this.consumers.indexOf(fn);
    if (i >= 0) this.consumers.splice(i, 1);
    this.active = this.consumers.length > 0;
  }

  /** Starts a call (or an execution unit of the server's own, like one active-expiry delete). */
  enterCall(): CallState {
    const saved = this.cur;
    this.cur = { rewritten: null, prevented: false, forced: false };
    this.depth++;
    return saved;
  }

  /**
   * Ends a call: adds its op (argv as received or as rewritten, on database `db`) when `changed`,
   * then, at the outermost level, hands the unit to the consumers.
   */
  exitCall(saved: CallState, db: number, argv: Argv | null, changed: boolean, arbitraryKeys: boolean): void {
    const st = this.cur;
    if ((changed || st.forced) && !st.prevented) {
      if (st.rewritten !== null) this.ops.push({ db, argv: st.rewritten });
      else if (argv !== null) this.ops.push({ db, argv: copyArgv(argv) });
    }
    this.cur = saved;
    if (--this.depth === 0) this.flush(arbitraryKeys);
  }

  /** An execution unit that is not a command (active expiry): also() ops inside it go together. */
  beginUnit(): void {
    this.enterCall();
  }

  endUnit(): void {
    this.cur = { rewritten: null, prevented: false, forced: false };
    if (--this.depth === 0) this.flush(false);
  }

  rewrite(args: PropArg[]): void {
    this.cur.rewritten = own(args);
  }

  /** alsoPropagate; outside any call (`depth` 0) the op is a unit of its own. */
  also(db: number, args: PropArg[]): void {
    this.ops.push({ db, argv: own(args) });
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
      unit = [{ db: -1, argv: MULTI.map((b) => Buffer.from(b)) }, ...ops, { db: -1, argv: EXEC.map((b) => Buffer.from(b)) }];
    }
    for (const fn of this.consumers) fn(unit);
  }
}

function copyArgv(argv: Argv): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < argv.argc; i++) out.push(Buffer.from(argv.buf.subarray(argv.off[i], argv.off[i] + argv.len[i])));
  return out;
}

/*
 * A busy script under io-threads N (docs/design-scripting.md, "Busy scripts"): the main thread
 * is inside Lua, so an I/O worker answers the commands it parses itself, from the shared control
 * words (src/scripting/script-control.ts), never touching the keyspace:
 *   - a command that is not allow-busy: -BUSY (EXEC: -EXECABORT ... BUSY ...), as
 *     processCommand; the main thread is told (C_BUSY_REPLY) to count it and doom a transaction
 *   - SCRIPT KILL / FUNCTION KILL: Redis's scriptKill checks, the kill bit set by CAS so it cannot
 *     cross the script's first write; +OK at once, as Redis answers before the script has ended
 *   - SHUTDOWN NOSAVE: sets the shutdown bit (the hook or the script's end exits); SHUTDOWN
 *     without NOSAVE: -BUSY; QUIT: +OK and close
 *   - FUNCTION STATS during an EVAL: the BUSY error, as functionStatsCommand
 *   - the other allow-busy commands (AUTH HELLO MULTI DISCARD WATCH UNWATCH RESET REPLCONF,
 *     FUNCTION STATS during an FCALL), and anything this table cannot judge (unknown command, wrong arity,
 *     protected commands, syntax errors): forwarded, so they run after the script.
 * The worker decides only for a client whose earlier commands were all answered (see worker.ts).
 *
 * The command table the worker judges with is built by the main thread from its registry.
 */
import type { Argv } from '../protocol/argv.ts';
import type { Registry } from '../commands/registry.ts';
import { CMD_ALLOW_BUSY } from '../commands/registry.ts';
import {
  BUSY_EVAL, BUSY_FUNCTION, S_BUSY, S_FUNCTION, S_KILL, S_SHUTDOWN, S_WROTE, SHUTDOWN_BY, STATE, UNKILLABLE,
} from '../scripting/script-control.ts';

const BC_ALLOW_BUSY = 1;
const BC_PROTECTED = 2;
const BC_SUBCOMMANDS = 4;

/** [full name ("script|kill"), arity, BC_* flags] for every command. */
export type BusyCommandTable = [string, number, number][];

/** The table a worker judges commands with during a busy script (main thread, at spawn). */
export function busyCommandTable(registry: Registry): BusyCommandTable {
  const out: BusyCommandTable = [];
  for (const c of registry.all()) {
    const flags = ((c.flags & CMD_ALLOW_BUSY) !== 0 ? BC_ALLOW_BUSY : 0) | (c.protectedBy !== null ? BC_PROTECTED : 0) |
      (c.hasSubcommands ? BC_SUBCOMMANDS : 0);
    out.push([c.fullName, c.arity, flags]);
  }
  return out;
}

/** Forward the command to the main thread (it runs after the script). */
export const B_FORWARD = 0;
/** Answered here (`reply`); `error` is the error text for the main thread's stats, or ''. */
export const B_ANSWERED = 1;
/** Refused with -BUSY here: the main thread counts it as a rejected command. */
export const B_REFUSED = 2;
/** QUIT: +OK, then close the connection. */
export const B_QUIT = 3;
/** SHUTDOWN NOSAVE taken: no reply, the server exits. */
export const B_SHUTDOWN = 4;

export class BusyGate {
  private readonly ctl: Int32Array;
  private readonly table = new Map<string, { arity: number; flags: number }>();
  /** After a decision other than B_FORWARD: the reply bytes, the command's name, the error text. */
  reply = '';
  name = '';
  error = '';

  constructor(control: SharedArrayBuffer, table: BusyCommandTable) {
    this.ctl = new Int32Array(control);
    for (const [name, arity, flags] of table) this.table.set(name, { arity, flags });
  }

  /** True while the main thread's script is past busy-reply-threshold. */
  get busy(): boolean {
    return (Atomics.load(this.ctl, STATE) & S_BUSY) !== 0;
  }

  /** What to do with argv from client `id` during a busy script (B_*). */
  decide(argv: Argv, id: number): number {
    const top = argv.lower(0);
    let info = this.table.get(top);
    let name = top;
    if (info !== undefined && (info.flags & BC_SUBCOMMANDS) !== 0) {
      if (argv.argc < 2) return B_FORWARD;
      name = `${top}|${argv.lower(1)}`;
      info = this.table.get(name);
    }
    if (info === undefined) return B_FORWARD;
    const arity = info.arity;
    if ((arity > 0 && arity !== argv.argc) || argv.argc < -arity || (info.flags & BC_PROTECTED) !== 0) return B_FORWARD;
    this.name = name;
    this.error = '';
    if (name === 'quit') {
      this.reply = '+OK\r\n';
      return B_QUIT;
    }
    if (name === 'script|kill' || name === 'function|kill') return this.kill(name === 'function|kill');
    if (name === 'shutdown') return this.shutdown(argv, id);
    const s = Atomics.load(this.ctl, STATE);
    // FUNCTION STATS answers the eval's BUSY error (functionStatsCommand); during an FCALL it runs.
    if (name === 'function|stats' && (s & (S_BUSY | S_FUNCTION)) === S_BUSY) return this.answerError(BUSY_EVAL);
    if ((info.flags & BC_ALLOW_BUSY) !== 0) return B_FORWARD;
    if ((s & S_BUSY) === 0) return B_FORWARD;
    const text = (s & S_FUNCTION) !== 0 ? BUSY_FUNCTION : BUSY_EVAL;
    this.error = name === 'exec' ? `EXECABORT Transaction discarded because of: ${text}` : text;
    this.reply = `-${this.error}\r\n`;
    return B_REFUSED;
  }

  /** SCRIPT KILL / FUNCTION KILL (scriptKill): the kill bit, unless the script wrote. */
  private kill(isFunction: boolean): number {
    for (;;) {
      const s = Atomics.load(this.ctl, STATE);
      if ((s & S_BUSY) === 0) return B_FORWARD;
      let err: string;
      if ((s & S_WROTE) !== 0) err = UNKILLABLE;
      else if (isFunction !== ((s & S_FUNCTION) !== 0)) err = isFunction ? BUSY_EVAL : BUSY_FUNCTION;
      else if (Atomics.compareExchange(this.ctl, STATE, s, s | S_KILL) !== s) continue;
      else {
        this.reply = '+OK\r\n';
        return B_ANSWERED;
      }
      return this.answerError(err);
    }
  }

  // SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]: only NOSAVE stops a busy server.
  private shutdown(argv: Argv, id: number): number {
    let nosave = false;
    let save = false;
    let abort = false;
    for (let i = 1; i < argv.argc; i++) {
      if (argv.is(i, 'nosave')) nosave = true;
      else if (argv.is(i, 'save')) save = true;
      else if (argv.is(i, 'abort')) abort = true;
      else if (!argv.is(i, 'now') && !argv.is(i, 'force')) return B_FORWARD; // syntax error, later
    }
    if (abort || (nosave && save)) return B_FORWARD;
    const s0 = Atomics.load(this.ctl, STATE);
    if (!nosave) return (s0 & S_BUSY) === 0 ? B_FORWARD : this.answerError((s0 & S_FUNCTION) !== 0 ? BUSY_FUNCTION : BUSY_EVAL);
    Atomics.store(this.ctl, SHUTDOWN_BY, id);
    for (;;) {
      const s = Atomics.load(this.ctl, STATE);
      if ((s & S_BUSY) === 0) return B_FORWARD;
      if (Atomics.compareExchange(this.ctl, STATE, s, s | S_SHUTDOWN) === s) return B_SHUTDOWN;
    }
  }

  private answerError(text: string): number {
    this.error = text;
    this.reply = `-${text}\r\n`;
    return B_ANSWERED;
  }
}

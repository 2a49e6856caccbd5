/*
 * Scripting: EVAL EVALSHA EVAL_RO EVALSHA_RO and SCRIPT LOAD/EXISTS/FLUSH/KILL/DEBUG/HELP, as
 * Redis 7.0's eval.c and script.c. The Lua side (engine, script cache, conversions) is
 * src/scripting/; this file is the server's half: a script's redis.call runs here, on the
 * server's socketless Lua client, after the checks of Redis's scriptCall (unknown command, arity,
 * no-script commands, writes from read-only scripts), through Server.callSocketless (call() with
 * its commandstats, keyspace events and propagation slot, but no queueing or pausing).
 *
 * What a script did is propagated as the commands it ran (7.0: effects replication only): EVAL
 * itself is never propagated; its commands join the EVAL's execution unit, which the
 * propagation slot wraps in MULTI/EXEC when it holds more than one. redis.set_repl(REPL_NONE)
 * keeps the following commands out of it. The caller's selected database is never changed by a
 * script: the Lua client starts each run in the caller's database and SELECT moves only it.
 * Blocking commands answer at once as if they timed out (the Lua client denies blocking, like a
 * transaction's commands).
 */
import type { Argv } from '../../protocol/argv.ts';
import { NOT_INTEGER } from '../../protocol/errors.ts';
import { CMD_DENYOOM, CMD_MAY_REPLICATE, CMD_NOSCRIPT, CMD_WRITE, type Command, type CommandDef } from '../../commands/registry.ts';
import { replyHelp } from '../../commands/util.ts';
import { luaEngine, scriptingUnavailable, type LuaEngine, type ScriptHost } from '../../scripting/lua-engine.ts';
import { sha1hex, type Script } from '../../scripting/script-cache.ts';
import { S_KILL, S_WROTE, STATE, scriptControl } from '../../scripting/script-control.ts';
import { parseShebang, SCRIPT_FLAG_ALLOW_OOM, SCRIPT_FLAG_EVAL_COMPAT_MODE, SCRIPT_FLAG_NO_WRITES } from '../../scripting/shebang.ts';
import { OOM_ERROR } from '../memory/evict.ts';
import { type Client, REPLY_ON } from '../client.ts';
import type { Server } from '../server.ts';
import { aclAllows, aclScriptDenial } from '../acl-guard.ts';

const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';
const SCRIPT_KILLED = 'ERR Script killed by user with SCRIPT KILL...';
const REPL_ALL = 3;
/**
 * Redis's CMD_MAY_REPLICATE commands a script can call (COMMAND INFO does not show the flag, so
 * meta.json lacks it): read-only scripts refuse them like writes.
 */
const MAY_REPLICATE = new Set(['publish', 'spublish', 'pfcount']);

/** Per-server scripting state: the Lua client and the run in progress. */
export class ServerScripting implements ScriptHost {
  private readonly srv: Server;
  readonly engine: LuaEngine | null;
  private luaClient: Client | null = null;
  /** The run in progress. */
  private caller: Client | null = null;
  private readOnly = false;
  /** The script declared allow-oom: denyoom commands run even when out of memory. */
  private allowOom = false;
  /** The script called a write command (SCRIPT KILL answers UNKILLABLE then). */
  wrote = false;
  private replFlags = REPL_ALL;
  /** The engine of the run in progress. */
  private engine0: LuaEngine | null = null;
  /** SHA1 of the running script (log lines). */
  private sha = '';
  /** Set once the run passed busy-reply-threshold (logged once per run). */
  private slowLogged = false;
  /** The FUNCTION running (FCALL), or null (FUNCTION STATS / KILL, SCRIPT KILL). */
  runningFunction: string | null = null;
  /** The running script's command (the caller's own argv, valid until the event loop turns). */
  private runArgv: Argv | null = null;
  /** Its copy, taken when the run turned busy, before the loop turns (FUNCTION STATS). */
  runningCommand: Buffer[] = [];
  runningSinceMs = 0;

  constructor(srv: Server) {
    this.srv = srv;
    this.engine = luaEngine();
  }

  get running(): boolean {
    return this.caller !== null;
  }

  /** The running script's own command (EVAL/FCALL argv), or null: client tracking reads its keys. */
  get callerArgv(): Argv | null {
    return this.runArgv;
  }

  /** What FUNCTION STATS names the running script: the function, or EVAL's `f_<sha1>`. */
  get runningName(): string {
    return this.runningFunction ?? `f_${this.sha}`;
  }

  /**
   * Runs script s for caller with KEYS = argv[3, 3+nkeys) and the rest as ARGV (scriptPrepareForRun
   * + luaCallFunction), writing the reply to the caller. s is a FUNCTION's name for FCALL.
   */
  run(caller: Client, engine: LuaEngine, s: Script | string, argv: Argv, nkeys: number, readOnly: boolean, fnFlags = 0): void {
    const srv = this.srv;
    if (this.luaClient === null) {
      this.luaClient = srv.createSocketlessClient();
      this.luaClient.inExec = true;
      this.luaClient.name = 'lua';
    }
    const lc = this.luaClient;
    lc.selectDb(caller.dbIndex);
    lc.resp = 2;
    // The script's commands run with its caller's ACL user (scriptPrepareForRun).
    lc.user = caller.user;
    this.caller = caller;
    this.readOnly = readOnly;
    this.wrote = false;
    this.allowOom = ((typeof s === 'string' ? fnFlags : s.flags) & SCRIPT_FLAG_ALLOW_OOM) !== 0;
    this.replFlags = REPL_ALL;
    this.slowLogged = false;
    const fn = typeof s === 'string' ? s : null;
    this.sha = fn ?? (s as Script).sha;
    this.runningFunction = fn;
    this.runArgv = argv;
    this.runningCommand = [];
    this.runningSinceMs = Date.now();
    // EVAL is never propagated as itself (7.0): the commands it runs are.
    srv.preventPropagation();
    let reply: Uint8Array;
    this.engine0 = engine;
    try {
      const busyMs = srv.config.num('busy-reply-threshold');
      reply = fn !== null ? engine.runFunction(this, fn, argv, 3, nkeys, caller.resp, busyMs) : engine.run(this, s as Script, argv, 3, nkeys, caller.resp, busyMs);
    } finally {
      this.caller = null;
      this.runningFunction = null;
      this.runArgv = null;
      srv.endBusyScript();
    }
    const w = caller.w;
    w.raw(reply);
    if (reply[0] === 45) {
      w.errored = true;
      // Counted in errorstats unless it is a command's error relayed (counted when it happened).
      if (!engine.replyErrorCounted) srv.stats.countError(Buffer.from(reply.subarray(1, reply.indexOf(13))).toString('latin1'));
    }
  }

  // ---- ScriptHost: what the running script asks of the server ---------------------------------

  /** redis.call / redis.pcall: scriptCall's checks, then the command on the Lua client. */
  call(argv: Argv, resp: number): Uint8Array {
    const srv = this.srv;
    const lc = this.luaClient as Client;
    let cmd = srv.registry.lookup(argv, 0);
    if (cmd?.hasSubcommands && argv.argc > 1) cmd = cmd.subcommand(argv.lower(1)) ?? null;
    if (cmd === null) {
      srv.stats.countError('ERR Unknown Redis command called from script');
      return errorBytes('ERR Unknown Redis command called from script');
    }
    const arity = cmd.arity;
    if ((arity > 0 && arity !== argv.argc) || argv.argc < -arity) return this.rejected(cmd, 'ERR Wrong number of args calling Redis command from script');
    if ((cmd.flags & CMD_NOSCRIPT) !== 0) return this.rejected(cmd, 'ERR This Redis command is not allowed from script');
    if (!lc.user.unrestricted) {
      const denied = aclScriptDenial(srv, lc, this.caller as Client, cmd, argv);
      if (denied !== null) return this.rejected(cmd, denied);
    }
    if (this.readOnly && ((cmd.flags & (CMD_WRITE | CMD_MAY_REPLICATE)) !== 0 || MAY_REPLICATE.has(cmd.fullName))) {
      return this.rejected(cmd, 'ERR Write commands are not allowed from read-only scripts.');
    }
    // scriptVerifyOOM: out of memory when the script started, and nothing written yet.
    if (srv.evictor.preCommandOom && srv.evictor.maxmemory !== 0 && !this.wrote && !this.allowOom && (cmd.flags & CMD_DENYOOM) !== 0) {
      return this.rejected(cmd, OOM_ERROR);
    }
    if ((cmd.flags & CMD_WRITE) !== 0) {
      this.wrote = true;
      // An I/O worker's SCRIPT KILL may have set the kill bit since the hook last looked: then the
      // write must not happen (its caller was told OK: killed before writing).
      if ((Atomics.or(scriptControl, STATE, S_WROTE) & S_KILL) !== 0) return errorBytes(SCRIPT_KILLED);
    }
    lc.resp = resp;
    return srv.callSocketless(lc, cmd, argv, this.replFlags !== 0);
  }

  private rejected(cmd: Command, text: string): Uint8Array {
    cmd.rejected++;
    this.srv.stats.countError(text);
    return errorBytes(text);
  }

  aclCheck(argv: Argv): number {
    let cmd = this.srv.registry.lookup(argv, 0);
    if (cmd?.hasSubcommands && argv.argc > 1) cmd = cmd.subcommand(argv.lower(1)) ?? null;
    if (cmd === null) return -1;
    const u = this.caller?.user ?? this.srv.acl.defaultUser;
    return aclAllows(this.srv, u, cmd, argv) ? 1 : 0;
  }

  log(level: number, message: string): void {
    const log = this.srv.log;
    if (level === 0) log.debug(message);
    else if (level === 1) log.verbose(message);
    else if (level === 2) log.notice(message);
    else log.warning(message);
  }

  setRepl(flags: number): void {
    this.replFlags = flags;
  }

  /**
   * The hook's busy event (every 100000 instructions once past busy-reply-threshold): logs once,
   * then lets the event loop run a turn so other clients are answered (-BUSY, SCRIPT KILL,
   * SHUTDOWN NOSAVE); with io-threads N the workers answer those themselves from shared state
   * (docs/design-scripting.md).
   */
  busy(elapsedMs: number): void {
    const srv = this.srv;
    if (!this.slowLogged) {
      this.slowLogged = true;
      const argv = this.runArgv;
      if (argv !== null) for (let i = 0; i < argv.argc; i++) this.runningCommand.push(Buffer.from(argv.view(i)));
      srv.log.warning(
        `Slow script detected: still in execution after ${Math.floor(elapsedMs)} milliseconds. You can try killing the script using the SCRIPT KILL command. Script name is: ${this.sha}.`,
      );
    }
    const caller = this.caller;
    const engine = this.engine0;
    if (caller === null || engine === null || caller.replyMode !== REPLY_ON || caller.socketless) return;
    srv.processEventsWhileBusy(caller, () => engine.pump(), this.runningFunction !== null);
  }
}

function errorBytes(text: string): Uint8Array {
  return Buffer.from(`-${text}\r\n`, 'latin1');
}

const states = new WeakMap<Server, ServerScripting>();

/** The scripting state of srv (created on first use). */
export function scriptingOf(srv: Server): ServerScripting {
  let st = states.get(srv);
  if (st === undefined) {
    st = new ServerScripting(srv);
    states.set(srv, st);
  }
  return st;
}

/**
 * The flags EVAL/EVALSHA act with for CLIENT PAUSE WRITE (Redis's evalGetCommandFlags): a script
 * without a shebang may replicate (Redis's CMD_MAY_REPLICATE, which meta.json cannot show); one
 * with a shebang writes unless it declares no-writes.
 */
export function scriptCommandFlags(srv: Server, cmd: Command, argv: Argv): number {
  const engine = scriptingOf(srv).engine;
  const bySha = cmd.fullName === 'evalsha';
  if (argv.argc < 2 || (bySha && argv.len[1] !== 40)) return cmd.flags;
  let flags: number;
  if (bySha) {
    const s = engine?.cache.get(argv.lower(1));
    if (s === undefined) return cmd.flags;
    flags = s.flags;
  } else {
    const body = argv.view(1);
    const s = engine?.cache.get(sha1hex(body));
    if (s !== undefined) flags = s.flags;
    else {
      const sb = parseShebang(body);
      if ('error' in sb) return cmd.flags;
      flags = sb.flags;
    }
  }
  if ((flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) !== 0) return cmd.flags | CMD_MAY_REPLICATE;
  let f = cmd.flags & ~(CMD_WRITE | CMD_MAY_REPLICATE | CMD_DENYOOM);
  if ((flags & SCRIPT_FLAG_NO_WRITES) === 0) f |= CMD_WRITE;
  if ((flags & (SCRIPT_FLAG_NO_WRITES | SCRIPT_FLAG_ALLOW_OOM)) === 0) f |= CMD_DENYOOM;
  return f;
}

function unavailable(c: Client): void {
  c.w.error(`ERR scripting is not available: ${scriptingUnavailable()}`);
}

/** evalGenericCommand: numkeys checks, the script (cached or compiled), its flags, the run. */
function evalGeneric(c: Client, argv: Argv, bySha: boolean, ro: boolean): void {
  const st = scriptingOf(c.srv);
  const engine = st.engine;
  if (engine === null) return unavailable(c);
  if (bySha && argv.len[1] !== 40) {
    c.w.error(NOSCRIPT);
    return;
  }
  const numkeys = argv.int(2);
  if (Number.isNaN(numkeys)) {
    c.w.error(NOT_INTEGER);
    return;
  }
  if (numkeys > argv.argc - 3) {
    c.w.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  if (numkeys < 0) {
    c.w.error("ERR Number of keys can't be negative");
    return;
  }
  let script: Script;
  if (bySha) {
    const found = engine.cache.get(argv.lower(1));
    if (found === undefined) {
      c.w.error(NOSCRIPT);
      return;
    }
    script = found;
  } else {
    const r = engine.create(Buffer.from(argv.view(1)));
    if ('error' in r) {
      c.w.error(r.error);
      return;
    }
    script = r.script;
  }
  const compat = (script.flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) !== 0;
  const noWrites = !compat && (script.flags & SCRIPT_FLAG_NO_WRITES) !== 0;
  if (!compat && !noWrites && ro) {
    c.w.error('ERR Can not execute a script with write flag using *_ro command.');
    return;
  }
  st.run(c, engine, script, argv, numkeys, ro || noWrites);
}

// EVAL script numkeys [key [key ...]] [arg [arg ...]]
function evalCommand(c: Client, argv: Argv): void {
  evalGeneric(c, argv, false, false);
}

// EVAL_RO script numkeys [key [key ...]] [arg [arg ...]]
function evalRoCommand(c: Client, argv: Argv): void {
  evalGeneric(c, argv, false, true);
}

// EVALSHA sha1 numkeys [key [key ...]] [arg [arg ...]]
function evalShaCommand(c: Client, argv: Argv): void {
  evalGeneric(c, argv, true, false);
}

// EVALSHA_RO sha1 numkeys [key [key ...]] [arg [arg ...]]
function evalShaRoCommand(c: Client, argv: Argv): void {
  evalGeneric(c, argv, true, true);
}

// SCRIPT LOAD script
function scriptLoadCommand(c: Client, argv: Argv): void {
  const engine = scriptingOf(c.srv).engine;
  if (engine === null) return unavailable(c);
  const r = engine.create(Buffer.from(argv.view(2)));
  if ('error' in r) {
    c.w.error(r.error);
    return;
  }
  c.w.bulkString(r.script.sha);
}

// SCRIPT EXISTS sha1 [sha1 ...]
function scriptExistsCommand(c: Client, argv: Argv): void {
  const engine = scriptingOf(c.srv).engine;
  const w = c.w;
  w.arrayHeader(argv.argc - 2);
  // The cache's keys compare case-insensitively, as Redis's script dict does.
  for (let i = 2; i < argv.argc; i++) w.integer(engine?.cache.get(argv.lower(i)) !== undefined ? 1 : 0);
}

// SCRIPT FLUSH [ASYNC|SYNC]
function scriptFlushCommand(c: Client, argv: Argv): void {
  if (argv.argc > 3 || (argv.argc === 3 && !argv.is(2, 'sync') && !argv.is(2, 'async'))) {
    c.w.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
    return;
  }
  scriptingOf(c.srv).engine?.flush();
  c.w.ok();
}

// SCRIPT KILL
function scriptKillCommand(c: Client): void {
  const st = scriptingOf(c.srv);
  if (!st.running || st.engine === null) {
    c.w.error('NOTBUSY No scripts in execution right now.');
    return;
  }
  if (st.wrote) {
    c.w.error('UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.');
    return;
  }
  if (st.runningFunction !== null) {
    c.w.error('BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.');
    return;
  }
  st.engine.kill();
  c.w.ok();
}

// SCRIPT DEBUG YES|SYNC|NO
function scriptDebugCommand(c: Client, argv: Argv): void {
  if (argv.is(2, 'no')) {
    c.w.ok();
  } else if (argv.is(2, 'yes') || argv.is(2, 'sync')) {
    c.w.error('ERR Spindle has no Lua debugger (SCRIPT DEBUG YES/SYNC is not supported)');
  } else {
    c.w.error('ERR Use SCRIPT DEBUG YES/SYNC/NO');
  }
}

// SCRIPT HELP
function scriptHelpCommand(c: Client): void {
  replyHelp(c, 'SCRIPT', [
    'DEBUG (YES|SYNC|NO)',
    '    Set the debug mode for subsequent scripts executed.',
    'EXISTS <sha1> [<sha1> ...]',
    '    Return information about the existence of the scripts in the script cache.',
    'FLUSH [ASYNC|SYNC]',
    '    Flush the Lua scripts cache. Very dangerous on replicas.',
    '    When called without the optional mode argument, the behavior is determined by the',
    '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
    '    * ASYNC: Asynchronously flush the scripts cache.',
    '    * SYNC: Synchronously flush the scripts cache.',
    'KILL',
    '    Kill the currently executing Lua script.',
    'LOAD <script>',
    '    Load a script into the scripts cache without executing it.',
  ]);
}

export const scriptingCommands: CommandDef<Client>[] = [
  { name: 'eval', summary: 'Runs a Lua script.', handler: evalCommand },
  { name: 'eval_ro', summary: 'Runs a read-only Lua script.', handler: evalRoCommand },
  { name: 'evalsha', summary: 'Runs a cached Lua script by its SHA1.', handler: evalShaCommand },
  { name: 'evalsha_ro', summary: 'Runs a cached read-only Lua script by its SHA1.', handler: evalShaRoCommand },
  {
    name: 'script',
    summary: 'Manages the Lua script cache.',
    subcommands: [
      { name: 'load', summary: 'Compiles a script into the cache without running it.', handler: scriptLoadCommand },
      { name: 'exists', summary: 'Tells which SHA1s name cached scripts.', handler: scriptExistsCommand },
      { name: 'flush', summary: 'Empties the script cache.', handler: scriptFlushCommand },
      { name: 'kill', summary: 'Stops the running script if it wrote nothing.', handler: scriptKillCommand },
      { name: 'debug', summary: 'Sets the debug mode of later scripts (only NO here).', handler: scriptDebugCommand },
      { name: 'help', summary: 'Lists the SCRIPT subcommands.', handler: scriptHelpCommand },
    ],
  },
];

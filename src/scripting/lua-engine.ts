/*
 * The Lua engine as the server sees it: the addon (engine.ts) plus the script cache, the shared
 * buffer that keys, arguments and replies cross in, and the callbacks the addon makes while a
 * script runs (redis.call, redis.log, redis.set_repl, redis.acl_check_cmd, the busy hook), which
 * it hands to the ScriptHost of the run in progress. It knows nothing of clients or the keyspace:
 * the host (src/server/commands/scripting.ts) runs the commands.
 *
 * Shared buffer layout: run() writes [u32 len][bytes] for each key then each argument; the addon
 * writes a redis.call's arguments as [u32 argc] then [u32 len][bytes] each, and the host's reply
 * (RESP bytes) replaces them. Anything that does not fit travels as a Buffer of its own.
 */
import { Argv } from '../protocol/argv.ts';
import { loadLuaBinding, type LuaBinding } from './engine.ts';
import { S_KILL, STATE, scriptControl } from './script-control.ts';
import { parseShebang } from './shebang.ts';
import { ScriptCache, sha1hex, type Script } from './script-cache.ts';

const SHARED_BYTES = 1 << 20;

export const EV_LOG = 0;
export const EV_SET_REPL = 1;
export const EV_BUSY = 2;
export const EV_ACL_CHECK = 3;

/** What a running script needs from the server. */
export interface ScriptHost {
  /** Runs a redis.call/pcall command (argv) in protocol `resp`; returns its reply's RESP bytes. */
  call(argv: Argv, resp: number): Uint8Array;
  /** redis.acl_check_cmd: 1 allowed, 0 denied, -1 no such command. */
  aclCheck(argv: Argv): number;
  log(level: number, message: string): void;
  /** redis.set_repl(flags): REPL_* bits. */
  setRepl(flags: number): void;
  /** The script has run past busy-reply-threshold (called at every hook firing from then on). */
  busy(elapsedMs: number): void;
}

export type CreateResult = { script: Script } | { error: string };

export class LuaEngine {
  private readonly binding: LuaBinding;
  readonly cache = new ScriptCache();
  private readonly shared = Buffer.allocUnsafeSlow(SHARED_BYTES);
  /** The control words the addon's hook reads (script-control.ts: kill bit, kill logged, ...). */
  readonly control = scriptControl;
  private host: ScriptHost | null = null;
  private readonly callArgv = new Argv();
  private generation = 1;
  /** Libraries the engine could not load ('' when all loaded). */
  readonly notes: string;

  constructor(binding: LuaBinding) {
    this.binding = binding;
    this.notes = binding.init(
      (resp, _unused, big) => this.onCall(resp, big),
      (kind, value, extra) => this.onEvent(kind, value, extra),
      this.shared,
      this.control,
    );
  }

  /** The last run's reply is an error already counted in errorstats (it came from a command). */
  get replyErrorCounted(): boolean {
    return Atomics.load(this.control, 2) !== 0;
  }

  /** True while a script runs. */
  get running(): boolean {
    return this.host !== null;
  }

  /** Bytes used by the Lua state. */
  get memory(): number {
    return this.binding.memory();
  }

  /**
   * The cached script for body, compiling and caching it first if needed (luaCreateFunction).
   * Errors are reply texts.
   */
  create(body: Buffer): CreateResult {
    const sha = sha1hex(body);
    const cached = this.cache.get(sha);
    if (cached !== undefined) return { script: cached };
    const sb = parseShebang(body);
    if ('error' in sb) return { error: sb.error };
    const script: Script = { sha, body: Buffer.from(body), flags: sb.flags, shebangLen: sb.shebangLen, loadedIn: 0 };
    const err = this.compile(script);
    if (err !== null) return { error: `ERR Error compiling script (new function): ${err}` };
    this.cache.add(script);
    return { script };
  }

  private compile(s: Script): string | null {
    const err = this.binding.load(`f_${s.sha}`, s.shebangLen > 0 ? s.body.subarray(s.shebangLen) : s.body);
    if (err === null) s.loadedIn = this.generation;
    return err;
  }

  /**
   * Runs script s with KEYS = argv[first, first+nkeys) and ARGV = the arguments after them,
   * replying in protocol clientResp. Returns the reply's RESP bytes (valid until the next run).
   */
  run(host: ScriptHost, s: Script, argv: Argv, first: number, nkeys: number, clientResp: number, busyMs: number): Uint8Array {
    if (s.loadedIn !== this.generation) {
      const err = this.compile(s);
      if (err !== null) return Buffer.from(`-ERR Error compiling script (new function): ${err}\r\n`, 'latin1');
    }
    return this.runNamed(host, `f_${s.sha}`, s.sha, argv, first, nkeys, clientResp, busyMs);
  }

  /** FCALL: runs the registered function `name` with (KEYS, ARGV) as its arguments. */
  runFunction(host: ScriptHost, name: string, argv: Argv, first: number, nkeys: number, clientResp: number, busyMs: number): Uint8Array {
    return this.runNamed(host, `fn:${name.toLowerCase()}`, name, argv, first, nkeys, clientResp, busyMs);
  }

  /** The addon's functions API (src/scripting/functions.ts). */
  get native(): LuaBinding {
    return this.binding;
  }

  /** Called after SCRIPT FLUSH made a fresh Lua state (the functions reload their libraries). */
  onReset: (() => void) | null = null;

  private runNamed(host: ScriptHost, regName: string, label: string, argv: Argv, first: number, nkeys: number, clientResp: number, busyMs: number): Uint8Array {
    const nargs = argv.argc - first - nkeys;
    let total = 0;
    for (let i = first; i < argv.argc; i++) total += 4 + argv.len[i];
    const big = total > SHARED_BYTES ? Buffer.allocUnsafe(total) : null;
    const dst = big ?? this.shared;
    let pos = 0;
    for (let i = first; i < argv.argc; i++) {
      const n = argv.len[i];
      dst.writeUInt32LE(n, pos);
      dst.set(argv.buf.subarray(argv.off[i], argv.off[i] + n), pos + 4);
      pos += 4 + n;
    }
    this.host = host;
    let r: number | Buffer | null;
    try {
      r = big === null
        ? this.binding.run(regName, nkeys, nargs, clientResp, busyMs, label)
        : this.binding.run(regName, nkeys, nargs, clientResp, busyMs, label, big);
    } finally {
      this.host = null;
    }
    if (r === null) return Buffer.from('-ERR Spindle lost the compiled script\r\n', 'latin1');
    if (typeof r === 'number') return this.shared.subarray(0, r);
    return r;
  }

  /** SCRIPT FLUSH: forget every script and start a fresh Lua state. */
  flush(): void {
    this.cache.clear();
    this.binding.reset();
    this.generation++;
    this.onReset?.();
  }

  /** Runs one non-blocking turn of the event loop (only from ScriptHost.busy). */
  pump(): void {
    this.binding.pump();
  }

  /** Asks the running script to stop (SCRIPT KILL). */
  kill(): void {
    Atomics.or(this.control, STATE, S_KILL);
    this.binding.kill();
  }

  private decodeCall(big: Buffer | undefined): Argv {
    const src = big ?? this.shared;
    const argv = this.callArgv;
    const argc = src.readUInt32LE(0);
    argv.ensure(argc);
    let pos = 4;
    for (let i = 0; i < argc; i++) {
      const n = src.readUInt32LE(pos);
      argv.off[i] = pos + 4;
      argv.len[i] = n;
      pos += 4 + n;
    }
    argv.buf = src;
    argv.argc = argc;
    argv.keyHashed = false;
    return argv;
  }

  private onCall(resp: number, big: Buffer | undefined): number | Buffer {
    const host = this.host;
    if (host === null) return Buffer.from('-ERR redis.call outside a script\r\n', 'latin1');
    let reply: Uint8Array;
    try {
      reply = host.call(this.decodeCall(big), resp);
    } catch (e) {
      host.log(3, `Spindle: a command called from a script failed: ${(e as Error).stack ?? String(e)}`);
      reply = Buffer.from('-ERR Spindle failed to run the command for the script\r\n', 'latin1');
    }
    if (reply.length <= SHARED_BYTES) {
      this.shared.set(reply, 0);
      return reply.length;
    }
    return Buffer.from(reply);
  }

  private onEvent(kind: number, value: number, extra: Buffer | string | undefined): number | undefined {
    const host = this.host;
    if (host === null) return 0;
    switch (kind) {
      case EV_LOG:
        host.log(value, typeof extra === 'string' ? extra : '');
        return 0;
      case EV_SET_REPL:
        host.setRepl(value);
        return 0;
      case EV_BUSY:
        host.busy(value);
        return 0;
      case EV_ACL_CHECK:
        return host.aclCheck(this.decodeCall(typeof extra === 'string' ? undefined : extra));
      default:
        return 0;
    }
  }
}

let engine: LuaEngine | null | undefined;

/** The process's Lua engine, or null when scripting is unavailable (see scriptingUnavailable). */
export function luaEngine(): LuaEngine | null {
  if (engine === undefined) {
    const { binding } = loadLuaBinding();
    engine = binding === null ? null : new LuaEngine(binding);
  }
  return engine;
}

/** Why scripting is unavailable, or '' when it works. */
export function scriptingUnavailable(): string {
  return luaEngine() === null ? loadLuaBinding().reason : '';
}

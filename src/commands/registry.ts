/*
 * The command table. Each command family exports `CommandDef`s: a name, a one-line summary in
 * our words, and a handler (plus subcommands or a getKeys hook where needed). Everything else about
 * a command (arity, flags, key positions and key specs, ACL categories, tips, argument structure,
 * group, since) is data in meta.json, generated from Redis 7.0.15's own command descriptions by
 * scripts/gen-command-meta.ts. Dispatch, arity errors, COMMAND INFO/DOCS/GETKEYS/LIST and key
 * extraction all read the one joined table; nothing about a command is written twice.
 *
 * Lookup goes from the name's bytes (case-insensitive) through a small open-addressing table, so
 * dispatch never turns the command name into a JS string.
 */
import { readFileSync } from 'node:fs';
import type { Argv } from '../protocol/argv.ts';
import type { LatencyHistogram } from '../util/latency-histogram.ts';
import type { CommandClient, Handler } from './context.ts';

export type { Handler };

/**
 * One command as a family declares it. `C` is the client type its handler takes: CommandClient
 * for data commands; server/commands/ declare CommandDef<Client> (the concrete client), which
 * the server registers with registerServerCommands.
 */
export interface CommandDef<C = CommandClient> {
  name: string;
  summary: string;
  handler?: Handler<C>;
  subcommands?: CommandDef<C>[];
  /** Key positions for commands whose keys the first/last/step triple cannot describe. */
  getKeys?: (argv: Argv) => number[];
}

interface KeySpecMeta {
  flags: string[];
  begin_search: { type: string; spec: Record<string, unknown> };
  find_keys: { type: string; spec: Record<string, unknown> };
}

export interface CommandMeta {
  arity: number;
  flags: string[];
  first_key: number;
  last_key: number;
  step: number;
  acl_categories: string[];
  tips: string[];
  key_specs: KeySpecMeta[];
  subcommands: Record<string, CommandMeta>;
  docs?: { since?: string; group?: string; arguments?: unknown[]; doc_flags?: string[]; deprecated_since?: string; replaced_by?: string; history?: unknown[] };
}

export const CMD_WRITE = 1 << 0;
export const CMD_READONLY = 1 << 1;
export const CMD_DENYOOM = 1 << 2;
export const CMD_ADMIN = 1 << 3;
export const CMD_PUBSUB = 1 << 4;
export const CMD_NOSCRIPT = 1 << 5;
export const CMD_BLOCKING = 1 << 6;
export const CMD_LOADING = 1 << 7;
export const CMD_STALE = 1 << 8;
export const CMD_SKIP_MONITOR = 1 << 9;
export const CMD_SKIP_SLOWLOG = 1 << 10;
export const CMD_ASKING = 1 << 11;
export const CMD_FAST = 1 << 12;
export const CMD_NO_AUTH = 1 << 13;
export const CMD_MAY_REPLICATE = 1 << 14;
export const CMD_NO_MULTI = 1 << 15;
export const CMD_ALLOW_BUSY = 1 << 16;
/** Ours, not Redis's: allowed to a RESP2 client with subscriptions (processCommand's list). */
export const CMD_PUBSUB_CONTEXT = 1 << 24;
/** Ours: runs at once inside MULTI instead of being queued (EXEC DISCARD MULTI WATCH QUIT RESET). */
export const CMD_TRANSACTION_CONTROL = 1 << 25;
/** Redis's CMD_TOUCHES_ARBITRARY_KEYS (internal, not in COMMAND INFO): may expire any key. */
export const CMD_TOUCHES_ARBITRARY_KEYS = 1 << 26;

const PUBSUB_CONTEXT = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);
const TRANSACTION_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
const TOUCHES_ARBITRARY_KEYS = new Set(['keys', 'scan', 'randomkey']);

const FLAG_BITS: Record<string, number> = {
  write: CMD_WRITE, readonly: CMD_READONLY, denyoom: CMD_DENYOOM, admin: CMD_ADMIN,
  pubsub: CMD_PUBSUB, noscript: CMD_NOSCRIPT, blocking: CMD_BLOCKING, loading: CMD_LOADING,
  stale: CMD_STALE, skip_monitor: CMD_SKIP_MONITOR, skip_slowlog: CMD_SKIP_SLOWLOG,
  asking: CMD_ASKING, fast: CMD_FAST, no_auth: CMD_NO_AUTH, may_replicate: CMD_MAY_REPLICATE,
  no_multi: CMD_NO_MULTI, allow_busy: CMD_ALLOW_BUSY,
};

export class Command {
  /** Lower-case full name: "get", "config|get". */
  readonly fullName: string;
  /** Lower-case own name: "get", "get" for config|get. */
  readonly name: string;
  readonly nameBytes: Uint8Array;
  readonly summary: string;
  readonly handler: Handler;
  readonly meta: CommandMeta;
  readonly arity: number;
  readonly flags: number;
  readonly parent: Command | null;
  readonly subcommands: Command[] = [];
  private subTable: Map<string, Command> | null = null;
  readonly getKeys: ((argv: Argv) => number[]) | null;
  /** The config that must allow this command (Redis's CMD_PROTECTED: DEBUG, MODULE), or null. */
  readonly protectedBy: 'enable-debug-command' | 'enable-module-command' | null;
  // INFO commandstats
  calls = 0;
  usec = 0;
  rejected = 0;
  failed = 0;
  /** This command's id in the ACL command table (src/acl/categories.ts), set by the server. */
  aclId = -1;
  /** INFO latencystats histogram, created on the first call with latency-tracking on. */
  latency: LatencyHistogram | null = null;

  constructor(def: CommandDef, meta: CommandMeta, parent: Command | null) {
    this.name = def.name.toLowerCase();
    this.fullName = parent === null ? this.name : `${parent.name}|${this.name}`;
    this.nameBytes = Buffer.from(this.name, 'latin1');
    this.summary = def.summary;
    this.meta = meta;
    this.arity = meta.arity;
    let f = 0;
    for (const fl of meta.flags) f |= FLAG_BITS[fl] ?? 0;
    if (parent === null && PUBSUB_CONTEXT.has(this.name)) f |= CMD_PUBSUB_CONTEXT;
    if (parent === null && TRANSACTION_CONTROL.has(this.name)) f |= CMD_TRANSACTION_CONTROL;
    if (parent === null && TOUCHES_ARBITRARY_KEYS.has(this.name)) f |= CMD_TOUCHES_ARBITRARY_KEYS;
    this.flags = f;
    this.parent = parent;
    this.getKeys = def.getKeys ?? null;
    const top = parent === null ? this.name : parent.name;
    this.protectedBy = top === 'debug' ? 'enable-debug-command' : top === 'module' ? 'enable-module-command' : null;
    const handler = def.handler;
    if (handler === undefined && def.subcommands === undefined) throw new Error(`command ${this.fullName} has no handler`);
    this.handler = handler ?? noHandler;
    for (const sd of def.subcommands ?? []) {
      const key = `${this.name}|${sd.name.toLowerCase()}`;
      const sm = meta.subcommands[key];
      if (sm === undefined) throw new Error(`no metadata for subcommand ${key}`);
      this.subcommands.push(new Command(sd, sm, this));
    }
    if (this.subcommands.length > 0) {
      this.subTable = new Map(this.subcommands.map((s) => [s.name, s]));
    }
  }

  get hasSubcommands(): boolean {
    return this.subTable !== null;
  }

  subcommand(lowerName: string): Command | undefined {
    return this.subTable?.get(lowerName);
  }
}

function noHandler(): void {
  throw new Error('container command called without subcommand');
}

const TABLE_SIZE = 1024;

function nameHash(b: Uint8Array, o: number, n: number): number {
  let h = 2166136261;
  for (let i = 0; i < n; i++) {
    let c = b[o + i];
    if (c >= 65 && c <= 90) c |= 0x20;
    h = Math.imul(h ^ c, 16777619);
  }
  return h >>> 0;
}

export class Registry {
  readonly commands = new Map<string, Command>();
  private readonly table: (Command | null)[] = new Array(TABLE_SIZE).fill(null);
  /** The name each slot of `table` is found by: the command's own, or its rename-command name. */
  private readonly keys: Uint8Array[] = new Array(TABLE_SIZE);
  readonly metaTable: Record<string, CommandMeta>;

  constructor(metaTable?: Record<string, CommandMeta>) {
    this.metaTable = metaTable ?? loadMeta();
  }

  register(defs: CommandDef[]): void {
    for (const def of defs) {
      const name = def.name.toLowerCase();
      const meta = this.metaTable[name];
      if (meta === undefined) throw new Error(`no metadata for command ${name}`);
      if (this.commands.has(name)) throw new Error(`command ${name} registered twice`);
      const cmd = new Command(def, meta, null);
      this.commands.set(name, cmd);
      this.insert(cmd.nameBytes, cmd);
    }
  }

  private insert(key: Uint8Array, cmd: Command): void {
    let i = nameHash(key, 0, key.length) & (TABLE_SIZE - 1);
    while (this.table[i] !== null) i = (i + 1) & (TABLE_SIZE - 1);
    this.table[i] = cmd;
    this.keys[i] = key;
  }

  /**
   * rename-command (config file): the command is found by `to` from now on, and no longer by
   * `from`; "" removes it. It keeps its own name in COMMAND replies, as in Redis, where only the
   * command table's key changes. Returns false when `from` names no command.
   */
  rename(from: string, to: string): boolean {
    const old = from.toLowerCase();
    const cmd = this.commands.get(old);
    if (cmd === undefined) return false;
    this.commands.delete(old);
    if (to !== '') this.commands.set(to.toLowerCase(), cmd);
    this.table.fill(null);
    for (const [name, c] of this.commands) this.insert(Buffer.from(name, 'latin1'), c);
    return true;
  }

  /** The command named by argument `idx` of argv, or null. */
  lookup(argv: Argv, idx: number): Command | null {
    const b = argv.buf;
    const o = argv.off[idx];
    const n = argv.len[idx];
    let i = nameHash(b, o, n) & (TABLE_SIZE - 1);
    for (;;) {
      const cmd = this.table[i];
      if (cmd === null) return null;
      const nb = this.keys[i];
      if (nb.length === n) {
        let k = 0;
        for (; k < n; k++) {
          let c = b[o + k];
          if (c >= 65 && c <= 90) c |= 0x20;
          if (c !== nb[k]) break;
        }
        if (k === n) return cmd;
      }
      i = (i + 1) & (TABLE_SIZE - 1);
    }
  }

  /** Finds by name string ("get", "config|get" or "config get"). */
  find(name: string): Command | undefined {
    const parts = name.toLowerCase().split(/[| ]/);
    const top = this.commands.get(parts[0]);
    if (top === undefined || parts.length === 1) return top;
    return top.subcommand(parts[1]);
  }

  *all(): Iterable<Command> {
    for (const c of this.commands.values()) {
      yield c;
      yield* c.subcommands;
    }
  }
}

let metaCache: Record<string, CommandMeta> | null = null;

export function loadMeta(): Record<string, CommandMeta> {
  if (metaCache === null) {
    metaCache = JSON.parse(readFileSync(new URL('./meta.json', import.meta.url), 'utf8')) as Record<string, CommandMeta>;
  }
  return metaCache;
}

/*
 * ACL command categories and the ACL's view of the command table.
 *
 * Every command Redis 7.0.15 knows (src/commands/meta.json, including the ones Spindle has not
 * built) gets an ACL id, in table order: a top-level command, then its subcommands. A selector's
 * command rights are a bitmap over these ids (selector.ts), and each command's categories are a
 * bit set over CATEGORIES, read once from meta.json's acl_categories (which already hold the
 * implicit ones Redis derives from the flags: @write, @read, @fast/@slow, ...). Rules name
 * commands from this table, so ACL SETUSER +cluster works as in Redis even where CLUSTER itself
 * is not built, and ACL CAT lists what Redis lists.
 */
import type { CommandMeta } from '../commands/registry.ts';

/** Redis's category table, in its order (ACL CAT, and the order the describer tries them). */
export const CATEGORIES: readonly string[] = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo',
  'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];

/** The bit of a category name (case-insensitive, without the @), or 0 when there is none. */
export function categoryBit(name: string): number {
  const i = CATEGORIES.indexOf(asciiLower(name));
  return i < 0 ? 0 : 1 << i;
}

export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** One command as ACL rules see it. */
export interface AclCommand {
  id: number;
  /** "get", "config|get". */
  fullName: string;
  categories: number;
  /** no_auth commands (AUTH, HELLO) are never refused for the command itself. */
  noAuth: boolean;
  parent: AclCommand | null;
  subs: AclCommand[];
}

/** Ids reach at most this; the last bit of a bitmap means "commands added later" (+@all). */
export const COMMAND_BITS = 1024;
export const FUTURE_BIT = COMMAND_BITS - 1;

export class AclCommands {
  /** Top-level commands, in table order. */
  readonly top: AclCommand[] = [];
  /** Every command by id. */
  readonly byId: AclCommand[] = [];
  private readonly byName = new Map<string, AclCommand>();
  /** Told of every first-arg rule applied ("select|0"): Redis logs a deprecation warning. */
  firstArgWarning: ((rule: string) => void) | null = null;

  constructor(meta: Record<string, CommandMeta>) {
    for (const [name, m] of Object.entries(meta)) {
      const cmd = this.add(name, m, null);
      this.top.push(cmd);
      for (const [sub, sm] of Object.entries(m.subcommands ?? {})) cmd.subs.push(this.add(sub, sm, cmd));
    }
  }

  private add(fullName: string, m: CommandMeta, parent: AclCommand | null): AclCommand {
    let categories = 0;
    for (const c of m.acl_categories) categories |= categoryBit(c.slice(1));
    const cmd: AclCommand = { id: this.byId.length, fullName, categories, noAuth: m.flags.includes('no_auth'), parent, subs: [] };
    this.byId.push(cmd);
    this.byName.set(fullName, cmd);
    return cmd;
  }

  /**
   * Redis's ACLLookupCommand: "name" or "container|sub", case-insensitive; a "|" after a command
   * without subcommands, or more than one "|", finds nothing.
   */
  lookup(name: string): AclCommand | undefined {
    const parts = asciiLower(name).split('|');
    if (parts.length > 2) return undefined;
    const base = this.byName.get(parts[0]);
    if (base === undefined || base.parent !== null) return undefined;
    if (parts.length === 1) return base;
    if (base.subs.length === 0) return undefined;
    return this.byName.get(`${parts[0]}|${parts[1]}`);
  }

  /** Every command, containers before their subcommands. */
  *all(): Iterable<AclCommand> {
    for (const c of this.top) {
      yield c;
      yield* c.subs;
    }
  }
}

/*
 * An ACL selector: which commands (a bitmap over AclCommand ids, plus "first-arg" exceptions such
 * as +select|0), which keys (glob patterns, each with read and/or write rights) and which pub/sub
 * channels (glob patterns) a user may use. A user has a root selector and any number of extra
 * ones in parentheses; a command runs when one selector allows all of it (check.ts).
 *
 * Rules are applied one at a time by set(), which follows ACLSetSelector in Redis 7.0: the same
 * rules, the same precedence, the same failures (returned as an AclError code). Patterns and
 * first-args are kept as latin1 strings (one char per byte), so any byte string works; a key
 * pattern also keeps its bytes for matching.
 */
import { type AclCommand, type AclCommands, COMMAND_BITS, FUTURE_BIT, asciiLower, categoryBit } from './categories.ts';

export const SEL_ROOT = 1;
export const SEL_ALLKEYS = 2;
export const SEL_ALLCHANNELS = 4;
export const SEL_ALLCOMMANDS = 8;

export const PERM_READ = 1;
export const PERM_WRITE = 2;
export const PERM_ALL = 3;

/** ACLSetUser's errno values: what went wrong with a rule (messages in errors.ts). */
export type AclError = 'EINVAL' | 'ENOENT' | 'EEXIST' | 'EISDIR' | 'ENODEV' | 'EBADMSG' | 'EALREADY' | 'ECHILD';

export interface KeyPattern {
  pattern: string;
  bytes: Buffer;
  flags: number;
}

const WORDS = COMMAND_BITS / 32;

/** Redis's ACLStringHasSpaces: isspace() or NUL anywhere. */
export function hasSpaces(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 32 || (c >= 9 && c <= 13)) return true;
  }
  return false;
}

export class Selector {
  flags: number;
  readonly bits = new Uint32Array(WORDS);
  /** Allowed first arguments by command id (only for commands whose bit is off), or null. */
  firstArgs: Map<number, string[]> | null = null;
  patterns: KeyPattern[] = [];
  channels: string[] = [];
  /** Channel patterns as bytes, rebuilt lazily (null: stale). */
  private channelBytes: Buffer[] | null = null;

  constructor(flags: number) {
    this.flags = flags;
  }

  copy(): Selector {
    const s = new Selector(this.flags);
    s.bits.set(this.bits);
    if (this.firstArgs !== null) s.firstArgs = new Map([...this.firstArgs].map(([k, v]) => [k, [...v]]));
    s.patterns = this.patterns.map((p) => ({ ...p }));
    s.channels = [...this.channels];
    return s;
  }

  getBit(id: number): boolean {
    return (this.bits[id >>> 5] & (1 << (id & 31))) !== 0;
  }

  private setBit(id: number, on: boolean): void {
    if (on) this.bits[id >>> 5] |= 1 << (id & 31);
    else {
      this.bits[id >>> 5] &= ~(1 << (id & 31));
      this.flags &= ~SEL_ALLCOMMANDS;
    }
  }

  /** +@all and allcommands set this bit too: rights to commands that do not exist yet. */
  get futureCommands(): boolean {
    return this.getBit(FUTURE_BIT);
  }

  /** ACLChangeSelectorPerm: a command and, for a container, all of its subcommands. */
  changePerm(cmd: AclCommand, allow: boolean): void {
    this.setBit(cmd.id, allow);
    this.firstArgs?.delete(cmd.id);
    for (const sub of cmd.subs) this.setBit(sub.id, allow);
  }

  /** Every command of a category (containers take their subcommands along, then each sub its own). */
  setCategory(commands: AclCommands, bit: number, allow: boolean): void {
    for (const cmd of commands.top) {
      if ((cmd.categories & bit) !== 0) this.changePerm(cmd, allow);
      for (const sub of cmd.subs) if ((sub.categories & bit) !== 0) this.changePerm(sub, allow);
    }
  }

  /** How many commands of a category this selector allows and denies. */
  countCategory(commands: AclCommands, bit: number): { on: number; off: number } {
    let on = 0;
    let off = 0;
    for (const cmd of commands.all()) {
      if ((cmd.categories & bit) === 0) continue;
      if (this.getBit(cmd.id)) on++;
      else off++;
    }
    return { on, off };
  }

  allCommands(on: boolean): void {
    this.bits.fill(on ? 0xffffffff : 0);
    if (on) this.flags |= SEL_ALLCOMMANDS;
    else this.flags &= ~SEL_ALLCOMMANDS;
    this.firstArgs = null;
  }

  private addFirstArg(id: number, arg: string): void {
    if (this.firstArgs === null) this.firstArgs = new Map();
    let list = this.firstArgs.get(id);
    if (list === undefined) {
      list = [];
      this.firstArgs.set(id, list);
    }
    const lower = asciiLower(arg);
    if (list.some((a) => asciiLower(a) === lower)) return;
    list.push(arg);
  }

  /** Channel patterns as bytes (for matching). */
  channelPatterns(): Buffer[] {
    if (this.channelBytes === null) this.channelBytes = this.channels.map((c) => Buffer.from(c, 'latin1'));
    return this.channelBytes;
  }

  /** Applies one selector rule (ACLSetSelector). Returns null, or why the rule is refused. */
  set(commands: AclCommands, op: string): AclError | null {
    const lower = asciiLower(op);
    if (lower === 'allkeys' || lower === '~*') {
      this.flags |= SEL_ALLKEYS;
      this.patterns = [];
    } else if (lower === 'resetkeys') {
      this.flags &= ~SEL_ALLKEYS;
      this.patterns = [];
    } else if (lower === 'allchannels' || lower === '&*') {
      this.flags |= SEL_ALLCHANNELS;
      this.channels = [];
      this.channelBytes = null;
    } else if (lower === 'resetchannels') {
      this.flags &= ~SEL_ALLCHANNELS;
      this.channels = [];
      this.channelBytes = null;
    } else if (lower === 'allcommands' || lower === '+@all') {
      this.allCommands(true);
    } else if (lower === 'nocommands' || lower === '-@all') {
      this.allCommands(false);
    } else if (op[0] === '~' || op[0] === '%') {
      return this.addKeyPattern(op);
    } else if (op[0] === '&') {
      if ((this.flags & SEL_ALLCHANNELS) !== 0) return 'EISDIR';
      const pat = op.slice(1);
      if (hasSpaces(pat)) return 'EINVAL';
      if (!this.channels.includes(pat)) this.channels.push(pat);
      this.channelBytes = null;
      this.flags &= ~SEL_ALLCHANNELS;
    } else if (op[0] === '+' && op[1] !== '@') {
      return this.allowCommand(commands, op.slice(1));
    } else if (op[0] === '-' && op[1] !== '@') {
      const cmd = commands.lookup(op.slice(1));
      if (cmd === undefined) return 'ENOENT';
      this.changePerm(cmd, false);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const bit = categoryBit(op.slice(2));
      if (bit === 0) return 'ENOENT';
      this.setCategory(commands, bit, op[0] === '+');
    } else {
      return 'EINVAL';
    }
    return null;
  }

  /** ~pattern, %R~pattern, %W~pattern, %RW~pattern. */
  private addKeyPattern(op: string): AclError | null {
    if ((this.flags & SEL_ALLKEYS) !== 0) return 'EEXIST';
    let flags = 0;
    let offset = 1;
    if (op[0] === '%') {
      for (; offset < op.length; offset++) {
        const ch = op[offset].toUpperCase();
        if (ch === 'R' && (flags & PERM_READ) === 0) flags |= PERM_READ;
        else if (ch === 'W' && (flags & PERM_WRITE) === 0) flags |= PERM_WRITE;
        else if (op[offset] === '~') {
          offset++;
          break;
        } else return 'EINVAL';
      }
      if (flags === 0) return 'EINVAL';
    } else {
      flags = PERM_ALL;
    }
    const pattern = op.slice(offset);
    if (hasSpaces(pattern)) return 'EINVAL';
    const same = this.patterns.find((p) => p.pattern === pattern);
    if (same !== undefined) same.flags |= flags;
    else this.patterns.push({ pattern, bytes: Buffer.from(pattern, 'latin1'), flags });
    this.flags &= ~SEL_ALLKEYS;
    return null;
  }

  /** +command, +container|sub, +command|first-arg. */
  private allowCommand(commands: AclCommands, name: string): AclError | null {
    const bar = name.lastIndexOf('|');
    if (bar < 0) {
      const cmd = commands.lookup(name);
      if (cmd === undefined) return 'ENOENT';
      this.changePerm(cmd, true);
      return null;
    }
    const base = name.slice(0, bar);
    const sub = name.slice(bar + 1);
    const cmd = commands.lookup(base);
    if (cmd === undefined) return 'ENOENT';
    if (cmd.parent !== null) return 'ECHILD';
    if (sub.length === 0) return 'EINVAL';
    if (cmd.subs.length > 0) {
      const subCmd = commands.lookup(name);
      if (subCmd === undefined) return 'ENOENT';
      this.changePerm(subCmd, true);
    } else {
      commands.firstArgWarning?.(name);
      this.addFirstArg(cmd.id, sub);
    }
    return null;
  }
}

/*
 * An ACL user: flags (on/off, nopass, sanitize-payload), SHA-256 password hashes and selectors
 * (the root one first). setOp() applies one SETUSER rule as Redis 7.0's ACLSetUser does;
 * `unrestricted` caches "the root selector allows every command, key and channel", which is
 * the one test the dispatcher makes for a command of such a user.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AclCommands } from './categories.ts';
import { asciiLower } from './categories.ts';
import { type AclError, SEL_ALLCHANNELS, SEL_ALLCOMMANDS, SEL_ALLKEYS, SEL_ROOT, Selector } from './selector.ts';
import { splitSelectorArgs } from './rules.ts';

export const USER_ENABLED = 1;
export const USER_DISABLED = 2;
export const USER_NOPASS = 4;
export const USER_SKIP_SANITIZE = 8;
export const USER_SANITIZE = 16;

/** Flag names in the order ACL LIST and GETUSER print them. */
export const USER_FLAG_NAMES: readonly [number, string][] = [
  [USER_ENABLED, 'on'], [USER_DISABLED, 'off'], [USER_NOPASS, 'nopass'],
  [USER_SKIP_SANITIZE, 'skip-sanitize-payload'], [USER_SANITIZE, 'sanitize-payload'],
];

const ALL = SEL_ALLKEYS | SEL_ALLCHANNELS | SEL_ALLCOMMANDS;

/** SHA-256 of the password bytes, as lowercase hex. */
export function hashPassword(pass: Uint8Array): string {
  return createHash('sha256').update(pass).digest('hex');
}

/** A valid #hash / !hash: exactly 64 lowercase hex digits. */
function validHash(h: string): boolean {
  return /^[0-9a-f]{64}$/.test(h);
}

export class User {
  readonly name: string;
  flags = USER_DISABLED;
  passwords: string[] = [];
  selectors: Selector[];
  /** The root selector allows all commands, keys and channels: the dispatcher checks nothing. */
  unrestricted = false;

  /** `pubsubDefault`: SEL_ALLCHANNELS when acl-pubsub-default is allchannels, else 0. */
  constructor(name: string, pubsubDefault: number) {
    this.name = name;
    this.selectors = [new Selector(SEL_ROOT | pubsubDefault)];
  }

  get root(): Selector {
    return this.selectors[0];
  }

  get enabled(): boolean {
    return (this.flags & USER_DISABLED) === 0;
  }

  /** ACLCopyUser: everything but the name. */
  copyFrom(src: User): void {
    this.flags = src.flags;
    this.passwords = [...src.passwords];
    this.selectors = src.selectors.map((s) => s.copy());
    this.refresh();
  }

  refresh(): void {
    this.unrestricted = (this.root.flags & ALL) === ALL;
  }

  /** Whether pass (bytes) opens this user (ACLCheckUserCredentials without the lookup). */
  checkPassword(pass: Uint8Array): boolean {
    if ((this.flags & USER_DISABLED) !== 0) return false;
    if ((this.flags & USER_NOPASS) !== 0) return true;
    const h = Buffer.from(hashPassword(pass), 'latin1');
    let ok = false;
    for (const p of this.passwords) if (timingSafeEqual(h, Buffer.from(p, 'latin1'))) ok = true;
    return ok;
  }

  /**
   * One rule (op as latin1, one char per byte). Returns null or the reason it failed; a failed
   * rule may have changed nothing (callers stage changes on a copy, as Redis does).
   */
  setOp(commands: AclCommands, op: string, pubsubDefault: number): AclError | null {
    const r = this.apply(commands, op, pubsubDefault);
    this.refresh();
    return r;
  }

  private apply(commands: AclCommands, op: string, pubsubDefault: number): AclError | null {
    if (op.length === 0) return null;
    const lower = asciiLower(op);
    if (lower === 'on') {
      this.flags = (this.flags | USER_ENABLED) & ~USER_DISABLED;
    } else if (lower === 'off') {
      this.flags = (this.flags | USER_DISABLED) & ~USER_ENABLED;
    } else if (lower === 'skip-sanitize-payload') {
      this.flags = (this.flags | USER_SKIP_SANITIZE) & ~USER_SANITIZE;
    } else if (lower === 'sanitize-payload') {
      this.flags = (this.flags | USER_SANITIZE) & ~USER_SKIP_SANITIZE;
    } else if (lower === 'nopass') {
      this.flags |= USER_NOPASS;
      this.passwords = [];
    } else if (lower === 'resetpass') {
      this.flags &= ~USER_NOPASS;
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      let h: string;
      if (op[0] === '>') h = hashPassword(Buffer.from(op.slice(1), 'latin1'));
      else {
        h = op.slice(1);
        if (!validHash(h)) return 'EBADMSG';
      }
      if (!this.passwords.includes(h)) this.passwords.push(h);
      this.flags &= ~USER_NOPASS;
    } else if (op[0] === '<' || op[0] === '!') {
      let h: string;
      if (op[0] === '<') h = hashPassword(Buffer.from(op.slice(1), 'latin1'));
      else {
        h = op.slice(1);
        if (!validHash(h)) return 'EBADMSG';
      }
      const i = this.passwords.indexOf(h);
      if (i < 0) return 'ENODEV';
      this.passwords.splice(i, 1);
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const s = new Selector(pubsubDefault);
      const args = splitSelectorArgs(op.slice(1, -1));
      for (const a of args) {
        const err = s.set(commands, a);
        if (err !== null) return err;
      }
      this.selectors.push(s);
    } else if (lower === 'clearselectors') {
      this.selectors.length = 1;
    } else if (lower === 'reset') {
      this.apply(commands, 'resetpass', pubsubDefault);
      this.apply(commands, 'resetkeys', pubsubDefault);
      this.apply(commands, 'resetchannels', pubsubDefault);
      if ((pubsubDefault & SEL_ALLCHANNELS) !== 0) this.apply(commands, 'allchannels', pubsubDefault);
      this.apply(commands, 'off', pubsubDefault);
      this.apply(commands, 'sanitize-payload', pubsubDefault);
      this.apply(commands, 'clearselectors', pubsubDefault);
      this.apply(commands, '-@all', pubsubDefault);
    } else {
      return this.root.set(commands, op);
    }
    return null;
  }
}

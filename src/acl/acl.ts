/*
 * The ACL state of a server: its users (the "default" user always exists and keeps its object
 * for the server's life, as Redis's DefaultUser), the command universe rules refer to, and the
 * ACL LOG. Everything that needs clients (refusing, logging with client info, disconnecting)
 * lives in src/server/acl-guard.ts; this module knows users and rules only.
 *
 * Changes are staged as Redis stages them: SETUSER applies the rules to a copy and commits only
 * if all apply; ACL LOAD builds a whole new user set and swaps it in only if the file has no
 * error at all.
 */
import type { CommandMeta } from '../commands/registry.ts';
import { AclCommands } from './categories.ts';
import { describeUser } from './describe.ts';
import { AclLog } from './log.ts';
import { mergeSelectorArgs, ruleErrorText } from './rules.ts';
import { hasSpaces, SEL_ALLCHANNELS } from './selector.ts';
import { User, USER_DISABLED } from './user.ts';

export class Acl {
  readonly commands: AclCommands;
  users = new Map<string, User>();
  readonly defaultUser: User;
  readonly log = new AclLog();
  /** SEL_ALLCHANNELS when acl-pubsub-default is allchannels (new selectors start with it). */
  pubsubDefault = 0;
  /** Names of the `user` lines checked so far (checkConfigUser). */
  private readonly configUsers = new Set<string>();

  /**
   * The user of internal clients (AOF loading, a master's stream): allowed everything, in no
   * user list, shown as Redis shows its user-less clients.
   */
  readonly superuser: User;

  constructor(meta: Record<string, CommandMeta>) {
    this.commands = new AclCommands(meta);
    this.defaultUser = this.newDefaultUser();
    this.users.set('default', this.defaultUser);
    this.superuser = new User('(superuser)', SEL_ALLCHANNELS);
    for (const op of ['+@all', '~*', 'on', 'nopass']) this.superuser.setOp(this.commands, op, 0);
  }

  setPubsubDefault(value: string): void {
    this.pubsubDefault = value === 'allchannels' ? SEL_ALLCHANNELS : 0;
  }

  /** ACLCreateDefaultUser: +@all ~* &* on nopass. */
  private newDefaultUser(): User {
    const u = new User('default', this.pubsubDefault);
    for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) u.setOp(this.commands, op, this.pubsubDefault);
    return u;
  }

  /** A user not in the set (SETUSER's staging copy, the loaders' checks). */
  unlinkedUser(name: string): User {
    return new User(name, this.pubsubDefault);
  }

  /** requirepass: the default user's only password, or nopass when empty (ACLUpdateDefaultUserPassword). */
  setDefaultPassword(pass: string): void {
    const u = this.defaultUser;
    u.setOp(this.commands, 'resetpass', this.pubsubDefault);
    u.setOp(this.commands, pass === '' ? 'nopass' : `>${pass}`, this.pubsubDefault);
  }

  /** Whether a client that never authenticated must (Redis's authRequired for the default user). */
  get defaultNeedsAuth(): boolean {
    const f = this.defaultUser.flags;
    return (f & 4) === 0 || (f & USER_DISABLED) !== 0;
  }

  /** Users in name order (byte order), as ACL LIST, USERS and SAVE give them. */
  sortedUsers(): User[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** "user <name> <rules>" for LIST and SAVE. */
  userLine(u: User): string {
    return `user ${u.name} ${describeUser(this.commands, u)}`;
  }

  /**
   * The rules of ACL SETUSER (after the name) applied to a copy of the user (or a new one).
   * Returns the staged user, or the error reply text.
   */
  stageSetUser(name: string, args: readonly string[]): User | string {
    const merged = mergeSelectorArgs(args);
    if (typeof merged === 'number') return `ERR Unmatched parenthesis in acl selector starting at '${cstr(args[merged])}'.`;
    const temp = this.unlinkedUser(name);
    const existing = this.users.get(name);
    if (existing !== undefined) temp.copyFrom(existing);
    for (const op of merged) {
      const err = temp.setOp(this.commands, op, this.pubsubDefault);
      if (err !== null) return `ERR Error in ACL SETUSER modifier '${cstr(op)}': ${ruleErrorText(err)}`;
    }
    return temp;
  }

  /** Commits a staged user: copied into the existing one, or added. */
  commitUser(staged: User): User {
    let u = this.users.get(staged.name);
    if (u === undefined) {
      u = new User(staged.name, this.pubsubDefault);
      this.users.set(u.name, u);
    }
    u.copyFrom(staged);
    return u;
  }

  /**
   * Checks a `user` line of the config file (ACLAppendUserForLoading): null, or the error text
   * (unknown commands pass, as Redis lets modules define them later).
   */
  checkConfigUser(args: readonly string[]): string | null {
    // Redis names the argument at the rule's index counted from "user" itself, and for an
    // unclosed "(" gives a stale errno's text: both kept.
    const full = ['user', ...args];
    if (this.configUsers.has(args[0])) return `Error in user declaration '${args[0]}': ${ruleErrorText('EALREADY')}`;
    const merged = mergeSelectorArgs(args.slice(1));
    if (typeof merged === 'number') return `Error in user declaration '${full[merged]}': ${ruleErrorText('ENOENT')}`;
    const fake = this.unlinkedUser('__fakeuser:0__');
    for (let j = 0; j < merged.length; j++) {
      const err = fake.setOp(this.commands, merged[j], this.pubsubDefault);
      if (err !== null && err !== 'ENOENT') return `Error in user declaration '${full[j]}': ${ruleErrorText(err)}`;
    }
    this.configUsers.add(args[0]);
    return null;
  }

  /**
   * ACLLoadConfiguredUsers: the config file's `user` lines, in order ("default" is reset
   * first). Returns null or the log line of the first failure.
   */
  loadConfigUsers(lines: readonly (readonly string[])[]): string | null {
    const seen = new Set<string>();
    for (const args of lines) {
      const name = args[0];
      if (seen.has(name)) return `Error in user declaration '${name}': ${ruleErrorText('EALREADY')}`;
      seen.add(name);
      const bad = this.checkConfigUser(args);
      if (bad !== null) return bad;
    }
    for (const args of lines) {
      const name = args[0];
      if (hasSpaces(name)) return 'Spaces not allowed in ACL usernames';
      let u = this.users.get(name);
      if (u === undefined) {
        u = new User(name, this.pubsubDefault);
        this.users.set(name, u);
      } else u.setOp(this.commands, 'reset', this.pubsubDefault);
      const merged = mergeSelectorArgs(args.slice(1)) as string[];
      for (const op of merged) {
        const err = u.setOp(this.commands, op, this.pubsubDefault);
        if (err !== null) return `Error loading ACL rule '${op}' for the user named '${name}': ${ruleErrorText(err)}`;
      }
    }
    return null;
  }

  /**
   * ACLLoadFromFile on the file's text: every line checked; with any error nothing changes and
   * the error text is returned; else the new set replaces the old one (the default user object
   * stays, taking the file's default rules or fresh defaults) and the replaced users are
   * returned: their clients must go.
   */
  loadFileText(text: string, filename: string): { errors: string } | { removed: User[] } {
    const old = this.users;
    const fresh = new Map<string, User>();
    let errors = '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const linenum = i + 1;
      const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '') continue;
      const argv = line.split(' ');
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${filename}:${linenum} should start with user keyword followed by the username. `;
        continue;
      }
      if (hasSpaces(argv[1])) {
        errors += `'${filename}:${linenum}: username '${argv[1]}' contains invalid characters. `;
        continue;
      }
      if (fresh.has(argv[1])) {
        errors += `WARNING: Duplicate user '${argv[1]}' found on line ${linenum}. `;
        continue;
      }
      const u = new User(argv[1], this.pubsubDefault);
      fresh.set(u.name, u);
      const merged = mergeSelectorArgs(argv.slice(2));
      if (typeof merged === 'number') {
        errors += `${filename}:${linenum}: Unmatched parenthesis in selector definition.`;
        continue;
      }
      let syntaxError = false;
      for (const raw of merged) {
        const op = raw.replace(/^[\t\r\n]+|[\t\r\n]+$/g, '');
        const err = u.setOp(this.commands, op, this.pubsubDefault);
        if (err === null) continue;
        if (err === 'ENOENT') errors += `${filename}:${linenum}: Error in applying operation '${op}': ${ruleErrorText(err)}. `;
        else if (!syntaxError) {
          errors += `${filename}:${linenum}: ${ruleErrorText(err)}. `;
          syntaxError = true;
        }
      }
    }
    if (errors !== '') return { errors: `${errors}WARNING: ACL errors detected, no change to the previously active ACL rules was performed` };
    const newDefault = fresh.get('default') ?? this.newDefaultUser();
    this.defaultUser.copyFrom(newDefault);
    fresh.set('default', this.defaultUser);
    this.users = fresh;
    const removed: User[] = [];
    for (const u of old.values()) if (u !== this.defaultUser) removed.push(u);
    return { removed };
  }

  /** The ACL file's text (ACLSaveToFile). */
  saveText(): string {
    let out = '';
    for (const u of this.sortedUsers()) out += `${this.userLine(u)}\n`;
    return out;
  }
}

/** A string as C's %s prints it: up to the first NUL. */
function cstr(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

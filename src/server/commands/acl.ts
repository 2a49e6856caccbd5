/*
 * ACL SETUSER GETUSER DELUSER LIST USERS WHOAMI CAT GENPASS LOG SAVE LOAD DRYRUN HELP.
 * Users and rules are src/acl/; refusals, authentication and disconnections server/acl-guard.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Argv } from '../../protocol/argv.ts';
import { NOT_INTEGER, wrongArity } from '../../protocol/errors.ts';
import { Command, type CommandDef } from '../../commands/registry.ts';
import { replyHelp, subcommandSyntaxError } from '../../commands/util.ts';
import { formatDouble, parseLongLong } from '../../util/numbers.ts';
import { CATEGORIES, categoryBit } from '../../acl/categories.ts';
import { ACL_DENIED_CMD, ACL_DENIED_KEY, ACL_OK, checkCommand, deniedPos } from '../../acl/check.ts';
import { channelsField, describeCommandRules, keysField } from '../../acl/describe.ts';
import { hasSpaces, type Selector } from '../../acl/selector.ts';
import { USER_FLAG_NAMES, type User } from '../../acl/user.ts';
import { killClientsOf, killPubsubClientsIfNeeded, loadAclFile, saveAclFile } from '../acl-guard.ts';
import type { Client } from '../client.ts';

const NO_ACLFILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

// ACL SETUSER username [rule ...]
function aclSetuserCommand(c: Client, argv: Argv): void {
  const acl = c.srv.acl;
  const name = argv.str(2);
  if (hasSpaces(name)) {
    c.w.error("ERR Usernames can't contain spaces or null characters");
    return;
  }
  const rules: string[] = [];
  for (let i = 3; i < argv.argc; i++) rules.push(argv.str(i));
  const staged = acl.stageSetUser(name, rules);
  if (typeof staged === 'string') {
    c.w.error(staged);
    return;
  }
  const existing = acl.users.get(name);
  if (existing !== undefined) killPubsubClientsIfNeeded(c.srv, staged, existing, c);
  acl.commitUser(staged);
  c.w.ok();
}

// ACL DELUSER username [username ...]
function aclDeluserCommand(c: Client, argv: Argv): void {
  const acl = c.srv.acl;
  for (let j = 2; j < argv.argc; j++) {
    if (argv.str(j) === 'default') {
      c.w.error("ERR The 'default' user cannot be removed");
      return;
    }
  }
  const gone = new Set<User>();
  for (let j = 2; j < argv.argc; j++) {
    const u = acl.users.get(argv.str(j));
    if (u === undefined) continue;
    acl.users.delete(u.name);
    gone.add(u);
  }
  killClientsOf(c.srv, gone, c);
  c.w.integer(gone.size);
}

/** The commands / keys / channels fields of one selector (GETUSER). */
function replySelector(c: Client, sel: Selector): void {
  const w = c.w;
  w.bulkString('commands');
  w.bulkString(describeCommandRules(c.srv.acl.commands, sel));
  w.bulkString('keys');
  w.bulkString(keysField(sel));
  w.bulkString('channels');
  w.bulkString(channelsField(sel));
}

// ACL GETUSER username
function aclGetuserCommand(c: Client, argv: Argv): void {
  const u = c.srv.acl.users.get(argv.str(2));
  const w = c.w;
  if (u === undefined) {
    w.nullBulk();
    return;
  }
  w.mapHeader(6);
  w.bulkString('flags');
  const flags = USER_FLAG_NAMES.filter(([bit]) => (u.flags & bit) !== 0);
  w.setHeader(flags.length);
  for (const [, n] of flags) w.bulkString(n);
  w.bulkString('passwords');
  w.arrayHeader(u.passwords.length);
  for (const p of u.passwords) w.bulkString(p);
  replySelector(c, u.root);
  w.bulkString('selectors');
  w.arrayHeader(u.selectors.length - 1);
  for (let i = 1; i < u.selectors.length; i++) {
    w.mapHeader(3);
    replySelector(c, u.selectors[i]);
  }
}

// ACL LIST
function aclListCommand(c: Client): void {
  const acl = c.srv.acl;
  const users = acl.sortedUsers();
  c.w.arrayHeader(users.length);
  for (const u of users) c.w.bulkString(acl.userLine(u));
}

// ACL USERS
function aclUsersCommand(c: Client): void {
  const users = c.srv.acl.sortedUsers();
  c.w.arrayHeader(users.length);
  for (const u of users) c.w.bulkString(u.name);
}

// ACL WHOAMI
function aclWhoamiCommand(c: Client): void {
  c.w.bulkString(c.user.name);
}

// ACL LOAD
function aclLoadCommand(c: Client): void {
  if (c.srv.config.str('aclfile') === '') {
    c.w.error(NO_ACLFILE);
    return;
  }
  const err = loadAclFile(c.srv, c);
  if (err === null) c.w.ok();
  else c.w.error(`ERR ${err}`);
}

// ACL SAVE
function aclSaveCommand(c: Client): void {
  if (c.srv.config.str('aclfile') === '') {
    c.w.error(NO_ACLFILE);
    return;
  }
  if (saveAclFile(c.srv)) c.w.ok();
  else c.w.error('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
}

// ACL CAT [category]
function aclCatCommand(c: Client, argv: Argv): void {
  const w = c.w;
  if (argv.argc === 2) {
    w.arrayHeader(CATEGORIES.length);
    for (const n of CATEGORIES) w.bulkString(n);
    return;
  }
  if (argv.argc !== 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const bit = categoryBit(argv.str(2));
  if (bit === 0) {
    c.w.error(`ERR Unknown category '${argv.str(2).slice(0, 128)}'`);
    return;
  }
  const names: string[] = [];
  for (const cmd of c.srv.acl.commands.all()) if ((cmd.categories & bit) !== 0) names.push(cmd.fullName);
  w.arrayHeader(names.length);
  for (const n of names) w.bulkString(n);
}

// ACL GENPASS [bits]
function aclGenpassCommand(c: Client, argv: Argv): void {
  if (argv.argc > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let bits = 256;
  if (argv.argc === 3) {
    bits = parseLongLong(argv.buf, argv.off[2], argv.len[2]);
    if (Number.isNaN(bits)) {
      c.w.error(NOT_INTEGER);
      return;
    }
  }
  if (bits <= 0 || bits > 4096) {
    c.w.error('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
    return;
  }
  const chars = Math.floor((bits + 3) / 4);
  c.w.bulkString(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
}

const REASONS = ['', 'command', 'key', 'auth', 'channel'];
const CONTEXTS = ['toplevel', 'multi', 'lua'];

// ACL LOG [count | RESET]
function aclLogCommand(c: Client, argv: Argv): void {
  if (argv.argc > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const log = c.srv.acl.log;
  let count = 10;
  if (argv.argc === 3) {
    if (argv.is(2, 'reset')) {
      log.reset();
      c.w.ok();
      return;
    }
    count = parseLongLong(argv.buf, argv.off[2], argv.len[2]);
    if (Number.isNaN(count)) {
      c.w.error(NOT_INTEGER);
      return;
    }
    if (count < 0) count = 0;
  }
  count = Math.min(count, log.entries.length);
  const w = c.w;
  const now = Date.now();
  w.arrayHeader(count);
  for (let i = 0; i < count; i++) {
    const e = log.entries[i];
    w.mapHeader(7);
    w.bulkString('count');
    w.integer(e.count);
    w.bulkString('reason');
    w.bulkString(REASONS[e.reason] ?? 'unknown');
    w.bulkString('context');
    w.bulkString(CONTEXTS[e.context] ?? 'unknown');
    w.bulkString('object');
    w.bulkString(e.object);
    w.bulkString('username');
    w.bulkString(e.username);
    w.bulkString('age-seconds');
    w.double(formatDouble((now - e.ctime) / 1000));
    w.bulkString('client-info');
    w.bulkText(e.clientInfo);
  }
}

/**
 * A command Redis has and Spindle does not build (SAVE, CLUSTER...), from its metadata alone:
 * enough for DRYRUN, whose answer depends only on the rules, arity and key specs.
 */
function unbuiltCommand(c: Client, argv: Argv): Command | null {
  const name = argv.lower(3);
  const meta = c.srv.registry.metaTable[name];
  if (meta === undefined) return null;
  const noop = (): void => {};
  let cmd: Command;
  if (Object.keys(meta.subcommands ?? {}).length > 0 && argv.argc > 4) {
    const sub = argv.lower(4);
    if (meta.subcommands[`${name}|${sub}`] === undefined) return null;
    cmd = new Command({ name, summary: '', subcommands: [{ name: sub, summary: '', handler: noop }] }, meta, null).subcommands[0];
  } else cmd = new Command({ name, summary: '', handler: noop }, meta, null);
  cmd.aclId = c.srv.acl.commands.lookup(cmd.fullName)?.id ?? -1;
  return cmd;
}

// ACL DRYRUN username command [arg ...]
function aclDryrunCommand(c: Client, argv: Argv): void {
  const srv = c.srv;
  const u = srv.acl.users.get(argv.str(2));
  if (u === undefined) {
    c.w.error(`ERR User '${argv.str(2)}' not found`);
    return;
  }
  let cmd = srv.registry.lookup(argv, 3);
  if (cmd?.hasSubcommands && argv.argc > 4) cmd = cmd.subcommand(argv.lower(4)) ?? null;
  else if (cmd === null) cmd = unbuiltCommand(c, argv);
  if (cmd === null) {
    c.w.error(`ERR Command '${argv.str(3)}' not found`);
    return;
  }
  const argc = argv.argc - 3;
  if ((cmd.arity > 0 && cmd.arity !== argc) || argc < -cmd.arity) {
    c.w.error(wrongArity(cmd.fullName));
    return;
  }
  const acmd = srv.acl.commands.byId[cmd.aclId];
  const r = acmd === undefined ? ACL_OK : checkCommand(u, acmd, cmd, argv, 3);
  if (r === ACL_OK) c.w.ok();
  else if (r === ACL_DENIED_CMD) c.w.bulkString(`This user has no permissions to run the '${cmd.fullName}' command`);
  else if (r === ACL_DENIED_KEY) c.w.bulkString(`This user has no permissions to access the '${argv.str(deniedPos)}' key`);
  else c.w.bulkString(`This user has no permissions to access the '${argv.str(deniedPos)}' channel`);
}

// ACL HELP
function aclHelpCommand(c: Client): void {
  replyHelp(c, 'ACL', [
    'CAT [<category>]',
    '    List all commands that belong to <category>, or all command categories',
    '    when no category is specified.',
    'DELUSER <username> [<username> ...]',
    '    Delete a list of users.',
    'DRYRUN <username> <command> [<arg> ...]',
    '    Returns whether the user can execute the given command without executing the command.',
    'GETUSER <username>',
    "    Get the user's details.",
    'GENPASS [<bits>]',
    '    Generate a secure 256-bit user password. The optional `bits` argument can',
    '    be used to specify a different size.',
    'LIST',
    '    Show users details in config file format.',
    'LOAD',
    '    Reload users from the ACL file.',
    'LOG [<count> | RESET]',
    '    Show the ACL log entries.',
    'SAVE',
    '    Save the current config to the ACL file.',
    'SETUSER <username> <attribute> [<attribute> ...]',
    '    Create or modify a user with the specified attributes.',
    'USERS',
    '    List all the registered usernames.',
    'WHOAMI',
    '    Return the current connection username.',
  ]);
}

export const aclCommands: CommandDef<Client>[] = [
  {
    name: 'acl',
    summary: 'Users, their rules and the ACL log.',
    subcommands: [
      { name: 'setuser', summary: 'Creates or changes a user.', handler: aclSetuserCommand },
      { name: 'deluser', summary: 'Deletes users (their clients are disconnected).', handler: aclDeluserCommand },
      { name: 'getuser', summary: "Shows a user's rules.", handler: aclGetuserCommand },
      { name: 'list', summary: 'Lists the users as ACL file lines.', handler: aclListCommand },
      { name: 'users', summary: 'Lists the user names.', handler: aclUsersCommand },
      { name: 'whoami', summary: "Returns the connection's user name.", handler: aclWhoamiCommand },
      { name: 'load', summary: 'Reloads the users from the aclfile.', handler: aclLoadCommand },
      { name: 'save', summary: 'Writes the users to the aclfile.', handler: aclSaveCommand },
      { name: 'cat', summary: 'Lists the categories, or the commands of one.', handler: aclCatCommand },
      { name: 'genpass', summary: 'Returns a random password.', handler: aclGenpassCommand },
      { name: 'log', summary: 'Shows or resets the ACL log.', handler: aclLogCommand },
      { name: 'dryrun', summary: 'Says whether a user may run a command, without running it.', handler: aclDryrunCommand },
      { name: 'help', summary: 'Lists the ACL subcommands.', handler: aclHelpCommand },
    ],
  },
];

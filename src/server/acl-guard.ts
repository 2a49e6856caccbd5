/*
 * Where ACL meets clients: the server's Acl set up from the config, the refusals the dispatcher,
 * EXEC and scripts make (with Redis 7.0's texts and ACL LOG entries), authentication, and the
 * disconnections rule changes cause (a deleted user's clients; subscribers of a user who lost
 * channels; every non-default client on ACL LOAD).
 *
 * The dispatcher calls in here only for a client whose user is not unrestricted (User.unrestricted:
 * the root selector allows every command, key and channel), so with only the default user the
 * per-command cost is one property test.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Argv } from '../protocol/argv.ts';
import type { Command } from '../commands/registry.ts';
import { Acl } from '../acl/acl.ts';
import { ACL_DENIED_AUTH, ACL_DENIED_CHANNEL, ACL_DENIED_CMD, ACL_DENIED_KEY, ACL_OK, checkCommand, checkWithAllKeys, deniedPos } from '../acl/check.ts';
import { CTX_LUA, CTX_MULTI, CTX_TOPLEVEL } from '../acl/log.ts';
import { PERM_READ, SEL_ALLCHANNELS } from '../acl/selector.ts';
import type { User } from '../acl/user.ts';
import { globMatchBytes } from '../util/glob.ts';
import type { Client } from './client.ts';
import type { MultiState } from './multi.ts';
import { clientInfoString } from './commands/client.ts';
import type { Server } from './server.ts';

/** The server's ACL state: ids on the registry's commands, requirepass and acl-pubsub-default followed. */
export function createAcl(srv: Server): Acl {
  const acl = new Acl(srv.registry.metaTable);
  for (const cmd of srv.registry.all()) cmd.aclId = acl.commands.lookup(cmd.fullName)?.id ?? -1;
  acl.commands.firstArgWarning = (rule) =>
    srv.log.warning(`Deprecation warning: Allowing a first arg of an otherwise blocked command is a misuse of ACL and may get disabled in the future (offender: +${rule})`);
  const cfg = srv.config;
  acl.setPubsubDefault(cfg.str('acl-pubsub-default'));
  cfg.onChange('acl-pubsub-default', () => {
    acl.setPubsubDefault(cfg.str('acl-pubsub-default'));
    return null;
  });
  if (cfg.str('requirepass') !== '') acl.setDefaultPassword(cfg.str('requirepass'));
  cfg.onChange('requirepass', () => {
    acl.setDefaultPassword(cfg.str('requirepass'));
    return null;
  });
  return acl;
}

/**
 * ACLLoadUsersAtStartup: the config's `user` lines or the aclfile (not both). Returns null or
 * the warning to log before exiting.
 */
export function loadUsersAtStartup(srv: Server, users: readonly (readonly string[])[]): string | null {
  const file = srv.config.str('aclfile');
  if (file !== '' && users.length > 0) {
    return 'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.';
  }
  const bad = srv.acl.loadConfigUsers(users);
  if (bad !== null) {
    srv.log.warning(bad);
    return 'Critical error while loading ACLs. Exiting.';
  }
  if (file !== '') {
    const err = loadAclFile(srv, null);
    if (err !== null) return `Aborting Redis startup because of ACL errors: ${err}`;
  }
  for (const u of srv.acl.users.values()) {
    if (!u.enabled && u !== srv.acl.defaultUser && users.some((l) => l[0] === u.name)) {
      srv.log.notice(`The user '${u.name}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`);
    }
  }
  return null;
}

/** CONFIG REWRITE's `user` lines (without "user "): every user, or null when an aclfile holds them. */
export function configUserLines(srv: Server): string[] | null {
  if (srv.config.str('aclfile') !== '') return null;
  return srv.acl.sortedUsers().map((u) => srv.acl.userLine(u).slice(5));
}

/** ACL LOAD: null, or the error text (without "ERR "). Clients of replaced users are closed. */
export function loadAclFile(srv: Server, current: Client | null): string | null {
  const file = srv.config.str('aclfile');
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    return `Error loading ACLs, opening file '${file}': ${strerror(e)}`;
  }
  const r = srv.acl.loadFileText(text, file);
  if ('errors' in r) return r.errors;
  killClientsOf(srv, new Set(r.removed), current);
  return null;
}

/** ACL SAVE: true when written (temp file, then renamed over the aclfile). */
export function saveAclFile(srv: Server): boolean {
  const file = srv.config.str('aclfile');
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    writeFileSync(tmp, srv.acl.saveText(), { encoding: 'latin1', mode: 0o644 });
    renameSync(tmp, file);
    return true;
  } catch (e) {
    srv.log.warning(`Writing ACL file for ACL SAVE: ${strerror(e)}`);
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to remove
    }
    return false;
  }
}

function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EACCES') return 'Permission denied';
  if (code === 'EISDIR') return 'Is a directory';
  return (e as Error).message;
}

/** Adds an ACL LOG entry for client c (a script's caller gives the client info: `infoOf`). */
export function logDenial(srv: Server, c: Client, reason: number, context: number, object: string, username: string, infoOf: Client = c): void {
  srv.acl.log.add(
    { reason, context, object, username, ctime: Date.now(), clientInfo: clientInfoString(infoOf, Date.now(), null) },
    srv.config.num('acllog-max-len'),
  );
}

/** The logged object of a refusal: the command's full name, or the refused key or channel. */
function deniedObject(reason: number, cmd: Command, argv: Argv): string {
  return reason === ACL_DENIED_CMD ? cmd.fullName : argv.str(deniedPos);
}

function contextOf(c: Client): number {
  return c.multi !== null || c.inExec ? CTX_MULTI : CTX_TOPLEVEL;
}

/**
 * The dispatcher's check (processCommand): null when c's user may run the call, else the NOPERM
 * error to reject it with (logged). A blocked command re-running is not checked again.
 */
export function aclDenial(srv: Server, c: Client, cmd: Command, argv: Argv): string | null {
  if (c.blockState !== null) return null;
  const acmd = srv.acl.commands.byId[cmd.aclId];
  if (acmd === undefined) return null;
  const r = checkCommand(c.user, acmd, cmd, argv, 0);
  if (r === ACL_OK) return null;
  logDenial(srv, c, r, contextOf(c), deniedObject(r, cmd, argv), c.user.name);
  if (r === ACL_DENIED_CMD) return `NOPERM this user has no permissions to run the '${cmd.fullName}' command`;
  if (r === ACL_DENIED_KEY) return 'NOPERM this user has no permissions to access one of the keys used as arguments';
  return 'NOPERM this user has no permissions to access one of the channels used as arguments';
}

/**
 * EXEC's second look at each queued command (rules may have changed since it was queued). The
 * log's client info shows the client as Redis does then: still in MULTI (m), running EXEC.
 */
export function aclExecDenial(srv: Server, c: Client, cmd: Command, argv: Argv, m: MultiState): string | null {
  const acmd = srv.acl.commands.byId[cmd.aclId];
  if (acmd === undefined) return null;
  const r = checkCommand(c.user, acmd, cmd, argv, 0);
  if (r === ACL_OK) return null;
  const { multi, lastCmd } = c;
  c.multi = m;
  c.lastCmd = 'exec';
  logDenial(srv, c, r, CTX_MULTI, deniedObject(r, cmd, argv), c.user.name);
  c.multi = multi;
  c.lastCmd = lastCmd;
  const reason =
    r === ACL_DENIED_CMD ? 'no permission to execute the command or subcommand'
      : r === ACL_DENIED_KEY ? 'no permission to touch the specified keys'
        : 'no permission to access one of the channels used as arguments';
  return `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${reason}`;
}

/** Redis's getAclErrorMessage. */
function aclErrorMessage(r: number): string {
  if (r === ACL_DENIED_CMD) return "can't run this command or subcommand";
  if (r === ACL_DENIED_KEY) return "can't access at least one of the keys mentioned in the command arguments";
  if (r === ACL_DENIED_CHANNEL) return "can't publish to the channel mentioned in the command";
  return 'lacking the permissions for the command';
}

/** redis.call's check (scriptVerifyACL): null, or the script error (logged, context lua). */
export function aclScriptDenial(srv: Server, lua: Client, caller: Client, cmd: Command, argv: Argv): string | null {
  const acmd = srv.acl.commands.byId[cmd.aclId];
  if (acmd === undefined) return null;
  const r = checkCommand(lua.user, acmd, cmd, argv, 0);
  if (r === ACL_OK) return null;
  logDenial(srv, lua, r, CTX_LUA, deniedObject(r, cmd, argv), lua.user.name, caller);
  return `ERR The user executing the script ${aclErrorMessage(r)}`;
}

/** redis.acl_check_cmd: whether the script's user may run the call (nothing logged). */
export function aclAllows(srv: Server, u: User, cmd: Command, argv: Argv): boolean {
  if (u.unrestricted) return true;
  const acmd = srv.acl.commands.byId[cmd.aclId];
  return acmd === undefined || checkCommand(u, acmd, cmd, argv, 0) === ACL_OK;
}

/**
 * Whether one selector of c's user allows the call argv and reading every key (all keys, or a
 * read pattern "*"): what SORT needs for BY and GET patterns.
 */
export function mayReadAnyKey(srv: Server, c: Client, argv: Argv): boolean {
  let cmd = srv.registry.lookup(argv, 0);
  if (cmd?.hasSubcommands && argv.argc > 1) cmd = cmd.subcommand(argv.lower(1)) ?? null;
  const acmd = cmd === null ? undefined : srv.acl.commands.byId[cmd.aclId];
  if (cmd === null || acmd === undefined) return true;
  return checkWithAllKeys(c.user, acmd, cmd, argv, PERM_READ);
}

/**
 * AUTH / HELLO AUTH: on success c is authenticated as the user; on failure an "auth" entry is
 * logged (object: the command name as typed). `name` and the password are bytes.
 */
export function authenticate(srv: Server, c: Client, name: Uint8Array, pass: Uint8Array, commandName: string): boolean {
  const uname = Buffer.from(name).toString('latin1');
  const u = srv.acl.users.get(uname);
  if (u?.checkPassword(pass)) {
    c.authenticated = true;
    c.user = u;
    return true;
  }
  logDenial(srv, c, ACL_DENIED_AUTH, contextOf(c), commandName, uname);
  return false;
}

/**
 * Clients authenticated as one of `users` go (ACLFreeUserAndKillClients): set back to the default
 * user, unauthenticated, and closed; the client running the command is closed after its reply.
 */
export function killClientsOf(srv: Server, users: Set<User>, current: Client | null): void {
  if (users.size === 0) return;
  for (const c of [...srv.clients.values()]) {
    if (!users.has(c.user)) continue;
    c.user = srv.acl.defaultUser;
    c.authenticated = false;
    if (c === current) c.closeAfterReply = true;
    else srv.freeClient(c);
  }
}

/**
 * ACLKillPubsubClientsIfNeeded: after SETUSER, subscribers of `original` whose channels or
 * patterns the new rules (`staged`) no longer allow are closed. Nothing is checked when a new
 * selector allows all channels, or when every old channel pattern is still listed.
 */
export function killPubsubClientsIfNeeded(srv: Server, staged: User, original: User, current: Client): void {
  const upcoming: string[] = [];
  for (const s of staged.selectors) {
    if ((s.flags & SEL_ALLCHANNELS) !== 0) return;
    upcoming.push(...s.channels);
  }
  let match = true;
  for (const s of original.selectors) for (const ch of s.channels) if (!upcoming.includes(ch)) match = false;
  if (match) return;
  const pats = upcoming.map((p) => Buffer.from(p, 'latin1'));
  const globOk = (name: string): boolean => {
    const b = Buffer.from(name, 'latin1');
    return pats.some((p) => globMatchBytes(p, b));
  };
  for (const c of [...srv.clients.values()]) {
    if (c.user !== original || !c.pubsub || c.subs === null) continue;
    let kill = false;
    for (const p of c.subs.patterns) if (!upcoming.includes(p)) kill = true;
    if (!kill) for (const ch of c.subs.channels) if (!globOk(ch)) kill = true;
    if (!kill) for (const ch of c.subs.shard) if (!globOk(ch)) kill = true;
    if (!kill) continue;
    if (c === current) c.closeAfterReply = true;
    else srv.freeClient(c);
  }
}

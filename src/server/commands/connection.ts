/*
 * Connection commands: PING ECHO QUIT RESET SELECT HELLO AUTH.
 * Authentication is against the ACL users (src/acl/, through server/acl-guard.ts); `requirepass`
 * is the default user's password, as in Redis.
 */
import type { Argv } from '../../protocol/argv.ts';
import { DB_INDEX_OUT_OF_RANGE, SYNTAX, WRONGPASS, wrongArity } from '../../protocol/errors.ts';
import { REDIS_VERSION } from '../server.ts';
import { REPLY_ON, type Client } from '../client.ts';
import type { CommandDef } from '../../commands/registry.ts';
import { argInt, argLong } from '../../commands/util.ts';
import { USER_NOPASS } from '../../acl/user.ts';
import { authenticate } from '../acl-guard.ts';

// PING [message]
function pingCommand(c: Client, argv: Argv): void {
  if (argv.argc > 2) {
    c.w.error(wrongArity('ping'));
    return;
  }
  if (c.pubsub && c.resp === 2) {
    // A RESP2 subscriber gets a message-shaped reply: ["pong", message or ""].
    c.w.arrayHeader(2);
    c.w.bulkString('pong');
    if (argv.argc === 1) c.w.bulkString('');
    else c.w.bulk(argv.buf, argv.off[1], argv.len[1]);
  } else if (argv.argc === 1) c.w.simple('PONG');
  else c.w.bulk(argv.buf, argv.off[1], argv.len[1]);
}

// ECHO message
function echoCommand(c: Client, argv: Argv): void {
  c.w.bulk(argv.buf, argv.off[1], argv.len[1]);
}

// QUIT
function quitCommand(c: Client): void {
  c.w.ok();
  c.closeAfterReply = true;
}

// RESET
function resetCommand(c: Client): void {
  c.srv.discardTransaction(c);
  c.srv.pubsub.forget(c);
  c.srv.ops.forget(c); // MONITOR and CLIENT TRACKING end
  c.selectDb(0);
  c.resp = 2;
  c.w.resp = 2;
  c.name = null;
  c.replyMode = REPLY_ON;
  c.skipNext = false;
  c.authenticated = !c.srv.authRequired();
  c.user = c.srv.acl.defaultUser;
  c.w.simple('RESET');
}

// SELECT index
function selectCommand(c: Client, argv: Argv): void {
  const id = argInt(c, argv, 1);
  if (Number.isNaN(id)) return;
  if (c.srv.clusterGate !== null && id !== 0) {
    c.w.error('ERR SELECT is not allowed in cluster mode');
    return;
  }
  if (id < 0 || id >= c.srv.dbs.length) {
    c.w.error(DB_INDEX_OUT_OF_RANGE);
    return;
  }
  c.selectDb(id);
  c.w.ok();
}

/** Redis's validateClientName: printable ASCII without spaces. Returns an error or null. */
export function validateClientName(b: Uint8Array): string | null {
  for (let i = 0; i < b.length; i++) {
    if (b[i] < 33 || b[i] > 126) return 'ERR Client names cannot contain spaces, newlines or special characters.';
  }
  return null;
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
function helloCommand(c: Client, argv: Argv): void {
  let ver = 0;
  let next = 1;
  if (argv.argc >= 2) {
    const v = argLong(c, argv, next++, 'ERR Protocol version is not an integer or out of range');
    if (Number.isNaN(v)) return;
    if (v < 2 || v > 3) {
      c.w.error('NOPROTO unsupported protocol version');
      return;
    }
    ver = v;
  }
  let user: Uint8Array | null = null;
  let pass: Uint8Array | null = null;
  for (let j = next; j < argv.argc; j++) {
    const more = argv.argc - 1 - j;
    if (argv.is(j, 'auth') && more >= 2) {
      user = argv.copy(j + 1);
      pass = argv.copy(j + 2);
      j += 2;
    } else if (argv.is(j, 'setname') && more >= 1) {
      // Redis 7.0 sets the name as soon as it reads the option, even if a later one fails.
      const name = argv.copy(j + 1);
      const err = validateClientName(name);
      if (err !== null) {
        c.w.error(err);
        return;
      }
      c.name = name.length === 0 ? null : name.toString('latin1');
      j++;
    } else {
      c.w.error(`ERR Syntax error in HELLO option '${argv.str(j)}'`);
      return;
    }
  }
  if (user !== null && pass !== null) {
    if (!authenticate(c.srv, c, user, pass, argv.str(0))) {
      c.w.error(WRONGPASS);
      return;
    }
  }
  if (!c.authenticated) {
    c.w.error(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
    return;
  }
  if (ver !== 0) {
    c.resp = ver;
    c.w.resp = ver;
  }
  const w = c.w;
  w.mapHeader(7);
  w.bulkString('server');
  w.bulkString('redis');
  w.bulkString('version');
  w.bulkString(REDIS_VERSION);
  w.bulkString('proto');
  w.integer(c.resp);
  w.bulkString('id');
  w.integer(c.id);
  w.bulkString('mode');
  w.bulkString(c.srv.sentinelMode ? 'sentinel' : 'standalone');
  w.bulkString('role');
  w.bulkString('master');
  w.bulkString('modules');
  w.arrayHeader(0);
}

const DEFAULT_NAME = Buffer.from('default');

// AUTH [username] password
function authCommand(c: Client, argv: Argv): void {
  if (argv.argc > 3) {
    c.w.error(SYNTAX);
    return;
  }
  let user: Uint8Array = DEFAULT_NAME;
  let pass: Uint8Array;
  if (argv.argc === 2) {
    if ((c.srv.acl.defaultUser.flags & USER_NOPASS) !== 0) {
      c.w.error(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
      return;
    }
    pass = argv.view(1);
  } else {
    user = argv.view(1);
    pass = argv.view(2);
  }
  if (authenticate(c.srv, c, user, pass, argv.str(0))) {
    c.w.ok();
  } else {
    c.w.error(WRONGPASS);
  }
}

export const connectionCommands: CommandDef<Client>[] = [
  { name: 'ping', summary: 'Returns PONG, or the given message.', handler: pingCommand },
  { name: 'echo', summary: 'Returns the given string.', handler: echoCommand },
  { name: 'quit', summary: 'Closes the connection after replying.', handler: quitCommand },
  { name: 'reset', summary: 'Resets the connection state.', handler: resetCommand },
  { name: 'select', summary: 'Selects the database of the connection.', handler: selectCommand },
  { name: 'hello', summary: 'Handshakes: protocol version, authentication and client name.', handler: helloCommand },
  { name: 'auth', summary: 'Authenticates the connection.', handler: authCommand },
];

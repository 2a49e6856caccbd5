/*
 * CLIENT subcommands (networking.c clientCommand): ID SETNAME GETNAME LIST INFO KILL REPLY
 * NO-EVICT HELP.
 *
 * CLIENT LIST / INFO print Redis 7.0.15's line, field for field. What Spindle measures is real:
 * qbuf is the query buffer as Redis counts it (the read holding the running command, or what is
 * buffered), qbuf-free the rest of the query buffer's
 * allocation, argv-mem the arguments of the command running now, omem the bytes the socket has
 * not sent yet, tot-mem the sum of those buffers. What it does not have is the idle value: no
 * per-client reply buffer (rbs=0 rbp=0 obl=0: replies go from a shared slab straight to the
 * socket), no MULTI (multi=-1 multi-mem=0), no subscriptions (sub psub ssub 0), no tracking
 * (redir=-1).
 *
 * CLIENT REPLY only sets the client's mode; the dispatcher drops the replies (server.ts
 * afterCommand). The states match Redis's flags: OFF stays until ON; SKIP drops the reply of the
 * next command (its own reply is dropped too); SKIP while OFF does nothing.
 */
import type { Argv } from '../../protocol/argv.ts';
import { SYNTAX } from '../../protocol/errors.ts';
import { REPLY_OFF, REPLY_ON, REPLY_SKIP, type Client } from '../client.ts';
import { validateClientName } from './connection.ts';
import type { CommandDef } from '../../commands/registry.ts';
import { argLong } from '../../commands/util.ts';
import { replyHelp } from '../../commands/util.ts';
import { trackingListFields, trackingSubcommands } from './tracking.ts';

/** Clients with CLIENT NO-EVICT ON (eviction of clients by maxmemory-clients skips them). */
const noEvict = new WeakSet<Client>();

export function isNoEvict(c: Client): boolean {
  return noEvict.has(c);
}

type ClientType = Client['kind'] | 'pubsub';

/** getClientType: replicas and masters first, then subscribers, then normal clients. */
function clientType(c: Client): ClientType {
  return c.kind === 'normal' && c.pubsub ? 'pubsub' : c.kind;
}

/** Client types as CLIENT LIST TYPE / CLIENT KILL TYPE name them (getClientTypeByName). */
function clientTypeByName(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'replica';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return null;
  }
}

/**
 * An address as Redis prints it (anetFormatAddr): "ip:port", "[ipv6]:port"; IPv4-mapped IPv6
 * peers ("::ffff:1.2.3.4") are shown as the IPv4 address Redis's own IPv4 socket would see.
 */
export function formatAddr(addr: string): string {
  if (addr.startsWith('[')) return addr;
  const colon = addr.lastIndexOf(':');
  if (colon < 0) return addr;
  let host = addr.slice(0, colon);
  const port = addr.slice(colon + 1);
  if (host.startsWith('::ffff:') && host.indexOf('.') > 0) host = host.slice(7);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function isUnixSocket(c: Client): boolean {
  return c.unix;
}

/** The flags field (catClientInfoString's order). */
function clientFlags(c: Client): string {
  let f = '';
  if (c.srv.ops.monitors.has(c)) f += 'O';
  if (c.kind === 'replica') f += 'S';
  if (c.kind === 'master') f += 'M';
  if (c.pubsub) f += 'P';
  if (c.multi !== null) f += 'x';
  if (c.blockState !== null || c.postponed !== null) f += 'b'; // blocked on keys, or held by CLIENT PAUSE
  f += trackingListFields(c).flags;
  if (c.dirtyCas) f += 'd';
  if (c.closeAfterReply) f += 'c';
  if (isUnixSocket(c)) f += 'U';
  if (noEvict.has(c)) f += 'e';
  return f === '' ? 'N' : f;
}

/** Bytes of argv as a RESP multibulk request. */
function respSize(argv: Argv): number {
  let n = 3 + String(argv.argc).length;
  for (let i = 0; i < argv.argc; i++) n += 5 + String(argv.len[i]).length + argv.len[i];
  return n;
}

/**
 * One CLIENT LIST line. For the client running the command, `current` gives the command and its
 * arguments (Redis sets lastcmd before calling, so a client lists itself as `cmd=client|list`).
 */
export function clientInfoString(c: Client, now: number, current: { cmd: string; argv: Argv } | null): string {
  const sec = Math.floor(now / 1000);
  // The query buffer holding the running command (Redis's qbuf): an I/O worker owns the real
  // one, so there the command's own RESP size stands in (exact for a command sent alone).
  const qbuf = current !== null && c.io !== null ? respSize(current.argv) : c.parser.queryBufferLength;
  const qcap = c.parser.bufferCapacity;
  let argvMem = 0;
  if (current !== null) for (let i = 0; i < current.argv.argc; i++) argvMem += current.argv.len[i];
  const omem = c.transport?.pendingBytes ?? 0;
  const events = c.closed ? '' : omem > 0 ? 'rw' : 'r';
  return (
    `id=${c.id} addr=${formatAddr(c.addr)} laddr=${formatAddr(c.laddr)} fd=${c.fd} name=${c.name ?? ''}` +
    ` age=${sec - Math.floor(c.ctime / 1000)} idle=${sec - Math.floor(c.lastInteraction / 1000)} flags=${clientFlags(c)}` +
    ` db=${c.dbIndex} sub=${c.subs?.channels.size ?? 0} psub=${c.subs?.patterns.size ?? 0} ssub=${c.subs?.shard.size ?? 0}` +
    ` multi=${c.multi?.commands.length ?? -1} qbuf=${qbuf} qbuf-free=${Math.max(0, qcap - qbuf)}` +
    ` argv-mem=${argvMem} multi-mem=${c.multi?.bytes ?? 0} rbs=0 rbp=0 obl=0 oll=${omem > 0 ? 1 : 0} omem=${omem}` +
    ` tot-mem=${qcap + argvMem + omem} events=${events} cmd=${current !== null ? current.cmd : c.lastCmd}` +
    ` user=${c.user.name} redir=${trackingListFields(c).redir} resp=${c.resp}`
  );
}

// CLIENT ID
function clientIdCommand(c: Client): void {
  c.w.integer(c.id);
}

// CLIENT SETNAME connection-name
function clientSetnameCommand(c: Client, argv: Argv): void {
  const name = argv.copy(2);
  const err = validateClientName(name);
  if (err !== null) {
    c.w.error(err);
    return;
  }
  c.name = name.length === 0 ? null : name.toString('latin1');
  c.w.ok();
}

// CLIENT GETNAME
function clientGetnameCommand(c: Client): void {
  if (c.name === null) c.w.nullBulk();
  else c.w.bulkString(c.name);
}

// CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]
function clientListCommand(c: Client, argv: Argv): void {
  const now = c.srv.unixMs; // the cached clock idle times are measured with (Redis: server.unixtime)
  const self = { cmd: 'client|list', argv };
  const line = (cl: Client): string => `${clientInfoString(cl, now, cl === c ? self : null)}\n`;
  let out = '';
  if (argv.argc === 4 && argv.is(2, 'type')) {
    const type = clientTypeByName(argv.str(3));
    if (type === null) {
      c.w.error(`ERR Unknown client type '${argv.str(3)}'`);
      return;
    }
    for (const cl of c.srv.clients.values()) if (clientType(cl) === type) out += line(cl);
  } else if (argv.argc > 3 && argv.is(2, 'id')) {
    for (let j = 3; j < argv.argc; j++) {
      const id = argv.int(j);
      if (Number.isNaN(id)) {
        c.w.error('ERR Invalid client ID');
        return;
      }
      const cl = c.srv.clients.get(id);
      if (cl !== undefined) out += line(cl);
    }
  } else if (argv.argc !== 2) {
    c.w.error(SYNTAX);
    return;
  } else {
    for (const cl of c.srv.clients.values()) out += line(cl);
  }
  c.w.verbatim(out);
}

// CLIENT INFO
function clientInfoCommand(c: Client, argv: Argv): void {
  c.w.verbatim(`${clientInfoString(c, c.srv.unixMs, { cmd: 'client|info', argv })}\n`);
}

// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR ip:port] [LADDR ip:port] [SKIPME yes/no]
function clientKillCommand(c: Client, argv: Argv): void {
  let addr: string | null = null;
  let laddr: string | null = null;
  let user: string | null = null;
  let type: ClientType | null = null;
  let id = 0;
  let skipme = true;
  if (argv.argc === 3) {
    // The old form: CLIENT KILL addr, which may kill the caller itself.
    addr = argv.str(2);
    skipme = false;
  } else {
    for (let i = 2; i < argv.argc; i += 2) {
      const more = argv.argc > i + 1;
      if (argv.is(i, 'id') && more) {
        const v = argv.int(i + 1);
        if (Number.isNaN(v) || v < 1) {
          c.w.error('ERR client-id should be greater than 0');
          return;
        }
        id = v;
      } else if (argv.is(i, 'type') && more) {
        type = clientTypeByName(argv.str(i + 1));
        if (type === null) {
          c.w.error(`ERR Unknown client type '${argv.str(i + 1)}'`);
          return;
        }
      } else if (argv.is(i, 'addr') && more) {
        addr = argv.str(i + 1);
      } else if (argv.is(i, 'laddr') && more) {
        laddr = argv.str(i + 1);
      } else if (argv.is(i, 'user') && more) {
        user = argv.str(i + 1);
        if (!c.srv.acl.users.has(user)) {
          c.w.error(`ERR No such user '${user}'`);
          return;
        }
      } else if (argv.is(i, 'skipme') && more) {
        if (argv.is(i + 1, 'yes')) skipme = true;
        else if (argv.is(i + 1, 'no')) skipme = false;
        else {
          c.w.error(SYNTAX);
          return;
        }
      } else {
        c.w.error(SYNTAX);
        return;
      }
    }
  }
  let killed = 0;
  let closeSelf = false;
  for (const cl of [...c.srv.clients.values()]) {
    if (addr !== null && formatAddr(cl.addr) !== addr) continue;
    if (laddr !== null && formatAddr(cl.laddr) !== laddr) continue;
    if (type !== null && clientType(cl) !== type) continue;
    if (id !== 0 && cl.id !== id) continue;
    if (user !== null && cl.user.name !== user) continue;
    if (cl === c && skipme) continue;
    if (cl === c) closeSelf = true;
    else c.srv.freeClient(cl);
    killed++;
  }
  if (argv.argc === 3) {
    if (killed === 0) c.w.error('ERR No such client');
    else c.w.ok();
  } else {
    c.w.integer(killed);
  }
  // Flagged only after the reply is queued, so the caller still gets it.
  if (closeSelf) c.closeAfterReply = true;
}

// CLIENT REPLY ON|OFF|SKIP
function clientReplyCommand(c: Client, argv: Argv): void {
  if (argv.is(2, 'on')) {
    c.replyMode = REPLY_ON;
    c.skipNext = false;
    c.w.ok();
  } else if (argv.is(2, 'off')) {
    c.replyMode = REPLY_OFF;
    c.skipNext = false;
  } else if (argv.is(2, 'skip')) {
    if (c.replyMode !== REPLY_OFF) {
      c.replyMode = REPLY_SKIP;
      c.skipNext = true;
    }
  } else {
    c.w.error(SYNTAX);
  }
}

// CLIENT NO-EVICT ON|OFF
function clientNoEvictCommand(c: Client, argv: Argv): void {
  if (argv.is(2, 'on')) {
    noEvict.add(c);
    c.w.ok();
  } else if (argv.is(2, 'off')) {
    noEvict.delete(c);
    c.w.ok();
  } else {
    c.w.error(SYNTAX);
  }
}

// CLIENT PAUSE timeout [WRITE | ALL]
function clientPauseCommand(c: Client, argv: Argv): void {
  const ms = argLong(c, argv, 2, 'ERR timeout is not an integer or out of range');
  if (Number.isNaN(ms)) return;
  let all = true;
  if (argv.argc === 4) {
    if (argv.is(3, 'write')) all = false;
    else if (!argv.is(3, 'all')) {
      c.w.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
      return;
    }
  }
  if (ms < 0) {
    c.w.error('ERR timeout is negative');
    return;
  }
  c.srv.pauseClients(Date.now() + ms, all);
  c.w.ok();
}

// CLIENT UNPAUSE
function clientUnpauseCommand(c: Client): void {
  c.srv.unpauseClients();
  c.w.ok();
}

// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
function clientUnblockCommand(c: Client, argv: Argv): void {
  const id = argLong(c, argv, 2);
  if (Number.isNaN(id)) return;
  let reply: 'timeout' | 'error' = 'timeout';
  if (argv.argc === 4) {
    if (argv.is(3, 'error')) reply = 'error';
    else if (!argv.is(3, 'timeout')) {
      c.w.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      return;
    }
  }
  const target = c.srv.clients.get(id);
  if (target === undefined || target.blockState === null) {
    c.w.integer(0);
    return;
  }
  c.srv.unblockWith(target, reply, c);
  c.w.integer(1);
}

// CLIENT HELP
function clientHelpCommand(c: Client): void {
  replyHelp(c, 'CLIENT', [
    'CACHING (YES|NO)',
    '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
    'GETREDIR',
    '    Return the client ID we are redirecting to when tracking is enabled.',
    'GETNAME',
    '    Return the name of the current connection.',
    'ID',
    '    Return the ID of the current connection.',
    'INFO',
    '    Return information about the current client connection.',
    'KILL <ip:port>',
    '    Kill connection made from <ip:port>.',
    'KILL <option> <value> [<option> <value> [...]]',
    '    Kill connections. Options are:',
    '    * ADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made from the specified address',
    '    * LADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made to specified local address',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Kill connections by type.',
    '    * USER <username>',
    '      Kill connections authenticated by <username>.',
    '    * SKIPME (YES|NO)',
    '      Skip killing current connection (default: yes).',
    'LIST [options ...]',
    '    Return information about client connections. Options:',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Return clients of specified type.',
    'UNPAUSE',
    '    Stop the current client pause, resuming traffic.',
    'PAUSE <timeout> [WRITE|ALL]',
    '    Suspend all, or just write, clients for <timeout> milliseconds.',
    'REPLY (ON|OFF|SKIP)',
    '    Control the replies sent to the current connection.',
    'SETNAME <name>',
    '    Assign the name <name> to the current connection.',
    'UNBLOCK <clientid> [TIMEOUT|ERROR]',
    '    Unblock the specified blocked client.',
    'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
    '         [OPTIN] [OPTOUT] [NOLOOP]',
    '    Control server assisted client side caching.',
    'TRACKINGINFO',
    '    Report tracking status for the current connection.',
    'NO-EVICT (ON|OFF)',
    '    Protect current client connection from eviction.',
  ]);
}

export const clientCommands: CommandDef<Client>[] = [
  {
    name: 'client',
    summary: 'Inspects and controls client connections.',
    subcommands: [
      { name: 'id', summary: 'Returns the id of this connection.', handler: clientIdCommand },
      { name: 'setname', summary: 'Names this connection.', handler: clientSetnameCommand },
      { name: 'getname', summary: 'Returns the name of this connection.', handler: clientGetnameCommand },
      { name: 'list', summary: 'Describes the open connections, one line each.', handler: clientListCommand },
      { name: 'info', summary: 'Describes this connection.', handler: clientInfoCommand },
      { name: 'kill', summary: 'Closes the connections matching an address or filters.', handler: clientKillCommand },
      { name: 'reply', summary: 'Turns replies to this connection off, on, or off for one command.', handler: clientReplyCommand },
      { name: 'no-evict', summary: 'Exempts this connection from client eviction, or not.', handler: clientNoEvictCommand },
      { name: 'pause', summary: 'Suspends the execution of commands (all, or writes) for a while.', handler: clientPauseCommand },
      { name: 'unpause', summary: 'Ends a CLIENT PAUSE.', handler: clientUnpauseCommand },
      { name: 'unblock', summary: 'Wakes a client blocked on keys, as by a timeout or with an error.', handler: clientUnblockCommand },
      { name: 'help', summary: 'Lists the subcommands and what they do.', handler: clientHelpCommand },
      ...trackingSubcommands,
    ],
  },
];

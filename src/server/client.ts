/*
 * A client: its socket (or none: socketless clients), parser, selected database and per-client state. The
 * executor never touches the socket; it writes replies through the shared ReplyWriter and the
 * server hands the client's bytes to the socket after each batch of commands.
 */
import type { Socket } from 'node:net';
import type { Argv } from '../protocol/argv.ts';
import { RequestParser, type ParserSink } from '../protocol/parser.ts';
import type { ReplyWriter } from '../protocol/reply.ts';
import type { CommandClient } from '../commands/context.ts';
import type { Db } from '../store/db.ts';
import type { Server } from './server.ts';
import type { Transport } from './transport.ts';
import type { BlockState } from './blocking.ts';
import type { MultiState, WatchedKey } from './multi.ts';
import type { ClientSubs } from './pubsub.ts';
import type { User } from '../acl/user.ts';
import { mayReadAnyKey } from './acl-guard.ts';

export const REPLY_ON = 0;
export const REPLY_OFF = 1;
export const REPLY_SKIP = 2;

/** Whether an accepted socket is a unix-domain one (its native handle is a Pipe, not a TCP). */
function isPipe(sock: Socket): boolean {
  return (sock as unknown as { _handle?: object | null })._handle?.constructor?.name === 'Pipe';
}

export class Client implements ParserSink, CommandClient {
  readonly id: number;
  readonly srv: Server;
  readonly w: ReplyWriter;
  readonly parser = new RequestParser();
  /** The socket, when this thread owns it (io-threads 1); null for clients of an I/O worker. */
  sock: Socket | null;
  /** Where replies go: the socket, or the I/O worker owning it; null for socketless clients. */
  transport: Transport | null = null;
  /** The I/O worker that owns the socket (io-threads > 1; the pool's own record), or null. */
  io: object | null = null;
  readonly addr: string;
  readonly laddr: string;
  fd: number;
  /**
   * Redis's islocalClient: a unix socket, a TCP peer at exactly 127.0.0.1 or ::1, or no
   * connection at all (socketless clients). Fixed at accept, so it holds in both I/O modes.
   */
  readonly isLocal: boolean;
  /** Connected through the unix socket (unixsocket). */
  readonly unix: boolean = false;
  db: Db;
  dbIndex = 0;
  resp = 2;
  /** CLIENT SETNAME (null: none). */
  name: string | null = null;
  authenticated: boolean;
  /** The ACL user this client runs as (the default user until AUTH / HELLO AUTH). */
  user: User;
  replyMode = REPLY_ON;
  /** Set once a CLIENT REPLY SKIP has been seen: the next command's reply is dropped. */
  skipNext = false;
  closeAfterReply = false;
  /** A command held back by CLIENT PAUSE (encoded as an io-threads COMMAND payload), or null. */
  postponed: Uint8Array | null = null;
  /** The keys this client is blocked on (BLPOP...), or null. */
  blockState: BlockState | null = null;
  /** The open transaction (between MULTI and EXEC/DISCARD), or null. */
  multi: MultiState | null = null;
  /** Cluster mode: ASKING (1) and READONLY (2), as cluster/routing.ts reads them. */
  clusterFlags = 0;
  /** Keys this client WATCHes, or null. */
  watched: WatchedKey[] | null = null;
  /** A watched key changed: the next EXEC replies null (Redis's CLIENT_DIRTY_CAS). */
  dirtyCas = false;
  /** Running the commands of an EXEC: blocking commands answer at once (CLIENT_DENY_BLOCKING). */
  inExec = false;
  /** Channels, patterns and shard channels this client subscribed to, or null. */
  subs: ClientSubs | null = null;
  /** Has subscriptions (Redis's CLIENT_PUBSUB): RESP2 clients may then run only (un)subscribe, PING, QUIT, RESET. */
  pubsub = false;
  /** client-output-buffer-limit class (obuf-limit.ts OBUF_*), derived when `pubsub` was `obufPubsub`. */
  obufClass = 0;
  obufPubsub = false;
  /** Pending output bytes from which a limit check runs (obuf-limit.ts); Infinity: no limits. */
  obufFloor = Infinity;
  /** Unix seconds when first seen over the soft limit (Redis's obuf_soft_limit_reached_time), 0: not. */
  obufSoftSince = 0;
  /** io-threads: commands that arrived while this client was held back, in order. */
  ioBacklog: Uint8Array[] | null = null;
  closed = false;
  readonly ctime: number;
  lastInteraction: number;
  lastCmd = 'NULL';
  /** CLIENT LIST flags other than the derived ones. */
  kind: 'normal' | 'master' | 'replica' = 'normal';
  libName = '';
  libVer = '';
  /** Bytes read and written (stats). */
  netIn = 0;
  netOut = 0;

  /** No connection (Server.createSocketlessClient): replies stay in its own writer. */
  readonly socketless: boolean;

  /** The replication offset after this client's last propagated write (c->woff, for WAIT); 0: none. */
  replWriteOffset = 0;

  /** `writer`: a writer of its own (socketless clients); connections share the server's. */
  constructor(id: number, srv: Server, sock: Socket | null, now: number, writer: ReplyWriter | null = null) {
    this.id = id;
    this.srv = srv;
    this.socketless = writer !== null;
    this.w = writer ?? srv.writer;
    this.sock = sock;
    this.db = srv.dbs[0];
    this.authenticated = !srv.authRequired();
    this.user = srv.acl.defaultUser;
    this.ctime = now;
    this.lastInteraction = now;
    if (sock !== null) {
      // A unix-socket client shows the socket's path as both addresses, as in Redis.
      const unixPath = isPipe(sock) ? srv.config.str('unixsocket') : '';
      this.unix = unixPath !== '';
      this.addr = this.unix ? `${unixPath}:0` : `${sock.remoteAddress ?? '?'}:${sock.remotePort ?? 0}`;
      this.laddr = this.unix ? `${unixPath}:0` : `${sock.localAddress ?? '?'}:${sock.localPort ?? 0}`;
      this.fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
      const ip = sock.remoteAddress;
      this.isLocal = ip === undefined || ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
    } else {
      this.isLocal = true;
      this.addr = '';
      this.laddr = '';
      this.fd = -1;
    }
  }

  onCommand(argv: Argv): boolean {
    return this.srv.execute(this, argv);
  }

  onProtocolError(message: string): void {
    this.srv.log.verbose(`Protocol error (${message}) from client: ${this.describe()}`);
    this.w.error(`ERR ${message}`);
    this.closeAfterReply = true;
  }

  /** Redis's authRequired: never authenticated, and the default user has a password or is off. */
  authRequired(): boolean {
    return !this.authenticated && this.srv.acl.defaultNeedsAuth;
  }

  mayReadAnyKey(argv: Argv): boolean {
    return this.user.unrestricted || mayReadAnyKey(this.srv, this, argv);
  }

  selectDb(index: number): void {
    this.db = this.srv.dbs[index];
    this.dbIndex = index;
  }

  /** Short description for log lines. */
  describe(): string {
    return `id=${this.id} addr=${this.addr} laddr=${this.laddr} name=${this.name ?? ''}`;
  }
}

/*
 * The command context: everything a data command may see of the client that runs it and of the
 * server. Handlers in src/commands/ receive a CommandClient and reach the keyspace only through
 * its Db (store/db.ts); they import protocol/, store/, util/ and these types, never server/.
 * The server's Client and Server implement these interfaces; commands that are about the server
 * itself (CLIENT, CONFIG, INFO, DEBUG, SHUTDOWN, pub/sub, MULTI, connection state) live in
 * src/server/commands/ and see the concrete classes.
 */
import type { Argv } from '../protocol/argv.ts';
import type { ReplyWriter } from '../protocol/reply.ts';
import type { Db } from '../store/db.ts';
import type { Registry } from './registry.ts';

/** Read access to the configs (CONFIG SET changes them at any time, so read them per command). */
export interface ConfigReader {
  num(name: string): number;
  str(name: string): string;
  bool(name: string): boolean;
  /** The values themselves, for named loads on hot paths (num(name) is a megamorphic keyed load). */
  readonly values: Readonly<EncodingLimits>;
}

/** The configs that choose a type's encoding, read on every write of that type. */
export interface EncodingLimits {
  'hash-max-listpack-entries': number;
  'hash-max-listpack-value': number;
  'zset-max-listpack-entries': number;
  'zset-max-listpack-value': number;
  'set-max-intset-entries': number;
  'list-max-listpack-size': number;
  'list-compress-depth': number;
}

/** A propagated argument: bytes, or a latin1 string (command names, numbers). */
export type PropArg = Uint8Array | string;

export interface ServerContext {
  /** Changes to the dataset since the last save (Redis's server.dirty); call() compares it. */
  dirty: number;
  readonly config: ConfigReader;
  readonly registry: Registry;
  readonly dbs: readonly Db[];
  /** cluster-enabled: MOVE, SWAPDB and COPY to another database are refused (db 0 only). */
  readonly clusterMode: boolean;
  readonly stats: { keyspaceHits: number; keyspaceMisses: number };
  /** Redis's LRU clock (seconds, 24 bits) as the cron last set it (OBJECT IDLETIME). */
  readonly lruClock: number;
  readonly log: { warning(msg: string): void };
  /**
   * True when a consumer receives propagated commands (AOF, replicas, tests): handlers that
   * rewrite what they propagate build the rewrite only then.
   */
  readonly propagating: boolean;
  /** Propagates `args` instead of the command as received (rewriteClientCommandVector). */
  rewriteCommand(args: PropArg[]): void;
  /** Propagates `args` (on database dbIndex) in addition to the command (alsoPropagate). */
  alsoPropagate(dbIndex: number, args: PropArg[]): void;
  /** The command as received is not propagated (preventCommandPropagation). */
  preventPropagation(): void;
  /** The command is propagated even if dirty did not move (forceCommandPropagation). */
  forcePropagation(): void;
  /** Parses a blocking command's timeout at argv[i]: ms (0 forever), or -1 after replying. */
  blockTimeout(c: CommandClient, argv: Argv, i: number): number;
  /** Blocks c on keys argv[keyIdx...] until one holds `type` data or the timeout passes. */
  blockForKeys(c: CommandClient, argv: Argv, keyIdx: readonly number[], timeoutMs: number, type: number): void;
  /** FLUSHALL; `async` counts the keys as lazily freed (the arena is dropped at once either way). */
  flushAll(async?: boolean): number;
  /** FLUSHDB; `async` frees the old contents in the background (FLUSHDB ASYNC). */
  flushDb(db: Db, async?: boolean): number;
  swapDbs(id1: number, id2: number): void;
}

/** What a blocked command's re-run may know of why it runs. */
export interface BlockedRerun {
  /**
   * The key whose readiness is being served, set for stream waiters: 7.0 serves a blocked
   * XREAD/XREADGROUP from the signalled key only (serveClientsBlockedOnStreamKey).
   */
  readonly servingKey: Uint8Array | null;
}

export interface CommandClient {
  readonly id: number;
  /** The selected database and the one keyspace API. */
  readonly db: Db;
  readonly dbIndex: number;
  /** Where this client's replies go. */
  readonly w: ReplyWriter;
  readonly resp: number;
  readonly srv: ServerContext;
  /** Non-null while the client is blocked on keys (a blocked command's re-run sees it). */
  readonly blockState: BlockedRerun | null;
  /** Close the connection once the replies so far are written. */
  closeAfterReply: boolean;
  /**
   * ACL: whether this client's user may run argv and read any key at all (SORT's BY and GET
   * patterns name keys no key spec shows; Redis's ACLUserCheckCmdWithUnrestrictedKeyAccess).
   */
  mayReadAnyKey(argv: Argv): boolean;
}

/** A command handler: parses argv, uses the Db, writes the reply to c.w. */
export type Handler<C = CommandClient> = (c: C, argv: Argv) => void;

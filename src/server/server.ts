/*
 * The server: databases, clients, the dispatcher and the cron. Everything here runs on the main
 * thread; commands execute one at a time, as in Redis.
 *
 * Dispatch (execute) follows the order of Redis's processCommand: lookup and unknown-command
 * errors, arity, authentication, the ACL check (acl-guard.ts), then the call with its
 * commandstats. Rejections count as rejected_calls, error replies from the handler as failed_calls.
 */
import { randomBytes } from 'node:crypto';
import type { Server as NetServer, Socket } from 'node:net';
import { PerformanceObserver, constants as perfConstants, performance } from 'node:perf_hooks';
import { Argv } from '../protocol/argv.ts';
import { commandSize, decodeCommand, encodeCommand } from './command-frame.ts';
import { unknownSubcommand, wrongArity } from '../protocol/errors.ts';
import { parserLimits } from '../protocol/parser.ts';
import { ReplyWriter } from '../protocol/reply.ts';
import {
  CMD_ALLOW_BUSY, CMD_SKIP_MONITOR, CMD_MAY_REPLICATE, CMD_NO_AUTH, CMD_NO_MULTI, CMD_PUBSUB_CONTEXT, CMD_TOUCHES_ARBITRARY_KEYS, CMD_TRANSACTION_CONTROL, CMD_WRITE, type Command,
  type Registry,
} from '../commands/registry.ts';
import type { PropArg, ServerContext } from '../commands/context.ts';
import { Arena } from '../store/arena.ts';
import { Db, type KeyspaceServices, type WriteHook } from '../store/db.ts';
import { NOTIFY_KEYEVENT, NOTIFY_KEYSPACE } from '../store/events.ts';
import { Keyspace, OBJ_STREAM } from '../store/keyspace.ts';
import { longDoubleToNumber, parseLongDouble } from '../util/numbers.ts';
import { BlockState, BlockedClients } from './blocking.ts';
import { type MultiState, Watches } from './multi.ts';
import { PubSub } from './pubsub.ts';
import { Client, REPLY_ON, REPLY_SKIP } from './client.ts';
import { clientInfoString } from './commands/client.ts';
import { fcallCommandFlags } from './commands/functions.ts';
import { scriptCommandFlags, scriptingOf } from './commands/scripting.ts';
import { ActiveExpire } from './expire-cycle.ts';
import { MemoryAccounting } from './memory/accounting.ts';
import { evictClients } from './memory/client-evict.ts';
import { applyMemoryConfig } from './memory/config.ts';
import { Evictor, OOM_ERROR } from './memory/evict.ts';
import { LazyFree } from '../store/lazyfree.ts';
import type { LfuParams } from '../store/lfu.ts';
import { Propagation } from './propagation.ts';
import { OBUF_NORMAL, ObufLimiter } from './obuf-limit.ts';
import type { Config } from './config.ts';
import { recordLatency } from './info.ts';
import { Logger } from './log.ts';
import { listenErrorText, openListeners, openUnixListener, type OpenResult } from './listeners.ts';
import { adjustOpenFilesLimit } from './fd-limit.ts';
import { PROTECTED_MODE_DENIED, protectedModeRefuses } from './protected-mode.ts';
import { newTicketKeys, TlsAcceptor, tlsSetup, type TlsConfigValues } from './tls.ts';
import { adoptSocket } from './socket-reader.ts';
import { adoptNative, nativeNetEnabled } from './native-net.ts';
import { SocketTransport, drainSocketWrites, type IoPool, type IoPoolFactory } from './transport.ts';
import { Stats } from './stats.ts';
import type { Acl } from '../acl/acl.ts';
import { aclDenial, aclExecDenial, createAcl } from './acl-guard.ts';
import { Ops } from './ops.ts';
import { sampleIoLatency } from './io-latency.ts';

export const SPINDLE_VERSION = '0.1.0';
/** Redis's slowevalerr: what other clients get while a script is busy. */
export const BUSY_SCRIPT = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
export const REDIS_VERSION = '7.0.15';

/** SHUTDOWN's modifiers (and shutdown-on-sigterm/sigint's). */
export interface ShutdownHow {
  save?: boolean;
  nosave?: boolean;
  force?: boolean;
}

/** Something that must act before databases are emptied (a snapshot keeps unwritten contents). */
export interface FlushWatcher {
  beforeFlushDb(db: Db): void;
  /** True when it kept records in the arena (the arena must then not be cleared wholesale). */
  beforeFlushAll(): boolean;
  /** After FLUSHALL emptied everything (7.0 saves the RDB then when save points are set). */
  afterFlushAll?(): void;
}

export interface ServerOptions {
  config: Config;
  registry: Registry;
  configFile?: string;
  /** Creates the I/O worker pool when io-threads > 1 (main.ts passes io-threads/pool.ts's). */
  ioPool?: IoPoolFactory;
}

export class Server implements KeyspaceServices, ServerContext {
  readonly config: Config;
  readonly registry: Registry;
  readonly log = new Logger();
  readonly arena = new Arena();
  readonly dbs: Db[] = [];
  /** Subscribers to every key write (store/db.ts WriteHook): the snapshot, later eviction. */
  readonly writeHooks: WriteHook[] = [];
  /**
   * Run before replies go to a socket (flush): the AOF writes (and with appendfsync always,
   * fsyncs) what the commands propagated, so an acknowledged write is on disk. Null when off.
   */
  beforeReplies: (() => void) | null = null;
  /** Takes c's reply bytes to send after an fsync (true), or lets flush send them now (false). */
  replyHold: ((c: Client, out: Uint8Array) => boolean) | null = null;
  /** Refuses commands for server states (loading, MISCONF): an error text, or null. Null when none apply. */
  dispatchGate: ((c: Client, cmd: Command) => string | null) | null = null;
  /** Cluster mode's routing step (cluster/cluster.ts): true when it answered with a redirection. */
  clusterGate: ((c: Client, cmd: Command, argv: Argv) => boolean) | null = null;
  /** Cluster mode is on (the gate is set by cluster/cluster.ts). */
  get clusterMode(): boolean {
    return this.clusterGate !== null;
  }
  /** Replication's refusals (-READONLY, -MASTERDOWN, -NOREPLICAS: replication/primary.ts), null when none can apply. */
  replGate: ((c: Client, cmd: Command) => string | null) | null = null;
  /** This node is a replica (REPLICAOF host port): it expires nothing itself (replication/replica.ts). */
  isReplica = false;
  /** Saves before exit (persistence/startup.ts); false refuses the shutdown. Null: nothing to save. */
  shutdownHook: ((how: ShutdownHow) => boolean) | null = null;
  /** Run on every cron tick (persistence: save points, scheduled BGSAVE). */
  readonly cronHooks: (() => void)[] = [];
  /** Told before FLUSHDB/FLUSHALL empty databases: a snapshot in progress (persistence/snapshot.ts). */
  readonly flushWatchers: FlushWatcher[] = [];
  /** The propagation slot of call(): consumers of the commands that changed the dataset. */
  readonly propagation = new Propagation();
  /** Redis's active expiry cycle (expire-cycle.ts). */
  readonly activeExpire: ActiveExpire;
  /** UNLINK / lazyfree-lazy-*: big values freed in slices from the event loop (store/lazyfree.ts). */
  readonly lazyFree = new LazyFree();
  /** used_memory (memory/accounting.ts) and maxmemory eviction (memory/evict.ts). */
  readonly memory: MemoryAccounting;
  readonly evictor: Evictor;
  /** LFU tuning while an LFU maxmemory policy is selected, else null (Db's touch reads it). */
  lfu: LfuParams | null = null;
  readonly writer = new ReplyWriter();
  readonly clients = new Map<number, Client>();
  /** Clients blocked on keys and the keys made ready for them (blocking.ts). */
  readonly blocked: BlockedClients;
  readonly stats = new Stats();
  /** Users, rules and the ACL LOG (src/acl/, glue in acl-guard.ts). */
  readonly acl: Acl;
  readonly pubsub = new PubSub(this);
  readonly watches: Watches;
  /** Changes to the dataset since the last save (Redis's server.dirty). */
  dirty = 0;
  /** notify-keyspace-events as NOTIFY_* bits (0: off, and notifyKeyspaceEvent returns at once). */
  notifyFlags = 0;
  /** The client whose replies the writer is collecting (between beginBatch and flush), or null. */
  private writing: Client | null = null;
  /** Pushes to the running client while its replies are off: written after afterCommand's cut. */
  private keptPushes: Uint8Array[] = [];
  /** client-output-buffer-limit enforcement (obuf-limit.ts). */
  readonly obuf: ObufLimiter;
  /** Clients closed for their output buffer limits, freed from the event loop (freeClientAsync). */
  private closingAsap: Client[] = [];
  readonly runId = randomBytes(20).toString('hex');
  readonly startTime = Date.now();
  readonly configFile: string;
  private nextClientId = 1;
  /** I/O workers (io-threads > 1), or null for the single-threaded path. */
  io: IoPool | null = null;
  private readonly ioPoolFactory: IoPoolFactory | null;
  private listeners: NetServer[] = [];
  /** The bind list and port the open listeners were opened for. */
  private listenedBinds: readonly string[] = [];
  private listenedPort = 0;
  /** The tls-port listeners, the tls-port they listen on, and the TLS context (null: no TLS). */
  private tlsListeners: NetServer[] = [];
  private listenedTlsPort = 0;
  tls: TlsAcceptor | null = null;
  private readonly ticketKeys = newTicketKeys();
  private unixListener: NetServer | null = null;
  private cronTimer: NodeJS.Timeout | null = null;
  private gcObserver: PerformanceObserver | null = null;
  /** Wall clock cached by the cron (Redis's server.unixtime): for idle times, not for expiry. */
  unixMs = Date.now();
  /** Redis's LRU clock: seconds, 24 bits. */
  lruClock = 0;
  cronLoops = 0;
  /** performance.now() at the end of the last command (commandstats timing). */
  clockMark = 0;
  requirePass = '';
  /** protected-mode: refuse non-local clients while the default user has no password. */
  protectedMode = true;
  /** latency-tracking: per-command latency histograms for INFO latencystats. */
  latencyTracking = true;
  /** DEBUG SET-ACTIVE-EXPIRE switches the active expiry cycle off and on. */
  activeExpireEnabled = true;
  /** SLOWLOG, LATENCY, MONITOR, client tracking (ops.ts); set up in the constructor. */
  readonly ops: Ops;
  /** Calls at least this long (µs) go to ops.afterCall (ops.ts keeps it: Infinity when nothing watches). */
  opsThresholdUs = Infinity;
  /** Some client is in MONITOR mode. */
  monitoring = false;
  /** Sentinel mode (src/sentinel/mode.ts): HELLO reports mode sentinel. */
  sentinelMode = false;
  shuttingDown = false;
  /** Called with the exit code when SHUTDOWN or a signal ends the server. */
  onExit: (code: number) => void = (code) => {
    drainSocketWrites();
    process.exit(code);
  };

  constructor(opts: ServerOptions) {
    this.config = opts.config;
    this.registry = opts.registry;
    this.configFile = opts.configFile ?? '';
    this.ioPoolFactory = opts.ioPool ?? null;
    this.acl = createAcl(this);
    const n = this.config.num('databases');
    for (let i = 0; i < n; i++) this.dbs.push(new Db(new Keyspace(i, this.arena), this));
    this.blocked = new BlockedClients(n);
    this.activeExpire = new ActiveExpire(this.dbs, this.stats, this.propagation);
    this.watches = new Watches(this, n);
    this.writer.onError = (text) => this.stats.countError(text);
    this.obuf = new ObufLimiter(this, this.config.num('io-threads') > 1);
    this.memory = new MemoryAccounting(this);
    this.evictor = new Evictor(this);
    applyMemoryConfig(this);
    this.applyConfig();
    this.ops = new Ops(this);
    this.updateLruClock();
  }

  /** ops.ts: a MONITOR or tracking client came or went. */
  opsChanged(): void {
    this.ops.recompute();
  }

  /** The connection whose command runs a script's calls (callSocketless), or null. */
  private nestedCaller: Client | null = null;

  /** The client whose command is running (Redis's server.current_client: a script's caller), or null. */
  get currentClient(): Client | null {
    return this.nestedCaller ?? this.writing;
  }


  /** Reads the configs the hot path uses into fields, and re-reads them when they change. */
  private applyConfig(): void {
    const read = (): void => {
      const cfg = this.config;
      parserLimits.maxBulkLen = cfg.num('proto-max-bulk-len');
      parserLimits.queryBufferLimit = cfg.num('client-query-buffer-limit');
      this.requirePass = cfg.str('requirepass');
      this.log.setLevel(cfg.str('loglevel'));
      this.log.file = cfg.str('logfile');
      this.latencyTracking = cfg.bool('latency-tracking');
      this.notifyFlags = cfg.num('notify-keyspace-events');
      this.protectedMode = cfg.bool('protected-mode');
      this.io?.limitsChanged();
    };
    read();
    for (const name of ['proto-max-bulk-len', 'client-query-buffer-limit', 'requirepass', 'loglevel', 'logfile', 'latency-tracking', 'notify-keyspace-events', 'protected-mode']) {
      this.config.onChange(name, read);
    }
    this.config.onChange('hz', () => this.scheduleCron());
    this.config.warn = (m) => this.log.warning(m);
    const rebind = (name: string): string | null => this.rebind(name);
    this.config.onChange('port', rebind);
    this.config.onChange('bind', rebind);
    this.config.onChange('maxclients', () => this.maxclientsChanged());
    const tlsHook = (): string | null => this.reconfigureTls();
    for (const name of ['tls-port', 'tls-cert-file', 'tls-key-file', 'tls-key-file-pass', 'tls-ca-cert-file', 'tls-ca-cert-dir', 'tls-dh-params-file',
      'tls-protocols', 'tls-ciphers', 'tls-ciphersuites', 'tls-prefer-server-ciphers', 'tls-session-caching', 'tls-session-cache-timeout', 'tls-auth-clients']) {
      this.config.onChange(name, tlsHook);
    }
    const obufLimits = (): void => {
      this.obuf.configure(this.config.values['client-output-buffer-limit']);
      this.io?.limitsChanged();
    };
    obufLimits();
    this.config.onChange('client-output-buffer-limit', obufLimits);
  }

  /**
   * Redis's protected-command rule (enable-debug-command, enable-module-command): "yes" allows
   * every client, "local" only loopback and unix-socket clients, "no" none.
   */
  protectedAllowed(c: Client, config: 'enable-debug-command' | 'enable-module-command'): boolean {
    const v = this.config.str(config);
    if (v === 'yes') return true;
    if (v === 'local') return c.isLocal;
    return false;
  }

  /** Whether a client that never authenticated must (the default user has a password or is off). */
  authRequired(): boolean {
    return this.acl.defaultNeedsAuth;
  }

  // ---- KeyspaceServices (store/db.ts): what the databases report to ---------------------------

  get propagating(): boolean {
    return this.propagation.active;
  }

  /** Set while the AOF is replayed (persistence/aof-loader.ts): lookups expire nothing. */
  keysNeverExpire = false;

  /** Any CLIENT PAUSE (ALL or WRITE) in force stops expiry, lazy and active (7.0). */
  expiryPaused(): boolean {
    // A replica keeps expired keys for its primary's DEL, hiding them from readers (7.0).
    return this.isReplica || (this.pauseEndMs !== 0 && Date.now() < this.pauseEndMs);
  }

  wantsExpiredKeys(): boolean {
    return this.notifyFlags !== 0 || this.watches.count !== 0 || this.propagation.active || this.ops.tracking.active;
  }

  /** An expired key was deleted: DEL joins the current execution unit (7.0's propagateDeletion). */
  propagateDeletion(db: Db, key: Uint8Array): void {
    if (this.propagation.active) this.propagation.also(db.id, ['DEL', key]);
  }

  // ---- propagation (ServerContext): what a handler may say about what gets propagated ----------

  rewriteCommand(args: PropArg[]): void {
    this.propagation.rewrite(args);
  }

  alsoPropagate(dbIndex: number, args: PropArg[]): void {
    this.propagation.also(dbIndex, args);
  }

  preventPropagation(): void {
    this.propagation.prevent();
  }

  forcePropagation(): void {
    this.propagation.force();
  }

  // ---- change tracking: WATCH, keyspace notifications ---------------------------------------

  /** A command changed key b[o, o+n) of db (Redis's signalModifiedKey): WATCHers lose. */
  signalModifiedKey(db: Db, b: Uint8Array, o: number, n: number): void {
    if (this.watches.count !== 0) this.watches.touch(db, b, o, n);
    if (this.ops.tracking.active) this.ops.tracking.invalidateKey(Buffer.from(b.subarray(o, o + n)), this.currentClient, true);
  }

  /**
   * Publishes a keyspace event (notify-keyspace-events): `event` on __keyspace@<db>__:<key> (K)
   * and the key on __keyevent@<db>__:<event> (E), when the class `type` is enabled.
   */
  notifyKeyspaceEvent(type: number, event: string, db: Db, b: Uint8Array, o: number, n: number): void {
    const flags = this.notifyFlags;
    if ((flags & type) === 0) return;
    const ev = Buffer.from(event, 'latin1');
    if ((flags & NOTIFY_KEYSPACE) !== 0) {
      const prefix = `__keyspace@${db.id}__:`;
      const ch = Buffer.allocUnsafe(prefix.length + n);
      ch.write(prefix, 0, 'latin1');
      ch.set(b.subarray(o, o + n), prefix.length);
      this.pubsub.publish(false, ch, 0, ch.length, ev, 0, ev.length);
    }
    if ((flags & NOTIFY_KEYEVENT) !== 0) {
      const ch = Buffer.from(`__keyevent@${db.id}__:${event}`, 'latin1');
      this.pubsub.publish(false, ch, 0, ch.length, b, o, n);
    }
  }

  /**
   * Sends a pushed frame (a pub/sub message) to c: appended to the replies being collected when
   * c is the running client (so it precedes the reply of the command that caused it), otherwise
   * written to c's socket or I/O worker at once.
   */
  push(c: Client, frame: Uint8Array): void {
    if (c.closed) return;
    if (c === this.writing) {
      // CLIENT REPLY OFF/SKIP drops this command's replies in afterCommand, but not pushes.
      if (c.replyMode !== REPLY_ON) this.keptPushes.push(frame);
      else c.w.raw(frame);
      return;
    }
    const t = c.transport;
    if (t === null) return;
    // appendfsync always: a push queues behind the replies held for the fsync (order per client).
    if (this.replyHold?.(c, frame)) return;
    t.write(frame);
    c.netOut += frame.length;
    this.stats.netOutput += frame.length;
    // client-output-buffer-limit, checked after each write as Redis does on each addReply (with
    // io-threads the worker checks its socket: pendingBytes is 0 here).
    if (t.pendingBytes >= c.obufFloor) this.obuf.afterWrite(c);
  }

  // ---- connections ---------------------------------------------------------------------------

  async listen(): Promise<void> {
    // Room for maxclients descriptors, as Redis's adjustOpenFilesLimit at start-up (fd-limit.ts).
    const maxclients = this.config.num('maxclients');
    const allowed = adjustOpenFilesLimit(maxclients, this.log);
    if (allowed === 0) {
      this.onExit(1);
      return;
    }
    if (allowed !== maxclients) this.config.setInternal('maxclients', [String(allowed)]);
    this.maxclientsRoom = allowed;
    const threads = this.config.num('io-threads');
    if (threads > 1 && this.io === null) {
      if (this.ioPoolFactory === null) throw new Error('io-threads > 1 needs an I/O pool (ServerOptions.ioPool)');
      this.io = this.ioPoolFactory(this, threads);
      await this.io.start();
    }
    // The TLS context first (Redis's initServer): a tls-port is ready as soon as the plain port is.
    const tlsPort = this.config.num('tls-port');
    if (tlsPort !== 0) {
      try {
        this.tls = new TlsAcceptor(tlsSetup(this.tlsConfigValues(), this.ticketKeys));
      } catch (e) {
        // Redis's start-up: the reason, then this line, and exit 1.
        this.log.warning((e as Error).message);
        this.log.warning('Failed to configure TLS. Check logs for more info.');
        this.onExit(1);
        return;
      }
      this.io?.tlsChanged(this.tls.setup);
    }
    const r = this.openListeners();
    if (r.failure !== null) throw listenError(r.failure.code, r.failure.addr, this.config.num('port'), 'TCP');
    this.listened(r.servers);
    if (tlsPort !== 0) {
      const t = this.openListeners(this.config.values.bind as readonly string[], tlsPort, true);
      if (t.failure !== null) throw listenError(t.failure.code, t.failure.addr, tlsPort, 'TLS');
      this.tlsListeners = t.servers;
      this.listenedTlsPort = tlsPort;
    }
    const unix = this.config.str('unixsocket');
    if (unix !== '') {
      try {
        this.unixListener = await openUnixListener(unix, this.config.num('unixsocketperm'), this.config.num('tcp-backlog'), (sock) => this.accept(sock, false, true));
      } catch (e) {
        this.log.warning(`Failed opening Unix socket: ${(e as Error).message}`);
        this.onExit(1);
        return;
      }
      this.log.notice(`The server is now ready to accept connections at ${unix}`);
    }
  }

  /** maxclients descriptors the open-files limit was raised for. */
  private maxclientsRoom = 0;

  /** CONFIG SET maxclients (Redis's updateMaxclients): more clients need a higher fd limit. */
  private maxclientsChanged(): string | null {
    const want = this.config.num('maxclients');
    if (want > this.maxclientsRoom) {
      const allowed = adjustOpenFilesLimit(want, this.log);
      if (allowed < want) return `The operating system is not able to handle the specified number of clients, try with ${allowed}`;
      this.maxclientsRoom = want;
    }
    return null;
  }

  /** The tls-* configs as tls.ts takes them. */
  tlsConfigValues(): TlsConfigValues {
    const c = this.config;
    return {
      certFile: c.str('tls-cert-file'), keyFile: c.str('tls-key-file'), keyFilePass: c.str('tls-key-file-pass'),
      caCertFile: c.str('tls-ca-cert-file'), caCertDir: c.str('tls-ca-cert-dir'), dhParamsFile: c.str('tls-dh-params-file'),
      protocols: c.str('tls-protocols'), ciphers: c.str('tls-ciphers'), ciphersuites: c.str('tls-ciphersuites'),
      preferServerCiphers: c.bool('tls-prefer-server-ciphers'), sessionCaching: c.bool('tls-session-caching'),
      sessionCacheTimeout: c.num('tls-session-cache-timeout'), authClients: c.str('tls-auth-clients'),
    };
  }

  /**
   * CONFIG SET of a tls-* config (Redis's applyTlsCfg): the context is rebuilt for new
   * connections; a setup that does not load fails the CONFIG SET. tls-port (re)listens.
   */
  private reconfigureTls(): string | null {
    const port = this.config.num('tls-port');
    if (port !== 0 || this.tls !== null) {
      try {
        this.tls = new TlsAcceptor(tlsSetup(this.tlsConfigValues(), this.ticketKeys));
      } catch (e) {
        this.log.warning((e as Error).message);
        return 'Unable to update TLS configuration. Check server logs.';
      }
      this.io?.tlsChanged(this.tls.setup);
    }
    if (port === this.listenedTlsPort) return null;
    const r = this.openListeners(this.config.values.bind as readonly string[], port, true);
    if (r.failure !== null) {
      this.log.warning(`Warning: Could not create server TLS listening socket ${r.failure.addr}:${port}: ${listenErrorText(r.failure.code)}`);
      return 'Unable to listen on this port. Check server logs.';
    }
    for (const l of this.tlsListeners) l.close();
    this.tlsListeners = r.servers;
    this.listenedTlsPort = port;
    return null;
  }

  /** Opens listeners for binds at port (logging skipped optional addresses). */
  private openListeners(binds = this.config.values.bind as readonly string[], port = this.config.num('port'), tls = false): OpenResult {
    const r = openListeners(binds, port, this.config.num('tcp-backlog'), tls ? (sock) => this.accept(sock, true) : (sock) => this.accept(sock));
    // Redis warns about an optional address it skips just as about one that fails.
    for (const s of r.skipped) this.log.warning(`Warning: Could not create server TCP listening socket ${s.addr}:${port}: ${listenErrorText(s.code)}`);
    return r;
  }

  /** Records servers as the listeners for the current bind/port configs. */
  private listened(servers: NetServer[]): void {
    this.listeners = servers;
    this.listenedBinds = [...(this.config.values.bind as readonly string[])];
    this.listenedPort = this.config.num('port');
  }

  /**
   * CONFIG SET port/bind, as Redis's changeListenPort / changeBindAddr: a new port is listened on
   * before the old listeners close; new bind addresses replace the old ones (closed first, since
   * they may share the port), and the old ones are opened again if that fails. On failure
   * CONFIG SET rolls back (config.ts calls this again with the old values, which are what is
   * listening then: a no-op).
   */
  private rebind(name: string): string | null {
    const binds = this.config.values.bind as readonly string[];
    if (this.config.num('port') === this.listenedPort && binds.join(' ') === this.listenedBinds.join(' ')) return null;
    const old = this.listeners;
    if (name === 'bind') for (const l of old) l.close();
    const r = this.openListeners();
    if (r.failure !== null) {
      this.log.warning(`Warning: Could not create server TCP listening socket ${r.failure.addr}:${this.config.num('port')}: ${listenErrorText(r.failure.code)}`);
      if (name === 'bind') this.listeners = this.openListeners(this.listenedBinds, this.listenedPort).servers;
      return name === 'port' ? 'Unable to listen on this port. Check server logs.' : 'Failed to bind to specified addresses.';
    }
    if (name === 'port') for (const l of old) l.close();
    this.listened(r.servers);
    return null;
  }

  /**
   * A new connection. With io-threads N a TCP or TLS socket goes to an I/O worker; a unix socket
   * stays on this thread (Node cannot transfer a pipe handle to a worker), as an io-threads 1
   * client would be.
   */
  private accept(accepted: Socket, tls = false, unix = false): void {
    const now = this.unixMs;
    if (this.clients.size >= this.config.num('maxclients')) {
      this.refuse(accepted, tls, '-ERR max number of clients reached\r\n');
      return;
    }
    if (this.protectedMode && protectedModeRefuses(this, accepted)) {
      this.refuse(accepted, tls, PROTECTED_MODE_DENIED);
      return;
    }
    const c = new Client(this.nextClientId++, this, accepted, now);
    c.obufFloor = this.obuf.floorOf(OBUF_NORMAL);
    this.clients.set(c.id, c);
    this.stats.numConnections++;
    // SO_KEEPALIVE is set on the descriptor, so it holds in whichever thread owns the socket.
    const keepalive = this.config.num('tcp-keepalive');
    if (keepalive > 0 && !unix) accepted.setKeepAlive(true, keepalive * 1000);
    if (this.io !== null && !unix) {
      this.io.assign(accepted, c, tls);
      return;
    }
    if (!tls && nativeNetEnabled()) {
      const t = adoptNative(accepted, (buf, off, n) => this.onDataRange(c, buf, off, n), () => this.freeClient(c));
      if (t !== null) {
        c.sock = null;
        c.fd = t.fd;
        c.transport = t;
        return;
      }
    }
    const sock = tls ? this.tls!.wrap(accepted, (bytes) => this.onData(c, bytes)) : adoptSocket(accepted, (bytes) => this.onData(c, bytes));
    c.sock = sock;
    c.transport = new SocketTransport(sock);
    sock.on('error', () => this.freeClient(c));
    sock.on('close', () => this.freeClient(c));
  }

  /**
   * A connection refused at accept (maxclients, protected mode): `text` is sent, then it is
   * closed, as Redis closes the fd (the socket is never read, so waiting for the peer's FIN
   * would keep the descriptor).
   */
  private refuse(accepted: Socket, tls: boolean, text: string): void {
    this.stats.rejectedConn++;
    const s = tls && this.tls !== null ? this.tls.wrap(accepted, () => {}) : accepted;
    s.on('error', () => s.destroy());
    s.end(text, () => s.destroy());
  }

  private onData(c: Client, chunk: Uint8Array): void {
    this.onDataRange(c, chunk, 0, chunk.length);
  }

  /** Bytes read for c: buf[off, off+n), valid only during the call (the parser copies what it keeps). */
  private onDataRange(c: Client, buf: Uint8Array, off: number, n: number): void {
    if (c.closed) return;
    c.netIn += n;
    this.stats.netInput += n;
    if (c.postponed !== null) {
      c.parser.hold(buf.subarray(off, off + n)); // held back by CLIENT PAUSE: parse later, in order
      return;
    }
    this.beginBatch(c);
    c.parser.feedRange(buf, off, n, c);
    if (c.parser.buffered > parserLimits.queryBufferLimit) {
      this.queryBufferLimitReached(c);
      c.w.discard();
      this.freeClient(c);
      return;
    }
    this.flush(c);
  }

  /** Logs and counts a client dropped for exceeding client-query-buffer-limit. */
  queryBufferLimitReached(c: Client): void {
    this.log.warning(`Closing client that reached max query buffer length: ${c.describe()}`);
    this.stats.clientQbufLimitDisconnections++;
  }

  /** Prepares to run a batch of c's commands (read from its socket or from an I/O worker). */
  beginBatch(c: Client): void {
    this.stats.readsProcessed++;
    c.lastInteraction = this.unixMs;
    c.w.resp = c.resp;
    this.writing = c;
    this.clockMark = performance.now();
  }

  /** Sends the replies written for c since the last flush. */
  flush(c: Client): void {
    const w = c.w;
    this.writing = null;
    // A socketless client keeps its replies in its own writer for whoever runs it.
    if (c.socketless) return;
    if (this.beforeReplies !== null) this.beforeReplies();
    // A client's class changes only through its own commands ((UN)SUBSCRIBE, RESET): noticed here.
    if (c.pubsub !== c.obufPubsub && !c.closed) this.obuf.refreshClass(c);
    if (w.pending > 0) {
      const out = w.take();
      // appendfsync always: the AOF may hold the replies until its one fsync for the whole event
      // loop turn (group commit), then sends them with sendReply.
      if (this.replyHold === null || !this.replyHold(c, out)) this.sendReply(c, out);
    }
    // BCAST invalidations of the batch's writes, right after its replies (Redis's beforeSleep).
    if (this.ops.tracking.broadcastPending) this.ops.tracking.broadcast();
    if (c.closeAfterReply && !c.closed) {
      c.closed = true;
      c.transport?.end();
      this.removeClient(c);
    }
  }

  /** Writes reply bytes to c's socket or I/O worker (flush, or the AOF after its group fsync). */
  sendReply(c: Client, out: Uint8Array): void {
    const t = c.transport;
    if (c.closed || t === null) return;
    t.write(out);
    c.netOut += out.length;
    this.stats.netOutput += out.length;
    this.stats.writesProcessed++;
    if (t.pendingBytes >= c.obufFloor) this.obuf.afterWrite(c);
  }

  /** Closes a client now, dropping unsent replies. */
  freeClient(c: Client): void {
    if (c.closed) {
      this.removeClient(c);
      return;
    }
    c.closed = true;
    if (c.blockState !== null) this.unblock(c);
    c.parser.reset();
    c.transport?.destroy();
    this.removeClient(c);
  }

  private removeClient(c: Client): void {
    if (c.postponed !== null && c.blockState === null) {
      const i = this.postponedClients.indexOf(c);
      if (i >= 0) this.postponedClients.splice(i, 1);
    }
    if (c.obufSoftSince !== 0) this.obuf.forget(c);
    if (c.watched !== null) this.watches.unwatchAll(c);
    if (c.subs !== null) this.pubsub.forget(c);
    if (this.opsThresholdUs === -Infinity) this.ops.forget(c);
    this.clients.delete(c.id);
  }

  /**
   * c went over its client-output-buffer-limit (obuf-limit.ts). Found on a write (`async`), it is
   * closed as Redis's freeClientAsync does: no more output reaches it (what is queued is dropped)
   * and its state is freed from the event loop, since the check may run in the middle of a
   * PUBLISH walking the subscriber list c is on. Found by the cron, it is freed at once.
   */
  obufLimitReached(c: Client, async: boolean): void {
    if (c.closed) return;
    this.logObufLimit(c, async);
    if (!async) {
      this.freeClient(c);
      return;
    }
    c.closed = true;
    if (this.writing === c) c.w.discard();
    c.transport?.abort();
    c.transport = null;
    this.obuf.forget(c);
    this.closingAsap.push(c);
    if (this.closingAsap.length === 1) setImmediate(() => this.freeClosingAsap());
  }

  /** Redis's warning for a client closed over its output buffer limits (closeClientOnOutputBufferLimitReached). */
  logObufLimit(c: Client, async: boolean): void {
    const info = clientInfoString(c, Date.now(), null);
    if (async) this.log.warning(`Client ${info} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    else this.log.warning(`Client ${info} closed for overcoming of output buffer limits.`);
  }

  private freeClosingAsap(): void {
    const list = this.closingAsap;
    this.closingAsap = [];
    for (const c of list) {
      if (c.blockState !== null) this.unblock(c);
      c.parser.reset();
      this.removeClient(c);
    }
  }

  // ---- socketless clients -----------------------------------------------------------------------

  /** Depth of runCommand calls in progress (a command run from inside another command). */
  private nested = 0;

  /**
   * A client with no connection (Redis's fake clients: Lua's redis.call, AOF loading, a
   * replica's applied stream). It has its own reply writer, so it can run inside another
   * client's command; it is not listed in CLIENT LIST.
   */
  createSocketlessClient(): Client {
    const c = new Client(this.nextClientId++, this, null, this.unixMs, new ReplyWriter());
    c.w.onError = (text) => this.stats.countError(text);
    // Like Redis's user-less fake clients, never refused by ACL (a script's client takes its caller's user).
    c.user = this.acl.superuser;
    c.authenticated = true;
    return c;
  }

  /**
   * Runs one command on socketless client c and returns its reply as RESP bytes (decode them
   * with protocol/reply-reader.ts for values). Dispatch is the same as for a connection:
   * arity, MULTI queueing, propagation, keyspace events.
   */
  runCommand(c: Client, args: readonly (Uint8Array | string)[]): Uint8Array {
    this.runNested(c, new Argv().setFrom([...args]), false);
    return c.w.take();
  }

  /**
   * runCommand for a parsed Argv whose reply nobody reads (AOF replay): no copy of the
   * arguments, the reply dropped.
   */
  runArgvQuiet(c: Client, argv: Argv): void {
    try {
      // The command's time starts now (not at the caller's mark): no false SLOWLOG entries.
      this.runNested(c, argv, true);
    } finally {
      c.w.discard();
    }
  }

  /** Executes argv for c inside another command or a loader, restoring the caller's state. */
  private runNested(c: Client, argv: Argv, ownClock: boolean): void {
    const writing = this.writing;
    const mark = this.clockMark;
    this.nested++;
    try {
      c.w.resp = c.resp;
      this.writing = c;
      if (ownClock) this.clockMark = performance.now();
      this.execute(c, argv);
    } finally {
      this.nested--;
      this.writing = writing;
      this.clockMark = mark;
    }
  }

  /** The client whose script ran past busy-reply-threshold (only allow-busy commands run), or null. */
  busyScript: Client | null = null;

  /**
   * Called from a busy script's hook (io-threads 1): the caller's replies so far are sent, its
   * socket stops being read (its next commands wait for the script, as Redis protects it), and
   * `pump` runs a turn of the event loop in which other clients get -BUSY; then the writer
   * points back at the caller.
   */
  processEventsWhileBusy(caller: Client, pump: () => void, isFunction = false): void {
    if (this.busyScript === null) {
      this.busyScript = caller;
      caller.transport?.pauseReading?.(true);
    }
    this.flush(caller);
    try {
      // io-threads N: no event loop turn; the workers answer from shared state (scriptBusy).
      if (this.io === null) pump();
      else this.shutdownNosaveBy(this.io.scriptBusy(caller, isFunction));
    } finally {
      this.resumeBatch(caller);
    }
  }

  /** The busy script ended: the caller's socket is read again. */
  endBusyScript(): void {
    const c = this.busyScript;
    if (c === null) return;
    this.busyScript = null;
    if (!c.closed) c.transport?.pauseReading?.(false);
    // A SHUTDOWN NOSAVE a worker took just as the script ended is carried out now.
    if (this.io !== null) this.shutdownNosaveBy(this.io.scriptEnded());
  }

  /** SHUTDOWN NOSAVE that client `id` sent to an I/O worker during a busy script (0: none). */
  private shutdownNosaveBy(id: number): void {
    if (id === 0) return;
    const c = this.clients.get(id);
    this.shutdown(`SHUTDOWN requested by client id=${id} addr=${c?.addr ?? '?'}`, { nosave: true });
  }

  /**
   * A command an I/O worker refused with -BUSY during a busy script (the worker sent the reply):
   * counted as reject() counts it, and an open transaction doomed (EXEC: discarded).
   */
  rejectedBusy(c: Client, name: string, text: string): void {
    const cmd = this.registry.find(name);
    if (cmd !== undefined) cmd.rejected++;
    this.stats.countError(text);
    if (c.multi === null) return;
    if (cmd?.fullName === 'exec') this.discardTransaction(c);
    else c.multi.aborted = true;
  }

  /**
   * Runs cmd on socketless client c without dispatch checks (the caller made its own, as a
   * script's redis.call does: Redis's scriptCall) and returns its reply bytes. With `propagate`
   * false the command's own op stays out of the propagation slot (redis.set_repl(REPL_NONE)).
   */
  callSocketless(c: Client, cmd: Command, argv: Argv, propagate: boolean): Uint8Array {
    const writing = this.writing;
    const mark = this.clockMark;
    const caller = this.nestedCaller;
    // The client whose command (a script) runs this one: Redis's server.current_client.
    if (this.nested === 0) this.nestedCaller = writing;
    this.nested++;
    try {
      c.w.resp = c.resp;
      this.writing = c;
      c.lastCmd = cmd.fullName;
      this.clockMark = performance.now();
      if (propagate) this.call(c, cmd, argv);
      else this.callHandler(c, cmd, argv);
    } finally {
      this.nested--;
      this.writing = writing;
      this.clockMark = mark;
      this.nestedCaller = caller;
    }
    return c.w.take();
  }

  // ---- dispatch ------------------------------------------------------------------------------

  /** Runs one command for c. Returns false when the client must stop processing input. */
  execute(c: Client, argv: Argv): boolean {
    const w = c.w;
    // Where this command's reply starts, relative to the writer's mark (the slab may move).
    const mark = w.pending;
    let cmd = this.registry.lookup(argv, 0);
    if (cmd?.hasSubcommands && argv.argc > 1) {
      const sub = cmd.subcommand(argv.lower(1));
      if (sub === undefined) {
        this.reject(c, null, unknownSubcommand(truncate(argv.str(1), 128), cmd.name));
        return this.afterCommand(c, mark);
      }
      cmd = sub;
    }
    if (cmd === null) {
      let args = '';
      for (let i = 1; i < argv.argc && args.length < 128; i++) args += `'${truncate(argv.str(i), 128 - args.length)}' `;
      this.reject(c, null, `ERR unknown command '${truncate(argv.str(0), 128)}', with args beginning with: ${args}`);
      return this.afterCommand(c, mark);
    }
    if (c.lastCmd !== cmd.fullName) c.lastCmd = cmd.fullName; // skip the write barrier when unchanged
    const arity = cmd.arity;
    if ((arity > 0 && arity !== argv.argc) || argv.argc < -arity) {
      this.reject(c, cmd, wrongArity(cmd.fullName));
      return this.afterCommand(c, mark);
    }
    if (cmd.protectedBy !== null && !this.protectedAllowed(c, cmd.protectedBy)) {
      this.reject(c, cmd, protectedCommandError(cmd.name, cmd.protectedBy));
      return this.afterCommand(c, mark);
    }
    if (c.multi !== null && (cmd.flags & CMD_NO_MULTI) !== 0) {
      this.reject(c, cmd, 'ERR Command not allowed inside a transaction');
      return this.afterCommand(c, mark);
    }
    if (!c.authenticated && (cmd.flags & CMD_NO_AUTH) === 0 && this.acl.defaultNeedsAuth) {
      this.reject(c, cmd, 'NOAUTH Authentication required.');
      return this.afterCommand(c, mark);
    }
    if (!c.user.unrestricted) {
      const denied = aclDenial(this, c, cmd, argv);
      if (denied !== null) {
        this.reject(c, cmd, denied);
        return this.afterCommand(c, mark);
      }
    }
    // Cluster key routing (-MOVED/-ASK/-CROSSSLOT...: cluster/cluster.ts); null when cluster mode is off.
    if (this.clusterGate !== null && this.nested === 0 && this.clusterGate(c, cmd, argv)) return this.afterCommand(c, mark);
    // maxmemory (processCommand's OOM rule, memory/evict.ts): one check when it is 0.
    if (this.evictor.maxmemory !== 0 && this.nested === 0 && this.busyScript === null && this.oomRefuses(c, cmd, argv)) {
      this.reject(c, cmd, OOM_ERROR);
      return this.afterCommand(c, mark);
    }
    // -READONLY, -MASTERDOWN, -NOREPLICAS (replication/primary.ts).
    if (this.replGate !== null && this.nested === 0) {
      const refusal = this.replGate(c, cmd);
      if (refusal !== null) {
        this.reject(c, cmd, refusal);
        return this.afterCommand(c, mark);
      }
    }
    // -MISCONF after a failed BGSAVE or AOF write, -LOADING during loading (commands/persistence.ts).
    if (this.dispatchGate !== null && this.nested === 0) {
      const refusal = this.dispatchGate(c, cmd);
      if (refusal !== null) {
        this.reject(c, cmd, refusal);
        return this.afterCommand(c, mark);
      }
    }
    if (c.pubsub && c.resp === 2 && (cmd.flags & CMD_PUBSUB_CONTEXT) === 0) {
      this.reject(c, cmd, `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
      return this.afterCommand(c, mark);
    }
    if (this.busyScript !== null && (cmd.flags & CMD_ALLOW_BUSY) === 0) {
      // During an FCALL Redis names FUNCTION KILL (slowscripterr).
      this.reject(c, cmd, scriptingOf(this).runningFunction !== null ? BUSY_FUNCTION : BUSY_SCRIPT);
      return this.afterCommand(c, mark);
    }
    if (this.pauseEndMs !== 0 && this.pausedFor(cmd, c, argv) && c.kind === 'normal') {
      this.postpone(c, argv);
      return false;
    }
    if (c.multi !== null && (cmd.flags & CMD_TRANSACTION_CONTROL) === 0) {
      this.queueMulti(c, cmd, argv);
      return this.afterCommand(c, mark);
    }
    this.call(c, cmd, argv);
    const more = this.afterCommand(c, mark);
    // Inside another command (a socketless client's run) blocked clients wait for its end.
    if (this.blocked.ready.length > 0 && !this.servingBlocked && this.nested === 0 && this.busyScript === null) this.serveReadyKeys(c);
    return more && c.postponed === null;
  }

  /** Evicts as maxmemory requires; true when cmd must get -OOM (never for the master's stream). */
  private oomRefuses(c: Client, cmd: Command, argv: Argv): boolean {
    if (c.kind === 'master') return false;
    const name = cmd.fullName;
    let flags = cmd.flags;
    if (name === 'eval' || name === 'evalsha') flags = scriptCommandFlags(this, cmd, argv);
    else if (name === 'fcall') flags = fcallCommandFlags(this, cmd, argv);
    return this.evictor.refuses(flags, c.multi !== null, name, c.multi?.flags ?? 0);
  }

  // ---- CLIENT PAUSE ----------------------------------------------------------------------------

  /** CLIENT PAUSE end time (unix ms), 0 when not paused. */
  pauseEndMs = 0;
  private pauseAll = false;
  private pauseTimer: NodeJS.Timeout | null = null;
  /** Clients holding a postponed command, in the order they were held. */
  private postponedClients: Client[] = [];

  /** Clients held by CLIENT PAUSE (INFO counts them in blocked_clients, as Redis does). */
  get pausedClients(): number {
    return this.postponedClients.length;
  }

  /** Pauses clients until `endMs` (extends, never shortens; ALL wins over WRITE), as Redis. */
  pauseClients(endMs: number, all: boolean): void {
    if (all) this.pauseAll = true;
    if (endMs > this.pauseEndMs) {
      this.pauseEndMs = endMs;
      if (this.pauseTimer !== null) clearTimeout(this.pauseTimer);
      this.pauseTimer = setTimeout(() => this.unpauseClients(), Math.max(0, endMs - Date.now()));
    }
  }

  /** Ends the pause; held-back clients run again from the event loop, in order. */
  unpauseClients(): void {
    if (this.pauseTimer !== null) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    this.pauseEndMs = 0;
    this.pauseAll = false;
    const held = this.postponedClients;
    if (held.length === 0) return;
    this.postponedClients = [];
    // Not now: the caller is in the middle of another client's batch (the writer is shared).
    setImmediate(() => {
      for (const c of held) this.resumePostponed(c);
    });
  }

  /**
   * Whether the current pause holds back this command (ALL: every one; WRITE: writes, and an
   * EXEC whose transaction holds writes).
   */
  private pausedFor(cmd: Command, c: Client, argv: Argv): boolean {
    if (Date.now() >= this.pauseEndMs) {
      this.unpauseClients();
      return false;
    }
    // EVAL/EVALSHA take their write flags from the script's shebang (evalGetCommandFlags).
    let flags = cmd.fullName === 'eval' || cmd.fullName === 'evalsha' ? scriptCommandFlags(this, cmd, argv) : cmd.flags;
    if (cmd.fullName === 'fcall') flags = fcallCommandFlags(this, cmd, argv);
    if (c.multi !== null && cmd.fullName === 'exec') flags |= c.multi.flags;
    return this.pauseAll || (flags & (CMD_WRITE | CMD_MAY_REPLICATE)) !== 0;
  }

  /** Keeps a copy of the command; the client processes nothing more until it runs. */
  private postpone(c: Client, argv: Argv): void {
    const copy = new Uint8Array(commandSize(argv));
    encodeCommand(copy, 0, argv);
    c.postponed = copy;
    this.postponedClients.push(c);
  }

  /** Runs a held-back client's command, then what it sent meanwhile. */
  private resumePostponed(c: Client): void {
    const cmd = c.postponed;
    if (cmd === null || c.closed) return;
    c.postponed = null;
    const argv = new Argv();
    decodeCommand(cmd, 0, argv);
    this.beginBatch(c);
    if (this.execute(c, argv)) this.processHeldInput(c);
    this.flush(c);
  }

  /** A new client id (replication's master client). */
  allocClientId(): number {
    return this.nextClientId++;
  }

  /**
   * Ends a wait that is not on keys (WAIT: the handler set c.postponed to an empty marker, so c's
   * later input is held): writes the reply, then runs what c sent meanwhile.
   */
  finishWait(c: Client, reply: (c: Client) => void): void {
    if (c.closed) return;
    c.postponed = null;
    this.beginBatch(c);
    reply(c);
    this.afterCommand(c, 0);
    this.processHeldInput(c);
    this.flush(c);
  }

  /** Runs what a client sent while it was held back (paused or blocked), until it stops again. */
  private processHeldInput(c: Client): void {
    if (c.io === null) {
      c.parser.resume(c);
      return;
    }
    const backlog = c.ioBacklog;
    if (backlog === null) return;
    const argv = new Argv();
    while (backlog.length > 0 && c.postponed === null && !c.closeAfterReply && !c.closed) {
      decodeCommand(backlog.shift() as Uint8Array, 0, argv);
      this.execute(c, argv);
    }
    if (backlog.length === 0) c.ioBacklog = null;
  }

  // ---- blocking operations (blocking.ts) ------------------------------------------------------

  /** True while blocked clients are being served (no nested pass). */
  private servingBlocked = false;
  /** Set by blockForKeys when a blocked client's re-run found nothing again. */
  stillBlocked = false;

  /**
   * Parses a blocking command's timeout in seconds at argv[i] (getTimeoutFromObjectOrReply):
   * returns ms, 0 meaning forever, or -1 after replying the error.
   */
  blockTimeout(c: Client, argv: Argv, i: number): number {
    const ld = parseLongDouble(argv.buf, argv.off[i], argv.len[i]);
    if (ld === null) {
      c.w.error('ERR timeout is not a float or out of range');
      return -1;
    }
    // (long long)(seconds * 1000): truncation; infinities and huge values overflow to LLONG_MIN.
    const ms = Math.trunc(longDoubleToNumber(ld) * 1000);
    if (ms < 0 || !Number.isFinite(ms) || ms >= 2 ** 63) {
      c.w.error('ERR timeout is negative');
      return -1;
    }
    return ms;
  }

  /**
   * Blocks c on keys argv[keyIdx...] until one holds `type` data or timeoutMs passes (0: never);
   * the handler wrote no reply. Called again by a blocked client's re-run, it keeps its place.
   */
  blockForKeys(c: Client, argv: Argv, keyIdx: readonly number[], timeoutMs: number, type: number): void {
    if (c.inExec) {
      // Inside EXEC (CLIENT_DENY_BLOCKING) the command answers as if it timed out; 7.0 answers
      // BLMOVE and BRPOPLPUSH with a null bulk there, the others with a null array.
      if (c.lastCmd === 'blmove' || c.lastCmd === 'brpoplpush') c.w.nullBulk();
      else c.w.nullArray();
      return;
    }
    if (c.blockState !== null) {
      this.stillBlocked = true;
      return;
    }
    const keys: Buffer[] = [];
    for (const i of keyIdx) keys.push(Buffer.from(argv.buf.subarray(argv.off[i], argv.off[i] + argv.len[i])));
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
    const st = new BlockState(c.dbIndex, keys, type, deadline);
    c.blockState = st;
    const copy = new Uint8Array(commandSize(argv));
    encodeCommand(copy, 0, argv);
    c.postponed = copy;
    this.blocked.add(c, st);
    // setTimeout's limit is 2^31-1 ms; longer waits re-arm.
    if (deadline !== 0) this.armBlockTimer(c, st);
  }

  private armBlockTimer(c: Client, st: BlockState): void {
    const left = st.deadline - Date.now();
    st.timer = setTimeout(() => {
      if (c.blockState !== st) return;
      if (st.deadline - Date.now() > 0) this.armBlockTimer(c, st);
      else this.unblockWith(c, 'timeout');
    }, Math.min(Math.max(left, 0), 2 ** 31 - 1));
  }

  /** Tells clients blocked on key b[o, o+n) of db (if any) that it may now have data. */
  signalKeyReady(db: Db, b: Uint8Array, o: number, n: number): void {
    if (this.blocked.count === 0) return;
    this.blocked.signal(db.id, b, o, n);
  }

  /** Takes c out of the blocked state (no reply). */
  private unblock(c: Client): void {
    const st = c.blockState;
    if (st === null) return;
    if (st.timer !== null) clearTimeout(st.timer);
    this.blocked.remove(c, st);
    c.blockState = null;
    c.postponed = null;
  }

  /**
   * Unblocks c with the timeout null or the UNBLOCKED error, then lets c run what it sent
   * meanwhile. From a timer, or from `caller`'s command (CLIENT UNBLOCK), whose replies so far
   * are flushed first since the writer is shared.
   */
  unblockWith(c: Client, reply: 'timeout' | 'error', caller: Client | null = null): void {
    if (c.blockState === null || c.closed) return;
    if (caller !== null) this.flush(caller);
    this.unblock(c);
    const w = c.w;
    this.beginBatch(c);
    if (reply === 'error') w.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    else w.nullArray();
    this.afterCommand(c, 0);
    this.processHeldInput(c);
    this.flush(c);
    if (caller !== null) this.resumeBatch(caller);
  }

  /** Points the writer and the command clock back at `c` after serving another client. */
  private resumeBatch(c: Client): void {
    c.w.resp = c.resp;
    this.writing = c;
    this.clockMark = performance.now();
  }

  /**
   * Serves the clients blocked on keys made ready by the command `current` just ran (see the top
   * of blocking.ts). current's replies so far are flushed first: the writer is shared.
   */
  private serveReadyKeys(current: Client): void {
    this.servingBlocked = true;
    this.flush(current);
    const blocked = this.blocked;
    for (let r = blocked.nextReady(); r !== undefined; r = blocked.nextReady()) {
      const db = this.dbs[r.dbIndex];
      const head = blocked.first(r.dbIndex, r.key);
      if (head !== undefined && (head.blockState as BlockState).type === OBJ_STREAM) {
        // Stream waiters each wait for their own ID, so every one of them re-runs (as 7.0's
        // serveClientsBlockedOnStreamKey visits them all), even when the key went away or
        // changed type: a blocked XREADGROUP then fails, an XREAD stays blocked.
        for (const bc of blocked.waitersOf(r.dbIndex, r.key)) {
          const st = bc.blockState as BlockState | null;
          if (st === null || st.type !== OBJ_STREAM) continue;
          st.servingKey = r.bytes;
          this.serveBlocked(bc);
          st.servingKey = null;
        }
        continue;
      }
      for (let bc = blocked.first(r.dbIndex, r.key); bc !== undefined; bc = blocked.first(r.dbIndex, r.key)) {
        const st = bc.blockState as BlockState;
        const e = db.lookupQuiet(r.bytes, 0, r.bytes.length);
        if (e < 0 || db.type(e) !== st.type) break;
        if (!this.serveBlocked(bc)) break;
      }
    }
    this.servingBlocked = false;
    this.resumeBatch(current);
  }

  /** Re-runs a blocked client's command; false when it found nothing and stays blocked. */
  private serveBlocked(c: Client): boolean {
    const cmd = c.postponed as Uint8Array;
    c.postponed = null;
    const argv = new Argv();
    decodeCommand(cmd, 0, argv);
    this.beginBatch(c);
    this.stillBlocked = false;
    this.execute(c, argv);
    if (this.stillBlocked) {
      c.postponed = cmd;
      c.w.discard();
      return false;
    }
    // Served (a reply or an error): the command re-ran with the client still marked blocked.
    const st = c.blockState;
    if (st !== null && c.postponed === null) this.unblock(c);
    this.processHeldInput(c);
    this.flush(c);
    return true;
  }

  /**
   * Calls a command's handler with commandstats accounting (Redis's call()). With a propagation
   * consumer, the call also fills the propagation slot (propagation.ts): the command, as received
   * or rewritten, when it changed the dataset.
   */
  call(c: Client, cmd: Command, argv: Argv): void {
    const prop = this.propagation;
    if (!prop.active) {
      this.callHandler(c, cmd, argv);
      return;
    }
    const dirty = this.dirty;
    prop.enterCall();
    try {
      this.callHandler(c, cmd, argv);
    } finally {
      // EXEC's own call propagates nothing: its queued commands propagated themselves.
      const changed = this.dirty !== dirty && (cmd.flags & CMD_TRANSACTION_CONTROL) === 0;
      prop.exitCall(c.dbIndex, argv, changed, (cmd.flags & CMD_TOUCHES_ARBITRARY_KEYS) !== 0);
    }
  }

  private callHandler(c: Client, cmd: Command, argv: Argv): void {
    const w = c.w;
    w.errored = false;
    if (this.monitoring && (cmd.flags & CMD_SKIP_MONITOR) !== 0) this.ops.feedMonitorsEarly(c, cmd, argv);
    cmd.handler(c, argv);
    // One clock read per command: a command's time runs from the previous command's end (or
    // the start of the read batch), so it includes its own parsing, as in Redis's accounting.
    const now = performance.now();
    const usec = (now - this.clockMark) * 1000;
    this.clockMark = now;
    cmd.usec += usec;
    cmd.calls++;
    if (w.errored) cmd.failed++;
    if (this.latencyTracking) recordLatency(cmd, usec);
    this.stats.numCommands++;
    if (usec >= this.opsThresholdUs) this.ops.afterCall(c, cmd, argv, usec);
  }

  /**
   * Refuses a command before it runs (rejectCommand): the error, and inside MULTI the transaction
   * is doomed. A refused EXEC ends the transaction with EXECABORT naming the reason.
   */
  private reject(c: Client, cmd: Command | null, text: string): void {
    if (cmd !== null) cmd.rejected++;
    const err = text.replace(/[\r\n]/g, ' ');
    if (c.multi !== null) c.multi.aborted = true;
    if (cmd !== null && cmd.fullName === 'exec') {
      c.w.error(`EXECABORT Transaction discarded because of: ${err.startsWith('ERR ') ? err.slice(4) : err}`);
      this.discardTransaction(c);
    } else {
      c.w.error(err);
    }
  }

  // ---- transactions (multi.ts) ------------------------------------------------------------------

  /** Keeps a command of an open transaction for EXEC and replies QUEUED. */
  private queueMulti(c: Client, cmd: Command, argv: Argv): void {
    const m = c.multi as MultiState;
    // A transaction that cannot run any more keeps nothing (queueMultiCommand).
    if (!m.aborted && !c.dirtyCas) {
      const copy = new Uint8Array(commandSize(argv));
      encodeCommand(copy, 0, argv);
      m.add(copy, cmd.flags);
    }
    c.w.simple('QUEUED');
  }

  /** Ends c's transaction and its WATCHes (DISCARD, EXEC, RESET). */
  discardTransaction(c: Client): void {
    c.multi = null;
    c.dirtyCas = false;
    if (c.watched !== null) this.watches.unwatchAll(c);
  }

  /**
   * EXEC: replies null when a watched key changed (or expired) since WATCH, EXECABORT when a
   * queued command was refused, else the array of the queued commands' replies. The commands run
   * back to back; blocking ones answer as if timed out (inExec).
   */
  exec(c: Client): void {
    const m = c.multi as MultiState;
    const w = c.w;
    if (!c.dirtyCas && this.watches.expiredSinceWatch(c)) c.dirtyCas = true;
    if (m.aborted || c.dirtyCas) {
      if (m.aborted) w.error('EXECABORT Transaction discarded because of previous errors.');
      else w.nullArray();
      this.discardTransaction(c);
      return;
    }
    if (c.watched !== null) this.watches.unwatchAll(c);
    c.multi = null;
    w.arrayHeader(m.commands.length);
    const argv = new Argv();
    c.inExec = true;
    for (const frame of m.commands) {
      decodeCommand(frame, 0, argv);
      let cmd = this.registry.lookup(argv, 0) as Command;
      if (cmd.hasSubcommands) cmd = cmd.subcommand(argv.lower(1)) as Command;
      c.lastCmd = cmd.fullName;
      const denied = c.user.unrestricted ? null : aclExecDenial(this, c, cmd, argv, m);
      if (denied !== null) w.error(denied);
      else this.call(c, cmd, argv);
    }
    c.inExec = false;
    // Errors of the queued commands are theirs: EXEC itself did not fail (commandstats).
    w.errored = false;
    c.lastCmd = 'exec';
    c.dirtyCas = false;
  }

  private afterCommand(c: Client, mark: number): boolean {
    if (c.replyMode !== REPLY_ON) {
      if (c.skipNext) c.skipNext = false; // the CLIENT REPLY SKIP reply itself is dropped too
      else if (c.replyMode === REPLY_SKIP) c.replyMode = REPLY_ON;
      const w = c.w;
      if (w.pending > mark) w.pos = w.mark + mark;
    }
    if (this.keptPushes.length > 0) {
      for (const f of this.keptPushes) c.w.raw(f);
      this.keptPushes = [];
    }
    // client-output-buffer-limit on the replies collected and not written yet (a pipeline of
    // big replies would otherwise pile up in the writer until the batch ends).
    if (c.w.pending >= c.obufFloor && this.obuf.afterCommand(c, c.w.pending)) return false;
    return !c.closeAfterReply;
  }

  // ---- cron ----------------------------------------------------------------------------------

  start(): void {
    this.scheduleCron();
    this.observeGc();
  }

  private scheduleCron(): void {
    if (this.cronTimer !== null) clearInterval(this.cronTimer);
    const hz = Math.max(1, Math.min(500, this.config.num('hz')));
    this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / hz));
  }

  updateLruClock(): void {
    this.unixMs = Date.now();
    this.lruClock = Math.floor(this.unixMs / 1000) & 0xffffff;
  }

  private cron(): void {
    // A busy script's hook runs the event loop: the dataset must not change under the script.
    if (this.busyScript !== null) return;
    this.cronLoops++;
    this.updateLruClock();
    const now = Date.now();
    this.stats.opsRate.sample(now, this.stats.numCommands);
    this.stats.netInRate.sample(now, this.stats.netInput);
    this.stats.netOutRate.sample(now, this.stats.netOutput);
    const hz = Math.max(1, this.config.num('hz'));
    this.memory.refresh();
    evictClients(this);
    // 7.0 skips active expiry while clients are paused (checkClientPauseTimeoutAndReturnIfPaused).
    if (this.activeExpireEnabled && !this.expiryPaused()) {
      const t0 = performance.now();
      this.activeExpire.run((1000 / hz) * 0.25);
      this.ops.latency.sampleIfNeeded('expire-cycle', performance.now() - t0);
    }
    const rehash = this.config.bool('activerehashing');
    for (const db of this.dbs) {
      db.ks.maybeShrink();
      if (rehash) db.ks.rehashFor(1);
    }
    if (this.obuf.stamped.size !== 0) this.obuf.cron();
    if (this.io !== null && this.ops.latency.threshold !== 0) sampleIoLatency(this);
    for (const h of this.cronHooks) h();
    const timeout = this.config.num('timeout');
    if (timeout > 0) {
      for (const c of this.clients.values()) {
        // As 7.0's clientsCronHandleTimeout: blocked clients have their own timeout, and clients
        // with subscriptions only listen.
        if (now - c.lastInteraction > timeout * 1000 && c.blockState === null && !c.pubsub && !c.socketless && c.kind === 'normal') {
          this.log.verbose('Closing idle client');
          this.freeClient(c);
        }
      }
    }
  }

  private observeGc(): void {
    const stats = this.stats;
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const d = entry.duration;
        stats.gcCount++;
        stats.gcPauseTotalMs += d;
        this.ops.latency.sampleIfNeeded('gc-pause', d);
        if (d > stats.gcPauseMaxMs) stats.gcPauseMaxMs = d;
        const kind = ((entry as unknown as { detail?: { kind?: number } }).detail)?.kind ?? 0;
        if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
          stats.gcMajorCount++;
          if (d > stats.gcMajorPauseMaxMs) stats.gcMajorPauseMaxMs = d;
        } else if (d > stats.gcMinorPauseMaxMs) stats.gcMinorPauseMaxMs = d;
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  // ---- whole-keyspace operations -------------------------------------------------------------

  /**
   * FLUSHALL: every database emptied; watchers of existing keys lose; dirty += keys. (With save
   * points configured 7.0 also saves an RDB, which zeroes dirty: persistence is not built yet.)
   */
  flushAll(async = false): number {
    let removed = 0;
    for (const db of this.dbs) {
      this.watches.touchAll(db, null);
      removed += db.count;
    }
    // A snapshot in progress may keep the contents it has not written yet (persistence/snapshot.ts):
    // then the arena stays and every record is freed one by one.
    let kept = false;
    for (const w of [...this.flushWatchers]) if (w.beforeFlushAll()) kept = true;
    for (const db of this.dbs) {
      db.ks.clear(!kept);
      // Blocked XREADGROUP clients learn their stream is gone (7.0's scanDatabaseForDeletedStreams).
      this.blocked.signalAll(db.id);
    }
    if (!kept) this.lazyFree.dropAll();
    if (async) this.lazyFree.countFreed(removed);
    if (!kept) this.arena.clear();
    this.ops.tracking.invalidateAll(this.currentClient);
    this.dirty += removed;
    for (const w of this.flushWatchers) w.afterFlushAll?.();
    return removed;
  }

  /**
   * FLUSHDB: one database emptied; watchers of its existing keys lose; dirty += keys. With
   * `async` the old contents move to a detached keyspace freed in slices (store/lazyfree.ts).
   */
  flushDb(db: Db, async = false): number {
    this.watches.touchAll(db, null);
    const removed = db.count;
    for (const w of [...this.flushWatchers]) w.beforeFlushDb(db);
    if (async && removed > 0) {
      const old = new Keyspace(db.id, this.arena);
      db.ks.swapWith(old);
      this.lazyFree.freeKeyspace(old);
    } else db.ks.clear(false);
    this.blocked.signalAll(db.id);
    this.ops.tracking.invalidateAll(this.currentClient);
    this.dirty += removed;
    return removed;
  }

  /**
   * SWAPDB: the contents of two databases trade places (the Keyspace objects stay, so clients
   * keep pointing at "database N"). Watchers of keys present on either side lose, clients blocked
   * on either database look again, and dirty counts one change even for a database with itself.
   */
  swapDbs(id1: number, id2: number): void {
    if (id1 !== id2) {
      const a = this.dbs[id1];
      const b = this.dbs[id2];
      this.watches.touchAll(a, b);
      this.watches.touchAll(b, a);
      a.ks.swapWith(b.ks);
      this.blocked.signalAll(id1);
      this.blocked.signalAll(id2);
    }
    this.dirty++;
  }

  // ---- shutdown ------------------------------------------------------------------------------

  /**
   * Stops listening and exits (SHUTDOWN, SIGTERM). The shutdownHook (persistence/startup.ts
   * persistOnShutdown) saves first; when it fails (and `how.force` is not set) the server keeps
   * running and this returns false.
   */
  shutdown(reason: string, how: ShutdownHow = {}): boolean {
    if (this.shuttingDown) return true;
    this.log.warning(`${reason}`);
    this.log.notice('User requested shutdown...');
    if (this.shutdownHook !== null && !this.shutdownHook(how)) return false;
    this.shuttingDown = true;
    for (const l of this.listeners) l.close();
    for (const l of this.tlsListeners) l.close();
    this.unixListener?.close();
    for (const c of this.clients.values()) c.transport?.destroy();
    void this.io?.stop();
    if (this.cronTimer !== null) clearInterval(this.cronTimer);
    this.gcObserver?.disconnect();
    this.log.warning(`${this.sentinelMode ? 'Sentinel' : 'Spindle'} is now ready to exit, bye bye...`);
    this.onExit(0);
    return true;
  }
}

/** A start-up listen failure, for main.ts's two Redis log lines. */
function listenError(code: string, addr: string, port: number, kind: string): Error {
  return Object.assign(new Error(listenErrorText(code)), { code, addr, port, kind });
}

/** Redis's rejection text for a protected command (DEBUG, MODULE). */
function protectedCommandError(name: string, config: string): string {
  return `ERR ${name.toUpperCase()} command not allowed. If the ${config} option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`;
}

/** An argument as C's "%.*s" prints it: cut at the first NUL byte and at n chars. */
function truncate(s: string, n: number): string {
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul);
  return s.length > n ? s.slice(0, Math.max(0, n)) : s;
}

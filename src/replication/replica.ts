/*
 * The replica side of replication (Redis's replication.c, slave half): the link to this node's
 * primary, as a state machine driven by the socket's bytes.
 *
 *   connect -> connecting -> handshake: PING (+PONG, or an auth error that AUTH fixes), then
 *   pipelined [AUTH masteruser masterauth], REPLCONF listening-port, [REPLCONF ip-address],
 *   REPLCONF capa eof capa psync2, each reply read in order; then PSYNC <replid> <offset+1> with
 *   this node's own history (7.0 caches its master "using itself", so a demoted primary, or a
 *   replica after a restart of the link, can continue).
 *   +CONTINUE [newid]: the history goes on (a new ID shifts the old one to replid2).
 *   +FULLRESYNC <replid> <offset> -> sync: the payload ($<len> or $EOF:<mark> ... <mark>, after
 *   any keepalive newlines) is gathered, every database emptied, the RDB loaded, and replid /
 *   offset become the primary's. Sub-replicas are disconnected first (they resync from us).
 *   -> connected: the stream is parsed and run by the master client, a connection-less Client
 *   with kind 'master' listed in CLIENT LIST: every command goes through Server.execute, the one
 *   write path (replies dropped), with keys never expiring while it runs (keysNeverExpire); for
 *   other clients reads of expired keys see nothing and nothing is deleted (Server.expiryPaused
 *   while a replica). Each applied command's bytes advance the offset and are fed as they are to
 *   this node's backlog and sub-replicas. REPLCONF GETACK is answered with REPLCONF ACK <offset>
 *   (of the bytes before it), as is every second.
 * Any failure closes the socket and the cron reconnects a second later.
 */
import net, { type Socket } from 'node:net';
import type { Argv } from '../protocol/argv.ts';
import { Client } from '../server/client.ts';
import { ReplyWriter } from '../protocol/reply.ts';
import type { Transport } from '../server/transport.ts';
import { rdbErrorText } from '../persistence/rdb-loader.ts';
import { loadRdbSliced } from '../persistence/startup.ts';
import { peekAof } from '../persistence/aof.ts';
import { Backlog } from './backlog.ts';
import type { Server } from '../server/server.ts';
import { attachConsumer, detachConsumer, disconnectReplicas, feedStream, replOf, updateGate } from './primary.ts';
import { encodeStrings, respSize } from './resp.ts';
import { type MasterLinkView, NULL_REPLID, type ReplState } from './state.ts';

const EMPTY = Buffer.alloc(0);
/** The one read buffer of the link to the primary (see connect). */
const streamReadBuffer = Buffer.allocUnsafe(64 * 1024);

type Phase = 'connect' | 'connecting' | 'handshake' | 'sync' | 'loading' | 'connected';

/** Closing the master client (CLIENT KILL TYPE master) closes the link. */
class LinkTransport implements Transport {
  private readonly link: MasterLink;
  constructor(link: MasterLink) {
    this.link = link;
  }
  write(_bytes: Uint8Array): void {}
  get pendingBytes(): number {
    return 0;
  }
  end(): void {
    this.link.drop('client closed');
  }
  destroy(): void {
    this.link.drop('client killed');
  }
  abort(): void {
    this.link.drop('client killed');
  }
}

export class MasterLink implements MasterLinkView {
  readonly st: ReplState;
  readonly host: string;
  readonly port: number;
  phase: Phase = 'connect';
  private sock: Socket | null = null;
  private inbuf: Buffer = Buffer.alloc(0);
  /** Handshake replies still expected, in order. */
  private expect: string[] = [];
  client: Client | null = null;
  lastIoMs = 0;
  downSinceMs = 0;
  private everUp = false;
  // the payload
  private fullReplid = '';
  private fullOffset = 0;
  private bulkLen = -2; // -2: header not read; -1: EOF-marked
  private mark: Buffer | null = null;
  private chunks: Buffer[] = [];
  syncTotal = 0;
  syncRead = 0;
  syncLastIoMs = 0;
  private retryAt = 0;
  /** A payload is being loaded (in slices: other clients get -LOADING meanwhile). */
  private loading = false;
  /** Set by FAILOVER: told whether the target accepted our PSYNC ... FAILOVER. */
  failover: ((ok: boolean) => void) | null = null;
  /** Stream bytes read but not counted yet: an open transaction's, then a partial command. */
  private tail: Buffer = EMPTY;
  /** Bytes at the start of `tail` of commands already applied (inside an open MULTI). */
  private heldApplied = 0;
  /** During applyStream: bytes of the input applied so far, and of those the ones counted. */
  private pos = 0;
  private committed = 0;
  private closed = false;
  private readonly sink: { onCommand(argv: Argv): boolean; onProtocolError(m: string): void; authRequired(): boolean };

  constructor(st: ReplState, host: string, port: number) {
    this.st = st;
    this.host = host;
    this.port = port;
    this.sink = {
      onCommand: (argv) => this.applyCommand(argv),
      onProtocolError: (m) => {
        this.st.srv.log.warning(`Protocol error from MASTER: ${m}`);
        setImmediate(() => this.drop('protocol error'));
      },
      authRequired: () => false,
    };
  }

  get up(): boolean {
    return this.phase === 'connected';
  }

  get syncing(): boolean {
    return (this.phase === 'sync' && this.bulkLen !== -2) || this.phase === 'loading';
  }

  get roleState(): string {
    return this.phase === 'loading' ? 'sync' : this.phase;
  }

  get readAhead(): number {
    return this.client?.parser.buffered ?? 0;
  }

  /** Once a second (primary.ts cron): reconnects, sends the ACK, notices a silent primary. */
  tick(): void {
    if (this.closed) return;
    const now = Date.now();
    if (this.phase === 'connect') {
      // Not while a payload still loads: the PSYNC must carry the loaded history.
      if (now >= this.retryAt && !this.loading) this.connect();
      return;
    }
    if (this.loading) return;
    if (this.phase === 'connected') this.sendAck();
    const timeout = this.st.srv.config.num('repl-timeout') * 1000;
    if (now - this.lastIoMs > timeout) {
      this.st.srv.log.warning(this.phase === 'connected' ? 'MASTER timeout: no data nor PING received...' : 'Timeout connecting to the MASTER...');
      this.drop('timeout');
    }
  }

  connect(): void {
    const srv = this.st.srv;
    this.phase = 'connecting';
    this.lastIoMs = Date.now();
    srv.log.notice(`Connecting to MASTER ${this.host}:${this.port}`);
    // Reads into one reused buffer (as client sockets do, socket-reader.ts): the stream arrives
    // in many small reads, and a Buffer plus the Readable machinery per read cost more than
    // applying its commands.
    const sock = net.connect({
      host: this.host,
      port: this.port,
      onread: {
        buffer: streamReadBuffer,
        callback: (n: number, buf: Uint8Array) => {
          if (this.sock === sock) this.onData(buf.subarray(0, n) as Buffer);
          return true;
        },
      },
    } as net.NetConnectOpts);
    this.sock = sock;
    sock.setNoDelay(!srv.config.bool('repl-disable-tcp-nodelay'));
    sock.on('connect', () => {
      if (this.sock !== sock) return;
      srv.log.notice('MASTER <-> REPLICA sync started');
      this.phase = 'handshake';
      this.expect = ['ping'];
      this.write(encodeStrings(['PING']));
    });
    sock.on('error', (e) => {
      if (this.sock === sock) {
        srv.log.warning(`Error condition on socket for SYNC: ${e.message}`);
        this.drop(e.message);
      }
    });
    sock.on('close', () => {
      if (this.sock === sock) this.drop('connection lost');
    });
  }

  private fail(why: string): void {
    this.st.srv.log.warning(why);
    this.drop(why);
  }

  private write(b: Uint8Array): void {
    this.sock?.write(b);
  }

  /** Ends the link; unless closed for good, the cron reconnects after a second. */
  drop(why: string): void {
    const srv = this.st.srv;
    const fo = this.failover;
    this.failover = null;
    fo?.(false);
    const wasUp = this.phase === 'connected';
    const s = this.sock;
    this.sock = null;
    s?.destroy();
    if (this.client !== null) {
      const c = this.client;
      this.client = null;
      if (!c.closed) {
        c.closed = true;
        c.transport = null;
        srv.freeClient(c);
      }
    }
    if (wasUp) {
      srv.log.notice(`Connection with master lost (${why}).`);
      this.downSinceMs = Date.now();
    }
    this.phase = 'connect';
    this.tail = EMPTY;
    this.heldApplied = 0;
    this.inbuf = Buffer.alloc(0);
    this.chunks = [];
    this.bulkLen = -2;
    this.retryAt = Date.now() + 1000;
    updateGate(this.st);
  }

  /** REPLICAOF NO ONE / another primary: the link ends for good. */
  close(): void {
    this.failover = null;
    this.closed = true;
    this.drop('replicaof changed');
  }

  /** Bytes read from the primary: `d` is valid only during the call (a reused buffer). */
  private onData(d: Buffer): void {
    this.lastIoMs = Date.now();
    const srv = this.st.srv;
    srv.stats.netInput += d.length;
    if (this.phase === 'connected') {
      this.applyStream(d);
      return;
    }
    this.inbuf = this.inbuf.length === 0 ? Buffer.from(d) : Buffer.concat([this.inbuf, d]);
    while (!this.closed && this.sock !== null) {
      if (this.phase === 'handshake') {
        const line = this.readLine();
        if (line === null) return;
        this.onReply(line);
      } else if (this.phase === 'sync') {
        if (!this.readPayload()) return;
      } else if ((this.phase as Phase) === 'connected') {
        const rest = this.inbuf;
        this.inbuf = Buffer.alloc(0);
        if (rest.length > 0) this.applyStream(rest);
        return;
      } else return;
    }
  }

  private readLine(): string | null {
    // Keepalive newlines a primary sends while it prepares a snapshot.
    let k = 0;
    while (k < this.inbuf.length && this.inbuf[k] === 10) k++;
    if (k > 0) this.inbuf = this.inbuf.subarray(k);
    const i = this.inbuf.indexOf('\r\n');
    if (i < 0) return null;
    const line = this.inbuf.toString('latin1', 0, i);
    this.inbuf = this.inbuf.subarray(i + 2);
    return line;
  }

  private onReply(line: string): void {
    const srv = this.st.srv;
    const what = this.expect.shift();
    const err = line.startsWith('-');
    switch (what) {
      case 'ping':
        // A primary with a password answers -NOAUTH to PING: AUTH comes next anyway.
        if (err && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(line)) return this.fail(`Error reply to PING from master: '${line}'`);
        srv.log.notice('Master replied to PING, replication can continue...');
        return this.sendHandshake();
      case 'auth':
        if (err) return this.fail(`Unable to AUTH to MASTER: ${line}`);
        return;
      case 'port':
        if (err) srv.log.notice(`(Non critical) Master does not understand REPLCONF listening-port: ${line}`);
        return;
      case 'ip':
        if (err) srv.log.notice(`(Non critical) Master does not understand REPLCONF ip-address: ${line}`);
        return;
      case 'capa':
        if (err) srv.log.notice(`(Non critical) Master does not understand REPLCONF capa: ${line}`);
        return this.sendPsync();
      case 'psync':
        return this.onPsyncReply(line);
      default:
        return this.fail(`Unexpected reply from master: '${line}'`);
    }
  }

  private sendHandshake(): void {
    const cfg = this.st.srv.config;
    const pass = cfg.str('masterauth');
    if (pass !== '') {
      const user = cfg.str('masteruser');
      this.write(encodeStrings(user !== '' ? ['AUTH', user, pass] : ['AUTH', pass]));
      this.expect.push('auth');
    }
    const announcePort = cfg.num('replica-announce-port');
    this.write(encodeStrings(['REPLCONF', 'listening-port', String(announcePort !== 0 ? announcePort : cfg.num('port'))]));
    this.expect.push('port');
    const ip = cfg.str('replica-announce-ip');
    if (ip !== '') {
      this.write(encodeStrings(['REPLCONF', 'ip-address', ip]));
      this.expect.push('ip');
    }
    this.write(encodeStrings(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']));
    this.expect.push('capa');
  }

  private sendPsync(): void {
    const st = this.st;
    const srv = st.srv;
    const id = st.replid;
    const off = st.offset + 1;
    srv.log.notice(`Trying a partial resynchronization (request ${id}:${off}).`);
    // FAILOVER (failover.ts): the target promotes itself before answering.
    this.write(encodeStrings(this.failover !== null ? ['PSYNC', id, String(off), 'FAILOVER'] : ['PSYNC', id, String(off)]));
    this.expect.push('psync');
  }

  private onPsyncReply(line: string): void {
    const st = this.st;
    const srv = st.srv;
    const fo = this.failover;
    this.failover = null;
    fo?.(line.startsWith('+FULLRESYNC') || line.startsWith('+CONTINUE'));
    if (line.startsWith('+FULLRESYNC')) {
      const [, id, off] = line.split(' ');
      this.fullReplid = id ?? NULL_REPLID;
      this.fullOffset = Number(off ?? 0);
      srv.log.notice(`Full resync from master: ${this.fullReplid}:${this.fullOffset}`);
      // Our history ends: sub-replicas must resync from what we load.
      disconnectReplicas(st);
      st.backlog = null;
      st.seldb = -1;
      this.phase = 'sync';
      this.bulkLen = -2;
      this.chunks = [];
      this.syncRead = 0;
      this.syncTotal = 0;
      return;
    }
    if (line.startsWith('+CONTINUE')) {
      const id = line.slice(10).trim();
      if (id !== '' && id !== st.replid) {
        st.shiftReplid();
        st.replid = id;
        srv.log.notice(`Master replication ID changed to ${id}`);
        disconnectReplicas(st);
      }
      srv.log.notice('Successful partial resynchronization with master.');
      if (st.backlog === null) st.backlog = new Backlog(srv.config.num('repl-backlog-size'), st.offset);
      this.startStream();
      srv.log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
      return;
    }
    if (line.startsWith('-NOMASTERLINK') || line.startsWith('-LOADING')) {
      srv.log.notice(`Master is currently unable to PSYNC but should be in the future: ${line}`);
      return this.fail(line);
    }
    this.fail(`Unexpected reply to PSYNC from master: ${line}`);
  }

  /** Reads the RDB payload; true when done (the phase moved on) or more input can be handled. */
  private readPayload(): boolean {
    if (this.bulkLen === -2) {
      // Keepalive newlines while the primary prepares the snapshot.
      let i = 0;
      while (i < this.inbuf.length && this.inbuf[i] === 10) i++;
      if (i > 0) this.inbuf = this.inbuf.subarray(i);
      const line = this.readLine();
      if (line === null) return false;
      if (line.startsWith('-')) {
        this.fail(`MASTER aborted replication with an error: ${line.slice(1)}`);
        return false;
      }
      if (!line.startsWith('$')) {
        this.fail(`Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`);
        return false;
      }
      if (line.startsWith('$EOF:') && line.length === 45) {
        this.mark = Buffer.from(line.slice(5), 'latin1');
        this.bulkLen = -1;
        this.st.srv.log.notice('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk');
      } else {
        this.bulkLen = Number(line.slice(1));
        this.syncTotal = this.bulkLen;
        this.st.srv.log.notice(`MASTER <-> REPLICA sync: receiving ${this.bulkLen} bytes from master to disk`);
      }
      this.syncLastIoMs = Date.now();
    }
    const d = this.inbuf;
    this.inbuf = Buffer.alloc(0);
    this.syncLastIoMs = Date.now();
    if (this.bulkLen >= 0) {
      const need = this.bulkLen - this.syncRead;
      const take = Math.min(need, d.length);
      if (take > 0) this.chunks.push(d.subarray(0, take));
      this.syncRead += take;
      if (this.syncRead < this.bulkLen) return false;
      this.inbuf = d.subarray(take);
      return this.loadPayload(Buffer.concat(this.chunks));
    }
    const mark = this.mark as Buffer;
    if (d.length > 0) this.chunks.push(d);
    this.syncRead += d.length;
    // The mark ends the payload: look for it across the last chunk boundary.
    const last = this.chunks.length > 1 ? Buffer.concat([this.chunks[this.chunks.length - 2].subarray(-40), d]) : d;
    const at = last.indexOf(mark);
    if (at < 0) return false;
    const all = Buffer.concat(this.chunks);
    const end = all.indexOf(mark, Math.max(0, all.length - last.length));
    this.inbuf = all.subarray(end + 40);
    return this.loadPayload(all.subarray(0, end));
  }

  /** Starts loading the payload; the rest of the input waits in inbuf until it is loaded. */
  private loadPayload(rdb: Buffer): boolean {
    const srv = this.st.srv;
    this.chunks = [];
    srv.log.notice('MASTER <-> REPLICA sync: Flushing old data');
    srv.flushAll(srv.config.bool('replica-lazy-flush'));
    srv.log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    this.phase = 'loading';
    this.loading = true;
    void this.loadAsync(rdb);
    return false;
  }

  private async loadAsync(rdb: Buffer): Promise<void> {
    const st = this.st;
    const srv = st.srv;
    let db = 0;
    try {
      // A replica keeps keys that are already expired: its primary's DEL removes them.
      const info = await loadRdbSliced(srv, rdb, 'MASTER', { fromAof: true });
      db = Number(info.aux.get('repl-stream-db') ?? 0);
    } catch (e) {
      this.loading = false;
      srv.log.warning(`Failed trying to load the MASTER synchronization DB from socket: ${rdbErrorText(e)}`);
      srv.flushAll(false);
      this.fail('bad payload');
      return;
    }
    this.loading = false;
    st.seldb = Number.isInteger(db) && db >= 0 && db < srv.dbs.length ? db : 0;
    st.replid = this.fullReplid;
    st.offset = this.fullOffset;
    st.clearReplid2();
    st.backlog = new Backlog(srv.config.num('repl-backlog-size'), st.offset);
    // REPLICAOF NO ONE while loading: promoted right after the load.
    if (st.master === null) st.shiftReplid();
    srv.log.notice('MASTER <-> REPLICA sync: Finished with success');
    // The AOF holds the old dataset: a rewrite makes the loaded one its base (restartAOFAfterSYNC).
    const aof = peekAof(srv);
    if (aof !== undefined && aof.status === 'on') {
      const err = aof.startRewrite();
      if (err !== null) srv.log.warning(`Failed enabling the AOF after successful master synchronization: ${err}`);
    }
    this.bulkLen = -2;
    // The link went away meanwhile: the cron reconnects and continues from the loaded offset.
    if (this.phase !== 'loading' || this.sock === null) return;
    this.startStream();
    this.sendAck();
    const rest = this.inbuf;
    this.inbuf = Buffer.alloc(0);
    if (rest.length > 0) this.applyStream(rest);
  }

  /** The link is up: the master client runs the stream from here on. */
  private startStream(): void {
    const srv = this.st.srv;
    const c = new Client(srv.allocClientId(), srv, this.sock, srv.unixMs, new ReplyWriter());
    c.kind = 'master';
    c.authenticated = true;
    c.user = srv.acl.superuser;
    c.transport = new LinkTransport(this);
    // A continued stream goes on in the database it last selected (Redis keeps its cached master).
    if (this.st.seldb >= 0 && this.st.seldb < srv.dbs.length) c.selectDb(this.st.seldb);
    srv.clients.set(c.id, c);
    this.client = c;
    this.phase = 'connected';
    this.everUp = true;
    this.downSinceMs = 0;
    updateGate(this.st);
  }

  /**
   * Runs stream bytes through the master client. The bytes of the commands applied (up to the
   * last one outside a MULTI) then go, as one slice, to the offset, backlog and sub-replicas;
   * the rest (an open transaction, a partial command) waits in `tail`.
   */
  private applyStream(d: Buffer): void {
    const c = this.client;
    if (c === null) return;
    const st = this.st;
    const srv = st.srv;
    c.netIn += d.length;
    const all = this.tail.length === 0 ? d : Buffer.concat([this.tail, d]);
    this.pos = this.heldApplied;
    this.committed = 0;
    srv.beginBatch(c);
    const never = srv.keysNeverExpire;
    st.applying = true;
    srv.keysNeverExpire = true;
    try {
      c.parser.feed(d, this.sink);
    } finally {
      st.applying = false;
      srv.keysNeverExpire = never;
      c.w.discard();
      srv.flush(c);
      if (this.committed > 0) feedStream(st, all.subarray(0, this.committed));
      this.tail = this.committed === all.length ? EMPTY : Buffer.from(all.subarray(this.committed));
      this.heldApplied = this.pos - this.committed;
    }
  }

  private applyCommand(argv: Argv): boolean {
    const c = this.client;
    if (c === null || c.closed) return false;
    const st = this.st;
    if (argv.argc >= 2 && argv.lower(0) === 'replconf' && argv.lower(1) === 'getack') {
      // The bytes before the GETACK (Redis's reploff when it runs).
      this.sendAck(st.offset + this.committed);
    } else {
      st.srv.execute(c, argv);
      c.w.discard();
    }
    // The primary's encoding is canonical: the command's bytes are its RESP size.
    this.pos += respSize(argv);
    // Inside MULTI the offset stays before it (as Redis's reploff): a link lost before EXEC
    // resumes at the MULTI, never in the middle of a transaction the new client never saw.
    if (c.multi === null) {
      this.committed = this.pos;
      st.seldb = c.dbIndex;
    }
    return !c.closed;
  }

  sendAck(off = this.st.offset): void {
    if (this.sock === null || this.phase !== 'connected') return;
    this.write(encodeStrings(['REPLCONF', 'ACK', String(off)]));
  }
  get wasEverUp(): boolean {
    return this.everUp;
  }
}

/** REPLICAOF host port: this node becomes a replica of host:port. */
export function becomeReplica(st: ReplState, host: string, port: number, failover: ((ok: boolean) => void) | null = null): void {
  const srv = st.srv;
  const old = st.master;
  if (old !== null) old.close();
  else {
    // 7.0 caches the master "using itself": the history goes on as the replica's.
    detachConsumer(st);
    srv.log.notice('Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.');
  }
  srv.isReplica = true;
  // WAIT cannot be satisfied by a replica (disconnectAllBlockedClients).
  const waiters = st.waiters.splice(0);
  for (const w of waiters) if (w.timer !== null) clearTimeout(w.timer);
  // Not inside the caller's batch: the reply writer is shared.
  if (waiters.length > 0) {
    setImmediate(() => {
      for (const w of waiters) srv.finishWait(w.c, (c) => c.w.error('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)'));
    });
  }
  // CONFIG GET / REWRITE show it, as REPLICAOF updates server.masterhost in Redis.
  srv.config.setInternal('replicaof', [host, String(port)]);
  const link = new MasterLink(st, host, port);
  link.failover = failover;
  st.master = link;
  updateGate(st);
  setImmediate(() => {
    if (st.master === link && link.phase === 'connect') link.connect();
  });
}

/** REPLICAOF NO ONE: the replica becomes a primary, keeping its data and history. */
export function becomePrimary(st: ReplState): void {
  const srv = st.srv;
  const m = st.master;
  if (m === null) return;
  m.close();
  st.master = null;
  srv.isReplica = false;
  srv.config.setInternal('replicaof', ['no', 'one']);
  st.shiftReplid();
  st.seldb = -1;
  srv.log.notice(`Setting secondary replication ID to ${st.replid2}, valid up to offset: ${st.secondOffset}. New replication ID is ${st.replid}`);
  // Sub-replicas reconnect and continue under the new ID.
  disconnectReplicas(st);
  if (st.backlog === null) st.backlog = new Backlog(srv.config.num('repl-backlog-size'), st.offset);
  attachConsumer(st);
  updateGate(st);
  srv.log.notice('MASTER MODE enabled (user request from client)');
}

/** Start-up: the replication state, and `replicaof` from the config file. */
export function startReplication(srv: Server): void {
  const st = replOf(srv);
  const r = srv.config.values.replicaof as { host: string; port: number } | null;
  if (r !== null && r !== undefined) becomeReplica(st, r.host, r.port);
}

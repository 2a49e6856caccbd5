/*
 * The primary side of replication (Redis's replication.c, master half).
 *
 * The stream. A propagation consumer (server/propagation.ts) turns each execution unit's ops into
 * RESP, with a SELECT when the database differs from the stream's last one, and feedStream
 * appends the bytes to the backlog and writes them to every online replica; replicas still
 * receiving a snapshot hold them. Each replica's bytes are written once per event-loop turn (as
 * Redis writes replica output in beforeSleep), not once per command. On a replica the consumer is detached: the bytes
 * applied from its own primary are fed here as they are (proxied), so sub-replicas see the same
 * stream, IDs and offsets. The consumer is attached once the backlog exists (the first replica),
 * so without replicas call() keeps its plain path.
 *
 * Full sync. PSYNC that cannot continue (or SYNC) puts the replica in wait_bgsave; after
 * repl-diskless-sync-delay (diskless) the waiting replicas get +FULLRESYNC <replid> <offset> and
 * one fork-less snapshot (persistence/snapshot.ts) of that instant: with repl-diskless-sync and
 * every replica capable of `eof`, streamed as `$EOF:<40 bytes>` ... <40 bytes>, the command stream
 * starting at the replica's first REPLCONF ACK (it has loaded by then, as 7.0 does); otherwise
 * gathered and sent as one `$<len>` bulk, the stream right after. Only one snapshot runs at a
 * time: with a BGSAVE or AOF rewrite in progress the replicas wait for it to end.
 *
 * Partial sync. PSYNC <replid> <offset> continues when replid is ours (or our replid2 and offset
 * is at most second_repl_offset) and the backlog still holds the bytes from offset: +CONTINUE
 * <replid>, then the backlog from there.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { PropagatedOp } from '../server/propagation.ts';
import { CMD_STALE, CMD_WRITE, type Command } from '../commands/registry.ts';
import { activeSnapshot, startSnapshot } from '../persistence/snapshot.ts';
import { Backlog } from './backlog.ts';
import { encodeStrings } from './resp.ts';
import { RespBuf } from '../persistence/aof-resp.ts';
import { type ReplicaLink, ReplState, newReplid } from './state.ts';

const states = new WeakMap<Server, ReplState>();
const NEWLINE = Buffer.from('\n', 'latin1');

/** srv's replication state, created (with its cron and dispatch gate) on first use. */
export function replOf(srv: Server): ReplState {
  let st = states.get(srv);
  if (st === undefined) {
    st = new ReplState(srv);
    states.set(srv, st);
    const s = st;
    srv.cronHooks.push(() => cron(s));
    srv.config.onChange('repl-backlog-size', () => {
      if (s.backlog !== null) s.backlog.resize(srv.config.num('repl-backlog-size'));
      return null;
    });
    srv.config.onChange('min-replicas-to-write', () => {
      updateGate(s);
      return null;
    });
  }
  return st;
}

// ---- feeding the stream ----------------------------------------------------------------------

const consumers = new WeakMap<ReplState, (ops: readonly PropagatedOp[]) => void>();

/** Feeds the propagation slot into the stream while this node is a primary with a backlog. */
export function attachConsumer(st: ReplState): void {
  if (st.consumerAttached || st.master !== null || st.backlog === null) return;
  let fn = consumers.get(st);
  if (fn === undefined) {
    fn = (ops) => feedOps(st, ops);
    consumers.set(st, fn);
  }
  st.srv.propagation.addConsumer(fn);
  st.consumerAttached = true;
}

export function detachConsumer(st: ReplState): void {
  const fn = consumers.get(st);
  if (!st.consumerAttached || fn === undefined) return;
  st.srv.propagation.removeConsumer(fn);
  st.consumerAttached = false;
}

/** The scratch buffer one execution unit is encoded in before it joins the stream. */
const unitBuf = new RespBuf(16 * 1024);

function feedOps(st: ReplState, ops: readonly PropagatedOp[]): void {
  if (st.applying || st.master !== null) return;
  const out = unitBuf;
  out.reset();
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    // A unit's MULTI goes under its first command's database (the SELECT precedes it, as in Redis).
    const db = op.db === -1 && i === 0 && ops.length > 1 ? ops[1].db : op.db;
    if (db !== -1 && db !== st.seldb) {
      out.commandStr('SELECT', String(db));
      st.seldb = db;
    }
    out.op(op);
  }
  feedStream(st, out.view());
  const c = st.srv.currentClient;
  if (c !== null) c.replWriteOffset = st.offset;
}

/**
 * Appends stream bytes: offset, backlog, and every replica's queue. `b` is copied (one byte copy
 * per consumer, no allocation per command): the caller may reuse it.
 */
export function feedStream(st: ReplState, b: Uint8Array): void {
  st.offset += b.length;
  st.backlog?.append(b);
  const links = st.replicas;
  let direct = false;
  for (let i = 0; i < links.length; i++) {
    const l = links[i];
    // A replica still waiting for its snapshot to start gets the stream from that point on.
    if (l.c.closed || l.state === 'wait_bgsave') continue;
    l.queue.raw(b);
    if (!l.held) direct = true;
    else if (l.queue.len > replicaHardLimit(st)) overLimit(st, l, l.queue.len);
  }
  if (direct) scheduleFlush(st);
}

function scheduleFlush(st: ReplState): void {
  if (st.flushScheduled) return;
  st.flushScheduled = true;
  setImmediate(() => flushQueues(st));
}

/** Writes every replica's queued stream bytes (one write per replica). */
function flushQueues(st: ReplState): void {
  st.flushScheduled = false;
  for (const l of st.replicas) {
    if (l.held || l.queue.len === 0) continue;
    send(st, l, l.queue.take());
  }
}

function send(st: ReplState, l: ReplicaLink, b: Uint8Array): void {
  const c = l.c;
  const t = c.transport;
  if (c.closed || t === null) return;
  t.write(b);
  c.netOut += b.length;
  st.srv.stats.netOutput += b.length;
  // client-output-buffer-limit replica on the stream (obuf-limit.ts: soft and hard, Redis's log
  // line; with io-threads the worker owning the socket checks it).
  if (l.state === 'online' && t.pendingBytes >= c.obufFloor) st.srv.obuf.afterWrite(c);
}

/** client-output-buffer-limit replica's hard limit (0: none), applied to the stream. */
function replicaHardLimit(st: ReplState): number {
  const v = st.srv.config.values['client-output-buffer-limit'] as { replica: { hard: number } };
  return v.replica.hard > 0 ? v.replica.hard : Number.POSITIVE_INFINITY;
}

/** A replica that cannot keep up is dropped (it resyncs), as Redis closes it over its limit. */
function overLimit(st: ReplState, l: ReplicaLink, bytes: number): void {
  st.srv.log.verbose(`Replica ${replicaName(l)} is ${bytes} bytes behind`);
  l.queue.reset();
  st.srv.obufLimitReached(l.c, true);
}

/** Drops links whose connection closed. */
export function pruneReplicas(st: ReplState): void {
  const links = st.replicas;
  for (let i = links.length - 1; i >= 0; i--) {
    if (!links[i].c.closed) continue;
    const l = links[i];
    links.splice(i, 1);
    st.srv.log.notice(`Connection with replica ${replicaName(l)} lost.`);
  }
  if (links.length === 0 && st.noReplicasSince === 0) st.noReplicasSince = Date.now();
  refreshGoodReplicas(st);
}

export function replicaName(l: ReplicaLink): string {
  const ip = l.announceIp !== '' ? l.announceIp : hostOf(l.c.addr);
  return `${ip}:${l.listeningPort}`;
}

function hostOf(addr: string): string {
  const i = addr.lastIndexOf(':');
  return i < 0 ? addr : addr.slice(0, i);
}

export function replicaIp(l: ReplicaLink): string {
  return l.announceIp !== '' ? l.announceIp : hostOf(l.c.addr);
}

/** Closes every replica connection (they reconnect and resync). */
export function disconnectReplicas(st: ReplState): void {
  for (const l of [...st.replicas]) st.srv.freeClient(l.c);
  pruneReplicas(st);
}

/** The backlog, created at the first replica as createReplicationBacklog does. */
function ensureBacklog(st: ReplState): void {
  if (st.backlog !== null) return;
  if (st.master === null) {
    // A new history starts: replicas of an older one must not continue from it.
    st.replid = newReplid();
    st.clearReplid2();
  }
  st.backlog = new Backlog(st.srv.config.num('repl-backlog-size'), st.offset);
  attachConsumer(st);
}

// ---- SYNC / PSYNC --------------------------------------------------------------------------------

function newLink(c: Client, oldSync: boolean): ReplicaLink {
  const prev = replicaInfo.get(c);
  return {
    c,
    state: 'wait_bgsave',
    listeningPort: prev?.listeningPort ?? 0,
    announceIp: prev?.announceIp ?? '',
    capaEof: prev?.capaEof ?? false,
    capaPsync2: prev?.capaPsync2 ?? false,
    rdbOnly: prev?.rdbOnly ?? false,
    ackOff: 0,
    ackTime: Date.now(),
    queue: new RespBuf(16 * 1024),
    held: true,
    startOnAck: false,
    gathering: false,
    oldSync,
  };
}

/** What REPLCONF said before SYNC/PSYNC made the connection a replica. */
export interface ReplconfInfo {
  listeningPort: number;
  announceIp: string;
  capaEof: boolean;
  capaPsync2: boolean;
  rdbOnly: boolean;
}

export const replicaInfo = new WeakMap<Client, ReplconfInfo>();

export function linkOf(st: ReplState, c: Client): ReplicaLink | undefined {
  return st.replicas.find((l) => l.c === c);
}

/**
 * PSYNC replid offset / SYNC from client c: continues from the backlog when it can, else queues
 * a full sync. Replies go straight to the socket (PSYNC's handler writes nothing itself).
 */
export function syncRequest(st: ReplState, c: Client, replid: string | null, psyncOffset: number): void {
  const srv = st.srv;
  if (st.master !== null && !st.master.up) {
    c.w.error("NOMASTERLINK Can't SYNC while not connected with my master");
    return;
  }
  if (linkOf(st, c) !== undefined) return; // already a replica: ignored, as Redis does
  const link = newLink(c, replid === null);
  c.kind = 'replica';
  if (replid !== null && tryPartial(st, link, replid, psyncOffset)) return;
  if (replid !== null && replid !== '?') st.syncPartialErr++;
  st.syncFull++;
  ensureBacklog(st);
  st.replicas.push(link);
  st.noReplicasSince = 0;
  srv.log.notice(`Replica ${replicaName(link)} asks for synchronization`);
  if (replid !== null) {
    srv.log.notice(`Full resync requested by replica ${replicaName(link)}`);
  }
  scheduleFullSync(st);
}

function tryPartial(st: ReplState, link: ReplicaLink, replid: string, off: number): boolean {
  const bl = st.backlog;
  const idOk = replid === st.replid || (replid === st.replid2 && off <= st.secondOffset);
  if (!idOk || bl === null || !bl.has(off)) return false;
  const srv = st.srv;
  const c = link.c;
  // The reply and the backlog go into c's reply buffer (this is c's own batch); the live stream
  // is held until that buffer has been written.
  c.w.raw(Buffer.from(link.capaPsync2 ? `+CONTINUE ${st.replid}\r\n` : '+CONTINUE\r\n', 'latin1'));
  const data = bl.from(off);
  if (data.length > 0) c.w.raw(data);
  link.state = 'online';
  st.srv.obuf.refreshClass(c);
  link.ackOff = off - 1;
  st.replicas.push(link);
  st.noReplicasSince = 0;
  st.syncPartialOk++;
  refreshGoodReplicas(st);
  srv.log.notice(`Partial resynchronization request from ${replicaName(link)} accepted. Sending ${data.length} bytes of backlog starting from offset ${off}.`);
  setImmediate(() => flushPending(st, link));
  return true;
}

function flushPending(st: ReplState, l: ReplicaLink): void {
  l.held = false;
  flushQueues(st);
}

function scheduleFullSync(st: ReplState, delayMs = -1): void {
  if (st.syncTimer !== null || st.snapshot !== null) return;
  const cfg = st.srv.config;
  const ms = delayMs >= 0 ? delayMs : cfg.bool('repl-diskless-sync') ? cfg.num('repl-diskless-sync-delay') * 1000 : 0;
  st.syncTimer = setTimeout(() => {
    st.syncTimer = null;
    startFullSync(st);
  }, ms);
}

/** Starts one snapshot for every replica waiting for one. */
function startFullSync(st: ReplState): void {
  pruneReplicas(st);
  const srv = st.srv;
  const waiting = st.replicas.filter((l) => l.state === 'wait_bgsave');
  if (waiting.length === 0) return;
  if (activeSnapshot() !== null) {
    // A BGSAVE or AOF rewrite holds the one snapshot: wait for it.
    scheduleFullSync(st, 100);
    return;
  }
  const diskless = srv.config.bool('repl-diskless-sync') && waiting.every((l) => l.capaEof);
  srv.log.notice(`Starting BGSAVE for SYNC with target: ${diskless ? 'replicas sockets' : 'disk'}`);
  // The snapshot is of this instant; the stream from here on follows it. A primary's next command
  // SELECTs its database; a replica proxies its primary's stream as it is, so its replicas start
  // in the database that stream is in (AUX repl-stream-db).
  if (st.master === null) st.seldb = -1;
  const streamDb = st.seldb < 0 ? 0 : st.seldb;
  for (const l of waiting) {
    if (!l.oldSync) send(st, l, Buffer.from(`+FULLRESYNC ${st.replid} ${st.offset}\r\n`, 'latin1'));
    l.ackOff = st.offset;
    l.state = 'send_bulk';
    l.gathering = !diskless;
    l.queue.reset();
    l.held = true;
  }
  const mark = randomBytes(20).toString('hex');
  const chunks: Buffer[] = [];
  if (diskless) for (const l of waiting) send(st, l, Buffer.from(`$EOF:${mark}\r\n`, 'latin1'));
  const live = (): ReplicaLink[] => waiting.filter((l) => !l.c.closed);
  st.snapshot = startSnapshot(
    srv,
    {
      write(chunk) {
        const b = Buffer.from(chunk);
        if (!diskless) chunks.push(b);
        else for (const l of live()) send(st, l, b);
      },
      backlog() {
        let m = 0;
        for (const l of waiting) if (!l.c.closed) m = Math.max(m, l.c.transport?.pendingBytes ?? 0);
        return m;
      },
      end(info) {
        st.snapshot = null;
        srv.log.notice(`Background RDB transfer terminated with success (${info.keys} keys, ${info.bytes} bytes)`);
        const body = diskless ? Buffer.from(mark, 'latin1') : Buffer.concat([Buffer.from(`$${info.bytes}\r\n`, 'latin1'), ...chunks]);
        for (const l of live()) {
          l.gathering = false;
          send(st, l, body);
          if (l.rdbOnly) {
            l.c.closeAfterReply = true;
            l.c.transport?.end();
            continue;
          }
          if (diskless) l.startOnAck = true;
          else putOnline(st, l);
        }
        // Replicas that arrived during this snapshot get the next one.
        if (st.replicas.some((l) => l.state === 'wait_bgsave')) scheduleFullSync(st);
      },
      fail(err) {
        st.snapshot = null;
        srv.log.warning(`Background transfer error: ${err.message}`);
        for (const l of live()) srv.freeClient(l.c);
        pruneReplicas(st);
        if (st.replicas.some((l) => l.state === 'wait_bgsave')) scheduleFullSync(st);
      },
    },
    { abortOnFlushAll: false, aux: [['repl-stream-db', streamDb], ['repl-id', st.replid], ['repl-offset', st.offset]] },
  );
}

function putOnline(st: ReplState, l: ReplicaLink): void {
  l.state = 'online';
  // The replica class's output limits apply from now on (not to the snapshot payload).
  st.srv.obuf.refreshClass(l.c);
  l.startOnAck = false;
  l.ackTime = Date.now();
  flushPending(st, l);
  refreshGoodReplicas(st);
  st.srv.log.notice(`Synchronization with replica ${replicaName(l)} succeeded`);
}

/** REPLCONF ACK <offset> from a replica connection. */
export function ackFrom(st: ReplState, c: Client, off: number): void {
  const l = linkOf(st, c);
  if (l === undefined) return;
  if (off > l.ackOff) l.ackOff = off;
  l.ackTime = Date.now();
  if (l.startOnAck && l.state === 'send_bulk') putOnline(st, l);
  // Not inside this replica connection's batch: the reply writer is shared.
  if (st.waiters.length > 0) setImmediate(() => wakeWaiters(st));
}

// ---- WAIT ------------------------------------------------------------------------------------------

export function acksAtLeast(st: ReplState, off: number): number {
  let n = 0;
  for (const l of st.replicas) if (l.state === 'online' && !l.c.closed && l.ackOff >= off) n++;
  return n;
}

/** Asks every replica for an ACK (REPLCONF GETACK *), once per event-loop turn. */
export function requestAcks(st: ReplState): void {
  if (st.getackPending) return;
  st.getackPending = true;
  setImmediate(() => {
    st.getackPending = false;
    if (st.master !== null || st.replicas.length === 0) return;
    feedStream(st, encodeStrings(['REPLCONF', 'GETACK', '*']));
  });
}

function wakeWaiters(st: ReplState): void {
  for (const w of [...st.waiters]) {
    const n = acksAtLeast(st, w.target);
    if (n >= w.numreplicas) finishWaiter(st, w, n);
  }
}

export function finishWaiter(st: ReplState, w: { c: Client; timer: NodeJS.Timeout | null }, n: number): void {
  const i = st.waiters.indexOf(w as never);
  if (i >= 0) st.waiters.splice(i, 1);
  if (w.timer !== null) clearTimeout(w.timer);
  st.srv.finishWait(w.c, (c) => c.w.integer(n));
}

// ---- cron and the dispatch gate ----------------------------------------------------------------

function cron(st: ReplState): void {
  const now = Date.now();
  // Waiters of closed clients go.
  for (const w of [...st.waiters]) if (w.c.closed) finishWaiter(st, w, 0);
  if (now - st.lastCron < 1000) return;
  st.lastCron = now;
  st.cronLoops++;
  const srv = st.srv;
  const cfg = srv.config;
  pruneReplicas(st);
  st.master?.tick();
  if (st.master === null && st.replicas.length > 0 && st.cronLoops % Math.max(1, cfg.num('repl-ping-replica-period')) === 0) {
    // The PING goes on the stream as it is (no SELECT): it counts in every offset.
    feedStream(st, encodeStrings(['PING']));
  }
  // Replicas waiting for a snapshot, or for a disk-form one being gathered, get a newline a
  // second so they do not time out (replicationCron does the same).
  for (const l of st.replicas) if (!l.c.closed && (l.state === 'wait_bgsave' || l.gathering)) send(st, l, NEWLINE);
  const timeoutMs = cfg.num('repl-timeout') * 1000;
  for (const l of [...st.replicas]) {
    if (l.state === 'online' && !l.oldSync && now - l.ackTime > timeoutMs) {
      srv.log.warning(`Disconnecting timedout replica (streaming sync): ${replicaName(l)}`);
      srv.freeClient(l.c);
    }
  }
  pruneReplicas(st);
  const ttl = cfg.num('repl-backlog-ttl');
  if (st.master === null && st.backlog !== null && st.replicas.length === 0 && ttl > 0 && st.noReplicasSince !== 0 && now - st.noReplicasSince > ttl * 1000) {
    st.replid = newReplid();
    st.clearReplid2();
    st.backlog = null;
    detachConsumer(st);
    srv.log.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
  }
  refreshGoodReplicas(st);
  updateGate(st);
}

/** min-replicas-to-write's count (refreshGoodSlavesCount): online replicas that ACKed lately. */
export function refreshGoodReplicas(st: ReplState): void {
  const now = Date.now();
  const maxLag = st.srv.config.num('min-replicas-max-lag') * 1000;
  let good = 0;
  for (const l of st.replicas) if (l.state === 'online' && !l.c.closed && now - l.ackTime <= maxLag) good++;
  st.goodReplicas = good;
}

export const READONLY_ERROR = "READONLY You can't write against a read only replica.";
export const MASTERDOWN_ERROR = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
export const NOREPLICAS_ERROR = 'NOREPLICAS Not enough good replicas to write.';

function isWrite(c: Client, cmd: Command): boolean {
  let f = cmd.flags;
  if (cmd.fullName === 'exec' && c.multi !== null) f |= c.multi.flags;
  return (f & CMD_WRITE) !== 0;
}

/** Installs the gate while it can refuse something (a replica, or min-replicas-to-write set). */
export function updateGate(st: ReplState): void {
  const srv = st.srv;
  const minReplicas = srv.config.num('min-replicas-to-write');
  if (st.master === null && minReplicas === 0) {
    srv.replGate = null;
    return;
  }
  srv.replGate = (c, cmd) => {
    if (c.kind === 'master') return null;
    const m = st.master;
    if (m !== null) {
      if (!m.up && (cmd.flags & CMD_STALE) === 0 && !srv.config.bool('replica-serve-stale-data')) return MASTERDOWN_ERROR;
      if (srv.config.bool('replica-read-only') && isWrite(c, cmd)) return READONLY_ERROR;
      return null;
    }
    if (minReplicas > 0 && st.goodReplicas < minReplicas && isWrite(c, cmd)) return NOREPLICAS_ERROR;
    return null;
  };
}

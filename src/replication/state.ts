/*
 * Replication state of one server, as Redis keeps it: the replication ID and offset of the
 * stream this node serves (replid, master_repl_offset), the previous ID and the offset up to
 * which it is valid (replid2, second_repl_offset: set when a replica is promoted, so replicas of
 * the old primary can continue with a partial resync), the backlog, the replicas attached here
 * (primary side, primary.ts) and the link to this node's own primary (replica side, replica.ts).
 *
 * A replica's replid and offset are its primary's: it applies the stream and feeds the same
 * bytes to its backlog and its own replicas, so chained replicas see one stream with one ID.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { Snapshot } from '../persistence/snapshot.ts';
import type { Backlog } from './backlog.ts';
import type { RespBuf } from '../persistence/aof-resp.ts';

export const NULL_REPLID = '0000000000000000000000000000000000000000';

export function newReplid(): string {
  return randomBytes(20).toString('hex');
}

/** A replica attached to this node (a connection that sent SYNC or PSYNC). */
export interface ReplicaLink {
  readonly c: Client;
  /** wait_bgsave: waiting for the snapshot to start or end; send_bulk: receiving it; online: streaming. */
  state: 'wait_bgsave' | 'send_bulk' | 'online';
  listeningPort: number;
  announceIp: string;
  capaEof: boolean;
  capaPsync2: boolean;
  /** REPLCONF rdb-only 1 (redis-cli --rdb): closed once the snapshot is sent. */
  rdbOnly: boolean;
  /** Offset and time (ms) of the last REPLCONF ACK. */
  ackOff: number;
  ackTime: number;
  /** Stream bytes not written yet: sent once per event-loop turn, or at the end of the transfer. */
  queue: RespBuf;
  /** The queue is held (the snapshot transfer or the +CONTINUE reply is not out yet). */
  held: boolean;
  /** Diskless transfer done: the stream starts at the first ACK (the replica has loaded). */
  startOnAck: boolean;
  /** The disk-form payload is being gathered: nothing sent yet but keepalive newlines. */
  gathering: boolean;
  /** SYNC (no PSYNC): no +FULLRESYNC line before the payload. */
  oldSync: boolean;
}

/** A client blocked in WAIT. */
export interface Waiter {
  readonly c: Client;
  readonly target: number;
  readonly numreplicas: number;
  timer: NodeJS.Timeout | null;
}

/** Replica-side link state, as INFO and ROLE show it (replica.ts drives it). */
export interface MasterLinkView {
  readonly host: string;
  readonly port: number;
  /** Redis's repl_state names in ROLE: connect, connecting, handshake, sync, connected. */
  readonly roleState: string;
  readonly up: boolean;
  readonly lastIoMs: number;
  readonly downSinceMs: number;
  readonly syncing: boolean;
  readonly syncTotal: number;
  readonly syncRead: number;
  readonly syncLastIoMs: number;
  /** Bytes of stream read but not yet applied (a partial command). */
  readonly readAhead: number;
  readonly client: Client | null;
  /** Once a second: reconnect, ACK, timeouts. */
  tick(): void;
  close(): void;
}

export class ReplState {
  readonly srv: Server;
  replid = newReplid();
  replid2 = NULL_REPLID;
  secondOffset = -1;
  /** master_repl_offset: every byte of the stream fed so far. */
  offset = 0;
  backlog: Backlog | null = null;
  /** The database the stream last SELECTed (-1: the next command gets a SELECT). */
  seldb = -1;
  readonly replicas: ReplicaLink[] = [];
  /** Set while this node is a replica (REPLICAOF host port). */
  master: MasterLinkView | null = null;
  /** Applying the primary's stream: the propagation slot's ops are not fed (the bytes are proxied). */
  applying = false;
  readonly waiters: Waiter[] = [];
  /** The snapshot being sent to replicas, if any. */
  snapshot: Snapshot | null = null;
  syncTimer: NodeJS.Timeout | null = null;
  /** Unix ms since when there are no replicas (repl-backlog-ttl), 0 while some are attached. */
  noReplicasSince = Date.now();
  /** Online replicas whose last ACK is within min-replicas-max-lag (refreshed each second). */
  goodReplicas = 0;
  getackPending = false;
  /** A write of the replicas' queues is scheduled for the end of this event-loop turn. */
  flushScheduled = false;
  lastCron = 0;
  cronLoops = 0;
  consumerAttached = false;
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;

  constructor(srv: Server) {
    this.srv = srv;
  }

  /** Redis's shiftReplicationId: the current history stays valid under replid2 up to offset+1. */
  shiftReplid(): void {
    this.replid2 = this.replid;
    this.secondOffset = this.offset + 1;
    this.replid = newReplid();
  }

  clearReplid2(): void {
    this.replid2 = NULL_REPLID;
    this.secondOffset = -1;
  }
}

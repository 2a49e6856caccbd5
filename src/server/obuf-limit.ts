/*
 * client-output-buffer-limit: a client whose unsent output grows past its class's limits is
 * closed, so a subscriber (or any client) that stops reading cannot grow the server's memory
 * without bound. The rule is Redis 7.0's checkClientOutputBufferLimits and
 * closeClientOnOutputBufferLimitReached:
 *
 * - The class is getClientType's: a replica is "replica" (none exist yet), a client with
 *   subscriptions (CLIENT_PUBSUB, Client.pubsub) "pubsub", everything else, masters included,
 *   "normal". A limit of 0 is off.
 * - Hard limit: the client goes as soon as a check sees used >= hard.
 * - Soft limit: the first check that sees used >= soft stamps the time (whole seconds, like
 *   server.unixtime) and lets the client live; a later check at or over it closes the client
 *   once more than soft-seconds have passed since the stamp; any check below it clears the stamp.
 *   So the client must stay over the limit continuously, and with seconds granularity
 *   "soft-seconds 1" means between 1 and 2 seconds.
 * - Checks run where output grows (after each write of replies or of a pushed message, and after
 *   each command for the replies it produced that are not written yet) and, for clients holding
 *   a soft stamp, from a timer, as 7.0's clientsCron does, so a subscriber that stopped
 *   receiving messages is still closed when its time is up. A check on a write closes
 *   asynchronously and logs "scheduled to be closed ASAP" (freeClientAsync: the client stops
 *   getting output at once and is freed from the event loop); the timer's check closes at once
 *   and logs "closed for overcoming" (Redis's two warning lines, with the CLIENT LIST text).
 *
 * "Used" is what Node has not handed to the kernel yet (socket.writableLength), plus, while a
 * client's commands run, the replies collected for it and not written; Redis counts its reply
 * list, the analogue. With io-threads the I/O worker that owns the socket applies the same rule
 * to it (the main thread tells it each client's class and the limits, and it reports a close back
 * as C_OBUF_LIMIT); the main thread, which cannot see the socket, checks only the replies of the
 * batch it is running, against the hard limit.
 *
 * Hot path: each client carries `obufFloor`, the smallest enabled limit of its class (Infinity
 * when the class has none, 0 while a soft stamp is set so every check comes here to clear or
 * enforce it), so a write costs one compare: used >= floor.
 *
 * This module imports only types: the I/O worker uses its functions too.
 */
import type { Client } from './client.ts';
import type { ObufLimit, ObufLimits } from './config-table.ts';
import type { Server } from './server.ts';
import type { Transport } from './transport.ts';

/** Client classes, in Redis's order (CLIENT_TYPE_NORMAL, _SLAVE, _PUBSUB). */
export const OBUF_NORMAL = 0;
export const OBUF_REPLICA = 1;
export const OBUF_PUBSUB = 2;

/** What a check keeps per client (a Client on the main thread, a worker's client in a worker). */
export interface ObufState {
  /** Bytes from which a check must run (see the top of this file). */
  obufFloor: number;
  /** Unix seconds when the client was first seen over its soft limit, 0 when it is not. */
  obufSoftSince: number;
}

/** The limits indexed by class. */
export function obufLimitsByClass(l: ObufLimits): ObufLimit[] {
  return [l.normal, l.replica, l.pubsub];
}

/** The smallest enabled limit (only the hard one when `hardOnly`), Infinity when none is. */
export function obufFloorOf(l: ObufLimit, hardOnly: boolean): number {
  const hard = l.hard > 0 ? l.hard : Infinity;
  if (hardOnly || l.soft <= 0) return hard;
  return Math.min(hard, l.soft);
}

/**
 * Applies limits `l` to `used` pending bytes: stamps or clears the soft time, re-derives the
 * floor (`floor` is the class's), and returns true when the client must be closed.
 */
export function obufOverLimit(st: ObufState, l: ObufLimit, floor: number, used: number): boolean {
  let over = l.hard > 0 && used >= l.hard;
  if (l.soft > 0 && used >= l.soft) {
    const now = Math.floor(Date.now() / 1000);
    if (st.obufSoftSince === 0) st.obufSoftSince = now;
    else if (now - st.obufSoftSince > l.softSeconds) over = true;
  } else {
    st.obufSoftSince = 0;
  }
  st.obufFloor = st.obufSoftSince !== 0 ? 0 : floor;
  return over;
}

/** Redis's getClientType, as a limit class. */
export function obufClassOf(c: Client): number {
  if (c.kind === 'master') return OBUF_NORMAL;
  if (c.kind === 'replica') return OBUF_REPLICA;
  return c.pubsub ? OBUF_PUBSUB : OBUF_NORMAL;
}

/** The main thread's side: per-class limits and the clients holding a soft stamp. */
export class ObufLimiter {
  private readonly srv: Server;
  /** io-threads: this thread checks only unsent batch replies, against the hard limit. */
  private readonly hardOnly: boolean;
  private limits: ObufLimit[] = [];
  private floors: number[] = [];
  /** Clients with a soft stamp: the cron re-checks them (their output may no longer grow). */
  readonly stamped = new Set<Client>();

  constructor(srv: Server, hardOnly: boolean) {
    this.srv = srv;
    this.hardOnly = hardOnly;
  }

  /**
   * New limits (start-up, CONFIG SET): every client's floor is re-derived, and clients already
   * over the new limits are checked from the event loop (Redis's clientsCron would find them;
   * between writes a backlog only shrinks, so nothing else can put a client over).
   */
  configure(l: ObufLimits): void {
    this.limits = obufLimitsByClass(l);
    this.floors = this.limits.map((x) => obufFloorOf(x, this.hardOnly));
    for (const c of this.srv.clients.values()) c.obufFloor = c.obufSoftSince !== 0 ? 0 : this.floors[c.obufClass];
    if (this.srv.clients.size !== 0 && !this.hardOnly) setImmediate(() => this.recheckAll());
  }

  private recheckAll(): void {
    for (const c of [...this.srv.clients.values()]) {
      const used = c.transport?.pendingBytes ?? 0;
      if (!c.closed && used >= c.obufFloor) this.check(c, used, false);
    }
  }

  /** The floor of a class (a new client starts normal). */
  floorOf(cls: number): number {
    return this.floors[cls];
  }

  /**
   * c subscribed or lost its last subscription since its class was last derived (the server
   * notices at c's next flush): re-derive it; with io-threads, tell c's worker.
   */
  refreshClass(c: Client): void {
    c.obufPubsub = c.pubsub;
    const cls = obufClassOf(c);
    if (cls === c.obufClass) return;
    c.obufClass = cls;
    c.obufFloor = c.obufSoftSince !== 0 ? 0 : this.floors[cls];
    if (c.io !== null) this.srv.io?.obufClassChanged(c, cls);
  }

  /** After a write to c's socket went over c's floor (io-threads 1). */
  afterWrite(c: Client): void {
    this.check(c, (c.transport as Transport).pendingBytes, true);
  }

  /**
   * After a command of the running client c left `pending` unsent reply bytes at or over its
   * floor. Returns true when c was closed (it must stop processing input).
   */
  afterCommand(c: Client, pending: number): boolean {
    if (this.hardOnly) {
      // The floor is the hard limit here: reaching it is over it.
      this.srv.obufLimitReached(c, true);
      return true;
    }
    return this.check(c, pending + (c.transport?.pendingBytes ?? 0), true);
  }

  /** Applies c's limits to `used` bytes; closes c when over. True when c was closed. */
  private check(c: Client, used: number, onWrite: boolean): boolean {
    const over = obufOverLimit(c, this.limits[c.obufClass], this.floors[c.obufClass], used);
    if (c.obufSoftSince !== 0 && !over) this.stamped.add(c);
    else if (this.stamped.size !== 0) this.stamped.delete(c);
    if (over) this.srv.obufLimitReached(c, onWrite);
    return over;
  }

  /** Timer: re-checks the clients holding a soft stamp (their soft time may be up). */
  cron(): void {
    for (const c of [...this.stamped]) {
      if (c.closed) this.stamped.delete(c);
      else this.check(c, c.transport?.pendingBytes ?? 0, false);
    }
  }

  /** A client is going away. */
  forget(c: Client): void {
    this.stamped.delete(c);
  }
}

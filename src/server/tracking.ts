/*
 * Client-side caching (Redis's tracking.c). A client with CLIENT TRACKING ON is told when a key it
 * read may have changed:
 *
 * - default mode: every key a tracking client read (a read-only command, subject to OPTIN/OPTOUT
 *   and CLIENT CACHING) is remembered in one table, key name -> ids of the clients that read it,
 *   for all databases together as Redis does. The first write to the key sends each of them one
 *   invalidation and forgets the key, so the next read registers it again.
 * - BCAST: clients subscribe to key prefixes ("" for all keys); every write to a matching key is
 *   collected per prefix and sent once the batch of commands that wrote them has its replies
 *   out (Redis does it in beforeSleep, before writing replies), keys sorted.
 *
 * Messages are RESP3 pushes `>2 invalidate [keys]`, or, for a client redirecting to a RESP2 client
 * in Pub/Sub mode, a `message` on `__redis__:invalidate`; FLUSHALL/FLUSHDB send a null for
 * "everything". An invalidation caused by the client's own command waits for the command's reply
 * (for EXEC, the whole transaction's), as 7.0's tracking_pending_keys does. tracking-table-max-keys
 * caps the table: over it, the oldest keys are invalidated early.
 *
 * The write path pays one boolean check (Server.signalModifiedKey) while no client ever tracked.
 */
import type { Argv } from '../protocol/argv.ts';
import type { Command } from '../commands/registry.ts';
import { getKeyPositions } from '../commands/keyspecs.ts';
import type { Client } from './client.ts';
import type { Server } from './server.ts';

export const TRACK_BCAST = 1;
export const TRACK_OPTIN = 2;
export const TRACK_OPTOUT = 4;
export const TRACK_NOLOOP = 8;
/** CLIENT CACHING yes/no was given for the next command. */
export const TRACK_CACHING = 16;
export const TRACK_BROKEN_REDIR = 32;

/** A tracking client's state (null on clients that never tracked). */
export interface TrackingState {
  on: boolean;
  flags: number;
  redirect: number;
  /** BCAST prefixes, kept sorted as Redis's rax lists them. */
  prefixes: string[];
}

interface PrefixState {
  clients: Set<Client>;
  /** Keys written since the last broadcast -> the client that wrote it last (for NOLOOP). */
  keys: Map<string, Client | null>;
}

const INVALIDATE = Buffer.from('$10\r\ninvalidate\r\n', 'latin1');
const CHANNEL = Buffer.from('*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n', 'latin1');

function bulk(key: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`$${key.length}\r\n`, 'latin1'), key, Buffer.from('\r\n', 'latin1')]);
}

export class Tracking {
  private readonly srv: Server;
  readonly states = new Map<Client, TrackingState>();
  /** Clients with tracking on (INFO tracking_clients). */
  clients = 0;
  /** Key (latin1) -> ids of the clients that read it. */
  readonly table = new Map<string, Set<number>>();
  /** Sum of the id sets' sizes (tracking_total_items). */
  items = 0;
  readonly prefixTable = new Map<string, PrefixState>();
  /** Invalidations for the running client, sent after its reply: keys, or null for a flush. */
  private pending: Array<Buffer | null> = [];
  private pendingFor: Client | null = null;
  /** BCAST keys are waiting (sent by Server.flush after the batch's replies, or from the loop). */
  broadcastPending = false;
  private broadcastScheduled = false;
  private limitScheduled = false;

  constructor(srv: Server) {
    this.srv = srv;
  }

  /** Whether any write must be looked at (some client tracks, or the table still has keys). */
  get active(): boolean {
    return this.clients !== 0 || this.table.size !== 0;
  }

  stateOf(c: Client): TrackingState | undefined {
    return this.states.get(c);
  }

  enable(c: Client, redirect: number, options: number, prefixes: string[]): void {
    let st = this.states.get(c);
    if (st === undefined) {
      st = { on: false, flags: 0, redirect: 0, prefixes: [] };
      this.states.set(c, st);
    }
    if (!st.on) this.clients++;
    st.on = true;
    st.flags &= ~(TRACK_BROKEN_REDIR | TRACK_BCAST | TRACK_OPTIN | TRACK_OPTOUT | TRACK_NOLOOP);
    st.redirect = redirect;
    if ((options & TRACK_BCAST) !== 0) {
      st.flags |= TRACK_BCAST;
      if (prefixes.length === 0) this.addPrefix(c, st, '');
      for (const p of prefixes) this.addPrefix(c, st, p);
    }
    st.flags |= options & (TRACK_OPTIN | TRACK_OPTOUT | TRACK_NOLOOP);
    this.srv.opsChanged();
  }

  private addPrefix(c: Client, st: TrackingState, p: string): void {
    let ps = this.prefixTable.get(p);
    if (ps === undefined) {
      ps = { clients: new Set(), keys: new Map() };
      this.prefixTable.set(p, ps);
    }
    ps.clients.add(c);
    if (!st.prefixes.includes(p)) {
      st.prefixes.push(p);
      st.prefixes.sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
    }
  }

  disable(c: Client): void {
    const st = this.states.get(c);
    if (st === undefined) return;
    if ((st.flags & TRACK_BCAST) !== 0) {
      for (const p of st.prefixes) {
        const ps = this.prefixTable.get(p);
        if (ps === undefined) continue;
        ps.clients.delete(c);
        if (ps.clients.size === 0) this.prefixTable.delete(p);
      }
      st.prefixes = [];
    }
    if (st.on) {
      this.clients--;
      st.on = false;
      st.flags = 0;
    }
    this.states.delete(c);
    this.srv.opsChanged();
  }

  /** After a command of a tracking client (call()): remembers the keys it read; CACHING expires. */
  afterCommand(c: Client, st: TrackingState, cmd: Command, argv: Argv, nested = false): void {
    // nested: a script's read-only call, `cmd`/`argv` being the caller's own EVAL (ops.ts).
    if (st.on && (st.flags & TRACK_BCAST) === 0 && (nested || (cmd.flags & CMD_READONLY_BIT) !== 0)) {
      const f = st.flags;
      const caching = (f & TRACK_CACHING) !== 0;
      if (!(((f & TRACK_OPTIN) !== 0 && !caching) || ((f & TRACK_OPTOUT) !== 0 && caching))) this.remember(c, argv, cmd);
    }
    // The CACHING flag lasts one command; CLIENT commands and a transaction's commands keep it.
    // A script's calls (nested) keep it too: it lasts the whole EVAL.
    if (!nested && (st.flags & TRACK_CACHING) !== 0 && c.multi === null && !c.inExec && cmd.parent?.name !== 'client') st.flags &= ~TRACK_CACHING;
  }

  private remember(c: Client, argv: Argv, cmd: Command): void {
    const keys = getKeyPositions(cmd, argv);
    if (keys === null) return;
    for (const i of keys) {
      const k = argv.str(i);
      let ids = this.table.get(k);
      if (ids === undefined) {
        ids = new Set();
        this.table.set(k, ids);
      }
      if (!ids.has(c.id)) {
        ids.add(c.id);
        this.items++;
      }
    }
    const max = this.srv.config.num('tracking-table-max-keys');
    if (max !== 0 && this.table.size > max && !this.limitScheduled) {
      this.limitScheduled = true;
      setImmediate(() => this.limitUsedSlots());
    }
  }

  /** tracking-table-max-keys: invalidates the oldest keys until the table fits (trackingLimitUsedSlots). */
  private limitUsedSlots(): void {
    this.limitScheduled = false;
    const max = this.srv.config.num('tracking-table-max-keys');
    if (max === 0) return;
    for (const k of this.table.keys()) {
      if (this.table.size <= max) break;
      this.invalidateKey(Buffer.from(k, 'latin1'), null, false);
    }
  }

  /** A key was modified (signalModifiedKey) by `by` (the running client, or null). */
  invalidateKey(key: Buffer, by: Client | null, bcast: boolean): void {
    const ks = key.toString('latin1');
    if (bcast && this.prefixTable.size !== 0) this.rememberForBroadcast(ks, by);
    const ids = this.table.get(ks);
    if (ids === undefined) return;
    for (const id of ids) {
      const target = this.srv.clients.get(id);
      if (target === undefined) continue;
      const st = this.states.get(target);
      if (st === undefined || !st.on || (st.flags & TRACK_BCAST) !== 0) continue;
      if ((st.flags & TRACK_NOLOOP) !== 0 && target === by) continue;
      if (target === by && this.srv.currentClient === by) this.defer(by, key);
      else this.send(target, st, this.keysFrame([key]));
    }
    this.items -= ids.size;
    this.table.delete(ks);
  }

  private defer(c: Client, key: Buffer | null): void {
    this.pendingFor = c;
    this.pending.push(key);
  }

  /** Sends what the running client's own writes invalidated, after its reply (not inside EXEC). */
  flushPending(c: Client): void {
    if (this.pending.length === 0 || c.inExec || c.socketless) return;
    const list = this.pending;
    const who = this.pendingFor;
    this.pending = [];
    this.pendingFor = null;
    if (who === null || who.closed) return;
    const st = this.states.get(who);
    if (st === undefined) return;
    for (const k of list) this.send(who, st, k === null ? this.nullFrame(who) : this.keysFrame([k]));
  }

  /** FLUSHALL / FLUSHDB: every tracking client is told "everything" (a null), the table is dropped. */
  invalidateAll(by: Client | null): void {
    if (this.clients !== 0) {
      for (const [c, st] of this.states) {
        if (!st.on) continue;
        if (c === by && this.srv.currentClient === by) this.defer(c, null);
        else this.send(c, st, this.nullFrame(c));
      }
    }
    this.table.clear();
    this.items = 0;
  }

  private nullFrame(c: Client): Buffer {
    return Buffer.from(c.resp >= 3 ? '_\r\n' : '$-1\r\n', 'latin1');
  }

  private keysFrame(keys: Buffer[]): Buffer {
    const parts: Buffer[] = [Buffer.from(`*${keys.length}\r\n`, 'latin1')];
    for (const k of keys) parts.push(bulk(k));
    return Buffer.concat(parts);
  }

  /** sendTrackingMessage: to c, or to the client it redirects to; `value` is the keys (or null) part. */
  private send(c: Client, st: TrackingState, value: Buffer): void {
    let to = c;
    let redirected = false;
    if (st.redirect !== 0) {
      const r = this.srv.clients.get(st.redirect);
      if (r === undefined) {
        st.flags |= TRACK_BROKEN_REDIR;
        if (c.resp > 2) {
          const id = String(st.redirect);
          this.srv.push(c, Buffer.from(`>2\r\n$21\r\ntracking-redir-broken\r\n:${id}\r\n`, 'latin1'));
        }
        return;
      }
      to = r;
      redirected = true;
    }
    if (to.resp > 2) this.srv.push(to, Buffer.concat([Buffer.from('>2\r\n', 'latin1'), INVALIDATE, value]));
    else if (redirected && to.pubsub) this.srv.push(to, Buffer.concat([CHANNEL, value]));
  }

  private rememberForBroadcast(key: string, by: Client | null): void {
    for (const [p, ps] of this.prefixTable) {
      if (!key.startsWith(p)) continue;
      ps.keys.set(key, by);
    }
    this.broadcastPending = true;
    // Writes outside a client's batch (active expiry) are sent from the event loop.
    if (!this.broadcastScheduled) {
      this.broadcastScheduled = true;
      setImmediate(() => {
        this.broadcastScheduled = false;
        if (this.broadcastPending) this.broadcast();
      });
    }
  }

  /** Each BCAST client gets, per prefix, the keys written under it since the last broadcast. */
  broadcast(): void {
    this.broadcastPending = false;
    // Prefixes in byte order, as Redis walks its radix tree.
    const names = [...this.prefixTable.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
    for (const name of names) {
      const ps = this.prefixTable.get(name) as PrefixState;
      if (ps.keys.size === 0) continue;
      const keys: Buffer[] = [...ps.keys.keys()].map((k) => Buffer.from(k, 'latin1')).sort((a, b) => Buffer.compare(a, b));
      for (const c of ps.clients) {
        const st = this.states.get(c);
        if (st === undefined || !st.on || c.closed) continue;
        let mine = keys;
        if ((st.flags & TRACK_NOLOOP) !== 0) mine = keys.filter((k) => ps.keys.get(k.toString('latin1')) !== c);
        if (mine.length === 0) continue;
        this.send(c, st, this.keysFrame(mine));
      }
      ps.keys.clear();
    }
  }

  /** A closed client, or RESET: its tracking ends. */
  forget(c: Client): void {
    if (this.states.has(c)) this.disable(c);
  }
}

/** CMD_READONLY (registry.ts), repeated to keep this file's imports to types. */
const CMD_READONLY_BIT = 1 << 1;

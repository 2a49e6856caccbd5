/*
 * Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, BLMPOP, BZMPOP...): Redis's blocked.c.
 *
 * A blocking handler first tries to serve itself from its keys; when they hold nothing it calls
 * Server.blockForKeys, which parks the client: the client's command is kept encoded (in
 * `c.postponed`, the same slot CLIENT PAUSE uses, so its later input is held back and stays in
 * order in both I/O modes), and the client is queued, per database and key, behind the clients
 * that blocked on that key before it.
 *
 * Commands that add data to a list or sorted set call signalKeyReady; that is one counter test
 * when nobody is blocked, so it costs nothing on the hot path. Otherwise a key with waiters goes
 * on the ready list once. After the command that made keys ready has run (and so after the whole
 * of a command that pushes many times), the server serves the waiters of each ready key first
 * come, first served, by running each one's command again (as Redis 7.2 does; 7.0 pops for the
 * client directly, which gives the same replies): while the key exists with the awaited type, the
 * first waiter re-runs; if it finds data it replies and is unblocked, and the next waiter gets its
 * turn; if it finds nothing it calls blockForKeys again and simply keeps its place, and the key is
 * done. A served command may make other keys ready (BLMOVE pushes to its destination): they join
 * the list and are served in the same pass, which is what lets LMOVE chains move an element
 * through several blocked clients at once. A key that now holds another type (the list was
 * replaced by a string) wakes nobody, as in 7.0.
 *
 * A timeout replies a null array to every list and sorted-set blocking command (BLMOVE too), as
 * 7.0's replyToBlockedClientTimedOut does.
 *
 * Replies for a served client must not mix with the bytes the reply writer holds for the client
 * whose command made the key ready, so that client's replies so far are flushed first.
 */
import type { BlockedRerun } from '../commands/context.ts';
import type { Client } from './client.ts';

/** What a blocked client waits for. */
export class BlockState implements BlockedRerun {
  readonly dbIndex: number;
  /** The keys (latin1 strings, as map keys) and their bytes. */
  readonly keys: string[];
  readonly keyBytes: Buffer[];
  /** OBJ_LIST or OBJ_ZSET: the type a key must hold to wake this client. */
  readonly type: number;
  /** Absolute unix ms when the client times out, 0 for never. */
  readonly deadline: number;
  timer: NodeJS.Timeout | null = null;
  /** While a stream waiter is re-run: the ready key it is served from (BlockedRerun). */
  servingKey: Buffer | null = null;

  constructor(dbIndex: number, keyBytes: Buffer[], type: number, deadline: number) {
    this.dbIndex = dbIndex;
    this.keyBytes = keyBytes;
    this.keys = keyBytes.map((k) => k.toString('latin1'));
    this.type = type;
    this.deadline = deadline;
  }
}

interface ReadyKey {
  dbIndex: number;
  key: string;
  bytes: Buffer;
}

/** Per-database queues of blocked clients by key, and the keys made ready since the last pass. */
export class BlockedClients {
  /** Blocked clients, all databases. */
  count = 0;
  /** Blocked clients with a timeout (INFO clients_in_timeout_table). */
  withTimeout = 0;
  /** Queues by database index, then key: clients in the order they blocked. */
  private readonly waiters: Map<string, Client[]>[] = [];
  readonly ready: ReadyKey[] = [];
  private readonly readySet = new Set<string>();

  constructor(databases: number) {
    for (let i = 0; i < databases; i++) this.waiters.push(new Map());
  }

  /** Queues c (with its BlockState set) on each of its keys. */
  add(c: Client, st: BlockState): void {
    const m = this.waiters[st.dbIndex];
    for (let i = 0; i < st.keys.length; i++) {
      const k = st.keys[i];
      if (st.keys.indexOf(k) !== i) continue; // BLPOP k k: queued once
      const q = m.get(k);
      if (q === undefined) m.set(k, [c]);
      else q.push(c);
    }
    this.count++;
    if (st.deadline !== 0) this.withTimeout++;
  }

  /** Takes c off every queue it is on. */
  remove(c: Client, st: BlockState): void {
    const m = this.waiters[st.dbIndex];
    for (const k of st.keys) {
      const q = m.get(k);
      if (q === undefined) continue;
      const i = q.indexOf(c);
      if (i >= 0) q.splice(i, 1);
      if (q.length === 0) m.delete(k);
    }
    this.count--;
    if (st.deadline !== 0) this.withTimeout--;
  }

  /** The first client waiting on key in database dbIndex, or undefined. */
  first(dbIndex: number, key: string): Client | undefined {
    return this.waiters[dbIndex].get(key)?.[0];
  }

  /** A copy of the queue of clients waiting on key (stream waiters are all re-run in turn). */
  waitersOf(dbIndex: number, key: string): Client[] {
    return this.waiters[dbIndex].get(key)?.slice() ?? [];
  }

  /** Marks a key ready if somebody waits on it (once per pass). */
  signal(dbIndex: number, b: Uint8Array, o: number, n: number): void {
    const key = Buffer.from(b.buffer, b.byteOffset + o, n).toString('latin1');
    if (!this.waiters[dbIndex].has(key)) return;
    const id = `${dbIndex}:${key}`;
    if (this.readySet.has(id)) return;
    this.readySet.add(id);
    this.ready.push({ dbIndex, key, bytes: Buffer.from(key, 'latin1') });
  }

  /** Marks every waited-on key of a database ready (SWAPDB brought other data under them). */
  signalAll(dbIndex: number): void {
    for (const key of this.waiters[dbIndex].keys()) {
      const b = Buffer.from(key, 'latin1');
      this.signal(dbIndex, b, 0, b.length);
    }
  }

  /** The next ready key, or undefined. */
  nextReady(): ReadyKey | undefined {
    const r = this.ready.shift();
    if (r !== undefined) this.readySet.delete(`${r.dbIndex}:${r.key}`);
    return r;
  }
}

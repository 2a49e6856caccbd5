/*
 * maxmemory eviction (Redis's evict.c), run before each command while maxmemory is set.
 *
 * performEvictions: when used_memory (accounting.ts) is over maxmemory, delete keys chosen by the
 * policy until the excess is freed:
 *   *-lru, *-lfu, volatile-ttl   Redis's approximation: each round samples maxmemory-samples keys
 *       of every database (uniform picks of dense entry ids: Keyspace.randomEntry/randomExpiring,
 *       O(1) each) into a pool of the 16 best candidates kept between calls, ordered by idle
 *       score (LRU: ms since last access from the 24-bit clock; LFU: 255 - decayed counter;
 *       TTL: the sooner the expiry the higher), and evicts the best one still present;
 *   *-random                   a random key (or key with a TTL), databases in turn;
 *   noeviction                 nothing: denyoom commands get -OOM.
 * maxmemory-eviction-tenacity bounds the time per call (checked every 16 keys); a call that runs
 * out of time leaves the rest to a job on the event loop (EVICT_RUNNING) and lets the command run.
 *
 * Each evicted key goes through Db.delete (lazily with lazyfree-lazy-eviction), then: evicted_keys,
 * signalModifiedKey (WATCH, tracking), the "evicted" keyspace event, and a DEL propagated as its
 * own unit, as Redis's propagateDeletion does.
 */
import { CMD_DENYOOM } from '../../commands/registry.ts';
import type { Db } from '../../store/db.ts';
import { NOTIFY_EVICTED } from '../../store/events.ts';
import { lfuDecay } from '../../store/lfu.ts';
import type { Server } from '../server.ts';
import { ENTRY_BYTES, keyMemoryUsage } from './usage.ts';

export const EVICT_OK = 0;
export const EVICT_RUNNING = 1;
export const EVICT_FAIL = 2;

export const OOM_ERROR = "OOM command not allowed when used memory > 'maxmemory'.";

const POOL_SIZE = 16;
const LRU_CLOCK_MAX = 0xffffff;

const P_NOEVICTION = 0;
const P_LRU = 1;
const P_LFU = 2;
const P_TTL = 3;
const P_RANDOM = 4;

/** Redis's evictionTimeLimitUs. */
export function evictionTimeLimitUs(tenacity: number): number {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return Math.floor(500 * 1.15 ** (tenacity - 10));
  return Infinity;
}

export class Evictor {
  private readonly srv: Server;
  /** Pool slots, best candidate last: idle score, database, key bytes (slot buffers are reused). */
  private readonly idle = new Float64Array(POOL_SIZE);
  private readonly poolDb = new Int32Array(POOL_SIZE);
  private readonly poolLen = new Int32Array(POOL_SIZE).fill(-1);
  private poolKey: Uint8Array[] = [];
  private nextDb = 0;
  private jobScheduled = false;
  /** The policy, read from maxmemory-policy. */
  private kind = P_NOEVICTION;
  private allKeys = false;
  /** maxmemory as a number (0: off). */
  maxmemory = 0;
  /** Clients disconnected by maxmemory-clients (client-evict.ts; INFO evicted_clients). */
  evictedClients = 0;
  /** The OOM state found before the current command ran (scripts check it: pre_command_oom_state). */
  preCommandOom = false;

  constructor(srv: Server) {
    this.srv = srv;
    for (let i = 0; i < POOL_SIZE; i++) this.poolKey.push(new Uint8Array(255));
    this.configure();
  }

  /** Re-reads maxmemory and maxmemory-policy. */
  configure(): void {
    const cfg = this.srv.config;
    this.maxmemory = cfg.num('maxmemory');
    const p = cfg.str('maxmemory-policy');
    this.allKeys = p.startsWith('allkeys-');
    if (p === 'noeviction') this.kind = P_NOEVICTION;
    else if (p.endsWith('-lru')) this.kind = P_LRU;
    else if (p.endsWith('-lfu')) this.kind = P_LFU;
    else if (p === 'volatile-ttl') this.kind = P_TTL;
    else this.kind = P_RANDOM;
    this.poolLen.fill(-1);
  }

  /** True when an LFU policy is selected (the meta field holds LFU data). */
  get lfu(): boolean {
    return this.kind === P_LFU;
  }

  /**
   * processCommand's OOM rule for cmd (effective flags `flags`): evicts if needed, and says
   * whether the command must be refused. Called only while maxmemory is set.
   */
  refuses(flags: number, inMulti: boolean, name: string, execFlags: number): boolean {
    const oom = this.perform() === EVICT_FAIL;
    this.preCommandOom = oom;
    if (!oom) return false;
    if ((flags & CMD_DENYOOM) !== 0) return true;
    if (name === 'exec') return (execFlags & CMD_DENYOOM) !== 0;
    // Queuing into a transaction takes memory too: refused, except what ends it.
    return inMulti && name !== 'discard' && name !== 'quit' && name !== 'reset';
  }

  /** Redis's performEvictions: EVICT_OK, EVICT_RUNNING or EVICT_FAIL. */
  perform(): number {
    const srv = this.srv;
    const max = this.maxmemory;
    if (max === 0) return EVICT_OK;
    // Paused clients must not see the dataset change (7.0: isPausedActions(PAUSE_ACTION_EVICT)).
    if (srv.expiryPaused()) return EVICT_OK;
    let used = srv.memory.used();
    if (used <= max) return EVICT_OK;
    used = srv.memory.usedNow(); // over: look at fresh counters before deleting anything
    if (used <= max) return EVICT_OK;
    if (this.kind === P_NOEVICTION) return EVICT_FAIL;
    const toFree = used - max;
    const limitUs = evictionTimeLimitUs(srv.config.num('maxmemory-eviction-tenacity'));
    const start = performance.now();
    let freed = 0;
    let keys = 0;
    while (freed < toFree) {
      const got = this.kind === P_RANDOM ? this.evictRandom() : this.evictFromPool();
      if (got < 0) return EVICT_FAIL; // nothing left that the policy may evict
      freed += got;
      keys++;
      if ((keys & 15) === 0 && (performance.now() - start) * 1000 > limitUs) {
        if (srv.memory.used() <= max) return EVICT_OK;
        if (!this.jobScheduled) this.scheduleJob();
        return EVICT_RUNNING;
      }
    }
    return EVICT_OK;
  }

  /** Continues an eviction cut short by the time limit, from the event loop (evictionTimeProc). */
  private scheduleJob(): void {
    this.jobScheduled = true;
    setImmediate(() => {
      this.jobScheduled = false;
      this.perform(); // schedules itself again while it keeps running out of time
    });
  }

  // ---- choosing keys ---------------------------------------------------------------------------

  /** Evicts one key picked at random; returns the bytes freed, or -1 when none can go. */
  private evictRandom(): number {
    const dbs = this.srv.dbs;
    const n = dbs.length;
    for (let i = 0; i < n; i++) {
      this.nextDb = (this.nextDb + 1) % n;
      const db = dbs[this.nextDb];
      const e = this.allKeys ? db.ks.randomEntry() : db.ks.randomExpiring();
      if (e >= 0) return this.evict(db, e, db.keyBytes(e));
    }
    return -1;
  }

  /** Evicts the best pool candidate, refilling the pool first; -1 when no key can go. */
  private evictFromPool(): number {
    const dbs = this.srv.dbs;
    for (;;) {
      let total = 0;
      for (const db of dbs) {
        const n = this.allKeys ? db.count : db.expCount;
        if (n === 0) continue;
        total += n;
        this.populate(db);
      }
      if (total === 0) return -1;
      for (let k = POOL_SIZE - 1; k >= 0; k--) {
        const len = this.poolLen[k];
        if (len < 0) continue;
        this.poolLen[k] = -1;
        const db = dbs[this.poolDb[k]];
        const key = this.poolKey[k].subarray(0, len);
        const e = db.peek(key, 0, len);
        // A key gone since it was sampled (or that lost its TTL, for volatile-*) is skipped.
        if (e < 0 || (!this.allKeys && !db.hasExpire(e))) continue;
        return this.evict(db, e, Buffer.from(key));
      }
    }
  }

  /** evictionPoolPopulate: samples keys of db into the pool. */
  private populate(db: Db): void {
    const ks = db.ks;
    const samples = this.srv.config.num('maxmemory-samples');
    const clock = this.srv.lruClock;
    const decay = this.kind === P_LFU ? this.srv.config.num('lfu-decay-time') : 0;
    const now = Date.now();
    const idle = this.idle;
    const lens = this.poolLen;
    for (let s = 0; s < samples; s++) {
      const e = this.allKeys ? ks.randomEntry() : ks.randomExpiring();
      if (e < 0) return;
      let score: number;
      if (this.kind === P_LRU) {
        const lru = ks.lru(e);
        score = (clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru)) * 1000;
      } else if (this.kind === P_LFU) {
        score = 255 - lfuDecay(ks.lru(e), decay, now);
      } else {
        score = -ks.getExpire(e);
      }
      // The first slot holding a worse (higher) score, or an empty one.
      let k = 0;
      while (k < POOL_SIZE && lens[k] >= 0 && idle[k] < score) k++;
      if (k === 0 && lens[POOL_SIZE - 1] >= 0) continue; // worse than all, and the pool is full
      if (k < POOL_SIZE && lens[k] < 0) {
        // an empty slot: goes there
      } else if (lens[POOL_SIZE - 1] < 0) {
        this.shiftRight(k);
      } else {
        k--;
        this.shiftLeft(k);
      }
      this.store(k, db, e, score);
    }
  }

  /** Moves slots k..14 one to the right (slot 15 is empty); slot k is free then. */
  private shiftRight(k: number): void {
    const keys = this.poolKey;
    const spare = keys[POOL_SIZE - 1];
    for (let i = POOL_SIZE - 1; i > k; i--) {
      this.idle[i] = this.idle[i - 1];
      this.poolDb[i] = this.poolDb[i - 1];
      this.poolLen[i] = this.poolLen[i - 1];
      keys[i] = keys[i - 1];
    }
    keys[k] = spare;
  }

  /** Drops slot 0 and moves slots 1..k one to the left; slot k is free then. */
  private shiftLeft(k: number): void {
    const keys = this.poolKey;
    const spare = keys[0];
    for (let i = 0; i < k; i++) {
      this.idle[i] = this.idle[i + 1];
      this.poolDb[i] = this.poolDb[i + 1];
      this.poolLen[i] = this.poolLen[i + 1];
      keys[i] = keys[i + 1];
    }
    keys[k] = spare;
  }

  private store(k: number, db: Db, e: number, score: number): void {
    const len = db.keyLen(e);
    if (this.poolKey[k].length < len) this.poolKey[k] = new Uint8Array(len);
    const off = db.keyOff(e);
    this.poolKey[k].set(db.arena.u8.subarray(off, off + len));
    this.poolLen[k] = len;
    this.poolDb[k] = db.id;
    this.idle[k] = score;
  }

  // ---- deleting ----------------------------------------------------------------------------------

  /**
   * Deletes entry e (key bytes `key`) of db as an eviction; returns the bytes freed: what the arena
   * got back (exact, as Redis measures zmalloc's counter), or for an object value what it holds
   * (its typed arrays go back at the next GC, or later under lazyfree-lazy-eviction). The key's
   * row in the index arrays is not counted: those arrays keep their capacity.
   */
  private evict(db: Db, e: number, key: Uint8Array): number {
    const srv = this.srv;
    const estimate = db.holdsObject(e) ? keyMemoryUsage(db, e) - ENTRY_BYTES : 0;
    const before = srv.arena.usedBytes;
    db.delete(e, srv.lazyFree.eviction);
    const bytes = Math.max(before - srv.arena.usedBytes, estimate);
    srv.stats.evictedKeys++;
    srv.signalModifiedKey(db, key, 0, key.length);
    srv.notifyKeyspaceEvent(NOTIFY_EVICTED, 'evicted', db, key, 0, key.length);
    if (srv.propagation.active) {
      srv.propagation.beginUnit();
      srv.propagateDeletion(db, key);
      srv.propagation.endUnit();
    }
    return bytes;
  }
}

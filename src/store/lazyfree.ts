/*
 * Lazy free: UNLINK, FLUSHDB/FLUSHALL ASYNC and the lazyfree-lazy-* configs (Redis's lazyfree.c).
 *
 * What a big delete costs here (measured, docs/design-memory.md): not the GC and not dropping
 * typed arrays (V8 releases ArrayBuffer backing stores off the main thread), but walking the
 * value's elements to return each one's block to the arena's free lists: ~20-26 ms for a
 * 1M-element hash, set or sorted set. The arena is one non-shared resizable ArrayBuffer whose
 * free lists the main thread also allocates from, so that walk cannot run on another thread
 * without locking every allocation. Instead a deleted value goes away from the keyspace at once
 * (O(1): the key's own record and entry) and its elements are returned in slices of about 1 ms,
 * one slice per event-loop turn (setImmediate), so commands of other clients run in between.
 *
 * Redis's rule decides what is freed lazily: values whose free effort (elements for a hash table
 * or skiplist, nodes for a list, blocks and groups for a stream) is above LAZYFREE_THRESHOLD (64);
 * smaller ones are freed at once. Values with no arena memory (lists, intsets, streams: JS objects
 * and typed arrays only) are simply dropped for the GC, counted like Redis counts them.
 *
 * Counters: `pending` (lazyfree_pending_objects) and `freed` (lazyfreed_objects), as INFO shows.
 * FLUSHALL clears the whole arena at once (Arena.clear), so it drops the queue (dropAll).
 */
import { ByteDict } from './bytedict.ts';
import { IntSet } from './intset.ts';
import { Keyspace, type StoredObject } from './keyspace.ts';
import { Quicklist } from './quicklist.ts';
import { Skiplist } from './skiplist.ts';
import { Stream } from './stream.ts';

/** Values with a free effort above this are freed in the background (LAZYFREE_THRESHOLD). */
export const LAZYFREE_THRESHOLD = 64;

/** Elements returned to the arena between two clock reads. */
const STEP = 4096;

/** lazyfreeGetFreeEffort: how much work freeing obj is. */
export function freeEffort(obj: unknown): number {
  if (obj instanceof ByteDict) return obj.size;
  if (obj instanceof Skiplist) return obj.size;
  if (obj instanceof Quicklist) return obj.len;
  if (obj instanceof Stream) {
    let effort = obj.lps.length;
    for (const g of obj.groups) effort += 1 + g.pel.size;
    return effort;
  }
  if (obj instanceof IntSet) return 1;
  if (obj instanceof Keyspace) return obj.count;
  return 1;
}

export class LazyFree {
  /** lazyfree-lazy-server-del, -user-del, -expire, -eviction, -user-flush (the server sets them). */
  serverDel = false;
  userDel = false;
  expire = false;
  eviction = false;
  userFlush = false;
  /** lazyfree_pending_objects / lazyfreed_objects. */
  pending = 0;
  freed = 0;
  /** Budget of one slice, ms. */
  sliceMs = 1;
  private queue: unknown[] = [];
  private head = 0;
  private scheduled = false;
  private readonly drainBound = (): void => this.drain();

  /** Objects queued and not yet freed. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /**
   * Takes a value removed from the keyspace: freed now when small (false), else queued (true).
   * `counted` objects also count in lazyfreed_objects once freed.
   */
  free(obj: unknown): boolean {
    if (freeEffort(obj) <= LAZYFREE_THRESHOLD) {
      (obj as StoredObject).free?.();
      return false;
    }
    this.enqueue(obj, 1);
    return true;
  }

  /** Queues a whole detached keyspace (FLUSHDB ASYNC): its keys count as pending objects. */
  freeKeyspace(ks: Keyspace): void {
    this.enqueue(ks, ks.count);
  }

  /** Counts objects Redis would have freed in the background but that needed no work here. */
  countFreed(n: number): void {
    this.freed += n;
  }

  private enqueue(obj: unknown, weight: number): void {
    this.queue.push(obj, weight);
    this.pending += weight;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainBound);
    }
  }

  /** One slice: frees queued values until the budget is spent. */
  drain(): void {
    this.scheduled = false;
    const end = performance.now() + this.sliceMs;
    const q = this.queue;
    while (this.head < q.length) {
      const obj = q[this.head];
      if (!this.step(obj)) {
        if (performance.now() >= end) break;
        continue;
      }
      const weight = q[this.head + 1] as number;
      q[this.head] = undefined;
      this.head += 2;
      this.pending -= weight;
      this.freed += weight;
      if (performance.now() >= end) break;
    }
    if (this.head >= q.length) {
      this.queue = [];
      this.head = 0;
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainBound);
    }
  }

  /** Frees part of obj; true when it is all freed. */
  private step(obj: unknown): boolean {
    if (obj instanceof ByteDict || obj instanceof Skiplist) return obj.freeSome(STEP);
    if (obj instanceof Keyspace) {
      return obj.freeSome(STEP, (o) => {
        if (freeEffort(o) > LAZYFREE_THRESHOLD) this.enqueue(o, 0);
        else (o as StoredObject).free?.();
      });
    }
    (obj as StoredObject).free?.();
    return true;
  }

  /** Frees everything queued now (tests, shutdown). */
  drainAll(): void {
    const ms = this.sliceMs;
    this.sliceMs = Infinity;
    this.drain();
    this.sliceMs = ms;
  }

  /** The arena was cleared (FLUSHALL): queued values hold no memory any more. */
  dropAll(): void {
    this.freed += this.pending;
    this.pending = 0;
    this.queue = [];
    this.head = 0;
  }
}

/*
 * used_memory: what the dataset and the server hold, cheap enough to read before every command
 * when maxmemory is set (docs/design-memory.md has the measurements).
 *
 * Redis counts every zmalloc'd byte. Node has no such counter, so used_memory is the sum of
 *
 *   arena.usedBytes   live blocks of the one keyspace arena: keys, string values, listpacks, the
 *                     records of big hashes/sets and the members of sorted sets. Exact and live:
 *                     it changes on every alloc/free, so eviction sees a write at once;
 *   other             everything V8 holds besides the arena, refreshed from V8's counters (about
 *                     3 µs) by the cron and every REFRESH_EVERY reads:
 *                       external memory minus the arena's committed bytes: the keyspace's index
 *                       arrays, big values' typed arrays (dict entries, skiplist nodes, quicklist
 *                       listpacks, intsets), socket and client buffers. V8 counts an ArrayBuffer
 *                       until the GC frees it, so reply slabs and query buffers already dropped
 *                       show up as short peaks (MBs under a pipelined cache load): the figure used
 *                       is the lowest seen over the last second (ten 100 ms slots), which follows
 *                       any decrease at once and an increase within a second;
 *                       the JS heap's old generation as the last full (mark-compact) GC left
 *                       it: its live size. Reading the heap in between would count garbage that
 *                       the next GC drops (measured: tens of MB swinging under a cache workload),
 *                       and eviction would chase it, emptying a small cache.
 *
 * So reading it is one addition; what lags (by at most a cron period or REFRESH_EVERY reads) is
 * the part that big aggregates and the heap add. The startup figure is the same sum taken when
 * the server was created (code, V8 internals, empty tables), as Redis's used_memory_startup.
 */
import v8 from 'node:v8';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import type { Server } from '../server.ts';

const REFRESH_EVERY = 128;
const SLOTS = 10;
const SLOT_MS = 100;

/** Query and output buffer bytes held for one client. */
export function clientBufferBytes(c: { parser: { bufferCapacity: number }; transport: { pendingBytes: number } | null }): number {
  return c.parser.bufferCapacity + (c.transport?.pendingBytes ?? 0);
}

/** JS heap in use outside the young generation. */
function heapInUse(): number {
  let n = 0;
  for (const s of v8.getHeapSpaceStatistics()) {
    if (s.space_name !== 'new_space' && s.space_name !== 'new_large_object_space') n += s.space_used_size;
  }
  return n;
}

/** Old-generation bytes live after the latest full GC (or at start-up), shared by all servers. */
let liveHeap = heapInUse();
let gcObserver: PerformanceObserver | null = null;

function watchMajorGc(): void {
  if (gcObserver !== null) return;
  gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) liveHeap = heapInUse();
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
}

export class MemoryAccounting {
  private readonly srv: Server;
  /** Everything but the arena's live blocks, as of the last refresh. */
  private other = 0;
  private reads = 0;
  /** Lowest external figure per 100 ms slot, for the last SLOTS slots, and the current slot's. */
  private readonly slotMin = new Float64Array(SLOTS).fill(Infinity);
  private slot = -1;
  /** used_memory_startup. */
  readonly startup: number;
  /** The keyspace's index arrays and all non-arena external memory at startup (parts of `startup`). */
  readonly startupIndexBytes: number;
  readonly startupExternalBytes: number;
  peak = 0;
  /** Parts of `other` at the last refresh (INFO, MEMORY STATS). */
  indexBytes = 0;
  heapBytes = 0;
  externalBytes = 0;
  clientBytes = 0;

  constructor(srv: Server) {
    this.srv = srv;
    watchMajorGc();
    this.refresh();
    this.startup = this.usedNow();
    this.startupIndexBytes = this.indexBytes;
    this.startupExternalBytes = this.externalBytes;
    this.peak = this.startup;
  }

  /** used_memory, with `other` refreshed every REFRESH_EVERY reads. */
  used(): number {
    if (++this.reads >= REFRESH_EVERY) this.refresh();
    return this.srv.arena.usedBytes + this.other;
  }

  /** used_memory as of now (refreshes first). */
  usedNow(): number {
    this.refresh();
    return this.srv.arena.usedBytes + this.other;
  }

  /**
   * What Redis's allocator would hold beyond its start-up: the arena's live blocks and the external
   * memory added since start-up (big values' arrays, grown index arrays, client buffers), without
   * the JS heap's growth (compiled code, script caches). MEMORY DOCTOR's "empty" test.
   */
  dataBytes(): number {
    this.refresh();
    return this.srv.arena.usedBytes + Math.max(0, this.externalBytes - this.startupExternalBytes);
  }

  /** mem_clients_normal: the clients' query and output buffers (O(clients): INFO, MEMORY STATS). */
  clientBuffers(): number {
    let n = 0;
    for (const c of this.srv.clients.values()) n += clientBufferBytes(c);
    this.clientBytes = n;
    return n;
  }

  /** The lowest external figure of the last second, counting `now`. */
  private settled(now: number): number {
    const slot = Math.floor(performance.now() / SLOT_MS);
    const mins = this.slotMin;
    if (slot !== this.slot) {
      // Slots skipped while idle hold no sample: clear them.
      for (let s = this.slot + 1; s <= slot && s <= this.slot + SLOTS; s++) mins[s % SLOTS] = Infinity;
      if (slot - this.slot > SLOTS) mins.fill(Infinity);
      this.slot = slot;
    }
    const i = slot % SLOTS;
    if (now < mins[i]!) mins[i] = now;
    let low = now;
    for (let k = 0; k < SLOTS; k++) if (mins[k]! < low) low = mins[k]!;
    return low;
  }

  /** Re-reads V8's counters (cron, INFO, every REFRESH_EVERY reads). */
  refresh(): void {
    this.reads = 0;
    const srv = this.srv;
    const hs = v8.getHeapStatistics();
    let index = 0;
    for (const db of srv.dbs) index += db.ks.overheadBytes();
    const external = this.settled(Math.max(0, hs.external_memory - srv.arena.capacityBytes));
    this.indexBytes = index;
    this.externalBytes = external;
    this.heapBytes = liveHeap;
    this.other = external + this.heapBytes;
    const used = srv.arena.usedBytes + this.other;
    if (used > this.peak) this.peak = used;
  }
}

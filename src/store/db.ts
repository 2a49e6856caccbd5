/*
 * Db: one database and the one API through which every command reads and writes its keys (the
 * part of Redis's db.c that commands call). A Keyspace (keyspace.ts) is the dict and the bytes;
 * a Db adds what must happen on every access around it:
 *
 *   lookups     lazy expiry (skipped while clients are paused, as 7.0's expireIfNeeded does),
 *               keyspace hit/miss stats, the "keymiss" event, the LRU clock touch;
 *   writes      add (the "new" event), setKey (Redis's setKey/dbOverwrite rule: a key whose
 *               value is replaced keeps its entry's identity and loses its TTL unless asked),
 *               delete, expiry set/remove, value resizes, object and encoding changes;
 *   signals     signalModifiedKey (WATCH, later client tracking), keyspace events,
 *               signalKeyAsReady (blocked clients).
 *
 * Hook points for what builds on the keyspace: every write calls `beforeWrite(db, e)` on the
 * registered WriteHooks first (a fork-less snapshot serialises a key it has not written yet
 * before the key changes; a write lookup counts as a write, since commands edit value bytes in
 * place after it), and `keyAdded(db, e)` after a key is born. Memory accounting needs no hook of
 * its own: every value byte of every encoding lives in the one Arena, whose counters change on
 * each alloc/free.
 *
 * The rule (docs/design-core.md, checked by test/unit/write-path.test.ts): src/commands/ never
 * touches a Keyspace; it holds a Db and calls these methods. Value bytes may be edited in place
 * only on an entry returned by a write lookup (writeArg/lookupWrite) or created by add/setKey in
 * the same command, and an entry id is valid only until the next deletion in the database.
 *
 * The server supplies what a Db reports to (KeyspaceServices): stats, the event publisher, the
 * WATCH table, the blocked-client table and the propagation of expired-key deletions.
 */
import type { Argv } from '../protocol/argv.ts';
import type { Arena } from './arena.ts';
import { NOTIFY_EXPIRED, NOTIFY_KEY_MISS, NOTIFY_NEW } from './events.ts';
import { hashBytes } from './hash.ts';
import { type Keyspace, OBJ_STREAM } from './keyspace.ts';
import type { LazyFree } from './lazyfree.ts';
import { type LfuParams, lfuNewField, lfuTouched } from './lfu.ts';

/** Subscribers to every key write (the snapshot, later memory/eviction bookkeeping). */
export interface WriteHook {
  /** Entry e of db is about to change (value, TTL) or be deleted. */
  beforeWrite?(db: Db, e: number): void;
  /** Entry e of db was just created. */
  keyAdded?(db: Db, e: number): void;
  /** Entry e of db is about to be removed (deleted, expired, evicted); after beforeWrite. */
  keyRemoved?(db: Db, e: number): void;
}

export interface KeyspaceStats {
  keyspaceHits: number;
  keyspaceMisses: number;
  expiredKeys: number;
}

/** What the server provides to the databases (implemented by Server). */
export interface KeyspaceServices {
  readonly stats: KeyspaceStats;
  /** Redis's LRU clock (seconds, 24 bits), stored in each entry's meta on access. */
  readonly lruClock: number;
  /** LFU tuning while an LFU maxmemory policy is selected (the meta field holds LFU data), else null. */
  readonly lfu: LfuParams | null;
  /** Where big deleted values go under UNLINK and the lazyfree-lazy-* configs (lazyfree.ts). */
  readonly lazyFree: LazyFree;
  /** notify-keyspace-events as NOTIFY_* bits; 0 means no event is ever published. */
  readonly notifyFlags: number;
  readonly writeHooks: WriteHook[];
  notifyKeyspaceEvent(type: number, event: string, db: Db, b: Uint8Array, o: number, n: number): void;
  signalModifiedKey(db: Db, b: Uint8Array, o: number, n: number): void;
  signalKeyReady(db: Db, b: Uint8Array, o: number, n: number): void;
  /** True while CLIENT PAUSE holds clients: keys are not expired (7.0's expireIfNeeded). */
  expiryPaused(): boolean;
  /** True while the AOF is replayed at start-up: expired keys stay visible and alive. */
  readonly keysNeverExpire: boolean;
  /** True when someone needs the key of an expired entry (WATCH, events, propagation). */
  wantsExpiredKeys(): boolean;
  /** An expired key was deleted: propagate it as DEL (Redis's propagateDeletion). */
  propagateDeletion(db: Db, key: Uint8Array): void;
}

export class Db {
  readonly id: number;
  /** The dict. Only store/ and server/ use it directly; commands go through the methods below. */
  readonly ks: Keyspace;
  readonly arena: Arena;
  private readonly svc: KeyspaceServices;
  /** Hash of the key most recently looked up (so an insert after a miss need not rehash). */
  lastHash = 0;

  constructor(ks: Keyspace, svc: KeyspaceServices) {
    this.ks = ks;
    this.id = ks.id;
    this.arena = ks.arena;
    this.svc = svc;
  }

  // ---- reading entries (no side effects) ------------------------------------------------------

  get count(): number {
    return this.ks.count;
  }

  /** Keys with a TTL (INFO keyspace, sampling). */
  get expCount(): number {
    return this.ks.expCount;
  }

  /** Entry e's metadata word: type | encoding << 4 | lru << 8 (read only outside store/). */
  metaOf(e: number): number {
    return this.ks.metaOf(e);
  }

  type(e: number): number {
    return this.ks.type(e);
  }

  encoding(e: number): number {
    return this.ks.encoding(e);
  }

  lru(e: number): number {
    return this.ks.lru(e);
  }

  keyOff(e: number): number {
    return this.ks.keyOff(e);
  }

  keyLen(e: number): number {
    return this.ks.keyLen(e);
  }

  keyBytes(e: number): Buffer {
    return this.ks.keyBytes(e);
  }

  valOff(e: number): number {
    return this.ks.valOff(e);
  }

  valLen(e: number): number {
    return this.ks.valLen(e);
  }

  valView(e: number): Uint8Array {
    return this.ks.valView(e);
  }

  valBytes(e: number): Buffer {
    return this.ks.valBytes(e);
  }

  holdsObject(e: number): boolean {
    return this.ks.holdsObject(e);
  }

  getObject(e: number): unknown {
    return this.ks.getObject(e);
  }

  /** Absolute unix-ms expiry of e, or -1. */
  getExpire(e: number): number {
    return this.ks.getExpire(e);
  }

  hasExpire(e: number): boolean {
    return this.ks.expIndex(e) >= 0;
  }

  /** True when entry e's TTL is before `now` (unix ms): one clock read for a whole loop. */
  isExpiredAt(e: number, now: number): boolean {
    const ks = this.ks;
    const x = ks.expIndex(e);
    return x >= 0 && now > ks.expAt[x];
  }

  /** True when entry e has a TTL in the past (Redis: now > when). */
  isExpired(e: number): boolean {
    const ks = this.ks;
    const x = ks.expIndex(e);
    return x >= 0 && Date.now() > ks.expAt[x];
  }

  /** Finds key b[o, o+n) as stored, expired or not: no lazy expiry, stats or touch (WATCH). */
  peek(b: Uint8Array, o: number, n: number): number {
    return this.ks.find(b, o, n, hashBytes(b, o, n));
  }

  randomEntry(): number {
    return this.ks.randomEntry();
  }

  /** SCAN step over the dict (see Keyspace.scan); emit must not modify the database. */
  scan(cursor: number, emit: (e: number) => void): number {
    return this.ks.scan(cursor, emit);
  }

  // ---- lookups ----------------------------------------------------------------------------------

  /** Finds a key, expiring it first if its TTL has passed (expireIfNeeded). Entry id or -1. */
  private findLive(b: Uint8Array, o: number, n: number, h: number): number {
    this.lastHash = h;
    const ks = this.ks;
    const e = ks.find(b, o, n, h);
    if (e < 0) return e;
    const x = ks.expIndex(e);
    if (x >= 0 && Date.now() > ks.expAt[x]) {
      // Replaying the AOF at start-up nothing expires (7.0's keyIsExpired while loading).
      if (this.svc.keysNeverExpire) return e;
      // While clients are paused the key is gone for readers but stays (7.0's expireIfNeeded).
      if (!this.svc.expiryPaused()) this.expireEntry(e);
      return -1;
    }
    return e;
  }

  /** lookupKeyRead's bookkeeping for a found (e >= 0) or missing key. */
  private countRead(e: number, b: Uint8Array, o: number, n: number): number {
    const svc = this.svc;
    if (e < 0) {
      svc.stats.keyspaceMisses++;
      if ((svc.notifyFlags & NOTIFY_KEY_MISS) !== 0) svc.notifyKeyspaceEvent(NOTIFY_KEY_MISS, 'keymiss', this, b, o, n);
      return -1;
    }
    svc.stats.keyspaceHits++;
    if (svc.lfu === null) this.ks.touch(e, svc.lruClock);
    else this.touchLfu(e, svc.lfu);
    return e;
  }

  /** Looks a key up for reading: lazy expiry, keyspace hit/miss stats, LRU touch. */
  lookupRead(b: Uint8Array, o: number, n: number): number {
    return this.countRead(this.findLive(b, o, n, hashBytes(b, o, n)), b, o, n);
  }

  /** Looks a key up for writing: lazy expiry and LRU touch, no stats; announces the write. */
  lookupWrite(b: Uint8Array, o: number, n: number): number {
    return this.foundForWrite(this.findLive(b, o, n, hashBytes(b, o, n)));
  }

  /** Looks up without stats or LRU touch (OBJECT, TYPE-like peeks); still expires lazily. */
  lookupQuiet(b: Uint8Array, o: number, n: number): number {
    return this.findLive(b, o, n, hashBytes(b, o, n));
  }

  /** lookupRead of key argv[i] (with the hash an I/O worker computed for argv[1], if any). */
  readArg(argv: Argv, i: number): number {
    const b = argv.buf;
    const o = argv.off[i];
    const n = argv.len[i];
    return this.countRead(this.findLive(b, o, n, argHash(argv, i)), b, o, n);
  }

  /** lookupWrite of key argv[i]. */
  writeArg(argv: Argv, i: number): number {
    const b = argv.buf;
    const o = argv.off[i];
    const n = argv.len[i];
    return this.foundForWrite(this.findLive(b, o, n, argHash(argv, i)));
  }

  private foundForWrite(e: number): number {
    if (e >= 0) {
      const svc = this.svc;
      if (svc.lfu === null) this.ks.touch(e, svc.lruClock);
      else this.touchLfu(e, svc.lfu);
      if (svc.writeHooks.length !== 0) this.beforeWrite(e);
    }
    return e;
  }

  /** updateLFU: the access counter of e, under an LFU policy. */
  private touchLfu(e: number, p: LfuParams): void {
    const ks = this.ks;
    const m = ks.metaOf(e);
    ks.setMeta(e, (m & 0xff) | (lfuTouched(m >>> 8, p, Date.now()) << 8));
  }

  /** The 24-bit LRU/LFU field of a key created now. */
  private newField(): number {
    const svc = this.svc;
    return svc.lfu === null ? svc.lruClock : lfuNewField(Date.now());
  }

  // ---- writes -------------------------------------------------------------------------------------

  private beforeWrite(e: number): void {
    for (const h of this.svc.writeHooks) h.beforeWrite?.(this, e);
  }

  /**
   * Announces that entry e, found by a read lookup, is about to change: commands that Redis runs
   * on lookupKeyRead but that mutate the value (XREADGROUP, XACK, XCLAIM and XAUTOCLAIM edit a
   * stream's groups) call it so the before-write hooks still see every change.
   */
  willModify(e: number): void {
    this.willWrite(e);
  }

  /** Runs the before-write hooks for e, if any are registered. */
  private willWrite(e: number): void {
    if (this.svc.writeHooks.length !== 0) this.beforeWrite(e);
  }

  /**
   * Adds key b[o, o+n) (known absent; h its hash) with room for vlen value bytes, published as
   * a "new" key (dbAdd). `typeEnc` is type | encoding << 4; the LRU clock is filled in. A key
   * whose value will be a JS object is added as a string (typeEnc 0) and then given its object
   * with setObject, which allocates the object slot and sets the real type.
   */
  add(b: Uint8Array, o: number, n: number, h: number, vlen: number, typeEnc: number): number {
    const svc = this.svc;
    if ((svc.notifyFlags & NOTIFY_NEW) !== 0) svc.notifyKeyspaceEvent(NOTIFY_NEW, 'new', this, b, o, n);
    return this.insert(b, o, n, h, vlen, typeEnc);
  }

  /** add for key argv[i] (known absent). */
  addArg(argv: Argv, i: number, vlen: number, typeEnc: number): number {
    return this.add(argv.buf, argv.off[i], argv.len[i], argHash(argv, i), vlen, typeEnc);
  }

  private insert(b: Uint8Array, o: number, n: number, h: number, vlen: number, typeEnc: number): number {
    const e = this.ks.add(b, o, n, h, vlen, (typeEnc & 0xff) | (this.newField() << 8));
    const hooks = this.svc.writeHooks;
    if (hooks.length !== 0) for (const hk of hooks) hk.keyAdded?.(this, e);
    return e;
  }

  /**
   * Redis's setKey: gives key b[o, o+n) (entry e from a lookup just made, or -1; h its hash) a
   * new value of vlen bytes and type/encoding typeEnc, returning the entry to write it into. A
   * missing key is added ("new" event); an existing one is overwritten (dbOverwrite: no "new"
   * event, whatever the old type) and loses its TTL unless keepTtl. The caller reports the
   * command's own event and signalModifiedKey.
   */
  setKey(e: number, b: Uint8Array, o: number, n: number, h: number, vlen: number, typeEnc: number, keepTtl: boolean): number {
    if (e < 0) return this.add(b, o, n, h, vlen, typeEnc);
    this.willWrite(e);
    const ks = this.ks;
    const ttl = keepTtl ? ks.getExpire(e) : -1;
    if (this.type(e) === OBJ_STREAM) this.signalDeletedStream(e);
    this.removeEntry(e, this.svc.lazyFree.serverDel);
    const ne = this.insert(b, o, n, h, vlen, typeEnc);
    if (ttl >= 0) ks.setExpire(ne, ttl);
    return ne;
  }

  /** setKey for key argv[i] (e from a lookup of it just made). */
  setKeyArg(e: number, argv: Argv, i: number, vlen: number, typeEnc: number, keepTtl: boolean): number {
    return this.setKey(e, argv.buf, argv.off[i], argv.len[i], argHash(argv, i), vlen, typeEnc, keepTtl);
  }

  /**
   * Deletes entry e (dbDelete; with `lazy`, dbAsyncDelete: a big value is freed in slices later,
   * see lazyfree.ts). Ids of other entries may change. The caller reports "del".
   */
  delete(e: number, lazy = false): void {
    this.willWrite(e);
    if (this.type(e) === OBJ_STREAM) this.signalDeletedStream(e);
    this.removeEntry(e, lazy);
  }

  /**
   * Deletes entry e as a side effect of a command (Redis's dbDelete: RENAME/MOVE/COPY replacing
   * their destination, EXPIRE in the past, *STORE of an empty result): lazily when
   * lazyfree-lazy-server-del is on.
   */
  deleteImplicit(e: number): void {
    this.delete(e, this.svc.lazyFree.serverDel);
  }

  /** Removes e from the dict, its object value freed now or handed to the lazy-free queue. */
  private removeEntry(e: number, lazy: boolean): void {
    const ks = this.ks;
    const hooks = this.svc.writeHooks;
    if (hooks.length !== 0) for (const hk of hooks) hk.keyRemoved?.(this, e);
    if (lazy && ks.holdsObject(e)) {
      const obj = ks.getObject(e);
      ks.detachObject(e);
      ks.delete(e);
      if (obj !== undefined) this.svc.lazyFree.free(obj);
      return;
    }
    ks.delete(e);
  }

  /**
   * signalDeletedKeyAsReady: a stream going away (deleted or overwritten) wakes the XREADGROUP
   * clients blocked on it, which then fail as 7.0 has them fail.
   */
  private signalDeletedStream(e: number): void {
    this.svc.signalKeyReady(this, this.arena.u8, this.keyOff(e), this.keyLen(e));
  }

  /**
   * Deletes an expired entry (counts expired_keys), with its "expired" event, WATCH touch and
   * propagated DEL (deleteExpiredKeyAndPropagate).
   */
  expireEntry(e: number): void {
    const svc = this.svc;
    this.willWrite(e);
    const lazy = svc.lazyFree.expire;
    if (!svc.wantsExpiredKeys()) {
      this.removeEntry(e, lazy);
    } else {
      const key = this.ks.keyBytes(e);
      this.removeEntry(e, lazy);
      svc.notifyKeyspaceEvent(NOTIFY_EXPIRED, 'expired', this, key, 0, key.length);
      svc.signalModifiedKey(this, key, 0, key.length);
      svc.propagateDeletion(this, key);
    }
    svc.stats.expiredKeys++;
  }

  /** Sets e's absolute expiry time (unix ms). */
  setExpire(e: number, at: number): void {
    this.willWrite(e);
    this.ks.setExpire(e, at);
  }

  /** Removes e's TTL; false when it had none. */
  persist(e: number): boolean {
    if (this.ks.expIndex(e) < 0) return false;
    this.willWrite(e);
    return this.ks.persist(e);
  }

  /** Sets e's value to the bytes b[o, o+n) (type and encoding unchanged). */
  setValue(e: number, b: Uint8Array, o: number, n: number): void {
    this.willWrite(e);
    this.ks.setValue(e, b, o, n);
  }

  /** Resizes e's value to vlen bytes keeping the first `keep`; returns the value's offset. */
  resizeValue(e: number, vlen: number, keep: number): number {
    this.willWrite(e);
    return this.ks.resizeValue(e, vlen, keep);
  }

  /** Copies listpack lp into e's record. */
  storeListpack(e: number, lp: Uint8Array): void {
    this.willWrite(e);
    this.ks.storeListpack(e, lp);
  }

  /** Makes JS object obj e's value, with type/encoding typeEnc (type | encoding << 4). */
  setObject(e: number, obj: unknown, typeEnc: number): void {
    this.willWrite(e);
    const ks = this.ks;
    ks.setObject(e, obj);
    ks.setMeta(e, (ks.metaOf(e) & ~0xff) | (typeEnc & 0xff));
  }

  /** Sets e's type and encoding (type | encoding << 4), e.g. after rewriting its bytes. */
  setTypeEncoding(e: number, typeEnc: number): void {
    const ks = this.ks;
    ks.setMeta(e, (ks.metaOf(e) & ~0xff) | (typeEnc & 0xff));
  }

  setEncoding(e: number, enc: number): void {
    this.ks.setEncoding(e, enc);
  }

  /**
   * Hands e's value (an object) over to another entry: e forgets it without freeing it, then is
   * deleted by the caller (RENAME, MOVE).
   */
  detachObject(e: number): void {
    this.willWrite(e);
    this.ks.detachObject(e);
  }

  /**
   * Adds key b[o, o+n) (known absent, hash h) for a value that moves here from another entry
   * (RENAME, MOVE): announced as "new" like any dbAdd (Redis fires it before rename_to/move_to),
   * and the full meta word (type, encoding, LRU) is kept.
   */
  adopt(b: Uint8Array, o: number, n: number, h: number, vlen: number, meta: number): number {
    const svc = this.svc;
    if ((svc.notifyFlags & NOTIFY_NEW) !== 0) svc.notifyKeyspaceEvent(NOTIFY_NEW, 'new', this, b, o, n);
    const e = this.ks.add(b, o, n, h, vlen, meta);
    const hooks = this.svc.writeHooks;
    if (hooks.length !== 0) for (const hk of hooks) hk.keyAdded?.(this, e);
    return e;
  }

  /** Copies a full meta word onto entry ne (COPY keeps the encoding; RENAME/MOVE the LRU too). */
  copyMeta(ne: number, meta: number): void {
    this.ks.setMeta(ne, meta);
  }

  // ---- signals ----------------------------------------------------------------------------------

  /** Publishes keyspace event `event` of class `type` for key b[o, o+n). */
  notify(type: number, event: string, b: Uint8Array, o: number, n: number): void {
    if ((this.svc.notifyFlags & type) !== 0) this.svc.notifyKeyspaceEvent(type, event, this, b, o, n);
  }

  notifyArg(type: number, event: string, argv: Argv, i: number): void {
    if ((this.svc.notifyFlags & type) !== 0) this.svc.notifyKeyspaceEvent(type, event, this, argv.buf, argv.off[i], argv.len[i]);
  }

  /** signalModifiedKey: WATCHers of b[o, o+n) lose (later: tracking invalidation). */
  signalModified(b: Uint8Array, o: number, n: number): void {
    this.svc.signalModifiedKey(this, b, o, n);
  }

  /** The usual pair after a command changed key argv[i]: signalModifiedKey, then the event. */
  changed(argv: Argv, i: number, type: number, event: string): void {
    const b = argv.buf;
    const o = argv.off[i];
    const n = argv.len[i];
    this.svc.signalModifiedKey(this, b, o, n);
    if ((this.svc.notifyFlags & type) !== 0) this.svc.notifyKeyspaceEvent(type, event, this, b, o, n);
  }

  /** signalKeyAsReady: clients blocked on b[o, o+n) look again after this command. */
  signalReady(b: Uint8Array, o: number, n: number): void {
    this.svc.signalKeyReady(this, b, o, n);
  }
}

/** Hash of key argv[i]: the one an I/O worker computed for argv[1], if any, else computed. */
function argHash(argv: Argv, i: number): number {
  return i === 1 && argv.keyHashed ? argv.keyHash : hashBytes(argv.buf, argv.off[i], argv.len[i]);
}

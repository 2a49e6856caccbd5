/*
 * The fork-less snapshot (BGSAVE, and what AOF rewrite and replication build on): an RDB file of
 * the dataset exactly as it was when startSnapshot was called, serialised in event-loop slices
 * while commands keep running.
 *
 * The cut. At the start every database with keys gets a DbCut: one byte per entry id (1 = not
 * written yet) for the ids that exist now. Entries added later have no mark, so they are never
 * written. The main loop walks each cut's ids upwards, writing marked entries and clearing their
 * marks. Before anything changes a marked entry, it is written first, with its old value:
 *   - every Db write (write lookups, setKey, setExpire, setValue, delete, expiry...) calls the
 *     WriteHook beforeWrite(db, e) first (store/db.ts);
 *   - Keyspace.delete tells the cut before an entry goes (covers paths that bypass Db), and
 *     before the last entry moves into the freed id (ids are dense: a marked entry moving below
 *     the walk's cursor is written right then, so the walk never misses it);
 *   - the cut travels with the contents (Keyspace.swapWith moves it), so SWAPDB keeps writing
 *     each key under the database it was in at the start;
 *   - FLUSHDB / FLUSHALL (Server.flushWatchers) hand the contents still holding marks to the
 *     snapshot (a detached Keyspace, swapped out in O(1)), which writes the rest from there and
 *     frees them after. A BGSAVE aborts on FLUSHALL instead, as 7.0 kills its child.
 * The walk is by entry id, not by bucket, so incremental rehashing of the ChainedTable, which
 * moves chains between tables but never changes ids, cannot make it miss or repeat a key.
 *
 * Bounded memory: the marks (1 byte per key at the start) and one output chunk; a key the hooks
 * write goes straight into the chunk. Slices run for `sliceMs` (default 2 ms) and yield with
 * setImmediate, so a PING waits at most about one slice (plus one big value, written whole).
 * One snapshot runs at a time (as Redis runs one child).
 */
import type { Db, WriteHook } from '../store/db.ts';
import { Keyspace, type KeyspaceCut } from '../store/keyspace.ts';
import type { FlushWatcher, Server } from '../server/server.ts';
import { scriptingOf } from '../server/commands/scripting.ts';
import { functionsOf } from '../scripting/functions.ts';
import { REDIS_VERSION } from '../server/server.ts';
import { RdbChunker, setKeyMeta } from './rdb-writer.ts';

export interface SnapshotInfo {
  keys: number;
  bytes: number;
  /** Keys the write hooks wrote before they changed (the rest came from the walk). */
  hookWrites: number;
  ms: number;
}

/** Receives the file's bytes in order; exactly one of end/fail is called at the end. */
export interface SnapshotSink {
  /** Next bytes of the file (only valid during the call). Throwing fails the snapshot. */
  write(chunk: Uint8Array): void;
  /** Bytes accepted but not on disk yet: above 8 MiB the walk pauses (backpressure). */
  backlog?(): number;
  end(info: SnapshotInfo): void;
  fail(err: Error): void;
}

export interface SnapshotOptions {
  /** AUX aof-base 1 (an AOF's RDB preamble). */
  aofBase?: boolean;
  /** More AUX fields after the standard ones (replication's repl-stream-db, repl-id, repl-offset). */
  aux?: readonly (readonly [string, string | number])[];
  /** Abort on FLUSHALL, as 7.0 kills a BGSAVE child (default true); false keeps writing. */
  abortOnFlushAll?: boolean;
  sliceMs?: number;
  /** Serialises in another format (the AOF's command-form base); default: the RDB writer. */
  writer?: (write: (chunk: Uint8Array) => void) => SnapshotWriter;
}

/** What a snapshot writes through (RdbChunker's methods). */
export interface SnapshotWriter {
  header(aux: readonly (readonly [string, string | number])[], functions: readonly Uint8Array[]): void;
  selectDb(id: number, size?: number, expires?: number): void;
  /** Key e of ks, under database db (which may differ from the last selectDb). */
  keyValue(db: number, ks: Keyspace, e: number): void;
  flush(force?: boolean): void;
  finish(): void;
  readonly written: number;
}

export interface Snapshot {
  abort(): void;
  readonly done: boolean;
  /** Keys written so far and keys at the start (INFO current_save_keys_*). */
  readonly keysWritten: number;
  readonly keysTotal: number;
}

const BACKLOG_MAX = 8 << 20;

/** The failure a deliberate abort (abort(), FLUSHALL) reports: not an I/O error. */
export class SnapshotAborted extends Error {}

let running: SnapshotRun | null = null;

/** The snapshot in progress, if any. */
export function activeSnapshot(): Snapshot | null {
  return running;
}

class DbCut implements KeyspaceCut {
  readonly run: SnapshotRun;
  /** Database index the keys are written under (where they were at the start). */
  readonly db: number;
  readonly marks: Uint8Array;
  readonly startCount: number;
  readonly startExpires: number;
  cursor = 0;

  constructor(run: SnapshotRun, db: number, ks: Keyspace) {
    this.run = run;
    this.db = db;
    this.startCount = ks.count;
    this.startExpires = ks.expCount;
    this.marks = new Uint8Array(ks.count).fill(1);
  }

  /**
   * Writes entry e of ks now if it still holds its value of the start. Never throws: it runs
   * inside Keyspace.delete and commands; a failing sink fails the snapshot after the command.
   */
  write(ks: Keyspace, e: number): void {
    if (e < this.marks.length && this.marks[e] === 1) {
      this.marks[e] = 0;
      if (this.run.done) return;
      try {
        this.run.out.keyValue(this.db, ks, e);
        this.run.written++;
      } catch (err) {
        this.run.deferFail(err as Error);
      }
    }
  }

  deleting(ks: Keyspace, e: number): void {
    if (e < this.marks.length && this.marks[e] === 1) {
      this.run.hookWrites++;
      this.write(ks, e);
    }
  }

  moving(ks: Keyspace, from: number, to: number): void {
    const m = this.marks;
    if (from >= m.length || m[from] === 0) {
      if (to < m.length) m[to] = 0;
      return;
    }
    if (to < this.cursor) {
      // The walk is past `to`: write the entry before it moves there.
      this.run.hookWrites++;
      this.write(ks, from);
      m[to] = 0;
      return;
    }
    if (to < m.length) m[to] = 1;
    m[from] = 0;
  }

  /** True when no id at or above the cursor can still be marked. */
  get walked(): boolean {
    return this.cursor >= this.marks.length;
  }
}

class SnapshotRun implements Snapshot, WriteHook, FlushWatcher {
  readonly srv: Server;
  readonly sink: SnapshotSink;
  readonly out: SnapshotWriter;
  readonly cuts: DbCut[] = [];
  /** Keyspaces FLUSHDB/FLUSHALL handed over (contents still being written). */
  readonly detached: Keyspace[] = [];
  readonly opts: SnapshotOptions;
  readonly started = Date.now();
  done = false;
  written = 0;
  hookWrites = 0;
  keysTotal = 0;
  private cutIdx = 0;
  private sectionStarted = -1;
  private timer: NodeJS.Immediate | null = null;
  private slowTimer: NodeJS.Timeout | null = null;

  constructor(srv: Server, sink: SnapshotSink, opts: SnapshotOptions) {
    this.srv = srv;
    this.sink = sink;
    this.opts = opts;
    const cfg = srv.config;
    const write = (chunk: Uint8Array): void => this.sink.write(chunk);
    if (opts.writer !== undefined) this.out = opts.writer(write);
    else {
      const rdb = new RdbChunker(write, cfg.bool('rdbcompression'), cfg.bool('rdbchecksum'));
      setKeyMeta(rdb, srv);
      this.out = rdb;
    }
    this.keyDelayUs = Math.max(0, cfg.num('rdb-key-save-delay'));
  }

  get keysWritten(): number {
    return this.written;
  }

  start(): void {
    const srv = this.srv;
    this.out.header([...rdbAuxFields(srv, this.opts.aofBase === true), ...(this.opts.aux ?? [])], functionCodes(srv));
    for (const db of srv.dbs) {
      if (db.count === 0) continue;
      const cut = new DbCut(this, db.id, db.ks);
      db.ks.snap = cut;
      this.cuts.push(cut);
      this.keysTotal += cut.startCount;
    }
    srv.writeHooks.push(this);
    srv.flushWatchers.push(this);
    running = this;
    this.schedule();
  }

  /** rdb-key-save-delay (µs per key, tests): slices then write fewer keys, 1 ms apart. */
  private readonly keyDelayUs: number;

  private schedule(): void {
    if (this.keyDelayUs > 0) this.slowTimer = setTimeout(() => this.slice(), 1);
    else this.timer = setImmediate(() => this.slice());
  }

  /** The keyspace currently holding cut's contents (a database, or a detached one), or null. */
  private holder(cut: DbCut): Keyspace | null {
    for (const db of this.srv.dbs) if (db.ks.snap === cut) return db.ks;
    for (const ks of this.detached) if (ks.snap === cut) return ks;
    return null;
  }

  private slice(): void {
    this.timer = null;
    this.slowTimer = null;
    if (this.done) return;
    if ((this.sink.backlog?.() ?? 0) > BACKLOG_MAX) {
      // The sink is behind (a slow disk): wait for it instead of buffering the dataset.
      this.slowTimer = setTimeout(() => this.slice(), 1);
      return;
    }
    try {
      const deadline = performance.now() + (this.opts.sliceMs ?? 2);
      let n = 0;
      // With rdb-key-save-delay each key costs that many µs of the slice's budget.
      const maxKeys = this.keyDelayUs > 0 ? Math.max(1, Math.floor(((this.opts.sliceMs ?? 2) * 1000) / this.keyDelayUs)) : Number.POSITIVE_INFINITY;
      while (this.cutIdx < this.cuts.length) {
        const cut = this.cuts[this.cutIdx];
        const ks = this.holder(cut);
        if (ks === null || cut.walked) {
          this.cutIdx++;
          continue;
        }
        if (this.sectionStarted !== this.cutIdx) {
          this.out.selectDb(cut.db, cut.startCount, cut.startExpires);
          this.sectionStarted = this.cutIdx;
        }
        const end = Math.min(cut.marks.length, ks.count);
        while (cut.cursor < end) {
          cut.write(ks, cut.cursor++);
          if (++n >= maxKeys || ((n & 63) === 0 && performance.now() > deadline)) break;
        }
        if (cut.cursor >= end) cut.cursor = cut.marks.length;
        this.out.flush();
        if (n >= maxKeys || performance.now() > deadline) {
          this.schedule();
          return;
        }
      }
      this.finish();
    } catch (e) {
      this.failWith(e as Error);
    }
  }

  private finish(): void {
    this.out.finish();
    const info: SnapshotInfo = { keys: this.written, bytes: this.out.written, hookWrites: this.hookWrites, ms: Date.now() - this.started };
    this.release();
    this.sink.end(info);
  }

  private failWith(err: Error): void {
    if (this.done) return;
    this.release();
    this.sink.fail(err);
  }

  /** Detaches every hook and frees handed-over contents. */
  private release(): void {
    this.done = true;
    if (this.slowTimer !== null) clearTimeout(this.slowTimer);
    if (this.timer !== null) clearImmediate(this.timer);
    this.timer = null;
    this.slowTimer = null;
    const srv = this.srv;
    for (const db of srv.dbs) if (db.ks.snap !== null && this.cuts.includes(db.ks.snap as DbCut)) db.ks.snap = null;
    for (const ks of this.detached) {
      ks.snap = null;
      ks.clear(false);
    }
    this.detached.length = 0;
    const i = srv.writeHooks.indexOf(this);
    if (i >= 0) srv.writeHooks.splice(i, 1);
    const j = srv.flushWatchers.indexOf(this);
    if (j >= 0) srv.flushWatchers.splice(j, 1);
    if (running === this) running = null;
  }

  abort(): void {
    this.failWith(new SnapshotAborted('Snapshot aborted'));
  }

  /** A write failed inside a command or a delete: the snapshot fails once that is over. */
  deferFail(err: Error): void {
    if (this.done) return;
    this.done = true;
    setImmediate(() => {
      this.done = false;
      this.failWith(err);
    });
  }

  // ---- WriteHook ----

  beforeWrite(db: Db, e: number): void {
    const cut = db.ks.snap;
    if (cut === null || (cut as DbCut).run !== this) return;
    const c = cut as DbCut;
    if (e < c.marks.length && c.marks[e] === 1) {
      this.hookWrites++;
      c.write(db.ks, e);
    }
  }

  // ---- FlushWatcher ----

  /** Moves db's contents, if they still hold unwritten keys, to a keyspace of our own. */
  private takeOver(db: Db): boolean {
    const cut = db.ks.snap as DbCut | null;
    if (cut === null || cut.run !== this || cut.walked) {
      if (cut !== null && cut.run === this) db.ks.snap = null;
      return false;
    }
    const held = new Keyspace(db.id, this.srv.arena);
    db.ks.swapWith(held);
    this.detached.push(held);
    return true;
  }

  beforeFlushDb(db: Db): void {
    this.takeOver(db);
  }

  beforeFlushAll(): boolean {
    if (this.opts.abortOnFlushAll !== false) {
      this.srv.log.warning('Background saving terminated by the FLUSHALL in progress');
      this.failWith(new SnapshotAborted('Background saving terminated by FLUSHALL'));
      return false;
    }
    let kept = false;
    for (const db of this.srv.dbs) if (this.takeOver(db)) kept = true;
    return kept;
  }
}

/** The AUX fields 7.0 writes (rdbSaveInfoAuxFields without replication info). */
export function rdbAuxFields(srv: Server, aofBase: boolean): [string, string | number][] {
  return [
    ['redis-ver', REDIS_VERSION],
    ['redis-bits', 64],
    ['ctime', Math.floor(Date.now() / 1000)],
    ['used-mem', srv.arena.usedBytes],
    ['aof-base', aofBase ? 1 : 0],
  ];
}

/** Every function library's code, for FUNCTION2 records. */
export function functionCodes(srv: Server): Uint8Array[] {
  const engine = scriptingOf(srv).engine;
  if (engine === null) return [];
  return [...functionsOf(engine).libs.values()].map((l) => l.code);
}

/**
 * Starts a point-in-time snapshot of srv's dataset; its RDB bytes go to sink. Throws when one is
 * already running.
 */
export function startSnapshot(srv: Server, sink: SnapshotSink, opts: SnapshotOptions = {}): Snapshot {
  if (running !== null) throw new Error('A snapshot is already in progress');
  const run = new SnapshotRun(srv, sink, opts);
  run.start();
  return run;
}

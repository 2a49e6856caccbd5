/*
 * The append-only file: Redis 7.0's multi-part AOF (appenddirname/ with a base file, incremental
 * files and the manifest, aof-manifest.ts), fed by the propagation slot of call().
 *
 * Writing. The propagation consumer (feed) appends each execution unit's ops to `pending` as
 * RESP, with a SELECT when the database differs from the last one written to the current incr
 * file and a "#TS:<unix>" line when aof-timestamp-enabled and the second changed, as
 * feedAppendOnlyFile does. The bytes reach the file before any reply goes out: Server.flush runs
 * srv.beforeReplies (set only while the AOF is on), which writes `pending` with one write(2).
 * With appendfsync always, Server.flush also hands the replies to srv.replyHold while anything
 * written is not fsynced: one fsync at the end of the event loop turn sends them all (group
 * commit, as Redis's beforeSleep), so an acknowledged write is on disk. Writes made outside a
 * client batch (active expiry) are written from that same setImmediate. everysec fsyncs from a
 * one-second timer on the libuv pool (Redis's bio thread); no fsyncs with `no`.
 *
 * Rewriting (BGREWRITEAOF, auto-aof-rewrite-*, CONFIG SET appendonly yes) follows 7.0: a new
 * incr file is opened and added to the manifest at the start (writes from then on go there), a
 * base holding the dataset of that instant is written to temp-rewriteaof-bg-<pid>.aof and renamed
 * to <appendfilename>.<seq>.base.rdb|aof, the old base and incr files become history in the
 * manifest and are deleted. The base is written by the fork-less point-in-time snapshot
 * (snapshot.ts) in event-loop slices: an RDB with aof-use-rdb-preamble (the default), else the
 * dataset as commands (aof-base.ts, aof-base-file.ts).
 *
 * Loading is aof-loader.ts; BGREWRITEAOF and DEBUG LOADAOF are aof-commands.ts. State hangs off
 * the Server in a WeakMap (aofOf).
 */
import { closeSync, existsSync, fsync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { PropagatedOp } from '../server/propagation.ts';
import type { Client } from '../server/client.ts';
import type { Server, ShutdownHow } from '../server/server.ts';
import { writeSelect } from './aof-base.ts';
import { startBase, writeCommandBaseFile, writeRdbBaseFile } from './aof-base-file.ts';
import { strerror } from './aof-info.ts';
import {
  type AofManifest, baseFileName, cloneManifest, emptyManifest, incrFileName, persistManifest, readManifestFile,
} from './aof-manifest.ts';
import { RespBuf } from './aof-resp.ts';
import { rdbState } from './rdb-save.ts';
import { type Snapshot, activeSnapshot } from './snapshot.ts';
import { updateGate } from '../server/commands/persistence.ts';

type AofStatus = 'off' | 'on' | 'wait_rewrite';
type FsyncPolicy = 'always' | 'everysec' | 'no';

/** A rewrite under way: where its base goes, and (enabling at runtime) its temp incr file. */
interface Rewrite {
  startMs: number;
  tmpBase: string;
  tmpIncr: string | null;
  /** The RDB base's snapshot while it runs (aof-use-rdb-preamble yes). */
  snapshot: Snapshot | null;
}

/** Whether a BGSAVE (or another snapshot) runs now: BGREWRITEAOF is then scheduled. */
export function otherBackgroundSave(srv: Server): boolean {
  return activeSnapshot() !== null || rdbState(srv).bgsave !== null;
}

export class AofState {
  readonly srv: Server;
  status: AofStatus = 'off';
  manifest: AofManifest = emptyManifest();
  /** True once loadAppendOnly (or startAppendOnly) read the manifest from disk. */
  manifestLoaded = false;
  /** The file being appended to (the last incr file, or the temp incr while enabling), or -1. */
  fd = -1;
  selectedDb = -1;
  readonly pending = new RespBuf();
  lastTs = 0;
  policy: FsyncPolicy = 'everysec';
  /** Bytes were written since the last fsync. */
  unsynced = false;
  fsyncInFlight = false;
  private timer: NodeJS.Timeout | null = null;
  currentSize = 0;
  baseSize = 0;
  /** aof_rewrite_base_size: the size after the last rewrite (auto-aof-rewrite-percentage). */
  rewriteBaseSize = 0;
  rewrite: Rewrite | null = null;
  rewriteScheduled = false;
  lastRewriteTimeSec = -1;
  lastBgrewriteStatus: 'ok' | 'err' = 'ok';
  rewrites = 0;
  consecutiveFailures = 0;
  lastWriteStatus: 'ok' | 'err' = 'ok';
  /** strerror text of the last failed write or fsync (the -MISCONF reply names it). */
  lastWriteError = '';
  private hooksInstalled = false;
  readonly consumer = (ops: readonly PropagatedOp[]): void => this.feed(ops);
  readonly beforeReplies = (): void => {
    if (this.pending.len > 0) this.writePending();
  };
  /**
   * appendfsync always, group commit: replies wait (in order) while anything written is not
   * fsynced yet; one fsync at the end of the event loop turn (commit) then sends them all, as
   * Redis's beforeSleep fsyncs once before writing every client's replies.
   */
  readonly replyHold = (c: Client, out: Uint8Array): boolean => {
    if (!this.unsynced && this.held.length === 0) return false;
    if (c.closeAfterReply) {
      // The connection closes right after this reply: sync and send now.
      this.commit();
      return false;
    }
    this.held.push(c, out);
    this.scheduleCommit();
    return true;
  };
  /** Replies held for the fsync: client, bytes, client, bytes... */
  private held: (Client | Uint8Array)[] = [];
  private commitScheduled = false;
  private readonly commitNow = (): void => this.commit();

  constructor(srv: Server) {
    this.srv = srv;
  }

  /** appenddirname resolved when the AOF (or a rewrite) started: CONFIG SET dir later moves the
   * process's working directory, not the open AOF. */
  private dirCache = '';

  get dir(): string {
    if (this.dirCache === '' || (this.status === 'off' && this.rewrite === null)) {
      this.dirCache = path.resolve(this.srv.config.str('appenddirname'));
    }
    return this.dirCache;
  }

  get fileName(): string {
    return this.srv.config.str('appendfilename');
  }

  // ---- feeding and writing -------------------------------------------------------------------

  private feed(ops: readonly PropagatedOp[]): void {
    const out = this.pending;
    if (this.srv.config.bool('aof-timestamp-enabled')) this.timestamp(out);
    for (const op of ops) {
      if (op.db !== -1 && op.db !== this.selectedDb) {
        writeSelect(out, op.db);
        this.selectedDb = op.db;
      }
      out.op(op);
    }
    this.scheduleCommit();
  }

  private scheduleCommit(): void {
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    setImmediate(this.commitNow);
  }

  /**
   * End of an event loop turn: writes what is pending (ops from outside a client batch, such as
   * active expiry), fsyncs with appendfsync always, and sends the replies held for it.
   */
  private commit(): void {
    this.commitScheduled = false;
    if (this.pending.len > 0) this.writePending();
    if (this.policy === 'always' && this.unsynced && this.fd >= 0) {
      try {
        fsyncSync(this.fd);
      } catch (e) {
        this.writeFailed(e as NodeJS.ErrnoException, 0);
        return;
      }
      this.unsynced = false;
    }
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    for (let i = 0; i < held.length; i += 2) this.srv.sendReply(held[i] as Client, held[i + 1] as Uint8Array);
  }

  /** "#TS:<unix seconds>" when the second changed since the last one written. */
  timestamp(out: RespBuf): void {
    const sec = Math.floor(Date.now() / 1000);
    if (sec !== this.lastTs) {
      out.text(`#TS:${sec}\r\n`);
      this.lastTs = sec;
    }
  }

  /** Writes `pending` to the current file (one write(2); the fsync is commit's or the timer's). */
  writePending(): void {
    const out = this.pending;
    if (out.len === 0 || this.fd < 0) return;
    const bytes = out.view();
    let off = 0;
    try {
      while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    } catch (e) {
      this.writeFailed(e as NodeJS.ErrnoException, off);
      return;
    }
    if (this.lastWriteStatus === 'err') {
      this.srv.log.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteStatus = 'ok';
      updateGate(this.srv);
    }
    this.currentSize += bytes.length;
    out.reset();
    this.unsynced = true;
  }

  private writeFailed(e: NodeJS.ErrnoException, written: number): void {
    const log = this.srv.log;
    if (this.policy === 'always') {
      log.warning(`Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...`);
      this.srv.onExit(1);
      return;
    }
    this.lastWriteError = strerror(e);
    if (this.lastWriteStatus === 'ok') log.warning(`Error writing to the AOF file: ${this.lastWriteError}`);
    this.lastWriteStatus = 'err';
    // Writes are refused with -MISCONF until a write succeeds again (retried every second).
    updateGate(this.srv);
    // Keep what was not written for the next try (Redis trims the written prefix the same way).
    if (written > 0) {
      const rest = Buffer.from(this.pending.view().subarray(written));
      this.pending.reset();
      this.pending.ensure(rest.length);
      this.pending.buf.set(rest, 0);
      this.pending.len = rest.length;
      this.currentSize += written;
    }
  }

  /** everysec: one fsync a second on the libuv pool, never two at once. */
  private tick(): void {
    if (this.srv.shuttingDown) {
      this.stopTimer();
      return;
    }
    if (this.status !== 'off' && this.policy === 'everysec' && this.unsynced && !this.fsyncInFlight && this.fd >= 0) {
      this.unsynced = false;
      this.fsyncInFlight = true;
      const fd = this.fd;
      fsync(fd, (err) => {
        this.fsyncInFlight = false;
        if (err !== null && fd === this.fd) {
          this.lastWriteError = strerror(err);
          this.srv.log.warning(`Error syncing the AOF file: ${this.lastWriteError}`);
          this.lastWriteStatus = 'err';
          this.unsynced = true;
          updateGate(this.srv);
        }
      });
    }
    if (this.lastWriteStatus === 'err' && this.status !== 'off') this.retryAfterError();
    if (this.rewrite === null && (this.status !== 'off' || this.rewriteScheduled)) this.maybeRewrite();
  }

  /** After a failed write or fsync: write what is pending (and fsync) to see if it works again. */
  private retryAfterError(): void {
    if (this.pending.len > 0) {
      this.writePending();
      return;
    }
    try {
      fsyncSync(this.fd);
    } catch (e) {
      this.lastWriteError = strerror(e as NodeJS.ErrnoException);
      return;
    }
    this.srv.log.warning('AOF write error looks solved, Redis can write again.');
    this.lastWriteStatus = 'ok';
    this.unsynced = false;
    updateGate(this.srv);
  }

  /** Starts a scheduled rewrite, or one auto-aof-rewrite-percentage asks for. */
  private maybeRewrite(): void {
    if (otherBackgroundSave(this.srv)) return;
    if (this.rewriteScheduled || this.status === 'wait_rewrite') {
      this.startRewrite();
      return;
    }
    const pct = this.srv.config.num('auto-aof-rewrite-percentage');
    const min = this.srv.config.num('auto-aof-rewrite-min-size');
    if (pct > 0 && this.status === 'on' && this.currentSize > min) {
      const base = this.rewriteBaseSize > 0 ? this.rewriteBaseSize : 1;
      const growth = Math.floor(((this.currentSize * 100) / base) - 100);
      if (growth >= pct) {
        this.srv.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
        this.startRewrite();
      }
    }
  }

  /** The timer that starts a scheduled rewrite (also with the AOF off). */
  ensureTimer(): void {
    this.startTimer();
  }

  private startTimer(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Writes what is pending and fsyncs the current file (shutdown, switching files). */
  flushAndSync(): void {
    this.writePending();
    if (this.fd >= 0) {
      try {
        fsyncSync(this.fd);
      } catch {
        // reported by the next write
      }
    }
    this.unsynced = false;
    this.commit();
  }

  // ---- on and off ------------------------------------------------------------------------------

  private attached = false;

  /** Starts receiving propagated ops (idempotent). */
  private attach(): void {
    const srv = this.srv;
    if (!this.attached) srv.propagation.addConsumer(this.consumer);
    this.attached = true;
    srv.beforeReplies = this.beforeReplies;
    srv.replyHold = this.policy === 'always' ? this.replyHold : null;
    this.startTimer();
  }

  private detach(): void {
    const srv = this.srv;
    if (this.attached) srv.propagation.removeConsumer(this.consumer);
    this.attached = false;
    if (srv.beforeReplies === this.beforeReplies) srv.beforeReplies = null;
    if (srv.replyHold === this.replyHold) srv.replyHold = null;
    this.commit();
  }

  installHooks(): void {
    if (this.hooksInstalled) return;
    this.hooksInstalled = true;
    const cfg = this.srv.config;
    this.policy = cfg.str('appendfsync') as FsyncPolicy;
    cfg.onChange('appendfsync', () => {
      this.policy = cfg.str('appendfsync') as FsyncPolicy;
      if (this.status === 'off') return;
      this.flushAndSync();
      this.srv.replyHold = this.policy === 'always' ? this.replyHold : null;
    });
    cfg.onChange('appendonly', () => {
      const want = cfg.bool('appendonly');
      if (want && this.status === 'off') return this.startRuntime();
      if (!want && this.status !== 'off') this.stop();
      return null;
    });
  }

  /** Opens (or creates) the files at start-up, after loading (aofOpenIfNeededOnServerStart). */
  openOnStart(): void {
    const log = this.srv.log;
    const dir = this.dir;
    mkdirSync(dir, { recursive: true });
    const m = this.manifest;
    let changed = false;
    if (m.base === null && m.incrs.length === 0) {
      // The dataset is empty here unless something else loaded it: the base is written at once.
      const rdb = this.useRdbPreamble();
      const name = baseFileName(this.fileName, 1, rdb);
      log.notice(`Creating AOF base file ${name} on server start`);
      if (rdb) writeRdbBaseFile(this.srv, path.join(dir, name));
      else writeCommandBaseFile(this.srv, path.join(dir, name));
      m.base = { name, seq: 1, type: 'b' };
      m.currBaseSeq = 1;
      this.baseSize = statSync(path.join(dir, name)).size;
      changed = true;
    }
    const last = m.incrs[m.incrs.length - 1];
    if (last !== undefined && existsSync(path.join(dir, last.name))) {
      log.notice(`Opening AOF incr file ${last.name} on server start`);
      this.fd = openSync(path.join(dir, last.name), 'a');
    } else {
      const seq = last === undefined ? m.currIncrSeq + 1 : last.seq;
      const name = incrFileName(this.fileName, seq);
      log.notice(`Creating AOF incr file ${name} on server start`);
      this.fd = openSync(path.join(dir, name), 'a');
      if (last === undefined) {
        m.incrs.push({ name, seq, type: 'i' });
        m.currIncrSeq = seq;
      }
      changed = true;
    }
    if (changed) persistManifest(dir, this.fileName, m);
    this.computeSizes();
    this.rewriteBaseSize = this.currentSize;
    this.selectedDb = -1;
    this.status = 'on';
    this.attach();
  }

  private computeSizes(): void {
    const dir = this.dir;
    const m = this.manifest;
    const size = (name: string): number => {
      try {
        return statSync(path.join(dir, name)).size;
      } catch {
        return 0;
      }
    };
    this.baseSize = m.base === null ? 0 : size(m.base.name);
    let total = this.baseSize;
    for (const f of m.incrs) total += size(f.name);
    this.currentSize = total;
  }

  /** CONFIG SET appendonly yes: writes go to a temp incr file until the first rewrite is done. */
  private startRuntime(): string | null {
    const log = this.srv.log;
    try {
      mkdirSync(this.dir, { recursive: true });
      if (!this.manifestLoaded) this.manifest = loadManifestIfAny(this) ?? emptyManifest();
      this.manifestLoaded = true;
    } catch (e) {
      log.warning(`Redis needs to enable the AOF but can't create the AOF directory: ${(e as Error).message}`);
      return 'Failed to create AOF directory';
    }
    this.status = 'wait_rewrite';
    this.attach();
    if (otherBackgroundSave(this.srv)) {
      // Started by the timer once the BGSAVE is done; writes go to the temp incr file then.
      log.warning('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
      this.rewriteScheduled = true;
      this.startTimer();
      return null;
    }
    const err = this.startRewrite();
    if (err !== null && !this.rewriteScheduled) {
      this.status = 'off';
      this.detach();
      log.warning('Redis needs to enable the AOF but can\'t trigger a background AOF rewrite operation. Check the above logs for more info about the error.');
      return 'Failed to start AOF';
    }
    this.startTimer();
    return null;
  }

  /** CONFIG SET appendonly no (stopAppendOnly): last write and fsync, file closed. */
  stop(): void {
    this.flushAndSync();
    this.detach();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.rewrite !== null) {
      this.srv.log.notice('Killing running AOF rewrite child');
      this.abortRewrite();
    }
    this.status = 'off';
    this.rewriteScheduled = false;
    this.stopTimer();
  }

  useRdbPreamble(): boolean {
    return this.srv.config.bool('aof-use-rdb-preamble');
  }

  // ---- rewriting -------------------------------------------------------------------------------

  /** BGREWRITEAOF: null when started, else the error text. */
  startRewrite(): string | null {
    if (this.rewrite !== null) return 'ERR Background append only file rewriting already in progress';
    const log = this.srv.log;
    const dir = this.dir;
    this.rewriteScheduled = false;
    try {
      mkdirSync(dir, { recursive: true });
      if (!this.manifestLoaded && this.status === 'off') {
        this.manifest = loadManifestIfAny(this) ?? emptyManifest();
        this.manifestLoaded = true;
      }
      this.writePending();
      let tmpIncr: string | null = null;
      if (this.status === 'on') {
        // New writes go to a new incr file, listed in the manifest right away.
        const m = cloneManifest(this.manifest);
        const seq = m.currIncrSeq + 1;
        const name = incrFileName(this.fileName, seq);
        const fd = openSync(path.join(dir, name), 'a');
        m.incrs.push({ name, seq, type: 'i' });
        m.currIncrSeq = seq;
        persistManifest(dir, this.fileName, m);
        this.manifest = m;
        log.notice(`Creating AOF incr file ${name} on background rewrite`);
        this.switchFd(fd);
      } else if (this.status === 'wait_rewrite') {
        const name = `temp-${this.fileName}.incr`;
        tmpIncr = path.join(dir, name);
        const fd = openSync(tmpIncr, 'w');
        log.notice(`Creating AOF incr file ${name} on background rewrite`);
        this.switchFd(fd);
      }
      const tmpBase = path.join(dir, `temp-rewriteaof-bg-${process.pid}.aof`);
      const rw: Rewrite = { startMs: Date.now(), tmpBase, tmpIncr, snapshot: null };
      this.rewrite = rw;
      log.notice(`Background append only file rewriting started by pid ${process.pid}`);
      // The base is written by the point-in-time snapshot in event-loop slices, as an RDB or
      // (aof-use-rdb-preamble no) as commands; writes go on meanwhile, into the new incr file.
      const rdb = this.useRdbPreamble();
      rw.snapshot = startBase(this.srv, tmpBase, rdb, (err) => {
        if (this.rewrite !== rw) return; // aborted meanwhile
        rw.snapshot = null;
        if (err !== null) this.rewriteFailed(err);
        else {
          log.notice(`Successfully created the temporary AOF base file ${path.basename(tmpBase)}`);
          this.finishRewrite(rdb);
        }
      });
    } catch (e) {
      this.rewriteFailed(e as Error);
      return 'ERR Can\'t execute an AOF background rewriting. Please check the server logs for more information.';
    }
    return null;
  }

  /** Points writing at a new file; the old one is fsynced and closed off the loop. */
  private switchFd(fd: number): void {
    this.writePending();
    const old = this.fd;
    this.fd = fd;
    this.selectedDb = -1;
    if (old >= 0) {
      const close = (): void => {
        try {
          closeSync(old);
        } catch {
          // already closed
        }
      };
      if (this.policy === 'no') close();
      else if (this.policy === 'always') {
        // Replies held for the group commit may cover bytes in the old file.
        try {
          fsyncSync(old);
        } catch {
          // the new file takes over; a failing disk shows on its next fsync
        }
        close();
      } else fsync(old, close);
    }
  }

  private finishRewrite(rdb: boolean): void {
    const rw = this.rewrite as Rewrite;
    const log = this.srv.log;
    const dir = this.dir;
    try {
      const m = cloneManifest(this.manifest);
      const seq = m.currBaseSeq + 1;
      const baseName = baseFileName(this.fileName, seq, rdb);
      log.notice('Background AOF rewrite terminated with success');
      renameSync(rw.tmpBase, path.join(dir, baseName));
      log.notice(`Successfully renamed the temporary AOF base file ${path.basename(rw.tmpBase)} into ${baseName}`);
      if (m.base !== null) m.history.push({ ...m.base, type: 'h' });
      m.base = { name: baseName, seq, type: 'b' };
      m.currBaseSeq = seq;
      if (rw.tmpIncr !== null) {
        // Enabling at runtime: the temp incr becomes the one incr file.
        const iseq = m.currIncrSeq + 1;
        const incrName = incrFileName(this.fileName, iseq);
        renameSync(rw.tmpIncr, path.join(dir, incrName));
        log.notice(`Successfully renamed the temporary AOF incr file ${path.basename(rw.tmpIncr)} into ${incrName}`);
        for (const f of m.incrs) m.history.push({ ...f, type: 'h' });
        m.incrs = [{ name: incrName, seq: iseq, type: 'i' }];
        m.currIncrSeq = iseq;
      } else if (this.status === 'on') {
        // Every incr file but the one opened at the rewrite's start is in the new base.
        while (m.incrs.length > 1) m.history.push({ ...(m.incrs.shift() as AofManifest['incrs'][0]), type: 'h' });
      } else {
        for (const f of m.incrs) m.history.push({ ...f, type: 'h' });
        m.incrs = [];
      }
      persistManifest(dir, this.fileName, m);
      this.manifest = m;
      this.deleteHistory();
      this.rewrite = null;
      this.rewrites++;
      this.consecutiveFailures = 0;
      this.lastBgrewriteStatus = 'ok';
      this.lastRewriteTimeSec = Math.floor((Date.now() - rw.startMs) / 1000);
      if (this.status === 'wait_rewrite') this.status = 'on';
      this.computeSizes();
      this.rewriteBaseSize = this.currentSize;
      log.notice('Background AOF rewrite finished successfully');
    } catch (e) {
      this.rewriteFailed(e as Error);
    }
  }

  private deleteHistory(): void {
    const m = this.manifest;
    // aof-disable-auto-gc yes keeps history files (listed as type h) for inspection.
    if (m.history.length === 0 || this.srv.config.bool('aof-disable-auto-gc')) return;
    for (const f of m.history) {
      this.srv.log.notice(`Removing the history file ${f.name} in the background`);
      try {
        unlinkSync(path.join(this.dir, f.name));
      } catch {
        // gone already
      }
    }
    m.history = [];
    persistManifest(this.dir, this.fileName, m);
  }

  private rewriteFailed(e: Error): void {
    const rw = this.rewrite;
    this.srv.log.warning(`Background AOF rewrite failed: ${e.message}`);
    this.rewrite = null;
    this.lastBgrewriteStatus = 'err';
    this.consecutiveFailures++;
    if (rw !== null) {
      try {
        unlinkSync(rw.tmpBase);
      } catch {
        // not created
      }
    }
    // Enabling at runtime retries from the timer (7.0 keeps AOF_WAIT_REWRITE and reschedules).
    if (this.status === 'wait_rewrite') this.rewriteScheduled = true;
  }

  /** Stops (true) or resumes receiving propagated ops (DEBUG LOADAOF's replay). */
  pauseFeeding(paused: boolean): void {
    if (!this.attached) return;
    if (paused) this.srv.propagation.removeConsumer(this.consumer);
    else this.srv.propagation.addConsumer(this.consumer);
  }

  /** The server is going away: no more timer work (a scheduled rewrite is dropped). */
  halt(): void {
    this.rewriteScheduled = false;
    this.stopTimer();
  }

  /** Abandons a rewrite in progress (shutdown): its temp files are removed. */
  killRewrite(): void {
    this.abortRewrite();
  }

  private abortRewrite(): void {
    const rw = this.rewrite;
    this.rewrite = null;
    if (rw === null) return;
    rw.snapshot?.abort();
    for (const f of [rw.tmpBase, rw.tmpIncr]) {
      if (f === null) continue;
      try {
        unlinkSync(f);
      } catch {
        // not there
      }
    }
  }
}

const states = new WeakMap<Server, AofState>();

/** The server's AOF state if it has one (readers that must not create it). */
export function peekAof(srv: Server): AofState | undefined {
  return states.get(srv);
}

/** The server's AOF state (created on first use). */
export function aofOf(srv: Server): AofState {
  let s = states.get(srv);
  if (s === undefined) {
    s = new AofState(srv);
    states.set(srv, s);
  }
  return s;
}

/** Reads appenddirname's manifest if there is one (null: none); throws ManifestError. */
export function loadManifestIfAny(st: AofState): AofManifest | null {
  const file = path.join(st.dir, `${st.fileName}.manifest`);
  if (!existsSync(file)) return null;
  return readManifestFile(file);
}

// ---- the public entry points ---------------------------------------------------------------------

/**
 * After loading, at start-up: registers the config hooks (CONFIG SET appendonly/appendfsync) and,
 * with appendonly yes, opens or creates the AOF files and starts appending.
 */
export function startAppendOnly(srv: Server): void {
  const st = aofOf(srv);
  st.installHooks();
  if (!srv.config.bool('appendonly') || st.status !== 'off') return;
  if (!st.manifestLoaded) {
    st.manifest = loadManifestIfAny(st) ?? emptyManifest();
    st.manifestLoaded = true;
  }
  st.openOnStart();
}

/**
 * Registers the config hooks (CONFIG SET appendonly / appendfsync) whether or not the AOF is on;
 * start-up calls it first, startAppendOnly calls it too.
 */
export function installAppendOnly(srv: Server): void {
  aofOf(srv).installHooks();
}

/**
 * The AOF part of prepareForShutdown: a rewrite in progress is abandoned (while the first base
 * of a CONFIG SET appendonly yes is being written the shutdown is refused unless FORCE, as 7.0
 * does), then the last write and fsync. False refuses the shutdown.
 */
export function shutdownAppendOnly(srv: Server, how: ShutdownHow = {}): boolean {
  const st = states.get(srv);
  if (st === undefined) return true;
  if (st.status === 'off') {
    st.halt();
    return true;
  }
  const log = srv.log;
  if (st.rewrite !== null) {
    if (st.status === 'wait_rewrite') {
      if (!how.force) {
        log.warning("Writing initial AOF, can't exit.");
        return false;
      }
      log.warning('Writing initial AOF. Exit anyway.');
    }
    log.warning('There is a child rewriting the AOF. Killing it!');
    st.killRewrite();
  }
  log.notice('Calling fsync() on the AOF file.');
  st.flushAndSync();
  st.halt();
  return true;
}

export { aofInfoFields, aofRewriteInProgress, aofWriteError } from './aof-info.ts';

/*
 * Saving the RDB file (rdbSave / rdbSaveBackground) and the state INFO persistence reports.
 *
 * Both SAVE and BGSAVE write "temp-<pid>.rdb" in the working directory (`dir`), fsync it and
 * rename it over `dbfilename`, so the previous file stays intact until the new one is complete;
 * on any error the temp file is removed and the old file is untouched. SAVE serialises in one go
 * (the loop stops, as in Redis); BGSAVE runs the fork-less snapshot (snapshot.ts) and writes its
 * chunks as they come. The cron checks the `save` points (and a BGSAVE SCHEDULE'd meanwhile),
 * retrying a failed background save after 5 s as Redis does.
 */
import { closeSync, fsync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Server } from '../server/server.ts';
import { AsyncFileWriter } from './file-writer.ts';
import { RdbChunker, setKeyMeta } from './rdb-writer.ts';
import { type Snapshot, SnapshotAborted, type SnapshotInfo, activeSnapshot, functionCodes, rdbAuxFields, startSnapshot } from './snapshot.ts';

const BGSAVE_RETRY_DELAY_S = 5;

/** Redis's persistence fields (server.lastsave, lastbgsave_status ...). */
export class RdbState {
  /** Unix seconds of the last successful save (start time until then). */
  lastSave: number;
  lastBgsaveOk = true;
  lastBgsaveTry = 0;
  lastBgsaveTimeSec = -1;
  bgsaveStartMs = -1;
  dirtyBeforeBgsave = 0;
  saves = 0;
  bgsave: Snapshot | null = null;
  scheduled = false;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  /** Start-up loading in progress (INFO loading:1, -LOADING replies). */
  loading = false;
  loadingStartMs = 0;
  loadingTotalBytes = 0;
  loadingLoadedBytes = 0;
  loadingLoadedKeys = 0;
  /** Set by tests/tools (DEBUG-style) to fail the next saves (full disk simulation). */
  failWrites = false;

  constructor(srv: Server) {
    this.lastSave = Math.floor(srv.startTime / 1000);
  }
}

const states = new WeakMap<Server, RdbState>();

export function rdbState(srv: Server): RdbState {
  let st = states.get(srv);
  if (st === undefined) {
    st = new RdbState(srv);
    states.set(srv, st);
    const s = st;
    srv.cronHooks.push(() => saveCron(srv, s));
  }
  return st;
}

/** The RDB file's path (dbfilename in the working directory, which `dir` sets). */
export function rdbFilePath(srv: Server): string {
  return path.resolve(String(srv.config.get('dbfilename') ?? 'dump.rdb'));
}

/** SAVE's temp file (Redis: temp-<pid>.rdb), and BGSAVE's, distinct as the fork child's pid is. */
function tempPath(background = false): string {
  return path.resolve(background ? `temp-bgsave-${process.pid}.rdb` : `temp-${process.pid}.rdb`);
}

/** Serialises the whole dataset synchronously into `sink` (SAVE, DEBUG RELOAD, SHUTDOWN). */
export function writeRdbSync(srv: Server, sink: (chunk: Uint8Array) => void, aofBase = false): number {
  const cfg = srv.config;
  const out = new RdbChunker(sink, cfg.bool('rdbcompression'), cfg.bool('rdbchecksum'), 1 << 20);
  setKeyMeta(out, srv);
  out.header(rdbAuxFields(srv, aofBase), functionCodes(srv));
  for (const db of srv.dbs) {
    const ks = db.ks;
    if (ks.count === 0) continue;
    out.selectDb(db.id, ks.count, ks.expCount);
    for (let e = 0; e < ks.count; e++) out.keyValue(db.id, ks, e);
  }
  out.finish();
  return out.written;
}

/** Writes a file atomically through a temp file; throws the write error (temp removed). */
function writeFileAtomically(target: string, tmp: string, fill: (write: (chunk: Uint8Array) => void) => void, st: RdbState): void {
  let fd = -1;
  try {
    fd = openSync(tmp, 'w');
    const f = fd;
    fill((chunk) => {
      if (st.failWrites) throw Object.assign(new Error('No space left on device'), { code: 'ENOSPC' });
      let off = 0;
      while (off < chunk.length) off += writeSync(f, chunk, off, chunk.length - off);
    });
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, target);
  } catch (e) {
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
    throw e;
  }
}

/** rdbSave: SAVE in the foreground. True on success (dirty reset, lastsave updated). */
export function saveSync(srv: Server): boolean {
  const st = rdbState(srv);
  const started = performance.now();
  try {
    writeFileAtomically(rdbFilePath(srv), tempPath(), (write) => writeRdbSync(srv, write), st);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.syscall === 'open') {
      srv.log.warning(`Failed opening the temp RDB file ${path.basename(tempPath())} (in server root dir ${process.cwd()}) for saving: ${err.message}`);
    } else if (err.syscall === 'rename') {
      srv.log.warning(`Error moving temp DB file ${path.basename(tempPath())} on the final destination ${String(srv.config.get('dbfilename'))} (in server root dir ${process.cwd()}): ${err.message}`);
    } else {
      srv.log.warning(`Write error saving DB on disk: ${err.message}`);
    }
    return false;
  }
  srv.log.notice(`DB saved on disk (${((performance.now() - started) / 1000).toFixed(3)} seconds)`);
  srv.dirty = 0;
  st.lastSave = Math.floor(Date.now() / 1000);
  st.lastBgsaveOk = true;
  st.saves++;
  return true;
}

/** Why a BGSAVE cannot start now, or null. */
export function bgsaveBusy(srv: Server): string | null {
  if (rdbState(srv).bgsave !== null) return 'Background save already in progress';
  if (activeSnapshot() !== null) return 'Another child process is active (AOF?): can\'t BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.';
  return null;
}

/** Removes BGSAVE's temp file now (shutdown: the process exits before in-flight writes end). */
export function removeBgsaveTemp(): void {
  try {
    unlinkSync(tempPath(true));
  } catch {
    /* none */
  }
}

/** rdbSaveBackground: starts the fork-less BGSAVE. False when it could not start. */
export function bgsaveStart(srv: Server, onDone?: (ok: boolean) => void): boolean {
  const st = rdbState(srv);
  if (st.bgsave !== null || activeSnapshot() !== null) return false;
  const tmp = tempPath(true);
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (e) {
    srv.log.warning(`Failed opening the temp RDB file ${path.basename(tmp)} (in server root dir ${process.cwd()}) for saving: ${(e as Error).message}`);
    st.lastBgsaveOk = false;
    st.lastBgsaveTry = Math.floor(Date.now() / 1000);
    return false;
  }
  st.dirtyBeforeBgsave = srv.dirty;
  st.lastBgsaveTry = Math.floor(Date.now() / 1000);
  st.bgsaveStartMs = Date.now();
  const cleanup = (): void => {
    try {
      closeSync(fd);
    } catch {
      /* closed */
    }
    try {
      unlinkSync(tmp);
    } catch {
      /* gone */
    }
  };
  const finished = (ok: boolean): void => {
    st.bgsave = null;
    st.lastBgsaveTimeSec = Math.floor((Date.now() - st.bgsaveStartMs) / 1000);
    st.bgsaveStartMs = -1;
    onDone?.(ok);
  };
  // Writes and the fsync run on the thread pool (the fork child's work in Redis).
  const out = new AsyncFileWriter(fd);
  st.bgsave = startSnapshot(srv, {
    write(chunk) {
      if (st.failWrites) throw Object.assign(new Error('No space left on device'), { code: 'ENOSPC' });
      out.write(chunk);
    },
    backlog: () => out.backlog,
    end(info) {
      out.drained(() => fsync(fd, (fsyncErr) => {
        const err = out.error ?? fsyncErr;
        try {
          if (err !== null) throw err;
          closeSync(fd);
          renameSync(tmp, rdbFilePath(srv));
        } catch (e) {
          cleanup();
          srv.log.warning(`Write error saving DB on disk: ${(e as Error).message}`);
          srv.log.warning('Background saving error');
          st.lastBgsaveOk = false;
          finished(false);
          return;
        }
        succeeded(info);
      }));
    },
    fail(err) {
      // The fd is closed (and the temp file removed) only once no write is in flight on it.
      out.drained(() => {
        cleanup();
        if (err instanceof SnapshotAborted) {
          srv.log.warning('Background saving terminated by signal 10');
        } else {
          srv.log.warning(`Write error saving DB on disk: ${err.message}`);
          srv.log.warning('Background saving error');
          st.lastBgsaveOk = false;
        }
        finished(false);
      });
    },
  });
  function succeeded(info: SnapshotInfo): void {
    srv.log.notice(`DB saved on disk (${info.keys} keys, ${info.bytes} bytes, ${info.hookWrites} written ahead of a change, ${info.ms} ms)`);
    srv.log.notice('Background saving terminated with success');
    srv.dirty = Math.max(0, srv.dirty - st.dirtyBeforeBgsave);
    st.lastSave = Math.floor(Date.now() / 1000);
    st.lastBgsaveOk = true;
    st.saves++;
    finished(true);
  }
  srv.log.notice('Background saving started (fork-less snapshot)');
  return true;
}

/** The save points of the `save` config as [seconds, changes] pairs. */
export function savePoints(srv: Server): [number, number][] {
  const v = String(srv.config.get('save') ?? '').trim();
  if (v === '') return [];
  const parts = v.split(/\s+/).map(Number);
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) out.push([parts[i], parts[i + 1]]);
  return out;
}

/** serverCron's save-point check and BGSAVE SCHEDULE (no child running). */
function saveCron(srv: Server, st: RdbState): void {
  if (st.loading || srv.shuttingDown || st.bgsave !== null || activeSnapshot() !== null) return;
  if (st.scheduled) {
    st.scheduled = false;
    bgsaveStart(srv);
    return;
  }
  const now = Math.floor(Date.now() / 1000);
  for (const [secs, changes] of savePoints(srv)) {
    if (srv.dirty >= changes && now - st.lastSave > secs && (now - st.lastBgsaveTry > BGSAVE_RETRY_DELAY_S || st.lastBgsaveOk)) {
      srv.log.notice(`${changes} changes in ${secs} seconds. Saving...`);
      bgsaveStart(srv);
      return;
    }
  }
}

/** -MISCONF for write commands: stop-writes-on-bgsave-error and a failed last bgsave. */
export function writesRefused(srv: Server): boolean {
  const st = states.get(srv);
  if (st === undefined || st.lastBgsaveOk) return false;
  return srv.config.bool('stop-writes-on-bgsave-error') && savePoints(srv).length > 0;
}

export const MISCONF_ERROR =
  'MISCONF Redis is configured to save RDB snapshots, but it\'s currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.';

/*
 * Start-up loading and the final save at shutdown (server.c's loadDataFromDisk and
 * prepareForShutdown, for the RDB side).
 *
 * loadAtStartup reads `dbfilename` in `dir` when appendonly is no and loads it in slices of
 * ~20 ms: meanwhile INFO reports loading:1 with the loading_* fields and commands without the
 * `loading` flag get -LOADING (server/commands/persistence.ts), and big files log their progress.
 * A refused file (corrupt, truncated, foreign) is logged with the offset and the reason and the
 * process exits with status 1, as Redis does, leaving the file as it is.
 *
 * persistOnShutdown (installed as the server's shutdownHook): a BGSAVE in progress is abandoned,
 * then with save points configured (or SHUTDOWN SAVE, and not NOSAVE) the dataset is saved
 * synchronously (temp file, fsync, rename). A failed save refuses the shutdown unless FORCE.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Server, ShutdownHow } from '../server/server.ts';
import { initPersistence, updateGate } from '../server/commands/persistence.ts';
import { RdbLoad, type RdbLoadInfo, type RdbLoadOptions, rdbErrorText } from './rdb-loader.ts';
import { AofLoadError, loadAppendOnly } from './aof-loader.ts';
import { installAppendOnly, shutdownAppendOnly, startAppendOnly } from './aof.ts';
import { rdbFilePath, rdbState, removeBgsaveTemp, saveSync, savePoints } from './rdb-save.ts';

const yieldLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Loads an RDB file's bytes in slices with the loading state shown; throws RdbError. */
export async function loadRdbSliced(srv: Server, bytes: Uint8Array, what: string, opts: RdbLoadOptions = {}): Promise<RdbLoadInfo> {
  const st = rdbState(srv);
  const started = Date.now();
  st.loading = true;
  st.loadingStartMs = started;
  st.loadingTotalBytes = bytes.length;
  st.loadingLoadedBytes = 0;
  updateGate(srv);
  try {
    const load = new RdbLoad(srv, bytes, opts);
    let lastLog = started;
    while (!load.step(20)) {
      st.loadingLoadedBytes = load.loaded;
      st.loadingLoadedKeys = load.info.keysLoaded;
      if (Date.now() - lastLog >= 2000) {
        lastLog = Date.now();
        srv.log.notice(`Loading ${what}: ${((100 * load.loaded) / bytes.length).toFixed(2)}% (${load.info.keysLoaded} keys)`);
      }
      await yieldLoop();
    }
    const info = load.info;
    const ver = info.aux.get('redis-ver');
    if (ver !== undefined) srv.log.notice(`Loading RDB produced by version ${ver}`);
    const ctime = Number(info.aux.get('ctime'));
    if (Number.isFinite(ctime)) srv.log.notice(`RDB age ${Math.max(0, Math.floor(Date.now() / 1000) - ctime)} seconds`);
    srv.log.notice(`Done loading RDB, keys loaded: ${info.keysLoaded}, keys expired: ${info.keysExpired}.`);
    st.lastLoadKeysLoaded = info.keysLoaded;
    st.lastLoadKeysExpired = info.keysExpired;
    srv.dirty = 0;
    srv.log.notice(`DB loaded from disk: ${((Date.now() - started) / 1000).toFixed(3)} seconds`);
    return info;
  } finally {
    st.loading = false;
    st.loadingLoadedBytes = bytes.length;
    updateGate(srv);
  }
}

/**
 * Loads the dataset at start-up: the AOF when appendonly is yes, else the RDB file if there is
 * one. A refused file ends the process (status 1) after its log line.
 */
export async function loadAtStartup(srv: Server): Promise<void> {
  initPersistence(srv);
  srv.shutdownHook = (how) => persistOnShutdown(srv, how);
  // CONFIG SET appendonly/appendfsync work whether or not the AOF is on now.
  installAppendOnly(srv);
  if (srv.config.bool('appendonly')) {
    // The AOF directory (manifest, base, incr files), then appending from here on (aof.ts).
    try {
      await loadAppendOnly(srv);
    } catch (e) {
      if (!(e instanceof AofLoadError)) throw e;
      srv.onExit(1);
      return;
    }
    startAppendOnly(srv);
    return;
  }
  const file = rdbFilePath(srv);
  if (!existsSync(file)) return;
  let bytes: Uint8Array;
  try {
    if (!statSync(file).isFile()) return;
    bytes = readFileSync(file);
  } catch (e) {
    srv.log.warning(`Fatal error loading the DB: ${(e as Error).message}. Exiting.`);
    srv.onExit(1);
    return;
  }
  try {
    await loadRdbSliced(srv, bytes, 'RDB');
  } catch (e) {
    srv.log.warning(rdbErrorText(e));
    srv.log.warning('Fatal error loading the DB, check server logs. Exiting.');
    srv.onExit(1);
  }
}

/**
 * The RDB part of prepareForShutdown: true when the server may exit. A running BGSAVE is
 * abandoned (its temp file removed); then the final save when save points are set or SAVE was
 * asked (never with NOSAVE). A failed save refuses the shutdown unless FORCE.
 */
export function persistOnShutdown(srv: Server, how: ShutdownHow = {}): boolean {
  const st = rdbState(srv);
  // Stopped while loading: what is in memory is partial, never save it over the file.
  if (st.loading) return true;
  if (st.bgsave !== null) {
    srv.log.warning('There is a child saving an .rdb. Killing it!');
    st.bgsave.abort();
    removeBgsaveTemp();
  }
  // The AOF's last write and fsync (a rewrite in progress is abandoned).
  if (!shutdownAppendOnly(srv, how) && !how.force) return false;
  const wantSave = !how.nosave && (how.save === true || savePoints(srv).length > 0);
  if (wantSave) {
    srv.log.notice('Saving the final RDB snapshot before exiting.');
    if (!saveSync(srv)) {
      if (how.force) {
        srv.log.warning('Error trying to save the DB. Exit anyway.');
      } else {
        srv.log.warning('Error trying to save the DB, can\'t exit.');
        srv.log.warning('Errors trying to shut down the server. Check the logs for more information.');
        return false;
      }
    }
  }
  return true;
}

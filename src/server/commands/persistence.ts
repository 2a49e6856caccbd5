/*
 * Persistence commands (rdb.c's saveCommand, bgsaveCommand, lastsaveCommand) and the dispatch
 * gate for server states Redis refuses commands in: -LOADING while the dataset loads at start-up
 * (commands without the `loading` flag), -MISCONF for writes (and PING) after a failed BGSAVE
 * when stop-writes-on-bgsave-error is on and save points are set.
 */
import type { Argv } from '../../protocol/argv.ts';
import { SYNTAX } from '../../protocol/errors.ts';
import { CMD_LOADING, CMD_WRITE, type Command, type CommandDef } from '../../commands/registry.ts';
import { MISCONF_ERROR, bgsaveBusy, bgsaveStart, rdbFilePath, rdbState, saveSync, savePoints, writesRefused } from '../../persistence/rdb-save.ts';
import { activeSnapshot } from '../../persistence/snapshot.ts';
import { aofWriteError } from '../../persistence/aof.ts';
import { datasetDigest, valueDigest } from '../../persistence/digest.ts';
import { loadRdb, rdbErrorText } from '../../persistence/rdb-loader.ts';
import { functionsOf } from '../../scripting/functions.ts';
import { scriptingOf } from './scripting.ts';
import { readFileSync } from 'node:fs';
import type { Client } from '../client.ts';
import type { Server } from '../server.ts';

export const LOADING_ERROR = 'LOADING Redis is loading the dataset in memory';

function gate(srv: Server): (c: Client, cmd: Command) => string | null {
  const st = rdbState(srv);
  return (_c, cmd) => {
    if (st.loading && (cmd.flags & CMD_LOADING) === 0) return LOADING_ERROR;
    if (((cmd.flags & CMD_WRITE) !== 0 || cmd.fullName === 'ping') && writesRefused(srv)) return MISCONF_ERROR;
    // A failed AOF write or fsync (persistence/aof.ts): -MISCONF naming the error.
    if ((cmd.flags & CMD_WRITE) !== 0 || cmd.fullName === 'ping') return aofWriteError(srv);
    return null;
  };
}

const gates = new WeakMap<Server, (c: Client, cmd: Command) => string | null>();

/** Installs or removes the dispatch gate after the loading/bgsave state changed. */
export function updateGate(srv: Server): void {
  const st = rdbState(srv);
  if (!st.loading && !writesRefused(srv) && aofWriteError(srv) === null) {
    srv.dispatchGate = null;
    return;
  }
  let g = gates.get(srv);
  if (g === undefined) {
    g = gate(srv);
    gates.set(srv, g);
  }
  srv.dispatchGate = g;
}

/** Sets up the RDB state of srv: the gate follows the BGSAVE status on each cron tick. */
export function initPersistence(srv: Server): void {
  rdbState(srv);
  srv.cronHooks.push(() => updateGate(srv));
  srv.flushWatchers.push({
    beforeFlushDb() {},
    beforeFlushAll: () => false,
    // flushAllDataAndResetRDB: with save points, FLUSHALL saves the (empty) dataset at once.
    afterFlushAll() {
      if (savePoints(srv).length > 0 && rdbState(srv).bgsave === null) saveSync(srv);
    },
  });
}

// SAVE
function saveCommand(c: Client): void {
  const srv = c.srv;
  if (rdbState(srv).bgsave !== null) {
    c.w.error('ERR Background save already in progress');
    return;
  }
  if (saveSync(srv)) c.w.ok();
  else c.w.error('ERR');
  updateGate(srv);
}

// BGSAVE [SCHEDULE]
function bgsaveCommand(c: Client, argv: Argv): void {
  let schedule = false;
  if (argv.argc > 1) {
    if (argv.argc === 2 && argv.is(1, 'schedule')) schedule = true;
    else {
      c.w.error(SYNTAX);
      return;
    }
  }
  const srv = c.srv;
  const st = rdbState(srv);
  if (st.bgsave !== null) {
    c.w.error('ERR Background save already in progress');
    return;
  }
  if (activeSnapshot() !== null || c.inExec) {
    if (schedule || c.inExec) {
      st.scheduled = true;
      c.w.simple('Background saving scheduled');
    } else c.w.error(`ERR ${bgsaveBusy(srv) ?? 'Background save already in progress'}`);
    return;
  }
  if (bgsaveStart(srv, () => updateGate(srv))) c.w.simple('Background saving started');
  else c.w.error('ERR');
}

// LASTSAVE
function lastsaveCommand(c: Client): void {
  c.w.integer(rdbState(c.srv).lastSave);
}

export const persistenceCommands: CommandDef<Client>[] = [
  { name: 'save', summary: 'Saves the dataset to the RDB file in the foreground.', handler: saveCommand },
  { name: 'bgsave', summary: 'Saves the dataset to the RDB file with a fork-less background snapshot.', handler: bgsaveCommand },
  { name: 'lastsave', summary: 'Returns the Unix time of the last successful save.', handler: lastsaveCommand },
];

// ---- DEBUG subcommands (called from debugCommand in server-admin.ts) ------------------------

// DEBUG DIGEST
export function debugDigest(c: Client): void {
  c.w.simple(datasetDigest(c.srv.dbs));
}

// DEBUG DIGEST-VALUE [key ...]
export function debugDigestValue(c: Client, argv: Argv): void {
  c.w.arrayHeader(argv.argc - 2);
  for (let i = 2; i < argv.argc; i++) {
    const e = c.db.lookupQuiet(argv.buf, argv.off[i], argv.len[i]);
    c.w.simple(valueDigest(c.db, e));
  }
}

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]
export function debugReload(c: Client, argv: Argv): void {
  let flush = true;
  let save = true;
  let merge = false;
  for (let j = 2; j < argv.argc; j++) {
    if (argv.is(j, 'merge')) merge = true;
    else if (argv.is(j, 'noflush')) flush = false;
    else if (argv.is(j, 'nosave')) save = false;
    else {
      c.w.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
      return;
    }
  }
  const srv = c.srv;
  if (save && !saveSync(srv)) {
    c.w.error('ERR');
    return;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(rdbFilePath(srv));
  } catch {
    c.w.error('ERR Error trying to load the RDB dump');
    return;
  }
  const dirty = srv.dirty;
  if (flush) {
    // emptyData: every database and the function libraries.
    for (const db of srv.dbs) if (db.count > 0) srv.flushDb(db);
    const engine = scriptingOf(srv).engine;
    if (engine !== null) functionsOf(engine).flush();
  }
  try {
    const info = loadRdb(srv, bytes, { allowDup: merge });
    const st = rdbState(srv);
    st.lastLoadKeysLoaded = info.keysLoaded;
    st.lastLoadKeysExpired = info.keysExpired;
  } catch (e) {
    srv.log.warning(rdbErrorText(e));
    c.w.error('ERR Error trying to load the RDB dump');
    return;
  } finally {
    srv.dirty = dirty;
  }
  srv.log.warning('DB reloaded by DEBUG RELOAD');
  c.w.ok();
}

/*
 * BGREWRITEAOF (Redis 7.0's bgrewriteaofCommand): starts an AOF rewrite (aof.ts), or schedules
 * one when another background save is running or inside EXEC; refuses a second one.
 */
import type { CommandDef } from '../commands/registry.ts';
import type { Client } from '../server/client.ts';
import { aofOf, otherBackgroundSave } from './aof.ts';
import { AofLoadError, loadAppendOnlySync } from './aof-loader.ts';

// BGREWRITEAOF
function bgrewriteaofCommand(c: Client): void {
  const st = aofOf(c.srv);
  if (st.rewrite !== null) {
    c.w.error('ERR Background append only file rewriting already in progress');
    return;
  }
  if (otherBackgroundSave(c.srv) || c.inExec) {
    st.rewriteScheduled = true;
    st.ensureTimer();
    c.w.simple('Background append only file rewriting scheduled');
    return;
  }
  const err = st.startRewrite();
  if (err !== null) c.w.error(err);
  else c.w.simple('Background append only file rewriting started');
}

/**
 * DEBUG LOADAOF: writes and fsyncs what is pending, empties the dataset and loads the AOF
 * directory again (not appended to while it replays). A file that cannot be loaded ends the
 * server, as in 7.0.
 */
export function debugLoadAof(c: Client): void {
  const srv = c.srv;
  const st = aofOf(srv);
  const on = st.status !== 'off';
  if (on) st.flushAndSync();
  st.pauseFeeding(true);
  try {
    srv.flushAll();
    st.manifestLoaded = false;
    loadAppendOnlySync(srv);
  } catch (e) {
    if (e instanceof AofLoadError) {
      srv.onExit(1);
      return;
    }
    throw e;
  } finally {
    st.pauseFeeding(false);
  }
  srv.dirty = 0;
  srv.log.warning('Append Only File loaded by DEBUG LOADAOF');
  c.w.ok();
}

export const aofCommands: CommandDef<Client>[] = [
  { name: 'bgrewriteaof', summary: 'Asynchronously rewrites the append-only file to disk.', handler: bgrewriteaofCommand },
];

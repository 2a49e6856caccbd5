/*
 * The RDB and loading fields of INFO persistence, in Redis 7.0's order (the aof_* fields between
 * them come from aof.ts). A BGSAVE here has no child and no copy-on-write: the cow fields stay 0
 * and current_fork_perc / current_save_keys_* show the snapshot's progress instead.
 */
import type { Server } from '../server/server.ts';
import { rdbState } from './rdb-save.ts';

type Fields = [string, string | number][];

/** loading ... rdb_last_load_keys_loaded. */
export function rdbInfoFields(srv: Server): Fields {
  const st = rdbState(srv);
  const bg = st.bgsave;
  const now = Date.now();
  const processed = bg !== null ? bg.keysWritten : 0;
  const total = bg !== null ? bg.keysTotal : 0;
  return [
    ['loading', st.loading ? 1 : 0],
    ['async_loading', 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', (total > 0 ? (100 * processed) / total : 0).toFixed(2)],
    ['current_save_keys_processed', processed],
    ['current_save_keys_total', total],
    ['rdb_changes_since_last_save', srv.dirty],
    ['rdb_bgsave_in_progress', bg !== null ? 1 : 0],
    ['rdb_last_save_time', st.lastSave],
    ['rdb_last_bgsave_status', st.lastBgsaveOk ? 'ok' : 'err'],
    ['rdb_last_bgsave_time_sec', st.lastBgsaveTimeSec],
    ['rdb_current_bgsave_time_sec', bg !== null && st.bgsaveStartMs >= 0 ? Math.floor((now - st.bgsaveStartMs) / 1000) : -1],
    ['rdb_saves', st.saves],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', st.lastLoadKeysExpired],
    ['rdb_last_load_keys_loaded', st.lastLoadKeysLoaded],
  ];
}

/** The loading_* fields 7.0 appends to the section while loading (empty otherwise). */
export function loadingInfoFields(srv: Server): Fields {
  const st = rdbState(srv);
  if (!st.loading) return [];
  const elapsed = (Date.now() - st.loadingStartMs) / 1000;
  const perc = st.loadingTotalBytes > 0 ? (100 * st.loadingLoadedBytes) / st.loadingTotalBytes : 0;
  const eta = st.loadingLoadedBytes > 0 ? Math.floor((elapsed * (st.loadingTotalBytes - st.loadingLoadedBytes)) / st.loadingLoadedBytes) : 1;
  return [
    ['loading_start_time', Math.floor(st.loadingStartMs / 1000)],
    ['loading_total_bytes', st.loadingTotalBytes],
    ['loading_rdb_used_mem', 0],
    ['loading_loaded_bytes', st.loadingLoadedBytes],
    ['loading_loaded_perc', perc.toFixed(2)],
    ['loading_eta_seconds', eta],
  ];
}

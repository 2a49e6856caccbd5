/*
 * INFO replication and ROLE, with Redis 7.0's fields in its order (genRedisInfoString).
 */
import type { Server } from '../server/server.ts';
import { replicaIp, replOf } from './primary.ts';
import { failoverState } from './failover.ts';

type Fields = Array<[string, string | number]>;

function secondsSince(ms: number, now: number): number {
  return Math.floor((now - ms) / 1000);
}

export function replicationInfoFields(srv: Server): Fields {
  const st = replOf(srv);
  const cfg = srv.config;
  const now = Date.now();
  const out: Fields = [];
  const m = st.master;
  if (m === null) out.push(['role', 'master']);
  else {
    out.push(['role', 'slave']);
    out.push(['master_host', m.host]);
    out.push(['master_port', m.port]);
    out.push(['master_link_status', m.up ? 'up' : 'down']);
    out.push(['master_last_io_seconds_ago', m.up ? secondsSince(m.lastIoMs, now) : -1]);
    out.push(['master_sync_in_progress', m.syncing ? 1 : 0]);
    out.push(['slave_read_repl_offset', st.offset + m.readAhead]);
    out.push(['slave_repl_offset', st.offset]);
    if (m.syncing) {
      const total = m.syncTotal;
      out.push(['master_sync_total_bytes', total > 0 ? total : -1]);
      out.push(['master_sync_read_bytes', m.syncRead]);
      out.push(['master_sync_left_bytes', total > 0 ? total - m.syncRead : -1]);
      out.push(['master_sync_perc', total > 0 ? ((m.syncRead * 100) / total).toFixed(2) : '0.00']);
      out.push(['master_sync_last_io_seconds_ago', secondsSince(m.syncLastIoMs, now)]);
    }
    if (!m.up) out.push(['master_link_down_since_seconds', m.downSinceMs !== 0 ? secondsSince(m.downSinceMs, now) : -1]);
    out.push(['slave_priority', cfg.num('replica-priority')]);
    out.push(['slave_read_only', cfg.bool('replica-read-only') ? 1 : 0]);
    out.push(['replica_announced', cfg.bool('replica-announced') ? 1 : 0]);
  }
  const links = st.replicas.filter((l) => !l.c.closed);
  out.push(['connected_slaves', links.length]);
  const minReplicas = cfg.num('min-replicas-to-write');
  if (minReplicas > 0) out.push(['min_slaves_good_slaves', st.goodReplicas]);
  links.forEach((l, i) => {
    const lag = secondsSince(l.ackTime, now);
    out.push([`slave${i}`, `ip=${replicaIp(l)},port=${l.listeningPort},state=${l.state},offset=${l.ackOff},lag=${lag}`]);
  });
  out.push(['master_failover_state', failoverState(st)]);
  out.push(['master_replid', st.replid]);
  out.push(['master_replid2', st.replid2]);
  out.push(['master_repl_offset', st.offset]);
  out.push(['second_repl_offset', st.secondOffset]);
  const bl = st.backlog;
  out.push(['repl_backlog_active', bl !== null ? 1 : 0]);
  out.push(['repl_backlog_size', cfg.num('repl-backlog-size')]);
  out.push(['repl_backlog_first_byte_offset', bl !== null ? bl.firstByteOffset : 0]);
  out.push(['repl_backlog_histlen', bl !== null ? bl.histlen : 0]);
  return out;
}

/** INFO stats' sync_* counters. */
export function syncStats(srv: Server): { full: number; partialOk: number; partialErr: number } {
  const st = replOf(srv);
  return { full: st.syncFull, partialOk: st.syncPartialOk, partialErr: st.syncPartialErr };
}

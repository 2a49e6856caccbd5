/*
 * Replica failover (Redis's clusterHandleSlaveFailover and manual failover).
 *
 * Automatic: when our primary is FAIL, a replica waits 500 ms + up to 500 ms at random + 1 s per
 * replica of the same primary that has a greater replication offset (its rank), then bumps
 * currentEpoch and broadcasts FAILOVER_AUTH_REQUEST. Each slot-serving primary grants one vote
 * per epoch (bus.ts maybeVote), and not twice for one failed primary within 2 node timeouts.
 * With a majority of votes before the auth timeout (max(2 node timeouts, 2 s)) the replica takes
 * the epoch as its configEpoch, claims the primary's slots and broadcasts PONG: the higher epoch
 * makes every node accept the new owner. Otherwise it retries after twice the auth timeout.
 *
 * Manual (CLUSTER FAILOVER): the replica sends MFSTART; the primary pauses writes and pings with
 * the PAUSED flag and its offset; once the replica has applied that offset it runs the election
 * with FORCEACK (voters accept a primary that is not failed). FORCE skips the offset agreement;
 * TAKEOVER skips the election and takes a new epoch on its own.
 */
import { replOf } from '../replication/primary.ts';
import { CLUSTER_SLOTS } from '../util/crc16.ts';
import type { Cluster } from './cluster.ts';

const MF_TIMEOUT = 5000;

function rankOf(cl: Cluster): number {
  const me = cl.cs.myself;
  const p = me.primary;
  if (p === null) return 0;
  const myOffset = replOf(cl.srv).offset;
  let rank = 0;
  for (const r of p.replicas) if (r !== me && r.replOffset > myOffset) rank++;
  return rank;
}

/** The replica takes its primary's slots (clusterFailoverReplaceYourMaster). */
export function replacePrimary(cl: Cluster): void {
  const cs = cl.cs;
  const me = cs.myself;
  const old = me.primary;
  if (old === null) return;
  cs.setPrimaryOf(me, null);
  cs.host.replicate(null);
  for (let s = 0; s < CLUSTER_SLOTS; s++) {
    if (cs.slots[s] === old) {
      cs.delSlot(s);
      cs.addSlot(s, me);
    }
  }
  cs.updateState();
  cs.save();
  cl.bus.broadcastPong();
  resetManualFailover(cl);
}

export function resetManualFailover(cl: Cluster): void {
  const b = cl.bus;
  if (b.mfPaused) cl.srv.unpauseClients();
  b.mfEnd = 0;
  b.mfCanStart = false;
  b.mfPaused = false;
  b.mfPrimaryOffset = -1;
  b.mfReplica = null;
}

/** CLUSTER FAILOVER on a replica: '' (default), 'force' or 'takeover'. */
export function startManualFailover(cl: Cluster, mode: string): void {
  const b = cl.bus;
  const cs = cl.cs;
  resetManualFailover(cl);
  b.mfEnd = Date.now() + MF_TIMEOUT;
  if (mode === 'takeover') {
    cs.currentEpoch++;
    cs.myself.configEpoch = cs.currentEpoch;
    cs.host.notice(`Taking over the master (user request). New configEpoch set to ${cs.currentEpoch}`);
    replacePrimary(cl);
    return;
  }
  if (mode === 'force') {
    b.mfCanStart = true;
    b.authTime = 0;
    return;
  }
  b.sendMfStart();
}

export function failoverCron(cl: Cluster): void {
  const b = cl.bus;
  const cs = cl.cs;
  const me = cs.myself;
  const now = Date.now();
  if (b.mfEnd !== 0 && now > b.mfEnd) {
    cs.host.notice('Manual failover timed out.');
    resetManualFailover(cl);
  }
  if (b.mfEnd !== 0 && me.isSlave && !b.mfCanStart && b.mfPrimaryOffset >= 0 && replOf(cl.srv).offset >= b.mfPrimaryOffset) {
    b.mfCanStart = true;
    b.authTime = 0;
    cs.host.notice('All master replication stream processed, manual failover can start.');
  }
  const p = me.primary;
  const manual = b.mfEnd !== 0 && b.mfCanStart;
  if (!me.isSlave || p === null || (!p.failed && !manual) || p.numSlots === 0) return;
  if (!manual && cs.host.configBool('cluster-replica-no-failover')) return;
  const timeout = cs.host.configNum('cluster-node-timeout');
  const authTimeout = Math.max(timeout * 2, 2000);
  const retry = authTimeout * 2;
  if (now - b.authTime > retry) {
    b.authRank = manual ? 0 : rankOf(cl);
    b.authTime = manual ? now : now + 500 + Math.floor(Math.random() * 500) + b.authRank * 1000;
    b.authCount = 0;
    b.authSent = false;
    cs.host.notice(`Start of election delayed for ${b.authTime - now} milliseconds (rank #${b.authRank}, offset ${replOf(cl.srv).offset}).`);
    return;
  }
  if (now < b.authTime || now - b.authTime > authTimeout) return;
  if (!b.authSent) {
    cs.currentEpoch++;
    b.authEpoch = cs.currentEpoch;
    cs.host.notice(`Starting a failover election for epoch ${cs.currentEpoch}.`);
    b.requestFailoverAuth(manual);
    b.authSent = true;
    cs.todoSave = true;
    return;
  }
  const needed = Math.floor(cs.size / 2) + 1;
  if (b.authCount >= needed) {
    cs.host.notice('Failover election won: I\'m the new master.');
    if (me.configEpoch < b.authEpoch) me.configEpoch = b.authEpoch;
    replacePrimary(cl);
  }
}

/*
 * Cluster mode wired into a Server: the ClusterState and its bus, started by startCluster when
 * cluster-enabled is yes; the dispatcher's routing gate (Server.clusterGate, one null check
 * when cluster mode is off); the replica's automatic and manual failover (failover.ts); and the
 * slot view of db 0 that CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT and dirty-slot cleanup read.
 */
import type { Argv } from '../protocol/argv.ts';
import type { Command } from '../commands/registry.ts';
import { commandHasKeys, getKeysAndFlags } from '../commands/keyspecs.ts';
import { replOf } from '../replication/primary.ts';
import { becomePrimary, becomeReplica } from '../replication/replica.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { Db } from '../store/db.ts';
import { CLUSTER_SLOTS, keyHashSlot } from '../util/crc16.ts';
import { Bus } from './bus.ts';
import { failoverCron, resetManualFailover } from './failover.ts';
import type { ClusterNode } from './node.ts';
import { CLIENT_ASKING, isShardPubsub, routeCommand, type RouteEnv } from './routing.ts';
import { ClusterState } from './state.ts';

export interface Cluster {
  srv: Server;
  cs: ClusterState;
  bus: Bus;
  env: RouteEnv;
}

const clusters = new WeakMap<Server, Cluster>();
const lockedKeys = new WeakMap<Server, Set<string>>();

/** Keys (latin1) a MIGRATE in flight is moving: commands touching them get -TRYAGAIN. */
export function lockedKeysOf(srv: Server): Set<string> {
  let s = lockedKeys.get(srv);
  if (s === undefined) {
    s = new Set();
    lockedKeys.set(srv, s);
  }
  return s;
}

export function clusterOf(srv: Server): Cluster | null {
  return clusters.get(srv) ?? null;
}

export function endpointOf(srv: Server, n: ClusterNode): string {
  const t = srv.config.str('cluster-preferred-endpoint-type');
  if (t === 'hostname' && n.hostname !== '') return n.hostname;
  if (t === 'unknown-endpoint') return '?';
  return n.ip;
}

/**
 * The per-slot key counts of db 0, kept by a WriteHook (keyAdded / keyRemoved) and reset by
 * FLUSHALL/FLUSHDB; registered only in cluster mode, so the standalone write path pays nothing.
 * COUNTKEYSINSLOT reads it; GETKEYSINSLOT returns at once for an empty slot and stops its scan
 * as soon as it has every key of the slot (keys are not listed per slot: entry ids move).
 */
const slotCounts = new WeakMap<Server, Uint32Array>();

function installSlotIndex(srv: Server): Uint32Array {
  const counts = new Uint32Array(CLUSTER_SLOTS);
  const db0 = srv.dbs[0];
  const slotOf = (db: Db, e: number) => keyHashSlot(db.arena.u8, db.keyOff(e), db.keyLen(e));
  let cursor = 0;
  do cursor = db0.scan(cursor, (e) => counts[slotOf(db0, e)]++);
  while (cursor !== 0);
  srv.writeHooks.push({
    keyAdded: (db, e) => {
      if (db.id === 0) counts[slotOf(db, e)]++;
    },
    keyRemoved: (db, e) => {
      if (db.id === 0) counts[slotOf(db, e)]--;
    },
  });
  srv.flushWatchers.push({
    beforeFlushDb: (db) => {
      if (db.id === 0) counts.fill(0);
    },
    beforeFlushAll: () => {
      counts.fill(0);
      return false;
    },
  });
  slotCounts.set(srv, counts);
  return counts;
}

/** The keys of slot s in db 0 (up to limit). */
export function keysInSlot(srv: Server, s: number, limit: number): Buffer[] {
  const db = srv.dbs[0];
  const out: Buffer[] = [];
  const counts = slotCounts.get(srv);
  if (counts !== undefined) limit = Math.min(limit, counts[s]);
  if (limit === 0) return out;
  let cursor = 0;
  do {
    cursor = db.scan(cursor, (e) => {
      if (out.length >= limit) return;
      const k = db.keyBytes(e);
      if (keyHashSlot(k, 0, k.length) === s) out.push(k);
    });
  } while (cursor !== 0 && out.length < limit);
  return out;
}

export function countKeysInSlot(srv: Server, s: number): number {
  const counts = slotCounts.get(srv);
  return counts !== undefined ? counts[s] : keysInSlot(srv, s, Number.MAX_SAFE_INTEGER).length;
}

export async function startCluster(srv: Server): Promise<void> {
  const cfg = srv.config;
  const host = {
    configNum: (n: string) => cfg.num(n as Parameters<typeof cfg.num>[0]),
    configStr: (n: string) => cfg.str(n as Parameters<typeof cfg.str>[0]),
    configBool: (n: string) => cfg.get(n) === 'yes',
    dir: () => process.cwd(),
    port: () => cfg.num('cluster-announce-port') || cfg.num('port'),
    warn: (m: string) => srv.log.warning(m),
    notice: (m: string) => srv.log.notice(m),
    replicate: (p: ClusterNode | null) => {
      const st = replOf(srv);
      // A primary that paused writes for a manual failover resumes as the new primary's replica.
      const cl = clusters.get(srv);
      if (p !== null && cl?.bus.mfPaused) resetManualFailover(cl);
      if (p === null) becomePrimary(st);
      else becomeReplica(st, p.ip, p.port);
    },
    countKeysInSlot: (s: number) => countKeysInSlot(srv, s),
    replOffset: () => replOf(srv).offset,
  };
  const cs = new ClusterState(host);
  if (!cs.load()) {
    srv.log.notice(`No cluster configuration found, I'm ${cs.myself.name}`);
  } else {
    srv.log.notice(`Node configuration loaded, I'm ${cs.myself.name}`);
  }
  const me = cs.myself;
  const port = cfg.num('port');
  me.port = host.port();
  me.cport = cfg.num('cluster-announce-bus-port') || cfg.num('cluster-port') || port + 10000;
  me.hostname = cfg.str('cluster-announce-hostname');
  const announceIp = cfg.str('cluster-announce-ip');
  if (announceIp !== '') me.ip = announceIp;
  const bus = new Bus(cs);
  const busPort = cfg.num('cluster-port') || port + 10000;
  const binds = (cfg.values.bind as readonly string[]).filter((b) => !b.startsWith('-'));
  const bindHost = binds.length === 0 || binds[0] === '*' ? '0.0.0.0' : binds[0];
  await bus.listen(bindHost, busPort);
  const env: RouteEnv = {
    cs,
    lookupCommand: (argv: Argv) => {
      let c = srv.registry.lookup(argv, 0);
      if (c?.hasSubcommands && argv.argc > 1) c = c.subcommand(argv.lower(1)) ?? null;
      return c;
    },
    keyExists: (b, o, n) => srv.dbs[0].peek(b, o, n) >= 0,
    endpoint: (n) => endpointOf(srv, n),
    clientPort: (n) => n.port,
  };
  installSlotIndex(srv);
  const cl: Cluster = { srv, cs, bus, env };
  clusters.set(srv, cl);
  bus.onPublish = (shard, ch, msg) => {
    srv.pubsub.publish(shard, ch, 0, ch.length, msg, 0, msg.length);
  };
  // Manual failover, primary side: writes pause until the replica took over (or 10 s).
  bus.onMfStart = () => srv.pauseClients(Date.now() + 10_000, false);
  bus.onDirtySlots = (slots) => {
    for (const s of slots) for (const k of keysInSlot(srv, s, Number.MAX_SAFE_INTEGER)) deleteKey(srv, k);
  };
  // Keys of slots we no longer own are not ours to keep (clusterUpdateSlotsConfigWith's dirty slots).
  srv.clusterGate = (c: Client, cmd: Command, argv: Argv) => clusterGate(cl, c, cmd, argv);
  cs.updateState();
  cs.save();
  if (me.isSlave && me.primary !== null && me.primary.ip !== '') host.replicate(me.primary);
  const timer = setInterval(() => {
    bus.cron();
    failoverCron(cl);
    if (cs.todoUpdateState) cs.updateState();
    else if (!cs.ok) cs.updateState();
    if (cs.todoSave) cs.save();
  }, 100);
  timer.unref();
}

/** PUBLISH reaches every node of the cluster, SPUBLISH the nodes of our shard (bus messages). */
export function clusterPublish(srv: Server, shard: boolean, argv: Argv): void {
  const cl = clusters.get(srv);
  if (cl === undefined) return;
  const ch = argv.buf.subarray(argv.off[1], argv.off[1] + argv.len[1]);
  const msg = argv.buf.subarray(argv.off[2], argv.off[2] + argv.len[2]);
  cl.bus.publish(shard, ch, msg);
}

function deleteKey(srv: Server, k: Buffer): void {
  const db = srv.dbs[0];
  const e = db.lookupQuiet(k, 0, k.length);
  if (e >= 0) db.delete(e);
}

/** Redis's processCommand cluster step: true when the command was answered with a redirection. */
function clusterGate(cl: Cluster, c: Client, cmd: Command, argv: Argv): boolean {
  const asking = c.clusterFlags;
  // ASKING lasts for one command (kept through a transaction).
  if (cmd.fullName !== 'asking' && c.multi === null) c.clusterFlags &= ~CLIENT_ASKING;
  if (c.kind === 'master') return false;
  if (cmd.fullName !== 'exec' && !commandHasKeys(cmd) && !isShardPubsub(cmd.fullName)) return false;
  const flags = c.clusterFlags;
  c.clusterFlags = asking;
  let err = routeCommand(cl.env, c, cmd, argv);
  c.clusterFlags = flags;
  if (err === null) {
    const locks = lockedKeysOf(cl.srv);
    if (locks.size === 0 || cmd.fullName === 'migrate' || !touchesLocked(locks, cmd, argv)) return false;
    err = 'TRYAGAIN Key is being migrated, try again';
  }
  cl.srv.rejectedBusy(c, cmd.fullName, err);
  c.w.error(err);
  return true;
}

function touchesLocked(locks: Set<string>, cmd: Command, argv: Argv): boolean {
  const keys = getKeysAndFlags(cmd, argv);
  if (keys === null) return false;
  for (const k of keys) if (locks.has(argv.str(k.pos))) return true;
  return false;
}

export { CLUSTER_SLOTS };

/*
 * CLUSTER subcommands, ASKING, READONLY and READWRITE (Redis 7.0.15's cluster.c texts). The
 * state and bus are in src/cluster/; outside cluster mode every one answers "This instance has
 * cluster support disabled".
 */
import { isIP } from 'node:net';
import type { Argv } from '../../protocol/argv.ts';
import { NOT_INTEGER, SYNTAX } from '../../protocol/errors.ts';
import type { CommandDef } from '../../commands/registry.ts';
import { parseLongLong } from '../../util/numbers.ts';
import { CLUSTER_SLOTS, keyHashSlot } from '../../util/crc16.ts';
import { type Cluster, clusterOf, countKeysInSlot, endpointOf, keysInSlot } from '../../cluster/cluster.ts';
import { startManualFailover } from '../../cluster/failover.ts';
import { ClusterNode, NODE_FAIL, NODE_HANDSHAKE, NODE_MEET, NODE_PFAIL } from '../../cluster/node.ts';
import { MSG_NAMES } from '../../cluster/state.ts';
import { CLIENT_ASKING, CLIENT_READONLY } from '../../cluster/routing.ts';
import { replOf } from '../../replication/primary.ts';
import type { Client } from '../client.ts';

const DISABLED = 'ERR This instance has cluster support disabled';

function need(c: Client): Cluster | null {
  const cl = clusterOf(c.srv);
  if (cl === null) c.w.error(DISABLED);
  return cl;
}

function int(argv: Argv, i: number): number {
  return parseLongLong(argv.buf, argv.off[i], argv.len[i]);
}

/** getSlotOrReply. */
function slotArg(c: Client, argv: Argv, i: number): number {
  const s = int(argv, i);
  if (!Number.isSafeInteger(s) || s < 0 || s >= CLUSTER_SLOTS) {
    c.w.error('ERR Invalid or out of range slot');
    return -1;
  }
  return s;
}

function changed(cl: Cluster): void {
  cl.cs.updateState();
  cl.cs.save();
}

function offsetOf(cl: Cluster, n: ClusterNode): number {
  return n === cl.cs.myself ? replOf(cl.srv).offset : n.replOffset;
}

// CLUSTER INFO
function infoCommand(c: Client): void {
  const cl = need(c);
  if (cl === null) return;
  const cs = cl.cs;
  let assigned = 0;
  let pfail = 0;
  let fail = 0;
  for (let s = 0; s < CLUSTER_SLOTS; s++) {
    const n = cs.slots[s];
    if (n === null) continue;
    assigned++;
    if ((n.flags & NODE_FAIL) !== 0) fail++;
    else if ((n.flags & NODE_PFAIL) !== 0) pfail++;
  }
  const me = cs.myself;
  const myEpoch = me.isSlave && me.primary !== null ? me.primary.configEpoch : me.configEpoch;
  const lines = [
    `cluster_state:${cs.ok ? 'ok' : 'fail'}`,
    `cluster_slots_assigned:${assigned}`,
    `cluster_slots_ok:${assigned - pfail - fail}`,
    `cluster_slots_pfail:${pfail}`,
    `cluster_slots_fail:${fail}`,
    `cluster_known_nodes:${cs.nodes.size}`,
    `cluster_size:${cs.size}`,
    `cluster_current_epoch:${cs.currentEpoch}`,
    `cluster_my_epoch:${myEpoch}`,
  ];
  let sent = 0;
  let recv = 0;
  for (let t = 0; t < MSG_NAMES.length; t++) {
    if (cs.sentByType[t] === 0) continue;
    sent += cs.sentByType[t];
    lines.push(`cluster_stats_messages_${MSG_NAMES[t]}_sent:${cs.sentByType[t]}`);
  }
  lines.push(`cluster_stats_messages_sent:${sent}`);
  for (let t = 0; t < MSG_NAMES.length; t++) {
    if (cs.receivedByType[t] === 0) continue;
    recv += cs.receivedByType[t];
    lines.push(`cluster_stats_messages_${MSG_NAMES[t]}_received:${cs.receivedByType[t]}`);
  }
  lines.push(`cluster_stats_messages_received:${recv}`);
  lines.push('total_cluster_links_buffer_limit_exceeded:0');
  c.w.verbatim(`${lines.join('\r\n')}\r\n`);
}

// CLUSTER NODES
function nodesCommand(c: Client): void {
  const cl = need(c);
  if (cl === null) return;
  c.w.verbatim(cl.cs.nodesDescription(false));
}

// CLUSTER MYID
function myidCommand(c: Client): void {
  const cl = need(c);
  if (cl !== null) c.w.bulkString(cl.cs.myself.name);
}

// CLUSTER KEYSLOT key
function keyslotCommand(c: Client, argv: Argv): void {
  if (need(c) === null) return;
  c.w.integer(keyHashSlot(argv.buf, argv.off[2], argv.len[2]));
}

// CLUSTER COUNTKEYSINSLOT slot
function countkeysCommand(c: Client, argv: Argv): void {
  const cl = need(c);
  if (cl === null) return;
  const s = int(argv, 2);
  if (!Number.isSafeInteger(s)) return c.w.error(NOT_INTEGER);
  if (s < 0 || s >= CLUSTER_SLOTS) return c.w.error('ERR Invalid slot');
  c.w.integer(countKeysInSlot(c.srv, s));
}

// CLUSTER GETKEYSINSLOT slot count
function getkeysCommand(c: Client, argv: Argv): void {
  const cl = need(c);
  if (cl === null) return;
  const s = int(argv, 2);
  const max = int(argv, 3);
  if (!Number.isSafeInteger(s) || !Number.isSafeInteger(max)) return c.w.error(NOT_INTEGER);
  if (max < 0 || s < 0 || s >= CLUSTER_SLOTS) return c.w.error('ERR Invalid slot or number of keys');
  const keys = keysInSlot(c.srv, s, max);
  c.w.arrayHeader(keys.length);
  for (const k of keys) c.w.bulkBytes(k);
}

function slotRanges(argv: Argv, c: Client, ranged: boolean): number[] | null {
  const out: number[] = [];
  if (ranged) {
    if (argv.argc % 2 === 1) {
      c.w.error(`ERR wrong number of arguments for '${argv.lower(0)}|${argv.lower(1)}' command`);
      return null;
    }
    for (let i = 2; i < argv.argc; i += 2) {
      const a = slotArg(c, argv, i);
      if (a < 0) return null;
      const b = slotArg(c, argv, i + 1);
      if (b < 0) return null;
      if (a > b) {
        c.w.error(`ERR start slot number ${a} is greater than end slot number ${b}`);
        return null;
      }
      for (let s = a; s <= b; s++) out.push(s);
    }
  } else {
    for (let i = 2; i < argv.argc; i++) {
      const s = slotArg(c, argv, i);
      if (s < 0) return null;
      out.push(s);
    }
  }
  return out;
}

function addOrDelSlots(c: Client, argv: Argv, add: boolean, ranged: boolean): void {
  const cl = need(c);
  if (cl === null) return;
  const cs = cl.cs;
  const slots = slotRanges(argv, c, ranged);
  if (slots === null) return;
  const seen = new Uint8Array(CLUSTER_SLOTS);
  for (const s of slots) {
    if (add && cs.slots[s] !== null) return c.w.error(`ERR Slot ${s} is already busy`);
    if (!add && cs.slots[s] === null) return c.w.error(`ERR Slot ${s} is already unassigned`);
    if (seen[s]++ === 1) return c.w.error(`ERR Slot ${s} specified multiple times`);
  }
  for (const s of slots) {
    if (add) {
      cs.importingFrom[s] = null;
      cs.addSlot(s, cs.myself);
    } else cs.delSlot(s);
  }
  changed(cl);
  c.w.ok();
}

// CLUSTER FLUSHSLOTS
function flushslotsCommand(c: Client): void {
  const cl = need(c);
  if (cl === null) return;
  if (c.srv.dbs[0].count !== 0) return c.w.error('ERR DB must be empty to perform CLUSTER FLUSHSLOTS.');
  for (let s = 0; s < CLUSTER_SLOTS; s++) if (cl.cs.slots[s] === cl.cs.myself) cl.cs.delSlot(s);
  changed(cl);
  c.w.ok();
}

// CLUSTER SETSLOT slot IMPORTING node-id | MIGRATING node-id | NODE node-id | STABLE
function setslotCommand(c: Client, argv: Argv): void {
  const cl = need(c);
  if (cl === null) return;
  const cs = cl.cs;
  const me = cs.myself;
  if (me.isSlave) return c.w.error('ERR Please use SETSLOT only with masters.');
  const s = slotArg(c, argv, 2);
  if (s < 0) return;
  const action = argv.lower(3);
  const target = argv.argc === 5 ? cs.lookup(argv.str(4)) : null;
  if (action === 'migrating' && argv.argc === 5) {
    if (cs.slots[s] !== me) return c.w.error(`ERR I'm not the owner of hash slot ${s}`);
    if (target === null) return c.w.error(`ERR I don't know about node ${argv.str(4)}`);
    if (target.isSlave) return c.w.error('ERR Target node is not a master');
    cs.migratingTo[s] = target;
  } else if (action === 'importing' && argv.argc === 5) {
    if (cs.slots[s] === me) return c.w.error(`ERR I'm already the owner of hash slot ${s}`);
    if (target === null) return c.w.error(`ERR I don't know about node ${argv.str(4)}`);
    if (target.isSlave) return c.w.error('ERR Target node is not a master');
    cs.importingFrom[s] = target;
  } else if (action === 'stable' && argv.argc === 4) {
    cs.migratingTo[s] = null;
    cs.importingFrom[s] = null;
  } else if (action === 'node' && argv.argc === 5) {
    if (target === null) return c.w.error(`ERR Unknown node ${argv.str(4)}`);
    if (target.isSlave) return c.w.error('ERR Target node is not a master');
    const keys = cs.slots[s] === me ? countKeysInSlot(c.srv, s) : 0;
    if (cs.slots[s] === me && target !== me && keys !== 0) {
      return c.w.error(`ERR Can't assign hashslot ${s} to a different node while I still hold keys for this hash slot.`);
    }
    if (keys === 0 && cs.migratingTo[s] !== null) cs.migratingTo[s] = null;
    if (target === me && cs.importingFrom[s] !== null) {
      // The import is complete: take a new epoch so the cluster accepts our claim.
      if (me.configEpoch === 0 || me.configEpoch !== cs.maxEpoch()) {
        cs.currentEpoch++;
        me.configEpoch = cs.currentEpoch;
        cs.host.notice(`configEpoch updated after importing slot ${s}`);
      }
      cs.importingFrom[s] = null;
    }
    cs.delSlot(s);
    cs.addSlot(s, target);
  } else {
    return c.w.error('ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP');
  }
  changed(cl);
  c.w.ok();
}

// CLUSTER MEET ip port [cluster-bus-port]
function meetCommand(c: Client, argv: Argv): void {
  const cl = need(c);
  if (cl === null) return;
  if (argv.argc > 5) return c.w.error(SYNTAX);
  const port = int(argv, 3);
  if (!Number.isSafeInteger(port)) return c.w.error(`ERR Invalid TCP base port specified: ${argv.str(3)}`);
  let cport = port + 10000;
  if (argv.argc === 5) {
    cport = int(argv, 4);
    if (!Number.isSafeInteger(cport)) return c.w.error(`ERR Invalid TCP bus port specified: ${argv.str(4)}`);
  }
  let ip = argv.str(2);
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  if (isIP(ip) === 0 || port <= 0 || port > 65535 || cport <= 0 || cport > 65535) {
    return c.w.error(`ERR Invalid node address specified: ${argv.str(2)}:${argv.str(3)}`);
  }
  const cs = cl.cs;
  for (const n of cs.nodes.values()) {
    if (n.inHandshake && n.ip === ip && n.port === port && n.cport === cport) return c.w.ok();
  }
  const n = new ClusterNode(null, NODE_HANDSHAKE | NODE_MEET);
  n.ip = ip;
  n.port = port;
  n.cport = cport;
  cs.addNode(n);
  c.w.ok();
}

// CLUSTER FORGET node-id
function forgetCommand(c: Client, argv: Argv): void {
  const cl = need(c);
  if (cl === null) return;
  const cs = cl.cs;
  const n = cs.lookup(argv.str(2));
  if (n === null) return c.w.error(`ERR Unknown node ${argv.str(2)}`);
  if (n === cs.myself) return c.w.error("ERR I tried hard but I can't forget myself...");
  if (cs.myself.isSlave && cs.myself.primary === n) return c.w.error("ERR Can't forget my master!");
  cs.blacklist.set(n.name, Date.now() + 60_000);
  cs.delNode(n);
  changed(cl);
  c.w.ok();
}

// CLUSTER REPLICATE node-id
function replicateCommand(c: Client, argv: Argv): void {
  const cl = need(c);
  if (cl === null) return;
  const cs = cl.cs;
  const n = cs.lookup(argv.str(2));
  if (n === null) return c.w.error(`ERR Unknown node ${argv.str(2)}`);
  if (n === cs.myself) return c.w.error("ERR Can't replicate myself");
  if (n.isSlave) return c.w.error('ERR I can only replicate a master, not a replica.');
  if (cs.myself.isMaster && (cs.myself.numSlots !== 0 || c.srv.dbs[0].count !== 0)) {
    return c.w.error('ERR To set a master the node must be empty and without assigned slots.');
  }
  for (let s = 0; s < CLUSTER_SLOTS; s++) {
    cs.importingFrom[s] = null;
    cs.migratingTo[s] = null;
  }
  cs.setPrimaryOf(cs.myself, n);
  cs.host.replicate(n);
  changed(cl);
  c.w.ok();
}

// CLUSTER REPLICAS node-id   (CLUSTER SLAVES likewise)
function replicasCommand(c: Client, argv: Argv): void {
  const cl = need(c);
  if (cl === null) return;
  const n = cl.cs.lookup(argv.str(2));
  if (n === null) return c.w.error(`ERR Unknown node ${argv.str(2)}`);
  if (n.isSlave) return c.w.error('ERR The specified node is not a master');
  c.w.arrayHeader(n.replicas.length);
  for (const r of n.replicas) c.w.bulkString(cl.cs.nodeLine(r, false));
}

// CLUSTER COUNT-FAILURE-REPORTS node-id
function failureReportsCommand(c: Client, argv: Argv): void {
  const cl = need(c);
  if (cl === null) return;
  const n = cl.cs.lookup(argv.str(2));
  if (n === null) return c.w.error(`ERR Unknown node ${argv.str(2)}`);
  const validity = cl.cs.host.configNum('cluster-node-timeout') * 2;
  const now = Date.now();
  let count = 0;
  for (const t of n.failReports.values()) if (now - t <= validity) count++;
  c.w.integer(count);
}

// CLUSTER SET-CONFIG-EPOCH config-epoch
function setConfigEpochCommand(c: Client, argv: Argv): void {
  const cl = need(c);
  if (cl === null) return;
  const cs = cl.cs;
  const e = int(argv, 2);
  if (!Number.isSafeInteger(e)) return c.w.error(NOT_INTEGER);
  if (e < 0) return c.w.error(`ERR Invalid config epoch specified: ${e}`);
  if (cs.nodes.size > 1) return c.w.error('ERR The user can assign a config epoch only when the node does not know any other node.');
  if (cs.myself.configEpoch !== 0) return c.w.error('ERR Node config epoch is already non-zero');
  cs.myself.configEpoch = e;
  if (cs.currentEpoch < e) cs.currentEpoch = e;
  changed(cl);
  c.w.ok();
}

// CLUSTER BUMPEPOCH
function bumpepochCommand(c: Client): void {
  const cl = need(c);
  if (cl === null) return;
  const cs = cl.cs;
  const me = cs.myself;
  if (me.configEpoch === 0 || me.configEpoch !== cs.maxEpoch()) {
    cs.currentEpoch++;
    me.configEpoch = cs.currentEpoch;
    changed(cl);
    c.w.simple(`BUMPED ${me.configEpoch}`);
  } else c.w.simple(`STILL ${me.configEpoch}`);
}

// CLUSTER FAILOVER [FORCE|TAKEOVER]
function failoverCommand(c: Client, argv: Argv): void {
  const cl = need(c);
  if (cl === null) return;
  let mode = '';
  if (argv.argc === 3) {
    mode = argv.lower(2);
    if (mode !== 'force' && mode !== 'takeover') return c.w.error(SYNTAX);
  } else if (argv.argc > 3) return c.w.error(SYNTAX);
  const me = cl.cs.myself;
  if (me.isMaster) return c.w.error('ERR You should send CLUSTER FAILOVER to a replica');
  const p = me.primary;
  if (p === null) return c.w.error("ERR I'm a replica but my master is unknown to me");
  if (mode === '' && (p.failed || p.link === null)) return c.w.error('ERR Master is down or failed, please use CLUSTER FAILOVER FORCE');
  startManualFailover(cl, mode);
  c.w.ok();
}

// CLUSTER RESET [HARD|SOFT]
function resetCommand(c: Client, argv: Argv): void {
  const cl = need(c);
  if (cl === null) return;
  let hard = false;
  if (argv.argc === 3) {
    const m = argv.lower(2);
    if (m === 'hard') hard = true;
    else if (m !== 'soft') return c.w.error(SYNTAX);
  } else if (argv.argc > 3) return c.w.error(SYNTAX);
  if (cl.cs.myself.isMaster && c.srv.dbs[0].count !== 0) return c.w.error("ERR CLUSTER RESET can't be called with master nodes containing keys");
  cl.cs.reset(hard);
  changed(cl);
  c.w.ok();
}

// CLUSTER SAVECONFIG
function saveconfigCommand(c: Client): void {
  const cl = need(c);
  if (cl === null) return;
  if (cl.cs.save()) c.w.ok();
  else c.w.error('ERR Error saving the cluster node config: could not write nodes.conf');
}

function nodeEntry(c: Client, cl: Cluster, n: ClusterNode): void {
  const w = c.w;
  w.arrayHeader(4);
  w.bulkString(endpointOf(c.srv, n));
  w.integer(n.port);
  w.bulkString(n.name);
  const t = c.srv.config.str('cluster-preferred-endpoint-type');
  if (t !== 'hostname' && n.hostname !== '') {
    w.mapHeader(1);
    w.bulkString('hostname');
    w.bulkString(n.hostname);
  } else if (t === 'hostname' && n.ip !== '') {
    w.mapHeader(1);
    w.bulkString('ip');
    w.bulkString(n.ip);
  } else w.mapHeader(0);
  void cl;
}

// CLUSTER SLOTS
function slotsCommand(c: Client): void {
  const cl = need(c);
  if (cl === null) return;
  const cs = cl.cs;
  const ranges: [number, number, ClusterNode][] = [];
  let start = -1;
  for (let s = 0; s <= CLUSTER_SLOTS; s++) {
    const n = s < CLUSTER_SLOTS ? cs.slots[s] : null;
    if (start !== -1 && (n !== cs.slots[start] || s === CLUSTER_SLOTS)) {
      ranges.push([start, s - 1, cs.slots[start] as ClusterNode]);
      start = -1;
    }
    if (n !== null && start === -1) start = s;
  }
  c.w.arrayHeader(ranges.length);
  for (const [a, b, n] of ranges) {
    const reps = n.replicas.filter((r) => !r.failed);
    c.w.arrayHeader(3 + reps.length);
    c.w.integer(a);
    c.w.integer(b);
    nodeEntry(c, cl, n);
    for (const r of reps) nodeEntry(c, cl, r);
  }
}

// CLUSTER SHARDS
function shardsCommand(c: Client): void {
  const cl = need(c);
  if (cl === null) return;
  const cs = cl.cs;
  const w = c.w;
  const primaries = [...cs.nodes.values()].filter((n) => n.isMaster && !n.inHandshake);
  w.arrayHeader(primaries.length);
  for (const p of primaries) {
    w.mapHeader(2);
    w.bulkString('slots');
    const r: number[] = [];
    let start = -1;
    for (let s = 0; s <= CLUSTER_SLOTS; s++) {
      const has = s < CLUSTER_SLOTS && p.hasSlot(s);
      if (has && start === -1) start = s;
      if (!has && start !== -1) {
        r.push(start, s - 1);
        start = -1;
      }
    }
    w.arrayHeader(r.length);
    for (const v of r) w.integer(v);
    w.bulkString('nodes');
    const members = [p, ...p.replicas];
    w.arrayHeader(members.length);
    for (const n of members) {
      const extra = n.hostname !== '' ? 1 : 0;
      w.mapHeader(7 + extra);
      w.bulkString('id');
      w.bulkString(n.name);
      w.bulkString('port');
      w.integer(n.port);
      w.bulkString('ip');
      w.bulkString(n.ip);
      w.bulkString('endpoint');
      w.bulkString(endpointOf(c.srv, n));
      if (extra) {
        w.bulkString('hostname');
        w.bulkString(n.hostname);
      }
      w.bulkString('role');
      w.bulkString(n.isMaster ? 'master' : 'replica');
      w.bulkString('replication-offset');
      w.integer(offsetOf(cl, n));
      w.bulkString('health');
      w.bulkString(n.failed ? 'fail' : n.replOffset === 0 && n.isSlave && n !== cs.myself ? 'loading' : 'online');
    }
  }
}

// CLUSTER LINKS
function linksCommand(c: Client): void {
  const cl = need(c);
  if (cl === null) return;
  const links = cl.bus.links();
  const w = c.w;
  w.arrayHeader(links.length);
  for (const l of links) {
    w.mapHeader(6);
    w.bulkString('direction');
    w.bulkString(l.inbound ? 'from' : 'to');
    w.bulkString('node');
    w.bulkString(l.node?.name ?? '');
    w.bulkString('create-time');
    w.integer(l.createdAt);
    w.bulkString('events');
    w.bulkString(l.inbound ? 'r' : 'rw');
    w.bulkString('send-buffer-allocated');
    w.integer(0);
    w.bulkString('send-buffer-used');
    w.integer(l.sock.writableLength);
  }
}

const HELP = [
  'CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ADDSLOTS <slot> [<slot> ...]',
  '    Assign slots to current node.',
  'ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Assign slots which are between <start-slot> and <end-slot> to current node.',
  'BUMPEPOCH',
  '    Advance the cluster config epoch.',
  'COUNT-FAILURE-REPORTS <node-id>',
  '    Return number of failure reports for <node-id>.',
  'COUNTKEYSINSLOT <slot>',
  '    Return the number of keys in <slot>.',
  'DELSLOTS <slot> [<slot> ...]',
  '    Delete slots information from current node.',
  'DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Delete slots information which are between <start-slot> and <end-slot> from current node.',
  'FAILOVER [FORCE|TAKEOVER]',
  '    Promote current replica node to being a master.',
  'FORGET <node-id>',
  '    Remove a node from the cluster.',
  'GETKEYSINSLOT <slot> <count>',
  '    Return key names stored by current node in a slot.',
  'FLUSHSLOTS',
  '    Delete current node own slots information.',
  'INFO',
  '    Return information about the cluster.',
  'KEYSLOT <key>',
  '    Return the hash slot for <key>.',
  'MEET <ip> <port> [<bus-port>]',
  '    Connect nodes into a working cluster.',
  'MYID',
  '    Return the node id.',
  'NODES',
  '    Return cluster configuration seen by node. Output format:',
  '    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...',
  'REPLICATE <node-id>',
  '    Configure current node as replica to <node-id>.',
  'RESET [HARD|SOFT]',
  '    Reset current node (default: soft).',
  'SET-CONFIG-EPOCH <epoch>',
  '    Set config epoch of current node.',
  'SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)',
  '    Set slot state.',
  'REPLICAS <node-id>',
  '    Return <node-id> replicas.',
  'SAVECONFIG',
  '    Force saving cluster configuration on disk.',
  'SLOTS',
  '    Return information about slots range mappings. Each range is made of:',
  '    start, end, master and replicas IP addresses, ports and ids',
  'SHARDS',
  '    Return information about slot range mappings and the nodes associated with them.',
  'LINKS',
  '    Return information about all network links between this node and its peers.',
  '    Output format is an array where each array element is a map containing attributes of a link',
  'HELP',
  '    Prints this help.',
];

// CLUSTER HELP
function helpCommand(c: Client): void {
  if (need(c) === null) return;
  c.w.arrayHeader(HELP.length);
  for (const l of HELP) c.w.simple(l);
}

// ASKING
function askingCommand(c: Client): void {
  if (need(c) === null) return;
  c.clusterFlags |= CLIENT_ASKING;
  c.w.ok();
}

// READONLY
function readonlyCommand(c: Client): void {
  if (need(c) === null) return;
  c.clusterFlags |= CLIENT_READONLY;
  c.w.ok();
}

// READWRITE
function readwriteCommand(c: Client): void {
  if (need(c) === null) return;
  c.clusterFlags &= ~CLIENT_READONLY;
  c.w.ok();
}

export const clusterCommands: CommandDef<Client>[] = [
  {
    name: 'cluster',
    summary: 'Cluster state, slot ownership and node management.',
    subcommands: [
      { name: 'info', summary: 'Reports the cluster state and counters.', handler: infoCommand },
      { name: 'nodes', summary: "This node's view of the cluster, in nodes.conf format.", handler: nodesCommand },
      { name: 'myid', summary: 'The node ID.', handler: myidCommand },
      { name: 'keyslot', summary: 'The hash slot of a key.', handler: keyslotCommand },
      { name: 'countkeysinslot', summary: 'Counts the keys of a slot.', handler: countkeysCommand },
      { name: 'getkeysinslot', summary: 'Lists keys of a slot.', handler: getkeysCommand },
      { name: 'addslots', summary: 'Claims slots for this node.', handler: (c, a) => addOrDelSlots(c, a, true, false) },
      { name: 'addslotsrange', summary: 'Claims ranges of slots for this node.', handler: (c, a) => addOrDelSlots(c, a, true, true) },
      { name: 'delslots', summary: 'Forgets the owners of slots.', handler: (c, a) => addOrDelSlots(c, a, false, false) },
      { name: 'delslotsrange', summary: 'Forgets the owners of ranges of slots.', handler: (c, a) => addOrDelSlots(c, a, false, true) },
      { name: 'flushslots', summary: "Drops this node's slots.", handler: flushslotsCommand },
      { name: 'setslot', summary: 'Sets a slot migrating, importing, stable or owned by a node.', handler: setslotCommand },
      { name: 'meet', summary: 'Starts a handshake with another node.', handler: meetCommand },
      { name: 'forget', summary: 'Removes a node from this node’s table.', handler: forgetCommand },
      { name: 'replicate', summary: 'Makes this node a replica of a primary.', handler: replicateCommand },
      { name: 'replicas', summary: 'Lists the replicas of a primary.', handler: replicasCommand },
      { name: 'slaves', summary: 'Lists the replicas of a primary.', handler: replicasCommand },
      { name: 'count-failure-reports', summary: 'Counts failure reports about a node.', handler: failureReportsCommand },
      { name: 'set-config-epoch', summary: 'Sets the config epoch of a new node.', handler: setConfigEpochCommand },
      { name: 'bumpepoch', summary: 'Takes a new config epoch.', handler: bumpepochCommand },
      { name: 'failover', summary: 'Manual failover of a replica.', handler: failoverCommand },
      { name: 'reset', summary: 'Resets the node (soft or hard).', handler: resetCommand },
      { name: 'saveconfig', summary: 'Writes nodes.conf.', handler: saveconfigCommand },
      { name: 'slots', summary: 'Slot ranges and their nodes.', handler: slotsCommand },
      { name: 'shards', summary: 'Shards and their nodes.', handler: shardsCommand },
      { name: 'links', summary: 'The bus links.', handler: linksCommand },
      { name: 'help', summary: 'Describes the CLUSTER subcommands.', handler: helpCommand },
    ],
  },
  { name: 'asking', summary: 'The next command may touch a slot being imported.', handler: askingCommand },
  { name: 'readonly', summary: 'Reads from replicas are allowed on this connection.', handler: readonlyCommand },
  { name: 'readwrite', summary: 'Ends READONLY.', handler: readwriteCommand },
];

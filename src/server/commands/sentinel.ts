/*
 * SENTINEL subcommands, with Redis 7.0's reply shapes (field names and order of SENTINEL
 * MASTER/REPLICAS/SENTINELS as addReplySentinelRedisInstance prints them) and error texts.
 * Served only by a process in sentinel mode (src/sentinel/mode.ts), replies through the
 * client's ReplyWriter: RESP3 clients get maps where Redis sends maps.
 */
import { globMatchBytes } from '../../util/glob.ts';
import type { ReplyWriter } from '../../protocol/reply.ts';
import { applySentinelOption } from '../../sentinel/config.ts';
import type { Sentinel } from '../../sentinel/sentinel.ts';
import { type Instance, type Master, lastInfo } from '../../sentinel/state.ts';

const NO_MASTER = 'ERR No such master with that name';

function flags(i: Instance, m: Master): string {
  const f: string[] = [i.kind];
  if (i.sdownSince !== 0) f.push('s_down');
  if (i === m && m.odownSince !== 0) f.push('o_down');
  if (i.cmd === null || !i.cmd.connected) f.push('disconnected');
  if (i.kind === 'sentinel' && i.masterDown) f.push('master_down');
  if (i === m && m.inFailover) f.push('failover_in_progress');
  if (i.promoted) f.push('promoted');
  if (i.reconf === 'sent') f.push('reconf_sent');
  if (i.reconf === 'inprog') f.push('reconf_inprog');
  if (i.reconf === 'done') f.push('reconf_done');
  return f.join(',');
}

/** One instance as Redis's flat field/value list. */
export function describeInstance(i: Instance, m: Master): (string | number)[] {
  const now = Date.now();
  const name = i.kind === 'master' ? m.name : i.kind === 'sentinel' ? i.runId : `${i.host}:${i.port}`;
  const out: (string | number)[] = [
    'name', name, 'ip', i.host, 'port', i.port, 'runid', i.runId, 'flags', flags(i, m),
    'link-pending-commands', i.cmd?.pendingCount ?? 0, 'link-refcount', 1,
    'last-ping-sent', i.actPingTime !== 0 ? now - i.actPingTime : 0,
    'last-ok-ping-reply', now - i.lastAvailTime, 'last-ping-reply', now - i.lastPongTime,
  ];
  if (i.sdownSince !== 0) out.push('s-down-time', now - i.sdownSince);
  if (i === m && m.odownSince !== 0) out.push('o-down-time', now - m.odownSince);
  out.push('down-after-milliseconds', m.downAfter);
  if (i.kind === 'sentinel') {
    out.push('last-hello-message', i.lastHelloTime !== 0 ? now - i.lastHelloTime : 0);
    out.push('voted-leader', i.leader !== '' ? i.leader : '?', 'voted-leader-epoch', i.leaderEpoch);
    return out;
  }
  out.push('info-refresh', i.infoRefresh !== 0 ? now - i.infoRefresh : 0);
  out.push('role-reported', i.roleReported, 'role-reported-time', now - i.roleReportedTime);
  if (i === m) {
    out.push('config-epoch', m.configEpoch, 'num-slaves', m.replicas.size, 'num-other-sentinels', m.sentinels.size);
    out.push('quorum', m.quorum, 'failover-timeout', m.failoverTimeout, 'parallel-syncs', m.parallelSyncs);
  } else {
    out.push('master-link-down-time', i.masterLinkDownSinceMs, 'master-link-status', i.slaveMasterLinkUp ? 'ok' : 'err');
    out.push('master-host', i.slaveMasterHost !== '' ? i.slaveMasterHost : '?', 'master-port', i.slaveMasterPort);
    out.push('slave-priority', i.slavePriority, 'slave-repl-offset', i.slaveReplOffset, 'replica-announced', i.replicaAnnounced);
  }
  return out;
}

const HELP = [
  'SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CKQUORUM <master-name>',
  '    Check if the current Sentinel configuration is able to reach the quorum',
  '    needed to failover a master and the majority needed to authorize the',
  '    failover.',
  'CONFIG SET <param> <value>',
  '    Set a global Sentinel configuration parameter.',
  'CONFIG GET <param>',
  '    Get global Sentinel configuration parameter.',
  'DEBUG [<param> <value> ...]',
  '    Show a list of configurable time parameters and their values (milliseconds).',
  '    Or update current configurable parameters values (one or more).',
  'GET-MASTER-ADDR-BY-NAME <master-name>',
  '    Return the ip and port number of the master with that name.',
  'FAILOVER <master-name>',
  '    Manually failover a master node without asking for agreement from other',
  '    Sentinels',
  'FLUSHCONFIG',
  '    Force Sentinel to rewrite its configuration on disk, including the current',
  '    Sentinel state.',
  'INFO-CACHE <master-name>',
  '    Return last cached INFO output from masters and all its replicas.',
  'IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>',
  '    Check if the master specified by ip:port is down from current Sentinel\'s',
  '    point of view.',
  'MASTER <master-name>',
  '    Show the state and info of the specified master.',
  'MASTERS',
  '    Show a list of monitored masters and their state.',
  'MONITOR <name> <ip> <port> <quorum>',
  '    Start monitoring a new master with the specified name, ip, port and quorum.',
  'MYID',
  '    Return the ID of the Sentinel instance.',
  'PENDING-SCRIPTS',
  '    Get pending scripts information.',
  'REMOVE <master-name>',
  '    Remove master from Sentinel\'s monitor list.',
  'REPLICAS <master-name>',
  '    Show a list of replicas for this master and their state.',
  'RESET <pattern>',
  '    Reset masters for specific master name matching this pattern.',
  'SENTINELS <master-name>',
  '    Show a list of Sentinel instances for this master and their state.',
  'SET <master-name> <option> <value> [<option> <value> ...]',
  '    Set configuration paramters for certain masters.',
  'SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]',
  '    Simulate a Sentinel crash.',
  'HELP',
  '    Print this help.',
];

const SET_OPTIONS = new Set(['down-after-milliseconds', 'failover-timeout', 'parallel-syncs', 'quorum', 'auth-pass', 'auth-user', 'notification-script', 'client-reconfig-script', 'master-reboot-down-after-period', 'rename-command']);

/** SENTINEL <subcommand> ...: the reply goes to w. */
export function sentinelCommand(s: Sentinel, w: ReplyWriter, args: string[]): void {
  const sub = (args[1] ?? '').toLowerCase();
  const masters = s.cfg.masters;
  const master = (): Master | null => {
    const m = masters.get(args[2]);
    if (m === undefined) w.error(NO_MASTER);
    return m ?? null;
  };
  const arity = (n: number, exact = true) => (exact ? args.length !== n : args.length < n);
  const wrongArgs = (): void => w.error(`ERR wrong number of arguments for 'sentinel|${sub}' command`);
  switch (sub) {
    case 'masters':
      // SENTINEL MASTERS
      if (arity(2)) return wrongArgs();
      return instances(w, [...masters.values()].map((m) => describeInstance(m, m)));
    case 'master': {
      // SENTINEL MASTER name
      if (arity(3)) return wrongArgs();
      const m = master();
      if (m !== null) fields(w, describeInstance(m, m));
      return;
    }
    case 'replicas':
    case 'slaves': {
      // SENTINEL REPLICAS name
      if (arity(3)) return wrongArgs();
      const m = master();
      if (m !== null) instances(w, [...m.replicas.values()].map((r) => describeInstance(r, m)));
      return;
    }
    case 'sentinels': {
      // SENTINEL SENTINELS name
      if (arity(3)) return wrongArgs();
      const m = master();
      if (m !== null) instances(w, [...m.sentinels.values()].map((x) => describeInstance(x, m)));
      return;
    }
    case 'get-master-addr-by-name': {
      // SENTINEL GET-MASTER-ADDR-BY-NAME name
      if (arity(3)) return wrongArgs();
      const m = masters.get(args[2]);
      if (m === undefined) return w.nullArray();
      const [h, p] = s.currentAddress(m);
      return bulks(w, [h, p]);
    }
    case 'is-master-down-by-addr': {
      // SENTINEL IS-MASTER-DOWN-BY-ADDR ip port current-epoch runid
      if (arity(6)) return wrongArgs();
      const port = Number(args[3]);
      const epoch = Number(args[4]);
      if (!Number.isInteger(port) || !Number.isInteger(epoch)) return w.error('ERR value is not an integer or out of range');
      const m = [...masters.values()].find((x) => x.host === args[2] && x.port === port);
      const down = m !== undefined && m.sdownSince !== 0 ? 1 : 0;
      let leader = '*';
      let leaderEpoch = 0;
      if (m !== undefined && args[5] !== '*') [leader, leaderEpoch] = s.voteLeader(m, epoch, args[5]);
      if (leader === '') leader = '*';
      w.arrayHeader(3);
      w.integer(down);
      w.bulkText(leader);
      w.integer(leaderEpoch);
      return;
    }
    case 'reset': {
      // SENTINEL RESET pattern
      if (arity(3)) return wrongArgs();
      let n = 0;
      for (const m of masters.values()) {
        if (globMatchBytes(Buffer.from(args[2]), Buffer.from(m.name))) {
          s.resetMaster(m);
          n++;
        }
      }
      if (n > 0) s.save();
      return w.integer(n);
    }
    case 'failover': {
      // SENTINEL FAILOVER name
      if (arity(3)) return wrongArgs();
      const m = master();
      if (m === null) return;
      if (m.inFailover) return w.error('INPROG Failover already in progress');
      const good = [...m.replicas.values()].some((r) => r.sdownSince === 0 && r.cmd?.connected === true && r.slavePriority !== 0);
      if (!good) return w.error('NOGOODSLAVE No suitable replica to promote');
      s.hooks.log('warning', `Executing user requested FAILOVER of '${m.name}'`);
      s.startFailover(m);
      m.forceFailover = true;
      return w.ok();
    }
    case 'ckquorum': {
      // SENTINEL CKQUORUM name
      if (arity(3)) return wrongArgs();
      const m = master();
      if (m === null) return;
      const q = s.quorumStatus(m);
      if (q.usable < m.quorum) {
        return w.error(`NOQUORUM ${q.usable} usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master`);
      }
      if (q.usable < q.majority) {
        s.hooks.log('warning', `CKQUORUM ${m.name}: quorum ${m.quorum} is reachable but ${q.usable} of ${q.voters} Sentinels are not a majority (${q.majority}): no failover can be authorized`);
        return w.error(`NOQUORUM ${q.usable} usable Sentinels. Not enough available Sentinels to reach the majority and authorize a failover`);
      }
      return w.simple(`OK ${q.usable} usable Sentinels. Quorum and failover authorization can be reached`);
    }
    case 'flushconfig':
      // SENTINEL FLUSHCONFIG
      if (arity(2)) return wrongArgs();
      s.save();
      return w.ok();
    case 'monitor': {
      // SENTINEL MONITOR name ip port quorum
      if (arity(6)) return wrongArgs();
      if (masters.has(args[2])) return w.error('ERR Duplicate master name.');
      const port = Number(args[4]);
      const q = Number(args[5]);
      if (!Number.isInteger(port) || !Number.isInteger(q)) return w.error('ERR value is not an integer or out of range');
      if (q <= 0) return w.error('ERR Quorum must be 1 or greater.');
      if (port <= 0 || port > 65535) return w.error('ERR Invalid port number');
      if (!/^[0-9.:a-fA-F]+$/.test(args[3]) && !s.cfg.resolveHostnames) return w.error('ERR Invalid IP address or hostname specified');
      applySentinelOption(s.cfg, ['monitor', args[2], args[3], args[4], args[5]]);
      const m = masters.get(args[2]);
      if (m !== undefined) s.hooks.log('warning', `+monitor master ${m.name} ${m.host} ${m.port} quorum ${m.quorum}`);
      s.save();
      return w.ok();
    }
    case 'remove': {
      // SENTINEL REMOVE name
      if (arity(3)) return wrongArgs();
      const m = master();
      if (m === null) return;
      s.forEachInstance(m, (i) => i.closeLinks());
      masters.delete(m.name);
      s.hooks.log('warning', `-monitor master ${m.name} ${m.host} ${m.port}`);
      s.save();
      return w.ok();
    }
    case 'set': {
      // SENTINEL SET name option value [option value ...]
      if (arity(5, false)) return wrongArgs();
      const m = master();
      if (m === null) return;
      if (args.length % 2 === 0) return w.error(`ERR Unknown option or number of arguments for SENTINEL SET '${args[args.length - 1]}'`);
      for (let j = 3; j < args.length; j += 2) {
        const opt = args[j].toLowerCase();
        if (!SET_OPTIONS.has(opt)) return w.error(`ERR Unknown option or number of arguments for SENTINEL SET '${args[j]}'`);
        if (opt === 'quorum') {
          const q = Number(args[j + 1]);
          if (!Number.isInteger(q) || q <= 0) return w.error(`ERR Invalid argument '${args[j + 1]}' for SENTINEL SET '${args[j]}'`);
          m.quorum = q;
          s.checkMajority(m);
        } else if (applySentinelOption(s.cfg, [opt, m.name, args[j + 1]]) !== null) {
          return w.error(`ERR Invalid argument '${args[j + 1]}' for SENTINEL SET '${args[j]}'`);
        }
        s.hooks.log('warning', `+set master ${m.name} ${m.host} ${m.port} ${opt} ${args[j + 1]}`);
      }
      s.save();
      return w.ok();
    }
    case 'info-cache': {
      // SENTINEL INFO-CACHE name [name ...]
      if (arity(3, false)) return wrongArgs();
      const found = args.slice(2).flatMap((name) => masters.get(name) ?? []);
      w.arrayHeader(found.length * 2);
      for (const m of found) {
        w.bulkText(m.name);
        const all = [m, ...m.replicas.values()];
        w.arrayHeader(all.length);
        for (const i of all) {
          const text = lastInfo.get(i);
          w.arrayHeader(2);
          w.integer(i.infoRefresh !== 0 ? Date.now() - i.infoRefresh : 0);
          if (text === undefined) w.nullBulk();
          else w.bulkText(text);
        }
      }
      return;
    }
    case 'myid':
      // SENTINEL MYID
      if (arity(2)) return wrongArgs();
      return w.bulkText(s.myId);
    case 'pending-scripts':
      return w.arrayHeader(0);
    case 'config':
      return configCommand(s, w, args);
    case 'simulate-failure':
      return w.ok();
    case 'debug':
      return w.ok();
    case 'help':
      w.arrayHeader(HELP.length);
      for (const l of HELP) w.simple(l);
      return;
    default:
      return w.error(`ERR unknown subcommand '${args[1] ?? ''}'. Try SENTINEL HELP.`);
  }
}


const CONFIG_PARAMS = ['resolve-hostnames', 'announce-hostnames', 'announce-ip', 'announce-port', 'sentinel-user', 'sentinel-pass', 'loglevel'];

// SENTINEL CONFIG GET pattern | SENTINEL CONFIG SET param value
function configCommand(s: Sentinel, w: ReplyWriter, args: string[]): void {
  const op = (args[2] ?? '').toLowerCase();
  const value = (p: string): string => {
    if (p === 'resolve-hostnames') return s.cfg.resolveHostnames ? 'yes' : 'no';
    if (p === 'announce-hostnames') return 'no';
    if (p === 'announce-ip') return s.cfg.announceIp;
    if (p === 'announce-port') return String(s.cfg.announcePort);
    if (p === 'loglevel') return 'notice';
    return '';
  };
  if (op === 'get' && args.length === 4) {
    const found = CONFIG_PARAMS.filter((p) => globMatchBytes(Buffer.from(args[3]), Buffer.from(p), true));
    w.mapHeader(found.length);
    for (const p of found) {
      w.bulkText(p);
      w.bulkText(value(p));
    }
    return;
  }
  if (op === 'set' && args.length >= 5) {
    const p = args[3].toLowerCase();
    const v = args[4];
    if (p === 'resolve-hostnames') s.cfg.resolveHostnames = v.toLowerCase() === 'yes';
    else if (p === 'announce-ip') s.cfg.announceIp = v;
    else if (p === 'announce-port') s.cfg.announcePort = Number(v);
    else if (!CONFIG_PARAMS.includes(p)) return w.error(`ERR Invalid argument '${args[3]}' to SENTINEL CONFIG SET`);
    s.save();
    return w.ok();
  }
  return w.error(`ERR wrong number of arguments for 'sentinel|config' command`);
}

/** A flat field/value list: a map in RESP3, as Redis's addReplySentinelRedisInstance. */
function fields(w: ReplyWriter, f: (string | number)[]): void {
  w.mapHeader(f.length / 2);
  for (const x of f) w.bulkText(String(x));
}

function instances(w: ReplyWriter, list: (string | number)[][]): void {
  w.arrayHeader(list.length);
  for (const f of list) fields(w, f);
}

function bulks(w: ReplyWriter, items: (string | number)[]): void {
  w.arrayHeader(items.length);
  for (const x of items) w.bulkText(String(x));
}

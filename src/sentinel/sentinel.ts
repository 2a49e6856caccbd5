/*
 * The sentinel engine: every 100 ms (with jitter, as Redis's sentinelTimer) each primary, its
 * replicas and the other sentinels get their links (re)connected and their periodic commands
 * (PING every second, INFO every 10 s or every second for replicas during a failover, a hello
 * on `__sentinel__:hello` every 2 s); then SDOWN is checked for each, ODOWN for the primaries
 * (quorum of sentinels answering SENTINEL IS-MASTER-DOWN-BY-ADDR), a failover is started when
 * ODOWN and none ran within 2 * failover-timeout, votes are asked, and the failover state
 * machine runs (docs/design-sentinel.md). Every state change publishes an event on the
 * sentinel's own pub/sub and, when it changes the persistent state, rewrites the config.
 */
import { Link } from './link.ts';
import { RespError, type RespValue } from './resp.ts';
import { type SentinelConfig, newRunId, rewriteSentinelConfig } from './config.ts';
import { Instance, type Master, type FailoverState, lastInfo } from './state.ts';
import { parseHello, parseInfo } from './info-parse.ts';

const PING_PERIOD = 1000;
const INFO_PERIOD = 10000;
const PUBLISH_PERIOD = 2000;
const ASK_PERIOD = 1000;
const MAX_DESYNC = 1000;
const ELECTION_TIMEOUT = 10000;
const SLAVE_RECONF_TIMEOUT = 10000;
export const HELLO_CHANNEL = '__sentinel__:hello';

export interface SentinelHooks {
  publish(channel: string, message: string): void;
  log(level: 'notice' | 'warning', msg: string): void;
}

export class Sentinel {
  readonly cfg: SentinelConfig;
  readonly hooks: SentinelHooks;
  private timer: NodeJS.Timeout | null = null;

  constructor(cfg: SentinelConfig, hooks: SentinelHooks) {
    this.cfg = cfg;
    this.hooks = hooks;
    if (cfg.myId === '') {
      cfg.myId = newRunId();
      this.save();
    }
  }

  get myId(): string {
    return this.cfg.myId;
  }

  get announcePort(): number {
    return this.cfg.announcePort !== 0 ? this.cfg.announcePort : this.cfg.port;
  }

  start(): void {
    for (const m of this.cfg.masters.values()) this.hooks.log('warning', `+monitor master ${m.name} ${m.host} ${m.port} quorum ${m.quorum}`);
    const tick = () => {
      this.timer = setTimeout(tick, 80 + Math.floor(Math.random() * 40));
      try {
        this.cron();
      } catch (e) {
        this.hooks.log('warning', `sentinel timer error: ${(e as Error).stack}`);
      }
    };
    tick();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    for (const m of this.cfg.masters.values()) this.forEachInstance(m, (i) => i.closeLinks());
  }

  save(): void {
    const err = rewriteSentinelConfig(this.cfg);
    if (err !== null) this.hooks.log('warning', `WARNING: Sentinel was not able to save the new configuration on disk!!!: ${err}`);
  }

  // ---- events ----

  /** `<type> <name> <ip> <port> @ <master> <ip> <port>` or `master <name> <ip> <port>`, as Redis. */
  describe(i: Instance, master: Master): string {
    if (i === master) return `master ${master.name} ${master.host} ${master.port}`;
    const name = i.kind === 'sentinel' ? i.runId : `${i.host}:${i.port}`;
    return `${i.kind} ${name} ${i.host} ${i.port} @ ${master.name} ${master.host} ${master.port}`;
  }

  event(type: string, i: Instance | null, master: Master | null, extra = ''): void {
    let msg = i !== null && master !== null ? this.describe(i, master) : '';
    if (extra !== '') msg = msg === '' ? extra : `${msg} ${extra}`;
    this.hooks.log('warning', `${type} ${msg}`);
    this.hooks.publish(type, msg);
  }

  forEachInstance(m: Master, fn: (i: Instance) => void): void {
    fn(m);
    for (const r of m.replicas.values()) fn(r);
    for (const s of m.sentinels.values()) fn(s);
  }

  // ---- the timer ----

  private cron(): void {
    for (const m of this.cfg.masters.values()) {
      for (const r of m.replicas.values()) this.handleInstance(r, m);
      for (const s of m.sentinels.values()) this.handleInstance(s, m);
      this.handleInstance(m, m);
      if (m.failoverState === 'update_config') this.switchToPromoted(m);
    }
  }

  private handleInstance(i: Instance, m: Master): void {
    this.reconnect(i, m);
    this.periodicCommands(i, m);
    this.checkSdown(i, m);
    if (i === m) {
      this.checkOdown(m);
      if (this.startFailoverIfNeeded(m)) this.askOthers(m, true);
      this.failoverStep(m);
      this.askOthers(m, false);
    }
  }

  private reconnect(i: Instance, m: Master): void {
    if (i.cmd === null) {
      const link = new Link(i.host, i.port, () => {
        if (m.authPass !== '' && i.kind !== 'sentinel') link.send(m.authUser !== '' ? ['AUTH', m.authUser, m.authPass] : ['AUTH', m.authPass]);
        link.send(['CLIENT', 'SETNAME', `sentinel-${this.myId.slice(0, 8)}-cmd`]);
        this.sendPing(i, link);
      });
      link.onClose = () => {
        if (i.cmd === link) i.cmd = null;
        infoInFlight.delete(i);
        askInFlight.delete(i);
      };
      i.cmd = link;
    }
    if (i.kind !== 'sentinel' && i.pubsub === null) {
      const link: Link = new Link(i.host, i.port, () => {
        if (m.authPass !== '') link.send(m.authUser !== '' ? ['AUTH', m.authUser, m.authPass] : ['AUTH', m.authPass]);
        link.send(['CLIENT', 'SETNAME', `sentinel-${this.myId.slice(0, 8)}-pubsub`]);
        link.send(['SUBSCRIBE', HELLO_CHANNEL]);
      });
      link.onPush = (v) => {
        if (Array.isArray(v) && v[0] === 'message' && v[1] === HELLO_CHANNEL && typeof v[2] === 'string') this.processHello(v[2]);
      };
      link.onClose = () => {
        if (i.pubsub === link) i.pubsub = null;
      };
      i.pubsub = link;
    }
  }

  private sendPing(i: Instance, link: Link): void {
    const now = Date.now();
    if (i.actPingTime === 0) i.actPingTime = now;
    i.lastPingTime = now;
    link.send(['PING'], (v) => {
      const t = Date.now();
      if (typeof v === 'string' && (v === 'PONG' || v.startsWith('LOADING') || v.startsWith('MASTERDOWN'))) {
        i.lastAvailTime = t;
        i.actPingTime = 0;
      } else if (v instanceof RespError && (v.message.startsWith('LOADING') || v.message.startsWith('MASTERDOWN'))) {
        i.lastAvailTime = t;
        i.actPingTime = 0;
      }
      i.lastPongTime = t;
    });
  }

  private periodicCommands(i: Instance, m: Master): void {
    const link = i.cmd;
    if (link === null || !link.connected) return;
    const now = Date.now();
    // A link whose oldest PING is older than down-after/2 is dropped and made again.
    if (i.actPingTime !== 0 && now - i.actPingTime > m.downAfter / 2 && now - i.lastPongTime > m.downAfter / 2) {
      i.closeLinks();
      return;
    }
    if (link.pendingCount >= 100) return;
    let infoPeriod = INFO_PERIOD;
    if (i.kind === 'slave' && (m.sdownSince !== 0 || m.odownSince !== 0 || m.inFailover)) infoPeriod = 1000;
    if (i.kind === 'slave' && i.masterLinkDownSinceMs !== 0) infoPeriod = 1000;
    const pingPeriod = Math.min(PING_PERIOD, m.downAfter);
    if (i.kind !== 'sentinel' && (i.infoRefresh === 0 || now - i.infoRefresh > infoPeriod) && !infoInFlight.has(i)) {
      infoInFlight.add(i);
      link.send(['INFO'], (v) => {
        infoInFlight.delete(i);
        if (typeof v === 'string') this.refreshFromInfo(i, m, v);
      });
    }
    if (now - i.lastPongTime > pingPeriod && now - i.lastPingTime > pingPeriod / 2) this.sendPing(i, link);
    if (now - i.lastPubTime > PUBLISH_PERIOD) this.sendHello(i, m);
  }

  private sendHello(i: Instance, m: Master): void {
    const link = i.cmd;
    if (link === null || !link.connected) return;
    const ip = this.cfg.announceIp !== '' ? this.cfg.announceIp : (link.sock.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const [mh, mp] = this.currentAddress(m);
    const payload = `${ip},${this.announcePort},${this.myId},${this.cfg.currentEpoch},${m.name},${mh},${mp},${m.configEpoch}`;
    i.lastPubTime = Date.now();
    link.send(['PUBLISH', HELLO_CHANNEL, payload]);
  }

  // ---- INFO ----

  private refreshFromInfo(i: Instance, m: Master, text: string): void {
    const info = parseInfo(text);
    const now = Date.now();
    i.infoRefresh = now;
    lastInfo.set(i, text);
    if (info.runId !== '' && i.runId !== info.runId) {
      if (i.runId !== '') this.hooks.log('notice', `+reboot ${this.describe(i, m)}`);
      i.runId = info.runId;
    }
    if (info.role !== i.roleReported) {
      i.roleReported = info.role;
      i.roleReportedTime = now;
    }
    if (info.role === 'master') {
      for (const r of info.replicas) {
        const key = `${r.ip}:${r.port}`;
        if (i === m && !m.replicas.has(key)) {
          m.replicas.set(key, new Instance('slave', r.ip, r.port));
          this.event('+slave', m.replicas.get(key) ?? null, m);
          this.save();
        }
      }
    } else {
      i.slaveMasterHost = info.masterHost;
      i.slaveMasterPort = info.masterPort;
      i.slaveMasterLinkUp = info.masterLinkUp;
      i.masterLinkDownSinceMs = info.masterLinkUp ? 0 : info.masterLinkDownSeconds * 1000;
      i.slavePriority = info.slavePriority;
      i.slaveReplOffset = info.slaveReplOffset;
      i.replicaAnnounced = info.replicaAnnounced;
    }
    // The promoted replica now reports itself a primary: reconfigure the others.
    if (i.kind === 'slave' && info.role === 'master' && i.promoted && m.failoverState === 'wait_promotion') {
      m.configEpoch = m.failoverEpoch;
      this.setFailoverState(m, 'reconf_slaves');
      this.event('+promoted-slave', i, m);
      this.event('+failover-state-reconf-slaves', m, m);
      this.save();
      return;
    }
    // A replica in our table reporting itself a primary (an old primary back): make it ours.
    const wait = PUBLISH_PERIOD * 4;
    if (i.kind === 'slave' && info.role === 'master' && !i.promoted && !m.inFailover) {
      if (this.masterLooksSane(m) && now - i.roleReportedTime > wait && i.sdownSince === 0) {
        if (this.sendReplicaOf(i, m.host, m.port)) this.event('+convert-to-slave', i, m);
      }
    }
    // A replica of the wrong primary.
    if (i.kind === 'slave' && info.role === 'slave' && !m.inFailover && (i.slaveMasterHost !== m.host || i.slaveMasterPort !== m.port)) {
      if (this.masterLooksSane(m) && now - i.roleReportedTime > wait) {
        if (this.sendReplicaOf(i, m.host, m.port)) this.event('+fix-slave-config', i, m);
      }
    }
    // Progress of the replicas being reconfigured.
    const p = m.promotedReplica;
    if (i.kind === 'slave' && info.role === 'slave' && m.inFailover && p !== null && i.reconf !== '' && i.reconf !== 'done') {
      if (i.reconf === 'sent' && i.slaveMasterHost === p.host && i.slaveMasterPort === p.port) {
        i.reconf = 'inprog';
        this.event('+slave-reconf-inprog', i, m);
      }
      if (i.reconf === 'inprog' && i.slaveMasterLinkUp) {
        i.reconf = 'done';
        this.event('+slave-reconf-done', i, m);
      }
    }
  }

  private masterLooksSane(m: Master): boolean {
    return m.roleReported === 'master' && m.sdownSince === 0 && m.odownSince === 0 && Date.now() - m.infoRefresh < INFO_PERIOD * 2;
  }

  /** MULTI / REPLICAOF / CONFIG REWRITE / CLIENT KILL TYPE normal and pubsub / EXEC, as Redis. */
  sendReplicaOf(i: Instance, host: string | null, port: number): boolean {
    const link = i.cmd;
    if (link === null || !link.connected) return false;
    link.send(['MULTI']);
    link.send(host === null ? ['SLAVEOF', 'NO', 'ONE'] : ['SLAVEOF', host, port]);
    link.send(['CONFIG', 'REWRITE']);
    link.send(['CLIENT', 'KILL', 'TYPE', 'normal']);
    link.send(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    link.send(['EXEC']);
    return true;
  }

  // ---- hello ----

  /** A hello from another sentinel (its pub/sub message, or PUBLISH to us). */
  processHello(payload: string): void {
    const h = parseHello(payload);
    if (h === null || h.runId === this.myId) return;
    const m = this.cfg.masters.get(h.masterName);
    if (m === undefined) return;
    let s = m.sentinels.get(h.runId);
    if (s === undefined) {
      // Another runid at that address: the old entry goes (a restarted sentinel).
      for (const [id, o] of m.sentinels) {
        if (o.host === h.ip && o.port === h.port) {
          o.closeLinks();
          m.sentinels.delete(id);
        }
      }
      s = new Instance('sentinel', h.ip, h.port);
      s.runId = h.runId;
      m.sentinels.set(h.runId, s);
      this.event('+sentinel', s, m);
      this.save();
      this.checkMajority(m);
    } else if (s.host !== h.ip || s.port !== h.port) {
      s.closeLinks();
      s.host = h.ip;
      s.port = h.port;
    }
    s.lastHelloTime = Date.now();
    if (h.currentEpoch > this.cfg.currentEpoch) {
      this.cfg.currentEpoch = h.currentEpoch;
      this.save();
      this.event('+new-epoch', null, null, String(h.currentEpoch));
    }
    if (h.masterConfigEpoch > m.configEpoch) {
      m.configEpoch = h.masterConfigEpoch;
      if (h.masterIp !== m.host || h.masterPort !== m.port) {
        this.event('+config-update-from', s, m);
        const oldHost = m.host;
        const oldPort = m.port;
        this.resetMasterAndChangeAddress(m, h.masterIp, h.masterPort);
        this.event('+switch-master', null, null, `${m.name} ${oldHost} ${oldPort} ${m.host} ${m.port}`);
      }
      this.save();
    }
  }

  // ---- SDOWN / ODOWN ----

  private checkSdown(i: Instance, m: Master): void {
    const now = Date.now();
    let elapsed = 0;
    if (i.actPingTime !== 0) elapsed = now - i.actPingTime;
    else if (i.cmd === null || !i.cmd.connected) elapsed = now - i.lastAvailTime;
    // A primary reporting itself a replica for too long is down too.
    const roleDown = i === m && i.roleReported === 'slave' && now - i.roleReportedTime > m.downAfter + INFO_PERIOD * 2;
    if (elapsed > m.downAfter || roleDown) {
      if (i.sdownSince === 0) {
        i.sdownSince = now;
        this.event('+sdown', i, m);
      }
    } else if (i.sdownSince !== 0) {
      i.sdownSince = 0;
      this.event('-sdown', i, m);
    }
  }

  private checkOdown(m: Master): void {
    const now = Date.now();
    let count = 0;
    if (m.sdownSince !== 0) {
      count = 1;
      for (const s of m.sentinels.values()) {
        if (s.masterDown && now - s.lastMasterDownReplyTime < ASK_PERIOD * 5) count++;
      }
    }
    if (count >= m.quorum && m.sdownSince !== 0) {
      if (m.odownSince === 0) {
        m.odownSince = now;
        this.event('+odown', m, m, `#quorum ${count}/${m.quorum}`);
        const q = this.quorumStatus(m);
        if (q.usable < q.majority) {
          this.hooks.log(
            'warning',
            `WARNING: ${m.name} is objectively down (quorum ${m.quorum} reached) but only ${q.usable} of ${q.voters} Sentinels are reachable: a failover needs a majority of ${q.majority}, so none can be authorized`,
          );
        }
      }
    } else if (m.odownSince !== 0) {
      m.odownSince = 0;
      this.event('-odown', m, m);
    }
  }

  /** SENTINEL IS-MASTER-DOWN-BY-ADDR to every other sentinel: their view, and their vote. */
  private askOthers(m: Master, force: boolean): void {
    if (m.sdownSince === 0) return;
    const now = Date.now();
    for (const s of m.sentinels.values()) {
      if (now - s.lastMasterDownReplyTime > ASK_PERIOD * 5) {
        s.masterDown = false;
        s.leader = '';
      }
      const link = s.cmd;
      if (link === null || !link.connected) continue;
      if (!force && now - s.lastMasterDownReplyTime < ASK_PERIOD) continue;
      if (askInFlight.has(s)) continue;
      askInFlight.add(s);
      const runId = m.inFailover ? this.myId : '*';
      link.send(['SENTINEL', 'is-master-down-by-addr', m.host, m.port, this.cfg.currentEpoch, runId], (v) => {
        askInFlight.delete(s);
        if (!Array.isArray(v) || v.length !== 3 || typeof v[0] !== 'number' || typeof v[1] !== 'string' || typeof v[2] !== 'number') return;
        s.lastMasterDownReplyTime = Date.now();
        s.masterDown = v[0] === 1;
        if (v[1] !== '*') {
          if (s.leaderEpoch !== v[2]) this.hooks.log('notice', `${s.runId} voted for ${v[1]} ${v[2]}`);
          s.leader = v[1];
          s.leaderEpoch = v[2];
        }
      });
    }
  }

  // ---- votes ----

  /** Our vote for the epoch (one per epoch): the leader we voted for and its epoch. */
  voteLeader(m: Master, reqEpoch: number, reqRunId: string): [string, number] {
    if (reqEpoch > this.cfg.currentEpoch) {
      this.cfg.currentEpoch = reqEpoch;
      this.save();
      this.event('+new-epoch', null, null, String(reqEpoch));
    }
    if (m.leaderEpoch < reqEpoch && this.cfg.currentEpoch <= reqEpoch) {
      m.leader = reqRunId;
      m.leaderEpoch = this.cfg.currentEpoch;
      this.save();
      this.event('+vote-for-leader', null, null, `${reqRunId} ${m.leaderEpoch}`);
      if (reqRunId !== this.myId) m.failoverStartTime = Date.now() + Math.floor(Math.random() * MAX_DESYNC);
    }
    return [m.leader, m.leaderEpoch];
  }

  /** The winner of the epoch's election, or '' (majority of all known sentinels and quorum). */
  private getLeader(m: Master, epoch: number): string {
    const counts = new Map<string, number>();
    for (const s of m.sentinels.values()) {
      if (s.leader !== '' && s.leaderEpoch === this.cfg.currentEpoch) counts.set(s.leader, (counts.get(s.leader) ?? 0) + 1);
    }
    const voters = m.sentinels.size + 1;
    const best = () => {
      let w = '';
      let n = 0;
      for (const [id, c] of counts) {
        if (c > n) {
          n = c;
          w = id;
        }
      }
      return [w, n] as const;
    };
    const [winner] = best();
    const [myVote, myEpoch] = this.voteLeader(m, epoch, winner !== '' ? winner : this.myId);
    if (myVote !== '' && myEpoch === epoch) counts.set(myVote, (counts.get(myVote) ?? 0) + 1);
    const [final, maxVotes] = best();
    if (final !== '' && (maxVotes < Math.floor(voters / 2) + 1 || maxVotes < m.quorum)) return '';
    return final;
  }

  // ---- failover ----

  private setFailoverState(m: Master, st: FailoverState): void {
    m.failoverState = st;
    m.failoverStateChangeTime = Date.now();
  }

  private startFailoverIfNeeded(m: Master): boolean {
    if (m.odownSince === 0 || m.inFailover) return false;
    const now = Date.now();
    if (now - m.failoverStartTime < m.failoverTimeout * 2) return false;
    this.startFailover(m);
    return true;
  }

  startFailover(m: Master): void {
    this.setFailoverState(m, 'wait_start');
    this.cfg.currentEpoch++;
    m.failoverEpoch = this.cfg.currentEpoch;
    this.event('+new-epoch', null, null, String(this.cfg.currentEpoch));
    this.event('+try-failover', m, m);
    m.failoverStartTime = Date.now() + Math.floor(Math.random() * MAX_DESYNC);
    this.save();
  }

  abortFailover(m: Master): void {
    if (m.promotedReplica !== null) m.promotedReplica.promoted = false;
    m.promotedReplica = null;
    m.forceFailover = false;
    for (const r of m.replicas.values()) r.reconf = '';
    this.setFailoverState(m, 'none');
  }

  private failoverStep(m: Master): void {
    const now = Date.now();
    switch (m.failoverState) {
      case 'wait_start': {
        const leader = this.getLeader(m, m.failoverEpoch);
        if (leader !== this.myId && !m.forceFailover) {
          if (now - m.failoverStartTime > Math.min(ELECTION_TIMEOUT, m.failoverTimeout)) {
            this.event('-failover-abort-not-elected', m, m);
            this.abortFailover(m);
          }
          return;
        }
        this.event('+elected-leader', m, m);
        this.setFailoverState(m, 'select_slave');
        this.event('+failover-state-select-slave', m, m);
        return;
      }
      case 'select_slave': {
        const r = this.selectReplica(m);
        if (r === null) {
          this.event('-failover-abort-no-good-slave', m, m);
          this.abortFailover(m);
          return;
        }
        this.event('+selected-slave', r, m);
        r.promoted = true;
        m.promotedReplica = r;
        this.setFailoverState(m, 'send_slaveof_noone');
        this.event('+failover-state-send-slaveof-noone', r, m);
        return;
      }
      case 'send_slaveof_noone': {
        const r = m.promotedReplica;
        if (r === null) return;
        if (r.cmd === null || !r.cmd.connected) {
          if (now - m.failoverStateChangeTime > m.failoverTimeout) {
            this.event('-failover-abort-slave-timeout', m, m);
            this.abortFailover(m);
          }
          return;
        }
        this.sendReplicaOf(r, null, 0);
        this.setFailoverState(m, 'wait_promotion');
        this.event('+failover-state-wait-promotion', r, m);
        return;
      }
      case 'wait_promotion':
        if (now - m.failoverStateChangeTime > m.failoverTimeout) {
          this.event('-failover-abort-slave-timeout', m, m);
          this.abortFailover(m);
        }
        return;
      case 'reconf_slaves':
        this.reconfNextReplica(m);
        return;
      default:
    }
  }

  /** Priority (lower first, 0 never), then the larger replication offset, then the smaller run id. */
  private selectReplica(m: Master): Instance | null {
    const now = Date.now();
    const maxLinkDown = (m.sdownSince !== 0 ? now - m.sdownSince : 0) + m.downAfter * 10;
    const infoValidity = m.sdownSince !== 0 ? PING_PERIOD * 5 : INFO_PERIOD * 3;
    const ok: Instance[] = [];
    for (const r of m.replicas.values()) {
      if (r.sdownSince !== 0 || r.cmd === null || !r.cmd.connected) continue;
      if (now - r.lastAvailTime > PING_PERIOD * 5) continue;
      if (r.slavePriority === 0 || r.roleReported !== 'slave') continue;
      if (now - r.infoRefresh > infoValidity) continue;
      if (r.masterLinkDownSinceMs > maxLinkDown) continue;
      ok.push(r);
    }
    ok.sort((a, b) => {
      if (a.slavePriority !== b.slavePriority) return a.slavePriority - b.slavePriority;
      if (a.slaveReplOffset !== b.slaveReplOffset) return b.slaveReplOffset - a.slaveReplOffset;
      if (a.runId === '') return 1;
      if (b.runId === '') return -1;
      return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
    });
    return ok[0] ?? null;
  }

  private reconfNextReplica(m: Master): void {
    const p = m.promotedReplica;
    if (p === null) return;
    const now = Date.now();
    let inProgress = 0;
    for (const r of m.replicas.values()) if (r.reconf === 'sent' || r.reconf === 'inprog') inProgress++;
    for (const r of m.replicas.values()) {
      if (inProgress >= m.parallelSyncs) break;
      if (r.promoted || r.reconf === 'done') continue;
      if (r.reconf === 'sent' && now - r.reconfSentTime > SLAVE_RECONF_TIMEOUT) {
        this.event('-slave-reconf-sent-timeout', r, m);
        r.reconf = 'done';
        continue;
      }
      if (r.reconf !== '' || r.sdownSince !== 0) continue;
      if (this.sendReplicaOf(r, p.host, p.port)) {
        r.reconf = 'sent';
        r.reconfSentTime = now;
        this.event('+slave-reconf-sent', r, m);
        inProgress++;
      }
    }
    this.detectFailoverEnd(m);
  }

  private detectFailoverEnd(m: Master): void {
    const p = m.promotedReplica;
    if (p === null || p.sdownSince !== 0) return;
    let notDone = 0;
    for (const r of m.replicas.values()) if (!r.promoted && r.reconf !== 'done' && r.sdownSince === 0) notDone++;
    const timedOut = Date.now() - m.failoverStateChangeTime > m.failoverTimeout;
    if (notDone > 0 && !timedOut) return;
    if (notDone > 0) {
      this.event('+failover-end-for-timeout', m, m);
      for (const r of m.replicas.values()) {
        if (r.promoted || r.reconf === 'done' || r.reconf === 'sent') continue;
        if (this.sendReplicaOf(r, p.host, p.port)) this.event('+slave-reconf-sent-be', r, m);
      }
    }
    this.event('+failover-end', m, m);
    this.setFailoverState(m, 'update_config');
  }

  private switchToPromoted(m: Master): void {
    const p = m.promotedReplica;
    if (p === null) return;
    const oldHost = m.host;
    const oldPort = m.port;
    this.event('+switch-master', null, null, `${m.name} ${oldHost} ${oldPort} ${p.host} ${p.port}`);
    this.resetMasterAndChangeAddress(m, p.host, p.port);
    this.save();
  }

  /** The primary moves: its replicas are the old ones (minus the new primary) plus the old primary. */
  resetMasterAndChangeAddress(m: Master, host: string, port: number): void {
    const addrs = new Set<string>();
    for (const r of m.replicas.values()) if (!(r.host === host && r.port === port)) addrs.add(`${r.host}:${r.port}`);
    if (!(m.host === host && m.port === port)) addrs.add(`${m.host}:${m.port}`);
    for (const r of m.replicas.values()) r.closeLinks();
    m.closeLinks();
    m.replicas.clear();
    m.host = host;
    m.port = port;
    m.runId = '';
    m.sdownSince = 0;
    m.odownSince = 0;
    m.actPingTime = 0;
    m.lastAvailTime = Date.now();
    m.lastPongTime = Date.now();
    m.infoRefresh = 0;
    m.roleReported = 'master';
    m.roleReportedTime = Date.now();
    m.leader = '';
    this.abortFailover(m);
    for (const a of addrs) {
      const i = a.lastIndexOf(':');
      const r = new Instance('slave', a.slice(0, i), Number(a.slice(i + 1)));
      m.replicas.set(a, r);
      this.event('+slave', r, m);
    }
  }

  /** SENTINEL RESET: forget replicas and sentinels, keep the address and epochs. */
  resetMaster(m: Master): void {
    this.forEachInstance(m, (i) => {
      if (i !== m) i.closeLinks();
    });
    m.replicas.clear();
    m.sentinels.clear();
    this.abortFailover(m);
    m.closeLinks();
    m.sdownSince = 0;
    m.odownSince = 0;
    m.actPingTime = 0;
    m.lastAvailTime = Date.now();
    m.infoRefresh = 0;
    m.leader = '';
    this.event('+reset-master', m, m);
  }

  /** The address clients should use: the promoted replica once it is a primary (Redis does so). */
  currentAddress(m: Master): [string, number] {
    const p = m.promotedReplica;
    if (p !== null && (m.failoverState === 'reconf_slaves' || m.failoverState === 'update_config')) return [p.host, p.port];
    return [m.host, m.port];
  }

  // ---- quorum vs majority ----

  quorumStatus(m: Master): { usable: number; voters: number; majority: number } {
    let usable = 1;
    for (const s of m.sentinels.values()) if (s.sdownSince === 0) usable++;
    const voters = m.sentinels.size + 1;
    return { usable, voters, majority: Math.floor(voters / 2) + 1 };
  }

  /** The footgun made visible: a quorum below what an election needs. */
  checkMajority(m: Master): void {
    const voters = m.sentinels.size + 1;
    const majority = Math.floor(voters / 2) + 1;
    if (m.quorum < majority) {
      this.hooks.log(
        'notice',
        `Note: ${m.name} has quorum ${m.quorum} but ${voters} known Sentinels: ODOWN needs ${m.quorum} of them, a failover needs the votes of ${majority} (a majority)`,
      );
    }
    if (m.quorum > voters) {
      this.hooks.log('warning', `WARNING: ${m.name} has quorum ${m.quorum} but only ${voters} known Sentinels: ODOWN can never be reached`);
    }
  }

  isDownReply(m: Master): RespValue {
    return m.sdownSince !== 0 ? 1 : 0;
  }
}

const infoInFlight = new WeakSet<Instance>();
const askInFlight = new WeakSet<Instance>();

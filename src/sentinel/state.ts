/*
 * What a sentinel knows per monitored primary: its replicas and the other sentinels (each an
 * Instance with its links and timers), the epochs, the vote, and the failover in progress.
 * Flag names are Redis's, as SENTINEL MASTER/REPLICAS print them.
 */
import type { Link } from './link.ts';

export type Kind = 'master' | 'slave' | 'sentinel';

export const FAILOVER_STATES = [
  'none',
  'wait_start',
  'select_slave',
  'send_slaveof_noone',
  'wait_promotion',
  'reconf_slaves',
  'update_config',
] as const;
export type FailoverState = (typeof FAILOVER_STATES)[number];

export class Instance {
  kind: Kind;
  host: string;
  port: number;
  runId = '';
  cmd: Link | null = null;
  pubsub: Link | null = null;
  // Timers (ms since epoch; 0 = never), as Redis's link fields.
  actPingTime = 0;
  lastPingTime = 0;
  lastAvailTime = Date.now();
  lastPongTime = Date.now();
  lastPubTime = 0;
  lastHelloTime = 0;
  infoRefresh = 0;
  sdownSince = 0;
  // INFO fields.
  roleReported: 'master' | 'slave';
  roleReportedTime = Date.now();
  masterLinkDownSinceMs = 0;
  slaveMasterHost = '';
  slaveMasterPort = 0;
  slaveMasterLinkUp = false;
  slavePriority = 100;
  slaveReplOffset = 0;
  replicaAnnounced = 1;
  // Replica flags during a failover.
  promoted = false;
  reconf: '' | 'sent' | 'inprog' | 'done' = '';
  reconfSentTime = 0;
  // Another sentinel: its view of the primary and its vote.
  masterDown = false;
  lastMasterDownReplyTime = 0;
  leader = '';
  leaderEpoch = 0;

  constructor(kind: Kind, host: string, port: number) {
    this.kind = kind;
    this.host = host;
    this.port = port;
    this.roleReported = kind === 'slave' ? 'slave' : 'master';
  }

  get addr(): string {
    return `${this.host}:${this.port}`;
  }

  closeLinks(): void {
    this.cmd?.close();
    this.pubsub?.close();
    this.cmd = null;
    this.pubsub = null;
  }
}

export class Master extends Instance {
  name: string;
  quorum: number;
  downAfter = 30000;
  failoverTimeout = 180000;
  parallelSyncs = 1;
  authPass = '';
  authUser = '';
  configEpoch = 0;
  odownSince = 0;
  replicas = new Map<string, Instance>();
  sentinels = new Map<string, Instance>();
  // Failover.
  failoverState: FailoverState = 'none';
  failoverEpoch = 0;
  failoverStartTime = 0;
  failoverStateChangeTime = 0;
  forceFailover = false;
  promotedReplica: Instance | null = null;

  constructor(name: string, host: string, port: number, quorum: number) {
    super('master', host, port);
    this.name = name;
    this.quorum = quorum;
  }

  get inFailover(): boolean {
    return this.failoverState !== 'none';
  }
}

/** The last INFO text per instance, for SENTINEL INFO-CACHE. */
export const lastInfo = new WeakMap<Instance, string>();

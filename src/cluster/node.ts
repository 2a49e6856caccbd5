/*
 * One node of the cluster as this node sees it (Redis's clusterNode): its 40-hex name, flags,
 * addresses, the slots it claims (a 2048-byte bitmap, as the bus carries it), its epoch, the
 * primary it replicates, failure reports from other primaries, and its bus links.
 */
import { randomBytes } from 'node:crypto';

export const NODE_MASTER = 1;
export const NODE_SLAVE = 2;
export const NODE_PFAIL = 4;
export const NODE_FAIL = 8;
export const NODE_MYSELF = 16;
export const NODE_HANDSHAKE = 32;
export const NODE_NOADDR = 64;
export const NODE_MEET = 128;
export const NODE_MIGRATE_TO = 256;
export const NODE_NOFAILOVER = 512;

/** Flag names in CLUSTER NODES order (Redis's redisNodeFlagsTable). */
const FLAG_NAMES: [number, string][] = [
  [NODE_MYSELF, 'myself'],
  [NODE_MASTER, 'master'],
  [NODE_SLAVE, 'slave'],
  [NODE_PFAIL, 'fail?'],
  [NODE_FAIL, 'fail'],
  [NODE_HANDSHAKE, 'handshake'],
  [NODE_NOADDR, 'noaddr'],
  [NODE_NOFAILOVER, 'nofailover'],
];

export function flagsString(flags: number): string {
  const out: string[] = [];
  for (const [f, n] of FLAG_NAMES) if (flags & f) out.push(n);
  return out.length === 0 ? 'noflags' : out.join(',');
}

export function parseFlags(s: string): number {
  let f = 0;
  for (const part of s.split(',')) {
    for (const [bit, n] of FLAG_NAMES) if (n === part) f |= bit;
  }
  return f;
}

export function randomName(): string {
  return randomBytes(20).toString('hex');
}

/** The bus connection object both sides use (bus.ts). */
export interface LinkLike {
  readonly createdAt: number;
  readonly inbound: boolean;
  node: ClusterNode | null;
  close(): void;
  send(msg: Uint8Array): void;
  sendBytes: number;
}

export class ClusterNode {
  name: string;
  flags: number;
  ip = '';
  port = 0;
  cport = 0;
  pport = 0;
  hostname = '';
  configEpoch = 0;
  readonly slots = new Uint8Array(2048);
  numSlots = 0;
  primary: ClusterNode | null = null;
  /** The primary's name when it is not known yet (nodes.conf / gossip order). */
  primaryName = '';
  readonly replicas: ClusterNode[] = [];
  pingSent = 0;
  pongReceived = 0;
  dataReceived = 0;
  failTime = 0;
  votedTime = 0;
  replOffsetTime = 0;
  orphanedTime = 0;
  replOffset = 0;
  ctime = Date.now();
  link: LinkLike | null = null;
  inboundLink: LinkLike | null = null;
  /** Primaries that reported this node PFAIL/FAIL, with the time of their last report. */
  readonly failReports = new Map<string, number>();

  constructor(name: string | null, flags: number) {
    this.name = name ?? randomName();
    this.flags = flags;
  }

  hasSlot(s: number): boolean {
    return (this.slots[s >> 3] & (1 << (s & 7))) !== 0;
  }

  setSlot(s: number): boolean {
    const had = this.hasSlot(s);
    this.slots[s >> 3] |= 1 << (s & 7);
    if (!had) this.numSlots++;
    return !had;
  }

  clearSlot(s: number): boolean {
    const had = this.hasSlot(s);
    this.slots[s >> 3] &= ~(1 << (s & 7));
    if (had) this.numSlots--;
    return had;
  }

  get isMaster(): boolean {
    return (this.flags & NODE_MASTER) !== 0;
  }

  get isSlave(): boolean {
    return (this.flags & NODE_SLAVE) !== 0;
  }

  get failed(): boolean {
    return (this.flags & NODE_FAIL) !== 0;
  }

  get timedOut(): boolean {
    return (this.flags & NODE_PFAIL) !== 0;
  }

  get inHandshake(): boolean {
    return (this.flags & NODE_HANDSHAKE) !== 0;
  }

  addReplica(r: ClusterNode): void {
    if (!this.replicas.includes(r)) this.replicas.push(r);
    this.replicas.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  removeReplica(r: ClusterNode): void {
    const i = this.replicas.indexOf(r);
    if (i >= 0) this.replicas.splice(i, 1);
  }
}

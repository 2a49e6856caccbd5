/*
 * The cluster's view from this node (Redis's clusterState): the known nodes by name, which node
 * serves each of the 16384 slots, slots being migrated or imported, currentEpoch and
 * lastVoteEpoch, the cluster's ok/fail state, and nodes.conf in Redis's own format.
 *
 * Slot ownership: `slots[s]` is the node serving s. A node claims slots in the myslots bitmap of
 * every PING/PONG; a claim wins over the recorded owner when the claimer's configEpoch is greater
 * (bus.ts, updateSlotsFromClaim). ADDSLOTS/DELSLOTS/SETSLOT change this node's own claims.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CLUSTER_SLOTS } from '../util/crc16.ts';
import {
  ClusterNode,
  flagsString,
  NODE_FAIL,
  NODE_HANDSHAKE,
  NODE_MASTER,
  NODE_MIGRATE_TO,
  NODE_MYSELF,
  NODE_NOADDR,
  NODE_PFAIL,
  NODE_SLAVE,
  parseFlags,
} from './node.ts';

/** Message type names, indexed by type, for CLUSTER INFO's stats lines. */
export const MSG_NAMES = ['ping', 'pong', 'meet', 'fail', 'publish', 'auth-req', 'auth-ack', 'update', 'mfstart', 'module', 'publishshard'];

export interface ClusterHost {
  configNum(name: string): number;
  configStr(name: string): string;
  configBool(name: string): boolean;
  dir(): string;
  port(): number;
  warn(msg: string): void;
  notice(msg: string): void;
  /** Called when this node starts (or stops) replicating a primary. */
  replicate(primary: ClusterNode | null): void;
  /** Keys of the slot s (the per-slot view of db 0). */
  countKeysInSlot(s: number): number;
  replOffset(): number;
}

export class ClusterState {
  readonly host: ClusterHost;
  myself: ClusterNode;
  readonly nodes = new Map<string, ClusterNode>();
  readonly slots: (ClusterNode | null)[] = new Array(CLUSTER_SLOTS).fill(null);
  readonly migratingTo: (ClusterNode | null)[] = new Array(CLUSTER_SLOTS).fill(null);
  readonly importingFrom: (ClusterNode | null)[] = new Array(CLUSTER_SLOTS).fill(null);
  currentEpoch = 0;
  lastVoteEpoch = 0;
  ok = false;
  size = 1;
  private firstUpdate = 0;
  readonly sentByType = new Array<number>(MSG_NAMES.length).fill(0);
  readonly receivedByType = new Array<number>(MSG_NAMES.length).fill(0);
  /** FORGET: names not to re-add from gossip until the time given. */
  readonly blacklist = new Map<string, number>();
  todoSave = false;
  todoUpdateState = false;
  readonly startedAt = Date.now();

  constructor(host: ClusterHost) {
    this.host = host;
    this.myself = new ClusterNode(null, NODE_MYSELF | NODE_MASTER);
    this.nodes.set(this.myself.name, this.myself);
  }

  get configPath(): string {
    const f = this.host.configStr('cluster-config-file');
    return isAbsolute(f) ? f : join(this.host.dir(), f);
  }

  addNode(n: ClusterNode): void {
    this.nodes.set(n.name, n);
  }

  lookup(name: string): ClusterNode | null {
    return this.nodes.get(name) ?? null;
  }

  renameNode(n: ClusterNode, name: string): void {
    this.nodes.delete(n.name);
    n.name = name;
    this.nodes.set(name, n);
  }

  /** Removes n everywhere (FORGET, a handshake that timed out, a duplicate). */
  delNode(n: ClusterNode): void {
    for (let s = 0; s < CLUSTER_SLOTS; s++) {
      if (this.importingFrom[s] === n) this.importingFrom[s] = null;
      if (this.migratingTo[s] === n) this.migratingTo[s] = null;
      if (this.slots[s] === n) this.delSlot(s);
    }
    for (const o of this.nodes.values()) o.failReports.delete(n.name);
    if (n.primary !== null) n.primary.removeReplica(n);
    for (const r of n.replicas) if (r.primary === n) r.primary = null;
    n.link?.close();
    n.inboundLink?.close();
    this.nodes.delete(n.name);
  }

  addSlot(s: number, n: ClusterNode): boolean {
    if (this.slots[s] !== null) return false;
    n.setSlot(s);
    this.slots[s] = n;
    return true;
  }

  delSlot(s: number): boolean {
    const n = this.slots[s];
    if (n === null) return false;
    n.clearSlot(s);
    this.slots[s] = null;
    return true;
  }

  /** Makes n a replica of p (or a primary with p null), keeping both sides' lists right. */
  setPrimaryOf(n: ClusterNode, p: ClusterNode | null): void {
    if (n.primary === p) {
      if (p !== null) p.addReplica(n);
      return;
    }
    if (n.primary !== null) n.primary.removeReplica(n);
    n.primary = p;
    if (p === null) {
      n.flags = (n.flags & ~NODE_SLAVE) | NODE_MASTER;
    } else {
      n.flags = (n.flags & ~NODE_MASTER) | NODE_SLAVE;
      p.addReplica(n);
    }
  }

  /** The highest configEpoch any node has (clusterGetMaxEpoch), at least currentEpoch. */
  maxEpoch(): number {
    let m = this.currentEpoch;
    for (const n of this.nodes.values()) if (n.configEpoch > m) m = n.configEpoch;
    return m;
  }

  /** Redis's clusterUpdateState: ok when every slot is served by a reachable node and we are in the majority. */
  updateState(): void {
    this.todoUpdateState = false;
    // A primary that just started stays down a moment (CLUSTER_WRITABLE_DELAY), so it can learn
    // the configuration before accepting writes; CLUSTER INFO keeps its initial size meanwhile.
    if (this.firstUpdate === 0) this.firstUpdate = Date.now();
    if (this.myself.isMaster && !this.ok && Date.now() - this.firstUpdate < 2000) return;
    let ok = true;
    if (this.host.configBool('cluster-require-full-coverage')) {
      for (let s = 0; s < CLUSTER_SLOTS; s++) {
        const n = this.slots[s];
        if (n === null || (n.flags & NODE_FAIL) !== 0) {
          ok = false;
          break;
        }
      }
    }
    let size = 0;
    let reachable = 0;
    for (const n of this.nodes.values()) {
      if (n.isMaster && n.numSlots > 0) {
        size++;
        if ((n.flags & (NODE_FAIL | NODE_PFAIL)) === 0) reachable++;
      }
    }
    this.size = size;
    if (reachable < Math.floor(size / 2) + 1) ok = false;
    if (ok !== this.ok) {
      this.ok = ok;
      this.host.notice(`Cluster state changed: ${ok ? 'ok' : 'fail'}`);
    }
  }

  // ---- CLUSTER NODES and nodes.conf --------------------------------------------------------

  endpointOf(n: ClusterNode): string {
    return n.ip;
  }

  /** One CLUSTER NODES line (without the newline); nodes.conf lines are the same. */
  nodeLine(n: ClusterNode, _forConf: boolean): string {
    let s = `${n.name} ${n.ip}:${n.port}@${n.cport}`;
    if (n.hostname !== '') s += `,${n.hostname}`;
    s += ` ${flagsString(n.flags)} ${n.primary !== null ? n.primary.name : n.primaryName !== '' ? n.primaryName : '-'}`;
    const myself = n === this.myself;
    const epoch = n.isSlave && n.primary !== null ? n.primary.configEpoch : n.configEpoch;
    s += ` ${n.pingSent} ${n.pongReceived} ${epoch}`;
    s += ` ${myself || n.link !== null ? 'connected' : 'disconnected'}`;
    if (n.isMaster) {
      let start = -1;
      for (let j = 0; j <= CLUSTER_SLOTS; j++) {
        const has = j < CLUSTER_SLOTS && n.hasSlot(j);
        if (has && start === -1) start = j;
        if (!has && start !== -1) {
          s += start === j - 1 ? ` ${start}` : ` ${start}-${j - 1}`;
          start = -1;
        }
      }
    }
    if (myself) {
      for (let j = 0; j < CLUSTER_SLOTS; j++) {
        const m = this.migratingTo[j];
        if (m !== null) s += ` [${j}->-${m.name}]`;
        const i = this.importingFrom[j];
        if (i !== null) s += ` [${j}-<-${i.name}]`;
      }
    }
    return s;
  }

  nodesDescription(forConf: boolean, filter = 0): string {
    let out = '';
    for (const n of this.nodes.values()) {
      if ((n.flags & filter) !== 0) continue;
      out += `${this.nodeLine(n, forConf)}\n`;
    }
    return out;
  }

  save(): boolean {
    this.todoSave = false;
    const text = `${this.nodesDescription(true, NODE_HANDSHAKE)}vars currentEpoch ${this.currentEpoch} lastVoteEpoch ${this.lastVoteEpoch}\n`;
    const path = this.configPath;
    try {
      writeFileSync(`${path}.tmp-${process.pid}`, text);
      renameSync(`${path}.tmp-${process.pid}`, path);
      return true;
    } catch (e) {
      this.host.warn(`Could not save cluster config: ${(e as Error).message}`);
      return false;
    }
  }

  /** Loads nodes.conf; false when there is none (a new node), throws on a corrupt file. */
  load(): boolean {
    const path = this.configPath;
    if (!existsSync(path)) return false;
    const text = readFileSync(path, 'utf8');
    if (text.trim() === '') return false;
    const pending: [ClusterNode, string][] = [];
    this.nodes.clear();
    let me: ClusterNode | null = null;
    for (const line of text.split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f.length === 0 || f[0] === '') continue;
      if (f[0] === 'vars') {
        for (let i = 1; i + 1 < f.length; i += 2) {
          if (f[i] === 'currentEpoch') this.currentEpoch = Number(f[i + 1]);
          else if (f[i] === 'lastVoteEpoch') this.lastVoteEpoch = Number(f[i + 1]);
        }
        continue;
      }
      if (f.length < 8) throw new Error(`Unrecoverable error: corrupted cluster config file "${line}".`);
      const n = this.nodes.get(f[0]) ?? new ClusterNode(f[0], 0);
      const m = /^(.*):(\d+)@(\d+)(?:,(.*))?$/.exec(f[1]);
      if (m === null) throw new Error(`Unrecoverable error: corrupted cluster config file "${line}".`);
      n.ip = m[1];
      n.port = Number(m[2]);
      n.cport = Number(m[3]);
      n.hostname = m[4] ?? '';
      n.flags = parseFlags(f[2]);
      n.configEpoch = Number(f[6]);
      this.nodes.set(n.name, n);
      if ((n.flags & NODE_MYSELF) !== 0) me = n;
      if (f[3] !== '-') pending.push([n, f[3]]);
      for (let i = 8; i < f.length; i++) {
        const t = f[i];
        if (t.startsWith('[')) {
          const mm = /^\[(\d+)-([<>])-(\w+)\]$/.exec(t);
          if (mm !== null) {
            const other = this.nodes.get(mm[3]) ?? new ClusterNode(mm[3], 0);
            this.nodes.set(other.name, other);
            if (mm[2] === '>') this.migratingTo[Number(mm[1])] = other;
            else this.importingFrom[Number(mm[1])] = other;
          }
          continue;
        }
        const dash = t.indexOf('-');
        const a = Number(dash < 0 ? t : t.slice(0, dash));
        const b = Number(dash < 0 ? t : t.slice(dash + 1));
        for (let s = a; s <= b; s++) {
          if (this.slots[s] !== null) this.slots[s]?.clearSlot(s);
          this.slots[s] = n;
          n.setSlot(s);
        }
      }
    }
    for (const [n, pname] of pending) {
      let p = this.nodes.get(pname);
      if (p === undefined) {
        p = new ClusterNode(pname, NODE_MASTER | NODE_NOADDR);
        this.nodes.set(pname, p);
      }
      n.primary = p;
      p.addReplica(n);
    }
    if (me === null) throw new Error('Unrecoverable error: corrupted cluster config file: no myself node.');
    this.myself = me;
    // Nodes' link states are not saved; start them as unknown-but-alive.
    for (const n of this.nodes.values()) {
      n.flags &= ~NODE_MIGRATE_TO;
      if (n !== me && (n.flags & NODE_NOADDR) === 0) n.pongReceived = Date.now();
    }
    return true;
  }

  /** CLUSTER RESET: forget every other node, drop slots (HARD: a new name and epochs 0). */
  reset(hard: boolean): void {
    for (let s = 0; s < CLUSTER_SLOTS; s++) {
      this.migratingTo[s] = null;
      this.importingFrom[s] = null;
      this.delSlot(s);
    }
    for (const n of [...this.nodes.values()]) if (n !== this.myself) this.delNode(n);
    if (this.myself.isSlave) {
      this.setPrimaryOf(this.myself, null);
      this.host.replicate(null);
    }
    if (hard) {
      this.currentEpoch = 0;
      this.lastVoteEpoch = 0;
      this.myself.configEpoch = 0;
      this.renameNode(this.myself, new ClusterNode(null, 0).name);
    }
    this.todoSave = true;
    this.todoUpdateState = true;
  }
}

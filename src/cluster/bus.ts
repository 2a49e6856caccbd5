/*
 * The cluster bus (Redis's cluster.c networking and message handling): a TCP listener on
 * cluster-port, one outbound link per known node that carries our PINGs, inbound links on which
 * others ping us (we answer PONG on the same link), and the cron that keeps them alive.
 *
 * Handshake: CLUSTER MEET creates a HANDSHAKE|MEET node with a random name and sends it MEET;
 * the peer adds a HANDSHAKE node for us and answers PONG; the PONG carries the peer's real name,
 * which renames the handshake node. Gossip sections then spread every node to every other.
 *
 * Failure detection: a node that has not answered a PING within cluster-node-timeout is PFAIL;
 * a primary gossiping PFAIL/FAIL about it files a failure report; when the reports of a majority
 * of the slot-serving primaries (counting us, when we are one) are fresh, we mark it FAIL and
 * broadcast FAIL. Slot claims and epochs are applied by updateSlotsFromClaim.
 */
import net from 'node:net';
import { CLUSTER_SLOTS } from '../util/crc16.ts';
import {
  encodeExt,
  EXT_HOSTNAME,
  extString,
  type Gossip,
  GOSSIP_LEN,
  HEADER_LEN,
  type Header,
  MFLAG0_EXT_DATA,
  MSG_FAIL,
  MSG_FAILOVER_AUTH_ACK,
  MSG_FAILOVER_AUTH_REQUEST,
  MSG_MEET,
  MSG_MFSTART,
  MSG_PING,
  MSG_PONG,
  MSG_PUBLISH,
  MSG_PUBLISHSHARD,
  MSG_UPDATE,
  NAME_LEN,
  parseExtensions,
  parseGossip,
  parseHeader,
  validLength,
  writeGossip,
  writeHeader,
} from './messages.ts';
import {
  ClusterNode,
  type LinkLike,
  NODE_FAIL,
  NODE_HANDSHAKE,
  NODE_MASTER,
  NODE_MEET,
  NODE_MYSELF,
  NODE_NOADDR,
  NODE_NOFAILOVER,
  NODE_PFAIL,
  NODE_SLAVE,
} from './node.ts';
import type { ClusterState } from './state.ts';

export function normalizeIp(ip: string | undefined): string {
  if (ip === undefined) return '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/** One TCP connection of the bus, framing messages by their totlen. */
export class Link implements LinkLike {
  readonly createdAt = Date.now();
  readonly inbound: boolean;
  node: ClusterNode | null;
  sendBytes = 0;
  readonly sock: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private closed = false;
  private readonly bus: Bus;

  constructor(bus: Bus, sock: net.Socket, inbound: boolean, node: ClusterNode | null) {
    this.bus = bus;
    this.sock = sock;
    this.inbound = inbound;
    this.node = node;
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('error', () => this.close());
    sock.on('close', () => this.close());
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    while (this.buf.length >= 8 && !this.closed) {
      if (this.buf.toString('latin1', 0, 4) !== 'RCmb') {
        this.close();
        return;
      }
      const len = this.buf.readUInt32BE(4);
      if (len < HEADER_LEN) {
        this.close();
        return;
      }
      if (this.buf.length < len) return;
      const msg = this.buf.subarray(0, len);
      this.buf = this.buf.subarray(len);
      this.bus.process(this, Buffer.from(msg));
    }
  }

  send(msg: Uint8Array): void {
    if (this.closed) return;
    this.sendBytes += msg.length;
    this.sock.write(msg);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.destroy();
    this.bus.linkClosed(this);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

export class Bus {
  readonly cs: ClusterState;
  private server: net.Server | null = null;
  readonly inboundLinks = new Set<Link>();
  private cronLoops = 0;
  /** The address of this node as peers reach it (learned from the first MEET). */
  /** Failover election (replica side). */
  authTime = 0;
  authCount = 0;
  authSent = false;
  authRank = 0;
  authEpoch = 0;
  /** Manual failover (CLUSTER FAILOVER): the end time, and whether it skips the primary's agreement. */
  mfEnd = 0;
  mfCanStart = false;
  onPublish: ((shard: boolean, channel: Buffer, message: Buffer) => void) | null = null;
  onFailoverWon: (() => void) | null = null;

  constructor(cs: ClusterState) {
    this.cs = cs;
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer((sock) => {
        const l = new Link(this, sock, true, null);
        this.inboundLinks.add(l);
      });
      srv.once('error', reject);
      srv.listen(port, host, () => {
        srv.off('error', reject);
        resolve();
      });
      this.server = srv;
    });
  }

  close(): void {
    this.server?.close();
    for (const l of this.inboundLinks) l.close();
    for (const n of this.cs.nodes.values()) n.link?.close();
  }

  linkClosed(l: Link): void {
    if (l.inbound) {
      this.inboundLinks.delete(l);
      if (l.node !== null && l.node.inboundLink === l) l.node.inboundLink = null;
    } else if (l.node !== null && l.node.link === l) {
      l.node.link = null;
    }
  }

  private timeout(): number {
    return this.cs.host.configNum('cluster-node-timeout');
  }

  // ---- sending ------------------------------------------------------------------------------

  private headerFields(type: number, count: number, extensions: number) {
    const cs = this.cs;
    const me = cs.myself;
    const master = me.isSlave && me.primary !== null ? me.primary : me;
    return {
      type,
      count,
      port: cs.host.port(),
      currentEpoch: cs.currentEpoch,
      configEpoch: master.configEpoch,
      offset: cs.host.replOffset(),
      sender: me.name,
      myslots: master.slots,
      slaveof: me.isSlave && me.primary !== null ? me.primary.name : '',
      myip: cs.host.configStr('cluster-announce-ip'),
      extensions,
      pport: 0,
      cport: me.cport,
      flags: me.flags,
      state: cs.ok ? 0 : 1,
      mflags0: MFLAG0_EXT_DATA | (this.mfEnd !== 0 && me.isMaster && this.mfPaused ? 1 : 0),
    };
  }

  mfPaused = false;

  private build(type: number, bodyLen: number): Buffer {
    const b = Buffer.alloc(HEADER_LEN + bodyLen);
    writeHeader(b, this.headerFields(type, 0, 0));
    this.cs.sentByType[type]++;
    return b;
  }

  sendPing(link: Link, type: number): void {
    const cs = this.cs;
    const now = Date.now();
    const others = [...cs.nodes.values()].filter((n) => n !== cs.myself && (n.flags & (NODE_HANDSHAKE | NODE_NOADDR)) === 0 && !(n.link === null && n.numSlots === 0));
    const wanted = Math.min(Math.max(3, Math.floor(cs.nodes.size / 10)), others.length);
    const chosen = new Set<ClusterNode>();
    for (let tries = 0; chosen.size < wanted && tries < wanted * 3; tries++) {
      const n = others[Math.floor(Math.random() * others.length)];
      if (n === link.node || (n.flags & NODE_PFAIL) !== 0) continue;
      chosen.add(n);
    }
    for (const n of others) if ((n.flags & NODE_PFAIL) !== 0) chosen.add(n);
    const exts: Buffer[] = [];
    const hostname = cs.myself.hostname;
    if (hostname !== '') exts.push(encodeExt(EXT_HOSTNAME, Buffer.from(`${hostname}\0`, 'latin1')));
    let extLen = 0;
    for (const e of exts) extLen += e.length;
    const b = Buffer.alloc(HEADER_LEN + chosen.size * GOSSIP_LEN + extLen);
    writeHeader(b, this.headerFields(type, chosen.size, exts.length));
    let i = 0;
    for (const n of chosen) {
      const g: Gossip = {
        name: n.name,
        pingSent: Math.floor(n.pingSent / 1000),
        pongReceived: Math.floor(n.pongReceived / 1000),
        ip: n.ip,
        port: n.port,
        cport: n.cport,
        flags: n.flags,
        pport: n.pport,
      };
      writeGossip(b, i++, g);
    }
    let o = HEADER_LEN + chosen.size * GOSSIP_LEN;
    for (const e of exts) {
      e.copy(b, o);
      o += e.length;
    }
    if (type === MSG_PING && link.node !== null) link.node.pingSent = now;
    cs.sentByType[type]++;
    link.send(b);
  }

  broadcast(b: Buffer, filter: (n: ClusterNode) => boolean = () => true): void {
    for (const n of this.cs.nodes.values()) {
      if (n === this.cs.myself || n.link === null || (n.flags & NODE_HANDSHAKE) !== 0) continue;
      if (filter(n)) (n.link as Link).send(b);
    }
  }

  broadcastPong(): void {
    for (const n of this.cs.nodes.values()) {
      if (n === this.cs.myself || n.link === null || (n.flags & NODE_HANDSHAKE) !== 0) continue;
      this.sendPing(n.link as Link, MSG_PONG);
    }
  }

  sendFail(name: string): void {
    const b = this.build(MSG_FAIL, NAME_LEN);
    b.write(name, HEADER_LEN, NAME_LEN, 'latin1');
    this.broadcast(b);
  }

  sendUpdate(link: Link, about: ClusterNode): void {
    const b = this.build(MSG_UPDATE, 8 + NAME_LEN + 2048);
    b.writeBigUInt64BE(BigInt(about.configEpoch), HEADER_LEN);
    b.write(about.name, HEADER_LEN + 8, NAME_LEN, 'latin1');
    b.set(about.slots, HEADER_LEN + 8 + NAME_LEN);
    link.send(b);
  }

  publish(shard: boolean, channel: Uint8Array, message: Uint8Array): void {
    const b = this.build(shard ? MSG_PUBLISHSHARD : MSG_PUBLISH, 8 + channel.length + message.length);
    b.writeUInt32BE(channel.length, HEADER_LEN);
    b.writeUInt32BE(message.length, HEADER_LEN + 4);
    b.set(channel, HEADER_LEN + 8);
    b.set(message, HEADER_LEN + 8 + channel.length);
    if (!shard) {
      this.broadcast(b);
      return;
    }
    // Sharded: to the nodes of our shard only.
    const me = this.cs.myself;
    const primary = me.isSlave && me.primary !== null ? me.primary : me;
    this.broadcast(b, (n) => n === primary || n.primary === primary);
  }

  requestFailoverAuth(force: boolean): void {
    const b = this.build(MSG_FAILOVER_AUTH_REQUEST, 0);
    if (force) b[2253] |= 2;
    this.broadcast(b);
  }

  private sendAuthAck(node: ClusterNode): void {
    if (node.link === null) return;
    (node.link as Link).send(this.build(MSG_FAILOVER_AUTH_ACK, 0));
  }

  sendMfStart(): void {
    const p = this.cs.myself.primary;
    if (p === null || p.link === null) return;
    (p.link as Link).send(this.build(MSG_MFSTART, 0));
  }

  // ---- receiving ----------------------------------------------------------------------------

  process(link: Link, b: Buffer): void {
    const cs = this.cs;
    if (b.length < HEADER_LEN || b.readUInt16BE(8) !== 1) return;
    const h = parseHeader(b);
    if (!validLength(b, h)) return;
    if (h.type < cs.receivedByType.length) cs.receivedByType[h.type]++;
    const now = Date.now();
    let sender = cs.lookup(h.sender);
    if (sender?.inHandshake) sender = null;
    if (sender !== null && link.inbound && sender.inboundLink !== link) {
      sender.inboundLink?.close();
      sender.inboundLink = link;
      link.node = sender;
    }
    if (sender !== null) {
      sender.dataReceived = now;
      if (h.currentEpoch > cs.currentEpoch) {
        cs.currentEpoch = h.currentEpoch;
        cs.todoSave = true;
      }
      if (h.configEpoch > sender.configEpoch) {
        sender.configEpoch = h.configEpoch;
        cs.todoSave = true;
      }
      sender.replOffset = h.offset;
      sender.replOffsetTime = now;
      if (this.mfEnd !== 0 && cs.myself.isSlave && cs.myself.primary === sender && (h.mflags0 & 1) !== 0) this.mfPrimaryOffset = h.offset;
    }
    const t = h.type;
    if (t === MSG_PING || t === MSG_MEET) {
      if (t === MSG_MEET && cs.myself.ip === '' && cs.host.configStr('cluster-announce-ip') === '') {
        cs.myself.ip = normalizeIp(link.sock.localAddress);
        cs.todoSave = true;
      }
      if (sender === null && t === MSG_MEET) {
        const n = new ClusterNode(null, NODE_HANDSHAKE);
        n.ip = h.myip !== '' ? h.myip : normalizeIp(link.sock.remoteAddress);
        n.port = h.port;
        n.cport = h.cport;
        n.pport = h.pport;
        cs.addNode(n);
        cs.todoSave = true;
        this.processGossip(b, h, null);
      }
      this.sendPing(link, MSG_PONG);
    }
    if (t === MSG_PING || t === MSG_PONG || t === MSG_MEET) {
      const ln = link.node;
      if (!link.inbound && ln !== null) {
        if (ln.inHandshake) {
          if (sender !== null) {
            // We already know it under its real name: drop the handshake node.
            cs.delNode(ln);
            return;
          }
          if (cs.lookup(h.sender) !== null) {
            cs.delNode(cs.lookup(h.sender) as ClusterNode);
          }
          cs.renameNode(ln, h.sender);
          ln.flags &= ~NODE_HANDSHAKE;
          ln.flags |= h.flags & (NODE_MASTER | NODE_SLAVE);
          cs.todoSave = true;
          sender = ln;
        } else if (ln.name !== h.sender) {
          // The node at this address changed identity.
          ln.flags |= NODE_NOADDR;
          ln.ip = '';
          ln.port = 0;
          ln.cport = 0;
          link.close();
          cs.todoSave = true;
          return;
        }
      }
      if (sender !== null && t === MSG_PING && link.inbound) this.updateAddress(sender, link, h);
      if (!link.inbound && ln !== null && t === MSG_PONG) {
        ln.pongReceived = now;
        ln.pingSent = 0;
        if ((ln.flags & NODE_PFAIL) !== 0) {
          ln.flags &= ~NODE_PFAIL;
          cs.todoUpdateState = true;
        } else if ((ln.flags & NODE_FAIL) !== 0) this.clearFailIfNeeded(ln);
      }
      if (sender === null) return;
      // Role.
      if (h.slaveof === '') {
        if (sender.isSlave) {
          cs.setPrimaryOf(sender, null);
          cs.todoSave = true;
          cs.todoUpdateState = true;
        }
      } else {
        const p = cs.lookup(h.slaveof);
        if (sender.isMaster) {
          // A primary that became a replica loses its slots.
          for (let s = 0; s < CLUSTER_SLOTS; s++) if (cs.slots[s] === sender) cs.delSlot(s);
          cs.todoSave = true;
          cs.todoUpdateState = true;
        }
        if (p !== null && sender.primary !== p) {
          cs.setPrimaryOf(sender, p);
          cs.todoSave = true;
        } else if (p === null) {
          sender.flags = (sender.flags & ~NODE_MASTER) | NODE_SLAVE;
          sender.primaryName = h.slaveof;
        }
      }
      // Slots.
      const senderPrimary = sender.isMaster ? sender : sender.primary;
      let dirty = false;
      if (senderPrimary !== null) {
        for (let i = 0; i < 2048; i++) {
          if (senderPrimary.slots[i] !== h.myslots[i]) {
            dirty = true;
            break;
          }
        }
      }
      if (sender.isMaster && dirty) this.updateSlotsFromClaim(sender, h.configEpoch, h.myslots);
      if (dirty) {
        for (let s = 0; s < CLUSTER_SLOTS; s++) {
          if ((h.myslots[s >> 3] & (1 << (s & 7))) === 0) continue;
          const owner = cs.slots[s];
          if (owner === null || owner === sender) continue;
          if (owner.configEpoch > h.configEpoch) {
            this.sendUpdate(link, owner);
            break;
          }
        }
      }
      if (sender.isMaster && cs.myself.isMaster && h.configEpoch === cs.myself.configEpoch) this.epochCollision(sender);
      this.processGossip(b, h, sender);
      if (h.extensions > 0) {
        for (const e of parseExtensions(b, h) ?? []) {
          if (e.type === EXT_HOSTNAME) {
            const hn = extString(e.data);
            if (hn !== sender.hostname) {
              sender.hostname = hn;
              cs.todoSave = true;
            }
          }
        }
      } else if (sender.hostname !== '') {
        sender.hostname = '';
        cs.todoSave = true;
      }
      return;
    }
    if (t === MSG_FAIL) {
      if (sender === null) return;
      const f = cs.lookup(b.toString('latin1', HEADER_LEN, HEADER_LEN + NAME_LEN));
      if (f !== null && (f.flags & (NODE_FAIL | NODE_MYSELF)) === 0) {
        cs.host.notice(`FAIL message received from ${sender.name} about ${f.name}`);
        f.flags = (f.flags | NODE_FAIL) & ~NODE_PFAIL;
        f.failTime = now;
        cs.todoSave = true;
        cs.todoUpdateState = true;
      }
      return;
    }
    if (t === MSG_UPDATE) {
      if (sender === null) return;
      const epoch = Number(b.readBigUInt64BE(HEADER_LEN));
      const n = cs.lookup(b.toString('latin1', HEADER_LEN + 8, HEADER_LEN + 8 + NAME_LEN));
      if (n === null || n.configEpoch >= epoch) return;
      if (n.isSlave) cs.setPrimaryOf(n, null);
      n.configEpoch = epoch;
      this.updateSlotsFromClaim(n, epoch, b.subarray(HEADER_LEN + 8 + NAME_LEN, HEADER_LEN + 8 + NAME_LEN + 2048));
      cs.todoSave = true;
      return;
    }
    if (t === MSG_PUBLISH || t === MSG_PUBLISHSHARD) {
      if (sender === null) return;
      const cl = b.readUInt32BE(HEADER_LEN);
      const ml = b.readUInt32BE(HEADER_LEN + 4);
      const ch = b.subarray(HEADER_LEN + 8, HEADER_LEN + 8 + cl);
      const msg = b.subarray(HEADER_LEN + 8 + cl, HEADER_LEN + 8 + cl + ml);
      this.onPublish?.(t === MSG_PUBLISHSHARD, ch, msg);
      return;
    }
    if (t === MSG_FAILOVER_AUTH_REQUEST) {
      if (sender === null) return;
      this.maybeVote(sender, h);
      return;
    }
    if (t === MSG_FAILOVER_AUTH_ACK) {
      if (sender === null) return;
      if (sender.isMaster && sender.numSlots > 0 && h.currentEpoch >= this.authEpoch) this.authCount++;
      return;
    }
    if (t === MSG_MFSTART) {
      if (sender === null || sender.primary !== cs.myself) return;
      cs.host.notice(`Manual failover requested by replica ${sender.name}.`);
      // Primary side of a manual failover: pause writes and tell the replica our offset.
      this.mfEnd = now + 5000;
      this.mfPaused = true;
      this.mfReplica = sender;
      this.onMfStart?.();
      if (sender.link !== null) this.sendPing(sender.link as Link, MSG_PING);
    }
  }

  mfPrimaryOffset = -1;
  mfReplica: ClusterNode | null = null;
  onMfStart: (() => void) | null = null;

  private updateAddress(n: ClusterNode, link: Link, h: Header): void {
    const ip = h.myip !== '' ? h.myip : normalizeIp(link.sock.remoteAddress);
    if (n.ip === ip && n.port === h.port && n.cport === h.cport) return;
    n.ip = ip;
    n.port = h.port;
    n.cport = h.cport;
    n.pport = h.pport;
    n.flags &= ~NODE_NOADDR;
    n.link?.close();
    this.cs.todoSave = true;
    if (this.cs.myself.primary === n) this.cs.host.replicate(n);
  }

  private processGossip(b: Buffer, h: Header, sender: ClusterNode | null): void {
    const cs = this.cs;
    const now = Date.now();
    for (let i = 0; i < h.count; i++) {
      const g = parseGossip(b, i);
      const n = cs.lookup(g.name);
      if (n !== null) {
        if (sender?.isMaster && n !== cs.myself) {
          if ((g.flags & (NODE_FAIL | NODE_PFAIL)) !== 0) {
            n.failReports.set(sender.name, now);
            this.markFailingIfNeeded(n);
          } else n.failReports.delete(sender.name);
        }
        if ((g.flags & (NODE_FAIL | NODE_PFAIL)) === 0 && n.pingSent === 0 && n.failReports.size === 0) {
          const pong = g.pongReceived * 1000;
          if (pong <= now + 500 && pong > n.pongReceived) n.pongReceived = pong;
        }
        if ((n.flags & (NODE_FAIL | NODE_PFAIL)) !== 0 && n.link === null && (g.flags & (NODE_FAIL | NODE_PFAIL)) === 0 && (n.ip !== g.ip || n.port !== g.port || n.cport !== g.cport)) {
          n.ip = g.ip;
          n.port = g.port;
          n.cport = g.cport;
          n.flags &= ~NODE_NOADDR;
        }
      } else if (sender !== null && (g.flags & NODE_NOADDR) === 0 && !this.blacklisted(g.name)) {
        const nn = new ClusterNode(g.name, g.flags & ~(NODE_MYSELF | NODE_PFAIL | NODE_FAIL | NODE_HANDSHAKE | NODE_MEET));
        nn.ip = g.ip;
        nn.port = g.port;
        nn.cport = g.cport;
        nn.pport = g.pport;
        cs.addNode(nn);
        cs.todoSave = true;
      }
    }
  }

  private blacklisted(name: string): boolean {
    const t = this.cs.blacklist.get(name);
    if (t === undefined) return false;
    if (t < Date.now()) {
      this.cs.blacklist.delete(name);
      return false;
    }
    return true;
  }

  private markFailingIfNeeded(n: ClusterNode): void {
    const cs = this.cs;
    if ((n.flags & NODE_PFAIL) === 0 || (n.flags & NODE_FAIL) !== 0) return;
    const needed = Math.floor(cs.size / 2) + 1;
    const validity = this.timeout() * 2;
    const now = Date.now();
    let failures = 0;
    for (const [name, t] of n.failReports) {
      if (now - t > validity) n.failReports.delete(name);
      else failures++;
    }
    if (cs.myself.isMaster) failures++;
    if (failures < needed) return;
    cs.host.notice(`Marking node ${n.name} as failing (quorum reached).`);
    n.flags = (n.flags | NODE_FAIL) & ~NODE_PFAIL;
    n.failTime = now;
    this.sendFail(n.name);
    cs.todoUpdateState = true;
    cs.todoSave = true;
  }

  private clearFailIfNeeded(n: ClusterNode): void {
    const now = Date.now();
    if (n.isSlave || n.numSlots === 0 || now - n.failTime > this.timeout() * 2 + 10) {
      n.flags &= ~NODE_FAIL;
      this.cs.todoUpdateState = true;
      this.cs.todoSave = true;
    }
  }

  /** clusterHandleConfigEpochCollision: of two primaries with one epoch, the smaller name takes a new one. */
  private epochCollision(sender: ClusterNode): void {
    const cs = this.cs;
    if (sender.configEpoch !== cs.myself.configEpoch || sender.name <= cs.myself.name) return;
    cs.currentEpoch++;
    cs.myself.configEpoch = cs.currentEpoch;
    cs.todoSave = true;
    cs.host.notice(`WARNING: configEpoch collision with node ${sender.name}. configEpoch set to ${cs.myself.configEpoch}`);
  }

  /**
   * clusterUpdateSlotsConfigWith: the slots `claim` names go to `sender` where its epoch beats
   * the recorded owner's. When our own primary (or we) lose every slot to it, we follow it.
   */
  updateSlotsFromClaim(sender: ClusterNode, epoch: number, claim: Uint8Array): void {
    const cs = this.cs;
    const me = cs.myself;
    if (sender === me) return;
    const curPrimary = me.isMaster ? me : me.primary;
    let newPrimary: ClusterNode | null = null;
    const dirtySlots: number[] = [];
    for (let s = 0; s < CLUSTER_SLOTS; s++) {
      if ((claim[s >> 3] & (1 << (s & 7))) === 0) continue;
      const owner = cs.slots[s];
      if (owner === sender || cs.importingFrom[s] !== null) continue;
      if (owner === null || owner.configEpoch < epoch) {
        if (owner === me && cs.host.countKeysInSlot(s) > 0) dirtySlots.push(s);
        if (owner !== null && owner === curPrimary) newPrimary = sender;
        cs.delSlot(s);
        cs.addSlot(s, sender);
        if (cs.migratingTo[s] !== null && owner === me) cs.migratingTo[s] = null;
        cs.todoSave = true;
        cs.todoUpdateState = true;
      }
    }
    if (newPrimary !== null && curPrimary !== null && curPrimary.numSlots === 0) {
      cs.host.notice('Configuration change detected. Reconfiguring myself as a replica of ' + sender.name);
      cs.setPrimaryOf(me, sender);
      cs.host.replicate(sender);
      cs.todoSave = true;
    } else if (dirtySlots.length > 0) {
      this.onDirtySlots?.(dirtySlots);
    }
  }

  onDirtySlots: ((slots: number[]) => void) | null = null;

  /** clusterSendFailoverAuthIfNeeded: a primary votes once per epoch for a replica of a failed primary. */
  private maybeVote(node: ClusterNode, h: Header): void {
    const cs = this.cs;
    const me = cs.myself;
    if (me.isSlave || me.numSlots === 0) return;
    if (h.currentEpoch < cs.currentEpoch) return;
    if (cs.lastVoteEpoch === cs.currentEpoch) return;
    const primary = node.primary;
    const force = (h.mflags0 & 2) !== 0;
    if (!node.isSlave || primary === null) return;
    if (!primary.failed && !force) return;
    const now = Date.now();
    if (now - primary.votedTime < this.timeout() * 2) return;
    for (let s = 0; s < CLUSTER_SLOTS; s++) {
      if ((h.myslots[s >> 3] & (1 << (s & 7))) === 0) continue;
      const owner = cs.slots[s];
      if (owner === null || owner.configEpoch <= h.configEpoch) continue;
      return;
    }
    cs.lastVoteEpoch = cs.currentEpoch;
    primary.votedTime = now;
    cs.todoSave = true;
    cs.host.notice(`Failover auth granted to ${node.name} for epoch ${cs.currentEpoch}`);
    this.sendAuthAck(node);
  }

  // ---- cron ---------------------------------------------------------------------------------

  private connect(n: ClusterNode): void {
    if (n.ip === '' || n.cport === 0) return;
    const sock = net.connect({ host: n.ip, port: n.cport });
    const l = new Link(this, sock, false, n);
    n.link = l;
    if (n.pingSent === 0) n.pingSent = Date.now();
    sock.once('connect', () => {
      // We learn our own address from the first connection when nothing announces it.
      if (this.cs.myself.ip === '' && this.cs.host.configStr('cluster-announce-ip') === '') {
        this.cs.myself.ip = normalizeIp(sock.localAddress);
        this.cs.todoSave = true;
      }
      const meet = (n.flags & NODE_MEET) !== 0;
      this.sendPing(l, meet ? MSG_MEET : MSG_PING);
      n.flags &= ~NODE_MEET;
    });
  }

  /** Every 100 ms (Redis's clusterCron). */
  cron(): void {
    const cs = this.cs;
    const now = Date.now();
    const timeout = this.timeout();
    const handshakeTimeout = Math.max(timeout, 1000);
    this.cronLoops++;
    for (const n of [...cs.nodes.values()]) {
      if (n === cs.myself || (n.flags & NODE_NOADDR) !== 0) continue;
      if (n.inHandshake && now - n.ctime > handshakeTimeout) {
        cs.delNode(n);
        continue;
      }
      if (n.link === null) this.connect(n);
    }
    if (this.cronLoops % 10 === 0) {
      let best: ClusterNode | null = null;
      const all = [...cs.nodes.values()];
      for (let i = 0; i < 5 && all.length > 0; i++) {
        const n = all[Math.floor(Math.random() * all.length)];
        if (n === cs.myself || n.link === null || n.pingSent !== 0 || n.inHandshake) continue;
        if (best === null || n.pongReceived < best.pongReceived) best = n;
      }
      if (best !== null) this.sendPing(best.link as Link, MSG_PING);
    }
    for (const n of cs.nodes.values()) {
      if (n === cs.myself || (n.flags & (NODE_NOADDR | NODE_HANDSHAKE)) !== 0) continue;
      const l = n.link as Link | null;
      if (l !== null && now - l.createdAt > timeout && n.pingSent !== 0 && now - n.pingSent > timeout / 2 && now - n.dataReceived > timeout / 2) {
        l.close();
        continue;
      }
      if (l !== null && n.pingSent === 0 && now - n.pongReceived > timeout / 2) {
        this.sendPing(l, MSG_PING);
        continue;
      }
      if (n.pingSent === 0) continue;
      const delay = Math.min(now - n.pingSent, now - n.dataReceived);
      if (delay > timeout && (n.flags & (NODE_PFAIL | NODE_FAIL)) === 0) {
        cs.host.notice(`*** NODE ${n.name} possibly failing`);
        n.flags |= NODE_PFAIL;
        cs.todoUpdateState = true;
      }
    }
    this.onCron?.();
  }

  onCron: (() => void) | null = null;

  /** For CLUSTER INFO's counters and CLUSTER LINKS. */
  links(): Link[] {
    const out: Link[] = [];
    for (const n of this.cs.nodes.values()) {
      if (n.link !== null) out.push(n.link as Link);
      if (n.inboundLink !== null) out.push(n.inboundLink as Link);
    }
    return out;
  }

  static readonly NOFAILOVER = NODE_NOFAILOVER;
}

/*
 * The main thread's side of io-threads (io-threads N > 1): N I/O workers, each linked by a
 * command ring (worker -> main) and a reply ring (main -> worker), see docs/design-io-threads.md.
 *
 * The main thread accepts connections, creates the Client (id, addresses, limits), and transfers
 * the socket to a worker; from then on it sees only frames. Draining a worker's command ring runs
 * each command through the same Server.execute as the single-threaded path, with the Argv
 * pointing into the ring (no copy); a client's replies for a run of its commands go back as one
 * frame through a RingOutbox, which queues (never waits) when the reply ring is full. Commands
 * of one client arrive in order on one ring, so per-client order, and the atomicity of each
 * command, are those of the single-threaded server.
 */
import type { TlsSetup } from '../server/tls.ts';
import type { Socket } from 'node:net';
import { Worker, type Transferable } from 'node:worker_threads';
import { Argv } from '../protocol/argv.ts';
import { parserLimits } from '../protocol/parser.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { IoPool, Transport } from '../server/transport.ts';
import { decodeCommand, readU32 } from '../server/command-frame.ts';
import {
  CONTROL_TAG, C_AUTH, C_BUSY_REPLY, C_CLOSE, C_CLOSED, C_EOF, C_HELD, C_KILL, C_OBUF_CLASS, C_OBUF_LIMIT, C_PROTOCOL_ERROR, C_QBUF_LIMIT, control,
} from './frames.ts';
import { REPLY_ON } from '../server/client.ts';
import { CALLER_ID, EPOCH, S_BUSY, S_FUNCTION, S_SHUTDOWN, SHUTDOWN_BY, STATE, scriptControl } from '../scripting/script-control.ts';
import { busyCommandTable } from './busy.ts';
import {
  STAGE_EXEC, STAGE_NAMES, STAGE_QUEUE, histAdd, histPercentile, KICK_DATA, KICK_SPACE, W_CMD_STAMP, W_EXEC_N, W_EXEC_US, W_FIELDS, W_QUEUE_N,
  W_QUEUE_US, W_REPLY_STAMP, W_STALLS, W_WAKEUPS_FROM_MAIN, W_WAKEUPS_TO_MAIN, clockUs,
  type WorkerInit,
} from './protocol.ts';
import { hashSeed } from '../store/hash.ts';
import { FRAME_WHOLE, MessageAssembler, RingConsumer, RingOutbox, RingProducer, createRing } from './ring.ts';

const RING_BYTES = 1 << 20;
const DRAIN_BUDGET = 2048;

export class WorkerLink {
  readonly index: number;
  readonly worker: Worker;
  readonly commands: RingConsumer;
  readonly replies: RingProducer;
  readonly outbox: RingOutbox;
  readonly stats: Float64Array;
  readonly assembler = new MessageAssembler();
  clients = 0;
  alive = true;
  /**
   * Busy script (busyScanAhead): frames up to skipUntil were looked at; those at the positions in
   * `ranAhead` were run already (drain() skips them); `kept` are the clients whose frames there
   * must wait in place (the caller's, or behind one that must).
   */
  skipUntil = 0;
  skipping = false;
  readonly ranAhead = new Set<number>();
  readonly kept = new Set<number>();

  constructor(index: number, worker: Worker, commands: SharedArrayBuffer, replies: SharedArrayBuffer, stats: SharedArrayBuffer) {
    this.index = index;
    this.worker = worker;
    this.stats = new Float64Array(stats);
    const st = this.stats;
    this.commands = new RingConsumer(commands, () => {
      st[W_WAKEUPS_FROM_MAIN]++;
      worker.postMessage(KICK_SPACE);
    });
    this.replies = new RingProducer(replies, () => {
      st[W_WAKEUPS_FROM_MAIN]++;
      worker.postMessage(KICK_DATA);
    });
    this.outbox = new RingOutbox(this.replies);
  }
}

export class IoThreads implements IoPool {
  readonly srv: Server;
  readonly size: number;
  readonly links: WorkerLink[] = [];
  private argv = new Argv();
  /** Decodes commands run during a busy script (the script's own command still uses `argv`). */
  private busyArgv = new Argv();
  /** The client whose replies are being collected during a drain. */
  private current: Client | null = null;
  private stopping = false;
  private nextWorker = 0;
  /** The link whose command ring is being drained (its frames before the current one are done). */
  private draining: WorkerLink | null = null;

  constructor(srv: Server, size: number) {
    this.srv = srv;
    this.size = size;
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.size; i++) this.links.push(await this.spawn(i));
  }

  private spawn(index: number): Promise<WorkerLink> {
    const commands = createRing(RING_BYTES);
    const replies = createRing(RING_BYTES);
    const stats = new SharedArrayBuffer(W_FIELDS * 8);
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { name: `io_thd_${index + 1}` });
    const link = new WorkerLink(index, worker, commands, replies, stats);
    const init: WorkerInit = {
      t: 'init', commands, replies, stats, maxBulkLen: parserLimits.maxBulkLen, queryBufferLimit: parserLimits.queryBufferLimit,
      obuf: this.srv.config.values['client-output-buffer-limit'], hashSeed: hashSeed(),
      script: scriptControl.buffer as SharedArrayBuffer, busyCommands: busyCommandTable(this.srv.registry),
      tls: this.srv.tls?.setup ?? null,
    };
    return new Promise((resolve, reject) => {
      const onReady = (m: unknown): void => {
        if (m !== 'ready') return;
        worker.off('message', onReady);
        worker.off('error', reject);
        worker.on('message', (k: number) => this.onKick(link, k));
        worker.on('error', (e: Error) => this.srv.log.warning(`I/O thread ${index + 1} failed: ${e.message}`));
        worker.on('exit', (code) => this.onExit(link, code));
        resolve(link);
      };
      worker.on('message', onReady);
      worker.once('error', reject);
      worker.postMessage(init);
    });
  }

  /** Hands an accepted socket (paused) to the least loaded worker. */
  assign(sock: Socket, c: Client, tls: boolean): void {
    let best = this.links[this.nextWorker];
    for (const l of this.links) if (l.clients < best.clients) best = l;
    this.nextWorker = (best.index + 1) % this.links.length;
    best.clients++;
    c.io = best;
    c.sock = null;
    c.transport = new WorkerTransport(this, c);
    best.worker.postMessage({ t: 'client', id: c.id, sock, auth: c.authenticated, tls }, [sock as unknown as Transferable]);
  }

  /** Each worker builds its own SecureContext from the new setup (a context is per thread). */
  tlsChanged(setup: TlsSetup): void {
    for (const l of this.links) l.worker.postMessage({ t: 'tls', setup });
  }

  /** Sends a client's reply bytes (a slab range the writer never rewrites). */
  send(c: Client, bytes: Uint8Array): void {
    const link = c.io as WorkerLink;
    link.outbox.send(bytes, c.id);
    if (link.stats[W_REPLY_STAMP] === 0) link.stats[W_REPLY_STAMP] = clockUs();
    if (link.outbox.pending === 0 && this.current === null) link.replies.commit();
  }

  /** Asks the worker to close the client's socket once what was sent before is written. */
  close(c: Client): void {
    const link = c.io as WorkerLink;
    if (!link.alive) return;
    link.clients--;
    link.outbox.send(control(C_CLOSE, c.id), CONTROL_TAG);
    link.replies.commit();
  }

  /**
   * Asks the worker to close the client's socket now, dropping what it has not written (the
   * client went over its output buffer limit on the main thread).
   */
  kill(c: Client): void {
    const link = c.io as WorkerLink;
    c.io = null; // a CLOSED crossing the KILL finds the client already given up
    if (!link.alive) return;
    link.clients--;
    link.outbox.send(control(C_KILL, c.id), CONTROL_TAG);
    link.replies.commit();
  }

  /**
   * Tells the worker the client's output buffer limit class (it subscribed, or dropped its last
   * subscription). Sent in the reply stream, so it applies from the replies that follow.
   */
  obufClassChanged(c: Client, cls: number): void {
    const link = c.io as WorkerLink;
    link.outbox.send(control(C_OBUF_CLASS, c.id, Uint8Array.of(cls)), CONTROL_TAG);
  }

  /** Tells the worker whether the client is authenticated (its parser limits depend on it). */
  authChanged(c: Client): void {
    const link = c.io as WorkerLink;
    link.outbox.send(control(C_AUTH, c.id, Uint8Array.of(c.authenticated ? 1 : 0)), CONTROL_TAG);
  }

  /** New limits for every worker (CONFIG SET proto-max-bulk-len, client-output-buffer-limit...). */
  limitsChanged(): void {
    const obuf = this.srv.config.values['client-output-buffer-limit'];
    for (const l of this.links) {
      l.worker.postMessage({ t: 'limits', maxBulkLen: parserLimits.maxBulkLen, queryBufferLimit: parserLimits.queryBufferLimit, obuf });
    }
  }

  private onKick(link: WorkerLink, kind: number): void {
    if (kind === KICK_DATA) this.drain(link);
    else if (kind === KICK_SPACE) {
      link.outbox.flush();
      link.replies.commit();
    }
  }

  /** Runs the commands waiting in a worker's command ring. */
  private drain(link: WorkerLink): void {
    if (!link.alive) return;
    const st = link.stats;
    const t0 = clockUs();
    const stamp = st[W_CMD_STAMP];
    if (stamp !== 0) {
      st[W_CMD_STAMP] = 0;
      st[W_QUEUE_US] += t0 - stamp;
      st[W_QUEUE_N]++;
      histAdd(st, STAGE_QUEUE, t0 - stamp);
    }
    const n0 = this.srv.stats.numCommands;
    this.draining = link;
    const asleep = link.commands.drain((rc) => this.onFrame(link, rc), DRAIN_BUDGET);
    this.draining = null;
    this.endClient();
    const t1 = clockUs();
    st[W_EXEC_US] += t1 - t0;
    st[W_EXEC_N] += this.srv.stats.numCommands - n0;
    histAdd(st, STAGE_EXEC, t1 - t0);
    this.scheduleReplyCommit();
    if (!asleep) setImmediate(() => this.drain(link));
  }

  /**
   * Replies are published from setImmediate, once per event-loop turn: the kicks from several
   * workers that arrive in one poll phase are all drained first, so each worker gets one commit
   * and at most one wake-up (a MessagePort post, the main thread's biggest single cost at -P 16)
   * for all of them.
   */
  private replyCommitScheduled = false;

  private scheduleReplyCommit(): void {
    if (this.replyCommitScheduled) return;
    this.replyCommitScheduled = true;
    setImmediate(this.commitReplies);
  }

  private readonly commitReplies = (): void => {
    this.replyCommitScheduled = false;
    for (const l of this.links) l.replies.commit();
  };

  private onFrame(link: WorkerLink, rc: RingConsumer): void {
    const srv = this.srv;
    if (link.skipping) {
      if (((link.skipUntil - rc.position) | 0) > 0) {
        if (link.ranAhead.has(rc.position)) return; // run during a busy script
      } else {
        link.skipping = false;
        link.ranAhead.clear();
        link.kept.clear();
      }
    }
    if (rc.kind === FRAME_WHOLE && rc.tag !== CONTROL_TAG) {
      // The common case: a whole command frame, decoded in place in the ring (no view object).
      this.onCommand(rc.tag, rc.data, rc.offset, rc.length);
      return;
    }
    const msg = link.assembler.push(rc);
    if (msg === null) return;
    if (rc.tag === CONTROL_TAG) {
      const id = readU32(msg, 1);
      const c = srv.clients.get(id);
      if (c === undefined) return;
      if (msg[0] === C_CLOSED || msg[0] === C_QBUF_LIMIT || msg[0] === C_OBUF_LIMIT) {
        // Null: the main thread already gave the socket up (a KILL crossed this message).
        if (c.io === null) return;
        if (msg[0] === C_QBUF_LIMIT) srv.queryBufferLimitReached(c);
        else if (msg[0] === C_OBUF_LIMIT) srv.logObufLimit(c, msg[5] === 1);
        c.io = null; // the socket is gone already: nothing to send back
        c.transport = null;
        link.clients--;
        if (this.current === c) {
          // Its replies so far sit in the shared writer: dropped, or the next client would get them.
          this.current = null;
          srv.writer.discard();
        }
        srv.freeClient(c);
      } else if (msg[0] === C_EOF) {
        // Its commands before the FIN all ran (they precede this in the ring): the open batch
        // is flushed, then the client is closed once those replies are written. A blocked or
        // held-back client is freed at once, as Redis frees a client on EOF.
        if (c.io === null) return;
        this.endClient();
        if (c.blockState !== null || c.postponed !== null) srv.freeClient(c);
        else {
          c.closeAfterReply = true;
          srv.flush(c);
        }
      } else if (msg[0] === C_BUSY_REPLY) {
        this.busyReplied(c, msg);
      } else if (msg[0] === C_PROTOCOL_ERROR) {
        // The client whose batch is open first gets its replies, or c would be sent them.
        this.endClient();
        this.beginClient(c);
        c.onProtocolError(Buffer.from(msg.subarray(5)).toString('latin1'));
        this.endClient();
      }
      return;
    }
    this.onCommand(rc.tag, msg, 0, msg.length);
  }

  /** Runs the command encoded at buf[off, off+len) for client `id`. */
  private onCommand(id: number, buf: Uint8Array, off: number, len: number): void {
    const srv = this.srv;
    // A pipeline's commands arrive back to back: the client of the last frame is the likely one.
    const cur = this.current;
    const c = cur !== null && cur.id === id ? cur : srv.clients.get(id);
    if (c === undefined || c.closed || c.closeAfterReply) return;
    if (c.postponed !== null) {
      // Held back (CLIENT PAUSE, a blocking command): keep its later commands, in order.
      (c.ioBacklog ??= []).push(buf.slice(off, off + len));
      return;
    }
    if (this.current !== c) {
      this.endClient();
      this.beginClient(c);
    }
    srv.stats.netInput += len;
    decodeCommand(buf, off, this.argv);
    const wasAuthenticated = c.authenticated;
    srv.execute(c, this.argv);
    if (c.authenticated !== wasAuthenticated && c.io !== null) this.authChanged(c);
  }

  private beginClient(c: Client): void {
    this.current = c;
    this.srv.beginBatch(c);
  }

  /** Sends the current client's collected replies. */
  private endClient(): void {
    const c = this.current;
    if (c === null) return;
    this.current = null;
    this.srv.flush(c);
  }

  /**
   * A busy script's hook fired (main thread, inside Lua; docs/design-scripting.md). Publishes
   * every reply produced so far; the first time, also gives back the command frames consumed
   * before the script's own, tells each worker which of its clients wait for an answer the main
   * thread has not given yet (C_HELD: blocked or paused, CLIENT REPLY OFF/SKIP, subscribed), and
   * then sets the busy bit: from then on the workers answer -BUSY, SCRIPT KILL and SHUTDOWN
   * NOSAVE for the other clients. Returns who sent SHUTDOWN NOSAVE meanwhile, or 0.
   */
  scriptBusy(caller: Client, isFunction: boolean): number {
    const ctl = scriptControl;
    const s = Atomics.load(ctl, STATE);
    this.busyDrain(caller);
    if ((s & S_BUSY) === 0) {
      this.draining?.commands.release();
      const epoch = (Atomics.load(ctl, EPOCH) + 1) | 0 || 1;
      Atomics.store(ctl, EPOCH, epoch);
      const e = new Uint8Array(4);
      new DataView(e.buffer).setUint32(0, epoch >>> 0, true);
      for (const c of this.srv.clients.values()) {
        const link = c.io as WorkerLink | null;
        if (link === null || c === caller || !link.alive) continue;
        if (c.postponed !== null || c.ioBacklog !== null || c.replyMode !== REPLY_ON || c.pubsub) link.outbox.send(control(C_HELD, c.id, e), CONTROL_TAG);
      }
    }
    let flushed = true;
    for (const l of this.links) {
      if (!l.alive) continue;
      l.outbox.flush();
      l.replies.commit();
      if (l.outbox.pending > 0) flushed = false;
    }
    // Published only once the workers can see every earlier reply (a full reply ring: next firing).
    if ((s & S_BUSY) === 0 && flushed) {
      Atomics.store(ctl, CALLER_ID, caller.id);
      Atomics.or(ctl, STATE, S_BUSY | (isFunction ? S_FUNCTION : 0));
    }
    return (s & S_SHUTDOWN) !== 0 ? Atomics.load(ctl, SHUTDOWN_BY) || -1 : 0;
  }

  /**
   * Runs, during a busy script, the commands already waiting in the rings of the workers other
   * than the caller's and the one being drained (whose frames after the script's own must keep
   * their place): through Server.execute, as the io-threads 1 pump does, so they get -BUSY or,
   * allow-busy, run (SCRIPT KILL, SHUTDOWN NOSAVE, MULTI, AUTH...). Afterwards those rings are
   * empty and the workers judge their clients' next commands themselves.
   */
  private busyDrain(caller: Client): void {
    const saved = this.current;
    const argv = this.argv;
    this.current = null;
    this.argv = this.busyArgv;
    try {
      const d = this.draining;
      if (d !== null) this.busyScanAhead(d, caller);
      for (const l of this.links) {
        if (!l.alive || l === this.draining || l === caller.io) continue;
        if (l.commands.available() === 0) continue;
        const asleep = l.commands.drain((rc) => this.onFrame(l, rc), DRAIN_BUDGET);
        this.endClient();
        if (!asleep) setImmediate(() => this.drain(l));
      }
    } finally {
      this.endClient();
      this.current = saved;
      this.argv = argv;
    }
  }

  /**
   * The frames queued behind the script's own in the ring being drained: whole command frames
   * of other clients run now (then drain() skips them). A frame that must keep its place (the
   * caller's next commands, a chunked command, a control message) stays, and so do the later
   * frames of its client.
   */
  private busyScanAhead(link: WorkerLink, caller: Client): void {
    const rc = link.commands;
    const first = !link.skipping;
    if (first) {
      link.ranAhead.clear();
      link.kept.clear();
      link.kept.add(caller.id);
    }
    rc.scanAhead((off, len, tag, kind, end) => {
      link.skipUntil = end;
      link.skipping = true;
      const id = tag === CONTROL_TAG ? readU32(rc.data, off + 1) : tag;
      // A worker's C_BUSY_REPLY follows commands of its client that all ran: it may be taken now.
      const counted = kind === FRAME_WHOLE && tag === CONTROL_TAG && rc.data[off] === C_BUSY_REPLY;
      if (kind !== FRAME_WHOLE || (tag === CONTROL_TAG && !counted) || link.kept.has(id)) {
        link.kept.add(id);
        return true;
      }
      link.ranAhead.add((end - 8 - ((len + 3) & ~3)) >>> 0); // a WHOLE frame's start
      if (!counted) this.onCommand(tag, rc.data, off, len);
      else {
        const c = this.srv.clients.get(id);
        if (c !== undefined) this.busyReplied(c, rc.data.subarray(off, off + len));
      }
      return true;
    }, first ? -1 : link.skipUntil);
  }

  /** A worker answered c itself during a busy script (C_BUSY_REPLY): counted as the main thread would. */
  private busyReplied(c: Client, msg: Uint8Array): void {
    const [name, text] = Buffer.from(msg.subarray(6)).toString('latin1').split('\0');
    if (msg[5] === 1) this.srv.rejectedBusy(c, name, text);
    else this.srv.stats.countError(text);
  }

  /** The busy script ended: workers forward everything again. Answers as scriptBusy. */
  scriptEnded(): number {
    const s = Atomics.exchange(scriptControl, STATE, 0);
    Atomics.store(scriptControl, CALLER_ID, 0);
    return (s & S_SHUTDOWN) !== 0 ? Atomics.load(scriptControl, SHUTDOWN_BY) || -1 : 0;
  }

  private onExit(link: WorkerLink, code: number): void {
    link.alive = false;
    if (this.stopping) return;
    const srv = this.srv;
    srv.log.warning(`I/O thread ${link.index + 1} exited with code ${code}; closing its clients and starting a new one`);
    for (const c of [...srv.clients.values()]) {
      if (c.io !== link) continue;
      c.io = null;
      c.transport = null;
      srv.freeClient(c);
    }
    this.spawn(link.index).then(
      (l) => {
        this.links[link.index] = l;
      },
      (e: Error) => srv.log.warning(`I/O thread ${link.index + 1} could not be restarted: ${e.message}`),
    );
  }

  /** Ends worker `index` as if it had crashed (DEBUG IO-THREAD-EXIT). */
  exitWorker(index: number): void {
    this.links[index].worker.postMessage({ t: 'exit' });
  }

  /** Per-thread counters for INFO (protocol.ts W_* slots). */
  /** INFO `# Spindle` fields: one line per worker, then per-stage latency percentiles. */
  infoFields(): [string, string][] {
    return [...this.threadFields(), ...this.stageFields()];
  }

  /** One line per I/O worker (io-threads > 1): its connections and traffic counters. */
  private threadFields(): [string, string][] {
    const avg = (sum: number, n: number): string => (n > 0 ? (sum / n).toFixed(2) : '0.00');
    return this.counters().map((v, i): [string, string] => [
      `io_thread_${i + 1}`,
      `connections=${v[0]},bytes_in=${v[1]},bytes_out=${v[2]},commands=${v[3]},replies=${v[4]},ring_full_stalls=${v[5]}` +
        // Average µs per stage: parse (worker, per command), queue wait (worker commit to main
        // drain, per batch), execute (main, per command), reply wait (main commit to worker
        // drain, per batch), write (worker socket.write, per reply).
        `,parse_us=${avg(v[6], v[7])},queue_wait_us=${avg(v[8], v[9])},execute_us=${avg(v[10], v[11])}` +
        `,reply_wait_us=${avg(v[12], v[13])},write_us=${avg(v[14], v[15])}` +
        // Cross-thread wake-ups (each a MessagePort post, the main thread's costliest io step).
        `,wakeups_to_main=${v[W_WAKEUPS_TO_MAIN]},wakeups_from_main=${v[W_WAKEUPS_FROM_MAIN]}`,
    ]);
  }

  /**
   * Per-stage latency percentiles over all I/O workers (io-threads > 1), in the shape of Redis's
   * latencystats lines: parse and execute are per drained batch, the waits per hand-off, write
   * per reply; values are the upper bounds of log2 µs buckets.
   */
  private stageFields(): [string, string][] {
    const all = this.counters();
    return STAGE_NAMES.map((name, stage): [string, string] => [
      `io_stage_usec_${name}`,
      `p50=${histPercentile(all, stage, 50)},p99=${histPercentile(all, stage, 99)},p99.9=${histPercentile(all, stage, 99.9)}`,
    ]);
  }

  /** Per worker, for the latency monitor (server/io-latency.ts): how long the oldest undrained hand-off each way has waited, and ring-full stalls so far. */
  stallSamples(): Array<{ replyWaitMs: number; commandWaitMs: number; ringFullStalls: number }> {
    const now = clockUs();
    return this.links.map((l) => {
      const st = l.stats;
      return {
        replyWaitMs: st[W_REPLY_STAMP] !== 0 ? (now - st[W_REPLY_STAMP]) / 1000 : 0,
        commandWaitMs: st[W_CMD_STAMP] !== 0 ? (now - st[W_CMD_STAMP]) / 1000 : 0,
        ringFullStalls: st[W_STALLS],
      };
    });
  }

  counters(): number[][] {
    return this.links.map((l) => Array.from(l.stats));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.links.map((l) => l.worker.terminate()));
  }
}

/** A client whose socket an I/O worker owns: replies cross the ring, closes are control messages. */
class WorkerTransport implements Transport {
  private readonly pool: IoThreads;
  private readonly c: Client;
  /** The worker tracks the socket's unsent bytes and applies the output limits itself. */
  readonly pendingBytes = 0;

  constructor(pool: IoThreads, c: Client) {
    this.pool = pool;
    this.c = c;
  }

  write(bytes: Uint8Array): void {
    this.pool.send(this.c, bytes);
  }

  end(): void {
    this.pool.close(this.c);
  }

  destroy(): void {
    this.pool.close(this.c);
  }

  abort(): void {
    this.pool.kill(this.c);
  }
}

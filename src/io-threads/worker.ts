/*
 * An I/O worker thread (io-threads > 1). It owns the sockets the main thread hands it: reads
 * them, parses RESP with the same parser as the single-threaded path, and writes each complete
 * command into the command ring; it drains the reply ring and writes replies to the sockets.
 * The main thread only executes commands.
 *
 * Back-pressure: when the command ring is full the parser stops (the rest of the client's input
 * stays in its query buffer), reading of that socket pauses, and parsing resumes when the main
 * thread's space kick arrives. Wake-ups are MessagePort kicks sent only on a ring's sleep/wake
 * transitions (see ring.ts), so a busy pipeline costs no messages at all.
 *
 * client-output-buffer-limit (src/server/obuf-limit.ts) is enforced here, where the sockets
 * are: after each reply written, the socket's backlog is compared with the client's floor; a
 * client over its limit is closed at once (its unsent output dropped) and reported to the main
 * thread (OBUF_LIMIT), which logs and frees it. The main thread sends each client's class
 * (OBUF_CLASS) in the reply stream and the limits with the parser limits.
 *
 * A busy script (the main thread inside Lua past busy-reply-threshold, busy.ts): a client whose
 * earlier commands were all answered (released from the command ring, replies drained, not the
 * script's caller, not held by the main thread) gets its commands judged here: -BUSY, SCRIPT
 * KILL, SHUTDOWN NOSAVE, QUIT. Anything else is forwarded as usual and runs after the script, so
 * each client's replies stay in order.
 */
import { TlsAcceptor, type TlsSetup } from '../server/tls.ts';
import type { Socket } from 'node:net';
import { parentPort } from 'node:worker_threads';
import type { Argv } from '../protocol/argv.ts';
import { setHashSeed } from '../store/hash.ts';
import { RequestParser, parserLimits, type ParserSink } from '../protocol/parser.ts';
import { adoptSocket } from '../server/socket-reader.ts';
import { SocketWriter } from '../util/socket-write.ts';
import { commandSize, encodeCommand, readU32 } from '../server/command-frame.ts';
import {
  CONTROL_TAG, C_AUTH, C_BUSY_REPLY, C_CLOSE, C_CLOSED, C_EOF, C_HELD, C_KILL, C_OBUF_CLASS, C_OBUF_LIMIT, C_PROTOCOL_ERROR, C_QBUF_LIMIT, control,
} from './frames.ts';
import { B_FORWARD, B_QUIT, B_REFUSED, B_SHUTDOWN, BusyGate } from './busy.ts';
import { CALLER_ID, EPOCH } from '../scripting/script-control.ts';
import { OBUF_NORMAL, obufFloorOf, obufLimitsByClass, obufOverLimit } from '../server/obuf-limit.ts';
import type { ObufLimit, ObufLimits } from '../server/config-table.ts';
import { MessageAssembler, RingConsumer, RingProducer } from './ring.ts';
import {
  KICK_DATA, KICK_SPACE, W_BYTES_IN, W_BYTES_OUT, W_CMD_STAMP, W_COMMANDS, W_CONNECTIONS, W_PARSE_N, W_PARSE_US, W_REPLIES,
  W_REPLY_N, W_REPLY_STAMP, W_REPLY_US, W_STALLS, W_WAKEUPS_TO_MAIN, W_WRITE_N, W_WRITE_US, clockUs, type WorkerInit, type WorkerLimits,
  STAGE_PARSE, STAGE_REPLY, STAGE_WRITE, histAdd,
} from './protocol.ts';

const port = parentPort;
if (port === null) throw new Error('io-threads worker started outside a worker thread');

let commands: RingProducer;
let replies: RingConsumer;
let stats: Float64Array;
const assembler = new MessageAssembler();
const clients = new Map<number, WorkerClient>();
/** Clients whose parsing stopped on a full command ring, in arrival order. */
const stalled: WorkerClient[] = [];
/** client-output-buffer-limit by class, and each class's floor (obuf-limit.ts). */
let obufLimits: ObufLimit[] = [];
let obufFloors: number[] = [];
/** Clients holding a soft-limit stamp: re-checked by a timer while there are any. */
const obufStamped = new Set<WorkerClient>();
let obufTimer: NodeJS.Timeout | null = null;
/** Judges commands during a busy script (busy.ts), over the shared script control words. */
let gate: BusyGate;
let scriptCtl: Int32Array;
/** The busy state seen when the current read started parsing (replies were drained first). */
let busyNow = false;

class WorkerClient implements ParserSink {
  readonly parser = new RequestParser();
  authenticated: boolean;
  stopped = false;
  closing = false;
  /** Output limit class and check state (obuf-limit.ts ObufState). */
  obufClass = OBUF_NORMAL;
  obufFloor = obufFloors[OBUF_NORMAL];
  obufSoftSince = 0;
  /** Command ring position after this client's last command frame. */
  lastEnd = 0;
  /** The busy episode (script-control.ts EPOCH) in which the main thread holds this client. */
  heldEpoch = 0;
  /** The peer half-closed while this client was stalled: C_EOF is sent once it resumes. */
  eofPending = false;

  readonly id: number;
  sock: Socket;
  /** Writes replies straight to the socket's handle (util/socket-write.ts); set once the socket is adopted. */
  out: SocketWriter;

  constructor(id: number, sock: Socket, authenticated: boolean) {
    this.id = id;
    this.sock = sock;
    this.out = new SocketWriter(sock);
    this.authenticated = authenticated;
    this.lastEnd = commands.position;
  }

  onCommand(argv: Argv): boolean {
    stats[W_COMMANDS]++;
    if (busyNow && this.judgedHere()) {
      const v = gate.decide(argv, this.id);
      if (v !== B_FORWARD) return this.answerBusy(v);
    }
    const size = commandSize(argv);
    if (pendingChunks.length === 0 && size <= commands.maxFrame) {
      const off = commands.reserve(size, this.id);
      if (off >= 0) {
        encodeCommand(commands.data, off, argv, true);
        this.lastEnd = commands.position;
        return true;
      }
    }
    // The ring is full, or the command is bigger than a frame: encode it aside (rare) and send
    // it in order, in chunks as room frees up. The parser counts it as consumed either way.
    const msg = new Uint8Array(size);
    encodeCommand(msg, 0, argv, true);
    if (pendingChunks.length === 0) {
      if (commands.writeMessage(msg, this.id)) {
        this.lastEnd = commands.position;
        return true;
      }
      pendingChunks.push({ msg, from: commands.resumeAt, id: this.id });
    } else {
      pendingChunks.push({ msg, from: 0, id: this.id });
    }
    return this.stall();
  }

  /**
   * During a busy script: may this worker answer the client's next command itself? Only when
   * all its earlier commands were answered, so its replies stay in order.
   */
  private judgedHere(): boolean {
    return !this.closing && this.authenticated && this.obufClass === OBUF_NORMAL && pendingChunks.length === 0 &&
      this.id !== Atomics.load(scriptCtl, CALLER_ID) && this.heldEpoch !== Atomics.load(scriptCtl, EPOCH) &&
      commands.releasedUpTo(this.lastEnd);
  }

  /** Sends the gate's answer (B_* other than B_FORWARD); false stops parsing this client. */
  private answerBusy(v: number): boolean {
    if (v !== B_SHUTDOWN) {
      const out = Buffer.from(gate.reply, 'latin1');
      this.out.write(out);
      stats[W_BYTES_OUT] += out.length;
      stats[W_REPLIES]++;
    }
    if (gate.error !== '') {
      const rest = Buffer.from(`\0${gate.name}\0${gate.error}`, 'latin1');
      rest[0] = v === B_REFUSED ? 1 : 0;
      sendControl(C_BUSY_REPLY, this.id, rest);
    }
    if (v === B_QUIT) {
      this.closing = true;
      this.sock.end();
      return false;
    }
    if (v === B_SHUTDOWN) {
      // The server exits at the hook's next firing (or when the script ends): read no more.
      this.closing = true;
      this.sock.pause();
      return false;
    }
    return true;
  }

  private stall(): boolean {
    if (!this.stopped) {
      this.stopped = true;
      this.sock.pause();
      stalled.push(this);
      stats[W_STALLS]++;
    }
    return false;
  }

  onProtocolError(message: string): void {
    this.closing = true;
    this.sock.pause();
    sendControl(C_PROTOCOL_ERROR, this.id, Buffer.from(message, 'latin1'));
  }

  authRequired(): boolean {
    return !this.authenticated;
  }
}

/**
 * Commands parsed from one poll phase's socket reads are published together: libuv delivers all
 * the sockets that became readable in one iteration before running immediates, so committing
 * from setImmediate turns N reads into one commit and at most one kick of the main thread (each
 * kick is a cross-thread wake-up costing ~14 µs of CPU), at the price of no added wait.
 */
let commitScheduled = false;

function scheduleCommit(): void {
  if (commitScheduled) return;
  commitScheduled = true;
  setImmediate(commitNow);
}

function commitNow(): void {
  commitScheduled = false;
  commands.commit();
}

/** Chunked commands interrupted by a full ring, resumed first when space frees up. */
const pendingChunks: Array<{ msg: Uint8Array; from: number; id: number }> = [];

function sendControl(kind: number, id: number, rest?: Uint8Array): void {
  const msg = control(kind, id, rest);
  if (pendingChunks.length > 0) pendingChunks.push({ msg, from: 0, id: CONTROL_TAG });
  else if (!commands.writeMessage(msg, CONTROL_TAG)) pendingChunks.push({ msg, from: commands.resumeAt, id: CONTROL_TAG });
  commands.commit();
}

function onData(wc: WorkerClient, bytes: Uint8Array): void {
  stats[W_BYTES_IN] += bytes.length;
  // A busy script: what the main thread answered before it got busy is written first.
  busyNow = gate.busy;
  if (busyNow) drainReplies();
  if (wc.closing) return;
  // A paused socket can still deliver a read that was in flight: keep it unparsed for later.
  if (wc.stopped) wc.parser.hold(bytes);
  else {
    const n0 = stats[W_COMMANDS];
    const t0 = clockUs();
    wc.parser.feed(bytes, wc);
    const t1 = clockUs();
    stats[W_PARSE_US] += t1 - t0;
    stats[W_PARSE_N] += stats[W_COMMANDS] - n0;
    histAdd(stats, STAGE_PARSE, t1 - t0);
    if (stats[W_CMD_STAMP] === 0 && commands.uncommitted > 0) stats[W_CMD_STAMP] = t1;
    scheduleCommit();
  }
  if (wc.parser.buffered > parserLimits.queryBufferLimit) {
    // client-query-buffer-limit: drop the client; the main thread logs it and frees its state.
    clients.delete(wc.id);
    stats[W_CONNECTIONS]--;
    wc.closing = true;
    wc.parser.reset();
    sendControl(C_QBUF_LIMIT, wc.id);
    wc.sock.destroy();
  }
}

/** New limits: floors re-derived, and clients already over them checked (as Redis's clientsCron would). */
function setObufLimits(l: ObufLimits): void {
  obufLimits = obufLimitsByClass(l);
  obufFloors = obufLimits.map((x) => obufFloorOf(x, false));
  for (const wc of [...clients.values()]) {
    wc.obufFloor = wc.obufSoftSince !== 0 ? 0 : obufFloors[wc.obufClass];
    if (wc.out.queued >= wc.obufFloor) checkObuf(wc, false);
  }
}

/**
 * Applies wc's output limits to its socket's backlog (`onWrite`: right after a write, else from
 * the soft-limit timer); a client over them is dropped with what it has not been sent.
 */
function checkObuf(wc: WorkerClient, onWrite: boolean): void {
  const over = obufOverLimit(wc, obufLimits[wc.obufClass], obufFloors[wc.obufClass], wc.out.queued);
  if (wc.obufSoftSince !== 0 && !over) {
    obufStamped.add(wc);
    obufTimer ??= setInterval(obufCron, 100);
  } else {
    obufStamped.delete(wc);
  }
  if (!over) return;
  clients.delete(wc.id);
  stats[W_CONNECTIONS]--;
  wc.closing = true;
  wc.parser.reset();
  wc.sock.destroy();
  sendControl(C_OBUF_LIMIT, wc.id, Uint8Array.of(onWrite ? 1 : 0));
}

/** Soft-limit timer (Redis's clientsCron check): a client that stopped receiving data is still closed. */
function obufCron(): void {
  for (const wc of [...obufStamped]) {
    if (clients.get(wc.id) !== wc) obufStamped.delete(wc);
    else checkObuf(wc, false);
  }
  if (obufStamped.size === 0 && obufTimer !== null) {
    clearInterval(obufTimer);
    obufTimer = null;
  }
}

/** The TLS context for tls-port clients, built here from the main thread's setup. */
let tlsAcceptor: TlsAcceptor | null = null;

function addClient(id: number, sock: Socket, authenticated: boolean, tls: boolean): void {
  const wc = new WorkerClient(id, sock, authenticated);
  clients.set(id, wc);
  stats[W_CONNECTIONS]++;
  // A tls-port client: this worker does its handshake and crypto (src/server/tls.ts).
  if (tls && tlsAcceptor !== null) wc.sock = tlsAcceptor.wrap(sock, (bytes) => onData(wc, bytes));
  else wc.sock = adoptSocket(sock, (bytes) => onData(wc, bytes));
  wc.out = new SocketWriter(wc.sock);
  const gone = (): void => {
    if (clients.get(id) !== wc) return;
    clients.delete(id);
    stats[W_CONNECTIONS]--;
    wc.parser.reset();
    sendControl(C_CLOSED, id);
  };
  // A peer that half-closes (sends, then FIN) still gets the replies to what it sent, as from
  // Redis and io-threads 1: the write side stays open until the main thread's CLOSE, which
  // comes after those replies. A client stalled on a full ring reports it once resumed.
  wc.sock.allowHalfOpen = true;
  wc.sock.on('end', () => {
    if (clients.get(id) !== wc || wc.closing) return;
    if (wc.stopped) wc.eofPending = true;
    else sendControl(C_EOF, id);
  });
  wc.sock.on('close', gone);
  wc.sock.on('error', gone);
}

/** Writes the replies and obeys the control messages the main thread sent. */
function drainReplies(): void {
  const stamp = stats[W_REPLY_STAMP];
  if (stamp !== 0) {
    stats[W_REPLY_STAMP] = 0;
    const us = clockUs() - stamp;
    stats[W_REPLY_US] += us;
    stats[W_REPLY_N]++;
    histAdd(stats, STAGE_REPLY, us);
  }
  const asleep = replies.drain(onReplyFrame, 4096);
  if (!asleep) setImmediate(drainReplies);
}

function onReplyFrame(rc: RingConsumer): void {
  const msg = assembler.push(rc);
  if (msg === null) return;
  const tag = rc.tag;
  if (tag !== CONTROL_TAG) {
    const wc = clients.get(tag);
    if (wc === undefined) return;
    // The ring's bytes are reused after release: the socket gets its own copy.
    const t0 = clockUs();
    const out = wc.out;
    out.write(Buffer.from(msg));
    if (out.queued >= wc.obufFloor) checkObuf(wc, true);
    const us = clockUs() - t0;
    stats[W_WRITE_US] += us;
    stats[W_WRITE_N]++;
    histAdd(stats, STAGE_WRITE, us);
    stats[W_BYTES_OUT] += msg.length;
    stats[W_REPLIES]++;
    return;
  }
  const kind = msg[0];
  const id = readU32(msg, 1);
  const wc = clients.get(id);
  if (wc === undefined) return;
  if (kind === C_CLOSE) {
    clients.delete(id);
    stats[W_CONNECTIONS]--;
    wc.closing = true;
    wc.parser.reset();
    // Closed once the reply is out (as Redis closes the fd): a socket paused after a protocol
    // error never reads the peer's FIN, so end() alone would keep its descriptor forever.
    const sock = wc.sock;
    sock.end(() => sock.destroy());
  } else if (kind === C_AUTH) {
    wc.authenticated = msg[5] === 1;
  } else if (kind === C_OBUF_CLASS) {
    wc.obufClass = msg[5];
    wc.obufFloor = wc.obufSoftSince !== 0 ? 0 : obufFloors[wc.obufClass];
  } else if (kind === C_HELD) {
    wc.heldEpoch = readU32(msg, 5);
  } else if (kind === C_KILL) {
    clients.delete(id);
    stats[W_CONNECTIONS]--;
    wc.closing = true;
    wc.parser.reset();
    wc.sock.destroy();
  }
}

/** Room in the command ring again: finish chunked messages, then resume stalled clients. */
function onSpace(): void {
  busyNow = false; // resumed input is forwarded (replies were not drained here)
  while (pendingChunks.length > 0) {
    const p = pendingChunks[0];
    if (!commands.writeMessage(p.msg, p.id, p.from)) {
      p.from = commands.resumeAt;
      commands.commit();
      return;
    }
    pendingChunks.shift();
  }
  while (stalled.length > 0) {
    const wc = stalled.shift() as WorkerClient;
    wc.stopped = false;
    wc.parser.resume(wc);
    if (wc.stopped) break; // filled the ring again: it queued itself at the end
    if (wc.eofPending && !wc.closing) {
      wc.eofPending = false;
      sendControl(C_EOF, wc.id);
    }
    if (!wc.closing) wc.sock.resume();
  }
  commands.commit();
}

port.on('message', (m: WorkerInit | WorkerLimits | { t: 'client'; id: number; sock: Socket; auth: boolean; tls: boolean } | { t: 'tls'; setup: TlsSetup } | { t: 'exit' } | number) => {
  if (m === KICK_DATA) return drainReplies();
  if (m === KICK_SPACE) return onSpace();
  if (typeof m !== 'object') return;
  if (m.t === 'init') {
    setHashSeed(m.hashSeed);
    parserLimits.maxBulkLen = m.maxBulkLen;
    parserLimits.queryBufferLimit = m.queryBufferLimit;
    setObufLimits(m.obuf);
    stats = new Float64Array(m.stats);
    gate = new BusyGate(m.script, m.busyCommands);
    scriptCtl = new Int32Array(m.script);
    commands = new RingProducer(m.commands, () => {
      stats[W_WAKEUPS_TO_MAIN]++;
      port.postMessage(KICK_DATA);
    });
    replies = new RingConsumer(m.replies, () => {
      stats[W_WAKEUPS_TO_MAIN]++;
      port.postMessage(KICK_SPACE);
    });
    if (m.tls !== null) tlsAcceptor = new TlsAcceptor(m.tls);
    port.postMessage('ready');
  } else if (m.t === 'client') {
    addClient(m.id, m.sock, m.auth, m.tls);
  } else if (m.t === 'tls') {
    tlsAcceptor = new TlsAcceptor(m.setup);
  } else if (m.t === 'exit') {
    // DEBUG IO-THREAD-EXIT: die like a crash, but let the DEBUG reply (sent right after this
    // message) reach its client first.
    setTimeout(() => process.exit(1), 50);
  } else if (m.t === 'limits') {
    parserLimits.maxBulkLen = m.maxBulkLen;
    parserLimits.queryBufferLimit = m.queryBufferLimit;
    setObufLimits(m.obuf);
  }
});

/*
 * Where a client's bytes go. A connected client has one Transport: its own socket (io-threads 1,
 * SocketTransport here, or the addon's socket layer, native-net.ts) or an I/O worker that owns
 * the socket (io-threads N, the pool's WorkerTransport). A socketless client has none and keeps
 * its replies in its own writer. The server writes replies and pushes, and closes clients, only
 * through this interface, so both I/O modes run the same code.
 *
 * IoPool is what the server needs of the I/O worker pool (src/io-threads/pool.ts implements it;
 * main.ts creates it), so server/ never imports io-threads/.
 */
import type { TlsSetup } from './tls.ts';
import type { Socket } from 'node:net';
import type { Client } from './client.ts';
import { SocketWriter } from '../util/socket-write.ts';

export interface Transport {
  /** Sends reply or push bytes; the caller must not modify them afterwards. */
  write(bytes: Uint8Array): void;
  /** Output accepted here and not yet handed to the kernel (output-buffer limits); 0 when another thread tracks it. */
  readonly pendingBytes: number;
  /** Closes once what was written is sent (QUIT, protocol errors). */
  end(): void;
  /** Closes now (the client is being freed). */
  destroy(): void;
  /** Closes now, dropping unsent output (over client-output-buffer-limit). */
  abort(): void;
  /** Stops or restarts reading (a busy script's caller); absent where another thread reads. */
  pauseReading?(paused: boolean): void;
}

/*
 * Replies to main-thread sockets are written at the end of the event-loop turn, not as each
 * client's batch ends: as Redis writes them from beforeSleep (handleClientsWithPendingWrites)
 * after the whole epoll batch has been read and run. Why: a write to a loopback socket whose
 * reader sleeps wakes that reader (the kernel's wake-up is most of the write's cost); writes made
 * back to back, after every read of the turn, find it awake more often. The queue is FIFO across
 * all clients, so each client's bytes keep their order; end() writes everything queued first.
 * The drain runs from setImmediate (Node's check phase, right after the poll phase's I/O).
 */
const queuedTransports: QueuedTransport[] = [];
const queuedBytes: Uint8Array[] = [];
let drainScheduled = false;
/** Runs after each drain (native-net.ts hands the turn's batch to the addon). */
let drainTail: (() => void) | null = null;

/** A transport whose writes wait in the queue above. */
export interface QueuedTransport {
  /** Bytes queued for the end of the turn. */
  deferred: number;
  /** Closed: queued bytes are dropped. */
  dead: boolean;
  /** Called by the drain, in queue order. */
  send(bytes: Uint8Array): void;
}

/** Queues bytes for t until the end of the event-loop turn. */
export function queueWrite(t: QueuedTransport, bytes: Uint8Array): void {
  queuedTransports.push(t);
  queuedBytes.push(bytes);
  t.deferred += bytes.length;
  if (!drainScheduled) {
    drainScheduled = true;
    setImmediate(drainSocketWrites);
  }
}

export function setDrainTail(fn: () => void): void {
  drainTail = fn;
}

/** Writes every queued reply (end of the event-loop turn, or before a socket is ended). */
export function drainSocketWrites(): void {
  drainScheduled = false;
  const n = queuedTransports.length;
  for (let i = 0; i < n; i++) {
    const t = queuedTransports[i]!;
    const b = queuedBytes[i]!;
    t.deferred -= b.length;
    if (!t.dead) t.send(b);
  }
  queuedTransports.length = 0;
  queuedBytes.length = 0;
  if (drainTail !== null) drainTail();
}

/** A socket owned by the main thread (io-threads 1); writes go to its handle (socket-write.ts) at the end of the turn. */
export class SocketTransport implements Transport, QueuedTransport {
  readonly sock: Socket;
  readonly out: SocketWriter;
  deferred = 0;
  dead = false;

  constructor(sock: Socket) {
    this.sock = sock;
    this.out = new SocketWriter(sock);
  }

  write(bytes: Uint8Array): void {
    queueWrite(this, bytes);
  }

  send(bytes: Uint8Array): void {
    this.out.write(bytes);
  }

  pauseReading(paused: boolean): void {
    if (paused) this.sock.pause();
    else this.sock.resume();
  }

  get pendingBytes(): number {
    return this.out.queued + this.deferred;
  }

  end(): void {
    drainSocketWrites();
    this.sock.end();
  }

  destroy(): void {
    this.dead = true;
    this.sock.destroy();
  }

  abort(): void {
    this.dead = true;
    this.sock.destroy();
  }
}

/** The I/O worker pool, as the server uses it (io-threads > 1). */
export interface IoPool {
  readonly size: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Hands an accepted (paused) socket to a worker; sets c.transport. `tls`: from tls-port. */
  assign(sock: Socket, c: Client, tls: boolean): void;
  /** The TLS setup changed (start-up, CONFIG SET tls-*): workers rebuild their contexts. */
  tlsChanged(setup: TlsSetup): void;
  /** Parser or output limits changed (CONFIG SET). */
  limitsChanged(): void;
  /** c's client-output-buffer-limit class changed (it subscribed or stopped). */
  obufClassChanged(c: Client, cls: number): void;
  /** DEBUG: makes worker n exit, to exercise the restart path. */
  exitWorker(n: number): void;
  /** INFO fields of the `# Spindle` section about the workers. */
  infoFields(): [string, string][];
  /** Per worker, for the latency monitor: the oldest undrained hand-off's age each way (ms) and ring-full stalls so far. */
  stallSamples(): Array<{ replyWaitMs: number; commandWaitMs: number; ringFullStalls: number }>;
  /**
   * Called from a busy script's hook (each firing past busy-reply-threshold, on the main thread):
   * publishes what was answered so far, then lets the workers answer -BUSY, SCRIPT KILL and
   * SHUTDOWN NOSAVE themselves (docs/design-scripting.md). Returns the id of the client whose
   * SHUTDOWN NOSAVE arrived meanwhile, or 0.
   */
  scriptBusy(caller: Client, isFunction: boolean): number;
  /** The busy script ended: the workers forward every command again. Answers as scriptBusy. */
  scriptEnded(): number;
}

/** Creates the pool for `threads` workers (main.ts passes io-threads/pool.ts's). */
export type IoPoolFactory = (srv: import('./server.ts').Server, threads: number) => IoPool;

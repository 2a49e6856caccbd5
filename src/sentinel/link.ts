/*
 * One outbound connection of the sentinel to an instance (primary, replica or another
 * sentinel): commands are pipelined and each reply goes to its callback in order. A pub/sub
 * link has no callbacks: every value it receives goes to onPush. Connection errors only mark
 * the link disconnected; the sentinel's timer reconnects.
 */
import { Socket } from 'node:net';
import { readCompleteReplies } from '../protocol/reply-reader.ts';
import { encodeCommand } from '../replication/resp.ts';
import { type RespValue, fromReply } from './resp.ts';

export type ReplyCb = (v: RespValue) => void;

export class Link {
  readonly sock: Socket;
  connected = false;
  closed = false;
  private readonly pending: (ReplyCb | null)[] = [];
  /** Received bytes not yet decoded: a reply's truncated start. */
  private tail: Buffer = Buffer.alloc(0);
  onPush: ((v: RespValue) => void) | null = null;
  onClose: (() => void) | null = null;

  constructor(host: string, port: number, onConnect: () => void) {
    this.sock = new Socket();
    this.sock.setNoDelay(true);
    this.sock.on('connect', () => {
      this.connected = true;
      onConnect();
    });
    this.sock.on('data', (d: Buffer) => this.onData(d));
    this.sock.on('error', () => this.close());
    this.sock.on('close', () => this.close());
    this.sock.connect(port, host);
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  send(args: readonly (string | number)[], cb: ReplyCb | null = null): void {
    if (this.closed) return;
    if (this.onPush === null) this.pending.push(cb);
    this.sock.write(encodeCommand(args.map((a) => Buffer.from(String(a)))));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    this.sock.destroy();
    this.pending.length = 0;
    this.onClose?.();
  }

  private onData(d: Buffer): void {
    const buf = this.tail.length === 0 ? d : Buffer.concat([this.tail, d]);
    let decoded: ReturnType<typeof readCompleteReplies>;
    try {
      decoded = readCompleteReplies(buf);
    } catch {
      this.close();
      return;
    }
    this.tail = decoded.used === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(decoded.used));
    for (const r of decoded.values) {
      if (this.closed) return;
      const v = fromReply(r);
      if (this.onPush !== null) this.onPush(v);
      else this.pending.shift()?.(v);
    }
  }
}

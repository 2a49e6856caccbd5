/*
 * The slow log (Redis's slowlog.c): the commands that ran for at least slowlog-log-slower-than
 * microseconds (negative: off, 0: every command), newest first, at most slowlog-max-len of them
 * (trimmed on the next push, so lowering the limit shows on the next entry, as in Redis).
 *
 * An entry keeps copies of what Redis keeps: at most 32 arguments (the 32nd then says how many
 * more there were), each cut to 128 bytes with a note of the bytes left out, secrets redacted
 * (redaction.ts), and the client's address and name at the time of the call. The cost when the
 * slow log is off or the command was fast is one comparison in Server.callHandler.
 */
import type { Argv } from '../protocol/argv.ts';
import type { Client } from './client.ts';
import { formatAddr } from './commands/client.ts';
import { REDACTED, redactedPositions } from './redaction.ts';

const MAX_ARGC = 32;
const MAX_STRING = 128;

export interface SlowlogEntry {
  id: number;
  /** Unix seconds. */
  time: number;
  /** Microseconds. */
  duration: number;
  args: Buffer[];
  peer: string;
  name: string;
}

/** The peer id Redis shows for a client (getClientPeerId): ip:port, path:0 for unix, ?:0 without a socket. */
export function peerId(c: Client): string {
  if (c.socketless || c.addr === '') return '?:0';
  if (c.addr.startsWith('?')) return `${String(c.srv.config.get('unixsocket') ?? '')}:0`;
  return formatAddr(c.addr);
}

export class Slowlog {
  /** Newest first. */
  entries: SlowlogEntry[] = [];
  /** Never reset, not even by SLOWLOG RESET (Redis's slowlog_entry_id). */
  nextId = 0;

  push(c: Client, fullName: string, argv: Argv, usec: number, maxLen: number): void {
    const argc = Math.min(argv.argc, MAX_ARGC);
    const redact = redactedPositions(fullName, argv, c.srv.config);
    const args: Buffer[] = new Array(argc);
    for (let j = 0; j < argc; j++) {
      if (argc !== argv.argc && j === argc - 1) {
        args[j] = Buffer.from(`... (${argv.argc - argc + 1} more arguments)`, 'latin1');
      } else if (redact?.includes(j)) {
        args[j] = REDACTED;
      } else if (argv.len[j] > MAX_STRING) {
        const o = argv.off[j];
        const more = Buffer.from(`... (${argv.len[j] - MAX_STRING} more bytes)`, 'latin1');
        args[j] = Buffer.concat([argv.buf.subarray(o, o + MAX_STRING), more]);
      } else {
        args[j] = argv.copy(j);
      }
    }
    this.entries.unshift({
      id: this.nextId++,
      time: Math.floor(Date.now() / 1000),
      duration: Math.trunc(usec),
      args,
      peer: peerId(c),
      name: c.socketless ? '' : (c.name ?? ''),
    });
    if (this.entries.length > maxLen) this.entries.length = maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}

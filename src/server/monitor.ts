/*
 * MONITOR (Redis's replicationFeedMonitors): every command the server runs, as one line pushed to
 * each monitoring client:
 *
 *   +1670000000.123456 [0 127.0.0.1:5000] "set" "k" "v"
 *
 * the wall clock in microseconds, the database and the client (`lua` for a script's calls,
 * `unix:<path>` for a unix socket), then the arguments quoted as sdscatrepr quotes them, secrets
 * redacted (redaction.ts). As in 7.0 a command is fed after it ran (so EXEC follows the commands
 * it ran), except EVAL/FCALL (skip-monitor) whose line is fed before the script's own calls;
 * admin commands and commands refused before running are never shown.
 */
import type { Argv } from '../protocol/argv.ts';
import type { Client } from './client.ts';
import { formatAddr } from './commands/client.ts';
import { redactedPositions } from './redaction.ts';

const HEX = '0123456789abcdef';

/** Appends b[o, o+n) quoted as Redis's sdscatrepr does. */
export function catRepr(out: string, b: Uint8Array, o: number, n: number): string {
  let s = `${out}"`;
  for (let i = o; i < o + n; i++) {
    const ch = b[i];
    switch (ch) {
      case 0x5c:
        s += '\\\\';
        break;
      case 0x22:
        s += '\\"';
        break;
      case 0x0a:
        s += '\\n';
        break;
      case 0x0d:
        s += '\\r';
        break;
      case 0x09:
        s += '\\t';
        break;
      case 0x07:
        s += '\\a';
        break;
      case 0x08:
        s += '\\b';
        break;
      default:
        if (ch >= 0x20 && ch <= 0x7e) s += String.fromCharCode(ch);
        else s += `\\x${HEX[ch >> 4]}${HEX[ch & 15]}`;
    }
  }
  return `${s}"`;
}

/** The `[db addr]` part for client c. */
function origin(c: Client): string {
  if (c.socketless) return `[${c.dbIndex} lua]`;
  if (c.addr.startsWith('?')) return `[${c.dbIndex} unix:${String(c.srv.config.get('unixsocket') ?? '')}]`;
  return `[${c.dbIndex} ${formatAddr(c.addr)}]`;
}

/** The MONITOR line for argv run by c, as bytes ready to push. */
export function monitorLine(c: Client, fullName: string, argv: Argv): Buffer {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const sec = Math.floor(us / 1e6);
  let s = `+${sec}.${String(us - sec * 1e6).padStart(6, '0')} ${origin(c)} `;
  const redact = redactedPositions(fullName, argv, c.srv.config);
  for (let j = 0; j < argv.argc; j++) {
    if (j > 0) s += ' ';
    if (redact?.includes(j)) s += '"(redacted)"';
    else s = catRepr(s, argv.buf, argv.off[j], argv.len[j]);
  }
  return Buffer.from(`${s}\r\n`, 'latin1');
}

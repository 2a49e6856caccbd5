/*
 * RESP encoding of replication stream commands (what replicationFeedSlaves writes): a multibulk
 * of bulk strings. The replica side also uses respSize to count the bytes of each command it
 * applied, since the primary's encoding is canonical (the offset counts bytes, not commands).
 */
import type { Argv } from '../protocol/argv.ts';

function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** Bytes of argv encoded as a RESP multibulk. */
export function respSize(argv: Argv): number {
  let n = 3 + digits(argv.argc);
  for (let i = 0; i < argv.argc; i++) n += 5 + digits(argv.len[i]) + argv.len[i];
  return n;
}

/** The RESP multibulk of args. */
export function encodeCommand(args: readonly Uint8Array[]): Buffer {
  let n = 3 + digits(args.length);
  for (const a of args) n += 5 + digits(a.length) + a.length;
  const out = Buffer.allocUnsafe(n);
  let p = out.write(`*${args.length}\r\n`, 0, 'latin1');
  for (const a of args) {
    p += out.write(`$${a.length}\r\n`, p, 'latin1');
    out.set(a, p);
    p += a.length;
    out[p++] = 13;
    out[p++] = 10;
  }
  return out;
}

export function encodeStrings(args: readonly string[]): Buffer {
  return encodeCommand(args.map((s) => Buffer.from(s, 'latin1')));
}

/*
 * MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
 *         [AUTH2 username password] [KEYS key [key ...]]
 *
 * The client side of DUMP/RESTORE (Redis's migrateCommand): the keys' DUMP payloads go to the
 * target as RESTORE (RESTORE-ASKING in cluster mode) commands, preceded by AUTH and SELECT; the
 * keys the target accepted are deleted here (unless COPY) and DEL is propagated.
 *
 * Redis blocks its event loop for the exchange. Here the exchange is asynchronous: the client
 * waits (its further input held, as for WAIT) and the keys being moved are locked: in cluster
 * mode a command touching one gets -TRYAGAIN (cluster/cluster.ts) until MIGRATE ends, so no
 * write can land on a key between its DUMP and its deletion. A fresh connection is made per
 * call (Redis caches them for 10 s).
 */
import net from 'node:net';
import type { Argv } from '../../protocol/argv.ts';
import { NOT_INTEGER, SYNTAX } from '../../protocol/errors.ts';
import type { CommandDef } from '../../commands/registry.ts';
import { dumpPayload } from '../../commands/dump.ts';
import { parseLongLong } from '../../util/numbers.ts';
import { clusterOf, lockedKeysOf } from '../../cluster/cluster.ts';
import type { Client } from '../client.ts';

function encode(args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Reads `n` one-line replies (+OK / -ERR ...) from the target. */
function exchange(host: string, port: number, timeout: number, payload: Buffer, n: number, done: (err: string | null, lines: string[]) => void): void {
  const sock = net.connect({ host, port });
  let buf = '';
  let finished = false;
  let connected = false;
  const finish = (err: string | null, lines: string[]) => {
    if (finished) return;
    finished = true;
    sock.destroy();
    done(err, lines);
  };
  sock.setTimeout(timeout, () => finish(connected ? 'IOERR error or timeout reading to target instance' : 'IOERR error or timeout connecting to the client', []));
  sock.on('error', () => finish(connected ? 'IOERR error or timeout reading to target instance' : 'IOERR error or timeout connecting to the client', []));
  sock.on('connect', () => {
    connected = true;
    sock.write(payload);
  });
  sock.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    const lines = buf.split('\r\n');
    if (lines.length - 1 >= n) finish(null, lines.slice(0, n));
  });
  sock.on('close', () => finish('IOERR error or timeout reading to target instance', []));
}

function int(argv: Argv, i: number): number {
  return parseLongLong(argv.buf, argv.off[i], argv.len[i]);
}

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password] [AUTH2 username password] [KEYS key [key ...]]
function migrateCommand(c: Client, argv: Argv): void {
  let copy = false;
  let replace = false;
  let auth: string[] | null = null;
  let first = 3;
  let num = 1;
  for (let j = 6; j < argv.argc; j++) {
    const more = argv.argc - j - 1;
    const opt = argv.lower(j);
    if (opt === 'copy') copy = true;
    else if (opt === 'replace') replace = true;
    else if (opt === 'auth') {
      if (more === 0) return c.w.error(SYNTAX);
      auth = [argv.str(++j)];
    } else if (opt === 'auth2') {
      if (more < 2) return c.w.error(SYNTAX);
      auth = [argv.str(j + 1), argv.str(j + 2)];
      j += 2;
    } else if (opt === 'keys') {
      if (argv.len[3] !== 0) return c.w.error('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
      first = j + 1;
      num = argv.argc - j - 1;
      break;
    } else return c.w.error(SYNTAX);
  }
  let timeout = int(argv, 5);
  const dbid = int(argv, 4);
  if (!Number.isSafeInteger(timeout) || !Number.isSafeInteger(dbid)) return c.w.error(NOT_INTEGER);
  if (timeout <= 0) timeout = 1000;
  const db = c.db;
  const keys: Buffer[] = [];
  const cmds: Buffer[] = [];
  const restore = clusterOf(c.srv) !== null ? 'RESTORE-ASKING' : 'RESTORE';
  const now = Date.now();
  for (let i = 0; i < num; i++) {
    const e = db.readArg(argv, first + i);
    if (e < 0) continue;
    let ttl = 0;
    if (db.hasExpire(e)) {
      ttl = db.getExpire(e) - now;
      if (ttl < 0) continue;
      if (ttl < 1) ttl = 1;
    }
    const key = Buffer.from(argv.buf.subarray(argv.off[first + i], argv.off[first + i] + argv.len[first + i]));
    keys.push(key);
    const args: (string | Buffer)[] = [restore, key, String(ttl), dumpPayload(c, e)];
    if (replace) args.push('REPLACE');
    cmds.push(encode(args));
  }
  if (keys.length === 0) return c.w.simple('NOKEY');
  const pre: Buffer[] = [];
  if (auth !== null) pre.push(encode(['AUTH', ...auth]));
  pre.push(encode(['SELECT', String(dbid)]));
  const locks = lockedKeysOf(c.srv);
  const names = keys.map((k) => k.toString('latin1'));
  for (const k of names) locks.add(k);
  const dbIndex = c.dbIndex;
  // The client waits for the exchange (its further input held, as for WAIT).
  c.postponed = new Uint8Array(0);
  exchange(argv.str(1), int(argv, 2), timeout, Buffer.concat([...pre, ...cmds]), pre.length + cmds.length, (err, lines) => {
    for (const k of names) locks.delete(k);
    const srv = c.srv;
    if (err !== null) {
      srv.finishWait(c, (cc) => cc.w.error(err));
      return;
    }
    for (let i = 0; i < pre.length; i++) {
      if (lines[i].startsWith('-')) {
        srv.finishWait(c, (cc) => cc.w.error(`ERR Target instance replied with error: ${lines[i].slice(1)}`));
        return;
      }
    }
    let targetError: string | null = null;
    const moved: Buffer[] = [];
    for (let i = 0; i < keys.length; i++) {
      const l = lines[pre.length + i];
      if (l.startsWith('-')) {
        if (targetError === null) targetError = l.slice(1);
      } else moved.push(keys[i]);
    }
    if (!copy && moved.length > 0) {
      // Deleted through dispatch, so DEL is propagated and keyspace events fire as for DEL.
      const fake = srv.createSocketlessClient();
      fake.selectDb(dbIndex);
      srv.runCommand(fake, ['DEL', ...moved]);
    }
    srv.finishWait(c, (cc) => {
      if (targetError !== null) cc.w.error(`ERR Target instance replied with error: ${targetError}`);
      else cc.w.ok();
    });
  });
}

export const migrateCommands: CommandDef<Client>[] = [
  { name: 'migrate', summary: 'Moves keys to another instance (DUMP/RESTORE).', handler: migrateCommand },
];

/*
 * Replication commands (Redis's replication.c): REPLICAOF/SLAVEOF, ROLE, WAIT, and what
 * replicas send their primary: SYNC, PSYNC, REPLCONF. The machinery is in src/replication/.
 */
import type { Argv } from '../../protocol/argv.ts';
import { NOT_INTEGER, SYNTAX } from '../../protocol/errors.ts';
import type { CommandDef } from '../../commands/registry.ts';
import { parseLongLong } from '../../util/numbers.ts';
import type { Client } from '../client.ts';
import { ackFrom, acksAtLeast, linkOf, replicaInfo, replicaIp, replOf, requestAcks, syncRequest } from '../../replication/primary.ts';
import { becomePrimary, becomeReplica } from '../../replication/replica.ts';
import { failoverCommand } from '../../replication/failover.ts';

function intArg(argv: Argv, i: number): number {
  return parseLongLong(argv.buf, argv.off[i], argv.len[i]);
}

// REPLICAOF host port | NO ONE   (SLAVEOF likewise)
function replicaofCommand(c: Client, argv: Argv): void {
  const srv = c.srv;
  const st = replOf(srv);
  if (c.kind === 'replica') {
    c.w.error('ERR Command is not valid when client is a replica.');
    return;
  }
  if (argv.lower(1) === 'no' && argv.lower(2) === 'one') {
    if (st.master !== null) {
      becomePrimary(st);
    }
    c.w.ok();
    return;
  }
  const port = intArg(argv, 2);
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) {
    c.w.error('ERR Invalid master port');
    return;
  }
  const host = argv.str(1);
  if (st.master !== null && st.master.host.toLowerCase() === host.toLowerCase() && st.master.port === port) {
    srv.log.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    c.w.simple('OK Already connected to specified master');
    return;
  }
  becomeReplica(st, host, port);
  srv.log.notice(`REPLICAOF ${host}:${port} enabled (user request from '${c.describe()}')`);
  c.w.ok();
}

// ROLE
function roleCommand(c: Client): void {
  const st = replOf(c.srv);
  const w = c.w;
  const m = st.master;
  if (m === null) {
    const links = st.replicas.filter((l) => !l.c.closed && l.state === 'online');
    w.arrayHeader(3);
    w.bulkString('master');
    w.integer(st.offset);
    w.arrayHeader(links.length);
    for (const l of links) {
      w.arrayHeader(3);
      w.bulkString(replicaIp(l));
      w.bulkString(String(l.listeningPort));
      w.bulkString(String(l.ackOff));
    }
    return;
  }
  w.arrayHeader(5);
  w.bulkString('slave');
  w.bulkString(m.host);
  w.integer(m.port);
  w.bulkString(m.roleState);
  w.integer(m.up ? st.offset : -1);
}

// WAIT numreplicas timeout
function waitCommand(c: Client, argv: Argv): void {
  const srv = c.srv;
  const st = replOf(srv);
  if (st.master !== null) {
    c.w.error('ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.');
    return;
  }
  const num = intArg(argv, 1);
  if (!Number.isSafeInteger(num)) {
    c.w.error(NOT_INTEGER);
    return;
  }
  const timeout = intArg(argv, 2);
  if (!Number.isSafeInteger(timeout)) {
    c.w.error('ERR timeout is not an integer or out of range');
    return;
  }
  if (timeout < 0) {
    c.w.error('ERR timeout is negative');
    return;
  }
  const target = c.replWriteOffset;
  const acked = acksAtLeast(st, target);
  if (acked >= num || c.inExec) {
    c.w.integer(acked);
    return;
  }
  // Blocked: c's further input waits (the postponed marker) until finishWaiter replies.
  c.postponed = new Uint8Array(0);
  const waiter = { c, target, numreplicas: num, timer: null as NodeJS.Timeout | null };
  if (timeout > 0) waiter.timer = setTimeout(() => replOfWaiterDone(c, waiter), timeout);
  st.waiters.push(waiter);
  requestAcks(st);
}

function replOfWaiterDone(c: Client, waiter: { c: Client; target: number; timer: NodeJS.Timeout | null }): void {
  const st = replOf(c.srv);
  waiter.timer = null;
  const i = st.waiters.indexOf(waiter as never);
  if (i < 0) return;
  st.waiters.splice(i, 1);
  c.srv.finishWait(c, (cc) => cc.w.integer(acksAtLeast(st, waiter.target)));
}

// PSYNC replicationid offset [FAILOVER]
function psyncCommand(c: Client, argv: Argv): void {
  const off = intArg(argv, 2);
  if (!Number.isSafeInteger(off)) {
    c.w.error(NOT_INTEGER);
    return;
  }
  const st = replOf(c.srv);
  if (argv.argc > 3 && argv.lower(3) === 'failover') {
    // Our primary hands over (FAILOVER): we promote ourselves, then it continues as our replica.
    if (st.master === null) {
      c.w.error("ERR PSYNC FAILOVER can't be sent to a master.");
      return;
    }
    if (argv.str(1) !== st.replid) {
      c.w.error('ERR PSYNC FAILOVER replid must match my replid.');
      return;
    }
    c.srv.log.notice(`Failover request received for replid ${st.replid}.`);
    becomePrimary(st);
  }
  syncRequest(st, c, argv.str(1), off);
}

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]
function failoverCmd(c: Client, argv: Argv): void {
  const args: string[] = [];
  for (let i = 1; i < argv.argc; i++) args.push(argv.str(i));
  failoverCommand(c, args);
}

// SYNC
function syncCommand(c: Client): void {
  syncRequest(replOf(c.srv), c, null, -1);
}

// REPLCONF [listening-port port] [ip-address ip] [capa eof|psync2]... [ack offset] [getack *] [rdb-only 0|1]
function replconfCommand(c: Client, argv: Argv): void {
  const st = replOf(c.srv);
  if (argv.argc % 2 === 0) {
    c.w.error(SYNTAX);
    return;
  }
  let info = replicaInfo.get(c);
  if (info === undefined) {
    info = { listeningPort: 0, announceIp: '', capaEof: false, capaPsync2: false, rdbOnly: false };
    replicaInfo.set(c, info);
  }
  for (let i = 1; i < argv.argc; i += 2) {
    const opt = argv.lower(i);
    if (opt === 'listening-port') {
      const p = intArg(argv, i + 1);
      if (!Number.isSafeInteger(p)) {
        c.w.error(NOT_INTEGER);
        return;
      }
      info.listeningPort = p;
    } else if (opt === 'ip-address') {
      info.announceIp = argv.str(i + 1);
    } else if (opt === 'capa') {
      const v = argv.lower(i + 1);
      if (v === 'eof') info.capaEof = true;
      else if (v === 'psync2') info.capaPsync2 = true;
    } else if (opt === 'ack') {
      // Only replicas send it, and nothing is replied.
      const off = intArg(argv, i + 1);
      if (Number.isSafeInteger(off) && linkOf(st, c) !== undefined) ackFrom(st, c, off);
      return;
    } else if (opt === 'getack') {
      // Only meaningful from a primary: the replica side answers it in its stream (replica.ts).
      return;
    } else if (opt === 'rdb-only') {
      const v = intArg(argv, i + 1);
      if (v !== 0 && v !== 1) {
        c.w.error(Number.isSafeInteger(v) ? 'ERR value is out of range, value must between 0 and 1' : NOT_INTEGER);
        return;
      }
      info.rdbOnly = v === 1;
    } else if (opt === 'rdb-filter-only') {
      // redis-cli --rdb sends it (7.0); the only filter, "functions", is not applied.
    } else {
      c.w.error(`ERR Unrecognized REPLCONF option: ${argv.str(i)}`);
      return;
    }
  }
  c.w.ok();
}

export const replicationCommands: CommandDef<Client>[] = [
  { name: 'replicaof', summary: 'Configures a server as replica of another, or promotes it to a master.', handler: replicaofCommand },
  { name: 'slaveof', summary: 'Sets a Redis server as a replica of another, or promotes it to being a master.', handler: replicaofCommand },
  { name: 'role', summary: 'Returns the replication role.', handler: roleCommand },
  { name: 'wait', summary: 'Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.', handler: waitCommand },
  { name: 'psync', summary: 'An internal command used in replication.', handler: psyncCommand },
  { name: 'sync', summary: 'An internal command used in replication.', handler: syncCommand },
  { name: 'failover', summary: 'Starts a coordinated failover from a server to one of its replicas.', handler: failoverCmd },
  { name: 'replconf', summary: 'An internal command for configuring the replication stream.', handler: replconfCommand },
];

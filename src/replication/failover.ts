/*
 * FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms] (Redis 7.0's coordinated failover): the
 * primary pauses writes (CLIENT PAUSE WRITE), waits until a replica (the given one, or any online
 * replica) has ACKed the whole stream (waiting-for-sync; REPLCONF GETACK is sent every 100 ms),
 * then becomes a replica of it with `PSYNC <replid> <offset> FAILOVER` (failover-in-progress): the
 * target promotes itself (REPLICAOF NO ONE, keeping the history) and answers +CONTINUE, and the
 * old primary continues as its replica. Writes resume once that PSYNC is answered. A timeout
 * aborts (or, with FORCE, goes on with the target anyway); a refused PSYNC makes the old primary
 * a primary again.
 */
import type { Client } from '../server/client.ts';
import type { ReplState, ReplicaLink } from './state.ts';
import { replicaIp, replOf, requestAcks } from './primary.ts';
import { becomePrimary, becomeReplica } from './replica.ts';

interface Failover {
  state: 'waiting-for-sync' | 'failover-in-progress';
  host: string | null;
  port: number;
  endMs: number;
  force: boolean;
  timer: NodeJS.Timeout;
}

const running = new WeakMap<ReplState, Failover>();

export function failoverState(st: ReplState): string {
  return running.get(st)?.state ?? 'no-failover';
}

function end(st: ReplState, reason: string | null): void {
  const f = running.get(st);
  if (f === undefined) return;
  running.delete(st);
  clearInterval(f.timer);
  st.srv.unpauseClients();
  if (reason !== null) st.srv.log.warning(`FAILOVER to ${f.host ?? 'any replica'} aborted: ${reason}`);
  else st.srv.log.notice('Failover target accepted the PSYNC request: FAILOVER done.');
}

function caughtUp(st: ReplState, f: Failover): ReplicaLink | undefined {
  return st.replicas.find((l) => l.state === 'online' && !l.c.closed && l.ackOff === st.offset && (f.host === null || (replicaIp(l) === f.host && l.listeningPort === f.port)));
}

function step(st: ReplState, f: Failover): void {
  if (f.state !== 'waiting-for-sync') return;
  let target = caughtUp(st, f);
  if (target === undefined && f.endMs !== 0 && Date.now() >= f.endMs) {
    if (!f.force) {
      end(st, 'Replica never caught up before timeout');
      return;
    }
    target = st.replicas.find((l) => replicaIp(l) === f.host && l.listeningPort === f.port);
    if (target === undefined) {
      end(st, 'the target is gone');
      return;
    }
  }
  if (target === undefined) {
    requestAcks(st);
    return;
  }
  f.state = 'failover-in-progress';
  const host = replicaIp(target);
  const port = target.listeningPort;
  st.srv.log.notice(`Failover target ${host}:${port} is synced, failing over.`);
  becomeReplica(st, host, port, (ok) => {
    if (running.get(st) !== f) return;
    if (ok) end(st, null);
    else {
      end(st, 'the target refused or could not be reached');
      if (st.master !== null) becomePrimary(st);
    }
  });
}

function longArg(c: Client, s: string): number | null {
  if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(Number(s))) {
    c.w.error('ERR value is not an integer or out of range');
    return null;
  }
  return Number(s);
}

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]
export function failoverCommand(c: Client, args: string[]): void {
  const st = replOf(c.srv);
  let host: string | null = null;
  let port = 0;
  let force = false;
  let abort = false;
  let timeout = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i].toLowerCase();
    if (a === 'to' && i + 2 < args.length && host === null) {
      host = args[i + 1];
      const p = longArg(c, args[i + 2]);
      if (p === null) return;
      port = p;
      i += 2;
    } else if (a === 'timeout' && i + 1 < args.length && timeout === 0) {
      const t = longArg(c, args[++i]);
      if (t === null) return;
      if (t <= 0) {
        c.w.error('ERR FAILOVER timeout must be greater than 0');
        return;
      }
      timeout = t;
    } else if (a === 'force' && !force) force = true;
    else if (a === 'abort' && !abort) abort = true;
    else {
      c.w.error('ERR syntax error');
      return;
    }
  }
  if (abort) {
    if (!running.has(st)) {
      c.w.error('ERR No failover in progress.');
      return;
    }
    const f = running.get(st) as Failover;
    end(st, 'Failover manually aborted');
    if (f.state === 'failover-in-progress' && st.master !== null) becomePrimary(st);
    c.w.ok();
    return;
  }
  if (st.master !== null) {
    c.w.error('ERR FAILOVER is not valid when server is a replica.');
    return;
  }
  if (st.replicas.filter((l) => !l.c.closed).length === 0) {
    c.w.error('ERR FAILOVER requires connected replicas.');
    return;
  }
  if (force && (timeout === 0 || host === null)) {
    c.w.error('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
    return;
  }
  if (running.has(st)) {
    c.w.error('ERR FAILOVER already in progress.');
    return;
  }
  if (host !== null) {
    const l = st.replicas.find((x) => !x.c.closed && replicaIp(x) === host && x.listeningPort === port);
    if (l === undefined) {
      c.w.error('ERR FAILOVER target HOST and PORT is not a replica.');
      return;
    }
    if (l.state !== 'online') {
      c.w.error('ERR FAILOVER target replica is not online.');
      return;
    }
  }
  const f: Failover = {
    state: 'waiting-for-sync',
    host,
    port,
    endMs: timeout > 0 ? Date.now() + timeout : 0,
    force,
    timer: setInterval(() => step(st, f), 100),
  };
  running.set(st, f);
  c.srv.pauseClients(Date.now() + 2 ** 31 - 1, false); // until end() (setTimeout's longest delay)
  c.srv.log.notice(`FAILOVER requested to ${host === null ? 'any replica' : `${host}:${port}`}.`);
  requestAcks(st);
  c.w.ok();
}

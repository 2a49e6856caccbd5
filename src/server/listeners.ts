/*
 * The TCP listeners for `bind` and `port`, opened synchronously (and the unix socket listener).
 *
 * Why synchronous: CONFIG SET port/bind must know, inside the command, whether the new address
 * can be listened on, and roll every pair of the call back when not (Redis replies "Unable to
 * listen on this port" and no other client ever sees the half-applied config). net.Server.listen
 * only reports through an event, later. libuv's bind and listen are synchronous, though, and
 * Node's TCP handle (the tcp_wrap binding net itself is built on) exposes them: we bind and
 * listen the handle here, read the errno at once, and hand the listening handle to a
 * net.Server. Start-up uses the same path, so both report the same errors.
 */
import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';

interface TcpHandle {
  bind(host: string, port: number): number;
  bind6(host: string, port: number, flags: number): number;
  listen(backlog: number): number;
  close(): void;
}

interface TcpWrap {
  TCP: new (type: number) => TcpHandle;
  constants: { SERVER: number };
}

const UV_TCP_IPV6ONLY = 1;
const tcpWrap = (process as unknown as { binding(name: string): TcpWrap }).binding('tcp_wrap');

/** An address that could not be listened on: the bind spec and the errno name (EADDRINUSE...). */
export interface ListenFailure {
  addr: string;
  code: string;
}

export interface OpenResult {
  servers: NetServer[];
  failure: ListenFailure | null;
  /** Optional ('-' prefixed) addresses that were skipped as unavailable, with the errno name. */
  skipped: ListenFailure[];
}

/**
 * Listens on every `bind` address at `port` (nothing for port 0). A leading '-' marks an address
 * that may be unavailable: Redis skips it then. On a failure, whatever was opened is closed again.
 */
export function openListeners(binds: readonly string[], port: number, backlog: number, onConnection: (s: Socket) => void): OpenResult {
  const servers: NetServer[] = [];
  const skipped: ListenFailure[] = [];
  if (port === 0) return { servers, failure: null, skipped };
  for (const spec of binds.length > 0 ? binds : ['*']) {
    const optional = spec.startsWith('-');
    const addr = optional ? spec.slice(1) : spec;
    const host = addr === '*' ? '0.0.0.0' : addr === '::*' ? '::' : addr;
    const h = new tcpWrap.TCP(tcpWrap.constants.SERVER);
    let err = host.includes(':') ? h.bind6(host, port, UV_TCP_IPV6ONLY) : h.bind(host, port);
    if (err === 0) err = h.listen(backlog);
    if (err !== 0) {
      h.close();
      const code = getSystemErrorName(err);
      if (optional && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'EPROTONOSUPPORT')) {
        skipped.push({ addr, code });
        continue;
      }
      for (const s of servers) s.close();
      return { servers: [], failure: { addr, code }, skipped };
    }
    const srv = createServer({ noDelay: true, pauseOnConnect: true }, onConnection);
    srv.listen(h as unknown as object);
    servers.push(srv);
  }
  return { servers, failure: null, skipped };
}

/** Redis's words for an errno in its listen warning ("bind: Address already in use"). */
export function listenErrorText(code: string): string {
  switch (code) {
    case 'EADDRINUSE':
      return 'bind: Address already in use';
    case 'EADDRNOTAVAIL':
      return 'bind: Cannot assign requested address';
    case 'EACCES':
      return 'bind: Permission denied';
    default:
      return `bind: ${code}`;
  }
}

/**
 * Listens on the unix socket `file` (unixsocket), made `perm` (unixsocketperm, 0: left as the
 * umask makes it). A stale socket file is removed first, as Redis does.
 */
export function openUnixListener(file: string, perm: number, backlog: number, onConnection: (s: Socket) => void): Promise<NetServer> {
  try {
    unlinkSync(file);
  } catch {
    // nothing there
  }
  const srv = createServer({ pauseOnConnect: true }, onConnection);
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen({ path: file, backlog }, () => {
      srv.off('error', reject);
      if (perm !== 0) chmodSync(file, perm);
      resolve(srv);
    });
  });
}
